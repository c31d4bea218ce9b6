/* goscope tags: `go tool pprof -tags` byte for byte (the weight of every label value), or
 * the same numbers as JSON. The body is shared with traces, tree and peek
 * (report_cli.c); the rendering is lib/report/tags.c. */
#include "pprof_cli.h"
#include "report_cli.h"

const char cmd_tags_summary[] = "weight of every label value, as go tool pprof -tags";
const char cmd_tags_usage[] =
	"usage: goscope tags [flags] [BINARY] SOURCE...\n"
	"\n"
	"For every label key of the samples left after filtering (pprof labels, numeric labels\n"
	"such as the bytes of a heap profile), prints the key's total and share of the report\n"
	"total, then each value with its weight, exactly as `go tool pprof -tags` does for the\n"
	"same sources and flags.\n"
	"\n" GS_PPROF_CLI_USAGE
	"\n"
	"EXIT STATUS\n"
	"  0 report written, 2 unreadable source or report error, 64 usage error\n"
	"\n"
	"EXAMPLES\n"
	"  goscope tags cpu.pb.gz\n"
	"  goscope tags -focus=net/http cpu.pb.gz\n"
	"  goscope tags -tagshow=worker --json cpu.pb.gz\n"
	"  goscope tags -sample_index=alloc_space heap.pb.gz\n";

int cmd_tags(int argc, char **argv, struct gs_ctx *ctx)
{
	return gs_report_cli_run("tags", argc, argv, ctx);
}
