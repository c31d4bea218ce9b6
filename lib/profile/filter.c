/* pprof's frame and sample filters over the gs_profile model: focus/ignore/hide/show,
 * show_from, prune_from, drop_frames/keep_frames, tagfocus/tagignore, tagshow/taghide.
 * Each is one of pprof's Profile methods with the same semantics; the work is done per
 * location (line lists shrink in place), per distinct stack and per label set, never per
 * sample frame. Regex compilation and the order of filters are elsewhere (regex.c,
 * prepare.c). */
#include "goscope/report.h"
#include "pipeline.h"

/* ---- shared machinery ---- */

/* Per-table memo of regex results: 0 unknown, 1 no match, 2 match. */
struct match_memo {
	uint8_t *fn;  /* per function: name or filename matches */
	uint8_t *map; /* per mapping: file matches */
	const struct gs_regex *re;
	const struct gs_profile *p;
};

static int memo_init(struct match_memo *m, const struct gs_profile *p, const struct gs_regex *re)
{
	m->p = p;
	m->re = re;
	m->fn = calloc(p->n_functions + 1, 1);
	m->map = calloc(p->n_mappings + 1, 1);
	if (!m->fn || !m->map) {
		free(m->fn);
		free(m->map);
		return -ENOMEM;
	}
	return 0;
}

static void memo_release(struct match_memo *m)
{
	free(m->fn);
	free(m->map);
}

/* Does the function of a line match (by name or file name)? Lines without a function never
 * match. */
static bool memo_fn(struct match_memo *m, uint32_t fn)
{
	if (fn == GS_NONE || fn >= m->p->n_functions)
		return false;
	if (!m->fn[fn]) {
		const struct gs_function *f = &m->p->functions[fn];
		bool hit = gs_regex_match_cstr(m->re, gs_profile_str(m->p, f->name)) ||
			   gs_regex_match_cstr(m->re, gs_profile_str(m->p, f->filename));
		m->fn[fn] = hit ? 2 : 1;
	}
	return m->fn[fn] == 2;
}

static bool memo_mapping(struct match_memo *m, uint32_t mapping)
{
	if (mapping == GS_NONE || mapping >= m->p->n_mappings)
		return false;
	if (!m->map[mapping]) {
		const char *file = gs_profile_str(m->p, m->p->mappings[mapping].filename);
		m->map[mapping] = gs_regex_match_cstr(m->re, file) ? 2 : 1;
	}
	return m->map[mapping] == 2;
}

/* pprof's Location.matchesName: any line's function, or the mapping's file. */
static bool loc_matches(struct match_memo *m, const struct gs_location *l)
{
	const struct gs_line *lines = m->p->lines + l->line_start;
	for (uint32_t i = 0; i < l->line_count; i++)
		if (memo_fn(m, lines[i].function))
			return true;
	return memo_mapping(m, l->mapping);
}


/* Moves sample from (and its values) to slot to, when filters compact the sample list. */
static void move_sample(struct gs_profile *p, size_t to, size_t from)
{
	if (to == from)
		return;
	p->samples[to] = p->samples[from];
	memmove(p->values + to * p->n_sample_types, p->values + from * p->n_sample_types,
		p->n_sample_types * sizeof(int64_t));
}
int gs_pipeline_rewrite_stacks(struct gs_profile *p, gs_stack_rewrite_fn fn, void *arg)
{
	uint32_t *map = NULL, *scratch = NULL;
	size_t n_stacks = p->n_stacks, cap = 0, kept = 0;
	int err = 0;

	/* UINT32_MAX - 1: not computed yet; GS_NONE: samples on this stack are removed. */
	map = malloc((n_stacks ? n_stacks : 1) * sizeof(*map));
	if (!map)
		return -ENOMEM;
	for (size_t i = 0; i < n_stacks; i++)
		map[i] = UINT32_MAX - 1;

	for (size_t s = 0; s < p->n_samples; s++) {
		uint32_t old = p->samples[s].stack;
		if (map[old] == UINT32_MAX - 1) {
			uint32_t n, len = 0;
			const uint32_t *locs = gs_profile_stack(p, old, &n);
			if (n + 1 > cap) {
				uint32_t *b = realloc(scratch, (n + 1) * sizeof(*b));
				if (!b) {
					err = -ENOMEM;
					goto out;
				}
				scratch = b;
				cap = n + 1;
			}
			int r = fn(arg, locs, n, scratch, &len);
			if (r < 0)
				map[old] = GS_NONE;
			else if (r == 0 || (len == n && !memcmp(scratch, locs, n * sizeof(*locs))))
				map[old] = old;
			else if ((err = gs_profile_intern_stack(p, scratch, len, &map[old])))
				goto out;
		}
		if (map[old] == GS_NONE)
			continue;
		move_sample(p, kept, s);
		p->samples[kept].stack = map[old];
		kept++;
	}
	p->n_samples = kept;
out:
	free(map);
	free(scratch);
	return err;
}

/* Copies locs[start..end) into scratch for a rewrite callback. */
static int keep_range(const uint32_t *locs, uint32_t start, uint32_t end, uint32_t *scratch,
		      uint32_t *len)
{
	memcpy(scratch, locs + start, (end - start) * sizeof(*locs));
	*len = end - start;
	return 1;
}

/* Per-location flags, indexed by location index. */
enum {
	LOC_FOCUS = 1,   /* focused (pprof's focusOrIgnore[id] = true) */
	LOC_IGNORE = 2,  /* ignored (focusOrIgnore[id] = false) */
	LOC_HIDDEN = 4,  /* no lines left after hide/show */
	LOC_MARK = 8,    /* filter-specific: show_from / prune_from / prune beneath */
	LOC_PRUNE = 16,  /* prune: the whole location goes */
};

/* ---- focus / ignore / hide / show ---- */

static int by_name_rewrite(void *arg, const uint32_t *locs, uint32_t n, uint32_t *scratch,
			   uint32_t *len)
{
	const uint8_t *flags = arg;
	bool focused = false;
	uint32_t kept = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t f = flags[locs[i]];
		if (f & LOC_IGNORE)
			return -1;
		if (f & LOC_FOCUS)
			focused = true;
		if (!(f & LOC_HIDDEN))
			scratch[kept++] = locs[i];
	}
	if (!focused || kept == 0)
		return -1;
	*len = kept;
	return 1;
}

/* Keeps, in place, the lines of l whose function matches (want = true) or does not match
 * (want = false); lines without a function are always kept, as in pprof. */
static void keep_lines(struct gs_profile *p, struct match_memo *m, struct gs_location *l, bool want)
{
	struct gs_line *lines = p->lines + l->line_start;
	uint32_t n = 0;
	for (uint32_t i = 0; i < l->line_count; i++) {
		bool keep = lines[i].function == GS_NONE || lines[i].function >= p->n_functions ||
			    memo_fn(m, lines[i].function) == want;
		if (keep)
			lines[n++] = lines[i];
	}
	l->line_count = n;
}

int gs_profile_filter_by_name(struct gs_profile *p, const struct gs_regex *focus,
			      const struct gs_regex *ignore, const struct gs_regex *hide,
			      const struct gs_regex *show, bool matched[4])
{
	struct match_memo mf = {0}, mi = {0}, mh = {0}, ms = {0};
	uint8_t *flags = NULL;
	int err = -ENOMEM;

	matched[0] = matched[1] = matched[2] = matched[3] = false;
	if (!focus && !ignore && !hide && !show) {
		matched[0] = true;
		return 0;
	}
	flags = calloc(p->n_locations + 1, 1);
	if (!flags)
		goto out;
	if ((focus && memo_init(&mf, p, focus)) || (ignore && memo_init(&mi, p, ignore)) ||
	    (hide && memo_init(&mh, p, hide)) || (show && memo_init(&ms, p, show)))
		goto out;

	for (size_t i = 0; i < p->n_locations; i++) {
		struct gs_location *l = &p->locations[i];
		if (ignore && loc_matches(&mi, l)) {
			matched[1] = true;
			flags[i] |= LOC_IGNORE;
		} else if (!focus || loc_matches(&mf, l)) {
			matched[0] = true;
			flags[i] |= LOC_FOCUS;
		}
		if (hide && loc_matches(&mh, l)) {
			matched[2] = true;
			if (memo_mapping(&mh, l->mapping))
				l->line_count = 0;
			else
				keep_lines(p, &mh, l, false);
			if (l->line_count == 0) {
				flags[i] |= LOC_HIDDEN;
			}
		}
		if (show) {
			if (!memo_mapping(&ms, l->mapping))
				keep_lines(p, &ms, l, true);
			if (l->line_count == 0) {
				flags[i] |= LOC_HIDDEN;
			} else {
				matched[3] = true;
			}
		}
	}

	err = gs_pipeline_rewrite_stacks(p, by_name_rewrite, flags);
out:
	free(flags);
	memo_release(&mf);
	memo_release(&mi);
	memo_release(&mh);
	memo_release(&ms);
	return err;
}

/* ---- show_from ---- */

static int show_from_rewrite(void *arg, const uint32_t *locs, uint32_t n, uint32_t *scratch,
			     uint32_t *len)
{
	const uint8_t *flags = arg;
	for (uint32_t i = n; i-- > 0;)
		if (flags[locs[i]] & LOC_MARK)
			return keep_range(locs, 0, i + 1, scratch, len);
	return -1;
}

int gs_profile_show_from(struct gs_profile *p, const struct gs_regex *show_from, bool *matched)
{
	struct match_memo m;
	uint8_t *flags;
	int err;

	*matched = false;
	if (!show_from)
		return 0;
	flags = calloc(p->n_locations + 1, 1);
	if (!flags || memo_init(&m, p, show_from)) {
		free(flags);
		return -ENOMEM;
	}
	for (size_t i = 0; i < p->n_locations; i++) {
		struct gs_location *l = &p->locations[i];
		if (memo_mapping(&m, l->mapping)) {
			flags[i] = LOC_MARK;
			*matched = true;
			continue;
		}
		/* The outermost matching line: lines rootward of it go. */
		const struct gs_line *lines = p->lines + l->line_start;
		for (uint32_t j = l->line_count; j-- > 0;) {
			if (lines[j].function != GS_NONE && memo_fn(&m, lines[j].function)) {
				l->line_count = j + 1;
				flags[i] = LOC_MARK;
				*matched = true;
				break;
			}
		}
	}
	err = gs_pipeline_rewrite_stacks(p, show_from_rewrite, flags);
	memo_release(&m);
	free(flags);
	return err;
}

/* ---- prune_from and drop_frames ---- */

/* pprof's simplifyFunc: drops a leading '.', then cuts at the first '(' that does not start
 * "(anonymous namespace)"; "operator()" is also skipped over. Returns the kept length. */
size_t gs_pipeline_simplify_func(const char *name, const char **start)
{
	static const char anon[] = "(anonymous namespace)", op[] = "operator()";
	const char *s = name[0] == '.' ? name + 1 : name;
	size_t i = 0, n = strlen(s);
	*start = s;
	while (i < n) {
		if (!strncmp(s + i, anon, sizeof(anon) - 1)) {
			i += sizeof(anon) - 1;
		} else if (!strncmp(s + i, op, sizeof(op) - 1)) {
			i += sizeof(op) - 1;
		} else if (s[i] == '(') {
			return i;
		} else {
			i++;
		}
	}
	return n;
}

/* Per-function memo of "simplified name matches re" (0 unknown, 1 no, 2 yes). */
static bool simplified_matches(const struct gs_profile *p, uint8_t *memo, uint32_t fn,
			       const struct gs_regex *re, const struct gs_regex *keep)
{
	if (!memo[fn]) {
		const char *start;
		size_t len = gs_pipeline_simplify_func(gs_profile_str(p, p->functions[fn].name), &start);
		bool hit = gs_regex_match(re, start, len) && !(keep && gs_regex_match(keep, start, len));
		memo[fn] = hit ? 2 : 1;
	}
	return memo[fn] == 2;
}

static int prune_from_rewrite(void *arg, const uint32_t *locs, uint32_t n, uint32_t *scratch,
			      uint32_t *len)
{
	const uint8_t *flags = arg;
	for (uint32_t i = 0; i < n; i++)
		if (flags[locs[i]] & LOC_MARK)
			return keep_range(locs, i, n, scratch, len);
	return 0;
}

int gs_profile_prune_from(struct gs_profile *p, const struct gs_regex *prune_from)
{
	uint8_t *flags, *memo;
	int err;
	if (!prune_from)
		return 0;
	flags = calloc(p->n_locations + 1, 1);
	memo = calloc(p->n_functions + 1, 1);
	if (!flags || !memo) {
		free(flags);
		free(memo);
		return -ENOMEM;
	}
	for (size_t i = 0; i < p->n_locations; i++) {
		struct gs_location *l = &p->locations[i];
		struct gs_line *lines = p->lines + l->line_start;
		for (uint32_t j = 0; j < l->line_count; j++) {
			uint32_t fn = lines[j].function;
			if (fn == GS_NONE || fn >= p->n_functions || !p->functions[fn].name)
				continue;
			if (simplified_matches(p, memo, fn, prune_from, NULL)) {
				flags[i] = LOC_MARK;
				l->line_start += j;
				l->line_count -= j;
				break;
			}
		}
	}
	err = gs_pipeline_rewrite_stacks(p, prune_from_rewrite, flags);
	free(flags);
	free(memo);
	return err;
}

static int prune_rewrite(void *arg, const uint32_t *locs, uint32_t n, uint32_t *scratch,
			 uint32_t *len)
{
	const uint8_t *flags = arg;
	bool found_user = false;
	/* From the root: frames before the first ordinary one are never pruned, so that a
	 * sample is not emptied. */
	for (uint32_t i = n; i-- > 0;) {
		uint8_t f = flags[locs[i]];
		if (!(f & (LOC_PRUNE | LOC_MARK))) {
			found_user = true;
			continue;
		}
		if (!found_user)
			continue;
		return keep_range(locs, (f & LOC_PRUNE) ? i + 1 : i, n, scratch, len);
	}
	return 0;
}

int gs_profile_prune(struct gs_profile *p, const struct gs_regex *drop, const struct gs_regex *keep)
{
	uint8_t *flags, *memo;
	int err;
	if (!drop)
		return 0;
	flags = calloc(p->n_locations + 1, 1);
	memo = calloc(p->n_functions + 1, 1);
	if (!flags || !memo) {
		free(flags);
		free(memo);
		return -ENOMEM;
	}
	for (size_t i = 0; i < p->n_locations; i++) {
		struct gs_location *l = &p->locations[i];
		struct gs_line *lines = p->lines + l->line_start;
		uint32_t j;
		bool hit = false;
		for (j = l->line_count; j-- > 0;) {
			uint32_t fn = lines[j].function;
			if (fn == GS_NONE || fn >= p->n_functions || !p->functions[fn].name)
				continue;
			if (simplified_matches(p, memo, fn, drop, keep)) {
				hit = true;
				break;
			}
		}
		if (!hit)
			continue;
		flags[i] = LOC_MARK;
		if (j == l->line_count - 1) {
			flags[i] |= LOC_PRUNE;
		} else {
			l->line_start += j + 1;
			l->line_count -= j + 1;
		}
	}
	err = gs_pipeline_rewrite_stacks(p, prune_rewrite, flags);
	free(flags);
	free(memo);
	return err;
}

/* ---- label sets ---- */

int gs_pipeline_rewrite_labelsets(struct gs_profile *p, gs_labelset_fn fn, void *arg)
{
	uint32_t *map = NULL;
	size_t n_sets = p->n_labelsets, kept = 0;
	struct gs_label *scratch = NULL;
	size_t cap = 0;
	int err = 0;
	map = malloc((n_sets ? n_sets : 1) * sizeof(*map));
	if (!map)
		return -ENOMEM;
	for (size_t i = 0; i < n_sets; i++)
		map[i] = UINT32_MAX - 1;
	for (size_t s = 0; s < p->n_samples; s++) {
		uint32_t old = p->samples[s].labels;
		if (map[old] == UINT32_MAX - 1) {
			uint32_t n;
			const struct gs_label *labels = gs_profile_labelset(p, old, &n);
			if (n > cap) {
				struct gs_label *b = realloc(scratch, n * sizeof(*b));
				if (!b) {
					err = -ENOMEM;
					goto out;
				}
				scratch = b;
				cap = n;
			}
			if (n)
				memcpy(scratch, labels, n * sizeof(*scratch));
			size_t out_n = n;
			int r = fn(arg, old, scratch, &out_n);
			if (r < 0) {
				err = r;
				goto out;
			}
			if (r == 0)
				map[old] = GS_NONE;
			else if (out_n == n)
				map[old] = old;
			else if ((err = gs_profile_intern_labels(p, scratch, out_n, &map[old])))
				goto out;
		}
		if (map[old] == GS_NONE)
			continue;
		move_sample(p, kept, s);
		p->samples[kept].labels = map[old];
		kept++;
	}
	p->n_samples = kept;
out:
	free(map);
	free(scratch);
	return err;
}

/* ---- tagshow / taghide ---- */

struct tags_by_name {
	const struct gs_profile *p;
	const struct gs_regex *show, *hide;
	bool *matched;
};

static int tags_by_name_fn(void *arg, uint32_t set, struct gs_label *labels, size_t *n)
{
	struct tags_by_name *t = arg;
	size_t out = 0;
	(void)set;
	for (size_t i = 0; i < *n; i++) {
		const char *key = gs_profile_str(t->p, labels[i].key);
		bool show = !t->show || gs_regex_match_cstr(t->show, key);
		bool hide = t->hide && gs_regex_match_cstr(t->hide, key);
		if (!gs_label_is_str(&labels[i]) && !gs_label_is_num(&labels[i])) {
			labels[out++] = labels[i];
			continue;
		}
		if (show)
			t->matched[0] = true;
		if (hide)
			t->matched[1] = true;
		if (show && !hide)
			labels[out++] = labels[i];
	}
	*n = out;
	return 1;
}

int gs_profile_filter_tags_by_name(struct gs_profile *p, const struct gs_regex *show,
				   const struct gs_regex *hide, bool matched[2])
{
	matched[0] = matched[1] = false;
	if (!show && !hide)
		return 0;
	struct tags_by_name t = {p, show, hide, matched};
	return gs_pipeline_rewrite_labelsets(p, tags_by_name_fn, &t);
}

/* ---- numeric label units ---- */

int gs_profile_num_label_units(struct gs_profile *p, uint32_t **units_out, size_t *n_units,
			       struct gs_buf *conflicts)
{
	size_t n_str = p->strings.len;
	uint32_t *units = calloc(n_str + 1, sizeof(*units));
	uint8_t *seen = calloc(p->n_labelsets + 1, 1);
	/* conflicting units per key, as (key, unit) pairs, sorted when printed */
	struct gs_label *extra = NULL;
	size_t n_extra = 0, cap_extra = 0;
	int err = 0;
	uint32_t bytes_idx = 0;
	if (!units || !seen) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t s = 0; s < p->n_samples; s++) {
		uint32_t set = p->samples[s].labels, n;
		if (seen[set])
			continue;
		seen[set] = 1;
		const struct gs_label *labels = gs_profile_labelset(p, set, &n);
		for (uint32_t i = 0; i < n; i++) {
			const struct gs_label *l = &labels[i];
			if (!gs_label_is_num(l))
				continue;
			if (!units[l->key])
				units[l->key] = GS_NONE; /* encountered, unit unknown so far */
			if (!l->num_unit || !*gs_profile_str(p, l->num_unit))
				continue;
			if (units[l->key] == GS_NONE) {
				units[l->key] = l->num_unit;
			} else if (units[l->key] != l->num_unit &&
				   strcmp(gs_profile_str(p, units[l->key]), gs_profile_str(p, l->num_unit))) {
				bool dup = false;
				for (size_t k = 0; k < n_extra; k++)
					if (extra[k].key == l->key &&
					    !strcmp(gs_profile_str(p, extra[k].num_unit),
						    gs_profile_str(p, l->num_unit)))
						dup = true;
				if (dup)
					continue;
				if (n_extra == cap_extra) {
					size_t c = cap_extra ? cap_extra * 2 : 8;
					struct gs_label *e = realloc(extra, c * sizeof(*e));
					if (!e) {
						err = -ENOMEM;
						goto out;
					}
					extra = e;
					cap_extra = c;
				}
				extra[n_extra++] = *l;
			}
		}
	}
	for (size_t k = 0; k < n_str; k++) {
		if (units[k] != GS_NONE)
			continue;
		const char *key = gs_profile_str(p, (uint32_t)k);
		if (!strcmp(key, "request") || !strcmp(key, "alignment")) {
			if (!bytes_idx && (err = gs_profile_intern_cstr(p, "bytes", &bytes_idx)))
				goto out;
			units[k] = bytes_idx;
		} else {
			units[k] = (uint32_t)k;
		}
	}
	if (conflicts && n_extra) {
		/* One line per key: "For tag K used unit U, also encountered unit(s) A, B". */
		for (size_t k = 0; k < n_extra; k++) {
			uint32_t key = extra[k].key;
			bool first = true;
			for (size_t j = 0; j < k; j++)
				if (extra[j].key == key)
					first = false;
			if (!first)
				continue;
			gs_buf_addf(conflicts, "For tag %s used unit %s, also encountered unit(s) ",
				    gs_profile_str(p, key), gs_profile_str(p, units[key]));
			/* selection sort over the (few) units of this key */
			const char *last = "";
			for (;;) {
				const char *next = NULL;
				for (size_t j = 0; j < n_extra; j++) {
					const char *u = gs_profile_str(p, extra[j].num_unit);
					if (extra[j].key == key && strcmp(u, last) > 0 &&
					    (!next || strcmp(u, next) < 0))
						next = u;
				}
				if (!next)
					break;
				gs_buf_addf(conflicts, "%s%s", *last ? ", " : "", next);
				last = next;
			}
			gs_buf_addch(conflicts, '\n');
		}
	}
out:
	free(seen);
	free(extra);
	if (err) {
		free(units);
		return err;
	}
	*units_out = units;
	*n_units = n_str;
	return 0;
}
