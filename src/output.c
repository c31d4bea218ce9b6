/* Where reports go: stdout, or a named file written atomically (temp file in the same
 * directory, renamed into place only after a complete, checked write). Also reads input
 * files with the context's size cap. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static int write_fp(void *arg, const void *p, size_t n)
{
	FILE *fp = arg;
	if (fwrite(p, 1, n, fp) != n)
		return errno ? -errno : -EIO;
	return 0;
}

int gs_output_open(struct gs_output *o, const char *path)
{
	memset(o, 0, sizeof(*o));
	o->path = path && strcmp(path, "-") ? path : NULL;
	struct stat st;
	if (!o->path) {
		o->fp = stdout;
	} else if (stat(o->path, &st) == 0 && !S_ISREG(st.st_mode)) {
		/* A device, FIFO or socket (-o /dev/null, -o /dev/stdout, a named pipe) is written
		 * in place: renaming a temp file over it would replace the device. */
		if (S_ISDIR(st.st_mode))
			return fail("cannot write '%s': is a directory", o->path);
		o->fp = fopen(o->path, "w");
		if (!o->fp)
			return fail("cannot open '%s': %s", o->path, strerror(errno));
		o->direct = true;
	} else {
		size_t n = strlen(o->path) + 32;
		o->tmp_path = malloc(n);
		if (!o->tmp_path)
			return fail("out of memory");
		snprintf(o->tmp_path, n, "%s.tmp-XXXXXX", o->path);
		int fd = mkstemp(o->tmp_path);
		if (fd < 0) {
			int e = errno;
			free(o->tmp_path);
			o->tmp_path = NULL;
			return fail("cannot create '%s': %s", o->path, strerror(e));
		}
		fchmod(fd, 0644);
		o->fp = fdopen(fd, "w");
		if (!o->fp) {
			close(fd);
			unlink(o->tmp_path);
			return fail("cannot open '%s': %s", o->path, strerror(errno));
		}
	}
	gs_out_init(&o->out, write_fp, o->fp);
	return 0;
}

int gs_output_close(struct gs_output *o, bool commit)
{
	int err = gs_out_release(&o->out);
	int rc = 0;
	if (o->direct) {
		if (fflush(o->fp) || ferror(o->fp))
			err = err ? err : -errno;
		if (fclose(o->fp) && !err)
			err = -errno;
		if (err && err != -EPIPE)
			rc = fail("cannot write '%s': %s", o->path, strerror(-err));
		return rc ? rc : (commit ? 0 : GS_EXIT_FAIL);
	}
	if (!o->path) {
		if (fflush(stdout) || ferror(stdout))
			err = err ? err : -errno;
		if (err && err != -EPIPE)
			rc = fail("cannot write to standard output: %s", strerror(-err));
		/* dealt with here: main's last check of stdout is for output written otherwise */
		clearerr(stdout);
		return rc;
	}
	if (fflush(o->fp) || ferror(o->fp) || fsync(fileno(o->fp)))
		err = err ? err : -errno;
	if (fclose(o->fp) && !err)
		err = -errno;
	if (commit && err)
		rc = fail("cannot write '%s': %s", o->path, strerror(-err));
	if (commit && !err && rename(o->tmp_path, o->path))
		rc = fail("cannot rename into '%s': %s", o->path, strerror(errno));
	if (!commit || rc)
		unlink(o->tmp_path);
	free(o->tmp_path);
	o->tmp_path = NULL;
	return rc ? rc : (commit ? 0 : GS_EXIT_FAIL);
}

int gs_output_finish(struct gs_output *o, int err, const struct gs_ctx *ctx, const char *fmt, ...)
{
	/* An error of the sink itself (a full disk, a reader that closed the pipe) is
	 * gs_output_close's to report, or to ignore for -EPIPE. */
	if (!err || err == o->out.err)
		return gs_output_close(o, true);
	gs_output_close(o, false);
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return ctx ? fail_ctx(ctx, err, "%s", what) : fail("%s: %s", what, strerror(-err));
}

int gs_read_file(const char *path, struct gs_ctx *ctx, char **data, size_t *len)
{
	struct gs_buf b;
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
	if (fd < 0)
		return gs_ctx_err(ctx, -errno, "%s", strerror(errno));
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return gs_ctx_err(ctx, -EISDIR, "is a directory");
	}
	gs_buf_init(&b, ctx->limits.input_bytes);
	if (fd && S_ISREG(st.st_mode) && st.st_size > 0) {
		if ((uint64_t)st.st_size > ctx->limits.input_bytes) {
			close(fd);
			return gs_ctx_err(ctx, -E2BIG, "file is larger than the %llu-byte input cap",
					  (unsigned long long)ctx->limits.input_bytes);
		}
		if (gs_buf_grow(&b, (size_t)st.st_size)) {
			close(fd);
			return gs_ctx_err(ctx, -ENOMEM, "out of memory");
		}
	}
	for (;;) {
		if (gs_buf_grow(&b, 65536)) {
			close(fd);
			gs_buf_release(&b);
			return gs_ctx_err(ctx, -E2BIG, "input is larger than the %llu-byte cap",
					  (unsigned long long)ctx->limits.input_bytes);
		}
		ssize_t n = read(fd, b.data + b.len, b.alloc - b.len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			if (fd)
				close(fd);
			gs_buf_release(&b);
			return gs_ctx_err(ctx, -e, "%s", strerror(e));
		}
		if (n == 0)
			break;
		b.len += (size_t)n;
		b.data[b.len] = '\0';
	}
	if (fd)
		close(fd);
	*data = gs_buf_detach(&b, len);
	return 0;
}
