/* What the console and batch mode show of the mail log counters: providers,
 * agencies' bounces and invalid addresses, harvest suspects
 * (docs/redis-schema.md, "The mail log counters"). Pure: the fields come
 * from backends/maillog_store.c or a test. */
#ifndef MAILNOC_MAILLOG_REPORT_H
#define MAILNOC_MAILLOG_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "core/delay.h"
#include "core/maillog_parse.h"
#include "core/maillog_tally.h"
#include "core/model.h"
#include "core/queued.h"

/* One provider domain, or a group ("@Yahoo"), over the window read. */
struct ml_provider {
	char name[MAILLOG_DOMAIN_MAX + 2];
	bool group;
	long long delivered, deferred, bounced;
	long long def[DELAY_CLASSES];   /* deferrals by delay class */
	long long delay_ms;
	long long hist[MAILLOG_DELAY_BUCKETS];
	long long p95;                  /* seconds, -1: no delivery */
	bool throttled;                 /* core/delay.c's rule on def[] */
	long queued;                    /* messages queued now on the live
	                                   gateways (active + deferred, by
	                                   their first recipient's domain,
	                                   heartbeat q_domains), -1: unknown */
	long queued_deferred;           /* of those, deferred; -1: unknown */
	long queued_class[DELAY_CLASSES]; /* the deferred by delay class */
	long long reput;                /* deferrals and bounces refusing
	                                   for reputation (delay_reputation) */
	char rep_reason[MAILLOG_BOUNCE_REASON_MAX + 1]; /* the latest one's */
};

struct ml_providers {
	struct ml_provider *v;
	size_t n, cap;
	long long window_s;             /* what the counts cover */
	char queued_warning[256];       /* a gateway's q_domains left out,
	                                   or why none was read; "" */
};

void ml_providers_init(struct ml_providers *p, long long window_s);
void ml_providers_free(struct ml_providers *p);

/* Adds one `log:p` field ("yahoo.test|deferred", "@Yahoo|d3") and its
 * count; a field that is not one is ignored. */
void ml_providers_add(struct ml_providers *p, const char *field,
    long long n);

/* Takes a `log:p` text field: "yahoo.test|rep_reason" (the latest
 * reputation refusal). Fields are read newest minute first: the first
 * reason of a provider stays. Other fields are ignored. */
void ml_providers_reason(struct ml_providers *p, const char *field,
    const char *value);

/*
 * Sets every provider's queued figures from the gateways' sum `q`
 * (backends/queued_store.c): a provider a gateway does not list has
 * nothing queued there, when `known` (some gateway reported); a domain or
 * group with queued mail and no log counters is added. Without `known`,
 * queued stays unknown (-1).
 */
void ml_providers_queued(struct ml_providers *p, const struct queued_list *q,
    bool known);

/* Derives p95 and throttled (with `rule`) and sorts by trouble: throttled
 * first, then by deferred + bounced share, then by volume, then name. */
void ml_providers_finish(struct ml_providers *p, const struct delay_rule *rule);

/* Shares in per cent of delivered + deferred + bounced; 0 when none. */
double ml_provider_deferred_pct(const struct ml_provider *v);
double ml_provider_bounced_pct(const struct ml_provider *v);

/* Its throttling state: "THROTTLED", "deferring", "bouncing" or "ok". */
const char *ml_provider_state(const struct ml_provider *v);

json_t *ml_provider_json(const struct ml_provider *v);

/* A bounced provider of an agency. */
struct ml_agency_provider {
	char domain[MAILLOG_DOMAIN_MAX + 1];
	long long bounced, invalid;
};

/* One agency's day. */
#define ML_AGENCY_TOP 5
struct ml_agency {
	char name[128];
	long long delivered, deferred, bounced, invalid;
	struct ml_agency_provider top[ML_AGENCY_TOP]; /* most bounced first */
	size_t ntop;
};

/* An agency's latest bounce reason for a provider domain. */
struct ml_agency_reason {
	char agency[128];
	char domain[MAILLOG_DOMAIN_MAX + 1];
	char reason[MAILLOG_BOUNCE_REASON_MAX + 1];
};
#define ML_AGENCY_REASONS 1024

struct ml_agencies {
	struct ml_agency *v;
	size_t n, cap;
	struct ml_agency_reason *reasons;   /* at most ML_AGENCY_REASONS */
	size_t nreasons, reasons_cap;
};

void ml_agencies_init(struct ml_agencies *a);
void ml_agencies_free(struct ml_agencies *a);
/* Adds one `log:a` field ("agency|domain|metric"). */
void ml_agencies_add(struct ml_agencies *a, const char *field, long long n);
/* Adds one `log:a` reason field ("agency|domain|reason") and its text,
 * sanitized and cut again; another field is ignored. */
void ml_agencies_reason(struct ml_agencies *a, const char *field,
    const char *value);
/* The sample bounce reason of an agency and domain, or NULL. */
const char *ml_agencies_reason_of(const struct ml_agencies *a,
    const char *agency, const char *domain);
const struct ml_agency *ml_agencies_find(const struct ml_agencies *a,
    const char *name);

/* Bounces and invalid addresses in per cent of the recipients with an
 * outcome (delivered + bounced); 0 when none. */
double ml_agency_bounced_pct(const struct ml_agency *g);
double ml_agency_invalid_pct(const struct ml_agency *g);

/* A harvest suspect (`suspect:{ip}`). */
struct ml_suspect {
	char ip[MAILLOG_IP_MAX + 1];
	long long count, first_seen, last_seen;
	char node[33];
	char samples[MAILLOG_SAMPLES][MAILLOG_ADDR_MAX + 1];
	int nsamples;
	bool blocked;      /* a block:{ip} exists */
};

/* Fills one suspect from its hash's field/value pair. */
void ml_suspect_field(struct ml_suspect *s, const char *field,
    const char *value);

/* Suspects to warn about at `now`: seen within `recent_s` and not
 * blocked. */
size_t ml_suspects_active(const struct ml_suspect *v, size_t n,
    long long now, long long recent_s);

/* The header's alert text for them: "harvest suspect 127.0.3.9 (25
 * unknown recipients)", "3 harvest suspects: 127.0.3.9, ...", or "". */
void ml_suspects_alert(const struct ml_suspect *v, size_t n, long long now,
    long long recent_s, char *buf, size_t len);

json_t *ml_suspect_json(const struct ml_suspect *s);

/* The log retention a gateway reports (heartbeat log_age): the days kept,
 * and whether they are fewer than `want_days`. */
#define ML_RETENTION_DAYS 60
bool ml_retention_short(long log_age, int want_days);

/*
 * The nodes' retention in one line: "mail log kept: gw1 61d, gw2 3d;
 * fewer than 60 days on gw2", or "" when no node reports one. Returns the
 * number of nodes keeping too little.
 */
size_t ml_retention_line(const struct snapshot *s, char *buf, size_t len);

#endif
