/* libFuzzer target for the ELF reader: any bytes are opened as an ELF file; whatever opens is
 * read through every accessor (sections, segments, address views, both symbol tables,
 * notes). It must never crash, hang or read outside the input. */
#include "goscope/gobin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gs_ctx ctx;
	struct gs_elf *e;
	gs_ctx_init(&ctx);
	if (gs_elf_open_mem(data, size, &ctx, &e))
		return 0;
	volatile uint64_t sink = 0;
	for (size_t i = 0; i < gs_elf_section_count(e); i++) {
		const struct gs_elf_section *s = gs_elf_section_at(e, i);
		sink += strlen(s->name);
		if (s->data && s->data_len)
			sink += s->data[s->data_len - 1];
	}
	for (size_t i = 0; i < gs_elf_segment_count(e); i++) {
		const struct gs_elf_segment *p = gs_elf_segment_at(e, i);
		const uint8_t *v;
		size_t avail;
		if (gs_elf_vaddr_view(e, p->vaddr, &v, &avail) == 0 && avail)
			sink += v[avail - 1];
	}
	for (int dynamic = 0; dynamic < 2; dynamic++) {
		const struct gs_elf_symbol *syms;
		size_t n;
		if (gs_elf_symbols(e, dynamic, &ctx, &syms, &n) == 0)
			for (size_t i = 0; i < n; i++)
				sink += strlen(syms[i].name) + syms[i].value;
	}
	struct gs_elf_symbol sym;
	gs_elf_symbol_find(e, "runtime.text", &ctx, &sym);
	const uint8_t *id;
	const char *goid;
	size_t len;
	if (gs_elf_gnu_build_id(e, &id, &len) == 0 && len)
		sink += id[len - 1];
	if (gs_elf_go_build_id(e, &goid, &len) == 0 && len)
		sink += (uint8_t)goid[len - 1];
	sink += gs_elf_has_dwarf(e) + gs_elf_is_pie(e) + gs_elf_has_interp(e) + gs_elf_arch(e);
	(void)sink;
	gs_elf_free(e);
	return 0;
}
