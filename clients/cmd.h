/*
 * What the callwatch subcommands share (callwatch.c): exit codes and the
 * argument helpers.  Subcommands living in their own file (tail.c, top.c)
 * are declared here.
 */
#ifndef CMD_H
#define CMD_H

#include "client.h"

#define CW_EXIT_DAEMON	1	/* the daemon said no, or no answer */
#define CW_EXIT_USAGE	2	/* bad arguments */

const char *cmd_value(int, char **, int *);
int	 cmd_bad(const char *, const char *, const char *);
const char *cmd_by(const char *);

int	 cmd_tail(struct client *, int, char **);
int	 cmd_top(struct client *, int, char **);

#endif
