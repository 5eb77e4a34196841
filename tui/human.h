/* Short human forms for the policy views: bytes, time left, volume share. */
#ifndef MAILNOC_HUMAN_H
#define MAILNOC_HUMAN_H

#include <stddef.h>

/* "0B", "999B", "1.2K", "15K", "3.4M", "120G" (1024 steps). Returns buf. */
char	*human_bytes(long long n, char *buf, size_t len);

/* "987", "1.2k", "5k", "12k", "3.4M", "1.2G"; "-" below 0. Returns buf. */
char	*human_count(long long n, char *buf, size_t len);

/*
 * The time left until `until` (epoch seconds) at `now`: "permanent" for 0,
 * "expired" when it has passed, else "42s", "12m", "5h07m", "3d04h".
 * Returns buf.
 */
char	*human_left(long long until, long long now, char *buf, size_t len);

/*
 * A day's messages against the declared daily volume: "1.2k/5k 24%";
 * just "1.2k" when nothing is declared (declared <= 0). Returns buf.
 */
char	*human_share(long long day, long long declared, char *buf,
	    size_t len);

#endif
