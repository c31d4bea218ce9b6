/* The legacy text profiles Go serves with ?debug=1: goroutine and threadcreate ("NAME
 * profile: total N", "count @ pcs"), heap ("heap profile: a: b [c: d] @ heap/2*rate", values
 * un-sampled as pprof does) and block/mutex ("--- contention:" / "--- mutex:" with
 * cycles/second). Values, addresses (return address - 1), ids and sample types follow pprof's
 * legacy parser; unlike pprof, the "#\tpc\tfunc+off\tfile:line" comment lines name the
 * locations and "# labels:" lines become sample labels. Lines are read one at a time from the
 * input window. Memory maps after the samples (never written by Go) are ignored. */
#include <math.h>

#include "internal.h"

enum legacy_kind { LEGACY_NONE, LEGACY_COUNT, LEGACY_HEAP, LEGACY_CONTENTION };

struct frame {
	uint64_t pc;
	const char *name; /* into the current line buffer copy (frame_text) */
	size_t name_len;
	size_t file_off, file_len; /* into frame_text */
	int64_t line;
};

struct leg {
	struct gs_win *w;
	struct gs_ctx *ctx;
	struct gs_profile *p;
	size_t line_no;
	enum legacy_kind kind;

	/* heap */
	bool heap_alloc; /* four values (alloc and inuse) rather than two */
	bool heap_v2;    /* values are un-sampled */
	/* contention */
	int64_t cpu_hz;

	/* address -> location index (locations are created at the end, in this order) */
	uint64_t *addrs;
	struct gs_span *addr_lines; /* into lines; len 0 = no frame seen yet */
	size_t n_addrs, cap_addrs;
	struct gs_idxmap addr_map;
	struct gs_line *lines;
	size_t n_lines, cap_lines;
	struct gs_idxmap fn_map;

	/* the record being read: sample line, then "# labels:" and frame lines */
	bool in_record;
	int64_t values[4];
	uint32_t *stack;
	size_t n_stack, cap_stack;
	struct gs_label *labels;
	size_t n_labels, cap_labels;
	struct frame *frames;
	size_t n_frames, cap_frames;
	struct gs_buf frame_text; /* names and files of the record's frames */
};

static int leg_err(struct leg *l, int err, const char *fmt, ...) GS_PRINTF(3, 4);
static int leg_err(struct leg *l, int err, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return gs_ctx_err(l->ctx, err, "line %zu: %s", l->line_no, msg);
}

static int leg_nomem(struct leg *l, int err)
{
	if (err == -E2BIG)
		return leg_err(l, err, "a cap of the profile limits was hit (limits.samples, "
			       "limits.locations, limits.strings or limits.stack_depth)");
	return gs_ctx_err(l->ctx, err, "out of memory reading a legacy profile");
}

/* ---- lines ---- */

/* The next line without its newline (and without a '\r' before it); *len 0 and *eof at end of
 * input. The text stays valid until the next call. */
static int next_line(struct leg *l, const char **line, size_t *len, bool *eof)
{
	size_t avail, scanned = 0;
	*eof = false;
	for (;;) {
		int err = gs_win_fill(l->w, scanned + 1, &avail);
		if (err)
			return err;
		const uint8_t *p = gs_win_cur(l->w);
		const uint8_t *nl = avail > scanned ? memchr(p + scanned, '\n', avail - scanned) : NULL;
		if (nl || l->w->eof) {
			size_t n = nl ? (size_t)(nl - p) : avail;
			if (!nl && n == 0) {
				*eof = true;
				*len = 0;
				*line = (const char *)p;
				return 0;
			}
			gs_win_consume(l->w, nl ? n + 1 : n);
			if (n && p[n - 1] == '\r')
				n--;
			*line = (const char *)p;
			*len = n;
			l->line_no++;
			return 0;
		}
		scanned = avail;
		if (scanned >= l->w->max_window)
			return leg_err(l, -E2BIG, "a line longer than %zu bytes (limits.message_bytes)",
				       l->w->max_window);
	}
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static void trim(const char **s, size_t *n)
{
	while (*n && is_space(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && is_space((*s)[*n - 1]))
		(*n)--;
}

static bool has_prefix(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	return n >= k && !memcmp(s, prefix, k);
}

/* pprof's "space or comment": empty after trimming, or starting with '#'. */
static bool space_or_comment(const char *s, size_t n)
{
	trim(&s, &n);
	return n == 0 || s[0] == '#';
}

/* ---- small scanners over [*s, end) ---- */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f');
}

static void skip_spaces(const char **s, const char *end)
{
	while (*s < end && **s == ' ')
		(*s)++;
}

static bool skip_char(const char **s, const char *end, char c)
{
	if (*s < end && **s == c) {
		(*s)++;
		return true;
	}
	return false;
}

/* A decimal integer (optionally negative): digits required; false on none or overflow. */
static bool scan_int(const char **s, const char *end, bool allow_neg, int64_t *v)
{
	bool neg = allow_neg && *s < end && **s == '-';
	const char *p = *s + neg;
	uint64_t x = 0;
	if (p >= end || !is_digit(*p))
		return false;
	for (; p < end && is_digit(*p); p++) {
		if (x > (UINT64_MAX - 9) / 10)
			return false;
		x = x * 10 + (uint64_t)(*p - '0');
	}
	if (x > (uint64_t)INT64_MAX + neg)
		return false;
	*v = neg ? (int64_t)(0 - x) : (int64_t)x;
	*s = p;
	return true;
}

/* "0x" hex digits: false on none or overflow. */
static bool scan_hex(const char **s, const char *end, uint64_t *v)
{
	const char *p = *s;
	uint64_t x = 0;
	if (end - p < 3 || p[0] != '0' || p[1] != 'x' || !is_hex(p[2]))
		return false;
	for (p += 2; p < end && is_hex(*p); p++) {
		if (x >> 60)
			return false;
		x = x << 4 | (uint64_t)(is_digit(*p) ? *p - '0' : *p - 'a' + 10);
	}
	*v = x;
	*s = p;
	return true;
}

/* ---- locations and functions ---- */

struct addr_key {
	const struct leg *l;
	uint64_t addr;
};

static bool addr_eq(const void *arg, uint32_t idx)
{
	const struct addr_key *k = arg;
	return k->l->addrs[idx] == k->addr;
}

/* Location index of an address (pprof's addr - 1), added on first sight. */
static int loc_of(struct leg *l, uint64_t addr, uint32_t *idx)
{
	struct addr_key k = {l, addr};
	uint64_t h = gs_hash_u64(addr);
	if (gs_idxmap_find(&l->addr_map, h, addr_eq, &k, idx) == 0)
		return 0;
	if (l->n_addrs >= l->p->limits.locations)
		return leg_err(l, -E2BIG, "more than %llu locations (limits.locations)",
			       (unsigned long long)l->p->limits.locations);
	if (gs_grow_array(&l->addrs, &l->cap_addrs, l->n_addrs + 1, sizeof(*l->addrs)))
		return leg_nomem(l, -ENOMEM);
	size_t cap = l->cap_addrs;
	void *spans = realloc(l->addr_lines, cap * sizeof(*l->addr_lines));
	if (!spans)
		return leg_nomem(l, -ENOMEM);
	l->addr_lines = spans;
	uint32_t new_idx = (uint32_t)l->n_addrs;
	if (gs_idxmap_intern(&l->addr_map, h, addr_eq, &k, new_idx, idx, NULL))
		return leg_nomem(l, -ENOMEM);
	l->addrs[new_idx] = addr;
	l->addr_lines[new_idx] = (struct gs_span){0, 0};
	l->n_addrs++;
	return 0;
}

struct fn_key {
	const struct gs_profile *p;
	uint32_t name, file;
};

static bool fn_eq(const void *arg, uint32_t idx)
{
	const struct fn_key *k = arg;
	return k->p->functions[idx].name == k->name && k->p->functions[idx].filename == k->file;
}

static int function_of(struct leg *l, const char *name, size_t name_len, const char *file,
		       size_t file_len, uint32_t *idx)
{
	struct fn_key k = {l->p, 0, 0};
	int err = gs_profile_intern(l->p, name, name_len, &k.name);
	if (!err)
		err = gs_profile_intern(l->p, file, file_len, &k.file);
	if (err)
		return leg_nomem(l, err);
	uint64_t h = gs_hash_u64((uint64_t)k.name << 32 | k.file);
	if (gs_idxmap_find(&l->fn_map, h, fn_eq, &k, idx) == 0)
		return 0;
	struct gs_function fn = {l->p->n_functions + 1, k.name, k.name, k.file, 0};
	err = gs_profile_add_function(l->p, &fn, idx);
	if (err)
		return leg_nomem(l, err);
	uint32_t out;
	if (gs_idxmap_intern(&l->fn_map, h, fn_eq, &k, *idx, &out, NULL))
		return leg_nomem(l, -ENOMEM);
	return 0;
}

/* ---- records ---- */

/* "#\t0x4df613\tmain.main.func2+0x33\t/src/main.go:89" (tabs may repeat: Go pads the columns
 * with a tabwriter). Lines that do not have this shape are ignored, as pprof ignores every
 * comment line. */
static int parse_frame(struct leg *l, const char *s, size_t n)
{
	const char *end = s + n, *p = s + 1;
	uint64_t pc;
	while (p < end && *p == '\t')
		p++;
	if (!scan_hex(&p, end, &pc) || p == end || *p != '\t')
		return 0;
	while (p < end && *p == '\t')
		p++;
	const char *name = p;
	while (p < end && *p != '\t')
		p++;
	const char *name_end = p;
	while (p < end && *p == '\t')
		p++;
	const char *file = p, *colon = NULL;
	for (const char *q = p; q < end; q++)
		if (*q == ':')
			colon = q;
	if (name == name_end || !colon)
		return 0;
	/* drop the "+0x33" offset from the function name */
	for (const char *q = name_end; q > name; q--)
		if (q[-1] == '+') {
			const char *off = q;
			uint64_t ignored;
			if (scan_hex(&off, name_end, &ignored) && off == name_end)
				name_end = q - 1;
			break;
		}
	const char *num = colon + 1;
	int64_t line;
	if (!scan_int(&num, end, false, &line) || num != end)
		return 0;
	if (gs_grow_array(&l->frames, &l->cap_frames, l->n_frames + 1, sizeof(*l->frames)))
		return leg_nomem(l, -ENOMEM);
	struct frame *f = &l->frames[l->n_frames++];
	f->pc = pc;
	f->line = line;
	f->file_off = l->frame_text.len;
	f->file_len = (size_t)(colon - file);
	if (gs_buf_add(&l->frame_text, file, f->file_len))
		return leg_nomem(l, -ENOMEM);
	f->name = NULL;
	f->name_len = (size_t)(name_end - name);
	if (gs_buf_add(&l->frame_text, name, f->name_len))
		return leg_nomem(l, -ENOMEM);
	return 0;
}

/* A Go %q string at *s: the unquoted text appended to out. */
static bool scan_quoted(const char **s, const char *end, struct gs_buf *out)
{
	const char *p = *s;
	if (p >= end || *p != '"')
		return false;
	for (p++; p < end && *p != '"'; p++) {
		char c = *p;
		if (c != '\\') {
			gs_buf_addch(out, c);
			continue;
		}
		if (++p >= end)
			return false;
		static const char esc_from[] = "abfnrtv\\\"'", esc_to[] = "\a\b\f\n\r\t\v\\\"'";
		const char *e = strchr(esc_from, *p);
		if (e && *p) {
			gs_buf_addch(out, esc_to[e - esc_from]);
			continue;
		}
		int digits = *p == 'x' ? 2 : *p == 'u' ? 4 : *p == 'U' ? 8 : 0;
		if (!digits)
			return false;
		uint32_t v = 0;
		for (int i = 0; i < digits; i++) {
			char h = ++p < end ? *p : 0;
			int d = is_digit(h) ? h - '0' : (h >= 'a' && h <= 'f') ? h - 'a' + 10
						 : (h >= 'A' && h <= 'F')   ? h - 'A' + 10
									    : -1;
			if (d < 0)
				return false;
			v = v << 4 | (uint32_t)d;
		}
		if (digits == 2) {
			gs_buf_addch(out, (char)v);
		} else if (v < 0x80) {
			gs_buf_addch(out, (char)v);
		} else if (v < 0x800) {
			gs_buf_addch(out, (char)(0xc0 | v >> 6));
			gs_buf_addch(out, (char)(0x80 | (v & 0x3f)));
		} else if (v < 0x10000) {
			gs_buf_addch(out, (char)(0xe0 | v >> 12));
			gs_buf_addch(out, (char)(0x80 | ((v >> 6) & 0x3f)));
			gs_buf_addch(out, (char)(0x80 | (v & 0x3f)));
		} else if (v < 0x110000) {
			gs_buf_addch(out, (char)(0xf0 | v >> 18));
			gs_buf_addch(out, (char)(0x80 | ((v >> 12) & 0x3f)));
			gs_buf_addch(out, (char)(0x80 | ((v >> 6) & 0x3f)));
			gs_buf_addch(out, (char)(0x80 | (v & 0x3f)));
		} else {
			return false;
		}
	}
	if (p >= end)
		return false;
	*s = p + 1;
	return true;
}

/* "# labels: {"k":"v", "k2":"v2"}" (Go's %q quoting). A line that does not parse is ignored
 * like any other comment. */
static int parse_labels(struct leg *l, const char *s, size_t n)
{
	const char *p = s, *end = s + n;
	struct gs_buf key = GS_BUF_INIT, val = GS_BUF_INIT;
	size_t n_before = l->n_labels;
	int err = 0;
	p += strlen("# labels:");
	skip_spaces(&p, end);
	if (!skip_char(&p, end, '{'))
		goto ignore;
	skip_spaces(&p, end);
	while (p < end && *p != '}') {
		gs_buf_reset(&key);
		gs_buf_reset(&val);
		if (!scan_quoted(&p, end, &key) || !skip_char(&p, end, ':') ||
		    !scan_quoted(&p, end, &val))
			goto ignore;
		if (key.len > l->p->limits.string_bytes || val.len > l->p->limits.string_bytes)
			goto ignore;
		struct gs_label lab = {0, 0, 0, 0};
		if ((err = gs_profile_intern(l->p, key.data ? key.data : "", key.len, &lab.key)) ||
		    (err = gs_profile_intern(l->p, val.data ? val.data : "", val.len, &lab.str))) {
			err = leg_nomem(l, err);
			goto out;
		}
		if (l->n_labels >= l->p->limits.labels) {
			err = leg_err(l, -E2BIG, "more than %llu labels (limits.labels)",
				      (unsigned long long)l->p->limits.labels);
			goto out;
		}
		if (gs_grow_array(&l->labels, &l->cap_labels, l->n_labels + 1, sizeof(*l->labels))) {
			err = leg_nomem(l, -ENOMEM);
			goto out;
		}
		/* a label with an empty value reads back as no label in profile.proto */
		if (lab.str)
			l->labels[l->n_labels++] = lab;
		skip_spaces(&p, end);
		if (!skip_char(&p, end, ','))
			break;
		skip_spaces(&p, end);
	}
	if (skip_char(&p, end, '}'))
		goto out;
ignore:
	l->n_labels = n_before;
out:
	gs_buf_release(&key);
	gs_buf_release(&val);
	return err;
}

/* Gives the record's locations the functions named by its frame lines (the first record that
 * names an address wins), then adds its sample. */
static int finish_record(struct leg *l)
{
	struct gs_profile *p = l->p;
	int err;
	if (!l->in_record)
		return 0;
	l->in_record = false;
	for (size_t i = 0; i < l->n_frames;) {
		size_t j = i;
		while (j < l->n_frames && l->frames[j].pc == l->frames[i].pc)
			j++;
		struct addr_key k = {l, l->frames[i].pc};
		uint32_t loc;
		if (gs_idxmap_find(&l->addr_map, gs_hash_u64(k.addr), addr_eq, &k, &loc) == 0 &&
		    l->addr_lines[loc].len == 0) {
			if (j - i > p->limits.stack_depth)
				return leg_err(l, -E2BIG, "more than %llu inlined frames",
					       (unsigned long long)p->limits.stack_depth);
			if (gs_grow_array(&l->lines, &l->cap_lines, l->n_lines + (j - i), sizeof(*l->lines)))
				return leg_nomem(l, -ENOMEM);
			l->addr_lines[loc] = (struct gs_span){(uint32_t)l->n_lines, (uint32_t)(j - i)};
			for (size_t f = i; f < j; f++) {
				const struct frame *fr = &l->frames[f];
				uint32_t fn;
				err = function_of(l, l->frame_text.data + fr->file_off + fr->file_len,
						  fr->name_len, l->frame_text.data + fr->file_off,
						  fr->file_len, &fn);
				if (err)
					return err;
				l->lines[l->n_lines++] = (struct gs_line){fn, fr->line, 0};
			}
		}
		i = j;
	}
	uint32_t stack, labels;
	err = gs_profile_intern_stack(p, l->stack, l->n_stack, &stack);
	if (!err)
		err = gs_profile_intern_labels(p, l->labels, l->n_labels, &labels);
	if (!err)
		err = gs_profile_add_sample(p, stack, labels, l->values);
	if (err)
		return leg_nomem(l, err);
	return 0;
}

/* Starts a record: its addresses (each minus 1, as pprof does) from "0x.." words in [s, end). */
static int start_record(struct leg *l, const char *s, const char *end, bool strict)
{
	int err = finish_record(l);
	if (err)
		return err;
	l->n_stack = l->n_labels = l->n_frames = 0;
	gs_buf_reset(&l->frame_text);
	while (s < end) {
		uint64_t addr;
		if (strict && !skip_char(&s, end, ' '))
			return leg_err(l, -EBADMSG, "malformed stack: expected ' 0x...' addresses");
		if (!strict) {
			/* pprof takes every 0x... word of the [ x0-9a-f]* run */
			while (s < end && (*s == ' ' || *s == 'x' || is_hex(*s)) &&
			       !(s + 1 < end && s[0] == '0' && s[1] == 'x'))
				s++;
			if (s >= end || !(s + 1 < end && s[0] == '0' && s[1] == 'x'))
				break;
		}
		if (!scan_hex(&s, end, &addr))
			return leg_err(l, -EBADMSG, "malformed address in a stack");
		if (l->n_stack >= l->p->limits.stack_depth)
			return leg_err(l, -E2BIG, "a stack deeper than %llu frames (limits.stack_depth)",
				       (unsigned long long)l->p->limits.stack_depth);
		if (gs_grow_array(&l->stack, &l->cap_stack, l->n_stack + 1, sizeof(*l->stack)))
			return leg_nomem(l, -ENOMEM);
		err = loc_of(l, addr - 1, &l->stack[l->n_stack]);
		if (err)
			return err;
		l->n_stack++;
	}
	l->in_record = true;
	return 0;
}

/* ---- the three formats ---- */

/* goroutine / threadcreate: "N @ 0x.. 0x.." (count in Go's base-0 syntax, so a leading 0
 * means octal, as pprof's strconv.ParseInt(s, 0, 64) reads it). */
static int count_sample(struct leg *l, const char *s, size_t n)
{
	const char *p = s, *end = s + n, *digits = s;
	uint64_t v = 0;
	while (p < end && is_digit(*p))
		p++;
	if (p == digits || end - p < 2 || p[0] != ' ' || p[1] != '@')
		return leg_err(l, -EBADMSG, "malformed sample: expected 'count @ 0x...'");
	unsigned base = (p - digits > 1 && digits[0] == '0') ? 8 : 10;
	for (const char *q = digits + (base == 8); q < p; q++) {
		if ((unsigned)(*q - '0') >= base || v > (uint64_t)INT64_MAX / base)
			return leg_err(l, -EBADMSG, "malformed sample count");
		v = v * base + (uint64_t)(*q - '0');
	}
	if (v > (uint64_t)INT64_MAX)
		return leg_err(l, -EBADMSG, "malformed sample count");
	if (p + 2 == end)
		return leg_err(l, -EBADMSG, "malformed sample: no addresses");
	int err = start_record(l, p + 2, end, true);
	l->values[0] = (int64_t)v;
	return err;
}

/* pprof's un-sampling of heap values: a sample of average size S was recorded with
 * probability 1-exp(-S/rate). */
static void unsample(int64_t *count, int64_t *size, int64_t rate)
{
	if (*count == 0 || *size == 0) {
		*count = *size = 0;
		return;
	}
	if (rate <= 1)
		return;
	double avg = (double)*size / (double)*count;
	double scale = 1 / (1 - exp(-avg / (double)rate));
	*count = (int64_t)((double)*count * scale);
	*size = (int64_t)((double)*size * scale);
}

/* "inuse_count: inuse_bytes [alloc_count: alloc_bytes] @ 0x.. 0x.." */
static int heap_sample(struct leg *l, const char *s, size_t n)
{
	const char *p = s, *end = s + n;
	int64_t v[4];
	static const char *const what[2] = {"inuse", "allocation"};
	if (!scan_int(&p, end, true, &v[0]) || !skip_char(&p, end, ':'))
		goto bad;
	skip_spaces(&p, end);
	if (!scan_int(&p, end, true, &v[1]))
		goto bad;
	skip_spaces(&p, end);
	if (!skip_char(&p, end, '['))
		goto bad;
	skip_spaces(&p, end);
	if (!scan_int(&p, end, false, &v[2]) || !skip_char(&p, end, ':'))
		goto bad;
	skip_spaces(&p, end);
	if (!scan_int(&p, end, false, &v[3]))
		goto bad;
	skip_spaces(&p, end);
	if (!skip_char(&p, end, ']') || !skip_char(&p, end, ' ') || !skip_char(&p, end, '@'))
		goto bad;

	int64_t out[4], blocksize = 0;
	size_t k = 0;
	/* alloc values first when there are four, then inuse */
	for (int pass = l->heap_alloc ? 1 : 0; pass >= 0; pass--) {
		int64_t count = v[pass * 2], size = v[pass * 2 + 1];
		if (count == 0 && size != 0)
			return leg_err(l, -EBADMSG, "%s count was 0 but %s bytes was %lld", what[pass],
				       what[pass], (long long)size);
		if (count != 0) {
			blocksize = gs_i64_div(size, count);
			if (l->heap_v2)
				unsample(&count, &size, l->p->period);
		}
		out[k++] = count;
		out[k++] = size;
	}
	int err = start_record(l, p, end, false);
	if (err)
		return err;
	memcpy(l->values, out, k * sizeof(out[0]));
	uint32_t key;
	if ((err = gs_profile_intern_cstr(l->p, "bytes", &key)))
		return leg_nomem(l, err);
	if (gs_grow_array(&l->labels, &l->cap_labels, 1, sizeof(*l->labels)))
		return leg_nomem(l, -ENOMEM);
	l->labels[0] = (struct gs_label){key, 0, blocksize, 0};
	l->n_labels = 1;
	return 0;
bad:
	return leg_err(l, -EBADMSG, "malformed heap sample: expected 'a: b [c: d] @ 0x...'");
}

/* "cycles count @ 0x.. 0x.." */
static int contention_sample(struct leg *l, const char *s, size_t n)
{
	const char *p = s, *end = s + n;
	int64_t cycles, count;
	if (!scan_int(&p, end, false, &cycles))
		goto bad;
	skip_spaces(&p, end);
	if (!scan_int(&p, end, false, &count) || !skip_char(&p, end, ' ') || !skip_char(&p, end, '@'))
		goto bad;
	int64_t period = l->p->period;
	if (period > 0) {
		if (l->cpu_hz > 0)
			cycles = (int64_t)((double)cycles * (double)period / ((double)l->cpu_hz / 1e9));
		count = (int64_t)((uint64_t)count * (uint64_t)period);
	}
	int err = start_record(l, p, end, false);
	l->values[0] = count;
	l->values[1] = cycles;
	return err;
bad:
	return leg_err(l, -EBADMSG, "malformed contention sample: expected 'cycles count @ 0x...'");
}

/* Header of a heap profile: "heap profile: a: b [c: d] @ heap/N" (also heap_v2, heapz_v2,
 * heapprofile, growthz, fragmentationz). Returns false when the line is not one. */
static bool heap_header(const char *s, size_t n, struct leg *l, int64_t *period)
{
	const char *hit = NULL, *end = s + n;
	for (const char *q = s; q + 13 <= end; q++)
		if (!memcmp(q, "heap profile:", 13)) {
			hit = q;
			break;
		}
	if (!hit)
		return false;
	const char *p = hit + 13, *num[4];
	size_t len[4];
	for (int i = 0; i < 4; i++) {
		int64_t ignored;
		skip_spaces(&p, end);
		if (i == 2 && !skip_char(&p, end, '['))
			return false;
		skip_spaces(&p, end);
		num[i] = p;
		if (!scan_int(&p, end, false, &ignored))
			return false;
		len[i] = (size_t)(p - num[i]);
		skip_spaces(&p, end);
		if (i % 2 == 0 && !skip_char(&p, end, ':'))
			return false;
	}
	if (!skip_char(&p, end, ']'))
		return false;
	skip_spaces(&p, end);
	if (!skip_char(&p, end, '@'))
		return false;
	skip_spaces(&p, end);
	const char *kind = p;
	while (p < end && (*p == '_' || (*p >= 'a' && *p <= 'z') || is_digit(*p)))
		p++;
	size_t kind_len = (size_t)(p - kind);
	if (l) {
		/* pprof compares the header's numbers as text */
		bool diff_objs = len[2] != len[0] || memcmp(num[2], num[0], len[0]);
		bool diff_bytes = len[3] != len[1] || memcmp(num[3], num[1], len[1]);
		bool zero_objs = len[2] == 1 && num[2][0] == '0';
		bool zero_bytes = len[3] == 1 && num[3][0] == '0';
		l->heap_alloc = (diff_objs && !zero_objs) || (diff_bytes && !zero_bytes);
	}
	*period = 0;
	if (!has_prefix(kind, kind_len, "heap")) {
		/* growthz and fragmentationz profiles: plain counts, period 1 */
		if (!has_prefix(kind, kind_len, "growth") && !has_prefix(kind, kind_len, "fragmentation"))
			return false;
		*period = 1;
		if (l)
			l->heap_alloc = l->heap_v2 = false;
		return true;
	}
	skip_char(&p, end, '/');
	int64_t rate = 0;
	if (p < end && is_digit(*p) && !scan_int(&p, end, false, &rate))
		return false;
	bool v2;
	if ((kind_len == 8 && !memcmp(kind, "heapz_v2", 8)) ||
	    (kind_len == 7 && !memcmp(kind, "heap_v2", 7))) {
		v2 = true;
		*period = rate;
	} else if (kind_len == 11 && !memcmp(kind, "heapprofile", 11)) {
		v2 = false;
		*period = 1;
	} else if (kind_len == 4) {
		/* Go writes 2 * MemProfileRate after "heap/" */
		v2 = true;
		*period = rate / 2;
	} else {
		return false;
	}
	if (l)
		l->heap_v2 = v2;
	return true;
}

/* "NAME profile: total N" with nothing else on the line. */
static bool count_header(const char *s, size_t n, const char **name, size_t *name_len)
{
	const char *p = s, *end = s + n;
	while (p < end && !is_space(*p))
		p++;
	if (p == s)
		return false;
	*name = s;
	*name_len = (size_t)(p - s);
	static const char mid[] = " profile: total ";
	if ((size_t)(end - p) <= sizeof(mid) - 1 || memcmp(p, mid, sizeof(mid) - 1))
		return false;
	p += sizeof(mid) - 1;
	const char *digits = p;
	while (p < end && is_digit(*p))
		p++;
	return p > digits && p == end;
}

static bool contention_header(const char *s, size_t n)
{
	return has_prefix(s, n, "--- contentionz ") || has_prefix(s, n, "--- mutex:") ||
	       has_prefix(s, n, "--- contention:");
}

static enum legacy_kind detect(const uint8_t *data, size_t n)
{
	const char *s = (const char *)data, *end = s + n;
	const char *nl = memchr(s, '\n', n);
	size_t first = nl ? (size_t)(nl - s) : n;
	int64_t period;
	if (heap_header(s, first, NULL, &period))
		return LEGACY_HEAP;
	if (contention_header(s, first))
		return LEGACY_CONTENTION;
	/* the count formats may follow blank or comment lines */
	while (s < end) {
		nl = memchr(s, '\n', (size_t)(end - s));
		size_t len = nl ? (size_t)(nl - s) : (size_t)(end - s);
		if (len && s[len - 1] == '\r')
			len--;
		if (!space_or_comment(s, len)) {
			const char *name;
			size_t name_len;
			return count_header(s, len, &name, &name_len) ? LEGACY_COUNT : LEGACY_NONE;
		}
		if (!nl)
			break;
		s = nl + 1;
	}
	return LEGACY_NONE;
}

bool gs_legacy_detect(const uint8_t *p, size_t n)
{
	return detect(p, n) != LEGACY_NONE;
}

static int add_type(struct leg *l, const char *type, const char *unit, bool period_type)
{
	uint32_t t, u;
	int err = gs_profile_intern_cstr(l->p, type, &t);
	if (!err)
		err = gs_profile_intern_cstr(l->p, unit, &u);
	if (!err && period_type)
		l->p->period_type = (struct gs_value_type){t, u};
	else if (!err)
		err = gs_profile_add_sample_type(l->p, t, u);
	return err ? leg_nomem(l, err) : 0;
}

/* Reads the "key=value" lines of a contention profile; *line is left on the first line that is
 * not one (the first sample). */
static int contention_attributes(struct leg *l, const char **line, size_t *len, bool *eof)
{
	for (;;) {
		int err = next_line(l, line, len, eof);
		if (err || *eof)
			return err;
		const char *s = *line;
		size_t n = *len;
		trim(&s, &n);
		if (space_or_comment(s, n))
			continue;
		if (has_prefix(s, n, "---"))
			return 0;
		const char *eq = memchr(s, '=', n);
		if (!eq)
			return 0;
		const char *k = s, *v = eq + 1;
		size_t kn = (size_t)(eq - s), vn = n - kn - 1;
		trim(&k, &kn);
		trim(&v, &vn);
		int64_t val;
		const char *vp = v;
		bool ok = scan_int(&vp, v + vn, true, &val) && vp == v + vn;
		if (kn == 13 && !memcmp(k, "cycles/second", 13) && ok)
			l->cpu_hz = val;
		else if (kn == 15 && !memcmp(k, "sampling period", 15) && ok)
			l->p->period = val;
		else if (kn == 14 && !memcmp(k, "ms since reset", 14) && ok)
			l->p->duration_nanos = val * 1000 * 1000;
		else if (!(kn == 17 && !memcmp(k, "discarded samples", 17)))
			return leg_err(l, -EBADMSG, "unrecognized contention profile attribute '%.*s'",
				       (int)(kn > 60 ? 60 : kn), k);
	}
}

static int leg_parse(struct leg *l)
{
	const char *line;
	size_t len;
	bool eof;
	int err;
	size_t avail;

	if ((err = gs_win_fill(l->w, 4096, &avail)))
		return err;
	l->kind = detect(gs_win_cur(l->w), avail);
	l->p->period = 1;
	switch (l->kind) {
	case LEGACY_HEAP: {
		int64_t period;
		if ((err = next_line(l, &line, &len, &eof)))
			return err;
		if (!heap_header(line, len, l, &period))
			return gs_ctx_err(l->ctx, -EBADMSG, "unrecognized profile format");
		l->p->period = period;
		if ((err = add_type(l, "space", "bytes", true)))
			return err;
		/* alloc before inuse, so that the default (last) type is inuse_space */
		static const char *const four[] = {"alloc_objects", "count", "alloc_space", "bytes",
						   "inuse_objects", "count", "inuse_space", "bytes"};
		static const char *const two[] = {"objects", "count", "space", "bytes"};
		const char *const *types = l->heap_alloc ? four : two;
		for (size_t i = 0; i < (l->heap_alloc ? 4u : 2u); i++)
			if ((err = add_type(l, types[2 * i], types[2 * i + 1], false)))
				return err;
		break;
	}
	case LEGACY_CONTENTION:
		if ((err = next_line(l, &line, &len, &eof)))
			return err;
		if ((err = add_type(l, "contentions", "count", true)) ||
		    (err = add_type(l, "contentions", "count", false)) ||
		    (err = add_type(l, "delay", "nanoseconds", false)))
			return err;
		break;
	case LEGACY_COUNT: {
		const char *name;
		size_t name_len;
		do {
			if ((err = next_line(l, &line, &len, &eof)))
				return err;
		} while (!eof && space_or_comment(line, len));
		if (eof || !count_header(line, len, &name, &name_len))
			return gs_ctx_err(l->ctx, -EBADMSG, "unrecognized profile format");
		char type[256];
		snprintf(type, sizeof(type), "%.*s", (int)(name_len < 255 ? name_len : 255), name);
		if ((err = add_type(l, type, "count", true)) || (err = add_type(l, type, "count", false)))
			return err;
		break;
	}
	default:
		return gs_ctx_err(l->ctx, -EBADMSG, "unrecognized profile format");
	}

	bool have_line = false;
	if (l->kind == LEGACY_CONTENTION) {
		if ((err = contention_attributes(l, &line, &len, &eof)))
			return err;
		have_line = !eof;
	}
	for (;;) {
		if (!have_line) {
			if ((err = next_line(l, &line, &len, &eof)))
				return err;
			if (eof)
				break;
		}
		have_line = false;
		const char *s = line;
		size_t n = len;
		trim(&s, &n);
		if (n && s[0] == '#') {
			if (!l->in_record)
				continue;
			if (has_prefix(s, n, "# labels:"))
				err = parse_labels(l, s, n);
			else if (n > 1 && s[1] == '\t')
				err = parse_frame(l, s, n);
			if (err)
				return err;
			continue;
		}
		if (n == 0)
			continue;
		if (l->kind != LEGACY_HEAP && has_prefix(s, n, "---"))
			break;
		if (l->kind == LEGACY_HEAP &&
		    (memmem(s, n, "--- Memory map: ---", 19) || memmem(s, n, "MAPPED_LIBRARIES:", 17)))
			break;
		if (l->kind == LEGACY_COUNT)
			/* pprof matches the untrimmed line */
			err = count_sample(l, line, len);
		else if (l->kind == LEGACY_HEAP)
			err = heap_sample(l, s, n);
		else
			err = contention_sample(l, s, n);
		if (err)
			return err;
	}
	return finish_record(l);
}

/* Creates the locations in order of first appearance (pprof's ids), all in one mapping that
 * covers the address space as pprof's legacy parser makes when the text has no memory map. */
static int leg_locations(struct leg *l)
{
	struct gs_profile *p = l->p;
	uint32_t mapping = GS_NONE, idx;
	int err;
	for (size_t i = 0; i < l->n_addrs; i++)
		if (l->addrs[i] != 0) {
			struct gs_mapping m = {.id = 1, .memory_limit = UINT64_MAX};
			if ((err = gs_profile_add_mapping(p, &m, &mapping)))
				return leg_nomem(l, err);
			break;
		}
	for (size_t i = 0; i < l->n_addrs; i++) {
		struct gs_location loc = {.id = i + 1, .address = l->addrs[i]};
		loc.mapping = l->addrs[i] ? mapping : GS_NONE;
		const struct gs_span *s = &l->addr_lines[i];
		err = gs_profile_add_location(p, &loc, s->len ? l->lines + s->start : NULL, s->len,
					      &idx);
		if (err)
			return leg_nomem(l, err);
	}
	return 0;
}

int gs_legacy_decode(struct gs_win *w, struct gs_ctx *ctx, struct gs_profile **out)
{
	struct leg l;
	memset(&l, 0, sizeof(l));
	l.w = w;
	l.ctx = ctx;
	gs_idxmap_init(&l.addr_map);
	gs_idxmap_init(&l.fn_map);
	gs_buf_init(&l.frame_text, 0);
	*out = NULL;
	int err = gs_profile_new(ctx, &l.p);
	if (err) {
		err = gs_ctx_err(ctx, err, "out of memory");
		goto out;
	}
	err = leg_parse(&l);
	if (!err)
		err = leg_locations(&l);
out:
	if (err)
		gs_profile_free(l.p);
	else
		*out = l.p;
	free(l.addrs);
	free(l.addr_lines);
	gs_idxmap_release(&l.addr_map);
	gs_idxmap_release(&l.fn_map);
	free(l.lines);
	free(l.stack);
	free(l.labels);
	free(l.frames);
	gs_buf_release(&l.frame_text);
	return err;
}
