/* Unit tests for the traces, tags, tree and peek renderers (lib/report/traces.c, tags.c,
 * tree.c) on profiles built in memory. Expected texts are what `go tool pprof` (Go 1.26.8)
 * printed for the same profiles, written with tests/fixtures/go/mkprofile. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "goscope/report.h"

/* ---- building profiles ---- */

static uint32_t str(struct gs_profile *p, const char *s)
{
	uint32_t idx;
	assert_int_equal(gs_profile_intern_cstr(p, s, &idx), 0);
	return idx;
}

static struct gs_profile *new_profile(const char *type, const char *unit)
{
	struct gs_ctx ctx;
	struct gs_profile *p;
	gs_ctx_init(&ctx);
	assert_int_equal(gs_profile_new(&ctx, &p), 0);
	assert_int_equal(gs_profile_add_sample_type(p, str(p, "samples"), str(p, "count")), 0);
	assert_int_equal(gs_profile_add_sample_type(p, str(p, type), str(p, unit)), 0);
	return p;
}

static uint32_t add_function(struct gs_profile *p, uint64_t id, const char *name, const char *file)
{
	struct gs_function f = {.id = id, .name = str(p, name), .system_name = str(p, name),
				.filename = str(p, file)};
	uint32_t idx;
	assert_int_equal(gs_profile_add_function(p, &f, &idx), 0);
	return idx;
}

/* A location whose lines are (function index, line) pairs, innermost first. */
static uint32_t add_location(struct gs_profile *p, uint64_t id, size_t n, const uint32_t *funcs,
			     const int64_t *lines)
{
	struct gs_location loc = {.id = id, .mapping = GS_NONE};
	struct gs_line l[8];
	uint32_t idx;
	for (size_t i = 0; i < n; i++)
		l[i] = (struct gs_line){.function = funcs[i], .line = lines[i]};
	assert_int_equal(gs_profile_add_location(p, &loc, l, n, &idx), 0);
	return idx;
}

static void add_sample(struct gs_profile *p, size_t n_locs, const uint32_t *locs, int64_t count,
		       int64_t value, size_t n_labels, const struct gs_label *labels)
{
	uint32_t stack, set;
	int64_t values[2] = {count, value};
	assert_int_equal(gs_profile_intern_stack(p, locs, n_locs, &stack), 0);
	assert_int_equal(gs_profile_intern_labels(p, labels, n_labels, &set), 0);
	assert_int_equal(gs_profile_add_sample(p, stack, set, values), 0);
}

static struct gs_label slabel(struct gs_profile *p, const char *key, const char *value)
{
	return (struct gs_label){.key = str(p, key), .str = str(p, value)};
}

static struct gs_label nlabel(struct gs_profile *p, const char *key, int64_t num, const char *unit)
{
	return (struct gs_label){.key = str(p, key), .num = num, .num_unit = unit ? str(p, unit) : 0};
}

static struct gs_report *prepare(struct gs_profile *p, enum gs_report_kind kind, const char *unit)
{
	struct gs_ctx ctx;
	struct gs_report_opts o;
	struct gs_report *r;
	gs_ctx_init(&ctx);
	gs_report_opts_init(&o);
	if (unit)
		o.unit = unit;
	int err = gs_report_new(p, &o, kind, &ctx, &r);
	if (err)
		fail_msg("gs_report_new: %s", gs_ctx_errmsg(&ctx));
	return r;
}

/* The "pad" profile: an inlined frame, string labels whose keys pad and sort differently
 * (short, long, Cyrillic), numeric labels with and without a unit, a sample without frames. */
static struct gs_profile *pad_profile(void)
{
	struct gs_profile *p = new_profile("cpu", "nanoseconds");
	uint32_t leaf = add_function(p, 1, "main.leaf", "/src/a.go");
	uint32_t mid = add_function(p, 2, "main.mid", "/src/a.go");
	uint32_t root = add_function(p, 3, "main.root", "/src/a.go");
	uint32_t l1 = add_location(p, 1, 2, (uint32_t[]){leaf, mid}, (int64_t[]){3, 7});
	uint32_t l2 = add_location(p, 2, 1, (uint32_t[]){root}, (int64_t[]){11});
	struct gs_label labels[] = {
		slabel(p, "a", "1"), slabel(p, "zz_long_key_name", "2"),
		slabel(p, "\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87", "3"), nlabel(p, "bytes", 1536, "bytes"),
		nlabel(p, "n", 5, NULL)};
	add_sample(p, 2, (uint32_t[]){l1, l2}, 1, 1500000, GS_ARRAY_LEN(labels), labels);
	struct gs_label x = slabel(p, "a", "x");
	add_sample(p, 1, (uint32_t[]){l2}, 2, 2000000000, 1, &x);
	add_sample(p, 0, NULL, 3, 3, 0, NULL);
	return p;
}

/* The "odd" profile: label bytes that Go's tabwriter treats specially. */
static struct gs_profile *odd_profile(void)
{
	struct gs_profile *p = new_profile("samples2", "count");
	uint32_t f = add_function(p, 1, "main.f", "");
	uint32_t l = add_location(p, 1, 1, (uint32_t[]){f}, (int64_t[]){1});
	static const struct {
		int64_t v;
		const char *key, *value;
	} s[] = {
		{1, "k", "a\vb"},
		{2, "k", "form\ffeed\tx"},
		{3, "k", "esc\xff" "a\tb\xff" "c"},
		{4, "k", "unterminated\xff" "tail"},
		{5, "\t", "tabkey"},
	};
	for (size_t i = 0; i < GS_ARRAY_LEN(s); i++) {
		struct gs_label lab = slabel(p, s[i].key, s[i].value);
		add_sample(p, 1, &l, s[i].v, s[i].v, 1, &lab);
	}
	struct gs_label two[] = {slabel(p, "k", "long value"), slabel(p, "k\xff" "ey", "v\xff")};
	add_sample(p, 1, &l, 12345, 12345, 2, two);
	return p;
}

/* ---- running renderers ---- */

typedef int (*render_fn)(const struct gs_report *r, struct gs_out *out, struct gs_ctx *ctx);

static char *render(const struct gs_report *r, render_fn fn, int want_err)
{
	struct gs_ctx ctx;
	struct gs_out out;
	gs_ctx_init(&ctx);
	gs_out_init(&out, NULL, NULL);
	int err = fn(r, &out, &ctx);
	if (err != want_err)
		fail_msg("renderer returned %d (%s), want %d", err, gs_ctx_errmsg(&ctx), want_err);
	char *text = gs_buf_detach(&out.buf, NULL);
	gs_out_release(&out);
	return text;
}

static void test_traces_labels(void **state)
{
	struct gs_report *r = prepare(pad_profile(), GS_REPORT_TRACES, NULL);
	char *text = render(r, gs_report_traces_text, 0);
	assert_string_equal(text,
		"Type: cpu\n"
		"-----------+-------------------------------------------------------\n"
		"         a:  1\n"
		"      \xd0\xba\xd0\xbb\xd1\x8e\xd1\x87:  3\n"
		"zz_long_key_name:  2\n"
		"         n:  5\n"
		"     bytes:  1.50kB\n"
		"    1.50ms   main.leaf (inline)\n"
		"             main.mid\n"
		"             main.root\n"
		"-----------+-------------------------------------------------------\n"
		"         a:  x\n"
		"        2s   main.root\n"
		"-----------+-------------------------------------------------------\n");
	free(text);
	gs_report_free(r);
}

static void test_traces_unit(void **state)
{
	struct gs_report *r = prepare(pad_profile(), GS_REPORT_TRACES, "ms");
	char *text = render(r, gs_report_traces_text, 0);
	/* -unit applies to sample values, not to numeric labels (always auto) */
	assert_non_null(strstr(text, "     bytes:  1.50kB\n    1.50ms   main.leaf (inline)\n"));
	assert_non_null(strstr(text, "    2000ms   main.root\n"));
	free(text);
	gs_report_free(r);
}

static void test_tags_tabwriter(void **state)
{
	struct gs_report *r = prepare(odd_profile(), GS_REPORT_TAGS, NULL);
	char *text = render(r, gs_report_tags_text, 0);
	/* A 0xff byte opens an escaped run that only the next 0xff closes, across lines and
	 * keys; \v and \f end cells and lines like \t and \n. */
	assert_string_equal(text,
		"             : Total 5 of 12360 ( 0.04%)\n"
		"   5 ( 0.04%): tabkey\n"
		"\n"
		" k: Total 12355 of 12360 (  100%)\n"
		"    12345 (99.88%): long value\n"
		"        4 (0.032%):  unterminated\377tail\n"
		" \t3 (0.024%):\t esc\377a b\377c\n"
		" \t2 (0.016%):\t form\014feed\tx\n"
		" \t1 (0.0081%):\t a\013b\n"
		"\n"
		"k\377ey: Total 12345 of 12360 (99.88%)\n"
		"    12345 (99.88%): v\377\n"
		"\n");
	free(text);
	gs_report_free(r);
}

static void test_tags_numeric(void **state)
{
	struct gs_report *r = prepare(pad_profile(), GS_REPORT_TAGS, NULL);
	char *text = render(r, gs_report_tags_text, 0);
	/* the sample without frames still counts; numeric values in their key's unit */
	assert_string_equal(text,
		" a: Total 2s of 2s (  100%)\n"
		"        2s (99.93%): x\n"
		"    1.50ms (0.075%): 1\n"
		"\n"
		" bytes: Total 1.50ms of 2s (0.075%)\n"
		"        1.50ms (0.075%): 1.50kB\n"
		"\n"
		" n: Total 1.50ms of 2s (0.075%)\n"
		"    1.50ms (0.075%): 5\n"
		"\n"
		" zz_long_key_name: Total 1.50ms of 2s (0.075%)\n"
		"                   1.50ms (0.075%): 2\n"
		"\n"
		" \xd0\xba\xd0\xbb\xd1\x8e\xd1\x87: Total 1.50ms of 2s (0.075%)\n"
		"       1.50ms (0.075%): 3\n"
		"\n");
	free(text);
	gs_report_free(r);
}

static int tree_render(const struct gs_report *r, const char *peek, int want_err, char **text)
{
	struct gs_ctx ctx;
	struct gs_out out;
	struct gs_graph *g;
	struct gs_regex *re = NULL;
	gs_ctx_init(&ctx);
	assert_int_equal(gs_graph_new((struct gs_report *)r, &ctx, &g), 0);
	if (peek)
		assert_int_equal(gs_regex_compile(peek, &ctx, &re), 0);
	gs_out_init(&out, NULL, NULL);
	int err = gs_report_tree_text(r, g, re, peek, &out, &ctx);
	assert_int_equal(err, want_err);
	if (err)
		assert_string_equal(gs_ctx_errmsg(&ctx), "no matches found for regexp: nomatch");
	*text = gs_buf_detach(&out.buf, NULL);
	gs_out_release(&out);
	gs_regex_free(re);
	gs_graph_free(g);
	return err;
}

static void test_tree(void **state)
{
	struct gs_report *r = prepare(pad_profile(), GS_REPORT_TREE, NULL);
	char *text;
	tree_render(r, NULL, 0, &text);
	assert_string_equal(text,
		"Type: cpu\n"
		"Showing nodes accounting for 2s, 99.93% of 2s total\n"
		"Dropped 2 nodes (cum <= 0.01s)\n"
		"----------------------------------------------------------+-------------\n"
		"      flat  flat%   sum%        cum   cum%   calls calls% + context \t \t \n"
		"----------------------------------------------------------+-------------\n"
		"        2s 99.93% 99.93%         2s   100%                | main.root\n"
		"----------------------------------------------------------+-------------\n");
	free(text);
	gs_report_free(r);
}

static void test_peek(void **state)
{
	struct gs_report *r = prepare(pad_profile(), GS_REPORT_PEEK, NULL);
	char *text;
	tree_render(r, "mid", 0, &text);
	assert_string_equal(text,
		"Type: cpu\n"
		"Showing nodes accounting for 2001.50ms, 100% of 2001.50ms total\n"
		"----------------------------------------------------------+-------------\n"
		"      flat  flat%   sum%        cum   cum%   calls calls% + context \t \t \n"
		"----------------------------------------------------------+-------------\n"
		"                                            1.50ms   100% |   main.root\n"
		"         0     0%     0%     1.50ms 0.075%                | main.mid\n"
		"                                            1.50ms   100% |   main.leaf (inline)\n"
		"----------------------------------------------------------+-------------\n");
	free(text);
	/* no match: an error, and nothing written */
	tree_render(r, "nomatch", -ENOENT, &text);
	assert_string_equal(text, "");
	free(text);
	gs_report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_traces_labels), cmocka_unit_test(test_traces_unit),
		cmocka_unit_test(test_tags_tabwriter), cmocka_unit_test(test_tags_numeric),
		cmocka_unit_test(test_tree),           cmocka_unit_test(test_peek),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
