/*
 * The names of enums as they appear on the wire and in the config.
 */
#include <string.h>

#include "cw.h"

static const char *const sev_names[] = {
	[SEV_NONE] = "none",
	[SEV_INFO] = "info",
	[SEV_WARNING] = "warning",
	[SEV_CRITICAL] = "critical",
};

static const char *const rule_names[] = {
	[RULE_LONG_CALL] = "long_call",
	[RULE_LONG_WAIT] = "long_wait",
	[RULE_TRANSFERS] = "transfers",
	[RULE_LONG_HOLD] = "long_hold",
	[RULE_ESCALATION] = "escalation",
	[RULE_REPEAT_CALLER] = "repeat_caller",
	[RULE_SENTIMENT] = "sentiment",
	[RULE_MANY_HOLDS] = "many_holds",
	[RULE_LONG_WRAPUP] = "long_wrapup",
	[RULE_SHORT_CALLS] = "short_calls",
	[RULE_FEED_SILENT] = "feed_silent",
};

static const char *const call_state_names[] = {
	[CALL_QUEUED] = "queued",
	[CALL_TALKING] = "talking",
	[CALL_ON_HOLD] = "on_hold",
	[CALL_WRAPUP] = "wrapup",
	[CALL_ENDED] = "ended",
};

static const char *const ev_type_names[] = {
	[EV_QUEUED] = "queued",
	[EV_ANSWERED] = "answered",
	[EV_HOLD] = "hold",
	[EV_RESUME] = "resume",
	[EV_TRANSFERRED] = "transferred",
	[EV_ESCALATE] = "escalate",
	[EV_SENTIMENT] = "sentiment",
	[EV_HANGUP] = "hangup",
	[EV_WRAPUP_END] = "wrapup_end",
	[EV_ABANDONED] = "abandoned",
	[EV_HEARTBEAT] = "heartbeat",
};

static const char *const reject_names[] = {
	[REJ_TOO_LARGE] = "too_large",
	[REJ_BAD_UTF8] = "bad_utf8",
	[REJ_BAD_JSON] = "bad_json",
	[REJ_NOT_OBJECT] = "not_object",
	[REJ_MISSING_FIELD] = "missing_field",
	[REJ_WRONG_TYPE] = "wrong_type",
	[REJ_BAD_VALUE] = "bad_value",
	[REJ_UNKNOWN_TYPE] = "unknown_type",
	[REJ_BAD_TS] = "bad_ts",
	[REJ_TOO_MANY_QUEUES] = "too_many_queues",
	[REJ_TOO_MANY_CALLS] = "too_many_calls",
};

/* "info", "warning", "critical". */
const char *
sev_name(enum sev s)
{
	return (unsigned)s < nitems(sev_names) ? sev_names[s] : "?";
}

/* A severity from its name; -1 when unknown ("none" is not one). */
int
sev_parse(const char *s)
{
	int	 i;

	for (i = SEV_INFO; i <= SEV_CRITICAL; i++)
		if (strcmp(s, sev_names[i]) == 0)
			return i;
	return -1;
}

/* "long_call", "long_wait", ... */
const char *
rule_name(enum rule r)
{
	return (unsigned)r < nitems(rule_names) ? rule_names[r] : "?";
}

/* A rule by name; -1 if none. */
int
rule_parse(const char *s)
{
	int	 i;

	for (i = 0; i < RULE_COUNT; i++)
		if (strcmp(s, rule_names[i]) == 0)
			return i;
	return -1;
}

/* "queued", "talking", "on_hold", "wrapup", "ended". */
const char *
call_state_name(enum call_state s)
{
	return (unsigned)s < nitems(call_state_names) ?
	    call_state_names[s] : "?";
}

/* The callwatch event type names of SPEC section 4.1. */
const char *
ev_type_name(enum ev_type t)
{
	return (unsigned)t < nitems(ev_type_names) ? ev_type_names[t] : "?";
}

/* An event type from its name (len bytes); -1 when unknown. */
int
ev_type_parse(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < nitems(ev_type_names); i++)
		if (strlen(ev_type_names[i]) == len &&
		    memcmp(s, ev_type_names[i], len) == 0)
			return (int)i;
	return -1;
}

/* The key of a rejection reason in the "rejected" counters. */
const char *
reject_name(enum reject r)
{
	return (unsigned)r < nitems(reject_names) ? reject_names[r] : "?";
}

/*
 * Whether s (len bytes) may name a queue, an agent or a caller: 1 to
 * CW_MAX_NAME bytes, no control characters, no '/' (topics use it).
 */
bool
name_valid(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || len > CW_MAX_NAME)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || c == '/')
			return false;
	}
	return true;
}

/*
 * Whether s (len bytes) may name an agent or a caller: 1 to CW_MAX_NAME
 * bytes without control characters ('/' is fine: SIP URIs have it).
 */
bool
label_valid(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || len > CW_MAX_NAME)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}
