/* The flags every pprof-style report command shares (top, tree, peek, traces, tags, flame,
 * folded, convert), spelled as `go tool pprof` spells them, and the loading of the sources
 * (several are merged as pprof merges them, with -base/-diff_base). A command adds its own
 * flags through `extra` and then asks for a prepared report. */
#ifndef GOSCOPE_PPROF_CLI_H
#define GOSCOPE_PPROF_CLI_H

#include "cli.h"
#include "goscope/gobin.h"
#include "goscope/report.h"
#include "source.h"

struct gs_pprof_cli {
	struct gs_report_opts opts; /* every report option, pprof defaults */
	const char *output;         /* -output/-o; NULL = stdout */
	bool json;                  /* --json */
	struct gs_strlist sources;  /* positional arguments */
	struct gs_strlist bases, diff_bases;
	bool normalize;
	struct gs_source_opts source; /* -seconds, -timeout for URL sources */
	const char *symbolize;      /* pprof's -symbolize: none, local, force, demangle=... */
	/* the Go binary given before the profiles (`goscope top BINARY PROFILE`), loaded by
	 * gs_pprof_cli_load */
	const char *binary;
	struct gs_elf *bin_elf;
	struct gs_pclntab *bin_tab;
	/* flag storage turned into opts by gs_pprof_cli_parse */
	bool gran[5], sort_flat, sort_cum;
	bool legacy[7];
	bool show_columns_alt;
};

/* Parses argv (argv[0] is the command name) with the shared flags plus extra (terminated by
 * an entry whose name is NULL; may be NULL). Returns 0, GS_FLAGS_HELP after printing the usage,
 * or an exit code after printing the error. Warnings pprof prints (e.g. "Multiple value
 * selections, ignoring -alloc_space") go to stderr. Release with gs_pprof_cli_release. */
int gs_pprof_cli_parse(struct gs_pprof_cli *c, const struct gs_cli_cmd *cmd,
		       const struct gs_flag *extra, int argc, char **argv);
void gs_pprof_cli_release(struct gs_pprof_cli *c);

/* Loads every source and base and combines them (gs_profile_combine). When the first
 * source is an ELF executable (by its magic) and more follow, it is the Go binary that
 * symbolizes the locations the profiles have no lines for (gs_profile_symbolize), unless
 * -symbolize says none or remote. Prints the error and returns an exit code on failure; 0 and
 * *out otherwise. */
int gs_pprof_cli_load(struct gs_pprof_cli *c, struct gs_ctx *ctx, struct gs_profile **out);

/* Loads, then prepares the report of the given kind (gs_report_new); pprof's warnings are
 * printed on stderr. Prints the error and returns an exit code on failure. */
int gs_pprof_cli_report(struct gs_pprof_cli *c, enum gs_report_kind kind, struct gs_ctx *ctx,
			struct gs_report **out);

/* The OPTIONS text of the shared flags, for a command's usage (ends with a newline). */
#define GS_PPROF_CLI_USAGE                                                                         \
	"SOURCES\n"                                                                                \
	"  profile files (.pb.gz, raw profile.proto, Go's debug=1 text), '-' for stdin, or\n"       \
	"  URLs / host:port of a /debug/pprof/ endpoint; several sources are merged.\n"             \
	"  A Go executable first (BINARY) symbolizes addresses without names, with inlined\n"      \
	"  frames (debug=1 text with its '#' lines removed, unsymbolized profiles)\n"               \
	"\n"                                                                                       \
	"OPTIONS (as go tool pprof)\n"                                                             \
	"  -sample_index=NAME|N   value to show (default: default_sample_type, else the last)\n"    \
	"  -mean                  divide each value by the sample count (column 0)\n"               \
	"  -inuse_space -inuse_objects -alloc_space -alloc_objects\n"                              \
	"  -total_delay -contentions -mean_delay   shorthands for -sample_index (and -mean)\n"      \
	"  -focus=RE -ignore=RE   keep samples with a frame matching / drop those with one\n"        \
	"  -hide=RE -show=RE      remove matching frames / keep only matching frames\n"             \
	"  -show_from=RE          drop frames above the highest match\n"                            \
	"  -prune_from=RE         drop frames below the lowest match\n"                             \
	"  -tagfocus=F -tagignore=F  label filters: key=regex,regex | regex | 1kb | 1kb:64mb\n"     \
	"  -tagshow=RE -taghide=RE   keep / remove label keys\n"                                    \
	"  -tagroot=K,K -tagleaf=K,K add pseudo-frames named after label values\n"                  \
	"  -nodecount=N -nodefraction=F -edgefraction=F -trim=false\n"                              \
	"  -cum -flat             sort by cumulative / flat value\n"                                \
	"  -functions -filefunctions -files -lines -addresses   granularity\n"                     \
	"  -noinlines             charge inlined calls to their caller\n"                           \
	"  -showcolumns           column numbers with -lines (also -show_columns)\n"                \
	"  -unit=U -divide_by=X   output unit (minimum, auto, ms, MB, ...) / divisor\n"             \
	"  -relative_percentages  percentages of the filtered total\n"                              \
	"  -drop_negative -compact_labels -all_frames -trim_path=P1:P2\n"                           \
	"  -base=SRC (repeatable) subtract; -diff_base=SRC compare; -normalize\n"                   \
	"  -seconds=N -timeout=N  for URL sources\n"                                                \
	"  -symbolize=MODE        with BINARY: none (keep addresses), local (default), force\n"    \
	"                         (redo named locations too); ':'-separated as in pprof\n"          \
	"  -output=FILE, -o FILE  write to FILE (atomically); --json  JSON output\n"

#endif
