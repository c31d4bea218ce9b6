/* goscope: entry point and the command table. Each command lives in src/cmd_<name>.c; the
 * table below is generated from those files (see CMakeLists.txt). */
#include <signal.h>

#include "cli.h"

const struct gs_cli_cmd gs_cli_commands[] = {
#define GS_COMMAND(name) {#name, cmd_##name, cmd_##name##_summary, cmd_##name##_usage},
#include "commands.def"
#undef GS_COMMAND
	{NULL, NULL, NULL, NULL},
};

const char *gs_cli_prog = "goscope";

const struct gs_cli_cmd *gs_cli_find(const char *name)
{
	for (const struct gs_cli_cmd *c = gs_cli_commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

int main(int argc, char **argv)
{
	static char prog[128];
	struct gs_ctx ctx;
	int rc;

	/* A closed pipe (goscope top ... | head) ends output quietly through EPIPE. */
	signal(SIGPIPE, SIG_IGN);
	gs_ctx_init(&ctx);

	if (argc < 2) {
		print_usage(gs_cli_find("help"));
		return GS_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-version"))
		return cmd_version(1, argv + 1, &ctx);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-help"))
		return cmd_help(1, argv + 1, &ctx);

	const struct gs_cli_cmd *cmd = gs_cli_find(argv[1]);
	if (!cmd) {
		error("goscope: '%s' is not a goscope command", argv[1]);
		hint("run 'goscope help' for the list of commands");
		return GS_EXIT_USAGE;
	}
	snprintf(prog, sizeof(prog), "goscope %s", cmd->name);
	gs_cli_prog = prog;
	rc = cmd->fn(argc - 1, argv + 1, &ctx);
	gs_progress_done(&ctx);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno != EPIPE) {
			error("%s: cannot write to standard output: %s", prog, strerror(errno));
			return GS_EXIT_FAIL;
		}
	}
	return rc;
}
