/*
 * The systemd notify protocol, without libsystemd: datagrams of
 * "KEY=VALUE" lines to the AF_UNIX socket named by $NOTIFY_SOCKET (a path,
 * or an abstract name after '@').  READY=1 once every socket is bound,
 * STATUS= lines, RELOADING=1 around a reload, STOPPING=1 on the way out,
 * and WATCHDOG=1 from a timer of the event loop at half of $WATCHDOG_USEC,
 * so a loop that is stuck stops the pings and systemd restarts the
 * daemon.  Without $NOTIFY_SOCKET every call does nothing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "cw.h"

static int		 notify_fd = -1;
static struct sockaddr_un notify_addr;
static socklen_t	 notify_len;
static struct event	*notify_wd;	/* the watchdog timer */
static uint64_t		 notify_sent;

/* Open the socket $NOTIFY_SOCKET names; 0 without one, -1 on error. */
int
notify_open(void)
{
	const char	*path = getenv("NOTIFY_SOCKET");
	size_t		 len;

	if (path == NULL || *path == '\0')
		return 0;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') ||
	    len >= sizeof notify_addr.sun_path) {
		log_warnx("notify socket ignored path=%s: not an absolute or "
		    "abstract AF_UNIX name", path);
		return -1;
	}
	memset(&notify_addr, 0, sizeof notify_addr);
	notify_addr.sun_family = AF_UNIX;
	memcpy(notify_addr.sun_path, path, len);
	if (path[0] == '@')
		notify_addr.sun_path[0] = '\0';
	notify_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (notify_fd == -1) {
		log_warn("notify socket");
		return -1;
	}
	return 0;
}

/* Send one notify message (several "KEY=VALUE" lines) if we have one. */
void
notify_send(const char *fmt, ...)
{
	char	 msg[512];
	va_list	 ap;
	int	 n;

	if (notify_fd == -1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof msg)
		return;
	if (sendto(notify_fd, msg, (size_t)n, MSG_NOSIGNAL,
	    (struct sockaddr *)&notify_addr, notify_len) == -1)
		log_debug("notify failed error=\"%s\"", strerror(errno));
	else
		notify_sent++;
}

/* Messages sent, for tests and stats. */
uint64_t
notify_count(void)
{
	return notify_sent;
}

/* RELOADING=1, with the monotonic time systemd 253 and later ask for. */
void
notify_reloading(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	notify_send("RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000ULL);
}

/* The watchdog timer: the loop is alive. */
static void
notify_ping(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	notify_send("WATCHDOG=1");
}

/*
 * Ping the watchdog from base's loop at half of $WATCHDOG_USEC, when it
 * is set for this process ($WATCHDOG_PID, if any, is ours).
 */
void
notify_watchdog(struct event_base *base)
{
	const char	*us = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	struct timeval	 tv;
	char		*end;
	unsigned long long v;

	if (notify_fd == -1 || us == NULL)
		return;
	if (pid != NULL && strtoll(pid, NULL, 10) != (long long)getpid())
		return;
	errno = 0;
	v = strtoull(us, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0) {
		log_warnx("watchdog ignored WATCHDOG_USEC=%s", us);
		return;
	}
	v /= 2;
	tv.tv_sec = (time_t)(v / 1000000);
	tv.tv_usec = (suseconds_t)(v % 1000000);
	notify_wd = event_new(base, -1, EV_PERSIST, notify_ping, NULL);
	if (notify_wd == NULL || event_add(notify_wd, &tv) == -1)
		fatalx("watchdog timer");
	log_info("watchdog on interval=%lluus", v);
	notify_send("WATCHDOG=1");
}

/* Stop the watchdog and close the socket. */
void
notify_close(void)
{
	if (notify_wd != NULL) {
		event_free(notify_wd);
		notify_wd = NULL;
	}
	if (notify_fd != -1) {
		close(notify_fd);
		notify_fd = -1;
	}
}
