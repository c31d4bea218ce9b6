/* goscope leaks: goroutine groups whose counts keep growing, over two or more dumps or over
 * snapshots of one target taken at an interval. Matching and ranking are lib/gdump/leaks.c's;
 * TARGET resolution is gtarget.c's. */
#include <time.h>

#include "cli.h"
#include "gtarget.h"

const char cmd_leaks_summary[] = "goroutine groups that keep growing: a goroutine-leak finder";
const char cmd_leaks_usage[] =
	"usage: goscope leaks [flags] DUMP1 DUMP2 [DUMP...]\n"
	"       goscope leaks [flags] --interval DUR --count N TARGET\n"
	"\n"
	"Groups the goroutines of several snapshots of one program as 'goscope goroutines' does\n"
	"(same state, creator and stack) and reports the groups whose count never shrank and\n"
	"grew: largest growth first, with the counts in each snapshot, the rate when the times\n"
	"of the snapshots are known, the creation site (the go statement) and the stack.\n"
	"\n"
	"With two or more dumps (files, '-' once, URLs), they are read in the order given, oldest\n"
	"first. With one TARGET (a URL, host:port or the id of a live Go process) and --count,\n"
	"goscope takes N snapshots of it, --interval apart.\n"
	"\n"
	"FLAGS\n"
	"  --interval DUR     time between snapshots of one TARGET (default 10s)\n"
	"  --count N          snapshots of one TARGET (default 3, at least 2)\n"
	"  --min-growth N     report groups that grew by at least N goroutines (default 1)\n"
	"  --user             ignore system goroutines\n"
	"  --json             JSON\n"
	"  -o, --output FILE  write to FILE instead of stdout\n"
	GS_GTARGET_USAGE_FLAGS
	"\n"
	"EXIT STATUS\n"
	"  0 report written (whether or not a group grew), 2 unreadable target, 64 usage error\n"
	"\n"
	"EXAMPLES\n"
	"  goscope leaks --interval 10s --count 3 4242\n"
	"  goscope leaks before.txt after.txt\n"
	"  goscope leaks --interval 10s --count 4 localhost:6060\n"
	"  goscope leaks --json --min-growth 100 dump1.txt dump2.txt dump3.txt\n";

static void sleep_ns(int64_t ns)
{
	struct timespec ts = {.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int cmd_leaks(int argc, char **argv, struct gs_ctx *ctx)
{
	bool json = false, user = false, have_interval = false, have_count = false;
	int64_t interval = 10000000000LL, count = 3, min_growth = 1;
	const char *output = NULL;
	struct gs_strlist pos = {0};
	struct gs_gtarget_opts topts = {0};
	const struct gs_flag flags[] = {
		{"interval", 0, GS_FLAG_DURATION, &interval, 0, &have_interval},
		{"count", 0, GS_FLAG_INT, &count, 0, &have_count},
		{"min-growth", 0, GS_FLAG_INT, &min_growth},
		{"user", 0, GS_FLAG_BOOL, &user},
		{"json", 0, GS_FLAG_BOOL, &json},
		{"output", 'o', GS_FLAG_STR, &output},
		GS_GTARGET_FLAGS(topts),
		{0},
	};
	struct gs_snapshot **snaps = NULL;
	size_t n = 0;
	struct gs_gleaks leaks = {0};
	int rc = gs_flags_parse(gs_cli_find("leaks"), flags, argc, argv, &pos);
	if (rc) {
		rc = rc == GS_FLAGS_HELP ? 0 : rc;
		goto out;
	}
	bool repeat = pos.len == 1;
	if (pos.len == 0 || (pos.len == 1 && !have_count && !have_interval)) {
		rc = usage_error("needs two or more dumps, or one TARGET with --count");
		goto out;
	}
	if (!repeat && (have_count || have_interval)) {
		rc = usage_error("--count and --interval take one TARGET, not %zu", pos.len);
		goto out;
	}
	if (count < 2 || count > 10000 || interval < 0 || min_growth < 1) {
		rc = usage_error(count < 2 || count > 10000 ? "--count must be 2 to 10000"
			       : interval < 0 ? "--interval must not be negative"
					      : "--min-growth must be at least 1");
		goto out;
	}
	size_t want = repeat ? (size_t)count : pos.len;
	snaps = calloc(want, sizeof(*snaps));
	if (!snaps) {
		rc = fail("out of memory");
		goto out;
	}
	for (; n < want; n++) {
		if (repeat && n > 0)
			sleep_ns(interval);
		const char *target = pos.items[repeat ? 0 : n];
		if ((rc = gs_gtarget_load(target, &topts, ctx, &snaps[n])))
			goto out;
		/* with --consistent each snapshot reports its pause on a line of its own */
		if (repeat && gs_stderr_is_tty())
			fprintf(stderr, "\rsnapshot %zu of %zu: %zu goroutines%s", n + 1, want,
				snaps[n]->n_goroutines, topts.consistent ? "\n" : "");
	}
	if (repeat && gs_stderr_is_tty() && !topts.consistent)
		fprintf(stderr, "\n");
	struct gs_gleaks_opts lopts = {.user_only = user, .min_growth = (uint64_t)min_growth};
	const struct gs_snapshot *const *cs = (const struct gs_snapshot *const *)snaps;
	int err = gs_gdump_leaks(cs, n, &lopts, &leaks);
	if (err) {
		rc = fail("cannot compare the snapshots: %s", strerror(-err));
		goto out;
	}
	struct gs_output o;
	if ((rc = gs_output_open(&o, output)))
		goto out;
	err = json ? gs_gdump_write_leaks_json(cs, n, &leaks, &o.out)
		   : gs_gdump_write_leaks(cs, n, &leaks, &o.out);
	rc = gs_output_finish(&o, err, NULL, "cannot write the report");
out:
	gs_gleaks_release(&leaks);
	for (size_t i = 0; i < n; i++)
		gs_snapshot_free(snaps[i]);
	free(snaps);
	gs_strlist_release(&pos);
	return rc;
}
