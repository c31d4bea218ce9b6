/* Detection of the stack interchange formats that goscope reads besides pprof's own: goscope's
 * JSON profile, speedscope files and folded stacks. Called by gs_profile_parse when the input
 * is not profile.proto, so every command accepts them as sources. */
#include "goscope/flame.h"

/* Does the text start (after white space) with '{' and hold needle in its first window
 * bytes? */
static bool json_head_has(const void *data, size_t len, size_t window, const char *needle)
{
	const char *s = data;
	size_t n = len < window ? len : window;
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r'))
		i++;
	return i < n && s[i] == '{' && memmem(s + i, n - i, needle, strlen(needle));
}

bool gs_profile_json_sniff(const void *data, size_t len)
{
	return json_head_has(data, len, 256, "\"goscope-profile\"");
}

bool gs_speedscope_sniff(const void *data, size_t len)
{
	/* our files and speedscope's own name the schema; others at least have "shared" */
	return json_head_has(data, len, 4096, "speedscope") ||
	       json_head_has(data, len, 4096, "\"shared\"");
}

int gs_profile_parse_interchange(const void *data, size_t len, struct gs_ctx *ctx,
				 struct gs_profile **out)
{
	*out = NULL;
	/* the recognised format's reader explains its own errors */
	if (gs_profile_json_sniff(data, len)) {
		ctx->errmsg[0] = '\0';
		return gs_profile_parse_json(data, len, ctx, out);
	}
	if (gs_speedscope_sniff(data, len)) {
		ctx->errmsg[0] = '\0';
		return gs_profile_parse_speedscope(data, len, ctx, out);
	}
	if (gs_folded_sniff(data, len)) {
		ctx->errmsg[0] = '\0';
		return gs_profile_parse_folded(data, len, NULL, ctx, out);
	}
	return -ENOTSUP;
}
