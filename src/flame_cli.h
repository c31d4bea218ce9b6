/* What goscope flame, folded and convert share, on top of the pprof flag table
 * (pprof_cli.h): preparing the report whose samples they draw or write, the options of the call
 * tree, the subtitle of a page, and the default output file name. */
#ifndef GOSCOPE_FLAME_CLI_H
#define GOSCOPE_FLAME_CLI_H

#include "goscope/flame.h"
#include "pprof_cli.h"

struct flame_cli {
	struct gs_pprof_cli pc;    /* the pprof flags: filters, sample index, -o, --json, sources */
	struct gs_report *report;  /* prepared by flame_cli_load */
	struct gs_profile *prof;   /* report->prof */
	struct gs_buf subtitle;    /* the report's profile header lines joined with " · " */
};

/* Parses argv with own (terminated by a zeroed entry, may be NULL) and the pprof flags.
 * Returns 0, GS_FLAGS_HELP or an exit code after printing the error. */
int flame_cli_parse(struct flame_cli *c, const struct gs_cli_cmd *cmd, const struct gs_flag *own,
		    int argc, char **argv);

/* Loads, merges (-base, -diff_base) and prepares the sources as a report of the given kind;
 * default_granularity applies when no granularity flag was given (GS_GRAN_DEFAULT: the kind's).
 * Returns 0 or an exit code after printing. */
int flame_cli_load(struct flame_cli *c, enum gs_report_kind kind,
		   enum gs_granularity default_granularity, struct gs_ctx *ctx);

/* Call-tree and folded-stacks options of the prepared report. */
void flame_cli_tree_opts(const struct flame_cli *c, struct gs_flame_opts *o);
void flame_cli_folded_opts(const struct flame_cli *c, struct gs_folded_opts *o);

/* "<base name of source without .pb.gz/.pprof/...><suffix>" in the current directory;
 * free() it. NULL on ENOMEM. */
char *flame_cli_default_output(const char *source, const char *suffix);

/* A short name for the page title: the first source's base name. */
const char *flame_cli_source_title(const struct flame_cli *c);

void flame_cli_release(struct flame_cli *c);

#endif
