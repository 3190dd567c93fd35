/*
 * Access control (SPEC 7).  With security.curve every socket the daemon
 * binds is a CURVE server, and libzmq asks the ZAP handler here (a REP
 * socket on inproc://zeromq.zap.01, in the event loop) about each
 * client's public key during the handshake: a key on the allow-list, on
 * a socket its role may use, gets in with its key as User-Id; anything
 * else gets nothing.  Each request, feed message and subscription then
 * looks its User-Id up in the allow-list of the running config, so a key
 * a reload removes loses access at once.
 *
 * A client limited to queues is refused on the publish socket: a PUB
 * sends every subscriber whatever its topics match, and the one way to
 * narrow one subscriber's topics (an XPUB in manual mode) is unsafe in
 * libzmq 4.3.4, Debian 12's: it applies a subscription to the wrong peer
 * after a peer sends it data, and to a freed one after a quick
 * disconnect (fixed in 4.3.5).  Such a client follows the floor through
 * the wallboard's /events, which filters each message exactly, and asks
 * for snapshots on the control socket, which are filtered too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "cw.h"

#define AUTH_ZAP	"inproc://zeromq.zap.01"
#define AUTH_FRAMES	8		/* frames of a ZAP request we read */
#define AUTH_LOG_EVERY	(10 * CW_SEC)	/* refusals logged at most */

static const char *const auth_sockets[] = { "feed", "publish", "control" };
static const char *const auth_roles[] = { "viewer", "supervisor", "admin",
    "feed" };

/* A role's name. */
const char *
role_name(enum role r)
{
	return (unsigned)r < nitems(auth_roles) ? auth_roles[r] : "?";
}

struct auth {
	struct daemon	*d;
	void		*zap;		/* REP: libzmq's questions */
	struct zsock	*zs;
	uint64_t	 refused[AUTH_NSOCKETS];	/* handshakes refused */
	cw_time		 logged;	/* the last refusal logged */
};

/* The queue a topic names: alert/Q/SEV, call/Q, stats/Q ("" if none). */
void
auth_topic_queue(const char *topic, char *q, size_t size)
{
	const char	*s = strchr(topic, '/'), *e;

	*q = '\0';
	if (s == NULL)
		return;
	s++;
	e = strncmp(topic, "alert/", 6) == 0 ? strrchr(s, '/') : NULL;
	snprintf(q, size, "%.*s", (int)(e != NULL ? (size_t)(e - s) :
	    strlen(s)), s);
}

/* The allow-list's entry for Z85 public key key, or NULL. */
const struct clientconf *
auth_client(const struct config *cfg, const char *key)
{
	size_t	 i;

	if (key == NULL)
		return NULL;
	for (i = 0; i < cfg->nclients; i++)
		if (strcmp(cfg->clients[i].key, key) == 0)
			return &cfg->clients[i];
	return NULL;
}

/* Whether who (NULL: nobody is checked) may do what role min may. */
bool
auth_may(const struct clientconf *who, enum role min)
{
	return who == NULL || (who->role != ROLE_FEED && who->role >= min);
}

/* Whether who (NULL: nobody is checked) sees queue q ("*": all). */
bool
auth_sees(const struct clientconf *who, const char *q)
{
	size_t	 i;

	if (who == NULL || who->nqueues == 0)
		return true;
	for (i = 0; q != NULL && i < who->nqueues; i++)
		if (strcmp(who->queues[i], q) == 0)
			return true;
	return false;
}

/* Why client c may not use a socket, or NULL if it may. */
static const char *
auth_socket_refused(const struct clientconf *c, int sock)
{
	if (sock == AUTH_FEED)
		return c->role == ROLE_FEED || c->role == ROLE_ADMIN ? NULL :
		    "a role that may not use this socket";
	if (c->role == ROLE_FEED)
		return "a role that may not use this socket";
	if (sock == AUTH_PUBLISH && c->nqueues > 0)
		return "a client limited to queues cannot subscribe here "
		    "(it follows on the control socket)";
	return NULL;
}

/* Log a refusal, at most every AUTH_LOG_EVERY (all are counted). */
static bool
auth_log_now(struct auth *a)
{
	cw_time	 now = dur_monotonic();

	if (a->logged != 0 && now - a->logged < AUTH_LOG_EVERY)
		return false;
	a->logged = now;
	return true;
}

/*
 * A request was refused (on a CURVE socket or with an HTTP token): count
 * it, log it at most every AUTH_LOG_EVERY.
 */
void
auth_forbidden(struct daemon *d, const struct clientconf *who,
    const char *what)
{
	cw_time	 now = dur_monotonic();

	d->forbidden++;
	if (d->forbidden_logged != 0 &&
	    now - d->forbidden_logged < AUTH_LOG_EVERY)
		return;
	d->forbidden_logged = now;
	log_warnx("request forbidden client=%s what=\"%s\" forbidden=%llu",
	    who != NULL ? who->name : "(a key no longer listed)", what,
	    (unsigned long long)d->forbidden);
}

/* Send one ZAP reply. */
static void
auth_reply(struct auth *a, zmq_msg_t *id, const char *code,
    const char *text, const char *user)
{
	zmq_send(a->zap, "1.0", 3, ZMQ_SNDMORE);
	zmq_send(a->zap, zmq_msg_data(id), zmq_msg_size(id), ZMQ_SNDMORE);
	zmq_send(a->zap, code, strlen(code), ZMQ_SNDMORE);
	zmq_send(a->zap, text, strlen(text), ZMQ_SNDMORE);
	zmq_send(a->zap, user, strlen(user), ZMQ_SNDMORE);
	zmq_send(a->zap, "", 0, 0);
}

/* Decide one ZAP request of n frames f. */
static void
auth_decide(struct auth *a, zmq_msg_t *f, int n)
{
	const struct clientconf *who = NULL;
	const char	*why = NULL;
	char		 key[CW_Z85_KEY + 1] = "", addr[64] = "";
	int		 sock;

	for (sock = 0; sock < AUTH_NSOCKETS; sock++)
		if (n > 2 && zmq_msg_size(&f[2]) ==
		    strlen(auth_sockets[sock]) && memcmp(zmq_msg_data(&f[2]),
		    auth_sockets[sock], zmq_msg_size(&f[2])) == 0)
			break;
	if (n > 3)
		snprintf(addr, sizeof addr, "%.*s",
		    (int)zmq_msg_size(&f[3]), (const char *)zmq_msg_data(&f[3]));
	if (n < 7 || zmq_msg_size(&f[0]) != 3 ||
	    memcmp(zmq_msg_data(&f[0]), "1.0", 3) != 0)
		why = "a malformed request";
	else if (sock == AUTH_NSOCKETS)
		why = "an unknown socket";
	else if (zmq_msg_size(&f[5]) != 5 ||
	    memcmp(zmq_msg_data(&f[5]), "CURVE", 5) != 0)
		why = "not CURVE";
	else if (zmq_msg_size(&f[6]) != 32 ||
	    zmq_z85_encode(key, zmq_msg_data(&f[6]), 32) == NULL)
		why = "a bad key";
	else if ((who = auth_client(a->d->cfg, key)) == NULL)
		why = "a key not on the allow-list";
	else
		why = auth_socket_refused(who, sock);
	if (n < 2)
		return;		/* no request id: nothing to answer */
	if (why == NULL) {
		auth_reply(a, &f[1], "200", "OK", key);
		log_debug("client admitted client=%s socket=%s address=%s",
		    who->name, auth_sockets[sock], addr);
		return;
	}
	auth_reply(a, &f[1], "400", "forbidden", "");
	if (sock < AUTH_NSOCKETS)
		a->refused[sock]++;
	if (auth_log_now(a))
		log_warnx("connection refused socket=%s address=%s key=%s "
		    "client=%s reason=\"%s\"", sock < AUTH_NSOCKETS ?
		    auth_sockets[sock] : "?", addr, key[0] != '\0' ? key : "-",
		    who != NULL ? who->name : "-", why);
}

/* Answer the ZAP requests waiting. */
static void
auth_zap_drain(void *arg)
{
	struct auth	*a = arg;
	zmq_msg_t	 f[AUTH_FRAMES], extra;
	int		 n, i;

	for (;;) {
		for (i = 0; i < AUTH_FRAMES; i++)
			zmq_msg_init(&f[i]);
		n = 0;
		if (zmq_msg_recv(&f[n], a->zap, ZMQ_DONTWAIT) == -1)
			break;
		while (zmq_msg_more(&f[n])) {
			if (n + 1 < AUTH_FRAMES) {
				if (zmq_msg_recv(&f[++n], a->zap, 0) == -1)
					break;
				continue;
			}
			zmq_msg_init(&extra);
			(void)zmq_msg_recv(&extra, a->zap, 0);
			i = zmq_msg_more(&extra);
			zmq_msg_close(&extra);
			if (!i)
				break;
		}
		auth_decide(a, f, n + 1);
		for (i = 0; i < AUTH_FRAMES; i++)
			zmq_msg_close(&f[i]);
	}
	for (i = 0; i < AUTH_FRAMES; i++)
		zmq_msg_close(&f[i]);
}

/* Make sock a CURVE server for socket kind sock (AUTH_FEED...). */
void
auth_server(struct auth *a, void *s, int sock)
{
	const struct config *cfg = a->d->cfg;
	int	 one = 1;

	if (zmq_setsockopt(s, ZMQ_CURVE_SERVER, &one, sizeof one) == -1 ||
	    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, cfg->server_secret,
	    CW_Z85_KEY) == -1 ||
	    zmq_setsockopt(s, ZMQ_ZAP_DOMAIN, auth_sockets[sock],
	    strlen(auth_sockets[sock])) == -1)
		fatalx("CURVE socket options: %s", zmq_strerror(errno));
}

/*
 * The ZAP handler, bound before any CURVE socket (without one, libzmq
 * would let every key in).  NULL (and *cause) if it cannot bind.
 */
struct auth *
auth_new(struct daemon *d, char **cause)
{
	struct auth	*a = xcalloc(1, sizeof *a);
	int		 linger = 0;

	a->d = d;
	if ((a->zap = zmq_socket(d->zctx, ZMQ_REP)) == NULL)
		fatalx("zmq_socket: %s", zmq_strerror(errno));
	zmq_setsockopt(a->zap, ZMQ_LINGER, &linger, sizeof linger);
	if (zmq_bind(a->zap, AUTH_ZAP) == -1) {
		xasprintf(cause, "cannot bind the ZAP handler: %s",
		    zmq_strerror(errno));
		zmq_close(a->zap);
		free(a);
		return NULL;
	}
	a->zs = zsock_new(d->base, a->zap, auth_zap_drain, a);
	log_info("CURVE on clients=%zu", d->cfg->nclients);
	return a;
}

/* Close the ZAP handler; NULL-safe. */
void
auth_free(struct auth *a)
{
	if (a == NULL)
		return;
	zsock_free(a->zs);
	zmq_close(a->zap);
	free(a);
}

/* Handshakes refused on socket kind sock. */
uint64_t
auth_refused(const struct auth *a, int sock)
{
	return a != NULL ? a->refused[sock] : 0;
}

/* The name of socket kind sock, for stats and metrics. */
const char *
auth_socket_name(int sock)
{
	return auth_sockets[sock];
}
