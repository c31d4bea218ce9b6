/* Fuzz target: the JSON reader, the speedscope reader and goscope's JSON profile reader, and
 * for what parses, the JSON writer read back (it must parse again). */
#include <stdint.h>
#include <stdio.h>

#include "goscope/flame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gs_ctx ctx;
	struct gs_profile *p = NULL, *q = NULL;
	gs_ctx_init(&ctx);
	ctx.limits.stack_depth = 512;
	ctx.limits.samples = 1 << 16;
	(void)gs_speedscope_sniff(data, size);
	(void)gs_profile_json_sniff(data, size);
	if (gs_profile_parse_speedscope(data, size, &ctx, &p) &&
	    gs_profile_parse_json(data, size, &ctx, &p))
		return 0;
	struct gs_out out;
	gs_out_init(&out, NULL, NULL);
	if (gs_profile_write_json(p, &out, false) == 0 &&
	    gs_profile_parse_json(out.buf.data, out.buf.len, &ctx, &q) != 0) {
		fprintf(stderr, "JSON written by goscope does not read back: %s\n", gs_ctx_errmsg(&ctx));
		__builtin_trap();
	}
	gs_out_release(&out);
	gs_profile_free(q);
	gs_profile_free(p);
	return 0;
}
