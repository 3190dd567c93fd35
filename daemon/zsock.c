/*
 * A ZeroMQ socket inside the libevent loop.  ZMQ_FD is edge-triggered
 * and says "state may have changed", not "a message is here": the
 * handler must receive with ZMQ_DONTWAIT until EAGAIN, and a handler that
 * stops early for fairness calls zsock_kick() to be run again.  The fd
 * belongs to libzmq: never read or close it.
 */
#include <errno.h>
#include <stdlib.h>

#include <event2/event.h>
#include <zmq.h>

#include "cw.h"

struct zsock {
	struct event	*ev;		/* read event on ZMQ_FD */
	void		*sock;		/* the ZeroMQ socket (not owned) */
	zsock_fn	 fn;		/* drains the socket */
	void		*arg;
};

/* The fd woke (or we kicked ourselves): let the handler drain. */
static void
zsock_ready(evutil_socket_t fd, short what, void *arg)
{
	struct zsock	*z = arg;

	(void)fd;
	(void)what;
	z->fn(z->arg);
}

/*
 * Watch sock on base; fn(arg) runs whenever it may have messages, and
 * once at once, since messages may be queued before the first edge.
 */
struct zsock *
zsock_new(struct event_base *base, void *sock, zsock_fn fn, void *arg)
{
	struct zsock	*z = xcalloc(1, sizeof *z);
	int		 fd;
	size_t		 len = sizeof fd;

	if (zmq_getsockopt(sock, ZMQ_FD, &fd, &len) == -1)
		fatalx("zmq_getsockopt ZMQ_FD: %s", zmq_strerror(errno));
	z->sock = sock;
	z->fn = fn;
	z->arg = arg;
	z->ev = event_new(base, fd, EV_READ | EV_PERSIST, zsock_ready, z);
	if (z->ev == NULL || event_add(z->ev, NULL) == -1)
		fatalx("event_new for ZMQ_FD");
	zsock_kick(z);
	return z;
}

/* Stop watching; NULL-safe.  The socket stays the caller's. */
void
zsock_free(struct zsock *z)
{
	if (z == NULL)
		return;
	event_free(z->ev);
	free(z);
}

/* Run the handler again on the next loop turn (batch cap, first drain). */
void
zsock_kick(struct zsock *z)
{
	event_active(z->ev, EV_READ, 0);
}
