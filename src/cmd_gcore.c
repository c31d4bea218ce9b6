/* goscope gcore: writes an ELF core file of a running process with a pause of milliseconds.
 * Every thread is seized and interrupted, registers and the memory the kernel would dump are
 * copied into our memory, the threads are detached, and only then is the file written
 * (atomically). The selection of mappings follows the kernel's default coredump_filter. */
#include <sys/mman.h>
#include <unistd.h>

#include "cli.h"
#include "goscope/target.h"
#include "target_cli.h"

const char cmd_gcore_summary[] = "write a core file of a running process, pausing it for milliseconds";
const char cmd_gcore_usage[] =
	"usage: goscope gcore [-o FILE] [--no-stop] [--json] PID\n"
	"\n"
	"Writes an ELF core file of a running process, in the kernel's layout, that goscope's\n"
	"goroutine commands, gdb and readelf read. Every thread is stopped (PTRACE_SEIZE and\n"
	"PTRACE_INTERRUPT: no signal) while its registers and the process memory are copied into\n"
	"goscope's memory; the threads run again before the file is written. The pause is printed\n"
	"on stderr. Like the kernel, it dumps private and anonymous memory and written file\n"
	"mappings, and leaves out unmodified file mappings (text, read-only data: a reader takes\n"
	"them from the files), unreadable mappings and [vvar].\n"
	"\n"
	"OPTIONS\n"
	"  -o FILE      the core file (default core.PID); written to a temporary file and renamed\n"
	"  --no-stop    stop the threads only to read their registers, and copy memory while the\n"
	"               process runs (shorter pause, memory not coherent)\n"
	"  --json       print a JSON summary (pause, threads, bytes) on stdout\n"
	"\n"
	"EXAMPLES\n"
	"  goscope gcore $(pidof server)\n"
	"  goscope gcore -o /tmp/server.core 4242 && goscope threads /tmp/server.core\n";

static bool is_deleted(const struct gs_mem_mapping *map)
{
	size_t n = strlen(map->path);
	return n > 10 && !strcmp(map->path + n - 10, " (deleted)");
}

/* A private file mapping of which only the first page is kept, for its ELF header. */
static bool header_only(const struct gs_mem_mapping *map)
{
	return map->path[0] == '/' && !(map->prot & (GS_MAP_WRITE | GS_MAP_SHARED)) && !map->anon &&
	       !is_deleted(map);
}

/* Bytes of a mapping to dump, after the kernel's default filter (0x33: anonymous private and
 * shared, ELF headers; file mappings only where written). */
static uint64_t dump_len(const struct gs_mem_mapping *map, uint64_t page)
{
	uint64_t size = map->end - map->start;
	const char *p = map->path;
	if (!(map->prot & GS_MAP_READ) || !strcmp(p, "[vvar]") || !strcmp(p, "[vvar_vclock]") ||
	    !strcmp(p, "[vsyscall]"))
		return 0;
	if (p[0] != '/')
		return size; /* anonymous, [heap], [stack], [vdso] */
	if (map->prot & GS_MAP_SHARED) {
		/* shared memory objects count as anonymous shared; real files do not */
		bool anon = !strncmp(p, "/dev/zero", 9) || !strncmp(p, "/SYSV", 5) ||
			    !strncmp(p, "/memfd:", 7) || !strncmp(p, "/dev/shm/", 9);
		return anon ? size : 0;
	}
	/* a deleted file (a binary replaced by a deploy) cannot be found by a reader: keep it */
	if (!header_only(map))
		return size;
	return map->offset == 0 ? (size < page ? size : page) : 0; /* maybe an ELF header */
}

struct plan {
	struct gs_core_segment *segs;
	size_t nsegs;
	uint64_t total;
	uint64_t present;    /* bytes of pages present in memory or swap: what was copied */
	uint64_t unreadable; /* bytes that could not be read (zeros in the core) */
};

static void plan_release(struct plan *p)
{
	for (size_t i = 0; i < p->nsegs; i++)
		if (p->segs[i].data)
			munmap((void *)p->segs[i].data, p->segs[i].data_len);
	free(p->segs);
}

static int plan_make(struct gs_mem *m, uint64_t page, struct plan *p)
{
	size_t n;
	const struct gs_mem_mapping *maps = gs_mem_mappings(m, &n);
	p->segs = calloc(n ? n : 1, sizeof(*p->segs));
	if (!p->segs)
		return fail("out of memory");
	p->nsegs = n;
	for (size_t i = 0; i < n; i++) {
		uint64_t len = dump_len(&maps[i], page);
		p->segs[i].map = &maps[i];
		if (!len)
			continue;
		if (p->total + len > GS_TARGET_MAX_CORE_BYTES)
			return fail("pid %d: more than %llu GiB to dump", gs_mem_pid(m),
				    (unsigned long long)(GS_TARGET_MAX_CORE_BYTES >> 30));
		void *buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (buf == MAP_FAILED)
			return fail("cannot allocate %llu bytes: %s", (unsigned long long)len, strerror(errno));
		p->segs[i].data = buf;
		p->segs[i].data_len = len;
		p->total += len;
	}
	return 0;
}

/* The rest of an element that faulted, page by page; pages that stay unreadable remain zeros
 * (the buffers are fresh anonymous memory), as the kernel writes them. */
static void retry_pages(struct gs_mem *m, const struct gs_mem_iov *v, uint64_t page, struct plan *p,
			struct gs_ctx *quiet)
{
	size_t off = v->got;
	while (off < v->len) {
		uint64_t a = v->addr + off;
		size_t len = (size_t)(page - (a & (page - 1)));
		if (len > v->len - off)
			len = v->len - off;
		struct gs_mem_iov one = {a, (uint8_t *)v->buf + off, len, 0};
		gs_mem_readv(m, &one, 1, quiet);
		p->unreadable += len - one.got;
		off += len;
	}
}

/* Queues [addr, addr + len) as elements of at most CHUNK bytes, reading a batch when full. */
enum { CHUNK = 1 << 20, BATCH = 256 };
struct copier {
	struct gs_mem *m;
	struct plan *p;
	uint64_t page;
	struct gs_mem_iov iov[BATCH];
	size_t k;
	uint64_t done;
	struct gs_ctx *ctx, quiet;
};

static int copier_flush(struct copier *c)
{
	if (!c->k)
		return 0;
	int err = gs_mem_readv(c->m, c->iov, c->k, &c->quiet);
	if (err && err != -EFAULT)
		return fail("%s", gs_ctx_errmsg(&c->quiet));
	for (size_t j = 0; j < c->k; j++) {
		if (c->iov[j].got < c->iov[j].len)
			retry_pages(c->m, &c->iov[j], c->page, c->p, &c->quiet);
		c->done += c->iov[j].len;
	}
	c->k = 0;
	if (gs_ctx_progress(c->ctx, "copying memory", c->done, c->p->present))
		return fail("interrupted");
	return 0;
}

static int copier_add(struct copier *c, uint64_t addr, uint8_t *buf, uint64_t len)
{
	while (len) {
		size_t n = len < CHUNK ? (size_t)len : CHUNK;
		c->iov[c->k++] = (struct gs_mem_iov){addr, buf, n, 0};
		if (c->k == BATCH) {
			int rc = copier_flush(c);
			if (rc)
				return rc;
		}
		addr += n;
		buf += n;
		len -= n;
	}
	return 0;
}

/* Copies every planned segment; of anonymous memory only the pages present (in memory or
 * swap): pages never touched stay zeros in the buffer and become holes in the file, as the
 * kernel's dumper leaves them out. */
static int plan_copy(struct gs_mem *m, struct plan *p, uint64_t page, struct gs_ctx *ctx)
{
	struct copier c = {.m = m, .p = p, .page = page, .ctx = ctx, .quiet = *ctx};
	uint8_t *present = NULL;
	size_t cap = 0;
	int rc = 0;
	for (size_t i = 0; i < p->nsegs && !rc; i++) {
		const struct gs_core_segment *s = &p->segs[i];
		size_t npages = (size_t)((s->data_len + page - 1) / page);
		if (!npages)
			continue;
		if (npages > cap) {
			uint8_t *grown = realloc(present, npages);
			if (!grown) {
				rc = fail("out of memory");
				break;
			}
			present = grown;
			cap = npages;
		}
		/* only anonymous memory has pages that were never there; the pages of a file
		 * mapping not yet faulted in hold the file's bytes (initialised data) */
		if (s->map->path[0] == '/' ||
		    gs_mem_pages_present(m, s->map->start, npages, page, present, &c.quiet))
			memset(present, 1, npages);
		for (size_t a = 0; a < npages && !rc;) {
			if (!present[a]) {
				a++;
				continue;
			}
			size_t b = a;
			while (b < npages && present[b])
				b++;
			uint64_t off = (uint64_t)a * page;
			uint64_t len = (uint64_t)(b - a) * page;
			if (off + len > s->data_len)
				len = s->data_len - off;
			p->present += len;
			rc = copier_add(&c, s->map->start + off, (uint8_t *)s->data + off, len);
			a = b;
		}
	}
	if (!rc)
		rc = copier_flush(&c);
	free(present);
	return rc;
}

struct sink {
	FILE *fp;
	bool sparse; /* a regular file: pages of zeros become holes */
	bool seek;   /* a hole was skipped: seek before the next write */
	uint64_t pos;
};

static int sink_write(void *arg, const void *data, size_t n)
{
	struct sink *s = arg;
	const uint8_t *p = data;
	while (n) {
		size_t k = n < 4096 ? n : 4096;
		if (s->sparse && k == 4096 && (s->pos & 4095) == 0 && p[0] == 0 && !memcmp(p, p + 1, k - 1)) {
			s->seek = true;
		} else {
			if (s->seek && fseeko(s->fp, (off_t)s->pos, SEEK_SET))
				return -errno;
			s->seek = false;
			if (fwrite(p, 1, k, s->fp) != k)
				return errno ? -errno : -EIO;
		}
		s->pos += k;
		p += k;
		n -= k;
	}
	return 0;
}

int cmd_gcore(int argc, char **argv, struct gs_ctx *ctx)
{
	const char *out_path = NULL;
	bool no_stop = false, json = false;
	struct gs_strlist pos = {0};
	struct gs_mem *m = NULL;
	struct plan plan = {0};
	struct gs_output o;
	bool opened = false;
	char def_path[64];
	int pid, rc, err;
	const struct gs_flag flags[] = {
		{"o", 'o', GS_FLAG_STR, &out_path, 0, NULL},
		{"no-stop", 0, GS_FLAG_BOOL, &no_stop, 0, NULL},
		{"json", 0, GS_FLAG_BOOL, &json, 0, NULL},
		{NULL, 0, 0, NULL, 0, NULL},
	};
	rc = gs_flags_parse(gs_cli_find("gcore"), flags, argc, argv, &pos);
	if (rc)
		goto out;
	if (pos.len != 1 || !gs_target_is_pid(pos.items[0], &pid)) {
		rc = usage_error("expected one PID");
		goto out;
	}
	if ((rc = gs_target_open(pos.items[0], NULL, ctx, &m)))
		goto out;
	if (!out_path) {
		snprintf(def_path, sizeof(def_path), "core.%d", pid);
		out_path = def_path;
	}
	long page_l = sysconf(_SC_PAGESIZE);
	uint64_t page = page_l > 0 ? (uint64_t)page_l : 4096;

	/* the file first: a bad path fails before anything is stopped */
	if ((rc = gs_output_open(&o, out_path)))
		goto out;
	opened = true;
	gs_progress_enable(ctx);
	if ((err = gs_mem_stop(m, NULL, 0, 0, ctx))) {
		rc = fail("%s", gs_ctx_errmsg(ctx));
		goto out;
	}
	/* the mappings as they are now that nothing runs; smaps also says which file
	 * mappings were written (relocated relro) */
	if ((err = gs_mem_smaps(m, ctx))) {
		rc = fail("%s", gs_ctx_errmsg(ctx));
		goto out;
	}
	if (no_stop && (err = gs_mem_resume(m, ctx))) {
		rc = fail("%s", gs_ctx_errmsg(ctx));
		goto out;
	}
	if ((rc = plan_make(m, page, &plan)) || (rc = plan_copy(m, &plan, page, ctx)))
		goto out;
	if (!no_stop && (err = gs_mem_resume(m, ctx))) {
		rc = fail("%s", gs_ctx_errmsg(ctx));
		goto out;
	}
	gs_progress_done(ctx);

	/* an ELF-header page kept only if it is one */
	for (size_t i = 0; i < plan.nsegs; i++) {
		struct gs_core_segment *s = &plan.segs[i];
		const struct gs_mem_mapping *map = s->map;
		if (s->data && header_only(map) && memcmp(s->data, "\177ELF", 4)) {
			munmap((void *)s->data, s->data_len);
			s->data = NULL;
			s->data_len = 0;
		}
	}
	size_t nthreads, auxv_len;
	const struct gs_thread *threads = gs_mem_threads(m, &nthreads);
	struct gs_core_image img = {0};
	img.arch = gs_mem_arch(m);
	img.pid = pid;
	gs_mem_ids(m, &img.ppid, &img.uid, &img.gid);
	img.comm = gs_mem_comm(m);
	img.args = gs_mem_args(m);
	img.threads = threads;
	img.nthreads = nthreads;
	img.auxv = gs_mem_auxv_raw(m, &auxv_len);
	img.auxv_len = auxv_len;
	img.segments = plan.segs;
	img.nsegments = plan.nsegs;
	img.page_size = page;

	struct sink sink = {o.fp, o.tmp_path != NULL, false, 0};
	err = gs_core_write(&img, sink_write, &sink, ctx);
	if (!err && sink.sparse && (fflush(o.fp) || ftruncate(fileno(o.fp), (off_t)sink.pos)))
		err = -errno;
	gs_progress_done(ctx);
	if (err) {
		rc = fail_ctx(ctx, err, "cannot write '%s'", out_path);
		goto out;
	}
	opened = false;
	if ((rc = gs_output_close(&o, true)))
		goto out;
	fprintf(stderr, "%s: %s %zu threads for %.3f ms, copied %.1f MiB of %zu mappings, wrote '%s'\n",
		gs_cli_prog, no_stop ? "stopped (registers only)" : "stopped", nthreads,
		(double)gs_mem_pause_ns(m) / 1e6, (double)plan.present / 1048576.0, plan.nsegs, out_path);
	if (plan.unreadable)
		warn("%llu bytes could not be read and are zeros in the core",
		     (unsigned long long)plan.unreadable);
	if (json) {
		struct gs_output jo;
		if ((rc = gs_output_open(&jo, NULL)))
			goto out;
		struct gs_json j;
		gs_json_init(&j, &jo.out, true);
		gs_json_obj_begin(&j);
		gs_json_kstr(&j, "file", out_path);
		gs_json_ki64(&j, "pid", pid);
		gs_json_ku64(&j, "pause_ns", gs_mem_pause_ns(m));
		gs_json_kbool(&j, "memory_copied_while_stopped", !no_stop);
		gs_json_ku64(&j, "threads", nthreads);
		gs_json_ku64(&j, "mappings", plan.nsegs);
		gs_json_ku64(&j, "bytes_dumped", plan.total);
		gs_json_ku64(&j, "bytes_copied", plan.present);
		gs_json_ku64(&j, "bytes_unreadable", plan.unreadable);
		gs_json_obj_end(&j);
		gs_json_end(&j);
		rc = gs_output_close(&jo, true);
	}
out:
	if (opened)
		gs_output_close(&o, false);
	plan_release(&plan);
	gs_mem_free(m);
	gs_strlist_release(&pos);
	return rc == GS_FLAGS_HELP ? 0 : rc;
}
