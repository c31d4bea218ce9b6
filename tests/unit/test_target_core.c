/* lib/target, cores: synthetic amd64 and arm64 images written by gs_core_write and read back
 * by the core reader (threads, registers, thread pointers, pid, command, auxv, load bias,
 * mappings, bytes in the core, bytes taken from a mapped file, bytes missing), PN_XNUM, and
 * every truncation and many corruptions of a core, which must fail cleanly or read sanely.
 * With GS_CORE_CORPUS=DIR it also writes its cores there (the fuzz seed corpus). */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <unistd.h>

#include <cmocka.h>

#include "goscope/target.h"

#define BASE 0x555555554000ULL

struct image {
	struct gs_mem_mapping maps[6];
	struct gs_core_segment segs[6];
	struct gs_thread threads[3];
	uint64_t auxv[8];
	uint8_t header[4096]; /* the executable's first page: an ELF header */
	uint8_t data[3 * 4096];
	uint8_t stack[4096];
	char file[64];
};

static void make_image(struct image *im, enum gs_arch arch, struct gs_core_image *img)
{
	memset(im, 0, sizeof(*im));
	memcpy(im->header, ELFMAG, SELFMAG);
	im->header[EI_CLASS] = ELFCLASS64;
	im->header[EI_DATA] = ELFDATA2LSB;
	uint64_t e_entry = 0x1040;
	memcpy(im->header + 24, &e_entry, 8);
	for (size_t i = 0; i < sizeof(im->data); i++)
		im->data[i] = (uint8_t)(i * 31 + 7);
	for (size_t i = 0; i < sizeof(im->stack); i++)
		im->stack[i] = (uint8_t)(255 - i);

	/* a mapped file whose second page is what the text mapping leaves out of the core */
	snprintf(im->file, sizeof(im->file), "/tmp/gs-core-test-%d", (int)getpid());
	FILE *f = fopen(im->file, "w");
	assert_non_null(f);
	for (int i = 0; i < 3 * 4096; i++)
		fputc((i / 4096) * 16 + (i & 15), f);
	fclose(f);

	im->maps[0] = (struct gs_mem_mapping){BASE, BASE + 2 * 4096, 0, GS_MAP_READ | GS_MAP_EXEC, 0, im->file, 0, 0};
	im->maps[1] = (struct gs_mem_mapping){BASE + 0x10000, BASE + 0x13000, 0, GS_MAP_READ | GS_MAP_WRITE, 0, "", 0, 0};
	im->maps[2] = (struct gs_mem_mapping){BASE + 0x20000, BASE + 0x21000, 0, 0, 0, "", 0, 0};
	im->maps[3] = (struct gs_mem_mapping){0x7ffff0000000ULL, 0x7ffff0001000ULL, 0, GS_MAP_READ | GS_MAP_WRITE, 0,
					  "[stack]", 0, 0};
	im->maps[4] = (struct gs_mem_mapping){0x7ffff1000000ULL, 0x7ffff1002000ULL, 4096, GS_MAP_READ, 0,
					  "/nonexistent/lib.so", 0, 0};
	im->segs[0] = (struct gs_core_segment){&im->maps[0], im->header, 4096};
	im->segs[1] = (struct gs_core_segment){&im->maps[1], im->data, sizeof(im->data)};
	im->segs[2] = (struct gs_core_segment){&im->maps[2], NULL, 0};
	im->segs[3] = (struct gs_core_segment){&im->maps[3], im->stack, sizeof(im->stack)};
	im->segs[4] = (struct gs_core_segment){&im->maps[4], NULL, 0};

	for (int t = 0; t < 3; t++) {
		struct gs_thread *th = &im->threads[t];
		th->tid = 1000 + t;
		th->has_regs = true;
		th->regs.arch = arch;
		th->regs.count = arch == GS_ARCH_AMD64 ? GS_AMD64_NREGS : GS_ARM64_NREGS;
		for (uint32_t r = 0; r < th->regs.count; r++)
			th->regs.words[r] = 0x100 * (uint64_t)t + r;
		th->regs.tls = 0xabc000 + (uint64_t)t;
		th->regs.tls_known = true;
		if (arch == GS_ARCH_AMD64)
			th->regs.words[GS_AMD64_FS_BASE] = th->regs.tls;
	}
	im->threads[0].signal = 6;
	uint64_t auxv[8] = {AT_PHDR, BASE + 64, AT_ENTRY, BASE + e_entry, AT_PAGESZ, 4096, AT_NULL, 0};
	memcpy(im->auxv, auxv, sizeof(auxv));

	memset(img, 0, sizeof(*img));
	img->arch = arch;
	img->pid = 1000;
	img->ppid = 1;
	img->comm = "synthetic";
	img->args = "synthetic -flag";
	img->threads = im->threads;
	img->nthreads = 3;
	img->auxv = (const uint8_t *)im->auxv;
	img->auxv_len = sizeof(im->auxv);
	img->segments = im->segs;
	img->nsegments = 5;
	img->page_size = 4096;
}

static int buf_write(void *arg, const void *p, size_t n)
{
	return gs_buf_add(arg, p, n);
}

static void save_corpus(const char *name, const void *p, size_t n)
{
	const char *dir = getenv("GS_CORE_CORPUS");
	char path[512];
	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fwrite(p, 1, n, f);
	fclose(f);
}

static void check_roundtrip(enum gs_arch arch)
{
	struct image *im = calloc(1, sizeof(*im));
	struct gs_core_image img;
	struct gs_buf core = GS_BUF_INIT;
	struct gs_ctx ctx;
	struct gs_mem *m;
	size_t n;
	gs_ctx_init(&ctx);
	make_image(im, arch, &img);
	assert_int_equal(gs_core_write(&img, buf_write, &core, &ctx), 0);
	save_corpus(arch == GS_ARCH_AMD64 ? "synth-amd64" : "synth-arm64", core.data, core.len);
	assert_int_equal(gs_mem_open_core_mem(core.data, core.len, NULL, &ctx, &m), 0);

	assert_int_equal(gs_mem_kind(m), GS_MEM_CORE);
	assert_int_equal(gs_mem_arch(m), arch);
	assert_int_equal(gs_mem_pid(m), 1000);
	assert_string_equal(gs_mem_comm(m), "synthetic");
	assert_string_equal(gs_mem_args(m), "synthetic -flag");
	assert_string_equal(gs_mem_exe_path(m), im->file);
	bool known;
	assert_true(gs_mem_load_bias(m, &known) == BASE);
	assert_true(known);
	uint64_t v;
	assert_int_equal(gs_mem_auxv(m, AT_PAGESZ, &v), 0);
	assert_int_equal(v, 4096);

	const struct gs_thread *t = gs_mem_threads(m, &n);
	assert_int_equal(n, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(t[i].tid, 1000 + i);
		assert_true(t[i].has_regs);
		assert_int_equal(t[i].regs.count, im->threads[i].regs.count);
		assert_memory_equal(t[i].regs.words, im->threads[i].regs.words, 8 * t[i].regs.count);
		assert_true(t[i].regs.tls_known);
		assert_true(t[i].regs.tls == 0xabc000 + (uint64_t)i);
		if (arch == GS_ARCH_AMD64) {
			assert_true(t[i].regs.pc == 0x100u * i + GS_AMD64_RIP);
			assert_true(t[i].regs.sp == 0x100u * i + GS_AMD64_RSP);
		} else {
			assert_true(t[i].regs.pc == 0x100u * i + GS_ARM64_PC);
			assert_true(t[i].regs.lr == 0x100u * i + GS_ARM64_LR);
		}
	}
	assert_int_equal(t[0].signal, 6);

	const struct gs_mem_mapping *maps = gs_mem_mappings(m, &n);
	assert_int_equal(n, 5);
	for (int i = 0; i < 5; i++) {
		assert_true(maps[i].start == im->maps[i].start && maps[i].end == im->maps[i].end);
		assert_int_equal(maps[i].prot, im->maps[i].prot);
		/* NT_FILE names files only: [stack] and anonymous memory have no name in a core */
		assert_string_equal(maps[i].path, im->maps[i].path[0] == '/' ? im->maps[i].path : "");
		assert_int_equal(maps[i].in_core, im->segs[i].data_len);
	}
	assert_int_equal(maps[4].offset, 4096);

	uint8_t buf[3 * 4096];
	/* in the core, across two pages */
	assert_int_equal(gs_mem_read(m, BASE + 0x10000 + 100, buf, 8000, &ctx), 0);
	assert_memory_equal(buf, im->data + 100, 8000);
	assert_int_equal(gs_mem_read(m, 0x7ffff0000000ULL, buf, 4096, &ctx), 0);
	assert_memory_equal(buf, im->stack, 4096);
	/* the first page from the core, the second from the file (file offset 4096) */
	assert_int_equal(gs_mem_read(m, BASE + 4096 - 8, buf, 24, &ctx), 0);
	assert_int_equal(buf[0], 0);
	assert_int_equal(buf[8], 0x10);
	assert_int_equal(buf[9], 0x11);
	/* no file, no bytes; a mapping without PT_LOAD data; past the end; unmapped */
	assert_int_equal(gs_mem_read(m, 0x7ffff1000000ULL, buf, 8, &ctx), -EFAULT);
	assert_int_equal(gs_mem_read(m, BASE + 0x20000, buf, 8, &ctx), -EFAULT);
	struct gs_mem_iov iov[3] = {{BASE + 0x13000 - 4, buf, 8, 0}, {0x1000, buf, 8, 0},
				    {BASE + 0x10000, buf + 100, 4, 0}};
	assert_int_equal(gs_mem_readv(m, iov, 3, &ctx), -EFAULT);
	assert_int_equal(iov[0].got, 4);
	assert_int_equal(iov[1].got, 0);
	assert_int_equal(iov[2].got, 4);
	/* another executable named by the caller */
	gs_mem_free(m);
	struct gs_mem_opts opts = {"/nonexistent/exe", NULL};
	assert_int_equal(gs_mem_open_core_mem(core.data, core.len, &opts, &ctx, &m), 0);
	assert_string_equal(gs_mem_exe_path(m), "/nonexistent/exe");
	assert_int_equal(gs_mem_read(m, BASE + 4096, buf, 8, &ctx), -EFAULT);
	assert_int_equal(gs_mem_read(m, BASE, buf, 8, &ctx), 0);
	assert_int_equal(gs_mem_stop(m, NULL, 0, 0, &ctx), -ENOTSUP);
	gs_mem_free(m);

	/* every truncation: an error or a core that reads sanely, never a crash */
	size_t opened = 0;
	for (size_t len = 0; len < core.len; len += len < 8192 ? 1 : 509) {
		if (gs_mem_open_core_mem(core.data, len, NULL, &ctx, &m) == 0) {
			opened++;
			gs_mem_read(m, BASE + 0x10000, buf, sizeof(buf), &ctx);
			gs_mem_free(m);
		}
	}
	assert_true(opened > 0);
	/* corruptions of the header, program headers and notes */
	uint32_t seed = 12345;
	char *copy = malloc(core.len);
	for (int round = 0; round < 3000; round++) {
		memcpy(copy, core.data, core.len);
		for (int k = 0; k < 4; k++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = (seed >> 8) % 4096;
			seed = seed * 1103515245u + 12345u;
			copy[at] = (char)(seed >> 16);
		}
		if (gs_mem_open_core_mem(copy, core.len, NULL, &ctx, &m) == 0) {
			const struct gs_mem_mapping *mp = gs_mem_mappings(m, &n);
			for (size_t i = 0; i < n; i++)
				gs_mem_read(m, mp[i].start, buf, 64, &ctx);
			gs_mem_free(m);
		}
	}
	free(copy);
	gs_buf_release(&core);
	unlink(im->file);
	free(im);
}

static void test_amd64(void **state)
{
	check_roundtrip(GS_ARCH_AMD64);
}

static void test_arm64(void **state)
{
	check_roundtrip(GS_ARCH_ARM64);
}

/* More than 65534 program headers: e_phnum is PN_XNUM and section 0 holds the count. */
static void test_xnum(void **state)
{
	enum { N = 70000 };
	struct gs_mem_mapping *maps = calloc(N, sizeof(*maps));
	struct gs_core_segment *segs = calloc(N, sizeof(*segs));
	struct gs_core_image img = {0};
	struct gs_buf core = GS_BUF_INIT;
	struct gs_ctx ctx;
	struct gs_mem *m;
	size_t n;
	gs_ctx_init(&ctx);
	for (size_t i = 0; i < N; i++) {
		maps[i] = (struct gs_mem_mapping){0x10000 + 0x2000 * i, 0x11000 + 0x2000 * i, 0, GS_MAP_READ, 0, "", 0, 0};
		segs[i].map = &maps[i];
	}
	img.arch = GS_ARCH_AMD64;
	img.segments = segs;
	img.nsegments = N;
	img.page_size = 4096;
	assert_int_equal(gs_core_write(&img, buf_write, &core, &ctx), 0);
	assert_int_equal(gs_mem_open_core_mem(core.data, core.len, NULL, &ctx, &m), 0);
	gs_mem_mappings(m, &n);
	assert_int_equal(n, N);
	gs_mem_free(m);
	gs_buf_release(&core);
	free(maps);
	free(segs);
}

static void test_rejects(void **state)
{
	struct gs_ctx ctx;
	struct gs_mem *m;
	gs_ctx_init(&ctx);
	assert_int_equal(gs_mem_open_core_mem("not a core", 10, NULL, &ctx, &m), -EBADMSG);
	assert_int_equal(gs_mem_open_core("/nonexistent/core", NULL, &ctx, &m), -ENOENT);
	uint8_t exe[64] = {0x7f, 'E', 'L', 'F', ELFCLASS64, ELFDATA2LSB, 1};
	exe[16] = ET_EXEC;
	assert_int_equal(gs_mem_open_core_mem(exe, sizeof(exe), NULL, &ctx, &m), -EBADMSG);
	assert_non_null(strstr(gs_ctx_errmsg(&ctx), "not a core file"));
	exe[16] = ET_CORE;
	exe[18] = 3; /* EM_386 */
	assert_int_equal(gs_mem_open_core_mem(exe, sizeof(exe), NULL, &ctx, &m), -ENOTSUP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_amd64),
		cmocka_unit_test(test_arm64),
		cmocka_unit_test(test_xnum),
		cmocka_unit_test(test_rejects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
