/*
 * The small library the supervisor clients share: finding the daemon's
 * endpoints, asking its control socket with a timeout, printing times.
 */
#ifndef CLIENT_H
#define CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

/* Where the daemon is, and how long to wait for it. */
struct client {
	char		*control;	/* ROUTER endpoint */
	char		*publish;	/* PUB endpoint */
	char		*feed;		/* the first pull feed, or NULL */
	int		 timeout_ms;
	void		*zctx;
	void		*dealer;
};

int	 client_init(struct client *, const char *, const char *,
	    const char *, const char *, int);
void	 client_close(struct client *);
cJSON	*client_request(struct client *, cJSON *);
const char *client_str(const cJSON *, const char *);
double	 client_num(const cJSON *, const char *, double);
const char *client_dur(double, char *, size_t);
void	 client_err(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif
