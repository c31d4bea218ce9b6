/* Private helpers shared by the pprof pipeline files of lib/profile (filter.c, tags.c,
 * merge.c, prepare.c): rewriting the stacks or label sets of every sample, label kinds,
 * pprof's function-name simplification and file-name cleaning. */
#ifndef GS_PROFILE_PIPELINE_H
#define GS_PROFILE_PIPELINE_H

#include "goscope/report.h"

/* pprof drops a label that has neither a string nor a number nor a unit. */
static inline bool gs_label_is_str(const struct gs_label *l)
{
	return l->str != 0;
}
static inline bool gs_label_is_num(const struct gs_label *l)
{
	return l->str == 0 && (l->num != 0 || l->num_unit != 0);
}

/* Rewrites one stack (locations leaf first): return -1 to remove the samples on it, 0 to keep
 * it unchanged, 1 when scratch[0..*len) holds the new stack (scratch has room for n + 1). */
typedef int (*gs_stack_rewrite_fn)(void *arg, const uint32_t *locs, uint32_t n, uint32_t *scratch,
				   uint32_t *len);
/* Calls fn once per distinct stack in use and moves every sample to its new stack, removing
 * samples (and their values) whose stack was dropped; sample order is kept. */
int gs_pipeline_rewrite_stacks(struct gs_profile *p, gs_stack_rewrite_fn fn, void *arg);

/* Rewrites one label set in labels[0..*n) (a copy); return 1 to keep the (possibly changed)
 * set, 0 to remove its samples, or a negative errno. */
typedef int (*gs_labelset_fn)(void *arg, uint32_t set, struct gs_label *labels, size_t *n);
int gs_pipeline_rewrite_labelsets(struct gs_profile *p, gs_labelset_fn fn, void *arg);

/* pprof's simplifyFunc: *start and the returned length delimit the simplified name. */
size_t gs_pipeline_simplify_func(const char *name, const char **start);

/* Go's filepath.Clean of s[0..n), appended to b. */
int gs_pipeline_clean_path(struct gs_buf *b, const char *s, size_t n);

#endif
