/* Fuzz target: the gzip container path of the stream decoder. The input is a gzip stream (a
 * gzip header is put in front when the bytes lack one, so the fuzzer works on the deflate
 * data), read through a callback in chunks of 1 to 16 bytes chosen by the last byte, so that
 * the input window refills at every possible boundary. A small decompression cap makes bombs
 * cheap. */
#include <stdint.h>
#include <stdio.h>

#include "goscope/profile.h"
#include "chunked_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
	struct gs_ctx ctx;
	struct gs_profile *p = NULL;
	uint8_t *buf;
	size_t n;
	if (size == 0)
		return 0;
	size_t step = 1 + data[size - 1] % 16;
	bool has_header = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
	n = size + (has_header ? 0 : sizeof(header));
	buf = malloc(n);
	if (!buf)
		return 0;
	if (has_header) {
		memcpy(buf, data, size);
	} else {
		memcpy(buf, header, sizeof(header));
		memcpy(buf + sizeof(header), data, size);
	}
	gs_ctx_init(&ctx);
	ctx.limits.decompressed_bytes = 4u << 20;
	ctx.limits.message_bytes = 1u << 20;
	ctx.limits.samples = 1u << 16;
	struct chunks c = {buf, n, 0, step};
	int err = gs_profile_parse_stream(chunk_read, &c, &ctx, &p);
	/* the buffer path must agree with the stream path */
	struct gs_profile *q = NULL;
	int err2 = gs_profile_parse(buf, n, &ctx, &q);
	if (!err && !err2 && (p->n_samples != q->n_samples || p->n_locations != q->n_locations))
		abort();
	if (!err && err2 && err2 != -ENOMEM) {
		fprintf(stderr, "stream parsed, buffer did not: %s\n", gs_ctx_errmsg(&ctx));
		abort();
	}
	gs_profile_free(p);
	gs_profile_free(q);
	free(buf);
	return 0;
}
