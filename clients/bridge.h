/*
 * What the PBX bridges share (callwatch-ami, callwatch-esl): the output
 * (a PUSH to a callwatch feed, or JSON Lines on stdout), the TCP
 * connection to the PBX with back-off, secrets from the environment or
 * a file, and clean UTF-8 for whatever the PBX sends.
 */
#ifndef BRIDGE_H
#define BRIDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>

#include <cJSON.h>

#include "cw.h"

struct bridge {
	const char	*prog;		/* for messages */
	bool		 jsonl;		/* stdout instead of the feed */
	char		*feed;
	void		*zctx;
	void		*push;
	unsigned long	 sent, dropped;
	bool		 warned;
	int		 backoff;	/* seconds before the next try */
};

/* The bridges' common options. */
struct bridge_opts {
	const char	*conf;
	const char	*feed;
	const char	*host;
	const char	*port;
	const char	*user;		/* NULL: no --username */
	const char	*secret_file;
	struct curvekeys keys;		/* --key, --server-key (CURVE) */
	int		 format;	/* what it sends: FORMAT_* */
	bool		 jsonl;
	bool		 once;
};

extern volatile sig_atomic_t bridge_stop;

int	 bridge_options(int, char **, const char *, struct bridge_opts *,
	    void (*)(FILE *));

int	 bridge_open(struct bridge *, const char *, const struct bridge_opts *);
void	 bridge_close(struct bridge *);
void	 bridge_emit(struct bridge *, cJSON *);
void	 bridge_emit_raw(struct bridge *, const char *, size_t);
int	 bridge_connect(struct bridge *, const char *, const char *);
int	 bridge_write(int, const char *);
void	 bridge_run(struct bridge *, bool, void (*)(void *), void *);
void	 bridge_wait(struct bridge *);
void	 bridge_connected(struct bridge *);
char	*bridge_secret(const char *, const char *, const char *,
	    const char *);
void	 bridge_clean_utf8(char *);
double	 bridge_now(void);
void	 bridge_log(const struct bridge *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
