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

/* All in one: begin + frames[0..n_frames) + labels[0..n_labels). */
int gs_snapshot_add_goroutine(struct gs_snapshot *s, const struct gs_goroutine *g,
			      const struct gs_gframe *frames, size_t n_frames,
			      const struct gs_glabel *labels, size_t n_labels, uint32_t *idx);

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

#endif
