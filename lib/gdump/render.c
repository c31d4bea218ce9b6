/* Renders a snapshot for people and programs: the grouped text view (one block per group:
 * count, state with the wait-time range, labels, ids, stack, creator), and JSON of the groups
 * or of every goroutine. Also the goroutine filters the commands share. The runtime's own
 * dump format is write.c's. */
#include "internal.h"

#include "goscope/report.h"

static bool label_match(const struct gs_snapshot *s, const struct gs_goroutine *g,
			const char *key, const char *value)
{
	const struct gs_glabel *l = gs_goroutine_labels(s, g);
	for (uint32_t i = 0; i < g->n_labels; i++)
		if (!strcmp(gs_snapshot_str(s, l[i].key), key))
			return !strcmp(gs_snapshot_str(s, l[i].value), value);
	return false;
}

bool gs_gfilter_match(const struct gs_snapshot *s, const struct gs_goroutine *g,
		      const struct gs_gfilter *f)
{
	if (f->user_only && (g->flags & GS_G_SYSTEM))
		return false;
	if (f->state) {
		const char *state = gs_snapshot_str(s, g->state);
		if (strcmp(state, f->state) && strcmp(gs_gstatus_name(g->status), f->state))
			return false;
	}
	if (f->wait_min_ns > 0 &&
	    (g->wait_minutes < 0 || g->wait_minutes < (f->wait_min_ns + 59999999999LL) / 60000000000LL))
		return false;
	for (size_t i = 0; i < f->n_labels; i++)
		if (!label_match(s, g, f->labels[i].key, f->labels[i].value))
			return false;
	if (f->func) {
		const struct gs_gframe *fr = gs_goroutine_frames(s, g);
		bool any = false;
		for (uint32_t i = 0; i < g->n_frames && !any; i++)
			any = fr[i].func && gs_regex_match_cstr(f->func, gs_snapshot_str(s, fr[i].func));
		if (!any)
			return false;
	}
	return true;
}

int gs_gfilter_apply(const struct gs_snapshot *s, const struct gs_gfilter *f, bool **keep,
		     size_t *kept)
{
	bool *k = calloc(s->n_goroutines ? s->n_goroutines : 1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	*kept = 0;
	for (size_t i = 0; i < s->n_goroutines; i++)
		if ((k[i] = gs_gfilter_match(s, &s->goroutines[i], f)))
			(*kept)++;
	*keep = k;
	return 0;
}

static const char *const source_names[] = {
	[GS_SNAPSHOT_UNKNOWN] = "unknown",   [GS_SNAPSHOT_DEBUG2] = "debug=2 dump",
	[GS_SNAPSHOT_PANIC] = "panic output", [GS_SNAPSHOT_TRACEBACK] = "traceback",
	[GS_SNAPSHOT_LIVE] = "live process", [GS_SNAPSHOT_CORE] = "core file",
};

const char *gs_snapshot_source_name(enum gs_snapshot_source src)
{
	return (unsigned)src < GS_ARRAY_LEN(source_names) ? source_names[src] : "unknown";
}

static void write_state(const struct gs_snapshot *s, const struct gs_goroutine *g,
			const struct gs_gbucket *b, struct gs_out *out)
{
	const char *state = gs_snapshot_str(s, g->state);
	gs_out_printf(out, "[%s", *state ? state : gs_gstatus_name(g->status));
	if (b->min_minutes >= 0 && b->min_minutes == b->max_minutes)
		gs_out_printf(out, ", %lld minutes", (long long)b->min_minutes);
	else if (b->min_minutes >= 0)
		gs_out_printf(out, ", %lld-%lld minutes", (long long)b->min_minutes,
			      (long long)b->max_minutes);
	if (b->any_locked)
		gs_out_str(out, ", locked to thread");
	gs_out_str(out, "]");
}

static void write_labels(const struct gs_snapshot *s, const struct gs_goroutine *g,
			 struct gs_out *out)
{
	const struct gs_glabel *l = gs_goroutine_labels(s, g);
	for (uint32_t i = 0; i < g->n_labels; i++)
		gs_out_printf(out, "%s%s=%s", i ? " " : "", gs_snapshot_str(s, l[i].key),
			      gs_snapshot_str(s, l[i].value));
}

/* The width of the function column of a group: its longest name, at most 64. */
static size_t func_width(const struct gs_snapshot *s, const struct gs_goroutine *g)
{
	size_t w = 0;
	const struct gs_gframe *f = gs_goroutine_frames(s, g);
	for (uint32_t i = 0; i < g->n_frames; i++) {
		size_t n = strlen(gs_snapshot_str(s, f[i].func)) +
			   (f[i].flags & GS_GFRAME_INLINED ? 10 : 0);
		if (n > w)
			w = n;
	}
	return w > 64 ? 64 : w;
}

static void write_frame_line(const struct gs_snapshot *s, const struct gs_gframe *f, size_t w,
			     uint32_t repeat, struct gs_out *out)
{
	if ((f->flags & GS_GFRAME_CGO) && !f->func) {
		gs_out_printf(out, "    non-Go function at pc=0x%llx\n", (unsigned long long)f->pc);
		return;
	}
	const char *name = gs_snapshot_str(s, f->func);
	const char *inl = f->flags & GS_GFRAME_INLINED ? " (inlined)" : "";
	size_t n = strlen(name) + strlen(inl);
	gs_out_printf(out, "    %s%s", name, inl);
	gs_out_printf(out, "%*s  %s:%lld", (int)(n < w ? w - n : 0), "", gs_snapshot_str(s, f->file),
		      (long long)f->line);
	if (repeat > 1)
		gs_out_printf(out, "  (%u times)", repeat);
	gs_out_str(out, "\n");
}

/* Frames i and i+1 are the same call (recursion), and no elision marker sits between them. */
static bool same_frame(const struct gs_goroutine *g, const struct gs_gframe *f, uint32_t i)
{
	return i + 1 < g->n_frames && !((g->flags & GS_G_ELIDED) && g->elided_at == i + 1) &&
	       f[i].func == f[i + 1].func && f[i].file == f[i + 1].file && f[i].line == f[i + 1].line &&
	       f[i].flags == f[i + 1].flags;
}

void gs_gdump_write_stack(const struct gs_snapshot *s, const struct gs_goroutine *g,
			  enum gs_gdump_creator creator, struct gs_out *out)
{
	if (g->flags & GS_G_NO_STACK)
		gs_out_str(out, "    (running on another thread: stack unavailable)\n");
	const struct gs_gframe *f = gs_goroutine_frames(s, g);
	size_t w = func_width(s, g);
	for (uint32_t i = 0; i <= g->n_frames; i++) {
		if ((g->flags & GS_G_ELIDED) && g->elided_at == i) {
			if (g->elided_count)
				gs_out_printf(out, "    ...%u frames elided...\n", g->elided_count);
			else
				gs_out_str(out, "    ...additional frames elided...\n");
		}
		if (i == g->n_frames)
			break;
		/* a recursion shows once, with its count */
		uint32_t repeat = 1;
		while (same_frame(g, f, i + repeat - 1))
			repeat++;
		write_frame_line(s, &f[i], w, repeat, out);
		i += repeat - 1;
	}
	if ((g->flags & GS_G_HAS_CREATOR) && creator != GS_GDUMP_CREATOR_NONE) {
		gs_out_printf(out, "    created by %s", gs_snapshot_str(s, g->created_by.func));
		if (g->created_by.goid && creator == GS_GDUMP_CREATOR_GOID)
			gs_out_printf(out, " in goroutine %llu", (unsigned long long)g->created_by.goid);
		gs_out_printf(out, "  %s:%lld\n", gs_snapshot_str(s, g->created_by.file),
			      (long long)g->created_by.line);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* The ids of a group's goroutines, ascending (members are in snapshot order, which for a
 * live process is allgs order: recycled g's make it look random). NULL when out of memory. */
static uint64_t *sorted_ids(const struct gs_snapshot *s, const struct gs_gbuckets *b,
			    const struct gs_gbucket *bk)
{
	uint64_t *ids = malloc((bk->count ? bk->count : 1) * sizeof(*ids));
	if (!ids)
		return NULL;
	for (uint32_t i = 0; i < bk->count; i++)
		ids[i] = s->goroutines[b->members[bk->member_start + i]].id;
	qsort(ids, bk->count, sizeof(*ids), cmp_u64);
	return ids;
}

int gs_gdump_write_groups(const struct gs_snapshot *s, const struct gs_gbuckets *b,
			  const struct gs_group_opts *opts, struct gs_out *out)
{
	size_t max_ids = opts && opts->max_ids ? opts->max_ids : 10;
	gs_out_printf(out, "%zu goroutine%s in %zu group%s", b->n_members,
		      b->n_members == 1 ? "" : "s", b->n, b->n == 1 ? "" : "s");
	if (b->n_members != s->n_goroutines)
		gs_out_printf(out, " (of %zu)", s->n_goroutines);
	gs_out_printf(out, ", from a %s", gs_snapshot_source_name(s->source));
	if (s->go_version)
		gs_out_printf(out, " of %s", gs_snapshot_str(s, s->go_version));
	if (s->n_unreadable)
		gs_out_printf(out, "; %llu unreadable", (unsigned long long)s->n_unreadable);
	gs_out_str(out, "\n");
	for (size_t k = 0; k < b->n && !out->err; k++) {
		const struct gs_gbucket *bk = &b->items[k];
		const struct gs_goroutine *g = &s->goroutines[bk->first];
		gs_out_printf(out, "\n%u goroutine%s ", bk->count, bk->count == 1 ? "" : "s");
		write_state(s, g, bk, out);
		if (g->flags & GS_G_SYSTEM)
			gs_out_str(out, " system");
		if (bk->has_current)
			gs_out_str(out, " current");
		if (bk->labels_mixed) {
			gs_out_str(out, "  labels: (differ)");
		} else if (g->n_labels) {
			gs_out_str(out, "  labels: ");
			write_labels(s, g, out);
		}
		gs_out_str(out, "\n    goroutine");
		gs_out_str(out, bk->count == 1 ? "" : "s");
		uint64_t *ids = sorted_ids(s, b, bk);
		if (!ids)
			return -ENOMEM;
		for (uint32_t i = 0; i < bk->count && i < max_ids; i++)
			gs_out_printf(out, " %llu", (unsigned long long)ids[i]);
		free(ids);
		if (bk->count > max_ids)
			gs_out_printf(out, " ... (%zu more)", bk->count - max_ids);
		if (bk->unreadable)
			gs_out_printf(out, "; %u unreadable", bk->unreadable);
		if (g->m_id >= 0 && bk->count == 1) {
			gs_out_printf(out, "; on M%lld", (long long)g->m_id);
			if (g->os_tid)
				gs_out_printf(out, " (thread %lld)", (long long)g->os_tid);
		}
		gs_out_str(out, "\n");
		gs_gdump_write_stack(s, g, bk->count == 1 ? GS_GDUMP_CREATOR_GOID : GS_GDUMP_CREATOR,
				     out);
	}
	return out->err;
}

static void json_frames(struct gs_json *j, const struct gs_snapshot *s,
			const struct gs_goroutine *g)
{
	const struct gs_gframe *f = gs_goroutine_frames(s, g);
	gs_json_key(j, "frames");
	gs_json_arr_begin(j);
	for (uint32_t i = 0; i < g->n_frames; i++) {
		gs_json_obj_begin(j);
		gs_json_kstr(j, "func", gs_snapshot_str(s, f[i].func));
		gs_json_kstr(j, "file", gs_snapshot_str(s, f[i].file));
		gs_json_ki64(j, "line", f[i].line);
		if (f[i].flags & GS_GFRAME_INLINED)
			gs_json_kbool(j, "inlined", true);
		if (f[i].flags & GS_GFRAME_HAS_OFF)
			gs_json_ku64(j, "pc_offset", f[i].pc_offset);
		if (f[i].flags & GS_GFRAME_HAS_PC)
			gs_json_ku64(j, "pc", f[i].pc);
		if (f[i].flags & GS_GFRAME_CGO)
			gs_json_kbool(j, "cgo", true);
		gs_json_obj_end(j);
	}
	gs_json_arr_end(j);
	if (g->flags & GS_G_ELIDED) {
		gs_json_key(j, "elided");
		gs_json_obj_begin(j);
		gs_json_ku64(j, "at", g->elided_at);
		if (g->elided_count)
			gs_json_ku64(j, "count", g->elided_count);
		else
			gs_json_kstr(j, "count", "unknown");
		gs_json_obj_end(j);
	}
}

void gs_gdump_json_goroutine(struct gs_json *j, const struct gs_snapshot *s,
			const struct gs_goroutine *g, bool with_goid)
{
	const char *state = gs_snapshot_str(s, g->state);
	gs_json_kstr(j, "state", *state ? state : gs_gstatus_name(g->status));
	gs_json_kstr(j, "status", gs_gstatus_name(g->status));
	gs_json_kstr(j, "wait_reason", gs_snapshot_str(s, g->wait_reason));
	gs_json_kbool(j, "system", (g->flags & GS_G_SYSTEM) != 0);
	gs_json_key(j, "labels");
	gs_json_obj_begin(j);
	const struct gs_glabel *l = gs_goroutine_labels(s, g);
	for (uint32_t i = 0; i < g->n_labels; i++)
		gs_json_kstr(j, gs_snapshot_str(s, l[i].key), gs_snapshot_str(s, l[i].value));
	gs_json_obj_end(j);
	gs_json_key(j, "created_by");
	if (g->flags & GS_G_HAS_CREATOR) {
		gs_json_obj_begin(j);
		gs_json_kstr(j, "func", gs_snapshot_str(s, g->created_by.func));
		gs_json_kstr(j, "file", gs_snapshot_str(s, g->created_by.file));
		gs_json_ki64(j, "line", g->created_by.line);
		if (with_goid && g->created_by.goid)
			gs_json_ku64(j, "goroutine", g->created_by.goid);
		gs_json_obj_end(j);
	} else {
		gs_json_null(j);
	}
	if (g->flags & GS_G_NO_STACK)
		gs_json_kbool(j, "stack_unavailable", true);
	json_frames(j, s, g);
}

static void json_header(struct gs_json *j, const struct gs_snapshot *s)
{
	gs_json_kstr(j, "source", gs_snapshot_source_name(s->source));
	gs_json_kstr(j, "source_name", gs_snapshot_str(s, s->source_name));
	gs_json_key(j, "go_version");
	if (s->go_version)
		gs_json_str(j, gs_snapshot_str(s, s->go_version));
	else
		gs_json_null(j);
	if (s->time_unix_ns)
		gs_json_ki64(j, "time_unix_ns", s->time_unix_ns);
	if (s->duration_ns >= 0)
		gs_json_ki64(j, "duration_ns", s->duration_ns);
	if (s->pause_ns >= 0)
		gs_json_ki64(j, "pause_ns", s->pause_ns);
	gs_json_ku64(j, "unreadable", s->n_unreadable);
}

int gs_gdump_write_groups_json(const struct gs_snapshot *s, const struct gs_gbuckets *b,
			       struct gs_out *out)
{
	struct gs_json j;
	gs_json_init(&j, out, true);
	gs_json_obj_begin(&j);
	json_header(&j, s);
	gs_json_ku64(&j, "goroutines", b->n_members);
	gs_json_key(&j, "groups");
	gs_json_arr_begin(&j);
	for (size_t k = 0; k < b->n; k++) {
		const struct gs_gbucket *bk = &b->items[k];
		const struct gs_goroutine *g = &s->goroutines[bk->first];
		gs_json_obj_begin(&j);
		gs_json_ku64(&j, "count", bk->count);
		gs_gdump_json_goroutine(&j, s, g, false);
		gs_json_key(&j, "wait_minutes");
		if (bk->min_minutes >= 0) {
			gs_json_obj_begin(&j);
			gs_json_ki64(&j, "min", bk->min_minutes);
			gs_json_ki64(&j, "max", bk->max_minutes);
			gs_json_obj_end(&j);
		} else {
			gs_json_null(&j);
		}
		gs_json_kbool(&j, "locked", bk->any_locked);
		gs_json_kbool(&j, "labels_mixed", bk->labels_mixed);
		gs_json_kbool(&j, "current", bk->has_current);
		gs_json_ku64(&j, "user_frames", bk->user_frames);
		uint64_t *ids = sorted_ids(s, b, bk);
		if (!ids)
			return -ENOMEM;
		gs_json_key(&j, "ids");
		gs_json_arr_begin(&j);
		for (uint32_t i = 0; i < bk->count; i++)
			gs_json_u64(&j, ids[i]);
		gs_json_arr_end(&j);
		free(ids);
		gs_json_obj_end(&j);
	}
	gs_json_arr_end(&j);
	gs_json_obj_end(&j);
	gs_json_end(&j);
	return out->err;
}

int gs_snapshot_write_json(const struct gs_snapshot *s, const bool *keep, struct gs_out *out)
{
	struct gs_json j;
	gs_json_init(&j, out, true);
	gs_json_obj_begin(&j);
	json_header(&j, s);
	gs_json_key(&j, "goroutines");
	gs_json_arr_begin(&j);
	for (size_t i = 0; i < s->n_goroutines; i++) {
		const struct gs_goroutine *g = &s->goroutines[i];
		if (keep && !keep[i])
			continue;
		gs_json_obj_begin(&j);
		gs_json_ku64(&j, "id", g->id);
		gs_gdump_json_goroutine(&j, s, g, true);
		gs_json_key(&j, "wait_minutes");
		if (g->wait_minutes >= 0)
			gs_json_i64(&j, g->wait_minutes);
		else
			gs_json_null(&j);
		gs_json_kbool(&j, "locked", (g->flags & GS_G_LOCKED) != 0);
		if (g->m_id >= 0)
			gs_json_ki64(&j, "m", g->m_id);
		if (g->os_tid)
			gs_json_ki64(&j, "thread", g->os_tid);
		if (g->flags & GS_G_UNREADABLE)
			gs_json_kstr(&j, "unreadable", gs_snapshot_str(s, g->unreadable));
		gs_json_obj_end(&j);
	}
	gs_json_arr_end(&j);
	gs_json_obj_end(&j);
	gs_json_end(&j);
	return out->err;
}
