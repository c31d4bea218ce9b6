/* Label-driven parts of pprof's pipeline: -tagfocus/-tagignore filters (regexes over string
 * labels, numeric ranges with units over numeric labels) and -tagroot/-tagleaf pseudo-frames.
 * Results are computed once per label set, not per sample. Parsing of the range syntax and
 * its unit rules follow pprof's driver (parseTagFilterRange). */
#include <ctype.h>

#include "pipeline.h"

enum range_op { RANGE_NONE, RANGE_EQ, RANGE_GE, RANGE_LE, RANGE_BETWEEN };

struct gs_tag_filter {
	const struct gs_profile *p;
	const uint32_t *units; /* numeric label units, by key string index */
	size_t n_units;
	char *key; /* NULL: any key */
	enum range_op op;
	double lo, hi;
	const char *unit; /* canonical unit of the range ("kB", "") */
	struct gs_regex **rx;
	size_t n_rx;
};

void gs_tag_filter_free(struct gs_tag_filter *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n_rx; i++)
		gs_regex_free(f->rx[i]);
	free(f->rx);
	free(f->key);
	free(f);
}

/* One match of ([+-]?[[:digit:]]+)([[:alpha:]]+)? at or after *pos. */
struct range_tok {
	size_t start, end;     /* the whole match */
	size_t num_end;        /* end of the number */
};

static bool next_tok(const char *s, size_t *pos, struct range_tok *t)
{
	for (size_t i = *pos; s[i]; i++) {
		size_t j = i;
		if ((s[j] == '+' || s[j] == '-') && isdigit((unsigned char)s[j + 1]))
			j++;
		if (!isdigit((unsigned char)s[j]))
			continue;
		while (isdigit((unsigned char)s[j]))
			j++;
		t->start = i;
		t->num_end = j;
		while (isalpha((unsigned char)s[j]))
			j++;
		t->end = j;
		*pos = j;
		return true;
	}
	return false;
}

static bool tok_value(const char *s, const struct range_tok *t, int64_t *v, char *unit, size_t n)
{
	char num[32];
	size_t len = t->num_end - t->start, ulen = t->end - t->num_end;
	if (len >= sizeof(num) || ulen >= n)
		return false;
	memcpy(num, s + t->start, len);
	num[len] = '\0';
	if (gs_parse_i64(num[0] == '+' ? num + 1 : num, v))
		return false;
	memcpy(unit, s + t->num_end, ulen);
	unit[ulen] = '\0';
	return true;
}

/* pprof's parseTagFilterRange: false when value is not a range (it is then a regex). */
static bool parse_range(struct gs_tag_filter *f, const char *value)
{
	struct range_tok t[2];
	size_t pos = 0, n = 0, vlen = strlen(value);
	char u0[64], u1[64];
	int64_t v0, v1;
	while (n < 2 && next_tok(value, &pos, &t[n]))
		n++;
	if (n == 0 || !tok_value(value, &t[0], &v0, u0, sizeof(u0)))
		return false;
	f->lo = gs_measure_scale(v0, u0, u0, &f->unit);
	size_t mlen = t[0].end - t[0].start;
	if (n == 1) {
		if (t[0].start == 0 && mlen == vlen)
			f->op = RANGE_EQ;
		else if (t[0].start == 0 && mlen + 1 == vlen && value[mlen] == ':')
			f->op = RANGE_GE;
		else if (t[0].start == 1 && value[0] == ':' && mlen + 1 == vlen)
			f->op = RANGE_LE;
		else
			return false;
		return true;
	}
	/* "a:b" exactly */
	if (t[0].start != 0 || value[t[0].end] != ':' || t[1].start != t[0].end + 1 || t[1].end != vlen)
		return false;
	if (!tok_value(value, &t[1], &v1, u1, sizeof(u1)))
		return false;
	const char *unit2;
	f->hi = gs_measure_scale(v1, u1, f->unit, &unit2);
	if (strcmp(unit2 ? unit2 : "", f->unit ? f->unit : ""))
		return false;
	f->op = RANGE_BETWEEN;
	return true;
}

int gs_tag_filter_compile(const struct gs_profile *p, const char *value,
			  const uint32_t *num_label_units, size_t n_num_label_units,
			  struct gs_ctx *ctx, struct gs_tag_filter **out, bool *is_range)
{
	struct gs_tag_filter *f = calloc(1, sizeof(*f));
	const char *eq = strchr(value, '=');
	int err = 0;
	*is_range = false;
	if (!f)
		return -ENOMEM;
	f->p = p;
	f->units = num_label_units;
	f->n_units = n_num_label_units;
	if (eq) {
		if (eq != value && !(f->key = strndup(value, (size_t)(eq - value)))) {
			err = -ENOMEM;
			goto fail;
		}
		value = eq + 1;
	}
	if (parse_range(f, value)) {
		*is_range = true;
		if (!f->unit)
			f->unit = "";
		*out = f;
		return 0;
	}
	f->op = RANGE_NONE;
	/* Comma-separated regexes. */
	for (const char *s = value;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		char *pat = strndup(s, len);
		struct gs_regex **rx = realloc(f->rx, (f->n_rx + 1) * sizeof(*rx));
		if (!pat || !rx) {
			free(pat);
			if (rx)
				f->rx = rx;
			err = -ENOMEM;
			goto fail;
		}
		f->rx = rx;
		err = gs_regex_compile(pat, ctx, &f->rx[f->n_rx]);
		free(pat);
		if (err)
			goto fail;
		f->n_rx++;
		if (!comma)
			break;
		s = comma + 1;
	}
	*out = f;
	return 0;
fail:
	gs_tag_filter_free(f);
	return err;
}

static bool range_match(const struct gs_tag_filter *f, int64_t v, uint32_t key)
{
	const char *unit = key < f->n_units && f->units[key] ? gs_profile_str(f->p, f->units[key]) : "";
	const char *su;
	double sv = gs_measure_scale(v, unit, f->unit, &su);
	if (strcmp(su ? su : "", f->unit))
		return false;
	switch (f->op) {
	case RANGE_EQ:
		return sv == f->lo;
	case RANGE_GE:
		return sv >= f->lo;
	case RANGE_LE:
		return sv <= f->lo;
	case RANGE_BETWEEN:
		return sv >= f->lo && sv <= f->hi;
	default:
		return false;
	}
}

static bool key_is(const struct gs_tag_filter *f, uint32_t key)
{
	return !strcmp(gs_profile_str(f->p, key), f->key);
}

/* Does a label set pass the filter (pprof's compiled tag filter on one sample)? */
static bool tag_filter_match(const struct gs_tag_filter *f, const struct gs_label *labels,
			     uint32_t n, struct gs_buf *scratch)
{
	if (f->op != RANGE_NONE) {
		for (uint32_t i = 0; i < n; i++)
			if (gs_label_is_num(&labels[i]) && (!f->key || key_is(f, labels[i].key)) &&
			    range_match(f, labels[i].num, labels[i].key))
				return true;
		return false;
	}
	if (f->key) {
		for (uint32_t i = 0; i < n; i++) {
			if (!gs_label_is_str(&labels[i]) || !key_is(f, labels[i].key))
				continue;
			for (size_t r = 0; r < f->n_rx; r++)
				if (gs_regex_match_cstr(f->rx[r], gs_profile_str(f->p, labels[i].str)))
					return true;
		}
		return false;
	}
	/* Without a key every regex must match some "key:value". */
	for (size_t r = 0; r < f->n_rx; r++) {
		bool hit = false;
		for (uint32_t i = 0; i < n && !hit; i++) {
			if (!gs_label_is_str(&labels[i]))
				continue;
			gs_buf_reset(scratch);
			gs_buf_addf(scratch, "%s:%s", gs_profile_str(f->p, labels[i].key),
				    gs_profile_str(f->p, labels[i].str));
			hit = gs_regex_match(f->rx[r], scratch->data, scratch->len);
		}
		if (!hit)
			return false;
	}
	return true;
}

struct by_tag {
	const struct gs_tag_filter *focus, *ignore;
	bool *matched;
	struct gs_buf scratch;
};

static int by_tag_fn(void *arg, uint32_t set, struct gs_label *labels, size_t *n)
{
	struct by_tag *b = arg;
	bool focused = true, ignored = false;
	(void)set;
	if (b->focus)
		focused = tag_filter_match(b->focus, labels, (uint32_t)*n, &b->scratch);
	if (b->ignore)
		ignored = tag_filter_match(b->ignore, labels, (uint32_t)*n, &b->scratch);
	b->matched[0] |= focused;
	b->matched[1] |= ignored;
	return focused && !ignored;
}

int gs_profile_filter_by_tag(struct gs_profile *p, const struct gs_tag_filter *focus,
			     const struct gs_tag_filter *ignore, bool matched[2])
{
	struct by_tag b = {focus, ignore, matched, GS_BUF_INIT};
	matched[0] = matched[1] = false;
	if (!focus && !ignore) {
		matched[0] = p->n_samples > 0;
		return 0;
	}
	int err = gs_pipeline_rewrite_labelsets(p, by_tag_fn, &b);
	gs_buf_release(&b.scratch);
	return err;
}

/* ---- -tagroot / -tagleaf ---- */

struct label_frames {
	struct gs_profile *p;
	const char *output_unit;
	char **keys[2];      /* root keys, leaf keys */
	size_t n_keys[2];
	struct gs_idxmap loc_map; /* (function name, key) -> pseudo-location */
	uint32_t *set_locs;  /* per label set: n_keys[0] + n_keys[1] locations, root part first */
	uint8_t *set_done;
	bool *matched;
	struct gs_buf name;
	uint64_t next_function_id, next_location_id; /* after the profile's largest ids */
};

struct pseudo_key {
	const struct gs_profile *p;
	uint32_t name, file;
};

static bool pseudo_eq(const void *arg, uint32_t idx)
{
	const struct pseudo_key *k = arg;
	const struct gs_location *l = &k->p->locations[idx];
	const struct gs_function *f = &k->p->functions[k->p->lines[l->line_start].function];
	return f->name == k->name && f->filename == k->file;
}

/* The pseudo-location for the values of key in a label set (pprof's internLoc). */
static int pseudo_loc(struct label_frames *lf, const struct gs_label *labels, uint32_t n,
		      const char *key, uint32_t *loc, bool *match)
{
	struct gs_profile *p = lf->p;
	struct gs_buf *b = &lf->name;
	bool any_unit = false;
	uint32_t name_idx, key_idx;
	int err;
	gs_buf_reset(b);
	/* String values first, then numeric ones, as pprof lists them. */
	for (uint32_t i = 0; i < n; i++) {
		if (!gs_label_is_str(&labels[i]) || strcmp(gs_profile_str(p, labels[i].key), key))
			continue;
		if (b->len)
			gs_buf_addch(b, ',');
		gs_buf_addstr(b, gs_profile_str(p, labels[i].str));
		*match = true;
	}
	for (uint32_t i = 0; i < n; i++)
		if (gs_label_is_num(&labels[i]) && labels[i].num_unit &&
		    !strcmp(gs_profile_str(p, labels[i].key), key))
			any_unit = true;
	for (uint32_t i = 0; i < n; i++) {
		if (!gs_label_is_num(&labels[i]) || strcmp(gs_profile_str(p, labels[i].key), key))
			continue;
		if (b->len)
			gs_buf_addch(b, ',');
		if (any_unit)
			err = gs_measure_label(b, labels[i].num, gs_profile_str(p, labels[i].num_unit),
					       lf->output_unit);
		else
			err = gs_measure_label(b, labels[i].num, "", "");
		if (err)
			return err;
		*match = true;
	}
	if ((err = gs_profile_intern(p, b->data ? b->data : "", b->len, &name_idx)) ||
	    (err = gs_profile_intern_cstr(p, key, &key_idx)))
		return err;
	struct pseudo_key k = {p, name_idx, key_idx};
	uint64_t h = gs_hash_u64(((uint64_t)name_idx << 32) | key_idx) | 1;
	if (gs_idxmap_find(&lf->loc_map, h, pseudo_eq, &k, loc) == 0)
		return 0;
	struct gs_function f = {0};
	struct gs_location l = {0};
	uint32_t fn_idx;
	/* ids follow the profile's largest, as pprof numbers them */
	f.id = lf->next_function_id++;
	f.name = name_idx;
	f.filename = key_idx;
	if ((err = gs_profile_add_function(p, &f, &fn_idx)))
		return err;
	struct gs_line line = {fn_idx, 0, 0};
	l.id = lf->next_location_id++;
	l.mapping = GS_NONE;
	if ((err = gs_profile_add_location(p, &l, &line, 1, loc)))
		return err;
	return gs_idxmap_intern(&lf->loc_map, h, pseudo_eq, &k, *loc, loc, NULL);
}

static void free_keys(char **keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
}

/* Splits a comma list, dropping empty items. */
static int split_keys(const char *list, char ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!list)
		return 0;
	for (const char *s = list;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		if (len) {
			char **k = realloc(*out, (*n + 1) * sizeof(*k));
			if (!k)
				return -ENOMEM;
			*out = k;
			if (!(k[*n] = strndup(s, len)))
				return -ENOMEM;
			(*n)++;
		}
		if (!comma)
			return 0;
		s = comma + 1;
	}
}

int gs_profile_add_label_frames(struct gs_profile *p, const char *root_keys,
				const char *leaf_keys, const char *output_unit, bool matched[2])
{
	struct label_frames lf = {0};
	uint32_t *stack = NULL;
	size_t cap = 0, width;
	int err;
	matched[0] = matched[1] = false;
	lf.p = p;
	lf.output_unit = output_unit;
	lf.matched = matched;
	gs_idxmap_init(&lf.loc_map);
	if ((err = split_keys(root_keys, &lf.keys[0], &lf.n_keys[0])) ||
	    (err = split_keys(leaf_keys, &lf.keys[1], &lf.n_keys[1])))
		goto out;
	width = lf.n_keys[0] + lf.n_keys[1];
	if (!width)
		goto out;
	for (size_t i = 0; i < p->n_functions; i++)
		if (p->functions[i].id > lf.next_function_id)
			lf.next_function_id = p->functions[i].id;
	for (size_t i = 0; i < p->n_locations; i++)
		if (p->locations[i].id > lf.next_location_id)
			lf.next_location_id = p->locations[i].id;
	lf.next_function_id++;
	lf.next_location_id++;
	size_t n_sets = p->n_labelsets;
	lf.set_locs = malloc(n_sets * width * sizeof(*lf.set_locs));
	lf.set_done = calloc(n_sets, 1);
	if (!lf.set_locs || !lf.set_done) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t s = 0; s < p->n_samples; s++) {
		uint32_t set = p->samples[s].labels, n_frames, n_labels;
		uint32_t *locs = lf.set_locs + (size_t)set * width;
		if (!lf.set_done[set]) {
			const struct gs_label *labels = gs_profile_labelset(p, set, &n_labels);
			/* Keys are walked backwards: the first key ends up next to the root (the
			 * stack's end), the last next to the leaf. */
			for (int part = 0; part < 2; part++) {
				size_t nk = lf.n_keys[part];
				uint32_t *dst = locs + (part ? lf.n_keys[0] : 0);
				for (size_t i = 0; i < nk; i++) {
					bool m = false;
					if ((err = pseudo_loc(&lf, labels, n_labels, lf.keys[part][nk - 1 - i],
							      &dst[i], &m)))
						goto out;
					matched[part] |= m;
				}
			}
			lf.set_done[set] = 1;
		}
		const uint32_t *old = gs_profile_stack(p, p->samples[s].stack, &n_frames);
		size_t len = n_frames + width;
		if (len > cap) {
			uint32_t *b = realloc(stack, len * sizeof(*b));
			if (!b) {
				err = -ENOMEM;
				goto out;
			}
			stack = b;
			cap = len;
		}
		/* leaves, the stack, roots */
		memcpy(stack, locs + lf.n_keys[0], lf.n_keys[1] * sizeof(*stack));
		memcpy(stack + lf.n_keys[1], old, n_frames * sizeof(*stack));
		memcpy(stack + lf.n_keys[1] + n_frames, locs, lf.n_keys[0] * sizeof(*stack));
		if ((err = gs_profile_intern_stack(p, stack, len, &p->samples[s].stack)))
			goto out;
	}
out:
	free(stack);
	free(lf.set_locs);
	free(lf.set_done);
	free_keys(lf.keys[0], lf.n_keys[0]);
	free_keys(lf.keys[1], lf.n_keys[1]);
	gs_idxmap_release(&lf.loc_map);
	gs_buf_release(&lf.name);
	return err;
}
