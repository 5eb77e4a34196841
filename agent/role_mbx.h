/* The role mailboxes (abuse@, postmaster@) read on the active mailbox
 * node with doveadm, for the heartbeat. */
#ifndef MAILNOC_AGENT_ROLE_MBX_H
#define MAILNOC_AGENT_ROLE_MBX_H

#include <stddef.h>

#include "core/config.h"

/* How often the active node reads them again. */
#define ROLE_MBX_INTERVAL_MS 60000

/*
 * Reads each of cfg's mailbox.roles on this node (`doveadm [-c CONFIG] -f
 * tab fetch -u USER date.received.unixtime mailbox INBOX unseen`; doveadm
 * -u needs the node's dovecot running) and writes the heartbeat field
 * into out. A mailbox that cannot be read is reported with unread -1 and
 * its cause goes to `cause` (the first one). Returns 0 when all were read,
 * -1 when some were not (out is written in either case).
 */
int role_mbx_read(const struct config *cfg, const struct config_node *n,
    int timeout_ms, char *out, size_t len, char *cause, size_t causelen);

#endif
