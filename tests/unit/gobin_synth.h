/* A generator of small synthetic Go binaries for the gobin tests and fuzz seeds: a 64-bit
 * little-endian ELF with .text, a Go 1.20+ pclntab (three functions, two files, an inlined
 * call), funcdata with the inline tree, .go.buildinfo in the inline format, moduledata in
 * .go.module, and optionally a symbol table and section headers. Every value the tests
 * expect is written here, so a reader bug cannot hide behind a matching writer. */
#ifndef GOSCOPE_TEST_GOBIN_SYNTH_H
#define GOSCOPE_TEST_GOBIN_SYNTH_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SYN_BASE 0x400000u
#define SYN_SIZE 0x6000u
#define SYN_TEXT 0x1000u      /* file offset of .text; vaddr SYN_BASE + offset */
#define SYN_TEXT_SIZE 0x100u
#define SYN_PCLN 0x2000u
#define SYN_GOFUNC 0x3000u
#define SYN_BUILDINFO 0x4000u
#define SYN_MODULE 0x4100u
#define SYN_SYMTAB 0x5000u
#define SYN_GO_VERSION "go1.99.1"
#define SYN_MODINFO                                                                                \
	"path\texample.com/synth\n"                                                                \
	"mod\texample.com/synth\t(devel)\t\n"                                                      \
	"dep\tgolang.org/x/text\tv0.1.0\th1:abc=\n"                                                \
	"dep\texample.com/old\tv1.0.0\n"                                                           \
	"=>\t../old\t(devel)\t\n"                                                                  \
	"build\tCGO_ENABLED=0\n"                                                                   \
	"build\t-ldflags=\"-s -w\"\n"
/* what go version -m prints for it */
#define SYN_VERSION_M(name)                                                                        \
	name ": " SYN_GO_VERSION "\n"                                                              \
	"\tpath\texample.com/synth\n"                                                              \
	"\tmod\texample.com/synth\t(devel)\t\n"                                                    \
	"\tdep\tgolang.org/x/text\tv0.1.0\th1:abc=\n"                                              \
	"\tdep\texample.com/old\tv1.0.0\n"                                                         \
	"\t=>\t../old\t(devel)\t\n"                                                                \
	"\t\n"                                                                                     \
	"\tbuild\tCGO_ENABLED=0\n"                                                                 \
	"\tbuild\t-ldflags=\"-s -w\"\n"

enum {
	SYN_SYMBOLS = 1,    /* .symtab with runtime.text, go:func.*, runtime.pclntab */
	SYN_NO_SECTIONS = 2 /* no section headers at all */
};

struct syn_buf {
	uint8_t *p;
	size_t len;
};

static void syn_put(struct syn_buf *b, size_t off, const void *src, size_t n)
{
	memcpy(b->p + off, src, n);
}
static void syn_u8(struct syn_buf *b, size_t off, uint8_t v)
{
	b->p[off] = v;
}
static void syn_u16(struct syn_buf *b, size_t off, uint16_t v)
{
	b->p[off] = (uint8_t)v;
	b->p[off + 1] = (uint8_t)(v >> 8);
}
static void syn_u32(struct syn_buf *b, size_t off, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b->p[off + i] = (uint8_t)(v >> (8 * i));
}
static void syn_u64(struct syn_buf *b, size_t off, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b->p[off + i] = (uint8_t)(v >> (8 * i));
}
/* appends a string (with its NUL) at *at, returns its offset relative to base */
static uint32_t syn_str(struct syn_buf *b, size_t *at, size_t base, const char *s)
{
	size_t n = strlen(s) + 1;
	uint32_t off = (uint32_t)(*at - base);
	syn_put(b, *at, s, n);
	*at += n;
	return off;
}
/* appends a pc-value table of (value, pc-length) pairs, returns its pctab offset */
static uint32_t syn_pctab(struct syn_buf *b, size_t *at, size_t base, const int32_t *pairs, int n)
{
	uint32_t off = (uint32_t)(*at - base);
	int32_t val = -1;
	for (int i = 0; i < n; i++) {
		int32_t d = pairs[2 * i] - val;
		uint32_t zz = d < 0 ? ((uint32_t)(~d) << 1) | 1 : (uint32_t)d << 1;
		uint32_t pcd = (uint32_t)pairs[2 * i + 1];
		val = pairs[2 * i];
		do {
			b->p[(*at)++] = (uint8_t)((zz & 0x7f) | (zz > 0x7f ? 0x80 : 0));
			zz >>= 7;
		} while (zz);
		do {
			b->p[(*at)++] = (uint8_t)((pcd & 0x7f) | (pcd > 0x7f ? 0x80 : 0));
			pcd >>= 7;
		} while (pcd);
	}
	b->p[(*at)++] = 0;
	return off;
}

/* Function layout: main.alpha [0,0x40) /src/a.go lines 10,11; main.beta [0x40,0x80)
 * /src/b.go lines 20,21 then main.inner inlined at [0x50,0x60) (/src/c.go:30, called from
 * beta at offset 0x8, line 21), line 22 after; main.gamma [0x80,0x100) /src/a.go:40. */
static struct syn_buf syn_build(int flags)
{
	struct syn_buf b = {calloc(1, SYN_SIZE), SYN_SIZE};
	const uint64_t V = SYN_BASE;
	if (!b.p)
		return b;
	/* ---- .text ---- */
	memset(b.p + SYN_TEXT, 0x90, SYN_TEXT_SIZE);

	/* ---- pclntab ---- */
	size_t h = SYN_PCLN, at = h + 72;
	syn_u32(&b, h, 0xfffffff1u);
	syn_u8(&b, h + 6, 1);
	syn_u8(&b, h + 7, 8);
	syn_u64(&b, h + 8, 3);  /* nfunc */
	syn_u64(&b, h + 16, 3); /* nfiles */
	syn_u64(&b, h + 24, 0); /* textStart: unused since Go 1.26 */
	size_t funcname = at;
	uint32_t n_alpha = syn_str(&b, &at, funcname, "main.alpha");
	uint32_t n_beta = syn_str(&b, &at, funcname, "main.beta");
	uint32_t n_gamma = syn_str(&b, &at, funcname, "main.gamma");
	uint32_t n_inner = syn_str(&b, &at, funcname, "main.inner");
	at = (at + 3) & ~(size_t)3;
	size_t filetab = at + 16;
	size_t fat = filetab;
	uint32_t f_a = syn_str(&b, &fat, filetab, "/src/a.go");
	uint32_t f_b = syn_str(&b, &fat, filetab, "/src/b.go");
	uint32_t f_c = syn_str(&b, &fat, filetab, "/src/c.go");
	size_t cutab = at;
	syn_u32(&b, cutab + 0, f_a); /* cu 0: alpha, gamma */
	syn_u32(&b, cutab + 4, f_b); /* cu 1: beta's files */
	syn_u32(&b, cutab + 8, f_c);
	syn_u32(&b, cutab + 12, 0xffffffffu);
	size_t pctab = fat;
	at = pctab;
	b.p[at++] = 0; /* offset 0 means no table */
	const int32_t ln_alpha[] = {10, 0x10, 11, 0x30};
	const int32_t ln_beta[] = {20, 0x8, 21, 0x8, 30, 0x10, 22, 0x20};
	const int32_t fi_beta[] = {0, 0x10, 1, 0x10, 0, 0x20};
	const int32_t in_beta[] = {-1, 0x10, 0, 0x10, -1, 0x20};
	const int32_t ln_gamma[] = {40, 0x80};
	const int32_t fi_zero40[] = {0, 0x40};
	const int32_t fi_zero80[] = {0, 0x80};
	const int32_t sp_small[] = {0, 0x4, 8, 0x3c};
	uint32_t t_ln_alpha = syn_pctab(&b, &at, pctab, ln_alpha, 2);
	uint32_t t_fi_alpha = syn_pctab(&b, &at, pctab, fi_zero40, 1);
	uint32_t t_sp = syn_pctab(&b, &at, pctab, sp_small, 2);
	uint32_t t_ln_beta = syn_pctab(&b, &at, pctab, ln_beta, 4);
	uint32_t t_fi_beta = syn_pctab(&b, &at, pctab, fi_beta, 3);
	uint32_t t_in_beta = syn_pctab(&b, &at, pctab, in_beta, 3);
	uint32_t t_ln_gamma = syn_pctab(&b, &at, pctab, ln_gamma, 1);
	uint32_t t_fi_gamma = syn_pctab(&b, &at, pctab, fi_zero80, 1);
	at = (at + 7) & ~(size_t)7;
	size_t pcln = at;
	syn_u64(&b, h + 32, funcname - h);
	syn_u64(&b, h + 40, cutab - h);
	syn_u64(&b, h + 48, filetab - h);
	syn_u64(&b, h + 56, pctab - h);
	syn_u64(&b, h + 64, pcln - h);
	/* functab: 3 pairs + end */
	size_t rec = pcln + 7 * 4;
	const uint32_t entries[] = {0x00, 0x40, 0x80, 0x100};
	size_t recs[3];
	for (int i = 0; i < 3; i++) {
		recs[i] = rec;
		rec += i == 1 ? 44 + 3 * 4 + 4 * 4 : 44;
	}
	for (int i = 0; i < 4; i++)
		syn_u32(&b, pcln + 8 * (size_t)i, entries[i]);
	for (int i = 0; i < 3; i++)
		syn_u32(&b, pcln + 8 * (size_t)i + 4, (uint32_t)(recs[i] - pcln));
	const uint32_t names[] = {n_alpha, n_beta, n_gamma};
	const uint32_t lns[] = {t_ln_alpha, t_ln_beta, t_ln_gamma};
	const uint32_t fis[] = {t_fi_alpha, t_fi_beta, t_fi_gamma};
	const uint32_t cus[] = {0, 1, 0};
	for (int i = 0; i < 3; i++) {
		size_t r = recs[i];
		syn_u32(&b, r + 0, entries[i]);
		syn_u32(&b, r + 4, names[i]);
		syn_u32(&b, r + 8, 16);
		syn_u32(&b, r + 16, t_sp);
		syn_u32(&b, r + 20, fis[i]);
		syn_u32(&b, r + 24, lns[i]);
		syn_u32(&b, r + 32, cus[i]);
		syn_u32(&b, r + 36, (uint32_t)(lns[i] ? 9 + 10 * i : 0));
		syn_u8(&b, r + 41, i == 2 ? 1 : 0); /* gamma: TOPFRAME */
		if (i == 1) {
			syn_u32(&b, r + 28, 3); /* npcdata */
			syn_u8(&b, r + 43, 4);  /* nfuncdata */
			syn_u32(&b, r + 44 + 8, t_in_beta);
			for (int k = 0; k < 4; k++)
				syn_u32(&b, r + 56 + 4 * (size_t)k, k == 3 ? 0x10 : 0xffffffffu);
		}
	}
	/* ---- funcdata: the inline tree of beta at gofunc + 0x10 ---- */
	size_t tree = SYN_GOFUNC + 0x10;
	syn_u32(&b, tree + 4, n_inner);
	syn_u32(&b, tree + 8, 0x8); /* parentPc */
	syn_u32(&b, tree + 12, 29);

	/* ---- .go.buildinfo (inline format) ---- */
	static const char start[] = "0w\xaf\x0c\x92t\x08\x02" "A\xe1\xc1\x07\xe6\xd6\x18\xe6";
	static const char end[] = "\xf9" "2C1\x86\x18 r\x00\x82" "B\x10" "A\x16\xd8\xf2";
	size_t bi = SYN_BUILDINFO;
	syn_put(&b, bi, "\xff Go buildinf:", 14);
	syn_u8(&b, bi + 14, 8);
	syn_u8(&b, bi + 15, 2);
	at = bi + 32;
	b.p[at++] = (uint8_t)strlen(SYN_GO_VERSION);
	syn_put(&b, at, SYN_GO_VERSION, strlen(SYN_GO_VERSION));
	at += strlen(SYN_GO_VERSION);
	size_t modlen = 32 + strlen(SYN_MODINFO);
	b.p[at++] = (uint8_t)(modlen | 0x80);
	b.p[at++] = (uint8_t)(modlen >> 7);
	syn_put(&b, at, start, 16);
	syn_put(&b, at + 16, SYN_MODINFO, strlen(SYN_MODINFO));
	syn_put(&b, at + 16 + strlen(SYN_MODINFO), end, 16);

	/* ---- moduledata ---- */
	syn_u64(&b, SYN_MODULE + 0, V + SYN_PCLN);
	syn_u64(&b, SYN_MODULE + 8, V + funcname);
	syn_u64(&b, SYN_MODULE + 176, V + SYN_TEXT);
	syn_u64(&b, SYN_MODULE + 320, V + SYN_GOFUNC);

	/* ---- symbols, strings, section names, a Go build id note ---- */
	size_t strtab = SYN_SYMTAB + 6 * 24, sat = strtab;
	b.p[sat++] = 0;
	struct {
		const char *name;
		uint64_t value;
		uint8_t info;
	} syms[] = {
		{"runtime.text", V + SYN_TEXT, 0x02},
		{"go:func.*", V + SYN_GOFUNC, 0x01},
		{"runtime.pclntab", V + SYN_PCLN, 0x01},
		{"runtime.epclntab", V + SYN_GOFUNC, 0x01},
		{"main.alpha", V + SYN_TEXT, 0x12},
	};
	for (size_t i = 0; i < 5; i++) {
		size_t s = SYN_SYMTAB + 24 * (i + 1);
		syn_u32(&b, s, syn_str(&b, &sat, strtab, syms[i].name));
		syn_u8(&b, s + 4, syms[i].info);
		syn_u16(&b, s + 6, 1);
		syn_u64(&b, s + 8, syms[i].value);
	}
	size_t strtab_len = sat - strtab;
	size_t shstr = sat, shat = shstr;
	b.p[shat++] = 0;
	const char *secnames[] = {".text", ".gopclntab", ".go.buildinfo", ".go.module", ".symtab",
				  ".strtab", ".shstrtab", ".note.go.buildid"};
	uint32_t secname_off[8];
	for (int i = 0; i < 8; i++)
		secname_off[i] = syn_str(&b, &shat, shstr, secnames[i]);
	size_t note = (shat + 3) & ~(size_t)3;
	syn_u32(&b, note, 4);
	syn_u32(&b, note + 4, 12);
	syn_u32(&b, note + 8, 4);
	syn_put(&b, note + 12, "Go\0\0", 4);
	syn_put(&b, note + 16, "synthetic-id", 12);
	size_t shdrs = (note + 28 + 63) & ~(size_t)63;

	/* ---- ELF header and program headers ---- */
	syn_put(&b, 0, "\x7f" "ELF\x02\x01\x01", 7);
	syn_u16(&b, 16, 2);    /* ET_EXEC */
	syn_u16(&b, 18, 62);   /* EM_X86_64 */
	syn_u32(&b, 20, 1);
	syn_u64(&b, 24, V + SYN_TEXT);
	syn_u64(&b, 32, 64);   /* phoff */
	syn_u16(&b, 52, 64);
	syn_u16(&b, 54, 56);
	syn_u16(&b, 56, 3);
	syn_u16(&b, 58, 64);
	const struct {
		uint32_t type, flags;
		uint64_t off, size;
	} ph[] = {{1, 5, 0, SYN_BUILDINFO}, {1, 6, SYN_BUILDINFO, 0x1000}, {4, 4, note, 28}};
	for (int i = 0; i < 3; i++) {
		size_t p = 64 + 56 * (size_t)i;
		syn_u32(&b, p, ph[i].type);
		syn_u32(&b, p + 4, ph[i].flags);
		syn_u64(&b, p + 8, ph[i].off);
		syn_u64(&b, p + 16, V + ph[i].off);
		syn_u64(&b, p + 24, V + ph[i].off);
		syn_u64(&b, p + 32, ph[i].size);
		syn_u64(&b, p + 40, ph[i].size);
		syn_u64(&b, p + 48, 0x1000);
	}
	if (flags & SYN_NO_SECTIONS)
		return b;
	const struct {
		uint32_t type;
		uint64_t flags, off, size;
		uint32_t link, entsize;
	} sh[] = {
		{1, 6, SYN_TEXT, SYN_TEXT_SIZE, 0, 0},
		{1, 2, SYN_PCLN, SYN_GOFUNC - SYN_PCLN, 0, 0},
		{1, 3, SYN_BUILDINFO, 0x100, 0, 0},
		{1, 3, SYN_MODULE, 0x200, 0, 0},
		{(flags & SYN_SYMBOLS) ? 2u : 8u, 0, SYN_SYMTAB, 6 * 24, 6, 24},
		{3, 0, strtab, strtab_len, 0, 0},
		{3, 0, shstr, shat - shstr, 0, 0},
		{7, 2, note, 28, 0, 0},
	};
	syn_u64(&b, 40, shdrs);
	syn_u16(&b, 60, 9);
	syn_u16(&b, 62, 7);
	for (int i = 0; i < 8; i++) {
		size_t s = shdrs + 64 * (size_t)(i + 1);
		syn_u32(&b, s, secname_off[i]);
		syn_u32(&b, s + 4, sh[i].type);
		syn_u64(&b, s + 8, sh[i].flags);
		syn_u64(&b, s + 16, (sh[i].flags & 2) ? V + sh[i].off : 0);
		syn_u64(&b, s + 24, sh[i].off);
		syn_u64(&b, s + 32, sh[i].size);
		syn_u32(&b, s + 40, sh[i].link);
		syn_u64(&b, s + 56, sh[i].entsize);
	}
	b.len = shdrs + 64 * 9;
	return b;
}

#endif
