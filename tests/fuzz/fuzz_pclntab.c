/* libFuzzer target for the pclntab: inputs starting with "\x7fELF" are binaries (locating
 * the table by section, symbol or scan; moduledata; funcdata and inline trees), others bare
 * tables. Every function is looked up and symbolized at a few PCs, through both the direct
 * and the cached paths, which must agree. */
#include "goscope/gobin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Functions visited per input: enough for the seeds, bounded for speed. */
#define MAX_FUNCS 2048

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gs_ctx ctx;
	struct gs_elf *e = NULL;
	struct gs_pclntab *t;
	struct gs_symbolizer *s;
	gs_ctx_init(&ctx);
	if (size >= 4 && !memcmp(data, "\x7f" "ELF", 4)) {
		if (gs_elf_open_mem(data, size, &ctx, &e))
			return 0;
		if (gs_pclntab_open(e, &ctx, &t)) {
			gs_elf_free(e);
			return 0;
		}
	} else if (gs_pclntab_open_mem(data, size, 0x1000, &ctx, &t)) {
		return 0;
	}
	if (gs_symbolizer_new(t, 16, &s) == 0) {
		uint32_t n = gs_pclntab_nfunc(t);
		for (uint32_t i = 0; i < n && i < MAX_FUNCS; i++) {
			struct gs_func f;
			if (gs_pclntab_func_at(t, i, &f))
				continue;
			uint64_t pcs[] = {f.entry, f.entry + 1, f.end - 1, f.entry + (f.end - f.entry) / 2};
			for (size_t k = 0; k < 4; k++) {
				struct gs_frame fr[8];
				const struct gs_frame *cf;
				size_t nf, cn;
				struct gs_position pos;
				int a = gs_pclntab_frames(t, pcs[k], fr, 8, &nf);
				int b = gs_symbolizer_lookup(s, pcs[k], &cf, &cn);
				if (a != b || (a == 0 && nf != cn))
					__builtin_trap();
				for (size_t j = 0; a == 0 && j < nf && j < 8; j++)
					if (strcmp(fr[j].function, cf[j].function) ||
					    strcmp(fr[j].file, cf[j].file) || fr[j].line != cf[j].line)
						__builtin_trap();
				if (gs_symbolizer_position(s, pcs[k], &pos) == 0 && a == 0 &&
				    (strcmp(pos.file, fr[0].file) || pos.line != fr[0].line ||
				     pos.file_len != strlen(pos.file)))
					__builtin_trap();
				gs_pclntab_sp(t, &f, pcs[k]);
				gs_pclntab_pcdata(t, &f, 0, pcs[k]);
			}
			const uint8_t *p;
			size_t avail;
			gs_pclntab_funcdata(t, &f, 0, &p, &avail);
		}
		gs_symbolizer_free(s);
	}
	gs_pclntab_free(t);
	gs_elf_free(e);
	return 0;
}
