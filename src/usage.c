/* Messages and exit codes of the CLI: the only place that writes diagnostics to stderr. */
#include "cli.h"

GS_PRINTF(2, 0) static void vreport(const char *prefix, const char *fmt, va_list ap)
{
	fflush(stdout);
	if (prefix)
		fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(NULL, fmt, ap);
	va_end(ap);
}

void warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s: warning: ", gs_cli_prog);
	vreport(NULL, fmt, ap);
	va_end(ap);
}

void hint(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("hint: ", fmt, ap);
	va_end(ap);
}

int fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", gs_cli_prog);
	vreport(NULL, fmt, ap);
	va_end(ap);
	return GS_EXIT_FAIL;
}

int fail_ctx(const struct gs_ctx *ctx, int err, const char *fmt, ...)
{
	va_list ap;
	const char *why = gs_ctx_errmsg(ctx);
	fflush(stdout);
	fprintf(stderr, "%s: ", gs_cli_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", why && *why ? why : strerror(err < 0 ? -err : err));
	return GS_EXIT_FAIL;
}

int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", gs_cli_prog);
	vreport(NULL, fmt, ap);
	va_end(ap);
	fprintf(stderr, "hint: see '%s -h'\n", gs_cli_prog);
	return GS_EXIT_USAGE;
}

void print_usage(const struct gs_cli_cmd *cmd)
{
	fputs(cmd->usage, stdout);
}
