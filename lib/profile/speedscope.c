/* Speedscope reader: a speedscope file (https://www.speedscope.app/file-format-schema.json)
 * into a gs_profile. "sampled" profiles give stacks (root first) and weights; "evented"
 * profiles give open/close events whose intervals are charged to the open stack. Each
 * speedscope profile becomes a sample type (its name and unit; time units are converted to
 * nanoseconds so values stay integers), and equal stacks share one sample. Frames become a
 * function {name, file} and a location with one line. */
#include <math.h>

#include "goscope/flame.h"

struct sreader {
	struct gs_profile *p;
	struct gs_ctx *ctx;
	const struct gs_jv *frames; /* shared.frames */
	uint32_t *loc_of_frame;     /* frame index -> location index + 1 */
	uint32_t *sample_of_stack;  /* stack -> sample index + 1 */
	size_t n_sample_of_stack;
	uint32_t *stack;
	size_t cap_stack;
	size_t n_cols;
	int64_t *zero;
};

static int frame_location(struct sreader *r, int64_t fi, const char *where, size_t pi,
			  uint32_t *out)
{
	struct gs_profile *p = r->p;
	if (fi < 0 || !r->frames || (uint64_t)fi >= r->frames->len)
		return gs_ctx_err(r->ctx, -EBADMSG, "profiles[%zu]: %s refers to frame %lld, which "
				  "does not exist", pi, where, (long long)fi);
	if (r->loc_of_frame[fi]) {
		*out = r->loc_of_frame[fi] - 1;
		return 0;
	}
	const struct gs_jv *fr = &r->frames->u.items[fi];
	const char *name = gs_jv_str(gs_jv_get(fr, "name"));
	const char *file = gs_jv_str(gs_jv_get(fr, "file"));
	int64_t line = 0, col = 0;
	if (!name)
		return gs_ctx_err(r->ctx, -EBADMSG, "shared.frames[%lld]: no name", (long long)fi);
	gs_jv_i64(gs_jv_get(fr, "line"), &line);
	gs_jv_i64(gs_jv_get(fr, "col"), &col);
	struct gs_function fn = {.id = p->n_functions + 1};
	uint32_t idx = 0;
	int err = gs_profile_intern_cstr(p, name, &fn.name);
	if (!err)
		err = gs_profile_intern_cstr(p, file ? file : "", &fn.filename);
	fn.system_name = fn.name;
	if (!err)
		err = gs_profile_add_function(p, &fn, &idx);
	struct gs_line ln = {idx, line, col};
	struct gs_location loc = {.id = p->n_locations + 1, .mapping = GS_NONE};
	if (!err)
		err = gs_profile_add_location(p, &loc, &ln, 1, &idx);
	if (err)
		return gs_ctx_err(r->ctx, err, "shared.frames[%lld]: exceeds a cap", (long long)fi);
	r->loc_of_frame[fi] = idx + 1;
	*out = idx;
	return 0;
}

/* Adds value to column col of the sample with stack r->stack[0..n) (root first). */
static int add_value(struct sreader *r, size_t n, size_t col, int64_t value, size_t pi)
{
	struct gs_profile *p = r->p;
	uint32_t stack;
	for (size_t i = 0; i < n / 2; i++) {
		uint32_t t = r->stack[i];
		r->stack[i] = r->stack[n - 1 - i];
		r->stack[n - 1 - i] = t;
	}
	int err = gs_profile_intern_stack(p, r->stack, n, &stack);
	if (err)
		return gs_ctx_err(r->ctx, err, "profiles[%zu]: too many stacks", pi);
	if ((size_t)stack >= r->n_sample_of_stack) {
		size_t m = r->n_sample_of_stack ? r->n_sample_of_stack * 2 : 1024;
		while (m <= stack)
			m *= 2;
		uint32_t *a = realloc(r->sample_of_stack, m * sizeof(*a));
		if (!a)
			return -ENOMEM;
		memset(a + r->n_sample_of_stack, 0, (m - r->n_sample_of_stack) * sizeof(*a));
		r->sample_of_stack = a;
		r->n_sample_of_stack = m;
	}
	if (!r->sample_of_stack[stack]) {
		if ((err = gs_profile_add_sample(p, stack, 0, r->zero)))
			return gs_ctx_err(r->ctx, err, "profiles[%zu]: too many samples", pi);
		r->sample_of_stack[stack] = (uint32_t)p->n_samples;
	}
	int64_t *v = &p->values[(size_t)(r->sample_of_stack[stack] - 1) * r->n_cols + col];
	if (__builtin_add_overflow(*v, value, v))
		return gs_ctx_err(r->ctx, -EBADMSG, "profiles[%zu]: values overflow", pi);
	return 0;
}

static int grow_stack(struct sreader *r, size_t n)
{
	if (n <= r->cap_stack)
		return 0;
	if (n > r->p->limits.stack_depth)
		return gs_ctx_err(r->ctx, -E2BIG, "stack deeper than %llu frames",
				  (unsigned long long)r->p->limits.stack_depth);
	size_t m = r->cap_stack ? r->cap_stack * 2 : 64;
	while (m < n)
		m *= 2;
	uint32_t *s = realloc(r->stack, m * sizeof(*s));
	if (!s)
		return -ENOMEM;
	r->stack = s;
	r->cap_stack = m;
	return 0;
}

/* Weight in integer units: time becomes nanoseconds. */
static int to_int(double w, double scale, int64_t *out)
{
	double v = round(w * scale);
	if (!isfinite(v) || fabs(v) >= 9.2e18)
		return -EBADMSG;
	*out = (int64_t)v;
	return 0;
}

static int read_sampled(struct sreader *r, const struct gs_jv *prof, size_t pi, size_t col,
			double scale)
{
	const struct gs_jv *samples = gs_jv_get(prof, "samples");
	const struct gs_jv *weights = gs_jv_get(prof, "weights");
	if (!samples || samples->kind != GS_JV_ARR)
		return gs_ctx_err(r->ctx, -EBADMSG, "profiles[%zu]: no samples array", pi);
	if (weights && (weights->kind != GS_JV_ARR || weights->len != samples->len))
		return gs_ctx_err(r->ctx, -EBADMSG, "profiles[%zu]: weights do not match samples",
				  pi);
	for (uint32_t i = 0; i < samples->len; i++) {
		const struct gs_jv *s = &samples->u.items[i];
		double w = 1;
		int64_t value, fi;
		int err;
		if (s->kind != GS_JV_ARR)
			return gs_ctx_err(r->ctx, -EBADMSG, "profiles[%zu]: sample %u is not an array",
					  pi, i);
		if (weights && !gs_jv_f64(&weights->u.items[i], &w))
			return gs_ctx_err(r->ctx, -EBADMSG, "profiles[%zu]: weight %u is not a number",
					  pi, i);
		if (to_int(w, scale, &value))
			return gs_ctx_err(r->ctx, -EBADMSG, "profiles[%zu]: weight %u out of range",
					  pi, i);
		if ((err = grow_stack(r, s->len)))
			return err;
		for (uint32_t k = 0; k < s->len; k++) {
			if (!gs_jv_i64(&s->u.items[k], &fi))
				return gs_ctx_err(r->ctx, -EBADMSG,
						  "profiles[%zu]: sample %u has a non-integer frame", pi, i);
			if ((err = frame_location(r, fi, "a sample", pi, &r->stack[k])))
				return err;
		}
		if (value && (err = add_value(r, s->len, col, value, pi)))
			return err;
	}
	return 0;
}

static int read_evented(struct sreader *r, const struct gs_jv *prof, size_t pi, size_t col,
			double scale)
{
	const struct gs_jv *events = gs_jv_get(prof, "events");
	uint32_t *open = NULL; /* frame locations of the open stack */
	size_t depth = 0, cap = 0;
	double last = 0;
	int err = 0;
	if (!events || events->kind != GS_JV_ARR)
		return gs_ctx_err(r->ctx, -EBADMSG, "profiles[%zu]: no events array", pi);
	gs_jv_f64(gs_jv_get(prof, "startValue"), &last);
	for (uint32_t i = 0; i < events->len && !err; i++) {
		const struct gs_jv *e = &events->u.items[i];
		const char *type = gs_jv_str(gs_jv_get(e, "type"));
		double at;
		int64_t fi, value;
		uint32_t loc;
		if (!type || !gs_jv_f64(gs_jv_get(e, "at"), &at) ||
		    !gs_jv_i64(gs_jv_get(e, "frame"), &fi) || (strcmp(type, "O") && strcmp(type, "C"))) {
			err = gs_ctx_err(r->ctx, -EBADMSG, "profiles[%zu]: event %u is not "
					 "{type: O|C, at, frame}", pi, i);
			break;
		}
		if (at < last) {
			err = gs_ctx_err(r->ctx, -EBADMSG, "profiles[%zu]: event %u goes back in time",
					 pi, i);
			break;
		}
		if (depth && to_int(at - last, scale, &value) == 0 && value) {
			if ((err = grow_stack(r, depth)))
				break;
			memcpy(r->stack, open, depth * sizeof(*open));
			err = add_value(r, depth, col, value, pi);
		}
		last = at;
		if (err || (err = frame_location(r, fi, "an event", pi, &loc)))
			break;
		if (type[0] == 'O') {
			if (depth == cap) {
				if (depth >= r->p->limits.stack_depth) {
					err = gs_ctx_err(r->ctx, -E2BIG, "profiles[%zu]: stack deeper "
							 "than the cap", pi);
					break;
				}
				size_t m = cap ? cap * 2 : 64;
				uint32_t *o = realloc(open, m * sizeof(*o));
				if (!o) {
					err = -ENOMEM;
					break;
				}
				open = o;
				cap = m;
			}
			open[depth++] = loc;
		} else {
			if (!depth || open[depth - 1] != loc) {
				err = gs_ctx_err(r->ctx, -EBADMSG, "profiles[%zu]: event %u closes a "
						 "frame that is not open", pi, i);
				break;
			}
			depth--;
		}
	}
	free(open);
	return err;
}

/* Sample type of a speedscope profile: its name and unit (time as nanoseconds). */
static int profile_type(struct sreader *r, const struct gs_jv *prof, size_t pi, double *scale)
{
	static const struct {
		const char *unit;
		double scale;
	} time_units[] = {{"nanoseconds", 1}, {"microseconds", 1e3}, {"milliseconds", 1e6},
			  {"seconds", 1e9}};
	const char *name = gs_jv_str(gs_jv_get(prof, "name"));
	const char *unit = gs_jv_str(gs_jv_get(prof, "unit"));
	const char *pprof_unit = "count";
	char fallback[32];
	uint32_t type_s, unit_s;
	*scale = 1;
	if (unit && !strcmp(unit, "bytes"))
		pprof_unit = "bytes";
	for (size_t i = 0; unit && i < GS_ARRAY_LEN(time_units); i++) {
		if (!strcmp(unit, time_units[i].unit)) {
			pprof_unit = "nanoseconds";
			*scale = time_units[i].scale;
		}
	}
	if (!name || !*name) {
		snprintf(fallback, sizeof(fallback), "profile%zu", pi);
		name = fallback;
	}
	int err = gs_profile_intern_cstr(r->p, name, &type_s);
	if (!err)
		err = gs_profile_intern_cstr(r->p, pprof_unit, &unit_s);
	if (!err)
		err = gs_profile_add_sample_type(r->p, type_s, unit_s);
	return err ? gs_ctx_err(r->ctx, err, "profiles[%zu]: more sample types than the cap", pi)
		   : 0;
}

int gs_profile_parse_speedscope(const void *data, size_t len, struct gs_ctx *ctx,
				struct gs_profile **out)
{
	struct sreader r;
	struct gs_jdoc doc;
	double *scales = NULL;
	int err;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	r.ctx = ctx;
	err = gs_jdoc_parse(&doc, data, len, ctx);
	if (err)
		return err;
	const struct gs_jv *profiles = gs_jv_get(&doc.root, "profiles");
	r.frames = gs_jv_get(gs_jv_get(&doc.root, "shared"), "frames");
	if (!profiles || profiles->kind != GS_JV_ARR || !profiles->len ||
	    (r.frames && r.frames->kind != GS_JV_ARR)) {
		gs_jdoc_release(&doc);
		return gs_ctx_err(ctx, -EBADMSG, "not a speedscope file (no profiles, or no "
						 "shared.frames)");
	}
	err = gs_profile_new(ctx, &r.p);
	if (err)
		goto out;
	r.n_cols = profiles->len;
	if (r.n_cols > r.p->limits.values) {
		err = gs_ctx_err(ctx, -E2BIG, "%zu profiles, more than the %llu sample types a "
				 "profile may have", r.n_cols, (unsigned long long)r.p->limits.values);
		goto out;
	}
	r.loc_of_frame = calloc(r.frames && r.frames->len ? r.frames->len : 1, sizeof(uint32_t));
	r.zero = calloc(r.n_cols, sizeof(*r.zero));
	scales = calloc(r.n_cols, sizeof(*scales));
	if (!r.loc_of_frame || !r.zero || !scales) {
		err = gs_ctx_err(ctx, -ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < r.n_cols && !err; i++) {
		if (profiles->u.items[i].kind != GS_JV_OBJ)
			err = gs_ctx_err(ctx, -EBADMSG, "profiles[%zu] is not an object", i);
		else
			err = profile_type(&r, &profiles->u.items[i], i, &scales[i]);
	}
	for (size_t i = 0; i < r.n_cols && !err; i++) {
		const struct gs_jv *prof = &profiles->u.items[i];
		const char *type = gs_jv_str(gs_jv_get(prof, "type"));
		if (type && !strcmp(type, "sampled"))
			err = read_sampled(&r, prof, i, i, scales[i]);
		else if (type && !strcmp(type, "evented"))
			err = read_evented(&r, prof, i, i, scales[i]);
		else
			err = gs_ctx_err(ctx, -EBADMSG, "profiles[%zu]: type is not 'sampled' or "
					 "'evented'", i);
	}
	/* the profile speedscope opens first is the one reports show by default */
	int64_t active = 0;
	gs_jv_i64(gs_jv_get(&doc.root, "activeProfileIndex"), &active);
	if (!err && active >= 0 && (size_t)active < r.n_cols)
		r.p->default_sample_type = r.p->sample_types[active].type;
	if (!err && !r.p->n_samples)
		err = gs_ctx_err(ctx, -EBADMSG, "the speedscope file has no samples");
	if (err == -ENOMEM && !ctx->errmsg[0])
		gs_ctx_err(ctx, err, "out of memory");
out:
	free(r.loc_of_frame);
	free(r.sample_of_stack);
	free(r.stack);
	free(r.zero);
	free(scales);
	gs_jdoc_release(&doc);
	if (err) {
		gs_profile_free(r.p);
		return err;
	}
	*out = r.p;
	return 0;
}
