/* The model: an immutable snapshot of the service, as read from Redis. */
#ifndef MAILNOC_MODEL_H
#define MAILNOC_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"

enum node_state {
	STATE_UNKNOWN, /* no heartbeat ever seen */
	STATE_ACTIVE,
	STATE_STANDBY,
	STATE_RESERVE,
	STATE_DRAINING,
	STATE_DOWN,
};

enum queue_kind {
	Q_INCOMING,
	Q_ACTIVE,
	Q_DEFERRED,
	Q_HOLD,
	Q_CORRUPT,
	Q_COUNT,
};

struct node_status {
	char name[33];
	char cluster[33];
	enum node_role role;
	enum node_state state; /* as the agent last reported it */
	bool configured;       /* in the configuration (else only in Redis) */
	bool seen;             /* a node hash exists */
	bool alive;            /* the alive key exists */
	bool drain;            /* the console asked it to drain */
	long long updated_at;  /* epoch seconds of the last heartbeat, 0 never */
	int interval;          /* heartbeat interval in seconds */
	long queue[Q_COUNT];   /* -1: not reported */
	long oldest_age;       /* seconds, -1: not reported */
	long log_age;          /* the oldest kept mail log's age, seconds
	                          (heartbeat log_age); -1: not reported */
	double load1;          /* -1: not reported */
	int disk_pct;          /* -1: not reported */
	char last_backup[11];  /* YYYY-MM-DD or "" */
	/* Mailbox nodes' backups (the heartbeat's backup_* fields): the last
	 * good one's completion (epoch seconds), size and mailboxes, the last
	 * run's result ("ok", "failed", "" unknown), the nights missing and
	 * the newest of them; -1 / "" not reported. */
	long long backup_done_at;
	long long backup_bytes;
	long backup_mailboxes;
	char backup_result[8];
	long backup_gaps;
	char backup_gap[11];
	char version[32];
	char mta_version[32];
	/* Gateways' policy service: where its decisions come from ("redis",
	 * "copy", "fail-action"; "" not reported), the age of its copy in
	 * seconds and the decisions made from it (-1: not reported). */
	char policy[16];
	long long policy_copy_age;
	long long policy_copy_decisions;
	/* The active mailbox node: its role mailboxes as the heartbeat says
	 * them (core/role_mailbox.h reads it); "" not reported. */
	char role_mbx[240];
	/* Gateways: the agencies with mail deferred past notify.delay_minutes,
	 * in the same form ("ID COUNT OLDEST,..."); "" none or not reported. */
	char agency_delay[240];
	char malformed[96];    /* why its hash cannot be read, "" when fine */
};

struct event {
	char id[32];          /* stream entry ID */
	long long at;         /* epoch seconds */
	char type[24];
	char node[33];
	char cluster[33];
	char from[16];
	char to[16];
	char detail[160];
};

struct snapshot {
	long long taken_ms;   /* wall clock when fetched */
	int round_trips;      /* to Redis for this snapshot */
	struct node_status *nodes;
	size_t nnodes;
	struct event *events; /* newest first */
	size_t nevents;
	long nagencies;
	long nblocks;
	long npermits;
	char **unknown;       /* names in the nodes set not yet fetched */
	size_t nunknown;
	char **dropped;       /* fetched names no longer in the nodes set */
	size_t ndropped;
	char problem[160];    /* a shared key of the wrong type, "" when none */
};

const char *node_state_name(enum node_state s);
/* Returns 0 with *out set, or -1 for a name that is not a state. */
int node_state_parse(const char *s, enum node_state *out);
const char *queue_name(enum queue_kind q);

/* Returns the node called `name`, or NULL. */
const struct node_status *snapshot_node(const struct snapshot *s,
    const char *name);
void snapshot_free(struct snapshot *s);

/* Seconds since the node's last heartbeat at `now`, -1 if never seen. */
long node_age(const struct node_status *n, long long now);

/* A copy older than this while Redis answers is not being kept current. */
#define NODE_POLICY_COPY_STALE_S 300

/*
 * One phrase on a gateway's policy service when it does not decide from
 * Redis: "policy from copy 12m old" or "policy FAIL ACTION"; deciding
 * from Redis with a copy older than NODE_POLICY_COPY_STALE_S, "policy copy
 * stale 2h"; "" otherwise (all well, not reported, or a mailbox node).
 * Returns buf.
 */
char *node_policy_text(const struct node_status *n, char *buf, size_t len);

#endif
