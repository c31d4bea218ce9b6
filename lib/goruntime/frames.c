/* What the runtime prints for a goroutine: physical frames expanded into logical frames
 * through the inline tree, filtered by the runtime's showframe rules (traceback.go
 * traceback2, showfuncinfo, elideWrapperCalling), the "created by" position
 * (printcreatedby1), the user/system rule (isSystemGoroutine) and printFuncName. It does not
 * unwind (unwind.c) and does not format text (lib/gdump writes dumps). */
#include "goruntime/internal.h"
#include "goscope/goroutine.h"

static bool has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/* isExportedRuntime: runtime.X or runtime.(*T).X / runtime.T.X with X (and T) exported. */
static bool is_exported_runtime(const char *name)
{
	if (!has_prefix(name, "runtime."))
		return false;
	name += 8;
	size_t len = strlen(name);
	const char *rcvr = "";
	size_t rcvr_len = 0;
	size_t i = len;
	while (i > 0 && name[i - 1] != '.')
		i--;
	if (i > 0) {
		rcvr = name;
		rcvr_len = i - 1;
		name += i;
		if (rcvr_len >= 3 && rcvr[0] == '(' && rcvr[1] == '*' && rcvr[rcvr_len - 1] == ')') {
			rcvr += 2;
			rcvr_len -= 3;
		}
	}
	if (name[0] < 'A' || name[0] > 'Z')
		return false;
	return rcvr_len == 0 || (rcvr[0] >= 'A' && rcvr[0] <= 'Z');
}

/* elideWrapperCalling: a wrapper is hidden unless it called a panic function. */
static bool elide_wrapper_calling(const struct gs_unwinder *u, uint8_t callee)
{
	if (callee == 0)
		return true;
	if (u->sigpanic_id >= 0 && callee == (uint8_t)u->sigpanic_id)
		return false;
	return gs_unwinder_role(u, callee) != GS_ROLE_PANIC;
}

bool gs_unwinder_showframe(const struct gs_unwinder *u, const char *name, uint8_t func_id,
			   bool first_frame, uint8_t callee_func_id)
{
	enum gs_func_role role = gs_unwinder_role(u, func_id);
	if (role == GS_ROLE_WRAPPER && elide_wrapper_calling(u, callee_func_id))
		return false;
	if (role == GS_ROLE_ALWAYS_SHOW)
		return true;
	if (!first_frame && !strcmp(name, "runtime.gopanic"))
		return true;
	return strchr(name, '.') != NULL && (!has_prefix(name, "runtime.") || is_exported_runtime(name));
}

/* symPC: a return address is looked up inside its CALL; a trap pc or a function entry as is. */
static uint64_t sym_pc(const struct gs_pframe *f)
{
	return !f->trap && f->pc > f->entry ? f->pc - 1 : f->pc;
}

/* One pass of traceback2 over every frame: count (and store up to max) the logical frames
 * shown, with or without the runtime filter. */
static int pass(struct gs_unwinder *u, const struct gs_pframe *frames, size_t n, bool show_all,
		struct gs_lframe *out, size_t max, size_t *count)
{
	*count = 0;
	uint8_t callee = 0; /* abi.FuncIDNormal */
	for (size_t i = 0; i < n; i++) {
		const struct gs_pframe *pf = &frames[i];
		uint64_t pc = sym_pc(pf);
		const struct gs_frame *lf;
		size_t nl;
		if (pc < u->bias || gs_symbolizer_lookup(u->sym, pc - u->bias, &lf, &nl))
			continue; /* the unwinder only returns frames in Go functions */
		for (size_t k = 0; k < nl; k++) {
			uint8_t callee_id = callee;
			callee = lf[k].func_id;
			if (!show_all &&
			    !gs_unwinder_showframe(u, lf[k].function, lf[k].func_id, *count == 0, callee_id))
				continue;
			if (*count < max)
				out[*count] = (struct gs_lframe){
					.function = lf[k].function,
					.file = lf[k].file,
					.line = lf[k].line,
					.pc = pf->pc,
					.entry = pf->entry,
					.sp = pf->sp,
					.fp = pf->fp,
					.func_id = lf[k].func_id,
					.inlined = lf[k].inlined,
				};
			(*count)++;
		}
		/* next(): the callee of the caller's frames is this physical function */
		callee = pf->func_id;
	}
	return 0;
}

int gs_unwinder_logical(struct gs_unwinder *u, const struct gs_pframe *frames, size_t n,
			bool show_all, struct gs_lframe *out, size_t max, size_t *nout)
{
	int err = pass(u, frames, n, show_all, out, max, nout);
	/* traceback1: if hiding runtime frames leaves nothing, print them all */
	if (!err && !show_all && *nout == 0)
		err = pass(u, frames, n, true, out, max, nout);
	return err;
}

int gs_unwinder_creator(struct gs_unwinder *u, uint64_t gopc, uint64_t goid,
			struct gs_creator_pos *creator)
{
	struct gs_func f;
	memset(creator, 0, sizeof(*creator));
	if (goid == 1 || gopc < u->bias || gs_pclntab_find_func(u->t, gopc - u->bias, &f))
		return -ENOENT;
	if (!gs_unwinder_showframe(u, f.name, f.func_id, false, 0))
		return -ENOENT;
	uint64_t entry = f.entry + u->bias;
	uint64_t tracepc = gopc > entry ? gopc - u->quantum : gopc;
	struct gs_position pos;
	if (gs_symbolizer_position(u->sym, tracepc - u->bias, &pos))
		return -ENOENT;
	creator->function = f.name;
	creator->file = pos.file;
	creator->line = pos.line;
	creator->entry = entry;
	creator->offset = gopc > entry ? gopc - entry : 0;
	return 0;
}

bool gs_unwinder_is_system(struct gs_unwinder *u, uint64_t startpc, bool user_code)
{
	struct gs_func f;
	if (startpc < u->bias || gs_pclntab_find_func(u->t, startpc - u->bias, &f))
		return false;
	return gs_goroutine_is_system(f.name, user_code);
}

const char *gs_goruntime_print_name(const char *name, char *buf, size_t size)
{
	if (!size)
		return buf;
	if (!strcmp(name, "runtime.gopanic")) {
		snprintf(buf, size, "panic");
		return buf;
	}
	const char *open = strchr(name, '[');
	const char *close = strrchr(name, ']');
	if (!open || !close || close <= open) {
		snprintf(buf, size, "%s", name);
		return buf;
	}
	snprintf(buf, size, "%.*s[...]%s", (int)(open - name), name, close + 1);
	return buf;
}
