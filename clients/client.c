/*
 * The supervisor clients' shared library: the daemon's endpoints come
 * from --control/--publish, else from its config (-c FILE, else
 * /etc/callwatch/callwatch.yaml, else conf/callwatch.yaml), read with
 * the daemon's own loader; requests go to the control socket over a
 * DEALER with a timeout, so a daemon that does not answer is one clear
 * error, never a hang.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zmq.h>

#include "client.h"
#include "cw.h"

/* One error line on stderr: "callwatch: ...". */
void
client_err(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "%s: ", client_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Whole numbers in o (a copy) as digits; see client_json(). */
static void
client_digits(cJSON *o)
{
	char	 buf[32];
	cJSON	*it;

	if (cJSON_IsNumber(o) && o->valuedouble == floor(o->valuedouble) &&
	    fabs(o->valuedouble) < 9007199254740992.0) {
		snprintf(buf, sizeof buf, "%.0f", o->valuedouble);
		o->type = cJSON_Raw;
		o->valuestring = xstrdup(buf);
	}
	for (it = o->child; it != NULL; it = it->next)
		client_digits(it);
}

/*
 * o as JSON text (pretty or not; the caller frees it with cJSON_free),
 * whole numbers as digits: cJSON writes a 16-digit seq that ends in 0
 * as 1.79619687697174e+15, which integer parsers refuse.
 */
char *
client_json(const cJSON *o, bool pretty)
{
	cJSON	*d = cJSON_Duplicate(o, true);
	char	*s;

	client_digits(d);
	s = pretty ? cJSON_Print(d) : cJSON_PrintUnformatted(d);
	cJSON_Delete(d);
	return s;
}

/* Who says it, in front of error lines; each program sets its name. */
const char	*client_prog = "callwatch";

/* The config to read endpoints from: conf, or the first that exists. */
static const char *
client_conf(const char *conf)
{
	static const char *const paths[] = {
		"/etc/callwatch/callwatch.yaml", "conf/callwatch.yaml",
	};
	size_t	 i;

	if (conf != NULL)
		return conf;
	for (i = 0; i < nitems(paths); i++)
		if (access(paths[i], R_OK) == 0)
			return paths[i];
	return NULL;
}

static int	 client_dealer(struct client *);

/* A bound endpoint as a peer reaches it: a "*" host is 127.0.0.1. */
static char *
client_reach(const char *ep)
{
	char	*s;

	if (strncmp(ep, "tcp://*:", 8) == 0) {
		xasprintf(&s, "tcp://127.0.0.1:%s", ep + 8);
		return s;
	}
	return xstrdup(ep);
}

/*
 * The daemon's config (conf, or the first that exists), whose endpoints
 * a client uses; NULL after an error line, which says to give what
 * (hint) instead.  With CURVE on, keys must be too.
 */
static struct config *
client_load(const char *conf, const struct curvekeys *keys,
    const char *hint)
{
	struct cfgerrs	 errs = { NULL, 0 };
	struct config	*cfg;
	const char	*path;

	if ((path = client_conf(conf)) == NULL) {
		client_err("no config found (/etc/callwatch/callwatch.yaml, "
		    "conf/callwatch.yaml): give -c FILE or %s", hint);
		return NULL;
	}
	log_init(LOG_LVL_ERROR, client_prog);
	if ((cfg = config_load_as(path, &errs, true)) == NULL) {
		client_err("%s", errs.n > 0 ? errs.v[0] :
		    "the config does not load");
		cfgerrs_free(&errs);
		return NULL;
	}
	if (cfg->curve && (keys == NULL || !keys->on)) {
		client_err("the daemon uses CURVE (security.curve in %s): give "
		    "--key FILE and --server-key FILE", cfg->path);
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

/*
 * The config's first pull feed that reads format (FORMAT_*), as this
 * machine reaches it: events in another format would all be rejected
 * or skipped.  NULL when there is none.
 */
static char *
client_pull_feed(const struct config *cfg, int format)
{
	size_t	 i;

	for (i = 0; i < cfg->nfeeds; i++)
		if (cfg->feeds[i].socket == FEED_PULL &&
		    (int)cfg->feeds[i].format == format)
			return client_reach(cfg->feeds[i].endpoint);
	return NULL;
}

/*
 * The feed endpoint a bridge or the simulator pushes format to, from the
 * config; NULL after an error line.
 */
char *
client_find_feed(const char *conf, int format, const struct curvekeys *keys)
{
	struct config	*cfg = client_load(conf, keys, "--feed ENDPOINT");
	char		*feed;

	if (cfg == NULL)
		return NULL;
	if ((feed = client_pull_feed(cfg, format)) == NULL)
		client_err("%s has no pull feed with format: %s: give --feed "
		    "ENDPOINT", cfg->path, format == FORMAT_FREESWITCH ?
		    "freeswitch" : "callwatch");
	config_free(cfg);
	return feed;
}

/*
 * Find the daemon: endpoints given win, the rest come from the config,
 * read only when control or publish is missing (send finds its feed
 * with client_find_feed()).  0, or -1 after an error line.
 */
int
client_init(struct client *c, const char *conf, const char *control,
    const char *publish, const char *feed, const struct curvekeys *keys,
    int timeout_ms)
{
	struct config	*cfg = NULL;

	memset(c, 0, sizeof *c);
	c->conf = conf;
	c->timeout_ms = timeout_ms;
	if (keys != NULL)
		c->keys = *keys;
	if ((control == NULL || publish == NULL) && (cfg = client_load(conf,
	    keys, "--control and --publish")) == NULL)
		return -1;
	c->control = xstrdup(control != NULL ? control :
	    cfg->control_endpoint);
	c->publish = xstrdup(publish != NULL ? publish : cfg->pub_endpoint);
	if (feed != NULL)
		c->feed = xstrdup(feed);
	config_free(cfg);
	if ((c->zctx = zmq_ctx_new()) == NULL)
		fatalx("zmq: %s", zmq_strerror(errno));
	if (client_dealer(c) == -1) {
		client_err("cannot connect to %s: %s", c->control,
		    zmq_strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * A fresh DEALER to the control socket (the old one, if any, closed with
 * whatever late reply it would have got); 0, or -1 with errno.
 */
static int
client_dealer(struct client *c)
{
	int	 linger = 0;

	if (c->dealer != NULL)
		zmq_close(c->dealer);
	if ((c->dealer = zmq_socket(c->zctx, ZMQ_DEALER)) == NULL)
		fatalx("zmq_socket: %s", zmq_strerror(errno));
	zmq_setsockopt(c->dealer, ZMQ_LINGER, &linger, sizeof linger);
	curvekeys_apply(&c->keys, c->dealer);
	return zmq_connect(c->dealer, c->control);
}

/* Close the sockets. */
void
client_close(struct client *c)
{
	if (c->dealer != NULL)
		zmq_close(c->dealer);
	if (c->zctx != NULL)
		zmq_ctx_term(c->zctx);
	free(c->control);
	free(c->publish);
	free(c->feed);
}

/*
 * Send req (which this frees) and wait for the reply object; NULL after
 * an error line (no answer in time, not JSON, or {"ok":false}).
 */
cJSON *
client_request(struct client *c, cJSON *req)
{
	char	 err[512];
	cJSON	*r = client_ask(c, req, err, sizeof err);

	if (r == NULL)
		client_err("%s", err);
	return r;
}

/*
 * As client_request, but the error goes to err (a full-screen client
 * cannot print it).
 */
cJSON *
client_ask(struct client *c, cJSON *req, char *err, size_t errlen)
{
	char		*s = cJSON_PrintUnformatted(req);
	zmq_pollitem_t	 it = { c->dealer, 0, ZMQ_POLLIN, 0 };
	zmq_msg_t	 msg;
	cJSON		*r;
	int		 rc;

	cJSON_Delete(req);
	rc = zmq_send(c->dealer, "", 0, ZMQ_SNDMORE) == -1 ||
	    zmq_send(c->dealer, s, strlen(s), 0) == -1 ? -1 : 0;
	cJSON_free(s);
	if (rc == -1 || zmq_poll(&it, 1, c->timeout_ms) <= 0) {
		snprintf(err, errlen, "the daemon at %s did not answer within "
		    "%d ms", c->control, c->timeout_ms);
		/* Its answer may still come: it must not be taken for the
		 * next request's. */
		(void)client_dealer(c);
		return NULL;
	}
	/* The empty delimiter, then the reply. */
	zmq_msg_init(&msg);
	do {
		if (zmq_msg_recv(&msg, c->dealer, 0) == -1)
			fatalx("zmq_msg_recv: %s", zmq_strerror(errno));
	} while (zmq_msg_more(&msg) || zmq_msg_size(&msg) == 0);
	r = cJSON_ParseWithLength(zmq_msg_data(&msg), zmq_msg_size(&msg));
	zmq_msg_close(&msg);
	if (!cJSON_IsObject(r)) {
		snprintf(err, errlen, "the daemon's reply is not a JSON "
		    "object");
		cJSON_Delete(r);
		return NULL;
	}
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "ok"))) {
		snprintf(err, errlen, "%s", client_str(r, "error"));
		cJSON_Delete(r);
		return NULL;
	}
	return r;
}

/* A string member, or "-" when absent or null. */
const char *
client_str(const cJSON *o, const char *name)
{
	const char	*s = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(o, name));

	return s != NULL ? s : "-";
}

/* A number member, or def when absent or null. */
double
client_num(const cJSON *o, const char *name, double def)
{
	const cJSON	*j = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsNumber(j) ? j->valuedouble : def;
}

/* Whole seconds as "4m05s" ("-" when negative: unknown). */
const char *
client_dur(double sec, char *buf, size_t len)
{
	if (sec < 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	dur_format((cw_time)sec * CW_SEC, buf, len);
	return buf;
}

/*
 * Connect sock to ep and, with CURVE, wait up to the timeout for the
 * handshake: a key the daemon refuses (not on its allow-list, or a role
 * that may not use that socket) would otherwise just get nothing.  0, or
 * -1 after an error line.
 */
int
client_connect(struct client *c, void *sock, const char *ep)
{
	static int	 n;
	char		 name[64], ev[6];
	void		*mon;
	uint16_t	 what = 0;
	zmq_pollitem_t	 it;
	cw_time		 end;
	int		 rc = -1, more;

	if (!c->keys.on) {
		if (zmq_connect(sock, ep) == 0)
			return 0;
		client_err("cannot connect to %s: %s", ep, zmq_strerror(errno));
		return -1;
	}
	curvekeys_apply(&c->keys, sock);
	snprintf(name, sizeof name, "inproc://callwatch-handshake-%d", n++);
	if (zmq_socket_monitor(sock, name, ZMQ_EVENT_HANDSHAKE_SUCCEEDED |
	    ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
	    ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
	    ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) == -1 ||
	    (mon = zmq_socket(c->zctx, ZMQ_PAIR)) == NULL ||
	    zmq_connect(mon, name) == -1)
		fatalx("zmq_socket_monitor: %s", zmq_strerror(errno));
	if (zmq_connect(sock, ep) == -1) {
		client_err("cannot connect to %s: %s", ep, zmq_strerror(errno));
		zmq_close(mon);
		return -1;
	}
	end = dur_monotonic() + (cw_time)c->timeout_ms * CW_MSEC;
	it = (zmq_pollitem_t){ mon, 0, ZMQ_POLLIN, 0 };
	while (what == 0 && dur_monotonic() < end &&
	    zmq_poll(&it, 1, (long)((end - dur_monotonic()) / CW_MSEC) + 1) ==
	    1) {
		/* Two frames: event (u16) and value (u32), then the endpoint. */
		if (zmq_recv(mon, ev, sizeof ev, 0) >= 2)
			memcpy(&what, ev, sizeof what);
		more = 0;
		zmq_getsockopt(mon, ZMQ_RCVMORE, &more, &(size_t){ sizeof more });
		if (more)
			(void)zmq_recv(mon, name, sizeof name, 0);
	}
	zmq_socket_monitor(sock, NULL, 0);
	zmq_close(mon);
	if (what == ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
		rc = 0;
	else if (what == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
		client_err("the daemon refused this key at %s: it is not on "
		    "the allow-list, or its role may not use that socket", ep);
	else if (what != 0)
		client_err("the CURVE handshake with %s failed (is "
		    "--server-key the daemon's public key?)", ep);
	else
		client_err("the daemon at %s did not answer within %d ms", ep,
		    c->timeout_ms);
	return rc;
}
