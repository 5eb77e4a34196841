/* DNS block lists: the name asked for an address, how an answer reads, and
 * the state of one (address, zone) pair through listings and delistings.
 * Pure: the look-ups are agent/dnsbl_watch.c's, the keys
 * backends/reputation_store.c's. */
#ifndef MAILNOC_DNSBL_H
#define MAILNOC_DNSBL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define DNSBL_IP_MAX     46  /* with the NUL */
#define DNSBL_ZONE_MAX   254
#define DNSBL_NAME_MAX   (74 + DNSBL_ZONE_MAX) /* IPv6 nibbles, the zone */
#define DNSBL_CODE_MAX   64  /* "127.0.0.2,127.0.0.4" */
#define DNSBL_REASON_MAX 256 /* the TXT reason, sanitized and cut */
#define DNSBL_ERROR_MAX  160

/* The last definite answer for a pair. */
enum dnsbl_state {
	DNSBL_UNKNOWN, /* never answered */
	DNSBL_CLEAR,   /* not listed */
	DNSBL_LISTED,
};

/* What one look-up (A, and TXT when listed) found. */
enum dnsbl_outcome {
	DNSBL_FOUND_CLEAR,  /* NXDOMAIN or no A record */
	DNSBL_FOUND_LISTED, /* an A record in 127.0.0.0/8 */
	DNSBL_FOUND_FAILED, /* no answer, SERVFAIL, an answer that is not a
	                       listing: says nothing about the listing */
};

struct dnsbl_answer {
	enum dnsbl_outcome outcome;
	char code[DNSBL_CODE_MAX];     /* the A records, listed only */
	char reason[DNSBL_REASON_MAX]; /* the TXT record, "" when none */
	char error[DNSBL_ERROR_MAX];   /* failed only */
	int ttl;                       /* of the A answer, seconds */
};

/* One (address, zone) pair as the agent keeps and publishes it. */
struct dnsbl_entry {
	char ip[DNSBL_IP_MAX];
	char zone[DNSBL_ZONE_MAX];
	enum dnsbl_state state;
	long long since;    /* epoch s when state began, 0: unknown */
	long long checked;  /* epoch s of the last definite answer, 0: never */
	char code[DNSBL_CODE_MAX];
	char reason[DNSBL_REASON_MAX];
	char error[DNSBL_ERROR_MAX]; /* the last look-up failed: why */
	long long failed;   /* epoch s of that failure, 0: it did not */
	int ttl;
};

enum dnsbl_event {
	DNSBL_EVENT_NONE,
	DNSBL_EVENT_LISTED,
	DNSBL_EVENT_DELISTED,
};

/*
 * Writes the name to look up for `ip` on `zone`: the IPv4 octets or the
 * IPv6 nibbles reversed, then the zone (4.3.2.1.bl.example.org). Returns
 * 0, or -1 when ip is not a single address or the name does not fit.
 */
int dnsbl_query_name(const char *ip, const char *zone, char *buf,
    size_t len);

/*
 * Reads the A answer of a look-up into `a`: `rcode` is the DNS response
 * code (0 NOERROR, 3 NXDOMAIN), data[i]/len[i] the n records' data as on
 * the wire. NXDOMAIN or no record: clear. Records in 127.0.0.0/8: listed,
 * with the codes. 127.255.255.0/24 (a list's "query refused" answers),
 * records of another length or outside 127/8, any other rcode: failed,
 * with the reason in a->error. The reason of a listing is left empty.
 */
void dnsbl_read_a(struct dnsbl_answer *a, int rcode, char *const *data,
    const int *len, size_t n, int ttl);

/*
 * Reads the TXT records of a listing into a->reason: each record's
 * character-strings joined, records joined by "; ", sanitized for a
 * terminal (validate_sanitize) and cut to DNSBL_REASON_MAX - 1 bytes with
 * "..." at a cut. A character-string that runs past its record ends the
 * record.
 */
void dnsbl_read_txt(struct dnsbl_answer *a, char *const *data,
    const int *len, size_t n);

/* Marks `a` failed with `error` (sanitized). */
void dnsbl_answer_fail(struct dnsbl_answer *a, const char *error);

/*
 * Applies an answer at epoch second `now`. A failure changes neither the
 * state nor since: it records error and failed only (a resolver that does
 * not answer is not a delisting). A listing of a pair not listed before
 * is DNSBL_EVENT_LISTED, a clear answer for a listed pair
 * DNSBL_EVENT_DELISTED; a changed reason or code is no event.
 */
enum dnsbl_event dnsbl_entry_apply(struct dnsbl_entry *e,
    const struct dnsbl_answer *a, long long now);

/*
 * What to show for the pair: "listed" (a listing stands until an answer
 * says otherwise), "not listed" (answered so, and the last look-up did
 * not fail), or "unknown".
 */
const char *dnsbl_entry_shown(const struct dnsbl_entry *e);

const char *dnsbl_state_name(enum dnsbl_state s);

/*
 * The console's ALERT line for a listed pair of gateway `node`, e.g.
 * "gw1 203.0.113.25 listed on bl.example.org: REASON since 14:02" (since
 * in local time; a date when not today, relative to `now`). Returns -1
 * and writes nothing when the pair is not listed.
 */
int dnsbl_alert_format(const char *node, const struct dnsbl_entry *e,
    long long now, char *buf, size_t len);

/* The hash field of a pair: "IP|ZONE". */
int dnsbl_entry_field(const struct dnsbl_entry *e, char *buf, size_t len);

/* The pair's value as published (a JSON object; free with json_decref). */
json_t *dnsbl_entry_json(const struct dnsbl_entry *e);

/*
 * Reads a published pair: field "IP|ZONE" and its JSON value, every string
 * validated or sanitized. Returns 0, or -1 with `cause` set (the entry is
 * then zeroed but for ip and zone when those could be read).
 */
int dnsbl_entry_parse(struct dnsbl_entry *e, const char *field,
    const char *value, char *cause, size_t len);

#endif
