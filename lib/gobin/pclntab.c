/* The pclntab of Go 1.18 and later (header magic 0xfffffff0 and 0xfffffff1): locating it in
 * an ELF file (section, symbols or a validated scan), the function table, names, files
 * through cutab and filetab, and pc-value tables decoded bit for bit as debug/gosym and the
 * runtime do. Inline trees are expanded in inline.c. Older tables (Go 1.2-1.17) are refused
 * with -ENOTSUP. */
#include <elf.h>

#include "gobin/internal.h"

#define MAGIC_GO118 0xfffffff0u
#define MAGIC_GO120 0xfffffff1u

/* Per-format facts that differ between the two supported table versions. The moduledata
 * offsets (64-bit) are those of runtime/symtab.go's moduledata: text follows pcHeader, six
 * slices, findfunctab, minpc and maxpc; gofunc follows the data/bss bounds, covctrs (1.20+),
 * end, gcdata, gcbss, types, etypes and rodata. */
static const struct gs_pcln_format formats[] = {
	{.magic = MAGIC_GO118, .func_size = 40, .func_id_off = 36, .inl_size = 20,
	 .inl_name_off = 12, .inl_parentpc_off = 16, .inl_funcid_off = 2, .md_text = 176, .md_gofunc = 304,
	 .versions = "go1.18-1.19"},
	{.magic = MAGIC_GO120, .func_size = 44, .func_id_off = 40, .inl_size = 16,
	 .inl_name_off = 4, .inl_parentpc_off = 8, .inl_funcid_off = 0, .inl_startline_off = 12,
	 .md_text = 176, .md_gofunc = 320,
	 .versions = "go1.20+"},
};

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static const struct gs_pcln_format *format_of(uint32_t magic)
{
	for (size_t i = 0; i < GS_ARRAY_LEN(formats); i++)
		if (formats[i].magic == magic)
			return &formats[i];
	return NULL;
}

/* Parses and validates the header of data[0..len). */
static int parse_header(struct gs_pclntab *t, const uint8_t *data, size_t len, struct gs_ctx *ctx)
{
	if (len < 8)
		return gs_ctx_err(ctx, -EBADMSG, "pclntab: truncated header");
	uint32_t magic = le32(data);
	if (magic == 0xfffffffbu || magic == 0xfffffffau)
		return gs_ctx_err(ctx, -ENOTSUP, "pclntab: Go before 1.18 (magic %#x) is not supported",
				  magic);
	t->format = format_of(magic);
	if (!t->format)
		return gs_ctx_err(ctx, -EBADMSG, "pclntab: unknown magic %#x", magic);
	if (data[4] || data[5] || (data[6] != 1 && data[6] != 2 && data[6] != 4) || data[7] != 8)
		return gs_ctx_err(ctx, -EBADMSG, "pclntab: bad header (quantum %u, pointer size %u)",
				  data[6], data[7]);
	if (len < 8 + 8 * 8)
		return gs_ctx_err(ctx, -EBADMSG, "pclntab: truncated header");
	t->data = data;
	t->len = len;
	t->magic = magic;
	t->quantum = data[6];
	uint64_t nfunc = le64(data + 8);
	t->nfiles = le64(data + 16);
	t->header_text_start = le64(data + 24);
	uint64_t offs[5];
	for (int i = 0; i < 5; i++) {
		offs[i] = le64(data + 32 + 8 * i);
		if (offs[i] > len)
			return gs_ctx_err(ctx, -EBADMSG, "pclntab: table %d at offset %llu is past the end (%zu)",
					  i, (unsigned long long)offs[i], len);
	}
	t->funcname_off = (size_t)offs[0];
	t->cu_off = (size_t)offs[1];
	t->filetab_off = (size_t)offs[2];
	t->pctab_off = (size_t)offs[3];
	t->pcln_off = (size_t)offs[4];
	if (nfunc > UINT32_MAX / 2 - 1 || (nfunc * 2 + 1) * 4 > len - t->pcln_off)
		return gs_ctx_err(ctx, -EBADMSG, "pclntab: function table of %llu entries does not fit",
				  (unsigned long long)nfunc);
	t->nfunc = (uint32_t)nfunc;
	t->functab = data + t->pcln_off;
	const uint8_t *nul = memrchr(data, 0, len);
	t->last_nul = (size_t)(nul - data); /* the header has NUL bytes, so there is one */
	return 0;
}

/* A NUL-terminated string at base+off, or NULL when it would run off the table: every
 * string that starts at or before the table's last NUL byte ends inside the table. */
static const char *string_at(const struct gs_pclntab *t, size_t base, uint64_t off)
{
	if (off > t->len - base || base + (size_t)off > t->last_nul)
		return NULL;
	return (const char *)t->data + base + off;
}

/* ---- finding the table in an ELF file ---- */

static bool plausible(const uint8_t *p, size_t avail)
{
	struct gs_pclntab t = {0};
	struct gs_ctx quiet;
	gs_ctx_init(&quiet);
	if (parse_header(&t, p, avail, &quiet) || t.nfunc == 0)
		return false;
	/* the tables come in this order, and the first entries of functab increase */
	if (!(t.funcname_off <= t.cu_off && t.cu_off <= t.filetab_off &&
	      t.filetab_off <= t.pctab_off && t.pctab_off <= t.pcln_off))
		return false;
	uint32_t prev = 0;
	for (uint32_t i = 0; i <= t.nfunc && i < 16; i++) {
		uint32_t e = le32(t.functab + 8 * i);
		if (e < prev)
			return false;
		prev = e;
	}
	return true;
}

static int locate(struct gs_pclntab *t, struct gs_elf *e, struct gs_ctx *ctx, const uint8_t **p,
		  size_t *len)
{
	static const char *const sections[] = {".gopclntab", ".data.rel.ro.gopclntab"};
	for (size_t i = 0; i < GS_ARRAY_LEN(sections); i++) {
		const struct gs_elf_section *s = gs_elf_section(e, sections[i]);
		if (s && s->data) {
			*p = s->data;
			*len = s->data_len;
			t->vaddr = s->addr;
			snprintf(t->source, sizeof(t->source), "section %s", sections[i]);
			return 0;
		}
	}
	struct gs_elf_symbol start, end;
	if (gs_elf_symbol_find(e, "runtime.pclntab", ctx, &start) == 0 &&
	    gs_elf_symbol_find(e, "runtime.epclntab", ctx, &end) == 0 && end.value > start.value &&
	    gs_elf_vaddr_view(e, start.value, p, len) == 0) {
		if (end.value - start.value < *len)
			*len = (size_t)(end.value - start.value);
		t->vaddr = start.value;
		snprintf(t->source, sizeof(t->source), "symbol runtime.pclntab");
		return 0;
	}
	/* scan read-only loaded segments for an 8-aligned header that parses */
	size_t flen;
	const uint8_t *file = gs_elf_bytes(e, &flen);
	for (size_t i = 0; i < gs_elf_segment_count(e); i++) {
		const struct gs_elf_segment *s = gs_elf_segment_at(e, i);
		if (s->type != PT_LOAD || (s->flags & PF_W) || s->offset > flen ||
		    s->filesz > flen - s->offset)
			continue;
		const uint8_t *seg = file + s->offset;
		for (size_t off = (8 - (s->vaddr & 7)) & 7; off + 72 <= s->filesz; off += 8) {
			if (seg[off + 4] != 0 || seg[off + 5] != 0 || seg[off + 7] != 8 ||
			    (le32(seg + off) != MAGIC_GO120 && le32(seg + off) != MAGIC_GO118))
				continue;
			if (!plausible(seg + off, (size_t)s->filesz - off))
				continue;
			*p = seg + off;
			*len = (size_t)s->filesz - off;
			t->vaddr = s->vaddr + off;
			snprintf(t->source, sizeof(t->source), "scan");
			return 0;
		}
	}
	return gs_ctx_err(ctx, -ENOENT, "no pclntab found (not a Go binary?)");
}

/* Finds runtime.firstmoduledata by its first two words (the header address and the address
 * of funcnametab) in the writable segments: its bytes and its address. */
static int find_moduledata(const struct gs_pclntab *t, struct gs_elf *e, const uint8_t **md,
			   size_t *avail, uint64_t *addr)
{
	size_t flen;
	const uint8_t *file = gs_elf_bytes(e, &flen);
	if (!t->vaddr)
		return -ENOENT;
	for (size_t i = 0; i < gs_elf_segment_count(e); i++) {
		const struct gs_elf_segment *s = gs_elf_segment_at(e, i);
		if (s->type != PT_LOAD || !(s->flags & PF_W) || s->offset > flen ||
		    s->filesz > flen - s->offset)
			continue;
		const uint8_t *seg = file + s->offset;
		for (size_t off = (8 - (s->vaddr & 7)) & 7; off + 16 <= s->filesz; off += 8) {
			if (le64(seg + off) != t->vaddr ||
			    le64(seg + off + 8) != t->vaddr + t->funcname_off)
				continue;
			*md = seg + off;
			*avail = (size_t)s->filesz - off;
			*addr = s->vaddr + off;
			return 0;
		}
	}
	return -ENOENT;
}

static void resolve_bases(struct gs_pclntab *t, struct gs_elf *e, struct gs_ctx *ctx)
{
	struct gs_elf_symbol sym;
	const uint8_t *md = NULL;
	size_t md_len = 0;
	bool have_md = find_moduledata(t, e, &md, &md_len, &t->moduledata) == 0;

	if (gs_elf_symbol_find(e, "runtime.text", ctx, &sym) == 0) {
		t->text_start = sym.value;
	} else if (have_md && md_len >= t->format->md_text + 8 && le64(md + t->format->md_text)) {
		t->text_start = le64(md + t->format->md_text);
	} else if (t->header_text_start) {
		t->text_start = t->header_text_start;
	} else {
		const struct gs_elf_section *text = gs_elf_section(e, ".text");
		t->text_start = text ? text->addr : 0;
	}
	if (gs_elf_symbol_find(e, "go:func.*", ctx, &sym) == 0 ||
	    gs_elf_symbol_find(e, "go.func.*", ctx, &sym) == 0) {
		t->gofunc = sym.value;
		t->have_gofunc = true;
	} else if (have_md && md_len >= t->format->md_gofunc + 8) {
		t->gofunc = le64(md + t->format->md_gofunc);
		t->have_gofunc = t->gofunc != 0;
	}
}

int gs_pclntab_open(struct gs_elf *e, struct gs_ctx *ctx, struct gs_pclntab **out)
{
	const uint8_t *p;
	size_t len;
	int err;
	*out = NULL;
	struct gs_pclntab *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	err = locate(t, e, ctx, &p, &len);
	if (!err)
		err = parse_header(t, p, len, ctx);
	if (err) {
		free(t);
		return err;
	}
	t->elf = e;
	resolve_bases(t, e, ctx);
	*out = t;
	return 0;
}

int gs_pclntab_open_mem(const void *data, size_t len, uint64_t text_start, struct gs_ctx *ctx,
			struct gs_pclntab **out)
{
	*out = NULL;
	struct gs_pclntab *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	int err = parse_header(t, data, len, ctx);
	if (err) {
		free(t);
		return err;
	}
	snprintf(t->source, sizeof(t->source), "memory");
	t->text_start = text_start;
	*out = t;
	return 0;
}

void gs_pclntab_free(struct gs_pclntab *t)
{
	free(t);
}

uint32_t gs_pclntab_magic(const struct gs_pclntab *t)
{
	return t->magic;
}

uint32_t gs_pclntab_nfunc(const struct gs_pclntab *t)
{
	return t->nfunc;
}

uint32_t gs_pclntab_quantum(const struct gs_pclntab *t)
{
	return t->quantum;
}

uint64_t gs_pclntab_text_start(const struct gs_pclntab *t)
{
	return t->text_start;
}

const char *gs_pclntab_source(const struct gs_pclntab *t)
{
	return t->source;
}

/* ---- functions ---- */

static inline uint64_t functab_pc(const struct gs_pclntab *t, uint32_t i)
{
	return t->text_start + le32(t->functab + 8 * (size_t)i);
}

int gs_pclntab_func_at(const struct gs_pclntab *t, uint32_t i, struct gs_func *f)
{
	if (i >= t->nfunc)
		return -ERANGE;
	const struct gs_pcln_format *fmt = t->format;
	uint32_t funcoff = le32(t->functab + 8 * (size_t)i + 4);
	size_t base = t->pcln_off;
	if (funcoff > t->len - base || t->len - base - funcoff < fmt->func_size)
		return -EBADMSG;
	const uint8_t *r = t->data + base + funcoff;
	memset(f, 0, sizeof(*f));
	f->index = i;
	f->raw = r;
	f->raw_len = t->len - base - funcoff;
	f->entry = functab_pc(t, i);
	f->end = functab_pc(t, i + 1);
	f->func_entry = t->text_start + le32(r);
	uint32_t name_off = le32(r + 4);
	f->args = le32(r + 8);
	f->deferreturn = le32(r + 12);
	f->pcsp = le32(r + 16);
	f->pcfile = le32(r + 20);
	f->pcln = le32(r + 24);
	f->npcdata = le32(r + 28);
	f->cu_offset = le32(r + 32);
	if (fmt->magic == MAGIC_GO120)
		f->start_line = (int32_t)le32(r + 36);
	f->func_id = r[fmt->func_id_off];
	f->flag = r[fmt->func_id_off + 1];
	f->nfuncdata = r[fmt->func_id_off + 3];
	const char *name = string_at(t, t->funcname_off, name_off);
	f->name = name ? name : "?";
	return 0;
}

int gs_pclntab_find_index(const struct gs_pclntab *t, uint64_t pc, uint32_t *index)
{
	if (t->nfunc == 0 || pc < functab_pc(t, 0) || pc >= functab_pc(t, t->nfunc))
		return -ENOENT;
	/* the last entry whose pc is <= pc (branch-free: the comparisons are unpredictable); an
	 * empty function (entry == end) never holds pc, and this search steps past it */
	uint64_t target = pc - t->text_start;
	const uint8_t *b = t->functab;
	uint32_t len = t->nfunc + 1;
	while (len > 1) {
		uint32_t half = len / 2;
		b += (uint64_t)le32(b + 8 * (size_t)half) <= target ? 8 * (size_t)half : 0;
		len -= half;
	}
	uint32_t lo = (uint32_t)((size_t)(b - t->functab) / 8);
	if (!(pc < functab_pc(t, lo + 1)))
		return -ENOENT;
	*index = lo;
	return 0;
}

int gs_pclntab_find_func(const struct gs_pclntab *t, uint64_t pc, struct gs_func *f)
{
	uint32_t i;
	int err = gs_pclntab_find_index(t, pc, &i);
	if (!err)
		err = gs_pclntab_func_at(t, i, f);
	return err == -ERANGE ? -ENOENT : err;
}

/* debug/gosym readvarint: a uint32 accumulated 7 bits at a time, bits past 32 dropped. */
static inline bool read_varint32(const uint8_t **pp, const uint8_t *end, uint32_t *out)
{
	const uint8_t *p = *pp;
	uint32_t v = 0;
	for (unsigned shift = 0;; shift += 7) {
		if (p >= end)
			return false;
		uint8_t b = *p++;
		if (shift < 32)
			v |= (uint32_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
		if (shift > 64 * 7)
			return false; /* a run of continuation bytes this long is garbage */
	}
	*pp = p;
	*out = v;
	return true;
}

int32_t gs_pclntab_pcvalue(const struct gs_pclntab *t, const struct gs_func *f, uint32_t table_off,
			   uint64_t target)
{
	if (table_off > t->len - t->pctab_off)
		return -1;
	const uint8_t *p = t->data + t->pctab_off + table_off, *end = t->data + t->len;
	uint64_t entry = f->func_entry, pc = entry;
	uint32_t val = (uint32_t)-1;
	for (;;) {
		uint32_t uv, pcdelta;
		if (!read_varint32(&p, end, &uv))
			return -1;
		if (uv == 0 && pc != entry)
			return -1;
		uv = (uv & 1) ? ~(uv >> 1) : uv >> 1;
		if (!read_varint32(&p, end, &pcdelta))
			return -1;
		pc += (uint64_t)(uint32_t)(pcdelta * t->quantum);
		val += uv;
		if (target < pc)
			return (int32_t)val;
	}
}

int gs_pclntab_runs(const struct gs_pclntab *t, const struct gs_func *f, uint32_t table_off,
		     struct gs_pcrun **runs, uint32_t *n, uint32_t *cap)
{
	*n = 0;
	if (table_off > t->len - t->pctab_off)
		return 0;
	const uint8_t *p = t->data + t->pctab_off + table_off, *end = t->data + t->len;
	uint64_t entry = f->func_entry, pc = entry;
	uint32_t val = (uint32_t)-1;
	for (;;) {
		uint32_t uv, pcdelta;
		if (!read_varint32(&p, end, &uv) || (uv == 0 && pc != entry))
			return 0;
		uv = (uv & 1) ? ~(uv >> 1) : uv >> 1;
		if (!read_varint32(&p, end, &pcdelta))
			return 0;
		pc += (uint64_t)(uint32_t)(pcdelta * t->quantum);
		val += uv;
		if (pc - entry > UINT32_MAX)
			return -ERANGE;
		if (*n == *cap) {
			uint32_t ncap = *cap ? *cap * 2 : 16;
			if (ncap > GS_PCLN_MAX_RUNS)
				return -E2BIG;
			struct gs_pcrun *r = realloc(*runs, ncap * sizeof(*r));
			if (!r)
				return -ENOMEM;
			*runs = r;
			*cap = ncap;
		}
		(*runs)[(*n)++] = (struct gs_pcrun){(uint32_t)(pc - entry), (int32_t)val};
	}
}

int32_t gs_pclntab_line(const struct gs_pclntab *t, const struct gs_func *f, uint64_t pc)
{
	return gs_pclntab_pcvalue(t, f, f->pcln, pc);
}

const char *gs_pclntab_file(const struct gs_pclntab *t, const struct gs_func *f, uint64_t pc)
{
	return gs_pclntab_file_name(t, f, gs_pclntab_pcvalue(t, f, f->pcfile, pc));
}

const char *gs_pclntab_file_name(const struct gs_pclntab *t, const struct gs_func *f, int32_t fno)
{
	if (fno < 0)
		return "";
	/* uint32 arithmetic, as in debug/gosym */
	uint32_t idx = (f->cu_offset + (uint32_t)fno) * 4;
	if (idx > t->len - t->cu_off || t->len - t->cu_off - idx < 4)
		return "";
	uint32_t fnoff = le32(t->data + t->cu_off + idx);
	if (fnoff == UINT32_MAX)
		return "";
	const char *s = string_at(t, t->filetab_off, fnoff);
	return s ? s : "";
}

int32_t gs_pclntab_sp(const struct gs_pclntab *t, const struct gs_func *f, uint64_t pc)
{
	return gs_pclntab_pcvalue(t, f, f->pcsp, pc);
}

int32_t gs_pclntab_pcdata(const struct gs_pclntab *t, const struct gs_func *f, uint32_t index,
			  uint64_t pc)
{
	size_t off = t->format->func_size + 4 * (size_t)index;
	if (index >= f->npcdata || off + 4 > f->raw_len)
		return -1;
	uint32_t table = le32(f->raw + off);
	if (table == 0)
		return -1;
	return gs_pclntab_pcvalue(t, f, table, pc);
}

int gs_pclntab_funcdata(const struct gs_pclntab *t, const struct gs_func *f, uint32_t index,
			const uint8_t **p, size_t *avail)
{
	if (index >= f->nfuncdata || !t->have_gofunc || !t->elf || f->npcdata > f->raw_len / 4)
		return -ENOENT;
	size_t off = t->format->func_size + 4 * ((size_t)f->npcdata + index);
	if (off + 4 > f->raw_len)
		return -ENOENT;
	uint32_t fd = le32(f->raw + off);
	if (fd == UINT32_MAX)
		return -ENOENT;
	return gs_elf_vaddr_view(t->elf, t->gofunc + fd, p, avail);
}

const struct gs_pcln_format *gs_pclntab_format(const struct gs_pclntab *t)
{
	return t->format;
}

const char *gs_pclntab_string(const struct gs_pclntab *t, size_t base, uint64_t off)
{
	return string_at(t, base, off);
}
