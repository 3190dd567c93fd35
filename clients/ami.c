/*
 * callwatch-ami: Asterisk's queue calls, from the Asterisk Manager
 * Interface, as callwatch events on a feed.
 *
 *	callwatch-ami [-c FILE] [--feed EP | --jsonl] [--host H] [--port P]
 *	    [--username U] [--secret-file F] [--once]
 *
 * It logs in (Action: Login; the secret from CALLWATCH_AMI_SECRET or
 * --secret-file, never the command line), reads events (blocks of
 * "Key: Value" lines ending with an empty line; CRLF or LF), and maps
 * app_queue's (Asterisk 12+ names) to callwatch events keyed by the
 * caller channel's Uniqueid:
 *
 *	QueueCallerJoin		queued
 *	QueueCallerAbandon	abandoned
 *	AgentConnect		answered (the agent's channel is remembered)
 *	AgentComplete		hangup and wrapup_end (AMI tells no end of
 *				wrap-up); not when the agent transferred
 *	Hold, Unhold		hold, resume, on either leg (or a channel
 *				whose Linkedid is the call's)
 *	BlindTransfer,
 *	AttendedTransfer	transferred
 *	Hangup			of the caller's channel: the end of a call
 *				still open (abandoned if never answered)
 *
 * Time is the event's Timestamp: header when manager.conf has
 * timestampevents = yes, else the arrival time.  Only channels that
 * joined a queue make calls; everything else is read and dropped.  A lost
 * connection is retried with back-off; garbage is skipped, an oversized
 * block dropped; a silent connection is pinged and, if still silent,
 * dropped and made again.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

#include "bridge.h"
#include "client.h"
#include "cw.h"

#define AMI_MAX_BLOCK	65536	/* bytes; a bigger block is garbage */
#define AMI_MAX_FIELDS	128
#define AMI_PING_S	20	/* silence before a Ping */
#define AMI_DEAD_S	60	/* silence before giving up */
#define AMI_MAX_CALLS	1000000

/* A channel of a live queue call: the caller's, or an agent's. */
struct acall {
	char	 caller[CW_MAX_NAME + 1];	/* the call's id */
	char	 agent_leg[CW_MAX_NAME + 1];	/* caller entry: agent's */
	bool	 answered;
	bool	 alias;				/* an agent's channel */
	char	 uid[];
};

struct ami {
	struct bridge	 b;
	const char	*host;
	const char	*port;
	const char	*user;
	char		*secret;
	bool		 once;
	int		 fd;
	int		 phase;		/* 0 banner, 1 login sent, 2 events */
	char		 buf[AMI_MAX_BLOCK + 1];
	size_t		 len;
	double		 last_rx, pinged;
	unsigned long	 garbage;
	struct smap	 calls;
};

/* One block: its fields. */
struct ablock {
	const char	*k[AMI_MAX_FIELDS];
	const char	*v[AMI_MAX_FIELDS];
	int		 n;
};

static const char *
acall_key(const void *v)
{
	return ((const struct acall *)v)->uid;
}

/* A field's value, or NULL. */
static const char *
ab_get(const struct ablock *bl, const char *key)
{
	int	 i;

	for (i = 0; i < bl->n; i++)
		if (strcasecmp(bl->k[i], key) == 0)
			return bl->v[i];
	return NULL;
}

/* A field's value, or "" */
static const char *
ab_str(const struct ablock *bl, const char *key)
{
	const char	*v = ab_get(bl, key);

	return v != NULL ? v : "";
}

/* A field as seconds (HoldTime, TalkTime), or -1. */
static double
ab_num(const struct ablock *bl, const char *key)
{
	const char	*v = ab_get(bl, key);
	char		*end;
	double		 x;

	if (v == NULL || *v == '\0')
		return -1;
	x = strtod(v, &end);
	return *end == '\0' && x >= 0 ? x : -1;
}

/* The entry of channel uid, or NULL. */
static struct acall *
ami_find(const struct ami *a, const char *uid)
{
	size_t	 len;

	if (uid == NULL || *uid == '\0')
		return NULL;
	len = strlen(uid);
	return smap_find(&a->calls, uid, len, smap_hash(&a->calls, uid,
	    len));
}

/* Remember channel uid as a leg of call caller. */
static struct acall *
ami_add(struct ami *a, const char *uid, const char *caller, bool alias)
{
	size_t		 len = strlen(uid);
	struct acall	*c;

	if (len == 0 || len > CW_MAX_NAME || strlen(caller) > CW_MAX_NAME ||
	    a->calls.count >= AMI_MAX_CALLS)
		return NULL;
	if ((c = ami_find(a, uid)) != NULL)
		return c;
	c = xcalloc(1, sizeof *c + len + 1);
	memcpy(c->uid, uid, len + 1);
	snprintf(c->caller, sizeof c->caller, "%s", caller);
	c->alias = alias;
	smap_add(&a->calls, c, smap_hash(&a->calls, uid, len));
	return c;
}

/* Forget channel uid. */
static void
ami_del(struct ami *a, const char *uid)
{
	struct acall	*c = ami_find(a, uid);

	if (c == NULL)
		return;
	smap_del(&a->calls, c, smap_hash(&a->calls, c->uid,
	    strlen(c->uid)));
	free(c);
}

/* Forget a call: its caller's channel and its agent's. */
static void
ami_forget(struct ami *a, struct acall *c)
{
	char	 agent[CW_MAX_NAME + 1], caller[CW_MAX_NAME + 1];

	snprintf(agent, sizeof agent, "%s", c->agent_leg);
	snprintf(caller, sizeof caller, "%s", c->caller);
	ami_del(a, agent);
	ami_del(a, caller);
}

/* The call a channel belongs to: by its Uniqueid, else its Linkedid. */
static struct acall *
ami_call_of(const struct ami *a, const char *uid, const char *linked)
{
	struct acall	*c = ami_find(a, uid);

	if (c == NULL)
		c = ami_find(a, linked);
	return c != NULL ? ami_find(a, c->caller) : NULL;
}

/* A new event for call id at t. */
static cJSON *
ami_event(const char *type, const char *id, double t)
{
	cJSON	*o = cJSON_CreateObject();
	char	*s = xstrdup(id);

	/* Uniqueid is the PBX's bytes: the daemon takes only UTF-8. */
	bridge_clean_utf8(s);
	cJSON_AddStringToObject(o, "type", type);
	cJSON_AddStringToObject(o, "call_id", s);
	free(s);
	cJSON_AddNumberToObject(o, "ts", floor(t * 1e6) / 1e6);
	return o;
}

/* Add a string member unless empty or Asterisk's "<unknown>". */
static void
ami_add_str(cJSON *o, const char *name, const char *v)
{
	char	*s;

	if (v == NULL || *v == '\0' || strcmp(v, "<unknown>") == 0 ||
	    strlen(v) > CW_MAX_NAME)
		return;
	s = xstrdup(v);
	bridge_clean_utf8(s);
	cJSON_AddStringToObject(o, name, s);
	free(s);
}

/* The end of an answered call at t: hangup, wrap-up over. */
static void
ami_end(struct ami *a, struct acall *c, double t, double talk)
{
	cJSON	*o = ami_event("hangup", c->caller, t);

	if (talk >= 0 && talk <= t)
		cJSON_AddNumberToObject(o, "answered_at", t - talk);
	bridge_emit(&a->b, o);
	bridge_emit(&a->b, ami_event("wrapup_end", c->caller, t));
	ami_forget(a, c);
}

/*
 * Where an attended transfer sent the call: the target's number, else
 * its channel, else the application (DestType: App, say VoiceMail), so
 * the transfer is counted even when no person took it.
 */
static const char *
ami_target(const struct ablock *bl)
{
	static const char *const keys[] = { "TransferTargetCallerIDNum",
	    "TransferTargetChannel", "DestApp", "DestExten" };
	const char	*v;
	size_t		 i;

	for (i = 0; i < nitems(keys); i++)
		if ((v = ab_get(bl, keys[i])) != NULL && *v != '\0' &&
		    strcmp(v, "<unknown>") != 0)
			return v;
	return "";
}

/* One event block. */
static void
ami_block(struct ami *a, const struct ablock *bl)
{
	const char	*ev = ab_get(bl, "Event");
	const char	*uid = ab_get(bl, "Uniqueid");
	const char	*ts = ab_get(bl, "Timestamp"), *to;
	struct acall	*c;
	double		 t, hold;
	char		 dest[2 * CW_MAX_NAME + 2];
	cJSON		*o;

	if (ev == NULL)
		return;
	t = ts != NULL && atof(ts) > 0 ? atof(ts) : bridge_now();
	if (strcasecmp(ev, "QueueCallerJoin") == 0 && uid != NULL) {
		if ((c = ami_add(a, uid, uid, false)) == NULL)
			return;
		o = ami_event("queued", c->caller, t);
		ami_add_str(o, "queue", ab_get(bl, "Queue"));
		ami_add_str(o, "caller", ab_get(bl, "CallerIDNum"));
		bridge_emit(&a->b, o);
	} else if (strcasecmp(ev, "QueueCallerAbandon") == 0) {
		if ((c = ami_find(a, uid)) == NULL || c->alias)
			return;
		o = ami_event("abandoned", c->caller, t);
		if ((hold = ab_num(bl, "HoldTime")) >= 0 && hold <= t)
			cJSON_AddNumberToObject(o, "queued_at", t - hold);
		bridge_emit(&a->b, o);
		ami_forget(a, c);
	} else if (strcasecmp(ev, "AgentConnect") == 0 && uid != NULL) {
		if ((c = ami_add(a, uid, uid, false)) == NULL)
			return;
		c->answered = true;
		o = ami_event("answered", c->caller, t);
		ami_add_str(o, "queue", ab_get(bl, "Queue"));
		ami_add_str(o, "agent", ab_get(bl, "MemberName") != NULL ?
		    ab_get(bl, "MemberName") : ab_get(bl, "Interface"));
		ami_add_str(o, "caller", ab_get(bl, "CallerIDNum"));
		if ((hold = ab_num(bl, "HoldTime")) >= 0 && hold <= t)
			cJSON_AddNumberToObject(o, "queued_at", t - hold);
		cJSON_AddNumberToObject(o, "answered_at", floor(t * 1e6) / 1e6);
		bridge_emit(&a->b, o);
		to = ab_str(bl, "DestUniqueid");
		if (*to != '\0' && ami_add(a, to, c->caller, true) != NULL)
			snprintf(c->agent_leg, sizeof c->agent_leg, "%s", to);
	} else if (strcasecmp(ev, "AgentComplete") == 0) {
		if ((c = ami_find(a, uid)) == NULL || c->alias)
			return;
		/* Transferred away: the call goes on; its Hangup ends it. */
		if (strcasecmp(ab_str(bl, "Reason"), "transfer") == 0)
			return;
		ami_end(a, c, t, ab_num(bl, "TalkTime"));
	} else if (strcasecmp(ev, "Hold") == 0 ||
	    strcasecmp(ev, "Unhold") == 0) {
		if ((c = ami_call_of(a, uid, ab_get(bl, "Linkedid"))) == NULL ||
		    !c->answered)
			return;
		bridge_emit(&a->b, ami_event(strcasecmp(ev, "Hold") == 0 ?
		    "hold" : "resume", c->caller, t));
	} else if (strcasecmp(ev, "BlindTransfer") == 0 ||
	    strcasecmp(ev, "AttendedTransfer") == 0) {
		if (strcasecmp(ab_str(bl, "Result"), "Success") != 0 &&
		    ab_get(bl, "Result") != NULL)
			return;
		if ((c = ami_call_of(a, ab_get(bl, "TransfereeUniqueid"),
		    ab_get(bl, "TransfereeLinkedid"))) == NULL &&
		    (c = ami_call_of(a, ab_get(bl, "TransfererUniqueid"),
		    ab_get(bl, "TransfererLinkedid"))) == NULL &&
		    (c = ami_call_of(a, ab_get(bl, "OrigTransfererUniqueid"),
		    ab_get(bl, "OrigTransfererLinkedid"))) == NULL)
			return;
		o = ami_event("transferred", c->caller, t);
		if (strcasecmp(ev, "BlindTransfer") == 0)
			snprintf(dest, sizeof dest, "%s%s%s",
			    ab_str(bl, "Extension"),
			    *ab_str(bl, "Context") != '\0' ? "@" : "",
			    ab_str(bl, "Context"));
		else
			snprintf(dest, sizeof dest, "%s", ami_target(bl));
		ami_add_str(o, "to_agent", dest);
		bridge_emit(&a->b, o);
	} else if (strcasecmp(ev, "Hangup") == 0) {
		if ((c = ami_find(a, uid)) == NULL)
			return;
		if (c->alias) {		/* the agent left; the call goes on */
			if ((c = ami_find(a, c->caller)) != NULL)
				c->agent_leg[0] = '\0';
			ami_del(a, uid);
			return;
		}
		if (c->answered)
			ami_end(a, c, t, -1);
		else {
			bridge_emit(&a->b, ami_event("abandoned", c->caller,
			    t));
			ami_forget(a, c);
		}
	}
}

/* Split one block (NUL-terminated, LF lines) into fields. */
static void
ami_parse(char *s, struct ablock *bl)
{
	char	*line, *sep;

	bl->n = 0;
	while ((line = strsep(&s, "\n")) != NULL && bl->n < AMI_MAX_FIELDS) {
		if ((sep = strstr(line, ": ")) == NULL) {
			/* "Key:" with an empty value is a field too. */
			size_t	 n = strlen(line);

			if (n == 0 || line[n - 1] != ':')
				continue;
			line[n - 1] = '\0';
			sep = line + n - 1;
			bl->k[bl->n] = line;
			bl->v[bl->n++] = sep;
			continue;
		}
		*sep = '\0';
		bl->k[bl->n] = line;
		bl->v[bl->n++] = sep + 2;
	}
}

/* Log in. */
static int
ami_login(struct ami *a)
{
	char	*s;
	int	 rc;

	xasprintf(&s, "Action: Login\r\nActionID: callwatch-login\r\n"
	    "Username: %s\r\nSecret: %s\r\nEvents: on\r\n\r\n", a->user,
	    a->secret);
	rc = bridge_write(a->fd, s);
	explicit_bzero(s, strlen(s));
	free(s);
	return rc;
}

/*
 * What the buffer holds: the banner, then blocks.  -1 when the
 * connection must go (login refused).
 */
static int
ami_consume(struct ami *a)
{
	char		*end;
	struct ablock	 bl;
	size_t		 n;

	a->buf[a->len] = '\0';
	if (a->phase == 0) {
		if ((end = memchr(a->buf, '\n', a->len)) == NULL)
			return 0;
		n = (size_t)(end - a->buf) + 1;
		if (strncmp(a->buf, "Asterisk Call Manager", 21) != 0)
			bridge_log(&a->b, "unexpected banner; logging in "
			    "anyway");
		memmove(a->buf, a->buf + n, a->len - n);
		a->len -= n;
		a->buf[a->len] = '\0';
		if (ami_login(a) == -1)
			return -1;
		a->phase = 1;
	}
	while ((end = strstr(a->buf, "\n\n")) != NULL) {
		*end = '\0';
		n = (size_t)(end - a->buf) + 2;
		ami_parse(a->buf, &bl);
		if (a->phase == 1 && ab_get(&bl, "Response") != NULL) {
			if (strcasecmp(ab_str(&bl, "Response"), "Success") !=
			    0) {
				bridge_log(&a->b, "login as %s refused: %s",
				    a->user, ab_str(&bl, "Message"));
				return -1;
			}
			bridge_log(&a->b, "logged in to %s:%s as %s", a->host,
			    a->port, a->user);
			bridge_connected(&a->b);
			a->phase = 2;
		} else if (a->phase == 2)
			ami_block(a, &bl);
		memmove(a->buf, a->buf + n, a->len - n);
		a->len -= n;
		a->buf[a->len] = '\0';
	}
	if (a->len >= AMI_MAX_BLOCK) {
		/* No block ends in 64 KiB: garbage, dropped. */
		a->garbage++;
		bridge_log(&a->b, "dropped %zu bytes that are no AMI block",
		    a->len);
		a->len = 0;
	}
	return 0;
}

/* Add n bytes read, without the CRs. */
static void
ami_append(struct ami *a, const char *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\r' || p[i] == '\0')
			continue;
		a->buf[a->len++] = p[i];
		if (a->len >= AMI_MAX_BLOCK)
			(void)ami_consume(a);
	}
}

/* One connection, from connect to its end. */
static void
ami_session(void *arg)
{
	struct ami	*a = arg;
	struct pollfd	 pfd;
	char		 rd[8192];
	ssize_t		 n;
	double		 now;

	if ((a->fd = bridge_connect(&a->b, a->host, a->port)) == -1)
		return;
	a->phase = 0;
	a->len = 0;
	a->last_rx = a->pinged = bridge_now();
	while (!bridge_stop) {
		pfd = (struct pollfd){ a->fd, POLLIN, 0 };
		if (poll(&pfd, 1, 1000) == -1 && errno != EINTR)
			break;
		now = bridge_now();
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			if ((n = read(a->fd, rd, sizeof rd)) <= 0) {
				bridge_log(&a->b, "connection to %s:%s %s",
				    a->host, a->port, n == 0 ? "closed" :
				    strerror(errno));
				break;
			}
			a->last_rx = now;
			ami_append(a, rd, (size_t)n);
			if (ami_consume(a) == -1)
				break;
		} else if (a->phase == 2 && now - a->last_rx > AMI_DEAD_S) {
			bridge_log(&a->b, "no word from %s:%s for %d s",
			    a->host, a->port, AMI_DEAD_S);
			break;
		} else if (a->phase == 2 && now - a->last_rx > AMI_PING_S &&
		    now - a->pinged > AMI_PING_S) {
			(void)bridge_write(a->fd, "Action: Ping\r\nActionID: "
			    "callwatch-ping\r\n\r\n");
			a->pinged = now;
		}
	}
	close(a->fd);
	a->fd = -1;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: callwatch-ami [-c FILE] [--feed EP | --jsonl] "
	    "[--host H] [--port P] [--username U]\n"
	    "           [--secret-file FILE] [--key FILE --server-key FILE] "
	    "[--once]\n"
	    "The secret comes from CALLWATCH_AMI_SECRET or --secret-file.\n");
}

int
main(int argc, char **argv)
{
	static struct ami a;
	struct bridge_opts o = { .host = "127.0.0.1", .port = "5038",
	    .user = "callwatch", .format = FORMAT_CALLWATCH };
	struct acall	*c;
	size_t		 it = 0;
	int		 rc;

	client_prog = "callwatch-ami";
	if ((rc = bridge_options(argc, argv, "secret-file", &o, usage)) != 0)
		return rc == -1 ? 0 : rc;
	a.host = o.host;
	a.port = o.port;
	a.user = o.user;
	a.once = o.once;
	if ((a.secret = bridge_secret("callwatch-ami",
	    "CALLWATCH_AMI_SECRET", "secret-file", o.secret_file)) == NULL)
		return 2;
	if (bridge_open(&a.b, "callwatch-ami", &o) == -1)
		return 1;
	smap_init(&a.calls, acall_key, (uint64_t)dur_wallclock());
	bridge_run(&a.b, a.once, ami_session, &a);
	while ((c = smap_next(&a.calls, &it)) != NULL)
		free(c);
	smap_free(&a.calls);
	explicit_bzero(a.secret, strlen(a.secret));
	free(a.secret);
	bridge_close(&a.b);
	return 0;
}
