/* DNS through libunbound: the configured resolver, parallel look-ups with a
 * deadline, and one round of block-list look-ups. */
#ifndef MAILNOC_DNS_H
#define MAILNOC_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <unbound.h>

#include "core/config.h"
#include "core/dnsbl.h"

#define DNS_TYPE_A    1
#define DNS_TYPE_TXT  16

/* One libunbound context, owned by one thread. Its cache keeps each answer
 * for its TTL, so a look-up asked again within the TTL costs no query. */
struct dns {
	struct ub_ctx *ctx;
	const struct config *cfg;
	int timeout_ms;
	unsigned long queries; /* look-ups handed to libunbound */
};

/*
 * Opens a context asking cfg->dns.resolver (as a forwarder) or, when none
 * is configured, the servers of /etc/resolv.conf. Resolution runs in a
 * thread of libunbound's, never a forked process. Returns 0, or -1 with
 * `cause` set.
 */
int dns_open(struct dns *d, const struct config *cfg, char *cause,
    size_t len);
void dns_close(struct dns *d);

/* Drops the cache: the next look-ups ask the resolver (a forced check). */
int dns_flush(struct dns *d, char *cause, size_t len);

/* One look-up of a batch. */
struct dns_query {
	const char *name;
	int type;
	int err;                 /* libunbound's error; 0: result holds */
	bool timed_out;          /* no answer before the deadline */
	struct ub_result *result; /* free with dns_batch_free */
	/* private */
	int id;
	bool done;
};

/*
 * Runs the n look-ups in parallel and waits for all of them, at most
 * timeout_ms: an unanswered one is cancelled and marked timed_out. Returns
 * 0, or -1 with `cause` set when none could be started.
 */
int dns_batch(struct dns *d, struct dns_query *q, size_t n, int timeout_ms,
    char *cause, size_t len);
void dns_batch_free(struct dns_query *q, size_t n);

/*
 * Says why a look-up gave no usable answer, or NULL when it did (any
 * rcode): "resolver unreachable (no answer in N ms)", or libunbound's error.
 */
const char *dns_query_error(const struct dns *d, const struct dns_query *q,
    char *buf, size_t len);

/*
 * One round of block-list look-ups: the A record of every (ips[i],
 * zones[j]) in parallel, then the TXT reason of those listed. out[i *
 * nzones + j] is the answer for that pair. *queries counts the look-ups.
 * Returns 0, or -1 with `cause` set when the round could not start (every
 * answer is then failed with that cause).
 */
int dns_dnsbl_round(struct dns *d, char *const *ips, size_t nips,
    char *const *zones, size_t nzones, struct dnsbl_answer *out,
    char *cause, size_t len);

#endif
