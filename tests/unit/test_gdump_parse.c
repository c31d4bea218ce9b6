/* Unit tests for the goroutine dump parser: debug=2 text read back byte for byte, panic output
 * (preamble, postamble, current goroutine, inlined frames, ancestors, cgo frames, the unwinder's
 * complaints), crash tracebacks (gp/m/mp, fp/sp/pc, repeated goroutines, labels), truncated
 * dumps, and one-line errors with line numbers. The texts are written for these tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "goscope/goroutine.h"

static struct gs_snapshot *parse_ok(struct gs_ctx *ctx, const char *text)
{
	struct gs_snapshot *s = NULL;
	gs_ctx_init(ctx);
	int err = gs_gdump_parse(text, strlen(text), ctx, &s);
	if (err)
		fail_msg("parse failed: %s", gs_ctx_errmsg(ctx));
	return s;
}

static void expect_error(const char *text, int want, const char *msg)
{
	struct gs_ctx ctx;
	struct gs_snapshot *s = NULL;
	gs_ctx_init(&ctx);
	ctx.limits.stack_depth = 4;
	assert_int_equal(gs_gdump_parse(text, strlen(text), &ctx, &s), want);
	assert_null(s);
	if (!strstr(gs_ctx_errmsg(&ctx), msg))
		fail_msg("message '%s' lacks '%s'", gs_ctx_errmsg(&ctx), msg);
}

static char *dump(const struct gs_snapshot *s, const struct gs_dump_opts *opts)
{
	struct gs_out out;
	size_t len;
	gs_out_init(&out, NULL, NULL);
	assert_int_equal(gs_snapshot_write_dump(s, NULL, opts, &out), 0);
	return gs_buf_detach(&out.buf, &len);
}

static const char *frame_func(const struct gs_snapshot *s, const struct gs_goroutine *g, int i)
{
	return gs_snapshot_str(s, gs_goroutine_frames(s, g)[i].func);
}

static const char debug2[] =
	"goroutine 18 [running]:\n"
	"runtime/pprof.writeGoroutineStacks({0x7a5d20, 0xc0001a2000})\n"
	"\t/go/src/runtime/pprof/pprof.go:819 +0x6b\n"
	"created by net/http.(*Server).Serve in goroutine 6\n"
	"\t/go/src/net/http/server.go:3464 +0x485\n"
	"\n"
	"goroutine 1 [select (no cases), 4 minutes]:\n"
	"main.main()\n"
	"\t/src/app/main.go:306 +0x9ca\n"
	"\n"
	"goroutine 4 [sync.Mutex.Lock]:\n"
	"internal/sync.(*Mutex).Lock(...)\n"
	"\t/go/src/internal/sync/mutex.go:70\n"
	"main.worker[...](0xc000010000, {0x1, 0x2}, 0x3?)\n"
	"\t/src/app/main.go:75 +0x4c\n"
	"net/http.(*connReader).startBackgroundRead.gowrap2()\n"
	"\t/go/src/net/http/server.go:698\n"
	"created by main.main.func1 in goroutine 1\n"
	"\t/src/app/main.go:248 +0x2f\n";

static void test_debug2_roundtrip(void **state)
{
	struct gs_ctx ctx;
	struct gs_snapshot *s = parse_ok(&ctx, debug2);
	assert_int_equal(s->source, GS_SNAPSHOT_DEBUG2);
	assert_int_equal(s->n_goroutines, 3);
	const struct gs_goroutine *g = &s->goroutines[2];
	assert_int_equal(g->id, 4);
	assert_int_equal(g->status, GS_GSTATUS_WAITING);
	assert_string_equal(gs_snapshot_str(s, g->wait_reason), "sync.Mutex.Lock");
	assert_int_equal(g->n_frames, 3);
	const struct gs_gframe *f = gs_goroutine_frames(s, g);
	assert_true(f[0].flags & GS_GFRAME_INLINED);
	assert_string_equal(frame_func(s, g, 1), "main.worker[...]");
	assert_string_equal(gs_snapshot_str(s, f[1].args), "0xc000010000, {0x1, 0x2}, 0x3?");
	assert_int_equal(f[1].line, 75);
	assert_int_equal(f[1].pc_offset, 0x4c);
	assert_false(f[2].flags & (GS_GFRAME_INLINED | GS_GFRAME_HAS_OFF));
	assert_int_equal(g->created_by.goid, 1);
	assert_int_equal(g->created_by.line, 248);
	assert_int_equal(s->goroutines[1].wait_minutes, 4);
	assert_int_equal(s->goroutines[0].status, GS_GSTATUS_RUNNING);
	assert_int_equal(s->goroutines[0].wait_reason, 0);
	assert_int_equal(s->preamble, 0);
	char *text = dump(s, NULL);
	assert_string_equal(text, debug2);
	free(text);
	gs_snapshot_free(s);
}

static const char panic_text[] =
	"panic: boom [recovered]\n"
	"\tpanic: again\n"
	"\n"
	"goroutine 7 [running]:\n"
	"main.crash(0x2a)\n"
	"\t/src/app/main.go:12 +0x1d\n"
	"panic({0x4b2e60?, 0x5e3f90?})\n"
	"\t/go/src/runtime/panic.go:792 +0x132\n"
	"created by main.main in goroutine 1\n"
	"\t/src/app/main.go:29 +0x45\n"
	"\n"
	"goroutine 9 [running]:\n"
	"\tgoroutine running on other thread; stack unavailable\n"
	"created by main.main\n"
	"\t/src/app/main.go:29\n"
	"\n"
	"goroutine 10 [select, 12 minutes, locked to thread]:\n"
	"main.old()\n"
	"\t/src/app/main.go:40 +0x1\n"
	"...additional frames elided...\n"
	"created by main.main in goroutine 1\n"
	"\t/src/app/main.go:41 +0x9\n"
	"[originating from goroutine 1]:\n"
	"main.main(...)\n"
	"\t/src/app/main.go:41 +0x5\n"
	"\n"
	"goroutine 11 [syscall]:\n"
	"non-Go function at pc=0x7f0012345678\n"
	"runtime: g 11: unexpected return pc for main.x called from 0x0\n"
	"main.x()\n"
	"\t/src/app/main.go:50 +0x9\n"
	"exit status 2\n";

static void test_panic(void **state)
{
	struct gs_ctx ctx;
	struct gs_snapshot *s = parse_ok(&ctx, panic_text);
	assert_int_equal(s->source, GS_SNAPSHOT_PANIC);
	assert_int_equal(s->n_goroutines, 4);
	assert_string_equal(gs_snapshot_str(s, s->preamble), "panic: boom [recovered]\n\tpanic: again\n\n");
	assert_string_equal(gs_snapshot_str(s, s->postamble), "exit status 2\n");
	assert_true(s->goroutines[0].flags & GS_G_CURRENT);
	assert_false(s->goroutines[1].flags & GS_G_CURRENT);
	assert_string_equal(frame_func(s, &s->goroutines[0], 1), "panic");
	assert_true(s->goroutines[1].flags & GS_G_NO_STACK);
	assert_int_equal(s->goroutines[1].created_by.goid, 0);
	assert_false(s->goroutines[1].created_by.has_offset);
	const struct gs_goroutine *g = &s->goroutines[2];
	assert_true(g->flags & GS_G_LOCKED);
	assert_true(g->flags & GS_G_ELIDED);
	assert_int_equal(g->elided_at, 1);
	assert_int_equal(g->elided_count, 0);
	assert_int_equal(g->n_frames, 1); /* the ancestor's frames are not its own */
	assert_int_equal(g->wait_minutes, 12);
	g = &s->goroutines[3];
	assert_int_equal(g->n_frames, 2);
	assert_true(gs_goroutine_frames(s, g)[0].flags & GS_GFRAME_CGO);
	assert_int_equal(gs_goroutine_frames(s, g)[0].pc, 0x7f0012345678ULL);
	assert_true(g->flags & GS_G_UNREADABLE);
	assert_string_equal(gs_snapshot_str(s, g->unreadable),
			    "g 11: unexpected return pc for main.x called from 0x0");
	assert_int_equal(s->n_unreadable, 1);
	char *text = dump(s, NULL);
	assert_non_null(strstr(text, "goroutine 9 [running]:\n\tgoroutine running on other thread; "
				     "stack unavailable\ncreated by main.main\n\t/src/app/main.go:29\n"));
	assert_non_null(strstr(text, "main.old()\n\t/src/app/main.go:40 +0x1\n...additional frames "
				     "elided...\ncreated by"));
	assert_non_null(strstr(text, "non-Go function at pc=0x7f0012345678\nmain.x()\n"));
	free(text);
	gs_snapshot_free(s);
}

static const char crash_text[] =
	"SIGQUIT: quit\n"
	"PC=0x40bd2c m=0 sigcode=0\n"
	"\n"
	"goroutine 25 gp=0xc000007c00 m=0 mp=0xa3a940 [syscall]:\n"
	"syscall.Syscall(0x0, 0x9, 0xc0000377b7, 0x1)\n"
	"\t/go/src/syscall/syscall_linux.go:74 +0x25 fp=0xc000037750 sp=0xc0000376f0 pc=0x4a1f05\n"
	"created by main.main.func1 in goroutine 1\n"
	"\t/src/app/main.go:248 +0x2f\n"
	"\n"
	"goroutine 7 gp=0xc0000783c0 m=nil [sync.Mutex.Lock (scan), locked to thread labels:{\"a\\\"b\": "
	"\"\\u00e9\\t\", \"worker\": \"mutex\"}]:\n"
	"runtime.gcBgMarkWorker(0xc00001e000)\n"
	"\t/go/src/runtime/mgc.go:1363 +0xe5\n"
	"\n"
	"rax    0x0\n"
	"rbx    0x9\n"
	"\n"
	"-----\n"
	"\n"
	"SIGQUIT: quit\n"
	"PC=0x493257 m=2 sigcode=0\n"
	"\n"
	"goroutine 0 gp=0xc000006000 m=2 mp=0xc00004e008 [idle]:\n"
	"runtime.futex(0xc00004e148, 0x80, 0x0, 0x0, 0x0, 0x0)\n"
	"\t/go/src/runtime/sys_linux_amd64.s:557 +0x21 fp=0x7f1 sp=0x7f2 pc=0x493261\n"
	"\n"
	"goroutine 25 gp=0xc000007c00 m=0 mp=0xa3a940 [syscall]:\n"
	"main.inC()\n"
	"\t/src/app/c.go:1 +0x1\n";

static void test_crash(void **state)
{
	struct gs_ctx ctx;
	struct gs_snapshot *s = parse_ok(&ctx, crash_text);
	assert_int_equal(s->source, GS_SNAPSHOT_TRACEBACK);
	assert_int_equal(s->n_goroutines, 3); /* goroutine 25's repeat is dropped */
	const struct gs_goroutine *g = &s->goroutines[0];
	assert_int_equal(g->gp, 0xc000007c00ULL);
	assert_int_equal(g->m_id, 0);
	assert_int_equal(g->mp, 0xa3a940);
	assert_int_equal(g->n_frames, 1);
	const struct gs_gframe *f = gs_goroutine_frames(s, g);
	assert_true(f->flags & GS_GFRAME_HAS_PC);
	assert_int_equal(f->fp, 0xc000037750ULL);
	assert_int_equal(f->pc, 0x4a1f05);
	g = &s->goroutines[1];
	assert_int_equal(g->m_id, -1);
	assert_true(g->flags & GS_G_SCAN);
	assert_true(g->flags & GS_G_LOCKED);
	assert_true(g->flags & GS_G_SYSTEM); /* started in runtime.gcBgMarkWorker */
	assert_false(s->goroutines[0].flags & GS_G_SYSTEM);
	assert_string_equal(gs_snapshot_str(s, g->state), "sync.Mutex.Lock");
	assert_int_equal(g->n_labels, 2);
	const struct gs_glabel *l = gs_goroutine_labels(s, g);
	assert_string_equal(gs_snapshot_str(s, l[0].key), "a\"b");
	assert_string_equal(gs_snapshot_str(s, l[0].value), "\xc3\xa9\t");
	assert_string_equal(gs_snapshot_str(s, l[1].value), "mutex");
	assert_int_equal(s->goroutines[2].id, 0);
	assert_non_null(strstr(gs_snapshot_str(s, s->postamble), "rbx    0x9\n"));
	struct gs_dump_opts opts = {.thread_ids = true, .frame_regs = true, .labels = true};
	char *text = dump(s, &opts);
	/* the goroutines as printed, without the text around them and the repeat */
	const char *first = strstr(crash_text, "goroutine 25"), *regs = strstr(crash_text, "\nrax");
	assert_true(strncmp(text, first, (size_t)(regs - first)) == 0);
	free(text);
	gs_snapshot_free(s);
}

static void test_truncated_and_errors(void **state)
{
	struct gs_ctx ctx;
	struct gs_snapshot *s = parse_ok(&ctx, "goroutine 3 [chan send]:\nmain.f(0x1)");
	assert_int_equal(s->n_goroutines, 1);
	assert_true(s->goroutines[0].flags & GS_G_UNREADABLE);
	assert_int_equal(s->goroutines[0].n_frames, 0);
	gs_snapshot_free(s);
	/* a call-like line after a goroutine that has no file line is the program's own text */
	s = parse_ok(&ctx, "goroutine 3 [chan send]:\nmain.f()\n\t/a.go:1\nlog(1)\nmore\n");
	assert_int_equal(s->goroutines[0].n_frames, 1);
	assert_string_equal(gs_snapshot_str(s, s->postamble), "log(1)\nmore\n");
	gs_snapshot_free(s);

	expect_error("hello\nworld\n", -EBADMSG, "not a goroutine dump");
	expect_error("\n\ngoroutine 5 [x\n", -EBADMSG, "line 3: malformed goroutine header");
	expect_error("goroutine 99999999999999999999 [x]:\n", -EBADMSG, "line 1: malformed");
	expect_error("goroutine 1 gp=0xzz m=1 [x]:\n", -EBADMSG, "bad gp=");
	expect_error("goroutine 1 [x]:\nmain.f()\n\t/a.go:x\n", -EBADMSG, "line 3: bad line number");
	expect_error("goroutine 1 [x]:\nmain.f()\n\t/a.go:1 junk\n", -EBADMSG, "line 3: unexpected text");
	expect_error("goroutine 1 [x]:\ncreated by main.g\nmain.f()\n", -EBADMSG,
		     "line 3: expected '\\tFILE:LINE' after 'created by'");
	expect_error("goroutine 1 [x]:\ncreated by main.g\n", -EBADMSG, "ends after 'created by'");
	expect_error("goroutine 1 [x]:\n...7x frames elided...\n", -EBADMSG, "line 2: malformed '...N");
	expect_error("goroutine 1 [x]:\n...2 frames elided...\n...2 frames elided...\n", -EBADMSG,
		     "line 3: a second elision marker");
	expect_error("goroutine 1 [x labels:{\"k\" \"v\"}]:\n", -EBADMSG, "line 1: malformed labels");
	static const char nul[] = "goroutine 1 [x]:\nma\0in.f()\n\t/a.go:1\n";
	gs_ctx_init(&ctx);
	s = NULL;
	assert_int_equal(gs_gdump_parse(nul, sizeof(nul) - 1, &ctx, &s), -EBADMSG);
	assert_null(s);
	assert_non_null(strstr(gs_ctx_errmsg(&ctx), "line 2: a NUL byte"));
	expect_error("goroutine 1 [x]:\na()\n\t/a:1\nb()\n\t/a:1\nc()\n\t/a:1\nd()\n\t/a:1\ne()\n\t/a:1\n",
		     -E2BIG, "line 11: a cap of the snapshot limits");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debug2_roundtrip),
		cmocka_unit_test(test_panic),
		cmocka_unit_test(test_crash),
		cmocka_unit_test(test_truncated_and_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
