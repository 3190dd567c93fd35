/*
 * callwatch-demo: a small built-in floor for `make demo`.  It pushes call
 * events for a few queues and agents to a callwatchd feed (arrivals,
 * waits, lognormal handle times calibrated on the real month, holds,
 * transfers, abandons), starts with calls already in progress so alerts
 * come at once, and prints what the daemon publishes, one line per alert
 * change.  The full simulator and clients replace it later.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>
#include <zmq.h>

#define DEMO_AGENTS	24
#define DEMO_CALLS	512
#define DEMO_QUEUES	3

static const char *const demo_queues[DEMO_QUEUES] = {
	"billing", "support", "sales"
};

/* One call of the demo floor and what happens to it next. */
struct demo_call {
	char		 id[24];
	int		 queue;
	int		 agent;		/* -1 while waiting */
	int		 step;		/* 0 free, 1 queued, 2 talking, ... */
	double		 next;		/* when the next step happens */
	double		 queued_at;
	double		 patience;	/* waits this long before leaving */
	double		 talk;		/* talk time left at answer */
	bool		 hold;		/* will put the caller on hold */
	bool		 transfer;	/* will transfer once */
	bool		 escalate;	/* will ask for a supervisor */
};

struct demo {
	void		*push;
	void		*sub;
	uint64_t	 rng;
	struct demo_call calls[DEMO_CALLS];
	int		 busy[DEMO_AGENTS];	/* call index or -1 */
	int		 serial;
	double		 rate;		/* arrivals per second */
	double		 next_arrival;
};

static volatile sig_atomic_t demo_stop;

/* Stop on SIGINT/SIGTERM. */
static void
demo_signal(int sig)
{
	(void)sig;
	demo_stop = 1;
}

/* Wall-clock seconds. */
static double
demo_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A uniform number in (0, 1). */
static double
demo_uniform(struct demo *d)
{
	d->rng ^= d->rng << 13;
	d->rng ^= d->rng >> 7;
	d->rng ^= d->rng << 17;
	return ((double)(d->rng >> 11) + 0.5) / 9007199254740992.0;
}

/* Lognormal with the real month's shape (log-mean 4.6, log-sd 1.2). */
static double
demo_handle_time(struct demo *d)
{
	double	 z = sqrt(-2 * log(demo_uniform(d))) *
		    cos(2 * M_PI * demo_uniform(d));
	double	 t = exp(4.6 + 1.2 * z);

	return t < 5 ? 5 : t > 3600 ? 3600 : t;
}

/* Send one event; extra is more JSON members (or ""). */
static void
demo_send(struct demo *d, const char *type, const struct demo_call *c,
    double ts, const char *extra)
{
	char	 buf[512];
	int	 n;

	n = snprintf(buf, sizeof buf, "{\"type\":\"%s\",\"call_id\":\"%s\","
	    "\"ts\":%.3f,\"queue\":\"%s\"%s}", type, c->id, ts,
	    demo_queues[c->queue], extra);
	if (zmq_send(d->push, buf, (size_t)n, ZMQ_DONTWAIT) == -1 &&
	    errno != EAGAIN)
		fprintf(stderr, "demo: send: %s\n", zmq_strerror(errno));
}

/* A free slot for a new call, or NULL. */
static struct demo_call *
demo_slot(struct demo *d)
{
	int	 i;

	for (i = 0; i < DEMO_CALLS; i++)
		if (d->calls[i].step == 0)
			return &d->calls[i];
	return NULL;
}

/* A new call waiting since queued_at (nothing sent yet). */
static struct demo_call *
demo_new_call(struct demo *d, double queued_at)
{
	struct demo_call *c = demo_slot(d);

	if (c == NULL)
		return NULL;
	memset(c, 0, sizeof *c);
	snprintf(c->id, sizeof c->id, "demo-%05d", ++d->serial);
	c->queue = (int)(demo_uniform(d) * DEMO_QUEUES);
	c->agent = -1;
	c->step = 1;
	c->queued_at = queued_at;
	c->patience = 30 + demo_uniform(d) * 240;
	c->talk = demo_handle_time(d);
	c->hold = demo_uniform(d) < 0.3;
	c->transfer = demo_uniform(d) < 0.08;
	c->escalate = demo_uniform(d) < 0.05;
	c->next = queued_at + c->patience;
	return c;
}

/* A caller joins a queue (waiting since queued_at). */
static void
demo_arrive(struct demo *d, double now, double queued_at)
{
	struct demo_call *c = demo_new_call(d, queued_at);
	char		 extra[96];

	if (c == NULL)
		return;
	/* A few hundred regular callers: some call again (repeat_caller). */
	snprintf(extra, sizeof extra, ",\"caller\":\"+1555%07d\","
	    "\"queued_at\":%.3f", 1000 + (int)(demo_uniform(d) * 400),
	    queued_at);
	demo_send(d, "queued", c, now, extra);
}

/* Give a waiting call to agent a, answered at t. */
static void
demo_answer(struct demo *d, struct demo_call *c, int a, double now,
    double t)
{
	char	 extra[160];

	c->agent = a;
	d->busy[a] = (int)(c - d->calls);
	c->step = 2;
	snprintf(extra, sizeof extra, ",\"agent\":\"a-%d\","
	    "\"queued_at\":%.3f,\"answered_at\":%.3f", 1001 + a,
	    c->queued_at, t);
	demo_send(d, "answered", c, now, extra);
	c->next = t + (c->hold || c->transfer || c->escalate ? c->talk / 2 :
	    c->talk);
}

/* Move one call forward if its time has come. */
static void
demo_step(struct demo *d, struct demo_call *c, double now)
{
	char	 extra[96];

	if (c->step == 0 || c->step == 1 || now < c->next)
		return;
	switch (c->step) {
	case 2:		/* mid-call: hold, transfer, or hang up */
		if (c->hold) {
			c->hold = false;
			demo_send(d, "hold", c, now, "");
			c->step = 3;
			c->next = now + 20 + demo_uniform(d) * 150;
		} else if (c->transfer) {
			c->transfer = false;
			c->queue = (c->queue + 1) % DEMO_QUEUES;
			snprintf(extra, sizeof extra, ",\"to_queue\":\"%s\"",
			    demo_queues[c->queue]);
			demo_send(d, "transferred", c, now, extra);
			c->next = now + c->talk / 2;
		} else if (c->escalate) {
			c->escalate = false;
			snprintf(extra, sizeof extra, ",\"level\":%d,\"reason\":"
			    "\"asked for a supervisor\"",
			    demo_uniform(d) < 0.3 ? 2 : 1);
			demo_send(d, "escalate", c, now, extra);
			demo_send(d, "sentiment", c, now + 1,
			    ",\"score\":-0.7");
			c->next = now + c->talk / 2;
		} else {
			demo_send(d, "hangup", c, now, "");
			c->step = 4;
			c->next = now + 5 + demo_uniform(d) * 40;
		}
		break;
	case 3:		/* back from hold */
		demo_send(d, "resume", c, now, "");
		c->step = 2;
		c->next = now + c->talk / 2;
		break;
	case 4:		/* wrap-up done: the agent is free */
		demo_send(d, "wrapup_end", c, now, "");
		d->busy[c->agent] = -1;
		c->step = 0;
		break;
	}
}

/* Free agents take the oldest waiting calls; the impatient leave. */
static void
demo_route(struct demo *d, double now)
{
	int	 i, a;

	for (;;) {
		struct demo_call *oldest = NULL;

		for (i = 0; i < DEMO_CALLS; i++) {
			struct demo_call *c = &d->calls[i];

			if (c->step == 1 && now >= c->next) {
				demo_send(d, "abandoned", c, now, "");
				c->step = 0;
			} else if (c->step == 1 && (oldest == NULL ||
			    c->queued_at < oldest->queued_at))
				oldest = c;
		}
		for (a = 0; a < DEMO_AGENTS && d->busy[a] != -1; a++)
			;
		if (oldest == NULL || a == DEMO_AGENTS)
			return;
		demo_answer(d, oldest, a, now, now);
	}
}

/* Calls in progress at start, so the first alerts come at once. */
static void
demo_seed(struct demo *d, double now)
{
	int	 a;

	for (a = 0; a < DEMO_AGENTS; a++) {
		struct demo_call *c;
		double	 since = demo_uniform(d) < 0.5 ?
		    200 + demo_uniform(d) * 1000 : demo_uniform(d) * 200;

		if ((c = demo_new_call(d, now - since - 20)) == NULL)
			return;
		c->hold = c->transfer = c->escalate = false;
		c->talk = since + demo_handle_time(d);
		demo_answer(d, c, a, now, now - since);
	}
	for (a = 0; a < 4; a++)
		demo_arrive(d, now, now - 20 - demo_uniform(d) * 150);
}

/* Print one published alert change as a line. */
static void
demo_print(const char *json, size_t len)
{
	cJSON	*o = cJSON_ParseWithLength(json, len);
	const char *kind, *sev;
	time_t	 t;
	char	 hm[16];

	if (o == NULL)
		return;
	kind = cJSON_GetStringValue(cJSON_GetObjectItem(o, "kind"));
	if (kind != NULL && strcmp(kind, "alert") == 0) {
		sev = cJSON_GetStringValue(cJSON_GetObjectItem(o,
		    "severity"));
		t = (time_t)cJSON_GetNumberValue(cJSON_GetObjectItem(o,
		    "ts"));
		strftime(hm, sizeof hm, "%H:%M:%S", localtime(&t));
		printf("%s %-9s %-8s %-8s %-11s %-6s %-13s %s\n", hm,
		    cJSON_GetStringValue(cJSON_GetObjectItem(o, "state")),
		    sev, cJSON_GetStringValue(cJSON_GetObjectItem(o,
		    "queue")), cJSON_GetStringValue(cJSON_GetObjectItem(o,
		    "call_id")), cJSON_IsString(cJSON_GetObjectItem(o,
		    "agent")) ? cJSON_GetStringValue(cJSON_GetObjectItem(o,
		    "agent")) : "-", cJSON_GetStringValue(
		    cJSON_GetObjectItem(o, "rule")),
		    cJSON_GetStringValue(cJSON_GetObjectItem(o, "message")));
		fflush(stdout);
	}
	cJSON_Delete(o);
}

/* Print whatever the daemon published, waiting up to ms. */
static void
demo_watch(struct demo *d, int ms)
{
	zmq_pollitem_t	 it = { d->sub, 0, ZMQ_POLLIN, 0 };
	char		 topic[256], body[65536];
	int		 n;

	if (zmq_poll(&it, 1, ms) <= 0)
		return;
	while (zmq_recv(d->sub, topic, sizeof topic, ZMQ_DONTWAIT) >= 0) {
		n = zmq_recv(d->sub, body, sizeof body, 0);
		if (n > 0 && n < (int)sizeof body)
			demo_print(body, (size_t)n);
	}
}

int
main(int argc, char **argv)
{
	static struct demo d;
	const char	*feed = "tcp://127.0.0.1:7100";
	const char	*pub = "tcp://127.0.0.1:7101";
	void		*ctx;
	int		 ch, i, zero = 0;
	double		 now;

	d.rng = 0x9e3779b97f4a7c15ULL ^ (uint64_t)time(NULL);
	d.rate = 8.0 / 60;
	while ((ch = getopt(argc, argv, "f:p:r:s:h")) != -1) {
		switch (ch) {
		case 'f':
			feed = optarg;
			break;
		case 'p':
			pub = optarg;
			break;
		case 'r':
			d.rate = atof(optarg) / 60;
			break;
		case 's':
			d.rng = strtoull(optarg, NULL, 10) | 1;
			break;
		default:
			fprintf(stderr, "usage: callwatch-demo [-f FEED] "
			    "[-p PUBLISH] [-r CALLS_PER_MIN] [-s SEED]\n");
			return ch == 'h' ? 0 : 2;
		}
	}
	signal(SIGINT, demo_signal);
	signal(SIGTERM, demo_signal);
	ctx = zmq_ctx_new();
	d.push = zmq_socket(ctx, ZMQ_PUSH);
	d.sub = zmq_socket(ctx, ZMQ_SUB);
	zmq_setsockopt(d.push, ZMQ_LINGER, &zero, sizeof zero);
	zmq_setsockopt(d.sub, ZMQ_SUBSCRIBE, "alert/", 6);
	if (zmq_connect(d.push, feed) == -1 || zmq_connect(d.sub, pub) == -1) {
		fprintf(stderr, "demo: connect: %s\n", zmq_strerror(errno));
		return 1;
	}
	for (i = 0; i < DEMO_AGENTS; i++)
		d.busy[i] = -1;
	printf("callwatch demo: %d agents, queues billing/support/sales, "
	    "feed %s; alert changes from %s:\n", DEMO_AGENTS, feed, pub);
	demo_watch(&d, 500);	/* let the subscription settle */
	now = demo_now();
	demo_seed(&d, now);
	d.next_arrival = now;
	while (!demo_stop) {
		now = demo_now();
		while (d.next_arrival <= now) {
			demo_arrive(&d, now, now);
			d.next_arrival += -log(demo_uniform(&d)) / d.rate;
		}
		for (i = 0; i < DEMO_CALLS; i++)
			demo_step(&d, &d.calls[i], now);
		demo_route(&d, now);
		demo_watch(&d, 200);
	}
	zmq_close(d.push);
	zmq_close(d.sub);
	zmq_ctx_term(ctx);
	return 0;
}
