/* Unit tests for lib/report/measure.c: pprof's unit scaling, scaled labels, percentages,
 * output unit selection and the Duration header line. Every expected string below was
 * produced by Go 1.26.8 running pprof's own measurement rules (fmt.Sprintf, not glibc), then
 * pasted here as a literal. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "goscope/report.h"

struct label_case {
	int64_t value;
	const char *from, *to;
	const char *label; /* ScaledLabel */
	const char *unit;  /* unit returned by Scale */
};

static const struct label_case label_cases[] = {
	{0LL, "nanoseconds", "minimum", "0", "s"},
	{1LL, "nanoseconds", "auto", "1ns", "ns"},
	{999LL, "nanoseconds", "auto", "999ns", "ns"},
	{1000LL, "nanoseconds", "auto", "1us", "us"},
	{1500LL, "nanoseconds", "auto", "1.50us", "us"},
	{10000000LL, "nanoseconds", "auto", "10ms", "ms"},
	{3170000000LL, "nanoseconds", "auto", "3.17s", "s"},
	{960110000LL, "nanoseconds", "auto", "960.11ms", "ms"},
	{60000000000LL, "nanoseconds", "auto", "60s", "s"},
	{3600000000000LL, "nanoseconds", "auto", "1hrs", "hrs"},
	{6002940000000LL, "nanoseconds", "auto", "1.67hrs", "hrs"},
	{6002940000000LL, "nanoseconds", "s", "6002.94s", "s"},
	{6002940000000LL, "nanoseconds", "seconds", "6002.94s", "s"},
	{5000000LL, "nanoseconds", "ms", "5ms", "ms"},
	{5LL, "nanoseconds", "ms", "0", "ms"},
	{4999LL, "nanoseconds", "ms", "0", "ms"},
	{5000LL, "nanoseconds", "ms", "0.01ms", "ms"},
	{15000LL, "nanoseconds", "ms", "0.01ms", "ms"},
	{25000LL, "nanoseconds", "ms", "0.03ms", "ms"},
	{-10000000LL, "nanoseconds", "auto", "-10ms", "ms"},
	{-1LL, "nanoseconds", "hrs", "0", "hrs"},
	{-1LL, "nanoseconds", "s", "0", "s"},
	{10LL, "nanoseconds", "minutes", "0", "s"},
	{10LL, "nanoseconds", "MB", "0", "s"},
	{1LL, "seconds", "auto", "1s", "s"},
	{90LL, "seconds", "auto", "90s", "s"},
	{7200LL, "sec", "ms", "7200000ms", "ms"},
	{3LL, "hours", "auto", "3hrs", "hrs"},
	{3LL, "hrs", "auto", "3hrs", "hrs"},
	{3LL, "HR", "auto", "3hrs", "hrs"},
	{1LL, "microseconds", "auto", "1us", "us"},
	{1LL, "\xce\xbcs", "auto", "1", ""},
	{1LL, "\xce\xbcss", "auto", "1us", "us"},
	{1LL, "\xce\x9css", "auto", "1us", "us"},
	{1LL, "us", "auto", "1us", "us"},
	{2LL, "millisecond", "ns", "2000000ns", "ns"},
	{0LL, "bytes", "auto", "0", "B"},
	{1LL, "bytes", "auto", "1B", "B"},
	{1023LL, "bytes", "auto", "1023B", "B"},
	{1024LL, "bytes", "auto", "1kB", "kB"},
	{1536LL, "bytes", "auto", "1.50kB", "kB"},
	{42991616LL, "bytes", "auto", "41MB", "MB"},
	{15614032LL, "bytes", "auto", "14.89MB", "MB"},
	{1099511627776LL, "bytes", "auto", "1TB", "TB"},
	{1125899906842624LL, "bytes", "auto", "1PB", "PB"},
	{1152921504606846976LL, "bytes", "auto", "1024PB", "PB"},
	{1048576LL, "bytes", "kB", "1024kB", "kB"},
	{1048576LL, "bytes", "kilobytes", "1024kB", "kB"},
	{1048576LL, "bytes", "KB", "1024kB", "kB"},
	{5LL, "kb", "b", "5120B", "B"},
	{5LL, "MB", "auto", "5MB", "MB"},
	{5LL, "megabytes", "GB", "0", "GB"},
	{100LL, "bytes", "seconds", "100B", "B"},
	{3LL, "B", "auto", "3B", "B"},
	{3LL, "BYTE", "auto", "3B", "B"},
	{3LL, "\xe2\x84\xaa" "b", "auto", "3kB", "kB"},
	{3LL, "bs", "auto", "3", ""},
	{7LL, "count", "minimum", "7", ""},
	{7LL, "count", "auto", "7", ""},
	{7LL, "count", "count", "7", ""},
	{7LL, "count", "sample", "7", ""},
	{7LL, "count", "unit", "7", ""},
	{7LL, "count", "ms", "7ms", "ms"},
	{7LL, "objects", "foo", "7foo", "foo"},
	{7LL, "", "", "7", ""},
	{-7LL, "count", "minimum", "-7", ""},
	{12796LL, "count", "minimum", "12796", ""},
	{0LL, "count", "auto", "0", ""},
	{-3LL, "objects", "minimum", "-3", ""},
	{1LL, "gcu", "auto", "1GCU", "GCU"},
	{1500LL, "milligcu", "auto", "1.50GCU", "GCU"},
	{1LL, "nanogcu", "auto", "1n*GCU", "n*GCU"},
	{3LL, "GCUs", "auto", "3GCU", "GCU"},
	{2000000LL, "gcu", "auto", "2M*GCU", "M*GCU"},
	{5LL, "kilogcu", "ngcu", "5000GCU", "GCU"},
	{5LL, "kilogcu", "nanogcu", "5000000000000n*GCU", "n*GCU"},
	{INT64_MAX, "bytes", "auto", "8192PB", "PB"},
	{INT64_MIN, "bytes", "auto", "-9223372036854775808B", "B"},
	{INT64_MIN, "nanoseconds", "auto", "-9223372036.85s", "s"},
	{INT64_MIN, "count", "auto", "-9223372036854775808", ""},
	{INT64_MAX, "petagcu", "nanogcu", "9223372036854775653257495089327465637609472n*GCU", "n*GCU"},
	{INT64_MAX, "hours", "ns", "33204139332677192908800000000000ns", "ns"},
	{5LL, "nanoseconds", "auto", "5ns", "ns"},
	{1001LL, "nanoseconds", "us", "1us", "us"},
	{1005LL, "nanoseconds", "us", "1us", "us"},
	{1015LL, "nanoseconds", "us", "1.01us", "us"},
	{2675LL, "nanoseconds", "us", "2.67us", "us"},
	{125LL, "nanoseconds", "us", "0.12us", "us"},
	{-125LL, "nanoseconds", "us", "-0.12us", "us"},
	{-4LL, "nanoseconds", "us", "0", "us"},
	{-5LL, "nanoseconds", "us", "-0.01us", "us"},
	{-6LL, "nanoseconds", "us", "-0.01us", "us"},
};

static void test_label_table(void **state)
{
	struct gs_buf b;
	gs_buf_init(&b, 0);
	for (size_t i = 0; i < GS_ARRAY_LEN(label_cases); i++) {
		const struct label_case *c = &label_cases[i];
		const char *unit = NULL;
		gs_measure_scale(c->value, c->from, c->to, &unit);
		gs_buf_reset(&b);
		assert_int_equal(gs_measure_label(&b, c->value, c->from, c->to), 0);
		if (strcmp(b.data, c->label) || strcmp(unit, c->unit))
			fail_msg("case %zu: %lld %s -> %s: got '%s' unit '%s', want '%s' unit '%s'", i,
				 (long long)c->value, c->from, c->to, b.data, unit, c->label, c->unit);
	}
	gs_buf_release(&b);
}

static void test_scale_values(void **state)
{
	const char *unit;
	assert_true(gs_measure_scale(1500, "nanoseconds", "auto", &unit) == 1.5);
	assert_string_equal(unit, "us");
	assert_true(gs_measure_scale(5, "kb", "b", &unit) == 5120);
	assert_true(gs_measure_scale(-10000000, "nanoseconds", "auto", &unit) == -10);
	assert_string_equal(unit, "ms");
	/* unit may be NULL */
	assert_true(gs_measure_scale(1024, "bytes", "auto", NULL) == 1);
	/* NULL units behave as empty strings */
	assert_true(gs_measure_scale(7, NULL, NULL, &unit) == 7);
	assert_string_equal(unit, "");
	/* a unit string longer than any alias is outside every family */
	assert_true(gs_measure_scale(7, "nanosecondsnanosecondsnanosecondss", "auto", &unit) == 7);
	assert_string_equal(unit, "");
}

static void test_unit_family(void **state)
{
	assert_int_equal(gs_measure_unit_family("bytes"), 0);
	assert_int_equal(gs_measure_unit_family("MB"), 0);
	assert_int_equal(gs_measure_unit_family("nanoseconds"), 1);
	assert_int_equal(gs_measure_unit_family("hrs"), 1);
	assert_int_equal(gs_measure_unit_family("GCU"), 2);
	assert_int_equal(gs_measure_unit_family("count"), -1);
	assert_int_equal(gs_measure_unit_family("minutes"), -1);
	assert_int_equal(gs_measure_unit_family("\xce\xbcs"), -1);
	assert_int_equal(gs_measure_unit_family("\xff\xfe"), -1);
	assert_int_equal(gs_measure_unit_family(""), -1);
}

struct pct_case {
	int64_t value, total;
	const char *text;
};

static const struct pct_case pct_cases[] = {
	{0LL, 0LL, "    0%"},
	{5LL, 0LL, "    0%"},
	{0LL, 100LL, "    0%"},
	{1LL, 100LL, " 1.00%"},
	{100LL, 100LL, "  100%"},
	{9995LL, 10000LL, "  100%"},
	{10005LL, 10000LL, "  100%"},
	{9994LL, 10000LL, "99.94%"},
	{10006LL, 10000LL, "100.06%"},
	{-100LL, 100LL, "  100%"},
	{1750LL, 10000LL, "17.50%"},
	{139LL, 10000LL, " 1.39%"},
	{11367LL, 10000LL, "113.67%"},
	{5LL, 1000LL, "  0.5%"},
	{83LL, 10000LL, " 0.83%"},
	{17LL, 100000LL, "0.017%"},
	{999LL, 100000LL, "    1%"},
	{9999LL, 1000000LL, "    1%"},
	{1LL, 5882352941LL, "1.7e-08%"},
	{1LL, 10000000LL, "1e-05%"},
	{1LL, 1000000LL, "0.0001%"},
	{1LL, 100000LL, "0.001%"},
	{12345LL, 1000000LL, " 1.23%"},
	{5LL, 10000LL, " 0.05%"},
	{95LL, 10000LL, " 0.95%"},
	{995LL, 100000LL, "    1%"},
	{1LL, 3LL, "33.33%"},
	{2LL, 3LL, "66.67%"},
	{INT64_MAX, 1LL, "922337203685477580800.00%"},
	{INT64_MIN, 1LL, "922337203685477580800.00%"},
	{-7LL, -3LL, "233.33%"},
	{3LL, -700LL, " 0.43%"},
	{1LL, INT64_MAX, "1.1e-17%"},
	{9995LL, 1000000LL, "    1%"},
	{99949LL, 100000LL, "99.95%"},
	{100051LL, 100000LL, "100.05%"},
	{105LL, 10000LL, " 1.05%"},
	{4LL, 3000LL, " 0.13%"},
	{1LL, 4611686018427387904LL, "2.2e-17%"},
};

static void test_percent_table(void **state)
{
	char buf[GS_MEASURE_PCT_MAX];
	for (size_t i = 0; i < GS_ARRAY_LEN(pct_cases); i++) {
		const struct pct_case *c = &pct_cases[i];
		const char *got = gs_measure_percent(c->value, c->total, buf);
		assert_ptr_equal(got, buf);
		if (strcmp(got, c->text))
			fail_msg("case %zu: %lld of %lld: got '%s', want '%s'", i, (long long)c->value,
				 (long long)c->total, got, c->text);
	}
}

static const char *fmt_value(struct gs_buf *b, const struct gs_measure_fmt *f, int64_t v)
{
	gs_buf_reset(b);
	assert_int_equal(gs_measure_fmt_value(f, b, v), 0);
	return b->data;
}

static void test_fmt_ratio(void **state)
{
	struct gs_buf b;
	struct gs_measure_fmt f;
	gs_buf_init(&b, 0);

	gs_measure_fmt_init(&f, "nanoseconds", "minimum", 1);
	assert_string_equal(fmt_value(&b, &f, 1500000), "1.50ms");
	/* -divide_by=1000: values divided (truncated) before labelling */
	gs_measure_fmt_init(&f, "nanoseconds", "minimum", 1000);
	assert_string_equal(fmt_value(&b, &f, 1500000), "1.50us");
	assert_string_equal(fmt_value(&b, &f, 999), "0");
	gs_measure_fmt_init(&f, "count", "minimum", 3);
	assert_string_equal(fmt_value(&b, &f, 10), "3");
	assert_string_equal(fmt_value(&b, &f, -10), "-3");
	/* a negative divisor gives a negative ratio, which pprof ignores */
	gs_measure_fmt_init(&f, "count", "minimum", -2);
	assert_string_equal(fmt_value(&b, &f, 10), "10");
	/* 0.5: doubled */
	gs_measure_fmt_init(&f, "bytes", "auto", 0.5);
	assert_string_equal(fmt_value(&b, &f, 512), "1kB");
	/* explicit unit */
	gs_measure_fmt_init(&f, "bytes", "MB", 1);
	assert_string_equal(fmt_value(&b, &f, 42991616), "41MB");
	assert_string_equal(fmt_value(&b, &f, 1024), "0");
	gs_buf_release(&b);
}

static void test_f64_to_i64(void **state)
{
	assert_true(gs_measure_f64_to_i64(1.9) == 1);
	assert_true(gs_measure_f64_to_i64(-1.9) == -1);
	assert_true(gs_measure_f64_to_i64(1e19) == INT64_MIN);
	assert_true(gs_measure_f64_to_i64(-1e19) == INT64_MIN);
	assert_true(gs_measure_f64_to_i64(NAN) == INT64_MIN);
	assert_true(gs_measure_f64_to_i64(-9223372036854775808.0) == INT64_MIN);
	assert_true(gs_measure_f64_to_i64(9223372036854774784.0) == 9223372036854774784LL);
}

static const char *select_unit(const char *sample_unit, const char *opt, size_t n_nodes,
			       int64_t min_value, int64_t total, double divide_by, bool integers)
{
	static struct gs_measure_fmt f;
	gs_measure_fmt_init(&f, sample_unit, opt, divide_by);
	gs_measure_select_unit(&f, n_nodes, min_value, total, integers);
	return f.output_unit;
}

static void test_select_unit(void **state)
{
	/* pprof -top on a 3.6s CPU profile whose smallest node is 10ms prints 0.01s */
	assert_string_equal(select_unit("nanoseconds", "minimum", 40, 10000000, 3600000000, 1, false), "s");
	/* ... and with -nodecount=3 (smallest shown 420ms) prints ms */
	assert_string_equal(select_unit("nanoseconds", "minimum", 3, 420000000, 3600000000, 1, false), "ms");
	/* callgrind keeps the unit of the minimum */
	assert_string_equal(select_unit("nanoseconds", "minimum", 40, 10000000, 3600000000, 1, true), "ms");
	/* same unit for min and max: no exception */
	assert_string_equal(select_unit("nanoseconds", "minimum", 2, 1000000, 900000000, 1, false), "ms");
	/* heap */
	assert_string_equal(select_unit("bytes", "minimum", 5, 524288, 42991616, 1, false), "kB");
	assert_string_equal(select_unit("bytes", "minimum", 5, 1536, 42991616, 1, false), "kB");
	assert_string_equal(select_unit("bytes", "minimum", 5, 1536, 142991616, 1, false), "kB");
	assert_string_equal(select_unit("bytes", "minimum", 5, 15000, 142991616, 1, false), "MB");
	/* min 0 (no non-zero node): the total decides */
	assert_string_equal(select_unit("bytes", "minimum", 5, 0, 42991616, 1, false), "MB");
	/* counts: the sample unit itself */
	assert_string_equal(select_unit("count", "minimum", 5, 3, 1000, 1, false), "count");
	/* no nodes, or an explicit/auto unit: unchanged */
	assert_string_equal(select_unit("nanoseconds", "minimum", 0, 10, 100, 1, false), "minimum");
	assert_string_equal(select_unit("nanoseconds", "auto", 5, 10, 100, 1, false), "auto");
	assert_string_equal(select_unit("nanoseconds", "ms", 5, 10, 100, 1, false), "ms");
	/* the ratio applies before the choice: 10ms/1000 = 10us, 3.6s/1000 = 3.6ms;
	 * expected units from Go running selectOutputUnit's steps */
	assert_string_equal(select_unit("nanoseconds", "minimum", 5, 10000000, 3600000000, 1000, false), "ms");
	assert_string_equal(select_unit("nanoseconds", "minimum", 5, 10000000, 36000000000, 1000, false), "ms");
	assert_string_equal(select_unit("nanoseconds", "minimum", 5, 10000000, 3600000000000, 1000, false), "ms");
	/* 100*min wraps around in Go's int64 arithmetic and is scaled by magnitude */
	assert_string_equal(select_unit("nanoseconds", "minimum", 5, 100000000000000000, 9200000000000000000, 1, false), "hrs");
}

static void test_min_fold(void **state)
{
	int64_t m = 0;
	m = gs_measure_min_fold(m, 0, 0);
	assert_true(m == 0);
	m = gs_measure_min_fold(m, 0, -50);
	assert_true(m == 50);
	m = gs_measure_min_fold(m, -70, 10);
	assert_true(m == 50);
	m = gs_measure_min_fold(m, 20, 5);
	assert_true(m == 20);
	m = gs_measure_min_fold(m, 0, 7);
	assert_true(m == 7);
}

static void test_duration_line(void **state)
{
	static const struct {
		int64_t dur, total;
		const char *sample_unit, *output_unit;
		const char *want;
	} cases[] = {
		{3167000000, 3600000000, "nanoseconds", "s", "Duration: 3.17s, Total samples = 3.60s (113.67%)"},
		{1010000000, 7869522, "bytes", "kB", "Duration: 1.01s, Total samples = 7685.08kB "},
		{30000000000, 1875000000, "nanoseconds", "ms", "Duration: 30s, Total samples = 1875ms ( 6.25%)"},
		{5280000000, 0, "nanoseconds", "ms", "Duration: 5.28s, Total samples = 0 "},
		{10000000000, 25, "count", "minimum", "Duration: 10s, Total samples = 25 "},
		{2000000000, 4, "seconds", "minimum", "Duration: 2s, Total samples = 4s (200.00%)"},
		{60000000000, 6002940000000, "nanoseconds", "auto", "Duration: 60s, Total samples = 1.67hrs (10004.90%)"},
	};
	struct gs_buf b;
	gs_buf_init(&b, 0);
	for (size_t i = 0; i < GS_ARRAY_LEN(cases); i++) {
		struct gs_measure_fmt f;
		gs_measure_fmt_init(&f, cases[i].sample_unit, cases[i].output_unit, 1);
		gs_buf_reset(&b);
		assert_int_equal(gs_measure_duration_line(&b, cases[i].dur, cases[i].total, &f), 0);
		assert_string_equal(b.data, cases[i].want);
	}
	gs_buf_release(&b);
}

static void test_pad(void **state)
{
	struct gs_buf b;
	gs_buf_init(&b, 0);
	assert_int_equal(gs_measure_pad_left(&b, "10ms", 10), 0);
	assert_string_equal(b.data, "      10ms");
	gs_buf_reset(&b);
	/* Go pads by runes: "ключ" is 4 runes, 8 bytes */
	assert_int_equal(gs_measure_pad_left(&b, "\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87", 6), 0);
	assert_string_equal(b.data, "  \xd0\xba\xd0\xbb\xd1\x8e\xd1\x87");
	gs_buf_reset(&b);
	assert_int_equal(gs_measure_pad_left(&b, "longer than width", 4), 0);
	assert_string_equal(b.data, "longer than width");

	assert_int_equal(gs_measure_runes("abc", 3), 3);
	assert_int_equal(gs_measure_runes("\xe2\x82\xac", 3), 1);      /* euro sign */
	assert_int_equal(gs_measure_runes("\xf0\x9f\x98\x80", 4), 1);  /* emoji */
	assert_int_equal(gs_measure_runes("\xe2\x82", 2), 2);          /* truncated */
	assert_int_equal(gs_measure_runes("\xc0\x80", 2), 2);          /* overlong */
	assert_int_equal(gs_measure_runes("\xed\xa0\x80", 3), 3);      /* surrogate */
	assert_int_equal(gs_measure_runes("\xe0\x80\x80", 3), 3);      /* overlong 3-byte */
	assert_int_equal(gs_measure_runes("\xf4\x90\x80\x80", 4), 4);  /* > U+10FFFF */
	assert_int_equal(gs_measure_runes("\xff", 1), 1);
	gs_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_table),   cmocka_unit_test(test_scale_values),
		cmocka_unit_test(test_unit_family),   cmocka_unit_test(test_percent_table),
		cmocka_unit_test(test_fmt_ratio),     cmocka_unit_test(test_f64_to_i64),
		cmocka_unit_test(test_select_unit),   cmocka_unit_test(test_min_fold),
		cmocka_unit_test(test_duration_line), cmocka_unit_test(test_pad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
