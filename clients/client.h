/*
 * The small library the supervisor clients share: finding the daemon's
 * endpoints, asking its control socket with a timeout, printing times.
 */
#ifndef CLIENT_H
#define CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

#include "cw.h"

/* Where the daemon is, and how long to wait for it. */
struct client {
	char		*control;	/* ROUTER endpoint */
	char		*publish;	/* PUB endpoint */
	char		*feed;		/* --feed, or NULL */
	const char	*conf;		/* -c, or NULL: the usual places */
	int		 timeout_ms;
	void		*zctx;
	void		*dealer;
	struct curvekeys keys;		/* CURVE (SPEC 7), if on */
};

extern const char *client_prog;

int	 client_init(struct client *, const char *, const char *,
	    const char *, const char *, const struct curvekeys *, int);
char	*client_find_feed(const char *, int, const struct curvekeys *);
char	*client_json(const cJSON *, bool);
void	 client_close(struct client *);
int	 client_connect(struct client *, void *, const char *);
cJSON	*client_request(struct client *, cJSON *);
cJSON	*client_ask(struct client *, cJSON *, char *, size_t);
const char *client_str(const cJSON *, const char *);
double	 client_num(const cJSON *, const char *, double);
const char *client_dur(double, char *, size_t);
void	 client_err(const char *, ...) __attribute__((format(printf, 1, 2)));

/* follow.c: a map from a key to the last object seen for it. */
struct jmap {
	struct smap	 m;
};
void	 jmap_init(struct jmap *);
cJSON	*jmap_get(const struct jmap *, const char *);
void	 jmap_put(struct jmap *, const char *, cJSON *);
void	 jmap_del(struct jmap *, const char *);
cJSON	*jmap_next(const struct jmap *, size_t *);
size_t	 jmap_count(const struct jmap *);
void	 jmap_clear(struct jmap *);
void	 jmap_free(struct jmap *);

/*
 * follow.c: the publish stream, kept whole (SPEC 6).  on_snapshot gets
 * every snapshot with the gap that called for it (the last seq applied
 * and the seq received; 0, 0 at the start); on_object every published
 * object after it, in seq order, with its raw body.
 */
struct follow {
	struct client	*c;
	void		*sub;		/* SUB, or with CURVE a DEALER that
					   follows on the control socket */
	bool		 via_control;
	cw_time		 refresh_at;	/* ... when to say follow again */
	const char	*queue;		/* snapshot filter, or NULL */
	uint64_t	 seq;		/* last applied */
	uint64_t	 gaps;		/* re-snapshots */
	bool		 synced;
	bool		 quiet;		/* errors only in err, not stderr */
	char		 err[256];	/* the last snapshot's error, or "" */
	cw_time		 retry_at;	/* unsynced: next snapshot try */
	void		(*on_snapshot)(void *, const cJSON *, uint64_t,
			    uint64_t);
	void		(*on_object)(void *, const char *, const cJSON *,
			    const char *, size_t);
	void		*arg;
};
int	 follow_start(struct follow *, struct client *);
void	 follow_read(struct follow *, int);
void	 follow_close(struct follow *);

#endif
