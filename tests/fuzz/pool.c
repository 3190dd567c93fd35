/*
 * The pool API of daemon/pool.c for the fuzz build: every object is its
 * own heap block, freed when it goes back.  The real pool carves calls
 * out of 64 KiB chunks and recycles them, so AddressSanitizer would see
 * neither a call used after it ended nor a write past a call's id; here
 * it sees both.  Objects still out are freed by pool_free(), as the real
 * pool frees its chunks.
 */
#include <stdlib.h>

#include "cw.h"

/* What precedes each object: its links in the pool's list of objects out. */
struct pool_hdr {
	struct pool_hdr	*next;		/* next object out */
	struct pool_hdr	*prev;		/* previous object out */
};

_Static_assert(sizeof(struct pool_hdr) % 16 == 0, "objects stay aligned");

/* An empty pool of objects of the given size. */
void
pool_init(struct pool *p, size_t size)
{
	p->size = size;
	p->free = NULL;		/* here: the list of objects out */
	p->chunks = NULL;
	p->nchunks = 0;
	p->used = 0;
}

/* One object, uninitialised. */
void *
pool_get(struct pool *p)
{
	struct pool_hdr	*h = xmalloc(sizeof *h + p->size);

	h->prev = NULL;
	h->next = p->free;
	if (h->next != NULL)
		h->next->prev = h;
	p->free = h;
	p->used++;
	return h + 1;
}

/* Give an object back (it is freed); NULL is ignored. */
void
pool_put(struct pool *p, void *obj)
{
	struct pool_hdr	*h;

	if (obj == NULL)
		return;
	h = (struct pool_hdr *)obj - 1;
	if (h->prev != NULL)
		h->prev->next = h->next;
	else
		p->free = h->next;
	if (h->next != NULL)
		h->next->prev = h->prev;
	p->used--;
	free(h);
}

/* Free every object still out. */
void
pool_free(struct pool *p)
{
	struct pool_hdr	*h, *next;

	for (h = p->free; h != NULL; h = next) {
		next = h->next;
		free(h);
	}
	pool_init(p, p->size);
}
