/*
 * Control: JSON requests on a ROUTER socket (SPEC 6).  A client (REQ or
 * DEALER) sends one JSON object and gets one back, {"ok":true,...} or
 * {"ok":false,"error":"..."}.  Nothing a client sends can stop the
 * daemon: every malformed request gets an error reply.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <cJSON.h>
#include <zmq.h>

#include "cw.h"

/* Requests handled per wake-up before yielding to the loop. */
#define CONTROL_BATCH	64
/* Longest note or comment kept, in bytes. */
#define CONTROL_MAX_TEXT	1024
/* Envelope frames (routing ids, delimiter) we keep for the reply. */
#define CONTROL_FRAMES	16

/* The most clients following the stream on the control socket. */
#define CONTROL_FOLLOWERS	1000

/*
 * A client that follows the published stream here rather than on the
 * PUB socket (SPEC 7: each gets only what its key's queues allow).  Each
 * message goes out as [envelope, topic, body, prev], prev being the seq
 * of the last message meant for it: prev above what the client knows is
 * a message it lost.
 */
struct follower {
	TAILQ_ENTRY(follower) entry;
	size_t		 nenv;
	size_t		 len[CONTROL_FRAMES];	/* the envelope's frames */
	unsigned char	*env[CONTROL_FRAMES];
	char		 key[CW_Z85_KEY + 1];	/* its key; "" without CURVE */
	uint64_t	 prev;
};

struct control {
	struct daemon	*d;
	void		*sock;		/* ROUTER */
	struct zsock	*z;
	uint64_t	 requests;	/* handled */
	uint64_t	 errors;	/* answered with ok:false */
	zmq_msg_t	*cur_env;	/* the request being answered's */
	int		 cur_nenv;
	TAILQ_HEAD(follower_list, follower) followers;
	size_t		 nfollowers;
	uint64_t	 follow_lost;	/* messages a follower's queue refused */
};

/*
 * A command: its name, what answers it (into b, ok or not), and whether
 * it changes the daemon (then it goes to the journal).
 */
struct control_cmd {
	const char	*name;
	void		(*fn)(struct daemon *, const cJSON *, struct buf *);
	bool		 journal;
	enum role	 min;		/* the least role that may (SPEC 7) */
};

static void	control_silences(struct daemon *, struct buf *);
static void	control_follow(struct daemon *, const cJSON *, struct buf *);
static void	control_feed_alerts(struct daemon *, struct buf *, bool *);
static int	control_cut(const char *, size_t);

/* Write {"ok":false,"error":msg}. */
static void
control_error(struct buf *b, const char *msg)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddFalseToObject(o, "ok");
	cJSON_AddStringToObject(o, "error", msg);
	buf_reset(b);
	buf_add_json(b, o);
	cJSON_Delete(o);
}

/* Append a comma unless *first. */
static void
control_comma(struct buf *b, bool *first)
{
	if (!*first)
		buf_addc(b, ',');
	*first = false;
}

/*
 * What of the live calls a snapshot lists: the calls; their open alerts
 * that subscribers hold open (published, not resolved since), which is
 * what a client applying seq > the snapshot's must start from (SPEC 6);
 * or the open alerts a silence has kept from subscribers so far, whose
 * end may never be published (an extension, "held").
 */
enum snap_part {
	SNAP_CALLS,
	SNAP_ALERTS,
	SNAP_HELD,
};

/* Append a part of the live calls (of queue q, if not NULL). */
static void
control_calls(struct daemon *d, const char *q, struct buf *b,
    enum snap_part part)
{
	struct call	*c;
	size_t		 pos = 0;
	bool		 first = true;
	cw_time		 now = daemon_clock(d);

	buf_addc(b, '[');
	while ((c = calls_next(&d->calls, &pos)) != NULL) {
		struct alert	*a;
		cJSON		*o;

		if ((q != NULL && strcmp(c->q->name, q) != 0) ||
		    !auth_sees(d->who, c->q->name))
			continue;
		if (part == SNAP_CALLS) {
			control_comma(b, &first);
			o = call_json(&d->calls, c, now);
			buf_add_json(b, o);
			cJSON_Delete(o);
			continue;
		}
		for (a = c->alerts; a != NULL; a = a->next) {
			if (a->out != (part == SNAP_ALERTS))
				continue;
			control_comma(b, &first);
			/* As subscribers hold it; seq: its last change. */
			o = a->out ? alert_json_seen(d, c, a) :
			    alert_json(d, c, a);
			cJSON_AddBoolToObject(o, "silenced",
			    silences_match(&d->silences, c, a->rule));
			cJSON_AddBoolToObject(o, "shown", a->out);
			buf_add_json(b, o);
			cJSON_Delete(o);
		}
	}
	if (part == SNAP_ALERTS && (q == NULL ||
	    strcmp(q, DAEMON_FEED_QUEUE) == 0) &&
	    auth_sees(d->who, DAEMON_FEED_QUEUE))
		control_feed_alerts(d, b, &first);
	buf_addc(b, ']');
}

/* Append the open feed_silent alerts (which belong to no call). */
static void
control_feed_alerts(struct daemon *d, struct buf *b, bool *first)
{
	size_t	 i;
	cJSON	*o;

	for (i = 0; i < d->nfeeds && d->fw != NULL; i++) {
		if (!d->fw[i].silent)
			continue;
		control_comma(b, first);
		o = daemon_feed_alert(d, i, CW_STATE_FIRING,
		    d->fw[i].since + d->cfg->feed_timeout);
		cJSON_AddFalseToObject(o, "silenced");
		cJSON_AddTrueToObject(o, "shown");
		buf_add_json(b, o);
		cJSON_Delete(o);
	}
}

/* snapshot [queue]: seq, calls, open alerts and queue figures. */
static void
control_snapshot(struct daemon *d, const cJSON *req, struct buf *b)
{
	const cJSON	*jq = cJSON_GetObjectItemCaseSensitive(req, "queue");
	const char	*q = NULL;
	struct queue	*qu;
	size_t		 pos = 0;
	bool		 first = true;

	if (jq != NULL && !cJSON_IsNull(jq)) {
		if (!cJSON_IsString(jq)) {
			control_error(b, "\"queue\" must be a string");
			return;
		}
		q = jq->valuestring;
	}
	buf_printf(b, "{\"ok\":true,\"seq\":%llu,\"calls\":",
	    (unsigned long long)pub_seq(d->pub));
	control_calls(d, q, b, SNAP_CALLS);
	buf_adds(b, ",\"alerts\":");
	control_calls(d, q, b, SNAP_ALERTS);
	buf_adds(b, ",\"held\":");
	control_calls(d, q, b, SNAP_HELD);
	buf_adds(b, ",\"queues\":[");
	while ((qu = queues_next(&d->queues, &pos)) != NULL) {
		cJSON	*o;

		if ((q != NULL && strcmp(qu->name, q) != 0) ||
		    !auth_sees(d->who, qu->name))
			continue;
		control_comma(b, &first);
		o = queue_stats_json(qu, daemon_clock(d));
		/* As of the snapshot: a client takes stats/ messages with a
		 * higher seq over it (SPEC 6). */
		json_seq(o, pub_seq(d->pub));
		buf_add_json(b, o);
		cJSON_Delete(o);
	}
	buf_adds(b, "],\"silences\":");
	control_silences(d, b);
	buf_adds(b, "}");
}

/* Append the silences in force, soonest to end first. */
static void
control_silences(struct daemon *d, struct buf *b)
{
	const struct silence *s;
	bool		 first = true;
	cJSON		*o;

	buf_addc(b, '[');
	for (s = d->silences.head; s != NULL; s = s->next) {
		if (!auth_sees(d->who, s->queue != NULL ? s->queue :
		    DAEMON_FEED_QUEUE))
			continue;
		control_comma(b, &first);
		o = silence_json(s);
		buf_add_json(b, o);
		cJSON_Delete(o);
	}
	buf_addc(b, ']');
}

/*
 * A string field of a request: NULL (and *err set) when it is missing and
 * required, not a string, empty or not fit for a one-line label.
 */
static const char *
control_str(const cJSON *req, const char *name, bool required,
    size_t max, const char **err)
{
	const cJSON	*j = cJSON_GetObjectItemCaseSensitive(req, name);
	static char	 msg[96];

	*err = NULL;
	if (j == NULL || cJSON_IsNull(j)) {
		if (required) {
			snprintf(msg, sizeof msg, "missing \"%s\"", name);
			*err = msg;
		}
		return NULL;
	}
	if (!cJSON_IsString(j) || j->valuestring[0] == '\0' ||
	    strlen(j->valuestring) > max) {
		snprintf(msg, sizeof msg, "\"%s\" must be a string of 1 to "
		    "%zu bytes", name, max);
		*err = msg;
		return NULL;
	}
	return j->valuestring;
}

/* Free text ("note", "comment"), optional: NULL when absent or empty. */
static const char *
control_text(const cJSON *req, const char *name, const char **err)
{
	const cJSON	*j = cJSON_GetObjectItemCaseSensitive(req, name);

	*err = NULL;
	if (cJSON_IsString(j) && j->valuestring[0] == '\0')
		return NULL;
	return control_str(req, name, false, CONTROL_MAX_TEXT, err);
}

/*
 * Who did it: the client's name when it is known (CURVE), else "by", a
 * one-line label (it is logged and published).
 */
static const char *
control_by(const struct daemon *d, const cJSON *req, const char **err)
{
	const char	*by;

	*err = NULL;
	if (d->who != NULL)
		return d->who->name;
	by = control_str(req, "by", true, CW_MAX_NAME, err);

	if (by != NULL && !label_valid(by, strlen(by))) {
		*err = "\"by\" must not hold control characters";
		return NULL;
	}
	return by;
}

/* The reply to ack: the alert object, state "acked". */
static void
control_ack(struct daemon *d, const cJSON *req, struct buf *b)
{
	const char	*id, *by, *note, *err;
	struct alert	*a;
	struct call	*c = NULL;
	char		 msg[CW_MAX_CALL_ID + 96];
	cJSON		*o;

	if ((id = control_str(req, "id", true, CW_MAX_CALL_ID + 32,
	    &err)) == NULL || (by = control_by(d, req, &err)) == NULL) {
		control_error(b, err);
		return;
	}
	note = control_text(req, "note", &err);
	if (err != NULL) {
		control_error(b, err);
		return;
	}
	daemon_clock(d);
	if ((a = alert_by_id(d, id, &c)) == NULL) {
		snprintf(msg, sizeof msg, "no open alert \"%.*s\"",
		    control_cut(id, CW_MAX_CALL_ID + 32), id);
		control_error(b, msg);
		return;
	}
	/* Acked already: it stays as the first ack left it, unpublished. */
	if (a->state != ALERT_ACKED) {
		alert_ack(d, c, a, by, note);
		log_info("alert acked id=%s by=%s", id, by);
	}
	o = alert_json(d, c, a);
	cJSON_AddTrueToObject(o, "ok");
	buf_add_json(b, o);
	cJSON_Delete(o);
}

/* The "for" of a silence: a duration string or seconds; -1 if bad. */
static cw_time
control_for(const cJSON *req, const char **err)
{
	const cJSON	*j = cJSON_GetObjectItemCaseSensitive(req, "for");
	const char	*why;
	cw_time		 v;

	*err = "\"for\" must be a duration from 1s to 30d (like 30m, or "
	    "seconds)";
	if (j == NULL || cJSON_IsNull(j)) {
		*err = "missing \"for\"";
		return -1;
	}
	if (cJSON_IsNumber(j)) {
		if (!(j->valuedouble >= 1 && j->valuedouble <= 30 * 86400))
			return -1;
		v = (cw_time)(j->valuedouble * (double)CW_SEC);
	} else if (!cJSON_IsString(j) ||
	    dur_parse(j->valuestring, &v, &why) == -1)
		return -1;
	if (v < CW_SEC || v > 30 * CW_DAY)
		return -1;
	*err = NULL;
	return v;
}

/* Fill a silence's matchers from "match"; an error message or NULL. */
static const char *
control_match(const cJSON *req, struct silence *s)
{
	const cJSON	*m = cJSON_GetObjectItemCaseSensitive(req, "match");
	const char	*q, *ag, *ru, *err;

	if (m == NULL || cJSON_IsNull(m))
		return "missing \"match\"";
	if (!cJSON_IsObject(m))
		return "\"match\" must be an object with queue, agent or rule";
	if ((q = control_str(m, "queue", false, CW_MAX_NAME, &err)) == NULL &&
	    err != NULL)
		return err;
	if (q != NULL && !name_valid(q, strlen(q)))
		return "\"queue\" is not a valid queue name";
	if ((ag = control_str(m, "agent", false, CW_MAX_NAME, &err)) ==
	    NULL && err != NULL)
		return err;
	if (ag != NULL && !label_valid(ag, strlen(ag)))
		return "\"agent\" is not a valid agent name";
	if ((ru = control_str(m, "rule", false, 32, &err)) == NULL &&
	    err != NULL)
		return err;
	if (ru != NULL && rule_parse(ru) < 0)
		return "unknown \"rule\" (long_call, long_wait, transfers, "
		    "long_hold, escalation, repeat_caller, sentiment, "
		    "many_holds, long_wrapup, short_calls)";
	if (q == NULL && ag == NULL && ru == NULL)
		return "\"match\" needs at least one of queue, agent, rule";
	s->queue = q != NULL ? xstrdup(q) : NULL;
	s->agent = ag != NULL ? xstrdup(ag) : NULL;
	s->rule = ru != NULL ? rule_parse(ru) : -1;
	return NULL;
}

/* silence: match, for, by, comment; the reply names its silence_id. */
static void
control_silence(struct daemon *d, const cJSON *req, struct buf *b)
{
	struct silence	*s;
	const char	*by, *comment, *err;
	cw_time		 dur;
	cJSON		*o;

	if ((dur = control_for(req, &err)) == -1 ||
	    (by = control_by(d, req, &err)) == NULL) {
		control_error(b, err);
		return;
	}
	comment = control_text(req, "comment", &err);
	if (err != NULL) {
		control_error(b, err);
		return;
	}
	if (d->silences.count >= CW_MAX_SILENCES) {
		control_error(b, "too many silences (1000); lift some first");
		return;
	}
	s = xcalloc(1, sizeof *s);
	if ((err = control_match(req, s)) != NULL) {
		free(s);
		control_error(b, err);
		return;
	}
	s->by = xstrdup(by);
	s->comment = xstrdup(comment != NULL ? comment : "");
	s->starts = daemon_clock(d);
	s->until = s->starts + dur;
	silences_add(&d->silences, s);
	daemon_silences_arm(d);
	o = silence_json(s);
	log_info("silence added silence_id=%s by=%s",
	    cJSON_GetObjectItem(o, "silence_id")->valuestring, by);
	cJSON_AddTrueToObject(o, "ok");
	buf_add_json(b, o);
	cJSON_Delete(o);
}

/* unsilence: silence_id; its alerts still open are published. */
static void
control_unsilence(struct daemon *d, const cJSON *req, struct buf *b)
{
	const char	*id, *err;
	struct silence	*s;
	char		 msg[96];

	if ((id = control_str(req, "silence_id", true, 32, &err)) == NULL) {
		control_error(b, err);
		return;
	}
	if ((s = silences_find(&d->silences, id)) == NULL) {
		snprintf(msg, sizeof msg, "no silence \"%s\"", id);
		control_error(b, msg);
		return;
	}
	daemon_clock(d);
	silences_del(&d->silences, s);
	log_info("silence lifted silence_id=%s", id);
	daemon_silences_release(d);
	buf_adds(b, "{\"ok\":true}");
}

/* stats: the daemon's counters. */
static void
control_stats(struct daemon *d, const cJSON *req, struct buf *b)
{
	cJSON	*o = daemon_stats_json(d);

	(void)req;
	buf_add_json(b, o);
	cJSON_Delete(o);
}

/* reload: as SIGHUP. */
static void
control_reload(struct daemon *d, const cJSON *req, struct buf *b)
{
	char	*cause = NULL;

	(void)req;
	/* The reload frees the config the client's entry lives in. */
	d->who = NULL;
	d->checked = false;
	if (daemon_reload(d, &cause) == -1) {
		log_warnx("reload failed: %s; keeping the running "
		    "configuration", cause);
		control_error(b, cause);
		free(cause);
		return;
	}
	buf_adds(b, "{\"ok\":true}");
}

static const struct control_cmd control_cmds[] = {
	{ "snapshot", control_snapshot, false, ROLE_VIEWER },
	{ "ack", control_ack, true, ROLE_SUPERVISOR },
	{ "silence", control_silence, true, ROLE_SUPERVISOR },
	{ "unsilence", control_unsilence, true, ROLE_SUPERVISOR },
	{ "stats", control_stats, false, ROLE_ADMIN },
	{ "reload", control_reload, false, ROLE_ADMIN },
	{ "follow", control_follow, false, ROLE_VIEWER },
};

/* How many bytes of s to quote: at most max, never half a character. */
static int
control_cut(const char *s, size_t max)
{
	size_t	 n = strlen(s);

	if (n <= max)
		return (int)n;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return (int)max;
}

/*
 * Whether the client asking (d->who) may touch what request j of command
 * name names: an alert, a silence or a silence's match within its queues
 * (a client limited to queues silences one of them, nothing wider).
 * Checked before the request is journaled, so a refusal is never
 * replayed after a crash (the replay knows no client).
 */
static bool
control_in_scope(struct daemon *d, const char *name, const cJSON *j)
{
	const char	*s, *q = DAEMON_FEED_QUEUE;
	const cJSON	*m;
	struct silence	*si;
	struct call	*c = NULL;

	if (d->who == NULL || d->who->nqueues == 0)
		return true;
	if (strcmp(name, "ack") == 0) {
		s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j,
		    "id"));
		if (s == NULL || alert_by_id(d, s, &c) == NULL)
			return true;	/* the command says what is wrong */
		q = c != NULL ? c->q->name : DAEMON_FEED_QUEUE;
	} else if (strcmp(name, "silence") == 0) {
		m = cJSON_GetObjectItemCaseSensitive(j, "match");
		s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m,
		    "queue"));
		q = s != NULL ? s : DAEMON_FEED_QUEUE;
	} else if (strcmp(name, "unsilence") == 0) {
		s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j,
		    "silence_id"));
		if (s == NULL || (si = silences_find(&d->silences, s)) == NULL)
			return true;
		q = si->queue != NULL ? si->queue : DAEMON_FEED_QUEUE;
	} else
		return true;
	return auth_sees(d->who, q);
}

/*
 * Journal request req (parsed: j) before it is applied; with an
 * authenticated client, with its name as "by", as the reply will have it.
 */
static void
control_journal(struct daemon *d, cJSON *j, const char *req, size_t len)
{
	char	*s;

	if (d->who == NULL) {
		journal_add(d->journal, daemon_clock(d), 'C', "control", req,
		    len);
		journal_flush(d->journal);
		return;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(j, "by");
	cJSON_AddStringToObject(j, "by", d->who->name);
	if ((s = cJSON_PrintUnformatted(j)) == NULL)
		fatalx("cJSON_PrintUnformatted: out of memory");
	journal_add(d->journal, daemon_clock(d), 'C', "control", s,
	    strlen(s));
	journal_flush(d->journal);
	cJSON_free(s);
}

/* Answer one request into b. */
static void
control_answer(struct daemon *d, const char *req, size_t len, struct buf *b)
{
	cJSON		*j;
	const cJSON	*cmd;
	size_t		 i;
	char		 msg[160];

	buf_reset(b);
	if (len > CW_MAX_MSG) {
		control_error(b, "request too large (over 64 KiB)");
		return;
	}
	if (!decode_utf8_valid(req, len)) {
		control_error(b, "request is not valid UTF-8");
		return;
	}
	if ((j = decode_whole(req, len)) == NULL) {
		control_error(b, "request is not valid JSON");
		return;
	}
	cmd = cJSON_GetObjectItemCaseSensitive(j, "cmd");
	if (!cJSON_IsObject(j))
		control_error(b, "request must be a JSON object");
	else if (cmd == NULL)
		control_error(b, "missing \"cmd\"");
	else if (!cJSON_IsString(cmd))
		control_error(b, "\"cmd\" must be a string");
	else {
		for (i = 0; i < nitems(control_cmds); i++)
			if (strcmp(cmd->valuestring, control_cmds[i].name) == 0)
				break;
		if (i < nitems(control_cmds) && d->checked &&
		    (d->who == NULL || !auth_may(d->who, control_cmds[i].min) ||
		    !control_in_scope(d, control_cmds[i].name, j))) {
			auth_forbidden(d, d->who, control_cmds[i].name);
			control_error(b, "forbidden");
		} else if (i < nitems(control_cmds) && control_cmds[i].journal &&
		    d->journal != NULL && !d->clock_held) {
			/* Journaled first; applied on the clock it records,
			 * by whom the socket said. */
			control_journal(d, j, req, len);
			d->clock_held = true;
			control_cmds[i].fn(d, j, b);
			d->clock_held = false;
		} else if (i < nitems(control_cmds))
			control_cmds[i].fn(d, j, b);
		else {
			snprintf(msg, sizeof msg, "unknown command \"%.*s\" "
			    "(snapshot, ack, silence, unsilence, stats, "
			    "reload, follow)",
			    control_cut(cmd->valuestring, 64),
			    cmd->valuestring);
			control_error(b, msg);
		}
	}
	cJSON_Delete(j);
}

/*
 * Answer one request (len bytes at req); returns the reply, NUL-terminated
 * and malloc'd, with its length in *outlen.  For tests and the socket.
 */
char *
control_handle(struct daemon *d, const char *req, size_t len, size_t *outlen)
{
	struct buf	 b;

	buf_init(&b);
	control_answer(d, req, len, &b);
	buf_cstr(&b);
	*outlen = b.len;
	return b.data;
}

/* Send the envelope frames back, then the reply. */
static void
control_reply(struct control *ctl, zmq_msg_t *env, int nenv,
    const char *reply, size_t len)
{
	int	 i;

	for (i = 0; i < nenv; i++)
		if (zmq_msg_send(&env[i], ctl->sock,
		    ZMQ_SNDMORE | ZMQ_DONTWAIT) == -1)
			goto fail;
	if (zmq_send(ctl->sock, reply, len, ZMQ_DONTWAIT) == -1)
		goto fail;
	return;
fail:
	log_debug("control reply dropped: %s", zmq_strerror(errno));
}

/* Receive one whole request; -1 when none is waiting. */
static int
control_recv(struct control *ctl, zmq_msg_t *env, int *nenv, zmq_msg_t *body)
{
	int	 n = 0;

	if (zmq_msg_recv(body, ctl->sock, ZMQ_DONTWAIT) == -1)
		return -1;
	while (zmq_msg_more(body)) {
		if (n < CONTROL_FRAMES) {
			zmq_msg_move(&env[n++], body);
		}
		if (zmq_msg_recv(body, ctl->sock, ZMQ_DONTWAIT) == -1)
			break;
	}
	*nenv = n;
	return 0;
}

/* Drain requests (up to a batch), answering each. */
static void
control_drain(void *arg)
{
	struct control	*ctl = arg;
	zmq_msg_t	 env[CONTROL_FRAMES], body;
	struct buf	 b;
	int		 nenv, i, n;

	buf_init(&b);
	for (i = 0; i < CONTROL_FRAMES; i++)
		zmq_msg_init(&env[i]);
	zmq_msg_init(&body);
	for (n = 0; n < CONTROL_BATCH; n++) {
		if (control_recv(ctl, env, &nenv, &body) == -1)
			break;
		ctl->requests++;
		if (nenv == 0)
			continue;	/* no routing id: nobody to answer */
		/* With CURVE, who asks (NULL: a key no longer listed). */
		ctl->d->checked = ctl->d->auth != NULL;
		ctl->d->who = ctl->d->auth == NULL ? NULL : auth_client(
		    ctl->d->cfg, zmq_msg_gets(&body, "User-Id"));
		ctl->cur_env = env;
		ctl->cur_nenv = nenv;
		control_answer(ctl->d, zmq_msg_data(&body),
		    zmq_msg_size(&body), &b);
		ctl->cur_env = NULL;
		ctl->d->who = NULL;
		ctl->d->checked = false;
		if (strncmp(b.data, "{\"ok\":false", 11) == 0)
			ctl->errors++;
		control_reply(ctl, env, nenv, b.data, b.len);
	}
	for (i = 0; i < CONTROL_FRAMES; i++)
		zmq_msg_close(&env[i]);
	zmq_msg_close(&body);
	buf_free(&b);
	if (n == CONTROL_BATCH)
		zsock_kick(ctl->z);
}

/* Forget follower fo. */
static void
control_unfollow(struct control *ctl, struct follower *fo)
{
	size_t	 i;

	TAILQ_REMOVE(&ctl->followers, fo, entry);
	ctl->nfollowers--;
	for (i = 0; i < fo->nenv; i++)
		free(fo->env[i]);
	free(fo);
}

/* The follower whose routing id is id, or NULL. */
static struct follower *
control_follower(struct control *ctl, zmq_msg_t *id)
{
	struct follower	*fo;

	for (fo = TAILQ_FIRST(&ctl->followers); fo != NULL;
	    fo = TAILQ_NEXT(fo, entry))
		if (fo->len[0] == zmq_msg_size(id) &&
		    memcmp(fo->env[0], zmq_msg_data(id), fo->len[0]) == 0)
			return fo;
	return NULL;
}

/*
 * follow: the asking client (on this socket) receives from now on each
 * published message its key may see; asking again keeps it following
 * (clients do every few seconds, so a restarted daemon learns of them).
 * The reply's seq is the last published.
 */
static void
control_follow(struct daemon *d, const cJSON *req, struct buf *b)
{
	struct control	*ctl = d->control;
	struct follower	*fo;
	int		 i;

	(void)req;
	if (ctl == NULL || ctl->cur_env == NULL || ctl->cur_nenv == 0) {
		control_error(b, "follow is for clients of the control socket");
		return;
	}
	/* Known already: it says it is still there. */
	if (control_follower(ctl, &ctl->cur_env[0]) == NULL) {
		if (ctl->nfollowers >= CONTROL_FOLLOWERS) {
			control_error(b, "too many followers");
			return;
		}
		fo = xcalloc(1, sizeof *fo);
		fo->nenv = (size_t)ctl->cur_nenv;
		for (i = 0; i < ctl->cur_nenv; i++) {
			fo->len[i] = zmq_msg_size(&ctl->cur_env[i]);
			fo->env[i] = xmalloc(fo->len[i] + 1);
			memcpy(fo->env[i], zmq_msg_data(&ctl->cur_env[i]),
			    fo->len[i]);
		}
		if (d->who != NULL)
			snprintf(fo->key, sizeof fo->key, "%s", d->who->key);
		fo->prev = pub_seq(d->pub);
		TAILQ_INSERT_TAIL(&ctl->followers, fo, entry);
		ctl->nfollowers++;
	}
	buf_printf(b, "{\"ok\":true,\"seq\":%llu}",
	    (unsigned long long)pub_seq(d->pub));
}

/* A message was published: each follower that may see it gets it. */
static void
control_tap(void *arg, const char *topic, const char *data, size_t len)
{
	struct control	*ctl = arg;
	struct daemon	*d = ctl->d;
	struct follower	*fo, *next;
	const struct clientconf *who;
	char		 q[CW_MAX_NAME + 1], prev[24];
	size_t		 i;
	int		 rc;

	if (TAILQ_EMPTY(&ctl->followers))
		return;		/* every message: nothing to do */
	auth_topic_queue(topic, q, sizeof q);
	for (fo = TAILQ_FIRST(&ctl->followers); fo != NULL; fo = next) {
		next = TAILQ_NEXT(fo, entry);
		who = NULL;
		if (d->auth != NULL &&
		    (who = auth_client(d->cfg, fo->key)) == NULL) {
			control_unfollow(ctl, fo);	/* key removed */
			continue;
		}
		if (!auth_sees(who, *q != '\0' ? q : DAEMON_FEED_QUEUE))
			continue;
		snprintf(prev, sizeof prev, "%llu",
		    (unsigned long long)fo->prev);
		fo->prev = pub_seq(d->pub);
		rc = 0;
		for (i = 0; i < fo->nenv && rc != -1; i++)
			rc = zmq_send(ctl->sock, fo->env[i], fo->len[i],
			    ZMQ_SNDMORE | ZMQ_DONTWAIT);
		if (rc != -1 && (zmq_send(ctl->sock, topic, strlen(topic),
		    ZMQ_SNDMORE | ZMQ_DONTWAIT) == -1 ||
		    zmq_send(ctl->sock, data, len, ZMQ_SNDMORE |
		    ZMQ_DONTWAIT) == -1 ||
		    zmq_send(ctl->sock, prev, strlen(prev), ZMQ_DONTWAIT) ==
		    -1))
			rc = -1;
		if (rc == -1 && errno == EHOSTUNREACH)
			control_unfollow(ctl, fo);	/* gone */
		else if (rc == -1)
			ctl->follow_lost++;	/* its queue is full */
	}
}

/* Bind the control socket; NULL with *cause on failure. */
struct control *
control_new(struct daemon *d, const char *ep, char **cause)
{
	struct control	*ctl;
	void		*s = zmq_socket(d->zctx, ZMQ_ROUTER);
	int		 linger = 0;

	if (s == NULL)
		fatalx("zmq_socket: %s", zmq_strerror(errno));
	zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
	/* A follower gone is told by EHOSTUNREACH, not a silent drop. */
	zmq_setsockopt(s, ZMQ_ROUTER_MANDATORY, &(int){ 1 }, sizeof(int));
	if (d->auth != NULL)
		auth_server(d->auth, s, AUTH_CONTROL);
	if (zmq_bind(s, ep) == -1) {
		xasprintf(cause, "control: cannot bind %s: %s", ep,
		    zmq_strerror(errno));
		zmq_close(s);
		return NULL;
	}
	ctl = xcalloc(1, sizeof *ctl);
	ctl->d = d;
	ctl->sock = s;
	TAILQ_INIT(&ctl->followers);
	if (d->pub != NULL)
		pub_set_tap(d->pub, PUB_TAP_FOLLOW, control_tap, ctl);
	ctl->z = zsock_new(d->base, s, control_drain, ctl);
	log_info("control open endpoint=%s", ep);
	return ctl;
}

/* Close the control socket; NULL-safe. */
void
control_free(struct control *ctl)
{
	struct follower	*fo, *next;

	if (ctl == NULL)
		return;
	if (ctl->d->pub != NULL)
		pub_set_tap(ctl->d->pub, PUB_TAP_FOLLOW, NULL, NULL);
	for (fo = TAILQ_FIRST(&ctl->followers); fo != NULL; fo = next) {
		next = TAILQ_NEXT(fo, entry);
		control_unfollow(ctl, fo);
	}
	zsock_free(ctl->z);
	zmq_close(ctl->sock);
	free(ctl);
}
