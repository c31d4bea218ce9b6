/* Unit tests for the flame graph call tree (lib/report/flame.c) and its renderers: merging of
 * identical paths, inlined frames, granularity, self values, ordering, diff profiles and the
 * report total, and the folded-stacks writer built on the tree. Profiles are built through
 * the builder API. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "goscope/flame.h"

struct fx {
	struct gs_ctx ctx;
	struct gs_profile *p;
};

static uint32_t str(struct gs_profile *p, const char *s)
{
	uint32_t idx;
	assert_int_equal(gs_profile_intern_cstr(p, s, &idx), 0);
	return idx;
}

/* A function called name in file (created on first use). */
static uint32_t func(struct gs_profile *p, const char *name, const char *file)
{
	for (size_t i = 0; i < p->n_functions; i++)
		if (!strcmp(gs_profile_str(p, p->functions[i].name), name) &&
		    !strcmp(gs_profile_str(p, p->functions[i].filename), file))
			return (uint32_t)i;
	struct gs_function f = {.id = p->n_functions + 1, .name = str(p, name),
				.system_name = str(p, name), .filename = str(p, file)};
	uint32_t idx;
	assert_int_equal(gs_profile_add_function(p, &f, &idx), 0);
	return idx;
}

/* A location whose lines are the functions names[0..n) (innermost first), at line numbers
 * 10, 11, ... */
static uint32_t loc(struct gs_profile *p, const char *const *names, size_t n)
{
	struct gs_line lines[8];
	struct gs_location l = {.id = p->n_locations + 1, .mapping = GS_NONE,
				.address = 0x1000 + p->n_locations};
	for (size_t i = 0; i < n; i++)
		lines[i] = (struct gs_line){func(p, names[i], "/src/x.go"), (int64_t)(10 + i), 0};
	uint32_t idx;
	assert_int_equal(gs_profile_add_location(p, &l, lines, n, &idx), 0);
	return idx;
}

static uint32_t loc1(struct gs_profile *p, const char *name)
{
	return loc(p, &name, 1);
}

/* A sample with stack locs (root first, as written) and values v0, v1. */
static void sample(struct gs_profile *p, const uint32_t *root_first, size_t n, int64_t v0,
		   int64_t v1, uint32_t labels)
{
	uint32_t leaf_first[16], stack;
	for (size_t i = 0; i < n; i++)
		leaf_first[i] = root_first[n - 1 - i];
	assert_int_equal(gs_profile_intern_stack(p, leaf_first, n, &stack), 0);
	int64_t v[2] = {v0, v1};
	assert_int_equal(gs_profile_add_sample(p, stack, labels, v), 0);
}

static struct gs_profile *new_profile(struct gs_ctx *ctx)
{
	struct gs_profile *p;
	gs_ctx_init(ctx);
	assert_int_equal(gs_profile_new(ctx, &p), 0);
	assert_int_equal(gs_profile_add_sample_type(p, str(p, "samples"), str(p, "count")), 0);
	assert_int_equal(gs_profile_add_sample_type(p, str(p, "cpu"), str(p, "nanoseconds")), 0);
	return p;
}

/* main -> a -> b (x3), main -> a (x2), main -> c with d inlined into c (x4) */
static struct gs_profile *demo(struct gs_ctx *ctx)
{
	struct gs_profile *p = new_profile(ctx);
	uint32_t m = loc1(p, "main"), a = loc1(p, "pkg.a"), b = loc1(p, "pkg.b");
	const char *cd[] = {"other.d", "pkg.c"};
	uint32_t c = loc(p, cd, 2);
	sample(p, (uint32_t[]){m, a, b}, 3, 3, 30, 0);
	sample(p, (uint32_t[]){m, a}, 2, 2, 20, 0);
	sample(p, (uint32_t[]){m, c}, 2, 4, 40, 0);
	sample(p, (uint32_t[]){m, a, b}, 3, 1, 10, 0); /* same stack again: merged */
	return p;
}

static const struct gs_flame_node *child(const struct gs_flame *f, size_t parent, const char *name)
{
	for (size_t i = parent + 1; i < f->nodes[parent].end; i = f->nodes[i].end)
		if (!strcmp(gs_flame_str(f, f->frames[f->nodes[i].frame].name), name))
			return &f->nodes[i];
	return NULL;
}

static size_t idx(const struct gs_flame *f, const struct gs_flame_node *n)
{
	return (size_t)(n - f->nodes);
}

static void test_tree(void **state)
{
	struct gs_ctx ctx;
	struct gs_profile *p = demo(&ctx);
	struct gs_flame *f;
	struct gs_flame_opts o;
	gs_flame_opts_init(&o);
	assert_int_equal(gs_flame_build(p, &o, &ctx, &f), 0);

	assert_string_equal(gs_flame_str(f, f->sample_type), "cpu");
	assert_int_equal(f->total, 100);
	assert_false(f->diff);
	assert_int_equal(f->n_samples, 4);
	/* root, main, a, b, c, d */
	assert_int_equal(f->n_nodes, 6);
	assert_int_equal(f->nodes[0].pos, 100);
	assert_int_equal(f->nodes[0].end, 6);
	const struct gs_flame_node *main_n = child(f, 0, "main:10");
	assert_null(main_n); /* filefunctions: no line numbers in names */
	main_n = child(f, 0, "main");
	assert_non_null(main_n);
	assert_int_equal(main_n->pos, 100);
	assert_int_equal(main_n->self, 0);
	/* heaviest child first: a (60) before c (40) */
	assert_string_equal(gs_flame_str(f, f->frames[f->nodes[idx(f, main_n) + 1].frame].name),
			    "pkg.a");
	const struct gs_flame_node *a = child(f, idx(f, main_n), "pkg.a");
	assert_int_equal(a->pos, 60);
	assert_int_equal(a->self, 20);
	const struct gs_flame_node *b = child(f, idx(f, a), "pkg.b");
	assert_int_equal(b->pos, 40);
	assert_int_equal(b->self, 40);
	assert_int_equal(b->depth, 3);
	const struct gs_flame_node *c = child(f, idx(f, main_n), "pkg.c");
	assert_false(f->frames[c->frame].inlined);
	const struct gs_flame_node *d = child(f, idx(f, c), "other.d");
	assert_non_null(d);
	assert_true(f->frames[d->frame].inlined);
	assert_int_equal(d->self, 40);
	assert_int_equal(c->self, 0);
	assert_string_equal(gs_flame_str(f, f->frames[d->frame].file), "/src/x.go");
	/* different packages, different colours (hash of "pkg" vs "other") */
	assert_int_not_equal(f->frames[c->frame].color, f->frames[d->frame].color);
	assert_int_equal(f->frames[a->frame].color, f->frames[c->frame].color);
	assert_int_equal(f->max_depth, 3);
	gs_flame_free(f);

	/* -noinlines: d's cost goes to c */
	o.noinlines = true;
	assert_int_equal(gs_flame_build(p, &o, &ctx, &f), 0);
	assert_int_equal(f->n_nodes, 5);
	c = child(f, idx(f, child(f, 0, "main")), "pkg.c");
	assert_int_equal(c->self, 40);
	gs_flame_free(f);

	/* -lines: names carry the line; -sample_index 0 */
	gs_flame_opts_init(&o);
	o.granularity = GS_GRAN_LINES;
	o.sample_index = 0;
	assert_int_equal(gs_flame_build(p, &o, &ctx, &f), 0);
	assert_int_equal(f->total, 10);
	assert_non_null(child(f, 0, "main:10"));
	assert_non_null(child(f, idx(f, child(f, idx(f, child(f, 0, "main:10")), "pkg.c:11")),
			       "other.d:10"));
	gs_flame_free(f);

	o.sample_index = 2;
	assert_int_equal(gs_flame_build(p, &o, &ctx, &f), -EINVAL);
	assert_non_null(strstr(gs_ctx_errmsg(&ctx), "out of range"));
	gs_profile_free(p);
}

/* Recursion gives deeper nodes of the same frame; identical paths merge whatever the labels. */
static void test_recursion_and_labels(void **state)
{
	struct gs_ctx ctx;
	struct gs_profile *p = new_profile(&ctx);
	uint32_t r = loc1(p, "rec"), l = loc1(p, "leaf");
	struct gs_label lab = {str(p, "k"), str(p, "v"), 0, 0};
	uint32_t set;
	assert_int_equal(gs_profile_intern_labels(p, &lab, 1, &set), 0);
	sample(p, (uint32_t[]){r, r, r, l}, 4, 1, 5, 0);
	sample(p, (uint32_t[]){r, r, r, l}, 4, 1, 7, set);
	sample(p, (uint32_t[]){r}, 1, 1, 1, set);
	struct gs_flame *f;
	assert_int_equal(gs_flame_build(p, NULL, &ctx, &f), 0);
	assert_int_equal(f->n_nodes, 5);
	assert_int_equal(f->nodes[1].pos, 13);
	assert_int_equal(f->nodes[1].self, 1);
	assert_int_equal(f->nodes[4].pos, 12);
	assert_int_equal(f->nodes[4].depth, 4);
	assert_int_equal(f->nodes[1].frame, f->nodes[3].frame);
	gs_flame_free(f);
	gs_profile_free(p);
}

/* -diff_base: base samples are negative and labelled pprof::base; the total is the base's. */
static void test_diff(void **state)
{
	struct gs_ctx ctx;
	struct gs_profile *p = new_profile(&ctx);
	uint32_t m = loc1(p, "main"), a = loc1(p, "a"), b = loc1(p, "b");
	struct gs_label base = {str(p, "pprof::base"), str(p, "true"), 0, 0};
	uint32_t set;
	assert_int_equal(gs_profile_intern_labels(p, &base, 1, &set), 0);
	sample(p, (uint32_t[]){m, a}, 2, 1, 70, 0);
	sample(p, (uint32_t[]){m, b}, 2, 1, 10, 0);
	sample(p, (uint32_t[]){m, a}, 2, -1, -50, set);
	sample(p, (uint32_t[]){m, b}, 2, -1, -30, set);
	struct gs_flame *f;
	assert_int_equal(gs_flame_build(p, NULL, &ctx, &f), 0);
	assert_true(f->diff);
	assert_int_equal(f->total, 80);
	const struct gs_flame_node *mn = child(f, 0, "main");
	assert_int_equal(mn->pos, 80);
	assert_int_equal(mn->neg, 80);
	const struct gs_flame_node *an = child(f, idx(f, mn), "a");
	assert_int_equal(an->pos, 70);
	assert_int_equal(an->neg, 50);
	assert_int_equal(an->self, 20);
	/* both weigh 120 and 40: a first */
	assert_ptr_equal(an, &f->nodes[idx(f, mn) + 1]);

	struct gs_out o;
	gs_out_init(&o, NULL, NULL);
	assert_int_equal(gs_flame_write_json(f, &o, false), 0);
	assert_non_null(strstr(o.buf.data, "\"name\":\"a\",\"file\":\"/src/x.go\",\"value\":20,"
					   "\"self\":20,\"increase\":70,\"decrease\":50"));
	gs_out_release(&o);
	gs_flame_free(f);
	gs_profile_free(p);
}

/* The page embeds everything and escapes '<' in names; the SVG is one document. */
static void test_html_svg(void **state)
{
	struct gs_ctx ctx;
	struct gs_profile *p = new_profile(&ctx);
	uint32_t m = loc1(p, "main"), x = loc1(p, "evil</script><b>&\"x");
	sample(p, (uint32_t[]){m, x}, 2, 1, 10000000, 0);
	sample(p, (uint32_t[]){m}, 1, 1, 20000000, 0);
	struct gs_flame *f;
	assert_int_equal(gs_flame_build(p, NULL, &ctx, &f), 0);
	struct gs_flame_page page = {.title = "t<1>", .subtitle = "Type: cpu"};
	struct gs_out o;
	gs_out_init(&o, NULL, NULL);
	assert_int_equal(gs_flame_write_html(f, &page, &o, &ctx), 0);
	const char *html = o.buf.data;
	assert_non_null(strstr(html, "<title>t&lt;1&gt; · goscope flame graph</title>"));
	assert_null(strstr(html, "<!--GS:"));
	assert_null(strstr(html, "evil</script>"));
	assert_non_null(strstr(html, "evil\\u003c/script>"));
	/* values divided by the common factor 10ms: the page ships 3 and 1 */
	assert_non_null(strstr(html, "\"nodeValue\":[3,3,1]"));
	assert_non_null(strstr(html, "\"totalText\":\"30ms\""));
	gs_out_release(&o);

	gs_out_init(&o, NULL, NULL);
	assert_int_equal(gs_flame_write_svg(f, &page, 0, &o, &ctx), 0);
	const char *svg = o.buf.data;
	assert_true(!strncmp(svg, "<?xml", 5));
	assert_non_null(strstr(svg, "evil&lt;/script&gt;&lt;b&gt;&amp;&quot;x"));
	assert_non_null(strstr(svg, "30ms (100.0%)"));
	assert_non_null(strstr(svg + strlen(svg) - 7, "</svg>"));
	gs_out_release(&o);
	gs_flame_free(f);
	gs_profile_free(p);
}

static void test_folded_write(void **state)
{
	struct gs_ctx ctx;
	struct gs_profile *p = demo(&ctx);
	struct gs_out o;
	struct gs_folded_opts fo;
	gs_folded_opts_init(&fo);
	gs_out_init(&o, NULL, NULL);
	assert_int_equal(gs_folded_write(p, &fo, &o, &ctx), 0);
	assert_string_equal(o.buf.data, "main;pkg.a 20\n"
					"main;pkg.a;pkg.b 40\n"
					"main;pkg.c;other.d 40\n");
	gs_out_release(&o);
	fo.noinlines = true;
	fo.sample_index = 0;
	gs_out_init(&o, NULL, NULL);
	assert_int_equal(gs_folded_write(p, &fo, &o, &ctx), 0);
	assert_string_equal(o.buf.data, "main;pkg.a 2\n"
					"main;pkg.a;pkg.b 4\n"
					"main;pkg.c 4\n");
	gs_out_release(&o);
	gs_profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_recursion_and_labels),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_html_svg),
		cmocka_unit_test(test_folded_write),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
