/* mailnoc trace's fan-out: a thread and an SSH session per gateway. */
#include "backends/trace_remote.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/ssh.h"
#include "core/exitcode.h"
#include "core/shell.h"
#include "core/xalloc.h"

/* Appends one word, quoted, and a space before it. */
static int
trace_word(char *out, size_t len, size_t *used, const char *w, char *cause,
    size_t causelen)
{
	char q[SHELL_CMD_MAX];
	int n;

	if (shell_quote(w, q, sizeof q, cause, causelen) == -1)
		return -1;
	n = snprintf(out + *used, len - *used, "%s%s", *used ? " " : "", q);
	if (n < 0 || (size_t)n >= len - *used) {
		snprintf(cause, causelen, "the trace command is too long");
		return -1;
	}
	*used += (size_t)n;
	return 0;
}

int
trace_remote_command(const struct config *cfg,
    const struct config_node *node, const struct trace_query *q,
    bool from_logs, char *out, size_t len, char *cause, size_t causelen)
{
	const char *argv[48];
	char buf[1024];
	size_t used = 0;
	int n, i, k = 0;

	out[0] = '\0';
	argv[k++] = cfg->maillog.mailnocd;
	argv[k++] = "trace";
	argv[k++] = "--node";
	argv[k++] = node->name;
	argv[k++] = "--index";
	argv[k++] = node->maillog.index;
	if (node->maillog.file != NULL) {
		argv[k++] = "--log";
		argv[k++] = node->maillog.file;
	} else if (node->postfix_config != NULL) {
		argv[k++] = "--postfix-config";
		argv[k++] = node->postfix_config;
	}
	if (from_logs)
		argv[k++] = "--from-logs";
	if ((n = trace_query_argv(q, argv + k, (int)(sizeof argv /
	    sizeof argv[0]) - k, buf, sizeof buf)) == -1) {
		snprintf(cause, causelen, "the trace command is too long");
		return -1;
	}
	k += n;
	for (i = 0; i < k; i++) {
		if (trace_word(out, len, &used, argv[i], cause, causelen) ==
		    -1) {
			out[0] = '\0';
			return -1;
		}
	}
	return (int)used;
}

struct trace_job {
	const struct config *cfg;
	struct trace_node *tn;
	const struct trace_query *q;
	bool from_logs;
	volatile int *cancel;
	const struct trace_watch *watch;
};

static void
trace_keep(char ***v, size_t *n, size_t *cap, const char *line, size_t len)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*v = xreallocarray(*v, *cap, sizeof **v);
	}
	(*v)[*n] = xmalloc(len + 1);
	memcpy((*v)[*n], line, len);
	(*v)[*n][len] = '\0';
	(*n)++;
}

static int
trace_on_line(void *arg, const char *line, size_t len)
{
	struct trace_node *tn = arg;
	size_t notcap = tn->nnotices;
	const char *q;

	if (len == 0 || line[0] != '{' || memchr(line, '\0', len) != NULL)
		return 0;
	/* mailnocd trace writes a notice as {"node":"NAME","notice":...; a
	 * "notice": inside a message's text (an SMTP reply) is not one. */
	if (len > 9 && strncmp(line, "{\"node\":\"", 9) == 0 &&
	    (q = memchr(line + 9, '"', len - 9)) != NULL &&
	    (size_t)(line + len - q) > 11 && strncmp(q, "\",\"notice\":", 11)
	    == 0) {
		/* Grows one at a time: there are one or two. */
		trace_keep(&tn->notices, &tn->nnotices, &notcap, line, len);
		return 0;
	}
	trace_keep(&tn->lines, &tn->n, &tn->cap, line, len);
	return 0;
}

static void *
trace_thread(void *arg)
{
	struct trace_job *j = arg;
	struct trace_node *tn = j->tn;
	char cmd[SHELL_CMD_MAX], said[512], cause[512];
	struct ssh_result res;
	struct ssh_conn c;

	if (trace_remote_command(j->cfg, tn->node, j->q, j->from_logs, cmd,
	    sizeof cmd, cause, sizeof cause) == -1) {
		tn->failed = true;
		tn->exit_code = EXIT_USAGE;
		snprintf(tn->cause, sizeof tn->cause, "%s: %s", tn->node->name,
		    cause);
		if (j->watch != NULL)
			j->watch->answered(j->watch->arg, tn);
		return NULL;
	}
	ssh_init(&c, j->cfg, tn->node);
	memset(&res, 0, sizeof res);
	if (ssh_exec(&c, cmd, NULL, 0, trace_on_line, tn, &res,
	    j->cancel) == -1) {
		tn->failed = true;
		tn->exit_code = ssh_exit_code(&c);
		snprintf(tn->cause, sizeof tn->cause, "%s", c.errstr);
	} else if (res.status != 0) {
		tn->failed = true;
		tn->exit_code = EXIT_FAILED;
		ssh_result_said(&res, said, sizeof said);
		/* mailnocd trace names the node and the file itself. */
		if (strncmp(said, "mailnocd trace: ", 16) == 0)
			snprintf(tn->cause, sizeof tn->cause, "%s", said + 16);
		else
			snprintf(tn->cause, sizeof tn->cause, "%s: mailnocd "
			    "trace failed (exit %d)%s%s", tn->node->name,
			    res.status, said[0] ? ": " : "", said);
	}
	tn->elapsed_ms = res.elapsed_ms;
	ssh_result_free(&res);
	ssh_close(&c);
	if (j->watch != NULL)
		j->watch->answered(j->watch->arg, tn);
	return NULL;
}

long
trace_remote_run(const struct config *cfg, const char *only,
    const struct trace_query *q, bool from_logs, volatile int *cancel,
    const struct trace_watch *watch, struct trace_run *run, char *cause,
    size_t causelen)
{
	struct trace_job *jobs;
	pthread_t *t;
	bool *started;
	size_t i;
	long failed = 0;

	memset(run, 0, sizeof *run);
	run->nodes = xcalloc(cfg->nnodes + 1, sizeof *run->nodes);
	for (i = 0; i < cfg->nnodes; i++) {
		const struct config_node *n = &cfg->nodes[i];

		if (n->role != NODE_GATEWAY || (only != NULL &&
		    strcmp(only, n->name) != 0))
			continue;
		run->nodes[run->n++].node = n;
	}
	if (run->n == 0) {
		snprintf(cause, causelen, only != NULL ? "'%s' is not a "
		    "gateway of the configuration" : "no gateway in the "
		    "configuration%s", only != NULL ? only : "");
		trace_remote_free(run);
		return -1;
	}
	jobs = xcalloc(run->n, sizeof *jobs);
	t = xcalloc(run->n, sizeof *t);
	started = xcalloc(run->n, sizeof *started);
	for (i = 0; i < run->n; i++) {
		jobs[i] = (struct trace_job){ cfg, &run->nodes[i], q,
			from_logs, cancel, watch };
		started[i] = pthread_create(&t[i], NULL, trace_thread,
		    &jobs[i]) == 0;
		if (!started[i])
			trace_thread(&jobs[i]);
	}
	for (i = 0; i < run->n; i++) {
		if (started[i])
			pthread_join(t[i], NULL);
		failed += run->nodes[i].failed;
	}
	free(jobs);
	free(t);
	free(started);
	return failed;
}

void
trace_remote_free(struct trace_run *run)
{
	size_t i, k;

	for (i = 0; i < run->n; i++) {
		for (k = 0; k < run->nodes[i].n; k++)
			free(run->nodes[i].lines[k]);
		for (k = 0; k < run->nodes[i].nnotices; k++)
			free(run->nodes[i].notices[k]);
		free(run->nodes[i].lines);
		free(run->nodes[i].notices);
	}
	free(run->nodes);
	memset(run, 0, sizeof *run);
}
