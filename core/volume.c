/* Per-agency volume buckets: epoch minutes and hours, keys, fields, sums. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/volume.h"
#include "core/keys.h"

static const char *volume_metrics[VOLUME_NMETRICS] = {
	"msgs", "rcpts", "bytes", "rejected", "deferred"
};

const char *
volume_metric_name(enum volume_metric m)
{
	if ((unsigned)m >= VOLUME_NMETRICS)
		return "unknown";
	return volume_metrics[m];
}

/* Division rounding towards minus infinity. */
static long long
volume_floordiv(long long a, long long b)
{
	long long	q = a / b;

	if ((a % b) != 0 && (a < 0))
		q--;
	return q;
}

long long
volume_minute(long long ms)
{
	return volume_floordiv(ms, 60000LL);
}

long long
volume_hour(long long ms)
{
	return volume_floordiv(ms, 3600000LL);
}

/* The key of the minute (or hour) bucket holding ms. */
static int
volume_key(char *buf, size_t size, const char *prefix, long long ms,
    bool hourly, char *cause, size_t causelen)
{
	long long	b = hourly ? volume_hour(ms) : volume_minute(ms);
	int		n;

	n = snprintf(buf, size, hourly ? "%s" KEY_VOL_HOUR :
	    "%s" KEY_VOL_MINUTE, prefix, b);
	if (n < 0 || (size_t)n >= size) {
		snprintf(cause, causelen, "cannot name bucket %lld: key too "
		    "long", b);
		return -1;
	}
	return 0;
}

int
volume_minute_key(char *buf, size_t size, const char *prefix, long long ms,
    char *cause, size_t causelen)
{
	return volume_key(buf, size, prefix, ms, false, cause, causelen);
}

int
volume_hour_key(char *buf, size_t size, const char *prefix, long long ms,
    char *cause, size_t causelen)
{
	return volume_key(buf, size, prefix, ms, true, cause, causelen);
}

int
volume_field(char *buf, size_t size, const char *agency, enum volume_metric m,
    char *cause, size_t causelen)
{
	const char	*s;
	int		 n;

	if (*agency == '\0') {
		snprintf(cause, causelen, "cannot count for an empty agency");
		return -1;
	}
	for (s = agency; *s != '\0'; s++) {
		if (*s == '|' || (unsigned char)*s < 0x20 || *s == 0x7f) {
			snprintf(cause, causelen, "cannot count for agency "
			    "'%.40s': '|' and control characters are not "
			    "allowed", agency);
			return -1;
		}
	}
	if ((unsigned)m >= VOLUME_NMETRICS) {
		snprintf(cause, causelen, "cannot count for agency '%.40s': "
		    "unknown metric", agency);
		return -1;
	}
	n = snprintf(buf, size, "%s|%s", agency, volume_metrics[m]);
	if (n < 0 || (size_t)n >= size) {
		snprintf(cause, causelen, "cannot count for agency '%.40s': "
		    "field too long", agency);
		return -1;
	}
	return 0;
}

void
volume_window_range(enum volume_window w, long long ms, int *hourly,
    long long *first, long long *last)
{
	long long	span;

	switch (w) {
	case VOLUME_LAST_MINUTE:
		span = 1;
		break;
	case VOLUME_LAST_10MIN:
		span = VOLUME_BULK_MINUTES;
		break;
	case VOLUME_LAST_HOUR:
		span = 60;
		break;
	case VOLUME_LAST_DAY:
	default:
		*hourly = 1;
		*last = volume_hour(ms);
		*first = *last - 23;
		return;
	}
	*hourly = 0;
	*last = volume_minute(ms);
	*first = *last - (span - 1);
}

long long
volume_sum(enum volume_window w, long long ms, const char *agency,
    enum volume_metric m, volume_lookup_fn lookup, void *arg)
{
	long long	first, last, b, n, sum = 0;
	int		hourly;

	volume_window_range(w, ms, &hourly, &first, &last);
	for (b = first; b <= last; b++) {
		n = lookup(arg, hourly, b, agency, m);
		if (n < 0)
			return -1;
		sum += n;
	}
	return sum;
}
