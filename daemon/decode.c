/*
 * Decoding the callwatch JSON format (SPEC 4.1): bytes from a feed become
 * a checked struct callev, or a rejection with a reason and a detail.
 * cJSON does the parsing; we check what it does not: size, UTF-8,
 * trailing bytes, NUL inside strings, field types and ranges.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <xxhash.h>

#include "cw.h"

/* Latest ts accepted: 2100-01-01.  A ts in ms or µs lands past it. */
#define DECODE_TS_MAX	4102444800.0
/* Highest escalation level accepted. */
#define DECODE_LEVEL_MAX 1000
/* Longest escalation reason kept, in bytes. */
#define DECODE_REASON_MAX 1024

struct decode {
	cJSON		*root;		/* last parsed message */
};

/* A decoder. */
struct decode *
decode_new(void)
{
	return xcalloc(1, sizeof(struct decode));
}

/* Free a decoder and the last message's tree. */
void
decode_free(struct decode *d)
{
	if (d == NULL)
		return;
	cJSON_Delete(d->root);
	free(d);
}

/* Whether [p, stop) is JSON whitespace only: nothing after the value. */
static bool
decode_blank_to(const char *p, const char *stop)
{
	while (p < stop && (*p == ' ' || *p == '\t' || *p == '\r' ||
	    *p == '\n'))
		p++;
	return p == stop;
}

/*
 * Parse s (len bytes) as one JSON value and nothing after it but blanks;
 * NULL if it is not.  For requests: cJSON alone stops at the end of the
 * first value and would take '{"cmd":"stats"} junk' for a request.
 */
cJSON *
decode_whole(const char *s, size_t len)
{
	const char	*end;
	cJSON		*j = cJSON_ParseWithLengthOpts(s, len, &end, 0);

	if (j == NULL)
		return NULL;
	if (!decode_blank_to(end, s + len)) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

/* Whether s (len bytes) is well-formed UTF-8 (no overlongs, surrogates). */
bool
decode_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + len;

	while (p < e) {
		unsigned char c = *p;
		size_t	 n, i;
		uint32_t cp;

		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else
			return false;
		if ((size_t)(e - p) <= n)
			return false;
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += n + 1;
	}
	return true;
}

/*
 * Whether the text holds a raw control byte JSON never allows (anything
 * below 0x20 but tab, LF and CR, which may only separate tokens).  cJSON
 * would take a raw NUL as the end of a string.
 */
static bool
decode_has_control(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			return true;
	}
	return false;
}

/* Whether the text escapes a NUL (a \u0000 whose backslash is real). */
static bool
decode_has_nul_escape(const char *s, size_t len)
{
	const char	*p = s, *e = s + len, *hit;

	while ((hit = memmem(p, (size_t)(e - p), "\\u0000", 6)) != NULL) {
		const char *b = hit;

		while (b > s && b[-1] == '\\')
			b--;
		if ((hit - b) % 2 == 0)
			return true;	/* an even run before it: real */
		p = hit + 1;
	}
	return false;
}

/* Whether a string holds any control character (call ids). */
static bool
decode_plain(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* The fields we know, as bits, so a repeated key keeps its first value. */
enum decode_field {
	DF_TYPE = 0, DF_CALL_ID, DF_TS, DF_QUEUE, DF_AGENT, DF_CALLER,
	DF_TO_QUEUE, DF_TO_AGENT, DF_LEVEL, DF_REASON, DF_SCORE,
	DF_QUEUED_AT, DF_ANSWERED_AT, DF_COUNT
};

static const char *const decode_fields[DF_COUNT] = {
	"type", "call_id", "ts", "queue", "agent", "caller", "to_queue",
	"to_agent", "level", "reason", "score", "queued_at", "answered_at",
};

/* Which known field a key names, or -1. */
static int
decode_field(const char *key)
{
	int	 i;

	for (i = 0; i < DF_COUNT; i++)
		if (strcmp(key, decode_fields[i]) == 0)
			return i;
	return -1;
}

/*
 * Read an optional name field; null counts as absent.  Queue names must
 * pass name_valid (no '/': topics use it), others label_valid.
 */
static int
decode_name(const cJSON *j, const char **out, enum reject *why,
    const char **detail)
{
	bool	 queue;

	if (j == NULL || cJSON_IsNull(j))
		return 0;
	if (!cJSON_IsString(j)) {
		*why = REJ_WRONG_TYPE;
		*detail = j->string;
		return -1;
	}
	queue = strcmp(j->string, "queue") == 0 ||
	    strcmp(j->string, "to_queue") == 0;
	if (!(queue ? name_valid : label_valid)(j->valuestring,
	    strlen(j->valuestring))) {
		*why = REJ_BAD_VALUE;
		*detail = j->string;
		return -1;
	}
	*out = j->valuestring;
	return 0;
}

/* Read an optional time field ("queued_at"): seconds, 0 <= t <= ts. */
static int
decode_time(const cJSON *j, cw_time ts, cw_time *out, enum reject *why,
    const char **detail)
{
	if (j == NULL || cJSON_IsNull(j))
		return 0;
	if (!cJSON_IsNumber(j)) {
		*why = REJ_WRONG_TYPE;
		*detail = j->string;
		return -1;
	}
	if (!(j->valuedouble >= 0) ||
	    (cw_time)llround(j->valuedouble * 1e6) > ts) {
		*why = REJ_BAD_VALUE;
		*detail = j->string;
		return -1;
	}
	*out = (cw_time)llround(j->valuedouble * 1e6);
	return 0;
}

/* Check type, ts and call_id, the fields every event needs. */
static int
decode_head(const cJSON **f, struct callev *ev, enum reject *why,
    const char **detail)
{
	int	 t;
	double	 ts;

	if (f[DF_TYPE] == NULL || cJSON_IsNull(f[DF_TYPE])) {
		*why = REJ_MISSING_FIELD;
		*detail = "type";
		return -1;
	}
	if (!cJSON_IsString(f[DF_TYPE])) {
		*why = REJ_WRONG_TYPE;
		*detail = "type";
		return -1;
	}
	t = ev_type_parse(f[DF_TYPE]->valuestring,
	    strlen(f[DF_TYPE]->valuestring));
	if (t < 0) {
		*why = REJ_UNKNOWN_TYPE;
		*detail = "type";
		return -1;
	}
	ev->type = (enum ev_type)t;
	if (f[DF_TS] == NULL || cJSON_IsNull(f[DF_TS])) {
		*why = REJ_MISSING_FIELD;
		*detail = "ts";
		return -1;
	}
	if (!cJSON_IsNumber(f[DF_TS])) {
		*why = REJ_WRONG_TYPE;
		*detail = "ts";
		return -1;
	}
	ts = f[DF_TS]->valuedouble;
	if (!(ts >= 0 && ts < DECODE_TS_MAX)) {
		*why = REJ_BAD_TS;
		*detail = "ts";
		return -1;
	}
	ev->ts = (cw_time)llround(ts * 1e6);
	if (ev->type == EV_HEARTBEAT && (f[DF_CALL_ID] == NULL ||
	    cJSON_IsNull(f[DF_CALL_ID])))
		return 0;
	if (f[DF_CALL_ID] == NULL || cJSON_IsNull(f[DF_CALL_ID])) {
		*why = REJ_MISSING_FIELD;
		*detail = "call_id";
		return -1;
	}
	if (!cJSON_IsString(f[DF_CALL_ID])) {
		*why = REJ_WRONG_TYPE;
		*detail = "call_id";
		return -1;
	}
	ev->call_id = f[DF_CALL_ID]->valuestring;
	ev->call_id_len = strlen(ev->call_id);
	if (ev->call_id_len == 0 || ev->call_id_len > CW_MAX_CALL_ID ||
	    !decode_plain(ev->call_id)) {
		*why = REJ_BAD_VALUE;
		*detail = "call_id";
		return -1;
	}
	return 0;
}

/* Check the fields that belong to particular event types. */
static int
decode_extra(const cJSON **f, struct callev *ev, enum reject *why,
    const char **detail)
{
	if (ev->type == EV_TRANSFERRED && ev->to_queue == NULL &&
	    ev->to_agent == NULL) {
		*why = REJ_MISSING_FIELD;
		*detail = "to_queue";
		return -1;
	}
	if (f[DF_LEVEL] != NULL && !cJSON_IsNull(f[DF_LEVEL])) {
		double	 l = f[DF_LEVEL]->valuedouble;

		if (!cJSON_IsNumber(f[DF_LEVEL])) {
			*why = REJ_WRONG_TYPE;
			*detail = "level";
			return -1;
		}
		if (!(l >= 1 && l <= DECODE_LEVEL_MAX) || l != floor(l)) {
			*why = REJ_BAD_VALUE;
			*detail = "level";
			return -1;
		}
		ev->level = (int)l;
	}
	if (f[DF_REASON] != NULL && !cJSON_IsNull(f[DF_REASON])) {
		if (!cJSON_IsString(f[DF_REASON])) {
			*why = REJ_WRONG_TYPE;
			*detail = "reason";
			return -1;
		}
		if (strlen(f[DF_REASON]->valuestring) > DECODE_REASON_MAX) {
			*why = REJ_BAD_VALUE;
			*detail = "reason";
			return -1;
		}
		ev->reason = f[DF_REASON]->valuestring;
	}
	if (ev->type == EV_SENTIMENT || (f[DF_SCORE] != NULL &&
	    !cJSON_IsNull(f[DF_SCORE]))) {
		if (f[DF_SCORE] == NULL || cJSON_IsNull(f[DF_SCORE])) {
			*why = REJ_MISSING_FIELD;
			*detail = "score";
			return -1;
		}
		if (!cJSON_IsNumber(f[DF_SCORE])) {
			*why = REJ_WRONG_TYPE;
			*detail = "score";
			return -1;
		}
		ev->score = f[DF_SCORE]->valuedouble;
		if (!(ev->score >= -1.0 && ev->score <= 1.0)) {
			*why = REJ_BAD_VALUE;
			*detail = "score";
			return -1;
		}
	}
	if (decode_time(f[DF_QUEUED_AT], ev->ts, &ev->queued_at, why,
	    detail) == -1 || decode_time(f[DF_ANSWERED_AT], ev->ts,
	    &ev->answered_at, why, detail) == -1)
		return -1;
	return 0;
}

/* Parse the bytes into d->root, checking what cJSON does not. */
static int
decode_parse(struct decode *d, const char *buf, size_t len,
    enum reject *why, const char **detail)
{
	const char	*end = NULL;

	cJSON_Delete(d->root);
	d->root = NULL;
	if (len > CW_MAX_MSG) {
		*why = REJ_TOO_LARGE;
		*detail = "over 64 KiB";
		return -1;
	}
	if (!decode_utf8_valid(buf, len)) {
		*why = REJ_BAD_UTF8;
		*detail = "invalid UTF-8";
		return -1;
	}
	if (decode_has_control(buf, len)) {
		*why = REJ_BAD_JSON;
		*detail = "raw control character";
		return -1;
	}
	d->root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
	if (d->root == NULL) {
		*why = REJ_BAD_JSON;
		*detail = "not JSON";
		return -1;
	}
	if (!decode_blank_to(end, buf + len)) {
		*why = REJ_BAD_JSON;
		*detail = "bytes after the JSON value";
		return -1;
	}
	if (!cJSON_IsObject(d->root)) {
		*why = REJ_NOT_OBJECT;
		*detail = "not a JSON object";
		return -1;
	}
	/* cJSON stops strings at \u0000; refuse rather than truncate. */
	if (decode_has_nul_escape(buf, len)) {
		*why = REJ_BAD_VALUE;
		*detail = "NUL character in a string";
		return -1;
	}
	return 0;
}

/*
 * Parse one message as a JSON object with the checks of the callwatch
 * format (size, UTF-8, one value, no NUL), for the telephony formats:
 * the tree (valid until the next call), or NULL with the reason.
 */
const cJSON *
decode_json(struct decode *d, const char *buf, size_t len, enum reject *why,
    const char **detail)
{
	return decode_parse(d, buf, len, why, detail) == -1 ? NULL : d->root;
}

/*
 * Decode one message into *ev (valid until the next call).  Returns 0,
 * or -1 with the reason in *why and the field or problem in *detail.
 */
int
decode_msg(struct decode *d, const char *buf, size_t len, struct callev *ev,
    enum reject *why, const char **detail)
{
	const cJSON	*f[DF_COUNT] = { 0 }, *c;
	int		 k;

	memset(ev, 0, sizeof *ev);
	ev->queued_at = ev->answered_at = CW_TIME_NONE;
	ev->level = 1;
	if (decode_parse(d, buf, len, why, detail) == -1)
		return -1;
	for (c = d->root->child; c != NULL; c = c->next)
		if ((k = decode_field(c->string)) >= 0 && f[k] == NULL)
			f[k] = c;
	if (decode_head(f, ev, why, detail) == -1)
		return -1;
	if (decode_name(f[DF_QUEUE], &ev->queue, why, detail) == -1 ||
	    decode_name(f[DF_AGENT], &ev->agent, why, detail) == -1 ||
	    decode_name(f[DF_CALLER], &ev->caller, why, detail) == -1 ||
	    decode_name(f[DF_TO_QUEUE], &ev->to_queue, why, detail) == -1 ||
	    decode_name(f[DF_TO_AGENT], &ev->to_agent, why, detail) == -1)
		return -1;
	if (decode_extra(f, ev, why, detail) == -1)
		return -1;
	ev->fp = decode_fingerprint(ev);
	return 0;
}

/* Append a string field to the fingerprint bytes; NULL differs from "". */
static void
decode_fp_str(struct buf *b, const char *s)
{
	if (s == NULL)
		buf_addc(b, '\xff');
	else
		buf_add(b, s, strlen(s) + 1);
}

/* A 32-bit fingerprint of what an event says, to spot repeats. */
uint32_t
decode_fingerprint(const struct callev *ev)
{
	char		 space[4 * (CW_MAX_NAME + 1) + 32];
	struct buf	 b = { space, 0, sizeof space };
	unsigned char	 t = (unsigned char)ev->type;

	buf_add(&b, &t, 1);
	buf_add(&b, &ev->ts, sizeof ev->ts);
	buf_add(&b, &ev->level, sizeof ev->level);
	buf_add(&b, &ev->score, sizeof ev->score);
	decode_fp_str(&b, ev->queue);
	decode_fp_str(&b, ev->agent);
	decode_fp_str(&b, ev->to_queue);
	decode_fp_str(&b, ev->to_agent);
	return (uint32_t)XXH3_64bits(b.data, b.len);
}
