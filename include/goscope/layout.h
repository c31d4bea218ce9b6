/* Runtime layouts (lib/gobin/layout.c, dwarf.c, symscan.c, layouts/): what a reader of a Go
 * process or core needs to know about the runtime of one Go binary: the offsets of the fields
 * of runtime.g, m, p, gobuf, sudog, hchan and friends, the pprof label representation, the
 * wait-reason strings, and the link-time addresses of runtime globals (allgs, allm, ...).
 * Facts come from the binary's DWARF when present, else from per-version tables generated from
 * the DWARF of probe binaries (lib/gobin/layouts/, scripts/gen-layouts.sh); addresses come
 * from .symtab, else DWARF, else a scan of small runtime functions' code found through the
 * pclntab. It reads files only; it never touches a process. */
#ifndef GOSCOPE_LAYOUT_H
#define GOSCOPE_LAYOUT_H

#include "goscope/gobin.h"

struct gs_layout;

/* The fields whose offsets are known. Offsets are in bytes from the start of the enclosing
 * runtime struct named by the prefix; fields of embedded structs are flattened: GS_LF_G_SCHED_SP
 * is offsetof(g, sched) + offsetof(gobuf, sp). The *_SIZE entries are sizeof the struct.
 * Append only: the numbering is part of the API. */
enum gs_layout_field {
	/* runtime.g */
	GS_LF_G_STACK_LO = 0,
	GS_LF_G_STACK_HI,
	GS_LF_G_STACKGUARD0,
	GS_LF_G_PANIC,
	GS_LF_G_DEFER,
	GS_LF_G_M,
	GS_LF_G_SCHED,       /* the embedded gobuf */
	GS_LF_G_SCHED_SP,
	GS_LF_G_SCHED_PC,
	GS_LF_G_SCHED_G,
	GS_LF_G_SCHED_CTXT,
	GS_LF_G_SCHED_LR,
	GS_LF_G_SCHED_BP,
	GS_LF_G_SYSCALLSP,
	GS_LF_G_SYSCALLPC,
	GS_LF_G_SYSCALLBP,   /* Go 1.23+ */
	GS_LF_G_STKTOPSP,
	GS_LF_G_PARAM,
	GS_LF_G_ATOMICSTATUS, /* uint32 (inside atomic.Uint32) */
	GS_LF_G_GOID,
	GS_LF_G_SCHEDLINK,
	GS_LF_G_WAITSINCE,
	GS_LF_G_WAITREASON,  /* uint8 */
	GS_LF_G_PREEMPT,
	GS_LF_G_LOCKEDM,
	GS_LF_G_PARENTGOID,
	GS_LF_G_GOPC,
	GS_LF_G_ANCESTORS,
	GS_LF_G_STARTPC,
	GS_LF_G_WAITING,     /* *sudog */
	GS_LF_G_LABELS,      /* unsafe.Pointer, see enum gs_labels_repr */
	GS_LF_G_SIZE,
	/* runtime.gobuf (standalone, e.g. for m.morebuf) */
	GS_LF_GOBUF_SP,
	GS_LF_GOBUF_PC,
	GS_LF_GOBUF_G,
	GS_LF_GOBUF_CTXT,
	GS_LF_GOBUF_LR,
	GS_LF_GOBUF_BP,
	GS_LF_GOBUF_SIZE,
	/* runtime.m */
	GS_LF_M_G0,
	GS_LF_M_MOREBUF,
	GS_LF_M_PROCID,      /* Linux TID */
	GS_LF_M_GSIGNAL,
	GS_LF_M_CURG,
	GS_LF_M_P,
	GS_LF_M_ID,
	GS_LF_M_LOCKEDG,
	GS_LF_M_INCGO,
	GS_LF_M_ALLLINK,
	GS_LF_M_VDSOSP,
	GS_LF_M_VDSOPC,
	GS_LF_M_SIZE,
	/* runtime.p */
	GS_LF_P_ID,
	GS_LF_P_STATUS,
	GS_LF_P_M,
	GS_LF_P_SIZE,
	/* runtime.sudog */
	GS_LF_SUDOG_G,
	GS_LF_SUDOG_NEXT,
	GS_LF_SUDOG_PREV,
	GS_LF_SUDOG_ELEM,
	GS_LF_SUDOG_TICKET,
	GS_LF_SUDOG_ISSELECT,
	GS_LF_SUDOG_SUCCESS,
	GS_LF_SUDOG_WAITLINK,
	GS_LF_SUDOG_C,       /* *hchan (a maybeTraceableChan wrapper in 1.26: its first word) */
	GS_LF_SUDOG_SIZE,
	/* runtime.hchan */
	GS_LF_HCHAN_QCOUNT,
	GS_LF_HCHAN_DATAQSIZ,
	GS_LF_HCHAN_BUF,
	GS_LF_HCHAN_ELEMSIZE,
	GS_LF_HCHAN_CLOSED,
	GS_LF_HCHAN_ELEMTYPE,
	GS_LF_HCHAN_SENDX,
	GS_LF_HCHAN_RECVX,
	GS_LF_HCHAN_RECVQ,
	GS_LF_HCHAN_SENDQ,
	GS_LF_HCHAN_LOCK,
	GS_LF_HCHAN_SIZE,
	/* runtime.waitq */
	GS_LF_WAITQ_FIRST,
	GS_LF_WAITQ_LAST,
	/* runtime.ancestorInfo */
	GS_LF_ANCESTOR_PCS,  /* []uintptr */
	GS_LF_ANCESTOR_GOID,
	GS_LF_ANCESTOR_GOPC,
	GS_LF_ANCESTOR_SIZE,
	/* Labels, GS_LABELS_SLICE (1.24+): g.labels points to a labelMap whose list slice header
	 * {data, len, cap} is at LABELS_LIST; entries are LABEL_SIZE bytes {key, value string}. */
	GS_LF_LABELS_LIST,
	GS_LF_LABEL_KEY,
	GS_LF_LABEL_VALUE,
	GS_LF_LABEL_SIZE,
	/* Labels, GS_LABELS_MAP (<= 1.23): g.labels points to a word holding *hmap of a
	 * map[string]string, whose buckets are BUCKET_SIZE bytes: 8 tophash bytes, 8 keys, 8
	 * values (string headers), overflow pointer. */
	GS_LF_HMAP_COUNT,
	GS_LF_HMAP_B,        /* uint8: log2 of the bucket count */
	GS_LF_HMAP_BUCKETS,
	GS_LF_HMAP_OLDBUCKETS,
	GS_LF_HMAP_NEVACUATE,
	GS_LF_BUCKET_TOPHASH,
	GS_LF_BUCKET_KEYS,
	GS_LF_BUCKET_ELEMS,
	GS_LF_BUCKET_OVERFLOW,
	GS_LF_BUCKET_SIZE,
	/* runtime.schedt (the runtime.sched global) */
	GS_LF_SCHED_GOIDGEN,
	GS_LF_SCHED_MIDLE,
	GS_LF_SCHED_NMIDLE,
	GS_LF_SCHED_GFREE,
	GS_LF_SCHED_SIZE,
	GS_LF_COUNT
};

/* A field the binary's Go version does not have (g.syscallbp before 1.23, the hmap fields from
 * 1.24, ...), or that neither DWARF nor a table could give. */
#define GS_LAYOUT_UNKNOWN UINT32_MAX

/* Runtime globals whose link-time address is known. The caller adds the PIE load bias for a
 * live process. tlsg/tls_g are TLS symbols: their value is the offset inside the PT_TLS
 * template (see notes §1.3), not an address. Append only. */
enum gs_layout_symbol {
	GS_LS_ALLGS = 0,        /* runtime.allgs: []*g */
	GS_LS_ALLGLEN,          /* runtime.allglen: uintptr */
	GS_LS_ALLGPTR,          /* runtime.allgptr: **g */
	GS_LS_ALLM,             /* runtime.allm: *m */
	GS_LS_WAITREASONSTRINGS,/* runtime.waitReasonStrings: [N]string */
	GS_LS_BUILDVERSION,     /* runtime.buildVersion: string */
	GS_LS_SCHED,            /* runtime.sched: schedt */
	GS_LS_ALLP,             /* runtime.allp: []*p */
	GS_LS_FIRSTMODULEDATA,  /* runtime.firstmoduledata */
	GS_LS_TLSG,             /* runtime.tlsg (amd64, TLS offset) */
	GS_LS_TLS_G,            /* runtime.tls_g (arm64, TLS offset) */
	GS_LS_COUNT
};

/* Where a fact came from. */
enum gs_layout_source {
	GS_LAYOUT_SRC_NONE = 0, /* unknown */
	GS_LAYOUT_SRC_DWARF,    /* the binary's own DWARF */
	GS_LAYOUT_SRC_TABLE,    /* the per-version table */
	GS_LAYOUT_SRC_SYMTAB,   /* the binary's .symtab */
	GS_LAYOUT_SRC_SCAN,     /* decoded from runtime code found through the pclntab */
	GS_LAYOUT_SRC_BINARY,   /* read from the binary's data (waitReasonStrings) */
};

/* How g.labels points to the pprof labels. */
enum gs_labels_repr {
	GS_LABELS_UNKNOWN = 0,
	GS_LABELS_MAP,   /* Go <= 1.23: *map[string]string */
	GS_LABELS_SLICE, /* Go 1.24+: *labelMap{list []label{key, value string}} sorted by key */
};

/* Flags of gs_layout_open. */
enum {
	GS_LAYOUT_NO_DWARF = 1 << 0,  /* ignore DWARF: offsets from the tables (tests, cross-checks) */
	GS_LAYOUT_NO_SYMTAB = 1 << 1, /* ignore .symtab and DWARF for addresses: scan the code */
};

/* Facts about the result as a whole (gs_layout_flags). */
enum {
	/* The Go version is outside the tables' range (1.21–1.26) and no DWARF gave the offsets:
	 * the nearest version's table is used. Callers should warn that fields may be wrong. */
	GS_LAYOUT_APPROXIMATE = 1 << 0,
	/* The Go version could not be read (no buildinfo); the newest table was used. */
	GS_LAYOUT_VERSION_GUESSED = 1 << 1,
};

/* Works out the runtime layout of the Go binary e. pcln may be NULL (it is then opened and
 * freed inside); it is needed only for the code scan of a binary without .symtab. Offsets:
 * DWARF when present (unless GS_LAYOUT_NO_DWARF), completed by the table of the binary's Go
 * minor version and arch when there is one; without DWARF, or with DWARF libdw cannot read,
 * that table alone (the nearest one, flagged GS_LAYOUT_APPROXIMATE, outside 1.21–1.26).
 * Addresses: .symtab, else DWARF, else the code scan; a symbol found by none stays unknown
 * (not an error). Wait reasons: read from the binary's runtime.waitReasonStrings when its
 * address is known and every entry is a readable string, else the table's. The layout does
 * not point into e (e may be freed first). *out is freed with gs_layout_free. Errors:
 * -ENOTSUP not amd64/arm64 or Go older than 1.18 without DWARF, -ENOENT not a Go binary,
 * -EBADMSG malformed DWARF that was needed (-E2BIG when it was past the DIE cap), -ENOMEM. */
int gs_layout_open(struct gs_elf *e, const struct gs_pclntab *pcln, unsigned flags,
		   struct gs_ctx *ctx, struct gs_layout **out);
void gs_layout_free(struct gs_layout *l);

/* The built-in table for Go 1.minor on arch (exact match only): no addresses, source TABLE.
 * -ENOENT when there is none. */
int gs_layout_from_table(int minor, enum gs_arch arch, struct gs_ctx *ctx,
			 struct gs_layout **out);
/* Parses one table in the text format of lib/gobin/layouts/ (documented in
 * docs/internals/gobin.md). Bounded: at most 64 KiB, 1024 lines; unknown keys and malformed
 * lines are -EBADMSG. */
int gs_layout_parse(const char *text, size_t len, struct gs_ctx *ctx, struct gs_layout **out);
/* Writes l in that same text format (what scripts/gen-layouts.sh stores). */
int gs_layout_format(const struct gs_layout *l, struct gs_buf *out);

/* The offset of field f, or GS_LAYOUT_UNKNOWN. */
uint32_t gs_layout_off(const struct gs_layout *l, enum gs_layout_field f);
/* Its size in bytes (0 when unknown; e.g. goid 8, waitreason 1, atomicstatus 4). */
uint32_t gs_layout_size(const struct gs_layout *l, enum gs_layout_field f);
enum gs_layout_source gs_layout_field_source(const struct gs_layout *l, enum gs_layout_field f);
/* "g.sched.sp", "m.curg", "sizeof.g" ...: the names of the table format; NULL out of range. */
const char *gs_layout_field_name(enum gs_layout_field f);

/* The link-time address of s: 0 with *addr (and *src when not NULL), or -ENOENT. */
int gs_layout_addr(const struct gs_layout *l, enum gs_layout_symbol s, uint64_t *addr,
		   enum gs_layout_source *src);
/* "runtime.allgs" ...; NULL out of range. */
const char *gs_layout_symbol_name(enum gs_layout_symbol s);

/* Go version: "go1.22.12" ("" when unknown) and its minor number (0 when unknown). */
const char *gs_layout_go_version(const struct gs_layout *l);
int gs_layout_go_minor(const struct gs_layout *l);
enum gs_arch gs_layout_arch(const struct gs_layout *l);
unsigned gs_layout_flags(const struct gs_layout *l);
enum gs_labels_repr gs_layout_labels(const struct gs_layout *l);

/* Wait reasons: the string of reason r ("" for 0, "chan receive", ...), or NULL when r is past
 * the table. Count and where the strings came from (BINARY or TABLE). */
const char *gs_layout_wait_reason(const struct gs_layout *l, unsigned r);
size_t gs_layout_wait_reason_count(const struct gs_layout *l);
enum gs_layout_source gs_layout_wait_reason_source(const struct gs_layout *l);
const char *gs_layout_source_name(enum gs_layout_source s); /* "dwarf", "table", ... */
/* "unknown", "map", "slice" (the words of the table format); "unknown" out of range. */
const char *gs_layout_labels_name(enum gs_labels_repr r);

#endif
