/* Static SVG flame graph: the call tree drawn in flame orientation (root at the bottom), with
 * the same colours as the HTML page, names cut to fit their box and a <title> per box as
 * tooltip. No script: it is meant for documents and issue trackers. Boxes narrower than a
 * tenth of a pixel are left out with their subtrees. */
#include <math.h>

#include "goscope/flame.h"

#define ROW_H 16
#define FONT_PX 11
#define CHAR_W 6.6 /* advance of an 11px monospace character */
#define MARGIN 10
#define HEADER_H 46
#define FOOTER_H 12
#define MIN_BOX_W 0.1

/* Appends s with XML escapes; bytes that are not valid UTF-8 or not allowed in XML 1.0
 * become '?', so the document always parses. At most max_chars characters (0 = all). */
static void put_xml(struct gs_out *o, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		unsigned char c = u[i];
		size_t len = 1;
		if (c < 0x80) {
			switch (c) {
			case '&':
				gs_out_str(o, "&amp;");
				break;
			case '<':
				gs_out_str(o, "&lt;");
				break;
			case '>':
				gs_out_str(o, "&gt;");
				break;
			case '"':
				gs_out_str(o, "&quot;");
				break;
			default:
				if (c < 0x20 && c != '\t')
					gs_out_add(o, "?", 1);
				else
					gs_out_add(o, &c, 1);
			}
		} else {
			len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
						     : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
			bool ok = len && i + len <= n;
			for (size_t k = 1; ok && k < len; k++)
				ok = (u[i + k] & 0xc0) == 0x80;
			if (ok && len == 3) {
				uint32_t cp = (uint32_t)(c & 0x0f) << 12 | (uint32_t)(u[i + 1] & 0x3f) << 6 |
					      (u[i + 2] & 0x3f);
				ok = cp >= 0x800 && (cp < 0xd800 || cp > 0xdfff) && cp != 0xfffe &&
				     cp != 0xffff;
			}
			if (ok && len == 4) {
				uint32_t cp = (uint32_t)(c & 0x07) << 18 | (uint32_t)(u[i + 1] & 0x3f) << 12;
				ok = cp >= 0x10000 && cp <= 0x10ffff;
			}
			if (ok) {
				gs_out_add(o, u + i, len);
			} else {
				gs_out_add(o, "?", 1);
				len = 1;
			}
		}
		i += len;
	}
}

/* Byte length of the first max characters of s (UTF-8). */
static size_t utf8_prefix(const char *s, size_t n, size_t max, size_t *chars)
{
	size_t i = 0, c = 0;
	while (i < n && c < max) {
		i++;
		while (i < n && ((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
		c++;
	}
	*chars = c;
	return i;
}

static size_t utf8_chars(const char *s, size_t n)
{
	size_t c;
	utf8_prefix(s, n, SIZE_MAX, &c);
	return c;
}

static void fill_color(const struct gs_flame *f, const struct gs_flame_node *nd, char *buf,
		       size_t n)
{
	if (f->diff) {
		double w = (double)nd->pos + (double)nd->neg;
		double r = w > 0 ? ((double)nd->pos - (double)nd->neg) / w : 0;
		int k = (int)(fabs(r) * 150);
		if (r > 0)
			snprintf(buf, n, "rgb(255,%d,%d)", 235 - k, 235 - k);
		else if (r < 0)
			snprintf(buf, n, "rgb(%d,255,%d)", 235 - k, 235 - k);
		else
			snprintf(buf, n, "rgb(220,223,228)");
		return;
	}
	if (nd->parent == GS_NONE) {
		snprintf(buf, n, "rgb(201,206,214)");
		return;
	}
	uint32_t c = f->frames[nd->frame].color;
	double hue = fmod(((double)c + 1) * 1.618033988 * 360.0, 360.0);
	snprintf(buf, n, "hsl(%.1f,58%%,76%%)", hue);
}

static void value_text(const struct gs_flame *f, struct gs_buf *b, int64_t v)
{
	char pct[64];
	gs_flame_format_value(f, b, v);
	double ratio = f->total ? 100.0 * (double)v / (double)f->total : 0;
	snprintf(pct, sizeof(pct), " (%.1f%%)", ratio);
	gs_buf_addstr(b, pct);
}

int gs_flame_write_svg(const struct gs_flame *f, const struct gs_flame_page *page,
		       unsigned width, struct gs_out *out, struct gs_ctx *ctx)
{
	double *cursor = NULL;
	struct gs_buf t;
	char fill[64];

	if (!width)
		width = 1200;
	unsigned rows = f->max_depth + 1;
	unsigned height = HEADER_H + rows * ROW_H + FOOTER_H;
	double usable = (double)width - 2 * MARGIN;
	const struct gs_flame_node *root = &f->nodes[0];
	double total_w = (double)root->pos + (double)root->neg;
	double scale = total_w > 0 ? usable / total_w : 0;

	cursor = calloc(rows + 1, sizeof(*cursor));
	if (!cursor)
		return gs_ctx_err(ctx, -ENOMEM, "out of memory");
	gs_buf_init(&t, 0);

	gs_out_str(out, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n");
	gs_out_printf(out,
		      "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%u\" "
		      "height=\"%u\" viewBox=\"0 0 %u %u\" font-family=\"ui-monospace, Menlo, "
		      "Consolas, 'DejaVu Sans Mono', monospace\" font-size=\"%d\">\n",
		      width, height, width, height, FONT_PX);
	gs_out_printf(out, "<rect x=\"0\" y=\"0\" width=\"%u\" height=\"%u\" fill=\"#f6f7f9\"/>\n",
		      width, height);

	/* header: title, type and total */
	gs_buf_reset(&t);
	if (page && page->title && *page->title)
		gs_buf_addf(&t, "%s · ", page->title);
	gs_buf_addf(&t, "%s%s: ", gs_flame_str(f, f->sample_type), f->diff ? " (diff)" : "");
	gs_flame_format_value(f, &t, f->total);
	gs_buf_addstr(&t, " total");
	gs_out_printf(out, "<text x=\"%d\" y=\"22\" font-size=\"15\" font-weight=\"bold\" "
		      "font-family=\"system-ui, sans-serif\" fill=\"#1d2430\">", MARGIN);
	put_xml(out, t.data, t.len);
	gs_out_str(out, "</text>\n");
	if (page && page->subtitle && *page->subtitle) {
		gs_out_printf(out, "<text x=\"%d\" y=\"38\" fill=\"#5b6575\" "
			      "font-family=\"system-ui, sans-serif\">", MARGIN);
		put_xml(out, page->subtitle, strlen(page->subtitle));
		gs_out_str(out, "</text>\n");
	}

	cursor[0] = MARGIN;
	for (size_t i = 0; i < f->n_nodes;) {
		const struct gs_flame_node *nd = &f->nodes[i];
		const struct gs_flame_frame *fr = &f->frames[nd->frame];
		double w = ((double)nd->pos + (double)nd->neg) * scale;
		double x = nd->depth ? cursor[nd->depth - 1] : MARGIN;
		if (nd->depth)
			cursor[nd->depth - 1] += w;
		if (w < MIN_BOX_W) {
			i = nd->end; /* children are narrower still */
			continue;
		}
		cursor[nd->depth] = x;
		double y = HEADER_H + (double)(rows - 1 - nd->depth) * ROW_H;
		const char *name = nd->parent == GS_NONE ? "root" : gs_flame_str(f, fr->name);
		size_t name_len = strlen(name);

		gs_buf_reset(&t);
		gs_buf_add(&t, name, name_len);
		if (fr->inlined)
			gs_buf_addstr(&t, " (inlined)");
		gs_buf_addstr(&t, "\n");
		value_text(f, &t, nd->pos - nd->neg);
		gs_buf_addstr(&t, " | self ");
		value_text(f, &t, nd->self);
		if (f->diff) {
			gs_buf_addstr(&t, "\nbase ");
			gs_flame_format_value(f, &t, nd->neg);
			gs_buf_addstr(&t, " -> new ");
			gs_flame_format_value(f, &t, nd->pos);
		}
		if (*gs_flame_str(f, fr->file)) {
			gs_buf_addstr(&t, "\n");
			gs_buf_addstr(&t, gs_flame_str(f, fr->file));
		}
		gs_out_str(out, "<g><title>");
		put_xml(out, t.data, t.len);
		fill_color(f, nd, fill, sizeof(fill));
		/* inlined frames touch their caller (below them): no separating gap */
		double h = fr->inlined ? ROW_H : ROW_H - 1;
		gs_out_printf(out, "</title><rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" "
			      "fill=\"%s\"/>",
			      x, y, w > 1 ? w - 0.5 : w, h, fill);
		size_t fit = w > 3 * CHAR_W ? (size_t)((w - 6) / CHAR_W) : 0;
		if (fit >= 3) {
			size_t chars, bytes;
			gs_out_printf(out, "<text x=\"%.2f\" y=\"%.1f\" fill=\"#1d2430\">", x + 3,
				      y + ROW_H - 4.5);
			if (utf8_chars(name, name_len) <= fit) {
				put_xml(out, name, name_len);
			} else {
				bytes = utf8_prefix(name, name_len, fit - 2, &chars);
				put_xml(out, name, bytes);
				gs_out_str(out, "..");
			}
			gs_out_str(out, "</text>");
		}
		gs_out_str(out, "</g>\n");
		if (out->err)
			break;
		i++;
	}
	gs_out_str(out, "</svg>\n");
	free(cursor);
	gs_buf_release(&t);
	return out->err;
}
