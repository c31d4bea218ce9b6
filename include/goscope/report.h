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

#endif
