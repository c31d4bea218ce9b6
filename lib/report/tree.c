/* The tree and peek reports (`go tool pprof -tree`, `-peek REGEX`): for every shown node of the
 * trimmed graph (for peek, only those whose name matches), its callers with the weight of each
 * call, the node's flat and cum, then its callees; also as JSON. The graph, its trimming and
 * its order come from lib/report/graph.c; this file only lays them out. */
#include "goscope/report.h"

#define SEPARATOR "----------------------------------------------------------+-------------\n"
/* pprof's legend line ends with tab, space, tab, space. */
#define LEGEND "      flat  flat%   sum%        cum   cum%   calls calls% + context \t \t \n"

static bool node_shown(const struct gs_graph_node *n, const struct gs_regex *peek)
{
	return !peek || gs_regex_match_cstr(peek, n->name);
}

/* One caller or callee line: "%50s %s |   %s%s". pprof prints the edge's raw weight (not
 * divided for -mean) and its share of the node's cum. */
static int edge_line(struct gs_buf *b, const struct gs_measure_fmt *f, const struct gs_graph_edge *e,
		     const char *name, int64_t cum)
{
	struct gs_buf v = GS_BUF_INIT;
	char pct[GS_MEASURE_PCT_MAX];
	int err = gs_measure_fmt_value(f, &v, e->weight);
	if (!err)
		err = gs_measure_pad_left(b, v.data, 50);
	if (!err)
		err = gs_buf_addf(b, " %s |   %s%s\n", gs_measure_percent(e->weight, cum, pct), name,
				  e->inline_call ? " (inline)" : "");
	gs_buf_release(&v);
	return err;
}

static int node_line(struct gs_buf *b, const struct gs_measure_fmt *f, const struct gs_report *r,
		     const struct gs_graph_node *n, int64_t flat_sum)
{
	struct gs_buf v = GS_BUF_INIT;
	char p1[GS_MEASURE_PCT_MAX], p2[GS_MEASURE_PCT_MAX], p3[GS_MEASURE_PCT_MAX];
	int64_t flat = gs_graph_node_flat(n), cum = gs_graph_node_cum(n);
	int err = gs_measure_fmt_value(f, &v, flat);
	if (!err)
		err = gs_measure_pad_left(b, v.data, 10);
	if (!err)
		err = gs_buf_addf(b, " %s %s ", gs_measure_percent(flat, r->total, p1),
				  gs_measure_percent(flat_sum, r->total, p2));
	gs_buf_reset(&v);
	if (!err)
		err = gs_measure_fmt_value(f, &v, cum);
	if (!err)
		err = gs_measure_pad_left(b, v.data, 10);
	if (!err)
		err = gs_buf_addf(b, " %s                | %s\n", gs_measure_percent(cum, r->total, p3),
				  n->name);
	gs_buf_release(&v);
	return err;
}

static const char *edge_end_name(const struct gs_graph *g, uint32_t node, const char *name)
{
	return node != GS_NONE && node < g->n_nodes ? g->nodes[node].name : name;
}

int gs_report_tree_text(const struct gs_report *r, const struct gs_graph *g,
			const struct gs_regex *peek, const char *peek_pattern, struct gs_out *out,
			struct gs_ctx *ctx)
{
	struct gs_measure_fmt f;
	struct gs_buf b = GS_BUF_INIT;
	int64_t flat_sum = 0;
	int err = 0;
	/* pprof builds the whole report before printing it, so a peek without matches prints
	 * nothing but the error. */
	if (peek) {
		size_t matched = 0;
		for (size_t i = 0; i < g->n_nodes; i++)
			matched += node_shown(&g->nodes[i], peek);
		if (!matched)
			return gs_ctx_err(ctx, -ENOENT, "no matches found for regexp: %s",
					  peek_pattern ? peek_pattern : "");
	}
	gs_report_measure_fmt(r, &f);
	err = gs_report_graph_labels(r, g, out);
	if (!err)
		err = gs_out_str(out, SEPARATOR LEGEND);
	for (size_t i = 0; i < g->n_nodes && !err; i++) {
		const struct gs_graph_node *n = &g->nodes[i];
		if (!node_shown(n, peek))
			continue;
		int64_t cum = gs_graph_node_cum(n);
		gs_buf_reset(&b);
		err = gs_buf_addstr(&b, SEPARATOR);
		for (uint32_t k = 0; k < n->n_in && !err; k++) {
			const struct gs_graph_edge *e = &g->edges[g->in_edges[n->in_start + k]];
			err = edge_line(&b, &f, e, edge_end_name(g, e->src, e->src_name), cum);
		}
		flat_sum = gs_i64_add_wrap(flat_sum, gs_graph_node_flat(n));
		if (!err)
			err = node_line(&b, &f, r, n, flat_sum);
		for (uint32_t k = 0; k < n->n_out && !err; k++) {
			const struct gs_graph_edge *e = &g->edges[g->out_edges[n->out_start + k]];
			err = edge_line(&b, &f, e, edge_end_name(g, e->dest, e->dest_name), cum);
		}
		if (!err)
			err = gs_out_add(out, b.data, b.len);
	}
	if (!err && g->n_nodes)
		err = gs_out_str(out, SEPARATOR);
	gs_buf_release(&b);
	if (err)
		return gs_ctx_err(ctx, err, "tree: %s", strerror(-err));
	return 0;
}

static void json_edges(struct gs_json *j, const struct gs_measure_fmt *f, struct gs_buf *tmp,
		       const struct gs_graph *g, const struct gs_graph_node *n, bool callers)
{
	uint32_t count = callers ? n->n_in : n->n_out;
	gs_json_key(j, callers ? "callers" : "callees");
	gs_json_arr_begin(j);
	for (uint32_t k = 0; k < count; k++) {
		const struct gs_graph_edge *e =
			&g->edges[callers ? g->in_edges[n->in_start + k] : g->out_edges[n->out_start + k]];
		gs_json_obj_begin(j);
		gs_json_kstr(j, "name", callers ? edge_end_name(g, e->src, e->src_name)
						: edge_end_name(g, e->dest, e->dest_name));
		gs_measure_json_amount(j, f, tmp, "weight", e->weight, gs_graph_node_cum(n));
		gs_json_kbool(j, "inline", e->inline_call);
		gs_json_kbool(j, "residual", e->residual);
		gs_json_obj_end(j);
	}
	gs_json_arr_end(j);
}

int gs_report_json_lines(struct gs_json *j, const char *key, const char *text, size_t len)
{
	gs_json_key(j, key);
	gs_json_arr_begin(j);
	for (size_t s = 0, e; s < len; s = e + 1) {
		const char *nl = memchr(text + s, '\n', len - s);
		e = nl ? (size_t)(nl - text) : len;
		gs_json_strn(j, text + s, e - s);
	}
	gs_json_arr_end(j);
	return j->out->err;
}

static int json_header(const struct gs_report *r, const struct gs_graph *g, struct gs_json *j)
{
	struct gs_out o;
	gs_out_init(&o, NULL, NULL);
	int err = gs_report_graph_labels(r, g, &o);
	if (!err)
		err = gs_report_json_lines(j, "header", o.buf.data, o.buf.len);
	gs_out_release(&o);
	return err;
}

int gs_report_tree_json(const struct gs_report *r, const struct gs_graph *g,
			const struct gs_regex *peek, const char *peek_pattern, struct gs_out *out,
			struct gs_ctx *ctx)
{
	struct gs_measure_fmt f;
	struct gs_json j;
	struct gs_buf tmp = GS_BUF_INIT;
	int64_t flat_sum = 0;
	size_t matched = 0;
	for (size_t i = 0; peek && i < g->n_nodes; i++)
		matched += node_shown(&g->nodes[i], peek);
	if (peek && !matched)
		return gs_ctx_err(ctx, -ENOENT, "no matches found for regexp: %s",
				  peek_pattern ? peek_pattern : "");
	gs_report_measure_fmt(r, &f);
	gs_json_init(&j, out, true);
	gs_json_obj_begin(&j);
	gs_json_kstr(&j, "sample_type", r->sample_type);
	gs_json_kstr(&j, "sample_unit", r->sample_unit);
	gs_json_kstr(&j, "output_unit", r->output_unit);
	gs_json_ki64(&j, "total", r->total);
	int err = json_header(r, g, &j);
	gs_json_key(&j, "nodes");
	gs_json_arr_begin(&j);
	for (size_t i = 0; i < g->n_nodes && !err; i++) {
		const struct gs_graph_node *n = &g->nodes[i];
		if (!node_shown(n, peek))
			continue;
		flat_sum = gs_i64_add_wrap(flat_sum, gs_graph_node_flat(n));
		gs_json_obj_begin(&j);
		gs_json_kstr(&j, "name", n->name);
		gs_measure_json_amount(&j, &f, &tmp, "flat", gs_graph_node_flat(n), r->total);
		gs_json_kf64(&j, "sum_percent", gs_measure_share(flat_sum, r->total));
		gs_measure_json_amount(&j, &f, &tmp, "cum", gs_graph_node_cum(n), r->total);
		json_edges(&j, &f, &tmp, g, n, true);
		json_edges(&j, &f, &tmp, g, n, false);
		gs_json_obj_end(&j);
	}
	gs_json_arr_end(&j);
	gs_json_obj_end(&j);
	gs_json_end(&j);
	gs_buf_release(&tmp);
	if (!err)
		err = out->err;
	if (err)
		return gs_ctx_err(ctx, err, "tree: %s", strerror(-err));
	return 0;
}
