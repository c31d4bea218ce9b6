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

/* For JSON renderers: the share of value in total in percent (|value/total|*100, 0 for a zero
 * total), and an amount written as three members: key (the raw value), key_text (formatted
 * with f; tmp is scratch) and key_percent (its share of total). */
double gs_measure_share(int64_t value, int64_t total);
void gs_measure_json_amount(struct gs_json *j, const struct gs_measure_fmt *f, struct gs_buf *tmp,
			    const char *key, int64_t value, int64_t total);

/* ------------------------------------------------------------------------------------------
 * Regular expressions with the matching rules of Go's RE2 as pprof uses them: unanchored
 * search, UTF-8, `$` only at the very end. Backed by PCRE2 (JIT when available).
 * (lib/profile/regex.c)
 */
struct gs_regex;

/* Compiles pattern. On a syntax error returns -EINVAL with the reason on the context
 * ("missing closing parenthesis at offset 3"). Free with gs_regex_free. */
int gs_regex_compile(const char *pattern, struct gs_ctx *ctx, struct gs_regex **out);
void gs_regex_free(struct gs_regex *re);
/* Does re match anywhere in s[0..n)? */
bool gs_regex_match(const struct gs_regex *re, const char *s, size_t n);
static inline bool gs_regex_match_cstr(const struct gs_regex *re, const char *s)
{
	return gs_regex_match(re, s, strlen(s));
}

/* ------------------------------------------------------------------------------------------
 * Combining sources (lib/profile/merge.c): what pprof's driver does between fetching the
 * profiles named on the command line and making a report.
 */

/* Merges srcs[0..n) (n >= 1) the way pprof merges several sources: sample types are
 * reduced to those all profiles have (in the first profile's order), units are scaled to
 * the finest common unit, then samples with the same stack and labels are summed (samples
 * whose values are all zero are dropped); time is the earliest, durations add up, the
 * period is the largest, comments are deduplicated, mapping[0] stays the first profile's
 * main binary. A single profile is returned as is. Takes ownership of every srcs[i] (they are
 * freed or returned); on error all are freed. Errors: -EINVAL with pprof's reason
 * ("profiles have empty common sample type list", "incompatible period types ..."). */
int gs_profile_merge(struct gs_profile **srcs, size_t n, struct gs_ctx *ctx,
		     struct gs_profile **out);

struct gs_combine_opts {
	bool diff_base; /* bases mark their samples pprof::base=true instead of cancelling */
	bool normalize; /* scale the source to the base's per-type totals first */
	bool all_frames; /* keep frames that drop_frames would remove */
	struct gs_symbolize_mode symbolize; /* pprof's -symbolize (gs_symbolize_mode_parse):
					     * off, force and demangle matter here */
};

/* The whole of pprof's source handling after fetching: merges the sources and the bases
 * (each with gs_profile_merge), then, if there are bases, optionally normalises, marks the
 * bases (-diff_base), negates them and merges them into the source; then pprof's name
 * simplification of its symbolizer (parameter lists and template arguments dropped from
 * names that look like demangled C++, which includes Go generic instantiations such as
 * "f[go.shape.func(int) bool]"; mangled C++/Rust names are not demangled); finally the
 * profile's drop_frames/keep_frames (unless all_frames). Takes ownership of every input
 * profile; *out is the one result. n_bases may be 0. */
int gs_profile_combine(struct gs_profile **srcs, size_t n_srcs, struct gs_profile **bases,
		       size_t n_bases, const struct gs_combine_opts *o, struct gs_ctx *ctx,
		       struct gs_profile **out);

/* pprof's RemoveUninteresting: prunes with the profile's own drop_frames/keep_frames
 * (compiled as ^(...)$). -EINVAL "failed to compile regexp ..." on a bad expression. */
int gs_profile_remove_uninteresting(struct gs_profile *p, struct gs_ctx *ctx);

/* ------------------------------------------------------------------------------------------
 * Frame and sample filters (lib/profile/filter.c), each exactly one of pprof's Profile
 * methods. They change p in place: locations lose lines, samples get new stacks or label
 * sets, or are removed. Regexes may be NULL (filter not set). The bool results say whether
 * the expression matched anything (pprof warns "Focus expression matched no samples").
 */

/* focus/ignore/hide/show (FilterSamplesByName). */
int gs_profile_filter_by_name(struct gs_profile *p, const struct gs_regex *focus,
			      const struct gs_regex *ignore, const struct gs_regex *hide,
			      const struct gs_regex *show, bool matched[4]);
/* show_from: drops the frames above (rootward of) the highest matching frame; samples
 * without a match are removed. */
int gs_profile_show_from(struct gs_profile *p, const struct gs_regex *show_from, bool *matched);
/* prune_from: drops the frames below (leafward of) the lowest matching frame. */
int gs_profile_prune_from(struct gs_profile *p, const struct gs_regex *prune_from);
/* drop_frames/keep_frames: drop are the full-match regex of the profile's drop_frames
 * (NULL = the profile has none), keep may be NULL. */
int gs_profile_prune(struct gs_profile *p, const struct gs_regex *drop, const struct gs_regex *keep);
/* tagshow/taghide: removes label keys not matching show or matching hide. */
int gs_profile_filter_tags_by_name(struct gs_profile *p, const struct gs_regex *show,
				   const struct gs_regex *hide, bool matched[2]);

/* A compiled -tagfocus/-tagignore value: "key=regex,regex", "regex", or a numeric range with
 * units ("1kb", ":64mb", "key=4mb:", "12kb:64mb"). */
struct gs_tag_filter;
/* Compiles value. num_label_units says the unit of each numeric label key (see
 * gs_profile_num_label_units). *is_range is set when value was read as a range (pprof then
 * says "Interpreted '...' as range, not regexp"). -EINVAL on a bad regex. */
int gs_tag_filter_compile(const struct gs_profile *p, const char *value,
			  const uint32_t *num_label_units, size_t n_num_label_units,
			  struct gs_ctx *ctx, struct gs_tag_filter **out, bool *is_range);
void gs_tag_filter_free(struct gs_tag_filter *f);
/* Keeps the samples that match focus (if set) and not ignore (if set). */
int gs_profile_filter_by_tag(struct gs_profile *p, const struct gs_tag_filter *focus,
			     const struct gs_tag_filter *ignore, bool matched[2]);

/* The unit of each numeric label key, as pprof infers it: indexed by the key's string
 * index, giving a string index (0 for keys that are not numeric labels): the first non-empty
 * num_unit seen, else "bytes" for "request"/"alignment", else the key itself. *n_units is the
 * array's length; free() it. Keys seen with several units are listed in *conflicts (one line
 * per key, pprof's wording) when conflicts is not NULL. */
int gs_profile_num_label_units(struct gs_profile *p, uint32_t **units, size_t *n_units,
			       struct gs_buf *conflicts);

/* -tagroot/-tagleaf: inserts pseudo-frames named after the values of the label keys (comma
 * separated list) at the root and/or the leaf of every sample. output_unit formats numeric
 * label values. matched[0]/[1]: some sample had a value for a root/leaf key. */
int gs_profile_add_label_frames(struct gs_profile *p, const char *root_keys,
				const char *leaf_keys, const char *output_unit, bool matched[2]);

/* ------------------------------------------------------------------------------------------
 * The report (lib/profile/prepare.c): a profile prepared for one command as pprof's driver
 * prepares it (generateRawReport): command overrides of the options, label pseudo-frames,
 * sample index and mean, the report total (before focus unless relative_percentages), the
 * filters, granularity.
 */
enum gs_report_kind {
	GS_REPORT_TOP,    /* -top / -text: nodecount 0 */
	GS_REPORT_TREE,   /* -tree: nodecount 80 */
	GS_REPORT_PEEK,   /* -peek: no trimming */
	GS_REPORT_TRACES, /* -traces */
	GS_REPORT_TAGS,   /* -tags */
	GS_REPORT_FLAME,  /* flame graph and folded stacks: no trimming, filefunctions */
	GS_REPORT_RAW,    /* proto/raw/convert: no trimming, addresses granularity */
};

struct gs_report {
	struct gs_profile *prof;     /* prepared profile, owned */
	struct gs_report_opts opts;  /* after the command's overrides; strings still borrowed */
	enum gs_report_kind kind;
	int sample_index;            /* value column shown */
	bool mean;                   /* values are divided by column 0 */
	char sample_type[128];       /* "cpu", "mean_delay" */
	char sample_unit[64];        /* lower-cased unit of the column ("nanoseconds") */
	char output_unit[64];        /* opts.unit until gs_graph_new chooses one ("minimum") */
	int64_t total;               /* Σ|value| (of pprof::base samples if any), / Σdivisor */
	uint32_t *num_label_units;   /* see gs_profile_num_label_units */
	size_t n_num_label_units;
	/* What gs_graph_new keeps per location line after granularity. */
	bool keep_function, keep_file, keep_line, keep_column, keep_address;
	char **active_filters;       /* "focus=main\.", in pprof's order */
	size_t n_active_filters;
	struct gs_buf warnings;      /* lines pprof writes to stderr ("Focus expression matched
				      * no samples"); the CLI prints them as warnings */
};

/* Prepares p (ownership taken, also on error) for a report of the given kind. Errors are
 * pprof's: -EINVAL "sample_index 5 is outside the range [0..1]", "zero divisor specified",
 * "parsing focus regexp: ...", "profile has no samples". */
int gs_report_new(struct gs_profile *p, const struct gs_report_opts *o, enum gs_report_kind kind,
		  struct gs_ctx *ctx, struct gs_report **out);
void gs_report_free(struct gs_report *r);

/* Value and mean divisor of sample i for this report. */
static inline int64_t gs_report_sample_value(const struct gs_report *r, size_t i)
{
	return gs_profile_values(r->prof, i)[r->sample_index];
}
static inline int64_t gs_report_sample_divisor(const struct gs_report *r, size_t i)
{
	return r->mean ? gs_profile_values(r->prof, i)[0] : 0;
}

/* Sets f to format r's values: its sample unit, output unit and 1/divide_by ratio. f borrows
 * r's strings. */
void gs_report_measure_fmt(const struct gs_report *r, struct gs_measure_fmt *f);

/* pprof's rpt.formatValue, appended to b: v × ratio scaled from the sample unit to the
 * report's output unit, "%.2f" with ".00" trimmed ("1.50s", "41MB", "0"). */
int gs_report_format_value(const struct gs_report *r, int64_t v, struct gs_buf *b);

/* The profile lines of a report header (pprof's ProfileLabels): File, Build ID, comments,
 * Type, Doc, Time, Duration; each ends with '\n'. Traces prints these alone. */
int gs_report_profile_labels(const struct gs_report *r, struct gs_out *out);

/* ------------------------------------------------------------------------------------------
 * The call graph (lib/report/graph.c): pprof's graph with nodes per granularity, flat and
 * cumulative weights (cum counted once per node per sample), edges with inline and residual
 * flags, nodefraction/nodecount trimming with rebuilds, sorted as pprof sorts (by |flat| or
 * |cum|, then name). Built once per report from the deduplicated stacks.
 */
struct gs_graph_node {
	int64_t flat, flat_div, cum, cum_div; /* raw sums; see gs_graph_node_flat/_cum */
	uint32_t info;          /* identity of the node (internal) */
	const char *name;       /* printable name ("main.f", "0000000000401000 main.f x.go:3") */
	uint32_t in_start, n_in;   /* incoming edges: g->in_edges[in_start .. +n_in), sorted */
	uint32_t out_start, n_out; /* outgoing edges, sorted */
	bool inline_in, noinline_in; /* some incoming edge is / is not an inlined call */
};

struct gs_graph_edge {
	uint32_t src, dest;   /* node indexes into g->nodes, or GS_NONE when the other end is not
			       * a shown node (then src_name/dest_name still name it) */
	const char *src_name, *dest_name;
	int64_t weight, weight_div;
	bool residual;        /* connects nodes through removed ones */
	bool inline_call;     /* the callee was inlined into the caller */
};

struct gs_graph {
	struct gs_graph_node *nodes; /* shown nodes, in report order */
	size_t n_nodes;
	struct gs_graph_edge *edges;
	size_t n_edges;
	uint32_t *in_edges, *out_edges; /* edge indexes per node, pprof's edge order (|weight|
					 * desc, then source name, then destination name) */
	size_t orig_count;    /* nodes left after the nodefraction cut */
	size_t dropped_nodes; /* removed by nodefraction */
	size_t dropped_edges; /* removed by edgefraction */
	int64_t shown_flat;   /* Σ flat value of shown nodes (pprof's graphTotal) */
	void *priv;
};

/* Builds the trimmed graph of r (pprof's newTrimmedGraph) and, when r->opts.unit is
 * "minimum", chooses r->output_unit from the shown nodes (selectOutputUnit). */
int gs_graph_new(struct gs_report *r, struct gs_ctx *ctx, struct gs_graph **out);
void gs_graph_free(struct gs_graph *g);

static inline int64_t gs_graph_node_flat(const struct gs_graph_node *n)
{
	return n->flat_div ? gs_i64_div(n->flat, n->flat_div) : n->flat;
}
static inline int64_t gs_graph_node_cum(const struct gs_graph_node *n)
{
	return n->cum_div ? gs_i64_div(n->cum, n->cum_div) : n->cum;
}
static inline int64_t gs_graph_edge_weight(const struct gs_graph_edge *e)
{
	return e->weight_div ? gs_i64_div(e->weight, e->weight_div) : e->weight;
}

/* The report header before a graph report's rows (pprof's reportLabels): profile labels
 * (unless compact_labels), Active filters, "Showing nodes accounting for ...", "Dropped N
 * nodes (cum <= X)", "Showing top N nodes out of M"; each line ends with '\n'. */
int gs_report_graph_labels(const struct gs_report *r, const struct gs_graph *g, struct gs_out *out);

/* Printable name of line line_index of location loc as pprof's traces print it (with the
 * report's granularity, without trim_path), appended to buf; a location without lines has
 * one pseudo-line 0. *inlined: the line is not the location's last. */
int gs_report_line_name(const struct gs_report *r, uint32_t loc, uint32_t line_index,
			struct gs_buf *buf, bool *inlined);

/* ------------------------------------------------------------------------------------------
 * top (lib/report/top.c): `go tool pprof -top` text, and the same numbers as JSON.
 */
int gs_report_top_text(struct gs_report *r, const struct gs_graph *g, struct gs_out *out);
int gs_report_top_json(struct gs_report *r, const struct gs_graph *g, struct gs_out *out);

/* ------------------------------------------------------------------------------------------
 * traces, tags, tree and peek (lib/report/traces.c, tags.c, tree.c): the text of
 * `go tool pprof -traces`, `-tags`, `-tree` and `-peek REGEX`, byte for byte, and the same
 * numbers as JSON. Each takes a report prepared by gs_report_new for its kind (tree and peek
 * also its graph from gs_graph_new) and writes to out; errors are 0 or a negative errno with
 * the detail on ctx.
 */
struct gs_report;
struct gs_graph;
struct gs_regex;

/* traces: the profile labels, then every sample with frames, in profile order: its string
 * labels and numeric labels ("%10s:  v1 v2", sorted as text), its value (divided by its count
 * with -mean, each value scaled on its own unless -unit says otherwise) on the first frame,
 * frames leaf first, inlined ones marked " (inline)". JSON: {"header": [...], "traces": [{
 * "labels", "num_labels", "value", "text", "frames": [{"name", "inline"}]}]}. */
int gs_report_traces_text(const struct gs_report *r, struct gs_out *out, struct gs_ctx *ctx);
int gs_report_traces_json(const struct gs_report *r, struct gs_out *out, struct gs_ctx *ctx);

/* tags: per label key (by name) "key: Total X of T (P)", then its values by |weight| then
 * name, weights being the selected value of every sample (also those without frames);
 * numeric values labelled in their key's unit; aligned as Go's text/tabwriter aligns them.
 * Percentages only when the report total is positive. JSON: {"total", "tags": [{"key",
 * "total", "total_text", "total_percent", "values": [{"value", "weight", "weight_text",
 * "weight_percent"}]}]}. */
int gs_report_tags_text(const struct gs_report *r, struct gs_out *out, struct gs_ctx *ctx);
int gs_report_tags_json(const struct gs_report *r, struct gs_out *out, struct gs_ctx *ctx);

/* tree (peek == NULL) and peek: the graph labels, then per shown node (for peek: whose name
 * peek matches; sum% adds only those) its callers, its own flat/cum line and its callees,
 * edges as "%50s %s |   name" with the edge's raw weight and its share of the node's cum.
 * A peek that matches no node writes nothing and fails with -ENOENT ("no matches found for
 * regexp: <peek_pattern>"). JSON: {"header", "nodes": [{"name", "flat", "cum", ...,
 * "callers": [...], "callees": [...]}]}. */
int gs_report_tree_text(const struct gs_report *r, const struct gs_graph *g,
			const struct gs_regex *peek, const char *peek_pattern, struct gs_out *out,
			struct gs_ctx *ctx);
int gs_report_tree_json(const struct gs_report *r, const struct gs_graph *g,
			const struct gs_regex *peek, const char *peek_pattern, struct gs_out *out,
			struct gs_ctx *ctx);

/* Helpers of these renderers: the string at index idx of the report's profile with its length
 * ("" when out of range), and the unit of the numeric label key (string index) as pprof infers
 * it (r->num_label_units, else the key itself). */
const struct gs_str *gs_report_string(const struct gs_report *r, uint32_t idx);
const char *gs_report_num_label_unit(const struct gs_report *r, uint32_t key);

/* Writes key: [lines of text[0..len)] (each line without its '\n'). Returns j's out error. */
int gs_report_json_lines(struct gs_json *j, const char *key, const char *text, size_t len);

#endif
