/* The policy service's reconnecting thread: it connects to Redis (Sentinel,
 * the connect and command timeouts, AUTH, the policy script) off the
 * serving path and hands over a ready connection. */
#ifndef MAILNOC_AGENT_POLICY_CONNECTOR_H
#define MAILNOC_AGENT_POLICY_CONNECTOR_H

#include <hiredis.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"

/* A connection ready to serve: logged in, the script loaded. */
struct policy_link {
	redisContext	*ctx;		/* owned by whoever holds the link */
	char		 host[256];	/* the master it is connected to */
	int		 port;
	char		 sha[41];	/* the script's SHA1 */
};

struct policy_connector;

/*
 * Starts the thread; it connects at once (policy_connector_want is
 * implied). `script` is loaded with SCRIPT LOAD on every new connection and
 * must outlive the connector. Returns the connector, or NULL with `cause`
 * set.
 */
struct policy_connector *policy_connector_start(const struct config *cfg,
    const char *script, char *cause, size_t causelen);

/*
 * A descriptor that becomes readable after each attempt, made or failed
 * (an eventfd: poll or epoll it; policy_connector_take clears it).
 */
int	policy_connector_fd(const struct policy_connector *pc);

/*
 * Asks for a new connection, after the serving one was lost. The first
 * attempt is made at once (unless the last connection was handed over less
 * than REDIS_BACKOFF_MIN_MS ago), later ones with redis_connect's back-off
 * (250 ms doubling to 8 s). Does nothing while a connection is wanted or
 * waits to be taken. Never blocks on the network.
 */
void	policy_connector_want(struct policy_connector *pc);

/*
 * Takes the connection that waits, if any: returns true with *link filled
 * (the caller owns link->ctx from then on). Otherwise returns false with
 * `cause` set to why there is none: the last attempt's error, or that an
 * attempt is under way. Never blocks on the network.
 */
bool	policy_connector_take(struct policy_connector *pc,
	    struct policy_link *link, char *cause, size_t causelen);

/*
 * Stops the thread, waiting for an attempt under way (bounded by the
 * connect and command timeouts), frees a connection nobody took and frees
 * pc. NULL is accepted.
 */
void	policy_connector_stop(struct policy_connector *pc);

#endif
