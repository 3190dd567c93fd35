/*
 * The configuration as an operator meets it: each mistake gives the exact
 * FILE:LINE:COL and says what is wrong; every mistake of a file is
 * reported at once; absent keys take the documented defaults; queues
 * override what they set; conf/callwatch.yaml is the defaults.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bb.h"
#include "cw.h"

/* One feed, for files that test something else. */
#define FEED	"feeds:\n  - {name: main, endpoint: \"tcp://127.0.0.1:7100\"}\n"

/* What the test loaded: the config (or NULL), its errors, its file. */
static struct config	*cfg;
static struct cfgerrs	 errs;
static char		 path[256];

/* Start each test with nothing loaded. */
static void
setup(void)
{
	cfg = NULL;
	errs.v = NULL;
	errs.n = 0;
	path[0] = '\0';
}

/* Free what the test loaded and remove its file. */
static void
teardown(void)
{
	config_free(cfg);
	cfg = NULL;
	cfgerrs_free(&errs);
	if (path[0] != '\0')
		unlink(path);
	path[0] = '\0';
}

/* Write text to a fresh temporary file; its name goes to path. */
static void
write_file(const char *text, size_t len)
{
	const char	*dir = getenv("TMPDIR");
	FILE		*fp;
	int		 fd;

	if (path[0] != '\0')
		unlink(path);
	snprintf(path, sizeof path, "%s/check_config-XXXXXX.yaml",
	    dir != NULL && *dir != '\0' ? dir : "/tmp");
	fd = mkstemps(path, 5);
	ck_assert_int_ge(fd, 0);
	fp = fdopen(fd, "w");
	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(text, 1, len, fp), len);
	ck_assert_int_eq(fclose(fp), 0);
}

/* Load YAML text as a config file; forget what was loaded before. */
static struct config *
load(const char *yaml)
{
	config_free(cfg);
	cfgerrs_free(&errs);
	write_file(yaml, strlen(yaml));
	cfg = config_load(path, &errs);
	return cfg;
}

/* Every error, one per line, for failure messages (Check caps them). */
static const char *
dump(void)
{
	static char	 buf[3072];
	size_t		 i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < errs.n && len < sizeof buf; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "\n  %s",
		    errs.v[i]);
	return errs.n == 0 ? " (no errors)" : buf;
}

/* Load text that must be valid. */
static struct config *
load_ok(const char *yaml)
{
	load(yaml);
	ck_assert_msg(cfg != NULL && errs.n == 0, "expected no error:%s",
	    dump());
	return cfg;
}

/* Assert an error "PATH:line:col: ..." that contains phrase. */
static void
has_err(int line, int col, const char *phrase)
{
	char	 prefix[300];
	size_t	 i, n;

	n = (size_t)snprintf(prefix, sizeof prefix, "%s:%d:%d: ", path,
	    line, col);
	for (i = 0; i < errs.n; i++)
		if (strncmp(errs.v[i], prefix, n) == 0 &&
		    strstr(errs.v[i] + n, phrase) != NULL)
			return;
	ck_abort_msg("no error \"%s...%s\" among:%s", prefix, phrase, dump());
}

/* Assert the load failed with exactly n errors. */
static void
nerrs(size_t n)
{
	ck_assert_ptr_null(cfg);
	ck_assert_msg(errs.n == n, "expected %zu errors, got %zu:%s", n,
	    errs.n, dump());
}

/* Assert the load failed with this one error only. */
static void
only_err(int line, int col, const char *phrase)
{
	nerrs(1);
	has_err(line, col, phrase);
}

/* Assert two tier lists are equal. */
static void
tiers_eq(const struct tier *a, int na, const struct tier *b, int nb)
{
	int	 i;

	ck_assert_int_eq(na, nb);
	for (i = 0; i < na; i++) {
		ck_assert_int_eq(a[i].after, b[i].after);
		ck_assert_double_eq(a[i].mult, b[i].mult);
		ck_assert_int_eq(a[i].sev, b[i].sev);
	}
}

/* Assert two queue configs hold the same thresholds. */
static void
qconf_eq(const struct qconf *a, const struct qconf *b)
{
	ck_assert_int_eq(a->normal[0], b->normal[0]);
	ck_assert_int_eq(a->normal[1], b->normal[1]);
	tiers_eq(a->tiers, a->ntiers, b->tiers, b->ntiers);
	tiers_eq(a->wait_tiers, a->nwait_tiers, b->wait_tiers,
	    b->nwait_tiers);
	ck_assert_int_eq(a->max_transfers, b->max_transfers);
	ck_assert_int_eq(a->hold_max, b->hold_max);
	ck_assert_int_eq(a->repeat_window, b->repeat_window);
	ck_assert(a->wrapup == b->wrapup);
	ck_assert(a->sentiment_min == b->sentiment_min);
	ck_assert_int_eq(a->max_holds, b->max_holds);
	ck_assert_int_eq(a->wrapup_max, b->wrapup_max);
	ck_assert_int_eq(a->short_call, b->short_call);
	ck_assert_int_eq(a->short_calls, b->short_calls);
}

/* Assert two configs are equal but for path, feeds, queues, state_file. */
static void
config_eq_but_feeds(const struct config *a, const struct config *b)
{
	ck_assert_int_eq(a->clock, b->clock);
	ck_assert_int_eq(a->checkpoint_interval, b->checkpoint_interval);
	ck_assert_int_eq(a->max_call_age, b->max_call_age);
	ck_assert_int_eq(a->max_skew, b->max_skew);
	ck_assert_int_eq(a->ended_linger, b->ended_linger);
	ck_assert_int_eq(a->max_queues, b->max_queues);
	ck_assert_int_eq(a->max_calls, b->max_calls);
	ck_assert_int_eq(a->log_level, b->log_level);
	ck_assert_str_eq(a->pub_endpoint, b->pub_endpoint);
	ck_assert_int_eq(a->stats_interval, b->stats_interval);
	ck_assert_int_eq(a->pub_hwm, b->pub_hwm);
	ck_assert_str_eq(a->control_endpoint, b->control_endpoint);
	ck_assert_str_eq(a->http_listen, b->http_listen);
	ck_assert_ptr_null(a->defaults.name);
	ck_assert_uint_eq(a->defaults.set, b->defaults.set);
	qconf_eq(&a->defaults, &b->defaults);
}

START_TEST(defaults_are_the_documented_values)
{
	struct config	*d = config_default();
	const struct qconf *q = &d->defaults;

	ck_assert_str_eq(d->path, "(defaults)");
	ck_assert_int_eq(d->clock, CLOCK_WALL);
	ck_assert_str_eq(d->state_file, "/var/lib/callwatch/state");
	ck_assert_int_eq(d->checkpoint_interval, 5 * CW_SEC);
	ck_assert_int_eq(d->max_call_age, 4 * CW_HOUR);
	ck_assert_int_eq(d->max_skew, 5 * CW_SEC);
	ck_assert_int_eq(d->ended_linger, 10 * CW_MIN);
	ck_assert_int_eq(d->max_queues, 1000);
	ck_assert_int_eq(d->max_calls, 2000000);
	ck_assert_int_eq(d->log_level, LOG_LVL_INFO);
	ck_assert_uint_eq(d->nfeeds, 0);
	ck_assert_str_eq(d->pub_endpoint, "tcp://127.0.0.1:7101");
	ck_assert_int_eq(d->stats_interval, CW_SEC);
	ck_assert_int_eq(d->pub_hwm, 10000);
	ck_assert_str_eq(d->control_endpoint, "tcp://127.0.0.1:7102");
	ck_assert_str_eq(d->http_listen, "");
	ck_assert_ptr_null(q->name);
	ck_assert_uint_eq(q->set, 0);
	ck_assert_int_eq(q->normal[0], 3 * CW_MIN);
	ck_assert_int_eq(q->normal[1], 4 * CW_MIN);
	ck_assert_int_eq(q->ntiers, 3);
	ck_assert_double_eq(q->tiers[0].mult, 1.0);
	ck_assert_double_eq(q->tiers[1].mult, 2.0);
	ck_assert_double_eq(q->tiers[2].mult, 4.0);
	ck_assert_int_eq(q->tiers[0].after, 0);
	ck_assert_int_eq(q->tiers[0].sev, SEV_INFO);
	ck_assert_int_eq(q->tiers[1].sev, SEV_WARNING);
	ck_assert_int_eq(q->tiers[2].sev, SEV_CRITICAL);
	ck_assert_int_eq(q->nwait_tiers, 2);
	ck_assert_int_eq(q->wait_tiers[0].after, 60 * CW_SEC);
	ck_assert_double_eq(q->wait_tiers[0].mult, 0);
	ck_assert_int_eq(q->wait_tiers[0].sev, SEV_WARNING);
	ck_assert_int_eq(q->wait_tiers[1].after, 3 * CW_MIN);
	ck_assert_int_eq(q->wait_tiers[1].sev, SEV_CRITICAL);
	ck_assert_int_eq(q->max_transfers, 2);
	ck_assert_int_eq(q->hold_max, 2 * CW_MIN);
	ck_assert_int_eq(q->repeat_window, 7 * CW_DAY);
	ck_assert(q->wrapup);
	ck_assert_uint_eq(d->nqueues, 0);
	config_free(d);
}
END_TEST

START_TEST(absent_keys_take_the_defaults)
{
	struct config	*d = config_default();

	load_ok(FEED);
	config_eq_but_feeds(cfg, d);
	ck_assert_str_eq(cfg->state_file, d->state_file);
	ck_assert_str_eq(cfg->path, path);
	ck_assert_uint_eq(cfg->nfeeds, 1);
	ck_assert_str_eq(cfg->feeds[0].name, "main");
	ck_assert_str_eq(cfg->feeds[0].endpoint, "tcp://127.0.0.1:7100");
	ck_assert_int_eq(cfg->feeds[0].socket, FEED_PULL);
	ck_assert_int_eq(cfg->feeds[0].format, FORMAT_CALLWATCH);
	ck_assert_uint_eq(cfg->nqueues, 0);
	config_free(d);
	/* Empty sections are the same as absent ones. */
	load_ok(FEED "daemon:\npublish:\ncontrol: {}\nhttp:\ndefaults:\n"
	    "queues:\n");
	d = config_default();
	config_eq_but_feeds(cfg, d);
	ck_assert_uint_eq(cfg->nqueues, 0);
	config_free(d);
}
END_TEST

START_TEST(shipped_config_is_the_defaults_plus_its_feed)
{
	const char	*src = getenv("CW_SRC");
	struct config	*d = config_default();
	struct qconf	 billing;

	snprintf(path, sizeof path, "%s/conf/callwatch.yaml",
	    src != NULL ? src : ".");
	cfg = config_load(path, &errs);
	path[0] = '\0';		/* not ours to remove */
	ck_assert_msg(cfg != NULL && errs.n == 0, "conf/callwatch.yaml:%s",
	    dump());
	/* The demo's wallboard, on loopback. */
	ck_assert_str_eq(cfg->http_listen, "127.0.0.1:7180");
	free(cfg->http_listen);
	cfg->http_listen = xstrdup(d->http_listen);
	config_eq_but_feeds(cfg, d);
	ck_assert_str_eq(cfg->state_file, "run/state");
	ck_assert_uint_eq(cfg->nfeeds, 1);
	ck_assert_str_eq(cfg->feeds[0].name, "main");
	ck_assert_str_eq(cfg->feeds[0].endpoint, "tcp://127.0.0.1:7100");
	ck_assert_int_eq(cfg->feeds[0].socket, FEED_PULL);
	ck_assert_int_eq(cfg->feeds[0].format, FORMAT_CALLWATCH);
	ck_assert_uint_eq(cfg->nqueues, 1);
	ck_assert_str_eq(cfg->queues[0].name, "billing");
	ck_assert_uint_eq(cfg->queues[0].set, QC_NORMAL);
	config_resolve(cfg, "billing", &billing);
	ck_assert_int_eq(billing.normal[0], 4 * CW_MIN);
	ck_assert_int_eq(billing.normal[1], 6 * CW_MIN);
	billing.normal[0] = d->defaults.normal[0];
	billing.normal[1] = d->defaults.normal[1];
	qconf_eq(&billing, &d->defaults);
	config_free(d);
}
END_TEST

START_TEST(durations_take_every_unit)
{
	load_ok(FEED
	    "daemon:\n"
	    "  checkpoint_interval: 500ms\n"
	    "  max_call_age: 1h\n"
	    "  max_skew: 90\n"
	    "  ended_linger: 1m30s\n"
	    "publish:\n"
	    "  stats_interval: 1.5\n"
	    "defaults:\n"
	    "  normal: [90s, 4m]\n"
	    "  hold_max: 45s\n"
	    "  repeat_window: 7d\n");
	ck_assert_int_eq(cfg->checkpoint_interval, 500 * CW_MSEC);
	ck_assert_int_eq(cfg->max_call_age, CW_HOUR);
	ck_assert_int_eq(cfg->max_skew, 90 * CW_SEC);
	ck_assert_int_eq(cfg->ended_linger, 90 * CW_SEC);
	ck_assert_int_eq(cfg->stats_interval, 1500 * CW_MSEC);
	ck_assert_int_eq(cfg->defaults.normal[0], 90 * CW_SEC);
	ck_assert_int_eq(cfg->defaults.normal[1], 4 * CW_MIN);
	ck_assert_int_eq(cfg->defaults.hold_max, 45 * CW_SEC);
	ck_assert_int_eq(cfg->defaults.repeat_window, 7 * CW_DAY);
}
END_TEST

/* Times go out as exact JSON numbers of seconds (dur_json). */
START_TEST(times_print_as_exact_seconds)
{
	static const struct {
		cw_time		 t;
		const char	*s;
	} cases[] = {
		{ 0, "0" }, { 4 * CW_SEC, "4" }, { 4452000, "4.452" },
		{ 500000, "0.5" }, { 5, "0.000005" }, { 123000, "0.123" },
		{ 1796176020769000LL, "1796176020.769" },
		{ 1796176020769123LL, "1796176020.769123" },
		{ -800000, "-0.8" }, { -3 * CW_SEC, "-3" },
		{ 10 * CW_SEC + 100, "10.0001" },
	};
	char	 buf[32];
	size_t	 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ck_assert_str_eq(dur_json(cases[i].t, buf, sizeof buf),
		    cases[i].s);
}
END_TEST

START_TEST(bad_durations_say_why)
{
	load(FEED
	    "daemon:\n"
	    "  checkpoint_interval: 5y\n"
	    "  max_call_age: soon\n"
	    "  max_skew: -1s\n");
	nerrs(3);
	has_err(4, 24, "daemon.checkpoint_interval: '5y' is not a duration: "
	    "unknown duration unit");
	has_err(5, 17, "daemon.max_call_age: 'soon' is not a duration");
	has_err(6, 13, "daemon.max_skew: '-1s' is not a duration");
}
END_TEST

START_TEST(values_out_of_bounds_name_the_bound)
{
	load(FEED
	    "daemon:\n"
	    "  checkpoint_interval: 50ms\n"
	    "  max_call_age: 31d\n"
	    "  ended_linger: 2d\n"
	    "  max_queues: 0\n"
	    "publish:\n"
	    "  hwm: 10000001\n"
	    "defaults:\n"
	    "  max_transfers: 101\n"
	    "  hold_max: 500ms\n");
	nerrs(7);
	has_err(4, 24, "daemon.checkpoint_interval: 50ms is below the "
	    "minimum 100ms");
	has_err(5, 17, "daemon.max_call_age: 31d is above the maximum 30d");
	has_err(6, 17, "daemon.ended_linger: 2d is above the maximum 1d");
	has_err(7, 15, "daemon.max_queues: 0 is below the minimum 1");
	has_err(9, 8, "publish.hwm: 10000001 is above the maximum 10000000");
	has_err(11, 18, "defaults.max_transfers: 101 is above the maximum "
	    "100");
	has_err(12, 13, "defaults.hold_max: 500ms is below the minimum 1s");
}
END_TEST

START_TEST(escalation_keys_are_checked)
{
	load_ok(FEED
	    "daemon: {max_callers: 5000}\n"
	    "defaults:\n"
	    "  sentiment_min: -0.25\n"
	    "  max_holds: 0\n"
	    "  wrapup_max: 0\n"
	    "queues:\n"
	    "  q: {sentiment_min: -1, max_holds: 5, wrapup_max: 45s}\n");
	ck_assert_int_eq(cfg->max_callers, 5000);
	ck_assert(cfg->defaults.sentiment_min == -0.25);
	ck_assert_int_eq(cfg->defaults.max_holds, 0);
	ck_assert_int_eq(cfg->defaults.wrapup_max, 0);
	ck_assert(cfg->queues[0].sentiment_min == -1.0);
	ck_assert_int_eq(cfg->queues[0].max_holds, 5);
	ck_assert_int_eq(cfg->queues[0].wrapup_max, 45 * CW_SEC);
	load(FEED
	    "daemon: {max_callers: 0}\n"
	    "defaults:\n"
	    "  sentiment_min: -1.5\n"
	    "  max_holds: 101\n"
	    "  wrapup_max: 500ms\n"
	    "  short_call: 11m\n"
	    "  short_calls: 9\n"
	    "queues:\n"
	    "  q: {sentiment_min: low}\n");
	nerrs(7);
	has_err(3, 23, "daemon.max_callers: 0 is below the minimum 1");
	has_err(5, 18, "defaults.sentiment_min: '-1.5' is not a score from "
	    "-1 to 1");
	has_err(6, 14, "defaults.max_holds: 101 is above the maximum 100 "
	    "(or 0 for off)");
	has_err(7, 15, "defaults.wrapup_max: 500ms is below the minimum 1s "
	    "(or 0 for off)");
	has_err(8, 15, "defaults.short_call: 11m is above the maximum 10m "
	    "(or 0 for off)");
	has_err(9, 16, "defaults.short_calls: 9 is above the maximum 8");
	has_err(11, 22, "queues.q.sentiment_min: 'low' is not a score from "
	    "-1 to 1");
}
END_TEST

START_TEST(stats_interval_zero_is_off_but_50ms_is_too_short)
{
	load_ok(FEED "publish: {stats_interval: 0}\n");
	ck_assert_int_eq(cfg->stats_interval, 0);
	load(FEED "publish: {stats_interval: 50ms}\n");
	only_err(3, 27, "publish.stats_interval: 50ms is below the minimum "
	    "100ms (or 0 for off)");
}
END_TEST

START_TEST(bools_accept_every_spelling)
{
	static const struct {
		const char	*text;
		bool		 val;
	} cases[] = {
		{ "true", true }, { "True", true }, { "YES", true },
		{ "on", true }, { "false", false }, { "No", false },
		{ "OFF", false }, { "no", false },
	};
	char	 yaml[256];
	size_t	 i;

	for (i = 0; i < nitems(cases); i++) {
		snprintf(yaml, sizeof yaml, FEED "defaults:\n  wrapup: %s\n",
		    cases[i].text);
		load_ok(yaml);
		ck_assert_msg(cfg->defaults.wrapup == cases[i].val, "%s",
		    cases[i].text);
	}
	load(FEED "defaults:\n  wrapup: maybe\n");
	only_err(4, 11, "defaults.wrapup: 'maybe' is not true or false");
}
END_TEST

START_TEST(enums_and_log_levels)
{
	load_ok(FEED "daemon: {clock: event, log_level: debug}\n");
	ck_assert_int_eq(cfg->clock, CLOCK_EVENT);
	ck_assert_int_eq(cfg->log_level, LOG_LVL_DEBUG);
	load_ok(FEED "daemon: {log_level: WARN}\n");
	ck_assert_int_eq(cfg->log_level, LOG_LVL_WARN);
	load_ok(FEED "daemon: {log_level: error}\n");
	ck_assert_int_eq(cfg->log_level, LOG_LVL_ERROR);
	load(FEED "daemon:\n  clock: walll\n  log_level: loud\n");
	nerrs(2);
	has_err(4, 10, "daemon.clock: unknown value 'walll', expected wall "
	    "or event");
	has_err(5, 14, "daemon.log_level: unknown value 'loud', expected "
	    "error, warn, info or debug");
}
END_TEST

START_TEST(unknown_keys_at_every_level)
{
	load("feeds:\n"
	    "  - {name: main, endpoint: \"tcp://127.0.0.1:7100\", sockt: sub}\n"
	    "daemon: {clok: wall}\n"
	    "publish: {endpont: x}\n"
	    "control: {bind: x}\n"
	    "http: {port: 80}\n"
	    "defaults:\n"
	    "  tiers: [{after: 1x, severity: info, color: red}]\n"
	    "  wait: 60s\n"
	    "queues:\n"
	    "  billing: {normal: [4m, 6m], norml: [1m, 2m]}\n"
	    "security: {curv: true}\n"
	    "alerting: on\n");
	nerrs(10);
	has_err(2, 52, "unknown key 'sockt' in feeds[0] (expected one of: "
	    "name, endpoint, socket, format)");
	has_err(3, 10, "unknown key 'clok' in daemon (expected one of: clock,"
	    " state_file,");
	has_err(4, 11, "unknown key 'endpont' in publish (expected one of: "
	    "endpoint, stats_interval, hwm)");
	has_err(5, 11, "unknown key 'bind' in control");
	has_err(6, 8, "unknown key 'port' in http (expected one of: listen)");
	has_err(8, 39, "unknown key 'color' in defaults.tiers[0] (expected "
	    "one of: after, severity)");
	has_err(9, 3, "unknown key 'wait' in defaults");
	has_err(11, 31, "unknown key 'norml' in queues.billing");
	has_err(12, 12, "unknown key 'curv' in security (expected one of: "
	    "curve, server_key, clients, tokens, insecure)");
	has_err(13, 1, "unknown key 'alerting' at the top level (expected "
	    "one of: daemon, feeds, publish, control, http, defaults, "
	    "queues, security)");
}
END_TEST

START_TEST(duplicate_keys_point_at_the_second)
{
	load("feeds:\n"
	    "  - {name: main, endpoint: \"tcp://127.0.0.1:7100\"}\n"
	    "  - {name: main, endpoint: \"tcp://127.0.0.1:7200\"}\n"
	    "daemon:\n"
	    "  clock: wall\n"
	    "  clock: event\n"
	    "queues:\n"
	    "  billing: {}\n"
	    "  billing: {wrapup: false}\n"
	    "daemon: {}\n");
	nerrs(4);
	has_err(3, 12, "feeds[1].name: feed 'main' is already defined at "
	    "line 2");
	has_err(6, 3, "duplicate key 'clock' in daemon (first at line 5)");
	has_err(9, 3, "queues: queue 'billing' is already defined at line 8");
	has_err(10, 1, "duplicate key 'daemon' at the top level (first at "
	    "line 4)");
}
END_TEST

START_TEST(wrong_kinds_say_what_is_expected)
{
	load("feeds: {name: main}\n"
	    "daemon: [1]\n"
	    "publish: 5\n"
	    "defaults:\n"
	    "  normal: 5m\n"
	    "  tiers: 5m\n"
	    "  wait_tiers: [60s]\n"
	    "  max_transfers: [1]\n"
	    "queues: [billing]\n");
	nerrs(8);
	has_err(1, 8, "feeds: expected a list of feeds");
	has_err(2, 9, "daemon: expected a map, not a list");
	has_err(3, 10, "publish: expected a map, not a single value");
	has_err(5, 11, "defaults.normal: expected a list of two durations, "
	    "like [3m, 4m]");
	has_err(6, 10, "defaults.tiers: expected a list of {after, severity}"
	    " maps");
	has_err(7, 16, "defaults.wait_tiers[0]: expected a map {after, "
	    "severity}, not a single value");
	has_err(8, 18, "defaults.max_transfers: expected a whole number, not "
	    "a list");
	has_err(9, 9, "queues: expected a map of queue names");
}
END_TEST

START_TEST(missing_values_are_errors)
{
	load(FEED "daemon:\n  clock:\n  state_file: ~\ndefaults:\n"
	    "  tiers:\n");
	nerrs(3);
	has_err(4, 9, "daemon.clock: missing value, expected wall or event");
	has_err(5, 15, "daemon.state_file: missing value, expected a string");
	has_err(7, 9, "defaults.tiers: missing value");
	/* A quoted empty string is a value: no checkpoint. */
	load_ok(FEED "daemon:\n  state_file: \"\"\n");
	ck_assert_str_eq(cfg->state_file, "");
}
END_TEST

START_TEST(at_least_one_feed_is_required)
{
	load("daemon: {clock: wall}\n");
	only_err(1, 1, "at least one feed is required");
	load("daemon: {clock: wall}\nfeeds: []\n");
	only_err(2, 1, "at least one feed is required");
	load("daemon: {clock: wall}\nfeeds:\n");
	only_err(2, 1, "at least one feed is required");
	load("");
	only_err(1, 1, "at least one feed is required");
	load("# nothing but a comment\n");
	only_err(1, 1, "at least one feed is required");
}
END_TEST

START_TEST(feed_keys_are_checked)
{
	load("feeds:\n"
	    "  - endpoint: tcp://127.0.0.1:7100\n"
	    "  - name: b\n"
	    "  - name: \"a/b\"\n"
	    "    endpoint: tcp://127.0.0.1:7300\n"
	    "  - name: d\n"
	    "    endpoint: tcp://127.0.0.1:7400\n"
	    "    socket: push\n"
	    "  - [main]\n");
	nerrs(5);
	has_err(2, 5, "feeds[0]: name is required");
	has_err(3, 5, "feeds[1]: endpoint is required");
	has_err(4, 11, "feeds[2].name: 'a/b' is not a valid name");
	has_err(8, 13, "feeds[3].socket: unknown value 'push', expected pull "
	    "or sub");
	has_err(9, 5, "feeds[4]: expected a map {name, endpoint, socket, "
	    "format}, not a list");
}
END_TEST

START_TEST(sub_feeds_and_formats)
{
	load_ok("feeds:\n"
	    "  - {name: a, endpoint: \"tcp://pbx1.example.net:5556\", "
	    "socket: sub, format: callwatch}\n"
	    "  - {name: b, endpoint: \"ipc:///run/pbx.sock\", socket: pull}\n"
	    "security: {insecure: true}\n");
	ck_assert_uint_eq(cfg->nfeeds, 2);
	ck_assert_int_eq(cfg->feeds[0].socket, FEED_SUB);
	ck_assert_int_eq(cfg->feeds[1].socket, FEED_PULL);
	ck_assert_str_eq(cfg->feeds[1].endpoint, "ipc:///run/pbx.sock");
	load("feeds:\n"
	    "  - name: fs\n"
	    "    endpoint: tcp://127.0.0.1:7100\n"
	    "    format: freeswitch\n");
	ck_assert_int_eq(cfg->feeds[0].format, FORMAT_FREESWITCH);
	load("feeds:\n"
	    "  - name: fs\n"
	    "    endpoint: tcp://127.0.0.1:7100\n"
	    "    format: asterisk\n");
	ck_assert_uint_eq(errs.n, 1);
	ck_assert_msg(strstr(errs.v[0], ":4:13: ") != NULL, "%s", errs.v[0]);
}
END_TEST

START_TEST(good_endpoints_are_accepted)
{
	static const struct {
		const char	*ep;
		const char	*socket;
	} cases[] = {
		{ "tcp://127.0.0.1:7100", "pull" },
		{ "tcp://*:7100", "pull" },
		{ "tcp://0.0.0.0:1", "pull" },
		{ "tcp://[::1]:7100", "pull" },
		{ "tcp://[2001:db8::5]:65535", "sub" },
		{ "tcp://localhost:7100", "sub" },
		{ "tcp://pbx-1.dc2.example.net:5556", "sub" },
		{ "ipc:///run/callwatch/feed.sock", "pull" },
		{ "ipc://relative.sock", "sub" },
	};
	char	 yaml[512];
	size_t	 i;

	for (i = 0; i < nitems(cases); i++) {
		/* Off this machine plainly: allowed by insecure (SPEC 7). */
		snprintf(yaml, sizeof yaml, "feeds:\n  - name: f\n"
		    "    endpoint: \"%s\"\n    socket: %s\n"
		    "security: {insecure: true}\n", cases[i].ep,
		    cases[i].socket);
		load(yaml);
		ck_assert_msg(cfg != NULL, "%s:%s", cases[i].ep, dump());
		ck_assert_str_eq(cfg->feeds[0].endpoint, cases[i].ep);
	}
}
END_TEST

START_TEST(bad_endpoints_are_rejected_with_the_reason)
{
	static const struct {
		const char	*ep;
		const char	*socket;
		const char	*why;
	} cases[] = {
		{ "inproc://feed", "pull", "only tcp:// and ipc:// endpoints" },
		{ "pgm://eth0;239.192.1.1:5555", "sub", "only tcp:// and "
		    "ipc://" },
		{ "127.0.0.1:7100", "pull", "expected tcp://HOST:PORT or "
		    "ipc://PATH" },
		{ "tcp://127.0.0.1", "pull", "missing :PORT" },
		{ "tcp://127.0.0.1:", "pull", "port must be a number from 1 "
		    "to 65535" },
		{ "tcp://127.0.0.1:0", "pull", "port must be a number from 1 "
		    "to 65535" },
		{ "tcp://127.0.0.1:65536", "pull", "from 1 to 65535" },
		{ "tcp://127.0.0.1:7100x", "pull", "from 1 to 65535" },
		{ "tcp://:7100", "pull", "missing host" },
		{ "tcp://1.2.3.256:7100", "pull", "bad IPv4 address" },
		{ "tcp://::1:7100", "pull", "IPv6 address goes in brackets" },
		{ "tcp://[::1:7100", "pull", "missing ']'" },
		{ "tcp://[::g]:7100", "pull", "bad IPv6 address" },
		{ "tcp://-pbx.example.net:7100", "sub", "bad host name" },
		{ "tcp://pbx_1:7100", "sub", "bad host name" },
		{ "ipc://", "pull", "ipc:// needs a path" },
		{ "tcp://*:7100", "sub", "* (every address) is only allowed "
		    "where the daemon binds" },
	};
	char	 yaml[512], want[256];
	size_t	 i;

	for (i = 0; i < nitems(cases); i++) {
		snprintf(yaml, sizeof yaml, "feeds:\n  - name: f\n"
		    "    endpoint: \"%s\"\n    socket: %s\n", cases[i].ep,
		    cases[i].socket);
		load(yaml);
		snprintf(want, sizeof want, "feeds[0].endpoint: '%s' is not ",
		    cases[i].ep);
		only_err(3, 15, want);
		has_err(3, 15, cases[i].why);
	}
}
END_TEST

START_TEST(bind_endpoints_must_differ)
{
	/* A feed on the publish socket's default port. */
	load("feeds:\n  - {name: a, endpoint: \"tcp://127.0.0.1:7101\"}\n");
	only_err(2, 25, "feeds[0].endpoint: endpoint tcp://127.0.0.1:7101 "
	    "is already used by publish.endpoint (its default)");
	/* Two sockets given the same endpoint: at the later in the file. */
	load(FEED "control:\n  endpoint: tcp://127.0.0.1:7300\n"
	    "publish:\n  endpoint: tcp://127.0.0.1:7300\n");
	only_err(6, 13, "publish.endpoint: endpoint tcp://127.0.0.1:7300 is "
	    "already used by control.endpoint (line 4)");
	/* Two pull feeds, and * against a single address. */
	load("feeds:\n"
	    "  - {name: a, endpoint: \"ipc:///tmp/feed\"}\n"
	    "  - {name: b, endpoint: \"ipc:///tmp/feed\"}\n"
	    "  - {name: c, endpoint: \"tcp://*:7102\"}\n"
	    "security: {insecure: true}\n");
	nerrs(2);
	has_err(3, 25, "feeds[1].endpoint: endpoint ipc:///tmp/feed is "
	    "already used by feeds[0].endpoint (line 2)");
	has_err(4, 25, "feeds[2].endpoint: endpoint tcp://*:7102 is on the "
	    "same port as control.endpoint tcp://127.0.0.1:7102");
	/* A sub feed connects: it may name the same address. */
	load_ok("feeds:\n"
	    "  - {name: a, endpoint: \"tcp://127.0.0.1:7101\", socket: sub}\n"
	    "  - {name: b, endpoint: \"tcp://127.0.0.1:7101\", socket: sub}\n");
	/* Other hosts on the same port do not clash. */
	load_ok("feeds:\n  - {name: a, endpoint: \"tcp://[::1]:7101\"}\n");
	/* With its socket wrong, whether a feed binds is not known. */
	load("feeds:\n  - {name: a, endpoint: \"tcp://127.0.0.1:7101\", "
	    "socket: pusb}\n");
	only_err(2, 57, "feeds[0].socket: unknown value 'pusb'");
}
END_TEST

START_TEST(http_listen_is_host_port_or_off)
{
	static const char *const good[] = { "127.0.0.1:7180", "[::1]:7180",
	    "localhost:80", "0.0.0.0:65535", "" };
	char	 yaml[256];
	size_t	 i;

	for (i = 0; i < nitems(good); i++) {
		snprintf(yaml, sizeof yaml, FEED "http:\n  listen: \"%s\"\n"
		    "security: {insecure: true}\n", good[i]);
		load(yaml);
		ck_assert_msg(cfg != NULL, "%s:%s", good[i], dump());
		ck_assert_str_eq(cfg->http_listen, good[i]);
	}
	load(FEED "http:\n  listen: 7180\n");
	only_err(4, 11, "http.listen: '7180' is not HOST:PORT (or \"\" for "
	    "off): missing :PORT");
	load(FEED "http:\n  listen: \"*:7180\"\n");
	only_err(4, 11, "only allowed where the daemon binds");
	load(FEED "http:\n  listen: \"localhost:0\"\n");
	only_err(4, 11, "port must be a number from 1 to 65535");
}
END_TEST

START_TEST(normal_must_be_a_sane_range)
{
	load(FEED
	    "defaults:\n"
	    "  normal: [5m, 4m]\n"
	    "queues:\n"
	    "  a: {normal: [0, 4m]}\n"
	    "  b: {normal: [1m, 2m, 3m]}\n"
	    "  c: {normal: [1m, later]}\n");
	nerrs(4);
	has_err(4, 11, "defaults.normal: reversed range: 5m is above 4m");
	has_err(6, 16, "queues.a.normal: the range must be above zero");
	has_err(7, 15, "queues.b.normal: expected a list of two durations");
	has_err(8, 20, "queues.c.normal: 'later' is not a duration");
	/* lo == hi is a range of one point, and fine. */
	load_ok(FEED "defaults: {normal: [4m, 4m]}\n");
	ck_assert_int_eq(cfg->defaults.normal[0], cfg->defaults.normal[1]);
}
END_TEST

START_TEST(tier_entries_are_checked)
{
	load(FEED
	    "queues:\n"
	    "  a:\n"
	    "    tiers: [{after: 1x, severity: info}, {after: 2x, severity: "
	    "warning},\n"
	    "            {after: 3x, severity: critical}, {after: 4x, "
	    "severity: critical}]\n"
	    "  b: {tiers: [{after: 0x, severity: info}]}\n"
	    "  c: {tiers: [{after: 101x, severity: info}]}\n"
	    "  d: {tiers: [{after: 5m}]}\n"
	    "  e: {tiers: [{after: 5m, severity: fatal}]}\n"
	    "  f: {tiers: [{after: 0, severity: info}]}\n"
	    "  g: {tiers: [{after: 0x5x, severity: info}]}\n");
	nerrs(7);
	has_err(5, 12, "queues.a.tiers: at most 3 tiers");
	has_err(7, 23, "queues.b.tiers[0].after: '0x' is not a multiple "
	    "above 0x and at most 100x");
	has_err(8, 23, "queues.c.tiers[0].after: '101x' is not a multiple");
	has_err(9, 15, "queues.d.tiers[0]: severity is required");
	has_err(10, 37, "queues.e.tiers[0].severity: unknown value 'fatal', "
	    "expected info, warning or critical");
	has_err(11, 23, "queues.f.tiers[0].after: '0' is neither a duration "
	    "above zero nor a multiple of normal like 2x");
	has_err(12, 23, "queues.g.tiers[0].after: '0x5x' is neither");
}
END_TEST

START_TEST(tiers_must_rise_in_line_and_severity)
{
	load(FEED
	    "defaults:\n"
	    "  tiers:\n"
	    "    - {after: 2x, severity: warning}\n"
	    "    - {after: 1x, severity: critical}\n");
	only_err(5, 5, "defaults.tiers: tiers are out of order: tier 2 at 4m "
	    "is not after tier 1 at 8m");
	load(FEED
	    "defaults:\n"
	    "  wait_tiers: [{after: 1m, severity: warning}, {after: 2m, "
	    "severity: warning}]\n");
	only_err(4, 15, "defaults.wait_tiers: wait_tiers must escalate: tier "
	    "2 is warning, not above tier 1 (warning)");
	/* A duration and a multiple that land on the same line overlap. */
	load(FEED
	    "defaults:\n"
	    "  tiers: [{after: 4m, severity: info}, {after: 1x, severity: "
	    "warning}]\n");
	only_err(4, 10, "defaults.tiers: tiers are out of order: tier 2 at 4m"
	    " is not after tier 1 at 4m");
	/* Empty: the rule is off, and that is set explicitly. */
	load_ok(FEED "queues:\n  quiet: {tiers: [], wait_tiers: []}\n");
	ck_assert_int_eq(cfg->queues[0].ntiers, 0);
	ck_assert_int_eq(cfg->queues[0].nwait_tiers, 0);
	ck_assert_uint_eq(cfg->queues[0].set, QC_TIERS | QC_WAIT_TIERS);
}
END_TEST

START_TEST(queue_normal_can_break_inherited_tiers)
{
	load(FEED
	    "defaults:\n"
	    "  tiers: [{after: 5m, severity: info}, {after: 2x, severity: "
	    "warning}]\n"
	    "  wait_tiers: [{after: 1x, severity: warning}, {after: 5m, "
	    "severity: critical}]\n"
	    "queues:\n"
	    "  long: {normal: [3m, 4m]}\n"
	    "  short:\n"
	    "    normal: [1m, 2m]\n"
	    "  own:\n"
	    "    normal: [1m, 2m]\n"
	    "    tiers: [{after: 5m, severity: info}, {after: 1x, severity: "
	    "warning}]\n"
	    "    wait_tiers: [{after: 1m, severity: warning}]\n"
	    "  slow: {normal: [5m, 6m]}\n");
	/* long is unchanged; short, own and slow: one error each. */
	nerrs(3);
	/* 2x of 2m = 4m, before the inherited 5m. */
	has_err(9, 13, "queues.short.normal: the inherited tiers are out of "
	    "order with this range: tier 2 at 4m is not after tier 1 at 5m");
	/* Its own tiers are wrong at its tiers, not at normal. */
	has_err(12, 12, "queues.own.tiers: tiers are out of order: tier 2 at "
	    "2m is not after tier 1 at 5m");
	/* Wait multiples are of normal's top too: 1x of 6m after 5m. */
	has_err(14, 18, "queues.slow.normal: the inherited wait_tiers are out"
	    " of order with this range: tier 2 at 5m is not after tier 1 at "
	    "6m");
}
END_TEST

START_TEST(queues_override_only_what_they_set)
{
	struct qconf	 r;
	const struct qconf *q;

	load_ok(FEED
	    "defaults:\n"
	    "  max_transfers: 3\n"
	    "queues:\n"
	    "  support:\n"
	    "    max_transfers: 5\n"
	    "    wrapup: no\n"
	    "    hold_max: 5m\n");
	ck_assert_uint_eq(cfg->nqueues, 1);
	q = &cfg->queues[0];
	ck_assert_str_eq(q->name, "support");
	ck_assert_uint_eq(q->set, QC_MAX_TRANSFERS | QC_WRAPUP | QC_HOLD_MAX);
	ck_assert_int_eq(q->max_transfers, 5);
	ck_assert_int_eq(q->hold_max, 5 * CW_MIN);
	ck_assert(!q->wrapup);
	/* What it does not set is left out of the queue itself... */
	ck_assert_int_eq(q->normal[1], 0);
	ck_assert_int_eq(q->ntiers, 0);
	/* ... and comes from the defaults when resolved. */
	config_resolve(cfg, "support", &r);
	ck_assert_ptr_null(r.name);
	ck_assert_uint_eq(r.set, q->set);
	ck_assert_int_eq(r.max_transfers, 5);
	ck_assert_int_eq(r.hold_max, 5 * CW_MIN);
	ck_assert(!r.wrapup);
	ck_assert_int_eq(r.normal[1], 4 * CW_MIN);
	ck_assert_int_eq(r.ntiers, 3);
	ck_assert_int_eq(r.repeat_window, 7 * CW_DAY);
	/* An unknown queue gets the defaults, overridden defaults too. */
	config_resolve(cfg, "nobody", &r);
	ck_assert_ptr_null(r.name);
	ck_assert_uint_eq(r.set, 0);
	ck_assert_int_eq(r.max_transfers, 3);
	qconf_eq(&r, &cfg->defaults);
}
END_TEST

START_TEST(every_queue_key_sets_its_bit)
{
	static const struct {
		const char	*yaml;
		unsigned	 bit;
	} cases[] = {
		{ "normal: [1m, 2m]", QC_NORMAL },
		{ "tiers: [{after: 10m, severity: critical}]", QC_TIERS },
		{ "wait_tiers: [{after: 2m, severity: info}]", QC_WAIT_TIERS },
		{ "max_transfers: 4", QC_MAX_TRANSFERS },
		{ "hold_max: 1m", QC_HOLD_MAX },
		{ "repeat_window: 0", QC_REPEAT_WINDOW },
		{ "wrapup: off", QC_WRAPUP },
		{ "sentiment_min: -0.8", QC_SENTIMENT_MIN },
		{ "max_holds: 0", QC_MAX_HOLDS },
		{ "wrapup_max: 90s", QC_WRAPUP_MAX },
		{ "short_call: 5s", QC_SHORT_CALL },
		{ "short_calls: 8", QC_SHORT_CALLS },
	};
	char	 yaml[512];
	size_t	 i;

	for (i = 0; i < nitems(cases); i++) {
		snprintf(yaml, sizeof yaml, FEED "queues:\n  q: {%s}\n",
		    cases[i].yaml);
		load_ok(yaml);
		ck_assert_msg(cfg->queues[0].set == cases[i].bit, "%s: %#x",
		    cases[i].yaml, cfg->queues[0].set);
	}
	load_ok(FEED "queues:\n  q:\n  r: {}\n");
	ck_assert_uint_eq(cfg->nqueues, 2);
	ck_assert_uint_eq(cfg->queues[0].set | cfg->queues[1].set, 0);
}
END_TEST

START_TEST(multiples_resolve_against_the_queue_normal)
{
	struct qconf	 r;
	int		 i;

	load_ok(FEED
	    "queues:\n"
	    "  billing: {normal: [4m, 6m]}\n"
	    "  sales:\n"
	    "    tiers: [{after: 5m, severity: warning}, {after: 1.5x, "
	    "severity: critical}]\n"
	    "  vip: {normal: [1m, 2m], wait_tiers: [{after: 0.5x, severity: "
	    "critical}]}\n");
	config_resolve(cfg, "billing", &r);
	ck_assert_int_eq(r.ntiers, 3);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq((cw_time)(r.tiers[i].mult *
		    (double)r.normal[1]), (cw_time)(6 * CW_MIN) << i);
	config_resolve(cfg, "sales", &r);
	ck_assert_int_eq(r.normal[1], 4 * CW_MIN);
	ck_assert_int_eq(r.tiers[0].after, 5 * CW_MIN);
	ck_assert_double_eq(r.tiers[0].mult, 0);
	ck_assert_int_eq(r.tiers[0].sev, SEV_WARNING);
	ck_assert_double_eq(r.tiers[1].mult, 1.5);
	ck_assert_int_eq(r.tiers[1].after, 0);
	ck_assert_int_eq(r.tiers[1].sev, SEV_CRITICAL);
	config_resolve(cfg, "vip", &r);
	ck_assert_int_eq(r.nwait_tiers, 1);
	ck_assert_double_eq(r.wait_tiers[0].mult, 0.5);
	ck_assert_int_eq(r.ntiers, 3);
}
END_TEST

START_TEST(queues_keep_file_order_and_resolve_in_any_order)
{
	struct qconf	 r;

	load_ok(FEED "queues:\n  zeta: {max_transfers: 9}\n"
	    "  alpha: {max_transfers: 4}\n  mid: {}\n");
	ck_assert_uint_eq(cfg->nqueues, 3);
	ck_assert_str_eq(cfg->queues[0].name, "zeta");
	ck_assert_str_eq(cfg->queues[1].name, "alpha");
	ck_assert_str_eq(cfg->queues[2].name, "mid");
	config_resolve(cfg, "alpha", &r);
	ck_assert_int_eq(r.max_transfers, 4);
	config_resolve(cfg, "zeta", &r);
	ck_assert_int_eq(r.max_transfers, 9);
	config_resolve(cfg, "mid", &r);
	ck_assert_int_eq(r.max_transfers, 2);
	config_resolve(cfg, NULL, &r);
	ck_assert_uint_eq(r.set, 0);
}
END_TEST

START_TEST(queue_names_are_checked)
{
	load(FEED "queues:\n  \"a/b\": {}\n  [x]: {}\n  c: [1]\n");
	nerrs(3);
	has_err(4, 3, "queues: 'a/b' is not a valid queue name");
	has_err(5, 3, "queues: a queue name must be a single value, not a "
	    "list");
	has_err(6, 6, "queues.c: expected a map of keys from defaults, not "
	    "a list");
}
END_TEST

START_TEST(every_error_is_reported_in_file_order)
{
	/* The sections are read in table order; errors come in file order. */
	load("queues:\n"
	    "  billing: {normal: [6m, 4m]}\n"
	    "daemon:\n"
	    "  clock: sometimes\n"
	    "feeds:\n"
	    "  - {name: main, endpoint: \"tcp://127.0.0.1:99999\"}\n");
	nerrs(3);
	ck_assert_str_eq(errs.v[0] + strlen(path), ":2:21: queues.billing."
	    "normal: reversed range: 6m is above 4m (write [low, high])");
	ck_assert_str_eq(errs.v[1] + strlen(path), ":4:10: daemon.clock: "
	    "unknown value 'sometimes', expected wall or event");
	ck_assert_str_eq(errs.v[2] + strlen(path), ":6:28: feeds[0].endpoint:"
	    " 'tcp://127.0.0.1:99999' is not a valid endpoint: the port must "
	    "be a number from 1 to 65535");
}
END_TEST

START_TEST(syntax_errors_are_one_error_where_libyaml_stops)
{
	load(FEED "daemon:\n  clock: [wall\npublish: {}\n");
	only_err(5, 8, "syntax error: did not find expected ',' or ']'");
	load("daemon:\n  clock: wall\n feeds: []\n");
	only_err(3, 2, "syntax error: did not find expected key");
	load("a: \tb: c\n");
	only_err(1, 6, "syntax error: mapping values are not allowed");
	load("feeds: \"\xff\"\n");
	only_err(1, 9, "cannot read the text: invalid leading UTF-8 octet");
}
END_TEST

START_TEST(the_top_level_must_be_a_map)
{
	load("- feeds\n- daemon\n");
	only_err(1, 1, "the top level must be a map of sections (daemon, "
	    "feeds, publish, control, http, defaults, queues, security), not "
	    "a list");
	load("callwatch\n");
	only_err(1, 1, "not a single value");
}
END_TEST

START_TEST(unreadable_files_say_why)
{
	char	 want[512];

	snprintf(path, sizeof path, "/nonexistent/callwatch.yaml");
	cfg = config_load(path, &errs);
	path[0] = '\0';
	nerrs(1);
	/* SPEC 2: every error as FILE:LINE:COL, this one too. */
	ck_assert_str_eq(errs.v[0], "/nonexistent/callwatch.yaml:1:1: cannot "
	    "read: No such file or directory");
	cfgerrs_free(&errs);
	cfg = config_load("/", &errs);
	nerrs(1);
	snprintf(want, sizeof want, "/:1:1: cannot read: Is a directory");
	ck_assert_str_eq(errs.v[0], want);
	/* Without anywhere to put the errors it still fails cleanly. */
	ck_assert_ptr_null(config_load("/nonexistent/x.yaml", NULL));
}
END_TEST

/* Load text built by fprintf-like steps in fn (files too big to spell). */
static void
load_built(void (*fn)(FILE *))
{
	char	*text = NULL;
	size_t	 len = 0;
	FILE	*fp = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(fp);
	fn(fp);
	ck_assert_int_eq(fclose(fp), 0);
	load(text);
	free(text);
}

/* 40 nested lists. */
static void
build_deep(FILE *fp)
{
	fprintf(fp, "feeds: %.40s%.40s\n", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
	    "[[[[[[[[[[", "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]");
}

/* 2 MiB of comment. */
static void
build_big(FILE *fp)
{
	size_t	 i;

	for (i = 0; i < 2 * 1024; i++)
		fprintf(fp, "#%01022d\n", 0);
}

/* 257 feeds. */
static void
build_feeds(FILE *fp)
{
	int	 i;

	fprintf(fp, "feeds: [");
	for (i = 0; i < 257; i++)
		fprintf(fp, "{name: f%d, endpoint: \"ipc://f%d\"}, ", i, i);
	fprintf(fp, "]\n");
}

/* Keys with control characters, and a long one. */
static void
build_ugly_keys(FILE *fp)
{
	fprintf(fp, FEED "daemon: {\"\\tk\\x01\": 1, %.100s: 1}\n",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
}

START_TEST(absurd_input_is_refused)
{
	load_built(build_deep);
	only_err(1, 39, "nesting is deeper than 32 levels");
	load_built(build_big);
	nerrs(1);
	ck_assert_str_eq(errs.v[0] + strlen(path), ":1:1: the file is larger "
	    "than 1024 KiB");
	/* Feeds are compared pairwise: a few hundred at most. */
	load_built(build_feeds);
	only_err(1, 8, "feeds: at most 256 feeds, not 257");
	load(FEED "---\n" FEED);
	only_err(3, 1, "a second YAML document");
	load(FEED "daemon: {state_file: \"a\\0b\"}\n");
	only_err(3, 22, "daemon.state_file: the value contains a NUL");
}
END_TEST

START_TEST(user_text_in_messages_is_cut_and_cleaned)
{
	load_built(build_ugly_keys);
	nerrs(2);
	has_err(3, 10, "unknown key '?k?' in daemon");
	/* 44 characters of 100, then "...". */
	has_err(3, 24, "unknown key 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaa...' in daemon");
}
END_TEST

START_TEST(errors_stop_after_a_hundred)
{
	char	 yaml[8192];
	size_t	 len;
	int	 i;

	len = (size_t)snprintf(yaml, sizeof yaml, FEED "daemon:\n");
	for (i = 0; i < 150; i++)
		len += (size_t)snprintf(yaml + len, sizeof yaml - len,
		    "  k%d: 1\n", i);
	load(yaml);
	nerrs(101);
	has_err(4, 3, "unknown key 'k0' in daemon");
	has_err(103, 3, "unknown key 'k99' in daemon");
	has_err(104, 3, "too many errors, stopped after 100");
}
END_TEST

START_TEST(anchors_and_aliases)
{
	struct qconf	 r;

	load_ok(FEED
	    "defaults:\n"
	    "  wait_tiers: &waits [{after: 30s, severity: warning}]\n"
	    "queues:\n"
	    "  a: &a {tiers: [{after: 10m, severity: critical}]}\n"
	    "  b: *a\n"
	    "  c: {wait_tiers: *waits}\n");
	ck_assert_uint_eq(cfg->nqueues, 3);
	config_resolve(cfg, "b", &r);
	ck_assert_uint_eq(r.set, QC_TIERS);
	ck_assert_int_eq(r.tiers[0].after, 10 * CW_MIN);
	config_resolve(cfg, "c", &r);
	ck_assert_int_eq(r.wait_tiers[0].after, 30 * CW_SEC);
	/* An alias of a node inside itself ends, with an error. */
	load("feeds: &f [*f]\n");
	only_err(1, 8, "feeds[0]: expected a map {name, endpoint, socket, "
	    "format}, not a list");
	load(FEED "queues:\n  c: &c {normal: *c}\n");
	only_err(4, 6, "queues.c.normal: expected a list of two durations");
	/* Merge keys are not YAML 1.2, and not silently ignored. */
	load(FEED "queues:\n  a: &a {wrapup: no}\n  b: {<<: *a}\n");
	only_err(5, 7, "unknown key '<<' in queues.b (merge keys are not "
	    "supported;");
}
END_TEST

/* Assert the --help-config line of key contains want. */
static void
help_has(const char *out, const char *key, const char *want)
{
	char		 start[64];
	const char	*line, *end;

	snprintf(start, sizeof start, "\n%s ", key);
	line = strstr(out, start);
	ck_assert_msg(line != NULL, "no line for %s", key);
	end = strchr(line + 1, '\n');
	ck_assert_ptr_nonnull(end);
	ck_assert_msg(memmem(line, (size_t)(end - line), want, strlen(want))
	    != NULL, "%.*s: no %s", (int)(end - line), line, want);
}

START_TEST(every_error_is_one_line)
{
	/* publish and control both bind an ipc path with a newline in it. */
	load("feeds: [{name: m, endpoint: \"ipc://f\"}]\n"
	    "publish: {endpoint: \"ipc://a\\nb\"}\n"
	    "control: {endpoint: \"ipc://a\\nb\"}\n");
	ck_assert_uint_ge(errs.n, 1);
	for (size_t i = 0; i < errs.n; i++)
		ck_assert_msg(strchr(errs.v[i], '\n') == NULL, "two lines: %s",
		    errs.v[i]);
	has_err(2, 21, "publish.endpoint: 'ipc://a?b' is not a valid "
	    "endpoint: the ipc path has a control character");
}
END_TEST

START_TEST(help_lists_every_key_once)
{
	char	*out = NULL;
	size_t	 len = 0, lines = 0, i;
	FILE	*fp = open_memstream(&out, &len);

	ck_assert_ptr_nonnull(fp);
	config_print_keys(fp);
	ck_assert_int_eq(fclose(fp), 0);
	for (i = 0; i < len; i++)
		lines += out[i] == '\n';
	/* 11 daemon, 4 feed, 3 publish, 1 control, 1 http, 12 defaults,
	 * 1 queues. */
	ck_assert_uint_eq(lines, 46);
	/* The first line is a key too. */
	ck_assert_int_eq(strncmp(out, "daemon.clock ", 13), 0);
	help_has(out, "daemon.checkpoint_interval", " duration 100ms..1h ");
	help_has(out, "daemon.checkpoint_interval", "(default: 5s)");
	help_has(out, "daemon.log_level", " error|warn|info|debug ");
	help_has(out, "feeds[].endpoint", "(default: required)");
	help_has(out, "publish.stats_interval", " duration 100ms..1h or 0 ");
	help_has(out, "defaults.tiers", "(default: [{after: 1x, severity: "
	    "info}, {after: 2x, severity: warning}, {after: 4x, severity: "
	    "critical}])");
	help_has(out, "defaults.wrapup", "(default: true)");
	help_has(out, "http.listen", "(default: \"\")");
	help_has(out, "queues", "any keys of defaults");
	free(out);
}
END_TEST

START_TEST(free_functions_take_null_and_empty)
{
	struct cfgerrs	 e = { NULL, 0 };

	config_free(NULL);
	cfgerrs_free(NULL);
	cfgerrs_free(&e);
	ck_assert_ptr_null(e.v);
	ck_assert_uint_eq(e.n, 0);
	/* Errors are added to what errs already holds. */
	load(FEED "daemon: {clock: x}\n");
	cfgerrs_free(&errs);
	ck_assert_uint_eq(errs.n, 0);
	ck_assert_ptr_null(errs.v);
}
END_TEST

/* The suite. */
static Suite *
config_suite(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, defaults_are_the_documented_values);
	tcase_add_test(tc, times_print_as_exact_seconds);
	tcase_add_test(tc, absent_keys_take_the_defaults);
	tcase_add_test(tc, shipped_config_is_the_defaults_plus_its_feed);
	tcase_add_test(tc, durations_take_every_unit);
	tcase_add_test(tc, bad_durations_say_why);
	tcase_add_test(tc, values_out_of_bounds_name_the_bound);
	tcase_add_test(tc, escalation_keys_are_checked);
	tcase_add_test(tc, stats_interval_zero_is_off_but_50ms_is_too_short);
	tcase_add_test(tc, bools_accept_every_spelling);
	tcase_add_test(tc, enums_and_log_levels);
	tcase_add_test(tc, unknown_keys_at_every_level);
	tcase_add_test(tc, duplicate_keys_point_at_the_second);
	tcase_add_test(tc, wrong_kinds_say_what_is_expected);
	tcase_add_test(tc, missing_values_are_errors);
	tcase_add_test(tc, at_least_one_feed_is_required);
	tcase_add_test(tc, feed_keys_are_checked);
	tcase_add_test(tc, sub_feeds_and_formats);
	tcase_add_test(tc, good_endpoints_are_accepted);
	tcase_add_test(tc, bad_endpoints_are_rejected_with_the_reason);
	tcase_add_test(tc, bind_endpoints_must_differ);
	tcase_add_test(tc, http_listen_is_host_port_or_off);
	tcase_add_test(tc, normal_must_be_a_sane_range);
	tcase_add_test(tc, tier_entries_are_checked);
	tcase_add_test(tc, tiers_must_rise_in_line_and_severity);
	tcase_add_test(tc, queue_normal_can_break_inherited_tiers);
	tcase_add_test(tc, queues_override_only_what_they_set);
	tcase_add_test(tc, every_queue_key_sets_its_bit);
	tcase_add_test(tc, multiples_resolve_against_the_queue_normal);
	tcase_add_test(tc, queues_keep_file_order_and_resolve_in_any_order);
	tcase_add_test(tc, queue_names_are_checked);
	tcase_add_test(tc, every_error_is_reported_in_file_order);
	tcase_add_test(tc, syntax_errors_are_one_error_where_libyaml_stops);
	tcase_add_test(tc, the_top_level_must_be_a_map);
	tcase_add_test(tc, unreadable_files_say_why);
	tcase_add_test(tc, absurd_input_is_refused);
	tcase_add_test(tc, user_text_in_messages_is_cut_and_cleaned);
	tcase_add_test(tc, errors_stop_after_a_hundred);
	tcase_add_test(tc, anchors_and_aliases);
	tcase_add_test(tc, every_error_is_one_line);
	tcase_add_test(tc, help_lists_every_key_once);
	tcase_add_test(tc, free_functions_take_null_and_empty);
	suite_add_tcase(s, tc);
	return s;
}

/* Run the suite; exit 1 if a test failed. */
int
main(void)
{
	return bb_run_suite(config_suite());
}
