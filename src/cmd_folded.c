/* goscope folded: a profile as Brendan Gregg's folded stacks, for flamegraph.pl, speedscope,
 * Pyroscope and inferno. The same samples and filters as goscope flame. */
#include "cli.h"
#include "flame_cli.h"

const char cmd_folded_summary[] = "print a profile as folded stacks (flamegraph.pl format)";
const char cmd_folded_usage[] =
	"usage: goscope folded [pprof flags] [-o FILE] [--json] [BINARY] SOURCE...\n"
	"\n"
	"Prints one line per distinct stack, 'outermost;caller;leaf value', the format of\n"
	"Brendan Gregg's stackcollapse scripts that flamegraph.pl, speedscope, Pyroscope and\n"
	"inferno read. Frames are function names (-lines and the other granularity flags\n"
	"change that); inlined frames are frames of their own unless -noinlines. Lines come\n"
	"heaviest first. Values are those of the chosen sample type, in its unit (negative\n"
	"for a diff). goscope reads folded stacks back as a source of every command.\n"
	"\n"
	"-o FILE writes to FILE instead of stdout; --json prints the stacks as JSON:\n"
	"[{\"stack\": [\"outermost\", ..., \"leaf\"], \"value\": N}, ...].\n"
	"\n"
	GS_PPROF_CLI_USAGE
	"\n"
	"EXIT STATUS\n"
	"  0 success, 2 failure or bad input, 64 usage error\n"
	"\n"
	"EXAMPLES\n"
	"  goscope folded cpu.pb.gz > cpu.folded\n"
	"  goscope folded cpu.pb.gz | flamegraph.pl > cpu.svg\n"
	"  goscope folded -sample_index=inuse_space -lines heap.pb.gz\n"
	"  goscope flame cpu.folded\n";

/* The folded lines as JSON: the stack split into frames, root first, and the value. */
static int folded_json(const char *text, size_t len, struct gs_out *out)
{
	struct gs_json j;
	gs_json_init(&j, out, true);
	gs_json_arr_begin(&j);
	for (size_t i = 0; i < len;) {
		const char *line = text + i;
		const char *nl = memchr(line, '\n', len - i);
		size_t n = nl ? (size_t)(nl - line) : len - i;
		const char *sp = n ? memrchr(line, ' ', n) : NULL;
		i += n + 1;
		if (!sp)
			continue;
		gs_json_obj_begin(&j);
		gs_json_key(&j, "stack");
		gs_json_arr_begin(&j);
		for (const char *f = line; f < sp;) {
			const char *semi = memchr(f, ';', (size_t)(sp - f));
			const char *end = semi ? semi : sp;
			gs_json_strn(&j, f, (size_t)(end - f));
			f = end + 1;
		}
		gs_json_arr_end(&j);
		int64_t v = 0;
		char num[24];
		snprintf(num, sizeof(num), "%.*s", (int)(n - (size_t)(sp + 1 - line)), sp + 1);
		gs_parse_i64(num, &v);
		gs_json_ki64(&j, "value", v);
		gs_json_obj_end(&j);
	}
	gs_json_arr_end(&j);
	gs_json_end(&j);
	return out->err;
}

int cmd_folded(int argc, char **argv, struct gs_ctx *ctx)
{
	struct flame_cli cli;
	struct gs_output o;
	int rc;

	rc = flame_cli_parse(&cli, gs_cli_find("folded"), NULL, argc, argv);
	if (rc) {
		flame_cli_release(&cli);
		return rc == GS_FLAGS_HELP ? 0 : rc;
	}
	rc = flame_cli_load(&cli, GS_REPORT_FLAME, GS_GRAN_FUNCTIONS, ctx);
	if (rc)
		goto out;

	struct gs_folded_opts fo;
	flame_cli_folded_opts(&cli, &fo);

	rc = gs_output_open(&o, cli.pc.output);
	if (rc)
		goto out;
	int err;
	if (cli.pc.json) {
		struct gs_out text;
		gs_out_init(&text, NULL, NULL);
		err = gs_folded_write(cli.prof, &fo, &text, ctx);
		if (!err)
			err = folded_json(text.buf.data ? text.buf.data : "", text.buf.len, &o.out);
		gs_out_release(&text);
	} else {
		err = gs_folded_write(cli.prof, &fo, &o.out, ctx);
	}
	rc = gs_output_finish(&o, err, ctx, "cannot write folded stacks");
out:
	flame_cli_release(&cli);
	return rc;
}
