/* Cluster health classification from heartbeats and role-change events. */
#include "core/cluster.h"

#include <stdio.h>
#include <string.h>

static const char *const health_names[] = {
	[HEALTH_OK] = "OK",
	[HEALTH_DEGRADED] = "DEGRADED",
	[HEALTH_FAILED_OVER] = "FAILED-OVER",
	[HEALTH_DOWN] = "DOWN",
	[HEALTH_SPLIT_BRAIN] = "SPLIT-BRAIN",
};

const char *
cluster_health_name(enum cluster_health h)
{
	return health_names[h];
}

/* How bad a health is: a service down beats one that merely failed over. */
static int
cluster_health_rank(enum cluster_health h)
{
	switch (h) {
	case HEALTH_OK:
		return 0;
	case HEALTH_FAILED_OVER:
		return 1;
	case HEALTH_DEGRADED:
		return 2;
	case HEALTH_SPLIT_BRAIN:
		return 3;
	case HEALTH_DOWN:
		return 4;
	}
	return 4;
}

enum cluster_health
cluster_health_worst(enum cluster_health a, enum cluster_health b)
{
	return cluster_health_rank(a) >= cluster_health_rank(b) ? a : b;
}

static int
is_member(const struct cluster_status *c, const char *node)
{
	size_t i;

	for (i = 0; i < c->nmembers; i++) {
		if (strcmp(c->members[i]->name, node) == 0)
			return 1;
	}
	return 0;
}

void
cluster_classify(struct cluster_status *c, const struct event *events,
    size_t nevents, long long now)
{
	const struct node_status *active = NULL, *other = NULL;
	size_t i, live = 0, actives = 0, standbys = 0;
	const char *silent = NULL, *draining = NULL;

	c->last_change = NULL;
	for (i = 0; i < nevents; i++) {
		const struct event *e = &events[i];

		if (strcmp(e->type, "role_change") == 0 &&
		    strcmp(e->to, "active") == 0 &&
		    (strcmp(e->cluster, c->name) == 0 || is_member(c, e->node))) {
			c->last_change = e;
			break;
		}
	}
	for (i = 0; i < c->nmembers; i++) {
		const struct node_status *n = c->members[i];

		if (!n->alive) {
			if (silent == NULL)
				silent = n->name;
			continue;
		}
		live++;
		if (n->state == STATE_ACTIVE) {
			if (active == NULL)
				active = n;
			else if (other == NULL)
				other = n;
			actives++;
		} else if (n->state == STATE_STANDBY || n->state == STATE_RESERVE)
			standbys++;
		else if (n->state == STATE_DRAINING && draining == NULL)
			draining = n->name;
	}

	if (actives == 0) {
		c->health = HEALTH_DOWN;
		if (live == 0)
			snprintf(c->reason, sizeof c->reason, "no node is alive");
		else
			snprintf(c->reason, sizeof c->reason, "no live node is "
			    "active");
		return;
	}
	if (c->role == NODE_MAILBOX && actives > 1) {
		c->health = HEALTH_SPLIT_BRAIN;
		snprintf(c->reason, sizeof c->reason, "%s and %s are both active",
		    active->name, other->name);
		return;
	}
	if (c->role == NODE_MAILBOX && c->last_change != NULL &&
	    now - c->last_change->at <= CLUSTER_FAILOVER_RECENT_S &&
	    strcmp(c->last_change->node, active->name) == 0) {
		c->health = HEALTH_FAILED_OVER;
		snprintf(c->reason, sizeof c->reason, "%s became active %llds "
		    "ago%s%s", active->name, now - c->last_change->at,
		    c->last_change->from[0] ? ", was " : "",
		    c->last_change->from);
		return;
	}
	if (silent != NULL) {
		c->health = HEALTH_DEGRADED;
		snprintf(c->reason, sizeof c->reason, "%s is silent", silent);
		return;
	}
	if (draining != NULL) {
		c->health = HEALTH_DEGRADED;
		snprintf(c->reason, sizeof c->reason, "%s is draining", draining);
		return;
	}
	if (c->role == NODE_MAILBOX && standbys == 0) {
		c->health = HEALTH_DEGRADED;
		snprintf(c->reason, sizeof c->reason, "no standby for %s",
		    active->name);
		return;
	}
	c->health = HEALTH_OK;
	if (c->role == NODE_MAILBOX)
		snprintf(c->reason, sizeof c->reason, "%s active, %zu standby",
		    active->name, standbys);
	else
		snprintf(c->reason, sizeof c->reason, "%zu of %zu active",
		    actives, c->nmembers);
}

size_t
cluster_collect(const struct snapshot *s, long long now,
    struct cluster_status *out, size_t max)
{
	size_t i, j, n = 0;

	for (i = 0; i < s->nnodes; i++) {
		const struct node_status *node = &s->nodes[i];
		struct cluster_status *c = NULL;

		if (node->cluster[0] == '\0')
			continue;
		for (j = 0; j < n; j++) {
			if (strcmp(out[j].name, node->cluster) == 0)
				c = &out[j];
		}
		if (c == NULL) {
			if (n == max)
				continue;
			c = &out[n++];
			memset(c, 0, sizeof *c);
			snprintf(c->name, sizeof c->name, "%s", node->cluster);
			c->role = node->role;
		}
		if (c->nmembers < CLUSTER_MAX_MEMBERS)
			c->members[c->nmembers++] = node;
	}
	for (j = 0; j < n; j++)
		cluster_classify(&out[j], s->events, s->nevents, now);
	return n;
}
