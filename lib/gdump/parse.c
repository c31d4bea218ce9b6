/* Parses goroutine dump text into a gs_snapshot: /debug/pprof/goroutine?debug=2 and
 * runtime.Stack output, panic and fatal error output, SIGQUIT and GOTRACEBACK=all|system|crash
 * tracebacks (gp=/m=/mp= headers, fp=/sp=/pc= frame suffixes, register dumps), Go 1.21-1.26
 * (and the older "...additional frames elided..." form). Text around the goroutines is kept
 * as the snapshot's preamble and postamble. Input is hostile: lines and text are capped, every
 * number is range-checked, and nothing reads outside the buffer. No symbolisation, no I/O. */
#include "internal.h"

/* Text kept before and after the goroutines (a panic message, registers, "exit status 2"). */
enum { AMBLE_CAP = 64 * 1024 };

enum pstate {
	P_OUTSIDE,  /* between goroutines */
	P_BODY,     /* after a header or a complete frame */
	P_FRAME,    /* after a function line: its file line must follow */
	P_CREATED,  /* after "created by": its file line must follow */
	P_ANCESTOR, /* inside an "[originating from goroutine N]:" block (skipped) */
	P_SKIP,     /* inside a goroutine printed a second time (GOTRACEBACK=crash prints the
		     * goroutine of each thread again after "-----"): skipped to its end */
};

struct parser {
	struct gs_snapshot *s;
	struct gs_ctx *ctx;
	uint64_t lineno;
	enum pstate state;
	struct gs_gframe frame;    /* the frame whose file line is awaited (P_FRAME) */
	const char *pending;       /* P_FRAME: the function line, for the postamble if no file
				    * line follows */
	size_t pending_len;
	struct gs_buf preamble, postamble;
	struct gs_idxmap seen; /* goroutine id -> index, for the repeats of crash output */
};

static int perr(struct parser *p, int err, const char *fmt, ...) GS_PRINTF(3, 4);
static int perr(struct parser *p, int err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return gs_ctx_err(p->ctx, err, "line %llu: %s", (unsigned long long)p->lineno, msg);
}

/* A builder error (a cap or memory) with the line it happened on. */
static int cap_err(struct parser *p, int err)
{
	if (err == -E2BIG)
		return perr(p, err, "a cap of the snapshot limits was hit (limits.goroutines, "
				    "limits.stack_depth, limits.labels, limits.strings or "
				    "limits.string_bytes)");
	return perr(p, err, "%s", strerror(-err));
}

static bool starts(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	return n >= k && memcmp(s, prefix, k) == 0;
}

static bool ends(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* Decimal digits at s[*i..n) into *v (at least one, no overflow). */
static bool take_dec(const char *s, size_t n, size_t *i, uint64_t *v)
{
	uint64_t x = 0;
	size_t start = *i;
	while (*i < n && s[*i] >= '0' && s[*i] <= '9') {
		if (__builtin_mul_overflow(x, 10, &x) ||
		    __builtin_add_overflow(x, (uint64_t)(s[*i] - '0'), &x))
			return false;
		(*i)++;
	}
	*v = x;
	return *i > start;
}

/* "0x" and hex digits at s[*i..n) into *v. */
static bool take_hex(const char *s, size_t n, size_t *i, uint64_t *v)
{
	uint64_t x = 0;
	if (!starts(s + *i, n - *i, "0x"))
		return false;
	*i += 2;
	size_t start = *i;
	for (; *i < n; (*i)++) {
		char c = s[*i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0)
			break;
		if (x >> 60)
			return false;
		x = x << 4 | (uint64_t)d;
	}
	*v = x;
	return *i > start;
}

static bool take_lit(const char *s, size_t n, size_t *i, const char *lit)
{
	if (!starts(s + *i, n - *i, lit))
		return false;
	*i += strlen(lit);
	return true;
}

static int intern(struct parser *p, const char *s, size_t n, uint32_t *idx)
{
	int err = gs_snapshot_intern(p->s, s, n, idx);
	return err ? cap_err(p, err) : 0;
}

static void amble_add(struct gs_buf *b, const char *line, size_t n)
{
	/* beyond the cap the text is dropped: it is context, not data */
	if (b->len + n + 1 > AMBLE_CAP)
		return;
	gs_buf_add(b, line, n);
	gs_buf_addch(b, '\n');
}

/* Appends the UTF-8 encoding of r. */
static void add_utf8(struct gs_buf *b, uint32_t r)
{
	char u[4];
	size_t n;
	if (r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff))
		r = 0xfffd;
	if (r < 0x80) {
		u[0] = (char)r;
		n = 1;
	} else if (r < 0x800) {
		u[0] = (char)(0xc0 | r >> 6);
		u[1] = (char)(0x80 | (r & 0x3f));
		n = 2;
	} else if (r < 0x10000) {
		u[0] = (char)(0xe0 | r >> 12);
		u[1] = (char)(0x80 | (r >> 6 & 0x3f));
		u[2] = (char)(0x80 | (r & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | r >> 18);
		u[1] = (char)(0x80 | (r >> 12 & 0x3f));
		u[2] = (char)(0x80 | (r >> 6 & 0x3f));
		u[3] = (char)(0x80 | (r & 0x3f));
		n = 4;
	}
	gs_buf_add(b, u, n);
}

/* A string as runtime.printquoted writes it, at s[*i..n), decoded into b. */
static bool take_quoted(const char *s, size_t n, size_t *i, struct gs_buf *b)
{
	gs_buf_reset(b);
	if (*i >= n || s[*i] != '"')
		return false;
	for ((*i)++; *i < n; (*i)++) {
		char c = s[*i];
		if (c == '"') {
			(*i)++;
			return !b->max || b->len < b->max;
		}
		if (c != '\\') {
			gs_buf_addch(b, c);
			continue;
		}
		if (++*i >= n)
			return false;
		c = s[*i];
		size_t digits = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : 0;
		if (c == 'n' || c == 'r' || c == 't' || c == '\\' || c == '"') {
			gs_buf_addch(b, c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' : c);
			continue;
		}
		if (!digits || n - *i - 1 < digits)
			return false;
		uint32_t r = 0;
		for (size_t k = 1; k <= digits; k++) {
			char h = s[*i + k];
			int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : -1;
			if (d < 0)
				return false;
			r = r << 4 | (uint32_t)d;
		}
		*i += digits;
		add_utf8(b, r);
	}
	return false;
}

/* " labels:{"k": "v", ...}" of Go 1.26's GODEBUG=tracebacklabels=1, at s[i..n). */
static int parse_labels(struct parser *p, const char *s, size_t n)
{
	struct gs_buf key = GS_BUF_INIT, value = GS_BUF_INIT;
	size_t i = 0;
	int err = 0;
	gs_buf_init(&key, p->s->limits.string_bytes);
	gs_buf_init(&value, p->s->limits.string_bytes);
	if (!take_lit(s, n, &i, "{")) {
		err = -EBADMSG;
		goto out;
	}
	while (i < n && s[i] != '}') {
		uint32_t k, v;
		if (!take_quoted(s, n, &i, &key) || !take_lit(s, n, &i, ": ") ||
		    !take_quoted(s, n, &i, &value)) {
			err = -EBADMSG;
			goto out;
		}
		err = intern(p, key.data ? key.data : "", key.len, &k);
		if (!err)
			err = intern(p, value.data ? value.data : "", value.len, &v);
		if (!err && (err = gs_snapshot_add_label(p->s, k, v)))
			err = cap_err(p, err);
		if (err)
			goto out;
		if (i < n && s[i] != '}' && !take_lit(s, n, &i, ", ")) {
			err = -EBADMSG;
			goto out;
		}
	}
	if (i + 1 != n)
		err = -EBADMSG;
out:
	gs_buf_release(&key);
	gs_buf_release(&value);
	if (err == -EBADMSG)
		return perr(p, err, "malformed labels in the goroutine header");
	return err;
}

static const struct {
	const char *text;
	enum gs_gstatus status;
} status_texts[] = {
	{"idle", GS_GSTATUS_IDLE},           {"runnable", GS_GSTATUS_RUNNABLE},
	{"running", GS_GSTATUS_RUNNING},     {"syscall", GS_GSTATUS_SYSCALL},
	{"waiting", GS_GSTATUS_WAITING},     {"dead", GS_GSTATUS_DEAD},
	{"copystack", GS_GSTATUS_COPYSTACK}, {"preempted", GS_GSTATUS_PREEMPTED},
	{"???", GS_GSTATUS_UNKNOWN},
};

/* Strips suffix from the end of [s, s+*n) if present. */
static bool strip(const char *s, size_t *n, const char *suffix)
{
	if (!ends(s, *n, suffix))
		return false;
	*n -= strlen(suffix);
	return true;
}

/* Strips ", <digits><word>" (", 5 minutes", ", synctest bubble 3") and returns the number. */
static bool strip_number(const char *s, size_t *n, const char *before, const char *after,
			 uint64_t *v)
{
	size_t end = *n, k = strlen(after);
	if (end < k || memcmp(s + end - k, after, k) != 0)
		return false;
	size_t j = end - k, digits_end = j;
	while (j > 0 && s[j - 1] >= '0' && s[j - 1] <= '9')
		j--;
	size_t b = strlen(before);
	if (j == digits_end || j < b || memcmp(s + j - b, before, b) != 0)
		return false;
	size_t i = j;
	if (!take_dec(s, digits_end, &i, v))
		return false;
	*n = j - b;
	return true;
}

struct seen_key {
	const struct gs_snapshot *s;
	uint64_t id;
};

static bool seen_eq(const void *arg, uint32_t idx)
{
	const struct seen_key *key = arg;
	return key->s->goroutines[idx].id == key->id;
}

/* "goroutine N[ gp=0x.. m=M|nil[ mp=0x..]] [state...]:" */
static int parse_header(struct parser *p, const char *s, size_t n)
{
	struct gs_goroutine g = {.m_id = -1, .wait_minutes = -1};
	size_t i = strlen("goroutine ");
	uint64_t v;
	if (!take_dec(s, n, &i, &g.id))
		return perr(p, -EBADMSG, "malformed goroutine header: bad goroutine id");
	if (take_lit(s, n, &i, " gp=")) {
		if (!take_hex(s, n, &i, &g.gp) || !take_lit(s, n, &i, " m="))
			return perr(p, -EBADMSG, "malformed goroutine header: bad gp= or m=");
		if (!take_lit(s, n, &i, "nil")) {
			if (!take_dec(s, n, &i, &v) || v > INT64_MAX)
				return perr(p, -EBADMSG, "malformed goroutine header: bad m=");
			g.m_id = (int64_t)v;
			if (take_lit(s, n, &i, " mp=") && !take_hex(s, n, &i, &g.mp))
				return perr(p, -EBADMSG, "malformed goroutine header: bad mp=");
		}
	}
	if (!take_lit(s, n, &i, " [") || !ends(s, n, "]:") || n - 2 < i)
		return perr(p, -EBADMSG, "malformed goroutine header: expected ' [state]:'");
	const char *st = s + i;
	size_t len = n - 2 - i, labels_at = len;
	for (size_t k = 0; k + 9 <= len; k++)
		if (memcmp(st + k, " labels:{", 9) == 0) {
			labels_at = k;
			break;
		}
	const char *labels = labels_at < len ? st + labels_at + 8 : NULL;
	size_t labels_len = labels ? len - labels_at - 8 : 0;
	len = labels_at;
	if (strip_number(st, &len, ", synctest bubble ", "", &v)) {
		if (v > INT64_MAX)
			return perr(p, -EBADMSG, "malformed goroutine header: bad bubble id");
		g.bubble = (int64_t)v;
	}
	if (strip(st, &len, ", locked to thread"))
		g.flags |= GS_G_LOCKED;
	if (strip_number(st, &len, ", ", " minutes", &v)) {
		if (v > INT64_MAX)
			return perr(p, -EBADMSG, "malformed goroutine header: bad minutes");
		g.wait_minutes = (int64_t)v;
	}
	if (strip(st, &len, " (scan)"))
		g.flags |= GS_G_SCAN;
	bool leaked = strip(st, &len, " (leaked)");
	if (!len)
		return perr(p, -EBADMSG, "malformed goroutine header: empty state");
	g.status = GS_GSTATUS_WAITING;
	for (size_t k = 0; k < GS_ARRAY_LEN(status_texts); k++)
		if (strlen(status_texts[k].text) == len && memcmp(status_texts[k].text, st, len) == 0)
			g.status = status_texts[k].status;
	int err = intern(p, st, len, &g.state);
	if (err)
		return err;
	if (g.status == GS_GSTATUS_WAITING && strcmp(gs_snapshot_str(p->s, g.state), "waiting"))
		g.wait_reason = g.state;
	if (leaked) {
		g.status = GS_GSTATUS_LEAKED;
		g.wait_reason = g.state;
	}
	if (g.status == GS_GSTATUS_UNKNOWN)
		g.state = 0;
	if (p->s->source == GS_SNAPSHOT_PANIC && !p->s->n_goroutines)
		g.flags |= GS_G_CURRENT;
	if (g.id) {
		/* goroutine 0 is each thread's g0 in crash output: not one goroutine, never merged */
		uint32_t idx;
		bool inserted;
		struct seen_key key = {p->s, g.id};
		err = gs_idxmap_intern(&p->seen, gs_hash_u64(g.id) | 1, seen_eq, &key,
				       (uint32_t)p->s->n_goroutines, &idx, &inserted);
		if (err)
			return cap_err(p, err);
		if (!inserted) {
			p->state = P_SKIP;
			return 0;
		}
	}
	err = gs_snapshot_begin_goroutine(p->s, &g, NULL);
	if (err)
		return cap_err(p, err);
	p->state = P_BODY;
	if (labels)
		return parse_labels(p, labels, labels_len);
	return 0;
}

/* "\tFILE:LINE[ +0xOFF][ fp=0x.. sp=0x.. pc=0x..]" into the file fields of a frame or a
 * creator. */
static int parse_fileline(struct parser *p, const char *s, size_t n, uint32_t *file,
			  int64_t *line, uint64_t *off, bool *has_off, struct gs_gframe *regs)
{
	size_t end = n;
	*has_off = false;
	/* the suffixes start at the first " +0x" or " fp=" after the last ':' */
	const char *colon = NULL;
	for (size_t k = n; k > 1; k--)
		if (s[k - 1] == ':') {
			colon = s + k - 1;
			break;
		}
	if (!colon)
		return perr(p, -EBADMSG, "expected '\\tFILE:LINE' after a frame");
	size_t i = (size_t)(colon - s) + 1;
	uint64_t v;
	if (!take_dec(s, n, &i, &v) || v > INT64_MAX)
		return perr(p, -EBADMSG, "bad line number in '\\tFILE:LINE'");
	end = (size_t)(colon - s);
	*line = (int64_t)v;
	if (take_lit(s, n, &i, " +")) {
		if (!take_hex(s, n, &i, off))
			return perr(p, -EBADMSG, "bad pc offset in '\\tFILE:LINE +0xOFF'");
		*has_off = true;
	}
	if (take_lit(s, n, &i, " fp=")) {
		uint64_t fp, sp, pc;
		if (!take_hex(s, n, &i, &fp) || !take_lit(s, n, &i, " sp=") ||
		    !take_hex(s, n, &i, &sp) || !take_lit(s, n, &i, " pc=") || !take_hex(s, n, &i, &pc))
			return perr(p, -EBADMSG, "bad ' fp=0x.. sp=0x.. pc=0x..' of a frame");
		if (regs) {
			regs->fp = fp;
			regs->sp = sp;
			regs->pc = pc;
			regs->flags |= GS_GFRAME_HAS_PC;
		}
	}
	if (i != n)
		return perr(p, -EBADMSG, "unexpected text after '\\tFILE:LINE'");
	return intern(p, s + 1, end - 1, file);
}

static struct gs_goroutine *current(struct parser *p)
{
	return &p->s->goroutines[p->s->n_goroutines - 1];
}

/* "...N frames elided..." / "...additional frames elided..." */
static int parse_elided(struct parser *p, const char *s, size_t n)
{
	struct gs_goroutine *g = current(p);
	uint64_t count = 0;
	size_t i = 3;
	if (n == strlen("...additional frames elided...") &&
	    memcmp(s, "...additional frames elided...", n) == 0) {
		count = 0;
	} else if (!take_dec(s, n, &i, &count) || count == 0 || count > UINT32_MAX ||
		   !take_lit(s, n, &i, " frames elided...") || i != n) {
		return perr(p, -EBADMSG, "malformed '...N frames elided...' line");
	}
	if (g->flags & GS_G_ELIDED)
		return perr(p, -EBADMSG, "a second elision marker in goroutine %llu",
			    (unsigned long long)g->id);
	g->flags |= GS_G_ELIDED;
	g->elided_at = g->n_frames;
	g->elided_count = (uint32_t)count;
	return 0;
}

/* "created by F[ in goroutine N]" */
static int parse_created(struct parser *p, const char *s, size_t n)
{
	struct gs_goroutine *g = current(p);
	const char *name = s + strlen("created by ");
	size_t len = n - strlen("created by ");
	for (size_t k = 0; k + 14 <= len; k++) {
		if (memcmp(name + k, " in goroutine ", 14) != 0)
			continue;
		size_t i = k + 14;
		uint64_t goid;
		if (!take_dec(name, len, &i, &goid) || i != len)
			return perr(p, -EBADMSG, "malformed 'created by F in goroutine N' line");
		g->created_by.goid = goid;
		len = k;
		break;
	}
	if (!len)
		return perr(p, -EBADMSG, "'created by' names no function");
	int err = intern(p, name, len, &g->created_by.func);
	if (err)
		return err;
	g->flags |= GS_G_HAS_CREATOR;
	p->state = P_CREATED;
	return 0;
}

/* "F(ARGS)": the arguments start at the last '(' (names contain parentheses, as in
 * "sync.(*Mutex).Lock", arguments never do). */
static bool split_call(const char *s, size_t n, size_t *open)
{
	if (!n || s[n - 1] != ')' || s[0] == '\t' || s[0] == ' ')
		return false;
	for (size_t k = n - 1; k > 0; k--)
		if (s[k - 1] == '(') {
			*open = k - 1;
			return *open > 0;
		}
	return false;
}

static int parse_call(struct parser *p, const char *s, size_t n, size_t open)
{
	struct gs_gframe f = {0};
	int err = intern(p, s, open, &f.func);
	if (!err && n - open - 2 == 3 && memcmp(s + open + 1, "...", 3) == 0)
		f.flags |= GS_GFRAME_INLINED;
	else if (!err)
		err = intern(p, s + open + 1, n - open - 2, &f.args);
	if (err)
		return err;
	p->frame = f;
	p->pending = s;
	p->pending_len = n;
	p->state = P_FRAME;
	return 0;
}

static void end_goroutine(struct parser *p)
{
	p->state = P_OUTSIDE;
}

/* Text that is not part of a goroutine: before the first one, or after one ended. */
static void outside_text(struct parser *p, const char *s, size_t n)
{
	if (!p->s->n_goroutines) {
		amble_add(&p->preamble, s, n);
		/* the kind of output is known from its first lines */
		if (p->s->source == GS_SNAPSHOT_UNKNOWN) {
			if (starts(s, n, "panic: ") || starts(s, n, "fatal error: ") ||
			    starts(s, n, "fatal: morestack"))
				p->s->source = GS_SNAPSHOT_PANIC;
			else if (starts(s, n, "SIG") || starts(s, n, "PC=0x"))
				p->s->source = GS_SNAPSHOT_TRACEBACK;
		}
	} else {
		amble_add(&p->postamble, s, n);
	}
}

static int parse_line(struct parser *p, const char *s, size_t n)
{
	size_t open;
	int err;
	/* strings are NUL-terminated in the model: a NUL inside a goroutine would cut a name */
	if (memchr(s, '\0', n) &&
	    (p->state != P_OUTSIDE || (starts(s, n, "goroutine ") && n > 10 && s[10] >= '0' && s[10] <= '9')))
		return perr(p, -EBADMSG, "a NUL byte in a goroutine: not dump text");
	switch (p->state) {
	case P_FRAME:
		if (n && s[0] == '\t') {
			struct gs_gframe *f = &p->frame;
			bool has_off;
			err = parse_fileline(p, s, n, &f->file, &f->line, &f->pc_offset, &has_off, f);
			if (err)
				return err;
			if (has_off)
				f->flags |= GS_GFRAME_HAS_OFF;
			if (has_off && (f->flags & GS_GFRAME_INLINED)) {
				/* "(...)" with an offset: a physical frame with elided arguments */
				f->flags &= ~(uint32_t)GS_GFRAME_INLINED;
				err = intern(p, "...", 3, &f->args);
				if (err)
					return err;
			}
			if ((err = gs_snapshot_add_frame(p->s, f)))
				return cap_err(p, err);
			p->state = P_BODY;
			return 0;
		}
		/* a call-like line that is no frame ends the goroutine (panic output followed by a
		 * program's own text) */
		end_goroutine(p);
		outside_text(p, p->pending, p->pending_len);
		return parse_line(p, s, n);
	case P_CREATED:
		if (!n || s[0] != '\t')
			return perr(p, -EBADMSG, "expected '\\tFILE:LINE' after 'created by'");
		{
			struct gs_gcreator *c = &current(p)->created_by;
			err = parse_fileline(p, s, n, &c->file, &c->line, &c->pc_offset,
					     &c->has_offset, NULL);
		}
		if (err)
			return err;
		p->state = P_BODY;
		return 0;
	case P_ANCESTOR:
	case P_SKIP:
		if (!n)
			end_goroutine(p);
		return 0;
	case P_BODY:
		if (!n) {
			end_goroutine(p);
			return 0;
		}
		if (starts(s, n, "created by "))
			return parse_created(p, s, n);
		if (starts(s, n, "...") && ends(s, n, "elided..."))
			return parse_elided(p, s, n);
		if (starts(s, n, "[originating from goroutine ")) {
			p->state = P_ANCESTOR;
			return 0;
		}
		if (starts(s, n, "\tgoroutine running on other thread; stack unavailable")) {
			current(p)->flags |= GS_G_NO_STACK;
			return 0;
		}
		if (starts(s, n, "non-Go function at pc=")) {
			struct gs_gframe f = {.flags = GS_GFRAME_CGO | GS_GFRAME_HAS_PC};
			size_t i = strlen("non-Go function at pc=");
			if (!take_hex(s, n, &i, &f.pc) || i != n)
				return perr(p, -EBADMSG, "malformed 'non-Go function at pc=0x..' line");
			if ((err = gs_snapshot_add_frame(p->s, &f)))
				return cap_err(p, err);
			return 0;
		}
		if (starts(s, n, "runtime: ")) {
			/* the unwinder's complaint ("unexpected return pc", "traceback stuck"):
			 * the stack printed so far is all there is */
			struct gs_goroutine *g = current(p);
			if (g->flags & GS_G_UNREADABLE)
				return 0;
			if ((err = gs_snapshot_mark_unreadable(p->s, g, s + 9, n - 9)))
				return cap_err(p, err);
			return 0;
		}
		if (starts(s, n, "goroutine ") && n > 10 && s[10] >= '0' && s[10] <= '9')
			return parse_header(p, s, n);
		if (split_call(s, n, &open))
			return parse_call(p, s, n, open);
		end_goroutine(p);
		outside_text(p, s, n);
		return 0;
	case P_OUTSIDE:
		if (starts(s, n, "goroutine ") && n > 10 && s[10] >= '0' && s[10] <= '9')
			return parse_header(p, s, n);
		outside_text(p, s, n);
		return 0;
	}
	return 0;
}

int gs_gdump_parse(const void *data, size_t len, struct gs_ctx *ctx, struct gs_snapshot **out)
{
	struct parser p = {.ctx = ctx};
	const char *text = data, *end = text + len;
	int err = gs_snapshot_new(ctx, &p.s);
	if (err)
		return gs_ctx_err(ctx, err, "%s", strerror(-err));
	gs_idxmap_init(&p.seen);
	gs_buf_init(&p.preamble, AMBLE_CAP);
	gs_buf_init(&p.postamble, AMBLE_CAP);
	if (len > ctx->limits.input_bytes) {
		err = gs_ctx_err(ctx, -E2BIG, "input exceeds the %llu-byte cap (limits.input_bytes)",
				 (unsigned long long)ctx->limits.input_bytes);
		goto out;
	}
	while (text < end) {
		const char *nl = memchr(text, '\n', (size_t)(end - text));
		size_t n = nl ? (size_t)(nl - text) : (size_t)(end - text);
		p.lineno++;
		if (n > p.s->limits.string_bytes) {
			err = perr(&p, -E2BIG, "a line longer than %llu bytes (limits.string_bytes)",
				   (unsigned long long)p.s->limits.string_bytes);
			goto out;
		}
		size_t trimmed = n && text[n - 1] == '\r' ? n - 1 : n;
		err = parse_line(&p, text, trimmed);
		if (err)
			goto out;
		text += n + (nl != NULL);
		if ((p.lineno & 0xffff) == 0 &&
		    (err = gs_ctx_progress(ctx, "parsing", (uint64_t)(text - (const char *)data), len)))
			goto out;
	}
	if (p.state == P_FRAME) {
		/* the input ends between a function and its file: a truncated dump */
		static const char why[] = "the dump ends in the middle of a frame";
		if ((err = gs_snapshot_mark_unreadable(p.s, current(&p), why, sizeof(why) - 1))) {
			err = cap_err(&p, err);
			goto out;
		}
	} else if (p.state == P_CREATED) {
		err = perr(&p, -EBADMSG, "the dump ends after 'created by' without its FILE:LINE");
		goto out;
	}
	if (!p.s->n_goroutines) {
		err = gs_ctx_err(ctx, -EBADMSG, "no 'goroutine N [state]:' line: not a goroutine dump");
		goto out;
	}
	if (p.s->source == GS_SNAPSHOT_UNKNOWN)
		p.s->source = p.s->goroutines[0].gp ? GS_SNAPSHOT_TRACEBACK : GS_SNAPSHOT_DEBUG2;
	if (p.preamble.len && (err = intern(&p, p.preamble.data, p.preamble.len, &p.s->preamble)))
		goto out;
	if (p.postamble.len &&
	    (err = intern(&p, p.postamble.data, p.postamble.len, &p.s->postamble)))
		goto out;
	gs_snapshot_classify_system(p.s);
out:
	gs_idxmap_release(&p.seen);
	gs_buf_release(&p.preamble);
	gs_buf_release(&p.postamble);
	if (err) {
		gs_snapshot_free(p.s);
		return err;
	}
	*out = p.s;
	return 0;
}

bool gs_gdump_detect(const void *data, size_t len)
{
	const char *s = data, *end = s + (len < 1024 * 1024 ? len : 1024 * 1024);
	/* a header at the start of a line within the first MiB: "goroutine N [" or
	 * "goroutine N gp=" */
	for (const char *line = s; line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t n = nl ? (size_t)(nl - line) : (size_t)(end - line);
		size_t i = 10;
		uint64_t id;
		if (starts(line, n, "goroutine ") && take_dec(line, n, &i, &id) &&
		    (take_lit(line, n, &i, " [") || take_lit(line, n, &i, " gp=")))
			return true;
		if (!nl)
			break;
		line = nl + 1;
	}
	return false;
}
