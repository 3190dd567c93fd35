/*
 * The journal: every input that changes the daemon since the last
 * checkpoint (feed messages as received, ack/silence/unsilence requests,
 * and each time the wall-clock timers fire what is due), with the clock
 * at which it was applied, appended to STATE.journal before it is
 * applied.  After kill -9 the daemon reads the
 * checkpoint, then applies the journal's records past the checkpoint's
 * journal_seq on the clock they were recorded at (publishing nothing:
 * clients saw that already), then carries on: every live call and open
 * alert is back as it was, and nothing fires twice.  The page cache keeps
 * what was written across a kill -9; power loss may cost the last records
 * (no fsync per batch, a measured choice).
 *
 * A record: "CWJ1", seq (u64), time (i64 µs), kind ('F' feed, 'C'
 * control, 'T' the timers firing what was due by then), name length (u8)
 * and name, payload length (u32) and payload,
 * then XXH3-64 of everything before it.  A record that does not check
 * ends the replay there (a write cut by a crash).  A checkpoint empties
 * the journal; records it already holds are skipped by seq.
 *
 * A checkpoint written by a child process (state.c) takes a while, and
 * inputs keep coming meanwhile: when it starts, the records so far move
 * aside to STATE.journal.old and a new journal begins; once the state
 * file is on disk, the old one goes.  A crash in between leaves both,
 * and the replay reads the old one, then the new one.  A checkpoint that
 * failed leaves the old one in place; the next one keeps it (both still
 * count) rather than move the newer records over it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xxhash.h>

#include "cw.h"

#define JOURNAL_MAGIC	"CWJ1"
#define JOURNAL_HEAD	(4 + 8 + 8 + 1 + 1)	/* up to the name */

struct journal {
	int		 fd;
	char		*path;
	struct buf	 b;		/* records not yet written */
	uint64_t	 seq;		/* last record numbered */
	uint64_t	 failed;	/* writes that failed */
	cw_time		 warned;	/* last failure logged */
};

/* The journal's path for a state file. */
static char *
journal_path(const char *state)
{
	char	*p;

	xasprintf(&p, "%s.journal", state);
	return p;
}

/* Where the records move while a checkpoint is written. */
static char *
journal_old_path(const char *path)
{
	char	*p;

	xasprintf(&p, "%s.old", path);
	return p;
}

/*
 * Open (append) the journal of state file state, numbering after seq;
 * with keep >= 0, cut what lies past its first keep bytes first (a
 * record a crash tore, which would hide what is appended after it).
 */
struct journal *
journal_open(const char *state, uint64_t seq, off_t keep)
{
	struct journal	*j = xcalloc(1, sizeof *j);

	j->path = journal_path(state);
	j->fd = open(j->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (j->fd == -1)
		log_warn("journal not open path=%s; a crash loses what "
		    "came after the last checkpoint", j->path);
	else if (keep >= 0 && ftruncate(j->fd, keep) == -1)
		log_warn("journal not cut path=%s", j->path);
	buf_init(&j->b);
	j->seq = seq;
	return j;
}

/* Close; NULL-safe. */
void
journal_close(struct journal *j)
{
	if (j == NULL)
		return;
	if (j->fd != -1)
		close(j->fd);
	buf_free(&j->b);
	free(j->path);
	free(j);
}

/* Remove path if it is there; logged if it cannot be. */
static void
journal_remove(const char *path)
{
	if (unlink(path) == -1 && errno != ENOENT)
		log_warn("journal not removed path=%s", path);
}

/* Remove the journal's files (its state file moved elsewhere). */
void
journal_unlink(struct journal *j)
{
	journal_drop_old(j);
	journal_remove(j->path);
}

/*
 * A checkpoint starts: move the records so far aside (unless a failed
 * checkpoint left older ones there) and begin an empty journal.
 */
void
journal_rotate(struct journal *j)
{
	char	*old;
	int	 fd;

	if (j == NULL || j->fd == -1)
		return;
	journal_flush(j);
	old = journal_old_path(j->path);
	if (access(old, F_OK) == 0) {
		free(old);
		return;
	}
	if (rename(j->path, old) == -1) {
		log_warn("journal not moved aside path=%s", j->path);
		free(old);
		return;
	}
	free(old);
	fd = open(j->path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND |
	    O_CLOEXEC, 0600);
	if (fd == -1)
		log_warn("journal not open path=%s; a crash loses what "
		    "came after the last checkpoint", j->path);
	close(j->fd);
	j->fd = fd;
}

/* The checkpoint is on disk: the records moved aside are in it. */
void
journal_drop_old(struct journal *j)
{
	char	*old;

	if (j == NULL)
		return;
	old = journal_old_path(j->path);
	journal_remove(old);
	free(old);
}

/* The last record numbered. */
uint64_t
journal_seq(const struct journal *j)
{
	return j != NULL ? j->seq : 0;
}

/* Queue one record (written by journal_flush). */
void
journal_add(struct journal *j, cw_time t, char kind, const char *name,
    const void *data, size_t len)
{
	size_t		 nl = strlen(name), start = j->b.len;
	uint64_t	 h;
	uint32_t	 l32 = (uint32_t)len;
	uint8_t		 n8 = (uint8_t)(nl > 255 ? 255 : nl);

	j->seq++;
	buf_add(&j->b, JOURNAL_MAGIC, 4);
	buf_add(&j->b, &j->seq, sizeof j->seq);
	buf_add(&j->b, &t, sizeof t);
	buf_add(&j->b, &kind, 1);
	buf_add(&j->b, &n8, 1);
	buf_add(&j->b, name, n8);
	buf_add(&j->b, &l32, sizeof l32);
	buf_add(&j->b, data, len);
	h = XXH3_64bits(j->b.data + start, j->b.len - start);
	buf_add(&j->b, &h, sizeof h);
}

/* Write the queued records (before they are applied). */
void
journal_flush(struct journal *j)
{
	size_t	 off = 0;
	ssize_t	 n;
	off_t	 end;

	if (j->fd == -1 || j->b.len == 0) {
		buf_reset(&j->b);
		return;
	}
	end = lseek(j->fd, 0, SEEK_END);
	while (off < j->b.len) {
		if ((n = write(j->fd, j->b.data + off, j->b.len - off)) == -1) {
			if (errno == EINTR)
				continue;
			j->failed++;
			if (dur_wallclock() - j->warned > CW_MIN) {
				log_warn("journal write failed path=%s failed=%llu",
				    j->path, (unsigned long long)j->failed);
				j->warned = dur_wallclock();
			}
			/* No torn record: later ones would be unreadable. */
			if (end != -1 && ftruncate(j->fd, end) == -1)
				log_warn("journal not cut path=%s", j->path);
			break;
		}
		off += (size_t)n;
	}
	buf_reset(&j->b);
}

/* Empty the journal: a checkpoint holds everything in it. */
void
journal_reset(struct journal *j)
{
	if (j == NULL)
		return;
	journal_drop_old(j);
	if (j->fd != -1 && ftruncate(j->fd, 0) == -1)
		log_warn("journal not emptied path=%s", j->path);
}

/*
 * Apply the journal file path past record from to d, on the clocks
 * recorded; the number of records applied.  *last is the seq of the last
 * record read (if above it), *good the bytes that read whole.
 */
static uint64_t
journal_replay_file(struct daemon *d, const char *path, uint64_t from,
    uint64_t *last, off_t *good)
{
	char		*data = NULL;
	FILE		*fp;
	size_t		 size = 0, cap = 0, off = 0, rec, n;
	uint64_t	 applied = 0, seq, h;
	cw_time		 t;
	uint32_t	 len;
	uint8_t		 nl;
	char		 kind, name[256];

	*good = -1;
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	do {
		if (size == cap)
			data = xrealloc(data, cap = cap == 0 ? 65536 : cap * 2);
		size += (n = fread(data + size, 1, cap - size, fp));
	} while (n > 0);
	fclose(fp);
	while (off + JOURNAL_HEAD <= size) {
		rec = off;
		if (memcmp(data + off, JOURNAL_MAGIC, 4) != 0)
			break;
		memcpy(&seq, data + off + 4, 8);
		memcpy(&t, data + off + 12, 8);
		kind = data[off + 20];
		nl = (uint8_t)data[off + 21];
		off += JOURNAL_HEAD;
		if (off + nl + 4 > size)
			break;
		memcpy(name, data + off, nl);
		name[nl] = '\0';
		off += nl;
		memcpy(&len, data + off, 4);
		off += 4;
		if (off + len + 8 > size)
			break;
		memcpy(&h, data + off + len, 8);
		if (h != XXH3_64bits(data + rec, off + len - rec))
			break;
		if (seq > from) {
			if (t > d->now || d->cfg->clock == CLOCK_WALL)
				d->now = t;
			if (kind == 'F')
				daemon_message(d, data + off, len, name);
			else if (kind == 'C')
				free(control_handle(d, data + off, len,
				    &(size_t){ 0 }));
			else if (kind == 'T')
				timers_advance(d->timers, t);
			applied++;
		}
		*last = seq > *last ? seq : *last;
		off += len + 8;
		*good = (off_t)off;
	}
	if (*good == -1)
		*good = 0;
	if ((size_t)*good < size)
		log_warnx("journal ends early path=%s at=%lld ignored=%zu "
		    "(a write cut by the crash)", path, (long long)*good,
		    size - (size_t)*good);
	free(data);
	return applied;
}

/*
 * Apply the journal of state file state past record from to d: the
 * records a checkpoint in progress moved aside, then the journal.  The
 * seq of the last record read is in *last, the bytes of the journal
 * that read whole in *good.
 */
uint64_t
journal_replay(struct daemon *d, const char *state, uint64_t from,
    uint64_t *last, off_t *good)
{
	char		*path = journal_path(state);
	char		*old = journal_old_path(path);
	uint64_t	 n;

	*last = from;
	n = journal_replay_file(d, old, from, last, good);
	n += journal_replay_file(d, path, from, last, good);
	free(old);
	free(path);
	return n;
}
