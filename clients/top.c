/*
 * callwatch top [--queue Q]: the floor on one screen, like top(1).  The
 * queues and their figures, then the live calls above their queue's
 * normal range (or with an open alert), longest first, then the open
 * alerts, most severe first; redrawn every second with the handle and wait
 * times ticking between the daemon's messages.  The state is kept from
 * the publish stream (follow.c: one snapshot, then every change, a new
 * snapshot after a gap), so a big floor costs one snapshot, not one a
 * second.
 *
 * Keys: up/down (or k/j) select an alert, a acks it, f shows the next
 * queue only, F all queues again, q quits.
 */
#include <curses.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "cmd.h"
#include "cw.h"

#define TOP_TICK_MS	100	/* how often keys and messages are read */
#define TOP_STALE_S	5	/* no message for this long: say so */
#define TOP_RX		"_rx"	/* when we got an object (monotonic s) */

enum { TOP_CRIT = 1, TOP_WARN, TOP_INFO, TOP_HEAD, TOP_SEL };

struct top {
	struct client	*c;
	struct follow	 f;
	struct jmap	 calls;		/* call_id -> call object */
	struct jmap	 alerts;	/* alert id -> open alert */
	struct jmap	 queues;	/* queue -> stats object */
	char		*filter;	/* the queue shown, or NULL: all */
	char		*sel;		/* the selected alert's id */
	size_t		 sel_row;	/* ... and its row, if it goes */
	char		 status[512];	/* the last action's result */
	double		 last_msg;	/* when the daemon last spoke */
	bool		 colour;
};

static volatile sig_atomic_t top_stop;

static void
top_signal(int sig)
{
	(void)sig;
	top_stop = 1;
}

/* Monotonic seconds. */
static double
top_now(void)
{
	return (double)dur_monotonic() / 1e6;
}

/* Keep a copy of o under key in m, stamped with when it came. */
static void
top_keep(struct jmap *m, const char *key, const cJSON *o)
{
	cJSON	*d = cJSON_Duplicate(o, true);

	cJSON_DeleteItemFromObjectCaseSensitive(d, TOP_RX);
	cJSON_AddNumberToObject(d, TOP_RX, top_now());
	jmap_put(m, key, d);
}

/* Load a snapshot's calls, alerts and queues in place of what we had. */
static void
top_snapshot(void *arg, const cJSON *snap, uint64_t from, uint64_t to)
{
	struct top	*t = arg;
	const cJSON	*it;

	jmap_clear(&t->calls);
	jmap_clear(&t->alerts);
	jmap_clear(&t->queues);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(snap, "calls"))
		top_keep(&t->calls, client_str(it, "call_id"), it);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(snap, "alerts"))
		top_keep(&t->alerts, client_str(it, "id"), it);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(snap, "queues"))
		top_keep(&t->queues, client_str(it, "queue"), it);
	if (to != 0)
		snprintf(t->status, sizeof t->status, "gap in the stream (seq "
		    "%llu, then %llu): re-synced from a new snapshot",
		    (unsigned long long)from, (unsigned long long)to);
	t->last_msg = top_now();
}

/* A published change. */
static void
top_object(void *arg, const char *topic, const cJSON *o, const char *raw,
    size_t len)
{
	struct top	*t = arg;
	const char	*kind = client_str(o, "kind");

	(void)topic;
	(void)raw;
	(void)len;
	t->last_msg = top_now();
	if (strcmp(kind, "alert") == 0) {
		if (strcmp(client_str(o, "state"), "resolved") == 0)
			jmap_del(&t->alerts, client_str(o, "id"));
		else
			top_keep(&t->alerts, client_str(o, "id"), o);
	} else if (strcmp(kind, "call") == 0) {
		if (strcmp(client_str(o, "event"), "ended") == 0)
			jmap_del(&t->calls, client_str(o, "call_id"));
		else
			top_keep(&t->calls, client_str(o, "call_id"), o);
	} else if (strcmp(kind, "stats") == 0)
		top_keep(&t->queues, client_str(o, "queue"), o);
}

/* A call's handle time (or wait, while queued) now: the daemon's figure
 * plus the time since it sent it. */
static double
top_ticking(const cJSON *c, const char *field, bool runs)
{
	double	 v = client_num(c, field, -1);

	if (v < 0 || !runs)
		return v;
	return v + top_now() - client_num(c, TOP_RX, top_now());
}

static double
top_handle(const cJSON *c)
{
	return top_ticking(c, "handle_time",
	    strcmp(client_str(c, "state"), "queued") != 0);
}

static double
top_wait(const cJSON *c)
{
	return top_ticking(c, "wait_time",
	    strcmp(client_str(c, "state"), "queued") == 0);
}

/* Whether o belongs on screen under the queue filter. */
static bool
top_shown(const struct top *t, const cJSON *o)
{
	const char	*q = client_str(o, "queue");

	return t->filter == NULL || strcmp(q, t->filter) == 0 ||
	    strcmp(q, "*") == 0;
}

/* Whether a live call is above its queue's normal range, or alerting. */
static bool
top_above(const struct top *t, const cJSON *c)
{
	const cJSON	*q = jmap_get(&t->queues, client_str(c, "queue"));
	const cJSON	*hi = cJSON_GetArrayItem(cJSON_GetObjectItem(q,
			    "normal"), 1);

	if (cJSON_IsString(cJSON_GetObjectItem(c, "level")))
		return true;
	return cJSON_IsNumber(hi) && top_handle(c) > hi->valuedouble;
}

/* The objects of m that pass keep, in an array (the caller frees it). */
static const cJSON **
top_list(const struct top *t, const struct jmap *m,
    bool (*keep)(const struct top *, const cJSON *), size_t *n)
{
	const cJSON	**v = xcalloc(jmap_count(m) + 1, sizeof(const cJSON *));
	const cJSON	*o;
	size_t		 it = 0;

	*n = 0;
	while ((o = jmap_next(m, &it)) != NULL)
		if (top_shown(t, o) && (keep == NULL || keep(t, o)))
			v[(*n)++] = o;
	return v;
}

static int
top_by_queue(const void *a, const void *b)
{
	return strcmp(client_str(*(const cJSON *const *)a, "queue"),
	    client_str(*(const cJSON *const *)b, "queue"));
}

static int
top_by_handle(const void *a, const void *b)
{
	double	 x = top_handle(*(const cJSON *const *)a);
	double	 y = top_handle(*(const cJSON *const *)b);

	return x < y ? 1 : x > y ? -1 : strcmp(client_str(*(const cJSON
	    *const *)a, "call_id"), client_str(*(const cJSON *const *)b,
	    "call_id"));
}

/* Most severe first, then the oldest; ties by id, so rows stay put. */
static int
top_by_severity(const void *a, const void *b)
{
	const cJSON	*x = *(const cJSON *const *)a;
	const cJSON	*y = *(const cJSON *const *)b;
	int		 sx = sev_parse(client_str(x, "severity"));
	int		 sy = sev_parse(client_str(y, "severity"));
	double		 tx = client_num(x, "ts", 0);
	double		 ty = client_num(y, "ts", 0);

	if (sx != sy)
		return sy - sx;
	if (tx != ty)
		return tx < ty ? -1 : 1;
	return strcmp(client_str(x, "id"), client_str(y, "id"));
}

/* The colour pair of a severity name. */
static int
top_pair(const char *sev)
{
	switch (sev_parse(sev)) {
	case SEV_CRITICAL:
		return TOP_CRIT;
	case SEV_WARNING:
		return TOP_WARN;
	case SEV_INFO:
		return TOP_INFO;
	default:
		return 0;
	}
}

/* Print a line at row y, cut to the screen, with attributes. */
static void
top_line(int y, attr_t attr, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
top_line(int y, attr_t attr, const char *fmt, ...)
{
	char	 buf[1024];
	va_list	 ap;

	if (y >= LINES)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	attron(attr);
	mvaddnstr(y, 0, buf, COLS);
	attroff(attr);
	clrtoeol();
}

/* The queues' table from row y; the next free row. */
static int
top_draw_queues(struct top *t, int y)
{
	const cJSON	**v;
	char		 lw[32], aht[32], sl[16];
	size_t		 n, i;

	v = top_list(t, &t->queues, NULL, &n);
	qsort(v, n, sizeof(const cJSON *), top_by_queue);
	top_line(y++, A_BOLD, "%-14s %7s %8s %7s %7s %6s %5s %7s %7s %5s %5s",
	    "QUEUE", "WAITING", "LONGEST", "TALKING", "ON_HOLD", "WRAPUP",
	    "OVER", "HANDLED", "AHT", "ABAND", "SL");
	for (i = 0; i < n; i++) {
		double	 s = client_num(v[i], "service_level", -1);

		if (s < 0)
			snprintf(sl, sizeof sl, "-");
		else
			snprintf(sl, sizeof sl, "%.0f%%", s * 100);
		top_line(y++, 0, "%-14s %7.0f %8s %7.0f %7.0f %6.0f %5.0f "
		    "%7.0f %7s %5.0f %5s", client_str(v[i], "queue"),
		    client_num(v[i], "waiting", 0), client_dur(client_num(v[i],
		    "longest_wait", 0), lw, sizeof lw),
		    client_num(v[i], "talking", 0),
		    client_num(v[i], "on_hold", 0),
		    client_num(v[i], "wrapup", 0),
		    client_num(v[i], "over_normal", 0),
		    client_num(v[i], "handled", 0), client_dur(client_num(v[i],
		    "aht", -1), aht, sizeof aht),
		    client_num(v[i], "abandoned", 0), sl);
	}
	free(v);
	return y;
}

/* Up to rows calls above normal from row y; the next free row. */
static int
top_draw_calls(struct top *t, int y, int rows)
{
	const cJSON	**v;
	char		 w[32], h[32];
	size_t		 n, i;

	v = top_list(t, &t->calls, top_above, &n);
	qsort(v, n, sizeof(const cJSON *), top_by_handle);
	top_line(y++, A_BOLD, "CALLS ABOVE NORMAL (%zu)", n);
	top_line(y++, A_BOLD, "%-20s %-12s %-10s %-8s %8s %8s %5s %5s %s",
	    "CALL", "QUEUE", "AGENT", "STATE", "HANDLE", "WAIT", "HOLDS",
	    "XFERS", "LEVEL");
	for (i = 0; i < n && (int)i < rows - 2; i++) {
		const char	*lvl = client_str(v[i], "level");
		int		 p = top_pair(lvl);

		top_line(y++, t->colour && p != 0 ? COLOR_PAIR(p) : 0,
		    "%-20s %-12s %-10s %-8s %8s %8s %5.0f %5.0f %s",
		    client_str(v[i], "call_id"), client_str(v[i], "queue"),
		    client_str(v[i], "agent"), client_str(v[i], "state"),
		    client_dur(top_handle(v[i]), h, sizeof h),
		    client_dur(top_wait(v[i]), w, sizeof w),
		    client_num(v[i], "holds", 0),
		    client_num(v[i], "transfers", 0), lvl);
	}
	if ((int)n > rows - 2 && rows > 2)
		top_line(y - 1, A_DIM, "... and %zu more (callwatch calls)",
		    n - (size_t)(rows - 3));
	free(v);
	return y;
}

/* The row of the alert id among v[n]; if it is gone, row (or the last). */
static size_t
top_find(const cJSON **v, size_t n, const char *id, size_t row)
{
	size_t	 i;

	for (i = 0; i < n && id != NULL; i++)
		if (strcmp(client_str(v[i], "id"), id) == 0)
			return i;
	return n == 0 ? 0 : row < n ? row : n - 1;
}

/* The open alerts from row y down to the bottom area. */
static void
top_draw_alerts(struct top *t, int y, int rows)
{
	const cJSON	**v;
	size_t		 n, i, sel = 0, first = 0;
	time_t		 ts;
	struct tm	 tm;
	char		 hms[16];

	v = top_list(t, &t->alerts, NULL, &n);
	qsort(v, n, sizeof(const cJSON *), top_by_severity);
	/* Keep the selection on its alert; else on the row it was on. */
	sel = top_find(v, n, t->sel, t->sel_row);
	t->sel_row = sel;
	free(t->sel);
	t->sel = n > 0 ? xstrdup(client_str(v[sel], "id")) : NULL;
	top_line(y++, A_BOLD, "OPEN ALERTS (%zu)", n);
	top_line(y++, A_BOLD, "  %-8s %-8s %-9s %-12s %-20s %-10s %-13s %s",
	    "SINCE", "SEVERITY", "STATE", "QUEUE", "CALL", "AGENT", "RULE",
	    "MESSAGE");
	rows -= 2;
	if (rows > 0 && sel >= (size_t)rows)
		first = sel - (size_t)rows + 1;
	for (i = first; i < n && (int)(i - first) < rows; i++) {
		int	 p = top_pair(client_str(v[i], "severity"));
		attr_t	 a = t->colour && p != 0 ? COLOR_PAIR(p) : 0;

		if (i == sel)
			a |= A_REVERSE;
		if (strcmp(client_str(v[i], "state"), "acked") == 0)
			a |= A_DIM;
		ts = (time_t)client_num(v[i], "ts", 0);
		strftime(hms, sizeof hms, "%H:%M:%S", localtime_r(&ts, &tm));
		top_line(y++, a, "%s %-8s %-8s %-9s %-12s %-20s %-10s %-13s %s",
		    i == sel ? ">" : " ", hms, client_str(v[i], "severity"),
		    client_str(v[i], "state"), client_str(v[i], "queue"),
		    client_str(v[i], "call_id"), client_str(v[i], "agent"),
		    client_str(v[i], "rule"), client_str(v[i], "message"));
	}
	free(v);
}

/* The whole screen. */
static void
top_draw(struct top *t)
{
	char		 hms[16], stale[320] = "";
	time_t		 now = time(NULL);
	struct tm	 tm;
	int		 y, rest, calls;
	size_t		 ncalls, nalerts;

	free(top_list(t, &t->calls, NULL, &ncalls));
	free(top_list(t, &t->alerts, NULL, &nalerts));
	erase();
	strftime(hms, sizeof hms, "%H:%M:%S", localtime_r(&now, &tm));
	if (!t->f.synced)
		snprintf(stale, sizeof stale, "  OUT OF STEP: %s", t->f.err);
	else if (top_now() - t->last_msg > TOP_STALE_S)
		snprintf(stale, sizeof stale, "  NO NEWS FOR %.0fs",
		    top_now() - t->last_msg);
	top_line(0, t->colour ? COLOR_PAIR(TOP_HEAD) : A_REVERSE,
	    "callwatch top  %s  %s  %zu live calls, %zu open alerts  queue: "
	    "%s%s%*s", hms, t->c->control, ncalls, nalerts,
	    t->filter != NULL ? t->filter : "all",
	    stale, COLS, "");
	y = top_draw_queues(t, 2) + 1;
	/* What is left, less the two bottom lines: half for the calls. */
	rest = LINES - y - 2;
	calls = rest / 2;
	y = top_draw_calls(t, y, calls) + 1;
	top_draw_alerts(t, y, LINES - y - 2);
	top_line(LINES - 2, 0, "%s", t->status);
	top_line(LINES - 1, A_DIM, "up/down select   a ack   f next queue   "
	    "F all queues   q quit");
	refresh();
}

/* Ack the selected alert; the answer goes on the status line. */
static void
top_ack(struct top *t)
{
	cJSON	*req, *r;
	char	 err[256];

	if (t->sel == NULL) {
		snprintf(t->status, sizeof t->status, "no alert to ack");
		return;
	}
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", "ack");
	cJSON_AddStringToObject(req, "id", t->sel);
	cJSON_AddStringToObject(req, "by", cmd_by(NULL));
	if ((r = client_ask(t->c, req, err, sizeof err)) == NULL) {
		snprintf(t->status, sizeof t->status, "ack %s: %s", t->sel,
		    err);
		return;
	}
	snprintf(t->status, sizeof t->status, "%s acked by %s",
	    client_str(r, "id"), client_str(r, "acked_by"));
	/* Shown acked at once; the published change follows. */
	top_keep(&t->alerts, client_str(r, "id"), r);
	cJSON_Delete(r);
}

/* Show the next queue only (after the last: all of them). */
static void
top_next_queue(struct top *t)
{
	const cJSON	**v;
	size_t		 n, i;
	char		*was = t->filter;

	t->filter = NULL;
	v = top_list(t, &t->queues, NULL, &n);
	qsort(v, n, sizeof(const cJSON *), top_by_queue);
	for (i = 0; i < n && was != NULL && strcmp(client_str(v[i],
	    "queue"), was) <= 0; i++)
		;
	if (i < n)
		t->filter = xstrdup(client_str(v[i], "queue"));
	free(was);
	free(v);
}

/* Move the selection by d rows. */
static void
top_move(struct top *t, int d)
{
	const cJSON	**v;
	size_t		 n, i;

	v = top_list(t, &t->alerts, NULL, &n);
	qsort(v, n, sizeof(const cJSON *), top_by_severity);
	i = top_find(v, n, t->sel, t->sel_row);
	if (d < 0 && i > 0)
		i--;
	else if (d > 0 && i + 1 < n)
		i++;
	t->sel_row = i;
	free(t->sel);
	t->sel = n > 0 ? xstrdup(client_str(v[i], "id")) : NULL;
	free(v);
}

/* One key; false to quit. */
static bool
top_key(struct top *t, int ch)
{
	switch (ch) {
	case 'q':
	case 'Q':
		return false;
	case KEY_UP:
	case 'k':
		top_move(t, -1);
		break;
	case KEY_DOWN:
	case 'j':
		top_move(t, 1);
		break;
	case 'a':
		top_ack(t);
		break;
	case 'f':
		top_next_queue(t);
		break;
	case 'F':
		free(t->filter);
		t->filter = NULL;
		break;
	default:
		break;
	}
	return true;
}

/* top [--queue Q]. */
int
cmd_top(struct client *c, int argc, char **argv)
{
	struct top	 t;
	double		 drawn = 0;
	int		 i, ch;
	bool		 run = true;

	memset(&t, 0, sizeof t);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--queue") == 0) {
			const char *q = cmd_value(argc, argv, &i);

			if (q == NULL)
				return CW_EXIT_USAGE;
			free(t.filter);
			t.filter = xstrdup(q);
		} else {
			free(t.filter);
			return cmd_bad("top", "unknown argument", argv[i]);
		}
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		free(t.filter);
		client_err("top needs a terminal (callwatch tail, calls and "
		    "queues work without one)");
		return CW_EXIT_USAGE;
	}
	t.c = c;
	jmap_init(&t.calls);
	jmap_init(&t.alerts);
	jmap_init(&t.queues);
	t.f.on_snapshot = top_snapshot;
	t.f.on_object = top_object;
	t.f.arg = &t;
	if (follow_start(&t.f, c) == -1) {
		follow_close(&t.f);
		jmap_free(&t.calls);
		jmap_free(&t.alerts);
		jmap_free(&t.queues);
		free(t.filter);
		return CW_EXIT_DAEMON;
	}
	t.f.quiet = true;
	signal(SIGINT, top_signal);
	signal(SIGTERM, top_signal);
	setlocale(LC_ALL, "");
	initscr();
	cbreak();
	noecho();
	curs_set(0);
	keypad(stdscr, TRUE);
	timeout(0);
	if (has_colors() && getenv("NO_COLOR") == NULL) {
		start_color();
		use_default_colors();
		init_pair(TOP_CRIT, COLOR_RED, -1);
		init_pair(TOP_WARN, COLOR_YELLOW, -1);
		init_pair(TOP_INFO, COLOR_CYAN, -1);
		init_pair(TOP_HEAD, COLOR_BLACK, COLOR_CYAN);
		t.colour = true;
	}
	while (run && !top_stop) {
		bool	 key = false;

		follow_read(&t.f, TOP_TICK_MS);
		while (run && (ch = getch()) != ERR) {
			run = top_key(&t, ch);
			key = true;
		}
		if (run && (key || top_now() - drawn >= 1)) {
			top_draw(&t);
			drawn = top_now();
		}
	}
	endwin();
	follow_close(&t.f);
	jmap_free(&t.calls);
	jmap_free(&t.alerts);
	jmap_free(&t.queues);
	free(t.filter);
	free(t.sel);
	return 0;
}
