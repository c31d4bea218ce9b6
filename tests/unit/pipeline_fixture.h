/* Test helper for the pipeline tests: builds small profiles with the gs_profile builder from
 * a compact description. Each frame is "name" or "name@file:line"; a location is one frame
 * or several separated by '+' (inlined: innermost first, as in profile.proto); a sample is a
 * leaf-first list of locations, its values and optional labels "k=v" (string) or "k#n#unit"
 * (numeric). */
#ifndef GS_TEST_PIPELINE_FIXTURE_H
#define GS_TEST_PIPELINE_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "goscope/report.h"

struct fx {
	struct gs_ctx ctx;
	struct gs_profile *p;
};

static inline uint32_t fx_str(struct fx *f, const char *s)
{
	uint32_t idx;
	assert_int_equal(gs_profile_intern_cstr(f->p, s, &idx), 0);
	return idx;
}

/* A profile with the given sample types ("samples/count,cpu/nanoseconds"). */
static inline void fx_init(struct fx *f, const char *types)
{
	char buf[256];
	gs_ctx_init(&f->ctx);
	assert_int_equal(gs_profile_new(&f->ctx, &f->p), 0);
	snprintf(buf, sizeof(buf), "%s", types);
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *slash = strchr(t, '/');
		*slash = '\0';
		assert_int_equal(gs_profile_add_sample_type(f->p, fx_str(f, t), fx_str(f, slash + 1)), 0);
	}
}

static inline uint32_t fx_function(struct fx *f, const char *name, const char *file)
{
	for (size_t i = 0; i < f->p->n_functions; i++)
		if (!strcmp(gs_profile_str(f->p, f->p->functions[i].name), name) &&
		    !strcmp(gs_profile_str(f->p, f->p->functions[i].filename), file))
			return (uint32_t)i;
	struct gs_function fn = {f->p->n_functions + 1, fx_str(f, name), fx_str(f, name),
				 fx_str(f, file), 0};
	uint32_t idx;
	assert_int_equal(gs_profile_add_function(f->p, &fn, &idx), 0);
	return idx;
}

/* A location from "a@x.go:3+b@x.go:9" (innermost first); the same text gives the same
 * location. */
static inline uint32_t fx_location(struct fx *f, const char *text)
{
	char buf[256];
	struct gs_line lines[8];
	size_t n = 0;
	for (size_t i = 0; i < f->p->n_locations; i++)
		if (f->p->locations[i].address == gs_hash_bytes(text, strlen(text), 1))
			return (uint32_t)i;
	snprintf(buf, sizeof(buf), "%s", text);
	for (char *save = NULL, *t = strtok_r(buf, "+", &save); t; t = strtok_r(NULL, "+", &save)) {
		char *at = strchr(t, '@'), *file = "", *colon;
		long line = 0;
		if (at) {
			*at = '\0';
			file = at + 1;
			if ((colon = strchr(file, ':'))) {
				*colon = '\0';
				line = strtol(colon + 1, NULL, 10);
			}
		}
		lines[n].function = fx_function(f, t, file);
		lines[n].line = line;
		lines[n].column = 0;
		n++;
	}
	struct gs_location loc = {0};
	uint32_t idx;
	loc.id = f->p->n_locations + 1;
	loc.mapping = GS_NONE;
	loc.address = gs_hash_bytes(text, strlen(text), 1); /* identifies the text */
	assert_int_equal(gs_profile_add_location(f->p, &loc, lines, n, &idx), 0);
	return idx;
}

/* Adds a sample: stack "leaf;caller;root" (locations separated by ';'), values, labels
 * "k=v k2#12#bytes" separated by spaces (NULL for none). */
static inline void fx_sample(struct fx *f, const char *stack, const int64_t *values,
			     const char *labels)
{
	char buf[512];
	uint32_t locs[64], n = 0, st, ls = 0;
	struct gs_label lab[8];
	size_t nl = 0;
	snprintf(buf, sizeof(buf), "%s", stack);
	for (char *save = NULL, *t = strtok_r(buf, ";", &save); t; t = strtok_r(NULL, ";", &save))
		locs[n++] = fx_location(f, t);
	assert_int_equal(gs_profile_intern_stack(f->p, locs, n, &st), 0);
	if (labels) {
		snprintf(buf, sizeof(buf), "%s", labels);
		for (char *save = NULL, *t = strtok_r(buf, " ", &save); t;
		     t = strtok_r(NULL, " ", &save)) {
			char *eq = strchr(t, '='), *hash = strchr(t, '#');
			memset(&lab[nl], 0, sizeof(lab[nl]));
			if (eq) {
				*eq = '\0';
				lab[nl].key = fx_str(f, t);
				lab[nl].str = fx_str(f, eq + 1);
			} else {
				char *unit = strchr(hash + 1, '#');
				*hash = '\0';
				if (unit)
					*unit++ = '\0';
				lab[nl].key = fx_str(f, t);
				lab[nl].num = strtoll(hash + 1, NULL, 10);
				lab[nl].num_unit = unit ? fx_str(f, unit) : 0;
			}
			nl++;
		}
		assert_int_equal(gs_profile_intern_labels(f->p, lab, nl, &ls), 0);
	}
	assert_int_equal(gs_profile_add_sample(f->p, st, ls, values), 0);
}

/* The names of a sample's stack, leaf first, joined with ';' (line names of inlined frames
 * joined with '+'). */
static inline const char *fx_stack_text(struct fx *f, size_t sample, char *buf, size_t cap)
{
	uint32_t n;
	const uint32_t *locs = gs_profile_stack(f->p, f->p->samples[sample].stack, &n);
	size_t len = 0;
	buf[0] = '\0';
	for (uint32_t i = 0; i < n; i++) {
		const struct gs_location *l = &f->p->locations[locs[i]];
		for (uint32_t j = 0; j < l->line_count; j++) {
			const struct gs_line *ln = &f->p->lines[l->line_start + j];
			len += (size_t)snprintf(buf + len, cap - len, "%s%s", j ? "+" : (i ? ";" : ""),
						gs_profile_str(f->p, f->p->functions[ln->function].name));
		}
		if (!l->line_count)
			len += (size_t)snprintf(buf + len, cap - len, "%s?", i ? ";" : "");
	}
	return buf;
}

#endif
