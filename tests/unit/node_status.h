/* The node of a snapshot, for the unit tests that build one by hand.
 * Include after cmocka.h. */
#ifndef MAILNOC_TEST_NODE_STATUS_H
#define MAILNOC_TEST_NODE_STATUS_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/model.h"

/*
 * Sets n to a node the snapshot has seen: its name, cluster, role, state
 * and whether it is alive; everything else zero. Returns n.
 */
static __attribute__((unused)) struct node_status *
node_status_set(struct node_status *n, const char *name, const char *cluster,
    enum node_role role, enum node_state st, bool alive)
{
	memset(n, 0, sizeof *n);
	snprintf(n->name, sizeof n->name, "%s", name);
	snprintf(n->cluster, sizeof n->cluster, "%s", cluster);
	n->role = role;
	n->state = st;
	n->alive = alive;
	n->seen = true;
	return n;
}

#endif
