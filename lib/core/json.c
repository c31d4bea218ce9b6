/* A streaming JSON writer: the caller states the structure, the writer adds commas,
 * indentation and escapes. Errors of the sink are kept in the gs_out and reported when it is
 * released, so call sites stay linear. */
#include <math.h>

#include "goscope/core.h"

void gs_json_init(struct gs_json *j, struct gs_out *out, bool pretty)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
	j->pretty = pretty;
}

static void indent(struct gs_json *j)
{
	if (!j->pretty)
		return;
	gs_out_add(j->out, "\n", 1);
	for (int i = 0; i < j->depth; i++)
		gs_out_add(j->out, "  ", 2);
}

/* Before any value: a comma if a sibling came first, and the indentation. */
static void before_value(struct gs_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth > 0) {
		if (j->need_comma[j->depth])
			gs_out_add(j->out, ",", 1);
		indent(j);
	}
	if (j->depth < GS_JSON_MAX_DEPTH)
		j->need_comma[j->depth] = true;
}

static void open(struct gs_json *j, char c)
{
	before_value(j);
	gs_out_add(j->out, &c, 1);
	if (j->depth + 1 < GS_JSON_MAX_DEPTH)
		j->depth++;
	j->need_comma[j->depth] = false;
}

static void close(struct gs_json *j, char c)
{
	bool had = j->need_comma[j->depth];
	if (j->depth > 0)
		j->depth--;
	if (had)
		indent(j);
	gs_out_add(j->out, &c, 1);
}

void gs_json_obj_begin(struct gs_json *j) { open(j, '{'); }
void gs_json_obj_end(struct gs_json *j) { close(j, '}'); }
void gs_json_arr_begin(struct gs_json *j) { open(j, '['); }
void gs_json_arr_end(struct gs_json *j) { close(j, ']'); }

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

static void write_string(struct gs_out *o, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t run = 0;
	gs_out_add(o, "\"", 1);
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		const char *esc = NULL;
		char ubuf[8];
		size_t len = 1;
		if (c == '"')
			esc = "\\\"";
		else if (c == '\\')
			esc = "\\\\";
		else if (c == '\n')
			esc = "\\n";
		else if (c == '\t')
			esc = "\\t";
		else if (c == '\r')
			esc = "\\r";
		else if (c < 0x20) {
			snprintf(ubuf, sizeof(ubuf), "\\u%04x", c);
			esc = ubuf;
		} else if (c >= 0x80) {
			len = utf8_len(s + i, n - i);
			if (!len) {
				esc = "\\ufffd";
				len = 1;
			}
		}
		if (esc) {
			if (run)
				gs_out_add(o, s + i - run, run);
			run = 0;
			gs_out_str(o, esc);
		} else {
			run += len;
		}
		i += len;
	}
	if (run)
		gs_out_add(o, s + n - run, run);
	gs_out_add(o, "\"", 1);
}

void gs_json_key(struct gs_json *j, const char *key)
{
	before_value(j);
	write_string(j->out, key, strlen(key));
	gs_out_add(j->out, j->pretty ? ": " : ":", j->pretty ? 2 : 1);
	j->after_key = true;
}

void gs_json_strn(struct gs_json *j, const char *s, size_t n)
{
	before_value(j);
	write_string(j->out, s, n);
}

void gs_json_str(struct gs_json *j, const char *s)
{
	if (!s) {
		gs_json_null(j);
		return;
	}
	gs_json_strn(j, s, strlen(s));
}

void gs_json_i64(struct gs_json *j, int64_t v)
{
	before_value(j);
	gs_out_printf(j->out, "%lld", (long long)v);
}

void gs_json_u64(struct gs_json *j, uint64_t v)
{
	before_value(j);
	gs_out_printf(j->out, "%llu", (unsigned long long)v);
}

void gs_json_f64(struct gs_json *j, double v)
{
	char tmp[40];
	before_value(j);
	if (!isfinite(v)) {
		gs_out_str(j->out, "null");
		return;
	}
	/* range first: converting a larger double to int64_t is undefined */
	if (fabs(v) < 1e15 && v == (double)(int64_t)v) {
		gs_out_printf(j->out, "%lld", (long long)v);
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	gs_out_str(j->out, tmp);
}

void gs_json_bool(struct gs_json *j, bool v)
{
	before_value(j);
	gs_out_str(j->out, v ? "true" : "false");
}

void gs_json_null(struct gs_json *j)
{
	before_value(j);
	gs_out_str(j->out, "null");
}

void gs_json_kstr(struct gs_json *j, const char *key, const char *s) { gs_json_key(j, key); gs_json_str(j, s); }
void gs_json_ki64(struct gs_json *j, const char *key, int64_t v) { gs_json_key(j, key); gs_json_i64(j, v); }
void gs_json_ku64(struct gs_json *j, const char *key, uint64_t v) { gs_json_key(j, key); gs_json_u64(j, v); }
void gs_json_kf64(struct gs_json *j, const char *key, double v) { gs_json_key(j, key); gs_json_f64(j, v); }
void gs_json_kbool(struct gs_json *j, const char *key, bool v) { gs_json_key(j, key); gs_json_bool(j, v); }

void gs_json_end(struct gs_json *j)
{
	gs_out_add(j->out, "\n", 1);
}
