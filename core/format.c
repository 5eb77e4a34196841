/* Ages, counts, bytes and time left in few characters, so tables fit 80
 * columns. */
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
format_bytes(long long n, char *buf, size_t len)
{
	static const char units[] = "KMGTP";
	double v = (double)n;
	int u = -1;

	if (n < 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	if (n < 1024) {
		snprintf(buf, len, "%lldB", n);
		return buf;
	}
	while (v >= 1024 && u < (int)sizeof units - 2) {
		v /= 1024;
		u++;
	}
	/* One decimal while it fits in four characters. */
	if (v < 9.95)
		snprintf(buf, len, "%.1f%c", v, units[u]);
	else
		snprintf(buf, len, "%.0f%c", v, units[u]);
	return buf;
}

char *
format_grouped(long long n, char *buf, size_t len)
{
	char digits[32], out[48];
	size_t nd, i, o = 0;

	if (n < 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	nd = (size_t)snprintf(digits, sizeof digits, "%lld", n);
	for (i = 0; i < nd; i++) {
		if (i > 0 && (nd - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
	snprintf(buf, len, "%s", out);
	return buf;
}

char *
format_count(long long n, char *buf, size_t len)
{
	static const char units[] = "kMGT";
	double v = (double)n;
	int u = -1;

	if (n < 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	if (n < 1000) {
		snprintf(buf, len, "%lld", n);
		return buf;
	}
	while (v >= 999.5 && u < (int)sizeof units - 2) {
		v /= 1000;
		u++;
	}
	/* "5k", not "5.0k"; "1.2k"; "12k". */
	if (v < 9.95 && (long long)(v * 10 + 0.5) % 10 != 0)
		snprintf(buf, len, "%.1f%c", v, units[u]);
	else
		snprintf(buf, len, "%.0f%c", v, units[u]);
	return buf;
}

char *
format_left(long long until, long long now, char *buf, size_t len)
{
	long long s = until - now;

	if (until == 0)
		snprintf(buf, len, "permanent");
	else if (s <= 0)
		snprintf(buf, len, "expired");
	else if (s < 60)
		snprintf(buf, len, "%llds", s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm", s / 60);
	else if (s < 48 * 3600)
		snprintf(buf, len, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
	return buf;
}

char *
format_share(long long day, long long declared, char *buf, size_t len)
{
	char a[16], b[16];

	format_count(day, a, sizeof a);
	if (declared <= 0)
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "%s/%s %lld%%", a,
		    format_count(declared, b, sizeof b),
		    day < 0 ? 0 : day * 100 / declared);
	return buf;
}
