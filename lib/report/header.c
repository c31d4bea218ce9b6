/* The header lines of pprof's reports: the profile labels (File, Build ID, comments, Type,
 * Doc, Time, Duration) that every report prints, and the graph lines (Active filters,
 * "Showing nodes accounting for", "Dropped N nodes", "Showing top N nodes out of M") of
 * top, tree and peek. Layouts are those of Go 1.26.8's pprof (report.go ProfileLabels and
 * reportLabels); numbers go through measure.c. */
#include "goscope/report.h"

void gs_report_measure_fmt(const struct gs_report *r, struct gs_measure_fmt *f)
{
	gs_measure_fmt_init(f, r->sample_unit, r->output_unit, r->opts.divide_by);
}

int gs_report_format_value(const struct gs_report *r, int64_t v, struct gs_buf *b)
{
	struct gs_measure_fmt f;
	gs_report_measure_fmt(r, &f);
	return gs_measure_fmt_value(&f, b, v);
}

/* Go's filepath.Base of a non-empty path. */
static void add_base(struct gs_buf *b, const char *path)
{
	size_t n = strlen(path), i;
	while (n > 1 && path[n - 1] == '/')
		n--;
	if (n == 1 && path[0] == '/') {
		gs_buf_addch(b, '/');
		return;
	}
	for (i = n; i > 0 && path[i - 1] != '/'; i--)
		;
	gs_buf_add(b, path + i, n - i);
}

int gs_report_profile_labels(const struct gs_report *r, struct gs_out *out)
{
	const struct gs_profile *p = r->prof;
	struct gs_buf b = GS_BUF_INIT;
	int err;
	if (p->n_mappings > 0) {
		const char *file = gs_profile_str(p, p->mappings[0].filename);
		const char *build_id = gs_profile_str(p, p->mappings[0].build_id);
		if (*file) {
			gs_buf_addstr(&b, "File: ");
			add_base(&b, file);
			gs_buf_addch(&b, '\n');
		}
		if (*build_id)
			gs_buf_addf(&b, "Build ID: %s\n", build_id);
	}
	for (size_t i = 0; i < p->n_comments; i++) {
		const char *c = gs_profile_str(p, p->comments[i]);
		if (c[0] != '#')
			gs_buf_addf(&b, "%s\n", c);
	}
	if (r->sample_type[0])
		gs_buf_addf(&b, "Type: %s\n", r->sample_type);
	if (*gs_profile_str(p, p->doc_url))
		gs_buf_addf(&b, "Doc: %s\n", gs_profile_str(p, p->doc_url));
	if (p->time_nanos != 0) {
		/* Go's time.Unix(0, ns) in the local zone, layout "2006-01-02 15:04:05 MST". */
		int64_t ns = p->time_nanos;
		time_t secs = (time_t)(ns / 1000000000 - (ns % 1000000000 < 0));
		struct tm tm;
		char when[96];
		if (localtime_r(&secs, &tm) && strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", &tm))
			gs_buf_addf(&b, "Time: %s\n", when);
	}
	if (p->duration_nanos != 0) {
		struct gs_measure_fmt f;
		gs_report_measure_fmt(r, &f);
		gs_measure_duration_line(&b, p->duration_nanos, r->total, &f);
		gs_buf_addch(&b, '\n');
	}
	err = b.data ? gs_out_add(out, b.data, b.len) : 0;
	gs_buf_release(&b);
	return err;
}

int gs_report_graph_labels(const struct gs_report *r, const struct gs_graph *g, struct gs_out *out)
{
	struct gs_buf b = GS_BUF_INIT;
	char pct[GS_MEASURE_PCT_MAX];
	const char *trimmed;
	int err = 0;
	if (!r->opts.compact_labels && (err = gs_report_profile_labels(r, out)))
		return err;
	if (r->n_active_filters) {
		gs_buf_addstr(&b, "Active filters:\n");
		for (size_t i = 0; i < r->n_active_filters; i++) {
			const char *f = r->active_filters[i];
			if (strlen(f) > 80)
				gs_buf_addf(&b, "   %.80s\xe2\x80\xa6\n", f);
			else
				gs_buf_addf(&b, "   %s\n", f);
		}
	}
	gs_buf_addstr(&b, "Showing nodes accounting for ");
	gs_report_format_value(r, g->shown_flat, &b);
	gs_measure_percent(g->shown_flat, r->total, pct);
	for (trimmed = pct; *trimmed == ' '; trimmed++)
		;
	gs_buf_addf(&b, ", %s of ", trimmed);
	gs_report_format_value(r, r->total, &b);
	gs_buf_addstr(&b, " total\n");
	if (r->total != 0) {
		if (g->dropped_nodes > 0) {
			double cut = (double)r->total * r->opts.nodefraction;
			int64_t c = gs_measure_f64_to_i64(cut);
			gs_buf_addf(&b, "Dropped %zu node%s (cum <= ", g->dropped_nodes,
				    g->dropped_nodes > 1 ? "s" : "");
			gs_report_format_value(r, c < 0 ? (int64_t)(0 - (uint64_t)c) : c, &b);
			gs_buf_addstr(&b, ")\n");
		}
		if (g->n_nodes > 0 && g->n_nodes < g->orig_count)
			gs_buf_addf(&b, "Showing top %zu nodes out of %zu\n", g->n_nodes, g->orig_count);
	}
	if (!b.data)
		return -ENOMEM;
	err = gs_out_add(out, b.data, b.len);
	gs_buf_release(&b);
	return err;
}
