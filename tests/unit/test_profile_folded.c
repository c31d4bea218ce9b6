/* Unit tests for the interchange readers: folded stacks (lib/profile/folded.c) and the round
 * trip through the writer (lib/report/folded.c): merging of equal stacks, comments and blank
 * lines, CRLF, negative counts, errors with line numbers, caps, sniffing; goscope's JSON
 * profile (lib/profile/jsonprof.c, lib/report/jsonprof.c): lossless round trip and
 * validation; speedscope (lib/profile/speedscope.c, lib/report/speedscope.c): sampled and
 * evented profiles; the JSON reader of lib/core; detection through gs_profile_parse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "goscope/flame.h"

static struct gs_profile *parse(struct gs_ctx *ctx, const char *text, int want)
{
	struct gs_profile *p = NULL;
	assert_int_equal(gs_profile_parse_folded(text, strlen(text), NULL, ctx, &p), want);
	return p;
}

static char *write_folded(struct gs_profile *p, struct gs_ctx *ctx)
{
	struct gs_out o;
	struct gs_folded_opts fo;
	gs_folded_opts_init(&fo);
	gs_out_init(&o, NULL, NULL);
	assert_int_equal(gs_folded_write(p, &fo, &o, ctx), 0);
	return gs_buf_detach(&o.buf, NULL);
}

static void test_read(void **state)
{
	struct gs_ctx ctx;
	gs_ctx_init(&ctx);
	struct gs_profile *p = parse(&ctx,
				     "# comment\n"
				     "main;a;b 3\r\n"
				     "\n"
				     "main;a 2\n"
				     "main;c b\t4\n"
				     "main;a;b 1\n",
				     0);
	assert_int_equal(p->n_sample_types, 1);
	assert_string_equal(gs_profile_str(p, p->sample_types[0].type), "samples");
	assert_string_equal(gs_profile_str(p, p->sample_types[0].unit), "count");
	assert_int_equal(p->n_samples, 3);     /* main;a;b merged */
	assert_int_equal(p->n_locations, 4);  /* main, a, b, "c b" */
	assert_int_equal(p->n_functions, 4);
	assert_int_equal(gs_profile_values(p, 0)[0], 4);
	uint32_t n;
	const uint32_t *st = gs_profile_stack(p, p->samples[0].stack, &n);
	assert_int_equal(n, 3);
	/* leaf first */
	const struct gs_location *leaf = &p->locations[st[0]];
	assert_string_equal(gs_profile_str(p, p->functions[p->lines[leaf->line_start].function].name),
			    "b");
	assert_int_equal(p->locations[st[2]].id, 1);
	st = gs_profile_stack(p, p->samples[2].stack, &n);
	assert_string_equal(
		gs_profile_str(p, p->functions[p->lines[p->locations[st[0]].line_start].function].name),
		"c b");
	gs_profile_free(p);
}

static void test_round_trip(void **state)
{
	struct gs_ctx ctx;
	gs_ctx_init(&ctx);
	const char *text = "main;a;b 40\n"
			   "main;c;d 40\n"
			   "main;a 20\n"
			   "x 5\n"
			   "main;neg -7\n";
	struct gs_profile *p = parse(&ctx, text, 0);
	char *once = write_folded(p, &ctx);
	/* the tree orders by weight, heaviest first; a node's own line precedes its children */
	assert_string_equal(once, "main;a 20\n"
				  "main;a;b 40\n"
				  "main;c;d 40\n"
				  "main;neg -7\n"
				  "x 5\n");
	struct gs_profile *q = parse(&ctx, once, 0);
	char *twice = write_folded(q, &ctx);
	assert_string_equal(once, twice);
	free(once);
	free(twice);
	gs_profile_free(p);
	gs_profile_free(q);

	/* custom sample type */
	struct gs_folded_read_opts ro = {"cpu", "nanoseconds"};
	assert_int_equal(gs_profile_parse_folded("a;b 10\n", 7, &ro, &ctx, &p), 0);
	assert_string_equal(gs_profile_str(p, p->sample_types[0].type), "cpu");
	assert_string_equal(gs_profile_str(p, p->sample_types[0].unit), "nanoseconds");
	gs_profile_free(p);
}

static void test_errors(void **state)
{
	struct gs_ctx ctx;
	gs_ctx_init(&ctx);
	assert_null(parse(&ctx, "a;b 1\nno count here\n", -EBADMSG));
	assert_non_null(strstr(gs_ctx_errmsg(&ctx), "line 2"));
	assert_null(parse(&ctx, "a;b 99999999999999999999\n", -EBADMSG));
	assert_null(parse(&ctx, "a 9223372036854775807\na 1\n", -EBADMSG));
	assert_non_null(strstr(gs_ctx_errmsg(&ctx), "overflows"));
	assert_null(parse(&ctx, "# only a comment\n\n", -EBADMSG));
	assert_null(parse(&ctx, "", -EBADMSG));

	/* caps: frames per stack */
	ctx.limits.stack_depth = 3;
	assert_null(parse(&ctx, "a;b;c;d 1\n", -E2BIG));
	assert_non_null(strstr(gs_ctx_errmsg(&ctx), "line 1"));
	gs_ctx_init(&ctx);
	ctx.limits.samples = 2;
	assert_null(parse(&ctx, "a 1\nb 1\nc 1\n", -E2BIG));
}

static void test_sniff(void **state)
{
	const char *yes[] = {"main;a 1\n", "\n# c\nx 5", "a;b -3\r\n", "perl;foo_[j] 12\n"};
	const char *no[] = {"", "hello world\n", "a;b\n", "{\"x\": 1}", "\x1f\x8b\x08", "12\n",
			    "goroutine profile: total 5\n5 @ 0x1 0x2\n"};
	for (size_t i = 0; i < GS_ARRAY_LEN(yes); i++)
		assert_true(gs_folded_sniff(yes[i], strlen(yes[i])));
	for (size_t i = 0; i < GS_ARRAY_LEN(no); i++)
		assert_false(gs_folded_sniff(no[i], strlen(no[i])));
}


/* A profile with everything the model has: labels (string and numeric), mappings, inlined
 * lines, metadata. */
static struct gs_profile *rich(struct gs_ctx *ctx)
{
	struct gs_profile *p;
	uint32_t s[16], idx, stack, set;
	const char *strs[] = {"samples", "count", "cpu", "nanoseconds", "main.f", "/a.go", "g",
			      "/b.go", "/bin/x", "abc123", "worker", "w1", "bytes", "a comment",
			      "h\"<x>;y", "^runtime\\."};
	assert_int_equal(gs_profile_new(ctx, &p), 0);
	for (size_t i = 0; i < GS_ARRAY_LEN(strs); i++)
		assert_int_equal(gs_profile_intern_cstr(p, strs[i], &s[i]), 0);
	assert_int_equal(gs_profile_add_sample_type(p, s[0], s[1]), 0);
	assert_int_equal(gs_profile_add_sample_type(p, s[2], s[3]), 0);
	p->default_sample_type = s[2];
	p->period_type = (struct gs_value_type){s[2], s[3]};
	p->period = 10000000;
	p->time_nanos = 1795332972122871390;
	p->duration_nanos = 1500000000;
	p->drop_frames = s[15];
	assert_int_equal(gs_profile_add_comment(p, s[13]), 0);
	struct gs_mapping m = {.id = 7, .memory_start = 0xffffffff00400000ULL, .memory_limit = 0xffffffff00500000ULL,
			       .file_offset = 0x1000, .filename = s[8], .build_id = s[9],
			       .has_functions = true, .has_inline_frames = true};
	assert_int_equal(gs_profile_add_mapping(p, &m, &idx), 0);
	struct gs_function f1 = {.id = 3, .name = s[4], .system_name = s[4], .filename = s[5], .start_line = 9};
	struct gs_function f2 = {.id = 5, .name = s[6], .system_name = s[6], .filename = s[7]};
	struct gs_function f3 = {.id = 6, .name = s[14], .system_name = s[14], .filename = s[7]};
	uint32_t fi1, fi2, fi3;
	assert_int_equal(gs_profile_add_function(p, &f1, &fi1), 0);
	assert_int_equal(gs_profile_add_function(p, &f2, &fi2), 0);
	assert_int_equal(gs_profile_add_function(p, &f3, &fi3), 0);
	struct gs_line l1[] = {{fi2, 20, 4}, {fi1, 10, 0}};
	struct gs_line l2[] = {{fi3, 30, 0}};
	struct gs_location a = {.id = 100, .mapping = 0, .address = 0xffffffff00401234ULL};
	struct gs_location b = {.id = 101, .mapping = GS_NONE, .address = 0, .is_folded = true};
	uint32_t la, lb;
	assert_int_equal(gs_profile_add_location(p, &a, l1, 2, &la), 0);
	assert_int_equal(gs_profile_add_location(p, &b, l2, 1, &lb), 0);
	struct gs_label labels[] = {{s[10], s[11], 0, 0}, {s[12], 0, -4096, s[12]}};
	assert_int_equal(gs_profile_intern_labels(p, labels, 2, &set), 0);
	uint32_t st[] = {lb, la};
	assert_int_equal(gs_profile_intern_stack(p, st, 2, &stack), 0);
	int64_t v[] = {3, 30000000};
	assert_int_equal(gs_profile_add_sample(p, stack, set, v), 0);
	assert_int_equal(gs_profile_intern_stack(p, &la, 1, &stack), 0);
	int64_t w[] = {-1, INT64_MIN + 1};
	assert_int_equal(gs_profile_add_sample(p, stack, 0, w), 0);
	return p;
}

static char *to_json(const struct gs_profile *p)
{
	struct gs_out o;
	gs_out_init(&o, NULL, NULL);
	assert_int_equal(gs_profile_write_json(p, &o, true), 0);
	return gs_buf_detach(&o.buf, NULL);
}

static void test_json_round_trip(void **state)
{
	struct gs_ctx ctx;
	gs_ctx_init(&ctx);
	struct gs_profile *p = rich(&ctx), *q;
	char *a = to_json(p);
	assert_true(gs_profile_json_sniff(a, strlen(a)));
	assert_false(gs_speedscope_sniff(a, strlen(a)));
	/* through the detection of gs_profile_parse, as every command reads it */
	assert_int_equal(gs_profile_parse(a, strlen(a), &ctx, &q), 0);
	char *b = to_json(q);
	assert_string_equal(a, b);
	assert_int_equal(q->mappings[0].memory_start, 0xffffffff00400000ULL);
	assert_int_equal(gs_profile_values(q, 1)[1], INT64_MIN + 1);
	assert_true(q->locations[1].is_folded);
	assert_int_equal(q->lines[0].column, 4);
	free(a);
	free(b);
	gs_profile_free(q);
	gs_profile_free(p);
}

static void expect_json_error(const char *text, int err, const char *msg)
{
	struct gs_ctx ctx;
	struct gs_profile *p = NULL;
	gs_ctx_init(&ctx);
	assert_int_equal(gs_profile_parse_json(text, strlen(text), &ctx, &p), err);
	assert_null(p);
	if (!strstr(gs_ctx_errmsg(&ctx), msg))
		fail_msg("message '%s' lacks '%s'", gs_ctx_errmsg(&ctx), msg);
}

static void test_json_errors(void **state)
{
#define HDR "{\"format\":\"goscope-profile\",\"sample_types\":[{\"type\":\"a\",\"unit\":\"b\"}],"
	expect_json_error("{\"format\":\"other\"}", -EBADMSG, "not a goscope JSON profile");
	expect_json_error("{\"format\":\"goscope-profile\",", -EBADMSG, "byte");
	expect_json_error("[1,2,]", -EBADMSG, "byte 5");
	expect_json_error(HDR "\"functions\":[{\"id\":1},{\"id\":1}]}", -EBADMSG, "functions[1]: id 1 is used twice");
	expect_json_error(HDR "\"functions\":[{\"id\":0}]}", -EBADMSG, "id 0 is reserved");
	expect_json_error(HDR "\"locations\":[{\"id\":1,\"lines\":[{\"function\":9}]}]}", -EBADMSG,
			  "locations[0]: function id 9 does not exist");
	expect_json_error(HDR "\"locations\":[{\"id\":1}],\"samples\":[{\"locations\":[2],\"values\":[1]}]}",
			  -EBADMSG, "samples[0]: location id 2 does not exist");
	expect_json_error(HDR "\"samples\":[{\"locations\":[],\"values\":[1,2]}]}", -EBADMSG,
			  "samples[0]: 2 values, expected 1");
	expect_json_error(HDR "\"samples\":[{\"values\":[\"x\"]}]}", -EBADMSG, "not an integer");
	expect_json_error(HDR "\"mappings\":{}}", -EBADMSG, "'mappings' is not an array");
	/* deep nesting is capped, not a stack overflow */
	char deep[2100];
	memset(deep, '[', 2000);
	deep[2000] = '\0';
	expect_json_error(deep, -E2BIG, "nesting deeper");
#undef HDR
}

static void test_json_reader(void **state)
{
	struct gs_ctx ctx;
	struct gs_jdoc doc;
	gs_ctx_init(&ctx);
	const char *t = " {\"a\": [1, -2.5e3, \"x\\u00e9\\ud83d\\ude00\\n\", true, null, 9223372036854775807],"
			"\"b\": {}} ";
	assert_int_equal(gs_jdoc_parse(&doc, t, strlen(t), &ctx), 0);
	const struct gs_jv *a = gs_jv_get(&doc.root, "a");
	assert_int_equal(a->kind, GS_JV_ARR);
	assert_int_equal(a->len, 6);
	int64_t i;
	double d;
	assert_true(gs_jv_i64(&a->u.items[0], &i) && i == 1);
	assert_true(gs_jv_f64(&a->u.items[1], &d) && d == -2500);
	assert_true(gs_jv_i64(&a->u.items[1], &i) && i == -2500);
	assert_string_equal(gs_jv_str(&a->u.items[2]), "x\xc3\xa9\xf0\x9f\x98\x80\n");
	assert_true(a->u.items[3].kind == GS_JV_BOOL && a->u.items[3].u.b);
	assert_int_equal(a->u.items[4].kind, GS_JV_NULL);
	assert_true(gs_jv_i64(&a->u.items[5], &i) && i == INT64_MAX);
	assert_int_equal(gs_jv_get(&doc.root, "b")->kind, GS_JV_OBJ);
	assert_null(gs_jv_get(&doc.root, "c"));
	gs_jdoc_release(&doc);
	const char *bad[] = {"", "{", "[1 2]", "{\"a\" 1}", "\"\\x\"", "01", "1.", "-", "tru",
			     "\"a\x01\"", "{} x", "[\"\\ud800\"]x"};
	for (size_t k = 0; k < GS_ARRAY_LEN(bad); k++) {
		assert_int_equal(gs_jdoc_parse(&doc, bad[k], strlen(bad[k]), &ctx), -EBADMSG);
		gs_jdoc_release(&doc);
	}
}

static void test_speedscope(void **state)
{
	struct gs_ctx ctx;
	gs_ctx_init(&ctx);
	/* our own writer, read back: the same folded stacks, the chosen type first */
	struct gs_profile *p = parse(&ctx, "main;a;b 40\nmain;c 20\nmain 5\n", 0), *q;
	struct gs_out o;
	gs_out_init(&o, NULL, NULL);
	assert_int_equal(gs_speedscope_write(p, -1, "demo", &o, &ctx), 0);
	assert_true(gs_speedscope_sniff(o.buf.data, o.buf.len));
	assert_false(gs_profile_json_sniff(o.buf.data, o.buf.len));
	assert_int_equal(gs_profile_parse(o.buf.data, o.buf.len, &ctx, &q), 0);
	char *a = write_folded(p, &ctx), *b = write_folded(q, &ctx);
	assert_string_equal(a, b);
	assert_string_equal(gs_profile_str(q, q->sample_types[0].type), "samples");
	free(a);
	free(b);
	gs_out_release(&o);
	gs_profile_free(p);
	gs_profile_free(q);

	/* evented, in milliseconds: time between events goes to the open stack, as ns */
	const char *ev = "{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\","
			 "\"shared\":{\"frames\":[{\"name\":\"main\",\"file\":\"m.go\",\"line\":3},{\"name\":\"work\"}]},"
			 "\"profiles\":[{\"type\":\"evented\",\"name\":\"t1\",\"unit\":\"milliseconds\","
			 "\"startValue\":0,\"endValue\":10,\"events\":["
			 "{\"type\":\"O\",\"frame\":0,\"at\":0},{\"type\":\"O\",\"frame\":1,\"at\":1},"
			 "{\"type\":\"C\",\"frame\":1,\"at\":3.5},{\"type\":\"C\",\"frame\":0,\"at\":10}]}]}";
	assert_int_equal(gs_profile_parse(ev, strlen(ev), &ctx, &q), 0);
	assert_string_equal(gs_profile_str(q, q->sample_types[0].unit), "nanoseconds");
	a = write_folded(q, &ctx);
	assert_string_equal(a, "main 7500000\nmain;work 2500000\n");
	free(a);
	assert_int_equal(q->lines[0].line, 3);
	gs_profile_free(q);

	const char *bad_close = "{\"shared\":{\"frames\":[{\"name\":\"a\"},{\"name\":\"b\"}]},\"profiles\":"
				"[{\"type\":\"evented\",\"events\":[{\"type\":\"O\",\"frame\":0,\"at\":0},"
				"{\"type\":\"C\",\"frame\":1,\"at\":1}]}]}";
	assert_int_equal(gs_profile_parse_speedscope(bad_close, strlen(bad_close), &ctx, &q), -EBADMSG);
	assert_non_null(strstr(gs_ctx_errmsg(&ctx), "not open"));
	const char *bad_frame = "{\"shared\":{\"frames\":[]},\"profiles\":[{\"type\":\"sampled\","
				"\"samples\":[[0]],\"weights\":[1]}]}";
	assert_int_equal(gs_profile_parse_speedscope(bad_frame, strlen(bad_frame), &ctx, &q), -EBADMSG);
	assert_non_null(strstr(gs_ctx_errmsg(&ctx), "frame 0"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_sniff),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_json_errors),
		cmocka_unit_test(test_json_reader),
		cmocka_unit_test(test_speedscope),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
