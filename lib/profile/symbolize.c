/* Symbolization of a profile with its Go binary: locations without lines (legacy ?debug=1
 * text has only addresses; a protobuf profile may be unsymbolized too) get their lines from
 * the binary's pclntab, grouped into locations exactly as runtime/pprof's profileBuilder
 * groups a stack's return PCs (appendLocsForStack, pcDeck, allFrames). It finds the load
 * bias of a PIE binary and refuses a binary that does not match the profile. It does not
 * read DWARF or symbol tables, and does not print: warnings go to the caller's buffer. */
#include "internal.h"

#include <elf.h>
#include <strings.h>

#include "goscope/gobin.h"

/* Candidate load biases tried for a PIE binary when the profile has no memory map. */
#define MAX_BIAS_CANDIDATES 16
/* A cache slot not filled yet (GS_NONE is a result: nothing left). */
#define UNSET (UINT32_MAX - 1)
/* Load biases are whole pages. */
#define PAGE_MASK ((uint64_t)0xfff)

/* The one logical frame the runtime's CallersFrames gives for a single return PC: the
 * innermost frame at pc-1 (our addresses are already pc-1). */
struct frame1 {
	const char *name, *file;
	int32_t line, start_line;
	uint64_t entry; /* physical function; 0 when the lookup failed */
	bool inlined;
	bool found;
};

/* A stack entry: a runtime address, the location it came from (GS_NONE for a virtual PC
 * added by expanding the last frame), whether it is to be symbolized, and how: as one of
 * the runtime's expanded PCs (deck) or as a whole physical frame. */
struct item {
	uint64_t addr;
	uint32_t loc;
	uint32_t mapping;
	bool todo;
	bool deck;
};

/* A location made from a deck: its first address, how many addresses it took and the
 * frame of its first address (runtime/pprof's locInfo). */
struct made {
	uint64_t addr;
	uint32_t loc;
	uint32_t npcs;
	struct frame1 first;
};

struct sym {
	struct gs_profile *p;
	struct gs_elf *e;
	const struct gs_pclntab *t;
	struct gs_symbolizer *s;
	struct gs_ctx *ctx;
	const struct gs_symbolize_opts *o;
	bool heap;

	/* per mapping */
	bool *ours;
	int64_t *bias;
	bool *failed; /* a lookup failed: has_functions stays false */
	bool *tried;
	bool *placed; /* the bias is known: the mapping has locations to symbolize */
	bool *expanded; /* its stacks hold the runtime's virtual PCs (legacy text) */

	bool *todo_loc; /* per location */
	uint32_t *whole; /* per location and after_panic: its replacement as a whole frame,
			  * GS_NONE when nothing is left of it, or UNSET */

	struct made *made;
	size_t n_made, cap_made;
	struct gs_idxmap made_map;

	struct gs_idxmap fn_map; /* name string index -> function index (ours) */
	uint64_t next_fn_id, next_loc_id;

	/* the deck */
	uint64_t *deck_pcs;
	struct frame1 *deck_frames;
	uint32_t deck_mapping;
	size_t n_deck, cap_deck, cap_deck_frames;
	struct gs_line *lines;
	size_t cap_lines;

	uint32_t *out_locs;
	size_t n_out, cap_out;
	struct item *items;
	size_t n_items, cap_items;

	size_t unresolved;
};

static int sym_nomem(struct sym *y, int err)
{
	if (err == -E2BIG)
		return gs_ctx_err(y->ctx, err, "symbolizing: a cap of the profile limits was hit "
				  "(limits.locations, limits.strings or limits.stack_depth)");
	return gs_ctx_err(y->ctx, err, "out of memory symbolizing the profile");
}

/* The frame runtime/pprof's allFrames keeps for return PC addr+1 (see above). */
static int frame_at(struct sym *y, uint64_t addr, int64_t bias, struct frame1 *f)
{
	const struct gs_frame *fr;
	size_t n;
	memset(f, 0, sizeof(*f));
	int err = gs_symbolizer_lookup(y->s, addr - (uint64_t)bias, &fr, &n);
	if (err == -ENOENT || (!err && n == 0))
		return 0;
	if (err)
		return err;
	*f = (struct frame1){fr[0].function, fr[0].file, fr[0].line, fr[0].start_line,
			     fr[0].entry, fr[0].inlined, true};
	return 0;
}

/* ---- functions and locations ---- */

struct fn_key {
	const struct gs_profile *p;
	uint32_t name;
};

static bool fn_eq(const void *arg, uint32_t idx)
{
	const struct fn_key *k = arg;
	return k->p->functions[idx].name == k->name;
}

/* The function named name (one per name, its file and start line from the first frame, as
 * the runtime's profileBuilder keys them). */
static int function_of(struct sym *y, const struct frame1 *f, uint32_t *idx)
{
	struct fn_key k = {y->p, 0};
	int err = gs_profile_intern_cstr(y->p, f->name, &k.name);
	if (err)
		return err;
	uint64_t h = gs_hash_u64(k.name);
	if (gs_idxmap_find(&y->fn_map, h, fn_eq, &k, idx) == 0)
		return 0;
	struct gs_function fn = {y->next_fn_id++, k.name, k.name, 0, f->start_line};
	if ((err = gs_profile_intern_cstr(y->p, f->file, &fn.filename)) ||
	    (err = gs_profile_add_function(y->p, &fn, idx)))
		return err;
	uint32_t out;
	return gs_idxmap_intern(&y->fn_map, h, fn_eq, &k, *idx, &out, NULL);
}

struct made_key {
	const struct sym *y;
	uint64_t addr;
};

static bool made_eq(const void *arg, uint32_t idx)
{
	const struct made_key *k = arg;
	return k->y->made[idx].addr == k->addr;
}

static const struct made *made_find(const struct sym *y, uint64_t addr)
{
	struct made_key k = {y, addr};
	uint32_t idx;
	if (gs_idxmap_find(&y->made_map, gs_hash_u64(addr), made_eq, &k, &idx))
		return NULL;
	return &y->made[idx];
}

static int out_add(struct sym *y, uint32_t loc)
{
	if (y->n_out >= y->p->limits.stack_depth)
		return -E2BIG;
	if (gs_grow_array(&y->out_locs, &y->cap_out, y->n_out + 1, sizeof(*y->out_locs)))
		return -ENOMEM;
	y->out_locs[y->n_out++] = loc;
	return 0;
}

/* runtime/pprof's pcDeck.tryAdd: a PC joins the deck when the deck's last frame is inlined
 * into the same physical function and is not the same function (recursion). */
static int deck_try_add(struct sym *y, uint64_t addr, uint32_t mapping, const struct frame1 *f,
			bool *added)
{
	*added = false;
	if (y->n_deck) {
		const struct frame1 *last = &y->deck_frames[y->n_deck - 1];
		if (!last->inlined || last->entry == 0 || f->entry == 0 || last->entry != f->entry ||
		    !strcmp(last->name, f->name))
			return 0;
	}
	if (y->n_deck >= y->p->limits.stack_depth)
		return -E2BIG;
	if (gs_grow_array(&y->deck_pcs, &y->cap_deck, y->n_deck + 1, sizeof(*y->deck_pcs)) ||
	    gs_grow_array(&y->deck_frames, &y->cap_deck_frames, y->n_deck + 1,
			  sizeof(*y->deck_frames)))
		return -ENOMEM;
	if (y->n_deck == 0)
		y->deck_mapping = mapping;
	y->deck_pcs[y->n_deck] = addr;
	y->deck_frames[y->n_deck++] = *f;
	*added = true;
	return 0;
}

/* runtime/pprof's emitLocation: the deck becomes one location (address of its first PC, a
 * line per PC, innermost first), remembered under its first address. */
static int deck_emit(struct sym *y)
{
	struct gs_profile *p = y->p;
	int err;
	if (y->n_deck == 0)
		return 0;
	if (gs_grow_array(&y->lines, &y->cap_lines, y->n_deck, sizeof(*y->lines)))
		return -ENOMEM;
	for (size_t i = 0; i < y->n_deck; i++) {
		uint32_t fn;
		if ((err = function_of(y, &y->deck_frames[i], &fn)))
			return err;
		y->lines[i] = (struct gs_line){fn, y->deck_frames[i].line, 0};
	}
	struct gs_location loc = {.id = y->next_loc_id++, .mapping = y->deck_mapping,
				  .address = y->deck_pcs[0]};
	uint32_t idx, made_idx;
	if ((err = gs_profile_add_location(p, &loc, y->lines, y->n_deck, &idx)))
		return err;
	if (gs_grow_array(&y->made, &y->cap_made, y->n_made + 1, sizeof(*y->made)))
		return -ENOMEM;
	y->made[y->n_made] = (struct made){y->deck_pcs[0], idx, (uint32_t)y->n_deck,
					   y->deck_frames[0]};
	struct made_key k = {y, y->deck_pcs[0]};
	if (gs_idxmap_intern(&y->made_map, gs_hash_u64(k.addr), made_eq, &k, (uint32_t)y->n_made,
			     &made_idx, NULL))
		return -ENOMEM;
	y->n_made++;
	y->n_deck = 0;
	return out_add(y, idx);
}

/* Compiler-generated code (method value and interface wrappers, hash and equality
 * functions) is what the runtime marks FuncIDWrapper; its position is <autogenerated>. */
static bool is_wrapper(const struct gs_frame *f)
{
	return !strcmp(f->file, "<autogenerated>");
}

static bool is_panic(const char *name)
{
	return !strcmp(name, "runtime.gopanic") || !strcmp(name, "runtime.sigpanic") ||
	       !strcmp(name, "runtime.panicwrap");
}

/* A location of a profile whose stacks hold physical frames (protobuf): its address gives
 * its frames, innermost first, as pprof's symbolizer expands an address, without the
 * wrappers the runtime's traceback elides (tracebackPCs: a wrapper is kept only when it
 * calls a panic function). after_panic says whether the frame below this location is one.
 * *out is the new location, GS_NONE when every frame was elided, or loc unchanged when the
 * binary has no function there; *outer_panic tells the same of this location's outermost
 * frame for the next one. */
static int whole_frame(struct sym *y, uint32_t loc, bool after_panic, uint32_t *out,
		       bool *outer_panic)
{
	struct gs_profile *p = y->p;
	const struct gs_frame *fr;
	size_t n, k = 0;
	int err;
	uint32_t *slot = &y->whole[2 * (size_t)loc + after_panic];
	*out = loc;
	*outer_panic = false;
	const struct gs_location *l = &p->locations[loc];
	uint32_t m = l->mapping;
	y->tried[m] = true;
	err = gs_symbolizer_lookup(y->s, l->address - (uint64_t)y->bias[m], &fr, &n);
	if (err == -ENOENT || (!err && n == 0)) {
		y->failed[m] = true;
		return 0;
	}
	if (err)
		return err;
	*outer_panic = is_panic(fr[n - 1].function);
	if (*slot != UNSET) {
		*out = *slot;
		return 0;
	}
	if (n > p->limits.stack_depth)
		return -E2BIG;
	if (gs_grow_array(&y->lines, &y->cap_lines, n, sizeof(*y->lines)))
		return -ENOMEM;
	/* interning names does not touch the symbolizer's cache that fr points into */
	for (size_t i = 0; i < n; i++) {
		bool callee_panic = i ? is_panic(fr[i - 1].function) : after_panic;
		if (is_wrapper(&fr[i]) && !callee_panic)
			continue;
		struct frame1 f = {fr[i].function, fr[i].file, fr[i].line, fr[i].start_line,
				   fr[i].entry, fr[i].inlined, true};
		uint32_t fn;
		if ((err = function_of(y, &f, &fn)))
			return err;
		y->lines[k++] = (struct gs_line){fn, fr[i].line, 0};
	}
	if (k == 0) {
		*out = *slot = GS_NONE;
		return 0;
	}
	struct gs_location nl = *l;
	nl.id = y->next_loc_id++;
	if ((err = gs_profile_add_location(p, &nl, y->lines, k, out)))
		return err;
	*slot = *out;
	return 0;
}

/* ---- stacks ---- */

/* runtime.runtime_expandFinalInlineFrame: a stack cut inside inlined code gets the virtual
 * PCs of the calls around its last PC (wrapper elision is not reproduced: funcID values
 * differ between Go releases). */
static int expand_last(struct sym *y)
{
	if (y->n_items == 0 || !y->items[y->n_items - 1].deck)
		return 0;
	struct item last = y->items[y->n_items - 1];
	const struct gs_frame *fr;
	size_t n;
	int64_t bias = y->bias[last.mapping];
	int err = gs_symbolizer_lookup(y->s, last.addr - (uint64_t)bias, &fr, &n);
	if (err == -ENOENT || (!err && (n < 2 || !fr[0].inlined)))
		return 0;
	if (err)
		return err;
	if (y->n_items - 1 + n > y->p->limits.stack_depth)
		return -E2BIG;
	if (gs_grow_array(&y->items, &y->cap_items, y->n_items - 1 + n, sizeof(*y->items)))
		return -ENOMEM;
	/* frames were copied out of the cache before the array could move them */
	for (size_t i = 1; i < n; i++)
		y->items[y->n_items - 1 + i] =
			(struct item){fr[i].pc + (uint64_t)bias, GS_NONE, last.mapping, true, true};
	y->n_items += n - 1;
	return 0;
}

static bool runtime_name(const char *name)
{
	return !strncmp(name, "runtime.", 8) || !strncmp(name, "internal/runtime/", 17);
}

/* writeHeapProto's hideRuntime: leading frames whose function at the return PC (what
 * runtime.FuncForPC names) is in the runtime are left out, named or not. */
static size_t hidden_prefix(struct sym *y)
{
	for (size_t i = 0; i < y->n_items; i++) {
		const struct item *it = &y->items[i];
		const struct gs_frame *fr;
		size_t n;
		if (it->mapping == GS_NONE || !y->placed[it->mapping] || !y->expanded[it->mapping] ||
		    gs_symbolizer_lookup(y->s, it->addr + 1 - (uint64_t)y->bias[it->mapping], &fr,
					 &n) ||
		    n == 0 || !runtime_name(fr[0].function))
			return i;
	}
	return 0; /* all runtime: the stack is kept whole */
}

/* runtime/pprof's appendLocsForStack over items[start..). */
static int append_locs(struct sym *y, size_t start)
{
	int err;
	bool added, prev_panic = false;
	y->n_out = 0;
	y->n_deck = 0;
	for (size_t i = start; i < y->n_items;) {
		const struct item *it = &y->items[i];
		if (!it->deck) {
			uint32_t loc = it->loc;
			bool panic = false;
			if (it->todo && (err = whole_frame(y, it->loc, prev_panic, &loc, &panic)))
				return err;
			if (!it->todo && y->p->locations[loc].line_count) {
				const struct gs_location *l = &y->p->locations[loc];
				uint32_t fn = y->p->lines[l->line_start + l->line_count - 1].function;
				panic = fn != GS_NONE &&
					is_panic(gs_profile_str(y->p, y->p->functions[fn].name));
			}
			prev_panic = panic;
			if ((err = deck_emit(y)) || (loc != GS_NONE && (err = out_add(y, loc))))
				return err;
			i++;
			continue;
		}
		const struct made *m = made_find(y, it->addr);
		if (m) {
			/* a cached location may still be a virtual PC of the deck being built */
			if (y->n_deck) {
				struct frame1 first = m->first;
				if ((err = deck_try_add(y, it->addr, it->mapping, &first, &added)))
					return err;
				if (added) {
					i++;
					continue;
				}
			}
			uint32_t loc = m->loc, npcs = m->npcs;
			if ((err = deck_emit(y)) || (err = out_add(y, loc)))
				return err;
			i += npcs; /* the runtime trusts the cache to cover the next PCs */
			continue;
		}
		struct frame1 f;
		if ((err = frame_at(y, it->addr, y->bias[it->mapping], &f)))
			return err;
		y->tried[it->mapping] = true;
		if (!f.found) {
			/* not in the binary: the location stays as it was, without lines */
			y->failed[it->mapping] = true;
			if ((err = deck_emit(y)) || (it->loc != GS_NONE && (err = out_add(y, it->loc))))
				return err;
			i++;
			continue;
		}
		if (!strcmp(f.name, "runtime.goexit")) {
			if ((err = deck_emit(y)))
				return err;
			i++;
			continue;
		}
		if ((err = deck_try_add(y, it->addr, it->mapping, &f, &added)))
			return err;
		if (added) {
			i++;
			continue;
		}
		if ((err = deck_emit(y)))
			return err;
		if ((m = made_find(y, it->addr))) {
			if ((err = out_add(y, m->loc)))
				return err;
			i += m->npcs;
		} else {
			if ((err = deck_try_add(y, it->addr, it->mapping, &f, &added)))
				return err;
			i++;
		}
	}
	return deck_emit(y);
}

/* The new stack of stack s. */
static int rewrite_stack(struct sym *y, uint32_t s, uint32_t *out)
{
	struct gs_profile *p = y->p;
	uint32_t n;
	const uint32_t *locs = gs_profile_stack(p, s, &n);
	bool any = false;
	int err;
	if (gs_grow_array(&y->items, &y->cap_items, n ? n : 1, sizeof(*y->items)))
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		const struct gs_location *l = &p->locations[locs[i]];
		bool todo = y->todo_loc[locs[i]];
		y->items[i] = (struct item){l->address, locs[i], l->mapping, todo,
					    todo && y->expanded[l->mapping]};
		any |= todo;
	}
	y->n_items = n;
	if (!any) {
		*out = s;
		return 0;
	}
	if ((err = expand_last(y)))
		return err;
	size_t start = y->heap ? hidden_prefix(y) : 0;
	if ((err = append_locs(y, start)))
		return err;
	if (y->n_out == 0 && start > 0 && (err = append_locs(y, 0)))
		return err;
	return gs_profile_intern_stack(p, y->out_locs, y->n_out, out);
}

/* ---- matching the binary to the profile ---- */

static void hex_build_id(const struct gs_elf *e, char *buf, size_t cap)
{
	const uint8_t *id;
	size_t len;
	buf[0] = '\0';
	if (gs_elf_gnu_build_id(e, &id, &len) == 0)
		gs_hex(buf, cap, id, len);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* A mapping that describes nothing of the process: what the legacy text parser makes. */
static bool unknown_layout(const struct gs_profile *p, const struct gs_mapping *m)
{
	return m->memory_start == 0 && m->file_offset == 0 && !*gs_profile_str(p, m->filename);
}

/* Bias of a real mapping: where the PT_LOAD holding its file offset was placed. */
static int mapping_bias(const struct sym *y, const struct gs_mapping *m, int64_t *bias)
{
	for (size_t i = 0; i < gs_elf_segment_count(y->e); i++) {
		const struct gs_elf_segment *sg = gs_elf_segment_at(y->e, i);
		if (sg->type != PT_LOAD || !(sg->flags & PF_X))
			continue;
		if (m->file_offset < sg->offset || m->file_offset - sg->offset >= sg->filesz)
			continue;
		*bias = (int64_t)(m->memory_start - (sg->vaddr + (m->file_offset - sg->offset)));
		return 0;
	}
	return -ENOENT;
}

/* The entry of runtime.goexit: the frame every goroutine's stack ends in. */
static int goexit_entry(const struct gs_pclntab *t, uint64_t *entry)
{
	struct gs_func f;
	for (uint32_t i = 0; i < gs_pclntab_nfunc(t); i++)
		if (gs_pclntab_func_at(t, i, &f) == 0 && !strcmp(f.name, "runtime.goexit")) {
			*entry = f.entry;
			return 0;
		}
	return -ENOENT;
}

/* How many of the locations to symbolize in mapping m fall in the binary's functions. */
static size_t count_resolved(struct sym *y, uint32_t m, int64_t bias)
{
	size_t hits = 0;
	struct gs_position pos;
	for (size_t i = 0; i < y->p->n_locations; i++)
		if (y->todo_loc[i] && y->p->locations[i].mapping == m &&
		    gs_symbolizer_position(y->s, y->p->locations[i].address - (uint64_t)bias, &pos) == 0)
			hits++;
	return hits;
}

/* A PIE binary and a profile without a memory map: the last frame of a goroutine's stack is
 * runtime.goexit (its return PC is goexit's entry plus one instruction quantum), so each
 * stack's last address proposes a page-aligned bias; the one placing most addresses inside
 * functions wins. */
static int find_bias(struct sym *y, uint32_t m, const char *what)
{
	struct gs_profile *p = y->p;
	uint64_t goexit, cand[MAX_BIAS_CANDIDATES];
	size_t n_cand = 0, best_hits = 0;
	if (goexit_entry(y->t, &goexit))
		return gs_ctx_err(y->ctx, -ENOENT, "%s is position-independent and has no "
				  "runtime.goexit to place it by; the profile has no memory map", what);
	for (size_t s = 1; s < p->n_stacks && n_cand < MAX_BIAS_CANDIDATES; s++) {
		uint32_t n;
		const uint32_t *locs = gs_profile_stack(p, (uint32_t)s, &n);
		if (n == 0 || !y->todo_loc[locs[n - 1]] || p->locations[locs[n - 1]].mapping != m)
			continue;
		uint64_t b = (p->locations[locs[n - 1]].address - goexit) & ~PAGE_MASK;
		bool seen = false;
		for (size_t k = 0; k < n_cand; k++)
			seen |= cand[k] == b;
		if (!seen)
			cand[n_cand++] = b;
	}
	for (size_t k = 0; k < n_cand; k++) {
		size_t hits = count_resolved(y, m, (int64_t)cand[k]);
		if (hits > best_hits) {
			best_hits = hits;
			y->bias[m] = (int64_t)cand[k];
		}
	}
	if (best_hits == 0)
		return gs_ctx_err(y->ctx, -ENOENT, "cannot tell where the position-independent %s "
				  "was loaded: the profile has no memory map and no stack ends in its "
				  "runtime.goexit (a different binary?)", what);
	return 0;
}

/* Does the instruction before return address ret (a binary address) call something? amd64:
 * CALL rel32 (E8) or an indirect CALL (FF /2, 2 to 7 bytes); arm64: BL or BLR. */
static bool after_call(const struct sym *y, uint64_t ret)
{
	const uint8_t *b;
	size_t avail;
	switch (gs_elf_arch(y->e)) {
	case GS_ARCH_AMD64:
		for (unsigned k = 2; k <= 7; k++) {
			if (ret < k || gs_elf_vaddr_view(y->e, ret - k, &b, &avail) || avail < k)
				continue;
			if ((k == 5 && b[0] == 0xe8) || (b[0] == 0xff && ((b[1] >> 3) & 7) == 2))
				return true;
		}
		return false;
	case GS_ARCH_ARM64: {
		if (ret < 4 || gs_elf_vaddr_view(y->e, ret - 4, &b, &avail) || avail < 4)
			return false;
		uint32_t insn = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
				(uint32_t)b[3] << 24;
		return (insn & 0xfc000000u) == 0x94000000u || (insn & 0xfffffc1fu) == 0xd63f0000u;
	}
	default:
		return true;
	}
}

struct key_set {
	const uint64_t *keys;
	uint64_t key;
};

static bool key_eq(const void *arg, uint32_t idx)
{
	const struct key_set *k = arg;
	return k->keys[idx] == k->key;
}

static bool idx_eq(const void *arg, uint32_t idx)
{
	return *(const uint32_t *)arg == idx;
}

/* A binary that is not the profile's own puts return addresses in the middle of
 * instructions: among the addresses of callers (every frame but the leaf, whose address
 * may be a sampled PC), count those that follow a call or are an inline mark the binary's
 * own inline trees point at. An address may be the return address minus one (Go) or the
 * return address itself (other producers of profile.proto). */
static int check_match(struct sym *y, const char *what)
{
	struct gs_profile *p = y->p;
	struct gs_idxmap marks, seen;
	size_t callers = 0, plausible = 0;
	int err = 0;
	gs_idxmap_init(&marks);
	gs_idxmap_init(&seen);
	uint64_t *keys = NULL;
	size_t n_keys = 0, cap_keys = 0;
	/* the inline marks: each inlined frame's call site */
	for (size_t i = 0; i < p->n_locations && !err; i++) {
		const struct gs_frame *fr;
		size_t n;
		if (!y->todo_loc[i])
			continue;
		uint64_t a = p->locations[i].address - (uint64_t)y->bias[p->locations[i].mapping];
		if (gs_symbolizer_lookup(y->s, a, &fr, &n))
			continue;
		for (size_t k = 1; k < n && !err; k++) {
			if (gs_grow_array(&keys, &cap_keys, n_keys + 1, sizeof(*keys))) {
				err = -ENOMEM;
				break;
			}
			keys[n_keys] = fr[k].pc;
			struct key_set ks = {keys, fr[k].pc};
			uint32_t out;
			bool ins;
			err = gs_idxmap_intern(&marks, gs_hash_u64(fr[k].pc), key_eq, &ks,
					       (uint32_t)n_keys, &out, &ins);
			n_keys += ins;
		}
	}
	for (size_t s = 1; s < p->n_stacks && !err; s++) {
		uint32_t n;
		const uint32_t *locs = gs_profile_stack(p, (uint32_t)s, &n);
		for (uint32_t i = 1; i < n && !err; i++) {
			uint32_t l = locs[i], out;
			bool ins;
			if (!y->todo_loc[l])
				continue;
			if ((err = gs_idxmap_intern(&seen, gs_hash_u64(l), idx_eq, &l, l, &out, &ins)))
				break;
			if (!ins)
				continue;
			uint64_t a = p->locations[l].address - (uint64_t)y->bias[p->locations[l].mapping];
			struct gs_position pos;
			if (gs_symbolizer_position(y->s, a, &pos))
				continue;
			callers++;
			struct key_set ks = {keys, a};
			if (gs_idxmap_find(&marks, gs_hash_u64(a), key_eq, &ks, &out) == 0 ||
			    after_call(y, a + 1) || after_call(y, a))
				plausible++;
		}
	}
	free(keys);
	gs_idxmap_release(&marks);
	gs_idxmap_release(&seen);
	if (err)
		return err;
	if (callers >= 4 && plausible * 4 < callers)
		return gs_ctx_err(y->ctx, -EINVAL, "%s does not match the profile: only %zu of its "
				  "%zu caller addresses are return addresses in it (a different build?)",
				  what, plausible, callers);
	return 0;
}

static void sym_release(struct sym *y)
{
	gs_symbolizer_free(y->s);
	free(y->ours);
	free(y->bias);
	free(y->failed);
	free(y->tried);
	free(y->placed);
	free(y->expanded);
	free(y->whole);
	free(y->todo_loc);
	free(y->made);
	gs_idxmap_release(&y->made_map);
	gs_idxmap_release(&y->fn_map);
	free(y->deck_pcs);
	free(y->deck_frames);
	free(y->lines);
	free(y->out_locs);
	free(y->items);
}

/* Which mappings are the binary's and which locations to symbolize. A mapping whose build
 * id differs is someone else's; the main mapping (the first) having unsymbolized locations
 * and another build id is an error. */
static int select_locations(struct sym *y, const char *build_id, const char *what, size_t *n_todo)
{
	struct gs_profile *p = y->p;
	const char *bin_base = y->o && y->o->binary_name ? base_name(y->o->binary_name) : "";
	*n_todo = 0;
	for (size_t m = 0; m < p->n_mappings; m++) {
		const struct gs_mapping *mp = &p->mappings[m];
		const char *mid = gs_profile_str(p, mp->build_id);
		const char *file = gs_profile_str(p, mp->filename);
		if (unknown_layout(p, mp))
			y->ours[m] = true;
		else if (*mid && *build_id)
			y->ours[m] = !strcmp(mid, build_id);
		else
			y->ours[m] = m == 0 || (*bin_base && !strcmp(base_name(file), bin_base));
	}
	for (size_t i = 0; i < p->n_locations; i++) {
		const struct gs_location *l = &p->locations[i];
		bool bare = l->line_count == 0 || (y->o && y->o->force);
		if (l->mapping == GS_NONE || l->address == 0 || !bare)
			continue;
		if (y->ours[l->mapping]) {
			y->todo_loc[i] = true;
			(*n_todo)++;
		} else if (l->mapping == 0 && l->line_count == 0) {
			return gs_ctx_err(y->ctx, -EINVAL, "%s does not match the profile: its build ID "
					  "is %s, the profile's main mapping has %s", what,
					  *build_id ? build_id : "(none)",
					  gs_profile_str(p, p->mappings[0].build_id));
		}
	}
	return 0;
}

/* Each mapping's load bias and a check that the addresses belong to this binary. */
static int place_mappings(struct sym *y, const char *what, struct gs_buf *warnings)
{
	struct gs_profile *p = y->p;
	int err;
	for (uint32_t m = 0; m < p->n_mappings; m++) {
		bool used = false;
		for (size_t i = 0; i < p->n_locations && !used; i++)
			used = y->todo_loc[i] && p->locations[i].mapping == m;
		if (!used)
			continue;
		y->placed[m] = true;
		if (unknown_layout(p, &p->mappings[m])) {
			if (gs_elf_is_pie(y->e) && (err = find_bias(y, m, what)))
				return err;
		} else if (mapping_bias(y, &p->mappings[m], &y->bias[m])) {
			return gs_ctx_err(y->ctx, -EINVAL, "%s does not match the profile: no executable "
					  "segment at file offset %#llx of mapping %llu", what,
					  (unsigned long long)p->mappings[m].file_offset,
					  (unsigned long long)p->mappings[m].id);
		}
	}
	size_t todo = 0, resolved = 0;
	struct gs_position pos;
	for (size_t i = 0; i < p->n_locations; i++) {
		if (!y->todo_loc[i])
			continue;
		todo++;
		uint64_t a = p->locations[i].address - (uint64_t)y->bias[p->locations[i].mapping];
		resolved += gs_symbolizer_position(y->s, a, &pos) == 0;
	}
	if (resolved == 0)
		return gs_ctx_err(y->ctx, -EINVAL, "%s does not match the profile: none of its %zu "
				  "addresses is in the binary's functions", what, todo);
	if ((err = check_match(y, what)))
		return err;
	if (resolved < todo && warnings)
		gs_buf_addf(warnings, "%zu of %zu addresses are outside the functions of %s and stay "
			    "unsymbolized\n", todo - resolved, todo, what);
	return 0;
}

/* Whether the n bytes at s are word, ignoring case. */
static bool word_is(const char *s, size_t n, const char *word)
{
	return n == strlen(word) && !strncasecmp(s, word, n);
}

bool gs_symbolize_mode_parse(const char *value, struct gs_symbolize_mode *m)
{
	/* A demangle mode may come with or without its "demangle=" prefix: pprof strips it
	 * from any word it does not know otherwise. */
	static const struct {
		const char *name;
		enum gs_demangle mode;
	} demangles[] = {
		{"default", GS_DEMANGLE_DEFAULT},
		{"templates", GS_DEMANGLE_TEMPLATES},
		{"full", GS_DEMANGLE_FULL},
		{"none", GS_DEMANGLE_NONE},
	};
	bool known = true;
	*m = (struct gs_symbolize_mode){.local = true};
	for (const char *s = value ? value : ""; *s;) {
		size_t n = strcspn(s, ":");
		const char *next = s + n + (s[n] == ':');
		if (n == 0) {
			s = next;
			continue;
		}
		if (word_is(s, n, "none") || word_is(s, n, "no")) {
			*m = (struct gs_symbolize_mode){.off = true};
			return known;
		}
		bool word_known = true;
		if (word_is(s, n, "local") || word_is(s, n, "fastlocal")) {
			m->local = true;
		} else if (word_is(s, n, "remote")) {
			m->local = false;
		} else if (word_is(s, n, "force")) {
			m->force = true;
		} else {
			const char *d = s;
			size_t dn = n;
			if (dn >= 9 && !strncasecmp(d, "demangle=", 9)) {
				d += 9;
				dn -= 9;
			}
			word_known = false;
			for (size_t i = 0; i < GS_ARRAY_LEN(demangles) && !word_known; i++) {
				if (!word_is(d, dn, demangles[i].name))
					continue;
				word_known = true;
				if (demangles[i].mode != GS_DEMANGLE_DEFAULT) {
					m->demangle = demangles[i].mode;
					m->force = true;
				}
			}
		}
		known = known && word_known;
		s = next;
	}
	return known;
}

static bool is_heap(const struct gs_profile *p)
{
	return !strcmp(gs_profile_str(p, p->period_type.type), "space") &&
	       !strcmp(gs_profile_str(p, p->period_type.unit), "bytes");
}

int gs_profile_symbolize(struct gs_profile *p, struct gs_elf *e, const struct gs_pclntab *t,
			 const struct gs_symbolize_opts *o, struct gs_ctx *ctx,
			 struct gs_buf *warnings)
{
	struct sym y;
	char build_id[160];
	const char *what = o && o->binary_name ? o->binary_name : "the binary";
	uint32_t *new_stack = NULL;
	size_t n_todo, n_old = p->n_stacks;
	int err;

	memset(&y, 0, sizeof(y));
	y.p = p;
	y.e = e;
	y.t = t;
	y.ctx = ctx;
	y.o = o;
	y.heap = is_heap(p);
	gs_idxmap_init(&y.made_map);
	gs_idxmap_init(&y.fn_map);
	size_t nm = p->n_mappings ? p->n_mappings : 1, nl = p->n_locations ? p->n_locations : 1;
	y.ours = calloc(nm, sizeof(*y.ours));
	y.bias = calloc(nm, sizeof(*y.bias));
	y.failed = calloc(nm, sizeof(*y.failed));
	y.tried = calloc(nm, sizeof(*y.tried));
	y.placed = calloc(nm, sizeof(*y.placed));
	y.expanded = calloc(nm, sizeof(*y.expanded));
	y.whole = malloc(2 * nl * sizeof(*y.whole));
	y.todo_loc = calloc(nl, sizeof(*y.todo_loc));
	new_stack = malloc((n_old ? n_old : 1) * sizeof(*new_stack));
	if (!y.ours || !y.bias || !y.failed || !y.tried || !y.placed || !y.expanded || !y.whole || !y.todo_loc || !new_stack) {
		err = sym_nomem(&y, -ENOMEM);
		goto out;
	}
	for (size_t i = 0; i < 2 * nl; i++)
		y.whole[i] = UNSET;
	for (size_t m = 0; m < p->n_mappings; m++)
		y.expanded[m] = unknown_layout(p, &p->mappings[m]);
	hex_build_id(e, build_id, sizeof(build_id));
	if ((err = select_locations(&y, build_id, what, &n_todo)) || n_todo == 0)
		goto out;
	if ((err = gs_symbolizer_new(t, 0, &y.s))) {
		err = sym_nomem(&y, err);
		goto out;
	}
	if ((err = place_mappings(&y, what, warnings)))
		goto out;
	for (size_t i = 0; i < p->n_functions; i++)
		if (p->functions[i].id >= y.next_fn_id)
			y.next_fn_id = p->functions[i].id + 1;
	for (size_t i = 0; i < p->n_locations; i++)
		if (p->locations[i].id >= y.next_loc_id)
			y.next_loc_id = p->locations[i].id + 1;
	y.next_fn_id += !y.next_fn_id;
	y.next_loc_id += !y.next_loc_id;
	for (size_t s = 0; s < n_old; s++)
		if ((err = rewrite_stack(&y, (uint32_t)s, &new_stack[s]))) {
			err = sym_nomem(&y, err);
			goto out;
		}
	for (size_t i = 0; i < p->n_samples; i++)
		p->samples[i].stack = new_stack[p->samples[i].stack];
	for (size_t m = 0; m < p->n_mappings; m++) {
		struct gs_mapping *mp = &p->mappings[m];
		if (!y.tried[m])
			continue;
		if (!mp->filename && o && o->binary_name &&
		    (err = gs_profile_intern_cstr(p, o->binary_name, &mp->filename)))
			break;
		if (!mp->build_id && (err = gs_profile_intern_cstr(p, build_id, &mp->build_id)))
			break;
		mp->has_functions = !y.failed[m];
	}
	if (err)
		err = sym_nomem(&y, err);
out:
	free(new_stack);
	sym_release(&y);
	return err;
}
