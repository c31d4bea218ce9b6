/* profile.proto encoder: writes a gs_profile as pprof writes one (repeated numbers packed,
 * proto3 defaults omitted), optionally gzip-compressed, streaming to a gs_out in chunks so
 * that the encoded profile is never held whole. The string table is rebuilt with only the
 * strings the profile references. Ids are the profile's own when they are usable (non-zero,
 * unique), else table position + 1. */
#include "internal.h"

/* Staged bytes are handed to the sink (and to deflate) in chunks of about this size. */
#define ENC_CHUNK (256u * 1024u)

struct enc {
	const struct gs_profile *p;
	struct gs_ctx *ctx;
	struct gs_out *out;
	bool gzip;
	z_stream z;
	bool z_ready;
	uint8_t *zbuf;
	struct gs_buf buf; /* encoded bytes not yet handed on */
	struct gs_buf msg; /* one message being built */
	struct gs_buf sub; /* a message nested in msg */

	uint32_t *str_new; /* profile string index -> written index + 1 (0 = not yet) */
	uint32_t *str_order; /* written index -> profile string index */
	size_t n_written;

	bool own_mapping_ids, own_function_ids, own_location_ids;
};

static int enc_nomem(struct enc *e)
{
	return gs_ctx_err(e->ctx, -ENOMEM, "out of memory encoding the profile");
}

/* Hands the staged bytes on, compressing them when gzip is on. */
static int enc_flush(struct enc *e, bool finish)
{
	int err;
	if (!e->gzip) {
		err = gs_out_add(e->out, e->buf.data ? e->buf.data : "", e->buf.len);
		gs_buf_reset(&e->buf);
		return err ? gs_ctx_err(e->ctx, err, "write error: %s", strerror(-err)) : 0;
	}
	e->z.next_in = (Bytef *)e->buf.data;
	e->z.avail_in = (uInt)e->buf.len;
	for (;;) {
		e->z.next_out = e->zbuf;
		e->z.avail_out = ENC_CHUNK;
		int ret = deflate(&e->z, finish ? Z_FINISH : Z_NO_FLUSH);
		if (ret == Z_STREAM_ERROR)
			return gs_ctx_err(e->ctx, -EIO, "gzip: deflate failed");
		size_t n = ENC_CHUNK - e->z.avail_out;
		if (n && (err = gs_out_add(e->out, e->zbuf, n)))
			return gs_ctx_err(e->ctx, err, "write error: %s", strerror(-err));
		if (finish ? ret == Z_STREAM_END : (e->z.avail_in == 0 && e->z.avail_out != 0))
			break;
	}
	gs_buf_reset(&e->buf);
	return 0;
}

/* Appends field num holding e->msg to the output and empties msg. */
static int enc_put_msg(struct enc *e, uint64_t num)
{
	if (gs_pb_put_bytes(&e->buf, num, e->msg.data ? e->msg.data : "", e->msg.len))
		return enc_nomem(e);
	gs_buf_reset(&e->msg);
	if (e->buf.len >= ENC_CHUNK)
		return enc_flush(e, false);
	return 0;
}

/* Written index of profile string s (added to the new table on first use). */
static uint64_t str_of(struct enc *e, uint32_t s)
{
	if (s >= e->p->strings.len || s == 0)
		return 0;
	if (!e->str_new[s]) {
		e->str_order[e->n_written] = s;
		e->str_new[s] = (uint32_t)++e->n_written;
	}
	return e->str_new[s] - 1;
}

/* Can table ids be written as they are: all non-zero and distinct? */
static bool ids_usable(const void *table, size_t stride, size_t n, bool *usable)
{
	uint64_t *ids;
	bool sequential = true;
	*usable = true;
	for (size_t i = 0; i < n; i++) {
		uint64_t id = *(const uint64_t *)(const void *)((const char *)table + i * stride);
		if (id != i + 1)
			sequential = false;
		if (id == 0) {
			*usable = false;
			return true;
		}
	}
	if (sequential || n < 2)
		return true;
	ids = malloc(n * sizeof(*ids));
	if (!ids)
		return false;
	for (size_t i = 0; i < n; i++)
		ids[i] = *(const uint64_t *)(const void *)((const char *)table + i * stride);
	/* insertion into a sorted array would be quadratic; sort a copy instead */
	for (size_t gap = n / 2; gap > 0; gap /= 2)
		for (size_t i = gap; i < n; i++)
			for (size_t j = i; j >= gap && ids[j - gap] > ids[j]; j -= gap) {
				uint64_t t = ids[j];
				ids[j] = ids[j - gap];
				ids[j - gap] = t;
			}
	for (size_t i = 1; i < n; i++)
		if (ids[i] == ids[i - 1])
			*usable = false;
	free(ids);
	return true;
}

static uint64_t mapping_id(const struct enc *e, uint32_t idx)
{
	return e->own_mapping_ids ? e->p->mappings[idx].id : (uint64_t)idx + 1;
}

static uint64_t function_id(const struct enc *e, uint32_t idx)
{
	return e->own_function_ids ? e->p->functions[idx].id : (uint64_t)idx + 1;
}

static uint64_t location_id(const struct enc *e, uint32_t idx)
{
	return e->own_location_ids ? e->p->locations[idx].id : (uint64_t)idx + 1;
}

static int put_value_type(struct enc *e, uint64_t num, const struct gs_value_type *vt)
{
	if (gs_pb_put_uint(&e->msg, 1, str_of(e, vt->type)) ||
	    gs_pb_put_uint(&e->msg, 2, str_of(e, vt->unit)))
		return enc_nomem(e);
	return enc_put_msg(e, num);
}

static int put_samples(struct enc *e)
{
	const struct gs_profile *p = e->p;
	for (size_t i = 0; i < p->n_samples; i++) {
		const struct gs_sample *s = &p->samples[i];
		const int64_t *v = gs_profile_values(p, i);
		uint32_t n_locs, n_labels;
		const uint32_t *locs = gs_profile_stack(p, s->stack, &n_locs);
		const struct gs_label *labels = gs_profile_labelset(p, s->labels, &n_labels);
		int err = 0;
		if (n_locs) {
			gs_buf_reset(&e->sub);
			for (uint32_t j = 0; j < n_locs && !err; j++)
				err = gs_pb_put_varint(&e->sub, location_id(e, locs[j]));
			if (!err)
				err = gs_pb_put_bytes(&e->msg, 1, e->sub.data, e->sub.len);
		}
		if (p->n_sample_types && !err) {
			gs_buf_reset(&e->sub);
			for (size_t j = 0; j < p->n_sample_types && !err; j++)
				err = gs_pb_put_varint(&e->sub, (uint64_t)v[j]);
			if (!err)
				err = gs_pb_put_bytes(&e->msg, 2, e->sub.data, e->sub.len);
		}
		for (uint32_t j = 0; j < n_labels && !err; j++) {
			const struct gs_label *l = &labels[j];
			gs_buf_reset(&e->sub);
			err = gs_pb_put_uint(&e->sub, 1, str_of(e, l->key));
			if (!err && l->str)
				err = gs_pb_put_uint(&e->sub, 2, str_of(e, l->str));
			if (!err && !l->str) {
				err = gs_pb_put_uint(&e->sub, 3, (uint64_t)l->num);
				if (!err)
					err = gs_pb_put_uint(&e->sub, 4, str_of(e, l->num_unit));
			}
			if (!err)
				err = gs_pb_put_bytes(&e->msg, 3, e->sub.data ? e->sub.data : "",
						      e->sub.len);
		}
		if (err)
			return enc_nomem(e);
		if ((err = enc_put_msg(e, 2)))
			return err;
	}
	return 0;
}

static int put_tables(struct enc *e)
{
	const struct gs_profile *p = e->p;
	int err;
	for (size_t i = 0; i < p->n_mappings; i++) {
		const struct gs_mapping *m = &p->mappings[i];
		struct gs_buf *b = &e->msg;
		if (gs_pb_put_uint(b, 1, mapping_id(e, (uint32_t)i)) ||
		    gs_pb_put_uint(b, 2, m->memory_start) || gs_pb_put_uint(b, 3, m->memory_limit) ||
		    gs_pb_put_uint(b, 4, m->file_offset) ||
		    gs_pb_put_uint(b, 5, str_of(e, m->filename)) ||
		    gs_pb_put_uint(b, 6, str_of(e, m->build_id)) ||
		    gs_pb_put_uint(b, 7, m->has_functions) || gs_pb_put_uint(b, 8, m->has_filenames) ||
		    gs_pb_put_uint(b, 9, m->has_line_numbers) ||
		    gs_pb_put_uint(b, 10, m->has_inline_frames))
			return enc_nomem(e);
		if ((err = enc_put_msg(e, 3)))
			return err;
	}
	for (size_t i = 0; i < p->n_locations; i++) {
		const struct gs_location *l = &p->locations[i];
		struct gs_buf *b = &e->msg;
		if (gs_pb_put_uint(b, 1, location_id(e, (uint32_t)i)) ||
		    (l->mapping != GS_NONE && l->mapping < p->n_mappings &&
		     gs_pb_put_uint(b, 2, mapping_id(e, l->mapping))) ||
		    gs_pb_put_uint(b, 3, l->address))
			return enc_nomem(e);
		for (uint32_t j = 0; j < l->line_count; j++) {
			const struct gs_line *ln = &p->lines[l->line_start + j];
			/* a Line without a Function is invalid profile.proto (pprof rejects it) */
			if (ln->function == GS_NONE || ln->function >= p->n_functions)
				continue;
			gs_buf_reset(&e->sub);
			if (gs_pb_put_uint(&e->sub, 1, function_id(e, ln->function)) ||
			    gs_pb_put_uint(&e->sub, 2, (uint64_t)ln->line) ||
			    gs_pb_put_uint(&e->sub, 3, (uint64_t)ln->column) ||
			    gs_pb_put_bytes(b, 4, e->sub.data ? e->sub.data : "", e->sub.len))
				return enc_nomem(e);
		}
		if (gs_pb_put_uint(b, 5, l->is_folded))
			return enc_nomem(e);
		if ((err = enc_put_msg(e, 4)))
			return err;
	}
	for (size_t i = 0; i < p->n_functions; i++) {
		const struct gs_function *f = &p->functions[i];
		struct gs_buf *b = &e->msg;
		if (gs_pb_put_uint(b, 1, function_id(e, (uint32_t)i)) ||
		    gs_pb_put_uint(b, 2, str_of(e, f->name)) ||
		    gs_pb_put_uint(b, 3, str_of(e, f->system_name)) ||
		    gs_pb_put_uint(b, 4, str_of(e, f->filename)) ||
		    gs_pb_put_uint(b, 5, (uint64_t)f->start_line))
			return enc_nomem(e);
		if ((err = enc_put_msg(e, 5)))
			return err;
	}
	return 0;
}

static int put_trailer(struct enc *e)
{
	const struct gs_profile *p = e->p;
	struct gs_buf *b = &e->buf;
	int err;
	/* strings referenced by the fields below must be numbered before the table is out */
	uint64_t drop = str_of(e, p->drop_frames), keep = str_of(e, p->keep_frames);
	uint64_t dflt = str_of(e, p->default_sample_type), doc = str_of(e, p->doc_url);
	for (size_t i = 0; i < p->n_comments; i++)
		str_of(e, p->comments[i]);
	struct gs_value_type pt = p->period_type;
	uint64_t pt_type = str_of(e, pt.type), pt_unit = str_of(e, pt.unit);

	for (size_t i = 0; i < e->n_written; i++) {
		const struct gs_str *s = &p->strings.items[e->str_order[i]];
		if (gs_pb_put_bytes(b, 6, s->p, s->len))
			return enc_nomem(e);
		if (b->len >= ENC_CHUNK && (err = enc_flush(e, false)))
			return err;
	}
	if (gs_pb_put_uint(b, 7, drop) || gs_pb_put_uint(b, 8, keep) ||
	    gs_pb_put_uint(b, 9, (uint64_t)p->time_nanos) ||
	    gs_pb_put_uint(b, 10, (uint64_t)p->duration_nanos))
		return enc_nomem(e);
	if (pt_type || pt_unit) {
		if (gs_pb_put_uint(&e->msg, 1, pt_type) || gs_pb_put_uint(&e->msg, 2, pt_unit))
			return enc_nomem(e);
		if ((err = enc_put_msg(e, 11)))
			return err;
	}
	if (gs_pb_put_uint(b, 12, (uint64_t)p->period))
		return enc_nomem(e);
	if (p->n_comments) {
		gs_buf_reset(&e->sub);
		for (size_t i = 0; i < p->n_comments; i++)
			if (gs_pb_put_varint(&e->sub, str_of(e, p->comments[i])))
				return enc_nomem(e);
		if (gs_pb_put_bytes(b, 13, e->sub.data, e->sub.len))
			return enc_nomem(e);
	}
	if (gs_pb_put_uint(b, 14, dflt) || gs_pb_put_uint(b, 15, doc))
		return enc_nomem(e);
	return 0;
}

int gs_profile_encode(const struct gs_profile *p, bool gzip, struct gs_out *out,
		      struct gs_ctx *ctx)
{
	struct enc e;
	int err;
	memset(&e, 0, sizeof(e));
	e.p = p;
	e.ctx = ctx;
	e.out = out;
	e.gzip = gzip;
	gs_buf_init(&e.buf, 0);
	gs_buf_init(&e.msg, 0);
	gs_buf_init(&e.sub, 0);
	e.str_new = calloc(p->strings.len + 1, sizeof(uint32_t));
	e.str_order = malloc((p->strings.len + 1) * sizeof(uint32_t));
	if (!e.str_new || !e.str_order) {
		err = enc_nomem(&e);
		goto out;
	}
	/* index 0 is always "" */
	e.str_order[0] = 0;
	e.str_new[0] = 1;
	e.n_written = 1;
	if (!ids_usable(p->mappings, sizeof(*p->mappings), p->n_mappings, &e.own_mapping_ids) ||
	    !ids_usable(p->functions, sizeof(*p->functions), p->n_functions, &e.own_function_ids) ||
	    !ids_usable(p->locations, sizeof(*p->locations), p->n_locations, &e.own_location_ids)) {
		err = enc_nomem(&e);
		goto out;
	}
	if (gzip) {
		e.zbuf = malloc(ENC_CHUNK);
		if (!e.zbuf) {
			err = enc_nomem(&e);
			goto out;
		}
		/* level 1, like Go's runtime/pprof: the speed matters more than the last bytes */
		if (deflateInit2(&e.z, Z_BEST_SPEED, Z_DEFLATED, 16 + MAX_WBITS, 8,
				 Z_DEFAULT_STRATEGY) != Z_OK) {
			err = enc_nomem(&e);
			goto out;
		}
		e.z_ready = true;
	}
	for (size_t i = 0; i < p->n_sample_types; i++)
		if ((err = put_value_type(&e, 1, &p->sample_types[i])))
			goto out;
	err = put_samples(&e);
	if (!err)
		err = put_tables(&e);
	if (!err)
		err = put_trailer(&e);
	if (!err)
		err = enc_flush(&e, true);
out:
	if (e.z_ready)
		deflateEnd(&e.z);
	free(e.zbuf);
	free(e.str_new);
	free(e.str_order);
	gs_buf_release(&e.buf);
	gs_buf_release(&e.msg);
	gs_buf_release(&e.sub);
	return err;
}
