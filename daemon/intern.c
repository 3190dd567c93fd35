/*
 * Interned, reference-counted strings: thousands of calls share a few
 * hundred agent names, and a name is freed when its last call ends.
 */
#include <stdlib.h>
#include <string.h>

#include "cw.h"

/* The key of an interned string, for the map. */
static const char *
intern_key(const void *v)
{
	return ((const struct istr *)v)->s;
}

/* An empty table. */
void
intern_init(struct intern *t, uint64_t seed)
{
	smap_init(&t->map, intern_key, seed);
}

/* Free every string still held, and the table. */
void
intern_free(struct intern *t)
{
	size_t	 pos = 0;
	void	*v;

	while ((v = smap_next(&t->map, &pos)) != NULL)
		free(v);
	smap_free(&t->map);
}

/* The shared copy of s (len bytes), with one more reference. */
struct istr *
intern_get(struct intern *t, const char *s, size_t len)
{
	uint64_t	 h = smap_hash(&t->map, s, len);
	struct istr	*is;

	if ((is = smap_find(&t->map, s, len, h)) != NULL) {
		is->refs++;
		return is;
	}
	is = xmalloc(sizeof *is + len + 1);
	is->refs = 1;
	is->len = (uint32_t)len;
	memcpy(is->s, s, len);
	is->s[len] = '\0';
	smap_add(&t->map, is, h);
	return is;
}

/* One more reference to is. */
struct istr *
intern_ref(struct istr *is)
{
	if (is != NULL)
		is->refs++;
	return is;
}

/* Drop a reference; the last one frees the string.  NULL is ignored. */
void
intern_put(struct intern *t, struct istr *is)
{
	if (is == NULL || --is->refs > 0)
		return;
	smap_del(&t->map, is, smap_hash(&t->map, is->s, is->len));
	free(is);
}
