/* Unit tests for what lib/gdump computes from snapshots: groups (matching rule, counts, wait
 * ranges, labels, order), filters, leaks across snapshots with their own string tables, and
 * the conversion to a goroutine profile (inlined frames in one location, samples per stack and
 * label set). The snapshots are built through the public builder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "goscope/goroutine.h"
#include "goscope/report.h"

static uint32_t str(struct gs_snapshot *s, const char *p)
{
	uint32_t idx;
	assert_int_equal(gs_snapshot_intern_cstr(s, p, &idx), 0);
	return idx;
}

/* Adds goroutine id with state and frames "func:line[i]" (a leading '~' marks an inlined
 * frame), the creator main.main:10, and optional label worker=value. */
static void add(struct gs_snapshot *s, uint64_t id, const char *state, int64_t minutes,
		const char *label, const char *const *frames, uint32_t flags)
{
	struct gs_goroutine g = {.id = id, .status = GS_GSTATUS_WAITING, .wait_minutes = minutes,
				 .m_id = -1, .flags = flags | GS_G_HAS_CREATOR};
	g.state = str(s, state);
	g.wait_reason = g.state;
	g.created_by = (struct gs_gcreator){.func = str(s, "main.main"), .file = str(s, "/m.go"),
					    .line = 10, .goid = 1};
	assert_int_equal(gs_snapshot_begin_goroutine(s, &g, NULL), 0);
	for (int i = 0; frames[i]; i++) {
		const char *name = frames[i];
		struct gs_gframe f = {.file = str(s, "/m.go"), .line = 20 + i,
				      .flags = GS_GFRAME_HAS_OFF};
		if (*name == '~') {
			name++;
			f.flags = GS_GFRAME_INLINED;
		}
		f.func = str(s, name);
		assert_int_equal(gs_snapshot_add_frame(s, &f), 0);
	}
	if (label)
		assert_int_equal(gs_snapshot_add_label(s, str(s, "worker"), str(s, label)), 0);
}

static const char *const lock_stack[] = {"sync.(*Mutex).Lock", "main.worker", NULL};
static const char *const recv_stack[] = {"~main.wait", "main.recv", NULL};
static const char *const srv_stack[] = {"net/http.(*Server).Serve", NULL};
static const char *const gc_stack[] = {"runtime.gcBgMarkWorker", NULL};

static struct gs_snapshot *sample_snapshot(struct gs_ctx *ctx)
{
	struct gs_snapshot *s;
	gs_ctx_init(ctx);
	assert_int_equal(gs_snapshot_new(ctx, &s), 0);
	for (int i = 0; i < 6; i++)
		add(s, 10 + i, "net/http stuff", -1, NULL, srv_stack, 0);
	add(s, 2, "sync.Mutex.Lock", 3, "a", lock_stack, 0);
	add(s, 3, "sync.Mutex.Lock", 7, "a", lock_stack, GS_G_LOCKED);
	add(s, 4, "sync.Mutex.Lock", -1, "b", lock_stack, 0);
	add(s, 5, "chan receive", -1, "r", recv_stack, 0);
	add(s, 6, "chan receive", -1, "r", recv_stack, 0);
	add(s, 7, "GC worker (idle)", -1, NULL, gc_stack, 0);
	add(s, 8, "chan send", -1, NULL, recv_stack, 0); /* same frames, other state */
	gs_snapshot_classify_system(s);
	return s;
}

static void test_stdlib_rule(void **state)
{
	assert_true(gs_gdump_is_stdlib_func("net/http.(*conn).serve"));
	assert_true(gs_gdump_is_stdlib_func("sync.(*Mutex).Lock"));
	assert_true(gs_gdump_is_stdlib_func("runtime.gopark"));
	assert_false(gs_gdump_is_stdlib_func("main.worker"));
	assert_false(gs_gdump_is_stdlib_func("github.com/x/y.(*T).Run"));
	assert_false(gs_gdump_is_stdlib_func("example.com/z.F[...]"));
	assert_false(gs_gdump_is_stdlib_func(""));
}

static void test_groups(void **state)
{
	struct gs_ctx ctx;
	struct gs_snapshot *s = sample_snapshot(&ctx);
	struct gs_gbuckets b;
	assert_int_equal(gs_gdump_bucket(s, NULL, &b), 0);
	assert_int_equal(b.n, 5);
	assert_int_equal(b.n_members, s->n_goroutines);
	/* user code first, then by count: the 6 server goroutines (standard library) come after */
	const struct gs_gbucket *mu = &b.items[0];
	assert_int_equal(mu->count, 3);
	assert_string_equal(gs_snapshot_str(s, s->goroutines[mu->first].state), "sync.Mutex.Lock");
	assert_int_equal(mu->min_minutes, 3);
	assert_int_equal(mu->max_minutes, 7);
	assert_true(mu->any_locked);
	assert_true(mu->labels_mixed);
	assert_int_equal(mu->user_frames, 1);
	assert_int_equal(s->goroutines[b.members[mu->member_start + 2]].id, 4);
	const struct gs_gbucket *rc = &b.items[1];
	assert_int_equal(rc->count, 2);
	assert_false(rc->labels_mixed);
	assert_int_equal(rc->min_minutes, -1);
	assert_int_equal(b.items[2].count, 1); /* chan send: same frames, other state */
	assert_int_equal(b.items[3].count, 6);
	assert_int_equal(b.items[4].count, 1); /* the GC worker */
	assert_true(s->goroutines[b.items[4].first].flags & GS_G_SYSTEM);

	/* the panicking goroutine's group comes first whatever its size */
	s->goroutines[0].flags |= GS_G_CURRENT;
	gs_gbuckets_release(&b);
	assert_int_equal(gs_gdump_bucket(s, NULL, &b), 0);
	assert_int_equal(b.items[0].count, 6);
	assert_true(b.items[0].has_current);

	/* grouping a subset */
	bool keep[13] = {0};
	keep[6] = keep[8] = true;
	gs_gbuckets_release(&b);
	assert_int_equal(gs_gdump_bucket(s, keep, &b), 0);
	assert_int_equal(b.n, 1);
	assert_int_equal(b.items[0].count, 2);
	assert_true(b.items[0].labels_mixed); /* labels a and b */

	struct gs_out out;
	gs_out_init(&out, NULL, NULL);
	assert_int_equal(gs_gdump_write_groups(s, &b, NULL, &out), 0);
	assert_non_null(strstr(out.buf.data, "2 goroutines in 1 group (of 13)"));
	assert_non_null(strstr(out.buf.data, "\n2 goroutines [sync.Mutex.Lock, 3 minutes]  labels: (differ)\n"
					     "    goroutines 2 4\n"));
	gs_out_release(&out);
	gs_gbuckets_release(&b);
	gs_snapshot_free(s);
}

static void test_filters(void **state)
{
	struct gs_ctx ctx;
	struct gs_snapshot *s = sample_snapshot(&ctx);
	struct gs_regex *re;
	bool *keep;
	size_t kept;
	struct gs_gfilter f = {.user_only = true};
	assert_int_equal(gs_gfilter_apply(s, &f, &keep, &kept), 0);
	assert_int_equal(kept, 12);
	assert_false(keep[11]);
	free(keep);
	struct gs_glabel_match m = {"worker", "a"};
	f = (struct gs_gfilter){.state = "waiting", .labels = &m, .n_labels = 1};
	assert_int_equal(gs_gfilter_apply(s, &f, &keep, &kept), 0);
	assert_int_equal(kept, 2);
	free(keep);
	f = (struct gs_gfilter){.wait_min_ns = 5 * 60000000000LL};
	assert_int_equal(gs_gfilter_apply(s, &f, &keep, &kept), 0);
	assert_int_equal(kept, 1);
	assert_true(keep[7]);
	free(keep);
	assert_int_equal(gs_regex_compile("^main\\.wa", &ctx, &re), 0);
	f = (struct gs_gfilter){.func = re, .state = "chan receive"};
	assert_int_equal(gs_gfilter_apply(s, &f, &keep, &kept), 0);
	assert_int_equal(kept, 2);
	free(keep);
	gs_regex_free(re);
	gs_snapshot_free(s);
}

static void test_leaks(void **state)
{
	struct gs_ctx ctx;
	struct gs_snapshot *a, *b, *c;
	gs_ctx_init(&ctx);
	assert_int_equal(gs_snapshot_new(&ctx, &a), 0);
	assert_int_equal(gs_snapshot_new(&ctx, &b), 0);
	assert_int_equal(gs_snapshot_new(&ctx, &c), 0);
	/* b interns its strings in another order: groups match by content */
	str(b, "zzz");
	for (int i = 0; i < 2; i++)
		add(a, 100 + i, "chan send", -1, NULL, recv_stack, 0);
	add(a, 1, "sync.Mutex.Lock", -1, NULL, lock_stack, 0);
	add(a, 2, "sync.Mutex.Lock", -1, NULL, lock_stack, 0);
	for (int i = 0; i < 5; i++)
		add(b, 100 + i, "chan send", -1, NULL, recv_stack, 0);
	add(b, 1, "sync.Mutex.Lock", -1, NULL, lock_stack, 0);
	add(b, 3, "select", -1, NULL, srv_stack, 0);
	for (int i = 0; i < 9; i++)
		add(c, 100 + i, "chan send", -1, NULL, recv_stack, 0);
	add(c, 3, "select", -1, NULL, srv_stack, 0);
	add(c, 4, "select", -1, NULL, srv_stack, 0);
	const struct gs_snapshot *snaps[] = {a, b, c};
	struct gs_gleaks l;
	assert_int_equal(gs_gdump_leaks(snaps, 1, NULL, &l), -EINVAL);
	assert_int_equal(gs_gdump_leaks(snaps, 3, NULL, &l), 0);
	assert_int_equal(l.groups.len, 2);
	const struct gs_gleak *top = gs_vec_at(&l.groups, 0);
	assert_int_equal(top->growth, 7);
	assert_int_equal(top->snapshot, 2);
	const uint64_t *counts = gs_gleak_counts(&l, top);
	assert_int_equal(counts[0], 2);
	assert_int_equal(counts[1], 5);
	assert_int_equal(counts[2], 9);
	const struct gs_gleak *sel = gs_vec_at(&l.groups, 1);
	assert_int_equal(gs_gleak_counts(&l, sel)[0], 0);
	assert_int_equal(sel->growth, 2);
	gs_gleaks_release(&l);
	struct gs_gleaks_opts opts = {.min_growth = 3};
	assert_int_equal(gs_gdump_leaks(snaps, 3, &opts, &l), 0);
	assert_int_equal(l.groups.len, 1);
	struct gs_out out;
	gs_out_init(&out, NULL, NULL);
	assert_int_equal(gs_gdump_write_leaks(snaps, 3, &l, &out), 0);
	assert_non_null(strstr(out.buf.data, "\n+7 goroutines [chan send] (2 -> 5 -> 9)\n"
					     "    created at /m.go:10 by main.main\n"));
	gs_out_release(&out);
	gs_gleaks_release(&l);
	gs_snapshot_free(a);
	gs_snapshot_free(b);
	gs_snapshot_free(c);
}

static void test_profile(void **state)
{
	struct gs_ctx ctx;
	struct gs_snapshot *s = sample_snapshot(&ctx);
	struct gs_profile *p;
	assert_int_equal(gs_snapshot_to_profile(s, NULL, &ctx, &p), 0);
	assert_int_equal(p->n_sample_types, 1);
	assert_string_equal(gs_profile_str(p, p->sample_types[0].type), "goroutine");
	assert_string_equal(gs_profile_str(p, p->sample_types[0].unit), "count");
	/* (server), (lock, a), (lock, b), (recv, r), (gc), (recv frames without labels) */
	assert_int_equal(p->n_samples, 6);
	assert_int_equal(gs_profile_values(p, 0)[0], 6); /* largest first */
	int64_t total = 0;
	for (size_t i = 0; i < p->n_samples; i++)
		total += gs_profile_values(p, i)[0];
	assert_int_equal(total, 13);
	/* main.wait inlined into main.recv: one location with two lines, the inlined first */
	bool found = false;
	for (size_t i = 0; i < p->n_locations; i++) {
		const struct gs_location *loc = &p->locations[i];
		if (loc->line_count != 2)
			continue;
		const struct gs_line *l = &p->lines[loc->line_start];
		assert_string_equal(gs_profile_str(p, p->functions[l[0].function].name), "main.wait");
		assert_string_equal(gs_profile_str(p, p->functions[l[1].function].name), "main.recv");
		found = true;
	}
	assert_true(found);
	assert_int_equal(p->n_locations, 5);
	uint32_t n_labels;
	const struct gs_label *labels = gs_profile_labelset(p, p->samples[1].labels, &n_labels);
	assert_int_equal(n_labels, 1);
	assert_string_equal(gs_profile_str(p, labels[0].key), "worker");
	gs_profile_free(p);
	gs_snapshot_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stdlib_rule),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_leaks),
		cmocka_unit_test(test_profile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
