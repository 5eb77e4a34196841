/* Console jobs: detached threads that list the queues and fetch a message
 * (reads; a command that changes the service runs by worker_command). */
#include "tui/jobs.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/model.h"
#include "core/xalloc.h"
#include "core/validate.h"

struct job {
	struct worker *w;
	const struct config *cfg;
	const struct config_node *node;
	unsigned long generation;
	char id[QUEUE_ID_MAX + 1];
	int body;
};

static void
jobs_start(void *(*fn)(void *), struct job *j)
{
	worker_job_spawn(j->w, fn, j);
}

static void
jobs_batch(void *arg, struct queue_set *qs, int last)
{
	struct job *j = arg;
	struct worker_msg *m = xcalloc(1, sizeof *m);

	(void)last;
	m->kind = WMSG_QUEUE_BATCH;
	m->generation = j->generation;
	snprintf(m->node, sizeof m->node, "%s", j->node->name);
	m->qs = qs;
	worker_post(j->w, m);
}

static void *
jobs_list_main(void *arg)
{
	struct job *j = arg;
	struct worker_msg *m;
	struct postfix_listing l;
	struct queue_set *qs = queue_set_new();
	struct ssh_conn ssh;
	char cause[512];
	uint32_t idx;
	int rc;

	memset(&l, 0, sizeof l);
	l.batch = jobs_batch;
	l.batch_arg = j;
	l.batch_size = 2000;
	ssh_init(&ssh, j->cfg, j->node);
	queue_set_add_node(qs, j->node->name, &idx, cause, sizeof cause);
	/* A quitting console stops the listing (worker_stop). */
	rc = postfix_list(&ssh, qs, idx, &l, &j->w->closing, cause,
	    sizeof cause);
	ssh_close(&ssh);
	m = xcalloc(1, sizeof *m);
	m->kind = WMSG_QUEUE_DONE;
	m->generation = j->generation;
	snprintf(m->node, sizeof m->node, "%s", j->node->name);
	m->failed = rc == -1;
	if (rc == -1)
		snprintf(m->text, sizeof m->text, "%s", cause);
	else if (l.bad > 0)
		snprintf(m->text, sizeof m->text, "%s: %lu bad lines skipped "
		    "(first: %s)", j->node->name, l.bad, l.first_bad);
	worker_post(j->w, m);
	worker_job_end(j->w);
	free(j);
	return NULL;
}

int
jobs_list_queues(struct worker *w, const struct config *cfg,
    unsigned long generation)
{
	size_t i;
	int n = 0;

	for (i = 0; i < cfg->nnodes; i++) {
		struct job *j;

		if (cfg->nodes[i].role != NODE_GATEWAY)
			continue;
		j = xcalloc(1, sizeof *j);
		j->w = w;
		j->cfg = cfg;
		j->node = &cfg->nodes[i];
		j->generation = generation;
		jobs_start(jobs_list_main, j);
		n++;
	}
	return n;
}

static int
jobs_show_line(void *arg, const char *line, size_t len)
{
	struct worker_msg *m = arg;
	char *copy;

	if (m->nlines >= 100000)
		return 0;
	/* Shown on a terminal: nothing that could be an escape sequence. */
	copy = validate_sanitize_mem(line, len, true);
	m->lines = xreallocarray(m->lines, m->nlines + 1, sizeof *m->lines);
	m->lines[m->nlines++] = copy;
	return 0;
}

static void *
jobs_show_main(void *arg)
{
	struct job *j = arg;
	struct worker_msg *m = xcalloc(1, sizeof *m);
	struct ssh_conn ssh;

	m->kind = WMSG_MESSAGE;
	snprintf(m->node, sizeof m->node, "%s", j->node->name);
	ssh_init(&ssh, j->cfg, j->node);
	if (postfix_show(&ssh, j->id, j->body, jobs_show_line, m, m->text,
		sizeof m->text) == -1)
		m->failed = 1;
	ssh_close(&ssh);
	worker_post(j->w, m);
	worker_job_end(j->w);
	free(j);
	return NULL;
}

void
jobs_show(struct worker *w, const struct config *cfg, const char *node,
    const char *id, int body)
{
	struct job *j = xcalloc(1, sizeof *j);

	j->w = w;
	j->cfg = cfg;
	j->node = config_node_find(cfg, node);
	snprintf(j->id, sizeof j->id, "%s", id);
	j->body = body;
	if (j->node == NULL) {
		free(j);
		return;
	}
	jobs_start(jobs_show_main, j);
}
