import re
p='src/gtarget.c'; s=open(p).read()
s=re.sub(r'int gs_gtarget_from_pid\(long pid, const struct gs_gtarget_opts \*opts, struct gs_ctx \*ctx,\n\t\t\tstruct gs_snapshot \*\*out\)\n\{.*?\n\}\n',
'''int gs_gtarget_from_pid(long pid, const struct gs_gtarget_opts *opts, struct gs_ctx *ctx,
			struct gs_snapshot **out)
{
	char target[32];
	struct gs_goroutines_opts o = {.consistent = opts && opts->consistent};
	snprintf(target, sizeof(target), "%ld", pid);
	return gs_goroutines_snapshot(target, opts ? opts->binary : NULL, &o, ctx, out);
}
''', s, flags=re.S)
s=re.sub(r'int gs_gtarget_from_core\(const char \*path, const struct gs_gtarget_opts \*opts,\n\t\t\t struct gs_ctx \*ctx, struct gs_snapshot \*\*out\)\n\{.*?\n\}\n',
'''int gs_gtarget_from_core(const char *path, const struct gs_gtarget_opts *opts,
			 struct gs_ctx *ctx, struct gs_snapshot **out)
{
	struct gs_goroutines_opts o = {0};
	return gs_goroutines_snapshot(path, opts ? opts->binary : NULL, &o, ctx, out);
}
''', s, flags=re.S)
if '#include "goscope/goruntime.h"' not in s:
    s=s.replace('#include "gtarget.h"','#include "gtarget.h"\n#include "goscope/goruntime.h"',1)
open(p,'w').write(s)
