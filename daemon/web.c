/*
 * The wallboard's side of the HTTP listener: the page itself (files
 * built into the daemon), /events (Server-Sent Events carrying what the
 * PUB socket carries, each with id: its seq), and the /api paths (the control
 * commands with JSON bodies).
 *
 * /events: a browser that reconnects with Last-Event-ID gets what it
 * missed from a ring of the last WEB_RING messages; when the ring no
 * longer reaches back (or on a first connect) it gets a `snapshot` event
 * first, then the stream.  ?queue=Q keeps one queue.  A client that owes
 * more than WEB_BACKLOG bytes (slow, or gone without a word) is dropped
 * and counted: it never grows memory or holds the loop.
 *
 * Access (SPEC 7): without security.tokens the listener is on loopback
 * (config.c sees to it) and everyone may do everything.  With tokens,
 * every request but the page's files and /healthz needs one, as
 * "Authorization: Bearer TOKEN" or ?token=TOKEN (EventSource cannot set
 * headers); its role and queues apply as they do to a CURVE key.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <cJSON.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "cw.h"
#include "webfiles.h"

#define WEB_RING	8192		/* messages kept for reconnects */
#define WEB_RING_BYTES	((size_t)16 << 20)	/* ... and their bytes */
#define WEB_BACKLOG	((size_t)1 << 20)	/* bytes a client may owe */
#define WEB_PING_SEC	15		/* a comment to idle clients */
#define WEB_RETRY_MS	1000		/* the browser's reconnect delay */
#define WEB_MAX_CLIENTS	1000
#define WEB_MAX_PER_TOKEN	50	/* so one token cannot take them all */
#define WEB_STREAM_TIMEOUT	86400	/* seconds */

/* One published message, as an SSE frame. */
struct web_msg {
	uint64_t	 seq;
	char		 queue[CW_MAX_NAME + 1];	/* "" when none */
	char		*frame;
	size_t		 len;
};

/* One /events client. */
struct web_client {
	TAILQ_ENTRY(web_client) entry;
	struct web	*w;
	struct evhttp_request *req;
	struct evhttp_connection *con;
	char		*queue;		/* ?queue=, or NULL */
	char		*token;		/* its token's name, or NULL */
	char		*secret;	/* ... and text, to see it change */
};

struct web {
	struct daemon	*d;
	struct web_msg	*ring;		/* WEB_RING slots */
	size_t		 head;		/* the oldest */
	size_t		 n;
	size_t		 bytes;
	TAILQ_HEAD(web_client_list, web_client) clients;
	size_t		 nclients;
	uint64_t	 dropped;	/* slow clients dropped */
	uint64_t	 refused;	/* requests without a good token */
	struct event	*ping;
};

/* Whether two strings are equal, in time that does not tell where not. */
static bool
web_same(const char *a, const char *b)
{
	size_t		 la = strlen(a), lb = strlen(b), i;
	unsigned char	 diff = la != lb;

	for (i = 0; i < la && i < lb; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

/* The token entry a client's token name stands for now, or NULL. */
static const struct clientconf *
web_token_named(const struct config *cfg, const char *name)
{
	size_t	 i;

	for (i = 0; name != NULL && i < cfg->ntokens; i++)
		if (strcmp(cfg->tokens[i].name, name) == 0)
			return &cfg->tokens[i];
	return NULL;
}

/* Whether client c takes a message of queue q. */
static bool
web_wants(const struct web *w, const struct web_client *c, const char *q)
{
	const struct clientconf *t;

	if (c->queue != NULL && strcmp(c->queue, q) != 0)
		return false;
	if (c->token == NULL)
		return true;
	/* A token gone sees nothing (its stream ends at the reload). */
	return (t = web_token_named(w->d->cfg, c->token)) != NULL &&
	    auth_sees(t, *q != '\0' ? q : "*");
}

/* Close client c's connection and forget it (slow, gone, or revoked). */
static void
web_drop(struct web *w, struct web_client *c)
{
	TAILQ_REMOVE(&w->clients, c, entry);
	w->nclients--;
	evhttp_connection_set_closecb(c->con, NULL, NULL);
	evhttp_connection_free(c->con);
	free(c->queue);
	free(c->token);
	free(c->secret);
	free(c);
}

/* Send frame to c, or drop c if it owes too much already (false). */
static bool
web_send(struct web *w, struct web_client *c, const char *frame, size_t len)
{
	struct bufferevent *bev = evhttp_connection_get_bufferevent(c->con);
	struct evbuffer	*b;

	if (bev != NULL && evbuffer_get_length(bufferevent_get_output(bev)) +
	    len > WEB_BACKLOG) {
		w->dropped++;
		log_warnx("wallboard client dropped: too slow queued=%zu "
		    "dropped=%llu", evbuffer_get_length(
		    bufferevent_get_output(bev)),
		    (unsigned long long)w->dropped);
		web_drop(w, c);
		return false;
	}
	b = evbuffer_new();
	evbuffer_add(b, frame, len);
	evhttp_send_reply_chunk(c->req, b);
	evbuffer_free(b);
	return true;
}

/* The PUB socket published seq under topic: keep it and pass it on. */
static void
web_tap(void *arg, const char *topic, const char *data, size_t len)
{
	struct web	*w = arg;
	struct web_msg	*m;
	struct web_client *c, *next;

	while (w->n > 0 && (w->n == WEB_RING || w->bytes > WEB_RING_BYTES)) {
		m = &w->ring[w->head];
		w->bytes -= m->len;
		free(m->frame);
		w->head = (w->head + 1) % WEB_RING;
		w->n--;
	}
	m = &w->ring[(w->head + w->n++) % WEB_RING];
	m->seq = pub_seq(w->d->pub);
	auth_topic_queue(topic, m->queue, sizeof m->queue);
	xasprintf(&m->frame, "id: %llu\ndata: %.*s\n\n",
	    (unsigned long long)m->seq, (int)len, data);
	m->len = strlen(m->frame);
	w->bytes += m->len;
	for (c = TAILQ_FIRST(&w->clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (web_wants(w, c, m->queue))
			(void)web_send(w, c, m->frame, m->len);
	}
}

/*
 * A client went away.  When its connection failed (a write to a peer
 * that left), libevent has taken the unfinished reply off it and left the
 * request to us.
 */
static void
web_closed(struct evhttp_connection *con, void *arg)
{
	struct web_client *c = arg;
	struct web	*w = c->w;

	(void)con;
	if (evhttp_request_get_connection(c->req) == NULL)
		evhttp_request_free(c->req);
	TAILQ_REMOVE(&w->clients, c, entry);
	w->nclients--;
	free(c->queue);
	free(c->token);
	free(c->secret);
	free(c);
}

/* Every WEB_PING_SEC: a comment, so proxies keep idle streams open and
 * dead peers show. */
static void
web_ping(evutil_socket_t fd, short what, void *arg)
{
	struct web	*w = arg;
	struct web_client *c, *next;

	(void)fd;
	(void)what;
	for (c = TAILQ_FIRST(&w->clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		(void)web_send(w, c, ": ping\n\n", 8);
	}
}

/* A reload: streams whose token is gone or changed end at once. */
void
web_reconfigured(struct web *w)
{
	const struct clientconf *t;
	struct web_client *c, *next;

	if (w == NULL)
		return;
	for (c = TAILQ_FIRST(&w->clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->token == NULL && w->d->cfg->ntokens == 0)
			continue;
		t = web_token_named(w->d->cfg, c->token);
		if (t == NULL || t->key == NULL || c->secret == NULL ||
		    !web_same(t->key, c->secret))
			web_drop(w, c);
	}
}

/* A query parameter of req, malloc'd, or NULL. */
static char *
web_param(struct evhttp_request *req, const char *name)
{
	struct evkeyvalq q;
	const char	*uri = evhttp_request_get_uri(req), *v;
	struct evhttp_uri *u = evhttp_uri_parse(uri);
	char		*out = NULL;

	if (u == NULL)
		return NULL;
	if (evhttp_uri_get_query(u) != NULL &&
	    evhttp_parse_query_str(evhttp_uri_get_query(u), &q) == 0) {
		if ((v = evhttp_find_header(&q, name)) != NULL)
			out = xstrdup(v);
		evhttp_clear_headers(&q);
	}
	evhttp_uri_free(u);
	return out;
}

/* Reply with a JSON body and code. */
void
web_json(struct evhttp_request *req, int code, const char *reason,
    const char *body)
{
	struct evbuffer	*b = evbuffer_new();

	evbuffer_add(b, body, strlen(body));
	http_reply(req, code, reason, "application/json", b);
	evbuffer_free(b);
}

/*
 * Whether req's method is GET or HEAD; if not, a 405 with JSON has gone
 * out (the listener lets every method through to its handlers, so that
 * none gets libevent's HTML 501).
 */
bool
web_get_only(struct evhttp_request *req)
{
	enum evhttp_cmd_type m = evhttp_request_get_command(req);

	if (m == EVHTTP_REQ_GET || m == EVHTTP_REQ_HEAD)
		return true;
	evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
	    "GET, HEAD");
	web_json(req, 405, "Method Not Allowed", "{\"ok\":false,\"error\":"
	    "\"method not allowed: GET\"}");
	return false;
}

/*
 * Who asks: 0 with *who (NULL when there are no tokens: everyone may do
 * everything), or -1 after a 401 reply.
 */
int
web_auth(struct web *w, struct evhttp_request *req,
    const struct clientconf **who)
{
	const struct config *cfg = w->d->cfg;
	const char	*h = evhttp_find_header(
			    evhttp_request_get_input_headers(req),
			    "Authorization");
	char		*q = NULL;
	const char	*tok = NULL;
	size_t		 i;

	*who = NULL;
	if (cfg->ntokens == 0)
		return 0;
	if (h != NULL && strncasecmp(h, "Bearer ", 7) == 0)
		tok = h + 7;
	else if ((q = web_param(req, "token")) != NULL)
		tok = q;
	for (i = 0; tok != NULL && i < cfg->ntokens; i++)
		if (cfg->tokens[i].key != NULL &&
		    web_same(cfg->tokens[i].key, tok))
			*who = &cfg->tokens[i];
	free(q);
	if (*who != NULL)
		return 0;
	w->refused++;
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "WWW-Authenticate", "Bearer realm=\"callwatch\"");
	web_json(req, 401, "Unauthorized", "{\"ok\":false,\"error\":"
	    "\"unauthorized: give a token\"}");
	return -1;
}

/*
 * web_auth(), and with CURVE on the sockets but no tokens, no wallboard
 * nor API: anyone on this machine would be an admin the sockets refuse.
 */
static int
web_gate(struct web *w, struct evhttp_request *req,
    const struct clientconf **who)
{
	if (web_auth(w, req, who) == -1)
		return -1;
	if (w->d->cfg->curve && w->d->cfg->ntokens == 0) {
		web_json(req, 403, "Forbidden", "{\"ok\":false,\"error\":"
		    "\"this daemon uses CURVE: the wallboard and the API need "
		    "security.tokens\"}");
		return -1;
	}
	return 0;
}

/* A control request answered as who; the reply (malloc'd). */
static char *
web_control(struct web *w, const struct clientconf *who, const char *req,
    size_t len)
{
	struct daemon	*d = w->d;
	size_t		 outlen;
	char		*out;

	d->who = who;
	d->checked = w->d->cfg->ntokens > 0;
	out = control_handle(d, req, len, &outlen);
	d->who = NULL;
	d->checked = false;
	return out;
}

/* The snapshot as who sees it (of queue q, if not NULL); malloc'd. */
static char *
web_snapshot(struct web *w, const struct clientconf *who, const char *q)
{
	cJSON	*r = cJSON_CreateObject();
	char	*s, *out;

	cJSON_AddStringToObject(r, "cmd", "snapshot");
	if (q != NULL)
		cJSON_AddStringToObject(r, "queue", q);
	s = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
	out = web_control(w, who, s, strlen(s));
	cJSON_free(s);
	return out;
}

/* How many streams token name holds. */
static size_t
web_streams_of(const struct web *w, const char *name)
{
	const struct web_client *c;
	size_t		 n = 0;

	TAILQ_FOREACH(c, &w->clients, entry)
		n += c->token != NULL && strcmp(c->token, name) == 0;
	return n;
}

/* GET /events: the stream (see the top of the file). */
static void
web_events(struct evhttp_request *req, void *arg)
{
	struct web	*w = arg;
	const struct clientconf *who;
	struct web_client *c;
	struct evkeyvalq *oh = evhttp_request_get_output_headers(req);
	const char	*lid = evhttp_find_header(
			    evhttp_request_get_input_headers(req),
			    "Last-Event-ID");
	char		*queue, *snap, *end, *fromq = NULL;
	uint64_t	 last = 0;
	bool		 resume = false;
	size_t		 i, owed;
	struct evbuffer	*b;

	if (!web_get_only(req) || web_gate(w, req, &who) == -1)
		return;
	/* HEAD: the headers a stream would have, and no stream (libevent
	 * writes nothing more, so one would never end). */
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		evhttp_add_header(oh, "Content-Type", "text/event-stream");
		evhttp_add_header(oh, "Cache-Control", "no-store");
		evhttp_send_reply(req, 200, "OK", NULL);
		return;
	}
	if (w->nclients >= WEB_MAX_CLIENTS) {
		web_json(req, 503, "Service Unavailable", "{\"ok\":false,"
		    "\"error\":\"too many wallboard clients\"}");
		return;
	}
	if (who != NULL && web_streams_of(w, who->name) >= WEB_MAX_PER_TOKEN) {
		web_json(req, 503, "Service Unavailable", "{\"ok\":false,"
		    "\"error\":\"too many streams for this token\"}");
		return;
	}
	if (lid == NULL)
		lid = fromq = web_param(req, "last_event_id");
	if (lid != NULL && *lid != '\0') {
		last = strtoull(lid, &end, 10);
		resume = *end == '\0' && last <= pub_seq(w->d->pub) &&
		    ((w->n > 0 && w->ring[w->head].seq <= last + 1) ||
		    last == pub_seq(w->d->pub));
	}
	free(fromq);
	queue = web_param(req, "queue");
	c = xcalloc(1, sizeof *c);
	c->w = w;
	c->req = req;
	c->con = evhttp_request_get_connection(req);
	c->queue = queue;
	c->token = who != NULL ? xstrdup(who->name) : NULL;
	c->secret = who != NULL ? xstrdup(who->key) : NULL;
	/* Resuming that would owe half the backlog at once (a client
	 * dropped as slow, back with its old id): a snapshot instead. */
	for (i = 0, owed = 0; resume && i < w->n; i++) {
		struct web_msg *m = &w->ring[(w->head + i) % WEB_RING];

		if (m->seq > last && web_wants(w, c, m->queue))
			owed += m->len;
	}
	if (owed > WEB_BACKLOG / 2)
		resume = false;
	evhttp_add_header(oh, "Content-Type", "text/event-stream");
	evhttp_add_header(oh, "Cache-Control", "no-store");
	evhttp_add_header(oh, "X-Accel-Buffering", "no");
	evhttp_send_reply_start(req, 200, "OK");
	b = evbuffer_new();
	evbuffer_add_printf(b, "retry: %d\n\n", WEB_RETRY_MS);
	if (!resume) {
		snap = web_snapshot(w, who, queue);
		evbuffer_add_printf(b, "event: snapshot\nid: %llu\ndata: %s\n\n",
		    (unsigned long long)pub_seq(w->d->pub), snap);
		free(snap);
	}
	evhttp_send_reply_chunk(req, b);
	evbuffer_free(b);
	TAILQ_INSERT_TAIL(&w->clients, c, entry);
	w->nclients++;
	evhttp_connection_set_closecb(c->con, web_closed, c);
	/* A stream only writes: no short read timeout (pings and the
	 * backlog catch dead peers), and nothing the client sends now is
	 * read (libevent would keep it all). */
	evhttp_connection_set_timeout(c->con, WEB_STREAM_TIMEOUT);
	bufferevent_disable(evhttp_connection_get_bufferevent(c->con), EV_READ);
	for (i = 0; resume && i < w->n; i++) {
		struct web_msg *m = &w->ring[(w->head + i) % WEB_RING];

		if (m->seq > last && web_wants(w, c, m->queue) &&
		    !web_send(w, c, m->frame, m->len))
			break;
	}
}

/*
 * The body of a POST as a JSON object with "cmd" set; NULL if none.
 * Without tokens nobody is known: an ack or silence that names no "by"
 * is the wallboard's.
 */
static char *
web_body_cmd(const struct web *w, struct evhttp_request *req,
    const char *cmd)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(req);
	size_t		 len = evbuffer_get_length(in);
	cJSON		*o;
	char		*s;

	o = decode_whole((const char *)evbuffer_pullup(in, -1), len);
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return NULL;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(o, "cmd");
	cJSON_AddStringToObject(o, "cmd", cmd);
	if (w->d->cfg->ntokens == 0 &&
	    cJSON_GetObjectItemCaseSensitive(o, "by") == NULL)
		cJSON_AddStringToObject(o, "by", "wallboard");
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

/* Reply with a control reply: 200 if ok, 403 if forbidden, else 400. */
static void
web_reply_control(struct evhttp_request *req, char *out)
{
	cJSON	*r = cJSON_Parse(out);
	const char *err = cJSON_GetStringValue(cJSON_GetObjectItem(r,
	    "error"));

	if (cJSON_IsTrue(cJSON_GetObjectItem(r, "ok")))
		web_json(req, 200, "OK", out);
	else if (err != NULL && strcmp(err, "forbidden") == 0)
		web_json(req, 403, "Forbidden", out);
	else
		web_json(req, 400, "Bad Request", out);
	cJSON_Delete(r);
	free(out);
}

/* An /api path there is not. */
void
web_no_api(struct evhttp_request *req)
{
	web_json(req, 404, "Not Found", "{\"ok\":false,\"error\":\"no such "
	    "API: /api/snapshot, /api/whoami, /api/ack, /api/silence, "
	    "/api/unsilence\"}");
}

/* /api/ack, /api/silence, /api/unsilence (POST), /api/snapshot (GET). */
static void
web_api(struct evhttp_request *req, void *arg)
{
	static const char *const posts[] = { "ack", "silence", "unsilence" };
	struct web	*w = arg;
	const struct clientconf *who;
	const char	*path = evhttp_uri_get_path(
			    evhttp_request_get_evhttp_uri(req));
	const char	*name = path != NULL && strncmp(path, "/api/", 5) == 0 ?
			    path + 5 : "";
	char		*body, *q;
	size_t		 i;

	if (web_gate(w, req, &who) == -1)
		return;
	if (strcmp(name, "snapshot") == 0) {
		if (!web_get_only(req))
			return;
		q = web_param(req, "queue");
		web_reply_control(req, web_snapshot(w, who, q));
		free(q);
		return;
	}
	if (strcmp(name, "whoami") == 0) {
		cJSON	*o, *qs;
		char	*s;

		if (!web_get_only(req))
			return;
		o = cJSON_CreateObject();
		cJSON_AddTrueToObject(o, "ok");
		if (who != NULL)
			cJSON_AddStringToObject(o, "name", who->name);
		else
			cJSON_AddNullToObject(o, "name");
		cJSON_AddStringToObject(o, "role", role_name(who != NULL ?
		    who->role : ROLE_ADMIN));
		qs = cJSON_AddArrayToObject(o, "queues");
		for (i = 0; who != NULL && i < who->nqueues; i++)
			cJSON_AddItemToArray(qs,
			    cJSON_CreateString(who->queues[i]));
		s = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		web_json(req, 200, "OK", s);
		cJSON_free(s);
		return;
	}
	for (i = 0; i < nitems(posts); i++)
		if (strcmp(name, posts[i]) == 0)
			break;
	if (i == nitems(posts)) {
		web_no_api(req);
		return;
	}
	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "POST");
		web_json(req, 405, "Method Not Allowed", "{\"ok\":false,"
		    "\"error\":\"POST a JSON object\"}");
		return;
	}
	if ((body = web_body_cmd(w, req, posts[i])) == NULL) {
		web_json(req, 400, "Bad Request", "{\"ok\":false,\"error\":"
		    "\"the body must be a JSON object\"}");
		return;
	}
	web_reply_control(req, web_control(w, who, body, strlen(body)));
	cJSON_free(body);
}

/* The page's files: /, /app.js, /style.css. */
static void
web_file(struct evhttp_request *req, void *arg)
{
	const char	*path = evhttp_uri_get_path(
			    evhttp_request_get_evhttp_uri(req));
	const struct webfile *f = NULL;
	struct evbuffer	*b;
	size_t		 i;

	(void)arg;
	if (!web_get_only(req))
		return;
	for (i = 0; path != NULL && i < nwebfiles; i++)
		if (strcmp(webfiles[i].path, path) == 0)
			f = &webfiles[i];
	if (f == NULL) {
		web_json(req, 404, "Not Found", "{\"ok\":false,\"error\":"
		    "\"not found\"}");
		return;
	}
	b = evbuffer_new();
	evbuffer_add_reference(b, f->data, f->len, NULL, NULL);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", f->type);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Cache-Control", "no-cache");
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Security-Policy", "default-src 'self'; "
	    "style-src 'self'; script-src 'self'; img-src 'self' data:");
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

/* Wire the wallboard's paths into h and tap the publisher. */
struct web *
web_new(struct daemon *d, struct evhttp *h)
{
	struct web	*w = xcalloc(1, sizeof *w);
	struct timeval	 tv = { WEB_PING_SEC, 0 };
	size_t		 i;

	w->d = d;
	w->ring = xcalloc(WEB_RING, sizeof *w->ring);
	TAILQ_INIT(&w->clients);
	for (i = 0; i < nwebfiles; i++)
		evhttp_set_cb(h, webfiles[i].path, web_file, w);
	evhttp_set_cb(h, "/events", web_events, w);
	evhttp_set_cb(h, "/api/snapshot", web_api, w);
	evhttp_set_cb(h, "/api/whoami", web_api, w);
	evhttp_set_cb(h, "/api/ack", web_api, w);
	evhttp_set_cb(h, "/api/silence", web_api, w);
	evhttp_set_cb(h, "/api/unsilence", web_api, w);
	if (d->pub != NULL)
		pub_set_tap(d->pub, PUB_TAP_WEB, web_tap, w);
	w->ping = event_new(d->base, -1, EV_PERSIST, web_ping, w);
	if (w->ping == NULL || event_add(w->ping, &tv) == -1)
		fatalx("wallboard ping timer");
	return w;
}

/* Close every stream and forget the ring; NULL-safe. */
void
web_free(struct web *w)
{
	struct web_client *c, *next;
	size_t	 i;

	if (w == NULL)
		return;
	for (c = TAILQ_FIRST(&w->clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		web_drop(w, c);
	}
	if (w->d->pub != NULL)
		pub_set_tap(w->d->pub, PUB_TAP_WEB, NULL, NULL);
	for (i = 0; i < w->n; i++)
		free(w->ring[(w->head + i) % WEB_RING].frame);
	free(w->ring);
	event_free(w->ping);
	free(w);
}

/* Counters for /metrics: clients now, dropped, refused. */
void
web_counts(const struct web *w, size_t *clients, uint64_t *dropped,
    uint64_t *refused)
{
	*clients = w != NULL ? w->nclients : 0;
	*dropped = w != NULL ? w->dropped : 0;
	*refused = w != NULL ? w->refused : 0;
}
