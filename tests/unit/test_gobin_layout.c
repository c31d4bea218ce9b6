/* Unit tests for the runtime layouts (lib/gobin/layout.c, dwarf.c): the table text format
 * (a round trip, and every kind of garbage rejected), the built-in tables of every Go
 * version and arch (complete, and agreeing with facts checked by hand in the runtime
 * sources), the names, the data-reference decoder of the stripped-binary scan on real
 * instructions, and gs_layout_open on a probe built at test time (its DWARF against the
 * table of its Go version, and with its DWARF made unreadable) and on the toolchain's own go
 * command (the stripped-binary scan against its .symtab). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <unistd.h>

#include "go_fixture.h"
#include "goscope/layout.h"
#include "gobin/layout_internal.h"

/* The probe of tests/fixtures/go/layoutprobe built with DWARF by the installed Go (whose
 * version has a table), once for the tests that need it; path "" when Go is missing. */
static char probe_path[4096];

static int setup(void **state)
{
	if (gs_test_build_go_fixture("layoutprobe", "", probe_path, sizeof(probe_path)) != 0)
		probe_path[0] = 0;
	return 0;
}

static int teardown(void **state)
{
	if (probe_path[0]) {
		unlink(probe_path);
		*strrchr(probe_path, '/') = 0;
		rmdir(probe_path);
	}
	return 0;
}

/* The probe's bytes in a buffer of their own (the caller frees it). */
static uint8_t *read_probe(size_t *len)
{
	FILE *f = fopen(probe_path, "rb");
	uint8_t *buf = NULL;
	long n;
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static const char good[] = "# a comment\n"
			   "go\tgo1.22.12\n"
			   "arch\tarm64\n"
			   "labels\tmap\n"
			   "field\tg.stack.lo\t0\t8\n"
			   "field\tg.goid\t152\t8\n"
			   "field\tsizeof.g\t0\t440\n"
			   "waitreason\t0\t\n"
			   "waitreason\t1\tGC assist marking\n"
			   "waitreason\t2\tchan receive (nil chan)\n";

static void test_parse_roundtrip(void **state)
{
	struct gs_ctx ctx;
	struct gs_layout *l;
	struct gs_buf b = GS_BUF_INIT;
	gs_ctx_init(&ctx);
	assert_int_equal(gs_layout_parse(good, sizeof(good) - 1, &ctx, &l), 0);
	assert_string_equal(gs_layout_go_version(l), "go1.22.12");
	assert_int_equal(gs_layout_go_minor(l), 22);
	assert_int_equal(gs_layout_arch(l), GS_ARCH_ARM64);
	assert_int_equal(gs_layout_labels(l), GS_LABELS_MAP);
	assert_int_equal(gs_layout_off(l, GS_LF_G_GOID), 152);
	assert_int_equal(gs_layout_size(l, GS_LF_G_GOID), 8);
	assert_int_equal(gs_layout_field_source(l, GS_LF_G_GOID), GS_LAYOUT_SRC_TABLE);
	assert_int_equal(gs_layout_off(l, GS_LF_G_SYSCALLBP), GS_LAYOUT_UNKNOWN);
	assert_int_equal(gs_layout_size(l, GS_LF_G_SYSCALLBP), 0);
	assert_int_equal(gs_layout_off(l, GS_LF_COUNT), GS_LAYOUT_UNKNOWN);
	assert_int_equal(gs_layout_wait_reason_count(l), 3);
	assert_string_equal(gs_layout_wait_reason(l, 0), "");
	assert_string_equal(gs_layout_wait_reason(l, 2), "chan receive (nil chan)");
	assert_null(gs_layout_wait_reason(l, 3));
	uint64_t addr;
	assert_int_equal(gs_layout_addr(l, GS_LS_ALLGS, &addr, NULL), -ENOENT);
	assert_int_equal(gs_layout_format(l, &b), 0);
	/* the writer gives the same text without the comment */
	assert_string_equal(b.data, strchr(good, '\n') + 1);
	gs_buf_release(&b);
	gs_layout_free(l);
}

static void test_parse_garbage(void **state)
{
	static const char *const bad[] = {
		"",                                          /* no go/arch line */
		"go\tgo1.22\n",                              /* no arch */
		"arch\tamd64\n",                             /* no go */
		"go\tgo1.22\narch\tmips\n",                  /* unknown arch */
		"go\tgo1.22\ngo\tgo1.23\narch\tamd64\n",     /* two go lines */
		"go\tgo1.22\narch\tamd64\narch\tamd64\n",    /* two arch lines */
		"go\tgcc\narch\tamd64\n",                    /* not a Go version */
		"go\tgo1.22\narch\tamd64\nlabels\tlist\n",   /* unknown labels */
		"go\tgo1.22\narch\tamd64\nfield\tg.nope\t0\t8\n",
		"go\tgo1.22\narch\tamd64\nfield\tg.goid\t1\t8\nfield\tg.goid\t1\t8\n",
		"go\tgo1.22\narch\tamd64\nfield\tg.goid\t99999999\t8\n",
		"go\tgo1.22\narch\tamd64\nfield\tg.goid\t-1\t8\n",
		"go\tgo1.22\narch\tamd64\nfield\tg.goid\t1\n",
		"go\tgo1.22\narch\tamd64\nfield\tg.goid\t 1\t8\n",
		"go\tgo1.22\narch\tamd64\nwaitreason\t1\tx\n",  /* out of order */
		"go\tgo1.22\narch\tamd64\nwaitreason\t0\t\x01\n",
		"go\tgo1.22\narch\tamd64\nwaitreason\t0\t"
		"0123456789012345678901234567890123456789012345678901234567890123456789\n",
		"go\tgo1.22\narch\tamd64\nbogus\n",
		"go\tgo1.22\narch\tamd64\n\xff\n",
	};
	struct gs_ctx ctx;
	struct gs_layout *l;
	gs_ctx_init(&ctx);
	for (size_t i = 0; i < GS_ARRAY_LEN(bad); i++) {
		int err = gs_layout_parse(bad[i], strlen(bad[i]), &ctx, &l);
		if (err != -EBADMSG)
			fail_msg("garbage %zu accepted (%d)", i, err);
		assert_null(l);
		assert_true(gs_ctx_errmsg(&ctx)[0] != 0);
	}
	/* the line and size caps */
	struct gs_buf b = GS_BUF_INIT;
	gs_buf_addstr(&b, "go\tgo1.22\narch\tamd64\n");
	for (int i = 0; i < 1100; i++)
		gs_buf_addstr(&b, "# filler\n");
	assert_int_equal(gs_layout_parse(b.data, b.len, &ctx, &l), -EBADMSG);
	gs_buf_release(&b);
	char *big = calloc(1, 70000);
	memset(big, '#', 69999);
	assert_int_equal(gs_layout_parse(big, 69999, &ctx, &l), -EBADMSG);
	free(big);
}

/* Facts read in the runtime sources (runtime2.go of each release) and in the notes. */
static void test_builtin_tables(void **state)
{
	struct gs_ctx ctx;
	gs_ctx_init(&ctx);
	for (int minor = 21; minor <= 26; minor++) {
		for (int a = GS_ARCH_AMD64; a <= GS_ARCH_ARM64; a++) {
			struct gs_layout *l;
			if (gs_layout_from_table(minor, a, &ctx, &l) != 0)
				fail_msg("no table for go1.%d %d: %s", minor, a, gs_ctx_errmsg(&ctx));
			assert_int_equal(gs_layout_go_minor(l), minor);
			assert_int_equal(gs_layout_arch(l), a);
			/* stable since long before 1.21 */
			assert_int_equal(gs_layout_off(l, GS_LF_G_STACK_LO), 0);
			assert_int_equal(gs_layout_off(l, GS_LF_G_STACKGUARD0), 16);
			assert_int_equal(gs_layout_off(l, GS_LF_G_M), 48);
			assert_int_equal(gs_layout_off(l, GS_LF_G_SCHED_SP), 56);
			assert_int_equal(gs_layout_off(l, GS_LF_G_SCHED_PC), 64);
			assert_int_equal(gs_layout_size(l, GS_LF_G_ATOMICSTATUS), 4);
			assert_int_equal(gs_layout_size(l, GS_LF_G_WAITREASON), 1);
			assert_int_equal(gs_layout_size(l, GS_LF_G_GOID), 8);
			/* syscallbp arrived in 1.23; labels became a slice in 1.24 */
			assert_int_equal(gs_layout_off(l, GS_LF_G_SYSCALLBP) == GS_LAYOUT_UNKNOWN, minor < 23);
			assert_int_equal(gs_layout_labels(l), minor <= 23 ? GS_LABELS_MAP : GS_LABELS_SLICE);
			if (minor <= 23) {
				assert_int_equal(gs_layout_off(l, GS_LF_HMAP_B), 9);
				assert_int_equal(gs_layout_off(l, GS_LF_HMAP_BUCKETS), 16);
				assert_int_equal(gs_layout_size(l, GS_LF_BUCKET_SIZE), 272);
			} else {
				assert_int_equal(gs_layout_off(l, GS_LF_LABELS_LIST), 0);
				assert_int_equal(gs_layout_size(l, GS_LF_LABEL_SIZE), 32);
			}
			/* the eBPF profiler's g.labels offsets */
			if (minor <= 22)
				assert_int_equal(gs_layout_off(l, GS_LF_G_LABELS), 344);
			else if (minor <= 24)
				assert_int_equal(gs_layout_off(l, GS_LF_G_LABELS), 352);
			/* every field a version has is there */
			static const int always[] = {
				GS_LF_G_GOID, GS_LF_G_WAITSINCE, GS_LF_G_PARENTGOID, GS_LF_G_GOPC,
				GS_LF_G_STARTPC, GS_LF_G_WAITING, GS_LF_G_SIZE, GS_LF_M_CURG, GS_LF_M_PROCID,
				GS_LF_M_ALLLINK, GS_LF_M_VDSOSP, GS_LF_M_VDSOPC, GS_LF_SUDOG_C,
				GS_LF_SUDOG_ELEM, GS_LF_HCHAN_RECVQ, GS_LF_HCHAN_SENDQ, GS_LF_WAITQ_FIRST,
				GS_LF_ANCESTOR_PCS, GS_LF_P_STATUS, GS_LF_SCHED_SIZE,
			};
			for (size_t i = 0; i < GS_ARRAY_LEN(always); i++)
				if (gs_layout_off(l, always[i]) == GS_LAYOUT_UNKNOWN)
					fail_msg("go1.%d: %s unknown", minor, gs_layout_field_name(always[i]));
			/* wait reasons: "" first; counts from runtime2.go of each release */
			static const size_t nwait[] = {32, 37, 38, 44, 47, 47};
			assert_int_equal(gs_layout_wait_reason_count(l), nwait[minor - 21]);
			assert_string_equal(gs_layout_wait_reason(l, 0), "");
			/* 1.24 inserted sync.WaitGroup.Wait; 1.26 reordered */
			if (minor == 26)
				assert_string_equal(gs_layout_wait_reason(l, 25), "sync.WaitGroup.Wait");
			if (minor <= 23)
				assert_string_equal(gs_layout_wait_reason(l, 14), "chan receive");
			gs_layout_free(l);
		}
	}
	struct gs_layout *l;
	assert_int_equal(gs_layout_from_table(20, GS_ARCH_AMD64, &ctx, &l), -ENOENT);
	assert_null(l);
}

static void test_names(void **state)
{
	for (int f = 0; f < GS_LF_COUNT; f++) {
		const char *n = gs_layout_field_name(f);
		assert_non_null(n);
		for (int g = 0; g < f; g++)
			assert_string_not_equal(n, gs_layout_field_name(g));
	}
	assert_null(gs_layout_field_name(GS_LF_COUNT));
	for (int s = 0; s < GS_LS_COUNT; s++)
		assert_non_null(gs_layout_symbol_name(s));
	assert_null(gs_layout_symbol_name(GS_LS_COUNT));
	assert_string_equal(gs_layout_source_name(GS_LAYOUT_SRC_SCAN), "scan");
	assert_string_equal(gs_layout_labels_name(GS_LABELS_UNKNOWN), "unknown");
	assert_string_equal(gs_layout_labels_name(GS_LABELS_MAP), "map");
	assert_string_equal(gs_layout_labels_name(GS_LABELS_SLICE), "slice");
	assert_string_equal(gs_layout_labels_name((enum gs_labels_repr)7), "unknown");
}

/* The probe's layout from its own DWARF (every field it knows has source DWARF) is exactly
 * the table of its Go version: offsets, sizes, labels, wait reasons. The addresses come from
 * its .symtab. */
static void test_dwarf_matches_table(void **state)
{
	struct gs_ctx ctx;
	struct gs_elf *e;
	struct gs_layout *l, *t;
	size_t from_dwarf = 0;
	if (!probe_path[0])
		GS_TEST_NO_GO();
	gs_ctx_init(&ctx);
	assert_int_equal(gs_elf_open_path(probe_path, &ctx, &e), 0);
	assert_true(gs_elf_has_dwarf(e));
	assert_int_equal(gs_layout_open(e, NULL, 0, &ctx, &l), 0);
	assert_true(gs_layout_go_minor(l) >= 21);
	if (gs_layout_from_table(gs_layout_go_minor(l), gs_layout_arch(l), &ctx, &t) != 0)
		fail_msg("no table for the installed Go: %s", gs_ctx_errmsg(&ctx));
	for (int f = 0; f < GS_LF_COUNT; f++) {
		if (gs_layout_off(l, f) != GS_LAYOUT_UNKNOWN) {
			if (gs_layout_field_source(l, f) != GS_LAYOUT_SRC_DWARF)
				fail_msg("%s: source %s, not dwarf", gs_layout_field_name(f),
					 gs_layout_source_name(gs_layout_field_source(l, f)));
			from_dwarf++;
		}
		if (gs_layout_off(l, f) != gs_layout_off(t, f) ||
		    gs_layout_size(l, f) != gs_layout_size(t, f))
			fail_msg("%s: DWARF %u/%u, table %u/%u", gs_layout_field_name(f),
				 gs_layout_off(l, f), gs_layout_size(l, f), gs_layout_off(t, f),
				 gs_layout_size(t, f));
	}
	assert_true(from_dwarf > 0);
	assert_int_equal(gs_layout_labels(l), gs_layout_labels(t));
	assert_int_equal(gs_layout_wait_reason_count(l), gs_layout_wait_reason_count(t));
	for (unsigned r = 0; r < gs_layout_wait_reason_count(l); r++)
		assert_string_equal(gs_layout_wait_reason(l, r), gs_layout_wait_reason(t, r));
	uint64_t addr;
	enum gs_layout_source src;
	assert_int_equal(gs_layout_addr(l, GS_LS_ALLGLEN, &addr, &src), 0);
	assert_int_equal(src, GS_LAYOUT_SRC_SYMTAB);
	assert_true(addr != 0);
	gs_layout_free(l);
	gs_layout_free(t);
	gs_elf_free(e);
}

/* DWARF that libdw cannot read (the probe's .debug_info, .debug_line and .debug_frame
 * overwritten past their compression headers: no section decompresses, and libdw gives up
 * with "no DWARF information") is no worse than none: the table of the probe's version
 * gives the layout, as for a stripped binary. */
static void test_unreadable_dwarf(void **state)
{
	static const char *const sections[] = {".debug_info", ".debug_line", ".debug_frame"};
	struct gs_ctx ctx;
	struct gs_elf *e;
	struct gs_layout *l, *t;
	size_t len;
	if (!probe_path[0])
		GS_TEST_NO_GO();
	gs_ctx_init(&ctx);
	uint8_t *bytes = read_probe(&len);
	assert_int_equal(gs_elf_open_mem(bytes, len, &ctx, &e), 0);
	assert_true(gs_elf_has_dwarf(e));
	assert_int_equal(gs_layout_open(e, NULL, GS_LAYOUT_NO_DWARF, &ctx, &t), 0);
	for (size_t i = 0; i < GS_ARRAY_LEN(sections); i++) {
		const struct gs_elf_section *s = gs_elf_section(e, sections[i]);
		assert_non_null(s);
		assert_true(s->size > 64 && s->offset + s->size <= len);
		memset(bytes + s->offset + 24, 0xff, (size_t)s->size - 24);
	}
	/* the input does take the path under test */
	l = gs_layout_alloc();
	assert_non_null(l);
	assert_int_equal(gs_layout_dwarf(e, l, &ctx), -EBADMSG);
	gs_layout_free(l);
	if (gs_layout_open(e, NULL, 0, &ctx, &l) != 0)
		fail_msg("unreadable DWARF fails the layout: %s", gs_ctx_errmsg(&ctx));
	assert_int_equal(gs_layout_field_source(l, GS_LF_G_GOID), GS_LAYOUT_SRC_TABLE);
	for (int f = 0; f < GS_LF_COUNT; f++) {
		assert_int_equal(gs_layout_off(l, f), gs_layout_off(t, f));
		assert_int_equal(gs_layout_size(l, f), gs_layout_size(t, f));
		if (gs_layout_off(l, f) != GS_LAYOUT_UNKNOWN)
			assert_int_equal(gs_layout_field_source(l, f), GS_LAYOUT_SRC_TABLE);
	}
	/* the addresses still come from .symtab */
	uint64_t addr;
	enum gs_layout_source src;
	assert_int_equal(gs_layout_addr(l, GS_LS_ALLGS, &addr, &src), 0);
	assert_int_equal(src, GS_LAYOUT_SRC_SYMTAB);
	gs_layout_free(l);
	gs_layout_free(t);
	gs_elf_free(e);
	free(bytes);
}

/* Instructions of runtime.allgadd as go1.21.13 (amd64) and go1.26.8 (arm64) compiled them,
 * addresses and targets as go tool objdump shows them. */
static void test_code_refs_amd64(void **state)
{
	static const uint8_t code[] = {
		0x48, 0x8b, 0x0d, 0x7e, 0x17, 0x11, 0x00, /* 0x43457b MOVQ allgs+16(SB), CX */
		0x83, 0x3d, 0xb9, 0xf5, 0x13, 0x00, 0x00, /* 0x434582 CMPL writeBarrier(SB), $0 */
		0x48, 0x8d, 0x05, 0x3e, 0x14, 0x11, 0x00, /* 0x434589 LEAQ allgptr(SB), AX */
		0xe8, 0x00, 0x00, 0x00, 0x00,             /* 0x434590 CALL */
		0x48, 0x8d, 0x0d, 0x32, 0x14, 0x11, 0x00, /* 0x434595 LEAQ allgptr(SB), CX */
		0x48, 0x87, 0x19,                         /* 0x43459c XCHGQ BX, 0(CX) */
		0x48, 0x8d, 0x15, 0x29, 0xf4, 0x13, 0x00, /* 0x43459f LEAQ allglen(SB), DX */
		0x48, 0x87, 0x0a,                         /* 0x4345a6 XCHGQ CX, 0(DX) */
		0x90, 0x48,                               /* NOP, a truncated prefix */
	};
	struct gs_code_ref refs[8];
	size_t n = gs_layout_code_refs(GS_ARCH_AMD64, code, sizeof(code), 0x43457b, refs, 8);
	assert_int_equal(n, 5);
	assert_int_equal(refs[0].kind, GS_REF_LOAD);
	assert_int_equal(refs[0].addr, 0x434582 + 0x11177e);
	assert_int_equal(refs[1].kind, GS_REF_CMP);
	assert_int_equal(refs[1].addr, 0x434589 + 0x13f5b9);
	assert_int_equal(refs[2].kind, GS_REF_ADDR);
	assert_int_equal(refs[2].addr, 0x434590 + 0x11143e);
	assert_int_equal(refs[3].kind, GS_REF_ATOMIC_STORE);
	assert_int_equal(refs[3].addr, refs[2].addr);
	assert_int_equal(refs[4].kind, GS_REF_ATOMIC_STORE);
	assert_int_equal(refs[4].addr, 0x4345a6 + 0x13f429);
	/* the cap on references */
	assert_int_equal(gs_layout_code_refs(GS_ARCH_AMD64, code, sizeof(code), 0x43457b, refs, 2), 2);
	/* an XCHG through another register is not a store to the LEA's address */
	uint8_t other[sizeof(code)];
	memcpy(other, code, sizeof(code));
	other[sizeof(code) - 3] = 0x09; /* XCHGQ CX, 0(CX) */
	n = gs_layout_code_refs(GS_ARCH_AMD64, other, sizeof(other), 0x43457b, refs, 8);
	assert_int_equal(refs[4].kind, GS_REF_ADDR);
}

static void put32(uint8_t *p, uint32_t w)
{
	p[0] = (uint8_t)w, p[1] = (uint8_t)(w >> 8), p[2] = (uint8_t)(w >> 16), p[3] = (uint8_t)(w >> 24);
}

static void test_code_refs_arm64(void **state)
{
	static const uint32_t words[] = {
		0xd0000b3b, /* 0x55cc0 ADRP 1466368(PC), R27 */
		0xf940a362, /* 0x55cc4 MOVD 320(R27), R2 */
		0xd0000b3b, /* 0x55cc8 ADRP 1466368(PC), R27 */
		0xa9400760, /* 0x55ccc LDP (R27), (R0, R1) */
		0xb0000b22, /* 0x55cd0 ADRP 1462272(PC), R2 */
		0x91380042, /* 0x55cd4 ADD $3584, R2, R2 */
		0xc89ffc41, /* 0x55cd8 STLR R1, (R2) */
		0xb0000b20, /* 0x55cdc ADRP 1462272(PC), R0 */
		0x91380000, /* 0x55ce0 ADD $3584, R0, R0 */
		0x9400b896, /* 0x55ce4 CALL */
		0xd0000b3b, /* 0x55ce8 ADRP 1466368(PC), R27 */
		0xf9009f61, /* 0x55cec MOVD R1, 312(R27) */
		0xd0000b3b, /* 0x55cf0 ADRP, then a use of another register: no reference */
		0xf9409b61,
	};
	uint8_t code[sizeof(words)];
	for (size_t i = 0; i < GS_ARRAY_LEN(words); i++)
		put32(code + 4 * i, words[i]);
	code[4 * 13 + 1] ^= 0x03; /* base register R27 -> R24 */
	struct gs_code_ref refs[8];
	size_t n = gs_layout_code_refs(GS_ARCH_ARM64, code, sizeof(code), 0x55cc0, refs, 8);
	assert_int_equal(n, 5);
	assert_int_equal(refs[0].kind, GS_REF_LOAD);
	assert_int_equal(refs[0].addr, 0x55000 + 1466368 + 320);
	assert_int_equal(refs[1].kind, GS_REF_LOAD);
	assert_int_equal(refs[1].addr, 0x55000 + 1466368);
	assert_int_equal(refs[2].kind, GS_REF_ATOMIC_STORE);
	assert_int_equal(refs[2].addr, 0x55000 + 1462272 + 3584);
	assert_int_equal(refs[3].kind, GS_REF_ADDR);
	assert_int_equal(refs[3].addr, refs[2].addr);
	assert_int_equal(refs[4].kind, GS_REF_STORE);
	assert_int_equal(refs[4].addr, 0x55000 + 1466368 + 312);
	assert_int_equal(gs_layout_code_refs(GS_ARCH_UNKNOWN, code, sizeof(code), 0, refs, 8), 0);
}

/* The go command without its symbol table: the scan finds what .symtab says. */
static void test_go_command_scan(void **state)
{
	struct gs_ctx ctx;
	struct gs_elf *e;
	gs_ctx_init(&ctx);
	if (gs_elf_open_path(GS_TEST_GO, &ctx, &e) != 0)
		GS_TEST_NO_GO();
	struct gs_layout *l, *s;
	assert_int_equal(gs_layout_open(e, NULL, 0, &ctx, &l), 0);
	assert_int_equal(gs_layout_open(e, NULL, GS_LAYOUT_NO_SYMTAB, &ctx, &s), 0);
	static const int syms[] = {GS_LS_ALLGS, GS_LS_ALLGLEN, GS_LS_ALLGPTR, GS_LS_ALLM,
				   GS_LS_WAITREASONSTRINGS, GS_LS_BUILDVERSION, GS_LS_FIRSTMODULEDATA};
	for (size_t i = 0; i < GS_ARRAY_LEN(syms); i++) {
		uint64_t want, got;
		enum gs_layout_source src;
		assert_int_equal(gs_layout_addr(l, syms[i], &want, &src), 0);
		assert_int_equal(src, GS_LAYOUT_SRC_SYMTAB);
		if (gs_layout_addr(s, syms[i], &got, &src) != 0)
			fail_msg("%s not found by the scan", gs_layout_symbol_name(syms[i]));
		assert_int_equal(src, GS_LAYOUT_SRC_SCAN);
		assert_int_equal(got, want);
	}
	assert_int_equal(gs_layout_wait_reason_source(s), GS_LAYOUT_SRC_BINARY);
	gs_layout_free(l);
	gs_layout_free(s);
	gs_elf_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_roundtrip),
		cmocka_unit_test(test_parse_garbage),
		cmocka_unit_test(test_builtin_tables),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_dwarf_matches_table),
		cmocka_unit_test(test_code_refs_amd64),
		cmocka_unit_test(test_code_refs_arm64),
		cmocka_unit_test(test_go_command_scan),
		cmocka_unit_test(test_unreadable_dwarf),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
