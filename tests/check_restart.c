/*
 * Restarts lose nothing (SPEC 2): the real daemon with a state file is
 * killed (-9, or stopped) and started again; live calls, open alerts with
 * their state, silences and the seq come back, lines crossed while it was
 * down fire once, nothing that fired fires again.  A corrupt or cut state
 * file is set aside, never trusted, never fatal.
 */
#include <check.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zmq.h>

#include "bb.h"

/* Queue "fast": lines at 2, 4 and 8 s; state checkpointed every 200 ms. */
#define RS_CONF								\
	"daemon:\n"							\
	"  clock: wall\n"						\
	"  state_file: %s/state\n"					\
	"  checkpoint_interval: %s\n"					\
	"  log_level: debug\n"						\
	"feeds:\n"							\
	"  - name: main\n"						\
	"    endpoint: %s\n"						\
	"publish:\n"							\
	"  endpoint: %s\n"						\
	"  stats_interval: 0\n"						\
	"control:\n"							\
	"  endpoint: %s\n"						\
	"queues:\n"							\
	"  fast:\n"							\
	"    normal: [1s, 2s]\n"

static struct bb b;
static double	 last_seq;	/* highest seq any client saw */
static const char *interval = "200ms";	/* checkpoint_interval */

/* A fresh folder and ports. */
static void
setup(void)
{
	bb_init(&b);
	last_seq = 0;
	interval = "200ms";
}

/* Stop whatever runs, clean up. */
static void
teardown(void)
{
	bb_cleanup(&b);
}

/* Start (again) on the config as it is, with fresh client sockets. */
static void
rs_restart(void)
{
	ck_assert_msg(bb_start(&b) == 0, "daemon did not start (see %s)",
	    b.log);
}

/* Start (again) on the standard config. */
static void
rs_start(void)
{
	bb_write_conf(&b, RS_CONF, b.dir, interval, b.feed, b.pub, b.ctl);
	rs_restart();
}


/* The next alert change within ms, or NULL; seq always grows. */
static cJSON *
rs_alert(int ms)
{
	char	 topic[256];
	double	 end = bb_now() + ms / 1000.0;
	cJSON	*o;

	while (bb_now() < end) {
		o = bb_recv(&b, (int)((end - bb_now()) * 1000) + 1, topic,
		    sizeof topic);
		if (o == NULL)
			return NULL;
		ck_assert_msg(bb_num(o, "seq") > last_seq,
		    "seq %.0f after %.0f", bb_num(o, "seq"), last_seq);
		last_seq = bb_num(o, "seq");
		if (strcmp(bb_str(o, "kind"), "alert") == 0)
			return o;
		cJSON_Delete(o);
	}
	return NULL;
}

/* The snapshot's entry of array name whose key is val, or NULL. */
static cJSON *
rs_find(cJSON *snap, const char *name, const char *key, const char *val)
{
	cJSON	*it;

	cJSON_ArrayForEach(it, cJSON_GetObjectItem(snap, name))
		if (strcmp(bb_str(it, key), val) == 0)
			return it;
	return NULL;
}

/*
 * Calls, alerts, an ack and a silence, then kill -9; after the restart
 * all of it is back, the lines crossed while down fire once, nothing
 * fires twice.
 */
static void
rs_kill9(void)
{
	double	 t0;
	cJSON	*o, *snap, *c;

	rs_start();
	t0 = bb_now();
	bb_push(&b, "{\"type\":\"answered\",\"call_id\":\"c1\",\"ts\":%.6f,"
	    "\"queue\":\"fast\",\"agent\":\"a-1\",\"caller\":\"+15550001\"}",
	    t0);
	bb_push(&b, "{\"type\":\"queued\",\"call_id\":\"c2\",\"ts\":%.6f,"
	    "\"queue\":\"sales\",\"caller\":\"+15550002\"}", t0);
	bb_push(&b, "{\"type\":\"answered\",\"call_id\":\"c3\",\"ts\":%.6f,"
	    "\"queue\":\"fast\"}", t0);
	bb_push(&b, "{\"type\":\"hold\",\"call_id\":\"c3\",\"ts\":%.6f}",
	    t0 + 0.1);
	/* Both fast calls cross 2 s; c1's alert is acked. */
	ck_assert_ptr_nonnull(o = rs_alert(5000));
	cJSON_Delete(o);
	ck_assert_ptr_nonnull(o = rs_alert(2000));
	cJSON_Delete(o);
	o = bb_request(&b, "{\"cmd\":\"ack\",\"id\":\"c1/long_call\","
	    "\"by\":\"ann\",\"note\":\"on it\"}", 3000);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(o, "ok")));
	cJSON_Delete(o);
	ck_assert_ptr_nonnull(o = rs_alert(2000));	/* the ack */
	cJSON_Delete(o);
	o = bb_request(&b, "{\"cmd\":\"silence\",\"match\":{\"queue\":"
	    "\"sales\"},\"for\":\"1h\",\"by\":\"ann\"}", 3000);
	ck_assert_str_eq(bb_str(o, "silence_id"), "s-1");
	cJSON_Delete(o);
	usleep(300 * 1000);
	ck_assert_int_eq(bb_stop(&b, SIGKILL), 128 + SIGKILL);
	/* Down past the 4 s line. */
	while (bb_now() < t0 + 4.3)
		usleep(50 * 1000);
	rs_start();
	ck_assert(bb_wait_log(&b, "state restored", 3000));
	snap = bb_request(&b, "{\"cmd\":\"snapshot\"}", 3000);
	ck_assert_ptr_nonnull(snap);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(snap,
	    "calls")), 3);
	c = rs_find(snap, "calls", "call_id", "c1");
	ck_assert_str_eq(bb_str(c, "agent"), "a-1");
	ck_assert_str_eq(bb_str(c, "caller"), "+15550001");
	ck_assert_double_eq_tol(bb_num(c, "answered_at"), t0, 1e-5);
	ck_assert_str_eq(bb_str(rs_find(snap, "calls", "call_id", "c2"),
	    "state"), "queued");
	ck_assert_str_eq(bb_str(rs_find(snap, "calls", "call_id", "c3"),
	    "state"), "on_hold");
	ck_assert_ptr_nonnull(rs_find(snap, "silences", "silence_id", "s-1"));
	/* seq goes on above anything published before. */
	ck_assert_msg(bb_num(snap, "seq") > last_seq, "snapshot seq %.0f, "
	    "seen %.0f", bb_num(snap, "seq"), last_seq);
	/* The 4 s lines were crossed while down: each fired once, at the
	 * start (before any client could subscribe: a snapshot shows it),
	 * stamped with its line, with a seq above the old ones. */
	c = rs_find(snap, "alerts", "id", "c1/long_call");
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(bb_str(c, "state"), "escalated");
	ck_assert_str_eq(bb_str(c, "severity"), "warning");
	ck_assert_double_eq_tol(bb_num(c, "ts"), t0 + 4, 1e-3);
	ck_assert(bb_num(c, "seq") > last_seq);
	c = rs_find(snap, "alerts", "id", "c3/long_call");
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(bb_str(c, "severity"), "warning");
	ck_assert_double_eq_tol(bb_num(c, "ts"), t0 + 4, 1e-3);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(snap,
	    "alerts")), 2);
	cJSON_Delete(snap);
	/* Nothing else until the 8 s line. */
	o = rs_alert((int)((t0 + 7.8 - bb_now()) * 1000));
	ck_assert_msg(o == NULL, "after the restart: %s %s", bb_str(o, "id"),
	    bb_str(o, "state"));
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}

/* Killed between checkpoints: it all comes from the checkpoint. */
START_TEST(kill_9_after_checkpoints_loses_nothing)
{
	interval = "200ms";
	rs_kill9();
}
END_TEST

/* Killed before any checkpoint but the first: the journal has it all. */
START_TEST(kill_9_before_a_checkpoint_loses_nothing)
{
	interval = "1h";
	rs_kill9();
	ck_assert(bb_log_has(&b, "journal replayed records="));
}
END_TEST

/* An acked alert and its note come back as they were. */
START_TEST(a_clean_stop_keeps_acks_and_seq)
{
	double	 t0, seq;
	cJSON	*o, *snap;

	rs_start();
	t0 = bb_now();
	bb_push(&b, "{\"type\":\"answered\",\"call_id\":\"c1\",\"ts\":%.6f,"
	    "\"queue\":\"fast\"}", t0 - 2.5);
	ck_assert_ptr_nonnull(o = rs_alert(3000));
	cJSON_Delete(o);
	o = bb_request(&b, "{\"cmd\":\"ack\",\"id\":\"c1/long_call\","
	    "\"by\":\"ann\",\"note\":\"on it\"}", 3000);
	cJSON_Delete(o);
	snap = bb_request(&b, "{\"cmd\":\"snapshot\"}", 3000);
	seq = bb_num(snap, "seq");
	cJSON_Delete(snap);
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
	rs_start();
	snap = bb_request(&b, "{\"cmd\":\"snapshot\"}", 3000);
	o = rs_find(snap, "alerts", "id", "c1/long_call");
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(bb_str(o, "state"), "acked");
	ck_assert_str_eq(bb_str(o, "acked_by"), "ann");
	ck_assert_str_eq(bb_str(o, "note"), "on it");
	ck_assert(bb_num(snap, "seq") > seq);
	cJSON_Delete(snap);
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}
END_TEST

/* A call queued on the daemon as it runs; the seq it has published. */
static double
rs_seq_of_a_call(void)
{
	cJSON	*snap;
	double	 seq;

	bb_push(&b, "{\"type\":\"queued\",\"call_id\":\"c1\",\"ts\":%.6f,"
	    "\"queue\":\"fast\"}", bb_now());
	ck_assert(bb_wait_stat(&b, "calls", 1, 3000));
	snap = bb_request(&b, "{\"cmd\":\"snapshot\"}", 3000);
	seq = bb_num(snap, "seq");
	cJSON_Delete(snap);
	return seq;
}

/* The next message the (restarted) daemon publishes is above seq. */
static void
rs_seq_above(double seq)
{
	cJSON	*o;

	bb_push(&b, "{\"type\":\"queued\",\"call_id\":\"c2\",\"ts\":%.6f,"
	    "\"queue\":\"fast\"}", bb_now());
	ck_assert_ptr_nonnull(o = bb_recv(&b, 3000, NULL, 0));
	ck_assert_msg(bb_num(o, "seq") > seq, "seq %.0f after %.0f",
	    bb_num(o, "seq"), seq);
	cJSON_Delete(o);
}

/*
 * Without a state file nothing survives a crash but seq still never goes
 * back (SPEC 5): a client following the stream must see a jump, not old
 * numbers it would take for duplicates.
 */
START_TEST(without_a_state_file_seq_still_grows)
{
	double	 seq;

	bb_write_conf(&b, "daemon: {clock: wall, state_file: \"\"}\n"
	    "feeds: [{name: main, endpoint: \"%s\"}]\n"
	    "publish: {endpoint: \"%s\", stats_interval: 0}\n"
	    "control: {endpoint: \"%s\"}\n", b.feed, b.pub, b.ctl);
	rs_restart();
	seq = rs_seq_of_a_call();
	ck_assert_int_eq(bb_stop(&b, SIGKILL), 128 + SIGKILL);
	rs_restart();
	rs_seq_above(seq);
}
END_TEST

/*
 * A state file that is gone (deleted, or storage lost) tells nothing of
 * what was published: seq starts at the wall clock, not at 1.
 */
START_TEST(a_lost_state_file_does_not_send_seq_back)
{
	char	 path[256];
	double	 seq;

	rs_start();
	seq = rs_seq_of_a_call();
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
	snprintf(path, sizeof path, "%s/state", b.dir);
	ck_assert_int_eq(unlink(path), 0);
	rs_restart();
	rs_seq_above(seq);
}
END_TEST

/*
 * A line crossed after the last input, just before kill -9: the journal
 * has the timers' tick, so it does not fire a second time.
 */
START_TEST(a_line_crossed_just_before_the_kill_does_not_fire_twice)
{
	double	 t0, seq;
	cJSON	*o, *snap;

	interval = "1h";
	rs_start();
	t0 = bb_now();
	bb_push(&b, "{\"type\":\"answered\",\"call_id\":\"c1\",\"ts\":%.6f,"
	    "\"queue\":\"fast\"}", t0);
	ck_assert_ptr_nonnull(o = rs_alert(4000));
	ck_assert_str_eq(bb_str(o, "state"), "firing");
	seq = bb_num(o, "seq");
	cJSON_Delete(o);
	ck_assert_int_eq(bb_stop(&b, SIGKILL), 128 + SIGKILL);
	rs_start();
	snap = bb_request(&b, "{\"cmd\":\"snapshot\"}", 3000);
	o = rs_find(snap, "alerts", "id", "c1/long_call");
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(bb_str(o, "state"), "firing");
	ck_assert_double_eq_tol(bb_num(o, "ts"), t0 + 2, 1e-3);
	ck_assert_double_eq(bb_num(o, "seq"), seq);
	cJSON_Delete(snap);
	o = rs_alert((int)((t0 + 3.8 - bb_now()) * 1000));
	ck_assert_msg(o == NULL, "fired again: %s %s", bb_str(o, "id"),
	    bb_str(o, "state"));
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}
END_TEST

/* A silent feed's alert stays open across a restart, not fired again. */
START_TEST(a_silent_feed_stays_silent_across_a_restart)
{
	char	 topic[256];
	cJSON	*o, *snap;
	int	 i;

	for (i = 0; i < 2; i++) {
		bb_write_conf(&b, "daemon: {clock: wall, state_file: \"%s/state\","
		    " feed_timeout: 1s}\nfeeds: [{name: main, endpoint: \"%s\"}]"
		    "\npublish: {endpoint: \"%s\"}\ncontrol: {endpoint: \"%s\"}"
		    "\n", b.dir, b.feed, b.pub, b.ctl);
		rs_restart();
		if (i == 1)
			break;
		o = bb_recv(&b, 4000, topic, sizeof topic);
		ck_assert_ptr_nonnull(o);
		ck_assert_str_eq(bb_str(o, "state"), "firing");
		cJSON_Delete(o);
		ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
	}
	/* Back, still silent: no second firing; it is in the snapshot. */
	o = bb_recv(&b, 2500, topic, sizeof topic);
	ck_assert_msg(o == NULL, "after the restart: %s %s", bb_str(o, "id"),
	    bb_str(o, "state"));
	snap = bb_request(&b, "{\"cmd\":\"snapshot\"}", 3000);
	ck_assert_ptr_nonnull(rs_find(snap, "alerts", "id",
	    "feed:main/feed_silent"));
	cJSON_Delete(snap);
	bb_push(&b, "{\"type\":\"heartbeat\",\"ts\":%.6f}", bb_now());
	o = bb_recv(&b, 3000, topic, sizeof topic);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(bb_str(o, "state"), "resolved");
	cJSON_Delete(o);
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}
END_TEST

/* A restored silence still ends (it ended while down: at once). */
START_TEST(a_restored_silence_still_ends)
{
	cJSON	*o;

	rs_start();
	o = bb_request(&b, "{\"cmd\":\"silence\",\"match\":{\"queue\":"
	    "\"fast\"},\"for\":\"1s\",\"by\":\"ann\"}", 3000);
	cJSON_Delete(o);
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
	usleep(1200 * 1000);
	rs_start();
	usleep(300 * 1000);
	o = bb_request(&b, "{\"cmd\":\"snapshot\"}", 3000);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(o,
	    "silences")), 0);
	cJSON_Delete(o);
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}
END_TEST

/* A reload, then kill -9: the alerts open under the new config stay. */
START_TEST(kill_9_after_a_reload_keeps_the_alerts)
{
	cJSON	*o, *snap;

	interval = "1h";
	rs_start();
	bb_push(&b, "{\"type\":\"answered\",\"call_id\":\"c1\",\"ts\":%.6f,"
	    "\"queue\":\"fast\"}", bb_now() - 4.5);
	ck_assert_ptr_nonnull(o = rs_alert(3000));
	cJSON_Delete(o);
	ck_assert_ptr_nonnull(o = rs_alert(3000));	/* warning */
	cJSON_Delete(o);
	/* fast's lines move to 2, 4 and 8 minutes. */
	bb_write_conf(&b, "daemon: {clock: wall, state_file: \"%s/state\", "
	    "checkpoint_interval: 1h}\nfeeds: [{name: main, endpoint: "
	    "\"%s\"}]\npublish: {endpoint: \"%s\", stats_interval: 0}\n"
	    "control: {endpoint: \"%s\"}\nqueues: {fast: {normal: [1m, 2m]}}\n",
	    b.dir, b.feed, b.pub, b.ctl);
	o = bb_request(&b, "{\"cmd\":\"reload\"}", 3000);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(o, "ok")));
	cJSON_Delete(o);
	ck_assert_int_eq(bb_stop(&b, SIGKILL), 128 + SIGKILL);
	rs_restart();
	snap = bb_request(&b, "{\"cmd\":\"snapshot\"}", 3000);
	o = rs_find(snap, "alerts", "id", "c1/long_call");
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(bb_str(o, "severity"), "warning");
	cJSON_Delete(snap);
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}
END_TEST

/* Calls in more queues than max_queues now allows all come back. */
START_TEST(a_state_over_todays_limits_comes_back_whole)
{
	cJSON	*o;

	rs_start();
	bb_push(&b, "{\"type\":\"queued\",\"call_id\":\"a\",\"ts\":%.6f,"
	    "\"queue\":\"q1\"}", bb_now());
	bb_push(&b, "{\"type\":\"queued\",\"call_id\":\"b\",\"ts\":%.6f,"
	    "\"queue\":\"q2\"}", bb_now());
	ck_assert(bb_wait_stat(&b, "calls", 2, 3000));
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
	bb_write_conf(&b, "daemon: {clock: wall, state_file: \"%s/state\", "
	    "max_queues: 1, max_calls: 1}\nfeeds: [{name: main, endpoint: "
	    "\"%s\"}]\npublish: {endpoint: \"%s\"}\ncontrol: {endpoint: "
	    "\"%s\"}\n", b.dir, b.feed, b.pub, b.ctl);
	rs_restart();
	ck_assert(bb_wait_log(&b, "state restored over the limits", 3000));
	o = bb_request(&b, "{\"cmd\":\"stats\"}", 3000);
	ck_assert_double_eq(bb_num(o, "calls"), 2);
	cJSON_Delete(o);
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}
END_TEST

/* After a torn record, what the next run journals is still read. */
START_TEST(a_torn_journal_is_cut_before_new_records)
{
	char	 path[160];
	FILE	*f;
	cJSON	*snap;

	interval = "1h";
	rs_start();
	ck_assert_int_eq(bb_stop(&b, SIGKILL), 128 + SIGKILL);
	snprintf(path, sizeof path, "%s/state.journal", b.dir);
	ck_assert_ptr_nonnull(f = fopen(path, "a"));
	fputs("CWJ1 half a record", f);
	ck_assert_int_eq(fclose(f), 0);
	/* Keep the start-up checkpoint from emptying the journal. */
	snprintf(path, sizeof path, "%s/state.tmp", b.dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	rs_start();
	bb_push(&b, "{\"type\":\"answered\",\"call_id\":\"c2\",\"ts\":%.6f,"
	    "\"queue\":\"sales\"}", bb_now());
	ck_assert(bb_wait_stat(&b, "calls", 1, 3000));
	ck_assert_int_eq(bb_stop(&b, SIGKILL), 128 + SIGKILL);
	ck_assert_int_eq(rmdir(path), 0);
	rs_start();
	snap = bb_request(&b, "{\"cmd\":\"snapshot\"}", 3000);
	ck_assert_ptr_nonnull(rs_find(snap, "calls", "call_id", "c2"));
	cJSON_Delete(snap);
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}
END_TEST

/* A late event for a call that ended before the restart starts nothing. */
START_TEST(ended_calls_stay_ended_across_a_restart)
{
	double	 t0 = bb_now();
	cJSON	*o;

	rs_start();
	bb_push(&b, "{\"type\":\"answered\",\"call_id\":\"c1\",\"ts\":%.6f,"
	    "\"queue\":\"sales\"}", t0);
	bb_push(&b, "{\"type\":\"hangup\",\"call_id\":\"c1\",\"ts\":%.6f}",
	    t0 + 0.1);
	bb_push(&b, "{\"type\":\"wrapup_end\",\"call_id\":\"c1\","
	    "\"ts\":%.6f}", t0 + 0.2);
	ck_assert(bb_wait_stat(&b, "ended", 1, 3000));
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
	rs_start();
	bb_push(&b, "{\"type\":\"hold\",\"call_id\":\"c1\",\"ts\":%.6f}",
	    t0 + 0.05);
	ck_assert(bb_wait_stat(&b, "ignored", 1, 3000));
	o = bb_request(&b, "{\"cmd\":\"stats\"}", 3000);
	ck_assert_double_eq(bb_num(o, "calls"), 0);
	cJSON_Delete(o);
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}
END_TEST

/* A journal cut by the crash is applied up to the cut. */
START_TEST(a_cut_journal_is_applied_up_to_the_cut)
{
	char	 path[160];
	FILE	*f;
	cJSON	*snap;

	interval = "1h";
	rs_start();
	bb_push(&b, "{\"type\":\"answered\",\"call_id\":\"c1\",\"ts\":%.6f,"
	    "\"queue\":\"sales\"}", bb_now());
	ck_assert(bb_wait_stat(&b, "calls", 1, 3000));
	ck_assert_int_eq(bb_stop(&b, SIGKILL), 128 + SIGKILL);
	snprintf(path, sizeof path, "%s/state.journal", b.dir);
	ck_assert_ptr_nonnull(f = fopen(path, "a"));
	fputs("CWJ1 half a record", f);
	ck_assert_int_eq(fclose(f), 0);
	rs_start();
	ck_assert(bb_wait_log(&b, "journal ends early", 3000));
	snap = bb_request(&b, "{\"cmd\":\"snapshot\"}", 3000);
	ck_assert_ptr_nonnull(rs_find(snap, "calls", "call_id", "c1"));
	cJSON_Delete(snap);
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}
END_TEST

/* The daemon's child process (its checkpoint writer) within ms, or 0. */
static pid_t
rs_child(int ms)
{
	char	 path[96];
	FILE	*f;
	int	 pid = 0;
	double	 end = bb_now() + ms / 1000.0;

	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)b.pid,
	    (int)b.pid);
	while (pid == 0 && bb_now() < end) {
		if ((f = fopen(path, "r")) != NULL) {
			if (fscanf(f, "%d", &pid) != 1)
				pid = 0;
			fclose(f);
		}
		if (pid == 0)
			usleep(20 * 1000);
	}
	return pid;
}

/* Start with checkpoints every iv and one call, id, talking in sales. */
static void
rs_start_one(const char *iv, const char *id)
{
	interval = iv;
	rs_start();
	bb_push(&b, "{\"type\":\"answered\",\"call_id\":\"%s\","
	    "\"ts\":%.6f,\"queue\":\"sales\"}", id, bb_now());
	ck_assert(bb_wait_stat(&b, "calls", 1, 3000));
}

/* Whether pid is gone (or dead, waiting to be reaped) within ms. */
static bool
rs_gone(pid_t pid, int ms)
{
	char	 path[64], st = 'R';
	FILE	*f;
	double	 end = bb_now() + ms / 1000.0;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	do {
		if ((f = fopen(path, "r")) == NULL)
			return true;
		if (fscanf(f, "%*d (%*[^)]) %c", &st) != 1)
			st = 'R';
		fclose(f);
		if (st == 'Z' || st == 'X')
			return true;
		usleep(20 * 1000);
	} while (bb_now() < end);
	return false;
}

/*
 * A checkpoint is written by a child while the daemon goes on: held up
 * (its file is a FIFO nobody reads), the daemon still takes events and
 * answers; killed -9 meanwhile, the writer dies with it and the restart
 * has what came before the checkpoint began (the journal moved aside)
 * and what came while it was written (the new journal).
 */
START_TEST(a_checkpoint_being_written_stops_nothing_and_loses_nothing)
{
	char	 fifo[160], old[160];
	double	 t0 = bb_now();
	pid_t	 child;
	cJSON	*snap;
	struct stat st;

	/* "before" is journalled well before the first checkpoint. */
	rs_start_one("1s", "before");
	snprintf(fifo, sizeof fifo, "%s/state.tmp", b.dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_msg((child = rs_child(3000)) > 0, "no checkpoint writer");
	snprintf(old, sizeof old, "%s/state.journal.old", b.dir);
	ck_assert_int_eq(stat(old, &st), 0);
	ck_assert_int_gt(st.st_size, 0);
	bb_push(&b, "{\"type\":\"answered\",\"call_id\":\"during\","
	    "\"ts\":%.6f,\"queue\":\"sales\"}", t0);
	ck_assert(bb_wait_stat(&b, "calls", 2, 3000));
	snap = bb_request(&b, "{\"cmd\":\"stats\"}", 3000);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(snap,
	    "checkpoints"), "writing")));
	cJSON_Delete(snap);
	ck_assert_int_eq(bb_stop(&b, SIGKILL), 128 + SIGKILL);
	/* The writer does not outlive the daemon. */
	ck_assert_msg(rs_gone(child, 2000), "writer %d still runs",
	    (int)child);
	ck_assert_int_eq(unlink(fifo), 0);
	interval = "1h";
	rs_start();
	snap = bb_request(&b, "{\"cmd\":\"snapshot\"}", 3000);
	ck_assert_ptr_nonnull(rs_find(snap, "calls", "call_id", "before"));
	ck_assert_ptr_nonnull(rs_find(snap, "calls", "call_id", "during"));
	cJSON_Delete(snap);
	/* The start-up checkpoint holds both: the old journal is gone. */
	ck_assert_int_eq(access(old, F_OK), -1);
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}
END_TEST

/* A checkpoint in the background reaches the disk and says so. */
START_TEST(background_checkpoints_are_written_and_counted)
{
	char	 path[160];
	cJSON	*o, *ck;
	int	 i;

	rs_start_one("200ms", "c1");
	snprintf(path, sizeof path, "%s/state", b.dir);
	ck_assert(bb_wait_file(path, "\"c1\"", 3000));
	/* One at start-up, at least one with c1 in it (once reaped). */
	for (i = 0; i < 150; i++) {
		o = bb_request(&b, "{\"cmd\":\"stats\"}", 3000);
		ck = cJSON_GetObjectItem(o, "checkpoints");
		if (bb_num(ck, "written") >= 2 && !cJSON_IsTrue(
		    cJSON_GetObjectItem(ck, "writing")))
			break;
		cJSON_Delete(o);
		usleep(20 * 1000);
	}
	ck_assert_int_lt(i, 150);
	ck_assert_double_eq(bb_num(ck, "failed"), 0);
	ck_assert_double_gt(bb_num(ck, "duration"), 0);
	ck_assert_double_gt(bb_num(ck, "pause"), 0);
	cJSON_Delete(o);
	snprintf(path, sizeof path, "%s/state.journal.old", b.dir);
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}
END_TEST

/* Write text as the state file. */
static void
rs_state(const char *text)
{
	char	 path[160];
	FILE	*f;

	snprintf(path, sizeof path, "%s/state", b.dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* The daemon sets a bad state file aside, says why, and starts empty. */
static void
rs_corrupt(const char *text, const char *why)
{
	char	 pat[160], msg[256];
	glob_t	 g;
	cJSON	*r;

	rs_state(text);
	rs_start();
	snprintf(msg, sizeof msg, "problem=\"%s\"", why);
	ck_assert_msg(bb_wait_log(&b, msg, 3000), "no %s in %s", msg, b.log);
	ck_assert(bb_log_has(&b, "set aside as"));
	snprintf(pat, sizeof pat, "%s/state.corrupt-*", b.dir);
	ck_assert_int_eq(glob(pat, 0, NULL, &g), 0);
	ck_assert_uint_eq(g.gl_pathc, 1);
	globfree(&g);
	r = bb_request(&b, "{\"cmd\":\"stats\"}", 3000);
	ck_assert_double_eq(bb_num(r, "calls"), 0);
	cJSON_Delete(r);
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}

START_TEST(garbage_is_set_aside)
{
	rs_corrupt("\x01\x02 not a state file\n",
	    "a line that is not a JSON object");
}
END_TEST

START_TEST(a_cut_file_is_set_aside)
{
	rs_corrupt("{\"k\":\"callwatch-state\",\"version\":1,\"written\":1,"
	    "\"now\":1,\"seq\":5,\"silence_id\":0,\"callers_seed\":\"1\","
	    "\"calls\":1}\n{\"k\":\"call\",\"id\":\"c1\"",
	    "a cut or overlong line");
}
END_TEST

START_TEST(a_file_without_its_end_is_set_aside)
{
	rs_corrupt("{\"k\":\"callwatch-state\",\"version\":1,\"written\":1,"
	    "\"now\":1,\"seq\":5,\"silence_id\":0,\"callers_seed\":\"1\","
	    "\"calls\":0}\n", "no end: the file is cut");
}
END_TEST

START_TEST(another_version_is_set_aside)
{
	rs_corrupt("{\"k\":\"callwatch-state\",\"version\":99}\n"
	    "{\"k\":\"end\",\"lines\":1}\n",
	    "a version this daemon does not read");
}
END_TEST

START_TEST(a_bad_call_is_set_aside)
{
	rs_corrupt("{\"k\":\"callwatch-state\",\"version\":1,\"written\":1,"
	    "\"now\":1,\"seq\":5,\"silence_id\":0,\"callers_seed\":\"1\","
	    "\"calls\":1}\n{\"k\":\"call\",\"id\":\"c1\",\"queue\":\"a/b\"}\n"
	    "{\"k\":\"end\",\"lines\":2}\n",
	    "a call with a missing or wrong field");
}
END_TEST

/* The suite. */
static Suite *
restart_suite(void)
{
	Suite	*s = suite_create("restart");
	TCase	*tc = tcase_create("state");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, kill_9_after_checkpoints_loses_nothing);
	tcase_add_test(tc, kill_9_before_a_checkpoint_loses_nothing);
	tcase_add_test(tc, a_cut_journal_is_applied_up_to_the_cut);
	tcase_add_test(tc,
	    a_checkpoint_being_written_stops_nothing_and_loses_nothing);
	tcase_add_test(tc, background_checkpoints_are_written_and_counted);
	tcase_add_test(tc, a_silent_feed_stays_silent_across_a_restart);
	tcase_add_test(tc, a_restored_silence_still_ends);
	tcase_add_test(tc, kill_9_after_a_reload_keeps_the_alerts);
	tcase_add_test(tc, a_state_over_todays_limits_comes_back_whole);
	tcase_add_test(tc, a_torn_journal_is_cut_before_new_records);
	tcase_add_test(tc, ended_calls_stay_ended_across_a_restart);
	tcase_add_test(tc,
	    a_line_crossed_just_before_the_kill_does_not_fire_twice);
	tcase_add_test(tc, a_clean_stop_keeps_acks_and_seq);
	tcase_add_test(tc, garbage_is_set_aside);
	tcase_add_test(tc, a_cut_file_is_set_aside);
	tcase_add_test(tc, a_file_without_its_end_is_set_aside);
	tcase_add_test(tc, another_version_is_set_aside);
	tcase_add_test(tc, a_bad_call_is_set_aside);
	tcase_add_test(tc, without_a_state_file_seq_still_grows);
	tcase_add_test(tc, a_lost_state_file_does_not_send_seq_back);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return bb_run_suite(restart_suite());
}
