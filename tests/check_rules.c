/*
 * The rules beyond long calls and waits, with the event clock: transfers,
 * long and repeated holds, escalations, repeat callers, sentiment, long
 * wrap-ups, short calls; acknowledging, silencing and inhibiting alerts;
 * the call/ and stats/ messages and the publish sequence.
 */
#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bb.h"
#include "testd.h"

static struct testd *td;

/* Defaults as shipped (wrap-up on). */
static void
setup(void)
{
	td = testd_new(testd_config());
}

/* Free the daemon. */
static void
teardown(void)
{
	testd_free(td);
}

/* Replace the fixture's daemon with one on cfg (which it owns). */
static void
restart(struct config *cfg)
{
	testd_free(td);
	td = testd_new(cfg);
}

/*
 * Add a queue called name to cfg, a copy of the defaults that gives itself
 * the keys in set (QC_*); the caller sets their values.
 */
static struct qconf *
add_queue(struct config *cfg, const char *name, unsigned set)
{
	struct qconf	*q;

	cfg->queues = xreallocarray(cfg->queues, cfg->nqueues + 1,
	    sizeof *cfg->queues);
	q = &cfg->queues[cfg->nqueues++];
	*q = cfg->defaults;
	q->name = xstrdup(name);
	q->set = set;
	return q;
}

/* Whether member name of o is JSON null (fails if absent). */
static bool
is_null(const cJSON *o, const char *name)
{
	const cJSON	*j = cJSON_GetObjectItemCaseSensitive(o, name);

	ck_assert_msg(j != NULL, "no member %s", name);
	return cJSON_IsNull(j);
}

/* A boolean member (fails the test if absent). */
static bool
flag(const cJSON *o, const char *name)
{
	const cJSON	*j = cJSON_GetObjectItemCaseSensitive(o, name);

	ck_assert_msg(cJSON_IsBool(j), "no boolean %s", name);
	return cJSON_IsTrue(j);
}

/* A control request that must succeed; its reply (the caller frees it). */
static cJSON *
ctl_ok(const char *req)
{
	cJSON	*r = testd_control(td, req);

	ck_assert_msg(cJSON_IsTrue(cJSON_GetObjectItem(r, "ok")), "%s: %s",
	    req, testd_str(r, "error") != NULL ? testd_str(r, "error") : "?");
	return r;
}

/* A control request that must be refused with exactly this error. */
static void
ctl_error(const char *req, const char *error)
{
	cJSON	*r = testd_control(td, req);

	ck_assert_msg(cJSON_IsFalse(cJSON_GetObjectItem(r, "ok")),
	    "%s: not refused", req);
	ck_assert_str_eq(testd_str(r, "error"), error);
	ck_assert_int_eq(cJSON_GetArraySize(r), 2);
	cJSON_Delete(r);
}

/*
 * The open alert with this id in a snapshot, or NULL: in "alerts" when
 * subscribers were shown it, in "held" when a silence kept it from them.
 */
static cJSON *
snap_alert(const cJSON *snap, const char *id)
{
	cJSON	*a;

	cJSON_ArrayForEach(a, cJSON_GetObjectItem(snap, "alerts"))
		if (strcmp(testd_str(a, "id"), id) == 0) {
			ck_assert(flag(a, "shown"));
			return a;
		}
	cJSON_ArrayForEach(a, cJSON_GetObjectItem(snap, "held"))
		if (strcmp(testd_str(a, "id"), id) == 0) {
			ck_assert(!flag(a, "shown"));
			return a;
		}
	return NULL;
}

/* The nth (0-based) stats message of a queue, or NULL; *n counts them. */
static cJSON *
stats_nth(const char *queue, size_t nth, size_t *n)
{
	char	 topic[64];
	cJSON	*found = NULL;
	size_t	 i;

	snprintf(topic, sizeof topic, "stats/%s", queue);
	*n = 0;
	for (i = 0; i < td->nothers; i++) {
		if (strcmp(td->otopics[i], topic) != 0)
			continue;
		if ((*n)++ == nth)
			found = td->others[i];
	}
	return found;
}

/* The stats message of a queue stamped ts (exactly one must be). */
static cJSON *
stats_at(const char *queue, double ts)
{
	cJSON	*o, *found = NULL;
	size_t	 i, n, hits = 0;

	for (i = 0; (o = stats_nth(queue, i, &n)) != NULL; i++)
		if (fabs(testd_num(o, "ts") - ts) < 1e-6) {
			found = o;
			hits++;
		}
	ck_assert_msg(hits == 1, "stats/%s at %.6f: %zu rounds", queue, ts,
	    hits);
	return found;
}

/* 1. Transfers. */

/*
 * The 2nd transfer raises `transfers` on the queue it went to; the end
 * resolves it.
 */
START_TEST(transfer_reaching_max_raises_transfers_on_the_new_queue)
{
	cJSON	*o;

	EV("answered", "c1", 0, ",\"queue\":\"sales\",\"agent\":\"a-1\"");
	EV("transferred", "c1", 10, ",\"to_queue\":\"billing\","
	    "\"to_agent\":\"a-2\"");
	ck_assert_uint_eq(td->nmsgs, 0);
	EV("transferred", "c1", 20, ",\"to_queue\":\"support\"");
	ck_assert_uint_eq(td->nmsgs, 1);
	o = td->msgs[0];
	check_alert(o, "firing", "warning", T0 + 20, 2, 2);
	ck_assert_str_eq(td->topics[0], "alert/support/warning");
	ck_assert_str_eq(testd_str(o, "id"), "c1/transfers");
	ck_assert_str_eq(testd_str(o, "rule"), "transfers");
	ck_assert_str_eq(testd_str(o, "queue"), "support");
	ck_assert_str_eq(testd_str(o, "message"), "transferred 2 times");
	ck_assert_ptr_null(cJSON_GetObjectItem(o, "moved_from"));
	EV("hangup", "c1", 40, "");
	ck_assert_uint_eq(td->nmsgs, 1);
	EV("wrapup_end", "c1", 50, "");
	ck_assert_uint_eq(td->nmsgs, 2);
	check_alert(td->msgs[1], "resolved", "warning", T0 + 50, 2, 2);
	ck_assert_str_eq(td->topics[1], "alert/support/warning");
	ck_assert_str_eq(testd_str(td->msgs[1], "message"),
	    "transferred 2 times, call over");
}
END_TEST

/* Transfers past max_transfers add nothing to the open alert. */
START_TEST(further_transfers_publish_nothing_new)
{
	cJSON	*snap;

	EV("answered", "c1", 0, ",\"queue\":\"sales\"");
	EV("transferred", "c1", 10, ",\"to_agent\":\"a-2\"");
	EV("transferred", "c1", 20, ",\"to_agent\":\"a-3\"");
	ck_assert_uint_eq(td->nmsgs, 1);
	ck_assert_str_eq(td->topics[0], "alert/sales/warning");
	EV("transferred", "c1", 30, ",\"to_agent\":\"a-4\"");
	EV("transferred", "c1", 40, ",\"to_queue\":\"sales\"");
	ck_assert_uint_eq(td->nmsgs, 1);
	snap = ctl_ok("{\"cmd\":\"snapshot\"}");
	ck_assert_double_eq(testd_num(cJSON_GetArrayItem(
	    cJSON_GetObjectItem(snap, "calls"), 0), "transfers"), 4);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(snap,
	    "alerts")), 1);
	cJSON_Delete(snap);
}
END_TEST

/* The resolution of `transfers` gives the call's final count. */
START_TEST(transfers_resolve_with_the_final_count)
{
	EV("answered", "c1", 0, ",\"queue\":\"sales\"");
	EV("transferred", "c1", 10, ",\"to_agent\":\"a-2\"");
	EV("transferred", "c1", 20, ",\"to_agent\":\"a-3\"");
	EV("transferred", "c1", 30, ",\"to_agent\":\"a-4\"");
	EV("hangup", "c1", 40, "");
	EV("wrapup_end", "c1", 50, "");
	ck_assert_uint_eq(td->nmsgs, 2);
	check_alert(td->msgs[0], "firing", "warning", T0 + 20, 2, 2);
	/* Three transfers: the resolution reports three. */
	check_alert(td->msgs[1], "resolved", "warning", T0 + 50, 3, 2);
	ck_assert_str_eq(testd_str(td->msgs[1], "message"),
	    "transferred 3 times, call over");
}
END_TEST

/* The count is held against the max_transfers of the queue it went to. */
START_TEST(transfer_counts_against_the_new_queues_max_transfers)
{
	struct config	*cfg = testd_config();
	struct qconf	*q = add_queue(cfg, "vip", QC_MAX_TRANSFERS);

	q->max_transfers = 1;
	restart(cfg);
	/* Into vip (max 1): the first transfer is enough. */
	EV("answered", "c1", 0, ",\"queue\":\"sales\"");
	EV("transferred", "c1", 10, ",\"to_queue\":\"vip\"");
	ck_assert_uint_eq(td->nmsgs, 1);
	check_alert(td->msgs[0], "firing", "warning", T0 + 10, 1, 1);
	ck_assert_str_eq(td->topics[0], "alert/vip/warning");
	ck_assert_str_eq(testd_str(td->msgs[0], "id"), "c1/transfers");
	/* Out of vip into sales (max 2): one transfer is not. */
	EV("answered", "c2", 0, ",\"queue\":\"vip\"");
	EV("transferred", "c2", 20, ",\"to_queue\":\"sales\"");
	ck_assert_uint_eq(td->nmsgs, 1);
}
END_TEST

/* After a transfer, long_call crosses the new queue's lines on its topic. */
START_TEST(transfer_takes_the_new_queues_lines_and_topic)
{
	struct config	*cfg = testd_config();
	struct qconf	*q = add_queue(cfg, "short", QC_NORMAL);

	q->normal[0] = CW_MIN;
	q->normal[1] = 2 * CW_MIN;
	restart(cfg);
	EV("answered", "c1", 0, ",\"queue\":\"sales\"");
	HEARTBEAT(100);
	EV("transferred", "c1", 110, ",\"to_queue\":\"short\"");
	HEARTBEAT(120);
	ck_assert_uint_eq(td->nmsgs, 0);
	HEARTBEAT(121);
	ck_assert_uint_eq(td->nmsgs, 1);
	check_alert(td->msgs[0], "firing", "info", T0 + 120, 120, 120);
	ck_assert_str_eq(td->topics[0], "alert/short/info");
	ck_assert_str_eq(testd_str(td->msgs[0], "message"),
	    "handle time 2m00s, normal 1\xe2\x80\x93" "2m");
	HEARTBEAT(241);
	ck_assert_uint_eq(td->nmsgs, 2);
	check_alert(td->msgs[1], "escalated", "warning", T0 + 240, 240, 240);
	ck_assert_str_eq(td->topics[1], "alert/short/warning");
}
END_TEST

/* Open alerts go out on the old queue's topic and the new one's. */
START_TEST(transfer_republishes_open_alerts_on_both_queues)
{
	size_t	 i;

	EV("answered", "c1", 0, ",\"queue\":\"sales\"");
	EV("escalate", "c1", 10, ",\"level\":1");
	HEARTBEAT(250);
	ck_assert_uint_eq(td->nmsgs, 2);
	EV("transferred", "c1", 260, ",\"to_queue\":\"billing\"");
	/* Each open alert: on the old topic, then on the new one. */
	ck_assert_uint_eq(td->nmsgs, 6);
	for (i = 2; i < 6; i += 2) {
		const char *id = testd_str(td->msgs[i], "id");
		const char *sev = testd_str(td->msgs[i], "severity");
		char	 old[64], new[64];

		snprintf(old, sizeof old, "alert/sales/%s", sev);
		snprintf(new, sizeof new, "alert/billing/%s", sev);
		ck_assert_str_eq(td->topics[i], old);
		ck_assert_str_eq(td->topics[i + 1], new);
		ck_assert_str_eq(testd_str(td->msgs[i + 1], "id"), id);
		ck_assert_str_eq(testd_str(td->msgs[i], "state"), "firing");
		ck_assert_str_eq(testd_str(td->msgs[i + 1], "state"),
		    "firing");
		ck_assert_str_eq(testd_str(td->msgs[i], "queue"), "billing");
		ck_assert_str_eq(testd_str(td->msgs[i], "moved_from"),
		    "sales");
		ck_assert_str_eq(testd_str(td->msgs[i + 1], "moved_from"),
		    "sales");
	}
	ck_assert_uint_eq(testd_count(td, "c1/long_call", "firing"), 3);
	ck_assert_uint_eq(testd_count(td, "c1/escalation", "firing"), 3);
}
END_TEST

/* 2. Long holds. */

/* A hold past hold_max fires at the line; the resume resolves it. */
START_TEST(long_hold_fires_at_hold_max_and_resume_resolves_it)
{
	cJSON	*o;

	EV("answered", "c1", 0, ",\"queue\":\"sales\",\"agent\":\"a-1\"");
	EV("hold", "c1", 10, "");
	HEARTBEAT(130);		/* exactly 2:00 on hold: not past it */
	ck_assert_uint_eq(td->nmsgs, 0);
	HEARTBEAT(130.5);
	ck_assert_uint_eq(td->nmsgs, 1);
	o = td->msgs[0];
	check_alert(o, "firing", "warning", T0 + 130, 120, 120);
	ck_assert_str_eq(td->topics[0], "alert/sales/warning");
	ck_assert_str_eq(testd_str(o, "id"), "c1/long_hold");
	ck_assert_str_eq(testd_str(o, "agent"), "a-1");
	ck_assert_str_eq(testd_str(o, "message"),
	    "on hold for 2m00s, limit 2m00s");
	EV("resume", "c1", 140, "");
	ck_assert_uint_eq(td->nmsgs, 2);
	check_alert(td->msgs[1], "resolved", "warning", T0 + 140, 130, 120);
	ck_assert_str_eq(testd_str(td->msgs[1], "message"),
	    "hold ended after 2m10s, limit 2m00s");
}
END_TEST

/* A hold of exactly hold_max never crossed the line. */
START_TEST(resume_exactly_at_hold_max_never_fires)
{
	EV("answered", "c1", 0, "");
	EV("hold", "c1", 10, "");
	EV("resume", "c1", 130, "");
	HEARTBEAT(200);
	ck_assert_uint_eq(td->nmsgs, 0);
}
END_TEST

/* A hangup on hold resolves long_hold, with wrap-up or without. */
START_TEST(hangup_while_on_hold_resolves_long_hold)
{
	struct config	*cfg = testd_config();
	struct qconf	*q = add_queue(cfg, "nowrap", QC_WRAPUP);

	q->wrapup = false;
	restart(cfg);
	/* With wrap-up: the hangup ends the hold. */
	EV("answered", "c1", 0, ",\"queue\":\"sales\"");
	EV("hold", "c1", 10, "");
	HEARTBEAT(131);
	EV("hangup", "c1", 150, "");
	ck_assert_uint_eq(td->nmsgs, 2);
	check_alert(td->msgs[1], "resolved", "warning", T0 + 150, 140, 120);
	ck_assert_str_eq(testd_str(td->msgs[1], "id"), "c1/long_hold");
	EV("wrapup_end", "c1", 160, "");
	ck_assert_uint_eq(td->nmsgs, 2);
	/* Without: the hangup ends the call. */
	EV("answered", "c2", 200, ",\"queue\":\"nowrap\"");
	EV("hold", "c2", 210, "");
	HEARTBEAT(331);
	EV("hangup", "c2", 345, "");
	ck_assert_uint_eq(td->nmsgs, 4);
	check_alert(td->msgs[2], "firing", "warning", T0 + 330, 120, 120);
	check_alert(td->msgs[3], "resolved", "warning", T0 + 345, 135, 120);
	ck_assert_str_eq(testd_str(td->msgs[3], "id"), "c2/long_hold");
}
END_TEST

/* Each long hold segment fires its own alert. */
START_TEST(second_long_hold_fires_a_new_alert)
{
	EV("answered", "c1", 0, "");
	EV("hold", "c1", 10, "");
	HEARTBEAT(131);
	EV("resume", "c1", 140, "");
	EV("hold", "c1", 150, "");
	HEARTBEAT(270);
	ck_assert_uint_eq(testd_count(td, "c1/long_hold", NULL), 2);
	HEARTBEAT(271);
	ck_assert_uint_eq(testd_count(td, "c1/long_hold", NULL), 3);
	ck_assert_uint_eq(testd_count(td, "c1/long_hold", "firing"), 2);
	check_alert(testd_find(td, "c1/long_hold", "firing", 1), "firing",
	    "warning", T0 + 270, 120, 120);
}
END_TEST

/* 3. Escalations. */

/* Level 1 warns, level 2 escalates to critical; repeats say nothing. */
START_TEST(escalate_level_one_warns_and_level_two_goes_critical)
{
	cJSON	*o;

	EV("answered", "c1", 0, ",\"queue\":\"sales\"");
	EV("escalate", "c1", 10, ",\"level\":1,"
	    "\"reason\":\"wants a supervisor\"");
	ck_assert_uint_eq(td->nmsgs, 1);
	o = td->msgs[0];
	check_alert(o, "firing", "warning", T0 + 10, 1, 1);
	ck_assert_str_eq(td->topics[0], "alert/sales/warning");
	ck_assert_str_eq(testd_str(o, "id"), "c1/escalation");
	ck_assert_str_eq(testd_str(o, "reason"), "wants a supervisor");
	ck_assert_str_eq(testd_str(o, "message"),
	    "escalated to level 1: wants a supervisor");
	EV("escalate", "c1", 20, ",\"level\":1,\"reason\":\"again\"");
	ck_assert_uint_eq(td->nmsgs, 1);
	EV("escalate", "c1", 30, ",\"level\":2,"
	    "\"reason\":\"threatens to cancel\"");
	ck_assert_uint_eq(td->nmsgs, 2);
	o = td->msgs[1];
	check_alert(o, "escalated", "critical", T0 + 30, 2, 2);
	ck_assert_str_eq(td->topics[1], "alert/sales/critical");
	ck_assert_str_eq(testd_str(o, "reason"), "threatens to cancel");
	ck_assert_str_eq(testd_str(o, "message"),
	    "escalated to level 2: threatens to cancel");
	EV("escalate", "c1", 40, ",\"level\":1");
	EV("escalate", "c1", 50, ",\"level\":2");
	EV("escalate", "c1", 60, ",\"level\":3");
	ck_assert_uint_eq(td->nmsgs, 2);
}
END_TEST

/* A first escalation at level 3 fires critical, threshold 2. */
START_TEST(escalate_level_three_fires_critical_at_once)
{
	EV("queued", "c2", 0, ",\"queue\":\"sales\"");
	EV("escalate", "c2", 5, ",\"level\":3");
	ck_assert_uint_eq(td->nmsgs, 1);
	check_alert(td->msgs[0], "firing", "critical", T0 + 5, 3, 2);
	ck_assert_str_eq(td->topics[0], "alert/sales/critical");
	ck_assert_ptr_null(cJSON_GetObjectItem(td->msgs[0], "reason"));
	ck_assert_str_eq(testd_str(td->msgs[0], "message"),
	    "escalated to level 3");
}
END_TEST

/* 4. Repeat callers. */

/* A caller again within repeat_window: info, until the call ends. */
START_TEST(repeat_caller_within_the_window_fires_info)
{
	cJSON	*o;

	EV("queued", "a", 0, ",\"queue\":\"sales\",\"caller\":\"+15550001\"");
	EV("abandoned", "a", 30, "");
	EV("queued", "b", 3600, ",\"queue\":\"sales\","
	    "\"caller\":\"+15550001\"");
	ck_assert_uint_eq(td->nmsgs, 1);
	o = td->msgs[0];
	check_alert(o, "firing", "info", T0 + 3600, 3600, 7 * 86400);
	ck_assert_str_eq(td->topics[0], "alert/sales/info");
	ck_assert_str_eq(testd_str(o, "id"), "b/repeat_caller");
	ck_assert_str_eq(testd_str(o, "caller"), "+15550001");
	ck_assert_str_eq(testd_str(o, "message"),
	    "caller called 1h00m00s before this call");
	EV("answered", "b", 3610, "");
	EV("hangup", "b", 3620, "");
	ck_assert_uint_eq(td->nmsgs, 1);
	EV("wrapup_end", "b", 3630, "");
	ck_assert_uint_eq(td->nmsgs, 2);
	check_alert(td->msgs[1], "resolved", "info", T0 + 3630, 3600,
	    7 * 86400);
}
END_TEST

/* The rule runs when the caller becomes known, stamped then. */
START_TEST(repeat_caller_fires_when_the_caller_becomes_known)
{
	EV("answered", "a", 0, ",\"queue\":\"sales\","
	    "\"caller\":\"+15550001\"");
	EV("queued", "b", 100, ",\"queue\":\"sales\"");
	EV("answered", "b", 150, ",\"caller\":\"+15550001\"");
	/* Stamped when it became known; the gap runs start to start. */
	ck_assert_uint_eq(td->nmsgs, 1);
	check_alert(td->msgs[0], "firing", "info", T0 + 150, 100, 7 * 86400);
	ck_assert_str_eq(testd_str(td->msgs[0], "id"), "b/repeat_caller");
	EV("hold", "b", 160, ",\"caller\":\"+15550001\"");
	ck_assert_uint_eq(td->nmsgs, 1);
}
END_TEST

/* Two calls that start together are not repeats of each other. */
START_TEST(calls_starting_in_the_same_second_do_not_repeat_each_other)
{
	EV("queued", "a", 0, ",\"queue\":\"sales\",\"caller\":\"+15550001\"");
	EV("queued", "b", 0, ",\"queue\":\"sales\",\"caller\":\"+15550001\"");
	ck_assert_uint_eq(td->nmsgs, 0);
	/* A third, later, repeats both. */
	EV("queued", "c", 50, ",\"queue\":\"sales\",\"caller\":\"+15550001\"");
	ck_assert_uint_eq(td->nmsgs, 1);
	check_alert(td->msgs[0], "firing", "info", T0 + 50, 50, 7 * 86400);
	ck_assert_str_eq(testd_str(td->msgs[0], "id"), "c/repeat_caller");
}
END_TEST

/* A gap past the window is quiet; a gap of exactly the window is not. */
START_TEST(repeat_caller_outside_the_window_is_quiet)
{
	struct config	*cfg = testd_config();
	struct qconf	*q = add_queue(cfg, "short", QC_REPEAT_WINDOW);

	q->repeat_window = CW_HOUR;
	restart(cfg);
	EV("queued", "a", 0, ",\"queue\":\"short\",\"caller\":\"+15550001\"");
	EV("abandoned", "a", 10, "");
	EV("queued", "b", 3601, ",\"queue\":\"short\","
	    "\"caller\":\"+15550001\"");
	EV("abandoned", "b", 3611, "");
	ck_assert_uint_eq(td->nmsgs, 0);
	/* A gap of exactly the window is within it. */
	EV("queued", "c", 7201, ",\"queue\":\"short\","
	    "\"caller\":\"+15550001\"");
	ck_assert_uint_eq(td->nmsgs, 1);
	check_alert(td->msgs[0], "firing", "info", T0 + 7201, 3600, 3600);
	ck_assert_str_eq(td->topics[0], "alert/short/info");
}
END_TEST

/* repeat_window 0 turns the rule off for its queue only. */
START_TEST(repeat_window_zero_turns_the_rule_off_for_that_queue)
{
	struct config	*cfg = testd_config();
	struct qconf	*q = add_queue(cfg, "norep", QC_REPEAT_WINDOW);

	q->repeat_window = 0;
	restart(cfg);
	EV("answered", "a", 0, ",\"queue\":\"norep\","
	    "\"caller\":\"+15550001\"");
	EV("answered", "b", 100, ",\"queue\":\"norep\","
	    "\"caller\":\"+15550001\"");
	ck_assert_uint_eq(td->nmsgs, 0);
	/* Other queues keep theirs. */
	EV("answered", "c", 200, ",\"queue\":\"sales\","
	    "\"caller\":\"+15550002\"");
	EV("answered", "d", 230, ",\"queue\":\"sales\","
	    "\"caller\":\"+15550002\"");
	ck_assert_uint_eq(td->nmsgs, 1);
	check_alert(td->msgs[0], "firing", "info", T0 + 230, 30, 7 * 86400);
	ck_assert_str_eq(testd_str(td->msgs[0], "id"), "d/repeat_caller");
}
END_TEST

/* 5. Sentiment. */

/* A score below sentiment_min warns; one at or above it resolves. */
START_TEST(low_sentiment_warns_and_a_better_score_resolves_it)
{
	cJSON	*o;

	EV("answered", "c1", 0, ",\"queue\":\"sales\"");
	EV("sentiment", "c1", 10, ",\"score\":-0.5");	/* not below */
	ck_assert_uint_eq(td->nmsgs, 0);
	EV("sentiment", "c1", 20, ",\"score\":-0.8");
	ck_assert_uint_eq(td->nmsgs, 1);
	o = td->msgs[0];
	check_alert(o, "firing", "warning", T0 + 20, -0.8, -0.5);
	ck_assert_str_eq(td->topics[0], "alert/sales/warning");
	ck_assert_str_eq(testd_str(o, "id"), "c1/sentiment");
	ck_assert_str_eq(testd_str(o, "message"),
	    "sentiment -0.80, below -0.50");
	EV("sentiment", "c1", 30, ",\"score\":-0.9");
	ck_assert_uint_eq(td->nmsgs, 1);
	EV("sentiment", "c1", 40, ",\"score\":-0.5");
	ck_assert_uint_eq(td->nmsgs, 2);
	check_alert(td->msgs[1], "resolved", "warning", T0 + 40, -0.5, -0.5);
	ck_assert_str_eq(testd_str(td->msgs[1], "message"),
	    "sentiment back to -0.50, limit -0.50");
	EV("sentiment", "c1", 50, ",\"score\":-0.7");
	ck_assert_uint_eq(td->nmsgs, 3);
	check_alert(td->msgs[2], "firing", "warning", T0 + 50, -0.7, -0.5);
}
END_TEST

/* 6. Many holds. */

/* The hold that reaches max_holds raises many_holds, once. */
START_TEST(hold_reaching_max_holds_raises_many_holds)
{
	cJSON	*o;

	EV("answered", "c1", 0, ",\"queue\":\"sales\"");
	EV("hold", "c1", 10, "");
	EV("resume", "c1", 20, "");
	EV("hold", "c1", 30, "");
	EV("resume", "c1", 40, "");
	ck_assert_uint_eq(td->nmsgs, 0);
	EV("hold", "c1", 50, "");
	ck_assert_uint_eq(td->nmsgs, 1);
	o = td->msgs[0];
	check_alert(o, "firing", "warning", T0 + 50, 3, 3);
	ck_assert_str_eq(td->topics[0], "alert/sales/warning");
	ck_assert_str_eq(testd_str(o, "id"), "c1/many_holds");
	ck_assert_str_eq(testd_str(o, "message"), "put on hold 3 times");
	EV("resume", "c1", 60, "");
	EV("hold", "c1", 70, "");
	ck_assert_uint_eq(td->nmsgs, 1);
}
END_TEST

/* max_holds 0 turns many_holds off. */
START_TEST(max_holds_zero_turns_many_holds_off)
{
	struct config	*cfg = testd_config();
	struct qconf	*q = add_queue(cfg, "free", QC_MAX_HOLDS);
	int		 i;

	q->max_holds = 0;
	restart(cfg);
	EV("answered", "c1", 0, ",\"queue\":\"free\"");
	for (i = 0; i < 5; i++) {
		EV("hold", "c1", 10 + 20 * i, "");
		EV("resume", "c1", 20 + 20 * i, "");
	}
	ck_assert_uint_eq(td->nmsgs, 0);
	ck_assert_uint_eq(calls_find(&td->d->calls, "c1", 2)->holds, 5);
}
END_TEST

/* 7b. Short calls: an agent who keeps hanging up in seconds. */

/*
 * A short call: answered at dt, hung up after talk seconds, by agent;
 * its wrap-up ends a second later unless keep.
 */
static void
short_call(const char *id, double dt, double talk, const char *agent,
    bool keep)
{
	testd_send(td, "{\"type\":\"answered\",\"call_id\":\"%s\","
	    "\"ts\":%.6f,\"queue\":\"sales\",\"agent\":\"%s\"}", id,
	    (double)T0 + dt, agent);
	testd_send(td, "{\"type\":\"hangup\",\"call_id\":\"%s\","
	    "\"ts\":%.6f}", id, (double)T0 + dt + talk);
	if (!keep)
		testd_send(td, "{\"type\":\"wrapup_end\",\"call_id\":"
		    "\"%s\",\"ts\":%.6f}", id, (double)T0 + dt + talk + 1);
}

/* The agent's third call under 10 s in an hour fires on that call. */
START_TEST(third_short_call_in_an_hour_raises_short_calls)
{
	cJSON	*o;

	short_call("s1", 0, 4, "a-1", false);
	short_call("s2", 100, 9.5, "a-1", false);
	short_call("x1", 150, 2, "a-2", false);	/* another agent's */
	/* Exactly 10 s is not short. */
	short_call("n1", 200, 10, "a-1", false);
	ck_assert_uint_eq(td->nmsgs, 0);
	short_call("s3", 300, 3, "a-1", true);
	ck_assert_uint_eq(td->nmsgs, 1);
	o = td->msgs[0];
	check_alert(o, "firing", "warning", T0 + 303, 3, 3);
	ck_assert_str_eq(testd_str(o, "id"), "s3/short_calls");
	ck_assert_str_eq(td->topics[0], "alert/sales/warning");
	ck_assert_str_eq(testd_str(o, "message"),
	    "agent a-1: 3 calls under 10s in the last hour");
	/* It stays with the call through its wrap-up. */
	EV("wrapup_end", "s3", 330, "");
	ck_assert_uint_eq(td->nmsgs, 2);
	check_alert(td->msgs[1], "resolved", "warning", T0 + 330, 3, 3);
	/* A fourth fires again, on its own call, with the new count. */
	short_call("s4", 400, 1, "a-1", true);
	ck_assert_uint_eq(td->nmsgs, 3);
	check_alert(td->msgs[2], "firing", "warning", T0 + 401, 4, 3);
}
END_TEST

/* Short calls more than an hour apart do not add up. */
START_TEST(short_calls_count_only_the_last_hour)
{
	short_call("s1", 0, 4, "a-1", false);
	short_call("s2", 1000, 4, "a-1", false);
	/* s1 is out of the hour. */
	short_call("s3", 3700, 4, "a-1", false);
	ck_assert_uint_eq(td->nmsgs, 0);
	short_call("s4", 3800, 4, "a-1", false);	/* s2, s3, s4 */
	ck_assert_uint_eq(td->nmsgs, 2);
	check_alert(td->msgs[0], "firing", "warning", T0 + 3804, 3, 3);
	check_alert(td->msgs[1], "resolved", "warning", T0 + 3805, 3, 3);
}
END_TEST

/* Without wrap-up the call ends at the hangup: fired and resolved. */
START_TEST(short_calls_without_wrapup_fire_and_resolve_at_once)
{
	struct config	*cfg = testd_config();

	cfg->defaults.wrapup = false;
	cfg->defaults.short_calls = 2;
	restart(cfg);
	short_call("s1", 0, 4, "a-1", false);
	short_call("s2", 100, 4, "a-1", false);
	ck_assert_uint_eq(td->nmsgs, 2);
	check_alert(td->msgs[0], "firing", "warning", T0 + 104, 2, 2);
	check_alert(td->msgs[1], "resolved", "warning", T0 + 104, 2, 2);
	ck_assert_uint_eq(calls_count(&td->d->calls), 0);
}
END_TEST

/* short_call 0 turns the rule off; calls with no agent never count. */
START_TEST(short_call_zero_and_unknown_agents_count_nothing)
{
	struct config	*cfg = testd_config();
	int		 i;

	cfg->defaults.short_call = 0;
	restart(cfg);
	for (i = 0; i < 5; i++) {
		char	 id[8];

		snprintf(id, sizeof id, "s%d", i);
		short_call(id, 100 * i, 1, "a-1", false);
	}
	ck_assert_uint_eq(td->nmsgs, 0);
	restart(testd_config());
	for (i = 0; i < 5; i++) {
		testd_send(td, "{\"type\":\"answered\",\"call_id\":\"u%d\","
		    "\"ts\":%.6f,\"queue\":\"sales\"}", i,
		    (double)T0 + 100 * i);
		testd_send(td, "{\"type\":\"hangup\",\"call_id\":\"u%d\","
		    "\"ts\":%.6f}", i, (double)T0 + 100 * i + 1);
		testd_send(td, "{\"type\":\"wrapup_end\",\"call_id\":\"u%d\","
		    "\"ts\":%.6f}", i, (double)T0 + 100 * i + 2);
	}
	ck_assert_uint_eq(td->nmsgs, 0);
}
END_TEST

/* 7. Long wrap-ups. */

/* A wrap-up past wrapup_max fires at the line; wrapup_end resolves it. */
START_TEST(long_wrapup_fires_after_wrapup_max_and_resolves_at_its_end)
{
	cJSON	*o;

	EV("answered", "c1", 0, ",\"queue\":\"sales\"");
	EV("hangup", "c1", 100, "");
	HEARTBEAT(220);
	ck_assert_uint_eq(td->nmsgs, 0);
	HEARTBEAT(220.5);
	ck_assert_uint_eq(td->nmsgs, 1);
	o = td->msgs[0];
	check_alert(o, "firing", "info", T0 + 220, 120, 120);
	ck_assert_str_eq(td->topics[0], "alert/sales/info");
	ck_assert_str_eq(testd_str(o, "id"), "c1/long_wrapup");
	ck_assert_str_eq(testd_str(o, "message"),
	    "in wrap-up for 2m00s, limit 2m00s");
	EV("wrapup_end", "c1", 230, "");
	ck_assert_uint_eq(td->nmsgs, 2);
	check_alert(td->msgs[1], "resolved", "info", T0 + 230, 130, 120);
	ck_assert_str_eq(testd_str(td->msgs[1], "message"),
	    "wrap-up took 2m10s, limit 2m00s");
}
END_TEST

/* A wrap-up of exactly wrapup_max never crossed the line. */
START_TEST(wrapup_ending_on_the_line_never_fires)
{
	EV("answered", "c1", 0, "");
	EV("hangup", "c1", 100, "");
	EV("wrapup_end", "c1", 220, "");
	HEARTBEAT(1000);
	ck_assert_uint_eq(td->nmsgs, 0);
}
END_TEST

/* 8. Acknowledgements. */

/* ack answers with the alert, acked, and publishes it. */
START_TEST(ack_replies_with_the_alert_acked_and_publishes_it)
{
	cJSON	*r, *o;

	EV("answered", "c1", 0, ",\"queue\":\"sales\",\"agent\":\"a-1\"");
	HEARTBEAT(250);
	ck_assert_uint_eq(td->nmsgs, 1);
	r = ctl_ok("{\"cmd\":\"ack\",\"id\":\"c1/long_call\",\"by\":\"ann\","
	    "\"note\":\"on it\"}");
	check_alert(r, "acked", "info", T0 + 250, 240, 240);
	ck_assert_str_eq(testd_str(r, "id"), "c1/long_call");
	ck_assert_str_eq(testd_str(r, "acked_by"), "ann");
	ck_assert_str_eq(testd_str(r, "note"), "on it");
	ck_assert_str_eq(testd_str(r, "agent"), "a-1");
	ck_assert_double_eq(testd_num(r, "seq"), td->seq);
	cJSON_Delete(r);
	ck_assert_uint_eq(td->nmsgs, 2);
	o = td->msgs[1];
	check_alert(o, "acked", "info", T0 + 250, 240, 240);
	ck_assert_str_eq(td->topics[1], "alert/sales/info");
	ck_assert_str_eq(testd_str(o, "acked_by"), "ann");
	ck_assert_str_eq(testd_str(o, "note"), "on it");
}
END_TEST

/*
 * A second ack of an acked alert changes nothing and publishes nothing
 * (SPEC 5: it publishes again only when it escalates or resolves); the
 * reply says who took it.  An empty note or comment is no note.
 */
START_TEST(a_second_ack_changes_nothing)
{
	cJSON	*r;

	EV("answered", "c1", 0, ",\"queue\":\"sales\"");
	HEARTBEAT(250);
	r = ctl_ok("{\"cmd\":\"ack\",\"id\":\"c1/long_call\",\"by\":\"ann\","
	    "\"note\":\"\"}");
	ck_assert_ptr_null(cJSON_GetObjectItem(r, "note"));
	cJSON_Delete(r);
	ck_assert_uint_eq(td->nmsgs, 2);
	r = ctl_ok("{\"cmd\":\"ack\",\"id\":\"c1/long_call\",\"by\":\"bob\","
	    "\"note\":\"mine\"}");
	check_alert(r, "acked", "info", T0 + 250, 240, 240);
	ck_assert_str_eq(testd_str(r, "acked_by"), "ann");
	ck_assert_ptr_null(cJSON_GetObjectItem(r, "note"));
	ck_assert_double_eq(testd_num(r, "seq"), td->seq);
	cJSON_Delete(r);
	ck_assert_uint_eq(td->nmsgs, 2);
	r = ctl_ok("{\"cmd\":\"silence\",\"match\":{\"queue\":\"sales\"},"
	    "\"for\":\"1m\",\"by\":\"ann\",\"comment\":\"\"}");
	ck_assert_str_eq(testd_str(r, "comment"), "");
	cJSON_Delete(r);
}
END_TEST

/* An acked alert is quiet until it escalates or resolves. */
START_TEST(acked_alert_is_quiet_until_it_escalates_or_resolves)
{
	cJSON	*r, *o;

	EV("answered", "c1", 0, ",\"queue\":\"sales\"");
	HEARTBEAT(250);
	r = ctl_ok("{\"cmd\":\"ack\",\"id\":\"c1/long_call\",\"by\":\"ann\"}");
	ck_assert_ptr_null(cJSON_GetObjectItem(r, "note"));
	cJSON_Delete(r);
	ck_assert_uint_eq(td->nmsgs, 2);
	/* Crossing nothing: quiet. */
	EV("hold", "c1", 300, "");
	EV("resume", "c1", 310, "");
	HEARTBEAT(480);
	ck_assert_uint_eq(td->nmsgs, 2);
	/* The next tier: escalated, no longer acked. */
	HEARTBEAT(481);
	ck_assert_uint_eq(td->nmsgs, 3);
	o = td->msgs[2];
	check_alert(o, "escalated", "warning", T0 + 480, 480, 480);
	ck_assert_ptr_null(cJSON_GetObjectItem(o, "acked_by"));
	ck_assert_ptr_null(cJSON_GetObjectItem(o, "note"));
	/* Acked again, it still resolves. */
	r = ctl_ok("{\"cmd\":\"ack\",\"id\":\"c1/long_call\",\"by\":\"bob\"}");
	cJSON_Delete(r);
	ck_assert_uint_eq(td->nmsgs, 4);
	ck_assert_str_eq(td->topics[3], "alert/sales/warning");
	ck_assert_str_eq(testd_str(td->msgs[3], "acked_by"), "bob");
	EV("hangup", "c1", 500, "");
	EV("wrapup_end", "c1", 510, "");
	ck_assert_uint_eq(td->nmsgs, 5);
	check_alert(td->msgs[4], "resolved", "warning", T0 + 510, 510, 480);
	ck_assert_ptr_null(cJSON_GetObjectItem(td->msgs[4], "acked_by"));
}
END_TEST

/* Every malformed or pointless ack is refused, publishing nothing. */
START_TEST(ack_errors)
{
	EV("answered", "c1", 0, ",\"queue\":\"sales\"");
	HEARTBEAT(250);
	ctl_error("{\"cmd\":\"ack\",\"id\":\"c9/long_call\",\"by\":\"ann\"}",
	    "no open alert \"c9/long_call\"");
	ctl_error("{\"cmd\":\"ack\",\"id\":\"c1/long_hold\",\"by\":\"ann\"}",
	    "no open alert \"c1/long_hold\"");
	ctl_error("{\"cmd\":\"ack\",\"id\":\"c1/bogus\",\"by\":\"ann\"}",
	    "no open alert \"c1/bogus\"");
	ctl_error("{\"cmd\":\"ack\",\"by\":\"ann\"}", "missing \"id\"");
	ctl_error("{\"cmd\":\"ack\",\"id\":\"c1/long_call\"}",
	    "missing \"by\"");
	ctl_error("{\"cmd\":\"ack\",\"id\":\"c1/long_call\",\"by\":5}",
	    "\"by\" must be a string of 1 to 128 bytes");
	ctl_error("{\"cmd\":\"ack\",\"id\":7,\"by\":\"ann\"}",
	    "\"id\" must be a string of 1 to 160 bytes");
	ctl_error("{\"cmd\":\"ack\",\"id\":\"c1/long_call\",\"by\":\"ann\","
	    "\"note\":[]}", "\"note\" must be a string of 1 to 1024 bytes");
	ck_assert_uint_eq(td->nmsgs, 1);
	/* The call ends: its alert is no longer open. */
	EV("wrapup_end", "c1", 260, "");
	ck_assert_uint_eq(td->nmsgs, 2);
	ctl_error("{\"cmd\":\"ack\",\"id\":\"c1/long_call\",\"by\":\"ann\"}",
	    "no open alert \"c1/long_call\"");
	ck_assert_uint_eq(td->nmsgs, 2);
}
END_TEST

/* An alert id splits at its last '/': call ids may hold slashes. */
START_TEST(ack_works_for_call_ids_with_slashes)
{
	cJSON	*r;

	EV("answered", "pbx/7/42", 0, ",\"queue\":\"sales\"");
	HEARTBEAT(250);
	r = ctl_ok("{\"cmd\":\"ack\",\"id\":\"pbx/7/42/long_call\","
	    "\"by\":\"ann\"}");
	ck_assert_str_eq(testd_str(r, "id"), "pbx/7/42/long_call");
	ck_assert_str_eq(testd_str(r, "call_id"), "pbx/7/42");
	ck_assert_str_eq(testd_str(r, "state"), "acked");
	cJSON_Delete(r);
	ck_assert_uint_eq(testd_count(td, "pbx/7/42/long_call", "acked"), 1);
}
END_TEST

/* 9. Silences. */

/* silence answers with its id and terms; snapshot lists it. */
START_TEST(silence_reply_names_its_id_and_snapshot_lists_it)
{
	cJSON	*r, *m, *snap, *s;

	HEARTBEAT(0);
	r = ctl_ok("{\"cmd\":\"silence\",\"match\":{\"queue\":\"sales\"},"
	    "\"for\":\"30m\",\"by\":\"ann\",\"comment\":\"drill\"}");
	ck_assert_str_eq(testd_str(r, "silence_id"), "s-1");
	m = cJSON_GetObjectItem(r, "match");
	ck_assert_int_eq(cJSON_GetArraySize(m), 1);
	ck_assert_str_eq(testd_str(m, "queue"), "sales");
	ck_assert_double_eq(testd_num(r, "starts"), T0);
	ck_assert_double_eq(testd_num(r, "ends"), T0 + 1800);
	ck_assert_str_eq(testd_str(r, "by"), "ann");
	ck_assert_str_eq(testd_str(r, "comment"), "drill");
	cJSON_Delete(r);
	r = ctl_ok("{\"cmd\":\"silence\",\"match\":{\"agent\":\"a-1\","
	    "\"rule\":\"long_hold\"},\"for\":60,\"by\":\"bob\"}");
	ck_assert_str_eq(testd_str(r, "silence_id"), "s-2");
	ck_assert_double_eq(testd_num(r, "ends"), T0 + 60);
	cJSON_Delete(r);
	snap = ctl_ok("{\"cmd\":\"snapshot\"}");
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(snap,
	    "silences")), 2);
	/* Soonest to end first. */
	s = cJSON_GetArrayItem(cJSON_GetObjectItem(snap, "silences"), 0);
	ck_assert_str_eq(testd_str(s, "silence_id"), "s-2");
	m = cJSON_GetObjectItem(s, "match");
	ck_assert_str_eq(testd_str(m, "agent"), "a-1");
	ck_assert_str_eq(testd_str(m, "rule"), "long_hold");
	ck_assert_ptr_null(cJSON_GetObjectItem(m, "queue"));
	s = cJSON_GetArrayItem(cJSON_GetObjectItem(snap, "silences"), 1);
	ck_assert_str_eq(testd_str(s, "silence_id"), "s-1");
	ck_assert_str_eq(testd_str(s, "comment"), "drill");
	cJSON_Delete(snap);
	ck_assert_uint_eq(td->nmsgs, 0);
}
END_TEST

/* A silence holds matching changes; its end publishes their state. */
START_TEST(silence_holds_matching_alerts_until_it_expires)
{
	cJSON	*r, *snap;

	HEARTBEAT(0);
	r = ctl_ok("{\"cmd\":\"silence\",\"match\":{\"queue\":\"sales\"},"
	    "\"for\":\"30m\",\"by\":\"ann\",\"comment\":\"drill\"}");
	cJSON_Delete(r);
	EV("answered", "c1", 0, ",\"queue\":\"sales\"");
	EV("answered", "c2", 0, ",\"queue\":\"billing\"");
	HEARTBEAT(250);
	ck_assert_uint_eq(td->nmsgs, 1);
	ck_assert_str_eq(testd_str(td->msgs[0], "id"), "c2/long_call");
	snap = ctl_ok("{\"cmd\":\"snapshot\"}");
	ck_assert(flag(snap_alert(snap, "c1/long_call"), "silenced"));
	ck_assert(!flag(snap_alert(snap, "c2/long_call"), "silenced"));
	/*
	 * Subscribers never saw c1's, and may never see its end: it is not
	 * among the alerts a late joiner starts from, but held.
	 */
	ck_assert_uint_eq(cJSON_GetArraySize(cJSON_GetObjectItem(snap,
	    "alerts")), 1);
	ck_assert_uint_eq(cJSON_GetArraySize(cJSON_GetObjectItem(snap,
	    "held")), 1);
	ck_assert(!flag(snap_alert(snap, "c1/long_call"), "shown"));
	ck_assert(flag(snap_alert(snap, "c2/long_call"), "shown"));
	ck_assert_str_eq(testd_str(snap_alert(snap, "c1/long_call"),
	    "state"), "firing");
	cJSON_Delete(snap);
	HEARTBEAT(1000);	/* c2 warning and critical; c1 held */
	ck_assert_uint_eq(td->nmsgs, 3);
	ck_assert_uint_eq(testd_count(td, "c1/long_call", NULL), 0);
	HEARTBEAT(1800);	/* the end, not past it */
	ck_assert_uint_eq(td->nmsgs, 3);
	HEARTBEAT(1800.5);
	ck_assert_uint_eq(td->nmsgs, 4);
	check_alert(td->msgs[3], "escalated", "critical", T0 + 960, 960, 960);
	ck_assert_str_eq(testd_str(td->msgs[3], "id"), "c1/long_call");
	ck_assert_str_eq(td->topics[3], "alert/sales/critical");
	snap = ctl_ok("{\"cmd\":\"snapshot\"}");
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(snap,
	    "silences")), 0);
	ck_assert(!flag(snap_alert(snap, "c1/long_call"), "silenced"));
	cJSON_Delete(snap);
	/* Published as usual from now on. */
	EV("wrapup_end", "c1", 1810, "");
	ck_assert_uint_eq(td->nmsgs, 5);
	check_alert(td->msgs[4], "resolved", "critical", T0 + 1810, 1810,
	    960);
}
END_TEST

/* A silence never hides the resolution of an alert clients saw open. */
START_TEST(resolution_of_an_alert_published_before_a_silence_goes_out)
{
	cJSON	*r;

	EV("answered", "c1", 0, ",\"queue\":\"sales\"");
	HEARTBEAT(250);
	ck_assert_uint_eq(td->nmsgs, 1);
	r = ctl_ok("{\"cmd\":\"silence\",\"match\":{\"queue\":\"sales\"},"
	    "\"for\":\"30m\",\"by\":\"ann\"}");
	cJSON_Delete(r);
	/* Raised and resolved inside the silence: never seen. */
	EV("answered", "c3", 250, ",\"queue\":\"sales\"");
	EV("hold", "c3", 260, "");
	HEARTBEAT(381);
	EV("resume", "c3", 390, "");
	ck_assert_uint_eq(td->nmsgs, 1);
	/* Seen open before it: its resolution goes out. */
	EV("hangup", "c1", 400, "");
	EV("wrapup_end", "c1", 410, "");
	ck_assert_uint_eq(td->nmsgs, 2);
	check_alert(td->msgs[1], "resolved", "info", T0 + 410, 410, 240);
	ck_assert_str_eq(testd_str(td->msgs[1], "id"), "c1/long_call");
	ck_assert_uint_eq(testd_count(td, "c3/long_hold", NULL), 0);
}
END_TEST

/* A silence can match an agent. */
START_TEST(silence_matches_by_agent)
{
	cJSON	*r, *snap;

	HEARTBEAT(0);
	r = ctl_ok("{\"cmd\":\"silence\",\"match\":{\"agent\":\"a-1\"},"
	    "\"for\":\"30m\",\"by\":\"ann\"}");
	cJSON_Delete(r);
	EV("answered", "c1", 0, ",\"queue\":\"sales\",\"agent\":\"a-1\"");
	EV("answered", "c2", 0, ",\"queue\":\"sales\",\"agent\":\"a-2\"");
	HEARTBEAT(250);
	ck_assert_uint_eq(td->nmsgs, 1);
	ck_assert_str_eq(testd_str(td->msgs[0], "id"), "c2/long_call");
	snap = ctl_ok("{\"cmd\":\"snapshot\"}");
	ck_assert(flag(snap_alert(snap, "c1/long_call"), "silenced"));
	ck_assert(!flag(snap_alert(snap, "c2/long_call"), "silenced"));
	cJSON_Delete(snap);
}
END_TEST

/* A silence can match a rule. */
START_TEST(silence_matches_by_rule)
{
	cJSON	*r, *snap;

	HEARTBEAT(0);
	r = ctl_ok("{\"cmd\":\"silence\",\"match\":{\"rule\":\"long_hold\"},"
	    "\"for\":\"30m\",\"by\":\"ann\"}");
	cJSON_Delete(r);
	EV("answered", "c1", 0, ",\"queue\":\"sales\"");
	EV("hold", "c1", 100, "");
	HEARTBEAT(250);		/* long_hold at 220, long_call at 240 */
	ck_assert_uint_eq(td->nmsgs, 1);
	ck_assert_str_eq(testd_str(td->msgs[0], "id"), "c1/long_call");
	snap = ctl_ok("{\"cmd\":\"snapshot\"}");
	ck_assert(flag(snap_alert(snap, "c1/long_hold"), "silenced"));
	ck_assert(!flag(snap_alert(snap, "c1/long_call"), "silenced"));
	cJSON_Delete(snap);
}
END_TEST

/* A silence holds an alert only when all its matchers match. */
START_TEST(silence_needs_every_matcher_to_match)
{
	cJSON	*r;

	HEARTBEAT(0);
	r = ctl_ok("{\"cmd\":\"silence\",\"match\":{\"queue\":\"sales\","
	    "\"rule\":\"long_call\"},\"for\":\"30m\",\"by\":\"ann\"}");
	cJSON_Delete(r);
	EV("answered", "c1", 0, ",\"queue\":\"sales\"");
	EV("answered", "c2", 0, ",\"queue\":\"billing\"");
	EV("hold", "c1", 100, "");
	HEARTBEAT(250);
	ck_assert_uint_eq(td->nmsgs, 2);
	check_alert(td->msgs[0], "firing", "warning", T0 + 220, 120, 120);
	ck_assert_str_eq(testd_str(td->msgs[0], "id"), "c1/long_hold");
	check_alert(td->msgs[1], "firing", "info", T0 + 240, 240, 240);
	ck_assert_str_eq(testd_str(td->msgs[1], "id"), "c2/long_call");
	ck_assert_uint_eq(testd_count(td, "c1/long_call", NULL), 0);
}
END_TEST

/* unsilence lifts the silence and publishes what it held at once. */
START_TEST(unsilence_releases_held_alerts_at_once)
{
	cJSON	*r, *snap;

	HEARTBEAT(0);
	r = ctl_ok("{\"cmd\":\"silence\",\"match\":{\"queue\":\"sales\"},"
	    "\"for\":\"30m\",\"by\":\"ann\"}");
	cJSON_Delete(r);
	EV("answered", "c1", 0, ",\"queue\":\"sales\"");
	HEARTBEAT(250);
	ck_assert_uint_eq(td->nmsgs, 0);
	r = ctl_ok("{\"cmd\":\"unsilence\",\"silence_id\":\"s-1\"}");
	ck_assert_int_eq(cJSON_GetArraySize(r), 1);
	cJSON_Delete(r);
	ck_assert_uint_eq(td->nmsgs, 1);
	check_alert(td->msgs[0], "firing", "info", T0 + 240, 240, 240);
	ck_assert_str_eq(td->topics[0], "alert/sales/info");
	snap = ctl_ok("{\"cmd\":\"snapshot\"}");
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(snap,
	    "silences")), 0);
	cJSON_Delete(snap);
	ctl_error("{\"cmd\":\"unsilence\",\"silence_id\":\"s-1\"}",
	    "no silence \"s-1\"");
	ck_assert_uint_eq(td->nmsgs, 1);
}
END_TEST

/* unsilence refuses unknown or missing ids. */
START_TEST(unsilence_errors)
{
	ctl_error("{\"cmd\":\"unsilence\",\"silence_id\":\"s-9\"}",
	    "no silence \"s-9\"");
	ctl_error("{\"cmd\":\"unsilence\",\"silence_id\":\"bogus\"}",
	    "no silence \"bogus\"");
	ctl_error("{\"cmd\":\"unsilence\"}", "missing \"silence_id\"");
}
END_TEST

/* Every malformed silence is refused and adds none. */
START_TEST(silence_errors)
{
	static const char *const bad[][2] = {
		{ "{\"cmd\":\"silence\",\"for\":\"30m\",\"by\":\"ann\"}",
		    "missing \"match\"" },
		{ "{\"cmd\":\"silence\",\"match\":[\"sales\"],\"for\":\"30m\","
		    "\"by\":\"ann\"}",
		    "\"match\" must be an object with queue, agent or rule" },
		{ "{\"cmd\":\"silence\",\"match\":{\"queue\":\"sales\"},"
		    "\"for\":null,\"by\":\"ann\"}", "missing \"for\"" },
		{ "{\"cmd\":\"silence\",\"match\":{\"queue\":\"sales\"},"
		    "\"for\":\"30m\",\"by\":\"x\\nevent rejected\"}",
		    "\"by\" must not hold control characters" },
		{ "{\"cmd\":\"silence\",\"match\":{},\"for\":\"30m\","
		    "\"by\":\"ann\"}",
		    "\"match\" needs at least one of queue, agent, rule" },
		{ "{\"cmd\":\"silence\",\"match\":{\"rule\":\"nosuch\"},"
		    "\"for\":\"30m\",\"by\":\"ann\"}",
		    "unknown \"rule\" (long_call, long_wait, transfers, "
		    "long_hold, escalation, repeat_caller, sentiment, "
		    "many_holds, long_wrapup, short_calls)" },
		{ "{\"cmd\":\"silence\",\"match\":{\"queue\":\"sales\"},"
		    "\"for\":\"0s\",\"by\":\"ann\"}",
		    "\"for\" must be a duration from 1s to 30d (like 30m, "
		    "or seconds)" },
		{ "{\"cmd\":\"silence\",\"match\":{\"queue\":\"sales\"},"
		    "\"for\":\"31d\",\"by\":\"ann\"}",
		    "\"for\" must be a duration from 1s to 30d (like 30m, "
		    "or seconds)" },
		{ "{\"cmd\":\"silence\",\"match\":{\"queue\":\"sales\"},"
		    "\"for\":\"abc\",\"by\":\"ann\"}",
		    "\"for\" must be a duration from 1s to 30d (like 30m, "
		    "or seconds)" },
		{ "{\"cmd\":\"silence\",\"match\":{\"queue\":\"sales\"},"
		    "\"for\":0,\"by\":\"ann\"}",
		    "\"for\" must be a duration from 1s to 30d (like 30m, "
		    "or seconds)" },
		{ "{\"cmd\":\"silence\",\"match\":{\"queue\":\"sales\"},"
		    "\"by\":\"ann\"}", "missing \"for\"" },
		{ "{\"cmd\":\"silence\",\"match\":{\"queue\":\"sales\"},"
		    "\"for\":\"30m\"}", "missing \"by\"" },
	};
	size_t	 i;
	cJSON	*snap;

	HEARTBEAT(0);
	for (i = 0; i < nitems(bad); i++)
		ctl_error(bad[i][0], bad[i][1]);
	snap = ctl_ok("{\"cmd\":\"snapshot\"}");
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(snap,
	    "silences")), 0);
	cJSON_Delete(snap);
}
END_TEST

/*
 * An escalation held by a silence goes out when it ends, though clients
 * saw the alert fire before it.
 */
START_TEST(silence_end_publishes_an_escalation_it_held_back)
{
	cJSON	*r;

	EV("answered", "c1", 0, ",\"queue\":\"sales\"");
	HEARTBEAT(250);			/* firing info: clients saw it */
	ck_assert_uint_eq(td->nmsgs, 1);
	r = ctl_ok("{\"cmd\":\"silence\",\"match\":{\"queue\":\"sales\"},"
	    "\"for\":\"10m\",\"by\":\"ann\"}");	/* ends at 850 */
	cJSON_Delete(r);
	HEARTBEAT(500);			/* warning at 480: held */
	ck_assert_uint_eq(td->nmsgs, 1);
	/* The snapshot says what the stream says: still firing, info. */
	r = ctl_ok("{\"cmd\":\"snapshot\"}");
	ck_assert_str_eq(testd_str(snap_alert(r, "c1/long_call"), "state"),
	    "firing");
	ck_assert_str_eq(testd_str(snap_alert(r, "c1/long_call"),
	    "severity"), "info");
	cJSON_Delete(r);
	HEARTBEAT(851);			/* the silence is over */
	ck_assert_uint_eq(td->nmsgs, 2);
	check_alert(td->msgs[1], "escalated", "warning", T0 + 480, 480, 480);
	ck_assert_str_eq(td->topics[1], "alert/sales/warning");
}
END_TEST

/*
 * An ack goes out at once, silence or not, when clients saw the alert;
 * an ack of an alert they never saw waits for the silence to end.
 */
START_TEST(silence_holds_an_ack_only_of_an_alert_never_seen)
{
	cJSON	*r;

	EV("answered", "c1", 0, ",\"queue\":\"sales\"");
	HEARTBEAT(250);			/* c1 fires, before the silence */
	EV("answered", "c2", 10, ",\"queue\":\"sales\"");
	r = ctl_ok("{\"cmd\":\"silence\",\"match\":{\"queue\":\"sales\"},"
	    "\"for\":\"1m\",\"by\":\"ann\"}");	/* ends at 310 */
	cJSON_Delete(r);
	HEARTBEAT(260);			/* c2 fires at 250: held */
	ck_assert_uint_eq(td->nmsgs, 1);
	r = ctl_ok("{\"cmd\":\"ack\",\"id\":\"c1/long_call\",\"by\":\"bob\"}");
	cJSON_Delete(r);
	ck_assert_uint_eq(td->nmsgs, 2);
	ck_assert_str_eq(testd_str(td->msgs[1], "id"), "c1/long_call");
	ck_assert_str_eq(testd_str(td->msgs[1], "state"), "acked");
	r = ctl_ok("{\"cmd\":\"ack\",\"id\":\"c2/long_call\",\"by\":\"bob\"}");
	cJSON_Delete(r);
	ck_assert_uint_eq(td->nmsgs, 2);
	HEARTBEAT(311);
	ck_assert_uint_eq(td->nmsgs, 3);
	ck_assert_str_eq(testd_str(td->msgs[2], "id"), "c2/long_call");
	ck_assert_str_eq(testd_str(td->msgs[2], "state"), "acked");
	ck_assert_str_eq(testd_str(td->msgs[2], "acked_by"), "bob");
}
END_TEST

/*
 * Lines crossed while a silence was in force are held, even when one
 * jump of the clock crosses them and the silence's end together.
 */
START_TEST(silence_holds_lines_crossed_before_its_end_after_a_clock_jump)
{
	cJSON	*r;

	HEARTBEAT(0);
	r = ctl_ok("{\"cmd\":\"silence\",\"match\":{\"queue\":\"sales\"},"
	    "\"for\":\"30m\",\"by\":\"ann\"}");	/* ends at 1800 */
	cJSON_Delete(r);
	EV("answered", "c1", 0, ",\"queue\":\"sales\"");
	/* One jump: lines at 240, 480 and 960 lie inside the silence, and
	 * only the alert's state when it ends goes out. */
	HEARTBEAT(2000);
	ck_assert_uint_eq(td->nmsgs, 1);
	check_alert(td->msgs[0], "escalated", "critical", T0 + 960, 960, 960);
}
END_TEST

/* A silence holds until the clock passes its end, as its timer says. */
START_TEST(silence_is_in_force_until_the_clock_passes_its_end)
{
	cJSON	*r, *snap;

	EV("answered", "c1", 0, ",\"queue\":\"sales\"");
	HEARTBEAT(250);		/* firing info, before the silence */
	r = ctl_ok("{\"cmd\":\"silence\",\"match\":{\"queue\":\"sales\"},"
	    "\"for\":\"1m\",\"by\":\"ann\"}");	/* ends at 310 */
	cJSON_Delete(r);
	/* At its last instant: still listed, so still holding. */
	EV("escalate", "c1", 310, ",\"level\":1");
	ck_assert_uint_eq(td->nmsgs, 1);
	snap = ctl_ok("{\"cmd\":\"snapshot\"}");
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(snap,
	    "silences")), 1);
	ck_assert(flag(snap_alert(snap, "c1/escalation"), "silenced"));
	cJSON_Delete(snap);
	/* Past it: released. */
	HEARTBEAT(310.5);
	ck_assert_uint_eq(td->nmsgs, 2);
	check_alert(td->msgs[1], "firing", "warning", T0 + 310, 1, 1);
	ck_assert_str_eq(testd_str(td->msgs[1], "id"), "c1/escalation");
}
END_TEST

/* 10. Inhibition. */

/*
 * A critical long_call never steps down: after a move to a queue whose
 * lines are longer, it is re-sent at critical and the new queue's lower
 * lines send nothing.  It hides none of the call's other alerts: a long
 * hold or an escalation on the loudest call is still news (SPEC 5).
 */
START_TEST(critical_long_call_never_steps_down_nor_hides_others)
{
	struct config	*cfg = testd_config();
	struct qconf	*q = add_queue(cfg, "vip", QC_NORMAL);
	size_t		 i, n;

	q->normal[0] = 10 * CW_MIN;
	q->normal[1] = 20 * CW_MIN;	/* lines at 20, 40, 80 minutes */
	restart(cfg);
	EV("answered", "c1", 0, ",\"queue\":\"sales\"");
	HEARTBEAT(961);
	ck_assert_uint_eq(td->nmsgs, 3);
	EV("hold", "c1", 1000, "");
	HEARTBEAT(1121);
	ck_assert_uint_eq(td->nmsgs, 4);
	check_alert(td->msgs[3], "firing", "warning", T0 + 1120, 120, 120);
	ck_assert_str_eq(testd_str(td->msgs[3], "id"), "c1/long_hold");
	EV("resume", "c1", 1130, "");
	EV("escalate", "c1", 1140, ",\"level\":1");
	ck_assert_uint_eq(testd_count(td, "c1/escalation", "firing"), 1);
	n = td->nmsgs;
	EV("transferred", "c1", 1150, ",\"to_queue\":\"vip\"");
	HEARTBEAT(5000);	/* past vip's 20 and 40 minute lines */
	ck_assert_uint_gt(td->nmsgs, n);
	for (i = n; i < td->nmsgs; i++)
		if (strcmp(testd_str(td->msgs[i], "id"), "c1/long_call") == 0)
			ck_assert_str_eq(testd_str(td->msgs[i], "severity"),
			    "critical");
	ck_assert_str_eq(testd_str(testd_last(td), "moved_from"), "sales");
	EV("hangup", "c1", 5010, "");
	EV("wrapup_end", "c1", 5020, "");
	ck_assert_uint_eq(testd_count(td, "c1/long_call", "resolved"), 1);
	ck_assert_uint_eq(testd_count(td, "c1/escalation", "resolved"), 1);
}
END_TEST

/* Alerts published before the critical still get their resolutions. */
START_TEST(alert_published_before_the_critical_still_resolves)
{
	EV("answered", "c1", 0, ",\"queue\":\"sales\"");
	EV("escalate", "c1", 100, ",\"level\":1");
	EV("sentiment", "c1", 200, ",\"score\":-0.9");
	HEARTBEAT(961);
	ck_assert_uint_eq(td->nmsgs, 5);
	EV("sentiment", "c1", 1000, ",\"score\":0.5");
	ck_assert_uint_eq(td->nmsgs, 6);
	check_alert(td->msgs[5], "resolved", "warning", T0 + 1000, 0.5, -0.5);
	ck_assert_str_eq(testd_str(td->msgs[5], "id"), "c1/sentiment");
	EV("hangup", "c1", 1100, "");
	EV("wrapup_end", "c1", 1110, "");
	ck_assert_uint_eq(testd_count(td, "c1/escalation", "resolved"), 1);
	check_alert(testd_find(td, "c1/escalation", "resolved", 0), "resolved",
	    "warning", T0 + 1110, 1, 1);
}
END_TEST

/* 11. call/ messages. */

/* Assert a call/ message: topic, event, ts, state and the counts. */
static void
check_call(size_t i, const char *topic, const char *event, double ts,
    const char *state, double holds, double transfers)
{
	const cJSON	*o;

	ck_assert_uint_lt(i, td->nothers);
	o = td->others[i];
	ck_assert_str_eq(td->otopics[i], topic);
	ck_assert_str_eq(testd_str(o, "kind"), "call");
	ck_assert_str_eq(testd_str(o, "event"), event);
	ck_assert_double_eq_tol(testd_num(o, "ts"), ts, 1e-6);
	ck_assert_str_eq(testd_str(o, "state"), state);
	ck_assert_double_eq(testd_num(o, "holds"), holds);
	ck_assert_double_eq(testd_num(o, "transfers"), transfers);
}

/* call/<queue>: one message per creation or state change, with figures. */
START_TEST(call_messages_follow_the_calls_life)
{
	const cJSON	*o;

	EV("queued", "c1", 0, ",\"queue\":\"sales\",\"caller\":\"+15550001\"");
	ck_assert_uint_eq(td->nothers, 1);
	check_call(0, "call/sales", "queued", T0, "queued", 0, 0);
	o = td->others[0];
	ck_assert_str_eq(testd_str(o, "call_id"), "c1");
	ck_assert_str_eq(testd_str(o, "queue"), "sales");
	ck_assert_str_eq(testd_str(o, "caller"), "+15550001");
	ck_assert(is_null(o, "agent"));
	ck_assert(is_null(o, "handle_time"));
	ck_assert(is_null(o, "level"));
	ck_assert_double_eq(testd_num(o, "wait_time"), 0);
	EV("answered", "c1", 20, ",\"agent\":\"a-1\"");
	check_call(1, "call/sales", "answered", T0 + 20, "talking", 0, 0);
	o = td->others[1];
	ck_assert_str_eq(testd_str(o, "agent"), "a-1");
	ck_assert_double_eq(testd_num(o, "handle_time"), 0);
	ck_assert_double_eq(testd_num(o, "wait_time"), 20);
	EV("hold", "c1", 30, "");
	check_call(2, "call/sales", "hold", T0 + 30, "on_hold", 1, 0);
	ck_assert_double_eq(testd_num(td->others[2], "handle_time"), 10);
	EV("resume", "c1", 40, "");
	check_call(3, "call/sales", "resume", T0 + 40, "talking", 1, 0);
	/* The escalation raises the call's level: one "level" message. */
	EV("escalate", "c1", 50, ",\"level\":1");
	check_call(4, "call/sales", "level", T0 + 50, "talking", 1, 0);
	ck_assert_str_eq(testd_str(td->others[4], "level"), "warning");
	/* No state, queue, count or level change: no message. */
	EV("sentiment", "c1", 55, ",\"score\":0.3");
	EV("resume", "c1", 40, "");	/* a duplicate */
	ck_assert_uint_eq(td->nothers, 5);
	EV("hangup", "c1", 60, "");
	check_call(5, "call/sales", "hangup", T0 + 60, "wrapup", 1, 0);
	o = td->others[5];
	ck_assert_double_eq(testd_num(o, "handle_time"), 40);
	ck_assert_str_eq(testd_str(o, "level"), "warning");
	EV("wrapup_end", "c1", 70, "");
	ck_assert_uint_eq(td->nothers, 7);
	check_call(6, "call/sales", "ended", T0 + 70, "ended", 1, 0);
	o = td->others[6];
	ck_assert_str_eq(testd_str(o, "end"), "handled");
	ck_assert_double_eq(testd_num(o, "handle_time"), 50);
	ck_assert_double_eq(testd_num(o, "wait_time"), 20);
	ck_assert(is_null(o, "level"));
}
END_TEST

/* A call message's level is its highest open severity. */
START_TEST(call_level_is_the_highest_open_severity)
{
	EV("answered", "c1", 0, ",\"queue\":\"sales\"");
	HEARTBEAT(250);
	/* long_call fired at 240: the level rose, a "level" message. */
	ck_assert_uint_eq(td->nothers, 2);
	check_call(1, "call/sales", "level", T0 + 240, "talking", 0, 0);
	ck_assert_str_eq(testd_str(td->others[1], "level"), "info");
	EV("hold", "c1", 260, "");
	ck_assert_str_eq(testd_str(td->others[2], "level"), "info");
	EV("escalate", "c1", 270, ",\"level\":2");
	check_call(3, "call/sales", "level", T0 + 270, "on_hold", 1, 0);
	EV("resume", "c1", 280, "");
	ck_assert_str_eq(testd_str(td->others[4], "level"), "critical");
}
END_TEST

/* An abandoned or stale call ends with "end" saying so. */
START_TEST(abandoned_and_stale_calls_end_with_their_reason)
{
	const cJSON	*o;

	EV("queued", "c1", 0, ",\"queue\":\"sales\"");
	EV("abandoned", "c1", 30, "");
	ck_assert_uint_eq(td->nothers, 2);
	check_call(1, "call/sales", "ended", T0 + 30, "ended", 0, 0);
	o = td->others[1];
	ck_assert_str_eq(testd_str(o, "end"), "abandoned");
	ck_assert_double_eq(testd_num(o, "wait_time"), 30);
	ck_assert(is_null(o, "handle_time"));
	EV("answered", "c2", 100, ",\"queue\":\"sales\"");
	HEARTBEAT(100 + 4 * 3600 + 1);
	/* Three "level" messages (info, warning, critical), then the end. */
	ck_assert_uint_eq(td->nothers, 7);
	check_call(5, "call/sales", "level", T0 + 100 + 960, "talking", 0,
	    0);
	check_call(6, "call/sales", "ended", T0 + 100 + 4 * 3600, "ended", 0,
	    0);
	ck_assert_str_eq(testd_str(td->others[6], "end"), "stale");
}
END_TEST

/* A move goes out on both queues; a transfer in place on one. */
START_TEST(transfer_publishes_the_call_on_both_queues)
{
	const cJSON	*o;
	size_t		 i;

	EV("answered", "c1", 0, ",\"queue\":\"sales\",\"agent\":\"a-1\"");
	EV("transferred", "c1", 10, ",\"to_queue\":\"billing\","
	    "\"to_agent\":\"a-2\"");
	ck_assert_uint_eq(td->nothers, 3);
	check_call(1, "call/sales", "transferred", T0 + 10, "talking", 0, 1);
	check_call(2, "call/billing", "transferred", T0 + 10, "talking", 0, 1);
	for (i = 1; i <= 2; i++) {
		o = td->others[i];
		ck_assert_str_eq(testd_str(o, "moved_from"), "sales");
		ck_assert_str_eq(testd_str(o, "queue"), "billing");
		ck_assert_str_eq(testd_str(o, "agent"), "a-2");
		ck_assert(is_null(o, "level"));
	}
	/* Same queue, one more transfer: no move; `transfers` fires, and
	 * the one message carries the new level. */
	EV("transferred", "c1", 20, ",\"to_agent\":\"a-3\"");
	ck_assert_uint_eq(td->nothers, 4);
	check_call(3, "call/billing", "transferred", T0 + 20, "talking", 0, 2);
	o = td->others[3];
	ck_assert_ptr_null(cJSON_GetObjectItem(o, "moved_from"));
	ck_assert_str_eq(testd_str(o, "agent"), "a-3");
	ck_assert_str_eq(testd_str(o, "level"), "warning");
}
END_TEST

/* 12. stats/ messages. */

/* Restart the fixture's daemon with a stats round every second. */
static void
restart_stats(void)
{
	struct config	*cfg = testd_config();

	cfg->stats_interval = CW_SEC;
	(void)add_queue(cfg, "quiet", 0);	/* named, so always listed */
	restart(cfg);
}

/* Assert a stats object's figures (aht, sl < 0: null). */
static void
check_stats(const cJSON *o, double waiting, double longest, double talking,
    double on_hold, double wrapup, double over, double handled, double aht,
    double abandoned, double sl)
{
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(testd_str(o, "kind"), "stats");
	ck_assert_double_eq(testd_num(o, "waiting"), waiting);
	ck_assert_double_eq_tol(testd_num(o, "longest_wait"), longest, 1e-6);
	ck_assert_double_eq(testd_num(o, "talking"), talking);
	ck_assert_double_eq(testd_num(o, "on_hold"), on_hold);
	ck_assert_double_eq(testd_num(o, "wrapup"), wrapup);
	ck_assert_double_eq(testd_num(o, "over_normal"), over);
	ck_assert_double_eq(testd_num(o, "handled"), handled);
	if (aht < 0)
		ck_assert(is_null(o, "aht"));
	else
		ck_assert_double_eq_tol(testd_num(o, "aht"), aht, 1e-6);
	ck_assert_double_eq(testd_num(o, "abandoned"), abandoned);
	if (sl < 0)
		ck_assert(is_null(o, "service_level"));
	else
		ck_assert_double_eq_tol(testd_num(o, "service_level"), sl,
		    1e-9);
}

/* stats/<queue> every interval, with figures counted by hand. */
START_TEST(stats_rounds_publish_each_queues_figures)
{
	const cJSON	*o;
	size_t		 i;

	restart_stats();
	EV("queued", "f1", 0, ",\"queue\":\"s\"");
	EV("queued", "f2", 10, ",\"queue\":\"s\"");
	EV("answered", "f1", 15, "");	/* waited 15 s: within SL */
	EV("queued", "f3", 20, ",\"queue\":\"s\"");
	EV("answered", "f2", 40, "");		/* waited 30 s */
	EV("queued", "f4", 41, ",\"queue\":\"s\"");
	EV("abandoned", "f4", 44, "");		/* short: not offered */
	EV("queued", "f5", 45, ",\"queue\":\"s\"");
	EV("hold", "f2", 50, "");
	EV("abandoned", "f5", 55, "");		/* waited 10 s */
	EV("answered", "f6", 60, ",\"queue\":\"s\"");	/* wait unknown */
	EV("hangup", "f1", 100, "");
	HEARTBEAT(100.5);
	HEARTBEAT(101.5);			/* the round at 101 */
	EV("wrapup_end", "f1", 130, "");	/* handled in 115 s */
	o = stats_at("s", T0 + 101);
	ck_assert_str_eq(testd_str(o, "queue"), "s");
	check_stats(o, 1, 81, 1, 1, 1, 0, 0, -1, 2, 1.0 / 3);
	HEARTBEAT(300.5);
	HEARTBEAT(301.5);
	/* f2 passed 4:00 at 280, f6 at 300. */
	check_stats(stats_at("s", T0 + 301), 1, 281, 1, 1, 0, 2, 1, 115, 2,
	    1.0 / 3);
	/* A queue the config names is listed even idle; "default", which
	 * it does not and which saw nothing, is not. */
	check_stats(stats_at("quiet", T0 + 301), 0, 0, 0, 0, 0, 0, 0, -1,
	    0, -1);
	for (i = 0; i < td->nothers; i++)
		ck_assert_str_ne(td->otopics[i], "stats/default");
	/* Every round on a multiple of the interval. */
	for (i = 0; i < td->nothers; i++) {
		double	 ts;

		if (strncmp(td->otopics[i], "stats/", 6) != 0)
			continue;
		ts = testd_num(td->others[i], "ts");
		ck_assert_double_eq(ts, floor(ts));
	}
}
END_TEST

/* A jump of the clock makes one round, not one per missed interval. */
START_TEST(stats_after_a_clock_jump_publish_one_round)
{
	size_t	 n;
	cJSON	*o;

	restart_stats();
	HEARTBEAT(0.5);
	(void)stats_nth("quiet", 0, &n);
	ck_assert_uint_eq(n, 0);
	HEARTBEAT(10.5);
	o = stats_nth("quiet", 0, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_double_eq(testd_num(o, "ts"), T0 + 1);
	HEARTBEAT(11.5);
	o = stats_nth("quiet", 1, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_double_eq(testd_num(o, "ts"), T0 + 11);
	HEARTBEAT(12.5);
	o = stats_nth("quiet", 2, &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_double_eq(testd_num(o, "ts"), T0 + 12);
}
END_TEST

/*
 * A multiple the clock lands on exactly is not missed: its round goes
 * out once the clock passes it.
 */
START_TEST(stats_round_the_clock_lands_on_is_not_skipped)
{
	size_t	 n;
	cJSON	*o;

	restart_stats();
	HEARTBEAT(0.5);
	HEARTBEAT(10);		/* one round (at 1); 10 not yet passed */
	(void)stats_nth("quiet", 0, &n);
	ck_assert_uint_eq(n, 1);
	HEARTBEAT(10.5);	/* now 10 is passed */
	o = stats_nth("quiet", 1, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_double_eq(testd_num(o, "ts"), T0 + 10);
}
END_TEST

/* 13. seq. */

/* A snapshot's seq is the last published, whatever the topic. */
START_TEST(snapshot_seq_is_the_last_published)
{
	cJSON	*snap, *r;

	restart_stats();
	EV("answered", "c1", 0, ",\"queue\":\"sales\"");
	EV("queued", "c2", 5, ",\"queue\":\"billing\"");
	HEARTBEAT(250.5);
	ck_assert(td->nmsgs > 0 && td->nothers > 2);
	ck_assert_double_eq(td->seq, (double)(td->nmsgs + td->nothers));
	snap = ctl_ok("{\"cmd\":\"snapshot\"}");
	ck_assert_double_eq(testd_num(snap, "seq"), td->seq);
	cJSON_Delete(snap);
	r = ctl_ok("{\"cmd\":\"ack\",\"id\":\"c1/long_call\",\"by\":\"ann\"}");
	ck_assert_double_eq(testd_num(r, "seq"), td->seq);
	cJSON_Delete(r);
	snap = ctl_ok("{\"cmd\":\"snapshot\",\"queue\":\"billing\"}");
	ck_assert_double_eq(testd_num(snap, "seq"), td->seq);
	cJSON_Delete(snap);
	EV("transferred", "c1", 260, ",\"to_queue\":\"billing\"");
	snap = ctl_ok("{\"cmd\":\"snapshot\"}");
	ck_assert_double_eq(testd_num(snap, "seq"), td->seq);
	ck_assert_double_eq(td->seq, (double)(td->nmsgs + td->nothers));
	cJSON_Delete(snap);
}
END_TEST

/* The suite: one case per behaviour. */
/* 14. Edge cases a review found. */

/* An event that moves a call and ends it: "ended" on both queues. */
START_TEST(a_call_moved_and_ended_at_once_leaves_the_old_queue)
{
	EV("queued", "c2", 0, ",\"queue\":\"billing\"");
	EV("abandoned", "c2", 30, ",\"queue\":\"sales\"");
	ck_assert_uint_eq(td->nothers, 3);
	check_call(1, "call/billing", "ended", T0 + 30, "ended", 0, 0);
	check_call(2, "call/sales", "ended", T0 + 30, "ended", 0, 0);
	ck_assert_str_eq(testd_str(td->others[1], "moved_from"), "billing");
	ck_assert_str_eq(testd_str(td->others[2], "moved_from"), "billing");
	ck_assert_str_eq(testd_str(td->others[2], "end"), "abandoned");
}
END_TEST

/* A transfer away from a silenced agent releases what it held. */
START_TEST(transfer_to_another_agent_releases_an_agent_silence)
{
	cJSON	*r;

	EV("answered", "c1", 0, ",\"queue\":\"sales\",\"agent\":\"a-7\"");
	r = ctl_ok("{\"cmd\":\"silence\",\"match\":{\"agent\":\"a-7\"},"
	    "\"for\":\"1h\",\"by\":\"ann\"}");
	cJSON_Delete(r);
	EV("escalate", "c1", 10, ",\"level\":1");
	ck_assert_uint_eq(td->nmsgs, 0);
	EV("transferred", "c1", 20, ",\"to_agent\":\"a-8\"");
	ck_assert_uint_eq(td->nmsgs, 1);
	check_alert(td->msgs[0], "firing", "warning", T0 + 10, 1, 1);
	ck_assert_str_eq(testd_str(td->msgs[0], "agent"), "a-8");
}
END_TEST

/* A change stamped before a silence began, arriving during it, is held. */
START_TEST(a_silence_holds_changes_by_when_they_arrive)
{
	cJSON	*r;

	EV("answered", "c2", 30, ",\"queue\":\"billing\"");
	r = ctl_ok("{\"cmd\":\"silence\",\"match\":{\"queue\":"
	    "\"billing\"},\"for\":\"1m\",\"by\":\"ann\"}");
	cJSON_Delete(r);
	EV("escalate", "c2", 25, ",\"level\":2");	/* late */
	ck_assert_uint_eq(td->nmsgs, 0);
	HEARTBEAT(91);
	ck_assert_uint_eq(td->nmsgs, 1);
	check_alert(td->msgs[0], "firing", "critical", T0 + 25, 2, 2);
}
END_TEST

/*
 * A move announces on the old queue's topic only what clients saw there;
 * the change a silence on that queue held goes out on the new queue.
 */
START_TEST(a_move_keeps_a_held_change_off_the_old_topic)
{
	cJSON	*r;

	EV("answered", "c1", 0, ",\"queue\":\"billing\"");
	EV("escalate", "c1", 10, ",\"level\":1");
	ck_assert_uint_eq(td->nmsgs, 1);
	r = ctl_ok("{\"cmd\":\"silence\",\"match\":{\"queue\":"
	    "\"billing\"},\"for\":\"1h\",\"by\":\"ann\"}");
	cJSON_Delete(r);
	EV("escalate", "c1", 20, ",\"level\":2");
	ck_assert_uint_eq(td->nmsgs, 1);
	EV("transferred", "c1", 30, ",\"to_queue\":\"support\"");
	ck_assert_uint_eq(td->nmsgs, 3);
	ck_assert_str_eq(td->topics[1], "alert/billing/warning");
	ck_assert_str_eq(testd_str(td->msgs[1], "state"), "firing");
	ck_assert_str_eq(testd_str(td->msgs[1], "moved_from"), "billing");
	ck_assert_str_eq(td->topics[2], "alert/support/critical");
	ck_assert_str_eq(testd_str(td->msgs[2], "state"), "escalated");
}
END_TEST

/* A late sentiment score does not overrule a newer one. */
START_TEST(a_late_sentiment_score_changes_nothing)
{
	EV("answered", "c1", 0, ",\"queue\":\"sales\"");
	EV("sentiment", "c1", 20, ",\"score\":0.4");
	EV("sentiment", "c1", 10, ",\"score\":-0.9");
	ck_assert_uint_eq(td->nmsgs, 0);
	ck_assert_uint_eq(td->d->n.ignored, 1);
}
END_TEST

static Suite *
rules_suite(void)
{
	Suite	*s = suite_create("rules");
	TCase	*tc;

	tc = tcase_create("transfers");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc,
	    transfer_reaching_max_raises_transfers_on_the_new_queue);
	tcase_add_test(tc, further_transfers_publish_nothing_new);
	tcase_add_test(tc, transfers_resolve_with_the_final_count);
	tcase_add_test(tc,
	    transfer_counts_against_the_new_queues_max_transfers);
	tcase_add_test(tc, transfer_takes_the_new_queues_lines_and_topic);
	tcase_add_test(tc, transfer_republishes_open_alerts_on_both_queues);
	suite_add_tcase(s, tc);

	tc = tcase_create("holds");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, long_hold_fires_at_hold_max_and_resume_resolves_it);
	tcase_add_test(tc, resume_exactly_at_hold_max_never_fires);
	tcase_add_test(tc, hangup_while_on_hold_resolves_long_hold);
	tcase_add_test(tc, second_long_hold_fires_a_new_alert);
	tcase_add_test(tc, hold_reaching_max_holds_raises_many_holds);
	tcase_add_test(tc, max_holds_zero_turns_many_holds_off);
	tcase_add_test(tc, third_short_call_in_an_hour_raises_short_calls);
	tcase_add_test(tc, short_calls_count_only_the_last_hour);
	tcase_add_test(tc,
	    short_calls_without_wrapup_fire_and_resolve_at_once);
	tcase_add_test(tc, short_call_zero_and_unknown_agents_count_nothing);
	suite_add_tcase(s, tc);

	tc = tcase_create("signals");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc,
	    escalate_level_one_warns_and_level_two_goes_critical);
	tcase_add_test(tc, escalate_level_three_fires_critical_at_once);
	tcase_add_test(tc, repeat_caller_within_the_window_fires_info);
	tcase_add_test(tc, repeat_caller_fires_when_the_caller_becomes_known);
	tcase_add_test(tc,
	    calls_starting_in_the_same_second_do_not_repeat_each_other);
	tcase_add_test(tc, repeat_caller_outside_the_window_is_quiet);
	tcase_add_test(tc,
	    repeat_window_zero_turns_the_rule_off_for_that_queue);
	tcase_add_test(tc, low_sentiment_warns_and_a_better_score_resolves_it);
	tcase_add_test(tc,
	    long_wrapup_fires_after_wrapup_max_and_resolves_at_its_end);
	tcase_add_test(tc, wrapup_ending_on_the_line_never_fires);
	suite_add_tcase(s, tc);

	tc = tcase_create("ack");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ack_replies_with_the_alert_acked_and_publishes_it);
	tcase_add_test(tc, a_second_ack_changes_nothing);
	tcase_add_test(tc, acked_alert_is_quiet_until_it_escalates_or_resolves);
	tcase_add_test(tc, ack_errors);
	tcase_add_test(tc, ack_works_for_call_ids_with_slashes);
	suite_add_tcase(s, tc);

	tc = tcase_create("silence");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, silence_reply_names_its_id_and_snapshot_lists_it);
	tcase_add_test(tc, silence_holds_matching_alerts_until_it_expires);
	tcase_add_test(tc,
	    resolution_of_an_alert_published_before_a_silence_goes_out);
	tcase_add_test(tc, silence_matches_by_agent);
	tcase_add_test(tc, silence_matches_by_rule);
	tcase_add_test(tc, silence_needs_every_matcher_to_match);
	tcase_add_test(tc, unsilence_releases_held_alerts_at_once);
	tcase_add_test(tc, unsilence_errors);
	tcase_add_test(tc, silence_errors);
	tcase_add_test(tc, silence_end_publishes_an_escalation_it_held_back);
	tcase_add_test(tc, silence_holds_an_ack_only_of_an_alert_never_seen);
	tcase_add_test(tc,
	    silence_holds_lines_crossed_before_its_end_after_a_clock_jump);
	tcase_add_test(tc, silence_is_in_force_until_the_clock_passes_its_end);
	suite_add_tcase(s, tc);

	tc = tcase_create("inhibition");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc,
	    critical_long_call_never_steps_down_nor_hides_others);
	tcase_add_test(tc, alert_published_before_the_critical_still_resolves);
	suite_add_tcase(s, tc);

	tc = tcase_create("messages");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, call_messages_follow_the_calls_life);
	tcase_add_test(tc, call_level_is_the_highest_open_severity);
	tcase_add_test(tc, abandoned_and_stale_calls_end_with_their_reason);
	tcase_add_test(tc, transfer_publishes_the_call_on_both_queues);
	tcase_add_test(tc, stats_rounds_publish_each_queues_figures);
	tcase_add_test(tc, stats_after_a_clock_jump_publish_one_round);
	tcase_add_test(tc, stats_round_the_clock_lands_on_is_not_skipped);
	tcase_add_test(tc, snapshot_seq_is_the_last_published);
	suite_add_tcase(s, tc);
	tc = tcase_create("review");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_call_moved_and_ended_at_once_leaves_the_old_queue);
	tcase_add_test(tc, transfer_to_another_agent_releases_an_agent_silence);
	tcase_add_test(tc, a_silence_holds_changes_by_when_they_arrive);
	tcase_add_test(tc, a_move_keeps_a_held_change_off_the_old_topic);
	tcase_add_test(tc, a_late_sentiment_score_changes_nothing);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return bb_run_suite(rules_suite());
}
