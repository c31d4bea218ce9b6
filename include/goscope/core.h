/* Core of libgoscope: the error context and caps (struct gs_ctx), the bounded reader over
 * hostile bytes (struct gs_rd), growable buffers (struct gs_buf), arenas, an index hash map,
 * string interning, an output sink and a JSON writer. Nothing here touches the OS beyond
 * malloc; nothing prints or exits. */
#ifndef GOSCOPE_CORE_H
#define GOSCOPE_CORE_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__GNUC__)
#define GS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define GS_UNUSED __attribute__((unused))
#define GS_LIKELY(x) __builtin_expect(!!(x), 1)
#define GS_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define GS_PRINTF(a, b)
#define GS_UNUSED
#define GS_LIKELY(x) (x)
#define GS_UNLIKELY(x) (x)
#endif

#define GS_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------------------------------
 * Caps. Every structure that grows with its input has a named cap here; the defaults are
 * generous for real inputs and small enough that hostile input cannot exhaust the host.
 * A cap hit is reported as -E2BIG with a message naming the cap.
 */
struct gs_limits {
	uint64_t decompressed_bytes; /* gzip output of one input */
	uint64_t input_bytes;        /* one input file or HTTP body */
	uint64_t samples;            /* samples of one profile */
	uint64_t locations;          /* locations (also functions, mappings) of one profile */
	uint64_t strings;            /* string table entries of one profile */
	uint64_t string_bytes;       /* one string */
	uint64_t stack_depth;        /* frames of one stack */
	uint64_t labels;             /* labels of one sample */
	uint64_t values;             /* sample types of one profile */
	uint64_t output_bytes;       /* one report held in memory before it is written */
	uint64_t message_bytes;      /* one protobuf message (a sample, a location) held whole
				      * while a profile is decoded from a stream */
	uint64_t goroutines;         /* goroutines of one snapshot */
};

#define GS_LIMIT_DECOMPRESSED_BYTES (4ULL << 30)
#define GS_LIMIT_INPUT_BYTES (2ULL << 30)
#define GS_LIMIT_SAMPLES (64ULL << 20)
#define GS_LIMIT_LOCATIONS (16ULL << 20)
#define GS_LIMIT_STRINGS (16ULL << 20)
#define GS_LIMIT_STRING_BYTES (1ULL << 20)
#define GS_LIMIT_STACK_DEPTH (1ULL << 16)
#define GS_LIMIT_LABELS 1024ULL
#define GS_LIMIT_VALUES 64ULL
#define GS_LIMIT_OUTPUT_BYTES (4ULL << 30)
#define GS_LIMIT_MESSAGE_BYTES (64ULL << 20)
#define GS_LIMIT_GOROUTINES (16ULL << 20)

/* Progress callback: done and total in the unit of the work (bytes, samples); total 0 when
 * unknown. Return non-zero to ask the work to stop (it then fails with -ECANCELED). */
typedef int (*gs_progress_fn)(void *arg, const char *what, uint64_t done, uint64_t total);

/* The context every fallible library call takes: caps, the last error's human detail, and
 * an optional progress callback. One per thread of work; the library keeps no globals. */
struct gs_ctx {
	struct gs_limits limits;
	gs_progress_fn progress;
	void *progress_arg;
	char errmsg[1024];
};

/* Sets default limits, no progress callback, empty message. */
void gs_ctx_init(struct gs_ctx *ctx);

/* Records a message ("profile.pb.gz: sample 12 has 3 values, expected 2") and returns err
 * (a negative errno) so that callers can write `return gs_ctx_err(ctx, -EBADMSG, ...)`. */
int gs_ctx_err(struct gs_ctx *ctx, int err, const char *fmt, ...) GS_PRINTF(3, 4);

/* Puts "prefix: " in front of the recorded message (used by callers that know the file
 * name, the sample number, ...). Returns err. */
int gs_ctx_prefix(struct gs_ctx *ctx, int err, const char *fmt, ...) GS_PRINTF(3, 4);

/* The last message; if none was recorded, strerror(-err) is what callers should show. */
const char *gs_ctx_errmsg(const struct gs_ctx *ctx);

/* Reports progress if a callback is set; returns -ECANCELED if it asked to stop. */
int gs_ctx_progress(struct gs_ctx *ctx, const char *what, uint64_t done, uint64_t total);

/* ------------------------------------------------------------------------------------------
 * Bounded reader. All parsing of hostile bytes goes through these; each returns 0 or
 * -EBADMSG on overrun and never reads outside [p, p+len).
 */
struct gs_rd {
	const uint8_t *p;
	size_t len;
	size_t off;
};

static inline void gs_rd_init(struct gs_rd *rd, const void *p, size_t len)
{
	rd->p = (const uint8_t *)p;
	rd->len = len;
	rd->off = 0;
}

static inline size_t gs_rd_left(const struct gs_rd *rd)
{
	return rd->len - rd->off;
}

static inline bool gs_rd_eof(const struct gs_rd *rd)
{
	return rd->off >= rd->len;
}

static inline const uint8_t *gs_rd_cur(const struct gs_rd *rd)
{
	return rd->p + rd->off;
}

static inline int gs_rd_skip(struct gs_rd *rd, size_t n)
{
	if (n > gs_rd_left(rd))
		return -EBADMSG;
	rd->off += n;
	return 0;
}

static inline int gs_rd_u8(struct gs_rd *rd, uint8_t *v)
{
	if (gs_rd_left(rd) < 1)
		return -EBADMSG;
	*v = rd->p[rd->off++];
	return 0;
}

static inline int gs_rd_u16le(struct gs_rd *rd, uint16_t *v)
{
	if (gs_rd_left(rd) < 2)
		return -EBADMSG;
	const uint8_t *b = rd->p + rd->off;
	*v = (uint16_t)(b[0] | (b[1] << 8));
	rd->off += 2;
	return 0;
}

static inline int gs_rd_u32le(struct gs_rd *rd, uint32_t *v)
{
	if (gs_rd_left(rd) < 4)
		return -EBADMSG;
	const uint8_t *b = rd->p + rd->off;
	*v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	rd->off += 4;
	return 0;
}

static inline int gs_rd_u64le(struct gs_rd *rd, uint64_t *v)
{
	uint32_t lo, hi;
	if (gs_rd_left(rd) < 8)
		return -EBADMSG;
	gs_rd_u32le(rd, &lo);
	gs_rd_u32le(rd, &hi);
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

/* Base-128 varint of at most 10 bytes; a longer one, or a 10th byte above 1, is -EBADMSG. */
static inline int gs_rd_uvarint(struct gs_rd *rd, uint64_t *v)
{
	const uint8_t *b = rd->p + rd->off;
	size_t left = gs_rd_left(rd);
	if (GS_LIKELY(left > 0 && b[0] < 0x80)) {
		*v = b[0];
		rd->off++;
		return 0;
	}
	uint64_t x = 0;
	for (size_t i = 0; i < 10; i++) {
		if (i >= left)
			return -EBADMSG;
		uint8_t c = b[i];
		if (i == 9 && c > 1)
			return -EBADMSG;
		x |= (uint64_t)(c & 0x7f) << (7 * i);
		if (c < 0x80) {
			rd->off += i + 1;
			*v = x;
			return 0;
		}
	}
	return -EBADMSG;
}

/* n bytes in place (zero-copy): *out points into the reader's buffer. */
static inline int gs_rd_bytes(struct gs_rd *rd, size_t n, const uint8_t **out)
{
	if (n > gs_rd_left(rd))
		return -EBADMSG;
	*out = rd->p + rd->off;
	rd->off += n;
	return 0;
}

/* A sub-reader over the next n bytes, which are consumed from rd. */
static inline int gs_rd_sub(struct gs_rd *rd, size_t n, struct gs_rd *sub)
{
	const uint8_t *b;
	int err = gs_rd_bytes(rd, n, &b);
	if (err)
		return err;
	gs_rd_init(sub, b, n);
	return 0;
}

/* Overflow-checked arithmetic for offsets and sizes. */
static inline bool gs_add_overflows(size_t a, size_t b, size_t *sum)
{
	return __builtin_add_overflow(a, b, sum);
}

static inline bool gs_mul_overflows(size_t a, size_t b, size_t *prod)
{
	return __builtin_mul_overflow(a, b, prod);
}

/* ------------------------------------------------------------------------------------------
 * Growable byte buffer, always NUL-terminated (git's strbuf). max (0 = no cap) bounds its
 * length; growing past it fails with -E2BIG.
 */
struct gs_buf {
	char *data;
	size_t len;
	size_t alloc;
	size_t max;
};

#define GS_BUF_INIT {NULL, 0, 0, 0}

void gs_buf_init(struct gs_buf *b, size_t max);
void gs_buf_release(struct gs_buf *b);
/* Length to 0, memory kept. */
void gs_buf_reset(struct gs_buf *b);
/* Room for n more bytes. */
int gs_buf_grow(struct gs_buf *b, size_t n);
int gs_buf_add(struct gs_buf *b, const void *p, size_t n);
int gs_buf_addstr(struct gs_buf *b, const char *s);
int gs_buf_addch(struct gs_buf *b, char c);
int gs_buf_addf(struct gs_buf *b, const char *fmt, ...) GS_PRINTF(2, 3);
int gs_buf_vaddf(struct gs_buf *b, const char *fmt, va_list ap) GS_PRINTF(2, 0);
/* Appends n copies of c. */
int gs_buf_pad(struct gs_buf *b, char c, size_t n);
/* Hands the data to the caller (free() it); b is left empty. Never NULL. */
char *gs_buf_detach(struct gs_buf *b, size_t *len);
/* Appends the n bytes at p as lowercase hex, two digits a byte (gs_hex). */
int gs_buf_addhex(struct gs_buf *b, const void *p, size_t n);
/* Writes the n bytes at p as lowercase hex into dst (size > 0): as many whole bytes as fit
 * before the terminating NUL. Returns the length written. */
size_t gs_hex(char *dst, size_t size, const void *p, size_t n);

/* ------------------------------------------------------------------------------------------
 * Growable array of fixed-size items (used for profile tables). cap bounds the count.
 */
struct gs_vec {
	void *data;
	size_t len;
	size_t alloc;
	size_t item;
};

void gs_vec_init(struct gs_vec *v, size_t item_size);
void gs_vec_release(struct gs_vec *v);
/* Room for n more items; -E2BIG if len + n > cap (cap 0 = none), -ENOMEM. */
int gs_vec_reserve(struct gs_vec *v, size_t n, size_t cap);
/* Appends one zeroed item and returns it through out; the pointer is valid until the next
 * growth. */
int gs_vec_push(struct gs_vec *v, size_t cap, void **out);
static inline void *gs_vec_at(const struct gs_vec *v, size_t i)
{
	return (char *)v->data + i * v->item;
}

/* Grows a plain array kept as a pointer and a capacity: *(void **)arr holds *cap items of
 * size item; makes room for need items (the capacity doubles, from 16). 0, or -ENOMEM when
 * memory or the size in bytes runs out; on failure the array and *cap are unchanged. The
 * check that need already fits is inline; gs_grow_array_realloc (buf.c) does the growth. */
int gs_grow_array_realloc(void *arr, size_t *cap, size_t need, size_t item);
static inline int gs_grow_array(void *arr, size_t *cap, size_t need, size_t item)
{
	return need <= *cap ? 0 : gs_grow_array_realloc(arr, cap, need, item);
}

/* ------------------------------------------------------------------------------------------
 * Arena: many small allocations freed together. With GS_ARENA_MALLOC (the asan preset) each
 * allocation is a separate malloc so that ASan sees overflows.
 */
struct gs_arena_block;
struct gs_arena {
	struct gs_arena_block *head;
	size_t used;    /* bytes used in head */
	size_t total;   /* bytes handed out, all blocks */
};

void gs_arena_init(struct gs_arena *a);
void gs_arena_release(struct gs_arena *a);
/* Aligned to 8; NULL on ENOMEM. */
void *gs_arena_alloc(struct gs_arena *a, size_t n);
/* Copy of p[0..n) with a NUL after it. */
char *gs_arena_strndup(struct gs_arena *a, const char *p, size_t n);

/* ------------------------------------------------------------------------------------------
 * Hashing and an open-addressing map from a 64-bit hash to a uint32_t index into a table the
 * caller owns. The caller resolves collisions with its own equality test, so one map type
 * serves strings, stacks, label sets and locations.
 */
uint64_t gs_hash_bytes(const void *p, size_t n, uint64_t seed);
static inline uint64_t gs_hash_u64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

struct gs_idxmap {
	uint64_t *hashes;  /* 0 = empty slot (hashes are forced non-zero) */
	uint32_t *indexes;
	size_t cap;        /* power of two */
	size_t count;
};

void gs_idxmap_init(struct gs_idxmap *m);
void gs_idxmap_release(struct gs_idxmap *m);
/* Equality test: does table entry idx equal the key the caller is looking for? */
typedef bool (*gs_idxmap_eq_fn)(const void *arg, uint32_t idx);
/* Looks the key up; if absent, records new_idx for it. *out gets the existing or new index;
 * *inserted says which. 0 or -ENOMEM. */
int gs_idxmap_intern(struct gs_idxmap *m, uint64_t hash, gs_idxmap_eq_fn eq, const void *arg,
		     uint32_t new_idx, uint32_t *out, bool *inserted);
/* Lookup only: 0 and *out set, or -ENOENT. */
int gs_idxmap_find(const struct gs_idxmap *m, uint64_t hash, gs_idxmap_eq_fn eq, const void *arg,
		   uint32_t *out);

/* ------------------------------------------------------------------------------------------
 * String table with interning: index 0 is always "". Strings are copied into an arena and
 * stay valid until gs_strtab_release.
 */
struct gs_str {
	const char *p; /* NUL-terminated */
	uint32_t len;
};

struct gs_strtab {
	struct gs_str *items;
	size_t len;
	size_t alloc;
	struct gs_arena arena;
	struct gs_idxmap map;
};

int gs_strtab_init(struct gs_strtab *t);
void gs_strtab_release(struct gs_strtab *t);
/* Index of s[0..n), added if new. -E2BIG past max_strings (0 = none). */
int gs_strtab_intern(struct gs_strtab *t, const char *s, size_t n, size_t max_strings, uint32_t *idx);
/* Appends without deduplication (a profile's string table keeps its own indices). */
int gs_strtab_append(struct gs_strtab *t, const char *s, size_t n, size_t max_strings, uint32_t *idx);
static inline const char *gs_strtab_get(const struct gs_strtab *t, uint32_t idx)
{
	return idx < t->len ? t->items[idx].p : "";
}

/* ------------------------------------------------------------------------------------------
 * Output sink: where renderers write. The library formats into out->buf and hands full
 * chunks to the write callback (the CLI's stdout or temp file, the web server's response).
 * Without a callback everything stays in buf (tests, the web UI).
 */
typedef int (*gs_write_fn)(void *arg, const void *p, size_t n);
struct gs_out {
	struct gs_buf buf;
	gs_write_fn write;
	void *arg;
	int err; /* first error of write; later writes are dropped */
};

void gs_out_init(struct gs_out *o, gs_write_fn write, void *arg);
/* Flushes and frees. Returns the first write error, or 0. */
int gs_out_release(struct gs_out *o);
int gs_out_flush(struct gs_out *o);
int gs_out_add(struct gs_out *o, const void *p, size_t n);
int gs_out_str(struct gs_out *o, const char *s);
int gs_out_printf(struct gs_out *o, const char *fmt, ...) GS_PRINTF(2, 3);

/* ------------------------------------------------------------------------------------------
 * JSON writer over a gs_out: commas and nesting are tracked; strings are escaped (invalid
 * UTF-8 becomes U+FFFD); doubles are written with the shortest text that reads back equal.
 */
#define GS_JSON_MAX_DEPTH 64
struct gs_json {
	struct gs_out *out;
	int depth;
	bool pretty;
	bool need_comma[GS_JSON_MAX_DEPTH];
	bool after_key;
};

void gs_json_init(struct gs_json *j, struct gs_out *out, bool pretty);
void gs_json_obj_begin(struct gs_json *j);
void gs_json_obj_end(struct gs_json *j);
void gs_json_arr_begin(struct gs_json *j);
void gs_json_arr_end(struct gs_json *j);
void gs_json_key(struct gs_json *j, const char *key);
void gs_json_str(struct gs_json *j, const char *s);
void gs_json_strn(struct gs_json *j, const char *s, size_t n);
void gs_json_i64(struct gs_json *j, int64_t v);
void gs_json_u64(struct gs_json *j, uint64_t v);
void gs_json_f64(struct gs_json *j, double v);
void gs_json_bool(struct gs_json *j, bool v);
void gs_json_null(struct gs_json *j);
/* key + value in one call */
void gs_json_kstr(struct gs_json *j, const char *key, const char *s);
void gs_json_ki64(struct gs_json *j, const char *key, int64_t v);
void gs_json_ku64(struct gs_json *j, const char *key, uint64_t v);
void gs_json_kf64(struct gs_json *j, const char *key, double v);
void gs_json_kbool(struct gs_json *j, const char *key, bool v);
/* Ends the document with a newline (when pretty or not). */
void gs_json_end(struct gs_json *j);

/* ------------------------------------------------------------------------------------------
 * Small parsers shared by the CLI and the library: Go-style durations ("1.5s", "10ms",
 * "2m30s") and byte sizes ("64MiB", "1GB").
 */
int gs_parse_duration_ns(const char *s, int64_t *ns);
int gs_parse_bytes(const char *s, uint64_t *bytes);
/* Strict decimal integer / double: the whole string must parse. 0 or -EINVAL. */
int gs_parse_i64(const char *s, int64_t *v);
int gs_parse_f64(const char *s, double *v);

/* ------------------------------------------------------------------------------------------
 * JSON reader (lib/core/jsonread.c): a whole document parsed into values allocated from an
 * arena. Strict RFC 8259; nesting depth (256), string length (limits.string_bytes) and the
 * number of values are bounded; errors are -EBADMSG/-E2BIG with the byte offset in the
 * context. Strings are NUL-terminated UTF-8 (escapes decoded).
 */
enum gs_jv_kind { GS_JV_NULL, GS_JV_BOOL, GS_JV_NUM, GS_JV_STR, GS_JV_ARR, GS_JV_OBJ };

struct gs_jv {
	enum gs_jv_kind kind;
	bool is_int;     /* GS_JV_NUM: u.i holds the exact integer, else u.d */
	uint32_t len;    /* string bytes, array items, object members */
	const char *key; /* member name when this value is in an object, else NULL */
	uint32_t key_len;
	union {
		bool b;
		int64_t i;
		double d;
		const char *str;
		struct gs_jv *items; /* array items or object members, in document order */
	} u;
};

struct gs_jdoc {
	struct gs_arena arena;
	struct gs_jv root;
};

/* Parses data[0..len) into doc (release it with gs_jdoc_release, also after an error). */
int gs_jdoc_parse(struct gs_jdoc *doc, const void *data, size_t len, struct gs_ctx *ctx);
void gs_jdoc_release(struct gs_jdoc *doc);
/* The member called key of an object (the first one), or NULL (also when obj is no object). */
const struct gs_jv *gs_jv_get(const struct gs_jv *obj, const char *key);
/* Number as an exact int64 (false for non-numbers and non-integral or out-of-range values). */
bool gs_jv_i64(const struct gs_jv *v, int64_t *out);
bool gs_jv_f64(const struct gs_jv *v, double *out);
/* The string, or NULL if v is not a string. */
const char *gs_jv_str(const struct gs_jv *v);

/* Go's int64 division: truncating, d != 0; INT64_MIN / -1 wraps to INT64_MIN instead of
 * trapping (C leaves it undefined and x86 raises SIGFPE). */
static inline int64_t gs_i64_div(int64_t v, int64_t d)
{
	if (d == -1)
		return (int64_t)(0 - (uint64_t)v);
	return v / d;
}

/* Go's int64 addition: wraps on overflow (C leaves signed overflow undefined). */
static inline int64_t gs_i64_add_wrap(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a + (uint64_t)b);
}

#include "goscope/banned.h"

#endif
