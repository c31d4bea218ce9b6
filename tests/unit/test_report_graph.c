/* Unit tests for pprof's graph and the top report over profiles built with the builder:
 * flat/cum with recursion counted once, inline and partial-inline markers, nodefraction
 * and nodecount trimming (with "Dropped"/"Showing top" header lines), sort order and
 * tie-breaks, drop_negative, mean, granularity, and the exact top text. */
#include "pipeline_fixture.h"

static struct gs_report *report(struct fx *f, const struct gs_report_opts *o)
{
	struct gs_report *r;
	assert_int_equal(gs_report_new(f->p, o, GS_REPORT_TOP, &f->ctx, &r), 0);
	return r;
}

static const char *top_text(struct gs_report *r, struct gs_graph **gp, struct gs_out *out)
{
	struct gs_ctx ctx;
	gs_ctx_init(&ctx);
	assert_int_equal(gs_graph_new(r, &ctx, gp), 0);
	gs_out_init(out, NULL, NULL);
	assert_int_equal(gs_report_top_text(r, *gp, out), 0);
	return out->buf.data;
}

static const struct gs_graph_node *node(const struct gs_graph *g, const char *name)
{
	for (size_t i = 0; i < g->n_nodes; i++)
		if (!strcmp(g->nodes[i].name, name))
			return &g->nodes[i];
	fail_msg("no node %s", name);
	return NULL;
}

static void test_recursion_and_inline(void **state)
{
	struct fx f;
	struct gs_report_opts o;
	struct gs_graph *g;
	struct gs_out out;
	const int64_t v3[] = {3}, v1[] = {1};
	fx_init(&f, "samples/count");
	/* rec calls itself: its cum counts each sample once */
	fx_sample(&f, "leaf;rec;rec;rec;main", v3, NULL);
	/* inl is inlined into caller in one place and called normally in another */
	fx_sample(&f, "inl+caller;main", v1, NULL);
	fx_sample(&f, "inl;other;main", v1, NULL);
	/* only inlined */
	fx_sample(&f, "only+caller;main", v1, NULL);
	gs_report_opts_init(&o);
	o.nodefraction = 0;
	struct gs_report *r = report(&f, &o);
	const char *text = top_text(r, &g, &out);
	assert_int_equal(node(g, "rec")->cum, 3);
	assert_int_equal(node(g, "rec")->flat, 0);
	assert_int_equal(node(g, "main")->cum, 6);
	assert_int_equal(node(g, "leaf")->flat, 3);
	assert_true(node(g, "inl")->inline_in && node(g, "inl")->noinline_in);
	assert_true(node(g, "only")->inline_in && !node(g, "only")->noinline_in);
	const char *want = "Type: samples\n"
			   "Showing nodes accounting for 6, 100% of 6 total\n"
			   "      flat  flat%   sum%        cum   cum%\n"
			   "         3 50.00% 50.00%          3 50.00%  leaf\n"
			   "         2 33.33% 83.33%          2 33.33%  inl (partial-inline)\n"
			   "         1 16.67%   100%          1 16.67%  only (inline)\n"
			   "         0     0%   100%          2 33.33%  caller\n"
			   "         0     0%   100%          6   100%  main\n"
			   "         0     0%   100%          1 16.67%  other\n"
			   "         0     0%   100%          3 50.00%  rec\n";
	assert_string_equal(text, want);
	gs_out_release(&out);
	gs_graph_free(g);
	gs_report_free(r);
}

static void test_trimming(void **state)
{
	struct fx f;
	struct gs_report_opts o;
	struct gs_graph *g;
	struct gs_out out;
	const int64_t big[] = {1000}, tiny[] = {1};
	fx_init(&f, "cpu/nanoseconds");
	fx_sample(&f, "hot;main", big, NULL);
	fx_sample(&f, "cold;mid;main", tiny, NULL);
	fx_sample(&f, "cold2;main", tiny, NULL);
	gs_report_opts_init(&o);
	struct gs_report *r = report(&f, &o);
	const char *text = top_text(r, &g, &out);
	/* cutoff = 1002 * 0.005 = 5: cold, mid, cold2 go; the unit is that of the smallest
	 * shown value (1000ns = 1us) */
	assert_int_equal(g->dropped_nodes, 3);
	assert_int_equal(g->n_nodes, 2);
	assert_non_null(strstr(text, "Showing nodes accounting for 1us, 99.80% of 1us total\n"
				     "Dropped 3 nodes (cum <= 0.01us)\n"));
	gs_out_release(&out);
	gs_graph_free(g);
	gs_report_free(r);

	/* nodecount: the first N by flat, and the header says so */
	fx_init(&f, "cpu/nanoseconds");
	fx_sample(&f, "hot;main", big, NULL);
	fx_sample(&f, "cold;mid;main", tiny, NULL);
	gs_report_opts_init(&o);
	o.nodefraction = 0;
	o.nodecount = 2;
	r = report(&f, &o);
	text = top_text(r, &g, &out);
	assert_int_equal(g->n_nodes, 2);
	assert_int_equal(g->orig_count, 4);
	assert_non_null(strstr(text, "Showing top 2 nodes out of 4\n"));
	/* cold is kept (flat 1 ties with nothing above it but hot); main is not: its cum now
	 * only counts kept frames */
	assert_string_equal(g->nodes[0].name, "hot");
	assert_string_equal(g->nodes[1].name, "cold");
	gs_out_release(&out);
	gs_graph_free(g);
	gs_report_free(r);
}

static void test_sort_ties_and_cum(void **state)
{
	struct fx f;
	struct gs_report_opts o;
	struct gs_graph *g;
	struct gs_out out;
	const int64_t v[] = {5};
	fx_init(&f, "samples/count");
	fx_sample(&f, "zeta;root", v, NULL);
	fx_sample(&f, "alpha;root", v, NULL);
	gs_report_opts_init(&o);
	o.cum = true;
	struct gs_report *r = report(&f, &o);
	top_text(r, &g, &out);
	/* by cum: root first; equal cum: by name */
	assert_string_equal(g->nodes[0].name, "root");
	assert_string_equal(g->nodes[1].name, "alpha");
	assert_string_equal(g->nodes[2].name, "zeta");
	gs_out_release(&out);
	gs_graph_free(g);
	gs_report_free(r);
}

static void test_negative_and_mean(void **state)
{
	struct fx f;
	struct gs_report_opts o;
	struct gs_graph *g;
	struct gs_out out;
	const int64_t up[] = {2, 20}, down[] = {1, -30};
	fx_init(&f, "contentions/count,delay/nanoseconds");
	fx_sample(&f, "grow;main", up, NULL);
	fx_sample(&f, "shrink;main", down, NULL);
	gs_report_opts_init(&o);
	o.drop_negative = true;
	o.nodefraction = 0;
	struct gs_report *r = report(&f, &o);
	top_text(r, &g, &out);
	/* shrink (flat < 0) and main (flat 0, cum -10) are dropped */
	assert_int_equal(g->n_nodes, 1);
	assert_string_equal(g->nodes[0].name, "grow");
	gs_out_release(&out);
	gs_graph_free(g);
	gs_report_free(r);

	fx_init(&f, "contentions/count,delay/nanoseconds");
	fx_sample(&f, "grow;main", up, NULL);
	gs_report_opts_init(&o);
	o.mean = true;
	r = report(&f, &o);
	top_text(r, &g, &out);
	assert_int_equal(gs_graph_node_flat(node(g, "grow")), 10);
	assert_int_equal(r->total, 10);
	assert_string_equal(r->sample_type, "mean_delay");
	gs_out_release(&out);
	gs_graph_free(g);
	gs_report_free(r);
}

/* -mean of a value INT64_MIN over a count -1: Go's division wraps to INT64_MIN where C's
 * traps (SIGFPE); the report total, the flat, cum and edge values all divide. */
static void test_mean_wraps(void **state)
{
	struct fx f;
	struct gs_report_opts o;
	struct gs_graph *g;
	struct gs_out out;
	const int64_t v[] = {-1, INT64_MIN};
	(void)state;
	fx_init(&f, "contentions/count,delay/nanoseconds");
	fx_sample(&f, "leaf;main", v, NULL);
	gs_report_opts_init(&o);
	o.mean = true;
	o.nodefraction = 0;
	o.edgefraction = 0;
	struct gs_report *r = report(&f, &o);
	assert_int_equal(r->total, INT64_MIN);
	top_text(r, &g, &out);
	assert_int_equal(gs_graph_node_flat(node(g, "leaf")), INT64_MIN);
	assert_int_equal(gs_graph_node_cum(node(g, "main")), INT64_MIN);
	struct gs_graph_edge e = {.weight = INT64_MIN, .weight_div = -1};
	assert_int_equal(gs_graph_edge_weight(&e), INT64_MIN);
	assert_int_equal(gs_i64_div(INT64_MIN, -1), INT64_MIN);
	assert_int_equal(gs_i64_div(-7, 2), -3);
	gs_out_release(&out);
	gs_graph_free(g);
	gs_report_free(r);
}

static void test_granularity(void **state)
{
	struct fx f;
	struct gs_report_opts o;
	struct gs_graph *g;
	struct gs_out out;
	const int64_t v[] = {1};
	fx_init(&f, "samples/count");
	fx_sample(&f, "f@/src/./a.go:10;main@/src/m.go:1", v, NULL);
	fx_sample(&f, "f@/src/./a.go:12;main@/src/m.go:1", v, NULL);
	gs_report_opts_init(&o);
	o.granularity = GS_GRAN_LINES;
	o.nodefraction = 0;
	struct gs_report *r = report(&f, &o);
	top_text(r, &g, &out);
	/* per line, with file names cleaned as filepath.Clean does */
	assert_int_equal(g->n_nodes, 3);
	assert_string_equal(g->nodes[0].name, "f /src/a.go:10");
	assert_string_equal(g->nodes[1].name, "f /src/a.go:12");
	gs_out_release(&out);
	gs_graph_free(g);
	gs_report_free(r);

	fx_init(&f, "samples/count");
	fx_sample(&f, "f@/src/./a.go:10;main@/src/m.go:1", v, NULL);
	fx_sample(&f, "f@/src/./a.go:12;main@/src/m.go:1", v, NULL);
	gs_report_opts_init(&o);
	o.granularity = GS_GRAN_FUNCTIONS;
	r = report(&f, &o);
	top_text(r, &g, &out);
	assert_int_equal(g->n_nodes, 2);
	assert_int_equal(node(g, "f")->flat, 2);
	gs_out_release(&out);
	gs_graph_free(g);
	gs_report_free(r);
}

static void test_json(void **state)
{
	struct fx f;
	struct gs_report_opts o;
	struct gs_graph *g;
	struct gs_out out, js;
	const int64_t v[] = {1500000};
	fx_init(&f, "cpu/nanoseconds");
	fx_sample(&f, "f;main", v, NULL);
	gs_report_opts_init(&o);
	struct gs_report *r = report(&f, &o);
	top_text(r, &g, &out);
	gs_out_init(&js, NULL, NULL);
	assert_int_equal(gs_report_top_json(r, g, &js), 0);
	assert_non_null(strstr(js.buf.data, "\"flat_text\": \"1.50ms\""));
	assert_non_null(strstr(js.buf.data, "\"name\": \"f\""));
	assert_non_null(strstr(js.buf.data, "\"unit\": \"ms\""));
	gs_out_release(&js);
	gs_out_release(&out);
	gs_graph_free(g);
	gs_report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recursion_and_inline),
		cmocka_unit_test(test_trimming),
		cmocka_unit_test(test_sort_ties_and_cum),
		cmocka_unit_test(test_negative_and_mean),
		cmocka_unit_test(test_mean_wraps),
		cmocka_unit_test(test_granularity),
		cmocka_unit_test(test_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
