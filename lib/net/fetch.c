/* Fetching a profile over HTTP with libcurl, as a pull stream: gs_fetch_read drives a
 * curl multi handle until the next body bytes arrive, so a decoder can consume the body as it
 * downloads and memory stays bounded by what the caller keeps. Handles timeouts, redirects
 * (http/https only), the countdown of timed profiles, the body cap and turning non-200
 * answers into the server's own one-line message. It does not normalise URLs (url.c).
 */
#include <curl/curl.h>
#include <strings.h>
#include <time.h>

#include "goscope/net.h"

#define NS_PER_S 1000000000LL
#define MAX_REDIRECTS 5
/* How much of a non-200 body is kept for the message: Go's pprof handlers answer one line. */
#define ERROR_BODY_MAX 4096
/* How long one wait for socket activity may last before progress is reported again. */
#define POLL_MS 250

struct gs_fetch {
	struct gs_ctx *ctx;
	CURLM *multi;
	CURL *easy;
	bool global_init;
	bool done;
	CURLcode result;
	long status;             /* final HTTP status; 0 until the first body byte or the end */
	char status_text[128];   /* "404 Not Found" from the last status line */
	struct gs_buf pending;   /* body bytes received and not yet read */
	size_t pending_off;
	struct gs_buf error_body; /* body of a non-200 answer, capped */
	uint64_t bytes;          /* body bytes received */
	uint64_t max_bytes;
	int stop_err;            /* why a callback stopped the transfer (-E2BIG, -ECANCELED...) */
	bool timed;
	int64_t duration_ns;
	int64_t timeout_ns;
	struct timespec start;
	char what[320];          /* "collecting 30s cpu profile from host:6060" */
	char host[256];
	char errbuf[CURL_ERROR_SIZE];
};

static int64_t elapsed_ns(const struct gs_fetch *f)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(now.tv_sec - f->start.tv_sec) * NS_PER_S + (now.tv_nsec - f->start.tv_nsec);
}

static size_t pending_left(const struct gs_fetch *f)
{
	return f->pending.len - f->pending_off;
}

static void learn_status(struct gs_fetch *f)
{
	if (!f->status)
		curl_easy_getinfo(f->easy, CURLINFO_RESPONSE_CODE, &f->status);
}

/* Status lines of every answer (redirects included) pass here; the last one wins. */
static size_t on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct gs_fetch *f = arg;
	size_t n = size * nmemb;
	if (n > 5 && !memcmp(data, "HTTP/", 5)) {
		const char *sp = memchr(data, ' ', n);
		size_t len = 0;
		if (sp) {
			sp++;
			while (sp + len < data + n && len + 1 < sizeof(f->status_text) &&
			       sp[len] != '\r' && sp[len] != '\n')
				len++;
			for (size_t i = 0; i < len; i++)
				f->status_text[i] = sp[i] >= ' ' && sp[i] < 0x7f ? sp[i] : '?';
		}
		f->status_text[len] = '\0';
		f->status = 0;
	}
	return n;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct gs_fetch *f = arg;
	size_t n = size * nmemb;
	learn_status(f);
	if (f->status != 200) {
		size_t room = ERROR_BODY_MAX - f->error_body.len;
		if (gs_buf_add(&f->error_body, data, n < room ? n : room))
			return 0;
		/* Enough for a message: stop rather than download a large error page. */
		return f->error_body.len >= ERROR_BODY_MAX ? 0 : n;
	}
	if (f->bytes + n > f->max_bytes) {
		f->stop_err = gs_ctx_err(f->ctx, -E2BIG, "answer is larger than the %llu-byte input cap",
					 (unsigned long long)f->max_bytes);
		return 0;
	}
	if (f->pending_off == f->pending.len) {
		gs_buf_reset(&f->pending);
		f->pending_off = 0;
	}
	if (gs_buf_add(&f->pending, data, n)) {
		f->stop_err = gs_ctx_err(f->ctx, -ENOMEM, "out of memory");
		return 0;
	}
	f->bytes += n;
	return n;
}

static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct gs_fetch *f = arg;
	int err;
	if (f->bytes == 0 && f->timed) {
		uint64_t total = (uint64_t)((f->duration_ns + NS_PER_S - 1) / NS_PER_S);
		uint64_t done = (uint64_t)(elapsed_ns(f) / NS_PER_S);
		err = gs_ctx_progress(f->ctx, f->what, done < total ? done : total, total);
	} else if (f->bytes > 0) {
		err = gs_ctx_progress(f->ctx, "downloading", f->bytes,
				      dltotal > 0 ? (uint64_t)dltotal : 0);
	} else {
		err = 0;
	}
	if (err) {
		f->stop_err = gs_ctx_err(f->ctx, -ECANCELED, "interrupted");
		return 1;
	}
	return 0;
}

static void describe(struct gs_fetch *f, const struct gs_fetch_req *req)
{
	char dur[32];
	snprintf(dur, sizeof(dur), "%.9g", (double)req->duration_ns / 1e9);
	if (!strcmp(req->type, "profile"))
		snprintf(f->what, sizeof(f->what), "collecting %ss cpu profile from %s", dur, req->host);
	else if (!strcmp(req->type, "trace"))
		snprintf(f->what, sizeof(f->what), "collecting %ss trace from %s", dur, req->host);
	else
		snprintf(f->what, sizeof(f->what), "collecting %ss %s profile from %s", dur,
			 req->type[0] ? req->type : "", req->host);
}

/* The server's text, made safe for a terminal and cut to its first non-empty line. */
static void first_line(const struct gs_buf *b, char *out, size_t cap)
{
	size_t i = 0, n = 0;
	while (i < b->len && (b->data[i] == '\n' || b->data[i] == '\r' || b->data[i] == ' '))
		i++;
	for (; i < b->len && b->data[i] != '\n' && b->data[i] != '\r' && n + 1 < cap; i++) {
		unsigned char c = (unsigned char)b->data[i];
		out[n++] = c == '\t' ? ' ' : (c >= ' ' && c < 0x7f ? (char)c : '?');
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

static int status_error(struct gs_fetch *f)
{
	char text[320], status[160];
	char *ct = NULL;
	int err;
	curl_easy_getinfo(f->easy, CURLINFO_CONTENT_TYPE, &ct);
	if (f->status_text[0])
		snprintf(status, sizeof(status), "%s", f->status_text);
	else
		snprintf(status, sizeof(status), "HTTP status %ld", f->status);
	switch (f->status) {
	case 404:
		err = -ENOENT;
		break;
	case 401:
	case 403:
		err = -EACCES;
		break;
	case 408:
	case 504:
		err = -ETIMEDOUT;
		break;
	default:
		err = -EPROTO;
	}
	text[0] = '\0';
	/* Go's pprof handlers answer errors in text/plain (with X-Go-Pprof: 1); an HTML error
	 * page from a proxy says nothing a status line doesn't. */
	if (!ct || !strncasecmp(ct, "text/plain", 10))
		first_line(&f->error_body, text, sizeof(text));
	if (text[0])
		return gs_ctx_err(f->ctx, err, "%s: server said: %s", status, text);
	return gs_ctx_err(f->ctx, err, "server answered %s", status);
}

static int transfer_error(struct gs_fetch *f)
{
	long os_errno = 0;
	double t = (double)f->timeout_ns / 1e9;
	if (f->stop_err)
		return f->stop_err;
	curl_easy_getinfo(f->easy, CURLINFO_OS_ERRNO, &os_errno);
	switch (f->result) {
	case CURLE_OK:
		return 0;
	case CURLE_COULDNT_CONNECT:
		if (os_errno == ECONNREFUSED)
			return gs_ctx_err(f->ctx, -ECONNREFUSED, "cannot connect to %s: %s", f->host,
					  strerror(ECONNREFUSED));
		if (os_errno)
			return gs_ctx_err(f->ctx, -(int)os_errno, "cannot connect to %s: %s", f->host,
					  strerror((int)os_errno));
		return gs_ctx_err(f->ctx, -ECONNREFUSED, "cannot connect to %s: %s", f->host,
				  f->errbuf[0] ? f->errbuf : "connection failed");
	case CURLE_COULDNT_RESOLVE_HOST:
		return gs_ctx_err(f->ctx, -EHOSTUNREACH, "cannot resolve host '%s'", f->host);
	case CURLE_OPERATION_TIMEDOUT:
		if (f->timed)
			return gs_ctx_err(f->ctx, -ETIMEDOUT,
					  "no complete answer within %.9gs (for a %.9gs profile)", t,
					  (double)f->duration_ns / 1e9);
		return gs_ctx_err(f->ctx, -ETIMEDOUT, "no complete answer within %.9gs", t);
	case CURLE_TOO_MANY_REDIRECTS:
		return gs_ctx_err(f->ctx, -ELOOP, "more than %d redirects", MAX_REDIRECTS);
	case CURLE_UNSUPPORTED_PROTOCOL:
		return gs_ctx_err(f->ctx, -EINVAL, "redirected to a scheme other than http or https");
	case CURLE_GOT_NOTHING:
		return gs_ctx_err(f->ctx, -ECONNRESET, "the server closed the connection without answering");
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
		return gs_ctx_err(f->ctx, -ECONNRESET, "the answer was cut off after %llu bytes",
				  (unsigned long long)f->bytes);
	default:
		return gs_ctx_err(f->ctx, -EIO, "%s", f->errbuf[0] ? f->errbuf
								   : curl_easy_strerror(f->result));
	}
}

/* One round of the event loop: let curl work, note whether the transfer ended, and wait for
 * the socket when there is nothing to hand out. */
static int pump(struct gs_fetch *f)
{
	int running = 0, left;
	CURLMcode mc = curl_multi_perform(f->multi, &running);
	if (mc != CURLM_OK)
		return gs_ctx_err(f->ctx, -EIO, "%s", curl_multi_strerror(mc));
	CURLMsg *msg;
	while ((msg = curl_multi_info_read(f->multi, &left)))
		if (msg->msg == CURLMSG_DONE && msg->easy_handle == f->easy) {
			f->done = true;
			f->result = msg->data.result;
		}
	if (!f->done && pending_left(f) == 0) {
		mc = curl_multi_poll(f->multi, NULL, 0, POLL_MS, NULL);
		if (mc != CURLM_OK)
			return gs_ctx_err(f->ctx, -EIO, "%s", curl_multi_strerror(mc));
	}
	return 0;
}

void gs_fetch_free(struct gs_fetch *f)
{
	if (!f)
		return;
	if (f->multi && f->easy)
		curl_multi_remove_handle(f->multi, f->easy);
	if (f->easy)
		curl_easy_cleanup(f->easy);
	if (f->multi)
		curl_multi_cleanup(f->multi);
	if (f->global_init)
		curl_global_cleanup();
	gs_buf_release(&f->pending);
	gs_buf_release(&f->error_body);
	free(f);
}

static int setup(struct gs_fetch *f, const struct gs_fetch_req *req)
{
	CURL *e = f->easy;
	/* curl's timeouts are longs of milliseconds; INT64_MAX ns is about 292 years */
	long timeout_ms = (long)(req->timeout_ns / 1000000);
	CURLcode rc = CURLE_OK;
#define SET(opt, val)                                                                              \
	do {                                                                                       \
		if (rc == CURLE_OK)                                                                \
			rc = curl_easy_setopt(e, opt, val);                                        \
	} while (0)
	SET(CURLOPT_URL, req->url);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_USERAGENT, "goscope/" GS_VERSION);
	SET(CURLOPT_FOLLOWLOCATION, 1L);
	SET(CURLOPT_MAXREDIRS, (long)MAX_REDIRECTS);
#if LIBCURL_VERSION_NUM >= 0x075500
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	SET(CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SET(CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : 1L);
	SET(CURLOPT_ERRORBUFFER, f->errbuf);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, f);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, f);
	SET(CURLOPT_XFERINFOFUNCTION, on_progress);
	SET(CURLOPT_XFERINFODATA, f);
	SET(CURLOPT_NOPROGRESS, 0L);
	if (req->insecure) {
		SET(CURLOPT_SSL_VERIFYPEER, 0L);
		SET(CURLOPT_SSL_VERIFYHOST, 0L);
	}
#undef SET
	if (rc != CURLE_OK)
		return gs_ctx_err(f->ctx, -EIO, "cannot set up the request: %s",
				  curl_easy_strerror(rc));
	return 0;
}

int gs_fetch_open(const struct gs_fetch_req *req, struct gs_ctx *ctx, struct gs_fetch **out)
{
	struct gs_fetch *f;
	int err;
	*out = NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return gs_ctx_err(ctx, -ENOMEM, "out of memory");
	f->ctx = ctx;
	f->max_bytes = ctx->limits.input_bytes;
	f->timed = req->timed;
	f->duration_ns = req->duration_ns;
	f->timeout_ns = req->timeout_ns;
	snprintf(f->host, sizeof(f->host), "%s", req->host);
	gs_buf_init(&f->pending, 0);
	gs_buf_init(&f->error_body, ERROR_BODY_MAX);
	describe(f, req);
	clock_gettime(CLOCK_MONOTONIC, &f->start);

	/* libcurl wants curl_global_init before any handle. Since 7.84 it is thread-safe and
	 * reference-counted, so a library call that pairs it with curl_global_cleanup keeps no
	 * global state of its own and does not disturb an application that initialised curl
	 * itself. With an older libcurl, a program fetching from several threads at once must
	 * call curl_global_init once at start-up; the goscope CLI runs one fetch at a time. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		free(f);
		return gs_ctx_err(ctx, -EIO, "cannot initialise libcurl");
	}
	f->global_init = true;
	f->multi = curl_multi_init();
	f->easy = curl_easy_init();
	if (!f->multi || !f->easy) {
		err = gs_ctx_err(ctx, -ENOMEM, "cannot create an HTTP transfer");
		goto fail;
	}
	if ((err = setup(f, req)))
		goto fail;
	if (curl_multi_add_handle(f->multi, f->easy) != CURLM_OK) {
		err = gs_ctx_err(ctx, -EIO, "cannot start the HTTP transfer");
		goto fail;
	}

	/* Wait for the first body bytes (or the end), which tells the status. */
	while (!f->done && pending_left(f) == 0 && f->error_body.len == 0)
		if ((err = pump(f)))
			goto fail;
	learn_status(f);
	if (f->status && f->status != 200) {
		while (!f->done)
			if ((err = pump(f)))
				goto fail;
		/* A transfer that failed on its own (too many redirects, cancelled) says so; one
		 * stopped because the error text was long enough, or complete, shows the text. */
		if (f->stop_err || (f->result != CURLE_OK && f->result != CURLE_WRITE_ERROR &&
				    f->error_body.len == 0))
			err = transfer_error(f);
		else
			err = status_error(f);
		goto fail;
	}
	if (f->done && (err = transfer_error(f)))
		goto fail;
	if (f->done && f->status != 200) {
		err = gs_ctx_err(ctx, -EPROTO, "no HTTP answer");
		goto fail;
	}
	*out = f;
	return 0;
fail:
	gs_fetch_free(f);
	return err;
}

int gs_fetch_read(void *arg, void *buf, size_t cap, size_t *got)
{
	struct gs_fetch *f = arg;
	int err;
	*got = 0;
	while (pending_left(f) == 0 && !f->done)
		if ((err = pump(f)))
			return err;
	if (pending_left(f) > 0) {
		size_t n = pending_left(f) < cap ? pending_left(f) : cap;
		memcpy(buf, f->pending.data + f->pending_off, n);
		f->pending_off += n;
		*got = n;
		return 0;
	}
	return transfer_error(f);
}

uint64_t gs_fetch_bytes(const struct gs_fetch *f)
{
	return f->bytes;
}

const char *gs_fetch_content_type(const struct gs_fetch *f)
{
	char *ct = NULL;
	curl_easy_getinfo(f->easy, CURLINFO_CONTENT_TYPE, &ct);
	return ct ? ct : "";
}

int gs_fetch_all(const struct gs_fetch_req *req, struct gs_ctx *ctx, struct gs_buf *body)
{
	struct gs_fetch *f;
	char chunk[65536];
	int err = gs_fetch_open(req, ctx, &f);
	if (err)
		return err;
	for (;;) {
		size_t got;
		err = gs_fetch_read(f, chunk, sizeof(chunk), &got);
		if (err || got == 0)
			break;
		if ((err = gs_buf_add(body, chunk, got))) {
			if (err == -E2BIG)
				err = gs_ctx_err(ctx, err, "answer is larger than %zu bytes", body->max);
			else
				err = gs_ctx_err(ctx, err, "out of memory");
			break;
		}
	}
	gs_fetch_free(f);
	return err;
}
