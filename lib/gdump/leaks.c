/* Goroutine-leak finding over two or more snapshots of one program: goroutines are grouped
 * across snapshots by content (state, creator, frames: bucket.c's rule) and the groups whose
 * count never shrinks and ends higher than it started are reported, largest growth first,
 * with their creation site. It compares counts only: a goroutine that leaks and one that
 * is merely slow look alike over a short window, so longer intervals give surer answers. */
#include "internal.h"

struct leak_key {
	const struct gs_snapshot *s;
	const struct gs_goroutine *g;
	const struct gs_gleaks *l;
	const struct gs_snapshot *const *snaps;
};

static bool leak_eq(const void *arg, uint32_t idx)
{
	const struct leak_key *k = arg;
	const struct gs_gleak *item = gs_vec_at(&k->l->groups, idx);
	const struct gs_snapshot *rs = k->snaps[item->snapshot];
	return gs_gdump_same_group(rs, &rs->goroutines[item->goroutine], k->s, k->g);
}

void gs_gleaks_release(struct gs_gleaks *l)
{
	gs_vec_release(&l->groups);
	gs_vec_release(&l->counts);
	memset(l, 0, sizeof(*l));
}

static int cmp_leak(const struct gs_gleak *a, const struct gs_gleak *b)
{
	if (a->growth != b->growth)
		return a->growth > b->growth ? -1 : 1;
	if (a->last != b->last)
		return a->last > b->last ? -1 : 1;
	return a->first_seen < b->first_seen ? -1 : a->first_seen > b->first_seen;
}

/* Insertion sort of the (few) growing groups: stable, no global context. */
static void sort_leaks(struct gs_gleak *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct gs_gleak x = v[i];
		size_t j = i;
		for (; j > 0 && cmp_leak(&x, &v[j - 1]) < 0; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

int gs_gdump_leaks(const struct gs_snapshot *const *snaps, size_t n,
		   const struct gs_gleaks_opts *opts, struct gs_gleaks *out)
{
	struct gs_gleaks all = {0};
	struct gs_idxmap map;
	int err = 0;
	uint32_t seen = 0;
	memset(out, 0, sizeof(*out));
	if (n < 2)
		return -EINVAL;
	gs_idxmap_init(&map);
	gs_vec_init(&all.groups, sizeof(struct gs_gleak));
	gs_vec_init(&all.counts, sizeof(uint64_t));
	all.n_snapshots = n;
	for (size_t si = 0; si < n && !err; si++) {
		const struct gs_snapshot *s = snaps[si];
		for (size_t gi = 0; gi < s->n_goroutines && !err; gi++) {
			const struct gs_goroutine *g = &s->goroutines[gi];
			if (opts && opts->user_only && (g->flags & GS_G_SYSTEM))
				continue;
			struct leak_key key = {s, g, &all, snaps};
			uint32_t idx;
			bool inserted;
			err = gs_idxmap_intern(&map, gs_gdump_group_hash(s, g), leak_eq, &key,
					       (uint32_t)all.groups.len, &idx, &inserted);
			if (err)
				break;
			if (inserted) {
				struct gs_gleak *item;
				if ((err = gs_vec_push(&all.groups, 0, (void **)&item)) ||
				    (err = gs_vec_reserve(&all.counts, n, 0)))
					break;
				*item = (struct gs_gleak){.snapshot = (uint32_t)si,
							  .goroutine = (uint32_t)gi,
							  .first_seen = seen++};
				memset(gs_vec_at(&all.counts, all.counts.len), 0, n * sizeof(uint64_t));
				all.counts.len += n;
			}
			uint64_t *counts = gs_vec_at(&all.counts, (size_t)idx * n);
			counts[si]++;
			/* the representative is the latest goroutine seen: its wait time is longest */
			struct gs_gleak *item = gs_vec_at(&all.groups, idx);
			item->snapshot = (uint32_t)si;
			item->goroutine = (uint32_t)gi;
		}
	}
	/* keep the groups that grew without ever shrinking; counts move along with them */
	uint64_t min_growth = opts && opts->min_growth ? opts->min_growth : 1;
	size_t kept = 0;
	for (size_t i = 0; i < all.groups.len && !err; i++) {
		struct gs_gleak *item = gs_vec_at(&all.groups, i);
		const uint64_t *counts = gs_vec_at(&all.counts, i * n);
		bool monotonic = true;
		for (size_t k = 1; k < n; k++)
			monotonic &= counts[k] >= counts[k - 1];
		if (!monotonic || counts[n - 1] < counts[0] + min_growth)
			continue;
		item->first = counts[0];
		item->last = counts[n - 1];
		item->growth = (int64_t)(counts[n - 1] - counts[0]);
		item->counts_at = (uint32_t)kept;
		memmove(gs_vec_at(&all.counts, kept * n), counts, n * sizeof(uint64_t));
		*(struct gs_gleak *)gs_vec_at(&all.groups, kept++) = *item;
	}
	all.groups.len = kept;
	all.counts.len = kept * n;
	sort_leaks(all.groups.data, kept);
	gs_idxmap_release(&map);
	if (err) {
		gs_gleaks_release(&all);
		return err;
	}
	*out = all;
	return 0;
}

const uint64_t *gs_gleak_counts(const struct gs_gleaks *l, const struct gs_gleak *item)
{
	return gs_vec_at(&l->counts, (size_t)item->counts_at * l->n_snapshots);
}

/* Seconds between the first and the last snapshot, or 0 when a time is unknown. */
static double span_seconds(const struct gs_snapshot *const *snaps, size_t n)
{
	if (!snaps[0]->time_unix_ns || !snaps[n - 1]->time_unix_ns)
		return 0;
	return (double)(snaps[n - 1]->time_unix_ns - snaps[0]->time_unix_ns) / 1e9;
}

int gs_gdump_write_leaks(const struct gs_snapshot *const *snaps, size_t n,
			 const struct gs_gleaks *l, struct gs_out *out)
{
	const struct gs_gleak *items = l->groups.data;
	size_t n_items = l->groups.len;
	double secs = span_seconds(snaps, n);
	gs_out_printf(out, "%zu snapshots", n);
	if (secs > 0)
		gs_out_printf(out, " over %.1fs", secs);
	gs_out_str(out, ", goroutines:");
	for (size_t i = 0; i < n; i++)
		gs_out_printf(out, " %zu", snaps[i]->n_goroutines);
	gs_out_printf(out, "; %zu group%s kept growing\n", n_items, n_items == 1 ? "" : "s");
	for (size_t k = 0; k < n_items && !out->err; k++) {
		const struct gs_gleak *it = &items[k];
		const struct gs_snapshot *s = snaps[it->snapshot];
		const struct gs_goroutine *g = &s->goroutines[it->goroutine];
		const uint64_t *counts = gs_gleak_counts(l, it);
		const char *state = gs_snapshot_str(s, g->state);
		gs_out_printf(out, "\n+%lld goroutine%s [%s] (", (long long)it->growth,
			      it->growth == 1 ? "" : "s", *state ? state : gs_gstatus_name(g->status));
		for (size_t i = 0; i < n; i++)
			gs_out_printf(out, "%s%llu", i ? " -> " : "", (unsigned long long)counts[i]);
		gs_out_str(out, ")");
		if (secs > 0)
			gs_out_printf(out, ", %.2f/s", (double)it->growth / secs);
		gs_out_str(out, "\n");
		if (g->flags & GS_G_HAS_CREATOR)
			gs_out_printf(out, "    created at %s:%lld by %s\n",
				      gs_snapshot_str(s, g->created_by.file), (long long)g->created_by.line,
				      gs_snapshot_str(s, g->created_by.func));
		/* the creation site is the line above */
		gs_gdump_write_stack(s, g, GS_GDUMP_CREATOR_NONE, out);
	}
	return out->err;
}

int gs_gdump_write_leaks_json(const struct gs_snapshot *const *snaps, size_t n,
			      const struct gs_gleaks *l, struct gs_out *out)
{
	struct gs_json j;
	gs_json_init(&j, out, true);
	gs_json_obj_begin(&j);
	gs_json_key(&j, "snapshots");
	gs_json_arr_begin(&j);
	for (size_t i = 0; i < n; i++) {
		gs_json_obj_begin(&j);
		gs_json_kstr(&j, "source_name", gs_snapshot_str(snaps[i], snaps[i]->source_name));
		gs_json_ku64(&j, "goroutines", snaps[i]->n_goroutines);
		if (snaps[i]->time_unix_ns)
			gs_json_ki64(&j, "time_unix_ns", snaps[i]->time_unix_ns);
		gs_json_obj_end(&j);
	}
	gs_json_arr_end(&j);
	double secs = span_seconds(snaps, n);
	gs_json_key(&j, "groups");
	gs_json_arr_begin(&j);
	for (size_t k = 0; k < l->groups.len; k++) {
		const struct gs_gleak *it = gs_vec_at(&l->groups, k);
		const struct gs_snapshot *s = snaps[it->snapshot];
		const uint64_t *counts = gs_gleak_counts(l, it);
		gs_json_obj_begin(&j);
		gs_json_ki64(&j, "growth", it->growth);
		if (secs > 0)
			gs_json_kf64(&j, "per_second", (double)it->growth / secs);
		gs_json_key(&j, "counts");
		gs_json_arr_begin(&j);
		for (size_t i = 0; i < n; i++)
			gs_json_u64(&j, counts[i]);
		gs_json_arr_end(&j);
		gs_gdump_json_goroutine(&j, s, &s->goroutines[it->goroutine], false);
		gs_json_obj_end(&j);
	}
	gs_json_arr_end(&j);
	gs_json_obj_end(&j);
	gs_json_end(&j);
	return out->err;
}
