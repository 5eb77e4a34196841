/* Durations of blocks: parsed from what operators type, and shown back. */
#include "core/duration.h"

#include <stdio.h>
#include <string.h>

static const struct {
	char unit;
	long long secs;
} duration_units[] = {
	{ 'w', 7 * 86400LL },
	{ 'd', 86400LL },
	{ 'h', 3600LL },
	{ 'm', 60LL },
	{ 's', 1LL },
};
#define DURATION_NUNITS (sizeof duration_units / sizeof duration_units[0])

int
duration_parse(const char *s, long long *secs)
{
	const char *p = s;
	long long total = 0;
	size_t next = 0, u;

	if (*p == '\0')
		return -1;
	while (*p != '\0') {
		long long n = 0;
		int digits = 0;

		for (; *p >= '0' && *p <= '9'; p++, digits++) {
			/* Anything this long is out of range anyway. */
			if (digits == 9)
				return -1;
			n = n * 10 + (*p - '0');
		}
		if (digits == 0)
			return -1;
		/* Units in order, each once: "1h30m", never "30m1h" or "1h1h". */
		for (u = next; u < DURATION_NUNITS; u++) {
			if (duration_units[u].unit == *p)
				break;
		}
		if (u == DURATION_NUNITS)
			return -1;
		total += n * duration_units[u].secs;
		if (total > DURATION_MAX)
			return -1;
		next = u + 1;
		p++;
	}
	if (total < 1)
		return -1;
	*secs = total;
	return 0;
}

char *
duration_format(long long secs, char *buf, size_t len)
{
	size_t u;

	if (secs <= 0) {
		snprintf(buf, len, "0s");
		return buf;
	}
	/* Weeks read badly next to days ("2w 3d"): days are the largest. */
	for (u = 1; u < DURATION_NUNITS; u++) {
		long long big = duration_units[u].secs, n = secs / big, rest;

		if (n == 0)
			continue;
		rest = u + 1 < DURATION_NUNITS ?
		    (secs % big) / duration_units[u + 1].secs : 0;
		if (rest > 0)
			snprintf(buf, len, "%lld%c %lld%c", n,
			    duration_units[u].unit, rest,
			    duration_units[u + 1].unit);
		else
			snprintf(buf, len, "%lld%c", n, duration_units[u].unit);
		return buf;
	}
	return buf;
}
