/* The policy decision table: a request and what Redis said give an action. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "agent/policy_rules.h"

static const char *policy_rule_names[] = {
	"malformed", "fail-open", "count", "blocked", "draining",
	"no-permit", "rcpts-per-message", "messages-per-minute", "bulk",
	"accept", "limits-unknown", "announced",
};

const char *
policy_rule_name(enum policy_rule rule)
{
	if ((unsigned)rule >= sizeof policy_rule_names /
	    sizeof policy_rule_names[0])
		return "unknown";
	return policy_rule_names[rule];
}

/* An action from configuration, or the default when it is unusable. */
static const char *
policy_configured(const char *action)
{
	const char	*s;

	if (action == NULL || *action == '\0' ||
	    strlen(action) > POLICY_ACTION_MAX)
		return "DUNNO";
	for (s = action; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return "DUNNO";
	}
	return action;
}

/* Copies text from Redis into an action: no control characters, cut short. */
static void
policy_copy_text(char *dst, size_t size, const char *src)
{
	size_t	i;

	for (i = 0; src[i] != '\0' && i + 1 < size; i++) {
		unsigned char	c = (unsigned char)src[i];

		dst[i] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
	}
	dst[i] = '\0';
}

static void
policy_blocked(const struct policy_request *req,
    const struct policy_facts *f, struct policy_decision *d)
{
	char		reason[256], until[40] = "";
	const char	*r = f->block_reason;
	time_t		t;
	struct tm	tm;

	if (r == NULL || *r == '\0')
		r = "no reason recorded";
	policy_copy_text(reason, sizeof reason, r);
	if (f->block_until > 0) {
		t = (time_t)f->block_until;
		if (gmtime_r(&t, &tm) != NULL)
			strftime(until, sizeof until,
			    " until %Y-%m-%d %H:%M:%S UTC", &tm);
	}
	snprintf(d->action, sizeof d->action, "REJECT %s is blocked: %s%s",
	    req->client_address, reason, until);
	d->count[VOLUME_REJECTED] = 1;
}

/*
 * A limit that cannot be checked answers the fail action; DUNNO (no
 * opinion) lets the decision go on. Returns 1 when it answered.
 */
static int
policy_unknown(const struct policy_facts *f, struct policy_decision *d)
{
	const char	*fail = policy_configured(f->fail_action);

	if (strcmp(fail, "DUNNO") == 0)
		return 0;
	d->rule = POLICY_RULE_LIMITS_UNKNOWN;
	snprintf(d->action, sizeof d->action, "%s", fail);
	return 1;
}

/* Beyond the announced plan's pace: says when the next job may start. */
static void
policy_plan_defer(const char *agency, const struct policy_facts *f,
    struct policy_decision *d)
{
	char		next[40] = "";
	time_t		t = (time_t)f->plan_next;
	struct tm	tm;

	if (f->plan_next > 0 && gmtime_r(&t, &tm) != NULL)
		strftime(next, sizeof next, "%Y-%m-%d %H:%M:%S UTC", &tm);
	snprintf(d->action, sizeof d->action, "DEFER_IF_PERMIT agency %s "
	    "announced %lld recipients in %ld jobs and sent %lld of the %lld "
	    "due by now; %s%s, try again later", agency, f->plan_rcpts,
	    f->plan_jobs, f->plan_sent, f->plan_allowed, next[0] ?
	    "the next job may start at " : "its plan is used up", next);
}

/* Checks the agency's limits; returns 1 when one applies. */
static int
policy_limits(const struct policy_request *req,
    const struct policy_facts *f, struct policy_decision *d)
{
	char		agency[64];
	long long	pending, rcpts = req->recipient_count;
	long		bulk = f->bulk_rcpts;
	bool		data;

	policy_copy_text(agency, sizeof agency, f->agency);
	data = (req->protocol_state != NULL &&
	    strcmp(req->protocol_state, "DATA") == 0);
	pending = (data ? (rcpts > 0 ? rcpts : 0) : 1);
	if (bulk == 0)
		bulk = POLICY_BULK_RCPTS;
	if (f->limits_unknown)
		return policy_unknown(f, d);

	if (data && f->max_rcpts_per_msg > 0 &&
	    rcpts > f->max_rcpts_per_msg) {
		d->rule = POLICY_RULE_RCPTS_PER_MSG;
		snprintf(d->action, sizeof d->action, "DEFER_IF_PERMIT %lld "
		    "recipients in one message, agency %s may send %ld per "
		    "message", rcpts, agency, f->max_rcpts_per_msg);
	} else if (f->counts_unknown && (f->max_msgs_per_minute > 0 ||
	    bulk > 0)) {
		return policy_unknown(f, d);
	} else if (f->max_msgs_per_minute > 0 &&
	    f->msgs_minute >= f->max_msgs_per_minute) {
		d->rule = POLICY_RULE_MSGS_PER_MINUTE;
		snprintf(d->action, sizeof d->action, "DEFER_IF_PERMIT agency "
		    "%s may send %ld messages per minute, try again later",
		    agency, f->max_msgs_per_minute);
	} else if (bulk > 0 && f->rcpts_10min > bulk - pending) {
		/* (rcpts_10min + pending > bulk, without overflow) */
		if (f->plan &&
		    f->plan_sent <= f->plan_allowed - pending) {
			/* The announced plan: never stricter than the limit. */
			d->rule = POLICY_RULE_ANNOUNCED;
			snprintf(d->action, sizeof d->action, "%s",
			    policy_configured(f->accept_action));
			return 1;
		}
		d->rule = POLICY_RULE_BULK;
		if (f->plan)
			policy_plan_defer(agency, f, d);
		else
			snprintf(d->action, sizeof d->action, "DEFER_IF_PERMIT "
			    "agency %s may send %ld recipients per %d minutes, "
			    "split the mailing and try again later", agency,
			    bulk, VOLUME_BULK_MINUTES);
	} else
		return 0;
	d->count[VOLUME_DEFERRED] = 1;
	return 1;
}

void
policy_decide(const struct policy_request *req, const struct policy_facts *f,
    struct policy_decision *d)
{
	bool		 inbound = policy_request_inbound(req);
	const char	*agency = inbound ? NULL : f->agency;

	memset(d, 0, sizeof *d);

	if (req->malformed) {
		d->rule = POLICY_RULE_MALFORMED;
		d->log = true;
		snprintf(d->action, sizeof d->action, "DUNNO");
		return;
	}
	if (!f->redis_ok) {
		d->rule = POLICY_RULE_FAIL_OPEN;
		d->log = true;
		snprintf(d->action, sizeof d->action, "%s",
		    policy_configured(f->fail_action));
		return;
	}
	if (req->protocol_state != NULL &&
	    strcmp(req->protocol_state, "END-OF-MESSAGE") == 0) {
		d->rule = POLICY_RULE_COUNT;
		snprintf(d->action, sizeof d->action, "%s",
		    policy_configured(f->accept_action));
		d->count[VOLUME_MSGS] = 1;
		if (req->recipient_count > 0)
			d->count[VOLUME_RCPTS] = req->recipient_count;
		if (req->size > 0)
			d->count[VOLUME_BYTES] = req->size;
	} else if (f->blocked) {
		d->rule = POLICY_RULE_BLOCKED;
		policy_blocked(req, f, d);
	} else if (f->draining) {
		d->rule = POLICY_RULE_DRAINING;
		snprintf(d->action, sizeof d->action, "451 4.3.2 this gateway "
		    "is draining, try another gateway");
	} else if (inbound) {
		d->rule = POLICY_RULE_ACCEPT;
		snprintf(d->action, sizeof d->action, "%s",
		    policy_configured(f->accept_action));
	} else if (agency == NULL || *agency == '\0') {
		d->rule = POLICY_RULE_NO_PERMIT;
		snprintf(d->action, sizeof d->action, "REJECT %s is not "
		    "registered for relay", req->client_address);
	} else if (!policy_limits(req, f, d)) {
		d->rule = POLICY_RULE_ACCEPT;
		snprintf(d->action, sizeof d->action, "%s",
		    policy_configured(f->accept_action));
	}
	if (agency == NULL || *agency == '\0')
		memset(d->count, 0, sizeof d->count);
}
