/* Reports over a gs_profile, with the semantics and the exact text of `go tool pprof`: the
 * options record shared by every report (flag spellings are pprof's), the preparation of a
 * profile (sample index, label pseudo-frames, focus/ignore/hide/show filters, granularity),
 * the call graph with flat and cumulative weights, and the renderers (top, tree, peek,
 * traces, tags), each in text and JSON.
 *
 * Sections of this header are filled in by the modules that implement them:
 * lib/profile/filter.c, lib/profile/merge.c (preparation), lib/report/graph.c, top.c,
 * tree.c, traces.c, tags.c, measure.c (graph, renderers, number formatting). */
#ifndef GOSCOPE_REPORT_H
#define GOSCOPE_REPORT_H

#include "goscope/core.h"
#include "goscope/profile.h"

enum gs_granularity {
	GS_GRAN_DEFAULT = 0, /* the command's default (functions for text reports) */
	GS_GRAN_FUNCTIONS,
	GS_GRAN_FILEFUNCTIONS,
	GS_GRAN_FILES,
	GS_GRAN_LINES,
	GS_GRAN_ADDRESSES,
};

/* Every option of a report, named and defaulted as pprof names and defaults them. A plain
 * options record: set it up with gs_report_opts_init, then set fields. Strings are borrowed. */
struct gs_report_opts {
	const char *sample_index; /* index or name; NULL = default_sample_type, else the last */
	bool mean;
	double divide_by;  /* 1 */
	const char *unit;  /* "minimum" */

	const char *focus, *ignore, *hide, *show, *show_from, *prune_from;
	const char *tagfocus, *tagignore, *tagshow, *taghide;
	const char *tagroot, *tagleaf; /* comma-separated label keys */

	int64_t nodecount;     /* -1: the command's default */
	double nodefraction;   /* 0.005 */
	double edgefraction;   /* 0.001 */
	bool trim;             /* true; false sets nodecount/nodefraction/edgefraction to 0 */
	bool cum;              /* sort by cum instead of flat */
	enum gs_granularity granularity;
	bool noinlines;
	bool show_columns;
	bool relative_percentages;
	bool drop_negative;
	bool compact_labels;
	bool all_frames;       /* ignore drop_frames/keep_frames */
	const char *trim_path;
};

void gs_report_opts_init(struct gs_report_opts *o);

/* ------------------------------------------------------------------------------------------
 * Measurement (lib/report/measure.c): pprof's units, scaled labels and percentages, byte for
 * byte. Unit strings are recognised as pprof does: lower-cased, a trailing 's' removed when
 * longer than 2 bytes, then looked up among the aliases of three families:
 *   memory (base B):  B kB MB GB TB PB, 1024-based ("bytes", "kilobyte", "MB", ...)
 *   time (base ns, default s):  ns us ms s hrs ("nanoseconds", "sec", "hour", ...)
 *   GCU:  n*GCU u*GCU m*GCU GCU k*GCU M*GCU G*GCU T*GCU P*GCU
 * Any other unit ("count", "objects") is outside every family: values are not scaled.
 */

/* Family index (0 memory, 1 time, 2 GCU) of a unit string, or -1 if none recognises it. */
int gs_measure_unit_family(const char *unit);

/* pprof's measurement.Scale: value converted from from_unit to to_unit. to_unit "auto" or
 * "minimum" picks the largest unit of the family in which the value is >= 1 (the family's
 * default unit if none); an explicit to_unit outside from_unit's family gives the family's
 * default unit. When from_unit is in no family the value is returned unchanged and *unit is
 * "" for to_unit count/sample/unit/minimum/auto, else to_unit itself. Negative values are
 * scaled by magnitude. *unit (may be NULL) receives a static canonical name or to_unit. */
double gs_measure_scale(int64_t value, const char *from_unit, const char *to_unit,
			const char **unit);

/* pprof's measurement.ScaledLabel, appended to b: scale, "%.2f", a trailing ".00" removed,
 * "0" for zero (and for "-0"), else number + unit ("1.50s", "41MB", "-3ms", "12"). 0 or
 * -ENOMEM/-E2BIG from the buffer. */
int gs_measure_label(struct gs_buf *b, int64_t value, const char *from_unit, const char *to_unit);

/* pprof's measurement.Percentage of value in total: "  100%" when |ratio| is within
 * [99.95, 100.05], "%5.2f%%" when >= 1 ("17.50%", " 1.39%", "113.67%"), else "%5.2g%%"
 * ("  0.5%", "0.017%", "    0%", "1.7e-05%"); "    0%" when total is 0. Writes buf and
 * returns it. */
#define GS_MEASURE_PCT_MAX 48
const char *gs_measure_percent(int64_t value, int64_t total, char buf[GS_MEASURE_PCT_MAX]);

/* Go's int64(float64) on amd64: NaN and out-of-range values become INT64_MIN. */
int64_t gs_measure_f64_to_i64(double v);

/* How a report formats its values (pprof's Report.formatValue): values are multiplied by
 * ratio = 1/divide_by when ratio > 0 and != 1 (truncated to int64), then labelled from
 * sample_unit into output_unit. Strings are borrowed. */
struct gs_measure_fmt {
	const char *sample_unit; /* the sample type's unit, lower-cased as pprof does */
	const char *output_unit; /* "minimum" (default), "auto", or a unit ("ms", "MB") */
	double ratio;
};

/* divide_by must be non-zero (pprof refuses 0 with "zero divisor specified"). */
void gs_measure_fmt_init(struct gs_measure_fmt *f, const char *sample_unit, const char *output_unit,
			 double divide_by);
int gs_measure_fmt_value(const struct gs_measure_fmt *f, struct gs_buf *b, int64_t value);

/* Report-wide unit choice (pprof's selectOutputUnit), for graph reports (top, tree, peek, dot)
 * after trimming. Only acts when f->output_unit is "minimum" and n_nodes > 0. min_value is
 * the smallest non-zero |flat| (|cum| for a node whose flat is 0) over the shown nodes, 0 if
 * none: fold it with gs_measure_min_fold starting from 0. total is the report total. The
 * chosen unit is the auto unit of min_value, except when it differs from the total's and
 * 100*min_value < total: then the auto unit of 100*min_value (so the smallest value prints as
 * at least 0.01). integers_only (callgrind) skips that exception. f->output_unit is set to
 * a static canonical name, or to f->sample_unit when the unit is in no family. */
int64_t gs_measure_min_fold(int64_t min_value, int64_t flat, int64_t cum);
void gs_measure_select_unit(struct gs_measure_fmt *f, size_t n_nodes, int64_t min_value,
			    int64_t total, bool integers_only);

/* Appends the Duration header line without its newline:
 * "Duration: <d>, Total samples = <total> <(pct)>" where d is duration_ns auto-scaled, total is
 * formatted with f, and "(pct)" = Percentage(total in ns, duration) only when the sample unit
 * is a time unit and the total is non-zero (otherwise the line ends with a space, as pprof's). */
int gs_measure_duration_line(struct gs_buf *b, int64_t duration_ns, int64_t total,
			     const struct gs_measure_fmt *f);

/* Width helpers matching Go's fmt, which pads by runes (an invalid UTF-8 byte counts as one):
 * gs_measure_runes counts the runes of s[0..n); gs_measure_pad_left appends s right-aligned in
 * width columns ("%10s"). */
size_t gs_measure_runes(const char *s, size_t n);
int gs_measure_pad_left(struct gs_buf *b, const char *s, size_t width);

#endif
