/* Durations of blocks as operators type them: 30s, 15m, 2h, 7d, 1w, 1h30m. */
#ifndef MAILNOC_DURATION_H
#define MAILNOC_DURATION_H

#include <stddef.h>

/* The longest block a duration may ask for: 365 days. */
#define DURATION_MAX	(365LL * 86400)

/* What duration_parse accepts, to append to a refusal. */
#define DURATION_ACCEPTED \
	"use a number and a unit s, m, h, d or w (such as 30s, 15m, 2h, 7d, " \
	"1w or 1h30m), from 1s to 365d"

/*
 * Parses one or more NUMBER UNIT pairs (units s, m, h, d, w, each at most
 * once, largest first) into seconds. Returns 0 with *secs set, or -1 when the
 * text is not such a duration or lies outside 1 s .. DURATION_MAX.
 */
int	duration_parse(const char *s, long long *secs);

/*
 * Writes a duration in its two largest units: "45s", "15m", "1h 30m",
 * "7d", "2d 3h"; "0s" for zero or less. Returns buf.
 */
char	*duration_format(long long secs, char *buf, size_t len);

#endif
