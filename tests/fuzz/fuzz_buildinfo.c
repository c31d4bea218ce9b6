/* libFuzzer target for build info: inputs starting with "\x7fELF" are read as binaries
 * (locating and decoding .go.buildinfo), others as module text (the ParseBuildInfo rules and
 * the quoting both ways). Whatever parses is printed back as go version -m would. */
#include "goscope/gobin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gs_ctx ctx;
	struct gs_buildinfo bi;
	struct gs_buf out = GS_BUF_INIT;
	gs_ctx_init(&ctx);
	memset(&bi, 0, sizeof(bi));
	if (size >= 4 && !memcmp(data, "\x7f" "ELF", 4)) {
		struct gs_elf *e;
		if (gs_elf_open_mem(data, size, &ctx, &e))
			return 0;
		if (gs_buildinfo_read(e, &ctx, &bi) == 0)
			gs_buildinfo_format_m(&bi, "fuzz", &out);
		gs_elf_free(e);
	} else if (gs_buildinfo_parse((const char *)data, size, &ctx, &bi) == 0) {
		gs_buildinfo_format(&bi, &out);
		/* what was printed parses again to the same text */
		struct gs_buildinfo again;
		struct gs_buf out2 = GS_BUF_INIT;
		memset(&again, 0, sizeof(again));
		if (gs_buildinfo_parse(out.data ? out.data : "", out.len, &ctx, &again) != 0)
			__builtin_trap();
		gs_buildinfo_format(&again, &out2);
		if (out.len != out2.len || (out.len && memcmp(out.data, out2.data, out.len)))
			__builtin_trap();
		gs_buf_release(&out2);
		gs_buildinfo_release(&again);
	}
	gs_buildinfo_release(&bi);
	gs_buf_release(&out);
	return 0;
}
