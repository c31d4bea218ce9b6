/* goscope top: `go tool pprof -top` byte for byte (header lines included), or the same
 * numbers as JSON. Flags and source loading are shared with the other report commands
 * (pprof_cli.c); the pipeline, graph and rendering are in the library. */
#include "pprof_cli.h"

const char cmd_top_summary[] = "flat/cum table of a profile, as go tool pprof -top";
const char cmd_top_usage[] =
	"usage: goscope top [flags] [BINARY] SOURCE...\n"
	"\n"
	"Prints the functions (or lines, files, addresses) of a profile with their flat and\n"
	"cumulative values, exactly as `go tool pprof -top` does for the same sources and\n"
	"flags. Several sources are merged; -base subtracts, -diff_base compares.\n"
	"\n" GS_PPROF_CLI_USAGE
	"\n"
	"EXIT STATUS\n"
	"  0 report written, 2 unreadable source or report error, 64 usage error\n"
	"\n"
	"EXAMPLES\n"
	"  goscope top cpu.pb.gz\n"
	"  goscope top -cum -nodecount=20 cpu.pb.gz\n"
	"  goscope top -sample_index=alloc_space -lines heap.pb.gz\n"
	"  goscope top -focus=net/http -tagfocus=worker=a cpu.pb.gz\n"
	"  goscope top -diff_base=before.pb.gz after.pb.gz\n"
	"  goscope top ./server goroutine.txt    # debug=1 text named with its binary\n"
	"  goscope top --json localhost:6060\n";

int cmd_top(int argc, char **argv, struct gs_ctx *ctx)
{
	struct gs_pprof_cli c;
	struct gs_report *r = NULL;
	struct gs_graph *g = NULL;
	struct gs_output out;
	int rc = gs_pprof_cli_parse(&c, gs_cli_find("top"), NULL, argc, argv);
	if (rc) {
		gs_pprof_cli_release(&c);
		return rc == GS_FLAGS_HELP ? 0 : rc;
	}
	if ((rc = gs_pprof_cli_report(&c, GS_REPORT_TOP, ctx, &r)))
		goto done;
	int err = gs_graph_new(r, ctx, &g);
	if (err) {
		rc = fail_ctx(ctx, err, "cannot build the graph");
		goto done;
	}
	if ((rc = gs_output_open(&out, c.output)))
		goto done;
	err = c.json ? gs_report_top_json(r, g, &out.out) : gs_report_top_text(r, g, &out.out);
	rc = gs_output_finish(&out, err, NULL, "cannot write the report");
done:
	gs_graph_free(g);
	gs_report_free(r);
	gs_pprof_cli_release(&c);
	return rc;
}
