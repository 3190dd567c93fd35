/*
 * Alerts: one per call and rule (id "<call_id>/<rule>").  An alert fires,
 * escalates when a higher line is crossed, and resolves when the call
 * ends or the condition clears; every change is published on
 * "alert/<queue>/<severity>" (SPEC 5).  The wording is help for the
 * agent, not discipline.
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

/* The human line of an alert change. */
static void
alert_message(const struct daemon *d, const struct call *c,
    const struct alert *a, char *out, size_t len)
{
	char	 v[32], range[48], age[32];

	dur_format(a->value, v, sizeof v);
	dur_format_range(c->q->r.normal[0], c->q->r.normal[1], range,
	    sizeof range);
	dur_format(d->cfg->max_call_age, age, sizeof age);
	if (a->state == ALERT_RESOLVED && (c->flags & CALL_STALE)) {
		snprintf(out, len, "%s %s, closed: no event for %s",
		    a->rule == RULE_LONG_WAIT ? "waited" : "handle time", v,
		    age);
		return;
	}
	switch (a->rule) {
	case RULE_LONG_CALL:
		if (a->state != ALERT_RESOLVED)
			snprintf(out, len, "handle time %s, normal %s", v,
			    range);
		else
			snprintf(out, len, "call ended after %s, normal %s",
			    v, range);
		break;
	case RULE_LONG_WAIT:
		if (a->state != ALERT_RESOLVED)
			snprintf(out, len, "waiting %s in queue %s", v,
			    c->q->name);
		else if (c->answered_at != CW_TIME_NONE)
			snprintf(out, len, "answered after waiting %s", v);
		else
			snprintf(out, len, "caller left after waiting %s", v);
		break;
	default:
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
	cJSON_AddNumberToObject(o, CW_F_SEQ, (double)a->seq);
	cJSON_AddStringToObject(o, CW_F_KIND, "alert");
	cJSON_AddStringToObject(o, CW_F_ID, id);
	cJSON_AddStringToObject(o, CW_F_STATE, alert_state_name(a->state));
	cJSON_AddStringToObject(o, CW_F_RULE, rule_name(a->rule));
	cJSON_AddStringToObject(o, CW_F_SEVERITY, sev_name(a->sev));
	call_json_names(o, c);
	cJSON_AddNumberToObject(o, CW_F_VALUE, dur_seconds(a->value));
	cJSON_AddNumberToObject(o, CW_F_THRESHOLD,
	    dur_seconds(a->threshold));
	cJSON_AddNumberToObject(o, CW_F_TS, dur_seconds(a->ts));
	cJSON_AddStringToObject(o, CW_F_MESSAGE, msg);
	return o;
}

/*
 * Publish an alert on alert/<queue>/<severity> of queue q (its call's,
 * or the one it left: then "moved_from" names it).
 */
static void
alert_publish_on(struct daemon *d, const struct call *c, struct alert *a,
    const struct queue *q, const struct queue *from)
{
	char	 topic[CW_MAX_NAME + 32];
	cJSON	*o;

	snprintf(topic, sizeof topic, "%s%s/%s", CW_TOPIC_ALERT, q->name,
	    sev_name(a->sev));
	o = alert_json(d, c, a);
	if (from != NULL)
		cJSON_AddStringToObject(o, "moved_from", from->name);
	a->seq = pub_send(d->pub, topic, o);
	cJSON_Delete(o);
}

/* Publish an alert's change on its call's queue. */
static void
alert_publish(struct daemon *d, const struct call *c, struct alert *a)
{
	alert_publish_on(d, c, a, c->q, NULL);
}

/*
 * The call moved from queue old to its new one with alerts open: each
 * goes out, unchanged but for its queue, on the old queue's topic (so a
 * client watching only old learns it left) and on the new one's.
 */
void
alert_moved(struct daemon *d, struct call *c, const struct queue *old)
{
	struct alert	*a;

	for (a = c->alerts; a != NULL; a = a->next) {
		alert_publish_on(d, c, a, old, old);
		alert_publish_on(d, c, a, c->q, old);
	}
}

/*
 * A line was crossed: open the rule's alert at sev, or escalate it if sev
 * is higher than what it has.  t is the crossing time, value the figure
 * then, threshold the line.
 */
void
alert_raise(struct daemon *d, struct call *c, enum rule r, enum sev sev,
    cw_time t, cw_time value, cw_time threshold)
{
	struct alert	*a = alert_find(c, r);

	if (a == NULL) {
		a = xcalloc(1, sizeof *a);
		a->rule = r;
		a->state = ALERT_FIRING;
		a->next = c->alerts;
		c->alerts = a;
	} else if (sev > a->sev)
		a->state = ALERT_ESCALATED;
	else
		return;
	a->sev = sev;
	a->ts = t;
	a->value = value;
	a->threshold = threshold;
	alert_publish(d, c, a);
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
	free(a);
}

/* The condition of a rule cleared at t with the final figure value. */
void
alert_resolve(struct daemon *d, struct call *c, enum rule r, cw_time t,
    cw_time value)
{
	struct alert	*a = alert_find(c, r);

	if (a == NULL)
		return;
	a->state = ALERT_RESOLVED;
	a->ts = t;
	a->value = value;
	alert_publish(d, c, a);
	alert_drop(c, a);
}

/* The call is over at t: resolve every open alert, in rule order. */
void
alert_resolve_all(struct daemon *d, struct call *c, cw_time t)
{
	int	 r;

	for (r = 0; r < RULE_COUNT && c->alerts != NULL; r++) {
		cw_time	 v;

		if (alert_find(c, (enum rule)r) == NULL)
			continue;
		v = r == RULE_LONG_WAIT ? call_wait_time(c, t) :
		    call_handle_time(c, t);
		alert_resolve(d, c, (enum rule)r, t, v);
	}
}
