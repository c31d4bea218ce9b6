/* ELF reader for Go binaries: headers through libelf, contents (symbols, notes, section and
 * segment bytes) read by us through bounded views of the mapped file. Only 64-bit
 * little-endian files (amd64, arm64) are accepted. It does not relocate, and does not read
 * DWARF (only notes whether it is there). */
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "goscope/gobin.h"

struct gs_elf {
	const uint8_t *data;
	size_t len;
	void *map;      /* mmap of a file we opened, or NULL */
	size_t map_len;
	Elf *elf;
	uint16_t type;
	uint16_t machine;
	uint64_t entry;
	struct gs_elf_section *sections;
	size_t nsections;
	struct gs_elf_segment *segments;
	size_t nsegments;
	/* symbols, loaded on first use: [0] .symtab, [1] .dynsym */
	struct gs_elf_symbol *syms[2];
	size_t nsyms[2];
	bool syms_loaded[2];
};

/* Section and segment counts above these are not real binaries. */
#define GS_ELF_MAX_SECTIONS 65536
#define GS_ELF_MAX_SEGMENTS 4096

/* A view of file bytes [off, off+size) when it lies inside the file. */
static bool file_range(const struct gs_elf *e, uint64_t off, uint64_t size)
{
	return off <= e->len && size <= e->len - off;
}

static int load_headers(struct gs_elf *e, struct gs_ctx *ctx)
{
	GElf_Ehdr eh;
	size_t shnum = 0, phnum = 0, shstrndx = 0;

	if (e->len < EI_NIDENT || memcmp(e->data, ELFMAG, SELFMAG) != 0)
		return gs_ctx_err(ctx, -EBADMSG, "not an ELF file");
	if (e->data[EI_CLASS] != ELFCLASS64 || e->data[EI_DATA] != ELFDATA2LSB)
		return gs_ctx_err(ctx, -ENOTSUP, "only 64-bit little-endian ELF files are supported");
	elf_version(EV_CURRENT);
	e->elf = elf_memory((char *)e->data, e->len);
	if (!e->elf || elf_kind(e->elf) != ELF_K_ELF || !gelf_getehdr(e->elf, &eh))
		return gs_ctx_err(ctx, -EBADMSG, "malformed ELF header: %s", elf_errmsg(-1));
	e->type = eh.e_type;
	e->machine = eh.e_machine;
	e->entry = eh.e_entry;

	if (elf_getphdrnum(e->elf, &phnum) != 0)
		return gs_ctx_err(ctx, -EBADMSG, "malformed program headers: %s", elf_errmsg(-1));
	if (phnum > GS_ELF_MAX_SEGMENTS)
		return gs_ctx_err(ctx, -EBADMSG, "%zu program headers", phnum);
	if (phnum) {
		e->segments = calloc(phnum, sizeof(*e->segments));
		if (!e->segments)
			return -ENOMEM;
	}
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(e->elf, (int)i, &ph))
			return gs_ctx_err(ctx, -EBADMSG, "malformed program header %zu", i);
		e->segments[e->nsegments++] = (struct gs_elf_segment){
			.type = ph.p_type, .flags = ph.p_flags, .vaddr = ph.p_vaddr,
			.offset = ph.p_offset, .filesz = ph.p_filesz, .memsz = ph.p_memsz,
		};
	}

	if (elf_getshdrnum(e->elf, &shnum) != 0)
		return gs_ctx_err(ctx, -EBADMSG, "malformed section headers: %s", elf_errmsg(-1));
	if (shnum > GS_ELF_MAX_SECTIONS)
		return gs_ctx_err(ctx, -EBADMSG, "%zu section headers", shnum);
	if (shnum && elf_getshdrstrndx(e->elf, &shstrndx) != 0)
		shstrndx = 0; /* names unreadable; sections stay usable by type */
	if (shnum) {
		e->sections = calloc(shnum, sizeof(*e->sections));
		if (!e->sections)
			return -ENOMEM;
	}
	for (size_t i = 0; i < shnum; i++) {
		Elf_Scn *scn = elf_getscn(e->elf, i);
		GElf_Shdr sh;
		if (!scn || !gelf_getshdr(scn, &sh))
			return gs_ctx_err(ctx, -EBADMSG, "malformed section header %zu", i);
		struct gs_elf_section *s = &e->sections[e->nsections++];
		const char *name = shstrndx ? elf_strptr(e->elf, shstrndx, sh.sh_name) : NULL;
		s->name = name ? name : "";
		s->type = sh.sh_type;
		s->flags = sh.sh_flags;
		s->addr = sh.sh_addr;
		s->offset = sh.sh_offset;
		s->size = sh.sh_size;
		if (sh.sh_type != SHT_NOBITS && sh.sh_type != SHT_NULL &&
		    file_range(e, sh.sh_offset, sh.sh_size)) {
			s->data = e->data + sh.sh_offset;
			s->data_len = (size_t)sh.sh_size;
		}
	}
	return 0;
}

int gs_elf_open_mem(const void *data, size_t len, struct gs_ctx *ctx, struct gs_elf **out)
{
	struct gs_elf *e = calloc(1, sizeof(*e));
	int err;
	*out = NULL;
	if (!e)
		return -ENOMEM;
	e->data = data;
	e->len = len;
	err = load_headers(e, ctx);
	if (err) {
		gs_elf_free(e);
		return err;
	}
	*out = e;
	return 0;
}

int gs_elf_open_path(const char *path, struct gs_ctx *ctx, struct gs_elf **out)
{
	struct stat st;
	void *map = NULL;
	int err, fd = open(path, O_RDONLY | O_CLOEXEC);
	*out = NULL;
	if (fd < 0)
		return gs_ctx_err(ctx, -errno, "%s", strerror(errno));
	if (fstat(fd, &st) != 0) {
		err = -errno;
		close(fd);
		return gs_ctx_err(ctx, err, "%s", strerror(-err));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return gs_ctx_err(ctx, -EINVAL, "not a regular file");
	}
	if ((uint64_t)st.st_size > ctx->limits.input_bytes) {
		close(fd);
		return gs_ctx_err(ctx, -E2BIG, "file is larger than the input cap (%llu bytes)",
				  (unsigned long long)ctx->limits.input_bytes);
	}
	if (st.st_size > 0) {
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED) {
			err = -errno;
			close(fd);
			return gs_ctx_err(ctx, err, "cannot map: %s", strerror(-err));
		}
	}
	close(fd);
	err = gs_elf_open_mem(map ? map : "", map ? (size_t)st.st_size : 0, ctx, out);
	if (err) {
		if (map)
			munmap(map, (size_t)st.st_size);
		return err;
	}
	(*out)->map = map;
	(*out)->map_len = (size_t)st.st_size;
	return 0;
}

void gs_elf_free(struct gs_elf *e)
{
	if (!e)
		return;
	if (e->elf)
		elf_end(e->elf);
	free(e->sections);
	free(e->segments);
	free(e->syms[0]);
	free(e->syms[1]);
	if (e->map)
		munmap(e->map, e->map_len);
	free(e);
}

const uint8_t *gs_elf_bytes(const struct gs_elf *e, size_t *len)
{
	*len = e->len;
	return e->data;
}

enum gs_arch gs_elf_arch(const struct gs_elf *e)
{
	switch (e->machine) {
	case EM_X86_64:
		return GS_ARCH_AMD64;
	case EM_AARCH64:
		return GS_ARCH_ARM64;
	default:
		return GS_ARCH_UNKNOWN;
	}
}

const char *gs_arch_name(enum gs_arch arch)
{
	switch (arch) {
	case GS_ARCH_AMD64:
		return "amd64";
	case GS_ARCH_ARM64:
		return "arm64";
	default:
		return "unknown";
	}
}

uint16_t gs_elf_type(const struct gs_elf *e)
{
	return e->type;
}

uint64_t gs_elf_entry(const struct gs_elf *e)
{
	return e->entry;
}

bool gs_elf_is_pie(const struct gs_elf *e)
{
	return e->type == ET_DYN;
}

bool gs_elf_has_interp(const struct gs_elf *e)
{
	for (size_t i = 0; i < e->nsegments; i++)
		if (e->segments[i].type == PT_INTERP)
			return true;
	return false;
}

size_t gs_elf_section_count(const struct gs_elf *e)
{
	return e->nsections;
}

const struct gs_elf_section *gs_elf_section_at(const struct gs_elf *e, size_t i)
{
	return i < e->nsections ? &e->sections[i] : NULL;
}

const struct gs_elf_section *gs_elf_section(const struct gs_elf *e, const char *name)
{
	for (size_t i = 0; i < e->nsections; i++)
		if (!strcmp(e->sections[i].name, name))
			return &e->sections[i];
	return NULL;
}

size_t gs_elf_segment_count(const struct gs_elf *e)
{
	return e->nsegments;
}

const struct gs_elf_segment *gs_elf_segment_at(const struct gs_elf *e, size_t i)
{
	return i < e->nsegments ? &e->segments[i] : NULL;
}

int gs_elf_vaddr_view(const struct gs_elf *e, uint64_t addr, const uint8_t **p, size_t *avail)
{
	for (size_t i = 0; i < e->nsegments; i++) {
		const struct gs_elf_segment *s = &e->segments[i];
		if (s->filesz == 0 || addr < s->vaddr || addr - s->vaddr >= s->filesz)
			continue;
		uint64_t delta = addr - s->vaddr;
		if (!file_range(e, s->offset, s->filesz))
			continue;
		*p = e->data + s->offset + delta;
		*avail = (size_t)(s->filesz - delta);
		return 0;
	}
	return -ENOENT;
}

static int load_symbols(struct gs_elf *e, int which, struct gs_ctx *ctx)
{
	uint32_t want = which ? SHT_DYNSYM : SHT_SYMTAB;
	const struct gs_elf_section *tab = NULL, *strtab;
	e->syms_loaded[which] = true;
	for (size_t i = 0; i < e->nsections; i++)
		if (e->sections[i].type == want) {
			tab = &e->sections[i];
			break;
		}
	if (!tab || !tab->data)
		return 0;
	Elf_Scn *scn = elf_getscn(e->elf, (size_t)(tab - e->sections));
	GElf_Shdr sh;
	if (!scn || !gelf_getshdr(scn, &sh) || sh.sh_link >= e->nsections)
		return gs_ctx_err(ctx, -EBADMSG, "symbol table has no string table");
	strtab = &e->sections[sh.sh_link];
	if (!strtab->data || strtab->data_len == 0)
		return gs_ctx_err(ctx, -EBADMSG, "symbol table's string table is outside the file");
	size_t n = tab->data_len / sizeof(Elf64_Sym);
	if (n == 0)
		return 0;
	struct gs_elf_symbol *syms = calloc(n, sizeof(*syms));
	if (!syms)
		return -ENOMEM;
	struct gs_rd rd;
	gs_rd_init(&rd, tab->data, tab->data_len);
	for (size_t i = 0; i < n; i++) {
		uint32_t name;
		uint8_t info, other;
		uint16_t shndx;
		uint64_t value, size;
		/* sizes were checked above: n whole records fit */
		gs_rd_u32le(&rd, &name);
		gs_rd_u8(&rd, &info);
		gs_rd_u8(&rd, &other);
		gs_rd_u16le(&rd, &shndx);
		gs_rd_u64le(&rd, &value);
		gs_rd_u64le(&rd, &size);
		const char *s = "";
		if (name < strtab->data_len &&
		    memchr(strtab->data + name, 0, strtab->data_len - name))
			s = (const char *)strtab->data + name;
		syms[i] = (struct gs_elf_symbol){
			.name = s, .value = value, .size = size,
			.type = (uint8_t)(info & 0xf), .bind = (uint8_t)(info >> 4), .shndx = shndx,
		};
	}
	e->syms[which] = syms;
	e->nsyms[which] = n;
	return 0;
}

int gs_elf_symbols(struct gs_elf *e, bool dynamic, struct gs_ctx *ctx,
		   const struct gs_elf_symbol **syms, size_t *n)
{
	int which = dynamic ? 1 : 0;
	if (!e->syms_loaded[which]) {
		int err = load_symbols(e, which, ctx);
		if (err)
			return err;
	}
	*syms = e->syms[which];
	*n = e->nsyms[which];
	return 0;
}

int gs_elf_symbol_find(struct gs_elf *e, const char *name, struct gs_ctx *ctx,
		       struct gs_elf_symbol *out)
{
	for (int which = 0; which < 2; which++) {
		const struct gs_elf_symbol *syms;
		size_t n;
		int err = gs_elf_symbols(e, which, ctx, &syms, &n);
		if (err)
			return err;
		for (size_t i = 0; i < n; i++)
			if (syms[i].name[0] == name[0] && !strcmp(syms[i].name, name)) {
				*out = syms[i];
				return 0;
			}
	}
	return -ENOENT;
}

/* Walks the notes of [p, p+len) for one with the given owner name and type. */
static int find_note(const uint8_t *p, size_t len, const char *owner, uint32_t type,
		     const uint8_t **desc, size_t *desc_len)
{
	struct gs_rd rd;
	size_t owner_len = strlen(owner) + 1;
	gs_rd_init(&rd, p, len);
	while (gs_rd_left(&rd) >= 12) {
		uint32_t namesz, descsz, ntype;
		const uint8_t *name, *d;
		gs_rd_u32le(&rd, &namesz);
		gs_rd_u32le(&rd, &descsz);
		gs_rd_u32le(&rd, &ntype);
		size_t name_pad = ((size_t)namesz + 3) & ~(size_t)3;
		size_t desc_pad = (4 - (descsz & 3)) & 3;
		if (gs_rd_bytes(&rd, name_pad, &name) || gs_rd_bytes(&rd, descsz, &d))
			return -EBADMSG;
		/* the last note may end without its padding */
		gs_rd_skip(&rd, desc_pad < gs_rd_left(&rd) ? desc_pad : gs_rd_left(&rd));
		/* owners are NUL-padded: cmd/link writes "Go\0\0" with namesz 4 */
		if (ntype == type && namesz >= owner_len && !memcmp(name, owner, owner_len)) {
			*desc = d;
			*desc_len = descsz;
			return 0;
		}
	}
	return -ENOENT;
}

/* Looks in SHT_NOTE sections, then PT_NOTE segments. */
static int elf_note(const struct gs_elf *e, const char *owner, uint32_t type, const uint8_t **desc,
		    size_t *len)
{
	for (size_t i = 0; i < e->nsections; i++) {
		const struct gs_elf_section *s = &e->sections[i];
		if (s->type == SHT_NOTE && s->data &&
		    find_note(s->data, s->data_len, owner, type, desc, len) == 0)
			return 0;
	}
	for (size_t i = 0; i < e->nsegments; i++) {
		const struct gs_elf_segment *s = &e->segments[i];
		if (s->type == PT_NOTE && file_range(e, s->offset, s->filesz) &&
		    find_note(e->data + s->offset, (size_t)s->filesz, owner, type, desc, len) == 0)
			return 0;
	}
	return -ENOENT;
}

int gs_elf_gnu_build_id(const struct gs_elf *e, const uint8_t **id, size_t *len)
{
	return elf_note(e, "GNU", NT_GNU_BUILD_ID, id, len);
}

int gs_elf_go_build_id(const struct gs_elf *e, const char **id, size_t *len)
{
	/* cmd/link writes the Go build id as note "Go" type 4 (ELF_NOTE_GOBUILDID_TAG). */
	const uint8_t *d;
	int err = elf_note(e, "Go", 4, &d, len);
	if (err)
		return err;
	*id = (const char *)d;
	return 0;
}

bool gs_elf_has_dwarf(const struct gs_elf *e)
{
	return gs_elf_section(e, ".debug_info") || gs_elf_section(e, ".zdebug_info");
}
