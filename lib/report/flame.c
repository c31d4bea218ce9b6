/* Call-tree aggregation for flame graphs: samples are summed per interned stack, each
 * distinct stack is expanded into its frames, and the tree is built by grouping stacks by
 * their next frame, level by level, straight into preorder with the heaviest child first; so
 * the cost and the size follow the number of distinct paths, not the number of samples. Also
 * the tree's --json report and the value formatting shared by the HTML page and the SVG.
 * Rendering is in flame_html.c/svg.c. */
#include "goscope/flame.h"

void gs_flame_opts_init(struct gs_flame_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->sample_index = -1;
}

/* What makes two frames the same box, at the chosen granularity. Strings are indices into the
 * profile's interned string table, so equal strings have equal indices. */
struct frame_key {
	uint32_t name;    /* profile string; GS_NONE for an address-only frame */
	uint32_t file;    /* profile string */
	int64_t line;
	int64_t column;
	uint64_t address; /* addresses granularity and address-only frames */
	uint32_t mapping; /* address-only frames */
	bool inlined;
};

struct builder {
	const struct gs_profile *p;
	const struct gs_flame_opts *o;
	enum gs_granularity gran;
	struct gs_flame *f;
	struct gs_ctx *ctx;

	struct frame_key *keys; /* parallel to f->frames */
	size_t cap_frames;
	struct gs_idxmap frame_map;
};

struct frame_probe {
	const struct builder *b;
	const struct frame_key *key;
};

static bool frame_eq(const void *arg, uint32_t idx)
{
	const struct frame_probe *pr = arg;
	return !memcmp(&pr->b->keys[idx], pr->key, sizeof(*pr->key));
}

/* Package of a function name, as pprof colours it: the text before the first '.' or "::"
 * that follows the last '/', when a word precedes it and no '/' follows. */
static size_t package_len(const char *name)
{
	const char *slash = strrchr(name, '/');
	const char *s = slash ? slash + 1 : name;
	const char *q = s;
	while ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') ||
	       *q == '_')
		q++;
	if (q == s || !(*q == '.' || (q[0] == ':' && q[1] == ':')))
		return 0;
	if (strchr(q, '/'))
		return 0;
	return (size_t)(q - name);
}

static uint32_t color_of(const char *s, size_t n)
{
	return (uint32_t)(gs_hash_bytes(s, n, 0x9e3779b97f4a7c15ULL) % (1u << 20));
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* Adds the frame's display strings and colour to f. */
static int describe_frame(struct builder *b, const struct frame_key *k, struct gs_flame_frame *fr)
{
	const struct gs_profile *p = b->p;
	struct gs_buf name;
	const char *fname = k->name == GS_NONE ? "" : gs_profile_str(p, k->name);
	const char *file = gs_profile_str(p, k->file);
	int err;

	gs_buf_init(&name, 0);
	if (k->name == GS_NONE) {
		const char *map = k->mapping != GS_NONE
					  ? base_name(gs_profile_str(p, p->mappings[k->mapping].filename))
					  : "";
		err = gs_buf_addf(&name, "0x%llx", (unsigned long long)k->address);
		if (!err && *map)
			err = gs_buf_addf(&name, " [%s]", map);
		if (!err)
			fr->color = color_of(map, strlen(map));
	} else {
		err = 0;
		if (b->gran == GS_GRAN_ADDRESSES)
			err = gs_buf_addf(&name, "%016llx ", (unsigned long long)k->address);
		if (!err && b->gran == GS_GRAN_FILES)
			err = gs_buf_addstr(&name, *file ? file : "<unknown>");
		else if (!err)
			err = gs_buf_addstr(&name, *fname ? fname : *file ? file : "<unknown>");
		if (!err && k->line && b->gran != GS_GRAN_FILES)
			err = gs_buf_addf(&name, ":%lld", (long long)k->line);
		if (!err && k->line && k->column && b->gran != GS_GRAN_FILES)
			err = gs_buf_addf(&name, ":%lld", (long long)k->column);
		if (b->gran == GS_GRAN_FILES || !*fname) {
			const char *slash = strrchr(file, '/');
			fr->color = color_of(file, slash ? (size_t)(slash - file) : 0);
		} else {
			fr->color = color_of(fname, package_len(fname));
		}
	}
	if (!err)
		err = gs_strtab_intern(&b->f->strings, name.data ? name.data : "", name.len, 0,
				       &fr->name);
	if (!err)
		err = gs_strtab_intern(&b->f->strings, b->gran == GS_GRAN_FUNCTIONS ? "" : file,
				       b->gran == GS_GRAN_FUNCTIONS ? 0 : strlen(file), 0, &fr->file);
	fr->inlined = k->inlined;
	gs_buf_release(&name);
	return err;
}

static int intern_frame(struct builder *b, const struct frame_key *k, uint32_t *out)
{
	struct gs_flame *f = b->f;
	struct frame_probe pr = {b, k};
	uint32_t idx;
	bool inserted;
	int err;

	if (f->n_frames == b->cap_frames) {
		size_t n = b->cap_frames ? b->cap_frames * 2 : 256;
		struct frame_key *keys = realloc(b->keys, n * sizeof(*keys));
		if (!keys)
			return -ENOMEM;
		b->keys = keys;
		struct gs_flame_frame *frames = realloc(f->frames, n * sizeof(*frames));
		if (!frames)
			return -ENOMEM;
		f->frames = frames;
		b->cap_frames = n;
	}
	b->keys[f->n_frames] = *k;
	err = gs_idxmap_intern(&b->frame_map, gs_hash_bytes(k, sizeof(*k), 7), frame_eq, &pr,
			       (uint32_t)f->n_frames, &idx, &inserted);
	if (err)
		return err;
	if (inserted) {
		err = describe_frame(b, k, &f->frames[f->n_frames]);
		if (err)
			return err;
		f->n_frames++;
	}
	*out = idx;
	return 0;
}

/* Frame of line li (a global index into p->lines) of location loc. */
static int line_frame(struct builder *b, const struct gs_location *loc, uint32_t li, bool inlined,
		      uint32_t *out)
{
	const struct gs_profile *p = b->p;
	const struct gs_line *ln = &p->lines[li];
	struct frame_key k;
	memset(&k, 0, sizeof(k));
	k.mapping = GS_NONE;
	k.inlined = inlined;
	if (ln->function < p->n_functions) {
		const struct gs_function *fn = &p->functions[ln->function];
		k.name = fn->name;
		k.file = fn->filename;
	} else {
		k.name = 0;
	}
	switch (b->gran) {
	case GS_GRAN_FUNCTIONS:
		k.file = *gs_profile_str(p, k.name) ? 0 : k.file;
		break;
	case GS_GRAN_FILES:
		k.name = 0;
		break;
	case GS_GRAN_LINES:
		k.line = ln->line;
		k.column = b->o->show_columns ? ln->column : 0;
		break;
	case GS_GRAN_ADDRESSES:
		k.line = ln->line;
		k.column = b->o->show_columns ? ln->column : 0;
		k.address = loc->address;
		break;
	default:
		break;
	}
	return intern_frame(b, &k, out);
}

/* Frames of every location, root-first within the location: frames[loc_start[l] ..
 * loc_start[l+1]). Computed once so that walking a stack touches no strings. */
static int location_frames(struct builder *b, uint32_t **loc_start_out, uint32_t **frames_out)
{
	const struct gs_profile *p = b->p;
	size_t total = 0;
	uint32_t *loc_start = malloc((p->n_locations + 1) * sizeof(*loc_start));
	if (!loc_start)
		return -ENOMEM;
	for (size_t l = 0; l < p->n_locations; l++) {
		uint32_t n = p->locations[l].line_count;
		loc_start[l] = (uint32_t)total;
		total += n == 0 ? 1 : (b->o->noinlines ? 1 : n);
	}
	loc_start[p->n_locations] = (uint32_t)total;
	uint32_t *frames = malloc((total ? total : 1) * sizeof(*frames));
	if (!frames) {
		free(loc_start);
		return -ENOMEM;
	}
	int err = 0;
	for (size_t l = 0; l < p->n_locations && !err; l++) {
		const struct gs_location *loc = &p->locations[l];
		uint32_t *dst = frames + loc_start[l];
		if (loc->line_count == 0) {
			struct frame_key k;
			memset(&k, 0, sizeof(k));
			k.name = GS_NONE;
			k.address = loc->address;
			k.mapping = loc->mapping < p->n_mappings ? loc->mapping : GS_NONE;
			err = intern_frame(b, &k, dst);
			continue;
		}
		uint32_t last = loc->line_start + loc->line_count - 1;
		if (b->o->noinlines) {
			err = line_frame(b, loc, last, false, dst);
			continue;
		}
		/* lines[0] is the innermost inlined call; the last one is the physical caller */
		for (uint32_t j = 0; j < loc->line_count && !err; j++)
			err = line_frame(b, loc, last - j, j != 0, &dst[j]);
	}
	if (err) {
		free(loc_start);
		free(frames);
		return err;
	}
	*loc_start_out = loc_start;
	*frames_out = frames;
	return 0;
}

static int add_checked(int64_t *dst, int64_t v)
{
	return __builtin_add_overflow(*dst, v, dst) ? -EOVERFLOW : 0;
}

int gs_flame_sample_index(const struct gs_profile *p, int requested, struct gs_ctx *ctx, int *out)
{
	if (p->n_sample_types == 0)
		return gs_ctx_err(ctx, -EINVAL, "profile has no sample types");
	if (requested >= 0) {
		if ((size_t)requested >= p->n_sample_types)
			return gs_ctx_err(ctx, -EINVAL, "sample index %d out of range [0..%zu]",
					  requested, p->n_sample_types - 1);
		*out = requested;
		return 0;
	}
	*out = (int)p->n_sample_types - 1;
	if (p->default_sample_type) {
		for (size_t i = 0; i < p->n_sample_types; i++)
			if (p->sample_types[i].type == p->default_sample_type)
				*out = (int)i;
	}
	return 0;
}

/* pprof's report total: sum of |value|, over the samples labelled pprof::base=true only when
 * there are any (a -diff_base profile's percentages are relative to the base). */
static int report_total(const struct gs_profile *p, int si, int64_t *out)
{
	bool *is_base = calloc(p->n_labelsets ? p->n_labelsets : 1, sizeof(*is_base));
	bool any_base = false;
	int64_t all = 0, base = 0;
	if (!is_base)
		return -ENOMEM;
	for (size_t s = 0; s < p->n_labelsets; s++) {
		uint32_t n;
		const struct gs_label *l = gs_profile_labelset(p, (uint32_t)s, &n);
		for (uint32_t i = 0; i < n; i++)
			if (!strcmp(gs_profile_str(p, l[i].key), "pprof::base") &&
			    !strcmp(gs_profile_str(p, l[i].str), "true"))
				is_base[s] = true;
	}
	for (size_t s = 0; s < p->n_samples; s++) {
		int64_t v = gs_profile_values(p, s)[si];
		int64_t a = v < 0 ? (v == INT64_MIN ? INT64_MAX : -v) : v;
		if (add_checked(&all, a))
			all = INT64_MAX;
		if (p->samples[s].labels < p->n_labelsets && is_base[p->samples[s].labels]) {
			any_base = true;
			if (add_checked(&base, a))
				base = INT64_MAX;
		}
	}
	free(is_base);
	*out = any_base ? base : all;
	return 0;
}

/* The distinct stacks that carry weight, each expanded into its frames root first: stack a's
 * frames are seq[off[a] .. off[a] + len[a]). Ids a follow the profile's stack order. */
struct flat_stacks {
	uint32_t *seq;
	size_t *off;
	uint32_t *len;
	int64_t *pos, *neg;
	size_t n, n_seq, cap_seq;
};

static void flat_release(struct flat_stacks *s)
{
	free(s->seq);
	free(s->off);
	free(s->len);
	free(s->pos);
	free(s->neg);
}

/* Sums the chosen values per stack, then expands every stack with a non-zero sum. */
static int flatten(struct builder *b, int si, const uint32_t *loc_start, const uint32_t *loc_frames,
		   struct flat_stacks *s)
{
	const struct gs_profile *p = b->p;
	size_t ns = p->n_stacks ? p->n_stacks : 1;
	int64_t *pos = calloc(ns, sizeof(*pos)), *neg = calloc(ns, sizeof(*neg));
	int err = 0;

	if (!pos || !neg) {
		err = -ENOMEM;
		goto out;
	}
	if (p->n_stacks > UINT32_MAX - 1) {
		err = gs_ctx_err(b->ctx, -E2BIG, "profile has more than %u stacks", UINT32_MAX - 1);
		goto out;
	}
	for (size_t i = 0; i < p->n_samples; i++) {
		int64_t v = gs_profile_values(p, i)[si];
		uint32_t st = p->samples[i].stack;
		if (v == 0 || st >= p->n_stacks)
			continue;
		b->f->n_samples++;
		if (v > 0)
			err = add_checked(&pos[st], v);
		else
			err = v == INT64_MIN ? -EOVERFLOW : add_checked(&neg[st], -v);
		if (err) {
			gs_ctx_err(b->ctx, err, "sample values overflow a 64-bit sum");
			goto out;
		}
		if ((i & 0xffff) == 0 &&
		    (err = gs_ctx_progress(b->ctx, "aggregating", i, p->n_samples)))
			goto out;
	}
	size_t n = 0;
	for (size_t st = 0; st < p->n_stacks; st++)
		n += pos[st] || neg[st];
	s->off = malloc((n ? n : 1) * sizeof(*s->off));
	s->len = malloc((n ? n : 1) * sizeof(*s->len));
	s->pos = malloc((n ? n : 1) * sizeof(*s->pos));
	s->neg = malloc((n ? n : 1) * sizeof(*s->neg));
	if (!s->off || !s->len || !s->pos || !s->neg) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t st = 0; st < p->n_stacks; st++) {
		if (!pos[st] && !neg[st])
			continue;
		uint32_t depth;
		const uint32_t *locs = gs_profile_stack(p, (uint32_t)st, &depth);
		size_t start = s->n_seq;
		for (uint32_t i = depth; i-- > 0;) {
			uint32_t l = locs[i];
			if (l >= p->n_locations)
				continue;
			uint32_t k0 = loc_start[l], k1 = loc_start[l + 1];
			if (s->n_seq - start + (k1 - k0) > p->limits.stack_depth) {
				err = gs_ctx_err(b->ctx, -E2BIG, "stack %zu has more than %llu frames",
						 st, (unsigned long long)p->limits.stack_depth);
				goto out;
			}
			if ((err = gs_grow_array(&s->seq, &s->cap_seq, s->n_seq + (k1 - k0),
						 sizeof(*s->seq))))
				goto out;
			memcpy(s->seq + s->n_seq, loc_frames + k0, (k1 - k0) * sizeof(*s->seq));
			s->n_seq += k1 - k0;
		}
		s->off[s->n] = start;
		s->len[s->n] = (uint32_t)(s->n_seq - start);
		s->pos[s->n] = pos[st];
		s->neg[s->n] = neg[st];
		s->n++;
	}
out:
	free(pos);
	free(neg);
	return err;
}

/* Sorts n keys ascending: insertion sort for short runs, else an LSD radix sort on the bytes
 * of the high 32 bits that differ (stable, so keys equal there keep their order). */
static void sort_keys(uint64_t *k, uint64_t *tmp, size_t n)
{
	if (n < 48) {
		for (size_t i = 1; i < n; i++) {
			uint64_t v = k[i];
			size_t j = i;
			for (; j > 0 && k[j - 1] > v; j--)
				k[j] = k[j - 1];
			k[j] = v;
		}
		return;
	}
	uint32_t or_bits = 0, and_bits = UINT32_MAX;
	for (size_t i = 0; i < n; i++) {
		or_bits |= (uint32_t)(k[i] >> 32);
		and_bits &= (uint32_t)(k[i] >> 32);
	}
	uint64_t *src = k, *dst = tmp;
	for (unsigned shift = 32; shift < 64; shift += 8) {
		if (!(((or_bits ^ and_bits) >> (shift - 32)) & 0xff))
			continue; /* every key has the same byte here */
		size_t count[257] = {0};
		for (size_t i = 0; i < n; i++)
			count[((src[i] >> shift) & 0xff) + 1]++;
		for (size_t d = 0; d < 256; d++)
			count[d + 1] += count[d];
		for (size_t i = 0; i < n; i++)
			dst[count[(src[i] >> shift) & 0xff]++] = src[i];
		uint64_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != k)
		memcpy(k, src, n * sizeof(*k));
}

/* A node waiting to be laid out: its frame, its parent and the stacks through it, which are
 * ids[lo .. hi) (ascending), with their summed weights. */
struct pending {
	uint32_t frame;
	uint32_t parent;
	uint32_t lo, hi;
	int64_t pos, neg;
};

struct child_sort {
	int64_t weight;
	const char *name;
	uint32_t first; /* the first stack through the child, in profile order */
	struct pending pd;
};

/* Siblings: heaviest first, then by name, then in the order their first stack has in the
 * profile (the order in which a walk of the stacks would meet them). */
static int child_cmp(const void *a, const void *b)
{
	const struct child_sort *x = a, *y = b;
	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	return x->first < y->first ? -1 : x->first > y->first;
}

struct tree_build {
	struct builder *b;
	const struct flat_stacks *s;
	uint32_t *ids;
	uint64_t *keys, *tmp;
	struct pending *work;
	size_t n_work, cap_work;
	struct child_sort *kids;
	size_t cap_kids;
	size_t cap_nodes;
};

/* Appends a node (self 0) in preorder; its index in *out. */
static int emit_node(struct tree_build *tb, uint32_t frame, uint32_t parent, int64_t pos,
		     int64_t neg, uint32_t *out)
{
	struct gs_flame *f = tb->b->f;
	if (f->n_nodes >= tb->b->p->limits.samples || f->n_nodes >= UINT32_MAX - 1)
		return gs_ctx_err(tb->b->ctx, -E2BIG, "call tree has more than %llu nodes",
				  (unsigned long long)f->n_nodes);
	if (f->n_nodes == tb->cap_nodes)
		return -ENOMEM; /* cannot happen: the capacity bounds the node count */
	struct gs_flame_node *nd = &f->nodes[f->n_nodes];
	nd->frame = frame;
	nd->parent = parent;
	nd->depth = parent == GS_NONE ? 0 : f->nodes[parent].depth + 1;
	nd->end = 1;
	nd->pos = pos;
	nd->neg = neg;
	nd->self = 0;
	if (nd->depth > f->max_depth)
		f->max_depth = nd->depth;
	*out = (uint32_t)f->n_nodes++;
	return 0;
}

/* Emits the node pd and, when it carries one stack, the rest of that stack as a chain; else
 * groups its stacks by their next frame into children and queues them, heaviest last so
 * that the heaviest is laid out next. */
static int expand(struct tree_build *tb, const struct pending *pd)
{
	const struct flat_stacks *s = tb->s;
	struct gs_flame *f = tb->b->f;
	uint32_t node, depth;
	int err = emit_node(tb, pd->frame, pd->parent, pd->pos, pd->neg, &node);
	if (err)
		return err;
	depth = f->nodes[node].depth;
	if (pd->hi - pd->lo == 1) {
		uint32_t a = tb->ids[pd->lo];
		const uint32_t *fr = s->seq + s->off[a];
		for (uint32_t k = depth; k < s->len[a]; k++)
			if ((err = emit_node(tb, fr[k], node, pd->pos, pd->neg, &node)))
				return err;
		f->nodes[node].self = pd->pos - pd->neg;
		return 0;
	}

	uint64_t *keys = tb->keys + pd->lo;
	size_t n = pd->hi - pd->lo;
	bool same = true;
	for (size_t i = 0; i < n; i++) {
		uint32_t a = tb->ids[pd->lo + i];
		uint64_t fr = depth < s->len[a] ? (uint64_t)s->seq[s->off[a] + depth] + 1 : 0;
		keys[i] = fr << 32 | a;
		same = same && (keys[i] >> 32) == (keys[0] >> 32);
	}
	if (!same) {
		sort_keys(keys, tb->tmp, n);
		for (size_t i = 0; i < n; i++)
			tb->ids[pd->lo + i] = (uint32_t)keys[i];
	}

	size_t nk = 0;
	int64_t self = 0;
	for (size_t i = 0; i < n;) {
		uint32_t hi = (uint32_t)(keys[i] >> 32);
		struct pending c = {hi - 1, node, pd->lo + (uint32_t)i, 0, 0, 0};
		for (; i < n && (uint32_t)(keys[i] >> 32) == hi; i++) {
			uint32_t a = (uint32_t)keys[i];
			if ((err = add_checked(&c.pos, s->pos[a])) ||
			    (err = add_checked(&c.neg, s->neg[a])) ||
			    (!hi && (err = add_checked(&self, s->pos[a] - s->neg[a]))))
				return gs_ctx_err(tb->b->ctx, err, "sample values overflow a 64-bit sum");
		}
		c.hi = pd->lo + (uint32_t)i;
		if (!hi)
			continue; /* stacks ending at this node */
		if (gs_grow_array(&tb->kids, &tb->cap_kids, nk + 1, sizeof(*tb->kids)))
			return -ENOMEM;
		struct child_sort *k = &tb->kids[nk++];
		k->weight = gs_i64_add_wrap(c.pos, c.neg);
		k->name = gs_flame_str(f, f->frames[c.frame].name);
		k->first = (uint32_t)keys[c.lo - pd->lo];
		k->pd = c;
	}
	f->nodes[node].self = self;
	if (nk > 1)
		qsort(tb->kids, nk, sizeof(*tb->kids), child_cmp);
	if (gs_grow_array(&tb->work, &tb->cap_work, tb->n_work + nk, sizeof(*tb->work)))
		return -ENOMEM;
	for (size_t i = nk; i-- > 0;)
		tb->work[tb->n_work++] = tb->kids[i].pd;
	return 0;
}

/* Builds the call tree straight into f->nodes in preorder. The stacks through a node are
 * grouped by the frame that follows it (a stable sort of their ids), which gives the node's
 * children and their weights at once, so no node is ever looked up: the work is a sequential
 * pass over the stacks per tree level instead of a trie walk with a cache miss per frame. */
static int build_tree(struct builder *b, const struct flat_stacks *s)
{
	struct gs_flame *f = b->f;
	struct tree_build tb = {.b = b, .s = s};
	struct pending root = {0, GS_NONE, 0, (uint32_t)s->n, 0, 0};
	int err = 0;

	for (size_t a = 0; a < s->n && !err; a++) {
		if ((err = add_checked(&root.pos, s->pos[a])) ||
		    (err = add_checked(&root.neg, s->neg[a])))
			return gs_ctx_err(b->ctx, err, "sample values overflow a 64-bit sum");
	}
	/* every frame of every stack adds at most one node; pages never reached stay untouched */
	tb.cap_nodes = s->n_seq + 1;
	f->nodes = malloc(tb.cap_nodes * sizeof(*f->nodes));
	tb.ids = malloc((s->n ? s->n : 1) * sizeof(*tb.ids));
	tb.keys = malloc((s->n ? s->n : 1) * sizeof(*tb.keys));
	tb.tmp = malloc((s->n ? s->n : 1) * sizeof(*tb.tmp));
	if (!f->nodes || !tb.ids || !tb.keys || !tb.tmp) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t a = 0; a < s->n; a++)
		tb.ids[a] = (uint32_t)a;
	err = expand(&tb, &root);
	while (!err && tb.n_work) {
		struct pending pd = tb.work[--tb.n_work];
		err = expand(&tb, &pd);
	}
	if (err)
		goto out;
	/* subtree sizes, children before parents */
	for (size_t i = f->n_nodes; i-- > 1;)
		f->nodes[f->nodes[i].parent].end += f->nodes[i].end;
	for (size_t i = 0; i < f->n_nodes; i++)
		f->nodes[i].end += (uint32_t)i;
	if (f->nodes[0].neg)
		f->diff = true;
	struct gs_flame_node *shrunk = realloc(f->nodes, f->n_nodes * sizeof(*f->nodes));
	if (shrunk)
		f->nodes = shrunk;
out:
	free(tb.ids);
	free(tb.keys);
	free(tb.tmp);
	free(tb.work);
	free(tb.kids);
	return err;
}

static int build(struct builder *b)
{
	const struct gs_profile *p = b->p;
	struct gs_flame *f = b->f;
	uint32_t *loc_start = NULL, *loc_frames = NULL;
	struct flat_stacks s;
	struct gs_flame_frame *root_frame;
	int si, err;

	memset(&s, 0, sizeof(s));
	err = gs_flame_sample_index(p, b->o->sample_index, b->ctx, &si);
	if (err)
		return err;
	err = gs_strtab_intern(&f->strings, gs_profile_str(p, p->sample_types[si].type),
			       strlen(gs_profile_str(p, p->sample_types[si].type)), 0, &f->sample_type);
	if (!err)
		err = gs_strtab_intern(&f->strings, gs_profile_str(p, p->sample_types[si].unit),
				       strlen(gs_profile_str(p, p->sample_types[si].unit)), 0,
				       &f->sample_unit);
	if (err)
		return err;
	f->total = b->o->total;
	if (!f->total) {
		err = report_total(p, si, &f->total);
		if (err)
			return err;
	}

	/* frame 0 is the root */
	b->cap_frames = 256;
	b->keys = calloc(b->cap_frames, sizeof(*b->keys));
	f->frames = calloc(b->cap_frames, sizeof(*f->frames));
	if (!b->keys || !f->frames)
		return -ENOMEM;
	root_frame = &f->frames[0];
	err = gs_strtab_intern(&f->strings, "root", 4, 0, &root_frame->name);
	if (err)
		return err;
	b->keys[0].name = GS_NONE;
	b->keys[0].file = GS_NONE;
	b->keys[0].mapping = GS_NONE;
	f->n_frames = 1;

	err = location_frames(b, &loc_start, &loc_frames);
	if (!err)
		err = flatten(b, si, loc_start, loc_frames, &s);
	free(loc_start);
	free(loc_frames);
	if (!err)
		err = build_tree(b, &s);
	flat_release(&s);
	return err;
}
int gs_flame_build(const struct gs_profile *p, const struct gs_flame_opts *o, struct gs_ctx *ctx,
		   struct gs_flame **out)
{
	struct gs_flame_opts defaults;
	struct builder b;
	int err;

	if (!o) {
		gs_flame_opts_init(&defaults);
		o = &defaults;
	}
	memset(&b, 0, sizeof(b));
	b.p = p;
	b.o = o;
	b.ctx = ctx;
	b.gran = o->granularity == GS_GRAN_DEFAULT ? GS_GRAN_FILEFUNCTIONS : o->granularity;
	b.f = calloc(1, sizeof(*b.f));
	if (!b.f)
		return -ENOMEM;
	gs_idxmap_init(&b.frame_map);
	err = gs_strtab_init(&b.f->strings);
	if (!err)
		err = build(&b);
	free(b.keys);
	gs_idxmap_release(&b.frame_map);
	if (err) {
		if (err == -ENOMEM && !ctx->errmsg[0])
			gs_ctx_err(ctx, err, "out of memory building the call tree");
		gs_flame_free(b.f);
		return err;
	}
	*out = b.f;
	return 0;
}

void gs_flame_free(struct gs_flame *f)
{
	if (!f)
		return;
	gs_strtab_release(&f->strings);
	free(f->frames);
	free(f->nodes);
	free(f);
}

int gs_flame_write_json(const struct gs_flame *f, struct gs_out *out, bool pretty)
{
	struct gs_json j;
	gs_json_init(&j, out, pretty);
	gs_json_obj_begin(&j);
	gs_json_kstr(&j, "sample_type", gs_flame_str(f, f->sample_type));
	gs_json_kstr(&j, "unit", gs_flame_str(f, f->sample_unit));
	gs_json_ki64(&j, "total", f->total);
	gs_json_kbool(&j, "diff", f->diff);
	gs_json_ku64(&j, "samples", f->n_samples);
	gs_json_ku64(&j, "max_depth", f->max_depth);
	gs_json_key(&j, "nodes");
	gs_json_arr_begin(&j);
	for (size_t i = 0; i < f->n_nodes; i++) {
		const struct gs_flame_node *nd = &f->nodes[i];
		const struct gs_flame_frame *fr = &f->frames[nd->frame];
		gs_json_obj_begin(&j);
		gs_json_ku64(&j, "id", i);
		if (nd->parent == GS_NONE) {
			gs_json_key(&j, "parent");
			gs_json_null(&j);
		} else {
			gs_json_ku64(&j, "parent", nd->parent);
		}
		gs_json_ku64(&j, "depth", nd->depth);
		gs_json_kstr(&j, "name", gs_flame_str(f, fr->name));
		if (*gs_flame_str(f, fr->file))
			gs_json_kstr(&j, "file", gs_flame_str(f, fr->file));
		if (fr->inlined)
			gs_json_kbool(&j, "inlined", true);
		gs_json_ki64(&j, "value", nd->pos - nd->neg);
		gs_json_ki64(&j, "self", nd->self);
		if (f->diff) {
			gs_json_ki64(&j, "increase", nd->pos);
			gs_json_ki64(&j, "decrease", nd->neg);
		}
		gs_json_obj_end(&j);
		if ((i & 1023) == 0 && out->err)
			break;
	}
	gs_json_arr_end(&j);
	gs_json_obj_end(&j);
	gs_json_end(&j);
	return out->err;
}
