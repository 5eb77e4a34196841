/* Console jobs: detached threads that talk to nodes and post results. */
#include "tui/jobs.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/audit_store.h"
#include "backends/queues.h"
#include "backends/redis.h"
#include "core/audit.h"
#include "core/clock.h"
#include "cmd/cmd.h"
#include "core/exitcode.h"
#include "core/model.h"
#include "core/xalloc.h"
#include "core/validate.h"

struct job {
	char *line;
	bool read_only;
	struct worker *w;
	const struct config *cfg;
	const struct config_node *node;
	unsigned long generation;
	enum postfix_action action;
	char **refs;
	size_t nrefs;
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
	rc = postfix_list(&ssh, qs, idx, &l, NULL, cause, sizeof cause);
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

/*
 * The started record of a queue action from the queues view: it runs here,
 * not through cmd_exec, so its records are written here, on this thread.
 * Returns 0, or -1 with `cause` set when it may not start (audit.required);
 * `lost` says why a record is lost ("" when none is).
 */
static int
jobs_audit_begin(const struct job *j, struct audit_record *rec, char *lost,
    size_t llen, char *cause, size_t len)
{
	struct redis r;
	size_t i, off;
	int rc;

	lost[0] = '\0';
	audit_record_init(rec, clock_wall_ms());
	snprintf(rec->via, sizeof rec->via, "console");
	off = (size_t)snprintf(rec->cmd, sizeof rec->cmd, "queue %s",
	    postfix_action_name(j->action));
	for (i = 0; i < j->nrefs && off < sizeof rec->cmd; i++)
		off += (size_t)snprintf(rec->cmd + off, sizeof rec->cmd - off,
		    " %s", j->refs[i]);
	audit_record_start(rec);
	redis_init(&r, j->cfg);
	rc = audit_store_submit(&r, rec, lost, llen);
	redis_close(&r);
	if (!audit_may_start(rc, j->cfg->audit.required)) {
		snprintf(cause, len, "queue %s: refused, nothing was done: its "
		    "audit record can be written nowhere (%s); see "
		    "audit.required", postfix_action_name(j->action), lost);
		return -1;
	}
	if (rc != AUDIT_LOST)
		lost[0] = '\0';
	return 0;
}

/* The completed record of that action; `lost` as for jobs_audit_begin. */
static void
jobs_audit_act(const struct job *j, const struct queues *q,
    const struct audit_record *started, char *lost, size_t llen)
{
	struct audit_record rec;
	struct redis r;
	size_t i, soff = 0;
	char cause[512];
	bool failed = false, partial = false;

	(void)j;
	audit_record_finish(&rec, started, clock_wall_ms());
	for (i = 0; i < q->n; i++) {
		const struct queues_node *qn = &q->nodes[i];
		size_t have = strlen(rec.nodes);

		if (qn->nids == 0)
			continue;
		snprintf(rec.nodes + have, sizeof rec.nodes - have, "%s%s",
		    have ? "," : "", qn->node->name);
		failed |= qn->failed != 0;
		partial |= qn->partial;
		if (soff < sizeof rec.said)
			soff += (size_t)snprintf(rec.said + soff, sizeof rec.said -
			    soff, "%s%s: %s", soff ? "; " : "", qn->node->name,
			    qn->failed ? qn->cause : qn->done.said[0] ?
			    qn->done.said : "none of them was still queued");
	}
	validate_sanitize(rec.said, sizeof rec.said, rec.said);
	rec.exit_code = failed ? EXIT_FAILED : EXIT_OK;
	snprintf(rec.result, sizeof rec.result, "%s", partial ?
	    AUDIT_RESULT_PARTIAL : audit_result(rec.exit_code, false, false));
	redis_init(&r, j->cfg);
	if (audit_store_submit(&r, &rec, cause, sizeof cause) == AUDIT_LOST &&
	    lost[0] == '\0')
		snprintf(lost, llen, "%s", cause);
	redis_close(&r);
}

static void *
jobs_act_main(void *arg)
{
	struct job *j = arg;
	struct worker_msg *m = xcalloc(1, sizeof *m);
	struct audit_record started;
	struct queues q;
	size_t i, k, off = 0;
	char cause[512], lost[512];

	m->kind = WMSG_ACTION_DONE;
	if (queues_open(&q, j->cfg, NULL, NULL, cause, sizeof cause) == -1) {
		m->failed = 1;
		snprintf(m->text, sizeof m->text, "%s", cause);
		goto out;
	}
	/* The record before the act: refused, nothing is done. */
	if (jobs_audit_begin(j, &started, lost, sizeof lost, cause,
		sizeof cause) == -1) {
		m->failed = 1;
		snprintf(m->text, sizeof m->text, "%s", cause);
		queues_close(&q);
		goto out;
	}
	for (i = 0; i < j->nrefs; i++) {
		char *colon = strchr(j->refs[i], ':');

		if (colon == NULL)
			continue;
		*colon = '\0';
		for (k = 0; k < q.n; k++) {
			struct queues_node *qn = &q.nodes[k];

			if (strcmp(qn->node->name, j->refs[i]) != 0)
				continue;
			qn->ids = xreallocarray(qn->ids, qn->nids + 1,
			    sizeof *qn->ids);
			qn->ids[qn->nids++] = colon + 1;
		}
	}
	queues_act(&q, j->action);
	jobs_audit_act(j, &q, &started, lost, sizeof lost);
	/* audit.required off: the status line says the loss first. */
	if (lost[0] != '\0') {
		m->failed = 1;
		off = (size_t)snprintf(m->text, sizeof m->text, "audit record "
		    "lost (%s)", lost);
	}
	for (k = 0; k < q.n && off < sizeof m->text; k++) {
		struct queues_node *qn = &q.nodes[k];

		if (qn->nids == 0)
			continue;
		if (qn->failed) {
			m->failed = 1;
			off += (size_t)snprintf(m->text + off, sizeof m->text - off,
			    "%s%s", off ? "; " : "", qn->cause);
		} else
			off += (size_t)snprintf(m->text + off, sizeof m->text - off,
			    "%s%s: %s", off ? "; " : "", qn->node->name,
			    qn->done.said[0] ? qn->done.said :
			    "none of them was still queued");
	}
	queues_close(&q);
out:
	worker_post(j->w, m);
	worker_job_end(j->w);
	for (i = 0; i < j->nrefs; i++)
		free(j->refs[i]);
	free(j->refs);
	free(j);
	return NULL;
}

void
jobs_act(struct worker *w, const struct config *cfg, enum postfix_action a,
    char **refs, size_t n)
{
	struct job *j = xcalloc(1, sizeof *j);
	size_t i;

	j->w = w;
	j->cfg = cfg;
	j->action = a;
	j->refs = xcalloc(n + 1, sizeof *j->refs);
	for (i = 0; i < n; i++)
		j->refs[i] = xstrdup(refs[i]);
	j->nrefs = n;
	jobs_start(jobs_act_main, j);
}

static void *
jobs_command_main(void *arg)
{
	struct job *j = arg;
	struct worker_msg *m = xcalloc(1, sizeof *m);
	struct cmd_ctx ctx = { 0 };
	struct cmd c;
	char *out = NULL, *last;
	size_t outlen = 0;
	int code;

	m->kind = WMSG_ACTION_DONE;
	ctx.cfg = j->cfg;
	ctx.read_only = j->read_only;
	ctx.yes = true; /* the console asked already */
	ctx.audit = true;
	ctx.via = "console";
	ctx.line = j->line;
	ctx.out = open_memstream(&out, &outlen);
	if (cmd_parse_string(j->line, &c, ctx.cause, sizeof ctx.cause) == -1)
		code = EXIT_USAGE;
	else {
		code = cmd_exec(&c, &ctx);
		cmd_free(&c);
	}
	fclose(ctx.out);
	if (code != EXIT_OK) {
		m->failed = 1;
		snprintf(m->text, sizeof m->text, "%s", ctx.cause);
	} else if (out != NULL) {
		/* The last line says how it ended. */
		while (outlen > 0 && out[outlen - 1] == '\n')
			out[--outlen] = '\0';
		last = strrchr(out, '\n');
		snprintf(m->text, sizeof m->text, "%s", last ? last + 1 : out);
	}
	free(out);
	snapshot_free(ctx.snap);
	if (ctx.redis != NULL) {
		redis_close(ctx.redis);
		free(ctx.redis);
	}
	worker_post(j->w, m);
	worker_job_end(j->w);
	free(j->line);
	free(j);
	return NULL;
}

void
jobs_command(struct worker *w, const struct config *cfg, const char *line,
    bool read_only)
{
	struct job *j = xcalloc(1, sizeof *j);

	j->w = w;
	j->cfg = cfg;
	j->line = xstrdup(line);
	j->read_only = read_only;
	jobs_start(jobs_command_main, j);
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
