/* goscope peek REGEX: `go tool pprof -peek REGEX` byte for byte (the tree report restricted
 * to the nodes whose name matches, without trimming), or the same numbers as JSON. The body
 * is shared with traces, tags and tree (report_cli.c); the rendering is lib/report/tree.c. */
#include "pprof_cli.h"
#include "report_cli.h"

const char cmd_peek_summary[] = "callers and callees of matching functions, as go tool pprof -peek";
const char cmd_peek_usage[] =
	"usage: goscope peek [flags] REGEX [BINARY] SOURCE...\n"
	"\n"
	"Prints the callers and callees of the nodes whose name matches REGEX (a Go regular\n"
	"expression, unanchored), computed without trimming, exactly as `go tool pprof -peek\n"
	"REGEX` does for the same sources and flags. No match is an error.\n"
	"\n" GS_PPROF_CLI_USAGE
	"\n"
	"EXIT STATUS\n"
	"  0 report written, 2 unreadable source, bad or unmatched REGEX, 64 usage error\n"
	"\n"
	"EXAMPLES\n"
	"  goscope peek 'runtime\\.mallocgc' heap.pb.gz\n"
	"  goscope peek -lines 'main\\.handle' cpu.pb.gz\n"
	"  goscope peek --json 'encoding/json' cpu.pb.gz\n";

int cmd_peek(int argc, char **argv, struct gs_ctx *ctx)
{
	return gs_report_cli_run("peek", argc, argv, ctx);
}
