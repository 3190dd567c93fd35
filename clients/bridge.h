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

#include <cJSON.h>

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

extern volatile sig_atomic_t bridge_stop;

int	 bridge_open(struct bridge *, const char *, const char *,
	    const char *, bool);
void	 bridge_close(struct bridge *);
void	 bridge_emit(struct bridge *, cJSON *);
int	 bridge_connect(struct bridge *, const char *, const char *);
void	 bridge_wait(struct bridge *);
void	 bridge_connected(struct bridge *);
char	*bridge_secret(const char *, const char *, const char *);
void	 bridge_clean_utf8(char *);
double	 bridge_now(void);
void	 bridge_log(const struct bridge *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
