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
	/* kept from one goroutine to the next: the key, the value, the slice's entries */
	struct gs_buf key, value, entries;
};

/* Fills the layout part of lr from l (offsets unknown to l stay GS_LAYOUT_UNKNOWN) and sets
 * up its buffers; gs_label_reader_release frees them. */
void gs_label_reader_init(struct gs_label_reader *lr, const struct gs_layout *l);
void gs_label_reader_release(struct gs_label_reader *lr);
/* Reads the labels g.labels = labels points to, calling lr->add for each readable pair (at
 * most GS_GORUNTIME_MAX_LABELS, 1 MiB of strings, 4096 map buckets: the walk ends at a cap);
 * unreadable or garbage entries are skipped. 0, or the error lr->add returned. */
int gs_labels_read(struct gs_label_reader *lr, uint64_t labels);

/* Reading ahead (1.24+ slices; the map representation has no read-ahead): the ranges
 * gs_labels_read will read, level by level, so that the reads of many goroutines can be
 * issued together. The slice header of labels: its address and size (24), or 0 when this
 * representation or layout has none. */
size_t gs_labels_header_range(const struct gs_label_reader *lr, uint64_t labels, uint64_t *addr);
/* From the slice header's bytes: the entries' range (what gs_labels_read reads in one read),
 * or 0 for garbage or an empty slice. */
size_t gs_labels_entries_range(const struct gs_label_reader *lr, const uint8_t *hdr,
			       uint64_t *addr);
/* From the entries' bytes (size bytes): the key and value strings gs_labels_read will read,
 * at most max of them, into addrs/lens; returns how many. */
size_t gs_labels_string_ranges(const struct gs_label_reader *lr, const uint8_t *entries,
			       size_t size, uint64_t *addrs, size_t *lens, size_t max);

#endif
