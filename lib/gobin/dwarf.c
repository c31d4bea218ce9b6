/* Runtime layouts from DWARF through libdw: the offsets and sizes of the runtime struct fields
 * goscope reads (member paths resolved through typedefs and embedded structs, with the
 * spellings each Go version used), the addresses of runtime globals (DW_OP_addr locations),
 * the length of runtime.waitReasonStrings, the pprof label representation, and the Go
 * version of the compile units' producer. It reads only the top-level DIEs of each unit; it
 * does not evaluate location lists, unwind, or read types it does not name. */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <libelf.h>

#include "gobin/layout_internal.h"

/* Top-level DIEs visited at most; a real Go binary of 200 MB has a few million. */
#define GS_DWARF_MAX_DIES (64u << 20)
/* Members of one struct looked at when resolving a path component. */
#define GS_DWARF_MAX_MEMBERS 4096
/* Typedef chains longer than this are hostile. */
#define GS_DWARF_MAX_PEEL 16

/* Where a field lives: in the first type named in types ('|'-separated alternatives), along
 * path (components '.'-separated, each with '|'-separated alternative spellings); path NULL
 * means the size of the type. */
struct field_spec {
	uint16_t field;
	uint8_t type; /* index into type_names */
	const char *path;
};

enum {
	T_G,
	T_GOBUF,
	T_M,
	T_P,
	T_SUDOG,
	T_HCHAN,
	T_WAITQ,
	T_ANCESTOR,
	T_LABELMAP,
	T_LABEL,
	T_HMAP,
	T_BUCKET,
	T_SCHEDT,
	T_COUNT
};

/* Alternative names of each type, in order of preference. */
static const char *const type_names[T_COUNT][3] = {
	[T_G] = {"runtime.g"},
	[T_GOBUF] = {"runtime.gobuf"},
	[T_M] = {"runtime.m"},
	[T_P] = {"runtime.p"},
	[T_SUDOG] = {"runtime.sudog"},
	[T_HCHAN] = {"runtime.hchan"},
	[T_WAITQ] = {"runtime.waitq"},
	[T_ANCESTOR] = {"runtime.ancestorInfo"},
	[T_LABELMAP] = {"runtime/pprof.labelMap"},
	/* 1.26 moved the label pair to an internal package and exported its fields */
	[T_LABEL] = {"internal/runtime/pprof/label.Label", "runtime/pprof.label"},
	[T_HMAP] = {"runtime.hmap"},
	/* the linker's synthesized bucket type of map[string]string, and the compiler's */
	[T_BUCKET] = {"bucket<string,string>", "noalg.map.bucket[string]string"},
	[T_SCHEDT] = {"runtime.schedt"},
};

static const struct field_spec field_specs[] = {
	{GS_LF_G_STACK_LO, T_G, "stack.lo"},
	{GS_LF_G_STACK_HI, T_G, "stack.hi"},
	{GS_LF_G_STACKGUARD0, T_G, "stackguard0"},
	{GS_LF_G_PANIC, T_G, "_panic"},
	{GS_LF_G_DEFER, T_G, "_defer"},
	{GS_LF_G_M, T_G, "m"},
	{GS_LF_G_SCHED, T_G, "sched"},
	{GS_LF_G_SCHED_SP, T_G, "sched.sp"},
	{GS_LF_G_SCHED_PC, T_G, "sched.pc"},
	{GS_LF_G_SCHED_G, T_G, "sched.g"},
	{GS_LF_G_SCHED_CTXT, T_G, "sched.ctxt"},
	{GS_LF_G_SCHED_LR, T_G, "sched.lr"},
	{GS_LF_G_SCHED_BP, T_G, "sched.bp"},
	{GS_LF_G_SYSCALLSP, T_G, "syscallsp"},
	{GS_LF_G_SYSCALLPC, T_G, "syscallpc"},
	{GS_LF_G_SYSCALLBP, T_G, "syscallbp"},
	{GS_LF_G_STKTOPSP, T_G, "stktopsp"},
	{GS_LF_G_PARAM, T_G, "param"},
	{GS_LF_G_ATOMICSTATUS, T_G, "atomicstatus"},
	{GS_LF_G_GOID, T_G, "goid"},
	{GS_LF_G_SCHEDLINK, T_G, "schedlink"},
	{GS_LF_G_WAITSINCE, T_G, "waitsince"},
	{GS_LF_G_WAITREASON, T_G, "waitreason"},
	{GS_LF_G_PREEMPT, T_G, "preempt"},
	{GS_LF_G_LOCKEDM, T_G, "lockedm"},
	{GS_LF_G_PARENTGOID, T_G, "parentGoid"},
	{GS_LF_G_GOPC, T_G, "gopc"},
	{GS_LF_G_ANCESTORS, T_G, "ancestors"},
	{GS_LF_G_STARTPC, T_G, "startpc"},
	{GS_LF_G_WAITING, T_G, "waiting"},
	{GS_LF_G_LABELS, T_G, "labels"},
	{GS_LF_G_SIZE, T_G, NULL},
	{GS_LF_GOBUF_SP, T_GOBUF, "sp"},
	{GS_LF_GOBUF_PC, T_GOBUF, "pc"},
	{GS_LF_GOBUF_G, T_GOBUF, "g"},
	{GS_LF_GOBUF_CTXT, T_GOBUF, "ctxt"},
	{GS_LF_GOBUF_LR, T_GOBUF, "lr"},
	{GS_LF_GOBUF_BP, T_GOBUF, "bp"},
	{GS_LF_GOBUF_SIZE, T_GOBUF, NULL},
	{GS_LF_M_G0, T_M, "g0"},
	{GS_LF_M_MOREBUF, T_M, "morebuf"},
	{GS_LF_M_PROCID, T_M, "procid"},
	{GS_LF_M_GSIGNAL, T_M, "gsignal"},
	{GS_LF_M_CURG, T_M, "curg"},
	{GS_LF_M_P, T_M, "p"},
	{GS_LF_M_ID, T_M, "id"},
	{GS_LF_M_LOCKEDG, T_M, "lockedg"},
	{GS_LF_M_INCGO, T_M, "incgo"},
	{GS_LF_M_ALLLINK, T_M, "alllink"},
	{GS_LF_M_VDSOSP, T_M, "vdsoSP"},
	{GS_LF_M_VDSOPC, T_M, "vdsoPC"},
	{GS_LF_M_SIZE, T_M, NULL},
	{GS_LF_P_ID, T_P, "id"},
	{GS_LF_P_STATUS, T_P, "status"},
	{GS_LF_P_M, T_P, "m"},
	{GS_LF_P_SIZE, T_P, NULL},
	{GS_LF_SUDOG_G, T_SUDOG, "g"},
	{GS_LF_SUDOG_NEXT, T_SUDOG, "next"},
	{GS_LF_SUDOG_PREV, T_SUDOG, "prev"},
	{GS_LF_SUDOG_ELEM, T_SUDOG, "elem"},
	{GS_LF_SUDOG_TICKET, T_SUDOG, "ticket"},
	{GS_LF_SUDOG_ISSELECT, T_SUDOG, "isSelect"},
	{GS_LF_SUDOG_SUCCESS, T_SUDOG, "success"},
	{GS_LF_SUDOG_WAITLINK, T_SUDOG, "waitlink"},
	{GS_LF_SUDOG_C, T_SUDOG, "c"},
	{GS_LF_SUDOG_SIZE, T_SUDOG, NULL},
	{GS_LF_HCHAN_QCOUNT, T_HCHAN, "qcount"},
	{GS_LF_HCHAN_DATAQSIZ, T_HCHAN, "dataqsiz"},
	{GS_LF_HCHAN_BUF, T_HCHAN, "buf"},
	{GS_LF_HCHAN_ELEMSIZE, T_HCHAN, "elemsize"},
	{GS_LF_HCHAN_CLOSED, T_HCHAN, "closed"},
	{GS_LF_HCHAN_ELEMTYPE, T_HCHAN, "elemtype"},
	{GS_LF_HCHAN_SENDX, T_HCHAN, "sendx"},
	{GS_LF_HCHAN_RECVX, T_HCHAN, "recvx"},
	{GS_LF_HCHAN_RECVQ, T_HCHAN, "recvq"},
	{GS_LF_HCHAN_SENDQ, T_HCHAN, "sendq"},
	{GS_LF_HCHAN_LOCK, T_HCHAN, "lock"},
	{GS_LF_HCHAN_SIZE, T_HCHAN, NULL},
	{GS_LF_WAITQ_FIRST, T_WAITQ, "first"},
	{GS_LF_WAITQ_LAST, T_WAITQ, "last"},
	{GS_LF_ANCESTOR_PCS, T_ANCESTOR, "pcs"},
	{GS_LF_ANCESTOR_GOID, T_ANCESTOR, "goid"},
	{GS_LF_ANCESTOR_GOPC, T_ANCESTOR, "gopc"},
	{GS_LF_ANCESTOR_SIZE, T_ANCESTOR, NULL},
	/* 1.24–1.25 labelMap{LabelSet{list}}; 1.26 labelMap{Set{List}} */
	{GS_LF_LABELS_LIST, T_LABELMAP, "LabelSet|Set.list|List"},
	{GS_LF_LABEL_KEY, T_LABEL, "key|Key"},
	{GS_LF_LABEL_VALUE, T_LABEL, "value|Value"},
	{GS_LF_LABEL_SIZE, T_LABEL, NULL},
	{GS_LF_HMAP_COUNT, T_HMAP, "count"},
	{GS_LF_HMAP_B, T_HMAP, "B"},
	{GS_LF_HMAP_BUCKETS, T_HMAP, "buckets"},
	{GS_LF_HMAP_OLDBUCKETS, T_HMAP, "oldbuckets"},
	{GS_LF_HMAP_NEVACUATE, T_HMAP, "nevacuate"},
	{GS_LF_BUCKET_TOPHASH, T_BUCKET, "tophash|topbits"},
	{GS_LF_BUCKET_KEYS, T_BUCKET, "keys"},
	{GS_LF_BUCKET_ELEMS, T_BUCKET, "values|elems"},
	{GS_LF_BUCKET_OVERFLOW, T_BUCKET, "overflow"},
	{GS_LF_BUCKET_SIZE, T_BUCKET, NULL},
	{GS_LF_SCHED_GOIDGEN, T_SCHEDT, "goidgen"},
	{GS_LF_SCHED_MIDLE, T_SCHEDT, "midle"},
	{GS_LF_SCHED_NMIDLE, T_SCHEDT, "nmidle"},
	{GS_LF_SCHED_GFREE, T_SCHEDT, "gFree"},
	{GS_LF_SCHED_SIZE, T_SCHEDT, NULL},
};

/* What the scan of the top-level DIEs found. */
struct found {
	Dwarf_Die type[T_COUNT];
	uint8_t type_rank[T_COUNT]; /* 0 none; else 1 + alternative index (lower wins) */
	bool type_is_struct[T_COUNT];
	bool labelmap_struct;      /* a structure_type named labelMap (1.24+) */
	bool labelmap_seen;
	char producer_version[32]; /* from DW_AT_producer "Go cmd/compile go1.22.1; ..." */
};

static bool name_in(const char *name, size_t n, const char *alts)
{
	const char *p = alts;
	while (*p) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		if (len == n && !memcmp(name, p, n))
			return true;
		if (!bar)
			break;
		p = bar + 1;
	}
	return false;
}

/* Follows typedefs (Go names every named type with a typedef to the real type). */
static bool peel(Dwarf_Die *die)
{
	for (int i = 0; i < GS_DWARF_MAX_PEEL; i++) {
		int tag = dwarf_tag(die);
		if (tag != DW_TAG_typedef)
			return tag >= 0;
		Dwarf_Attribute attr;
		if (!dwarf_attr(die, DW_AT_type, &attr) || !dwarf_formref_die(&attr, die))
			return false;
	}
	return false;
}

static bool member_offset(Dwarf_Die *member, Dwarf_Word *off)
{
	Dwarf_Attribute attr;
	if (!dwarf_attr(member, DW_AT_data_member_location, &attr))
		return false;
	return dwarf_formudata(&attr, off) == 0;
}

static bool type_size(Dwarf_Die *type, Dwarf_Word *size)
{
	Dwarf_Die t = *type;
	if (!peel(&t))
		return false;
	Dwarf_Attribute attr;
	if (dwarf_attr(&t, DW_AT_byte_size, &attr) && dwarf_formudata(&attr, size) == 0)
		return true;
	if (dwarf_tag(&t) == DW_TAG_pointer_type) {
		*size = 8;
		return true;
	}
	return false;
}

/* Resolves path in the struct type *die: the summed member offset and the last member's
 * type size. */
static bool resolve_path(Dwarf_Die die, const char *path, Dwarf_Word *off, Dwarf_Word *size)
{
	Dwarf_Word total = 0;
	const char *p = path;

	if (!peel(&die))
		return false;
	if (!path)
		return type_size(&die, size) && (*off = 0, true);
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		char alts[128];
		Dwarf_Die child, found_die;
		bool found = false;
		unsigned n = 0;

		if (len >= sizeof(alts) || dwarf_tag(&die) != DW_TAG_structure_type)
			return false;
		memcpy(alts, p, len);
		alts[len] = 0;
		if (dwarf_child(&die, &child) != 0)
			return false;
		do {
			if (++n > GS_DWARF_MAX_MEMBERS)
				return false;
			if (dwarf_tag(&child) != DW_TAG_member)
				continue;
			const char *name = dwarf_diename(&child);
			if (name && name_in(name, strlen(name), alts)) {
				found_die = child;
				found = true;
				break;
			}
		} while (dwarf_siblingof(&child, &child) == 0);
		if (!found)
			return false;
		Dwarf_Word m;
		Dwarf_Attribute attr;
		if (!member_offset(&found_die, &m) || m > GS_LAYOUT_MAX_OFFSET)
			return false;
		total += m;
		if (!dwarf_attr(&found_die, DW_AT_type, &attr) || !dwarf_formref_die(&attr, &die))
			return false;
		if (!peel(&die))
			return false;
		if (!dot) {
			if (!type_size(&die, size))
				return false;
			break;
		}
		p = dot + 1;
	}
	*off = total;
	return total <= GS_LAYOUT_MAX_OFFSET && *size <= GS_LAYOUT_MAX_OFFSET;
}

static void note_type(struct found *fd, Dwarf_Die *die, const char *name, int tag)
{
	if (!strcmp(name, "runtime/pprof.labelMap")) {
		fd->labelmap_seen = true;
		if (tag == DW_TAG_structure_type)
			fd->labelmap_struct = true;
	}
	for (size_t t = 0; t < T_COUNT; t++) {
		for (size_t a = 0; a < GS_ARRAY_LEN(type_names[t]) && type_names[t][a]; a++) {
			if (strcmp(name, type_names[t][a]))
				continue;
			uint8_t rank = (uint8_t)(a + 1);
			bool is_struct = tag == DW_TAG_structure_type;
			/* prefer a better-ranked name, then the struct over its typedef */
			if (fd->type_rank[t] == 0 || rank < fd->type_rank[t] ||
			    (rank == fd->type_rank[t] && is_struct && !fd->type_is_struct[t])) {
				fd->type[t] = *die;
				fd->type_rank[t] = rank;
				fd->type_is_struct[t] = is_struct;
			}
		}
	}
}

static void note_variable(struct gs_layout *l, Dwarf_Die *die, const char *name)
{
	for (size_t s = 0; s < GS_LS_COUNT; s++) {
		if (strcmp(name, gs_layout_symbol_name(s)))
			continue;
		Dwarf_Attribute attr;
		Dwarf_Op *ops;
		size_t nops;
		if (!dwarf_attr(die, DW_AT_location, &attr) ||
		    dwarf_getlocation(&attr, &ops, &nops) != 0 || nops != 1 || ops[0].atom != DW_OP_addr)
			return;
		l->addr[s] = ops[0].number;
		l->addr_src[s] = GS_LAYOUT_SRC_DWARF;
		if (s == GS_LS_WAITREASONSTRINGS) {
			Dwarf_Die type;
			Dwarf_Word size;
			if (dwarf_attr(die, DW_AT_type, &attr) && dwarf_formref_die(&attr, &type) &&
			    type_size(&type, &size) && size % 16 == 0 &&
			    size / 16 <= GS_LAYOUT_MAX_WAIT_REASONS)
				l->wait_array_len = (size_t)(size / 16);
		}
		return;
	}
}

static void note_producer(struct found *fd, Dwarf_Die *cu)
{
	if (fd->producer_version[0])
		return;
	Dwarf_Attribute attr;
	const char *prod;
	if (!dwarf_attr(cu, DW_AT_producer, &attr) || !(prod = dwarf_formstring(&attr)))
		return;
	const char *v = strstr(prod, "go1.");
	if (!v)
		return;
	size_t n = 0;
	while (v[n] && v[n] != ';' && v[n] != ' ' && n + 1 < sizeof(fd->producer_version))
		n++;
	memcpy(fd->producer_version, v, n);
	fd->producer_version[n] = 0;
}

static int scan_units(Dwarf *dw, struct gs_layout *l, struct found *fd, struct gs_ctx *ctx)
{
	Dwarf_Off off = 0, next;
	size_t hsize;
	uint64_t dies = 0;

	while (dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu, child;
		if (dwarf_offdie(dw, off + hsize, &cu) == NULL)
			return gs_ctx_err(ctx, -EBADMSG, "DWARF: unreadable unit at 0x%llx",
					  (unsigned long long)off);
		off = next;
		note_producer(fd, &cu);
		if (dwarf_child(&cu, &child) != 0)
			continue;
		do {
			if (++dies > GS_DWARF_MAX_DIES)
				return gs_ctx_err(ctx, -E2BIG, "DWARF: more than %u top-level entries",
						  GS_DWARF_MAX_DIES);
			int tag = dwarf_tag(&child);
			if (tag != DW_TAG_structure_type && tag != DW_TAG_typedef && tag != DW_TAG_variable)
				continue;
			const char *name = dwarf_diename(&child);
			if (!name)
				continue;
			if (tag == DW_TAG_variable)
				note_variable(l, &child, name);
			else
				note_type(fd, &child, name, tag);
		} while (dwarf_siblingof(&child, &child) == 0);
	}
	return 0;
}

int gs_layout_dwarf(struct gs_elf *e, struct gs_layout *l, struct gs_ctx *ctx)
{
	size_t len;
	const uint8_t *bytes = gs_elf_bytes(e, &len);
	struct found *fd = NULL;
	Elf *elf = NULL;
	Dwarf *dw = NULL;
	char *copy = NULL;
	size_t wait_array_len = l->wait_array_len;
	int err = 0;

	if (!gs_elf_has_dwarf(e))
		return -ENOENT;
	elf_version(EV_CURRENT);
	/* libdw decompresses SHF_COMPRESSED sections (Go compresses its DWARF) through
	 * elf_compress, which rewrites the section headers in the image: give it a private copy */
	copy = malloc(len ? len : 1);
	if (!copy)
		return gs_ctx_err(ctx, -ENOMEM, "out of memory");
	memcpy(copy, bytes, len);
	elf = elf_memory(copy, len);
	if (!elf) {
		err = gs_ctx_err(ctx, -EBADMSG, "DWARF: %s", elf_errmsg(-1));
		goto out;
	}
	dw = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
	if (!dw) {
		err = gs_ctx_err(ctx, -EBADMSG, "DWARF: %s", dwarf_errmsg(-1));
		goto out;
	}
	fd = calloc(1, sizeof(*fd));
	if (!fd) {
		err = gs_ctx_err(ctx, -ENOMEM, "out of memory");
		goto out;
	}
	err = scan_units(dw, l, fd, ctx);
	if (err)
		goto out;
	if (fd->type_rank[T_G] == 0) {
		err = gs_ctx_err(ctx, -ENOENT, "DWARF: no runtime.g type");
		goto out;
	}
	for (size_t i = 0; i < GS_ARRAY_LEN(field_specs); i++) {
		const struct field_spec *s = &field_specs[i];
		Dwarf_Word off, size = 0;
		if (fd->type_rank[s->type] == 0 || !resolve_path(fd->type[s->type], s->path, &off, &size))
			continue;
		l->off[s->field] = (uint32_t)off;
		l->size[s->field] = (uint32_t)size;
		l->field_src[s->field] = GS_LAYOUT_SRC_DWARF;
	}
	if (fd->labelmap_seen) {
		l->labels = fd->labelmap_struct ? GS_LABELS_SLICE : GS_LABELS_MAP;
		l->labels_src = GS_LAYOUT_SRC_DWARF;
	}
	if (l->go_version[0] == 0 && fd->producer_version[0]) {
		snprintf(l->go_version, sizeof(l->go_version), "%s", fd->producer_version);
		l->minor = gs_layout_parse_minor(l->go_version);
	}
out:
	if (err) {
		/* the addresses noted before the failure go too: l is as it was */
		for (size_t s = 0; s < GS_LS_COUNT; s++) {
			if (l->addr_src[s] != GS_LAYOUT_SRC_DWARF)
				continue;
			l->addr[s] = 0;
			l->addr_src[s] = GS_LAYOUT_SRC_NONE;
		}
		l->wait_array_len = wait_array_len;
	}
	free(fd);
	if (dw)
		dwarf_end(dw);
	if (elf)
		elf_end(elf);
	free(copy);
	return err;
}
