/*
 * Fixed-size object pools: objects come from chunks (64 KiB for the first
 * few, then 2 MiB on huge pages: xcalloc_big) and go back to a free list,
 * so a busy floor does not churn the heap per call.
 */
#include <stdlib.h>
#include <string.h>

#include "cw.h"

#define POOL_CHUNK	((size_t)64 * 1024)
#define POOL_BIG_CHUNK	((size_t)2 * 1024 * 1024)
#define POOL_SMALL	8	/* chunks of POOL_CHUNK before big ones */

/* An empty pool of objects of the given size. */
void
pool_init(struct pool *p, size_t size)
{
	size_t	 align = sizeof(void *) * 2;

	if (size < sizeof(void *))
		size = sizeof(void *);
	p->size = (size + align - 1) & ~(align - 1);
	p->free = NULL;
	p->chunks = NULL;
	p->nchunks = 0;
	p->used = 0;
}

/* Carve a new chunk into free objects. */
static void
pool_grow(struct pool *p)
{
	size_t	 n = (p->nchunks < POOL_SMALL ? POOL_CHUNK : POOL_BIG_CHUNK) /
		    p->size, i;
	char	*c;

	if (n == 0)
		n = 1;
	c = p->nchunks < POOL_SMALL ? xmalloc(n * p->size) :
	    xcalloc_big(n, p->size);
	p->chunks = xreallocarray(p->chunks, p->nchunks + 1,
	    sizeof *p->chunks);
	p->chunks[p->nchunks++] = c;
	for (i = n; i > 0; i--) {
		void	**obj = (void **)(void *)(c + (i - 1) * p->size);

		*obj = p->free;
		p->free = obj;
	}
}

/* One object, uninitialised. */
void *
pool_get(struct pool *p)
{
	void	**obj;

	if (p->free == NULL)
		pool_grow(p);
	obj = p->free;
	p->free = *obj;
	p->used++;
	return obj;
}

/* Give an object back; NULL is ignored. */
void
pool_put(struct pool *p, void *obj)
{
	if (obj == NULL)
		return;
	*(void **)obj = p->free;
	p->free = obj;
	p->used--;
}

/* Release every chunk; objects still out become invalid. */
void
pool_free(struct pool *p)
{
	size_t	 i;

	for (i = 0; i < p->nchunks; i++)
		free(p->chunks[i]);
	free(p->chunks);
	pool_init(p, p->size);
}
