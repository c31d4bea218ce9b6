/* The core-file backend: an ELF core (ET_CORE, 64-bit little-endian, amd64 or arm64) read by
 * hand through the bounded reader. PT_LOAD segments give memory; bytes a segment leaves out
 * (p_filesz < p_memsz: text and rodata the kernel does not dump) are read from the mapped
 * file named by NT_FILE when it opens here. Notes: NT_PRSTATUS (+NT_ARM_TLS) per thread,
 * NT_PRPSINFO, NT_AUXV, NT_FILE. Every count, offset and size is checked: cores are hostile. */
#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* struct elf_prstatus / elf_prpsinfo offsets, identical on amd64 and arm64 (LP64). */
#define PRSTATUS_CURSIG 12
#define PRSTATUS_PID 32
#define PRSTATUS_REGS 112
#define PRPSINFO_PID 24
#define PRPSINFO_FNAME 40
#define PRPSINFO_PSARGS 56
#define PRPSINFO_SIZE 136

void gs_core_release(struct gs_mem *m)
{
	for (size_t i = 0; i < m->nfiles; i++)
		if (m->files[i].fd >= 0)
			close(m->files[i].fd);
	free(m->files);
	free(m->loads);
	if (m->core_mapped && m->core)
		munmap((void *)m->core, m->core_len);
	m->files = NULL;
	m->loads = NULL;
	m->core = NULL;
}

struct nt_file_entry {
	uint64_t start, end, offset;
	const char *path;
};

struct core_parse {
	struct gs_mem *m;
	struct gs_ctx *ctx;
	struct nt_file_entry *entries;
	size_t nentries;
	uint16_t machine;
	size_t notes_seen;
};

static int bad(struct core_parse *cp, const char *what)
{
	return gs_ctx_err(cp->ctx, -EBADMSG, "malformed core: %s", what);
}

static int note_prstatus(struct core_parse *cp, const uint8_t *d, size_t n)
{
	struct gs_mem *m = cp->m;
	unsigned nregs = m->arch == GS_ARCH_AMD64 ? GS_AMD64_NREGS : GS_ARM64_NREGS;
	struct gs_thread *t;
	struct gs_rd rd;
	uint16_t sig;
	uint32_t pid;
	int err;
	if (n < PRSTATUS_REGS + (size_t)nregs * 8)
		return bad(cp, "NT_PRSTATUS too short");
	if ((err = gs_vec_push(&m->threads, GS_TARGET_MAX_THREADS, (void **)&t)))
		return gs_ctx_err(cp->ctx, err, "core has more than %u threads", GS_TARGET_MAX_THREADS);
	gs_rd_init(&rd, d, n);
	rd.off = PRSTATUS_CURSIG;
	gs_rd_u16le(&rd, &sig);
	rd.off = PRSTATUS_PID;
	gs_rd_u32le(&rd, &pid);
	t->tid = (int32_t)pid;
	t->signal = sig;
	t->has_regs = true;
	t->regs.arch = m->arch;
	t->regs.count = nregs;
	rd.off = PRSTATUS_REGS;
	for (unsigned i = 0; i < nregs; i++)
		gs_rd_u64le(&rd, &t->regs.words[i]);
	gs_regs_fill_names(&t->regs);
	return 0;
}

static void copy_cstr(char *dst, size_t size, const uint8_t *src, size_t n)
{
	size_t k = 0;
	for (; k < n && k + 1 < size && src[k]; k++)
		dst[k] = (char)src[k];
	dst[k] = 0;
	while (k > 0 && dst[k - 1] == ' ')
		dst[--k] = 0;
}

static int note_prpsinfo(struct core_parse *cp, const uint8_t *d, size_t n)
{
	struct gs_rd rd;
	uint32_t pid;
	if (n < PRPSINFO_SIZE)
		return bad(cp, "NT_PRPSINFO too short");
	gs_rd_init(&rd, d, n);
	rd.off = PRPSINFO_PID;
	gs_rd_u32le(&rd, &pid);
	cp->m->pid = (int)pid;
	copy_cstr(cp->m->comm, sizeof(cp->m->comm), d + PRPSINFO_FNAME, 16);
	copy_cstr(cp->m->args, sizeof(cp->m->args), d + PRPSINFO_PSARGS, 80);
	return 0;
}

static int note_file(struct core_parse *cp, const uint8_t *d, size_t n)
{
	struct gs_rd rd, names;
	uint64_t count, page;
	if (cp->entries)
		return bad(cp, "two NT_FILE notes");
	gs_rd_init(&rd, d, n);
	if (gs_rd_u64le(&rd, &count) || gs_rd_u64le(&rd, &page))
		return bad(cp, "NT_FILE too short");
	if (count > GS_TARGET_MAX_MAPPINGS || count * 24 > gs_rd_left(&rd))
		return bad(cp, "NT_FILE count does not fit");
	if (page == 0 || (page & (page - 1)) || page > (1u << 30))
		return bad(cp, "NT_FILE page size");
	cp->entries = calloc(count ? count : 1, sizeof(*cp->entries));
	if (!cp->entries)
		return gs_ctx_err(cp->ctx, -ENOMEM, "out of memory");
	gs_rd_init(&names, d + 16 + count * 24, n - 16 - count * 24);
	for (uint64_t i = 0; i < count; i++) {
		struct nt_file_entry *e = &cp->entries[i];
		uint64_t pgoff;
		gs_rd_u64le(&rd, &e->start);
		gs_rd_u64le(&rd, &e->end);
		gs_rd_u64le(&rd, &pgoff);
		if (e->end < e->start || __builtin_mul_overflow(pgoff, page, &e->offset))
			return bad(cp, "NT_FILE entry");
		const uint8_t *s = gs_rd_cur(&names);
		const uint8_t *z = memchr(s, 0, gs_rd_left(&names));
		if (!z)
			return bad(cp, "NT_FILE names");
		e->path = gs_arena_strndup(&cp->m->core_arena, (const char *)s, (size_t)(z - s));
		if (!e->path)
			return gs_ctx_err(cp->ctx, -ENOMEM, "out of memory");
		gs_rd_skip(&names, (size_t)(z - s) + 1);
	}
	cp->nentries = count;
	return 0;
}

static int parse_notes(struct core_parse *cp, const uint8_t *p, size_t len)
{
	struct gs_rd rd;
	int err = 0;
	gs_rd_init(&rd, p, len);
	while (gs_rd_left(&rd) >= 12 && !err) {
		uint32_t namesz, descsz, type;
		const uint8_t *name, *desc;
		gs_rd_u32le(&rd, &namesz);
		gs_rd_u32le(&rd, &descsz);
		gs_rd_u32le(&rd, &type);
		size_t name_pad = ((size_t)namesz + 3) & ~(size_t)3;
		size_t desc_pad = ((size_t)descsz + 3) & ~(size_t)3;
		if (gs_rd_bytes(&rd, name_pad, &name) || gs_rd_left(&rd) < descsz)
			return bad(cp, "note runs past its segment");
		gs_rd_bytes(&rd, descsz, &desc);
		gs_rd_skip(&rd, desc_pad - descsz < gs_rd_left(&rd) ? desc_pad - descsz : gs_rd_left(&rd));
		if (++cp->notes_seen > 16u * GS_TARGET_MAX_THREADS)
			return gs_ctx_err(cp->ctx, -E2BIG, "core has too many notes");
		bool core = namesz == 5 && !memcmp(name, "CORE", 5);
		bool linux_ = namesz == 6 && !memcmp(name, "LINUX", 6);
		if (core && type == NT_PRSTATUS)
			err = note_prstatus(cp, desc, descsz);
		else if (core && type == NT_PRPSINFO)
			err = note_prpsinfo(cp, desc, descsz);
		else if (core && type == NT_AUXV && !cp->m->auxv) {
			cp->m->auxv = malloc(descsz ? descsz : 1);
			if (!cp->m->auxv)
				return gs_ctx_err(cp->ctx, -ENOMEM, "out of memory");
			memcpy(cp->m->auxv, desc, descsz);
			cp->m->auxv_len = descsz;
		} else if (core && type == NT_FILE)
			err = note_file(cp, desc, descsz);
		else if (linux_ && type == NT_ARM_TLS && cp->m->arch == GS_ARCH_ARM64 && cp->m->threads.len &&
			 descsz >= 8) {
			struct gs_thread *t = gs_vec_at(&cp->m->threads, cp->m->threads.len - 1);
			struct gs_rd tr;
			gs_rd_init(&tr, desc, descsz);
			gs_rd_u64le(&tr, &t->regs.tls);
			t->regs.tls_known = true;
		}
	}
	return err;
}

static int load_cmp(const void *a, const void *b)
{
	const struct gs_core_load *x = a, *y = b;
	return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

static int file_index(struct gs_mem *m, const char *path)
{
	for (size_t i = 0; i < m->nfiles; i++)
		if (!strcmp(m->files[i].path, path))
			return (int)i;
	return -1;
}

/* PT_LOADs into loads and mappings, each joined with the NT_FILE entry that starts there. */
static int build_loads(struct core_parse *cp, struct gs_rd *ph, uint64_t phnum, uint16_t phentsize)
{
	struct gs_mem *m = cp->m;
	size_t nload = 0;
	m->loads = calloc(phnum + cp->nentries + 1, sizeof(*m->loads));
	m->files = calloc(cp->nentries ? cp->nentries : 1, sizeof(*m->files));
	if (!m->loads || !m->files)
		return gs_ctx_err(cp->ctx, -ENOMEM, "out of memory");
	for (uint64_t i = 0; i < phnum; i++) {
		struct gs_rd rd;
		uint32_t type, flags;
		uint64_t offset, vaddr, paddr, filesz, memsz;
		ph->off = (size_t)(i * phentsize);
		gs_rd_init(&rd, gs_rd_cur(ph), phentsize);
		gs_rd_u32le(&rd, &type);
		gs_rd_u32le(&rd, &flags);
		gs_rd_u64le(&rd, &offset);
		gs_rd_u64le(&rd, &vaddr);
		gs_rd_u64le(&rd, &paddr);
		gs_rd_u64le(&rd, &filesz);
		gs_rd_u64le(&rd, &memsz);
		if (type != PT_LOAD || memsz == 0)
			continue;
		if (vaddr + memsz < vaddr)
			return bad(cp, "PT_LOAD wraps around");
		if (filesz > memsz)
			filesz = memsz;
		/* a truncated core (ulimit -c) keeps what fits */
		if (offset > m->core_len)
			filesz = 0;
		else if (filesz > m->core_len - offset)
			filesz = m->core_len - offset;
		struct gs_core_load *l = &m->loads[nload++];
		struct gs_mem_mapping *map;
		int err;
		l->vaddr = vaddr;
		l->memsz = memsz;
		l->offset = offset;
		l->filesz = filesz;
		l->file = -1;
		if ((err = gs_vec_push(&m->maps, GS_TARGET_MAX_MAPPINGS, (void **)&map)))
			return gs_ctx_err(cp->ctx, err, "core has more than %u mappings", GS_TARGET_MAX_MAPPINGS);
		map->start = vaddr;
		map->end = vaddr + memsz;
		map->in_core = filesz;
		map->prot = (flags & PF_R ? GS_MAP_READ : 0) | (flags & PF_W ? GS_MAP_WRITE : 0) |
			    (flags & PF_X ? GS_MAP_EXEC : 0);
		map->path = "";
		for (size_t k = 0; k < cp->nentries; k++) {
			const struct nt_file_entry *e = &cp->entries[k];
			if (e->start != vaddr)
				continue;
			map->path = e->path;
			map->offset = e->offset;
			int fi = file_index(m, e->path);
			if (fi < 0) {
				fi = (int)m->nfiles++;
				m->files[fi].path = e->path;
				m->files[fi].fd = -1;
			}
			l->file = fi;
			l->file_offset = e->offset;
			break;
		}
	}
	/* a file mapping with no PT_LOAD at all (gdb's gcore leaves out read-only file
	 * mappings): its bytes come from the file alone */
	for (size_t k = 0; k < cp->nentries; k++) {
		const struct nt_file_entry *e = &cp->entries[k];
		struct gs_mem_mapping *map;
		bool have = false;
		int err;
		for (size_t i = 0; i < nload && !have; i++)
			have = m->loads[i].vaddr == e->start;
		if (have || e->end == e->start)
			continue;
		if ((err = gs_vec_push(&m->maps, GS_TARGET_MAX_MAPPINGS, (void **)&map)))
			return gs_ctx_err(cp->ctx, err, "core has more than %u mappings", GS_TARGET_MAX_MAPPINGS);
		int fi = file_index(m, e->path);
		if (fi < 0) {
			fi = (int)m->nfiles++;
			m->files[fi].path = e->path;
			m->files[fi].fd = -1;
		}
		struct gs_core_load *l = &m->loads[nload++];
		l->vaddr = e->start;
		l->memsz = e->end - e->start;
		l->file = fi;
		l->file_offset = e->offset;
		map->start = e->start;
		map->end = e->end;
		map->offset = e->offset;
		map->prot = GS_MAP_READ;
		map->path = e->path;
	}
	m->nloads = nload;
	if (nload > 1)
		qsort(m->loads, nload, sizeof(*m->loads), load_cmp);
	return 0;
}

static void pick_exe(struct gs_mem *m, const struct gs_mem_opts *opts)
{
	uint64_t phdr;
	if (opts && opts->exe_path) {
		m->exe_path = strdup(opts->exe_path);
		return;
	}
	if (gs_mem_auxv(m, AT_PHDR, &phdr))
		return;
	const struct gs_mem_mapping *maps;
	size_t n;
	maps = gs_mem_mappings(m, &n);
	for (size_t i = 0; i < n; i++) {
		if (phdr < maps[i].start || phdr >= maps[i].end || !maps[i].path[0])
			continue;
		size_t len = strlen(maps[i].path) + (m->sysroot ? strlen(m->sysroot) : 0) + 1;
		if ((m->exe_path = malloc(len)))
			snprintf(m->exe_path, len, "%s%s", m->sysroot ? m->sysroot : "", maps[i].path);
		return;
	}
}

/* The exe named by the caller stands in for the file the core recorded at the executable's
 * mappings; other files are opened at their recorded path (under the sysroot). */
static int open_file(struct gs_mem *m, int index)
{
	struct gs_core_file *f = &m->files[index];
	if (f->fd >= 0 || f->fd == -2)
		return f->fd;
	size_t open_now = 0;
	for (size_t i = 0; i < m->nfiles; i++)
		open_now += m->files[i].fd >= 0;
	if (open_now >= GS_TARGET_MAX_OPEN_FILES)
		return -2;
	uint64_t phdr;
	const char *path = f->path;
	char buf[4200];
	if (m->exe_path && gs_mem_auxv(m, AT_PHDR, &phdr) == 0) {
		const struct gs_mem_mapping *at = gs_mem_mapping_at(m, phdr);
		if (at && !strcmp(at->path, f->path))
			path = m->exe_path;
	}
	if (path == f->path && m->sysroot) {
		snprintf(buf, sizeof(buf), "%s%s", m->sysroot, f->path);
		path = buf;
	}
	/* a recorded path may name a FIFO or a device: never block, read regular files only */
	struct stat st;
	f->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (f->fd >= 0 && (fstat(f->fd, &st) != 0 || !S_ISREG(st.st_mode))) {
		close(f->fd);
		f->fd = -1;
	}
	if (f->fd < 0)
		f->fd = -2;
	return f->fd;
}

static const struct gs_core_load *find_load(const struct gs_mem *m, uint64_t addr)
{
	size_t lo = 0, hi = m->nloads;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct gs_core_load *l = &m->loads[mid];
		if (addr < l->vaddr)
			hi = mid;
		else if (addr - l->vaddr >= l->memsz)
			lo = mid + 1;
		else
			return l;
	}
	return NULL;
}

static void read_one(struct gs_mem *m, struct gs_mem_iov *v)
{
	while (v->got < v->len) {
		uint64_t addr = v->addr + v->got;
		const struct gs_core_load *l = find_load(m, addr);
		if (!l)
			return;
		uint64_t off = addr - l->vaddr;
		uint64_t avail = l->memsz - off;
		size_t want = v->len - v->got;
		if (want > avail)
			want = (size_t)avail;
		uint8_t *dst = (uint8_t *)v->buf + v->got;
		if (off < l->filesz) {
			if (want > l->filesz - off)
				want = (size_t)(l->filesz - off);
			memcpy(dst, m->core + l->offset + off, want);
			v->got += want;
			continue;
		}
		/* not in the core: the mapped file's bytes, if we have the file */
		if (l->file < 0)
			return;
		int fd = open_file(m, l->file);
		if (fd < 0)
			return;
		uint64_t at;
		if (__builtin_add_overflow(l->file_offset, off, &at) || at > (uint64_t)INT64_MAX)
			return;
		ssize_t r = pread(fd, dst, want, (off_t)at);
		if (r <= 0)
			return;
		v->got += (size_t)r;
	}
}

int gs_core_readv(struct gs_mem *m, struct gs_mem_iov *iov, size_t n, struct gs_ctx *ctx)
{
	bool incomplete = false;
	(void)ctx;
	for (size_t i = 0; i < n; i++) {
		read_one(m, &iov[i]);
		incomplete |= iov[i].got < iov[i].len;
	}
	return incomplete ? -EFAULT : 0;
}

static int parse_core(struct gs_mem *m, const struct gs_mem_opts *opts, struct gs_ctx *ctx)
{
	struct core_parse cp = {m, ctx, NULL, 0, 0, 0};
	struct gs_rd rd, ph;
	uint16_t type, machine, phentsize, phnum16, shentsize;
	uint64_t phoff, shoff, phnum;
	const uint8_t *ident;
	size_t notes_total = 0;
	int err = 0;

	gs_rd_init(&rd, m->core, m->core_len);
	if (gs_rd_bytes(&rd, EI_NIDENT, &ident) || memcmp(ident, ELFMAG, SELFMAG))
		return gs_ctx_err(ctx, -EBADMSG, "not an ELF file");
	if (m->core_len < 64) /* the whole header, before offsets into it are set below */
		return bad(&cp, "short ELF header");
	if (ident[EI_CLASS] != ELFCLASS64 || ident[EI_DATA] != ELFDATA2LSB)
		return gs_ctx_err(ctx, -ENOTSUP, "not a 64-bit little-endian ELF core");
	if (gs_rd_u16le(&rd, &type) || gs_rd_u16le(&rd, &machine))
		return bad(&cp, "short ELF header");
	if (type != ET_CORE)
		return gs_ctx_err(ctx, -EBADMSG, "not a core file (ELF type %u)", type);
	if (machine == EM_X86_64)
		m->arch = GS_ARCH_AMD64;
	else if (machine == EM_AARCH64)
		m->arch = GS_ARCH_ARM64;
	else
		return gs_ctx_err(ctx, -ENOTSUP, "core of an unsupported machine (%u)", machine);
	rd.off = 32;
	if (gs_rd_u64le(&rd, &phoff) || gs_rd_u64le(&rd, &shoff) || gs_rd_skip(&rd, 6) ||
	    gs_rd_u16le(&rd, &phentsize) || gs_rd_u16le(&rd, &phnum16) || gs_rd_u16le(&rd, &shentsize))
		return bad(&cp, "short ELF header");
	phnum = phnum16;
	if (phnum16 == 0xffff) {
		/* PN_XNUM: the real count is in section 0's sh_info */
		struct gs_rd sh;
		uint32_t info;
		gs_rd_init(&sh, m->core, m->core_len);
		if (shoff > m->core_len || gs_rd_skip(&sh, (size_t)shoff) || gs_rd_skip(&sh, 44) ||
		    gs_rd_u32le(&sh, &info))
			return bad(&cp, "PN_XNUM without section 0");
		phnum = info;
	}
	if (phentsize < 56 || phnum > GS_TARGET_MAX_MAPPINGS + 16)
		return bad(&cp, "program header table");
	gs_rd_init(&ph, m->core, m->core_len);
	if (phoff > m->core_len || gs_rd_skip(&ph, (size_t)phoff) ||
	    gs_rd_left(&ph) / phentsize < phnum)
		return bad(&cp, "program headers run past the end of the file");
	gs_rd_init(&ph, gs_rd_cur(&ph), (size_t)(phnum * phentsize));

	for (uint64_t i = 0; i < phnum && !err; i++) {
		uint32_t ptype;
		uint64_t off, filesz;
		struct gs_rd one;
		gs_rd_init(&one, ph.p + i * phentsize, phentsize);
		gs_rd_u32le(&one, &ptype);
		if (ptype != PT_NOTE)
			continue;
		one.off = 8;
		gs_rd_u64le(&one, &off);
		one.off = 32;
		gs_rd_u64le(&one, &filesz);
		if (off > m->core_len || filesz > m->core_len - off)
			err = bad(&cp, "PT_NOTE runs past the end of the file (truncated core?)");
		else if ((notes_total += filesz) > GS_TARGET_MAX_NOTES)
			err = gs_ctx_err(ctx, -E2BIG, "core notes exceed %u bytes", GS_TARGET_MAX_NOTES);
		else
			err = parse_notes(&cp, m->core + off, (size_t)filesz);
	}
	if (!err)
		err = build_loads(&cp, &ph, phnum, phentsize);
	free(cp.entries);
	if (err)
		return err;
	if (opts && opts->sysroot && !(m->sysroot = strdup(opts->sysroot)))
		return -ENOMEM;
	gs_mem_sort_maps(m);
	pick_exe(m, opts); /* before the bias: its header may have to come from that file */
	gs_mem_finish(m, ctx);
	return 0;
}

int gs_mem_open_core_mem(const void *data, size_t len, const struct gs_mem_opts *opts,
			 struct gs_ctx *ctx, struct gs_mem **out)
{
	struct gs_mem *m;
	int err;
	*out = NULL;
	if ((err = gs_mem_alloc(GS_MEM_CORE, &m)))
		return gs_ctx_err(ctx, err, "out of memory");
	m->core = data;
	m->core_len = len;
	if ((err = parse_core(m, opts, ctx))) {
		gs_mem_free(m);
		return err;
	}
	*out = m;
	return 0;
}

int gs_mem_open_core(const char *path, const struct gs_mem_opts *opts, struct gs_ctx *ctx,
		     struct gs_mem **out)
{
	struct stat st;
	void *p;
	int fd, err;
	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return gs_ctx_err(ctx, -errno, "%s", strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 64) {
		close(fd);
		return gs_ctx_err(ctx, -EBADMSG, "not an ELF core file");
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	err = errno;
	close(fd);
	if (p == MAP_FAILED)
		return gs_ctx_err(ctx, -err, "cannot map it: %s", strerror(err));
	if ((err = gs_mem_open_core_mem(p, (size_t)st.st_size, opts, ctx, out))) {
		munmap(p, (size_t)st.st_size);
		return err;
	}
	(*out)->core_mapped = true;
	return 0;
}
