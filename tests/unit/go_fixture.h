/* Builds a Go fixture of tests/fixtures/go with the installed toolchain, for unit tests that
 * read real binaries. */
#ifndef GS_TEST_GO_FIXTURE_H
#define GS_TEST_GO_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* go build of tests/fixtures/go/NAME with flags into a new temporary directory; the binary's
 * path goes to out. 0, or -1 when Go is missing or the build fails (the test skips). */
static inline int gs_test_build_go_fixture(const char *name, const char *flags, char *out,
					   size_t size)
{
	char dir[] = "/tmp/gs-test-gobin-XXXXXX", cmd[8192], src[4096];
	const char *here = __FILE__, *slash = strrchr(here, '/');
	struct stat st;
	if (stat("/usr/local/go/bin/go", &st) != 0 || !slash || !mkdtemp(dir))
		return -1;
	snprintf(src, sizeof(src), "%.*s/../fixtures/go/%s", (int)(slash - here), here, name);
	snprintf(out, size, "%s/%s", dir, name);
	snprintf(cmd, sizeof(cmd), "cd '%s' && /usr/local/go/bin/go build %s -o '%s' . >&2", src,
		 flags, out);
	return system(cmd) == 0 ? 0 : -1;
}

#endif
