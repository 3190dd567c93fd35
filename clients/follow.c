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
 * Drop the snapshot's alerts that subscribers were never shown ("shown":
 * false: held back by a silence or an inhibition since they opened): the
 * stream will publish them if they are released, and never their end.
 */
static void
follow_unshown(cJSON *snap)
{
	cJSON	*alerts = cJSON_GetObjectItem(snap, "alerts"), *it, *next;

	for (it = alerts != NULL ? alerts->child : NULL; it != NULL;
	    it = next) {
		next = it->next;
		if (cJSON_IsFalse(cJSON_GetObjectItem(it, "shown")))
			cJSON_Delete(cJSON_DetachItemViaPointer(alerts, it));
	}
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
	follow_unshown(snap);
	f->on_snapshot(f->arg, snap, from, to);
	cJSON_Delete(snap);
	return 0;
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

/* Apply one published message (topic, body). */
static void
follow_apply(struct follow *f, const char *topic, const char *body,
    size_t len)
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
	} else if (seq != f->seq + 1) {
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

	if (zmq_poll(&it, 1, ms) <= 0)
		return;
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
		follow_apply(f, t, zmq_msg_data(&body), zmq_msg_size(&body));
	}
	zmq_msg_close(&topic);
	zmq_msg_close(&body);
}
