/* Resolution of the goroutine commands' TARGET into a snapshot: dump text from a file, stdin
 * or a service's debug=2 endpoint (lib/net), or the memory of a live process or a core file
 * (lib/target, read by lib/goruntime with the executable's pclntab and runtime layout). */
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "goscope/net.h"
#include "gtarget.h"
#include "goscope/goruntime.h"
#include "goscope/layout.h"
#include "goscope/target.h"
#include "source.h"
#include "target_cli.h"

static bool is_core_file(const char *path)
{
	unsigned char h[18];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, h, sizeof(h));
	close(fd);
	/* ELF magic and e_type ET_CORE (4), either byte order */
	return n == (ssize_t)sizeof(h) && memcmp(h, "\x7f" "ELF", 4) == 0 &&
	       ((h[5] == 1 && h[16] == 4 && h[17] == 0) || (h[5] == 2 && h[16] == 0 && h[17] == 4));
}

enum gs_gtarget_kind gs_gtarget_classify(const char *target)
{
	struct stat st;
	if (!strcmp(target, "-"))
		return GS_GTARGET_DUMP;
	if (stat(target, &st) == 0)
		return S_ISREG(st.st_mode) && is_core_file(target) ? GS_GTARGET_CORE : GS_GTARGET_DUMP;
	if (gs_source_is_url(target))
		return GS_GTARGET_URL;
	int pid;
	if (gs_target_is_pid(target, &pid))
		return GS_GTARGET_PID;
	return GS_GTARGET_DUMP; /* reading it fails with "No such file or directory" */
}

/* The goroutines of an opened process or core: its executable (binary, else the one the
 * target names), that executable's pclntab and runtime layout, then lib/goruntime. */
static int read_memory(struct gs_mem *mem, const char *what, const struct gs_gtarget_opts *opts,
		       struct gs_ctx *ctx, struct gs_snapshot **out)
{
	struct gs_goroutines_opts o = {.consistent = opts && opts->consistent};
	const char *exe = opts && opts->binary ? opts->binary : gs_mem_exe_path(mem);
	struct gs_elf *elf = NULL;
	struct gs_pclntab *pcln = NULL;
	struct gs_layout *layout = NULL;
	int err;
	if (!exe || !exe[0])
		return gs_ctx_err(ctx, -ENOENT, "the executable of %s is unknown (give it with --binary)",
				  what);
	err = gs_elf_open_path(exe, ctx, &elf);
	if (!err)
		err = gs_pclntab_open(elf, ctx, &pcln);
	if (!err)
		err = gs_layout_open(elf, pcln, 0, ctx, &layout);
	if (err)
		gs_ctx_prefix(ctx, err, "%s", exe);
	else
		err = gs_goroutines_read(mem, pcln, layout, &o, ctx, out);
	gs_layout_free(layout);
	gs_pclntab_free(pcln);
	gs_elf_free(elf);
	return err;
}

int gs_gtarget_from_pid(int pid, const struct gs_gtarget_opts *opts, struct gs_ctx *ctx,
			struct gs_snapshot **out)
{
	struct gs_mem_opts mopts = {.exe_path = opts ? opts->binary : NULL};
	struct gs_mem *mem = NULL;
	char what[32];
	gs_target_test_hooks(&mopts);
	int err = gs_mem_open_pid(pid, &mopts, ctx, &mem);
	if (err)
		return err;
	snprintf(what, sizeof(what), "pid %d", pid);
	err = read_memory(mem, what, opts, ctx, out);
	gs_mem_free(mem);
	return err;
}

int gs_gtarget_from_core(const char *path, const struct gs_gtarget_opts *opts,
			 struct gs_ctx *ctx, struct gs_snapshot **out)
{
	struct gs_mem_opts mopts = {.exe_path = opts ? opts->binary : NULL};
	struct gs_mem *mem = NULL;
	int err = gs_mem_open_core(path, &mopts, ctx, &mem);
	if (err)
		return err;
	err = read_memory(mem, "the core file", opts, ctx, out);
	gs_mem_free(mem);
	return err;
}

static int64_t now_ns(int clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int read_url(const char *target, const struct gs_gtarget_opts *opts, struct gs_ctx *ctx,
		    struct gs_buf *body)
{
	struct gs_fetch_opts fo;
	struct gs_fetch_req req;
	gs_fetch_opts_init(&fo);
	fo.type = "goroutine";
	fo.debug = 2;
	fo.timeout_ns = opts ? opts->timeout_ns : 0;
	int err = gs_fetch_req_init(&req, target, &fo, ctx);
	if (err)
		return err;
	return gs_fetch_all(&req, ctx, body);
}

int gs_gtarget_snapshot(const char *target, const struct gs_gtarget_opts *opts,
			struct gs_ctx *ctx, struct gs_snapshot **out)
{
	enum gs_gtarget_kind kind = gs_gtarget_classify(target);
	int64_t t0 = now_ns(CLOCK_MONOTONIC), wall = now_ns(CLOCK_REALTIME);
	struct gs_buf body;
	char *data = NULL;
	size_t len = 0;
	int err;
	ctx->errmsg[0] = '\0';
	*out = NULL;
	if (kind == GS_GTARGET_PID) {
		int pid;
		if (!gs_target_is_pid(target, &pid))
			return gs_ctx_err(ctx, -EINVAL, "not a process id");
		return gs_gtarget_from_pid(pid, opts, ctx, out);
	}
	if (kind == GS_GTARGET_CORE)
		return gs_gtarget_from_core(target, opts, ctx, out);
	if (kind == GS_GTARGET_URL) {
		gs_buf_init(&body, ctx->limits.input_bytes);
		err = read_url(target, opts, ctx, &body);
		if (!err)
			err = gs_gdump_parse(body.data ? body.data : "", body.len, ctx, out);
		gs_buf_release(&body);
	} else {
		err = gs_read_file(target, ctx, &data, &len);
		if (!err)
			err = gs_gdump_parse(data, len, ctx, out);
		free(data);
	}
	if (err)
		return err;
	uint32_t name;
	if (gs_snapshot_intern_cstr(*out, !strcmp(target, "-") ? "stdin" : target, &name) == 0)
		(*out)->source_name = name;
	if (kind == GS_GTARGET_URL)
		(*out)->time_unix_ns = wall; /* a file's dump was taken at some unknown time */
	(*out)->duration_ns = now_ns(CLOCK_MONOTONIC) - t0;
	return 0;
}

int gs_gtarget_args(const char *cmd, const struct gs_flag *flags, int argc, char **argv,
		    struct gs_strlist *pos, bool *stop)
{
	int rc = gs_flags_parse(gs_cli_find(cmd), flags, argc, argv, pos);
	*stop = true;
	if (rc)
		return rc == GS_FLAGS_HELP ? 0 : rc;
	if (pos->len != 1)
		return usage_error(pos->len ? "one TARGET only" : "missing TARGET");
	*stop = false;
	return 0;
}

int gs_gtarget_load(const char *target, const struct gs_gtarget_opts *opts, struct gs_ctx *ctx,
		    struct gs_snapshot **out)
{
	int err = gs_gtarget_snapshot(target, opts, ctx, out);
	if (err)
		return fail_ctx(ctx, err, "cannot read '%s'", target);
	if ((*out)->pause_ns > 0)
		fprintf(stderr, "%s: stopped the process for %.3f ms\n", gs_cli_prog,
			(double)(*out)->pause_ns / 1e6);
	return 0;
}
