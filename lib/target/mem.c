/* The gs_mem object shared by both backends: accessors, dispatch of reads to the live or the
 * core backend, and the load bias of the main executable (AT_ENTRY against the e_entry of
 * the ELF header read through the same interface). No I/O of its own. */
#include <elf.h>
#include <unistd.h>

#include "internal.h"

int gs_mem_alloc(enum gs_mem_kind kind, struct gs_mem **out)
{
	struct gs_mem *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->kind = kind;
	m->mem_fd = -1;
	gs_vec_init(&m->threads, sizeof(struct gs_thread));
	gs_vec_init(&m->maps, sizeof(struct gs_mem_mapping));
	gs_vec_init(&m->seized, sizeof(struct gs_seized));
	gs_arena_init(&m->arena);
	gs_arena_init(&m->core_arena);
	m->ppid = m->uid = m->gid = -1;
	*out = m;
	return 0;
}

void gs_mem_free(struct gs_mem *m)
{
	if (!m)
		return;
	if (m->kind == GS_MEM_LIVE)
		gs_live_release(m);
	else
		gs_core_release(m);
	gs_vec_release(&m->threads);
	gs_vec_release(&m->maps);
	gs_vec_release(&m->seized);
	gs_arena_release(&m->arena);
	gs_arena_release(&m->core_arena);
	free(m->auxv);
	free(m->exe_path);
	free(m->sysroot);
	free(m);
}

void gs_regs_fill_names(struct gs_regs *r)
{
	if (r->arch == GS_ARCH_AMD64 && r->count >= GS_AMD64_NREGS) {
		r->pc = r->words[GS_AMD64_RIP];
		r->sp = r->words[GS_AMD64_RSP];
		r->fp = r->words[GS_AMD64_RBP];
		r->lr = 0;
		r->tls = r->words[GS_AMD64_FS_BASE];
		r->tls_known = true;
	} else if (r->arch == GS_ARCH_ARM64 && r->count >= GS_ARM64_NREGS) {
		r->pc = r->words[GS_ARM64_PC];
		r->sp = r->words[GS_ARM64_SP];
		r->fp = r->words[GS_ARM64_FP];
		r->lr = r->words[GS_ARM64_LR];
	}
}

static int map_cmp(const void *a, const void *b)
{
	const struct gs_mem_mapping *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* The mapping of the main executable that holds its ELF header: offset 0 and the same file
 * as the mapping that holds AT_PHDR. */
static const struct gs_mem_mapping *exe_header_mapping(const struct gs_mem *m, uint64_t phdr)
{
	const struct gs_mem_mapping *at = gs_mem_mapping_at(m, phdr);
	const struct gs_mem_mapping *maps;
	size_t n;
	if (!at)
		return NULL;
	if (at->offset == 0)
		return at;
	if (!at->path[0])
		return NULL;
	maps = gs_mem_mappings(m, &n);
	for (size_t i = 0; i < n; i++)
		if (maps[i].offset == 0 && !strcmp(maps[i].path, at->path) && maps[i].start <= at->start)
			return &maps[i];
	return NULL;
}

void gs_mem_sort_maps(struct gs_mem *m)
{
	if (m->maps.len > 1)
		qsort(m->maps.data, m->maps.len, sizeof(struct gs_mem_mapping), map_cmp);
}

void gs_mem_finish(struct gs_mem *m, struct gs_ctx *ctx)
{
	uint64_t entry, phdr;
	uint8_t hdr[64];
	struct gs_ctx quiet = *ctx;

	gs_mem_sort_maps(m);
	m->bias_known = false;
	if (gs_mem_auxv(m, AT_ENTRY, &entry) || gs_mem_auxv(m, AT_PHDR, &phdr))
		return;
	const struct gs_mem_mapping *h = exe_header_mapping(m, phdr);
	if (!h || gs_mem_read(m, h->start, hdr, sizeof(hdr), &quiet))
		return;
	if (memcmp(hdr, ELFMAG, SELFMAG) || hdr[EI_CLASS] != ELFCLASS64 || hdr[EI_DATA] != ELFDATA2LSB)
		return;
	struct gs_rd rd;
	uint64_t e_entry;
	gs_rd_init(&rd, hdr + 24, 8);
	gs_rd_u64le(&rd, &e_entry);
	m->bias = entry - e_entry;
	m->bias_known = true;
}

enum gs_mem_kind gs_mem_kind(const struct gs_mem *m)
{
	return m->kind;
}

enum gs_arch gs_mem_arch(const struct gs_mem *m)
{
	return m->arch;
}

int gs_mem_pid(const struct gs_mem *m)
{
	return m->pid;
}

const char *gs_mem_comm(const struct gs_mem *m)
{
	return m->comm;
}

const char *gs_mem_args(const struct gs_mem *m)
{
	return m->args;
}

const char *gs_mem_exe_path(const struct gs_mem *m)
{
	return m->exe_path ? m->exe_path : "";
}

uint64_t gs_mem_load_bias(const struct gs_mem *m, bool *known)
{
	if (known)
		*known = m->bias_known;
	return m->bias_known ? m->bias : 0;
}

int gs_mem_auxv(const struct gs_mem *m, uint64_t type, uint64_t *value)
{
	struct gs_rd rd;
	uint64_t t, v;
	gs_rd_init(&rd, m->auxv, m->auxv_len);
	while (gs_rd_u64le(&rd, &t) == 0 && gs_rd_u64le(&rd, &v) == 0) {
		if (t == AT_NULL)
			break;
		if (t == type) {
			*value = v;
			return 0;
		}
	}
	return -ENOENT;
}

const uint8_t *gs_mem_auxv_raw(const struct gs_mem *m, size_t *len)
{
	*len = m->auxv_len;
	return m->auxv;
}

void gs_mem_ids(const struct gs_mem *m, int32_t *ppid, int32_t *uid, int32_t *gid)
{
	*ppid = m->ppid;
	*uid = m->uid;
	*gid = m->gid;
}

const struct gs_mem_mapping *gs_mem_mappings(const struct gs_mem *m, size_t *n)
{
	*n = m->maps.len;
	return m->maps.data;
}

const struct gs_mem_mapping *gs_mem_mapping_at(const struct gs_mem *m, uint64_t addr)
{
	const struct gs_mem_mapping *maps = m->maps.data;
	size_t lo = 0, hi = m->maps.len;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (addr < maps[mid].start)
			hi = mid;
		else if (addr >= maps[mid].end)
			lo = mid + 1;
		else
			return &maps[mid];
	}
	return NULL;
}

const struct gs_thread *gs_mem_threads(const struct gs_mem *m, size_t *n)
{
	*n = m->threads.len;
	return m->threads.data;
}

const struct gs_thread *gs_mem_thread(const struct gs_mem *m, int32_t tid)
{
	const struct gs_thread *t = m->threads.data;
	for (size_t i = 0; i < m->threads.len; i++)
		if (t[i].tid == tid)
			return &t[i];
	return NULL;
}

int gs_mem_readv(struct gs_mem *m, struct gs_mem_iov *iov, size_t n, struct gs_ctx *ctx)
{
	for (size_t i = 0; i < n; i++)
		iov[i].got = 0;
	if (n == 0)
		return 0;
	return m->kind == GS_MEM_LIVE ? gs_live_readv(m, iov, n, ctx) : gs_core_readv(m, iov, n, ctx);
}

int gs_mem_read(struct gs_mem *m, uint64_t addr, void *buf, size_t len, struct gs_ctx *ctx)
{
	struct gs_mem_iov iov = {addr, buf, len, 0};
	int err;
	if (len == 0)
		return 0;
	err = gs_mem_readv(m, &iov, 1, ctx);
	if (err == -EFAULT)
		return gs_ctx_err(ctx, err, "cannot read %zu bytes at 0x%llx: only %zu readable", len,
				  (unsigned long long)addr, iov.got);
	return err;
}

int gs_mem_read_cb(void *mem, uint64_t addr, void *buf, size_t len)
{
	struct gs_mem_iov iov = {addr, buf, len, 0};
	struct gs_ctx ctx;
	if (len == 0)
		return 0;
	gs_ctx_init(&ctx);
	return gs_mem_readv(mem, &iov, 1, &ctx);
}

int gs_mem_refresh(struct gs_mem *m, struct gs_ctx *ctx)
{
	int err;
	if (m->kind != GS_MEM_LIVE)
		return 0;
	/* while stopped the thread list is the stopped threads, with their registers */
	if ((err = gs_procfs_maps(m, ctx)) || (!m->stopped && (err = gs_procfs_tasks(m, ctx))))
		return err;
	gs_mem_sort_maps(m);
	return 0;
}

int gs_mem_smaps(struct gs_mem *m, struct gs_ctx *ctx)
{
	int err;
	if (m->kind != GS_MEM_LIVE)
		return 0;
	if ((err = gs_procfs_smaps(m, ctx)))
		return err;
	gs_mem_sort_maps(m);
	return 0;
}

int gs_mem_stop(struct gs_mem *m, const int32_t *tids, size_t ntids, unsigned timeout_ms,
		struct gs_ctx *ctx)
{
	if (m->kind != GS_MEM_LIVE)
		return gs_ctx_err(ctx, -ENOTSUP, "a core file has no threads to stop");
	if (m->stopped)
		return gs_ctx_err(ctx, -EALREADY, "pid %d is already stopped", m->pid);
	int err = gs_ptrace_stop(m, tids, ntids, timeout_ms ? timeout_ms : 5000, ctx);
	if (!err && m->on_stopped)
		m->on_stopped(m->on_stopped_arg, m);
	return err;
}

int gs_mem_resume(struct gs_mem *m, struct gs_ctx *ctx)
{
	if (m->kind != GS_MEM_LIVE || !m->stopped)
		return 0;
	return gs_ptrace_resume(m, ctx);
}

bool gs_mem_stopped(const struct gs_mem *m)
{
	return m->stopped;
}

bool gs_mem_parallel_reads(const struct gs_mem *m)
{
	return m->kind != GS_MEM_LIVE || !m->no_vm_readv;
}

uint64_t gs_mem_pause_ns(const struct gs_mem *m)
{
	return m->pause_ns;
}
