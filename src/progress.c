/* Progress on a terminal: one line on stderr, redrawn at most ten times a second, erased when
 * the work ends. Silent when stderr is not a TTY, so pipes and CI logs stay clean. */
#include <time.h>
#include <unistd.h>

#include "cli.h"

struct progress_state {
	struct timespec last;
	bool drawn;
};

static struct progress_state progress_state;

bool gs_stderr_is_tty(void)
{
	return isatty(2);
}

bool gs_stdout_is_tty(void)
{
	return isatty(1);
}

bool gs_use_color(void)
{
	const char *nc = getenv("NO_COLOR");
	const char *term = getenv("TERM");
	return gs_stdout_is_tty() && !(nc && *nc) && !(term && !strcmp(term, "dumb"));
}

static void human(char *buf, size_t n, uint64_t v)
{
	if (v >= (1ULL << 30))
		snprintf(buf, n, "%.1fG", v / 1073741824.0);
	else if (v >= (1ULL << 20))
		snprintf(buf, n, "%.1fM", v / 1048576.0);
	else if (v >= 1024)
		snprintf(buf, n, "%.1fk", v / 1024.0);
	else
		snprintf(buf, n, "%llu", (unsigned long long)v);
}

static int draw(void *arg, const char *what, uint64_t done, uint64_t total)
{
	struct progress_state *st = arg;
	struct timespec now;
	char d[32], t[32];
	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms = (now.tv_sec - st->last.tv_sec) * 1000 + (now.tv_nsec - st->last.tv_nsec) / 1000000;
	if (st->drawn && ms < 100 && done != total)
		return 0;
	st->last = now;
	human(d, sizeof(d), done);
	if (total) {
		human(t, sizeof(t), total);
		fprintf(stderr, "\r\033[K%s: %s %s/%s (%.0f%%)", gs_cli_prog, what, d, t,
			100.0 * (double)done / (double)total);
	} else {
		fprintf(stderr, "\r\033[K%s: %s %s", gs_cli_prog, what, d);
	}
	st->drawn = true;
	return 0;
}

void gs_progress_enable(struct gs_ctx *ctx)
{
	if (!gs_stderr_is_tty())
		return;
	memset(&progress_state, 0, sizeof(progress_state));
	ctx->progress = draw;
	ctx->progress_arg = &progress_state;
}

void gs_progress_done(struct gs_ctx *ctx)
{
	if (ctx->progress == draw && progress_state.drawn) {
		fputs("\r\033[K", stderr);
		progress_state.drawn = false;
	}
	ctx->progress = NULL;
}
