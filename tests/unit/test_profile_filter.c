/* Unit tests for pprof's pipeline over gs_profile: focus/ignore/hide/show, show_from,
 * prune_from, drop_frames, tag filters (regex and numeric ranges), tagshow/taghide,
 * tagroot/tagleaf, merging (-base cancellation, -diff_base marking, zero samples) and the
 * report preparation (sample index, total before focus, errors). Expected results follow
 * pprof's documented semantics (profile/filter.go, prune.go, merge.go, driver). */
#include "pipeline_fixture.h"

static const int64_t V1[] = {1, 10}, V2[] = {2, 20}, V4[] = {4, 40};

/* Three samples: main->a->b (leaf b), main->c, main->a->x where x is inlined into a. */
static void fixture(struct fx *f)
{
	fx_init(f, "samples/count,cpu/nanoseconds");
	fx_sample(f, "b@p.go:3;a@p.go:2;main@m.go:1", V1, "worker=one");
	fx_sample(f, "c@q.go:7;main@m.go:1", V2, "worker=two");
	fx_sample(f, "x@p.go:9+a@p.go:2;main@m.go:1", V4, "worker=one bytes#2048#bytes");
}

static struct gs_regex *re(struct fx *f, const char *pattern)
{
	struct gs_regex *r;
	assert_int_equal(gs_regex_compile(pattern, &f->ctx, &r), 0);
	return r;
}

static void assert_stacks(struct fx *f, const char *const *want, size_t n)
{
	char buf[256];
	assert_int_equal(f->p->n_samples, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(fx_stack_text(f, i, buf, sizeof(buf)), want[i]);
}

static void test_regex_unanchored(void **state)
{
	struct fx f;
	fx_init(&f, "samples/count");
	struct gs_regex *r = re(&f, "b\\.c$");
	assert_true(gs_regex_match_cstr(r, "a.b.c"));
	assert_false(gs_regex_match_cstr(r, "a.b.c\n")); /* $ only at the very end, as RE2 */
	assert_false(gs_regex_match_cstr(r, "abxc"));
	gs_regex_free(r);
	struct gs_regex *bad;
	assert_int_equal(gs_regex_compile("(", &f.ctx, &bad), -EINVAL);
	assert_true(strlen(gs_ctx_errmsg(&f.ctx)) > 0);
	gs_profile_free(f.p);
}

static void test_focus_ignore(void **state)
{
	struct fx f;
	bool m[4];
	fixture(&f);
	struct gs_regex *focus = re(&f, "^a$"), *ignore = re(&f, "^x$");
	assert_int_equal(gs_profile_filter_by_name(f.p, focus, ignore, NULL, NULL, m), 0);
	assert_true(m[0] && m[1]);
	/* the third sample has a (focused) but also x (ignored): ignore wins */
	const char *want[] = {"b;a;main"};
	assert_stacks(&f, want, 1);
	gs_regex_free(focus);
	gs_regex_free(ignore);
	gs_profile_free(f.p);
}

static void test_focus_matches_files(void **state)
{
	struct fx f;
	bool m[4];
	fixture(&f);
	struct gs_regex *focus = re(&f, "q\\.go");
	assert_int_equal(gs_profile_filter_by_name(f.p, focus, NULL, NULL, NULL, m), 0);
	const char *want[] = {"c;main"};
	assert_stacks(&f, want, 1);
	gs_regex_free(focus);
	gs_profile_free(f.p);
}

static void test_hide_show(void **state)
{
	struct fx f;
	bool m[4];
	fixture(&f);
	struct gs_regex *hide = re(&f, "^(a|c)$");
	assert_int_equal(gs_profile_filter_by_name(f.p, NULL, NULL, hide, NULL, m), 0);
	assert_true(m[2]);
	/* a goes from the stacks and from the inlined location; all samples stay */
	const char *want[] = {"b;main", "main", "x;main"};
	assert_stacks(&f, want, 3);
	gs_regex_free(hide);
	gs_profile_free(f.p);

	fixture(&f);
	struct gs_regex *show = re(&f, "^(a|b)$");
	assert_int_equal(gs_profile_filter_by_name(f.p, NULL, NULL, NULL, show, m), 0);
	assert_true(m[3]);
	/* the second sample has nothing left and goes */
	const char *want2[] = {"b;a", "a"};
	assert_stacks(&f, want2, 2);
	gs_regex_free(show);
	gs_profile_free(f.p);
}

static void test_show_from_prune_from(void **state)
{
	struct fx f;
	bool matched;
	fixture(&f);
	struct gs_regex *sf = re(&f, "^a$");
	assert_int_equal(gs_profile_show_from(f.p, sf, &matched), 0);
	assert_true(matched);
	/* frames above a go; the sample without a goes */
	const char *want[] = {"b;a", "x+a"};
	assert_stacks(&f, want, 2);
	gs_regex_free(sf);
	gs_profile_free(f.p);

	fixture(&f);
	struct gs_regex *pf = re(&f, "^a$");
	assert_int_equal(gs_profile_prune_from(f.p, pf), 0);
	/* frames below a go, a stays; within the inlined location x goes too */
	const char *want2[] = {"a;main", "c;main", "a;main"};
	assert_stacks(&f, want2, 3);
	gs_regex_free(pf);
	gs_profile_free(f.p);
}

static void test_drop_frames(void **state)
{
	struct fx f;
	fx_init(&f, "samples/count");
	const int64_t one[] = {1};
	fx_sample(&f, "leaf;malloc;user;main", one, NULL);
	fx_sample(&f, "leaf;malloc", one, NULL); /* malloc at the root: never emptied */
	fx_sample(&f, "g(int);user", one, NULL);
	assert_int_equal(gs_profile_intern_cstr(f.p, "malloc|g", &f.p->drop_frames), 0);
	assert_int_equal(gs_profile_remove_uninteresting(f.p, &f.ctx), 0);
	/* the matching frame and its callees go; g(int) matches as "g" (argument list cut) */
	const char *want[] = {"user;main", "leaf;malloc", "user"};
	assert_stacks(&f, want, 3);
	gs_profile_free(f.p);
}

static void test_tag_filters(void **state)
{
	struct fx f;
	struct gs_tag_filter *tf;
	bool is_range, m[2];
	uint32_t *units;
	size_t n_units;
	fixture(&f);
	assert_int_equal(gs_profile_num_label_units(f.p, &units, &n_units, NULL), 0);
	assert_int_equal(gs_tag_filter_compile(f.p, "worker=tw,zz", units, n_units, &f.ctx, &tf,
					       &is_range),
			 0);
	assert_false(is_range);
	assert_int_equal(gs_profile_filter_by_tag(f.p, tf, NULL, m), 0);
	assert_true(m[0]);
	const char *want[] = {"c;main"};
	assert_stacks(&f, want, 1);
	gs_tag_filter_free(tf);
	free(units);
	gs_profile_free(f.p);

	/* a numeric range with units over the bytes label */
	fixture(&f);
	assert_int_equal(gs_profile_num_label_units(f.p, &units, &n_units, NULL), 0);
	assert_int_equal(gs_tag_filter_compile(f.p, "1kb:3kb", units, n_units, &f.ctx, &tf, &is_range),
			 0);
	assert_true(is_range);
	assert_int_equal(gs_profile_filter_by_tag(f.p, tf, NULL, m), 0);
	const char *want2[] = {"x+a;main"};
	assert_stacks(&f, want2, 1);
	gs_tag_filter_free(tf);

	/* without a key every regex must match some key:value */
	assert_int_equal(gs_tag_filter_compile(f.p, "worker:one,bytes", units, n_units, &f.ctx, &tf,
					       &is_range),
			 0);
	assert_int_equal(gs_profile_filter_by_tag(f.p, NULL, tf, m), 0);
	assert_false(m[1]); /* bytes is numeric: "bytes" matches no string label */
	gs_tag_filter_free(tf);
	free(units);
	gs_profile_free(f.p);
}

static void test_tag_show_hide(void **state)
{
	struct fx f;
	bool m[2];
	fixture(&f);
	struct gs_regex *hide = re(&f, "work");
	assert_int_equal(gs_profile_filter_tags_by_name(f.p, NULL, hide, m), 0);
	assert_true(m[0] && m[1]);
	uint32_t n;
	gs_profile_labelset(f.p, f.p->samples[0].labels, &n);
	assert_int_equal(n, 0);
	const struct gs_label *l = gs_profile_labelset(f.p, f.p->samples[2].labels, &n);
	assert_int_equal(n, 1);
	assert_string_equal(gs_profile_str(f.p, l[0].key), "bytes");
	gs_regex_free(hide);
	gs_profile_free(f.p);
}

static void test_label_frames(void **state)
{
	struct fx f;
	bool m[2];
	char buf[256];
	fixture(&f);
	assert_int_equal(gs_profile_add_label_frames(f.p, "worker", "bytes", "minimum", m), 0);
	assert_true(m[0] && m[1]);
	/* root pseudo-frame named after the value; leaf one formatted with its unit; a sample
	 * without the key still gets a frame with an empty name */
	assert_string_equal(fx_stack_text(&f, 0, buf, sizeof(buf)), ";b;a;main;one");
	assert_string_equal(fx_stack_text(&f, 2, buf, sizeof(buf)), "2kB;x+a;main;one");
	gs_profile_free(f.p);
}

static struct gs_profile *two_samples(struct gs_ctx *ctx, int64_t sign, const char *label)
{
	struct fx f;
	int64_t v[2] = {sign * 3, sign * 30}, w[2] = {sign, sign * 10};
	fx_init(&f, "samples/count,cpu/nanoseconds");
	fx_sample(&f, "b;a", v, label);
	fx_sample(&f, "c;a", w, NULL);
	f.p->duration_nanos = 1000;
	*ctx = f.ctx;
	return f.p;
}

static void test_merge_and_base(void **state)
{
	struct gs_ctx ctx;
	struct gs_profile *src[2], *base[1], *out;
	struct gs_combine_opts o = {0};
	src[0] = two_samples(&ctx, 1, NULL);
	src[1] = two_samples(&ctx, 1, NULL);
	assert_int_equal(gs_profile_merge(src, 2, &ctx, &out), 0);
	/* same stacks and labels: summed; durations add up */
	assert_int_equal(out->n_samples, 2);
	assert_int_equal(gs_profile_values(out, 0)[1], 60);
	assert_int_equal(out->duration_nanos, 2000);
	gs_profile_free(out);

	/* -base: equal samples cancel and disappear */
	src[0] = two_samples(&ctx, 1, NULL);
	base[0] = two_samples(&ctx, 1, NULL);
	assert_int_equal(gs_profile_combine(src, 1, base, 1, &o, &ctx, &out), 0);
	assert_int_equal(out->n_samples, 0);
	gs_profile_free(out);

	/* -diff_base: the base samples stay, negated and marked pprof::base=true */
	src[0] = two_samples(&ctx, 1, NULL);
	base[0] = two_samples(&ctx, 1, NULL);
	o.diff_base = true;
	assert_int_equal(gs_profile_combine(src, 1, base, 1, &o, &ctx, &out), 0);
	assert_int_equal(out->n_samples, 4);
	assert_int_equal(gs_profile_values(out, 2)[1], -30);
	uint32_t n;
	const struct gs_label *l = gs_profile_labelset(out, out->samples[2].labels, &n);
	assert_int_equal(n, 1);
	assert_string_equal(gs_profile_str(out, l[0].key), "pprof::base");
	gs_profile_free(out);

	/* incompatible sources */
	struct fx f;
	fx_init(&f, "goroutine/count");
	src[0] = two_samples(&ctx, 1, NULL);
	src[1] = f.p;
	assert_int_equal(gs_profile_merge(src, 2, &ctx, &out), -EINVAL);
	assert_string_equal(gs_ctx_errmsg(&ctx), "profiles have empty common sample type list");
}

/* pprof's -symbolize words (symbolizer.go): case-insensitive, a demangle mode with or
 * without its prefix forces, none/no ends the parse, unknown words are reported. */
static void test_symbolize_mode(void **state)
{
	(void)state;
	struct gs_symbolize_mode m;
	assert_true(gs_symbolize_mode_parse(NULL, &m));
	assert_true(!m.off && m.local && !m.force && m.demangle == GS_DEMANGLE_DEFAULT);
	assert_true(gs_symbolize_mode_parse("", &m));
	assert_true(!m.off && m.local && !m.force);
	assert_true(gs_symbolize_mode_parse("remote", &m));
	assert_true(!m.off && !m.local && !m.force);
	assert_true(gs_symbolize_mode_parse("Remote:FastLocal::Force", &m));
	assert_true(!m.off && m.local && m.force && m.demangle == GS_DEMANGLE_DEFAULT);
	assert_true(gs_symbolize_mode_parse("demangle=templates", &m));
	assert_true(m.force && m.demangle == GS_DEMANGLE_TEMPLATES);
	assert_true(gs_symbolize_mode_parse("full:demangle=default", &m));
	assert_true(m.force && m.demangle == GS_DEMANGLE_FULL);
	assert_true(gs_symbolize_mode_parse("DEMANGLE=NONE", &m));
	assert_true(m.force && m.demangle == GS_DEMANGLE_NONE);
	assert_true(gs_symbolize_mode_parse("demangle=default", &m));
	assert_true(!m.force && m.demangle == GS_DEMANGLE_DEFAULT);
	assert_true(gs_symbolize_mode_parse("force:No:bogus", &m));
	assert_true(m.off && !m.local && !m.force);
	assert_false(gs_symbolize_mode_parse("bogus:none", &m));
	assert_true(m.off);
	assert_false(gs_symbolize_mode_parse("local:demangle=bogus:force", &m));
	assert_true(!m.off && m.local && m.force && m.demangle == GS_DEMANGLE_DEFAULT);
	assert_false(gs_symbolize_mode_parse("nonex", &m));
	assert_true(!m.off && m.local);
}

static void test_report_prepare(void **state)
{
	struct fx f;
	struct gs_report_opts o;
	struct gs_report *r;
	fixture(&f);
	gs_report_opts_init(&o);
	o.focus = "^c$";
	assert_int_equal(gs_report_new(f.p, &o, GS_REPORT_TOP, &f.ctx, &r), 0);
	/* the last type by default; the total is taken before focus */
	assert_int_equal(r->sample_index, 1);
	assert_string_equal(r->sample_type, "cpu");
	assert_int_equal(r->total, 70);
	assert_int_equal(r->prof->n_samples, 1);
	assert_int_equal(r->opts.nodecount, 0);
	assert_int_equal(r->n_active_filters, 1);
	assert_string_equal(r->active_filters[0], "focus=^c$");
	gs_report_free(r);

	fixture(&f);
	o.relative_percentages = true;
	o.mean = true;
	assert_int_equal(gs_report_new(f.p, &o, GS_REPORT_TREE, &f.ctx, &r), 0);
	assert_string_equal(r->sample_type, "mean_cpu");
	assert_int_equal(r->total, 10); /* 20 / 2 */
	assert_int_equal(r->opts.nodecount, 80);
	gs_report_free(r);

	fixture(&f);
	gs_report_opts_init(&o);
	o.sample_index = "5";
	assert_int_equal(gs_report_new(f.p, &o, GS_REPORT_TOP, &f.ctx, &r), -EINVAL);
	assert_string_equal(gs_ctx_errmsg(&f.ctx), "sample_index 5 is outside the range [0..1]");

	fixture(&f);
	o.sample_index = "bogus";
	assert_int_equal(gs_report_new(f.p, &o, GS_REPORT_TOP, &f.ctx, &r), -EINVAL);
	assert_string_equal(gs_ctx_errmsg(&f.ctx),
			    "sample_index \"bogus\" must be one of: [samples cpu]");

	fixture(&f);
	gs_report_opts_init(&o);
	o.ignore = "(";
	assert_int_equal(gs_report_new(f.p, &o, GS_REPORT_TOP, &f.ctx, &r), -EINVAL);
	assert_non_null(strstr(gs_ctx_errmsg(&f.ctx), "parsing ignore regexp: "));

	fixture(&f);
	gs_report_opts_init(&o);
	o.focus = "nothing-matches";
	assert_int_equal(gs_report_new(f.p, &o, GS_REPORT_TOP, &f.ctx, &r), 0);
	assert_string_equal(r->warnings.data, "Focus expression matched no samples\n");
	gs_report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regex_unanchored),
		cmocka_unit_test(test_focus_ignore),
		cmocka_unit_test(test_focus_matches_files),
		cmocka_unit_test(test_hide_show),
		cmocka_unit_test(test_show_from_prune_from),
		cmocka_unit_test(test_drop_frames),
		cmocka_unit_test(test_tag_filters),
		cmocka_unit_test(test_tag_show_hide),
		cmocka_unit_test(test_label_frames),
		cmocka_unit_test(test_merge_and_base),
		cmocka_unit_test(test_symbolize_mode),
		cmocka_unit_test(test_report_prepare),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
