/* The input window of the profile decoders: a buffer or a read callback, gzip-compressed
 * (one or more members, inflated incrementally with zlib) or not, seen as a sliding window of
 * bytes. Decompressed size is capped (limits.decompressed_bytes) so that a gzip bomb fails
 * early; the window only grows to the largest request (limits.message_bytes). It does not
 * interpret the bytes. */
#include "internal.h"

/* Free room aimed for before each read or inflate call: large enough that per-call overhead
 * is negligible, small enough to stay in cache. */
#define WIN_CHUNK (256u * 1024u)
#define IN_CHUNK (64u * 1024u)

static int win_zinit(struct gs_win *w)
{
	memset(&w->z, 0, sizeof(w->z));
	if (inflateInit2(&w->z, 16 + MAX_WBITS) != Z_OK)
		return gs_ctx_err(w->ctx, -ENOMEM, "gzip: cannot initialise zlib");
	w->z_ready = true;
	w->gzip = true;
	return 0;
}

static void win_common_init(struct gs_win *w, struct gs_ctx *ctx)
{
	memset(w, 0, sizeof(*w));
	w->ctx = ctx;
	w->max_window = ctx->limits.message_bytes ? ctx->limits.message_bytes : GS_LIMIT_MESSAGE_BYTES;
}

int gs_win_init_mem(struct gs_win *w, const void *data, size_t len, struct gs_ctx *ctx)
{
	const uint8_t *b = data;
	win_common_init(w, ctx);
	w->mem = b;
	w->mem_len = len;
	w->raw_bytes = len;
	if (len >= 2 && b[0] == 0x1f && b[1] == 0x8b)
		return win_zinit(w);
	/* raw bytes in place: the window is the whole buffer */
	w->data = b;
	w->end = len;
	w->mem_off = len;
	w->eof = true;
	return 0;
}

/* Reads from the callback into dst; counts toward the input cap. */
static int win_read(struct gs_win *w, uint8_t *dst, size_t cap, size_t *got)
{
	*got = 0;
	if (w->read_eof)
		return 0;
	int err = w->read(w->read_arg, dst, cap, got);
	if (err)
		return gs_ctx_err(w->ctx, err, "read error: %s", strerror(-err));
	if (*got > cap)
		return gs_ctx_err(w->ctx, -EIO, "read callback returned more than asked");
	if (*got == 0)
		w->read_eof = true;
	w->raw_bytes += *got;
	if (w->ctx->limits.input_bytes && w->raw_bytes > w->ctx->limits.input_bytes)
		return gs_ctx_err(w->ctx, -E2BIG, "input exceeds the %llu-byte cap (limits.input_bytes)",
				  (unsigned long long)w->ctx->limits.input_bytes);
	return 0;
}

static int win_grow(struct gs_win *w, size_t need)
{
	if (need <= w->buf_cap)
		return 0;
	size_t cap = w->buf_cap ? w->buf_cap : WIN_CHUNK;
	while (cap < need)
		cap *= 2;
	uint8_t *b = realloc(w->buf, cap);
	if (!b)
		return gs_ctx_err(w->ctx, -ENOMEM, "out of memory for a %zu-byte input window", cap);
	w->buf = b;
	w->buf_cap = cap;
	w->data = b;
	return 0;
}

int gs_win_init_read(struct gs_win *w, gs_read_fn read, void *arg, struct gs_ctx *ctx)
{
	size_t got, n = 0;
	int err;
	win_common_init(w, ctx);
	w->read = read;
	w->read_arg = arg;
	w->in = malloc(IN_CHUNK);
	if (!w->in)
		return gs_ctx_err(ctx, -ENOMEM, "out of memory");
	w->in_cap = IN_CHUNK;
	/* enough bytes to see the gzip magic */
	while (n < 2) {
		err = win_read(w, w->in + n, w->in_cap - n, &got);
		if (err)
			return err;
		if (!got)
			break;
		n += got;
	}
	if (n >= 2 && w->in[0] == 0x1f && w->in[1] == 0x8b) {
		err = win_zinit(w);
		if (err)
			return err;
		w->z.next_in = w->in;
		w->z.avail_in = (uInt)n;
		return 0;
	}
	err = win_grow(w, WIN_CHUNK);
	if (err)
		return err;
	memcpy(w->buf, w->in, n);
	w->end = n;
	if (w->read_eof)
		w->eof = true;
	return 0;
}

void gs_win_release(struct gs_win *w)
{
	if (w->z_ready)
		inflateEnd(&w->z);
	free(w->in);
	free(w->buf);
	memset(w, 0, sizeof(*w));
}

/* Gives zlib more compressed input; sets *none when the source is exhausted. */
static int win_feed(struct gs_win *w, bool *none)
{
	*none = false;
	if (w->mem) {
		size_t left = w->mem_len - w->mem_off;
		if (!left) {
			*none = true;
			return 0;
		}
		size_t n = left > (1u << 30) ? (1u << 30) : left;
		w->z.next_in = (Bytef *)(uintptr_t)(w->mem + w->mem_off);
		w->z.avail_in = (uInt)n;
		w->mem_off += n;
		return 0;
	}
	size_t got;
	int err = win_read(w, w->in, w->in_cap, &got);
	if (err)
		return err;
	if (!got) {
		*none = true;
		return 0;
	}
	w->z.next_in = w->in;
	w->z.avail_in = (uInt)got;
	return 0;
}

/* Inflates into the free room at the end of the window until something was produced or the
 * input ended. */
static int win_inflate(struct gs_win *w)
{
	uint64_t cap = w->ctx->limits.decompressed_bytes;
	size_t room = w->buf_cap - w->end;
	bool none;
	int err;
	if (cap && w->out_bytes + room > cap + 1)
		room = (size_t)(cap + 1 - w->out_bytes);
	for (;;) {
		if (w->z.avail_in == 0) {
			err = win_feed(w, &none);
			if (err)
				return err;
			if (none) {
				if (w->z_member_done) {
					w->eof = true;
					return 0;
				}
				return gs_ctx_err(w->ctx, -EBADMSG,
						  "gzip: unexpected end of compressed data after %llu "
						  "decompressed bytes",
						  (unsigned long long)w->out_bytes);
			}
		}
		if (w->z_member_done) {
			/* concatenated gzip members decompress as one stream (as Go's gzip reader
			 * does) */
			inflateReset(&w->z);
			w->z_member_done = false;
		}
		w->z.next_out = w->buf + w->end;
		w->z.avail_out = (uInt)(room > (1u << 30) ? (1u << 30) : room);
		uInt before = w->z.avail_out;
		int ret = inflate(&w->z, Z_NO_FLUSH);
		size_t produced = before - w->z.avail_out;
		w->end += produced;
		w->out_bytes += produced;
		if (cap && w->out_bytes > cap)
			return gs_ctx_err(w->ctx, -E2BIG,
					  "gzip: decompressed data exceeds the %llu-byte cap "
					  "(limits.decompressed_bytes); a gzip bomb or an oversized profile",
					  (unsigned long long)cap);
		if (ret == Z_STREAM_END)
			w->z_member_done = true;
		else if (ret == Z_MEM_ERROR)
			return gs_ctx_err(w->ctx, -ENOMEM, "gzip: out of memory");
		else if (ret != Z_OK && ret != Z_BUF_ERROR)
			return gs_ctx_err(w->ctx, -EBADMSG, "gzip: corrupt data at compressed byte %llu: %s",
					  (unsigned long long)(w->z.total_in),
					  w->z.msg ? w->z.msg : "invalid stream");
		if (produced)
			return 0;
	}
}

int gs_win_fill(struct gs_win *w, size_t want, size_t *avail)
{
	int err;
	for (;;) {
		size_t have = w->end - w->start;
		if (have >= want || w->eof) {
			*avail = have;
			return 0;
		}
		if (want > w->max_window + 64)
			return gs_ctx_err(w->ctx, -E2BIG,
					  "a %zu-byte message exceeds the %llu-byte cap (limits.message_bytes)",
					  want, (unsigned long long)w->max_window);
		/* slide: keep only the unconsumed bytes */
		if (w->start) {
			memmove(w->buf, w->buf + w->start, have);
			w->base += w->start;
			w->start = 0;
			w->end = have;
		}
		size_t need = want > have + WIN_CHUNK / 4 ? want : have + WIN_CHUNK / 4;
		if (w->buf_cap - w->end < WIN_CHUNK / 4 || w->buf_cap < need) {
			err = win_grow(w, need > w->end + WIN_CHUNK / 4 ? need : w->end + WIN_CHUNK / 4);
			if (err)
				return err;
		}
		if (w->gzip) {
			err = win_inflate(w);
			if (err)
				return err;
		} else {
			size_t got;
			err = win_read(w, w->buf + w->end, w->buf_cap - w->end, &got);
			if (err)
				return err;
			if (!got)
				w->eof = true;
			w->end += got;
		}
	}
}
