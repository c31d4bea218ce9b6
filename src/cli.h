/* Shared pieces of the goscope command-line tool: the command table, messages and exit codes,
 * flag parsing, output files and progress. The CLI is thin: it parses arguments, calls the
 * library and chooses renderers. */
#ifndef GOSCOPE_CLI_H
#define GOSCOPE_CLI_H

#include "goscope/core.h"

/* Exit codes (documented in goscope(1)). */
enum {
	GS_EXIT_OK = 0,
	GS_EXIT_PARTIAL = 1, /* some of the result is missing (unreadable goroutines, lost samples) */
	GS_EXIT_FAIL = 2,    /* bad input or failure */
	GS_EXIT_USAGE = 64,
};

struct gs_cli_cmd {
	const char *name;
	int (*fn)(int argc, char **argv, struct gs_ctx *ctx);
	const char *summary; /* one line, for `goscope help` */
	const char *usage;   /* full text for `goscope help CMD` and `goscope CMD -h`; ends with
			      * EXAMPLES */
};

/* Every command file src/cmd_<name>.c defines cmd_<name>, cmd_<name>_summary and
 * cmd_<name>_usage; the table is generated from the files present. */
#define GS_COMMAND(name)                                                                           \
	int cmd_##name(int argc, char **argv, struct gs_ctx *ctx);                                 \
	extern const char cmd_##name##_summary[];                                                  \
	extern const char cmd_##name##_usage[];
#include "commands.def"
#undef GS_COMMAND

extern const struct gs_cli_cmd gs_cli_commands[];
const struct gs_cli_cmd *gs_cli_find(const char *name);
/* The command being run (for message prefixes): "goscope top". */
extern const char *gs_cli_prog;

/* ---- messages (usage.c) ----
 * One line, lowercase, no trailing period: "goscope top: cannot read 'x.pb.gz': ..." */
void error(const char *fmt, ...) GS_PRINTF(1, 2);
void warn(const char *fmt, ...) GS_PRINTF(1, 2);
void hint(const char *fmt, ...) GS_PRINTF(1, 2);
/* Prints the error and returns GS_EXIT_FAIL. */
int fail(const char *fmt, ...) GS_PRINTF(1, 2);
/* Prints the error and a pointer to -h; returns GS_EXIT_USAGE. */
int usage_error(const char *fmt, ...) GS_PRINTF(1, 2);
/* Prints "what: <ctx message or strerror(err)>" and returns GS_EXIT_FAIL. */
int fail_ctx(const struct gs_ctx *ctx, int err, const char *fmt, ...) GS_PRINTF(3, 4);
/* Prints the usage of the command to stdout. */
void print_usage(const struct gs_cli_cmd *cmd);

/* ---- flags (flags.c) ----
 * Go flag-package spelling: -name, --name, -name=value, -name value; booleans take no value
 * (or =true/=false). Positional arguments may be mixed with flags; "--" ends flags. -h and
 * --help print the usage and make the parser return GS_FLAGS_HELP. */
enum gs_flag_kind {
	GS_FLAG_BOOL,     /* bool * */
	GS_FLAG_STR,      /* const char ** */
	GS_FLAG_INT,      /* int64_t * */
	GS_FLAG_F64,      /* double * */
	GS_FLAG_DURATION, /* int64_t * nanoseconds; a bare number is seconds */
	GS_FLAG_STRLIST,  /* struct gs_strlist *: each use appends */
	GS_FLAG_SET,      /* int * set to `set_value` (for mutually exclusive choices) */
};

struct gs_strlist {
	const char **items;
	size_t len;
};

struct gs_flag {
	const char *name;  /* without dashes */
	char short_name;   /* 0 = none; "-o FILE" */
	enum gs_flag_kind kind;
	void *dest;
	int set_value;     /* GS_FLAG_SET */
	bool *seen;        /* optional: set when the flag is given */
};

#define GS_FLAGS_HELP (-1000)
/* Parses argv[1..argc) (argv[0] is the command name). Positional arguments are gathered in
 * *pos (pointers into argv; free the array). Returns 0, GS_FLAGS_HELP after printing usage,
 * or GS_EXIT_USAGE after printing an error. */
int gs_flags_parse(const struct gs_cli_cmd *cmd, const struct gs_flag *flags, int argc, char **argv,
		   struct gs_strlist *pos);
void gs_strlist_release(struct gs_strlist *l);
int gs_strlist_add(struct gs_strlist *l, const char *s);

/* ---- output (output.c) ----
 * Reports go to stdout or to a file given with -o/-output; a file is written to a temp file
 * beside it and renamed only when everything was written. */
struct gs_output {
	FILE *fp;
	const char *path;  /* NULL = stdout */
	char *tmp_path;
	bool direct;       /* not a regular file (a device, a FIFO): written in place */
	struct gs_out out;
};

int gs_output_open(struct gs_output *o, const char *path);
/* Flushes, checks for write errors and renames into place (commit) or removes the temp file
 * (!commit). Returns 0 or prints an error and returns GS_EXIT_FAIL. */
int gs_output_close(struct gs_output *o, bool commit);
/* Ends a report whose renderer returned err (0 or a negative errno) and returns the exit
 * code. When err is 0 or the output's own error (o->out.err) the output is closed as by
 * gs_output_close(o, true): a write error is reported, except a reader that closed stdout
 * or a FIFO (-EPIPE, `goscope traces p.pb.gz | head -1`), which ends the report quietly
 * with 0. Any other err removes the output file and prints "<fmt...>: <why>", why being
 * ctx's message or, when ctx is NULL or has none, strerror(-err); returns GS_EXIT_FAIL. */
int gs_output_finish(struct gs_output *o, int err, const struct gs_ctx *ctx, const char *fmt, ...)
	GS_PRINTF(4, 5);

/* Reads a whole file (or "-" for stdin) with the context's input cap. */
int gs_read_file(const char *path, struct gs_ctx *ctx, char **data, size_t *len);

/* ---- progress (progress.c) ----
 * On a TTY (stderr) and without NO_COLOR/--quiet concerns, draws one updating line; when
 * stderr is not a TTY it stays silent. */
void gs_progress_enable(struct gs_ctx *ctx);
void gs_progress_done(struct gs_ctx *ctx);
bool gs_stderr_is_tty(void);
bool gs_stdout_is_tty(void);
bool gs_use_color(void);

#endif
