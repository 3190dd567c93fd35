/*
 * bank2jsonl: turn the "Anonymous Bank" call-centre month (one TSV row per
 * call; see shared/data/SOURCES.md) into callwatch events (SPEC 4.1), one
 * JSON object per line on stdout, sorted by ts, for `callwatchd --replay`.
 *
 *	bank2jsonl FILE.tsv > events.jsonl
 *
 * Mapping (fixed: tests/tools/bankcheck.c derives the expected alerts from
 * the same rules, written separately so one bug cannot hide in both):
 *  - call_id = "<vru+line>-<call_id>" (call_id alone repeats across lines);
 *    queue = type (PS, NW, NE, TT, IN, PE); agent = server unless
 *    NO_SERVER; caller = customer_id unless "0" (kept as written, also the
 *    few that a spreadsheet turned into "6.02701E+11").
 *  - Every clock time is UTC on the row's date (YYMMDD, 99 = 1999);
 *    0:00:00 means "did not happen".
 *  - queued: if q_start is not 0:00:00, "queued" at Q = date + q_start.
 *  - AGENT: "answered" at A = date + ser_start; if ser_start is 0:00:00,
 *    A = date + q_exit when queued, else date + vru_exit; when queued and
 *    A < Q, A = Q.  Then "hangup" at A + ser_time (ser_time, not ser_exit,
 *    so a call that runs past midnight comes out right).
 *  - HANG with a queue: "abandoned" at Q + q_time.  HANG without a queue
 *    and PHANTOM (virtual calls): no events.
 *  - Every event carries queue; answered carries agent (if any); caller
 *    (if any) goes on queued, or on answered when the call never queued.
 *  - Output sorted by ts, then row order in the file, then queued <
 *    answered < hangup/abandoned within a call; ts in whole seconds.
 *
 * A row is skipped (and counted on stderr, the first few named by line) if
 * it does not have the header's 17 tab-separated fields; vru+line, call_id,
 * customer_id, type or server is empty or longer than 128 bytes (call_id
 * counts as the joined "<vru+line>-<call_id>"); date is not a YYMMDD
 * calendar date; a clock column (vru_entry, vru_exit, q_start, q_exit,
 * ser_start, ser_exit) is not H:MM:SS or HH:MM:SS within a day; q_time or
 * ser_time is not 1 to 9 decimal digits; outcome is not AGENT, HANG or
 * PHANTOM; or its call_id repeats an earlier row's.  Blank lines are
 * ignored; LF and CRLF line ends are both accepted.
 *
 * Exit 0 on success, 1 when the file cannot be read or its header is not
 * the bank's.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#define BANK2JSONL_NFIELDS	17
#define BANK2JSONL_MAXNAME	128
#define BANK2JSONL_NAMED	10	/* bad rows named on stderr */

/* Column numbers, in the order of the header. */
enum bank2jsonl_col {
	COL_VRU_LINE, COL_CALL_ID, COL_CUSTOMER, COL_PRIORITY, COL_TYPE,
	COL_DATE, COL_VRU_ENTRY, COL_VRU_EXIT, COL_VRU_TIME, COL_Q_START,
	COL_Q_EXIT, COL_Q_TIME, COL_OUTCOME, COL_SER_START, COL_SER_EXIT,
	COL_SER_TIME, COL_SERVER
};

static const char *const bank2jsonl_header[BANK2JSONL_NFIELDS] = {
	"vru+line", "call_id", "customer_id", "priority", "type", "date",
	"vru_entry", "vru_exit", "vru_time", "q_start", "q_exit", "q_time",
	"outcome", "ser_start", "ser_exit", "ser_time", "server"
};

/* What happened to a call, from the outcome column. */
enum bank2jsonl_outcome {
	OUT_AGENT,		/* served */
	OUT_HANG,		/* hung up before an agent */
	OUT_PHANTOM		/* virtual call: no events */
};

/* Event kinds, in their order within one call. */
enum bank2jsonl_kind {
	EV_QUEUED, EV_ANSWERED, EV_HANGUP, EV_ABANDONED
};

static const char *const bank2jsonl_kinds[] = {
	"queued", "answered", "hangup", "abandoned"
};

/* One parsed row (one call). */
struct bank2jsonl_row {
	char	*call_id;	/* "<vru+line>-<call_id>" */
	char	*queue;		/* the type column */
	char	*agent;		/* server; NULL for NO_SERVER */
	char	*caller;	/* customer_id; NULL for "0" */
	size_t	 line;		/* line number in the file, from 1 */
	int	 outcome;	/* enum bank2jsonl_outcome */
	bool	 queued;	/* q_start was not 0:00:00 */
	bool	 ser_missing;	/* AGENT with ser_start 0:00:00 */
	bool	 clamped;	/* AGENT answered before queued: A = Q */
	bool	 midnight;	/* ser_exit < ser_start */
	bool	 repeated;	/* call_id of an earlier row: skipped */
	int64_t	 q;		/* queued at */
	int64_t	 a;		/* answered at (AGENT) */
	int64_t	 end;		/* hangup (AGENT) or abandoned (HANG) at */
};

/* One event to print. */
struct bank2jsonl_event {
	int64_t	 ts;		/* seconds since the epoch */
	size_t	 row;		/* index into the rows, i.e. file order */
	int	 kind;		/* enum bank2jsonl_kind */
};

/* The whole conversion. */
struct bank2jsonl {
	struct bank2jsonl_row	*rows;		/* good rows, file order */
	size_t			 nrows;		/* rows used */
	size_t			 caprows;	/* rows allocated */
	struct bank2jsonl_event	*evs;		/* events, sorted */
	size_t			 nevs;		/* events used */
	size_t			 nkind[4];	/* events per kind */
	size_t			 bad;		/* rows skipped */
	size_t			 lines;		/* lines read, header too */
};

/* Allocate or die. */
static void *
bank2jsonl_alloc(void *p, size_t n, size_t size)
{
	if (n != 0 && size > SIZE_MAX / n) {
		fprintf(stderr, "bank2jsonl: allocation overflow\n");
		exit(1);
	}
	if ((p = realloc(p, n * size == 0 ? 1 : n * size)) == NULL) {
		fprintf(stderr, "bank2jsonl: out of memory\n");
		exit(1);
	}
	return p;
}

/* strdup or die. */
static char *
bank2jsonl_strdup(const char *s)
{
	size_t	 len = strlen(s) + 1;

	return memcpy(bank2jsonl_alloc(NULL, 1, len), s, len);
}

/* Report a skipped row (the first few by name) and count it. */
static void
bank2jsonl_skip(struct bank2jsonl *b, size_t line, const char *why)
{
	if (b->bad < BANK2JSONL_NAMED)
		fprintf(stderr, "bank2jsonl: line %zu skipped: %s\n", line,
		    why);
	else if (b->bad == BANK2JSONL_NAMED)
		fprintf(stderr, "bank2jsonl: (further bad rows not named)\n");
	b->bad++;
}

/* Parse "H:MM:SS" or "HH:MM:SS" within a day into seconds. */
static int
bank2jsonl_clock(const char *s, int64_t *secs)
{
	int	 h = 0, m, sec, nh = 0;

	while (nh < 3 && s[nh] >= '0' && s[nh] <= '9')
		h = h * 10 + (s[nh++] - '0');
	if (nh < 1 || nh > 2 || s[nh] != ':')
		return -1;
	s += nh + 1;
	if (s[0] < '0' || s[0] > '5' || s[1] < '0' || s[1] > '9' ||
	    s[2] != ':' || s[3] < '0' || s[3] > '5' || s[4] < '0' ||
	    s[4] > '9' || s[5] != '\0')
		return -1;
	m = (s[0] - '0') * 10 + (s[1] - '0');
	sec = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 23)
		return -1;
	*secs = (int64_t)h * 3600 + m * 60 + sec;
	return 0;
}

/* Parse a count of seconds: 1 to 9 decimal digits. */
static int
bank2jsonl_seconds(const char *s, int64_t *secs)
{
	size_t	 i;

	*secs = 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9' || i == 9)
			return -1;
		*secs = *secs * 10 + (s[i] - '0');
	}
	return i == 0 ? -1 : 0;
}

/* Parse YYMMDD (70-99 = 19xx, else 20xx) into midnight UTC. */
static int
bank2jsonl_date(const char *s, int64_t *t)
{
	struct tm	 tm;
	int		 v[3], i;
	time_t		 when;

	if (strlen(s) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	for (i = 0; i < 3; i++)
		v[i] = (s[2 * i] - '0') * 10 + (s[2 * i + 1] - '0');
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = v[0] >= 70 ? v[0] : v[0] + 100;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	if ((when = timegm(&tm)) == (time_t)-1)
		return -1;
	/* timegm normalises 990230 into March: refuse what moved. */
	if (tm.tm_mon != v[1] - 1 || tm.tm_mday != v[2])
		return -1;
	*t = (int64_t)when;
	return 0;
}

/* Check a name column: not empty, not over-long. */
static int
bank2jsonl_name(const char *s)
{
	size_t	 len = strlen(s);

	return len == 0 || len > BANK2JSONL_MAXNAME ? -1 : 0;
}

/* Split line at tabs into f; return the number of fields (may exceed max). */
static int
bank2jsonl_split(char *line, char **f, int max)
{
	int	 n = 0;
	char	*p;

	while ((p = strsep(&line, "\t")) != NULL) {
		if (n < max)
			f[n] = p;
		n++;
	}
	return n;
}

/* Check the names and clock columns of a row; NULL or what is wrong. */
static const char *
bank2jsonl_check(char **f, int64_t clk[BANK2JSONL_NFIELDS], int64_t *date)
{
	static const int	 clocks[] = { COL_VRU_ENTRY, COL_VRU_EXIT,
	    COL_Q_START, COL_Q_EXIT, COL_SER_START, COL_SER_EXIT };
	static const int	 names[] = { COL_VRU_LINE, COL_CALL_ID,
	    COL_CUSTOMER, COL_TYPE, COL_SERVER };
	size_t			 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (bank2jsonl_name(f[names[i]]) == -1)
			return "empty or over-long name";
	if (strlen(f[COL_VRU_LINE]) + 1 + strlen(f[COL_CALL_ID]) >
	    BANK2JSONL_MAXNAME)
		return "call_id over 128 bytes";
	if (bank2jsonl_date(f[COL_DATE], date) == -1)
		return "bad date";
	for (i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++)
		if (bank2jsonl_clock(f[clocks[i]], &clk[clocks[i]]) == -1)
			return "bad clock time";
	if (bank2jsonl_seconds(f[COL_Q_TIME], &clk[COL_Q_TIME]) == -1 ||
	    bank2jsonl_seconds(f[COL_SER_TIME], &clk[COL_SER_TIME]) == -1)
		return "bad q_time or ser_time";
	return NULL;
}

/* Fill r's times from the parsed columns (the mapping in the header). */
static void
bank2jsonl_times(struct bank2jsonl_row *r, const int64_t *clk, int64_t date)
{
	r->queued = clk[COL_Q_START] != 0;
	r->q = date + clk[COL_Q_START];
	if (r->outcome == OUT_AGENT) {
		if (clk[COL_SER_START] != 0)
			r->a = date + clk[COL_SER_START];
		else {
			r->ser_missing = true;
			r->a = date + (r->queued ? clk[COL_Q_EXIT] :
			    clk[COL_VRU_EXIT]);
		}
		if (r->queued && r->a < r->q) {
			r->a = r->q;
			r->clamped = true;
		}
		r->end = r->a + clk[COL_SER_TIME];
		r->midnight = clk[COL_SER_START] != 0 &&
		    clk[COL_SER_EXIT] < clk[COL_SER_START];
	} else if (r->outcome == OUT_HANG && r->queued)
		r->end = r->q + clk[COL_Q_TIME];
}

/* Parse one data line into a row, or skip it. */
static void
bank2jsonl_row(struct bank2jsonl *b, char *line, size_t lineno)
{
	struct bank2jsonl_row	*r;
	char			*f[BANK2JSONL_NFIELDS];
	int64_t			 clk[BANK2JSONL_NFIELDS], date;
	const char		*why;
	int			 outcome;

	if (bank2jsonl_split(line, f, BANK2JSONL_NFIELDS) !=
	    BANK2JSONL_NFIELDS) {
		bank2jsonl_skip(b, lineno, "not 17 fields");
		return;
	}
	if ((why = bank2jsonl_check(f, clk, &date)) != NULL) {
		bank2jsonl_skip(b, lineno, why);
		return;
	}
	if (strcmp(f[COL_OUTCOME], "AGENT") == 0)
		outcome = OUT_AGENT;
	else if (strcmp(f[COL_OUTCOME], "HANG") == 0)
		outcome = OUT_HANG;
	else if (strcmp(f[COL_OUTCOME], "PHANTOM") == 0)
		outcome = OUT_PHANTOM;
	else {
		bank2jsonl_skip(b, lineno, "unknown outcome");
		return;
	}
	if (b->nrows == b->caprows) {
		b->caprows = b->caprows == 0 ? 1024 : b->caprows * 2;
		b->rows = bank2jsonl_alloc(b->rows, b->caprows,
		    sizeof(*b->rows));
	}
	r = &b->rows[b->nrows++];
	memset(r, 0, sizeof(*r));
	r->line = lineno;
	r->outcome = outcome;
	if (asprintf(&r->call_id, "%s-%s", f[COL_VRU_LINE],
	    f[COL_CALL_ID]) == -1) {
		fprintf(stderr, "bank2jsonl: out of memory\n");
		exit(1);
	}
	r->queue = bank2jsonl_strdup(f[COL_TYPE]);
	if (strcmp(f[COL_SERVER], "NO_SERVER") != 0)
		r->agent = bank2jsonl_strdup(f[COL_SERVER]);
	if (strcmp(f[COL_CUSTOMER], "0") != 0)
		r->caller = bank2jsonl_strdup(f[COL_CUSTOMER]);
	bank2jsonl_times(r, clk, date);
}

/* Check the header line against the bank's 17 columns. */
static int
bank2jsonl_header_ok(char *line)
{
	char	*f[BANK2JSONL_NFIELDS];
	int	 i;

	if (bank2jsonl_split(line, f, BANK2JSONL_NFIELDS) !=
	    BANK2JSONL_NFIELDS)
		return -1;
	for (i = 0; i < BANK2JSONL_NFIELDS; i++)
		if (strcmp(f[i], bank2jsonl_header[i]) != 0)
			return -1;
	return 0;
}

/* Read the file: header, then one row per line. */
static int
bank2jsonl_read(struct bank2jsonl *b, const char *path)
{
	FILE	*fp;
	char	*line = NULL;
	size_t	 cap = 0, len;
	ssize_t	 n;
	int	 rc = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		fprintf(stderr, "bank2jsonl: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &cap, fp)) != -1) {
		len = (size_t)n;
		b->lines++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		if (b->lines == 1) {
			if (bank2jsonl_header_ok(line) == -1) {
				fprintf(stderr, "bank2jsonl: %s: not the "
				    "bank's header (vru+line call_id ... "
				    "server)\n", path);
				rc = -1;
				break;
			}
			continue;
		}
		if (len == 0)
			continue;
		bank2jsonl_row(b, line, b->lines);
	}
	if (rc == 0 && ferror(fp)) {
		fprintf(stderr, "bank2jsonl: %s: %s\n", path, strerror(errno));
		rc = -1;
	}
	if (rc == 0 && b->lines == 0) {
		fprintf(stderr, "bank2jsonl: %s: empty file\n", path);
		rc = -1;
	}
	free(line);
	fclose(fp);
	return rc;
}

/* Order row pointers by call_id, then file order. */
static int
bank2jsonl_cmp_id(const void *pa, const void *pb)
{
	const struct bank2jsonl_row	*a, *b;
	int				 c;

	a = *(struct bank2jsonl_row *const *)pa;
	b = *(struct bank2jsonl_row *const *)pb;

	if ((c = strcmp(a->call_id, b->call_id)) != 0)
		return c;
	return a->line < b->line ? -1 : a->line > b->line;
}

/* Mark every row whose call_id an earlier row already used. */
static void
bank2jsonl_repeats(struct bank2jsonl *b)
{
	struct bank2jsonl_row	**by;
	size_t			  i;

	by = bank2jsonl_alloc(NULL, b->nrows, sizeof(*by));
	for (i = 0; i < b->nrows; i++)
		by[i] = &b->rows[i];
	qsort(by, b->nrows, sizeof(*by), bank2jsonl_cmp_id);
	for (i = 1; i < b->nrows; i++) {
		if (strcmp(by[i]->call_id, by[i - 1]->call_id) != 0)
			continue;
		by[i]->repeated = true;
		bank2jsonl_skip(b, by[i]->line, "repeated call_id");
	}
	free(by);
}

/* Append one event. */
static void
bank2jsonl_add(struct bank2jsonl *b, int64_t ts, size_t row, int kind)
{
	struct bank2jsonl_event	*e = &b->evs[b->nevs++];

	e->ts = ts;
	e->row = row;
	e->kind = kind;
	b->nkind[kind]++;
}

/* Order events by ts, then row, then kind. */
static int
bank2jsonl_cmp_event(const void *pa, const void *pb)
{
	const struct bank2jsonl_event	*a = pa, *b = pb;

	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	if (a->row != b->row)
		return a->row < b->row ? -1 : 1;
	return (a->kind > b->kind) - (a->kind < b->kind);
}

/* Make the events of every good row, then sort them. */
static void
bank2jsonl_events(struct bank2jsonl *b)
{
	struct bank2jsonl_row	*r;
	size_t			 i;

	b->evs = bank2jsonl_alloc(NULL, b->nrows * 3, sizeof(*b->evs));
	for (i = 0; i < b->nrows; i++) {
		r = &b->rows[i];
		if (r->repeated || r->outcome == OUT_PHANTOM)
			continue;
		if (r->outcome == OUT_HANG && !r->queued)
			continue;
		if (r->queued)
			bank2jsonl_add(b, r->q, i, EV_QUEUED);
		if (r->outcome == OUT_AGENT) {
			bank2jsonl_add(b, r->a, i, EV_ANSWERED);
			bank2jsonl_add(b, r->end, i, EV_HANGUP);
		} else
			bank2jsonl_add(b, r->end, i, EV_ABANDONED);
	}
	qsort(b->evs, b->nevs, sizeof(*b->evs), bank2jsonl_cmp_event);
}

/* Print one event as a JSON line. */
static int
bank2jsonl_print(const struct bank2jsonl *b, const struct bank2jsonl_event *e)
{
	const struct bank2jsonl_row	*r = &b->rows[e->row];
	cJSON				*o = cJSON_CreateObject();
	char				*s;
	int				 rc;

	cJSON_AddStringToObject(o, "type", bank2jsonl_kinds[e->kind]);
	cJSON_AddStringToObject(o, "call_id", r->call_id);
	cJSON_AddNumberToObject(o, "ts", (double)e->ts);
	cJSON_AddStringToObject(o, "queue", r->queue);
	if (e->kind == EV_ANSWERED && r->agent != NULL)
		cJSON_AddStringToObject(o, "agent", r->agent);
	if (r->caller != NULL && (e->kind == EV_QUEUED ||
	    (e->kind == EV_ANSWERED && !r->queued)))
		cJSON_AddStringToObject(o, "caller", r->caller);
	if ((s = cJSON_PrintUnformatted(o)) == NULL) {
		fprintf(stderr, "bank2jsonl: out of memory\n");
		exit(1);
	}
	rc = printf("%s\n", s) < 0 ? -1 : 0;
	cJSON_free(s);
	cJSON_Delete(o);
	return rc;
}

/* Summarise the conversion on stderr. */
static void
bank2jsonl_summary(const struct bank2jsonl *b)
{
	size_t	 i, phantom = 0, hang_unq = 0, noagent = 0, sermiss = 0;
	size_t	 clamped = 0, midnight = 0, calls = 0, repeated = 0;

	for (i = 0; i < b->nrows; i++) {
		const struct bank2jsonl_row *r = &b->rows[i];

		if (r->repeated) {
			repeated++;
			continue;
		}
		phantom += r->outcome == OUT_PHANTOM;
		hang_unq += r->outcome == OUT_HANG && !r->queued;
		calls += r->outcome == OUT_AGENT ||
		    (r->outcome == OUT_HANG && r->queued);
		if (r->outcome != OUT_AGENT)
			continue;
		noagent += r->agent == NULL;
		sermiss += r->ser_missing;
		clamped += r->clamped;
		midnight += r->midnight;
	}
	fprintf(stderr, "bank2jsonl: rows=%zu skipped=%zu calls=%zu "
	    "events=%zu queued=%zu answered=%zu hangup=%zu abandoned=%zu\n",
	    b->nrows + b->bad - repeated, b->bad, calls,
	    b->nevs, b->nkind[EV_QUEUED], b->nkind[EV_ANSWERED],
	    b->nkind[EV_HANGUP], b->nkind[EV_ABANDONED]);
	fprintf(stderr, "bank2jsonl: no events: phantom=%zu "
	    "hang_unqueued=%zu; agent rows: no_server=%zu "
	    "ser_start_missing=%zu answered_before_queued=%zu "
	    "past_midnight=%zu\n", phantom,
	    hang_unq, noagent, sermiss, clamped, midnight);
}

/* Free everything. */
static void
bank2jsonl_free(struct bank2jsonl *b)
{
	size_t	 i;

	for (i = 0; i < b->nrows; i++) {
		free(b->rows[i].call_id);
		free(b->rows[i].queue);
		free(b->rows[i].agent);
		free(b->rows[i].caller);
	}
	free(b->rows);
	free(b->evs);
}

/* Convert argv[1]; events on stdout, a summary on stderr. */
int
main(int argc, char **argv)
{
	struct bank2jsonl	 b;
	size_t			 i;
	int			 rc = 0;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: bank2jsonl FILE.tsv > events.jsonl\n");
		return 1;
	}
	memset(&b, 0, sizeof(b));
	if (bank2jsonl_read(&b, argv[1]) == -1) {
		bank2jsonl_free(&b);
		return 1;
	}
	bank2jsonl_repeats(&b);
	bank2jsonl_events(&b);
	for (i = 0; i < b.nevs && rc == 0; i++)
		rc = bank2jsonl_print(&b, &b.evs[i]);
	if (rc == 0 && fflush(stdout) != 0)
		rc = -1;
	if (rc == -1)
		fprintf(stderr, "bank2jsonl: writing: %s\n", strerror(errno));
	bank2jsonl_summary(&b);
	bank2jsonl_free(&b);
	return rc == 0 ? 0 : 1;
}
