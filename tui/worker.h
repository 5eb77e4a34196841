/* The Redis worker: a thread that owns the connection and sends snapshots
 * to the UI through a queue and a wake-up pipe. */
#ifndef MAILNOC_WORKER_H
#define MAILNOC_WORKER_H

#include <pthread.h>
#include <stdbool.h>

#include "backends/alert_store.h"
#include "backends/audit_store.h"
#include "backends/mailbox.h"
#include "backends/maillog_store.h"
#include "backends/policy_store.h"
#include "backends/redis.h"
#include "backends/filter_store.h"
#include "backends/reputation_store.h"
#include "cmd/cmd.h"
#include "core/config.h"
#include "core/model.h"
#include "core/queue.h"

enum worker_msg_kind {
	WMSG_SNAPSHOT,    /* from the Redis worker */
	WMSG_QUEUE_BATCH, /* rows of a queue listing: qs */
	WMSG_QUEUE_DONE,  /* a node's listing ended: failed, text */
	WMSG_ACTION_DONE, /* a queue action ended: failed, text */
	WMSG_MESSAGE,     /* a message shown: lines */
	WMSG_BLOCKS,      /* the blocklist: blocks, or failed and text */
	WMSG_AGENCIES,    /* agencies with volumes: agencies, or failed */
	WMSG_PERMITS,     /* an agency's permits: agency, permits, or failed */
	WMSG_RESTORE_LIST, /* a user's backups: probe, or failed and text */
	WMSG_RESTORE_STEP, /* a restore began, or counted its folder: step */
	WMSG_RESTORE_DONE, /* a restore ended: step, or failed and text */
	WMSG_AUDIT,       /* the audit trail: audit, or failed and text */
	WMSG_ALERTS,      /* the active alerts: alerts, or failed and text */
	WMSG_PROVIDERS,   /* the providers' last hour: providers, or failed */
	WMSG_ML_AGENCIES, /* the agencies' mail log day: ml_agencies */
	WMSG_SUSPECTS,    /* harvest suspects (every refresh): suspects */
	WMSG_REPUTATION,  /* the gateways' block-list standing: reputation */
	WMSG_SPF,         /* the agencies' SPF (a job's spf --json): spf */
	WMSG_FILTER,      /* the gateways' filters: filters, nfilters */
	WMSG_TRACE_NODE,  /* a trace's gateway answered: node, lines (its
	                     JSON lines), or failed and text */
	WMSG_TRACE_DONE,  /* a trace ended: failed and text when it did not
	                     answer whole */
	WMSG_TRACE_LOG,   /* a message's raw log lines (trace --log): lines,
	                     or failed and text */
};

/* How far a restore is (tui/restore_job.h). */
struct worker_restore_step {
	char date[RESTORE_DATE_LEN];     /* the backup */
	char folder[RESTORE_FOLDER_MAX]; /* "" before the import began */
	long total;                      /* the backup's messages; -1 unknown */
	long count;                      /* in the folder now; -1 unknown */
	long long ms;                    /* WMSG_RESTORE_DONE: how long */
};

/* What the Redis worker reads besides the snapshot: what a view shows. */
enum worker_fetch {
	FETCH_BLOCKS = 0x01,
	FETCH_AGENCIES = 0x02,
	FETCH_PERMITS = 0x04, /* of one agency */
	FETCH_AUDIT = 0x08,   /* the newest audit records */
	FETCH_ALERTS = 0x10,  /* the active alerts and silences */
	FETCH_PROVIDERS = 0x20, /* the mail log's providers, last hour */
	FETCH_ML_AGENCIES = 0x40, /* the mail log's agencies, today */
	FETCH_REPUTATION = 0x80,  /* rep:{node} of every gateway */
	FETCH_FILTER = 0x100,     /* filter:{node} and its buckets */
};

struct worker_msg {
	enum worker_msg_kind kind;
	unsigned long generation; /* which listing or request it answers */
	char node[33];
	struct queue_set *qs;  /* WMSG_QUEUE_BATCH */
	int failed;
	char text[1024];
	char **lines;          /* WMSG_MESSAGE */
	size_t nlines;
	struct snapshot *snap; /* NULL when the fetch failed */
	struct block_list *blocks;     /* WMSG_BLOCKS */
	struct agency_list *agencies;  /* WMSG_AGENCIES */
	struct permit_list *permits;   /* WMSG_PERMITS */
	struct audit_list *audit;      /* WMSG_AUDIT */
	struct alert_list *alerts;     /* WMSG_ALERTS */
	struct ml_providers *providers;   /* WMSG_PROVIDERS */
	struct ml_agencies *ml_agencies;  /* WMSG_ML_AGENCIES */
	struct ml_suspect *suspects;      /* WMSG_SUSPECTS */
	struct reputation *reputation;    /* WMSG_REPUTATION */
	json_t *spf;                      /* WMSG_SPF: spf --json's array */
	struct filter_node *filters;      /* WMSG_FILTER */
	size_t nfilters;
	size_t nsuspects;
	char agency[STORE_ID_MAX];     /* WMSG_PERMITS: whose */
	struct mailbox_probe *probe;   /* WMSG_RESTORE_LIST */
	struct worker_restore_step step; /* WMSG_RESTORE_STEP, _DONE */
	enum redis_err err;
	char errstr[256];
	enum redis_role role;  /* WMSG_SNAPSHOT: asked after each connect */
	long long fetch_us;    /* how long the fetch took */
	struct worker_msg *next;
};

struct worker {
	const struct config *cfg;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int wake[2];           /* [0] polled by the UI, [1] written here */
	struct worker_msg *head, *tail;
	bool stop;
	bool refresh;
	unsigned fetch;        /* enum worker_fetch bits */
	char agency[STORE_ID_MAX]; /* FETCH_PERMITS: whose */
	bool started;
	bool closed;           /* the UI is gone: messages are dropped */
	int jobs;              /* background jobs that may still post */
	volatile int closing;  /* the console quits: a listing's cancel flag */
};

/* Starts the thread. Returns 0, or -1 with `cause` set. */
int worker_start(struct worker *w, const struct config *cfg, char *cause,
    size_t len);

/* The file descriptor the UI polls; readable when a message waits. */
int worker_fd(const struct worker *w);

/* Queues a message for the UI and wakes it; any thread may call it. */
void worker_post(struct worker *w, struct worker_msg *m);

/* A background job starts or ends: a stopped worker outlives its jobs. */
void worker_job_begin(struct worker *w);

/*
 * Runs fn(arg) on a detached thread counted as a job (worker_job_begin;
 * fn ends it), or here and now when no thread can be made.
 */
void worker_job_spawn(struct worker *w, void *(*fn)(void *), void *arg);
void worker_job_end(struct worker *w);

/* How many background jobs are still running. */
int worker_jobs(struct worker *w);

/*
 * What a command job does besides running the command (NULL: nothing, and
 * it ends with WMSG_ACTION_DONE holding its last line of output or its
 * error).
 */
struct worker_cmd_hooks {
	const struct mailbox_watch *watch; /* cmd_ctx's: a restore's progress */
	volatile int *cancel;              /* cmd_ctx's: stops a restore */
	const struct trace_watch *trace_watch; /* cmd_ctx's: a trace's
	                                          gateways as they answer */
	bool json;                         /* the output is JSON */
	/*
	 * After cmd_exec returned `code`, on the job's thread: the message to
	 * post (`out`: the command's output; ctx->cause its error).
	 */
	struct worker_msg *(*done)(void *arg, int code, const char *out,
	    const struct cmd_ctx *ctx);
	void *arg;
};

/*
 * The one executor of what the console changes: runs `c` (a copy is taken,
 * with --yes: the console asked) through cmd_exec on a job thread, as
 * batch mode would, audited "via console", and posts its result.
 */
void worker_command(struct worker *w, const struct config *cfg,
    const struct cmd *c, bool read_only,
    const struct worker_cmd_hooks *hooks);

/* Takes the oldest message, or NULL. The caller owns it (and its snapshot). */
struct worker_msg *worker_pop(struct worker *w);

/* Asks for a fetch now instead of at the next interval. */
void worker_refresh(struct worker *w);

/*
 * Says what to read besides the snapshot (enum worker_fetch bits; `agency`
 * for FETCH_PERMITS, else NULL) from now on, every interval. A change is
 * fetched at once; the same request again does nothing.
 */
void worker_fetch(struct worker *w, unsigned what, const char *agency);

/*
 * Stops the thread and frees what is queued; tells the jobs (w->closing)
 * and waits for every one of them to end, since what they read (the
 * configuration) goes when the console returns. A job that talks to a
 * hung node ends at its SSH timeouts; the console waits first, saying so
 * (console_run), so this wait is short.
 */
void worker_stop(struct worker *w);

void worker_msg_free(struct worker_msg *m);

#endif
