/*
 * Endpoints as an operator writes them: ZeroMQ's tcp://HOST:PORT and
 * ipc://PATH, and the bare HOST:PORT of a listener.  The checks are
 * syntactic (no name is resolved, nothing is bound), so they run the same
 * at start-up, on reload and under `-n`; each failure comes with a short
 * static reason fit to follow "is not a valid endpoint: ".
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cw.h"

/* A host name, an IPv4 address, or a bracketed IPv6 address inside. */
static int
endpoint_host(const char *h, size_t len, bool v6, const char **why)
{
	char	 buf[ENDPOINT_HOST_MAX], addr[16];
	size_t	 i, label = 0;

	if (len == 0 || len >= sizeof buf) {
		*why = len == 0 ? "missing host" : "host name too long";
		return -1;
	}
	memcpy(buf, h, len);
	buf[len] = '\0';
	if (v6 || strspn(buf, "0123456789.") == len) {
		if (inet_pton(v6 ? AF_INET6 : AF_INET, buf, addr) == 1)
			return 0;
		*why = v6 ? "bad IPv6 address" : "bad IPv4 address";
		return -1;
	}
	for (i = 0; i <= len; i++) {
		if (i < len && (isalnum((unsigned char)buf[i]) ||
		    buf[i] == '-')) {
			label++;
			continue;
		}
		if ((i < len && buf[i] != '.') || label == 0 || label > 63 ||
		    buf[i - 1] == '-' || buf[i - label] == '-')
			break;
		label = 0;
	}
	if (i <= len || len > 253) {
		*why = "bad host name";
		return -1;
	}
	return 0;
}

/*
 * Check HOST:PORT: an IPv4 address, [IPv6], a host name, or (with star)
 * "*" for every address; the port 1-65535.  On success the host, without
 * brackets, goes to host (if not NULL; cut to hostsize) and the port to
 * *port (if not NULL).  why may be NULL.
 */
int
endpoint_split(const char *s, bool star, char *host, size_t hostsize,
    unsigned *port, const char **why)
{
	const char	*h = s, *colon, *p, *dummy;
	size_t		 len;
	bool		 v6 = *s == '[';
	unsigned long	 v;

	if (why == NULL)
		why = &dummy;
	if (v6) {
		h = s + 1;
		if ((colon = strchr(s, ']')) == NULL) {
			*why = "missing ']' after the IPv6 address";
			return -1;
		}
		len = (size_t)(colon++ - h);
	} else {
		colon = strrchr(s, ':');
		len = colon == NULL ? strlen(s) : (size_t)(colon - s);
	}
	if (colon == NULL || *colon != ':') {
		*why = "missing :PORT";
		return -1;
	}
	if (!v6 && memchr(h, ':', len) != NULL) {
		*why = "an IPv6 address goes in brackets, like [::1]:7100";
		return -1;
	}
	if (!v6 && len == 1 && *h == '*') {
		if (!star) {
			*why = "* (every address) is only allowed where the "
			    "daemon binds";
			return -1;
		}
	} else if (endpoint_host(h, len, v6, why) == -1)
		return -1;
	p = colon + 1;
	v = strtoul(p, NULL, 10);
	if (*p == '\0' || strspn(p, "0123456789") != strlen(p) ||
	    strlen(p) > 5 || v < 1 || v > 65535) {
		*why = "the port must be a number from 1 to 65535";
		return -1;
	}
	if (host != NULL)
		snprintf(host, hostsize, "%.*s", (int)len, h);
	if (port != NULL)
		*port = (unsigned)v;
	return 0;
}

/* Check HOST:PORT for a listener; "*" is refused.  why may be NULL. */
int
endpoint_hostport(const char *s, const char **why)
{
	return endpoint_split(s, false, NULL, 0, NULL, why);
}

/* Whether s holds a control character. */
static bool
endpoint_has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/*
 * Check a ZeroMQ endpoint: tcp://HOST:PORT or ipc://PATH.  Only one the
 * daemon binds (bind) may use "*" for every address.  why may be NULL.
 */
int
endpoint_check(const char *s, bool bind, const char **why)
{
	const char	*dummy;

	if (why == NULL)
		why = &dummy;
	if (strncmp(s, "ipc://", 6) == 0) {
		if (s[6] == '\0')
			*why = "ipc:// needs a path";
		else if (strlen(s + 6) > ENDPOINT_IPC_MAX)
			*why = "the ipc path is longer than 107 bytes";
		else if (endpoint_has_control(s + 6))
			*why = "the ipc path has a control character";
		else
			return 0;
		return -1;
	}
	if (strncmp(s, "tcp://", 6) == 0)
		return endpoint_split(s + 6, bind, NULL, 0, NULL, why);
	*why = strstr(s, "://") != NULL ?
	    "only tcp:// and ipc:// endpoints are supported" :
	    "expected tcp://HOST:PORT or ipc://PATH";
	return -1;
}

/* Whether a host (as endpoint_split gives it) stands for every address. */
static bool
endpoint_any(const char *host)
{
	return strcmp(host, "*") == 0 || strcmp(host, "0.0.0.0") == 0;
}

/*
 * Whether two endpoints the daemon binds would collide: the same text,
 * or tcp:// on one port with the same host (in any case) or with "*" or
 * 0.0.0.0 on either side.  An endpoint that does not check clashes only
 * with its own text.
 */
enum endpoint_clash
endpoint_clash(const char *a, const char *b)
{
	char		 ha[ENDPOINT_HOST_MAX], hb[ENDPOINT_HOST_MAX];
	unsigned	 pa, pb;

	if (strcmp(a, b) == 0)
		return ENDPOINT_SAME;
	if (strncmp(a, "tcp://", 6) != 0 || strncmp(b, "tcp://", 6) != 0 ||
	    endpoint_split(a + 6, true, ha, sizeof ha, &pa, NULL) == -1 ||
	    endpoint_split(b + 6, true, hb, sizeof hb, &pb, NULL) == -1 ||
	    pa != pb)
		return ENDPOINT_APART;
	if (strcasecmp(ha, hb) == 0 || endpoint_any(ha) || endpoint_any(hb))
		return ENDPOINT_OVERLAP;
	return ENDPOINT_APART;
}

/* Whether host (an address or a name, no brackets) is this machine. */
bool
endpoint_host_local(const char *host)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;

	if (strcasecmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, host, &a6) == 1 &&
	    IN6_IS_ADDR_LOOPBACK(&a6);
}

/*
 * Whether an endpoint stays on this machine: ipc://, or tcp:// (or a
 * listener's HOST:PORT) on a loopback address.  "*" and 0.0.0.0 do not.
 */
bool
endpoint_local(const char *s)
{
	char	 host[ENDPOINT_HOST_MAX];

	if (strncmp(s, "ipc://", 6) == 0)
		return true;
	if (strncmp(s, "tcp://", 6) == 0)
		s += 6;
	return endpoint_split(s, true, host, sizeof host, NULL, NULL) == 0 &&
	    endpoint_host_local(host);
}
