/* Reader of goscope's JSON profile (written by lib/report/jsonprof.c): rebuilds the model
 * through the builder API, checking what profile.proto's readers check (ids unique and
 * non-zero, references resolve, one value per sample type). The document is hostile: every
 * field is type-checked and the profile caps apply. */
#include "goscope/flame.h"

struct jreader {
	struct gs_profile *p;
	struct gs_ctx *ctx;
	struct gs_idxmap mapping_ids, function_ids, location_ids;
	uint32_t *stack;
	size_t cap_stack;
	struct gs_label *labels;
	size_t cap_labels;
	int64_t *values;
};

enum table { T_MAPPING, T_FUNCTION, T_LOCATION };

struct id_probe {
	const struct gs_profile *p;
	enum table t;
	uint64_t id;
};

static uint64_t id_of(const struct gs_profile *p, enum table t, uint32_t idx)
{
	return t == T_MAPPING ? p->mappings[idx].id
			      : t == T_FUNCTION ? p->functions[idx].id : p->locations[idx].id;
}

static bool id_eq(const void *arg, uint32_t idx)
{
	const struct id_probe *pr = arg;
	return id_of(pr->p, pr->t, idx) == pr->id;
}

static struct gs_idxmap *map_of(struct jreader *r, enum table t)
{
	return t == T_MAPPING ? &r->mapping_ids : t == T_FUNCTION ? &r->function_ids
								   : &r->location_ids;
}

static const char *const table_names[] = {"mapping", "function", "location"};

/* Index of the item with this id in table t: 0, or -EBADMSG naming what refers to it. */
static int find_id(struct jreader *r, enum table t, uint64_t id, const char *where, size_t i,
		   uint32_t *out)
{
	struct id_probe pr = {r->p, t, id};
	if (gs_idxmap_find(map_of(r, t), gs_hash_u64(id), id_eq, &pr, out))
		return gs_ctx_err(r->ctx, -EBADMSG, "%s[%zu]: %s id %llu does not exist", where, i,
				  table_names[t], (unsigned long long)id);
	return 0;
}

static int register_id(struct jreader *r, enum table t, uint32_t idx, size_t i)
{
	struct id_probe pr = {r->p, t, id_of(r->p, t, idx)};
	uint32_t got;
	bool inserted;
	if (!pr.id)
		return gs_ctx_err(r->ctx, -EBADMSG, "%ss[%zu]: id 0 is reserved", table_names[t], i);
	int err = gs_idxmap_intern(map_of(r, t), gs_hash_u64(pr.id), id_eq, &pr, idx, &got, &inserted);
	if (err)
		return err;
	if (!inserted)
		return gs_ctx_err(r->ctx, -EBADMSG, "%ss[%zu]: id %llu is used twice", table_names[t],
				  i, (unsigned long long)pr.id);
	return 0;
}

static int bad(struct jreader *r, const char *where, size_t i, const char *what)
{
	if (i == SIZE_MAX)
		return gs_ctx_err(r->ctx, -EBADMSG, "%s: %s", where, what);
	return gs_ctx_err(r->ctx, -EBADMSG, "%s[%zu]: %s", where, i, what);
}

/* Optional string member: "" when absent; -EBADMSG when present and not a string. */
static int get_str(struct jreader *r, const struct gs_jv *obj, const char *key, const char *where,
		   size_t i, uint32_t *out)
{
	const struct gs_jv *v = gs_jv_get(obj, key);
	*out = 0;
	if (!v || v->kind == GS_JV_NULL)
		return 0;
	if (v->kind != GS_JV_STR) {
		char what[96];
		snprintf(what, sizeof(what), "'%s' is not a string", key);
		return bad(r, where, i, what);
	}
	int err = gs_profile_intern(r->p, v->u.str, v->len, out);
	return err ? gs_ctx_err(r->ctx, err, "%s[%zu]: string '%s' exceeds a cap", where, i, key)
		   : 0;
}

/* Optional integer member (number, or a "0x..." / decimal string for uint64 values). */
static int get_u64(struct jreader *r, const struct gs_jv *obj, const char *key, const char *where,
		   size_t i, uint64_t *out)
{
	const struct gs_jv *v = gs_jv_get(obj, key);
	int64_t n;
	*out = 0;
	if (!v || v->kind == GS_JV_NULL)
		return 0;
	if (v->kind == GS_JV_STR) {
		char *end;
		errno = 0;
		unsigned long long x = strtoull(v->u.str, &end, 0);
		if (!errno && v->len && *end == '\0' && v->u.str[0] != '-') {
			*out = x;
			return 0;
		}
	} else if (gs_jv_i64(v, &n)) {
		*out = (uint64_t)n;
		return 0;
	}
	char what[96];
	snprintf(what, sizeof(what), "'%s' is not an integer", key);
	return bad(r, where, i, what);
}

static int get_i64(struct jreader *r, const struct gs_jv *obj, const char *key, const char *where,
		   size_t i, int64_t *out)
{
	uint64_t u;
	int err = get_u64(r, obj, key, where, i, &u);
	*out = (int64_t)u;
	return err;
}

static bool get_bool(const struct gs_jv *obj, const char *key)
{
	const struct gs_jv *v = gs_jv_get(obj, key);
	return v && v->kind == GS_JV_BOOL && v->u.b;
}

static const struct gs_jv *get_array(struct jreader *r, const struct gs_jv *obj, const char *key,
				     const char *where, size_t i, int *err)
{
	const struct gs_jv *v = gs_jv_get(obj, key);
	*err = 0;
	if (!v || v->kind == GS_JV_NULL)
		return NULL;
	if (v->kind != GS_JV_ARR) {
		char what[96];
		snprintf(what, sizeof(what), "'%s' is not an array", key);
		*err = bad(r, where, i, what);
		return NULL;
	}
	return v;
}

static int value_type(struct jreader *r, const struct gs_jv *v, const char *where, size_t i,
		      struct gs_value_type *t)
{
	int err;
	if (v->kind != GS_JV_OBJ)
		return bad(r, where, i, "not an object");
	if ((err = get_str(r, v, "type", where, i, &t->type)) ||
	    (err = get_str(r, v, "unit", where, i, &t->unit)))
		return err;
	return 0;
}

static int read_header(struct jreader *r, const struct gs_jv *root)
{
	struct gs_profile *p = r->p;
	int err;
	const struct gs_jv *types = get_array(r, root, "sample_types", "profile", SIZE_MAX, &err);
	if (err)
		return err;
	for (uint32_t i = 0; types && i < types->len; i++) {
		struct gs_value_type t;
		if ((err = value_type(r, &types->u.items[i], "sample_types", i, &t)))
			return err;
		if ((err = gs_profile_add_sample_type(p, t.type, t.unit)))
			return gs_ctx_err(r->ctx, err, "sample_types: more than the cap");
	}
	const struct gs_jv *pt = gs_jv_get(root, "period_type");
	if (pt && pt->kind != GS_JV_NULL && (err = value_type(r, pt, "period_type", SIZE_MAX,
							       &p->period_type)))
		return err;
	if ((err = get_str(r, root, "default_sample_type", "profile", SIZE_MAX,
			   &p->default_sample_type)) ||
	    (err = get_str(r, root, "drop_frames", "profile", SIZE_MAX, &p->drop_frames)) ||
	    (err = get_str(r, root, "keep_frames", "profile", SIZE_MAX, &p->keep_frames)) ||
	    (err = get_str(r, root, "doc_url", "profile", SIZE_MAX, &p->doc_url)) ||
	    (err = get_i64(r, root, "period", "profile", SIZE_MAX, &p->period)) ||
	    (err = get_i64(r, root, "time_nanos", "profile", SIZE_MAX, &p->time_nanos)) ||
	    (err = get_i64(r, root, "duration_nanos", "profile", SIZE_MAX, &p->duration_nanos)))
		return err;
	const struct gs_jv *comments = get_array(r, root, "comments", "profile", SIZE_MAX, &err);
	for (uint32_t i = 0; !err && comments && i < comments->len; i++) {
		const struct gs_jv *c = &comments->u.items[i];
		uint32_t s;
		if (c->kind != GS_JV_STR)
			return bad(r, "comments", i, "not a string");
		if ((err = gs_profile_intern(p, c->u.str, c->len, &s)) ||
		    (err = gs_profile_add_comment(p, s)))
			return gs_ctx_err(r->ctx, err, "comments[%u]: exceeds a cap", i);
	}
	return err;
}

static int read_mappings(struct jreader *r, const struct gs_jv *root)
{
	int err;
	const struct gs_jv *a = get_array(r, root, "mappings", "profile", SIZE_MAX, &err);
	for (uint32_t i = 0; !err && a && i < a->len; i++) {
		const struct gs_jv *m = &a->u.items[i];
		struct gs_mapping g;
		uint32_t idx;
		memset(&g, 0, sizeof(g));
		if (m->kind != GS_JV_OBJ)
			return bad(r, "mappings", i, "not an object");
		if ((err = get_u64(r, m, "id", "mappings", i, &g.id)) ||
		    (err = get_u64(r, m, "memory_start", "mappings", i, &g.memory_start)) ||
		    (err = get_u64(r, m, "memory_limit", "mappings", i, &g.memory_limit)) ||
		    (err = get_u64(r, m, "file_offset", "mappings", i, &g.file_offset)) ||
		    (err = get_str(r, m, "filename", "mappings", i, &g.filename)) ||
		    (err = get_str(r, m, "build_id", "mappings", i, &g.build_id)))
			return err;
		g.has_functions = get_bool(m, "has_functions");
		g.has_filenames = get_bool(m, "has_filenames");
		g.has_line_numbers = get_bool(m, "has_line_numbers");
		g.has_inline_frames = get_bool(m, "has_inline_frames");
		if ((err = gs_profile_add_mapping(r->p, &g, &idx)))
			return gs_ctx_err(r->ctx, err, "mappings: more than the cap");
		err = register_id(r, T_MAPPING, idx, i);
	}
	return err;
}

static int read_functions(struct jreader *r, const struct gs_jv *root)
{
	int err;
	const struct gs_jv *a = get_array(r, root, "functions", "profile", SIZE_MAX, &err);
	for (uint32_t i = 0; !err && a && i < a->len; i++) {
		const struct gs_jv *f = &a->u.items[i];
		struct gs_function g;
		uint32_t idx;
		memset(&g, 0, sizeof(g));
		if (f->kind != GS_JV_OBJ)
			return bad(r, "functions", i, "not an object");
		if ((err = get_u64(r, f, "id", "functions", i, &g.id)) ||
		    (err = get_str(r, f, "name", "functions", i, &g.name)) ||
		    (err = get_str(r, f, "system_name", "functions", i, &g.system_name)) ||
		    (err = get_str(r, f, "filename", "functions", i, &g.filename)) ||
		    (err = get_i64(r, f, "start_line", "functions", i, &g.start_line)))
			return err;
		if ((err = gs_profile_add_function(r->p, &g, &idx)))
			return gs_ctx_err(r->ctx, err, "functions: more than the cap");
		err = register_id(r, T_FUNCTION, idx, i);
	}
	return err;
}

static int read_locations(struct jreader *r, const struct gs_jv *root)
{
	struct gs_line *lines = NULL;
	size_t cap_lines = 0;
	int err;
	const struct gs_jv *a = get_array(r, root, "locations", "profile", SIZE_MAX, &err);
	for (uint32_t i = 0; !err && a && i < a->len; i++) {
		const struct gs_jv *l = &a->u.items[i];
		struct gs_location g;
		uint64_t mapping_id;
		uint32_t idx;
		memset(&g, 0, sizeof(g));
		g.mapping = GS_NONE;
		if (l->kind != GS_JV_OBJ) {
			err = bad(r, "locations", i, "not an object");
			break;
		}
		if ((err = get_u64(r, l, "id", "locations", i, &g.id)) ||
		    (err = get_u64(r, l, "mapping", "locations", i, &mapping_id)) ||
		    (err = get_u64(r, l, "address", "locations", i, &g.address)))
			break;
		if (mapping_id && (err = find_id(r, T_MAPPING, mapping_id, "locations", i, &g.mapping)))
			break;
		g.is_folded = get_bool(l, "is_folded");
		const struct gs_jv *ls = get_array(r, l, "lines", "locations", i, &err);
		size_t n = ls ? ls->len : 0;
		if (err)
			break;
		if (n > cap_lines) {
			struct gs_line *nl = realloc(lines, n * sizeof(*nl));
			if (!nl) {
				err = -ENOMEM;
				break;
			}
			lines = nl;
			cap_lines = n;
		}
		for (size_t k = 0; k < n && !err; k++) {
			const struct gs_jv *ln = &ls->u.items[k];
			uint64_t fid;
			if (ln->kind != GS_JV_OBJ) {
				err = bad(r, "locations", i, "a line is not an object");
				break;
			}
			lines[k].function = GS_NONE;
			if ((err = get_u64(r, ln, "function", "locations", i, &fid)) ||
			    (err = get_i64(r, ln, "line", "locations", i, &lines[k].line)) ||
			    (err = get_i64(r, ln, "column", "locations", i, &lines[k].column)))
				break;
			if (fid)
				err = find_id(r, T_FUNCTION, fid, "locations", i, &lines[k].function);
		}
		if (err)
			break;
		if ((err = gs_profile_add_location(r->p, &g, lines, n, &idx))) {
			err = gs_ctx_err(r->ctx, err, "locations: more than the cap");
			break;
		}
		err = register_id(r, T_LOCATION, idx, i);
	}
	free(lines);
	return err;
}

static int read_labels(struct jreader *r, const struct gs_jv *s, size_t i, uint32_t *set)
{
	int err;
	const struct gs_jv *a = get_array(r, s, "labels", "samples", i, &err);
	size_t n = a ? a->len : 0;
	*set = 0;
	if (err || !n)
		return err;
	if (n > r->p->limits.labels)
		return gs_ctx_err(r->ctx, -E2BIG, "samples[%zu]: more than %llu labels", i,
				  (unsigned long long)r->p->limits.labels);
	if (n > r->cap_labels) {
		struct gs_label *l = realloc(r->labels, n * sizeof(*l));
		if (!l)
			return -ENOMEM;
		r->labels = l;
		r->cap_labels = n;
	}
	for (size_t k = 0; k < n; k++) {
		const struct gs_jv *l = &a->u.items[k];
		struct gs_label *g = &r->labels[k];
		memset(g, 0, sizeof(*g));
		if (l->kind != GS_JV_OBJ)
			return bad(r, "samples", i, "a label is not an object");
		if ((err = get_str(r, l, "key", "samples", i, &g->key)) ||
		    (err = get_str(r, l, "str", "samples", i, &g->str)) ||
		    (err = get_i64(r, l, "num", "samples", i, &g->num)) ||
		    (err = get_str(r, l, "num_unit", "samples", i, &g->num_unit)))
			return err;
	}
	err = gs_profile_intern_labels(r->p, r->labels, n, set);
	return err ? gs_ctx_err(r->ctx, err, "samples[%zu]: labels exceed a cap", i) : 0;
}

static int read_samples(struct jreader *r, const struct gs_jv *root)
{
	struct gs_profile *p = r->p;
	int err;
	const struct gs_jv *a = get_array(r, root, "samples", "profile", SIZE_MAX, &err);
	if (err)
		return err;
	r->values = calloc(p->n_sample_types ? p->n_sample_types : 1, sizeof(*r->values));
	if (!r->values)
		return -ENOMEM;
	for (uint32_t i = 0; a && i < a->len; i++) {
		const struct gs_jv *s = &a->u.items[i];
		uint32_t stack, set;
		if (s->kind != GS_JV_OBJ)
			return bad(r, "samples", i, "not an object");
		const struct gs_jv *locs = get_array(r, s, "locations", "samples", i, &err);
		const struct gs_jv *vals = err ? NULL : get_array(r, s, "values", "samples", i, &err);
		if (err)
			return err;
		size_t n = locs ? locs->len : 0;
		if (n > p->limits.stack_depth)
			return gs_ctx_err(r->ctx, -E2BIG, "samples[%u]: more than %llu frames", i,
					  (unsigned long long)p->limits.stack_depth);
		if (n > r->cap_stack) {
			uint32_t *st = realloc(r->stack, n * sizeof(*st));
			if (!st)
				return -ENOMEM;
			r->stack = st;
			r->cap_stack = n;
		}
		for (size_t k = 0; k < n; k++) {
			int64_t id;
			if (!gs_jv_i64(&locs->u.items[k], &id))
				return bad(r, "samples", i, "a location id is not an integer");
			if ((err = find_id(r, T_LOCATION, (uint64_t)id, "samples", i, &r->stack[k])))
				return err;
		}
		if ((vals ? vals->len : 0) != p->n_sample_types)
			return gs_ctx_err(r->ctx, -EBADMSG, "samples[%u]: %u values, expected %zu", i,
					  vals ? vals->len : 0, p->n_sample_types);
		for (size_t k = 0; k < p->n_sample_types; k++)
			if (!gs_jv_i64(&vals->u.items[k], &r->values[k]))
				return bad(r, "samples", i, "a value is not an integer");
		if ((err = read_labels(r, s, i, &set)))
			return err;
		if ((err = gs_profile_intern_stack(p, r->stack, n, &stack)) ||
		    (err = gs_profile_add_sample(p, stack, set, r->values)))
			return gs_ctx_err(r->ctx, err, "samples[%u]: exceeds a cap", i);
	}
	return 0;
}

int gs_profile_parse_json(const void *data, size_t len, struct gs_ctx *ctx, struct gs_profile **out)
{
	struct jreader r;
	struct gs_jdoc doc;
	int err;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	r.ctx = ctx;
	err = gs_jdoc_parse(&doc, data, len, ctx);
	if (err)
		return err;
	const struct gs_jv *root = &doc.root;
	const char *format = gs_jv_str(gs_jv_get(root, "format"));
	if (!format || strcmp(format, "goscope-profile")) {
		gs_jdoc_release(&doc);
		return gs_ctx_err(ctx, -EBADMSG, "not a goscope JSON profile (no \"format\": "
						 "\"goscope-profile\")");
	}
	err = gs_profile_new(ctx, &r.p);
	if (err) {
		gs_jdoc_release(&doc);
		return err;
	}
	gs_idxmap_init(&r.mapping_ids);
	gs_idxmap_init(&r.function_ids);
	gs_idxmap_init(&r.location_ids);
	if (!(err = read_header(&r, root)) && !(err = read_mappings(&r, root)) &&
	    !(err = read_functions(&r, root)) && !(err = read_locations(&r, root)))
		err = read_samples(&r, root);
	if (err == -ENOMEM && !ctx->errmsg[0])
		gs_ctx_err(ctx, err, "out of memory");
	gs_idxmap_release(&r.mapping_ids);
	gs_idxmap_release(&r.function_ids);
	gs_idxmap_release(&r.location_ids);
	free(r.stack);
	free(r.labels);
	free(r.values);
	gs_jdoc_release(&doc);
	if (err) {
		gs_profile_free(r.p);
		return err;
	}
	*out = r.p;
	return 0;
}
