/* pprof's call graph (internal/graph and Report.newTrimmedGraph) over a prepared report:
 * nodes keyed by pprof's NodeInfo after granularity, flat and cumulative weights with the
 * once-per-sample rule, edges with inline/residual flags, nodefraction and nodecount trimming
 * with rebuilds, pprof's sort orders and tie-breaks, and the report unit choice.
 * Speed: node identities are computed once per location line; sample weights are summed per
 * distinct stack first, so the walk is per stack, and the per-stack "seen" sets are
 * generation stamps, so walking allocates nothing. */
#include "../profile/pipeline.h"

/* pprof's NodeInfo; OrigName is always empty for the reports built here. Strings are
 * indexes into the builder's own table so that equal strings have equal indexes. */
struct node_info {
	uint32_t name, file, objfile, pad;
	uint64_t address;
	int64_t start_line, lineno, columnno;
};

struct bedge {
	uint32_t src, dest;
	int64_t weight, weight_div;
	uint32_t stamp;
	bool residual, inline_call;
};

/* A node's sums in one place: the stack walk touches one cache line per node. */
struct node_acc {
	int64_t flat, flat_div, cum, cum_div;
	uint32_t stamp;
};

struct builder {
	struct gs_report *r;
	struct gs_strtab strs;
	struct node_info *infos;
	size_t n_infos, cap_infos;
	struct gs_idxmap info_map;
	struct gs_span *loc_span; /* per location: its node ids in loc_nodes */
	uint32_t *loc_nodes;
	size_t n_loc_nodes;
	struct node_acc *acc; /* per node id */
	const uint8_t *kept;
	char **names;
	struct gs_arena names_arena;
	/* edges of the current build */
	struct bedge *edges;
	size_t n_edges, cap_edges;
	struct gs_idxmap edge_map;
	bool with_edges;
	/* direct-mapped cache in front of edge_map: (src, dest) -> edge + 1 (0 = empty) */
	uint64_t *edge_cache_key;
	uint32_t *edge_cache_val;
	/* per distinct stack in use: summed weights */
	uint32_t *stacks;
	int64_t *stack_w, *stack_dw;
	size_t n_stacks;
	uint32_t gen;
	struct gs_buf tmp_a, tmp_b;
};

/* ---- names ---- */

int gs_pipeline_clean_path(struct gs_buf *b, const char *s, size_t n)
{
	size_t base = b->len, r = 0, dotdot;
	bool rooted = n > 0 && s[0] == '/';
	int err;
	if (n == 0)
		return gs_buf_addch(b, '.');
	if ((err = gs_buf_grow(b, n + 4)))
		return err;
	char *out = b->data + base;
	size_t w = 0;
	if (rooted) {
		out[w++] = '/';
		r = 1;
	}
	dotdot = w;
	while (r < n) {
		if (s[r] == '/') {
			r++;
		} else if (s[r] == '.' && (r + 1 == n || s[r + 1] == '/')) {
			r++;
		} else if (s[r] == '.' && r + 1 < n && s[r + 1] == '.' && (r + 2 == n || s[r + 2] == '/')) {
			r += 2;
			if (w > dotdot) {
				w--;
				while (w > dotdot && out[w] != '/')
					w--;
			} else if (!rooted) {
				if (w > 0)
					out[w++] = '/';
				out[w++] = '.';
				out[w++] = '.';
				dotdot = w;
			}
		} else {
			if ((rooted && w != 1) || (!rooted && w != 0))
				out[w++] = '/';
			while (r < n && s[r] != '/')
				out[w++] = s[r++];
		}
	}
	if (w == 0)
		out[w++] = '.';
	b->len = base + w;
	b->data[b->len] = '\0';
	return 0;
}

/* Go's filepath.Base. */
static void path_base(const char *s, const char **start, size_t *len)
{
	size_t n = strlen(s);
	if (n == 0) {
		*start = ".";
		*len = 1;
		return;
	}
	while (n > 0 && s[n - 1] == '/')
		n--;
	if (n == 0) {
		*start = "/";
		*len = 1;
		return;
	}
	size_t i = n;
	while (i > 0 && s[i - 1] != '/')
		i--;
	*start = s + i;
	*len = n - i;
}

/* Does path start with prefix[0..len) followed by '/' (added when prefix lacks it)? Returns
 * the length to cut, or 0. */
static size_t trim_prefix(const char *path, const char *prefix, size_t len)
{
	bool slash = len && prefix[len - 1] == '/';
	if (strncmp(path, prefix, len))
		return 0;
	if (slash)
		return len;
	return path[len] == '/' ? len + 1 : 0;
}

/* pprof's trimPath with an empty source path: the -trim_path prefixes (':' separated, each
 * with a '/' appended if missing), then /proc/self/cwd/./ and /proc/self/cwd/. */
static const char *trim_path(const char *path, const char *trim)
{
	static const char *const fixed[] = {"/proc/self/cwd/./", "/proc/self/cwd/"};
	size_t cut;
	for (const char *t = trim && *trim ? trim : NULL; t;) {
		const char *colon = strchr(t, ':');
		size_t len = colon ? (size_t)(colon - t) : strlen(t);
		if ((cut = trim_prefix(path, t, len)))
			return path + cut;
		t = colon ? colon + 1 : NULL;
	}
	for (size_t i = 0; i < GS_ARRAY_LEN(fixed); i++)
		if ((cut = trim_prefix(path, fixed[i], strlen(fixed[i]))))
			return path + cut;
	return path;
}

/* pprof's NodeInfo.NameComponents joined with spaces, from the strings of a NodeInfo. */
static int format_name(struct gs_buf *out, const char *name, const char *file, const char *obj,
		       uint64_t address, int64_t lineno, int64_t columnno)
{
	bool sep = false;
	if (address) {
		gs_buf_addf(out, "%016llx", (unsigned long long)address);
		sep = true;
	}
	if (*name) {
		gs_buf_addf(out, "%s%s", sep ? " " : "", name);
		sep = true;
	}
	if (lineno) {
		gs_buf_addf(out, "%s%s:%lld", sep ? " " : "", file, (long long)lineno);
		if (columnno)
			gs_buf_addf(out, ":%lld", (long long)columnno);
	} else if (*file) {
		gs_buf_addf(out, "%s%s", sep ? " " : "", file);
	} else if (*name) {
		/* the name says it all */
	} else if (*obj) {
		const char *base;
		size_t len;
		path_base(obj, &base, &len);
		gs_buf_addf(out, "%s[%.*s]", sep ? " " : "", (int)len, base);
	} else {
		gs_buf_addf(out, "%s<unknown>", sep ? " " : "");
	}
	return out->data ? 0 : -ENOMEM;
}

static int printable_name(const struct builder *b, const struct node_info *ni, struct gs_buf *out)
{
	return format_name(out, gs_strtab_get(&b->strs, ni->name), gs_strtab_get(&b->strs, ni->file),
			   gs_strtab_get(&b->strs, ni->objfile), ni->address, ni->lineno, ni->columnno);
}

/* Go's fmt.Sprint(NodeInfo): pprof's last tie-break between nodes. */
static void sprint_info(const struct builder *b, const struct node_info *ni, struct gs_buf *out)
{
	gs_buf_reset(out);
	gs_buf_addf(out, "{%s  %llu %s %lld %lld %lld %s}", gs_strtab_get(&b->strs, ni->name),
		    (unsigned long long)ni->address, gs_strtab_get(&b->strs, ni->file),
		    (long long)ni->start_line, (long long)ni->lineno, (long long)ni->columnno,
		    gs_strtab_get(&b->strs, ni->objfile));
}

static const char *node_name(struct builder *b, uint32_t id)
{
	if (!b->names[id]) {
		struct gs_buf tmp = GS_BUF_INIT;
		if (printable_name(b, &b->infos[id], &tmp) == 0)
			b->names[id] = gs_arena_strndup(&b->names_arena, tmp.data, tmp.len);
		gs_buf_release(&tmp);
		if (!b->names[id])
			return "";
	}
	return b->names[id];
}

/* ---- node identities ---- */

static bool info_eq(const void *arg, uint32_t idx)
{
	const struct builder *b = ((const void *const *)arg)[0];
	const struct node_info *k = ((const void *const *)arg)[1];
	return !memcmp(&b->infos[idx], k, sizeof(*k));
}

static int intern_info(struct builder *b, const struct node_info *ni, uint32_t *id)
{
	const void *key[2] = {b, ni};
	uint64_t h = gs_hash_bytes(ni, sizeof(*ni), 0x6e0d);
	if (gs_idxmap_find(&b->info_map, h, info_eq, key, id) == 0)
		return 0;
	if (gs_grow_array(&b->infos, &b->cap_infos, b->n_infos + 1, sizeof(*b->infos)))
		return -ENOMEM;
	b->infos[b->n_infos] = *ni;
	int err = gs_idxmap_intern(&b->info_map, h, info_eq, key, (uint32_t)b->n_infos, id, NULL);
	if (err)
		return err;
	b->n_infos++;
	return 0;
}

static int intern_str(struct builder *b, const char *s, uint32_t *idx)
{
	return gs_strtab_intern(&b->strs, s, strlen(s), 0, idx);
}

/* pprof's CreateNodes: a node id per location line (one for a location without lines). */
static int create_nodes(struct builder *b, bool trim)
{
	struct gs_report *r = b->r;
	const struct gs_profile *p = r->prof;
	uint32_t *fn_name = NULL, *fn_file = NULL, *map_obj = NULL;
	struct gs_buf clean = GS_BUF_INIT;
	int err = -ENOMEM;
	fn_name = malloc((p->n_functions + 1) * sizeof(*fn_name));
	fn_file = malloc((p->n_functions + 1) * sizeof(*fn_file));
	map_obj = malloc((p->n_mappings + 1) * sizeof(*map_obj));
	b->loc_span = malloc((p->n_locations + 1) * sizeof(*b->loc_span));
	size_t total_lines = 0;
	for (size_t i = 0; i < p->n_locations; i++)
		total_lines += p->locations[i].line_count ? p->locations[i].line_count : 1;
	b->loc_nodes = malloc((total_lines + 1) * sizeof(*b->loc_nodes));
	if (!fn_name || !fn_file || !map_obj || !b->loc_span || !b->loc_nodes)
		goto out;
	for (size_t i = 0; i < p->n_functions; i++) {
		const struct gs_function *f = &p->functions[i];
		const char *file = gs_profile_str(p, f->filename);
		fn_name[i] = fn_file[i] = 0;
		if (r->keep_function && (err = intern_str(b, gs_profile_str(p, f->name), &fn_name[i])))
			goto out;
		if (r->keep_file && *file) {
			const char *t = trim ? trim_path(file, r->opts.trim_path) : file;
			if (*t) {
				gs_buf_reset(&clean);
				if ((err = gs_pipeline_clean_path(&clean, t, strlen(t))) ||
				    (err = intern_str(b, clean.data, &fn_file[i])))
					goto out;
			}
		}
	}
	for (size_t i = 0; i < p->n_mappings; i++)
		if ((err = intern_str(b, gs_profile_str(p, p->mappings[i].filename), &map_obj[i])))
			goto out;
	for (size_t i = 0; i < p->n_locations; i++) {
		const struct gs_location *l = &p->locations[i];
		uint32_t n = l->line_count ? l->line_count : 1;
		uint32_t obj = l->mapping < p->n_mappings ? map_obj[l->mapping] : 0;
		b->loc_span[i] = (struct gs_span){(uint32_t)b->n_loc_nodes, n};
		for (uint32_t j = 0; j < n; j++) {
			struct node_info ni;
			memset(&ni, 0, sizeof(ni));
			ni.address = r->keep_address ? l->address : 0;
			const struct gs_line *ln = l->line_count ? &p->lines[l->line_start + j] : NULL;
			if (!ln || ln->function >= p->n_functions) {
				ni.objfile = obj;
			} else {
				const struct gs_function *f = &p->functions[ln->function];
				ni.lineno = r->keep_line ? ln->line : 0;
				ni.columnno = r->keep_column ? ln->column : 0;
				ni.name = fn_name[ln->function];
				ni.file = fn_file[ln->function];
				if (!ni.name) {
					ni.objfile = obj;
					ni.start_line = f->start_line;
				}
			}
			if ((err = intern_info(b, &ni, &b->loc_nodes[b->n_loc_nodes++])))
				goto out;
		}
	}
	err = 0;
out:
	free(fn_name);
	free(fn_file);
	free(map_obj);
	gs_buf_release(&clean);
	return err;
}

/* Sums the weights of the samples per stack (pprof skips samples whose value and divisor
 * are both zero; such a stack creates no edges). */
static int sum_stacks(struct builder *b)
{
	const struct gs_report *r = b->r;
	const struct gs_profile *p = r->prof;
	uint32_t *slot = malloc((p->n_stacks + 1) * sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	memset(slot, 0xff, (p->n_stacks + 1) * sizeof(*slot));
	b->stacks = malloc((p->n_samples + 1) * sizeof(*b->stacks));
	b->stack_w = malloc((p->n_samples + 1) * sizeof(*b->stack_w));
	b->stack_dw = malloc((p->n_samples + 1) * sizeof(*b->stack_dw));
	if (!b->stacks || !b->stack_w || !b->stack_dw) {
		free(slot);
		return -ENOMEM;
	}
	for (size_t s = 0; s < p->n_samples; s++) {
		int64_t w = gs_report_sample_value(r, s), dw = gs_report_sample_divisor(r, s);
		uint32_t st = p->samples[s].stack;
		if (w == 0 && dw == 0)
			continue;
		if (slot[st] == UINT32_MAX) {
			slot[st] = (uint32_t)b->n_stacks;
			b->stacks[b->n_stacks] = st;
			b->stack_w[b->n_stacks] = 0;
			b->stack_dw[b->n_stacks] = 0;
			b->n_stacks++;
		}
		uint32_t i = slot[st];
		b->stack_w[i] = (int64_t)((uint64_t)b->stack_w[i] + (uint64_t)w);
		b->stack_dw[i] = (int64_t)((uint64_t)b->stack_dw[i] + (uint64_t)dw);
	}
	free(slot);
	return 0;
}

static bool edge_eq(const void *arg, uint32_t idx)
{
	const struct builder *b = ((const void *const *)arg)[0];
	const uint32_t *k = ((const void *const *)arg)[1];
	return b->edges[idx].src == k[0] && b->edges[idx].dest == k[1];
}

#define EDGE_CACHE 8192

static int find_edge(struct builder *b, uint32_t src, uint32_t dest, bool residual,
		     bool inline_call, uint32_t *out, bool *created)
{
	uint32_t k[2] = {src, dest};
	const void *key[2] = {b, k};
	uint64_t pair = ((uint64_t)src << 32) | dest;
	uint64_t h = gs_hash_u64(pair) | 1;
	size_t slot = h & (EDGE_CACHE - 1);
	*created = false;
	if (b->edge_cache_key[slot] == pair && b->edge_cache_val[slot]) {
		*out = b->edge_cache_val[slot] - 1;
		return 0;
	}
	if (gs_idxmap_find(&b->edge_map, h, edge_eq, key, out) == 0) {
		b->edge_cache_key[slot] = pair;
		b->edge_cache_val[slot] = *out + 1;
		return 0;
	}
	if (gs_grow_array(&b->edges, &b->cap_edges, b->n_edges + 1, sizeof(*b->edges)))
		return -ENOMEM;
	b->edges[b->n_edges] = (struct bedge){src, dest, 0, 0, 0, residual, inline_call};
	int err = gs_idxmap_intern(&b->edge_map, h, edge_eq, key, (uint32_t)b->n_edges, out, NULL);
	if (err)
		return err;
	b->n_edges++;
	b->edge_cache_key[slot] = pair;
	b->edge_cache_val[slot] = *out + 1;
	*created = true;
	return 0;
}

/* pprof's newGraph walk over one stack with weight w and divisor dw. */
static int walk_stack(struct builder *b, uint32_t stack, int64_t w, int64_t dw)
{
	const struct gs_profile *p = b->r->prof;
	uint32_t n;
	const uint32_t *locs = gs_profile_stack(p, stack, &n);
	uint32_t gen = ++b->gen, parent = GS_NONE;
	bool residual = false;
	int err;
	for (uint32_t i = n; i-- > 0;) {
		uint32_t loc = locs[i];
		struct gs_span ls = b->loc_span[loc];
		const uint32_t *nodes = b->loc_nodes + ls.start;
		uint32_t count = ls.len;
		for (uint32_t ni = count; ni-- > 0;) {
			uint32_t node = nodes[ni];
			if (b->kept && !b->kept[node]) {
				residual = true;
				continue;
			}
			struct node_acc *a = &b->acc[node];
			if (a->stamp != gen) {
				a->stamp = gen;
				a->cum = (int64_t)((uint64_t)a->cum + (uint64_t)w);
				a->cum_div = (int64_t)((uint64_t)a->cum_div + (uint64_t)dw);
			}
			if (b->with_edges && parent != GS_NONE && node != parent) {
				uint32_t e;
				bool created, inl = ni != count - 1;
				if ((err = find_edge(b, parent, node, residual, inl, &e, &created)))
					return err;
				struct bedge *ed = &b->edges[e];
				if (ed->stamp != gen) {
					ed->stamp = gen;
					ed->weight = (int64_t)((uint64_t)ed->weight + (uint64_t)w);
					ed->weight_div = (int64_t)((uint64_t)ed->weight_div + (uint64_t)dw);
					if (!created) {
						ed->residual = ed->residual || residual;
						ed->inline_call = ed->inline_call && inl;
					}
				}
			}
			parent = node;
			residual = false;
		}
	}
	if (parent != GS_NONE && !residual) {
		struct node_acc *a = &b->acc[parent];
		a->flat = (int64_t)((uint64_t)a->flat + (uint64_t)w);
		a->flat_div = (int64_t)((uint64_t)a->flat_div + (uint64_t)dw);
	}
	return 0;
}

static bool is_negative(const struct builder *b, uint32_t n)
{
	return b->acc[n].flat < 0 || (b->acc[n].flat == 0 && b->acc[n].cum < 0);
}

/* One pprof newGraph: values from scratch, only kept nodes (kept NULL: all); *nodes gets
 * the nodes with a value (selectNodesForGraph). Edges are only needed for the final graph
 * (with_edges); the values do not depend on them. */
static int build(struct builder *b, const uint8_t *kept, bool with_edges, uint32_t *nodes,
		 size_t *n_nodes)
{
	size_t n = b->n_infos;
	int err;
	b->with_edges = with_edges;
	memset(b->edge_cache_val, 0, EDGE_CACHE * sizeof(*b->edge_cache_val));
	for (size_t i = 0; i < n; i++)
		b->acc[i].flat = b->acc[i].flat_div = b->acc[i].cum = b->acc[i].cum_div = 0;
	b->kept = kept;
	b->n_edges = 0;
	gs_idxmap_release(&b->edge_map);
	gs_idxmap_init(&b->edge_map);
	for (size_t i = 0; i < b->n_stacks; i++)
		if ((err = walk_stack(b, b->stacks[i], b->stack_w[i], b->stack_dw[i])))
			return err;
	*n_nodes = 0;
	for (size_t i = 0; i < n; i++) {
		if (b->acc[i].cum == 0 && b->acc[i].flat == 0)
			continue;
		if (b->r->opts.drop_negative && is_negative(b, (uint32_t)i))
			continue;
		nodes[(*n_nodes)++] = (uint32_t)i;
	}
	return 0;
}

static int64_t abs64(int64_t v)
{
	return v < 0 ? (int64_t)(-(uint64_t)v) : v;
}

/* pprof's comparePrintableName; names are equal only for the same node. */
static int compare_names(struct builder *b, uint32_t l, uint32_t r)
{
	if (l == r)
		return 0;
	uint64_t la = b->infos[l].address, ra = b->infos[r].address;
	if (la && ra && la != ra)
		return la < ra ? -1 : 1;
	int c = strcmp(node_name(b, l), node_name(b, r));
	return c < 0 ? -1 : c > 0 ? 1 : 0;
}

static int compare_sprint(struct builder *b, uint32_t l, uint32_t r)
{
	sprint_info(b, &b->infos[l], &b->tmp_a);
	sprint_info(b, &b->infos[r], &b->tmp_b);
	return strcmp(b->tmp_a.data, b->tmp_b.data);
}

static int cmp_abs_desc(int64_t a, int64_t b)
{
	a = abs64(a);
	b = abs64(b);
	return a > b ? -1 : a < b ? 1 : 0;
}

static int cmp_flat(const void *x, const void *y, void *arg)
{
	struct builder *b = arg;
	uint32_t l = *(const uint32_t *)x, r = *(const uint32_t *)y;
	int c;
	if ((c = cmp_abs_desc(b->acc[l].flat, b->acc[r].flat)) || (c = compare_names(b, l, r)) ||
	    (c = cmp_abs_desc(b->acc[l].cum, b->acc[r].cum)))
		return c;
	return compare_sprint(b, l, r);
}

static int cmp_cum(const void *x, const void *y, void *arg)
{
	struct builder *b = arg;
	uint32_t l = *(const uint32_t *)x, r = *(const uint32_t *)y;
	int c;
	if ((c = cmp_abs_desc(b->acc[l].cum, b->acc[r].cum)) || (c = compare_names(b, l, r)) ||
	    (c = cmp_abs_desc(b->acc[l].flat, b->acc[r].flat)))
		return c;
	return compare_sprint(b, l, r);
}

static void sort_nodes(struct builder *b, uint32_t *nodes, size_t n)
{
	qsort_r(nodes, n, sizeof(*nodes), b->r->opts.cum ? cmp_cum : cmp_flat, b);
}

/* pprof's edgeList order, over exported edges. */
static int cmp_edge(const void *x, const void *y, void *arg)
{
	const struct gs_graph *g = arg;
	const struct gs_graph_edge *l = &g->edges[*(const uint32_t *)x];
	const struct gs_graph_edge *r = &g->edges[*(const uint32_t *)y];
	int c;
	if (l->weight != r->weight && (c = cmp_abs_desc(l->weight, r->weight)))
		return c;
	if ((c = strcmp(l->src_name, r->src_name)))
		return c;
	return strcmp(l->dest_name, r->dest_name);
}

static void builder_release(struct builder *b)
{
	gs_strtab_release(&b->strs);
	free(b->infos);
	gs_idxmap_release(&b->info_map);
	free(b->loc_span);
	free(b->loc_nodes);
	free(b->acc);
	free(b->names);
	gs_arena_release(&b->names_arena);
	free(b->edges);
	gs_idxmap_release(&b->edge_map);
	free(b->edge_cache_key);
	free(b->edge_cache_val);
	free(b->stacks);
	free(b->stack_w);
	free(b->stack_dw);
	gs_buf_release(&b->tmp_a);
	gs_buf_release(&b->tmp_b);
}

static int builder_init(struct builder *b, struct gs_report *r, bool trim)
{
	int err;
	memset(b, 0, sizeof(*b));
	b->r = r;
	gs_idxmap_init(&b->info_map);
	gs_idxmap_init(&b->edge_map);
	gs_arena_init(&b->names_arena);
	if ((err = gs_strtab_init(&b->strs)) || (err = create_nodes(b, trim)) || (err = sum_stacks(b)))
		return err;
	size_t n = b->n_infos + 1;
	b->acc = calloc(n, sizeof(*b->acc));
	b->names = calloc(n, sizeof(char *));
	b->edge_cache_key = calloc(EDGE_CACHE, sizeof(*b->edge_cache_key));
	b->edge_cache_val = calloc(EDGE_CACHE, sizeof(*b->edge_cache_val));
	if (!b->acc || !b->names ||
	    !b->edge_cache_key || !b->edge_cache_val)
		return -ENOMEM;
	return 0;
}

void gs_graph_free(struct gs_graph *g)
{
	if (!g)
		return;
	struct builder *b = g->priv;
	if (b) {
		builder_release(b);
		free(b);
	}
	free(g->nodes);
	free(g->edges);
	free(g->in_edges);
	free(g->out_edges);
	free(g);
}

/* Fills g from the builder's current build restricted to nodes[0..n) (in order). */
static int export_graph(struct builder *b, struct gs_graph *g, const uint32_t *nodes, size_t n,
			int64_t edge_cutoff, size_t *dropped_edges)
{
	uint32_t *pos = malloc((b->n_infos + 1) * sizeof(*pos));
	uint32_t *keep = malloc((b->n_edges + 1) * sizeof(*keep));
	size_t n_keep = 0;
	if (!pos || !keep) {
		free(pos);
		free(keep);
		return -ENOMEM;
	}
	memset(pos, 0xff, (b->n_infos + 1) * sizeof(*pos));
	for (size_t i = 0; i < n; i++)
		pos[nodes[i]] = (uint32_t)i;
	*dropped_edges = 0;
	for (size_t e = 0; e < b->n_edges; e++) {
		const struct bedge *ed = &b->edges[e];
		bool src_shown = pos[ed->src] != GS_NONE, dest_shown = pos[ed->dest] != GS_NONE;
		/* pprof trims the incoming edges of the graph's nodes only. */
		if (dest_shown && abs64(ed->weight) < edge_cutoff) {
			(*dropped_edges)++;
			continue;
		}
		if (src_shown || dest_shown)
			keep[n_keep++] = (uint32_t)e;
	}
	g->n_nodes = n;
	g->nodes = calloc(n + 1, sizeof(*g->nodes));
	g->n_edges = n_keep;
	g->edges = calloc(n_keep + 1, sizeof(*g->edges));
	g->in_edges = malloc((n_keep + 1) * sizeof(uint32_t));
	g->out_edges = malloc((n_keep + 1) * sizeof(uint32_t));
	if (!g->nodes || !g->edges || !g->in_edges || !g->out_edges) {
		free(pos);
		free(keep);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t id = nodes[i];
		struct gs_graph_node *gn = &g->nodes[i];
		gn->flat = b->acc[id].flat;
		gn->flat_div = b->acc[id].flat_div;
		gn->cum = b->acc[id].cum;
		gn->cum_div = b->acc[id].cum_div;
		gn->info = id;
		gn->name = node_name(b, id);
	}
	for (size_t k = 0; k < n_keep; k++) {
		const struct bedge *ed = &b->edges[keep[k]];
		struct gs_graph_edge *ge = &g->edges[k];
		ge->src = pos[ed->src];
		ge->dest = pos[ed->dest];
		ge->src_name = node_name(b, ed->src);
		ge->dest_name = node_name(b, ed->dest);
		ge->weight = ed->weight;
		ge->weight_div = ed->weight_div;
		ge->residual = ed->residual;
		ge->inline_call = ed->inline_call;
		if (ge->src != GS_NONE)
			g->nodes[ge->src].n_out++;
		if (ge->dest != GS_NONE) {
			g->nodes[ge->dest].n_in++;
			if (ge->inline_call)
				g->nodes[ge->dest].inline_in = true;
			else
				g->nodes[ge->dest].noinline_in = true;
		}
	}
	uint32_t in_at = 0, out_at = 0;
	for (size_t i = 0; i < n; i++) {
		g->nodes[i].in_start = in_at;
		g->nodes[i].out_start = out_at;
		in_at += g->nodes[i].n_in;
		out_at += g->nodes[i].n_out;
		g->nodes[i].n_in = g->nodes[i].n_out = 0;
	}
	for (size_t k = 0; k < n_keep; k++) {
		struct gs_graph_edge *ge = &g->edges[k];
		if (ge->src != GS_NONE) {
			struct gs_graph_node *s = &g->nodes[ge->src];
			g->out_edges[s->out_start + s->n_out++] = (uint32_t)k;
		}
		if (ge->dest != GS_NONE) {
			struct gs_graph_node *d = &g->nodes[ge->dest];
			g->in_edges[d->in_start + d->n_in++] = (uint32_t)k;
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct gs_graph_node *gn = &g->nodes[i];
		qsort_r(g->in_edges + gn->in_start, gn->n_in, sizeof(uint32_t), cmp_edge, g);
		qsort_r(g->out_edges + gn->out_start, gn->n_out, sizeof(uint32_t), cmp_edge, g);
	}
	free(pos);
	free(keep);
	return 0;
}

int gs_graph_new(struct gs_report *r, struct gs_ctx *ctx, struct gs_graph **out)
{
	struct gs_graph *g = calloc(1, sizeof(*g));
	struct builder *b = calloc(1, sizeof(*b));
	uint32_t *nodes = NULL;
	uint8_t *kept = NULL;
	size_t n_nodes, dropped_edges = 0;
	bool rebuilt_top = false;
	int err = -ENOMEM;
	(void)ctx;
	if (!g || !b) {
		free(g);
		free(b);
		return -ENOMEM;
	}
	g->priv = b;
	if ((err = builder_init(b, r, true)))
		goto fail;
	err = -ENOMEM;
	nodes = malloc((b->n_infos + 1) * sizeof(*nodes));
	kept = malloc(b->n_infos + 1);
	if (!nodes || !kept)
		goto fail;

	/* First: the complete graph, to find nodes below the cum cutoff. */
	bool have_edges = false;
	if ((err = build(b, NULL, false, nodes, &n_nodes)))
		goto fail;
	uint64_t total = 0;
	for (size_t i = 0; i < n_nodes; i++)
		total += (uint64_t)b->acc[nodes[i]].flat;
	int64_t node_cutoff = abs64(gs_measure_f64_to_i64((double)(int64_t)total * r->opts.nodefraction));
	int64_t edge_cutoff = abs64(gs_measure_f64_to_i64((double)(int64_t)total * r->opts.edgefraction));
	/* The set of nodes still in the graph, for a rebuild that adds the edges. */
	memset(kept, 0, b->n_infos + 1);
	for (size_t i = 0; i < n_nodes; i++)
		kept[nodes[i]] = 1;
	if (node_cutoff > 0) {
		size_t n_kept = 0;
		memset(kept, 0, b->n_infos + 1);
		for (size_t i = 0; i < n_nodes; i++)
			if (abs64(b->acc[nodes[i]].cum) >= node_cutoff) {
				kept[nodes[i]] = 1;
				n_kept++;
			}
		if (n_kept != n_nodes) {
			g->dropped_nodes = n_nodes - n_kept;
			bool final = !(r->opts.nodecount > 0 && (size_t)r->opts.nodecount < n_kept);
			if ((err = build(b, kept, final, nodes, &n_nodes)))
				goto fail;
			have_edges = final;
		}
	}
	g->orig_count = n_nodes;

	/* Second: at most nodecount nodes. */
	sort_nodes(b, nodes, n_nodes);
	size_t n_top = 0, n_sel = 0;
	if (r->opts.nodecount > 0) {
		/* pprof's SelectTopNodes keeps the first nodecount nodes whose |cum| >= 0, and its
		 * abs64 wraps: a cum of INT64_MIN stays negative, so such a node goes too. */
		n_top = (size_t)r->opts.nodecount < n_nodes ? (size_t)r->opts.nodecount : n_nodes;
		memset(kept, 0, b->n_infos + 1);
		for (size_t i = 0; i < n_top; i++)
			if (abs64(b->acc[nodes[i]].cum) >= 0) {
				kept[nodes[i]] = 1;
				n_sel++;
			}
	}
	if (r->opts.nodecount > 0 && n_sel != n_nodes) {
		if ((err = build(b, kept, true, nodes, &n_nodes)))
			goto fail;
		sort_nodes(b, nodes, n_nodes);
		rebuilt_top = true;
		have_edges = true;
	}
	if (!have_edges) {
		/* Same nodes, same values: this pass only adds the edges. Nodes that were not in
		 * the graph count as kept: a pprof graph without a cut keeps every node. */
		size_t again;
		uint32_t *tmp = malloc((b->n_infos + 1) * sizeof(*tmp));
		if (!tmp) {
			err = -ENOMEM;
			goto fail;
		}
		err = build(b, NULL, true, tmp, &again);
		free(tmp);
		if (err)
			goto fail;
	}

	/* Final: edges below the edge cutoff go. */
	if ((err = export_graph(b, g, nodes, n_nodes, edge_cutoff, &dropped_edges)))
		goto fail;
	g->dropped_edges = (r->opts.nodecount > 0 && !rebuilt_top) ? 0 : dropped_edges;
	for (size_t i = 0; i < g->n_nodes; i++)
		g->shown_flat += gs_graph_node_flat(&g->nodes[i]);

	/* The report unit (selectOutputUnit). */
	struct gs_measure_fmt f;
	int64_t min_value = 0;
	gs_report_measure_fmt(r, &f);
	for (size_t i = 0; i < g->n_nodes; i++)
		min_value = gs_measure_min_fold(min_value, gs_graph_node_flat(&g->nodes[i]),
						gs_graph_node_cum(&g->nodes[i]));
	gs_measure_select_unit(&f, g->n_nodes, min_value, r->total, false);
	if (f.output_unit != r->output_unit)
		snprintf(r->output_unit, sizeof(r->output_unit), "%s", f.output_unit);
	free(nodes);
	free(kept);
	*out = g;
	return 0;
fail:
	free(nodes);
	free(kept);
	gs_graph_free(g);
	return err;
}

int gs_report_line_name(const struct gs_report *r, uint32_t loc, uint32_t line_index,
			struct gs_buf *buf, bool *inlined)
{
	const struct gs_profile *p = r->prof;
	struct gs_buf clean = GS_BUF_INIT;
	const char *name = "", *file = "", *obj = "";
	int64_t lineno = 0, columnno = 0;
	int err = 0;
	if (loc >= p->n_locations)
		return -EINVAL;
	const struct gs_location *l = &p->locations[loc];
	uint32_t n = l->line_count ? l->line_count : 1;
	*inlined = line_index + 1 != n;
	const char *map_file = l->mapping < p->n_mappings ? gs_profile_str(p, p->mappings[l->mapping].filename) : "";
	const struct gs_line *ln = line_index < l->line_count ? &p->lines[l->line_start + line_index] : NULL;
	if (!ln || ln->function >= p->n_functions) {
		obj = map_file;
	} else {
		const struct gs_function *f = &p->functions[ln->function];
		const char *fname = gs_profile_str(p, f->filename);
		lineno = r->keep_line ? ln->line : 0;
		columnno = r->keep_column ? ln->column : 0;
		if (r->keep_function)
			name = gs_profile_str(p, f->name);
		if (r->keep_file && *fname) {
			if ((err = gs_pipeline_clean_path(&clean, fname, strlen(fname))))
				goto out;
			file = clean.data;
		}
		if (!*name)
			obj = map_file;
	}
	err = format_name(buf, name, file, obj, r->keep_address ? l->address : 0, lineno, columnno);
out:
	gs_buf_release(&clean);
	return err;
}
