/* Unit tests for lib/net: normalising sources into requests (host:port shorthand, schemes,
 * default path, --type, query building, duration and timeout). Transfers themselves are tested
 * against a real Go service by tests/cli/t05xx-fetch*.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "goscope/net.h"

#define S(n) ((int64_t)(n) * 1000000000LL)

struct url_case {
	const char *src;
	const char *type;   /* opts.type */
	int64_t seconds_ns; /* opts.seconds_ns */
	int64_t debug;      /* opts.debug */
	int64_t gc;         /* opts.gc */
	int64_t timeout_ns; /* opts.timeout_ns */
	/* expected */
	const char *url;
	const char *host;
	const char *req_type;
	int64_t duration_ns;
	int64_t want_timeout_ns;
	bool insecure;
	bool timed;
};

static const struct url_case url_cases[] = {
	/* host:port alone: the CPU profile, 30 s server default, timeout 30*1.5+5 */
	{"localhost:6060", NULL, 0, -1, -1, 0, "http://localhost:6060/debug/pprof/profile",
	 "localhost:6060", "profile", S(30), S(50), false, true},
	{"http://localhost:6060/", NULL, 0, -1, -1, 0, "http://localhost:6060/debug/pprof/profile",
	 "localhost:6060", "profile", S(30), S(50), false, true},
	/* host:port with --type */
	{"127.0.0.1:8080", "heap", 0, -1, -1, 0, "http://127.0.0.1:8080/debug/pprof/heap",
	 "127.0.0.1:8080", "heap", 0, S(60), false, false},
	{"127.0.0.1:8080", "cpu", S(5), -1, -1, 0,
	 "http://127.0.0.1:8080/debug/pprof/profile?seconds=5", "127.0.0.1:8080", "profile", S(5),
	 S(5) + S(5) / 2 + S(5), false, true},
	/* the URL's own seconds sets the duration */
	{"http://svc:6060/debug/pprof/profile?seconds=10", NULL, 0, -1, -1, 0,
	 "http://svc:6060/debug/pprof/profile?seconds=10", "svc:6060", "profile", S(10), S(20),
	 false, true},
	/* --seconds replaces it in place and keeps other parameters in order */
	{"svc:6060/debug/pprof/profile?a=1&seconds=10&b=2", NULL, S(3), -1, -1, 0,
	 "http://svc:6060/debug/pprof/profile?a=1&seconds=3&b=2", "svc:6060", "profile", S(3),
	 S(3) + S(3) / 2 + S(5), false, true},
	/* --type replaces the type of a /debug/pprof/ path, behind a prefix too */
	{"http://svc/admin/debug/pprof/heap?debug=1", "goroutine", 0, -1, -1, 0,
	 "http://svc/admin/debug/pprof/goroutine?debug=1", "svc", "goroutine", 0, S(60), false,
	 false},
	/* seconds on a non-CPU type is a delta profile: timed */
	{"svc:1/debug/pprof/allocs", NULL, S(2), -1, -1, 0,
	 "http://svc:1/debug/pprof/allocs?seconds=2", "svc:1", "allocs", S(2), S(8), false, true},
	/* trace: 1 s by default; fractional seconds kept */
	{"svc:1", "trace", 0, -1, -1, 0, "http://svc:1/debug/pprof/trace", "svc:1", "trace", S(1),
	 S(1) + S(1) / 2 + S(5), false, true},
	{"svc:1", "trace", 1500000000, -1, -1, 0, "http://svc:1/debug/pprof/trace?seconds=1.5",
	 "svc:1", "trace", 1500000000, S(5) + 2250000000LL, false, true},
	/* debug and gc are set; an explicit timeout wins */
	{"svc:1", "heap", 0, 1, 1, S(7), "http://svc:1/debug/pprof/heap?debug=1&gc=1", "svc:1",
	 "heap", 0, S(7), false, false},
	/* https+insecure becomes https without certificate checks; user info stays in the URL but
	 * not in the host */
	{"https+insecure://u:p@svc.example:443/debug/pprof/mutex", NULL, 0, -1, -1, 0,
	 "https://u:p@svc.example:443/debug/pprof/mutex", "svc.example:443", "mutex", 0, S(60), true,
	 false},
	{"HTTPS://svc/debug/pprof/block#frag", NULL, 0, -1, -1, 0, "https://svc/debug/pprof/block",
	 "svc", "block", 0, S(60), false, false},
	/* a non-pprof path keeps its last element as the type */
	{"http://svc/custom/cpu.pb.gz", NULL, 0, -1, -1, 0, "http://svc/custom/cpu.pb.gz", "svc",
	 "cpu.pb.gz", 0, S(60), false, false},
	/* IPv6 literal */
	{"[::1]:6060", "goroutine", 0, -1, -1, 0, "http://[::1]:6060/debug/pprof/goroutine",
	 "[::1]:6060", "goroutine", 0, S(60), false, false},
};

static void test_url_normalise(void **state)
{
	for (size_t i = 0; i < GS_ARRAY_LEN(url_cases); i++) {
		const struct url_case *c = &url_cases[i];
		struct gs_ctx ctx;
		struct gs_fetch_opts o;
		struct gs_fetch_req req;
		gs_ctx_init(&ctx);
		gs_fetch_opts_init(&o);
		o.type = c->type;
		o.seconds_ns = c->seconds_ns;
		o.debug = c->debug;
		o.gc = c->gc;
		o.timeout_ns = c->timeout_ns;
		int err = gs_fetch_req_init(&req, c->src, &o, &ctx);
		if (err)
			fail_msg("case %zu (%s): %s", i, c->src, gs_ctx_errmsg(&ctx));
		assert_string_equal(req.url, c->url);
		assert_string_equal(req.host, c->host);
		assert_string_equal(req.type, c->req_type);
		if (req.duration_ns != c->duration_ns || req.timeout_ns != c->want_timeout_ns)
			fail_msg("case %zu (%s): duration %lld timeout %lld", i, c->src,
				 (long long)req.duration_ns, (long long)req.timeout_ns);
		assert_int_equal(req.insecure, c->insecure);
		assert_int_equal(req.timed, c->timed);
	}
}

static void test_url_defaults_without_opts(void **state)
{
	struct gs_ctx ctx;
	struct gs_fetch_req req;
	gs_ctx_init(&ctx);
	assert_int_equal(gs_fetch_req_init(&req, "h:1/debug/pprof/goroutine?debug=2", NULL, &ctx), 0);
	assert_string_equal(req.url, "http://h:1/debug/pprof/goroutine?debug=2");
	assert_int_equal(req.debug, 2);
	assert_false(req.timed);
}

static void test_url_rejects(void **state)
{
	static const struct {
		const char *src;
		const char *type;
		int err;
		const char *msg; /* substring of the message */
	} bad[] = {
		{"ftp://svc/debug/pprof/heap", NULL, -EINVAL, "unsupported scheme 'ftp'"},
		{"file:///etc/passwd", NULL, -EINVAL, "unsupported scheme"},
		{"http:///debug/pprof/heap", NULL, -EINVAL, "no host"},
		{"http://u@/x", NULL, -EINVAL, "no host"},
		{"svc:1/some path", NULL, -EINVAL, "space"},
		{"svc:1/x\n", NULL, -EINVAL, "control"},
		{"svc:1/metrics", "heap", -EINVAL, "under /debug/pprof/"},
		{"svc:1", "he/ap", -EINVAL, "invalid profile type"},
		{"svc:1", "", -EINVAL, "invalid profile type"},
	};
	for (size_t i = 0; i < GS_ARRAY_LEN(bad); i++) {
		struct gs_ctx ctx;
		struct gs_fetch_opts o;
		struct gs_fetch_req req;
		gs_ctx_init(&ctx);
		gs_fetch_opts_init(&o);
		o.type = bad[i].type;
		int err = gs_fetch_req_init(&req, bad[i].src, &o, &ctx);
		if (err != bad[i].err || !strstr(gs_ctx_errmsg(&ctx), bad[i].msg))
			fail_msg("case %zu (%s): err %d, message '%s'", i, bad[i].src, err,
				 gs_ctx_errmsg(&ctx));
	}
}

static void test_url_too_long(void **state)
{
	struct gs_ctx ctx;
	struct gs_fetch_req req;
	struct gs_fetch_opts o;
	char *src = malloc(GS_FETCH_URL_MAX + 16);
	assert_non_null(src);
	gs_ctx_init(&ctx);
	/* the source alone is too long */
	memset(src, 'a', GS_FETCH_URL_MAX + 8);
	memcpy(src, "h:1/", 4);
	src[GS_FETCH_URL_MAX + 8] = '\0';
	assert_int_equal(gs_fetch_req_init(&req, src, NULL, &ctx), -E2BIG);
	/* short enough alone, too long once the scheme and seconds are added */
	src[GS_FETCH_URL_MAX - 2] = '\0';
	gs_fetch_opts_init(&o);
	o.seconds_ns = S(5);
	assert_int_equal(gs_fetch_req_init(&req, src, &o, &ctx), -E2BIG);
	assert_non_null(strstr(gs_ctx_errmsg(&ctx), "longer than"));
	free(src);
}

/* Durations near the int64 limit must not overflow the timeout (UBSan checks this). */
static void test_url_huge_duration(void **state)
{
	struct gs_ctx ctx;
	struct gs_fetch_req req;
	struct gs_fetch_opts o;
	gs_ctx_init(&ctx);
	gs_fetch_opts_init(&o);
	o.seconds_ns = 900000000LL * 1000000000LL;
	assert_int_equal(gs_fetch_req_init(&req, "h:1", &o, &ctx), 0);
	assert_string_equal(req.url, "http://h:1/debug/pprof/profile?seconds=900000000");
	assert_true(req.timeout_ns >= req.duration_ns);
	o.seconds_ns = INT64_MAX;
	assert_int_equal(gs_fetch_req_init(&req, "h:1", &o, &ctx), 0);
	assert_true(req.duration_ns >= 1000000000LL * 1000000000LL);
	assert_true(req.timeout_ns >= req.duration_ns);
}

static void test_url_many_params(void **state)
{
	struct gs_ctx ctx;
	struct gs_fetch_req req;
	struct gs_buf b;
	gs_ctx_init(&ctx);
	gs_buf_init(&b, 0);
	assert_int_equal(gs_buf_addstr(&b, "h:1/debug/pprof/heap?"), 0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(gs_buf_addf(&b, "p%d=%d&", i, i), 0);
	assert_int_equal(gs_fetch_req_init(&req, b.data, NULL, &ctx), -E2BIG);
	gs_buf_release(&b);
}

/* A transfer to a port nothing listens on fails cleanly with -ECONNREFUSED. Port 1 on the
 * loopback interface is privileged and unused on test machines. */
static void test_fetch_refused(void **state)
{
	struct gs_ctx ctx;
	struct gs_fetch_req req;
	struct gs_fetch *f = NULL;
	struct gs_fetch_opts o;
	gs_ctx_init(&ctx);
	gs_fetch_opts_init(&o);
	o.timeout_ns = S(5);
	assert_int_equal(gs_fetch_req_init(&req, "127.0.0.1:1", &o, &ctx), 0);
	assert_int_equal(gs_fetch_open(&req, &ctx, &f), -ECONNREFUSED);
	assert_null(f);
	assert_non_null(strstr(gs_ctx_errmsg(&ctx), "cannot connect to 127.0.0.1:1"));
}

int main(void)
{
	/* A proxy from the environment must not intercept the loopback transfer. */
	static const char *proxies[] = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
					"all_proxy", "ALL_PROXY"};
	for (size_t i = 0; i < GS_ARRAY_LEN(proxies); i++)
		unsetenv(proxies[i]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_normalise),
		cmocka_unit_test(test_url_defaults_without_opts),
		cmocka_unit_test(test_url_rejects),
		cmocka_unit_test(test_url_too_long),
		cmocka_unit_test(test_url_huge_duration),
		cmocka_unit_test(test_url_many_params),
		cmocka_unit_test(test_fetch_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
