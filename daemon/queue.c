/*
 * Queues: each has its thresholds resolved to absolute lines, counts of
 * its live calls by state, a min-heap of its waiting calls by queued_at
 * (the longest wait in O(1), any change in O(log n) whatever order events
 * come in) and a rolling hour of one-minute buckets for handled, AHT,
 * abandoned and service level.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "cw.h"

/* The key of a queue, for the map. */
static const char *
queues_key(const void *v)
{
	return ((const struct queue *)v)->name;
}

/* An empty registry. */
void
queues_init(struct queues *qs, uint64_t seed)
{
	smap_init(&qs->map, queues_key, seed);
	qs->count = 0;
	qs->max = 1000;
}

/* Free every queue. */
void
queues_free(struct queues *qs)
{
	size_t		 pos = 0;
	struct queue	*q;

	while ((q = smap_next(&qs->map, &pos)) != NULL) {
		free(q->name);
		free(q->wait);
		free(q);
	}
	smap_free(&qs->map);
	qs->count = 0;
}

/* Resolve a queue's config to absolute lines. */
void
queue_rules(struct qrules *r, const struct qconf *qc)
{
	int	 i;

	memset(r, 0, sizeof *r);
	r->normal[0] = qc->normal[0];
	r->normal[1] = qc->normal[1];
	for (i = 0; i < qc->ntiers; i++) {
		r->tiers[i].at = qc->tiers[i].mult > 0 ?
		    (cw_time)llround(qc->tiers[i].mult *
		    (double)qc->normal[1]) : qc->tiers[i].after;
		r->tiers[i].sev = qc->tiers[i].sev;
	}
	r->ntiers = qc->ntiers;
	for (i = 0; i < qc->nwait_tiers; i++) {
		r->wait[i].at = qc->wait_tiers[i].mult > 0 ?
		    (cw_time)llround(qc->wait_tiers[i].mult *
		    (double)qc->normal[1]) : qc->wait_tiers[i].after;
		r->wait[i].sev = qc->wait_tiers[i].sev;
	}
	r->nwait = qc->nwait_tiers;
	r->max_transfers = qc->max_transfers;
	r->hold_max = qc->hold_max;
	r->repeat_window = qc->repeat_window;
	r->wrapup = qc->wrapup;
	r->sentiment_min = qc->sentiment_min;
	r->max_holds = qc->max_holds;
	r->wrapup_max = qc->wrapup_max;
	r->short_call = qc->short_call;
	r->short_calls = qc->short_calls;
}

/* Make a queue named name with cfg's thresholds for it. */
static struct queue *
queues_make(struct queues *qs, const struct config *cfg, const char *name,
    uint64_t h)
{
	struct queue	*q = xcalloc(1, sizeof *q);
	struct qconf	 qc;

	q->name = xstrdup(name);
	config_resolve(cfg, name, &qc);
	queue_rules(&q->r, &qc);
	smap_add(&qs->map, q, h);
	qs->count++;
	return q;
}

/*
 * The queue called name; with create, make it if the daemon tracks fewer
 * than max_queues.  NULL when absent (or over the limit).
 */
struct queue *
queues_get(struct queues *qs, const struct config *cfg, const char *name,
    bool create)
{
	size_t		 len = strlen(name);
	uint64_t	 h = smap_hash(&qs->map, name, len);
	struct queue	*q;

	if ((q = smap_find(&qs->map, name, len, h)) != NULL || !create)
		return q;
	if (qs->count >= qs->max)
		return NULL;
	return queues_make(qs, cfg, name, h);
}

/* Apply a (new) config: every configured queue exists, all re-resolved. */
void
queues_reconfigure(struct queues *qs, const struct config *cfg)
{
	size_t		 pos = 0, i;
	struct queue	*q;
	struct qconf	 qc;

	qs->max = (size_t)cfg->max_queues;
	while ((q = smap_next(&qs->map, &pos)) != NULL) {
		config_resolve(cfg, q->name, &qc);
		queue_rules(&q->r, &qc);
		q->configured = false;
	}
	for (i = 0; i < cfg->nqueues; i++) {
		if ((q = queues_get(qs, cfg, cfg->queues[i].name, false)) ==
		    NULL)
			q = queues_make(qs, cfg, cfg->queues[i].name,
			    smap_hash(&qs->map, cfg->queues[i].name,
			    strlen(cfg->queues[i].name)));
		q->configured = true;
	}
	if (queues_get(qs, cfg, CW_QUEUE_DEFAULT, false) == NULL &&
	    qs->count < qs->max)
		(void)queues_get(qs, cfg, CW_QUEUE_DEFAULT, true);
}

/* Iterate: start with *pos = 0; NULL at the end. */
struct queue *
queues_next(const struct queues *qs, size_t *pos)
{
	return smap_next(&qs->map, pos);
}

/* Put heap entry i at place i and tell its call. */
static void
queue_wait_set(struct queue *q, uint32_t i, struct call *c)
{
	q->wait[i] = c;
	c->wait_idx = i + 1;
}

/* Move waiting entry i up or down to its place. */
static void
queue_wait_sift(struct queue *q, uint32_t i)
{
	struct call	*c = q->wait[i];

	while (i > 0 && c->queued_at < q->wait[(i - 1) / 2]->queued_at) {
		queue_wait_set(q, i, q->wait[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	for (;;) {
		uint32_t m = 2 * i + 1;

		if (m >= q->nwait)
			break;
		if (m + 1 < q->nwait &&
		    q->wait[m + 1]->queued_at < q->wait[m]->queued_at)
			m++;
		if (q->wait[m]->queued_at >= c->queued_at)
			break;
		queue_wait_set(q, i, q->wait[m]);
		i = m;
	}
	queue_wait_set(q, i, c);
}

/* A call starts waiting in q (its queued_at is known). */
void
queue_wait_add(struct queue *q, struct call *c)
{
	if (q->nwait == q->capwait) {
		q->capwait = q->capwait ? q->capwait * 2 : 16;
		q->wait = xreallocarray(q->wait, q->capwait,
		    sizeof(struct call *));
	}
	q->wait[q->nwait] = c;
	queue_wait_sift(q, q->nwait++);
}

/* A call stops waiting in q. */
void
queue_wait_del(struct queue *q, struct call *c)
{
	uint32_t i;

	if (c->wait_idx == 0)
		return;
	i = c->wait_idx - 1;
	c->wait_idx = 0;
	if (--q->nwait == i)
		return;
	q->wait[i] = q->wait[q->nwait];
	queue_wait_sift(q, i);
}

/* A waiting call's queued_at changed. */
void
queue_wait_update(struct queue *q, struct call *c)
{
	if (c->wait_idx != 0)
		queue_wait_sift(q, c->wait_idx - 1);
}

/* When the longest-waiting call queued; CW_TIME_NONE if none waits. */
cw_time
queue_oldest(const struct queue *q)
{
	return q->nwait > 0 ? q->wait[0]->queued_at : CW_TIME_NONE;
}

/* The bucket of the minute containing t, reset if it held an old one. */
static struct qbucket *
queue_bucket(struct queue *q, cw_time t)
{
	int64_t		 minute = t / CW_MIN;
	struct qbucket	*b = &q->hour[minute % 60];

	if (b->minute == minute)
		return b;
	if (b->minute > minute)
		return NULL;	/* older than the rolling hour */
	memset(b, 0, sizeof *b);
	b->minute = minute;
	return b;
}

/* Count an answer after wait (CW_TIME_NONE if the wait is unknown). */
void
queue_count_answer(struct queue *q, cw_time t, cw_time wait)
{
	struct qbucket	*b;

	if (wait == CW_TIME_NONE || (b = queue_bucket(q, t)) == NULL)
		return;
	b->answered++;
	if (wait <= QUEUE_SL_WAIT)
		b->answered_sl++;
}

/* Count a caller who gave up after wait. */
void
queue_count_abandon(struct queue *q, cw_time t, cw_time wait)
{
	struct qbucket	*b;

	if ((b = queue_bucket(q, t)) == NULL)
		return;
	b->abandoned++;
	if (wait != CW_TIME_NONE && wait <= QUEUE_SHORT_ABANDON)
		b->abandoned_short++;
}

/* Count a handled call and its handle time. */
void
queue_count_handled(struct queue *q, cw_time t, cw_time handle)
{
	struct qbucket	*b;

	if ((b = queue_bucket(q, t)) == NULL)
		return;
	b->handled++;
	b->handle_sum += handle;
}

/* Sum the buckets of the hour before now. */
static void
queue_hour(const struct queue *q, cw_time now, struct qbucket *sum)
{
	int64_t	 minute = now / CW_MIN;
	int	 i;

	memset(sum, 0, sizeof *sum);
	for (i = 0; i < 60; i++) {
		const struct qbucket *b = &q->hour[i];

		if (b->minute > minute - 60 && b->minute <= minute) {
			sum->handled += b->handled;
			sum->answered += b->answered;
			sum->answered_sl += b->answered_sl;
			sum->abandoned += b->abandoned;
			sum->abandoned_short += b->abandoned_short;
			sum->handle_sum += b->handle_sum;
		}
	}
}

/*
 * Whether the queue shows nothing: no live call and nothing handled,
 * answered or abandoned in the hour before now.
 */
bool
queue_idle(const struct queue *q, cw_time now)
{
	struct qbucket	 h;
	int		 s;

	for (s = 0; s < CALL_NSTATES; s++)
		if (q->nstate[s] > 0)
			return false;
	queue_hour(q, now, &h);
	return h.handled == 0 && h.answered == 0 && h.abandoned == 0;
}

/* The stats object of SPEC 5 (with "seq" for pub_send to fill). */
cJSON *
queue_stats_json(const struct queue *q, cw_time now)
{
	cJSON		*o = cJSON_CreateObject(), *normal;
	struct qbucket	 h;
	cw_time		 longest = 0;
	uint32_t	 offered;
	char		 num[32];

	queue_hour(q, now, &h);
	if (q->nwait > 0 && queue_oldest(q) < now)
		longest = now - queue_oldest(q);
	offered = h.answered + h.abandoned - h.abandoned_short;
	json_seq(o, 0);
	cJSON_AddStringToObject(o, CW_F_KIND, "stats");
	cJSON_AddStringToObject(o, CW_F_QUEUE, q->name);
	dur_json_add(o, CW_F_TS, now);
	cJSON_AddNumberToObject(o, "waiting", q->nstate[CALL_QUEUED]);
	dur_json_add(o, "longest_wait", longest);
	cJSON_AddNumberToObject(o, "talking", q->nstate[CALL_TALKING]);
	cJSON_AddNumberToObject(o, "on_hold", q->nstate[CALL_ON_HOLD]);
	cJSON_AddNumberToObject(o, "wrapup", q->nstate[CALL_WRAPUP]);
	cJSON_AddNumberToObject(o, "over_normal", q->over_normal);
	normal = cJSON_AddArrayToObject(o, "normal");
	cJSON_AddItemToArray(normal, cJSON_CreateRaw(dur_json(q->r.normal[0],
	    num, sizeof num)));
	cJSON_AddItemToArray(normal, cJSON_CreateRaw(dur_json(q->r.normal[1],
	    num, sizeof num)));
	cJSON_AddNumberToObject(o, "handled", h.handled);
	if (h.handled > 0)
		dur_json_add(o, "aht", h.handle_sum / h.handled);
	else
		cJSON_AddNullToObject(o, "aht");
	cJSON_AddNumberToObject(o, "abandoned", h.abandoned);
	if (offered > 0)
		cJSON_AddNumberToObject(o, "service_level",
		    (double)h.answered_sl / offered);
	else
		cJSON_AddNullToObject(o, "service_level");
	return o;
}

/* The queue's last hour, as a line of the state file (if any). */
void
queue_save(struct buf *b, const struct queue *q)
{
	cJSON	*name = cJSON_CreateString(q->name);
	int	 i, n = 0;

	for (i = 0; i < 60; i++) {
		const struct qbucket *k = &q->hour[i];

		if (k->handled == 0 && k->answered == 0 && k->abandoned == 0)
			continue;
		if (n++ == 0) {
			buf_adds(b, "{\"k\":\"queue\",\"name\":");
			buf_add_json(b, name);
			buf_adds(b, ",\"hour\":[");
		} else
			buf_addc(b, ',');
		buf_printf(b, "[%lld,%u,%u,%u,%u,%u,%lld]", (long long)k->minute,
		    k->handled, k->answered, k->answered_sl, k->abandoned,
		    k->abandoned_short, (long long)k->handle_sum);
	}
	if (n > 0)
		buf_adds(b, "]}\n");
	cJSON_Delete(name);
}

/* Restore a queue's last hour (queue_save); an error message or NULL. */
const char *
queue_load(struct queues *qs, const struct config *cfg, const cJSON *o)
{
	const char	*name = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(o, "name"));
	const cJSON	*hour = cJSON_GetObjectItemCaseSensitive(o, "hour");
	const cJSON	*it;
	struct queue	*q;
	double		 v[7];
	int		 i;

	if (name == NULL || !name_valid(name, strlen(name)) ||
	    !cJSON_IsArray(hour))
		return "a queue with a missing or wrong field";
	if ((q = queues_get(qs, cfg, name, true)) == NULL)
		return "more queues than daemon.max_queues";
	for (it = hour->child; it != NULL; it = it->next) {
		struct qbucket	*k;

		if (cJSON_GetArraySize(it) != 7)
			return "a queue minute with a missing field";
		for (i = 0; i < 7; i++) {
			const cJSON *x = cJSON_GetArrayItem(it, i);

			if (!cJSON_IsNumber(x) || x->valuedouble < 0)
				return "a queue minute with a wrong field";
			v[i] = x->valuedouble;
		}
		k = &q->hour[(int64_t)v[0] % 60];
		k->minute = (int64_t)v[0];
		k->handled = (uint32_t)v[1];
		k->answered = (uint32_t)v[2];
		k->answered_sl = (uint32_t)v[3];
		k->abandoned = (uint32_t)v[4];
		k->abandoned_short = (uint32_t)v[5];
		k->handle_sum = (int64_t)v[6];
	}
	return NULL;
}
