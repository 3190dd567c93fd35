/*
 * bankcheck: the oracle for replaying the "Anonymous Bank" month.  It
 * computes, from the TSV alone, every long_call, long_wait and
 * repeat_caller alert change that `callwatchd --replay` must print for the
 * events bank2jsonl makes of that file (config tests/conf/replay-bank.yaml:
 * clock event, wrapup false, default tiers, default repeat_window 7d), and
 * compares them with what the daemon printed.
 *
 *	bankcheck FILE.tsv REPLAY_OUTPUT.jsonl	compare; exit 0 on a match
 *	bankcheck -e FILE.tsv			print the expected changes as
 *						replay output (for self-tests)
 *
 * Exit 0: exact match.  1: a mismatch.  2: usage, or a file that cannot be
 * read.
 *
 * The TSV parsing here is written apart from bank2jsonl on purpose (columns
 * found by header name, its own date arithmetic): the same mapping, two
 * implementations, so one bug cannot hide in both.  The mapping (see
 * bank2jsonl.c for the full text): call_id "<vru+line>-<call_id>", queue =
 * type, caller = customer_id unless "0" (unknown), all times UTC on the
 * row's date, 0:00:00 = did not happen.  Queued at Q = q_start.  AGENT:
 * answered at A = ser_start (q_exit if queued, else vru_exit, when
 * ser_start is 0:00:00; Q if earlier than Q), ends at H = A + ser_time.
 * HANG with a queue: abandoned at X = Q + q_time.  HANG without a queue,
 * PHANTOM: no call.  Rows are skipped by the same rules as bank2jsonl's
 * (field count, names, date, clocks, seconds, outcome, a repeated
 * call_id).
 *
 * Expected alert changes (SPEC 4.2, 5; lines crossed strictly):
 *  - long_call, handle h = H - A: for each line L of 240 info, 480
 *    warning, 960 critical with A + L < H, a change at A + L, "firing"
 *    for the first and "escalated" after, value = threshold = L; if any,
 *    "resolved" at H with value h and the last line's threshold and
 *    severity.
 *  - long_wait, wait from Q to E = A or X: lines 60 warning, 180
 *    critical, the same way.
 *  - repeat_caller: a call that has events and a caller starts at S = Q
 *    if queued, else A (its first event, the one bank2jsonl puts the
 *    caller on).  If another call of the same caller started at S' < S
 *    (strictly) with S - S' <= 604800 (7 days), take the greatest such
 *    S': "firing" info at S, value = S - S', threshold = 604800; then
 *    "resolved" info at the call's end (H or X), the same value and
 *    threshold.  Callers are compared as written (so the few a
 *    spreadsheet turned into "6.02701E+11" are one caller).
 *  - A call with no end (none in this data) gets the changes at lines
 *    strictly before the last event of the file (repeat_caller: its
 *    firing), and no resolution.
 *
 * Checks on the replay output: every line is a JSON object whose seq is
 * one more than the line before; alert lines never go back in ts; for
 * rules long_call, long_wait and repeat_caller each change has id =
 * "<call_id>/<rule>", the changes of one id come in ts order, and the
 * multiset of (id, state, severity, ts, value, threshold) equals the
 * expected one, numbers within 1 ms.  Other kinds and rules are ignored.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#define BANKCHECK_TOL		0.001	/* seconds */
#define BANKCHECK_SHOW		20	/* missing/unexpected listed */
#define BANKCHECK_MAXFIELDS	64
#define BANKCHECK_MAXNAME	128
#define BANKCHECK_REPEAT	604800	/* repeat_window 7d, seconds */

/* A line crossed by a figure, and the severity it brings. */
struct bankcheck_line {
	int		 at;		/* seconds */
	const char	*severity;
};

static const struct bankcheck_line bankcheck_call_lines[] = {
	{ 240, "info" }, { 480, "warning" }, { 960, "critical" }
};
static const struct bankcheck_line bankcheck_wait_lines[] = {
	{ 60, "warning" }, { 180, "critical" }
};

static const char *const bankcheck_rules[] = {
	"long_call", "long_wait", "repeat_caller"
};
static const char *const bankcheck_states[] = {
	"firing", "escalated", "resolved"
};
static const char *const bankcheck_sevs[] = { "info", "warning", "critical" };

/* One call as the oracle sees it. */
struct bankcheck_call {
	char	*call_id;	/* "<vru+line>-<call_id>" */
	char	*queue;		/* type column */
	char	*caller;	/* customer_id; NULL for "0" (unknown) */
	size_t	 line;		/* line in the TSV */
	bool	 queued;	/* has Q */
	bool	 answered;	/* has A */
	bool	 ended;		/* has an end (H or X) */
	bool	 dup;		/* repeats an earlier call_id: ignored */
	bool	 phantom;	/* PHANTOM row: no events */
	int64_t	 q, a, end;	/* queued, answered, hangup/abandoned */
};

/* One alert change, expected or printed. */
struct bankcheck_change {
	char	*id;		/* "<call_id>/<rule>" */
	char	*rule;
	char	*state;
	char	*severity;
	char	*queue;		/* for -e only */
	double	 ts;
	double	 value;
	double	 threshold;
	size_t	 order;		/* output line, or generation order */
};

/* A growing array of changes. */
struct bankcheck_set {
	struct bankcheck_change	*v;		/* the changes */
	size_t			 n;		/* used */
	size_t			 cap;		/* allocated */
};

/* Everything one run knows. */
struct bankcheck {
	struct bankcheck_call	*calls;		/* one per good row */
	size_t			 ncalls;	/* used */
	size_t			 capcalls;	/* allocated */
	size_t			 rows;		/* data rows */
	size_t			 skipped;	/* bad or repeated rows */
	size_t			 nphantom;	/* PHANTOM rows */
	size_t			 nhang_unq;	/* HANG rows with no queue */
	size_t			 nknown;	/* calls with a caller */
	size_t			 ncallers;	/* distinct callers of those */
	int64_t			 last;		/* last event ts */
	struct bankcheck_set	 want;		/* expected changes */
	struct bankcheck_set	 got;		/* printed changes */
	size_t			 out_lines;	/* replay output lines */
	size_t			 out_alerts;	/* alert lines, any rule */
	size_t			 malformed;	/* unusable output lines */
	size_t			 seq_errors;	/* seq not +1 */
	size_t			 ts_back;	/* alert ts going back */
	size_t			 id_order;	/* an id's changes unsorted */
	size_t			 missing;
	size_t			 unexpected;
};

/* Allocate or die. */
static void *
bankcheck_alloc(void *p, size_t n, size_t size)
{
	if (n != 0 && size > SIZE_MAX / n) {
		fprintf(stderr, "bankcheck: allocation overflow\n");
		exit(2);
	}
	if ((p = realloc(p, n * size == 0 ? 1 : n * size)) == NULL) {
		fprintf(stderr, "bankcheck: out of memory\n");
		exit(2);
	}
	return p;
}

/* strdup or die. */
static char *
bankcheck_strdup(const char *s)
{
	char	*p = strdup(s);

	if (p == NULL) {
		fprintf(stderr, "bankcheck: out of memory\n");
		exit(2);
	}
	return p;
}

/* Read a whole file into a NUL-terminated buffer. */
static char *
bankcheck_slurp(const char *path, size_t *lenp)
{
	FILE	*fp;
	char	*buf = NULL;
	size_t	 len = 0, cap = 0, n;

	if ((fp = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "bankcheck: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	do {
		if (cap - len < 65536) {
			cap = cap == 0 ? 1 << 20 : cap * 2;
			buf = bankcheck_alloc(buf, cap + 1, 1);
		}
		n = fread(buf + len, 1, cap - len, fp);
		len += n;
	} while (n > 0);
	if (ferror(fp)) {
		fprintf(stderr, "bankcheck: %s: %s\n", path, strerror(errno));
		fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	if (buf == NULL)
		buf = bankcheck_alloc(NULL, 1, 1);
	buf[len] = '\0';
	*lenp = len;
	return buf;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t
bankcheck_days(int64_t y, int64_t m, int64_t d)
{
	int64_t	 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* YYMMDD to the epoch second of its midnight (UTC); -1 if not a date. */
static int64_t
bankcheck_date(const char *s)
{
	static const int	 mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	int			 y, m, d, i;

	for (i = 0; i < 6; i++)
		if (!isdigit((unsigned char)s[i]))
			return -1;
	if (s[6] != '\0')
		return -1;
	y = (s[0] - '0') * 10 + s[1] - '0';
	m = (s[2] - '0') * 10 + s[3] - '0';
	d = (s[4] - '0') * 10 + s[5] - '0';
	y += y < 70 ? 2000 : 1900;
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -1;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 ||
	    y % 400 == 0)))
		return -1;
	return bankcheck_days(y, m, d) * 86400;
}

/* H:MM:SS or HH:MM:SS within a day to seconds; -1 if not one. */
static int64_t
bankcheck_hms(const char *s)
{
	size_t	 len = strlen(s), i;
	int64_t	 h, m, sec;

	if (len != 7 && len != 8)
		return -1;
	for (i = 0; i < len; i++) {
		if (i == len - 3 || i == len - 6) {
			if (s[i] != ':')
				return -1;
		} else if (!isdigit((unsigned char)s[i]))
			return -1;
	}
	h = strtol(s, NULL, 10);
	m = strtol(s + len - 5, NULL, 10);
	sec = strtol(s + len - 2, NULL, 10);
	if (h > 23 || m > 59 || sec > 59)
		return -1;
	return h * 3600 + m * 60 + sec;
}

/* A count of seconds (1 to 9 digits); -1 if not one. */
static int64_t
bankcheck_count(const char *s)
{
	size_t	 len = strspn(s, "0123456789");

	if (len == 0 || len > 9 || s[len] != '\0')
		return -1;
	return strtol(s, NULL, 10);
}

/* Column indexes found by header name. */
struct bankcheck_cols {
	int	 vru, id, cust;		/* vru+line, call_id, customer_id */
	int	 type, date;		/* type, date */
	int	 vin, vout;		/* vru_entry, vru_exit */
	int	 qs, qx, qt;		/* q_start, q_exit, q_time */
	int	 outcome;		/* outcome */
	int	 ss, sx, st;		/* ser_start, ser_exit, ser_time */
	int	 server;		/* server */
	int	 nfields;		/* fields in the header */
};

/* Find each needed column in the header fields; -1 if one is missing. */
static int
bankcheck_header(char **f, int n, struct bankcheck_cols *c)
{
	static const char *const names[] = { "vru+line", "call_id",
	    "customer_id", "type", "date", "vru_entry", "vru_exit", "q_start",
	    "q_exit", "q_time", "outcome", "ser_start", "ser_exit",
	    "ser_time", "server" };
	int	*slot[] = { &c->vru, &c->id, &c->cust, &c->type, &c->date,
	    &c->vin, &c->vout, &c->qs, &c->qx, &c->qt, &c->outcome, &c->ss,
	    &c->sx, &c->st, &c->server };
	size_t	 k;
	int	 i;

	c->nfields = n;
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		*slot[k] = -1;
		for (i = 0; i < n; i++)
			if (strcmp(f[i], names[k]) == 0)
				*slot[k] = i;
		if (*slot[k] == -1) {
			fprintf(stderr, "bankcheck: no column %s\n", names[k]);
			return -1;
		}
	}
	return 0;
}

/* Cut one line at tabs, in place; return the field count. */
static int
bankcheck_fields(char *s, char **f)
{
	int	 n = 0;

	for (;;) {
		if (n < BANKCHECK_MAXFIELDS)
			f[n] = s;
		n++;
		if ((s = strchr(s, '\t')) == NULL)
			return n;
		*s++ = '\0';
	}
}

/* True if s is a usable name (1 to 128 bytes). */
static bool
bankcheck_name_ok(const char *s)
{
	return s[0] != '\0' && strlen(s) <= BANKCHECK_MAXNAME;
}

/*
 * Make a call from a row's fields; -1 if the row is bad.  PHANTOM rows and
 * HANG rows without a queue are kept (a later row may repeat their
 * call_id) but have no events.
 */
static int
bankcheck_row(struct bankcheck *k, const struct bankcheck_cols *c,
    char **f, size_t line)
{
	struct bankcheck_call	 call;
	int64_t			 day, t[6], qt, st;
	const int		 clk[6] = { c->vin, c->vout, c->qs, c->qx,
	    c->ss, c->sx };
	const char		*out = f[c->outcome];
	int			 i;

	if (!bankcheck_name_ok(f[c->vru]) || !bankcheck_name_ok(f[c->id]) ||
	    !bankcheck_name_ok(f[c->cust]) || !bankcheck_name_ok(f[c->type]) ||
	    !bankcheck_name_ok(f[c->server]) ||
	    strlen(f[c->vru]) + strlen(f[c->id]) >= BANKCHECK_MAXNAME)
		return -1;
	if ((day = bankcheck_date(f[c->date])) == -1)
		return -1;
	for (i = 0; i < 6; i++)
		if ((t[i] = bankcheck_hms(f[clk[i]])) == -1)
			return -1;
	if ((qt = bankcheck_count(f[c->qt])) == -1 ||
	    (st = bankcheck_count(f[c->st])) == -1)
		return -1;
	if (strcmp(out, "AGENT") != 0 && strcmp(out, "HANG") != 0 &&
	    strcmp(out, "PHANTOM") != 0)
		return -1;
	memset(&call, 0, sizeof(call));
	call.line = line;
	call.phantom = strcmp(out, "PHANTOM") == 0;
	call.queued = !call.phantom && t[2] != 0;
	call.q = day + t[2];
	if (strcmp(out, "AGENT") == 0) {
		call.answered = call.ended = true;
		if (t[4] != 0)
			call.a = day + t[4];
		else if (call.queued)
			call.a = day + t[3];
		else
			call.a = day + t[1];
		if (call.queued && call.a < call.q)
			call.a = call.q;
		call.end = call.a + st;
	} else if (call.queued) {
		call.ended = true;
		call.end = call.q + qt;
	}
	if (asprintf(&call.call_id, "%s-%s", f[c->vru], f[c->id]) == -1)
		exit(2);
	call.queue = bankcheck_strdup(f[c->type]);
	if (strcmp(f[c->cust], "0") != 0)
		call.caller = bankcheck_strdup(f[c->cust]);
	if (k->ncalls == k->capcalls) {
		k->capcalls = k->capcalls ? k->capcalls * 2 : 4096;
		k->calls = bankcheck_alloc(k->calls, k->capcalls,
		    sizeof(*k->calls));
	}
	k->calls[k->ncalls++] = call;
	return 0;
}

/* Order calls by call_id, then line. */
static int
bankcheck_cmp_call(const void *pa, const void *pb)
{
	const struct bankcheck_call	*a = pa, *b = pb;
	int				 c = strcmp(a->call_id, b->call_id);

	if (c != 0)
		return c;
	return (a->line > b->line) - (a->line < b->line);
}

/* Order calls by line. */
static int
bankcheck_cmp_line(const void *pa, const void *pb)
{
	const struct bankcheck_call	*a = pa, *b = pb;

	return (a->line > b->line) - (a->line < b->line);
}

/* Read the TSV into calls; -1 if it cannot be used at all. */
static int
bankcheck_tsv(struct bankcheck *k, const char *path)
{
	struct bankcheck_cols	 c;
	char			*buf, *p, *nl, *f[BANKCHECK_MAXFIELDS];
	size_t			 len, line = 0, i;
	int			 n;
	bool			 header = true;

	if ((buf = bankcheck_slurp(path, &len)) == NULL)
		return -1;
	for (p = buf; p < buf + len; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(buf + len - p))) == NULL)
			nl = buf + len;
		*nl = '\0';
		if (nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		line++;
		n = bankcheck_fields(p, f);
		if (header) {
			header = false;
			if (n > BANKCHECK_MAXFIELDS ||
			    bankcheck_header(f, n, &c) == -1) {
				fprintf(stderr, "bankcheck: %s: bad header\n",
				    path);
				free(buf);
				return -1;
			}
			continue;
		}
		if (n == 1 && f[0][0] == '\0')
			continue;	/* blank line */
		k->rows++;
		if (n != c.nfields || bankcheck_row(k, &c, f, line) == -1)
			k->skipped++;
	}
	free(buf);
	if (header) {
		fprintf(stderr, "bankcheck: %s: empty file\n", path);
		return -1;
	}
	/* A repeated call_id: the first row wins, like bank2jsonl. */
	qsort(k->calls, k->ncalls, sizeof(*k->calls), bankcheck_cmp_call);
	for (i = 1; i < k->ncalls; i++)
		if (strcmp(k->calls[i].call_id, k->calls[i - 1].call_id) == 0) {
			k->calls[i].dup = true;
			k->skipped++;
		}
	qsort(k->calls, k->ncalls, sizeof(*k->calls), bankcheck_cmp_line);
	for (i = 0; i < k->ncalls; i++) {
		if (k->calls[i].dup)
			continue;
		k->nphantom += k->calls[i].phantom;
		k->nhang_unq += !k->calls[i].phantom && !k->calls[i].ended;
	}
	return 0;
}

/* Append a change to a set (the strings are copied). */
static void
bankcheck_push(struct bankcheck_set *s, const char *id, const char *rule,
    const char *state, const char *sev, double ts, double value,
    double threshold)
{
	struct bankcheck_change	*c;

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 4096;
		s->v = bankcheck_alloc(s->v, s->cap, sizeof(*s->v));
	}
	c = &s->v[s->n];
	c->id = bankcheck_strdup(id);
	c->rule = bankcheck_strdup(rule);
	c->state = bankcheck_strdup(state);
	c->severity = bankcheck_strdup(sev);
	c->queue = NULL;
	c->ts = ts;
	c->value = value;
	c->threshold = threshold;
	c->order = s->n;
	s->n++;
}

/*
 * The changes of one rule for one call: the figure runs from start to end
 * (or, if the call never ended, is cut at the file's last event).
 */
static void
bankcheck_expect(struct bankcheck *k, const struct bankcheck_call *call,
    const char *rule, const struct bankcheck_line *lines, size_t nlines,
    int64_t start, bool ended, int64_t end)
{
	int64_t	 limit = ended ? end : k->last;
	char	*id;
	size_t	 i, first = k->want.n;
	int	 last = -1;

	if (asprintf(&id, "%s/%s", call->call_id, rule) == -1)
		exit(2);
	for (i = 0; i < nlines; i++) {
		if (!(start + lines[i].at < limit))
			break;
		bankcheck_push(&k->want, id, rule, last == -1 ? "firing" :
		    "escalated", lines[i].severity, (double)(start +
		    lines[i].at), lines[i].at, lines[i].at);
		last = (int)i;
	}
	if (ended && last != -1)
		bankcheck_push(&k->want, id, rule, "resolved",
		    lines[last].severity, (double)end, (double)(end - start),
		    lines[last].at);
	for (i = first; i < k->want.n; i++)
		k->want.v[i].queue = bankcheck_strdup(call->queue);
	free(id);
}

/* True if a call has events: not repeated, PHANTOM or HANG unqueued. */
static bool
bankcheck_has_events(const struct bankcheck_call *c)
{
	return !c->dup && (c->queued || c->answered);
}

/* A call's start S: its first event, queued if it queued, else answered. */
static int64_t
bankcheck_start(const struct bankcheck_call *c)
{
	return c->queued ? c->q : c->a;
}

/* Order call pointers by caller, then start, then line. */
static int
bankcheck_cmp_caller(const void *pa, const void *pb)
{
	const struct bankcheck_call	*a, *b;
	int64_t				 sa, sb;
	int				 c;

	a = *(struct bankcheck_call *const *)pa;
	b = *(struct bankcheck_call *const *)pb;
	if ((c = strcmp(a->caller, b->caller)) != 0)
		return c;
	sa = bankcheck_start(a);
	sb = bankcheck_start(b);
	if (sa != sb)
		return sa < sb ? -1 : 1;
	return (a->line > b->line) - (a->line < b->line);
}

/* Append one repeat_caller change of a call. */
static void
bankcheck_push_repeat(struct bankcheck *k, const struct bankcheck_call *c,
    const char *state, int64_t ts, int64_t gap)
{
	char	*id;

	if (asprintf(&id, "%s/repeat_caller", c->call_id) == -1)
		exit(2);
	bankcheck_push(&k->want, id, "repeat_caller", state, "info",
	    (double)ts, (double)gap, BANKCHECK_REPEAT);
	k->want.v[k->want.n - 1].queue = bankcheck_strdup(c->queue);
	free(id);
}

/*
 * The repeat_caller changes.  With the calls of a caller sorted by start,
 * the greatest start strictly below a call's is that of the run of equal
 * starts just before its own: calls starting in the same second are not
 * repeats of each other.
 */
static void
bankcheck_expect_repeats(struct bankcheck *k)
{
	struct bankcheck_call	**by, *c;
	size_t			  i, n = 0;
	int64_t			  s, cur = 0, before = 0;
	bool			  have_before = false;

	by = bankcheck_alloc(NULL, k->ncalls, sizeof(*by));
	for (i = 0; i < k->ncalls; i++)
		if (bankcheck_has_events(&k->calls[i]) &&
		    k->calls[i].caller != NULL)
			by[n++] = &k->calls[i];
	k->nknown = n;
	qsort(by, n, sizeof(*by), bankcheck_cmp_caller);
	for (i = 0; i < n; i++) {
		c = by[i];
		s = bankcheck_start(c);
		if (i == 0 || strcmp(c->caller, by[i - 1]->caller) != 0) {
			k->ncallers++;
			have_before = false;
			cur = s;
		} else if (s != cur) {
			have_before = true;
			before = cur;
			cur = s;
		}
		if (!have_before || s - before > BANKCHECK_REPEAT)
			continue;
		bankcheck_push_repeat(k, c, "firing", s, s - before);
		if (c->ended)
			bankcheck_push_repeat(k, c, "resolved", c->end,
			    s - before);
	}
	free(by);
}

/* Compute every expected change from the calls. */
static void
bankcheck_expect_all(struct bankcheck *k)
{
	const struct bankcheck_call	*c;
	size_t				 i;

	k->last = INT64_MIN;
	for (i = 0; i < k->ncalls; i++) {
		c = &k->calls[i];
		if (c->dup)
			continue;
		if (c->queued && c->q > k->last)
			k->last = c->q;
		if (c->answered && c->a > k->last)
			k->last = c->a;
		if (c->ended && c->end > k->last)
			k->last = c->end;
	}
	for (i = 0; i < k->ncalls; i++) {
		c = &k->calls[i];
		if (c->dup)
			continue;
		if (c->answered)
			bankcheck_expect(k, c, "long_call",
			    bankcheck_call_lines, 3, c->a, c->ended, c->end);
		if (c->queued)
			bankcheck_expect(k, c, "long_wait",
			    bankcheck_wait_lines, 2, c->q,
			    c->answered || c->ended, c->answered ? c->a :
			    c->end);
	}
	bankcheck_expect_repeats(k);
}

/* Get a string member, or NULL. */
static const char *
bankcheck_str(const cJSON *o, const char *name)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Get a number member into *d; -1 if absent or not a number. */
static int
bankcheck_num(const cJSON *o, const char *name, double *d)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!cJSON_IsNumber(v))
		return -1;
	*d = v->valuedouble;
	return 0;
}

/* Count an unusable output line, naming the first few. */
static void
bankcheck_bad_line(struct bankcheck *k, size_t line, const char *why)
{
	if (k->malformed < 5)
		printf("bankcheck: output line %zu: %s\n", line, why);
	k->malformed++;
}

/* Take one alert object of our rules into the printed set. */
static void
bankcheck_take_alert(struct bankcheck *k, const cJSON *o, size_t line,
    const char *rule)
{
	const char	*id = bankcheck_str(o, "id");
	const char	*state = bankcheck_str(o, "state");
	const char	*sev = bankcheck_str(o, "severity");
	const char	*call_id = bankcheck_str(o, "call_id");
	double		 ts, value, threshold;
	size_t		 n;

	if (id == NULL || state == NULL || sev == NULL || call_id == NULL ||
	    bankcheck_num(o, "ts", &ts) == -1 ||
	    bankcheck_num(o, "value", &value) == -1 ||
	    bankcheck_num(o, "threshold", &threshold) == -1) {
		bankcheck_bad_line(k, line, "alert without id, state, "
		    "severity, call_id, ts, value or threshold");
		return;
	}
	n = strlen(call_id);
	if (strncmp(id, call_id, n) != 0 || id[n] != '/' ||
	    strcmp(id + n + 1, rule) != 0) {
		bankcheck_bad_line(k, line, "alert id is not call_id/rule");
		return;
	}
	bankcheck_push(&k->got, id, rule, state, sev, ts, value, threshold);
	k->got.v[k->got.n - 1].order = line;
}

/* One alert line: its ts against the last one, and ours taken. */
static void
bankcheck_alert(struct bankcheck *k, const cJSON *o, size_t line,
    double *prev_ts)
{
	const char	*rule = bankcheck_str(o, "rule");
	double		 ts;

	k->out_alerts++;
	if (bankcheck_num(o, "ts", &ts) == 0) {
		if (ts < *prev_ts) {
			if (k->ts_back < 5)
				printf("bankcheck: output line %zu: alert ts "
				    "%.3f before %.3f\n", line, ts, *prev_ts);
			k->ts_back++;
		}
		*prev_ts = ts;
	}
	if (rule == NULL)
		bankcheck_bad_line(k, line, "alert without rule");
	else if (strcmp(rule, "long_call") == 0 ||
	    strcmp(rule, "long_wait") == 0 ||
	    strcmp(rule, "repeat_caller") == 0)
		bankcheck_take_alert(k, o, line, rule);
}

/* Read the replay output; -1 if it cannot be read. */
static int
bankcheck_output(struct bankcheck *k, const char *path)
{
	FILE		*fp;
	char		*buf = NULL;
	size_t		 cap = 0, line = 0;
	ssize_t		 n;
	cJSON		*o;
	const char	*kind;
	double		 seq, prev_seq = 0, prev_ts = -INFINITY;
	bool		 have_seq = false;

	if ((fp = fopen(path, "r")) == NULL) {
		fprintf(stderr, "bankcheck: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((n = getline(&buf, &cap, fp)) != -1) {
		line++;
		o = cJSON_ParseWithLength(buf, (size_t)n);
		if (!cJSON_IsObject(o) || bankcheck_num(o, "seq", &seq) == -1 ||
		    seq != floor(seq)) {
			bankcheck_bad_line(k, line, "not a JSON object with "
			    "an integer seq");
			cJSON_Delete(o);
			continue;
		}
		if (have_seq && seq != prev_seq + 1) {
			if (k->seq_errors < 5)
				printf("bankcheck: output line %zu: seq %.0f "
				    "after %.0f\n", line, seq, prev_seq);
			k->seq_errors++;
		}
		have_seq = true;
		prev_seq = seq;
		kind = bankcheck_str(o, "kind");
		if (kind != NULL && strcmp(kind, "alert") == 0)
			bankcheck_alert(k, o, line, &prev_ts);
		cJSON_Delete(o);
	}
	k->out_lines = line;
	free(buf);
	if (ferror(fp)) {
		fprintf(stderr, "bankcheck: %s: %s\n", path, strerror(errno));
		fclose(fp);
		return -1;
	}
	fclose(fp);
	return 0;
}

/* Order changes by id, then state, severity, ts. */
static int
bankcheck_cmp_key(const void *pa, const void *pb)
{
	const struct bankcheck_change	*a = pa, *b = pb;
	int				 c;

	if ((c = strcmp(a->id, b->id)) != 0 ||
	    (c = strcmp(a->state, b->state)) != 0 ||
	    (c = strcmp(a->severity, b->severity)) != 0)
		return c;
	return (a->ts > b->ts) - (a->ts < b->ts);
}

/* Order changes by id, then output line. */
static int
bankcheck_cmp_id_order(const void *pa, const void *pb)
{
	const struct bankcheck_change	*a = pa, *b = pb;
	int				 c = strcmp(a->id, b->id);

	if (c != 0)
		return c;
	return (a->order > b->order) - (a->order < b->order);
}

/* Order changes by ts, then id, then generation order. */
static int
bankcheck_cmp_ts(const void *pa, const void *pb)
{
	const struct bankcheck_change	*a = pa, *b = pb;
	int				 c;

	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	if ((c = strcmp(a->id, b->id)) != 0)
		return c;
	return (a->order > b->order) - (a->order < b->order);
}

/* True if two numbers agree within the tolerance. */
static bool
bankcheck_near(double a, double b)
{
	return fabs(a - b) <= BANKCHECK_TOL + 1e-9;
}

/* Check that each id's printed changes come in ts order. */
static void
bankcheck_id_order(struct bankcheck *k)
{
	struct bankcheck_change	*v = k->got.v;
	size_t			 i;

	qsort(v, k->got.n, sizeof(*v), bankcheck_cmp_id_order);
	for (i = 1; i < k->got.n; i++) {
		if (strcmp(v[i].id, v[i - 1].id) != 0 ||
		    v[i].ts >= v[i - 1].ts)
			continue;
		if (k->id_order < 5)
			printf("bankcheck: output line %zu: %s %s at %.3f "
			    "after %s at %.3f\n", v[i].order, v[i].id,
			    v[i].state, v[i].ts, v[i - 1].state, v[i - 1].ts);
		k->id_order++;
	}
}

/* Print one change as a list item. */
static void
bankcheck_show(const struct bankcheck_change *c)
{
	printf("  %.3f %s %s %s value=%.3f threshold=%.3f\n", c->ts, c->id,
	    c->state, c->severity, c->value, c->threshold);
}

/* Print the first few of a list of unmatched changes, by ts. */
static void
bankcheck_list(const char *what, struct bankcheck_change **v, size_t n)
{
	struct bankcheck_change	*tmp;
	size_t			 i;

	if (n == 0)
		return;
	tmp = bankcheck_alloc(NULL, n, sizeof(*tmp));
	for (i = 0; i < n; i++)
		tmp[i] = *v[i];
	qsort(tmp, n, sizeof(*tmp), bankcheck_cmp_ts);
	printf("bankcheck: %s (%zu; first %d by ts):\n", what, n,
	    BANKCHECK_SHOW);
	for (i = 0; i < n && i < BANKCHECK_SHOW; i++)
		bankcheck_show(&tmp[i]);
	free(tmp);
}

/* Match expected and printed changes as multisets. */
static void
bankcheck_compare(struct bankcheck *k)
{
	struct bankcheck_change	*w = k->want.v, *g = k->got.v;
	struct bankcheck_change	**miss, **extra;
	size_t			 i = 0, j = 0;
	int			 c;

	miss = bankcheck_alloc(NULL, k->want.n, sizeof(*miss));
	extra = bankcheck_alloc(NULL, k->got.n, sizeof(*extra));
	qsort(w, k->want.n, sizeof(*w), bankcheck_cmp_key);
	qsort(g, k->got.n, sizeof(*g), bankcheck_cmp_key);
	while (i < k->want.n || j < k->got.n) {
		if (i == k->want.n)
			c = 1;
		else if (j == k->got.n)
			c = -1;
		else if ((c = strcmp(w[i].id, g[j].id)) == 0 &&
		    (c = strcmp(w[i].state, g[j].state)) == 0 &&
		    (c = strcmp(w[i].severity, g[j].severity)) == 0) {
			if (bankcheck_near(w[i].ts, g[j].ts)) {
				if (bankcheck_near(w[i].value, g[j].value) &&
				    bankcheck_near(w[i].threshold,
				    g[j].threshold)) {
					i++;
					j++;
					continue;
				}
				miss[k->missing++] = &w[i++];
				extra[k->unexpected++] = &g[j++];
				continue;
			}
			c = w[i].ts < g[j].ts ? -1 : 1;
		}
		if (c < 0)
			miss[k->missing++] = &w[i++];
		else
			extra[k->unexpected++] = &g[j++];
	}
	bankcheck_list("missing: expected but not printed", miss, k->missing);
	bankcheck_list("unexpected: printed but not expected", extra,
	    k->unexpected);
	free(miss);
	free(extra);
}

/* Count the changes of a set with this rule, state and severity. */
static size_t
bankcheck_count_of(const struct bankcheck_set *s, const char *rule,
    const char *state, const char *sev)
{
	size_t	 i, n = 0;

	for (i = 0; i < s->n; i++)
		n += strcmp(s->v[i].rule, rule) == 0 &&
		    (state == NULL || strcmp(s->v[i].state, state) == 0) &&
		    (sev == NULL || strcmp(s->v[i].severity, sev) == 0);
	return n;
}

/* Print one row of the table. */
static void
bankcheck_table_row(const struct bankcheck *k, bool with_got,
    const char *rule, const char *state, const char *sev)
{
	size_t	 nw = bankcheck_count_of(&k->want, rule, state, sev);
	size_t	 ng = bankcheck_count_of(&k->got, rule, state, sev);

	if (nw == 0 && ng == 0 && state != NULL)
		return;
	printf("%-13s %-10s %-9s %9zu", rule, state != NULL ? state : "all",
	    sev != NULL ? sev : "", nw);
	if (with_got)
		printf(" %9zu", ng);
	printf("\n");
}

/* Print the counts per rule, state and severity, expected and printed. */
static void
bankcheck_table(const struct bankcheck *k, bool with_got)
{
	size_t	 r, s, v;

	printf("%-13s %-10s %-9s %9s%s\n", "rule", "state", "severity",
	    "expected", with_got ? "   printed" : "");
	for (r = 0; r < sizeof(bankcheck_rules) / sizeof(bankcheck_rules[0]);
	    r++) {
		for (s = 0; s < 3; s++)
			for (v = 0; v < 3; v++)
				bankcheck_table_row(k, with_got,
				    bankcheck_rules[r], bankcheck_states[s],
				    bankcheck_sevs[v]);
		bankcheck_table_row(k, with_got, bankcheck_rules[r], NULL,
		    NULL);
	}
}

/* Print the expected changes as replay output, seq from 1, by ts. */
static int
bankcheck_emit(struct bankcheck *k)
{
	struct bankcheck_change	*c;
	cJSON			*o;
	char			*s, *slash;
	size_t			 i;

	qsort(k->want.v, k->want.n, sizeof(*k->want.v), bankcheck_cmp_ts);
	for (i = 0; i < k->want.n; i++) {
		c = &k->want.v[i];
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "seq", (double)(i + 1));
		cJSON_AddStringToObject(o, "kind", "alert");
		cJSON_AddStringToObject(o, "id", c->id);
		cJSON_AddStringToObject(o, "state", c->state);
		cJSON_AddStringToObject(o, "rule", c->rule);
		cJSON_AddStringToObject(o, "severity", c->severity);
		slash = strrchr(c->id, '/');
		*slash = '\0';
		cJSON_AddStringToObject(o, "call_id", c->id);
		*slash = '/';
		cJSON_AddStringToObject(o, "queue", c->queue);
		cJSON_AddNumberToObject(o, "value", c->value);
		cJSON_AddNumberToObject(o, "threshold", c->threshold);
		cJSON_AddNumberToObject(o, "ts", c->ts);
		if ((s = cJSON_PrintUnformatted(o)) == NULL)
			exit(2);
		printf("%s\n", s);
		cJSON_free(s);
		cJSON_Delete(o);
	}
	return fflush(stdout) == 0 ? 0 : -1;
}

/* Free a set. */
static void
bankcheck_set_free(struct bankcheck_set *s)
{
	size_t	 i;

	for (i = 0; i < s->n; i++) {
		free(s->v[i].id);
		free(s->v[i].rule);
		free(s->v[i].state);
		free(s->v[i].severity);
		free(s->v[i].queue);
	}
	free(s->v);
}

/* Free everything. */
static void
bankcheck_free(struct bankcheck *k)
{
	size_t	 i;

	for (i = 0; i < k->ncalls; i++) {
		free(k->calls[i].call_id);
		free(k->calls[i].queue);
		free(k->calls[i].caller);
	}
	free(k->calls);
	bankcheck_set_free(&k->want);
	bankcheck_set_free(&k->got);
}

/* Summarise the TSV side. */
static void
bankcheck_input_summary(const struct bankcheck *k)
{
	size_t	 i, answered = 0, abandoned = 0, queued = 0;

	for (i = 0; i < k->ncalls; i++) {
		if (k->calls[i].dup)
			continue;
		answered += k->calls[i].answered;
		abandoned += !k->calls[i].answered && k->calls[i].ended;
		queued += k->calls[i].queued;
	}
	printf("bankcheck: tsv rows=%zu skipped=%zu phantom=%zu "
	    "hang_unqueued=%zu calls=%zu answered=%zu abandoned=%zu "
	    "queued=%zu last_ts=%" PRId64 " with_caller=%zu callers=%zu\n",
	    k->rows, k->skipped, k->nphantom, k->nhang_unq,
	    answered + abandoned, answered, abandoned, queued, k->last,
	    k->nknown, k->ncallers);
}

/* Compare, print the verdict; 0 on a match, 1 otherwise. */
static int
bankcheck_verdict(struct bankcheck *k)
{
	bool	 ok;

	bankcheck_id_order(k);
	bankcheck_compare(k);
	bankcheck_table(k, true);
	ok = k->missing == 0 && k->unexpected == 0 && k->malformed == 0 &&
	    k->seq_errors == 0 && k->ts_back == 0 && k->id_order == 0;
	printf("bankcheck: %s lines=%zu alerts=%zu checked=%zu "
	    "expected=%zu missing=%zu unexpected=%zu malformed=%zu "
	    "seq_errors=%zu ts_back=%zu id_order=%zu\n", ok ? "OK" : "FAIL",
	    k->out_lines, k->out_alerts, k->got.n, k->want.n, k->missing,
	    k->unexpected, k->malformed, k->seq_errors, k->ts_back,
	    k->id_order);
	return ok ? 0 : 1;
}

/* Check a replay against the TSV, or (-e) print the expected changes. */
int
main(int argc, char **argv)
{
	struct bankcheck	 k;
	bool			 emit = argc == 3 && strcmp(argv[1], "-e") == 0;
	int			 rc;

	if (argc != 3 || (!emit && argv[1][0] == '-')) {
		fprintf(stderr, "usage: bankcheck FILE.tsv "
		    "REPLAY_OUTPUT.jsonl\n"
		    "       bankcheck -e FILE.tsv > expected.jsonl\n");
		return 2;
	}
	memset(&k, 0, sizeof(k));
	if (bankcheck_tsv(&k, argv[emit ? 2 : 1]) == -1) {
		bankcheck_free(&k);
		return 2;
	}
	bankcheck_expect_all(&k);
	if (emit) {
		rc = bankcheck_emit(&k) == 0 ? 0 : 2;
		bankcheck_free(&k);
		return rc;
	}
	bankcheck_input_summary(&k);
	if (bankcheck_output(&k, argv[2]) == -1) {
		bankcheck_free(&k);
		return 2;
	}
	rc = bankcheck_verdict(&k);
	bankcheck_free(&k);
	return rc;
}
