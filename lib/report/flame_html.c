/* The self-contained flame graph page: web/flame.html with web/flame.css, web/flame.js and
 * the call tree inlined, so the file opens anywhere without network access. The tree is
 * shipped compactly: a string table, frame arrays and per-node arrays in preorder (frame,
 * depth, value), values divided by their greatest common divisor. Layout and drawing happen
 * in the browser (web/flame.js); this file only writes data. */
#include "goscope/flame.h"
#include "goscope/web.h"

/* Page data goes inside <script type="application/json">: a '<' (only possible inside a JSON
 * string) is written as \u003c so that no "</script>" can end the element early. */
struct html_escape {
	struct gs_out *out;
};

static int write_escaped(void *arg, const void *p, size_t n)
{
	struct html_escape *h = arg;
	const char *s = p, *run = s;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '<')
			continue;
		gs_out_add(h->out, run, (size_t)(s + i - run));
		gs_out_add(h->out, "\\u003c", 6);
		run = s + i + 1;
	}
	gs_out_add(h->out, run, (size_t)(s + n - run));
	return h->out->err;
}

static uint64_t gcd64(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/* Decimal digits of v, appended: the page has millions of numbers and printf is slow. */
static void put_u64(struct gs_out *o, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	gs_out_add(o, tmp + i, sizeof(tmp) - i);
}

static void put_u64_array(struct gs_out *o, const char *key, const struct gs_flame *f,
			  int which, uint64_t div)
{
	gs_out_printf(o, ",\"%s\":[", key);
	for (size_t i = 0; i < f->n_nodes; i++) {
		const struct gs_flame_node *nd = &f->nodes[i];
		uint64_t v;
		switch (which) {
		case 0:
			v = nd->frame;
			break;
		case 1:
			v = nd->depth;
			break;
		case 2:
			v = (uint64_t)nd->pos / div;
			break;
		default:
			v = (uint64_t)nd->neg / div;
			break;
		}
		if (i)
			gs_out_add(o, ",", 1);
		put_u64(o, v);
	}
	gs_out_add(o, "]", 1);
}

static void put_frame_array(struct gs_json *j, const char *key, const struct gs_flame *f,
			    int which)
{
	gs_json_key(j, key);
	gs_json_arr_begin(j);
	for (size_t i = 0; i < f->n_frames; i++) {
		const struct gs_flame_frame *fr = &f->frames[i];
		gs_json_u64(j, which == 0 ? fr->name : which == 1 ? fr->file
				       : which == 2 ? fr->color : fr->inlined);
	}
	gs_json_arr_end(j);
}

int gs_flame_format_value(const struct gs_flame *f, struct gs_buf *b, int64_t value)
{
	return gs_measure_label(b, value, gs_flame_str(f, f->sample_unit), "auto");
}

static int write_data(const struct gs_flame *f, const struct gs_flame_page *page,
		      struct gs_out *o)
{
	struct gs_json j;
	struct gs_buf total = GS_BUF_INIT;
	const char *unit = NULL;
	const char *sample_unit = gs_flame_str(f, f->sample_unit);
	double scale = gs_measure_scale(1, sample_unit, "default", &unit);
	uint64_t div = 0;
	int err;

	/* JavaScript numbers are doubles: dividing by the common factor (the sampling period of a
	 * CPU profile) keeps sums exact and the page small. */
	for (size_t i = 0; i < f->n_nodes && div != 1; i++) {
		div = gcd64(div, (uint64_t)f->nodes[i].pos);
		div = gcd64(div, (uint64_t)f->nodes[i].neg);
	}
	if (!div)
		div = 1;
	if (!unit || !strcmp(unit, "default"))
		unit = "";
	err = gs_flame_format_value(f, &total, f->total);
	if (err)
		return err;

	gs_json_init(&j, o, false);
	gs_json_obj_begin(&j);
	gs_json_ki64(&j, "version", 1);
	gs_json_kstr(&j, "title", page && page->title ? page->title : "");
	gs_json_kstr(&j, "subtitle", page && page->subtitle ? page->subtitle : "");
	gs_json_kstr(&j, "type", gs_flame_str(f, f->sample_type));
	gs_json_kstr(&j, "sampleUnit", sample_unit);
	gs_json_kstr(&j, "unit", unit);
	gs_json_kf64(&j, "scale", scale * (double)div);
	gs_json_kf64(&j, "total", (double)f->total / (double)div);
	gs_json_kstr(&j, "totalText", total.data ? total.data : "0");
	gs_json_kbool(&j, "diff", f->diff);
	gs_json_kbool(&j, "flame", page && page->flame);
	gs_json_ku64(&j, "samples", f->n_samples);
	gs_json_key(&j, "strings");
	gs_json_arr_begin(&j);
	for (size_t i = 0; i < f->strings.len; i++)
		gs_json_strn(&j, f->strings.items[i].p, f->strings.items[i].len);
	gs_json_arr_end(&j);
	put_frame_array(&j, "frameName", f, 0);
	put_frame_array(&j, "frameFile", f, 1);
	put_frame_array(&j, "frameColor", f, 2);
	put_frame_array(&j, "frameInline", f, 3);
	/* the node arrays are written directly: the JSON writer's per-value work would dominate */
	put_u64_array(o, "nodeFrame", f, 0, div);
	put_u64_array(o, "nodeDepth", f, 1, div);
	put_u64_array(o, "nodeValue", f, 2, div);
	if (f->diff)
		put_u64_array(o, "nodeNeg", f, 3, div);
	gs_out_add(o, "}", 1);
	gs_buf_release(&total);
	return o->err;
}

/* Copies template text, replacing each "<!--GS:NAME-->" marker. */
static int expand(const struct gs_flame *f, const struct gs_flame_page *page, const char *tpl,
		  struct gs_out *out, struct gs_ctx *ctx)
{
	const char *p = tpl;
	for (;;) {
		const char *m = strstr(p, "<!--GS:");
		if (!m) {
			gs_out_str(out, p);
			break;
		}
		gs_out_add(out, p, (size_t)(m - p));
		const char *name = m + 7;
		const char *end = strstr(name, "-->");
		if (!end)
			return gs_ctx_err(ctx, -EINVAL, "web/flame.html: unterminated marker");
		size_t n = (size_t)(end - name);
		p = end + 3;
		if (n == 5 && !strncmp(name, "TITLE", 5)) {
			/* HTML text: escape the few characters that matter */
			const char *t = page && page->title && *page->title ? page->title
									    : "flame graph";
			for (; *t; t++) {
				if (*t == '<')
					gs_out_str(out, "&lt;");
				else if (*t == '>')
					gs_out_str(out, "&gt;");
				else if (*t == '&')
					gs_out_str(out, "&amp;");
				else
					gs_out_add(out, t, 1);
			}
		} else if (n == 4 && !strncmp(name, "DATA", 4)) {
			struct html_escape h = {out};
			struct gs_out data;
			gs_out_init(&data, write_escaped, &h);
			int err = write_data(f, page, &data);
			int err2 = gs_out_release(&data);
			if (err || err2)
				return err ? err : err2;
		} else {
			char file[64];
			snprintf(file, sizeof(file), "%.*s", (int)(n < 40 ? n : 40), name);
			const struct gs_web_asset *a = gs_web_asset_find(file);
			if (!a)
				return gs_ctx_err(ctx, -ENOENT, "web asset '%s' is not built in", file);
			gs_out_add(out, a->data, a->len);
		}
		if (out->err)
			return out->err;
	}
	return out->err;
}

int gs_flame_write_html(const struct gs_flame *f, const struct gs_flame_page *page,
			struct gs_out *out, struct gs_ctx *ctx)
{
	const struct gs_web_asset *tpl = gs_web_asset_find("flame.html");
	if (!tpl)
		return gs_ctx_err(ctx, -ENOENT, "web asset 'flame.html' is not built in");
	int err = expand(f, page, (const char *)tpl->data, out, ctx);
	if (err && !ctx->errmsg[0])
		gs_ctx_err(ctx, err, "cannot write the page: %s", strerror(-err));
	return err;
}
