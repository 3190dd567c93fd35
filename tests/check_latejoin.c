/*
 * Late joiners under load (SPEC 6): while a PBX pushes thousands of events
 * a second, a client that subscribes, takes a snapshot and applies only
 * what has seq above the snapshot's misses nothing and sees nothing twice.
 * Its view at the end equals that of a client subscribed from the start
 * and the daemon's own final snapshot.
 */
#include <check.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zmq.h>

#include "bb.h"

#define LJ_CALLS	3000	/* calls the PBX places */
#define LJ_SPAN		2.5	/* seconds over which they start */
#define LJ_VIEW		8192	/* ids one view holds */

#define LJ_CONF								\
	"daemon:\n"							\
	"  clock: wall\n"						\
	"  state_file: \"\"\n"						\
	"feeds:\n"							\
	"  - name: main\n"						\
	"    endpoint: %s\n"						\
	"publish:\n"							\
	"  endpoint: %s\n"						\
	"  stats_interval: 100ms\n"					\
	"  hwm: 1000000\n"						\
	"control:\n"							\
	"  endpoint: %s\n"						\
	"queues:\n"							\
	"  fast:\n"							\
	"    normal: [1s, 2s]\n"					\
	"    wait_tiers: [{after: 1s, severity: warning}]\n"

/* One event the PBX sends, at an offset from the start. */
struct lj_ev {
	double		 at;
	char		 json[192];
};

/* What a client knows: open alerts (id -> state/severity), live calls. */
struct lj_view {
	char		*key[LJ_VIEW];
	char		*val[LJ_VIEW];
	size_t		 n;
	double		 seq;		/* last applied */
	double		 limit;		/* apply nothing past it; <0: all */
	size_t		 applied;
	size_t		 skipped;	/* at or below the snapshot's seq */
};

static struct bb b;

/* A fresh folder and ports. */
static void
setup(void)
{
	bb_init(&b);
}

/* Stop whatever runs, clean up. */
static void
teardown(void)
{
	bb_cleanup(&b);
}

/* A small deterministic generator. */
static double
lj_rand(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(*s >> 11) / (double)(1ULL << 53);
}

/* Order events by time. */
static int
lj_cmp(const void *a, const void *b2)
{
	const struct lj_ev *x = a, *y = b2;

	return x->at < y->at ? -1 : x->at > y->at;
}

/*
 * The PBX: LJ_CALLS calls over LJ_SPAN seconds, two in three in queue
 * "fast" (lines at 2, 4 and 8 s, wait line at 1 s); they wait up to 1.5 s,
 * talk up to 3.5 s, some hold; one in five never ends.  Runs in a child.
 */
static void
lj_pbx(const char *feed)
{
	static struct lj_ev ev[LJ_CALLS * 6];
	const char	*qs[] = { "fast", "fast", "other" };
	uint64_t	 seed = 42;
	size_t		 n = 0, i;
	double		 t0;
	void		*ctx = zmq_ctx_new(), *push = zmq_socket(ctx, ZMQ_PUSH);
	int		 hwm = 0;

	zmq_setsockopt(push, ZMQ_SNDHWM, &hwm, sizeof hwm);
	if (zmq_connect(push, feed) != 0)
		_exit(2);
	for (i = 0; i < LJ_CALLS; i++) {
		double	 s = lj_rand(&seed) * LJ_SPAN;
		double	 a = s + lj_rand(&seed) * 1.5;
		double	 h = a + 0.2 + lj_rand(&seed) * 3.3;
		bool	 hold = lj_rand(&seed) < 0.3;
		bool	 ends = lj_rand(&seed) < 0.8;

		ev[n].at = s;
		snprintf(ev[n++].json, sizeof ev[0].json, "{\"type\":\"queued\","
		    "\"call_id\":\"lj-%zu\",\"queue\":\"%s\",\"ts\":",
		    i, qs[i % 3]);
		ev[n].at = a;
		snprintf(ev[n++].json, sizeof ev[0].json, "{\"type\":"
		    "\"answered\",\"call_id\":\"lj-%zu\",\"agent\":\"a-%zu\","
		    "\"ts\":", i, i % 50);
		if (hold && a + 0.3 < h) {
			ev[n].at = a + 0.1;
			snprintf(ev[n++].json, sizeof ev[0].json, "{\"type\":"
			    "\"hold\",\"call_id\":\"lj-%zu\",\"ts\":", i);
			ev[n].at = a + 0.25;
			snprintf(ev[n++].json, sizeof ev[0].json, "{\"type\":"
			    "\"resume\",\"call_id\":\"lj-%zu\",\"ts\":",
			    i);
		}
		if (!ends)
			continue;
		ev[n].at = h;
		snprintf(ev[n++].json, sizeof ev[0].json, "{\"type\":\"hangup\","
		    "\"call_id\":\"lj-%zu\",\"ts\":", i);
		ev[n].at = h + 0.1;
		snprintf(ev[n++].json, sizeof ev[0].json, "{\"type\":"
		    "\"wrapup_end\",\"call_id\":\"lj-%zu\",\"ts\":", i);
	}
	qsort(ev, n, sizeof ev[0], lj_cmp);
	t0 = bb_now();
	for (i = 0; i < n; i++) {
		char	 msg[256];
		int	 len;

		while (bb_now() < t0 + ev[i].at)
			usleep(500);
		len = snprintf(msg, sizeof msg, "%s%.6f}", ev[i].json,
		    t0 + ev[i].at);
		zmq_send(push, msg, (size_t)len, 0);
	}
	zmq_close(push);
	zmq_ctx_term(ctx);
	_exit(0);
}

/* Set key to val (NULL: remove it). */
static void
lj_set(struct lj_view *v, const char *key, const char *val)
{
	size_t	 i;

	for (i = 0; i < v->n; i++)
		if (strcmp(v->key[i], key) == 0)
			break;
	if (i == v->n) {
		if (val == NULL)
			return;
		ck_assert_uint_lt(v->n, LJ_VIEW);
		v->key[v->n] = strdup(key);
		v->val[v->n++] = strdup(val);
		return;
	}
	free(v->val[i]);
	if (val != NULL) {
		v->val[i] = strdup(val);
		return;
	}
	free(v->key[i]);
	v->key[i] = v->key[--v->n];
	v->val[i] = v->val[v->n];
}

/* Free a view's strings. */
static void
lj_clear(struct lj_view *v)
{
	while (v->n > 0)
		lj_set(v, v->key[v->n - 1], NULL);
}

/* A string member, or "" when absent. */
static const char *
lj_str(const cJSON *o, const char *name)
{
	const cJSON	*j = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(j) ? j->valuestring : "";
}

/* Apply one alert or call object to a view. */
static void
lj_apply(struct lj_view *v, const cJSON *o)
{
	const char	*kind = lj_str(o, "kind");
	char		 key[256], val[64];

	if (strcmp(kind, "alert") == 0) {
		snprintf(key, sizeof key, "alert %s", lj_str(o, "id"));
		snprintf(val, sizeof val, "%s %s", lj_str(o, "state"),
		    lj_str(o, "severity"));
		lj_set(v, key, strcmp(lj_str(o, "state"), "resolved") == 0 ?
		    NULL : val);
	} else if (strcmp(kind, "call") == 0) {
		snprintf(key, sizeof key, "call %s", lj_str(o, "call_id"));
		lj_set(v, key, strcmp(lj_str(o, "event"), "ended") == 0 ?
		    NULL : lj_str(o, "state"));
	}
}

/* Load a snapshot into a view: its calls and the alerts it publishes. */
static void
lj_load(struct lj_view *v, const cJSON *snap)
{
	const cJSON	*it;

	lj_clear(v);
	v->seq = cJSON_GetObjectItem(snap, "seq")->valuedouble;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(snap, "calls")) {
		char	 key[256];

		snprintf(key, sizeof key, "call %s", lj_str(it, "call_id"));
		lj_set(v, key, lj_str(it, "state"));
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(snap, "alerts")) {
		/* Its last change is part of what the snapshot covers. */
		ck_assert(cJSON_GetObjectItem(it, "seq")->valuedouble <=
		    v->seq);
		lj_apply(v, it);
	}
}

/* Take one message off a SUB socket into a view, SPEC 6's way. */
static void
lj_take(void *sub, struct lj_view *v)
{
	char	 topic[256], body[65536];
	int	 n;
	cJSON	*o;
	double	 seq;

	n = zmq_recv(sub, topic, sizeof topic - 1, 0);
	ck_assert_int_gt(n, 0);
	n = zmq_recv(sub, body, sizeof body - 1, 0);
	ck_assert_int_gt(n, 0);
	body[n] = '\0';
	o = cJSON_Parse(body);
	ck_assert_ptr_nonnull(o);
	seq = cJSON_GetObjectItem(o, "seq")->valuedouble;
	if ((v->seq >= 0 && seq <= v->seq) ||
	    (v->limit >= 0 && seq > v->limit)) {
		v->skipped++;
		cJSON_Delete(o);
		return;
	}
	/* No gap, no duplicate. */
	if (v->seq >= 0)
		ck_assert_msg(seq == v->seq + 1, "seq %.0f after %.0f", seq,
		    v->seq);
	v->seq = seq;
	v->applied++;
	lj_apply(v, o);
	cJSON_Delete(o);
}

/* A SUB socket on the publish endpoint, subscribed to everything. */
static void *
lj_sub(void)
{
	void	*s = zmq_socket(b.zctx, ZMQ_SUB);
	int	 hwm = 0;

	zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm);
	zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0);
	ck_assert_int_eq(zmq_connect(s, b.pub), 0);
	return s;
}

/* Drain whatever waits on the sockets for ms (both may be NULL-safe). */
static void
lj_drain(void *ref, struct lj_view *rv, void *late, struct lj_view *lv,
    int ms)
{
	double	 end = bb_now() + ms / 1000.0;

	while (bb_now() < end) {
		zmq_pollitem_t it[2] = {
			{ ref, 0, ZMQ_POLLIN, 0 },
			{ late, 0, ZMQ_POLLIN, 0 },
		};
		int	 n = late != NULL ? 2 : 1;

		if (zmq_poll(it, n, 10) <= 0)
			continue;
		if (it[0].revents & ZMQ_POLLIN)
			lj_take(ref, rv);
		if (n == 2 && (it[1].revents & ZMQ_POLLIN))
			lj_take(late, lv);
	}
}

/* Whether two views hold the same keys and values. */
static void
lj_same(const struct lj_view *x, const struct lj_view *y, const char *what)
{
	size_t	 i, j;

	ck_assert_msg(x->n == y->n, "%s: %zu entries, not %zu", what, x->n,
	    y->n);
	for (i = 0; i < x->n; i++) {
		for (j = 0; j < y->n; j++)
			if (strcmp(x->key[i], y->key[j]) == 0)
				break;
		ck_assert_msg(j < y->n, "%s: %s missing", what, x->key[i]);
		ck_assert_msg(strcmp(x->val[i], y->val[j]) == 0,
		    "%s: %s is \"%s\", not \"%s\"", what, x->key[i],
		    x->val[i], y->val[j]);
	}
}

START_TEST(a_late_joiner_misses_nothing_under_load)
{
	static struct lj_view rv, lv, fv;
	void	*ref, *late;
	pid_t	 pbx;
	int	 st;
	cJSON	*snap;
	size_t	 alerts = 0, i;

	rv.seq = lv.seq = rv.limit = lv.limit = -1;
	bb_write_conf(&b, LJ_CONF, b.feed, b.pub, b.ctl);
	ck_assert_msg(bb_start(&b) == 0, "daemon did not start (see %s)",
	    b.log);
	/* The reference client: live once it sees a stats round. */
	ref = lj_sub();
	while (rv.applied == 0)
		lj_drain(ref, &rv, NULL, NULL, 50);
	if ((pbx = fork()) == 0)
		lj_pbx(b.feed);
	ck_assert_int_gt(pbx, 0);
	lj_drain(ref, &rv, NULL, NULL, 1200);
	/* The late joiner: subscribe, wait until the subscription is live,
	 * snapshot, then apply only what is newer. */
	late = lj_sub();
	while (zmq_poll((zmq_pollitem_t[]){ { late, 0, ZMQ_POLLIN, 0 } }, 1,
	    0) == 0)
		lj_drain(ref, &rv, NULL, NULL, 5);
	snap = bb_request(&b, "{\"cmd\":\"snapshot\"}", 5000);
	ck_assert_ptr_nonnull(snap);
	lj_load(&lv, snap);
	ck_assert_msg(cJSON_GetArraySize(cJSON_GetObjectItem(snap, "calls"))
	    > 100, "the snapshot was taken with too little going on");
	cJSON_Delete(snap);
	/* Let the PBX finish, then the alerts settle. */
	while (waitpid(pbx, &st, WNOHANG) == 0)
		lj_drain(ref, &rv, late, &lv, 50);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	lj_drain(ref, &rv, late, &lv, 1500);
	snap = bb_request(&b, "{\"cmd\":\"snapshot\"}", 5000);
	ck_assert_ptr_nonnull(snap);
	lj_load(&fv, snap);
	cJSON_Delete(snap);
	/* Both clients catch up with the final snapshot, and stop there
	 * (calls that never end go on escalating). */
	rv.limit = lv.limit = fv.seq;
	lj_drain(ref, &rv, late, &lv, 500);
	fprintf(stderr, "late joiner: skipped %zu at or below its snapshot, "
	    "applied %zu; reference applied %zu; final seq %.0f\n",
	    lv.skipped, lv.applied, rv.applied, fv.seq);
	ck_assert_uint_gt(lv.applied, 1000);
	ck_assert_msg(lv.seq == fv.seq && rv.seq == fv.seq, "late at %.0f, "
	    "reference at %.0f, snapshot at %.0f", lv.seq, rv.seq, fv.seq);
	for (i = 0; i < fv.n; i++)
		alerts += strncmp(fv.key[i], "alert ", 6) == 0;
	ck_assert_msg(alerts > 50, "only %zu open alerts at the end", alerts);
	lj_same(&lv, &fv, "late joiner vs final snapshot");
	lj_same(&rv, &fv, "reference vs final snapshot");
	lj_clear(&rv);
	lj_clear(&lv);
	lj_clear(&fv);
	zmq_close(ref);
	zmq_close(late);
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}
END_TEST

/* The suite. */
static Suite *
latejoin_suite(void)
{
	Suite	*s = suite_create("latejoin");
	TCase	*tc = tcase_create("load");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, a_late_joiner_misses_nothing_under_load);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return bb_run_suite(latejoin_suite());
}
