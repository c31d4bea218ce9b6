/* Private declarations shared by the profile codecs: the input window (gzip.c) that turns a
 * buffer or a read callback, gzip-compressed or not, into a sliding window of bytes; the
 * protobuf wire helpers (proto.c); and the format decoders (decode.c, legacy.c) that read
 * from a window. Nothing here is part of the public API. */
#ifndef GOSCOPE_PROFILE_INTERNAL_H
#define GOSCOPE_PROFILE_INTERNAL_H

#include <zlib.h>

#include "goscope/profile.h"

/* ---- input window (gzip.c) ----
 * The decoders see bytes [start, end) of win->data; everything before start has been
 * consumed. gs_win_fill makes more bytes available, moving the window forward: memory stays
 * bounded by the largest amount a decoder asks for at once (one message, one text line), not
 * by the input. A raw in-memory input is used in place without copying. */
struct gs_win {
	struct gs_ctx *ctx;
	/* source: a buffer (mem) or a callback (read) */
	const uint8_t *mem;
	size_t mem_len, mem_off;
	gs_read_fn read;
	void *read_arg;
	bool read_eof;
	uint8_t *in; /* compressed bytes read from the callback */
	size_t in_cap;
	uint64_t raw_bytes; /* input bytes taken from the source */
	/* gzip */
	bool gzip;
	bool z_ready;
	bool z_member_done; /* the last gzip member ended; more input must start a new one */
	z_stream z;
	uint64_t out_bytes; /* decompressed bytes produced */
	struct win_thread *th; /* the inflating thread of a large buffer (gzip.c), or NULL */
	/* window */
	uint8_t *buf; /* owned when data == buf */
	size_t buf_cap;
	const uint8_t *data;
	size_t start, end;
	uint64_t base; /* stream offset of data[0] */
	bool eof;      /* no byte beyond end will ever come */
	size_t max_window; /* largest request allowed (limits.message_bytes) */
};

/* Sets up a window over a buffer (data is not copied and must outlive the window). */
int gs_win_init_mem(struct gs_win *w, const void *data, size_t len, struct gs_ctx *ctx);
/* Sets up a window over a read callback. */
int gs_win_init_read(struct gs_win *w, gs_read_fn read, void *arg, struct gs_ctx *ctx);
void gs_win_release(struct gs_win *w);
/* Makes at least want bytes available after start, or all that remain at end of input:
 * *avail gets what is available (less than want only at end of input). 0 or a negative
 * errno with a context message (read error, corrupt gzip, a cap hit). */
int gs_win_fill(struct gs_win *w, size_t want, size_t *avail);
static inline const uint8_t *gs_win_cur(const struct gs_win *w)
{
	return w->data + w->start;
}
static inline void gs_win_consume(struct gs_win *w, size_t n)
{
	w->start += n;
}
/* Stream offset (in decompressed bytes) of the next unconsumed byte. */
static inline uint64_t gs_win_offset(const struct gs_win *w)
{
	return w->base + w->start;
}

/* Rebuilds p's stack index after the contents of its stacks were rewritten in place (profile.c;
 * the rewrite must keep distinct stacks distinct, else -EINVAL). On failure p must be freed. */
int gs_profile_rehash_stacks(struct gs_profile *p);

/* Interns n <= GS_STACK_BATCH stacks, stack i being locs[spans[i].start ..] of spans[i].len
 * locations, with the result of n calls of gs_profile_intern_stack in order: out[i] gets
 * stack i's index. Hashing all first lets the table's cache misses overlap. On an error,
 * *done stacks were interned. */
#define GS_STACK_BATCH 32
int gs_profile_intern_stacks(struct gs_profile *p, const uint32_t *locs,
			     const struct gs_span *spans, size_t n, uint32_t *out, size_t *done);

/* ---- protobuf wire format (proto.c) ---- */
enum {
	GS_WIRE_VARINT = 0,
	GS_WIRE_FIXED64 = 1,
	GS_WIRE_LEN = 2,
	GS_WIRE_SGROUP = 3,
	GS_WIRE_EGROUP = 4,
	GS_WIRE_FIXED32 = 5,
};

/* One decoded field: its number and wire type, and its value (u64 for varint and fixed
 * types, a sub-reader over the payload for length-delimited). */
struct gs_pb_field {
	uint64_t num;
	unsigned wire;
	uint64_t u64;
	struct gs_rd sub;
};

/* Reads the next field of rd. -EBADMSG on a truncated or over-long varint, a length past the
 * end, a group or an unknown wire type; *what names the problem for a message. */
int gs_pb_next(struct gs_rd *rd, struct gs_pb_field *f, const char **what);
/* Reads a field header: number, wire type and, for VARINT/FIXED64/FIXED32, the value into
 * *val (consumed); for LEN the payload length into *val (the payload is neither consumed nor
 * checked against rd: the caller fetches it). Same errors as gs_pb_next. */
int gs_pb_header(struct gs_rd *rd, uint64_t *num, unsigned *wire, uint64_t *val,
		 const char **what);

/* Appends a varint / a tag / a length-delimited header to b. */
int gs_pb_put_varint(struct gs_buf *b, uint64_t v);
int gs_pb_put_tag(struct gs_buf *b, uint64_t num, unsigned wire);
/* Field num as a varint, skipped when v is 0 (proto3 default). */
int gs_pb_put_uint(struct gs_buf *b, uint64_t num, uint64_t v);
int gs_pb_put_bytes(struct gs_buf *b, uint64_t num, const void *p, size_t n);
static inline size_t gs_pb_varint_len(uint64_t v)
{
	size_t n = 1;
	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

/* ---- format decoders ---- */

/* Decodes profile.proto from the window into a new profile (decode.c). */
int gs_proto_decode(struct gs_win *w, struct gs_ctx *ctx, struct gs_profile **out);

/* Is this the start of one of the legacy text formats (legacy.c)? p[0..n) is the beginning of
 * the (decompressed) input. */
bool gs_legacy_detect(const uint8_t *p, size_t n);
/* Decodes a legacy text profile from the window (legacy.c). */
int gs_legacy_decode(struct gs_win *w, struct gs_ctx *ctx, struct gs_profile **out);

#endif
