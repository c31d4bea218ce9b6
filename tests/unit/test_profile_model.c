/* Unit tests for the gs_profile builder: interning of strings, stacks and label sets, caps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "goscope/profile.h"

static struct gs_profile *new_profile(struct gs_ctx *ctx)
{
	struct gs_profile *p;
	gs_ctx_init(ctx);
	assert_int_equal(gs_profile_new(ctx, &p), 0);
	return p;
}

static void test_empty(void **state)
{
	struct gs_ctx ctx;
	struct gs_profile *p = new_profile(&ctx);
	assert_int_equal(p->strings.len, 1);
	assert_string_equal(gs_profile_str(p, 0), "");
	assert_int_equal(p->n_stacks, 1);     /* the empty stack */
	assert_int_equal(p->n_labelsets, 1); /* the empty label set */
	assert_string_equal(gs_profile_str(p, 12345), "");
	gs_profile_free(p);
}

static void test_stacks_dedup(void **state)
{
	struct gs_ctx ctx;
	struct gs_profile *p = new_profile(&ctx);
	uint32_t a, b, c, e;
	const uint32_t s1[] = {3, 2, 1}, s2[] = {3, 2}, s3[] = {3, 2, 1};
	assert_int_equal(gs_profile_intern_stack(p, s1, 3, &a), 0);
	assert_int_equal(gs_profile_intern_stack(p, s2, 2, &b), 0);
	assert_int_equal(gs_profile_intern_stack(p, s3, 3, &c), 0);
	assert_int_equal(gs_profile_intern_stack(p, NULL, 0, &e), 0);
	assert_int_not_equal(a, b);
	assert_int_equal(a, c);
	assert_int_equal(e, 0);
	uint32_t len;
	const uint32_t *locs = gs_profile_stack(p, b, &len);
	assert_int_equal(len, 2);
	assert_int_equal(locs[0], 3);
	assert_int_equal(locs[1], 2);
	/* many stacks: the map and the arrays grow */
	for (uint32_t i = 0; i < 20000; i++) {
		uint32_t s[2] = {i, i + 1}, idx;
		assert_int_equal(gs_profile_intern_stack(p, s, 2, &idx), 0);
	}
	assert_int_equal(gs_profile_intern_stack(p, s2, 2, &c), 0);
	assert_int_equal(c, b);
	gs_profile_free(p);
}

static void test_labels_sorted(void **state)
{
	struct gs_ctx ctx;
	struct gs_profile *p = new_profile(&ctx);
	uint32_t k1, k2, v1, v2, a, b;
	assert_int_equal(gs_profile_intern_cstr(p, "zeta", &k1), 0);
	assert_int_equal(gs_profile_intern_cstr(p, "alpha", &k2), 0);
	assert_int_equal(gs_profile_intern_cstr(p, "x", &v1), 0);
	assert_int_equal(gs_profile_intern_cstr(p, "y", &v2), 0);
	struct gs_label l1[] = {{k1, v1, 0, 0}, {k2, v2, 0, 0}};
	struct gs_label l2[] = {{k2, v2, 0, 0}, {k1, v1, 0, 0}};
	assert_int_equal(gs_profile_intern_labels(p, l1, 2, &a), 0);
	assert_int_equal(gs_profile_intern_labels(p, l2, 2, &b), 0);
	assert_int_equal(a, b);
	assert_int_not_equal(a, 0);
	uint32_t len;
	const struct gs_label *set = gs_profile_labelset(p, a, &len);
	assert_int_equal(len, 2);
	assert_string_equal(gs_profile_str(p, set[0].key), "alpha");
	assert_string_equal(gs_profile_str(p, set[1].key), "zeta");
	/* the caller's array is untouched */
	assert_int_equal(l1[0].key, k1);
	gs_profile_free(p);
}

static void test_samples_and_caps(void **state)
{
	struct gs_ctx ctx;
	struct gs_profile *p = new_profile(&ctx);
	uint32_t t, u, fn, loc, stack;
	assert_int_equal(gs_profile_intern_cstr(p, "cpu", &t), 0);
	assert_int_equal(gs_profile_intern_cstr(p, "nanoseconds", &u), 0);
	assert_int_equal(gs_profile_add_sample_type(p, t, u), 0);
	assert_int_equal(gs_profile_add_sample_type(p, t, u), 0);
	assert_int_equal(gs_profile_find_sample_type(p, "cpu"), 0);
	assert_int_equal(gs_profile_find_sample_type(p, "nope"), -1);
	struct gs_function f = {.id = 1, .name = t};
	assert_int_equal(gs_profile_add_function(p, &f, &fn), 0);
	struct gs_line lines[] = {{fn, 10, 0}, {fn, 20, 0}};
	struct gs_location l = {.id = 7, .mapping = GS_NONE, .address = 0x1000};
	assert_int_equal(gs_profile_add_location(p, &l, lines, 2, &loc), 0);
	assert_int_equal(p->locations[loc].line_count, 2);
	assert_int_equal(p->lines[p->locations[loc].line_start + 1].line, 20);
	assert_int_equal(gs_profile_intern_stack(p, &loc, 1, &stack), 0);
	for (int i = 0; i < 1000; i++) {
		int64_t v[2] = {i, 2 * i};
		assert_int_equal(gs_profile_add_sample(p, stack, 0, v), 0);
	}
	assert_int_equal(gs_profile_values(p, 999)[1], 1998);
	/* sample types are fixed once samples exist */
	assert_int_equal(gs_profile_add_sample_type(p, t, u), -EINVAL);
	/* out-of-range references are refused */
	int64_t v[2] = {0, 0};
	assert_int_equal(gs_profile_add_sample(p, 999, 0, v), -EINVAL);
	/* the sample cap */
	p->limits.samples = 1000;
	assert_int_equal(gs_profile_add_sample(p, stack, 0, v), -E2BIG);
	gs_profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_stacks_dedup),
		cmocka_unit_test(test_labels_sorted),
		cmocka_unit_test(test_samples_and_caps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
