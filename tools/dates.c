/*
 * Dates for the admin tool.  The store keeps Unix seconds; people see
 * and type UTC dates.  An account expiry date D means the account expires
 * at 00:00:00 UTC of D: it can be used through the day before.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "admin.h"

/* n digits at s as a number, or -1. */
static int
digits(const char *s, int n)
{
	int v = 0;

	for (; n > 0; n--, s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

int
date_parse(const char *s, int64_t *out)
{
	struct tm tm, back;
	time_t t;
	int y, m, d;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	y = digits(s, 4);
	m = digits(s + 5, 2);
	d = digits(s + 8, 2);
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	t = timegm(&tm);
	/* timegm normalises 2025-02-30 to March: refuse what moved */
	if (t == (time_t)-1 || gmtime_r(&t, &back) == NULL ||
	    back.tm_year != y - 1900 || back.tm_mon != m - 1 ||
	    back.tm_mday != d)
		return -1;
	*out = (int64_t)t;
	return 0;
}

/* Date, or date and time, of t; "@t" when it is not a year 0 to 9999. */
static char *
fmt(int64_t t, bool with_time, char *buf, size_t bufsz)
{
	struct tm tm;
	time_t tt = (time_t)t;
	size_t n = 0;

	if ((int64_t)tt == t && gmtime_r(&tt, &tm) != NULL &&
	    tm.tm_year <= 9999 - 1900 && tm.tm_year >= -1900)
		n = with_time ? strftime(buf, bufsz, "%Y-%m-%d %H:%M:%S UTC",
					 &tm) :
		    strftime(buf, bufsz, "%Y-%m-%d", &tm);
	if (n == 0)
		snprintf(buf, bufsz, "@%lld", (long long)t);
	return buf;
}

char *
date_fmt(int64_t t, char *buf, size_t bufsz)
{
	return fmt(t, false, buf, bufsz);
}

char *
time_fmt(int64_t t, char *buf, size_t bufsz)
{
	return fmt(t, true, buf, bufsz);
}

char *
expiry_fmt(int64_t t, char *buf, size_t bufsz)
{
	return t % 86400 == 0 ? date_fmt(t, buf, bufsz) :
	    time_fmt(t, buf, bufsz);
}
