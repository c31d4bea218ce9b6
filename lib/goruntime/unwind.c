/* The runtime's stack unwinder (runtime/traceback.go: unwinder.initAt, resolveInternal,
 * next, finishInternal) over the pclntab of the target's binary, reading stack words
 * through a callback. It finds special functions by name, not by funcID number. It does not
 * symbolize or decide which frames are shown (frames.c), nor choose start registers by
 * goroutine status (goroutines.c). */
#include "goruntime/internal.h"

static const struct {
	const char *name;
	enum gs_func_role role;
} special_names[] = {
	{"runtime.morestack", GS_ROLE_MORESTACK},
	{"runtime.systemstack", GS_ROLE_SYSTEMSTACK},
	{"runtime.cgocallback", GS_ROLE_CGOCALLBACK},
	{"runtime.sigpanic", GS_ROLE_INJECTED},
	{"runtime.asyncPreempt", GS_ROLE_INJECTED},
	{"runtime.debugCallV2", GS_ROLE_INJECTED},
	{"runtime.gopanic", GS_ROLE_PANIC},
	{"runtime.panicwrap", GS_ROLE_PANIC},
	/* cmd/internal/objabi gives runtime.deferreturn the wrapper funcID ("don't show in call
	 * stack"), so it tells us which number wrappers carry in this binary */
	{"runtime.deferreturn", GS_ROLE_WRAPPER},
	{"runtime.runFinalizers", GS_ROLE_ALWAYS_SHOW},
	{"runtime.runCleanups", GS_ROLE_ALWAYS_SHOW},
};

int gs_unwinder_new(const struct gs_pclntab *t, enum gs_arch arch, uint64_t bias,
		    struct gs_ctx *ctx, struct gs_unwinder **out)
{
	*out = NULL;
	if (arch != GS_ARCH_AMD64 && arch != GS_ARCH_ARM64)
		return gs_ctx_err(ctx, -ENOTSUP, "unwinding %s stacks is not supported",
				  gs_arch_name(arch));
	struct gs_unwinder *u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->t = t;
	u->arch = arch;
	u->bias = bias;
	u->quantum = gs_pclntab_quantum(t);
	if (u->quantum == 0)
		u->quantum = arch == GS_ARCH_ARM64 ? 4 : 1;
	for (int r = 0; r < GS_ROLE_COUNT; r++)
		u->role_id[r] = -1;
	u->sigpanic_id = -1;
	int err = gs_symbolizer_new(t, 0, &u->sym);
	if (err) {
		free(u);
		return err;
	}
	/* one pass over the function table; only runtime.* names can be special */
	uint32_t nfunc = gs_pclntab_nfunc(t);
	struct gs_func f;
	for (uint32_t i = 0; i < nfunc; i++) {
		if (gs_pclntab_func_at(t, i, &f) || strncmp(f.name, "runtime.", 8) || f.func_id == 0)
			continue;
		for (size_t k = 0; k < GS_ARRAY_LEN(special_names); k++) {
			if (strcmp(f.name, special_names[k].name))
				continue;
			enum gs_func_role r = special_names[k].role;
			if (u->role_of[f.func_id] == GS_ROLE_NONE)
				u->role_of[f.func_id] = (uint8_t)r;
			if (u->role_id[r] < 0)
				u->role_id[r] = f.func_id;
			if (!strcmp(f.name, "runtime.sigpanic"))
				u->sigpanic_id = f.func_id;
			break;
		}
	}
	*out = u;
	return 0;
}

void gs_unwinder_free(struct gs_unwinder *u)
{
	if (!u)
		return;
	gs_symbolizer_free(u->sym);
	free(u);
}

int gs_unwinder_role_func_id(const struct gs_unwinder *u, enum gs_func_role r)
{
	return r > GS_ROLE_NONE && r < GS_ROLE_COUNT ? u->role_id[r] : -1;
}

enum gs_func_role gs_unwinder_role(const struct gs_unwinder *u, uint8_t func_id)
{
	return func_id ? (enum gs_func_role)u->role_of[func_id] : GS_ROLE_NONE;
}

const char *gs_unwind_stop_name(enum gs_unwind_stop stop)
{
	switch (stop) {
	case GS_UNWIND_TOP:
		return "reached the top frame";
	case GS_UNWIND_SPWRITE:
		return "stopped at a function that switches stacks";
	case GS_UNWIND_NO_FUNC:
		return "pc is in no Go function";
	case GS_UNWIND_BAD_RETURN:
		return "unexpected return pc";
	case GS_UNWIND_FOREIGN:
		return "reached a function without frame information";
	case GS_UNWIND_STUCK:
		return "unwinder stuck";
	case GS_UNWIND_READ:
		return "stack could not be read";
	case GS_UNWIND_OUTSIDE:
		return "stack pointer left the stack";
	case GS_UNWIND_CAP:
		return "frame limit reached";
	}
	return "?";
}

/* The function holding runtime address pc. */
static bool find(const struct gs_unwinder *u, uint64_t pc, struct gs_func *f)
{
	return pc >= u->bias && gs_pclntab_find_func(u->t, pc - u->bias, f) == 0;
}

/* funcspdelta: the frame size at pc (0 when the table says nothing usable). */
static int64_t spdelta(const struct gs_unwinder *u, const struct gs_func *f, uint64_t pc)
{
	int32_t d = gs_pclntab_sp(u->t, f, pc - u->bias);
	return d < 0 ? 0 : d;
}

static int read_word(gs_goruntime_read_fn read, void *arg, uint64_t addr, uint64_t *v)
{
	uint8_t b[8];
	int err = read(arg, addr, b, sizeof(b));
	if (err)
		return err;
	uint64_t x = 0;
	for (int i = 7; i >= 0; i--)
		x = x << 8 | b[i];
	*v = x;
	return 0;
}

/* Unwinder state between frames (the runtime's stkframe plus what it reads from gp). */
struct walk {
	const struct gs_unwinder *u;
	gs_goruntime_read_fn read;
	void *arg;
	struct gs_func f;
	uint64_t pc, sp, lr, fp;
	uint64_t lo, hi, stktopsp;
	bool trap;
	bool jumped;
};

static bool in_stack(const struct walk *w, uint64_t sp)
{
	return (w->lo == 0 && w->hi == 0) || (sp >= w->lo && sp <= w->hi);
}

/* resolveInternal: the caller's SP (fp) and the return address (lr) of the current frame,
 * following the stack jump from g0 when asked. Returns the stop reason when the walk cannot
 * go past this frame (the frame itself is still valid), or -1 to go on; sets *drop when the
 * frame itself is not valid (no pcsp table). */
static int resolve(struct walk *w, const struct gs_unwind_stack *st, bool innermost,
		   bool is_syscall, bool *drop, struct gs_unwind_result *res)
{
	const struct gs_unwinder *u = w->u;
	*drop = false;
	if (w->f.pcsp == 0) {
		*drop = true;
		return GS_UNWIND_FOREIGN;
	}
	uint8_t flag = w->f.flag;
	enum gs_func_role role = gs_unwinder_role(u, w->f.func_id);
	if (role == GS_ROLE_CGOCALLBACK || is_syscall)
		flag &= (uint8_t)~GS_FUNCFLAG_SPWRITE;

	if (w->fp == 0) {
		if (st && st->jump && !w->jumped) {
			if (role == GS_ROLE_MORESTACK) {
				/* newstack gogo's to curg.sched: continue there */
				w->pc = st->g_sched_pc;
				w->sp = st->g_sched_sp;
				w->lr = u->arch == GS_ARCH_ARM64 ? st->g_sched_lr : 0;
				if (!find(u, w->pc, &w->f)) {
					res->bad_addr = w->pc;
					*drop = true;
					return GS_UNWIND_NO_FUNC;
				}
				flag = w->f.flag;
				w->lo = st->g_lo, w->hi = st->g_hi, w->stktopsp = st->g_stktopsp;
				w->jumped = true;
			} else if (role == GS_ROLE_SYSTEMSTACK) {
				if (u->arch == GS_ARCH_ARM64 && spdelta(u, &w->f, w->pc) == 0) {
					/* prologue or epilogue: the switch has not happened */
					flag &= (uint8_t)~GS_FUNCFLAG_SPWRITE;
				} else {
					w->sp = st->g_sched_sp;
					w->lo = st->g_lo, w->hi = st->g_hi, w->stktopsp = st->g_stktopsp;
					w->jumped = true;
					flag &= (uint8_t)~GS_FUNCFLAG_SPWRITE;
				}
			}
		}
		w->fp = w->sp + (uint64_t)spdelta(u, &w->f, w->pc);
		if (u->arch == GS_ARCH_AMD64)
			w->fp += 8; /* the return address CALL pushed */
	}

	if (flag & GS_FUNCFLAG_TOPFRAME) {
		w->lr = 0;
		return GS_UNWIND_TOP;
	}
	if (flag & GS_FUNCFLAG_SPWRITE) {
		/* a printing traceback (unwindPrintErrors) stops here even for the innermost
		 * frame: SP may not be on the stack we think */
		w->lr = 0;
		return GS_UNWIND_SPWRITE;
	}
	uint64_t lr_addr = 0;
	if (u->arch == GS_ARCH_ARM64) {
		if ((innermost && w->sp < w->fp) || w->lr == 0)
			lr_addr = w->sp;
	} else if (w->lr == 0) {
		lr_addr = w->fp - 8;
	}
	if (lr_addr) {
		if (read_word(w->read, w->arg, lr_addr, &w->lr)) {
			res->bad_addr = lr_addr;
			w->lr = 0;
			return GS_UNWIND_READ;
		}
	}
	return -1;
}

int gs_unwind(const struct gs_unwinder *u, const struct gs_unwind_start *start,
	      const struct gs_unwind_stack *stack, gs_goruntime_read_fn read, void *arg,
	      struct gs_pframe *frames, size_t max, struct gs_unwind_result *res)
{
	memset(res, 0, sizeof(*res));
	if (!u || !start || !read || (!frames && max))
		return -EINVAL;
	struct walk w = {.u = u, .read = read, .arg = arg};
	w.pc = start->pc;
	w.sp = start->sp;
	w.lr = u->arch == GS_ARCH_ARM64 ? start->lr : 0;
	w.trap = start->trap;
	if (stack)
		w.lo = stack->lo, w.hi = stack->hi, w.stktopsp = stack->stktopsp;

	bool is_syscall = start->syscall;
	if (w.pc == 0) {
		/* a nil function call: start in the caller's frame */
		if (read_word(read, arg, w.sp, &w.pc)) {
			res->stop = GS_UNWIND_READ;
			res->bad_addr = w.sp;
			return 0;
		}
		if (u->arch == GS_ARCH_ARM64)
			w.lr = 0;
		else
			w.sp += 8;
		is_syscall = false;
		w.trap = false;
	}
	if (!find(u, w.pc, &w.f)) {
		res->stop = GS_UNWIND_NO_FUNC;
		res->bad_addr = w.pc;
		return 0;
	}
	if (!in_stack(&w, w.sp)) {
		res->stop = GS_UNWIND_OUTSIDE;
		res->bad_addr = w.sp;
		return 0;
	}

	bool innermost = true;
	for (;;) {
		bool drop;
		int stop = resolve(&w, stack, innermost, is_syscall, &drop, res);
		res->jumped = w.jumped;
		if (drop) {
			res->stop = (enum gs_unwind_stop)stop;
			break;
		}
		if (res->n >= max) {
			res->stop = GS_UNWIND_CAP;
			break;
		}
		frames[res->n++] = (struct gs_pframe){
			.pc = w.pc,
			.sp = w.sp,
			.fp = w.fp,
			.entry = w.f.entry + u->bias,
			.func_index = w.f.index,
			.func_id = w.f.func_id,
			.trap = w.trap,
		};
		if (stop >= 0) {
			res->stop = (enum gs_unwind_stop)stop;
			break;
		}
		/* next() */
		struct gs_func flr;
		if (!find(u, w.lr, &flr)) {
			res->stop = GS_UNWIND_BAD_RETURN;
			res->bad_addr = w.lr;
			break;
		}
		if (w.pc == w.lr && w.sp == w.fp) {
			res->stop = GS_UNWIND_STUCK;
			res->bad_addr = w.pc;
			break;
		}
		bool injected = gs_unwinder_role(u, w.f.func_id) == GS_ROLE_INJECTED;
		w.trap = injected;
		w.f = flr;
		w.pc = w.lr;
		w.lr = 0;
		w.sp = w.fp;
		w.fp = 0;
		if (u->arch == GS_ARCH_ARM64 && injected) {
			/* sighandler saved LR on the stack before faking the call */
			uint64_t x;
			if (read_word(read, arg, w.sp, &x)) {
				res->stop = GS_UNWIND_READ;
				res->bad_addr = w.sp;
				break;
			}
			w.sp += 16; /* alignUp(MinFrameSize, StackAlign) */
			if (!find(u, w.pc, &w.f)) {
				w.pc = x;
				if (!find(u, w.pc, &w.f)) {
					res->stop = GS_UNWIND_BAD_RETURN;
					res->bad_addr = w.pc;
					break;
				}
			} else if (spdelta(u, &w.f, w.pc) == 0) {
				w.lr = x;
			}
		}
		if (!in_stack(&w, w.sp)) {
			res->stop = GS_UNWIND_OUTSIDE;
			res->bad_addr = w.sp;
			break;
		}
		innermost = false;
		is_syscall = false;
	}
	/* finishInternal's check: the outermost frame sits where newproc put it */
	res->complete = res->stop == GS_UNWIND_TOP && res->n > 0 &&
			(w.stktopsp == 0 || frames[res->n - 1].sp == w.stktopsp);
	return 0;
}
