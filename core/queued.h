/* Messages queued now per provider: what a gateway's agent counts in its
 * queue and publishes in its heartbeat (node field q_domains,
 * docs/redis-schema.md), and what the console sums over the gateways. */
#ifndef MAILNOC_QUEUED_H
#define MAILNOC_QUEUED_H

#include <stdbool.h>
#include <stddef.h>

#include "core/delay.h"

/* Domains a node publishes (the most queued), and groups at most. */
#define QUEUED_TOP        50
#define QUEUED_GROUPS_MAX 50
/* A domain name, or "@" and a group name. */
#define QUEUED_NAME_MAX   254
/* A q_domains value longer than this is refused. */
#define QUEUED_VALUE_MAX  32768
/* A count above this is refused (a queue never holds that many). */
#define QUEUED_COUNT_MAX  1000000000L

/* One recipient domain ("yahoo.test") or provider group ("@Yahoo"). */
struct queued_entry {
	char name[QUEUED_NAME_MAX + 1];
	long queued;                  /* active + deferred messages */
	long deferred;                /* of those, in the deferred queue */
	long by_class[DELAY_CLASSES]; /* the deferred ones by the class of
	                                 their delay reason (core/delay.c) */
};

struct queued_list {
	struct queued_entry *v;
	size_t n, cap;
};

void queued_list_init(struct queued_list *l);
void queued_list_free(struct queued_list *l);

/* The entry called `name` (added with zero counts when absent). */
struct queued_entry *queued_list_get(struct queued_list *l, const char *name);
/* Appends a copy of e, whose name `l` must not hold yet (no look-up:
 * for long lists built from distinct names). */
void queued_list_append(struct queued_list *l, const struct queued_entry *e);
/* The entry called `name`, or NULL. */
const struct queued_entry *queued_list_find(const struct queued_list *l,
    const char *name);

/* Adds e's counts to the entry of the same name in `l` (saturating). */
void queued_list_add(struct queued_list *l, const struct queued_entry *e);

/* The provider group of a domain (NULL: none), as the configuration's
 * maillog.providers says. */
typedef const char *(*queued_group_fn)(void *arg, const char *domain);

/*
 * What a node publishes of its per-domain counts `all` (domains only):
 * the QUEUED_TOP domains with the most messages queued (then the most
 * deferred, then by name), and every provider group summed over all the
 * domains (not only the top ones), at most QUEUED_GROUPS_MAX. Fills `out`
 * (initialized here); domains first, most queued first, then groups.
 */
void queued_list_top(const struct queued_list *all, queued_group_fn group,
    void *arg, struct queued_list *out);

/*
 * The q_domains value: "1" (the format's version), then one space and one
 * token per entry, NAME:QUEUED:DEFERRED:C0,C1,...,C6 with the deferred
 * messages by class in enum delay_class order (none, throttle, connection,
 * dns, tls, mailbox, other). Returns an allocated string.
 */
char *queued_encode(const struct queued_list *l);

/*
 * Reads a q_domains value into `out` (initialized here). All or nothing:
 * a value that is not one (another version, a bad name or count, deferred
 * more than queued, classes not summing to deferred, a name twice, more
 * than QUEUED_TOP domains or QUEUED_GROUPS_MAX groups, longer than
 * QUEUED_VALUE_MAX) returns -1 with `cause` set and `out` empty.
 */
int queued_decode(const char *s, struct queued_list *out, char *cause,
    size_t causelen);

/*
 * The lower-case domain of an address: what follows its last '@' ("" for
 * none). Returns 0, or -1 when that is not a domain name or address
 * literal of at most QUEUED_NAME_MAX - 1 bytes (buf then "").
 */
int queued_domain_of(const char *addr, char *buf, size_t len);

/* Whether `name` is a domain as queued_domain_of writes them, or "@" and
 * a group name. */
bool queued_name_ok(const char *name);

#endif
