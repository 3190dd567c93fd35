/*
 * The harnesses' common part (fuzz.h).  A check that fails prints why on
 * the stderr the process started with and aborts, so libFuzzer keeps the
 * input as a crash even when it runs with -close_fd_mask=2 (which sends
 * the daemon's own log to /dev/null).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"

/* Figures of one queue recounted from the calls, to compare. */
struct fuzz_qcount {
	struct queue	*q;		/* the queue */
	uint32_t	 nstate[CALL_NSTATES];	/* live calls per state */
	uint32_t	 over_normal;	/* calls flagged past normal */
	uint32_t	 waiting;	/* queued with a known queued_at */
};

/* A copy of stderr taken before libFuzzer may close it. */
static int	 fuzz_errfd = 2;

/* Keep a stderr of our own; log everything, so every log line runs. */
void
fuzz_init(void)
{
	int	 fd = dup(2);

	if (fd >= 0)
		fuzz_errfd = fd;
	log_setlevel(LOG_LVL_DEBUG);
}

/* Say which check failed and abort: libFuzzer saves the input. */
void
fuzz_fail(const char *fmt, ...)
{
	char	 msg[2048];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	dprintf(fuzz_errfd, "fuzz: check failed: %s\n", msg);
	abort();
}

/* A memory file holding len bytes; its path, /proc/self/fd/N. */
char *
fuzz_memfd(const char *name, const void *data, size_t len)
{
	int	 fd = memfd_create(name, 0);
	char	*path;

	if (fd == -1)
		fuzz_fail("memfd_create: %s", strerror(errno));
	xasprintf(&path, "/proc/self/fd/%d", fd);
	fuzz_memfd_set(path, data, len);
	return path;
}

/* Replace what the memory file at path holds. */
void
fuzz_memfd_set(const char *path, const void *data, size_t len)
{
	int	 fd = open(path, O_WRONLY | O_TRUNC);
	size_t	 off = 0;
	ssize_t	 n;

	if (fd == -1)
		fuzz_fail("open %s: %s", path, strerror(errno));
	while (off < len) {
		if ((n = write(fd, (const char *)data + off, len - off)) <= 0)
			fuzz_fail("write %s: %s", path, strerror(errno));
		off += (size_t)n;
	}
	close(fd);
}

/* The built-in defaults on the event clock, no stats (as testd). */
struct config *
fuzz_config(void)
{
	struct config	*cfg = config_default();

	cfg->clock = CLOCK_EVENT;
	cfg->stats_interval = 0;
	/* A FreeSWITCH feed beside the callwatch one (fuzz_send_feed). */
	cfg->feeds = xcalloc(1, sizeof *cfg->feeds);
	cfg->nfeeds = 1;
	cfg->feeds[0].name = xstrdup("fs");
	cfg->feeds[0].endpoint = xstrdup("ipc:///nonexistent/fuzz-fs");
	cfg->feeds[0].format = FORMAT_FREESWITCH;
	return cfg;
}

/* A string member, or NULL. */
static const char *
fuzz_str(const cJSON *o, const char *name)
{
	const cJSON	*j = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(j) ? j->valuestring : NULL;
}

/* A finite number member, or fail. */
static double
fuzz_num(const cJSON *o, const char *name, const char *what)
{
	const cJSON	*j = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!cJSON_IsNumber(j) || !isfinite(j->valuedouble))
		fuzz_fail("%s without a finite number \"%s\"", what, name);
	return j->valuedouble;
}

/* Whether s is one of the NULL-terminated names. */
static bool
fuzz_oneof(const char *s, const char *const *names)
{
	for (; s != NULL && *names != NULL; names++)
		if (strcmp(s, *names) == 0)
			return true;
	return false;
}

/*
 * Check a published alert against its topic (its queue's, or the one it
 * moved from) and the clock.
 */
static void
fuzz_check_alert(struct fuzzd *fd, const cJSON *o, const char *topic)
{
	static const char *const states[] = { "firing", "escalated",
	    "acked", "resolved", NULL };
	static const char *const sevs[] = { "info", "warning", "critical",
	    NULL };
	const char	*id = fuzz_str(o, "id"), *cid = fuzz_str(o, "call_id");
	const char	*rule = fuzz_str(o, "rule"), *q = fuzz_str(o, "queue");
	const char	*sev = fuzz_str(o, "severity"), *msg;
	const char	*from = fuzz_str(o, "moved_from");
	char		*want, *want_from = NULL;
	double		 ts;

	if (id == NULL || cid == NULL || rule == NULL || q == NULL)
		fuzz_fail("alert without id, call_id, rule or queue: %s",
		    topic);
	xasprintf(&want, "%s/%s", cid, rule);
	if (strcmp(id, want) != 0)
		fuzz_fail("alert id %s is not call_id/rule %s", id, want);
	free(want);
	if (!fuzz_oneof(fuzz_str(o, "state"), states) ||
	    !fuzz_oneof(sev, sevs))
		fuzz_fail("alert %s with a bad state or severity", id);
	xasprintf(&want, "alert/%s/%s", q, sev);
	if (from != NULL)
		xasprintf(&want_from, "alert/%s/%s", from, sev);
	if (strcmp(topic, want) != 0 && (want_from == NULL ||
	    strcmp(topic, want_from) != 0))
		fuzz_fail("alert on topic %s, not %s", topic, want);
	free(want);
	free(want_from);
	/* Only a sentiment score may be below zero, and not below -1. */
	if (strcmp(fuzz_str(o, "rule"), "sentiment") == 0 ?
	    fuzz_num(o, "value", "alert") < -1 ||
	    fuzz_num(o, "threshold", "alert") < -1 :
	    fuzz_num(o, "value", "alert") < 0 ||
	    fuzz_num(o, "threshold", "alert") < 0)
		fuzz_fail("alert %s with a negative figure", id);
	ts = fuzz_num(o, "ts", "alert");
	if (llround(ts * 1e6) > fd->d->now + 1)
		fuzz_fail("alert %s stamped %.6f, after now %.6f", id, ts,
		    dur_seconds(fd->d->now));
	if ((msg = fuzz_str(o, "message")) == NULL || *msg == '\0')
		fuzz_fail("alert %s without a message", id);
}

/* Check each published message: UTF-8 JSON, next seq, right topic. */
static void
fuzz_sink(void *arg, const char *topic, const char *json, size_t len)
{
	struct fuzzd	*fd = arg;
	cJSON		*o;
	const char	*kind, *q;
	char		*want;

	if (memchr(json, '\0', len) != NULL || !decode_utf8_valid(json, len))
		fuzz_fail("published bytes are not UTF-8 text: %s", topic);
	if ((o = cJSON_ParseWithLength(json, len)) == NULL ||
	    !cJSON_IsObject(o))
		fuzz_fail("published a non-object: %.*s", (int)len, json);
	if (fuzz_num(o, "seq", "message") != (double)(fd->seq + 1))
		fuzz_fail("seq %.0f after %llu", fuzz_num(o, "seq", "message"),
		    (unsigned long long)fd->seq);
	kind = fuzz_str(o, "kind");
	if ((q = fuzz_str(o, "queue")) == NULL || !name_valid(q, strlen(q)))
		fuzz_fail("published without a valid queue: %s", topic);
	if (kind != NULL && strcmp(kind, "alert") == 0)
		fuzz_check_alert(fd, o, topic);
	else if (kind != NULL && (strcmp(kind, "stats") == 0 ||
	    strcmp(kind, "call") == 0)) {
		/* A move goes out on the old queue's topic too. */
		const char *from = fuzz_str(o, "moved_from");

		xasprintf(&want, "%s/%s", kind, q);
		if (strcmp(topic, want) != 0) {
			free(want);
			if (from == NULL || strcmp(kind, "call") != 0)
				xasprintf(&want, "%s/%s", kind, q);
			else
				xasprintf(&want, "%s/%s", kind, from);
			if (strcmp(topic, want) != 0)
				fuzz_fail("%s on topic %s, not %s/%s", kind,
				    topic, kind, q);
		}
		free(want);
	} else
		fuzz_fail("published an unknown kind on %s", topic);
	fd->seq++;
	fd->nmsgs++;
	cJSON_Delete(o);
}

/* A daemon on cfg (which it owns), publishing into the checks. */
struct fuzzd *
fuzz_new(struct config *cfg)
{
	struct fuzzd	*fd = xcalloc(1, sizeof *fd);

	fd->d = daemon_new(NULL, cfg, true);
	fd->d->pub = pub_new_fn(fuzz_sink, fd);
	return fd;
}

/* Free the daemon; NULL-safe. */
void
fuzz_free(struct fuzzd *fd)
{
	if (fd == NULL)
		return;
	daemon_free(fd->d);
	free(fd);
}

/* An exact-size heap copy, so ASan sees a read one byte too far. */
static char *
fuzz_copy(const void *p, size_t len)
{
	char	*c = malloc(len > 0 ? len : 1);

	if (c == NULL)
		abort();
	memcpy(c, p, len);
	return c + (len > 0 ? 0 : 1);
}

/* Free what fuzz_copy() returned. */
static void
fuzz_copy_free(char *c, size_t len)
{
	free(c - (len > 0 ? 0 : 1));
}

/* Feed one message, as a feed socket would. */
void
fuzz_send(struct fuzzd *fd, const void *msg, size_t len)
{
	fuzz_send_feed(fd, "fuzz", msg, len);
}

/* Feed one message through the feed called name (its format). */
void
fuzz_send_feed(struct fuzzd *fd, const char *name, const void *msg,
    size_t len)
{
	char	*c = fuzz_copy(msg, len);

	fd->fed++;
	daemon_message(fd->d, c, len, name);
	fuzz_copy_free(c, len);
	if (fd->d->now < fd->now)
		fuzz_fail("the event clock went back");
	fd->now = fd->d->now;
}

/* Feed one message, printf-style. */
void
fuzz_sendf(struct fuzzd *fd, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	fuzz_send(fd, s, (size_t)n);
	free(s);
}

/* Send a control request; check the reply's shape; the parsed reply. */
cJSON *
fuzz_request(struct fuzzd *fd, const void *req, size_t len)
{
	char		*c = fuzz_copy(req, len), *r;
	const char	*end = NULL, *err;
	size_t		 outlen;
	cJSON		*o;
	const cJSON	*ok;

	r = control_handle(fd->d, c, len, &outlen);
	fuzz_copy_free(c, len);
	if (r == NULL || strlen(r) != outlen)
		fuzz_fail("control reply missing or holding a NUL");
	if (!decode_utf8_valid(r, outlen))
		fuzz_fail("control reply is not valid UTF-8: %s", r);
	o = cJSON_ParseWithLengthOpts(r, outlen, &end, 0);
	if (!cJSON_IsObject(o) || end != r + outlen)
		fuzz_fail("control reply is not one JSON object: %s", r);
	ok = cJSON_GetObjectItemCaseSensitive(o, "ok");
	if (!cJSON_IsBool(ok))
		fuzz_fail("control reply without ok: %s", r);
	err = fuzz_str(o, "error");
	if (cJSON_IsFalse(ok) && (err == NULL || *err == '\0'))
		fuzz_fail("control error without a reason: %s", r);
	free(r);
	return o;
}

/* Order recounts by queue address, for bsearch. */
static int
fuzz_qcount_cmp(const void *a, const void *b)
{
	uintptr_t	 x = (uintptr_t)((const struct fuzz_qcount *)a)->q;
	uintptr_t	 y = (uintptr_t)((const struct fuzz_qcount *)b)->q;

	return (x > y) - (x < y);
}

/* Check one alert list: a rule at most once, open, a real severity. */
static size_t
fuzz_check_alerts(const struct call *c)
{
	const struct alert *a;
	unsigned	 seen = 0;
	size_t		 n = 0;

	for (a = c->alerts; a != NULL; a = a->next, n++) {
		if ((unsigned)a->rule >= RULE_COUNT || (seen & (1u << a->rule)))
			fuzz_fail("call %s: rule %d bad or twice", c->id,
			    a->rule);
		seen |= 1u << a->rule;
		if (a->sev < SEV_INFO || a->sev > SEV_CRITICAL ||
		    a->state == ALERT_RESOLVED)
			fuzz_fail("call %s: alert %s sev %d state %d", c->id,
			    rule_name(a->rule), a->sev, a->state);
	}
	return n;
}

/* The first line of a tier list above severity s, or NULL. */
static const struct line *
fuzz_next_line(const struct line *lines, int n, enum sev s)
{
	int	 i;

	for (i = 0; i < n; i++)
		if (lines[i].sev > s)
			return &lines[i];
	return NULL;
}

/*
 * Check that no line is overdue: every timer strictly before now has
 * fired (SPEC 4.2), so the call's next wait or handle-time line, its
 * normal range's top and going stale all lie at now or later.
 */
static void
fuzz_check_lines(struct daemon *d, struct call *c)
{
	const struct qrules *r = &c->q->r;
	const struct line *l;
	const char	*st = call_state_name((enum call_state)c->state);
	cw_time		 now = d->now;

	if (c->last_seen + d->cfg->max_call_age < now)
		fuzz_fail("call %s silent since %lld, should be stale by %lld",
		    c->id, (long long)c->last_seen, (long long)now);
	if (c->state == CALL_QUEUED) {
		l = fuzz_next_line(r->wait, r->nwait,
		    alert_sev(c, RULE_LONG_WAIT));
		if (c->queued_at != CW_TIME_NONE && l != NULL &&
		    c->queued_at + l->at < now)
			fuzz_fail("call %s: wait line %lld overdue at %lld",
			    c->id, (long long)(c->queued_at + l->at),
			    (long long)now);
		return;
	}
	if (!(c->flags & CALL_OVER_NORMAL) &&
	    c->answered_at + r->normal[1] < now)
		fuzz_fail("call %s (%s in %s, wrapup %d): past normal but not "
		    "counted over it", c->id, st, c->q->name, r->wrapup);
	l = fuzz_next_line(r->tiers, r->ntiers, alert_sev(c, RULE_LONG_CALL));
	if (l != NULL && c->answered_at + l->at < now)
		fuzz_fail("call %s (%s in %s, wrapup %d): handle-time line %lld "
		    "overdue at %lld", c->id, st, c->q->name, r->wrapup,
		    (long long)(c->answered_at + l->at), (long long)now);
}

/* Check one live call and count it in its queue's recount. */
static void
fuzz_check_call(struct fuzzd *fd, struct call *c, struct fuzz_qcount *qc,
    size_t nq, size_t *agents)
{
	struct fuzz_qcount key = { .q = c->q }, *k;
	const char	*caller = call_caller(c);

	if (c->state >= CALL_ENDED)
		fuzz_fail("call %s in the table in state %d", c->id, c->state);
	if (c->idlen == 0 || c->idlen > CW_MAX_CALL_ID ||
	    strlen(c->id) != c->idlen ||
	    calls_find(&fd->d->calls, c->id, c->idlen) != c)
		fuzz_fail("call %s: id or map entry wrong", c->id);
	if (c->tn.where == -1)
		fuzz_fail("call %s has no timer armed", c->id);
	if ((k = bsearch(&key, qc, nq, sizeof *qc, fuzz_qcount_cmp)) == NULL)
		fuzz_fail("call %s points at no known queue", c->id);
	k->nstate[c->state]++;
	if (c->state == CALL_QUEUED && c->answered_at != CW_TIME_NONE)
		fuzz_fail("call %s queued yet answered", c->id);
	if (c->state != CALL_QUEUED && c->answered_at == CW_TIME_NONE)
		fuzz_fail("call %s %s without answered_at", c->id,
		    call_state_name((enum call_state)c->state));
	if (c->state == CALL_ON_HOLD && c->hold_at == CW_TIME_NONE)
		fuzz_fail("call %s on hold without hold_at", c->id);
	if (c->state == CALL_QUEUED && c->queued_at != CW_TIME_NONE)
		k->waiting++;
	if (c->wait_idx != 0 && (c->wait_idx > c->q->nwait ||
	    c->q->wait[c->wait_idx - 1] != c))
		fuzz_fail("call %s: wait_idx %u not its place in %s", c->id,
		    c->wait_idx, c->q->name);
	if (c->flags & CALL_OVER_NORMAL) {
		if (c->state == CALL_QUEUED)
			fuzz_fail("call %s over normal while queued", c->id);
		k->over_normal++;
	}
	if (caller != NULL && !label_valid(caller, strlen(caller)))
		fuzz_fail("call %s: bad caller", c->id);
	if (c->agent != NULL) {
		if (c->agent->refs == 0 || strlen(c->agent->s) != c->agent->len)
			fuzz_fail("call %s: bad agent", c->id);
		(*agents)++;
	}
	fuzz_check_alerts(c);
	fuzz_check_lines(fd->d, c);
}

/* Check a queue's figures and waiting heap against the recount. */
static void
fuzz_check_queue(const struct fuzz_qcount *k)
{
	const struct queue *q = k->q;
	const struct call *p;
	uint32_t	 i;
	int		 s;

	for (s = 0; s < CALL_ENDED; s++)
		if (q->nstate[s] != k->nstate[s])
			fuzz_fail("queue %s: nstate[%s] %u, calls say %u",
			    q->name, call_state_name((enum call_state)s),
			    q->nstate[s], k->nstate[s]);
	if (q->nstate[CALL_ENDED] != 0 || q->over_normal != k->over_normal)
		fuzz_fail("queue %s: ended %u, over_normal %u (calls say %u)",
		    q->name, q->nstate[CALL_ENDED], q->over_normal,
		    k->over_normal);
	if (q->nwait != k->waiting || q->nwait > q->capwait)
		fuzz_fail("queue %s: %u waiting of %u, calls say %u", q->name,
		    q->nwait, q->capwait, k->waiting);
	for (i = 0; i < q->nwait; i++) {
		p = q->wait[i];
		if (p->wait_idx != i + 1 || p->q != q ||
		    p->state != CALL_QUEUED || p->queued_at == CW_TIME_NONE)
			fuzz_fail("queue %s: waiting entry %u wrong", q->name,
			    i);
		if (i > 0 && q->wait[(i - 1) / 2]->queued_at > p->queued_at)
			fuzz_fail("queue %s: waiting heap out of order at %u",
			    q->name, i);
	}
}

/* Check the counters: every message read is counted exactly once. */
static void
fuzz_check_counters(struct fuzzd *fd)
{
	const struct counters *n = &fd->d->n;
	uint64_t	 sum = n->heartbeats + n->applied + n->duplicates +
			    n->ignored + n->skipped;
	int		 i;

	for (i = 0; i < REJ_COUNT; i++)
		sum += n->rejected[i];
	if (n->received != fd->fed || sum != n->received)
		fuzz_fail("received %llu, fed %llu, accounted for %llu",
		    (unsigned long long)n->received,
		    (unsigned long long)fd->fed, (unsigned long long)sum);
	if (pub_seq(fd->d->pub) != fd->seq ||
	    pub_published(fd->d->pub) != fd->nmsgs)
		fuzz_fail("pub says seq %llu, the sink saw %llu",
		    (unsigned long long)pub_seq(fd->d->pub),
		    (unsigned long long)fd->seq);
}

/* Sum the references held on interned agent names. */
static size_t
fuzz_agent_refs(struct daemon *d)
{
	const struct istr *is;
	size_t		 pos = 0, refs = 0;

	while ((is = smap_next(&d->agents.map, &pos)) != NULL) {
		if (is->refs == 0)
			fuzz_fail("agent %s interned with no reference",
			    is->s);
		refs += is->refs;
	}
	return refs;
}

/* Check the invariants of the call table, queues, timers and counters. */
void
fuzz_check(struct fuzzd *fd)
{
	struct daemon	*d = fd->d;
	size_t		 nq = d->queues.count, ncalls = calls_count(&d->calls);
	size_t		 i = 0, pos = 0, seen = 0, agents = 0;
	struct fuzz_qcount *qc = xcalloc(nq + 1, sizeof *qc);
	struct queue	*q;
	struct call	*c;

	while ((q = queues_next(&d->queues, &pos)) != NULL) {
		if (i == nq)
			fuzz_fail("more queues than queues.count %zu", nq);
		qc[i++].q = q;
	}
	if (i != nq)
		fuzz_fail("queues.count %zu, map holds %zu", nq, i);
	qsort(qc, nq, sizeof *qc, fuzz_qcount_cmp);
	for (pos = 0; (c = calls_next(&d->calls, &pos)) != NULL; seen++)
		fuzz_check_call(fd, c, qc, nq, &agents);
	if (seen != ncalls)
		fuzz_fail("calls_count %zu, map holds %zu", ncalls, seen);
	for (i = 0; i < nq; i++)
		fuzz_check_queue(&qc[i]);
	free(qc);
	/* One per call, and the stats round and next silence end. */
	if (timers_count(d->timers) != ncalls +
	    (d->stats_tn.where != -1) + (d->silence_tn.where != -1))
		fuzz_fail("%zu timers armed for %zu calls",
		    timers_count(d->timers), ncalls);
	if (fuzz_agent_refs(d) != agents)
		fuzz_fail("agent references %zu, calls with agents %zu",
		    fuzz_agent_refs(d), agents);
	fuzz_check_counters(fd);
}

/* The size of an array member, or fail. */
static int
fuzz_array_size(const cJSON *o, const char *name)
{
	const cJSON	*a = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!cJSON_IsArray(a))
		fuzz_fail("reply without the array %s", name);
	return cJSON_GetArraySize(a);
}

/* Send a request that must succeed; the parsed reply. */
static cJSON *
fuzz_request_ok(struct fuzzd *fd, const char *req)
{
	cJSON	*o = fuzz_request(fd, req, strlen(req));

	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "ok")))
		fuzz_fail("%s failed: %s", req, fuzz_str(o, "error"));
	return o;
}

/* Check snapshot (whole and for one queue) and stats against the table. */
void
fuzz_check_control(struct fuzzd *fd)
{
	struct daemon	*d = fd->d;
	struct call	*c;
	size_t		 pos = 0, alerts = 0, ncalls = calls_count(&d->calls);
	uint32_t	 indef = 0;
	cJSON		*o;
	int		 s;

	while ((c = calls_next(&d->calls, &pos)) != NULL)
		alerts += fuzz_check_alerts(c);
	o = fuzz_request_ok(fd, "{\"cmd\":\"snapshot\"}");
	if (fuzz_num(o, "seq", "snapshot") != (double)fd->seq ||
	    fuzz_array_size(o, "calls") != (int)ncalls ||
	    fuzz_array_size(o, "alerts") + fuzz_array_size(o, "held") !=
	    (int)alerts ||
	    fuzz_array_size(o, "queues") != (int)d->queues.count)
		fuzz_fail("snapshot disagrees with the daemon");
	cJSON_Delete(o);
	for (s = 0; s < CALL_ENDED; s++)
		indef += d->qdefault->nstate[s];
	o = fuzz_request_ok(fd, "{\"cmd\":\"snapshot\",\"queue\":\"default\"}");
	if (fuzz_array_size(o, "calls") != (int)indef ||
	    fuzz_array_size(o, "queues") != 1)
		fuzz_fail("snapshot of queue default: %d calls, not %u",
		    fuzz_array_size(o, "calls"), indef);
	cJSON_Delete(o);
	o = fuzz_request_ok(fd, "{\"cmd\":\"stats\"}");
	if (fuzz_num(o, "received", "stats") != (double)fd->fed ||
	    fuzz_num(o, "calls", "stats") != (double)ncalls ||
	    fuzz_num(o, "published", "stats") != (double)fd->nmsgs)
		fuzz_fail("stats disagree with the daemon");
	cJSON_Delete(o);
}
