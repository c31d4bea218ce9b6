/* goscope help [CMD]: the list of commands, or one command's usage. */
#include "cli.h"

const char cmd_help_summary[] = "show the commands, or one command's usage";
const char cmd_help_usage[] =
	"usage: goscope <command> [flags] [args]\n"
	"       goscope help [command]\n"
	"\n"
	"goscope diagnoses Go programs: it reads, analyses and renders pprof profiles,\n"
	"and collects them from live services. 'goscope help CMD' and 'goscope CMD -h'\n"
	"print a command's usage.\n"
	"\n"
	"EXIT STATUS\n"
	"  0 success, 1 partial result, 2 failure or bad input, 64 usage error\n"
	"\n"
	"EXAMPLES\n"
	"  goscope help top\n"
	"  goscope top cpu.pb.gz\n"
	"  goscope fetch localhost:6060 --seconds 10 -o cpu.pb.gz\n";

int cmd_help(int argc, char **argv, struct gs_ctx *ctx)
{
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
			  !strcmp(argv[1], "-help"))) {
		print_usage(gs_cli_find("help"));
		return 0;
	}
	if (argc > 2)
		return usage_error("too many arguments");
	if (argc == 2 && argv[1][0] == '-')
		return usage_error("unknown flag '%s'", argv[1]);
	if (argc == 2) {
		const struct gs_cli_cmd *cmd = gs_cli_find(argv[1]);
		if (!cmd)
			return usage_error("'%s' is not a goscope command", argv[1]);
		print_usage(cmd);
		return 0;
	}
	fputs(cmd_help_usage, stdout);
	fputs("\nCOMMANDS\n", stdout);
	for (const struct gs_cli_cmd *c = gs_cli_commands; c->name; c++)
		printf("  %-12s %s\n", c->name, c->summary);
	return 0;
}
