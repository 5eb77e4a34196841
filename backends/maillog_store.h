/* Reads the mail log counters and harvest suspects the gateways' followers
 * write (docs/redis-schema.md, "The mail log counters"). */
#ifndef MAILNOC_MAILLOG_STORE_H
#define MAILNOC_MAILLOG_STORE_H

#include <stddef.h>

#include "backends/redis.h"
#include "core/maillog_report.h"

/* The providers' window: the last hour of minute counters. */
#define MAILLOG_STORE_MINUTES 60
/* At most this many suspects are read (the most recent). */
#define MAILLOG_STORE_SUSPECTS 100

/*
 * Sums every provider's counters of the `minutes` minutes up to `now`
 * (one HGETALL per minute, one round trip) into `out`, which it
 * initializes; ml_providers_finish is left to the caller. Returns 0, or
 * -1 with r->err and `cause` set.
 */
int maillog_store_providers(struct redis *r, long long now, int minutes,
    struct ml_providers *out, char *cause, size_t len);

/* The agencies' counters of the UTC day of `now` (one round trip). */
int maillog_store_agencies(struct redis *r, long long now,
    struct ml_agencies *out, char *cause, size_t len);

/*
 * The harvest suspects, most recent first, with whether each is blocked
 * (two round trips). *out is allocated (free it), *n set.
 */
int maillog_store_suspects(struct redis *r, struct ml_suspect **out,
    size_t *n, char *cause, size_t len);

#endif
