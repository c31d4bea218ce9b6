/* Fuzz target: folded stacks through the reader, and what parses through the call tree and
 * the writers (folded, SVG, page data), so that any profile the reader accepts renders. */
#include <stdint.h>

#include "goscope/flame.h"

static int discard(void *arg, const void *p, size_t n)
{
	(void)arg;
	(void)p;
	(void)n;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gs_ctx ctx;
	struct gs_profile *p;
	gs_ctx_init(&ctx);
	ctx.limits.stack_depth = 512;
	ctx.limits.samples = 1 << 16;
	(void)gs_folded_sniff(data, size);
	if (gs_profile_parse_folded(data, size, NULL, &ctx, &p))
		return 0;
	struct gs_out out;
	struct gs_flame *f;
	struct gs_folded_opts fo;
	gs_out_init(&out, discard, NULL);
	gs_folded_opts_init(&fo);
	gs_folded_write(p, &fo, &out, &ctx);
	if (gs_flame_build(p, NULL, &ctx, &f) == 0) {
		gs_flame_write_svg(f, NULL, 0, &out, &ctx);
		gs_flame_write_html(f, NULL, &out, &ctx);
		gs_flame_write_json(f, &out, false);
		gs_flame_free(f);
	}
	gs_speedscope_write(p, -1, "fuzz", &out, &ctx);
	gs_out_release(&out);
	gs_profile_free(p);
	return 0;
}
