/*
 * Replay (SPEC 2): run the rules over a recorded JSON Lines file with the
 * event clock, printing every message that would be published, in order,
 * as JSON Lines on stdout.  No socket is opened.  Calls still open at the
 * end stay open; lines up to the last ts have fired.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cw.h"

/* Replay path ("-" = stdin) through d, whose publisher is set up. */
int
replay_run(struct daemon *d, const char *path)
{
	FILE	*f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char	*line = NULL;
	size_t	 cap = 0, i, rejected = 0, lines = 0;
	ssize_t	 n;

	if (f == NULL) {
		log_warn("cannot open replay file %s", path);
		return -1;
	}
	while ((n = getline(&line, &cap, f)) != -1) {
		size_t	 len = (size_t)n;

		lines++;
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r'))
			len--;
		for (i = 0; i < len && strchr(" \t", line[i]) != NULL; i++)
			;
		if (i == len)
			continue;	/* blank line */
		daemon_message(d, line, len, "replay");
	}
	if (ferror(f)) {
		log_warn("reading replay file %s", path);
		free(line);
		if (f != stdin)
			fclose(f);
		return -1;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	timers_advance(d->timers, d->now);
	for (i = 0; i < REJ_COUNT; i++)
		rejected += d->n.rejected[i];
	log_info("replay done lines=%zu events=%llu rejected=%zu "
	    "published=%llu open_calls=%zu", lines,
	    (unsigned long long)d->n.received, rejected,
	    (unsigned long long)pub_published(d->pub),
	    calls_count(&d->calls));
	return fflush(stdout) == 0 ? 0 : -1;
}
