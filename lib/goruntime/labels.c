/* pprof labels of a goroutine read from g.labels: Go 1.24+ keeps a sorted slice of
 * {key, value string} pairs behind the pointer, Go <= 1.23 a map[string]string (classic
 * hmap buckets). Libraries store other things in g.labels, so everything is checked and
 * garbage is skipped; every walk is bounded (labels, string bytes, buckets). It does not decide
 * which representation a binary uses (the layout says). */
#include "goruntime/labels.h"

/* hmap tophash values below this mark empty or evacuated slots (runtime/map.go minTopHash). */
#define MIN_TOPHASH 5
/* Bucket-count exponent past which a "map" is taken as garbage (2^12 buckets hold far more
 * than the label cap). */
#define MAX_HMAP_B 12
/* Overflow buckets followed per bucket chain. */
#define MAX_OVERFLOW_CHAIN 64
/* Buckets read per map, old buckets and overflow chains included: garbage with a plausible
 * bucket exponent must not cost 2^12 * 64 reads (a map of 1000 labels has 256 buckets). */
#define MAX_BUCKET_READS 4096
/* Bytes of label keys and values read per goroutine: garbage string headers each under the
 * per-string limit must not add up to gigabytes. */
#define MAX_LABEL_BYTES (1u << 20)

static uint64_t le64(const uint8_t *p)
{
	uint64_t x = 0;
	for (int i = 7; i >= 0; i--)
		x = x << 8 | p[i];
	return x;
}

/* Reads the bytes of a Go string {ptr, len} into b (NUL-terminated): 0, or an error for
 * garbage (too long, nil with a length, unreadable). */
static int read_string(const struct gs_label_reader *lr, uint64_t ptr, uint64_t len,
		       struct gs_buf *b)
{
	gs_buf_reset(b);
	if (len > lr->max_string)
		return -E2BIG;
	if (len == 0)
		return 0;
	if (ptr == 0)
		return -EBADMSG;
	int err = gs_buf_grow(b, (size_t)len);
	if (err)
		return err;
	err = lr->read(lr->arg, ptr, b->data, (size_t)len);
	if (err)
		return err;
	b->len = (size_t)len;
	b->data[b->len] = 0;
	return 0;
}

/* What one goroutine's label walk has used up against its caps. */
struct budget {
	size_t count;   /* labels added, up to GS_GORUNTIME_MAX_LABELS */
	uint64_t bytes; /* string bytes read, up to MAX_LABEL_BYTES */
	unsigned buckets; /* map buckets read, up to MAX_BUCKET_READS */
};

/* One {key, value} pair of string headers at p: adds it through the callback. -E2BIG when a
 * cap ends the walk. */
static int add_pair(const struct gs_label_reader *lr, const uint8_t *key_hdr,
		    const uint8_t *value_hdr, struct gs_buf *kb, struct gs_buf *vb, struct budget *bu)
{
	if (bu->count >= GS_GORUNTIME_MAX_LABELS)
		return -E2BIG;
	uint64_t klen = le64(key_hdr + 8), vlen = le64(value_hdr + 8);
	if (klen > lr->max_string || vlen > lr->max_string)
		return 0; /* garbage: skip */
	if (klen + vlen > MAX_LABEL_BYTES - bu->bytes)
		return -E2BIG;
	bu->bytes += klen + vlen;
	if (read_string(lr, le64(key_hdr), klen, kb) || read_string(lr, le64(value_hdr), vlen, vb))
		return 0; /* garbage: skip */
	bu->count++;
	return lr->add(lr->add_arg, kb->data ? kb->data : "", kb->len, vb->data ? vb->data : "",
		       vb->len);
}

/* Whether the slice layout is usable: offsets known, strings inside an entry. */
static bool slice_layout_ok(const struct gs_label_reader *lr)
{
	return lr->repr == GS_LABELS_SLICE && lr->list_off != GS_LAYOUT_UNKNOWN &&
	       lr->label_size >= 32 && lr->label_size <= 64 && lr->key_off != GS_LAYOUT_UNKNOWN &&
	       lr->value_off != GS_LAYOUT_UNKNOWN && (uint64_t)lr->key_off + 16 <= lr->label_size &&
	       (uint64_t)lr->value_off + 16 <= lr->label_size;
}

/* The entries of a slice header: their address and count (at most the label cap), or a
 * count of 0 for garbage. */
static uint64_t slice_entries(const uint8_t *hdr, uint64_t *data)
{
	uint64_t len = le64(hdr + 8), cap = le64(hdr + 16);
	*data = le64(hdr);
	if (len > cap || *data == 0)
		return 0;
	return len > GS_GORUNTIME_MAX_LABELS ? GS_GORUNTIME_MAX_LABELS : len;
}

size_t gs_labels_header_range(const struct gs_label_reader *lr, uint64_t labels, uint64_t *addr)
{
	if (!labels || !slice_layout_ok(lr))
		return 0;
	*addr = labels + lr->list_off;
	return 24;
}

size_t gs_labels_entries_range(const struct gs_label_reader *lr, const uint8_t *hdr,
			       uint64_t *addr)
{
	return (size_t)slice_entries(hdr, addr) * lr->label_size;
}

/* A string header's range as read_string reads it, or 0 when it reads nothing. */
static size_t string_range(const struct gs_label_reader *lr, const uint8_t *hdr, uint64_t *addr)
{
	uint64_t len = le64(hdr + 8);
	*addr = le64(hdr);
	return len > lr->max_string || *addr == 0 ? 0 : (size_t)len;
}

size_t gs_labels_string_ranges(const struct gs_label_reader *lr, const uint8_t *entries,
			       size_t size, uint64_t *addrs, size_t *lens, size_t max)
{
	size_t n = 0;
	for (size_t off = 0; off + lr->label_size <= size && n + 2 <= max; off += lr->label_size) {
		lens[n] = string_range(lr, entries + off + lr->key_off, &addrs[n]);
		n += lens[n] > 0;
		lens[n] = string_range(lr, entries + off + lr->value_off, &addrs[n]);
		n += lens[n] > 0;
	}
	return n;
}

static int read_slice(struct gs_label_reader *lr, uint64_t labels, struct gs_buf *kb,
		      struct gs_buf *vb)
{
	uint8_t hdr[24];
	uint64_t data;
	if (!slice_layout_ok(lr) || lr->read(lr->arg, labels + lr->list_off, hdr, sizeof(hdr)))
		return 0;
	uint64_t len = slice_entries(hdr, &data);
	struct budget bu = {0};
	if (len == 0)
		return 0;
	/* every entry in one read; if some cannot be read, entry by entry up to the first */
	size_t size = (size_t)len * lr->label_size;
	struct gs_buf *eb = &lr->entries;
	gs_buf_reset(eb);
	int err = gs_buf_grow(eb, size);
	if (err)
		return err;
	bool whole = lr->read(lr->arg, data, eb->data, size) == 0;
	for (uint64_t i = 0; i < len; i++) {
		uint8_t *ent = (uint8_t *)eb->data + i * lr->label_size;
		if (!whole && lr->read(lr->arg, data + i * lr->label_size, ent, lr->label_size))
			return 0;
		err = add_pair(lr, ent + lr->key_off, ent + lr->value_off, kb, vb, &bu);
		if (err)
			return err == -E2BIG ? 0 : err;
	}
	return 0;
}

/* The live entries of one bucket chain. */
static int read_bucket_chain(const struct gs_label_reader *lr, uint64_t bucket, uint8_t *buf,
			     struct gs_buf *kb, struct gs_buf *vb, struct budget *bu)
{
	for (int chain = 0; bucket && chain < MAX_OVERFLOW_CHAIN; chain++) {
		if (bu->buckets >= MAX_BUCKET_READS)
			return -E2BIG;
		bu->buckets++;
		if (lr->read(lr->arg, bucket, buf, lr->bucket_size))
			return 0;
		for (int i = 0; i < 8; i++) {
			if (buf[lr->tophash_off + (size_t)i] < MIN_TOPHASH)
				continue;
			int err = add_pair(lr, buf + lr->keys_off + 16 * (size_t)i,
					   buf + lr->elems_off + 16 * (size_t)i, kb, vb, bu);
			if (err)
				return err;
		}
		bucket = le64(buf + lr->overflow_off);
	}
	return 0;
}

static int read_map(const struct gs_label_reader *lr, uint64_t labels, struct gs_buf *kb,
		    struct gs_buf *vb)
{
	if (lr->hmap_b_off == GS_LAYOUT_UNKNOWN || lr->buckets_off == GS_LAYOUT_UNKNOWN ||
	    lr->bucket_size == 0 || lr->bucket_size > 1024 ||
	    (uint64_t)lr->keys_off + 8 * 16 > lr->bucket_size ||
	    (uint64_t)lr->elems_off + 8 * 16 > lr->bucket_size ||
	    (uint64_t)lr->overflow_off + 8 > lr->bucket_size ||
	    (uint64_t)lr->tophash_off + 8 > lr->bucket_size)
		return 0;
	uint8_t word[8];
	if (lr->read(lr->arg, labels, word, 8))
		return 0;
	uint64_t hmap = le64(word);
	if (!hmap)
		return 0;
	uint8_t b;
	uint8_t ptrs[8];
	if (lr->read(lr->arg, hmap + lr->hmap_b_off, &b, 1) || b > MAX_HMAP_B ||
	    lr->read(lr->arg, hmap + lr->buckets_off, ptrs, 8))
		return 0;
	uint64_t buckets = le64(ptrs);
	uint64_t old = 0;
	if (lr->oldbuckets_off != GS_LAYOUT_UNKNOWN && !lr->read(lr->arg, hmap + lr->oldbuckets_off, ptrs, 8))
		old = le64(ptrs);
	uint8_t *buf = malloc(lr->bucket_size);
	if (!buf)
		return -ENOMEM;
	struct budget bu = {0};
	int err = 0;
	uint64_t nb = (uint64_t)1 << b;
	for (uint64_t i = 0; !err && buckets && i < nb; i++)
		err = read_bucket_chain(lr, buckets + i * lr->bucket_size, buf, kb, vb, &bu);
	/* while a map grows, entries not yet evacuated are still in the old buckets (their
	 * evacuated slots carry tophash 2..4 and are skipped) */
	for (uint64_t i = 0; !err && old && b > 0 && i < nb / 2; i++)
		err = read_bucket_chain(lr, old + i * lr->bucket_size, buf, kb, vb, &bu);
	free(buf);
	return err == -E2BIG ? 0 : err;
}

int gs_labels_read(struct gs_label_reader *lr, uint64_t labels)
{
	if (!labels)
		return 0;
	if (lr->repr == GS_LABELS_SLICE)
		return read_slice(lr, labels, &lr->key, &lr->value);
	if (lr->repr == GS_LABELS_MAP)
		return read_map(lr, labels, &lr->key, &lr->value);
	return 0;
}

void gs_label_reader_release(struct gs_label_reader *lr)
{
	gs_buf_release(&lr->key);
	gs_buf_release(&lr->value);
	gs_buf_release(&lr->entries);
}

void gs_label_reader_init(struct gs_label_reader *lr, const struct gs_layout *l)
{
	lr->repr = gs_layout_labels(l);
	lr->list_off = gs_layout_off(l, GS_LF_LABELS_LIST);
	lr->label_size = gs_layout_size(l, GS_LF_LABEL_SIZE);
	lr->key_off = gs_layout_off(l, GS_LF_LABEL_KEY);
	lr->value_off = gs_layout_off(l, GS_LF_LABEL_VALUE);
	lr->hmap_b_off = gs_layout_off(l, GS_LF_HMAP_B);
	lr->buckets_off = gs_layout_off(l, GS_LF_HMAP_BUCKETS);
	lr->oldbuckets_off = gs_layout_off(l, GS_LF_HMAP_OLDBUCKETS);
	lr->bucket_size = gs_layout_size(l, GS_LF_BUCKET_SIZE);
	lr->tophash_off = gs_layout_off(l, GS_LF_BUCKET_TOPHASH);
	lr->keys_off = gs_layout_off(l, GS_LF_BUCKET_KEYS);
	lr->elems_off = gs_layout_off(l, GS_LF_BUCKET_ELEMS);
	lr->overflow_off = gs_layout_off(l, GS_LF_BUCKET_OVERFLOW);
	gs_buf_init(&lr->key, 0);
	gs_buf_init(&lr->value, 0);
	gs_buf_init(&lr->entries, 0);
}
