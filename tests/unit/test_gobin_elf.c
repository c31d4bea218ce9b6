/* Unit tests for lib/gobin/elf.c on synthetic binaries (gobin_synth.h) and on the Go
 * toolchain's own go command: headers, sections, segments, address views, symbols, notes,
 * and hostile input (every truncation and many corruptions of a binary open or fail with a
 * message, never crash). With GS_GOBIN_CORPUS=DIR set, it also writes the synthetic binaries
 * as fuzz seeds into DIR/{elf,buildinfo,pclntab}/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <elf.h>
#include <sys/stat.h>

#include "goscope/gobin.h"
#include "gobin_synth.h"
#include "go_fixture.h"

static void test_headers(void **state)
{
	struct gs_ctx ctx;
	struct gs_elf *e;
	struct syn_buf b = syn_build(SYN_SYMBOLS);
	gs_ctx_init(&ctx);
	assert_int_equal(gs_elf_open_mem(b.p, b.len, &ctx, &e), 0);
	assert_int_equal(gs_elf_arch(e), GS_ARCH_AMD64);
	assert_string_equal(gs_arch_name(gs_elf_arch(e)), "amd64");
	assert_false(gs_elf_is_pie(e));
	assert_false(gs_elf_has_interp(e));
	assert_false(gs_elf_has_dwarf(e));
	assert_int_equal(gs_elf_type(e), ET_EXEC);
	assert_int_equal(gs_elf_section_count(e), 9);
	assert_int_equal(gs_elf_segment_count(e), 3);
	const struct gs_elf_section *s = gs_elf_section(e, ".gopclntab");
	assert_non_null(s);
	assert_int_equal(s->addr, SYN_BASE + SYN_PCLN);
	assert_ptr_equal(s->data, b.p + SYN_PCLN);
	assert_null(gs_elf_section(e, ".nope"));

	const uint8_t *p;
	size_t avail;
	assert_int_equal(gs_elf_vaddr_view(e, SYN_BASE + SYN_MODULE, &p, &avail), 0);
	assert_ptr_equal(p, b.p + SYN_MODULE);
	assert_int_equal(avail, SYN_BUILDINFO + 0x1000 - SYN_MODULE);
	assert_int_equal(gs_elf_vaddr_view(e, SYN_BASE + 0x9000, &p, &avail), -ENOENT);

	struct gs_elf_symbol sym;
	assert_int_equal(gs_elf_symbol_find(e, "runtime.text", &ctx, &sym), 0);
	assert_int_equal(sym.value, SYN_BASE + SYN_TEXT);
	assert_int_equal(gs_elf_symbol_find(e, "main.alpha", &ctx, &sym), 0);
	assert_int_equal(sym.type, STT_FUNC);
	assert_int_equal(gs_elf_symbol_find(e, "main.zeta", &ctx, &sym), -ENOENT);

	const char *id;
	const uint8_t *gnu;
	size_t len;
	assert_int_equal(gs_elf_go_build_id(e, &id, &len), 0);
	assert_int_equal(len, 12);
	assert_memory_equal(id, "synthetic-id", 12);
	assert_int_equal(gs_elf_gnu_build_id(e, &gnu, &len), -ENOENT);
	gs_elf_free(e);

	/* the same file with the symbol table section turned into NOBITS: stripped */
	free(b.p);
	b = syn_build(0);
	assert_int_equal(gs_elf_open_mem(b.p, b.len, &ctx, &e), 0);
	const struct gs_elf_symbol *syms;
	size_t n;
	assert_int_equal(gs_elf_symbols(e, false, &ctx, &syms, &n), 0);
	assert_int_equal(n, 0);
	gs_elf_free(e);
	free(b.p);
}

static void test_rejects(void **state)
{
	struct gs_ctx ctx;
	struct gs_elf *e = (struct gs_elf *)1;
	gs_ctx_init(&ctx);
	assert_int_equal(gs_elf_open_mem("", 0, &ctx, &e), -EBADMSG);
	assert_null(e);
	assert_string_equal(gs_ctx_errmsg(&ctx), "not an ELF file");
	struct syn_buf b = syn_build(SYN_SYMBOLS);
	b.p[4] = 1; /* ELFCLASS32 */
	assert_int_equal(gs_elf_open_mem(b.p, b.len, &ctx, &e), -ENOTSUP);
	b.p[4] = 2;
	b.p[5] = 2; /* big-endian */
	assert_int_equal(gs_elf_open_mem(b.p, b.len, &ctx, &e), -ENOTSUP);
	free(b.p);
	assert_true(gs_elf_open_path("/no/such/file", &ctx, &e) == -ENOENT);
	assert_true(gs_elf_open_path("/", &ctx, &e) == -EINVAL);
}

/* Every prefix of the synthetic binary, and single-byte corruptions of its headers and
 * tables, must open or fail cleanly; whatever opens is read through every API. */
static void exercise(const uint8_t *p, size_t len)
{
	struct gs_ctx ctx;
	struct gs_elf *e;
	gs_ctx_init(&ctx);
	int err = gs_elf_open_mem(p, len, &ctx, &e);
	if (err) {
		assert_true(err == -EBADMSG || err == -ENOTSUP);
		assert_true(gs_ctx_errmsg(&ctx)[0] != 0);
		return;
	}
	struct gs_elf_symbol sym;
	const char *id;
	const uint8_t *gnu;
	size_t n;
	gs_elf_symbol_find(e, "runtime.text", &ctx, &sym);
	gs_elf_go_build_id(e, &id, &n);
	gs_elf_gnu_build_id(e, &gnu, &n);
	struct gs_buildinfo bi;
	if (gs_buildinfo_read(e, &ctx, &bi) == 0) {
		struct gs_buf out = GS_BUF_INIT;
		assert_int_equal(gs_buildinfo_format_m(&bi, "x", &out), 0);
		gs_buf_release(&out);
	}
	gs_buildinfo_release(&bi);
	struct gs_pclntab *t;
	if (gs_pclntab_open(e, &ctx, &t) == 0) {
		struct gs_frame fr[8];
		for (uint64_t pc = SYN_BASE + SYN_TEXT - 4; pc < SYN_BASE + SYN_TEXT + 0x104; pc += 3)
			gs_pclntab_frames(t, pc, fr, 8, &n);
		gs_pclntab_free(t);
	}
	gs_elf_free(e);
}

static void test_hostile(void **state)
{
	struct syn_buf b = syn_build(SYN_SYMBOLS);
	uint8_t *copy = malloc(b.len);
	assert_non_null(copy);
	for (size_t len = 0; len <= b.len; len += len < 0x200 ? 1 : 61) {
		uint8_t *exact = malloc(len ? len : 1); /* exactly len bytes, for ASan */
		memcpy(exact, b.p, len);
		exercise(exact, len);
		free(exact);
	}
	/* corrupt single bytes: ELF and program headers, section headers, pclntab header,
	 * functab and _func records, build info */
	const size_t regions[][2] = {{0, 64 + 3 * 56}, {SYN_PCLN, SYN_PCLN + 0x180},
				     {SYN_BUILDINFO, SYN_BUILDINFO + 0x40}, {b.len - 64 * 9, b.len}};
	const uint8_t values[] = {0x00, 0xff, 0x7f, 0x80};
	for (size_t r = 0; r < 4; r++)
		for (size_t off = regions[r][0]; off < regions[r][1]; off++)
			for (size_t v = 0; v < sizeof(values); v++) {
				memcpy(copy, b.p, b.len);
				copy[off] = values[v];
				exercise(copy, b.len);
			}
	free(copy);
	free(b.p);
}

static void test_go_command(void **state)
{
	struct gs_ctx ctx;
	struct gs_elf *e;
	const char *path = GS_TEST_GO;
	struct stat st;
	if (stat(path, &st) != 0) {
		GS_TEST_NO_GO();
		return;
	}
	gs_ctx_init(&ctx);
	assert_int_equal(gs_elf_open_path(path, &ctx, &e), 0);
	assert_true(gs_elf_arch(e) == GS_ARCH_AMD64 || gs_elf_arch(e) == GS_ARCH_ARM64);
	const struct gs_elf_symbol *syms;
	size_t n;
	assert_int_equal(gs_elf_symbols(e, false, &ctx, &syms, &n), 0);
	assert_true(n > 1000);
	struct gs_elf_symbol sym;
	assert_int_equal(gs_elf_symbol_find(e, "runtime.text", &ctx, &sym), 0);
	const struct gs_elf_section *text = gs_elf_section(e, ".text");
	assert_non_null(text);
	assert_int_equal(sym.value, text->addr);
	const char *id;
	assert_int_equal(gs_elf_go_build_id(e, &id, &n), 0);
	assert_true(n > 20 && memchr(id, '/', n));
	gs_elf_free(e);
}

static void write_file(const char *dir, const char *sub, const char *name, const uint8_t *p,
		       size_t n)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	fclose(f);
}

static void test_write_corpus(void **state)
{
	const char *dir = getenv("GS_GOBIN_CORPUS");
	if (!dir) {
		skip();
		return;
	}
	const struct {
		int flags;
		const char *name;
	} variants[] = {{SYN_SYMBOLS, "synth-symbols"}, {0, "synth-stripped"},
			{SYN_NO_SECTIONS, "synth-nosections"}};
	for (size_t i = 0; i < 3; i++) {
		struct syn_buf b = syn_build(variants[i].flags);
		size_t len = variants[i].flags & SYN_NO_SECTIONS ? SYN_SYMTAB : b.len;
		write_file(dir, "elf", variants[i].name, b.p, len);
		write_file(dir, "buildinfo", variants[i].name, b.p, len);
		write_file(dir, "pclntab", variants[i].name, b.p, len);
		/* the bare pclntab region, for the table parser alone */
		if (i == 0)
			write_file(dir, "pclntab", "bare-table", b.p + SYN_PCLN, SYN_GOFUNC - SYN_PCLN);
		free(b.p);
	}
	/* module text for the text half of the buildinfo target */
	static const char quoted[] = "path\tp\nbuild\t\"a b\"=\"x\\ty\\u00e9\\x01\"\n"
				     "build\tk=`raw`\ndep\td\tv\n=>\tr\tv2\tsum\n";
	write_file(dir, "buildinfo", "modinfo.txt", (const uint8_t *)SYN_MODINFO, strlen(SYN_MODINFO));
	write_file(dir, "buildinfo", "quoted.txt", (const uint8_t *)quoted, strlen(quoted));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headers),    cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_hostile),    cmocka_unit_test(test_go_command),
		cmocka_unit_test(test_write_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
