/* Fan-out over gateways: a thread per node, each owning its SSH session. */
#include "backends/queues.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/exitcode.h"
#include "core/xalloc.h"

int
queues_open(struct queues *q, const struct config *cfg, const char *node,
    volatile int *cancel, char *cause, size_t causelen)
{
	const struct config_node *only = NULL;
	size_t i;

	memset(q, 0, sizeof *q);
	q->cfg = cfg;
	q->cancel = cancel;
	if (node != NULL) {
		if ((only = config_node_find(cfg, node)) == NULL) {
			snprintf(cause, causelen, "unknown node '%s'", node);
			return -1;
		}
		if (only->role != NODE_GATEWAY) {
			snprintf(cause, causelen, "'%s' is not a gateway; mail "
			    "queues are on gateways", node);
			return -1;
		}
	}
	q->nodes = xcalloc(cfg->nnodes, sizeof *q->nodes);
	for (i = 0; i < cfg->nnodes; i++) {
		const struct config_node *n = &cfg->nodes[i];
		struct queues_node *qn;

		if (n->role != NODE_GATEWAY || (only != NULL && n != only))
			continue;
		qn = &q->nodes[q->n++];
		qn->node = n;
		ssh_init(&qn->ssh, cfg, n);
	}
	if (q->n == 0) {
		snprintf(cause, causelen, "no gateway in the configuration");
		free(q->nodes);
		return -1;
	}
	return 0;
}

static void
queues_fail(struct queues_node *qn, const char *cause)
{
	qn->failed = 1;
	qn->exit_code = qn->ssh.err == SSH_E_NONE ? EXIT_FAILED :
						    ssh_exit_code(&qn->ssh);
	snprintf(qn->cause, sizeof qn->cause, "%s", cause);
}

struct queues_job {
	struct queues *q;
	struct queues_node *qn;
	int what; /* 0 list, 1 act, 2 flush, 3 hold a client's mail */
	enum postfix_action action;
	const char *site; /* flush: the site; hold: the client address */
};

/* Lists one node into a fresh set of its own. */
static int
queues_list_one(struct queues *q, struct queues_node *qn)
{
	char cause[512];
	uint32_t idx;

	queue_set_free(qn->qs);
	qn->qs = queue_set_new();
	memset(&qn->listing, 0, sizeof qn->listing);
	if (queue_set_add_node(qn->qs, qn->node->name, &idx, cause,
		sizeof cause) == -1 ||
	    postfix_list(&qn->ssh, qn->qs, idx, &qn->listing, q->cancel, cause,
		sizeof cause) == -1) {
		queues_fail(qn, cause);
		return -1;
	}
	return 0;
}

static void
queues_act_one(struct queues *q, struct queues_node *qn,
    enum postfix_action a)
{
	const char **still;
	char cause[512];
	size_t i;

	if (qn->nids == 0)
		return;
	still = xcalloc(qn->nids, sizeof *still);
	if (q->fresh) {
		for (i = 0; i < qn->nids; i++)
			still[qn->present++] = qn->ids[i];
	} else {
		/* Only what is still queued: the listing may be minutes old. */
		if (queues_list_one(q, qn) == -1) {
			free(still);
			return;
		}
		for (i = 0; i < qn->nids; i++) {
			if (queue_set_lookup(qn->qs, 0, qn->ids[i]) != NULL)
				still[qn->present++] = qn->ids[i];
		}
	}
	if (qn->present > 0 && postfix_act(&qn->ssh, a, still, qn->present,
				   &qn->done, cause, sizeof cause) == -1)
		queues_fail(qn, cause);
	free(still);
}

/* Holds what one client address has queued on this node. */
static void
queues_hold_one(struct queues_node *qn, const char *ip)
{
	char cause[512], **ids;
	long n, i;

	n = postfix_ids_by_client(&qn->ssh, ip, &ids, cause, sizeof cause);
	if (n == -1) {
		queues_fail(qn, cause);
		return;
	}
	qn->present = (size_t)n;
	if (n > 0 && postfix_act(&qn->ssh, PF_HOLD, (const char *const *)ids,
			 (size_t)n, &qn->done, cause, sizeof cause) == -1)
		queues_fail(qn, cause);
	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

static void *
queues_thread(void *arg)
{
	struct queues_job *j = arg;
	char cause[512];

	switch (j->what) {
	case 0:
		queues_list_one(j->q, j->qn);
		break;
	case 1:
		queues_act_one(j->q, j->qn, j->action);
		break;
	case 3:
		queues_hold_one(j->qn, j->site);
		break;
	default:
		if (postfix_flush(&j->qn->ssh, NULL, j->site, cause,
			sizeof cause) == -1)
			queues_fail(j->qn, cause);
		break;
	}
	return NULL;
}

static size_t
queues_run(struct queues *q, int what, enum postfix_action a,
    const char *site)
{
	struct queues_job *jobs = xcalloc(q->n, sizeof *jobs);
	pthread_t *t = xcalloc(q->n, sizeof *t);
	int *started = xcalloc(q->n, sizeof *started);
	size_t i, failed = 0;

	for (i = 0; i < q->n; i++) {
		jobs[i] = (struct queues_job){ q, &q->nodes[i], what, a, site };
		q->nodes[i].failed = 0;
		started[i] = pthread_create(&t[i], NULL, queues_thread,
				 &jobs[i]) == 0;
		if (!started[i])
			queues_thread(&jobs[i]);
	}
	for (i = 0; i < q->n; i++) {
		if (started[i])
			pthread_join(t[i], NULL);
		failed += q->nodes[i].failed != 0;
	}
	free(jobs);
	free(t);
	free(started);
	return failed;
}

size_t
queues_list(struct queues *q)
{
	return queues_run(q, 0, PF_HOLD, NULL);
}

size_t
queues_act(struct queues *q, enum postfix_action a)
{
	return queues_run(q, 1, a, NULL);
}

size_t
queues_flush(struct queues *q, const char *site)
{
	return queues_run(q, 2, PF_HOLD, site);
}

size_t
queues_hold_client(struct queues *q, const char *ip)
{
	size_t i;

	for (i = 0; i < q->n; i++) {
		q->nodes[i].present = 0;
		memset(&q->nodes[i].done, 0, sizeof q->nodes[i].done);
	}
	return queues_run(q, 3, PF_HOLD, ip);
}

struct queue_set *
queues_merge(struct queues *q)
{
	struct queue_set *all = queue_set_new();
	char cause[256];
	size_t i;

	for (i = 0; i < q->n; i++) {
		queue_set_add_node(all, q->nodes[i].node->name,
		    &q->nodes[i].index, cause, sizeof cause);
		if (q->nodes[i].qs != NULL)
			queue_set_merge(all, q->nodes[i].qs);
	}
	return all;
}

void
queues_close(struct queues *q)
{
	size_t i;

	for (i = 0; i < q->n; i++) {
		ssh_close(&q->nodes[i].ssh);
		queue_set_free(q->nodes[i].qs);
		free(q->nodes[i].ids);
	}
	free(q->nodes);
	memset(q, 0, sizeof *q);
}
