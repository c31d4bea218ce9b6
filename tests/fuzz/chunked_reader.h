/* A gs_read_fn over a buffer that hands out at most `step` bytes per call, so that a decoder's
 * input window refills at every boundary. Shared by the fuzz targets and the codec unit test. */
#ifndef GOSCOPE_TESTS_CHUNKED_READER_H
#define GOSCOPE_TESTS_CHUNKED_READER_H

#include <stdint.h>
#include <string.h>

struct chunks {
	const uint8_t *p;
	size_t len, off, step;
};

static inline int chunk_read(void *arg, void *buf, size_t cap, size_t *got)
{
	struct chunks *c = arg;
	size_t n = c->len - c->off;
	if (n > c->step)
		n = c->step;
	if (n > cap)
		n = cap;
	memcpy(buf, c->p + c->off, n);
	c->off += n;
	*got = n;
	return 0;
}

#endif
