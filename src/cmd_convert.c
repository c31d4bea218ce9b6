/* goscope convert: a profile from any format goscope reads into pprof protobuf, folded
 * stacks, speedscope or goscope's lossless JSON. */
#include "cli.h"
#include "flame_cli.h"

const char cmd_convert_summary[] = "convert a profile to pprof, folded, speedscope or JSON";
const char cmd_convert_usage[] =
	"usage: goscope convert --to FORMAT [pprof flags] [-o FILE] [BINARY] SOURCE...\n"
	"\n"
	"Reads a profile in any format goscope reads (pprof protobuf, legacy text, folded\n"
	"stacks, speedscope, goscope JSON, goroutine dump text) and writes it as FORMAT:\n"
	"  pprof       gzip-compressed profile.proto, as the Go runtime and pprof write it\n"
	"  folded      Brendan Gregg's folded stacks of the chosen sample type\n"
	"  speedscope  a speedscope file: one sampled profile per sample type, the chosen\n"
	"              one first\n"
	"  json        goscope's JSON rendering of the whole profile (sample types, samples\n"
	"              with location ids, values and labels, locations, functions, mappings,\n"
	"              metadata); goscope reads it back to the same profile\n"
	"\n"
	"The pprof flags filter the samples first (-focus, -tagfocus, ...); -sample_index\n"
	"chooses the values of folded stacks and the first speedscope profile.\n"
	"\n"
	"CONVERT OPTIONS\n"
	"  --to FORMAT       pprof, folded, speedscope or json (required)\n"
	"  --json            the same as --to json\n"
	"\n"
	GS_PPROF_CLI_USAGE
	"\n"
	"EXIT STATUS\n"
	"  0 success, 2 failure or bad input, 64 usage error\n"
	"\n"
	"EXAMPLES\n"
	"  goscope convert --to speedscope -o cpu.speedscope.json cpu.pb.gz\n"
	"  goscope convert --to json cpu.pb.gz | jq '.samples | length'\n"
	"  goscope convert --to pprof -o cpu.pb.gz cpu.folded\n"
	"  goscope convert --to pprof -o goroutines.pb.gz goroutines-debug2.txt\n"
	"  goscope convert --to folded -sample_index=alloc_space heap.pb.gz\n";

enum format { F_NONE, F_PPROF, F_FOLDED, F_SPEEDSCOPE, F_JSON };

static enum format parse_format(const char *s)
{
	static const struct {
		const char *name;
		enum format f;
	} names[] = {{"pprof", F_PPROF}, {"proto", F_PPROF}, {"folded", F_FOLDED},
		     {"speedscope", F_SPEEDSCOPE}, {"json", F_JSON}};
	for (size_t i = 0; s && i < GS_ARRAY_LEN(names); i++)
		if (!strcmp(s, names[i].name))
			return names[i].f;
	return F_NONE;
}

int cmd_convert(int argc, char **argv, struct gs_ctx *ctx)
{
	struct flame_cli cli;
	const char *to = NULL, *output;
	bool json;
	struct gs_output o;
	int rc, err;

	const struct gs_flag own[] = {
		{"to", 0, GS_FLAG_STR, &to},
		{0},
	};
	rc = flame_cli_parse(&cli, gs_cli_find("convert"), own, argc, argv);
	if (rc) {
		flame_cli_release(&cli);
		return rc == GS_FLAGS_HELP ? 0 : rc;
	}
	output = cli.pc.output;
	json = cli.pc.json;
	if (json && to && parse_format(to) != F_JSON) {
		flame_cli_release(&cli);
		return usage_error("--json and --to %s contradict each other", to);
	}
	enum format f = json ? F_JSON : parse_format(to);
	if (f == F_NONE) {
		flame_cli_release(&cli);
		if (!to)
			return usage_error("--to FORMAT is required (pprof, folded, speedscope, json)");
		return usage_error("unknown format '%s' (pprof, folded, speedscope, json)", to);
	}
	if (f == F_PPROF && (!output || !strcmp(output, "-")) && gs_stdout_is_tty()) {
		flame_cli_release(&cli);
		return usage_error("not writing a binary profile to a terminal: use -o FILE");
	}
	/* folded stacks and speedscope draw a call tree; pprof and json keep the whole profile */
	if (f == F_FOLDED || f == F_SPEEDSCOPE)
		rc = flame_cli_load(&cli, GS_REPORT_FLAME, GS_GRAN_FUNCTIONS, ctx);
	else
		rc = flame_cli_load(&cli, GS_REPORT_RAW, GS_GRAN_DEFAULT, ctx);
	if (rc)
		goto out;
	rc = gs_output_open(&o, output);
	if (rc)
		goto out;
	switch (f) {
	case F_PPROF:
		err = gs_profile_encode(cli.prof, true, &o.out, ctx);
		break;
	case F_FOLDED: {
		struct gs_folded_opts fo;
		flame_cli_folded_opts(&cli, &fo);
		err = gs_folded_write(cli.prof, &fo, &o.out, ctx);
		break;
	}
	case F_SPEEDSCOPE:
		err = gs_speedscope_write(cli.prof, cli.report->sample_index, flame_cli_source_title(&cli), &o.out, ctx);
		break;
	default:
		err = gs_profile_write_json(cli.prof, &o.out, true);
		break;
	}
	rc = gs_output_finish(&o, err, ctx, "cannot convert '%s'", cli.pc.sources.items[0]);
out:
	flame_cli_release(&cli);
	return rc;
}
