/* Command-line helpers over lib/target: a PID or a core file named by one argument, and
 * addresses given as numbers or as symbols of the main executable (with the load bias). */
#include <ctype.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "goscope/gobin.h"
#include "target_cli.h"

bool gs_target_is_pid(const char *arg, int *pid)
{
	struct stat st;
	int64_t v;
	size_t i;
	for (i = 0; arg[i]; i++)
		if (!isdigit((unsigned char)arg[i]))
			return false;
	if (i == 0 || i > 9 || stat(arg, &st) == 0 || gs_parse_i64(arg, &v) || v <= 0)
		return false;
	*pid = (int)v;
	return true;
}

static void hold_stopped(void *arg, const struct gs_mem *m)
{
	int64_t ms = (int64_t)(intptr_t)arg;
	size_t n;
	gs_mem_threads(m, &n);
	fprintf(stderr, "%s: holding %zu threads stopped for %lld ms\n", gs_cli_prog, n, (long long)ms);
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

void gs_target_test_hooks(struct gs_mem_opts *opts)
{
	const char *env = getenv("GOSCOPE_TEST_HOLD_STOPPED_MS");
	int64_t ms;
	if (!env || gs_parse_i64(env, &ms) || ms <= 0 || ms > 3600000)
		return;
	opts->on_stopped = hold_stopped;
	opts->on_stopped_arg = (void *)(intptr_t)ms;
}

int gs_target_open(const char *arg, const char *exe, struct gs_ctx *ctx, struct gs_mem **out)
{
	struct gs_mem_opts opts = {.exe_path = exe};
	int pid, err;
	if (gs_target_is_pid(arg, &pid)) {
		gs_target_test_hooks(&opts);
		if ((err = gs_mem_open_pid(pid, &opts, ctx, out)))
			return fail("%s", gs_ctx_errmsg(ctx));
		return 0;
	}
	if ((err = gs_mem_open_core(arg, &opts, ctx, out)))
		return fail_ctx(ctx, err, "cannot read core file '%s'", arg);
	return 0;
}

int gs_target_resolve(struct gs_mem *m, const char *exe, const char *what, uint64_t *addr,
		      uint64_t *size, struct gs_ctx *ctx)
{
	struct gs_elf *elf = NULL;
	struct gs_elf_symbol sym;
	bool known;
	char *end;
	int err;

	*size = 0;
	if (isdigit((unsigned char)what[0])) {
		errno = 0;
		unsigned long long v = strtoull(what, &end, 0);
		if (errno || *end)
			return fail("'%s' is not an address", what);
		*addr = v;
		return 0;
	}
	if (!exe || !*exe)
		exe = gs_mem_exe_path(m);
	if (!*exe)
		return fail("cannot resolve '%s': the executable is unknown (use --binary)", what);
	if ((err = gs_elf_open_path(exe, ctx, &elf))) {
		fail_ctx(ctx, err, "cannot open executable '%s'", exe);
		hint("name the executable with --binary, or give '%s' as an address", what);
		return GS_EXIT_FAIL;
	}
	err = gs_elf_symbol_find(elf, what, ctx, &sym);
	gs_elf_free(elf);
	if (err)
		return fail("no symbol '%s' in '%s'", what, exe);
	uint64_t bias = gs_mem_load_bias(m, &known);
	if (!known)
		return fail("cannot resolve '%s': the load bias of '%s' is unknown", what, exe);
	*addr = sym.value + bias;
	*size = sym.size;
	return 0;
}
