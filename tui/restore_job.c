/* Restore view jobs: the probe, the restore's hooks (worker_command's: a
 * watch and a cancel flag), and the count of the new folder while doveadm
 * import fills it. */
#include "tui/restore_job.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backends/mailbox.h"
#include "backends/redis.h"
#include "cmd/cmd.h"
#include "core/exitcode.h"
#include "core/model.h"
#include "core/xalloc.h"

/* How often the new folder is counted while the import runs. */
#define RESTORE_JOB_POLL_MS 1000
/* How often a waiting counter looks at its stop flag. */
#define RESTORE_JOB_TICK_MS 50

struct restore_job {
	struct worker *w;
	const struct config *cfg;
	const struct config_node *node;
	char user[RESTORE_USER_MAX + 1];
	unsigned long generation;
	volatile int *cancel;
	/* The counter: its own thread and SSH connection. */
	pthread_t counter;
	bool counting;
	volatile int stop;                /* the import ended */
	struct worker_restore_step step;  /* set before the counter starts */
	struct mailbox_watch watch;       /* the import begins: the counter */
};

static void
restore_job_start(void *(*fn)(void *), struct restore_job *j)
{
	worker_job_spawn(j->w, fn, j);
}

static struct worker_msg *
restore_job_msg(const struct restore_job *j, enum worker_msg_kind kind)
{
	struct worker_msg *m = xcalloc(1, sizeof *m);

	m->kind = kind;
	m->generation = j->generation;
	snprintf(m->node, sizeof m->node, "%s", j->node->name);
	return m;
}

static void
restore_job_free(struct restore_job *j)
{
	worker_job_end(j->w);
	free(j);
}

static void *
restore_job_list_main(void *arg)
{
	struct restore_job *j = arg;
	struct worker_msg *m = restore_job_msg(j, WMSG_RESTORE_LIST);
	struct ssh_conn ssh;

	m->probe = xcalloc(1, sizeof *m->probe);
	ssh_init(&ssh, j->cfg, j->node);
	if (mailbox_probe(&ssh, j->user, m->probe, m->text,
		sizeof m->text) == -1)
		m->failed = 1;
	else if (!m->probe->known) {
		m->failed = 1;
		snprintf(m->text, sizeof m->text, "unknown user '%s' on %s",
		    j->user, j->node->name);
	}
	ssh_close(&ssh);
	if (m->failed) {
		mailbox_probe_free(m->probe);
		free(m->probe);
		m->probe = NULL;
	}
	worker_post(j->w, m);
	restore_job_free(j);
	return NULL;
}

/* A job of `user` on `node`, for the view's listing of `generation`. */
static struct restore_job *
restore_job_new(struct worker *w, const struct config *cfg,
    const struct config_node *node, const char *user,
    unsigned long generation)
{
	struct restore_job *j = xcalloc(1, sizeof *j);

	j->w = w;
	j->cfg = cfg;
	j->node = node;
	snprintf(j->user, sizeof j->user, "%s", user);
	j->generation = generation;
	return j;
}

void
restore_job_list(struct worker *w, const struct config *cfg,
    const struct config_node *node, const char *user,
    unsigned long generation)
{
	struct restore_job *j = restore_job_new(w, cfg, node, user,
	    generation);

	restore_job_start(restore_job_list_main, j);
}

/* Sleeps about ms, or less when the import ends. */
static void
restore_job_wait(const struct restore_job *j, int ms)
{
	struct timespec ts = { 0, RESTORE_JOB_TICK_MS * 1000000L };
	int waited;

	for (waited = 0; waited < ms && !j->stop; waited += RESTORE_JOB_TICK_MS)
		nanosleep(&ts, NULL);
}

/*
 * Counts the new folder on a second connection: the import's own channel
 * stays untouched, and a count that fails (before doveadm made the folder)
 * is only skipped, never the restore's failure.
 */
static void *
restore_job_count_main(void *arg)
{
	struct restore_job *j = arg;
	struct ssh_conn ssh;
	char cause[512];
	long n;

	ssh_init(&ssh, j->cfg, j->node);
	while (!j->stop) {
		n = mailbox_count(&ssh, j->user, j->step.folder, &j->stop, cause,
		    sizeof cause);
		if (n >= 0 && !j->stop) {
			struct worker_msg *m = restore_job_msg(j, WMSG_RESTORE_STEP);

			m->step = j->step;
			m->step.count = n;
			worker_post(j->w, m);
		}
		restore_job_wait(j, RESTORE_JOB_POLL_MS);
	}
	ssh_close(&ssh);
	return NULL;
}

/* The import begins (on the job's thread, inside cmd_exec). */
static void
restore_job_started(void *arg, const char *date, const char *folder,
    long backup_messages)
{
	struct restore_job *j = arg;
	struct worker_msg *m = restore_job_msg(j, WMSG_RESTORE_STEP);

	snprintf(j->step.date, sizeof j->step.date, "%s", date);
	snprintf(j->step.folder, sizeof j->step.folder, "%s", folder);
	j->step.total = backup_messages;
	j->step.count = 0;
	m->step = j->step;
	worker_post(j->w, m);
	if (!j->counting)
		j->counting = pthread_create(&j->counter, NULL,
		    restore_job_count_main, j) == 0;
}

/* Reads the result of restore --json into step. */
static void
restore_job_result(const char *out, struct worker_restore_step *step)
{
	json_t *o = json_loads(out, 0, NULL);
	json_t *v;

	if (o == NULL)
		return;
	if (json_is_string(v = json_object_get(o, "folder")))
		snprintf(step->folder, sizeof step->folder, "%s",
		    json_string_value(v));
	if (json_is_string(v = json_object_get(o, "date")))
		snprintf(step->date, sizeof step->date, "%s",
		    json_string_value(v));
	if (json_is_integer(v = json_object_get(o, "messages")))
		step->count = (long)json_integer_value(v);
	if (json_is_integer(v = json_object_get(o, "backup_messages")))
		step->total = (long)json_integer_value(v);
	if (json_is_integer(v = json_object_get(o, "elapsed_ms")))
		step->ms = (long long)json_integer_value(v);
	json_decref(o);
}

/* The restore ended (on the job's thread): the counter stops, the result. */
static struct worker_msg *
restore_job_done(void *arg, int code, const char *out,
    const struct cmd_ctx *ctx)
{
	struct restore_job *j = arg;
	struct worker_msg *m;

	j->stop = 1;
	if (j->counting)
		pthread_join(j->counter, NULL);
	m = restore_job_msg(j, WMSG_RESTORE_DONE);
	m->step = j->step;
	restore_job_result(out, &m->step);
	if (code != EXIT_OK) {
		m->failed = 1;
		snprintf(m->text, sizeof m->text, "%s", ctx->cause);
	}
	free(j);
	return m;
}

void
restore_job_hooks(struct worker *w, const struct config *cfg,
    const struct config_node *node, const char *user,
    unsigned long generation, volatile int *cancel,
    struct worker_cmd_hooks *hooks)
{
	struct restore_job *j = restore_job_new(w, cfg, node, user,
	    generation);

	j->cancel = cancel;
	j->step.total = -1;
	j->step.count = -1;
	j->watch.started = restore_job_started;
	j->watch.arg = j;
	memset(hooks, 0, sizeof *hooks);
	hooks->watch = &j->watch;
	hooks->cancel = cancel;
	hooks->json = true;
	hooks->done = restore_job_done;
	hooks->arg = j;
}
