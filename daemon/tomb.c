/*
 * Tombstones: the 64-bit hashes of recently ended calls, so that a late
 * or repeated event for a call that is over does not start a new one.
 * A set (open addressing, backward-shift deletion) plus a FIFO by expiry;
 * both cost O(1) per call.  A false match needs a 64-bit collision.
 */
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "cw.h"

#define TOMB_MIN	64

/* Empty tombstones. */
void
tombs_init(struct tombs *t)
{
	memset(t, 0, sizeof *t);
	t->mask = TOMB_MIN - 1;
	t->set = xcalloc(TOMB_MIN, sizeof *t->set);
}

/* Free the tombstones. */
void
tombs_free(struct tombs *t)
{
	free(t->set);
	free(t->fifo);
	memset(t, 0, sizeof *t);
}

/* Keys are hashes; 0 marks an empty slot, so 0 becomes 1. */
static uint64_t
tombs_key(uint64_t key)
{
	return key == 0 ? 1 : key;
}

/* Insert key into the set (no growth). */
static void
tombs_place(struct tombs *t, uint64_t key)
{
	size_t	 i = (size_t)key & t->mask;

	while (t->set[i] != 0) {
		if (t->set[i] == key)
			return;
		i = (i + 1) & t->mask;
	}
	t->set[i] = key;
	t->count++;
}

/* Double the set. */
static void
tombs_grow(struct tombs *t)
{
	uint64_t *old = t->set;
	size_t	 n = t->mask + 1, i;

	t->set = xcalloc(n * 2, sizeof *t->set);
	t->mask = n * 2 - 1;
	t->count = 0;
	for (i = 0; i < n; i++)
		if (old[i] != 0)
			tombs_place(t, old[i]);
	free(old);
}

/* Remove key from the set. */
static void
tombs_unset(struct tombs *t, uint64_t key)
{
	size_t	 i = (size_t)key & t->mask, j, home;

	while (t->set[i] != key) {
		if (t->set[i] == 0)
			return;
		i = (i + 1) & t->mask;
	}
	for (j = (i + 1) & t->mask; t->set[j] != 0; j = (j + 1) & t->mask) {
		home = (size_t)t->set[j] & t->mask;
		if (((j - home) & t->mask) >= ((j - i) & t->mask)) {
			t->set[i] = t->set[j];
			i = j;
		}
	}
	t->set[i] = 0;
	t->count--;
}

/* Remember key until expires. */
void
tombs_add(struct tombs *t, uint64_t key, cw_time expires)
{
	key = tombs_key(key);
	if (t->len == t->cap) {
		size_t	 ncap = t->cap ? t->cap * 2 : 64, i;
		struct tomb_ent *nf = xreallocarray(NULL, ncap, sizeof *nf);

		for (i = 0; i < t->len; i++)
			nf[i] = t->fifo[(t->head + i) % t->cap];
		free(t->fifo);
		t->fifo = nf;
		t->cap = ncap;
		t->head = 0;
	}
	t->fifo[(t->head + t->len) % t->cap] =
	    (struct tomb_ent){ .key = key, .expires = expires };
	t->len++;
	if ((t->count + 1) * 2 > t->mask + 1)
		tombs_grow(t);
	tombs_place(t, key);
}

/* Whether key ended recently. */
bool
tombs_has(const struct tombs *t, uint64_t key)
{
	size_t	 i;

	key = tombs_key(key);
	for (i = (size_t)key & t->mask; t->set[i] != 0;
	    i = (i + 1) & t->mask)
		if (t->set[i] == key)
			return true;
	return false;
}

/* Forget every tombstone that expired by now. */
void
tombs_expire(struct tombs *t, cw_time now)
{
	while (t->len > 0 && t->fifo[t->head].expires <= now) {
		tombs_unset(t, t->fifo[t->head].key);
		t->head = (t->head + 1) % t->cap;
		t->len--;
	}
}

/* The tombstones not yet expired at now, as lines of the state file. */
void
tombs_save(struct buf *b, const struct tombs *t, cw_time now)
{
	size_t	 i, n = 0;

	for (i = 0; i < t->len; i++) {
		const struct tomb_ent *e = &t->fifo[(t->head + i) % t->cap];

		if (e->expires <= now)
			continue;
		buf_printf(b, "%s[\"%016llx\",%lld]", n % 512 == 0 ?
		    "{\"k\":\"tombs\",\"v\":[" : ",",
		    (unsigned long long)e->key, (long long)e->expires);
		if (++n % 512 == 0)
			buf_adds(b, "]}\n");
	}
	if (n % 512 != 0)
		buf_adds(b, "]}\n");
}

/* Restore a line of tombstones (tombs_save); an error message or NULL. */
const char *
tombs_load(struct tombs *t, const cJSON *o)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, "v"), *it;

	if (!cJSON_IsArray(v))
		return "tombstones without a list";
	for (it = v->child; it != NULL; it = it->next) {
		const cJSON	*k = cJSON_GetArrayItem(it, 0);
		const cJSON	*x = cJSON_GetArrayItem(it, 1);
		unsigned long long key;
		char		*end;

		if (!cJSON_IsString(k) || !cJSON_IsNumber(x))
			return "a tombstone with a missing or wrong field";
		key = strtoull(k->valuestring, &end, 16);
		if (*end != '\0')
			return "a tombstone with a bad key";
		tombs_add(t, key, (cw_time)x->valuedouble);
	}
	return NULL;
}
