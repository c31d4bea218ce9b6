/* Converts a goroutine snapshot to a goroutine profile (gs_profile) shaped like the runtime's
 * own /debug/pprof/goroutine: sample type goroutine/count, one sample per distinct (stack,
 * label set) with the number of goroutines. A physical frame and the inlined frames above it
 * become one location (inlined lines first), so pprof's reports print "(inline)" where the
 * runtime's profile would. Frames carry no addresses from dump text; locations have none. */
#include "internal.h"

struct conv {
	const struct gs_snapshot *s;
	struct gs_profile *p;
	struct gs_idxmap funcs, locs, samples;
	struct gs_vec loc_lines; /* struct gs_line: lines of every location, for loc_eq */
	struct gs_vec loc_spans; /* struct gs_span into loc_lines, per location */
	struct gs_vec samples_v; /* struct sample */
	const struct gs_line *key_lines; /* the location being looked up */
	size_t key_n;
};

struct sample {
	uint32_t stack, labels;
	int64_t count;
	size_t order; /* first appearance */
};

static int cmp_sample(const void *pa, const void *pb)
{
	const struct sample *a = pa, *b = pb;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

struct func_key {
	const struct conv *c;
	uint32_t name, file; /* profile string indices */
};

static bool func_eq(const void *arg, uint32_t idx)
{
	const struct func_key *k = arg;
	const struct gs_function *f = &k->c->p->functions[idx];
	return f->name == k->name && f->filename == k->file;
}

static int function(struct conv *c, uint32_t snap_name, uint32_t snap_file, uint32_t *out)
{
	struct gs_profile *p = c->p;
	struct func_key k = {c, 0, 0};
	int err = gs_profile_intern_cstr(p, gs_snapshot_str(c->s, snap_name), &k.name);
	if (!err)
		err = gs_profile_intern_cstr(p, gs_snapshot_str(c->s, snap_file), &k.file);
	if (err)
		return err;
	uint64_t h = gs_hash_u64((uint64_t)k.name << 32 | k.file) | 1;
	if (gs_idxmap_find(&c->funcs, h, func_eq, &k, out) == 0)
		return 0;
	struct gs_function f = {.id = p->n_functions + 1, .name = k.name, .system_name = k.name,
				.filename = k.file};
	err = gs_profile_add_function(p, &f, out);
	if (err)
		return err;
	bool inserted;
	return gs_idxmap_intern(&c->funcs, h, func_eq, &k, *out, out, &inserted);
}

static bool loc_eq(const void *arg, uint32_t idx)
{
	const struct conv *c = arg;
	const struct gs_span *span = gs_vec_at(&c->loc_spans, idx);
	if (span->len != c->key_n)
		return false;
	const struct gs_line *l = gs_vec_at(&c->loc_lines, span->start);
	for (size_t i = 0; i < c->key_n; i++)
		if (l[i].function != c->key_lines[i].function || l[i].line != c->key_lines[i].line)
			return false;
	return true;
}

/* The location made of lines[0..n) (innermost first), added if new. */
static int location(struct conv *c, const struct gs_line *lines, size_t n, uint32_t *out)
{
	uint64_t h = 0x51ed27;
	for (size_t i = 0; i < n; i++)
		h = gs_hash_u64(h ^ lines[i].function ^ (uint64_t)lines[i].line << 24);
	h |= 1;
	c->key_lines = lines;
	c->key_n = n;
	if (gs_idxmap_find(&c->locs, h, loc_eq, c, out) == 0)
		return 0;
	struct gs_span *span;
	int err = gs_vec_push(&c->loc_spans, 0, (void **)&span);
	if (err)
		return err;
	span->start = (uint32_t)c->loc_lines.len;
	span->len = (uint32_t)n;
	for (size_t i = 0; !err && i < n; i++) {
		struct gs_line *l;
		if (!(err = gs_vec_push(&c->loc_lines, 0, (void **)&l)))
			*l = lines[i];
	}
	if (err)
		return err;
	struct gs_location loc = {.id = c->loc_spans.len, .mapping = GS_NONE};
	uint32_t idx;
	err = gs_profile_add_location(c->p, &loc, lines, n, &idx);
	if (err)
		return err;
	bool inserted;
	uint32_t found;
	err = gs_idxmap_intern(&c->locs, h, loc_eq, c, (uint32_t)(c->loc_spans.len - 1), &found,
			       &inserted);
	*out = idx; /* location i of the map is location i of the profile */
	return err;
}

struct sample_key {
	const struct conv *c;
	uint32_t stack, labels;
};

static bool sample_eq(const void *arg, uint32_t idx)
{
	const struct sample_key *k = arg;
	const struct sample *smp = gs_vec_at(&k->c->samples_v, idx);
	return smp->stack == k->stack && smp->labels == k->labels;
}

static int add_goroutine(struct conv *c, const struct gs_goroutine *g, uint32_t *locs,
			 struct gs_line *lines, struct gs_label *labels)
{
	const struct gs_snapshot *s = c->s;
	const struct gs_gframe *f = gs_goroutine_frames(s, g);
	size_t n_locs = 0, n_lines = 0;
	int err = 0;
	for (uint32_t i = 0; i < g->n_frames && !err; i++) {
		if (!f[i].func)
			continue; /* a cgo pc without a name: nothing to attribute */
		uint32_t fn;
		if ((err = function(c, f[i].func, f[i].file, &fn)))
			break;
		lines[n_lines++] = (struct gs_line){.function = fn, .line = f[i].line};
		if (f[i].flags & GS_GFRAME_INLINED)
			continue; /* its physical frame comes next */
		err = location(c, lines, n_lines, &locs[n_locs++]);
		n_lines = 0;
	}
	if (!err && n_lines) /* inlined frames at the end of a cut stack */
		err = location(c, lines, n_lines, &locs[n_locs++]);
	const struct gs_glabel *gl = gs_goroutine_labels(s, g);
	for (uint32_t i = 0; i < g->n_labels && !err; i++) {
		labels[i] = (struct gs_label){0};
		err = gs_profile_intern_cstr(c->p, gs_snapshot_str(s, gl[i].key), &labels[i].key);
		if (!err)
			err = gs_profile_intern_cstr(c->p, gs_snapshot_str(s, gl[i].value), &labels[i].str);
	}
	struct sample_key k = {c, 0, 0};
	if (!err)
		err = gs_profile_intern_stack(c->p, locs, n_locs, &k.stack);
	if (!err)
		err = gs_profile_intern_labels(c->p, labels, g->n_labels, &k.labels);
	if (err)
		return err;
	uint64_t h = gs_hash_u64((uint64_t)k.stack << 32 | k.labels) | 1;
	uint32_t idx;
	if (gs_idxmap_find(&c->samples, h, sample_eq, &k, &idx) == 0) {
		((struct sample *)gs_vec_at(&c->samples_v, idx))->count++;
		return 0;
	}
	struct sample *smp;
	if ((err = gs_vec_push(&c->samples_v, 0, (void **)&smp)))
		return err;
	*smp = (struct sample){k.stack, k.labels, 1, c->samples_v.len - 1};
	bool inserted;
	return gs_idxmap_intern(&c->samples, h, sample_eq, &k, (uint32_t)(c->samples_v.len - 1),
				&idx, &inserted);
}

int gs_snapshot_to_profile(const struct gs_snapshot *s, const bool *keep, struct gs_ctx *ctx,
			   struct gs_profile **out)
{
	struct conv c = {.s = s};
	uint32_t *locs = NULL;
	struct gs_line *lines = NULL;
	struct gs_label *labels = NULL;
	uint32_t max_frames = 1, max_labels = 1, type, unit;
	int err = gs_profile_new(ctx, &c.p);
	if (err)
		return gs_ctx_err(ctx, err, "%s", strerror(-err));
	gs_idxmap_init(&c.funcs);
	gs_idxmap_init(&c.locs);
	gs_idxmap_init(&c.samples);
	gs_vec_init(&c.loc_lines, sizeof(struct gs_line));
	gs_vec_init(&c.loc_spans, sizeof(struct gs_span));
	gs_vec_init(&c.samples_v, sizeof(struct sample));
	for (size_t i = 0; i < s->n_goroutines; i++) {
		if (s->goroutines[i].n_frames > max_frames)
			max_frames = s->goroutines[i].n_frames;
		if (s->goroutines[i].n_labels > max_labels)
			max_labels = s->goroutines[i].n_labels;
	}
	locs = calloc(max_frames, sizeof(*locs));
	lines = calloc(max_frames, sizeof(*lines));
	labels = calloc(max_labels, sizeof(*labels));
	if (!locs || !lines || !labels) {
		err = -ENOMEM;
		goto out;
	}
	err = gs_profile_intern_cstr(c.p, "goroutine", &type);
	if (!err)
		err = gs_profile_intern_cstr(c.p, "count", &unit);
	if (!err)
		err = gs_profile_add_sample_type(c.p, type, unit);
	if (err)
		goto out;
	c.p->period_type = (struct gs_value_type){type, unit};
	c.p->period = 1;
	c.p->time_nanos = s->time_unix_ns;
	for (size_t i = 0; i < s->n_goroutines && !err; i++)
		if (!keep || keep[i])
			err = add_goroutine(&c, &s->goroutines[i], locs, lines, labels);
	/* largest count first, as the runtime writes its goroutine profile (stable: ties keep
	 * the order of first appearance) */
	if (c.samples_v.len)
		qsort(c.samples_v.data, c.samples_v.len, sizeof(struct sample), cmp_sample);
	for (size_t i = 0; i < c.samples_v.len && !err; i++) {
		const struct sample *smp = gs_vec_at(&c.samples_v, i);
		err = gs_profile_add_sample(c.p, smp->stack, smp->labels, &smp->count);
	}
out:
	free(locs);
	free(lines);
	free(labels);
	gs_vec_release(&c.loc_lines);
	gs_vec_release(&c.loc_spans);
	gs_vec_release(&c.samples_v);
	gs_idxmap_release(&c.funcs);
	gs_idxmap_release(&c.locs);
	gs_idxmap_release(&c.samples);
	if (err) {
		gs_profile_free(c.p);
		if (err == -E2BIG)
			return gs_ctx_err(ctx, err, "a cap of the profile limits was hit while converting "
						    "the goroutines (limits.locations, strings, samples)");
		return gs_ctx_err(ctx, err, "%s", strerror(-err));
	}
	*out = c.p;
	return 0;
}
