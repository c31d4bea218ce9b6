/* Groups goroutines whose state and stacks match (panicparse's buckets, notes §4.1) in O(n)
 * with a hash of the content, and orders the groups so that the interesting ones come first.
 * Arguments are not compared (memory readers have none, and pointer arguments differ between
 * goroutines that wait on different objects of one kind); wait times are summarised as a
 * range. Rendering is in render.c. */
#include "internal.h"

bool gs_gdump_is_stdlib_func(const char *func)
{
	/* a standard-library import path's first element has no dot ("net/http"), a module's
	 * has ("github.com/..."); a one-element path is the standard library unless it is
	 * "main", the program's own package */
	size_t end = strcspn(func, "([");
	const char *last_slash = NULL;
	for (size_t i = 0; i < end; i++)
		if (func[i] == '/')
			last_slash = func + i;
	if (!last_slash)
		return *func && strncmp(func, "main.", 5) != 0 && strcmp(func, "main") != 0;
	size_t first = strcspn(func, "/");
	return memchr(func, '.', first) == NULL;
}

static uint64_t hash_str(const struct gs_snapshot *s, uint32_t idx, uint64_t h)
{
	const struct gs_str *str = &s->strings.items[idx < s->strings.len ? idx : 0];
	return gs_hash_bytes(str->p, str->len, h);
}

uint64_t gs_gdump_group_hash(const struct gs_snapshot *s, const struct gs_goroutine *g)
{
	uint64_t h = hash_str(s, g->state, 0x9e3779b97f4a7c15ULL);
	h = gs_hash_u64(h ^ g->n_frames ^ (uint64_t)(g->flags & (GS_G_ELIDED | GS_G_NO_STACK)) << 32);
	if (g->flags & GS_G_HAS_CREATOR) {
		h = hash_str(s, g->created_by.func, h);
		h = hash_str(s, g->created_by.file, h);
		h = gs_hash_u64(h ^ (uint64_t)g->created_by.line);
	}
	const struct gs_gframe *f = gs_goroutine_frames(s, g);
	for (uint32_t i = 0; i < g->n_frames; i++) {
		h = hash_str(s, f[i].func, h);
		h = hash_str(s, f[i].file, h);
		h = gs_hash_u64(h ^ (uint64_t)f[i].line ^ (uint64_t)(f[i].flags & GS_GFRAME_INLINED) << 40);
	}
	return h | 1;
}

static bool str_eq(const struct gs_snapshot *a, uint32_t ia, const struct gs_snapshot *b,
		   uint32_t ib)
{
	if (a == b)
		return ia == ib;
	return strcmp(gs_snapshot_str(a, ia), gs_snapshot_str(b, ib)) == 0;
}

bool gs_gdump_same_group(const struct gs_snapshot *a, const struct gs_goroutine *ga,
			 const struct gs_snapshot *b, const struct gs_goroutine *gb)
{
	const uint32_t shape = GS_G_ELIDED | GS_G_NO_STACK | GS_G_HAS_CREATOR;
	if (ga->n_frames != gb->n_frames || (ga->flags & shape) != (gb->flags & shape) ||
	    !str_eq(a, ga->state, b, gb->state))
		return false;
	if ((ga->flags & GS_G_ELIDED) &&
	    (ga->elided_at != gb->elided_at || ga->elided_count != gb->elided_count))
		return false;
	if ((ga->flags & GS_G_HAS_CREATOR) &&
	    (ga->created_by.line != gb->created_by.line ||
	     !str_eq(a, ga->created_by.func, b, gb->created_by.func) ||
	     !str_eq(a, ga->created_by.file, b, gb->created_by.file)))
		return false;
	const struct gs_gframe *fa = gs_goroutine_frames(a, ga), *fb = gs_goroutine_frames(b, gb);
	for (uint32_t i = 0; i < ga->n_frames; i++)
		if (fa[i].line != fb[i].line ||
		    (fa[i].flags & GS_GFRAME_INLINED) != (fb[i].flags & GS_GFRAME_INLINED) ||
		    !str_eq(a, fa[i].func, b, fb[i].func) || !str_eq(a, fa[i].file, b, fb[i].file))
			return false;
	return true;
}

struct group_key {
	const struct gs_snapshot *s;
	const struct gs_goroutine *g;
	const struct gs_gbuckets *b;
};

static bool group_eq(const void *arg, uint32_t idx)
{
	const struct group_key *k = arg;
	const struct gs_goroutine *rep = &k->s->goroutines[k->b->items[idx].first];
	return gs_gdump_same_group(k->s, rep, k->s, k->g);
}

static bool same_labels(const struct gs_snapshot *s, const struct gs_goroutine *a,
			const struct gs_goroutine *b)
{
	if (a->n_labels != b->n_labels)
		return false;
	const struct gs_glabel *la = gs_goroutine_labels(s, a), *lb = gs_goroutine_labels(s, b);
	for (uint32_t i = 0; i < a->n_labels; i++)
		if (la[i].key != lb[i].key || la[i].value != lb[i].value)
			return false;
	return true;
}

uint32_t gs_gdump_user_frames(const struct gs_snapshot *s, const struct gs_goroutine *g)
{
	uint32_t n = 0;
	const struct gs_gframe *f = gs_goroutine_frames(s, g);
	for (uint32_t i = 0; i < g->n_frames; i++)
		if (f[i].func && !gs_gdump_is_stdlib_func(gs_snapshot_str(s, f[i].func)))
			n++;
	return n;
}

/* qsort has no context argument: the ordering needs the snapshot. */
struct order_ctx {
	const struct gs_snapshot *s;
	const struct gs_gbucket *items;
};

static int cmp_bucket(const struct order_ctx *o, uint32_t x, uint32_t y)
{
	const struct gs_gbucket *a = &o->items[x], *b = &o->items[y];
	if (a->has_current != b->has_current)
		return a->has_current ? -1 : 1;
	/* groups that run no user code at all (servers' accept loops, the runtime) go last */
	if ((a->user_frames > 0) != (b->user_frames > 0))
		return a->user_frames > 0 ? -1 : 1;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	if (a->user_frames != b->user_frames)
		return a->user_frames > b->user_frames ? -1 : 1;
	int c = strcmp(gs_snapshot_str(o->s, o->s->goroutines[a->first].state),
		       gs_snapshot_str(o->s, o->s->goroutines[b->first].state));
	if (c)
		return c;
	return o->s->goroutines[a->first].id < o->s->goroutines[b->first].id ? -1 : 1;
}

/* Merge sort of bucket indices (stable, no global context). */
static void sort_order(const struct order_ctx *o, uint32_t *v, uint32_t *tmp, size_t n)
{
	if (n < 2)
		return;
	size_t h = n / 2;
	sort_order(o, v, tmp, h);
	sort_order(o, v + h, tmp, n - h);
	size_t i = 0, j = h, k = 0;
	while (i < h && j < n)
		tmp[k++] = cmp_bucket(o, v[j], v[i]) < 0 ? v[j++] : v[i++];
	while (i < h)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof(*v));
}

void gs_gbuckets_release(struct gs_gbuckets *b)
{
	free(b->items);
	free(b->members);
	memset(b, 0, sizeof(*b));
}

int gs_gdump_bucket(const struct gs_snapshot *s, const bool *keep, struct gs_gbuckets *out)
{
	struct gs_gbuckets b = {0};
	struct gs_idxmap map;
	uint32_t *of = NULL, *fill = NULL, *order = NULL, *tmp = NULL;
	struct gs_gbucket *sorted = NULL;
	int err = 0;
	size_t n = s->n_goroutines;
	gs_idxmap_init(&map);
	memset(out, 0, sizeof(*out));
	b.items = calloc(n ? n : 1, sizeof(*b.items));
	b.members = calloc(n ? n : 1, sizeof(*b.members));
	of = calloc(n ? n : 1, sizeof(*of));
	if (!b.items || !b.members || !of) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct gs_goroutine *g = &s->goroutines[i];
		if (keep && !keep[i]) {
			of[i] = UINT32_MAX;
			continue;
		}
		struct group_key key = {s, g, &b};
		uint32_t idx;
		bool inserted;
		err = gs_idxmap_intern(&map, gs_gdump_group_hash(s, g), group_eq, &key,
				       (uint32_t)b.n, &idx, &inserted);
		if (err)
			goto out;
		struct gs_gbucket *bk = &b.items[idx];
		if (inserted) {
			b.n++;
			*bk = (struct gs_gbucket){.first = (uint32_t)i, .min_minutes = -1,
						  .max_minutes = -1,
						  .user_frames = gs_gdump_user_frames(s, g)};
		} else if (!same_labels(s, &s->goroutines[bk->first], g)) {
			bk->labels_mixed = true;
		}
		bk->count++;
		if (g->wait_minutes >= 0) {
			if (bk->min_minutes < 0 || g->wait_minutes < bk->min_minutes)
				bk->min_minutes = g->wait_minutes;
			if (g->wait_minutes > bk->max_minutes)
				bk->max_minutes = g->wait_minutes;
		}
		bk->any_locked |= (g->flags & GS_G_LOCKED) != 0;
		bk->has_current |= (g->flags & GS_G_CURRENT) != 0;
		bk->unreadable += (g->flags & GS_G_UNREADABLE) != 0;
		of[i] = idx;
	}
	/* members: goroutine indices grouped by bucket, in snapshot order within one */
	fill = calloc(b.n ? b.n : 1, sizeof(*fill));
	order = calloc(b.n ? b.n : 1, sizeof(*order));
	tmp = calloc(b.n ? b.n : 1, sizeof(*tmp));
	sorted = calloc(b.n ? b.n : 1, sizeof(*sorted));
	if (!fill || !order || !tmp || !sorted) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < b.n; k++)
		order[k] = (uint32_t)k;
	struct order_ctx o = {s, b.items};
	sort_order(&o, order, tmp, b.n);
	uint32_t start = 0;
	for (size_t k = 0; k < b.n; k++) {
		sorted[k] = b.items[order[k]];
		sorted[k].member_start = start;
		fill[order[k]] = (uint32_t)k; /* old index -> new index */
		start += sorted[k].count;
	}
	for (size_t k = 0; k < b.n; k++)
		tmp[k] = 0; /* members placed per new bucket */
	for (size_t i = 0; i < n; i++) {
		if (of[i] == UINT32_MAX)
			continue;
		struct gs_gbucket *bk = &sorted[fill[of[i]]];
		b.members[bk->member_start + tmp[fill[of[i]]]++] = (uint32_t)i;
	}
	b.n_members = start;
	free(b.items);
	b.items = sorted;
	sorted = NULL;
out:
	gs_idxmap_release(&map);
	free(of);
	free(fill);
	free(order);
	free(tmp);
	free(sorted);
	if (err) {
		gs_gbuckets_release(&b);
		return err;
	}
	*out = b;
	return 0;
}
