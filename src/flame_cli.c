/* Shared by goscope flame, folded and convert: the pprof flags that choose the samples and
 * the frames, loading and merging the sources, and the default output name. */
#include "flame_cli.h"
#include "source.h"

static int count_flags(const struct gs_flag *f)
{
	int n = 0;
	while (f && f[n].name)
		n++;
	return n;
}

int flame_cli_parse(struct flame_cli *c, const struct gs_cli_cmd *cmd, const struct gs_flag *own,
		    int argc, char **argv)
{
	memset(c, 0, sizeof(*c));
	gs_buf_init(&c->subtitle, 0);
	c->si = -1;
	const struct gs_flag shared[] = {
		{"sample_index", 0, GS_FLAG_STR, &c->sample_index},
		{"functions", 0, GS_FLAG_SET, &c->granularity, GS_GRAN_FUNCTIONS},
		{"filefunctions", 0, GS_FLAG_SET, &c->granularity, GS_GRAN_FILEFUNCTIONS},
		{"files", 0, GS_FLAG_SET, &c->granularity, GS_GRAN_FILES},
		{"lines", 0, GS_FLAG_SET, &c->granularity, GS_GRAN_LINES},
		{"addresses", 0, GS_FLAG_SET, &c->granularity, GS_GRAN_ADDRESSES},
		{"noinlines", 0, GS_FLAG_BOOL, &c->noinlines},
		{"show_columns", 0, GS_FLAG_BOOL, &c->show_columns},
	};
	int n_own = count_flags(own);
	size_t n = (size_t)n_own + GS_ARRAY_LEN(shared) + 1;
	c->flags = calloc(n, sizeof(*c->flags));
	if (!c->flags)
		return fail("out of memory");
	memcpy(c->flags, own, (size_t)n_own * sizeof(*own));
	memcpy(c->flags + n_own, shared, sizeof(shared));
	int rc = gs_flags_parse(cmd, c->flags, argc, argv, &c->sources);
	if (rc) {
		flame_cli_release(c);
		return rc;
	}
	if (!c->sources.len) {
		flame_cli_release(c);
		return usage_error("no profile source given");
	}
	return 0;
}

static int resolve_sample_index(struct flame_cli *c, struct gs_ctx *ctx)
{
	const struct gs_profile *p = c->prof;
	int64_t i;
	int requested = -1;
	if (c->sample_index) {
		if (gs_parse_i64(c->sample_index, &i) == 0) {
			if (i < 0 || (uint64_t)i >= p->n_sample_types)
				return fail("sample_index %lld is outside the range [0..%zu]",
					    (long long)i, p->n_sample_types ? p->n_sample_types - 1 : 0);
			requested = (int)i;
		} else {
			requested = gs_profile_find_sample_type(p, c->sample_index);
			if (requested < 0)
				return fail("sample_index '%s' is not a sample type of the profile",
					    c->sample_index);
		}
	}
	int err = gs_flame_sample_index(p, requested, ctx, &c->si);
	if (err)
		return fail_ctx(ctx, err, "cannot choose the sample type");
	return 0;
}

/* "Type: cpu · Duration: 3.17s": what the page shows under its title. */
static void make_subtitle(struct flame_cli *c)
{
	const struct gs_profile *p = c->prof;
	gs_buf_addf(&c->subtitle, "Type: %s",
		    gs_profile_str(p, p->sample_types[c->si].type));
	if (p->duration_nanos > 0) {
		gs_buf_addstr(&c->subtitle, " · Duration: ");
		gs_measure_label(&c->subtitle, p->duration_nanos, "nanoseconds", "auto");
	}
	if (c->sources.len > 1)
		gs_buf_addf(&c->subtitle, " · %zu sources merged", c->sources.len);
}

int flame_cli_load(struct flame_cli *c, struct gs_ctx *ctx)
{
	struct gs_source_opts so;
	memset(&so, 0, sizeof(so));
	if (c->sources.len > 1)
		return usage_error("merging several sources is not supported yet: give one source");
	int err = gs_source_load(c->sources.items[0], &so, ctx, &c->prof);
	if (err)
		return fail_ctx(ctx, err, "cannot read '%s'", c->sources.items[0]);
	int rc = resolve_sample_index(c, ctx);
	if (rc)
		return rc;
	make_subtitle(c);
	return 0;
}

void flame_cli_tree_opts(const struct flame_cli *c, struct gs_flame_opts *o)
{
	o->sample_index = c->si;
	o->granularity = (enum gs_granularity)c->granularity;
	o->noinlines = c->noinlines;
	o->show_columns = c->show_columns;
}

void flame_cli_folded_opts(const struct flame_cli *c, struct gs_folded_opts *o)
{
	gs_folded_opts_init(o);
	o->sample_index = c->si;
	o->granularity = (enum gs_granularity)c->granularity;
	o->noinlines = c->noinlines;
	o->show_columns = c->show_columns;
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
	const char *s = c->sources.items[0];
	if (!strcmp(s, "-"))
		return "stdin";
	if (gs_source_is_url(s))
		return s;
	const char *slash = strrchr(s, '/');
	return slash ? slash + 1 : s;
}

void flame_cli_release(struct flame_cli *c)
{
	gs_strlist_release(&c->sources);
	gs_profile_free(c->prof);
	c->prof = NULL;
	gs_buf_release(&c->subtitle);
	free(c->flags);
	c->flags = NULL;
}
