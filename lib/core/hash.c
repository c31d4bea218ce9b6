/* Hashing (a 64-bit multiply-mix over 8-byte words) and gs_idxmap, an open-addressing map from
 * hashes to indices into a caller-owned table, with linear probing and the caller's equality
 * test resolving collisions. */
#include "goscope/core.h"

static inline uint64_t load64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static inline uint64_t mix(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;
	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

uint64_t gs_hash_bytes(const void *data, size_t n, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = seed ^ 0x9e3779b97f4a7c15ULL ^ (n * 0xa0761d6478bd642fULL);
	while (n >= 8) {
		h = mix(h ^ load64(p), 0xe7037ed1a0b428dbULL);
		p += 8;
		n -= 8;
	}
	if (n) {
		uint64_t tail = 0;
		memcpy(&tail, p, n);
		h = mix(h ^ tail, 0x8ebc6af09c88c6e3ULL);
	}
	return mix(h, 0x589965cc75374cc3ULL);
}

void gs_idxmap_init(struct gs_idxmap *m)
{
	memset(m, 0, sizeof(*m));
}

void gs_idxmap_release(struct gs_idxmap *m)
{
	free(m->hashes);
	free(m->indexes);
	gs_idxmap_init(m);
}

static inline uint64_t fix_hash(uint64_t h)
{
	return h ? h : 1;
}

static int idxmap_resize(struct gs_idxmap *m, size_t cap)
{
	uint64_t *hashes = calloc(cap, sizeof(*hashes));
	uint32_t *indexes = malloc(cap * sizeof(*indexes));
	if (!hashes || !indexes) {
		free(hashes);
		free(indexes);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->hashes[i])
			continue;
		size_t j = m->hashes[i] & (cap - 1);
		while (hashes[j])
			j = (j + 1) & (cap - 1);
		hashes[j] = m->hashes[i];
		indexes[j] = m->indexes[i];
	}
	free(m->hashes);
	free(m->indexes);
	m->hashes = hashes;
	m->indexes = indexes;
	m->cap = cap;
	return 0;
}

int gs_idxmap_find(const struct gs_idxmap *m, uint64_t hash, gs_idxmap_eq_fn eq, const void *arg,
		   uint32_t *out)
{
	if (!m->cap)
		return -ENOENT;
	hash = fix_hash(hash);
	for (size_t j = hash & (m->cap - 1);; j = (j + 1) & (m->cap - 1)) {
		if (!m->hashes[j])
			return -ENOENT;
		if (m->hashes[j] == hash && eq(arg, m->indexes[j])) {
			*out = m->indexes[j];
			return 0;
		}
	}
}

int gs_idxmap_intern(struct gs_idxmap *m, uint64_t hash, gs_idxmap_eq_fn eq, const void *arg,
		     uint32_t new_idx, uint32_t *out, bool *inserted)
{
	if ((m->count + 1) * 4 > m->cap * 3) {
		int err = idxmap_resize(m, m->cap ? m->cap * 2 : 64);
		if (err)
			return err;
	}
	hash = fix_hash(hash);
	size_t j = hash & (m->cap - 1);
	for (; m->hashes[j]; j = (j + 1) & (m->cap - 1)) {
		if (m->hashes[j] == hash && eq(arg, m->indexes[j])) {
			*out = m->indexes[j];
			if (inserted)
				*inserted = false;
			return 0;
		}
	}
	m->hashes[j] = hash;
	m->indexes[j] = new_idx;
	m->count++;
	*out = new_idx;
	if (inserted)
		*inserted = true;
	return 0;
}
