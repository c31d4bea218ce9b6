/* The top report (pprof's -top / -text, printText and TextItems): the graph header, then one
 * row per shown node with flat, flat%, running sum%, cum, cum% and the name with its inline
 * marker; and the same rows with raw and formatted numbers as JSON. */
#include "goscope/report.h"

static const char *inline_label(const struct gs_graph_node *n)
{
	if (!n->inline_in)
		return "";
	return n->noinline_in ? "(partial-inline)" : "(inline)";
}

int gs_report_top_text(struct gs_report *r, const struct gs_graph *g, struct gs_out *out)
{
	struct gs_buf b = GS_BUF_INIT, v = GS_BUF_INIT;
	char pct[3][GS_MEASURE_PCT_MAX];
	int64_t flat_sum = 0;
	int err = gs_report_graph_labels(r, g, out);
	if (err)
		return err;
	gs_out_printf(out, "%10s %5s%% %5s%% %10s %5s%%\n", "flat", "flat", "sum", "cum", "cum");
	for (size_t i = 0; i < g->n_nodes; i++) {
		const struct gs_graph_node *n = &g->nodes[i];
		int64_t flat = gs_graph_node_flat(n), cum = gs_graph_node_cum(n);
		const char *inl = inline_label(n);
		flat_sum += flat;
		gs_buf_reset(&b);
		gs_buf_reset(&v);
		gs_report_format_value(r, flat, &v);
		gs_measure_pad_left(&b, v.data ? v.data : "", 10);
		gs_buf_addf(&b, " %s %s ", gs_measure_percent(flat, r->total, pct[0]),
			    gs_measure_percent(flat_sum, r->total, pct[1]));
		gs_buf_reset(&v);
		gs_report_format_value(r, cum, &v);
		gs_measure_pad_left(&b, v.data ? v.data : "", 10);
		gs_buf_addf(&b, " %s  %s%s%s\n", gs_measure_percent(cum, r->total, pct[2]), n->name,
			    *inl ? " " : "", inl);
		if (!b.data) {
			err = -ENOMEM;
			break;
		}
		if ((err = gs_out_add(out, b.data, b.len)))
			break;
	}
	gs_buf_release(&b);
	gs_buf_release(&v);
	return err ? err : out->err;
}

static void json_value(struct gs_json *j, const struct gs_report *r, const char *key, int64_t value,
		       struct gs_buf *tmp)
{
	char k[64];
	gs_json_ki64(j, key, value);
	gs_buf_reset(tmp);
	gs_report_format_value(r, value, tmp);
	snprintf(k, sizeof(k), "%s_text", key);
	gs_json_kstr(j, k, tmp->data ? tmp->data : "");
}

static void json_percent(struct gs_json *j, const char *key, int64_t value, int64_t total)
{
	char pct[GS_MEASURE_PCT_MAX], k[64];
	const char *t = gs_measure_percent(value, total, pct);
	while (*t == ' ')
		t++;
	gs_json_kf64(j, key, total ? (double)value / (double)total * 100 : 0);
	snprintf(k, sizeof(k), "%s_text", key);
	gs_json_kstr(j, k, t);
}

int gs_report_top_json(struct gs_report *r, const struct gs_graph *g, struct gs_out *out)
{
	struct gs_out labels;
	struct gs_json j;
	struct gs_buf tmp = GS_BUF_INIT;
	int64_t flat_sum = 0;
	int err;

	gs_out_init(&labels, NULL, NULL);
	if ((err = gs_report_graph_labels(r, g, &labels))) {
		gs_out_release(&labels);
		return err;
	}
	gs_json_init(&j, out, true);
	gs_json_obj_begin(&j);
	gs_json_kstr(&j, "type", r->sample_type);
	gs_json_kstr(&j, "sample_unit", r->sample_unit);
	gs_json_kstr(&j, "unit", r->output_unit);
	json_value(&j, r, "total", r->total, &tmp);
	json_value(&j, r, "shown", g->shown_flat, &tmp);
	gs_json_ku64(&j, "nodes", g->n_nodes);
	gs_json_ku64(&j, "nodes_after_cut", g->orig_count);
	gs_json_ku64(&j, "dropped_nodes", g->dropped_nodes);
	gs_json_key(&j, "header");
	gs_json_arr_begin(&j);
	for (const char *s = labels.buf.data, *e; s && *s; s = e + 1) {
		e = strchr(s, '\n');
		if (!e)
			e = s + strlen(s) - 1;
		gs_json_strn(&j, s, (size_t)(e - s));
	}
	gs_json_arr_end(&j);
	gs_json_key(&j, "rows");
	gs_json_arr_begin(&j);
	for (size_t i = 0; i < g->n_nodes; i++) {
		const struct gs_graph_node *n = &g->nodes[i];
		int64_t flat = gs_graph_node_flat(n), cum = gs_graph_node_cum(n);
		const char *inl = inline_label(n);
		flat_sum += flat;
		gs_json_obj_begin(&j);
		gs_json_kstr(&j, "name", n->name);
		json_value(&j, r, "flat", flat, &tmp);
		json_percent(&j, "flat_percent", flat, r->total);
		json_percent(&j, "sum_percent", flat_sum, r->total);
		json_value(&j, r, "cum", cum, &tmp);
		json_percent(&j, "cum_percent", cum, r->total);
		gs_json_kstr(&j, "inline", *inl ? (inl[1] == 'i' ? "inline" : "partial-inline") : "");
		gs_json_obj_end(&j);
	}
	gs_json_arr_end(&j);
	gs_json_obj_end(&j);
	gs_json_end(&j);
	gs_buf_release(&tmp);
	gs_out_release(&labels);
	return out->err;
}
