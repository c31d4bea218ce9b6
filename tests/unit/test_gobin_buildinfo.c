/* Unit tests for lib/gobin/buildinfo.c: the synthetic binary's build info (gobin_synth.h),
 * the module-text parser's rules and errors (runtime/debug.ParseBuildInfo), quoting of
 * build settings both ways, and go version -m parity on the toolchain's go command. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sys/stat.h>

#include "goscope/gobin.h"
#include "gobin_synth.h"
#include "go_fixture.h"

static void test_synthetic(void **state)
{
	struct gs_ctx ctx;
	struct gs_elf *e;
	struct gs_buildinfo bi;
	struct gs_buf out = GS_BUF_INIT;
	gs_ctx_init(&ctx);
	for (int flags = 0; flags <= SYN_NO_SECTIONS; flags += SYN_NO_SECTIONS) {
		struct syn_buf b = syn_build(flags);
		assert_int_equal(gs_elf_open_mem(b.p, b.len, &ctx, &e), 0);
		assert_int_equal(gs_buildinfo_read(e, &ctx, &bi), 0);
		assert_string_equal(bi.go_version, SYN_GO_VERSION);
		assert_string_equal(bi.modinfo, SYN_MODINFO);
		assert_string_equal(bi.path, "example.com/synth");
		assert_string_equal(bi.main.path, "example.com/synth");
		assert_string_equal(bi.main.version, "(devel)");
		assert_int_equal(bi.ndeps, 2);
		assert_string_equal(bi.deps[0].sum, "h1:abc=");
		assert_null(bi.deps[0].replace);
		assert_non_null(bi.deps[1].replace);
		assert_string_equal(bi.deps[1].replace->path, "../old");
		assert_string_equal(gs_buildinfo_setting(&bi, "-ldflags"), "-s -w");
		assert_string_equal(gs_buildinfo_setting(&bi, "CGO_ENABLED"), "0");
		assert_null(gs_buildinfo_setting(&bi, "GOARCH"));
		gs_buf_reset(&out);
		assert_int_equal(gs_buildinfo_format_m(&bi, "synth", &out), 0);
		assert_string_equal(out.data, SYN_VERSION_M("synth"));
		gs_buildinfo_release(&bi);
		gs_elf_free(e);
		free(b.p);
	}
	gs_buf_release(&out);
}

static void test_not_go(void **state)
{
	struct gs_ctx ctx;
	struct gs_elf *e;
	struct gs_buildinfo bi;
	gs_ctx_init(&ctx);
	struct syn_buf b = syn_build(SYN_SYMBOLS);
	b.p[SYN_BUILDINFO] = 'x'; /* no magic */
	assert_int_equal(gs_elf_open_mem(b.p, b.len, &ctx, &e), 0);
	assert_int_equal(gs_buildinfo_read(e, &ctx, &bi), -ENOENT);
	assert_string_equal(gs_ctx_errmsg(&ctx), "not a Go executable");
	gs_buildinfo_release(&bi);
	gs_elf_free(e);
	free(b.p);
}

/* parse then format: the text comes back as BuildInfo.String would print it */
static void roundtrip(const char *in, const char *want)
{
	struct gs_ctx ctx;
	struct gs_buildinfo bi;
	struct gs_buf out = GS_BUF_INIT;
	gs_ctx_init(&ctx);
	memset(&bi, 0, sizeof(bi));
	assert_int_equal(gs_buildinfo_parse(in, strlen(in), &ctx, &bi), 0);
	assert_int_equal(gs_buildinfo_format(&bi, &out), 0);
	assert_string_equal(out.data ? out.data : "", want);
	gs_buf_release(&out);
	gs_buildinfo_release(&bi);
}

static void parse_fails(const char *in, const char *msg)
{
	struct gs_ctx ctx;
	struct gs_buildinfo bi;
	gs_ctx_init(&ctx);
	memset(&bi, 0, sizeof(bi));
	assert_int_equal(gs_buildinfo_parse(in, strlen(in), &ctx, &bi), -EBADMSG);
	assert_non_null(strstr(gs_ctx_errmsg(&ctx), msg));
	gs_buildinfo_release(&bi);
}

static void test_parse(void **state)
{
	roundtrip("", "");
	/* unknown lines are skipped, a last line without newline is dropped */
	roundtrip("go\tgo1.2\nhello\npath\tp\nbuild\tA=B", "path\tp\n");
	/* two-column modules print an empty sum after a tab */
	roundtrip("mod\tm\tv1\ndep\td\tv2\tsum\n", "mod\tm\tv1\t\ndep\td\tv2\tsum\n");
	/* quoted keys and values are unquoted, then quoted again only when needed */
	roundtrip("build\t\"a b\"=\"x\"\nbuild\tk=\"v w\"\nbuild\tk2=`raw\\n`\nbuild\tk3=\n",
		  "build\t\"a b\"=x\nbuild\tk=\"v w\"\nbuild\tk2=raw\\n\nbuild\tk3=\n");
	roundtrip("build\tk=\"tab\\there\\\"q\\\" \\u00e9\\x01\"\n",
		  "build\tk=\"tab\\there\\\"q\\\" \xc3\xa9\\x01\"\n");
	/* values without space, tab, newline or quotes print raw, whatever their bytes */
	roundtrip("build\tk=\"\\xff\\u2028\"\n", "build\tk=\xff\xe2\x80\xa8\n");
	roundtrip("build\tk=\"\\xff \\u2028\"\n", "build\tk=\"\\xff \\u2028\"\n");
	parse_fails("mod\tonly\n", "line 1: expected 2 or 3 columns");
	parse_fails("path\tp\n=>\ta\tb\tc\n", "line 2: replacement with no module");
	parse_fails("dep\ta\tb\n=>\ta\tb\n", "expected 3 columns for replacement");
	parse_fails("build\t=v\n", "missing key");
	parse_fails("build\tk v=1\n", "must be quoted");
	parse_fails("build\tk=a b\n", "must be quoted");
	parse_fails("build\tnoequals\n", "missing '=' after key");
	parse_fails("build\t\"k\"\n", "missing '=' after quoted key");
	parse_fails("build\t\"k\"x\n", "unexpected character after quoted key");
	parse_fails("build\tk=\"\\q\"\n", "invalid quoted value");
	parse_fails("build\t\"k\n", "invalid quoted key");
}

static void test_go_command(void **state)
{
	const char *path = GS_TEST_GO;
	struct stat st;
	if (stat(path, &st) != 0) {
		GS_TEST_NO_GO();
		return;
	}
	struct gs_ctx ctx;
	struct gs_elf *e;
	struct gs_buildinfo bi;
	struct gs_buf got = GS_BUF_INIT;
	char want[65536];
	gs_ctx_init(&ctx);
	assert_int_equal(gs_elf_open_path(path, &ctx, &e), 0);
	assert_int_equal(gs_buildinfo_read(e, &ctx, &bi), 0);
	assert_int_equal(gs_buildinfo_format_m(&bi, path, &got), 0);
	FILE *p = popen("'" GS_TEST_GO "' version -m '" GS_TEST_GO "'", "r");
	assert_non_null(p);
	size_t n = fread(want, 1, sizeof(want) - 1, p);
	want[n] = 0;
	assert_int_equal(pclose(p), 0);
	assert_string_equal(got.data, want);
	gs_buf_release(&got);
	gs_buildinfo_release(&bi);
	gs_elf_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_synthetic),
		cmocka_unit_test(test_not_go),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_go_command),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
