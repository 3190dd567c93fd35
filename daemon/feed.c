/*
 * Feeds: ZeroMQ sockets the PBX side sends call events to.  A `pull` feed
 * binds and the PBX side PUSHes (back-pressure, nothing lost); a `sub`
 * feed connects to a PBX-side PUB (the last frame is the event; earlier
 * frames are topics).  Each wake-up drains up to FEED_BATCH messages and
 * then yields to the loop, so timers and other sockets stay on time.
 */
#include <errno.h>
#include <stdlib.h>

#include <zmq.h>

#include "cw.h"

/* Messages handled per wake-up before yielding to the loop. */
#define FEED_BATCH	1024
/* Messages a feed socket queues before pushing back (pull) or dropping. */
#define FEED_RCVHWM	10000
/*
 * Larger messages make libzmq drop the peer, and with it what the peer
 * had queued behind them on that connection, uncounted: a memory guard.
 * Between 64 KiB and this they are read, counted as too_large and
 * skipped.  A megabyte is well past any event a PBX sends.
 */
#define FEED_MAXMSG	((int64_t)1024 * 1024)

struct feed {
	struct daemon	*d;
	char		*name;		/* the config's name, for logs */
	void		*sock;		/* PULL or SUB */
	struct zsock	*z;		/* its place in the loop */
	uint64_t	 received;	/* messages read */
	cw_time		 last_at;	/* wall clock of the last one */
	cw_time		 opened_at;	/* when the feed was opened */
	bool		 pull;		/* a pull feed (CURVE with security) */
};

/*
 * Whether the sender of msg may still push events (SPEC 7).  *ok is the
 * User-Id last found allowed in this batch: a connection's messages share
 * one (libzmq's metadata, alive while the batch holds that message), so
 * the allow-list is searched once per sender and batch, not per message.
 */
static bool
feed_allowed(struct daemon *d, zmq_msg_t *msg, const char **ok)
{
	const char	*uid = zmq_msg_gets(msg, "User-Id");
	const struct clientconf *who;

	if (uid != NULL && uid == *ok)
		return true;
	who = auth_client(d->cfg, uid);
	if (who != NULL && (who->role == ROLE_FEED ||
	    who->role == ROLE_ADMIN)) {
		*ok = uid;
		return true;
	}
	auth_forbidden(d, who, "feed message");
	return false;
}

/* Receive the rest of a multi-frame message, keeping the last frame. */
static int
feed_last_frame(void *sock, zmq_msg_t *msg)
{
	while (zmq_msg_more(msg))
		if (zmq_msg_recv(msg, sock, ZMQ_DONTWAIT) == -1)
			return -1;
	return 0;
}

/*
 * Drain the socket (up to a batch) into the daemon: read the batch,
 * journal it in one write, then apply it, the clock held at one reading
 * (the time the journal records, so a replay after a crash applies each
 * message at the same "now").
 */
static void
feed_drain(void *arg)
{
	static zmq_msg_t msgs[FEED_BATCH];
	struct feed	*f = arg;
	struct daemon	*d = f->d;
	int		 i, n, tries = 0, err = EAGAIN;
	const char	*ok = NULL;	/* a sender found allowed */
	cw_time		 now;

	/* Refused messages count against the batch too (tries). */
	for (n = 0; n < FEED_BATCH && tries < FEED_BATCH; n++, tries++) {
		zmq_msg_init(&msgs[n]);
		if (zmq_msg_recv(&msgs[n], f->sock, ZMQ_DONTWAIT) == -1 ||
		    feed_last_frame(f->sock, &msgs[n]) == -1) {
			err = errno;
			zmq_msg_close(&msgs[n]);
			if (err == EINTR) {
				n--;
				continue;
			}
			if (err != EAGAIN && err != ETERM)
				log_warnx("feed receive failed feed=%s: %s",
				    f->name, zmq_strerror(err));
			break;
		}
		/* A key the allow-list no longer has (a reload) sends
		 * nothing. */
		if (d->auth != NULL && f->pull &&
		    !feed_allowed(d, &msgs[n], &ok)) {
			zmq_msg_close(&msgs[n]);
			n--;
		}
	}
	if (n > 0) {
		now = daemon_clock(d);
		for (i = 0; d->journal != NULL && i < n; i++)
			journal_add(d->journal, now, 'F', f->name,
			    zmq_msg_data(&msgs[i]), zmq_msg_size(&msgs[i]));
		if (d->journal != NULL)
			journal_flush(d->journal);
		d->clock_held = true;
		for (i = 0; i < n; i++) {
			f->received++;
			daemon_message(d, zmq_msg_data(&msgs[i]),
			    zmq_msg_size(&msgs[i]), f->name);
			zmq_msg_close(&msgs[i]);
		}
		d->clock_held = false;
		f->last_at = dur_wallclock();
		daemon_feed_spoke(d, f);
		daemon_settle(d);
	}
	/* Stopped short of EAGAIN: no new edge will come, so run again. */
	if (n == FEED_BATCH || tries == FEED_BATCH ||
	    (err != EAGAIN && err != ETERM))
		zsock_kick(f->z);
}

/* Open one feed; NULL with *cause if it cannot bind or connect. */
struct feed *
feed_new(struct daemon *d, const struct feedconf *fc, char **cause)
{
	struct feed	*f;
	void		*s;
	int		 hwm = FEED_RCVHWM, linger = 0;
	int64_t		 max = FEED_MAXMSG;

	s = zmq_socket(d->zctx, fc->socket == FEED_PULL ? ZMQ_PULL : ZMQ_SUB);
	if (s == NULL)
		fatalx("zmq_socket: %s", zmq_strerror(errno));
	zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm);
	zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
	zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &max, sizeof max);
	if (fc->socket == FEED_SUB)
		zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0);
	else if (d->auth != NULL)
		auth_server(d->auth, s, AUTH_FEED);
	if ((fc->socket == FEED_PULL ? zmq_bind(s, fc->endpoint) :
	    zmq_connect(s, fc->endpoint)) == -1) {
		xasprintf(cause, "feed %s: cannot %s %s: %s", fc->name,
		    fc->socket == FEED_PULL ? "bind" : "connect",
		    fc->endpoint, zmq_strerror(errno));
		zmq_close(s);
		return NULL;
	}
	f = xcalloc(1, sizeof *f);
	f->d = d;
	f->name = xstrdup(fc->name);
	f->pull = fc->socket == FEED_PULL;
	f->opened_at = f->last_at = dur_wallclock();
	f->sock = s;
	f->z = zsock_new(d->base, s, feed_drain, f);
	log_info("feed open name=%s socket=%s endpoint=%s", fc->name,
	    fc->socket == FEED_PULL ? "pull" : "sub", fc->endpoint);
	return f;
}

/* Close a feed; NULL-safe. */
void
feed_free(struct feed *f)
{
	if (f == NULL)
		return;
	zsock_free(f->z);
	zmq_close(f->sock);
	free(f->name);
	free(f);
}

/* The feed's name. */
const char *
feed_name(const struct feed *f)
{
	return f->name;
}

/* Messages the feed has read. */
uint64_t
feed_received(const struct feed *f)
{
	return f->received;
}

/* Wall clock of the feed's last message (of its opening before one). */
cw_time
feed_last_at(const struct feed *f)
{
	return f->last_at;
}

/* Whether the feed has said anything since it was opened. */
bool
feed_spoke(const struct feed *f)
{
	return f->received > 0;
}

/* Take the last message's time from a state file (a silent feed). */
void
feed_set_last_at(struct feed *f, cw_time t)
{
	f->last_at = t;
}
