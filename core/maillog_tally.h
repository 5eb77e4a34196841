/* The mail log's counts: lines joined by queue ID into per-minute counters. */
#ifndef MAILNOC_MAILLOG_TALLY_H
#define MAILNOC_MAILLOG_TALLY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/maillog_parse.h"

/* Delay histogram of a provider: upper bounds in seconds of buckets 0..n-2;
 * the last bucket holds the rest (docs/redis-schema.md, "log:p"). */
#define MAILLOG_DELAY_BUCKETS 12
extern const long long maillog_delay_bounds[MAILLOG_DELAY_BUCKETS - 1];

/* Bucket of a delay in milliseconds. */
int maillog_delay_bucket(long long ms);

/*
 * The 95th percentile of a histogram: the upper bound (seconds) of the
 * bucket where 95 % of the counts are reached; -1 when empty, and the last
 * bound times two for the open bucket.
 */
long long maillog_delay_p95(const long long hist[MAILLOG_DELAY_BUCKETS]);

enum maillog_scope {
	MAILLOG_SCOPE_TOTAL,    /* log:t  {node}|metric */
	MAILLOG_SCOPE_CLIENT,   /* log:c  {ip}|metric */
	MAILLOG_SCOPE_AGENCY,   /* log:a  {agency}|{domain}|metric */
	MAILLOG_SCOPE_PROVIDER, /* log:p  {domain}|metric and @{group}|metric */
	MAILLOG_SCOPES,
};

/* One counter of one bucket: a minute, an hour or a day. Each line's
 * counters are added to all three, so that a batch spanning many minutes
 * sends one increment per hour and day, not one per minute. */
struct maillog_count {
	unsigned long long h;   /* hash of scope, granularity, bucket, field */
	enum maillog_scope scope;
	char gran;              /* 'm', 'h' or 'd' */
	long long bucket;       /* epoch minute, hour or day (UTC) */
	char field[MAILLOG_DOMAIN_MAX + 128];
	long long n;
	bool used;
};

/* A harvest suspect seen in this batch. */
#define MAILLOG_SAMPLES 5
struct maillog_suspect {
	char ip[MAILLOG_IP_MAX + 1];
	long long first, last;  /* epoch seconds of its unknown recipients */
	long long count;        /* unknown recipients in this batch */
	long long window_count; /* in the window when it crossed */
	bool crossed;           /* it passed the threshold in this batch */
	char samples[MAILLOG_SAMPLES][MAILLOG_ADDR_MAX + 1];
	int nsamples;
};

/* What the tally needs from outside: the agency of a client address
 * (NULL: none) and the provider group of a domain (NULL: none). */
typedef const char *(*maillog_agency_fn)(void *arg, const char *ip);
typedef const char *(*maillog_group_fn)(void *arg, const char *domain);

struct maillog_limits {
	size_t max_open;          /* messages followed at once */
	long long max_age_s;      /* a message not seen for this long is
	                             dropped (log time) */
	int harvest_threshold;    /* unknown recipients from one client ... */
	long long harvest_window_s; /* ... within this many seconds */
	size_t max_clients;       /* clients followed for harvest */
};

void maillog_limits_init(struct maillog_limits *l);

/* Counts of what the tally saw since it started (never reset). */
struct maillog_stats {
	unsigned long long lines;
	unsigned long long kind[MAILLOG_KINDS];
	unsigned long long dropped;    /* open messages given up on */
	unsigned long long untracked;  /* lines of a message not followed */
	unsigned long long addr_cut;
};

/* The latest bounce reason of an agency and provider domain in a batch:
 * the `{agency}|{domain}|reason` field of `log:a:d:{day}`, sanitized and
 * cut to MAILLOG_BOUNCE_REASON_MAX bytes. */
#define MAILLOG_BOUNCE_REASON_MAX 160
#define MAILLOG_BOUNCE_REASONS 32
struct maillog_bounce_reason {
	long long day;          /* epoch day (UTC) of the bounce */
	char field[MAILLOG_DOMAIN_MAX + 128 + 8];
	char reason[MAILLOG_BOUNCE_REASON_MAX + 1];
};

/* The latest reputation refusal of a provider (core/delay.c's
 * delay_reputation) in a minute: the `{domain}|rep_reason` field of
 * `log:p:m:{minute}` (and `@{group}|rep_reason`), sanitized and cut. */
#define MAILLOG_REP_REASONS 32
struct maillog_rep_reason {
	long long minute;       /* epoch minute (UTC) of the line */
	char field[MAILLOG_DOMAIN_MAX + 16];
	char reason[MAILLOG_BOUNCE_REASON_MAX + 1];
};

struct maillog_msg;
struct maillog_client;

struct maillog_tally {
	struct maillog_limits lim;
	const char *node;
	maillog_agency_fn agency;
	maillog_group_fn group;
	void *arg;

	/* Open messages by queue ID (open addressing, linear probing). */
	struct maillog_msg *msgs;
	size_t msgs_cap, nmsgs;
	long long newest;             /* latest line time seen */
	long long swept;              /* when old messages were last dropped */

	/* Clients followed for harvest detection. */
	struct maillog_client *clients;
	size_t clients_cap, nclients;

	/* Counters of the batch (open addressing). */
	struct maillog_count *counts;
	size_t counts_cap, ncounts;

	struct maillog_suspect *suspects;
	size_t nsuspects, suspects_cap;

	struct maillog_stats stats;
	/* The last deferral reasons and their delay classes: a provider
	 * repeats its reason, classified once. */
#define MAILLOG_REASONS 8
	char reasons[MAILLOG_REASONS][512];
	int reason_class[MAILLOG_REASONS];
	bool reason_rep[MAILLOG_REASONS];   /* delay_reputation() */
	unsigned next_reason;

	/* Bounce reasons of the batch, one per agency, domain and day; when
	 * full, those of new pairs wait for the next batch's bounces. */
	struct maillog_bounce_reason bounce_reasons[MAILLOG_BOUNCE_REASONS];
	size_t nbounce_reasons;

	/* Reputation refusals' reasons of the batch, one per provider (and
	 * group) and minute; when full, new ones wait for the next batch. */
	struct maillog_rep_reason rep_reasons[MAILLOG_REP_REASONS];
	size_t nrep_reasons;
};

/* Starts a tally for `node`; agency and group may be NULL. */
void maillog_tally_init(struct maillog_tally *t, const char *node,
    const struct maillog_limits *lim, maillog_agency_fn agency,
    maillog_group_fn group, void *arg);
void maillog_tally_free(struct maillog_tally *t);

/* Adds one parsed line. */
void maillog_tally_add(struct maillog_tally *t, const struct maillog_rec *r);

/* Calls fn for every counter of the batch (n > 0). */
void maillog_tally_each(const struct maillog_tally *t,
    void (*fn)(void *arg, const struct maillog_count *c), void *arg);

/* Forgets the batch's counters, suspects and bounce reasons (they were
 * written). */
void maillog_tally_clear(struct maillog_tally *t);

/* The batch's minute counter of scope/minute/field, 0 when absent. */
long long maillog_tally_get(const struct maillog_tally *t,
    enum maillog_scope scope, long long minute, const char *field);

/* Messages open now. */
size_t maillog_tally_open(const struct maillog_tally *t);

/* The open message of a queue ID knows its client: its address or NULL. */
const char *maillog_tally_client_of(const struct maillog_tally *t,
    const char *qid);

/* Short name of a scope's key part: "t", "c", "a", "p". */
const char *maillog_scope_key(enum maillog_scope s);

#endif
