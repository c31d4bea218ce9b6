/* goscope addr2line: reads hexadecimal addresses on stdin and prints, for each, the function
 * and file:line exactly as `go tool addr2line` does; -i also prints the inlined frames.
 * Symbolization is the library's (pclntab + inline trees, cached). */
#include "cli.h"
#include "goscope/gobin.h"

const char cmd_addr2line_summary[] = "map addresses to functions and lines, like go tool addr2line";
const char cmd_addr2line_usage[] =
	"usage: goscope addr2line [-i] [--json] BINARY < ADDRESSES\n"
	"\n"
	"Reads hexadecimal addresses (one per line, optional 0x prefix) on standard input and\n"
	"writes two lines for each: the name of the function holding the address, then file:line\n"
	"of the source at that address. The output is byte for byte that of `go tool addr2line\n"
	"BINARY`: an address outside every function prints \"?\" and \"?:0\", an input line with a\n"
	"colon prints \"!reverse translation not implemented\". It reads the pclntab, so stripped\n"
	"(-ldflags='-s -w') binaries work.\n"
	"\n"
	"OPTIONS\n"
	"  -i        print the inlined frames too: for each address, one function line and one\n"
	"            file:line line per logical frame, innermost first; the last pair is the\n"
	"            physical function at its outermost call site (an extension: go tool\n"
	"            addr2line prints the physical function with the innermost file:line)\n"
	"  --json    print one JSON object per address on its own line: address, frames\n"
	"\n"
	"EXAMPLES\n"
	"  echo 0x401000 | goscope addr2line ./server\n"
	"  goscope addr2line -i ./server < pcs.txt\n";

/* strconv.ParseUint(s, 16, 64) with the error ignored, as go tool addr2line does: a syntax
 * error gives 0, an overflow the maximum. */
static uint64_t parse_hex(const char *s, size_t n)
{
	uint64_t v = 0;
	if (n >= 2 && s[0] == '0' && s[1] == 'x')
		s += 2, n -= 2;
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned d;
		char c = s[i];
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return 0;
		if (v >= (UINT64_C(1) << 60))
			return UINT64_MAX;
		v = v << 4 | d;
	}
	return v;
}

/* Output through one large buffer: a million addresses make two million short lines, and
 * stdio's per-call locking would cost more than symbolizing them. */
struct obuf {
	char data[1 << 16];
	size_t len;
	int err;
};

static void ob_flush(struct obuf *o)
{
	if (o->len && !o->err && fwrite(o->data, 1, o->len, stdout) != o->len)
		o->err = errno ? errno : EIO;
	o->len = 0;
}

static void ob_add(struct obuf *o, const char *p, size_t n)
{
	if (n > sizeof(o->data) - o->len) {
		ob_flush(o);
		if (n > sizeof(o->data)) {
			if (!o->err && fwrite(p, 1, n, stdout) != n)
				o->err = errno ? errno : EIO;
			return;
		}
	}
	memcpy(o->data + o->len, p, n);
	o->len += n;
}

static void ob_str(struct obuf *o, const char *s)
{
	ob_add(o, s, strlen(s));
}

/* "function\nfile:line\n" */
static void put_pos(struct obuf *o, const struct gs_position *pos)
{
	char num[16];
	char *p = num + sizeof(num);
	int32_t line = pos->line;
	uint32_t u = line < 0 ? (uint32_t)0 - (uint32_t)line : (uint32_t)line;
	*--p = '\n';
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (line < 0)
		*--p = '-';
	*--p = ':';
	ob_add(o, pos->function, pos->function_len);
	ob_add(o, "\n", 1);
	ob_add(o, pos->file, pos->file_len);
	ob_add(o, p, (size_t)(num + sizeof(num) - p));
}

static void put_frame(struct obuf *o, const char *function, const char *file, int32_t line)
{
	struct gs_position pos = {function, strlen(function), file, strlen(file), line};
	put_pos(o, &pos);
}

/* Lines of standard input without stdio's per-call costs: the whole of each read is scanned
 * for newlines, and only a line that straddles two reads is copied. */
struct lines {
	char buf[1 << 16];
	size_t start, len;
	bool eof;
	char *carry; /* a line spanning reads */
	size_t carry_len, carry_cap;
};

static bool carry_add(struct lines *in, const char *p, size_t k)
{
	if (in->carry_len + k + 1 > in->carry_cap) {
		size_t cap = (in->carry_len + k + 1) * 2;
		char *c = realloc(in->carry, cap);
		if (!c)
			return false;
		in->carry = c;
		in->carry_cap = cap;
	}
	memcpy(in->carry + in->carry_len, p, k);
	in->carry_len += k;
	in->carry[in->carry_len] = 0;
	return true;
}

/* The next line without its newline (NUL-terminated in place), or NULL at the end. */
static char *next_line(struct lines *in, size_t *n)
{
	for (;;) {
		char *p = in->buf + in->start;
		char *nl = memchr(p, '\n', in->len - in->start);
		if (nl || (in->eof && (in->start < in->len || in->carry_len))) {
			size_t k = nl ? (size_t)(nl - p) : in->len - in->start;
			in->start += k + (nl != NULL);
			if (!in->carry_len) {
				p[k] = 0; /* the buffer has one spare byte past len */
				*n = k;
				return p;
			}
			if (!carry_add(in, p, k))
				return NULL;
			*n = in->carry_len;
			in->carry_len = 0;
			return in->carry;
		}
		if (in->eof)
			return NULL;
		/* keep the partial line, read more */
		size_t rest = in->len - in->start;
		if (rest && !carry_add(in, p, rest))
			return NULL;
		size_t got = fread(in->buf, 1, sizeof(in->buf) - 1, stdin);
		in->start = 0;
		in->len = got;
		if (got == 0)
			in->eof = true;
	}
}

static void put_json(struct gs_out *o, const char *input, uint64_t pc, const struct gs_frame *fr,
		     size_t n)
{
	struct gs_json j;
	gs_json_init(&j, o, false);
	gs_json_obj_begin(&j);
	gs_json_kstr(&j, "input", input);
	gs_json_ku64(&j, "address", pc);
	gs_json_key(&j, "frames");
	gs_json_arr_begin(&j);
	for (size_t i = 0; i < n; i++) {
		gs_json_obj_begin(&j);
		gs_json_kstr(&j, "function", fr[i].function);
		gs_json_kstr(&j, "file", fr[i].file);
		gs_json_ki64(&j, "line", fr[i].line);
		gs_json_kbool(&j, "inlined", fr[i].inlined);
		gs_json_obj_end(&j);
	}
	gs_json_arr_end(&j);
	gs_json_obj_end(&j);
	gs_json_end(&j);
}

int cmd_addr2line(int argc, char **argv, struct gs_ctx *ctx)
{
	bool inlined = false, json = false;
	struct gs_strlist pos = {0};
	const struct gs_flag flags[] = {
		{"i", 0, GS_FLAG_BOOL, &inlined},
		{"json", 0, GS_FLAG_BOOL, &json},
		{0},
	};
	int rc = gs_flags_parse(gs_cli_find("addr2line"), flags, argc, argv, &pos);
	if (rc)
		return rc == GS_FLAGS_HELP ? 0 : rc;
	if (pos.len != 1) {
		gs_strlist_release(&pos);
		return usage_error(pos.len ? "too many arguments" : "missing BINARY");
	}
	const char *path = pos.items[0];
	gs_strlist_release(&pos);

	struct gs_elf *elf = NULL;
	struct gs_pclntab *tab = NULL;
	struct gs_symbolizer *sym = NULL;
	int err = gs_elf_open_path(path, ctx, &elf);
	if (!err)
		err = gs_pclntab_open(elf, ctx, &tab);
	if (!err)
		err = gs_symbolizer_new(tab, 4096, &sym);
	if (err) {
		rc = fail_ctx(ctx, err, "cannot read '%s'", path);
		goto out;
	}

	static struct obuf ob;
	struct gs_out jo;
	gs_out_init(&jo, NULL, NULL);
	static struct lines in;
	char *line;
	size_t n;
	while ((line = next_line(&in, &n))) {
		if (n && line[n - 1] == '\r')
			line[--n] = 0;
		if (n > 65536)
			break; /* bufio.Scanner gives up on lines this long */
		if (memchr(line, ':', n)) {
			if (!json) {
				ob_str(&ob, "!reverse translation not implemented\n");
				continue;
			}
			struct gs_json j;
			gs_buf_reset(&jo.buf);
			gs_json_init(&j, &jo, false);
			gs_json_obj_begin(&j);
			gs_json_kstr(&j, "input", line);
			gs_json_kstr(&j, "error", "reverse translation not implemented");
			gs_json_obj_end(&j);
			gs_json_end(&j);
			ob_add(&ob, jo.buf.data, jo.buf.len);
			continue;
		}
		uint64_t pc = parse_hex(line, n);
		const struct gs_frame *fr;
		size_t nf;
		if (!json && !inlined) {
			struct gs_position where;
			if (gs_symbolizer_position(sym, pc, &where) == 0)
				put_pos(&ob, &where);
			else
				ob_str(&ob, "?\n?:0\n");
			if (ob.err)
				break;
			continue;
		}
		int found = gs_symbolizer_lookup(sym, pc, &fr, &nf) == 0 && nf > 0;
		if (json) {
			gs_buf_reset(&jo.buf);
			put_json(&jo, line, pc, found ? fr : NULL, found ? nf : 0);
			ob_add(&ob, jo.buf.data, jo.buf.len);
		} else if (!found) {
			ob_str(&ob, "?\n?:0\n");
		} else {
			for (size_t i = 0; i < nf; i++)
				put_frame(&ob, fr[i].function, fr[i].file, fr[i].line);
		}
		if (ob.err)
			break;
	}
	free(in.carry);
	gs_out_release(&jo);
	ob_flush(&ob);
	if (!ob.err && fflush(stdout) != 0)
		ob.err = errno;
	if (ob.err && ob.err != EPIPE)
		rc = fail("cannot write to standard output: %s", strerror(ob.err));
out:
	gs_symbolizer_free(sym);
	gs_pclntab_free(tab);
	gs_elf_free(elf);
	return rc;
}
