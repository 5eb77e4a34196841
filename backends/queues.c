/* Fan-out over gateways: a thread per node, each owning its SSH session. */
#include "backends/queues.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/exitcode.h"
#include "core/format.h"
#include "core/xalloc.h"

/* The new listing after an action was cut short: a short timeout, so that
 * a node that still says nothing is reported at once. */
#define QUEUES_RECHECK_MS 10000

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

static const char *const queues_done_word[] = {
	[PF_HOLD] = "held",
	[PF_RELEASE] = "released",
	[PF_REQUEUE] = "requeued",
	[PF_DELETE] = "deleted",
};

void
queues_after_count(const struct queue_set *qs, uint32_t node,
    enum postfix_action a, const char *const *ids, size_t nids,
    struct queues_after *af)
{
	const struct queue_msg *m;
	size_t i;
	bool done;

	af->checked = true;
	af->asked = (long)nids;
	af->done = af->gone = 0;
	memset(af->still, 0, sizeof af->still);
	for (i = 0; i < nids; i++) {
		m = queue_set_lookup(qs, node, ids[i]);
		if (m == NULL) {
			/* Requeued mail gets a new ID; deleted mail has none. */
			if (a == PF_REQUEUE || a == PF_DELETE)
				af->done++;
			else
				af->gone++;
			continue;
		}
		done = (a == PF_HOLD && m->queue == Q_HOLD) ||
		    (a == PF_RELEASE && m->queue != Q_HOLD);
		if (done)
			af->done++;
		else if (m->queue < QUEUE_KINDS)
			af->still[m->queue]++;
	}
}

char *
queues_after_text(const struct queues_after *af, enum postfix_action a,
    char *buf, size_t len)
{
	const char *why = af->why[0] != '\0' ? af->why :
	    "the node stopped answering";
	char n1[32], n2[32];
	size_t off, k;
	bool first = true;

	if (!af->checked) {
		snprintf(buf, len, "%s during the %s of %s message%s, and its "
		    "queue could not be listed again: %s; list it before "
		    "repeating the %s", why, postfix_action_name(a),
		    format_grouped(af->asked, n1, sizeof n1),
		    af->asked == 1 ? "" : "s", af->cause, postfix_action_name(a));
		return buf;
	}
	if (af->done == af->asked)
		off = (size_t)snprintf(buf, len, "all %s %s, but %s before "
		    "postsuper said so (listed again)", format_grouped(af->asked,
		    n1, sizeof n1), queues_done_word[a], why);
	else if (af->done == 0)
		off = (size_t)snprintf(buf, len, "none of the %s %s %s before "
		    "%s", format_grouped(af->asked, n1, sizeof n1),
		    af->asked == 1 ? "was" : "were", queues_done_word[a], why);
	else
		off = (size_t)snprintf(buf, len, "%s of %s %s before %s",
		    format_grouped(af->done, n1, sizeof n1),
		    format_grouped(af->asked, n2, sizeof n2),
		    queues_done_word[a], why);
	for (k = 0; k < QUEUE_KINDS; k++) {
		if (af->still[k] == 0 || off >= len)
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%s %s%s",
		    first ? "; " : ", ", format_grouped(af->still[k], n1,
		    sizeof n1), first ? "still " : "", k == Q_HOLD ? "on hold" :
		    queue_kind_name((unsigned)k));
		first = false;
	}
	if (af->gone > 0 && off < len)
		snprintf(buf + off, len - off, "; %s no longer queued",
		    format_grouped(af->gone, n1, sizeof n1));
	return buf;
}

/* Whether a failed command may have done part of its work. */
static bool
queues_was_cut(const struct ssh_conn *c)
{
	return c->err == SSH_E_CONNECT || c->err == SSH_E_TIMEOUT ||
	    c->err == SSH_E_CANCELLED || c->err == SSH_E_EXEC;
}

/*
 * The node stopped answering during the action: lists its queue again on a
 * new connection (the old one is not trusted), with a short timeout, and
 * says what was done. A node where all of it was done is not failed.
 */
static void
queues_recheck(struct queues *q, struct queues_node *qn,
    enum postfix_action a, const char *const *ids, size_t nids)
{
	struct queues_after *af = &qn->after;
	struct postfix_listing l;
	struct config quick = *q->cfg;
	struct ssh_conn c;
	struct queue_set *qs = queue_set_new();
	char cause[512], text[512];
	uint32_t idx;

	memset(af, 0, sizeof *af);
	af->asked = (long)nids;
	snprintf(af->lost, sizeof af->lost, "%s", qn->ssh.errstr);
	snprintf(af->why, sizeof af->why, "%s",
	    qn->ssh.err == SSH_E_TIMEOUT ? "the command timed out" :
	    qn->ssh.err == SSH_E_CANCELLED ? "it was cancelled" :
	    qn->ssh.err == SSH_E_EXEC ? "the SSH channel failed" :
	    "the node stopped answering");
	if (quick.ssh.command_timeout_ms > QUEUES_RECHECK_MS)
		quick.ssh.command_timeout_ms = QUEUES_RECHECK_MS;
	memset(&l, 0, sizeof l);
	ssh_init(&c, &quick, qn->node);
	if (queue_set_add_node(qs, qn->node->name, &idx, cause,
		sizeof cause) == -1 ||
	    postfix_list(&c, qs, idx, &l, NULL, cause, sizeof cause) == -1)
		snprintf(af->cause, sizeof af->cause, "%s", cause);
	else
		queues_after_count(qs, idx, a, ids, nids, af);
	ssh_close(&c);
	queue_set_free(qs);
	qn->cut = true;
	queues_after_text(af, a, text, sizeof text);
	if (af->checked && af->done == af->asked) {
		/* All done: only postsuper's report was lost. */
		qn->failed = 0;
		qn->done.count = af->done;
		snprintf(qn->done.said, sizeof qn->done.said, "%s", text);
		return;
	}
	if (af->checked) {
		qn->done.count = af->done;
		qn->partial = af->done > 0;
		/* Part of it done is not "unreachable": the action ran. */
		if (qn->partial)
			qn->exit_code = EXIT_FAILED;
	}
	snprintf(qn->cause, sizeof qn->cause, "%s: %s", qn->node->name, text);
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
				   &qn->done, cause, sizeof cause) == -1) {
		queues_fail(qn, cause);
		if (queues_was_cut(&qn->ssh))
			queues_recheck(q, qn, a, still, qn->present);
	}
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
		q->nodes[i].cut = q->nodes[i].partial = false;
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
