/* Output sinks: renderers format into a buffer that is handed to the write callback in
 * chunks, so a report of any size streams with bounded memory. */
#include "goscope/core.h"

#define GS_OUT_CHUNK (64 * 1024)

void gs_out_init(struct gs_out *o, gs_write_fn write, void *arg)
{
	gs_buf_init(&o->buf, 0);
	o->write = write;
	o->arg = arg;
	o->err = 0;
}

int gs_out_flush(struct gs_out *o)
{
	if (!o->write || !o->buf.len)
		return o->err;
	if (!o->err)
		o->err = o->write(o->arg, o->buf.data, o->buf.len);
	gs_buf_reset(&o->buf);
	return o->err;
}

int gs_out_release(struct gs_out *o)
{
	int err = gs_out_flush(o);
	gs_buf_release(&o->buf);
	return err;
}

static int out_maybe_flush(struct gs_out *o, int err)
{
	if (err) {
		if (!o->err)
			o->err = err;
		return err;
	}
	if (o->write && o->buf.len >= GS_OUT_CHUNK)
		return gs_out_flush(o);
	return o->err;
}

int gs_out_add(struct gs_out *o, const void *p, size_t n)
{
	return out_maybe_flush(o, gs_buf_add(&o->buf, p, n));
}

int gs_out_str(struct gs_out *o, const char *s)
{
	return gs_out_add(o, s, strlen(s));
}

int gs_out_printf(struct gs_out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int err = gs_buf_vaddf(&o->buf, fmt, ap);
	va_end(ap);
	return out_maybe_flush(o, err);
}
