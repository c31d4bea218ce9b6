/* Writes an ELF core in the Linux kernel's layout from a description (struct gs_core_image):
 * ELF header, PT_NOTE then one PT_LOAD per mapping at page-aligned offsets, and the notes
 * NT_PRSTATUS (+NT_ARM_TLS) per thread, NT_PRPSINFO, NT_AUXV, NT_FILE. It does not choose
 * what to dump nor read any process: the caller hands it the bytes. */
#include <elf.h>

#include "internal.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static int note(struct gs_buf *b, const char *name, uint32_t type, const void *desc, size_t len)
{
	uint8_t hdr[12];
	size_t namesz = strlen(name) + 1;
	static const uint8_t zeros[4];
	int err;
	if (len > UINT32_MAX)
		return -E2BIG;
	put32(hdr, (uint32_t)namesz);
	put32(hdr + 4, (uint32_t)len);
	put32(hdr + 8, type);
	if ((err = gs_buf_add(b, hdr, 12)) || (err = gs_buf_add(b, name, namesz)) ||
	    (err = gs_buf_add(b, zeros, (4 - namesz % 4) % 4)) || (err = gs_buf_add(b, desc, len)) ||
	    (err = gs_buf_add(b, zeros, (4 - len % 4) % 4)))
		return err;
	return 0;
}

static int thread_notes(struct gs_buf *b, const struct gs_core_image *img, const struct gs_thread *t)
{
	uint8_t st[112 + GS_REGS_MAX * 8 + 8];
	unsigned nregs = img->arch == GS_ARCH_AMD64 ? GS_AMD64_NREGS : GS_ARM64_NREGS;
	size_t size = 112 + (size_t)nregs * 8 + 8; /* + pr_fpvalid and padding */
	int err;
	memset(st, 0, sizeof(st));
	put16(st + 12, (uint16_t)t->signal);
	put32(st + 32, (uint32_t)t->tid);
	put32(st + 36, (uint32_t)img->ppid);
	put32(st + 40, (uint32_t)img->pid);
	put32(st + 44, (uint32_t)img->pid);
	for (unsigned i = 0; i < nregs && i < t->regs.count; i++)
		put64(st + 112 + 8 * i, t->regs.words[i]);
	if ((err = note(b, "CORE", NT_PRSTATUS, st, size)))
		return err;
	if (img->arch == GS_ARCH_ARM64 && t->regs.tls_known) {
		uint8_t tls[8];
		put64(tls, t->regs.tls);
		return note(b, "LINUX", NT_ARM_TLS, tls, sizeof(tls));
	}
	return 0;
}

static bool is_file(const struct gs_mem_mapping *map)
{
	return map->path && map->path[0] == '/';
}

static int build_notes(const struct gs_core_image *img, struct gs_buf *b)
{
	uint8_t ps[136];
	int err;
	memset(ps, 0, sizeof(ps));
	ps[1] = 'R';
	put32(ps + 16, (uint32_t)img->uid);
	put32(ps + 20, (uint32_t)img->gid);
	put32(ps + 24, (uint32_t)img->pid);
	put32(ps + 28, (uint32_t)img->ppid);
	put32(ps + 32, (uint32_t)img->pid);
	put32(ps + 36, (uint32_t)img->pid);
	if (img->comm)
		memcpy(ps + 40, img->comm, strnlen(img->comm, 15));
	if (img->args)
		memcpy(ps + 56, img->args, strnlen(img->args, 79));

	/* the kernel's order: the first thread's status, the process notes, the others */
	if (img->nthreads && (err = thread_notes(b, img, &img->threads[0])))
		return err;
	if ((err = note(b, "CORE", NT_PRPSINFO, ps, sizeof(ps))))
		return err;
	if (img->auxv_len && (err = note(b, "CORE", NT_AUXV, img->auxv, img->auxv_len)))
		return err;

	struct gs_buf f = GS_BUF_INIT;
	uint8_t w[24];
	uint64_t count = 0;
	for (size_t i = 0; i < img->nsegments; i++)
		count += is_file(img->segments[i].map);
	put64(w, count);
	put64(w + 8, img->page_size);
	err = gs_buf_add(&f, w, 16);
	for (size_t i = 0; !err && i < img->nsegments; i++) {
		const struct gs_mem_mapping *map = img->segments[i].map;
		if (!is_file(map))
			continue;
		put64(w, map->start);
		put64(w + 8, map->end);
		put64(w + 16, map->offset / img->page_size);
		err = gs_buf_add(&f, w, 24);
	}
	for (size_t i = 0; !err && i < img->nsegments; i++)
		if (is_file(img->segments[i].map))
			err = gs_buf_add(&f, img->segments[i].map->path, strlen(img->segments[i].map->path) + 1);
	if (!err)
		err = note(b, "CORE", NT_FILE, f.data, f.len);
	gs_buf_release(&f);
	for (size_t i = 1; !err && i < img->nthreads; i++)
		err = thread_notes(b, img, &img->threads[i]);
	return err;
}

static int write_zeros(gs_write_fn write, void *arg, uint64_t n)
{
	static const uint8_t zeros[4096];
	while (n) {
		size_t k = n < sizeof(zeros) ? (size_t)n : sizeof(zeros);
		int err = write(arg, zeros, k);
		if (err)
			return err;
		n -= k;
	}
	return 0;
}

int gs_core_write(const struct gs_core_image *img, gs_write_fn write, void *arg, struct gs_ctx *ctx)
{
	struct gs_buf notes = GS_BUF_INIT, hdr = GS_BUF_INIT;
	uint64_t page = img->page_size ? img->page_size : 4096;
	uint64_t phnum = 1 + img->nsegments;
	int err;

	if (img->arch != GS_ARCH_AMD64 && img->arch != GS_ARCH_ARM64)
		return gs_ctx_err(ctx, -EINVAL, "core writer: unknown architecture");
	if (page & (page - 1))
		return gs_ctx_err(ctx, -EINVAL, "core writer: page size %llu", (unsigned long long)page);
	for (size_t i = 0; i < img->nsegments; i++) {
		const struct gs_core_segment *s = &img->segments[i];
		if (s->map->end < s->map->start || s->data_len > s->map->end - s->map->start ||
		    (i && s->map->start < img->segments[i - 1].map->start))
			return gs_ctx_err(ctx, -EINVAL, "core writer: segment %zu is malformed", i);
	}
	struct gs_core_image copy = *img;
	copy.page_size = page;
	if ((err = build_notes(&copy, &notes))) {
		gs_buf_release(&notes);
		return gs_ctx_err(ctx, err, "core writer: notes: %s", strerror(-err));
	}

	bool xnum = phnum >= PN_XNUM;
	uint64_t phoff = 64, notes_off = phoff + phnum * 56;
	uint64_t data_off = (notes_off + notes.len + page - 1) & ~(page - 1);
	uint64_t end = data_off;
	for (size_t i = 0; i < img->nsegments; i++)
		end += (img->segments[i].data_len + page - 1) & ~(page - 1);

	uint8_t eh[64];
	memset(eh, 0, sizeof(eh));
	memcpy(eh, ELFMAG, SELFMAG);
	eh[EI_CLASS] = ELFCLASS64;
	eh[EI_DATA] = ELFDATA2LSB;
	eh[EI_VERSION] = EV_CURRENT;
	put16(eh + 16, ET_CORE);
	put16(eh + 18, img->arch == GS_ARCH_AMD64 ? EM_X86_64 : EM_AARCH64);
	put32(eh + 20, EV_CURRENT);
	put64(eh + 32, phoff);
	put64(eh + 40, xnum ? end : 0); /* section 0 after the data carries the count */
	put16(eh + 52, 64);
	put16(eh + 54, 56);
	put16(eh + 56, xnum ? PN_XNUM : (uint16_t)phnum);
	put16(eh + 58, xnum ? 64 : 0);
	put16(eh + 60, xnum ? 1 : 0);
	err = gs_buf_add(&hdr, eh, sizeof(eh));

	uint8_t ph[56];
	memset(ph, 0, sizeof(ph));
	put32(ph, PT_NOTE);
	put64(ph + 8, notes_off);
	put64(ph + 32, notes.len);
	put64(ph + 48, 4);
	if (!err)
		err = gs_buf_add(&hdr, ph, sizeof(ph));
	uint64_t off = data_off;
	for (size_t i = 0; !err && i < img->nsegments; i++) {
		const struct gs_core_segment *s = &img->segments[i];
		uint32_t flags = (s->map->prot & GS_MAP_READ ? PF_R : 0) | (s->map->prot & GS_MAP_WRITE ? PF_W : 0) |
				 (s->map->prot & GS_MAP_EXEC ? PF_X : 0);
		memset(ph, 0, sizeof(ph));
		put32(ph, PT_LOAD);
		put32(ph + 4, flags);
		put64(ph + 8, s->data_len ? off : 0);
		put64(ph + 16, s->map->start);
		put64(ph + 32, s->data_len);
		put64(ph + 40, s->map->end - s->map->start);
		put64(ph + 48, page);
		err = gs_buf_add(&hdr, ph, sizeof(ph));
		off += (s->data_len + page - 1) & ~(page - 1);
	}
	if (!err)
		err = gs_buf_add(&hdr, notes.data, notes.len);
	if (err) {
		gs_buf_release(&notes);
		gs_buf_release(&hdr);
		return gs_ctx_err(ctx, err, "core writer: out of memory");
	}
	if (!(err = write(arg, hdr.data, hdr.len)))
		err = write_zeros(write, arg, data_off - hdr.len);
	gs_buf_release(&notes);
	gs_buf_release(&hdr);
	uint64_t done = 0, total = end - data_off;
	for (size_t i = 0; !err && i < img->nsegments; i++) {
		const struct gs_core_segment *s = &img->segments[i];
		for (uint64_t at = 0; !err && at < s->data_len;) {
			size_t k = s->data_len - at < (1u << 20) ? (size_t)(s->data_len - at) : (1u << 20);
			err = write(arg, s->data + at, k);
			at += k;
			done += k;
			if (!err)
				err = gs_ctx_progress(ctx, "writing", done, total);
		}
		if (!err)
			err = write_zeros(write, arg, ((s->data_len + page - 1) & ~(page - 1)) - s->data_len);
	}
	if (!err && xnum) {
		uint8_t sh[64];
		memset(sh, 0, sizeof(sh));
		put32(sh + 44, (uint32_t)phnum);
		err = write(arg, sh, sizeof(sh));
	}
	if (err && err != -ECANCELED)
		return gs_ctx_err(ctx, err, "cannot write the core: %s", strerror(-err));
	return err;
}
