/* Opening a target named on the command line (a PID or a core file) and resolving
 * "SYMBOL" or "0xADDR" through the main executable, shared by threads and gcore. */
#ifndef GOSCOPE_TARGET_CLI_H
#define GOSCOPE_TARGET_CLI_H

#include "goscope/target.h"

/* A PID when arg is all digits and names no file; else a core file. Prints the error and
 * returns GS_EXIT_FAIL on failure. */
int gs_target_open(const char *arg, const char *exe, struct gs_ctx *ctx, struct gs_mem **out);
/* Installs goscope's test hook on opts: with GOSCOPE_TEST_HOLD_STOPPED_MS=N in the
 * environment, every gs_mem_stop of a target opened with opts announces "holding K threads
 * stopped for N ms" on stderr and holds the threads stopped that long, so that a test can kill
 * goscope while the target is stopped. Without it, opts is left alone. */
void gs_target_test_hooks(struct gs_mem_opts *opts);
/* True when arg is a PID (all digits, no file of that name). */
bool gs_target_is_pid(const char *arg, int *pid);
/* "0x1234", "1234" or a symbol of the executable (plus the load bias); *size gets the
 * symbol's size (0 for an address). 0, or prints the error and returns GS_EXIT_FAIL. */
int gs_target_resolve(struct gs_mem *m, const char *exe, const char *what, uint64_t *addr,
		      uint64_t *size, struct gs_ctx *ctx);

#endif
