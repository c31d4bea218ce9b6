/* Folded stacks reader: "outermost;...;leaf count" per line (Brendan Gregg's stackcollapse
 * output, also what goscope folded writes) into a gs_profile with one sample type. Each
 * distinct frame name becomes a function and a location with one line; equal stacks are
 * summed into one sample. The text is hostile: lines, frames and counts are bounded by the
 * profile caps and every error names its line. */
#include "goscope/flame.h"

struct folded {
	struct gs_profile *p;
	struct gs_ctx *ctx;
	uint32_t *loc_of_str; /* string index -> location index + 1 (0 = none yet) */
	size_t n_loc_of_str;
	uint32_t *sample_of_stack; /* stack index -> sample index + 1 */
	size_t n_sample_of_stack;
	uint32_t *frames; /* leaf-first location indices of the current line */
	size_t cap_frames;
	size_t line_no;
};

static int grow_u32(uint32_t **arr, size_t *n, size_t need)
{
	if (need <= *n)
		return 0;
	size_t m = *n ? *n : 256;
	while (m < need)
		m *= 2;
	uint32_t *a = realloc(*arr, m * sizeof(*a));
	if (!a)
		return -ENOMEM;
	memset(a + *n, 0, (m - *n) * sizeof(*a));
	*arr = a;
	*n = m;
	return 0;
}

static int frame_location(struct folded *fd, const char *name, size_t len, uint32_t *out)
{
	struct gs_profile *p = fd->p;
	uint32_t s, idx;
	int err = gs_profile_intern(p, name, len, &s);
	if (err)
		return err;
	err = grow_u32(&fd->loc_of_str, &fd->n_loc_of_str, (size_t)s + 1);
	if (err)
		return err;
	if (fd->loc_of_str[s]) {
		*out = fd->loc_of_str[s] - 1;
		return 0;
	}
	struct gs_function fn = {.id = p->n_functions + 1, .name = s, .system_name = s};
	err = gs_profile_add_function(p, &fn, &idx);
	if (err)
		return err;
	struct gs_line line = {.function = idx};
	struct gs_location loc = {.id = p->n_locations + 1, .mapping = GS_NONE};
	err = gs_profile_add_location(p, &loc, &line, 1, &idx);
	if (err)
		return err;
	fd->loc_of_str[s] = idx + 1;
	*out = idx;
	return 0;
}

static int line_err(struct folded *fd, int err, const char *what)
{
	if (err == -ENOMEM)
		return gs_ctx_err(fd->ctx, err, "out of memory");
	if (err == -E2BIG)
		return gs_ctx_err(fd->ctx, err, "line %zu: %s exceeds a cap", fd->line_no, what);
	return gs_ctx_err(fd->ctx, err, "line %zu: %s", fd->line_no, what);
}

/* Splits "stack count": the count is the text after the last space or tab. */
static bool split_count(const char *s, size_t n, size_t *stack_len, int64_t *count)
{
	size_t i = n;
	while (i > 0 && s[i - 1] != ' ' && s[i - 1] != '\t')
		i--;
	if (i == 0 || i == n)
		return false;
	char num[24];
	size_t m = n - i;
	if (m >= sizeof(num))
		return false;
	memcpy(num, s + i, m);
	num[m] = '\0';
	if (gs_parse_i64(num, count))
		return false;
	*stack_len = i - 1;
	while (*stack_len > 0 && (s[*stack_len - 1] == ' ' || s[*stack_len - 1] == '\t'))
		(*stack_len)--;
	return true;
}

static int add_line(struct folded *fd, const char *s, size_t n)
{
	struct gs_profile *p = fd->p;
	size_t stack_len;
	int64_t count;
	uint32_t stack;
	int err;

	if (!split_count(s, n, &stack_len, &count))
		return gs_ctx_err(fd->ctx, -EBADMSG,
				  "line %zu: expected 'frame;frame;... count', got '%.*s'",
				  fd->line_no, (int)(n > 60 ? 60 : n), s);
	/* frames, root first in the text; the profile wants them leaf first */
	size_t depth = 0;
	for (size_t i = 0; i <= stack_len;) {
		size_t j = i;
		while (j < stack_len && s[j] != ';')
			j++;
		if (j > i) {
			if (depth >= p->limits.stack_depth)
				return line_err(fd, -E2BIG, "stack depth");
			if ((err = grow_u32(&fd->frames, &fd->cap_frames, depth + 1)) ||
			    (err = frame_location(fd, s + i, j - i, &fd->frames[depth])))
				return line_err(fd, err, "frame");
			depth++;
		}
		i = j + 1;
	}
	for (size_t i = 0; i < depth / 2; i++) {
		uint32_t t = fd->frames[i];
		fd->frames[i] = fd->frames[depth - 1 - i];
		fd->frames[depth - 1 - i] = t;
	}
	err = gs_profile_intern_stack(p, fd->frames, depth, &stack);
	if (!err)
		err = grow_u32(&fd->sample_of_stack, &fd->n_sample_of_stack, (size_t)stack + 1);
	if (err)
		return line_err(fd, err, "stack");
	uint32_t si = fd->sample_of_stack[stack];
	if (si) {
		int64_t *v = &p->values[si - 1];
		if (__builtin_add_overflow(*v, count, v))
			return gs_ctx_err(fd->ctx, -EBADMSG, "line %zu: count overflows", fd->line_no);
		return 0;
	}
	err = gs_profile_add_sample(p, stack, 0, &count);
	if (err)
		return line_err(fd, err, "sample");
	fd->sample_of_stack[stack] = (uint32_t)p->n_samples;
	return 0;
}

static bool blank_or_comment(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i == n || s[i] == '#';
}

bool gs_folded_sniff(const void *data, size_t len)
{
	const char *s = data;
	size_t i = 0;
	while (i < len) {
		size_t j = i;
		while (j < len && s[j] != '\n')
			j++;
		size_t n = j - i;
		if (n && s[i + n - 1] == '\r')
			n--;
		if (!blank_or_comment(s + i, n)) {
			size_t stack_len;
			int64_t count;
			for (size_t k = i; k < i + n; k++)
				if ((unsigned char)s[k] < 0x20 && s[k] != '\t')
					return false;
			if (!split_count(s + i, n, &stack_len, &count) || !stack_len)
				return false;
			/* frames may hold spaces, but a single "frame" with spaces is more likely a
			 * text header ("goroutine profile: total 5") */
			return memchr(s + i, ';', stack_len) || !memchr(s + i, ' ', stack_len);
		}
		i = j + 1;
	}
	return false;
}

int gs_profile_parse_folded(const void *data, size_t len, const struct gs_folded_read_opts *o,
			    struct gs_ctx *ctx, struct gs_profile **out)
{
	struct folded fd;
	const char *s = data;
	uint32_t type, unit;
	int err;

	*out = NULL;
	memset(&fd, 0, sizeof(fd));
	fd.ctx = ctx;
	err = gs_profile_new(ctx, &fd.p);
	if (err)
		return gs_ctx_err(ctx, err, "out of memory");
	err = gs_profile_intern_cstr(fd.p, o && o->sample_type ? o->sample_type : "samples", &type);
	if (!err)
		err = gs_profile_intern_cstr(fd.p, o && o->unit ? o->unit : "count", &unit);
	if (!err)
		err = gs_profile_add_sample_type(fd.p, type, unit);
	if (err) {
		gs_ctx_err(ctx, err, "cannot set the sample type");
		goto out;
	}
	for (size_t i = 0; i < len;) {
		size_t j = i;
		while (j < len && s[j] != '\n')
			j++;
		size_t n = j - i;
		fd.line_no++;
		if (n && s[i + n - 1] == '\r')
			n--;
		if (!blank_or_comment(s + i, n)) {
			err = add_line(&fd, s + i, n);
			if (err)
				goto out;
		}
		if ((fd.line_no & 0xffff) == 0 && (err = gs_ctx_progress(ctx, "reading", i, len)))
			goto out;
		i = j + 1;
	}
	if (!fd.p->n_samples) {
		err = gs_ctx_err(ctx, -EBADMSG, "no stacks found");
		goto out;
	}
out:
	free(fd.loc_of_str);
	free(fd.sample_of_stack);
	free(fd.frames);
	if (err) {
		gs_profile_free(fd.p);
		return err;
	}
	*out = fd.p;
	return 0;
}
