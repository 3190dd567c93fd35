/*
 * Following the daemon's publish stream as SPEC 6 says: subscribe, take a
 * snapshot, then apply the objects whose seq is above it.  seq grows by
 * one per published message whatever the topic, so the follower takes
 * every topic (filtering is the caller's) and a jump is a gap: it takes
 * a new snapshot and says where the jump was.  Messages lost on the way
 * (a slow reader past the high-water mark) and a daemon restart look the
 * same: seq jumps (SPEC 5).  A seq far below the last one is a daemon
 * that lost its numbering (not ours to judge): re-snapshot too.
 *
 * Also here: jmap, a map from a string (alert id, call id, queue) to the
 * last JSON object seen for it, which is what tail and top keep.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#include "client.h"
#include "cw.h"

/* How long to let the subscription reach the daemon before the snapshot. */
#define FOLLOW_SETTLE_MS	300
/* A seq this far below the last applied one is a new numbering. */
#define FOLLOW_RENUMBERED	1000000u
/* At most this many messages per follow_read, so keys and redraws of a
 * screen client are not starved by a busy floor. */
#define FOLLOW_BATCH		1000
/* A failed snapshot is tried again after this long (µs). */
#define FOLLOW_RETRY		(1 * CW_SEC)
/* With CURVE, "follow" is said again this often, so a daemon that
 * restarted learns of us (µs). */
#define FOLLOW_REFRESH		(5 * CW_SEC)

/* One jmap value: the object and its key. */
struct jent {
	cJSON	*o;
	char	 key[];
};

static const char *
jent_key(const void *v)
{
	return ((const struct jent *)v)->key;
}

/* An empty map. */
void
jmap_init(struct jmap *j)
{
	static uint64_t	 n;

	smap_init(&j->m, jent_key,
	    (uint64_t)time(NULL) * 0x9E3779B97F4A7C15ULL + ++n);
}

/* The object stored under key, or NULL. */
cJSON *
jmap_get(const struct jmap *j, const char *key)
{
	size_t		 len = strlen(key);
	struct jent	*e = smap_find(&j->m, key, len,
			    smap_hash(&j->m, key, len));

	return e != NULL ? e->o : NULL;
}

/* Store o under key (the map owns o; an older object is freed). */
void
jmap_put(struct jmap *j, const char *key, cJSON *o)
{
	size_t		 len = strlen(key);
	uint64_t	 h = smap_hash(&j->m, key, len);
	struct jent	*e = smap_find(&j->m, key, len, h);

	if (e != NULL) {
		cJSON_Delete(e->o);
		e->o = o;
		return;
	}
	e = xmalloc(sizeof *e + len + 1);
	memcpy(e->key, key, len + 1);
	e->o = o;
	smap_add(&j->m, e, h);
}

/* Forget key. */
void
jmap_del(struct jmap *j, const char *key)
{
	size_t		 len = strlen(key);
	uint64_t	 h = smap_hash(&j->m, key, len);
	struct jent	*e = smap_find(&j->m, key, len, h);

	if (e == NULL)
		return;
	smap_del(&j->m, e, h);
	cJSON_Delete(e->o);
	free(e);
}

/* The next object from *it (start at 0), or NULL at the end. */
cJSON *
jmap_next(const struct jmap *j, size_t *it)
{
	struct jent	*e = smap_next(&j->m, it);

	return e != NULL ? e->o : NULL;
}

/* How many objects. */
size_t
jmap_count(const struct jmap *j)
{
	return j->m.count;
}

/* Forget everything. */
void
jmap_clear(struct jmap *j)
{
	struct jent	*e;
	size_t		 it = 0;

	while ((e = smap_next(&j->m, &it)) != NULL) {
		cJSON_Delete(e->o);
		free(e);
	}
	smap_free(&j->m);
	smap_init(&j->m, jent_key, j->m.seed);
}

/* Free the map. */
void
jmap_free(struct jmap *j)
{
	jmap_clear(j);
	smap_free(&j->m);
}

/*
 * Take a snapshot and hand it over with the gap that made it necessary
 * (the last seq applied, the one received; 0, 0 at the start).
 */
static int
follow_snapshot(struct follow *f, uint64_t from, uint64_t to)
{
	cJSON	*req = cJSON_CreateObject(), *snap;

	cJSON_AddStringToObject(req, "cmd", "snapshot");
	if (f->queue != NULL)
		cJSON_AddStringToObject(req, "queue", f->queue);
	if ((snap = client_ask(f->c, req, f->err, sizeof f->err)) == NULL) {
		if (!f->quiet)
			client_err("%s", f->err);
		f->synced = false;
		f->retry_at = dur_monotonic() + FOLLOW_RETRY;
		return -1;
	}
	f->err[0] = '\0';
	f->seq = (uint64_t)client_num(snap, "seq", 0);
	f->synced = true;
	f->on_snapshot(f->arg, snap, from, to);
	cJSON_Delete(snap);
	return 0;
}

/* Ask the daemon (again) to send us the stream on the control socket. */
static void
follow_ask(struct follow *f)
{
	static const char req[] = "{\"cmd\":\"follow\"}";

	if (zmq_send(f->sub, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT) != -1)
		(void)zmq_send(f->sub, req, sizeof req - 1, ZMQ_DONTWAIT);
	f->refresh_at = dur_monotonic() + FOLLOW_REFRESH;
}

/*
 * With CURVE keys: follow on the control socket, where the daemon sends
 * each client only what its key may see (a PUB socket cannot).  The
 * first answer says it is in place.  0, or -1 after an error line.
 */
static int
follow_start_control(struct follow *f, struct client *c)
{
	zmq_pollitem_t	 it;
	char		 buf[512];
	int		 zero = 0, n = 0;

	if ((f->sub = zmq_socket(c->zctx, ZMQ_DEALER)) == NULL)
		fatalx("zmq_socket: %s", zmq_strerror(errno));
	zmq_setsockopt(f->sub, ZMQ_LINGER, &zero, sizeof zero);
	if (client_connect(c, f->sub, c->control) == -1)
		return -1;
	f->via_control = true;
	follow_ask(f);
	it = (zmq_pollitem_t){ f->sub, 0, ZMQ_POLLIN, 0 };
	if (zmq_poll(&it, 1, c->timeout_ms) == 1 &&
	    zmq_recv(f->sub, buf, sizeof buf, 0) == 0 &&
	    (n = zmq_recv(f->sub, buf, sizeof buf - 1, 0)) > 0) {
		buf[n] = '\0';
		if (strstr(buf, "\"ok\":true") != NULL)
			return follow_snapshot(f, 0, 0);
		client_err("follow: %s", buf);
		return -1;
	}
	client_err("the daemon at %s did not answer within %d ms",
	    c->control, c->timeout_ms);
	return -1;
}

/*
 * Subscribe to everything c publishes, let the subscription settle, take
 * the first snapshot.  0, or -1 after an error line.
 */
int
follow_start(struct follow *f, struct client *c)
{
	zmq_pollitem_t	 it;
	int		 zero = 0;

	f->c = c;
	f->seq = 0;
	f->synced = false;
	f->via_control = false;
	if (c->keys.on)
		return follow_start_control(f, c);
	if ((f->sub = zmq_socket(c->zctx, ZMQ_SUB)) == NULL)
		fatalx("zmq_socket: %s", zmq_strerror(errno));
	zmq_setsockopt(f->sub, ZMQ_LINGER, &zero, sizeof zero);
	zmq_setsockopt(f->sub, ZMQ_SUBSCRIBE, "", 0);
	/* With CURVE, a key the daemon refuses is said so at once. */
	if (client_connect(c, f->sub, c->publish) == -1)
		return -1;
	/* Anything arriving shows the subscription is in place; what came
	 * before the snapshot is dropped by its seq. */
	it = (zmq_pollitem_t){ f->sub, 0, ZMQ_POLLIN, 0 };
	(void)zmq_poll(&it, 1, FOLLOW_SETTLE_MS);
	return follow_snapshot(f, 0, 0);
}

/* Close the subscription. */
void
follow_close(struct follow *f)
{
	if (f->sub != NULL)
		zmq_close(f->sub);
	f->sub = NULL;
}

/*
 * Apply one published message (topic, body).  prev: on the control
 * socket, the seq of the last message meant for us (one above what we
 * know is one lost); 0 on the PUB socket, where every seq is ours.
 */
static void
follow_apply(struct follow *f, const char *topic, const char *body,
    size_t len, uint64_t prev)
{
	cJSON		*o = cJSON_ParseWithLength(body, len);
	const cJSON	*js = cJSON_GetObjectItemCaseSensitive(o, "seq");
	uint64_t	 seq;

	if (!cJSON_IsNumber(js) || js->valuedouble < 0) {
		cJSON_Delete(o);
		return;
	}
	seq = (uint64_t)js->valuedouble;
	/* Out of step (the snapshot after a gap failed): what comes is of
	 * no use until a snapshot works again. */
	if (!f->synced) {
		if (dur_monotonic() < f->retry_at ||
		    follow_snapshot(f, f->seq, seq) == -1 || seq <= f->seq) {
			cJSON_Delete(o);
			return;
		}
	} else if (seq <= f->seq && seq + FOLLOW_RENUMBERED > f->seq) {
		cJSON_Delete(o);	/* in the snapshot already */
		return;
	} else if (f->via_control ? prev > f->seq : seq != f->seq + 1) {
		f->gaps++;
		if (follow_snapshot(f, f->seq, seq) == -1 || seq <= f->seq) {
			cJSON_Delete(o);
			return;
		}
	}
	f->seq = seq;
	f->on_object(f->arg, topic, o, body, len);
	cJSON_Delete(o);
}

/*
 * The stream on the control socket: ["", topic, body, prev] each, and
 * ["", reply] for our follow refreshes (nothing to do with them).
 */
static void
follow_read_control(struct follow *f)
{
	zmq_msg_t	 fr[4], extra;
	char		 t[CW_MAX_NAME + 32], p[24];
	int		 i, n, batch = 0;
	bool		 more;
	size_t		 len;

	for (i = 0; i < 4; i++)
		zmq_msg_init(&fr[i]);
	zmq_msg_init(&extra);
	while (batch++ < FOLLOW_BATCH &&
	    zmq_msg_recv(&fr[0], f->sub, ZMQ_DONTWAIT) != -1) {
		for (n = 1; n < 4 && zmq_msg_more(&fr[n - 1]); n++)
			if (zmq_msg_recv(&fr[n], f->sub, 0) == -1)
				break;
		/* More than four frames: not ours; read the rest away. */
		for (more = zmq_msg_more(&fr[n - 1]); more;
		    more = zmq_msg_more(&extra)) {
			n = 0;
			if (zmq_msg_recv(&extra, f->sub, 0) == -1)
				break;
		}
		if (n != 4)
			continue;
		len = zmq_msg_size(&fr[1]) < sizeof t ? zmq_msg_size(&fr[1]) :
		    sizeof t - 1;
		memcpy(t, zmq_msg_data(&fr[1]), len);
		t[len] = '\0';
		len = zmq_msg_size(&fr[3]) < sizeof p ? zmq_msg_size(&fr[3]) :
		    sizeof p - 1;
		memcpy(p, zmq_msg_data(&fr[3]), len);
		p[len] = '\0';
		follow_apply(f, t, zmq_msg_data(&fr[2]), zmq_msg_size(&fr[2]),
		    strtoull(p, NULL, 10));
	}
	for (i = 0; i < 4; i++)
		zmq_msg_close(&fr[i]);
	zmq_msg_close(&extra);
}

/*
 * Wait up to ms for published messages and apply them all.  The
 * subscription's socket can be polled by the caller: follow_sock().
 */
void
follow_read(struct follow *f, int ms)
{
	zmq_pollitem_t	 it = { f->sub, 0, ZMQ_POLLIN, 0 };
	zmq_msg_t	 topic, body;
	char		 t[CW_MAX_NAME + 32];
	size_t		 n;
	int		 batch = 0;

	if (f->via_control && dur_monotonic() >= f->refresh_at)
		follow_ask(f);
	if (zmq_poll(&it, 1, ms) <= 0)
		return;
	if (f->via_control) {
		follow_read_control(f);
		return;
	}
	zmq_msg_init(&topic);
	zmq_msg_init(&body);
	while (batch++ < FOLLOW_BATCH &&
	    zmq_msg_recv(&topic, f->sub, ZMQ_DONTWAIT) != -1) {
		if (!zmq_msg_more(&topic) ||
		    zmq_msg_recv(&body, f->sub, 0) == -1)
			continue;
		/* Not ours: a message with more than two frames. */
		if (zmq_msg_more(&body)) {
			while (zmq_msg_more(&body) &&
			    zmq_msg_recv(&body, f->sub, 0) != -1)
				;
			continue;
		}
		n = zmq_msg_size(&topic);
		if (n >= sizeof t)
			n = sizeof t - 1;
		memcpy(t, zmq_msg_data(&topic), n);
		t[n] = '\0';
		follow_apply(f, t, zmq_msg_data(&body), zmq_msg_size(&body),
		    0);
	}
	zmq_msg_close(&topic);
	zmq_msg_close(&body);
}
