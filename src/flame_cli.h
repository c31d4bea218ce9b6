/* What goscope flame, folded and convert share: the pprof flags that choose and filter the
 * samples, loading and merging the sources, the default output file name. */
#ifndef GOSCOPE_FLAME_CLI_H
#define GOSCOPE_FLAME_CLI_H

#include "cli.h"
#include "goscope/flame.h"

#define FLAME_CLI_PPROF_FLAGS_HELP                                                                 \
	"\n"                                                                                       \
	"PPROF FLAGS\n"                                                                            \
	"  -sample_index=N|NAME  sample type to show (default: the profile's default, else\n"     \
	"                    the last)\n"                                                          \
	"  -functions, -filefunctions, -files, -lines, -addresses\n"                              \
	"                    granularity of the frames\n"                                         \
	"  -noinlines        charge inlined frames to their physical caller\n"                    \
	"  -show_columns     keep column numbers with -lines\n"

struct flame_cli {
	struct gs_strlist sources;
	struct gs_profile *prof; /* loaded and prepared */
	struct gs_buf subtitle;  /* profile header lines joined with " · " */
	int si;                  /* resolved sample index */

	/* flags */
	const char *sample_index;
	int granularity;
	bool noinlines;
	bool show_columns;
	struct gs_flag *flags; /* the command's own flags + the shared ones */
};

/* Parses argv with own (terminated by a zeroed entry) and the shared flags. Returns 0,
 * GS_FLAGS_HELP or an exit code after printing the error. Needs at least one source. */
int flame_cli_parse(struct flame_cli *c, const struct gs_cli_cmd *cmd, const struct gs_flag *own,
		    int argc, char **argv);

/* Loads and merges the sources into c->prof and resolves -sample_index into c->si. Returns 0
 * or an exit code after printing. */
int flame_cli_load(struct flame_cli *c, struct gs_ctx *ctx);

/* Fills the call-tree options from the flags (granularity default left to the caller). */
void flame_cli_tree_opts(const struct flame_cli *c, struct gs_flame_opts *o);

/* Fills the folded-stacks options from the flags. */
void flame_cli_folded_opts(const struct flame_cli *c, struct gs_folded_opts *o);

/* "<base name of source without .pb.gz/.pprof/...><suffix>" in the current directory;
 * free() it. NULL on ENOMEM. */
char *flame_cli_default_output(const char *source, const char *suffix);

/* A short name for the page title: the first source's base name. */
const char *flame_cli_source_title(const struct flame_cli *c);

void flame_cli_release(struct flame_cli *c);

#endif
