/* Detection of the stack interchange formats that goscope reads besides pprof's own: goscope's
 * JSON profile, speedscope files and folded stacks. Called by gs_profile_parse when the input
 * is not profile.proto, so every command accepts them as sources. */
#include "goscope/flame.h"

int gs_profile_parse_interchange(const void *data, size_t len, struct gs_ctx *ctx,
				 struct gs_profile **out)
{
	*out = NULL;
	if (gs_folded_sniff(data, len))
		return gs_profile_parse_folded(data, len, NULL, ctx, out);
	return -ENOTSUP;
}
