/* Loading profile sources: files (or stdin) now; URLs go through the HTTP fetcher. */
#include <sys/stat.h>

#include "cli.h"
#include "source.h"

bool gs_source_is_url(const char *src)
{
	struct stat st;
	if (strstr(src, "://"))
		return true;
	if (!strcmp(src, "-") || stat(src, &st) == 0)
		return false;
	/* host:port or host:port/path */
	const char *colon = strchr(src, ':');
	if (!colon || colon == src)
		return false;
	const char *p = colon + 1;
	if (*p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	return *p == '\0' || *p == '/';
}

int gs_source_load(const char *src, const struct gs_source_opts *opts, struct gs_ctx *ctx,
		   struct gs_profile **out)
{
	char *data;
	size_t len;
	int err;
	ctx->errmsg[0] = '\0';
	if (gs_source_is_url(src))
		return gs_ctx_err(ctx, -ENOTSUP, "fetching profiles over HTTP is not built in yet");
	err = gs_read_file(src, ctx, &data, &len);
	if (err)
		return err;
	err = gs_profile_parse(data, len, ctx, out);
	free(data);
	return err;
}
