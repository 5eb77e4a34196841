/* The policy service's Redis side: one Lua script per request, many requests
 * per round trip, and the volume counts sent along with the next lookup. */
#ifndef MAILNOC_AGENT_POLICY_REDIS_H
#define MAILNOC_AGENT_POLICY_REDIS_H

#include <stdbool.h>
#include <stddef.h>

#include "agent/policy.h"
#include "agent/policy_connector.h"
#include "agent/policy_rules.h"
#include "backends/redis.h"
#include "core/config.h"
#include "core/volume.h"

/* How many elements the script's reply has. */
#define POLICY_REPLY_FIELDS	11
/*
 * Counts ride along with a pass at most this often (and at once when
 * POLICY_COUNT_BATCH agency-minutes wait): with a few busy clients a pass
 * carries one request, and counts sent with every one of them would double
 * Redis's work.
 */
#define POLICY_COUNT_EVERY_MS	20
#define POLICY_COUNT_BATCH	64
/* Longest agency id taken from Redis. */
#define POLICY_AGENCY_MAX	64
/* An idle connection is checked with a PING this often. */
#define POLICY_REDIS_PING_MS	1000

/*
 * The script that gathers one request's facts (docs/mailnocd.md).
 * KEYS: block:{ip}, permit, node:{name}. ARGV: ip, key prefix, now in epoch
 * seconds, the current epoch minute, flags ('i' inbound: no permit lookup;
 * 'e' end of message: no limits, no block hit). It increments hits and sets
 * last_hit of a block that exists, never creating one. Reply: blocked (0/1),
 * reason, until, draining (0/1), agency ("" = no permit), max_rcpts,
 * max_per_minute, bulk_rcpts (as stored, "" = absent), the agency's
 * messages in the current minute, its recipients in the last 10 minutes,
 * and the recipients counted for its announced bulk job (-1: none).
 * ARGV[9] names the announced jobs whose window holds now (" AGENCY=ID
 * ..."; "" none) and ARGV[10] the recipients of an end of message, which
 * the script adds to that agency's announcement (vol:bulk:{id}).
 */
extern const char policy_redis_script[];

/* One request's lookup. */
struct policy_lookup {
	const struct policy_request	*req;
	void				*reply;	/* redisReply, owned */
	struct policy_facts		 facts;	/* strings point into reply */
	char				 cause[160]; /* why !facts.redis_ok */
};

/* Counts waiting to be written: one agency in one minute. */
struct policy_count {
	char		agency[POLICY_AGENCY_MAX + 1];
	long long	minute;
	long long	n[VOLUME_NMETRICS];
};

/*
 * The serving thread's connection. It never connects by itself: a ready
 * connection is handed over (policy_redis_adopt, from the connector
 * thread), and every exchange on it is bounded by the node's
 * policy.redis_timeout_ms. Replies that do not come within that time are
 * owed: until they come, requests fail at once; when they have not come
 * within redis.command_timeout_ms, the connection is dropped.
 */
struct policy_redis {
	struct redis			 redis;	/* ctx, host, port, connects */
	const struct config		*cfg;
	const struct config_node	*node;
	int				 timeout_ms;
	char				 sha[41];
	char				 away[256];	/* why no connection */
	size_t				 owed;		/* replies still to come */
	long long			 owed_since;	/* mono ms */
	long long			 owed_until;	/* a pass waits till then */
	unsigned long long		 owed_increments; /* counts among them */
	long long			 last_io;	/* mono ms of a reply */
	char				 permit_key[160];
	char				 node_key[160];
	/* The script's ARGV[9] for the next lookups (the server sets it). */
	const char			*bulk_arg;

	struct policy_count		*counts;
	size_t				 ncounts, counts_cap;
	long long			 counts_sent_ms; /* last sent with a pass */
	long long			 expired_minute; /* EXPIRE sent for its key */
	long long			 expired_hour;

	unsigned long long		 round_trips;
	unsigned long long		 lost_counts;	/* increments dropped */
	char				 count_err[160]; /* last one logged */
};

void	policy_redis_init(struct policy_redis *pr, const struct config *cfg,
	    const struct config_node *node);
void	policy_redis_free(struct policy_redis *pr);

/*
 * Takes over a ready connection (its script loaded) and makes its socket
 * non-blocking; a connection still held is closed first.
 */
void	policy_redis_adopt(struct policy_redis *pr, struct policy_link *link);

/* Closes the connection (if any); `cause` says why for the next lookups.
 * Counts sent on it and not confirmed are logged as maybe lost. */
void	policy_redis_drop(struct policy_redis *pr, const char *cause);

/* True while a connection is held (usable or waiting for owed replies). */
bool	policy_redis_connected(const struct policy_redis *pr);

/* The held connection's socket, or -1. */
int	policy_redis_fd(const struct policy_redis *pr);

/* Says why there is no connection (the next lookups' cause). */
void	policy_redis_set_away(struct policy_redis *pr, const char *cause);

/*
 * Looks after the connection between passes, never waiting: reads owed
 * replies that came, drops the connection when they are overdue
 * (redis.command_timeout_ms), when it broke or when Redis sent what was not
 * asked, and sends a PING when it was idle for POLICY_REDIS_PING_MS (its
 * reply is owed like any other). Returns 0, or -1 with `cause` set when the
 * connection was dropped now.
 */
int	policy_redis_tend(struct policy_redis *pr, long long now_mono,
	    char *cause, size_t causelen);

/* Milliseconds until policy_redis_tend has work (0 or more), or -1. */
long long policy_redis_tend_in(const struct policy_redis *pr,
	    long long now_mono);

/*
 * Looks up the facts of n requests: the pending counts and one EVALSHA per
 * request in one pipeline, one round trip (plus SCRIPT LOAD and once more
 * after NOSCRIPT). Every lookup's facts are filled; a lookup whose reply
 * was an error or garbage has facts.redis_ok false and `cause` set; a
 * READONLY reply (a master demoted by a failover) drops the connection.
 * Returns 0, or -1 with `cause` set when Redis could not be asked at all:
 * no connection, replies of an earlier exchange still owed, the connection
 * broke or gave no answer within the timeout (then no facts are known; the
 * counts stay pending unless they were sent). Waits for Redis at most
 * timeout_ms (plus what is left of an idle PING's, for its answer).
 */
int	policy_redis_lookup(struct policy_redis *pr, struct policy_lookup *l,
	    size_t n, long long now_ms, char *cause, size_t causelen);

/* Frees the replies of n lookups. */
void	policy_redis_release(struct policy_lookup *l, size_t n);

/* Adds one decision's counts for `agency` in the minute of now_ms. */
void	policy_redis_count(struct policy_redis *pr, const char *agency,
	    const long long count[VOLUME_NMETRICS], long long now_ms);

/* True when counts wait to be written. */
bool	policy_redis_pending(const struct policy_redis *pr);

/*
 * Writes the pending counts now, in one round trip, waiting at most
 * timeout_ms. Returns 0, or -1 with `cause` set (the counts stay pending
 * when nothing was sent).
 */
int	policy_redis_flush(struct policy_redis *pr, char *cause,
	    size_t causelen);

/*
 * Reads the script's reply into f (strings point into reply; the caller's
 * fail_action and accept_action are kept). Returns 0 with f->redis_ok set,
 * or -1 with `cause` set for an error reply or one of the wrong shape: a
 * missing element, a limit that is not a count, an agency id with '|' or
 * control characters. Never fails otherwise.
 */
int	policy_redis_parse(const void *reply, struct policy_facts *f,
	    char *cause, size_t causelen);

#endif
