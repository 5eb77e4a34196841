/* The log export's collection: one SSH session and thread per gateway. */
#include "backends/logexport.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/ssh.h"
#include "core/exitcode.h"
#include "core/shell.h"
#include "core/xalloc.h"

struct logexport_job {
	struct logexport_run *r;
	struct logexport_node *ln;
	struct maillog_parser parser;
};

static int
logexport_line(void *arg, const char *line, size_t len)
{
	struct logexport_job *j = arg;
	struct logexport_node *ln = j->ln;
	struct logexport_line *l;
	long long t;
	int keep;

	ln->received++;
	keep = logexport_keep(&j->parser, j->r->q, line, len, &t);
	if (keep == -1) {
		ln->untimed++;
		return 0;
	}
	if (keep == 0) {
		ln->outside++;
		return 0;
	}
	if (ln->n == ln->cap) {
		ln->cap = ln->cap ? ln->cap * 2 : 256;
		ln->v = xreallocarray(ln->v, ln->cap, sizeof *ln->v);
	}
	l = &ln->v[ln->n];
	l->time = t;
	l->node = (unsigned)(ln - j->r->nodes);
	l->seq = ln->n;
	l->len = len;
	l->text = xmalloc(len + 1);
	memcpy(l->text, line, len);
	l->text[len] = '\0';
	ln->n++;
	return 0;
}

static void
logexport_fail(struct logexport_node *ln, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
logexport_fail(struct logexport_node *ln, int code, const char *fmt, ...)
{
	va_list ap;

	ln->failed = true;
	ln->exit_code = code;
	va_start(ap, fmt);
	vsnprintf(ln->cause, sizeof ln->cause, fmt, ap);
	va_end(ap);
}

static void *
logexport_thread(void *arg)
{
	struct logexport_job *j = arg;
	struct logexport_node *ln = j->ln;
	const struct config_node *n = ln->node;
	struct config longer = *j->r->cfg;
	struct ssh_result res;
	struct ssh_conn ssh;
	char cmd[SHELL_CMD_MAX], cause[512], said[400];
	int rc;

	if (logexport_command(n->maillog.file, n->postfix_config, j->r->q,
	    cmd, sizeof cmd, cause, sizeof cause) == -1) {
		logexport_fail(ln, EXIT_USAGE, "%s: %s", n->name, cause);
		return NULL;
	}
	if (longer.ssh.command_timeout_ms < LOGEXPORT_TIMEOUT_MS)
		longer.ssh.command_timeout_ms = LOGEXPORT_TIMEOUT_MS;
	maillog_parser_init(&j->parser, j->r->now);
	ssh_init(&ssh, &longer, n);
	rc = ssh_exec(&ssh, cmd, NULL, 0, logexport_line, j, &res,
	    j->r->cancel);
	ssh_result_said(&res, said, sizeof said);
	if (rc == -1)
		logexport_fail(ln, ssh_exit_code(&ssh), "%s", ssh.errstr);
	else if (res.status != 0 || res.signal[0] != '\0')
		logexport_fail(ln, EXIT_FAILED, "%s: reading the mail log "
		    "failed (exit %d%s%s): %s", n->name, res.status,
		    res.signal[0] ? ", signal " : "", res.signal,
		    said[0] ? said : "nothing said");
	else if (strstr(said, LOGEXPORT_MARK) != NULL)
		logexport_fail(ln, EXIT_FAILED, "%s: some of its mail log "
		    "files could not be read: %s", n->name, said);
	ssh_result_free(&res);
	ssh_close(&ssh);
	return NULL;
}

size_t
logexport_collect(struct logexport_run *r, const struct config *cfg,
    const struct logexport_query *q, long long now, volatile int *cancel)
{
	struct logexport_job *jobs;
	pthread_t *t;
	bool *started;
	size_t i, k = 0, failed = 0;

	memset(r, 0, sizeof *r);
	r->cfg = cfg;
	r->q = q;
	r->now = now;
	r->cancel = cancel;
	for (i = 0; i < cfg->nnodes; i++)
		r->n += cfg->nodes[i].role == NODE_GATEWAY;
	r->nodes = xcalloc(r->n ? r->n : 1, sizeof *r->nodes);
	for (i = 0; i < cfg->nnodes; i++) {
		if (cfg->nodes[i].role == NODE_GATEWAY)
			r->nodes[k++].node = &cfg->nodes[i];
	}
	jobs = xcalloc(r->n ? r->n : 1, sizeof *jobs);
	t = xcalloc(r->n ? r->n : 1, sizeof *t);
	started = xcalloc(r->n ? r->n : 1, sizeof *started);
	for (i = 0; i < r->n; i++) {
		jobs[i].r = r;
		jobs[i].ln = &r->nodes[i];
		started[i] = pthread_create(&t[i], NULL, logexport_thread,
		    &jobs[i]) == 0;
		if (!started[i])
			logexport_thread(&jobs[i]);
	}
	for (i = 0; i < r->n; i++) {
		if (started[i])
			pthread_join(t[i], NULL);
		failed += r->nodes[i].failed;
	}
	free(jobs);
	free(t);
	free(started);
	return failed;
}

size_t
logexport_merge(struct logexport_run *r, struct logexport_line **out)
{
	size_t i, total = 0, k = 0;

	for (i = 0; i < r->n; i++)
		total += r->nodes[i].n;
	*out = xcalloc(total ? total : 1, sizeof **out);
	for (i = 0; i < r->n; i++) {
		if (r->nodes[i].n > 0)
			memcpy(*out + k, r->nodes[i].v,
			    r->nodes[i].n * sizeof **out);
		k += r->nodes[i].n;
	}
	logexport_sort(*out, total);
	return total;
}

void
logexport_run_free(struct logexport_run *r)
{
	size_t i, j;

	for (i = 0; i < r->n; i++) {
		for (j = 0; j < r->nodes[i].n; j++)
			free(r->nodes[i].v[j].text);
		free(r->nodes[i].v);
	}
	free(r->nodes);
	r->nodes = NULL;
	r->n = 0;
}
