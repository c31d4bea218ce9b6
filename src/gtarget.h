/* TARGET of the goroutine commands (goroutines, stack, leaks): a goroutine dump file, "-" for
 * stdin, a URL or host:port of a service serving /debug/pprof/goroutine?debug=2, a PID, or a
 * core file. Every command turns its TARGET into a gs_snapshot through gs_gtarget_snapshot,
 * the one place where a new kind of target plugs in. */
#ifndef GOSCOPE_GTARGET_H
#define GOSCOPE_GTARGET_H

#include "goscope/goroutine.h"

enum gs_gtarget_kind {
	GS_GTARGET_DUMP,  /* a file of goroutine dump text (or "-") */
	GS_GTARGET_URL,   /* a live service's /debug/pprof/goroutine?debug=2 */
	GS_GTARGET_PID,   /* a live process, read from outside (lib/target + lib/goruntime) */
	GS_GTARGET_CORE,  /* an ELF core file (lib/target + lib/goruntime) */
};

struct gs_gtarget_opts {
	int64_t timeout_ns; /* URL: whole-request timeout; 0 = 60 s */
	const char *binary; /* CORE: the executable that dumped it; NULL = from the core's notes */
	bool consistent;    /* PID: stop every thread for a coherent snapshot */
};

/* The flags every TARGET-reading command takes, filling a struct gs_gtarget_opts, for its
 * flag table and its usage text. */
#define GS_GTARGET_FLAGS(opts) \
	{"timeout", 0, GS_FLAG_DURATION, &(opts).timeout_ns}, \
	{"consistent", 0, GS_FLAG_BOOL, &(opts).consistent}, \
	{"binary", 0, GS_FLAG_STR, &(opts).binary}
#define GS_GTARGET_USAGE_FLAGS \
	"  --timeout DUR      give up on a URL after DUR (default 60s)\n" \
	"  --consistent       PID: stop every thread while reading, for a coherent snapshot\n" \
	"                     (the pause is reported); by default no thread is stopped\n" \
	"  --binary FILE      core file: the executable that dumped it (default: the path\n" \
	"                     recorded in the core)\n"

/* What kind of target the text names: "-" and existing files other than ELF cores are dumps,
 * URLs and host:port are URLs, a number that names no file is a PID (gs_target_is_pid). */
enum gs_gtarget_kind gs_gtarget_classify(const char *target);

/* Reads target into a new snapshot (source, source_name, time and duration set). On failure
 * prints nothing: the context says why and the caller prints "cannot read 'TARGET': why".
 * PIDs and core files go to gs_gtarget_from_pid / gs_gtarget_from_core. */
int gs_gtarget_snapshot(const char *target, const struct gs_gtarget_opts *opts,
			struct gs_ctx *ctx, struct gs_snapshot **out);

/* The goroutines of live process pid, or of the core file at path, read from memory; the
 * snapshot's source is GS_SNAPSHOT_LIVE or _CORE. opts->binary names the executable when
 * the target's own path does not. Errors as gs_gtarget_snapshot. */
int gs_gtarget_from_pid(int pid, const struct gs_gtarget_opts *opts, struct gs_ctx *ctx,
			struct gs_snapshot **out);
int gs_gtarget_from_core(const char *path, const struct gs_gtarget_opts *opts,
			 struct gs_ctx *ctx, struct gs_snapshot **out);

/* gs_gtarget_snapshot for a command: 0, or GS_EXIT_FAIL after printing
 * "goscope CMD: cannot read 'TARGET': why". A snapshot that stopped the target (--consistent)
 * reports the pause on stderr: "goscope CMD: stopped the process for 1.234 ms". */
int gs_gtarget_load(const char *target, const struct gs_gtarget_opts *opts, struct gs_ctx *ctx,
		    struct gs_snapshot **out);

struct gs_flag;
struct gs_strlist;
/* Parses the flags of goroutine command cmd, which takes exactly one TARGET (pos->items[0]).
 * *stop says the command is done and must return the result (0 after -h, 64 after a usage
 * error); otherwise the result is 0. */
int gs_gtarget_args(const char *cmd, const struct gs_flag *flags, int argc, char **argv,
		    struct gs_strlist *pos, bool *stop);

#endif
