/*
 * The HTTP listener (libevent's evhttp, `http.listen`): /metrics in the
 * Prometheus text format for ops, /healthz for load balancers and
 * probes.  Everything is computed from counters the daemon keeps as it
 * goes, so a scrape costs O(queues + feeds), not O(calls).  A loop-lag
 * probe (a timer that notes how late it fires) tells a busy loop from an
 * idle one.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "cw.h"

#define HTTP_LAG_MS	250	/* the lag probe's period */

struct http {
	struct daemon	*d;
	struct evhttp	*h;
	struct event	*lag_ev;
	cw_time		 lag_due;	/* when the probe should fire */
	cw_time		 lag_last;	/* how late it fired last */
	cw_time		 lag_max;	/* the worst this minute */
	cw_time		 lag_prev;	/* ... and the minute before */
	cw_time		 lag_since;	/* when this minute began */
	struct web	*web;		/* the wallboard, /events, /api */
};

/* Append a label value, escaped as the text format wants. */
static void
http_label(struct evbuffer *b, const char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '\\' || *s == '"')
			evbuffer_add_printf(b, "\\%c", *s);
		else if (*s == '\n')
			evbuffer_add(b, "\\n", 2);
		else
			evbuffer_add(b, s, 1);
}

/* "# HELP" and "# TYPE" lines of a metric. */
static void
http_head(struct evbuffer *b, const char *name, const char *type,
    const char *help)
{
	evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help,
	    name, type);
}

/* Counters of events, rejects, alerts and publishing. */
static void
http_counters(struct evbuffer *b, const struct daemon *d)
{
	const struct counters *n = &d->n;
	uint64_t	 rejected = 0;
	int		 i, r, s, st;

	for (i = 0; i < REJ_COUNT; i++)
		rejected += n->rejected[i];
	http_head(b, "callwatch_events_total", "counter",
	    "Feed messages by what became of them.");
	evbuffer_add_printf(b,
	    "callwatch_events_total{result=\"applied\"} %llu\n"
	    "callwatch_events_total{result=\"duplicate\"} %llu\n"
	    "callwatch_events_total{result=\"ignored\"} %llu\n"
	    "callwatch_events_total{result=\"heartbeat\"} %llu\n"
	    "callwatch_events_total{result=\"skipped\"} %llu\n"
	    "callwatch_events_total{result=\"rejected\"} %llu\n",
	    (unsigned long long)n->applied, (unsigned long long)n->duplicates,
	    (unsigned long long)n->ignored, (unsigned long long)n->heartbeats,
	    (unsigned long long)n->skipped, (unsigned long long)rejected);
	http_head(b, "callwatch_rejected_total", "counter",
	    "Feed messages rejected, by reason.");
	for (i = 0; i < REJ_COUNT; i++)
		evbuffer_add_printf(b, "callwatch_rejected_total{reason=\"%s\"} "
		    "%llu\n", reject_name((enum reject)i),
		    (unsigned long long)n->rejected[i]);
	http_head(b, "callwatch_skewed_total", "counter",
	    "Events whose ts was too far from the clock, taken at arrival.");
	evbuffer_add_printf(b, "callwatch_skewed_total %llu\n",
	    (unsigned long long)n->skewed);
	http_head(b, "callwatch_calls_ended_total", "counter",
	    "Calls that ended.");
	evbuffer_add_printf(b, "callwatch_calls_ended_total %llu\n",
	    (unsigned long long)n->ended);
	http_head(b, "callwatch_calls_stale_total", "counter",
	    "Calls closed as stale (no event for max_call_age).");
	evbuffer_add_printf(b, "callwatch_calls_stale_total %llu\n",
	    (unsigned long long)n->stale);
	http_head(b, "callwatch_alert_changes_total", "counter",
	    "Alert changes published, by rule, severity and state.");
	for (r = 0; r < RULE_COUNT; r++)
		for (s = SEV_INFO; s <= SEV_CRITICAL; s++)
			for (st = 0; st <= ALERT_RESOLVED; st++)
				if (n->alert_changes[r][s][st] > 0)
					evbuffer_add_printf(b,
					    "callwatch_alert_changes_total{"
					    "rule=\"%s\",severity=\"%s\","
					    "state=\"%s\"} %llu\n",
					    rule_name((enum rule)r),
					    sev_name((enum sev)s),
					    alert_state_name(
					    (enum alert_state)st),
					    (unsigned long long)
					    n->alert_changes[r][s][st]);
	http_head(b, "callwatch_open_alerts", "gauge",
	    "Open alerts, by rule and severity.");
	for (r = 0; r < RULE_COUNT; r++)
		for (s = SEV_INFO; s <= SEV_CRITICAL; s++)
			evbuffer_add_printf(b, "callwatch_open_alerts{rule=\"%s\","
			    "severity=\"%s\"} %llu\n", rule_name((enum rule)r),
			    sev_name((enum sev)s),
			    (unsigned long long)n->open_alerts[r][s]);
	http_head(b, "callwatch_published_total", "counter",
	    "Messages published to supervisors.");
	evbuffer_add_printf(b, "callwatch_published_total %llu\n",
	    (unsigned long long)(d->pub != NULL ? pub_published(d->pub) : 0));
	http_head(b, "callwatch_publish_dropped_total", "counter",
	    "Messages the publish socket refused (a subscriber's queue full).");
	evbuffer_add_printf(b, "callwatch_publish_dropped_total %llu\n",
	    (unsigned long long)(d->pub != NULL ? pub_failed(d->pub) : 0));
}

/* Gauges of live calls per queue and state, and waiting calls. */
static void
http_queues(struct evbuffer *b, const struct daemon *d)
{
	const struct queue *q;
	size_t		 pos = 0;
	int		 s;

	http_head(b, "callwatch_live_calls", "gauge",
	    "Live calls, by queue and state.");
	while ((q = queues_next(&d->queues, &pos)) != NULL)
		for (s = CALL_QUEUED; s <= CALL_WRAPUP; s++) {
			evbuffer_add(b, "callwatch_live_calls{queue=\"", 28);
			http_label(b, q->name);
			evbuffer_add_printf(b, "\",state=\"%s\"} %u\n",
			    call_state_name((enum call_state)s),
			    q->nstate[s]);
		}
	http_head(b, "callwatch_waiting_calls", "gauge",
	    "Calls waiting in each queue.");
	pos = 0;
	while ((q = queues_next(&d->queues, &pos)) != NULL) {
		evbuffer_add(b, "callwatch_waiting_calls{queue=\"", 31);
		http_label(b, q->name);
		evbuffer_add_printf(b, "\"} %u\n", q->nstate[CALL_QUEUED]);
	}
	http_head(b, "callwatch_calls", "gauge", "Live calls in all.");
	evbuffer_add_printf(b, "callwatch_calls %zu\n",
	    calls_count(&d->calls));
}

/* Feeds, checkpoints, the loop. */
static void
http_health(struct evbuffer *b, struct http *hp)
{
	const struct daemon *d = hp->d;
	cw_time		 now = dur_wallclock();
	size_t		 i, wc;
	uint64_t	 wdrop, wref;

	http_head(b, "callwatch_feed_received_total", "counter",
	    "Messages read from each feed.");
	for (i = 0; i < d->nfeeds; i++) {
		evbuffer_add(b, "callwatch_feed_received_total{feed=\"", 36);
		http_label(b, feed_name(d->feeds[i]));
		evbuffer_add_printf(b, "\"} %llu\n",
		    (unsigned long long)feed_received(d->feeds[i]));
	}
	http_head(b, "callwatch_feed_silence_seconds", "gauge",
	    "Seconds since each feed's last message (or its opening).");
	for (i = 0; i < d->nfeeds; i++) {
		evbuffer_add(b, "callwatch_feed_silence_seconds{feed=\"", 37);
		http_label(b, feed_name(d->feeds[i]));
		evbuffer_add_printf(b, "\"} %.3f\n",
		    dur_seconds(now - feed_last_at(d->feeds[i])));
	}
	http_head(b, "callwatch_connections_refused_total", "counter",
	    "CURVE handshakes refused: a key not on the allow-list, or a "
	    "role that may not use the socket.");
	for (i = 0; i < AUTH_NSOCKETS; i++)
		evbuffer_add_printf(b, "callwatch_connections_refused_total"
		    "{socket=\"%s\"} %llu\n", auth_socket_name((int)i),
		    (unsigned long long)auth_refused(d->auth, (int)i));
	http_head(b, "callwatch_requests_forbidden_total", "counter",
	    "Requests and feed messages refused to a client's role.");
	evbuffer_add_printf(b, "callwatch_requests_forbidden_total %llu\n",
	    (unsigned long long)d->forbidden);
	web_counts(hp->web, &wc, &wdrop, &wref);
	http_head(b, "callwatch_wallboard_clients", "gauge",
	    "Browsers following /events now.");
	evbuffer_add_printf(b, "callwatch_wallboard_clients %zu\n", wc);
	http_head(b, "callwatch_wallboard_dropped_total", "counter",
	    "/events clients dropped for owing too much (slow or gone).");
	evbuffer_add_printf(b, "callwatch_wallboard_dropped_total %llu\n",
	    (unsigned long long)wdrop);
	http_head(b, "callwatch_http_unauthorized_total", "counter",
	    "HTTP requests refused for want of a good token.");
	evbuffer_add_printf(b, "callwatch_http_unauthorized_total %llu\n",
	    (unsigned long long)wref);
	http_head(b, "callwatch_checkpoint_age_seconds", "gauge",
	    "Seconds since the last state file was written (-1: never).");
	evbuffer_add_printf(b, "callwatch_checkpoint_age_seconds %.3f\n",
	    d->ckpt_written > 0 ? dur_seconds(now - d->ckpt_at) : -1.0);
	http_head(b, "callwatch_checkpoint_duration_seconds", "gauge",
	    "How long the last checkpoint took to reach the disk.");
	evbuffer_add_printf(b, "callwatch_checkpoint_duration_seconds %.6f\n",
	    dur_seconds(d->ckpt_duration));
	http_head(b, "callwatch_checkpoint_pause_seconds", "gauge",
	    "How long the last checkpoint stopped the event loop (the fork "
	    "of its writer).");
	evbuffer_add_printf(b, "callwatch_checkpoint_pause_seconds %.6f\n",
	    dur_seconds(d->ckpt_pause));
	http_head(b, "callwatch_checkpoints_total", "counter",
	    "Checkpoints written, and failed.");
	evbuffer_add_printf(b,
	    "callwatch_checkpoints_total{result=\"written\"} %llu\n"
	    "callwatch_checkpoints_total{result=\"failed\"} %llu\n",
	    (unsigned long long)d->ckpt_written,
	    (unsigned long long)d->ckpt_failed);
	http_head(b, "callwatch_loop_lag_seconds", "gauge",
	    "How late a timer of the event loop fired: the last time, and "
	    "the worst over the last minute or two.");
	evbuffer_add_printf(b, "callwatch_loop_lag_seconds{probe=\"last\"} "
	    "%.6f\ncallwatch_loop_lag_seconds{probe=\"max\"} %.6f\n",
	    dur_seconds(hp->lag_last), dur_seconds(hp->lag_max >
	    hp->lag_prev ? hp->lag_max : hp->lag_prev));
	http_head(b, "callwatch_uptime_seconds", "gauge",
	    "Seconds since the daemon started.");
	evbuffer_add_printf(b, "callwatch_uptime_seconds %.3f\n",
	    dur_seconds(now - d->started));
}

/* Reply with code and a body already in b (never cached). */
void
http_reply(struct evhttp_request *req, int code, const char *reason,
    const char *type, struct evbuffer *b)
{
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", type);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Cache-Control", "no-store");
	evhttp_send_reply(req, code, reason, b);
}

/* GET /metrics. */
static void
http_metrics(struct evhttp_request *req, void *arg)
{
	struct http	*hp = arg;
	struct evbuffer	*b;
	const struct clientconf *who;

	if (!web_get_only(req) || web_auth(hp->web, req, &who) == -1)
		return;
	/* Every queue's figures, like the stats command: an admin's. */
	if (who != NULL && who->role != ROLE_ADMIN) {
		auth_forbidden(hp->d, who, "metrics");
		web_json(req, 403, "Forbidden",
		    "{\"ok\":false,\"error\":\"forbidden\"}");
		return;
	}
	b = evbuffer_new();
	{
		daemon_clock(hp->d);
		http_counters(b, hp->d);
		http_queues(b, hp->d);
		http_health(b, hp);
		http_reply(req, 200, "OK",
		    "text/plain; version=0.0.4; charset=utf-8", b);
	}
	evbuffer_free(b);
}

/*
 * GET /healthz: 200 and {"ok":true} while the daemon itself is sound,
 * 503 and the problems when the state file cannot be written or the loop
 * lags by more than a second.  A silent feed is upstream trouble, not the
 * daemon's: it is listed under "warnings" with a 200, so a liveness probe
 * does not restart a healthy daemon on a quiet night.
 */
static void
http_healthz(struct evhttp_request *req, void *arg)
{
	struct http	*hp = arg;
	struct evbuffer	*b;
	const char	*why[2];
	size_t		 n = 0, i;

	if (!web_get_only(req))
		return;
	b = evbuffer_new();
	if (hp->d->ckpt_failed_last)
		why[n++] = "the state file cannot be written";
	if (hp->lag_last > CW_SEC)
		why[n++] = "the event loop lags";
	evbuffer_add_printf(b, "{\"ok\":%s", n == 0 ? "true" : "false");
	if (n > 0) {
		evbuffer_add_printf(b, ",\"problems\":[");
		for (i = 0; i < n; i++)
			evbuffer_add_printf(b, "%s\"%s\"", i > 0 ? "," : "",
			    why[i]);
		evbuffer_add_printf(b, "]");
	}
	if (daemon_feeds_silent(hp->d) > 0)
		evbuffer_add_printf(b, ",\"warnings\":[\"a feed is silent\"]");
	evbuffer_add_printf(b, "}\n");
	http_reply(req, n == 0 ? 200 : 503, n == 0 ? "OK" :
	    "Service Unavailable", "application/json", b);
	evbuffer_free(b);
}

/* Anything else: 404, whatever the method. */
static void
http_other(struct evhttp_request *req, void *arg)
{
	const char	*path = evhttp_uri_get_path(
			    evhttp_request_get_evhttp_uri(req));
	struct evbuffer	*b;

	(void)arg;
	if (path != NULL && strncmp(path, "/api/", 5) == 0) {
		web_no_api(req);
		return;
	}
	b = evbuffer_new();
	evbuffer_add_printf(b, "not found; try /, /events, /api/snapshot, "
	    "/metrics or /healthz\n");
	http_reply(req, 404, "Not Found", "text/plain", b);
	evbuffer_free(b);
}

/* The lag probe: how late did this timer fire? */
static void
http_lag(evutil_socket_t fd, short what, void *arg)
{
	struct http	*hp = arg;
	cw_time		 now = dur_monotonic();

	(void)fd;
	(void)what;
	hp->lag_last = now > hp->lag_due ? now - hp->lag_due : 0;
	/* The worst of this minute and the last, whoever scrapes. */
	if (now - hp->lag_since >= CW_MIN) {
		hp->lag_prev = hp->lag_max;
		hp->lag_max = 0;
		hp->lag_since = now;
	}
	if (hp->lag_last > hp->lag_max)
		hp->lag_max = hp->lag_last;
	hp->lag_due = now + HTTP_LAG_MS * CW_MSEC;
}

/*
 * Listen on listen ("HOST:PORT", an IPv6 host in brackets) for /metrics
 * and /healthz; NULL with *cause if it cannot.
 */
struct http *
http_new(struct daemon *d, const char *listen, char **cause)
{
	struct http	*hp = xcalloc(1, sizeof *hp);
	char		*host = xstrdup(listen), *colon = strrchr(host, ':');
	struct timeval	 tv = { 0, (suseconds_t)HTTP_LAG_MS * 1000 };
	unsigned long	 port;

	if (colon == NULL)
		fatalx("http_new: %s is not HOST:PORT", listen);
	*colon = '\0';
	port = strtoul(colon + 1, NULL, 10);
	if (host[0] == '[' && colon > host + 1 && colon[-1] == ']') {
		colon[-1] = '\0';
		memmove(host, host + 1, strlen(host + 1) + 1);
	}
	hp->d = d;
	if ((hp->h = evhttp_new(d->base)) == NULL)
		fatalx("evhttp_new");
	/* Each handler answers a method it does not take with a JSON 405. */
	evhttp_set_allowed_methods(hp->h, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH | EVHTTP_REQ_TRACE |
	    EVHTTP_REQ_CONNECT);
	evhttp_set_timeout(hp->h, 10);
	evhttp_set_max_headers_size(hp->h, 16384);
	evhttp_set_max_body_size(hp->h, 65536);
	evhttp_set_cb(hp->h, "/metrics", http_metrics, hp);
	evhttp_set_cb(hp->h, "/healthz", http_healthz, hp);
	evhttp_set_gencb(hp->h, http_other, hp);
	hp->web = web_new(d, hp->h);
	if (evhttp_bind_socket(hp->h, host, (uint16_t)port) == -1) {
		xasprintf(cause, "http: cannot listen on %s", listen);
		web_free(hp->web);
		evhttp_free(hp->h);
		free(host);
		free(hp);
		return NULL;
	}
	free(host);
	hp->lag_ev = event_new(d->base, -1, EV_PERSIST, http_lag, hp);
	if (hp->lag_ev == NULL || event_add(hp->lag_ev, &tv) == -1)
		fatalx("lag probe");
	hp->lag_due = hp->lag_since = dur_monotonic() + HTTP_LAG_MS * CW_MSEC;
	log_info("http open listen=%s paths=/,/events,/api,/metrics,/healthz "
	    "tokens=%zu", listen, d->cfg->ntokens);
	return hp;
}

/* The config was reloaded: streams of tokens gone end. */
void
http_reconfigured(struct http *hp)
{
	if (hp != NULL)
		web_reconfigured(hp->web);
}

/* Stop listening; NULL-safe. */
void
http_free(struct http *hp)
{
	if (hp == NULL)
		return;
	event_free(hp->lag_ev);
	web_free(hp->web);
	evhttp_free(hp->h);
	free(hp);
}
