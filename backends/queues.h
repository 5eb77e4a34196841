/* The queues of many gateways at once: one SSH session and thread each. */
#ifndef MAILNOC_QUEUES_H
#define MAILNOC_QUEUES_H

#include <stddef.h>

#include "backends/postfix.h"
#include "backends/ssh.h"
#include "core/config.h"
#include "core/queue.h"

struct queues_node {
	const struct config_node *node;
	struct ssh_conn ssh;
	uint32_t index;               /* the node's index in the merged set */
	struct queue_set *qs;         /* this node's listing */
	struct postfix_listing listing;
	int failed;
	int exit_code;                /* core/exitcode.h, when failed */
	char cause[512];
	/* Work for queues_act: IDs of this node. */
	const char **ids;
	size_t nids;
	size_t present;               /* of those, still queued at re-check */
	struct postfix_done done;
};

struct queues {
	const struct config *cfg;
	struct queues_node *nodes;
	size_t n;
	volatile int *cancel;
	/* The IDs come from a listing made just now, with no one asked in
	 * between: queues_act need not list again before acting. */
	int fresh;
};

/*
 * Selects the gateways: all of them, or the one called `node`. Returns 0,
 * or -1 with `cause` ("unknown node 'x'", "'mbx1' is not a gateway").
 */
int queues_open(struct queues *q, const struct config *cfg, const char *node,
    volatile int *cancel, char *cause, size_t causelen);

/*
 * Lists every selected gateway in parallel. Returns the number of nodes
 * that failed (each with its cause); their rows are missing.
 */
size_t queues_list(struct queues *q);

/* Merges the per-node listings into one new set (node names registered). */
struct queue_set *queues_merge(struct queues *q);

/*
 * Runs `a` on the IDs given per node (nodes[i].ids): first lists the node
 * again and keeps only the IDs still queued, then one postsuper per node.
 * Returns the number of nodes that failed.
 */
size_t queues_act(struct queues *q, enum postfix_action a);

/*
 * Puts on hold, on every selected node, the messages queued from client
 * address `ip` (postfix_ids_by_client): nodes[i].present is how many were
 * found there, nodes[i].done what postsuper did. Returns the number of
 * nodes that failed.
 */
size_t queues_hold_client(struct queues *q, const char *ip);

/* Flushes every selected node (`site` NULL: all mail). Returns failures. */
size_t queues_flush(struct queues *q, const char *site);

void queues_close(struct queues *q);

#endif
