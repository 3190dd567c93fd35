/*
 * Alerts: one per call and rule (id "<call_id>/<rule>").  An alert fires,
 * escalates when a higher line is crossed, may be acknowledged, and
 * resolves when the call ends or the condition clears; changes are
 * published on "alert/<queue>/<severity>" (SPEC 5).  An acknowledged alert
 * is quiet until it escalates or resolves.  A change is held back (not
 * published, still tracked) while a silence matches the alert; a
 * resolution still goes out when clients saw the alert open, so no screen
 * keeps a ghost.  An alert's severity never steps down (inhibition: a
 * critical long_call is not re-sent lower after a move to longer lines).
 * The wording is help for the agent, not discipline.
 */
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "cw.h"

static const char *const alert_state_names[] = {
	[ALERT_FIRING] = CW_STATE_FIRING,
	[ALERT_ESCALATED] = CW_STATE_ESCALATED,
	[ALERT_ACKED] = CW_STATE_ACKED,
	[ALERT_RESOLVED] = CW_STATE_RESOLVED,
};

/* "firing", "escalated", "acked", "resolved". */
const char *
alert_state_name(enum alert_state s)
{
	return (unsigned)s < nitems(alert_state_names) ?
	    alert_state_names[s] : "?";
}

/* The call's open alert for a rule, or NULL. */
struct alert *
alert_find(struct call *c, enum rule r)
{
	struct alert	*a;

	for (a = c->alerts; a != NULL; a = a->next)
		if (a->rule == r)
			return a;
	return NULL;
}

/* The severity of the call's open alert for a rule; SEV_NONE if none. */
enum sev
alert_sev(struct call *c, enum rule r)
{
	struct alert	*a = alert_find(c, r);

	return a != NULL ? a->sev : SEV_NONE;
}

/* A count or score kept in µs, as a number. */
static double
alert_num(cw_time v)
{
	return dur_seconds(v);
}

/* The human line of a long_call or long_wait change. */
static void
alert_message_time(const struct daemon *d, const struct call *c,
    const struct alert *a, char *out, size_t len)
{
	char	 v[32], range[48], age[32];

	dur_format(a->value, v, sizeof v);
	dur_format_range(c->q->r.normal[0], c->q->r.normal[1], range,
	    sizeof range);
	dur_format(d->cfg->max_call_age, age, sizeof age);
	if (a->state == ALERT_RESOLVED && (c->flags & CALL_STALE))
		snprintf(out, len, "%s %s, closed: no event for %s",
		    a->rule == RULE_LONG_WAIT ? "waited" : "handle time", v,
		    age);
	else if (a->rule == RULE_LONG_CALL)
		snprintf(out, len, a->state != ALERT_RESOLVED ?
		    "handle time %s, normal %s" :
		    "call ended after %s, normal %s", v, range);
	else if (a->state != ALERT_RESOLVED)
		snprintf(out, len, "waiting %s in queue %s", v, c->q->name);
	else if (c->answered_at != CW_TIME_NONE)
		snprintf(out, len, "answered after waiting %s", v);
	else
		snprintf(out, len, "caller left after waiting %s", v);
}

/* The queue's short_call, formatted into buf. */
static const char *
range_short(const struct call *c, char *buf, size_t len)
{
	dur_format(c->q->r.short_call, buf, len);
	return buf;
}

/* The human line of an alert change. */
static void
alert_message(const struct daemon *d, const struct call *c,
    const struct alert *a, char *out, size_t len)
{
	char	 v[32], th[32];
	bool	 end = a->state == ALERT_RESOLVED;

	dur_format(a->value, v, sizeof v);
	dur_format(a->threshold, th, sizeof th);
	switch (a->rule) {
	case RULE_LONG_CALL:
	case RULE_LONG_WAIT:
		alert_message_time(d, c, a, out, len);
		break;
	case RULE_TRANSFERS:
		snprintf(out, len, "transferred %.0f times%s",
		    alert_num(a->value), end ? ", call over" : "");
		break;
	case RULE_LONG_HOLD:
		snprintf(out, len, end ? "hold ended after %s, limit %s" :
		    "on hold for %s, limit %s", v, th);
		break;
	case RULE_ESCALATION:
		snprintf(out, len, "escalated to level %.0f%s%s%s",
		    alert_num(a->value), a->reason != NULL ? ": " : "",
		    a->reason != NULL ? a->reason : "",
		    end ? " (call over)" : "");
		break;
	case RULE_REPEAT_CALLER:
		snprintf(out, len, "caller called %s before this call",
		    v);
		break;
	case RULE_SENTIMENT:
		snprintf(out, len, end ? "sentiment back to %.2f, limit %.2f" :
		    "sentiment %.2f, below %.2f", alert_num(a->value),
		    alert_num(a->threshold));
		break;
	case RULE_MANY_HOLDS:
		snprintf(out, len, "put on hold %.0f times",
		    alert_num(a->value));
		break;
	case RULE_LONG_WRAPUP:
		snprintf(out, len, end ? "wrap-up took %s, limit %s" :
		    "in wrap-up for %s, limit %s", v, th);
		break;
	case RULE_SHORT_CALLS:
		snprintf(out, len, "agent %s: %.0f calls under %s in the "
		    "last hour%s", c->agent != NULL ? c->agent->s : "?",
		    alert_num(a->value), range_short(c, th, sizeof th),
		    end ? " (call over)" : "");
		break;
	case RULE_FEED_SILENT:
	case RULE_COUNT:
		snprintf(out, len, "%s", rule_name(a->rule));
		break;
	}
}

/* The alert object of SPEC 5 (with "seq" for pub_send to fill). */
cJSON *
alert_json(const struct daemon *d, const struct call *c,
    const struct alert *a)
{
	cJSON	*o = cJSON_CreateObject();
	char	 id[CW_MAX_CALL_ID + 32], msg[256];

	snprintf(id, sizeof id, "%s/%s", c->id, rule_name(a->rule));
	alert_message(d, c, a, msg, sizeof msg);
	json_seq(o, a->seq);
	cJSON_AddStringToObject(o, CW_F_KIND, "alert");
	cJSON_AddStringToObject(o, CW_F_ID, id);
	cJSON_AddStringToObject(o, CW_F_STATE, alert_state_name(a->state));
	cJSON_AddStringToObject(o, CW_F_RULE, rule_name(a->rule));
	cJSON_AddStringToObject(o, CW_F_SEVERITY, sev_name(a->sev));
	call_json_names(o, c);
	dur_json_add(o, CW_F_VALUE, a->value);
	dur_json_add(o, CW_F_THRESHOLD, a->threshold);
	dur_json_add(o, CW_F_TS, a->ts);
	cJSON_AddStringToObject(o, CW_F_MESSAGE, msg);
	if (a->state == ALERT_ACKED) {
		cJSON_AddStringToObject(o, "acked_by", a->by);
		if (a->note != NULL)
			cJSON_AddStringToObject(o, "note", a->note);
	}
	if (a->reason != NULL)
		cJSON_AddStringToObject(o, "reason", a->reason);
	return o;
}

/*
 * An alert that subscribers saw, as they saw it: with the severity and
 * state last published (a change a silence holds back is not theirs yet).
 */
cJSON *
alert_json_seen(const struct daemon *d, const struct call *c,
    struct alert *a)
{
	enum sev	 sev = a->sev;
	enum alert_state st = a->state;
	cJSON		*o;

	a->sev = (enum sev)a->pub_sev;
	a->state = (enum alert_state)a->pub_state;
	o = alert_json(d, c, a);
	a->sev = sev;
	a->state = st;
	return o;
}

/*
 * Publish an alert on alert/<queue>/<severity> of queue q (its call's,
 * or the one it left: then "moved_from" names it); as it is, or as
 * subscribers last saw it (seen).
 */
static void
alert_publish_on(struct daemon *d, const struct call *c, struct alert *a,
    const struct queue *q, const struct queue *from, bool seen)
{
	char	 topic[CW_MAX_NAME + 32];
	cJSON	*o;

	snprintf(topic, sizeof topic, "%s%s/%s", CW_TOPIC_ALERT, q->name,
	    sev_name(seen ? (enum sev)a->pub_sev : a->sev));
	o = seen ? alert_json_seen(d, c, a) : alert_json(d, c, a);
	if (from != NULL)
		cJSON_AddStringToObject(o, "moved_from", from->name);
	a->seq = pub_send(d->pub, topic, o);
	cJSON_Delete(o);
}

/* Whether the alert's changes are held back: a silence matches it. */
bool
alert_held(const struct daemon *d, const struct call *c,
    const struct alert *a)
{
	return d->silences.head != NULL &&
	    silences_match(&d->silences, c, a->rule);
}

/* Publish a's change on q's topic and remember what clients saw. */
static void
alert_send(struct daemon *d, const struct call *c, struct alert *a,
    const struct queue *q, const struct queue *from)
{
	alert_publish_on(d, c, a, q, from, false);
	d->n.alert_changes[a->rule][a->sev][a->state]++;
	a->out = a->state != ALERT_RESOLVED;
	a->pending = false;
	a->pub_sev = (uint8_t)a->sev;
	a->pub_state = (uint8_t)a->state;
}

/*
 * Publish an alert's change on its call's queue, unless it is held back
 * (then it is pending).  A resolution or an ack goes out whenever clients
 * saw the alert open, and never when they did not.
 */
static void
alert_publish(struct daemon *d, const struct call *c, struct alert *a)
{
	bool	 shown = a->state == ALERT_RESOLVED ||
		    a->state == ALERT_ACKED;

	if (shown ? !a->out : alert_held(d, c, a)) {
		a->pending = a->state != ALERT_RESOLVED;
		return;
	}
	alert_send(d, c, a, c->q, NULL);
}

/*
 * Publish, in their current state, the call's alerts whose changes were
 * held back and no longer are (a silence ended or was lifted, the call
 * changed agent).
 */
void
alert_release(struct daemon *d, struct call *c)
{
	struct alert	*a;

	for (a = c->alerts; a != NULL; a = a->next)
		if (a->pending && !alert_held(d, c, a))
			alert_send(d, c, a, c->q, NULL);
}

/*
 * The call moved from queue old to its new one with alerts open: each
 * that clients saw goes out on the old queue's topic as they saw it (a
 * change held back stays so there), so a client watching only old learns
 * it left, and on the new one's unless it is held back now (then it is
 * pending).
 */
void
alert_moved(struct daemon *d, struct call *c, const struct queue *old)
{
	struct alert	*a;

	for (a = c->alerts; a != NULL; a = a->next) {
		if (a->out)
			alert_publish_on(d, c, a, old, old, true);
		if (alert_held(d, c, a))
			a->pending = true;
		else
			alert_send(d, c, a, c->q, old);
	}
}

/*
 * A line was crossed: open the rule's alert at sev, or escalate it if sev
 * is higher than what it has.  t is the crossing time, value the figure
 * then, threshold the line; reason (or NULL) says why, for escalations.
 */
void
alert_raise_why(struct daemon *d, struct call *c, enum rule r, enum sev sev,
    cw_time t, cw_time value, cw_time threshold, const char *reason)
{
	struct alert	*a = alert_find(c, r);
	enum sev	 level = call_level(c);

	if (a == NULL) {
		a = xcalloc(1, sizeof *a);
		a->rule = r;
		a->state = ALERT_FIRING;
		a->next = c->alerts;
		c->alerts = a;
	} else if (sev > a->sev) {
		a->state = ALERT_ESCALATED;
		free(a->by);
		free(a->note);
		a->by = a->note = NULL;
		d->n.open_alerts[r][a->sev]--;
	} else
		return;
	d->n.open_alerts[r][sev]++;
	if (reason != NULL) {
		free(a->reason);
		a->reason = xstrdup(reason);
	}
	a->sev = sev;
	a->ts = t;
	a->value = value;
	a->threshold = threshold;
	alert_publish(d, c, a);
	if (call_level(c) != level)
		call_level_changed(d, c, t);
}

/* alert_raise_why() with no reason. */
void
alert_raise(struct daemon *d, struct call *c, enum rule r, enum sev sev,
    cw_time t, cw_time value, cw_time threshold)
{
	alert_raise_why(d, c, r, sev, t, value, threshold, NULL);
}

/* Free an alert. */
void
alert_free(struct alert *a)
{
	free(a->by);
	free(a->note);
	free(a->reason);
	free(a);
}

/* Unlink and free an alert of the call. */
static void
alert_drop(struct call *c, struct alert *a)
{
	struct alert	**pp;

	for (pp = &c->alerts; *pp != NULL; pp = &(*pp)->next)
		if (*pp == a) {
			*pp = a->next;
			break;
		}
	alert_free(a);
}

/* The condition of a rule cleared at t with the final figure value. */
void
alert_resolve(struct daemon *d, struct call *c, enum rule r, cw_time t,
    cw_time value)
{
	struct alert	*a = alert_find(c, r);
	enum sev	 level = call_level(c);

	if (a == NULL)
		return;
	a->state = ALERT_RESOLVED;
	a->ts = t;
	a->value = value;
	alert_publish(d, c, a);
	d->n.open_alerts[r][a->sev]--;
	alert_drop(c, a);
	if (call_level(c) != level)
		call_level_changed(d, c, t);
}

/* The figure of an alert when its call ends at t. */
static cw_time
alert_final(const struct call *c, const struct alert *a, cw_time t)
{
	switch (a->rule) {
	case RULE_LONG_CALL:
		return call_handle_time(c, t);
	case RULE_LONG_WAIT:
		return call_wait_time(c, t);
	case RULE_LONG_HOLD:
		return c->hold_at != CW_TIME_NONE && t > c->hold_at ?
		    t - c->hold_at : a->value;
	case RULE_LONG_WRAPUP:
		return c->hangup_at != CW_TIME_NONE && t > c->hangup_at ?
		    t - c->hangup_at : a->value;
	case RULE_TRANSFERS:
		return (cw_time)c->transfers * CW_SEC;
	case RULE_MANY_HOLDS:
		return (cw_time)c->holds * CW_SEC;
	default:
		return a->value;
	}
}

/* The call is over at t: resolve every open alert, in rule order. */
void
alert_resolve_all(struct daemon *d, struct call *c, cw_time t)
{
	struct alert	*a;
	int		 r;

	for (r = 0; r < RULE_COUNT && c->alerts != NULL; r++)
		if ((a = alert_find(c, (enum rule)r)) != NULL)
			alert_resolve(d, c, (enum rule)r, t,
			    alert_final(c, a, t));
}

/*
 * The open alert with id "<call_id>/<rule>" (the call id may hold '/'),
 * and its call in *cp; NULL if there is none.
 */
struct alert *
alert_by_id(struct daemon *d, const char *id, struct call **cp)
{
	const char	*slash = strrchr(id, '/');
	struct call	*c;
	int		 r;

	if (slash == NULL || slash == id ||
	    (r = rule_parse(slash + 1)) < 0 ||
	    (c = calls_find(&d->calls, id, (size_t)(slash - id))) == NULL)
		return NULL;
	*cp = c;
	return alert_find(c, (enum rule)r);
}

/*
 * Acknowledge an open alert at now: state "acked", by whom, with an
 * optional note; quiet until it escalates or resolves.
 */
void
alert_ack(struct daemon *d, struct call *c, struct alert *a, const char *by,
    const char *note)
{
	free(a->by);
	free(a->note);
	a->by = xstrdup(by);
	a->note = note != NULL ? xstrdup(note) : NULL;
	a->state = ALERT_ACKED;
	a->ts = d->now;
	alert_publish(d, c, a);
}

/* The alert as a member of its call's state line (state.c). */
void
alert_save(struct buf *b, const struct alert *a)
{
	buf_printf(b, "{\"rule\":\"%s\",\"sev\":%d,\"state\":%d,\"ts\":%lld,"
	    "\"value\":%lld,\"threshold\":%lld,\"seq\":%llu,\"out\":%d,"
	    "\"pending\":%d,\"pub_sev\":%u,\"pub_state\":%u",
	    rule_name(a->rule), (int)a->sev, (int)a->state, (long long)a->ts,
	    (long long)a->value, (long long)a->threshold,
	    (unsigned long long)a->seq, a->out, a->pending, a->pub_sev,
	    a->pub_state);
	buf_add_member(b, "by", a->by);
	buf_add_member(b, "note", a->note);
	buf_add_member(b, "reason", a->reason);
	buf_addc(b, '}');
}

/* An integer member within [lo, hi]; false if not. */
static bool
alert_load_int(const cJSON *o, const char *name, double lo, double hi,
    int64_t *v)
{
	const cJSON	*j = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!cJSON_IsNumber(j) || !(j->valuedouble >= lo &&
	    j->valuedouble <= hi))
		return false;
	*v = (int64_t)j->valuedouble;
	return true;
}

/* An optional string member: a copy, or NULL. */
static char *
alert_load_str(const cJSON *o, const char *name)
{
	const cJSON	*j = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(j) ? xstrdup(j->valuestring) : NULL;
}

/* Restore one open alert of call c from its state (alert_save); -1 if bad. */
int
alert_load(struct call *c, const cJSON *o)
{
	const char	*rn = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(o, "rule"));
	int64_t		 sev, st, ts, val, th, seq, out, pend, psev, pst;
	struct alert	*a;
	int		 r;

	if (rn == NULL || (r = rule_parse(rn)) < 0 ||
	    alert_find(c, (enum rule)r) != NULL ||
	    !alert_load_int(o, "sev", SEV_INFO, SEV_CRITICAL, &sev) ||
	    !alert_load_int(o, "state", ALERT_FIRING, ALERT_ACKED, &st) ||
	    !alert_load_int(o, "ts", 0, 9e15, &ts) ||
	    !alert_load_int(o, "value", -9e15, 9e15, &val) ||
	    !alert_load_int(o, "threshold", -9e15, 9e15, &th) ||
	    !alert_load_int(o, "seq", 0, 9e15, &seq) ||
	    !alert_load_int(o, "out", 0, 1, &out) ||
	    !alert_load_int(o, "pending", 0, 1, &pend) ||
	    !alert_load_int(o, "pub_sev", SEV_NONE, SEV_CRITICAL, &psev) ||
	    !alert_load_int(o, "pub_state", ALERT_FIRING, ALERT_RESOLVED, &pst))
		return -1;
	a = xcalloc(1, sizeof *a);
	a->rule = (enum rule)r;
	a->sev = (enum sev)sev;
	a->state = (enum alert_state)st;
	a->ts = ts;
	a->value = val;
	a->threshold = th;
	a->seq = (uint64_t)seq;
	a->out = out != 0;
	a->pending = pend != 0;
	a->pub_sev = (uint8_t)psev;
	a->pub_state = (uint8_t)pst;
	a->by = alert_load_str(o, "by");
	a->note = alert_load_str(o, "note");
	a->reason = alert_load_str(o, "reason");
	if (a->state == ALERT_ACKED && a->by == NULL)
		a->by = xstrdup("?");
	a->next = c->alerts;
	c->alerts = a;
	return 0;
}
