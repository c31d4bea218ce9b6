/* Fuzz target: gs_profile_parse on arbitrary bytes (profile.proto, gzip, legacy text and what
 * else it detects). Whatever parses must encode, and the encoding must parse back to a profile
 * of the same shape: a decoder that accepts what the encoder cannot write, or an encoder that
 * writes what the decoder rejects, aborts. */
#include <stdint.h>
#include <stdio.h>

#include "goscope/profile.h"

static void check_roundtrip(const struct gs_profile *p)
{
	struct gs_ctx ctx;
	struct gs_out out;
	struct gs_profile *q;
	gs_ctx_init(&ctx);
	gs_out_init(&out, NULL, NULL);
	if (gs_profile_encode(p, false, &out, &ctx))
		abort();
	/* never empty: the string table's "" is always written */
	int err = gs_profile_parse(out.buf.data, out.buf.len, &ctx, &q);
	if (err) {
		fprintf(stderr, "re-encoded profile does not parse: %s\n", gs_ctx_errmsg(&ctx));
		abort();
	}
	if ((q->n_samples != p->n_samples || q->n_locations != p->n_locations ||
		  q->n_sample_types != p->n_sample_types || q->n_functions != p->n_functions))
		abort();
	gs_profile_free(q);
	gs_out_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gs_ctx ctx;
	struct gs_profile *p;
	gs_ctx_init(&ctx);
	ctx.limits.decompressed_bytes = 8u << 20;
	ctx.limits.message_bytes = 1u << 20;
	ctx.limits.samples = 1u << 16;
	ctx.limits.stack_depth = 1024;
	if (gs_profile_parse(data, size, &ctx, &p) == 0) {
		check_roundtrip(p);
		gs_profile_free(p);
	}
	return 0;
}
