/*
 * A daemon inside a test process: event clock, no sockets, every
 * published message captured and parsed: alert changes in msgs, call/
 * and stats/ messages in others; seq is checked to grow by one.
 */
#ifndef TESTD_H
#define TESTD_H

#include <cJSON.h>

#include "cw.h"

#define TESTD_MAX_MSGS	4096

/*
 * A fixed start for the event clock, and an event or a heartbeat dt
 * seconds after it, sent to the test's daemon (a variable named td).
 */
#define T0	1763900000
#define EV(type, id, dt, extra, ...)					\
	testd_send(td, "{\"type\":\"" type "\",\"call_id\":\"" id "\","	\
	    "\"ts\":%.6f" extra "}", (double)T0 + (dt), ##__VA_ARGS__)
#define HEARTBEAT(dt)							\
	testd_send(td, "{\"type\":\"heartbeat\",\"ts\":%.6f}",		\
	    (double)T0 + (dt))


struct testd {
	struct daemon	*d;
	cJSON		*msgs[TESTD_MAX_MSGS];	/* alert changes, in order */
	char		*topics[TESTD_MAX_MSGS];
	size_t		 nmsgs;
	cJSON		*others[TESTD_MAX_MSGS];	/* call/, stats/ */
	char		*otopics[TESTD_MAX_MSGS];
	size_t		 nothers;
	double		 seq;		/* of the last message */
};

struct config	*testd_config(void);
struct testd	*testd_new(struct config *);
void		 testd_free(struct testd *);
void		 testd_send(struct testd *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
size_t		 testd_count(struct testd *, const char *, const char *);
cJSON		*testd_find(struct testd *, const char *, const char *, size_t);
cJSON		*testd_last(struct testd *);
cJSON		*testd_other(struct testd *, const char *, const char *,
		    size_t);
void		 check_alert(const cJSON *, const char *, const char *,
		    double, double, double);
double		 testd_num(const cJSON *, const char *);
const char	*testd_str(const cJSON *, const char *);
cJSON		*testd_control(struct testd *, const char *);
char		*testd_write_file(const char *);

#endif
