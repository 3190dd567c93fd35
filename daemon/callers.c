/*
 * Remembered callers, for repeat_caller (SPEC 5): for each caller seen in
 * the last `window`, when their latest call started and the latest start
 * before that one (so two calls starting in the same second still find
 * an earlier third).  A caller is kept as a 64-bit keyed hash of the
 * number, never the number itself: the table holds no personal data, and
 * one slot is 24 bytes.  Open addressing with linear probing, at most half
 * full, so 48 to 96 bytes per remembered caller.  A cursor sweeps two
 * slots per insert and drops callers whose latest call started before the
 * window; when the table holds `max` callers a new one is not remembered
 * and counted as dropped, so memory never grows past the limit.
 */
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <xxhash.h>

#include "cw.h"

#define CALLERS_MIN	64
#define CALLERS_SWEEP	2	/* slots looked at per insert */

/* An empty table remembering up to max callers for window. */
void
callers_init(struct callers *cs, uint64_t seed, size_t max, cw_time window)
{
	memset(cs, 0, sizeof *cs);
	cs->seed = seed;
	cs->max = max;
	cs->window = window;
	cs->mask = CALLERS_MIN - 1;
	cs->slots = xcalloc(CALLERS_MIN, sizeof *cs->slots);
}

/* Release the table. */
void
callers_free(struct callers *cs)
{
	free(cs->slots);
	cs->slots = NULL;
}

/* New limits (after a reload); callers already kept stay. */
void
callers_configure(struct callers *cs, size_t max, cw_time window)
{
	cs->max = max;
	cs->window = window;
}

/* The key of a caller: never 0, which marks an empty slot. */
static uint64_t
callers_key(const struct callers *cs, const char *caller)
{
	uint64_t h = XXH3_64bits_withSeed(caller, strlen(caller), cs->seed);

	return h != 0 ? h : 1;
}

/* Empty slot i, shifting back the run after it (linear probing). */
static void
callers_del(struct callers *cs, size_t i)
{
	size_t	 j = i, home;

	for (;;) {
		cs->slots[i].key = 0;
		for (;;) {
			j = (j + 1) & cs->mask;
			if (cs->slots[j].key == 0) {
				cs->count--;
				return;
			}
			home = (size_t)cs->slots[j].key & cs->mask;
			/* Stays if its home lies cyclically in (i, j]. */
			if (i <= j ? (i < home && home <= j) :
			    (i < home || home <= j))
				continue;
			break;
		}
		cs->slots[i] = cs->slots[j];
		i = j;
	}
}

/* Forget callers whose latest call started before now - window. */
static void
callers_sweep(struct callers *cs, cw_time now, size_t n)
{
	struct caller_slot *s;

	while (n-- > 0) {
		cs->cursor = (cs->cursor + 1) & cs->mask;
		s = &cs->slots[cs->cursor];
		if (s->key != 0 && s->last < now - cs->window) {
			callers_del(cs, cs->cursor);
			cs->expired++;
		}
	}
}

/* Double the table. */
static void
callers_grow(struct callers *cs)
{
	struct caller_slot *old = cs->slots;
	size_t		 n = cs->mask + 1, i, j;

	cs->mask = 2 * n - 1;
	cs->slots = xcalloc(2 * n, sizeof *cs->slots);
	for (i = 0; i < n; i++) {
		if (old[i].key == 0)
			continue;
		for (j = (size_t)old[i].key & cs->mask; cs->slots[j].key != 0;
		    j = (j + 1) & cs->mask)
			;
		cs->slots[j] = old[i];
	}
	free(old);
	cs->cursor &= cs->mask;
}

/*
 * A call from caller started at start (now is the clock): the latest
 * start of another call of theirs strictly before start, or CW_TIME_NONE;
 * remember this one.
 */
cw_time
callers_seen(struct callers *cs, const char *caller, cw_time start,
    cw_time now)
{
	uint64_t	 key = callers_key(cs, caller);
	struct caller_slot *s;
	size_t		 i;
	cw_time		 before;

	callers_sweep(cs, now, CALLERS_SWEEP);
	for (i = (size_t)key & cs->mask; cs->slots[i].key != 0;
	    i = (i + 1) & cs->mask) {
		s = &cs->slots[i];
		if (s->key != key)
			continue;
		before = s->last < start ? s->last : s->prev < start ?
		    s->prev : CW_TIME_NONE;
		if (start > s->last) {
			s->prev = s->last;
			s->last = start;
		} else if (start < s->last && (s->prev == CW_TIME_NONE ||
		    start > s->prev))
			s->prev = start;
		return before;
	}
	if (cs->count >= cs->max) {
		cs->dropped++;
		return CW_TIME_NONE;
	}
	if (2 * (cs->count + 1) > cs->mask + 1) {
		callers_grow(cs);
		for (i = (size_t)key & cs->mask; cs->slots[i].key != 0;
		    i = (i + 1) & cs->mask)
			;
	}
	s = &cs->slots[i];
	s->key = key;
	s->last = start;
	s->prev = CW_TIME_NONE;
	cs->count++;
	return CW_TIME_NONE;
}

/* The remembered callers as lines of the state file, 512 a line. */
void
callers_save(struct buf *b, const struct callers *cs)
{
	size_t	 i, n = 0;

	for (i = 0; i <= cs->mask; i++) {
		const struct caller_slot *s = &cs->slots[i];

		if (s->key == 0)
			continue;
		buf_printf(b, "%s[\"%016llx\",%lld,%lld]", n % 512 == 0 ?
		    "{\"k\":\"callers\",\"v\":[" : ",",
		    (unsigned long long)s->key, (long long)s->last,
		    s->prev == CW_TIME_NONE ? -1LL : (long long)s->prev);
		if (++n % 512 == 0)
			buf_adds(b, "]}\n");
	}
	if (n % 512 != 0)
		buf_adds(b, "]}\n");
}

/* Start over with the hash seed a state file was written with. */
void
callers_reseed(struct callers *cs, uint64_t seed)
{
	size_t	 max = cs->max;
	cw_time	 w = cs->window;

	callers_free(cs);
	callers_init(cs, seed, max, w);
}

/* Restore a line of callers (callers_save); an error message or NULL. */
const char *
callers_load(struct callers *cs, const cJSON *o)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, "v"), *it;

	if (!cJSON_IsArray(v))
		return "callers without a list";
	for (it = v->child; it != NULL; it = it->next) {
		const cJSON	*k = cJSON_GetArrayItem(it, 0);
		const cJSON	*l = cJSON_GetArrayItem(it, 1);
		const cJSON	*p = cJSON_GetArrayItem(it, 2);
		struct caller_slot *s;
		unsigned long long key;
		char		*end;
		size_t		 i;

		if (!cJSON_IsString(k) || !cJSON_IsNumber(l) ||
		    !cJSON_IsNumber(p))
			return "a caller with a missing or wrong field";
		key = strtoull(k->valuestring, &end, 16);
		if (*end != '\0' || key == 0)
			return "a caller with a bad key";
		if (cs->count >= cs->max)
			continue;
		if (2 * (cs->count + 1) > cs->mask + 1)
			callers_grow(cs);
		for (i = (size_t)key & cs->mask; cs->slots[i].key != 0 &&
		    cs->slots[i].key != key; i = (i + 1) & cs->mask)
			;
		s = &cs->slots[i];
		if (s->key == 0)
			cs->count++;
		s->key = key;
		s->last = (cw_time)l->valuedouble;
		s->prev = p->valuedouble < 0 ? CW_TIME_NONE :
		    (cw_time)p->valuedouble;
	}
	return NULL;
}
