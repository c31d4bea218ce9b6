/* Unit tests for lib/gobin/pclntab.c and inline.c: the synthetic binary's table (every value
 * known, gobin_synth.h) found by section, by moduledata without symbols and by a scan
 * without sections; pc-value decoding; inline frames; the symbolizer against the uncached
 * path on every PC of a real Go program built at test time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>

#include "goscope/gobin.h"
#include "gobin_synth.h"
#include "go_fixture.h"

#define T(off) (SYN_BASE + SYN_TEXT + (off))

static void check_synthetic(int flags, const char *source)
{
	struct gs_ctx ctx;
	struct gs_elf *e;
	struct gs_pclntab *t;
	struct gs_func f;
	gs_ctx_init(&ctx);
	struct syn_buf b = syn_build(flags);
	assert_int_equal(gs_elf_open_mem(b.p, b.len, &ctx, &e), 0);
	assert_int_equal(gs_pclntab_open(e, &ctx, &t), 0);
	assert_string_equal(gs_pclntab_source(t), source);
	assert_int_equal(gs_pclntab_magic(t), 0xfffffff1u);
	assert_int_equal(gs_pclntab_nfunc(t), 3);
	assert_int_equal(gs_pclntab_quantum(t), 1);
	assert_int_equal(gs_pclntab_text_start(t), T(0));

	assert_int_equal(gs_pclntab_find_func(t, T(0x3f), &f), 0);
	assert_string_equal(f.name, "main.alpha");
	assert_int_equal(f.entry, T(0));
	assert_int_equal(f.end, T(0x40));
	assert_int_equal(f.start_line, 9);
	assert_int_equal(f.args, 16);
	assert_int_equal(gs_pclntab_line(t, &f, T(0)), 10);
	assert_int_equal(gs_pclntab_line(t, &f, T(0xf)), 10);
	assert_int_equal(gs_pclntab_line(t, &f, T(0x10)), 11);
	assert_string_equal(gs_pclntab_file(t, &f, T(0x20)), "/src/a.go");
	assert_int_equal(gs_pclntab_sp(t, &f, T(0)), 0);
	assert_int_equal(gs_pclntab_sp(t, &f, T(4)), 8);
	assert_int_equal(gs_pclntab_pcvalue(t, &f, f.pcln, T(0x40)), -1); /* past the table */
	assert_int_equal(gs_pclntab_pcdata(t, &f, GS_PCDATA_INLTREEINDEX, T(0)), -1);

	assert_int_equal(gs_pclntab_find_func(t, T(0x80), &f), 0);
	assert_string_equal(f.name, "main.gamma");
	assert_int_equal(f.flag, GS_FUNCFLAG_TOPFRAME);
	assert_int_equal(gs_pclntab_find_func(t, T(0x100), &f), -ENOENT);
	assert_int_equal(gs_pclntab_find_func(t, T(0) - 1, &f), -ENOENT);
	assert_int_equal(gs_pclntab_func_at(t, 3, &f), -ERANGE);

	/* beta: main.inner inlined at [0x50, 0x60) */
	struct gs_frame fr[4];
	size_t n;
	assert_int_equal(gs_pclntab_frames(t, T(0x54), fr, 4, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(fr[0].function, "main.inner");
	assert_string_equal(fr[0].file, "/src/c.go");
	assert_int_equal(fr[0].line, 30);
	assert_true(fr[0].inlined);
	assert_string_equal(fr[1].function, "main.beta");
	assert_string_equal(fr[1].file, "/src/b.go");
	assert_int_equal(fr[1].line, 21);
	assert_false(fr[1].inlined);
	assert_int_equal(gs_pclntab_frames(t, T(0x54), fr, 1, &n), 0);
	assert_int_equal(n, 2); /* count beyond max */
	assert_int_equal(gs_pclntab_frames(t, T(0x60), fr, 4, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(fr[0].line, 22);
	assert_int_equal(gs_pclntab_frames(t, T(0x100), fr, 4, &n), -ENOENT);

	/* the cached paths agree */
	struct gs_symbolizer *s;
	assert_int_equal(gs_symbolizer_new(t, 2, &s), 0);
	for (int round = 0; round < 2; round++) {
		const struct gs_frame *cf;
		size_t cn;
		assert_int_equal(gs_symbolizer_lookup(s, T(0x54), &cf, &cn), 0);
		assert_int_equal(cn, 2);
		assert_string_equal(cf[0].function, "main.inner");
		assert_string_equal(cf[1].function, "main.beta");
		assert_int_equal(gs_symbolizer_lookup(s, T(0x200), &cf, &cn), -ENOENT);
		struct gs_position pos;
		assert_int_equal(gs_symbolizer_position(s, T(0x54), &pos), 0);
		assert_string_equal(pos.function, "main.beta");
		assert_int_equal(pos.function_len, 9);
		assert_string_equal(pos.file, "/src/c.go");
		assert_int_equal(pos.file_len, 9);
		assert_int_equal(pos.line, 30);
		assert_int_equal(gs_symbolizer_position(s, T(0x44), &pos), 0);
		assert_string_equal(pos.file, "/src/b.go"); /* the per-function file cache moves on */
		assert_int_equal(pos.line, 20);
		assert_int_equal(gs_symbolizer_position(s, T(0x100), &pos), -ENOENT);
	}
	gs_symbolizer_free(s);
	gs_pclntab_free(t);
	gs_elf_free(e);
	free(b.p);
}

static void test_synthetic(void **state)
{
	check_synthetic(SYN_SYMBOLS, "section .gopclntab");
	check_synthetic(0, "section .gopclntab");     /* text and gofunc from moduledata */
	check_synthetic(SYN_NO_SECTIONS, "scan");      /* table found by scanning */
}

static void test_open_mem(void **state)
{
	struct gs_ctx ctx;
	struct gs_pclntab *t;
	struct gs_func f;
	struct syn_buf b = syn_build(SYN_SYMBOLS);
	gs_ctx_init(&ctx);
	assert_int_equal(gs_pclntab_open_mem(b.p + SYN_PCLN, SYN_GOFUNC - SYN_PCLN, 0x1000, &ctx, &t), 0);
	assert_int_equal(gs_pclntab_find_func(t, 0x1045, &f), 0);
	assert_string_equal(f.name, "main.beta");
	struct gs_frame fr[2];
	size_t n;
	/* without the binary there is no funcdata: only the physical frame */
	assert_int_equal(gs_pclntab_frames(t, 0x1054, fr, 2, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(fr[0].file, "/src/c.go");
	gs_pclntab_free(t);
	b.p[SYN_PCLN] = 0xfb; /* Go 1.2 magic */
	assert_int_equal(gs_pclntab_open_mem(b.p + SYN_PCLN, 0x1000, 0, &ctx, &t), -ENOTSUP);
	b.p[SYN_PCLN] = 0x12;
	assert_int_equal(gs_pclntab_open_mem(b.p + SYN_PCLN, 0x1000, 0, &ctx, &t), -EBADMSG);
	b.p[SYN_PCLN] = 0xf1;
	b.p[SYN_PCLN + 8] = 0xff; /* nfunc far too large */
	b.p[SYN_PCLN + 9] = 0xff;
	assert_int_equal(gs_pclntab_open_mem(b.p + SYN_PCLN, 0x1000, 0, &ctx, &t), -EBADMSG);
	assert_non_null(strstr(gs_ctx_errmsg(&ctx), "does not fit"));
	free(b.p);
}

/* Builds the symbols fixture with go build into a temporary directory. */
static int build_fixture(char *out, size_t size, const char *flags)
{
	return gs_test_build_go_fixture("symbols", flags, out, size);
}

static void test_fixture(void **state)
{
	char path[4096];
	if (build_fixture(path, sizeof(path), "") != 0) {
		GS_TEST_NO_GO();
		return;
	}
	struct gs_ctx ctx;
	struct gs_elf *e;
	struct gs_pclntab *t;
	struct gs_symbolizer *s;
	gs_ctx_init(&ctx);
	assert_int_equal(gs_elf_open_path(path, &ctx, &e), 0);
	assert_int_equal(gs_pclntab_open(e, &ctx, &t), 0);
	assert_int_equal(gs_symbolizer_new(t, 64, &s), 0);
	struct gs_frame fr[64];
	size_t inlined_pcs = 0, checked = 0;
	for (uint32_t i = 0; i < gs_pclntab_nfunc(t); i++) {
		struct gs_func f;
		assert_int_equal(gs_pclntab_func_at(t, i, &f), 0);
		/* the frame is empty at every Go function's entry (markers such as
		 * go:textfipsstart have no pcsp table) */
		if (!(f.flag & GS_FUNCFLAG_ASM) && f.pcsp)
			assert_int_equal(gs_pclntab_sp(t, &f, f.entry), 0);
		bool mine = !strncmp(f.name, "main.", 5);
		uint64_t step = mine ? 1 : (f.end - f.entry) / 5 + 1;
		for (uint64_t pc = f.entry; pc < f.end; pc += step) {
			size_t n, cn;
			const struct gs_frame *cf;
			assert_int_equal(gs_pclntab_frames(t, pc, fr, 64, &n), 0);
			assert_int_equal(gs_symbolizer_lookup(s, pc, &cf, &cn), 0);
			assert_int_equal(n, cn);
			for (size_t k = 0; k < n; k++) {
				assert_string_equal(fr[k].function, cf[k].function);
				assert_string_equal(fr[k].file, cf[k].file);
				assert_int_equal(fr[k].line, cf[k].line);
				assert_int_equal(fr[k].inlined, k + 1 < n);
			}
			assert_string_equal(fr[n - 1].function, f.name);
			struct gs_position pos;
			assert_int_equal(gs_symbolizer_position(s, pc, &pos), 0);
			assert_string_equal(pos.function, f.name);
			assert_string_equal(pos.file, fr[0].file);
			assert_int_equal(pos.file_len, strlen(fr[0].file));
			assert_int_equal(pos.line, fr[0].line);
			assert_int_equal(pos.line, gs_pclntab_line(t, &f, pc));
			inlined_pcs += n > 1;
			checked++;
		}
	}
	assert_true(checked > 5000);
	assert_true(inlined_pcs > 100);
	gs_symbolizer_free(s);
	gs_pclntab_free(t);
	gs_elf_free(e);
	unlink(path);
	*strrchr(path, '/') = 0;
	rmdir(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_synthetic),
		cmocka_unit_test(test_open_mem),
		cmocka_unit_test(test_fixture),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
