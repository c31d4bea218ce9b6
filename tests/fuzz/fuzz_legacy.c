/* Fuzz target: the legacy ?debug=1 text formats. The first byte picks a header (goroutine,
 * threadcreate, heap, heap_v2, growthz, contention, mutex) that is put in front of the rest, so
 * the fuzzer spends its time in the sample, label and frame lines. What parses is read again
 * through a stream in small chunks (the line reader crossing window refills) and must agree,
 * and must encode to profile.proto that parses back. */
#include <stdint.h>
#include <stdio.h>

#include "goscope/profile.h"
#include "chunked_reader.h"

static const char *const headers[] = {
	"goroutine profile: total 5\n",
	"threadcreate profile: total 2\n",
	"heap profile: 3: 4096 [10: 8192] @ heap/1048576\n",
	"heap profile: 1: 2 [1: 2] @ heap_v2/524288\n",
	"heap profile: 1: 2 [3: 4] @ growthz\n",
	"--- contention:\ncycles/second=2000000000\n",
	"--- mutex:\ncycles/second=1000000000\nsampling period=5\n",
	"",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gs_ctx ctx;
	struct gs_profile *p = NULL, *q = NULL, *r = NULL;
	struct gs_out out;
	if (size == 0)
		return 0;
	const char *h = headers[data[0] % (sizeof(headers) / sizeof(headers[0]))];
	size_t hn = strlen(h), n = hn + size - 1;
	uint8_t *buf = malloc(n ? n : 1);
	if (!buf)
		return 0;
	memcpy(buf, h, hn);
	memcpy(buf + hn, data + 1, size - 1);
	gs_ctx_init(&ctx);
	ctx.limits.samples = 1u << 16;
	ctx.limits.message_bytes = 1u << 16;
	ctx.limits.stack_depth = 1024;
	if (gs_profile_parse(buf, n, &ctx, &p) == 0) {
		struct chunks c = {buf, n, 0, 1 + data[0] % 7};
		if (gs_profile_parse_stream(chunk_read, &c, &ctx, &q)) {
			fprintf(stderr, "buffer parsed, stream did not: %s\n", gs_ctx_errmsg(&ctx));
			abort();
		}
		if (q->n_samples != p->n_samples || q->n_locations != p->n_locations ||
		    q->n_functions != p->n_functions)
			abort();
		gs_out_init(&out, NULL, NULL);
		if (gs_profile_encode(p, true, &out, &ctx))
			abort();
		if (gs_profile_parse(out.buf.data, out.buf.len, &ctx, &r) ||
		    r->n_samples != p->n_samples || r->n_locations != p->n_locations) {
			fprintf(stderr, "re-encoded legacy profile: %s\n", gs_ctx_errmsg(&ctx));
			abort();
		}
		gs_out_release(&out);
	}
	gs_profile_free(p);
	gs_profile_free(q);
	gs_profile_free(r);
	free(buf);
	return 0;
}
