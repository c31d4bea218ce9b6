/* Fuzz target: the goroutine dump text parser (lib/gdump/parse.c). What parses is written back
 * in the runtime's format (every header and frame option on), which must parse again and write
 * the same text: the writer and the parser agree on every field they share. */
#include <stdint.h>
#include <stdio.h>

#include "goscope/goroutine.h"

static char *dump(const struct gs_snapshot *s, size_t *len)
{
	struct gs_out out;
	struct gs_dump_opts opts = {.thread_ids = true, .frame_regs = true, .labels = true};
	gs_out_init(&out, NULL, NULL);
	if (gs_snapshot_write_dump(s, NULL, &opts, &out))
		abort();
	return gs_buf_detach(&out.buf, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gs_ctx ctx;
	struct gs_snapshot *s = NULL, *t = NULL;
	gs_ctx_init(&ctx);
	ctx.limits.goroutines = 1u << 12;
	ctx.limits.stack_depth = 1024;
	ctx.limits.string_bytes = 1u << 16;
	(void)gs_gdump_detect(data, size);
	if (gs_gdump_parse(data, size, &ctx, &s) == 0) {
		size_t n1, n2;
		char *text1 = dump(s, &n1);
		if (gs_gdump_parse(text1, n1, &ctx, &t)) {
			fprintf(stderr, "written dump does not parse: %s\n", gs_ctx_errmsg(&ctx));
			abort();
		}
		char *text2 = dump(t, &n2);
		if (n1 != n2 || memcmp(text1, text2, n1) != 0) {
			fprintf(stderr, "dump text changed when parsed again:\n%s\n---\n%s\n", text1, text2);
			abort();
		}
		free(text1);
		free(text2);
	}
	gs_snapshot_free(s);
	gs_snapshot_free(t);
	return 0;
}
