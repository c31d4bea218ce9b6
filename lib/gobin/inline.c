/* Symbolization: a PC to its logical frames by walking the inline tree (FUNCDATA_InlTree and
 * PCDATA_InlTreeIndex) the way runtime.inlineUnwinder does, innermost first, and a
 * direct-mapped cache so that repeated PCs cost one lookup. It does not unwind stacks and
 * does not adjust return addresses (callers pass the PC they want described). */
#include "gobin/internal.h"

/* Inline depth past which a tree is taken as cyclic (hostile). Real trees are a few deep. */
#define GS_INLINE_MAX_DEPTH 1024

static int32_t rd_i32(const uint8_t *p)
{
	return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			 (uint32_t)p[3] << 24);
}

static void put(struct gs_frame *frames, size_t max, size_t *n, struct gs_frame fr)
{
	if (*n < max)
		frames[*n] = fr;
	(*n)++;
}

int gs_pclntab_frames(const struct gs_pclntab *t, uint64_t pc, struct gs_frame *frames, size_t max,
		      size_t *n)
{
	struct gs_func f;
	const uint8_t *tree = NULL;
	size_t tree_len = 0;
	*n = 0;
	int err = gs_pclntab_find_func(t, pc, &f);
	if (err)
		return -ENOENT;
	const struct gs_pcln_format *fmt = t->format;
	if (gs_pclntab_funcdata(t, &f, GS_FUNCDATA_INLTREE, &tree, &tree_len) == 0) {
		int32_t idx = gs_pclntab_pcdata(t, &f, GS_PCDATA_INLTREEINDEX, pc);
		for (int depth = 0; idx >= 0 && depth < GS_INLINE_MAX_DEPTH; depth++) {
			size_t off = (size_t)idx * fmt->inl_size;
			if ((size_t)idx > tree_len / fmt->inl_size || off + fmt->inl_size > tree_len)
				break;
			const uint8_t *call = tree + off;
			int32_t name_off = rd_i32(call + fmt->inl_name_off);
			const char *name = NULL;
			if (name_off >= 0 && (size_t)name_off < t->len - t->funcname_off &&
			    memchr(t->data + t->funcname_off + name_off, 0,
				   t->len - t->funcname_off - (size_t)name_off))
				name = (const char *)t->data + t->funcname_off + name_off;
			put(frames, max, n, (struct gs_frame){
				.function = name ? name : "?",
				.file = gs_pclntab_file(t, &f, pc),
				.line = gs_pclntab_line(t, &f, pc),
				.entry = f.entry,
				.inlined = true,
			});
			pc = f.func_entry + (uint64_t)(int64_t)rd_i32(call + fmt->inl_parentpc_off);
			idx = gs_pclntab_pcdata(t, &f, GS_PCDATA_INLTREEINDEX, pc);
		}
	}
	put(frames, max, n, (struct gs_frame){
		.function = f.name,
		.file = gs_pclntab_file(t, &f, pc),
		.line = gs_pclntab_line(t, &f, pc),
		.entry = f.entry,
		.inlined = false,
	});
	return 0;
}

/* ---- cache ---- */

struct slot {
	uint64_t pc;
	bool used;
	bool found;
	uint32_t n;
	uint32_t cap;
	struct gs_frame *frames;
};

struct gs_symbolizer {
	const struct gs_pclntab *t;
	struct slot *slots;
	size_t mask;
};

int gs_symbolizer_new(const struct gs_pclntab *t, size_t slots, struct gs_symbolizer **out)
{
	size_t n = 1;
	if (slots == 0)
		slots = 65536;
	if (slots > ((size_t)1 << 24))
		slots = (size_t)1 << 24;
	while (n < slots)
		n <<= 1;
	struct gs_symbolizer *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->slots = calloc(n, sizeof(*s->slots));
	if (!s->slots) {
		free(s);
		return -ENOMEM;
	}
	s->t = t;
	s->mask = n - 1;
	*out = s;
	return 0;
}

void gs_symbolizer_free(struct gs_symbolizer *s)
{
	if (!s)
		return;
	for (size_t i = 0; i <= s->mask; i++)
		free(s->slots[i].frames);
	free(s->slots);
	free(s);
}

int gs_symbolizer_lookup(struct gs_symbolizer *s, uint64_t pc, const struct gs_frame **frames,
			 size_t *n)
{
	struct slot *sl = &s->slots[gs_hash_u64(pc) & s->mask];
	if (!sl->used || sl->pc != pc) {
		size_t count;
		sl->used = false;
		if (!sl->frames) {
			sl->frames = malloc(4 * sizeof(*sl->frames));
			if (!sl->frames)
				return -ENOMEM;
			sl->cap = 4;
		}
		int err = gs_pclntab_frames(s->t, pc, sl->frames, sl->cap, &count);
		if (!err && count > sl->cap) {
			struct gs_frame *fr = realloc(sl->frames, count * sizeof(*fr));
			if (!fr)
				return -ENOMEM;
			sl->frames = fr;
			sl->cap = (uint32_t)count;
			err = gs_pclntab_frames(s->t, pc, sl->frames, sl->cap, &count);
		}
		sl->pc = pc;
		sl->used = true;
		sl->found = err == 0;
		sl->n = err ? 0 : (uint32_t)count;
	}
	*frames = sl->frames;
	*n = sl->n;
	return sl->found ? 0 : -ENOENT;
}
