/* The role mailboxes (abuse@, postmaster@): what the active mailbox node's
 * agent reports of each, unread count and oldest unread, and how it reads. */
#ifndef MAILNOC_ROLE_MAILBOX_H
#define MAILNOC_ROLE_MAILBOX_H

#include <stdbool.h>
#include <stddef.h>

#include "core/model.h"

#define ROLE_MBX_MAX      8     /* role mailboxes watched at most */
#define ROLE_MBX_USER_MAX 64
#define ROLE_MBX_FIELD_MAX 240  /* node:{name} role_mbx, with the NUL */

struct role_mbx {
	char user[ROLE_MBX_USER_MAX];
	long unread;        /* -1: could not be read */
	long long oldest;   /* arrival (epoch s) of the oldest unread; 0 none */
};

/*
 * Reads `doveadm -f tab fetch -u USER date.received.unixtime mailbox INBOX
 * unseen`: a header line, then one arrival per unread message. Sets
 * m->unread and m->oldest. Returns 0, or -1 for output it cannot read.
 */
int role_mbx_parse_fetch(const char *out, struct role_mbx *m);

/*
 * The heartbeat field: "USER UNREAD OLDEST" for each, comma-separated
 * (UNREAD -1: not readable). Returns the length, or -1 when it does not
 * fit in len.
 */
int role_mbx_format(const struct role_mbx *v, size_t n, char *out,
    size_t len);

/*
 * Reads the field back (from Redis: checked here, once). Returns the
 * number of entries (at most max), or -1 when it is malformed.
 */
int role_mbx_parse(const char *s, struct role_mbx *v, size_t max);

/*
 * The active mailbox node reporting the role mailboxes in `snap`, or NULL:
 * an alive node whose role_mbx is set, the active one first.
 */
const struct node_status *role_mbx_node(const struct snapshot *snap);

/* "abuse@ 3 unread, oldest 2h10m" for one entry at `now`. */
char *role_mbx_text(const struct role_mbx *m, long long now, char *buf,
    size_t len);

#endif
