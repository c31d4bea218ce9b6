/* The tags report (`go tool pprof -tags`): for every label key, the weight of each of its values
 * and the key's share of the report total, laid out by a copy of the behaviour of Go's
 * text/tabwriter (right-aligned, padding 1), and the same numbers as JSON. Works on a prepared
 * report (filters and sample index already applied); does not print the profile header,
 * because pprof does not. */
#include "goscope/report.h"

/* ------------------------------------------------------------------------------------------
 * A text/tabwriter with pprof's settings (minwidth 0, padding 1, pad ' ', AlignRight): cells
 * end at '\t' or '\v', lines at '\n' or '\f'; a column block is a run of lines that have a cell
 * in that column (the last cell of a line is never in a column); a line with a single cell,
 * or '\f', flushes. Text between two 0xff bytes is not split into cells and its width excludes
 * the two markers. Widths count runes. Column blocks nest as deep as lines have cells, so the
 * block walk uses an explicit stack rather than recursion (a label value may hold many tabs).
 */
struct tw_cell {
	size_t size;  /* bytes of text */
	long width;   /* runes shown */
};

struct tw_frame {
	size_t line0, line1, cur;
	long width; /* of the column this frame formats the lines right of (unused for frame 0) */
};

struct tabw {
	struct gs_out *out;
	struct gs_buf text;        /* text of all cells of the pending lines */
	struct tw_cell *cells;     /* terminated cells, line by line */
	size_t n_cells, cap_cells;
	size_t *line_start;        /* first cell of each line; a line ends where the next starts */
	size_t n_lines, cap_lines;
	struct tw_cell cell;       /* the cell being filled */
	size_t counted;            /* text[0..counted) is already in some cell's width */
	bool escaped;
	size_t pos;                /* next byte of text to write */
	struct tw_frame *frames;
	size_t n_frames, cap_frames;
	int err;
};

static size_t tw_line_cells(const struct tabw *w, size_t line)
{
	size_t end = line + 1 < w->n_lines ? w->line_start[line + 1] : w->n_cells;
	return end - w->line_start[line];
}

static int tw_add_line(struct tabw *w)
{
	int err = gs_grow_array(&w->line_start, &w->cap_lines, w->n_lines + 1, sizeof(size_t));
	if (!err)
		w->line_start[w->n_lines++] = w->n_cells;
	return err;
}

static void tw_reset(struct tabw *w)
{
	gs_buf_reset(&w->text);
	w->n_cells = 0;
	w->n_lines = 0;
	w->cell = (struct tw_cell){0, 0};
	w->counted = 0;
	w->escaped = false;
	w->pos = 0;
	if (!w->err)
		w->err = tw_add_line(w);
}

static int tw_init(struct tabw *w, struct gs_out *out)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	gs_buf_init(&w->text, 0);
	tw_reset(w);
	return w->err;
}

static void tw_release(struct tabw *w)
{
	gs_buf_release(&w->text);
	free(w->cells);
	free(w->line_start);
	free(w->frames);
}

static void tw_update_width(struct tabw *w)
{
	w->cell.width += (long)gs_measure_runes(w->text.data + w->counted, w->text.len - w->counted);
	w->counted = w->text.len;
}

static size_t tw_terminate_cell(struct tabw *w)
{
	if (!w->err)
		w->err = gs_grow_array(&w->cells, &w->cap_cells, w->n_cells + 1, sizeof(*w->cells));
	if (!w->err)
		w->cells[w->n_cells++] = w->cell;
	w->cell = (struct tw_cell){0, 0};
	return tw_line_cells(w, w->n_lines - 1);
}

static void tw_append(struct tabw *w, const char *p, size_t n)
{
	if (!w->err)
		w->err = gs_buf_add(&w->text, p, n);
	w->cell.size += n;
}

static void tw_end_escape(struct tabw *w)
{
	tw_update_width(w);
	w->cell.width -= 2; /* the two 0xff markers are not shown as width */
	w->escaped = false;
}

static void tw_pad(struct tabw *w, long n)
{
	static const char spaces[] = "                                ";
	while (n > 0 && !w->err) {
		long k = n < (long)sizeof(spaces) - 1 ? n : (long)sizeof(spaces) - 1;
		w->err = gs_out_add(w->out, spaces, (size_t)k);
		n -= k;
	}
}

/* Writes lines [line0, line1) with the widths of the frames on the stack (frame k > 0 holds
 * the width of column k-1). */
static void tw_write_lines(struct tabw *w, size_t line0, size_t line1)
{
	size_t n_widths = w->n_frames - 1;
	for (size_t i = line0; i < line1 && !w->err; i++) {
		size_t first = w->line_start[i], n = tw_line_cells(w, i);
		for (size_t j = 0; j < n; j++) {
			const struct tw_cell *c = &w->cells[first + j];
			if (j < n_widths)
				tw_pad(w, w->frames[j + 1].width - c->width);
			if (c->size && !w->err) {
				w->err = gs_out_add(w->out, w->text.data + w->pos, c->size);
				w->pos += c->size;
			}
		}
		if (i + 1 == w->n_lines) {
			if (w->cell.size && !w->err)
				w->err = gs_out_add(w->out, w->text.data + w->pos, w->cell.size);
			w->pos += w->cell.size;
		} else if (!w->err) {
			w->err = gs_out_add(w->out, "\n", 1);
		}
	}
}

static bool tw_push(struct tabw *w, size_t line0, size_t line1, long width)
{
	if (!w->err)
		w->err = gs_grow_array(&w->frames, &w->cap_frames, w->n_frames + 1, sizeof(*w->frames));
	if (w->err)
		return false;
	w->frames[w->n_frames++] = (struct tw_frame){line0, line1, line0, width};
	return true;
}

/* Go's tabwriter format(): for the column of the top frame, find each block of lines that have
 * a cell in it, write the lines before the block, and format the block one column further. */
static void tw_format(struct tabw *w)
{
	w->n_frames = 0;
	if (!tw_push(w, 0, w->n_lines, 0))
		return;
	while (w->n_frames && !w->err) {
		struct tw_frame *f = &w->frames[w->n_frames - 1];
		size_t column = w->n_frames - 1;
		bool descended = false;
		for (; f->cur < f->line1; f->cur++) {
			if (column + 1 >= tw_line_cells(w, f->cur))
				continue;
			tw_write_lines(w, f->line0, f->cur);
			f->line0 = f->cur;
			long width = 0;
			for (; f->cur < f->line1; f->cur++) {
				if (column + 1 >= tw_line_cells(w, f->cur))
					break;
				long cw = w->cells[w->line_start[f->cur] + column].width + 1;
				if (cw > width)
					width = cw;
			}
			size_t line0 = f->line0, line1 = f->cur;
			descended = tw_push(w, line0, line1, width);
			break;
		}
		if (descended || w->err)
			continue;
		tw_write_lines(w, f->line0, f->line1);
		w->n_frames--;
		if (w->n_frames) {
			struct tw_frame *parent = &w->frames[w->n_frames - 1];
			parent->line0 = parent->cur;
			parent->cur++;
		}
	}
}

static void tw_flush(struct tabw *w)
{
	if (w->cell.size) {
		if (w->escaped)
			tw_end_escape(w);
		tw_terminate_cell(w);
	}
	tw_format(w);
	tw_reset(w);
}

static void tw_write(struct tabw *w, const char *p, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len && !w->err; i++) {
		unsigned char ch = (unsigned char)p[i];
		if (w->escaped) {
			if (ch == 0xff) {
				tw_append(w, p + n, i + 1 - n);
				n = i + 1;
				tw_end_escape(w);
			}
			continue;
		}
		if (ch == '\t' || ch == '\v' || ch == '\n' || ch == '\f') {
			tw_append(w, p + n, i - n);
			tw_update_width(w);
			n = i + 1;
			size_t ncells = tw_terminate_cell(w);
			if (ch == '\n' || ch == '\f') {
				if (!w->err)
					w->err = tw_add_line(w);
				if (ch == '\f' || ncells == 1)
					tw_flush(w);
			}
		} else if (ch == 0xff) {
			tw_append(w, p + n, i - n);
			tw_update_width(w);
			n = i;
			w->escaped = true;
		}
	}
	tw_append(w, p + n, len - n);
}

/* ------------------------------------------------------------------------------------------
 * Collecting the tags.
 */
struct tag_value {
	uint32_t key;  /* profile string index of the label key */
	uint32_t name; /* index into tags.names: the value as pprof shows it */
	int64_t weight;
	struct gs_str key_s, name_s; /* the strings, filled in once collection is done */
};

struct tags {
	const struct gs_report *r;
	struct gs_strtab names;
	struct tag_value *values;
	size_t n_values, cap_values;
	struct gs_idxmap value_map;
};

struct value_key {
	const struct tags *t;
	uint32_t key, name;
};

static bool value_eq(const void *arg, uint32_t idx)
{
	const struct value_key *k = arg;
	return k->t->values[idx].key == k->key && k->t->values[idx].name == k->name;
}

static int tags_add(struct tags *t, uint32_t key, const char *name, size_t len, int64_t weight)
{
	uint32_t name_idx, idx;
	bool inserted;
	int err = gs_strtab_intern(&t->names, name, len, 0, &name_idx);
	if (err)
		return err;
	struct value_key k = {t, key, name_idx};
	uint64_t h = gs_hash_u64((uint64_t)key << 32 | name_idx);
	err = gs_grow_array(&t->values, &t->cap_values, t->n_values + 1, sizeof(*t->values));
	if (!err)
		err = gs_idxmap_intern(&t->value_map, h, value_eq, &k, (uint32_t)t->n_values, &idx,
				       &inserted);
	if (err)
		return err;
	if (inserted)
		t->values[t->n_values++] = (struct tag_value){.key = key, .name = name_idx};
	t->values[idx].weight = gs_i64_add_wrap(t->values[idx].weight, weight);
	return 0;
}

const struct gs_str *gs_report_string(const struct gs_report *r, uint32_t idx)
{
	static const struct gs_str empty = {"", 0};
	return idx < r->prof->strings.len ? &r->prof->strings.items[idx] : &empty;
}

const char *gs_report_num_label_unit(const struct gs_report *r, uint32_t key)
{
	if (r->num_label_units && key < r->n_num_label_units && r->num_label_units[key])
		return gs_profile_str(r->prof, r->num_label_units[key]);
	return gs_profile_str(r->prof, key);
}

static int tags_collect(struct tags *t)
{
	const struct gs_report *r = t->r;
	const struct gs_profile *p = r->prof;
	int err = 0;
	/* Sum the weights per label set first: there are far fewer sets than samples. */
	int64_t *sums = calloc(p->n_labelsets ? p->n_labelsets : 1, sizeof(*sums));
	bool *seen = calloc(p->n_labelsets ? p->n_labelsets : 1, sizeof(*seen));
	struct gs_buf num = GS_BUF_INIT;
	if (!sums || !seen) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < p->n_samples; i++) {
		uint32_t set = p->samples[i].labels;
		sums[set] = gs_i64_add_wrap(sums[set], gs_report_sample_value(r, i));
		seen[set] = true;
	}
	for (size_t set = 0; set < p->n_labelsets && !err; set++) {
		uint32_t n;
		const struct gs_label *labels = gs_profile_labelset(p, (uint32_t)set, &n);
		if (!seen[set])
			continue;
		for (uint32_t i = 0; i < n && !err; i++) {
			const struct gs_label *l = &labels[i];
			if (l->str) {
				const struct gs_str *s = gs_report_string(r, l->str);
				err = tags_add(t, l->key, s->p, s->len, sums[set]);
			} else if (l->num || l->num_unit) {
				gs_buf_reset(&num);
				err = gs_measure_label(&num, l->num, gs_report_num_label_unit(r, l->key), r->output_unit);
				if (!err)
					err = tags_add(t, l->key, num.data, num.len, sums[set]);
			}
		}
	}
out:
	gs_buf_release(&num);
	free(sums);
	free(seen);
	return err;
}

static int str_cmp(const struct gs_str *a, const struct gs_str *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->p, b->p, n);
	if (c)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

static uint64_t abs_u64(int64_t v)
{
	return v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
}

/* pprof's order: keys by name; values by |weight| descending, then name. */
static int value_cmp(const void *a, const void *b)
{
	const struct tag_value *x = a, *y = b;
	int c = x->key == y->key ? 0 : str_cmp(&x->key_s, &y->key_s);
	if (c)
		return c;
	uint64_t ax = abs_u64(x->weight), ay = abs_u64(y->weight);
	if (ax != ay)
		return ax > ay ? -1 : 1;
	return str_cmp(&x->name_s, &y->name_s);
}

static void tags_sort(struct tags *t)
{
	for (size_t i = 0; i < t->n_values; i++) {
		t->values[i].key_s = *gs_report_string(t->r, t->values[i].key);
		t->values[i].name_s = t->names.items[t->values[i].name];
	}
	if (t->n_values > 1)
		qsort(t->values, t->n_values, sizeof(*t->values), value_cmp);
}

static int tags_build(struct tags *t, const struct gs_report *r)
{
	memset(t, 0, sizeof(*t));
	t->r = r;
	gs_idxmap_init(&t->value_map);
	int err = gs_strtab_init(&t->names);
	if (!err)
		err = tags_collect(t);
	if (!err)
		tags_sort(t);
	return err;
}

static void tags_release(struct tags *t)
{
	gs_strtab_release(&t->names);
	gs_idxmap_release(&t->value_map);
	free(t->values);
}

/* End of the values of the key at values[start]. */
static size_t key_end(const struct tags *t, size_t start)
{
	size_t end = start;
	while (end < t->n_values && t->values[end].key == t->values[start].key)
		end++;
	return end;
}

static int64_t key_total(const struct tags *t, size_t start, size_t end)
{
	int64_t total = 0;
	for (size_t i = start; i < end; i++)
		total = gs_i64_add_wrap(total, t->values[i].weight);
	return total;
}

int gs_report_tags_text(const struct gs_report *r, struct gs_out *out, struct gs_ctx *ctx)
{
	struct tags t;
	struct tabw w;
	struct gs_measure_fmt f;
	struct gs_buf line = GS_BUF_INIT, total_text = GS_BUF_INIT;
	char pct[GS_MEASURE_PCT_MAX];
	int err = tags_build(&t, r);
	if (err) {
		tags_release(&t);
		return gs_ctx_err(ctx, err, "tags: %s", strerror(-err));
	}
	gs_report_measure_fmt(r, &f);
	err = tw_init(&w, out);
	if (!err)
		err = gs_measure_fmt_value(&f, &total_text, r->total);
	for (size_t start = 0, end; start < t.n_values && !err; start = end) {
		end = key_end(&t, start);
		const struct gs_str *key = &t.values[start].key_s;
		int64_t total = key_total(&t, start, end);
		gs_buf_reset(&line);
		err = gs_buf_add(&line, key->p, key->len);
		if (!err)
			err = gs_buf_addstr(&line, ":\t Total ");
		if (!err)
			err = gs_measure_fmt_value(&f, &line, total);
		if (!err)
			err = gs_buf_addf(&line, " of %s", total_text.data);
		if (!err && r->total > 0)
			err = gs_buf_addf(&line, " (%s)", gs_measure_percent(total, r->total, pct));
		if (!err)
			err = gs_buf_addch(&line, '\n');
		for (size_t i = start; i < end && !err; i++) {
			const struct gs_str *name = &t.values[i].name_s;
			err = gs_buf_addstr(&line, " \t");
			if (!err)
				err = gs_measure_fmt_value(&f, &line, t.values[i].weight);
			if (!err && r->total > 0)
				err = gs_buf_addf(&line, " (%s)",
						  gs_measure_percent(t.values[i].weight, r->total, pct));
			if (!err)
				err = gs_buf_addstr(&line, ":\t ");
			if (!err)
				err = gs_buf_add(&line, name->p, name->len);
			if (!err)
				err = gs_buf_addch(&line, '\n');
		}
		if (!err)
			err = gs_buf_addch(&line, '\n');
		if (!err)
			tw_write(&w, line.data, line.len);
		err = err ? err : w.err;
	}
	if (!err) {
		tw_flush(&w);
		err = w.err;
	}
	tw_release(&w);
	tags_release(&t);
	gs_buf_release(&line);
	gs_buf_release(&total_text);
	if (err)
		return gs_ctx_err(ctx, err, "tags: %s", strerror(-err));
	return 0;
}

int gs_report_tags_json(const struct gs_report *r, struct gs_out *out, struct gs_ctx *ctx)
{
	struct tags t;
	struct gs_json j;
	struct gs_measure_fmt f;
	struct gs_buf tmp = GS_BUF_INIT;
	int err = tags_build(&t, r);
	if (err) {
		tags_release(&t);
		return gs_ctx_err(ctx, err, "tags: %s", strerror(-err));
	}
	gs_report_measure_fmt(r, &f);
	gs_json_init(&j, out, true);
	gs_json_obj_begin(&j);
	gs_json_kstr(&j, "sample_type", r->sample_type);
	gs_json_kstr(&j, "sample_unit", r->sample_unit);
	gs_json_ki64(&j, "total", r->total);
	gs_buf_reset(&tmp);
	gs_measure_fmt_value(&f, &tmp, r->total);
	gs_json_kstr(&j, "total_text", tmp.data);
	gs_json_key(&j, "tags");
	gs_json_arr_begin(&j);
	for (size_t start = 0, end; start < t.n_values; start = end) {
		end = key_end(&t, start);
		const struct gs_str *key = &t.values[start].key_s;
		gs_json_obj_begin(&j);
		gs_json_key(&j, "key");
		gs_json_strn(&j, key->p, key->len);
		gs_measure_json_amount(&j, &f, &tmp, "total", key_total(&t, start, end), r->total);
		gs_json_key(&j, "values");
		gs_json_arr_begin(&j);
		for (size_t i = start; i < end; i++) {
			const struct gs_str *name = &t.values[i].name_s;
			gs_json_obj_begin(&j);
			gs_json_key(&j, "value");
			gs_json_strn(&j, name->p, name->len);
			gs_measure_json_amount(&j, &f, &tmp, "weight", t.values[i].weight, r->total);
			gs_json_obj_end(&j);
		}
		gs_json_arr_end(&j);
		gs_json_obj_end(&j);
	}
	gs_json_arr_end(&j);
	gs_json_obj_end(&j);
	gs_json_end(&j);
	gs_buf_release(&tmp);
	tags_release(&t);
	err = out->err;
	if (err)
		return gs_ctx_err(ctx, err, "tags: %s", strerror(-err));
	return 0;
}
