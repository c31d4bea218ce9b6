/* target: the memory, threads and registers of a live process (process_vm_readv, /proc,
 * ptrace) or of an ELF core file, behind one interface (struct gs_mem), and a writer of ELF
 * core files. It knows nothing about Go: the goroutine reader (goruntime) sits on top of it.
 * Remote addresses are uint64_t; every read is fallible; a core file is hostile input. */
#ifndef GOSCOPE_TARGET_H
#define GOSCOPE_TARGET_H

#include "goscope/core.h"
#include "goscope/gobin.h" /* enum gs_arch */

/* Caps of this module (hostile cores and /proc text). */
#define GS_TARGET_MAX_THREADS 65536u     /* threads of one process or core */
#define GS_TARGET_MAX_MAPPINGS 1048576u  /* mappings of one process or core */
#define GS_TARGET_MAX_NOTES (256u << 20) /* bytes of PT_NOTE data in one core */
#define GS_TARGET_MAX_OPEN_FILES 64u     /* mapped files a core reader keeps open */
#define GS_TARGET_MAX_CORE_BYTES (64ULL << 30) /* memory gcore copies */

struct gs_mem;

enum gs_mem_kind {
	GS_MEM_LIVE = 1,
	GS_MEM_CORE = 2,
};

/* General registers of one thread, in the kernel's NT_PRSTATUS order (amd64: struct
 * user_regs_struct, 27 words; arm64: x0..x30, sp, pc, pstate, 34 words), plus the thread
 * pointer and the usual ones by name. */
#define GS_REGS_MAX 34
struct gs_regs {
	enum gs_arch arch;
	uint32_t count;       /* words in words[] */
	uint64_t words[GS_REGS_MAX];
	uint64_t pc, sp, fp;  /* rip/rsp/rbp on amd64; pc/sp/x29 on arm64 */
	uint64_t lr;          /* x30 on arm64, 0 on amd64 */
	uint64_t tls;         /* fs_base on amd64, TPIDR_EL0 on arm64 (0 when unknown) */
	bool tls_known;
};

/* Indexes into gs_regs.words for amd64 (user_regs_struct order). */
enum {
	GS_AMD64_RBP = 4, GS_AMD64_RBX = 5, GS_AMD64_RAX = 10, GS_AMD64_RIP = 16,
	GS_AMD64_RSP = 19, GS_AMD64_FS_BASE = 21, GS_AMD64_NREGS = 27,
	GS_ARM64_X28 = 28, GS_ARM64_FP = 29, GS_ARM64_LR = 30, GS_ARM64_SP = 31,
	GS_ARM64_PC = 32, GS_ARM64_NREGS = 34,
};

struct gs_thread {
	int32_t tid;
	char state;         /* live: the state letter of /proc/PID/task/TID/stat; core: 0 */
	char comm[16];      /* live: the thread name; core: "" */
	int32_t signal;     /* core: pr_cursig; live: a signal pending when it was stopped */
	bool has_regs;      /* live: only while stopped (gs_mem_stop) and after; core: always */
	struct gs_regs regs;
};

enum {
	GS_MAP_READ = 1,
	GS_MAP_WRITE = 2,
	GS_MAP_EXEC = 4,
	GS_MAP_SHARED = 8,
};

struct gs_mem_mapping {
	uint64_t start, end;  /* [start, end) */
	uint64_t offset;      /* file offset of start */
	uint32_t prot;        /* GS_MAP_*; cores: from the PT_LOAD flags */
	uint64_t inode;       /* live only */
	const char *path;     /* "" anonymous; "[stack]", "[heap]", "[vdso]"...; a file path,
			       * maybe ending in " (deleted)" */
	uint64_t in_core;     /* cores: bytes of this mapping present in the file, from start
			       * (filesz of its PT_LOAD); live: end - start */
	uint64_t anon;        /* live, after gs_mem_smaps: bytes of private pages written since
			       * they were mapped (smaps "Anonymous"); else 0 */
};

struct gs_mem_opts {
	/* Core files: the executable to read the bytes a core left out (text, rodata) from,
	 * when the path recorded in the core does not name it here. NULL = the recorded path. */
	const char *exe_path;
	/* Core files: a directory prefixed to every recorded path before it is opened (a
	 * sysroot). NULL = none. */
	const char *sysroot;
	/* Live: called by gs_mem_stop once every thread is stopped and its registers read,
	 * before the caller's reads (goscope's test hook GOSCOPE_TEST_HOLD_STOPPED_MS holds the
	 * threads stopped there). NULL = none. */
	void (*on_stopped)(void *arg, const struct gs_mem *m);
	void *on_stopped_arg;
};

/* Opens a live process. Nothing is stopped: reads go through batched process_vm_readv while
 * it runs. Reads /proc/PID/maps, /proc/PID/task, /proc/PID/exe and /proc/PID/auxv and checks
 * that its memory can be read; every permission problem (yama ptrace_scope, missing
 * CAP_SYS_PTRACE, another user, a non-dumpable process, another pid namespace, a process
 * that is gone) becomes one line on ctx saying which and what to do. Errors: -ESRCH no such
 * process, -EPERM/-EACCES not allowed, -ENOMEM. opts may be NULL. */
int gs_mem_open_pid(int pid, const struct gs_mem_opts *opts, struct gs_ctx *ctx, struct gs_mem **out);

/* Opens an ELF core file (mapped read-only) / a core in a buffer the caller keeps alive
 * until gs_mem_free. Reads PT_LOAD segments, NT_PRSTATUS (amd64, arm64; NT_ARM_TLS),
 * NT_PRPSINFO, NT_AUXV and NT_FILE. Errors: the errno of open/mmap, -EBADMSG malformed,
 * -ENOTSUP not a 64-bit little-endian amd64/arm64 core, -E2BIG a cap. */
int gs_mem_open_core(const char *path, const struct gs_mem_opts *opts, struct gs_ctx *ctx,
		     struct gs_mem **out);
int gs_mem_open_core_mem(const void *data, size_t len, const struct gs_mem_opts *opts,
			 struct gs_ctx *ctx, struct gs_mem **out);

/* Detaches from any stopped thread (resuming it), closes files, frees. NULL is fine. */
void gs_mem_free(struct gs_mem *m);

enum gs_mem_kind gs_mem_kind(const struct gs_mem *m);
enum gs_arch gs_mem_arch(const struct gs_mem *m);
/* The process id (live) or pr_pid of NT_PRPSINFO (core; 0 when absent). */
int gs_mem_pid(const struct gs_mem *m);
/* The command name (comm / pr_fname) and the start of the command line (live: the first 80
 * bytes of /proc/PID/cmdline, arguments separated by spaces; core: pr_psargs); "" when
 * unknown. */
const char *gs_mem_comm(const struct gs_mem *m);
const char *gs_mem_args(const struct gs_mem *m);
/* The path of the main executable: live, a path that opens from here (/proc/PID/exe's
 * target when visible in our mount namespace, else /proc/PID/root/<target>, else
 * /proc/PID/exe itself); core: opts->exe_path, else the file mapped at AT_PHDR's mapping
 * in NT_FILE (under the sysroot), else "". */
const char *gs_mem_exe_path(const struct gs_mem *m);
/* Load bias of the main executable (runtime address - link-time address): AT_ENTRY minus
 * the e_entry of the ELF header found in memory at the executable's first mapping. 0 for
 * non-PIE executables. *known is false when it could not be computed. */
uint64_t gs_mem_load_bias(const struct gs_mem *m, bool *known);
/* The auxiliary vector value of type (AT_*), or -ENOENT. */
int gs_mem_auxv(const struct gs_mem *m, uint64_t type, uint64_t *value);

/* The mappings, sorted by start; valid until gs_mem_free (or gs_mem_refresh). */
const struct gs_mem_mapping *gs_mem_mappings(const struct gs_mem *m, size_t *n);
/* The mapping holding addr, or NULL. */
const struct gs_mem_mapping *gs_mem_mapping_at(const struct gs_mem *m, uint64_t addr);
/* The threads: live, as listed when opened or last refreshed, or after gs_mem_stop the
 * threads it stopped (all, or the tids it was given), with registers; core, one per
 * NT_PRSTATUS in file order (the crashing thread first). */
const struct gs_thread *gs_mem_threads(const struct gs_mem *m, size_t *n);
/* The thread tid of that list, or NULL. */
const struct gs_thread *gs_mem_thread(const struct gs_mem *m, int32_t tid);
/* Live only: re-reads the mappings from /proc/PID/smaps, filling gs_mem_mapping.anon (what the
 * kernel's core dumper calls a mapping with an anon_vma: a file mapping that was written,
 * like relocated relro). Allowed while stopped; pointers to old mappings become invalid. */
int gs_mem_smaps(struct gs_mem *m, struct gs_ctx *ctx);
/* Live only: which pages of [start, start + npages * page_size) are present in memory or
 * in swap (/proc/PID/pagemap bits 63 and 62), one byte per page (1 present, 0 not: never
 * touched, reads as zeros). The kernel's core dumper leaves the absent ones out. */
int gs_mem_pages_present(struct gs_mem *m, uint64_t start, size_t npages, uint64_t page_size,
			 uint8_t *present, struct gs_ctx *ctx);
/* Live only: re-reads the mappings, and the thread list unless stopped (then the threads
 * are the stopped ones). -ESRCH when the process is gone. */
int gs_mem_refresh(struct gs_mem *m, struct gs_ctx *ctx);

/* Reads len bytes at addr. 0 when all were read; -EFAULT (with the address on ctx) when
 * some were not (unmapped, not in the core and no file to read them from), -ESRCH when the
 * process is gone, -EPERM. On -EFAULT buf holds what was read before the fault. */
int gs_mem_read(struct gs_mem *m, uint64_t addr, void *buf, size_t len, struct gs_ctx *ctx);

/* gs_mem_read without a message on a context, taking the gs_mem as void * so that it serves
 * directly as a read callback (goruntime's gs_goruntime_read_fn): 0, -EFAULT, or the
 * errno of a failure (-ESRCH, -EPERM). */
int gs_mem_read_cb(void *mem, uint64_t addr, void *buf, size_t len);

/* One element of a scatter read. */
struct gs_mem_iov {
	uint64_t addr;
	void *buf;
	size_t len;
	size_t got; /* out: bytes read from addr on (len when complete) */
};
/* Reads many ranges in as few system calls as possible (live: process_vm_readv with up to
 * IOV_MAX elements per call; a fault ends a call, and the read goes on with the next
 * element). Every element's `got` is set. 0 when every element was read completely; -EFAULT
 * when some were not (the others are complete); -ESRCH/-EPERM when nothing could be read. */
int gs_mem_readv(struct gs_mem *m, struct gs_mem_iov *iov, size_t n, struct gs_ctx *ctx);
/* Whether gs_mem_readv may run in several threads at once on m (each with its own ctx): true
 * for cores and for live processes read with process_vm_readv; false when a live process is
 * read through the fallbacks (/proc/PID/mem opened on first use, PTRACE_PEEKDATA, which only
 * the thread that stopped the process may issue). */
bool gs_mem_parallel_reads(const struct gs_mem *m);

/* ---- consistent mode (live only) ----
 * gs_mem_stop PTRACE_SEIZEs the threads (all of them when tids is NULL, re-scanning
 * /proc/PID/task until no new thread appears; threads cloned meanwhile are attached by
 * PTRACE_O_TRACECLONE), PTRACE_INTERRUPTs them, waits for each to stop and reads its
 * registers. gs_mem_resume detaches them all (re-injecting any signal that was being
 * delivered), and records the pause: from the first interrupt to the last detach. Because
 * the threads are seized, not attached, if this process dies (even by SIGKILL) the kernel
 * detaches them and the target runs on. A thread that exits meanwhile is dropped.
 * gs_mem_free resumes too. Errors: -EPERM, -ESRCH, -ETIMEDOUT (a thread did not stop within
 * timeout_ms; 0 = 5000 ms; everything stopped so far is resumed), -EALREADY, -ENOTSUP
 * (a core). */
int gs_mem_stop(struct gs_mem *m, const int32_t *tids, size_t ntids, unsigned timeout_ms,
		struct gs_ctx *ctx);
int gs_mem_resume(struct gs_mem *m, struct gs_ctx *ctx);
bool gs_mem_stopped(const struct gs_mem *m);
/* Nanoseconds the last stop held the threads (0 before any). */
uint64_t gs_mem_pause_ns(const struct gs_mem *m);

/* ---- core writer (corewrite.c) ----
 * An ELF core in the kernel's layout: ELF header, program headers (PT_NOTE first, then one
 * PT_LOAD per mapping, page-aligned file offsets), notes NT_PRSTATUS (+ NT_ARM_TLS on arm64)
 * per thread, NT_PRPSINFO, NT_AUXV, NT_FILE. Mappings whose bytes are not given get a
 * PT_LOAD with p_filesz 0 (or only the bytes given: file-backed text whose first page is
 * kept for its ELF header, like the kernel's "ELF headers" coredump filter). */
struct gs_core_segment {
	const struct gs_mem_mapping *map;
	const uint8_t *data; /* the first data_len bytes of the mapping, or NULL */
	uint64_t data_len;
};

struct gs_core_image {
	enum gs_arch arch;
	int32_t pid, ppid, uid, gid;
	const char *comm;  /* up to 15 bytes are kept */
	const char *args;  /* up to 79 bytes are kept */
	const struct gs_thread *threads; /* regs used; the first is written first */
	size_t nthreads;
	const uint8_t *auxv; /* raw (type, value) u64 pairs */
	size_t auxv_len;
	const struct gs_core_segment *segments; /* sorted by start */
	size_t nsegments;
	uint64_t page_size;
};

/* Writes img through write(arg, bytes, n) in file order (zero padding included). Pages of
 * zeros inside segments are written too (the caller's sink may turn them into holes).
 * Errors: what write returns, -EINVAL a bad image (unsorted segments, unknown arch). */
int gs_core_write(const struct gs_core_image *img, gs_write_fn write, void *arg, struct gs_ctx *ctx);

/* Live: the raw auxiliary vector as read at open (for the core writer). */
const uint8_t *gs_mem_auxv_raw(const struct gs_mem *m, size_t *len);
/* Live: the parent pid, real uid and gid from /proc/PID/status (-1 when unknown). */
void gs_mem_ids(const struct gs_mem *m, int32_t *ppid, int32_t *uid, int32_t *gid);

#endif
