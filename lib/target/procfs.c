/* /proc readers for a live process: maps, tasks (thread ids, names, states), status (ids),
 * the executable's path (across mount namespaces) and the auxiliary vector; and the
 * diagnosis of a refused access (ptrace scope, capability, user, dumpable, pid namespace).
 * /proc text is treated as hostile: bounded, parsed by hand, never trusted for sizes. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define PROCFS_MAX_FILE (256u << 20) /* maps of a process with a million mappings */

int gs_procfs_slurp(const char *path, size_t max, struct gs_buf *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int err = 0;
	if (fd < 0)
		return -errno;
	gs_buf_reset(out);
	out->max = max;
	if (!out->data && (err = gs_buf_grow(out, 1)))
		goto out;
	for (;;) {
		size_t chunk = 65536;
		if (max - out->len < chunk)
			chunk = max - out->len;
		if (chunk == 0) {
			char extra;
			ssize_t r = read(fd, &extra, 1);
			err = r > 0 ? -E2BIG : r < 0 ? -errno : 0;
			break;
		}
		if ((err = gs_buf_grow(out, chunk)))
			break;
		ssize_t r = read(fd, out->data + out->len, chunk);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (r == 0)
			break;
		out->len += (size_t)r;
		out->data[out->len] = 0;
	}
out:
	close(fd);
	return err;
}

static bool parse_hex(const char **p, const char *end, uint64_t *v)
{
	uint64_t x = 0;
	const char *s = *p;
	int digits = 0;
	for (; s < end; s++, digits++) {
		int d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		if (digits >= 16)
			return false;
		x = x << 4 | (uint64_t)d;
	}
	if (!digits)
		return false;
	*p = s;
	*v = x;
	return true;
}

static bool parse_dec(const char **p, const char *end, uint64_t *v)
{
	uint64_t x = 0;
	const char *s = *p;
	int digits = 0;
	for (; s < end && *s >= '0' && *s <= '9'; s++, digits++) {
		if (digits >= 19)
			return false;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	if (!digits)
		return false;
	*p = s;
	*v = x;
	return true;
}

static void skip_spaces(const char **p, const char *end)
{
	while (*p < end && (**p == ' ' || **p == '\t'))
		(*p)++;
}

/* "start-end perms offset dev inode [path]" */
static int parse_maps_line(struct gs_mem *m, const char *s, const char *end)
{
	struct gs_mem_mapping *map;
	uint64_t start, stop, offset, major, minor, inode;
	char perms[4];
	int err;

	if (!parse_hex(&s, end, &start) || s >= end || *s++ != '-' || !parse_hex(&s, end, &stop) ||
	    stop < start)
		return -EBADMSG;
	skip_spaces(&s, end);
	if (end - s < 5)
		return -EBADMSG;
	memcpy(perms, s, 4);
	s += 4;
	skip_spaces(&s, end);
	if (!parse_hex(&s, end, &offset))
		return -EBADMSG;
	skip_spaces(&s, end);
	if (!parse_hex(&s, end, &major) || s >= end || *s++ != ':' || !parse_hex(&s, end, &minor))
		return -EBADMSG;
	skip_spaces(&s, end);
	if (!parse_dec(&s, end, &inode))
		return -EBADMSG;
	skip_spaces(&s, end);
	if ((err = gs_vec_push(&m->maps, GS_TARGET_MAX_MAPPINGS, (void **)&map)))
		return err;
	map->start = start;
	map->end = stop;
	map->offset = offset;
	map->inode = inode;
	map->in_core = stop - start;
	map->prot = (perms[0] == 'r' ? GS_MAP_READ : 0) | (perms[1] == 'w' ? GS_MAP_WRITE : 0) |
		    (perms[2] == 'x' ? GS_MAP_EXEC : 0) | (perms[3] == 's' ? GS_MAP_SHARED : 0);
	map->path = gs_arena_strndup(&m->arena, s, (size_t)(end - s));
	return map->path ? 0 : -ENOMEM;
}

/* /proc/PID/maps, or /proc/PID/smaps whose header lines are the same and whose
 * "Anonymous:" lines say how much of each mapping was written. */
static int read_maps(struct gs_mem *m, bool smaps, struct gs_ctx *ctx)
{
	struct gs_buf b = GS_BUF_INIT;
	struct gs_mem_mapping *last = NULL;
	char path[64];
	int err;

	snprintf(path, sizeof(path), "/proc/%d/%s", m->pid, smaps ? "smaps" : "maps");
	m->maps.len = 0;
	gs_arena_release(&m->arena);
	gs_arena_init(&m->arena);
	err = gs_procfs_slurp(path, smaps ? 8 * PROCFS_MAX_FILE : PROCFS_MAX_FILE, &b);
	if (err) {
		gs_buf_release(&b);
		return gs_procfs_explain(m->pid, err, "cannot read the mappings of", ctx);
	}
	const char *s = b.data ? b.data : "", *end = s + b.len;
	size_t line = 0;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *eol = nl ? nl : end;
		const char *p = s;
		uint64_t v;
		line++;
		if (smaps && !(parse_hex(&p, eol, &v) && p < eol && *p == '-')) {
			/* a "Key: value kB" line of the mapping above */
			if (last && (size_t)(eol - s) > 10 && !memcmp(s, "Anonymous:", 10)) {
				p = s + 10;
				skip_spaces(&p, eol);
				if (parse_dec(&p, eol, &v) && v < (UINT64_MAX >> 10))
					last->anon = v << 10;
			}
		} else if (eol > s) {
			if ((err = parse_maps_line(m, s, eol))) {
				gs_buf_release(&b);
				if (err == -E2BIG)
					return gs_ctx_err(ctx, err, "%s: more than %u mappings", path,
							  GS_TARGET_MAX_MAPPINGS);
				return gs_ctx_err(ctx, err, "%s: line %zu is malformed", path, line);
			}
			last = gs_vec_at(&m->maps, m->maps.len - 1);
		}
		s = nl ? nl + 1 : end;
	}
	gs_buf_release(&b);
	return 0;
}

int gs_procfs_maps(struct gs_mem *m, struct gs_ctx *ctx)
{
	return read_maps(m, false, ctx);
}

int gs_procfs_smaps(struct gs_mem *m, struct gs_ctx *ctx)
{
	return read_maps(m, true, ctx);
}

static int tid_cmp(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return x < y ? -1 : x > y;
}

int gs_procfs_task_ids(int pid, struct gs_vec *tids, struct gs_ctx *ctx)
{
	char path[64];
	DIR *d;
	struct dirent *de;
	int err = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	tids->len = 0;
	if (!(d = opendir(path)))
		return gs_procfs_explain(pid, -errno, "cannot list the threads of", ctx);
	while ((de = readdir(d))) {
		const char *s = de->d_name;
		uint64_t v;
		int32_t *slot;
		if (!parse_dec(&s, s + strlen(s), &v) || *s || v == 0 || v > INT32_MAX)
			continue;
		if ((err = gs_vec_push(tids, GS_TARGET_MAX_THREADS, (void **)&slot))) {
			err = gs_ctx_err(ctx, err, "pid %d has more than %u threads", pid,
					 GS_TARGET_MAX_THREADS);
			break;
		}
		*slot = (int32_t)v;
	}
	closedir(d);
	if (!err && tids->len > 1)
		qsort(tids->data, tids->len, sizeof(int32_t), tid_cmp);
	return err;
}

/* Name and state of one thread from task/TID/stat: "tid (comm) S ...", where comm may hold
 * parentheses and spaces, so the state follows the last ')'. */
static void task_stat(int pid, struct gs_thread *t)
{
	struct gs_buf b = GS_BUF_INIT;
	char path[80];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, t->tid);
	if (gs_procfs_slurp(path, 1 << 16, &b) == 0 && b.len) {
		const char *open = memchr(b.data, '(', b.len);
		const char *close = NULL;
		for (const char *p = b.data + b.len; p > b.data; p--)
			if (p[-1] == ')') {
				close = p - 1;
				break;
			}
		if (open && close && close > open) {
			size_t n = (size_t)(close - open - 1);
			if (n > sizeof(t->comm) - 1)
				n = sizeof(t->comm) - 1;
			memcpy(t->comm, open + 1, n);
			t->comm[n] = 0;
			if (close + 2 < b.data + b.len)
				t->state = close[2];
		}
	}
	gs_buf_release(&b);
}

int gs_procfs_tasks(struct gs_mem *m, struct gs_ctx *ctx)
{
	struct gs_vec tids;
	int err;
	gs_vec_init(&tids, sizeof(int32_t));
	if ((err = gs_procfs_task_ids(m->pid, &tids, ctx)))
		goto out;
	m->threads.len = 0;
	if ((err = gs_vec_reserve(&m->threads, tids.len, GS_TARGET_MAX_THREADS)))
		goto out;
	for (size_t i = 0; i < tids.len; i++) {
		struct gs_thread *t;
		gs_vec_push(&m->threads, 0, (void **)&t);
		t->tid = ((int32_t *)tids.data)[i];
		task_stat(m->pid, t);
	}
out:
	gs_vec_release(&tids);
	return err;
}

/* "Key:\tvalue..." of a status file: the first number after the key, or -1. */
static int64_t status_field(const struct gs_buf *b, const char *key)
{
	size_t klen = strlen(key);
	const char *s = b->data, *end = b->data + b->len;
	while (s && s < end) {
		if ((size_t)(end - s) > klen && !memcmp(s, key, klen) && s[klen] == ':') {
			const char *p = s + klen + 1;
			uint64_t v;
			skip_spaces(&p, end);
			return parse_dec(&p, end, &v) && v <= INT32_MAX ? (int64_t)v : -1;
		}
		s = memchr(s, '\n', (size_t)(end - s));
		if (s)
			s++;
	}
	return -1;
}

int gs_procfs_status(struct gs_mem *m, struct gs_ctx *ctx)
{
	struct gs_buf b = GS_BUF_INIT;
	char path[64];
	int err;
	snprintf(path, sizeof(path), "/proc/%d/status", m->pid);
	if ((err = gs_procfs_slurp(path, 1 << 20, &b))) {
		gs_buf_release(&b);
		return gs_procfs_explain(m->pid, err, "cannot read the status of", ctx);
	}
	m->ppid = (int32_t)status_field(&b, "PPid");
	m->uid = (int32_t)status_field(&b, "Uid");
	m->gid = (int32_t)status_field(&b, "Gid");
	gs_buf_release(&b);
	snprintf(path, sizeof(path), "/proc/%d/comm", m->pid);
	if (gs_procfs_slurp(path, 4096, &b) == 0 && b.len) {
		size_t n = b.len < sizeof(m->comm) ? b.len : sizeof(m->comm) - 1;
		memcpy(m->comm, b.data, n);
		m->comm[n] = 0;
		m->comm[strcspn(m->comm, "\n")] = 0;
	}
	snprintf(path, sizeof(path), "/proc/%d/cmdline", m->pid);
	if (gs_procfs_slurp(path, 1 << 20, &b) == 0 && b.len) {
		size_t n = b.len < 79 ? b.len : 79; /* what the kernel keeps in pr_psargs */
		for (size_t i = 0; i < n; i++)
			m->args[i] = b.data[i] ? b.data[i] : ' ';
		m->args[n] = 0;
		while (n > 0 && m->args[n - 1] == ' ')
			m->args[--n] = 0;
	}
	gs_buf_release(&b);
	return 0;
}

static bool same_file(const char *a, const struct stat *want)
{
	struct stat st;
	return stat(a, &st) == 0 && st.st_dev == want->st_dev && st.st_ino == want->st_ino;
}

int gs_procfs_exe(struct gs_mem *m, struct gs_ctx *ctx)
{
	char link[64], target[4096], alt[4200];
	struct stat st;
	ssize_t n;
	snprintf(link, sizeof(link), "/proc/%d/exe", m->pid);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return gs_procfs_explain(m->pid, -errno, "cannot read the executable of", ctx);
	target[n] = 0;
	const char *pick = link;
	if (stat(link, &st) == 0) {
		snprintf(alt, sizeof(alt), "/proc/%d/root%s", m->pid, target);
		/* the path as the target sees it may name another file here (another mount
		 * namespace, a replaced binary): use it only if it is the very same file */
		if (target[0] == '/' && same_file(target, &st))
			pick = target;
		else if (target[0] == '/' && same_file(alt, &st))
			pick = alt;
	}
	free(m->exe_path);
	m->exe_path = strdup(pick);
	return m->exe_path ? 0 : -ENOMEM;
}

int gs_procfs_auxv(struct gs_mem *m, struct gs_ctx *ctx)
{
	struct gs_buf b = GS_BUF_INIT;
	char path[64];
	int err;
	snprintf(path, sizeof(path), "/proc/%d/auxv", m->pid);
	if ((err = gs_procfs_slurp(path, 1 << 16, &b))) {
		gs_buf_release(&b);
		return gs_procfs_explain(m->pid, err, "cannot read the auxiliary vector of", ctx);
	}
	free(m->auxv);
	m->auxv_len = b.len;
	m->auxv = (uint8_t *)gs_buf_detach(&b, &m->auxv_len);
	return 0;
}

static int read_small_int(const char *path)
{
	struct gs_buf b = GS_BUF_INIT;
	int v = -1;
	if (gs_procfs_slurp(path, 4096, &b) == 0 && b.len) {
		const char *s = b.data;
		uint64_t x;
		if (parse_dec(&s, b.data + b.len, &x) && x < 1000)
			v = (int)x;
	}
	gs_buf_release(&b);
	return v;
}

static bool have_cap_sys_ptrace(void)
{
	struct gs_buf b = GS_BUF_INIT;
	bool yes = false;
	if (gs_procfs_slurp("/proc/self/status", 1 << 20, &b) == 0 && b.len) {
		const char *s = strstr(b.data, "\nCapEff:");
		uint64_t caps;
		if (s) {
			s += 8;
			skip_spaces(&s, b.data + b.len);
			if (parse_hex(&s, b.data + b.len, &caps))
				yes = caps >> 19 & 1; /* CAP_SYS_PTRACE */
		}
	}
	gs_buf_release(&b);
	return yes;
}

/* Is pid a descendant of ours (what yama scope 1 allows)? */
static bool is_descendant(int pid)
{
	int self = getpid();
	for (int depth = 0; depth < 4096 && pid > 1; depth++) {
		char path[64];
		struct gs_buf b = GS_BUF_INIT;
		int64_t ppid = -1;
		snprintf(path, sizeof(path), "/proc/%d/status", pid);
		if (gs_procfs_slurp(path, 1 << 20, &b) == 0)
			ppid = status_field(&b, "PPid");
		gs_buf_release(&b);
		if (ppid == self)
			return true;
		if (ppid <= 0)
			return false;
		pid = (int)ppid;
	}
	return false;
}

int gs_procfs_explain(int pid, int err, const char *what, struct gs_ctx *ctx)
{
	char path[64], self[32];
	struct stat st;
	ssize_t n;

	/* /proc from another pid namespace: pids there are not the kernel's pids for us */
	n = readlink("/proc/self", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = 0;
		if (strtol(self, NULL, 10) != getpid())
			return gs_ctx_err(ctx, -ESRCH,
					  "%s pid %d: /proc is mounted from another pid namespace; run goscope "
					  "in the target's pid namespace (nsenter -t PID -p -m)",
					  what, pid);
	}
	snprintf(path, sizeof(path), "/proc/%d", pid);
	if (stat(path, &st) == 0 && err == -ENOENT)
		return gs_ctx_err(ctx, -ESRCH,
				  "%s pid %d: it has no executable (a kernel thread, or a zombie that "
				  "has exited)",
				  what, pid);
	if (stat(path, &st) != 0 || err == -ESRCH || err == -ENOENT)
		return gs_ctx_err(ctx, -ESRCH,
				  "%s pid %d: no such process (it exited, or it lives in another pid "
				  "namespace: run goscope inside it, e.g. nsenter -t PID -p -m)",
				  what, pid);
	if (err != -EPERM && err != -EACCES)
		return gs_ctx_err(ctx, err, "%s pid %d: %s", what, pid, strerror(-err));

	int scope = read_small_int("/proc/sys/kernel/yama/ptrace_scope");
	bool cap = have_cap_sys_ptrace();
	uid_t me = geteuid();
	struct gs_buf b = GS_BUF_INIT;
	int64_t uid = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (gs_procfs_slurp(path, 1 << 20, &b) == 0)
		uid = status_field(&b, "Uid");
	gs_buf_release(&b);

	if (scope == 3)
		return gs_ctx_err(ctx, -EPERM,
				  "%s pid %d: ptrace is disabled on this host (kernel.yama.ptrace_scope=3); "
				  "only a reboot re-enables it",
				  what, pid);
	if (!cap && me == 0)
		return gs_ctx_err(ctx, -EPERM,
				  "%s pid %d: goscope runs as root but without CAP_SYS_PTRACE (in a "
				  "container, add it: --cap-add SYS_PTRACE)",
				  what, pid);
	if (!cap && uid >= 0 && (uid_t)uid != me)
		return gs_ctx_err(ctx, -EPERM,
				  "%s pid %d: it belongs to uid %lld and goscope runs as uid %u; run "
				  "goscope as that user or as root",
				  what, pid, (long long)uid, (unsigned)me);
	if (scope == 2 && !cap)
		return gs_ctx_err(ctx, -EPERM,
				  "%s pid %d: kernel.yama.ptrace_scope=2 lets only CAP_SYS_PTRACE trace; "
				  "run goscope as root or with CAP_SYS_PTRACE",
				  what, pid);
	if (scope == 1 && !cap && !is_descendant(pid))
		return gs_ctx_err(ctx, -EPERM,
				  "%s pid %d: kernel.yama.ptrace_scope=1 lets a process trace only its "
				  "descendants; run goscope as root, with CAP_SYS_PTRACE, or set "
				  "kernel.yama.ptrace_scope=0",
				  what, pid);
	/* files of a non-dumpable process (setuid, PR_SET_DUMPABLE 0) belong to root */
	snprintf(path, sizeof(path), "/proc/%d", pid);
	if (!cap && stat(path, &st) == 0 && st.st_uid == 0 && uid > 0)
		return gs_ctx_err(ctx, -EPERM,
				  "%s pid %d: the process is not dumpable (setuid, or prctl "
				  "PR_SET_DUMPABLE 0); run goscope as root",
				  what, pid);
	return gs_ctx_err(ctx, -EPERM,
			  "%s pid %d: a security policy (seccomp, an LSM, another user namespace) "
			  "forbids it; run goscope as root with CAP_SYS_PTRACE in the target's namespaces",
			  what, pid);
}

int gs_mem_pages_present(struct gs_mem *m, uint64_t start, size_t npages, uint64_t page_size,
			 uint8_t *present, struct gs_ctx *ctx)
{
	uint64_t entries[512];
	char path[64];
	int fd;
	if (m->kind != GS_MEM_LIVE || page_size == 0 || (page_size & (page_size - 1)))
		return gs_ctx_err(ctx, -EINVAL, "page map: not a live process or a bad page size");
	snprintf(path, sizeof(path), "/proc/%d/pagemap", m->pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return gs_procfs_explain(m->pid, -errno, "cannot read the page map of", ctx);
	uint64_t first = start / page_size;
	for (size_t done = 0; done < npages;) {
		size_t want = npages - done < 512 ? npages - done : 512;
		ssize_t r = pread(fd, entries, want * 8, (off_t)((first + done) * 8));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 8) {
			int e = r < 0 ? errno : EIO;
			close(fd);
			return gs_ctx_err(ctx, -e, "cannot read the page map of pid %d: %s", m->pid, strerror(e));
		}
		size_t got = (size_t)r / 8;
		for (size_t i = 0; i < got; i++)
			present[done + i] = (uint8_t)(entries[i] >> 62 & 3 ? 1 : 0);
		done += got;
	}
	close(fd);
	return 0;
}
