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
	size_t inl_funcid_off;  /* its funcID (u8) */
	size_t inl_startline_off; /* its startLine (int32); 0 = the layout has none */
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
	uint64_t moduledata; /* address of runtime.firstmoduledata; 0 when not found */
	size_t funcname_off, cu_off, filetab_off, pctab_off, pcln_off;
	size_t last_nul;        /* offset of the last NUL byte of data */
	const uint8_t *functab; /* nfunc + 1 pairs of u32 */
	const struct gs_elf *elf;
	char source[64];
};

const struct gs_pcln_format *gs_pclntab_format(const struct gs_pclntab *t);

/* The NUL-terminated string at offset off of the table region starting at base, or NULL. */
const char *gs_pclntab_string(const struct gs_pclntab *t, size_t base, uint64_t off);

/* Entry PC of the i'th functab entry (i <= nfunc; entry nfunc is the end of text). */
static inline uint64_t gs_pclntab_entry_pc(const struct gs_pclntab *t, uint32_t i)
{
	const uint8_t *p = t->functab + 8 * (size_t)i;
	return t->text_start +
	       ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
}

/* Index of the function holding pc (as gs_pclntab_find_func): 0 or -ENOENT. */
int gs_pclntab_find_index(const struct gs_pclntab *t, uint64_t pc, uint32_t *index);

/* The file name of file number fno of f (through cutab and filetab); "" when none. */
const char *gs_pclntab_file_name(const struct gs_pclntab *t, const struct gs_func *f, int32_t fno);

/* A pc-value table decoded once: value val holds for PCs below func_entry + end (and at or
 * above the previous run's end). Past the last run the value is -1, as gs_pclntab_pcvalue
 * says. Offsets are 32-bit to keep runs small; a table that reaches past 4 GiB of its
 * function ends there. */
struct gs_pcrun {
	uint32_t end;
	int32_t val;
};
/* Runs of one table longer than this are taken as hostile. */
#define GS_PCLN_MAX_RUNS (1u << 22)
/* Decodes the table at table_off of f into *runs (grown with realloc; *cap its size).
 * 0, -ENOMEM, or -E2BIG / -ERANGE when the table is too long or reaches 4 GiB past the
 * function (hostile: callers then decode on the spot). A malformed table ends the runs
 * where it breaks, as gs_pclntab_pcvalue stops there. */
int gs_pclntab_runs(const struct gs_pclntab *t, const struct gs_func *f, uint32_t table_off,
		    struct gs_pcrun **runs, uint32_t *n, uint32_t *cap);

#endif
