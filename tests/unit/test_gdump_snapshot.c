/* Unit tests for the goroutine snapshot model: the builder and its caps, label order, the
 * system-goroutine rule, and the dump-format writer (header variants, inlined frames, the
 * runtime's elision of long stacks, "created by"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "goscope/goroutine.h"

static struct gs_snapshot *new_snapshot(struct gs_ctx *ctx)
{
	struct gs_snapshot *s;
	gs_ctx_init(ctx);
	assert_int_equal(gs_snapshot_new(ctx, &s), 0);
	return s;
}

static uint32_t str(struct gs_snapshot *s, const char *p)
{
	uint32_t idx;
	assert_int_equal(gs_snapshot_intern_cstr(s, p, &idx), 0);
	return idx;
}

static struct gs_gframe frame(struct gs_snapshot *s, const char *func, const char *file,
			      int64_t line, int64_t off, const char *args)
{
	struct gs_gframe f = {.func = str(s, func), .file = str(s, file), .line = line};
	if (off >= 0) {
		f.flags |= GS_GFRAME_HAS_OFF;
		f.pc_offset = (uint64_t)off;
	} else {
		f.flags |= GS_GFRAME_INLINED;
	}
	if (args)
		f.args = str(s, args);
	return f;
}

static char *dump(const struct gs_snapshot *s, const struct gs_dump_opts *opts)
{
	struct gs_out out;
	gs_out_init(&out, NULL, NULL);
	assert_int_equal(gs_snapshot_write_dump(s, NULL, opts, &out), 0);
	size_t len;
	return gs_buf_detach(&out.buf, &len);
}

static void test_status(void **state)
{
	bool scan;
	assert_int_equal(gs_gstatus_from_runtime(0x1004, &scan), GS_GSTATUS_WAITING);
	assert_true(scan);
	assert_int_equal(gs_gstatus_from_runtime(2, &scan), GS_GSTATUS_RUNNING);
	assert_false(scan);
	assert_int_equal(gs_gstatus_from_runtime(5, NULL), GS_GSTATUS_UNKNOWN);
	assert_int_equal(gs_gstatus_from_runtime(77, NULL), GS_GSTATUS_UNKNOWN);
	assert_string_equal(gs_gstatus_name(GS_GSTATUS_SYSCALL), "syscall");
	assert_string_equal(gs_gstatus_name(GS_GSTATUS_LEAKED), "???");
	assert_string_equal(gs_gstatus_name(GS_GSTATUS_UNKNOWN), "???");
}

static void test_build_and_write(void **state)
{
	struct gs_ctx ctx;
	struct gs_snapshot *s = new_snapshot(&ctx);
	struct gs_goroutine g = {.id = 1, .status = GS_GSTATUS_WAITING, .wait_minutes = -1,
				 .m_id = -1};
	g.state = str(s, "chan receive");
	g.wait_reason = g.state;
	struct gs_gframe frames[2] = {
		frame(s, "main.recv", "/src/main.go", 10, -1, NULL),
		frame(s, "main.main", "/src/main.go", 20, 0x1d, ""),
	};
	assert_int_equal(gs_snapshot_add_goroutine(s, &g, frames, 2, NULL, 0, NULL), 0);

	struct gs_goroutine g2 = {.id = 7, .status = GS_GSTATUS_WAITING, .wait_minutes = 3,
				  .flags = GS_G_LOCKED | GS_G_HAS_CREATOR, .gp = 0xc000001,
				  .m_id = 4, .mp = 0xc000777};
	g2.state = str(s, "sync.Mutex.Lock");
	g2.created_by = (struct gs_gcreator){.func = str(s, "main.main"),
					     .file = str(s, "/src/main.go"), .line = 30,
					     .has_offset = true, .pc_offset = 0x65, .goid = 1};
	uint32_t idx;
	assert_int_equal(gs_snapshot_begin_goroutine(s, &g2, &idx), 0);
	assert_int_equal(idx, 1);
	struct gs_gframe f = frame(s, "sync.(*Mutex).Lock", "/go/sync/mutex.go", 46, 0x3f,
				   "0xc0000a0000");
	assert_int_equal(gs_snapshot_add_frame(s, &f), 0);
	assert_int_equal(gs_snapshot_add_label(s, str(s, "zone"), str(s, "b\"\n\x01\xc3\xa9")), 0);
	assert_int_equal(gs_snapshot_add_label(s, str(s, "app"), str(s, "x")), 0);
	assert_int_equal(gs_snapshot_add_label(s, str(s, "zone"), str(s, "a")), 0); /* replaces */
	assert_int_equal(s->goroutines[1].n_labels, 2);
	const struct gs_glabel *labels = gs_goroutine_labels(s, &s->goroutines[1]);
	assert_string_equal(gs_snapshot_str(s, labels[0].key), "app");
	assert_string_equal(gs_snapshot_str(s, labels[1].value), "a");
	assert_int_equal(gs_snapshot_find(s, 7), 1);
	assert_int_equal(gs_snapshot_find(s, 8), -1);

	char *text = dump(s, NULL);
	assert_string_equal(text, "goroutine 1 [chan receive]:\n"
				  "main.recv(...)\n"
				  "\t/src/main.go:10\n"
				  "main.main()\n"
				  "\t/src/main.go:20 +0x1d\n"
				  "\n"
				  "goroutine 7 [sync.Mutex.Lock, 3 minutes, locked to thread]:\n"
				  "sync.(*Mutex).Lock(0xc0000a0000)\n"
				  "\t/go/sync/mutex.go:46 +0x3f\n"
				  "created by main.main in goroutine 1\n"
				  "\t/src/main.go:30 +0x65\n");
	free(text);
	struct gs_dump_opts opts = {.thread_ids = true, .labels = true};
	s->goroutines[1].n_frames = 0;
	s->goroutines[1].flags &= ~(uint32_t)GS_G_HAS_CREATOR;
	s->goroutines[1].flags |= GS_G_NO_STACK;
	assert_int_equal(gs_snapshot_add_label(s, str(s, "zone"), str(s, "b\"\n\x01\xc3\xa9\xff")), 0);
	text = dump(s, &opts);
	assert_non_null(strstr(text, "goroutine 7 gp=0xc000001 m=4 mp=0xc000777 [sync.Mutex.Lock, 3 "
				     "minutes, locked to thread labels:{\"app\": \"x\", \"zone\": "
				     "\"b\\\"\\n\\x01\\u00e9\\ufffd\"}]:\n"
				     "\tgoroutine running on other thread; stack unavailable\n"));
	free(text);
	gs_snapshot_free(s);
}

static void test_elision(void **state)
{
	struct gs_ctx ctx;
	struct gs_snapshot *s = new_snapshot(&ctx);
	struct gs_goroutine g = {.id = 5, .status = GS_GSTATUS_RUNNABLE, .wait_minutes = -1};
	assert_int_equal(gs_snapshot_begin_goroutine(s, &g, NULL), 0);
	for (int i = 0; i < 130; i++) {
		char name[32];
		snprintf(name, sizeof(name), "main.f%d", i);
		struct gs_gframe f = frame(s, name, "/a.go", i + 1, 4, "");
		assert_int_equal(gs_snapshot_add_frame(s, &f), 0);
	}
	char *text = dump(s, NULL);
	assert_true(strncmp(text, "goroutine 5 [runnable]:\nmain.f0()\n", 34) == 0);
	assert_non_null(strstr(text, "main.f49()\n\t/a.go:50 +0x4\n...30 frames elided...\nmain.f80()\n"));
	assert_null(strstr(text, "main.f50()"));
	assert_null(strstr(text, "main.f79()"));
	assert_non_null(strstr(text, "main.f129()\n\t/a.go:130 +0x4\n"));
	free(text);

	/* frames missing in the source: the marker where they were, "additional" if uncounted */
	s->goroutines[0].flags |= GS_G_ELIDED;
	s->goroutines[0].n_frames = 3;
	s->goroutines[0].elided_at = 3;
	s->goroutines[0].elided_count = 0;
	text = dump(s, NULL);
	assert_string_equal(text, "goroutine 5 [runnable]:\n"
				  "main.f0()\n\t/a.go:1 +0x4\n"
				  "main.f1()\n\t/a.go:2 +0x4\n"
				  "main.f2()\n\t/a.go:3 +0x4\n"
				  "...additional frames elided...\n");
	free(text);
	gs_snapshot_free(s);
}

static void test_caps_and_system(void **state)
{
	struct gs_ctx ctx;
	struct gs_snapshot *s = new_snapshot(&ctx);
	struct gs_gframe f = frame(s, "runtime.gopark", "/p.go", 1, 0, "");
	assert_int_equal(gs_snapshot_add_frame(s, &f), -EINVAL); /* no goroutine yet */
	assert_int_equal(gs_snapshot_add_label(s, 0, 0), -EINVAL);
	s->limits.goroutines = 3;
	s->limits.stack_depth = 2;
	s->limits.labels = 1;
	const char *starts[] = {"runtime.gcBgMarkWorker", "main.main", "runtime.main"};
	for (int i = 0; i < 3; i++) {
		struct gs_goroutine g = {.id = (uint64_t)i + 1};
		assert_int_equal(gs_snapshot_begin_goroutine(s, &g, NULL), 0);
		struct gs_gframe leaf = frame(s, "runtime.gopark", "/p.go", 1, 0, "");
		struct gs_gframe start = frame(s, starts[i], "/p.go", 2, 0, "");
		assert_int_equal(gs_snapshot_add_frame(s, &leaf), 0);
		assert_int_equal(gs_snapshot_add_frame(s, &start), 0);
		assert_int_equal(gs_snapshot_add_frame(s, &start), -E2BIG);
		assert_int_equal(gs_snapshot_add_label(s, str(s, "k"), str(s, "v")), 0);
		assert_int_equal(gs_snapshot_add_label(s, str(s, "l"), str(s, "v")), -E2BIG);
	}
	struct gs_goroutine g = {.id = 9};
	assert_int_equal(gs_snapshot_begin_goroutine(s, &g, NULL), -E2BIG);
	s->goroutines[1].flags |= GS_G_SYSTEM; /* a guess the classifier must correct */
	gs_snapshot_classify_system(s);
	assert_true(s->goroutines[0].flags & GS_G_SYSTEM);
	assert_false(s->goroutines[1].flags & GS_G_SYSTEM);
	assert_false(s->goroutines[2].flags & GS_G_SYSTEM);
	s->limits.string_bytes = 4;
	uint32_t idx;
	assert_int_equal(gs_snapshot_intern_cstr(s, "too long", &idx), -E2BIG);
	gs_snapshot_free(s);
}

/* A goroutine is counted unreadable once, whether it is added with the flag set or marked
 * afterwards, and however often it is marked. */
static void test_unreadable_count(void **state)
{
	(void)state;
	struct gs_ctx ctx;
	struct gs_snapshot *s = new_snapshot(&ctx);
	struct gs_goroutine g = {.id = 1, .status = GS_GSTATUS_WAITING, .flags = GS_G_UNREADABLE};
	assert_int_equal(gs_snapshot_add_goroutine(s, &g, NULL, 0, NULL, 0, NULL), 0);
	assert_int_equal(s->n_unreadable, 1);
	assert_int_equal(gs_snapshot_mark_unreadable(s, &s->goroutines[0], "again", 5), 0);
	assert_int_equal(s->n_unreadable, 1);
	g.id = 2;
	g.flags = 0;
	assert_int_equal(gs_snapshot_add_goroutine(s, &g, NULL, 0, NULL, 0, NULL), 0);
	assert_int_equal(s->n_unreadable, 1);
	assert_int_equal(gs_snapshot_mark_unreadable(s, &s->goroutines[1], "cut", 3), 0);
	assert_int_equal(s->n_unreadable, 2);
	assert_true(s->goroutines[1].flags & GS_G_UNREADABLE);
	assert_string_equal(gs_snapshot_str(s, s->goroutines[1].unreadable), "cut");
	gs_snapshot_free(s);
}

/* The runtime's isSystemGoroutine, shared by dump text and memory readers. */
static void test_system_rule(void **state)
{
	(void)state;
	assert_false(gs_goroutine_is_system("main.worker", false));
	assert_false(gs_goroutine_is_system("runtime.main", false));
	assert_false(gs_goroutine_is_system("runtime.corostart", false));
	assert_false(gs_goroutine_is_system("runtime.handleAsyncEvent", false));
	assert_true(gs_goroutine_is_system("runtime.bgsweep", false));
	assert_true(gs_goroutine_is_system("runtime.bgsweep", true));
	const char *fin[] = {"runtime.runfinq", "runtime.runFinalizers", "runtime.runCleanups"};
	for (size_t i = 0; i < 3; i++) {
		assert_true(gs_goroutine_is_system(fin[i], false));
		assert_false(gs_goroutine_is_system(fin[i], true));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_build_and_write),
		cmocka_unit_test(test_elision),
		cmocka_unit_test(test_caps_and_system),
		cmocka_unit_test(test_unreadable_count),
		cmocka_unit_test(test_system_rule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
