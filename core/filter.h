/* The gateways' spam and virus filter (rspamd): its controller's answers,
 * the figures an agent publishes and the console reads, and the alert. */
#ifndef MAILNOC_FILTER_H
#define MAILNOC_FILTER_H

#include <stdbool.h>
#include <stddef.h>

/* What the filter decided for a message, as the agent counts it. */
enum filter_action {
	FILTER_REJECT,
	FILTER_SOFT_REJECT,
	FILTER_ADD_HEADER,
	FILTER_QUARANTINE,  /* Postfix's hold queue, through the milter */
	FILTER_NO_ACTION,
	FILTER_OTHER,       /* rewrite subject, greylist */
	FILTER_ACTIONS,
};

/* Field names in Redis and JSON: "reject", "soft_reject", ... */
extern const char *const filter_action_field[FILTER_ACTIONS];
/* As people read them: "reject", "soft reject", ... */
extern const char *const filter_action_text[FILTER_ACTIONS];

#define FILTER_VERSION_MAX  32
#define FILTER_ERROR_MAX    160
#define FILTER_SYMBOLS_MAX  400
#define FILTER_MID_MAX      200
#define FILTER_HOURS        24

/* The controller's /stat: totals since its statistics began. */
struct filter_stat {
	long long scanned;
	long long action[FILTER_ACTIONS];
	char version[FILTER_VERSION_MAX];
};

/*
 * Parses rspamd's /stat answer (JSON: scanned, actions{...}, version).
 * Messages scanned but in no action rspamd's stat lists (its quarantine
 * and discard are not among them) count as FILTER_QUARANTINE. Returns 0,
 * or -1 with `cause` set (not JSON, a field missing or not a count).
 */
int filter_stat_parse(const char *body, size_t len, struct filter_stat *st,
    char *cause, size_t clen);

/* One message's verdict from the controller's history. */
struct filter_verdict {
	bool found;
	char action[24];
	double score;
	char symbols[FILTER_SYMBOLS_MAX]; /* "A B C", cut at a name */
};

/*
 * Looks up messages by Message-ID (mids[0..n), without angle brackets) in
 * rspamd's /history answer (an array of rows, or {"rows": [...]}); fills
 * out[i] for each one found. Returns how many were found, or -1 with
 * `cause` set when the answer is not a history.
 */
int filter_history_find(const char *body, size_t len, const char *const *mids,
    size_t n, struct filter_verdict *out, char *cause, size_t clen);

/* What a gateway's agent published (filter:{node}) and its buckets. */
struct filter_node {
	char name[64];
	bool published;       /* the hash exists */
	bool up;
	long long at;         /* last poll, epoch seconds */
	long long since;      /* up or down since */
	char error[FILTER_ERROR_MAX];
	char version[FILTER_VERSION_MAX];
	long long scanned;    /* the filter's totals */
	long long action[FILTER_ACTIONS];
	long long unscanned;  /* messages through while the milter failed */
	long long poll_us;    /* the agent's CPU for its last poll */
	int interval_s;       /* the agent's poll interval */
	/* Per minute (this one), hour (this one) and day (the last 24 hour
	 * buckets): scanned, each action, unscanned. */
	long long minute[FILTER_ACTIONS + 2];
	long long hour[FILTER_ACTIONS + 2];
	long long day[FILTER_ACTIONS + 2];
	long long rejects_by_hour[FILTER_HOURS]; /* oldest first */
	long long unscanned_recent; /* this hour and the one before */
	long long held;       /* quarantined messages recorded (the
	                         follower's filter:{node}:held) */
	char malformed[96];   /* a value that could not be read; "" */
};

/* Index of "scanned" and "unscanned" in filter_node's bucket arrays. */
#define FILTER_B_SCANNED   FILTER_ACTIONS
#define FILTER_B_UNSCANNED (FILTER_ACTIONS + 1)
/* Field names of the buckets, in that order. */
extern const char *const filter_bucket_field[FILTER_ACTIONS + 2];

/* The fields of filter:{node}, in the order filter_node_parse reads them. */
enum filter_field {
	FF_UP_I, FF_AT_I, FF_SINCE_I, FF_ERROR_I, FF_VERSION_I, FF_SCANNED_I,
	FF_UNSCANNED_I, FF_POLL_US_I, FF_INTERVAL_I, FF_ACTION0_I,
	FF_COUNT = FF_ACTION0_I + FILTER_ACTIONS,
};
extern const char *const filter_field_names[FF_COUNT];

/*
 * Fills n from the hash values (NULL: absent) in filter_field_names'
 * order. Never fails: what cannot be read is said in n->malformed and
 * counts as absent. Strings go through validate_sanitize.
 */
void filter_node_parse(struct filter_node *n, const char *name,
    const char *const *v);

/* Adds bucket values (in filter_bucket_field's order) to acc. */
void filter_bucket_add(long long *acc, const char *const *v);

/* "up", "DOWN", "unknown" (never published). */
const char *filter_node_state(const struct filter_node *n);

/* A quarantined message as the mail log follower recorded it
 * (filter:{node}:held, field the queue ID): when, its Message-ID, and
 * the verdict once the controller's history gave it. */
struct filter_held {
	long long at;
	char mid[FILTER_MID_MAX];
	bool have_verdict;
	double score;
	char symbols[FILTER_SYMBOLS_MAX];
};

/* The JSON value of a held record. Returns an allocated string. */
char *filter_held_dump(const struct filter_held *h);
/* Parses one; returns 0, or -1 when it is not a held record. */
int filter_held_parse(const char *s, struct filter_held *h);

#endif
