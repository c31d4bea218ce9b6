/* Flame graphs and the stack interchange formats.
 *
 * A flame graph is a call tree: samples are aggregated root-first into a tree in which
 * identical paths are merged, so its size depends on the number of distinct paths, not on
 * the number of samples. From the tree come the interactive HTML page (web/flame.*), the
 * static SVG, the --json report and Brendan Gregg's folded stacks. The readers of folded
 * stacks, speedscope and goscope's JSON profile build a gs_profile through the builder API.
 *
 * Nothing here does I/O: writers write to a gs_out, readers take a buffer.
 */
#ifndef GOSCOPE_FLAME_H
#define GOSCOPE_FLAME_H

#include "goscope/core.h"
#include "goscope/profile.h"
#include "goscope/report.h"

/* ------------------------------------------------------------------------------------------
 * Call tree (lib/report/flame.c)
 */

/* One box label: a function (or file, or line) at the chosen granularity. */
struct gs_flame_frame {
	uint32_t name;    /* string index: display name ("main.hot", "main.hot:35", a file) */
	uint32_t file;    /* string index: source file, "" when unknown or not kept */
	uint32_t color;   /* 0 .. 2^20-1, a hash of the package (or directory): same package,
			   * same colour */
	bool inlined;     /* this frame was inlined into its caller */
};

/* Nodes are stored in preorder: node 0 is the synthetic root, the children of a node follow
 * it, heaviest first, and node i's subtree is [i, end). */
struct gs_flame_node {
	uint32_t frame;  /* index into frames[]; the root's is 0 ("root") */
	uint32_t parent; /* GS_NONE for the root */
	uint32_t depth;  /* 0 for the root */
	uint32_t end;    /* one past the last node of the subtree */
	int64_t pos;     /* sum of the positive sample values through this node */
	int64_t neg;     /* sum of |negative| sample values through this node (diffs) */
	int64_t self;    /* signed sum of the values of samples whose stack ends here */
};

struct gs_flame {
	struct gs_strtab strings; /* names, files, sample type and unit */
	struct gs_flame_frame *frames;
	size_t n_frames;
	struct gs_flame_node *nodes;
	size_t n_nodes;
	uint32_t max_depth;
	int64_t total;        /* the report total percentages are relative to */
	bool diff;            /* some sample value was negative (a -diff_base profile) */
	uint32_t sample_type; /* string index, e.g. "cpu" */
	uint32_t sample_unit; /* string index, e.g. "nanoseconds" */
	uint64_t n_samples;   /* samples that contributed (non-zero value) */
};

struct gs_flame_opts {
	int sample_index;                /* -1: the default_sample_type, else the last type */
	enum gs_granularity granularity; /* GS_GRAN_DEFAULT means filefunctions, as pprof's view */
	bool noinlines;                  /* charge inlined frames to their physical caller */
	bool show_columns;               /* with lines granularity, keep columns */
	int64_t total;                   /* 0: computed (sum of |value|, only pprof::base samples
					  * when the profile has any, as pprof's report total) */
};

void gs_flame_opts_init(struct gs_flame_opts *o);

/* The sample index to use: requested if >= 0 (checked against the profile), else the one
 * named by default_sample_type, else the last. 0 or -EINVAL with a message. */
int gs_flame_sample_index(const struct gs_profile *p, int requested, struct gs_ctx *ctx, int *out);

/* Aggregates the samples of p into a call tree. Every Location line becomes a frame (inlined
 * lines are frames of their own marked inlined, unless noinlines); a location without lines
 * becomes one frame named by its address. Frames are keyed as the granularity says.
 * 0, -EINVAL (bad sample index, in the context), -ENOMEM, -E2BIG (a cap). Free with
 * gs_flame_free. */
int gs_flame_build(const struct gs_profile *p, const struct gs_flame_opts *o, struct gs_ctx *ctx,
		   struct gs_flame **out);
void gs_flame_free(struct gs_flame *f);

static inline const char *gs_flame_str(const struct gs_flame *f, uint32_t idx)
{
	return gs_strtab_get(&f->strings, idx);
}

/* The --json report: sample type and unit, total, and the nodes in preorder with their parent,
 * frame (name, file, inlined), value and self. */
int gs_flame_write_json(const struct gs_flame *f, struct gs_out *out, bool pretty);

/* What the page and the SVG say about the profile. Strings are borrowed; NULL = none. */
struct gs_flame_page {
	const char *title;    /* e.g. the source file name */
	const char *subtitle; /* e.g. "Type: cpu" lines of the report header */
	bool flame;           /* start in flame orientation (root at the bottom) */
};

/* Writes the self-contained HTML page: the embedded web/flame.html with web/flame.css,
 * web/flame.js and the tree's data inlined; it loads nothing from anywhere. -ENOENT when the
 * assets are missing from the build (context says which). */
int gs_flame_write_html(const struct gs_flame *f, const struct gs_flame_page *page,
			struct gs_out *out, struct gs_ctx *ctx);

/* Writes a static SVG (lib/report/svg.c) in flame orientation: boxes narrower than a tenth of
 * a pixel are left out, names are cut to fit, each box carries a <title> tooltip. width is in
 * pixels (0 = 1200). */
int gs_flame_write_svg(const struct gs_flame *f, const struct gs_flame_page *page,
		       unsigned width, struct gs_out *out, struct gs_ctx *ctx);

/* Formats value (in the tree's sample unit) as pprof's web view does: scaled to the best unit
 * of its family ("1.50s", "41MB", "1200"). */
int gs_flame_format_value(const struct gs_flame *f, struct gs_buf *b, int64_t value);

/* ------------------------------------------------------------------------------------------
 * Folded stacks (lib/report/folded.c, lib/profile/folded.c): one line per distinct stack,
 * "outermost;caller;leaf value", frames separated by ';'.
 */

struct gs_folded_opts {
	int sample_index;                /* -1: default */
	enum gs_granularity granularity; /* GS_GRAN_DEFAULT means functions */
	bool noinlines;
	bool show_columns;
};

void gs_folded_opts_init(struct gs_folded_opts *o);

/* Writes p's samples as folded stacks, one line per distinct stack of frames, in the order of
 * the call tree (heaviest first). ';' inside a frame name becomes ':' and line breaks become
 * spaces so that every line reads back. Samples whose stacks cancel out are left out. */
int gs_folded_write(const struct gs_profile *p, const struct gs_folded_opts *o, struct gs_out *out,
		    struct gs_ctx *ctx);

/* Sample type of folded stacks read back: "samples/count" unless told otherwise. */
struct gs_folded_read_opts {
	const char *sample_type; /* NULL = "samples" */
	const char *unit;        /* NULL = "count" */
};

/* Reads folded stacks: lines "a;b;c N" (N an integer, possibly negative; a line without a
 * count counts 1; blank lines and lines starting with '#' are skipped). Each distinct frame
 * becomes a function and a location with one line; equal stacks are merged into one sample.
 * -EBADMSG (context: "line 12: ...") when the text is not folded stacks. */
int gs_profile_parse_folded(const void *data, size_t len, const struct gs_folded_read_opts *o,
			    struct gs_ctx *ctx, struct gs_profile **out);

/* Does data look like folded stacks (first non-blank line "frames count")? Cheap; used by
 * the format detection. */
bool gs_folded_sniff(const void *data, size_t len);

/* ------------------------------------------------------------------------------------------
 * Speedscope (lib/report/speedscope.c, lib/profile/speedscope.c): the file format of
 * https://www.speedscope.app, schema "https://www.speedscope.app/file-format-schema.json".
 */

/* Writes one "sampled" profile per sample type (the selected one first, so speedscope opens
 * it), with shared frames {name, file, line}. Negative values are written as they are. */
int gs_speedscope_write(const struct gs_profile *p, int sample_index, const char *name,
			struct gs_out *out, struct gs_ctx *ctx);

/* Reads a speedscope file: "sampled" profiles (samples and weights) and "evented" profiles
 * (open/close frame events, the time between them attributed to the open stack). Each
 * profile becomes a sample type named after its unit; frames become functions with file and
 * line. -EBADMSG with a message when the JSON is not a speedscope file. */
int gs_profile_parse_speedscope(const void *data, size_t len, struct gs_ctx *ctx,
				struct gs_profile **out);

bool gs_speedscope_sniff(const void *data, size_t len);

/* ------------------------------------------------------------------------------------------
 * goscope's JSON rendering of the profile model (lib/report/jsonprof.c, lib/profile/jsonprof.c):
 * complete and lossless, so that reading it back gives the same profile.
 */

int gs_profile_write_json(const struct gs_profile *p, struct gs_out *out, bool pretty);

int gs_profile_parse_json(const void *data, size_t len, struct gs_ctx *ctx,
			  struct gs_profile **out);

bool gs_profile_json_sniff(const void *data, size_t len);

/* ------------------------------------------------------------------------------------------
 * Detection (lib/profile/interchange.c)
 */

/* Parses data if it is one of the formats above (goscope JSON, speedscope, folded stacks),
 * recognised from its first bytes. -ENOTSUP, with the context untouched, when it is none of
 * them; otherwise the reader's result. */
int gs_profile_parse_interchange(const void *data, size_t len, struct gs_ctx *ctx,
				 struct gs_profile **out);

#endif
