/* The Redis connection: ACL login, timeouts, Sentinel, reconnect. */
#ifndef MAILNOC_REDIS_H
#define MAILNOC_REDIS_H

#include <hiredis.h>
#include <stdarg.h>
#include <stdbool.h>

#include "core/config.h"

enum redis_err {
	RERR_NONE,
	RERR_UNREACHABLE, /* no connection, a timeout, Sentinel knows no master */
	RERR_AUTH,        /* the user or password was refused */
	RERR_DENIED,      /* NOPERM: the ACL user may not run this */
	RERR_REPLY,       /* Redis answered with another error */
};

/*
 * The most elements one array reply may announce: a server that announces
 * more loses the connection ("out of memory" in hiredis's words) before
 * anything is allocated for them.
 */
#define REDIS_MAX_ELEMENTS (4 * 1024 * 1024)

/* Waits before a reconnect: the first, doubled after each failure up to the
 * second. */
#define REDIS_BACKOFF_MIN_MS 250
#define REDIS_BACKOFF_MAX_MS 8000

/* One connection, owned by one thread. */
struct redis {
	const struct config *cfg;
	redisContext *ctx;
	char host[256]; /* the master in use */
	int port;
	int tunnel_port; /* > 0: reached at 127.0.0.1:tunnel_port (tunnels) */
	enum redis_err err;
	char errstr[256];
	int backoff_ms;       /* next wait before a reconnect */
	long long next_try_ms; /* monotonic time of the next reconnect */
	unsigned long connects;
};

void redis_init(struct redis *r, const struct config *cfg);

/*
 * Connects now: asks Sentinel for the master when configured, connects with
 * the connect timeout, sets the command timeout and logs in. Returns 0, or
 * -1 with err and errstr set.
 */
int redis_connect(struct redis *r);

/*
 * Returns 0 when connected. Otherwise reconnects, but not before the back-off
 * (250 ms doubling to 8 s) since the last failure has passed; -1 meanwhile.
 */
int redis_ensure(struct redis *r);

void redis_close(struct redis *r);

/*
 * Runs one command. Returns the reply (free with freeReplyObject), or NULL
 * with err set. An error reply is returned as NULL too: NOPERM as
 * RERR_DENIED, anything else as RERR_REPLY; a lost connection closes it so
 * that the next redis_ensure reconnects (and re-asks Sentinel).
 */
redisReply *redis_command(struct redis *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
redisReply *redis_commandv(struct redis *r, int argc, const char **argv,
    const size_t *argvlen);

/*
 * Reads `n` pipelined replies queued with redisAppendCommand on r->ctx into
 * replies[]. Returns 0, or -1 with err set and every reply freed. Error
 * replies inside the pipeline are kept for the caller to inspect.
 */
int redis_read_replies(struct redis *r, size_t n, redisReply **replies);

/* Builds prefix + formatted key into buf; returns buf. */
char *redis_key(const struct config *cfg, char *buf, size_t len,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* What the ACL user may do, as redis_probe_role found out. */
enum redis_role {
	REDIS_ROLE_UNKNOWN,   /* not asked yet, or Redis did not answer */
	REDIS_ROLE_WRITE,     /* writes under the prefix are allowed */
	REDIS_ROLE_READ_ONLY, /* a write under the prefix gets NOPERM */
};

/*
 * Finds out whether the user may write under the prefix with a write that
 * changes nothing: HDEL of a field of a key that never exists (ACL DRYRUN
 * needs admin rights a NOC user lacks). One round trip.
 */
enum redis_role redis_probe_role(struct redis *r);

/* What redis_check_persistence found. */
enum redis_persist {
	REDIS_PERSIST_OK,      /* append-only file on, its replay keeps writes */
	REDIS_PERSIST_RISK,    /* a restart would lose writes: msg says why */
	REDIS_PERSIST_UNKNOWN, /* the user may not ask, or Redis did not answer */
};

/*
 * Asks whether the writes mailnoc makes survive a restart: CONFIG GET
 * appendonly, then ACL DRYRUN of MULTI, EXEC and each kind of write under
 * the prefix as the `default` user, because Redis 7.0 replays the
 * append-only file's transactions with default's permissions and drops
 * every MULTI/EXEC and script write the user may not run. Fills msg with
 * one line: what was found and, for a risk, exactly what to change. One
 * round trip; changes nothing; leaves r->err as it was.
 */
enum redis_persist redis_check_persistence(struct redis *r, char *msg,
    size_t len);

/* Its short name: "ok", "risk" or "unknown". */
const char *redis_persist_name(enum redis_persist p);

/* The batch-mode exit code for r->err (core/exitcode.h). */
int redis_exit_code(const struct redis *r);

/* Sets err/errstr from an error reply (NOPERM is RERR_DENIED). */
void redis_set_reply_error(struct redis *r, const redisReply *reply);

/*
 * Whether a reply is WRONGTYPE: one key holds another type than the schema
 * says. Callers show that entry as malformed; it is never a reason to fail
 * a whole listing, and never "unreachable".
 */
bool redis_wrongtype(const redisReply *reply);

#endif
