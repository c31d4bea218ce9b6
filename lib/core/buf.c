/* Growable NUL-terminated byte buffers (gs_buf), growable item arrays (gs_vec) and the
 * growth of plain arrays (gs_grow_array). */
#include "goscope/core.h"

static char gs_buf_empty[1];

void gs_buf_init(struct gs_buf *b, size_t max)
{
	b->data = gs_buf_empty;
	b->len = 0;
	b->alloc = 0;
	b->max = max;
}

void gs_buf_release(struct gs_buf *b)
{
	if (b->alloc)
		free(b->data);
	gs_buf_init(b, b->max);
}

void gs_buf_reset(struct gs_buf *b)
{
	b->len = 0;
	if (b->alloc)
		b->data[0] = '\0';
}

int gs_buf_grow(struct gs_buf *b, size_t n)
{
	size_t need;
	if (!b->data)
		gs_buf_init(b, b->max);
	if (gs_add_overflows(b->len, n, &need) || gs_add_overflows(need, 1, &need))
		return -E2BIG;
	if (b->max && need - 1 > b->max)
		return -E2BIG;
	if (need <= b->alloc)
		return 0;
	size_t alloc = b->alloc ? b->alloc : 64;
	while (alloc < need) {
		if (gs_mul_overflows(alloc, 2, &alloc))
			return -E2BIG;
	}
	char *data = b->alloc ? realloc(b->data, alloc) : malloc(alloc);
	if (!data)
		return -ENOMEM;
	if (!b->alloc)
		data[0] = '\0';
	b->data = data;
	b->alloc = alloc;
	return 0;
}

int gs_buf_add(struct gs_buf *b, const void *p, size_t n)
{
	int err = gs_buf_grow(b, n);
	if (err)
		return err;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int gs_buf_addstr(struct gs_buf *b, const char *s)
{
	return gs_buf_add(b, s, strlen(s));
}

int gs_buf_addch(struct gs_buf *b, char c)
{
	return gs_buf_add(b, &c, 1);
}

int gs_buf_pad(struct gs_buf *b, char c, size_t n)
{
	int err = gs_buf_grow(b, n);
	if (err)
		return err;
	memset(b->data + b->len, c, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

size_t gs_hex(char *dst, size_t size, const void *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *bytes = p;
	size_t k = 0;
	for (size_t i = 0; i < n && k + 2 < size; i++) {
		dst[k++] = digits[bytes[i] >> 4];
		dst[k++] = digits[bytes[i] & 15];
	}
	dst[k] = '\0';
	return k;
}

int gs_buf_addhex(struct gs_buf *b, const void *p, size_t n)
{
	size_t digits;
	if (gs_mul_overflows(n, 2, &digits))
		return -E2BIG;
	int err = gs_buf_grow(b, digits);
	if (err)
		return err;
	b->len += gs_hex(b->data + b->len, digits + 1, p, n);
	return 0;
}

int gs_buf_vaddf(struct gs_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	char small[256];
	va_copy(cp, ap);
	int n = vsnprintf(small, sizeof(small), fmt, cp);
	va_end(cp);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n < sizeof(small))
		return gs_buf_add(b, small, (size_t)n);
	int err = gs_buf_grow(b, (size_t)n);
	if (err)
		return err;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int gs_buf_addf(struct gs_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int err = gs_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return err;
}

char *gs_buf_detach(struct gs_buf *b, size_t *len)
{
	char *data = b->alloc ? b->data : calloc(1, 1);
	if (len)
		*len = b->len;
	gs_buf_init(b, b->max);
	return data;
}

void gs_vec_init(struct gs_vec *v, size_t item_size)
{
	v->data = NULL;
	v->len = 0;
	v->alloc = 0;
	v->item = item_size;
}

void gs_vec_release(struct gs_vec *v)
{
	free(v->data);
	gs_vec_init(v, v->item);
}

int gs_vec_reserve(struct gs_vec *v, size_t n, size_t cap)
{
	size_t need, bytes;
	if (gs_add_overflows(v->len, n, &need))
		return -E2BIG;
	if (cap && need > cap)
		return -E2BIG;
	if (need <= v->alloc)
		return 0;
	size_t alloc = v->alloc ? v->alloc : 16;
	while (alloc < need)
		alloc *= 2;
	if (gs_mul_overflows(alloc, v->item, &bytes))
		return -E2BIG;
	void *data = realloc(v->data, bytes);
	if (!data)
		return -ENOMEM;
	v->data = data;
	v->alloc = alloc;
	return 0;
}

int gs_vec_push(struct gs_vec *v, size_t cap, void **out)
{
	int err = gs_vec_reserve(v, 1, cap);
	if (err)
		return err;
	void *item = gs_vec_at(v, v->len++);
	memset(item, 0, v->item);
	*out = item;
	return 0;
}

int gs_grow_array_realloc(void *arr, size_t *cap, size_t need, size_t item)
{
	void **a = arr;
	size_t n = *cap ? *cap : 16, bytes;
	if (need <= *cap)
		return 0;
	while (n < need)
		if (gs_mul_overflows(n, 2, &n))
			return -ENOMEM;
	if (gs_mul_overflows(n, item, &bytes))
		return -ENOMEM;
	void *q = realloc(*a, bytes);
	if (!q)
		return -ENOMEM;
	*a = q;
	*cap = n;
	return 0;
}
