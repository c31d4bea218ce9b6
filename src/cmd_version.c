/* goscope version: the version of goscope and of the libraries it was built with. */
#include <curl/curl.h>
#include <zlib.h>

#include "cli.h"

const char cmd_version_summary[] = "print goscope's version";
const char cmd_version_usage[] =
	"usage: goscope version [--json]\n"
	"       goscope --version\n"
	"\n"
	"Prints goscope's version and the versions of the libraries it uses.\n"
	"\n"
	"OPTIONS\n"
	"  --json    print a JSON object\n"
	"\n"
	"EXAMPLES\n"
	"  goscope --version\n"
	"  goscope version --json\n";

int cmd_version(int argc, char **argv, struct gs_ctx *ctx)
{
	bool json = false;
	struct gs_strlist pos = {0};
	const struct gs_flag flags[] = {{"json", 0, GS_FLAG_BOOL, &json}, {0}};
	int rc = gs_flags_parse(gs_cli_find("version"), flags, argc, argv, &pos);
	if (rc)
		return rc == GS_FLAGS_HELP ? 0 : rc;
	if (pos.len) {
		gs_strlist_release(&pos);
		return usage_error("unexpected argument '%s'", pos.items[0]);
	}
	gs_strlist_release(&pos);
	if (json) {
		struct gs_out o;
		struct gs_json j;
		gs_out_init(&o, NULL, NULL);
		gs_json_init(&j, &o, true);
		gs_json_obj_begin(&j);
		gs_json_kstr(&j, "version", GS_VERSION);
		gs_json_kstr(&j, "zlib", zlibVersion());
		gs_json_kstr(&j, "curl", curl_version_info(CURLVERSION_NOW)->version);
		gs_json_obj_end(&j);
		gs_json_end(&j);
		fwrite(o.buf.data, 1, o.buf.len, stdout);
		gs_out_release(&o);
		return 0;
	}
	printf("goscope %s (zlib %s, curl %s)\n", GS_VERSION, zlibVersion(),
	       curl_version_info(CURLVERSION_NOW)->version);
	return 0;
}
