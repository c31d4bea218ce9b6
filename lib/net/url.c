/* Normalising what a user typed into an HTTP request for a /debug/pprof/ endpoint, the way
 * `go tool pprof` reads its sources (host:port shorthand, empty path = CPU profile,
 * https+insecure), plus goscope's --type, and the duration and timeout that follow from the
 * query. Pure string work: no sockets, no libcurl.
 */
#include <strings.h>

#include "goscope/net.h"

#define NS_PER_S 1000000000LL

/* What the server does when ?seconds= is absent (net/http/pprof: Profile and Trace). */
#define CPU_DEFAULT_NS (30 * NS_PER_S)
#define TRACE_DEFAULT_NS (1 * NS_PER_S)
#define TIMEOUT_DEFAULT_NS (60 * NS_PER_S)
#define TIMEOUT_SLACK_NS (5 * NS_PER_S)

/* One query parameter, pointing into the source text or into a formatted value. */
struct param {
	const char *key;
	size_t key_len;
	const char *val;
	size_t val_len;
};

#define MAX_PARAMS 64

void gs_fetch_opts_init(struct gs_fetch_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->debug = -1;
	o->gc = -1;
}

static bool valid_type_name(const char *t)
{
	if (!*t || strlen(t) >= sizeof(((struct gs_fetch_req *)0)->type))
		return false;
	for (; *t; t++)
		if (!((*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') || (*t >= '0' && *t <= '9') ||
		      *t == '_' || *t == '-' || *t == '.'))
			return false;
	return true;
}

static size_t span_until(const char *s, const char *stops)
{
	return strcspn(s, stops);
}

static int parse_query(const char *q, size_t len, struct param *params, size_t *n,
		       struct gs_ctx *ctx)
{
	size_t i = 0;
	*n = 0;
	while (i < len) {
		size_t end = i;
		while (end < len && q[end] != '&')
			end++;
		if (end > i) {
			if (*n >= MAX_PARAMS)
				return gs_ctx_err(ctx, -E2BIG, "more than %d query parameters",
						  MAX_PARAMS);
			struct param *p = &params[(*n)++];
			const char *eq = memchr(q + i, '=', end - i);
			p->key = q + i;
			p->key_len = eq ? (size_t)(eq - (q + i)) : end - i;
			p->val = eq ? eq + 1 : q + end;
			p->val_len = eq ? (size_t)(q + end - (eq + 1)) : 0;
		}
		i = end + 1;
	}
	return 0;
}

static struct param *find_param(struct param *params, size_t n, const char *key)
{
	size_t kl = strlen(key);
	for (size_t i = 0; i < n; i++)
		if (params[i].key_len == kl && !memcmp(params[i].key, key, kl))
			return &params[i];
	return NULL;
}

static int set_param(struct param *params, size_t *n, const char *key, const char *val,
		     struct gs_ctx *ctx)
{
	struct param *p = find_param(params, *n, key);
	if (!p) {
		if (*n >= MAX_PARAMS)
			return gs_ctx_err(ctx, -E2BIG, "more than %d query parameters", MAX_PARAMS);
		p = &params[(*n)++];
		p->key = key;
		p->key_len = strlen(key);
	}
	p->val = val;
	p->val_len = strlen(val);
	return 0;
}

/* Whole seconds as an integer (what net/http/pprof's Profile parses); fractions, which only
 * the trace handler accepts, with up to nanosecond precision and no trailing zeros. */
static void format_seconds(char *buf, size_t n, int64_t ns)
{
	if (ns % NS_PER_S == 0) {
		snprintf(buf, n, "%lld", (long long)(ns / NS_PER_S));
		return;
	}
	snprintf(buf, n, "%lld.%09lld", (long long)(ns / NS_PER_S), (long long)(ns % NS_PER_S));
	size_t len = strlen(buf);
	while (len > 0 && buf[len - 1] == '0')
		buf[--len] = '\0';
}

/* A parameter's value as a C string in tmp; false if absent, empty or too long. */
static bool param_value(const struct param *p, char *tmp, size_t cap)
{
	if (!p || p->val_len == 0 || p->val_len >= cap)
		return false;
	memcpy(tmp, p->val, p->val_len);
	tmp[p->val_len] = '\0';
	return true;
}

/* The seconds parameter as nanoseconds, or 0 if absent or not a positive number (the server
 * then rejects it or uses its default; either way we know no duration). */
static int64_t param_seconds_ns(const struct param *p)
{
	char tmp[64];
	double d;
	if (!param_value(p, tmp, sizeof(tmp)) || gs_parse_f64(tmp, &d) || !(d > 0))
		return 0;
	return d > 1e9 ? (int64_t)1e18 : (int64_t)(d * 1e9); /* 1e9 s: forever, without overflow */
}

static int64_t param_int(const struct param *p)
{
	char tmp[32];
	int64_t v;
	if (!param_value(p, tmp, sizeof(tmp)) || gs_parse_i64(tmp, &v))
		return 0;
	return v;
}

int gs_fetch_req_init(struct gs_fetch_req *req, const char *src, const struct gs_fetch_opts *opts,
		      struct gs_ctx *ctx)
{
	struct gs_fetch_opts defaults;
	struct param params[MAX_PARAMS];
	size_t n_params = 0;
	char seconds_val[40], debug_val[24], gc_val[24];
	struct gs_buf path = GS_BUF_INIT, url = GS_BUF_INIT;
	const char *type = NULL;
	int err = 0;

	memset(req, 0, sizeof(*req));
	if (!opts) {
		gs_fetch_opts_init(&defaults);
		opts = &defaults;
	}
	for (const char *c = src; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			return gs_ctx_err(ctx, -EINVAL, "URL contains a space or control character");
	if (strlen(src) >= GS_FETCH_URL_MAX)
		return gs_ctx_err(ctx, -E2BIG, "URL is longer than %d bytes", GS_FETCH_URL_MAX - 1);

	/* Scheme: none means http, like go tool pprof's second url.Parse with "http://". */
	const char *scheme = "http";
	const char *rest = src;
	const char *sep = strstr(src, "://");
	if (sep) {
		size_t sl = (size_t)(sep - src);
		if (sl == 4 && !strncasecmp(src, "http", 4))
			scheme = "http";
		else if (sl == 5 && !strncasecmp(src, "https", 5))
			scheme = "https";
		else if (sl == 14 && !strncasecmp(src, "https+insecure", 14)) {
			scheme = "https";
			req->insecure = true;
		} else
			return gs_ctx_err(ctx, -EINVAL,
					  "unsupported scheme '%.*s' (use http, https or https+insecure)",
					  (int)sl, src);
		rest = sep + 3;
	}

	/* Authority: host[:port], possibly with user:password@ in front. */
	size_t auth_len = span_until(rest, "/?#");
	if (auth_len == 0)
		return gs_ctx_err(ctx, -EINVAL, "URL has no host");
	const char *host = rest;
	const char *at = memchr(rest, '@', auth_len);
	if (at)
		host = at + 1;
	size_t host_len = (size_t)(rest + auth_len - host);
	if (host_len == 0)
		return gs_ctx_err(ctx, -EINVAL, "URL has no host");
	if (host_len >= sizeof(req->host))
		return gs_ctx_err(ctx, -E2BIG, "host name is longer than %zu bytes",
				  sizeof(req->host) - 1);
	memcpy(req->host, host, host_len);
	req->host[host_len] = '\0';

	const char *p = rest + auth_len;
	size_t path_len = span_until(p, "?#");
	const char *query = NULL;
	size_t query_len = 0;
	if (p[path_len] == '?') {
		query = p + path_len + 1;
		query_len = span_until(query, "#");
	}

	if (opts->type) {
		type = !strcmp(opts->type, "cpu") ? "profile" : opts->type;
		if (!valid_type_name(type))
			return gs_ctx_err(ctx, -EINVAL, "invalid profile type '%s'", opts->type);
	}

	gs_buf_init(&path, GS_FETCH_URL_MAX);
	gs_buf_init(&url, GS_FETCH_URL_MAX);
	const char *dp = NULL;
	for (const char *s = p; (s = strstr(s, "/debug/pprof/")) && s < p + path_len; s++)
		dp = s; /* the last one, should a prefix repeat it */
	if (path_len == 0 || (path_len == 1 && p[0] == '/')) {
		/* cmd/pprof's rule: an address alone means its CPU profile. */
		err = gs_buf_addf(&path, "/debug/pprof/%s", type ? type : "profile");
	} else if (type) {
		if (!dp) {
			err = gs_ctx_err(ctx, -EINVAL,
					 "a profile type needs a URL under /debug/pprof/ (the path is '%.*s')",
					 (int)path_len, p);
			goto out;
		}
		err = gs_buf_add(&path, p, (size_t)(dp - p));
		if (!err)
			err = gs_buf_addf(&path, "/debug/pprof/%s", type);
	} else {
		err = gs_buf_add(&path, p, path_len);
	}
	if (err)
		goto too_long;

	/* The type the path names: what follows /debug/pprof/, else the last element. */
	const char *tail = strstr(path.data, "/debug/pprof/");
	if (tail) {
		const char *next;
		while ((next = strstr(tail + 1, "/debug/pprof/")))
			tail = next;
		tail += strlen("/debug/pprof/");
	} else {
		tail = strrchr(path.data, '/');
		tail = tail ? tail + 1 : path.data;
	}
	if (strlen(tail) < sizeof(req->type) && !strchr(tail, '/'))
		snprintf(req->type, sizeof(req->type), "%s", tail);

	if ((err = parse_query(query ? query : "", query_len, params, &n_params, ctx)))
		goto out;
	if (opts->seconds_ns > 0) {
		format_seconds(seconds_val, sizeof(seconds_val), opts->seconds_ns);
		if ((err = set_param(params, &n_params, "seconds", seconds_val, ctx)))
			goto out;
	}
	if (opts->debug >= 0) {
		snprintf(debug_val, sizeof(debug_val), "%lld", (long long)opts->debug);
		if ((err = set_param(params, &n_params, "debug", debug_val, ctx)))
			goto out;
	}
	if (opts->gc >= 0) {
		snprintf(gc_val, sizeof(gc_val), "%lld", (long long)opts->gc);
		if ((err = set_param(params, &n_params, "gc", gc_val, ctx)))
			goto out;
	}

	int64_t seconds_ns = param_seconds_ns(find_param(params, n_params, "seconds"));
	req->debug = param_int(find_param(params, n_params, "debug"));
	if (!strcmp(req->type, "profile")) {
		req->timed = true;
		req->duration_ns = seconds_ns ? seconds_ns : CPU_DEFAULT_NS;
	} else if (!strcmp(req->type, "trace")) {
		req->timed = true;
		req->duration_ns = seconds_ns ? seconds_ns : TRACE_DEFAULT_NS;
	} else if (seconds_ns) {
		/* A delta profile: the server sleeps for the duration between two snapshots. */
		req->timed = true;
		req->duration_ns = seconds_ns;
	}
	if (opts->timeout_ns > 0)
		req->timeout_ns = opts->timeout_ns;
	else if (req->duration_ns > (INT64_MAX - TIMEOUT_SLACK_NS) / 3 * 2)
		req->timeout_ns = INT64_MAX; /* absurd durations: no overflow, effectively none */
	else if (req->duration_ns > 0)
		req->timeout_ns = req->duration_ns + req->duration_ns / 2 + TIMEOUT_SLACK_NS;
	else
		req->timeout_ns = TIMEOUT_DEFAULT_NS;

	err = gs_buf_addf(&url, "%s://%.*s%s", scheme, (int)auth_len, rest, path.data);
	for (size_t i = 0; !err && i < n_params; i++)
		err = gs_buf_addf(&url, "%c%.*s%s%.*s", i ? '&' : '?', (int)params[i].key_len,
				  params[i].key, params[i].val_len || params[i].key_len ? "=" : "",
				  (int)params[i].val_len, params[i].val);
	if (err)
		goto too_long;
	snprintf(req->url, sizeof(req->url), "%s", url.data);
	goto out;

too_long:
	if (err == -E2BIG)
		err = gs_ctx_err(ctx, err, "URL is longer than %d bytes", GS_FETCH_URL_MAX - 1);
	else
		err = gs_ctx_err(ctx, err, "out of memory");
out:
	gs_buf_release(&path);
	gs_buf_release(&url);
	return err;
}
