/*
 * Short calls per agent, for short_calls: an agent who keeps hanging up in
 * seconds.  For each agent with a short call in the last hour, the times of
 * their latest SHORTS_KEEP short calls.  Agents are few (thousands on the
 * biggest floors); the table is pruned of agents with no short call in the
 * last hour whenever it has doubled since the last prune, so it stays
 * within twice the agents who had one lately.
 */
#include <stdlib.h>
#include <string.h>

#include "cw.h"

#define SHORTS_WINDOW	CW_HOUR
#define SHORTS_MIN	64	/* agents before the first prune */

/* One agent's recent short calls. */
struct shorts_ent {
	cw_time		 at[SHORTS_KEEP];	/* ring, newest at head-1 */
	uint8_t		 n;
	uint8_t		 head;
	char		 agent[];
};

/* The key of an entry. */
static const char *
shorts_key(const void *v)
{
	return ((const struct shorts_ent *)v)->agent;
}

/* An empty table. */
void
shorts_init(struct shorts *ss, uint64_t seed)
{
	smap_init(&ss->map, shorts_key, seed);
	ss->prune_at = SHORTS_MIN;
}

/* Free the table. */
void
shorts_free(struct shorts *ss)
{
	size_t		 pos = 0;
	struct shorts_ent *e;

	while ((e = smap_next(&ss->map, &pos)) != NULL)
		free(e);
	smap_free(&ss->map);
}

/* The newest short call of an entry. */
static cw_time
shorts_newest(const struct shorts_ent *e)
{
	return e->at[(e->head + SHORTS_KEEP - 1) % SHORTS_KEEP];
}

/* Drop agents with no short call in the window before now. */
static void
shorts_prune(struct shorts *ss, cw_time now)
{
	struct shorts_ent *e, **old;
	size_t		 pos = 0, n = 0, i;

	/* Collect first: deleting shifts the slots a walk is on. */
	old = xreallocarray(NULL, ss->map.count + 1, sizeof(struct shorts_ent *));
	while ((e = smap_next(&ss->map, &pos)) != NULL)
		if (shorts_newest(e) < now - SHORTS_WINDOW)
			old[n++] = e;
	for (i = 0; i < n; i++) {
		smap_del(&ss->map, old[i], smap_hash(&ss->map, old[i]->agent,
		    strlen(old[i]->agent)));
		free(old[i]);
	}
	free(old);
	ss->prune_at = ss->map.count * 2 > SHORTS_MIN ?
	    ss->map.count * 2 : SHORTS_MIN;
}

/*
 * Agent had a short call ending at t: how many short calls they had in
 * the hour up to t, this one included (at most SHORTS_KEEP).
 */
int
shorts_add(struct shorts *ss, const char *agent, cw_time t)
{
	size_t		 len = strlen(agent);
	uint64_t	 h = smap_hash(&ss->map, agent, len);
	struct shorts_ent *e = smap_find(&ss->map, agent, len, h);
	int		 i, n = 0;

	if (e == NULL) {
		if (ss->map.count >= ss->prune_at) {
			shorts_prune(ss, t);
			h = smap_hash(&ss->map, agent, len);
		}
		e = xcalloc(1, sizeof *e + len + 1);
		memcpy(e->agent, agent, len + 1);
		smap_add(&ss->map, e, h);
	}
	e->at[e->head] = t;
	e->head = (uint8_t)((e->head + 1) % SHORTS_KEEP);
	if (e->n < SHORTS_KEEP)
		e->n++;
	for (i = 0; i < e->n; i++)
		n += e->at[i] > t - SHORTS_WINDOW && e->at[i] <= t;
	return n;
}
