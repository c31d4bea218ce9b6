/* `.go.buildinfo`: finds the blob the way debug/buildinfo does, decodes the Go version and
 * module text (pointer format before Go 1.18, inline varint strings since), parses the text
 * the way runtime/debug.ParseBuildInfo does, and prints it back the way BuildInfo.String and
 * `go version -m` do. It does not interpret module versions or verify sums. */
#include <elf.h>

#include "goscope/gobin.h"

static const char buildinfo_magic[] = "\xff Go buildinf:";
#define BUILDINFO_MAGIC_LEN 14
#define BUILDINFO_ALIGN 16
#define BUILDINFO_HEADER 32

/* The start and size of the data that should hold the blob (debug/buildinfo elfExe.DataStart). */
static void data_start(const struct gs_elf *e, uint64_t *addr, uint64_t *size)
{
	const struct gs_elf_section *s = gs_elf_section(e, ".go.buildinfo");
	*addr = *size = 0;
	if (s) {
		*addr = s->addr;
		*size = s->size;
		return;
	}
	for (size_t i = 0; i < gs_elf_segment_count(e); i++) {
		const struct gs_elf_segment *p = gs_elf_segment_at(e, i);
		if (p->type == PT_LOAD && (p->flags & (PF_X | PF_W)) == PF_W) {
			*addr = p->vaddr;
			*size = p->memsz;
			return;
		}
	}
}

static int not_go(struct gs_ctx *ctx)
{
	return gs_ctx_err(ctx, -ENOENT, "not a Go executable");
}

/* Aligned search for the magic in [start, start+size), reading segment bytes. */
static int search_magic(const struct gs_elf *e, uint64_t start, uint64_t size, uint64_t *found,
			struct gs_ctx *ctx)
{
	uint64_t end = start + size;
	if (end < start)
		return gs_ctx_err(ctx, -EBADMSG, "unrecognized file format");
	start = (start + BUILDINFO_ALIGN - 1) & ~(uint64_t)(BUILDINFO_ALIGN - 1);
	while (start < end) {
		const uint8_t *p;
		size_t avail;
		if (gs_elf_vaddr_view(e, start, &p, &avail))
			return not_go(ctx);
		uint64_t remaining = end - start;
		if (avail > remaining)
			avail = (size_t)remaining;
		for (size_t i = 0; i + BUILDINFO_MAGIC_LEN <= avail; i += BUILDINFO_ALIGN) {
			if (memcmp(p + i, buildinfo_magic, BUILDINFO_MAGIC_LEN) != 0)
				continue;
			if (remaining - i < BUILDINFO_HEADER)
				return not_go(ctx);
			*found = start + i;
			return 0;
		}
		/* the segment ended before the range did: continue in whichever segment backs the
		 * next aligned address */
		uint64_t next = start + ((avail + BUILDINFO_ALIGN - 1) & ~(size_t)(BUILDINFO_ALIGN - 1));
		if (next <= start)
			break;
		start = next;
	}
	return not_go(ctx);
}

/* Varint-length-prefixed string at addr (Go 1.18+ inline format). */
static int decode_string(const struct gs_elf *e, uint64_t addr, char **out, size_t *out_len,
			 uint64_t *next, struct gs_ctx *ctx)
{
	const uint8_t *p;
	size_t avail;
	uint64_t len;
	struct gs_rd rd;
	if (gs_elf_vaddr_view(e, addr, &p, &avail))
		return not_go(ctx);
	gs_rd_init(&rd, p, avail);
	if (gs_rd_uvarint(&rd, &len))
		return not_go(ctx);
	if (len > gs_rd_left(&rd) || len > ctx->limits.string_bytes * 16)
		return not_go(ctx);
	*out = malloc((size_t)len + 1);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, gs_rd_cur(&rd), (size_t)len);
	(*out)[len] = 0;
	*out_len = (size_t)len;
	*next = addr + rd.off + len;
	return 0;
}

/* A Go string header {ptr, len} at addr (pointer format before Go 1.18); "" on any failure,
 * as debug/buildinfo does. */
static int read_ptr_string(const struct gs_elf *e, unsigned ptr_size, uint64_t addr, char **out,
			   size_t *out_len, struct gs_ctx *ctx)
{
	const uint8_t *p;
	size_t avail;
	uint64_t data_addr = 0, data_len = 0;
	*out = NULL;
	*out_len = 0;
	if (gs_elf_vaddr_view(e, addr, &p, &avail) == 0 && avail >= 2 * ptr_size) {
		struct gs_rd rd;
		gs_rd_init(&rd, p, avail);
		if (ptr_size == 8) {
			gs_rd_u64le(&rd, &data_addr);
			gs_rd_u64le(&rd, &data_len);
		} else {
			uint32_t a, l;
			gs_rd_u32le(&rd, &a);
			gs_rd_u32le(&rd, &l);
			data_addr = a;
			data_len = l;
		}
		if (data_len <= ctx->limits.string_bytes * 16 &&
		    gs_elf_vaddr_view(e, data_addr, &p, &avail) == 0 && avail >= data_len) {
			*out = malloc((size_t)data_len + 1);
			if (!*out)
				return -ENOMEM;
			memcpy(*out, p, (size_t)data_len);
			(*out)[data_len] = 0;
			*out_len = (size_t)data_len;
			return 0;
		}
	}
	*out = calloc(1, 1);
	return *out ? 0 : -ENOMEM;
}

static int read_raw(struct gs_elf *e, struct gs_ctx *ctx, char **vers, char **mod, size_t *mod_len)
{
	uint64_t addr, size, found, next;
	size_t vers_len, n;
	const uint8_t *hdr;
	size_t avail;
	int err;

	data_start(e, &addr, &size);
	if (size == 0)
		return not_go(ctx);
	err = search_magic(e, addr, size, &found, ctx);
	/* Beyond debug/buildinfo: a PIE without section headers keeps the blob in a later
	 * writable segment than the first (which holds .data.rel.ro); look there too. */
	for (size_t i = 0; err == -ENOENT && i < gs_elf_segment_count(e); i++) {
		const struct gs_elf_segment *p = gs_elf_segment_at(e, i);
		if (p->type == PT_LOAD && (p->flags & (PF_X | PF_W)) == PF_W && p->vaddr != addr)
			err = search_magic(e, p->vaddr, p->filesz, &found, ctx);
	}
	if (err)
		return err;
	if (gs_elf_vaddr_view(e, found, &hdr, &avail) || avail < BUILDINFO_HEADER)
		return not_go(ctx);
	uint8_t ptr_size = hdr[14], flags = hdr[15];
	if (flags & 2) {
		err = decode_string(e, found + BUILDINFO_HEADER, vers, &vers_len, &next, ctx);
		if (!err)
			err = decode_string(e, next, mod, &n, &next, ctx);
		if (err)
			return err;
	} else {
		if (flags & 1)
			return gs_ctx_err(ctx, -ENOTSUP, "big-endian build info is not supported");
		if (ptr_size != 4 && ptr_size != 8)
			return not_go(ctx);
		uint64_t vptr, mptr;
		struct gs_rd rd;
		gs_rd_init(&rd, hdr + 16, avail - 16);
		if (ptr_size == 8) {
			gs_rd_u64le(&rd, &vptr);
			gs_rd_u64le(&rd, &mptr);
		} else {
			uint32_t a, b;
			gs_rd_u32le(&rd, &a);
			gs_rd_u32le(&rd, &b);
			vptr = a;
			mptr = b;
		}
		err = read_ptr_string(e, ptr_size, vptr, vers, &vers_len, ctx);
		if (!err)
			err = read_ptr_string(e, ptr_size, mptr, mod, &n, ctx);
		if (err)
			return err;
	}
	if (vers_len == 0)
		return not_go(ctx);
	/* strip the 16-byte sentinels around the module text (cmd/go modload infoStart/infoEnd;
	 * they may hold NUL bytes, so lengths are tracked) */
	if (n >= 33 && (*mod)[n - 17] == '\n') {
		memmove(*mod, *mod + 16, n - 32);
		(*mod)[n - 32] = 0;
		*mod_len = n - 32;
	} else {
		(*mod)[0] = 0;
		*mod_len = 0;
	}
	return 0;
}

/* ---- Go string literal syntax (strconv.QuotedPrefix / Unquote / Quote) ---- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Length of the UTF-8 sequence at s (of at most n bytes) and its rune, or 0 if invalid. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *r)
{
	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		*r = s[0];
		return 1;
	}
	size_t len;
	uint32_t min;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2, min = 0x80, *r = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3, min = 0x800, *r = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4, min = 0x10000, *r = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*r = *r << 6 | (s[i] & 0x3f);
	}
	if (*r < min || *r > 0x10ffff || (*r >= 0xd800 && *r <= 0xdfff))
		return 0;
	return len;
}

static int utf8_encode(struct gs_buf *b, uint32_t r)
{
	char t[4];
	size_t n;
	if (r < 0x80) {
		t[0] = (char)r, n = 1;
	} else if (r < 0x800) {
		t[0] = (char)(0xc0 | r >> 6), t[1] = (char)(0x80 | (r & 0x3f)), n = 2;
	} else if (r < 0x10000) {
		t[0] = (char)(0xe0 | r >> 12), t[1] = (char)(0x80 | ((r >> 6) & 0x3f));
		t[2] = (char)(0x80 | (r & 0x3f)), n = 3;
	} else {
		t[0] = (char)(0xf0 | r >> 18), t[1] = (char)(0x80 | ((r >> 12) & 0x3f));
		t[2] = (char)(0x80 | ((r >> 6) & 0x3f)), t[3] = (char)(0x80 | (r & 0x3f)), n = 4;
	}
	return gs_buf_add(b, t, n);
}

/* Length of the quoted literal at the start of s (strconv.QuotedPrefix), or 0 if none. */
static size_t quoted_prefix(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	if (s[0] == '`') {
		for (size_t i = 1; i < n; i++)
			if (s[i] == '`')
				return i + 1;
		return 0;
	}
	if (s[0] != '"')
		return 0;
	for (size_t i = 1; i < n; i++) {
		if (s[i] == '\n')
			return 0;
		if (s[i] == '\\') {
			i++;
			continue;
		}
		if (s[i] == '"')
			return i + 1;
	}
	return 0;
}

/* Decodes the Go literal s[0..n) (whole of it) into b: 0 or -EINVAL. */
static int unquote(const char *s, size_t n, struct gs_buf *b)
{
	if (n < 2 || s[n - 1] != s[0])
		return -EINVAL;
	if (s[0] == '`') {
		for (size_t i = 1; i + 1 < n; i++) {
			if (s[i] == '`')
				return -EINVAL;
			if (s[i] != '\r' && gs_buf_addch(b, s[i]))
				return -ENOMEM;
		}
		return 0;
	}
	if (s[0] != '"')
		return -EINVAL;
	for (size_t i = 1; i + 1 < n;) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\n')
			return -EINVAL;
		if (c != '\\') {
			if (gs_buf_addch(b, (char)c))
				return -ENOMEM;
			i++;
			continue;
		}
		if (i + 2 >= n)
			return -EINVAL;
		char e = s[i + 1];
		const char *simple = strchr("abfnrtv\\\"", e);
		if (e && simple) {
			static const char out[] = "\a\b\f\n\r\t\v\\\"";
			if (gs_buf_addch(b, out[simple - "abfnrtv\\\""]))
				return -ENOMEM;
			i += 2;
			continue;
		}
		size_t digits = e == 'x' ? 2 : e == 'u' ? 4 : e == 'U' ? 8 : 0;
		if (digits) {
			uint32_t v = 0;
			if (i + 2 + digits > n - 1)
				return -EINVAL;
			for (size_t k = 0; k < digits; k++) {
				int h = hexval(s[i + 2 + k]);
				if (h < 0)
					return -EINVAL;
				v = v << 4 | (uint32_t)h;
			}
			i += 2 + digits;
			if (e == 'x') {
				if (gs_buf_addch(b, (char)v))
					return -ENOMEM;
			} else {
				if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
					return -EINVAL;
				if (utf8_encode(b, v))
					return -ENOMEM;
			}
			continue;
		}
		if (e >= '0' && e <= '7') {
			uint32_t v = 0;
			if (i + 4 > n - 1)
				return -EINVAL;
			for (size_t k = 0; k < 3; k++) {
				char d = s[i + 1 + k];
				if (d < '0' || d > '7')
					return -EINVAL;
				v = v << 3 | (uint32_t)(d - '0');
			}
			if (v > 255)
				return -EINVAL;
			if (gs_buf_addch(b, (char)v))
				return -ENOMEM;
			i += 4;
			continue;
		}
		return -EINVAL;
	}
	return 0;
}

/* unicode.IsPrint, approximated outside ASCII: everything valid is printable except the C1
 * controls, U+00AD, and the line and paragraph separators. */
static bool rune_printable(uint32_t r)
{
	if (r < 0x80)
		return r >= 0x20 && r < 0x7f;
	if (r < 0xa0 || r == 0xad || r == 0x2028 || r == 0x2029 || r == 0xfeff)
		return false;
	return true;
}

/* strconv.Quote of s into b. */
static int quote(const char *s, struct gs_buf *b)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	int err = gs_buf_addch(b, '"');
	for (size_t i = 0; i < n && !err;) {
		uint32_t r;
		size_t len = utf8_decode(p + i, n - i, &r);
		if (len == 0) {
			err = gs_buf_addf(b, "\\x%02x", p[i]);
			i++;
			continue;
		}
		i += len;
		if (r == '"' || r == '\\') {
			err = gs_buf_addch(b, '\\') || gs_buf_addch(b, (char)r);
		} else if (rune_printable(r)) {
			err = gs_buf_add(b, p + i - len, len);
		} else {
			const char *esc = NULL;
			switch (r) {
			case '\a': esc = "\\a"; break;
			case '\b': esc = "\\b"; break;
			case '\f': esc = "\\f"; break;
			case '\n': esc = "\\n"; break;
			case '\r': esc = "\\r"; break;
			case '\t': esc = "\\t"; break;
			case '\v': esc = "\\v"; break;
			}
			if (esc)
				err = gs_buf_addstr(b, esc);
			else if (r < ' ' || r == 0x7f)
				err = gs_buf_addf(b, "\\x%02x", r);
			else if (r < 0x10000)
				err = gs_buf_addf(b, "\\u%04x", r);
			else
				err = gs_buf_addf(b, "\\U%08x", r);
		}
	}
	if (!err)
		err = gs_buf_addch(b, '"');
	return err ? -ENOMEM : 0;
}

static bool contains_any(const char *s, size_t n, const char *set)
{
	for (size_t i = 0; i < n; i++)
		if (strchr(set, s[i]) && s[i])
			return true;
	return false;
}

static bool quote_key(const char *k)
{
	return !k[0] || contains_any(k, strlen(k), "= \t\r\n\"`");
}

static bool quote_value(const char *v)
{
	return contains_any(v, strlen(v), " \t\r\n\"`");
}

/* ---- ParseBuildInfo ---- */

/* Splits line[0..n) on tabs into at most max fields (counting all of them in *count). */
static size_t split_tabs(const char *line, size_t n, const char **f, size_t *flen, size_t max)
{
	size_t count = 0, start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || line[i] == '\t') {
			if (count < max) {
				f[count] = line + start;
				flen[count] = i - start;
			}
			count++;
			start = i + 1;
		}
	}
	return count;
}

static int parse_err(struct gs_ctx *ctx, size_t line, const char *what)
{
	return gs_ctx_err(ctx, -EBADMSG, "could not parse Go build info: line %zu: %s", line, what);
}

static int module_line(struct gs_buildinfo *bi, const char *rest, size_t n, size_t lineno,
		       bool replacement, struct gs_buildinfo_module *m, struct gs_ctx *ctx)
{
	const char *f[3];
	size_t fl[3];
	size_t count = split_tabs(rest, n, f, fl, 3);
	if (replacement && count != 3)
		return parse_err(ctx, lineno, "expected 3 columns for replacement");
	if (count != 2 && count != 3)
		return parse_err(ctx, lineno, "expected 2 or 3 columns");
	m->path = gs_arena_strndup(&bi->arena, f[0], fl[0]);
	m->version = gs_arena_strndup(&bi->arena, f[1], fl[1]);
	m->sum = count == 3 ? gs_arena_strndup(&bi->arena, f[2], fl[2]) : "";
	if (!m->path || !m->version || !m->sum)
		return -ENOMEM;
	m->replace = NULL;
	return 0;
}

static int build_line(struct gs_buildinfo *bi, const char *kv, size_t n, size_t lineno,
		      struct gs_ctx *ctx)
{
	struct gs_buf key = GS_BUF_INIT, value = GS_BUF_INIT;
	const char *raw;
	size_t raw_len;
	int err = 0;
	if (n < 1)
		return parse_err(ctx, lineno, "build line missing '='");
	if (kv[0] == '=')
		return parse_err(ctx, lineno, "build line with missing key");
	if (kv[0] == '`' || kv[0] == '"') {
		size_t q = quoted_prefix(kv, n);
		if (q == 0 || unquote(kv, q, &key)) {
			err = parse_err(ctx, lineno, "invalid quoted key in build line");
			goto out;
		}
		if (q == n) {
			err = parse_err(ctx, lineno, "build line missing '=' after quoted key");
			goto out;
		}
		if (kv[q] != '=') {
			err = parse_err(ctx, lineno, "unexpected character after quoted key");
			goto out;
		}
		raw = kv + q + 1;
		raw_len = n - q - 1;
	} else {
		const char *eq = memchr(kv, '=', n);
		if (!eq) {
			err = parse_err(ctx, lineno, "build line missing '=' after key");
			goto out;
		}
		if (gs_buf_add(&key, kv, (size_t)(eq - kv))) {
			err = -ENOMEM;
			goto out;
		}
		if (quote_key(key.data)) {
			err = parse_err(ctx, lineno, "unquoted key must be quoted");
			goto out;
		}
		raw = eq + 1;
		raw_len = n - (size_t)(eq - kv) - 1;
	}
	if (raw_len > 0 && (raw[0] == '`' || raw[0] == '"')) {
		if (unquote(raw, raw_len, &value)) {
			err = parse_err(ctx, lineno, "invalid quoted value in build line");
			goto out;
		}
	} else if (raw_len > 0) {
		if (gs_buf_add(&value, raw, raw_len)) {
			err = -ENOMEM;
			goto out;
		}
		if (quote_value(value.data)) {
			err = parse_err(ctx, lineno, "unquoted value must be quoted");
			goto out;
		}
	}
	if (bi->nsettings >= ctx->limits.strings) {
		err = gs_ctx_err(ctx, -E2BIG, "more than %llu build settings",
				 (unsigned long long)ctx->limits.strings);
		goto out;
	}
	struct gs_buildinfo_setting *s = realloc(bi->settings, (bi->nsettings + 1) * sizeof(*s));
	if (!s) {
		err = -ENOMEM;
		goto out;
	}
	bi->settings = s;
	/* keys and values may hold NUL bytes after unquoting; like Go's strings they are kept
	 * whole only up to the first NUL here */
	s[bi->nsettings].key = gs_arena_strndup(&bi->arena, key.data ? key.data : "", key.len);
	s[bi->nsettings].value = gs_arena_strndup(&bi->arena, value.data ? value.data : "", value.len);
	if (!s[bi->nsettings].key || !s[bi->nsettings].value) {
		err = -ENOMEM;
		goto out;
	}
	bi->nsettings++;
out:
	gs_buf_release(&key);
	gs_buf_release(&value);
	return err;
}

int gs_buildinfo_parse(const char *data, size_t len, struct gs_ctx *ctx, struct gs_buildinfo *bi)
{
	struct gs_buildinfo_module *last = NULL;
	size_t lineno = 1;
	int err = 0;
	/* deps are indexes until the array stops moving: a replacement may follow a dep */
	ssize_t last_dep = -1;

	if (!bi->arena.head && !bi->arena.total)
		gs_arena_init(&bi->arena);
	bi->path = "";
	bi->main = (struct gs_buildinfo_module){"", "", "", NULL};
	while (len > 0) {
		const char *nl = memchr(data, '\n', len);
		if (!nl)
			break;
		size_t n = (size_t)(nl - data);
		const char *line = data;
		data = nl + 1;
		len -= n + 1;
#define HAS(prefix) (n >= sizeof(prefix) - 1 && !memcmp(line, prefix, sizeof(prefix) - 1))
#define REST(prefix) line + sizeof(prefix) - 1, n - (sizeof(prefix) - 1)
		if (HAS("path\t")) {
			bi->path = gs_arena_strndup(&bi->arena, REST("path\t"));
			if (!bi->path)
				return -ENOMEM;
		} else if (HAS("mod\t")) {
			err = module_line(bi, REST("mod\t"), lineno, false, &bi->main, ctx);
			last = &bi->main;
			last_dep = -1;
		} else if (HAS("dep\t")) {
			if (bi->ndeps >= ctx->limits.strings)
				return gs_ctx_err(ctx, -E2BIG, "more than %llu dependencies",
						  (unsigned long long)ctx->limits.strings);
			struct gs_buildinfo_module *d = realloc(bi->deps, (bi->ndeps + 1) * sizeof(*d));
			if (!d)
				return -ENOMEM;
			bi->deps = d;
			memset(&d[bi->ndeps], 0, sizeof(*d));
			d[bi->ndeps].path = d[bi->ndeps].version = d[bi->ndeps].sum = "";
			last_dep = (ssize_t)bi->ndeps++;
			last = NULL;
			err = module_line(bi, REST("dep\t"), lineno, false, &d[last_dep], ctx);
		} else if (HAS("=>\t")) {
			struct gs_buildinfo_module *target = last_dep >= 0 ? &bi->deps[last_dep] : last;
			struct gs_buildinfo_module r;
			err = module_line(bi, REST("=>\t"), lineno, true, &r, ctx);
			if (err)
				return err;
			if (!target)
				return parse_err(ctx, lineno, "replacement with no module on previous line");
			target->replace = gs_arena_alloc(&bi->arena, sizeof(r));
			if (!target->replace)
				return -ENOMEM;
			*target->replace = r;
			last = NULL;
			last_dep = -1;
		} else if (HAS("build\t")) {
			err = build_line(bi, REST("build\t"), lineno, ctx);
		}
#undef HAS
#undef REST
		if (err)
			return err;
		lineno++;
	}
	return 0;
}

int gs_buildinfo_read(struct gs_elf *e, struct gs_ctx *ctx, struct gs_buildinfo *bi)
{
	char *vers = NULL, *mod = NULL;
	size_t mod_len = 0;
	int err;
	memset(bi, 0, sizeof(*bi));
	gs_arena_init(&bi->arena);
	err = read_raw(e, ctx, &vers, &mod, &mod_len);
	if (err) {
		free(vers);
		free(mod);
		return err;
	}
	bi->go_version = vers;
	bi->modinfo = mod;
	return gs_buildinfo_parse(mod, mod_len, ctx, bi);
}

void gs_buildinfo_release(struct gs_buildinfo *bi)
{
	free(bi->go_version);
	free(bi->modinfo);
	free(bi->deps);
	free(bi->settings);
	gs_arena_release(&bi->arena);
	memset(bi, 0, sizeof(*bi));
}

static int format_module(struct gs_buf *b, const char *word, const struct gs_buildinfo_module *m)
{
	int err = gs_buf_addf(b, "%s\t%s\t%s", word, m->path, m->version);
	if (err)
		return err;
	if (!m->replace)
		return gs_buf_addf(b, "\t%s\n", m->sum);
	err = gs_buf_addch(b, '\n');
	if (!err)
		err = format_module(b, "=>", m->replace);
	if (!err)
		err = gs_buf_addch(b, '\n');
	return err;
}

int gs_buildinfo_format(const struct gs_buildinfo *bi, struct gs_buf *b)
{
	int err = 0;
	const struct gs_buildinfo_module *m = &bi->main;
	if (bi->path && bi->path[0])
		err = gs_buf_addf(b, "path\t%s\n", bi->path);
	if (!err && ((m->path && m->path[0]) || (m->version && m->version[0]) ||
		     (m->sum && m->sum[0]) || m->replace))
		err = format_module(b, "mod", m);
	for (size_t i = 0; !err && i < bi->ndeps; i++)
		err = format_module(b, "dep", &bi->deps[i]);
	for (size_t i = 0; !err && i < bi->nsettings; i++) {
		const struct gs_buildinfo_setting *s = &bi->settings[i];
		err = gs_buf_addstr(b, "build\t");
		if (!err)
			err = quote_key(s->key) ? quote(s->key, b) : gs_buf_addstr(b, s->key);
		if (!err)
			err = gs_buf_addch(b, '=');
		if (!err)
			err = quote_value(s->value) ? quote(s->value, b) : gs_buf_addstr(b, s->value);
		if (!err)
			err = gs_buf_addch(b, '\n');
	}
	return err;
}

int gs_buildinfo_format_m(const struct gs_buildinfo *bi, const char *name, struct gs_buf *out)
{
	struct gs_buf mod = GS_BUF_INIT;
	int err = gs_buf_addf(out, "%s: %s\n", name, bi->go_version ? bi->go_version : "");
	if (!err)
		err = gs_buildinfo_format(bi, &mod);
	if (!err && mod.len > 0) {
		err = gs_buf_addch(out, '\t');
		for (size_t i = 0; !err && i + 1 < mod.len; i++) {
			err = gs_buf_addch(out, mod.data[i]);
			if (!err && mod.data[i] == '\n')
				err = gs_buf_addch(out, '\t');
		}
		if (!err)
			err = gs_buf_addch(out, '\n');
	}
	gs_buf_release(&mod);
	return err;
}

const char *gs_buildinfo_setting(const struct gs_buildinfo *bi, const char *key)
{
	for (size_t i = 0; i < bi->nsettings; i++)
		if (!strcmp(bi->settings[i].key, key))
			return bi->settings[i].value;
	return NULL;
}
