/*
 * An open-addressing hash map whose values hold their own string keys
 * (calls, queues, interned names).  Linear probing, backward-shift
 * deletion, a keyed hash (xxHash3 with a random seed) against flooding.
 * Slots keep 32 bits of the hash so most probes never touch the value,
 * and growing or shifting never hashes a key again (tables stay far below
 * 2^32 slots).
 */
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "cw.h"

#define SMAP_MIN	16

/* An empty map; key(val) returns the NUL-terminated key of a value. */
void
smap_init(struct smap *m, smap_key_fn key, uint64_t seed)
{
	m->mask = SMAP_MIN - 1;
	m->slots = xcalloc(SMAP_MIN, sizeof *m->slots);
	m->count = 0;
	m->seed = seed;
	m->key = key;
}

/* Release the slots (not the values). */
void
smap_free(struct smap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->mask = 0;
	m->count = 0;
}

/* The hash of a key of len bytes. */
uint64_t
smap_hash(const struct smap *m, const char *key, size_t len)
{
	return XXH3_64bits_withSeed(key, len, m->seed);
}

/* The value with this key, or NULL. */
void *
smap_find(const struct smap *m, const char *key, size_t len, uint64_t h)
{
	size_t	 i = (size_t)h & m->mask;
	uint32_t h32 = (uint32_t)h;

	for (;; i = (i + 1) & m->mask) {
		const struct smap_slot *s = &m->slots[i];
		const char *k;

		if (s->val == NULL)
			return NULL;
		if (s->hash != h32)
			continue;
		k = m->key(s->val);
		if (strncmp(k, key, len) == 0 && k[len] == '\0')
			return s->val;
	}
}

/* Put a value in the first free slot of its probe sequence. */
static void
smap_place(struct smap *m, void *val, uint64_t h)
{
	size_t	 i = (size_t)h & m->mask;

	while (m->slots[i].val != NULL)
		i = (i + 1) & m->mask;
	m->slots[i].hash = (uint32_t)h;
	m->slots[i].val = val;
}

/* Double the slots when the load passes 3/4. */
static void
smap_grow(struct smap *m)
{
	struct smap_slot *old = m->slots;
	size_t	 n = m->mask + 1, i;

	m->slots = xcalloc_big(n * 2, sizeof *m->slots);
	m->mask = n * 2 - 1;
	for (i = 0; i < n; i++) {
		if (old[i].val != NULL)
			smap_place(m, old[i].val, old[i].hash);
	}
	free(old);
}

/* Add a value whose key is not in the map yet. */
void
smap_add(struct smap *m, void *val, uint64_t h)
{
	if ((m->count + 1) * 4 > (m->mask + 1) * 3)
		smap_grow(m);
	smap_place(m, val, h);
	m->count++;
}

/* Remove a value (by identity), shifting its followers back. */
void
smap_del(struct smap *m, const void *val, uint64_t h)
{
	size_t	 i = (size_t)h & m->mask, j, home;

	while (m->slots[i].val != val) {
		if (m->slots[i].val == NULL)
			return;
		i = (i + 1) & m->mask;
	}
	for (j = (i + 1) & m->mask; m->slots[j].val != NULL;
	    j = (j + 1) & m->mask) {
		home = (size_t)m->slots[j].hash & m->mask;
		/* Move j back to i unless its home lies in (i, j]. */
		if (((j - home) & m->mask) >= ((j - i) & m->mask)) {
			m->slots[i] = m->slots[j];
			i = j;
		}
	}
	m->slots[i].val = NULL;
	m->slots[i].hash = 0;
	m->count--;
}

/* Iterate: start with *pos = 0; returns NULL at the end. */
void *
smap_next(const struct smap *m, size_t *pos)
{
	while (*pos <= m->mask) {
		void	*v = m->slots[(*pos)++].val;

		if (v != NULL)
			return v;
	}
	return NULL;
}
