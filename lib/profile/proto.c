/* Protobuf wire format, the subset profile.proto needs: field headers (varint tags), varint,
 * fixed32/fixed64 and length-delimited values on the read side, and varints, tags and
 * length-delimited fields on the write side. Groups (wire types 3 and 4) and the undefined
 * wire types 6 and 7 are rejected. Message semantics live in decode.c and encode.c. */
#include "internal.h"

int gs_pb_header(struct gs_rd *rd, uint64_t *num, unsigned *wire, uint64_t *val,
		 const char **what)
{
	uint64_t tag;
	if (gs_rd_uvarint(rd, &tag)) {
		*what = gs_rd_left(rd) >= 10 ? "over-long varint in a field tag"
					      : "truncated field tag";
		return -EBADMSG;
	}
	*num = tag >> 3;
	*wire = (unsigned)(tag & 7);
	if (*num == 0 || *num > 0x1fffffff) {
		*what = "invalid field number";
		return -EBADMSG;
	}
	switch (*wire) {
	case GS_WIRE_VARINT:
	case GS_WIRE_LEN:
		if (gs_rd_uvarint(rd, val)) {
			*what = gs_rd_left(rd) >= 10 ? "over-long varint" : "truncated varint";
			return -EBADMSG;
		}
		return 0;
	case GS_WIRE_FIXED64:
		if (gs_rd_u64le(rd, val)) {
			*what = "truncated fixed64";
			return -EBADMSG;
		}
		return 0;
	case GS_WIRE_FIXED32: {
		uint32_t v;
		if (gs_rd_u32le(rd, &v)) {
			*what = "truncated fixed32";
			return -EBADMSG;
		}
		*val = v;
		return 0;
	}
	case GS_WIRE_SGROUP:
	case GS_WIRE_EGROUP:
		*what = "groups (wire types 3 and 4) are not supported";
		return -EBADMSG;
	default:
		*what = "unknown wire type";
		return -EBADMSG;
	}
}

int gs_pb_next(struct gs_rd *rd, struct gs_pb_field *f, const char **what)
{
	int err = gs_pb_header(rd, &f->num, &f->wire, &f->u64, what);
	if (err)
		return err;
	if (f->wire == GS_WIRE_LEN && (f->u64 > gs_rd_left(rd) ||
				       gs_rd_sub(rd, (size_t)f->u64, &f->sub))) {
		*what = "length-delimited field runs past the end of its message";
		return -EBADMSG;
	}
	return 0;
}

int gs_pb_put_varint(struct gs_buf *b, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;
	while (v >= 0x80) {
		tmp[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	tmp[n++] = (uint8_t)v;
	return gs_buf_add(b, tmp, n);
}

int gs_pb_put_tag(struct gs_buf *b, uint64_t num, unsigned wire)
{
	return gs_pb_put_varint(b, num << 3 | wire);
}

int gs_pb_put_uint(struct gs_buf *b, uint64_t num, uint64_t v)
{
	if (!v)
		return 0;
	int err = gs_pb_put_tag(b, num, GS_WIRE_VARINT);
	return err ? err : gs_pb_put_varint(b, v);
}

int gs_pb_put_bytes(struct gs_buf *b, uint64_t num, const void *p, size_t n)
{
	int err = gs_pb_put_tag(b, num, GS_WIRE_LEN);
	if (!err)
		err = gs_pb_put_varint(b, n);
	if (!err)
		err = gs_buf_add(b, p, n);
	return err;
}
