/* Unit tests for lib/core: bounded reader, buffers, arena, hashing/idxmap, string table, JSON
 * writer and parsers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "goscope/core.h"

static void test_rd_varint(void **state)
{
	struct gs_rd rd;
	uint64_t v;
	const uint8_t ok[] = {0x96, 0x01, 0x7f};
	gs_rd_init(&rd, ok, sizeof(ok));
	assert_int_equal(gs_rd_uvarint(&rd, &v), 0);
	assert_int_equal(v, 150);
	assert_int_equal(gs_rd_uvarint(&rd, &v), 0);
	assert_int_equal(v, 127);
	assert_int_equal(gs_rd_uvarint(&rd, &v), -EBADMSG);

	const uint8_t truncated[] = {0x80, 0x80};
	gs_rd_init(&rd, truncated, sizeof(truncated));
	assert_int_equal(gs_rd_uvarint(&rd, &v), -EBADMSG);

	const uint8_t max[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
	gs_rd_init(&rd, max, sizeof(max));
	assert_int_equal(gs_rd_uvarint(&rd, &v), 0);
	assert_true(v == UINT64_MAX);

	const uint8_t overlong[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
	gs_rd_init(&rd, overlong, sizeof(overlong));
	assert_int_equal(gs_rd_uvarint(&rd, &v), -EBADMSG);
	const uint8_t eleven[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
	gs_rd_init(&rd, eleven, sizeof(eleven));
	assert_int_equal(gs_rd_uvarint(&rd, &v), -EBADMSG);
}

static void test_rd_bounds(void **state)
{
	struct gs_rd rd, sub;
	const uint8_t b[] = {1, 2, 3, 4, 5};
	const uint8_t *p;
	uint32_t u32;
	gs_rd_init(&rd, b, sizeof(b));
	assert_int_equal(gs_rd_bytes(&rd, 6, &p), -EBADMSG);
	assert_int_equal(gs_rd_sub(&rd, 2, &sub), 0);
	assert_int_equal(gs_rd_left(&sub), 2);
	assert_int_equal(gs_rd_u32le(&sub, &u32), -EBADMSG);
	assert_int_equal(gs_rd_u32le(&rd, &u32), -EBADMSG);
	assert_int_equal(gs_rd_skip(&rd, 3), 0);
	assert_true(gs_rd_eof(&rd));
}

static void test_buf(void **state)
{
	struct gs_buf b;
	gs_buf_init(&b, 10);
	assert_string_equal(b.data, "");
	assert_int_equal(gs_buf_addf(&b, "%d-%s", 42, "ab"), 0);
	assert_string_equal(b.data, "42-ab");
	assert_int_equal(gs_buf_addstr(&b, "cdefgh"), -E2BIG);
	assert_int_equal(gs_buf_addstr(&b, "cdefg"), 0);
	assert_int_equal(b.len, 10);
	gs_buf_release(&b);

	gs_buf_init(&b, 0);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(gs_buf_addf(&b, "%0300d", i), 0);
	assert_int_equal(b.len, 300000);
	size_t len;
	char *s = gs_buf_detach(&b, &len);
	assert_int_equal(len, 300000);
	free(s);
}

static void test_hex(void **state)
{
	static const uint8_t bytes[] = {0x00, 0x0f, 0xa5, 0xff};
	char small[6];
	struct gs_buf b = GS_BUF_INIT;
	assert_int_equal(gs_hex(small, sizeof(small), bytes, sizeof(bytes)), 4);
	assert_string_equal(small, "000f"); /* whole bytes only */
	assert_int_equal(gs_hex(small, 1, bytes, sizeof(bytes)), 0);
	assert_string_equal(small, "");
	assert_int_equal(gs_buf_addstr(&b, "x="), 0);
	assert_int_equal(gs_buf_addhex(&b, bytes, sizeof(bytes)), 0);
	assert_int_equal(gs_buf_addhex(&b, bytes, 0), 0);
	assert_string_equal(b.data, "x=000fa5ff");
	assert_int_equal(b.len, 10);
	gs_buf_release(&b);
	gs_buf_init(&b, 5);
	assert_int_equal(gs_buf_addhex(&b, bytes, 3), -E2BIG);
	assert_int_equal(b.len, 0);
	gs_buf_release(&b);
}

/* gs_grow_array: doubles from 16, leaves a fitting array alone, and refuses a size in
 * bytes that overflows without touching the array; gs_i64_add_wrap wraps as Go does. */
static void test_grow_array(void **state)
{
	uint32_t *a = NULL;
	size_t cap = 0;
	assert_int_equal(gs_grow_array(&a, &cap, 1, sizeof(*a)), 0);
	assert_non_null(a);
	assert_int_equal(cap, 16);
	a[15] = 7;
	assert_int_equal(gs_grow_array(&a, &cap, 33, sizeof(*a)), 0);
	assert_int_equal(cap, 64);
	assert_int_equal(a[15], 7);
	uint32_t *before = a;
	assert_int_equal(gs_grow_array(&a, &cap, 64, sizeof(*a)), 0);
	assert_ptr_equal(a, before);
	assert_int_equal(gs_grow_array(&a, &cap, SIZE_MAX / 2, sizeof(*a)), -ENOMEM);
	assert_int_equal(gs_grow_array(&a, &cap, SIZE_MAX, 1), -ENOMEM);
	assert_ptr_equal(a, before);
	assert_int_equal(cap, 64);
	free(a);
	assert_int_equal(gs_i64_add_wrap(INT64_MAX, 1), INT64_MIN);
	assert_int_equal(gs_i64_add_wrap(-5, 3), -2);
}

static void test_arena(void **state)
{
	struct gs_arena a;
	gs_arena_init(&a);
	char *s = gs_arena_strndup(&a, "hello", 3);
	assert_string_equal(s, "hel");
	void *big = gs_arena_alloc(&a, 1 << 20);
	assert_non_null(big);
	memset(big, 1, 1 << 20);
	for (int i = 0; i < 10000; i++)
		assert_non_null(gs_arena_alloc(&a, 100));
	assert_string_equal(s, "hel");
	gs_arena_release(&a);
}

static void test_strtab(void **state)
{
	struct gs_strtab t;
	uint32_t a, b, c;
	assert_int_equal(gs_strtab_init(&t), 0);
	assert_string_equal(gs_strtab_get(&t, 0), "");
	assert_int_equal(gs_strtab_intern(&t, "", 0, 0, &a), 0);
	assert_int_equal(a, 0);
	assert_int_equal(gs_strtab_intern(&t, "main.main", 9, 0, &a), 0);
	assert_int_equal(gs_strtab_intern(&t, "main.mainX", 9, 0, &b), 0);
	assert_int_equal(a, b);
	for (int i = 0; i < 5000; i++) {
		char tmp[32];
		int n = snprintf(tmp, sizeof(tmp), "s%d", i);
		assert_int_equal(gs_strtab_intern(&t, tmp, (size_t)n, 0, &c), 0);
	}
	assert_int_equal(gs_strtab_intern(&t, "s4999", 5, 0, &b), 0);
	assert_int_equal(b, c);
	assert_string_equal(gs_strtab_get(&t, a), "main.main");
	assert_int_equal(gs_strtab_intern(&t, "new", 3, t.len, &c), -E2BIG);
	gs_strtab_release(&t);
}

static void test_json(void **state)
{
	struct gs_out o;
	struct gs_json j;
	gs_out_init(&o, NULL, NULL);
	gs_json_init(&j, &o, false);
	gs_json_obj_begin(&j);
	gs_json_kstr(&j, "a", "x\"y\n\x01\xff");
	gs_json_key(&j, "b");
	gs_json_arr_begin(&j);
	gs_json_i64(&j, -3);
	gs_json_f64(&j, 0.5);
	gs_json_f64(&j, 2.0);
	gs_json_bool(&j, true);
	gs_json_null(&j);
	gs_json_arr_end(&j);
	gs_json_key(&j, "c");
	gs_json_obj_begin(&j);
	gs_json_obj_end(&j);
	gs_json_obj_end(&j);
	assert_string_equal(o.buf.data,
			    "{\"a\":\"x\\\"y\\n\\u0001\\ufffd\",\"b\":[-3,0.5,2,true,null],\"c\":{}}");
	gs_out_release(&o);
}

static void test_parse(void **state)
{
	int64_t ns;
	uint64_t bytes;
	assert_int_equal(gs_parse_duration_ns("1m30s", &ns), 0);
	assert_int_equal(ns, 90000000000LL);
	assert_int_equal(gs_parse_duration_ns("1.5ms", &ns), 0);
	assert_int_equal(ns, 1500000);
	assert_int_equal(gs_parse_duration_ns("10", &ns), -EINVAL);
	assert_int_equal(gs_parse_duration_ns("0", &ns), 0);
	assert_int_equal(gs_parse_duration_ns("5x", &ns), -EINVAL);
	assert_int_equal(gs_parse_bytes("64MiB", &bytes), 0);
	assert_int_equal(bytes, 64ULL << 20);
	assert_int_equal(gs_parse_bytes("1.5k", &bytes), 0);
	assert_int_equal(bytes, 1536);
	assert_int_equal(gs_parse_bytes("-1", &bytes), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rd_varint), cmocka_unit_test(test_rd_bounds),
		cmocka_unit_test(test_buf),       cmocka_unit_test(test_arena),
		cmocka_unit_test(test_grow_array),
		cmocka_unit_test(test_strtab),    cmocka_unit_test(test_json),
		cmocka_unit_test(test_parse),     cmocka_unit_test(test_hex),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
