/* Loading profile sources: files (or stdin), and URLs of live services through the HTTP
 * fetcher (lib/net), whose body is decoded as it downloads. */
#include <sys/stat.h>

#include "cli.h"
#include "goscope/goroutine.h"
#include "goscope/net.h"
#include "source.h"

bool gs_source_is_url(const char *src)
{
	struct stat st;
	if (strstr(src, "://"))
		return true;
	if (!strcmp(src, "-") || stat(src, &st) == 0)
		return false;
	/* host:port or host:port/path; [v6 address]:port too */
	const char *colon = strchr(src, ':');
	if (src[0] == '[') {
		const char *close = strchr(src, ']');
		colon = close && close[1] == ':' ? close + 1 : NULL;
	}
	if (!colon || colon == src)
		return false;
	const char *p = colon + 1;
	if (*p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	return *p == '\0' || *p == '/';
}

/* Parses text or binary input: goroutine dump text becomes a goroutine profile (so that
 * top, traces and flame read dumps), anything else goes to the profile parser. */
static int parse_any(const void *data, size_t len, struct gs_ctx *ctx, struct gs_profile **out)
{
	struct gs_snapshot *s;
	if (!gs_gdump_detect(data, len))
		return gs_profile_parse(data, len, ctx, out);
	int err = gs_gdump_parse(data, len, ctx, &s);
	if (err)
		return err;
	err = gs_snapshot_to_profile(s, NULL, ctx, out);
	gs_snapshot_free(s);
	return err;
}

/* The transfer as a read callback for the stream decoder, keeping the fetcher's own message:
 * the decoder words read errors generically ("read error: ..."), while "404 Not Found:
 * server said: ..." or "no complete answer within 6.5s" is what the user needs. */
struct url_reader {
	struct gs_fetch *fetch;
	struct gs_ctx *ctx;
	int err;
	char msg[sizeof(((struct gs_ctx *)0)->errmsg)];
};

static int url_read(void *arg, void *buf, size_t cap, size_t *got)
{
	struct url_reader *r = arg;
	int err = gs_fetch_read(r->fetch, buf, cap, got);
	if (err) {
		r->err = err;
		snprintf(r->msg, sizeof(r->msg), "%s", gs_ctx_errmsg(r->ctx));
	}
	return err;
}

static int load_url(const char *src, const struct gs_source_opts *opts, struct gs_ctx *ctx,
		    struct gs_profile **out)
{
	struct gs_fetch_opts fo;
	struct gs_fetch_req req;
	struct url_reader r = {.ctx = ctx};
	int err;

	*out = NULL;
	gs_fetch_opts_init(&fo);
	if (opts) {
		fo.seconds_ns = opts->seconds_ns;
		fo.timeout_ns = opts->timeout_ns;
	}
	if ((err = gs_fetch_req_init(&req, src, &fo, ctx)))
		return err;
	if (!strcmp(req.type, "trace"))
		return gs_ctx_err(ctx, -ENOTSUP,
				  "an execution trace is not a profile (save it with 'goscope fetch')");
	if (req.debug > 0) {
		/* Text formats are small and detected on the whole body. */
		struct gs_buf body;
		gs_buf_init(&body, 0);
		err = gs_fetch_all(&req, ctx, &body);
		if (!err)
			err = parse_any(body.data, body.len, ctx, out);
		gs_buf_release(&body);
		return err;
	}
	if ((err = gs_fetch_open(&req, ctx, &r.fetch)))
		return err;
	err = gs_profile_parse_stream(url_read, &r, ctx, out);
	gs_fetch_free(r.fetch);
	if (err && r.err)
		err = gs_ctx_err(ctx, r.err, "%s", r.msg);
	return err;
}

int gs_source_load(const char *src, const struct gs_source_opts *opts, struct gs_ctx *ctx,
		   struct gs_profile **out)
{
	char *data;
	size_t len;
	int err;
	ctx->errmsg[0] = '\0';
	if (gs_source_is_url(src))
		return load_url(src, opts, ctx, out);
	err = gs_read_file(src, ctx, &data, &len);
	if (err)
		return err;
	err = parse_any(data, len, ctx, out);
	free(data);
	return err;
}
