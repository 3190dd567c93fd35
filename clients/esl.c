/*
 * callwatch-esl: FreeSWITCH's queue calls, from its event socket, as
 * freeswitch-format messages on a callwatch feed.  For FreeSWITCH 1.11
 * and later, which have no mod_event_zmq.
 *
 *	callwatch-esl [-c FILE] [--feed EP | --jsonl] [--host H] [--port P]
 *	    [--password-file F] [--once]
 *
 * It connects to mod_event_socket (inbound, port 8021), answers the
 * auth/request with the password (CALLWATCH_ESL_PASSWORD or
 * --password-file, never the command line), subscribes in JSON to
 * HEARTBEAT, CHANNEL_HOLD, CHANNEL_UNHOLD and CUSTOM callcenter::info,
 * and forwards each event's body as it came to a feed whose format is
 * freeswitch (the daemon maps it, SPEC 4.3).  An event that arrives as
 * text/event-plain (URL-encoded "Key: value" lines) is turned into the
 * same flat JSON first.  ESL framing: headers, an empty line, then
 * Content-Length bytes of body.  A lost connection, a refused password
 * or a disconnect notice is retried with back-off; no word for 60 s
 * (FreeSWITCH sends a HEARTBEAT every 20 s) means a dead connection.
 * Garbage is dropped; a body over 1 MiB ends the connection.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

#include "bridge.h"
#include "client.h"
#include "cw.h"

#define ESL_MAX_HEAD	65536		/* a header block longer: garbage */
#define ESL_MAX_BODY	(1024L * 1024)	/* a body longer: a broken peer */
#define ESL_DEAD_S	60
#define ESL_EVENTS	"event json HEARTBEAT CHANNEL_HOLD CHANNEL_UNHOLD " \
			"CUSTOM callcenter::info\n\n"

struct esl {
	struct bridge	 b;
	const char	*host;
	const char	*port;
	char		*password;
	bool		 once;
	int		 fd;
	int		 phase;		/* 0 auth, 1 subscribing, 2 events */
	char		*buf;
	size_t		 len;
	double		 last_rx;
};

/* A header's value in a block of "Key: value" lines, copied. */
static bool
esl_header(const char *head, const char *key, char *out, size_t len)
{
	size_t		 kl = strlen(key);
	const char	*p = head, *e;

	while (p != NULL && *p != '\0') {
		if (strncasecmp(p, key, kl) == 0 && p[kl] == ':') {
			p += kl + 1;
			while (*p == ' ')
				p++;
			e = strchr(p, '\n');
			snprintf(out, len, "%.*s", e != NULL ? (int)(e - p) :
			    (int)strlen(p), p);
			return true;
		}
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return false;
}

/* Undo URL encoding in place. */
static void
esl_urldecode(char *s)
{
	char		*w = s;
	unsigned	 c;

	for (; *s != '\0'; s++, w++) {
		if (*s == '%' && sscanf(s + 1, "%2x", &c) == 1) {
			*w = (char)c;
			s += 2;
		} else
			*w = *s;
	}
	*w = '\0';
}

/* A text/event-plain body as flat JSON (the first of a key counts). */
static cJSON *
esl_plain(char *body)
{
	cJSON	*o = cJSON_CreateObject();
	char	*line, *sep;

	while ((line = strsep(&body, "\n")) != NULL && *line != '\0') {
		if ((sep = strstr(line, ": ")) == NULL)
			continue;
		*sep = '\0';
		esl_urldecode(sep + 2);
		bridge_clean_utf8(sep + 2);
		bridge_clean_utf8(line);
		if (cJSON_GetObjectItemCaseSensitive(o, line) == NULL)
			cJSON_AddStringToObject(o, line, sep + 2);
	}
	return o;
}

/* Forward one event body of type ctype. */
static void
esl_event(struct esl *e, const char *ctype, char *body, size_t len)
{
	if (strcmp(ctype, "text/event-json") == 0) {
		/* As it came: the daemon checks it. */
		if (e->b.jsonl) {
			fwrite(body, 1, len, stdout);
			putchar('\n');
			fflush(stdout);
			e->b.sent++;
		} else
			bridge_emit_raw(&e->b, body, len);
	} else if (strcmp(ctype, "text/event-plain") == 0)
		bridge_emit(&e->b, esl_plain(body));
}

/*
 * One whole message (headers, body): the handshake, or an event.  -1
 * when the connection must go.
 */
static int
esl_message(struct esl *e, const char *head, char *body, size_t blen)
{
	char	 ctype[128], reply[256], *s;
	int	 rc;

	if (!esl_header(head, "Content-Type", ctype, sizeof ctype))
		return 0;		/* garbage */
	if (strcmp(ctype, "auth/request") == 0) {
		xasprintf(&s, "auth %s\n\n", e->password);
		rc = bridge_write(e->fd, s);
		explicit_bzero(s, strlen(s));
		free(s);
		e->phase = 0;
		return rc;
	}
	if (strcmp(ctype, "command/reply") == 0) {
		if (!esl_header(head, "Reply-Text", reply, sizeof reply))
			reply[0] = '\0';
		if (strncmp(reply, "+OK", 3) != 0) {
			bridge_log(&e->b, "%s refused: %s", e->phase == 0 ?
			    "the password was" : "the subscription was",
			    reply[0] != '\0' ? reply : "no reason given");
			return -1;
		}
		if (e->phase == 0) {
			e->phase = 1;
			return bridge_write(e->fd, ESL_EVENTS);
		}
		if (e->phase == 1) {
			bridge_log(&e->b, "subscribed at %s:%s", e->host,
			    e->port);
			bridge_connected(&e->b);
			e->phase = 2;
		}
		return 0;
	}
	if (strcmp(ctype, "text/disconnect-notice") == 0) {
		bridge_log(&e->b, "%s:%s says it disconnects", e->host,
		    e->port);
		return -1;
	}
	if (e->phase == 2)
		esl_event(e, ctype, body, blen);
	return 0;
}

/* Handle what the buffer holds; -1 when the connection must go. */
static int
esl_consume(struct esl *e)
{
	char	*end, len[32], save;
	size_t	 hlen, blen;
	long	 cl;

	for (;;) {
		/* Blank lines between messages are allowed. */
		while (e->len > 0 && e->buf[0] == '\n')
			memmove(e->buf, e->buf + 1, --e->len);
		e->buf[e->len] = '\0';
		if ((end = strstr(e->buf, "\n\n")) == NULL) {
			if (e->len >= ESL_MAX_HEAD) {
				bridge_log(&e->b, "dropped %zu bytes that are "
				    "no ESL headers", e->len);
				e->len = 0;
			}
			return 0;
		}
		hlen = (size_t)(end - e->buf) + 2;
		*end = '\0';
		cl = 0;
		if (esl_header(e->buf, "Content-Length", len, sizeof len)) {
			char	*x;

			cl = strtol(len, &x, 10);
			if (*x != '\0' || cl < 0 || cl > ESL_MAX_BODY) {
				bridge_log(&e->b, "bad Content-Length \"%s\"; "
				    "dropping the connection", len);
				return -1;
			}
		}
		blen = (size_t)cl;
		if (e->len < hlen + blen) {
			*end = '\n';		/* not all here yet */
			return 0;
		}
		save = e->buf[hlen + blen];
		e->buf[hlen + blen] = '\0';
		if (esl_message(e, e->buf, e->buf + hlen, blen) == -1)
			return -1;
		e->buf[hlen + blen] = save;
		memmove(e->buf, e->buf + hlen + blen, e->len - hlen - blen);
		e->len -= hlen + blen;
	}
}

/* One connection, from connect to its end. */
static void
esl_session(void *arg)
{
	struct esl	*e = arg;
	struct pollfd	 pfd;
	ssize_t		 n;
	size_t		 room = ESL_MAX_HEAD + ESL_MAX_BODY + 1;
	double		 now;

	if ((e->fd = bridge_connect(&e->b, e->host, e->port)) == -1)
		return;
	e->phase = 0;
	e->len = 0;
	e->last_rx = bridge_now();
	while (!bridge_stop) {
		pfd = (struct pollfd){ e->fd, POLLIN, 0 };
		if (poll(&pfd, 1, 1000) == -1 && errno != EINTR)
			break;
		now = bridge_now();
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(e->fd, e->buf + e->len, room - e->len - 1);
			if (n <= 0) {
				bridge_log(&e->b, "connection to %s:%s %s",
				    e->host, e->port, n == 0 ? "closed" :
				    strerror(errno));
				break;
			}
			e->len += (size_t)n;
			e->last_rx = now;
			if (esl_consume(e) == -1)
				break;
		} else if (now - e->last_rx > ESL_DEAD_S) {
			bridge_log(&e->b, "no word from %s:%s for %d s",
			    e->host, e->port, ESL_DEAD_S);
			break;
		}
	}
	close(e->fd);
	e->fd = -1;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: callwatch-esl [-c FILE] [--feed EP | --jsonl] "
	    "[--host H] [--port P]\n"
	    "           [--password-file FILE] [--key FILE --server-key FILE] "
	    "[--once]\n"
	    "The password comes from CALLWATCH_ESL_PASSWORD or "
	    "--password-file.\n");
}

int
main(int argc, char **argv)
{
	static struct esl e;
	struct bridge_opts o = { .host = "127.0.0.1", .port = "8021",
	    .format = FORMAT_FREESWITCH };
	int		 rc;

	client_prog = "callwatch-esl";

	if ((rc = bridge_options(argc, argv, "password-file", &o,
	    usage)) != 0)
		return rc == -1 ? 0 : rc;
	e.host = o.host;
	e.port = o.port;
	e.once = o.once;
	if ((e.password = bridge_secret("callwatch-esl",
	    "CALLWATCH_ESL_PASSWORD", "password-file", o.secret_file)) == NULL)
		return 2;
	if (bridge_open(&e.b, "callwatch-esl", &o) == -1)
		return 1;
	e.buf = xmalloc(ESL_MAX_HEAD + ESL_MAX_BODY + 1);
	bridge_run(&e.b, e.once, esl_session, &e);
	explicit_bzero(e.password, strlen(e.password));
	free(e.password);
	free(e.buf);
	bridge_close(&e.b);
	return 0;
}
