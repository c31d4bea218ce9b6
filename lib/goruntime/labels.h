/* Private to lib/goruntime: the pprof label reader (labels.c) used by goroutines.c. It needs
 * the runtime layout (label representation and offsets) and memory, nothing else. */
#ifndef GOSCOPE_GORUNTIME_LABELS_H
#define GOSCOPE_GORUNTIME_LABELS_H

#include "goruntime/internal.h"
#include "goscope/layout.h"

/* Labels of one goroutine read at most (delve's cap: garbage in g.labels must not make us
 * read forever). */
#define GS_GORUNTIME_MAX_LABELS 1000

/* What labels.c needs: the representation and offsets from the layout, memory, and where
 * each {key, value} goes. */
struct gs_label_reader {
	enum gs_labels_repr repr;
	uint32_t list_off, label_size, key_off, value_off;          /* 1.24+ */
	uint32_t hmap_b_off, buckets_off, oldbuckets_off;            /* <= 1.23 */
	uint32_t bucket_size, tophash_off, keys_off, elems_off, overflow_off;
	uint64_t max_string;
	gs_goruntime_read_fn read;
	void *arg;
	int (*add)(void *arg, const char *key, size_t key_len, const char *value, size_t value_len);
	void *add_arg;
};

/* Fills the layout part of lr from l (offsets unknown to l stay GS_LAYOUT_UNKNOWN). */
void gs_label_reader_init(struct gs_label_reader *lr, const struct gs_layout *l);
/* Reads the labels g.labels = labels points to, calling lr->add for each readable pair (at
 * most GS_GORUNTIME_MAX_LABELS, 1 MiB of strings, 4096 map buckets: the walk ends at a cap);
 * unreadable or garbage entries are skipped. 0, or the error lr->add returned. */
int gs_labels_read(const struct gs_label_reader *lr, uint64_t labels);

#endif
