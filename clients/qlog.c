/*
 * callwatch-qlog: an Asterisk queue_log as callwatch JSON Lines, so a
 * site can replay its history through callwatchd --replay and tune its
 * thresholds.
 *
 *	callwatch-qlog [--utc] [FILE|-]
 *
 * A queue_log line is TIME|CALLID|QUEUE|AGENT|EVENT|DATA1|DATA2|...;
 * TIME is Unix seconds (Asterisk's file) or "YYYY-MM-DD HH:MM:SS[.frac]"
 * (rows exported from a realtime database; local time, or UTC with
 * --utc).  The data fields are read by position, so the old layouts
 * (CONNECT with two fields, TRANSFER) and the newer ones (CONNECT with
 * the ring time, ENTERQUEUE with the position, BLINDTRANSFER and
 * ATTENDEDTRANSFER) both work.  The file is read twice, the first time
 * to learn each call's last line: a transfer that is a call's last line
 * ends the call there (the queue's part of it is over), one followed by
 * more lines (the caller entered another queue) leaves it open.  Bad
 * lines are reported as FILE:LINE: reason on stderr and skipped.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "bridge.h"
#include "client.h"
#include "cw.h"

#define QLOG_MAX_FIELDS	12
#define QLOG_MAX_LINE	4096

/* A call's last line number (first pass). */
struct qcall {
	unsigned long	 last;
	char		 id[];
};

struct qlog {
	const char	*name;		/* for messages */
	bool		 utc;
	struct smap	 calls;
	unsigned long	 events, bad, ignored;
};

static const char *
qcall_key(const void *v)
{
	return ((const struct qcall *)v)->id;
}

/* Split line at '|' into at most QLOG_MAX_FIELDS fields; how many. */
static int
qlog_split(char *line, char **f)
{
	int	 n = 0;

	f[n++] = line;
	while (n < QLOG_MAX_FIELDS && (line = strchr(line, '|')) != NULL) {
		*line++ = '\0';
		f[n++] = line;
	}
	return n;
}

/* The line's time in seconds, or -1. */
static double
qlog_time(const struct qlog *q, const char *s)
{
	struct tm	 tm;
	char		*end;
	double		 t, frac = 0;
	time_t		 tt;

	t = strtod(s, &end);
	if (end != s && *end == '\0')
		return t >= 0 && t < 4102444800.0 ? t : -1;
	memset(&tm, 0, sizeof tm);
	if ((end = strptime(s, "%Y-%m-%d %H:%M:%S", &tm)) == NULL)
		return -1;
	if (*end == '.') {
		frac = strtod(end, &end);
	}
	if (*end != '\0')
		return -1;
	tm.tm_isdst = -1;
	tt = q->utc ? timegm(&tm) : mktime(&tm);
	return tt == (time_t)-1 ? -1 : (double)tt + frac;
}

/* A number field (seconds, counts), or -1 when empty or not one. */
static double
qlog_num(char **f, int n, int i)
{
	char	*end;
	double	 v;

	if (i >= n || f[i][0] == '\0')
		return -1;
	v = strtod(f[i], &end);
	return *end == '\0' && v >= 0 ? v : -1;
}

/* The agent as a floor knows it: Local/2004@from-internal/n is 2004. */
static void
qlog_agent(cJSON *o, const char *a)
{
	char		 buf[256];
	const char	*at;

	if (a[0] == '\0' || strcmp(a, "NONE") == 0)
		return;
	if (strncmp(a, "Local/", 6) == 0 && (at = strchr(a, '@')) != NULL) {
		snprintf(buf, sizeof buf, "%.*s", (int)(at - a - 6), a + 6);
		cJSON_AddStringToObject(o, "agent", buf);
	} else
		cJSON_AddStringToObject(o, "agent", a);
}

/* A new event for the line's call. */
static cJSON *
qlog_event(const char *type, char **f, double t)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "type", type);
	cJSON_AddStringToObject(o, "call_id", f[1]);
	cJSON_AddNumberToObject(o, "ts", t);
	if (f[2][0] != '\0' && strcmp(f[2], "NONE") != 0)
		cJSON_AddStringToObject(o, "queue", f[2]);
	return o;
}

/* Print and free o. */
static void
qlog_emit(struct qlog *q, cJSON *o)
{
	char	*s = cJSON_PrintUnformatted(o);

	printf("%s\n", s);
	cJSON_free(s);
	cJSON_Delete(o);
	q->events++;
}

/* A time figure t - secs, when secs is known. */
static void
qlog_since(cJSON *o, const char *name, double t, double secs)
{
	if (secs >= 0 && secs <= t)
		cJSON_AddNumberToObject(o, name, t - secs);
}

/* The end of the call's handling at t: hangup and wrap-up done. */
static void
qlog_end(struct qlog *q, char **f, double t, double talk)
{
	cJSON	*o = qlog_event("hangup", f, t);

	qlog_since(o, "answered_at", t, talk);
	qlog_emit(q, o);
	qlog_emit(q, qlog_event("wrapup_end", f, t));
}

/* Whether line number ln is the call's last. */
static bool
qlog_is_last(const struct qlog *q, const char *id, unsigned long ln)
{
	size_t		 len = strlen(id);
	struct qcall	*c = smap_find(&q->calls, id, len,
			    smap_hash(&q->calls, id, len));

	return c == NULL || c->last <= ln;
}

/* Complain about line ln. */
static void
qlog_bad(struct qlog *q, unsigned long ln, const char *why)
{
	fprintf(stderr, "%s:%lu: %s\n", q->name, ln, why);
	q->bad++;
}

/*
 * One line (second pass): the events it stands for.  The fields:
 * f[0] time, f[1] call id, f[2] queue, f[3] agent, f[4] event, f[5...]
 * the event's data.
 */
static void
qlog_line(struct qlog *q, char *line, unsigned long ln)
{
	char	*f[QLOG_MAX_FIELDS], to[256];
	const char *ev, *caller;
	double	 t;
	cJSON	*o;
	int	 n, link;

	n = qlog_split(line, f);
	if (n < 5) {
		qlog_bad(q, ln, "not a queue_log line (TIME|CALLID|QUEUE|"
		    "AGENT|EVENT|...)");
		return;
	}
	if ((t = qlog_time(q, f[0])) < 0) {
		qlog_bad(q, ln, "the time is neither Unix seconds nor "
		    "YYYY-MM-DD HH:MM:SS");
		return;
	}
	ev = f[4];
	if (strcmp(f[1], "NONE") == 0 || f[1][0] == '\0' ||
	    strlen(f[1]) > CW_MAX_NAME) {
		q->ignored++;		/* QUEUESTART, CONFIGRELOAD, ... */
		return;
	}
	if (strcmp(ev, "ENTERQUEUE") == 0) {
		/* ENTERQUEUE|url|callerid[|position] */
		o = qlog_event("queued", f, t);
		caller = n > 6 ? f[6] : "";
		if (caller[0] != '\0' && strcmp(caller, "anonymous") != 0 &&
		    strcmp(caller, "unknown") != 0 &&
		    strcmp(caller, "<unknown>") != 0)
			cJSON_AddStringToObject(o, "caller", caller);
		qlog_emit(q, o);
	} else if (strcmp(ev, "CONNECT") == 0) {
		/* CONNECT|holdtime|bridgedchanneluniqueid[|ringtime] */
		o = qlog_event("answered", f, t);
		qlog_agent(o, f[3]);
		qlog_since(o, "queued_at", t, qlog_num(f, n, 5));
		cJSON_AddNumberToObject(o, "answered_at", t);
		qlog_emit(q, o);
	} else if (strcmp(ev, "COMPLETECALLER") == 0 ||
	    strcmp(ev, "COMPLETEAGENT") == 0) {
		/* COMPLETE*|holdtime|calltime|origposition */
		qlog_end(q, f, t, qlog_num(f, n, 6));
	} else if (strcmp(ev, "ABANDON") == 0 ||
	    strcmp(ev, "EXITWITHTIMEOUT") == 0 ||
	    strcmp(ev, "EXITEMPTY") == 0 || strcmp(ev, "EXITWITHKEY") == 0) {
		/* ABANDON|position|origposition|waittime (EXITWITHTIMEOUT:
		 * position|origposition|waittime in newer versions),
		 * EXITWITHKEY|key|position|origposition|waittime */
		o = qlog_event("abandoned", f, t);
		qlog_since(o, "queued_at", t, qlog_num(f, n,
		    strcmp(ev, "EXITWITHKEY") == 0 ? 8 : 7));
		qlog_emit(q, o);
	} else if (strcmp(ev, "BLINDTRANSFER") == 0 ||
	    strcmp(ev, "TRANSFER") == 0 ||
	    strcmp(ev, "ATTENDEDTRANSFER") == 0) {
		/* BLINDTRANSFER|extension|context|holdtime|calltime|pos,
		 * TRANSFER|extension|context|holdtime|calltime,
		 * ATTENDEDTRANSFER|method|data|holdtime|calltime|pos, but
		 * ATTENDEDTRANSFER|LINK|channel|target channel|holdtime|... */
		o = qlog_event("transferred", f, t);
		link = strcmp(ev, "ATTENDEDTRANSFER") == 0 && n > 5 &&
		    strcmp(f[5], "LINK") == 0;
		if (strcmp(ev, "ATTENDEDTRANSFER") == 0)
			snprintf(to, sizeof to, "%s", n > 6 + link ?
			    f[6 + link] : "");
		else
			snprintf(to, sizeof to, "%s%s%s", n > 5 ? f[5] : "",
			    n > 6 && f[6][0] != '\0' ? "@" : "",
			    n > 6 ? f[6] : "");
		if (to[0] != '\0')
			cJSON_AddStringToObject(o, "to_agent", to);
		qlog_emit(q, o);
		if (qlog_is_last(q, f[1], ln))
			qlog_end(q, f, t, qlog_num(f, n, 8 + link));
	} else
		q->ignored++;		/* RINGNOANSWER, AGENTLOGIN, ... */
}

/* Read fp to its end, line by line, into fn. */
static void
qlog_pass(struct qlog *q, FILE *fp,
    void (*fn)(struct qlog *, char *, unsigned long))
{
	char		*line = NULL;
	size_t		 cap = 0;
	ssize_t		 len;
	unsigned long	 ln = 0;

	while ((len = getline(&line, &cap, fp)) != -1) {
		ln++;
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		/* The PBX's bytes: the daemon takes only UTF-8. */
		bridge_clean_utf8(line);
		if (len > QLOG_MAX_LINE) {
			if (fn == qlog_line)
				qlog_bad(q, ln, "line too long");
			continue;
		}
		fn(q, line, ln);
	}
	free(line);
}

/* First pass: remember each call's last line. */
static void
qlog_learn(struct qlog *q, char *line, unsigned long ln)
{
	char		*bar = strchr(line, '|'), *end;
	struct qcall	*c;
	size_t		 len;
	uint64_t	 h;

	if (bar == NULL || (end = strchr(bar + 1, '|')) == NULL)
		return;
	len = (size_t)(end - bar - 1);
	h = smap_hash(&q->calls, bar + 1, len);
	if ((c = smap_find(&q->calls, bar + 1, len, h)) == NULL) {
		c = xmalloc(sizeof *c + len + 1);
		memcpy(c->id, bar + 1, len);
		c->id[len] = '\0';
		smap_add(&q->calls, c, h);
	}
	c->last = ln;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: callwatch-qlog [--utc] [FILE|-]\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "utc", no_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct qlog	 q;
	struct qcall	*c;
	FILE		*fp, *tmp = NULL;
	char		 buf[65536];
	size_t		 n, it = 0;
	int		 ch;

	memset(&q, 0, sizeof q);
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'u':
			q.utc = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind > 1) {
		usage(stderr);
		return 2;
	}
	q.name = optind < argc ? argv[optind] : "-";
	if (strcmp(q.name, "-") == 0) {
		/* Two passes need a file: keep stdin in a temporary one. */
		if ((tmp = tmpfile()) == NULL)
			fatalx("tmpfile: %s", strerror(errno));
		while ((n = fread(buf, 1, sizeof buf, stdin)) > 0)
			if (fwrite(buf, 1, n, tmp) != n)
				fatalx("tmpfile: %s", strerror(errno));
		fp = tmp;
		q.name = "(stdin)";
	} else if ((fp = fopen(q.name, "r")) == NULL) {
		fprintf(stderr, "callwatch-qlog: %s: %s\n", q.name,
		    strerror(errno));
		return 1;
	}
	smap_init(&q.calls, qcall_key, (uint64_t)time(NULL));
	rewind(fp);
	qlog_pass(&q, fp, qlog_learn);
	rewind(fp);
	qlog_pass(&q, fp, qlog_line);
	fclose(fp);
	while ((c = smap_next(&q.calls, &it)) != NULL)
		free(c);
	smap_free(&q.calls);
	fprintf(stderr, "callwatch-qlog: %lu events from %s; %lu lines "
	    "skipped as bad, %lu not about calls' progress\n", q.events,
	    q.name, q.bad, q.ignored);
	return fflush(stdout) == 0 ? 0 : 1;
}
