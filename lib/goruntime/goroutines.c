/* Every goroutine of a live process or a core file, read from the outside: allglen/allgptr,
 * the g structs in batches (scatter reads), each decoded with the binary's runtime layout,
 * its stack unwound from the registers the runtime would use (traceback1), its frames
 * filtered as a debug=2 dump shows them, plus state, wait reason and time, labels, creator
 * and thread. In non-stop mode goroutines that changed under the read are read again.
 * It does not print (lib/gdump renders snapshots) and does not stop threads itself (target). */
#include <pthread.h>
#include <time.h>

#include "goruntime/labels.h"
#include "goscope/goroutine.h"
#include "goscope/target.h"

/* g structs (and stack windows) read per scatter read. */
#define BATCH 256
/* Bytes of each stack read up front from the start SP; deeper frames are read on demand. */
#define STACK_WINDOW (16u << 10)
/* Bytes read per on-demand stack read. */
#define STACK_CHUNK (16u << 10)
/* Ms followed along allm (a hostile list could cycle; a cycle is also detected). */
#define MAX_MS 65536
/* Reads of runtime.allgs while the runtime replaces its array under us (it grew). */
#define ALLGS_TRIES 8
/* Largest goroutine stack (runtime.maxstacksize on 64-bit): wider bounds are torn or garbage. */
#define MAX_STACK_BYTES (1ull << 30)
/* Default number of re-reads of a goroutine that changed while it was read (non-stop). */
#define DEFAULT_RETRIES 5
/* Consistent mode copies the bytes a snapshot needs while the threads are stopped, and
 * unwinds after resuming them: of each goroutine's stack at most this much from its lowest
 * SP (deeper frames are read after the resume), ... */
#define COPY_STACK_MAX (256u << 10)
/* ... and at most this much in all (past it everything is read stopped, a longer pause). */
#define COPY_MAX (1ull << 30)
/* Ranges of the copy less than this far apart are read as one element (the bytes between are
 * cheaper to copy than a system call element is to set up: pinning the page, the lookups). */
#define COPY_GAP 512
/* Bytes of one such merged element at most. */
#define COPY_RUN_MAX (256u << 10)
/* Scatter reads of at least this many elements are split between two threads (consistent
 * mode: the pause is the wall time of the copy). */
#define PARALLEL_MIN 4096
/* Label strings read ahead per call of labels_ahead at most, and their bytes at most (the rest
 * are read when used). */
#define AHEAD_STRINGS_MAX 65536
#define AHEAD_BYTES_MAX (16u << 20)
/* Strings just gathered that a new one is compared with, to skip repeats. */
#define AHEAD_RECENT 8
/* Spans of the copy looked at before a read is taken as not copied (spans may overlap: a
 * merged run of one kind of range may cover ranges of another). */
#define COPY_OVERLAP_SCAN 64
/* Status values (runtime2.go). */
enum {
	G_IDLE = 0, G_RUNNABLE = 1, G_RUNNING = 2, G_SYSCALL = 3, G_WAITING = 4, G_DEAD = 6,
	G_COPYSTACK = 8, G_PREEMPTED = 9, G_LEAKED = 10, G_DEADEXTRA = 11, G_SCAN = 0x1000,
};

static uint64_t get64(const uint8_t *b, size_t size, uint32_t off)
{
	if (off == GS_LAYOUT_UNKNOWN || (uint64_t)off + 8 > size)
		return 0;
	uint64_t x = 0;
	for (int i = 7; i >= 0; i--)
		x = x << 8 | b[off + (size_t)i];
	return x;
}

static uint32_t get32(const uint8_t *b, size_t size, uint32_t off)
{
	if (off == GS_LAYOUT_UNKNOWN || (uint64_t)off + 4 > size)
		return 0;
	return (uint32_t)b[off] | (uint32_t)b[off + 1] << 8 | (uint32_t)b[off + 2] << 16 |
	       (uint32_t)b[off + 3] << 24;
}

static uint8_t get8(const uint8_t *b, size_t size, uint32_t off)
{
	if (off == GS_LAYOUT_UNKNOWN || (uint64_t)off + 1 > size)
		return 0;
	return b[off];
}

/* One M of allm. */
struct mview {
	uint64_t addr;
	int64_t id;
	uint64_t procid;
	uint64_t curg;
	uint64_t vdso_sp, vdso_pc;
	const struct gs_thread *thread; /* its stopped thread (registers), or NULL */
};

/* The fields of a g that matter. */
struct gview {
	uint64_t addr;
	uint32_t status_raw, status;
	uint64_t goid, lo, hi, sched_sp, sched_pc, sched_lr, syscallsp, syscallpc, stktopsp, m;
	int64_t waitsince;
	uint8_t waitreason;
	uint64_t lockedm, parent_goid, gopc, startpc, labels;
};

/* Bytes [addr, addr + len) of the target, at data + off of the copy. */
struct span {
	uint64_t addr;
	size_t off, len;
	uint64_t reach; /* once sorted: the largest end of this span and those before it */
};

/* Bytes copied ahead of their use: consistent mode, what was copied while the threads were
 * stopped; non-stop, the label bytes of a batch read ahead. */
struct copy {
	struct span *spans; /* the first `sorted` sorted by addr (copy_seal), others appended */
	size_t n, cap, sorted;
	uint8_t *data;
	size_t len, data_cap;
};

struct reader {
	struct gs_mem *mem;
	struct gs_ctx *ctx;
	struct gs_ctx scratch; /* messages of expected read failures */
	const struct gs_layout *l;
	const struct gs_pclntab *pcln;
	struct gs_unwinder *u;
	struct gs_snapshot *snap;
	const struct gs_goroutines_opts *opts;
	uint64_t bias;
	uint32_t gsize;
	uint32_t gread;   /* bytes of a g read: up to the last field decode_g uses */
	uint32_t gverify; /* bytes of a g re-read to check it did not move: same_g's fields */
	uint32_t off[GS_LF_COUNT];
	bool live;
	bool verify; /* non-stop: re-read a g after its stack to see whether it moved */
	int64_t now_ns; /* CLOCK_MONOTONIC of the target; 0 when unknown (cores) */
	struct mview *ms;
	size_t nms;
	struct gs_pframe *pf;
	size_t pf_cap;
	struct gs_lframe *lf;
	size_t lf_cap;
	/* the stack being unwound: a window read up front, and the last on-demand chunk */
	uint64_t win_base;
	const uint8_t *win;
	size_t win_len;
	uint8_t *chunk;
	uint64_t chunk_base;
	size_t chunk_len;
	uint64_t stack_hi;
	unsigned chunk_reads; /* on-demand stack reads since the goroutine's unwind began */
	struct gs_label_reader lr;
	struct copy copy;
	bool use_copy; /* reads come from copy first (threads resumed after it was made) */
	bool record;   /* reads are added to copy (labels, while stopped) */
	struct copy ahead; /* non-stop: the label bytes of the current batch */
	/* the goroutine being built */
	struct gs_vec frames; /* of struct gs_gframe, capped at limits.stack_depth */
	struct gs_vec labels; /* of struct gs_glabel, capped at limits.labels */
};

/* How many bytes at addr the copy holds (at most len), with where they are. */
static size_t copy_find(const struct copy *c, uint64_t addr, size_t len, const uint8_t **at)
{
	size_t lo = 0, hi = c->sorted;
	while (lo < hi) { /* the first span starting after addr */
		size_t mid = lo + (hi - lo) / 2;
		if (c->spans[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t best = 0;
	for (size_t k = 0; k < COPY_OVERLAP_SCAN && lo > k && best < len; k++) {
		const struct span *s = &c->spans[lo - 1 - k];
		if (s->reach <= addr)
			break; /* no span before reaches addr */
		if (addr - s->addr < s->len && s->len - (size_t)(addr - s->addr) > best) {
			best = s->len - (size_t)(addr - s->addr);
			*at = c->data + s->off + (addr - s->addr);
		}
	}
	return best < len ? best : len;
}

/* Reserves room in the copy for len more bytes and n more spans, touching the bytes so that
 * the pages are ours before the threads stop (faulting them in costs as much as the copy). */
static int copy_reserve(struct copy *c, size_t len, size_t n)
{
	if (c->len + len > COPY_MAX)
		return -E2BIG;
	if (c->n + n > c->cap) {
		size_t ncap = c->n + n > 2 * c->cap ? c->n + n : 2 * c->cap;
		struct span *ns = realloc(c->spans, ncap * sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		memset(ns + c->cap, 0, (ncap - c->cap) * sizeof(*ns));
		c->spans = ns;
		c->cap = ncap;
	}
	if (c->len + len > c->data_cap) {
		size_t ncap = c->len + len + (c->len + len) / 8;
		uint8_t *nd = realloc(c->data, ncap);
		if (!nd)
			return -ENOMEM;
		memset(nd + c->data_cap, 0, ncap - c->data_cap);
		c->data = nd;
		c->data_cap = ncap;
	}
	return 0;
}

/* Appends bytes read from addr to the copy (kept unsorted until copy_seal). */
static int copy_add(struct copy *c, uint64_t addr, const void *buf, size_t len)
{
	int err = len ? copy_reserve(c, len, 1) : 0;
	if (err || !len)
		return err;
	memcpy(c->data + c->len, buf, len);
	c->spans[c->n++] = (struct span){.addr = addr, .off = c->len, .len = len};
	c->len += len;
	return 0;
}

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Sorts the copy for copy_find. */
static void copy_seal(struct copy *c)
{
	if (c->n)
		qsort(c->spans, c->n, sizeof(*c->spans), span_cmp);
	c->sorted = c->n;
	for (size_t k = 0; k < c->n; k++) {
		uint64_t end = c->spans[k].addr + c->spans[k].len;
		c->spans[k].reach = k && c->spans[k - 1].reach > end ? c->spans[k - 1].reach : end;
	}
}

static void copy_release(struct copy *c)
{
	free(c->spans);
	free(c->data);
	memset(c, 0, sizeof(*c));
}

/* Scatter read through the copy first (consistent mode after the resume), else the target. */
static void mem_readv(struct reader *r, struct gs_mem_iov *iov, size_t n)
{
	if (!r->use_copy) {
		gs_mem_readv(r->mem, iov, n, &r->scratch);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const uint8_t *at;
		iov[i].got = copy_find(&r->copy, iov[i].addr, iov[i].len, &at);
		if (iov[i].got)
			memcpy(iov[i].buf, at, iov[i].got);
		else
			gs_mem_readv(r->mem, &iov[i], 1, &r->scratch);
	}
}

static int mem_read(void *arg, uint64_t addr, void *buf, size_t len)
{
	struct reader *r = arg;
	const uint8_t *at;
	const struct copy *c = r->use_copy || r->record ? &r->copy : &r->ahead;
	if (len && copy_find(c, addr, len, &at) == len) {
		memcpy(buf, at, len);
		return 0;
	}
	int err = gs_mem_read(r->mem, addr, buf, len, &r->scratch);
	if (!err && r->record)
		err = copy_add(&r->copy, addr, buf, len);
	return err;
}

/* The unwinder's reads: from the window, else the chunk, else a new chunk. */
static int stack_read(void *arg, uint64_t addr, void *buf, size_t len)
{
	struct reader *r = arg;
	if (addr >= r->win_base && addr - r->win_base <= r->win_len &&
	    len <= r->win_len - (addr - r->win_base)) {
		memcpy(buf, r->win + (addr - r->win_base), len);
		return 0;
	}
	if (addr >= r->chunk_base && addr - r->chunk_base <= r->chunk_len &&
	    len <= r->chunk_len - (addr - r->chunk_base)) {
		memcpy(buf, r->chunk + (addr - r->chunk_base), len);
		return 0;
	}
	size_t n = STACK_CHUNK;
	if (addr < r->stack_hi && r->stack_hi - addr < n)
		n = (size_t)(r->stack_hi - addr);
	if (n < len)
		n = len;
	struct gs_mem_iov iov = {.addr = addr, .buf = r->chunk, .len = n};
	r->chunk_reads++;
	mem_readv(r, &iov, 1);
	r->chunk_base = addr;
	r->chunk_len = iov.got;
	if (iov.got < len)
		return -EFAULT;
	memcpy(buf, r->chunk, len);
	return 0;
}

/* The fields decode_g reads, and those of them same_g compares. */
static const enum gs_layout_field g_fields[] = {
	GS_LF_G_ATOMICSTATUS, GS_LF_G_GOID, GS_LF_G_STACK_LO, GS_LF_G_STACK_HI, GS_LF_G_SCHED_SP,
	GS_LF_G_SCHED_PC, GS_LF_G_SYSCALLSP, GS_LF_G_SYSCALLPC, /* the last of same_g's */
	GS_LF_G_SCHED_LR, GS_LF_G_STKTOPSP, GS_LF_G_M, GS_LF_G_WAITSINCE, GS_LF_G_WAITREASON,
	GS_LF_G_LOCKEDM, GS_LF_G_PARENTGOID, GS_LF_G_GOPC, GS_LF_G_STARTPC, GS_LF_G_LABELS,
};
#define N_SAME_G_FIELDS 8

/* How many bytes from the start of a g hold the first n of g_fields (at most gsize): reads
 * of a g stop there, which halves what a non-stop re-read copies. */
static uint32_t g_extent(const struct reader *r, size_t n)
{
	uint32_t end = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t off = r->off[g_fields[i]];
		if (off == GS_LAYOUT_UNKNOWN)
			continue;
		uint32_t e = off < r->gsize - 8 ? off + 8 : r->gsize;
		if (e > end)
			end = e;
	}
	return end;
}

/* Decodes the first n bytes of a g (fields past them read as 0). */
static void decode_g(const struct reader *r, uint64_t addr, const uint8_t *b, size_t n,
		     struct gview *g)
{
	memset(g, 0, sizeof(*g));
	g->addr = addr;
	g->status_raw = get32(b, n, r->off[GS_LF_G_ATOMICSTATUS]);
	g->status = g->status_raw & ~(uint32_t)G_SCAN;
	g->goid = get64(b, n, r->off[GS_LF_G_GOID]);
	g->lo = get64(b, n, r->off[GS_LF_G_STACK_LO]);
	g->hi = get64(b, n, r->off[GS_LF_G_STACK_HI]);
	g->sched_sp = get64(b, n, r->off[GS_LF_G_SCHED_SP]);
	g->sched_pc = get64(b, n, r->off[GS_LF_G_SCHED_PC]);
	g->sched_lr = get64(b, n, r->off[GS_LF_G_SCHED_LR]);
	g->syscallsp = get64(b, n, r->off[GS_LF_G_SYSCALLSP]);
	g->syscallpc = get64(b, n, r->off[GS_LF_G_SYSCALLPC]);
	g->stktopsp = get64(b, n, r->off[GS_LF_G_STKTOPSP]);
	g->m = get64(b, n, r->off[GS_LF_G_M]);
	g->waitsince = (int64_t)get64(b, n, r->off[GS_LF_G_WAITSINCE]);
	g->waitreason = get8(b, n, r->off[GS_LF_G_WAITREASON]);
	g->lockedm = get64(b, n, r->off[GS_LF_G_LOCKEDM]);
	g->parent_goid = get64(b, n, r->off[GS_LF_G_PARENTGOID]);
	g->gopc = get64(b, n, r->off[GS_LF_G_GOPC]);
	g->startpc = get64(b, n, r->off[GS_LF_G_STARTPC]);
	g->labels = get64(b, n, r->off[GS_LF_G_LABELS]);
}

/* What decides the stack: if any of it differs between two reads, the goroutine moved. */
static bool same_g(const struct gview *a, const struct gview *b)
{
	return a->status_raw == b->status_raw && a->goid == b->goid && a->lo == b->lo &&
	       a->hi == b->hi && a->sched_sp == b->sched_sp && a->sched_pc == b->sched_pc &&
	       a->syscallsp == b->syscallsp && a->syscallpc == b->syscallpc;
}

static bool skipped_status(uint32_t st)
{
	return st == G_IDLE || st == G_DEAD || st == G_DEADEXTRA;
}

static const struct mview *find_m(const struct reader *r, uint64_t addr)
{
	for (size_t i = 0; addr && i < r->nms; i++)
		if (r->ms[i].addr == addr)
			return &r->ms[i];
	return NULL;
}

/* Walks allm: each M's id, thread id, current goroutine and vDSO registers. */
static int read_ms(struct reader *r)
{
	uint64_t allm;
	uint8_t word[8];
	if (gs_layout_addr(r->l, GS_LS_ALLM, &allm, NULL))
		return 0; /* no thread facts: running goroutines just lose their thread */
	if (gs_mem_read(r->mem, allm + r->bias, word, 8, &r->scratch))
		return 0;
	uint32_t msize = gs_layout_size(r->l, GS_LF_M_SIZE);
	if (msize == 0 || msize > (1u << 16))
		return 0;
	uint8_t *buf = malloc(msize);
	if (!buf)
		return -ENOMEM;
	uint64_t m = get64(word, 8, 0);
	size_t cap = 0;
	int err = 0;
	/* Brent's cycle detection: an M list read while Ms exit (an unlinked M's memory is
	 * reused) may loop; the walk stops at the first M seen twice */
	uint64_t mark = 0;
	size_t power = 1, steps = 0;
	while (m && r->nms < MAX_MS) {
		if (m == mark)
			break;
		if (++steps == power) {
			mark = m;
			power *= 2;
			steps = 0;
		}
		if (gs_mem_read(r->mem, m, buf, msize, &r->scratch))
			break;
		if (r->nms == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct mview *nm = realloc(r->ms, ncap * sizeof(*nm));
			if (!nm) {
				err = -ENOMEM;
				break;
			}
			r->ms = nm;
			cap = ncap;
		}
		struct mview *mv = &r->ms[r->nms++];
		*mv = (struct mview){
			.addr = m,
			.id = (int64_t)get64(buf, msize, gs_layout_off(r->l, GS_LF_M_ID)),
			.procid = get64(buf, msize, gs_layout_off(r->l, GS_LF_M_PROCID)),
			.curg = get64(buf, msize, gs_layout_off(r->l, GS_LF_M_CURG)),
			.vdso_sp = get64(buf, msize, gs_layout_off(r->l, GS_LF_M_VDSOSP)),
			.vdso_pc = get64(buf, msize, gs_layout_off(r->l, GS_LF_M_VDSOPC)),
		};
		const struct gs_thread *t = mv->procid <= INT32_MAX ?
			gs_mem_thread(r->mem, (int32_t)mv->procid) : NULL;
		mv->thread = t && t->has_regs ? t : NULL;
		m = get64(buf, msize, gs_layout_off(r->l, GS_LF_M_ALLLINK));
	}
	free(buf);
	return err;
}

static int push_frame(struct reader *r, const struct gs_gframe *f)
{
	void *slot;
	int err = gs_vec_push(&r->frames, (size_t)r->ctx->limits.stack_depth, &slot);
	if (!err)
		*(struct gs_gframe *)slot = *f;
	return err;
}

static int add_label(void *arg, const char *key, size_t key_len, const char *value,
		     size_t value_len)
{
	struct reader *r = arg;
	struct gs_glabel lb;
	int err = gs_snapshot_intern(r->snap, key, key_len, &lb.key);
	if (!err)
		err = gs_snapshot_intern(r->snap, value, value_len, &lb.value);
	if (err)
		return err;
	void *slot;
	if ((err = gs_vec_push(&r->labels, (size_t)r->ctx->limits.labels, &slot)))
		return err;
	*(struct gs_glabel *)slot = lb;
	return 0;
}

static int intern(struct reader *r, const char *s, uint32_t *idx)
{
	return gs_snapshot_intern_cstr(r->snap, s ? s : "", idx);
}

/* The logical frames of the unwound physical frames, as the snapshot stores them. */
static int add_frames(struct reader *r, size_t npf, bool *truncated)
{
	size_t nl = 0;
	int err = gs_unwinder_logical(r->u, r->pf, npf, r->opts->show_all_frames, r->lf, r->lf_cap, &nl);
	if (err)
		return err;
	*truncated = nl > r->lf_cap;
	if (nl > r->lf_cap)
		nl = r->lf_cap;
	char name[1024];
	for (size_t i = 0; i < nl; i++) {
		const struct gs_lframe *lf = &r->lf[i];
		struct gs_gframe f = {
			.line = lf->line,
			.pc = lf->pc,
			.sp = lf->sp,
			.fp = lf->fp,
			.flags = GS_GFRAME_HAS_PC,
		};
		if (lf->inlined)
			f.flags |= GS_GFRAME_INLINED;
		else if (lf->pc > lf->entry) {
			f.pc_offset = lf->pc - lf->entry;
			f.flags |= GS_GFRAME_HAS_OFF;
		}
		err = intern(r, gs_goruntime_print_name(lf->function, name, sizeof(name)), &f.func);
		if (!err)
			err = intern(r, lf->file, &f.file);
		if (!err)
			err = push_frame(r, &f);
		if (err)
			return err;
	}
	return 0;
}

/* The state text of goroutineheader: the wait reason when waiting with one, else the
 * status name. */
static int state_text(struct reader *r, const struct gview *g, struct gs_goroutine *out)
{
	const char *reason = "";
	if (g->status == G_WAITING || g->status == G_LEAKED) {
		const char *s = gs_layout_wait_reason(r->l, g->waitreason);
		char unknown[32];
		if (!s) {
			snprintf(unknown, sizeof(unknown), "waitreason(%u)", g->waitreason);
			s = unknown;
		}
		reason = s;
	}
	int err = intern(r, reason, &out->wait_reason);
	if (err)
		return err;
	return intern(r, reason[0] ? reason : gs_gstatus_name(out->status), &out->state);
}

/* Signal handlers nested on one thread that are looked through (a crash raises SIGABRT
 * again from inside the handler of the first signal). */
#define MAX_SIGNAL_FRAMES 4

/* The stack of a goroutine whose thread was stopped on the system stack: the runtime's
 * jump at systemstack/morestack to its sched when the unwind meets them. */
static struct gs_unwind_stack jump_stack(const struct gview *g)
{
	return (struct gs_unwind_stack){
		.jump = true,
		.g_lo = g->lo, .g_hi = g->hi, .g_stktopsp = g->stktopsp,
		.g_sched_pc = g->sched_pc, .g_sched_sp = g->sched_sp, .g_sched_lr = g->sched_lr,
	};
}

/* A thread stopped (or dumped) inside a Go signal handler runs on its M's gsignal stack,
 * whose outermost frame is runtime.sigtramp, called by the kernel with the interrupted
 * registers in the signal frame it pushed: the runtime's own crash dump traces the goroutine
 * from them (sighandler: tracebacktrap(c.sigpc(), c.sigsp(), c.siglr(), ...)), and so do we.
 * Where the ucontext is, from sigtramp's caller SP (the unwinder's fp):
 * - linux/amd64: the kernel's rt_sigframe starts with pretcode, sigtramp's return address
 *   (fp - 8), then the ucontext; its uc_mcontext (after uc_flags, uc_link, uc_stack: +40) is
 *   sigcontext_64 (r8-r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp at +120, rip at +128);
 * - linux/arm64: sigtramp is entered with SP at the rt_sigframe, a 128-byte siginfo then the
 *   ucontext; its uc_mcontext (after uc_flags, uc_link, uc_stack, uc_sigmask and padding to
 *   128 bytes, aligned to 16: +176) is fault_address, x0-x30 (x30 at +248), sp at +256, pc
 *   at +264.
 * Sets *st to those registers and returns true; false when the outermost frame is not
 * sigtramp (the unwind then stands as it is). */
static bool signal_context(struct reader *r, const struct gs_unwind_result *res,
			   struct gs_unwind_start *st)
{
	struct gs_func f;
	uint8_t regs[24];
	uint64_t uc_off, mc_off, lr_off, sp_off;
	switch (gs_layout_arch(r->l)) {
	case GS_ARCH_AMD64:
		uc_off = 0, mc_off = 40, lr_off = 0, sp_off = 120;
		break;
	case GS_ARCH_ARM64:
		uc_off = 128, mc_off = 176, lr_off = 248, sp_off = 256;
		break;
	default:
		return false;
	}
	if (res->n == 0 || res->jumped || res->stop != GS_UNWIND_TOP)
		return false;
	const struct gs_pframe *top = &r->pf[res->n - 1];
	if (gs_pclntab_func_at(r->pcln, top->func_index, &f) || strcmp(f.name, "runtime.sigtramp"))
		return false;
	uint64_t mc = top->fp + uc_off + mc_off;
	if (top->fp > UINT64_MAX - 1024 || mem_read(r, mc + sp_off, regs, 16))
		return false;
	*st = (struct gs_unwind_start){
		.sp = get64(regs, sizeof(regs), 0), .pc = get64(regs, sizeof(regs), 8), .trap = true};
	if (lr_off && mem_read(r, mc + lr_off, regs + 16, 8))
		return false;
	if (lr_off)
		st->lr = get64(regs, sizeof(regs), 16);
	return st->sp && st->pc;
}

/* Reads one goroutine (its g already decoded) into r->frames/labels and *out. *retry is set
 * when what was read looks torn (a non-stop read of a goroutine that moved). */
static int read_one(struct reader *r, const struct gview *g, struct gs_goroutine *out, bool *retry,
		    const char **why)
{
	*retry = false;
	*why = NULL;
	r->frames.len = 0;
	r->labels.len = 0;
	r->chunk_reads = 0;
	memset(out, 0, sizeof(*out));
	bool scan = false;
	out->id = g->goid;
	out->status = gs_gstatus_from_runtime(g->status_raw, &scan);
	if (scan)
		out->flags |= GS_G_SCAN;
	out->gp = g->addr;
	out->m_id = -1;
	out->wait_minutes = -1;
	out->wait_since_ns = g->waitsince;
	if (g->lockedm)
		out->flags |= GS_G_LOCKED;
	int err = state_text(r, g, out);
	if (err)
		return err;
	/* a torn or garbage waitsince must not overflow the subtraction */
	if ((g->status == G_WAITING || g->status == G_SYSCALL) && g->waitsince > 0 && r->now_ns &&
	    g->waitsince <= r->now_ns) {
		int64_t minutes = (r->now_ns - g->waitsince) / 60000000000LL;
		if (minutes >= 1)
			out->wait_minutes = minutes;
	}
	const struct mview *m = find_m(r, g->m);
	if (m) {
		out->m_id = m->id;
		out->mp = m->addr;
		out->os_tid = (int64_t)m->procid;
	}
	out->flags |= GS_G_SYSTEM_KNOWN;
	if (gs_unwinder_is_system(r->u, g->startpc, false))
		out->flags |= GS_G_SYSTEM; /* decided again from the frames once they are read */

	struct gs_creator_pos cr;
	if (gs_unwinder_creator(r->u, g->gopc, g->goid, &cr) == 0) {
		char name[1024];
		out->flags |= GS_G_HAS_CREATOR;
		out->created_by.line = cr.line;
		out->created_by.pc = g->gopc;
		out->created_by.pc_offset = cr.offset;
		out->created_by.has_offset = cr.offset != 0;
		out->created_by.goid = g->parent_goid;
		err = intern(r, gs_goruntime_print_name(cr.function, name, sizeof(name)),
			     &out->created_by.func);
		if (!err)
			err = intern(r, cr.file, &out->created_by.file);
		if (err)
			return err;
	}
	err = gs_labels_read(&r->lr, g->labels);
	if (err)
		return err;

	/* a g read while it changed (or a pointer to something that is no longer a g) can
	 * carry a status the runtime never sets or stack bounds no stack has: read it again
	 * rather than walk memory those bounds do not describe */
	if (out->status == GS_GSTATUS_UNKNOWN) {
		*retry = true;
		*why = "status is not a goroutine status";
		return 0;
	}
	if (g->hi <= g->lo || g->hi - g->lo > MAX_STACK_BYTES) {
		*retry = true;
		*why = "stack bounds are not valid";
		return 0;
	}

	/* start registers, as traceback1 + initAt choose them */
	struct gs_unwind_start st = {0};
	struct gs_unwind_stack stack = {.lo = g->lo, .hi = g->hi, .stktopsp = g->stktopsp};
	bool from_thread = false;
	if (g->status == G_RUNNING && g->syscallsp == 0) {
		if (!m || !m->thread) {
			/* what the runtime prints for a goroutine on another thread */
			out->flags |= GS_G_NO_STACK;
			return 0;
		}
		const struct gs_regs *regs = &m->thread->regs;
		st.pc = regs->pc;
		st.sp = regs->sp;
		st.lr = regs->lr;
		st.trap = true;
		from_thread = true;
		if (regs->sp < g->lo || regs->sp >= g->hi) {
			/* on the system stack (g0, gsignal): jump back at systemstack/morestack */
			stack = jump_stack(g);
		}
	} else if (g->status == G_SYSCALL || g->syscallsp != 0) {
		st.pc = g->syscallpc;
		st.sp = g->syscallsp;
		st.syscall = true;
	} else {
		st.pc = g->sched_pc;
		st.sp = g->sched_sp;
		st.lr = g->sched_lr;
	}
	if (m && m->vdso_sp) {
		st.pc = m->vdso_pc;
		st.sp = m->vdso_sp;
		st.syscall = st.pc == g->syscallpc && st.sp == g->syscallsp;
		st.trap = false;
	}
	/* _Gcopystack (newstack growing the stack of a running goroutine) needs no retry of its
	 * own: copystack only reads the old stack, and it switches stack bounds, sched.sp and
	 * stktopsp after the new stack holds the copy, so an unwind from sched is either of the
	 * intact old stack or of the complete new one; a read across the switch fails the
	 * completion check, or (non-stop) the g changed under the read, and is retried. */
	r->stack_hi = stack.jump ? 0 : g->hi;
	if (r->win_base != st.sp)
		r->win_len = 0;
	r->chunk_len = 0;

	struct gs_unwind_result res;
	err = gs_unwind(r->u, &st, &stack, stack_read, r, r->pf, r->pf_cap, &res);
	for (int k = 0; !err && from_thread && stack.jump && k < MAX_SIGNAL_FRAMES &&
			signal_context(r, &res, &st); k++) {
		stack = (struct gs_unwind_stack){.lo = g->lo, .hi = g->hi, .stktopsp = g->stktopsp};
		if (st.sp < g->lo || st.sp >= g->hi)
			stack = jump_stack(g);
		r->stack_hi = stack.jump ? 0 : g->hi;
		r->win_len = 0;
		r->chunk_len = 0;
		err = gs_unwind(r->u, &st, &stack, stack_read, r, r->pf, r->pf_cap, &res);
	}
	if (err)
		return err;
	bool truncated = false;
	err = add_frames(r, res.n, &truncated);
	if (err)
		return err;
	if (gs_unwinder_is_system(r->u, g->startpc,
				  gs_goroutine_runs_user_code(r->snap, r->frames.data, r->frames.len)))
		out->flags |= GS_G_SYSTEM;
	else
		out->flags &= ~(uint32_t)GS_G_SYSTEM;
	if (truncated || res.stop == GS_UNWIND_CAP) {
		out->flags |= GS_G_ELIDED;
		out->elided_at = (uint32_t)r->frames.len;
		out->elided_count = 0;
	}
	bool ok = res.complete || res.stop == GS_UNWIND_SPWRITE || res.stop == GS_UNWIND_FOREIGN ||
		  res.stop == GS_UNWIND_CAP;
	if (!ok) {
		*retry = true;
		*why = gs_unwind_stop_name(res.stop);
		if (res.stop == GS_UNWIND_TOP)
			*why = "stack did not unwind completely";
	}
	return 0;
}

static int commit(struct reader *r, struct gs_goroutine *g, const char *unreadable)
{
	if (unreadable) {
		g->flags |= GS_G_UNREADABLE;
		int err = intern(r, unreadable, &g->unreadable);
		if (err)
			return err;
	}
	/* counted in n_unreadable by the snapshot, from the flag */
	return gs_snapshot_add_goroutine(r->snap, g, r->frames.data, r->frames.len, r->labels.data,
					 r->labels.len, NULL);
}

/* Reads goroutine at gaddr again from scratch (non-stop retries): its g, then its stack. */
static int reread(struct reader *r, uint64_t gaddr, uint8_t *gbuf, struct gview *g,
		  struct gs_goroutine *out, bool *retry, const char **why, bool *gone)
{
	*gone = false;
	if (gs_mem_read(r->mem, gaddr, gbuf, r->gread, &r->scratch)) {
		*retry = true;
		*why = "g could not be read";
		return 0;
	}
	decode_g(r, gaddr, gbuf, r->gread, g);
	if (skipped_status(g->status)) {
		*gone = true;
		return 0;
	}
	r->win_len = 0;
	int err = read_one(r, g, out, retry, why);
	if (err || *retry || !r->verify)
		return err;
	struct gview again;
	if (gs_mem_read(r->mem, gaddr, gbuf, r->gverify, &r->scratch)) {
		*retry = true;
		*why = "g could not be read";
		return 0;
	}
	decode_g(r, gaddr, gbuf, r->gverify, &again);
	if (!same_g(g, &again)) {
		*retry = true;
		*why = "goroutine changed while read";
	}
	return 0;
}

struct half_read {
	struct gs_mem *mem;
	struct gs_mem_iov *iov;
	size_t n;
	struct gs_ctx ctx;
};

static void *read_half(void *arg)
{
	struct half_read *h = arg;
	gs_mem_readv(h->mem, h->iov, h->n, &h->ctx);
	return NULL;
}

/* One scatter read of many elements, its second half in a second thread when the target may
 * be read from two at once (the kernel pins and copies pages for each reader in parallel). */
static void readv_parallel(struct reader *r, struct gs_mem_iov *iov, size_t n)
{
	struct half_read h = {.mem = r->mem, .iov = iov + n / 2, .n = n - n / 2};
	pthread_t t;
	gs_ctx_init(&h.ctx);
	bool two = n >= PARALLEL_MIN && gs_mem_parallel_reads(r->mem) &&
		   pthread_create(&t, NULL, read_half, &h) == 0;
	gs_mem_readv(r->mem, iov, two ? n / 2 : n, &r->scratch);
	if (two)
		pthread_join(t, NULL);
}

/* A range worth reading: not empty, not wrapping past the end of the address space (hostile
 * pointers). */
static bool range_ok(uint64_t addr, size_t len)
{
	return len && addr + len > addr;
}

/* Copies n ranges (addr[i], len[i] bytes) in one scatter read, ranges in ascending order
 * less than COPY_GAP apart merged into one element (g structs lie side by side in their
 * spans: one system call element per run instead of per g). off[i] is where range i landed
 * in the copy, got[i] how many of its bytes were read. */
static int copy_ranges(struct reader *r, struct copy *c, const uint64_t *addr, const size_t *len,
		       size_t n, size_t *off, size_t *got)
{
	size_t nruns = 0, bytes = 0;
	uint64_t end = 0; /* of the last range read */
	for (size_t i = 0; i < n; i++) {
		if (!range_ok(addr[i], len[i]))
			continue;
		bool join = nruns > 0 && addr[i] >= end && addr[i] - end < COPY_GAP &&
			    addr[i] + len[i] - c->spans[c->n + nruns - 1].addr <= COPY_RUN_MAX;
		end = addr[i] + len[i];
		if (!join) {
			int err = copy_reserve(c, 0, nruns + 1);
			if (err)
				return err;
			c->spans[c->n + nruns++] = (struct span){.addr = addr[i]};
		}
		struct span *s = &c->spans[c->n + nruns - 1];
		bytes += addr[i] + len[i] - s->addr - s->len;
		s->len = (size_t)(addr[i] + len[i] - s->addr);
	}
	int err = copy_reserve(c, bytes, nruns);
	struct gs_mem_iov *iov = malloc((nruns ? nruns : 1) * sizeof(*iov));
	if (err || !iov) {
		free(iov);
		return err ? err : -ENOMEM;
	}
	for (size_t k = 0; k < nruns; k++) {
		struct span *s = &c->spans[c->n + k];
		s->off = c->len;
		c->len += s->len;
		iov[k] = (struct gs_mem_iov){.addr = s->addr, .buf = c->data + s->off, .len = s->len};
	}
	readv_parallel(r, iov, nruns);
	for (size_t i = 0, k = 0; i < n; i++) {
		off[i] = got[i] = 0;
		if (!range_ok(addr[i], len[i]))
			continue;
		while (addr[i] - c->spans[c->n + k].addr >= c->spans[c->n + k].len)
			k++;
		const struct span *s = &c->spans[c->n + k];
		uint64_t at = addr[i] - s->addr;
		off[i] = s->off + (size_t)at;
		got[i] = iov[k].got > at ? iov[k].got - (size_t)at : 0;
		if (got[i] > len[i])
			got[i] = len[i];
	}
	for (size_t k = 0; k < nruns; k++)
		c->spans[c->n + k].len = iov[k].got;
	c->n += nruns;
	free(iov);
	return 0;
}

/* The label bytes of n goroutines (their g.labels, 0 for none) read ahead into c, level by
 * level: slice headers, entries, strings, one scatter read each instead of a few reads per
 * goroutine (1.24+ slices; nothing for maps). */
static int labels_ahead(struct reader *r, struct copy *c, const uint64_t *labels, size_t n)
{
	size_t any = 0;
	for (size_t i = 0; i < n; i++)
		any += labels[i] != 0;
	if (!any || r->lr.repr != GS_LABELS_SLICE)
		return 0;
	uint64_t *addr = malloc(n * sizeof(*addr));
	size_t *len = malloc(n * sizeof(*len));
	size_t *off = malloc(n * sizeof(*off));
	size_t *got = malloc(n * sizeof(*got));
	int err = !addr || !len || !off || !got ? -ENOMEM : 0;
	for (size_t i = 0; !err && i < n; i++)
		len[i] = gs_labels_header_range(&r->lr, labels[i], &addr[i]);
	if (!err)
		err = copy_ranges(r, c, addr, len, n, off, got);
	uint64_t nstr = 0;
	for (size_t i = 0; !err && i < n; i++) {
		len[i] = got[i] == 24 ? gs_labels_entries_range(&r->lr, c->data + off[i], &addr[i]) : 0;
		nstr += len[i] / r->lr.label_size * 2;
	}
	if (!err && nstr)
		err = copy_ranges(r, c, addr, len, n, off, got);
	/* the strings (two an entry), one met among the last few skipped (the same keys recur
	 * from one goroutine to the next) */
	size_t cap = nstr < AHEAD_STRINGS_MAX ? (size_t)nstr : AHEAD_STRINGS_MAX, ns = 0;
	uint64_t *saddr = NULL;
	size_t *slen = NULL, *soff = NULL, *sgot = NULL;
	if (!err && cap) {
		saddr = malloc(cap * sizeof(*saddr));
		slen = malloc(cap * sizeof(*slen));
		soff = malloc(cap * sizeof(*soff));
		sgot = malloc(cap * sizeof(*sgot));
		err = !saddr || !slen || !soff || !sgot ? -ENOMEM : 0;
	}
	for (size_t i = 0; !err && cap && i < n && ns < cap; i++) {
		if (!len[i] || got[i] != len[i])
			continue;
		size_t first = ns;
		size_t end = ns + gs_labels_string_ranges(&r->lr, c->data + off[i], got[i], saddr + ns,
							  slen + ns, cap - ns);
		for (size_t j = first; j < end; j++) {
			bool seen = false;
			for (size_t b = ns > AHEAD_RECENT ? ns - AHEAD_RECENT : 0; b < ns && !seen; b++)
				seen = saddr[b] == saddr[j] && slen[b] == slen[j];
			if (!seen) {
				saddr[ns] = saddr[j];
				slen[ns++] = slen[j];
			}
		}
	}
	uint64_t bytes = 0;
	size_t keep = 0;
	while (keep < ns && bytes + slen[keep] <= AHEAD_BYTES_MAX)
		bytes += slen[keep++];
	if (!err && keep)
		err = copy_ranges(r, c, saddr, slen, keep, soff, sgot);
	free(saddr);
	free(slen);
	free(soff);
	free(sgot);
	free(addr);
	free(len);
	free(off);
	free(got);
	return err;
}

/* Non-stop: why goroutine i of a batch moved between the first read of its g and the read of
 * its stack window (NULL when it did not), from a third scatter read of the g structs into
 * gbufs2 once every window is copied. */
static void check_moved(struct reader *r, const uint64_t *gptrs, size_t n, const bool *readable,
			const struct gview *gv, uint8_t *gbufs2, struct gs_mem_iov *iov,
			const char **moved)
{
	size_t nv = 0;
	for (size_t i = 0; i < n; i++) {
		moved[i] = NULL;
		if (readable[i] && !skipped_status(gv[i].status))
			iov[nv++] = (struct gs_mem_iov){.addr = gptrs[i], .buf = gbufs2 + i * r->gsize,
							.len = r->gverify};
	}
	mem_readv(r, iov, nv);
	for (size_t i = 0, k = 0; i < n; i++) {
		if (!readable[i] || skipped_status(gv[i].status))
			continue;
		struct gview again;
		if (iov[k++].got != r->gverify) {
			moved[i] = "g could not be read";
			continue;
		}
		decode_g(r, gptrs[i], gbufs2 + i * r->gsize, r->gverify, &again);
		if (!same_g(&gv[i], &again))
			moved[i] = "goroutine changed while read";
	}
}

/* Before the t-th re-read of a goroutine that changed under the read: none, then 100 us,
 * 1 ms, 5 ms, 20 ms. A busy goroutine (an accept loop under load) changes in bursts; a
 * re-read at once lands in the same burst, a later one finds it parked or running. Only
 * goroutines that keep changing pay it, and never while the threads are stopped. */
static void retry_pause(unsigned t)
{
	static const long us[] = {0, 100, 1000, 5000, 20000};
	long d = us[t < sizeof(us) / sizeof(us[0]) ? t : sizeof(us) / sizeof(us[0]) - 1];
	struct timespec ts = {d / 1000000, (d % 1000000) * 1000};
	if (d)
		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
}

/* One batch of g pointers: g structs and stack windows in two scatter reads, then each
 * goroutine. In non-stop mode the g structs are read a third time, in one scatter read after
 * the windows, to catch goroutines that moved; a goroutine whose unwind needed stack beyond
 * its window has its g read once more after the unwind. Those that moved are read again one
 * by one. */
static int read_batch(struct reader *r, const uint64_t *gptrs, size_t n, uint8_t *gbufs,
		      uint8_t *gbufs2, uint8_t *windows, struct gs_mem_iov *iov)
{
	struct gview gv[BATCH];
	for (size_t i = 0; i < n; i++)
		iov[i] = (struct gs_mem_iov){.addr = gptrs[i], .buf = gbufs + i * r->gsize, .len = r->gread};
	mem_readv(r, iov, n);
	bool readable[BATCH];
	for (size_t i = 0; i < n; i++) {
		readable[i] = gptrs[i] && iov[i].got == r->gread;
		if (readable[i])
			decode_g(r, gptrs[i], gbufs + i * r->gsize, r->gread, &gv[i]);
	}
	/* live, not from a copy: the batch's label bytes read ahead */
	if (r->live && !r->use_copy) {
		uint64_t labels[BATCH];
		for (size_t i = 0; i < n; i++)
			labels[i] = readable[i] && !skipped_status(gv[i].status) ? gv[i].labels : 0;
		r->ahead.n = r->ahead.len = r->ahead.sorted = 0;
		int err = labels_ahead(r, &r->ahead, labels, n);
		if (err)
			return err;
		copy_seal(&r->ahead);
	}
	/* stack windows from each start SP (sched or syscall; running ones start elsewhere) */
	size_t nw = 0;
	uint64_t wbase[BATCH];
	for (size_t i = 0; i < n; i++) {
		wbase[i] = 0;
		if (!readable[i] || skipped_status(gv[i].status))
			continue;
		uint64_t sp = gv[i].syscallsp ? gv[i].syscallsp : gv[i].sched_sp;
		if (sp < gv[i].lo || sp >= gv[i].hi)
			continue;
		uint64_t len = gv[i].hi - sp;
		if (len > STACK_WINDOW)
			len = STACK_WINDOW;
		wbase[i] = sp;
		iov[nw++] = (struct gs_mem_iov){.addr = sp, .buf = windows + i * STACK_WINDOW, .len = (size_t)len};
	}
	mem_readv(r, iov, nw);
	size_t wgot[BATCH];
	for (size_t i = 0, k = 0; i < n; i++)
		wgot[i] = wbase[i] ? iov[k++].got : 0;
	const char *moved[BATCH];
	if (r->verify)
		check_moved(r, gptrs, n, readable, gv, gbufs2, iov, moved);

	int err = 0;
	for (size_t i = 0; i < n && !err; i++) {
		if (!readable[i]) {
			r->snap->n_unreadable++;
			continue;
		}
		if (skipped_status(gv[i].status))
			continue;
		struct gs_goroutine out;
		bool retry;
		const char *why;
		r->win_base = wbase[i];
		r->win = windows + i * STACK_WINDOW;
		r->win_len = wgot[i];
		err = read_one(r, &gv[i], &out, &retry, &why);
		if (err)
			break;
		if (!retry && r->verify && r->chunk_reads == 0 && moved[i]) {
			retry = true;
			why = moved[i];
		} else if (!retry && r->verify && r->chunk_reads > 0) {
			struct gview again;
			if (gs_mem_read(r->mem, gptrs[i], gbufs2 + i * r->gsize, r->gverify, &r->scratch)) {
				retry = true;
				why = "g could not be read";
			} else {
				decode_g(r, gptrs[i], gbufs2 + i * r->gsize, r->gverify, &again);
				if (!same_g(&gv[i], &again)) {
					retry = true;
					why = "goroutine changed while read";
				}
			}
		}
		unsigned tries = r->opts->retries ? r->opts->retries : DEFAULT_RETRIES;
		for (unsigned t = 0; retry && r->verify && t < tries && !err; t++) {
			bool gone;
			retry_pause(t);
			err = reread(r, gptrs[i], gbufs + i * r->gsize, &gv[i], &out, &retry, &why, &gone);
			if (gone)
				break;
		}
		if (err)
			break;
		if (skipped_status(gv[i].status))
			continue;
		err = commit(r, &out, retry ? why : NULL);
	}
	return err;
}

/* The length and the array pointer of allgs: allglen first, then allgptr (the runtime's
 * lock-free pair: the length never exceeds what the pointer holds); else the allgs slice. */
static int read_allgs_header(struct reader *r, uint64_t *len, uint64_t *data)
{
	uint64_t len_addr, ptr_addr, allgs;
	uint8_t word[16];
	if (!gs_layout_addr(r->l, GS_LS_ALLGLEN, &len_addr, NULL) &&
	    !gs_layout_addr(r->l, GS_LS_ALLGPTR, &ptr_addr, NULL)) {
		int err = gs_mem_read(r->mem, len_addr + r->bias, word, 8, r->ctx);
		if (!err)
			err = gs_mem_read(r->mem, ptr_addr + r->bias, word + 8, 8, r->ctx);
		if (err)
			return gs_ctx_prefix(r->ctx, err, "cannot read runtime.allglen/allgptr");
		*len = get64(word, 16, 0);
		*data = get64(word, 16, 8);
	} else if (!gs_layout_addr(r->l, GS_LS_ALLGS, &allgs, NULL)) {
		int err = gs_mem_read(r->mem, allgs + r->bias, word, 16, r->ctx);
		if (err)
			return gs_ctx_prefix(r->ctx, err, "cannot read runtime.allgs");
		*data = get64(word, 16, 0);
		*len = get64(word, 16, 8);
	} else {
		return gs_ctx_err(r->ctx, -ENOENT,
				  "the address of runtime.allgs is unknown for this binary");
	}
	return 0;
}

/* The g pointers of allgs. On a running process the runtime may replace the array while
 * it is copied (allgs grew; the old array is garbage, soon reused): the pointer is read
 * again after the copy, and the copy is made again if it moved (at most ALLGS_TRIES). */
static int read_allgs(struct reader *r, uint64_t **ptrs, size_t *n)
{
	uint64_t len = 0, data = 0;
	*ptrs = NULL;
	*n = 0;
	int err = read_allgs_header(r, &len, &data);
	uint8_t *raw = NULL;
	for (int tries = 0; !err; tries++) {
		uint64_t cap = r->ctx->limits.goroutines;
		if (len > cap) {
			err = gs_ctx_err(r->ctx, -E2BIG, "runtime.allglen is %llu, over the goroutine cap %llu",
					 (unsigned long long)len, (unsigned long long)cap);
			break;
		}
		if (len == 0)
			break;
		if (data == 0) {
			err = gs_ctx_err(r->ctx, -EBADMSG, "runtime.allgs is nil with %llu goroutines",
					 (unsigned long long)len);
			break;
		}
		free(raw);
		raw = malloc((size_t)len * 8);
		if (!raw) {
			err = -ENOMEM;
			break;
		}
		err = gs_mem_read(r->mem, data, raw, (size_t)len * 8, r->ctx);
		if (err) {
			err = gs_ctx_prefix(r->ctx, err, "cannot read the %llu pointers of runtime.allgs",
					    (unsigned long long)len);
			break;
		}
		if (!r->live || gs_mem_stopped(r->mem) || tries + 1 >= ALLGS_TRIES)
			break;
		uint64_t len2 = 0, data2 = 0;
		err = read_allgs_header(r, &len2, &data2);
		if (err || data2 == data)
			break; /* the copy is of the array in use; g's are never freed */
		len = len2;
		data = data2;
	}
	if (err || len == 0) {
		free(raw);
		return err;
	}
	uint64_t *p = malloc((size_t)len * sizeof(*p));
	if (!p) {
		free(raw);
		return -ENOMEM;
	}
	for (uint64_t i = 0; i < len; i++)
		p[i] = get64(raw + i * 8, 8, 0);
	free(raw);
	*ptrs = p;
	*n = (size_t)len;
	return 0;
}

static int discard_label(void *arg, const char *key, size_t key_len, const char *value,
			 size_t value_len)
{
	(void)arg, (void)key, (void)key_len, (void)value, (void)value_len;
	return 0;
}

/* The lowest SP in a goroutine's stack that an unwind of it can start from (traceback1's
 * choices: sched, syscall, its thread's registers, the vDSO SP), or 0. */
static uint64_t lowest_sp(const struct reader *r, const struct gview *g)
{
	uint64_t sps[4] = {g->sched_sp, g->syscallsp, 0, 0}, low = 0;
	const struct mview *m = find_m(r, g->m);
	if (m) {
		sps[2] = m->vdso_sp;
		sps[3] = m->thread ? m->thread->regs.sp : 0;
	}
	for (int k = 0; k < 4; k++)
		if (sps[k] >= g->lo && sps[k] < g->hi && (!low || sps[k] < low))
			low = sps[k];
	return low;
}


/* Before the threads stop: sizes the copy from a non-stop read of the g structs (their
 * stacks as they are now, plus a quarter for what changes meanwhile) and faults its pages in. */
static int copy_prepare(struct reader *r)
{
	uint64_t *gptrs = NULL;
	size_t ngs = 0;
	int err = read_allgs(r, &gptrs, &ngs);
	if (err) {
		free(gptrs);
		return err;
	}
	uint8_t *buf = malloc((size_t)BATCH * r->gread);
	struct gs_mem_iov iov[BATCH];
	uint64_t stack_bytes = 0;
	for (size_t i = 0; buf && i < ngs; i += BATCH) {
		size_t k = ngs - i < BATCH ? ngs - i : BATCH;
		for (size_t j = 0; j < k; j++)
			iov[j] = (struct gs_mem_iov){.addr = gptrs[i + j], .buf = buf + j * r->gread,
						     .len = r->gread};
		gs_mem_readv(r->mem, iov, k, &r->scratch);
		for (size_t j = 0; j < k; j++) {
			struct gview g;
			if (iov[j].got != r->gread)
				continue;
			decode_g(r, gptrs[i + j], buf + j * r->gread, r->gread, &g);
			uint64_t sp = skipped_status(g.status) ? 0 : lowest_sp(r, &g);
			if (sp)
				stack_bytes += g.hi - sp < COPY_STACK_MAX ? g.hi - sp : COPY_STACK_MAX;
		}
	}
	free(buf);
	free(gptrs);
	uint64_t want = ((uint64_t)ngs * (r->gsize + r->gsize / 8) + stack_bytes) / 4 * 5 +
			(uint64_t)(r->nms + 16) * 2 * STACK_WINDOW;
	err = copy_reserve(&r->copy, want < COPY_MAX ? (size_t)want : COPY_MAX, ngs / 2 * 5 + 64);
	return err == -E2BIG ? 0 : err;
}

/* Consistent mode, threads stopped: copies every g (its decoded fields), each goroutine's
 * stack from its lowest start SP up (at most COPY_STACK_MAX), a window above each stopped
 * thread's SP and each vDSO SP (goroutines running on a system stack), and the label bytes,
 * so that the threads can be resumed before the unwinding. *fits is false when the copy
 * would pass COPY_MAX: the caller then reads everything stopped. */
static int copy_stopped(struct reader *r, const uint64_t *gptrs, size_t ngs, bool *fits)
{
	struct copy *c = &r->copy;
	*fits = false;
	size_t *len = malloc((ngs ? ngs : 1) * sizeof(*len));
	size_t *goff = malloc((ngs ? ngs : 1) * sizeof(*goff));
	size_t *got = malloc((ngs ? ngs : 1) * sizeof(*got));
	uint64_t *sps = malloc((ngs ? ngs : 1) * sizeof(*sps));
	size_t *soff = malloc((ngs ? ngs : 1) * sizeof(*soff));
	size_t *sgot = malloc((ngs ? ngs : 1) * sizeof(*sgot));
	int err = !len || !goff || !got || !sps || !soff || !sgot ? -ENOMEM : 0;
	for (size_t i = 0; !err && i < ngs; i++)
		len[i] = gptrs[i] ? r->gread : 0;
	if (!err)
		err = copy_ranges(r, c, gptrs, len, ngs, goff, got);
	/* the stacks, from each goroutine's lowest start SP */
	for (size_t i = 0; !err && i < ngs; i++) {
		struct gview g = {0};
		sps[i] = 0;
		if (got[i] == r->gread) {
			decode_g(r, gptrs[i], c->data + goff[i], r->gread, &g);
			sps[i] = skipped_status(g.status) ? 0 : lowest_sp(r, &g);
		}
		len[i] = sps[i] ? (size_t)(g.hi - sps[i] < COPY_STACK_MAX ? g.hi - sps[i] : COPY_STACK_MAX) : 0;
	}
	if (!err)
		err = copy_ranges(r, c, sps, len, ngs, soff, sgot);
	/* system stacks of the threads (a running goroutine may be on g0 or gsignal) */
	for (size_t i = 0; i < r->nms && !err; i++) {
		uint64_t at[2] = {r->ms[i].thread ? r->ms[i].thread->regs.sp : 0, r->ms[i].vdso_sp};
		size_t wl[2] = {at[0] ? STACK_WINDOW : 0, at[1] ? STACK_WINDOW : 0};
		size_t o[2], gt[2];
		err = copy_ranges(r, c, at, wl, 2, o, gt);
	}
	/* labels: read ahead level by level, then read as the snapshot will read them, each
	 * read the read-ahead missed recorded */
	for (size_t i = 0; i < ngs && !err; i++) {
		struct gview g;
		sps[i] = 0;
		if (got[i] == r->gread) {
			decode_g(r, gptrs[i], c->data + goff[i], r->gread, &g);
			sps[i] = skipped_status(g.status) ? 0 : g.labels;
		}
	}
	for (size_t i = 0; i < ngs && !err; i += BATCH)
		err = labels_ahead(r, c, sps + i, ngs - i < BATCH ? ngs - i : BATCH);
	copy_seal(c);
	r->lr.add = discard_label;
	r->record = true;
	for (size_t i = 0; i < ngs && !err; i++) {
		struct gview g;
		if (got[i] != r->gread)
			continue;
		decode_g(r, gptrs[i], c->data + goff[i], r->gread, &g);
		if (!skipped_status(g.status) && g.labels)
			err = gs_labels_read(&r->lr, g.labels);
	}
	r->record = false;
	r->lr.add = add_label;
	free(len);
	free(goff);
	free(got);
	free(sps);
	free(soff);
	free(sgot);
	if (err == -E2BIG)
		return 0;
	if (err)
		return err;
	*fits = true;
	return 0;
}


static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int gs_goroutines_read(struct gs_mem *mem, const struct gs_pclntab *pcln, const struct gs_layout *l,
		       const struct gs_goroutines_opts *opts, struct gs_ctx *ctx,
		       struct gs_snapshot **out)
{
	static const struct gs_goroutines_opts defaults = {0};
	struct reader r = {.mem = mem, .ctx = ctx, .l = l, .pcln = pcln,
			   .opts = opts ? opts : &defaults};
	gs_vec_init(&r.frames, sizeof(struct gs_gframe));
	gs_vec_init(&r.labels, sizeof(struct gs_glabel));
	uint64_t *gptrs = NULL;
	size_t ngs = 0;
	uint8_t *gbufs = NULL, *gbufs2 = NULL, *windows = NULL;
	struct gs_mem_iov *iov = NULL;
	int64_t t0 = clock_ns(CLOCK_MONOTONIC);
	int err;
	*out = NULL;
	gs_ctx_init(&r.scratch);

	r.live = gs_mem_kind(mem) == GS_MEM_LIVE;
	bool known = false;
	r.bias = gs_mem_load_bias(mem, &known);
	if (!known)
		r.bias = 0;
	for (int f = 0; f < GS_LF_COUNT; f++)
		r.off[f] = gs_layout_off(l, (enum gs_layout_field)f);
	r.gsize = gs_layout_size(l, GS_LF_G_SIZE);
	if (r.gsize < 64 || r.gsize > 4096 ||
	    r.off[GS_LF_G_ATOMICSTATUS] == GS_LAYOUT_UNKNOWN || r.off[GS_LF_G_GOID] == GS_LAYOUT_UNKNOWN ||
	    r.off[GS_LF_G_SCHED_PC] == GS_LAYOUT_UNKNOWN)
		return gs_ctx_err(ctx, -ENOTSUP, "the layout of runtime.g is unknown for %s",
				  gs_layout_go_version(l)[0] ? gs_layout_go_version(l) : "this binary");
	r.gread = g_extent(&r, sizeof(g_fields) / sizeof(g_fields[0]));
	r.gverify = g_extent(&r, N_SAME_G_FIELDS);
	gs_label_reader_init(&r.lr, l);
	r.lr.max_string = ctx->limits.string_bytes;
	r.lr.read = mem_read;
	r.lr.arg = &r;
	r.lr.add = add_label;
	r.lr.add_arg = &r;

	err = gs_unwinder_new(pcln, gs_layout_arch(l), r.bias, ctx, &r.u);
	if (err)
		return err;
	err = gs_snapshot_new(ctx, &r.snap);
	if (err)
		goto out;
	r.snap->source = r.live ? GS_SNAPSHOT_LIVE : GS_SNAPSHOT_CORE;
	r.snap->time_unix_ns = clock_ns(CLOCK_REALTIME);
	if (gs_layout_go_version(l)[0])
		err = gs_snapshot_intern_cstr(r.snap, gs_layout_go_version(l), &r.snap->go_version);
	char name[64];
	if (r.live)
		snprintf(name, sizeof(name), "pid %d", gs_mem_pid(mem));
	else
		snprintf(name, sizeof(name), "core of pid %d", gs_mem_pid(mem));
	if (!err)
		err = gs_snapshot_intern_cstr(r.snap, name, &r.snap->source_name);
	if (err)
		goto out;

	if (r.live && r.opts->consistent) {
		err = copy_prepare(&r);
		if (!err)
			err = gs_mem_stop(mem, NULL, 0, 0, ctx);
		if (err)
			goto out;
	}
	r.verify = r.live && !gs_mem_stopped(mem);
	/* waitsince is the target's nanotime(): CLOCK_MONOTONIC, the same clock on one host */
	r.now_ns = r.live ? clock_ns(CLOCK_MONOTONIC) : 0;

	r.pf_cap = (size_t)ctx->limits.stack_depth;
	r.lf_cap = (size_t)ctx->limits.stack_depth;
	r.pf = malloc(r.pf_cap * sizeof(*r.pf));
	r.lf = malloc(r.lf_cap * sizeof(*r.lf));
	r.chunk = malloc(STACK_CHUNK > STACK_WINDOW ? STACK_CHUNK : STACK_WINDOW);
	gbufs = malloc((size_t)BATCH * r.gsize);
	gbufs2 = malloc((size_t)BATCH * r.gsize);
	windows = malloc((size_t)BATCH * STACK_WINDOW);
	iov = malloc(BATCH * sizeof(*iov));
	if (!r.pf || !r.lf || !r.chunk || !gbufs || !gbufs2 || !windows || !iov) {
		err = -ENOMEM;
		goto resume;
	}
	err = read_ms(&r);
	if (!err)
		err = read_allgs(&r, &gptrs, &ngs);
	if (!err && r.live && gs_mem_stopped(mem)) {
		/* consistent: copy what the snapshot needs, resume, then unwind from the copy */
		bool fits;
		err = copy_stopped(&r, gptrs, ngs, &fits);
		if (!err && fits) {
			err = gs_mem_resume(mem, ctx);
			copy_seal(&r.copy);
			r.use_copy = true;
		}
		if (!fits)
			copy_release(&r.copy);
	}
	for (size_t i = 0; !err && i < ngs; i += BATCH) {
		size_t k = ngs - i < BATCH ? ngs - i : BATCH;
		err = read_batch(&r, gptrs + i, k, gbufs, gbufs2, windows, iov);
		if (!err)
			err = gs_ctx_progress(ctx, "goroutines", i + k, ngs);
	}
	if (err == -E2BIG)
		gs_ctx_err(ctx, err, "snapshot cap reached while reading goroutines");
resume:
	if (gs_mem_stopped(mem)) {
		int rerr = gs_mem_resume(mem, ctx);
		if (!err)
			err = rerr;
	}
	if (r.snap) {
		r.snap->pause_ns = r.live && r.opts->consistent ? (int64_t)gs_mem_pause_ns(mem) : 0;
		r.snap->duration_ns = clock_ns(CLOCK_MONOTONIC) - t0;
	}
out:
	free(gptrs);
	free(gbufs);
	free(gbufs2);
	free(windows);
	free(iov);
	free(r.pf);
	free(r.lf);
	free(r.chunk);
	free(r.ms);
	copy_release(&r.copy);
	copy_release(&r.ahead);
	gs_label_reader_release(&r.lr);
	gs_vec_release(&r.frames);
	gs_vec_release(&r.labels);
	gs_unwinder_free(r.u);
	if (err) {
		gs_snapshot_free(r.snap);
		return err;
	}
	*out = r.snap;
	return 0;
}
