/*
 * callwatch-sim: a contact-centre floor that behaves like a real one, as
 * callwatch events (SPEC 4.1).  A discrete-event simulation: callers
 * arrive as a Poisson process whose rate follows the real month's day
 * (../shared/data: arrivals by hour, fewer at weekends), pick a queue in
 * the month's mix, wait for the first free agent or give up, talk for a
 * lognormal time fitted per queue to the month (median and 90th
 * percentile of each type's service time), sometimes with a hold, a
 * transfer, an escalation or a bad sentiment, then wrap up.  Some callers
 * call again; one agent in the floor keeps hanging up in seconds.
 *
 * Live, it pushes to a feed with each event stamped with the floor's
 * clock (the wall clock; --speed N runs it N times faster, for a daemon
 * on the event clock) and a heartbeat each second.  With --jsonl it
 * writes JSON Lines to stdout as fast as it can, for callwatchd --replay.
 * The floor can start warm: the hour before the start is simulated
 * silently and the calls it leaves in progress are announced at once.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "client.h"
#include "cw.h"

#define SIM_EXIT_USAGE	2

/*
 * The queues: bank call types (SOURCES.md) under floor names, with the
 * month's count of calls served (the mix) and the lognormal fitted to
 * each type's service time: mu = ln(median), sigma = ln(p90 / median) /
 * 1.2816.  Served counts, not offered, weigh the mix so the handled calls
 * come out in the month's proportions.
 */
static const struct simq {
	const char	*name;
	const char	*bank;		/* the month's call type */
	double		 served;
	double		 mu;
	double		 sigma;
} sim_queues[] = {
	{ "support",  "PS", 18289, 4.771, 0.976 },	/* regular */
	{ "sales",    "NW",  4982, 4.111, 1.066 },	/* new customers */
	{ "billing",  "NE",  2507, 5.182, 1.000 },	/* stock trading */
	{ "tech",     "TT",   983, 3.219, 1.947 },	/* technical */
	{ "internet", "IN",   196, 5.069, 1.026 },	/* internet */
	{ "priority", "PE",   120, 4.949, 1.153 },	/* privileged */
};
#define SIM_NQ	nitems(sim_queues)

/* Calls arriving in each hour of the day over the month (local time). */
static const double sim_hours[24] = {
	122, 34, 21, 7, 9, 22, 112, 910, 2231, 2502, 2800, 2593,
	2187, 2609, 2402, 2317, 2352, 1916, 1708, 1588, 1357, 1396, 1196, 953,
};
/* Weekdays as the month's (its Friday and Saturday weekend mapped to
 * Saturday and Sunday), Sunday first. */
static const double sim_days[7] = { 0.14, 1, 1, 1, 1, 1, 0.34 };

/* Patience of a waiting caller (the month's abandons: median 43 s,
 * 90th percentile 166 s), and the rest of a call's shape. */
#define SIM_PATIENCE_MU		3.761
#define SIM_PATIENCE_SIGMA	1.054
#define SIM_WRAP_MU		2.708	/* wrap-up: median 15 s */
#define SIM_WRAP_SIGMA		0.7
#define SIM_HOLD_MU		3.807	/* a hold: median 45 s */
#define SIM_HOLD_SIGMA		0.9
#define SIM_P_HOLD		0.20
#define SIM_P_TRANSFER		0.08
#define SIM_P_TRANSFER2		0.15	/* of those transferred */
#define SIM_P_ESCALATE		0.04
#define SIM_P_LEVEL2		0.25	/* of those escalated */
#define SIM_P_SENTIMENT		0.30	/* calls with a sentiment score */
#define SIM_P_REPEAT		0.12	/* callers who called lately */
#define SIM_P_SHORT		0.30	/* the hasty agent's calls cut short */
#define SIM_RECENT		4096	/* callers remembered for repeats */
#define SIM_OCCUPANCY		1.1	/* default peak load per agent */
#define SIM_MAX_TALK		(4 * 3600.0)

static const char *const sim_names[] = {
	"ana", "ben", "chloe", "dan", "eva", "femi", "gus", "hana", "ivan",
	"jo", "kai", "lea", "mo", "nia", "omar", "pia", "raj", "sara", "tom",
	"uma", "vic", "wen", "yara", "zoe",
};

enum sim_state { SC_WAIT, SC_TALK, SC_HOLD, SC_WRAP, SC_DONE };

/* What a scheduled step does. */
enum sim_act {
	SA_ABANDON, SA_HOLD, SA_RESUME, SA_TRANSFER, SA_ESCALATE,
	SA_SENTIMENT, SA_HANGUP, SA_WRAPUP_END,
};

struct sim_call {
	char		 id[32];
	int		 q;
	int		 agent;		/* -1 while waiting */
	enum sim_state	 st;
	double		 queued_at;
	double		 answered_at;
	double		 talk;		/* answered to hangup */
	long		 caller;
	int		 level;		/* escalation level to ask for */
	int		 refs;		/* steps scheduled */
	struct sim_call	*next;		/* waiting line */
};

/* One scheduled step. */
struct sim_ev {
	double		 t;
	uint64_t	 n;		/* ties in the order scheduled */
	struct sim_call	*c;
	enum sim_act	 act;
};

struct sim {
	uint64_t	 rng;
	double		 now;		/* the floor's clock (s) */
	double		 hour0;		/* time of day at start, offset */
	double		 rate;		/* peak arrivals per second */
	double		 next_arrival;
	int		 nagents;
	struct sim_call **agents;	/* busy with, or NULL */
	int		 hasty;		/* the agent who hangs up early */
	struct sim_call	*wait_head, *wait_tail;
	struct sim_ev	*heap;
	size_t		 nheap, capheap;
	uint64_t	 nsched;
	long		 recent[SIM_RECENT];
	size_t		 nrecent;
	unsigned	 serial;
	unsigned	 prefix;
	bool		 quiet;		/* warming up: nothing goes out */
	bool		 jsonl;
	void		*push;
	const char	*feed;
	bool		 warned;
	/* What happened, for the summary. */
	unsigned long	 offered, answered, abandoned, events, dropped;
	double		 qweight;	/* sum of the mix */
};

static volatile sig_atomic_t sim_stop;

static void
sim_signal(int sig)
{
	(void)sig;
	sim_stop = 1;
}

/* A uniform number in (0, 1) (xorshift64*). */
static double
sim_uniform(struct sim *s)
{
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return ((double)((s->rng * 0x2545F4914F6CDD1DULL) >> 11) + 0.5) /
	    9007199254740992.0;
}

/* A standard normal (Box-Muller). */
static double
sim_normal(struct sim *s)
{
	return sqrt(-2 * log(sim_uniform(s))) *
	    cos(2 * M_PI * sim_uniform(s));
}

/* A lognormal number. */
static double
sim_lognormal(struct sim *s, double mu, double sigma)
{
	return exp(mu + sigma * sim_normal(s));
}

/* Seconds rounded to the millisecond (printed short by cJSON). */
static double
sim_ms(double t)
{
	return floor(t * 1000 + 0.5) / 1000;
}

/* --- the schedule: a binary heap by time ------------------------------ */

static bool
sim_before(const struct sim_ev *a, const struct sim_ev *b)
{
	return a->t < b->t || (a->t == b->t && a->n < b->n);
}

static void
sim_schedule(struct sim *s, struct sim_call *c, enum sim_act act, double t)
{
	size_t		 i;
	struct sim_ev	 e = { t, s->nsched++, c, act };

	if (s->nheap == s->capheap) {
		s->capheap = s->capheap ? s->capheap * 2 : 256;
		s->heap = xreallocarray(s->heap, s->capheap, sizeof *s->heap);
	}
	c->refs++;
	for (i = s->nheap++; i > 0 && sim_before(&e, &s->heap[(i - 1) / 2]);
	    i = (i - 1) / 2)
		s->heap[i] = s->heap[(i - 1) / 2];
	s->heap[i] = e;
}

static struct sim_ev
sim_pop(struct sim *s)
{
	struct sim_ev	 top = s->heap[0], last = s->heap[--s->nheap];
	size_t		 i = 0, k;

	while ((k = 2 * i + 1) < s->nheap) {
		if (k + 1 < s->nheap && sim_before(&s->heap[k + 1],
		    &s->heap[k]))
			k++;
		if (!sim_before(&s->heap[k], &last))
			break;
		s->heap[i] = s->heap[k];
		i = k;
	}
	if (s->nheap > 0)
		s->heap[i] = last;
	return top;
}

/* --- output ------------------------------------------------------------ */

/* Send or print one event (o is freed). */
static void
sim_emit(struct sim *s, cJSON *o)
{
	char	*j;

	if (s->quiet) {
		cJSON_Delete(o);
		return;
	}
	j = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	s->events++;
	if (s->jsonl)
		printf("%s\n", j);
	else if (zmq_send(s->push, j, strlen(j), ZMQ_DONTWAIT) == -1) {
		/* Past the high-water mark (1000 events queued): never
		 * block, the floor keeps its clock. */
		s->dropped++;
		if (!s->warned && errno == EAGAIN)
			fprintf(stderr, "callwatch-sim: the daemon at %s is "
			    "not reading; dropping events\n", s->feed);
		s->warned = true;
	}
	cJSON_free(j);
}

/* A new event of type for call c at time t. */
static cJSON *
sim_event(const char *type, const struct sim_call *c, double t)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "type", type);
	if (c != NULL)
		cJSON_AddStringToObject(o, "call_id", c->id);
	cJSON_AddNumberToObject(o, "ts", sim_ms(t));
	return o;
}

/* The agent's name: ana, ben, ..., then ana2, ben2, ... */
static const char *
sim_agent(int a, char *buf, size_t len)
{
	int	 n = (int)nitems(sim_names);

	if (a < n)
		snprintf(buf, len, "%s", sim_names[a]);
	else
		snprintf(buf, len, "%s%d", sim_names[a % n], a / n + 1);
	return buf;
}

/* The caller's number. */
static void
sim_add_caller(cJSON *o, long caller)
{
	char	 num[24];

	snprintf(num, sizeof num, "+1555%07ld", caller);
	cJSON_AddStringToObject(o, "caller", num);
}

/* "answered" for c at t (also how a call in progress is announced). */
static void
sim_emit_answered(struct sim *s, const struct sim_call *c, double t)
{
	cJSON	*o = sim_event("answered", c, t);
	char	 name[32];

	cJSON_AddStringToObject(o, "queue", sim_queues[c->q].name);
	cJSON_AddStringToObject(o, "agent", sim_agent(c->agent, name,
	    sizeof name));
	sim_add_caller(o, c->caller);
	cJSON_AddNumberToObject(o, "queued_at", sim_ms(c->queued_at));
	cJSON_AddNumberToObject(o, "answered_at", sim_ms(c->answered_at));
	sim_emit(s, o);
}

/* --- the floor ---------------------------------------------------------- */

/* A queue drawn from the month's mix, other than not (-1: any). */
static int
sim_pick_queue(struct sim *s, int not)
{
	double	 x;
	size_t	 i;

	do {
		x = sim_uniform(s) * s->qweight;
		for (i = 0; i + 1 < SIM_NQ && x >= sim_queues[i].served; i++)
			x -= sim_queues[i].served;
	} while ((int)i == not);
	return (int)i;
}

/* A caller: sometimes one who called lately. */
static long
sim_pick_caller(struct sim *s)
{
	long	 c;

	if (s->nrecent > 0 && sim_uniform(s) < SIM_P_REPEAT)
		return s->recent[(size_t)(sim_uniform(s) *
		    (double)(s->nrecent < SIM_RECENT ? s->nrecent :
		    SIM_RECENT))];
	c = (long)(sim_uniform(s) * 9000000) + 1000000;
	s->recent[s->nrecent++ % SIM_RECENT] = c;
	return c;
}

/* Arrivals per second at t: the peak rate shaped by hour and weekday,
 * linear between the hours' midpoints. */
static double
sim_rate(const struct sim *s, double t)
{
	time_t		 tt = (time_t)(t + s->hour0);
	struct tm	 tm;
	double		 h, f, a, b;
	int		 i;

	localtime_r(&tt, &tm);
	h = tm.tm_hour + tm.tm_min / 60.0 + tm.tm_sec / 3600.0 - 0.5;
	if (h < 0)
		h += 24;
	i = (int)h;
	f = h - i;
	a = sim_hours[i % 24];
	b = sim_hours[(i + 1) % 24];
	return s->rate * (a + (b - a) * f) / 2800 * sim_days[tm.tm_wday];
}

/* The next arrival after t (thinning: candidates at the peak rate, each
 * kept with probability rate(t) / peak). */
static double
sim_next_arrival(struct sim *s, double t)
{
	do
		t += -log(sim_uniform(s)) / s->rate;
	while (sim_uniform(s) * s->rate > sim_rate(s, t));
	return t;
}

/* Plan c's talk from its answer at t: hangup, and what happens on the
 * way (a hold early, a transfer or an escalation late), all within the
 * drawn talk time so its distribution is the month's. */
static void
sim_plan(struct sim *s, struct sim_call *c, double t)
{
	const struct simq *q = &sim_queues[c->q];
	double		 T, a, h;

	T = sim_lognormal(s, q->mu, q->sigma);
	if (c->agent == s->hasty && sim_uniform(s) < SIM_P_SHORT)
		T = 2 + sim_uniform(s) * 6;
	if (T < 1)
		T = 1;
	if (T > SIM_MAX_TALK)
		T = SIM_MAX_TALK;
	c->talk = T;
	if (T > 20 && sim_uniform(s) < SIM_P_HOLD) {
		a = T * (0.1 + 0.2 * sim_uniform(s));
		h = sim_lognormal(s, SIM_HOLD_MU, SIM_HOLD_SIGMA);
		if (h > T * 0.4)
			h = T * 0.4;
		sim_schedule(s, c, SA_HOLD, t + a);
		sim_schedule(s, c, SA_RESUME, t + a + h);
	}
	if (T > 20 && sim_uniform(s) < SIM_P_TRANSFER) {
		sim_schedule(s, c, SA_TRANSFER, t + T * (0.55 +
		    0.1 * sim_uniform(s)));
		if (sim_uniform(s) < SIM_P_TRANSFER2)
			sim_schedule(s, c, SA_TRANSFER, t + T * (0.7 +
			    0.1 * sim_uniform(s)));
	}
	if (T > 20 && sim_uniform(s) < SIM_P_ESCALATE) {
		c->level = sim_uniform(s) < SIM_P_LEVEL2 ? 2 : 1;
		sim_schedule(s, c, SA_ESCALATE, t + T * (0.85 +
		    0.05 * sim_uniform(s)));
	}
	if (sim_uniform(s) < SIM_P_SENTIMENT)
		sim_schedule(s, c, SA_SENTIMENT, t + T * 0.5);
	sim_schedule(s, c, SA_HANGUP, t + T);
}

/* Agent a takes c at t. */
static void
sim_answer(struct sim *s, struct sim_call *c, int a, double t)
{
	c->agent = a;
	c->st = SC_TALK;
	c->answered_at = t;
	s->agents[a] = c;
	s->answered++;
	sim_emit_answered(s, c, t);
	sim_plan(s, c, t);
}

/* Free agents take the longest-waiting callers. */
static void
sim_route(struct sim *s, double t)
{
	struct sim_call	*c;
	int		 a;

	for (a = 0; a < s->nagents && s->wait_head != NULL; a++) {
		if (s->agents[a] != NULL)
			continue;
		/* Callers who gave up are still in line: skip them. */
		while ((c = s->wait_head) != NULL && c->st != SC_WAIT) {
			s->wait_head = c->next;
			if (--c->refs == 0)
				free(c);
		}
		if (c == NULL)
			break;
		s->wait_head = c->next;
		c->refs--;
		sim_answer(s, c, a, t);
	}
	if (s->wait_head == NULL)
		s->wait_tail = NULL;
}

/* A caller joins a queue at t. */
static void
sim_arrive(struct sim *s, double t)
{
	struct sim_call	*c = xcalloc(1, sizeof *c);
	cJSON		*o;

	snprintf(c->id, sizeof c->id, "%04x-%06u", s->prefix, ++s->serial);
	c->q = sim_pick_queue(s, -1);
	c->agent = -1;
	c->st = SC_WAIT;
	c->queued_at = t;
	c->caller = sim_pick_caller(s);
	s->offered++;
	o = sim_event("queued", c, t);
	cJSON_AddStringToObject(o, "queue", sim_queues[c->q].name);
	sim_add_caller(o, c->caller);
	sim_emit(s, o);
	c->refs++;			/* the waiting line's */
	if (s->wait_tail != NULL)
		s->wait_tail->next = c;
	else
		s->wait_head = c;
	s->wait_tail = c;
	sim_schedule(s, c, SA_ABANDON, t + sim_lognormal(s,
	    SIM_PATIENCE_MU, SIM_PATIENCE_SIGMA));
	sim_route(s, t);
}

/* A transfer at t: to another queue, to a free agent when there is one
 * (the first agent is then free), else the same agent carries on. */
static void
sim_transfer(struct sim *s, struct sim_call *c, double t)
{
	cJSON	*o = sim_event("transferred", c, t);
	char	 name[32];
	int	 a;

	c->q = sim_pick_queue(s, c->q);
	cJSON_AddStringToObject(o, "to_queue", sim_queues[c->q].name);
	for (a = 0; a < s->nagents && s->agents[a] != NULL; a++)
		;
	if (a < s->nagents) {
		s->agents[c->agent] = NULL;
		s->agents[a] = c;
		c->agent = a;
		cJSON_AddStringToObject(o, "to_agent", sim_agent(a, name,
		    sizeof name));
	}
	sim_emit(s, o);
	/* The first agent, if free now, takes the next caller. */
	sim_route(s, t);
}

/* Carry out one scheduled step. */
static void
sim_step(struct sim *s, struct sim_ev *e)
{
	struct sim_call	*c = e->c;
	cJSON		*o;
	int		 a;

	switch (e->act) {
	case SA_ABANDON:
		if (c->st != SC_WAIT)
			break;
		c->st = SC_DONE;
		s->abandoned++;
		sim_emit(s, sim_event("abandoned", c, e->t));
		break;
	case SA_HOLD:
		c->st = SC_HOLD;
		sim_emit(s, sim_event("hold", c, e->t));
		break;
	case SA_RESUME:
		c->st = SC_TALK;
		sim_emit(s, sim_event("resume", c, e->t));
		break;
	case SA_TRANSFER:
		sim_transfer(s, c, e->t);
		break;
	case SA_ESCALATE:
		o = sim_event("escalate", c, e->t);
		cJSON_AddNumberToObject(o, "level", c->level);
		cJSON_AddStringToObject(o, "reason", c->level > 1 ?
		    "asked for a manager" : "asked for a supervisor");
		sim_emit(s, o);
		break;
	case SA_SENTIMENT:
		o = sim_event("sentiment", c, e->t);
		cJSON_AddNumberToObject(o, "score", floor(fmax(-1, fmin(1,
		    0.2 + 0.4 * sim_normal(s))) * 100 + 0.5) / 100);
		sim_emit(s, o);
		break;
	case SA_HANGUP:
		c->st = SC_WRAP;
		sim_emit(s, sim_event("hangup", c, e->t));
		sim_schedule(s, c, SA_WRAPUP_END, e->t + fmin(300,
		    sim_lognormal(s, SIM_WRAP_MU, SIM_WRAP_SIGMA)));
		break;
	case SA_WRAPUP_END:
		c->st = SC_DONE;
		sim_emit(s, sim_event("wrapup_end", c, e->t));
		a = c->agent;
		s->agents[a] = NULL;
		sim_route(s, e->t);
		break;
	}
	if (--c->refs == 0)
		free(c);
}

/* Let go of every call. */
static void
sim_free(struct sim *s)
{
	struct sim_call	*c;
	size_t		 i;

	while ((c = s->wait_head) != NULL) {
		s->wait_head = c->next;
		if (--c->refs == 0)
			free(c);
	}
	for (i = 0; i < s->nheap; i++)
		if (--s->heap[i].c->refs == 0)
			free(s->heap[i].c);
	free(s->heap);
	free(s->agents);
}

/* Run the floor up to t (arrivals and steps due by then, in order). */
static void
sim_run_until(struct sim *s, double t)
{
	struct sim_ev	 e;

	while (!sim_stop) {
		bool	 arrival = s->next_arrival <= t &&
		    (s->nheap == 0 || s->next_arrival <= s->heap[0].t);

		if (arrival) {
			s->now = s->next_arrival;
			sim_arrive(s, s->now);
			s->next_arrival = sim_next_arrival(s, s->now);
		} else if (s->nheap > 0 && s->heap[0].t <= t) {
			e = sim_pop(s);
			s->now = e.t;
			sim_step(s, &e);
		} else
			break;
	}
	s->now = t;
}

/* When the next thing happens. */
static double
sim_next(const struct sim *s)
{
	return s->nheap > 0 && s->heap[0].t < s->next_arrival ?
	    s->heap[0].t : s->next_arrival;
}

/*
 * The calls the warm-up left in progress, announced at t: waiting ones as
 * queued since they joined, answered ones as answered then (on hold or in
 * wrap-up too, when they are), so the daemon measures from the true start.
 */
static void
sim_announce(struct sim *s, double t)
{
	struct sim_call	*c;
	cJSON		*o;
	int		 a;

	for (c = s->wait_head; c != NULL; c = c->next) {
		if (c->st != SC_WAIT)
			continue;
		o = sim_event("queued", c, t);
		cJSON_AddStringToObject(o, "queue", sim_queues[c->q].name);
		sim_add_caller(o, c->caller);
		cJSON_AddNumberToObject(o, "queued_at", sim_ms(c->queued_at));
		sim_emit(s, o);
	}
	for (a = 0; a < s->nagents; a++) {
		if ((c = s->agents[a]) == NULL)
			continue;
		sim_emit_answered(s, c, t);
		if (c->st == SC_HOLD)
			sim_emit(s, sim_event("hold", c, t));
		else if (c->st == SC_WRAP)
			sim_emit(s, sim_event("hangup", c, t));
	}
}

/* The floor's clock now: the wall clock, sped up from t0. */
static double
sim_clock(double wall0, double t0, double speed)
{
	return t0 + speed * ((double)dur_wallclock() / 1e6 - wall0);
}

/* Push to the feed in time with the floor's clock until stopped or end. */
static void
sim_live(struct sim *s, double t0, double speed, double end)
{
	double	 wall0 = (double)dur_wallclock() / 1e6, now, next, hb = t0;
	cJSON	*o;

	while (!sim_stop && (end == 0 || s->now < end)) {
		now = sim_clock(wall0, t0, speed);
		if (end != 0 && now > end)
			now = end;
		sim_run_until(s, now);
		/* A heartbeat each second of the floor: the event clock
		 * moves on and feed_silent stays quiet. */
		if (now >= hb) {
			o = sim_event("heartbeat", NULL, now);
			sim_emit(s, o);
			hb = now + 1;
		}
		next = fmin(sim_next(s), hb);
		usleep((useconds_t)(fmin(0.1, fmax(0.001, (next - now) /
		    speed)) * 1e6));
	}
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: callwatch-sim [-c FILE] [--feed EP | --jsonl] "
	    "[--agents N] [--rate CALLS_PER_HOUR]\n"
	    "           [--speed X] [--seed N] [--hour H] [--warmup DUR] "
	    "[--duration DUR] [--start UNIXTIME]\n"
	    "           [--key FILE --server-key FILE]\n");
}

/* A duration option in seconds; -1 after an error line. */
static double
sim_dur(const char *opt, const char *v)
{
	cw_time		 t;
	const char	*err;

	if (dur_parse(v, &t, &err) == -1 || t < 0) {
		fprintf(stderr, "callwatch-sim: %s: %s is not a duration "
		    "(like 90s, 30m, 1h)\n", opt, v);
		return -1;
	}
	return (double)t / CW_SEC;
}

/* A number option within [lo, hi]; NAN after an error line. */
static double
sim_num(const char *opt, const char *v, double lo, double hi)
{
	char	*end;
	double	 x = strtod(v, &end);

	if (end == v || *end != '\0' || !(x >= lo && x <= hi)) {
		fprintf(stderr, "callwatch-sim: %s: %s is not a number from "
		    "%g to %g\n", opt, v, lo, hi);
		return NAN;
	}
	return x;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "feed", required_argument, NULL, 'f' },
		{ "jsonl", no_argument, NULL, 'j' },
		{ "agents", required_argument, NULL, 'a' },
		{ "rate", required_argument, NULL, 'r' },
		{ "speed", required_argument, NULL, 'x' },
		{ "seed", required_argument, NULL, 's' },
		{ "hour", required_argument, NULL, 'H' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "duration", required_argument, NULL, 'd' },
		{ "start", required_argument, NULL, 'S' },
		{ "key", required_argument, NULL, 'k' },
		{ "server-key", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct sim s;
	const char	*conf = NULL, *feed = NULL, *key = NULL;
	const char	*server_key = NULL;
	char		*feedbuf = NULL, err[512];
	struct curvekeys keys;
	double		 speed = 1, hour = -1, warmup = 3600, duration = -1;
	double		 start = -1, rate = 0, agents = 24, v, t0, mean = 0;
	uint64_t	 seed = 0;
	bool		 seeded = false;
	void		*ctx = NULL;
	time_t		 tt;
	struct tm	 tm;
	size_t		 i;
	int		 ch, linger = 2000;

	client_prog = "callwatch-sim";
	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		v = 0;
		switch (ch) {
		case 'c':
			conf = optarg;
			break;
		case 'f':
			feed = optarg;
			break;
		case 'j':
			s.jsonl = true;
			break;
		case 'a':
			v = agents = sim_num("--agents", optarg, 1, 100000);
			break;
		case 'r':
			v = rate = sim_num("--rate", optarg, 0.1, 1e7);
			break;
		case 'x':
			v = speed = sim_num("--speed", optarg, 0.1, 1000);
			break;
		case 's':
			v = sim_num("--seed", optarg, 0, 1e15);
			seed = (uint64_t)v;
			seeded = true;
			break;
		case 'H':
			v = hour = sim_num("--hour", optarg, 0, 24);
			break;
		case 'w':
			v = warmup = sim_dur("--warmup", optarg);
			break;
		case 'd':
			v = duration = sim_dur("--duration", optarg);
			break;
		case 'S':
			v = start = sim_num("--start", optarg, 0, 4e9);
			break;
		case 'k':
			key = optarg;
			break;
		case 'K':
			server_key = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return SIM_EXIT_USAGE;
		}
		if (isnan(v) || v < 0)
			return SIM_EXIT_USAGE;
	}
	if (optind < argc) {
		fprintf(stderr, "callwatch-sim: unexpected argument %s\n",
		    argv[optind]);
		usage(stderr);
		return SIM_EXIT_USAGE;
	}
	if (s.jsonl && feed != NULL) {
		fprintf(stderr, "callwatch-sim: --jsonl or --feed, not both\n");
		return SIM_EXIT_USAGE;
	}
	/* Within what --seed takes, so the seed printed can be given back. */
	if (!seeded)
		seed = ((uint64_t)dur_wallclock() ^ (uint64_t)getpid() << 32) %
		    1000000000000000ULL;
	s.rng = (seed * 0x9E3779B97F4A7C15ULL) ^ 0xD1B54A32D192ED03ULL;
	if (s.rng == 0)
		s.rng = 1;
	s.prefix = (unsigned)(seed & 0xffff);
	s.nagents = (int)agents;
	s.agents = xcalloc((size_t)s.nagents, sizeof(struct sim_call *));
	s.hasty = s.nagents > 1 ? s.nagents / 2 : -1;
	for (i = 0; i < SIM_NQ; i++) {
		s.qweight += sim_queues[i].served;
		mean += sim_queues[i].served * exp(sim_queues[i].mu +
		    sim_queues[i].sigma * sim_queues[i].sigma / 2);
	}
	mean = mean / s.qweight + exp(SIM_WRAP_MU + SIM_WRAP_SIGMA *
	    SIM_WRAP_SIGMA / 2);
	/* By default the peak keeps the agents SIM_OCCUPANCY busy. */
	s.rate = rate > 0 ? rate / 3600 : SIM_OCCUPANCY * s.nagents / mean;
	t0 = start >= 0 ? start : floor((double)dur_wallclock() / 1e6);
	if (duration < 0)
		duration = s.jsonl ? 86400 : 0;
	/* --hour: the floor's time of day at start, whatever the clock. */
	if (hour >= 0) {
		tt = (time_t)t0;
		localtime_r(&tt, &tm);
		s.hour0 = hour * 3600 - (tm.tm_hour * 3600 + tm.tm_min * 60 +
		    tm.tm_sec);
	}
	if (!s.jsonl) {
		if (curvekeys_load(&keys, key, server_key, err,
		    sizeof err) == -1) {
			fprintf(stderr, "callwatch-sim: %s\n", err);
			return 2;
		}
		if (feed == NULL && (feed = feedbuf = client_find_feed(conf,
		    FORMAT_CALLWATCH, &keys)) == NULL)
			return 1;
		s.feed = feed;
		ctx = zmq_ctx_new();
		s.push = zmq_socket(ctx, ZMQ_PUSH);
		zmq_setsockopt(s.push, ZMQ_LINGER, &linger, sizeof linger);
		curvekeys_apply(&keys, s.push);
		if (zmq_connect(s.push, feed) == -1) {
			fprintf(stderr, "callwatch-sim: cannot connect to %s: "
			    "%s\n", feed, zmq_strerror(errno));
			return 1;
		}
	}
	signal(SIGINT, sim_signal);
	signal(SIGTERM, sim_signal);
	fprintf(stderr, "callwatch-sim: seed %llu, %d agents, peak %.0f "
	    "calls/h, %s%s\n", (unsigned long long)seed, s.nagents,
	    s.rate * 3600, s.jsonl ? "JSON Lines to stdout" : "feed ",
	    s.jsonl ? "" : feed);
	/* Warm up silently, then say what is in progress. */
	s.quiet = warmup > 0;
	s.now = t0 - warmup;
	s.next_arrival = sim_next_arrival(&s, s.now);
	sim_run_until(&s, t0);
	s.quiet = false;
	s.offered = s.answered = s.abandoned = 0;
	sim_announce(&s, t0);
	if (s.jsonl)
		sim_run_until(&s, t0 + duration);
	else
		sim_live(&s, t0, speed, duration > 0 ? t0 + duration : 0);
	fprintf(stderr, "callwatch-sim: %lu calls offered, %lu answered, "
	    "%lu abandoned, %lu events%s\n", s.offered, s.answered,
	    s.abandoned, s.events, s.dropped > 0 ? " (some dropped)" : "");
	if (s.push != NULL) {
		zmq_close(s.push);
		zmq_ctx_term(ctx);
	}
	sim_free(&s);
	free(feedbuf);
	return 0;
}
