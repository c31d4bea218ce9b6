/* Unit tests for the folded-stacks reader (lib/profile/folded.c) and its round trip through
 * the writer (lib/report/folded.c): merging of equal stacks, comments and blank lines, CRLF,
 * negative counts, errors with line numbers, caps, and format sniffing. */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_sniff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
