/* Profile sources on the command line: a file path, "-" for stdin, or a URL of a live
 * service's /debug/pprof/ endpoint ("host:port" shorthand accepted). */
#ifndef GOSCOPE_SOURCE_H
#define GOSCOPE_SOURCE_H

#include "goscope/profile.h"

struct gs_source_opts {
	int64_t seconds_ns; /* duration of a timed profile fetched over HTTP; 0 = the URL's or default */
	int64_t timeout_ns; /* 0 = duration * 1.5 + 5 s, or 60 s without a duration */
};

/* Reads and parses one source. On failure prints nothing: the context holds the reason and
 * the caller prints "cannot read 'SRC': reason". */
int gs_source_load(const char *src, const struct gs_source_opts *opts, struct gs_ctx *ctx,
		   struct gs_profile **out);

/* Does src look like a URL rather than a file path (scheme://, or host:port[/path] with no such
 * file)? */
bool gs_source_is_url(const char *src);

#endif
