/* The queues of many gateways at once: one SSH session and thread each. */
#ifndef MAILNOC_QUEUES_H
#define MAILNOC_QUEUES_H

#include <stdbool.h>
#include <stddef.h>

#include "backends/postfix.h"
#include "backends/ssh.h"
#include "core/config.h"
#include "core/queue.h"

/*
 * What a listing made after an action was cut short found of the IDs it was
 * given: the node stopped answering (or the command timed out, or was
 * cancelled) before postsuper said what it had done.
 */
struct queues_after {
	bool checked;              /* listed again; else `cause` says why not */
	long asked;                /* IDs postsuper was given */
	long done;                 /* in the state the action leads to */
	long still[QUEUE_KINDS];   /* not done, by the queue they are in */
	long gone;                 /* hold, release: no longer queued */
	char why[64];              /* "the node stopped answering", ... */
	char lost[512];            /* the SSH error that cut it short */
	char cause[256];           /* why it could not be listed */
};

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
	/* Cut short (failed set too): what a new listing found was done. */
	bool partial;                 /* some of it done, some not */
	bool cut;                     /* the command was cut short */
	struct queues_after after;
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
 * Counts what became of `ids` in node `node` of a listing made after `a`
 * was cut short: for hold, the IDs in the hold queue are done; for
 * release, those listed outside it; for requeue (a requeued message gets
 * a new queue ID) and delete, those no longer listed. The rest are counted
 * by the queue they are in; hold and release count the unlisted as gone.
 */
void queues_after_count(const struct queue_set *qs, uint32_t node,
    enum postfix_action a, const char *const *ids, size_t nids,
    struct queues_after *af);

/*
 * One line for a node whose action was cut short: "1,681 of 3,060 held
 * before the node stopped answering; 1,379 still deferred", or why nothing
 * could be said ("... could not list the queue again: CAUSE"). Returns buf.
 */
char *queues_after_text(const struct queues_after *af, enum postfix_action a,
    char *buf, size_t len);

/*
 * Runs `a` on the IDs given per node (nodes[i].ids): first lists the node
 * again and keeps only the IDs still queued, then one postsuper per node.
 * When a node stops answering (or the command times out or is cancelled)
 * before postsuper reports, its queue is listed again at once on a new
 * connection with a short timeout, and nodes[i].after says what was done
 * (nodes[i].cut; nodes[i].partial when some of it was): a node where all
 * of it was done does not count as failed, one with some or none does.
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
