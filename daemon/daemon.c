/*
 * The daemon: owns the clock, the call table, the queues, the timers and
 * the sockets, and passes each feed message down the line
 * (decode -> clock -> timers -> calls).  Everything hangs off one struct
 * daemon so a test can build two in one process.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>

#include <cJSON.h>
#include <event2/event.h>
#include <zmq.h>

#include "cw.h"

/* Milliseconds a closing socket may spend flushing what it holds. */
#define DAEMON_LINGER_MS	1000

/* A timer fired: the node is a call's. */
static void
daemon_fire(void *arg, struct wheel_node *n, cw_time t)
{
	struct daemon	*d = arg;

	if (n == &d->stats_tn)
		daemon_stats_round(d, t);
	else if (n == &d->silence_tn) {
		silences_expire(&d->silences, t);
		daemon_silences_release(d);
	} else
		call_timer(d, container_of(n, struct call, tn), t);
}

/*
 * The timers are about to fire what is due by now (wall clock): journal
 * the tick first, so a replay after a crash fires the same lines at the
 * same time instead of firing them again later.
 */
static void
daemon_tick(void *arg, cw_time now)
{
	struct daemon	*d = arg;

	if (d->journal == NULL || d->clock_held)
		return;
	journal_add(d->journal, now, 'T', "timers", "", 0);
	journal_flush(d->journal);
}

/*
 * Arm the stats round for the next multiple of stats_interval after the
 * clock (once the event clock has a time), or disarm it when off.
 */
static void
daemon_stats_arm(struct daemon *d)
{
	cw_time	 iv = d->cfg->stats_interval, now = daemon_clock(d);

	if (iv <= 0 || now <= 0) {
		timers_disarm(d->timers, &d->stats_tn);
		return;
	}
	/* The next multiple not yet passed (one at now has not fired). */
	timers_arm(d->timers, &d->stats_tn, (now + iv - 1) / iv * iv);
}

/*
 * Wall clock: start the clock and the timers over at t, the time a state
 * file was written, before its calls are restored and the journal after
 * it is applied on the times it recorded.  Only while no call is live.
 */
void
daemon_rewind(struct daemon *d, cw_time t)
{
	if (d->cfg->clock != CLOCK_WALL || calls_count(&d->calls) > 0)
		return;
	timers_free(d->timers);
	d->timers = timers_new(d->base, true, t, daemon_fire, d);
	timers_on_wake(d->timers, daemon_tick, d);
	d->now = t;
	wheel_node_init(&d->stats_tn);
	wheel_node_init(&d->silence_tn);
	daemon_stats_arm(d);
}

/*
 * Publish every queue's figures on stats/<queue>, stamped t (SPEC 5).
 * After a gap (the event clock jumped) the next round is the next one
 * after now, not every round missed.
 */
void
daemon_stats_round(struct daemon *d, cw_time t)
{
	char		 topic[CW_MAX_NAME + 16];
	struct queue	*q;
	size_t		 pos = 0;
	cw_time		 iv = d->cfg->stats_interval;

	while ((q = queues_next(&d->queues, &pos)) != NULL) {
		cJSON	*o;

		/* A queue the config does not name goes quiet when idle. */
		if (!q->configured && queue_idle(q, t))
			continue;
		o = queue_stats_json(q, t);

		snprintf(topic, sizeof topic, "%s%s", CW_TOPIC_STATS,
		    q->name);
		pub_send(d->pub, topic, o);
		cJSON_Delete(o);
	}
	if (iv > 0 && t + iv >= daemon_clock(d))
		timers_arm(d->timers, &d->stats_tn, t + iv);
	else
		daemon_stats_arm(d);
}

/* Arm the timer for the next silence to end. */
void
daemon_silences_arm(struct daemon *d)
{
	cw_time	 next = silences_next(&d->silences);

	if (next == CW_TIME_NONE)
		timers_disarm(d->timers, &d->silence_tn);
	else
		timers_arm(d->timers, &d->silence_tn, next);
}

/*
 * Silences ended or were lifted: re-arm, and publish the open alerts no
 * longer held back.  That walks every live call (about 20 ms at a
 * million), which a silence ending may afford; adding one does not walk.
 */
void
daemon_silences_release(struct daemon *d)
{
	struct call	*c;
	size_t		 pos = 0;

	daemon_silences_arm(d);
	while ((c = calls_next(&d->calls, &pos)) != NULL)
		if (c->alerts != NULL)
			alert_release(d, c);
}

/* A seed for the hash tables: random, or fixed for a replay. */
static uint64_t
daemon_seed(bool replay)
{
	uint64_t	 seed = 0x63616c6c77617463ULL;

	if (!replay && getrandom(&seed, sizeof seed, 0) != sizeof seed)
		log_warn("getrandom; using a fixed hash seed");
	return seed;
}

/*
 * A daemon on config cfg (which it now owns).  With replay, the clock is
 * the event clock whatever the config says, and no socket is opened.
 */
struct daemon *
daemon_new(struct event_base *base, struct config *cfg, bool replay)
{
	struct daemon	*d = xcalloc(1, sizeof *d);
	bool		 wall;

	d->base = base;
	d->cfg = cfg;
	d->replay = replay;
	if (replay)
		cfg->clock = CLOCK_EVENT;
	wall = cfg->clock == CLOCK_WALL;
	d->now = wall ? dur_wallclock() : 0;
	d->started = dur_wallclock();
	d->seed = daemon_seed(replay);
	d->timers = timers_new(base, wall, d->now, daemon_fire, d);
	timers_on_wake(d->timers, daemon_tick, d);
	d->dec = decode_new();
	d->fsdec = fsdecode_new(d->seed ^ 5);
	calls_init(&d->calls, d->seed);
	queues_init(&d->queues, d->seed ^ 1);
	intern_init(&d->agents, d->seed ^ 2);
	tombs_init(&d->tombs);
	callers_init(&d->callers, d->seed ^ 3, (size_t)cfg->max_callers,
	    config_repeat_window(cfg));
	shorts_init(&d->shorts, d->seed ^ 4);
	silences_init(&d->silences);
	wheel_node_init(&d->stats_tn);
	wheel_node_init(&d->silence_tn);
	daemon_stats_arm(d);
	d->qdefault = queues_get(&d->queues, cfg, CW_QUEUE_DEFAULT, true);
	queues_reconfigure(&d->queues, cfg);
	return d;
}

static void	daemon_checkpoint_arm(struct daemon *);
static void	daemon_feed_check(evutil_socket_t, short, void *);
static void	daemon_feed_restore(struct daemon *);

/* Create, configure and bind the publish socket; NULL with *cause. */
static void *
daemon_bind_pub(struct daemon *d, const char *ep, int hwm, char **cause)
{
	void	*s = zmq_socket(d->zctx, ZMQ_PUB);
	int	 linger = DAEMON_LINGER_MS;

	if (s == NULL)
		fatalx("zmq_socket: %s", zmq_strerror(errno));
	zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
	if (hwm > 0)
		zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm);
	if (d->auth != NULL)
		auth_server(d->auth, s, AUTH_PUBLISH);
	if (zmq_bind(s, ep) == -1) {
		xasprintf(cause, "cannot bind %s: %s", ep,
		    zmq_strerror(errno));
		zmq_close(s);
		return NULL;
	}
	return s;
}

/* SIGTERM, SIGINT: leave the loop (main flushes and exits 0). */
static void
daemon_sigterm(evutil_socket_t sig, short what, void *arg)
{
	struct daemon	*d = arg;

	(void)what;
	log_info("signal received signal=%s; stopping",
	    sig == SIGINT ? "SIGINT" : "SIGTERM");
	event_base_loopexit(d->base, NULL);
}

/* SIGHUP: reload the config, keeping the old one if the new is bad. */
static void
daemon_sighup(evutil_socket_t sig, short what, void *arg)
{
	struct daemon	*d = arg;
	char		*cause = NULL;

	(void)sig;
	(void)what;
	if (daemon_reload(d, &cause) == -1) {
		log_warnx("reload failed: %s; keeping the running "
		    "configuration", cause);
		free(cause);
	}
}

/* Watch the signals through the loop (never async handlers). */
static void
daemon_signals(struct daemon *d)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	size_t	 i;

	for (i = 0; i < nitems(sigs); i++) {
		d->sigev[i] = evsignal_new(d->base, sigs[i],
		    sigs[i] == SIGHUP ? daemon_sighup : daemon_sigterm, d);
		if (d->sigev[i] == NULL || evsignal_add(d->sigev[i], NULL))
			fatalx("evsignal_new");
	}
}

/* Open every socket: publish, control, feeds.  -1 with *cause. */
int
daemon_open(struct daemon *d, char **cause)
{
	void	*pubsock;
	size_t	 i;

	if ((d->zctx = zmq_ctx_new()) == NULL)
		fatalx("zmq_ctx_new: %s", zmq_strerror(errno));
	/* The ZAP handler first: a CURVE socket without it admits all. */
	if (d->cfg->curve && (d->auth = auth_new(d, cause)) == NULL)
		return -1;
	if (d->cfg->insecure)
		log_warnx("security.insecure: true: endpoints off this machine "
		    "may be plain; anyone who reaches them reads calls and "
		    "changes alerts");
	pubsock = daemon_bind_pub(d, d->cfg->pub_endpoint, d->cfg->pub_hwm,
	    cause);
	if (pubsock == NULL)
		return -1;
	d->pubsock = pubsock;
	d->pub = pub_new_zmq(pubsock);
	pub_set_seq(d->pub, d->seq_ceiling);	/* a restored state's */
	if ((d->control = control_new(d, d->cfg->control_endpoint,
	    cause)) == NULL)
		return -1;
	d->feeds = xcalloc(d->cfg->nfeeds, sizeof(struct feed *));
	for (i = 0; i < d->cfg->nfeeds; i++) {
		if ((d->feeds[i] = feed_new(d, &d->cfg->feeds[i],
		    cause)) == NULL)
			return -1;
		d->nfeeds++;
	}
	daemon_signals(d);
	daemon_checkpoint_arm(d);
	d->fw = xcalloc(d->nfeeds, sizeof *d->fw);
	daemon_feed_restore(d);
	if ((d->fw_ev = event_new(d->base, -1, EV_PERSIST, daemon_feed_check,
	    d)) == NULL || event_add(d->fw_ev, &(struct timeval){ 1, 0 }) == -1)
		fatalx("feed watch timer");
	if (d->cfg->http_listen[0] != '\0' &&
	    (d->http = http_new(d, d->cfg->http_listen, cause)) == NULL)
		return -1;
	return 0;
}

/*
 * A feed_silent change of feed i (SPEC 5 alert object; the feed stands
 * for the call, call_id "feed:NAME", and queue is "*": every queue is
 * blind), or NULL.  state is "firing" or "resolved"; t the change's time.
 */
cJSON *
daemon_feed_alert(struct daemon *d, size_t i, const char *state, cw_time t)
{
	const struct feedwatch *w = &d->fw[i];
	const char	*name = feed_name(d->feeds[i]);
	cJSON		*o = cJSON_CreateObject();
	char		 id[CW_MAX_NAME + 32], msg[CW_MAX_NAME + 96], v[32];
	char		 who[CW_MAX_NAME + 8];

	/* SPEC 5's shape: the feed stands for the call, id = who/rule. */
	snprintf(who, sizeof who, "feed:%s", name);
	snprintf(id, sizeof id, "%s/%s", who, rule_name(RULE_FEED_SILENT));
	dur_format(t - w->since, v, sizeof v);
	if (strcmp(state, CW_STATE_RESOLVED) == 0)
		snprintf(msg, sizeof msg, "feed %s speaks again after %s of "
		    "silence", name, v);
	else
		snprintf(msg, sizeof msg, "feed %s silent for %s: no event, "
		    "no heartbeat; calls are not being watched", name, v);
	json_seq(o, w->seq);
	cJSON_AddStringToObject(o, CW_F_KIND, "alert");
	cJSON_AddStringToObject(o, CW_F_ID, id);
	cJSON_AddStringToObject(o, CW_F_STATE, state);
	cJSON_AddStringToObject(o, CW_F_RULE, rule_name(RULE_FEED_SILENT));
	cJSON_AddStringToObject(o, CW_F_SEVERITY, sev_name(SEV_WARNING));
	cJSON_AddStringToObject(o, CW_F_CALL_ID, who);
	cJSON_AddStringToObject(o, CW_F_QUEUE, DAEMON_FEED_QUEUE);
	cJSON_AddNullToObject(o, CW_F_AGENT);
	cJSON_AddNullToObject(o, CW_F_CALLER);
	cJSON_AddStringToObject(o, "feed", name);
	dur_json_add(o, CW_F_VALUE, t - w->since);
	dur_json_add(o, CW_F_THRESHOLD, d->cfg->feed_timeout);
	dur_json_add(o, CW_F_TS, t);
	cJSON_AddStringToObject(o, CW_F_MESSAGE, msg);
	return o;
}

/* Publish feed i's feed_silent change. */
static void
daemon_feed_publish(struct daemon *d, size_t i, const char *state,
    cw_time t, enum alert_state st)
{
	struct feedwatch *w = &d->fw[i];
	cJSON		*o = daemon_feed_alert(d, i, state, t);
	char		 topic[64];

	snprintf(topic, sizeof topic, "%s%s/%s", CW_TOPIC_ALERT,
	    DAEMON_FEED_QUEUE, sev_name(SEV_WARNING));
	w->seq = pub_send(d->pub, topic, o);
	d->n.alert_changes[RULE_FEED_SILENT][SEV_WARNING][st]++;
	cJSON_Delete(o);
}

/* Every second: has a feed been silent past feed_timeout? */
static void
daemon_feed_check(evutil_socket_t fd, short what, void *arg)
{
	struct daemon	*d = arg;
	cw_time		 now = dur_wallclock(), to = d->cfg->feed_timeout;
	size_t		 i;

	(void)fd;
	(void)what;
	for (i = 0; i < d->nfeeds; i++) {
		struct feedwatch *w = &d->fw[i];

		w->since = feed_last_at(d->feeds[i]);
		if (to == 0 || w->silent || now - w->since <= to)
			continue;
		w->silent = true;
		d->n.open_alerts[RULE_FEED_SILENT][SEV_WARNING]++;
		log_warnx("feed silent feed=%s for=%llds", feed_name(
		    d->feeds[i]), (long long)((now - w->since) / CW_SEC));
		/* Stamped with the line's time, as a call's alert is. */
		daemon_feed_publish(d, i, CW_STATE_FIRING, w->since + to,
		    ALERT_FIRING);
	}
}

/* Feed f spoke: its feed_silent, if open, resolves. */
void
daemon_feed_spoke(struct daemon *d, const struct feed *f)
{
	size_t	 i;

	for (i = 0; i < d->nfeeds && d->fw != NULL; i++) {
		struct feedwatch *w = &d->fw[i];

		if (d->feeds[i] != f || !w->silent)
			continue;
		w->silent = false;
		d->n.open_alerts[RULE_FEED_SILENT][SEV_WARNING]--;
		log_info("feed speaks again feed=%s", feed_name(f));
		daemon_feed_publish(d, i, CW_STATE_RESOLVED, feed_last_at(f),
		    ALERT_RESOLVED);
		w->since = feed_last_at(f);
	}
}

/*
 * A feed that was silent when the state file was written: its
 * feed_silent stays open (clients have it) until the feed speaks.
 * Applied when the feeds open; an error message or NULL.
 */
const char *
daemon_feed_load(struct daemon *d, const cJSON *o)
{
	const char	*name = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(o, "name"));
	const cJSON	*since = cJSON_GetObjectItemCaseSensitive(o, "since");
	const cJSON	*seq = cJSON_GetObjectItemCaseSensitive(o, "seq");
	struct fwsaved	*w;

	if (name == NULL || !cJSON_IsNumber(since) || !cJSON_IsNumber(seq))
		return "a feed with a missing or wrong field";
	d->fw_saved = xreallocarray(d->fw_saved, d->nfw_saved + 1,
	    sizeof *d->fw_saved);
	w = &d->fw_saved[d->nfw_saved++];
	w->name = xstrdup(name);
	w->since = (cw_time)since->valuedouble;
	w->seq = (uint64_t)seq->valuedouble;
	return NULL;
}

/* Apply the saved feed_silent alerts to the feeds just opened. */
static void
daemon_feed_restore(struct daemon *d)
{
	size_t	 i, k;

	for (k = 0; k < d->nfw_saved; k++) {
		for (i = 0; i < d->nfeeds; i++)
			if (strcmp(feed_name(d->feeds[i]),
			    d->fw_saved[k].name) == 0 && !d->fw[i].silent) {
				d->fw[i].silent = d->fw[i].out = true;
				d->fw[i].since = d->fw_saved[k].since;
				d->fw[i].seq = d->fw_saved[k].seq;
				feed_set_last_at(d->feeds[i],
				    d->fw_saved[k].since);
				d->n.open_alerts[RULE_FEED_SILENT]
				    [SEV_WARNING]++;
			}
		free(d->fw_saved[k].name);
	}
	free(d->fw_saved);
	d->fw_saved = NULL;
	d->nfw_saved = 0;
}

/* How many feeds are silent now. */
size_t
daemon_feeds_silent(const struct daemon *d)
{
	size_t	 i, n = 0;

	for (i = 0; i < d->nfeeds && d->fw != NULL; i++)
		n += d->fw[i].silent;
	return n;
}

/* The checkpoint timer: write the state file (in a child). */
static void
daemon_checkpoint(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	state_checkpoint(arg);
}

/* SIGCHLD: the checkpoint's child may have ended. */
static void
daemon_sigchld(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	state_reap(arg, false);
}

/* (Re)arm the checkpoint timer for checkpoint_interval, if any. */
static void
daemon_checkpoint_arm(struct daemon *d)
{
	cw_time		 iv = d->cfg->checkpoint_interval;
	struct timeval	 tv = { (time_t)(iv / CW_SEC),
			    (suseconds_t)(iv % CW_SEC) };

	if (d->base == NULL || d->replay)
		return;
	if (d->ckpt_ev == NULL && (d->ckpt_ev = event_new(d->base, -1,
	    EV_PERSIST, daemon_checkpoint, d)) == NULL)
		fatalx("checkpoint timer");
	if (d->ckpt_chld == NULL && ((d->ckpt_chld = evsignal_new(d->base,
	    SIGCHLD, daemon_sigchld, d)) == NULL ||
	    evsignal_add(d->ckpt_chld, NULL) == -1))
		fatalx("evsignal_new");
	event_del(d->ckpt_ev);
	if (d->cfg->state_file[0] != '\0' && event_add(d->ckpt_ev, &tv) == -1)
		fatalx("checkpoint timer");
}

/* Close everything, letting sockets flush for a moment; NULL-safe. */
void
daemon_free(struct daemon *d)
{
	size_t	 i;

	if (d == NULL)
		return;
	state_abort(d);
	if (d->ckpt_ev != NULL)
		event_free(d->ckpt_ev);
	if (d->ckpt_chld != NULL)
		event_free(d->ckpt_chld);
	if (d->fw_ev != NULL)
		event_free(d->fw_ev);
	free(d->fw);
	for (i = 0; i < d->nfw_saved; i++)
		free(d->fw_saved[i].name);
	free(d->fw_saved);
	http_free(d->http);
	journal_close(d->journal);
	for (i = 0; i < nitems(d->sigev); i++)
		if (d->sigev[i] != NULL)
			event_free(d->sigev[i]);
	for (i = 0; i < d->nfeeds; i++)
		feed_free(d->feeds[i]);
	free(d->feeds);
	control_free(d->control);
	calls_free(&d->calls, d);
	queues_free(&d->queues);
	intern_free(&d->agents);
	tombs_free(&d->tombs);
	callers_free(&d->callers);
	shorts_free(&d->shorts);
	silences_free(&d->silences);
	timers_free(d->timers);
	decode_free(d->dec);
	fsdecode_free(d->fsdec);
	pub_free(d->pub);
	if (d->pubsock != NULL)
		zmq_close(d->pubsock);
	auth_free(d->auth);
	if (d->zctx != NULL)
		zmq_ctx_term(d->zctx);
	config_free(d->cfg);
	free(d);
}

/* Now: the wall clock (never going back), or the highest ts seen. */
cw_time
daemon_clock(struct daemon *d)
{
	if (d->cfg->clock == CLOCK_WALL && !d->clock_held) {
		cw_time	 w = dur_wallclock();

		if (w > d->now)
			d->now = w;
	}
	return d->now;
}

/* Count a rejected message; log each reason at most once a minute. */
void
daemon_reject(struct daemon *d, enum reject why, const char *detail,
    const char *feed)
{
	cw_time	 now = dur_wallclock();

	d->n.rejected[why]++;
	if (d->rej_logged[why] != 0 && now - d->rej_logged[why] < CW_MIN) {
		d->rej_quiet[why]++;
		return;
	}
	log_warnx("event rejected reason=%s feed=%s detail=\"%s\" "
	    "not_logged_since_last=%llu", reject_name(why),
	    feed != NULL ? feed : "-", detail != NULL ? detail : "",
	    (unsigned long long)d->rej_quiet[why]);
	d->rej_logged[why] = now;
	d->rej_quiet[why] = 0;
}

/* The format of the feed called name (callwatch for the replay's). */
static enum feed_format
daemon_feed_format(const struct daemon *d, const char *name)
{
	size_t	 i;

	for (i = 0; name != NULL && i < d->cfg->nfeeds; i++)
		if (strcmp(d->cfg->feeds[i].name, name) == 0)
			return d->cfg->feeds[i].format;
	return FORMAT_CALLWATCH;
}

/*
 * One message from a feed: decode it in the feed's format and apply it,
 * or reject it, or skip it (a PBX's message about nothing we track).
 */
void
daemon_message(struct daemon *d, const char *buf, size_t len,
    const char *feed)
{
	struct callev	 ev;
	enum reject	 why;
	const char	*detail;
	int		 rc;

	d->n.received++;
	if (daemon_feed_format(d, feed) == FORMAT_FREESWITCH)
		rc = fsdecode_msg(d->fsdec, d->dec, buf, len, &ev, &why,
		    &detail);
	else
		rc = decode_msg(d->dec, buf, len, &ev, &why, &detail);
	if (rc == 1) {
		d->n.skipped++;
		return;
	}
	if (rc == -1) {
		daemon_reject(d, why, detail, feed);
		return;
	}
	/* A start time older than max_call_age would be closed at once. */
	if (ev.queued_at != CW_TIME_NONE &&
	    ev.ts - ev.queued_at > d->cfg->max_call_age) {
		daemon_reject(d, REJ_BAD_VALUE, "queued_at", feed);
		return;
	}
	if (ev.answered_at != CW_TIME_NONE &&
	    ev.ts - ev.answered_at > d->cfg->max_call_age) {
		daemon_reject(d, REJ_BAD_VALUE, "answered_at", feed);
		return;
	}
	daemon_event(d, &ev);
}

/*
 * Between two batches of input: near the seq a restart would continue
 * from, write a checkpoint now to raise it (in a child; in the loop if
 * the seq comes within an eighth of the ceiling all the same).
 */
void
daemon_settle(struct daemon *d)
{
	if (d->pub == NULL || d->seq_ceiling == 0 || d->replay ||
	    d->clock_held || dur_monotonic() < d->ckpt_retry_at)
		return;
	if (pub_seq(d->pub) + STATE_SEQ_RESERVE / 8 > d->seq_ceiling)
		(void)state_save(d);
	else if (pub_seq(d->pub) + STATE_SEQ_RESERVE / 2 > d->seq_ceiling)
		state_checkpoint(d);
}

/*
 * Apply a decoded event: move the clock, fire the lines it passed
 * (strictly before it, SPEC 4.2), apply it, fire what it made due.
 * With the wall clock, an event whose ts is more than max_skew from now
 * is taken at arrival time; the times it carries (queued_at, answered_at)
 * shift with it, since the sender's clock is what is off.
 */
void
daemon_event(struct daemon *d, const struct callev *ev)
{
	struct callev	 e = *ev;

	if (d->cfg->clock == CLOCK_WALL) {
		cw_time	 now = daemon_clock(d), shift = now - e.ts;

		if (shift > d->cfg->max_skew || shift < -d->cfg->max_skew) {
			e.ts = now;
			if (e.queued_at != CW_TIME_NONE)
				e.queued_at += shift;
			if (e.answered_at != CW_TIME_NONE)
				e.answered_at += shift;
			d->n.skewed++;
		}
	} else if (e.ts > d->now) {
		d->now = e.ts;
		if (d->stats_tn.where == -1 && d->cfg->stats_interval > 0)
			daemon_stats_arm(d);
	}
	timers_advance(d->timers, d->now);
	tombs_expire(&d->tombs, d->now);
	if (e.type == EV_HEARTBEAT) {
		d->n.heartbeats++;
		return;
	}
	call_apply(d, &e, e.ts);
	timers_advance(d->timers, d->now);
}

/*
 * The allow-list changed: close the publish socket and bind it again, so
 * every subscriber comes back through the ZAP handler with its new
 * rights (libzmq cannot drop one subscriber).  Subscribers miss
 * what is published meanwhile and see it in seq (their clients
 * re-snapshot).  libzmq closes the old listener in its own thread: the
 * bind is tried again for up to a second.
 */
static void
daemon_rebind_pub(struct daemon *d)
{
	void	*s = NULL;
	char	*cause = NULL;
	int	 i;

	zmq_setsockopt(d->pubsock, ZMQ_LINGER, &(int){ 0 }, sizeof(int));
	zmq_close(d->pubsock);
	for (i = 0; i < 100 && s == NULL; i++) {
		free(cause);
		cause = NULL;
		if ((s = daemon_bind_pub(d, d->cfg->pub_endpoint,
		    d->cfg->pub_hwm, &cause)) == NULL)
			usleep(10 * 1000);
	}
	if (s == NULL)
		fatalx("publish: %s", cause);
	d->pubsock = s;
	pub_set_sock(d->pub, s);
	log_info("publish socket bound again for the new allow-list "
	    "endpoint=%s", d->cfg->pub_endpoint);
}

/* Keep what a reload cannot change on the fly from the running config. */
static void
daemon_keep_sockets(struct config *old, struct config *nc)
{
	bool	 changed = false;
	size_t	 i;

	changed |= strcmp(old->pub_endpoint, nc->pub_endpoint) != 0;
	changed |= strcmp(old->control_endpoint, nc->control_endpoint) != 0;
	changed |= old->nfeeds != nc->nfeeds;
	for (i = 0; !changed && i < old->nfeeds; i++)
		changed |= strcmp(old->feeds[i].endpoint,
		    nc->feeds[i].endpoint) != 0 ||
		    old->feeds[i].socket != nc->feeds[i].socket ||
		    strcmp(old->feeds[i].name, nc->feeds[i].name) != 0;
	if (changed)
		log_warnx("reload: feeds and endpoints changed; they apply "
		    "at the next restart");
	if (old->clock != nc->clock)
		log_warnx("reload: daemon.clock changed; it applies at the "
		    "next restart");
	nc->clock = old->clock;

#define SWAP(f) do {							\
	__typeof__(old->f) tmp_ = old->f;				\
	old->f = nc->f;							\
	nc->f = tmp_;							\
} while (0)
	SWAP(pub_endpoint);
	SWAP(control_endpoint);
	SWAP(feeds);
	SWAP(nfeeds);
#undef SWAP
}

/* Tell systemd how things stand (STATUS=), and that we are ready. */
void
daemon_status(struct daemon *d, bool ready)
{
	notify_send("%sSTATUS=%zu live calls, %zu queues, %llu events, "
	    "%llu published", ready ? "READY=1\n" : "", calls_count(&d->calls),
	    d->queues.count, (unsigned long long)d->n.received,
	    d->pub != NULL ? (unsigned long long)pub_published(d->pub) : 0ULL);
}

/*
 * Reload the config from its file.  On error keep the running one and
 * return -1 with *cause (each error is logged).  New thresholds apply to
 * live calls at once.
 */
int
daemon_reload(struct daemon *d, char **cause)
{
	struct cfgerrs	 errs = { NULL, 0 };
	struct config	*nc;
	struct call	*c, **settle = NULL;
	struct journal	*old_journal = NULL;
	size_t		 i, n = 0, cap = 0, pos = 0;
	cw_time		 iv;
	bool		 moved, keys;

	log_info("reloading configuration path=%s", d->cfg->path);
	notify_reloading();
	if ((nc = config_load(d->cfg->path, &errs)) == NULL) {
		daemon_status(d, true);
		for (i = 0; i < errs.n; i++)
			log_warnx("%s", errs.v[i]);
		/* The first error as the config check says it; the log
		 * has them all. */
		if (errs.n > 1)
			xasprintf(cause, "%s (and %zu more errors in the log)",
			    errs.v[0], errs.n - 1);
		else
			xasprintf(cause, "%s", errs.n == 1 ? errs.v[0] :
			    "the config does not load");
		cfgerrs_free(&errs);
		return -1;
	}
	/* The sockets' mechanism and key are set when they open: a reload
	 * that would run the new allow-list under the old ones (an empty
	 * list locks everyone out) is refused. */
	if (d->cfg->curve != nc->curve || d->cfg->insecure != nc->insecure ||
	    strcmp(d->cfg->server_public, nc->server_public) != 0) {
		daemon_status(d, true);
		xasprintf(cause, "security.curve, server_key and insecure change "
		    "only with a restart; the running configuration is kept");
		config_free(nc);
		return -1;
	}
	/* The listener too: checked against the new tokens, the new
	 * address must be the one bound. */
	if (strcmp(d->cfg->http_listen, nc->http_listen) != 0) {
		daemon_status(d, true);
		xasprintf(cause, "http.listen changes only with a restart; the "
		    "running configuration is kept");
		config_free(nc);
		return -1;
	}
	daemon_keep_sockets(d->cfg, nc);
	keys = d->auth != NULL && !config_clients_same(d->cfg, nc);
	/* A checkpoint in progress wrote the old config's state. */
	state_abort(d);
	iv = d->cfg->stats_interval;
	moved = strcmp(d->cfg->state_file, nc->state_file) != 0;
	if (moved && d->journal != NULL) {
		old_journal = d->journal;
		d->journal = NULL;
		journal_unlink(old_journal);
	}
	config_free(d->cfg);
	d->cfg = nc;
	if (keys)
		daemon_rebind_pub(d);
	http_reconfigured(d->http);
	log_setlevel(d->verbose ? LOG_LVL_DEBUG : nc->log_level);
	queues_reconfigure(&d->queues, nc);
	callers_configure(&d->callers, (size_t)nc->max_callers,
	    config_repeat_window(nc));
	/* A round due but not yet fired stays due unless the interval
	 * changed. */
	if (nc->stats_interval != iv)
		daemon_stats_arm(d);
	daemon_checkpoint_arm(d);
	log_info("configuration reloaded queues=%zu calls=%zu",
	    d->queues.count, calls_count(&d->calls));
	daemon_clock(d);
	/* Calls that end now are ended after the walk: ending one moves
	 * others in the table. */
	while ((c = calls_next(&d->calls, &pos)) != NULL)
		if (call_requeue(d, c)) {
			if (n == cap) {
				cap = cap == 0 ? 64 : cap * 2;
				settle = xreallocarray(settle, cap,
				    sizeof(struct call *));
			}
			settle[n++] = c;
		}
	for (i = 0; i < n; i++)
		call_settle(d, settle[i]);
	free(settle);
	timers_advance(d->timers, d->now);
	/* The state file follows the config; the journal never spans two
	 * configs (a replay would apply the old inputs to the new one). */
	if (moved && nc->state_file[0] != '\0' && !d->replay)
		d->journal = journal_open(nc->state_file,
		    journal_seq(old_journal), -1);
	journal_close(old_journal);
	if (!d->replay)
		(void)state_save(d);
	daemon_status(d, true);
	return 0;
}

/* The daemon's counters, for the control "stats" command. */
cJSON *
daemon_stats_json(struct daemon *d)
{
	cJSON	*o = cJSON_CreateObject(), *rej, *feeds, *ck, *au;
	size_t	 i;

	cJSON_AddTrueToObject(o, "ok");
	cJSON_AddNumberToObject(o, "received", (double)d->n.received);
	rej = cJSON_AddObjectToObject(o, "rejected");
	for (i = 0; i < REJ_COUNT; i++)
		cJSON_AddNumberToObject(rej, reject_name((enum reject)i),
		    (double)d->n.rejected[i]);
	cJSON_AddNumberToObject(o, "published",
	    d->pub != NULL ? (double)pub_published(d->pub) : 0);
	cJSON_AddNumberToObject(o, "publish_failed",
	    d->pub != NULL ? (double)pub_failed(d->pub) : 0);
	cJSON_AddNumberToObject(o, "calls", (double)calls_count(&d->calls));
	cJSON_AddNumberToObject(o, "uptime",
	    dur_seconds(dur_wallclock() - d->started));
	cJSON_AddNumberToObject(o, "applied", (double)d->n.applied);
	cJSON_AddNumberToObject(o, "duplicates", (double)d->n.duplicates);
	cJSON_AddNumberToObject(o, "ignored", (double)d->n.ignored);
	cJSON_AddNumberToObject(o, "skipped", (double)d->n.skipped);
	cJSON_AddNumberToObject(o, "skewed", (double)d->n.skewed);
	cJSON_AddNumberToObject(o, "heartbeats", (double)d->n.heartbeats);
	cJSON_AddNumberToObject(o, "stale", (double)d->n.stale);
	cJSON_AddNumberToObject(o, "ended", (double)d->n.ended);
	cJSON_AddNumberToObject(o, "queues", (double)d->queues.count);
	cJSON_AddNumberToObject(o, "callers", (double)d->callers.count);
	cJSON_AddNumberToObject(o, "callers_dropped",
	    (double)d->callers.dropped);
	cJSON_AddNumberToObject(o, "silences", (double)d->silences.count);
	json_seq(o, d->pub != NULL ? pub_seq(d->pub) : 0);
	au = cJSON_AddObjectToObject(o, "auth");
	rej = cJSON_AddObjectToObject(au, "refused");
	for (i = 0; i < AUTH_NSOCKETS; i++)
		cJSON_AddNumberToObject(rej, auth_socket_name((int)i),
		    (double)auth_refused(d->auth, (int)i));
	cJSON_AddNumberToObject(au, "forbidden",
	    (double)d->forbidden);
	ck = cJSON_AddObjectToObject(o, "checkpoints");
	cJSON_AddNumberToObject(ck, "written", (double)d->ckpt_written);
	cJSON_AddNumberToObject(ck, "failed", (double)d->ckpt_failed);
	cJSON_AddBoolToObject(ck, "writing", d->ckpt_pid > 0);
	cJSON_AddNumberToObject(ck, "duration", dur_seconds(d->ckpt_duration));
	cJSON_AddNumberToObject(ck, "pause", dur_seconds(d->ckpt_pause));
	feeds = cJSON_AddArrayToObject(o, "feeds");
	for (i = 0; i < d->nfeeds; i++) {
		cJSON	*f = cJSON_CreateObject();

		cJSON_AddStringToObject(f, "name", feed_name(d->feeds[i]));
		cJSON_AddNumberToObject(f, "received",
		    (double)feed_received(d->feeds[i]));
		cJSON_AddItemToArray(feeds, f);
	}
	return o;
}
