/* The gs_profile model and its builder: interning of strings, stacks and label sets, and the
 * caps that bound every table. Codecs, merging and filters build profiles through these. */
#include "internal.h"

/* Makes array *arr (*cap items allocated) hold at least need items of size item; fails with
 * -E2BIG past limit (0 = none) or past what a uint32_t index can name. */
static int reserve(void **arr, size_t need, size_t *cap, size_t item, uint64_t limit)
{
	size_t alloc, bytes;
	if ((limit && need > limit) || need >= UINT32_MAX - 1)
		return -E2BIG;
	if (need <= *cap)
		return 0;
	alloc = *cap ? *cap : 16;
	while (alloc < need)
		alloc *= 2;
	if (gs_mul_overflows(alloc, item, &bytes))
		return -E2BIG;
	void *p = realloc(*arr, bytes);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = alloc;
	return 0;
}

/* Room for n more items in table p->field. */
#define RESERVE(p, field, n, limit)                                                                \
	reserve((void **)&(p)->field, (p)->n_##field + (n), &(p)->cap_##field, sizeof(*(p)->field),  \
		(limit))

int gs_profile_new(const struct gs_ctx *ctx, struct gs_profile **out)
{
	uint32_t idx;
	struct gs_profile *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->limits = ctx->limits;
	gs_idxmap_init(&p->stack_map);
	gs_idxmap_init(&p->labelset_map);
	int err = gs_strtab_init(&p->strings);
	/* never NULL, so that gs_profile_stack/labelset of the empty set stay defined behaviour */
	if (!err)
		err = RESERVE(p, stack_locs, 1, 0);
	if (!err)
		err = RESERVE(p, labels, 1, 0);
	if (!err)
		err = gs_profile_intern_stack(p, NULL, 0, &idx);
	if (!err)
		err = gs_profile_intern_labels(p, NULL, 0, &idx);
	if (err) {
		gs_profile_free(p);
		return err;
	}
	*out = p;
	return 0;
}

void gs_profile_free(struct gs_profile *p)
{
	if (!p)
		return;
	gs_strtab_release(&p->strings);
	free(p->sample_types);
	free(p->mappings);
	free(p->functions);
	free(p->locations);
	free(p->lines);
	free(p->stacks);
	free(p->stack_locs);
	gs_idxmap_release(&p->stack_map);
	free(p->labelsets);
	free(p->labels);
	gs_idxmap_release(&p->labelset_map);
	free(p->samples);
	free(p->values);
	free(p->comments);
	free(p);
}

int gs_profile_find_sample_type(const struct gs_profile *p, const char *name)
{
	for (size_t i = 0; i < p->n_sample_types; i++)
		if (!strcmp(gs_profile_str(p, p->sample_types[i].type), name))
			return (int)i;
	return -1;
}

int gs_profile_intern(struct gs_profile *p, const char *s, size_t n, uint32_t *idx)
{
	if (n > p->limits.string_bytes)
		return -E2BIG;
	return gs_strtab_intern(&p->strings, s, n, p->limits.strings, idx);
}

int gs_profile_add_sample_type(struct gs_profile *p, uint32_t type, uint32_t unit)
{
	if (p->n_samples)
		return -EINVAL;
	if (p->n_sample_types >= p->limits.values)
		return -E2BIG;
	struct gs_value_type *t =
		realloc(p->sample_types, (p->n_sample_types + 1) * sizeof(*p->sample_types));
	if (!t)
		return -ENOMEM;
	p->sample_types = t;
	t[p->n_sample_types++] = (struct gs_value_type){type, unit};
	return 0;
}

int gs_profile_add_mapping(struct gs_profile *p, const struct gs_mapping *m, uint32_t *idx)
{
	int err = RESERVE(p, mappings, 1, p->limits.locations);
	if (err)
		return err;
	p->mappings[p->n_mappings] = *m;
	*idx = (uint32_t)p->n_mappings++;
	return 0;
}

int gs_profile_add_function(struct gs_profile *p, const struct gs_function *f, uint32_t *idx)
{
	int err = RESERVE(p, functions, 1, p->limits.locations);
	if (err)
		return err;
	p->functions[p->n_functions] = *f;
	*idx = (uint32_t)p->n_functions++;
	return 0;
}

int gs_profile_add_location(struct gs_profile *p, const struct gs_location *loc,
			    const struct gs_line *lines, size_t n_lines, uint32_t *idx)
{
	int err = RESERVE(p, locations, 1, p->limits.locations);
	if (err)
		return err;
	if (n_lines > p->limits.stack_depth || p->n_lines + n_lines >= UINT32_MAX)
		return -E2BIG;
	err = RESERVE(p, lines, n_lines, 0);
	if (err)
		return err;
	if (n_lines)
		memcpy(p->lines + p->n_lines, lines, n_lines * sizeof(*lines));
	p->n_lines += n_lines;
	struct gs_location *l = &p->locations[p->n_locations];
	*l = *loc;
	l->line_start = (uint32_t)(p->n_lines - n_lines);
	l->line_count = (uint32_t)n_lines;
	*idx = (uint32_t)p->n_locations++;
	return 0;
}

struct stack_key {
	const struct gs_profile *p;
	const uint32_t *locs;
	size_t n;
};

static bool stack_eq(const void *arg, uint32_t idx)
{
	const struct stack_key *k = arg;
	const struct gs_span *s = &k->p->stacks[idx];
	return s->len == k->n &&
	       (k->n == 0 || !memcmp(k->p->stack_locs + s->start, k->locs, k->n * sizeof(uint32_t)));
}

static uint64_t stack_hash(const uint32_t *locs, size_t n)
{
	return gs_hash_bytes(locs, n * sizeof(uint32_t), 0x5ac);
}

static int intern_stack_hashed(struct gs_profile *p, const uint32_t *locs, size_t n, uint64_t h,
			       uint32_t *idx)
{
	struct stack_key key = {p, locs, n};
	if (n > p->limits.stack_depth)
		return -E2BIG;
	if (gs_idxmap_find(&p->stack_map, h, stack_eq, &key, idx) == 0)
		return 0;
	int err = RESERVE(p, stacks, 1, p->limits.samples);
	if (err)
		return err;
	err = RESERVE(p, stack_locs, n, 0);
	if (err)
		return err;
	if (n)
		memcpy(p->stack_locs + p->n_stack_locs, locs, n * sizeof(uint32_t));
	uint32_t new_idx = (uint32_t)p->n_stacks;
	err = gs_idxmap_intern(&p->stack_map, h, stack_eq, &key, new_idx, idx, NULL);
	if (err)
		return err;
	p->stacks[new_idx] = (struct gs_span){(uint32_t)p->n_stack_locs, (uint32_t)n};
	p->n_stack_locs += n;
	p->n_stacks++;
	return 0;
}

int gs_profile_intern_stack(struct gs_profile *p, const uint32_t *locs, size_t n, uint32_t *idx)
{
	return intern_stack_hashed(p, locs, n, stack_hash(locs, n), idx);
}

int gs_profile_intern_stacks(struct gs_profile *p, const uint32_t *locs,
			     const struct gs_span *spans, size_t n, uint32_t *out, size_t *done)
{
	const struct gs_idxmap *m = &p->stack_map;
	uint64_t h[GS_STACK_BATCH];
	size_t i;
	*done = 0;
	if (n > GS_STACK_BATCH)
		return -EINVAL;
	for (i = 0; i < n; i++)
		h[i] = stack_hash(locs + spans[i].start, spans[i].len);
	if (m->cap) {
		/* the first probe of each (the map's slot of a hash; 0 is stored as 1) */
		for (i = 0; i < n; i++) {
			size_t j = (h[i] ? h[i] : 1) & (m->cap - 1);
			__builtin_prefetch(&m->hashes[j]);
			__builtin_prefetch(&m->indexes[j]);
		}
		/* a stack seen before: where its locations are, for the comparison */
		for (i = 0; i < n; i++) {
			size_t j = (h[i] ? h[i] : 1) & (m->cap - 1);
			if (m->hashes[j] == (h[i] ? h[i] : 1) && m->indexes[j] < p->n_stacks)
				__builtin_prefetch(&p->stacks[m->indexes[j]]);
		}
	}
	for (i = 0; i < n; i++) {
		int err = intern_stack_hashed(p, locs + spans[i].start, spans[i].len, h[i], &out[i]);
		if (err)
			return err;
		*done = i + 1;
	}
	return 0;
}

int gs_profile_rehash_stacks(struct gs_profile *p)
{
	gs_idxmap_release(&p->stack_map);
	gs_idxmap_init(&p->stack_map);
	for (size_t i = 0; i < p->n_stacks; i++) {
		const struct gs_span *s = &p->stacks[i];
		struct stack_key key = {p, p->stack_locs + s->start, s->len};
		uint32_t out;
		bool inserted;
		int err = gs_idxmap_intern(&p->stack_map, stack_hash(key.locs, key.n), stack_eq, &key,
					   (uint32_t)i, &out, &inserted);
		if (err)
			return err;
		if (!inserted)
			return -EINVAL;
	}
	return 0;
}

struct labelset_key {
	const struct gs_profile *p;
	const struct gs_label *labels;
	size_t n;
};

static bool label_equal(const struct gs_label *a, const struct gs_label *b)
{
	return a->key == b->key && a->str == b->str && a->num == b->num && a->num_unit == b->num_unit;
}

static bool labelset_eq(const void *arg, uint32_t idx)
{
	const struct labelset_key *k = arg;
	const struct gs_span *s = &k->p->labelsets[idx];
	if (s->len != k->n)
		return false;
	for (size_t i = 0; i < k->n; i++)
		if (!label_equal(&k->p->labels[s->start + i], &k->labels[i]))
			return false;
	return true;
}

/* Order of a canonical label set: by key, string labels before numeric ones (pprof keeps
 * them in two maps); values of one key keep their order, because pprof's sample key and
 * its reports see a key's values as an ordered list ("a: 2 1" is not "a: 1 2"). */
static int label_cmp(const struct gs_profile *p, const struct gs_label *a, const struct gs_label *b)
{
	int c;
	if (a->key != b->key && (c = strcmp(gs_profile_str(p, a->key), gs_profile_str(p, b->key))))
		return c;
	return (a->str == 0) - (b->str == 0);
}

int gs_profile_intern_labels(struct gs_profile *p, const struct gs_label *labels, size_t n,
			     uint32_t *idx)
{
	struct gs_label small[16], *sorted = small;
	int err = 0;
	if (n > p->limits.labels)
		return -E2BIG;
	if (n > GS_ARRAY_LEN(small)) {
		sorted = malloc(n * sizeof(*sorted));
		if (!sorted)
			return -ENOMEM;
	}
	/* stable insertion sort: label sets are small */
	for (size_t i = 0; i < n; i++) {
		size_t j = i;
		while (j > 0 && label_cmp(p, &sorted[j - 1], &labels[i]) > 0) {
			sorted[j] = sorted[j - 1];
			j--;
		}
		sorted[j] = labels[i];
	}
	struct labelset_key key = {p, sorted, n};
	uint64_t h = 0x1ab;
	for (size_t i = 0; i < n; i++) /* field by field: the struct has padding */
		h = gs_hash_u64(h ^ sorted[i].key ^ (uint64_t)sorted[i].str << 32) ^
		    gs_hash_u64((uint64_t)sorted[i].num + sorted[i].num_unit);
	if (gs_idxmap_find(&p->labelset_map, h, labelset_eq, &key, idx) == 0)
		goto out;
	err = RESERVE(p, labelsets, 1, p->limits.samples);
	if (err)
		goto out;
	err = RESERVE(p, labels, n, 0);
	if (err)
		goto out;
	if (n)
		memcpy(p->labels + p->n_labels, sorted, n * sizeof(*sorted));
	uint32_t new_idx = (uint32_t)p->n_labelsets;
	err = gs_idxmap_intern(&p->labelset_map, h, labelset_eq, &key, new_idx, idx, NULL);
	if (err)
		goto out;
	p->labelsets[new_idx] = (struct gs_span){(uint32_t)p->n_labels, (uint32_t)n};
	p->n_labels += n;
	p->n_labelsets++;
out:
	if (sorted != small)
		free(sorted);
	return err;
}

int gs_profile_add_sample(struct gs_profile *p, uint32_t stack, uint32_t labels,
			  const int64_t *values)
{
	size_t cap_before = p->cap_samples;
	if (stack >= p->n_stacks || labels >= p->n_labelsets)
		return -EINVAL;
	int err = RESERVE(p, samples, 1, p->limits.samples);
	if (err)
		return err;
	if (p->cap_samples != cap_before || !p->values) {
		size_t bytes;
		if (gs_mul_overflows(p->cap_samples, (p->n_sample_types ? p->n_sample_types : 1) *
							     sizeof(int64_t),
				     &bytes))
			return -E2BIG;
		int64_t *v = realloc(p->values, bytes);
		if (!v)
			return -ENOMEM;
		p->values = v;
	}
	p->samples[p->n_samples] = (struct gs_sample){stack, labels};
	if (p->n_sample_types)
		memcpy(p->values + p->n_samples * p->n_sample_types, values,
		       p->n_sample_types * sizeof(int64_t));
	p->n_samples++;
	return 0;
}

int gs_profile_add_comment(struct gs_profile *p, uint32_t str)
{
	if (p->n_comments >= p->limits.strings)
		return -E2BIG;
	uint32_t *c = realloc(p->comments, (p->n_comments + 1) * sizeof(*c));
	if (!c)
		return -ENOMEM;
	p->comments = c;
	c[p->n_comments++] = str;
	return 0;
}

void gs_profile_clear_samples(struct gs_profile *p)
{
	p->n_samples = 0;
}
