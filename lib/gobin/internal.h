/* Private declarations shared by the files of lib/gobin: the pclntab object and the table of
 * per-version format facts. Not part of the public API. */
#ifndef GOSCOPE_GOBIN_INTERNAL_H
#define GOSCOPE_GOBIN_INTERNAL_H

#include "goscope/gobin.h"

/* What differs between the supported pclntab versions (data, not code paths). */
struct gs_pcln_format {
	uint32_t magic;
	size_t func_size;       /* fixed part of _func */
	size_t func_id_off;     /* funcID; flag, pad and nfuncdata follow */
	size_t inl_size;        /* one inlinedCall */
	size_t inl_name_off;    /* its nameOff (int32) */
	size_t inl_parentpc_off; /* its parentPc (int32) */
	size_t md_text;         /* offset of moduledata.text (64-bit) */
	size_t md_gofunc;       /* offset of moduledata.gofunc (64-bit) */
	const char *versions;
};

struct gs_pclntab {
	const uint8_t *data; /* the table, from its header to the end of its section/segment */
	size_t len;
	uint64_t vaddr;      /* address of the header in the binary; 0 when unknown */
	const struct gs_pcln_format *format;
	uint32_t magic;
	uint32_t quantum;
	uint32_t nfunc;
	uint64_t nfiles;
	uint64_t header_text_start;
	uint64_t text_start;
	uint64_t gofunc;
	bool have_gofunc;
	size_t funcname_off, cu_off, filetab_off, pctab_off, pcln_off;
	const uint8_t *functab; /* nfunc + 1 pairs of u32 */
	const struct gs_elf *elf;
	char source[64];
};

const struct gs_pcln_format *gs_pclntab_format(const struct gs_pclntab *t);

#endif
