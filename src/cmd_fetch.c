/* goscope fetch: collects a profile from a live service's /debug/pprof/ endpoint and saves it
 * atomically under a pprof-like name (or -o), printing the path. What arrives is checked
 * first: profile.proto answers must parse, traces must look like a Go trace; debug=N text is
 * saved as served. The HTTP work is lib/net; this file chooses names and talks to the user.
 */
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "goscope/net.h"
#include "goscope/profile.h"

const char cmd_fetch_summary[] = "collect a profile from a live service's /debug/pprof/";
const char cmd_fetch_usage[] =
	"usage: goscope fetch [--type TYPE] [--seconds N] [--debug N] [--gc N] [-o FILE]\n"
	"                     [--timeout D] [--json] URL|host:port\n"
	"\n"
	"Collects a profile over HTTP from a Go service that serves net/http/pprof and saves\n"
	"it. A bare host:port means http://host:port/debug/pprof/profile (a CPU profile), or\n"
	"/debug/pprof/TYPE with --type. The file is named HOST.TYPE.NNN.pb.gz in the current\n"
	"directory (the first free NNN), or as -o says, and is written only when the whole\n"
	"answer arrived and checked out. Its path is printed on standard output. On a\n"
	"terminal, a countdown shows while the server collects a timed profile.\n"
	"\n"
	"TYPES\n"
	"  profile (or cpu), heap, allocs, block, mutex, goroutine, threadcreate, trace, or any\n"
	"  custom profile the service registered\n"
	"\n"
	"OPTIONS\n"
	"  --type TYPE     profile type (replaces the one in the URL)\n"
	"  --seconds N     duration of a cpu profile or trace; for other types, ask for a delta\n"
	"                  profile over N seconds (default: the URL's; the server's own default\n"
	"                  is 30 s for profile and 1 s for trace)\n"
	"  --debug N       ask for the text format N (saved as served, with a .txt name)\n"
	"  --gc N          heap: run a garbage collection first when N > 0\n"
	"  -o FILE         where to save (\"-\" = standard output; a directory = name chosen in it)\n"
	"  --timeout D     give up after D (default: duration x 1.5 + 5s, or 60s)\n"
	"  --json          print a JSON object (path, url, type, bytes, duration, elapsed)\n"
	"\n"
	"EXIT STATUS\n"
	"  0 saved, 2 fetch or check failed (no file is left behind), 64 usage error\n"
	"\n"
	"EXAMPLES\n"
	"  goscope fetch localhost:6060                          # 30 s CPU profile\n"
	"  goscope fetch --seconds 5 localhost:6060\n"
	"  goscope fetch --type heap -o heap.pb.gz localhost:6060\n"
	"  goscope fetch 'http://svc:6060/debug/pprof/goroutine'\n"
	"  goscope fetch --type trace --seconds 2 localhost:6060\n"
	"  goscope top $(goscope fetch --seconds 10 localhost:6060)\n";

/* The countdown on a terminal: redrawn when its text changes. */
struct countdown {
	char last[400];
	bool drawn;
};

static struct countdown countdown;

static int draw_countdown(void *arg, const char *what, uint64_t done, uint64_t total)
{
	struct countdown *c = arg;
	char line[400];
	if (!strcmp(what, "downloading"))
		snprintf(line, sizeof(line), "%s: downloading: %llu kB", gs_cli_prog,
			 (unsigned long long)(done / 1000));
	else
		snprintf(line, sizeof(line), "%s: %s: %llus left", gs_cli_prog, what,
			 (unsigned long long)(total > done ? total - done : 0));
	if (c->drawn && !strcmp(line, c->last))
		return 0;
	snprintf(c->last, sizeof(c->last), "%s", line);
	fprintf(stderr, "\r\033[K%s", line);
	c->drawn = true;
	return 0;
}

static void countdown_end(struct gs_ctx *ctx)
{
	if (ctx->progress == draw_countdown) {
		if (countdown.drawn)
			fputs("\r\033[K", stderr);
		ctx->progress = NULL;
		ctx->progress_arg = NULL;
	}
}

/* The kind of file an answer is, for its name and its check. */
enum answer_kind { ANSWER_PROTO, ANSWER_TRACE, ANSWER_TEXT };

static enum answer_kind answer_kind(const struct gs_fetch_req *req)
{
	if (!strcmp(req->type, "trace"))
		return ANSWER_TRACE;
	return req->debug > 0 ? ANSWER_TEXT : ANSWER_PROTO;
}

/* HOST.TYPE.NNN.EXT with the first NNN not taken, in dir (NULL = current directory). */
static int choose_name(const struct gs_fetch_req *req, const char *dir, char *out, size_t cap)
{
	char host[sizeof(req->host)];
	const char *type = !strcmp(req->type, "profile") ? "cpu" : (req->type[0] ? req->type : "profile");
	const char *ext = ".pb.gz";
	enum answer_kind kind = answer_kind(req);
	size_t i;
	if (kind == ANSWER_TRACE)
		ext = ".out";
	else if (kind == ANSWER_TEXT)
		ext = ".txt";
	for (i = 0; req->host[i]; i++) {
		char c = req->host[i];
		bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			    c == '.' || c == '-';
		host[i] = keep ? c : '_';
	}
	host[i] = '\0';
	for (int n = 1; n <= 999; n++) {
		struct stat st;
		int len = snprintf(out, cap, "%s%s%s.%s.%03d%s", dir ? dir : "",
				   dir && dir[strlen(dir) - 1] != '/' ? "/" : "", host, type, n, ext);
		if (len < 0 || (size_t)len >= cap)
			return fail("file name for '%s' is too long", req->url);
		if (lstat(out, &st) != 0 && errno == ENOENT)
			return 0;
	}
	return fail("no free file name: %s%s.%s.001%s to .999%s all exist", dir ? dir : "", host,
		    type, ext, ext);
}

/* Checks that the answer is what was asked for, so a login page or a proxy's error never
 * gets saved as a profile. */
static int check_answer(const struct gs_fetch_req *req, const struct gs_buf *body,
			struct gs_ctx *ctx, int64_t *samples)
{
	struct gs_profile *p = NULL;
	int err;
	*samples = -1;
	switch (answer_kind(req)) {
	case ANSWER_TRACE:
		/* Every Go execution trace starts with "go 1.NN trace". */
		if (body->len < 16 || memcmp(body->data, "go 1.", 5))
			return fail("'%s' did not answer with a Go execution trace", req->url);
		return 0;
	case ANSWER_TEXT:
		if (body->len == 0)
			return fail("'%s' answered with an empty body", req->url);
		return 0;
	case ANSWER_PROTO:
		break;
	}
	err = gs_profile_parse(body->data, body->len, ctx, &p);
	if (err)
		return fail_ctx(ctx, err, "'%s' did not answer with a valid profile", req->url);
	*samples = (int64_t)p->n_samples;
	gs_profile_free(p);
	return 0;
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int save(const char *path, const struct gs_buf *body)
{
	struct gs_output o;
	int rc = gs_output_open(&o, path);
	if (rc)
		return rc;
	gs_out_add(&o.out, body->data, body->len);
	return gs_output_close(&o, true);
}

static void print_json(const char *path, const struct gs_fetch_req *req, uint64_t bytes,
		       int64_t samples, double elapsed)
{
	struct gs_out o;
	struct gs_json j;
	gs_out_init(&o, NULL, NULL);
	gs_json_init(&j, &o, true);
	gs_json_obj_begin(&j);
	gs_json_kstr(&j, "path", path);
	gs_json_kstr(&j, "url", req->url);
	gs_json_kstr(&j, "type", req->type);
	gs_json_ku64(&j, "bytes", bytes);
	gs_json_kf64(&j, "duration", req->timed ? (double)req->duration_ns / 1e9 : 0);
	gs_json_kf64(&j, "elapsed", elapsed);
	if (samples >= 0)
		gs_json_ki64(&j, "samples", samples);
	gs_json_obj_end(&j);
	gs_json_end(&j);
	fwrite(o.buf.data, 1, o.buf.len, stdout);
	gs_out_release(&o);
}

int cmd_fetch(int argc, char **argv, struct gs_ctx *ctx)
{
	const char *type = NULL, *output = NULL;
	int64_t seconds_ns = 0, timeout_ns = 0, debug = -1, gc = -1;
	bool json = false;
	struct gs_strlist pos = {0};
	struct gs_fetch_opts opts;
	struct gs_fetch_req req;
	struct gs_buf body;
	char path[4096];
	int64_t samples = -1;
	struct stat st;
	int rc, err;
	const struct gs_flag flags[] = {
		{"type", 0, GS_FLAG_STR, &type},
		{"seconds", 0, GS_FLAG_DURATION, &seconds_ns},
		{"debug", 0, GS_FLAG_INT, &debug},
		{"gc", 0, GS_FLAG_INT, &gc},
		{"output", 'o', GS_FLAG_STR, &output},
		{"timeout", 0, GS_FLAG_DURATION, &timeout_ns},
		{"json", 0, GS_FLAG_BOOL, &json},
		{0},
	};

	rc = gs_flags_parse(gs_cli_find("fetch"), flags, argc, argv, &pos);
	if (rc) {
		gs_strlist_release(&pos);
		return rc == GS_FLAGS_HELP ? 0 : rc;
	}
	if (pos.len != 1) {
		rc = pos.len ? usage_error("expected one URL, got %zu arguments", pos.len)
			     : usage_error("missing the URL (or host:port) to fetch from");
		gs_strlist_release(&pos);
		return rc;
	}
	const char *src = pos.items[0];
	gs_strlist_release(&pos);
	if (debug < -1 || gc < -1)
		return usage_error("--debug and --gc take a value of 0 or more");
	if (json && output && !strcmp(output, "-"))
		return usage_error("--json and -o - both want standard output");

	gs_fetch_opts_init(&opts);
	opts.type = type;
	opts.seconds_ns = seconds_ns;
	opts.debug = debug;
	opts.gc = gc;
	opts.timeout_ns = timeout_ns;
	if ((err = gs_fetch_req_init(&req, src, &opts, ctx)))
		return fail_ctx(ctx, err, "cannot fetch from '%s'", src);

	if (!output)
		rc = choose_name(&req, NULL, path, sizeof(path));
	else if (strcmp(output, "-") && stat(output, &st) == 0 && S_ISDIR(st.st_mode))
		rc = choose_name(&req, output, path, sizeof(path));
	else
		rc = snprintf(path, sizeof(path), "%s", output) >= (int)sizeof(path)
			     ? fail("output path is too long")
			     : 0;
	if (rc)
		return rc;

	if (gs_stderr_is_tty()) {
		memset(&countdown, 0, sizeof(countdown));
		ctx->progress = draw_countdown;
		ctx->progress_arg = &countdown;
	}
	double start = now_seconds();
	gs_buf_init(&body, 0);
	err = gs_fetch_all(&req, ctx, &body);
	countdown_end(ctx);
	if (err) {
		gs_buf_release(&body);
		return fail_ctx(ctx, err, "cannot fetch '%s'", req.url);
	}
	double elapsed = now_seconds() - start;

	rc = check_answer(&req, &body, ctx, &samples);
	if (!rc)
		rc = save(path, &body);
	if (!rc && strcmp(path, "-")) {
		if (json)
			print_json(path, &req, body.len, samples, elapsed);
		else
			printf("%s\n", path);
	}
	gs_buf_release(&body);
	return rc;
}
