/* Short human forms of ages and counts for tables and the status line. */
#ifndef MAILNOC_FORMAT_H
#define MAILNOC_FORMAT_H

#include <stddef.h>

/* "42s", "5m", "3h", "12d"; "-" for a negative age. Returns buf. */
char *format_age(long secs, char *buf, size_t len);

/* "987", "12.3k", "4.5M"; "-" for a negative count. Returns buf. */
char *format_count(long n, char *buf, size_t len);

#endif
