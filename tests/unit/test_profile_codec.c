/* Unit tests for the profile codecs (lib/profile/decode.c, gzip.c, proto.c, encode.c,
 * legacy.c): hand-built protobuf bytes for the valid cases and for every error class, gzip
 * containers (multi-member, truncated, bombs), streaming through tiny reads, and round trips
 * through the encoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <zlib.h>

#include "profile/internal.h"
#include "../fuzz/chunked_reader.h"

/* ---- building protobuf bytes ---- */

static void put_uint(struct gs_buf *b, uint64_t num, uint64_t v)
{
	assert_int_equal(gs_pb_put_tag(b, num, GS_WIRE_VARINT), 0);
	assert_int_equal(gs_pb_put_varint(b, v), 0);
}

/* Appends field num holding message m and empties m. */
static void put_msg(struct gs_buf *b, uint64_t num, struct gs_buf *m)
{
	assert_int_equal(gs_pb_put_bytes(b, num, m->data ? m->data : "", m->len), 0);
	gs_buf_reset(m);
}

static void put_str(struct gs_buf *b, const char *s)
{
	assert_int_equal(gs_pb_put_bytes(b, 6, s, strlen(s)), 0);
}

static void put_packed(struct gs_buf *b, uint64_t num, const uint64_t *v, size_t n)
{
	struct gs_buf m = GS_BUF_INIT;
	for (size_t i = 0; i < n; i++)
		assert_int_equal(gs_pb_put_varint(&m, v[i]), 0);
	put_msg(b, num, &m);
	gs_buf_release(&m);
}

static void put_value_type(struct gs_buf *b, uint64_t num, uint64_t type, uint64_t unit)
{
	struct gs_buf m = GS_BUF_INIT;
	put_uint(&m, 1, type);
	put_uint(&m, 2, unit);
	put_msg(b, num, &m);
	gs_buf_release(&m);
}

/* A sample with packed location ids and values and up to one string label. */
static void put_sample(struct gs_buf *b, const uint64_t *locs, size_t n_locs,
		       const uint64_t *vals, size_t n_vals, uint64_t label_key, uint64_t label_str)
{
	struct gs_buf m = GS_BUF_INIT, l = GS_BUF_INIT;
	put_packed(&m, 1, locs, n_locs);
	put_packed(&m, 2, vals, n_vals);
	if (label_key) {
		put_uint(&l, 1, label_key);
		put_uint(&l, 2, label_str);
		put_msg(&m, 3, &l);
	}
	put_msg(b, 2, &m);
	gs_buf_release(&m);
	gs_buf_release(&l);
}

static void put_function(struct gs_buf *b, uint64_t id, uint64_t name, uint64_t file)
{
	struct gs_buf m = GS_BUF_INIT;
	put_uint(&m, 1, id);
	put_uint(&m, 2, name);
	put_uint(&m, 3, name);
	put_uint(&m, 4, file);
	put_uint(&m, 5, 10);
	put_msg(b, 5, &m);
	gs_buf_release(&m);
}

static void put_location(struct gs_buf *b, uint64_t id, uint64_t mapping, uint64_t addr,
			 uint64_t function, int64_t line)
{
	struct gs_buf m = GS_BUF_INIT, l = GS_BUF_INIT;
	put_uint(&m, 1, id);
	if (mapping)
		put_uint(&m, 2, mapping);
	put_uint(&m, 3, addr);
	put_uint(&l, 1, function);
	put_uint(&l, 2, (uint64_t)line);
	put_msg(&m, 4, &l);
	put_msg(b, 4, &m);
	gs_buf_release(&m);
	gs_buf_release(&l);
}

static void put_mapping(struct gs_buf *b, uint64_t id, uint64_t file)
{
	struct gs_buf m = GS_BUF_INIT;
	put_uint(&m, 1, id);
	put_uint(&m, 2, 0x400000);
	put_uint(&m, 3, 0x500000);
	put_uint(&m, 5, file);
	put_uint(&m, 7, 1);
	put_msg(b, 3, &m);
	gs_buf_release(&m);
}

/* Strings of the test profile. */
static const char *const strs[] = {
	"", "samples", "count", "cpu", "nanoseconds", "main.main", "main.go", "main.work",
	"worker", "a", "b", "/bin/prog",
};

/* A valid profile laid out the way the Go runtime writes it: time, sample types, samples,
 * then mappings, locations, functions and strings last. */
static void build_valid(struct gs_buf *b)
{
	const uint64_t s1[] = {2, 1}, s2[] = {1}, s3[] = {2, 1};
	const uint64_t v1[] = {3, 30}, v2[] = {1, 10}, v3[] = {2, 20};
	put_uint(b, 9, 1700000000000000000ULL);
	put_value_type(b, 1, 1, 2);
	put_value_type(b, 1, 3, 4);
	put_uint(b, 10, 1000000000);
	put_value_type(b, 11, 3, 4);
	put_uint(b, 12, 10000000);
	put_sample(b, s1, 2, v1, 2, 8, 9);
	put_sample(b, s2, 1, v2, 2, 0, 0);
	put_sample(b, s3, 2, v3, 2, 8, 10);
	put_mapping(b, 1, 11);
	put_location(b, 1, 1, 0x401000, 1, 12);
	put_location(b, 2, 1, 0x402000, 2, 20);
	put_function(b, 1, 5, 6);
	put_function(b, 2, 7, 6);
	for (size_t i = 0; i < GS_ARRAY_LEN(strs); i++)
		put_str(b, strs[i]);
}

static int parse(const struct gs_buf *b, struct gs_ctx *ctx, struct gs_profile **p)
{
	return gs_profile_parse(b->data, b->len, ctx, p);
}

/* Parses b and expects err with a message containing msg. */
static void expect_error(const struct gs_buf *b, int err, const char *msg)
{
	struct gs_ctx ctx;
	struct gs_profile *p = (struct gs_profile *)1;
	gs_ctx_init(&ctx);
	int got = parse(b, &ctx, &p);
	if (got != err || !strstr(gs_ctx_errmsg(&ctx), msg))
		fail_msg("expected %d '%s', got %d '%s'", err, msg, got, gs_ctx_errmsg(&ctx));
	assert_null(p);
}

static void check_valid(const struct gs_profile *p)
{
	assert_int_equal(p->n_sample_types, 2);
	assert_string_equal(gs_profile_str(p, p->sample_types[0].type), "samples");
	assert_string_equal(gs_profile_str(p, p->sample_types[1].unit), "nanoseconds");
	assert_int_equal(p->n_samples, 3);
	assert_int_equal(p->n_locations, 2);
	assert_int_equal(p->n_functions, 2);
	assert_int_equal(p->n_mappings, 1);
	assert_true(p->time_nanos == 1700000000000000000LL);
	assert_int_equal(p->period, 10000000);
	assert_string_equal(gs_profile_str(p, p->period_type.type), "cpu");
	/* sample 0: stack [2,1] -> location indices [1,0], labels worker=a */
	uint32_t n;
	const uint32_t *st = gs_profile_stack(p, p->samples[0].stack, &n);
	assert_int_equal(n, 2);
	assert_int_equal(st[0], 1);
	assert_int_equal(st[1], 0);
	assert_int_equal(gs_profile_values(p, 0)[1], 30);
	assert_int_equal(gs_profile_values(p, 2)[0], 2);
	const struct gs_label *l = gs_profile_labelset(p, p->samples[0].labels, &n);
	assert_int_equal(n, 1);
	assert_string_equal(gs_profile_str(p, l->key), "worker");
	assert_string_equal(gs_profile_str(p, l->str), "a");
	assert_int_equal(p->samples[1].labels, 0);
	/* samples 0 and 2 share the stack, not the label set */
	assert_int_equal(p->samples[0].stack, p->samples[2].stack);
	assert_int_not_equal(p->samples[0].labels, p->samples[2].labels);
	const struct gs_location *loc = &p->locations[1];
	assert_int_equal(loc->id, 2);
	assert_int_equal(loc->mapping, 0);
	assert_int_equal(loc->line_count, 1);
	const struct gs_function *fn = &p->functions[p->lines[loc->line_start].function];
	assert_string_equal(gs_profile_str(p, fn->name), "main.work");
	assert_string_equal(gs_profile_str(p, fn->filename), "main.go");
	assert_string_equal(gs_profile_str(p, p->mappings[0].filename), "/bin/prog");
	assert_true(p->mappings[0].has_functions);
}

static void test_decode_valid(void **state)
{
	struct gs_buf b = GS_BUF_INIT;
	struct gs_ctx ctx;
	struct gs_profile *p;
	gs_ctx_init(&ctx);
	build_valid(&b);
	assert_int_equal(parse(&b, &ctx, &p), 0);
	check_valid(p);
	/* string table is deduplicated: "main.main" used for name and system name once */
	uint32_t idx;
	size_t before = p->strings.len;
	assert_int_equal(gs_profile_intern_cstr(p, "main.main", &idx), 0);
	assert_int_equal(p->strings.len, before);
	gs_profile_free(p);
	gs_buf_release(&b);
}

/* Unpacked repeated fields and unknown fields of every wire type decode the same. */
static void test_decode_unpacked_unknown(void **state)
{
	struct gs_buf b = GS_BUF_INIT, m = GS_BUF_INIT;
	struct gs_ctx ctx;
	struct gs_profile *p;
	gs_ctx_init(&ctx);
	put_value_type(&b, 1, 1, 2);
	/* unknown top-level fields: varint, fixed64, fixed32, length-delimited */
	put_uint(&b, 100, 5);
	gs_pb_put_tag(&b, 101, GS_WIRE_FIXED64);
	gs_buf_add(&b, "12345678", 8);
	gs_pb_put_tag(&b, 102, GS_WIRE_FIXED32);
	gs_buf_add(&b, "1234", 4);
	gs_pb_put_bytes(&b, 103, "xyz", 3);
	put_uint(&m, 1, 1);
	put_uint(&m, 1, 1);
	put_uint(&m, 2, 7);
	put_uint(&m, 99, 7); /* unknown field inside a sample */
	put_msg(&b, 2, &m);
	put_location(&b, 1, 0, 0x10, 1, 3);
	put_function(&b, 1, 1, 2);
	put_str(&b, "");
	put_str(&b, "x");
	put_str(&b, "y");
	put_uint(&b, 13, 1); /* comment, unpacked */
	const uint64_t c[] = {2, 1};
	put_packed(&b, 13, c, 2); /* comments, packed */
	assert_int_equal(parse(&b, &ctx, &p), 0);
	assert_int_equal(p->n_samples, 1);
	uint32_t n;
	const uint32_t *st = gs_profile_stack(p, p->samples[0].stack, &n);
	assert_int_equal(n, 2);
	assert_int_equal(st[0], 0);
	assert_int_equal(gs_profile_values(p, 0)[0], 7);
	assert_int_equal(p->n_comments, 3);
	assert_string_equal(gs_profile_str(p, p->comments[1]), "y");
	assert_int_equal(p->locations[0].mapping, GS_NONE);
	gs_profile_free(p);
	gs_buf_release(&b);
	gs_buf_release(&m);
}

static void test_err_empty(void **state)
{
	struct gs_buf b = GS_BUF_INIT;
	gs_buf_add(&b, "", 0);
	expect_error(&b, -EBADMSG, "empty input file");
	gs_buf_release(&b);
}

static void test_err_truncated(void **state)
{
	struct gs_buf b = GS_BUF_INIT;
	build_valid(&b);
	b.len -= 3; /* inside the last string */
	expect_error(&b, -EBADMSG, "truncated");
	gs_buf_reset(&b);
	build_valid(&b);
	gs_buf_addch(&b, (char)0x80); /* a tag with its continuation byte missing */
	expect_error(&b, -EBADMSG, "truncated field tag");
	gs_buf_reset(&b);
	put_uint(&b, 9, 5);
	b.data[b.len - 1] |= (char)0x80; /* time_nanos varint never ends */
	expect_error(&b, -EBADMSG, "truncated varint");
	gs_buf_release(&b);
}

static void test_err_overlong_varint(void **state)
{
	struct gs_buf b = GS_BUF_INIT;
	gs_pb_put_tag(&b, 9, GS_WIRE_VARINT);
	for (int i = 0; i < 11; i++)
		gs_buf_addch(&b, (char)0xff);
	gs_buf_addch(&b, 0x01);
	expect_error(&b, -EBADMSG, "over-long varint");
	gs_buf_release(&b);
}

static void test_err_wire_types(void **state)
{
	struct gs_buf b = GS_BUF_INIT;
	gs_pb_put_tag(&b, 100, GS_WIRE_SGROUP);
	expect_error(&b, -EBADMSG, "groups");
	gs_buf_reset(&b);
	gs_pb_put_tag(&b, 100, GS_WIRE_EGROUP);
	expect_error(&b, -EBADMSG, "groups");
	gs_buf_reset(&b);
	gs_pb_put_tag(&b, 100, 6);
	expect_error(&b, -EBADMSG, "unknown wire type");
	gs_buf_reset(&b);
	/* time_nanos as a length-delimited field: a type mismatch */
	gs_pb_put_bytes(&b, 9, "ab", 2);
	expect_error(&b, -EBADMSG, "time_nanos (9) has wire type 2");
	gs_buf_reset(&b);
	/* a sample as a varint */
	put_uint(&b, 2, 1);
	expect_error(&b, -EBADMSG, "sample (2) has wire type 0");
	gs_buf_release(&b);
}

static void test_err_string_table(void **state)
{
	struct gs_buf b = GS_BUF_INIT;
	put_str(&b, "nonempty");
	expect_error(&b, -EBADMSG, "string_table[0] must be \"\"");
	gs_buf_reset(&b);
	put_uint(&b, 9, 5);
	expect_error(&b, -EBADMSG, "no string table");
	gs_buf_reset(&b);
	/* function name index past the end */
	put_function(&b, 1, 40, 0);
	put_str(&b, "");
	expect_error(&b, -EBADMSG, "function id 1: name string index 40 is out of range");
	gs_buf_reset(&b);
	/* negative string index (int64 -1) in a sample type */
	put_value_type(&b, 1, UINT64_MAX, 0);
	put_str(&b, "");
	expect_error(&b, -EBADMSG, "out of range");
	gs_buf_reset(&b);
	/* label value index out of range */
	const uint64_t locs[] = {0}, vals[] = {1};
	put_value_type(&b, 1, 0, 0);
	put_sample(&b, locs, 0, vals, 1, 1, 77);
	put_str(&b, "");
	put_str(&b, "k");
	expect_error(&b, -EBADMSG, "sample 0: label value string index 77 is out of range");
	gs_buf_release(&b);
}

static void test_err_references(void **state)
{
	struct gs_buf b = GS_BUF_INIT;
	const uint64_t locs[] = {1, 9}, vals[] = {1};
	put_value_type(&b, 1, 0, 0);
	put_sample(&b, locs, 1, vals, 1, 0, 0);
	put_sample(&b, locs, 2, vals, 1, 0, 0);
	put_location(&b, 1, 0, 0x10, 1, 1);
	put_function(&b, 1, 0, 0);
	put_str(&b, "");
	expect_error(&b, -EBADMSG, "sample 1 references location id 9, which does not exist");
	gs_buf_reset(&b);
	put_location(&b, 1, 0, 0x10, 4, 1);
	put_function(&b, 1, 0, 0);
	put_str(&b, "");
	expect_error(&b, -EBADMSG, "location id 1 has a line with function id 4, which does not");
	gs_buf_reset(&b);
	put_location(&b, 1, 3, 0x10, 1, 1);
	put_function(&b, 1, 0, 0);
	put_str(&b, "");
	expect_error(&b, -EBADMSG, "location id 1 references mapping id 3");
	gs_buf_release(&b);
}

static void test_err_ids(void **state)
{
	struct gs_buf b = GS_BUF_INIT;
	put_location(&b, 1, 0, 0x10, 1, 1);
	put_location(&b, 1, 0, 0x20, 1, 1);
	put_function(&b, 1, 0, 0);
	put_str(&b, "");
	expect_error(&b, -EBADMSG, "multiple locations with id 1");
	gs_buf_reset(&b);
	/* large ids go through the hash map, not the dense table */
	put_function(&b, 1000000, 0, 0);
	put_function(&b, 1000000, 0, 0);
	put_str(&b, "");
	expect_error(&b, -EBADMSG, "multiple functions with id 1000000");
	gs_buf_reset(&b);
	put_mapping(&b, 0, 0);
	put_str(&b, "");
	expect_error(&b, -EBADMSG, "found mapping with reserved id 0");
	gs_buf_release(&b);
}

static void test_err_value_count(void **state)
{
	struct gs_buf b = GS_BUF_INIT;
	const uint64_t locs[] = {0}, two[] = {1, 2}, three[] = {1, 2, 3};
	put_value_type(&b, 1, 0, 0);
	put_value_type(&b, 1, 0, 0);
	for (int i = 0; i < 12; i++)
		put_sample(&b, locs, 0, two, 2, 0, 0);
	put_sample(&b, locs, 0, three, 3, 0, 0);
	put_str(&b, "");
	expect_error(&b, -EBADMSG, "sample 12 has 3 values, expected 2");
	gs_buf_reset(&b);
	put_value_type(&b, 1, 0, 0);
	put_sample(&b, locs, 0, two, 2, 0, 0);
	put_str(&b, "");
	expect_error(&b, -EBADMSG, "sample 0 has 2 values, expected 1");
	gs_buf_reset(&b);
	put_sample(&b, locs, 0, two, 2, 0, 0);
	put_str(&b, "");
	expect_error(&b, -EBADMSG, "missing sample type information");
	gs_buf_release(&b);
}

static void test_err_concatenated(void **state)
{
	struct gs_buf b = GS_BUF_INIT;
	build_valid(&b);
	build_valid(&b);
	expect_error(&b, -EBADMSG, "concatenated profiles detected");
	gs_buf_release(&b);
}

/* gzip-compresses in[0..n) as one member. */
static void gzip_buf(const void *in, size_t n, int level, struct gs_buf *out)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, level, Z_DEFLATED, 16 + MAX_WBITS, 8,
				      Z_DEFAULT_STRATEGY), Z_OK);
	size_t bound = deflateBound(&z, n);
	assert_int_equal(gs_buf_grow(out, bound), 0);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = (Bytef *)out->data + out->len;
	z.avail_out = (uInt)bound;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	out->len += bound - z.avail_out;
	deflateEnd(&z);
}

static void test_gzip(void **state)
{
	struct gs_buf raw = GS_BUF_INIT, gz = GS_BUF_INIT;
	struct gs_ctx ctx;
	struct gs_profile *p;
	gs_ctx_init(&ctx);
	build_valid(&raw);
	/* two members that concatenate into one stream */
	size_t half = raw.len / 2;
	gzip_buf(raw.data, half, 6, &gz);
	gzip_buf(raw.data + half, raw.len - half, 1, &gz);
	assert_int_equal(parse(&gz, &ctx, &p), 0);
	check_valid(p);
	gs_profile_free(p);
	/* truncated compressed data */
	gz.len -= 10;
	expect_error(&gz, -EBADMSG, "gzip: unexpected end of compressed data");
	/* corrupt: trailing garbage after a member */
	gs_buf_reset(&gz);
	gzip_buf(raw.data, raw.len, 6, &gz);
	gs_buf_add(&gz, "garbage!", 8);
	expect_error(&gz, -EBADMSG, "gzip: corrupt data");
	/* gzip of nothing is an empty input */
	gs_buf_reset(&gz);
	gzip_buf("", 0, 6, &gz);
	expect_error(&gz, -EBADMSG, "empty input file");
	gs_buf_release(&raw);
	gs_buf_release(&gz);
}

static void test_gzip_bomb(void **state)
{
	struct gs_buf gz = GS_BUF_INIT;
	struct gs_ctx ctx;
	struct gs_profile *p;
	size_t n = 64u << 20;
	/* 64 MiB of a repeated one-byte field compresses to ~64 KiB */
	uint8_t *zeros = malloc(n);
	assert_non_null(zeros);
	for (size_t i = 0; i < n; i += 2) {
		zeros[i] = 15 << 3; /* doc_url = 0 */
		zeros[i + 1] = 0;
	}
	gzip_buf(zeros, n, 9, &gz);
	free(zeros);
	assert_true(gz.len < (1u << 20));
	gs_ctx_init(&ctx);
	ctx.limits.decompressed_bytes = 16u << 20;
	assert_int_equal(parse(&gz, &ctx, &p), -E2BIG);
	assert_non_null(strstr(gs_ctx_errmsg(&ctx), "16777216-byte cap"));
	assert_non_null(strstr(gs_ctx_errmsg(&ctx), "gzip bomb"));
	assert_null(p);
	gs_buf_release(&gz);
}

static void test_stream(void **state)
{
	struct gs_buf raw = GS_BUF_INIT, gz = GS_BUF_INIT;
	struct gs_ctx ctx;
	struct gs_profile *p;
	gs_ctx_init(&ctx);
	build_valid(&raw);
	gzip_buf(raw.data, raw.len, 6, &gz);
	for (size_t chunk = 1; chunk <= 7; chunk += 3) {
		struct chunks c = {(const uint8_t *)raw.data, raw.len, 0, chunk};
		assert_int_equal(gs_profile_parse_stream(chunk_read, &c, &ctx, &p), 0);
		check_valid(p);
		gs_profile_free(p);
		struct chunks cz = {(const uint8_t *)gz.data, gz.len, 0, chunk};
		assert_int_equal(gs_profile_parse_stream(chunk_read, &cz, &ctx, &p), 0);
		check_valid(p);
		gs_profile_free(p);
	}
	/* a message larger than the message cap fails cleanly */
	ctx.limits.message_bytes = 8;
	struct chunks c = {(const uint8_t *)raw.data, raw.len, 0, 4096};
	assert_int_equal(gs_profile_parse_stream(chunk_read, &c, &ctx, &p), -E2BIG);
	assert_non_null(strstr(gs_ctx_errmsg(&ctx), "limits.message_bytes"));
	gs_buf_release(&raw);
	gs_buf_release(&gz);
}

/* A profile large enough that its gzip (over 1 MiB) is inflated on a second thread: the
 * layout of build_valid with 300k samples of pseudo-random stacks and values. */
static void build_large(struct gs_buf *b)
{
	uint64_t x = 88172645463325252ULL, locs[8], vals[2];
	put_uint(b, 9, 1700000000000000000ULL);
	put_value_type(b, 1, 1, 2);
	put_value_type(b, 1, 3, 4);
	for (size_t i = 0; i < 300000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		size_t n = 1 + (x & 7);
		for (size_t j = 0; j < n; j++)
			locs[j] = 1 + ((x >> (8 + j)) & 1);
		vals[0] = (x >> 20) & 0xffff;
		vals[1] = (x >> 36) & 0xfffff;
		put_sample(b, locs, n, vals, 2, (x >> 60) & 1 ? 8 : 0, 9 + ((x >> 61) & 1));
	}
	put_mapping(b, 1, 11);
	put_location(b, 1, 1, 0x401000, 1, 12);
	put_location(b, 2, 1, 0x402000, 2, 20);
	put_function(b, 1, 5, 6);
	put_function(b, 2, 7, 6);
	for (size_t i = 0; i < GS_ARRAY_LEN(strs); i++)
		put_str(b, strs[i]);
}

/* Parses gz in memory (inflated on a second thread) and as a stream (inflated inline) and
 * expects the same outcome: the same profile, or the same error and message. */
static void expect_same_both_ways(const struct gs_buf *gz, uint64_t decompressed_cap,
				  const char *msg)
{
	struct gs_ctx c1, c2;
	struct gs_profile *p1, *p2;
	gs_ctx_init(&c1);
	gs_ctx_init(&c2);
	/* the in-memory parse does start the thread: a silent fallback to inline inflation
	 * would compare the inline path with itself */
	struct gs_win w;
	assert_int_equal(gs_win_init_mem(&w, gz->data, gz->len, &c1), 0);
	assert_non_null(w.th);
	gs_win_release(&w);
	c1.limits.decompressed_bytes = c2.limits.decompressed_bytes = decompressed_cap;
	int e1 = parse(gz, &c1, &p1);
	struct chunks c = {(const uint8_t *)gz->data, gz->len, 0, 65536};
	int e2 = gs_profile_parse_stream(chunk_read, &c, &c2, &p2);
	assert_int_equal(e1, e2);
	if (e1) {
		assert_string_equal(gs_ctx_errmsg(&c1), gs_ctx_errmsg(&c2));
		if (!msg || !strstr(gs_ctx_errmsg(&c1), msg))
			fail_msg("expected '%s', got '%s'", msg ? msg : "success", gs_ctx_errmsg(&c1));
		return;
	}
	assert_null(msg);
	struct gs_out o1, o2;
	gs_out_init(&o1, NULL, NULL);
	gs_out_init(&o2, NULL, NULL);
	assert_int_equal(gs_profile_encode(p1, false, &o1, &c1), 0);
	assert_int_equal(gs_profile_encode(p2, false, &o2, &c2), 0);
	assert_int_equal(o1.buf.len, o2.buf.len);
	assert_memory_equal(o1.buf.data, o2.buf.data, o1.buf.len);
	assert_int_equal(p1->n_samples, 300000);
	gs_out_release(&o1);
	gs_out_release(&o2);
	gs_profile_free(p1);
	gs_profile_free(p2);
}

static void test_gzip_thread(void **state)
{
	struct gs_buf raw = GS_BUF_INIT, gz = GS_BUF_INIT;
	build_large(&raw);
	gzip_buf(raw.data, raw.len, 6, &gz);
	assert_true(gz.len > (1u << 20));
	expect_same_both_ways(&gz, 0, NULL);
	/* the cap on decompressed bytes, hit in the middle */
	expect_same_both_ways(&gz, raw.len / 2, "limits.decompressed_bytes");
	/* corrupt compressed data in the middle */
	for (size_t i = 0; i < 8; i++)
		gz.data[gz.len / 2 + i] ^= 0x5a;
	expect_same_both_ways(&gz, 0, " ");
	for (size_t i = 0; i < 8; i++)
		gz.data[gz.len / 2 + i] ^= 0x5a;
	/* truncated */
	gz.len -= gz.len / 3;
	expect_same_both_ways(&gz, 0, "gzip: unexpected end of compressed data");
	gs_buf_release(&raw);
	gs_buf_release(&gz);
}

static void test_caps(void **state)
{
	struct gs_buf b = GS_BUF_INIT;
	struct gs_ctx ctx;
	struct gs_profile *p;
	build_valid(&b);
	gs_ctx_init(&ctx);
	ctx.limits.samples = 2;
	assert_int_equal(parse(&b, &ctx, &p), -E2BIG);
	assert_non_null(strstr(gs_ctx_errmsg(&ctx), "limits.samples"));
	gs_ctx_init(&ctx);
	ctx.limits.stack_depth = 1;
	assert_int_equal(parse(&b, &ctx, &p), -E2BIG);
	assert_non_null(strstr(gs_ctx_errmsg(&ctx), "location_id"));
	gs_ctx_init(&ctx);
	ctx.limits.strings = 4;
	assert_int_equal(parse(&b, &ctx, &p), -E2BIG);
	gs_buf_release(&b);
}

/* ---- encoding ---- */

/* Encodes p (gzip or not) and parses the result. */
static struct gs_profile *reencode(const struct gs_profile *p, bool gzip, size_t *len)
{
	struct gs_ctx ctx;
	struct gs_out out;
	struct gs_profile *q;
	gs_ctx_init(&ctx);
	gs_out_init(&out, NULL, NULL);
	assert_int_equal(gs_profile_encode(p, gzip, &out, &ctx), 0);
	assert_true(out.buf.len > 2);
	assert_int_equal((uint8_t)out.buf.data[0] == 0x1f && (uint8_t)out.buf.data[1] == 0x8b, gzip);
	if (gs_profile_parse(out.buf.data, out.buf.len, &ctx, &q))
		fail_msg("re-encoded profile does not parse: %s", gs_ctx_errmsg(&ctx));
	*len = out.buf.len;
	gs_out_release(&out);
	return q;
}

static void test_encode_roundtrip(void **state)
{
	struct gs_buf b = GS_BUF_INIT;
	struct gs_ctx ctx;
	struct gs_profile *p, *q;
	size_t len;
	gs_ctx_init(&ctx);
	build_valid(&b);
	assert_int_equal(parse(&b, &ctx, &p), 0);
	/* strings nobody references are not written */
	uint32_t unused;
	assert_int_equal(gs_profile_intern_cstr(p, "an unused string", &unused), 0);
	q = reencode(p, false, &len);
	check_valid(q);
	uint32_t idx;
	size_t n_strings = q->strings.len;
	assert_int_equal(gs_profile_intern_cstr(q, "an unused string", &idx), 0);
	assert_int_equal(idx, n_strings); /* it was new */
	gs_profile_free(q);
	q = reencode(p, true, &len);
	check_valid(q);
	gs_profile_free(q);
	gs_profile_free(p);
	gs_buf_release(&b);
}

/* A profile built in memory with unusable ids (zeros, duplicates) and numeric labels. */
static void test_encode_renumbers(void **state)
{
	struct gs_ctx ctx;
	struct gs_profile *p, *q;
	uint32_t s_type, s_unit, s_fn, s_key, s_unit2, fn, loc0, loc1, stack, labels;
	size_t len;
	gs_ctx_init(&ctx);
	assert_int_equal(gs_profile_new(&ctx, &p), 0);
	gs_profile_intern_cstr(p, "alloc_space", &s_type);
	gs_profile_intern_cstr(p, "bytes", &s_unit);
	gs_profile_intern_cstr(p, "main.f", &s_fn);
	gs_profile_intern_cstr(p, "size", &s_key);
	gs_profile_intern_cstr(p, "kilobytes", &s_unit2);
	assert_int_equal(gs_profile_add_sample_type(p, s_type, s_unit), 0);
	struct gs_function f = {0, s_fn, s_fn, 0, 0};
	assert_int_equal(gs_profile_add_function(p, &f, &fn), 0);
	struct gs_line line = {fn, 42, 7};
	struct gs_location l = {.id = 5, .mapping = GS_NONE, .address = 0x10};
	assert_int_equal(gs_profile_add_location(p, &l, &line, 1, &loc0), 0);
	/* id 5 again, and a line without a function, which profile.proto cannot hold */
	struct gs_line orphan = {GS_NONE, 3, 0};
	assert_int_equal(gs_profile_add_location(p, &l, &orphan, 1, &loc1), 0);
	uint32_t frames[2] = {loc1, loc0};
	assert_int_equal(gs_profile_intern_stack(p, frames, 2, &stack), 0);
	struct gs_label lab[2] = {{s_key, 0, -3, s_unit2}, {s_key, 0, 9, 0}};
	assert_int_equal(gs_profile_intern_labels(p, lab, 2, &labels), 0);
	int64_t v = -12;
	assert_int_equal(gs_profile_add_sample(p, stack, labels, &v), 0);
	p->time_nanos = -5; /* before 1970, written as a 10-byte varint */

	q = reencode(p, false, &len);
	assert_int_equal(q->n_locations, 2);
	assert_int_equal(q->locations[0].id, 1);
	assert_int_equal(q->locations[1].id, 2);
	assert_int_equal(q->functions[0].id, 1);
	assert_int_equal(gs_profile_values(q, 0)[0], -12);
	assert_true(q->time_nanos == -5);
	assert_int_equal(q->lines[q->locations[0].line_start].column, 7);
	assert_int_equal(q->locations[1].line_count, 0);
	uint32_t n;
	const uint32_t *st = gs_profile_stack(q, q->samples[0].stack, &n);
	assert_int_equal(n, 2);
	assert_int_equal(st[0], 1);
	const struct gs_label *ql = gs_profile_labelset(q, q->samples[0].labels, &n);
	assert_int_equal(n, 2);
	assert_int_equal(ql[0].num, -3);
	assert_string_equal(gs_profile_str(q, ql[0].num_unit), "kilobytes");
	assert_int_equal(ql[1].num, 9);
	gs_profile_free(q);
	gs_profile_free(p);
}

/* ---- legacy text formats ---- */

static struct gs_profile *parse_text(const char *text)
{
	struct gs_ctx ctx;
	struct gs_profile *p = NULL;
	gs_ctx_init(&ctx);
	int err = gs_profile_parse(text, strlen(text), &ctx, &p);
	if (err)
		fail_msg("parse failed: %d %s", err, gs_ctx_errmsg(&ctx));
	return p;
}

static void expect_text_error(const char *text, const char *msg)
{
	struct gs_buf b = GS_BUF_INIT;
	gs_buf_addstr(&b, text);
	expect_error(&b, -EBADMSG, msg);
	gs_buf_release(&b);
}

static const char *loc_function(const struct gs_profile *p, uint32_t loc, uint32_t line)
{
	const struct gs_location *l = &p->locations[loc];
	if (line >= l->line_count)
		return NULL;
	return gs_profile_str(p, p->functions[p->lines[l->line_start + line].function].name);
}

static void test_legacy_goroutine(void **state)
{
	struct gs_profile *p = parse_text(
		"goroutine profile: total 11\n"
		"2 @ 0x1001 0x2002 0x3003\n"
		"# labels: {\"a\":\"b\\\"c\\u00e9\", \"k\":\"v\"}\n"
		"#\t0x1000\tmain.inner+0x10\t\t/src/a.go:12\n"
		"#\t0x1000\tmain.outer+0x10\t\t/src/a.go:30\n"
		"#\t0x2001\tmain.g+0x1\t\t/src/b.go:7\n"
		"\n"
		"010 @ 0x2002\n"
		"#\t0x2001\tmain.other+0x1\t/src/c.go:1\n"
		"1 @ 0x3003\n"
		"# labels: {unparsable}\n");
	uint32_t n;
	assert_int_equal(p->n_sample_types, 1);
	assert_string_equal(gs_profile_str(p, p->sample_types[0].type), "goroutine");
	assert_string_equal(gs_profile_str(p, p->period_type.unit), "count");
	assert_int_equal(p->period, 1);
	assert_int_equal(p->n_samples, 3);
	assert_int_equal(gs_profile_values(p, 0)[0], 2);
	assert_int_equal(gs_profile_values(p, 1)[0], 8); /* "010" is octal, as in pprof */
	/* addresses are return addresses minus 1; ids by first appearance */
	assert_int_equal(p->n_locations, 3);
	assert_int_equal(p->locations[0].address, 0x1000);
	assert_int_equal(p->locations[2].id, 3);
	assert_int_equal(p->locations[2].address, 0x3002);
	assert_int_equal(p->n_mappings, 1);
	assert_int_equal(p->locations[0].mapping, 0);
	assert_true(p->mappings[0].memory_limit == UINT64_MAX);
	/* frame comment lines name the locations; two lines for one pc are inlined frames */
	assert_int_equal(p->locations[0].line_count, 2);
	assert_string_equal(loc_function(p, 0, 0), "main.inner");
	assert_string_equal(loc_function(p, 0, 1), "main.outer");
	assert_string_equal(loc_function(p, 1, 0), "main.g"); /* the first record wins */
	assert_int_equal(p->lines[p->locations[1].line_start].line, 7);
	assert_int_equal(p->locations[2].line_count, 0);
	/* labels */
	const struct gs_label *l = gs_profile_labelset(p, p->samples[0].labels, &n);
	assert_int_equal(n, 2);
	assert_string_equal(gs_profile_str(p, l[0].key), "a");
	assert_string_equal(gs_profile_str(p, l[0].str), "b\"c\xc3\xa9");
	assert_int_equal(p->samples[2].labels, 0);
	const uint32_t *st = gs_profile_stack(p, p->samples[0].stack, &n);
	assert_int_equal(n, 3);
	assert_int_equal(st[2], 2);
	gs_profile_free(p);

	p = parse_text("# comment\n\nthreadcreate profile: total 1\n1 @ 0x10\n");
	assert_string_equal(gs_profile_str(p, p->sample_types[0].type), "threadcreate");
	gs_profile_free(p);
}

static void test_legacy_heap(void **state)
{
	struct gs_profile *p = parse_text(
		"heap profile: 1: 2048 [4: 8192] @ heap/1024\n"
		"1: 2048 [4: 8192] @ 0x1001 0x2001\n"
		"#\t0x1000\tmain.alloc+0x10\t/src/a.go:3\n"
		"\n"
		"0: 0 [2: 64] @ 0x2001\n"
		"\n"
		"# runtime.MemStats\n"
		"# Alloc = 5\n");
	uint32_t n;
	assert_int_equal(p->period, 512); /* Go writes 2 * MemProfileRate */
	assert_int_equal(p->n_sample_types, 4);
	assert_string_equal(gs_profile_str(p, p->sample_types[3].type), "inuse_space");
	assert_int_equal(p->n_samples, 2);
	/* un-sampled by 1/(1-exp(-2048/512)) = 1.01865736...: alloc then inuse */
	const int64_t *v = gs_profile_values(p, 0);
	assert_int_equal(v[0], 4);
	assert_int_equal(v[1], 8344);
	assert_int_equal(v[2], 1);
	assert_int_equal(v[3], 2086);
	v = gs_profile_values(p, 1);
	assert_int_equal(v[0], 33); /* avg 32: scale 1/(1-exp(-1/16)) = 16.5104... */
	assert_int_equal(v[1], 1056);
	assert_int_equal(v[2], 0);
	assert_int_equal(v[3], 0);
	const struct gs_label *l = gs_profile_labelset(p, p->samples[0].labels, &n);
	assert_int_equal(n, 1);
	assert_string_equal(gs_profile_str(p, l->key), "bytes");
	assert_int_equal(l->num, 2048);
	l = gs_profile_labelset(p, p->samples[1].labels, &n);
	assert_int_equal(l->num, 32);
	assert_string_equal(loc_function(p, 0, 0), "main.alloc");
	gs_profile_free(p);

	/* equal alloc and inuse totals: two values, objects and space */
	p = parse_text("heap profile: 1: 2 [1: 2] @ heapprofile\n1: 2 [1: 2] @ 0x1\n");
	assert_int_equal(p->n_sample_types, 2);
	assert_string_equal(gs_profile_str(p, p->sample_types[0].type), "objects");
	assert_int_equal(gs_profile_values(p, 0)[1], 2); /* heapprofile: not sampled */
	gs_profile_free(p);
}

static void test_legacy_contention(void **state)
{
	struct gs_profile *p = parse_text("--- contention:\n"
					  "cycles/second=2000000000\n"
					  "4000 3 @ 0x11 0x21\n"
					  "#\t0x10\tsync.(*Mutex).Lock+0x1\t/src/sync/mutex.go:46\n");
	assert_int_equal(p->n_sample_types, 2);
	assert_string_equal(gs_profile_str(p, p->sample_types[1].type), "delay");
	assert_int_equal(gs_profile_values(p, 0)[0], 3);
	assert_int_equal(gs_profile_values(p, 0)[1], 2000); /* cycles at 2 GHz, in ns */
	assert_string_equal(loc_function(p, 0, 0), "sync.(*Mutex).Lock");
	gs_profile_free(p);
	p = parse_text("--- mutex:\ncycles/second=1000000000\nsampling period=5\n"
		       "100 2 @ 0x11\n---\n");
	assert_int_equal(p->period, 5);
	assert_int_equal(gs_profile_values(p, 0)[0], 10);
	assert_int_equal(gs_profile_values(p, 0)[1], 500);
	gs_profile_free(p);
}

static void test_legacy_errors(void **state)
{
	expect_text_error("goroutine profile: total 1\n1 @ 0xzz\n", "line 2: malformed");
	expect_text_error("goroutine profile: total 1\n1 0x10\n", "line 2: malformed sample");
	expect_text_error("heap profile: 1: 2 [3: 4] @ heap/1024\n0: 5 [0: 0] @ 0x1\n",
			  "line 2: inuse count was 0 but inuse bytes was 5");
	expect_text_error("heap profile: 1: 2 [3: 4] @ heap/1024\nnonsense\n",
			  "line 2: malformed heap sample");
	expect_text_error("--- contention:\nformat=x\n1 1 @ 0x1\n",
			  "line 2: unrecognized contention profile attribute 'format'");
	expect_text_error("hello, this is not a profile at all\n", "unrecognized profile format");
	expect_text_error("heap profile: 1: 2 [3: 4] @ heap_bogus/1\n", "unrecognized profile format");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_valid),
		cmocka_unit_test(test_decode_unpacked_unknown),
		cmocka_unit_test(test_err_empty),
		cmocka_unit_test(test_err_truncated),
		cmocka_unit_test(test_err_overlong_varint),
		cmocka_unit_test(test_err_wire_types),
		cmocka_unit_test(test_err_string_table),
		cmocka_unit_test(test_err_references),
		cmocka_unit_test(test_err_ids),
		cmocka_unit_test(test_err_value_count),
		cmocka_unit_test(test_err_concatenated),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_gzip_bomb),
		cmocka_unit_test(test_gzip_thread),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_encode_roundtrip),
		cmocka_unit_test(test_encode_renumbers),
		cmocka_unit_test(test_legacy_goroutine),
		cmocka_unit_test(test_legacy_heap),
		cmocka_unit_test(test_legacy_contention),
		cmocka_unit_test(test_legacy_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
