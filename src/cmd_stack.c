/* goscope stack: the full stack of one goroutine (-g) or of all, in the runtime's dump format,
 * with the thread a running goroutine is on when the source knows it. */
#include "cli.h"
#include "gtarget.h"

const char cmd_stack_summary[] = "the full stack of one goroutine (or all), with its thread";
const char cmd_stack_usage[] =
	"usage: goscope stack [flags] TARGET\n"
	"\n"
	"Prints the stack of goroutine GOID (-g), or of every goroutine, in the Go runtime's dump\n"
	"format: header, frames (inlined ones as '(...)'), 'created by'. A stack read from memory\n"
	"is printed whole (the runtime's dumps keep only the first and last 50 frames of a deep\n"
	"one); for a running goroutine, a line 'running on M<id>, OS thread <tid>' follows when the\n"
	"source knows it. TARGET is as for 'goscope goroutines': a dump file, '-', a URL or\n"
	"host:port, the id of a live Go process, or a core file.\n"
	"\n"
	"FLAGS\n"
	"  -g GOID            only goroutine GOID\n"
	"  --json             JSON, as 'goscope goroutines --all --json'\n"
	"  -o, --output FILE  write to FILE instead of stdout\n"
	GS_GTARGET_USAGE_FLAGS
	"\n"
	"EXIT STATUS\n"
	"  0 written, 1 written but a stack is incomplete (or, with -g, unavailable: the\n"
	"  goroutine runs on another thread and nothing is stopped), 2 unreadable target or no\n"
	"  such goroutine, 64 usage error\n"
	"\n"
	"EXAMPLES\n"
	"  goscope stack -g 42 4242\n"
	"  goscope stack --consistent 4242\n"
	"  goscope stack -g 42 dump.txt\n"
	"  goscope stack -g 1 localhost:6060\n"
	"  goscope stack --json -g 7 panic.log\n";

int cmd_stack(int argc, char **argv, struct gs_ctx *ctx)
{
	bool json = false, have_goid = false;
	int64_t goid = 0;
	const char *output = NULL;
	struct gs_strlist pos = {0};
	struct gs_gtarget_opts topts = {0};
	const struct gs_flag flags[] = {
		{"g", 0, GS_FLAG_INT, &goid, 0, &have_goid},
		{"json", 0, GS_FLAG_BOOL, &json},
		{"output", 'o', GS_FLAG_STR, &output},
		GS_GTARGET_FLAGS(topts),
		{0},
	};
	struct gs_snapshot *s = NULL;
	bool *keep = NULL;
	bool stop;
	int rc = gs_gtarget_args("stack", flags, argc, argv, &pos, &stop);
	if (stop)
		goto out;
	if (have_goid && goid < 0) {
		rc = usage_error("-g wants a goroutine id, got %lld", (long long)goid);
		goto out;
	}
	if ((rc = gs_gtarget_load(pos.items[0], &topts, ctx, &s)))
		goto out;
	int err = 0;
	keep = calloc(s->n_goroutines ? s->n_goroutines : 1, sizeof(*keep));
	if (!keep) {
		rc = fail("out of memory");
		goto out;
	}
	bool partial = false, found = false;
	for (size_t i = 0; i < s->n_goroutines; i++) {
		keep[i] = !have_goid || s->goroutines[i].id == (uint64_t)goid;
		found |= keep[i];
		/* a goroutine running elsewhere while nothing is stopped has no stack to show: that
		 * makes the answer partial when it is the one asked for, not in a listing of all,
		 * where it is shown as the runtime shows it (as `goroutines --all` does) */
		uint32_t incomplete = GS_G_UNREADABLE | (have_goid ? GS_G_NO_STACK : 0);
		if (keep[i] && (s->goroutines[i].flags & incomplete))
			partial = true;
	}
	if (!found) {
		rc = fail("goroutine %lld not found in '%s'", (long long)goid, pos.items[0]);
		goto out;
	}
	struct gs_output o;
	if ((rc = gs_output_open(&o, output)))
		goto out;
	if (json) {
		err = gs_snapshot_write_json(s, keep, &o.out);
	} else {
		struct gs_dump_opts dopts = {.full = true};
		bool first = true;
		for (size_t i = 0; i < s->n_goroutines && !err; i++) {
			const struct gs_goroutine *g = &s->goroutines[i];
			if (!keep[i])
				continue;
			if (!first)
				gs_out_str(&o.out, "\n");
			first = false;
			err = gs_goroutine_write_dump(s, g, &dopts, &o.out);
			if (g->m_id >= 0 && g->status == GS_GSTATUS_RUNNING) {
				gs_out_printf(&o.out, "running on M%lld", (long long)g->m_id);
				if (g->os_tid)
					gs_out_printf(&o.out, ", OS thread %lld", (long long)g->os_tid);
				gs_out_str(&o.out, "\n");
			}
			if (g->flags & GS_G_UNREADABLE)
				gs_out_printf(&o.out, "incomplete: %s\n", gs_snapshot_str(s, g->unreadable));
		}
	}
	if ((rc = gs_output_finish(&o, err, NULL, "cannot write the stack")))
		goto out;
	rc = partial ? GS_EXIT_PARTIAL : GS_EXIT_OK;
out:
	free(keep);
	gs_snapshot_free(s);
	gs_strlist_release(&pos);
	return rc;
}
