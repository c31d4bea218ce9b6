/* Arenas: bump allocation in blocks, freed together. GS_ARENA_MALLOC makes each allocation
 * its own malloc so that AddressSanitizer sees overflows between them. */
#include "goscope/core.h"

#define GS_ARENA_BLOCK (64 * 1024)

struct gs_arena_block {
	struct gs_arena_block *next;
	size_t size;
	_Alignas(16) unsigned char data[];
};

void gs_arena_init(struct gs_arena *a)
{
	a->head = NULL;
	a->used = 0;
	a->total = 0;
}

void gs_arena_release(struct gs_arena *a)
{
	struct gs_arena_block *b = a->head;
	while (b) {
		struct gs_arena_block *next = b->next;
		free(b);
		b = next;
	}
	gs_arena_init(a);
}

void *gs_arena_alloc(struct gs_arena *a, size_t n)
{
	size_t size = (n + 7) & ~(size_t)7;
	if (size < n)
		return NULL;
#ifdef GS_ARENA_MALLOC
	struct gs_arena_block *b = malloc(sizeof(*b) + n);
	if (!b)
		return NULL;
	b->size = n;
	b->next = a->head;
	a->head = b;
	a->total += n;
	return b->data;
#else
	if (!a->head || a->head->size - a->used < size) {
		size_t bsize = size > GS_ARENA_BLOCK / 4 ? size : GS_ARENA_BLOCK;
		struct gs_arena_block *b = malloc(sizeof(*b) + bsize);
		if (!b)
			return NULL;
		b->size = bsize;
		if (bsize != GS_ARENA_BLOCK && a->head) {
			/* A large allocation gets its own block behind the current one so that the
			 * current block's free space is not lost. */
			b->next = a->head->next;
			a->head->next = b;
			a->total += size;
			return b->data;
		}
		b->next = a->head;
		a->head = b;
		a->used = 0;
	}
	void *p = a->head->data + a->used;
	a->used += size;
	a->total += size;
	return p;
#endif
}

char *gs_arena_strndup(struct gs_arena *a, const char *p, size_t n)
{
	if (n == SIZE_MAX)
		return NULL;
	char *s = gs_arena_alloc(a, n + 1);
	if (!s)
		return NULL;
	if (n)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}
