/* Private declarations shared by the files of lib/goruntime: the unwinder object (its binary,
 * bias, symbolizer cache and the per-binary funcIDs of the special functions). Not part of
 * the public API. */
#ifndef GOSCOPE_GORUNTIME_INTERNAL_H
#define GOSCOPE_GORUNTIME_INTERNAL_H

#include "goscope/goruntime.h"

struct gs_unwinder {
	const struct gs_pclntab *t;
	enum gs_arch arch;
	uint64_t bias;
	uint32_t quantum;
	struct gs_symbolizer *sym;    /* cache of logical frames per PC (link-time PCs) */
	uint8_t role_of[256];         /* funcID -> enum gs_func_role */
	int role_id[GS_ROLE_COUNT];   /* the first funcID found for each role, -1 none */
	int sigpanic_id;              /* funcID of runtime.sigpanic, -1 none */
};

#endif
