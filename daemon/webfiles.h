/*
 * The wallboard's files, built into the daemon (daemon/web/embed.sh
 * makes webfiles.c from daemon/web/ at build time).
 */
#ifndef WEBFILES_H
#define WEBFILES_H

#include <stddef.h>

struct webfile {
	const char		*path;	/* "/", "/app.js" */
	const char		*type;	/* Content-Type */
	const unsigned char	*data;
	size_t			 len;
};

extern const struct webfile webfiles[];
extern const size_t nwebfiles;

#endif
