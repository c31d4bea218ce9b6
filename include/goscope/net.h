/* HTTP collection of profiles from a live Go service's /debug/pprof/ endpoints (libcurl).
 * A request is first normalised (host:port shorthand, profile type, seconds/debug/gc query,
 * timeout), then fetched as a pull stream whose bytes the caller reads as they arrive (to
 * decode while downloading, or to save). Non-200 answers become errors carrying the server's
 * own text. No printing, no globals; the caller's context gets every error message.
 */
#ifndef GOSCOPE_NET_H
#define GOSCOPE_NET_H

#include "goscope/core.h"

/* What the caller asks for on top of the URL it was given. */
struct gs_fetch_opts {
	const char *type;   /* profile type replacing the URL's ("cpu" = "profile"); NULL = keep */
	int64_t seconds_ns; /* sets ?seconds=; 0 = keep the URL's */
	int64_t debug;      /* sets ?debug=N when >= 0; -1 = keep the URL's */
	int64_t gc;         /* sets ?gc=N when >= 0; -1 = keep the URL's */
	int64_t timeout_ns; /* whole-request timeout; 0 = duration * 1.5 + 5 s, or 60 s */
};

/* Defaults: keep everything the URL says, automatic timeout. */
void gs_fetch_opts_init(struct gs_fetch_opts *o);

#define GS_FETCH_URL_MAX 4096

/* A normalised request. */
struct gs_fetch_req {
	char url[GS_FETCH_URL_MAX]; /* what is requested: http or https */
	char host[256];             /* host[:port] as written in the URL (for file names) */
	char type[64];              /* "profile", "heap", "trace", ...; "" if the path names none */
	int64_t duration_ns;        /* how long the server collects before answering; 0 = none */
	int64_t timeout_ns;         /* whole-request timeout */
	int64_t debug;              /* the ?debug= value, 0 if absent */
	bool insecure;              /* https+insecure: no certificate checks */
	bool timed;                 /* the server collects for duration_ns (cpu, trace, deltas) */
};

/* Turns what a user typed into a request, the way `go tool pprof` reads its sources:
 * no scheme means http://; "https+insecure://" means https without certificate checks; an
 * empty path or "/" means /debug/pprof/profile (or /debug/pprof/<opts->type>); opts->type
 * replaces the last element of a /debug/pprof/ path; seconds/debug/gc are set or replaced
 * in the query, other parameters kept in order. The duration is the seconds parameter (the
 * server's defaults, 30 s for profile and 1 s for trace, when absent); the timeout is
 * opts->timeout_ns, else duration * 1.5 + 5 s, else 60 s. Only http and https are accepted.
 * Returns 0, or -EINVAL (not a usable URL) / -E2BIG (too long) with a message on ctx. */
int gs_fetch_req_init(struct gs_fetch_req *req, const char *src, const struct gs_fetch_opts *opts,
		      struct gs_ctx *ctx);

/* An HTTP transfer in progress. */
struct gs_fetch;

/* Starts the request and waits until the answer begins. A 200 answer returns 0 with *out set
 * (free with gs_fetch_free); anything else fails: a non-200 status with the server's text
 * ("404 Not Found: server said: Unknown profile"), -ECONNREFUSED, -ETIMEDOUT, -EHOSTUNREACH
 * (name not resolved), -ECANCELED (the progress callback said stop), -EIO. While the server
 * collects a timed profile, ctx->progress is called with what = a description such as
 * "collecting 30s cpu profile from host:6060", done = seconds elapsed and total = the
 * duration in seconds; while the body downloads, with what = "downloading", done = bytes and
 * total = the announced length or 0. ctx must outlive the transfer. */
int gs_fetch_open(const struct gs_fetch_req *req, struct gs_ctx *ctx, struct gs_fetch **out);

/* Reads up to cap bytes of the body into buf; *got = 0 at its end. The body is capped at
 * ctx->limits.input_bytes (-E2BIG past it). Transfer errors as for gs_fetch_open. The
 * signature matches gs_read_fn (profile.h) so a transfer can feed a stream decoder directly;
 * arg is the struct gs_fetch. */
int gs_fetch_read(void *arg, void *buf, size_t cap, size_t *got);

/* Body bytes delivered so far. */
uint64_t gs_fetch_bytes(const struct gs_fetch *f);

/* The Content-Type of the answer ("" if none). Valid until gs_fetch_free. */
const char *gs_fetch_content_type(const struct gs_fetch *f);

/* Ends the transfer (aborting it if unfinished) and frees it. NULL is fine. */
void gs_fetch_free(struct gs_fetch *f);

/* Convenience: open, read the whole body into body (which the caller initialised; its own
 * max also applies), close. Errors as above. */
int gs_fetch_all(const struct gs_fetch_req *req, struct gs_ctx *ctx, struct gs_buf *body);

#endif
