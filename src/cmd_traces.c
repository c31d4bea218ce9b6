/* goscope traces: `go tool pprof -traces` byte for byte (every sample with its labels and
 * stack), or the same data as JSON. The body is shared with tags, tree and peek
 * (report_cli.c); the rendering is lib/report/traces.c. */
#include "pprof_cli.h"
#include "report_cli.h"

const char cmd_traces_summary[] = "every sample with its labels and stack, as go tool pprof -traces";
const char cmd_traces_usage[] =
	"usage: goscope traces [flags] [BINARY] SOURCE...\n"
	"\n"
	"Prints the profile header, then every sample left after filtering, in profile order:\n"
	"its string and numeric labels, its value and its frames from the leaf to the root,\n"
	"inlined frames marked (inline), exactly as `go tool pprof -traces` does for the same\n"
	"sources and flags.\n"
	"\n" GS_PPROF_CLI_USAGE
	"\n"
	"EXIT STATUS\n"
	"  0 report written, 2 unreadable source or report error, 64 usage error\n"
	"\n"
	"EXAMPLES\n"
	"  goscope traces cpu.pb.gz\n"
	"  goscope traces -focus='main\\.handle' -tagfocus=worker=a cpu.pb.gz\n"
	"  goscope traces -lines -sample_index=alloc_space heap.pb.gz\n"
	"  goscope traces --json goroutine.pb.gz\n";

int cmd_traces(int argc, char **argv, struct gs_ctx *ctx)
{
	return gs_report_cli_run("traces", argc, argv, ctx);
}
