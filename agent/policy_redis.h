/* The policy service's Redis side: one Lua script per request, many requests
 * per round trip, and the volume counts sent along with the next lookup. */
#ifndef MAILNOC_AGENT_POLICY_REDIS_H
#define MAILNOC_AGENT_POLICY_REDIS_H

#include <stdbool.h>
#include <stddef.h>

#include "agent/policy.h"
#include "agent/policy_rules.h"
#include "backends/redis.h"
#include "core/config.h"
#include "core/volume.h"

/* How many elements the script's reply has. */
#define POLICY_REPLY_FIELDS	10
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

/*
 * The script that gathers one request's facts (docs/mailnocd.md).
 * KEYS: block:{ip}, permit, node:{name}. ARGV: ip, key prefix, now in epoch
 * seconds, the current epoch minute, flags ('i' inbound: no permit lookup;
 * 'e' end of message: no limits, no block hit). It increments hits and sets
 * last_hit of a block that exists, never creating one. Reply: blocked (0/1),
 * reason, until, draining (0/1), agency ("" = no permit), max_rcpts,
 * max_per_minute, bulk_rcpts (as stored, "" = absent), the agency's
 * messages in the current minute, its recipients in the last 10 minutes.
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

struct policy_redis {
	struct redis			 redis;	/* this thread's own */
	const struct config		*cfg;
	const struct config_node	*node;
	char				 sha[41];
	unsigned long			 loaded;	/* redis.connects at load */
	char				 permit_key[160];
	char				 node_key[160];

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
 * Connects (with redis_ensure's back-off) and loads the script after each
 * new connection. Returns 0, or -1 with `cause` set.
 */
int	policy_redis_connect(struct policy_redis *pr, char *cause,
	    size_t causelen);

/*
 * Looks up the facts of n requests: the pending counts and one EVALSHA per
 * request in one pipeline, one round trip (plus SCRIPT LOAD after a
 * (re)connect, and once more after NOSCRIPT). Every lookup's facts are
 * filled; a lookup whose reply was an error or garbage has
 * facts.redis_ok false and `cause` set. Returns 0, or -1 with `cause` set
 * when Redis could not be asked at all (then no facts are known; the
 * counts stay pending unless they were sent).
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
 * Writes the pending counts now, in one round trip. Returns 0, or -1 with
 * `cause` set (the counts stay pending when nothing was sent).
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
