/* Per-agency volume buckets: epoch minutes and hours, keys, fields, sums. */
#ifndef MAILNOC_VOLUME_H
#define MAILNOC_VOLUME_H

#include <stddef.h>

/* How long buckets are kept (EXPIRE, seconds): DESIGN.md §3. */
#define VOLUME_MINUTE_TTL	(48LL * 3600)
#define VOLUME_HOUR_TTL		(60LL * 86400)

/* The bulk guidance: recipients per agency over this many minutes. */
#define VOLUME_BULK_MINUTES	10

enum volume_metric {
	VOLUME_MSGS,
	VOLUME_RCPTS,
	VOLUME_BYTES,
	VOLUME_REJECTED,
	VOLUME_DEFERRED,
};
#define VOLUME_NMETRICS 5

enum volume_window {
	VOLUME_LAST_MINUTE,	/* the current minute bucket */
	VOLUME_LAST_10MIN,	/* the current minute and the 9 before it */
	VOLUME_LAST_HOUR,	/* the current minute and the 59 before it */
	VOLUME_LAST_DAY,	/* the current hour bucket and the 23 before it */
};

/* Field name of a metric: "msgs", "rcpts", "bytes", "rejected", "deferred". */
const char	*volume_metric_name(enum volume_metric m);

/*
 * Bucket of a time in milliseconds since the epoch: floor division, so
 * hh:59:59.999 is still in hour hh and hh+1:00:00.000 starts the next one;
 * negative times round down too.
 */
long long	 volume_minute(long long ms);
long long	 volume_hour(long long ms);

/*
 * Writes "{prefix}vol:m:{minute}" or "{prefix}vol:h:{hour}" for the bucket
 * holding ms. Returns 0, or -1 with `cause` when it does not fit in size.
 */
int	volume_minute_key(char *buf, size_t size, const char *prefix,
	    long long ms, char *cause, size_t causelen);
int	volume_hour_key(char *buf, size_t size, const char *prefix,
	    long long ms, char *cause, size_t causelen);

/*
 * Writes the field "{agency}|{metric}". The agency id must be non-empty and
 * hold no '|' or control character. Returns 0, or -1 with `cause`.
 */
int	volume_field(char *buf, size_t size, const char *agency,
	    enum volume_metric m, char *cause, size_t causelen);

/*
 * Looks up one bucket: minute buckets when hourly is 0, else hour buckets.
 * Returns the count (0 for an absent bucket or field), or -1 when it cannot
 * be read.
 */
typedef long long (*volume_lookup_fn)(void *arg, int hourly, long long bucket,
    const char *agency, enum volume_metric m);

/*
 * Sums a metric of an agency over a window ending at ms (the bucket holding
 * ms is the last one summed). Returns the sum, or -1 when a lookup failed.
 */
long long	volume_sum(enum volume_window w, long long ms,
		    const char *agency, enum volume_metric m,
		    volume_lookup_fn lookup, void *arg);

/*
 * The buckets a window covers: *hourly is set, *first and *last are the
 * bucket numbers (inclusive).
 */
void		volume_window_range(enum volume_window w, long long ms,
		    int *hourly, long long *first, long long *last);

#endif
