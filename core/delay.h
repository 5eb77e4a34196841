/* Delay reasons: classes, top reasons per domain, the throttling alert. */
#ifndef MAILNOC_DELAY_H
#define MAILNOC_DELAY_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "core/queue_filter.h"

enum delay_class {
	DELAY_NONE,     /* no reason recorded (delivery in progress) */
	DELAY_THROTTLE, /* a provider throttling us */
	DELAY_CONNECT,  /* connection refused, timed out, lost */
	DELAY_DNS,
	DELAY_TLS,
	DELAY_MAILBOX,  /* mailbox full, unknown user */
	DELAY_OTHER,
	DELAY_CLASSES,
};

/* "none", "throttle", "connection", "dns", "tls", "mailbox", "other". */
const char *delay_class_name(enum delay_class c);
/* "provider throttling", "connection refused or timed out", ... */
const char *delay_class_label(enum delay_class c);
/* Returns 0 with *c set, or -1 for a name that is not a class. */
int delay_class_parse(const char *s, enum delay_class *c);

/*
 * Classifies a delay reason (NULL or "" is DELAY_NONE). The first rule that
 * matches decides, in this order, so that "Host not found, try again" is
 * DNS and "Too many connections" is throttling:
 *
 *   tls       TLS or SSL (upper case), STARTTLS, certificate, handshake
 *   dns       Host or domain name not found, Name service error, ...
 *   mailbox   an SMTP reply with enhanced status x.2.2 or x.1.1, or
 *             "mailbox full", "over quota", "user unknown", ...
 *   throttle  an SMTP reply 4xx with enhanced status 4.7.x, or "rate
 *             limit", "too many", "throttl", "try again later", ...
 *   connect   Connection refused, timed out, lost connection, ...
 *   other     anything else
 *
 * The SMTP reply is the text after "said: " or "refused to talk to me: ";
 * status codes are only looked for there, never in host names or
 * addresses. Case is ignored except for TLS and SSL.
 */
enum delay_class delay_classify(const char *reason);

/*
 * Whether a reason says the provider refuses the gateway for its
 * reputation, whatever its class (a 4.7.x deferral and a 5.7.1 bounce
 * alike): a block list ("block list", "blacklist", "blocked using",
 * Spamhaus, Spamcop), "reputation", "too many invalid recipients", "too
 * many connections", "rate limited", "unsolicited mail", "user
 * complaints", Yahoo's [TSnn]/[TSSnn]/[BLnn] codes, Microsoft's "banned
 * sending IP" and (S3140)/(S3150). Only the provider's words count: the
 * SMTP reply after "said: " or "refused to talk to me: ", or a reason that
 * is itself a reply ("550 5.7.1 ..."); Postfix's own texts (connect to
 * HOST, host not found) and host names never do. Case is ignored.
 */
bool delay_reputation(const char *reason);

/* The provider's reply in a reason: the text after "said: " or "refused
 * to talk to me: ", or the reason itself. Points into `reason`. */
const char *delay_reply(const char *reason);

/*
 * The part of a reason that groups it: Postfix repeats a destination's
 * last failure as "delivery temporarily suspended: " + reason for the
 * messages it then holds back; that prefix is skipped. Points into
 * `reason`.
 */
const char *delay_reason_key(const char *reason);

/*
 * When a provider is throttling the gateways. For one recipient domain,
 * over the nodes and queues looked at (by default every node's deferred
 * queue): with T recipients deferred for a throttling reason out of D
 * recipients deferred in all,
 *
 *   throttled  <=>  T >= min_throttled
 *                   or (T >= min_sample and 100 * T >= min_percent * D)
 *
 * Defaults: 100, 10 and 50 %: a hundred throttled recipients are an alert
 * on their own; from ten, when they are at least half the domain's
 * deferred mail, so one odd 4.7.1 among thousands is not.
 */
struct delay_rule {
	long min_throttled;
	long min_sample;
	int min_percent;
};

void delay_rule_init(struct delay_rule *r);
bool delay_rule_throttled(const struct delay_rule *r, long throttled,
    long deferred);

struct delay_opts {
	unsigned queues; /* QUEUE_BIT mask; 0: deferred */
	int node;        /* node index, -1: all nodes */
	size_t top;      /* reasons kept per domain (3) */
	struct delay_rule rule;
	const struct queue_filter *filter; /* NULL or only matching messages */
	long long now;   /* for the filter's ages */
};

void delay_opts_init(struct delay_opts *o, long long now);

struct delay_top {
	const char *reason; /* delay_reason_key() text */
	enum delay_class cls;
	long count;         /* recipients */
};

struct delay_domain {
	const char *domain;  /* lower case; "" for addresses without '@' */
	long rcpts;          /* recipients in the queues looked at */
	long by_class[DELAY_CLASSES];
	struct delay_top *top; /* most frequent first, at most opts.top */
	size_t ntop;
	bool throttled;      /* the rule holds */
	long *node_throttled; /* per node index: throttled recipients, or
	                         NULL when there are none */
};

struct delay_report {
	struct delay_domain *domains; /* most recipients first, then by name */
	size_t ndomains;
	long rcpts;
	long by_class[DELAY_CLASSES];
	size_t nthrottled;   /* domains with throttled set */
	size_t nnodes;       /* length of the node_throttled arrays */
	struct strpool *strings;
};

/*
 * Counts the recipients of the chosen messages by domain and class and
 * keeps each domain's top reasons. Returns 0, or -1 with `cause` for a node
 * that is not in the set. Free with delay_report_free().
 */
int delay_report_build(const struct queue_set *qs, const struct delay_opts *o,
    struct delay_report *out, char *cause, size_t causelen);
void delay_report_free(struct delay_report *rep);

/*
 * The overview's alert line, for example
 *   "throttling: yahoo.test 15/15 (gw1), hotmail.test 12/20 (gw1, gw2)"
 * (throttled / deferred recipients, the nodes they are on), or "" when no
 * domain is throttled. Returns the number of throttled domains.
 */
size_t delay_report_alert(const struct delay_report *rep,
    const struct queue_set *qs, char *buf, size_t len);

/* The report as JSON (node names from `qs`). A new reference. */
json_t *delay_report_json(const struct delay_report *rep,
    const struct queue_set *qs);

#endif
