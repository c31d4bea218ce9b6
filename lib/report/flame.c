/* Call-tree aggregation for flame graphs: samples are summed per interned stack, then each
 * distinct stack is walked root-first into a trie keyed by (parent, frame), so the cost and
 * the size follow the number of distinct paths, not the number of samples. The tree is then
 * laid out in preorder with the heaviest child first. Also the tree's --json report and the
 * value formatting shared by the HTML page and the SVG. Rendering is in flame_html.c/svg.c. */
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

struct child_slot;

struct tnode {
	uint32_t frame;
	uint32_t parent;
	uint32_t first_child;
	uint32_t next_sibling;
	uint32_t n_children;
	int64_t pos, neg, self;
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

	struct tnode *t;
	size_t n_t, cap_t;
	struct child_slot *child_slots; /* (parent, frame) -> node, open addressing */
	size_t child_cap, child_count;
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

/* Finding the child of a node for a frame is the hot loop of the aggregation. Most nodes
 * have a few children, and a node created while walking a stack has none, so children are
 * found by walking the sibling list; only nodes with more than FANOUT_SCAN children also index
 * them in a (parent, frame) -> child hash map, whose slot holds key and node together (one
 * cache miss per probe). Key 0 marks an empty slot. */
#define FANOUT_SCAN 8

struct child_slot {
	uint64_t key; /* (parent << 32 | frame) + 1 */
	uint32_t node;
};

static int child_grow(struct builder *b)
{
	size_t cap = b->child_cap ? b->child_cap * 2 : 4096;
	struct child_slot *slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < b->child_cap; i++) {
		if (!b->child_slots[i].key)
			continue;
		size_t s = gs_hash_u64(b->child_slots[i].key) & (cap - 1);
		while (slots[s].key)
			s = (s + 1) & (cap - 1);
		slots[s] = b->child_slots[i];
	}
	free(b->child_slots);
	b->child_slots = slots;
	b->child_cap = cap;
	return 0;
}

/* The slot of key: the one holding it, or the empty one where it goes. */
static struct child_slot *child_slot(struct builder *b, uint64_t key)
{
	size_t mask = b->child_cap - 1;
	size_t s = gs_hash_u64(key) & mask;
	while (b->child_slots[s].key && b->child_slots[s].key != key)
		s = (s + 1) & mask;
	return &b->child_slots[s];
}

static int child_index(struct builder *b, uint32_t parent, uint32_t child)
{
	if ((b->child_count + 1) * 2 > b->child_cap) {
		int err = child_grow(b);
		if (err)
			return err;
	}
	struct child_slot *slot = child_slot(b, ((uint64_t)parent << 32 | b->t[child].frame) + 1);
	slot->key = ((uint64_t)parent << 32 | b->t[child].frame) + 1;
	slot->node = child;
	b->child_count++;
	return 0;
}

/* The child of parent for frame, created if absent. */
static int child_of(struct builder *b, uint32_t parent, uint32_t frame, uint32_t *out)
{
	int err;
	if (b->t[parent].n_children > FANOUT_SCAN) {
		struct child_slot *slot = child_slot(b, ((uint64_t)parent << 32 | frame) + 1);
		if (slot->key) {
			*out = slot->node;
			return 0;
		}
	} else {
		for (uint32_t c = b->t[parent].first_child; c != GS_NONE; c = b->t[c].next_sibling) {
			if (b->t[c].frame == frame) {
				*out = c;
				return 0;
			}
		}
	}
	if (b->n_t >= b->p->limits.samples || b->n_t >= UINT32_MAX - 1)
		return gs_ctx_err(b->ctx, -E2BIG, "call tree has more than %llu nodes",
				  (unsigned long long)b->n_t);
	if (b->n_t == b->cap_t) {
		size_t n = b->cap_t * 2;
		struct tnode *t = realloc(b->t, n * sizeof(*t));
		if (!t)
			return -ENOMEM;
		b->t = t;
		b->cap_t = n;
	}
	uint32_t idx = (uint32_t)b->n_t++;
	struct tnode *nd = &b->t[idx];
	struct tnode *pn = &b->t[parent];
	nd->frame = frame;
	nd->parent = parent;
	nd->first_child = GS_NONE;
	nd->n_children = 0;
	nd->next_sibling = pn->first_child;
	nd->pos = nd->neg = nd->self = 0;
	pn->first_child = idx;
	pn->n_children++;
	if (pn->n_children == FANOUT_SCAN + 1) {
		for (uint32_t c = pn->first_child; c != GS_NONE; c = b->t[c].next_sibling)
			if ((err = child_index(b, parent, c)))
				return err;
	} else if (pn->n_children > FANOUT_SCAN + 1 && (err = child_index(b, parent, idx))) {
		return err;
	}
	*out = idx;
	return 0;
}

/* Doubles the capacity of the two parallel path arrays. */
static int path_grow(uint32_t **frame, uint32_t **node, size_t *cap)
{
	size_t n = *cap ? *cap * 2 : 256;
	uint32_t *f2 = realloc(*frame, n * sizeof(*f2));
	if (!f2)
		return -ENOMEM;
	*frame = f2;
	uint32_t *n2 = realloc(*node, n * sizeof(*n2));
	if (!n2)
		return -ENOMEM;
	*node = n2;
	*cap = n;
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

struct child_sort {
	int64_t weight;
	const char *name;
	uint32_t node;
};

static int child_cmp(const void *a, const void *b)
{
	const struct child_sort *x = a, *y = b;
	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	return x->node < y->node ? -1 : x->node > y->node;
}

/* Lays the trie out in preorder, children heaviest first, into f->nodes. */
static int layout(struct builder *b)
{
	struct gs_flame *f = b->f;
	size_t n = b->n_t;
	uint32_t *stack = malloc(n * sizeof(*stack));
	uint32_t *new_index = malloc(n * sizeof(*new_index));
	struct child_sort *kids = NULL;
	size_t cap_kids = 0;
	int err = 0;

	f->nodes = calloc(n, sizeof(*f->nodes));
	if (!stack || !new_index || !f->nodes) {
		err = -ENOMEM;
		goto out;
	}
	size_t sp = 0, next = 0;
	stack[sp++] = 0;
	while (sp) {
		uint32_t u = stack[--sp];
		const struct tnode *t = &b->t[u];
		uint32_t ni = (uint32_t)next++;
		new_index[u] = ni;
		struct gs_flame_node *nd = &f->nodes[ni];
		nd->frame = t->frame;
		nd->parent = u == 0 ? GS_NONE : new_index[t->parent];
		nd->depth = u == 0 ? 0 : f->nodes[nd->parent].depth + 1;
		nd->pos = t->pos;
		nd->neg = t->neg;
		nd->self = t->self;
		if (nd->depth > f->max_depth)
			f->max_depth = nd->depth;
		size_t nk = 0;
		for (uint32_t c = t->first_child; c != GS_NONE; c = b->t[c].next_sibling) {
			if (nk == cap_kids) {
				size_t m = cap_kids ? cap_kids * 2 : 64;
				struct child_sort *k2 = realloc(kids, m * sizeof(*k2));
				if (!k2) {
					err = -ENOMEM;
					goto out;
				}
				kids = k2;
				cap_kids = m;
			}
			const struct tnode *ct = &b->t[c];
			kids[nk].weight = (int64_t)((uint64_t)ct->pos + (uint64_t)ct->neg);
			kids[nk].name = gs_flame_str(f, f->frames[ct->frame].name);
			kids[nk].node = c;
			nk++;
		}
		if (nk > 1)
			qsort(kids, nk, sizeof(*kids), child_cmp);
		for (size_t i = nk; i-- > 0;)
			stack[sp++] = kids[i].node;
	}
	f->n_nodes = n;
	for (size_t i = 0; i < n; i++)
		f->nodes[i].end = 1;
	/* subtree sizes, children before parents */
	for (size_t i = n; i-- > 1;)
		f->nodes[f->nodes[i].parent].end += f->nodes[i].end;
	for (size_t i = 0; i < n; i++)
		f->nodes[i].end += (uint32_t)i;
out:
	free(stack);
	free(new_index);
	free(kids);
	return err;
}

static int build(struct builder *b)
{
	const struct gs_profile *p = b->p;
	struct gs_flame *f = b->f;
	uint32_t *loc_start = NULL, *loc_frames = NULL;
	int64_t *stack_pos = NULL, *stack_neg = NULL;
	uint32_t *path_frame = NULL, *path_node = NULL; /* the previous stack's walk */
	size_t path_len = 0, path_cap = 0;
	struct gs_flame_frame *root_frame;
	int si, err;

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
	if (err)
		goto out;

	/* values summed per distinct stack first: samples share stacks */
	stack_pos = calloc(p->n_stacks ? p->n_stacks : 1, sizeof(*stack_pos));
	stack_neg = calloc(p->n_stacks ? p->n_stacks : 1, sizeof(*stack_neg));
	if (!stack_pos || !stack_neg) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t s = 0; s < p->n_samples; s++) {
		int64_t v = gs_profile_values(p, s)[si];
		uint32_t st = p->samples[s].stack;
		if (v == 0 || st >= p->n_stacks)
			continue;
		f->n_samples++;
		if (v > 0)
			err = add_checked(&stack_pos[st], v);
		else
			err = v == INT64_MIN ? -EOVERFLOW : add_checked(&stack_neg[st], -v);
		if (err) {
			gs_ctx_err(b->ctx, err, "sample values overflow a 64-bit sum");
			goto out;
		}
		if ((s & 0xffff) == 0 && (err = gs_ctx_progress(b->ctx, "aggregating", s,
								 p->n_samples)))
			goto out;
	}

	b->cap_t = 1024;
	b->t = malloc(b->cap_t * sizeof(*b->t));
	if (!b->t) {
		err = -ENOMEM;
		goto out;
	}
	b->t[0] = (struct tnode){0, GS_NONE, GS_NONE, GS_NONE, 0, 0, 0, 0};
	b->n_t = 1;
	/* Each stack adds its weight only to the node it ends at; totals are summed up the tree
	 * afterwards (a child's index is above its parent's), so the walk writes one node per
	 * stack. A stack sharing a root-side prefix with the previous one reuses its nodes. */
	for (size_t st = 0; st < p->n_stacks; st++) {
		int64_t pos = stack_pos[st], neg = stack_neg[st];
		if (!pos && !neg)
			continue;
		uint32_t depth;
		const uint32_t *locs = gs_profile_stack(p, (uint32_t)st, &depth);
		uint32_t cur = 0;
		size_t frames = 0;
		bool shared = true;
		for (uint32_t i = depth; i-- > 0;) {
			uint32_t l = locs[i];
			if (l >= p->n_locations)
				continue;
			for (uint32_t k = loc_start[l]; k < loc_start[l + 1]; k++) {
				if (++frames > p->limits.stack_depth) {
					err = gs_ctx_err(b->ctx, -E2BIG,
							 "stack %zu has more than %llu frames", st,
							 (unsigned long long)p->limits.stack_depth);
					goto out;
				}
				uint32_t fk = loc_frames[k];
				if (shared && frames <= path_len && path_frame[frames - 1] == fk) {
					cur = path_node[frames - 1];
					continue;
				}
				shared = false;
				err = child_of(b, cur, fk, &cur);
				if (!err && frames > path_cap)
					err = path_grow(&path_frame, &path_node, &path_cap);
				if (err)
					goto out;
				path_frame[frames - 1] = fk;
				path_node[frames - 1] = cur;
			}
		}
		path_len = frames;
		struct tnode *nd = &b->t[cur];
		if ((err = add_checked(&nd->pos, pos)) || (err = add_checked(&nd->neg, neg)) ||
		    (err = add_checked(&nd->self, pos - neg)))
			goto overflow;
	}
	for (size_t i = b->n_t; i-- > 1;) {
		struct tnode *pn = &b->t[b->t[i].parent];
		if ((err = add_checked(&pn->pos, b->t[i].pos)) ||
		    (err = add_checked(&pn->neg, b->t[i].neg)))
			goto overflow;
	}
	if (b->t[0].neg)
		f->diff = true;
	err = layout(b);
	goto out;
overflow:
	gs_ctx_err(b->ctx, err, "sample values overflow a 64-bit sum");
out:
	free(loc_start);
	free(loc_frames);
	free(stack_pos);
	free(stack_neg);
	free(path_frame);
	free(path_node);
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
	free(b.t);
	free(b.child_slots);
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
