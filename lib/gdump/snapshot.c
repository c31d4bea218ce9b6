/* The goroutine snapshot model (include/goscope/goroutine.h): its tables, the builder that
 * keeps them within the caps, status names, and the runtime's system-goroutine rule applied to
 * what dump text shows. Parsing, grouping and writing live in the other files of lib/gdump. */
#include "internal.h"

/* Room for n more items in array *arr (len used, *cap allocated), through gs_vec's growth
 * rule; -E2BIG past limit (0 = none) or past what a uint32_t index can name. */
static int reserve(void **arr, size_t len, size_t n, size_t *cap, size_t item, uint64_t limit)
{
	struct gs_vec v = {.data = *arr, .len = len, .alloc = *cap, .item = item};
	if (n > UINT32_MAX - 2 - len)
		return -E2BIG;
	int err = gs_vec_reserve(&v, n, limit);
	if (err)
		return err;
	*arr = v.data;
	*cap = v.alloc;
	return 0;
}

#define RESERVE(s, field, n, limit)                                                                \
	reserve((void **)&(s)->field, (s)->n_##field, (n), &(s)->cap_##field, sizeof(*(s)->field),   \
		(limit))

int gs_snapshot_new(const struct gs_ctx *ctx, struct gs_snapshot **out)
{
	struct gs_snapshot *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->limits = ctx->limits;
	s->duration_ns = -1;
	s->pause_ns = -1;
	int err = gs_strtab_init(&s->strings);
	if (err) {
		free(s);
		return err;
	}
	*out = s;
	return 0;
}

void gs_snapshot_free(struct gs_snapshot *s)
{
	if (!s)
		return;
	gs_strtab_release(&s->strings);
	free(s->goroutines);
	free(s->frames);
	free(s->labels);
	free(s);
}

static const char *const status_names[] = {
	[GS_GSTATUS_IDLE] = "idle",
	[GS_GSTATUS_RUNNABLE] = "runnable",
	[GS_GSTATUS_RUNNING] = "running",
	[GS_GSTATUS_SYSCALL] = "syscall",
	[GS_GSTATUS_WAITING] = "waiting",
	[5] = "moribund",
	[GS_GSTATUS_DEAD] = "dead",
	[7] = "enqueue",
	[GS_GSTATUS_COPYSTACK] = "copystack",
	[GS_GSTATUS_PREEMPTED] = "preempted",
	/* gStatusStrings has no entry for _Gleaked: goroutineheader prints "???" unless a wait
	 * reason overrides it (it always has one, plus " (leaked)") */
};

const char *gs_gstatus_name(enum gs_gstatus st)
{
	if ((unsigned)st < GS_ARRAY_LEN(status_names) && status_names[st])
		return status_names[st];
	return "???";
}

enum gs_gstatus gs_gstatus_from_runtime(uint32_t raw, bool *scan)
{
	if (scan)
		*scan = (raw & 0x1000) != 0;
	raw &= ~(uint32_t)0x1000;
	switch (raw) {
	case GS_GSTATUS_IDLE:
	case GS_GSTATUS_RUNNABLE:
	case GS_GSTATUS_RUNNING:
	case GS_GSTATUS_SYSCALL:
	case GS_GSTATUS_WAITING:
	case GS_GSTATUS_DEAD:
	case GS_GSTATUS_COPYSTACK:
	case GS_GSTATUS_PREEMPTED:
	case GS_GSTATUS_LEAKED:
		return (enum gs_gstatus)raw;
	default:
		return GS_GSTATUS_UNKNOWN;
	}
}

long gs_snapshot_find(const struct gs_snapshot *s, uint64_t goid)
{
	for (size_t i = 0; i < s->n_goroutines; i++)
		if (s->goroutines[i].id == goid)
			return (long)i;
	return -1;
}

int gs_snapshot_intern(struct gs_snapshot *s, const char *p, size_t n, uint32_t *idx)
{
	if (n > s->limits.string_bytes)
		return -E2BIG;
	return gs_strtab_intern(&s->strings, p, n, s->limits.strings, idx);
}

int gs_snapshot_begin_goroutine(struct gs_snapshot *s, const struct gs_goroutine *g,
				uint32_t *idx)
{
	int err = RESERVE(s, goroutines, 1, s->limits.goroutines);
	if (err)
		return err;
	struct gs_goroutine *dst = &s->goroutines[s->n_goroutines];
	*dst = *g;
	dst->frame_start = (uint32_t)s->n_frames;
	dst->n_frames = 0;
	dst->label_start = (uint32_t)s->n_labels;
	dst->n_labels = 0;
	if (dst->flags & GS_G_UNREADABLE)
		s->n_unreadable++;
	if (idx)
		*idx = (uint32_t)s->n_goroutines;
	s->n_goroutines++;
	return 0;
}

int gs_snapshot_add_frame(struct gs_snapshot *s, const struct gs_gframe *f)
{
	if (!s->n_goroutines)
		return -EINVAL;
	struct gs_goroutine *g = &s->goroutines[s->n_goroutines - 1];
	if (g->n_frames >= s->limits.stack_depth)
		return -E2BIG;
	int err = RESERVE(s, frames, 1, 0);
	if (err)
		return err;
	s->frames[s->n_frames++] = *f;
	g->n_frames++;
	return 0;
}

int gs_snapshot_add_label(struct gs_snapshot *s, uint32_t key, uint32_t value)
{
	if (!s->n_goroutines)
		return -EINVAL;
	struct gs_goroutine *g = &s->goroutines[s->n_goroutines - 1];
	struct gs_glabel *labels = s->labels ? s->labels + g->label_start : NULL;
	const char *k = gs_snapshot_str(s, key);
	uint32_t at = 0;
	/* labels of one goroutine are few (pprof.Do sets a handful): insertion keeps them sorted */
	for (; at < g->n_labels; at++) {
		int c = strcmp(gs_snapshot_str(s, labels[at].key), k);
		if (c == 0) {
			labels[at].value = value;
			return 0;
		}
		if (c > 0)
			break;
	}
	if (g->n_labels >= s->limits.labels)
		return -E2BIG;
	int err = RESERVE(s, labels, 1, 0);
	if (err)
		return err;
	labels = s->labels + g->label_start;
	memmove(labels + at + 1, labels + at, (g->n_labels - at) * sizeof(*labels));
	labels[at] = (struct gs_glabel){key, value};
	g->n_labels++;
	s->n_labels++;
	return 0;
}

int gs_snapshot_mark_unreadable(struct gs_snapshot *s, struct gs_goroutine *g, const char *why,
				size_t n)
{
	int err = gs_snapshot_intern(s, why, n, &g->unreadable);
	if (err)
		return err;
	if (!(g->flags & GS_G_UNREADABLE))
		s->n_unreadable++;
	g->flags |= GS_G_UNREADABLE;
	return 0;
}

int gs_snapshot_add_goroutine(struct gs_snapshot *s, const struct gs_goroutine *g,
			      const struct gs_gframe *frames, size_t n_frames,
			      const struct gs_glabel *labels, size_t n_labels, uint32_t *idx)
{
	int err = gs_snapshot_begin_goroutine(s, g, idx);
	for (size_t i = 0; !err && i < n_frames; i++)
		err = gs_snapshot_add_frame(s, &frames[i]);
	for (size_t i = 0; !err && i < n_labels; i++)
		err = gs_snapshot_add_label(s, labels[i].key, labels[i].value);
	return err;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool gs_goroutine_is_system(const char *start_func, bool user_code)
{
	if (!has_prefix(start_func, "runtime.") || !strcmp(start_func, "runtime.main") ||
	    !strcmp(start_func, "runtime.corostart") || !strcmp(start_func, "runtime.handleAsyncEvent"))
		return false;
	/* the finalizer (runfinq up to 1.24, runFinalizers) and cleanup goroutines are user
	 * goroutines while they run user code (fingRunningFinalizer, g.runningCleanups) */
	if (!strcmp(start_func, "runtime.runfinq") || !strcmp(start_func, "runtime.runFinalizers") ||
	    !strcmp(start_func, "runtime.runCleanups"))
		return !user_code;
	return true;
}

bool gs_goroutine_runs_user_code(const struct gs_snapshot *s, const struct gs_gframe *frames,
				 size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!has_prefix(gs_snapshot_str(s, frames[i].func), "runtime."))
			return true;
	return false;
}

void gs_snapshot_classify_system(struct gs_snapshot *s)
{
	for (size_t i = 0; i < s->n_goroutines; i++) {
		struct gs_goroutine *g = &s->goroutines[i];
		if (g->flags & GS_G_SYSTEM_KNOWN)
			continue;
		const char *start = NULL;
		/* a complete stack ends in the start function (goexit is hidden from dumps); with
		 * frames elided at the end or no stack, the creator is the best guess we have */
		uint32_t n = g->n_frames;
		const struct gs_gframe *frames = gs_goroutine_frames(s, g);
		/* GOTRACEBACK=system shows runtime.goexit below the start function */
		if (n && strcmp(gs_snapshot_str(s, frames[n - 1].func), "runtime.goexit") == 0)
			n--;
		if (n && !((g->flags & GS_G_ELIDED) && g->elided_at >= g->n_frames)) {
			start = gs_snapshot_str(s, frames[n - 1].func);
		} else if (g->flags & GS_G_HAS_CREATOR) {
			start = gs_snapshot_str(s, g->created_by.func);
		}
		if (start && gs_goroutine_is_system(start, gs_goroutine_runs_user_code(s, frames, n)))
			g->flags |= GS_G_SYSTEM;
		else
			g->flags &= ~(uint32_t)GS_G_SYSTEM;
	}
}
