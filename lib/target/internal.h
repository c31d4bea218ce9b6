/* Private declarations of lib/target shared by its files: the gs_mem object (common part,
 * live part, core part), the /proc readers (procfs.c), the live reads (live.c), ptrace stops
 * (ptrace.c) and the core reader (core.c). Not for other modules. */
#ifndef GOSCOPE_TARGET_INTERNAL_H
#define GOSCOPE_TARGET_INTERNAL_H

#include <elf.h>

#include "goscope/target.h"

/* Note types and machines older <elf.h> may lack. */
#ifndef NT_FILE
#define NT_FILE 0x46494c45
#endif
#ifndef NT_ARM_TLS
#define NT_ARM_TLS 0x401
#endif
#ifndef EM_AARCH64
#define EM_AARCH64 183
#endif

/* One thread held by ptrace during a stop. */
struct gs_seized {
	int32_t tid;
	bool stopped;  /* its stop was seen by waitpid */
	bool gone;     /* exited while we held it */
	int32_t signal; /* signal-delivery-stop: re-injected at detach */
};

/* A PT_LOAD of a core, and where its missing bytes may come from. */
struct gs_core_load {
	uint64_t vaddr, memsz;
	uint64_t offset, filesz; /* file image, clamped to the core's size */
	int32_t file;            /* index into files, -1 when no NT_FILE entry backs it */
	uint64_t file_offset;    /* offset in that file of vaddr */
};

struct gs_core_file {
	const char *path; /* recorded path (arena) */
	int fd;           /* -1 not tried yet, -2 cannot be opened */
};

struct gs_mem {
	enum gs_mem_kind kind;
	enum gs_arch arch;
	int pid;
	int32_t ppid, uid, gid;
	char comm[17];
	char args[81];
	char *exe_path;
	struct gs_vec threads;  /* struct gs_thread */
	struct gs_vec maps;     /* struct gs_mem_mapping */
	struct gs_arena arena;  /* mapping paths (rebuilt on refresh) */
	uint8_t *auxv;
	size_t auxv_len;
	uint64_t bias;
	bool bias_known;

	/* live */
	int mem_fd;            /* /proc/PID/mem, opened on first need; -1 */
	bool no_vm_readv;      /* process_vm_readv unavailable (ENOSYS, seccomp): use mem_fd */
	struct gs_vec seized;  /* struct gs_seized while stopped */
	bool stopped;
	uint64_t pause_ns;
	struct timespec stop_start;
	void (*on_stopped)(void *arg, const struct gs_mem *m); /* gs_mem_opts */
	void *on_stopped_arg;

	/* core */
	const uint8_t *core;
	size_t core_len;
	bool core_mapped;
	struct gs_core_load *loads; /* sorted by vaddr */
	size_t nloads;
	struct gs_core_file *files;
	size_t nfiles;
	struct gs_arena core_arena; /* recorded paths */
	char *sysroot;
};

/* mem.c */
int gs_mem_alloc(enum gs_mem_kind kind, struct gs_mem **out);
void gs_mem_sort_maps(struct gs_mem *m);
/* Sorts the mappings, then computes the load bias from the auxiliary vector and the ELF
 * header found in memory. */
void gs_mem_finish(struct gs_mem *m, struct gs_ctx *ctx);
void gs_regs_fill_names(struct gs_regs *r);

/* procfs.c */
int gs_procfs_slurp(const char *path, size_t max, struct gs_buf *out);
int gs_procfs_maps(struct gs_mem *m, struct gs_ctx *ctx);
int gs_procfs_smaps(struct gs_mem *m, struct gs_ctx *ctx);
int gs_procfs_tasks(struct gs_mem *m, struct gs_ctx *ctx);
int gs_procfs_task_ids(int pid, struct gs_vec *tids, struct gs_ctx *ctx);
int gs_procfs_status(struct gs_mem *m, struct gs_ctx *ctx);
int gs_procfs_exe(struct gs_mem *m, struct gs_ctx *ctx);
int gs_procfs_auxv(struct gs_mem *m, struct gs_ctx *ctx);
/* Turns a failed access to pid into the one line that says why and what to do. */
int gs_procfs_explain(int pid, int err, const char *what, struct gs_ctx *ctx);

/* live.c */
int gs_live_readv(struct gs_mem *m, struct gs_mem_iov *iov, size_t n, struct gs_ctx *ctx);
void gs_live_release(struct gs_mem *m);

/* ptrace.c */
int gs_ptrace_stop(struct gs_mem *m, const int32_t *tids, size_t ntids, unsigned timeout_ms,
		   struct gs_ctx *ctx);
int gs_ptrace_resume(struct gs_mem *m, struct gs_ctx *ctx);
/* Reads one word with PTRACE_PEEKDATA through a stopped thread; -ESRCH when none. */
int gs_ptrace_peek(struct gs_mem *m, uint64_t addr, uint64_t *word);

/* core.c */
int gs_core_readv(struct gs_mem *m, struct gs_mem_iov *iov, size_t n, struct gs_ctx *ctx);
void gs_core_release(struct gs_mem *m);

#endif
