/*
 * Timers: the timing wheel for the far future, a small heap for what is
 * due now, and (with the wall clock) one libevent timer for the earliest
 * deadline.  timers_advance(now) fires every node whose deadline lies
 * strictly before now, in deadline order, even when firing one node arms
 * another that is also already due (SPEC 4.2).
 */
#include <stdlib.h>
#include <sys/time.h>

#include <event2/event.h>

#include "cw.h"

struct timers {
	struct wheel	 wheel;		/* everything not yet due */
	struct wheel_node **heap;	/* due now, min-heap by deadline */
	size_t		 nheap;
	size_t		 capheap;
	struct event	*ev;		/* wall clock: wakes the loop */
	cw_time		 armed_at;	/* deadline ev is set for */
	cw_time		 now;		/* time of the last advance */
	cw_time		 adv_now;	/* inside an advance: its "now" */
	bool		 advancing;
	uint32_t	 order;		/* next tie-break number */
	timer_fire_fn	 fire;
	void		*arg;
	timer_wake_fn	 wake;		/* told before a wall-clock advance */
	void		*wake_arg;
};

/* Whether a fires before b: earlier deadline, then earlier arming. */
static bool
timers_before(const struct wheel_node *a, const struct wheel_node *b)
{
	if (a->deadline != b->deadline)
		return a->deadline < b->deadline;
	return (int32_t)(a->order - b->order) < 0;
}

/* Put heap entry i at position i and record it in the node. */
static void
timers_heap_set(struct timers *t, size_t i, struct wheel_node *n)
{
	t->heap[i] = n;
	n->where = -2 - (int32_t)i;
}

/* Move entry i up to its place. */
static void
timers_heap_up(struct timers *t, size_t i)
{
	struct wheel_node *n = t->heap[i];

	while (i > 0) {
		size_t	 p = (i - 1) / 2;

		if (!timers_before(n, t->heap[p]))
			break;
		timers_heap_set(t, i, t->heap[p]);
		i = p;
	}
	timers_heap_set(t, i, n);
}

/* Move entry i down to its place. */
static void
timers_heap_down(struct timers *t, size_t i)
{
	struct wheel_node *n = t->heap[i];

	for (;;) {
		size_t	 c = 2 * i + 1;

		if (c >= t->nheap)
			break;
		if (c + 1 < t->nheap && timers_before(t->heap[c + 1],
		    t->heap[c]))
			c++;
		if (!timers_before(t->heap[c], n))
			break;
		timers_heap_set(t, i, t->heap[c]);
		i = c;
	}
	timers_heap_set(t, i, n);
}

/* Add a due node to the heap. */
static void
timers_heap_push(struct timers *t, struct wheel_node *n)
{
	if (t->nheap == t->capheap) {
		t->capheap = t->capheap ? t->capheap * 2 : 64;
		t->heap = xreallocarray(t->heap, t->capheap,
		    sizeof(struct wheel_node *));
	}
	t->heap[t->nheap] = n;
	timers_heap_up(t, t->nheap++);
}

/* Remove heap entry i. */
static void
timers_heap_remove(struct timers *t, size_t i)
{
	struct wheel_node *n = t->heap[i];

	n->where = -1;
	if (--t->nheap == i)
		return;
	timers_heap_set(t, i, t->heap[t->nheap]);
	timers_heap_down(t, i);
	timers_heap_up(t, i);
}

/* Set the libevent timer for the earliest deadline (wall clock only). */
static void
timers_schedule(struct timers *t)
{
	cw_time		 next, delay;
	struct timeval	 tv;

	if (t->ev == NULL)
		return;
	next = t->nheap > 0 ? t->heap[0]->deadline : wheel_next(&t->wheel);
	if (next == t->armed_at)
		return;
	t->armed_at = next;
	if (next == CW_TIME_MAX) {
		event_del(t->ev);
		return;
	}
	/* Fire strictly after the line: one microsecond past it. */
	delay = next + 1 - dur_wallclock();
	if (delay < 0)
		delay = 0;
	tv.tv_sec = (time_t)(delay / CW_SEC);
	tv.tv_usec = (suseconds_t)(delay % CW_SEC);
	event_add(t->ev, &tv);
}

/* The libevent timer: advance to the wall clock. */
static void
timers_wake(evutil_socket_t fd, short what, void *arg)
{
	struct timers	*t = arg;
	cw_time		 now = dur_wallclock();

	(void)fd;
	(void)what;
	t->armed_at = CW_TIME_MAX;
	if (t->wake != NULL)
		t->wake(t->wake_arg, now);
	timers_advance(t, now);
}

/* Have fn(arg, now) called before each advance the libevent timer makes. */
void
timers_on_wake(struct timers *t, timer_wake_fn fn, void *arg)
{
	t->wake = fn;
	t->wake_arg = arg;
}

/*
 * New timers starting at now.  With wall set, a libevent timer on base
 * fires them on time; otherwise only timers_advance() moves time.
 */
struct timers *
timers_new(struct event_base *base, bool wall, cw_time now,
    timer_fire_fn fire, void *arg)
{
	struct timers	*t = xcalloc(1, sizeof *t);

	wheel_init(&t->wheel, now);
	t->now = now;
	t->armed_at = CW_TIME_MAX;
	t->fire = fire;
	t->arg = arg;
	if (wall && base != NULL) {
		t->ev = evtimer_new(base, timers_wake, t);
		if (t->ev == NULL)
			fatalx("evtimer_new");
	}
	return t;
}

/* Free the timers; armed nodes are simply forgotten. */
void
timers_free(struct timers *t)
{
	if (t == NULL)
		return;
	if (t->ev != NULL)
		event_free(t->ev);
	free(t->heap);
	free(t);
}

/* Take n out of wherever it waits. */
void
timers_disarm(struct timers *t, struct wheel_node *n)
{
	if (n->where >= 0)
		wheel_del(&t->wheel, n);
	else if (n->where <= -2)
		timers_heap_remove(t, (size_t)(-2 - n->where));
}

/* (Re)arm n to fire at deadline. */
void
timers_arm(struct timers *t, struct wheel_node *n, cw_time deadline)
{
	timers_disarm(t, n);
	n->order = t->order++;
	if (t->advancing && deadline < t->adv_now) {
		n->deadline = deadline;
		timers_heap_push(t, n);
		return;
	}
	wheel_add(&t->wheel, n, deadline);
	if (!t->advancing && deadline < t->armed_at)
		timers_schedule(t);
}

/* Fire, in order, every node whose deadline is strictly before now. */
void
timers_advance(struct timers *t, cw_time now)
{
	struct wheel_node *n, *next;

	if (t->advancing)
		return;
	if (now < t->now)
		now = t->now;
	t->advancing = true;
	t->adv_now = now;
	for (n = wheel_expire(&t->wheel, now); n != NULL; n = next) {
		next = n->next;
		n->next = NULL;
		timers_heap_push(t, n);
	}
	while (t->nheap > 0) {
		n = t->heap[0];
		timers_heap_remove(t, 0);
		t->fire(t->arg, n, n->deadline);
	}
	t->advancing = false;
	t->now = now;
	timers_schedule(t);
}

/* Nodes armed. */
size_t
timers_count(const struct timers *t)
{
	return t->wheel.count + t->nheap;
}

/* The earliest deadline (or a lower bound of it); CW_TIME_MAX if none. */
cw_time
timers_next(const struct timers *t)
{
	return t->nheap > 0 ? t->heap[0]->deadline : wheel_next(&t->wheel);
}
