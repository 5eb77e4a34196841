/* One heartbeat: the node hash, the alive key and role-change events. */
#ifndef MAILNOC_AGENT_HEARTBEAT_H
#define MAILNOC_AGENT_HEARTBEAT_H

#include <stdbool.h>
#include <stddef.h>

#include "agent/probe.h"
#include "backends/redis.h"
#include "core/config.h"
#include "core/model.h"
#include "core/role_mailbox.h"

/* What one heartbeat reports; "" or -1 for a fact not known this time. */
struct heartbeat {
	const char *name;
	const char *cluster;
	enum node_role role;
	enum node_state state;   /* STATE_UNKNOWN: the role probe failed */
	bool have_queues;        /* gateways: queue counts known */
	long queue[Q_COUNT];
	long oldest_age;         /* seconds, -1: not known */
	bool have_log_age;       /* gateways following their mail log */
	long log_age;            /* seconds since the oldest kept log file
	                            was written (retention, at least) */
	char load1[16];
	int disk_pct;
	char last_backup[11];    /* mailbox nodes */
	struct probe_backups backups; /* mailbox nodes; last == last_backup */
	const char *version;
	char mta_version[32];
	int interval;            /* seconds */
	long long updated_at;    /* epoch seconds */
	/* Gateways with a policy service: where its decisions come from
	 * (policy_source_name; NULL: no policy service), the copy's age in
	 * seconds (-1: no copy) and the decisions made from it. */
	const char *policy_source;
	long long copy_age;
	unsigned long long copy_decisions;
	/* Gateways: the q_domains text (queued_encode), NULL: not known. */
	const char *queued_domains;
	/* The active mailbox node: its role mailboxes (core/role_mailbox.h's
	 * field); NULL or "": not reported. */
	const char *role_mbx;
	/* Gateways: their agencies' mail deferred past notify.delay_minutes
	 * (agent/agency_delay.h); NULL or "": none, or not counted. */
	const char *agency_delay;
};

#define HEARTBEAT_FIELDS_MAX 32

struct heartbeat_fields {
	const char *set_name[HEARTBEAT_FIELDS_MAX];
	char set_value[HEARTBEAT_FIELDS_MAX][ROLE_MBX_FIELD_MAX];
	size_t nset;
	const char *del[HEARTBEAT_FIELDS_MAX]; /* facts not known this time */
	size_t ndel;
	const char *q_domains;  /* NF_Q_DOMAINS's value to set (too long for
	                           set_value), or NULL */
};

/*
 * Lists the fields of node:{name} to set and, for facts not known this
 * time, to delete (so that an old value does not pass for a new one). The
 * console's own field, drain, is never touched.
 */
void heartbeat_fields(const struct heartbeat *hb, struct heartbeat_fields *f);

/*
 * The state to publish: the probed role (STATE_UNKNOWN when the probe
 * failed), except that a gateway the console asked to drain is draining.
 */
enum node_state heartbeat_state(enum node_role role, enum node_state probed,
    bool drain);

/*
 * Whether going from `last` (the state last published, or found in Redis
 * when the agent started; STATE_UNKNOWN for none) to `now` is a role
 * change to record in the events stream. Unknown states on either side
 * are not: a role file being rewritten must not make two events.
 */
bool heartbeat_role_changed(enum node_state last, enum node_state now);

/* The agent's memory between heartbeats. */
struct heartbeat_state {
	bool loaded;             /* previous state and drain read from Redis */
	enum node_state last;    /* last known state published or found */
	bool drain;              /* the console's flag, as last read */
	bool drain_changed;      /* the last heartbeat read a new drain flag */
	bool evented;            /* the last heartbeat added an event */
};

/*
 * Reads the state and drain flag the node hash holds, once, before the
 * first heartbeat. Returns 0, or -1 with r->err and r->errstr set.
 */
int heartbeat_load(struct redis *r, const char *name,
    struct heartbeat_state *hs);

/*
 * Sends one heartbeat in one pipeline: HGET of the drain flag (for the
 * next heartbeat), then MULTI, HSET node:{name} ..., HDEL of unknown facts,
 * SET node:{name}:alive 1 EX 3*interval, SADD nodes, and XADD events when
 * heartbeat_role_changed says so, EXEC. Updates hs. Returns 0, or -1 with
 * r->err and r->errstr set (nothing of the heartbeat was applied).
 */
int heartbeat_send(struct redis *r, const struct heartbeat *hb,
    struct heartbeat_state *hs);

/* True for the states a role change may go from or to (not unknown). */
bool heartbeat_known(enum node_state s);

#endif
