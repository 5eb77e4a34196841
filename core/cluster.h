/* Cluster health: what the Clusters view and `mailnoc clusters` report. */
#ifndef MAILNOC_CLUSTER_H
#define MAILNOC_CLUSTER_H

#include <stddef.h>

#include "core/model.h"

/* A change of active node within this many seconds is "failed over". */
#define CLUSTER_FAILOVER_RECENT_S (15 * 60)

enum cluster_health {
	HEALTH_OK,          /* one live active (every live gateway active), all members alive */
	HEALTH_DEGRADED,    /* served, but a member is silent, draining or missing */
	HEALTH_FAILED_OVER, /* served by a node that became active recently */
	HEALTH_DOWN,        /* no live active node */
	HEALTH_SPLIT_BRAIN, /* two live active nodes in an active/standby cluster */
};

#define CLUSTER_MAX_MEMBERS 16

struct cluster_status {
	char name[33];
	enum node_role role;
	enum cluster_health health;
	char reason[160];
	size_t nmembers;
	const struct node_status *members[CLUSTER_MAX_MEMBERS];
	const struct event *last_change; /* newest role change to active, or NULL */
};

const char *cluster_health_name(enum cluster_health h);

/* The worse of two healths: DOWN, SPLIT-BRAIN, DEGRADED, FAILED-OVER, OK. */
enum cluster_health cluster_health_worst(enum cluster_health a,
    enum cluster_health b);

/*
 * Classifies one cluster from its members and the events (newest first) at
 * wall-clock time `now` (seconds). Fills health and reason.
 */
void cluster_classify(struct cluster_status *c, const struct event *events,
    size_t nevents, long long now);

/*
 * Groups the snapshot's nodes into clusters (in order of first appearance)
 * and classifies each. Returns the number of clusters written to out (at
 * most max).
 */
size_t cluster_collect(const struct snapshot *s, long long now,
    struct cluster_status *out, size_t max);

#endif
