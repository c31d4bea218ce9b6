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

static void put_line(FILE *fp, const char *file, int32_t line)
{
	char num[16];
	char *p = num + sizeof(num);
	uint32_t u = line < 0 ? (uint32_t)0 - (uint32_t)line : (uint32_t)line;
	*--p = '\n';
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (line < 0)
		*--p = '-';
	fputs(file, fp);
	fputc(':', fp);
	fwrite(p, 1, (size_t)(num + sizeof(num) - p), fp);
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
		err = gs_symbolizer_new(tab, 0, &sym);
	if (err) {
		rc = fail_ctx(ctx, err, "cannot read '%s'", path);
		goto out;
	}

	static char outbuf[1 << 16];
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	struct gs_out jo;
	gs_out_init(&jo, NULL, NULL);
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, stdin)) >= 0) {
		size_t n = (size_t)len;
		if (n && line[n - 1] == '\n')
			n--;
		if (n && line[n - 1] == '\r')
			n--;
		line[n] = 0;
		if (n > 65536)
			break; /* bufio.Scanner gives up on lines this long */
		if (memchr(line, ':', n)) {
			if (!json) {
				fputs("!reverse translation not implemented\n", stdout);
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
			fwrite(jo.buf.data, 1, jo.buf.len, stdout);
			continue;
		}
		uint64_t pc = parse_hex(line, n);
		const struct gs_frame *fr;
		size_t nf;
		int found = gs_symbolizer_lookup(sym, pc, &fr, &nf) == 0 && nf > 0;
		if (json) {
			gs_buf_reset(&jo.buf);
			put_json(&jo, line, pc, found ? fr : NULL, found ? nf : 0);
			fwrite(jo.buf.data, 1, jo.buf.len, stdout);
		} else if (!found) {
			fputs("?\n?:0\n", stdout);
		} else if (inlined) {
			for (size_t i = 0; i < nf; i++) {
				fputs(fr[i].function, stdout);
				fputc('\n', stdout);
				put_line(stdout, fr[i].file, fr[i].line);
			}
		} else {
			/* the physical function, with the innermost position */
			fputs(fr[nf - 1].function, stdout);
			fputc('\n', stdout);
			put_line(stdout, fr[0].file, fr[0].line);
		}
	}
	free(line);
	gs_out_release(&jo);
	if (fflush(stdout) != 0 && errno != EPIPE)
		rc = fail("cannot write to standard output: %s", strerror(errno));
out:
	gs_symbolizer_free(sym);
	gs_pclntab_free(tab);
	gs_elf_free(elf);
	return rc;
}
