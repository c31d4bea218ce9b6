/* libFuzzer target for the core-file reader: any bytes are opened as an ELF core (files it
 * names are looked up under a directory that does not exist); whatever opens is read through
 * every accessor: threads, mappings, auxv, the bias, reads at and across every mapping. It must
 * never crash, hang or read outside the input. */
#include "goscope/target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gs_ctx ctx;
	struct gs_mem *m;
	struct gs_mem_opts opts = {NULL, "/nonexistent-goscope-fuzz"};
	uint8_t buf[64];
	size_t n;
	volatile uint64_t sink = 0;
	gs_ctx_init(&ctx);
	if (gs_mem_open_core_mem(data, size, &opts, &ctx, &m))
		return 0;
	const struct gs_thread *t = gs_mem_threads(m, &n);
	for (size_t i = 0; i < n; i++)
		sink += t[i].regs.pc + t[i].regs.sp + t[i].regs.tls + (uint64_t)t[i].tid;
	bool known;
	uint64_t v;
	sink += gs_mem_load_bias(m, &known) + strlen(gs_mem_exe_path(m)) + strlen(gs_mem_comm(m));
	if (gs_mem_auxv(m, 9, &v) == 0)
		sink += v;
	const struct gs_mem_mapping *maps = gs_mem_mappings(m, &n);
	struct gs_mem_iov iov[64];
	size_t k = 0;
	for (size_t i = 0; i < n && k + 2 <= 64; i++) {
		sink += strlen(maps[i].path) + maps[i].in_core;
		iov[k++] = (struct gs_mem_iov){maps[i].start, buf, 16, 0};
		iov[k++] = (struct gs_mem_iov){maps[i].end - 8, buf + 16, 16, 0}; /* across the end */
	}
	gs_mem_readv(m, iov, k, &ctx);
	if (n)
		sink += gs_mem_mapping_at(m, maps[n / 2].start) != NULL;
	gs_mem_read(m, 0, buf, sizeof(buf), &ctx);
	gs_mem_free(m);
	return (int)(sink & 0);
}
