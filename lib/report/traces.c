/* The traces report (`go tool pprof -traces`): the profile header, then every sample with a
 * non-empty stack in profile order: its string and numeric labels, its value on the first
 * frame, and its frames leaf first, inlined frames marked; also as JSON. Works on a prepared
 * report (filters, granularity and sample index applied); frame names and label lines are
 * computed once per location and per label set, so output streams at the cost of copying. */
#include "goscope/report.h"

#define SEPARATOR "-----------+-------------------------------------------------------\n"

struct frame {
	uint32_t off, len; /* name in text */
	bool inlined;
};

struct traces {
	const struct gs_report *r;
	struct gs_measure_fmt fmt;
	struct gs_buf text;        /* frame names and label lines */
	uint64_t *loc_frames;      /* per location: first frame << 32 | count, or UINT64_MAX */
	struct frame *frames;
	size_t n_frames, cap_frames;
	uint64_t *set_text;        /* per label set: offset << 32 | length of its label lines */
	struct gs_buf tmp;
};

static int traces_init(struct traces *t, const struct gs_report *r)
{
	const struct gs_profile *p = r->prof;
	memset(t, 0, sizeof(*t));
	t->r = r;
	gs_report_measure_fmt(r, &t->fmt);
	gs_buf_init(&t->text, 0);
	gs_buf_init(&t->tmp, 0);
	t->loc_frames = malloc((p->n_locations ? p->n_locations : 1) * sizeof(*t->loc_frames));
	t->set_text = malloc((p->n_labelsets ? p->n_labelsets : 1) * sizeof(*t->set_text));
	/* text is never NULL, so that offsets into it are always valid pointers */
	if (!t->loc_frames || !t->set_text || gs_buf_grow(&t->text, 64))
		return -ENOMEM;
	memset(t->loc_frames, 0xff, (p->n_locations ? p->n_locations : 1) * sizeof(*t->loc_frames));
	memset(t->set_text, 0xff, (p->n_labelsets ? p->n_labelsets : 1) * sizeof(*t->set_text));
	return 0;
}

static void traces_release(struct traces *t)
{
	gs_buf_release(&t->text);
	gs_buf_release(&t->tmp);
	free(t->loc_frames);
	free(t->frames);
	free(t->set_text);
}

/* The frames of location loc (one per line, innermost first; one for a location without
 * lines): computed on first use. */
static int loc_frames(struct traces *t, uint32_t loc, const struct frame **out, uint32_t *n)
{
	if (t->loc_frames[loc] == UINT64_MAX) {
		const struct gs_location *l = &t->r->prof->locations[loc];
		uint32_t count = l->line_count ? l->line_count : 1;
		if (t->n_frames + count > UINT32_MAX || t->text.len > UINT32_MAX)
			return -E2BIG;
		if (gs_grow_array(&t->frames, &t->cap_frames, t->n_frames + count, sizeof(*t->frames)))
			return -ENOMEM;
		uint64_t first = t->n_frames;
		for (uint32_t i = 0; i < count; i++) {
			size_t off = t->text.len;
			bool inlined = false;
			int err = gs_report_line_name(t->r, loc, i, &t->text, &inlined);
			if (err)
				return err;
			if (t->text.len > UINT32_MAX)
				return -E2BIG;
			t->frames[t->n_frames++] = (struct frame){(uint32_t)off,
								  (uint32_t)(t->text.len - off), inlined};
		}
		t->loc_frames[loc] = first << 32 | count;
	}
	*out = t->frames + (t->loc_frames[loc] >> 32);
	*n = (uint32_t)t->loc_frames[loc];
	return 0;
}

/* pprof keeps string labels (str set) and numeric ones (num or unit set) apart and ignores a
 * label with neither. */
static bool is_str_label(const struct gs_label *l)
{
	return l->str != 0;
}

static bool is_num_label(const struct gs_label *l)
{
	return !l->str && (l->num || l->num_unit);
}

struct line_ref {
	size_t off, len;
};

static int line_cmp(const char *base, const struct line_ref *a, const struct line_ref *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(base + a->off, base + b->off, n);
	if (c)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

/* Appends the label lines of one kind ("%10s:  v1 v2\n" per key) for labels[0..n) to t->text,
 * sorted as strings as pprof sorts them. The set is sorted by key, so a key's labels of one
 * kind are adjacent. */
static int label_lines(struct traces *t, const struct gs_label *labels, uint32_t n, bool numeric)
{
	struct gs_buf *lines = &t->tmp;
	struct line_ref refs_small[16], *refs = refs_small;
	size_t n_refs = 0, cap_refs = GS_ARRAY_LEN(refs_small);
	int err = 0;
	gs_buf_reset(lines);
	for (uint32_t i = 0; i < n && !err;) {
		bool want = numeric ? is_num_label(&labels[i]) : is_str_label(&labels[i]);
		if (!want) {
			i++;
			continue;
		}
		if (n_refs == cap_refs) {
			struct line_ref *grown = malloc(cap_refs * 2 * sizeof(*grown));
			if (!grown) {
				err = -ENOMEM;
				break;
			}
			memcpy(grown, refs, n_refs * sizeof(*refs));
			if (refs != refs_small)
				free(refs);
			refs = grown;
			cap_refs *= 2;
		}
		size_t off = lines->len;
		const struct gs_str *key = gs_report_string(t->r, labels[i].key);
		char keytext[64];
		/* %10s: pad by runes; the key itself goes in unchanged. */
		size_t runes = gs_measure_runes(key->p, key->len);
		if (runes < 10) {
			memset(keytext, ' ', 10 - runes);
			err = gs_buf_add(lines, keytext, 10 - runes);
		}
		if (!err)
			err = gs_buf_add(lines, key->p, key->len);
		if (!err)
			err = gs_buf_addstr(lines, ":  ");
		uint32_t k = labels[i].key;
		bool first = true;
		for (; i < n && labels[i].key == k && !err; i++) {
			const struct gs_label *l = &labels[i];
			if (numeric ? !is_num_label(l) : !is_str_label(l))
				continue;
			if (!first)
				err = gs_buf_addch(lines, ' ');
			first = false;
			if (err)
				break;
			if (numeric) {
				err = gs_measure_label(lines, l->num, gs_report_num_label_unit(t->r, k), "auto");
			} else {
				const struct gs_str *v = gs_report_string(t->r, l->str);
				err = gs_buf_add(lines, v->p, v->len);
			}
		}
		if (!err)
			err = gs_buf_addch(lines, '\n');
		refs[n_refs++] = (struct line_ref){off, lines->len - off};
	}
	/* insertion sort: a sample has few label keys */
	for (size_t i = 1; i < n_refs && !err; i++) {
		struct line_ref cur = refs[i];
		size_t j = i;
		while (j > 0 && line_cmp(lines->data, &refs[j - 1], &cur) > 0) {
			refs[j] = refs[j - 1];
			j--;
		}
		refs[j] = cur;
	}
	for (size_t i = 0; i < n_refs && !err; i++)
		err = gs_buf_add(&t->text, lines->data + refs[i].off, refs[i].len);
	if (refs != refs_small)
		free(refs);
	return err;
}

/* The label lines of label set set (string labels, then numeric ones). */
static int set_lines(struct traces *t, uint32_t set, const char **text, size_t *len)
{
	if (t->set_text[set] == UINT64_MAX) {
		uint32_t n;
		const struct gs_label *labels = gs_profile_labelset(t->r->prof, set, &n);
		size_t off = t->text.len;
		int err = label_lines(t, labels, n, false);
		if (!err)
			err = label_lines(t, labels, n, true);
		if (err)
			return err;
		if (off > UINT32_MAX || t->text.len - off > UINT32_MAX)
			return -E2BIG;
		t->set_text[set] = (uint64_t)off << 32 | (t->text.len - off);
	}
	*text = t->text.data + (t->set_text[set] >> 32);
	*len = (uint32_t)t->set_text[set];
	return 0;
}

static int64_t sample_value(const struct gs_report *r, size_t i)
{
	int64_t v = gs_report_sample_value(r, i);
	int64_t d = gs_report_sample_divisor(r, i);
	return d ? gs_i64_div(v, d) : v;
}

static bool sample_has_frames(const struct gs_profile *p, size_t i)
{
	uint32_t n;
	gs_profile_stack(p, p->samples[i].stack, &n);
	return n > 0;
}

static int header_text(const struct gs_report *r, struct gs_buf *b)
{
	struct gs_out o;
	gs_out_init(&o, NULL, NULL);
	int err = gs_report_profile_labels(r, &o);
	if (!err && o.buf.len == 0)
		err = gs_buf_addch(&o.buf, '\n'); /* pprof prints the empty header as a blank line */
	if (!err)
		err = gs_buf_add(b, o.buf.data, o.buf.len);
	gs_out_release(&o);
	return err;
}

int gs_report_traces_text(const struct gs_report *r, struct gs_out *out, struct gs_ctx *ctx)
{
	const struct gs_profile *p = r->prof;
	struct traces t;
	struct gs_buf value = GS_BUF_INIT;
	int err = traces_init(&t, r);
	if (!err) {
		err = header_text(r, &t.tmp);
		if (!err)
			err = gs_out_add(out, t.tmp.data, t.tmp.len);
	}
	for (size_t i = 0; i < p->n_samples && !err; i++) {
		if (!sample_has_frames(p, i))
			continue;
		const char *labels;
		size_t labels_len;
		err = gs_out_str(out, SEPARATOR);
		if (!err)
			err = set_lines(&t, p->samples[i].labels, &labels, &labels_len);
		if (!err)
			err = gs_out_add(out, labels, labels_len);
		gs_buf_reset(&value);
		if (!err)
			err = gs_measure_fmt_value(&t.fmt, &value, sample_value(r, i));
		uint32_t depth;
		const uint32_t *locs = gs_profile_stack(p, p->samples[i].stack, &depth);
		bool first = true;
		for (uint32_t d = 0; d < depth && !err; d++) {
			const struct frame *frames;
			uint32_t n;
			err = loc_frames(&t, locs[d], &frames, &n);
			for (uint32_t k = 0; k < n && !err; k++) {
				/* "%10s   %s%s\n", written piece by piece straight into out */
				if (first) {
					gs_buf_reset(&t.tmp);
					err = gs_measure_pad_left(&t.tmp, value.data, 10);
					if (!err)
						err = gs_out_add(out, t.tmp.data, t.tmp.len);
					first = false;
				} else {
					err = gs_out_add(out, "          ", 10);
				}
				if (!err)
					err = gs_out_add(out, "   ", 3);
				if (!err)
					err = gs_out_add(out, t.text.data + frames[k].off, frames[k].len);
				if (!err)
					err = frames[k].inlined ? gs_out_add(out, " (inline)\n", 10)
								: gs_out_add(out, "\n", 1);
			}
		}
		if (!err && (i & 0xffff) == 0)
			err = gs_ctx_progress(ctx, "traces", i, p->n_samples);
	}
	if (!err)
		err = gs_out_str(out, SEPARATOR);
	traces_release(&t);
	gs_buf_release(&value);
	if (err && err != -ECANCELED)
		return gs_ctx_err(ctx, err, "traces: %s", strerror(-err));
	return err;
}

static void json_labels(struct traces *t, struct gs_json *j, uint32_t set)
{
	const struct gs_profile *p = t->r->prof;
	uint32_t n;
	const struct gs_label *labels = gs_profile_labelset(p, set, &n);
	for (int numeric = 0; numeric < 2; numeric++) {
		gs_json_key(j, numeric ? "num_labels" : "labels");
		gs_json_obj_begin(j);
		for (uint32_t i = 0; i < n;) {
			const struct gs_label *l = &labels[i];
			if (numeric ? !is_num_label(l) : !is_str_label(l)) {
				i++;
				continue;
			}
			gs_json_key(j, gs_profile_str(p, l->key));
			gs_json_arr_begin(j);
			for (uint32_t k = l->key; i < n && labels[i].key == k; i++) {
				const struct gs_label *v = &labels[i];
				if (numeric ? !is_num_label(v) : !is_str_label(v))
					continue;
				if (!numeric) {
					const struct gs_str *s = gs_report_string(t->r, v->str);
					gs_json_strn(j, s->p, s->len);
					continue;
				}
				gs_json_obj_begin(j);
				gs_json_ki64(j, "value", v->num);
				gs_json_kstr(j, "unit", gs_report_num_label_unit(t->r, k));
				gs_buf_reset(&t->tmp);
				gs_measure_label(&t->tmp, v->num, gs_report_num_label_unit(t->r, k), "auto");
				gs_json_kstr(j, "text", t->tmp.data);
				gs_json_obj_end(j);
			}
			gs_json_arr_end(j);
		}
		gs_json_obj_end(j);
	}
}

static int json_header(const struct gs_report *r, struct gs_json *j)
{
	struct gs_out o;
	gs_out_init(&o, NULL, NULL);
	int err = gs_report_profile_labels(r, &o);
	if (!err)
		err = gs_report_json_lines(j, "header", o.buf.data, o.buf.len);
	gs_out_release(&o);
	return err;
}

int gs_report_traces_json(const struct gs_report *r, struct gs_out *out, struct gs_ctx *ctx)
{
	const struct gs_profile *p = r->prof;
	struct traces t;
	struct gs_json j;
	int err = traces_init(&t, r);
	gs_json_init(&j, out, true);
	gs_json_obj_begin(&j);
	gs_json_kstr(&j, "sample_type", r->sample_type);
	gs_json_kstr(&j, "sample_unit", r->sample_unit);
	gs_json_ki64(&j, "total", r->total);
	if (!err)
		err = json_header(r, &j);
	gs_json_key(&j, "traces");
	gs_json_arr_begin(&j);
	for (size_t i = 0; i < p->n_samples && !err; i++) {
		if (!sample_has_frames(p, i))
			continue;
		int64_t v = sample_value(r, i);
		gs_json_obj_begin(&j);
		json_labels(&t, &j, p->samples[i].labels);
		gs_json_ki64(&j, "value", v);
		gs_buf_reset(&t.tmp);
		gs_measure_fmt_value(&t.fmt, &t.tmp, v);
		gs_json_kstr(&j, "text", t.tmp.data);
		gs_json_key(&j, "frames");
		gs_json_arr_begin(&j);
		uint32_t depth;
		const uint32_t *locs = gs_profile_stack(p, p->samples[i].stack, &depth);
		for (uint32_t d = 0; d < depth && !err; d++) {
			const struct frame *frames;
			uint32_t n;
			err = loc_frames(&t, locs[d], &frames, &n);
			for (uint32_t k = 0; k < n && !err; k++) {
				gs_json_obj_begin(&j);
				gs_json_key(&j, "name");
				gs_json_strn(&j, t.text.data + frames[k].off, frames[k].len);
				gs_json_kbool(&j, "inline", frames[k].inlined);
				gs_json_obj_end(&j);
			}
		}
		gs_json_arr_end(&j);
		gs_json_obj_end(&j);
		if (!err)
			err = out->err;
		if (!err && (i & 0xffff) == 0)
			err = gs_ctx_progress(ctx, "traces", i, p->n_samples);
	}
	gs_json_arr_end(&j);
	gs_json_obj_end(&j);
	gs_json_end(&j);
	if (!err)
		err = out->err;
	traces_release(&t);
	if (err && err != -ECANCELED)
		return gs_ctx_err(ctx, err, "traces: %s", strerror(-err));
	return err;
}
