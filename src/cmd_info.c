/* goscope info: what a Go binary is (Go version, main module, arch, PIE, cgo, stripped,
 * DWARF, build ids, dependencies, function table), and with -m exactly what
 * `go version -m` prints. A PID names the binary of a running process (/proc/PID/exe). */
#include <ctype.h>
#include <elf.h>
#include <sys/stat.h>

#include "cli.h"
#include "goscope/gobin.h"
#include "goscope/layout.h"

const char cmd_info_summary[] = "describe a Go binary: Go version, modules, build settings";
const char cmd_info_usage[] =
	"usage: goscope info [-m | --layout | --layout-table] [--json] BINARY|PID...\n"
	"\n"
	"Describes Go binaries without running them: the Go version that built them, the main\n"
	"package and module, the architecture, whether they are position-independent, use cgo,\n"
	"are stripped of their symbol table or of DWARF, their build ids, their dependencies and\n"
	"their function table. It reads the binary itself (.go.buildinfo and the pclntab), so it\n"
	"works on binaries built with -ldflags='-s -w'. A PID names the binary of that process.\n"
	"\n"
	"OPTIONS\n"
	"  -m        print exactly what `go version -m BINARY` prints\n"
	"  --layout  print the runtime layout goscope uses to read the binary's goroutines:\n"
	"            field offsets of runtime.g, m, sudog, hchan..., addresses of runtime\n"
	"            globals (allgs, allm...), wait-reason strings, and where each came from\n"
	"  --layout-table\n"
	"            print the field offsets as a layout table (the format of\n"
	"            lib/gobin/layouts, written by scripts/gen-layouts.sh)\n"
	"  --no-dwarf   with --layout: ignore DWARF, use the built-in table of the Go version\n"
	"  --no-symtab  with --layout: ignore .symtab and DWARF for addresses, scan the code\n"
	"  --json    print a JSON object per binary (an array for several)\n"
	"\n"
	"EXAMPLES\n"
	"  goscope info ./server\n"
	"  goscope info -m /usr/local/go/bin/go\n"
	"  goscope info --json $(pidof server)\n"
	"  goscope info --layout ./server\n";

/* A PID argument becomes /proc/PID/exe when no file of that name exists. */
static const char *resolve(const char *arg, char *buf, size_t size)
{
	struct stat st;
	size_t i;
	for (i = 0; arg[i]; i++)
		if (!isdigit((unsigned char)arg[i]))
			return arg;
	if (i == 0 || i > 9 || stat(arg, &st) == 0)
		return arg;
	snprintf(buf, size, "/proc/%s/exe", arg);
	return buf;
}

static bool has_cgo_symbols(struct gs_elf *e, struct gs_ctx *ctx)
{
	/* C functions linked in by runtime/cgo; the runtime's own _cgo_init variable exists
	 * in every binary and says nothing */
	static const char *const names[] = {"x_cgo_init", "crosscall2", "_cgo_sys_thread_start"};
	struct gs_elf_symbol sym;
	for (size_t i = 0; i < GS_ARRAY_LEN(names); i++)
		if (gs_elf_symbol_find(e, names[i], ctx, &sym) == 0 && sym.value && sym.type == STT_FUNC)
			return true;
	return false;
}

struct info {
	const char *name;
	struct gs_elf *elf;
	struct gs_buildinfo bi;
	struct gs_pclntab *pcln;
	bool stripped, dwarf, cgo_symbols;
	const char *cgo_setting;
	char gnu_build_id[129];
	char go_build_id[256];
};

static void printable(char *dst, size_t size, const char *p, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k + 1 < size && p[i]; i++)
		dst[k++] = isprint((unsigned char)p[i]) ? p[i] : '?';
	dst[k] = 0;
}

static void gather(struct info *in, struct gs_ctx *ctx)
{
	const struct gs_elf_symbol *syms;
	size_t nsyms = 0;
	const uint8_t *id;
	const char *goid;
	size_t len;

	in->stripped = gs_elf_symbols(in->elf, false, ctx, &syms, &nsyms) != 0 || nsyms == 0;
	in->dwarf = gs_elf_has_dwarf(in->elf);
	in->cgo_symbols = has_cgo_symbols(in->elf, ctx);
	in->cgo_setting = gs_buildinfo_setting(&in->bi, "CGO_ENABLED");
	if (gs_elf_gnu_build_id(in->elf, &id, &len) == 0)
		gs_hex(in->gnu_build_id, sizeof(in->gnu_build_id), id, len);
	if (gs_elf_go_build_id(in->elf, &goid, &len) == 0)
		printable(in->go_build_id, sizeof(in->go_build_id), goid, len);
	struct gs_ctx quiet = *ctx;
	if (gs_pclntab_open(in->elf, &quiet, &in->pcln) != 0)
		in->pcln = NULL;
	/* without a symbol table, the Go side of runtime/cgo shows in the function table */
	for (uint32_t i = 0; in->pcln && !in->cgo_symbols && i < gs_pclntab_nfunc(in->pcln); i++) {
		struct gs_func f;
		if (gs_pclntab_func_at(in->pcln, i, &f) == 0 && !strncmp(f.name, "runtime/cgo.", 12))
			in->cgo_symbols = true;
	}
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static void print_text(const struct info *in, struct gs_out *o)
{
	const struct gs_buildinfo *bi = &in->bi;
	size_t replaced = 0;
	for (size_t i = 0; i < bi->ndeps; i++)
		replaced += bi->deps[i].replace != NULL;
	gs_out_printf(o, "%s\n", in->name);
	gs_out_printf(o, "  go version     %s\n", bi->go_version);
	if (bi->path[0])
		gs_out_printf(o, "  path           %s\n", bi->path);
	if (bi->main.path[0])
		gs_out_printf(o, "  main module    %s %s\n", bi->main.path, bi->main.version);
	gs_out_printf(o, "  arch           %s\n", gs_arch_name(gs_elf_arch(in->elf)));
	gs_out_printf(o, "  pie            %s\n", yes_no(gs_elf_is_pie(in->elf)));
	gs_out_printf(o, "  linking        %s\n",
		      gs_elf_has_interp(in->elf) ? "dynamic (has an interpreter)" : "static");
	gs_out_printf(o, "  cgo            %s", in->cgo_symbols ? "yes (runtime/cgo linked in)" : "no");
	if (in->cgo_setting)
		gs_out_printf(o, " (CGO_ENABLED=%s)", in->cgo_setting);
	gs_out_printf(o, "\n");
	gs_out_printf(o, "  symbol table   %s\n", in->stripped ? "stripped" : "present");
	gs_out_printf(o, "  dwarf          %s\n", in->dwarf ? "present" : "absent");
	if (in->go_build_id[0])
		gs_out_printf(o, "  go build id    %s\n", in->go_build_id);
	if (in->gnu_build_id[0])
		gs_out_printf(o, "  gnu build id   %s\n", in->gnu_build_id);
	if (in->pcln)
		gs_out_printf(o, "  functions      %u (pclntab %#x, %s)\n", gs_pclntab_nfunc(in->pcln),
			      gs_pclntab_magic(in->pcln), gs_pclntab_source(in->pcln));
	gs_out_printf(o, "  dependencies   %zu", bi->ndeps);
	if (replaced)
		gs_out_printf(o, " (%zu replaced)", replaced);
	gs_out_printf(o, "\n");
	for (size_t i = 0; i < bi->ndeps; i++) {
		const struct gs_buildinfo_module *d = &bi->deps[i];
		gs_out_printf(o, "    %s %s", d->path, d->version);
		if (d->replace)
			gs_out_printf(o, " => %s %s", d->replace->path, d->replace->version);
		gs_out_printf(o, "\n");
	}
	if (bi->nsettings)
		gs_out_printf(o, "  build settings\n");
	for (size_t i = 0; i < bi->nsettings; i++)
		gs_out_printf(o, "    %s=%s\n", bi->settings[i].key, bi->settings[i].value);
}

static void json_module(struct gs_json *j, const struct gs_buildinfo_module *m)
{
	gs_json_obj_begin(j);
	gs_json_kstr(j, "path", m->path);
	gs_json_kstr(j, "version", m->version);
	if (m->sum[0])
		gs_json_kstr(j, "sum", m->sum);
	if (m->replace) {
		gs_json_key(j, "replace");
		json_module(j, m->replace);
	}
	gs_json_obj_end(j);
}

static void print_json(const struct info *in, struct gs_json *j)
{
	const struct gs_buildinfo *bi = &in->bi;
	gs_json_obj_begin(j);
	gs_json_kstr(j, "file", in->name);
	gs_json_kstr(j, "go_version", bi->go_version);
	gs_json_kstr(j, "path", bi->path);
	gs_json_key(j, "main");
	json_module(j, &bi->main);
	gs_json_kstr(j, "arch", gs_arch_name(gs_elf_arch(in->elf)));
	gs_json_kbool(j, "pie", gs_elf_is_pie(in->elf));
	gs_json_kbool(j, "dynamic", gs_elf_has_interp(in->elf));
	gs_json_kbool(j, "cgo", in->cgo_symbols);
	gs_json_kstr(j, "cgo_enabled", in->cgo_setting ? in->cgo_setting : "");
	gs_json_kbool(j, "stripped", in->stripped);
	gs_json_kbool(j, "dwarf", in->dwarf);
	gs_json_kstr(j, "go_build_id", in->go_build_id);
	gs_json_kstr(j, "gnu_build_id", in->gnu_build_id);
	if (in->pcln) {
		gs_json_key(j, "pclntab");
		gs_json_obj_begin(j);
		gs_json_ku64(j, "magic", gs_pclntab_magic(in->pcln));
		gs_json_ku64(j, "functions", gs_pclntab_nfunc(in->pcln));
		gs_json_ku64(j, "text_start", gs_pclntab_text_start(in->pcln));
		gs_json_kstr(j, "source", gs_pclntab_source(in->pcln));
		gs_json_obj_end(j);
	}
	gs_json_key(j, "deps");
	gs_json_arr_begin(j);
	for (size_t i = 0; i < bi->ndeps; i++)
		json_module(j, &bi->deps[i]);
	gs_json_arr_end(j);
	gs_json_key(j, "settings");
	gs_json_obj_begin(j);
	for (size_t i = 0; i < bi->nsettings; i++)
		gs_json_kstr(j, bi->settings[i].key, bi->settings[i].value);
	gs_json_obj_end(j);
	gs_json_obj_end(j);
}

static void print_layout_text(const char *name, const struct gs_layout *l, struct gs_out *o)
{
	unsigned flags = gs_layout_flags(l);
	gs_out_printf(o, "%s\n", name);
	gs_out_printf(o, "  go version     %s%s%s\n", gs_layout_go_version(l)[0] ? gs_layout_go_version(l) : "unknown",
		      flags & GS_LAYOUT_APPROXIMATE ? " (outside go1.21-go1.26: nearest table, may be wrong)" : "",
		      flags & GS_LAYOUT_VERSION_GUESSED ? " (guessed)" : "");
	gs_out_printf(o, "  arch           %s\n", gs_arch_name(gs_layout_arch(l)));
	gs_out_printf(o, "  labels         %s\n", gs_layout_labels_name(gs_layout_labels(l)));
	gs_out_printf(o, "  fields (offset, size in bytes, source)\n");
	for (int f = 0; f < GS_LF_COUNT; f++) {
		uint32_t off = gs_layout_off(l, f);
		const char *field = gs_layout_field_name(f);
		const char *src = gs_layout_source_name(gs_layout_field_source(l, f));
		if (off == GS_LAYOUT_UNKNOWN)
			gs_out_printf(o, "    %-22s unknown\n", field);
		else if (!strncmp(field, "sizeof.", 7)) /* a struct's size: no offset */
			gs_out_printf(o, "    %-22s       %5u  %s\n", field, gs_layout_size(l, f), src);
		else
			gs_out_printf(o, "    %-22s %5u %5u  %s\n", field, off, gs_layout_size(l, f), src);
	}
	gs_out_printf(o, "  addresses\n");
	for (int s = 0; s < GS_LS_COUNT; s++) {
		uint64_t addr;
		enum gs_layout_source src;
		if (gs_layout_addr(l, s, &addr, &src) == 0)
			gs_out_printf(o, "    %-26s %#18llx  %s\n", gs_layout_symbol_name(s),
				      (unsigned long long)addr, gs_layout_source_name(src));
		else
			gs_out_printf(o, "    %-26s unknown\n", gs_layout_symbol_name(s));
	}
	gs_out_printf(o, "  wait reasons   %zu (%s)\n", gs_layout_wait_reason_count(l),
		      gs_layout_source_name(gs_layout_wait_reason_source(l)));
	for (size_t i = 0; i < gs_layout_wait_reason_count(l); i++)
		gs_out_printf(o, "    %3zu %s\n", i, gs_layout_wait_reason(l, (unsigned)i));
}

static void print_layout_json(const char *name, const struct gs_layout *l, struct gs_json *j)
{
	unsigned flags = gs_layout_flags(l);
	gs_json_obj_begin(j);
	gs_json_kstr(j, "file", name);
	gs_json_kstr(j, "go_version", gs_layout_go_version(l));
	gs_json_kbool(j, "approximate", flags & GS_LAYOUT_APPROXIMATE);
	gs_json_kbool(j, "version_guessed", flags & GS_LAYOUT_VERSION_GUESSED);
	gs_json_kstr(j, "arch", gs_arch_name(gs_layout_arch(l)));
	gs_json_kstr(j, "labels", gs_layout_labels_name(gs_layout_labels(l)));
	gs_json_key(j, "fields");
	gs_json_obj_begin(j);
	for (int f = 0; f < GS_LF_COUNT; f++) {
		uint32_t off = gs_layout_off(l, f);
		if (off == GS_LAYOUT_UNKNOWN)
			continue;
		gs_json_key(j, gs_layout_field_name(f));
		gs_json_obj_begin(j);
		gs_json_ku64(j, "offset", off);
		gs_json_ku64(j, "size", gs_layout_size(l, f));
		gs_json_kstr(j, "source", gs_layout_source_name(gs_layout_field_source(l, f)));
		gs_json_obj_end(j);
	}
	gs_json_obj_end(j);
	gs_json_key(j, "addresses");
	gs_json_obj_begin(j);
	for (int s = 0; s < GS_LS_COUNT; s++) {
		uint64_t addr;
		enum gs_layout_source src;
		if (gs_layout_addr(l, s, &addr, &src) != 0)
			continue;
		gs_json_key(j, gs_layout_symbol_name(s));
		gs_json_obj_begin(j);
		gs_json_ku64(j, "address", addr);
		gs_json_kstr(j, "source", gs_layout_source_name(src));
		gs_json_obj_end(j);
	}
	gs_json_obj_end(j);
	gs_json_kstr(j, "wait_reasons_source", gs_layout_source_name(gs_layout_wait_reason_source(l)));
	gs_json_key(j, "wait_reasons");
	gs_json_arr_begin(j);
	for (size_t i = 0; i < gs_layout_wait_reason_count(l); i++)
		gs_json_str(j, gs_layout_wait_reason(l, (unsigned)i));
	gs_json_arr_end(j);
	gs_json_obj_end(j);
}

/* --layout and --layout-table for one opened binary. */
static int show_layout(struct info *in, unsigned lflags, bool table, bool json, struct gs_out *o,
		       struct gs_json *j, struct gs_ctx *ctx)
{
	struct gs_layout *l;
	int err = gs_layout_open(in->elf, NULL, lflags, ctx, &l);
	if (err)
		return err;
	if (table) {
		struct gs_buf b = GS_BUF_INIT;
		err = gs_layout_format(l, &b);
		if (!err)
			gs_out_add(o, b.data, b.len);
		gs_buf_release(&b);
	} else if (json) {
		print_layout_json(in->name, l, j);
	} else {
		print_layout_text(in->name, l, o);
	}
	gs_layout_free(l);
	return err;
}

/* The description of one opened binary (-m: what `go version -m` prints). */
static int show_info(struct info *in, bool mode_m, bool json, struct gs_out *o, struct gs_json *j,
		     struct gs_ctx *ctx)
{
	int err = gs_buildinfo_read(in->elf, ctx, &in->bi);
	if (err)
		return err;
	if (mode_m) {
		struct gs_buf b = GS_BUF_INIT;
		if (gs_buildinfo_format_m(&in->bi, in->name, &b) == 0)
			gs_out_add(o, b.data, b.len);
		gs_buf_release(&b);
		return 0;
	}
	gather(in, ctx);
	if (json)
		print_json(in, j);
	else
		print_text(in, o);
	return 0;
}

int cmd_info(int argc, char **argv, struct gs_ctx *ctx)
{
	bool mode_m = false, json = false, layout = false, layout_table = false;
	bool no_dwarf = false, no_symtab = false;
	struct gs_strlist pos = {0};
	const struct gs_flag flags[] = {
		{"m", 0, GS_FLAG_BOOL, &mode_m},
		{"json", 0, GS_FLAG_BOOL, &json},
		{"layout", 0, GS_FLAG_BOOL, &layout},
		{"layout-table", 0, GS_FLAG_BOOL, &layout_table},
		{"no-dwarf", 0, GS_FLAG_BOOL, &no_dwarf},
		{"no-symtab", 0, GS_FLAG_BOOL, &no_symtab},
		{0},
	};
	int rc = gs_flags_parse(gs_cli_find("info"), flags, argc, argv, &pos);
	if (rc)
		return rc == GS_FLAGS_HELP ? 0 : rc;
	if (pos.len == 0) {
		gs_strlist_release(&pos);
		return usage_error("missing BINARY or PID");
	}
	if (mode_m + layout + layout_table > 1 || (layout_table && json) ||
	    ((no_dwarf || no_symtab) && !layout && !layout_table)) {
		gs_strlist_release(&pos);
		return usage_error("-m, --layout and --layout-table exclude each other; --layout-table has "
				   "no --json; --no-dwarf and --no-symtab need --layout or --layout-table");
	}
	unsigned lflags = (no_dwarf ? GS_LAYOUT_NO_DWARF : 0) | (no_symtab ? GS_LAYOUT_NO_SYMTAB : 0);
	bool want_layout = layout || layout_table;
	struct gs_output out;
	if ((rc = gs_output_open(&out, NULL))) {
		gs_strlist_release(&pos);
		return rc;
	}
	struct gs_json j;
	gs_json_init(&j, &out.out, true);
	if (json && pos.len > 1)
		gs_json_arr_begin(&j);
	int status = 0;
	for (size_t i = 0; i < pos.len; i++) {
		char procbuf[64];
		struct info in = {0};
		int err;
		in.name = resolve(pos.items[i], procbuf, sizeof(procbuf));
		ctx->errmsg[0] = 0;
		/* what failed, for the message: the last step tried */
		const char *failed = want_layout ? "cannot open" : "cannot read Go build info from";
		err = gs_elf_open_path(in.name, ctx, &in.elf);
		if (!err && want_layout) {
			failed = "cannot work out the runtime layout of";
			err = show_layout(&in, lflags, layout_table, json, &out.out, &j, ctx);
		} else if (!err) {
			err = show_info(&in, mode_m && !json, json, &out.out, &j, ctx);
		}
		if (err) {
			gs_out_flush(&out.out);
			fflush(stdout);
			fail_ctx(ctx, err, "%s '%s'", failed, in.name);
			status = GS_EXIT_FAIL;
		}
		gs_pclntab_free(in.pcln);
		gs_buildinfo_release(&in.bi);
		gs_elf_free(in.elf);
	}
	if (json && pos.len > 1)
		gs_json_arr_end(&j);
	if (json)
		gs_json_end(&j);
	gs_strlist_release(&pos);
	rc = gs_output_close(&out, true);
	return rc ? rc : status;
}
