/* Files of web/ (HTML, JS, CSS of the flame graph and the UI), embedded at build time by
 * cmake/embed.cmake so that goscope writes self-contained pages without reading its install
 * tree. */
#ifndef GOSCOPE_WEB_H
#define GOSCOPE_WEB_H
#include <stddef.h>

struct gs_web_asset {
	const char *name;          /* file name under web/, e.g. "flame.html" */
	const unsigned char *data; /* NUL-terminated copy of the file */
	size_t len;                /* length without the terminating NUL */
};

/* Table ending with an entry whose name is NULL. */
extern const struct gs_web_asset gs_web_assets[];

/* The asset called name, or NULL. */
const struct gs_web_asset *gs_web_asset_find(const char *name);

#endif
