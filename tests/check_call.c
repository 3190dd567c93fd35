/*
 * Calls, rules and alerts with the event clock: the state machine, strict
 * line crossing, tiers and their multiples, long waits, duplicates and
 * out-of-order events, stale calls, transfers, queue figures.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bb.h"
#include "testd.h"

static struct testd *td;

/* Defaults: wrap-up off, so a hangup ends the call. */
static void
setup_nowrap(void)
{
	struct config	*cfg = testd_config();

	cfg->defaults.wrapup = false;
	td = testd_new(cfg);
}

/* Defaults as shipped (wrap-up on). */
static void
setup_wrap(void)
{
	td = testd_new(testd_config());
}

/* Free the daemon. */
static void
teardown(void)
{
	testd_free(td);
}

START_TEST(long_call_tiers_fire_escalate_and_resolve)
{
	cJSON	*o;

	EV("answered", "c1", 0, ",\"queue\":\"sales\",\"agent\":\"a-1\","
	    "\"caller\":\"+15550001\"");
	HEARTBEAT(1000);
	ck_assert_uint_eq(td->nmsgs, 3);
	check_alert(td->msgs[0], "firing", "info", T0 + 240, 240, 240);
	check_alert(td->msgs[1], "escalated", "warning", T0 + 480, 480, 480);
	check_alert(td->msgs[2], "escalated", "critical", T0 + 960, 960, 960);
	o = td->msgs[0];
	ck_assert_str_eq(testd_str(o, "id"), "c1/long_call");
	ck_assert_str_eq(testd_str(o, "rule"), "long_call");
	ck_assert_str_eq(testd_str(o, "call_id"), "c1");
	ck_assert_str_eq(testd_str(o, "queue"), "sales");
	ck_assert_str_eq(testd_str(o, "agent"), "a-1");
	ck_assert_str_eq(testd_str(o, "caller"), "+15550001");
	ck_assert_str_eq(testd_str(o, "message"),
	    "handle time 4m00s, normal 3\xe2\x80\x93" "4m");
	ck_assert_str_eq(td->topics[0], "alert/sales/info");
	ck_assert_str_eq(td->topics[2], "alert/sales/critical");
	EV("hangup", "c1", 1000.5, "");
	ck_assert_uint_eq(td->nmsgs, 4);
	check_alert(td->msgs[3], "resolved", "critical", T0 + 1000.5, 1000.5,
	    960);
	ck_assert_str_eq(td->topics[3], "alert/sales/critical");
	/* seq grows by one per message: call/ "answered" was 1, then each
	 * alert change is followed by call/ "level", but the resolution,
	 * which call/ "ended" follows. */
	ck_assert_double_eq(testd_num(td->msgs[0], "seq"), 2);
	ck_assert_double_eq(testd_num(td->msgs[3], "seq"), 8);
	ck_assert_uint_eq(td->nothers, 5);
	ck_assert_str_eq(testd_str(td->others[3], "event"), "level");
	ck_assert_str_eq(testd_str(td->others[3], "level"), "critical");
	ck_assert_str_eq(testd_str(td->others[4], "event"), "ended");
}
END_TEST

START_TEST(hangup_exactly_on_the_line_never_crossed_it)
{
	EV("answered", "c1", 0, "");
	HEARTBEAT(240);		/* exactly 4:00: not past it */
	ck_assert_uint_eq(td->nmsgs, 0);
	EV("hangup", "c1", 240, "");
	HEARTBEAT(5000);
	ck_assert_uint_eq(td->nmsgs, 0);
	/* A microsecond past the line crosses it. */
	EV("answered", "c2", 6000, "");
	HEARTBEAT(6240.000001);
	ck_assert_uint_eq(td->nmsgs, 1);
	check_alert(td->msgs[0], "firing", "info", T0 + 6240, 240, 240);
}
END_TEST

START_TEST(lines_fire_before_an_event_at_a_later_time)
{
	/* No heartbeat: the hangup itself moves the clock past 240. */
	EV("answered", "c1", 0, "");
	EV("hangup", "c1", 300, "");
	ck_assert_uint_eq(td->nmsgs, 2);
	check_alert(td->msgs[0], "firing", "info", T0 + 240, 240, 240);
	check_alert(td->msgs[1], "resolved", "info", T0 + 300, 300, 240);
	ck_assert_str_eq(testd_str(td->msgs[1], "message"),
	    "call ended after 5m00s, normal 3\xe2\x80\x93" "4m");
}
END_TEST

START_TEST(wrapup_counts_as_handle_time)
{
	EV("answered", "c1", 0, "");
	EV("hangup", "c1", 200, "");
	ck_assert_uint_eq(td->nmsgs, 0);
	EV("wrapup_end", "c1", 250, "");
	ck_assert_uint_eq(td->nmsgs, 2);
	check_alert(td->msgs[0], "firing", "info", T0 + 240, 240, 240);
	check_alert(td->msgs[1], "resolved", "info", T0 + 250, 250, 240);
}
END_TEST

START_TEST(multiples_follow_the_queues_normal_range)
{
	struct config	*cfg = testd_config();
	struct testd	*t2;

	cfg->defaults.wrapup = false;
	cfg->queues = xcalloc(1, sizeof *cfg->queues);
	cfg->queues[0] = cfg->defaults;
	cfg->queues[0].name = xstrdup("billing");
	cfg->queues[0].set = QC_NORMAL;
	cfg->queues[0].normal[0] = 4 * CW_MIN;
	cfg->queues[0].normal[1] = 6 * CW_MIN;
	cfg->nqueues = 1;
	t2 = testd_new(cfg);
	testd_send(t2, "{\"type\":\"answered\",\"call_id\":\"b1\",\"ts\":%d,"
	    "\"queue\":\"billing\"}", T0);
	testd_send(t2, "{\"type\":\"heartbeat\",\"ts\":%d}", T0 + 2000);
	ck_assert_uint_eq(t2->nmsgs, 3);
	ck_assert_double_eq(testd_num(t2->msgs[0], "threshold"), 360);
	ck_assert_double_eq(testd_num(t2->msgs[1], "threshold"), 720);
	ck_assert_double_eq(testd_num(t2->msgs[2], "threshold"), 1440);
	ck_assert_str_eq(testd_str(t2->msgs[0], "message"),
	    "handle time 6m00s, normal 4\xe2\x80\x93" "6m");
	testd_free(t2);
}
END_TEST

START_TEST(long_wait_fires_and_resolves_on_answer)
{
	EV("queued", "w1", 0, ",\"queue\":\"sales\"");
	HEARTBEAT(61);
	ck_assert_uint_eq(td->nmsgs, 1);
	check_alert(td->msgs[0], "firing", "warning", T0 + 60, 60, 60);
	ck_assert_str_eq(testd_str(td->msgs[0], "id"), "w1/long_wait");
	ck_assert_str_eq(td->topics[0], "alert/sales/warning");
	EV("answered", "w1", 70, "");
	ck_assert_uint_eq(td->nmsgs, 2);
	check_alert(td->msgs[1], "resolved", "warning", T0 + 70, 70, 60);
	ck_assert_str_eq(testd_str(td->msgs[1], "message"),
	    "answered after waiting 1m10s");
	/* The wait is over: no critical at 3 minutes. */
	HEARTBEAT(200);
	ck_assert_uint_eq(td->nmsgs, 2);
}
END_TEST

START_TEST(abandoned_wait_escalates_then_resolves)
{
	EV("queued", "w1", 0, "");
	EV("abandoned", "w1", 200, "");
	ck_assert_uint_eq(td->nmsgs, 3);
	check_alert(td->msgs[0], "firing", "warning", T0 + 60, 60, 60);
	check_alert(td->msgs[1], "escalated", "critical", T0 + 180, 180, 180);
	check_alert(td->msgs[2], "resolved", "critical", T0 + 200, 200, 180);
	ck_assert_str_eq(testd_str(td->msgs[2], "message"),
	    "caller left after waiting 3m20s");
	ck_assert_str_eq(testd_str(td->msgs[0], "queue"), CW_QUEUE_DEFAULT);
	ck_assert_uint_eq(calls_count(&td->d->calls), 0);
}
END_TEST

START_TEST(calls_cross_lines_in_time_order)
{
	/* Two calls, one jump: their lines interleave by time. */
	EV("answered", "a", 0, "");
	EV("answered", "b", 100, "");
	HEARTBEAT(600);
	ck_assert_uint_eq(td->nmsgs, 4);
	ck_assert_str_eq(testd_str(td->msgs[0], "call_id"), "a");	/* 240 */
	ck_assert_str_eq(testd_str(td->msgs[1], "call_id"), "b");	/* 340 */
	ck_assert_str_eq(testd_str(td->msgs[2], "call_id"), "a");	/* 480 */
	ck_assert_str_eq(testd_str(td->msgs[3], "call_id"), "b");	/* 580 */
}
END_TEST

START_TEST(duplicates_change_nothing)
{
	cJSON	*snap, *calls, *c;

	EV("queued", "d1", 0, ",\"queue\":\"q\"");
	EV("queued", "d1", 0, ",\"queue\":\"q\"");
	EV("answered", "d1", 10, ",\"agent\":\"a-1\"");
	EV("answered", "d1", 10, ",\"agent\":\"a-1\"");
	EV("hold", "d1", 20, "");
	EV("hold", "d1", 20, "");
	EV("resume", "d1", 30, "");
	EV("hold", "d1", 20, "");	/* late repeat of the first hold */
	EV("transferred", "d1", 40, ",\"to_queue\":\"q2\"");
	EV("transferred", "d1", 40, ",\"to_queue\":\"q2\"");
	ck_assert_uint_eq(td->d->n.duplicates, 5);
	ck_assert_uint_eq(calls_count(&td->d->calls), 1);
	snap = testd_control(td, "{\"cmd\":\"snapshot\"}");
	calls = cJSON_GetObjectItem(snap, "calls");
	ck_assert_int_eq(cJSON_GetArraySize(calls), 1);
	c = cJSON_GetArrayItem(calls, 0);
	ck_assert_double_eq(testd_num(c, "holds"), 1);
	ck_assert_double_eq(testd_num(c, "transfers"), 1);
	ck_assert_str_eq(testd_str(c, "state"), "talking");
	ck_assert_str_eq(testd_str(c, "queue"), "q2");
	ck_assert_double_eq(testd_num(c, "wait_time"), 10);
	cJSON_Delete(snap);
}
END_TEST

START_TEST(out_of_order_events)
{
	cJSON	*snap, *c;

	/* The answer arrives before the queued event it follows. */
	EV("answered", "o1", 50, ",\"queue\":\"q\"");
	EV("queued", "o1", 5, "");
	snap = testd_control(td, "{\"cmd\":\"snapshot\"}");
	c = cJSON_GetArrayItem(cJSON_GetObjectItem(snap, "calls"), 0);
	ck_assert_str_eq(testd_str(c, "state"), "talking");
	ck_assert_double_eq(testd_num(c, "wait_time"), 45);
	cJSON_Delete(snap);
	/* A late answer, earlier than what started the call mid-call. */
	EV("hold", "o2", 100, "");
	EV("answered", "o2", 60, "");
	HEARTBEAT(301);
	ck_assert_uint_eq(testd_count(td, "o2/long_call", "firing"), 1);
	check_alert(testd_find(td, "o2/long_call", "firing", 0), "firing",
	    "info", T0 + 300, 240, 240);
}
END_TEST

START_TEST(unknown_call_starts_mid_call)
{
	/* A feed that starts mid-call: handle time from the first event... */
	EV("hold", "m1", 0, ",\"queue\":\"q\"");
	HEARTBEAT(241);
	check_alert(testd_find(td, "m1/long_call", "firing", 0), "firing",
	    "info", T0 + 240, 240, 240);
	/* ... or from answered_at when the feed knows it. */
	EV("resume", "m2", 300, ",\"answered_at\":%d", T0 + 100);
	HEARTBEAT(341);
	check_alert(testd_find(td, "m2/long_call", "firing", 0), "firing",
	    "info", T0 + 340, 240, 240);
	/* An end for a call never seen starts nothing. */
	EV("wrapup_end", "m3", 400, "");
	EV("abandoned", "m4", 400, "");
	ck_assert_ptr_null(calls_find(&td->d->calls, "m3", 2));
	ck_assert_ptr_null(calls_find(&td->d->calls, "m4", 2));
}
END_TEST

START_TEST(late_events_for_ended_calls_are_ignored)
{
	EV("answered", "e1", 0, "");
	EV("hangup", "e1", 10, "");
	EV("wrapup_end", "e1", 20, "");
	ck_assert_uint_eq(calls_count(&td->d->calls), 0);
	EV("hold", "e1", 15, "");	/* late, for a call that is over */
	EV("wrapup_end", "e1", 20, "");
	ck_assert_uint_eq(calls_count(&td->d->calls), 0);
	HEARTBEAT(10000);
	ck_assert_uint_eq(td->nmsgs, 0);
	ck_assert_uint_eq(td->d->n.ignored, 2);
}
END_TEST

/*
 * A call whose end overtook its start: the end, for a call never seen,
 * is remembered, so the late start opens no call that would run into
 * long_call lines and close only as stale hours later.
 */
START_TEST(an_end_that_overtook_the_start_opens_nothing)
{
	EV("wrapup_end", "r1", 100, "");
	EV("hangup", "r1", 90, "");
	EV("answered", "r1", 10, ",\"queue\":\"q\",\"agent\":\"a\"");
	EV("abandoned", "r2", 200, "");
	EV("queued", "r2", 150, ",\"queue\":\"q\"");
	EV("hangup", "r3", 300, "");
	EV("answered", "r3", 280, "");
	ck_assert_uint_eq(calls_count(&td->d->calls), 0);
	ck_assert_uint_eq(td->d->n.ignored, 7);
	HEARTBEAT(20000);
	ck_assert_uint_eq(td->nmsgs, 0);
	ck_assert_uint_eq(td->d->n.stale, 0);
}
END_TEST

START_TEST(error_replies_stay_valid_utf8)
{
	cJSON	*r;
	char	 req[128];

	/* An unknown command cut in its reply must not cut a character. */
	snprintf(req, sizeof req, "{\"cmd\":\"%s\xc3\xa9\"}",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	r = testd_control(td, req);
	ck_assert(decode_utf8_valid(testd_str(r, "error"),
	    strlen(testd_str(r, "error"))));
	cJSON_Delete(r);
}
END_TEST

START_TEST(silent_calls_close_as_stale)
{
	EV("answered", "s1", 0, "");
	HEARTBEAT(4 * 3600 - 1);
	ck_assert_uint_eq(calls_count(&td->d->calls), 1);
	ck_assert_uint_eq(testd_count(td, "s1/long_call", NULL), 3);
	HEARTBEAT(4 * 3600 + 1);
	ck_assert_uint_eq(calls_count(&td->d->calls), 0);
	ck_assert_uint_eq(td->d->n.stale, 1);
	check_alert(testd_find(td, "s1/long_call", "resolved", 0), "resolved",
	    "critical", T0 + 4 * 3600, 4 * 3600, 960);
	ck_assert_str_eq(testd_str(testd_find(td, "s1/long_call", "resolved",
	    0), "message"), "handle time 4h00m00s, closed: no event for "
	    "4h00m00s");
	/* A caller left waiting with no news closes the same way. */
	EV("queued", "s2", 5 * 3600, "");
	HEARTBEAT(9 * 3600 + 2);
	ck_assert_str_eq(testd_str(testd_find(td, "s2/long_wait", "resolved",
	    0), "message"), "waited 4h00m00s, closed: no event for 4h00m00s");
}
END_TEST

START_TEST(transfer_takes_the_new_queues_lines)
{
	struct config	*cfg = testd_config();
	struct testd	*t2;
	cJSON		*o;

	cfg->defaults.wrapup = false;
	cfg->queues = xcalloc(1, sizeof *cfg->queues);
	cfg->queues[0] = cfg->defaults;
	cfg->queues[0].name = xstrdup("billing");
	cfg->queues[0].set = QC_NORMAL;
	cfg->queues[0].normal[0] = 4 * CW_MIN;
	cfg->queues[0].normal[1] = 6 * CW_MIN;
	cfg->nqueues = 1;
	t2 = testd_new(cfg);
	testd_send(t2, "{\"type\":\"answered\",\"call_id\":\"t1\",\"ts\":%d,"
	    "\"queue\":\"sales\",\"agent\":\"a-1\"}", T0);
	testd_send(t2, "{\"type\":\"transferred\",\"call_id\":\"t1\","
	    "\"ts\":%d,\"to_queue\":\"billing\",\"to_agent\":\"a-2\"}",
	    T0 + 200);
	testd_send(t2, "{\"type\":\"heartbeat\",\"ts\":%d}", T0 + 361);
	ck_assert_uint_eq(t2->nmsgs, 1);
	o = t2->msgs[0];
	ck_assert_double_eq(testd_num(o, "threshold"), 360);
	ck_assert_str_eq(testd_str(o, "queue"), "billing");
	ck_assert_str_eq(testd_str(o, "agent"), "a-2");
	ck_assert_str_eq(t2->topics[0], "alert/billing/info");
	testd_free(t2);
}
END_TEST

START_TEST(late_redeliveries_do_not_rewind_a_call)
{
	struct call	*c;

	EV("queued", "r1", 0, ",\"queue\":\"sales\"");
	EV("answered", "r1", 10, "");
	EV("hold", "r1", 20, "");
	EV("resume", "r1", 30, "");
	EV("transferred", "r1", 40, ",\"to_queue\":\"billing\"");
	EV("queued", "r1", 0, ",\"queue\":\"sales\"");	/* redelivered */
	c = calls_find(&td->d->calls, "r1", 2);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->q->name, "billing");
	ck_assert_int_eq(c->state, CALL_TALKING);
	/* A resume that overtook its hold leaves the call talking. */
	EV("answered", "r2", 100, "");
	EV("resume", "r2", 160, "");
	EV("hold", "r2", 120, "");
	c = calls_find(&td->d->calls, "r2", 2);
	ck_assert_int_eq(c->state, CALL_TALKING);
	ck_assert_uint_eq(c->holds, 0);
	/* But a late answer still answers, and a late end still ends. */
	EV("queued", "r3", 200, "");
	EV("transferred", "r3", 250, ",\"to_queue\":\"tech\"");
	EV("answered", "r3", 230, "");
	c = calls_find(&td->d->calls, "r3", 2);
	ck_assert_int_eq(c->state, CALL_TALKING);
	ck_assert_double_eq(call_wait_time(c, 0) / 1e6, 30);
	EV("wrapup_end", "r3", 240, "");
	ck_assert_ptr_null(calls_find(&td->d->calls, "r3", 2));
}
END_TEST

/* A daemon whose queue "nowrap" has no wrap-up, normal 1-2 min. */
static struct testd *
testd_nowrap(void)
{
	struct config	*cfg = testd_config();

	cfg->queues = xcalloc(1, sizeof *cfg->queues);
	cfg->queues[0] = cfg->defaults;
	cfg->queues[0].name = xstrdup("nowrap");
	cfg->queues[0].set = QC_NORMAL | QC_WRAPUP;
	cfg->queues[0].normal[0] = CW_MIN;
	cfg->queues[0].normal[1] = 2 * CW_MIN;
	cfg->queues[0].wrapup = false;
	cfg->nqueues = 1;
	return testd_new(cfg);
}

START_TEST(wrapup_ends_when_the_new_queue_has_none)
{
	struct testd	*t2 = testd_nowrap();

	testd_send(t2, "{\"type\":\"answered\",\"call_id\":\"w\",\"ts\":%d,"
	    "\"queue\":\"sales\"}", T0);
	testd_send(t2, "{\"type\":\"hangup\",\"call_id\":\"w\",\"ts\":%d}",
	    T0 + 100);
	testd_send(t2, "{\"type\":\"transferred\",\"call_id\":\"w\","
	    "\"ts\":%d,\"to_queue\":\"nowrap\"}", T0 + 110);
	/* Its handle time stopped at the hangup: no line, and it is over. */
	testd_send(t2, "{\"type\":\"heartbeat\",\"ts\":%d}", T0 + 1000);
	ck_assert_uint_eq(calls_count(&t2->d->calls), 0);
	ck_assert_uint_eq(t2->nmsgs, 0);
	testd_free(t2);
}
END_TEST

START_TEST(transfer_at_the_hangup_to_no_wrapup_crosses_at_once)
{
	struct testd	*t2 = testd_nowrap();

	testd_send(t2, "{\"type\":\"answered\",\"call_id\":\"t1\",\"ts\":%d,"
	    "\"queue\":\"sales\"}", T0);
	testd_send(t2, "{\"type\":\"hangup\",\"call_id\":\"t1\",\"ts\":%d}",
	    T0 + 171);
	/* Moved, at its hangup, to a queue with no wrap-up whose 2-minute
	 * line it already passed: the line fires now, not at the next
	 * event, and the call ends at its hangup. */
	testd_send(t2, "{\"type\":\"transferred\",\"call_id\":\"t1\","
	    "\"ts\":%d,\"to_queue\":\"nowrap\"}", T0 + 171);
	ck_assert_uint_eq(t2->nmsgs, 2);
	check_alert(t2->msgs[0], "firing", "info", T0 + 120, 120, 120);
	check_alert(t2->msgs[1], "resolved", "info", T0 + 171, 171, 120);
	ck_assert_uint_eq(calls_count(&t2->d->calls), 0);
	testd_free(t2);
}
END_TEST

START_TEST(hangup_for_an_unknown_call_starts_nothing)
{
	EV("hangup", "u1", 0, "");
	ck_assert_uint_eq(calls_count(&td->d->calls), 0);
	ck_assert_uint_eq(td->d->n.ignored, 1);
	/* Unless the feed says when it was answered: then it is in wrap-up. */
	EV("hangup", "u2", 100, ",\"answered_at\":%d", T0 + 10);
	ck_assert_int_eq(calls_find(&td->d->calls, "u2", 2)->state,
	    CALL_WRAPUP);
}
END_TEST

START_TEST(snapshot_alerts_carry_the_seq_of_their_last_change)
{
	cJSON	*snap, *a;

	EV("answered", "q1", 0, "");
	EV("queued", "q2", 490, "");
	HEARTBEAT(500);		/* q1 answered (1), info (2), level (3),
				   warning (4), level (5), q2 queued (6) */
	snap = testd_control(td, "{\"cmd\":\"snapshot\"}");
	a = cJSON_GetArrayItem(cJSON_GetObjectItem(snap, "alerts"), 0);
	ck_assert_str_eq(testd_str(a, "id"), "q1/long_call");
	ck_assert_double_eq(testd_num(a, "seq"), 4);
	ck_assert_str_eq(testd_str(a, "state"), "escalated");
	cJSON_Delete(snap);
}
END_TEST

START_TEST(ignored_events_do_not_use_up_queues)
{
	struct config	*cfg = testd_config();
	struct testd	*t2;
	int		 i;

	cfg->max_queues = 3;
	t2 = testd_new(cfg);
	for (i = 0; i < 5; i++)
		testd_send(t2, "{\"type\":\"abandoned\",\"call_id\":\"x%d\","
		    "\"ts\":%d,\"queue\":\"junk%d\"}", i, T0, i);
	ck_assert_uint_eq(t2->d->n.ignored, 5);
	ck_assert_uint_eq(t2->d->queues.count, 1);
	testd_send(t2, "{\"type\":\"queued\",\"call_id\":\"a\",\"ts\":%d,"
	    "\"queue\":\"real\"}", T0);
	testd_send(t2, "{\"type\":\"queued\",\"call_id\":\"b\",\"ts\":%d,"
	    "\"queue\":\"real2\"}", T0);
	ck_assert_uint_eq(calls_count(&t2->d->calls), 2);
	/* Over the limit, a live call's events still apply (not its queue). */
	testd_send(t2, "{\"type\":\"abandoned\",\"call_id\":\"a\","
	    "\"ts\":%d,\"queue\":\"real3\"}", T0 + 5);
	ck_assert_uint_eq(calls_count(&t2->d->calls), 1);
	ck_assert_uint_eq(t2->d->n.rejected[REJ_TOO_MANY_QUEUES], 0);
	testd_free(t2);
}
END_TEST

START_TEST(moving_queue_tells_both_queues)
{
	cJSON	*o;

	EV("answered", "m1", 0, ",\"queue\":\"sales\"");
	HEARTBEAT(250);
	ck_assert_uint_eq(td->nmsgs, 1);
	EV("transferred", "m1", 260, ",\"to_queue\":\"billing\"");
	ck_assert_uint_eq(td->nmsgs, 3);
	ck_assert_str_eq(td->topics[1], "alert/sales/info");
	ck_assert_str_eq(td->topics[2], "alert/billing/info");
	o = td->msgs[1];
	ck_assert_str_eq(testd_str(o, "state"), "firing");
	ck_assert_str_eq(testd_str(o, "queue"), "billing");
	ck_assert_str_eq(testd_str(o, "moved_from"), "sales");
	EV("wrapup_end", "m1", 300, "");
	ck_assert_str_eq(td->topics[3], "alert/billing/info");
	ck_assert_str_eq(testd_str(td->msgs[3], "state"), "resolved");
}
END_TEST

START_TEST(longest_wait_whatever_the_order)
{
	cJSON	*snap, *q;

	/* Calls reported newest first (a feed catching up backwards). */
	EV("queued", "o3", 30, ",\"queue\":\"q\"");
	EV("queued", "o2", 20, ",\"queue\":\"q\"");
	EV("queued", "o1", 10, ",\"queue\":\"q\"");
	EV("answered", "o1", 40, "");
	snap = testd_control(td, "{\"cmd\":\"snapshot\",\"queue\":\"q\"}");
	q = cJSON_GetArrayItem(cJSON_GetObjectItem(snap, "queues"), 0);
	ck_assert_double_eq(testd_num(q, "waiting"), 2);
	ck_assert_double_eq(testd_num(q, "longest_wait"), 20);	/* o2 */
	/* The queue's normal range, so a client can tell a call above it. */
	ck_assert_double_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(q,
	    "normal"), 0)->valuedouble, 180);
	ck_assert_double_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(q,
	    "normal"), 1)->valuedouble, 240);
	cJSON_Delete(snap);
	EV("abandoned", "o2", 45, "");
	snap = testd_control(td, "{\"cmd\":\"snapshot\",\"queue\":\"q\"}");
	q = cJSON_GetArrayItem(cJSON_GetObjectItem(snap, "queues"), 0);
	ck_assert_double_eq(testd_num(q, "longest_wait"), 15);	/* o3 */
	cJSON_Delete(snap);
}
END_TEST

START_TEST(limits_on_calls_and_start_times)
{
	struct config	*cfg = testd_config();
	struct testd	*t2;

	cfg->max_calls = 2;
	t2 = testd_new(cfg);
	testd_send(t2, "{\"type\":\"queued\",\"call_id\":\"a\",\"ts\":%d}",
	    T0);
	testd_send(t2, "{\"type\":\"queued\",\"call_id\":\"b\",\"ts\":%d}",
	    T0);
	testd_send(t2, "{\"type\":\"queued\",\"call_id\":\"c\",\"ts\":%d}",
	    T0);
	ck_assert_uint_eq(calls_count(&t2->d->calls), 2);
	ck_assert_uint_eq(t2->d->n.rejected[REJ_TOO_MANY_CALLS], 1);
	/* A start time older than max_call_age (4h) is not believed. */
	testd_send(t2, "{\"type\":\"answered\",\"call_id\":\"a\",\"ts\":%d,"
	    "\"answered_at\":%d}", T0 + 10, T0 + 10 - 5 * 3600);
	ck_assert_uint_eq(t2->d->n.rejected[REJ_BAD_VALUE], 1);
	testd_free(t2);
}
END_TEST

START_TEST(reload_to_no_wrapup_crosses_lines_before_the_hangup)
{
	char	*path;
	cJSON	*r;

	path = testd_write_file(
	    "daemon:\n  clock: event\n  state_file: \"\"\n"
	    "feeds:\n  - name: main\n    endpoint: tcp://127.0.0.1:7100\n"
	    "queues:\n  sales:\n    normal: [1m, 2m]\n    wrapup: false\n");
	free(td->d->cfg->path);
	td->d->cfg->path = xstrdup(path);
	EV("answered", "r2", 0, ",\"queue\":\"sales\"");
	EV("hangup", "r2", 171, "");
	/* Reloaded at its hangup: sales now 1-2 min, no wrap-up.  The call
	 * ends at its hangup, past the new 2-minute line: that line is
	 * crossed at once, not at the next event. */
	r = testd_control(td, "{\"cmd\":\"reload\"}");
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(r, "ok")));
	ck_assert_uint_eq(calls_count(&td->d->calls), 0);
	ck_assert_uint_eq(td->nmsgs, 2);
	check_alert(td->msgs[0], "firing", "info", T0 + 120, 120, 120);
	check_alert(td->msgs[1], "resolved", "info", T0 + 171, 171, 120);
	cJSON_Delete(r);
	unlink(path);
	free(path);
}
END_TEST

START_TEST(queue_figures)
{
	cJSON	*snap, *q = NULL, *it;

	EV("queued", "f1", 0, ",\"queue\":\"q\"");
	EV("queued", "f2", 10, ",\"queue\":\"q\"");
	EV("queued", "f3", 20, ",\"queue\":\"q\"");
	EV("answered", "f1", 15, "");		/* waited 15 s: within SL */
	EV("answered", "f2", 40, "");		/* waited 30 s */
	EV("hold", "f2", 50, "");
	EV("queued", "f4", 41, ",\"queue\":\"q\"");
	EV("abandoned", "f4", 44, "");		/* short abandon: ignored */
	EV("queued", "f5", 45, ",\"queue\":\"q\"");
	EV("hangup", "f1", 100, "");		/* wrap-up */
	HEARTBEAT(60);
	snap = testd_control(td, "{\"cmd\":\"snapshot\",\"queue\":\"q\"}");
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(snap,
	    "calls")), 4);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(snap, "queues"))
		if (strcmp(testd_str(it, "queue"), "q") == 0)
			q = it;
	ck_assert_ptr_nonnull(q);
	ck_assert_double_eq(testd_num(q, "waiting"), 2);
	ck_assert_double_eq(testd_num(q, "longest_wait"), 80); /* f3 at 20 */
	ck_assert_double_eq(testd_num(q, "talking"), 0);
	ck_assert_double_eq(testd_num(q, "on_hold"), 1);
	ck_assert_double_eq(testd_num(q, "wrapup"), 1);
	ck_assert_double_eq(testd_num(q, "abandoned"), 1);
	ck_assert_double_eq(testd_num(q, "service_level"), 0.5);
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(q, "aht")));
	cJSON_Delete(snap);
	EV("wrapup_end", "f1", 130, "");
	snap = testd_control(td, "{\"cmd\":\"snapshot\",\"queue\":\"q\"}");
	q = cJSON_GetArrayItem(cJSON_GetObjectItem(snap, "queues"), 0);
	ck_assert_double_eq(testd_num(q, "handled"), 1);
	ck_assert_double_eq(testd_num(q, "aht"), 115);
	ck_assert_double_eq(testd_num(q, "wrapup"), 0);
	cJSON_Delete(snap);
}
END_TEST

START_TEST(snapshot_lists_open_alerts_and_seq)
{
	cJSON	*snap, *alerts, *q, *it;

	EV("answered", "a1", 0, "");
	EV("queued", "a2", 0, "");
	HEARTBEAT(300);
	/* Two call/ messages; a1: info at 240; a2: warning at 60,
	 * critical at 180; each alert change with its call/ "level". */
	snap = testd_control(td, "{\"cmd\":\"snapshot\"}");
	ck_assert_double_eq(testd_num(snap, "seq"), 8);
	alerts = cJSON_GetObjectItem(snap, "alerts");
	ck_assert_int_eq(cJSON_GetArraySize(alerts), 2);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(snap,
	    "calls")), 2);
	/* The queues' stats objects (SPEC 5) carry a seq: the snapshot's. */
	q = cJSON_GetObjectItem(snap, "queues");
	ck_assert_int_ge(cJSON_GetArraySize(q), 1);
	cJSON_ArrayForEach(it, q)
		ck_assert_double_eq(testd_num(it, "seq"), 8);
	cJSON_Delete(snap);
}
END_TEST

/*
 * A seq of 16 digits (the wall clock's, after a restart) is printed as
 * digits in a snapshot, as on the stream: cJSON alone writes
 * 1.79619687697174e+15, which an integer parser refuses.
 */
START_TEST(big_seqs_print_as_digits)
{
	char	*r;
	size_t	 len;

	EV("queued", "b1", 0, "");
	HEARTBEAT(61);
	ck_assert_ptr_nonnull(calls_find(&td->d->calls, "b1", 2)->alerts);
	calls_find(&td->d->calls, "b1", 2)->alerts->seq = 1796196876971730ULL;
	pub_set_seq(td->d->pub, 1796196876971740ULL);
	r = control_handle(td->d, "{\"cmd\":\"snapshot\"}", 18, &len);
	ck_assert_msg(strstr(r, "e+") == NULL, "%s", r);
	ck_assert_msg(strstr(r, "\"seq\":1796196876971730,") != NULL, "%s", r);
	ck_assert_msg(strstr(r, "\"seq\":1796196876971740,") != NULL, "%s", r);
	free(r);
	r = control_handle(td->d, "{\"cmd\":\"stats\"}", 15, &len);
	ck_assert_msg(strstr(r, "\"seq\":1796196876971740") != NULL, "%s", r);
	free(r);
}
END_TEST

START_TEST(control_errors)
{
	static const char *const bad[][2] = {
		{ "not json", "request is not valid JSON" },
		{ "[1]", "request must be a JSON object" },
		{ "{}", "missing \"cmd\"" },
		{ "{\"cmd\":5}", "\"cmd\" must be a string" },
		{ "{\"cmd\":\"fly\"}", "unknown command" },
		{ "{\"cmd\":\"snapshot\",\"queue\":3}",
		    "\"queue\" must be a string" },
		{ "\xff\xfe", "request is not valid UTF-8" },
		{ "{\"cmd\":\"stats\"} trailing", "request is not valid JSON" },
		{ "{\"cmd\":\"stats\"}}", "request is not valid JSON" },
		{ "{\"cmd\":\"stats\"}{\"cmd\":\"reload\"}",
		    "request is not valid JSON" },
	};
	size_t	 i;

	for (i = 0; i < nitems(bad); i++) {
		cJSON	*r = testd_control(td, bad[i][0]);

		ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(r, "ok")));
		ck_assert_msg(strstr(testd_str(r, "error"), bad[i][1]) != NULL,
		    "%s: %s", bad[i][0], testd_str(r, "error"));
		cJSON_Delete(r);
	}
}
END_TEST

START_TEST(stats_count_every_reason)
{
	cJSON	*r, *rej;

	testd_send(td, "garbage");
	testd_send(td, "{\"type\":\"nope\",\"call_id\":\"x\",\"ts\":1}");
	testd_send(td, "{\"type\":\"queued\",\"call_id\":\"x\",\"ts\":-1}");
	EV("queued", "x", 0, "");
	r = testd_control(td, "{\"cmd\":\"stats\"}");
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(r, "ok")));
	ck_assert_double_eq(testd_num(r, "received"), 4);
	ck_assert_double_eq(testd_num(r, "calls"), 1);
	rej = cJSON_GetObjectItem(r, "rejected");
	ck_assert_double_eq(testd_num(rej, "bad_json"), 1);
	ck_assert_double_eq(testd_num(rej, "unknown_type"), 1);
	ck_assert_double_eq(testd_num(rej, "bad_ts"), 1);
	ck_assert_double_eq(testd_num(rej, "bad_utf8"), 0);
	ck_assert(testd_num(r, "uptime") >= 0);
	ck_assert_double_eq(testd_num(r, "published"), 1);	/* call/ */
	cJSON_Delete(r);
}
END_TEST

START_TEST(too_many_queues_are_refused)
{
	struct config	*cfg = testd_config();
	struct testd	*t2;
	int		 i;

	cfg->max_queues = 3;	/* "default" is one of them */
	t2 = testd_new(cfg);
	for (i = 0; i < 5; i++)
		testd_send(t2, "{\"type\":\"queued\",\"call_id\":\"c%d\","
		    "\"ts\":%d,\"queue\":\"q%d\"}", i, T0, i);
	ck_assert_uint_eq(calls_count(&t2->d->calls), 2);
	ck_assert_uint_eq(t2->d->n.rejected[REJ_TOO_MANY_QUEUES], 3);
	testd_free(t2);
}
END_TEST

/* The suite. */
static Suite *
call_suite(void)
{
	Suite	*s = suite_create("call");
	TCase	*nowrap = tcase_create("nowrap");
	TCase	*wrap = tcase_create("wrap");

	tcase_add_checked_fixture(nowrap, setup_nowrap, teardown);
	tcase_add_test(nowrap, long_call_tiers_fire_escalate_and_resolve);
	tcase_add_test(nowrap, hangup_exactly_on_the_line_never_crossed_it);
	tcase_add_test(nowrap, lines_fire_before_an_event_at_a_later_time);
	tcase_add_test(nowrap, multiples_follow_the_queues_normal_range);
	tcase_add_test(nowrap, long_wait_fires_and_resolves_on_answer);
	tcase_add_test(nowrap, abandoned_wait_escalates_then_resolves);
	tcase_add_test(nowrap, calls_cross_lines_in_time_order);
	tcase_add_test(nowrap, out_of_order_events);
	tcase_add_test(nowrap, unknown_call_starts_mid_call);
	tcase_add_test(nowrap, silent_calls_close_as_stale);
	tcase_add_test(nowrap, transfer_takes_the_new_queues_lines);
	tcase_add_test(nowrap, snapshot_lists_open_alerts_and_seq);
	tcase_add_test(nowrap, control_errors);
	tcase_add_test(nowrap, big_seqs_print_as_digits);
	tcase_add_test(nowrap, stats_count_every_reason);
	tcase_add_test(nowrap, too_many_queues_are_refused);
	suite_add_tcase(s, nowrap);
	tcase_add_checked_fixture(wrap, setup_wrap, teardown);
	tcase_add_test(wrap, wrapup_counts_as_handle_time);
	tcase_add_test(wrap, duplicates_change_nothing);
	tcase_add_test(wrap, late_events_for_ended_calls_are_ignored);
	tcase_add_test(wrap, error_replies_stay_valid_utf8);
	tcase_add_test(wrap, queue_figures);
	tcase_add_test(wrap, reload_to_no_wrapup_crosses_lines_before_the_hangup);
	tcase_add_test(wrap, late_redeliveries_do_not_rewind_a_call);
	tcase_add_test(wrap, wrapup_ends_when_the_new_queue_has_none);
	tcase_add_test(wrap, transfer_at_the_hangup_to_no_wrapup_crosses_at_once);
	tcase_add_test(wrap, hangup_for_an_unknown_call_starts_nothing);
	tcase_add_test(wrap, an_end_that_overtook_the_start_opens_nothing);
	tcase_add_test(wrap, snapshot_alerts_carry_the_seq_of_their_last_change);
	tcase_add_test(wrap, ignored_events_do_not_use_up_queues);
	tcase_add_test(wrap, moving_queue_tells_both_queues);
	tcase_add_test(wrap, longest_wait_whatever_the_order);
	tcase_add_test(wrap, limits_on_calls_and_start_times);
	suite_add_tcase(s, wrap);
	return s;
}

int
main(void)
{
	return bb_run_suite(call_suite());
}
