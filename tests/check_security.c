/*
 * Access control (SPEC 7), against the real daemon: CURVE on every
 * socket, the allow-list and its roles, queues a supervisor is limited
 * to, who acks, keys rotated by a reload, what the wire carries, the
 * loopback rule of the config, and the key tooling.
 */
#include <check.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <unistd.h>

#include <zmq.h>

#include "bb.h"
#include "cw.h"

/* Queues billing and sales: lines at 2 s (info), 4 s, 8 s. */
#define SEC_CONF							\
	"daemon: {clock: wall, state_file: \"\", feed_timeout: 0}\n"	\
	"feeds: [{name: main, endpoint: \"%s\"}]\n"			\
	"publish: {endpoint: \"%s\", stats_interval: 0}\n"		\
	"control: {endpoint: \"%s\"}\n"					\
	"defaults: {normal: [1s, 2s]}\n"				\
	"security:\n"							\
	"  curve: true\n"						\
	"  server_key: %s/daemon.key\n"					\
	"  clients:\n"							\
	"    - {name: ops, key: \"%s\", role: admin}\n"			\
	"    - {name: vic, key: \"%s\", role: viewer}\n"		\
	"    - {name: alice, key: \"%s\", role: supervisor, "		\
	"queues: [billing]}\n"						\
	"    - {name: pbx, key: \"%s\", role: feed}\n"

/* A key pair. */
struct kp {
	char	 pub[41];
	char	 sec[41];
};

static struct bb b;
static struct kp daemon_kp, ops, vic, alice, pbx, eve;

/* A fresh key pair. */
static void
sec_kp(struct kp *k)
{
	ck_assert_int_eq(zmq_curve_keypair(k->pub, k->sec), 0);
}

/* Keys, the daemon's key file, the config with vic's key v, alice's a. */
static void
sec_conf2(const struct kp *v, const struct kp *a)
{
	char	 path[160];

	snprintf(path, sizeof path, "%s/daemon.key", b.dir);
	unlink(path);
	ck_assert_int_eq(keyfile_write(path, daemon_kp.pub, daemon_kp.sec), 0);
	bb_write_conf(&b, SEC_CONF, b.feed, b.pub, b.ctl, b.dir, ops.pub,
	    v->pub, a->pub, pbx.pub);
}

/* The standard keys. */
static void
sec_conf(void)
{
	sec_conf2(&vic, &alice);
}

static void
setup(void)
{
	bb_init(&b);
	sec_kp(&daemon_kp);
	sec_kp(&ops);
	sec_kp(&vic);
	sec_kp(&alice);
	sec_kp(&pbx);
	sec_kp(&eve);
	/* The harness's own sockets are the admin's. */
	memcpy(b.server_pub, daemon_kp.pub, 41);
	memcpy(b.key_pub, ops.pub, 41);
	memcpy(b.key_sec, ops.sec, 41);
}

static void
teardown(void)
{
	bb_cleanup(&b);
}

/* Start on the standard config. */
static void
sec_start(void)
{
	sec_conf();
	ck_assert_msg(bb_start(&b) == 0, "no start (see %s)", b.log);
}

/* A call of queue q, answered 10 s ago: its alerts fire at once. */
static void
sec_call(const char *id, const char *q, const char *caller)
{
	double	 now = bb_now();

	bb_push(&b, "{\"type\":\"answered\",\"call_id\":\"%s\",\"ts\":%.6f,"
	    "\"answered_at\":%.6f,\"queue\":\"%s\",\"caller\":\"%s\"}", id,
	    now, now - 10, q, caller);
}

/* The next message on sub within ms (its topic in topic), or NULL. */
static cJSON *
sec_recv(void *sub, int ms, char *topic, size_t len)
{
	zmq_pollitem_t	 it = { sub, 0, ZMQ_POLLIN, 0 };
	static char	 body[65536];
	char		 t[256];
	int		 n;

	if (zmq_poll(&it, 1, ms) <= 0)
		return NULL;
	n = zmq_recv(sub, t, sizeof t - 1, 0);
	ck_assert_int_ge(n, 0);
	t[n] = '\0';
	n = zmq_recv(sub, body, sizeof body, 0);
	ck_assert_int_ge(n, 0);
	if (topic != NULL)
		snprintf(topic, len, "%s", t);
	return cJSON_ParseWithLength(body, (size_t)n);
}

/* A request on dealer d and its reply within ms, or NULL. */
static cJSON *
sec_ask(void *d, const char *req, int ms)
{
	zmq_pollitem_t	 it = { d, 0, ZMQ_POLLIN, 0 };
	static char	 body[1 << 20];
	int		 n;

	zmq_send(d, req, strlen(req), ZMQ_DONTWAIT);
	if (zmq_poll(&it, 1, ms) <= 0)
		return NULL;
	n = zmq_recv(d, body, sizeof body, 0);
	ck_assert_int_ge(n, 0);
	return cJSON_ParseWithLength(body, (size_t)n);
}

/* Whether reply r is {"ok":false,"error":"forbidden"}. */
static bool
sec_forbidden(cJSON *r)
{
	bool	 f = r != NULL && cJSON_IsFalse(cJSON_GetObjectItem(r, "ok")) &&
		    strcmp(bb_str(r, "error"), "forbidden") == 0;

	cJSON_Delete(r);
	return f;
}

/* A number at stats path x.y.z (y, z may be NULL). */
static double
sec_stat(const char *x, const char *y, const char *z)
{
	cJSON	*r = bb_request(&b, "{\"cmd\":\"stats\"}", 3000), *v;
	double	 n;

	ck_assert_ptr_nonnull(r);
	v = cJSON_GetObjectItem(r, x);
	if (y != NULL)
		v = cJSON_GetObjectItem(v, y);
	if (z != NULL)
		v = cJSON_GetObjectItem(v, z);
	n = cJSON_IsNumber(v) ? v->valuedouble : -1;
	cJSON_Delete(r);
	return n;
}

/* Whether sub gets nothing at all within ms. */
static bool
sec_silent(void *sub, int ms)
{
	cJSON	*o = sec_recv(sub, ms, NULL, 0);

	cJSON_Delete(o);
	return o == NULL;
}

/* The admin's stream has an alert of queue q within ms. */
static bool
sec_admin_alert(const char *q, int ms)
{
	char	 topic[256], want[64];
	double	 end = bb_now() + ms / 1000.0;
	cJSON	*o;

	snprintf(want, sizeof want, "alert/%s/", q);
	while (bb_now() < end &&
	    (o = bb_recv(&b, (int)((end - bb_now()) * 1000) + 1, topic,
	    sizeof topic)) != NULL) {
		cJSON_Delete(o);
		if (strncmp(topic, want, strlen(want)) == 0)
			return true;
	}
	return false;
}

/*
 * Without a key, or with one not on the list, nothing on any socket:
 * no alert, no reply, no event taken in.
 */
static void
sec_outsider(const struct kp *k)
{
	void	*sub, *dealer, *push;
	double	 received;

	sec_start();
	sub = bb_socket_as(&b, ZMQ_SUB, b.pub, k ? k->pub : NULL,
	    k ? k->sec : NULL);
	dealer = bb_socket_as(&b, ZMQ_DEALER, b.ctl, k ? k->pub : NULL,
	    k ? k->sec : NULL);
	push = bb_socket_as(&b, ZMQ_PUSH, b.feed, k ? k->pub : NULL,
	    k ? k->sec : NULL);
	usleep(300 * 1000);
	received = sec_stat("received", NULL, NULL);
	zmq_send(push, "{\"type\":\"answered\",\"call_id\":\"x1\",\"ts\":1,"
	    "\"queue\":\"sales\"}", 57, ZMQ_DONTWAIT);
	sec_call("c1", "billing", "+15550001");
	ck_assert(sec_admin_alert("billing", 3000));
	ck_assert(sec_silent(sub, 1000));
	ck_assert_ptr_null(sec_ask(dealer, "{\"cmd\":\"snapshot\"}", 1000));
	/* Only the admin's event came in. */
	ck_assert_double_eq(sec_stat("received", NULL, NULL), received + 1);
	zmq_close(sub);
	zmq_close(dealer);
	zmq_close(push);
}

START_TEST(a_client_without_a_key_gets_nothing)
{
	sec_outsider(NULL);
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}
END_TEST

START_TEST(a_key_not_on_the_list_gets_nothing)
{
	char	 msg[128];

	sec_outsider(&eve);
	snprintf(msg, sizeof msg, "key=%s", eve.pub);
	ck_assert(bb_wait_log(&b, "connection refused socket=", 2000));
	ck_assert(bb_log_has(&b, msg));
	ck_assert(bb_log_has(&b, "reason=\"a key not on the allow-list\""));
	ck_assert_double_ge(sec_stat("auth", "refused", "control"), 1);
	ck_assert_double_ge(sec_stat("auth", "refused", "publish"), 1);
	ck_assert_double_ge(sec_stat("auth", "refused", "feed"), 1);
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}
END_TEST

/* A viewer reads; it may not ack, silence, see stats or reload. */
START_TEST(a_viewers_ack_is_refused)
{
	void	*d;
	cJSON	*r;

	sec_start();
	sec_call("c1", "billing", "+15550001");
	ck_assert(sec_admin_alert("billing", 3000));
	d = bb_socket_as(&b, ZMQ_DEALER, b.ctl, vic.pub, vic.sec);
	r = sec_ask(d, "{\"cmd\":\"snapshot\"}", 3000);
	ck_assert_ptr_nonnull(r);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(r, "ok")));
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r, "calls")),
	    1);
	cJSON_Delete(r);
	ck_assert(sec_forbidden(sec_ask(d, "{\"cmd\":\"ack\",\"id\":"
	    "\"c1/long_call\",\"by\":\"vic\"}", 3000)));
	ck_assert(sec_forbidden(sec_ask(d, "{\"cmd\":\"silence\",\"match\":"
	    "{\"queue\":\"billing\"},\"for\":\"1h\",\"by\":\"vic\"}", 3000)));
	ck_assert(sec_forbidden(sec_ask(d, "{\"cmd\":\"stats\"}", 3000)));
	ck_assert(sec_forbidden(sec_ask(d, "{\"cmd\":\"reload\"}", 3000)));
	ck_assert(bb_log_has(&b, "request forbidden client=vic what=\"ack\""));
	ck_assert_double_eq(sec_stat("auth", "forbidden", NULL), 4);
	/* Nothing was acked. */
	r = bb_request(&b, "{\"cmd\":\"snapshot\"}", 3000);
	ck_assert_str_ne(bb_str(cJSON_GetArrayItem(cJSON_GetObjectItem(r,
	    "alerts"), 0), "state"), "acked");
	cJSON_Delete(r);
	zmq_close(d);
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}
END_TEST

/*
 * alice is limited to billing: the publish socket, which cannot narrow
 * one subscriber's stream safely (auth.c), lets her in for nothing, so
 * she never receives another queue's alerts; her snapshot holds billing
 * only; she acts on billing only, and her acks and silences carry her
 * name, not what she says.
 */
START_TEST(a_supervisor_limited_to_a_queue_sees_and_acts_on_it_only)
{
	void	*sub, *sub2, *d;
	cJSON	*r, *it;

	sec_start();
	sub = bb_socket_as(&b, ZMQ_SUB, b.pub, alice.pub, alice.sec);
	sub2 = bb_socket_as(&b, ZMQ_SUB, b.pub, alice.pub, alice.sec);
	zmq_setsockopt(sub2, ZMQ_UNSUBSCRIBE, "", 0);
	zmq_setsockopt(sub2, ZMQ_SUBSCRIBE, "alert/sales/", 12);
	usleep(400 * 1000);
	sec_call("s1", "sales", "+15550002");
	sec_call("b1", "billing", "+15550001");
	ck_assert(sec_admin_alert("sales", 3000));
	ck_assert(sec_silent(sub, 1000));
	ck_assert(sec_silent(sub2, 500));
	ck_assert(bb_log_has(&b, "client=alice reason=\"a client limited to "
	    "queues cannot subscribe"));
	d = bb_socket_as(&b, ZMQ_DEALER, b.ctl, alice.pub, alice.sec);
	r = sec_ask(d, "{\"cmd\":\"snapshot\"}", 3000);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r, "calls")),
	    1);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(r, "calls"))
		ck_assert_str_eq(bb_str(it, "queue"), "billing");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(r, "alerts"))
		ck_assert_str_eq(bb_str(it, "queue"), "billing");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(r, "queues"))
		ck_assert_str_eq(bb_str(it, "queue"), "billing");
	cJSON_Delete(r);
	ck_assert(sec_forbidden(sec_ask(d, "{\"cmd\":\"ack\",\"id\":"
	    "\"s1/long_call\",\"by\":\"alice\"}", 3000)));
	ck_assert(sec_forbidden(sec_ask(d, "{\"cmd\":\"silence\",\"match\":"
	    "{\"queue\":\"sales\"},\"for\":\"1h\",\"by\":\"alice\"}", 3000)));
	ck_assert(sec_forbidden(sec_ask(d, "{\"cmd\":\"silence\",\"match\":"
	    "{\"rule\":\"long_call\"},\"for\":\"1h\",\"by\":\"alice\"}", 3000)));
	ck_assert(sec_forbidden(sec_ask(d, "{\"cmd\":\"stats\"}", 3000)));
	r = sec_ask(d, "{\"cmd\":\"ack\",\"id\":\"b1/long_call\",\"by\":"
	    "\"mallory\"}", 3000);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(r, "ok")));
	ck_assert_str_eq(bb_str(r, "acked_by"), "alice");
	cJSON_Delete(r);
	r = sec_ask(d, "{\"cmd\":\"silence\",\"match\":{\"queue\":"
	    "\"billing\"},\"for\":\"1h\",\"by\":\"mallory\"}", 3000);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(r, "ok")));
	ck_assert_str_eq(bb_str(r, "by"), "alice");
	cJSON_Delete(r);
	/* The admin's silence of sales is not hers to see or lift. */
	r = bb_request(&b, "{\"cmd\":\"silence\",\"match\":{\"queue\":"
	    "\"sales\"},\"for\":\"1h\",\"by\":\"ops\"}", 3000);
	ck_assert_str_eq(bb_str(r, "silence_id"), "s-2");
	cJSON_Delete(r);
	ck_assert(sec_forbidden(sec_ask(d, "{\"cmd\":\"unsilence\","
	    "\"silence_id\":\"s-2\"}", 3000)));
	r = sec_ask(d, "{\"cmd\":\"snapshot\"}", 3000);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r,
	    "silences")), 1);
	cJSON_Delete(r);
	zmq_close(sub);
	zmq_close(sub2);
	zmq_close(d);
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}
END_TEST

/* A feed key pushes events and does nothing else; a viewer cannot push. */
START_TEST(a_feed_key_may_only_push_events)
{
	void	*push, *vpush, *sub, *d;

	sec_start();
	push = bb_socket_as(&b, ZMQ_PUSH, b.feed, pbx.pub, pbx.sec);
	vpush = bb_socket_as(&b, ZMQ_PUSH, b.feed, vic.pub, vic.sec);
	sub = bb_socket_as(&b, ZMQ_SUB, b.pub, pbx.pub, pbx.sec);
	d = bb_socket_as(&b, ZMQ_DEALER, b.ctl, pbx.pub, pbx.sec);
	usleep(300 * 1000);
	zmq_send(vpush, "{\"type\":\"queued\",\"call_id\":\"v1\",\"ts\":1,"
	    "\"queue\":\"sales\"}", 53, ZMQ_DONTWAIT);
	ck_assert_int_eq(zmq_send(push, "{\"type\":\"queued\",\"call_id\":"
	    "\"p1\",\"ts\":1,\"queue\":\"sales\"}", 53, 0), 53);
	ck_assert(bb_wait_stat(&b, "received", 1, 3000));
	usleep(300 * 1000);
	ck_assert_double_eq(sec_stat("received", NULL, NULL), 1);
	ck_assert_ptr_null(sec_ask(d, "{\"cmd\":\"snapshot\"}", 1000));
	ck_assert(sec_silent(sub, 1000));
	ck_assert(bb_log_has(&b, "reason=\"a role that may not use this "
	    "socket\""));
	zmq_close(push);
	zmq_close(vpush);
	zmq_close(sub);
	zmq_close(d);
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}
END_TEST

/* A new key for vic: after the reload the old one gets nothing more. */
START_TEST(keys_rotate_with_a_reload)
{
	struct kp vic2;
	void	*sub, *d, *sub2, *d2;
	cJSON	*o;

	sec_start();
	sub = bb_socket_as(&b, ZMQ_SUB, b.pub, vic.pub, vic.sec);
	d = bb_socket_as(&b, ZMQ_DEALER, b.ctl, vic.pub, vic.sec);
	usleep(300 * 1000);
	sec_call("b1", "billing", "+15550001");
	ck_assert_ptr_nonnull(o = sec_recv(sub, 3000, NULL, 0));
	cJSON_Delete(o);
	o = sec_ask(d, "{\"cmd\":\"snapshot\"}", 3000);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(o, "ok")));
	cJSON_Delete(o);
	sec_kp(&vic2);
	sec_conf2(&vic2, &alice);
	o = bb_request(&b, "{\"cmd\":\"reload\"}", 5000);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(o, "ok")));
	cJSON_Delete(o);
	ck_assert(bb_log_has(&b, "publish socket bound again"));
	/* The old key: refused at once on the connection it has. */
	ck_assert(sec_forbidden(sec_ask(d, "{\"cmd\":\"snapshot\"}", 3000)));
	sub2 = bb_socket_as(&b, ZMQ_SUB, b.pub, vic2.pub, vic2.sec);
	d2 = bb_socket_as(&b, ZMQ_DEALER, b.ctl, vic2.pub, vic2.sec);
	/* The admin's own subscriber comes back on its own. */
	usleep(800 * 1000);
	while ((o = sec_recv(sub, 100, NULL, 0)) != NULL)
		cJSON_Delete(o);	/* what came before the reload */
	sec_call("b2", "billing", "+15550003");
	ck_assert_ptr_nonnull(o = sec_recv(sub2, 3000, NULL, 0));
	ck_assert_str_eq(bb_str(o, "queue"), "billing");
	cJSON_Delete(o);
	ck_assert(sec_silent(sub, 1000));
	o = sec_ask(d2, "{\"cmd\":\"snapshot\"}", 3000);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(o, "ok")));
	cJSON_Delete(o);
	ck_assert_double_ge(sec_stat("auth", "refused", "publish"), 1);
	/* Turning CURVE off takes a restart: the reload is refused. */
	bb_write_conf(&b, "daemon: {clock: wall, state_file: \"\"}\n"
	    "feeds: [{name: main, endpoint: \"%s\"}]\n"
	    "publish: {endpoint: \"%s\"}\ncontrol: {endpoint: \"%s\"}\n",
	    b.feed, b.pub, b.ctl);
	o = bb_request(&b, "{\"cmd\":\"reload\"}", 5000);
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(o, "ok")));
	ck_assert_str_eq(bb_str(o, "error"), "security.curve, server_key and "
	    "insecure change only with a restart; the running configuration "
	    "is kept");
	cJSON_Delete(o);
	o = sec_ask(d2, "{\"cmd\":\"snapshot\"}", 3000);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(o, "ok")));
	cJSON_Delete(o);
	zmq_close(sub);
	zmq_close(d);
	zmq_close(sub2);
	zmq_close(d2);
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}
END_TEST

/* A TCP relay that keeps what the daemon sends to its client. */
struct relay {
	int		 lfd;		/* listening */
	int		 port;		/* ... on 127.0.0.1 */
	int		 to;		/* the daemon's port */
	char		*seen;		/* bytes from the daemon */
	size_t		 n, cap;
	pthread_mutex_t	 mu;
	volatile int	 stop;
	pthread_t	 th;
};

/* Pump one accepted connection both ways until either side closes. */
static void *
relay_run(void *arg)
{
	struct relay	*r = arg;
	struct sockaddr_in sin;
	struct pollfd	 p[2];
	char		 buf[65536];
	ssize_t		 n;
	int		 c, s, i;

	if ((c = accept(r->lfd, NULL, NULL)) == -1)
		return NULL;
	s = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)r->to);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(s, (struct sockaddr *)&sin, sizeof sin) == -1) {
		close(c);
		close(s);
		return NULL;
	}
	p[0].fd = c;
	p[1].fd = s;
	p[0].events = p[1].events = POLLIN;
	while (!r->stop && poll(p, 2, 100) >= 0) {
		for (i = 0; i < 2; i++) {
			if (!(p[i].revents & (POLLIN | POLLHUP)))
				continue;
			if ((n = read(p[i].fd, buf, sizeof buf)) <= 0)
				goto done;
			if (write(p[1 - i].fd, buf, (size_t)n) != n)
				goto done;
			if (i == 1) {
				pthread_mutex_lock(&r->mu);
				if (r->n + (size_t)n > r->cap)
					r->seen = realloc(r->seen, r->cap =
					    (r->n + (size_t)n) * 2);
				memcpy(r->seen + r->n, buf, (size_t)n);
				r->n += (size_t)n;
				pthread_mutex_unlock(&r->mu);
			}
		}
	}
done:
	close(c);
	close(s);
	return NULL;
}

/* A relay to the daemon's port to. */
static void
relay_start(struct relay *r, int to)
{
	struct sockaddr_in sin;
	socklen_t	 len = sizeof sin;

	memset(r, 0, sizeof *r);
	r->to = to;
	pthread_mutex_init(&r->mu, NULL);
	r->lfd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(r->lfd, (struct sockaddr *)&sin, sizeof sin), 0);
	ck_assert_int_eq(listen(r->lfd, 1), 0);
	ck_assert_int_eq(getsockname(r->lfd, (struct sockaddr *)&sin, &len),
	    0);
	r->port = ntohs(sin.sin_port);
	ck_assert_int_eq(pthread_create(&r->th, NULL, relay_run, r), 0);
}

/* Stop; whether what passed holds s. */
static bool
relay_stop(struct relay *r, const char *s)
{
	bool	 has;

	r->stop = 1;
	pthread_join(r->th, NULL);
	close(r->lfd);
	has = r->seen != NULL && memmem(r->seen, r->n, s, strlen(s)) != NULL;
	free(r->seen);
	pthread_mutex_destroy(&r->mu);
	return has;
}

/*
 * The alerts' caller number crosses the wire as ciphertext: a relay
 * between a subscriber and the daemon sees the alert pass and never the
 * number.  The same relay on a plain (loopback) daemon does see it.
 */
static bool
sec_wire(bool curve)
{
	struct relay	 r;
	char		 ep[64];
	int		 port = atoi(strrchr(b.pub, ':') + 1);
	void		*sub;
	cJSON		*o;

	if (curve)
		sec_start();
	else {
		bb_write_conf(&b, "daemon: {clock: wall, state_file: \"\", "
		    "feed_timeout: 0}\nfeeds: [{name: main, endpoint: "
		    "\"%s\"}]\npublish: {endpoint: \"%s\", stats_interval: "
		    "0}\ncontrol: {endpoint: \"%s\"}\ndefaults: {normal: [1s, "
		    "2s]}\n", b.feed, b.pub, b.ctl);
		b.server_pub[0] = '\0';
		ck_assert_msg(bb_start(&b) == 0, "no start (see %s)", b.log);
	}
	relay_start(&r, port);
	snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", r.port);
	sub = bb_socket_as(&b, ZMQ_SUB, ep, curve ? vic.pub : NULL, vic.sec);
	usleep(400 * 1000);
	sec_call("b1", "billing", "+15557654321");
	ck_assert_ptr_nonnull(o = sec_recv(sub, 3000, NULL, 0));
	ck_assert_str_eq(bb_str(o, "caller"), "+15557654321");
	cJSON_Delete(o);
	zmq_close(sub);
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
	return relay_stop(&r, "+15557654321");
}

START_TEST(the_wire_does_not_carry_the_caller_number)
{
	ck_assert_msg(!sec_wire(true), "the caller number crossed the wire "
	    "in clear");
}
END_TEST

START_TEST(without_curve_the_wire_carries_it)
{
	ck_assert(sec_wire(false));
}
END_TEST

/*
 * With keys, callwatch tail follows on the control socket, where the
 * daemon sends each key only what it may see: alice (billing) gets
 * billing's alerts and never sales'; the admin gets both.
 */
START_TEST(a_scoped_key_follows_its_queues_on_the_control_socket)
{
	char	 bin[256], key[160], akey[160], server[160], out[200],
		 aout[200], err[200];
	const char *tail_alice[] = { bin, "-c", b.conf, "--key", key,
	    "--server-key", server, "tail", "--json", NULL };
	const char *tail_ops[] = { bin, "-c", b.conf, "--key", akey,
	    "--server-key", server, "tail", "--json", NULL };
	pid_t	 p1, p2;

	sec_start();
	snprintf(bin, sizeof bin, "%s/callwatch", bb_build());
	snprintf(key, sizeof key, "%s/alice.key", b.dir);
	snprintf(akey, sizeof akey, "%s/ops.key", b.dir);
	snprintf(server, sizeof server, "%s/daemon.pub", b.dir);
	snprintf(out, sizeof out, "%s/alice.out", b.dir);
	snprintf(aout, sizeof aout, "%s/ops.out", b.dir);
	snprintf(err, sizeof err, "%s/tail.err", b.dir);
	ck_assert_int_eq(keyfile_write(key, alice.pub, alice.sec), 0);
	ck_assert_int_eq(keyfile_write(akey, ops.pub, ops.sec), 0);
	ck_assert_int_eq(keyfile_write(server, daemon_kp.pub, NULL), 0);
	p1 = bb_spawn(tail_alice, out, err);
	p2 = bb_spawn(tail_ops, aout, err);
	usleep(1500 * 1000);
	sec_call("s1", "sales", "+15550002");
	sec_call("b1", "billing", "+15550001");
	ck_assert_msg(bb_wait_file(out, "\"call_id\":\"b1\"", 5000),
	    "alice saw no billing alert");
	ck_assert(bb_wait_file(aout, "\"call_id\":\"s1\"", 5000));
	ck_assert(bb_wait_file(aout, "\"call_id\":\"b1\"", 5000));
	usleep(500 * 1000);
	ck_assert_msg(!bb_file_has(out, "\"queue\":\"sales\""),
	    "alice saw sales");
	ck_assert_msg(!bb_file_has(out, "gap"), "alice's stream had a gap");
	bb_reap(p1, SIGTERM);
	bb_reap(p2, SIGTERM);
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}
END_TEST

/* With CURVE and no tokens, the HTTP listener serves no wallboard. */
START_TEST(with_curve_the_wallboard_needs_tokens)
{
	char	 out[8192];
	int	 port = bb_free_port();
	FILE	*f;

	sec_conf();
	ck_assert_ptr_nonnull(f = fopen(b.conf, "a"));
	fprintf(f, "http: {listen: \"127.0.0.1:%d\"}\n", port);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_msg(bb_start(&b) == 0, "no start (see %s)", b.log);
	ck_assert_int_eq(bb_http(port, "GET", "/api/snapshot", NULL, NULL, out,
	    sizeof out), 403);
	ck_assert_str_eq(out, "{\"ok\":false,\"error\":\"this daemon uses "
	    "CURVE: the wallboard and the API need security.tokens\"}");
	ck_assert_int_eq(bb_http(port, "POST", "/api/ack", NULL, "{\"id\":"
	    "\"x/long_call\"}", out, sizeof out), 403);
	ck_assert_int_eq(bb_http(port, "GET", "/events", NULL, NULL, out,
	    sizeof out), 403);
	ck_assert_int_eq(bb_http(port, "GET", "/healthz", NULL, NULL, out,
	    sizeof out), 200);
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}
END_TEST

/* callwatchd -n on a config: its exit status, output in out. */
static int
sec_check(char *out, size_t len)
{
	char	 bin[256];
	const char *argv[] = { bin, "-n", "-c", b.conf, NULL };

	snprintf(bin, sizeof bin, "%s/callwatchd", bb_build());
	return bb_run(argv, out, len);
}

/* Plain endpoints off the machine are refused where they are written. */
START_TEST(plain_endpoints_off_this_machine_are_refused)
{
	char	 out[8192], want[256];

	bb_write_conf(&b, "feeds:\n"
	    "  - {name: main, endpoint: \"tcp://0.0.0.0:7100\"}\n"
	    "  - {name: fs, endpoint: \"tcp://pbx1:7100\", socket: sub}\n"
	    "publish: {endpoint: \"tcp://127.0.0.1:7101\"}\n"
	    "control: {endpoint: \"tcp://[::1]:7102\"}\n"
	    "http: {listen: \"10.1.2.3:9100\"}\n");
	ck_assert_int_eq(sec_check(out, sizeof out), 1);
	snprintf(want, sizeof want, "%s:2:28: feeds[0].endpoint: "
	    "tcp://0.0.0.0:7100 leaves this machine without encryption",
	    b.conf);
	ck_assert_msg(strstr(out, want) != NULL, "%s", out);
	snprintf(want, sizeof want, "%s:3:26: a sub feed: tcp://pbx1:7100 "
	    "leaves this machine", b.conf);
	ck_assert_msg(strstr(out, want) != NULL, "%s", out);
	snprintf(want, sizeof want, "%s:6:16: http.listen: 10.1.2.3:9100 "
	    "leaves this machine", b.conf);
	ck_assert_msg(strstr(out, want) != NULL, "%s", out);
	ck_assert_ptr_null(strstr(out, "publish.endpoint"));
	ck_assert_ptr_null(strstr(out, "control.endpoint"));
}
END_TEST

/* insecure: true lets them through, with a warning at every start. */
START_TEST(insecure_allows_them_and_says_so)
{
	char	 out[8192];

	snprintf(b.feed, sizeof b.feed, "tcp://0.0.0.0:%d", bb_free_port());
	bb_write_conf(&b, "daemon: {state_file: \"\"}\n"
	    "feeds: [{name: main, endpoint: \"%s\"}]\n"
	    "publish: {endpoint: \"%s\"}\ncontrol: {endpoint: \"%s\"}\n"
	    "security: {insecure: true}\n", b.feed, b.pub, b.ctl);
	ck_assert_int_eq(sec_check(out, sizeof out), 0);
	ck_assert_str_eq(out, "configuration OK\n");
	/* The harness pushes to where the daemon listens. */
	snprintf(b.feed, sizeof b.feed, "tcp://127.0.0.1:%s",
	    strrchr(b.feed, ':') + 1);
	b.server_pub[0] = '\0';
	ck_assert_msg(bb_start(&b) == 0, "no start (see %s)", b.log);
	ck_assert(bb_log_has(&b, "warn: security.insecure: true"));
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}
END_TEST

/* The security section's own mistakes, each at its place. */
START_TEST(bad_security_settings_are_reported)
{
	char	 out[8192], want[256];

	bb_write_conf(&b, "feeds: [{name: main, endpoint: \"ipc://%s/f\"}]\n"
	    "security:\n"
	    "  curve: true\n"
	    "  clients:\n"
	    "    - {name: a, key: \"not a key\", role: viewer}\n"
	    "    - {name: b, key: \"%s\", role: boss}\n"
	    "    - {name: c, key: \"%s\", role: admin, queues: [x]}\n"
	    "    - {name: c, key: \"%s\", role: viewer}\n", b.dir, vic.pub,
	    ops.pub, eve.pub);
	ck_assert_int_eq(sec_check(out, sizeof out), 1);
	snprintf(want, sizeof want, "%s:3:10: security.server_key is "
	    "required with curve: true", b.conf);
	ck_assert_msg(strstr(out, want) != NULL, "%s", out);
	ck_assert_msg(strstr(out, ":5:22: security.clients[0].key: 'not a "
	    "key' is not a CURVE public key") != NULL, "%s", out);
	ck_assert_msg(strstr(out, ":6:72: security.clients[1].role: unknown "
	    "value 'boss'") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "security.clients[2]: queues limit a viewer "
	    "or a supervisor, not admin 'c'") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "security.clients[3]: 'c' is already defined "
	    "at line 7") != NULL, "%s", out);
	/* A key file that is not a pair. */
	bb_write_conf(&b, "feeds: [{name: main, endpoint: \"ipc://%s/f\"}]\n"
	    "security: {curve: true, server_key: %s/nothing.key}\n", b.dir,
	    b.dir);
	ck_assert_int_eq(sec_check(out, sizeof out), 1);
	ck_assert_msg(strstr(out, "security.server_key: cannot read the key "
	    "pair in") != NULL, "%s", out);
	/* A secret key others can read is no secret. */
	snprintf(want, sizeof want, "%s/d.key", b.dir);
	ck_assert_int_eq(keyfile_write(want, daemon_kp.pub, daemon_kp.sec), 0);
	ck_assert_int_eq(chmod(want, 0640), 0);
	bb_write_conf(&b, "feeds: [{name: main, endpoint: \"ipc://%s/f\"}]\n"
	    "security: {curve: true, server_key: %s}\n", b.dir, want);
	ck_assert_int_eq(sec_check(out, sizeof out), 1);
	ck_assert_msg(strstr(out, "is readable by others (mode 0640)") !=
	    NULL, "%s", out);
	ck_assert_int_eq(chmod(want, 0600), 0);
	ck_assert_int_eq(sec_check(out, sizeof out), 0);
}
END_TEST

/* callwatch keygen NAME: a pair and a public key, never overwritten. */
START_TEST(keygen_writes_a_pair_and_refuses_to_overwrite)
{
	char	 bin[256], name[160], path[200], out[4096];
	char	 pub[41], sec[41], pub2[41];
	const char *argv[] = { bin, "keygen", name, NULL };
	const char *why;
	struct stat st;

	snprintf(bin, sizeof bin, "%s/callwatch", bb_build());
	snprintf(name, sizeof name, "%s/alice", b.dir);
	ck_assert_int_eq(bb_run(argv, out, sizeof out), 0);
	snprintf(path, sizeof path, "%s.key", name);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(keyfile_load(path, pub, sec, &why), 0);
	snprintf(path, sizeof path, "%s.pub", name);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0644);
	ck_assert_int_eq(keyfile_load(path, pub2, NULL, &why), 0);
	ck_assert_str_eq(pub, pub2);
	/* The .pub holds no secret. */
	ck_assert_int_eq(keyfile_load(path, pub2, sec, &why), -1);
	ck_assert_ptr_nonnull(strstr(out, pub));
	ck_assert_ptr_nonnull(strstr(out, "- {name: alice, key: \""));
	ck_assert_int_eq(bb_run(argv, out, sizeof out), 1);
	ck_assert_ptr_nonnull(strstr(out, "not overwritten"));
	snprintf(path, sizeof path, "%s.key", name);
	ck_assert_int_eq(keyfile_load(path, pub2, sec, &why), 0);
	ck_assert_str_eq(pub, pub2);
}
END_TEST

/* The command line with keys, and without them against a CURVE daemon. */
START_TEST(the_clients_take_key_files)
{
	char	 bin[256], key[160], server[160], out[8192];
	const char *with[] = { bin, "-c", b.conf, "--key", key,
	    "--server-key", server, "stats", NULL };
	const char *without[] = { bin, "-c", b.conf, "stats", NULL };
	const char *half[] = { bin, "-c", b.conf, "--key", key, "stats",
	    NULL };
	char	 key2[160], events[160];
	const char *send_viewer[] = { bin, "-c", b.conf, "--key", key2,
	    "--server-key", server, "send", events, NULL };
	const char *send_admin[] = { bin, "-c", b.conf, "--key", key,
	    "--server-key", server, "send", events, NULL };
	FILE	*f;

	sec_start();
	snprintf(bin, sizeof bin, "%s/callwatch", bb_build());
	snprintf(key, sizeof key, "%s/ops.key", b.dir);
	snprintf(server, sizeof server, "%s/daemon.pub", b.dir);
	snprintf(key2, sizeof key2, "%s/other.key", b.dir);
	ck_assert_int_eq(keyfile_write(key, ops.pub, ops.sec), 0);
	ck_assert_int_eq(keyfile_write(server, daemon_kp.pub, NULL), 0);
	ck_assert_msg(bb_run(with, out, sizeof out) == 0, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "received"));
	ck_assert_int_eq(bb_run(without, out, sizeof out), 1);
	ck_assert_msg(strstr(out, "the daemon uses CURVE (security.curve in ")
	    != NULL, "%s", out);
	ck_assert_int_eq(bb_run(half, out, sizeof out), 2);
	ck_assert_msg(strstr(out, "CURVE needs both --key FILE") != NULL,
	    "%s", out);

	/* send: a key the feed refuses is an error, not a silent loss. */
	snprintf(events, sizeof events, "%s/ev.jsonl", b.dir);
	f = fopen(events, "w");
	ck_assert_ptr_nonnull(f);
	fputs("{\"type\":\"queued\",\"call_id\":\"q1\",\"ts\":1,"
	    "\"queue\":\"sales\"}\n", f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(keyfile_write(key2, vic.pub, vic.sec), 0);
	ck_assert_int_eq(bb_run(send_viewer, out, sizeof out), 1);
	ck_assert_msg(strstr(out, "the daemon refused this key at ") != NULL,
	    "%s", out);
	ck_assert_int_eq(unlink(key2), 0);
	ck_assert_int_eq(keyfile_write(key2, pbx.pub, pbx.sec), 0);
	ck_assert_msg(bb_run(send_viewer, out, sizeof out) == 0, "%s", out);
	ck_assert_msg(strstr(out, "sent 1 events to ") != NULL &&
	    strstr(out, "(not confirmed") != NULL, "%s", out);
	ck_assert(bb_wait_stat(&b, "received", 1, 3000));
	ck_assert_msg(bb_run(send_admin, out, sizeof out) == 0, "%s", out);
	ck_assert_msg(strstr(out, "sent 1 events to ") != NULL &&
	    strstr(out, "(not confirmed") == NULL, "%s", out);
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}
END_TEST

/* The simulator (and the bridges, which share its output) push with a
 * feed key; without keys they say what is missing. */
START_TEST(the_simulator_pushes_with_a_feed_key)
{
	char	 bin[256], key[160], server[160], out[8192];
	const char *with[] = { bin, "-c", b.conf, "--key", key,
	    "--server-key", server, "--duration", "3s", "--speed", "60",
	    "--seed", "7", "--hour", "10", "--warmup", "10m", NULL };
	const char *without[] = { bin, "-c", b.conf, "--duration", "1s",
	    NULL };

	sec_start();
	snprintf(bin, sizeof bin, "%s/callwatch-sim", bb_build());
	snprintf(key, sizeof key, "%s/pbx.key", b.dir);
	snprintf(server, sizeof server, "%s/daemon.pub", b.dir);
	ck_assert_int_eq(keyfile_write(key, pbx.pub, pbx.sec), 0);
	ck_assert_int_eq(keyfile_write(server, daemon_kp.pub, NULL), 0);
	ck_assert_msg(bb_run(with, out, sizeof out) == 0, "%s", out);
	ck_assert(bb_wait_stat(&b, "applied", 1, 3000));
	ck_assert_int_eq(bb_run(without, out, sizeof out), 1);
	ck_assert_msg(strstr(out, "the daemon uses CURVE") != NULL, "%s",
	    out);
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}
END_TEST

static Suite *
security_suite(void)
{
	Suite	*s = suite_create("security");
	TCase	*tc = tcase_create("curve");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, a_client_without_a_key_gets_nothing);
	tcase_add_test(tc, a_key_not_on_the_list_gets_nothing);
	tcase_add_test(tc, a_viewers_ack_is_refused);
	tcase_add_test(tc,
	    a_supervisor_limited_to_a_queue_sees_and_acts_on_it_only);
	tcase_add_test(tc, a_feed_key_may_only_push_events);
	tcase_add_test(tc, keys_rotate_with_a_reload);
	tcase_add_test(tc, the_wire_does_not_carry_the_caller_number);
	tcase_add_test(tc, without_curve_the_wire_carries_it);
	tcase_add_test(tc, plain_endpoints_off_this_machine_are_refused);
	tcase_add_test(tc, insecure_allows_them_and_says_so);
	tcase_add_test(tc, bad_security_settings_are_reported);
	tcase_add_test(tc, keygen_writes_a_pair_and_refuses_to_overwrite);
	tcase_add_test(tc, the_clients_take_key_files);
	tcase_add_test(tc, the_simulator_pushes_with_a_feed_key);
	tcase_add_test(tc, with_curve_the_wallboard_needs_tokens);
	tcase_add_test(tc,
	    a_scoped_key_follows_its_queues_on_the_control_socket);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return bb_run_suite(security_suite());
}
