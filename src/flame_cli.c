/* Shared by goscope flame, folded and convert, on top of the pprof flag table: preparing
 * the report, the call-tree options, the page subtitle and the default output name. */
#include "flame_cli.h"
#include "source.h"

int flame_cli_parse(struct flame_cli *c, const struct gs_cli_cmd *cmd, const struct gs_flag *own,
		    int argc, char **argv)
{
	memset(c, 0, sizeof(*c));
	gs_buf_init(&c->subtitle, 0);
	return gs_pprof_cli_parse(&c->pc, cmd, own, argc, argv);
}

/* The report's profile header ("File: x · Type: cpu · Time: ... · Duration: ..."). */
static void make_subtitle(struct flame_cli *c)
{
	struct gs_out o;
	gs_out_init(&o, NULL, NULL);
	if (gs_report_profile_labels(c->report, &o) == 0 && o.buf.data) {
		char *line = o.buf.data;
		while (*line) {
			char *nl = strchr(line, '\n');
			size_t n = nl ? (size_t)(nl - line) : strlen(line);
			/* the build id helps nobody reading a flame graph */
			if (n && strncmp(line, "Build ID:", 9)) {
				if (c->subtitle.len)
					gs_buf_addstr(&c->subtitle, " · ");
				gs_buf_add(&c->subtitle, line, n);
			}
			line += n + (nl ? 1 : 0);
		}
	}
	if (c->pc.diff_bases.len)
		gs_buf_addf(&c->subtitle, "%sdiff against %s", c->subtitle.len ? " · " : "",
			    c->pc.diff_bases.items[0]);
	gs_out_release(&o);
}

int flame_cli_load(struct flame_cli *c, enum gs_report_kind kind,
		   enum gs_granularity default_granularity, struct gs_ctx *ctx)
{
	if (c->pc.opts.granularity == GS_GRAN_DEFAULT)
		c->pc.opts.granularity = default_granularity;
	int rc = gs_pprof_cli_report(&c->pc, kind, ctx, &c->report);
	if (rc)
		return rc;
	c->prof = c->report->prof;
	if (c->report->mean)
		warn("-mean is not applied: the values are the sums of the samples");
	make_subtitle(c);
	return 0;
}

void flame_cli_tree_opts(const struct flame_cli *c, struct gs_flame_opts *o)
{
	gs_flame_opts_init(o);
	o->sample_index = c->report->sample_index;
	o->granularity = c->report->opts.granularity;
	o->noinlines = c->report->opts.noinlines;
	o->show_columns = c->report->opts.show_columns;
	o->total = c->report->total;
}

void flame_cli_folded_opts(const struct flame_cli *c, struct gs_folded_opts *o)
{
	gs_folded_opts_init(o);
	o->sample_index = c->report->sample_index;
	o->granularity = c->report->opts.granularity;
	o->noinlines = c->report->opts.noinlines;
	o->show_columns = c->report->opts.show_columns;
}

static bool strip_suffix(char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	if (n > m && !strcmp(s + n - m, suffix)) {
		s[n - m] = '\0';
		return true;
	}
	return false;
}

char *flame_cli_default_output(const char *source, const char *suffix)
{
	static const char *const exts[] = {".gz", ".pb", ".pprof", ".prof", ".proto", ".txt",
					   ".folded", ".json", ".speedscope"};
	char base[256];
	const char *s = source;
	if (!strcmp(source, "-")) {
		s = "stdin";
	} else if (gs_source_is_url(source)) {
		/* the last path component ("profile", "heap") without the query */
		const char *q = strchr(source, '?');
		size_t n = q ? (size_t)(q - source) : strlen(source);
		while (n && source[n - 1] == '/')
			n--;
		size_t start = n;
		while (start && source[start - 1] != '/')
			start--;
		snprintf(base, sizeof(base), "%.*s", (int)(n - start), source + start);
		s = base;
	} else {
		const char *slash = strrchr(source, '/');
		s = slash ? slash + 1 : source;
	}
	if (s != base)
		snprintf(base, sizeof(base), "%s", s);
	for (bool again = true; again;) {
		again = false;
		for (size_t i = 0; i < GS_ARRAY_LEN(exts); i++)
			again |= strip_suffix(base, exts[i]);
	}
	for (char *p = base; *p; p++)
		if (*p == ':' || *p == '/')
			*p = '_';
	struct gs_buf b;
	gs_buf_init(&b, 0);
	if (gs_buf_addf(&b, "%s%s", *base && strcmp(base, ".") ? base : "profile", suffix)) {
		gs_buf_release(&b);
		return NULL;
	}
	return gs_buf_detach(&b, NULL);
}

const char *flame_cli_source_title(const struct flame_cli *c)
{
	const char *s = c->pc.sources.items[0];
	if (!strcmp(s, "-"))
		return "stdin";
	if (gs_source_is_url(s))
		return s;
	const char *slash = strrchr(s, '/');
	return slash ? slash + 1 : s;
}

void flame_cli_release(struct flame_cli *c)
{
	gs_report_free(c->report);
	c->report = NULL;
	c->prof = NULL;
	gs_buf_release(&c->subtitle);
	gs_pprof_cli_release(&c->pc);
}
