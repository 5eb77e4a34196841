/* The gateway's mail log follower: its own thread, its own Redis link. */
#ifndef MAILNOC_AGENT_MAILLOG_H
#define MAILNOC_AGENT_MAILLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/config.h"
#include "core/maillog_tally.h"

/* Lines counted before a batch is written at the latest. */
#define MAILLOG_BATCH_LINES	20000
/* How often the follower looks for new lines and rotation (ms). */
#define MAILLOG_POLL_MS		250
/* How often the permits are read again (ms). */
#define MAILLOG_PERMITS_MS	60000
/* How long a harvest suspect's record is kept after its last reject. */
#define MAILLOG_SUSPECT_TTL	(7LL * 86400)

/* Where the follower stood: the file, its inode and a checksum of its
 * first line (so that a file truncated and written again is known). */
struct maillog_pos {
	unsigned long long ino;
	long long offset;
	unsigned long long head;   /* FNV-1a of the first head_len bytes */
	int head_len;              /* 0: the file had no full line yet */
};

struct maillog_follower;

/*
 * Starts the follower of `node`'s mail log on a thread of its own (the
 * policy service's thread never waits for it). The file is the node's
 * maillog.file, or the instance's maillog_file (postconf), or
 * /var/log/mail.log. Returns NULL with `cause` set when the thread cannot
 * start; a missing or unreadable file is not an error (it is warned about
 * and retried).
 */
struct maillog_follower *maillog_start(const struct config *cfg,
    const struct config_node *node, bool verbose, char *cause,
    size_t causelen);

/* Writes what is counted (one last batch), keeps the position, stops. */
void maillog_stop(struct maillog_follower *f);

/* Age in seconds of the oldest file kept of the log (the log and its
 * rotated siblings: NAME.1, NAME.2.gz, NAME-20261201, ...), or -1. */
long maillog_oldest_age(struct maillog_follower *f);

/* Reads a state file; 0, or -1 when it is absent or not one. */
int maillog_pos_load(const char *path, struct maillog_pos *p);
/* Writes it atomically (a temporary file, fsync, rename). 0 or -1. */
int maillog_pos_save(const char *path, const struct maillog_pos *p);

/* The checksum of the first line of an open file, at most 256 bytes:
 * 0 with head/head_len set (head_len 0 when no full line yet), -1. */
int maillog_head(int fd, unsigned long long *head, int *head_len);

/* Oldest modification time among `path` and its rotated siblings, or -1. */
long long maillog_oldest_mtime(const char *path);

#endif
