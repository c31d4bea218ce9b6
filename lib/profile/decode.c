/* profile.proto decoder: reads top-level fields one at a time from the input window, so that
 * memory depends on distinct stacks, locations and strings rather than on input length, then
 * resolves references and checks the profile the way pprof's CheckValid does. Samples come
 * before the locations and strings they name (the Go runtime writes them in that order), so
 * stacks are interned as slots (location ids in order of first sight) and label tuples raw,
 * and both are resolved at the end. The legacy text formats are in legacy.c; format detection
 * is here (gs_profile_parse). */
#include "internal.h"
#include "goscope/flame.h"

/* Profile field numbers (profile.proto). */
enum {
	PF_SAMPLE_TYPE = 1,
	PF_SAMPLE = 2,
	PF_MAPPING = 3,
	PF_LOCATION = 4,
	PF_FUNCTION = 5,
	PF_STRING_TABLE = 6,
	PF_DROP_FRAMES = 7,
	PF_KEEP_FRAMES = 8,
	PF_TIME_NANOS = 9,
	PF_DURATION_NANOS = 10,
	PF_PERIOD_TYPE = 11,
	PF_PERIOD = 12,
	PF_COMMENT = 13,
	PF_DEFAULT_SAMPLE_TYPE = 14,
	PF_DOC_URL = 15,
};

static const char *const field_names[] = {
	[PF_SAMPLE_TYPE] = "sample_type",
	[PF_SAMPLE] = "sample",
	[PF_MAPPING] = "mapping",
	[PF_LOCATION] = "location",
	[PF_FUNCTION] = "function",
	[PF_STRING_TABLE] = "string_table",
	[PF_DROP_FRAMES] = "drop_frames",
	[PF_KEEP_FRAMES] = "keep_frames",
	[PF_TIME_NANOS] = "time_nanos",
	[PF_DURATION_NANOS] = "duration_nanos",
	[PF_PERIOD_TYPE] = "period_type",
	[PF_PERIOD] = "period",
	[PF_COMMENT] = "comment",
	[PF_DEFAULT_SAMPLE_TYPE] = "default_sample_type",
	[PF_DOC_URL] = "doc_url",
};

/* A string index as read (proto string table numbering); indices that cannot be valid are
 * folded to BAD_STR so that the range check at the end rejects them. */
#define BAD_STR UINT32_MAX
static inline uint32_t str_index(uint64_t v)
{
	return v >= UINT32_MAX ? BAD_STR : (uint32_t)v;
}

struct raw_label {
	uint64_t key, str;
	int64_t num;
	uint64_t unit;
};

/* A run of a flat table: items [start, start+len). first_sample is the first sample that used
 * it (for error messages). */
struct raw_span {
	size_t start;
	uint32_t len;
	uint32_t first_sample;
};

struct dec {
	struct gs_profile *p;
	struct gs_ctx *ctx;
	struct gs_win *w;

	/* proto string index -> interned index */
	uint32_t *str_map;
	size_t n_str, cap_str;

	struct gs_value_type *stypes; /* raw string indices */
	size_t n_stypes, cap_stypes;

	/* Location ids seen in samples get slots in order of first sight; stacks are interned in
	 * the profile as slot sequences and translated to location indices at the end (for the
	 * Go runtime's output slot and location order agree, and nothing needs translating). */
	uint32_t *slot_of_small_id; /* id < n_small: slot + 1, 0 = none yet */
	size_t n_small;
	struct gs_idxmap slot_map;  /* larger ids */
	uint64_t *slot_ids;         /* slot -> id */
	uint32_t *slot_first_sample;
	size_t n_slots, cap_slots;

	/* interned raw label tuples (in input order); set 0 is empty */
	struct raw_label *rl;
	size_t n_rl, cap_rl;
	struct raw_span *rls;
	size_t n_rls, cap_rls;
	struct gs_idxmap rls_map;

	/* the stacks of the last samples, interned together (gs_profile_intern_stacks) so that
	 * the cache misses of the stack table overlap; with the field of each, for messages */
	uint32_t *bat_locs;
	size_t n_bat_locs, cap_bat_locs;
	struct gs_span bat_spans[GS_STACK_BATCH];
	size_t bat_sample[GS_STACK_BATCH];
	const char *bat_what[GS_STACK_BATCH];
	size_t bat_what_index[GS_STACK_BATCH];
	uint64_t bat_what_off[GS_STACK_BATCH];
	size_t n_bat;

	/* samples: stack and labels are raw-table indices until the end */
	struct gs_sample *smp;
	size_t n_smp, cap_smp;
	int64_t *vals;
	size_t n_vals, cap_vals;
	size_t first_count;      /* number of values of sample 0 */
	size_t bad_sample;       /* first sample whose count differs from sample 0's */
	size_t bad_count;
	bool have_bad;

	/* per location / per line raw references, parallel to p->locations / p->lines */
	uint64_t *loc_mapping_ids;
	size_t cap_loc_mapping_ids;
	uint64_t *line_function_ids;
	size_t cap_line_function_ids;

	/* scratch for one message; grows to the largest seen */
	uint32_t *slots;
	size_t cap_slots_scratch;
	struct raw_label *labels;
	size_t cap_labels;
	struct gs_line *lines;
	uint64_t *line_fids;
	size_t cap_lines;

	uint64_t *comments;
	size_t n_comments, cap_comments;
	uint64_t drop_frames, keep_frames, default_sample_type, doc_url;
	struct gs_value_type period_type;

	/* where we are, for messages */
	const char *what;   /* field being decoded */
	size_t what_index;  /* its ordinal among fields of the same number */
	uint64_t what_off;  /* its stream offset */
	size_t counts[16];  /* fields seen per number */
};

/* The error of the field being decoded: "sample 12 at byte 3456: what". */
static int dec_err(struct dec *d, int err, const char *fmt, ...) GS_PRINTF(3, 4);
static int dec_err(struct dec *d, int err, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (d->what)
		return gs_ctx_err(d->ctx, err, "%s %zu at byte %llu: %s", d->what, d->what_index,
				  (unsigned long long)d->what_off, msg);
	return gs_ctx_err(d->ctx, err, "at byte %llu: %s", (unsigned long long)d->what_off, msg);
}

static int dec_nomem(struct dec *d, int err)
{
	if (err == -ENOMEM)
		return gs_ctx_err(d->ctx, err, "out of memory decoding the profile");
	return err;
}

/* A builder call failed: say which cap it hit. */
static int dec_cap(struct dec *d, int err, const char *table, uint64_t limit, const char *name)
{
	if (err == -E2BIG)
		return dec_err(d, err, "too many %s (cap %llu, limits.%s)", table,
			       (unsigned long long)limit, name);
	return dec_nomem(d, err);
}

static int wire_err(struct dec *d, const struct gs_pb_field *f, const char *field)
{
	return dec_err(d, -EBADMSG, "field %s (%llu) has wire type %u, not the one its type needs",
		       field, (unsigned long long)f->num, f->wire);
}

static int bad(struct dec *d, const char *what)
{
	return dec_err(d, -EBADMSG, "%s", what);
}

/* Counts the varints of a packed payload (they end at bytes below 0x80). */
static size_t packed_count(const struct gs_rd *sub)
{
	size_t n = 0;
	for (size_t i = 0; i < sub->len; i++)
		n += sub->p[i] < 0x80;
	return n;
}

/* Appends the values of a repeated uint64/int64 field (packed or not) to *arr. */
static int read_repeated(struct dec *d, const struct gs_pb_field *f, uint64_t **arr, size_t *n,
			 size_t *cap, uint64_t limit, const char *field)
{
	const char *what;
	if (f->wire == GS_WIRE_VARINT) {
		if (*n + 1 > limit)
			return dec_err(d, -E2BIG, "more than %llu %s entries", (unsigned long long)limit,
				       field);
		if (*n + 1 > *cap && gs_grow_array(arr, cap, *n + 1, sizeof(**arr)))
			return dec_nomem(d, -ENOMEM);
		(*arr)[(*n)++] = f->u64;
		return 0;
	}
	if (f->wire != GS_WIRE_LEN)
		return wire_err(d, f, field);
	struct gs_rd sub = f->sub;
	size_t count = packed_count(&sub);
	if (sub.len == 0)
		return 0;
	if (count == 0)
		return dec_err(d, -EBADMSG, "bad varint in packed %s", field);
	if (*n + count > limit)
		return dec_err(d, -E2BIG, "more than %llu %s entries", (unsigned long long)limit,
			       field);
	if (*n + count > *cap && gs_grow_array(arr, cap, *n + count, sizeof(**arr)))
		return dec_nomem(d, -ENOMEM);
	uint64_t *out = *arr + *n;
	while (!gs_rd_eof(&sub)) {
		if (gs_rd_uvarint(&sub, out)) {
			what = "bad varint in packed";
			return dec_err(d, -EBADMSG, "%s %s", what, field);
		}
		out++;
	}
	*n = (size_t)(out - *arr);
	return 0;
}

static int want_varint(struct dec *d, const struct gs_pb_field *f, const char *field)
{
	return f->wire == GS_WIRE_VARINT ? 0 : wire_err(d, f, field);
}

/* ---- samples ---- */

/* Ids below this are looked up in a flat array (4 bytes per id up to the largest seen), the
 * rest in a hash map: the Go runtime numbers locations 1, 2, 3, ... */
#define SMALL_ID_LIMIT (1u << 22)

struct slot_key {
	const struct dec *d;
	uint64_t id;
};

static bool slot_eq(const void *arg, uint32_t idx)
{
	const struct slot_key *k = arg;
	return k->d->slot_ids[idx] == k->id;
}

static int new_slot(struct dec *d, uint64_t id, uint32_t *slot)
{
	if (d->n_slots >= d->p->limits.locations)
		return dec_err(d, -E2BIG, "more than %llu distinct location ids (limits.locations)",
			       (unsigned long long)d->p->limits.locations);
	if (d->n_slots + 1 > d->cap_slots) {
		size_t cap = d->cap_slots;
		if (gs_grow_array(&d->slot_ids, &cap, d->n_slots + 1, sizeof(uint64_t)) ||
		    gs_grow_array(&d->slot_first_sample, &d->cap_slots, d->n_slots + 1,
				  sizeof(uint32_t)))
			return dec_nomem(d, -ENOMEM);
		if (cap < d->cap_slots)
			d->cap_slots = cap;
	}
	*slot = (uint32_t)d->n_slots;
	d->slot_ids[d->n_slots] = id;
	d->slot_first_sample[d->n_slots] = (uint32_t)d->n_smp;
	d->n_slots++;
	return 0;
}

/* The slot of a location id, given one on first sight. */
static inline int slot_of(struct dec *d, uint64_t id, uint32_t *slot)
{
	int err;
	if (GS_LIKELY(id < d->n_small) && d->slot_of_small_id[id]) {
		*slot = d->slot_of_small_id[id] - 1;
		return 0;
	}
	if (id < SMALL_ID_LIMIT) {
		if (id >= d->n_small) {
			size_t n = d->n_small ? d->n_small : 1024;
			while (n <= id)
				n *= 2;
			uint32_t *a = realloc(d->slot_of_small_id, n * sizeof(uint32_t));
			if (!a)
				return dec_nomem(d, -ENOMEM);
			memset(a + d->n_small, 0, (n - d->n_small) * sizeof(uint32_t));
			d->slot_of_small_id = a;
			d->n_small = n;
		}
		if ((err = new_slot(d, id, slot)))
			return err;
		d->slot_of_small_id[id] = *slot + 1;
		return 0;
	}
	struct slot_key k = {d, id};
	uint64_t h = gs_hash_u64(id);
	if (gs_idxmap_find(&d->slot_map, h, slot_eq, &k, slot) == 0)
		return 0;
	if ((err = new_slot(d, id, slot)))
		return err;
	uint32_t out;
	if (gs_idxmap_intern(&d->slot_map, h, slot_eq, &k, *slot, &out, NULL))
		return dec_nomem(d, -ENOMEM);
	return 0;
}

/* Appends the location ids of a sample field (packed or not), as slots, to d->slots. */
static int read_location_ids(struct dec *d, const struct gs_pb_field *f, size_t *n)
{
	uint64_t limit = d->p->limits.stack_depth, id;
	struct gs_rd sub;
	int err;
	if (f->wire == GS_WIRE_VARINT)
		gs_rd_init(&sub, NULL, 0);
	else if (f->wire == GS_WIRE_LEN)
		sub = f->sub;
	else
		return wire_err(d, f, "location_id");
	for (bool single = f->wire == GS_WIRE_VARINT; single || !gs_rd_eof(&sub); single = false) {
		if (single)
			id = f->u64;
		else if (gs_rd_uvarint(&sub, &id))
			return dec_err(d, -EBADMSG, "bad varint in packed location_id");
		if (GS_UNLIKELY(*n >= limit))
			return dec_err(d, -E2BIG, "more than %llu location_id entries "
				       "(limits.stack_depth)", (unsigned long long)limit);
		if (GS_UNLIKELY(*n >= d->cap_slots_scratch) &&
		    gs_grow_array(&d->slots, &d->cap_slots_scratch, *n + 1, sizeof(uint32_t)))
			return dec_nomem(d, -ENOMEM);
		if ((err = slot_of(d, id, &d->slots[*n])))
			return err;
		(*n)++;
	}
	return 0;
}

struct rl_key {
	const struct dec *d;
	const struct raw_label *labels;
	size_t n;
};

static bool rl_eq(const void *arg, uint32_t idx)
{
	const struct rl_key *k = arg;
	const struct raw_span *s = &k->d->rls[idx];
	return s->len == k->n &&
	       (k->n == 0 ||
		!memcmp(k->d->rl + s->start, k->labels, k->n * sizeof(struct raw_label)));
}

static int intern_raw_labels(struct dec *d, const struct raw_label *labels, size_t n,
			     uint32_t *idx)
{
	struct rl_key key = {d, labels, n};
	uint64_t h = gs_hash_bytes(labels, n * sizeof(*labels), 0x1abe);
	if (gs_idxmap_find(&d->rls_map, h, rl_eq, &key, idx) == 0)
		return 0;
	if (d->n_rls >= d->p->limits.samples)
		return dec_err(d, -E2BIG, "too many distinct label sets (cap %llu, limits.samples)",
			       (unsigned long long)d->p->limits.samples);
	if (gs_grow_array(&d->rls, &d->cap_rls, d->n_rls + 1, sizeof(*d->rls)) ||
	    gs_grow_array(&d->rl, &d->cap_rl, d->n_rl + n, sizeof(*d->rl)))
		return dec_nomem(d, -ENOMEM);
	if (n)
		memcpy(d->rl + d->n_rl, labels, n * sizeof(*labels));
	uint32_t new_idx = (uint32_t)d->n_rls;
	if (gs_idxmap_intern(&d->rls_map, h, rl_eq, &key, new_idx, idx, NULL))
		return dec_nomem(d, -ENOMEM);
	d->rls[new_idx] = (struct raw_span){d->n_rl, (uint32_t)n, (uint32_t)d->n_smp};
	d->n_rl += n;
	d->n_rls++;
	return 0;
}

static int dec_label(struct dec *d, struct gs_rd *rd, struct raw_label *l)
{
	struct gs_pb_field f;
	const char *what;
	memset(l, 0, sizeof(*l));
	while (!gs_rd_eof(rd)) {
		if (gs_pb_next(rd, &f, &what))
			return dec_err(d, -EBADMSG, "label: %s", what);
		switch (f.num) {
		case 1:
		case 2:
		case 3:
		case 4:
			if (want_varint(d, &f, "label"))
				return -EBADMSG;
			if (f.num == 1)
				l->key = f.u64;
			else if (f.num == 2)
				l->str = f.u64;
			else if (f.num == 3)
				l->num = (int64_t)f.u64;
			else
				l->unit = f.u64;
			break;
		default:
			break;
		}
	}
	return 0;
}

/* Interns the queued stacks into their samples. */
static int flush_stacks(struct dec *d)
{
	uint32_t out[GS_STACK_BATCH];
	size_t done;
	int err = gs_profile_intern_stacks(d->p, d->bat_locs, d->bat_spans, d->n_bat, out, &done);
	for (size_t i = 0; i < done; i++)
		d->smp[d->bat_sample[i]].stack = out[i];
	if (err) {
		d->what = d->bat_what[done];
		d->what_index = d->bat_what_index[done];
		d->what_off = d->bat_what_off[done];
		return dec_cap(d, err, "distinct stacks", d->p->limits.samples, "samples");
	}
	d->n_bat = 0;
	d->n_bat_locs = 0;
	return 0;
}

/* Queues the stack of sample si (the n slots in d->slots). Near the cap on stacks, each is
 * interned at once, so that hitting it is reported where it happens. */
static int queue_stack(struct dec *d, size_t n, size_t si)
{
	if (d->n_bat_locs + n > d->cap_bat_locs &&
	    gs_grow_array(&d->bat_locs, &d->cap_bat_locs, d->n_bat_locs + n, sizeof(uint32_t)))
		return dec_nomem(d, -ENOMEM);
	if (n)
		memcpy(d->bat_locs + d->n_bat_locs, d->slots, n * sizeof(uint32_t));
	d->bat_spans[d->n_bat] = (struct gs_span){(uint32_t)d->n_bat_locs, (uint32_t)n};
	d->bat_sample[d->n_bat] = si;
	d->bat_what[d->n_bat] = d->what;
	d->bat_what_index[d->n_bat] = d->what_index;
	d->bat_what_off[d->n_bat] = d->what_off;
	d->n_bat_locs += n;
	d->n_bat++;
	if (d->n_bat == GS_STACK_BATCH || d->p->n_stacks + GS_STACK_BATCH >= d->p->limits.samples)
		return flush_stacks(d);
	return 0;
}

/* The per-sample path: no allocation once the scratch arrays and tables have grown. */
static int dec_sample(struct dec *d, struct gs_rd *rd)
{
	struct gs_pb_field f;
	const char *what;
	size_t n_ids = 0, n_labels = 0;
	size_t vals_before = d->n_vals;
	uint64_t values_limit = d->p->limits.values;
	int err;

	if (d->n_smp >= d->p->limits.samples)
		return dec_err(d, -E2BIG, "more than %llu samples (limits.samples)",
			       (unsigned long long)d->p->limits.samples);
	while (!gs_rd_eof(rd)) {
		if (gs_pb_next(rd, &f, &what))
			return bad(d, what);
		switch (f.num) {
		case 1:
			err = read_location_ids(d, &f, &n_ids);
			if (err)
				return err;
			break;
		case 2: {
			/* values go straight to the sample value table */
			size_t have = d->n_vals - vals_before;
			size_t more = f.wire == GS_WIRE_LEN ? packed_count(&f.sub) : 1;
			uint64_t *arr = (uint64_t *)d->vals;
			if (have + more > values_limit)
				return dec_err(d, -E2BIG, "more than %llu values (limits.values)",
					       (unsigned long long)values_limit);
			err = read_repeated(d, &f, &arr, &d->n_vals, &d->cap_vals, SIZE_MAX, "value");
			d->vals = (int64_t *)arr;
			if (err)
				return err;
			break;
		}
		case 3:
			if (f.wire != GS_WIRE_LEN)
				return wire_err(d, &f, "label");
			if (n_labels >= d->p->limits.labels)
				return dec_err(d, -E2BIG, "more than %llu labels (limits.labels)",
					       (unsigned long long)d->p->limits.labels);
			if (n_labels + 1 > d->cap_labels &&
			    gs_grow_array(&d->labels, &d->cap_labels, n_labels + 1, sizeof(*d->labels)))
				return dec_nomem(d, -ENOMEM);
			err = dec_label(d, &f.sub, &d->labels[n_labels]);
			if (err)
				return err;
			n_labels++;
			break;
		default:
			break;
		}
	}
	size_t count = d->n_vals - vals_before;
	if (d->n_smp == 0)
		d->first_count = count;
	else if (count != d->first_count && !d->have_bad) {
		d->have_bad = true;
		d->bad_sample = d->n_smp;
		d->bad_count = count;
	}
	if (d->n_smp + 1 > d->cap_smp && gs_grow_array(&d->smp, &d->cap_smp, d->n_smp + 1, sizeof(*d->smp)))
		return dec_nomem(d, -ENOMEM);
	/* the sample counts once its stack and labels are interned (raw label sets remember
	 * the first sample that uses them) */
	size_t si = d->n_smp;
	d->smp[si] = (struct gs_sample){0, 0};
	if ((err = queue_stack(d, n_ids, si)))
		return err;
	if (n_labels && (err = intern_raw_labels(d, d->labels, n_labels, &d->smp[si].labels)))
		return err;
	d->n_smp++;
	return 0;
}

/* ---- locations, functions, mappings, strings ---- */

static int dec_line(struct dec *d, struct gs_rd *rd, struct gs_line *line, uint64_t *fid)
{
	struct gs_pb_field f;
	const char *what;
	*line = (struct gs_line){GS_NONE, 0, 0};
	*fid = 0;
	while (!gs_rd_eof(rd)) {
		if (gs_pb_next(rd, &f, &what))
			return dec_err(d, -EBADMSG, "line: %s", what);
		if (f.num >= 1 && f.num <= 3 && want_varint(d, &f, "line"))
			return -EBADMSG;
		if (f.num == 1)
			*fid = f.u64;
		else if (f.num == 2)
			line->line = (int64_t)f.u64;
		else if (f.num == 3)
			line->column = (int64_t)f.u64;
	}
	return 0;
}

static int dec_location(struct dec *d, struct gs_rd *rd)
{
	struct gs_pb_field f;
	const char *what;
	struct gs_location loc = {0};
	uint64_t mapping_id = 0;
	size_t n_lines = 0;
	int err;
	loc.mapping = GS_NONE;
	while (!gs_rd_eof(rd)) {
		if (gs_pb_next(rd, &f, &what))
			return bad(d, what);
		switch (f.num) {
		case 1:
		case 2:
		case 3:
		case 5:
			if (want_varint(d, &f, "location"))
				return -EBADMSG;
			if (f.num == 1)
				loc.id = f.u64;
			else if (f.num == 2)
				mapping_id = f.u64;
			else if (f.num == 3)
				loc.address = f.u64;
			else
				loc.is_folded = f.u64 != 0;
			break;
		case 4:
			if (f.wire != GS_WIRE_LEN)
				return wire_err(d, &f, "line");
			if (n_lines >= d->p->limits.stack_depth)
				return dec_err(d, -E2BIG, "more than %llu lines (limits.stack_depth)",
					       (unsigned long long)d->p->limits.stack_depth);
			if (n_lines + 1 > d->cap_lines) {
				size_t cap = d->cap_lines;
				if (gs_grow_array(&d->lines, &cap, n_lines + 1, sizeof(*d->lines)) ||
				    gs_grow_array(&d->line_fids, &d->cap_lines, n_lines + 1, sizeof(uint64_t)))
					return dec_nomem(d, -ENOMEM);
				/* both arrays share the capacity of the smaller */
				if (cap < d->cap_lines)
					d->cap_lines = cap;
			}
			err = dec_line(d, &f.sub, &d->lines[n_lines], &d->line_fids[n_lines]);
			if (err)
				return err;
			n_lines++;
			break;
		default:
			break;
		}
	}
	uint32_t idx;
	err = gs_profile_add_location(d->p, &loc, d->lines, n_lines, &idx);
	if (err)
		return dec_cap(d, err, "locations", d->p->limits.locations, "locations");
	if (gs_grow_array(&d->loc_mapping_ids, &d->cap_loc_mapping_ids, d->p->n_locations,
		 sizeof(uint64_t)) ||
	    gs_grow_array(&d->line_function_ids, &d->cap_line_function_ids, d->p->n_lines, sizeof(uint64_t)))
		return dec_nomem(d, -ENOMEM);
	d->loc_mapping_ids[idx] = mapping_id;
	if (n_lines)
		memcpy(d->line_function_ids + d->p->n_lines - n_lines, d->line_fids,
		       n_lines * sizeof(uint64_t));
	return 0;
}

static int dec_function(struct dec *d, struct gs_rd *rd)
{
	struct gs_pb_field f;
	const char *what;
	struct gs_function fn = {0};
	while (!gs_rd_eof(rd)) {
		if (gs_pb_next(rd, &f, &what))
			return bad(d, what);
		if (f.num >= 1 && f.num <= 5 && want_varint(d, &f, "function"))
			return -EBADMSG;
		switch (f.num) {
		case 1: fn.id = f.u64; break;
		case 2: fn.name = str_index(f.u64); break;
		case 3: fn.system_name = str_index(f.u64); break;
		case 4: fn.filename = str_index(f.u64); break;
		case 5: fn.start_line = (int64_t)f.u64; break;
		default: break;
		}
	}
	uint32_t idx;
	int err = gs_profile_add_function(d->p, &fn, &idx);
	return err ? dec_cap(d, err, "functions", d->p->limits.locations, "locations") : 0;
}

static int dec_mapping(struct dec *d, struct gs_rd *rd)
{
	struct gs_pb_field f;
	const char *what;
	struct gs_mapping m = {0};
	while (!gs_rd_eof(rd)) {
		if (gs_pb_next(rd, &f, &what))
			return bad(d, what);
		if (f.num >= 1 && f.num <= 10 && want_varint(d, &f, "mapping"))
			return -EBADMSG;
		switch (f.num) {
		case 1: m.id = f.u64; break;
		case 2: m.memory_start = f.u64; break;
		case 3: m.memory_limit = f.u64; break;
		case 4: m.file_offset = f.u64; break;
		case 5: m.filename = str_index(f.u64); break;
		case 6: m.build_id = str_index(f.u64); break;
		case 7: m.has_functions = f.u64 != 0; break;
		case 8: m.has_filenames = f.u64 != 0; break;
		case 9: m.has_line_numbers = f.u64 != 0; break;
		case 10: m.has_inline_frames = f.u64 != 0; break;
		default: break;
		}
	}
	uint32_t idx;
	int err = gs_profile_add_mapping(d->p, &m, &idx);
	return err ? dec_cap(d, err, "mappings", d->p->limits.locations, "locations") : 0;
}

static int dec_value_type(struct dec *d, struct gs_rd *rd, struct gs_value_type *vt)
{
	struct gs_pb_field f;
	const char *what;
	*vt = (struct gs_value_type){0, 0};
	while (!gs_rd_eof(rd)) {
		if (gs_pb_next(rd, &f, &what))
			return bad(d, what);
		if ((f.num == 1 || f.num == 2) && want_varint(d, &f, "value type"))
			return -EBADMSG;
		if (f.num == 1)
			vt->type = str_index(f.u64);
		else if (f.num == 2)
			vt->unit = str_index(f.u64);
	}
	return 0;
}

static int dec_string(struct dec *d, const struct gs_rd *rd)
{
	uint32_t idx;
	if (d->n_str == 0 && rd->len != 0)
		return dec_err(d, -EBADMSG, "string_table[0] must be \"\" (it is \"%.*s\")",
			       (int)(rd->len < 40 ? rd->len : 40), (const char *)rd->p);
	if (d->n_str >= d->p->limits.strings)
		return dec_err(d, -E2BIG, "more than %llu strings (limits.strings)",
			       (unsigned long long)d->p->limits.strings);
	if (rd->len > d->p->limits.string_bytes)
		return dec_err(d, -E2BIG, "a %zu-byte string exceeds the %llu-byte cap "
			       "(limits.string_bytes)", rd->len,
			       (unsigned long long)d->p->limits.string_bytes);
	int err = gs_profile_intern(d->p, (const char *)rd->p, rd->len, &idx);
	if (err)
		return dec_nomem(d, err);
	if (d->n_str + 1 > d->cap_str && gs_grow_array(&d->str_map, &d->cap_str, d->n_str + 1, sizeof(uint32_t)))
		return dec_nomem(d, -ENOMEM);
	d->str_map[d->n_str++] = idx;
	return 0;
}

/* ---- top level ---- */

static int dec_field(struct dec *d, struct gs_pb_field *f)
{
	const char *name = f->num < GS_ARRAY_LEN(field_names) ? field_names[f->num] : NULL;
	bool is_msg = f->num <= PF_STRING_TABLE || f->num == PF_PERIOD_TYPE;
	if (!name)
		return 0; /* unknown field: already skipped by its wire type */
	if (f->num == PF_COMMENT) {
		if (f->wire != GS_WIRE_VARINT && f->wire != GS_WIRE_LEN)
			return wire_err(d, f, name);
	} else if (is_msg ? f->wire != GS_WIRE_LEN : f->wire != GS_WIRE_VARINT) {
		return wire_err(d, f, name);
	}
	switch (f->num) {
	case PF_SAMPLE_TYPE: {
		struct gs_value_type vt;
		int err = dec_value_type(d, &f->sub, &vt);
		if (err)
			return err;
		if (d->n_stypes >= d->p->limits.values)
			return dec_err(d, -E2BIG, "more than %llu sample types (limits.values)",
				       (unsigned long long)d->p->limits.values);
		if (gs_grow_array(&d->stypes, &d->cap_stypes, d->n_stypes + 1, sizeof(*d->stypes)))
			return dec_nomem(d, -ENOMEM);
		d->stypes[d->n_stypes++] = vt;
		return 0;
	}
	case PF_SAMPLE:
		return dec_sample(d, &f->sub);
	case PF_MAPPING:
		return dec_mapping(d, &f->sub);
	case PF_LOCATION:
		return dec_location(d, &f->sub);
	case PF_FUNCTION:
		return dec_function(d, &f->sub);
	case PF_STRING_TABLE:
		return dec_string(d, &f->sub);
	case PF_DROP_FRAMES:
		d->drop_frames = f->u64;
		return 0;
	case PF_KEEP_FRAMES:
		d->keep_frames = f->u64;
		return 0;
	case PF_TIME_NANOS:
		if (d->p->time_nanos != 0)
			return dec_err(d, -EBADMSG, "concatenated profiles detected (a second "
				       "time_nanos)");
		d->p->time_nanos = (int64_t)f->u64;
		return 0;
	case PF_DURATION_NANOS:
		d->p->duration_nanos = (int64_t)f->u64;
		return 0;
	case PF_PERIOD_TYPE:
		return dec_value_type(d, &f->sub, &d->period_type);
	case PF_PERIOD:
		d->p->period = (int64_t)f->u64;
		return 0;
	case PF_COMMENT:
		return read_repeated(d, f, &d->comments, &d->n_comments, &d->cap_comments,
				     d->p->limits.strings, "comment");
	case PF_DEFAULT_SAMPLE_TYPE:
		d->default_sample_type = f->u64;
		return 0;
	case PF_DOC_URL:
		d->doc_url = f->u64;
		return 0;
	default:
		return 0;
	}
}

/* ---- resolving references ---- */

/* Maps a proto string index to an interned one; names the referrer on failure. */
static int map_str(struct dec *d, uint64_t raw, uint32_t *out, const char *who, uint64_t id,
		   const char *field)
{
	if (raw >= d->n_str)
		return gs_ctx_err(d->ctx, -EBADMSG,
				  "%s%s%.0llu: %s string index %llu is out of range (the string "
				  "table has %zu entries)",
				  who, id ? " id " : "", (unsigned long long)id, field,
				  (unsigned long long)raw, d->n_str);
	*out = d->str_map[raw];
	return 0;
}

/* id -> table index, dense array when the ids are small (the usual 1..n), else a hash map. */
struct id_index {
	const uint64_t *ids; /* ids[i] is the id of table entry i, stride in bytes */
	size_t stride;
	size_t n;
	uint32_t *dense; /* dense[id] = index + 1, 0 = none */
	size_t n_dense;
	struct gs_idxmap map;
};

static inline uint64_t id_at(const struct id_index *x, size_t i)
{
	return *(const uint64_t *)(const void *)((const char *)x->ids + i * x->stride);
}

struct id_key {
	const struct id_index *x;
	uint64_t id;
};

static bool id_eq(const void *arg, uint32_t idx)
{
	const struct id_key *k = arg;
	return id_at(k->x, idx) == k->id;
}

static void id_index_release(struct id_index *x)
{
	free(x->dense);
	gs_idxmap_release(&x->map);
}

/* Builds the index, rejecting id 0 and duplicates as pprof's CheckValid does. */
static int id_index_build(struct dec *d, struct id_index *x, const void *table, size_t stride,
			  size_t n, const char *kind)
{
	memset(x, 0, sizeof(*x));
	gs_idxmap_init(&x->map);
	x->ids = table;
	x->stride = stride;
	x->n = n;
	x->n_dense = n * 2 + 16;
	x->dense = calloc(x->n_dense, sizeof(uint32_t));
	if (!x->dense)
		return dec_nomem(d, -ENOMEM);
	for (size_t i = 0; i < n; i++) {
		uint64_t id = id_at(x, i);
		if (id == 0)
			return gs_ctx_err(d->ctx, -EBADMSG, "found %s with reserved id 0 (%s %zu)",
					  kind, kind, i);
		if (id < x->n_dense) {
			if (x->dense[id])
				return gs_ctx_err(d->ctx, -EBADMSG, "multiple %ss with id %llu", kind,
						  (unsigned long long)id);
			x->dense[id] = (uint32_t)i + 1;
			continue;
		}
		struct id_key k = {x, id};
		uint32_t out;
		bool inserted;
		if (gs_idxmap_intern(&x->map, gs_hash_u64(id), id_eq, &k, (uint32_t)i, &out, &inserted))
			return dec_nomem(d, -ENOMEM);
		if (!inserted)
			return gs_ctx_err(d->ctx, -EBADMSG, "multiple %ss with id %llu", kind,
					  (unsigned long long)id);
	}
	return 0;
}

static inline bool id_index_find(const struct id_index *x, uint64_t id, uint32_t *idx)
{
	if (id < x->n_dense) {
		if (!x->dense[id])
			return false;
		*idx = x->dense[id] - 1;
		return true;
	}
	struct id_key k = {x, id};
	return gs_idxmap_find(&x->map, gs_hash_u64(id), id_eq, &k, idx) == 0;
}

static int resolve_strings(struct dec *d)
{
	struct gs_profile *p = d->p;
	uint32_t s;
	int err = 0;
	for (size_t i = 0; i < p->n_functions && !err; i++) {
		struct gs_function *fn = &p->functions[i];
		err = map_str(d, fn->name, &fn->name, "function", fn->id, "name");
		if (!err)
			err = map_str(d, fn->system_name, &fn->system_name, "function", fn->id,
				      "system_name");
		if (!err)
			err = map_str(d, fn->filename, &fn->filename, "function", fn->id, "filename");
	}
	for (size_t i = 0; i < p->n_mappings && !err; i++) {
		struct gs_mapping *m = &p->mappings[i];
		err = map_str(d, m->filename, &m->filename, "mapping", m->id, "filename");
		if (!err)
			err = map_str(d, m->build_id, &m->build_id, "mapping", m->id, "build_id");
	}
	for (size_t i = 0; i < d->n_stypes && !err; i++) {
		uint32_t type, unit;
		err = map_str(d, d->stypes[i].type, &type, "sample_type", 0, "type");
		if (!err)
			err = map_str(d, d->stypes[i].unit, &unit, "sample_type", 0, "unit");
		if (!err && (err = gs_profile_add_sample_type(p, type, unit)))
			return dec_nomem(d, err);
	}
	if (!err)
		err = map_str(d, d->period_type.type, &p->period_type.type, "period_type", 0, "type");
	if (!err)
		err = map_str(d, d->period_type.unit, &p->period_type.unit, "period_type", 0, "unit");
	if (!err)
		err = map_str(d, d->drop_frames, &p->drop_frames, "profile", 0, "drop_frames");
	if (!err)
		err = map_str(d, d->keep_frames, &p->keep_frames, "profile", 0, "keep_frames");
	if (!err)
		err = map_str(d, d->default_sample_type, &p->default_sample_type, "profile", 0,
			      "default_sample_type");
	if (!err)
		err = map_str(d, d->doc_url, &p->doc_url, "profile", 0, "doc_url");
	for (size_t i = 0; i < d->n_comments && !err; i++) {
		err = map_str(d, d->comments[i], &s, "profile", 0, "comment");
		if (!err && (err = gs_profile_add_comment(p, s)))
			return dec_nomem(d, err);
	}
	return err;
}

static int resolve_locations(struct dec *d, struct id_index *locs)
{
	struct gs_profile *p = d->p;
	struct id_index maps, funcs;
	int err = id_index_build(d, &maps, p->mappings ? &p->mappings[0].id : NULL, sizeof(*p->mappings), p->n_mappings,
				 "mapping");
	if (err)
		goto out_maps;
	err = id_index_build(d, &funcs, p->functions ? &p->functions[0].id : NULL, sizeof(*p->functions), p->n_functions,
			     "function");
	if (err)
		goto out_funcs;
	err = id_index_build(d, locs, p->locations ? &p->locations[0].id : NULL, sizeof(*p->locations), p->n_locations,
			     "location");
	if (err)
		goto out_funcs;
	for (size_t i = 0; i < p->n_locations; i++) {
		struct gs_location *l = &p->locations[i];
		uint64_t mid = d->loc_mapping_ids[i];
		if (mid && !id_index_find(&maps, mid, &l->mapping)) {
			err = gs_ctx_err(d->ctx, -EBADMSG,
					 "location id %llu references mapping id %llu, which does not "
					 "exist",
					 (unsigned long long)l->id, (unsigned long long)mid);
			goto out_funcs;
		}
		for (uint32_t j = 0; j < l->line_count; j++) {
			uint64_t fid = d->line_function_ids[l->line_start + j];
			if (!id_index_find(&funcs, fid, &p->lines[l->line_start + j].function)) {
				err = gs_ctx_err(d->ctx, -EBADMSG,
						 fid ? "location id %llu has a line with function id "
						       "%llu, which does not exist"
						     : "location id %llu has a line without a function%.0llu",
						 (unsigned long long)l->id, (unsigned long long)fid);
				goto out_funcs;
			}
		}
	}
out_funcs:
	id_index_release(&funcs);
out_maps:
	id_index_release(&maps);
	return err;
}

/* Points the samples' stacks at location indices and rebuilds their label sets through the
 * builder, now that strings are known. */
static int resolve_samples(struct dec *d, const struct id_index *locs)
{
	struct gs_profile *p = d->p;
	uint32_t *label_map = NULL, *slot_loc = NULL;
	struct gs_label *labels = NULL;
	size_t max_labels = 0;
	bool in_order = true;
	int err = 0;

	for (size_t i = 0; i < d->n_rls; i++)
		if (d->rls[i].len > max_labels)
			max_labels = d->rls[i].len;
	slot_loc = malloc((d->n_slots ? d->n_slots : 1) * sizeof(uint32_t));
	label_map = malloc((d->n_rls ? d->n_rls : 1) * sizeof(uint32_t));
	labels = malloc((max_labels ? max_labels : 1) * sizeof(*labels));
	if (!slot_loc || !label_map || !labels) {
		err = dec_nomem(d, -ENOMEM);
		goto out;
	}
	for (size_t i = 0; i < d->n_slots; i++) {
		if (!id_index_find(locs, d->slot_ids[i], &slot_loc[i])) {
			err = gs_ctx_err(d->ctx, -EBADMSG,
					 "sample %u references location id %llu, which does not exist",
					 d->slot_first_sample[i], (unsigned long long)d->slot_ids[i]);
			goto out;
		}
		in_order &= slot_loc[i] == i;
	}
	if (!in_order) {
		/* slots map one-to-one to locations, so distinct stacks stay distinct when
		 * translated in place; only their index needs rebuilding */
		for (size_t i = 0; i < p->n_stack_locs; i++)
			p->stack_locs[i] = slot_loc[p->stack_locs[i]];
		if ((err = gs_profile_rehash_stacks(p))) {
			err = dec_nomem(d, err);
			goto out;
		}
	}
	for (size_t i = 0; i < d->n_rls; i++) {
		const struct raw_span *s = &d->rls[i];
		size_t n = 0;
		for (uint32_t j = 0; j < s->len; j++) {
			const struct raw_label *r = &d->rl[s->start + j];
			struct gs_label *l = &labels[n];
			char who[32];
			snprintf(who, sizeof(who), "sample %u", s->first_sample);
			*l = (struct gs_label){0, 0, 0, 0};
			if ((err = map_str(d, r->key, &l->key, who, 0, "label key")))
				goto out;
			/* pprof's reading: a string value wins; otherwise a number or a unit
			 * makes a numeric label; a label with neither is dropped */
			if (r->str) {
				if ((err = map_str(d, r->str, &l->str, who, 0, "label value")))
					goto out;
			} else if (r->num || r->unit) {
				l->num = r->num;
				if ((err = map_str(d, r->unit, &l->num_unit, who, 0, "label unit")))
					goto out;
			} else {
				continue;
			}
			n++;
		}
		err = gs_profile_intern_labels(p, labels, n, &label_map[i]);
		if (err) {
			err = dec_cap(d, err, "distinct label sets", p->limits.samples, "samples");
			goto out;
		}
	}
	for (size_t i = 0; i < d->n_smp; i++)
		d->smp[i].labels = label_map[d->smp[i].labels];
out:
	free(label_map);
	free(slot_loc);
	free(labels);
	return err;
}

static int dec_finish(struct dec *d)
{
	struct gs_profile *p = d->p;
	struct id_index locs;
	int err = flush_stacks(d);
	if (err)
		return err;
	d->what = NULL;
	if (d->n_str == 0)
		return gs_ctx_err(d->ctx, -EBADMSG,
				  "the profile has no string table (string_table[0] must be \"\")");
	if (d->n_smp && d->n_stypes == 0)
		return gs_ctx_err(d->ctx, -EBADMSG, "missing sample type information");
	if (d->n_smp && d->first_count != d->n_stypes)
		return gs_ctx_err(d->ctx, -EBADMSG, "sample 0 has %zu values, expected %zu",
				  d->first_count, d->n_stypes);
	if (d->have_bad)
		return gs_ctx_err(d->ctx, -EBADMSG, "sample %zu has %zu values, expected %zu",
				  d->bad_sample, d->bad_count, d->n_stypes);
	err = resolve_strings(d);
	if (err)
		return err;
	memset(&locs, 0, sizeof(locs));
	err = resolve_locations(d, &locs);
	if (!err)
		err = resolve_samples(d, &locs);
	id_index_release(&locs);
	if (err)
		return err;
	/* hand the sample table over; values must cover cap_samples rows (the builder's
	 * invariant for later gs_profile_add_sample calls) */
	size_t rows = d->cap_smp ? d->cap_smp : 1, bytes;
	if (gs_mul_overflows(rows, (p->n_sample_types ? p->n_sample_types : 1) * sizeof(int64_t),
			     &bytes))
		return dec_nomem(d, -ENOMEM);
	int64_t *v = realloc(d->vals, bytes);
	if (!v)
		return dec_nomem(d, -ENOMEM);
	free(p->samples);
	free(p->values);
	p->samples = d->smp;
	p->n_samples = d->n_smp;
	p->cap_samples = d->cap_smp;
	p->values = v;
	d->smp = NULL;
	d->vals = NULL;
	d->n_smp = d->cap_smp = 0;
	return 0;
}

static void dec_release(struct dec *d)
{
	free(d->str_map);
	free(d->stypes);
	free(d->slot_of_small_id);
	gs_idxmap_release(&d->slot_map);
	free(d->slot_ids);
	free(d->slot_first_sample);
	free(d->slots);
	free(d->rl);
	free(d->rls);
	gs_idxmap_release(&d->rls_map);
	free(d->bat_locs);
	free(d->smp);
	free(d->vals);
	free(d->loc_mapping_ids);
	free(d->line_function_ids);
	free(d->labels);
	free(d->lines);
	free(d->line_fids);
	free(d->comments);
}

/* Progress is reported every this many decompressed bytes. */
#define PROGRESS_STEP (8u << 20)

int gs_proto_decode(struct gs_win *w, struct gs_ctx *ctx, struct gs_profile **out)
{
	struct dec d;
	size_t avail;
	uint64_t next_progress = PROGRESS_STEP;
	uint32_t empty;
	int err;

	memset(&d, 0, sizeof(d));
	d.ctx = ctx;
	d.w = w;
	gs_idxmap_init(&d.slot_map);
	gs_idxmap_init(&d.rls_map);
	err = gs_profile_new(ctx, &d.p);
	if (err) {
		err = gs_ctx_err(ctx, err, "out of memory");
		goto out;
	}
	/* raw label set 0 is the empty set, like the profile's */
	err = intern_raw_labels(&d, NULL, 0, &empty);
	if (err)
		goto out;

	err = gs_win_fill(w, 1, &avail);
	if (err)
		goto out;
	if (avail == 0) {
		err = gs_ctx_err(ctx, -EBADMSG, "empty input file");
		goto out;
	}
	for (;;) {
		/* a field header is at most 20 bytes (tag and length varints) */
		err = gs_win_fill(w, 20, &avail);
		if (err)
			goto out;
		if (avail == 0)
			break;
		struct gs_rd rd;
		struct gs_pb_field f;
		const char *what;
		uint64_t num, val;
		unsigned wire;
		gs_rd_init(&rd, gs_win_cur(w), avail);
		d.what = NULL;
		d.what_off = gs_win_offset(w);
		if (gs_pb_header(&rd, &num, &wire, &val, &what)) {
			err = dec_err(&d, -EBADMSG, "%s", what);
			goto out;
		}
		d.what = num < GS_ARRAY_LEN(field_names) && field_names[num] ? field_names[num]
									: "field";
		d.what_index = d.counts[num < GS_ARRAY_LEN(d.counts) ? num : 0]++;
		f.num = num;
		f.wire = wire;
		f.u64 = val;
		size_t header = rd.off;
		if (wire == GS_WIRE_LEN) {
			size_t need;
			if (val > w->max_window) {
				err = dec_err(&d, -E2BIG,
					      "a %llu-byte message exceeds the %llu-byte cap "
					      "(limits.message_bytes)",
					      (unsigned long long)val, (unsigned long long)w->max_window);
				goto out;
			}
			need = header + (size_t)val;
			err = gs_win_fill(w, need, &avail);
			if (err)
				goto out;
			if (avail < need) {
				err = dec_err(&d, -EBADMSG, "truncated: the message needs %llu bytes, "
					      "the input has %zu",
					      (unsigned long long)val, avail - header);
				goto out;
			}
			gs_rd_init(&f.sub, gs_win_cur(w) + header, (size_t)val);
			header = need;
		}
		err = dec_field(&d, &f);
		if (err)
			goto out;
		gs_win_consume(w, header);
		if (gs_win_offset(w) >= next_progress) {
			next_progress = gs_win_offset(w) + PROGRESS_STEP;
			err = gs_ctx_progress(ctx, "decoding", gs_win_offset(w), 0);
			if (err) {
				err = gs_ctx_err(ctx, err, "cancelled");
				goto out;
			}
		}
	}
	err = dec_finish(&d);
out:
	if (err) {
		gs_profile_free(d.p);
		d.p = NULL;
	}
	dec_release(&d);
	*out = d.p;
	return err;
}

/* ---- entry points ---- */

static int parse_window(struct gs_win *w, struct gs_ctx *ctx, struct gs_profile **out)
{
	size_t avail;
	*out = NULL;
	int err = gs_win_fill(w, 4096, &avail);
	if (err)
		return err;
	const uint8_t *b = gs_win_cur(w);
	if (gs_legacy_detect(b, avail))
		return gs_legacy_decode(w, ctx, out);
	/* text is never profile.proto: the first field tag of a profile is not followed by 63
	 * printable bytes */
	size_t printable = 0;
	while (printable < avail && printable < 64 &&
	       ((b[printable] >= 0x20 && b[printable] < 0x7f) || b[printable] == '\n' ||
		b[printable] == '\t' || b[printable] == '\r'))
		printable++;
	if (avail && printable == (avail < 64 ? avail : 64))
		return gs_ctx_err(ctx, -EBADMSG, "unrecognized profile format (text that is not one "
				  "of the legacy formats)");
	return gs_proto_decode(w, ctx, out);
}

int gs_profile_parse(const void *data, size_t len, struct gs_ctx *ctx, struct gs_profile **out)
{
	struct gs_win w;
	*out = NULL;
	if (len == 0)
		return gs_ctx_err(ctx, -EBADMSG, "empty input file");
	int err = gs_win_init_mem(&w, data, len, ctx);
	if (!err)
		err = parse_window(&w, ctx, out);
	gs_win_release(&w);
	if (err && err != -ENOMEM && err != -ECANCELED) {
		/* not profile.proto: folded stacks, speedscope or goscope JSON (goscope/flame.h) */
		int alt = gs_profile_parse_interchange(data, len, ctx, out);
		if (alt != -ENOTSUP)
			return alt;
	}
	return err;
}

int gs_profile_parse_stream(gs_read_fn read, void *arg, struct gs_ctx *ctx,
			    struct gs_profile **out)
{
	struct gs_win w;
	*out = NULL;
	int err = gs_win_init_read(&w, read, arg, ctx);
	if (!err)
		err = parse_window(&w, ctx, out);
	gs_win_release(&w);
	return err;
}
