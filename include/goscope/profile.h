/* The profile model (gs_profile): pprof's profile.proto in memory, built so that memory
 * depends on the number of distinct things, not on input length. Strings are interned (one
 * index per distinct string), stacks and label sets are stored once and shared by samples, and
 * samples are (stack, label set, values). Every source of stacks and weights becomes one of
 * these: profile.proto, legacy text profiles, folded stacks, goroutine snapshots, traces.
 *
 * This header is the model and its builder; codecs (decode, encode, legacy text), merging and
 * filtering live in lib/profile/ and are declared at the end. Nothing here does I/O.
 */
#ifndef GOSCOPE_PROFILE_H
#define GOSCOPE_PROFILE_H

#include "goscope/core.h"

/* Index meaning "none" for optional references (mapping of a location, ...). */
#define GS_NONE UINT32_MAX

struct gs_value_type {
	uint32_t type; /* string index, e.g. "cpu" */
	uint32_t unit; /* string index, e.g. "nanoseconds" */
};

struct gs_mapping {
	uint64_t id; /* as in the input; unique, non-zero */
	uint64_t memory_start;
	uint64_t memory_limit;
	uint64_t file_offset;
	uint32_t filename; /* string index */
	uint32_t build_id; /* string index */
	bool has_functions;
	bool has_filenames;
	bool has_line_numbers;
	bool has_inline_frames;
};

struct gs_function {
	uint64_t id; /* as in the input; unique, non-zero */
	uint32_t name;        /* string index */
	uint32_t system_name; /* string index */
	uint32_t filename;    /* string index */
	int64_t start_line;
};

struct gs_line {
	uint32_t function; /* index into functions[], or GS_NONE */
	int64_t line;
	int64_t column;
};

struct gs_location {
	uint64_t id;      /* as in the input; unique, non-zero */
	uint32_t mapping; /* index into mappings[], or GS_NONE */
	uint64_t address;
	uint32_t line_start; /* lines[line_start .. line_start+line_count): [0] is the innermost
			      * inlined frame, the last is the physical function */
	uint32_t line_count;
	bool is_folded;
};

/* A label is a string label (str set, num 0, num_unit 0) or a numeric one (str 0). */
struct gs_label {
	uint32_t key;      /* string index */
	uint32_t str;      /* string index; 0 for numeric labels */
	int64_t num;
	uint32_t num_unit; /* string index; 0 = none */
};

/* A range of another table: items [start, start+len). */
struct gs_span {
	uint32_t start;
	uint32_t len;
};

struct gs_sample {
	uint32_t stack;  /* index into stacks[]: location indices, leaf first */
	uint32_t labels; /* index into labelsets[]; 0 is the empty set */
};

/* Fields are read-only outside lib/profile/: change a profile through the functions below so
 * that interning and the caps hold. */
struct gs_profile {
	struct gs_limits limits; /* copied from the context at creation */
	struct gs_strtab strings; /* interned; index 0 is "" */

	struct gs_value_type *sample_types;
	size_t n_sample_types;
	uint32_t default_sample_type; /* string index, 0 = unset */

	struct gs_mapping *mappings;
	size_t n_mappings, cap_mappings;
	struct gs_function *functions;
	size_t n_functions, cap_functions;
	struct gs_location *locations;
	size_t n_locations, cap_locations;
	struct gs_line *lines; /* lines of all locations */
	size_t n_lines, cap_lines;

	struct gs_span *stacks; /* into stack_locs; stack 0 is the empty stack */
	size_t n_stacks, cap_stacks;
	uint32_t *stack_locs;   /* location indices, leaf first */
	size_t n_stack_locs, cap_stack_locs;
	struct gs_idxmap stack_map;

	struct gs_span *labelsets; /* into labels; set 0 is empty; each set sorted (see below) */
	size_t n_labelsets, cap_labelsets;
	struct gs_label *labels;
	size_t n_labels, cap_labels;
	struct gs_idxmap labelset_map;

	struct gs_sample *samples;
	size_t n_samples, cap_samples;
	int64_t *values; /* n_samples * n_sample_types, sample-major */

	uint32_t drop_frames; /* string index */
	uint32_t keep_frames; /* string index */
	int64_t time_nanos;
	int64_t duration_nanos;
	struct gs_value_type period_type;
	int64_t period;
	uint32_t *comments; /* string indices */
	size_t n_comments;
	uint32_t doc_url; /* string index */
};

/* ---- lifecycle ---- */

/* A new empty profile with the context's limits. 0 or -ENOMEM. Free with gs_profile_free. */
int gs_profile_new(const struct gs_ctx *ctx, struct gs_profile **out);
void gs_profile_free(struct gs_profile *p);

/* ---- reading ---- */

static inline const char *gs_profile_str(const struct gs_profile *p, uint32_t idx)
{
	return gs_strtab_get(&p->strings, idx);
}

static inline const int64_t *gs_profile_values(const struct gs_profile *p, size_t sample)
{
	return p->values + sample * p->n_sample_types;
}

static inline const uint32_t *gs_profile_stack(const struct gs_profile *p, uint32_t stack,
					       uint32_t *len)
{
	*len = p->stacks[stack].len;
	/* a profile whose stacks are all empty has no stack_locs array (NULL + 0 is UB) */
	return p->stack_locs ? p->stack_locs + p->stacks[stack].start : NULL;
}

static inline const struct gs_label *gs_profile_labelset(const struct gs_profile *p, uint32_t set,
							 uint32_t *len)
{
	*len = p->labelsets[set].len;
	return p->labels ? p->labels + p->labelsets[set].start : NULL;
}

/* Index of the sample type called name (e.g. "cpu"), or -1. */
int gs_profile_find_sample_type(const struct gs_profile *p, const char *name);

/* ---- building ----
 * Each returns 0, -ENOMEM, or -E2BIG when a cap of p->limits is hit. They never set a context
 * message; callers that know the input name say what they were reading. */

/* Interns s[0..n) in the string table. */
int gs_profile_intern(struct gs_profile *p, const char *s, size_t n, uint32_t *idx);
static inline int gs_profile_intern_cstr(struct gs_profile *p, const char *s, uint32_t *idx)
{
	return gs_profile_intern(p, s, strlen(s), idx);
}

/* Appends a sample type. Must be done before the first sample. */
int gs_profile_add_sample_type(struct gs_profile *p, uint32_t type, uint32_t unit);

int gs_profile_add_mapping(struct gs_profile *p, const struct gs_mapping *m, uint32_t *idx);
int gs_profile_add_function(struct gs_profile *p, const struct gs_function *f, uint32_t *idx);
/* Adds a location; loc->line_start/line_count are ignored and set from lines[0..n_lines). */
int gs_profile_add_location(struct gs_profile *p, const struct gs_location *loc,
			    const struct gs_line *lines, size_t n_lines, uint32_t *idx);

/* Index of the stack made of locs[0..n) (location indices, leaf first), added if new. */
int gs_profile_intern_stack(struct gs_profile *p, const uint32_t *locs, size_t n, uint32_t *idx);

/* Index of the label set made of labels[0..n), added if new. The set is stored sorted by
 * key string, string labels before numeric ones, the values of one key in their given order
 * (pprof's sample identity), so that sets pprof deems equal get equal indices; labels[] itself
 * is not modified. */
int gs_profile_intern_labels(struct gs_profile *p, const struct gs_label *labels, size_t n,
			     uint32_t *idx);

/* Appends a sample; values has n_sample_types entries. */
int gs_profile_add_sample(struct gs_profile *p, uint32_t stack, uint32_t labels,
			  const int64_t *values);

/* Appends a comment (string index). */
int gs_profile_add_comment(struct gs_profile *p, uint32_t str);

/* Removes every sample (types, locations and metadata stay). Used by filters that rebuild
 * the sample list. */
void gs_profile_clear_samples(struct gs_profile *p);

/* ---- codecs (lib/profile/decode.c, encode.c, legacy.c, gzip.c) ---- */

/* Reads up to cap bytes into buf; *got = 0 at end of input. 0 or a negative errno. */
typedef int (*gs_read_fn)(void *arg, void *buf, size_t cap, size_t *got);

/* Parses a profile from any format goscope reads, detected from the bytes: gzip-compressed or
 * raw profile.proto, or the legacy text formats Go serves with ?debug=1 (goroutine,
 * threadcreate, heap, block/contention, mutex). The decompressed size is capped by
 * ctx->limits.decompressed_bytes. On error the context says what is wrong and where
 * ("sample 1204 has 3 values, expected 2"). *out is freed by the caller. */
int gs_profile_parse(const void *data, size_t len, struct gs_ctx *ctx, struct gs_profile **out);

/* The same over a stream (a file descriptor, an HTTP body): protobuf input is decoded as it
 * arrives with memory bounded by the size of its largest message, not by the input. */
int gs_profile_parse_stream(gs_read_fn read, void *arg, struct gs_ctx *ctx,
			    struct gs_profile **out);

/* Writes p as profile.proto, gzip-compressed when gzip is set (what `go tool pprof` and the
 * Go runtime write). */
int gs_profile_encode(const struct gs_profile *p, bool gzip, struct gs_out *out,
		      struct gs_ctx *ctx);

/* ---- symbolization with the Go binary (lib/profile/symbolize.c) ---- */

struct gs_elf;
struct gs_pclntab;

/* pprof's -symbolize value (symbolizer.go), parsed once for the whole pipeline: the
 * symbolization with the binary and the name simplification of gs_profile_combine. */
enum gs_demangle {
	GS_DEMANGLE_DEFAULT,   /* parameter lists and template arguments dropped */
	GS_DEMANGLE_TEMPLATES, /* parameter lists dropped */
	GS_DEMANGLE_FULL,      /* names kept whole */
	GS_DEMANGLE_NONE,      /* names left as they are */
};

struct gs_symbolize_mode {
	bool off;   /* "none"/"no": neither symbolization nor name simplification */
	bool local; /* symbolize with the binary (false when "remote" came last) */
	bool force; /* "force" or a demangle mode: redo locations and names that are set */
	enum gs_demangle demangle;
};

/* Parses a ':'-separated -symbolize value (NULL or "" is the default: local, no force),
 * case-insensitively: none, no, local, fastlocal, remote, force, demangle=default|
 * templates|full|none; "none"/"no" ends the parse, as in pprof. Returns false when a word
 * was not recognized (pprof warns once and ignores it); *m is set either way. */
bool gs_symbolize_mode_parse(const char *value, struct gs_symbolize_mode *m);

struct gs_symbolize_opts {
	const char *binary_name; /* named in messages, and recorded as the file of the mappings
				  * it symbolizes when they have none */
	bool force;              /* also redo locations that already have lines */
};

/* Gives the locations of p that have no lines (or all, with force) the lines of their
 * addresses in the Go binary e (its pclntab t), as runtime/pprof would have written them.
 * In legacy text (the parser's whole-address-space mapping; Go's stacks list a PC per
 * inlined call), consecutive addresses of a stack that are one physical frame's inlined
 * calls become one location with a line per call, innermost first; runtime.goexit frames
 * are dropped; heap profiles lose leading runtime frames. In a real mapping, a location
 * gets all the frames of its address, minus compiler-generated wrappers as the runtime's
 * traceback elides them. Addresses are taken as call sites (return address minus one, what
 * the legacy text parser and the runtime store). Locations of mappings of
 * other files (another build id or file name) are left alone. The load bias comes from each
 * mapping, or, for a PIE binary and a profile without a memory map, from the stacks ending
 * in runtime.goexit. Errors: -EINVAL when e does not match the profile (another build id,
 * no address in its functions, return addresses that follow no call), -ENOENT when a PIE
 * binary cannot be placed; the context says why. Addresses outside the binary's functions
 * stay unsymbolized with a line in warnings (may be NULL). Unreferenced locations remain in p
 * until it is merged. */
int gs_profile_symbolize(struct gs_profile *p, struct gs_elf *e, const struct gs_pclntab *t,
			 const struct gs_symbolize_opts *o, struct gs_ctx *ctx,
			 struct gs_buf *warnings);

#endif
