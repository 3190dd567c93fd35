/*
 * Durations ("500ms", "90s", "4m", "1h30m", "7d", or a plain number of
 * seconds) and the wall clock, all in microseconds.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "cw.h"

static const struct {
	const char	*unit;
	cw_time		 scale;
} dur_units[] = {
	{ "ms", CW_MSEC },	/* before "m" so "ms" wins */
	{ "s", CW_SEC },
	{ "m", CW_MIN },
	{ "h", CW_HOUR },
	{ "d", CW_DAY },
};

/* Longest duration accepted anywhere: a year. */
#define DUR_MAX		(366 * CW_DAY)

/*
 * Parse a duration into *out.  On error return -1 and say why in *why.
 * A bare number is seconds; parts with units add up ("1m30s").
 */
int
dur_parse(const char *s, cw_time *out, const char **why)
{
	const char	*p = s;
	double		 total = 0;
	size_t		 i, n;

	*why = NULL;
	if (*p == '\0') {
		*why = "empty duration";
		return -1;
	}
	do {
		char	*end;
		double	 v;

		if (!isdigit((unsigned char)*p) && *p != '.') {
			*why = "a duration is a number with an optional unit "
			    "(ms, s, m, h, d)";
			return -1;
		}
		errno = 0;
		v = strtod(p, &end);
		if (end == p || errno != 0 || !isfinite(v)) {
			*why = "bad number in duration";
			return -1;
		}
		p = end;
		if (*p == '\0' && total == 0 && p == s + strlen(s) &&
		    strpbrk(s, "msdh") == NULL) {
			total = v * CW_SEC;	/* a bare number: seconds */
			break;
		}
		for (i = 0; i < nitems(dur_units); i++) {
			n = strlen(dur_units[i].unit);
			if (strncmp(p, dur_units[i].unit, n) == 0)
				break;
		}
		if (i == nitems(dur_units)) {
			*why = "unknown duration unit (use ms, s, m, h or d)";
			return -1;
		}
		total += v * (double)dur_units[i].scale;
		p += n;
	} while (*p != '\0');
	if (total > (double)DUR_MAX) {
		*why = "duration too long (at most 366d)";
		return -1;
	}
	*out = (cw_time)llround(total);
	return 0;
}

/* Write a duration the way people read it: "45s", "8m00s", "1h02m03s". */
void
dur_format(cw_time d, char *out, size_t len)
{
	int64_t	 s;
	const char *sign = "";

	if (d < 0) {
		sign = "-";
		d = -d;
	}
	s = d / CW_SEC;
	if (s < 60 && d % CW_SEC != 0 && s < 10)
		snprintf(out, len, "%s%.1fs", sign, (double)d / CW_SEC);
	else if (s < 60)
		snprintf(out, len, "%s%llds", sign, (long long)s);
	else if (s < 3600)
		snprintf(out, len, "%s%lldm%02llds", sign, (long long)(s / 60),
		    (long long)(s % 60));
	else
		snprintf(out, len, "%s%lldh%02lldm%02llds", sign,
		    (long long)(s / 3600), (long long)(s / 60 % 60),
		    (long long)(s % 60));
}

/* A range: "3–4m" when both ends are whole minutes, else "90s–2m30s". */
void
dur_format_range(cw_time lo, cw_time hi, char *out, size_t len)
{
	char	 a[32], b[32];

	if (lo % CW_MIN == 0 && hi % CW_MIN == 0 && hi < CW_HOUR) {
		snprintf(out, len, "%lld\xe2\x80\x93%lldm",
		    (long long)(lo / CW_MIN), (long long)(hi / CW_MIN));
		return;
	}
	dur_format(lo, a, sizeof a);
	dur_format(hi, b, sizeof b);
	snprintf(out, len, "%s\xe2\x80\x93%s", a, b);
}

/* The wall clock, microseconds since the epoch. */
cw_time
dur_wallclock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (cw_time)ts.tv_sec * CW_SEC + ts.tv_nsec / 1000;
}

/* A monotonic clock in µs, for measuring how long things take. */
cw_time
dur_monotonic(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (cw_time)ts.tv_sec * CW_SEC + ts.tv_nsec / 1000;
}

/* Microseconds to seconds, for JSON. */
double
dur_seconds(cw_time t)
{
	return (double)t / (double)CW_SEC;
}

/* The digits of v (at least min of them) ending before end; the first. */
static char *
dur_digits(char *end, uint64_t v, int min)
{
	int	 n = 0;

	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
		n++;
	} while (v != 0 || n < min);
	return end;
}

/*
 * Microseconds as a JSON number of seconds, exactly and without floating
 * point ("1796176020.769", "4", "-0.8"): what every time and figure of a
 * published object goes through (libc's float printing, which cJSON
 * uses and then reads back to check, was most of a message's cost).
 */
const char *
dur_json(cw_time t, char *buf, size_t len)
{
	char		 tmp[32], *p = tmp + sizeof tmp;
	uint64_t	 u = t < 0 ? (uint64_t)-(t + 1) + 1 : (uint64_t)t;
	uint64_t	 frac = u % CW_SEC;
	int		 digits = 6;

	*--p = '\0';
	if (frac != 0) {
		while (frac % 10 == 0) {
			frac /= 10;
			digits--;
		}
		p = dur_digits(p, frac, digits);
		*--p = '.';
	}
	p = dur_digits(p, u / CW_SEC, 1);
	if (t < 0)
		*--p = '-';
	if ((size_t)(tmp + sizeof tmp - p) > len)
		fatalx("dur_json: buffer of %zu bytes", len);
	memcpy(buf, p, (size_t)(tmp + sizeof tmp - p));
	return buf;
}

/*
 * Add name: t µs in seconds (dur_json) to object o.  name must be a
 * constant (it is not copied), as with json_ref() below.
 */
void
dur_json_add(cJSON *o, const char *name, cw_time t)
{
	char	 buf[32];

	cJSON_AddItemToObjectCS(o, name, cJSON_CreateRaw(dur_json(t, buf,
	    sizeof buf)));
}

/*
 * Set o's "seq" to n, written as digits: cJSON prints a 16-digit number
 * (the wall clock's seq) as 1.79619687697174e+15 when that reads back
 * the same, and integer parsers refuse it.  pub_send() renumbers it.
 */
void
json_seq(cJSON *o, uint64_t n)
{
	char	 buf[24];
	cJSON	*j;

	snprintf(buf, sizeof buf, "%llu", (unsigned long long)n);
	j = cJSON_CreateRaw(buf);
	if (cJSON_GetObjectItemCaseSensitive(o, CW_F_SEQ) != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(o, CW_F_SEQ, j);
	else
		cJSON_AddItemToObjectCS(o, CW_F_SEQ, j);
}

/*
 * Members of the objects the daemon publishes, without copies: name is a
 * constant and s must outlive the object (it is printed before anything
 * that owns s can change).  A call/ message is built for nearly every
 * event; copying each key and value was most of its allocations.
 */
void
json_ref(cJSON *o, const char *name, const char *s)
{
	cJSON_AddItemToObjectCS(o, name, s != NULL ?
	    cJSON_CreateStringReference(s) : cJSON_CreateNull());
}
