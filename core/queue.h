/* The queue model: messages of many nodes as compact rows, strings interned. */
#ifndef MAILNOC_QUEUE_H
#define MAILNOC_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/model.h"
#include "core/strpool.h"
#include "core/validate.h"

/*
 * postqueue -j also lists "maildrop" (mail submitted with sendmail that
 * pickup has not taken yet), which enum queue_kind lacks: the queue model
 * numbers it after the other kinds.
 */
#define QUEUE_MAILDROP Q_COUNT
#define QUEUE_KINDS (Q_COUNT + 1)
#define QUEUE_BIT(q) (1u << (q))
#define QUEUE_ALL ((1u << QUEUE_KINDS) - 1)

#define QUEUE_ID_MAX VALIDATE_QUEUE_ID_MAX /* longest queue ID accepted */
#define QUEUE_ADDR_MAX 1024   /* longest address accepted */
#define QUEUE_REASON_MAX 1024 /* longer delay reasons are cut to this */
#define QUEUE_NODES_MAX 65535

#define QUEUE_FORCED_EXPIRE 0x1

/* Strings are ids in the set's pool: queue_str() turns them into text. */
struct queue_rcpt {
	uint32_t addr;   /* the address as listed */
	uint32_t domain; /* lower-case text after the last '@', or "" */
	uint32_t reason; /* delay reason, "" if none */
};

struct queue_msg {
	int64_t arrival; /* epoch seconds */
	int64_t size;    /* bytes */
	uint32_t id;     /* the queue ID */
	uint32_t sender;
	uint32_t rcpt;   /* index of the first recipient in the set's rcpts */
	uint32_t nrcpt;
	uint16_t node;   /* index into the set's nodes */
	uint8_t queue;   /* enum queue_kind or QUEUE_MAILDROP */
	uint8_t flags;   /* QUEUE_FORCED_EXPIRE */
};

struct queue_slot {
	uint32_t row;  /* message index + 1; 0: empty */
	uint32_t hash; /* of node + ID */
};

/*
 * Messages of any number of nodes. Rows are keyed by node + queue ID: adding
 * a message whose key is already present replaces that row (postqueue may
 * list a message twice when it moves between queues during the listing; the
 * later listing is the newer state). Rows are never removed: a refresh
 * builds a new set. A set is owned by one thread at a time.
 */
struct queue_set {
	struct strpool *pool;
	struct queue_msg *msgs;
	size_t nmsgs;
	size_t msgcap;
	struct queue_rcpt *rcpts;
	size_t nrcpts;
	size_t rcptcap;
	char **nodes;
	size_t nnodes;
	long (*counts)[QUEUE_KINDS]; /* messages per node and queue */
	struct queue_slot *index;    /* node + ID -> message */
	size_t indexcap;             /* a power of two */
	size_t replaced;             /* rows replaced by a later listing */
};

/* One message as a backend hands it over; strings need not end in NUL. */
struct queue_new_rcpt {
	const char *addr;
	size_t addrlen;
	const char *reason; /* NULL or "" if none */
	size_t reasonlen;
};

struct queue_new {
	uint32_t node;
	unsigned queue;
	const char *id;
	size_t idlen;
	long long arrival;
	long long size;
	bool forced_expire;
	const char *sender;
	size_t senderlen;
	const struct queue_new_rcpt *rcpts;
	size_t nrcpts;
};

struct queue_set *queue_set_new(void);
void queue_set_free(struct queue_set *qs);

/*
 * Registers a node name (validate_name rules) and sets *node to its index;
 * a name already known gets its old index. Returns 0, or -1 with `cause`.
 */
int queue_set_add_node(struct queue_set *qs, const char *name, uint32_t *node,
    char *cause, size_t causelen);
/* Returns the node's index, or -1 if the name is not registered. */
int queue_set_find_node(const struct queue_set *qs, const char *name);
/* Returns the node's name, or "?" for an index never registered. */
const char *queue_set_node_name(const struct queue_set *qs, uint32_t node);

/*
 * Validates one message and adds it (or replaces the row with its node + ID).
 * Checked here, once, for every backend: a registered node, a known queue,
 * the queue ID (queue_id_valid), arrival time and size not negative, and all
 * text valid UTF-8 without control characters; addresses at most
 * QUEUE_ADDR_MAX bytes without a quote, space or angle bracket after the
 * last '@'. Delay reasons longer than QUEUE_REASON_MAX are cut. Returns 0,
 * or -1 with `cause` set and the set unchanged.
 */
int queue_set_add(struct queue_set *qs, const struct queue_new *m, char *cause,
    size_t causelen);

/*
 * Appends every message of `src` to `dst`, registering src's node names in
 * dst (by name). Rows with a node + ID already in dst replace them.
 */
void queue_set_merge(struct queue_set *dst, const struct queue_set *src);

/* The message with that node and queue ID, or NULL. */
const struct queue_msg *queue_set_lookup(const struct queue_set *qs,
    uint32_t node, const char *id);
/* Messages of one node (-1: all) in one queue (-1: all queues). */
long queue_set_count(const struct queue_set *qs, int node, int queue);
/* Bytes the set has allocated, pool included. */
size_t queue_set_memory(const struct queue_set *qs);

static inline const char *
queue_str(const struct queue_set *qs, uint32_t id)
{
	return strpool_str(qs->pool, id);
}

static inline const struct queue_rcpt *
queue_msg_rcpts(const struct queue_set *qs, const struct queue_msg *m)
{
	/* A set of messages without one recipient has no array at all. */
	return qs->rcpts != NULL ? qs->rcpts + m->rcpt : NULL;
}

/* The first non-empty delay reason of the message's recipients, or 0. */
uint32_t queue_msg_reason(const struct queue_set *qs,
    const struct queue_msg *m);

/*
 * Postfix queue IDs: the short form is 5 upper-case hex digits of
 * microseconds and the inode number in upper-case hex (6 or more of
 * [0-9A-F]); the long form (enable_long_queue_ids) is 10 or more characters
 * of seconds and microseconds in the 52-letter "safe" alphabet (digits and
 * consonants), then 'z', then the inode number in the 51-letter alphabet
 * without 'z'. Both at most QUEUE_ID_MAX characters.
 */
bool queue_id_valid(const char *s, size_t len);
#define QUEUE_ID_ACCEPTED "use 6 or more upper-case hex digits, or a long ID " \
	"(10 or more letters and digits without vowels, 'z', the inode)"

/* "maildrop", "incoming", ... */
const char *queue_kind_name(unsigned queue);
/* Returns 0 with *queue set, or -1 for a name that is not a queue. */
int queue_kind_parse(const char *s, size_t len, unsigned *queue);
#define QUEUE_KINDS_ACCEPTED \
	"use maildrop, incoming, active, deferred, hold or corrupt"

/*
 * Copies at most 40 bytes of untrusted text into buf (size at least 5) for
 * a message: '?' for bytes that are not printable ASCII, "..." when cut.
 * Returns buf.
 */
const char *queue_quote(char *buf, size_t size, const char *s, size_t len);

/*
 * The domain of an address: the text after its last '@' (as listed, not
 * lower-cased), or NULL when there is no '@'. Sets *len.
 */
const char *queue_addr_domain(const char *addr, size_t len, size_t *dlen);

/* Sorting: a stable sort of an array of row indices by one column. */
enum queue_col {
	QCOL_NODE,   /* node name */
	QCOL_QUEUE,  /* maildrop, incoming, active, deferred, hold, corrupt */
	QCOL_ID,
	QCOL_AGE,    /* youngest first */
	QCOL_SIZE,
	QCOL_SENDER,
	QCOL_RCPT,   /* first recipient */
	QCOL_NRCPT,  /* recipient count */
	QCOL_REASON, /* first delay reason (queue_msg_reason) */
	QCOL_COUNT,
};

const char *queue_col_name(enum queue_col col);
/* Returns 0 with *col set, or -1 with `cause`. */
int queue_col_parse(const char *s, enum queue_col *col, char *cause,
    size_t causelen);

/*
 * Sorts rows[0 .. n-1] (indices into qs->msgs) by `col`, ascending or
 * descending; rows that compare equal keep their order in either direction,
 * so sorting by one column and then by another gives a two-key order.
 */
void queue_sort(const struct queue_set *qs, uint32_t *rows, size_t n,
    enum queue_col col, bool descending);

#endif
