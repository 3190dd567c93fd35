/*
 * callwatch tail [--queue Q] [--min-severity S] [--json] [--color]: the
 * floor's alert changes as they happen, one line each, like journalctl -f.
 * It starts with the alerts open now (the snapshot), then follows the
 * stream; on a gap it says how much it missed on stderr, takes a new
 * snapshot and prints what changed meanwhile (lines marked resynced in
 * JSON), so nothing is lost and nothing shows twice.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "cmd.h"
#include "cw.h"

/* What tail keeps: the open alerts, to tell what a gap changed. */
struct tail {
	struct jmap	 open;		/* alert id -> last object */
	const char	*queue;		/* show only this queue, or NULL */
	int		 min;		/* lowest severity shown */
	bool		 json;
	bool		 colour;
	bool		 started;	/* the first snapshot is in */
};

static volatile sig_atomic_t tail_stop;

static void
tail_signal(int sig)
{
	(void)sig;
	tail_stop = 1;
}

/* Whether the user asked for this alert: queue ("*": every queue's) and
 * severity. */
static bool
tail_match(const struct tail *t, const cJSON *o)
{
	const char	*q = client_str(o, "queue");

	if (t->queue != NULL && strcmp(q, t->queue) != 0 &&
	    strcmp(q, "*") != 0 &&
	    strcmp(client_str(o, "moved_from"), t->queue) != 0)
		return false;
	return sev_parse(client_str(o, "severity")) >= t->min;
}

/* The alert's figure: a duration for time rules, else the number. */
static const char *
tail_figure(const cJSON *o, char *buf, size_t len)
{
	static const char *const timed[] = { "long_call", "long_wait",
	    "long_hold", "long_wrapup", "repeat_caller", "feed_silent" };
	const char	*rule = client_str(o, "rule");
	double		 v = client_num(o, "value", -1e300);
	size_t		 i;

	if (v == -1e300)
		return "-";
	for (i = 0; i < nitems(timed); i++)
		if (strcmp(rule, timed[i]) == 0)
			return client_dur(v, buf, len);
	snprintf(buf, len, "%g", v);
	return buf;
}

/* The terminal colour of a severity (ANSI SGR). */
static const char *
tail_sgr(const char *sev)
{
	switch (sev_parse(sev)) {
	case SEV_CRITICAL:
		return "\033[1;31m";
	case SEV_WARNING:
		return "\033[33m";
	case SEV_INFO:
		return "\033[36m";
	default:
		return "";
	}
}

/* Print one alert change (raw: its bytes as published, or NULL). */
static void
tail_print(const struct tail *t, const cJSON *o, const char *raw,
    size_t len, bool resynced)
{
	const char	*sev = client_str(o, "severity");
	char		 hms[16], fig[32];
	time_t		 ts = (time_t)client_num(o, "ts", 0);
	struct tm	 tm;

	if (!tail_match(t, o))
		return;
	if (t->json) {
		cJSON	*d;
		char	*s;

		if (raw != NULL && !resynced) {
			fwrite(raw, 1, len, stdout);
			putchar('\n');
		} else {
			d = cJSON_Duplicate(o, true);
			if (resynced)
				cJSON_AddTrueToObject(d, "resynced");
			s = client_json(d, false);
			printf("%s\n", s);
			cJSON_free(s);
			cJSON_Delete(d);
		}
	} else {
		strftime(hms, sizeof hms, "%H:%M:%S", localtime_r(&ts, &tm));
		printf("%s %s%-8s%s %-9s %-12s %-20s %-10s %-13s %7s %s\n",
		    hms, t->colour ? tail_sgr(sev) : "", sev,
		    t->colour ? "\033[0m" : "", client_str(o, "state"),
		    client_str(o, "queue"), client_str(o, "call_id"),
		    client_str(o, "agent"), client_str(o, "rule"),
		    tail_figure(o, fig, sizeof fig), client_str(o, "message"));
	}
	fflush(stdout);
}

/* Remember an alert while it is open. */
static void
tail_keep(struct tail *t, const cJSON *o)
{
	const char	*id = client_str(o, "id");

	if (strcmp(client_str(o, "state"), "resolved") == 0)
		jmap_del(&t->open, id);
	else
		jmap_put(&t->open, id, cJSON_Duplicate(o, true));
}

/* Oldest first. */
static int
tail_by_ts(const void *a, const void *b)
{
	double	 x = client_num(*(const cJSON *const *)a, "ts", 0);
	double	 y = client_num(*(const cJSON *const *)b, "ts", 0);

	return x < y ? -1 : x > y;
}

/* Whether an alert's state or severity differs from what we had. */
static bool
tail_changed(const cJSON *was, const cJSON *now)
{
	return was == NULL ||
	    strcmp(client_str(was, "state"), client_str(now, "state")) != 0 ||
	    strcmp(client_str(was, "severity"),
	    client_str(now, "severity")) != 0;
}

/*
 * A snapshot: at the start, print the open alerts (oldest first); after
 * a gap, print what changed since the last one we saw, including the
 * alerts that resolved meanwhile.
 */
static void
tail_snapshot(void *arg, const cJSON *snap, uint64_t from, uint64_t to)
{
	struct tail	*t = arg;
	const cJSON	*alerts = cJSON_GetObjectItem(snap, "alerts"), *it;
	const cJSON	**v;
	struct jmap	 now;
	cJSON		*was, *gone;
	size_t		 n = 0, i, k = 0;

	v = xcalloc((size_t)cJSON_GetArraySize(alerts) + 1,
	    sizeof(const cJSON *));
	cJSON_ArrayForEach(it, alerts)
		v[n++] = it;
	qsort(v, n, sizeof(const cJSON *), tail_by_ts);
	if (t->started)
		client_err("tail: gap in the stream (seq %llu, then %llu: "
		    "messages lost or the daemon restarted); re-synced from a "
		    "new snapshot", (unsigned long long)from,
		    (unsigned long long)to);
	jmap_init(&now);
	for (i = 0; i < n; i++) {
		was = jmap_get(&t->open, client_str(v[i], "id"));
		if (!t->started || tail_changed(was, v[i]))
			tail_print(t, v[i], NULL, 0, t->started);
		jmap_put(&now, client_str(v[i], "id"),
		    cJSON_Duplicate(v[i], true));
	}
	/* Open before, not now: resolved while we were not listening. */
	while ((was = jmap_next(&t->open, &k)) != NULL)
		if (jmap_get(&now, client_str(was, "id")) == NULL) {
			gone = cJSON_Duplicate(was, true);
			cJSON_ReplaceItemInObjectCaseSensitive(gone, "state",
			    cJSON_CreateString("resolved"));
			tail_print(t, gone, NULL, 0, true);
			cJSON_Delete(gone);
		}
	jmap_free(&t->open);
	t->open = now;
	t->started = true;
	free(v);
}

/*
 * A published object: alerts are printed and remembered.  An alert whose
 * call moved comes twice, on the old queue's topic and the new one's, the
 * same change: it is printed once.
 */
static void
tail_object(void *arg, const char *topic, const cJSON *o, const char *raw,
    size_t len)
{
	struct tail	*t = arg;
	const cJSON	*was;

	if (strncmp(topic, "alert/", 6) != 0)
		return;
	was = jmap_get(&t->open, client_str(o, "id"));
	if (cJSON_IsString(cJSON_GetObjectItem(o, "moved_from")) &&
	    !tail_changed(was, o) && strcmp(client_str(was, "queue"),
	    client_str(o, "queue")) == 0)
		return;
	tail_print(t, o, raw, len, false);
	tail_keep(t, o);
}

/* tail [--queue Q] [--min-severity S] [--json] [--color]. */
int
cmd_tail(struct client *c, int argc, char **argv)
{
	struct tail	 t;
	struct follow	 f;
	const char	*s, *nc = getenv("NO_COLOR");
	int		 i;

	memset(&t, 0, sizeof t);
	t.min = SEV_INFO;
	t.colour = isatty(STDOUT_FILENO) && (nc == NULL || *nc == '\0');
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			t.json = true;
		else if (strcmp(argv[i], "--color") == 0)
			t.colour = true;
		else if (strcmp(argv[i], "--queue") == 0) {
			if ((t.queue = cmd_value(argc, argv, &i)) == NULL)
				return CW_EXIT_USAGE;
		} else if (strcmp(argv[i], "--min-severity") == 0) {
			if ((s = cmd_value(argc, argv, &i)) == NULL)
				return CW_EXIT_USAGE;
			if ((t.min = sev_parse(s)) == -1)
				return cmd_bad("tail", "--min-severity is "
				    "info, warning or critical, not", s);
		} else
			return cmd_bad("tail", "unknown argument", argv[i]);
	}
	jmap_init(&t.open);
	/* The whole floor, filtered here like the stream: a queue's
	 * snapshot lacks the alerts that moved out of it and feed_silent. */
	memset(&f, 0, sizeof f);
	f.on_snapshot = tail_snapshot;
	f.on_object = tail_object;
	f.arg = &t;
	signal(SIGINT, tail_signal);
	signal(SIGTERM, tail_signal);
	if (follow_start(&f, c) == -1) {
		follow_close(&f);
		jmap_free(&t.open);
		return CW_EXIT_DAEMON;
	}
	while (!tail_stop)
		follow_read(&f, 250);
	follow_close(&f);
	jmap_free(&t.open);
	return 0;
}
