/*
 * callwatchd: start-up.  Parse the command line, read the config, then
 * either check it (-n), replay a file (--replay) or run the event loop.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "cw.h"

#define MAIN_DEFAULT_CONFIG	"/etc/callwatch/callwatch.yaml"
#define MAIN_VERSION		"0.1.0"

/* Print usage to f. */
static void
main_usage(FILE *f)
{
	fprintf(f,
"usage: callwatchd [-nvV] [-c FILE] [--replay EVENTS.jsonl] [--help-config]\n"
"  -c, --config FILE   configuration (default " MAIN_DEFAULT_CONFIG ")\n"
"  -n, --check         check the configuration and exit\n"
"      --replay FILE   run the rules over a JSON Lines file with the event\n"
"                      clock and print what would be published (- = stdin)\n"
"  -v, --verbose       log debug lines (overrides daemon.log_level)\n"
"      --help-config   list every configuration key with its default\n"
"  -V, --version       print the version\n"
"  -h, --help          this text\n");
}

/* Read the config or print every error and exit 1. */
static struct config *
main_config(const char *path)
{
	struct cfgerrs	 errs = { NULL, 0 };
	struct config	*cfg;
	size_t		 i;

	if ((cfg = config_load(path, &errs)) != NULL)
		return cfg;
	for (i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.v[i]);
	cfgerrs_free(&errs);
	exit(1);
}

#define MAIN_STATUS_SECONDS	10	/* STATUS= refresh */
#define MAIN_RESTORE_USEC	(5ULL * 60 * 1000000)	/* start may take */

/* The STATUS= line systemd shows, now and then. */
static void
main_status(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	daemon_status(arg, false);
}

/*
 * Apply what the journal holds past the restored checkpoint (a crash
 * left it there), on the clocks it recorded, publishing nothing; then
 * journal what comes next.
 */
static void
main_recover(struct daemon *d)
{
	const char	*state = d->cfg->state_file;
	uint64_t	 last, n;
	struct pub	*mute;
	off_t		 good;

	if (state == NULL || *state == '\0') {
		d->clock_held = false;
		return;
	}
	/* The replay numbers what it would publish as the first run did. */
	mute = d->pub = pub_new_fn(NULL, NULL);
	pub_set_seq(mute, d->seq_at);
	d->clock_held = true;
	n = journal_replay(d, state, d->journal_from, &last, &good);
	d->clock_held = false;
	/* Numbering goes on above what the replay would have published. */
	if (pub_seq(mute) > d->seq_ceiling)
		d->seq_ceiling = pub_seq(mute);
	pub_free(mute);
	d->pub = NULL;
	daemon_clock(d);
	if (n > 0)
		log_info("journal replayed records=%llu calls=%zu",
		    (unsigned long long)n, calls_count(&d->calls));
	d->journal = journal_open(state, last, good);
}

/* Run the daemon until SIGTERM or SIGINT. */
static int
main_run(struct config *cfg, bool verbose)
{
	struct event_config *ec = event_config_new();
	struct event_base *base;
	struct event	*status;
	struct daemon	*d;
	char		*path;
	char		*cause = NULL;

	event_config_set_flag(ec, EVENT_BASE_FLAG_PRECISE_TIMER);
	if ((base = event_base_new_with_config(ec)) == NULL)
		fatalx("event_base_new");
	event_config_free(ec);
	path = xstrdup(cfg->path);
	(void)notify_open();
	/* Reading a big state file and journal takes a while: tell systemd,
	 * so TimeoutStartSec does not kill a daemon that is getting there. */
	notify_send("EXTEND_TIMEOUT_USEC=%llu\nSTATUS=restoring state",
	    (unsigned long long)MAIN_RESTORE_USEC);
	d = daemon_new(base, cfg, false);
	/* The clock stays at the checkpoint's time until the journal is
	 * applied (main_recover). */
	d->clock_held = true;
	if (state_load(d) == -1) {
		/* Set aside; start over empty on the same config. */
		daemon_free(d);
		d = daemon_new(base, main_config(path), false);
		/* What it published is unknown: start seq at the wall clock
		 * in µs, above anything a daemon can have published. */
		d->seq_ceiling = (uint64_t)dur_wallclock();
	}
	free(path);
	d->verbose = verbose;
	main_recover(d);
	if (daemon_open(d, &cause) == -1) {
		log_errorx("%s", cause);
		notify_send("STATUS=failed to start: %s", cause);
		free(cause);
		daemon_free(d);
		event_base_free(base);
		notify_close();
		return 1;
	}
	log_info("callwatchd started version=%s config=%s clock=%s feeds=%zu "
	    "publish=%s control=%s", MAIN_VERSION, d->cfg->path,
	    d->cfg->clock == CLOCK_WALL ? "wall" : "event", d->cfg->nfeeds,
	    d->cfg->pub_endpoint, d->cfg->control_endpoint);
	/* The seq ceiling is on disk before anything is published; if it
	 * cannot be (or there is no state file), seq starts at the wall
	 * clock in µs instead: never below what a previous run published. */
	if ((d->cfg->state_file[0] == '\0' || state_save(d) == -1) &&
	    pub_seq(d->pub) < (uint64_t)dur_wallclock())
		pub_set_seq(d->pub, (uint64_t)dur_wallclock());
	/* Every socket is bound: ready, and the loop pings the watchdog. */
	daemon_status(d, true);
	notify_watchdog(base);
	status = event_new(base, -1, EV_PERSIST, main_status, d);
	if (status == NULL || event_add(status, &(struct timeval){
	    MAIN_STATUS_SECONDS, 0 }) == -1)
		fatalx("status timer");
	event_base_dispatch(base);
	notify_send("STOPPING=1\nSTATUS=stopping");
	(void)state_save(d);
	log_info("callwatchd stopped calls=%zu published=%llu",
	    calls_count(&d->calls), (unsigned long long)pub_published(d->pub));
	event_free(status);
	daemon_free(d);
	event_base_free(base);
	notify_close();
	return 0;
}

/* Replay a file through a daemon with no sockets. */
static int
main_replay(struct config *cfg, const char *path)
{
	struct daemon	*d = daemon_new(NULL, cfg, true);
	int		 rc;

	d->pub = pub_new_file(stdout);
	rc = replay_run(d, path);
	daemon_free(d);
	return rc == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'n' },
		{ "replay", required_argument, NULL, 'R' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help-config", no_argument, NULL, 'K' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*path = MAIN_DEFAULT_CONFIG, *replay = NULL;
	struct config	*cfg;
	int		 ch, check = 0, verbose = 0;

	log_init(LOG_LVL_INFO, "callwatchd");
	while ((ch = getopt_long(argc, argv, "c:nvVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'R':
			replay = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case 'K':
			config_print_keys(stdout);
			return 0;
		case 'V':
			printf("callwatchd %s\n", MAIN_VERSION);
			return 0;
		case 'h':
			main_usage(stdout);
			return 0;
		default:
			main_usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		main_usage(stderr);
		return 2;
	}
	cfg = main_config(path);
	if (check) {
		printf("configuration OK\n");
		config_free(cfg);
		return 0;
	}
	log_setlevel(verbose ? LOG_LVL_DEBUG : cfg->log_level);
	signal(SIGPIPE, SIG_IGN);
	if (replay != NULL)
		return main_replay(cfg, replay);
	return main_run(cfg, verbose > 0);
}
