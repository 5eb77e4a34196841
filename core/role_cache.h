/* The Redis user's role as last confirmed, kept on disk for when Redis is away. */
#ifndef MAILNOC_ROLE_CACHE_H
#define MAILNOC_ROLE_CACHE_H

#include <stdbool.h>

/* How long a confirmed role stands in for a probe that cannot be made. */
#define ROLE_CACHE_MAX_AGE_S (24 * 3600)

/*
 * The role of Redis user `user` (NULL: default) as a probe last confirmed it
 * on this machine, if that was at most ROLE_CACHE_MAX_AGE_S before `now`:
 * 1 may write, 0 read-only, -1 not known (never confirmed, too old, or the
 * file unreadable or malformed).
 */
int role_cache_get(const char *user, long long now);

/*
 * Remembers what a probe confirmed, in role-USER (mode 0600) under
 * $MAILNOC_STATE_DIR, $XDG_STATE_HOME/mailnoc or ~/.local/state/mailnoc.
 * Failing to write it changes nothing else.
 */
void role_cache_put(const char *user, bool may_write, long long now);

#endif
