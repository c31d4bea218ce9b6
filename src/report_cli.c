/* One body for goscope traces, tags, tree and peek (see report_cli.h): they share pprof's
 * flags (pprof_cli.c) and differ in the report they prepare and the renderer they call. */
#include "report_cli.h"

#include "pprof_cli.h"

struct report_cmd {
	const char *name;
	enum gs_report_kind kind;
	bool graph; /* needs the trimmed graph */
};

static const struct report_cmd report_cmds[] = {
	{"traces", GS_REPORT_TRACES, false},
	{"tags", GS_REPORT_TAGS, false},
	{"tree", GS_REPORT_TREE, true},
	{"peek", GS_REPORT_PEEK, true},
};

static int render(const struct report_cmd *cmd, bool json, const struct gs_report *r,
		  const struct gs_graph *g, const struct gs_regex *re, const char *pattern,
		  struct gs_out *out, struct gs_ctx *ctx)
{
	switch (cmd->kind) {
	case GS_REPORT_TRACES:
		return json ? gs_report_traces_json(r, out, ctx) : gs_report_traces_text(r, out, ctx);
	case GS_REPORT_TAGS:
		return json ? gs_report_tags_json(r, out, ctx) : gs_report_tags_text(r, out, ctx);
	default:
		return json ? gs_report_tree_json(r, g, re, pattern, out, ctx)
			    : gs_report_tree_text(r, g, re, pattern, out, ctx);
	}
}

/* peek: takes the regular expression off the front of the positional arguments. */
static int peek_pattern(struct gs_pprof_cli *c, struct gs_ctx *ctx, const char **pattern,
			struct gs_regex **re)
{
	if (c->sources.len < 2)
		return usage_error(c->sources.len ? "no profile source after the regular expression"
						  : "missing regular expression");
	*pattern = c->sources.items[0];
	memmove(c->sources.items, c->sources.items + 1, --c->sources.len * sizeof(*c->sources.items));
	int err = gs_regex_compile(*pattern, ctx, re);
	if (err)
		return fail_ctx(ctx, err, "parsing argument regexp %s", *pattern);
	return 0;
}

int gs_report_cli_run(const char *name, int argc, char **argv, struct gs_ctx *ctx)
{
	const struct report_cmd *cmd = NULL;
	for (size_t i = 0; i < GS_ARRAY_LEN(report_cmds); i++)
		if (!strcmp(report_cmds[i].name, name))
			cmd = &report_cmds[i];
	if (!cmd)
		return fail("no report command '%s'", name);

	struct gs_pprof_cli c;
	struct gs_report *r = NULL;
	struct gs_graph *g = NULL;
	struct gs_regex *re = NULL;
	const char *pattern = NULL;
	struct gs_output out;
	int err, rc = gs_pprof_cli_parse(&c, gs_cli_find(name), NULL, argc, argv);
	if (rc) {
		gs_pprof_cli_release(&c);
		return rc == GS_FLAGS_HELP ? 0 : rc;
	}
	if (cmd->kind == GS_REPORT_PEEK && (rc = peek_pattern(&c, ctx, &pattern, &re)))
		goto done;
	if ((rc = gs_pprof_cli_report(&c, cmd->kind, ctx, &r)))
		goto done;
	if (cmd->graph && (err = gs_graph_new(r, ctx, &g))) {
		rc = fail_ctx(ctx, err, "cannot build the graph");
		goto done;
	}
	if ((rc = gs_output_open(&out, c.output)))
		goto done;
	gs_progress_enable(ctx);
	err = render(cmd, c.json, r, g, re, pattern, &out.out, ctx);
	gs_progress_done(ctx);
	/* A peek without a match writes nothing, as pprof prints nothing, and leaves no file. */
	if (err == -ENOENT && !(rc = gs_output_close(&out, false)))
		rc = fail("%s", gs_ctx_errmsg(ctx));
	else if (err != -ENOENT)
		rc = gs_output_finish(&out, err, ctx, "cannot write the report");
done:
	gs_regex_free(re);
	gs_graph_free(g);
	gs_report_free(r);
	gs_pprof_cli_release(&c);
	return rc;
}
