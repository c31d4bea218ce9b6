/* Private declarations of the runtime-layout part of lib/gobin (layout.c, dwarf.c, symscan.c):
 * the layout object and the hooks the three files share. Not part of the public API. */
#ifndef GOSCOPE_GOBIN_LAYOUT_INTERNAL_H
#define GOSCOPE_GOBIN_LAYOUT_INTERNAL_H

#include "goscope/layout.h"

/* Wait reasons are a uint8 in the runtime. */
#define GS_LAYOUT_MAX_WAIT_REASONS 256
/* One wait-reason string; the longest in Go 1.26 is 34 bytes. */
#define GS_LAYOUT_MAX_WAIT_REASON_LEN 64
/* Offsets and sizes above this are not runtime structs. */
#define GS_LAYOUT_MAX_OFFSET (1u << 20)

struct gs_layout {
	uint32_t off[GS_LF_COUNT];
	uint32_t size[GS_LF_COUNT];
	uint8_t field_src[GS_LF_COUNT];
	uint64_t addr[GS_LS_COUNT];
	uint8_t addr_src[GS_LS_COUNT];
	char go_version[32];
	int minor;
	enum gs_arch arch;
	unsigned flags;
	enum gs_labels_repr labels;
	uint8_t labels_src;
	/* wait reasons: nwait NUL-terminated strings packed in wait_text */
	char *wait_text;
	size_t wait_text_len;
	uint32_t wait_off[GS_LAYOUT_MAX_WAIT_REASONS];
	size_t nwait;
	uint8_t wait_src;
	/* element count of runtime.waitReasonStrings when the binary says (symbol size, DWARF) */
	size_t wait_array_len;
};

/* An empty layout: every field unknown. */
struct gs_layout *gs_layout_alloc(void);
/* Appends wait reason s (len bytes, no NUL inside) as the next index: 0, -E2BIG, -ENOMEM. */
int gs_layout_wait_push(struct gs_layout *l, const char *s, size_t len);
void gs_layout_wait_clear(struct gs_layout *l);
/* The minor number of a Go version ("go1.22.12", "go1.26rc1", "devel go1.27-abc"), or 0. */
int gs_layout_parse_minor(const char *v);

/* dwarf.c: fills the fields, addresses, label representation and waitReasonStrings length
 * that e's DWARF gives, with source DWARF. 0 (also when some are missing), -ENOENT when e has
 * no DWARF or no runtime.g in it, -EBADMSG when libdw cannot read it, -E2BIG past the DIE
 * cap, -ENOMEM. On error l keeps none of the facts the DWARF gave. */
int gs_layout_dwarf(struct gs_elf *e, struct gs_layout *l, struct gs_ctx *ctx);

/* symscan.c: fills the unknown addresses by decoding the code of small runtime functions
 * found through the pclntab (source SCAN). 0, or -ENOENT when none of them is there. */
int gs_layout_scan(struct gs_elf *e, const struct gs_pclntab *pcln, struct gs_layout *l,
		   struct gs_ctx *ctx);
/* Whether one of the addresses gs_layout_scan can find (allgs, allglen, allgptr, allm,
 * waitReasonStrings, buildVersion, firstmoduledata) is still unknown in l: the others (sched,
 * allp, the TLS symbols) it never looks for, so their absence is no reason to scan. */
bool gs_layout_scan_needed(const struct gs_layout *l);

/* A data reference decoded from code. */
enum {
	GS_REF_ADDR = 1,     /* the address taken (LEA, ADRP+ADD) */
	GS_REF_LOAD,
	GS_REF_STORE,
	GS_REF_CMP,
	GS_REF_ATOMIC_STORE, /* address taken, then XCHG (amd64) or STLR (arm64) through it */
};
struct gs_code_ref {
	uint64_t pc;   /* of the (first) instruction */
	uint64_t addr; /* referenced address */
	uint8_t kind;
};
/* The data references of code (len bytes at link-time address pc), in order: amd64
 * RIP-relative LEA/MOV/CMP/MOV-immediate operands, arm64 ADRP followed by ADD, LDR, STR, LDP,
 * STP (and STLR after ADD). At most max go into refs; returns the count. */
size_t gs_layout_code_refs(enum gs_arch arch, const uint8_t *code, size_t len, uint64_t pc,
			   struct gs_code_ref *refs, size_t max);

/* The embedded tables (generated from lib/gobin/layouts/ by cmake/embed.cmake). */
struct gs_layout_table_file {
	const char *name; /* "go1.22-amd64.tsv" */
	const unsigned char *data;
	size_t len;
};
extern const struct gs_layout_table_file gs_layout_table_files[]; /* ends with a NULL name */

#endif
