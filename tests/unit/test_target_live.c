/* lib/target, live backend: a forked child with known memory and a second thread is opened
 * by pid; single, scattered (more than IOV_MAX elements), partial and faulting reads, maps,
 * threads, consistent-mode stops (registers, no thread left stopped) and error messages. */
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "goscope/target.h"

static volatile uint64_t marker = 1;
static char pattern[3 * 4096];
static uint8_t *holey; /* page 0 mapped, page 1 unmapped, page 2 mapped */

struct child {
	pid_t pid;
	int ready[2], go[2];
};

static void *idle_thread(void *arg)
{
	int fd = *(int *)arg;
	char c;
	while (read(fd, &c, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

static void start_child(struct child *c)
{
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (char)(i * 7 + 3);
	holey = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(holey != MAP_FAILED);
	memset(holey, 0xab, 3 * 4096);
	munmap(holey + 4096, 4096);
	assert_int_equal(pipe(c->ready), 0);
	assert_int_equal(pipe(c->go), 0);
	c->pid = fork();
	assert_true(c->pid >= 0);
	if (c->pid == 0) {
		pthread_t th;
		char b = 1;
		close(c->go[1]); /* else the idle thread never sees end of file */
		marker = 0x1122334455667788ULL; /* only the child's copy says this */
		pthread_create(&th, NULL, idle_thread, &c->go[0]);
		if (write(c->ready[1], &b, 1) != 1)
			_exit(1);
		pthread_join(th, NULL);
		_exit(0);
	}
	char b;
	assert_int_equal(read(c->ready[0], &b, 1), 1);
}

static void stop_child(struct child *c)
{
	int st;
	close(c->go[1]);
	assert_int_equal(waitpid(c->pid, &st, 0), c->pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(c->go[0]);
	close(c->ready[0]);
	close(c->ready[1]);
	munmap(holey, 4096);
	munmap(holey + 2 * 4096, 4096);
}

static void test_reads(void **state)
{
	struct child c;
	struct gs_ctx ctx;
	struct gs_mem *m;
	uint64_t v = 0;
	gs_ctx_init(&ctx);
	start_child(&c);
	assert_int_equal(gs_mem_open_pid(c.pid, NULL, &ctx, &m), 0);
	assert_int_equal(gs_mem_kind(m), GS_MEM_LIVE);
	assert_int_equal(gs_mem_pid(m), c.pid);
	assert_int_equal(gs_mem_read(m, (uintptr_t)&marker, &v, 8, &ctx), 0);
	assert_true(v == 0x1122334455667788ULL);
	v = 0;
	assert_int_equal(gs_mem_read_cb(m, (uintptr_t)&marker, &v, 8), 0);
	assert_true(v == 0x1122334455667788ULL);
	assert_int_equal(gs_mem_read_cb(m, 8, &v, 8), -EFAULT);

	/* 3000 scattered elements (three process_vm_readv calls), one in five unreadable */
	enum { N = 3000 };
	struct gs_mem_iov *iov = calloc(N, sizeof(*iov));
	uint8_t *bufs = calloc(N, 16);
	for (size_t i = 0; i < N; i++) {
		iov[i].buf = bufs + 16 * i;
		iov[i].len = 16;
		iov[i].addr = i % 5 == 4 ? (uint64_t)16 * i : (uintptr_t)pattern + (i * 13) % (sizeof(pattern) - 16);
	}
	assert_int_equal(gs_mem_readv(m, iov, N, &ctx), -EFAULT);
	for (size_t i = 0; i < N; i++) {
		if (i % 5 == 4) {
			assert_int_equal(iov[i].got, 0);
			continue;
		}
		assert_int_equal(iov[i].got, 16);
		assert_memory_equal(iov[i].buf, pattern + (i * 13) % (sizeof(pattern) - 16), 16);
	}
	free(iov);
	free(bufs);

	/* a read running into the hole stops at it; the page after it is still readable */
	uint8_t big[8192];
	struct gs_mem_iov parts[2] = {{(uintptr_t)holey + 4000, big, 200, 0},
				      {(uintptr_t)holey + 2 * 4096, big + 4096, 64, 0}};
	assert_int_equal(gs_mem_readv(m, parts, 2, &ctx), -EFAULT);
	assert_int_equal(parts[0].got, 96);
	assert_int_equal(parts[1].got, 64);
	assert_int_equal(big[4096], 0xab);
	assert_int_equal(gs_mem_read(m, (uintptr_t)holey + 4096, big, 8, &ctx), -EFAULT);
	assert_non_null(strstr(gs_ctx_errmsg(&ctx), "cannot read 8 bytes at 0x"));

	/* maps: the hole splits the mapping; our own code is mapped from our executable */
	const struct gs_mem_mapping *mp = gs_mem_mapping_at(m, (uintptr_t)holey);
	assert_non_null(mp);
	assert_true(mp->end == (uintptr_t)holey + 4096 || mp->end <= (uintptr_t)holey + 4096);
	assert_null(gs_mem_mapping_at(m, (uintptr_t)holey + 4096));
	mp = gs_mem_mapping_at(m, (uintptr_t)&test_reads);
	assert_non_null(mp);
	assert_true(mp->prot & GS_MAP_EXEC);
	assert_non_null(strstr(mp->path, "test_target_live"));
	assert_non_null(strstr(gs_mem_exe_path(m), "test_target_live"));
	bool known;
	gs_mem_load_bias(m, &known);
	assert_true(known);

	size_t n;
	gs_mem_threads(m, &n);
	assert_int_equal(n, 2);
	gs_mem_free(m);
	stop_child(&c);
}

static char task_state(pid_t pid, int32_t tid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	FILE *f = fopen(path, "r");
	if (!f)
		return '?';
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *close = strrchr(buf, ')');
	return close && close[1] == ' ' ? close[2] : '?';
}

static void test_stop(void **state)
{
	struct child c;
	struct gs_ctx ctx;
	struct gs_mem *m;
	size_t n;
	gs_ctx_init(&ctx);
	start_child(&c);
	assert_int_equal(gs_mem_open_pid(c.pid, NULL, &ctx, &m), 0);
	for (int round = 0; round < 3; round++) {
		assert_int_equal(gs_mem_stop(m, NULL, 0, 0, &ctx), 0);
		assert_true(gs_mem_stopped(m));
		assert_int_equal(gs_mem_stop(m, NULL, 0, 0, &ctx), -EALREADY);
		const struct gs_thread *t = gs_mem_threads(m, &n);
		assert_int_equal(n, 2);
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(task_state(c.pid, t[i].tid), 't');
			assert_true(t[i].has_regs);
			assert_true(t[i].regs.tls_known && t[i].regs.tls != 0);
			const struct gs_mem_mapping *sp = gs_mem_mapping_at(m, t[i].regs.sp);
			assert_non_null(sp);
			assert_true(sp->prot & GS_MAP_WRITE);
			assert_non_null(gs_mem_mapping_at(m, t[i].regs.pc));
		}
		/* reads work while stopped */
		uint64_t v;
		assert_int_equal(gs_mem_read(m, (uintptr_t)&marker, &v, 8, &ctx), 0);
		assert_true(v == 0x1122334455667788ULL);
		assert_int_equal(gs_mem_resume(m, &ctx), 0);
		assert_false(gs_mem_stopped(m));
		assert_true(gs_mem_pause_ns(m) > 0);
		for (size_t i = 0; i < n; i++)
			assert_int_not_equal(task_state(c.pid, t[i].tid), 't');
	}
	/* one thread only */
	const struct gs_thread *t = gs_mem_threads(m, &n);
	int32_t tid = t[1].tid;
	assert_int_equal(gs_mem_stop(m, &tid, 1, 0, &ctx), 0);
	t = gs_mem_threads(m, &n);
	assert_int_equal(n, 1);
	assert_int_equal(t[0].tid, tid);
	assert_int_equal(task_state(c.pid, tid), 't');
	assert_int_not_equal(task_state(c.pid, c.pid), 't');
	gs_mem_free(m); /* resumes */
	assert_int_not_equal(task_state(c.pid, tid), 't');
	stop_child(&c);
}

static void *short_thread(void *arg)
{
	return arg;
}

/* A child that creates and ends threads without pause: every stop must still catch every
 * thread (rescans of task/ and threads auto-attached at clone), and every resume free them. */
static pid_t churn_pid;

static int kill_churn(void **state)
{
	if (churn_pid > 0) {
		kill(churn_pid, SIGKILL);
		waitpid(churn_pid, NULL, 0);
	}
	churn_pid = 0;
	return 0;
}

static void test_stop_thread_churn(void **state)
{
	struct gs_ctx ctx;
	struct gs_mem *m;
	gs_ctx_init(&ctx);
	pid_t pid = fork();
	assert_true(pid >= 0);
	churn_pid = pid; /* killed by the teardown, also when an assertion fails */
	if (pid == 0) {
		for (;;) {
			pthread_t th[4];
			for (int i = 0; i < 4; i++)
				pthread_create(&th[i], NULL, short_thread, NULL);
			for (int i = 0; i < 4; i++)
				pthread_join(th[i], NULL);
		}
	}
	usleep(20000);
	assert_int_equal(gs_mem_open_pid(pid, NULL, &ctx, &m), 0);
	size_t caught_many = 0;
	for (int round = 0; round < 30; round++) {
		if (gs_mem_stop(m, NULL, 0, 0, &ctx))
			fail_msg("round %d: %s", round, gs_ctx_errmsg(&ctx));
		size_t n;
		const struct gs_thread *t = gs_mem_threads(m, &n);
		caught_many += n > 1;
		for (size_t i = 0; i < n; i++)
			assert_true(t[i].has_regs);
		/* every live thread of the process is one we hold */
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/task", pid);
		DIR *d = opendir(path);
		assert_non_null(d);
		struct dirent *de;
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			int32_t tid = (int32_t)strtol(de->d_name, NULL, 10);
			char st = task_state(pid, tid);
			if (st == 'Z' || st == 'X' || st == '?')
				continue; /* exiting */
			if (st != 't')
				fail_msg("round %d: thread %d is in state %c while stopped", round, tid, st);
			assert_non_null(gs_mem_thread(m, tid));
		}
		closedir(d);
		assert_int_equal(gs_mem_resume(m, &ctx), 0);
		assert_int_not_equal(task_state(pid, pid), 't');
		assert_int_equal(gs_mem_refresh(m, &ctx), 0);
	}
	assert_true(caught_many > 0);
	gs_mem_free(m);
}

static void test_errors(void **state)
{
	struct gs_ctx ctx;
	struct gs_mem *m = NULL;
	pid_t pid = fork();
	gs_ctx_init(&ctx);
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	assert_int_equal(gs_mem_open_pid(pid, NULL, &ctx, &m), -ESRCH);
	assert_null(m);
	assert_non_null(strstr(gs_ctx_errmsg(&ctx), "no such process"));
	assert_int_equal(gs_mem_open_pid(0, NULL, &ctx, &m), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads),
		cmocka_unit_test(test_stop),
		cmocka_unit_test_teardown(test_stop_thread_churn, kill_churn),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
