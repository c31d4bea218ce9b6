/* Interned string tables: strings copied into an arena, index 0 is "". */
#include "goscope/core.h"

struct strtab_key {
	const struct gs_strtab *t;
	const char *s;
	size_t n;
};

static bool strtab_eq(const void *arg, uint32_t idx)
{
	const struct strtab_key *k = arg;
	const struct gs_str *it = &k->t->items[idx];
	return it->len == k->n && memcmp(it->p, k->s, k->n) == 0;
}

static int strtab_push(struct gs_strtab *t, const char *s, size_t n, size_t max_strings,
		       uint32_t *idx)
{
	if (n > UINT32_MAX || t->len >= UINT32_MAX - 1 || (max_strings && t->len >= max_strings))
		return -E2BIG;
	if (t->len == t->alloc) {
		size_t alloc = t->alloc ? t->alloc * 2 : 256;
		struct gs_str *items = realloc(t->items, alloc * sizeof(*items));
		if (!items)
			return -ENOMEM;
		t->items = items;
		t->alloc = alloc;
	}
	char *copy = gs_arena_strndup(&t->arena, s, n);
	if (!copy)
		return -ENOMEM;
	t->items[t->len] = (struct gs_str){copy, (uint32_t)n};
	*idx = (uint32_t)t->len++;
	return 0;
}

int gs_strtab_init(struct gs_strtab *t)
{
	uint32_t idx, out;
	memset(t, 0, sizeof(*t));
	gs_arena_init(&t->arena);
	gs_idxmap_init(&t->map);
	int err = strtab_push(t, "", 0, 0, &idx);
	if (!err) {
		struct strtab_key k = {t, "", 0};
		err = gs_idxmap_intern(&t->map, gs_hash_bytes("", 0, 0), strtab_eq, &k, idx, &out, NULL);
	}
	if (err)
		gs_strtab_release(t);
	return err;
}

void gs_strtab_release(struct gs_strtab *t)
{
	free(t->items);
	gs_arena_release(&t->arena);
	gs_idxmap_release(&t->map);
	memset(t, 0, sizeof(*t));
}

int gs_strtab_intern(struct gs_strtab *t, const char *s, size_t n, size_t max_strings, uint32_t *idx)
{
	struct strtab_key k = {t, s, n};
	uint64_t h = gs_hash_bytes(s, n, 0);
	if (gs_idxmap_find(&t->map, h, strtab_eq, &k, idx) == 0)
		return 0;
	int err = strtab_push(t, s, n, max_strings, idx);
	if (err)
		return err;
	uint32_t out;
	err = gs_idxmap_intern(&t->map, h, strtab_eq, &k, *idx, &out, NULL);
	if (err)
		t->len--;
	return err;
}

int gs_strtab_append(struct gs_strtab *t, const char *s, size_t n, size_t max_strings, uint32_t *idx)
{
	return strtab_push(t, s, n, max_strings, idx);
}
