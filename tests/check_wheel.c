/*
 * The timing wheel and the timers on top of it: every deadline fires
 * exactly once, strictly after its time, in time order, whatever the
 * jumps of the clock.
 */
#include <check.h>
#include <stdlib.h>

#include "bb.h"
#include "cw.h"

#define NODES	5000

struct fired {
	struct wheel_node *n[NODES * 4];
	cw_time		 t[NODES * 4];
	size_t		 count;
	struct timers	*timers;
	cw_time		 rearm_delta;	/* re-arm a fired node this much later */
	int		 rearms_left;
	struct wheel_node *rearm_only;	/* ... if it is this one */
};

/* Record a firing (and maybe re-arm the node). */
static void
record(void *arg, struct wheel_node *n, cw_time t)
{
	struct fired	*f = arg;

	ck_assert_uint_lt(f->count, nitems(f->n));
	f->n[f->count] = n;
	f->t[f->count++] = t;
	if (f->rearm_delta != 0 && n == f->rearm_only &&
	    f->rearms_left-- > 0)
		timers_arm(f->timers, n, t + f->rearm_delta);
}

/* A deterministic pseudo-random number. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Arm NODES random deadlines up to 5 hours past base; advance in random
 * steps; each fires once, in order, strictly after its time. */
static void
random_run(cw_time base, uint64_t s)
{
	static struct wheel_node nodes[NODES];
	static struct fired f;
	cw_time		 now = base;
	size_t		 i;
	int		 seen[NODES] = { 0 };

	f.count = 0;
	f.rearm_delta = 0;
	f.timers = timers_new(NULL, false, base, record, &f);
	for (i = 0; i < NODES; i++) {
		wheel_node_init(&nodes[i]);
		timers_arm(f.timers, &nodes[i],
		    base + (cw_time)(rnd(&s) % (5 * CW_HOUR)) + 1);
	}
	ck_assert_uint_eq(timers_count(f.timers), NODES);
	while (f.count < NODES) {
		size_t	 before = f.count;

		now += (cw_time)(rnd(&s) % (3 * CW_MIN));
		timers_advance(f.timers, now);
		for (i = before; i < f.count; i++) {
			ck_assert_int_lt(f.t[i], now);
			ck_assert_int_eq(f.t[i], f.n[i]->deadline);
			if (i > 0)
				ck_assert_int_le(f.t[i - 1], f.t[i]);
		}
		/* Nothing left behind that was due. */
		ck_assert_int_ge(timers_next(f.timers), now);
	}
	for (i = 0; i < f.count; i++)
		seen[f.n[i] - nodes]++;
	for (i = 0; i < NODES; i++)
		ck_assert_int_eq(seen[i], 1);
	ck_assert_uint_eq(timers_count(f.timers), 0);
	timers_free(f.timers);
}

START_TEST(fires_in_order_exactly_once)
{
	random_run(1763900000LL * CW_SEC, 88172645463325252ULL);
}
END_TEST

START_TEST(fires_in_order_across_a_top_boundary)
{
	/* Two hours before 2^36 ms (2026-08-14 11:19:55 UTC). */
	random_run((cw_time)(26ULL << 36) * CW_MSEC - 2 * CW_HOUR,
	    0x2545f4914f6cdd1dULL);
}
END_TEST

START_TEST(line_is_crossed_strictly)
{
	static struct fired f;
	struct wheel_node n;
	cw_time		 line = 1000 * CW_SEC + 240 * CW_SEC;

	f.count = 0;
	f.rearm_delta = 0;
	f.timers = timers_new(NULL, false, 1000 * CW_SEC, record, &f);
	wheel_node_init(&n);
	timers_arm(f.timers, &n, line);
	timers_advance(f.timers, line - 1);
	ck_assert_uint_eq(f.count, 0);
	timers_advance(f.timers, line);	/* exactly on the line */
	ck_assert_uint_eq(f.count, 0);
	timers_advance(f.timers, line + 1);
	ck_assert_uint_eq(f.count, 1);
	ck_assert_int_eq(f.t[0], line);
	timers_free(f.timers);
}
END_TEST

START_TEST(rearmed_due_nodes_fire_in_the_same_advance_in_order)
{
	static struct fired f;
	struct wheel_node a, b;
	cw_time		 t0 = 5000 * CW_SEC;

	f.count = 0;
	f.timers = timers_new(NULL, false, t0, record, &f);
	f.rearm_delta = 240 * CW_SEC;	/* a tier every 4 minutes */
	f.rearms_left = 3;
	f.rearm_only = &a;
	wheel_node_init(&a);
	wheel_node_init(&b);
	timers_arm(f.timers, &a, t0 + 240 * CW_SEC);
	timers_arm(f.timers, &b, t0 + 500 * CW_SEC);
	/* One jump of an hour: a fires at 240, 480, 720, 960; b at 500. */
	timers_advance(f.timers, t0 + CW_HOUR);
	ck_assert_uint_eq(f.count, 5);
	ck_assert_ptr_eq(f.n[0], &a);
	ck_assert_int_eq(f.t[0], t0 + 240 * CW_SEC);
	ck_assert_ptr_eq(f.n[1], &a);
	ck_assert_int_eq(f.t[1], t0 + 480 * CW_SEC);
	ck_assert_ptr_eq(f.n[2], &b);
	ck_assert_int_eq(f.t[2], t0 + 500 * CW_SEC);
	ck_assert_ptr_eq(f.n[3], &a);
	ck_assert_int_eq(f.t[3], t0 + 720 * CW_SEC);
	ck_assert_ptr_eq(f.n[4], &a);
	ck_assert_int_eq(f.t[4], t0 + 960 * CW_SEC);
	timers_free(f.timers);
}
END_TEST

START_TEST(equal_deadlines_fire_in_arming_order)
{
	static struct fired f;
	struct wheel_node n[4];
	cw_time		 t0 = 100 * CW_SEC, d = t0 + 60 * CW_SEC;
	int		 i;

	f.count = 0;
	f.rearm_delta = 0;
	f.timers = timers_new(NULL, false, t0, record, &f);
	for (i = 0; i < 4; i++) {
		wheel_node_init(&n[i]);
		timers_arm(f.timers, &n[i], d);
	}
	/* Re-arming moves a node to the back of its equals. */
	timers_arm(f.timers, &n[0], d);
	timers_advance(f.timers, d + CW_SEC);
	ck_assert_uint_eq(f.count, 4);
	ck_assert_ptr_eq(f.n[0], &n[1]);
	ck_assert_ptr_eq(f.n[1], &n[2]);
	ck_assert_ptr_eq(f.n[2], &n[3]);
	ck_assert_ptr_eq(f.n[3], &n[0]);
	timers_free(f.timers);
}
END_TEST

START_TEST(disarmed_nodes_never_fire)
{
	static struct fired f;
	struct wheel_node n[3];
	cw_time		 t0 = 100 * CW_SEC;
	int		 i;

	f.count = 0;
	f.rearm_delta = 0;
	f.timers = timers_new(NULL, false, t0, record, &f);
	for (i = 0; i < 3; i++) {
		wheel_node_init(&n[i]);
		timers_arm(f.timers, &n[i], t0 + (i + 1) * CW_MIN);
	}
	timers_disarm(f.timers, &n[1]);
	timers_disarm(f.timers, &n[1]);	/* twice is harmless */
	timers_advance(f.timers, t0 + CW_HOUR);
	ck_assert_uint_eq(f.count, 2);
	ck_assert_ptr_eq(f.n[0], &n[0]);
	ck_assert_ptr_eq(f.n[1], &n[2]);
	timers_free(f.timers);
}
END_TEST

START_TEST(far_future_and_past_deadlines)
{
	static struct fired f;
	struct wheel_node far, past;
	cw_time		 t0 = 1763900000LL * CW_SEC;

	f.count = 0;
	f.rearm_delta = 0;
	f.timers = timers_new(NULL, false, t0, record, &f);
	wheel_node_init(&far);
	wheel_node_init(&past);
	/* Beyond the top level (about 2.2 years): parked, not lost. */
	timers_arm(f.timers, &far, t0 + 1000 * CW_DAY);
	/* Already past: due at the next advance. */
	timers_arm(f.timers, &past, t0 - CW_HOUR);
	timers_advance(f.timers, t0 + 1);
	ck_assert_uint_eq(f.count, 1);
	ck_assert_ptr_eq(f.n[0], &past);
	ck_assert_int_le(timers_next(f.timers), t0 + 1000 * CW_DAY);
	timers_advance(f.timers, t0 + 999 * CW_DAY);
	ck_assert_uint_eq(f.count, 1);
	timers_advance(f.timers, t0 + 1000 * CW_DAY + 1);
	ck_assert_uint_eq(f.count, 2);
	ck_assert_ptr_eq(f.n[1], &far);
	timers_free(f.timers);
}
END_TEST

START_TEST(deadlines_across_every_level_boundary)
{
	static struct fired f;
	struct wheel_node n;
	int		 bit;

	/* Just before a boundary of each level's span (2^6 ... 2^48 ms,
	 * 2^36 ms being 2026-08-14 11:19:55 UTC), a line a few minutes
	 * ahead, across it: it fires on time. */
	for (bit = 6; bit <= 48; bit += 6) {
		cw_time	 b = (cw_time)((26ULL << 36) | (1ULL << bit)) *
			    CW_MSEC;

		b = (b / ((cw_time)(1ULL << bit) * CW_MSEC)) *
		    ((cw_time)(1ULL << bit) * CW_MSEC);
		f.count = 0;
		f.rearm_delta = 0;
		f.timers = timers_new(NULL, false, b - 60 * CW_SEC, record,
		    &f);
		wheel_node_init(&n);
		timers_arm(f.timers, &n, b + 180 * CW_SEC);
		ck_assert_int_le(timers_next(f.timers), b + 180 * CW_SEC);
		timers_advance(f.timers, b + 180 * CW_SEC);
		ck_assert_uint_eq(f.count, 0);
		timers_advance(f.timers, b + 181 * CW_SEC);
		ck_assert_msg(f.count == 1, "boundary 2^%d ms: not fired", bit);
		ck_assert_int_eq(f.t[0], b + 180 * CW_SEC);
		timers_free(f.timers);
	}
}
END_TEST

START_TEST(next_is_exact_at_the_bottom_and_a_bound_above)
{
	struct wheel	 w;
	struct wheel_node a, b;
	cw_time		 t0 = 1000 * CW_SEC;

	wheel_init(&w, t0);
	ck_assert_int_eq(wheel_next(&w), CW_TIME_MAX);
	wheel_node_init(&a);
	wheel_node_init(&b);
	wheel_add(&w, &a, t0 + 10 * CW_MSEC + 123);
	ck_assert_int_eq(wheel_next(&w), t0 + 10 * CW_MSEC + 123);
	wheel_del(&w, &a);
	wheel_add(&w, &b, t0 + 90 * CW_SEC + 7);
	ck_assert_int_le(wheel_next(&w), t0 + 90 * CW_SEC + 7);
	ck_assert_int_gt(wheel_next(&w), t0);
	ck_assert_ptr_null(wheel_expire(&w, t0 + 90 * CW_SEC));
	ck_assert_int_eq(wheel_next(&w), t0 + 90 * CW_SEC + 7);
	ck_assert_ptr_eq(wheel_expire(&w, t0 + 90 * CW_SEC + 8), &b);
	ck_assert_int_eq(wheel_next(&w), CW_TIME_MAX);
}
END_TEST

/* The suite. */
static Suite *
wheel_suite(void)
{
	Suite	*s = suite_create("wheel");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, fires_in_order_exactly_once);
	tcase_add_test(tc, fires_in_order_across_a_top_boundary);
	tcase_add_test(tc, line_is_crossed_strictly);
	tcase_add_test(tc, rearmed_due_nodes_fire_in_the_same_advance_in_order);
	tcase_add_test(tc, equal_deadlines_fire_in_arming_order);
	tcase_add_test(tc, disarmed_nodes_never_fire);
	tcase_add_test(tc, far_future_and_past_deadlines);
	tcase_add_test(tc, next_is_exact_at_the_bottom_and_a_bound_above);
	tcase_add_test(tc, deadlines_across_every_level_boundary);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return bb_run_suite(wheel_suite());
}
