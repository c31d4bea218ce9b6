/* pprof's command-line flags for every report command, and loading the sources they name:
 * parsing (Go flag spelling, pprof's choices and legacy shorthands and their conflicts),
 * reading each source (files, stdin, URLs), refusing executables clearly, and combining them
 * with -base/-diff_base/-normalize. Facts from pprof's driver/cli.go and fetch.go. */

#include "pprof_cli.h"

enum { F_FUNCTIONS, F_FILEFUNCTIONS, F_FILES, F_LINES, F_ADDRESSES };
static const char *const gran_names[] = {"functions", "filefunctions", "files", "lines",
					 "addresses"};

/* The legacy shorthands in the order pprof applies them. */
static const struct {
	const char *flag, *sample;
} legacy[] = {
	{"total_delay", "delay"},       {"mean_delay", "delay"},       {"contentions", "contentions"},
	{"inuse_space", "inuse_space"}, {"inuse_objects", "inuse_objects"},
	{"alloc_space", "alloc_space"}, {"alloc_objects", "alloc_objects"},
};

static size_t count_flags(const struct gs_flag *f)
{
	size_t n = 0;
	while (f && f[n].name)
		n++;
	return n;
}

int gs_pprof_cli_parse(struct gs_pprof_cli *c, const struct gs_cli_cmd *cmd,
		       const struct gs_flag *extra, int argc, char **argv)
{
	struct gs_report_opts *o = &c->opts;
	memset(c, 0, sizeof(*c));
	gs_report_opts_init(o);
	const struct gs_flag shared[] = {
		{"sample_index", 0, GS_FLAG_STR, &o->sample_index},
		{"mean", 0, GS_FLAG_BOOL, &o->mean},
		{"focus", 0, GS_FLAG_STR, &o->focus},
		{"ignore", 0, GS_FLAG_STR, &o->ignore},
		{"hide", 0, GS_FLAG_STR, &o->hide},
		{"show", 0, GS_FLAG_STR, &o->show},
		{"show_from", 0, GS_FLAG_STR, &o->show_from},
		{"prune_from", 0, GS_FLAG_STR, &o->prune_from},
		{"tagfocus", 0, GS_FLAG_STR, &o->tagfocus},
		{"tagignore", 0, GS_FLAG_STR, &o->tagignore},
		{"tagshow", 0, GS_FLAG_STR, &o->tagshow},
		{"taghide", 0, GS_FLAG_STR, &o->taghide},
		{"tagroot", 0, GS_FLAG_STR, &o->tagroot},
		{"tagleaf", 0, GS_FLAG_STR, &o->tagleaf},
		{"nodecount", 0, GS_FLAG_INT, &o->nodecount},
		{"nodefraction", 0, GS_FLAG_F64, &o->nodefraction},
		{"edgefraction", 0, GS_FLAG_F64, &o->edgefraction},
		{"trim", 0, GS_FLAG_BOOL, &o->trim},
		{"cum", 0, GS_FLAG_BOOL, &c->sort_cum},
		{"flat", 0, GS_FLAG_BOOL, &c->sort_flat},
		{"unit", 0, GS_FLAG_STR, &o->unit},
		{"divide_by", 0, GS_FLAG_F64, &o->divide_by},
		{"diff_base", 0, GS_FLAG_STRLIST, &c->diff_bases},
		{"base", 0, GS_FLAG_STRLIST, &c->bases},
		{"normalize", 0, GS_FLAG_BOOL, &c->normalize},
		{"relative_percentages", 0, GS_FLAG_BOOL, &o->relative_percentages},
		{"functions", 0, GS_FLAG_BOOL, &c->gran[F_FUNCTIONS]},
		{"filefunctions", 0, GS_FLAG_BOOL, &c->gran[F_FILEFUNCTIONS]},
		{"files", 0, GS_FLAG_BOOL, &c->gran[F_FILES]},
		{"lines", 0, GS_FLAG_BOOL, &c->gran[F_LINES]},
		{"addresses", 0, GS_FLAG_BOOL, &c->gran[F_ADDRESSES]},
		{"noinlines", 0, GS_FLAG_BOOL, &o->noinlines},
		{"drop_negative", 0, GS_FLAG_BOOL, &o->drop_negative},
		{"showcolumns", 0, GS_FLAG_BOOL, &o->show_columns},
		{"show_columns", 0, GS_FLAG_BOOL, &c->show_columns_alt},
		{"compact_labels", 0, GS_FLAG_BOOL, &o->compact_labels},
		{"all_frames", 0, GS_FLAG_BOOL, &o->all_frames},
		{"trim_path", 0, GS_FLAG_STR, &o->trim_path},
		{"inuse_space", 0, GS_FLAG_BOOL, &c->legacy[3]},
		{"inuse_objects", 0, GS_FLAG_BOOL, &c->legacy[4]},
		{"alloc_space", 0, GS_FLAG_BOOL, &c->legacy[5]},
		{"alloc_objects", 0, GS_FLAG_BOOL, &c->legacy[6]},
		{"total_delay", 0, GS_FLAG_BOOL, &c->legacy[0]},
		{"contentions", 0, GS_FLAG_BOOL, &c->legacy[2]},
		{"mean_delay", 0, GS_FLAG_BOOL, &c->legacy[1]},
		{"seconds", 0, GS_FLAG_DURATION, &c->source.seconds_ns},
		{"timeout", 0, GS_FLAG_DURATION, &c->source.timeout_ns},
		{"symbolize", 0, GS_FLAG_STR, &c->symbolize},
		{"output", 'o', GS_FLAG_STR, &c->output},
		{"json", 0, GS_FLAG_BOOL, &c->json},
	};
	size_t n_shared = GS_ARRAY_LEN(shared), n_extra = count_flags(extra);
	struct gs_flag *all = calloc(n_shared + n_extra + 1, sizeof(*all));
	if (!all)
		return fail("out of memory");
	/* A command's own flags come first so that they can take over a shared name. */
	if (n_extra)
		memcpy(all, extra, n_extra * sizeof(*all));
	memcpy(all + n_extra, shared, sizeof(shared));
	int rc = gs_flags_parse(cmd, all, argc, argv, &c->sources);
	free(all);
	if (rc)
		return rc;

	if (c->show_columns_alt)
		o->show_columns = true;
	int n_gran = 0;
	struct gs_buf set = GS_BUF_INIT;
	for (int i = 0; i < 5; i++) {
		if (!c->gran[i])
			continue;
		gs_buf_addf(&set, "%s-%s", n_gran ? " " : "", gran_names[i]);
		o->granularity = (enum gs_granularity)(GS_GRAN_FUNCTIONS + i);
		n_gran++;
	}
	if (n_gran > 1) {
		rc = usage_error("conflicting options set: %s", set.data);
		gs_buf_release(&set);
		return rc;
	}
	gs_buf_release(&set);
	if (c->sort_cum && c->sort_flat)
		return usage_error("conflicting options set: -cum -flat");
	o->cum = c->sort_cum;
	for (size_t i = 0; i < GS_ARRAY_LEN(legacy); i++) {
		if (!c->legacy[i])
			continue;
		if (!o->sample_index)
			o->sample_index = legacy[i].sample;
		else
			warn("multiple value selections, ignoring -%s", legacy[i].flag);
	}
	if (c->legacy[1])
		o->mean = true;
	if (c->sources.len == 0)
		return usage_error("no profile source specified");
	if (c->bases.len && c->diff_bases.len)
		return usage_error("-base and -diff_base flags cannot both be specified");
	if (c->normalize && !c->bases.len && !c->diff_bases.len)
		return usage_error("must have base profile to normalize by");
	if (o->divide_by == 0)
		return usage_error("zero divisor specified");
	return 0;
}

void gs_pprof_cli_release(struct gs_pprof_cli *c)
{
	gs_pclntab_free(c->bin_tab);
	gs_elf_free(c->bin_elf);
	c->bin_tab = NULL;
	c->bin_elf = NULL;
	gs_strlist_release(&c->sources);
	gs_strlist_release(&c->bases);
	gs_strlist_release(&c->diff_bases);
}

/* An ELF file (by its magic): the binary, in first place; elsewhere a mistake. */
static bool is_executable(const char *path)
{
	unsigned char magic[4];
	FILE *f;
	if (!strcmp(path, "-") || gs_source_is_url(path) || !(f = fopen(path, "rb")))
		return false;
	size_t n = fread(magic, 1, sizeof(magic), f);
	fclose(f);
	return n == 4 && !memcmp(magic, "\x7f" "ELF", 4);
}

/* Takes a leading ELF executable off the sources and opens it as the Go binary. */
static int open_binary(struct gs_pprof_cli *c, struct gs_ctx *ctx)
{
	if (c->bin_tab || c->sources.len < 2 || !is_executable(c->sources.items[0]))
		return 0;
	c->binary = c->sources.items[0];
	memmove(c->sources.items, c->sources.items + 1, --c->sources.len * sizeof(*c->sources.items));
	int err = gs_elf_open_path(c->binary, ctx, &c->bin_elf);
	if (!err)
		err = gs_pclntab_open(c->bin_elf, ctx, &c->bin_tab);
	if (err)
		return fail_ctx(ctx, err, "cannot read the binary '%s'", c->binary);
	return 0;
}

/* Library warnings, one line each, as goscope warnings; prefix (a source name, or NULL)
 * goes before each line. */
static void print_warnings(const char *prefix, const struct gs_buf *w)
{
	for (const char *s = w->data; s && *s;) {
		size_t n = strcspn(s, "\n");
		if (prefix)
			warn("%s: %.*s", prefix, (int)n, s);
		else
			warn("%.*s", (int)n, s);
		s += n + (s[n] == '\n');
	}
}

static int load_list(const struct gs_strlist *l, struct gs_pprof_cli *c,
		     const struct gs_symbolize_mode *mode, struct gs_ctx *ctx, struct gs_profile **ps)
{
	for (size_t i = 0; i < l->len; i++) {
		const char *src = l->items[i];
		if (is_executable(src)) {
			error("%s: '%s' is an executable, not a profile", gs_cli_prog, src);
			hint("a Go binary goes first, before the profiles it symbolizes: "
			     "goscope top BINARY PROFILE");
			return GS_EXIT_FAIL;
		}
		int err = gs_source_load(src, &c->source, ctx, &ps[i]);
		if (err)
			return fail_ctx(ctx, err, "cannot read '%s'", src);
		if (!c->bin_tab || mode->off || !mode->local)
			continue;
		struct gs_symbolize_opts so = {c->binary, mode->force};
		struct gs_buf warnings = GS_BUF_INIT;
		err = gs_profile_symbolize(ps[i], c->bin_elf, c->bin_tab, &so, ctx, &warnings);
		print_warnings(src, &warnings);
		gs_buf_release(&warnings);
		if (err)
			return fail_ctx(ctx, err, "cannot symbolize '%s'", src);
	}
	return 0;
}

int gs_pprof_cli_load(struct gs_pprof_cli *c, struct gs_ctx *ctx, struct gs_profile **out)
{
	const struct gs_strlist *bases = c->diff_bases.len ? &c->diff_bases : &c->bases;
	struct gs_profile **srcs = calloc(c->sources.len + 1, sizeof(*srcs));
	struct gs_profile **base = calloc(bases->len + 1, sizeof(*base));
	struct gs_combine_opts co = {c->diff_bases.len > 0, c->normalize, c->opts.all_frames};
	int rc;
	/* pprof warns about the value once, then ignores what it does not know */
	if (!gs_symbolize_mode_parse(c->symbolize, &co.symbolize))
		warn("ignoring unrecognized symbolization option: %s", c->symbolize);
	if (!srcs || !base) {
		free(srcs);
		free(base);
		return fail("out of memory");
	}
	gs_progress_enable(ctx);
	rc = open_binary(c, ctx);
	if (!rc)
		rc = load_list(&c->sources, c, &co.symbolize, ctx, srcs);
	if (!rc)
		rc = load_list(bases, c, &co.symbolize, ctx, base);
	gs_progress_done(ctx);
	if (rc) {
		for (size_t i = 0; i < c->sources.len; i++)
			gs_profile_free(srcs[i]);
		for (size_t i = 0; i < bases->len; i++)
			gs_profile_free(base[i]);
	} else {
		int err = gs_profile_combine(srcs, c->sources.len, base, bases->len, &co, ctx, out);
		if (err)
			rc = fail("%s", gs_ctx_errmsg(ctx)[0] ? gs_ctx_errmsg(ctx) : strerror(-err));
	}
	free(srcs);
	free(base);
	return rc;
}

int gs_pprof_cli_report(struct gs_pprof_cli *c, enum gs_report_kind kind, struct gs_ctx *ctx,
			struct gs_report **out)
{
	struct gs_profile *p;
	int rc = gs_pprof_cli_load(c, ctx, &p);
	if (rc)
		return rc;
	ctx->errmsg[0] = '\0';
	int err = gs_report_new(p, &c->opts, kind, ctx, out);
	if (err)
		return fail("%s", gs_ctx_errmsg(ctx)[0] ? gs_ctx_errmsg(ctx) : strerror(-err));
	print_warnings(NULL, &(*out)->warnings);
	return 0;
}
