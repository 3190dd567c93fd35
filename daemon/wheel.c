/*
 * A hierarchical timing wheel (nine levels of 64 slots, 1 ms ticks at the
 * bottom; 54 bits of ticks, so every cw_time has its place and nothing
 * ever wraps) holding exact microsecond deadlines.
 * Adding and removing cost O(1) whatever the number of live calls; a
 * node cascades down at most once per level.  wheel_expire() hands back
 * every node whose deadline lies strictly before "now", unordered: the
 * caller puts them in time order (timer.c).
 */
#include <string.h>

#include "cw.h"

#define WHEEL_BITS	6
#define WHEEL_MASK	(WHEEL_SLOTS - 1)

/* The tick (millisecond) of a time; times before the epoch are tick 0. */
static uint64_t
wheel_tick(cw_time t)
{
	return t <= 0 ? 0 : (uint64_t)(t / CW_MSEC);
}

/* An empty wheel whose current time is now. */
void
wheel_init(struct wheel *w, cw_time now)
{
	int	 l, s;

	memset(w, 0, sizeof *w);
	for (l = 0; l < WHEEL_LEVELS; l++)
		for (s = 0; s < WHEEL_SLOTS; s++) {
			struct wheel_node *h = &w->slot[l][s];

			h->next = h->prev = h;
			h->where = -1;
		}
	w->cur = wheel_tick(now);
}

/* A node that is in no wheel. */
void
wheel_node_init(struct wheel_node *n)
{
	n->next = n->prev = NULL;
	n->deadline = 0;
	n->order = 0;
	n->where = -1;
}

/* Link n into the slot its deadline belongs to, relative to w->cur. */
static void
wheel_place(struct wheel *w, struct wheel_node *n)
{
	uint64_t	 t = wheel_tick(n->deadline);
	int		 level, slot;
	struct wheel_node *h;

	if (t <= w->cur) {
		level = 0;
		slot = (int)(w->cur & WHEEL_MASK);
	} else {
		/* The highest bit where t and cur differ picks the level. */
		level = (63 - __builtin_clzll(t ^ w->cur)) / WHEEL_BITS;
		slot = (int)((t >> (WHEEL_BITS * level)) & WHEEL_MASK);
	}
	h = &w->slot[level][slot];
	n->prev = h->prev;
	n->next = h;
	h->prev->next = n;
	h->prev = n;
	w->pending[level] |= 1ULL << slot;
	n->where = level * WHEEL_SLOTS + slot;
}

/* Add n with an exact deadline; n must not be in a wheel. */
void
wheel_add(struct wheel *w, struct wheel_node *n, cw_time deadline)
{
	n->deadline = deadline;
	wheel_place(w, n);
	w->count++;
}

/* Unlink n from its slot, clearing the slot's bit when it empties. */
static void
wheel_unlink(struct wheel *w, struct wheel_node *n)
{
	int	 level = n->where / WHEEL_SLOTS, slot = n->where % WHEEL_SLOTS;

	n->prev->next = n->next;
	n->next->prev = n->prev;
	if (w->slot[level][slot].next == &w->slot[level][slot])
		w->pending[level] &= ~(1ULL << slot);
	n->next = n->prev = NULL;
	n->where = -1;
}

/* Remove n from the wheel; a node in no wheel is left alone. */
void
wheel_del(struct wheel *w, struct wheel_node *n)
{
	if (n->where < 0)
		return;
	wheel_unlink(w, n);
	w->count--;
}

/* Move every node of a slot onto the list at todo. */
static void
wheel_take(struct wheel *w, int level, int slot, struct wheel_node *todo)
{
	struct wheel_node *h = &w->slot[level][slot];

	if (h->next == h)
		return;
	h->next->prev = todo->prev;
	todo->prev->next = h->next;
	h->prev->next = todo;
	todo->prev = h->prev;
	h->next = h->prev = h;
	w->pending[level] &= ~(1ULL << slot);
}

/*
 * Advance the wheel to now.  Returns the nodes whose deadline is strictly
 * before now, linked through ->next (unordered, NULL-terminated), and
 * re-files the rest of every slot the clock passed.
 */
struct wheel_node *
wheel_expire(struct wheel *w, cw_time now)
{
	struct wheel_node todo, *n, *next, *expired = NULL;
	uint64_t	 nt = wheel_tick(now), ob, nb, b;
	int		 level;

	if (nt < w->cur)
		nt = w->cur;
	todo.next = todo.prev = &todo;
	for (level = 0; level < WHEEL_LEVELS; level++) {
		int	 shift = WHEEL_BITS * level;

		ob = w->cur >> shift;
		nb = nt >> shift;
		if (level > 0 && nb == ob)
			break;
		if (level > 0)
			ob++;
		if (nb - ob >= WHEEL_SLOTS - 1)
			nb = ob + WHEEL_SLOTS - 1;
		for (b = ob; b <= nb; b++)
			wheel_take(w, level, (int)(b & WHEEL_MASK), &todo);
	}
	w->cur = nt;
	for (n = todo.next; n != &todo; n = next) {
		next = n->next;
		if (n->deadline < now) {
			n->where = -1;
			n->prev = NULL;
			n->next = expired;
			expired = n;
			w->count--;
		} else
			wheel_place(w, n);
	}
	return expired;
}

/* The earliest deadline among the nodes of one bottom slot. */
static cw_time
wheel_slot_min(const struct wheel *w, int slot)
{
	const struct wheel_node *h = &w->slot[0][slot], *n;
	cw_time	 min = CW_TIME_MAX;

	for (n = h->next; n != h; n = n->next)
		if (n->deadline < min)
			min = n->deadline;
	return min;
}

/*
 * When to look again: the exact earliest deadline if it is in the bottom
 * level, else a lower bound (the start of the earliest busy slot, where
 * its nodes cascade down).  CW_TIME_MAX when the wheel is empty.
 */
cw_time
wheel_next(const struct wheel *w)
{
	int	 level;

	if (w->count == 0)
		return CW_TIME_MAX;
	for (level = 0; level < WHEEL_LEVELS; level++) {
		int	 shift = WHEEL_BITS * level, slot;
		uint64_t bits = w->pending[level], digit, base, m;

		if (bits == 0)
			continue;
		digit = (w->cur >> shift) & WHEEL_MASK;
		base = (w->cur >> shift) & ~(uint64_t)WHEEL_MASK;
		/* Nodes of a level lie past cur's digit (level 0: at it). */
		m = level == 0 ? bits & (~0ULL << digit) :
		    digit == WHEEL_MASK ? 0 : bits & (~0ULL << (digit + 1));
		if (m == 0)
			continue;
		slot = __builtin_ctzll(m);
		if (level == 0)
			return wheel_slot_min(w, slot);
		return (cw_time)(((base | (uint64_t)slot) << shift) *
		    (uint64_t)CW_MSEC);
	}
	return CW_TIME_MAX;
}
