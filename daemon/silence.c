/*
 * Silences: "quiet for this queue during the drill".  A silence matches
 * alerts by queue, agent and rule (each optional, at least one given) and
 * lasts until its expiry.  A matching alert is still tracked (snapshot
 * shows it, marked silenced) but its changes are not published; when the
 * silence ends, the alerts still open that it held back are published
 * (daemon_silences_release).  Silences are few (a list; CW_MAX_SILENCES),
 * so matching walks them.
 */
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "cw.h"

/* Free one silence. */
void
silence_free(struct silence *s)
{
	free(s->queue);
	free(s->agent);
	free(s->by);
	free(s->comment);
	free(s);
}

/* An empty list. */
void
silences_init(struct silences *ss)
{
	memset(ss, 0, sizeof *ss);
}

/* Free the list. */
void
silences_free(struct silences *ss)
{
	struct silence	*s, *next;

	for (s = ss->head; s != NULL; s = next) {
		next = s->next;
		silence_free(s);
	}
	ss->head = NULL;
	ss->count = 0;
}

/* Whether silence s matches an alert of rule r on call c. */
static bool
silence_matches(const struct silence *s, const struct call *c, enum rule r)
{
	if (s->queue != NULL && strcmp(s->queue, c->q->name) != 0)
		return false;
	if (s->agent != NULL && (c->agent == NULL ||
	    strcmp(s->agent, c->agent->s) != 0))
		return false;
	return s->rule < 0 || s->rule == (int)r;
}

/*
 * Whether a silence matches rule r on call c.  A silence is in force
 * while it is in the list: from when it is added until the clock passes
 * its end (the daemon's timer then expires it), so a change is held
 * whatever time it is stamped with.
 */
bool
silences_match(const struct silences *ss, const struct call *c, enum rule r)
{
	const struct silence *s;

	for (s = ss->head; s != NULL; s = s->next)
		if (silence_matches(s, c, r))
			return true;
	return false;
}

/*
 * Add a silence (which the list now owns); its id is "s-N".  The list is
 * kept in expiry order.
 */
struct silence *
silences_add(struct silences *ss, struct silence *s)
{
	struct silence	**pp;

	s->id = ++ss->last_id;
	for (pp = &ss->head; *pp != NULL && (*pp)->until <= s->until;
	    pp = &(*pp)->next)
		;
	s->next = *pp;
	*pp = s;
	ss->count++;
	return s;
}

/* The silence with this id ("s-N"), or NULL. */
struct silence *
silences_find(struct silences *ss, const char *id)
{
	struct silence	*s;
	char		*end;
	unsigned long long n;

	if (strncmp(id, "s-", 2) != 0 || id[2] < '0' || id[2] > '9')
		return NULL;
	n = strtoull(id + 2, &end, 10);
	if (*end != '\0')
		return NULL;
	for (s = ss->head; s != NULL; s = s->next)
		if (s->id == n)
			return s;
	return NULL;
}

/* Remove and free a silence of the list. */
void
silences_del(struct silences *ss, struct silence *s)
{
	struct silence	**pp;

	for (pp = &ss->head; *pp != NULL; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			ss->count--;
			silence_free(s);
			return;
		}
}

/* Drop the silences over before now (ended at or before it); how many. */
size_t
silences_expire(struct silences *ss, cw_time now)
{
	size_t	 n = 0;

	while (ss->head != NULL && ss->head->until <= now) {
		silences_del(ss, ss->head);
		n++;
	}
	return n;
}

/* When the next silence ends; CW_TIME_NONE if none. */
cw_time
silences_next(const struct silences *ss)
{
	return ss->head != NULL ? ss->head->until : CW_TIME_NONE;
}

/* A silence as the control socket lists it. */
cJSON *
silence_json(const struct silence *s)
{
	cJSON	*o = cJSON_CreateObject(), *m = cJSON_CreateObject();
	char	 id[32];

	snprintf(id, sizeof id, "s-%llu", (unsigned long long)s->id);
	cJSON_AddStringToObject(o, "silence_id", id);
	if (s->queue != NULL)
		cJSON_AddStringToObject(m, CW_F_QUEUE, s->queue);
	if (s->agent != NULL)
		cJSON_AddStringToObject(m, CW_F_AGENT, s->agent);
	if (s->rule >= 0)
		cJSON_AddStringToObject(m, CW_F_RULE,
		    rule_name((enum rule)s->rule));
	cJSON_AddItemToObject(o, "match", m);
	dur_json_add(o, "starts", s->starts);
	dur_json_add(o, "ends", s->until);
	cJSON_AddStringToObject(o, "by", s->by);
	cJSON_AddStringToObject(o, "comment", s->comment);
	return o;
}

/* The silences as lines of the state file (state.c). */
void
silences_save(struct buf *b, const struct silences *ss)
{
	const struct silence *s;

	for (s = ss->head; s != NULL; s = s->next) {
		buf_printf(b, "{\"k\":\"silence\",\"id\":%llu,\"rule\":%d,"
		    "\"starts\":%lld,\"until\":%lld",
		    (unsigned long long)s->id, s->rule, (long long)s->starts,
		    (long long)s->until);
		buf_add_member(b, "queue", s->queue);
		buf_add_member(b, "agent", s->agent);
		buf_add_member(b, "by", s->by);
		buf_add_member(b, "comment", s->comment);
		buf_adds(b, "}\n");
	}
}

/* An optional string member: a copy, NULL when null; false if neither. */
static bool
silence_load_str(const cJSON *o, const char *name, char **out)
{
	const cJSON	*j = cJSON_GetObjectItemCaseSensitive(o, name);

	*out = NULL;
	if (cJSON_IsNull(j))
		return true;
	if (!cJSON_IsString(j))
		return false;
	*out = xstrdup(j->valuestring);
	return true;
}

/* Restore one silence from its state line; an error message or NULL. */
const char *
silences_load(struct silences *ss, const cJSON *o)
{
	const cJSON	*id = cJSON_GetObjectItemCaseSensitive(o, "id");
	const cJSON	*rule = cJSON_GetObjectItemCaseSensitive(o, "rule");
	const cJSON	*st = cJSON_GetObjectItemCaseSensitive(o, "starts");
	const cJSON	*un = cJSON_GetObjectItemCaseSensitive(o, "until");
	struct silence	*s, **pp;

	if (!cJSON_IsNumber(id) || id->valuedouble < 1 ||
	    !cJSON_IsNumber(rule) || rule->valuedouble < -1 ||
	    rule->valuedouble >= RULE_COUNT || !cJSON_IsNumber(st) ||
	    !cJSON_IsNumber(un) || ss->count >= CW_MAX_SILENCES)
		return "a silence with a missing or wrong field";
	s = xcalloc(1, sizeof *s);
	s->id = (uint64_t)id->valuedouble;
	s->rule = (int)rule->valuedouble;
	s->starts = (cw_time)st->valuedouble;
	s->until = (cw_time)un->valuedouble;
	if (!silence_load_str(o, "queue", &s->queue) ||
	    !silence_load_str(o, "agent", &s->agent) ||
	    !silence_load_str(o, "by", &s->by) ||
	    !silence_load_str(o, "comment", &s->comment) ||
	    s->by == NULL || s->comment == NULL ||
	    (s->queue == NULL && s->agent == NULL && s->rule < 0)) {
		silence_free(s);
		return "a silence with a missing or wrong field";
	}
	for (pp = &ss->head; *pp != NULL && (*pp)->until <= s->until;
	    pp = &(*pp)->next)
		;
	s->next = *pp;
	*pp = s;
	ss->count++;
	if (s->id > ss->last_id)
		ss->last_id = s->id;
	return NULL;
}
