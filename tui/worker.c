/* The Redis worker thread: fetch a snapshot every interval, and what the
 * view on screen reads from the policy store, and hand them over. */
#include "tui/worker.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backends/queued_store.h"
#include "backends/bulk_store.h"
#include "backends/snapshot.h"
#include "core/clock.h"
#include "core/exitcode.h"
#include "core/xalloc.h"

/* How many audit records the audit view shows. */
#define WORKER_AUDIT_ROWS 500

/* Nodes seen in the nodes set but not in the configuration. */
struct worker_extra {
	char **names;
	size_t n;
};

void
worker_post(struct worker *w, struct worker_msg *m)
{
	char byte = 'x';

	pthread_mutex_lock(&w->lock);
	if (w->closed) {
		pthread_mutex_unlock(&w->lock);
		worker_msg_free(m);
		return;
	}
	if (w->tail != NULL)
		w->tail->next = m;
	else
		w->head = m;
	w->tail = m;
	pthread_mutex_unlock(&w->lock);
	/* A full pipe already wakes the UI; losing this byte is fine. */
	if (write(w->wake[1], &byte, 1) == -1 && errno != EAGAIN)
		return;
}

/*
 * Returns 1 when the snapshot named nodes the query did not ask for, or
 * found nodes asked for gone from the nodes set: the query changes.
 */
static int
worker_learn(struct worker_extra *x, const struct snapshot *s)
{
	size_t i, j, keep;

	for (j = 0; j < s->ndropped; j++) {
		for (i = keep = 0; i < x->n; i++) {
			if (strcmp(x->names[i], s->dropped[j]) == 0)
				free(x->names[i]);
			else
				x->names[keep++] = x->names[i];
		}
		x->n = keep;
	}
	for (i = 0; i < s->nunknown; i++) {
		x->names = xreallocarray(x->names, x->n + 1, sizeof *x->names);
		x->names[x->n++] = xstrdup(s->unknown[i]);
	}
	return s->nunknown > 0 || s->ndropped > 0;
}

static struct worker_msg *
worker_msg_new(enum worker_msg_kind kind)
{
	struct worker_msg *m = xcalloc(1, sizeof *m);

	m->kind = kind;
	return m;
}

/* Reads what the mail log followers counted that the view shows, and the
 * harvest suspects (the header's alert) every time. */
static void
worker_maillog(struct worker *w, struct redis *r, unsigned what,
    long long now)
{
	struct worker_msg *m;

	if (what & FETCH_PROVIDERS) {
		m = worker_msg_new(WMSG_PROVIDERS);
		m->providers = xcalloc(1, sizeof *m->providers);
		if (maillog_store_providers(r, now, MAILLOG_STORE_MINUTES,
		    m->providers, m->text, sizeof m->text) == -1) {
			m->failed = 1;
			free(m->providers);
			m->providers = NULL;
		} else
			queued_store_providers(r, m->providers);
		worker_post(w, m);
	}
	if (what & FETCH_ML_AGENCIES) {
		m = worker_msg_new(WMSG_ML_AGENCIES);
		m->ml_agencies = xcalloc(1, sizeof *m->ml_agencies);
		if (maillog_store_agencies(r, now, m->ml_agencies, m->text,
		    sizeof m->text) == -1) {
			m->failed = 1;
			free(m->ml_agencies);
			m->ml_agencies = NULL;
		}
		worker_post(w, m);
	}
	m = worker_msg_new(WMSG_SUSPECTS);
	if (maillog_store_suspects(r, &m->suspects, &m->nsuspects, m->text,
	    sizeof m->text) == -1)
		m->failed = 1;
	worker_post(w, m);
}

/* Reads the blocks, agencies or permits a view shows, on the worker's own
 * connection, and posts each result (or why it failed). */
static void
worker_policy(struct worker *w, struct redis *r, unsigned what,
    const char *agency)
{
	long long now_ms = clock_wall_ms();
	struct worker_msg *m;

	if (what & FETCH_BLOCKS) {
		m = worker_msg_new(WMSG_BLOCKS);
		m->blocks = xcalloc(1, sizeof *m->blocks);
		if (store_blocks_list(r, now_ms / 1000, m->blocks, m->text,
			sizeof m->text) == -1) {
			m->failed = 1;
			block_list_free(m->blocks);
			free(m->blocks);
			m->blocks = NULL;
		}
		worker_post(w, m);
	}
	if (what & FETCH_AGENCIES) {
		m = worker_msg_new(WMSG_AGENCIES);
		m->agencies = xcalloc(1, sizeof *m->agencies);
		if (store_agencies_list(r, now_ms, true, m->agencies, m->text,
			sizeof m->text) == -1) {
			m->failed = 1;
			agency_list_free(m->agencies);
			free(m->agencies);
			m->agencies = NULL;
		} else {
			/* The announced bulk jobs: without them, none shown. */
			struct bulk_list bl;
			char why[256];

			if (bulk_store_list(r, now_ms / 1000, &bl, why,
			    sizeof why) == 0) {
				bulk_attach(m->agencies, &bl, now_ms / 1000);
				bulk_list_free(&bl);
			}
		}
		worker_post(w, m);
	}
	if ((what & FETCH_PERMITS) && agency[0] != '\0') {
		m = worker_msg_new(WMSG_PERMITS);
		snprintf(m->agency, sizeof m->agency, "%s", agency);
		m->permits = xcalloc(1, sizeof *m->permits);
		if (store_permits_list(r, agency, m->permits, m->text,
			sizeof m->text) == -1) {
			m->failed = 1;
			permit_list_free(m->permits);
			free(m->permits);
			m->permits = NULL;
		}
		worker_post(w, m);
	}
	if (what & FETCH_ALERTS) {
		m = worker_msg_new(WMSG_ALERTS);
		m->alerts = xcalloc(1, sizeof *m->alerts);
		if (alert_store_list(r, false, now_ms / 1000, m->alerts, m->text,
			sizeof m->text) == -1) {
			m->failed = 1;
			free(m->alerts);
			m->alerts = NULL;
		}
		worker_post(w, m);
	}
	if (what & FETCH_AUDIT) {
		struct audit_query q = { 0, NULL, WORKER_AUDIT_ROWS };
		char user[STORE_ID_MAX];

		/* The Audit view's query: "SINCE_MS USER" ("-": everyone). */
		if (sscanf(agency, "%lld %64s", &q.since_ms, user) == 2 &&
		    q.since_ms >= 0 && strcmp(user, "-") != 0)
			q.user = user;

		m = worker_msg_new(WMSG_AUDIT);
		m->audit = xcalloc(1, sizeof *m->audit);
		if (audit_store_list(r, &q, m->audit, m->text,
			sizeof m->text) == -1) {
			m->failed = 1;
			free(m->audit);
			m->audit = NULL;
		}
		worker_post(w, m);
	}
	if (what & FETCH_REPUTATION) {
		m = worker_msg_new(WMSG_REPUTATION);
		m->reputation = xcalloc(1, sizeof *m->reputation);
		if (reputation_read(r, w->cfg, m->reputation, m->text,
			sizeof m->text) == -1) {
			m->failed = 1;
			free(m->reputation);
			m->reputation = NULL;
		}
		worker_post(w, m);
	}
	if (what & FETCH_FILTER) {
		m = worker_msg_new(WMSG_FILTER);
		if (filter_store_read(r, w->cfg, now_ms / 1000, &m->filters,
		    &m->nfilters, m->text, sizeof m->text) == -1) {
			m->failed = 1;
			free(m->filters);
			m->filters = NULL;
			m->nfilters = 0;
		}
		worker_post(w, m);
	}
	worker_maillog(w, r, what, now_ms / 1000);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct worker_extra extra = { NULL, 0 };
	struct snapshot_query q;
	unsigned long probed = 0;
	struct audit_replay rep;
	char why[256];
	struct redis r;
	size_t i;

	redis_init(&r, w->cfg);
	snapshot_query_build(&q, w->cfg, NULL, 0);
	for (;;) {
		struct worker_msg *m = xcalloc(1, sizeof *m);
		long long start = clock_mono_ms();
		char agency[STORE_ID_MAX];
		struct timespec until;
		long long deadline;
		unsigned what;
		bool up;

		m->snap = snapshot_fetch(&r, &q);
		m->fetch_us = (clock_mono_ms() - start) * 1000;
		if (m->snap == NULL) {
			m->err = r.err;
			snprintf(m->errstr, sizeof m->errstr, "%s", r.errstr);
		} else if (worker_learn(&extra, m->snap)) {
			snapshot_query_free(&q);
			snapshot_query_build(&q, w->cfg, extra.names, extra.n);
		}
		up = m->snap != NULL;
		/* The ACL decides the console's role: asked once a connection. */
		if (up && r.connects != probed) {
			m->role = redis_probe_role(&r);
			probed = r.connects;
			/* Redis is (back) up: what the audit spool kept goes in. */
			audit_store_replay(&r, &rep, why, sizeof why);
		}
		worker_post(w, m);
		pthread_mutex_lock(&w->lock);
		what = w->fetch;
		snprintf(agency, sizeof agency, "%s", w->agency);
		pthread_mutex_unlock(&w->lock);
		/* A Redis that just failed would only fail again, slowly. */
		if (up)
			worker_policy(w, &r, what, agency);

		deadline = clock_wall_ms() + w->cfg->ui.refresh_ms;
		until.tv_sec = deadline / 1000;
		until.tv_nsec = (deadline % 1000) * 1000000;
		pthread_mutex_lock(&w->lock);
		while (!w->stop && !w->refresh) {
			if (pthread_cond_timedwait(&w->cond, &w->lock,
				&until) == ETIMEDOUT)
				break;
		}
		w->refresh = false;
		if (w->stop) {
			pthread_mutex_unlock(&w->lock);
			break;
		}
		pthread_mutex_unlock(&w->lock);
	}
	redis_close(&r);
	snapshot_query_free(&q);
	for (i = 0; i < extra.n; i++)
		free(extra.names[i]);
	free(extra.names);
	return NULL;
}

int
worker_start(struct worker *w, const struct config *cfg, char *cause,
    size_t len)
{
	int i;

	memset(w, 0, sizeof *w);
	w->cfg = cfg;
	if (pipe(w->wake) == -1) {
		snprintf(cause, len, "cannot create a pipe: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < 2; i++) {
		fcntl(w->wake[i], F_SETFL, fcntl(w->wake[i], F_GETFL) | O_NONBLOCK);
		fcntl(w->wake[i], F_SETFD, FD_CLOEXEC);
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	if ((errno = pthread_create(&w->thread, NULL, worker_main, w)) != 0) {
		snprintf(cause, len, "cannot start the redis worker: %s",
		    strerror(errno));
		close(w->wake[0]);
		close(w->wake[1]);
		return -1;
	}
	w->started = true;
	return 0;
}

int
worker_fd(const struct worker *w)
{
	return w->wake[0];
}

struct worker_msg *
worker_pop(struct worker *w)
{
	struct worker_msg *m;
	char buf[64];

	pthread_mutex_lock(&w->lock);
	if ((m = w->head) != NULL) {
		w->head = m->next;
		if (w->head == NULL)
			w->tail = NULL;
		m->next = NULL;
	}
	pthread_mutex_unlock(&w->lock);
	if (m == NULL) {
		while (read(w->wake[0], buf, sizeof buf) > 0)
			continue;
	}
	return m;
}

void
worker_refresh(struct worker *w)
{
	pthread_mutex_lock(&w->lock);
	w->refresh = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

void
worker_fetch(struct worker *w, unsigned what, const char *agency)
{
	if (agency == NULL)
		agency = "";
	pthread_mutex_lock(&w->lock);
	if (w->fetch != what || strcmp(w->agency, agency) != 0) {
		w->fetch = what;
		snprintf(w->agency, sizeof w->agency, "%s", agency);
		/* Only something new to show is worth an early round trip. */
		if (what != 0) {
			w->refresh = true;
			pthread_cond_signal(&w->cond);
		}
	}
	pthread_mutex_unlock(&w->lock);
}

void
worker_job_begin(struct worker *w)
{
	pthread_mutex_lock(&w->lock);
	w->jobs++;
	pthread_mutex_unlock(&w->lock);
}

void
worker_job_end(struct worker *w)
{
	pthread_mutex_lock(&w->lock);
	w->jobs--;
	pthread_mutex_unlock(&w->lock);
}

int
worker_jobs(struct worker *w)
{
	int jobs;

	pthread_mutex_lock(&w->lock);
	jobs = w->jobs;
	pthread_mutex_unlock(&w->lock);
	return jobs;
}

void
worker_stop(struct worker *w)
{
	struct timespec tick = { 0, 20 * 1000000L };
	struct worker_msg *m;

	if (!w->started)
		return;
	w->closing = 1;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	while ((m = worker_pop(w)) != NULL)
		worker_msg_free(m);
	/* Every job reads the configuration: none may outlive it. */
	while (worker_jobs(w) > 0) {
		while ((m = worker_pop(w)) != NULL)
			worker_msg_free(m);
		nanosleep(&tick, NULL);
	}
	while ((m = worker_pop(w)) != NULL)
		worker_msg_free(m);
	pthread_mutex_lock(&w->lock);
	w->closed = true;
	pthread_mutex_unlock(&w->lock);
	w->started = false;
	close(w->wake[0]);
	close(w->wake[1]);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
}

void
worker_msg_free(struct worker_msg *m)
{
	size_t i;

	if (m == NULL)
		return;
	snapshot_free(m->snap);
	queue_set_free(m->qs);
	if (m->blocks != NULL) {
		block_list_free(m->blocks);
		free(m->blocks);
	}
	if (m->agencies != NULL) {
		agency_list_free(m->agencies);
		free(m->agencies);
	}
	if (m->permits != NULL) {
		permit_list_free(m->permits);
		free(m->permits);
	}
	if (m->audit != NULL) {
		audit_list_free(m->audit);
		free(m->audit);
	}
	if (m->alerts != NULL) {
		alert_list_free(m->alerts);
		free(m->alerts);
	}
	if (m->providers != NULL) {
		ml_providers_free(m->providers);
		free(m->providers);
	}
	if (m->ml_agencies != NULL) {
		ml_agencies_free(m->ml_agencies);
		free(m->ml_agencies);
	}
	free(m->suspects);
	free(m->filters);
	if (m->reputation != NULL) {
		reputation_free(m->reputation);
		free(m->reputation);
	}
	if (m->spf != NULL)
		json_decref(m->spf);
	if (m->probe != NULL) {
		mailbox_probe_free(m->probe);
		free(m->probe);
	}
	for (i = 0; i < m->nlines; i++)
		free(m->lines[i]);
	free(m->lines);
	free(m);
}

void
worker_job_spawn(struct worker *w, void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	pthread_t t;

	worker_job_begin(w);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, fn, arg) != 0)
		fn(arg);
	pthread_attr_destroy(&attr);
}

/* A command the console runs: the job owns its copy. */
struct worker_cmd_job {
	struct worker *w;
	const struct config *cfg;
	struct cmd cmd;
	bool read_only;
	struct worker_cmd_hooks hooks;
};

/* The default result: the last line of output, or the error. */
static struct worker_msg *
worker_command_done(int code, char *out, size_t outlen,
    const struct cmd_ctx *ctx)
{
	struct worker_msg *m = worker_msg_new(WMSG_ACTION_DONE);
	char *last;

	if (code != EXIT_OK) {
		m->failed = 1;
		snprintf(m->text, sizeof m->text, "%s", ctx->cause);
	} else if (out != NULL) {
		while (outlen > 0 && out[outlen - 1] == '\n')
			out[--outlen] = '\0';
		last = strrchr(out, '\n');
		snprintf(m->text, sizeof m->text, "%s", last ? last + 1 : out);
	}
	return m;
}

static void *
worker_command_main(void *arg)
{
	struct worker_cmd_job *j = arg;
	struct worker_msg *m;
	struct cmd_ctx ctx = { 0 };
	char *out = NULL;
	size_t outlen = 0;
	int code;

	ctx.cfg = j->cfg;
	ctx.read_only = j->read_only;
	ctx.audit = true;
	ctx.via = "console";
	ctx.json = j->hooks.json;
	ctx.watch = j->hooks.watch;
	ctx.cancel = j->hooks.cancel;
	ctx.trace_watch = j->hooks.trace_watch;
	ctx.out = open_memstream(&out, &outlen);
	code = cmd_exec(&j->cmd, &ctx);
	fclose(ctx.out);
	if (j->hooks.done != NULL)
		m = j->hooks.done(j->hooks.arg, code, out != NULL ? out : "", &ctx);
	else
		m = worker_command_done(code, out, outlen, &ctx);
	free(out);
	snapshot_free(ctx.snap);
	if (ctx.redis != NULL) {
		redis_close(ctx.redis);
		free(ctx.redis);
	}
	worker_post(j->w, m);
	worker_job_end(j->w);
	cmd_free(&j->cmd);
	free(j);
	return NULL;
}

void
worker_command(struct worker *w, const struct config *cfg,
    const struct cmd *c, bool read_only,
    const struct worker_cmd_hooks *hooks)
{
	struct worker_cmd_job *j = xcalloc(1, sizeof *j);

	j->w = w;
	j->cfg = cfg;
	cmd_copy(&j->cmd, c);
	j->cmd.yes = true;
	j->read_only = read_only;
	if (hooks != NULL)
		j->hooks = *hooks;
	worker_job_spawn(w, worker_command_main, j);
}
