/* The policy decision table: a request and what Redis said give an action. */
#ifndef MAILNOC_AGENT_POLICY_RULES_H
#define MAILNOC_AGENT_POLICY_RULES_H

#include <stdbool.h>

#include "agent/policy.h"
#include "core/volume.h"

/* The bulk guidance: at most this many recipients per 10 minutes. */
#define POLICY_BULK_RCPTS	1000

/*
 * What the agent knows about the client when it decides, read from Redis
 * in one round trip. Strings may be NULL. Limits of 0 mean no limit; a
 * bulk_rcpts of 0 means POLICY_BULK_RCPTS and -1 no bulk limit.
 */
struct policy_facts {
	bool		 redis_ok;	/* false: nothing below is known */
	const char	*fail_action;	/* NULL or "": "DUNNO" (fail open) */
	const char	*accept_action;	/* NULL or "": "DUNNO" */

	bool		 blocked;
	const char	*block_reason;	/* as recorded by the console */
	long long	 block_until;	/* epoch seconds, 0: permanent */

	bool		 draining;	/* this node */

	const char	*agency;	/* the permit of the IP, NULL: none */
	long		 max_rcpts_per_msg;
	long		 max_msgs_per_minute;
	long		 bulk_rcpts;	/* per VOLUME_BULK_MINUTES */
	long long	 msgs_minute;	/* the agency's, current minute */
	long long	 rcpts_10min;	/* the agency's, last 10 minutes */

	/*
	 * Facts from the agent's copy (agent/policy_copy.h) rather than from
	 * Redis: the live counts above are not known (counts_unknown), and
	 * with limits_unknown the agency's limits are not either.
	 */
	bool		 from_copy;
	bool		 counts_unknown;
	bool		 limits_unknown;

	/*
	 * The agency's announced bulk job whose window holds now
	 * (core/bulk.h) when `plan`. Its plan lets through what the bulk
	 * limit would defer while plan_sent (recipients counted since its
	 * start) stays within plan_allowed (those of the jobs due by now).
	 */
	bool		 plan;
	long long	 plan_allowed;
	long long	 plan_sent;
	long long	 plan_rcpts;	/* announced in all */
	long		 plan_jobs;
	long long	 plan_next;	/* next job's earliest start, 0: none */
};

enum policy_rule {
	POLICY_RULE_MALFORMED,
	POLICY_RULE_FAIL_OPEN,
	POLICY_RULE_COUNT,
	POLICY_RULE_BLOCKED,
	POLICY_RULE_DRAINING,
	POLICY_RULE_NO_PERMIT,
	POLICY_RULE_RCPTS_PER_MSG,
	POLICY_RULE_MSGS_PER_MINUTE,
	POLICY_RULE_BULK,
	POLICY_RULE_ACCEPT,
	POLICY_RULE_LIMITS_UNKNOWN,
	POLICY_RULE_ANNOUNCED,
};

struct policy_decision {
	enum policy_rule rule;
	char		 action[POLICY_ACTION_MAX + 1];
	bool		 log;	/* malformed request or fail-open: log it */
	/*
	 * What to add to facts->agency's minute and hour buckets; all zero
	 * when there is no agency.
	 */
	long long	 count[VOLUME_NMETRICS];
};

/*
 * Decides one request. The first rule that applies wins:
 *
 *  rule             when                           action
 *  malformed        req->malformed                 DUNNO (the protocol
 *                                                  wants an answer; the
 *                                                  rest of smtpd's
 *                                                  restrictions decide)
 *  fail open        !facts->redis_ok               fail_action, default DUNNO
 *  count            END-OF-MESSAGE                 accept_action; counts
 *                                                  msgs 1, rcpts
 *                                                  recipient_count, bytes size
 *  blocked          facts->blocked                 REJECT {ip} is blocked:
 *                                                  {reason}[ until {UTC}];
 *                                                  counts rejected
 *  draining         facts->draining                451 4.3.2 this gateway is
 *                                                  draining, try another
 *                                                  gateway
 *  no permit        facts->agency == NULL          REJECT {ip} is not
 *                                                  registered for relay
 *  rcpts per msg    DATA, recipient_count > limit  DEFER_IF_PERMIT naming
 *  msgs per minute  msgs_minute >= limit           the limit; each counts
 *  bulk             rcpts_10min + pending > limit  deferred
 *  announced        bulk would defer, but the      accept_action
 *                   agency's announced plan
 *                   allows plan_sent + pending
 *  accept           otherwise                      accept_action
 *
 * A limit that cannot be checked (counts_unknown: the messages per minute
 * and bulk limits, when the agency has them; limits_unknown: all three) is
 * the rule "limits unknown": its answer is fail_action, except that a
 * fail_action of DUNNO (no opinion) lets the decision go on to accept.
 *
 * With policy_context=inbound (Internet mail to our own domains, which is
 * not relay use) only malformed, fail open, count, blocked, draining and
 * accept apply: the permit and the agency's limits are not looked at and
 * nothing is counted for an agency.
 *
 * pending is the recipients this request would add: recipient_count at DATA,
 * 1 in every other state (Postfix sends recipient_count only at DATA and
 * END-OF-MESSAGE). The recipients-per-message limit can therefore only be
 * applied at DATA, where it defers the whole message. A drain is the node's
 * doing, not the agency's, and is not counted. Reasons from Redis have
 * control characters replaced and are cut to fit the action. Never fails.
 */
void		 policy_decide(const struct policy_request *req,
		     const struct policy_facts *facts,
		     struct policy_decision *d);

/* A short name for logs: "malformed", "fail-open", "blocked", … */
const char	*policy_rule_name(enum policy_rule rule);

#endif
