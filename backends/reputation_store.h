/* What the gateways' block-list watches published (rep:{node}), read for
 * the reputation command and the console, and the request of a check. */
#ifndef MAILNOC_REPUTATION_STORE_H
#define MAILNOC_REPUTATION_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "backends/redis.h"
#include "core/dnsbl.h"

#define REPUTATION_CHECK_ID_MAX 64

/* One gateway: its last round and every configured (address, zone). */
struct reputation_node {
	const char *name;          /* the configuration's */
	bool published;            /* rep:{node} exists */
	long long round_at;        /* epoch s, 0: no round published */
	long long round_ms;
	long long round_cpu_us;
	long long queries;
	char check_id[REPUTATION_CHECK_ID_MAX]; /* the check it answered */
	struct dnsbl_entry *v;     /* egress x zones, in configuration order */
	size_t n;
	size_t malformed;          /* published values that did not read */
};

struct reputation {
	struct reputation_node *nodes; /* gateways with egress addresses */
	size_t n;
};

/*
 * Reads rep:{node} of every gateway with egress addresses, in one round
 * trip. Each configured pair not published (yet) is DNSBL_UNKNOWN with
 * error "not checked yet"; published pairs no longer configured are left
 * out. Returns 0, or -1 with `cause` set (r->err says the class).
 */
int reputation_read(struct redis *r, const struct config *cfg,
    struct reputation *out, char *cause, size_t len);
void reputation_free(struct reputation *rep);

/*
 * Asks every agent for a round now: sets rep:check to a new id (written
 * to id). Returns 0, or -1 with `cause` set.
 */
int reputation_request_check(struct redis *r, const struct config *cfg,
    char *id, size_t idlen, char *cause, size_t len);

#endif
