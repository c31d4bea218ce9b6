/* goscope's JSON rendering of a profile: every field of the model (sample types, samples with
 * leaf-first location ids, values and labels, locations with their lines, functions, mappings
 * and the metadata), by ids as in profile.proto, so that lib/profile/jsonprof.c reads it back
 * to the same profile. Addresses are hex strings: JSON numbers cannot hold every uint64. */
#include "goscope/flame.h"

static void kstr(struct gs_json *j, const struct gs_profile *p, const char *key, uint32_t s)
{
	gs_json_kstr(j, key, gs_profile_str(p, s));
}

static void khex(struct gs_json *j, const char *key, uint64_t v)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)v);
	gs_json_kstr(j, key, buf);
}

static void value_type(struct gs_json *j, const struct gs_profile *p, const struct gs_value_type *t)
{
	gs_json_obj_begin(j);
	kstr(j, p, "type", t->type);
	kstr(j, p, "unit", t->unit);
	gs_json_obj_end(j);
}

static void write_samples(struct gs_json *j, const struct gs_profile *p)
{
	gs_json_key(j, "samples");
	gs_json_arr_begin(j);
	for (size_t s = 0; s < p->n_samples; s++) {
		uint32_t n;
		const uint32_t *locs = gs_profile_stack(p, p->samples[s].stack, &n);
		gs_json_obj_begin(j);
		gs_json_key(j, "locations");
		gs_json_arr_begin(j);
		for (uint32_t i = 0; i < n; i++)
			gs_json_u64(j, p->locations[locs[i]].id);
		gs_json_arr_end(j);
		gs_json_key(j, "values");
		gs_json_arr_begin(j);
		const int64_t *v = gs_profile_values(p, s);
		for (size_t i = 0; i < p->n_sample_types; i++)
			gs_json_i64(j, v[i]);
		gs_json_arr_end(j);
		const struct gs_label *l = gs_profile_labelset(p, p->samples[s].labels, &n);
		if (n) {
			gs_json_key(j, "labels");
			gs_json_arr_begin(j);
			for (uint32_t i = 0; i < n; i++) {
				gs_json_obj_begin(j);
				kstr(j, p, "key", l[i].key);
				if (l[i].str) {
					kstr(j, p, "str", l[i].str);
				} else {
					gs_json_ki64(j, "num", l[i].num);
					if (l[i].num_unit)
						kstr(j, p, "num_unit", l[i].num_unit);
				}
				gs_json_obj_end(j);
			}
			gs_json_arr_end(j);
		}
		gs_json_obj_end(j);
		if ((s & 4095) == 0 && j->out->err)
			break;
	}
	gs_json_arr_end(j);
}

static void write_locations(struct gs_json *j, const struct gs_profile *p)
{
	gs_json_key(j, "locations");
	gs_json_arr_begin(j);
	for (size_t i = 0; i < p->n_locations; i++) {
		const struct gs_location *l = &p->locations[i];
		gs_json_obj_begin(j);
		gs_json_ku64(j, "id", l->id);
		gs_json_ku64(j, "mapping", l->mapping < p->n_mappings ? p->mappings[l->mapping].id : 0);
		khex(j, "address", l->address);
		if (l->is_folded)
			gs_json_kbool(j, "is_folded", true);
		gs_json_key(j, "lines");
		gs_json_arr_begin(j);
		for (uint32_t k = 0; k < l->line_count; k++) {
			const struct gs_line *ln = &p->lines[l->line_start + k];
			gs_json_obj_begin(j);
			gs_json_ku64(j, "function",
				     ln->function < p->n_functions ? p->functions[ln->function].id : 0);
			gs_json_ki64(j, "line", ln->line);
			if (ln->column)
				gs_json_ki64(j, "column", ln->column);
			gs_json_obj_end(j);
		}
		gs_json_arr_end(j);
		gs_json_obj_end(j);
	}
	gs_json_arr_end(j);
}

int gs_profile_write_json(const struct gs_profile *p, struct gs_out *out, bool pretty)
{
	struct gs_json j;
	gs_json_init(&j, out, pretty);
	gs_json_obj_begin(&j);
	gs_json_kstr(&j, "format", "goscope-profile");
	gs_json_ki64(&j, "version", 1);
	gs_json_key(&j, "sample_types");
	gs_json_arr_begin(&j);
	for (size_t i = 0; i < p->n_sample_types; i++)
		value_type(&j, p, &p->sample_types[i]);
	gs_json_arr_end(&j);
	kstr(&j, p, "default_sample_type", p->default_sample_type);
	gs_json_key(&j, "period_type");
	value_type(&j, p, &p->period_type);
	gs_json_ki64(&j, "period", p->period);
	gs_json_ki64(&j, "time_nanos", p->time_nanos);
	gs_json_ki64(&j, "duration_nanos", p->duration_nanos);
	kstr(&j, p, "drop_frames", p->drop_frames);
	kstr(&j, p, "keep_frames", p->keep_frames);
	kstr(&j, p, "doc_url", p->doc_url);
	gs_json_key(&j, "comments");
	gs_json_arr_begin(&j);
	for (size_t i = 0; i < p->n_comments; i++)
		gs_json_str(&j, gs_profile_str(p, p->comments[i]));
	gs_json_arr_end(&j);

	gs_json_key(&j, "mappings");
	gs_json_arr_begin(&j);
	for (size_t i = 0; i < p->n_mappings; i++) {
		const struct gs_mapping *m = &p->mappings[i];
		gs_json_obj_begin(&j);
		gs_json_ku64(&j, "id", m->id);
		khex(&j, "memory_start", m->memory_start);
		khex(&j, "memory_limit", m->memory_limit);
		khex(&j, "file_offset", m->file_offset);
		kstr(&j, p, "filename", m->filename);
		kstr(&j, p, "build_id", m->build_id);
		gs_json_kbool(&j, "has_functions", m->has_functions);
		gs_json_kbool(&j, "has_filenames", m->has_filenames);
		gs_json_kbool(&j, "has_line_numbers", m->has_line_numbers);
		gs_json_kbool(&j, "has_inline_frames", m->has_inline_frames);
		gs_json_obj_end(&j);
	}
	gs_json_arr_end(&j);

	gs_json_key(&j, "functions");
	gs_json_arr_begin(&j);
	for (size_t i = 0; i < p->n_functions; i++) {
		const struct gs_function *f = &p->functions[i];
		gs_json_obj_begin(&j);
		gs_json_ku64(&j, "id", f->id);
		kstr(&j, p, "name", f->name);
		kstr(&j, p, "system_name", f->system_name);
		kstr(&j, p, "filename", f->filename);
		gs_json_ki64(&j, "start_line", f->start_line);
		gs_json_obj_end(&j);
	}
	gs_json_arr_end(&j);
	write_locations(&j, p);
	write_samples(&j, p);
	gs_json_obj_end(&j);
	gs_json_end(&j);
	return out->err;
}
