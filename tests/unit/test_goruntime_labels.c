/* Unit tests for lib/goruntime/labels.c over synthetic target memory: the 1.24+ slice and the
 * <= 1.23 map read right, and hostile memory (what a goroutine's labels look like when they
 * change under the read, or when g.labels holds something else) ends every walk at its cap:
 * a slice claiming a billion labels, strings that add up to gigabytes, an overflow chain that
 * loops, a map whose every bucket loops. The live check is tests/cli/t0704 (labels) and
 * tests/cli/t0730 (labels changing all the time). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "goruntime/labels.h"

#define LABELS 0x1000ULL    /* what g.labels points to */
#define DATA 0x100000ULL    /* slice entries, or the map's buckets */
#define STRINGS 0x800000ULL /* string bytes: "k0v0k1v1..." */
#define STRINGS_LEN (2u << 20)
#define HMAP 0x2000ULL

/* The synthetic target. */
struct target {
	enum { SLICE, MAP_LOOP, MAP_TWO } mode;
	uint64_t slice_len, slice_cap, str_len;
	uint8_t map_b;
	unsigned reads, bucket_reads;
	char keys[16][8];
	size_t nadded;
	uint64_t bytes_added;
};

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* layout of a 1.24+ label: {key, value string}; of a <= 1.23 bucket of map[string]string */
static void init_reader(struct gs_label_reader *lr, struct target *t, enum gs_labels_repr repr)
{
	memset(lr, 0, sizeof(*lr));
	gs_buf_init(&lr->key, 0);
	gs_buf_init(&lr->value, 0);
	gs_buf_init(&lr->entries, 0);
	lr->repr = repr;
	lr->list_off = 0;
	lr->label_size = 32;
	lr->key_off = 0;
	lr->value_off = 16;
	lr->hmap_b_off = 9;
	lr->buckets_off = 16;
	lr->oldbuckets_off = 24;
	lr->bucket_size = 272;
	lr->tophash_off = 0;
	lr->keys_off = 8;
	lr->elems_off = 136;
	lr->overflow_off = 264;
	lr->max_string = 1u << 20;
	lr->arg = t;
	lr->add_arg = t;
}

static int mem_read(void *arg, uint64_t addr, void *buf, size_t len)
{
	struct target *t = arg;
	uint8_t *b = buf;
	t->reads++;
	memset(buf, 0, len);
	if (addr >= STRINGS && addr - STRINGS <= STRINGS_LEN && len <= STRINGS_LEN - (addr - STRINGS)) {
		for (size_t i = 0; i < len; i++)
			b[i] = (uint8_t)('a' + (addr - STRINGS + i) % 26);
		return 0;
	}
	if (t->mode == SLICE) {
		if (addr == LABELS && len == 24) {
			put64(b, DATA);
			put64(b + 8, t->slice_len);
			put64(b + 16, t->slice_cap);
			return 0;
		}
		if (addr >= DATA && len % 32 == 0) {
			/* every entry: key and value strings of str_len bytes */
			for (size_t e = 0; e < len; e += 32) {
				put64(b + e, STRINGS);
				put64(b + e + 8, t->str_len);
				put64(b + e + 16, STRINGS);
				put64(b + e + 24, t->str_len);
			}
			return 0;
		}
		return -EFAULT;
	}
	if (addr == LABELS && len == 8) {
		put64(b, HMAP);
		return 0;
	}
	if (addr == HMAP + 9 && len == 1) {
		b[0] = t->map_b;
		return 0;
	}
	if (addr == HMAP + 16 && len == 8) {
		put64(b, DATA);
		return 0;
	}
	if (addr == HMAP + 24 && len == 8) {
		put64(b, t->mode == MAP_LOOP ? DATA : 0); /* "growing": old buckets too */
		return 0;
	}
	if (addr >= DATA && len == 272) {
		t->bucket_reads++;
		if (t->mode == MAP_LOOP) {
			put64(b + 264, addr); /* overflow: itself */
			return 0;
		}
		if (addr == DATA) {
			/* two live slots: {"abc": "de"}, {"fgh": "ij"}; slot 2 evacuated */
			b[0] = 5, b[1] = 200, b[2] = 3;
			put64(b + 8, STRINGS), put64(b + 16, 3);
			put64(b + 136, STRINGS + 3), put64(b + 144, 2);
			put64(b + 24, STRINGS + 5), put64(b + 32, 3);
			put64(b + 152, STRINGS + 8), put64(b + 160, 2);
			put64(b + 40, STRINGS), put64(b + 48, 1);
			put64(b + 168, STRINGS), put64(b + 176, 1);
		}
		return 0;
	}
	return -EFAULT;
}

static int add(void *arg, const char *key, size_t key_len, const char *value, size_t value_len)
{
	struct target *t = arg;
	assert_int_equal(strlen(key), key_len);
	assert_int_equal(strlen(value), value_len);
	if (t->nadded < 16)
		snprintf(t->keys[t->nadded], sizeof(t->keys[0]), "%.3s=%.3s", key, value);
	t->nadded++;
	t->bytes_added += key_len + value_len;
	return 0;
}

static void read_labels(struct target *t, enum gs_labels_repr repr)
{
	struct gs_label_reader lr;
	init_reader(&lr, t, repr);
	lr.read = mem_read;
	lr.add = add;
	assert_int_equal(gs_labels_read(&lr, LABELS), 0);
	gs_label_reader_release(&lr);
}

static void test_slice(void **state)
{
	(void)state;
	struct target t = {.mode = SLICE, .slice_len = 3, .slice_cap = 4, .str_len = 2};
	read_labels(&t, GS_LABELS_SLICE);
	assert_int_equal(t.nadded, 3);
	assert_string_equal(t.keys[0], "ab=ab");

	/* len > cap: not a slice */
	t = (struct target){.mode = SLICE, .slice_len = 5, .slice_cap = 4, .str_len = 2};
	read_labels(&t, GS_LABELS_SLICE);
	assert_int_equal(t.nadded, 0);

	/* a billion labels: the label cap */
	t = (struct target){.mode = SLICE, .slice_len = 1u << 30, .slice_cap = 1u << 30, .str_len = 1};
	read_labels(&t, GS_LABELS_SLICE);
	assert_int_equal(t.nadded, GS_GORUNTIME_MAX_LABELS);
	assert_true(t.reads <= 3 * GS_GORUNTIME_MAX_LABELS + 2);

	/* strings of 300 KiB each: the byte cap (1 MiB a goroutine) ends the walk */
	t = (struct target){.mode = SLICE, .slice_len = 1000, .slice_cap = 1000, .str_len = 300u << 10};
	read_labels(&t, GS_LABELS_SLICE);
	assert_int_equal(t.nadded, 1);
	assert_true(t.bytes_added <= 1u << 20);

	/* a string over the per-string limit is skipped, not read */
	t = (struct target){.mode = SLICE, .slice_len = 2, .slice_cap = 2, .str_len = (1u << 20) + 1};
	read_labels(&t, GS_LABELS_SLICE);
	assert_int_equal(t.nadded, 0);
	assert_int_equal(t.reads, 2); /* the header, the entries */
}

static void test_map(void **state)
{
	(void)state;
	struct target t = {.mode = MAP_TWO, .map_b = 0};
	read_labels(&t, GS_LABELS_MAP);
	assert_int_equal(t.nadded, 2);
	assert_string_equal(t.keys[0], "abc=de");
	assert_string_equal(t.keys[1], "fgh=ij");

	/* every bucket's overflow pointer is the bucket itself, old buckets too: the bucket cap */
	for (uint8_t b = 0; b <= 12; b += 4) {
		t = (struct target){.mode = MAP_LOOP, .map_b = b};
		read_labels(&t, GS_LABELS_MAP);
		assert_int_equal(t.nadded, 0);
		assert_true(t.bucket_reads <= 4096);
		assert_true(t.bucket_reads >= 64); /* the chain is followed for a while */
	}
	/* a bucket exponent no label map has: garbage */
	t = (struct target){.mode = MAP_LOOP, .map_b = 13};
	read_labels(&t, GS_LABELS_MAP);
	assert_int_equal(t.bucket_reads, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slice),
		cmocka_unit_test(test_map),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
