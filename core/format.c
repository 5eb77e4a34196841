/* Ages and counts in few characters, so tables fit 80 columns. */
#include "core/format.h"

#include <stdio.h>

char *
format_age(long secs, char *buf, size_t len)
{
	if (secs < 0)
		snprintf(buf, len, "-");
	else if (secs < 120)
		snprintf(buf, len, "%lds", secs);
	else if (secs < 2 * 3600)
		snprintf(buf, len, "%ldm", secs / 60);
	else if (secs < 2 * 86400)
		snprintf(buf, len, "%ldh", secs / 3600);
	else
		snprintf(buf, len, "%ldd", secs / 86400);
	return buf;
}

char *
format_count(long n, char *buf, size_t len)
{
	if (n < 0)
		snprintf(buf, len, "-");
	else if (n < 10000)
		snprintf(buf, len, "%ld", n);
	else if (n < 1000000)
		snprintf(buf, len, "%.1fk", (double)n / 1000);
	else
		snprintf(buf, len, "%.1fM", (double)n / 1000000);
	return buf;
}
