/* The live backend: opens a process by pid (/proc for maps, threads, executable, auxv) and
 * reads its memory without stopping it: batched process_vm_readv (IOV_MAX elements a call;
 * a fault ends a call and the read goes on after the faulting element), else pread of
 * /proc/PID/mem, else PTRACE_PEEKDATA through a thread we hold stopped. */
#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/uio.h>
#include <unistd.h>

#include "internal.h"

#ifndef IOV_MAX
#define IOV_MAX 1024
#endif

static enum gs_arch host_arch(void)
{
#if defined(__x86_64__)
	return GS_ARCH_AMD64;
#elif defined(__aarch64__)
	return GS_ARCH_ARM64;
#else
	return GS_ARCH_UNKNOWN;
#endif
}

void gs_live_release(struct gs_mem *m)
{
	struct gs_ctx ctx;
	gs_ctx_init(&ctx);
	if (m->stopped)
		gs_ptrace_resume(m, &ctx);
	if (m->mem_fd >= 0)
		close(m->mem_fd);
	m->mem_fd = -1;
}

/* One element through /proc/PID/mem, then word by word through ptrace if we hold a thread. */
static int read_slow(struct gs_mem *m, struct gs_mem_iov *v)
{
	if (m->mem_fd < 0) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/mem", m->pid);
		m->mem_fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (m->mem_fd >= 0) {
		while (v->got < v->len) {
			ssize_t r = pread(m->mem_fd, (char *)v->buf + v->got, v->len - v->got,
					  (off_t)(v->addr + v->got));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			v->got += (size_t)r;
		}
		if (v->got == v->len)
			return 0;
		if (v->got > 0 || errno == EIO || errno == EFAULT)
			return -EFAULT;
	}
	if (!m->stopped)
		return m->mem_fd < 0 ? -errno : -EFAULT;
	while (v->got < v->len) {
		uint64_t word;
		uint64_t at = v->addr + v->got;
		size_t skew = (size_t)(at & 7), take;
		if (gs_ptrace_peek(m, at - skew, &word))
			return -EFAULT;
		take = 8 - skew;
		if (take > v->len - v->got)
			take = v->len - v->got;
		memcpy((char *)v->buf + v->got, (char *)&word + skew, take);
		v->got += take;
	}
	return 0;
}

int gs_live_readv(struct gs_mem *m, struct gs_mem_iov *iov, size_t n, struct gs_ctx *ctx)
{
	struct iovec local[IOV_MAX], remote[IOV_MAX];
	bool incomplete = false;
	size_t i = 0;

	while (i < n) {
		if (m->no_vm_readv) {
			int err = read_slow(m, &iov[i]);
			if (err == -EFAULT)
				incomplete = true;
			else if (err)
				return gs_procfs_explain(m->pid, err, "cannot read the memory of", ctx);
			i++;
			continue;
		}
		size_t k = n - i < IOV_MAX ? n - i : IOV_MAX;
		size_t total = 0;
		for (size_t j = 0; j < k; j++) {
			local[j].iov_base = iov[i + j].buf;
			local[j].iov_len = iov[i + j].len;
			remote[j].iov_base = (void *)(uintptr_t)iov[i + j].addr;
			remote[j].iov_len = iov[i + j].len;
			/* keep one call's total within ssize_t */
			if (iov[i + j].len > (size_t)SSIZE_MAX - total) {
				k = j ? j : 1;
				break;
			}
			total += iov[i + j].len;
		}
		ssize_t r = process_vm_readv(m->pid, local, k, remote, k, 0);
		if (r < 0) {
			int e = errno;
			if (e == EINTR)
				continue;
			if (e == EFAULT) {
				/* the first element faulted at its start */
				incomplete = true;
				i++;
				continue;
			}
			if (e == ENOSYS || e == EPERM || e == EACCES || e == EINVAL) {
				/* a seccomp policy or an old kernel: /proc/PID/mem may still work */
				int err = read_slow(m, &iov[i]);
				if (err && err != -EFAULT)
					return gs_procfs_explain(m->pid, -e, "cannot read the memory of", ctx);
				m->no_vm_readv = true;
				incomplete |= err == -EFAULT;
				i++;
				continue;
			}
			return gs_procfs_explain(m->pid, -e, "cannot read the memory of", ctx);
		}
		size_t left = (size_t)r, j = i;
		for (; j < i + k; j++) {
			size_t take = left < iov[j].len ? left : iov[j].len;
			iov[j].got = take;
			left -= take;
			if (take < iov[j].len)
				break;
		}
		if (j < i + k) {
			/* element j faulted after `got` bytes; the rest of it is given up */
			incomplete = true;
			i = j + 1;
		} else {
			i += k;
		}
	}
	return incomplete ? -EFAULT : 0;
}

int gs_mem_open_pid(int pid, const struct gs_mem_opts *opts, struct gs_ctx *ctx, struct gs_mem **out)
{
	struct gs_mem *m;
	int err;
	*out = NULL;
	if (pid <= 0)
		return gs_ctx_err(ctx, -EINVAL, "%d is not a process id", pid);
	if ((err = gs_mem_alloc(GS_MEM_LIVE, &m)))
		return gs_ctx_err(ctx, err, "out of memory");
	m->pid = pid;
	m->arch = host_arch();
	if (opts) {
		m->on_stopped = opts->on_stopped;
		m->on_stopped_arg = opts->on_stopped_arg;
	}
	if ((err = gs_procfs_status(m, ctx)) || (err = gs_procfs_maps(m, ctx)) ||
	    (err = gs_procfs_tasks(m, ctx)) || (err = gs_procfs_exe(m, ctx)) ||
	    (err = gs_procfs_auxv(m, ctx)))
		goto fail;
	gs_mem_finish(m, ctx);

	/* a read of a mapping that is certainly there tells whether we may read at all */
	const struct gs_mem_mapping *maps;
	size_t nmaps;
	maps = gs_mem_mappings(m, &nmaps);
	for (size_t i = 0; i < nmaps; i++) {
		uint8_t byte;
		struct gs_mem_iov v = {maps[i].start, &byte, 1, 0};
		if (!(maps[i].prot & GS_MAP_READ) || !strcmp(maps[i].path, "[vvar]") ||
		    !strcmp(maps[i].path, "[vsyscall]"))
			continue;
		err = gs_live_readv(m, &v, 1, ctx);
		if (err == -EFAULT)
			continue;
		if (err)
			goto fail;
		break;
	}
	*out = m;
	return 0;
fail:
	gs_mem_free(m);
	return err;
}
