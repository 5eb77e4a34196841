/* The policy service's copy of the blocks, relay permits and agency limits:
 * what it decides from while Redis cannot be asked (docs/mailnocd.md,
 * "Deciding without Redis"). */
#ifndef MAILNOC_AGENT_POLICY_COPY_H
#define MAILNOC_AGENT_POLICY_COPY_H

#include <stdbool.h>
#include <stddef.h>

#include "agent/policy.h"
#include "agent/policy_rules.h"
#include "core/bulk.h"

struct policy_copy_block {
	char		*ip;
	char		*reason;
	long long	 until;		/* epoch seconds, 0: permanent */
};

struct policy_copy_permit {
	char		*ip;
	char		*agency;
};

/* An agency's limits as the policy script reads them (0: no limit; bulk
 * 0: POLICY_BULK_RCPTS, -1: none). An agency without a hash has all 0. */
struct policy_copy_agency {
	char		*id;
	long		 max_rcpts;
	long		 max_per_minute;
	long		 bulk_rcpts;
};

/*
 * One copy, built by policy_copy_add_* and policy_copy_seal, never changed
 * once sealed (the serving thread reads it while the loader builds the
 * next one).
 */
struct policy_copy {
	struct policy_copy_block	*blocks;	/* by ip once sealed */
	size_t				 nblocks, cap_blocks;
	struct policy_copy_permit	*permits;	/* by ip */
	size_t				 npermits, cap_permits;
	struct policy_copy_agency	*agencies;	/* by id */
	size_t				 nagencies, cap_agencies;
	/* Announced bulk jobs whose window had not ended at the load, by
	 * start (read without the lock: set before the copy is handed on). */
	struct bulk_list		 bulks;
	long long			 version;   /* policy:version, 0: none */
	long long			 loaded_ms; /* wall ms */
	unsigned long long		 skipped;   /* records not readable */
	char				 first_bad[200]; /* the first of them */
};

struct policy_copy *policy_copy_new(void);
/* NULL is accepted. */
void	policy_copy_free(struct policy_copy *c);

/*
 * Adds the block of `ip` from the HMGET of its hash's reason and until, as
 * read at now_s. Returns 1 added; 0 when there is no block (both fields
 * absent: it expired) or it has ended by now_s; -1 when the record cannot
 * be read (an error reply, until not a time, an address that is not
 * canonical): it is skipped and counted in c->skipped (c->first_bad says
 * which when it is the first).
 */
int	policy_copy_add_block(struct policy_copy *c, const char *ip,
	    const void *hmget_reply, long long now_s);

/*
 * Adds the relay permit of `ip` for `agency` (len bytes: a field of the
 * permit hash). Returns 1, or -1 skipped and counted as above (an address
 * that is not canonical, an agency id with '|', control characters or more
 * than 64 bytes).
 */
int	policy_copy_add_permit(struct policy_copy *c, const char *ip,
	    const char *agency, size_t len);

/*
 * Adds agency `id`'s limits from the HMGET of max_rcpts, max_per_minute
 * and bulk_rcpts. Returns 1, or -1 skipped and counted (a limit that is not
 * a count, an error reply): its permits then decide with the limits
 * unknown.
 */
int	policy_copy_add_agency(struct policy_copy *c, const char *id,
	    const void *hmget_reply);

/* Sorts the copy for lookups; of two records of one key, one stays. */
void	policy_copy_seal(struct policy_copy *c);

/* The agency ids the permits name, each once (pointers into c), sorted:
 * what to read after the permits. Returns how many; *ids is malloc'd. */
size_t	policy_copy_permit_agencies(const struct policy_copy *c,
	    const char ***ids);

/*
 * Fills f (fail_action and accept_action are kept) for `req` from a sealed
 * copy at now_s, as the policy script would from Redis: the block unless
 * it ended, the permit and its agency's limits (not for inbound requests),
 * draining as given. The live counts are not known: f->counts_unknown is
 * set, and f->limits_unknown when the permit's agency could not be read.
 * Strings point into c. Never fails.
 */
void	policy_copy_facts(const struct policy_copy *c,
	    const struct policy_request *req, bool draining, long long now_s,
	    struct policy_facts *f);

#endif
