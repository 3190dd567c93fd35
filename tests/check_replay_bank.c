/*
 * Replaying a real month: the Anonymous Bank's February 1999 (33,344 rows)
 * is turned into events by bank2jsonl, replayed by the daemon with the
 * event clock, and every long_call and long_wait alert change it prints is
 * checked by bankcheck, an oracle that reads the TSV itself.  Also: the
 * replay is deterministic, the oracle can fail, and the converter and the
 * oracle agree with hand-computed figures on a committed excerpt.
 *
 * Environment: CW_BUILD (default "build": the daemon and tests/bank2jsonl,
 * tests/bankcheck), CW_SRC (default "."), CW_DATA (default
 * "$CW_SRC/../shared/data", then /work/shared/data: the folder of
 * anonymous-bank-1999-02.tsv).
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

#include "bb.h"

#define BANK_TSV	"anonymous-bank-1999-02.tsv"
#define BANK_EXCERPT	"tests/data/bank-excerpt.tsv"
#define BANK_CONF	"tests/conf/replay-bank.yaml"

static char	*tmp;		/* this test's scratch directory */

/* An environment variable, or def when unset or empty. */
static const char *
bank_env(const char *name, const char *def)
{
	const char	*v = getenv(name);

	return v != NULL && *v != '\0' ? v : def;
}

/* A formatted, allocated string (the caller frees it). */
static char *
bank_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A formatted, allocated string (the caller frees it). */
static char *
bank_fmt(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	ck_assert_int_ne(n, -1);
	return s;
}

/* A path in the scratch directory. */
static char *
bank_tmp(const char *name)
{
	return bank_fmt("%s/%s", tmp, name);
}

/* A path in the build directory. */
static char *
bank_build(const char *name)
{
	return bank_fmt("%s/%s", bank_env("CW_BUILD", "build"), name);
}

/* A path in the source tree. */
static char *
bank_src(const char *name)
{
	return bank_fmt("%s/%s", bank_env("CW_SRC", "."), name);
}

/* The month's TSV (bb_data says where it looks). */
static char *
bank_data(void)
{
	return bb_data(BANK_TSV);
}

/* Fail unless the program at path was built. */
static void
bank_need(const char *path)
{
	ck_assert_msg(access(path, X_OK) == 0, "%s is not there (%s): build "
	    "it first (make test; the Makefile's TEST_TOOLS must name it) or "
	    "set CW_BUILD", path, strerror(errno));
}

/* In a child: send descriptor to a new file at path (NULL: leave it). */
static void
bank_redirect(const char *path, int to)
{
	int	 fd;

	if (path == NULL)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd == -1 || dup2(fd, to) == -1)
		_exit(126);
	close(fd);
}

/*
 * Run argv with stdout into out and stderr into err (NULL: inherit);
 * return its exit status, or 128 + the signal that killed it.
 */
static int
bank_run(const char *out, const char *err, char *const argv[])
{
	pid_t	 pid;
	int	 status;

	fflush(NULL);
	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		bank_redirect(out, STDOUT_FILENO);
		bank_redirect(err, STDERR_FILENO);
		execv(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		ck_assert_int_eq(errno, EINTR);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* Convert a TSV into events at out with bank2jsonl; it must succeed. */
static void
bank_convert(const char *tsv, const char *out)
{
	char	*tool = bank_build("tests/bank2jsonl");
	char	*argv[] = { tool, (char *)tsv, NULL };
	int	 rc;

	bank_need(tool);
	rc = bank_run(out, NULL, argv);
	ck_assert_msg(rc == 0, "%s %s exited %d", tool, tsv, rc);
	free(tool);
}

/* Replay events into out with the daemon on conf; it must exit 0. */
static void
bank_replay_on(const char *conf_path, const char *events, const char *out)
{
	char	*daemon = bank_build("callwatchd");
	char	*conf = bank_src(conf_path);
	char	*argv[] = { daemon, (char *)"-c", conf, (char *)"--replay",
	    (char *)events, NULL };
	int	 rc;

	bank_need(daemon);
	rc = bank_run(out, NULL, argv);
	ck_assert_msg(rc == 0, "%s -c %s --replay %s exited %d", daemon,
	    conf, events, rc);
	free(daemon);
	free(conf);
}

/* Replay events into out on the bank's config. */
static void
bank_replay(const char *events, const char *out)
{
	bank_replay_on(BANK_CONF, events, out);
}

/* Run bankcheck TSV OUTPUT (or -e TSV when output is NULL) into log. */
static int
bank_check(const char *tsv, const char *output, const char *log)
{
	char	*tool = bank_build("tests/bankcheck");
	char	*argv[] = { tool, (char *)tsv, (char *)output, NULL };
	char	*emit[] = { tool, (char *)"-e", (char *)tsv, NULL };
	int	 rc;

	bank_need(tool);
	rc = bank_run(log, NULL, output != NULL ? argv : emit);
	free(tool);
	return rc;
}

/* Read a whole file (NUL-terminated); *len gets its size. */
static char *
bank_slurp(const char *path, size_t *len)
{
	FILE	*fp = fopen(path, "rb");
	char	*buf = NULL;
	size_t	 cap = 0, n;

	ck_assert_msg(fp != NULL, "%s: %s", path, strerror(errno));
	*len = 0;
	for (;;) {
		if (cap - *len < 4096) {
			cap = cap == 0 ? 65536 : cap * 2;
			ck_assert_ptr_nonnull(buf = realloc(buf, cap + 1));
		}
		n = fread(buf + *len, 1, cap - *len, fp);
		if (n == 0)
			break;
		*len += n;
	}
	ck_assert(!ferror(fp));
	fclose(fp);
	buf[*len] = '\0';
	return buf;
}

/* True if the file at path contains s. */
static int
bank_has(const char *path, const char *s)
{
	size_t	 len;
	char	*buf = bank_slurp(path, &len);
	int	 found = strstr(buf, s) != NULL;

	free(buf);
	return found;
}

/* Lines of a file, parsed as JSON. */
struct bank_lines {
	cJSON	**v;		/* one object per line */
	size_t	  n;
};

/* Parse every line of path as a JSON object. */
static void
bank_load(const char *path, struct bank_lines *l)
{
	size_t	 len, cap = 0;
	char	*buf = bank_slurp(path, &len), *p, *nl;

	l->v = NULL;
	l->n = 0;
	for (p = buf; *p != '\0'; p = nl + 1) {
		ck_assert_ptr_nonnull(nl = strchr(p, '\n'));
		*nl = '\0';
		if (l->n == cap) {
			cap = cap == 0 ? 1024 : cap * 2;
			ck_assert_ptr_nonnull(l->v = realloc(l->v,
			    cap * sizeof(*l->v)));
		}
		l->v[l->n] = cJSON_Parse(p);
		ck_assert_msg(cJSON_IsObject(l->v[l->n]), "%s:%zu: not JSON",
		    path, l->n + 1);
		l->n++;
	}
	free(buf);
}

/* Write the lines to path (NULL ones left out), renumbering seq if asked. */
static void
bank_save(const char *path, const struct bank_lines *l, int renumber)
{
	FILE	*fp = fopen(path, "w");
	cJSON	*seq;
	char	*s;
	size_t	 i, n = 0;
	double	 was;

	ck_assert_msg(fp != NULL, "%s: %s", path, strerror(errno));
	for (i = 0; i < l->n; i++) {
		if (l->v[i] == NULL)
			continue;	/* a dropped line */
		seq = cJSON_GetObjectItem(l->v[i], "seq");
		ck_assert(cJSON_IsNumber(seq));
		was = seq->valuedouble;
		if (renumber)
			cJSON_SetNumberValue(seq, (double)++n);
		ck_assert_ptr_nonnull(s = cJSON_PrintUnformatted(l->v[i]));
		fprintf(fp, "%s\n", s);
		cJSON_free(s);
		cJSON_SetNumberValue(seq, was);	/* the lines stay as loaded */
	}
	ck_assert_int_eq(fclose(fp), 0);
}

/* Free parsed lines. */
static void
bank_unload(struct bank_lines *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		cJSON_Delete(l->v[i]);
	free(l->v);
}

/* Insert o before line at (renumber when saving). */
static void
bank_insert(struct bank_lines *l, size_t at, cJSON *o)
{
	ck_assert_ptr_nonnull(o);
	ck_assert_ptr_nonnull(l->v = realloc(l->v, (l->n + 1) *
	    sizeof(*l->v)));
	memmove(&l->v[at + 1], &l->v[at], (l->n - at) * sizeof(*l->v));
	l->v[at] = o;
	l->n++;
}

/* A number member of o. */
static double
bank_num(const cJSON *o, const char *name)
{
	const cJSON	*v = cJSON_GetObjectItem(o, name);

	ck_assert_msg(cJSON_IsNumber(v), "no number %s", name);
	return v->valuedouble;
}

/* A string member of o, or "" if absent. */
static const char *
bank_str(const cJSON *o, const char *name)
{
	const cJSON	*v = cJSON_GetObjectItem(o, name);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* A fresh scratch directory per test. */
static void
setup(void)
{
	char	*tpl = bank_fmt("%s/cw-replay-bank.XXXXXX",
	    bank_env("TMPDIR", "/tmp"));

	ck_assert_ptr_nonnull(tmp = mkdtemp(tpl));
}

/* Remove the scratch directory (kept when a test failed, to look at). */
static void
teardown(void)
{
	DIR		*d = opendir(tmp);
	struct dirent	*e;
	char		*p;

	while (d != NULL && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		p = bank_tmp(e->d_name);
		unlink(p);
		free(p);
	}
	if (d != NULL)
		closedir(d);
	rmdir(tmp);
	free(tmp);
}

START_TEST(replay_matches_oracle)
{
	char	*tsv = bank_data(), *events = bank_tmp("events.jsonl");
	char	*out = bank_tmp("replay.jsonl");
	int	 rc;

	bank_convert(tsv, events);
	bank_replay(events, out);
	/* bankcheck's table and any mismatch go to this test's log. */
	rc = bank_check(tsv, out, NULL);
	ck_assert_msg(rc == 0, "bankcheck %s %s exited %d: the replay's "
	    "long_call/long_wait alerts differ from SPEC (see the log above; "
	    "files kept in %s)", tsv, out, rc, tmp);
	free(tsv);
	free(events);
	free(out);
}
END_TEST

START_TEST(replay_is_deterministic)
{
	char	*tsv = bank_data(), *events = bank_tmp("events.jsonl");
	char	*a = bank_tmp("replay-a.jsonl");
	char	*b = bank_tmp("replay-b.jsonl");
	char	*ba, *bb;
	size_t	 la, lb, i, line = 1;

	bank_convert(tsv, events);
	bank_replay(events, a);
	bank_replay(events, b);
	ba = bank_slurp(a, &la);
	bb = bank_slurp(b, &lb);
	ck_assert_msg(la > 0, "the replay printed nothing");
	for (i = 0; i < la && i < lb && ba[i] == bb[i]; i++)
		line += ba[i] == '\n';
	ck_assert_msg(i == la && la == lb, "two replays differ from line %zu "
	    "(%zu and %zu bytes; files kept in %s)", line, la, lb, tmp);
	free(ba);
	free(bb);
	free(tsv);
	free(events);
	free(a);
	free(b);
}
END_TEST

/*
 * Every rule once, end to end through --replay (tests/data/rules.jsonl,
 * one scenario per call, told in tests/data/README): the output equals
 * the hand-checked golden file object for object, alerts, call/ and
 * stats/ messages alike.
 */
START_TEST(replay_of_every_rule_matches_its_golden_output)
{
	char	*events = bank_src("tests/data/rules.jsonl");
	char	*golden = bank_src("tests/data/rules.golden.jsonl");
	char	*out = bank_tmp("rules.jsonl");
	struct bank_lines got, want;
	size_t	 i;

	bank_replay_on("tests/conf/replay-rules.yaml", events, out);
	bank_load(out, &got);
	bank_load(golden, &want);
	for (i = 0; i < got.n && i < want.n; i++) {
		char	*g = cJSON_PrintUnformatted(got.v[i]);
		char	*w = cJSON_PrintUnformatted(want.v[i]);

		ck_assert_msg(cJSON_Compare(got.v[i], want.v[i], true),
		    "line %zu:\n got  %s\n want %s", i + 1, g, w);
		cJSON_free(g);
		cJSON_free(w);
	}
	ck_assert_msg(got.n == want.n, "%zu lines, golden has %zu", got.n,
	    want.n);
	bank_unload(&got);
	bank_unload(&want);
	free(events);
	free(golden);
	free(out);
}
END_TEST

/* Check a variant of the good output: bankcheck's exit and summary. */
static void
bank_variant(const char *tsv, const struct bank_lines *l, int renumber,
    int want_rc, const char *want, const char *what)
{
	char	*out = bank_tmp("variant.jsonl"), *log = bank_tmp("check.log");
	int	 rc;

	bank_save(out, l, renumber);
	rc = bank_check(tsv, out, log);
	ck_assert_msg(rc == want_rc, "%s: bankcheck exited %d, not %d", what,
	    rc, want_rc);
	ck_assert_msg(bank_has(log, want), "%s: bankcheck did not say \"%s\" "
	    "(see %s)", what, want, log);
	free(out);
	free(log);
}

START_TEST(bankcheck_can_fail)
{
	char		*tsv = bank_data(), *good = bank_tmp("good.jsonl");
	struct bank_lines l;
	cJSON		*keep;
	size_t		 mid;
	double		 ts;

	/* bankcheck's own expectation, printed as a replay would. */
	ck_assert_int_eq(bank_check(tsv, NULL, good), 0);
	bank_load(good, &l);
	ck_assert_uint_gt(l.n, 1000);
	mid = l.n / 2;
	bank_variant(tsv, &l, 0, 0, "bankcheck: OK", "its own expectation");

	/* One change dropped: a seq gap, and missing. */
	keep = l.v[mid];
	l.v[mid] = NULL;
	bank_variant(tsv, &l, 0, 1, "missing=1 unexpected=0 malformed=0 "
	    "seq_errors=1", "a line dropped");
	/* Dropped with seq renumbered: only the multiset sees it. */
	bank_variant(tsv, &l, 1, 1, "missing=1 unexpected=0 malformed=0 "
	    "seq_errors=0 ts_back=0 id_order=0", "a line dropped, renumbered");
	l.v[mid] = keep;

	/* The last change 1 s late: still in order, but wrong. */
	ts = bank_num(l.v[l.n - 1], "ts");
	cJSON_SetNumberValue(cJSON_GetObjectItem(l.v[l.n - 1], "ts"), ts + 1);
	bank_variant(tsv, &l, 0, 1, "missing=1 unexpected=1 malformed=0 "
	    "seq_errors=0 ts_back=0 id_order=0", "a ts 1 s late");
	/* Within the 1 ms tolerance it passes; past it, it fails. */
	cJSON_SetNumberValue(cJSON_GetObjectItem(l.v[l.n - 1], "ts"),
	    ts + 0.0004);
	bank_variant(tsv, &l, 0, 0, "bankcheck: OK", "a ts 0.4 ms late");
	cJSON_SetNumberValue(cJSON_GetObjectItem(l.v[l.n - 1], "ts"),
	    ts + 0.002);
	bank_variant(tsv, &l, 0, 1, "missing=1 unexpected=1",
	    "a ts 2 ms late");
	bank_unload(&l);

	/* A wrong severity. */
	bank_load(good, &l);
	cJSON_ReplaceItemInObject(l.v[mid], "severity", cJSON_CreateString(
	    strcmp(bank_str(l.v[mid], "severity"), "critical") == 0 ?
	    "warning" : "critical"));
	bank_variant(tsv, &l, 0, 1, "missing=1 unexpected=1 malformed=0 "
	    "seq_errors=0 ts_back=0 id_order=0", "a wrong severity");
	bank_unload(&l);

	/* A change printed twice. */
	bank_load(good, &l);
	bank_insert(&l, mid, cJSON_Duplicate(l.v[mid], 1));
	bank_variant(tsv, &l, 1, 1, "missing=0 unexpected=1 malformed=0 "
	    "seq_errors=0 ts_back=0", "a change printed twice");
	bank_unload(&l);

	/* A change replaced by a stats line. */
	bank_load(good, &l);
	cJSON_Delete(l.v[mid]);
	l.v[mid] = cJSON_Parse("{\"seq\":0,\"kind\":\"stats\"}");
	bank_variant(tsv, &l, 1, 1, "missing=1 unexpected=0 malformed=0 "
	    "seq_errors=0 ts_back=0 id_order=0", "a change lost to stats");
	bank_unload(&l);

	/* Two changes swapped so that ts goes back. */
	bank_load(good, &l);
	while (mid + 1 < l.n && bank_num(l.v[mid], "ts") ==
	    bank_num(l.v[mid + 1], "ts"))
		mid++;
	ck_assert_uint_lt(mid + 1, l.n);
	keep = l.v[mid];
	l.v[mid] = l.v[mid + 1];
	l.v[mid + 1] = keep;
	bank_variant(tsv, &l, 1, 1, "missing=0 unexpected=0 malformed=0 "
	    "seq_errors=0 ts_back=1", "two changes out of ts order");
	bank_unload(&l);

	/* Other kinds and rules are ignored: a call line, a transfers alert. */
	bank_load(good, &l);
	keep = cJSON_Duplicate(l.v[mid], 1);
	cJSON_ReplaceItemInObject(keep, "rule",
	    cJSON_CreateString("transfers"));
	cJSON_ReplaceItemInObject(keep, "id", cJSON_CreateString("x/y"));
	bank_insert(&l, mid, keep);
	bank_insert(&l, mid, cJSON_Parse("{\"seq\":0,\"kind\":\"call\"}"));
	bank_variant(tsv, &l, 1, 0, "bankcheck: OK",
	    "a call line and another rule's alert");
	bank_unload(&l);
	free(tsv);
	free(good);
}
END_TEST

/* Index of the exact line s in l (the lines printed back), or -1. */
static long
bank_find(const struct bank_lines *l, const char *s)
{
	char	*p;
	size_t	 i;
	long	 at = -1;

	for (i = 0; i < l->n && at == -1; i++) {
		ck_assert_ptr_nonnull(p = cJSON_PrintUnformatted(l->v[i]));
		if (strcmp(p, s) == 0)
			at = (long)i;
		cJSON_free(p);
	}
	ck_assert_msg(at != -1, "no line %s", s);
	return at;
}

/* How many lines of l name this call. */
static size_t
bank_count(const struct bank_lines *l, const char *call_id)
{
	size_t	 i, n = 0;

	for (i = 0; i < l->n; i++)
		n += strcmp(bank_str(l->v[i], "call_id"), call_id) == 0;
	return n;
}

START_TEST(bank2jsonl_maps_the_excerpt)
{
	char		*tsv = bank_src(BANK_EXCERPT);
	char		*events = bank_tmp("events.jsonl");
	struct bank_lines l;
	size_t		 i;
	long		 q, a, h;

	bank_convert(tsv, events);
	bank_load(events, &l);
	/* 37 rows: 26 answered (3 events when queued), 9 abandoned. */
	ck_assert_uint_eq(l.n, 87);
	for (i = 1; i < l.n; i++)
		ck_assert(bank_num(l.v[i - 1], "ts") <= bank_num(l.v[i], "ts"));
	/* Past midnight: hangup = answer + ser_time, not ser_exit. */
	bank_find(&l, "{\"type\":\"answered\",\"call_id\":\"AA0203-36055\","
	    "\"ts\":919812828,\"queue\":\"PS\",\"agent\":\"SHARON\"}");
	bank_find(&l, "{\"type\":\"hangup\",\"call_id\":\"AA0203-36055\","
	    "\"ts\":919814425,\"queue\":\"PS\"}");
	/* ser_start 0:00:00, queued: answered at q_exit. */
	q = bank_find(&l, "{\"type\":\"queued\",\"call_id\":\"AA0104-22919\","
	    "\"ts\":918583822,\"queue\":\"NW\"}");
	a = bank_find(&l, "{\"type\":\"answered\",\"call_id\":"
	    "\"AA0104-22919\",\"ts\":918584130,\"queue\":\"NW\","
	    "\"agent\":\"MICHAL\"}");
	h = bank_find(&l, "{\"type\":\"hangup\",\"call_id\":\"AA0104-22919\","
	    "\"ts\":918584130,\"queue\":\"NW\"}");
	ck_assert(q < a && a < h);
	/* ser_start 0:00:00, never queued: answered at vru_exit. */
	bank_find(&l, "{\"type\":\"answered\",\"call_id\":\"AA0101-35183\","
	    "\"ts\":918659709,\"queue\":\"NW\",\"agent\":\"MICHAL\"}");
	/* Served a second before it queued: answered at Q, same ts after. */
	q = bank_find(&l, "{\"type\":\"queued\",\"call_id\":\"AA0103-25945\","
	    "\"ts\":918123343,\"queue\":\"PS\",\"caller\":\"24998403\"}");
	a = bank_find(&l, "{\"type\":\"answered\",\"call_id\":"
	    "\"AA0103-25945\",\"ts\":918123343,\"queue\":\"PS\","
	    "\"agent\":\"KAZAV\"}");
	ck_assert(q < a);
	/* Abandoned past midnight: Q + q_time. */
	bank_find(&l, "{\"type\":\"abandoned\",\"call_id\":\"AA0105-35608\","
	    "\"ts\":918691226,\"queue\":\"NW\"}");
	/* A caller id a spreadsheet mangled stays as written. */
	bank_find(&l, "{\"type\":\"queued\",\"call_id\":\"AA0101-34872\","
	    "\"ts\":918206371,\"queue\":\"PE\",\"caller\":\"6.02701E+11\"}");
	/* Never queued: the caller rides on answered. */
	bank_find(&l, "{\"type\":\"answered\",\"call_id\":\"AA0102-31056\","
	    "\"ts\":919036826,\"queue\":\"PS\",\"agent\":\"AVNI\","
	    "\"caller\":\"15696776\"}");
	/* NO_SERVER: no agent. */
	bank_find(&l, "{\"type\":\"answered\",\"call_id\":\"AA0101-34537\","
	    "\"ts\":917854314,\"queue\":\"PS\"}");
	/* PHANTOM and HANG without a queue: nothing. */
	ck_assert_uint_eq(bank_count(&l, "AA0101-34645"), 0);
	ck_assert_uint_eq(bank_count(&l, "AA0101-34585"), 0);
	bank_unload(&l);
	free(tsv);
	free(events);
}
END_TEST

START_TEST(bank2jsonl_and_bankcheck_skip_the_same_bad_rows)
{
	static const char hdr[] = "vru+line\tcall_id\tcustomer_id\tpriority"
	    "\ttype\tdate\tvru_entry\tvru_exit\tvru_time\tq_start\tq_exit"
	    "\tq_time\toutcome\tser_start\tser_exit\tser_time\tserver\r\n";
	/* Two good calls, eight bad rows, a blank line, mixed line ends. */
	static const char rows[] =
	    "AA01\t1\t0\t0\tPS\t990201\t7:00:00\t7:00:10\t10\t0:00:00"
	    "\t0:00:00\t0\tAGENT\t7:00:10\t7:05:10\t300\tDORIT\n"
	    "AA01\t2\t0\t0\tPS\t990201\t7:00:00\t7:00:10\t10\t0:00:00"
	    "\t0:00:00\t0\tAGENT\t7:00:10\t7:05:10\t300\r\n"
	    "AA01\t3\t0\t0\tPS\t990230\t7:00:00\t7:00:10\t10\t0:00:00"
	    "\t0:00:00\t0\tAGENT\t7:00:10\t7:05:10\t300\tDORIT\r\n"
	    "AA01\t4\t0\t0\tPS\t990201\t7:00:00\t7:00:10\t10\t24:00:00"
	    "\t0:00:00\t0\tHANG\t0:00:00\t0:00:00\t0\tNO_SERVER\r\n"
	    "AA01\t5\t0\t0\tPS\t990201\t7:0:00\t7:00:10\t10\t0:00:00"
	    "\t0:00:00\t0\tAGENT\t7:00:10\t7:05:10\t300\tDORIT\r\n"
	    "AA01\t6\t0\t0\tPS\t990201\t7:00:00\t7:00:10\t10\t0:00:00"
	    "\t0:00:00\t0\tAGENT\t7:00:10\t7:05:10\t-300\tDORIT\r\n"
	    "AA01\t7\t0\t0\tPS\t990201\t7:00:00\t7:00:10\t10\t0:00:00"
	    "\t0:00:00\t0\tBUSY\t7:00:10\t7:05:10\t300\tDORIT\r\n"
	    "AA01\t8\t0\t0\t\t990201\t7:00:00\t7:00:10\t10\t0:00:00"
	    "\t0:00:00\t0\tAGENT\t7:00:10\t7:05:10\t300\tDORIT\r\n"
	    "AA01\t1\t0\t0\tPS\t990201\t8:00:00\t8:00:10\t10\t0:00:00"
	    "\t0:00:00\t0\tAGENT\t8:00:10\t8:25:10\t1500\tDORIT\r\n"
	    "\r\n"
	    "AA02\t1\t77\t2\tNE\t990201\t9:00:00\t9:00:05\t5\t9:00:05"
	    "\t9:01:10\t65\tHANG\t0:00:00\t0:00:00\t0\tNO_SERVER\r\n"
	    "AA02\t2\t77\t2\tNE\t990201\t9:00:00\t9:00:05\t5\t9:00:05"
	    "\t9:01:10\t65\tPHANTOM\t0:00:00\t0:00:00\t0\tNO_SERVER";
	char		*tsv = bank_tmp("bad.tsv");
	char		*events = bank_tmp("ev.jsonl");
	char		*err = bank_tmp("err.log");
	char		*exp = bank_tmp("exp.jsonl");
	char		*log = bank_tmp("check.log");
	char		*tool = bank_build("tests/bank2jsonl");
	char		*argv[] = { tool, tsv, NULL };
	struct bank_lines l;
	FILE		*fp;

	ck_assert_ptr_nonnull(fp = fopen(tsv, "w"));
	fprintf(fp, "%s%s", hdr, rows);
	ck_assert_int_eq(fclose(fp), 0);
	bank_need(tool);
	ck_assert_int_eq(bank_run(events, err, argv), 0);
	ck_assert_msg(bank_has(err, "rows=11 skipped=8 calls=2 events=4"),
	    "bank2jsonl did not count 8 bad rows (see %s)", err);
	bank_load(events, &l);
	ck_assert_uint_eq(l.n, 4);
	bank_find(&l, "{\"type\":\"hangup\",\"call_id\":\"AA01-1\","
	    "\"ts\":917852710,\"queue\":\"PS\"}");
	bank_find(&l, "{\"type\":\"abandoned\",\"call_id\":\"AA02-1\","
	    "\"ts\":917859670,\"queue\":\"NE\"}");
	bank_unload(&l);
	/* The oracle skips the same rows: AA01-1's 300 s, AA02-1's 65 s. */
	ck_assert_int_eq(bank_check(tsv, NULL, exp), 0);
	bank_load(exp, &l);
	ck_assert_uint_eq(l.n, 4);
	bank_unload(&l);
	ck_assert_int_eq(bank_check(tsv, exp, log), 0);
	ck_assert(bank_has(log, "rows=11 skipped=8 phantom=1 "
	    "hang_unqueued=0 calls=2 answered=1 abandoned=1"));
	/* A file that is not the bank's. */
	ck_assert_ptr_nonnull(fp = fopen(tsv, "w"));
	fprintf(fp, "a\tb\n1\t2\n");
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_int_eq(bank_run(events, err, argv), 1);
	ck_assert_int_eq(bank_check(tsv, exp, log), 2);
	free(tsv);
	free(events);
	free(err);
	free(exp);
	free(log);
	free(tool);
}
END_TEST

/* The expected change (id, state, severity), which must exist. */
static const cJSON *
bank_change(const struct bank_lines *l, const char *id, const char *state,
    const char *sev, double ts, double value, double threshold)
{
	size_t	 i;

	for (i = 0; i < l->n; i++) {
		if (strcmp(bank_str(l->v[i], "id"), id) != 0 ||
		    strcmp(bank_str(l->v[i], "state"), state) != 0 ||
		    strcmp(bank_str(l->v[i], "severity"), sev) != 0)
			continue;
		ck_assert_msg(bank_num(l->v[i], "ts") == ts &&
		    bank_num(l->v[i], "value") == value &&
		    bank_num(l->v[i], "threshold") == threshold,
		    "%s %s %s: ts %.0f value %.0f threshold %.0f", id, state,
		    sev, bank_num(l->v[i], "ts"), bank_num(l->v[i], "value"),
		    bank_num(l->v[i], "threshold"));
		return l->v[i];
	}
	ck_abort_msg("no change %s %s %s", id, state, sev);
	return NULL;
}

/* How many changes of l have this id. */
static size_t
bank_changes(const struct bank_lines *l, const char *id)
{
	size_t	 i, n = 0;

	for (i = 0; i < l->n; i++)
		n += strcmp(bank_str(l->v[i], "id"), id) == 0;
	return n;
}

START_TEST(bankcheck_expects_what_spec_says)
{
	char		*tsv = bank_src(BANK_EXCERPT);
	char		*exp = bank_tmp("e.jsonl");
	struct bank_lines l;

	ck_assert_int_eq(bank_check(tsv, NULL, exp), 0);
	bank_load(exp, &l);
	ck_assert_uint_eq(l.n, 64);
	/* 1597 s past midnight: every tier, then resolved at the hangup. */
	bank_change(&l, "AA0203-36055/long_call", "firing", "info",
	    919813068, 240, 240);
	bank_change(&l, "AA0203-36055/long_call", "escalated", "warning",
	    919813308, 480, 480);
	bank_change(&l, "AA0203-36055/long_call", "escalated", "critical",
	    919813788, 960, 960);
	bank_change(&l, "AA0203-36055/long_call", "resolved", "critical",
	    919814425, 1597, 960);
	ck_assert_uint_eq(bank_changes(&l, "AA0203-36055/long_call"), 4);
	/* Exactly 240 s never crossed 4:00; exactly 480 s stays info. */
	ck_assert_uint_eq(bank_changes(&l, "AA0101-34894/long_call"), 0);
	ck_assert_uint_eq(bank_changes(&l, "AA0101-35526/long_call"), 0);
	bank_change(&l, "AA0101-36091/long_call", "resolved", "info",
	    919955686, 480, 240);
	ck_assert_uint_eq(bank_changes(&l, "AA0101-36091/long_call"), 2);
	/* 241 s: fires, resolves a second later. */
	bank_change(&l, "AA0102-30849/long_call", "resolved", "info",
	    918808055, 241, 240);
	/* Waits: exactly 60 s nothing, exactly 180 s warning only. */
	ck_assert_uint_eq(bank_changes(&l, "AA0101-34777/long_wait"), 0);
	bank_change(&l, "AA0101-35620/long_wait", "resolved", "warning",
	    919249500, 180, 60);
	ck_assert_uint_eq(bank_changes(&l, "AA0101-35620/long_wait"), 2);
	/* Answered at q_exit (ser_start missing) after 308 s: critical. */
	bank_change(&l, "AA0104-22919/long_wait", "escalated", "critical",
	    918584002, 180, 180);
	bank_change(&l, "AA0104-22919/long_wait", "resolved", "critical",
	    918584130, 308, 180);
	/* Served before queued: no wait at all, though q_time says 64 s. */
	ck_assert_uint_eq(bank_changes(&l, "AA0103-25945/long_wait"), 0);
	/* An abandon after exactly 180 s. */
	bank_change(&l, "AA0103-26849/long_wait", "resolved", "warning",
	    919352173, 180, 60);
	bank_unload(&l);
	free(tsv);
	free(exp);
}
END_TEST

/* How many changes of l have this rule and state. */
static size_t
bank_rule_changes(const struct bank_lines *l, const char *rule,
    const char *state)
{
	size_t	 i, n = 0;

	for (i = 0; i < l->n; i++)
		n += strcmp(bank_str(l->v[i], "rule"), rule) == 0 &&
		    strcmp(bank_str(l->v[i], "state"), state) == 0;
	return n;
}

START_TEST(bankcheck_expects_repeat_callers)
{
	char		*tsv = bank_data(), *exp = bank_tmp("e.jsonl");
	struct bank_lines l;

	/* Figures checked by hand against the month's rows for each caller. */
	ck_assert_int_eq(bank_check(tsv, NULL, exp), 0);
	bank_load(exp, &l);
	/*
	 * Caller 55664254: AA0209-32389 queued 02-01 9:10:46 (the caller's
	 * first call), then AA0107-2284, never queued, answered at 9:14:23
	 * (the caller rides on answered): 217 s later; hangup 5 s after.
	 */
	bank_change(&l, "AA0107-2284/repeat_caller", "firing", "info",
	    917860463, 217, 604800);
	bank_change(&l, "AA0107-2284/repeat_caller", "resolved", "info",
	    917860468, 217, 604800);
	ck_assert_uint_eq(bank_changes(&l, "AA0107-2284/repeat_caller"), 2);
	ck_assert_uint_eq(bank_changes(&l, "AA0209-32389/repeat_caller"), 0);
	/*
	 * Caller 28517043 queued 02-23 15:28:31 (AA0109-30928): the latest
	 * earlier start, AA0203-35635 queued 02-16 15:28:40, is 604791 s
	 * back, 9 s inside 7 days (AA0105-35947 at 15:26:22 would be
	 * outside); abandoned after 45 s.
	 */
	bank_change(&l, "AA0109-30928/repeat_caller", "firing", "info",
	    919783711, 604791, 604800);
	bank_change(&l, "AA0109-30928/repeat_caller", "resolved", "info",
	    919783756, 604791, 604800);
	ck_assert_uint_eq(bank_changes(&l, "AA0109-30928/repeat_caller"), 2);
	/*
	 * Caller 45447547 queued 02-10 9:37:58 (AA0215-13696): the latest
	 * earlier start, AA0115-13871 queued 02-03 9:37:13, is 604845 s
	 * back, past 7 days: no repeat.
	 */
	ck_assert_uint_eq(bank_changes(&l, "AA0215-13696/repeat_caller"), 0);
	/* The month's totals (one resolution per firing, every call ends). */
	ck_assert_uint_eq(bank_rule_changes(&l, "repeat_caller", "firing"),
	    8473);
	ck_assert_uint_eq(bank_rule_changes(&l, "repeat_caller", "resolved"),
	    8473);
	bank_unload(&l);
	free(tsv);
	free(exp);
}
END_TEST

/* The suite. */
static Suite *
replay_bank_suite(void)
{
	Suite	*s = suite_create("replay_bank");
	TCase	*tools = tcase_create("tools");
	TCase	*replay = tcase_create("replay");

	tcase_add_checked_fixture(tools, setup, teardown);
	tcase_set_timeout(tools, 120);
	tcase_add_test(tools, bank2jsonl_maps_the_excerpt);
	tcase_add_test(tools, bank2jsonl_and_bankcheck_skip_the_same_bad_rows);
	tcase_add_test(tools, bankcheck_expects_what_spec_says);
	tcase_add_test(tools, bankcheck_expects_repeat_callers);
	tcase_add_test(tools, bankcheck_can_fail);
	suite_add_tcase(s, tools);
	tcase_add_checked_fixture(replay, setup, teardown);
	tcase_set_timeout(replay, 600);
	tcase_add_test(replay, replay_matches_oracle);
	tcase_add_test(replay, replay_is_deterministic);
	tcase_add_test(replay, replay_of_every_rule_matches_its_golden_output);
	suite_add_tcase(s, replay);
	return s;
}

/* Run the suite. */
int
main(void)
{
	return bb_run_suite(replay_bank_suite());
}
