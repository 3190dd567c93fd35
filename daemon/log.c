/*
 * Logging: one line per event, "what key=value key=value", to stderr
 * (the journal under systemd).  When stderr is the journal's stream
 * ($JOURNAL_STREAM names its device and inode), each line starts with
 * its syslog priority ("<4>"), so journalctl -p filters by level.  The
 * only global state of the daemon.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cw.h"

int log_level = LOG_LVL_INFO;
static const char *log_prefix = "callwatchd";

static const char *const log_names[] = { "error", "warn", "info", "debug" };
/* Syslog priorities of the levels: err, warning, info, debug. */
static const char *const log_prios[] = { "<3>", "<4>", "<6>", "<7>" };
static bool log_journal;	/* stderr is the journal's stream */

/* Whether stderr is the stream $JOURNAL_STREAM ("DEV:INODE") names. */
static bool
log_to_journal(void)
{
	const char		*js = getenv("JOURNAL_STREAM");
	unsigned long long	 dev, ino;
	struct stat		 sb;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(2, &sb) == -1)
		return false;
	return (unsigned long long)sb.st_dev == dev &&
	    (unsigned long long)sb.st_ino == ino;
}

/* Set the level and the name that starts every line. */
void
log_init(int level, const char *prefix)
{
	log_level = level;
	if (prefix != NULL)
		log_prefix = prefix;
	log_journal = log_to_journal();
}

/* Change the level (config reload, -v). */
void
log_setlevel(int level)
{
	log_level = level;
}

/* Parse "error", "warn", "info" or "debug"; -1 if none of them. */
int
log_parse_level(const char *s)
{
	size_t i;

	for (i = 0; i < nitems(log_names); i++)
		if (strcasecmp(s, log_names[i]) == 0)
			return (int)i;
	if (strcasecmp(s, "warning") == 0)
		return LOG_LVL_WARN;
	return -1;
}

/* The name of a level. */
const char *
log_level_name(int level)
{
	if (level < 0 || (size_t)level >= nitems(log_names))
		return "?";
	return log_names[level];
}

/* Write one line: "<prefix>: <level>: <message>[: <errstr>]". */
static void log_vwrite(int, const char *, const char *, va_list)
    __attribute__((format(printf, 3, 0)));

/* Write one line: "<prefix>: <level>: <message>[: <errstr>]". */
static void
log_vwrite(int level, const char *errstr, const char *fmt, va_list ap)
{
	char	 msg[2048];

	vsnprintf(msg, sizeof msg, fmt, ap);
	if (errstr != NULL)
		fprintf(stderr, "%s%s: %s: %s: %s\n", log_journal ?
		    log_prios[level] : "", log_prefix, log_names[level], msg,
		    errstr);
	else
		fprintf(stderr, "%s%s: %s: %s\n", log_journal ?
		    log_prios[level] : "", log_prefix, log_names[level], msg);
}

/* A warning with strerror(errno) appended. */
void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	if (log_level < LOG_LVL_WARN)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_LVL_WARN, strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
}

/* A warning. */
void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	if (log_level < LOG_LVL_WARN)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_LVL_WARN, NULL, fmt, ap);
	va_end(ap);
}

/* An error the daemon does not survive, said before it exits. */
void
log_errorx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_ERROR, NULL, fmt, ap);
	va_end(ap);
}

/* An informational line; use the log_info() macro. */
void
log_info_(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_INFO, NULL, fmt, ap);
	va_end(ap);
}

/* A debugging line; use the log_debug() macro. */
void
log_debug_(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_DEBUG, NULL, fmt, ap);
	va_end(ap);
}

/* Log an error with strerror(errno) and exit 1. */
void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_ERROR, strerror(saved), fmt, ap);
	va_end(ap);
	exit(1);
}

/* Log an error and exit 1. */
void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_ERROR, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}
