/* goscope tree: `go tool pprof -tree` byte for byte (callers and callees of every node of the
 * trimmed graph), or the same numbers as JSON. The body is shared with traces, tags and peek
 * (report_cli.c); the rendering is lib/report/tree.c. */
#include "pprof_cli.h"
#include "report_cli.h"

const char cmd_tree_summary[] = "callers and callees of every node, as go tool pprof -tree";
const char cmd_tree_usage[] =
	"usage: goscope tree [flags] [BINARY] SOURCE...\n"
	"\n"
	"Prints the call graph as text: for every node kept after trimming (-nodecount, default\n"
	"80; -nodefraction; -edgefraction), its callers with the weight of their calls, its own\n"
	"flat and cumulative values, then its callees, exactly as `go tool pprof -tree` does for\n"
	"the same sources and flags.\n"
	"\n" GS_PPROF_CLI_USAGE
	"\n"
	"EXIT STATUS\n"
	"  0 report written, 2 unreadable source or report error, 64 usage error\n"
	"\n"
	"EXAMPLES\n"
	"  goscope tree cpu.pb.gz\n"
	"  goscope tree -nodecount=20 -cum cpu.pb.gz\n"
	"  goscope tree -lines -focus='main\\.' cpu.pb.gz\n"
	"  goscope tree -diff_base=before.pb.gz after.pb.gz\n"
	"  goscope tree --json heap.pb.gz\n";

int cmd_tree(int argc, char **argv, struct gs_ctx *ctx)
{
	return gs_report_cli_run("tree", argc, argv, ctx);
}
