/* Consistent mode for a live process: PTRACE_SEIZE + PTRACE_INTERRUPT every thread (or a
 * chosen few), wait for each stop, read the registers (NT_PRSTATUS; NT_ARM_TLS on arm64),
 * and PTRACE_DETACH them all on resume, re-injecting a signal caught in delivery. SEIZE, not
 * ATTACH: no SIGSTOP is sent, and if we die the kernel detaches and the threads run on. */
#include <elf.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct gs_seized *find_seized(struct gs_mem *m, int32_t tid)
{
	struct gs_seized *s = m->seized.data;
	for (size_t i = 0; i < m->seized.len; i++)
		if (s[i].tid == tid)
			return &s[i];
	return NULL;
}

static int add_seized(struct gs_mem *m, int32_t tid, struct gs_ctx *ctx)
{
	struct gs_seized *s;
	int err = gs_vec_push(&m->seized, GS_TARGET_MAX_THREADS, (void **)&s);
	if (err)
		return gs_ctx_err(ctx, err, "pid %d: more than %u threads", m->pid, GS_TARGET_MAX_THREADS);
	s->tid = tid;
	return 0;
}

/* A thread that is exiting (zombie, dead) or gone: its state in task/TID/stat. */
static bool thread_exiting(int pid, int32_t tid)
{
	char path[80], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = 0;
	const char *close_paren = strrchr(buf, ')');
	return close_paren && close_paren[1] == ' ' && (close_paren[2] == 'Z' || close_paren[2] == 'X');
}

/* Seizes and interrupts one thread. A thread that is gone is no error. One we already trace
 * (auto-attached at clone, seen in task/ before its parent's clone event) is adopted. */
static int seize(struct gs_mem *m, int32_t tid, struct gs_ctx *ctx)
{
	if (find_seized(m, tid))
		return 0;
	if (ptrace(PTRACE_SEIZE, tid, 0, (void *)(uintptr_t)PTRACE_O_TRACECLONE) != 0) {
		int e = errno;
		if (e == ESRCH)
			return 0;
		if (e == EPERM) {
			int st;
			pid_t r = waitpid(tid, &st, __WALL | WNOHANG);
			if (r == 0 || r == tid) {
				int err = add_seized(m, tid, ctx);
				if (!err && r == tid && WIFSTOPPED(st))
					find_seized(m, tid)->stopped = true;
				return err;
			}
			/* the kernel refuses to attach to a thread that is exiting */
			if (thread_exiting(m->pid, tid))
				return 0;
		}
		return gs_procfs_explain(m->pid, -e, "cannot stop the threads of", ctx);
	}
	if (!m->stopped) {
		m->stopped = true;
		clock_gettime(CLOCK_MONOTONIC, &m->stop_start);
	}
	int err = add_seized(m, tid, ctx);
	if (err)
		return err;
	if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) != 0 && errno == ESRCH)
		find_seized(m, tid)->gone = true;
	return 0;
}

/* Collects stops until every seized thread is stopped or gone. */
static int wait_stops(struct gs_mem *m, uint64_t deadline, struct gs_ctx *ctx)
{
	unsigned spins = 0;
	for (;;) {
		bool pending = false, progress = false;
		for (size_t i = 0; i < m->seized.len; i++) {
			struct gs_seized *s = (struct gs_seized *)m->seized.data + i;
			int st;
			if (s->stopped || s->gone)
				continue;
			pid_t r = waitpid(s->tid, &st, __WALL | WNOHANG);
			if (r == 0) {
				pending = true;
				continue;
			}
			progress = true;
			if (r < 0 || WIFEXITED(st) || WIFSIGNALED(st)) {
				s->gone = true;
				continue;
			}
			if (!WIFSTOPPED(st))
				continue;
			s->stopped = true;
			unsigned event = (unsigned)st >> 16;
			if (event == 0 && WSTOPSIG(st) != SIGTRAP)
				s->signal = WSTOPSIG(st); /* signal-delivery-stop: give it back later */
			if (event == PTRACE_EVENT_CLONE) {
				unsigned long child;
				int32_t tid = s->tid;
				if (ptrace(PTRACE_GETEVENTMSG, tid, 0, &child) == 0 && child &&
				    child <= INT32_MAX && !find_seized(m, (int32_t)child)) {
					int err = add_seized(m, (int32_t)child, ctx);
					if (err)
						return err;
				}
			}
		}
		if (!pending)
			return 0;
		if (now_ns() > deadline)
			return gs_ctx_err(ctx, -ETIMEDOUT,
					  "pid %d: a thread did not stop in time (uninterruptible sleep?)", m->pid);
		if (!progress) {
			/* yield first: most threads stop within microseconds */
			if (++spins < 64) {
				sched_yield();
			} else {
				struct timespec ts = {0, 50000};
				nanosleep(&ts, NULL);
			}
		}
	}
}

static void read_regs(struct gs_mem *m, int32_t tid, struct gs_thread *t)
{
	uint64_t words[GS_REGS_MAX];
	struct iovec io = {words, sizeof(words)};
	memset(&t->regs, 0, sizeof(t->regs));
	t->regs.arch = m->arch;
	if (ptrace(PTRACE_GETREGSET, tid, (void *)(uintptr_t)NT_PRSTATUS, &io) != 0)
		return;
	t->regs.count = (uint32_t)(io.iov_len / 8);
	memcpy(t->regs.words, words, t->regs.count * 8);
	gs_regs_fill_names(&t->regs);
	if (m->arch == GS_ARCH_ARM64) {
		uint64_t tls[2] = {0, 0};
		struct iovec tio = {tls, sizeof(tls)};
		if (ptrace(PTRACE_GETREGSET, tid, (void *)(uintptr_t)NT_ARM_TLS, &tio) == 0 && tio.iov_len >= 8) {
			t->regs.tls = tls[0];
			t->regs.tls_known = true;
		}
	}
	t->has_regs = t->regs.count > 0;
}

/* Rebuilds the thread list from the stopped threads, keeping names and states seen before. */
static int collect(struct gs_mem *m, struct gs_ctx *ctx)
{
	struct gs_vec old = m->threads;
	const struct gs_seized *s = m->seized.data;
	int err;
	gs_vec_init(&m->threads, sizeof(struct gs_thread));
	for (size_t i = 0; i < m->seized.len; i++) {
		struct gs_thread *t;
		if (!s[i].stopped || s[i].gone)
			continue;
		if ((err = gs_vec_push(&m->threads, GS_TARGET_MAX_THREADS, (void **)&t))) {
			gs_vec_release(&old);
			return gs_ctx_err(ctx, err, "out of memory");
		}
		t->tid = s[i].tid;
		t->signal = s[i].signal;
		t->state = 't';
		for (size_t j = 0; j < old.len; j++) {
			const struct gs_thread *o = (const struct gs_thread *)old.data + j;
			if (o->tid == t->tid) {
				memcpy(t->comm, o->comm, sizeof(t->comm));
				t->state = o->state;
				break;
			}
		}
		read_regs(m, t->tid, t);
	}
	gs_vec_release(&old);
	return 0;
}

int gs_ptrace_stop(struct gs_mem *m, const int32_t *tids, size_t ntids, unsigned timeout_ms,
		   struct gs_ctx *ctx)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000u;
	struct gs_vec listed;
	int err = 0;

	m->seized.len = 0;
	gs_vec_init(&listed, sizeof(int32_t));
	if (tids) {
		for (size_t i = 0; i < ntids && !err; i++)
			err = seize(m, tids[i], ctx);
		if (!err)
			err = wait_stops(m, deadline, ctx);
	} else {
		/* rescan until a round finds no thread we do not hold: the runtime starts threads
		 * on demand, and one may be in clone() while we look */
		for (int round = 0; !err; round++) {
			size_t before = m->seized.len;
			if ((err = gs_procfs_task_ids(m->pid, &listed, ctx)))
				break;
			for (size_t i = 0; i < listed.len && !err; i++)
				err = seize(m, ((int32_t *)listed.data)[i], ctx);
			if (!err)
				err = wait_stops(m, deadline, ctx);
			if (!err && m->seized.len == before)
				break;
			if (round > 1000)
				err = gs_ctx_err(ctx, -EAGAIN, "pid %d: threads keep appearing", m->pid);
		}
	}
	gs_vec_release(&listed);
	if (!err && m->seized.len == 0)
		err = gs_ctx_err(ctx, -ESRCH, "pid %d: no thread to stop (process gone?)", m->pid);
	if (!err)
		err = collect(m, ctx);
	if (err) {
		struct gs_ctx quiet = *ctx;
		gs_ptrace_resume(m, &quiet);
		return err;
	}
	return 0;
}

int gs_ptrace_resume(struct gs_mem *m, struct gs_ctx *ctx)
{
	struct gs_seized *s = m->seized.data;
	int err = 0;
	for (size_t i = 0; i < m->seized.len; i++) {
		if (s[i].gone)
			continue;
		if (!s[i].stopped) {
			/* it may stop any moment now (pending interrupt): give it a short while so
			 * that it is not left stopped until we exit */
			for (int tries = 0; tries < 2000 && !s[i].stopped; tries++) {
				int st;
				pid_t r = waitpid(s[i].tid, &st, __WALL | WNOHANG);
				if (r == s[i].tid && WIFSTOPPED(st))
					s[i].stopped = true;
				else if (r != 0) {
					s[i].gone = true;
					break;
				} else {
					struct timespec ts = {0, 100000};
					nanosleep(&ts, NULL);
				}
			}
			if (!s[i].stopped)
				continue;
		}
		if (ptrace(PTRACE_DETACH, s[i].tid, 0, (void *)(uintptr_t)s[i].signal) != 0 && errno != ESRCH &&
		    !err)
			err = gs_ctx_err(ctx, -errno, "cannot resume thread %d: %s", s[i].tid, strerror(errno));
	}
	if (m->stopped) {
		struct timespec end;
		clock_gettime(CLOCK_MONOTONIC, &end);
		m->pause_ns = (uint64_t)(end.tv_sec - m->stop_start.tv_sec) * 1000000000u +
			      (uint64_t)end.tv_nsec - (uint64_t)m->stop_start.tv_nsec;
	}
	m->stopped = false;
	m->seized.len = 0;
	return err;
}

int gs_ptrace_peek(struct gs_mem *m, uint64_t addr, uint64_t *word)
{
	const struct gs_seized *s = m->seized.data;
	for (size_t i = 0; i < m->seized.len; i++) {
		if (!s[i].stopped || s[i].gone)
			continue;
		errno = 0;
		long v = ptrace(PTRACE_PEEKDATA, s[i].tid, (void *)(uintptr_t)addr, 0);
		if (errno)
			return -errno;
		*word = (uint64_t)v;
		return 0;
	}
	return -ESRCH;
}
