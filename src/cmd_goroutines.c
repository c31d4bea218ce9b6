/* goscope goroutines: every goroutine of a target, grouped (the default), in the runtime's own
 * dump format (--all) or as JSON, with filters. TARGET resolution is gtarget.c's; grouping,
 * filters and rendering are lib/gdump's. */
#include "cli.h"
#include "goscope/report.h"
#include "gtarget.h"

const char cmd_goroutines_summary[] = "what every goroutine is doing, grouped, from a dump or a service";
const char cmd_goroutines_usage[] =
	"usage: goscope goroutines [flags] TARGET\n"
	"\n"
	"Shows every goroutine of TARGET: by default grouped, goroutines whose state and stack\n"
	"match in one group (count, state and wait reason, wait-time range, labels, ids, stack,\n"
	"creator), groups running user code first and the biggest first, so that a leak or a\n"
	"lock pile-up is the first thing on the screen. --all prints every goroutine in the Go\n"
	"runtime's own dump format instead.\n"
	"\n"
	"TARGET is a goroutine dump (/debug/pprof/goroutine?debug=2 text, panic output, a\n"
	"SIGQUIT traceback, runtime.Stack output), '-' for stdin, or the URL or host:port of a\n"
	"service serving net/http/pprof (its /debug/pprof/goroutine?debug=2 is fetched), the id\n"
	"of a live Go process (read from outside, even stripped), or an ELF core file of one.\n"
	"\n"
	"FLAGS\n"
	"  --all              every goroutine in the runtime's dump format\n"
	"  --json             JSON (groups, or every goroutine with --all)\n"
	"  --user             leave out system goroutines (the runtime's own rule: started in a\n"
	"                     runtime.* function other than runtime.main)\n"
	"  --state STATE      only goroutines in STATE: a wait reason as printed ('chan receive',\n"
	"                     'sync.Mutex.Lock') or a status (waiting, running, runnable, syscall)\n"
	"  --wait-min DUR     only goroutines waiting at least DUR (whole minutes, as the runtime\n"
	"                     prints them: a goroutine blocked for less shows no wait time)\n"
	"  --label KEY=VALUE  only goroutines with this pprof label (repeatable: all must match)\n"
	"  --func REGEX       only goroutines with a frame whose function matches REGEX\n"
	"  --ids N            goroutine ids listed per group (default 10)\n"
	"  -o, --output FILE  write to FILE instead of stdout\n"
	GS_GTARGET_USAGE_FLAGS
	"\n"
	"EXIT STATUS\n"
	"  0 written, 1 written but some goroutines were unreadable, 2 unreadable target,\n"
	"  64 usage error\n"
	"\n"
	"EXAMPLES\n"
	"  goscope goroutines localhost:6060\n"
	"  goscope goroutines --user --wait-min=10m dump.txt\n"
	"  goscope goroutines --state='sync.Mutex.Lock' --func='^main\\.' dump.txt\n"
	"  goscope goroutines --label worker=mutex --json http://svc:6060\n"
	"  goscope goroutines --all panic.log > normalised.txt\n";

/* --label KEY=VALUE arguments into matches (keys copied, values pointing into argv). */
static int parse_labels(const struct gs_strlist *l, struct gs_glabel_match **out)
{
	struct gs_glabel_match *m = calloc(l->len ? l->len : 1, sizeof(*m));
	*out = m;
	if (!m)
		return fail("out of memory");
	for (size_t i = 0; i < l->len; i++) {
		const char *eq = strchr(l->items[i], '=');
		if (!eq || eq == l->items[i])
			return usage_error("--label wants KEY=VALUE, got '%s'", l->items[i]);
		m[i] = (struct gs_glabel_match){strndup(l->items[i], (size_t)(eq - l->items[i])), eq + 1};
		if (!m[i].key)
			return fail("out of memory");
	}
	return 0;
}

static void free_labels(struct gs_glabel_match *m, size_t n)
{
	for (size_t i = 0; m && i < n; i++)
		free((char *)m[i].key);
	free(m);
}

int cmd_goroutines(int argc, char **argv, struct gs_ctx *ctx)
{
	bool all = false, json = false, user = false;
	const char *state = NULL, *func = NULL, *output = NULL;
	int64_t wait_min = 0, max_ids = 10;
	struct gs_strlist labels = {0}, pos = {0};
	struct gs_gtarget_opts topts = {0};
	const struct gs_flag flags[] = {
		{"all", 0, GS_FLAG_BOOL, &all},
		{"json", 0, GS_FLAG_BOOL, &json},
		{"user", 0, GS_FLAG_BOOL, &user},
		{"state", 0, GS_FLAG_STR, &state},
		{"wait-min", 0, GS_FLAG_DURATION, &wait_min},
		{"label", 0, GS_FLAG_STRLIST, &labels},
		{"func", 0, GS_FLAG_STR, &func},
		{"ids", 0, GS_FLAG_INT, &max_ids},
		{"output", 'o', GS_FLAG_STR, &output},
		GS_GTARGET_FLAGS(topts),
		{0},
	};
	struct gs_glabel_match *matches = NULL;
	struct gs_regex *re = NULL;
	struct gs_snapshot *s = NULL;
	struct gs_gbuckets b = {0};
	bool *keep = NULL;
	size_t kept;
	bool stop;
	int rc = gs_gtarget_args("goroutines", flags, argc, argv, &pos, &stop);
	if (stop)
		goto out;
	if (max_ids < 1 || wait_min < 0) {
		rc = usage_error(max_ids < 1 ? "--ids must be at least 1" : "--wait-min must not be negative");
		goto out;
	}
	if ((rc = parse_labels(&labels, &matches)))
		goto out;
	if (func) {
		int err = gs_regex_compile(func, ctx, &re);
		if (err) {
			rc = usage_error("bad --func: %s", gs_ctx_errmsg(ctx));
			goto out;
		}
	}
	if ((rc = gs_gtarget_load(pos.items[0], &topts, ctx, &s)))
		goto out;
	int err = 0;
	struct gs_gfilter filter = {.user_only = user, .state = state, .wait_min_ns = wait_min,
				    .labels = matches, .n_labels = labels.len, .func = re};
	if ((err = gs_gfilter_apply(s, &filter, &keep, &kept))) {
		rc = fail("out of memory");
		goto out;
	}
	struct gs_output o;
	if ((rc = gs_output_open(&o, output)))
		goto out;
	if (all && json) {
		err = gs_snapshot_write_json(s, keep, &o.out);
	} else if (all) {
		/* what dump text printed (labels, gp/m, frame registers) is printed back; a memory
		 * reader's snapshot prints as a default GOTRACEBACK dump does */
		bool text = s->source != GS_SNAPSHOT_LIVE && s->source != GS_SNAPSHOT_CORE;
		struct gs_dump_opts dopts = {.thread_ids = text, .frame_regs = text, .labels = text};
		err = gs_snapshot_write_dump(s, keep, &dopts, &o.out);
	} else if (!(err = gs_gdump_bucket(s, keep, &b))) {
		struct gs_group_opts gopts = {.max_ids = (size_t)max_ids};
		err = json ? gs_gdump_write_groups_json(s, &b, &o.out)
			   : gs_gdump_write_groups(s, &b, &gopts, &o.out);
	}
	if ((rc = gs_output_finish(&o, err, NULL, "cannot write the report")))
		goto out;
	rc = s->n_unreadable ? GS_EXIT_PARTIAL : GS_EXIT_OK;
	if (s->n_unreadable)
		warn("%llu goroutines could not be read completely", (unsigned long long)s->n_unreadable);
out:
	gs_gbuckets_release(&b);
	free(keep);
	gs_snapshot_free(s);
	gs_regex_free(re);
	free_labels(matches, labels.len);
	gs_strlist_release(&labels);
	gs_strlist_release(&pos);
	return rc;
}
