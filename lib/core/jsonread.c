/* JSON reader: parses a whole document into a tree of values allocated from an arena (RFC
 * 8259, strict: no comments, no trailing commas). The input is hostile: nesting depth, string
 * length and the number of values are bounded, and every error says at which byte offset it
 * happened. Numbers keep an exact int64 when the literal is an integer that fits. */
#include <math.h>

#include "goscope/core.h"

struct jparse {
	const char *s;
	size_t len, off;
	struct gs_arena *arena;
	struct gs_ctx *ctx;
	unsigned max_depth;
	uint64_t values, max_values;
	/* scratch stack of values for arrays/objects being parsed */
	struct gs_jv *stack;
	size_t n_stack, cap_stack;
	struct gs_buf str;
};

static int jerr(struct jparse *jp, const char *what)
{
	return gs_ctx_err(jp->ctx, -EBADMSG, "JSON: %s at byte %zu", what, jp->off);
}

static void skip_ws(struct jparse *jp)
{
	while (jp->off < jp->len) {
		char c = jp->s[jp->off];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		jp->off++;
	}
}

static int push(struct jparse *jp, const struct gs_jv *v)
{
	if (jp->n_stack == jp->cap_stack) {
		size_t n = jp->cap_stack ? jp->cap_stack * 2 : 256;
		struct gs_jv *s = realloc(jp->stack, n * sizeof(*s));
		if (!s)
			return -ENOMEM;
		jp->stack = s;
		jp->cap_stack = n;
	}
	jp->stack[jp->n_stack++] = *v;
	return 0;
}

static int hex4(struct jparse *jp, uint32_t *out)
{
	uint32_t v = 0;
	if (jp->len - jp->off < 4)
		return jerr(jp, "truncated \\u escape");
	for (int i = 0; i < 4; i++) {
		char c = jp->s[jp->off++];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return jerr(jp, "bad \\u escape");
	}
	*out = v;
	return 0;
}

static int put_utf8(struct gs_buf *b, uint32_t cp)
{
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return gs_buf_add(b, u, n);
}

/* A string at jp->off (after the quote) into the arena: *out, *n. */
static int parse_string(struct jparse *jp, const char **out, uint32_t *n)
{
	gs_buf_reset(&jp->str);
	for (;;) {
		size_t start = jp->off;
		while (jp->off < jp->len && jp->s[jp->off] != '"' && jp->s[jp->off] != '\\' &&
		       (unsigned char)jp->s[jp->off] >= 0x20)
			jp->off++;
		if (gs_buf_add(&jp->str, jp->s + start, jp->off - start))
			return gs_ctx_err(jp->ctx, -E2BIG, "JSON: string too long at byte %zu", start);
		if (jp->off >= jp->len)
			return jerr(jp, "unterminated string");
		char c = jp->s[jp->off++];
		if (c == '"')
			break;
		if (c != '\\')
			return jerr(jp, "control character in string");
		if (jp->off >= jp->len)
			return jerr(jp, "unterminated escape");
		char e = jp->s[jp->off++];
		int err = 0;
		uint32_t cp;
		switch (e) {
		case '"': case '\\': case '/':
			err = gs_buf_addch(&jp->str, e);
			break;
		case 'b': err = gs_buf_addch(&jp->str, '\b'); break;
		case 'f': err = gs_buf_addch(&jp->str, '\f'); break;
		case 'n': err = gs_buf_addch(&jp->str, '\n'); break;
		case 'r': err = gs_buf_addch(&jp->str, '\r'); break;
		case 't': err = gs_buf_addch(&jp->str, '\t'); break;
		case 'u':
			if ((err = hex4(jp, &cp)))
				return err;
			if (cp >= 0xd800 && cp <= 0xdbff && jp->len - jp->off >= 6 &&
			    jp->s[jp->off] == '\\' && jp->s[jp->off + 1] == 'u') {
				uint32_t lo;
				size_t save = jp->off;
				jp->off += 2;
				if ((err = hex4(jp, &lo)))
					return err;
				if (lo >= 0xdc00 && lo <= 0xdfff)
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				else
					jp->off = save;
			}
			if (cp >= 0xd800 && cp <= 0xdfff)
				cp = 0xfffd; /* a lone surrogate */
			err = put_utf8(&jp->str, cp);
			break;
		default:
			return jerr(jp, "bad escape");
		}
		if (err)
			return gs_ctx_err(jp->ctx, -E2BIG, "JSON: string too long at byte %zu", jp->off);
	}
	char *p = gs_arena_strndup(jp->arena, jp->str.data ? jp->str.data : "", jp->str.len);
	if (!p)
		return -ENOMEM;
	*out = p;
	*n = (uint32_t)jp->str.len;
	return 0;
}

static int parse_number(struct jparse *jp, struct gs_jv *v)
{
	size_t start = jp->off;
	bool integer = true;
	if (jp->off < jp->len && jp->s[jp->off] == '-')
		jp->off++;
	if (jp->off >= jp->len || jp->s[jp->off] < '0' || jp->s[jp->off] > '9')
		return jerr(jp, "bad number");
	if (jp->s[jp->off] == '0')
		jp->off++;
	else
		while (jp->off < jp->len && jp->s[jp->off] >= '0' && jp->s[jp->off] <= '9')
			jp->off++;
	if (jp->off < jp->len && jp->s[jp->off] == '.') {
		integer = false;
		jp->off++;
		if (jp->off >= jp->len || jp->s[jp->off] < '0' || jp->s[jp->off] > '9')
			return jerr(jp, "bad number");
		while (jp->off < jp->len && jp->s[jp->off] >= '0' && jp->s[jp->off] <= '9')
			jp->off++;
	}
	if (jp->off < jp->len && (jp->s[jp->off] == 'e' || jp->s[jp->off] == 'E')) {
		integer = false;
		jp->off++;
		if (jp->off < jp->len && (jp->s[jp->off] == '+' || jp->s[jp->off] == '-'))
			jp->off++;
		if (jp->off >= jp->len || jp->s[jp->off] < '0' || jp->s[jp->off] > '9')
			return jerr(jp, "bad number");
		while (jp->off < jp->len && jp->s[jp->off] >= '0' && jp->s[jp->off] <= '9')
			jp->off++;
	}
	char tmp[64];
	size_t n = jp->off - start;
	if (n >= sizeof(tmp))
		return jerr(jp, "number too long");
	memcpy(tmp, jp->s + start, n);
	tmp[n] = '\0';
	v->kind = GS_JV_NUM;
	v->is_int = false;
	if (integer && gs_parse_i64(tmp, &v->u.i) == 0) {
		v->is_int = true;
		return 0;
	}
	v->u.d = strtod(tmp, NULL);
	if (!isfinite(v->u.d))
		return jerr(jp, "number out of range");
	return 0;
}

static int parse_value(struct jparse *jp, struct gs_jv *v, unsigned depth);

/* Moves the last n scratch values (and, for objects, their keys) into the arena. */
static int collect(struct jparse *jp, size_t base, struct gs_jv *v)
{
	size_t n = jp->n_stack - base;
	v->len = (uint32_t)n;
	v->u.items = NULL;
	if (n) {
		size_t bytes;
		if (gs_mul_overflows(n, sizeof(struct gs_jv), &bytes))
			return -E2BIG;
		v->u.items = gs_arena_alloc(jp->arena, bytes);
		if (!v->u.items)
			return -ENOMEM;
		memcpy(v->u.items, jp->stack + base, bytes);
	}
	jp->n_stack = base;
	return 0;
}

static int parse_container(struct jparse *jp, struct gs_jv *v, unsigned depth, bool object)
{
	size_t base = jp->n_stack;
	char close = object ? '}' : ']';
	int err;
	v->kind = object ? GS_JV_OBJ : GS_JV_ARR;
	skip_ws(jp);
	if (jp->off < jp->len && jp->s[jp->off] == close) {
		jp->off++;
		return collect(jp, base, v);
	}
	for (;;) {
		struct gs_jv item;
		memset(&item, 0, sizeof(item));
		skip_ws(jp);
		if (object) {
			if (jp->off >= jp->len || jp->s[jp->off] != '"')
				return jerr(jp, "expected a member name");
			jp->off++;
			if ((err = parse_string(jp, &item.key, &item.key_len)))
				return err;
			skip_ws(jp);
			if (jp->off >= jp->len || jp->s[jp->off] != ':')
				return jerr(jp, "expected ':'");
			jp->off++;
		}
		const char *key = item.key;
		uint32_t key_len = item.key_len;
		if ((err = parse_value(jp, &item, depth + 1)))
			return err;
		item.key = key;
		item.key_len = key_len;
		if ((err = push(jp, &item)))
			return err;
		skip_ws(jp);
		if (jp->off >= jp->len)
			return jerr(jp, object ? "unterminated object" : "unterminated array");
		char c = jp->s[jp->off++];
		if (c == close)
			break;
		if (c != ',')
			return jerr(jp, object ? "expected ',' or '}'" : "expected ',' or ']'");
	}
	return collect(jp, base, v);
}

static int parse_value(struct jparse *jp, struct gs_jv *v, unsigned depth)
{
	if (depth > jp->max_depth)
		return gs_ctx_err(jp->ctx, -E2BIG, "JSON: nesting deeper than %u at byte %zu",
				  jp->max_depth, jp->off);
	if (++jp->values > jp->max_values)
		return gs_ctx_err(jp->ctx, -E2BIG, "JSON: more than %llu values",
				  (unsigned long long)jp->max_values);
	skip_ws(jp);
	if (jp->off >= jp->len)
		return jerr(jp, "unexpected end of input");
	char c = jp->s[jp->off];
	const char *word = NULL;
	switch (c) {
	case '{':
	case '[':
		jp->off++;
		return parse_container(jp, v, depth, c == '{');
	case '"':
		jp->off++;
		v->kind = GS_JV_STR;
		return parse_string(jp, &v->u.str, &v->len);
	case 't':
		word = "true";
		v->kind = GS_JV_BOOL;
		v->u.b = true;
		break;
	case 'f':
		word = "false";
		v->kind = GS_JV_BOOL;
		v->u.b = false;
		break;
	case 'n':
		word = "null";
		v->kind = GS_JV_NULL;
		break;
	default:
		return parse_number(jp, v);
	}
	size_t n = strlen(word);
	if (jp->len - jp->off < n || memcmp(jp->s + jp->off, word, n))
		return jerr(jp, "unexpected character");
	jp->off += n;
	return 0;
}

int gs_jdoc_parse(struct gs_jdoc *doc, const void *data, size_t len, struct gs_ctx *ctx)
{
	struct jparse jp;
	memset(&jp, 0, sizeof(jp));
	memset(doc, 0, sizeof(*doc));
	gs_arena_init(&doc->arena);
	jp.s = data;
	jp.len = len;
	jp.arena = &doc->arena;
	jp.ctx = ctx;
	jp.max_depth = 256;
	/* every value costs at least one input byte */
	jp.max_values = len + 1;
	gs_buf_init(&jp.str, ctx->limits.string_bytes);
	int err = parse_value(&jp, &doc->root, 0);
	if (!err) {
		skip_ws(&jp);
		if (jp.off != jp.len)
			err = jerr(&jp, "trailing data");
	}
	if (err == -ENOMEM)
		gs_ctx_err(ctx, err, "JSON: out of memory");
	free(jp.stack);
	gs_buf_release(&jp.str);
	if (err)
		gs_jdoc_release(doc);
	return err;
}

void gs_jdoc_release(struct gs_jdoc *doc)
{
	gs_arena_release(&doc->arena);
	memset(&doc->root, 0, sizeof(doc->root));
}

const struct gs_jv *gs_jv_get(const struct gs_jv *obj, const char *key)
{
	if (!obj || obj->kind != GS_JV_OBJ)
		return NULL;
	size_t n = strlen(key);
	for (uint32_t i = 0; i < obj->len; i++) {
		const struct gs_jv *m = &obj->u.items[i];
		if (m->key_len == n && !memcmp(m->key, key, n))
			return m;
	}
	return NULL;
}

bool gs_jv_i64(const struct gs_jv *v, int64_t *out)
{
	if (!v || v->kind != GS_JV_NUM)
		return false;
	if (v->is_int) {
		*out = v->u.i;
		return true;
	}
	/* 1e3 and 1000.0 are integers too, when exact */
	if (v->u.d != floor(v->u.d) || fabs(v->u.d) >= 9.2e18)
		return false;
	*out = (int64_t)v->u.d;
	return true;
}

bool gs_jv_f64(const struct gs_jv *v, double *out)
{
	if (!v || v->kind != GS_JV_NUM)
		return false;
	*out = v->is_int ? (double)v->u.i : v->u.d;
	return true;
}

const char *gs_jv_str(const struct gs_jv *v)
{
	return v && v->kind == GS_JV_STR ? v->u.str : NULL;
}
