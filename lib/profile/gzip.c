/* The input window of the profile decoders: a buffer or a read callback, gzip-compressed
 * (one or more members, inflated incrementally with zlib, on a second thread for a large
 * buffer) or not, seen as a sliding window of bytes. Decompressed size is capped
 * (limits.decompressed_bytes) so that a gzip bomb fails early; the window only grows to the
 * largest request (limits.message_bytes). It does not interpret the bytes. */
#include <pthread.h>

#include "internal.h"

/* Free room aimed for before each read or inflate call: large enough that per-call overhead
 * is negligible, small enough to stay in cache. */
#define WIN_CHUNK (256u * 1024u)
#define IN_CHUNK (64u * 1024u)

/* A gzip buffer at least this large is inflated on a second thread (the decoder of a large
 * profile spends about a quarter of its instructions in zlib), through a ring of chunks. */
#define TH_MIN_INPUT (1u << 20)
#define TH_CHUNK (256u * 1024u)
#define TH_RING 8

/* The inflating thread and the chunks it hands to the window. The producer owns the zlib
 * state and the source; the consumer (gs_win_fill) owns the window. Chunks
 * [head, head + count) of the ring are ready; the others are the producer's. */
struct win_thread {
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* broadcast on every change */
	uint8_t *chunk[TH_RING];
	size_t len[TH_RING];
	size_t head, count;
	size_t off;  /* bytes of the head chunk already copied into the window */
	bool done;   /* the producer has ended; err says how */
	bool stop;   /* the window is being released */
	int err;
	struct gs_ctx ctx; /* the producer's own: same limits, its error message */
};

static void th_start(struct gs_win *w);
static void th_stop(struct gs_win *w);

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
	if (len >= 2 && b[0] == 0x1f && b[1] == 0x8b) {
		int err = win_zinit(w);
		if (!err && len >= TH_MIN_INPUT)
			th_start(w);
		return err;
	}
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
	if (w->th)
		th_stop(w);
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

/* Inflates into dst (room bytes) until something was produced or the input ended (*ended).
 * Errors are recorded on ctx: the window's, or the inflating thread's own. */
static int z_inflate(struct gs_win *w, struct gs_ctx *ctx, uint8_t *dst, size_t room,
		     size_t *produced, bool *ended)
{
	uint64_t cap = ctx->limits.decompressed_bytes;
	bool none;
	int err;
	*produced = 0;
	*ended = false;
	if (cap && w->out_bytes + room > cap + 1)
		room = (size_t)(cap + 1 - w->out_bytes);
	for (;;) {
		if (w->z.avail_in == 0) {
			err = win_feed(w, &none);
			if (err)
				return err;
			if (none) {
				if (w->z_member_done) {
					*ended = true;
					return 0;
				}
				return gs_ctx_err(ctx, -EBADMSG,
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
		w->z.next_out = dst;
		w->z.avail_out = (uInt)(room > (1u << 30) ? (1u << 30) : room);
		uInt before = w->z.avail_out;
		int ret = inflate(&w->z, Z_NO_FLUSH);
		*produced = before - w->z.avail_out;
		w->out_bytes += *produced;
		if (cap && w->out_bytes > cap)
			return gs_ctx_err(ctx, -E2BIG,
					  "gzip: decompressed data exceeds the %llu-byte cap "
					  "(limits.decompressed_bytes); a gzip bomb or an oversized profile",
					  (unsigned long long)cap);
		if (ret == Z_STREAM_END)
			w->z_member_done = true;
		else if (ret == Z_MEM_ERROR)
			return gs_ctx_err(ctx, -ENOMEM, "gzip: out of memory");
		else if (ret != Z_OK && ret != Z_BUF_ERROR)
			return gs_ctx_err(ctx, -EBADMSG, "gzip: corrupt data at compressed byte %llu: %s",
					  (unsigned long long)(w->z.total_in),
					  w->z.msg ? w->z.msg : "invalid stream");
		if (*produced)
			return 0;
	}
}

/* Inflates into the free room at the end of the window. */
static int win_inflate(struct gs_win *w)
{
	size_t produced;
	bool ended;
	int err = z_inflate(w, w->ctx, w->buf + w->end, w->buf_cap - w->end, &produced, &ended);
	w->end += produced;
	if (ended)
		w->eof = true;
	return err;
}

/* The inflating thread: fills free chunks in stream order. The output of an inflate call that
 * fails is not handed on, so the window sees what it would have seen inflating itself. */
static void *th_main(void *arg)
{
	struct gs_win *w = arg;
	struct win_thread *th = w->th;
	bool ended = false;
	int err = 0;
	while (!err && !ended) {
		pthread_mutex_lock(&th->mu);
		while (th->count == TH_RING && !th->stop)
			pthread_cond_wait(&th->cv, &th->mu);
		bool stop = th->stop;
		size_t slot = (th->head + th->count) % TH_RING;
		pthread_mutex_unlock(&th->mu);
		if (stop)
			break;
		size_t n = 0, produced;
		while (n < TH_CHUNK && !err && !ended) {
			err = z_inflate(w, &th->ctx, th->chunk[slot] + n, TH_CHUNK - n, &produced, &ended);
			if (!err)
				n += produced;
		}
		pthread_mutex_lock(&th->mu);
		if (n) {
			th->len[slot] = n;
			th->count++;
		}
		pthread_cond_broadcast(&th->cv);
		pthread_mutex_unlock(&th->mu);
	}
	pthread_mutex_lock(&th->mu);
	th->err = err;
	th->done = true;
	pthread_cond_broadcast(&th->cv);
	pthread_mutex_unlock(&th->mu);
	return NULL;
}

static void th_free(struct win_thread *th)
{
	for (size_t i = 0; i < TH_RING; i++)
		free(th->chunk[i]);
	free(th);
}

/* Starts the inflating thread; without it (no memory, no thread) the window inflates itself. */
static void th_start(struct gs_win *w)
{
	struct win_thread *th = calloc(1, sizeof(*th));
	if (!th)
		return;
	for (size_t i = 0; i < TH_RING; i++) {
		th->chunk[i] = malloc(TH_CHUNK);
		if (!th->chunk[i]) {
			th_free(th);
			return;
		}
	}
	gs_ctx_init(&th->ctx);
	th->ctx.limits = w->ctx->limits;
	if (pthread_mutex_init(&th->mu, NULL)) {
		th_free(th);
		return;
	}
	if (pthread_cond_init(&th->cv, NULL)) {
		pthread_mutex_destroy(&th->mu);
		th_free(th);
		return;
	}
	w->th = th;
	if (pthread_create(&th->tid, NULL, th_main, w)) {
		w->th = NULL;
		pthread_cond_destroy(&th->cv);
		pthread_mutex_destroy(&th->mu);
		th_free(th);
	}
}

static void th_stop(struct gs_win *w)
{
	struct win_thread *th = w->th;
	pthread_mutex_lock(&th->mu);
	th->stop = true;
	pthread_cond_broadcast(&th->cv);
	pthread_mutex_unlock(&th->mu);
	pthread_join(th->tid, NULL);
	pthread_cond_destroy(&th->cv);
	pthread_mutex_destroy(&th->mu);
	th_free(th);
	w->th = NULL;
}

/* Copies the next inflated bytes into the free room of the window, waiting for the thread. */
static int th_take(struct gs_win *w)
{
	struct win_thread *th = w->th;
	pthread_mutex_lock(&th->mu);
	while (!th->count && !th->done)
		pthread_cond_wait(&th->cv, &th->mu);
	if (!th->count) {
		int err = th->err;
		pthread_mutex_unlock(&th->mu);
		if (err)
			return gs_ctx_err(w->ctx, err, "%s", th->ctx.errmsg);
		w->eof = true;
		return 0;
	}
	size_t slot = th->head;
	pthread_mutex_unlock(&th->mu);
	/* the head chunk is the window's until it is handed back */
	size_t n = th->len[slot] - th->off;
	if (n > w->buf_cap - w->end)
		n = w->buf_cap - w->end;
	memcpy(w->buf + w->end, th->chunk[slot] + th->off, n);
	w->end += n;
	th->off += n;
	if (th->off == th->len[slot]) {
		pthread_mutex_lock(&th->mu);
		th->off = 0;
		th->head = (th->head + 1) % TH_RING;
		th->count--;
		pthread_cond_broadcast(&th->cv);
		pthread_mutex_unlock(&th->mu);
	}
	return 0;
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
			err = w->th ? th_take(w) : win_inflate(w);
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
