/* Preparing a profile for one report exactly as pprof's driver does (generateRawReport):
 * command overrides of the options, label pseudo-frames, the sample index and mean divisor,
 * the report total (before focus unless relative_percentages), the filters in pprof's order
 * (applyFocus) and granularity. The graph and the renderers are in lib/report. */
#include <ctype.h>

#include "pipeline.h"

void gs_report_free(struct gs_report *r)
{
	if (!r)
		return;
	gs_profile_free(r->prof);
	free(r->num_label_units);
	for (size_t i = 0; i < r->n_active_filters; i++)
		free(r->active_filters[i]);
	free(r->active_filters);
	gs_buf_release(&r->warnings);
	free(r);
}

/* pprof's applyCommandOverrides. */
static void command_overrides(struct gs_report_opts *o, enum gs_report_kind kind)
{
	bool trim = o->trim;
	switch (kind) {
	case GS_REPORT_PEEK:
		trim = false;
		break;
	case GS_REPORT_TOP:
		if (o->nodecount == -1)
			o->nodecount = 0;
		break;
	case GS_REPORT_FLAME:
		trim = false;
		if (o->granularity == GS_GRAN_DEFAULT)
			o->granularity = GS_GRAN_FILEFUNCTIONS;
		break;
	case GS_REPORT_RAW:
		trim = false;
		o->granularity = GS_GRAN_ADDRESSES;
		break;
	default:
		if (o->nodecount == -1)
			o->nodecount = 80;
		break;
	}
	if (!trim) {
		o->nodecount = 0;
		o->nodefraction = 0;
		o->edgefraction = 0;
	}
}

static void warn_no_match(struct gs_report *r, bool matched, const char *what)
{
	if (!matched)
		gs_buf_addf(&r->warnings, "%s expression matched no samples\n", what);
}

static int compile_opt(const char *name, const char *value, struct gs_ctx *ctx,
		       struct gs_regex **out)
{
	*out = NULL;
	if (!value || !*value)
		return 0;
	int err = gs_regex_compile(value, ctx, out);
	if (err)
		gs_ctx_prefix(ctx, err, "parsing %s regexp", name);
	return err;
}

static int compile_tag(struct gs_report *r, const char *name, const char *value,
		       struct gs_ctx *ctx, struct gs_tag_filter **out)
{
	bool is_range;
	*out = NULL;
	if (!value || !*value)
		return 0;
	int err = gs_tag_filter_compile(r->prof, value, r->num_label_units, r->n_num_label_units, ctx,
					 out, &is_range);
	if (err) {
		gs_ctx_prefix(ctx, err, "parsing %s regexp", name);
		return err;
	}
	if (is_range) {
		const char *v = strchr(value, '=');
		gs_buf_addf(&r->warnings, "%s:Interpreted '%s' as range, not regexp\n", name,
			    v ? v + 1 : value);
	}
	return 0;
}

/* pprof's applyFocus. */
static int apply_focus(struct gs_report *r, struct gs_ctx *ctx)
{
	const struct gs_report_opts *o = &r->opts;
	struct gs_regex *focus = NULL, *ignore = NULL, *hide = NULL, *show = NULL,
			*show_from = NULL, *prune_from = NULL, *tagshow = NULL, *taghide = NULL;
	struct gs_tag_filter *tagfocus = NULL, *tagignore = NULL;
	bool m[4];
	int err;
	if ((err = compile_opt("focus", o->focus, ctx, &focus)) ||
	    (err = compile_opt("ignore", o->ignore, ctx, &ignore)) ||
	    (err = compile_opt("hide", o->hide, ctx, &hide)) ||
	    (err = compile_opt("show", o->show, ctx, &show)) ||
	    (err = compile_opt("show_from", o->show_from, ctx, &show_from)) ||
	    (err = compile_tag(r, "tagfocus", o->tagfocus, ctx, &tagfocus)) ||
	    (err = compile_tag(r, "tagignore", o->tagignore, ctx, &tagignore)) ||
	    (err = compile_opt("prune_from", o->prune_from, ctx, &prune_from)))
		goto out;

	if ((err = gs_profile_filter_by_name(r->prof, focus, ignore, hide, show, m)))
		goto out;
	warn_no_match(r, !focus || m[0], "Focus");
	warn_no_match(r, !ignore || m[1], "Ignore");
	warn_no_match(r, !hide || m[2], "Hide");
	warn_no_match(r, !show || m[3], "Show");

	if ((err = gs_profile_show_from(r->prof, show_from, &m[0])))
		goto out;
	warn_no_match(r, !show_from || m[0], "ShowFrom");

	if ((err = gs_profile_filter_by_tag(r->prof, tagfocus, tagignore, m)))
		goto out;
	warn_no_match(r, !tagfocus || m[0], "TagFocus");
	warn_no_match(r, !tagignore || m[1], "TagIgnore");

	/* pprof compiles these only now, after the sample filters ran. */
	if ((err = compile_opt("tagshow", o->tagshow, ctx, &tagshow)) ||
	    (err = compile_opt("taghide", o->taghide, ctx, &taghide)))
		goto out;
	if ((err = gs_profile_filter_tags_by_name(r->prof, tagshow, taghide, m)))
		goto out;
	warn_no_match(r, !tagshow || m[0], "TagShow");
	warn_no_match(r, !taghide || m[1], "TagHide");

	err = gs_profile_prune_from(r->prof, prune_from);
out:
	gs_regex_free(focus);
	gs_regex_free(ignore);
	gs_regex_free(hide);
	gs_regex_free(show);
	gs_regex_free(show_from);
	gs_regex_free(prune_from);
	gs_regex_free(tagshow);
	gs_regex_free(taghide);
	gs_tag_filter_free(tagfocus);
	gs_tag_filter_free(tagignore);
	return err;
}

/* pprof's SampleIndexByName. */
static int sample_index(struct gs_report *r, const char *want, struct gs_ctx *ctx)
{
	const struct gs_profile *p = r->prof;
	int64_t i;
	if (!want || !*want) {
		const char *dflt = gs_profile_str(p, p->default_sample_type);
		int idx = *dflt ? gs_profile_find_sample_type(p, dflt) : -1;
		return idx >= 0 ? idx : (int)p->n_sample_types - 1;
	}
	if (gs_parse_i64(want[0] == '+' ? want + 1 : want, &i) == 0) {
		if (i < 0 || (size_t)i >= p->n_sample_types)
			return gs_ctx_err(ctx, -EINVAL, "sample_index %s is outside the range [0..%zu]",
					  want, p->n_sample_types - 1);
		return (int)i;
	}
	/* "inuse_space" also names "space" of old two-column heap profiles. */
	const char *no_inuse = !strncmp(want, "inuse_", 6) ? want + 6 : want;
	for (size_t t = 0; t < p->n_sample_types; t++) {
		const char *name = gs_profile_str(p, p->sample_types[t].type);
		if (!strcmp(name, want) || !strcmp(name, no_inuse))
			return (int)t;
	}
	struct gs_buf b = GS_BUF_INIT;
	for (size_t t = 0; t < p->n_sample_types; t++)
		gs_buf_addf(&b, "%s%s", t ? " " : "", gs_profile_str(p, p->sample_types[t].type));
	gs_ctx_err(ctx, -EINVAL, "sample_index \"%s\" must be one of: [%s]", want, b.data ? b.data : "");
	gs_buf_release(&b);
	return -EINVAL;
}

/* pprof's computeTotal. */
static int64_t compute_total(const struct gs_report *r)
{
	const struct gs_profile *p = r->prof;
	uint64_t total = 0, div = 0, diff_total = 0, diff_div = 0;
	uint8_t *is_base = calloc(p->n_labelsets + 1, 1);
	uint32_t key = 0, value = 0;
	bool have_base = false;
	/* Look the strings up without interning (p is not changed). */
	for (size_t i = 1; i < p->strings.len; i++) {
		if (!strcmp(p->strings.items[i].p, "pprof::base"))
			key = (uint32_t)i;
		else if (!strcmp(p->strings.items[i].p, "true"))
			value = (uint32_t)i;
	}
	if (is_base && key && value) {
		for (size_t s = 0; s < p->n_labelsets; s++) {
			uint32_t n;
			const struct gs_label *l = gs_profile_labelset(p, (uint32_t)s, &n);
			for (uint32_t i = 0; i < n; i++)
				if (l[i].key == key && l[i].str == value)
					is_base[s] = 1;
		}
		have_base = true;
	}
	for (size_t s = 0; s < p->n_samples; s++) {
		int64_t v = gs_report_sample_value(r, s), d = gs_report_sample_divisor(r, s);
		uint64_t a = v < 0 ? -(uint64_t)v : (uint64_t)v;
		total += a;
		div += (uint64_t)d;
		if (have_base && is_base[p->samples[s].labels]) {
			diff_total += a;
			diff_div += (uint64_t)d;
		}
	}
	free(is_base);
	if ((int64_t)diff_total > 0) {
		total = diff_total;
		div = diff_div;
	}
	if ((int64_t)div != 0)
		return gs_i64_div((int64_t)total, (int64_t)div);
	return (int64_t)total;
}

static int add_filter(struct gs_report *r, const char *name, const char *value)
{
	if (!value || !*value)
		return 0;
	char **f = realloc(r->active_filters, (r->n_active_filters + 1) * sizeof(*f));
	if (!f)
		return -ENOMEM;
	r->active_filters = f;
	size_t n = strlen(name) + strlen(value) + 2;
	if (!(f[r->n_active_filters] = malloc(n)))
		return -ENOMEM;
	snprintf(f[r->n_active_filters++], n, "%s=%s", name, value);
	return 0;
}

/* pprof's reportOptions: sample column, type name, divisor, active filters. */
static int report_options(struct gs_report *r, struct gs_ctx *ctx)
{
	const struct gs_profile *p = r->prof;
	const struct gs_report_opts *o = &r->opts;
	int err;
	if (p->n_sample_types == 0)
		return gs_ctx_err(ctx, -EINVAL, "profile has no samples");
	int idx = sample_index(r, o->sample_index, ctx);
	if (idx < 0)
		return idx;
	r->sample_index = idx;
	r->mean = o->mean;
	snprintf(r->sample_type, sizeof(r->sample_type), "%s%s", o->mean ? "mean_" : "",
		 gs_profile_str(p, p->sample_types[idx].type));
	snprintf(r->sample_unit, sizeof(r->sample_unit), "%s",
		 gs_profile_str(p, p->sample_types[idx].unit));
	if (o->divide_by == 0)
		return gs_ctx_err(ctx, -EINVAL, "zero divisor specified");
	if ((err = add_filter(r, "focus", o->focus)) || (err = add_filter(r, "ignore", o->ignore)) ||
	    (err = add_filter(r, "hide", o->hide)) || (err = add_filter(r, "show", o->show)) ||
	    (err = add_filter(r, "show_from", o->show_from)) ||
	    (err = add_filter(r, "tagfocus", o->tagfocus)) ||
	    (err = add_filter(r, "tagignore", o->tagignore)) ||
	    (err = add_filter(r, "tagshow", o->tagshow)) || (err = add_filter(r, "taghide", o->taghide)))
		return err;
	return 0;
}

/* pprof's aggregate (Profile.Aggregate): what a graph node keeps of a location line. */
static void aggregate(struct gs_report *r)
{
	const struct gs_report_opts *o = &r->opts;
	bool inlines = !o->noinlines;
	r->keep_function = r->keep_file = r->keep_line = r->keep_column = r->keep_address = false;
	switch (o->granularity) {
	case GS_GRAN_ADDRESSES:
		if (inlines) {
			r->keep_function = r->keep_file = r->keep_line = true;
			r->keep_column = r->keep_address = true;
			return;
		}
		r->keep_function = r->keep_file = r->keep_line = r->keep_address = true;
		break;
	case GS_GRAN_LINES:
		r->keep_function = r->keep_file = r->keep_line = true;
		break;
	case GS_GRAN_FILES:
		r->keep_file = true;
		break;
	case GS_GRAN_FILEFUNCTIONS:
		r->keep_function = r->keep_file = true;
		break;
	default:
		r->keep_function = true;
		break;
	}
	r->keep_column = r->keep_line && o->show_columns;
	if (!inlines) {
		struct gs_profile *p = r->prof;
		for (size_t i = 0; i < p->n_locations; i++) {
			struct gs_location *l = &p->locations[i];
			if (l->line_count > 1) {
				l->line_start += l->line_count - 1;
				l->line_count = 1;
			}
		}
	}
}

int gs_report_new(struct gs_profile *p, const struct gs_report_opts *o, enum gs_report_kind kind,
		  struct gs_ctx *ctx, struct gs_report **out)
{
	struct gs_report *r = calloc(1, sizeof(*r));
	bool m[2];
	int err;
	if (!r) {
		gs_profile_free(p);
		return -ENOMEM;
	}
	r->prof = p;
	r->opts = *o;
	r->kind = kind;
	gs_buf_init(&r->warnings, 0);
	snprintf(r->output_unit, sizeof(r->output_unit), "%s", o->unit ? o->unit : "minimum");
	if ((err = gs_profile_num_label_units(p, &r->num_label_units, &r->n_num_label_units,
					      &r->warnings)))
		goto fail;
	command_overrides(&r->opts, kind);

	/* Pseudo-frames first, so that the filters can match them. */
	if ((err = gs_profile_add_label_frames(p, r->opts.tagroot, r->opts.tagleaf, r->output_unit, m)))
		goto fail;
	warn_no_match(r, !r->opts.tagroot || !*r->opts.tagroot || m[0], "TagRoot");
	warn_no_match(r, !r->opts.tagleaf || !*r->opts.tagleaf || m[1], "TagLeaf");

	if (r->opts.relative_percentages && (err = apply_focus(r, ctx)))
		goto fail;
	if ((err = report_options(r, ctx)))
		goto fail;
	r->total = compute_total(r);
	if (!r->opts.relative_percentages && (err = apply_focus(r, ctx)))
		goto fail;
	aggregate(r);
	*out = r;
	return 0;
fail:
	gs_report_free(r);
	return err;
}
