/* Merging profiles as pprof merges the sources of one command line: sample types made
 * compatible (CompatibilizeSampleTypes), units scaled to the finest common one (ScaleProfiles),
 * then profile.Merge (functions, mappings, locations and samples deduplicated by pprof's keys;
 * zero samples dropped), and the -base/-diff_base/-normalize handling of the driver. drop_frames
 * (RemoveUninteresting) runs last. Everything is keyed on interned indexes, so memory follows
 * the number of distinct things. */
#include <math.h>

#include "pipeline.h"

static const char *vt_type(const struct gs_profile *p, const struct gs_value_type *v)
{
	return gs_profile_str(p, v->type);
}
static const char *vt_unit(const struct gs_profile *p, const struct gs_value_type *v)
{
	return gs_profile_str(p, v->unit);
}

/* Rebuilds p's value columns as cols[0..n) of the old ones. */
static int select_columns(struct gs_profile *p, const int *cols, size_t n)
{
	size_t old_n = p->n_sample_types, bytes;
	struct gs_value_type *types = malloc((n ? n : 1) * sizeof(*types));
	if (gs_mul_overflows(p->cap_samples ? p->cap_samples : 1, (n ? n : 1) * sizeof(int64_t), &bytes)) {
		free(types);
		return -E2BIG;
	}
	int64_t *values = malloc(bytes);
	if (!types || !values) {
		free(types);
		free(values);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		types[i] = p->sample_types[cols[i]];
	for (size_t s = 0; s < p->n_samples; s++)
		for (size_t i = 0; i < n; i++)
			values[s * n + i] = p->values[s * old_n + (size_t)cols[i]];
	free(p->sample_types);
	free(p->values);
	p->sample_types = types;
	p->n_sample_types = n;
	p->values = values;
	return 0;
}

/* pprof's CompatibilizeSampleTypes. */
static int compatibilize(struct gs_profile **ps, size_t n, struct gs_ctx *ctx)
{
	struct gs_profile *first = ps[0];
	int *common = malloc((first->n_sample_types + 1) * sizeof(int));
	int *cols = malloc((first->n_sample_types + 1) * sizeof(int));
	size_t n_common = 0;
	int err = 0;
	if (!common || !cols) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t t = 0; t < first->n_sample_types; t++) {
		const char *name = vt_type(first, &first->sample_types[t]);
		size_t count = 0;
		for (size_t i = 0; i < n; i++)
			for (size_t u = 0; u < ps[i]->n_sample_types; u++)
				count += !strcmp(vt_type(ps[i], &ps[i]->sample_types[u]), name);
		if (count == n)
			common[n_common++] = (int)t;
	}
	if (n_common == 0) {
		err = gs_ctx_err(ctx, -EINVAL, "profiles have empty common sample type list");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct gs_profile *p = ps[i];
		const char *dflt = gs_profile_str(p, p->default_sample_type);
		const char *new_default = vt_type(first, &first->sample_types[common[0]]);
		bool modify = n_common != p->n_sample_types;
		for (size_t c = 0; c < n_common; c++) {
			const char *name = vt_type(first, &first->sample_types[common[c]]);
			if (!strcmp(name, dflt))
				new_default = dflt;
			cols[c] = gs_profile_find_sample_type(p, name);
			if (cols[c] != (int)c)
				modify = true;
		}
		if (!modify)
			continue;
		uint32_t idx;
		if ((err = gs_profile_intern_cstr(p, new_default, &idx)))
			goto out;
		p->default_sample_type = idx;
		if ((err = select_columns(p, cols, n_common)))
			goto out;
	}
out:
	free(common);
	free(cols);
	return err;
}

/* pprof's Profile.ScaleN: values with a ratio other than 1 are multiplied and rounded; a
 * sample is dropped when all of those are zero afterwards (columns with ratio 1 are not looked
 * at, as in pprof). */
static void scale_n(struct gs_profile *p, const double *ratios)
{
	size_t nt = p->n_sample_types, kept = 0;
	bool all_ones = true;
	for (size_t i = 0; i < nt; i++)
		if (ratios[i] != 1)
			all_ones = false;
	if (all_ones)
		return;
	for (size_t s = 0; s < p->n_samples; s++) {
		int64_t *v = p->values + s * nt;
		bool keep = false;
		for (size_t i = 0; i < nt; i++) {
			if (ratios[i] == 1)
				continue;
			v[i] = gs_measure_f64_to_i64(round((double)v[i] * ratios[i]));
			keep = keep || v[i] != 0;
		}
		if (!keep)
			continue;
		if (kept != s) {
			p->samples[kept] = p->samples[s];
			memmove(p->values + kept * nt, v, nt * sizeof(*v));
		}
		kept++;
	}
	p->n_samples = kept;
}

/* pprof's compatibleValueTypes: same type up to a trailing 's', and the same unit or units of
 * one family. */
static bool compatible_types(const struct gs_profile *pa, const struct gs_value_type *a,
			     const struct gs_profile *pb, const struct gs_value_type *b)
{
	const char *ta = vt_type(pa, a), *tb = vt_type(pb, b);
	size_t la = strlen(ta), lb = strlen(tb);
	if (la && ta[la - 1] == 's')
		la--;
	if (lb && tb[lb - 1] == 's')
		lb--;
	if (la != lb || memcmp(ta, tb, la))
		return false;
	const char *ua = vt_unit(pa, a), *ub = vt_unit(pb, b);
	if (!strcmp(ua, ub))
		return true;
	int fa = gs_measure_unit_family(ua);
	return fa >= 0 && fa == gs_measure_unit_family(ub);
}

/* pprof's CommonValueType over column col (col < 0: the period type) of ps; *finest gets the
 * profile whose unit is the finest, or -1 when there is nothing to scale (one type). */
static int common_type(struct gs_profile **ps, size_t n, int col, int *finest, struct gs_ctx *ctx)
{
	int best = -1;
	size_t count = 0;
	for (size_t i = 0; i < n; i++) {
		const struct gs_value_type *t = col < 0 ? &ps[i]->period_type : &ps[i]->sample_types[col];
		if (col < 0 && !t->type && !t->unit)
			continue; /* no period type */
		count++;
		if (best < 0) {
			best = (int)i;
			continue;
		}
		const struct gs_value_type *bt =
			col < 0 ? &ps[best]->period_type : &ps[best]->sample_types[col];
		if (!compatible_types(ps[best], bt, ps[i], t))
			return gs_ctx_err(ctx, -EINVAL, "%s: incompatible types: {%s %s} {%s %s}",
					  col < 0 ? "period type" : "sample types", vt_type(ps[best], bt),
					  vt_unit(ps[best], bt), vt_type(ps[i], t), vt_unit(ps[i], t));
		if (gs_measure_scale(1, vt_unit(ps[i], t), vt_unit(ps[best], bt), NULL) < 1)
			best = (int)i;
	}
	*finest = count > 1 ? best : -1;
	return 0;
}

/* pprof's measurement.ScaleProfiles. */
static int scale_profiles(struct gs_profile **ps, size_t n, struct gs_ctx *ctx)
{
	int period_best, err;
	size_t nt = ps[0]->n_sample_types;
	int *best = calloc(nt + 1, sizeof(*best));
	double *ratios = calloc(nt + 1, sizeof(*ratios));
	if (!best || !ratios) {
		err = -ENOMEM;
		goto out;
	}
	if ((err = common_type(ps, n, -1, &period_best, ctx)))
		goto out;
	for (size_t i = 1; i < n; i++)
		if (ps[i]->n_sample_types != nt) {
			err = gs_ctx_err(ctx, -EINVAL, "inconsistent samples type count: %zu != %zu",
					 nt, ps[i]->n_sample_types);
			goto out;
		}
	for (size_t c = 0; c < nt; c++)
		if ((err = common_type(ps, n, (int)c, &best[c], ctx)))
			goto out;
	for (size_t i = 0; i < n; i++) {
		struct gs_profile *p = ps[i];
		uint32_t idx;
		if (period_best >= 0 && (p->period_type.type || p->period_type.unit)) {
			const char *to = vt_unit(ps[period_best], &ps[period_best]->period_type);
			p->period = gs_measure_f64_to_i64(
				gs_measure_scale(p->period, vt_unit(p, &p->period_type), to, NULL));
			if ((err = gs_profile_intern_cstr(p, to, &idx)))
				goto out;
			p->period_type.unit = idx;
		}
		for (size_t c = 0; c < nt; c++) {
			if (best[c] < 0) {
				ratios[c] = 1;
				continue;
			}
			const char *to = vt_unit(ps[best[c]], &ps[best[c]]->sample_types[c]);
			ratios[c] = gs_measure_scale(1, vt_unit(p, &p->sample_types[c]), to, NULL);
			if ((err = gs_profile_intern_cstr(p, to, &idx)))
				goto out;
			p->sample_types[c].unit = idx;
		}
		scale_n(p, ratios);
	}
out:
	free(best);
	free(ratios);
	return err;
}

/* ---- profile.Merge ---- */

struct merger {
	struct gs_profile *dst;
	struct gs_profile *src;
	uint32_t *str_map;   /* src string -> dst string; UINT32_MAX unknown */
	uint32_t *fn_map;    /* src function -> dst function */
	uint32_t *map_map;   /* src mapping -> dst mapping */
	int64_t *map_offset; /* per src mapping: dst start - src start */
	uint32_t *loc_map;   /* src location -> dst location */
	uint32_t *stack_map; /* src stack -> dst stack */
	uint32_t *set_map;   /* src label set -> dst label set */
	struct gs_idxmap fn_index, map_index, loc_index, sample_index;
	struct gs_buf scratch;
	struct gs_label *labels;
	size_t cap_labels;
	struct gs_line *lines;
	size_t cap_lines;
};

#define UNSET UINT32_MAX

static int map_str(struct merger *m, uint32_t s, uint32_t *out)
{
	if (s >= m->src->strings.len) {
		*out = 0;
		return 0;
	}
	if (m->str_map[s] == UNSET) {
		const struct gs_str *str = &m->src->strings.items[s];
		int err = gs_profile_intern(m->dst, str->p, str->len, &m->str_map[s]);
		if (err)
			return err;
	}
	*out = m->str_map[s];
	return 0;
}

static bool fn_eq(const void *arg, uint32_t idx)
{
	const struct gs_function *k = ((const void *const *)arg)[0];
	const struct gs_profile *dst = ((const void *const *)arg)[1];
	const struct gs_function *f = &dst->functions[idx];
	return f->start_line == k->start_line && f->name == k->name &&
	       f->system_name == k->system_name && f->filename == k->filename;
}

static int map_function(struct merger *m, uint32_t fn, uint32_t *out)
{
	if (fn == GS_NONE || fn >= m->src->n_functions) {
		*out = GS_NONE;
		return 0;
	}
	if (m->fn_map[fn] == UNSET) {
		const struct gs_function *sf = &m->src->functions[fn];
		struct gs_function f = *sf;
		int err;
		if ((err = map_str(m, sf->name, &f.name)) ||
		    (err = map_str(m, sf->system_name, &f.system_name)) ||
		    (err = map_str(m, sf->filename, &f.filename)))
			return err;
		uint64_t h = gs_hash_bytes(&f.name, sizeof(uint32_t) * 3, (uint64_t)f.start_line);
		const void *key[2] = {&f, m->dst};
		uint32_t idx;
		if (gs_idxmap_find(&m->fn_index, h, fn_eq, key, &idx)) {
			f.id = m->dst->n_functions + 1;
			if ((err = gs_profile_add_function(m->dst, &f, &idx)) ||
			    (err = gs_idxmap_intern(&m->fn_index, h, fn_eq, key, idx, &idx, NULL)))
				return err;
		}
		m->fn_map[fn] = idx;
	}
	*out = m->fn_map[fn];
	return 0;
}

/* pprof's mappingKey: size rounded up to 4 KiB, offset, and build id or else file name. */
struct mapping_key {
	uint64_t size, offset;
	uint32_t build_id_or_file;
};

static struct mapping_key mapping_key_of(const struct gs_mapping *mp)
{
	struct mapping_key k;
	uint64_t size = mp->memory_limit - mp->memory_start;
	size = size + 0xfff;
	size -= size % 0x1000;
	k.size = size;
	k.offset = mp->file_offset;
	k.build_id_or_file = mp->build_id ? mp->build_id : mp->filename;
	return k;
}

static bool map_eq(const void *arg, uint32_t idx)
{
	const struct mapping_key *k = ((const void *const *)arg)[0];
	const struct gs_profile *dst = ((const void *const *)arg)[1];
	struct mapping_key o = mapping_key_of(&dst->mappings[idx]);
	return o.size == k->size && o.offset == k->offset && o.build_id_or_file == k->build_id_or_file;
}

static int map_mapping(struct merger *m, uint32_t mp, uint32_t *out, int64_t *offset)
{
	*out = GS_NONE;
	*offset = 0;
	if (mp == GS_NONE || mp >= m->src->n_mappings)
		return 0;
	if (m->map_map[mp] == UNSET) {
		struct gs_mapping nm = m->src->mappings[mp];
		int err;
		if ((err = map_str(m, nm.filename, &nm.filename)) ||
		    (err = map_str(m, nm.build_id, &nm.build_id)))
			return err;
		struct mapping_key k = mapping_key_of(&nm);
		/* field by field: the key's padding bytes are indeterminate */
		uint64_t h = gs_hash_u64(gs_hash_u64(k.size * 31 + k.offset) ^ k.build_id_or_file);
		const void *key[2] = {&k, m->dst};
		uint32_t idx;
		if (gs_idxmap_find(&m->map_index, h, map_eq, key, &idx) == 0) {
			m->map_offset[mp] = (int64_t)(m->dst->mappings[idx].memory_start -
						      m->src->mappings[mp].memory_start);
		} else {
			nm.id = m->dst->n_mappings + 1;
			if ((err = gs_profile_add_mapping(m->dst, &nm, &idx)) ||
			    (err = gs_idxmap_intern(&m->map_index, h, map_eq, key, idx, &idx, NULL)))
				return err;
			m->map_offset[mp] = 0;
		}
		m->map_map[mp] = idx;
	}
	*out = m->map_map[mp];
	*offset = m->map_offset[mp];
	return 0;
}

/* pprof's locationKey: address relative to the mapping start, mapping, lines, is_folded. */
struct loc_key {
	const struct gs_profile *dst;
	uint64_t addr;
	uint32_t mapping;
	bool is_folded;
	const struct gs_line *lines;
	uint32_t n_lines;
};

static bool loc_eq(const void *arg, uint32_t idx)
{
	const struct loc_key *k = arg;
	const struct gs_location *l = &k->dst->locations[idx];
	uint64_t addr = l->address;
	if (l->mapping != GS_NONE)
		addr -= k->dst->mappings[l->mapping].memory_start;
	if (addr != k->addr || l->mapping != k->mapping || l->is_folded != k->is_folded ||
	    l->line_count != k->n_lines)
		return false;
	const struct gs_line *a = k->dst->lines + l->line_start;
	for (uint32_t i = 0; i < k->n_lines; i++)
		if (a[i].function != k->lines[i].function || a[i].line != k->lines[i].line ||
		    (i + 1 == k->n_lines && a[i].column != k->lines[i].column))
			return false;
	return true;
}

static int map_location(struct merger *m, uint32_t loc, uint32_t *out)
{
	if (m->loc_map[loc] != UNSET) {
		*out = m->loc_map[loc];
		return 0;
	}
	const struct gs_location *sl = &m->src->locations[loc];
	struct gs_location nl = *sl;
	int64_t offset;
	int err;
	if ((err = map_mapping(m, sl->mapping, &nl.mapping, &offset)))
		return err;
	nl.address = (uint64_t)((int64_t)sl->address + offset);
	size_t need = sl->line_count ? sl->line_count : 1;
	if (need > m->cap_lines) {
		struct gs_line *b = realloc(m->lines, need * sizeof(*b));
		if (!b)
			return -ENOMEM;
		m->lines = b;
		m->cap_lines = need;
	}
	struct gs_line *lines = m->lines;
	for (uint32_t i = 0; i < sl->line_count; i++) {
		const struct gs_line *src_line = &m->src->lines[sl->line_start + i];
		lines[i] = *src_line;
		if ((err = map_function(m, src_line->function, &lines[i].function)))
			return err;
	}
	struct loc_key k = {m->dst, nl.address, nl.mapping, nl.is_folded, lines, sl->line_count};
	if (nl.mapping != GS_NONE)
		k.addr -= m->dst->mappings[nl.mapping].memory_start;
	/* Field by field (struct gs_line has padding). pprof's location key writes each line's
	 * column into the slot the next line's function then overwrites, so only the last line's
	 * column tells locations apart: lines differing in an earlier column merge. */
	uint64_t h = gs_hash_u64(k.addr * 31 + nl.mapping * 7 + nl.is_folded);
	for (uint32_t i = 0; i < sl->line_count; i++)
		h = gs_hash_u64(h ^ lines[i].function) ^
		    gs_hash_u64((uint64_t)lines[i].line * 0x9e3779b97f4a7c15ULL +
				(i + 1 == sl->line_count ? (uint64_t)lines[i].column : 0));
	uint32_t idx;
	if (gs_idxmap_find(&m->loc_index, h, loc_eq, &k, &idx)) {
		nl.id = m->dst->n_locations + 1;
		if ((err = gs_profile_add_location(m->dst, &nl, lines, sl->line_count, &idx)))
			return err;
		k.lines = m->dst->lines + m->dst->locations[idx].line_start;
		if ((err = gs_idxmap_intern(&m->loc_index, h, loc_eq, &k, idx, &idx, NULL)))
			return err;
	}
	m->loc_map[loc] = idx;
	*out = idx;
	return 0;
}

static int map_stack(struct merger *m, uint32_t stack, uint32_t *out)
{
	if (m->stack_map[stack] == UNSET) {
		uint32_t n;
		const uint32_t *locs = gs_profile_stack(m->src, stack, &n);
		uint32_t *dst_locs = malloc((n ? n : 1) * sizeof(*dst_locs));
		int err = dst_locs ? 0 : -ENOMEM;
		for (uint32_t i = 0; i < n && !err; i++)
			err = map_location(m, locs[i], &dst_locs[i]);
		if (!err)
			err = gs_profile_intern_stack(m->dst, dst_locs, n, &m->stack_map[stack]);
		free(dst_locs);
		if (err)
			return err;
	}
	*out = m->stack_map[stack];
	return 0;
}

static int map_labelset(struct merger *m, uint32_t set, uint32_t *out)
{
	if (m->set_map[set] == UNSET) {
		uint32_t n;
		const struct gs_label *labels = gs_profile_labelset(m->src, set, &n);
		int err = 0;
		if (n > m->cap_labels) {
			struct gs_label *b = realloc(m->labels, n * sizeof(*b));
			if (!b)
				return -ENOMEM;
			m->labels = b;
			m->cap_labels = n;
		}
		for (uint32_t i = 0; i < n && !err; i++) {
			m->labels[i] = labels[i];
			if (!(err = map_str(m, labels[i].key, &m->labels[i].key)) &&
			    !(err = map_str(m, labels[i].str, &m->labels[i].str)))
				err = map_str(m, labels[i].num_unit, &m->labels[i].num_unit);
		}
		if (!err)
			err = gs_profile_intern_labels(m->dst, m->labels, n, &m->set_map[set]);
		if (err)
			return err;
	}
	*out = m->set_map[set];
	return 0;
}

static bool sample_eq(const void *arg, uint32_t idx)
{
	const struct gs_sample *k = ((const void *const *)arg)[0];
	const struct gs_profile *dst = ((const void *const *)arg)[1];
	return dst->samples[idx].stack == k->stack && dst->samples[idx].labels == k->labels;
}

static void *alloc_map(size_t n, size_t item)
{
	void *p = malloc((n ? n : 1) * item);
	if (p)
		memset(p, 0xff, (n ? n : 1) * item);
	return p;
}

static void merger_reset_src(struct merger *m)
{
	free(m->str_map);
	free(m->fn_map);
	free(m->map_map);
	free(m->map_offset);
	free(m->loc_map);
	free(m->stack_map);
	free(m->set_map);
	m->str_map = m->fn_map = m->map_map = m->loc_map = m->stack_map = m->set_map = NULL;
	m->map_offset = NULL;
}

static int merger_set_src(struct merger *m, struct gs_profile *src)
{
	merger_reset_src(m);
	m->src = src;
	m->str_map = alloc_map(src->strings.len, sizeof(uint32_t));
	m->fn_map = alloc_map(src->n_functions, sizeof(uint32_t));
	m->map_map = alloc_map(src->n_mappings, sizeof(uint32_t));
	m->map_offset = alloc_map(src->n_mappings, sizeof(int64_t));
	m->loc_map = alloc_map(src->n_locations, sizeof(uint32_t));
	m->stack_map = alloc_map(src->n_stacks, sizeof(uint32_t));
	m->set_map = alloc_map(src->n_labelsets, sizeof(uint32_t));
	if (!m->str_map || !m->fn_map || !m->map_map || !m->map_offset || !m->loc_map ||
	    !m->stack_map || !m->set_map)
		return -ENOMEM;
	return 0;
}

static bool zero_values(const int64_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i])
			return false;
	return true;
}

static bool same_type(const struct gs_profile *a, const struct gs_value_type *x,
		      const struct gs_profile *b, const struct gs_value_type *y)
{
	return !strcmp(vt_type(a, x), vt_type(b, y)) && !strcmp(vt_unit(a, x), vt_unit(b, y));
}

/* pprof's Profile.compatible. */
static int check_compatible(const struct gs_profile *a, const struct gs_profile *b,
			    struct gs_ctx *ctx)
{
	if (!same_type(a, &a->period_type, b, &b->period_type))
		return gs_ctx_err(ctx, -EINVAL, "incompatible period types {%s %s} and {%s %s}",
				  vt_type(a, &a->period_type), vt_unit(a, &a->period_type),
				  vt_type(b, &b->period_type), vt_unit(b, &b->period_type));
	bool ok = a->n_sample_types == b->n_sample_types;
	for (size_t i = 0; ok && i < a->n_sample_types; i++)
		ok = same_type(a, &a->sample_types[i], b, &b->sample_types[i]);
	if (!ok)
		return gs_ctx_err(ctx, -EINVAL, "incompatible sample types");
	return 0;
}

/* Copies pprof's combined header (combineHeaders) into dst. */
static int merge_headers(struct gs_profile *dst, struct gs_profile **srcs, size_t n,
			 struct gs_ctx *ctx)
{
	struct gs_profile *first = srcs[0];
	int64_t time_nanos = 0, duration = 0, period = 0;
	const char *default_type = "", *doc_url = "";
	uint32_t idx, unit;
	int err;
	for (size_t i = 1; i < n; i++)
		if ((err = check_compatible(first, srcs[i], ctx)))
			return err;
	for (size_t i = 0; i < first->n_sample_types; i++) {
		if ((err = gs_profile_intern_cstr(dst, vt_type(first, &first->sample_types[i]), &idx)) ||
		    (err = gs_profile_intern_cstr(dst, vt_unit(first, &first->sample_types[i]), &unit)) ||
		    (err = gs_profile_add_sample_type(dst, idx, unit)))
			return err;
	}
	for (size_t i = 0; i < n; i++) {
		const struct gs_profile *s = srcs[i];
		if (time_nanos == 0 || s->time_nanos < time_nanos)
			time_nanos = s->time_nanos;
		duration = (int64_t)((uint64_t)duration + (uint64_t)s->duration_nanos);
		if (period == 0 || period < s->period)
			period = s->period;
		for (size_t c = 0; c < s->n_comments; c++) {
			const char *text = gs_profile_str(s, s->comments[c]);
			bool seen = false;
			for (size_t d = 0; d < dst->n_comments && !seen; d++)
				seen = !strcmp(gs_profile_str(dst, dst->comments[d]), text);
			if (seen)
				continue;
			if ((err = gs_profile_intern_cstr(dst, text, &idx)) ||
			    (err = gs_profile_add_comment(dst, idx)))
				return err;
		}
		if (!*default_type)
			default_type = gs_profile_str(s, s->default_sample_type);
		if (!*doc_url)
			doc_url = gs_profile_str(s, s->doc_url);
	}
	dst->time_nanos = time_nanos;
	dst->duration_nanos = duration;
	dst->period = period;
	if ((err = gs_profile_intern_cstr(dst, default_type, &dst->default_sample_type)) ||
	    (err = gs_profile_intern_cstr(dst, doc_url, &dst->doc_url)) ||
	    (err = gs_profile_intern_cstr(dst, gs_profile_str(first, first->drop_frames),
					  &dst->drop_frames)) ||
	    (err = gs_profile_intern_cstr(dst, gs_profile_str(first, first->keep_frames),
					  &dst->keep_frames)) ||
	    (err = gs_profile_intern_cstr(dst, vt_type(first, &first->period_type),
					  &dst->period_type.type)) ||
	    (err = gs_profile_intern_cstr(dst, vt_unit(first, &first->period_type),
					  &dst->period_type.unit)))
		return err;
	return 0;
}

/* pprof's profile.Merge over srcs (not freed here). */
static int merge_profiles(struct gs_profile **srcs, size_t n, struct gs_ctx *ctx,
			  struct gs_profile **out)
{
	struct merger m = {0};
	struct gs_profile *dst = NULL;
	bool any_zero = false;
	int err;
	if ((err = gs_profile_new(ctx, &dst)))
		return err;
	m.dst = dst;
	gs_idxmap_init(&m.fn_index);
	gs_idxmap_init(&m.map_index);
	gs_idxmap_init(&m.loc_index);
	gs_idxmap_init(&m.sample_index);
	if ((err = merge_headers(dst, srcs, n, ctx)))
		goto out;
	size_t nt = dst->n_sample_types;
	for (size_t i = 0; i < n; i++) {
		struct gs_profile *src = srcs[i];
		if ((err = merger_set_src(&m, src)))
			goto out;
		if (dst->n_mappings == 0 && src->n_mappings > 0) {
			uint32_t idx;
			int64_t off;
			if ((err = map_mapping(&m, 0, &idx, &off)))
				goto out;
		}
		for (size_t s = 0; s < src->n_samples; s++) {
			const int64_t *v = gs_profile_values(src, s);
			struct gs_sample key;
			uint32_t idx;
			if (zero_values(v, nt))
				continue;
			if ((err = map_stack(&m, src->samples[s].stack, &key.stack)) ||
			    (err = map_labelset(&m, src->samples[s].labels, &key.labels)))
				goto out;
			uint64_t h = gs_hash_u64(((uint64_t)key.stack << 32) | key.labels) | 1;
			const void *k[2] = {&key, dst};
			if (gs_idxmap_find(&m.sample_index, h, sample_eq, k, &idx) == 0) {
				int64_t *dv = dst->values + (size_t)idx * nt;
				for (size_t c = 0; c < nt; c++)
					dv[c] = (int64_t)((uint64_t)dv[c] + (uint64_t)v[c]);
				continue;
			}
			idx = (uint32_t)dst->n_samples;
			if ((err = gs_profile_add_sample(dst, key.stack, key.labels, v)) ||
			    (err = gs_idxmap_intern(&m.sample_index, h, sample_eq, k, idx, &idx, NULL)))
				goto out;
		}
	}
	for (size_t s = 0; s < dst->n_samples && !any_zero; s++)
		any_zero = zero_values(gs_profile_values(dst, s), nt);
out:
	merger_reset_src(&m);
	gs_idxmap_release(&m.fn_index);
	gs_idxmap_release(&m.map_index);
	gs_idxmap_release(&m.loc_index);
	gs_idxmap_release(&m.sample_index);
	free(m.labels);
	free(m.lines);
	if (err) {
		gs_profile_free(dst);
		return err;
	}
	if (any_zero) {
		/* Samples that cancelled out: merge again to drop them and what only they used. */
		struct gs_profile *again;
		err = merge_profiles(&dst, 1, ctx, &again);
		gs_profile_free(dst);
		if (err)
			return err;
		dst = again;
	}
	*out = dst;
	return 0;
}

static void free_all(struct gs_profile **ps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		gs_profile_free(ps[i]);
		ps[i] = NULL;
	}
}

int gs_profile_merge(struct gs_profile **srcs, size_t n, struct gs_ctx *ctx,
		     struct gs_profile **out)
{
	int err;
	if (n == 0)
		return gs_ctx_err(ctx, -EINVAL, "no profiles to merge");
	if ((err = compatibilize(srcs, n, ctx)) || (err = scale_profiles(srcs, n, ctx))) {
		free_all(srcs, n);
		return err;
	}
	if (n == 1) {
		*out = srcs[0];
		srcs[0] = NULL;
		return 0;
	}
	err = merge_profiles(srcs, n, ctx, out);
	free_all(srcs, n);
	return err;
}

/* pprof's Profile.SetLabel(key, [value]) on every sample. */
static int set_label(struct gs_profile *p, const char *key, const char *value)
{
	uint32_t k, v;
	int err;
	if ((err = gs_profile_intern_cstr(p, key, &k)) || (err = gs_profile_intern_cstr(p, value, &v)))
		return err;
	struct gs_label *labels = NULL;
	size_t cap = 0;
	uint32_t *map = alloc_map(p->n_labelsets, sizeof(uint32_t));
	if (!map)
		return -ENOMEM;
	for (size_t s = 0; s < p->n_samples && !err; s++) {
		uint32_t set = p->samples[s].labels, n, out = 0;
		if (map[set] == UNSET) {
			const struct gs_label *old = gs_profile_labelset(p, set, &n);
			if (n + 1 > cap) {
				struct gs_label *b = realloc(labels, (n + 1) * sizeof(*b));
				if (!b) {
					err = -ENOMEM;
					break;
				}
				labels = b;
				cap = n + 1;
			}
			for (uint32_t i = 0; i < n; i++)
				if (old[i].key != k || !gs_label_is_str(&old[i]))
					labels[out++] = old[i];
			labels[out++] = (struct gs_label){k, v, 0, 0};
			err = gs_profile_intern_labels(p, labels, out, &map[set]);
		}
		p->samples[s].labels = map[set];
	}
	free(labels);
	free(map);
	return err;
}

/* pprof's Profile.Normalize(base). */
static int normalize(struct gs_profile *p, const struct gs_profile *base, struct gs_ctx *ctx)
{
	size_t nt = p->n_sample_types;
	int err = check_compatible(p, base, ctx);
	if (err)
		return err;
	int64_t *sums = calloc(2 * nt + 1, sizeof(*sums));
	double *ratios = calloc(nt + 1, sizeof(*ratios));
	if (!sums || !ratios) {
		free(sums);
		free(ratios);
		return -ENOMEM;
	}
	for (size_t s = 0; s < base->n_samples; s++)
		for (size_t c = 0; c < nt; c++)
			sums[c] = (int64_t)((uint64_t)sums[c] + (uint64_t)gs_profile_values(base, s)[c]);
	for (size_t s = 0; s < p->n_samples; s++)
		for (size_t c = 0; c < nt; c++)
			sums[nt + c] = (int64_t)((uint64_t)sums[nt + c] + (uint64_t)gs_profile_values(p, s)[c]);
	for (size_t c = 0; c < nt; c++)
		ratios[c] = sums[nt + c] == 0 ? 0.0 : (double)sums[c] / (double)sums[nt + c];
	scale_n(p, ratios);
	free(sums);
	free(ratios);
	return 0;
}

int gs_profile_remove_uninteresting(struct gs_profile *p, struct gs_ctx *ctx)
{
	const char *drop = gs_profile_str(p, p->drop_frames);
	const char *keep = gs_profile_str(p, p->keep_frames);
	struct gs_regex *drop_re = NULL, *keep_re = NULL;
	struct gs_buf pat = GS_BUF_INIT;
	int err = 0;
	if (!*drop)
		return 0;
	gs_buf_addf(&pat, "^(%s)$", drop);
	if ((err = gs_regex_compile(pat.data, ctx, &drop_re))) {
		gs_ctx_prefix(ctx, err, "failed to compile regexp %s", drop);
		goto out;
	}
	if (*keep) {
		gs_buf_reset(&pat);
		gs_buf_addf(&pat, "^(%s)$", keep);
		if ((err = gs_regex_compile(pat.data, ctx, &keep_re))) {
			gs_ctx_prefix(ctx, err, "failed to compile regexp %s", keep);
			goto out;
		}
	}
	err = gs_profile_prune(p, drop_re, keep_re);
out:
	gs_regex_free(drop_re);
	gs_regex_free(keep_re);
	gs_buf_release(&pat);
	return err;
}

/* pprof's symbolizer removeMatching: drops balanced open..close groups from b; b is left as
 * it was when they do not balance. */
static int remove_matching(struct gs_buf *b, char open, char close)
{
	char *orig = strndup(b->data, b->len);
	size_t orig_len = b->len, first = 0, cur = 0;
	int nesting = 0;
	if (!orig)
		return -ENOMEM;
	while (cur < b->len) {
		char c = b->data[cur];
		if (c == open && ++nesting == 1) {
			first = cur;
		} else if (c == close) {
			if (--nesting < 0) {
				memcpy(b->data, orig, orig_len + 1);
				b->len = orig_len;
				break;
			}
			if (nesting == 0) {
				memmove(b->data + first, b->data + cur + 1, b->len - cur);
				b->len -= cur + 1 - first;
				cur = first;
				continue;
			}
		}
		cur++;
	}
	free(orig);
	return 0;
}

/* pprof's looksLikeDemangledCPlusPlus. */
static bool looks_like_cplusplus(const char *s)
{
	if (strstr(s, ".<") || strstr(s, "])."))
		return false;
	return strpbrk(s, "<>[]") || strstr(s, "::");
}

/* The name part of pprof's Symbolize for already symbolized profiles (Demangle). */
static int simplify_names(struct gs_profile *p, const struct gs_symbolize_mode *m)
{
	if (m->off)
		return 0;
	struct gs_buf b = GS_BUF_INIT;
	int err = 0;
	for (size_t i = 0; m->force && i < p->n_functions; i++) {
		struct gs_function *f = &p->functions[i];
		if (*gs_profile_str(p, f->name) && *gs_profile_str(p, f->system_name))
			f->name = f->system_name;
	}
	if (m->demangle == GS_DEMANGLE_NONE)
		return 0;
	for (size_t i = 0; i < p->n_functions && !err; i++) {
		struct gs_function *f = &p->functions[i];
		const char *name = gs_profile_str(p, f->name), *sys = gs_profile_str(p, f->system_name);
		if (*name && strcmp(sys, name))
			continue; /* already demangled */
		if (!*sys) {
			f->name = f->system_name;
			continue;
		}
		gs_buf_reset(&b);
		if ((err = gs_buf_addstr(&b, sys)))
			break;
		if (m->demangle != GS_DEMANGLE_FULL && looks_like_cplusplus(b.data)) {
			err = remove_matching(&b, '(', ')');
			if (!err && m->demangle == GS_DEMANGLE_DEFAULT)
				err = remove_matching(&b, '<', '>');
		}
		if (!err)
			err = gs_profile_intern(p, b.data, b.len, &f->name);
	}
	gs_buf_release(&b);
	return err;
}

int gs_profile_combine(struct gs_profile **srcs, size_t n_srcs, struct gs_profile **bases,
		       size_t n_bases, const struct gs_combine_opts *o, struct gs_ctx *ctx,
		       struct gs_profile **out)
{
	struct gs_profile *p = NULL, *base = NULL;
	int err;
	if (o->normalize && n_bases == 0) {
		free_all(srcs, n_srcs);
		return gs_ctx_err(ctx, -EINVAL, "must have base profile to normalize by");
	}
	err = gs_profile_merge(srcs, n_srcs, ctx, &p);
	if (err) {
		free_all(bases, n_bases);
		return err;
	}
	if (n_bases) {
		double *minus;
		if ((err = gs_profile_merge(bases, n_bases, ctx, &base)))
			goto fail;
		if (o->diff_base && (err = set_label(base, "pprof::base", "true")))
			goto fail;
		if (o->normalize && (err = normalize(p, base, ctx)))
			goto fail;
		if (!(minus = malloc((base->n_sample_types + 1) * sizeof(*minus)))) {
			err = -ENOMEM;
			goto fail;
		}
		for (size_t c = 0; c < base->n_sample_types; c++)
			minus[c] = -1;
		scale_n(base, minus);
		free(minus);
		struct gs_profile *both[2] = {p, base};
		p = base = NULL;
		if ((err = gs_profile_merge(both, 2, ctx, &p)))
			goto fail;
	}
	if ((err = simplify_names(p, &o->symbolize)))
		goto fail;
	if (!o->all_frames && (err = gs_profile_remove_uninteresting(p, ctx)))
		goto fail;
	*out = p;
	return 0;
fail:
	gs_profile_free(p);
	gs_profile_free(base);
	return err;
}
