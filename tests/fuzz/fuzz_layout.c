/* libFuzzer target for the runtime layouts: inputs starting with "\x7fELF" are opened as
 * binaries (DWARF through libdw, the tables, .symtab, the code scan, waitReasonStrings in the
 * data); others are parsed as layout tables, written back, and must parse again to the
 * same text. */
#include "goscope/layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gs_ctx ctx;
	struct gs_layout *l;
	struct gs_buf out = GS_BUF_INIT, out2 = GS_BUF_INIT;
	gs_ctx_init(&ctx);
	if (size >= 4 && !memcmp(data, "\x7f" "ELF", 4)) {
		struct gs_elf *e;
		if (gs_elf_open_mem(data, size, &ctx, &e))
			return 0;
		if (gs_layout_open(e, NULL, 0, &ctx, &l) == 0) {
			gs_layout_format(l, &out);
			gs_layout_free(l);
		}
		if (gs_layout_open(e, NULL, GS_LAYOUT_NO_DWARF | GS_LAYOUT_NO_SYMTAB, &ctx, &l) == 0)
			gs_layout_free(l);
		gs_elf_free(e);
	} else if (gs_layout_parse((const char *)data, size, &ctx, &l) == 0) {
		struct gs_layout *again;
		if (gs_layout_format(l, &out) != 0)
			__builtin_trap();
		if (gs_layout_parse(out.data, out.len, &ctx, &again) != 0)
			__builtin_trap();
		gs_layout_format(again, &out2);
		if (out.len != out2.len || memcmp(out.data, out2.data, out.len))
			__builtin_trap();
		gs_layout_free(again);
		gs_layout_free(l);
	}
	gs_buf_release(&out);
	gs_buf_release(&out2);
	return 0;
}
