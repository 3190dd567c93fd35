/*
 * The state file (SPEC 2): live calls with their open alerts, silences,
 * remembered callers, each queue's last hour and the publish seq, so a
 * restart loses no call and repeats no alert.  JSON Lines: a header
 * {"k":"callwatch-state","version":1,...}, one line per call (and per
 * silence, queue, 512 callers), and a trailer {"k":"end","lines":N}
 * without which the file is truncated.  Written whole to FILE.tmp,
 * fsync'd, renamed over FILE, the folder fsync'd: a crash leaves the old
 * file or the new one, never half of one.  A failed fsync is fatal (the
 * kernel may have dropped the pages; retrying would lie).  A file that
 * does not read is renamed FILE.corrupt-UNIXTIME and never trusted.
 *
 * seq: the header holds a ceiling STATE_SEQ_RESERVE above the seq at the
 * time of writing, and a restored daemon continues from it, so it never
 * reuses a seq it may have published after the last checkpoint (kill -9).
 * The daemon writes a checkpoint early when seq nears the ceiling.
 */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <cJSON.h>

#include "cw.h"

#define STATE_VERSION		1
#define STATE_FLUSH		((size_t)256 * 1024)	/* bytes a write */
#define STATE_MAX_LINE		((ssize_t)16 * 1024 * 1024)

/* Count the lines b holds, write them to fp and empty b; -1 on error. */
static int
state_flush(FILE *fp, struct buf *b, long *lines)
{
	const char	*p = b->data, *end = b->data + b->len;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		(*lines)++;
		p++;
	}
	if (b->len > 0 && fwrite(b->data, 1, b->len, fp) != b->len)
		return -1;
	buf_reset(b);
	return 0;
}

/* fsync the folder holding path, so the rename is on disk; -1 if not. */
static int
state_sync_dir(const char *path)
{
	char	*copy = xstrdup(path);
	int	 fd, rc = 0;

	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1 || fsync(fd) == -1) {
		log_warn("state: fsync the folder of %s", path);
		rc = -1;
	}
	if (fd != -1)
		close(fd);
	free(copy);
	return rc;
}

/* Write every line of the state into fp; the number of lines or -1. */
static long
state_write_lines(struct daemon *d, FILE *fp, uint64_t ceiling)
{
	struct buf	 b;
	struct call	*c;
	struct queue	*q;
	size_t		 pos = 0, i;
	long		 lines = 0;

	buf_init(&b);
	buf_printf(&b, "{\"k\":\"callwatch-state\",\"version\":%d,"
	    "\"written\":%lld,\"now\":%lld,\"seq\":%llu,\"silence_id\":%llu,"
	    "\"callers_seed\":\"%016llx\",\"calls\":%zu,"
	    "\"journal_seq\":%llu,\"seq_at\":%llu,\"calls_seed\":"
	    "\"%016llx\"}\n", STATE_VERSION,
	    (long long)dur_wallclock(), (long long)d->now,
	    (unsigned long long)ceiling,
	    (unsigned long long)d->silences.last_id,
	    (unsigned long long)d->callers.seed, calls_count(&d->calls),
	    (unsigned long long)journal_seq(d->journal),
	    (unsigned long long)(d->pub != NULL ? pub_seq(d->pub) : 0),
	    (unsigned long long)d->calls.map.seed);
	while ((c = calls_next(&d->calls, &pos)) != NULL) {
		call_save(&b, c);
		if (b.len >= STATE_FLUSH && state_flush(fp, &b, &lines) == -1)
			goto fail;
	}
	silences_save(&b, &d->silences);
	callers_save(&b, &d->callers);
	tombs_save(&b, &d->tombs, d->now);
	pos = 0;
	while ((q = queues_next(&d->queues, &pos)) != NULL)
		queue_save(&b, q);
	for (i = 0; i < d->nfeeds && d->fw != NULL; i++)
		if (d->fw[i].silent) {
			buf_adds(&b, "{\"k\":\"feed\"");
			buf_add_member(&b, "name", feed_name(d->feeds[i]));
			buf_printf(&b, ",\"since\":%lld,\"seq\":%llu}\n",
			    (long long)d->fw[i].since,
			    (unsigned long long)d->fw[i].seq);
		}
	if (state_flush(fp, &b, &lines) == -1)
		goto fail;
	buf_printf(&b, "{\"k\":\"end\",\"lines\":%ld}\n", lines);
	if (state_flush(fp, &b, &lines) == -1)
		goto fail;
	buf_free(&b);
	return lines;
fail:
	buf_free(&b);
	return -1;
}

/*
 * Write the state file path from what d holds: FILE.tmp, fsync, rename,
 * fsync the folder.  0 when it is on disk; STATE_NOT_WRITTEN when it is
 * not (logged; the old file stays); STATE_SYNC_FAILED when an fsync
 * failed (fatal: the kernel may have dropped the pages).
 */
#define STATE_NOT_WRITTEN	1
#define STATE_SYNC_FAILED	2
static int
state_write(struct daemon *d, const char *path, uint64_t ceiling)
{
	char		*tmp;
	FILE		*fp;
	long		 lines;
	int		 fd, rc = 0;

	xasprintf(&tmp, "%s.tmp", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) ==
	    -1 || (fp = fdopen(fd, "w")) == NULL) {
		log_warn("checkpoint not written path=%s", tmp);
		if (fd != -1)
			close(fd);
		free(tmp);
		return STATE_NOT_WRITTEN;
	}
	lines = state_write_lines(d, fp, ceiling);
	if (lines == -1 || fflush(fp) == EOF) {
		log_warn("checkpoint not written path=%s", tmp);
		fclose(fp);
		unlink(tmp);
		free(tmp);
		return STATE_NOT_WRITTEN;
	}
	if (fsync(fileno(fp)) == -1) {
		log_warn("checkpoint: fsync %s", tmp);
		rc = STATE_SYNC_FAILED;
	}
	if (fclose(fp) == EOF && rc == 0) {
		log_warn("checkpoint: close %s", tmp);
		rc = STATE_SYNC_FAILED;
	}
	if (rc == 0 && rename(tmp, path) == -1) {
		log_warn("checkpoint not renamed path=%s", path);
		unlink(tmp);
		rc = STATE_NOT_WRITTEN;
	}
	if (rc == 0 && state_sync_dir(path) == -1)
		rc = STATE_SYNC_FAILED;
	free(tmp);
	if (rc == 0)
		log_debug("checkpoint written path=%s calls=%zu lines=%ld",
		    path, calls_count(&d->calls), lines);
	return rc;
}

/* A checkpoint was not written: count it, retry after an interval. */
static void
state_failed(struct daemon *d)
{
	d->ckpt_failed++;
	d->ckpt_failed_last = true;
	d->ckpt_retry_at = dur_monotonic() + d->cfg->checkpoint_interval;
}

/* A checkpoint with ceiling, started at t0 (monotonic), is on disk. */
static void
state_written(struct daemon *d, uint64_t ceiling, cw_time t0)
{
	if (ceiling > d->seq_ceiling)
		d->seq_ceiling = ceiling;
	d->ckpt_at = dur_wallclock();
	d->ckpt_duration = dur_monotonic() - t0;
	d->ckpt_written++;
	d->ckpt_failed_last = false;
}

/*
 * Write the state file now, in the loop (when the config names one),
 * ending a checkpoint a child is writing.  0 on success; -1 if it could
 * not be written (logged; the old file stays).
 */
int
state_save(struct daemon *d)
{
	const char	*path = d->cfg->state_file;
	cw_time		 t0 = dur_monotonic();
	uint64_t	 ceiling = pub_seq(d->pub) + STATE_SEQ_RESERVE;
	int		 rc;

	if (path == NULL || *path == '\0')
		return 0;
	state_abort(d);
	if ((rc = state_write(d, path, ceiling)) == STATE_SYNC_FAILED)
		fatalx("checkpoint: fsync failed path=%s", path);
	if (rc != 0) {
		state_failed(d);
		return -1;
	}
	/* The file holds every record so far: start the journal over. */
	journal_reset(d->journal);
	d->ckpt_pause = dur_monotonic() - t0;
	state_written(d, ceiling, t0);
	return 0;
}

/*
 * Start a checkpoint without stopping the loop: a child process writes
 * the state as it was at fork() (copy-on-write), while the journal takes
 * what comes meanwhile; state_reap() hears how it went.  One at a time.
 * Where fork() fails, the loop writes it itself.
 */
void
state_checkpoint(struct daemon *d)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD };
	const char	*path = d->cfg->state_file;
	cw_time		 t0 = dur_monotonic();
	uint64_t	 ceiling = pub_seq(d->pub) + STATE_SEQ_RESERVE;
	sigset_t	 all, saved;
	pid_t		 parent = getpid(), pid;
	size_t		 i;

	if (path == NULL || *path == '\0' || d->ckpt_pid > 0)
		return;
	journal_rotate(d->journal);
	/* No signal reaches the child before it drops the loop's handlers
	 * (they would wake the parent's loop as its own). */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &saved);
	if ((pid = fork()) == 0) {
		for (i = 0; i < nitems(sigs); i++)
			signal(sigs[i], SIG_DFL);
		sigprocmask(SIG_SETMASK, &saved, NULL);
		/* A child of a dead daemon must not write over what the
		 * next one writes. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 ||
		    getppid() != parent)
			_exit(STATE_NOT_WRITTEN);
		_exit(state_write(d, path, ceiling));
	}
	sigprocmask(SIG_SETMASK, &saved, NULL);
	if (pid == -1) {
		log_warn("checkpoint not forked; written in the loop");
		(void)state_save(d);
		return;
	}
	d->ckpt_pid = pid;
	d->ckpt_ceiling = ceiling;
	d->ckpt_started = t0;
	d->ckpt_pause = dur_monotonic() - t0;
}

/* How the checkpoint's child ended, if it has (or wait for it). */
void
state_reap(struct daemon *d, bool wait)
{
	int	 status;
	pid_t	 r;

	if (d->ckpt_pid <= 0)
		return;
	while ((r = waitpid(d->ckpt_pid, &status, wait ? 0 : WNOHANG)) == -1 &&
	    errno == EINTR)
		;
	if (r == 0)
		return;
	d->ckpt_pid = 0;
	if (r == -1) {
		log_warn("checkpoint child lost");
		state_failed(d);
		return;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		journal_drop_old(d->journal);
		state_written(d, d->ckpt_ceiling, d->ckpt_started);
		log_debug("checkpoint written in the background pause=%lldus "
		    "duration=%lldus", (long long)d->ckpt_pause,
		    (long long)d->ckpt_duration);
		return;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == STATE_SYNC_FAILED)
		fatalx("checkpoint: fsync failed path=%s", d->cfg->state_file);
	if (WIFSIGNALED(status))
		log_warnx("checkpoint not written: its writer was killed "
		    "signal=%d", WTERMSIG(status));
	state_failed(d);
}

/* End a checkpoint a child is writing, unfinished (the loop writes). */
void
state_abort(struct daemon *d)
{
	if (d->ckpt_pid <= 0)
		return;
	(void)kill(d->ckpt_pid, SIGKILL);
	while (waitpid(d->ckpt_pid, NULL, 0) == -1 && errno == EINTR)
		;
	d->ckpt_pid = 0;
}

/* A header line: check it and take the seq, clock, ids and seed. */
static const char *
state_header(struct daemon *d, const cJSON *o)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, "version");
	const cJSON	*seq = cJSON_GetObjectItemCaseSensitive(o, "seq");
	const cJSON	*now = cJSON_GetObjectItemCaseSensitive(o, "now");
	const cJSON	*sid = cJSON_GetObjectItemCaseSensitive(o,
			    "silence_id");
	const char	*seed = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(o, "callers_seed"));
	const cJSON	*js = cJSON_GetObjectItemCaseSensitive(o,
			    "journal_seq"), *at;
	const char	*cs;
	char		*end;
	uint64_t	 s;

	if (!cJSON_IsNumber(v))
		return "no version in the header";
	if (v->valuedouble != STATE_VERSION)
		return "a version this daemon does not read";
	if (!cJSON_IsNumber(seq) || seq->valuedouble < 0 ||
	    !cJSON_IsNumber(now) || now->valuedouble < 0 ||
	    !cJSON_IsNumber(sid) || sid->valuedouble < 0 || seed == NULL)
		return "a header with a missing or wrong field";
	s = strtoull(seed, &end, 16);
	if (*end != '\0')
		return "a header with a bad seed";
	/* daemon_open() continues the numbering from here. */
	d->seq_ceiling = (uint64_t)seq->valuedouble;
	d->journal_from = cJSON_IsNumber(js) ? (uint64_t)js->valuedouble : 0;
	at = cJSON_GetObjectItemCaseSensitive(o, "seq_at");
	d->seq_at = cJSON_IsNumber(at) && at->valuedouble <= seq->valuedouble ?
	    (uint64_t)at->valuedouble : d->seq_ceiling;
	if (d->cfg->clock == CLOCK_EVENT && now->valuedouble > d->now)
		d->now = (cw_time)now->valuedouble;
	/* The journal after it replays from the time it was written. */
	if (d->cfg->clock == CLOCK_WALL && now->valuedouble > 0)
		daemon_rewind(d, (cw_time)now->valuedouble);
	d->silences.last_id = (uint64_t)sid->valuedouble;
	callers_reseed(&d->callers, s);
	/* Ended calls' tombstones are keyed by the table's hash. */
	cs = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o,
	    "calls_seed"));
	if (cs != NULL) {
		s = strtoull(cs, &end, 16);
		if (*end != '\0')
			return "a header with a bad seed";
		calls_reseed(&d->calls, s);
	}
	return NULL;
}

/* Apply one line (after the header); an error message or NULL. */
static const char *
state_line(struct daemon *d, const cJSON *o)
{
	const char	*k = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(o, "k"));

	if (k == NULL)
		return "a line without its kind";
	if (strcmp(k, "call") == 0)
		return call_load(d, o);
	if (strcmp(k, "silence") == 0)
		return silences_load(&d->silences, o);
	if (strcmp(k, "callers") == 0)
		return callers_load(&d->callers, o);
	if (strcmp(k, "queue") == 0)
		return queue_load(&d->queues, d->cfg, o);
	if (strcmp(k, "feed") == 0)
		return daemon_feed_load(d, o);
	if (strcmp(k, "tombs") == 0)
		return tombs_load(&d->tombs, o);
	return "a line of an unknown kind";
}

/*
 * Apply line number lineno: the header first, the end last (its count
 * in *want); an error message or NULL.
 */
static const char *
state_apply(struct daemon *d, const cJSON *o, long lineno, long *want)
{
	const char	*k = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(o, "k"));
	const cJSON	*n = cJSON_GetObjectItemCaseSensitive(o, "lines");

	if (k == NULL)
		return "a line without its kind";
	if (lineno == 1)
		return strcmp(k, "callwatch-state") != 0 ?
		    "not a callwatch state file" : state_header(d, o);
	if (strcmp(k, "end") != 0)
		return state_line(d, o);
	if (!cJSON_IsNumber(n) || n->valuedouble != (double)(lineno - 1))
		return "an end that counts other lines";
	*want = lineno - 1;
	return NULL;
}

/*
 * Set a bad state file aside as PATH.corrupt-UNIXTIME, and its journal
 * (which only makes sense after it) as PATH.journal.corrupt-UNIXTIME.
 */
static void
state_set_aside(const char *path, long line, const char *why)
{
	char	*aside, *journal, *jaside;

	xasprintf(&journal, "%s.journal", path);
	xasprintf(&jaside, "%s.journal.corrupt-%lld", path,
	    (long long)(dur_wallclock() / CW_SEC));
	if (rename(journal, jaside) == -1 && errno != ENOENT)
		log_warn("journal not set aside path=%s", journal);
	free(journal);
	free(jaside);

	xasprintf(&aside, "%s.corrupt-%lld", path,
	    (long long)(dur_wallclock() / CW_SEC));
	if (rename(path, aside) == -1)
		log_warn("state file unreadable path=%s line=%ld problem=\"%s\"; "
		    "could not set it aside", path, line, why);
	else
		log_warnx("state file unreadable path=%s line=%ld problem=\"%s\""
		    "; set aside as %s, starting empty", path, line, why,
		    aside);
	free(aside);
}

/*
 * Restore the state file into d, a daemon just made.  0 when it was
 * restored or there is none; -1 when it did not read: it is set aside,
 * and d holds part of it (the caller starts over with a fresh daemon).
 */
int
state_load(struct daemon *d)
{
	const char	*path = d->cfg->state_file, *why = NULL;
	FILE		*fp;
	char		*line = NULL;
	size_t		 cap = 0;
	ssize_t		 n;
	long		 lineno = 0, want = -1;
	size_t		 max;
	cJSON		*o;

	if (path == NULL || *path == '\0')
		return 0;
	/* What the file holds comes back even past today's limits. */
	max = d->queues.max;
	d->queues.max = SIZE_MAX;
	if ((fp = fopen(path, "r")) == NULL) {
		d->queues.max = max;
		if (errno == ENOENT) {
			/* A first start, or a file lost: what was published
			 * is unknown, so seq starts at the wall clock in
			 * µs, above anything a daemon can have published. */
			log_info("no state file path=%s; starting empty",
			    path);
			d->seq_ceiling = d->seq_at = (uint64_t)dur_wallclock();
			return 0;
		}
		fatal("state file %s", path);
	}
	while (why == NULL && (n = getline(&line, &cap, fp)) != -1) {
		lineno++;
		if (want != -1) {
			why = "lines after the end";
			break;
		}
		if (n > STATE_MAX_LINE || n == 0 || line[n - 1] != '\n') {
			why = "a cut or overlong line";
			break;
		}
		if ((o = cJSON_ParseWithLength(line, (size_t)n)) == NULL ||
		    !cJSON_IsObject(o))
			why = "a line that is not a JSON object";
		else
			why = state_apply(d, o, lineno, &want);
		cJSON_Delete(o);
	}
	if (why == NULL && ferror(fp))
		why = "a read error";
	if (why == NULL && want == -1)
		why = lineno == 0 ? "an empty file" : "no end: the file is cut";
	free(line);
	fclose(fp);
	d->queues.max = max;
	if (why != NULL) {
		state_set_aside(path, lineno, why);
		return -1;
	}
	if (d->queues.count > max || calls_count(&d->calls) >
	    (size_t)d->cfg->max_calls)
		log_warnx("state restored over the limits queues=%zu "
		    "max_queues=%zu calls=%zu max_calls=%d; new ones are refused "
		    "until it is back under", d->queues.count, max,
		    calls_count(&d->calls), d->cfg->max_calls);
	/* Silences that ended while the daemon was down end at once. */
	daemon_silences_arm(d);
	log_info("state restored path=%s calls=%zu silences=%zu callers=%zu "
	    "seq=%llu", path, calls_count(&d->calls), d->silences.count,
	    d->callers.count, (unsigned long long)d->seq_ceiling);
	return 0;
}
