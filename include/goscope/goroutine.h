/* The goroutine snapshot model (gs_snapshot): every goroutine of one moment of a Go program,
 * with what the runtime knows about each (id, status and the state text the runtime prints,
 * wait reason and wait time, locked thread, pprof labels, creator, frames, thread) and what the
 * producer knows about the snapshot (source, Go version, time taken, pause caused).
 *
 * Producers: lib/gdump (goroutine dump text: debug=2, panics, SIGQUIT, runtime.Stack) and
 * lib/goruntime (live processes and core files). Consumers: lib/gdump's buckets, leak finder,
 * dump-text writer, JSON and the conversion to a goroutine gs_profile. Strings are interned in
 * the snapshot's string table and frames and labels live in shared tables, so memory depends on
 * the number of goroutines and distinct strings. Nothing here does I/O.
 */
#ifndef GOSCOPE_GOROUTINE_H
#define GOSCOPE_GOROUTINE_H

#include "goscope/core.h"
#include "goscope/profile.h"

/* Status of a goroutine, the runtime's _G* values without the _Gscan bit (runtime2.go). The
 * numeric values are the runtime's so that a memory reader can store g.atomicstatus &^ 0x1000
 * directly (after checking it with gs_gstatus_from_runtime). GS_GSTATUS_UNKNOWN is for a state
 * text we do not recognise (a future wait reason still means "waiting", see below). */
enum gs_gstatus {
	GS_GSTATUS_IDLE = 0,
	GS_GSTATUS_RUNNABLE = 1,
	GS_GSTATUS_RUNNING = 2,
	GS_GSTATUS_SYSCALL = 3,
	GS_GSTATUS_WAITING = 4,
	GS_GSTATUS_DEAD = 6,
	GS_GSTATUS_COPYSTACK = 8,
	GS_GSTATUS_PREEMPTED = 9,
	GS_GSTATUS_LEAKED = 10, /* Go 1.26 goroutineleakprofile: proven permanently blocked */
	GS_GSTATUS_UNKNOWN = 255,
};

/* Per-frame flags. */
enum {
	GS_GFRAME_INLINED = 1 << 0, /* a logical frame inlined into the next one ("(...)", no +0x) */
	GS_GFRAME_HAS_OFF = 1 << 1, /* pc_offset is known (the "+0x1c" of dumps) */
	GS_GFRAME_HAS_PC = 1 << 2,  /* pc is known (memory readers; crash dumps' "pc=0x..") */
	GS_GFRAME_CGO = 1 << 3,     /* "non-Go function at pc=0x.." (func/file may be empty) */
};

/* One logical frame, innermost first. */
struct gs_gframe {
	uint32_t func;  /* string index: the function as the runtime prints it ("main.worker",
			 * "panic" for runtime.gopanic, generic shapes as "[...]") */
	uint32_t file;  /* string index: absolute source path as recorded in the binary */
	int64_t line;   /* 0 when unknown */
	uint64_t pc;    /* return address (or the faulting pc of the top frame); GS_GFRAME_HAS_PC */
	uint64_t pc_offset; /* pc - function entry; GS_GFRAME_HAS_OFF */
	uint64_t sp, fp;    /* frame's stack and frame pointer when known (crash dumps, memory) */
	uint32_t args;  /* string index: the argument words as printed, without the parentheses
			 * ("0xc000012345, 0x2?"); 0 when absent, unknown or inlined */
	uint32_t flags; /* GS_GFRAME_* */
};

/* A pprof label of a goroutine (string labels only: the runtime stores no numeric ones). */
struct gs_glabel {
	uint32_t key;   /* string index */
	uint32_t value; /* string index */
};

/* Per-goroutine flags. */
enum {
	GS_G_SCAN = 1 << 0,       /* the _Gscan bit was set (" (scan)" in the header) */
	GS_G_LOCKED = 1 << 1,     /* locked to its OS thread (", locked to thread") */
	GS_G_SYSTEM = 1 << 2,     /* a system goroutine by the runtime's isSystemGoroutine rule */
	GS_G_UNREADABLE = 1 << 3, /* its state or stack could not be read; see unreadable */
	GS_G_CURRENT = 1 << 4,    /* the goroutine that printed the dump (the panicking one) */
	GS_G_NO_STACK = 1 << 5,   /* "goroutine running on other thread; stack unavailable" */
	GS_G_ELIDED = 1 << 6,     /* frames are missing at elided_at (see elided_count) */
	GS_G_HAS_CREATOR = 1 << 7, /* created_by is set ("created by ..." line or gopc) */
	GS_G_DURABLE = 1 << 8,     /* synctest " (durable)" */
	GS_G_SYSTEM_KNOWN = 1 << 9, /* GS_G_SYSTEM was decided from the start function (memory
				     * readers); dump text only gives a guess from the frames */
};

/* Where the goroutine was created: the go statement's function and position. */
struct gs_gcreator {
	uint32_t func;       /* string index */
	uint32_t file;       /* string index */
	int64_t line;
	uint64_t pc;         /* g.gopc when known, else 0 */
	uint64_t pc_offset;  /* gopc - entry when known ("+0x65"); has_offset says so */
	bool has_offset;
	uint64_t goid;       /* parent goroutine id (" in goroutine N"); 0 = unknown / none */
};

struct gs_goroutine {
	uint64_t id;
	enum gs_gstatus status;
	uint32_t state;       /* string index: the bracketed state exactly as the runtime prints
			       * its first part: the wait reason text when waiting with a reason
			       * ("chan receive", "sync.Mutex.Lock"), else the status name
			       * ("running", "runnable", "syscall"); "???" for unknown status */
	uint32_t wait_reason; /* string index; 0 (the empty string) when not waiting */
	int64_t wait_minutes; /* whole minutes as the runtime prints them; -1 = not printed
			       * (under a minute, or not waiting); memory readers compute it from
			       * waitsince like goroutineheader */
	int64_t wait_since_ns; /* runtime nanotime() of g.waitsince; 0 = unknown (dump text) */
	uint32_t flags;       /* GS_G_* */
	uint64_t gp;          /* address of the g, 0 = unknown */
	int64_t m_id;         /* M running it (or its syscall); -1 = none or unknown */
	uint64_t mp;          /* address of that m, 0 = unknown */
	int64_t os_tid;       /* OS thread id of that M; 0 = unknown */
	int64_t bubble;       /* synctest bubble id, 0 = none */
	struct gs_gcreator created_by; /* valid when GS_G_HAS_CREATOR */
	uint32_t frame_start, n_frames; /* into gs_snapshot.frames, innermost first */
	uint32_t label_start, n_labels; /* into gs_snapshot.labels, sorted by key */
	uint32_t elided_at;    /* GS_G_ELIDED: the marker comes before frames[elided_at] */
	uint32_t elided_count; /* GS_G_ELIDED: frames left out ("...N frames elided..."); 0 =
				* an unknown number ("...additional frames elided...") */
	uint32_t unreadable;   /* string index: why (GS_G_UNREADABLE), e.g. "stack changed
				* while read" */
};

/* Where a snapshot came from. */
enum gs_snapshot_source {
	GS_SNAPSHOT_UNKNOWN = 0,
	GS_SNAPSHOT_DEBUG2,    /* /debug/pprof/goroutine?debug=2 or runtime.Stack(all) text */
	GS_SNAPSHOT_PANIC,     /* panic or fatal error output */
	GS_SNAPSHOT_TRACEBACK, /* SIGQUIT / GOTRACEBACK=all|system|crash output */
	GS_SNAPSHOT_LIVE,      /* memory of a live process */
	GS_SNAPSHOT_CORE,      /* a core file */
};

/* Fields are read-only outside lib/gdump: change a snapshot through the functions below so
 * that the caps hold. */
struct gs_snapshot {
	struct gs_limits limits;   /* copied from the context at creation */
	struct gs_strtab strings;  /* interned; index 0 is "" */

	struct gs_goroutine *goroutines; /* in the order read (dump order for dump text) */
	size_t n_goroutines, cap_goroutines;
	struct gs_gframe *frames;
	size_t n_frames, cap_frames;
	struct gs_glabel *labels;
	size_t n_labels, cap_labels;

	enum gs_snapshot_source source;
	uint32_t source_name; /* string index: file, URL, "pid 4242", "core FILE" */
	uint32_t go_version;  /* string index: "go1.24.2"; 0 = unknown */
	int64_t time_unix_ns; /* wall clock when taken; 0 = unknown */
	int64_t duration_ns;  /* how long taking it took; -1 = unknown */
	int64_t pause_ns;     /* how long the target was stopped for it; 0 = not stopped, -1 =
			       * unknown (a dump's world stop is not reported) */
	uint32_t preamble;    /* string index: text before the first goroutine (a panic message,
			       * "SIGQUIT: quit", registers), capped; 0 = none */
	uint32_t postamble;   /* string index: text after the last goroutine ("exit status 2",
			       * register dumps), capped; 0 = none */
	uint64_t n_unreadable; /* goroutines flagged GS_G_UNREADABLE, plus goroutines that could
				* not be listed at all (then absent from goroutines[]) */
};

/* ---- lifecycle ---- */

/* A new empty snapshot with the context's limits (source unknown, duration and pause -1).
 * 0 or -ENOMEM. Free with gs_snapshot_free. */
int gs_snapshot_new(const struct gs_ctx *ctx, struct gs_snapshot **out);
void gs_snapshot_free(struct gs_snapshot *s);

/* ---- reading ---- */

static inline const char *gs_snapshot_str(const struct gs_snapshot *s, uint32_t idx)
{
	return gs_strtab_get(&s->strings, idx);
}

static inline const struct gs_gframe *gs_goroutine_frames(const struct gs_snapshot *s,
							  const struct gs_goroutine *g)
{
	return s->frames ? s->frames + g->frame_start : NULL;
}

static inline const struct gs_glabel *gs_goroutine_labels(const struct gs_snapshot *s,
							  const struct gs_goroutine *g)
{
	return s->labels ? s->labels + g->label_start : NULL;
}

/* The runtime's gStatusStrings name of a status ("waiting"), "???" for values it has no
 * name for (as goroutineheader prints). */
const char *gs_gstatus_name(enum gs_gstatus st);

/* Maps a raw g.atomicstatus to a status: the _Gscan bit (0x1000) goes to *scan (may be NULL);
 * values the runtime does not define become GS_GSTATUS_UNKNOWN. */
enum gs_gstatus gs_gstatus_from_runtime(uint32_t raw, bool *scan);

/* Index of goroutine goid in s->goroutines, or -1 (a linear scan: callers look up one id). */
long gs_snapshot_find(const struct gs_snapshot *s, uint64_t goid);

/* ---- building ----
 * Each returns 0, -ENOMEM or -E2BIG when a cap of s->limits is hit (limits.goroutines for
 * goroutines, limits.stack_depth for the frames of one goroutine, limits.labels for its
 * labels, limits.strings and limits.string_bytes for strings). They set no context message:
 * the producer knows what it was reading and says so. */

/* Interns p[0..n) in the string table. */
int gs_snapshot_intern(struct gs_snapshot *s, const char *p, size_t n, uint32_t *idx);
static inline int gs_snapshot_intern_cstr(struct gs_snapshot *s, const char *p, uint32_t *idx)
{
	return gs_snapshot_intern(s, p, strlen(p), idx);
}

/* Appends a goroutine whose fields are copied from *g (frame_start/n_frames and
 * label_start/n_labels are ignored and reset to empty). Frames and labels are then added to
 * it, and only to it, with the two calls below; *idx (may be NULL) gets its index. */
int gs_snapshot_begin_goroutine(struct gs_snapshot *s, const struct gs_goroutine *g,
				uint32_t *idx);
/* Appends one frame (innermost first) to the goroutine begun last. -EINVAL without one. */
int gs_snapshot_add_frame(struct gs_snapshot *s, const struct gs_gframe *f);
/* Adds a label to the goroutine begun last, keeping its labels sorted by key string (a
 * repeated key replaces the value, as pprof.WithLabels does). -EINVAL without a goroutine. */
int gs_snapshot_add_label(struct gs_snapshot *s, uint32_t key, uint32_t value);

/* Flags g (a goroutine of s) GS_G_UNREADABLE with the reason why[0..n), counted once in
 * n_unreadable (a goroutine added with the flag already set is counted when added). */
int gs_snapshot_mark_unreadable(struct gs_snapshot *s, struct gs_goroutine *g, const char *why,
				size_t n);

/* All in one: begin + frames[0..n_frames) + labels[0..n_labels). */
int gs_snapshot_add_goroutine(struct gs_snapshot *s, const struct gs_goroutine *g,
			      const struct gs_gframe *frames, size_t n_frames,
			      const struct gs_glabel *labels, size_t n_labels, uint32_t *idx);

/* The runtime's isSystemGoroutine(gp, false) for a goroutine started at start_func: a
 * "runtime.*" function other than runtime.main, corostart and handleAsyncEvent; the
 * finalizer and cleanup goroutines (runfinq, runFinalizers, runCleanups) only while they do
 * not run user code (user_code). Every producer decides GS_G_SYSTEM with it. */
bool gs_goroutine_is_system(const char *start_func, bool user_code);
/* Whether frames[0..n) of a goroutine of s hold a function outside the runtime (the stand-in
 * for the runtime's fingRunningFinalizer / g.runningCleanups, which dumps do not show). */
bool gs_goroutine_runs_user_code(const struct gs_snapshot *s, const struct gs_gframe *frames,
				 size_t n);

/* Decides GS_G_SYSTEM for goroutines whose producer could not (GS_G_SYSTEM_KNOWN clear),
 * from what dump text shows: the outermost frame's function (the start function when the
 * stack is complete), else the creator. The runtime's rule (isSystemGoroutine): a start
 * function named "runtime.*" is a system goroutine, except runtime.main, and
 * runtime.runfinq / runtime.handleAsyncEvent which count as user code (they run finalizers and
 * user callbacks). */
void gs_snapshot_classify_system(struct gs_snapshot *s);

/* ---- dump text (lib/gdump/write.c) ---- */

struct gs_dump_opts {
	bool thread_ids; /* add " gp=0x.. m=N mp=0x.." as GOTRACEBACK=system does, when known */
	bool frame_regs; /* add " fp=0x.. sp=0x.. pc=0x.." to frames, when known */
	bool labels;     /* add " labels:{"k": "v"}" to headers as Go 1.26 does with
			  * GODEBUG=tracebacklabels=1 */
	bool full;       /* never elide a complete stack (the runtime keeps 50 + 50 frames) */
};

/* Writes goroutine g in the runtime's own dump format (goroutineheader, traceback2,
 * printcreatedby): header, frames with "(...)" for inlined ones and " +0x.." when known, the
 * elision marker where frames are missing or, for a complete stack of more than 100 logical
 * frames, the runtime's own elision (first 50, "...N frames elided...", last 50), the
 * "created by" lines. Ends with a newline after the last line; the blank line between
 * goroutines is the caller's (gs_snapshot_write_dump). */
int gs_goroutine_write_dump(const struct gs_snapshot *s, const struct gs_goroutine *g,
			    const struct gs_dump_opts *opts, struct gs_out *out);

/* Writes every goroutine of s (those with keep[i] set when keep is non-NULL), separated by
 * blank lines, as /debug/pprof/goroutine?debug=2 does. */
int gs_snapshot_write_dump(const struct gs_snapshot *s, const bool *keep,
			   const struct gs_dump_opts *opts, struct gs_out *out);

/* ---- grouping (lib/gdump/bucket.c) ---- */

/* A group of goroutines whose state, creator (function and file:line) and frames (function,
 * file:line, inlined or not, elision) match; arguments and labels are not compared. */
struct gs_gbucket {
	uint32_t first;        /* index of its first goroutine (in snapshot order) */
	uint32_t count;
	uint32_t member_start; /* members[member_start .. +count): goroutine indices, ascending */
	int64_t min_minutes, max_minutes; /* printed wait times; -1 when no member has one */
	uint32_t user_frames;  /* frames outside the standard library (of the first goroutine) */
	uint32_t unreadable;   /* members flagged GS_G_UNREADABLE */
	bool any_locked;       /* a member is locked to its thread */
	bool has_current;      /* the goroutine that printed the dump (a panic's) is a member */
	bool labels_mixed;     /* members have different label sets (else all have the first's) */
};

struct gs_gbuckets {
	struct gs_gbucket *items; /* ordered: the current goroutine's group first, then groups
				   * with user code before standard-library-only ones, then by
				   * count (largest first), user frames (most first), state, id */
	size_t n;
	uint32_t *members;
	size_t n_members;
};

/* Groups the goroutines of s (those with keep[i] set when keep is non-NULL) in O(n).
 * 0 or -ENOMEM; release out with gs_gbuckets_release (also after an error). */
int gs_gdump_bucket(const struct gs_snapshot *s, const bool *keep, struct gs_gbuckets *out);
void gs_gbuckets_release(struct gs_gbuckets *b);

/* Do goroutines ga of a and gb of b (two snapshots, or the same one twice) fall in one group?
 * Compared by content, so that groups of different snapshots can be matched (leaks). */
bool gs_gdump_same_group(const struct gs_snapshot *a, const struct gs_goroutine *ga,
			 const struct gs_snapshot *b, const struct gs_goroutine *gb);
/* A hash of what gs_gdump_same_group compares (equal groups hash equal across snapshots). */
uint64_t gs_gdump_group_hash(const struct gs_snapshot *s, const struct gs_goroutine *g);

/* Is func ("net/http.(*conn).serve") in the standard library, judged from its import path
 * (no dot in the first path element, and not package main)? */
bool gs_gdump_is_stdlib_func(const char *func);
/* Frames of g whose function is not in the standard library. */
uint32_t gs_gdump_user_frames(const struct gs_snapshot *s, const struct gs_goroutine *g);

/* ---- filters and renderers (lib/gdump/render.c) ---- */

struct gs_regex;

/* A label a goroutine must carry. */
struct gs_glabel_match {
	const char *key;
	const char *value;
};

/* Which goroutines to keep; every set field must match. */
struct gs_gfilter {
	bool user_only;       /* drop system goroutines (GS_G_SYSTEM) */
	const char *state;    /* the state text ("chan receive") or the status name ("waiting",
			       * "running", "syscall"); NULL = any */
	int64_t wait_min_ns;  /* waited at least this long, by the printed whole minutes (a
			       * goroutine without a wait time does not match); 0 = any */
	const struct gs_glabel_match *labels;
	size_t n_labels;
	const struct gs_regex *func; /* some frame's function matches (unanchored) */
};

bool gs_gfilter_match(const struct gs_snapshot *s, const struct gs_goroutine *g,
		      const struct gs_gfilter *f);
/* keep[i] for every goroutine (free it); *kept = how many match. 0 or -ENOMEM. */
int gs_gfilter_apply(const struct gs_snapshot *s, const struct gs_gfilter *f, bool **keep,
		     size_t *kept);

/* "debug=2 dump", "panic output", "traceback", "live process", "core file", "unknown". */
const char *gs_snapshot_source_name(enum gs_snapshot_source src);

struct gs_group_opts {
	size_t max_ids; /* goroutine ids listed per group; 0 = 10 */
};

/* The grouped view: a summary line, then per group (in b's order) its count, state with the
 * wait-time range, labels, ids, frames (function, file:line) and creator. */
int gs_gdump_write_groups(const struct gs_snapshot *s, const struct gs_gbuckets *b,
			  const struct gs_group_opts *opts, struct gs_out *out);
/* The same as JSON: {"source", ..., "goroutines": N, "groups": [{"count", "state", "status",
 * "wait_reason", "system", "labels", "created_by", "frames", "wait_minutes", "locked",
 * "labels_mixed", "current", "user_frames", "ids"}]}. */
int gs_gdump_write_groups_json(const struct gs_snapshot *s, const struct gs_gbuckets *b,
			       struct gs_out *out);
/* Every goroutine (keep[i] set, or all) as JSON: {"source", ..., "goroutines": [{"id",
 * "state", "status", "wait_reason", "system", "labels", "created_by", "frames",
 * "wait_minutes", "locked", "m", "thread", "unreadable"}]}. */
int gs_snapshot_write_json(const struct gs_snapshot *s, const bool *keep, struct gs_out *out);

/* ---- leak finding (lib/gdump/leaks.c) ---- */

/* A group (bucket.c's rule, matched across snapshots by content) whose count never shrank and
 * grew by at least the minimum. */
struct gs_gleak {
	uint32_t snapshot;  /* representative: goroutine `goroutine` of snapshot `snapshot` (the
			     * latest snapshot holding the group) */
	uint32_t goroutine;
	uint64_t first, last; /* counts in the first and the last snapshot */
	int64_t growth;       /* last - first */
	uint32_t counts_at;   /* row of this group in counts (gs_gleak_counts) */
	uint32_t first_seen;  /* order of discovery, the last tie-breaker */
};

struct gs_gleaks {
	struct gs_vec groups; /* struct gs_gleak, largest growth first, then largest count */
	struct gs_vec counts; /* uint64_t[n_snapshots] per group */
	size_t n_snapshots;
};

struct gs_gleaks_opts {
	bool user_only;      /* ignore system goroutines */
	uint64_t min_growth; /* 0 = 1 */
};

/* Finds the growing groups of snaps[0..n) (n >= 2, oldest first, snapshots of one program).
 * 0, -EINVAL (n < 2) or -ENOMEM; release out with gs_gleaks_release (also after an error).
 * out refers to the snapshots, which must outlive it. */
int gs_gdump_leaks(const struct gs_snapshot *const *snaps, size_t n,
		   const struct gs_gleaks_opts *opts, struct gs_gleaks *out);
void gs_gleaks_release(struct gs_gleaks *l);
/* The counts of item in each snapshot. */
const uint64_t *gs_gleak_counts(const struct gs_gleaks *l, const struct gs_gleak *item);

/* Text: a summary line, then per group its growth, counts per snapshot (and rate when the
 * snapshots' times are known), state, creation site and stack. */
int gs_gdump_write_leaks(const struct gs_snapshot *const *snaps, size_t n,
			 const struct gs_gleaks *l, struct gs_out *out);
/* JSON: {"snapshots": [{"source_name", "goroutines", "time_unix_ns"}], "groups": [{"growth",
 * "per_second", "counts", "state", ..., "created_by", "frames"}]}. */
int gs_gdump_write_leaks_json(const struct gs_snapshot *const *snaps, size_t n,
			      const struct gs_gleaks *l, struct gs_out *out);

/* ---- conversion to a goroutine profile (lib/gdump/profile.c) ---- */

/* A goroutine profile of the goroutines of s (keep[i] set, or all), shaped like the runtime's
 * /debug/pprof/goroutine: sample type and period type goroutine/count, one sample per
 * distinct (stack, labels) valued by its number of goroutines, string labels from the
 * goroutines' pprof labels, one location per physical frame holding the frames inlined into
 * it. Frames the runtime hides from dumps (runtime internals) are absent when s came from
 * dump text. Errors: -ENOMEM, -E2BIG (a profile cap), with a message on ctx. */
int gs_snapshot_to_profile(const struct gs_snapshot *s, const bool *keep, struct gs_ctx *ctx,
			   struct gs_profile **out);

/* ---- dump text parsing (lib/gdump/parse.c) ---- */

/* Parses goroutine dump text: /debug/pprof/goroutine?debug=2 or runtime.Stack output, panic
 * and fatal error output, SIGQUIT and GOTRACEBACK=all|system|crash tracebacks (Go 1.21-1.26
 * and older "...additional frames elided..." dumps). Text before the first and after the last
 * goroutine goes to the preamble and postamble; "[originating from goroutine N]" ancestor
 * blocks are skipped. A dump that ends inside a frame gives a goroutine flagged
 * GS_G_UNREADABLE. source is set from the text (panic, traceback or debug2); GS_G_SYSTEM is
 * guessed with gs_snapshot_classify_system. Errors: -EBADMSG with "line N: what" on the context
 * (a malformed header, elision line or file line; no goroutine at all), -E2BIG when a cap is
 * hit (limits.input_bytes, string_bytes per line, goroutines, stack_depth, labels).
 * *out is freed by the caller. */
int gs_gdump_parse(const void *data, size_t len, struct gs_ctx *ctx, struct gs_snapshot **out);

/* Does the text look like a goroutine dump (a "goroutine N [" or "goroutine N gp=" line in
 * its first MiB)? Used by input loaders to choose between a profile and a dump. */
bool gs_gdump_detect(const void *data, size_t len);

#endif
