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

/* Where the values of the three tables a frame needs come from: decoded on the spot, or
 * from the symbolizer's decoded runs. */
enum { VAL_LINE, VAL_FILE, VAL_INL };
typedef int32_t (*value_fn)(const void *arg, int which, uint64_t pc);

struct direct {
	const struct gs_pclntab *t;
	const struct gs_func *f;
};

static int32_t value_direct(const void *arg, int which, uint64_t pc)
{
	const struct direct *d = arg;
	switch (which) {
	case VAL_LINE:
		return gs_pclntab_line(d->t, d->f, pc);
	case VAL_FILE:
		return gs_pclntab_pcvalue(d->t, d->f, d->f->pcfile, pc);
	default:
		return gs_pclntab_pcdata(d->t, d->f, GS_PCDATA_INLTREEINDEX, pc);
	}
}

/* The logical frames of pc in f (runtime.inlineUnwinder): each inlined call named from the
 * inline tree with the position at the current PC, then the step to its call site. */
static void expand(const struct gs_pclntab *t, const struct gs_func *f, uint64_t pc,
		   const uint8_t *tree, size_t tree_len, value_fn value, const void *arg,
		   struct gs_frame *frames, size_t max, size_t *n)
{
	const struct gs_pcln_format *fmt = t->format;
	*n = 0;
	if (tree) {
		int32_t idx = value(arg, VAL_INL, pc);
		for (int depth = 0; idx >= 0 && depth < GS_INLINE_MAX_DEPTH; depth++) {
			size_t off = (size_t)idx * fmt->inl_size;
			if ((size_t)idx > tree_len / fmt->inl_size || off + fmt->inl_size > tree_len)
				break;
			const uint8_t *call = tree + off;
			int32_t name_off = rd_i32(call + fmt->inl_name_off);
			const char *name = name_off < 0 ? NULL
					   : gs_pclntab_string(t, t->funcname_off, (uint64_t)name_off);
			int32_t start_line = fmt->inl_startline_off
						     ? rd_i32(call + fmt->inl_startline_off)
						     : 0;
			put(frames, max, n, (struct gs_frame){
				.function = name ? name : "?",
				.file = gs_pclntab_file_name(t, f, value(arg, VAL_FILE, pc)),
				.line = value(arg, VAL_LINE, pc),
				.entry = f->entry,
				.func_id = call[fmt->inl_funcid_off],
				.inlined = true,
				.pc = pc,
				.start_line = start_line,
			});
			pc = f->func_entry + (uint64_t)(int64_t)rd_i32(call + fmt->inl_parentpc_off);
			idx = value(arg, VAL_INL, pc);
		}
	}
	put(frames, max, n, (struct gs_frame){
		.function = f->name,
		.file = gs_pclntab_file_name(t, f, value(arg, VAL_FILE, pc)),
		.line = value(arg, VAL_LINE, pc),
		.entry = f->entry,
		.func_id = f->func_id,
		.inlined = false,
		.pc = pc,
		.start_line = f->start_line,
	});
}

int gs_pclntab_frames(const struct gs_pclntab *t, uint64_t pc, struct gs_frame *frames, size_t max,
		      size_t *n)
{
	struct gs_func f;
	const uint8_t *tree = NULL;
	size_t tree_len = 0;
	*n = 0;
	if (gs_pclntab_find_func(t, pc, &f))
		return -ENOENT;
	if (gs_pclntab_funcdata(t, &f, GS_FUNCDATA_INLTREE, &tree, &tree_len))
		tree = NULL;
	struct direct d = {t, &f};
	expand(t, &f, pc, tree, tree_len, value_direct, &d, frames, max, n);
	return 0;
}

/* ---- cache ----
 * Two levels: a direct-mapped table of PCs to their frames, and a direct-mapped table of
 * functions to their line, file and inline-index tables decoded into runs, so that a new PC
 * in a function seen before costs binary searches instead of decoding varints. */

struct pc_slot {
	uint64_t pc;
	bool used;
	bool found;
	uint32_t n;
	uint32_t cap;
	struct gs_frame *frames;
};

struct func_slot {
	bool used;
	bool direct; /* tables too odd for runs: decode on the spot */
	const struct gs_pclntab *t;
	size_t name_len;
	/* the last file looked up in this function: most of a function is in one file */
	int32_t file_no;
	const char *file;
	size_t file_len;
	struct gs_func f;
	const uint8_t *tree;
	size_t tree_len;
	struct gs_pcrun *runs[3];
	uint32_t nruns[3];
	uint32_t cap[3];
};

/* Function slots: one per function up to this many, so that a binary's whole table can stay
 * decoded while it is being symbolized; past it, functions share slots. */
#define FUNC_SLOTS_MAX (1u << 18)

/* A bucket index over the text, like the runtime's findfunctab: for each bucket of 2^shift
 * bytes, the function holding its first byte, so that finding a PC's function searches only
 * the few functions of its bucket. */
#define BUCKETS_MAX (1u << 20)

struct gs_symbolizer {
	const struct gs_pclntab *t;
	struct pc_slot *slots;
	size_t mask;
	struct func_slot *funcs;
	uint32_t func_mask;
	uint32_t *buckets; /* nbuckets + 1 entries; NULL when the table is not monotonic */
	size_t nbuckets;
	unsigned shift;
	uint64_t text_lo, text_hi;
};

static void build_buckets(struct gs_symbolizer *s)
{
	const struct gs_pclntab *t = s->t;
	if (t->nfunc == 0)
		return;
	s->text_lo = gs_pclntab_entry_pc(t, 0);
	s->text_hi = gs_pclntab_entry_pc(t, t->nfunc);
	for (uint32_t i = 0; i < t->nfunc; i++)
		if (gs_pclntab_entry_pc(t, i + 1) < gs_pclntab_entry_pc(t, i))
			return; /* not sorted: keep the plain binary search */
	if (s->text_hi <= s->text_lo)
		return;
	uint64_t size = s->text_hi - s->text_lo;
	/* at least 4 KiB per bucket, and not many more buckets than functions */
	uint64_t limit = 4 * (uint64_t)t->nfunc + 64;
	if (limit > BUCKETS_MAX)
		limit = BUCKETS_MAX;
	s->shift = 12;
	while ((size >> s->shift) + 1 > limit)
		s->shift++;
	s->nbuckets = (size_t)(size >> s->shift) + 1;
	s->buckets = malloc((s->nbuckets + 1) * sizeof(*s->buckets));
	if (!s->buckets)
		return; /* an optimisation only */
	uint32_t f = 0;
	for (size_t k = 0; k <= s->nbuckets; k++) {
		uint64_t start = s->text_lo + ((uint64_t)k << s->shift);
		while (f + 1 < t->nfunc && gs_pclntab_entry_pc(t, f + 1) <= start)
			f++;
		s->buckets[k] = f;
	}
}

/* gs_pclntab_find_index, through the bucket index when there is one. */
static int find_index(const struct gs_symbolizer *s, uint64_t pc, uint32_t *index)
{
	const struct gs_pclntab *t = s->t;
	if (!s->buckets)
		return gs_pclntab_find_index(t, pc, index);
	if (pc < s->text_lo || pc >= s->text_hi)
		return -ENOENT;
	size_t k = (size_t)((pc - s->text_lo) >> s->shift);
	uint32_t lo = s->buckets[k], hi = s->buckets[k + 1] + 1;
	if (hi > t->nfunc)
		hi = t->nfunc;
	/* the last function in [lo, hi) whose entry is <= pc */
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (gs_pclntab_entry_pc(t, mid) <= pc)
			lo = mid;
		else
			hi = mid;
	}
	if (!(pc < gs_pclntab_entry_pc(t, lo + 1)))
		return -ENOENT;
	*index = lo;
	return 0;
}

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
	uint32_t nfuncs = 1;
	while (nfuncs < t->nfunc && nfuncs < FUNC_SLOTS_MAX)
		nfuncs <<= 1;
	s->func_mask = nfuncs - 1;
	s->slots = calloc(n, sizeof(*s->slots));
	s->funcs = calloc(nfuncs, sizeof(*s->funcs));
	if (!s->slots || !s->funcs) {
		gs_symbolizer_free(s);
		return -ENOMEM;
	}
	s->t = t;
	s->mask = n - 1;
	build_buckets(s);
	*out = s;
	return 0;
}

void gs_symbolizer_free(struct gs_symbolizer *s)
{
	if (!s)
		return;
	for (size_t i = 0; s->slots && i <= s->mask; i++)
		free(s->slots[i].frames);
	for (size_t i = 0; s->funcs && i <= s->func_mask; i++)
		for (int k = 0; k < 3; k++)
			free(s->funcs[i].runs[k]);
	free(s->slots);
	free(s->funcs);
	free(s->buckets);
	free(s);
}

static int32_t value_runs(const void *arg, int which, uint64_t pc)
{
	const struct func_slot *fs = arg;
	if (fs->direct) {
		struct direct d = {fs->t, &fs->f};
		return value_direct(&d, which, pc);
	}
	const struct gs_pcrun *r = fs->runs[which], *b = r;
	uint32_t len = fs->nruns[which];
	if (len == 0)
		return -1;
	if (pc < fs->f.func_entry)
		return r[0].val; /* every run ends above pc */
	if (pc - fs->f.func_entry > UINT32_MAX)
		return -1; /* every run ends at or below pc */
	uint32_t off = (uint32_t)(pc - fs->f.func_entry);
	/* the first run whose end is above pc, branch-free */
	while (len > 1) {
		uint32_t half = len / 2;
		b += b[half - 1].end <= off ? half : 0;
		len -= half;
	}
	if (b->end <= off)
		b++;
	return b < r + fs->nruns[which] ? b->val : -1;
}

/* The decoded tables of the function holding pc. */
static int func_tables(struct gs_symbolizer *s, uint64_t pc, struct func_slot **out)
{
	struct gs_func f;
	uint32_t index;
	if (find_index(s, pc, &index))
		return -ENOENT;
	struct func_slot *fs = &s->funcs[index & s->func_mask];
	*out = fs;
	if (fs->used && fs->f.index == index)
		return 0;
	fs->used = false;
	fs->direct = false;
	fs->t = s->t;
	fs->file = NULL;
	if (gs_pclntab_func_at(s->t, index, &f))
		return -ENOENT; /* as gs_pclntab_find_func says of a malformed record */
	fs->f = f;
	fs->name_len = strlen(f.name);
	if (gs_pclntab_funcdata(s->t, &f, GS_FUNCDATA_INLTREE, &fs->tree, &fs->tree_len))
		fs->tree = NULL;
	uint32_t inl = 0;
	size_t off = s->t->format->func_size + 4 * (size_t)GS_PCDATA_INLTREEINDEX;
	if (fs->tree && GS_PCDATA_INLTREEINDEX < f.npcdata && off + 4 <= f.raw_len)
		inl = (uint32_t)rd_i32(f.raw + off);
	const uint32_t tables[3] = {[VAL_LINE] = f.pcln, [VAL_FILE] = f.pcfile, [VAL_INL] = inl};
	for (int k = 0; k < 3; k++) {
		fs->nruns[k] = 0;
		if (k == VAL_INL && inl == 0)
			continue;
		int err = gs_pclntab_runs(s->t, &f, tables[k], &fs->runs[k], &fs->nruns[k], &fs->cap[k]);
		if (err == -E2BIG || err == -ERANGE)
			fs->direct = true;
		else if (err)
			return err;
	}
	fs->used = true;
	return 0;
}

int gs_symbolizer_lookup(struct gs_symbolizer *s, uint64_t pc, const struct gs_frame **frames,
			 size_t *n)
{
	struct pc_slot *sl = &s->slots[gs_hash_u64(pc) & s->mask];
	if (!sl->used || sl->pc != pc) {
		struct func_slot *fs;
		size_t count = 0;
		sl->used = false;
		if (!sl->frames) {
			sl->frames = malloc(4 * sizeof(*sl->frames));
			if (!sl->frames)
				return -ENOMEM;
			sl->cap = 4;
		}
		int err = func_tables(s, pc, &fs);
		if (err && err != -ENOENT)
			return err;
		if (!err) {
			expand(s->t, &fs->f, pc, fs->tree, fs->tree_len, value_runs, fs, sl->frames,
			       sl->cap, &count);
			if (count > sl->cap) {
				struct gs_frame *fr = realloc(sl->frames, count * sizeof(*fr));
				if (!fr)
					return -ENOMEM;
				sl->frames = fr;
				sl->cap = (uint32_t)count;
				expand(s->t, &fs->f, pc, fs->tree, fs->tree_len, value_runs, fs,
				       sl->frames, sl->cap, &count);
			}
		}
		sl->pc = pc;
		sl->used = true;
		sl->found = err == 0;
		sl->n = (uint32_t)count;
	}
	*frames = sl->frames;
	*n = sl->n;
	return sl->found ? 0 : -ENOENT;
}

int gs_symbolizer_position(struct gs_symbolizer *s, uint64_t pc, struct gs_position *pos)
{
	struct func_slot *fs;
	int err = func_tables(s, pc, &fs);
	if (err)
		return err;
	int32_t fno = value_runs(fs, VAL_FILE, pc);
	if (!fs->file || fno != fs->file_no) {
		fs->file = gs_pclntab_file_name(s->t, &fs->f, fno);
		fs->file_len = strlen(fs->file);
		fs->file_no = fno;
	}
	pos->function = fs->f.name;
	pos->function_len = fs->name_len;
	pos->file = fs->file;
	pos->file_len = fs->file_len;
	pos->line = value_runs(fs, VAL_LINE, pc);
	return 0;
}
