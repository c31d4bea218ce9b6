/* goscope flame: a flame graph of a profile as one self-contained HTML page (or a static SVG,
 * or the aggregated call tree as JSON). Loading and filtering are shared with the other
 * report commands (flame_cli.c); this file chooses the renderer and the output file. */
#include "cli.h"
#include "flame_cli.h"
#include "goscope/flame.h"

const char cmd_flame_summary[] = "write an interactive flame graph (HTML) or a static SVG";
const char cmd_flame_usage[] =
	"usage: goscope flame [pprof flags] [-o FILE] [--svg] [--json] [BINARY] SOURCE...\n"
	"\n"
	"Aggregates the samples of the profile into a call tree and writes a flame graph:\n"
	"one self-contained HTML file (no network access, nothing external) with icicle and\n"
	"flame orientations, click to zoom, regex search with the matched share, a callers\n"
	"and callees view of a function (pivot), diff colouring for -diff_base and tooltips\n"
	"with value, percentage and self. SOURCE is a profile file (pprof protobuf, legacy\n"
	"text, folded stacks, speedscope, goscope JSON), '-' for stdin, or a URL. Several\n"
	"sources are merged.\n"
	"\n"
	"The default output is the source's base name with .flame.html (.flame.svg with\n"
	"--svg) in the current directory; -o FILE chooses another ('-' = stdout). --json\n"
	"prints the aggregated call tree as JSON (to stdout, or -o). Frames are at\n"
	"-filefunctions granularity unless another is given, as in pprof's flame graph.\n"
	"\n"
	"FLAME OPTIONS\n"
	"  --svg             write a static SVG (flame orientation, tooltips as <title>)\n"
	"  --width N         SVG width in pixels (default 1200)\n"
	"  --flame           open the page in flame orientation (root at the bottom)\n"
	"  --title TEXT      title of the page (default: the source name)\n"
	"\n"
	GS_PPROF_CLI_USAGE
	"\n"
	"OUTPUT\n"
	"  The path of the written file is printed on stderr.\n"
	"\n"
	"EXIT STATUS\n"
	"  0 success, 2 failure or bad input, 64 usage error\n"
	"\n"
	"EXAMPLES\n"
	"  goscope flame cpu.pb.gz\n"
	"  goscope flame -focus=http -o http.html cpu.pb.gz\n"
	"  goscope flame -diff_base=before.pb.gz after.pb.gz\n"
	"  goscope flame --svg -sample_index=alloc_space heap.pb.gz\n"
	"  goscope flame --json cpu.pb.gz | jq '.nodes | length'\n";

int cmd_flame(int argc, char **argv, struct gs_ctx *ctx)
{
	struct flame_cli cli;
	const char *output, *title = NULL;
	bool svg = false, json, flame = false;
	int64_t width = 1200;
	struct gs_flame *f = NULL;
	struct gs_output o;
	char *default_path = NULL;
	int rc;

	const struct gs_flag own[] = {
		{"svg", 0, GS_FLAG_BOOL, &svg},
		{"width", 0, GS_FLAG_INT, &width},
		{"flame", 0, GS_FLAG_BOOL, &flame},
		{"title", 0, GS_FLAG_STR, &title},
		{0},
	};
	rc = flame_cli_parse(&cli, gs_cli_find("flame"), own, argc, argv);
	if (rc) {
		flame_cli_release(&cli);
		return rc == GS_FLAGS_HELP ? 0 : rc;
	}
	output = cli.pc.output;
	json = cli.pc.json;
	if (svg && json) {
		flame_cli_release(&cli);
		return usage_error("--svg and --json cannot be combined");
	}
	if (width < 100 || width > 100000) {
		flame_cli_release(&cli);
		return usage_error("--width must be between 100 and 100000 pixels");
	}
	rc = flame_cli_load(&cli, GS_REPORT_FLAME, GS_GRAN_DEFAULT, ctx);
	if (rc)
		goto out;

	struct gs_flame_opts fo;
	flame_cli_tree_opts(&cli, &fo);
	int err = gs_flame_build(cli.prof, &fo, ctx, &f);
	if (err) {
		rc = fail_ctx(ctx, err, "cannot build the call tree");
		goto out;
	}

	if (!output && !json) {
		default_path = flame_cli_default_output(cli.pc.sources.items[0], svg ? ".flame.svg"
										  : ".flame.html");
		if (!default_path) {
			rc = fail("out of memory");
			goto out;
		}
		output = default_path;
	}
	rc = gs_output_open(&o, output);
	if (rc)
		goto out;
	struct gs_flame_page page = {
		.title = title ? title : flame_cli_source_title(&cli),
		.subtitle = cli.subtitle.data,
		.flame = flame,
	};
	if (json)
		err = gs_flame_write_json(f, &o.out, true);
	else if (svg)
		err = gs_flame_write_svg(f, &page, (unsigned)width, &o.out, ctx);
	else
		err = gs_flame_write_html(f, &page, &o.out, ctx);
	rc = gs_output_finish(&o, err, ctx, "cannot write the flame graph");
	if (!rc && o.path)
		fprintf(stderr, "%s: wrote %s\n", gs_cli_prog, o.path);
out:
	free(default_path);
	gs_flame_free(f);
	flame_cli_release(&cli);
	return rc;
}
