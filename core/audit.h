/* The audit trail: one record per command that changes the service, its
 * JSON form, and the local spool file that keeps records Redis could not
 * take until they are replayed into the audit stream (docs/audit.md). */
#ifndef MAILNOC_AUDIT_H
#define MAILNOC_AUDIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/validate.h"

#define AUDIT_KEEP_SECS     (60LL * 86400) /* the stream and the dedup keys */

/* Fields of an audit stream entry; the JSON forms use the same names. */
#define AUF_ID          "id"          /* host-pid-ms-counter-random */
#define AUF_AT          "at"          /* epoch milliseconds */
#define AUF_TIME        "time"        /* ISO 8601 UTC, milliseconds */
#define AUF_USER        "user"        /* local user */
#define AUF_SSH_CLIENT  "ssh_client"  /* SSH client address, or absent */
#define AUF_HOST        "host"
#define AUF_TTY         "tty"         /* or absent */
#define AUF_VIA         "via"         /* batch | console */
#define AUF_REDIS_USER  "redis_user"  /* the ACL user of the console */
#define AUF_CMD         "cmd"         /* the command line as run */
#define AUF_NODES       "nodes"       /* comma-separated; JSON: array */
#define AUF_EXIT        "exit"        /* exit code */
#define AUF_RESULT      "result"      /* ok | failed | refused | dry-run |
                                         partial */
#define AUF_SAID        "said"        /* the backend's answer, one line */
#define AUF_SPOOLED     "spooled"     /* "1": came through the spool file */
#define AUF_ACTION      "action"      /* the id of the action: the same in its
                                         started and its completed record */
#define AUF_PHASE       "phase"       /* started | completed */

#define AUDIT_STARTED   "started"     /* phase, and the result of that record */
#define AUDIT_COMPLETED "completed"
/* What a reader says of a started record without its completed one. */
#define AUDIT_NO_END    "no end recorded: still running, or cut short " \
	"(killed, a crash)"

#define AUDIT_CMD_MAX   1024
#define AUDIT_SAID_MAX  512
#define AUDIT_NODES_MAX 256

struct audit_record {
	char id[128];
	long long at_ms;
	char user[64];
	char ssh_client[64];
	char host[128];
	char tty[64];
	char via[16];
	char redis_user[64];
	char cmd[AUDIT_CMD_MAX];
	char nodes[AUDIT_NODES_MAX];
	int exit_code;
	char result[16];
	char said[AUDIT_SAID_MAX];
	bool spooled;
	char action[128];    /* the action's id; old records: their own id */
	char phase[16];      /* AUDIT_STARTED or AUDIT_COMPLETED */
	char stream_id[48];  /* as read from the stream; "" otherwise */
	long long started_ms; /* (audit_fold) when its action started; 0 */
};

/*
 * Starts a record made now (`now_ms`, epoch ms): a new unique id, who and
 * where from (local user, $SSH_CONNECTION or $SSH_CLIENT, host, tty).
 */
void audit_record_init(struct audit_record *r, long long now_ms);

/*
 * Makes `r` (from audit_record_init) the started record of a new action:
 * its id is the action's, phase and result "started", no exit code (-1).
 * The caller fills cmd and via.
 */
void audit_record_start(struct audit_record *r);

/*
 * Makes `done` the completed record of the action `started` began, made
 * at `now_ms`: a new id, the same action, origin, via and command. The
 * caller fills nodes, exit, result and said.
 */
void audit_record_finish(struct audit_record *done,
    const struct audit_record *started, long long now_ms);

/* A new id "host-pid-ms-counter-random"; unique across hosts and threads. */
void audit_make_id(char *buf, size_t len, const char *host, long long ms);

/* The SSH client address from an $SSH_CONNECTION or $SSH_CLIENT value
 * (its first word, when it is an IP address); "" otherwise. */
void audit_ssh_client(const char *env, char *buf, size_t len);

/* The result of an action cut short with part of it done (what was and
 * was not done is in `said`). */
#define AUDIT_RESULT_PARTIAL "partial"

/* The result word of an exit code: ok, failed, refused or dry-run. */
const char *audit_result(int exit_code, bool dry_run, bool refused);


/* "2026-01-02T03:04:05.678Z" for epoch ms. Returns buf. */
char *audit_time_iso(long long ms, char *buf, size_t len);

/* The record as a JSON object (nodes as an array; absent fields null; exit
 * null before the action ended; started_at when audit_fold found it). */
json_t *audit_record_json(const struct audit_record *r);

/*
 * Reads a record from the object audit_record_json made. Returns 0, or -1
 * with `cause` set when an id, at, cmd or result is missing.
 */
int audit_record_from_json(const json_t *o, struct audit_record *r,
    char *cause, size_t len);

/* Fills what a record read back lacks: an older record is its own action,
 * completed; an unknown phase reads as completed. */
void audit_record_defaults(struct audit_record *r);

/* What a writer answers for one record. */
enum audit_write {
	AUDIT_WRITTEN = 0,   /* in the stream now, or was already (dedup) */
	AUDIT_RETRY = -1,    /* the store is unreachable: stop, retry later */
	AUDIT_REJECTED = -2, /* this record failed; others may not */
	AUDIT_DENIED = -3,   /* this user may not write the stream */
};

/* Where records go: the Redis stream, or a fake in the tests. */
struct audit_writer {
	/* Returns an enum audit_write, with `cause` set unless written. */
	int (*write)(void *arg, const struct audit_record *r, char *cause,
	    size_t len);
	void *arg;
};

/*
 * The spool file: $MAILNOC_AUDIT_FILE, else $XDG_STATE_HOME/mailnoc/
 * audit.jsonl, else ~/.local/state/mailnoc/audit.jsonl. Returns 0, or -1
 * with `cause` set when no home is known.
 */
int audit_spool_path(char *buf, size_t len, char *cause, size_t clen);

/*
 * Appends the record as one JSON line to the spool (created 0600, its
 * directory 0700), under the file's lock. Returns 0, or -1 with `cause`.
 */
int audit_spool_append(const char *path, const struct audit_record *r,
    char *cause, size_t len);

/* What a replay did. */
struct audit_replay {
	size_t written;  /* confirmed by the writer (new or duplicates) */
	size_t left;     /* still in the file */
	size_t bad;      /* unreadable lines moved to PATH.bad */
	bool busy;       /* another process was replaying: nothing done */
};

/*
 * Writes the spooled records in order. A record is removed from the file
 * only once the writer confirmed it: the rest is written back atomically
 * (a new file renamed over it), an empty spool is removed. Stops at the
 * first AUDIT_RETRY or AUDIT_DENIED; a rejected record stays and the next
 * are tried. Without a spool file there is nothing to do. Returns 0, or -1
 * with `cause` set when the file could not be read or rewritten.
 */
int audit_spool_replay(const char *path, const struct audit_writer *w,
    struct audit_replay *rep, char *cause, size_t len);

/* Where audit_submit put a record. */
enum audit_outcome {
	AUDIT_IN_STREAM,  /* written */
	AUDIT_SPOOLED,    /* kept in the spool file for a replay */
	AUDIT_DROPPED,    /* a refusal the stream would not take: not kept */
	AUDIT_LOST,       /* neither written nor spooled: `cause` says why */
};

/*
 * Replays the spool, then writes `r`. A record the writer did not take is
 * appended to the spool (marked spooled), except a refusal: it changed
 * nothing and is written only when the stream takes it. Returns an enum
 * audit_outcome; `cause` says why it was not written (AUDIT_LOST: why
 * neither the stream nor the spool took it, both in one line).
 */
int audit_submit(const char *path, const struct audit_writer *w,
    struct audit_record *r, char *cause, size_t len);

/*
 * May an action go ahead after its started record came out as `outcome`
 * (enum audit_outcome)? Only AUDIT_LOST stops it, and only when the audit
 * is `required` (audit.required).
 */
bool audit_may_start(int outcome, bool required);

/*
 * Folds the records of each action into one line, in place: a completed
 * record takes the time of its started record (started_ms) and the started
 * record goes (the line is marked spooled when either record came through
 * the spool); a started record without its completed one stays, so an
 * action still running or cut short (killed, a crash) shows as "started".
 * Records without an action (older ones) stay as they are. The order of
 * the others is kept. Returns the new count.
 */
size_t audit_fold(struct audit_record *v, size_t n);

#endif
