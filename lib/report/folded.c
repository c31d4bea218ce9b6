/* Folded stacks writer (Brendan Gregg's format, read by flamegraph.pl, speedscope, Pyroscope
 * and inferno): one line per distinct stack, "outermost;...;leaf value". Built on the flame
 * call tree, whose nodes with a non-zero self value are exactly the distinct stacks, so the
 * output is already merged and ordered heaviest first. The reader is lib/profile/folded.c. */
#include "goscope/flame.h"

void gs_folded_opts_init(struct gs_folded_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->sample_index = -1;
}

/* Frame names must not contain the separators of the format. */
static int add_frame(struct gs_buf *b, const char *s)
{
	size_t start = b->len;
	int err = gs_buf_addstr(b, s);
	if (err)
		return err;
	for (char *p = b->data + start; *p; p++) {
		if (*p == ';')
			*p = ':';
		else if (*p == '\n' || *p == '\r')
			*p = ' ';
	}
	return 0;
}

int gs_folded_write(const struct gs_profile *p, const struct gs_folded_opts *o, struct gs_out *out,
		    struct gs_ctx *ctx)
{
	struct gs_flame_opts fo;
	struct gs_flame *f;
	struct gs_buf path;
	size_t *offsets = NULL;
	int err;

	gs_flame_opts_init(&fo);
	fo.sample_index = o->sample_index;
	fo.granularity = o->granularity == GS_GRAN_DEFAULT ? GS_GRAN_FUNCTIONS : o->granularity;
	fo.noinlines = o->noinlines;
	fo.show_columns = o->show_columns;
	err = gs_flame_build(p, &fo, ctx, &f);
	if (err)
		return err;
	gs_buf_init(&path, 0);
	offsets = calloc((size_t)f->max_depth + 1, sizeof(*offsets));
	if (!offsets) {
		err = -ENOMEM;
		goto out;
	}
	/* preorder: the path of node i is its parent's path (offsets[depth-1]) plus its name */
	for (size_t i = 1; i < f->n_nodes && !err; i++) {
		const struct gs_flame_node *nd = &f->nodes[i];
		path.len = nd->depth > 1 ? offsets[nd->depth - 1] : 0;
		if (nd->depth > 1)
			err = gs_buf_addch(&path, ';');
		if (!err)
			err = add_frame(&path, gs_flame_str(f, f->frames[nd->frame].name));
		offsets[nd->depth] = path.len;
		if (err || !nd->self)
			continue;
		gs_out_add(out, path.data, path.len);
		err = gs_out_printf(out, " %lld\n", (long long)nd->self);
	}
	if (!err)
		err = out->err;
out:
	if (err == -ENOMEM && !ctx->errmsg[0])
		gs_ctx_err(ctx, err, "out of memory writing folded stacks");
	free(offsets);
	gs_buf_release(&path);
	gs_flame_free(f);
	return err;
}
