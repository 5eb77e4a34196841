/* mailnocd as Postfix's policy service: the listening sockets and the event
 * loop that batches the requests of many smtpd connections into one Redis
 * round trip. */
#ifndef MAILNOC_AGENT_POLICY_SERVER_H
#define MAILNOC_AGENT_POLICY_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"

/* Requests taken from one connection in one pass of the loop. */
#define POLICY_SERVER_PER_CONN	64
/* Bytes of answers a client may leave unread before it is not read from. */
#define POLICY_SERVER_OUT_MAX	(256 * 1024)
/* Counts wait at most this long for a lookup to travel with. */
#define POLICY_SERVER_FLUSH_MS	100
/* With verbose, the counters are logged this often. */
#define POLICY_SERVER_STATS_MS	10000
/* Descriptors kept for the rest of the agent when max_clients is checked
 * against the limit (about 14 in use, more while it connects or runs
 * postqueue), plus one per listener. */
#define POLICY_SERVER_FD_RESERVE 32
/* A listener that cannot accept (out of descriptors) rests this long. */
#define POLICY_SERVER_PAUSE_MS	250
/* Connections are checked for the idle and request timeouts this often. */
#define POLICY_SERVER_SWEEP_MS	1000

struct policy_server;

/*
 * Opens every listen address of node->policy: TCP with SO_REUSEADDR (IPv6
 * only for [..] addresses), unix sockets mode 0666 after removing a stale
 * socket file (only a socket nobody answers on; any other file is left
 * alone and refused). Raises the soft RLIMIT_NOFILE to the hard limit and
 * lowers max_clients (logged) when the limit cannot hold that many
 * connections besides POLICY_SERVER_FD_RESERVE; builds the TCP allow-list
 * (policy_peers_init), logged once. Nothing runs yet. Returns the server,
 * or NULL with `cause` set (and nothing left open), also when the limit
 * leaves no room for a single client.
 */
struct policy_server *policy_server_open(const struct config *cfg,
    const struct config_node *node, bool verbose, char *cause,
    size_t causelen);

/*
 * Starts the server's thread, which has its own Redis connection and
 * takes no signals. Returns 0, or -1 with `cause` set.
 */
int	policy_server_start(struct policy_server *ps, char *cause,
	    size_t causelen);

/* Where the policy service's decisions come from now. */
enum policy_source {
	POLICY_SOURCE_REDIS,	/* Redis answers */
	POLICY_SOURCE_COPY,	/* Redis cannot be asked: the copy decides */
	POLICY_SOURCE_FAIL,	/* neither: the fail action */
};

struct policy_status {
	enum policy_source	 source;
	long long		 copy_age_s;	/* since confirmed, -1: none */
	unsigned long long	 copy_decisions; /* since the start */
};

/* What the heartbeat reports of the service; any thread, never blocks. */
void	policy_server_status(struct policy_server *ps,
	    struct policy_status *st);

/* Its name in the heartbeat: "redis", "copy" or "fail-action". */
const char *policy_source_name(enum policy_source s);

/*
 * Stops the thread (if started): it stops reading, writes the pending
 * volume counts, logs its counters; then closes every socket, removes the
 * unix socket files it created and frees ps. NULL is accepted.
 */
void	policy_server_stop(struct policy_server *ps);

#endif
