/*
 * Calls: the table of live calls keyed by call_id, the state machine of
 * SPEC 4 (queued, talking, on hold, wrap-up, ended) and the lines each
 * call crosses.  A call has one timer node holding the earliest line it
 * can cross next (a wait tier, the normal range's top, a handle-time tier,
 * or going stale), so each event costs O(1) whatever the number of calls.
 *
 * Events may come late, twice or out of order: a repeat (same fingerprint
 * as one of the last few) changes nothing; an event for an unknown call
 * creates it mid-call; an event for a call that ended recently is
 * ignored (tomb.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "cw.h"

/* What an event did to a call. */
enum call_step {
	CALL_STEP_OK,		/* applied */
	CALL_STEP_IGNORED,	/* made no sense in the call's state */
	CALL_STEP_ENDED,	/* applied, and the call is gone */
};

/* How a call ends. */
enum call_end {
	CALL_END_HANDLED,	/* wrap-up (or hangup) done */
	CALL_END_ABANDONED,	/* caller left before an answer */
	CALL_END_STALE,		/* no event for max_call_age */
};

static void	call_end_quiet(struct daemon *, struct call *);
static void	callmsg_init(struct calls *);

/* The key of a call, for the map. */
static const char *
calls_key(const void *v)
{
	return ((const struct call *)v)->id;
}

/* An empty table; ids are stored in 32-byte steps, one pool per step. */
void
calls_init(struct calls *cs, uint64_t seed)
{
	int	 i;

	smap_init(&cs->map, calls_key, seed);
	for (i = 0; i < CALL_ID_CLASSES; i++)
		pool_init(&cs->pools[i],
		    offsetof(struct call, id) + 32 * (size_t)(i + 1));
	cs->serial = 0;
	callmsg_init(cs);
}

/* The names of the call/ message's members (constants: not copied). */
static const char *const callmsg_names[CM_COUNT] = {
	[CM_SEQ] = CW_F_SEQ, [CM_KIND] = CW_F_KIND, [CM_EVENT] = "event",
	[CM_TS] = CW_F_TS, [CM_CALL_ID] = CW_F_CALL_ID,
	[CM_QUEUE] = CW_F_QUEUE, [CM_AGENT] = CW_F_AGENT,
	[CM_CALLER] = CW_F_CALLER, [CM_STATE] = CW_F_STATE,
	[CM_HANDLE] = "handle_time", [CM_WAIT] = "wait_time",
	[CM_HOLDS] = "holds", [CM_TRANSFERS] = "transfers",
	[CM_QUEUED_AT] = "queued_at", [CM_ANSWERED_AT] = "answered_at",
	[CM_LEVEL] = "level",
};

/* Build the call/ message's members once (all null for now). */
static void
callmsg_init(struct calls *cs)
{
	int	 i;

	cs->msg = cJSON_CreateObject();
	for (i = 0; i < CM_COUNT; i++) {
		cs->msgf[i] = cJSON_CreateNull();
		cJSON_AddItemToObjectCS(cs->msg, callmsg_names[i],
		    cs->msgf[i]);
	}
}

/* Member i refers to the string s (null when NULL). */
static void
callmsg_str(struct calls *cs, int i, const char *s)
{
	cJSON	*j = cs->msgf[i];

	j->type = (s != NULL ? cJSON_String | cJSON_IsReference :
	    cJSON_NULL) | cJSON_StringIsConst;
	j->valuestring = (char *)s;	/* only read: a reference */
}

/* Member i is t µs in seconds (dur_json), or null when unknown. */
static void
callmsg_time(struct calls *cs, int i, cw_time t)
{
	cJSON	*j = cs->msgf[i];

	if (t == CW_TIME_NONE) {
		j->type = cJSON_NULL | cJSON_StringIsConst;
		j->valuestring = NULL;
		return;
	}
	j->type = cJSON_Raw | cJSON_IsReference | cJSON_StringIsConst;
	j->valuestring = (char *)dur_json(t, cs->num[i],
	    sizeof cs->num[i]);
}

/* Fill the call's members (CM_CALL_ID on), its figures at t. */
static void
callmsg_fill(struct calls *cs, const struct call *c, cw_time t)
{
	enum sev	 lvl = call_level(c);

	callmsg_str(cs, CM_CALL_ID, c->id);
	callmsg_str(cs, CM_QUEUE, c->q->name);
	callmsg_str(cs, CM_AGENT, c->agent != NULL ? c->agent->s : NULL);
	callmsg_str(cs, CM_CALLER, call_caller(c));
	callmsg_str(cs, CM_STATE, call_state_name((enum call_state)c->state));
	callmsg_time(cs, CM_HANDLE, call_handle_time(c, t));
	callmsg_time(cs, CM_WAIT, call_wait_time(c, t));
	callmsg_time(cs, CM_HOLDS, (cw_time)c->holds * CW_SEC);
	callmsg_time(cs, CM_TRANSFERS, (cw_time)c->transfers * CW_SEC);
	callmsg_time(cs, CM_QUEUED_AT, c->queued_at);
	callmsg_time(cs, CM_ANSWERED_AT, c->answered_at);
	callmsg_str(cs, CM_LEVEL, lvl != SEV_NONE ? sev_name(lvl) : NULL);
}

/* Key the (empty) table with seed: a state file's, for its tombstones. */
void
calls_reseed(struct calls *cs, uint64_t seed)
{
	if (cs->map.count > 0)
		fatalx("calls_reseed: the table is not empty");
	smap_free(&cs->map);
	smap_init(&cs->map, calls_key, seed);
}

/* Release one call's own allocations (not the call itself). */
static void
call_release(struct daemon *d, struct call *c)
{
	struct alert	*a, *next;

	for (a = c->alerts; a != NULL; a = next) {
		next = a->next;
		alert_free(a);
	}
	c->alerts = NULL;
	free(c->caller_long);
	c->caller_long = NULL;
	intern_put(&d->agents, c->agent);
	c->agent = NULL;
}

/* Free every call and the table. */
void
calls_free(struct calls *cs, struct daemon *d)
{
	size_t		 pos = 0;
	struct call	*c;
	int		 i;

	while ((c = smap_next(&cs->map, &pos)) != NULL)
		call_release(d, c);
	smap_free(&cs->map);
	cJSON_Delete(cs->msg);	/* its members only refer to strings */
	cs->msg = NULL;
	for (i = 0; i < CALL_ID_CLASSES; i++)
		pool_free(&cs->pools[i]);
}

/* Live calls. */
size_t
calls_count(const struct calls *cs)
{
	return cs->map.count;
}

/* The live call with this id, or NULL. */
struct call *
calls_find(struct calls *cs, const char *id, size_t len)
{
	return smap_find(&cs->map, id, len, smap_hash(&cs->map, id, len));
}

/* Iterate: start with *pos = 0; NULL at the end. */
struct call *
calls_next(const struct calls *cs, size_t *pos)
{
	return smap_next(&cs->map, pos);
}

/* The caller's number or name, or NULL when unknown. */
const char *
call_caller(const struct call *c)
{
	if (c->caller_long != NULL)
		return c->caller_long;
	return c->caller[0] != '\0' ? c->caller : NULL;
}

/* Handle time at t (CW_TIME_NONE before the answer). */
cw_time
call_handle_time(const struct call *c, cw_time t)
{
	if (c->answered_at == CW_TIME_NONE)
		return CW_TIME_NONE;
	return t > c->answered_at ? t - c->answered_at : 0;
}

/* Wait time at t: final once answered or abandoned; NONE if unknown. */
cw_time
call_wait_time(const struct call *c, cw_time t)
{
	cw_time	 end = c->wait_end != CW_TIME_NONE ? c->wait_end : t;

	if (c->queued_at == CW_TIME_NONE)
		return CW_TIME_NONE;
	return end > c->queued_at ? end - c->queued_at : 0;
}

/* Whether the call has been answered (handle time runs). */
static bool
call_answered(const struct call *c)
{
	return c->state == CALL_TALKING || c->state == CALL_ON_HOLD ||
	    c->state == CALL_WRAPUP;
}

/* Take the call's weight off its queue's figures. */
static void
call_leave_queue(struct call *c)
{
	c->q->nstate[c->state]--;
	queue_wait_del(c->q, c);
	if (c->flags & CALL_OVER_NORMAL) {
		c->q->over_normal--;
		c->flags &= ~CALL_OVER_NORMAL;
	}
}

/* Put the call's weight on its queue's figures. */
static void
call_join_queue(struct call *c)
{
	c->q->nstate[c->state]++;
	if (c->state == CALL_QUEUED && c->queued_at != CW_TIME_NONE)
		queue_wait_add(c->q, c);
}

/* Move the call to another state, keeping the queue's figures right. */
static void
call_set_state(struct call *c, enum call_state s)
{
	if (c->state == s)
		return;
	queue_wait_del(c->q, c);
	c->q->nstate[c->state]--;
	c->state = (uint8_t)s;
	c->q->nstate[c->state]++;
	if (s == CALL_QUEUED && c->queued_at != CW_TIME_NONE)
		queue_wait_add(c->q, c);
}

/*
 * Move the call to queue q: its figures and thresholds follow, and its
 * open alerts are announced on both queues' topics (alert_moved).
 */
static void
call_move(struct daemon *d, struct call *c, struct queue *q)
{
	struct queue	*old = c->q;

	if (q == NULL || q == old)
		return;
	call_leave_queue(c);
	c->q = q;
	call_join_queue(c);
	if (c->alerts != NULL)
		alert_moved(d, c, old);
}

/* The queue called name, made if the daemon tracks fewer than its limit. */
static struct queue *
call_queue(struct daemon *d, const char *name)
{
	return queues_get(&d->queues, d->cfg, name, true);
}

/* Set or change the caller. */
static void
call_set_caller(struct call *c, const char *caller)
{
	size_t	 len = strlen(caller);

	if (strcmp(call_caller(c) != NULL ? call_caller(c) : "", caller) == 0)
		return;
	free(c->caller_long);
	c->caller_long = NULL;
	if (len < sizeof c->caller)
		memcpy(c->caller, caller, len + 1);
	else {
		c->caller[0] = '\0';
		c->caller_long = xstrndup(caller, len);
	}
}

/*
 * Set or change the agent (NULL: nobody).  Alerts a silence on the old
 * agent held back go out if none holds them now.
 */
static void
call_set_agent(struct daemon *d, struct call *c, const char *agent)
{
	if (agent != NULL && c->agent != NULL && strcmp(agent, c->agent->s) == 0)
		return;
	if (agent == NULL && c->agent == NULL)
		return;
	intern_put(&d->agents, c->agent);
	c->agent = agent != NULL ? intern_get(&d->agents, agent,
	    strlen(agent)) : NULL;
	if (c->alerts != NULL)
		alert_release(d, c);
}

/*
 * Whether an event for an unknown call may start one: not an end (there
 * is nothing left to watch), and not a hangup unless the feed says when
 * the call was answered (handle time from the hangup would be wrong).
 */
static bool
call_creates(const struct callev *ev)
{
	switch (ev->type) {
	case EV_WRAPUP_END:
	case EV_ABANDONED:
	case EV_HEARTBEAT:
		return false;
	case EV_HANGUP:
		return ev->answered_at != CW_TIME_NONE;
	default:
		return true;
	}
}

/*
 * A new call from its first event: queued, or (a feed that starts
 * mid-call) talking since the event, or since answered_at if the feed
 * knows it.
 */
static struct call *
call_new(struct daemon *d, const struct callev *ev, cw_time t, uint64_t h,
    struct queue *q)
{
	struct calls	*cs = &d->calls;
	size_t		 cls = (ev->call_id_len + 1 + 31) / 32 - 1;
	struct call	*c = pool_get(&cs->pools[cls]);

	memset(c, 0, offsetof(struct call, id));
	wheel_node_init(&c->tn);
	memcpy(c->id, ev->call_id, ev->call_id_len);
	c->id[ev->call_id_len] = '\0';
	c->idlen = (uint16_t)ev->call_id_len;
	c->idclass = (uint8_t)cls;
	c->serial = ++cs->serial;
	c->q = q;
	c->last_ts = t;
	c->queued_at = c->answered_at = c->wait_end = CW_TIME_NONE;
	c->hold_at = c->hangup_at = CW_TIME_NONE;
	c->last_seen = d->now;
	if (ev->type == EV_QUEUED) {
		c->state = CALL_QUEUED;
		c->queued_at = ev->queued_at != CW_TIME_NONE ?
		    ev->queued_at : t;
	} else {
		c->state = CALL_TALKING;
		c->answered_at = ev->answered_at != CW_TIME_NONE ?
		    ev->answered_at : t;
		c->queued_at = ev->queued_at;
		if (c->queued_at != CW_TIME_NONE &&
		    c->queued_at <= c->answered_at) {
			c->wait_end = c->answered_at;
			if (ev->type == EV_ANSWERED)
				queue_count_answer(c->q, t,
				    call_wait_time(c, t));
		} else
			c->queued_at = CW_TIME_NONE;
	}
	call_join_queue(c);
	smap_add(&cs->map, c, h);
	return c;
}

/* In wrap-up in a queue that has none (after a reload or a transfer). */
static bool
call_unwrapped(const struct call *c)
{
	return c->state == CALL_WRAPUP && !c->q->r.wrapup;
}

/* How a call ended, as call/ messages say it. */
static const char *const call_end_names[] = {
	[CALL_END_HANDLED] = "handled",
	[CALL_END_ABANDONED] = "abandoned",
	[CALL_END_STALE] = "stale",
};

/*
 * Publish the call's state on call/<queue of q> (SPEC 5): what happened
 * (event), when (t), the figures then; from names the queue it left.
 */
static void
call_publish_on(struct daemon *d, const struct call *c, const struct queue *q,
    const char *event, cw_time t, const struct queue *from, const char *end)
{
	struct calls	*cs = &d->calls;
	cJSON		*o = cs->msg;
	char		 topic[CW_MAX_NAME + 16];

	callmsg_time(cs, CM_SEQ, 0);
	callmsg_str(cs, CM_KIND, "call");
	callmsg_str(cs, CM_EVENT, event);
	callmsg_time(cs, CM_TS, t);
	callmsg_fill(cs, c, t);
	/* The rare members come and go. */
	if (end != NULL)
		json_ref(o, "end", end);
	if (from != NULL)
		json_ref(o, "moved_from", from->name);
	snprintf(topic, sizeof topic, "%s%s", CW_TOPIC_CALL, q->name);
	pub_send(d->pub, topic, o);
	if (end != NULL)
		cJSON_DeleteItemFromObjectCaseSensitive(o, "end");
	if (from != NULL)
		cJSON_DeleteItemFromObjectCaseSensitive(o, "moved_from");
}

/* Publish the call's change; after a move, on the old queue's topic too. */
static void
call_publish(struct daemon *d, const struct call *c, const char *event,
    cw_time t, const struct queue *from)
{
	if (from != NULL)
		call_publish_on(d, c, from, event, t, from, NULL);
	call_publish_on(d, c, c->q, event, t, from, NULL);
}

/*
 * The call's level (its highest open severity) changed at t: say so on
 * call/, or, while an event applies to it, once the event has applied.
 */
void
call_level_changed(struct daemon *d, const struct call *c, cw_time t)
{
	if (c == d->applying)
		d->level_dirty = true;
	else if (c->state != CALL_ENDED)
		call_publish(d, c, "level", t, NULL);
}

/* The call is over at t: resolve, count, forget (but for its tombstone). */
static void
call_end(struct daemon *d, struct call *c, cw_time t, enum call_end how)
{
	struct calls	*cs = &d->calls;
	uint64_t	 h = smap_hash(&cs->map, c->id, c->idlen);
	const struct queue *from;

	switch (how) {
	case CALL_END_HANDLED:
		if (c->answered_at != CW_TIME_NONE)
			queue_count_handled(c->q, t,
			    call_handle_time(c, t));
		break;
	case CALL_END_ABANDONED:
		c->wait_end = t;
		queue_count_abandon(c->q, t, call_wait_time(c, t));
		break;
	case CALL_END_STALE:
		c->flags |= CALL_STALE;
		d->n.stale++;
		log_info("call closed as stale call_id=%s queue=%s "
		    "silent_for=%llds", c->id, c->q->name,
		    (long long)((t - c->last_seen) / CW_SEC));
		break;
	}
	call_leave_queue(c);
	c->state = CALL_ENDED;
	alert_resolve_all(d, c, t);
	/* An event that moved the call and ended it: the old queue too. */
	from = d->moved_from != c->q ? d->moved_from : NULL;
	if (from != NULL)
		call_publish_on(d, c, from, "ended", t, from,
		    call_end_names[how]);
	call_publish_on(d, c, c->q, "ended", t, from, call_end_names[how]);
	timers_disarm(d->timers, &c->tn);
	tombs_add(&d->tombs, h, d->now + d->cfg->ended_linger);
	smap_del(&cs->map, c, h);
	call_release(d, c);
	pool_put(&cs->pools[c->idclass], c);
	d->n.ended++;
}

/* The wait is over at t (answered): resolve long_wait, count the answer. */
static void
call_answer(struct daemon *d, struct call *c, cw_time t)
{
	if (c->state != CALL_QUEUED)
		return;
	c->answered_at = t;
	c->wait_end = t;
	call_set_state(c, CALL_TALKING);
	queue_count_answer(c->q, t, call_wait_time(c, t));
	alert_resolve(d, c, RULE_LONG_WAIT, t, call_wait_time(c, t));
}

/* A hold segment ends at t: long_hold, if it fired, clears. */
static void
call_unhold(struct daemon *d, struct call *c, cw_time t)
{
	if (c->hold_at != CW_TIME_NONE)
		alert_resolve(d, c, RULE_LONG_HOLD, t,
		    t > c->hold_at ? t - c->hold_at : 0);
	c->hold_at = CW_TIME_NONE;
}

/*
 * The conversation is over at t: a talk shorter than the queue's
 * short_call counts against the agent, and their short_calls-th in an
 * hour raises `short_calls` (warning) on this call.
 */
static void
call_talk_over(struct daemon *d, struct call *c, cw_time t)
{
	const struct qrules *r = &c->q->r;
	int		 n;

	call_unhold(d, c, t);
	if (r->short_call <= 0 || c->agent == NULL ||
	    c->answered_at == CW_TIME_NONE || t - c->answered_at >= r->short_call)
		return;
	n = shorts_add(&d->shorts, c->agent->s, t);
	if (n >= r->short_calls)
		alert_raise(d, c, RULE_SHORT_CALLS, SEV_WARNING, t,
		    (cw_time)n * CW_SEC, (cw_time)r->short_calls * CW_SEC);
}

/* The conversation is over at t and wrap-up starts. */
static void
call_hangup(struct daemon *d, struct call *c, cw_time t)
{
	call_talk_over(d, c, t);
	c->hangup_at = t;
	call_set_state(c, CALL_WRAPUP);
}

/* A count rule: raise it at warning once the count reaches max. */
static void
call_count_rule(struct daemon *d, struct call *c, enum rule r, int n,
    int max, cw_time t)
{
	if (max > 0 && n >= max)
		alert_raise(d, c, r, SEV_WARNING, t, (cw_time)n * CW_SEC,
		    (cw_time)max * CW_SEC);
}

/* An escalate event at t: warning, or critical from level 2. */
static void
call_escalate(struct daemon *d, struct call *c, const struct callev *ev,
    cw_time t)
{
	enum sev	 sev = ev->level >= 2 ? SEV_CRITICAL : SEV_WARNING;

	alert_raise_why(d, c, RULE_ESCALATION, sev, t,
	    (cw_time)ev->level * CW_SEC,
	    (sev == SEV_CRITICAL ? 2 : 1) * CW_SEC, ev->reason);
}

/*
 * A sentiment score at t: below the queue's sentiment_min raises
 * `sentiment` (warning); a score back at or above it clears the alert.
 */
static void
call_sentiment(struct daemon *d, struct call *c, double score, cw_time t)
{
	double	 min = c->q->r.sentiment_min;
	cw_time	 v = (cw_time)llround(score * (double)CW_SEC);

	if (score < min)
		alert_raise(d, c, RULE_SENTIMENT, SEV_WARNING, t, v,
		    (cw_time)llround(min * (double)CW_SEC));
	else
		alert_resolve(d, c, RULE_SENTIMENT, t, v);
}

/* A transfer: one more, to the new queue and agent. */
static void
call_transfer(struct daemon *d, struct call *c, const struct callev *ev)
{
	if (c->transfers < UINT16_MAX)
		c->transfers++;
	/* The agent first: the moved alerts carry and match the new one. */
	call_set_agent(d, c, ev->to_agent);
	if (ev->to_queue != NULL)
		call_move(d, c, call_queue(d, ev->to_queue));
}

/*
 * Apply an event to a live call (queued, talking, on hold or in wrap-up).
 */
static enum call_step
call_step(struct daemon *d, struct call *c, const struct callev *ev,
    cw_time t)
{
	enum call_state	 s = (enum call_state)c->state;

	switch (ev->type) {
	case EV_QUEUED:
		if (s != CALL_QUEUED && t <= c->answered_at &&
		    (c->queued_at == CW_TIME_NONE || t < c->queued_at)) {
			c->queued_at = t;	/* a late "queued" */
			c->wait_end = c->answered_at;
		}
		break;
	case EV_ANSWERED:
		if (s == CALL_QUEUED)
			call_answer(d, c, ev->answered_at != CW_TIME_NONE ?
			    ev->answered_at : t);
		else if (t < c->answered_at)
			c->answered_at = t;	/* an earlier answer */
		break;
	case EV_HOLD:
	case EV_RESUME:
		if (s == CALL_WRAPUP)
			return CALL_STEP_IGNORED;
		call_answer(d, c, t);
		if (ev->type == EV_HOLD && c->state == CALL_TALKING) {
			c->hold_at = t;
			if (c->holds < UINT16_MAX)
				c->holds++;
			call_set_state(c, CALL_ON_HOLD);
			call_count_rule(d, c, RULE_MANY_HOLDS, c->holds,
			    c->q->r.max_holds, t);
		} else if (ev->type == EV_RESUME &&
		    c->state == CALL_ON_HOLD) {
			call_unhold(d, c, t);
			call_set_state(c, CALL_TALKING);
		}
		break;
	case EV_TRANSFERRED:
		call_transfer(d, c, ev);
		if (call_unwrapped(c)) {
			call_settle(d, c);
			return CALL_STEP_ENDED;
		}
		call_count_rule(d, c, RULE_TRANSFERS, c->transfers,
		    c->q->r.max_transfers, t);
		break;
	case EV_HANGUP:
		if (s == CALL_QUEUED) {
			call_end(d, c, t, CALL_END_ABANDONED);
			return CALL_STEP_ENDED;
		}
		if (s != CALL_WRAPUP && !c->q->r.wrapup) {
			call_talk_over(d, c, t);
			call_end(d, c, t, CALL_END_HANDLED);
			return CALL_STEP_ENDED;
		}
		if (s != CALL_WRAPUP)
			call_hangup(d, c, t);
		break;
	case EV_WRAPUP_END:
		if (s == CALL_QUEUED)
			return CALL_STEP_IGNORED;
		call_end(d, c, t, CALL_END_HANDLED);
		return CALL_STEP_ENDED;
	case EV_ABANDONED:
		if (s != CALL_QUEUED)
			return CALL_STEP_IGNORED;
		call_end(d, c, t, CALL_END_ABANDONED);
		return CALL_STEP_ENDED;
	case EV_ESCALATE:
		call_escalate(d, c, ev, t);
		break;
	case EV_SENTIMENT:
		call_sentiment(d, c, ev->score, t);
		break;
	case EV_HEARTBEAT:
	case EV_NTYPES:
		break;
	}
	return CALL_STEP_OK;
}

/* Whether the call saw this fingerprint lately; remember it if not. */
static bool
call_repeat(struct call *c, uint32_t fp)
{
	int	 i;

	for (i = 0; i < CALL_FP; i++)
		if (c->fp[i] == fp && fp != 0)
			return true;
	c->fp[c->fp_next] = fp;
	c->fp_next = (uint8_t)((c->fp_next + 1) % CALL_FP);
	return false;
}

/*
 * The call's caller just became known at t: if another call of theirs
 * started within the queue's repeat_window before this one, raise
 * repeat_caller (info; value the gap, threshold the window).
 */
static void
call_repeat_caller(struct daemon *d, struct call *c, cw_time t)
{
	cw_time	 start = c->queued_at != CW_TIME_NONE ? c->queued_at :
		    c->answered_at, before, w = c->q->r.repeat_window;

	if (d->callers.window == 0 || start == CW_TIME_NONE)
		return;
	before = callers_seen(&d->callers, call_caller(c), start, d->now);
	if (w > 0 && before != CW_TIME_NONE && start - before <= w)
		alert_raise(d, c, RULE_REPEAT_CALLER, SEV_INFO, t,
		    start - before, w);
}

/* Take what the event at t says about queue, agent and caller. */
static void
call_names(struct daemon *d, struct call *c, const struct callev *ev,
    cw_time t)
{
	bool	 first = ev->caller != NULL && call_caller(c) == NULL;

	if (ev->caller != NULL)
		call_set_caller(c, ev->caller);
	if (ev->type != EV_TRANSFERRED) {
		if (ev->agent != NULL)
			call_set_agent(d, c, ev->agent);
		if (ev->queue != NULL && strcmp(ev->queue, c->q->name) != 0)
			call_move(d, c, call_queue(d, ev->queue));
	}
	if (first && call_caller(c) != NULL)
		call_repeat_caller(d, c, t);
}

/* Take mid-call start times a feed knows (extension of SPEC 4.1). */
static void
call_since(struct call *c, const struct callev *ev)
{
	if (ev->answered_at != CW_TIME_NONE && call_answered(c) &&
	    ev->answered_at < c->answered_at)
		c->answered_at = ev->answered_at;
	if (ev->queued_at != CW_TIME_NONE && c->state == CALL_QUEUED &&
	    ev->queued_at < c->queued_at) {
		c->queued_at = ev->queued_at;
		queue_wait_update(c->q, c);
	}
}

/*
 * An event older than the newest one the call has seen (delivered late)
 * may fill in earlier start times, answer a waiting call or end the call;
 * it changes no queue, agent, hold state or count.
 */
static enum call_step
call_step_late(struct daemon *d, struct call *c, const struct callev *ev,
    cw_time t)
{
	switch (ev->type) {
	case EV_HOLD:
	case EV_RESUME:
	case EV_TRANSFERRED:
	case EV_SENTIMENT:		/* a newer score has the say */
		return CALL_STEP_IGNORED;
	default:
		return call_step(d, c, ev, t);
	}
}

/*
 * Cross the call's own lines strictly before t: with the wall clock an
 * event may be stamped up to max_skew ahead of now.  False if the call
 * ended doing so.
 */
static bool
call_catch_up(struct daemon *d, struct call *c, cw_time t)
{
	while (c->tn.where != -1 && c->tn.deadline < t) {
		cw_time	 dl = c->tn.deadline;

		timers_disarm(d->timers, &c->tn);
		if (!call_timer(d, c, dl))
			return false;
	}
	return true;
}

/* Look the call up, or start it; NULL if the event starts nothing. */
static struct call *
call_get(struct daemon *d, const struct callev *ev, cw_time t, uint64_t h,
    bool *created)
{
	struct call	*c;
	struct queue	*q = d->qdefault;

	*created = false;
	c = smap_find(&d->calls.map, ev->call_id, ev->call_id_len, h);
	if (c != NULL)
		return c;
	if (tombs_has(&d->tombs, h)) {
		d->n.ignored++;
		return NULL;
	}
	if (!call_creates(ev)) {
		/*
		 * An end for a call never seen: it may have overtaken the
		 * call's start, which must not open a call that is over.
		 */
		if (ev->type != EV_HEARTBEAT)
			tombs_add(&d->tombs, h, d->now + d->cfg->ended_linger);
		d->n.ignored++;
		return NULL;
	}
	if (calls_count(&d->calls) >= (size_t)d->cfg->max_calls) {
		daemon_reject(d, REJ_TOO_MANY_CALLS, ev->call_id, NULL);
		return NULL;
	}
	if (ev->queue != NULL && (q = call_queue(d, ev->queue)) == NULL) {
		daemon_reject(d, REJ_TOO_MANY_QUEUES, ev->queue, NULL);
		return NULL;
	}
	*created = true;
	return call_new(d, ev, t, h, q);
}

/* Apply one event at time t (already checked for skew) to the call table. */
void
call_apply(struct daemon *d, const struct callev *ev, cw_time t)
{
	uint64_t	 h = smap_hash(&d->calls.map, ev->call_id,
			    ev->call_id_len);
	bool		 late, created;
	struct call	*c = call_get(d, ev, t, h, &created);
	struct queue	*q0;
	enum call_step	 step;
	uint8_t		 s0;
	uint16_t	 tr0;

	if (c == NULL)
		return;
	if (call_repeat(c, ev->fp)) {
		d->n.duplicates++;
		return;
	}
	c->last_seen = d->now;
	if (!call_catch_up(d, c, t))
		return;
	q0 = c->q;
	s0 = c->state;
	tr0 = c->transfers;
	late = t < c->last_ts;
	/* Level changes while the event applies go out once, after it. */
	d->applying = c;
	d->level_dirty = false;
	if (!late) {
		c->last_ts = t;
		call_names(d, c, ev, t);
	}
	call_since(c, ev);
	d->moved_from = q0;
	step = late ? call_step_late(d, c, ev, t) : call_step(d, c, ev, t);
	d->moved_from = NULL;
	d->applying = NULL;
	switch (step) {
	case CALL_STEP_IGNORED:
		d->n.ignored++;
		log_debug("event ignored call_id=%s type=%s state=%s%s",
		    c->id, ev_type_name(ev->type),
		    call_state_name((enum call_state)c->state),
		    late ? " late=yes" : "");
		if (created)
			call_publish(d, c, ev_type_name(ev->type), t, NULL);
		else if (d->level_dirty)
			call_publish(d, c, "level", t, NULL);
		call_rearm(d, c);
		break;
	case CALL_STEP_OK:
		d->n.applied++;
		/* Its call/ message carries the level, if it has one. */
		if (created || c->state != s0 || c->q != q0 ||
		    c->transfers != tr0)
			call_publish(d, c, ev_type_name(ev->type), t,
			    c->q != q0 ? q0 : NULL);
		else if (d->level_dirty)
			call_publish(d, c, "level", t, NULL);
		call_rearm(d, c);
		break;
	case CALL_STEP_ENDED:
		d->n.applied++;
		break;
	}
}

/* The first line of a tier list above severity s, or NULL. */
static const struct line *
call_next_line(const struct line *lines, int n, enum sev s)
{
	int	 i;

	for (i = 0; i < n; i++)
		if (lines[i].sev > s)
			return &lines[i];
	return NULL;
}

/*
 * The line of the call's current hold or wrap-up segment (hold_max,
 * wrapup_max) if it has not crossed it yet; CW_TIME_NONE if none.
 */
static cw_time
call_segment_line(struct call *c)
{
	const struct qrules *r = &c->q->r;

	if (c->state == CALL_ON_HOLD && c->hold_at != CW_TIME_NONE &&
	    alert_find(c, RULE_LONG_HOLD) == NULL)
		return c->hold_at + r->hold_max;
	if (c->state == CALL_WRAPUP && r->wrapup && r->wrapup_max > 0 &&
	    c->hangup_at != CW_TIME_NONE &&
	    alert_find(c, RULE_LONG_WRAPUP) == NULL)
		return c->hangup_at + r->wrapup_max;
	return CW_TIME_NONE;
}

/* The earliest line the call can cross next. */
static cw_time
call_deadline(struct daemon *d, struct call *c)
{
	const struct qrules *r = &c->q->r;
	const struct line *l;
	cw_time		 dl = c->last_seen + d->cfg->max_call_age, x;

	/* A call whose new queue has no wrap-up ends at its hangup. */
	if (call_unwrapped(c) && c->hangup_at < dl)
		dl = c->hangup_at;
	if (c->state == CALL_QUEUED && c->queued_at != CW_TIME_NONE) {
		l = call_next_line(r->wait, r->nwait,
		    alert_sev(c, RULE_LONG_WAIT));
		if (l != NULL && (x = c->queued_at + l->at) < dl)
			dl = x;
	} else if (call_answered(c)) {
		if (!(c->flags & CALL_OVER_NORMAL) &&
		    (x = c->answered_at + r->normal[1]) < dl)
			dl = x;
		l = call_next_line(r->tiers, r->ntiers,
		    alert_sev(c, RULE_LONG_CALL));
		if (l != NULL && (x = c->answered_at + l->at) < dl)
			dl = x;
		if ((x = call_segment_line(c)) != CW_TIME_NONE && x < dl)
			dl = x;
	}
	return dl;
}

/* Arm the call's timer for the next line it can cross. */
void
call_rearm(struct daemon *d, struct call *c)
{
	timers_arm(d->timers, &c->tn, call_deadline(d, c));
}

/*
 * Re-read the call's queue thresholds (after a reload).  True if the call
 * is in wrap-up in a queue that now has none, hung up by now: the caller
 * must call_settle() it once it is done walking the table.
 */
bool
call_requeue(struct daemon *d, struct call *c)
{
	if ((c->flags & CALL_OVER_NORMAL) && call_answered(c) &&
	    c->answered_at + c->q->r.normal[1] >= d->now) {
		c->flags &= ~CALL_OVER_NORMAL;
		c->q->over_normal--;
	}
	if (call_unwrapped(c) && c->hangup_at <= d->now)
		return true;
	call_rearm(d, c);
	return false;
}

/*
 * Cross the call's lines at or before t (strictly before t with strict),
 * each stamped with the line's own time.
 */
static void
call_cross(struct daemon *d, struct call *c, cw_time t, bool strict)
{
	const struct qrules *r = &c->q->r;
	const struct line *l;
	cw_time		 x;

	if (strict)
		t--;
	if (c->state == CALL_QUEUED && c->queued_at != CW_TIME_NONE) {
		while ((l = call_next_line(r->wait, r->nwait,
		    alert_sev(c, RULE_LONG_WAIT))) != NULL &&
		    c->queued_at + l->at <= t)
			alert_raise(d, c, RULE_LONG_WAIT, l->sev,
			    c->queued_at + l->at, l->at, l->at);
	} else if (call_answered(c)) {
		if (!(c->flags & CALL_OVER_NORMAL) &&
		    c->answered_at + r->normal[1] <= t) {
			c->flags |= CALL_OVER_NORMAL;
			c->q->over_normal++;
		}
		while ((l = call_next_line(r->tiers, r->ntiers,
		    alert_sev(c, RULE_LONG_CALL))) != NULL &&
		    c->answered_at + l->at <= t)
			alert_raise(d, c, RULE_LONG_CALL, l->sev,
			    c->answered_at + l->at, l->at, l->at);
		if ((x = call_segment_line(c)) != CW_TIME_NONE && x <= t) {
			if (c->state == CALL_ON_HOLD)
				alert_raise(d, c, RULE_LONG_HOLD, SEV_WARNING,
				    x, r->hold_max, r->hold_max);
			else
				alert_raise(d, c, RULE_LONG_WRAPUP, SEV_INFO,
				    x, r->wrapup_max, r->wrapup_max);
		}
	}
}

/*
 * A call in wrap-up whose queue has none crosses what lies before its
 * hangup and ends there.
 */
void
call_settle(struct daemon *d, struct call *c)
{
	call_cross(d, c, c->hangup_at, true);
	call_end(d, c, c->hangup_at, CALL_END_HANDLED);
}

/*
 * The call's timer fired at t, the time of the line it was armed for:
 * cross every line at or before t.  False if the call ended.
 */
bool
call_timer(struct daemon *d, struct call *c, cw_time t)
{
	if (call_unwrapped(c) && c->hangup_at <= t) {
		call_settle(d, c);
		return false;
	}
	if (c->last_seen + d->cfg->max_call_age <= t) {
		call_end(d, c, t, CALL_END_STALE);
		return false;
	}
	call_cross(d, c, t, false);
	call_rearm(d, c);
	return true;
}

/* The highest severity among the call's open alerts. */
enum sev
call_level(const struct call *c)
{
	const struct alert *a;
	enum sev	 s = SEV_NONE;

	for (a = c->alerts; a != NULL; a = a->next)
		if (a->sev > s)
			s = a->sev;
	return s;
}

/* Add who the call is: call_id, queue, agent, caller (null if unknown). */
void
call_json_names(cJSON *o, const struct call *c)
{
	json_ref(o, CW_F_CALL_ID, c->id);
	json_ref(o, CW_F_QUEUE, c->q->name);
	json_ref(o, CW_F_AGENT, c->agent != NULL ? c->agent->s : NULL);
	json_ref(o, CW_F_CALLER, call_caller(c));
}

/*
 * A call as listed in a snapshot (SPEC 6), figures at now: the call/
 * message's own members (one list of them), copied.
 */
cJSON *
call_json(struct calls *cs, const struct call *c, cw_time now)
{
	cJSON	*o = cJSON_CreateObject();
	int	 i;

	callmsg_fill(cs, c, now);
	for (i = CM_CALL_ID; i < CM_COUNT; i++)
		cJSON_AddItemToObjectCS(o, callmsg_names[i],
		    cJSON_Duplicate(cs->msgf[i], false));
	return o;
}

/* Append one time: µs, or null when unknown. */
static void
call_state_time(struct buf *b, const char *name, cw_time t)
{
	if (t == CW_TIME_NONE)
		buf_printf(b, ",\"%s\":null", name);
	else
		buf_printf(b, ",\"%s\":%lld", name, (long long)t);
}

/*
 * The call as one line of the state file (state.c): everything needed to
 * carry on after a restart, times in µs, its open alerts inside.
 */
void
call_save(struct buf *b, const struct call *c)
{
	const struct alert *a;
	int		 i;

	buf_adds(b, "{\"k\":\"call\"");
	buf_add_member(b, "id", c->id);
	buf_add_member(b, "queue", c->q->name);
	buf_add_member(b, "agent", c->agent != NULL ? c->agent->s : NULL);
	buf_add_member(b, "caller", call_caller(c));
	buf_printf(b, ",\"state\":%d,\"holds\":%u,\"transfers\":%u,"
	    "\"flags\":%u", c->state, c->holds, c->transfers,
	    c->flags & CALL_OVER_NORMAL);
	call_state_time(b, "queued_at", c->queued_at);
	call_state_time(b, "answered_at", c->answered_at);
	call_state_time(b, "wait_end", c->wait_end);
	call_state_time(b, "hold_at", c->hold_at);
	call_state_time(b, "hangup_at", c->hangup_at);
	call_state_time(b, "last_seen", c->last_seen);
	call_state_time(b, "last_ts", c->last_ts);
	buf_adds(b, ",\"fp\":[");
	for (i = 0; i < CALL_FP; i++)
		buf_printf(b, "%s%u", i > 0 ? "," : "", c->fp[i]);
	buf_printf(b, "],\"fp_next\":%u,\"alerts\":[", c->fp_next);
	for (a = c->alerts; a != NULL; a = a->next) {
		if (a != c->alerts)
			buf_addc(b, ',');
		alert_save(b, a);
	}
	buf_adds(b, "]}\n");
}

/* A number member of a state line; false if absent or not a number. */
static bool
call_load_num(const cJSON *o, const char *name, double lo, double hi,
    double *v)
{
	const cJSON	*j = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!cJSON_IsNumber(j) || !(j->valuedouble >= lo &&
	    j->valuedouble <= hi))
		return false;
	*v = j->valuedouble;
	return true;
}

/* A time member: µs or null; false if neither. */
static bool
call_load_time(const cJSON *o, const char *name, cw_time *t)
{
	const cJSON	*j = cJSON_GetObjectItemCaseSensitive(o, name);

	if (cJSON_IsNull(j)) {
		*t = CW_TIME_NONE;
		return true;
	}
	if (!cJSON_IsNumber(j) || !(j->valuedouble >= 0 &&
	    j->valuedouble < 9e15))
		return false;
	*t = (cw_time)j->valuedouble;
	return true;
}

/* A string member: a string or null (*s NULL); false otherwise. */
static bool
call_load_str(const cJSON *o, const char *name, const char **s)
{
	const cJSON	*j = cJSON_GetObjectItemCaseSensitive(o, name);

	if (cJSON_IsNull(j)) {
		*s = NULL;
		return true;
	}
	if (!cJSON_IsString(j))
		return false;
	*s = j->valuestring;
	return true;
}

/*
 * A call from its state line (call_save); NULL with *why set when the
 * line is not one.  Its timer is armed; lines it passed while the daemon
 * was down fire at the next advance of the clock.
 */
const char *
call_load(struct daemon *d, const cJSON *o)
{
	struct calls	*cs = &d->calls;
	const char	*id, *qname, *agent, *caller;
	const cJSON	*alerts, *fp, *it;
	const struct alert *a;
	struct queue	*q;
	struct call	*c;
	double		 st, holds, tr, flags, fpn;
	cw_time		 t[7];
	uint64_t	 h;
	size_t		 len, cls;
	int		 i;

	if (!call_load_str(o, "id", &id) || id == NULL ||
	    (len = strlen(id)) == 0 || len > CW_MAX_CALL_ID ||
	    !call_load_str(o, "queue", &qname) || qname == NULL ||
	    !name_valid(qname, strlen(qname)) ||
	    !call_load_str(o, "agent", &agent) ||
	    !call_load_str(o, "caller", &caller) ||
	    !call_load_num(o, "state", CALL_QUEUED, CALL_WRAPUP, &st) ||
	    !call_load_num(o, "holds", 0, UINT16_MAX, &holds) ||
	    !call_load_num(o, "transfers", 0, UINT16_MAX, &tr) ||
	    !call_load_num(o, "flags", 0, CALL_OVER_NORMAL, &flags) ||
	    !call_load_num(o, "fp_next", 0, CALL_FP - 1, &fpn) ||
	    !call_load_time(o, "queued_at", &t[0]) ||
	    !call_load_time(o, "answered_at", &t[1]) ||
	    !call_load_time(o, "wait_end", &t[2]) ||
	    !call_load_time(o, "hold_at", &t[3]) ||
	    !call_load_time(o, "hangup_at", &t[4]) ||
	    !call_load_time(o, "last_seen", &t[5]) ||
	    !call_load_time(o, "last_ts", &t[6]) ||
	    !cJSON_IsArray(fp = cJSON_GetObjectItemCaseSensitive(o, "fp")) ||
	    cJSON_GetArraySize(fp) != CALL_FP ||
	    !cJSON_IsArray(alerts = cJSON_GetObjectItemCaseSensitive(o,
	    "alerts")))
		return "a call with a missing or wrong field";
	if ((agent != NULL && !label_valid(agent, strlen(agent))) ||
	    (caller != NULL && !label_valid(caller, strlen(caller))))
		return "a call with a bad agent or caller";
	if (st != CALL_QUEUED && t[1] == CW_TIME_NONE)
		return "an answered call without its answer time";
	h = smap_hash(&cs->map, id, len);
	if (smap_find(&cs->map, id, len, h) != NULL)
		return "a call twice";
	if ((q = queues_get(&d->queues, d->cfg, qname, true)) == NULL)
		return "more queues than daemon.max_queues";
	cls = (len + 1 + 31) / 32 - 1;
	c = pool_get(&cs->pools[cls]);
	memset(c, 0, offsetof(struct call, id));
	wheel_node_init(&c->tn);
	memcpy(c->id, id, len + 1);
	c->idlen = (uint16_t)len;
	c->idclass = (uint8_t)cls;
	c->serial = ++cs->serial;
	c->q = q;
	c->state = (uint8_t)st;
	c->holds = (uint16_t)holds;
	c->transfers = (uint16_t)tr;
	c->queued_at = t[0];
	c->answered_at = t[1];
	c->wait_end = t[2];
	c->hold_at = t[3];
	c->hangup_at = t[4];
	c->last_seen = t[5] != CW_TIME_NONE ? t[5] : d->now;
	c->last_ts = t[6] != CW_TIME_NONE ? t[6] : c->last_seen;
	c->fp_next = (uint8_t)fpn;
	i = 0;
	for (it = fp->child; it != NULL; it = it->next)
		c->fp[i++] = cJSON_IsNumber(it) ? (uint32_t)it->valuedouble : 0;
	if (agent != NULL)
		c->agent = intern_get(&d->agents, agent, strlen(agent));
	if (caller != NULL)
		call_set_caller(c, caller);
	call_join_queue(c);
	if ((unsigned)flags & CALL_OVER_NORMAL) {
		c->flags |= CALL_OVER_NORMAL;
		q->over_normal++;
	}
	smap_add(&cs->map, c, h);
	for (it = alerts->child; it != NULL; it = it->next)
		if (alert_load(c, it) == -1) {
			call_end_quiet(d, c);
			return "a call with a bad alert";
		}
	for (a = c->alerts; a != NULL; a = a->next)
		d->n.open_alerts[a->rule][a->sev]++;
	call_rearm(d, c);
	return NULL;
}

/* Forget a call half restored from a bad state line: no message. */
static void
call_end_quiet(struct daemon *d, struct call *c)
{
	struct calls	*cs = &d->calls;

	call_leave_queue(c);
	timers_disarm(d->timers, &c->tn);
	smap_del(&cs->map, c, smap_hash(&cs->map, c->id, c->idlen));
	call_release(d, c);
	pool_put(&cs->pools[c->idclass], c);
}
