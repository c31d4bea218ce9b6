/* The body shared by the traces, tags, tree and peek commands: parse pprof's flags, load and
 * prepare the report, build the graph when the report needs one, and render text or JSON to
 * stdout or -o FILE. The commands differ only in their usage text and their kind of report. */
#ifndef GOSCOPE_REPORT_CLI_H
#define GOSCOPE_REPORT_CLI_H

#include "goscope/core.h"

/* Runs `goscope NAME` for NAME traces, tags, tree or peek (for peek the first positional
 * argument is the regular expression). Returns the exit code. */
int gs_report_cli_run(const char *name, int argc, char **argv, struct gs_ctx *ctx);

#endif
