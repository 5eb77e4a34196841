/* Short human forms of ages, counts, bytes and time left for tables and
 * the status line. */
#ifndef MAILNOC_FORMAT_H
#define MAILNOC_FORMAT_H

#include <stddef.h>

/* "42s", "5m", "3h", "12d"; "-" for a negative age. Returns buf. */
char *format_age(long secs, char *buf, size_t len);

/* "0B", "999B", "1.2K", "15K", "3.4M", "120G" (1024 steps). Returns buf. */
char *format_bytes(long long n, char *buf, size_t len);

/* "987", "1.2k", "5k", "12k", "3.4M", "1.2G"; "-" below 0. Returns buf. */
char *format_count(long long n, char *buf, size_t len);

/* "987", "1,681", "1,234,567": every digit, thousands grouped by commas;
 * "-" below 0. Returns buf. */
char *format_grouped(long long n, char *buf, size_t len);

/*
 * The time left until `until` (epoch seconds) at `now`: "permanent" for 0,
 * "expired" when it has passed, else "42s", "12m", "5h07m", "3d04h".
 * Returns buf.
 */
char *format_left(long long until, long long now, char *buf, size_t len);

/*
 * A day's messages against the declared daily volume: "1.2k/5k 24%";
 * just "1.2k" when nothing is declared (declared <= 0). Returns buf.
 */
char *format_share(long long day, long long declared, char *buf,
    size_t len);

#endif
