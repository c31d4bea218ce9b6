/* Builds a Go fixture of tests/fixtures/go with the test suite's Go toolchain (GS_TEST_GO, the
 * one CMake found for the CLI tests), for unit tests that read real binaries. A test that
 * needs Go fails without it (GS_TEST_NO_GO): the suite requires Go. */
#ifndef GS_TEST_GO_FIXTURE_H
#define GS_TEST_GO_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define GS_TEST_NO_GO() fail_msg("no Go toolchain at %s, or a Go fixture did not build", GS_TEST_GO)

/* go build of tests/fixtures/go/NAME with flags into a new temporary directory; the binary's
 * path goes to out. 0, or -1 when Go is missing or the build fails. */
static inline int gs_test_build_go_fixture(const char *name, const char *flags, char *out,
					   size_t size)
{
	char dir[] = "/tmp/gs-test-gobin-XXXXXX", cmd[8192], src[4096];
	const char *here = __FILE__, *slash = strrchr(here, '/');
	struct stat st;
	if (stat(GS_TEST_GO, &st) != 0 || !slash || !mkdtemp(dir))
		return -1;
	snprintf(src, sizeof(src), "%.*s/../fixtures/go/%s", (int)(slash - here), here, name);
	snprintf(out, size, "%s/%s", dir, name);
	snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' build %s -o '%s' . >&2", src, GS_TEST_GO,
		 flags, out);
	return system(cmd) == 0 ? 0 : -1;
}

#endif
