/* Addresses of runtime globals in a binary without .symtab or DWARF: small runtime functions
 * are found by name through the pclntab, and their data references decoded (amd64
 * RIP-relative operands, arm64 ADRP + ADD/LDR/STR/LDP/STLR pairs). Which reference is which
 * global follows from what the function does with it (an atomic store, a slice header's
 * three words) or from the data it points to (wait-reason strings, the version string).
 * It decodes only those operand forms; it is not a disassembler. */
#include <elf.h>

#include "gobin/internal.h"
#include "gobin/layout_internal.h"

/* Code of one function looked at, at most. */
#define GS_SCAN_MAX_CODE (64u << 10)
#define GS_SCAN_MAX_REFS 512

/* ------------------------------------------------------------------------------------------
 * amd64: [REX] opcode ModRM(mod 00, rm 101 = RIP-relative) disp32 [imm]. */

struct amd64_op {
	uint8_t op;
	int8_t reg;  /* required ModRM.reg (an opcode extension), -1 any */
	uint8_t imm; /* immediate bytes after disp32 */
	uint8_t kind;
};

static const struct amd64_op amd64_ops[] = {
	{0x8d, -1, 0, GS_REF_ADDR},  /* LEA */
	{0x8b, -1, 0, GS_REF_LOAD},  /* MOV r, m */
	{0x8a, -1, 0, GS_REF_LOAD},  /* MOVB r, m */
	{0x89, -1, 0, GS_REF_STORE}, /* MOV m, r */
	{0x88, -1, 0, GS_REF_STORE}, /* MOVB m, r */
	{0x39, -1, 0, GS_REF_CMP},   {0x3b, -1, 0, GS_REF_CMP},
	{0x38, -1, 0, GS_REF_CMP},   {0x3a, -1, 0, GS_REF_CMP},
	{0x83, 7, 1, GS_REF_CMP},    {0x80, 7, 1, GS_REF_CMP},  {0x81, 7, 4, GS_REF_CMP},
	{0xc7, 0, 4, GS_REF_STORE},  {0xc6, 0, 1, GS_REF_STORE},
};

static uint32_t le32(const uint8_t *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static size_t refs_amd64(const uint8_t *code, size_t n, uint64_t pc, struct gs_code_ref *refs,
			 size_t max)
{
	size_t k = 0, i = 0;
	while (i < n && k < max) {
		size_t j = i;
		uint8_t rex = 0;
		if ((code[j] & 0xf0) == 0x40) {
			rex = code[j];
			j++;
		}
		const struct amd64_op *op = NULL;
		if (j + 6 <= n && (code[j + 1] & 0xc7) == 0x05) {
			for (size_t o = 0; o < GS_ARRAY_LEN(amd64_ops); o++)
				if (amd64_ops[o].op == code[j] &&
				    (amd64_ops[o].reg < 0 || amd64_ops[o].reg == ((code[j + 1] >> 3) & 7)))
					op = &amd64_ops[o];
		}
		if (!op || j + 6 + op->imm > n) {
			i++;
			continue;
		}
		size_t end = j + 6 + op->imm;
		int32_t disp = (int32_t)le32(code + j + 2);
		struct gs_code_ref *r = &refs[k++];
		r->pc = pc + i;
		r->addr = pc + end + (uint64_t)(int64_t)disp;
		r->kind = op->kind;
		/* LEA reg, sym; XCHG r, (reg): an atomic store (atomic.Store*, atomicstorep) */
		if (op->kind == GS_REF_ADDR) {
			unsigned dst = ((code[j + 1] >> 3) & 7) | (rex & 4 ? 8 : 0);
			size_t x = end;
			uint8_t xrex = 0;
			if (x < n && (code[x] & 0xf0) == 0x40)
				xrex = code[x++];
			if (x + 1 < n && code[x] == 0x87 && (code[x + 1] >> 6) == 0 &&
			    (code[x + 1] & 7) != 4 && (code[x + 1] & 7) != 5 &&
			    ((code[x + 1] & 7) | (xrex & 1 ? 8 : 0)) == dst)
				r->kind = GS_REF_ATOMIC_STORE;
		}
		i = end;
	}
	return k;
}

/* ------------------------------------------------------------------------------------------
 * arm64: ADRP Xd, page immediately followed by its use of Xd. */

static size_t refs_arm64(const uint8_t *code, size_t n, uint64_t pc, struct gs_code_ref *refs,
			 size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i + 8 <= n && k < max; i += 4) {
		uint32_t w = le32(code + i);
		if ((w & 0x9f000000) != 0x90000000)
			continue;
		unsigned rd = w & 31;
		int64_t imm = (int64_t)((((w >> 5) & 0x7ffff) << 2) | ((w >> 29) & 3));
		if (imm & (1 << 20))
			imm -= 1 << 21;
		uint64_t page = ((pc + i) & ~(uint64_t)0xfff) + (uint64_t)(imm * 4096);
		uint32_t u = le32(code + i + 4);
		unsigned rn = (u >> 5) & 31;
		uint64_t lo12 = (u >> 10) & 0xfff;
		uint8_t kind;
		uint64_t addr;
		if (rn != rd)
			continue;
		if ((u & 0xffc00000) == 0x91000000) { /* ADD Xd, Xn, #imm12 */
			addr = page + lo12;
			kind = GS_REF_ADDR;
			if (i + 12 <= n) {
				uint32_t s = le32(code + i + 8);
				/* STLR Xt|Wt, [Xn] */
				if (((s & 0xfffffc00) == 0xc89ffc00 || (s & 0xfffffc00) == 0x889ffc00) &&
				    ((s >> 5) & 31) == (u & 31))
					kind = GS_REF_ATOMIC_STORE;
			}
		} else if ((u & 0xffc00000) == 0xf9400000) { /* LDR Xt, [Xn, #imm*8] */
			addr = page + lo12 * 8, kind = GS_REF_LOAD;
		} else if ((u & 0xffc00000) == 0xb9400000) { /* LDR Wt */
			addr = page + lo12 * 4, kind = GS_REF_LOAD;
		} else if ((u & 0xffc00000) == 0x39400000) { /* LDRB */
			addr = page + lo12, kind = GS_REF_LOAD;
		} else if ((u & 0xffc00000) == 0xf9000000) { /* STR Xt */
			addr = page + lo12 * 8, kind = GS_REF_STORE;
		} else if ((u & 0xffc00000) == 0xb9000000) { /* STR Wt */
			addr = page + lo12 * 4, kind = GS_REF_STORE;
		} else if ((u & 0xffc00000) == 0x39000000) { /* STRB */
			addr = page + lo12, kind = GS_REF_STORE;
		} else if ((u & 0xffc00000) == 0xa9400000 || (u & 0xffc00000) == 0xa9000000) {
			/* LDP/STP Xt1, Xt2, [Xn, #simm7*8] */
			int64_t s7 = (int64_t)((u >> 15) & 0x7f);
			if (s7 & 0x40)
				s7 -= 0x80;
			addr = page + (uint64_t)(s7 * 8);
			kind = (u & 0x00400000) ? GS_REF_LOAD : GS_REF_STORE;
		} else {
			continue;
		}
		refs[k].pc = pc + i;
		refs[k].addr = addr;
		refs[k].kind = kind;
		k++;
	}
	return k;
}

size_t gs_layout_code_refs(enum gs_arch arch, const uint8_t *code, size_t len, uint64_t pc,
			   struct gs_code_ref *refs, size_t max)
{
	if (arch == GS_ARCH_AMD64)
		return refs_amd64(code, len, pc, refs, max);
	if (arch == GS_ARCH_ARM64)
		return refs_arm64(code, len, pc, refs, max);
	return 0;
}

/* ------------------------------------------------------------------------------------------
 * Which reference is which global. */

struct scan {
	struct gs_elf *e;
	struct gs_layout *l;
	const uint8_t *code; /* of the function being decoded */
	size_t code_len;
	struct gs_code_ref refs[GS_SCAN_MAX_REFS];
	size_t nrefs;
};

static bool writable(const struct gs_elf *e, uint64_t addr)
{
	for (size_t i = 0; i < gs_elf_segment_count(e); i++) {
		const struct gs_elf_segment *s = gs_elf_segment_at(e, i);
		if (s->type == PT_LOAD && (s->flags & PF_W) && addr >= s->vaddr &&
		    addr - s->vaddr < s->memsz)
			return true;
	}
	return false;
}

static bool referenced(const struct scan *sc, uint64_t addr)
{
	for (size_t i = 0; i < sc->nrefs; i++)
		if (sc->refs[i].addr == addr && sc->refs[i].kind != GS_REF_ADDR)
			return true;
	return false;
}

static void set_addr(struct gs_layout *l, enum gs_layout_symbol s, uint64_t addr)
{
	if (l->addr_src[s] != GS_LAYOUT_SRC_NONE)
		return;
	l->addr[s] = addr;
	l->addr_src[s] = GS_LAYOUT_SRC_SCAN;
}

/* allgadd: allgs = append(allgs, gp) touches the three words of the slice header; then
 * atomicstorep(&allgptr, ...) and atomic.Storeuintptr(&allglen, ...), in that order. */
static void from_allgadd(struct scan *sc)
{
	uint64_t allgs = 0, stores[2] = {0, 0};
	size_t nstores = 0;
	for (size_t i = 0; i < sc->nrefs; i++) {
		const struct gs_code_ref *r = &sc->refs[i];
		if (!writable(sc->e, r->addr))
			continue;
		if (r->kind == GS_REF_ATOMIC_STORE && nstores < 2 &&
		    (nstores == 0 || stores[0] != r->addr))
			stores[nstores++] = r->addr;
		if ((r->kind == GS_REF_LOAD || r->kind == GS_REF_STORE) && (!allgs || r->addr < allgs) &&
		    referenced(sc, r->addr + 8) && referenced(sc, r->addr + 16))
			allgs = r->addr;
	}
	if (allgs)
		set_addr(sc->l, GS_LS_ALLGS, allgs);
	if (nstores == 2) {
		set_addr(sc->l, GS_LS_ALLGPTR, stores[0]);
		set_addr(sc->l, GS_LS_ALLGLEN, stores[1]);
	}
}

/* mcommoninit: mp.alllink = allm; atomicstorep(&allm, mp): loaded, then stored atomically. */
static void from_mcommoninit(struct scan *sc)
{
	for (size_t i = 0; i < sc->nrefs; i++) {
		const struct gs_code_ref *r = &sc->refs[i];
		if (r->kind == GS_REF_ATOMIC_STORE && writable(sc->e, r->addr) &&
		    referenced(sc, r->addr)) {
			set_addr(sc->l, GS_LS_ALLM, r->addr);
			return;
		}
	}
}

/* A Go string header at addr whose bytes are want (or, want NULL, start with "go1."). */
static bool string_at(struct gs_elf *e, uint64_t addr, const char *want, size_t want_len)
{
	const uint8_t *p, *s;
	size_t avail;
	if (gs_elf_vaddr_view(e, addr, &p, &avail) != 0 || avail < 16)
		return false;
	uint64_t ptr = (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
	uint64_t len = (uint64_t)le32(p + 8) | (uint64_t)le32(p + 12) << 32;
	if (len == 0 || len > 256 || gs_elf_vaddr_view(e, ptr, &s, &avail) != 0 || avail < len)
		return false;
	if (want)
		return len == want_len && !memcmp(s, want, want_len);
	return len > 4 && !memcmp(s, "go1.", 4);
}

/* The bound of waitReason.String's check `if w >= waitReason(len(waitReasonStrings))`, its
 * first instruction: amd64 CMP AL, imm8 (3C ib); arm64 CMP Wn, #imm12 (SUBS WZR) within the
 * first four. 0 when not found. */
static size_t wait_reason_bound(const struct scan *sc)
{
	if (sc->l->arch == GS_ARCH_AMD64)
		return sc->code_len >= 2 && sc->code[0] == 0x3c ? sc->code[1] : 0;
	for (size_t i = 0; i + 4 <= sc->code_len && i < 16; i += 4) {
		uint32_t w = le32(sc->code + i);
		if ((w & 0xffc0001f) == 0x7100001f)
			return (w >> 10) & 0xfff;
	}
	return 0;
}

/* waitReason.String indexes waitReasonStrings; entry 1 is "GC assist marking" in every
 * release since 1.11. Its bounds check gives the array's length. */
static void from_waitreason_string(struct scan *sc)
{
	static const char first[] = "GC assist marking";
	size_t bound = wait_reason_bound(sc);
	if (bound >= 2 && bound <= GS_LAYOUT_MAX_WAIT_REASONS && sc->l->wait_array_len == 0)
		sc->l->wait_array_len = bound;
	for (size_t i = 0; i < sc->nrefs; i++) {
		uint64_t a = sc->refs[i].addr;
		if (writable(sc->e, a) && string_at(sc->e, a + 16, first, sizeof(first) - 1)) {
			set_addr(sc->l, GS_LS_WAITREASONSTRINGS, a);
			return;
		}
	}
}

/* schedinit checks buildVersion: the reference whose string is the binary's Go version. */
static void from_schedinit(struct scan *sc)
{
	const char *v = sc->l->go_version[0] ? sc->l->go_version : NULL;
	for (size_t i = 0; i < sc->nrefs; i++) {
		uint64_t a = sc->refs[i].addr;
		if (writable(sc->e, a) && string_at(sc->e, a, v, v ? strlen(v) : 0)) {
			set_addr(sc->l, GS_LS_BUILDVERSION, a);
			return;
		}
	}
}

static const struct {
	const char *function;
	void (*decode)(struct scan *sc);
} scanners[] = {
	{"runtime.allgadd", from_allgadd},
	{"runtime.mcommoninit", from_mcommoninit},
	{"runtime.waitReason.String", from_waitreason_string},
	{"runtime.schedinit", from_schedinit},
};

/* What the decoders above set, and firstmoduledata from the pclntab. */
static const enum gs_layout_symbol scanned[] = {
	GS_LS_ALLGS, GS_LS_ALLGLEN, GS_LS_ALLGPTR, GS_LS_ALLM,
	GS_LS_WAITREASONSTRINGS, GS_LS_BUILDVERSION, GS_LS_FIRSTMODULEDATA,
};

bool gs_layout_scan_needed(const struct gs_layout *l)
{
	for (size_t i = 0; i < GS_ARRAY_LEN(scanned); i++)
		if (l->addr_src[scanned[i]] == GS_LAYOUT_SRC_NONE)
			return true;
	return false;
}

int gs_layout_scan(struct gs_elf *e, const struct gs_pclntab *pcln, struct gs_layout *l,
		   struct gs_ctx *ctx)
{
	struct scan *sc = calloc(1, sizeof(*sc));
	bool any = false;
	if (!sc)
		return gs_ctx_err(ctx, -ENOMEM, "out of memory");
	sc->e = e;
	sc->l = l;
	uint32_t nfunc = gs_pclntab_nfunc(pcln);
	for (uint32_t i = 0; i < nfunc; i++) {
		struct gs_func f;
		size_t s;
		if (gs_pclntab_func_at(pcln, i, &f) != 0)
			continue;
		for (s = 0; s < GS_ARRAY_LEN(scanners); s++)
			if (!strcmp(f.name, scanners[s].function))
				break;
		if (s == GS_ARRAY_LEN(scanners) || f.end <= f.entry)
			continue;
		const uint8_t *code;
		size_t avail;
		if (gs_elf_vaddr_view(e, f.entry, &code, &avail) != 0)
			continue;
		uint64_t size = f.end - f.entry;
		if (size > avail)
			size = avail;
		if (size > GS_SCAN_MAX_CODE)
			size = GS_SCAN_MAX_CODE;
		sc->code = code;
		sc->code_len = (size_t)size;
		sc->nrefs = gs_layout_code_refs(l->arch, code, (size_t)size, f.entry, sc->refs,
						GS_SCAN_MAX_REFS);
		scanners[s].decode(sc);
		any = true;
	}
	free(sc);
	/* found by the pclntab's reader: the words holding the table's address and that of its
	 * name table, the first fields of moduledata */
	if (pcln->moduledata)
		set_addr(l, GS_LS_FIRSTMODULEDATA, pcln->moduledata);
	return any ? 0 : gs_ctx_err(ctx, -ENOENT, "runtime functions to scan not found");
}
