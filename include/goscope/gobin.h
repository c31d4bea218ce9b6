/* gobin: reading Go binaries without running them. An ELF reader over libelf (sections,
 * segments, symbols, notes), the `.go.buildinfo` blob (Go version, modules, build settings),
 * and the pclntab (functions, files, lines, pcsp, inline trees) with a caching symbolizer.
 * It never touches processes: a live target's binary is opened through its path. All input
 * is hostile: a malformed binary yields -EBADMSG and a message on the context. */
#ifndef GOSCOPE_GOBIN_H
#define GOSCOPE_GOBIN_H

#include "goscope/core.h"

/* ==========================================================================================
 * ELF (elf.c). 64-bit little-endian ELF only (what amd64 and arm64 Go binaries are); other
 * classes open with -ENOTSUP.
 */
struct gs_elf;

enum gs_arch {
	GS_ARCH_UNKNOWN = 0,
	GS_ARCH_AMD64,
	GS_ARCH_ARM64,
};

struct gs_elf_section {
	const char *name;  /* "" when the name is unreadable */
	uint32_t type;     /* SHT_* */
	uint64_t flags;    /* SHF_* */
	uint64_t addr;
	uint64_t offset;
	uint64_t size;
	const uint8_t *data; /* file bytes, NULL for SHT_NOBITS or when outside the file */
	size_t data_len;
};

struct gs_elf_segment {
	uint32_t type;   /* PT_* */
	uint32_t flags;  /* PF_* */
	uint64_t vaddr;
	uint64_t offset;
	uint64_t filesz;
	uint64_t memsz;
};

struct gs_elf_symbol {
	const char *name;
	uint64_t value;
	uint64_t size;
	uint8_t type;   /* STT_* */
	uint8_t bind;   /* STB_* */
	uint16_t shndx;
};

/* Opens the file at path (mapped read-only). *out is freed with gs_elf_free. Errors: the
 * system errno of open/mmap, -EBADMSG for a malformed ELF, -ENOTSUP for a non-64-bit or
 * big-endian ELF. */
int gs_elf_open_path(const char *path, struct gs_ctx *ctx, struct gs_elf **out);
/* Same over a buffer the caller keeps alive and unchanged until gs_elf_free. */
int gs_elf_open_mem(const void *data, size_t len, struct gs_ctx *ctx, struct gs_elf **out);
void gs_elf_free(struct gs_elf *e);

/* The whole file. */
const uint8_t *gs_elf_bytes(const struct gs_elf *e, size_t *len);
enum gs_arch gs_elf_arch(const struct gs_elf *e);
/* "amd64", "arm64" or "unknown". */
const char *gs_arch_name(enum gs_arch arch);
uint16_t gs_elf_type(const struct gs_elf *e); /* ET_EXEC, ET_DYN, ... */
uint64_t gs_elf_entry(const struct gs_elf *e);
/* Position-independent: ET_DYN. */
bool gs_elf_is_pie(const struct gs_elf *e);
/* Has a PT_INTERP segment (dynamically linked). */
bool gs_elf_has_interp(const struct gs_elf *e);

size_t gs_elf_section_count(const struct gs_elf *e);
const struct gs_elf_section *gs_elf_section_at(const struct gs_elf *e, size_t i);
/* First section named name, or NULL. */
const struct gs_elf_section *gs_elf_section(const struct gs_elf *e, const char *name);
size_t gs_elf_segment_count(const struct gs_elf *e);
const struct gs_elf_segment *gs_elf_segment_at(const struct gs_elf *e, size_t i);

/* The file bytes that back virtual address addr: the first program header (in file order)
 * whose [vaddr, vaddr+filesz) holds addr and lies inside the file. *p points at addr and
 * *avail is the number of bytes up to the end of that segment's file image. -ENOENT when no
 * segment backs addr. */
int gs_elf_vaddr_view(const struct gs_elf *e, uint64_t addr, const uint8_t **p, size_t *avail);

/* The symbols of .symtab (dynamic = false) or .dynsym (true), in table order, loaded on first
 * use. The array and names live until gs_elf_free. No table: 0 with *n = 0. */
int gs_elf_symbols(struct gs_elf *e, bool dynamic, struct gs_ctx *ctx,
		   const struct gs_elf_symbol **syms, size_t *n);
/* A symbol by exact name, searched in .symtab then .dynsym: 0, or -ENOENT. */
int gs_elf_symbol_find(struct gs_elf *e, const char *name, struct gs_ctx *ctx,
		       struct gs_elf_symbol *out);

/* The GNU build id (NT_GNU_BUILD_ID, descriptor bytes) and the Go build id (note "Go", type 4,
 * text). -ENOENT when absent. The bytes point into the file. */
int gs_elf_gnu_build_id(const struct gs_elf *e, const uint8_t **id, size_t *len);
int gs_elf_go_build_id(const struct gs_elf *e, const char **id, size_t *len);
/* DWARF sections present (.debug_info or .zdebug_info). */
bool gs_elf_has_dwarf(const struct gs_elf *e);

/* ==========================================================================================
 * Build information (buildinfo.c): what `go version -m` reads from `.go.buildinfo`.
 */
struct gs_buildinfo_module {
	const char *path;
	const char *version;
	const char *sum;
	struct gs_buildinfo_module *replace; /* NULL when not replaced */
};

struct gs_buildinfo_setting {
	const char *key;
	const char *value;
};

struct gs_buildinfo {
	char *go_version;        /* "go1.26.8" */
	char *modinfo;           /* the raw module text without its framing; "" when none */
	const char *path;        /* main package path, "" when none */
	struct gs_buildinfo_module main;  /* all "" when none */
	struct gs_buildinfo_module *deps; /* ndeps entries */
	size_t ndeps;
	struct gs_buildinfo_setting *settings;
	size_t nsettings;
	struct gs_arena arena; /* owns every string and module above except go_version, modinfo */
};

/* Reads the build information of e the way debug/buildinfo does (the `.go.buildinfo` section,
 * else the first writable non-executable PT_LOAD; both the pointer format before Go 1.18 and
 * the inline varint format) and parses the module text the way runtime/debug.ParseBuildInfo
 * does. Release with gs_buildinfo_release even on error. Errors: -ENOENT not a Go executable
 * (message "not a Go executable"), -EBADMSG unparsable module text. */
int gs_buildinfo_read(struct gs_elf *e, struct gs_ctx *ctx, struct gs_buildinfo *bi);
/* Parses module text alone (for tests and fuzzing); bi must be zeroed first. */
int gs_buildinfo_parse(const char *modinfo, size_t len, struct gs_ctx *ctx, struct gs_buildinfo *bi);
void gs_buildinfo_release(struct gs_buildinfo *bi);
/* The text of runtime/debug.BuildInfo.String without the "go" line, lines ending in "\n". */
int gs_buildinfo_format(const struct gs_buildinfo *bi, struct gs_buf *out);
/* Exactly what `go version -m FILE` prints for this binary, with name as FILE. */
int gs_buildinfo_format_m(const struct gs_buildinfo *bi, const char *name, struct gs_buf *out);
/* The value of build setting key, or NULL. */
const char *gs_buildinfo_setting(const struct gs_buildinfo *bi, const char *key);

/* ==========================================================================================
 * pclntab (pclntab.c): Go 1.18+ function and line tables (magic 0xfffffff0, 0xfffffff1).
 */
struct gs_pclntab;

/* pcdata and funcdata table indexes (internal/abi/symtab.go). */
enum {
	GS_PCDATA_UNSAFEPOINT = 0,
	GS_PCDATA_STACKMAPINDEX = 1,
	GS_PCDATA_INLTREEINDEX = 2,
	GS_PCDATA_ARGLIVEINDEX = 3,
	GS_FUNCDATA_INLTREE = 3,
};

/* _func flags (internal/abi FuncFlag). */
enum {
	GS_FUNCFLAG_TOPFRAME = 1,
	GS_FUNCFLAG_SPWRITE = 2,
	GS_FUNCFLAG_ASM = 4,
};

/* One function of the table. */
struct gs_func {
	uint32_t index;     /* in the function table */
	uint64_t entry;     /* first PC */
	uint64_t end;       /* next function's entry (end of text for the last) */
	uint64_t func_entry; /* entry from the _func record (what pc-value tables start at) */
	const char *name;   /* into the table; "?" when unreadable */
	int32_t start_line; /* line of the func keyword (Go 1.20+), 0 before */
	uint8_t func_id;    /* abi.FuncID; numbering differs between Go releases */
	uint8_t flag;       /* GS_FUNCFLAG_* */
	uint32_t args;
	uint32_t deferreturn;
	uint32_t pcsp, pcfile, pcln, cu_offset; /* pctab offsets and cutab base */
	uint32_t npcdata;
	uint8_t nfuncdata;
	const uint8_t *raw; /* the _func record; raw_len bytes are in bounds */
	size_t raw_len;
};

/* Finds and parses e's pclntab: the .gopclntab or .data.rel.ro.gopclntab section, else the
 * runtime.pclntab..runtime.epclntab symbols, else a scan of read-only segments for a valid
 * header. The text start comes from runtime.text, else moduledata.text (found by scanning
 * writable data for a pointer to the header), else the header, else .text; the base of
 * funcdata (go:func.*) likewise from its symbol or moduledata. The table points into e,
 * which must outlive it. Errors: -ENOENT none found, -ENOTSUP Go older than 1.18,
 * -EBADMSG malformed. */
int gs_pclntab_open(struct gs_elf *e, struct gs_ctx *ctx, struct gs_pclntab **out);
/* Over a bare table (fuzzing, tests): text_start is the address functab offsets are
 * relative to. Without the binary around it there is no funcdata, hence no inline trees. */
int gs_pclntab_open_mem(const void *data, size_t len, uint64_t text_start, struct gs_ctx *ctx,
			struct gs_pclntab **out);
void gs_pclntab_free(struct gs_pclntab *t);

/* Header facts. */
uint32_t gs_pclntab_magic(const struct gs_pclntab *t);
uint32_t gs_pclntab_nfunc(const struct gs_pclntab *t);
uint32_t gs_pclntab_quantum(const struct gs_pclntab *t);
uint64_t gs_pclntab_text_start(const struct gs_pclntab *t);
/* Where the table was found: "section .gopclntab", "symbol runtime.pclntab", "scan". */
const char *gs_pclntab_source(const struct gs_pclntab *t);

/* The i'th function: 0, -ERANGE past the end, -EBADMSG malformed record. */
int gs_pclntab_func_at(const struct gs_pclntab *t, uint32_t i, struct gs_func *f);
/* The function whose [entry, end) holds pc (binary search of functab): 0 or -ENOENT. */
int gs_pclntab_find_func(const struct gs_pclntab *t, uint64_t pc, struct gs_func *f);

/* Value of the pc-value table at pctab offset table_off, for pc in f, decoded exactly as
 * debug/gosym and the runtime do. -1 when pc is past the table or the table is malformed. */
int32_t gs_pclntab_pcvalue(const struct gs_pclntab *t, const struct gs_func *f, uint32_t table_off,
			   uint64_t pc);
/* Line (pcln), file name (pcfile through cutab and filetab; "" when none) and frame size
 * (pcsp) at pc. */
int32_t gs_pclntab_line(const struct gs_pclntab *t, const struct gs_func *f, uint64_t pc);
const char *gs_pclntab_file(const struct gs_pclntab *t, const struct gs_func *f, uint64_t pc);
int32_t gs_pclntab_sp(const struct gs_pclntab *t, const struct gs_func *f, uint64_t pc);
/* pcdata[index] value at pc; -1 when absent. */
int32_t gs_pclntab_pcdata(const struct gs_pclntab *t, const struct gs_func *f, uint32_t index,
			  uint64_t pc);
/* funcdata[index] as bytes of the binary (to the end of their segment): 0, or -ENOENT. */
int gs_pclntab_funcdata(const struct gs_pclntab *t, const struct gs_func *f, uint32_t index,
			const uint8_t **p, size_t *avail);

/* ==========================================================================================
 * Symbolization (inline.c): a PC to its logical frames, innermost inlined first.
 */
struct gs_frame {
	const char *function; /* valid while the pclntab lives */
	const char *file;
	int32_t line;
	uint64_t entry;  /* entry of the physical function */
	uint8_t func_id; /* abi.FuncID of this (possibly inlined) function; per-release numbering */
	bool inlined;    /* an inlined call (not the physical function) */
	uint64_t pc;     /* where the position was read: the PC asked for in the first frame,
			  * the call site (the inline mark) in the physical function for the
			  * others, as runtime.inlineUnwinder's frame PCs */
	int32_t start_line; /* line of the func keyword (Go 1.20+), 0 when unknown */
};

/* Frames at pc, innermost first; the last one is the physical function with the line at the
 * outermost call site. Up to max frames go into frames; *n gets the count (which may exceed
 * max: then only max were written). 0, or -ENOENT when no function holds pc. */
int gs_pclntab_frames(const struct gs_pclntab *t, uint64_t pc, struct gs_frame *frames, size_t max,
		      size_t *n);

/* A direct-mapped cache over gs_pclntab_frames. */
struct gs_symbolizer;
/* slots is rounded up to a power of two (0 = a default of 65536). */
int gs_symbolizer_new(const struct gs_pclntab *t, size_t slots, struct gs_symbolizer **out);
void gs_symbolizer_free(struct gs_symbolizer *s);
/* Like gs_pclntab_frames; *frames points into the cache and stays valid until the next call.
 * -ENOENT when no function holds pc. */
int gs_symbolizer_lookup(struct gs_symbolizer *s, uint64_t pc, const struct gs_frame **frames,
			 size_t *n);

/* What go tool addr2line and debug/gosym report for pc: the physical function holding it,
 * and the file and line of the innermost (possibly inlined) code at pc, with the lengths of
 * the names. Cheaper than the frames: no inline tree walk. Strings live as long as the
 * pclntab. 0, or -ENOENT when no function holds pc. */
struct gs_position {
	const char *function;
	size_t function_len;
	const char *file;
	size_t file_len;
	int32_t line;
};
int gs_symbolizer_position(struct gs_symbolizer *s, uint64_t pc, struct gs_position *pos);

#endif
