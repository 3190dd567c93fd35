/*
 * The freeswitch feed format (SPEC 4.3): mod_callcenter's events and the
 * holds of queue calls drive calls and alerts; the rest of the firehose
 * (the real CHANNEL_HANGUP_COMPLETE captures in ../shared/data/feeds) is
 * skipped; bad messages are rejected by reason.  Then the same through a
 * real daemon reading a PUB socket with a sub feed.
 */
#include <check.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zmq.h>

#include "bb.h"
#include "testd.h"

#define FS_MEMBER	"5a3a1d91-90d3-4db4-af5c-cc3ae15d93a4"
#define FS_AGENT_LEG	"86c9ebb2-888f-42d5-9afa-2101449a4b86"

static struct testd *td;

/* A daemon whose feed "test" speaks freeswitch. */
static void
setup(void)
{
	struct config	*cfg = testd_config();

	cfg->feeds = xcalloc(1, sizeof *cfg->feeds);
	cfg->nfeeds = 1;
	cfg->feeds[0].name = xstrdup("test");
	cfg->feeds[0].endpoint = xstrdup("tcp://127.0.0.1:7100");
	cfg->feeds[0].format = FORMAT_FREESWITCH;
	td = testd_new(cfg);
}

static void
teardown(void)
{
	testd_free(td);
}

/*
 * A FreeSWITCH event as mod_event_zmq sends it: flat JSON, every value a
 * string, Event-Date-Timestamp in µs dt seconds after T0; then pairs of
 * header names and values, NULL-terminated.
 */
static char *
fs_event(const char *name, double dt, ...)
{
	cJSON		*o = cJSON_CreateObject();
	const char	*k, *v;
	char		 us[32], *s;
	va_list		 ap;

	snprintf(us, sizeof us, "%lld", (long long)((T0 + dt) * 1e6));
	cJSON_AddStringToObject(o, "Event-Name", name);
	cJSON_AddStringToObject(o, "Core-UUID",
	    "63e2315b-d538-4dfa-9ed5-af73ba6210b6");
	cJSON_AddStringToObject(o, "FreeSWITCH-Hostname", "teo");
	cJSON_AddStringToObject(o, "Event-Date-Timestamp", us);
	va_start(ap, dt);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		cJSON_AddStringToObject(o, k, v);
	}
	va_end(ap);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

/* Send a string made by fs_event and free it. */
static void
fs_send(char *s)
{
	testd_send(td, "%s", s);
	cJSON_free(s);
}

/* A mod_callcenter action for the call, dt seconds after T0. */
#define CC(action, dt, ...)						\
	fs_send(fs_event("CUSTOM", (dt), "Event-Subclass",		\
	    "callcenter::info", "CC-Action", action, "CC-Queue",	\
	    "support@default", "CC-Member-Session-UUID", FS_MEMBER,	\
	    "CC-Member-UUID", "0c4f4a6e-5f4e-4a8e-a8b6-6b0b4e1e2f10",	\
	    "CC-Member-CID-Number", "+15551230001", ##__VA_ARGS__, NULL))

static char	 t0s[16], t90s[16];

/*
 * Queue, answer, hold on the agent's leg, resume, hangup, leave: wait,
 * hold and handle time are measured and alert as with the callwatch
 * format.
 */
START_TEST(a_queue_call_from_callcenter_events)
{
	cJSON	*o;

	snprintf(t0s, sizeof t0s, "%d", T0);
	snprintf(t90s, sizeof t90s, "%d", T0 + 90);
	CC("member-queue-start", 0, "CC-Member-Joined-Time", t0s);
	CC("bridge-agent-start", 90, "CC-Agent", "1000@default",
	    "CC-Agent-UUID", FS_AGENT_LEG, "CC-Member-Joined-Time", t0s,
	    "CC-Agent-Answered-Time", t90s);
	/* Waited 90 s: long_wait fired at 60, resolved at the answer. */
	check_alert(td->msgs[0], "firing", "warning", T0 + 60, 60, 60);
	ck_assert_str_eq(testd_str(td->msgs[0], "id"), FS_MEMBER "/long_wait");
	ck_assert_str_eq(testd_str(td->msgs[0], "queue"), "support@default");
	ck_assert_str_eq(testd_str(td->msgs[0], "caller"), "+15551230001");
	check_alert(td->msgs[1], "resolved", "warning", T0 + 90, 90, 60);
	/* The agent puts the caller on hold (the agent's leg). */
	fs_send(fs_event("CHANNEL_HOLD", 100, "Unique-ID", FS_AGENT_LEG,
	    "Channel-Call-State", "HELD", NULL));
	fs_send(fs_event("CHANNEL_UNHOLD", 250, "Unique-ID", FS_AGENT_LEG,
	    NULL));
	check_alert(td->msgs[2], "firing", "warning", T0 + 220, 120, 120);
	ck_assert_str_eq(testd_str(td->msgs[2], "rule"), "long_hold");
	ck_assert_str_eq(testd_str(td->msgs[2], "agent"), "1000@default");
	check_alert(td->msgs[3], "resolved", "warning", T0 + 250, 150, 120);
	/* Handle time past 4 min before the hangup: long_call. */
	CC("bridge-agent-end", 400, "CC-Agent", "1000@default",
	    "CC-Agent-UUID", FS_AGENT_LEG);
	check_alert(td->msgs[4], "firing", "info", T0 + 330, 240, 240);
	CC("member-queue-end", 405, "CC-Cause", "Terminated",
	    "CC-Agent", "1000@default");
	check_alert(td->msgs[5], "resolved", "info", T0 + 405, 315, 240);
	o = testd_other(td, "call/support@default", "ended", 0);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(testd_str(o, "end"), "handled");
	ck_assert_double_eq(testd_num(o, "holds"), 1);
	ck_assert_uint_eq(fsdecode_legs(td->d->fsdec), 0);
	ck_assert_uint_eq(td->d->n.rejected[REJ_BAD_JSON], 0);
}
END_TEST

/* A caller who gives up (CC-Cause: Cancel) is an abandon. */
START_TEST(a_cancel_is_an_abandon)
{
	cJSON	*snap, *q;

	CC("member-queue-start", 0);
	CC("member-queue-end", 30, "CC-Cause", "Cancel", "CC-Cause-Reason",
	    "NONE");
	snap = testd_control(td, "{\"cmd\":\"snapshot\"}");
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(snap,
	    "calls")), 0);
	q = cJSON_GetArrayItem(cJSON_GetObjectItem(snap, "queues"), 0);
	ck_assert_str_eq(testd_str(q, "queue"), "support@default");
	ck_assert_double_eq(testd_num(q, "abandoned"), 1);
	cJSON_Delete(snap);
}
END_TEST

/*
 * A hold while the caller still waits in the queue (music on hold, a
 * re-INVITE) is no hold on a bridged call (SPEC 4.3): it neither answers
 * the call nor stops the Cancel from being an abandon.
 */
START_TEST(a_hold_before_the_bridge_is_skipped)
{
	cJSON	*snap, *q;

	CC("member-queue-start", 0);
	fs_send(fs_event("CHANNEL_HOLD", 20, "Unique-ID", FS_MEMBER, NULL));
	fs_send(fs_event("CHANNEL_UNHOLD", 30, "Unique-ID", FS_MEMBER, NULL));
	fs_send(fs_event("CHANNEL_HOLD", 32, "Unique-ID", "other-leg",
	    "variable_cc_member_session_uuid", FS_MEMBER, NULL));
	ck_assert_uint_eq(td->d->n.skipped, 3);
	CC("member-queue-end", 40, "CC-Cause", "Cancel");
	snap = testd_control(td, "{\"cmd\":\"snapshot\"}");
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(snap,
	    "calls")), 0);
	q = cJSON_GetArrayItem(cJSON_GetObjectItem(snap, "queues"), 0);
	ck_assert_double_eq(testd_num(q, "abandoned"), 1);
	cJSON_Delete(snap);
	ck_assert_uint_eq(testd_count(td, FS_MEMBER "/long_call", NULL), 0);
}
END_TEST

/*
 * FreeSWITCH's HEARTBEAT (every 20 s by default) is a heartbeat: with
 * the event clock it moves time on, so a caller left waiting crosses
 * the wait lines though nothing else happens.
 */
START_TEST(a_heartbeat_moves_the_event_clock)
{
	CC("member-queue-start", 0);
	fs_send(fs_event("HEARTBEAT", 200, "Event-Info", "System Ready",
	    "Up-Time", "0 years, 0 days, 0 hours, 3 minutes", NULL));
	ck_assert_uint_eq(td->d->n.heartbeats, 1);
	ck_assert_uint_eq(td->nmsgs, 2);
	check_alert(td->msgs[0], "firing", "warning", T0 + 60, 60, 60);
	check_alert(td->msgs[1], "escalated", "critical", T0 + 180, 180, 180);
}
END_TEST

/*
 * "Key: value" lines (URL-encoded) of a real event-plain capture as the
 * flat JSON mod_event_zmq would send; the first of a repeated key wins,
 * as in FreeSWITCH's own JSON.
 */
static char *
fs_plain_to_json(const char *path)
{
	FILE	*f = fopen(path, "r");
	char	 line[8192], *colon, *s, *w;
	cJSON	*o = cJSON_CreateObject();
	unsigned c;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if ((colon = strstr(line, ": ")) == NULL)
			continue;
		*colon = '\0';
		for (s = w = colon + 2; *s != '\0'; s++, w++) {
			if (*s == '%' && sscanf(s + 1, "%2x", &c) == 1) {
				*w = (char)c;
				s += 2;
			} else
				*w = *s;
		}
		*w = '\0';
		cJSON_AddItemToObject(o, line, cJSON_CreateString(colon + 2));
	}
	fclose(f);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

/*
 * The real 2015 and 2018 CHANNEL_HANGUP_COMPLETE events are the firehose
 * callwatch does not follow: skipped, no call, no reject.  So is a hold
 * on a channel that is no queue call's leg.
 */
START_TEST(the_rest_of_the_firehose_is_skipped)
{
	static const char *const caps[] = {
		"feeds/freeswitch_plain_CHANNEL_HANGUP_COMPLETE_2015.txt",
		"feeds/freeswitch_plain_CHANNEL_HANGUP_COMPLETE_with_hold_"
		    "2018.txt",
	};
	size_t	 i;
	char	*path, *json;
	cJSON	*snap;

	for (i = 0; i < 2; i++) {
		path = bb_data(caps[i]);
		json = fs_plain_to_json(path);
		ck_assert_ptr_nonnull(strstr(json, "\"Event-Name\":"
		    "\"CHANNEL_HANGUP_COMPLETE\""));
		testd_send(td, "%s", json);
		cJSON_free(json);
		free(path);
	}
	fs_send(fs_event("CHANNEL_HOLD", 5, "Unique-ID",
	    "ffffffff-0000-0000-0000-000000000000", NULL));
	ck_assert_double_eq(td->d->n.skipped, 3);
	ck_assert_double_eq(td->d->n.applied, 0);
	snap = testd_control(td, "{\"cmd\":\"snapshot\"}");
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(snap,
	    "calls")), 0);
	cJSON_Delete(snap);
}
END_TEST

/* Bad messages are rejected by reason; nothing stops the daemon. */
START_TEST(bad_freeswitch_messages_are_rejected)
{
	struct daemon	*d = td->d;

	testd_send(td, "{\"Event-Subclass\":\"callcenter::info\",");
	ck_assert_double_eq(d->n.rejected[REJ_BAD_JSON], 1);
	testd_send(td, "{\"Event-Name\":\"CUSTOM\",\"Event-Subclass\":"
	    "\"callcenter::info\",\"CC-Action\":\"member-queue-start\"}");
	ck_assert_double_eq(d->n.rejected[REJ_MISSING_FIELD], 1);
	testd_send(td, "{\"Event-Name\":\"CHANNEL_HOLD\",\"Event-Date-"
	    "Timestamp\":1763900000000000}");
	ck_assert_double_eq(d->n.rejected[REJ_WRONG_TYPE], 1);
	testd_send(td, "{\"Event-Name\":\"CHANNEL_HOLD\",\"Event-Date-"
	    "Timestamp\":\"soon\"}");
	ck_assert_double_eq(d->n.rejected[REJ_BAD_TS], 1);
	/* No member session: which call? */
	fs_send(fs_event("CUSTOM", 1, "Event-Subclass", "callcenter::info",
	    "CC-Action", "bridge-agent-start", NULL));
	ck_assert_double_eq(d->n.rejected[REJ_MISSING_FIELD], 2);
	/* A queue name with a '/' cannot be a topic. */
	fs_send(fs_event("CUSTOM", 1, "Event-Subclass", "callcenter::info",
	    "CC-Action", "member-queue-start", "CC-Queue", "a/b",
	    "CC-Member-Session-UUID", FS_MEMBER, NULL));
	ck_assert_double_eq(d->n.rejected[REJ_BAD_VALUE], 1);
	testd_send(td, "\xff\xfe callcenter::info");
	ck_assert_double_eq(d->n.rejected[REJ_BAD_UTF8], 1);
	/* Repeated keys: the first counts (here: a good queue). */
	testd_send(td, "{\"Event-Name\":\"CUSTOM\",\"Event-Subclass\":"
	    "\"callcenter::info\",\"CC-Action\":\"member-queue-start\","
	    "\"Event-Date-Timestamp\":\"1763900002000000\",\"CC-Queue\":"
	    "\"sales\",\"CC-Queue\":\"x/y\",\"CC-Member-Session-UUID\":"
	    "\"m2\"}");
	ck_assert_double_eq(d->n.applied, 1);
	ck_assert_double_eq(d->n.rejected[REJ_BAD_VALUE], 1);
}
END_TEST

/*
 * A real daemon with a sub feed connected to a PUB socket that sends
 * FreeSWITCH JSON (one frame, no topic, as mod_event_zmq does): queue,
 * answer, hold, hangup, and the alerts come out on the daemon's PUB.
 */
START_TEST(a_sub_feed_drives_the_daemon)
{
	struct bb	 b;
	char		 pbx[96], topic[256], *s;
	const char	*want[] = { "long_wait/firing", "long_wait/resolved",
	    "long_hold/firing", "long_hold/resolved", "long_call/firing" };
	void		*pub;
	cJSON		*m;
	size_t		 got = 0, i;
	int		 port = bb_free_port();

	bb_init(&b);
	snprintf(pbx, sizeof pbx, "tcp://127.0.0.1:%d", port);
	pub = zmq_socket(b.zctx, ZMQ_PUB);
	ck_assert_int_eq(zmq_bind(pub, pbx), 0);
	bb_write_conf(&b, "daemon: {clock: event, state_file: \"\"}\n"
	    "feeds:\n"
	    "  - {name: main, endpoint: \"%s\"}\n"
	    "  - {name: fs, endpoint: \"%s\", socket: sub, "
	    "format: freeswitch}\n"
	    "publish: {endpoint: \"%s\", stats_interval: 0}\n"
	    "control: {endpoint: \"%s\"}\n", b.feed, pbx, b.pub, b.ctl);
	ck_assert_int_eq(bb_start(&b), 0);
	usleep(300 * 1000);	/* the daemon's SUB reaches our PUB */
	snprintf(t0s, sizeof t0s, "%d", T0);
#define PBX(x)	do { s = (x); zmq_send(pub, s, strlen(s), 0); \
		    cJSON_free(s); } while (0)
	PBX(fs_event("CUSTOM", 0, "Event-Subclass", "callcenter::info",
	    "CC-Action", "member-queue-start", "CC-Queue", "support",
	    "CC-Member-Session-UUID", FS_MEMBER, "CC-Member-Joined-Time",
	    t0s, NULL));
	PBX(fs_event("CUSTOM", 90, "Event-Subclass", "callcenter::info",
	    "CC-Action", "bridge-agent-start", "CC-Queue", "support",
	    "CC-Member-Session-UUID", FS_MEMBER, "CC-Agent", "1000@default",
	    "CC-Agent-UUID", FS_AGENT_LEG, NULL));
	/* The member's own leg this time, with its channel variable. */
	PBX(fs_event("CHANNEL_HOLD", 100, "Unique-ID", FS_MEMBER,
	    "variable_cc_member_session_uuid", FS_MEMBER, NULL));
	PBX(fs_event("CHANNEL_UNHOLD", 250, "Unique-ID", FS_MEMBER, NULL));
	PBX(fs_event("CUSTOM", 400, "Event-Subclass", "callcenter::info",
	    "CC-Action", "bridge-agent-end", "CC-Queue", "support",
	    "CC-Member-Session-UUID", FS_MEMBER, "CC-Agent-UUID",
	    FS_AGENT_LEG, NULL));
#undef PBX
	zmq_send(pub, "garbage \xff", 9, 0);
	while (got < sizeof want / sizeof want[0] &&
	    (m = bb_recv(&b, 3000, topic, sizeof topic)) != NULL) {
		char	 key[64];

		snprintf(key, sizeof key, "%s/%s", bb_str(m, "rule"),
		    bb_str(m, "state"));
		if (strncmp(topic, "alert/support/", 14) == 0) {
			ck_assert_str_eq(key, want[got]);
			got++;
		}
		cJSON_Delete(m);
	}
	ck_assert_uint_eq(got, sizeof want / sizeof want[0]);
	ck_assert(bb_wait_stat(&b, "skipped", 1, 3000));
	m = bb_request(&b, "{\"cmd\":\"snapshot\"}", 3000);
	i = (size_t)cJSON_GetArraySize(cJSON_GetObjectItem(m, "calls"));
	ck_assert_uint_eq(i, 1);
	cJSON_Delete(m);
	zmq_close(pub);
	bb_cleanup(&b);
}
END_TEST

#define ESL_BANNER	"Content-Type: auth/request\n\n"
#define ESL_AUTH_OK							\
	"Content-Type: command/reply\nReply-Text: +OK accepted\n\n"
#define ESL_AUTH_BAD							\
	"Content-Type: command/reply\nReply-Text: -ERR invalid\n\n"

/* Append one ESL message (headers for type, then body) to m. */
static void
esl_frame(FILE *m, const char *type, const char *body)
{
	fprintf(m, "Content-Length: %zu\nContent-Type: %s\n\n%s",
	    strlen(body), type, body);
}

/* Append a real capture (../shared/data file name) as a plain event. */
static void
esl_capture(FILE *m, const char *name)
{
	char	*path = bb_data(name), *cap = bb_slurp(path);

	esl_frame(m, "text/event-plain", cap);
	free(cap);
	free(path);
}

/* Run callwatch-esl with the password in the environment; its pid. */
static pid_t
esl_bridge(int port, const char *out, const char *err, const char *a1,
    const char *a2)
{
	static char	 bin[256], p[16];
	const char	*argv[] = { bin, "--port", p, a1, a2, NULL };

	snprintf(bin, sizeof bin, "%s/callwatch-esl", bb_build());
	snprintf(p, sizeof p, "%d", port);
	setenv("CALLWATCH_ESL_PASSWORD", "s3cret", 1);
	return bb_spawn(argv, out, err);
}

/*
 * A fake FreeSWITCH event socket serves a queue call in event-json, the
 * two real captures in event-plain and some garbage; callwatch-esl logs
 * in, subscribes and forwards; the daemon (a pull feed, format
 * freeswitch) raises the call's alerts and skips the captures.
 */
START_TEST(esl_into_the_daemon)
{
	struct bb	 b;
	char		 topic[256], *s, *pay, log[160], o[160];
	char		 e[160];
	const char	*want[] = { "long_wait/firing", "long_wait/resolved",
	    "long_hold/firing", "long_hold/resolved", "long_call/firing" };
	const char	*reply[1] = { ESL_AUTH_OK }, *pays[1];
	size_t		 plen, got = 0;
	FILE		*m;
	cJSON		*msg;
	int		 port, st;
	pid_t		 srv, br;

	bb_init(&b);
	bb_write_conf(&b, "daemon: {clock: event, state_file: \"\"}\n"
	    "feeds: [{name: fs, endpoint: \"%s\", format: freeswitch}]\n"
	    "publish: {endpoint: \"%s\", stats_interval: 0}\n"
	    "control: {endpoint: \"%s\"}\n", b.feed, b.pub, b.ctl);
	ck_assert_int_eq(bb_start(&b), 0);
	snprintf(t0s, sizeof t0s, "%d", T0);
	ck_assert_ptr_nonnull(m = open_memstream(&pay, &plen));
	fputs("Content-Type: command/reply\nReply-Text: +OK event listener "
	    "enabled json\n\n", m);
#define ESL(x)	do { s = (x); esl_frame(m, "text/event-json", s); \
		    cJSON_free(s); } while (0)
	ESL(fs_event("CUSTOM", 0, "Event-Subclass", "callcenter::info",
	    "CC-Action", "member-queue-start", "CC-Queue", "support",
	    "CC-Member-Session-UUID", FS_MEMBER, "CC-Member-Joined-Time",
	    t0s, NULL));
	fputs("a line of garbage with no end\n\n", m);
	esl_frame(m, "text/event-json", "nope!");
	ESL(fs_event("CUSTOM", 90, "Event-Subclass", "callcenter::info",
	    "CC-Action", "bridge-agent-start", "CC-Queue", "support",
	    "CC-Member-Session-UUID", FS_MEMBER, "CC-Agent", "1000@default",
	    "CC-Agent-UUID", FS_AGENT_LEG, NULL));
	ESL(fs_event("CHANNEL_HOLD", 100, "Unique-ID", FS_AGENT_LEG, NULL));
	ESL(fs_event("CHANNEL_UNHOLD", 250, "Unique-ID", FS_AGENT_LEG, NULL));
	esl_capture(m, "feeds/freeswitch_plain_CHANNEL_HANGUP_COMPLETE_2015."
	    "txt");
	esl_capture(m, "feeds/freeswitch_plain_CHANNEL_HANGUP_COMPLETE_with_"
	    "hold_2018.txt");
	ESL(fs_event("CUSTOM", 400, "Event-Subclass", "callcenter::info",
	    "CC-Action", "bridge-agent-end", "CC-Queue", "support",
	    "CC-Member-Session-UUID", FS_MEMBER, "CC-Agent-UUID",
	    FS_AGENT_LEG, NULL));
#undef ESL
	fputs("Content-Type: text/disconnect-notice\nContent-Length: 0\n\n",
	    m);
	fclose(m);
	pays[0] = pay;
	snprintf(log, sizeof log, "%s/esl.log", b.dir);
	snprintf(o, sizeof o, "%s/esl.out", b.dir);
	snprintf(e, sizeof e, "%s/esl.err", b.dir);
	srv = bb_fake_pbx(&port, 1, ESL_BANNER, reply, pays, &plen, log,
	    true);
	br = esl_bridge(port, o, e, "--feed", b.feed);
	while (got < sizeof want / sizeof want[0] &&
	    (msg = bb_recv(&b, 5000, topic, sizeof topic)) != NULL) {
		char	 key[64];

		snprintf(key, sizeof key, "%s/%s", bb_str(msg, "rule"),
		    bb_str(msg, "state"));
		if (strncmp(topic, "alert/support/", 14) == 0)
			ck_assert_str_eq(key, want[got++]);
		cJSON_Delete(msg);
	}
	ck_assert_msg(got == sizeof want / sizeof want[0], "alerts %zu (see "
	    "%s)", got, e);
	/* The two captures and the bad body: skipped, not calls. */
	ck_assert(bb_wait_stat(&b, "skipped", 3, 3000));
	ck_assert_int_eq(waitpid(srv, &st, 0), srv);
	ck_assert(bb_file_has(log, "auth s3cret"));
	ck_assert(bb_file_has(log, "event json HEARTBEAT CHANNEL_HOLD "
	    "CHANNEL_UNHOLD CUSTOM callcenter::info"));
	ck_assert(bb_wait_file(e, "says it disconnects", 3000));
	ck_assert_int_eq(bb_reap(br, SIGTERM), 0);
	ck_assert(bb_file_has(e, "subscribed at 127.0.0.1:"));
	free(pay);
	bb_cleanup(&b);
}
END_TEST

/* A refused password is said and tried again; the next one works. */
START_TEST(esl_retries_a_refused_password)
{
	char		 dir[64], log[128], o[128], e[128], *s;
	const char	*reply[2] = { ESL_AUTH_BAD, ESL_AUTH_OK }, *pays[2];
	size_t		 plen[2];
	FILE		*m;
	int		 port;
	pid_t		 srv, br;

	bb_tmpdir(dir, sizeof dir, "cwesl");
	snprintf(log, sizeof log, "%s/log", dir);
	snprintf(o, sizeof o, "%s/out", dir);
	snprintf(e, sizeof e, "%s/err", dir);
	pays[0] = NULL;
	plen[0] = 0;
	ck_assert_ptr_nonnull(m = open_memstream(&s, &plen[1]));
	fputs("Content-Type: command/reply\nReply-Text: +OK\n\n", m);
	esl_frame(m, "text/event-json", "{\"Event-Name\":\"HEARTBEAT\"}");
	fclose(m);
	pays[1] = s;
	srv = bb_fake_pbx(&port, 2, ESL_BANNER, reply, pays, plen, log, true);
	br = esl_bridge(port, o, e, "--jsonl", NULL);
	ck_assert(bb_wait_file(o, "{\"Event-Name\":\"HEARTBEAT\"}", 8000));
	ck_assert_int_eq(bb_reap(br, SIGTERM), 0);
	ck_assert_int_eq(bb_reap(srv, SIGTERM), 0);
	ck_assert(bb_file_has(e, "the password was refused: -ERR invalid"));
	ck_assert(bb_file_has(e, "retrying in 1 s"));
	free(s);
	bb_rmdir(dir);
}
END_TEST

/* No password, no start. */
START_TEST(esl_needs_a_password)
{
	char		 bin[256], out[4096];
	const char	*argv[] = { bin, "--jsonl", NULL };
	const char	*argv2[] = { bin, "--jsonl", "--password", "S3CRET",
	    NULL };

	snprintf(bin, sizeof bin, "%s/callwatch-esl", bb_build());
	unsetenv("CALLWATCH_ESL_PASSWORD");
	ck_assert_int_eq(bb_run(argv, out, sizeof out), 2);
	ck_assert_ptr_nonnull(strstr(out, "no secret: set "
	    "CALLWATCH_ESL_PASSWORD or give --password-file FILE"));
	/* "--password X" abbreviates --password-file: X must not be
	 * echoed into a log. */
	ck_assert_int_eq(bb_run(argv2, out, sizeof out), 2);
	ck_assert_msg(strstr(out, "S3CRET") == NULL, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "cannot read the file given with "
	    "--password-file"));
}
END_TEST

static Suite *
fs_suite(void)
{
	Suite	*s = suite_create("freeswitch");
	TCase	*tc = tcase_create("decode");
	TCase	*bbx = tcase_create("sub");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_queue_call_from_callcenter_events);
	tcase_add_test(tc, a_cancel_is_an_abandon);
	tcase_add_test(tc, a_hold_before_the_bridge_is_skipped);
	tcase_add_test(tc, a_heartbeat_moves_the_event_clock);
	tcase_add_test(tc, the_rest_of_the_firehose_is_skipped);
	tcase_add_test(tc, bad_freeswitch_messages_are_rejected);
	suite_add_tcase(s, tc);
	tcase_set_timeout(bbx, 60);
	tcase_add_test(bbx, a_sub_feed_drives_the_daemon);
	tcase_add_test(bbx, esl_into_the_daemon);
	tcase_add_test(bbx, esl_retries_a_refused_password);
	tcase_add_test(bbx, esl_needs_a_password);
	suite_add_tcase(s, bbx);
	return s;
}

int
main(void)
{
	return bb_run_suite(fs_suite());
}
