/* Speedscope writer: the profile as a speedscope file (https://www.speedscope.app), one
 * "sampled" profile per sample type, the selected one first. Each profile's samples are the
 * distinct stacks of the flame call tree (nodes with a self value) with their weights, and
 * the frames {name, file} are shared by all profiles. */
#include "goscope/flame.h"

/* speedscope's ValueUnit for a pprof unit */
static const char *speedscope_unit(const char *unit)
{
	static const char *const known[] = {"nanoseconds", "microseconds", "milliseconds", "seconds",
					    "bytes"};
	for (size_t i = 0; i < GS_ARRAY_LEN(known); i++)
		if (!strcmp(unit, known[i]))
			return known[i];
	return "none";
}

struct shared_frames {
	struct gs_strtab keys; /* "name\0file" -> index + 1 */
	uint32_t *remap;       /* tree frame -> shared frame, per tree */
};

static int write_profile(const struct gs_profile *p, int si, struct shared_frames *sf,
			 struct gs_json *j, struct gs_ctx *ctx)
{
	struct gs_flame_opts fo;
	struct gs_flame *f;
	uint32_t *path = NULL;
	struct gs_buf key;
	int err;

	gs_flame_opts_init(&fo);
	fo.sample_index = si;
	fo.granularity = GS_GRAN_FILEFUNCTIONS;
	err = gs_flame_build(p, &fo, ctx, &f);
	if (err)
		return err;
	gs_buf_init(&key, 0);
	free(sf->remap);
	sf->remap = malloc(f->n_frames * sizeof(*sf->remap));
	path = malloc(((size_t)f->max_depth + 1) * sizeof(*path));
	if (!sf->remap || !path) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < f->n_frames && !err; i++) {
		const char *name = gs_flame_str(f, f->frames[i].name);
		const char *file = gs_flame_str(f, f->frames[i].file);
		gs_buf_reset(&key);
		gs_buf_add(&key, name, strlen(name) + 1);
		err = gs_buf_addstr(&key, file);
		if (!err)
			err = gs_strtab_intern(&sf->keys, key.data, key.len, 0, &sf->remap[i]);
		sf->remap[i]--; /* index 0 of the table is "" */
	}
	if (err)
		goto out;

	gs_json_obj_begin(j);
	gs_json_kstr(j, "type", "sampled");
	gs_json_kstr(j, "name", gs_flame_str(f, f->sample_type));
	gs_json_kstr(j, "unit", speedscope_unit(gs_flame_str(f, f->sample_unit)));
	gs_json_ki64(j, "startValue", 0);
	gs_json_ki64(j, "endValue", f->nodes[0].pos - f->nodes[0].neg);
	gs_json_key(j, "samples");
	gs_json_arr_begin(j);
	for (size_t i = 1; i < f->n_nodes; i++) {
		const struct gs_flame_node *nd = &f->nodes[i];
		path[nd->depth] = sf->remap[nd->frame];
		if (!nd->self)
			continue;
		gs_json_arr_begin(j);
		for (uint32_t d = 1; d <= nd->depth; d++)
			gs_json_u64(j, path[d]);
		gs_json_arr_end(j);
	}
	gs_json_arr_end(j);
	gs_json_key(j, "weights");
	gs_json_arr_begin(j);
	for (size_t i = 1; i < f->n_nodes; i++)
		if (f->nodes[i].self)
			gs_json_i64(j, f->nodes[i].self);
	gs_json_arr_end(j);
	gs_json_obj_end(j);
	err = j->out->err;
out:
	if (err == -ENOMEM && !ctx->errmsg[0])
		gs_ctx_err(ctx, err, "out of memory writing speedscope");
	gs_buf_release(&key);
	free(path);
	gs_flame_free(f);
	return err;
}

int gs_speedscope_write(const struct gs_profile *p, int sample_index, const char *name,
			struct gs_out *out, struct gs_ctx *ctx)
{
	struct shared_frames sf;
	struct gs_json j;
	int si, err;

	err = gs_flame_sample_index(p, sample_index, ctx, &si);
	if (err)
		return err;
	memset(&sf, 0, sizeof(sf));
	err = gs_strtab_init(&sf.keys);
	if (err)
		return err;
	gs_json_init(&j, out, false);
	gs_json_obj_begin(&j);
	gs_json_kstr(&j, "$schema", "https://www.speedscope.app/file-format-schema.json");
	gs_json_kstr(&j, "name", name ? name : "profile");
	gs_json_ki64(&j, "activeProfileIndex", 0);
	gs_json_kstr(&j, "exporter", "goscope " GS_VERSION);
	gs_json_key(&j, "profiles");
	gs_json_arr_begin(&j);
	err = write_profile(p, si, &sf, &j, ctx);
	for (size_t i = 0; i < p->n_sample_types && !err; i++)
		if ((int)i != si)
			err = write_profile(p, (int)i, &sf, &j, ctx);
	gs_json_arr_end(&j);
	/* the frames last: they are known once every profile was written */
	gs_json_key(&j, "shared");
	gs_json_obj_begin(&j);
	gs_json_key(&j, "frames");
	gs_json_arr_begin(&j);
	for (size_t i = 1; i < sf.keys.len && !err; i++) {
		const char *nm = sf.keys.items[i].p;
		size_t nlen = strlen(nm);
		const char *file = nm + nlen + 1;
		gs_json_obj_begin(&j);
		gs_json_kstr(&j, "name", nm);
		if (*file)
			gs_json_kstr(&j, "file", file);
		gs_json_obj_end(&j);
	}
	gs_json_arr_end(&j);
	gs_json_obj_end(&j);
	gs_json_obj_end(&j);
	gs_json_end(&j);
	free(sf.remap);
	gs_strtab_release(&sf.keys);
	return err ? err : out->err;
}
