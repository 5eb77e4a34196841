/* The message index: log lines joined by queue ID into SQLite rows, and traces. */
#include "backends/msgindex.h"

#include <errno.h>
#include <grp.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/xalloc.h"

#define MSGINDEX_SCHEMA_VERSION 2
/* Longest reason kept of a step. */
#define MSGINDEX_REASON_MAX 400
/* Names kept in the writer's cache, at most. */
#define MSGINDEX_NAMES_MAX 262144

/*
 * Messages and their steps; names holds every string that repeats (client
 * addresses and names, senders, recipients, domains, relays) once, and the
 * rows point at it: an address asked for is one look-up in names, then
 * integer indexes.
 * Steps are keyed (msg, seq) without a rowid of their own: the index of a
 * message's steps is the table itself.
 */
static const char *const msgindex_schema =
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS names(id INTEGER PRIMARY KEY,"
    " s TEXT NOT NULL UNIQUE);"
    "CREATE TABLE IF NOT EXISTS msg(id INTEGER PRIMARY KEY, t INTEGER NOT NULL,"
    " qid TEXT, msgid TEXT, ip INTEGER, host INTEGER, sender INTEGER,"
    " sdom INTEGER, size INTEGER, nrcpt INTEGER, state INTEGER NOT NULL,"
    " nsteps INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS step(msg INTEGER NOT NULL,"
    " seq INTEGER NOT NULL, t INTEGER NOT NULL, kind INTEGER NOT NULL,"
    " rcpt INTEGER, rdom INTEGER, relay INTEGER, delay INTEGER, dsn TEXT,"
    " reason TEXT, PRIMARY KEY(msg, seq)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS msg_t ON msg(t);"
    "CREATE INDEX IF NOT EXISTS msg_qid ON msg(qid);"
    "CREATE INDEX IF NOT EXISTS msg_msgid ON msg(msgid) WHERE msgid IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS msg_sender ON msg(sender);"
    "CREATE INDEX IF NOT EXISTS msg_sdom ON msg(sdom);"
    "CREATE INDEX IF NOT EXISTS msg_ip ON msg(ip);"
    "CREATE INDEX IF NOT EXISTS step_rcpt ON step(rcpt) WHERE rcpt IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS step_rdom ON step(rdom) WHERE rdom IS NOT NULL;";

/* A message whose lines are still coming. */
struct om {
	struct om *next;        /* hash chain */
	long long id, t, last;
	char qid[MAILLOG_QID_MAX + 1];
	char *msgid;
	long long ip, host, sender, sdom;   /* names ids, 0: none */
	long long size;
	long nrcpt;
	int nsteps;
	bool held, deferred, expired, deleted, bounced, sent, rejected;
	bool removed, dirty, linked;
};

struct name {
	struct name *next;
	long long id;
	char s[];
};

enum {
	ST_MSG, ST_STEP, ST_NAME_GET, ST_NAME_PUT, ST_FIND, ST_NSTMT,
};

static const char *const msgindex_stmt_sql[ST_NSTMT] = {
	[ST_MSG] = "INSERT OR REPLACE INTO msg(id, t, qid, msgid, ip, host, "
	    "sender, sdom, size, nrcpt, state, nsteps) VALUES(?, ?, ?, ?, ?, "
	    "?, ?, ?, ?, ?, ?, ?)",
	[ST_STEP] = "INSERT OR REPLACE INTO step(msg, seq, t, kind, rcpt, "
	    "rdom, relay, delay, dsn, reason) VALUES(?, ?, ?, ?, ?, ?, ?, ?, "
	    "?, ?)",
	[ST_NAME_GET] = "SELECT id FROM names WHERE s = ?",
	[ST_NAME_PUT] = "INSERT INTO names(s) VALUES(?)",
	[ST_FIND] = "SELECT id, t, msgid, ip, host, sender, sdom, size, nrcpt, "
	    "state, nsteps FROM msg WHERE qid = ? AND state <= 2 AND t >= ? "
	    "ORDER BY id DESC LIMIT 1",
};

struct msgindex {
	sqlite3 *db;
	char path[1024];
	bool writer;
	int days;
	sqlite3_stmt *st[ST_NSTMT];
	bool in_tx;
	long long next_id;
	long long newest;             /* latest line time seen */
	long long pruned_at;          /* wall s of the last prune, 0 never */
	struct om **oms;              /* hash of open messages by qid */
	size_t oms_cap, noms;
	struct om **dirty;
	size_t ndirty, dirty_cap;
	struct name **names;          /* hash of names by text (a cache) */
	size_t names_cap, nnames;
	char err[512];
};

/* ------------------------------------------------------------ helpers */

static void
msgindex_om_free(struct om *o)
{
	free(o->msgid);
	free(o);
}


static unsigned long long
msgindex_hash(const char *s)
{
	unsigned long long h = 1469598103934665603ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static int
msgindex_fail(struct msgindex *x, const char *what)
{
	snprintf(x->err, sizeof x->err, "%s the message index '%s': %s",
	    what, x->path, sqlite3_errmsg(x->db));
	return -1;
}

static void
msgindex_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL || *s == '\0')
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

static void
msgindex_bind_id(sqlite3_stmt *st, int i, long long v)
{
	if (v <= 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

static void
msgindex_names_clear(struct msgindex *x)
{
	size_t i;

	for (i = 0; i < x->names_cap; i++) {
		struct name *n = x->names[i], *nx;

		for (; n != NULL; n = nx) {
			nx = n->next;
			free(n);
		}
		x->names[i] = NULL;
	}
	x->nnames = 0;
}

/* The id of a name (an address, a domain, a relay, a client's name or
 * address); 0 for "". */
static long long
msgindex_name(struct msgindex *x, const char *s, size_t n)
{
	char buf[MAILLOG_ADDR_MAX + 1];
	struct name *nm, **slot;
	sqlite3_stmt *st;
	long long id = 0;
	size_t len;

	if (n == 0)
		return 0;
	if (n >= sizeof buf)
		n = sizeof buf - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	slot = &x->names[msgindex_hash(buf) & (x->names_cap - 1)];
	for (nm = *slot; nm != NULL; nm = nm->next) {
		if (strcmp(nm->s, buf) == 0)
			return nm->id;
	}
	st = x->st[ST_NAME_GET];
	sqlite3_bind_text(st, 1, buf, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (id == 0) {
		st = x->st[ST_NAME_PUT];
		sqlite3_bind_text(st, 1, buf, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_reset(st);
			msgindex_fail(x, "cannot add a name to");
			return 0;
		}
		sqlite3_reset(st);
		id = sqlite3_last_insert_rowid(x->db);
	}
	/* A cache: emptied when it grows past a bound (many distinct
	 * senders, VERP bounces). */
	if (x->nnames >= MSGINDEX_NAMES_MAX)
		msgindex_names_clear(x);
	x->nnames++;
	len = strlen(buf);
	nm = xmalloc(sizeof *nm + len + 1);
	memcpy(nm->s, buf, len + 1);
	nm->id = id;
	nm->next = *slot;
	*slot = nm;
	return id;
}

/* An address as the index keeps it: its domain in lower case. */
static void
msgindex_addr(char *out, size_t len, const char *addr)
{
	char *at;

	snprintf(out, len, "%s", addr);
	if ((at = strrchr(out, '@')) != NULL) {
		for (; *at != '\0'; at++) {
			if (*at >= 'A' && *at <= 'Z')
				*at += 'a' - 'A';
		}
	}
}

/* ------------------------------------------------------------ opening */

static int
msgindex_prepare(struct msgindex *x)
{
	int i;

	for (i = 0; i < ST_NSTMT; i++) {
		if (sqlite3_prepare_v2(x->db, msgindex_stmt_sql[i], -1,
		    &x->st[i], NULL) != SQLITE_OK)
			return msgindex_fail(x, "cannot prepare a statement on");
	}
	return 0;
}

static struct msgindex *
msgindex_new(const char *path)
{
	struct msgindex *x = xcalloc(1, sizeof *x);

	snprintf(x->path, sizeof x->path, "%s", path);
	return x;
}

static void
msgindex_free(struct msgindex *x)
{
	size_t i;
	int k;

	for (k = 0; k < ST_NSTMT; k++)
		sqlite3_finalize(x->st[k]);
	if (x->db != NULL)
		sqlite3_close(x->db);
	for (i = 0; i < x->oms_cap; i++) {
		struct om *o = x->oms[i], *nx;

		for (; o != NULL; o = nx) {
			nx = o->next;
			if (!o->dirty)
				msgindex_om_free(o);
		}
	}
	if (x->names != NULL)
		msgindex_names_clear(x);
	/* Detached messages live only in the dirty list. */
	for (i = 0; i < x->ndirty; i++)
		msgindex_om_free(x->dirty[i]);
	free(x->oms);
	free(x->names);
	free(x->dirty);
	free(x);
}

static void
msgindex_share(struct msgindex *x, const char *group)
{
	struct group gr, *res = NULL;
	char buf[4096];

	if (strcmp(x->path, ":memory:") == 0)
		return;
	chmod(x->path, 0640);
	if (group != NULL && getgrnam_r(group, &gr, buf, sizeof buf, &res) ==
	    0 && res != NULL) {
		if (chown(x->path, (uid_t)-1, res->gr_gid) == -1)
			snprintf(x->err, sizeof x->err, "cannot give group "
			    "'%s' the message index '%s': %s", group, x->path,
			    strerror(errno));
	}
}

struct msgindex *
msgindex_open(const char *path, int days, const char *group, char *cause,
    size_t len)
{
	struct msgindex *x = msgindex_new(path);
	sqlite3_stmt *st;
	int persist = 1;

	x->writer = true;
	x->days = days;
	x->oms_cap = 1 << 16;
	x->oms = xcalloc(x->oms_cap, sizeof *x->oms);
	x->names_cap = 1 << 12;
	x->names = xcalloc(x->names_cap, sizeof *x->names);
	if (sqlite3_open_v2(path, &x->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		msgindex_fail(x, "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(x->db, 5000);
	/* The WAL stays after the writer closes: a read-only trace cannot
	 * make it, and needs it to open the file. */
	sqlite3_file_control(x->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
	if (sqlite3_exec(x->db, "PRAGMA journal_mode=WAL;"
	    "PRAGMA synchronous=NORMAL;PRAGMA case_sensitive_like=ON;", NULL,
	    NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(x->db, msgindex_schema, NULL, NULL, NULL) !=
	    SQLITE_OK) {
		msgindex_fail(x, "cannot create the tables of");
		goto fail;
	}
	sqlite3_exec(x->db, "INSERT OR IGNORE INTO meta(k, v) VALUES('schema', "
	    "2)", NULL, NULL, NULL);
	if (sqlite3_prepare_v2(x->db, "SELECT v FROM meta WHERE k = 'schema'",
	    -1, &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW ||
	    sqlite3_column_int(st, 0) != MSGINDEX_SCHEMA_VERSION) {
		sqlite3_finalize(st);
		snprintf(x->err, sizeof x->err, "cannot use the message index "
		    "'%s': made by another version (move it away)", path);
		goto fail;
	}
	sqlite3_finalize(st);
	if (msgindex_prepare(x) == -1)
		goto fail;
	if (sqlite3_prepare_v2(x->db, "SELECT coalesce(max(id), 0) FROM msg",
	    -1, &st, NULL) != SQLITE_OK) {
		msgindex_fail(x, "cannot read");
		goto fail;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		x->next_id = sqlite3_column_int64(st, 0) + 1;
	sqlite3_finalize(st);
	x->err[0] = '\0';
	msgindex_share(x, group);
	if (x->err[0] != '\0') {
		snprintf(cause, len, "%s", x->err);
		goto fail;
	}
	return x;
fail:
	snprintf(cause, len, "%s", x->err);
	msgindex_free(x);
	return NULL;
}

struct msgindex *
msgindex_open_ro(const char *path, char *cause, size_t len)
{
	struct msgindex *x = msgindex_new(path);
	sqlite3_stmt *st = NULL;
	struct stat sb;

	if (stat(path, &sb) == -1) {
		snprintf(cause, len, "cannot open the message index '%s': %s",
		    path, strerror(errno));
		free(x);
		return NULL;
	}
	if (sqlite3_open_v2(path, &x->db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		msgindex_fail(x, "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(x->db, 5000);
	/* Prefixes are compared as typed (LIKE uses the index of names
	 * only when it is case-sensitive). */
	sqlite3_exec(x->db, "PRAGMA case_sensitive_like=ON", NULL, NULL, NULL);
	if (sqlite3_prepare_v2(x->db, "SELECT v FROM meta WHERE k = 'schema'",
	    -1, &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW ||
	    sqlite3_column_int(st, 0) != MSGINDEX_SCHEMA_VERSION) {
		if (x->db != NULL && sqlite3_errcode(x->db) != SQLITE_OK &&
		    sqlite3_errcode(x->db) != SQLITE_ROW &&
		    sqlite3_errcode(x->db) != SQLITE_DONE)
			msgindex_fail(x, "cannot read");
		else
			snprintf(x->err, sizeof x->err, "cannot read the "
			    "message index '%s': not a mailnoc index (or "
			    "another version)", path);
		sqlite3_finalize(st);
		goto fail;
	}
	sqlite3_finalize(st);
	return x;
fail:
	snprintf(cause, len, "%s", x->err);
	msgindex_free(x);
	return NULL;
}

/* ------------------------------------------------------------ writing */

static int
msgindex_begin(struct msgindex *x)
{
	if (x->in_tx)
		return 0;
	if (sqlite3_exec(x->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return msgindex_fail(x, "cannot begin a transaction on");
	x->in_tx = true;
	return 0;
}

static void
msgindex_mark(struct msgindex *x, struct om *o)
{
	if (o->dirty)
		return;
	o->dirty = true;
	if (x->ndirty == x->dirty_cap) {
		x->dirty_cap = x->dirty_cap ? x->dirty_cap * 2 : 1024;
		x->dirty = xreallocarray(x->dirty, x->dirty_cap,
		    sizeof *x->dirty);
	}
	x->dirty[x->ndirty++] = o;
}

static struct om *
msgindex_lookup(struct msgindex *x, const char *qid, struct om ***slotp)
{
	struct om **slot = &x->oms[msgindex_hash(qid) & (x->oms_cap - 1)], *o;

	*slotp = slot;
	for (o = *slot; o != NULL; o = o->next) {
		if (strcmp(o->qid, qid) == 0)
			return o;
	}
	return NULL;
}

/* Takes o out of the hash (it stays alive until the commit frees it). */
static void
msgindex_detach(struct msgindex *x, struct om *o)
{
	struct om **slot = &x->oms[msgindex_hash(o->qid) & (x->oms_cap - 1)];

	if (!o->linked)
		return;
	for (; *slot != NULL; slot = &(*slot)->next) {
		if (*slot == o) {
			*slot = o->next;
			x->noms--;
			break;
		}
	}
	o->linked = false;
}

static char *
msgindex_col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s != NULL ? xstrdup((const char *)s) : NULL;
}

/*
 * The open message of `qid`: in memory, else (a restart, or a message
 * followed no longer) the latest unfinished row of the index, else a new
 * one when `create`. NULL when none.
 */
static struct om *
msgindex_msg(struct msgindex *x, const char *qid, long long t, bool create)
{
	struct om **slot, *o = msgindex_lookup(x, qid, &slot);
	sqlite3_stmt *st;

	if (o != NULL && !o->removed) {
		o->last = t;
		return o;
	}
	/* A queue ID used again after its message was removed: a new one. */
	if (o != NULL)
		return NULL;
	o = xcalloc(1, sizeof *o);
	snprintf(o->qid, sizeof o->qid, "%s", qid);
	o->size = -1;
	o->nrcpt = -1;
	o->last = t;
	st = x->st[ST_FIND];
	sqlite3_bind_text(st, 1, qid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, t - MSGINDEX_OPEN_AGE);
	if (!create && sqlite3_step(st) == SQLITE_ROW) {
		int state = sqlite3_column_int(st, 9);

		o->id = sqlite3_column_int64(st, 0);
		o->t = sqlite3_column_int64(st, 1);
		o->msgid = msgindex_col_dup(st, 2);
		o->ip = sqlite3_column_int64(st, 3);
		o->host = sqlite3_column_int64(st, 4);
		o->sender = sqlite3_column_int64(st, 5);
		o->sdom = sqlite3_column_int64(st, 6);
		o->size = sqlite3_column_type(st, 7) == SQLITE_NULL ? -1 :
		    sqlite3_column_int64(st, 7);
		o->nrcpt = sqlite3_column_type(st, 8) == SQLITE_NULL ? -1 :
		    (long)sqlite3_column_int64(st, 8);
		o->held = state == TRACE_HELD;
		o->deferred = state == TRACE_DEFERRED;
		o->nsteps = sqlite3_column_int(st, 10);
	} else if (create || x->noms < MSGINDEX_OPEN_MAX) {
		/* A message first seen in the middle (the follower started
		 * late): kept from here on. */
		o->id = x->next_id++;
		o->t = t;
	}
	sqlite3_reset(st);
	if (o->id == 0 || x->noms >= MSGINDEX_OPEN_MAX) {
		msgindex_om_free(o);
		return NULL;
	}
	o->next = *slot;
	*slot = o;
	o->linked = true;
	x->noms++;
	return o;
}

static int
msgindex_state(const struct om *o)
{
	if (o->deleted)
		return TRACE_DELETED;
	if (o->expired)
		return TRACE_EXPIRED;
	if (o->removed) {
		if (o->bounced)
			return TRACE_BOUNCED;
		if (o->rejected && !o->sent)
			return TRACE_REJECTED;
		return TRACE_DELIVERED;
	}
	if (o->held)
		return TRACE_HELD;
	if (o->rejected && !o->sent)
		return TRACE_REJECTED;
	if (o->deferred)
		return TRACE_DEFERRED;
	return TRACE_QUEUED;
}

static int
msgindex_put_msg(struct msgindex *x, const struct om *o, const char *qid,
    int state)
{
	sqlite3_stmt *st = x->st[ST_MSG];
	int rc;

	sqlite3_bind_int64(st, 1, o->id);
	sqlite3_bind_int64(st, 2, o->t);
	msgindex_bind_text(st, 3, qid);
	msgindex_bind_text(st, 4, o->msgid);
	msgindex_bind_id(st, 5, o->ip);
	msgindex_bind_id(st, 6, o->host);
	msgindex_bind_id(st, 7, o->sender);
	msgindex_bind_id(st, 8, o->sdom);
	if (o->size >= 0)
		sqlite3_bind_int64(st, 9, o->size);
	else
		sqlite3_bind_null(st, 9);
	if (o->nrcpt >= 0)
		sqlite3_bind_int64(st, 10, o->nrcpt);
	else
		sqlite3_bind_null(st, 10);
	sqlite3_bind_int(st, 11, state);
	sqlite3_bind_int(st, 12, o->nsteps);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : msgindex_fail(x, "cannot write a "
	    "message to");
}

static int
msgindex_put_step(struct msgindex *x, struct om *o,
    const struct maillog_rec *r, enum trace_step kind)
{
	sqlite3_stmt *st = x->st[ST_STEP];
	char addr[MAILLOG_ADDR_MAX + 1];
	bool has_rcpt = r->kind == MAILLOG_DELIVERY ||
	    (r->kind == MAILLOG_REJECT && r->addr[0] != '\0');
	int rc;

	sqlite3_bind_int64(st, 1, o->id);
	sqlite3_bind_int(st, 2, o->nsteps++);
	sqlite3_bind_int64(st, 3, r->time);
	sqlite3_bind_int(st, 4, kind);
	if (has_rcpt) {
		msgindex_addr(addr, sizeof addr, r->addr);
		msgindex_bind_id(st, 5, msgindex_name(x, addr, strlen(addr)));
		msgindex_bind_id(st, 6, msgindex_name(x, r->domain,
		    strlen(r->domain)));
	} else {
		sqlite3_bind_null(st, 5);
		sqlite3_bind_null(st, 6);
	}
	msgindex_bind_id(st, 7, msgindex_name(x, r->relay, r->relaylen));
	if (r->delay_ms >= 0)
		sqlite3_bind_int64(st, 8, r->delay_ms);
	else
		sqlite3_bind_null(st, 8);
	msgindex_bind_text(st, 9, r->dsn);
	if (r->reason != NULL && r->reasonlen > 0)
		sqlite3_bind_text(st, 10, r->reason, r->reasonlen >
		    MSGINDEX_REASON_MAX ? MSGINDEX_REASON_MAX :
		    (int)r->reasonlen, SQLITE_STATIC);
	else if (r->kind == MAILLOG_BOUNCE)
		sqlite3_bind_text(st, 10, r->ref, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 10);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : msgindex_fail(x, "cannot write a step to");
}

static enum trace_step
msgindex_step_of(enum maillog_status s)
{
	switch (s) {
	case MAILLOG_ST_SENT:
		return TRACE_STEP_SENT;
	case MAILLOG_ST_DEFERRED:
		return TRACE_STEP_DEFERRED;
	case MAILLOG_ST_BOUNCED:
		return TRACE_STEP_BOUNCED;
	case MAILLOG_ST_EXPIRED:
		return TRACE_STEP_EXPIRED;
	default:
		return TRACE_STEP_OTHER;
	}
}

/* A NOQUEUE reject: a message of its own, refused before it had an ID. */
static int
msgindex_noqueue(struct msgindex *x, const struct maillog_rec *r)
{
	struct om o;

	memset(&o, 0, sizeof o);
	o.id = x->next_id++;
	o.t = r->time;
	o.ip = msgindex_name(x, r->ip, strlen(r->ip));
	o.host = msgindex_name(x, r->host, r->hostlen);
	o.size = -1;
	o.nrcpt = -1;
	if (msgindex_put_step(x, &o, r, TRACE_STEP_REJECTED) == -1)
		return -1;
	return msgindex_put_msg(x, &o, NULL, TRACE_REJECTED);
}

int
msgindex_add(struct msgindex *x, const struct maillog_rec *r)
{
	char addr[MAILLOG_ADDR_MAX + 1];
	struct om *o;
	bool starts;

	switch (r->kind) {
	case MAILLOG_CLIENT:
	case MAILLOG_PICKUP:
	case MAILLOG_MESSAGE_ID:
	case MAILLOG_QUEUED:
	case MAILLOG_DELIVERY:
	case MAILLOG_EXPIRED:
	case MAILLOG_REMOVED:
	case MAILLOG_HOLD:
	case MAILLOG_RELEASE:
	case MAILLOG_DELETE:
	case MAILLOG_BOUNCE:
	case MAILLOG_REJECT:
		break;
	default:
		return 0;
	}
	if (msgindex_begin(x) == -1)
		return -1;
	if (r->time > x->newest)
		x->newest = r->time;
	if (r->kind == MAILLOG_REJECT && r->qid[0] == '\0')
		return msgindex_noqueue(x, r);
	if (r->qid[0] == '\0')
		return 0;
	starts = r->kind == MAILLOG_CLIENT || r->kind == MAILLOG_PICKUP;
	if (starts) {
		struct om **slot, *old = msgindex_lookup(x, r->qid, &slot);

		/* The ID came back (short IDs repeat): the old message ends
		 * (written at the commit) and the new one takes the ID. */
		if (old != NULL) {
			old->removed = true;
			msgindex_mark(x, old);
			msgindex_detach(x, old);
		}
	}
	if ((o = msgindex_msg(x, r->qid, r->time, starts)) == NULL)
		return 0;
	msgindex_mark(x, o);
	switch (r->kind) {
	case MAILLOG_CLIENT:
		o->ip = msgindex_name(x, r->ip, strlen(r->ip));
		o->host = msgindex_name(x, r->host, r->hostlen);
		break;
	case MAILLOG_PICKUP:
	case MAILLOG_QUEUED:
		msgindex_addr(addr, sizeof addr, r->addr);
		o->sender = msgindex_name(x, addr, strlen(addr));
		o->sdom = msgindex_name(x, r->domain, strlen(r->domain));
		if (r->size >= 0)
			o->size = r->size;
		if (r->nrcpt >= 0)
			o->nrcpt = r->nrcpt;
		break;
	case MAILLOG_MESSAGE_ID:
		free(o->msgid);
		o->msgid = r->addr[0] != '\0' ? xstrdup(r->addr) : NULL;
		break;
	case MAILLOG_DELIVERY:
		if (r->status == MAILLOG_ST_SENT)
			o->sent = true;
		else if (r->status == MAILLOG_ST_BOUNCED)
			o->bounced = true;
		o->deferred = r->status == MAILLOG_ST_DEFERRED;
		return msgindex_put_step(x, o, r, msgindex_step_of(r->status));
	case MAILLOG_EXPIRED:
		o->expired = true;
		return msgindex_put_step(x, o, r, TRACE_STEP_EXPIRED);
	case MAILLOG_HOLD:
		if (o->held)
			break;
		o->held = true;
		return msgindex_put_step(x, o, r, TRACE_STEP_HELD);
	case MAILLOG_RELEASE:
		o->held = false;
		return msgindex_put_step(x, o, r, TRACE_STEP_RELEASED);
	case MAILLOG_DELETE:
		o->deleted = true;
		o->removed = true;
		return msgindex_put_step(x, o, r, TRACE_STEP_DELETED);
	case MAILLOG_BOUNCE:
		return msgindex_put_step(x, o, r, TRACE_STEP_NOTIFIED);
	case MAILLOG_REJECT:
		o->rejected = true;
		return msgindex_put_step(x, o, r, TRACE_STEP_REJECTED);
	case MAILLOG_REMOVED:
		o->removed = true;
		break;
	default:
		break;
	}
	return 0;
}

/* Lets go of open messages silent for MSGINDEX_OPEN_AGE (log time), when
 * many are open: their rows stay as they were last written. */
static void
msgindex_sweep(struct msgindex *x)
{
	size_t b;

	if (x->noms < MSGINDEX_OPEN_MAX / 10 * 9)
		return;
	for (b = 0; b < x->oms_cap; b++) {
		struct om **s = &x->oms[b], *o;

		while ((o = *s) != NULL) {
			if (!o->dirty && o->last < x->newest -
			    MSGINDEX_OPEN_AGE) {
				*s = o->next;
				x->noms--;
				msgindex_om_free(o);
			} else
				s = &o->next;
		}
	}
}

static int
msgindex_prune(struct msgindex *x)
{
	long long now = (long long)time(NULL), cut;
	sqlite3_stmt *st;
	int rc = 0;

	if (x->days <= 0 || (x->pruned_at != 0 && now - x->pruned_at < 3600))
		return 0;
	x->pruned_at = now;
	cut = now - (long long)x->days * 86400;
	if (sqlite3_prepare_v2(x->db, "DELETE FROM step WHERE msg IN (SELECT "
	    "id FROM msg WHERE t < ?)", -1, &st, NULL) != SQLITE_OK)
		return msgindex_fail(x, "cannot prune");
	sqlite3_bind_int64(st, 1, cut);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = msgindex_fail(x, "cannot prune");
	sqlite3_finalize(st);
	if (rc == 0 && sqlite3_prepare_v2(x->db, "DELETE FROM msg WHERE t < ?",
	    -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, cut);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = msgindex_fail(x, "cannot prune");
		sqlite3_finalize(st);
	}
	return rc;
}

int
msgindex_commit(struct msgindex *x, char *cause, size_t len)
{
	size_t i;

	if (x->ndirty == 0 && !x->in_tx && (x->days <= 0 || (x->pruned_at !=
	    0 && time(NULL) - x->pruned_at < 3600)))
		return 0;
	if (msgindex_begin(x) == -1)
		goto fail;
	for (i = 0; i < x->ndirty; i++) {
		struct om *o = x->dirty[i];

		o->dirty = false;
		if (msgindex_put_msg(x, o, o->qid[0] != '\0' ? o->qid : NULL,
		    msgindex_state(o)) == -1)
			goto fail;
	}
	if (msgindex_prune(x) == -1)
		goto fail;
	if (sqlite3_exec(x->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		msgindex_fail(x, "cannot commit to");
		goto fail;
	}
	x->in_tx = false;
	/* What ended is let go; so is what stopped talking long ago. */
	for (i = 0; i < x->ndirty; i++) {
		struct om *o = x->dirty[i];

		if (o->removed) {
			msgindex_detach(x, o);
			msgindex_om_free(o);
		}
	}
	x->ndirty = 0;
	msgindex_sweep(x);
	return 0;
fail:
	snprintf(cause, len, "%s", x->err);
	if (x->in_tx) {
		sqlite3_exec(x->db, "ROLLBACK", NULL, NULL, NULL);
		x->in_tx = false;
	}
	for (i = 0; i < x->ndirty; i++) {
		x->dirty[i]->dirty = false;
		if (!x->dirty[i]->linked)
			msgindex_om_free(x->dirty[i]);
	}
	x->ndirty = 0;
	return -1;
}

size_t
msgindex_open_count(const struct msgindex *x)
{
	return x->noms;
}

const char *
msgindex_error(const struct msgindex *x)
{
	return x->err;
}

void
msgindex_close(struct msgindex *x)
{
	char cause[256];

	if (x == NULL)
		return;
	if (x->writer) {
		msgindex_commit(x, cause, sizeof cause);
		/* The WAL stays (a reader needs it) but empty. */
		sqlite3_exec(x->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL,
		    NULL, NULL);
	}
	msgindex_free(x);
}

/* ------------------------------------------------------------ reading */

long long
msgindex_first(struct msgindex *x)
{
	sqlite3_stmt *st;
	long long t = -1;

	if (sqlite3_prepare_v2(x->db, "SELECT min(t) FROM msg", -1, &st,
	    NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) !=
	    SQLITE_NULL)
		t = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return t;
}

static void
msgindex_json_text(json_t *o, const char *k, sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	if (s != NULL)
		json_object_set_new(o, k, json_string((const char *)s));
}

static void
msgindex_json_int(json_t *o, const char *k, sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) != SQLITE_NULL)
		json_object_set_new(o, k, json_integer(sqlite3_column_int64(st,
		    i)));
}

/* One message as a JSON line. */
static int
msgindex_emit(struct msgindex *x, sqlite3_stmt *sm, sqlite3_stmt *ss,
    long long id, const char *node, FILE *out)
{
	json_t *o, *steps;
	char *text;
	int rc = 0;

	sqlite3_bind_int64(sm, 1, id);
	if (sqlite3_step(sm) != SQLITE_ROW) {
		sqlite3_reset(sm);
		return 0;
	}
	o = json_object();
	json_object_set_new(o, "node", json_string(node));
	msgindex_json_int(o, "time", sm, 0);
	msgindex_json_text(o, "qid", sm, 1);
	msgindex_json_text(o, "msgid", sm, 2);
	msgindex_json_text(o, "client", sm, 3);
	msgindex_json_text(o, "client_name", sm, 4);
	msgindex_json_text(o, "from", sm, 5);
	msgindex_json_int(o, "size", sm, 6);
	msgindex_json_int(o, "nrcpt", sm, 7);
	json_object_set_new(o, "state", json_string(trace_state_name(
	    sqlite3_column_int(sm, 8))));
	sqlite3_reset(sm);
	steps = json_array();
	sqlite3_bind_int64(ss, 1, id);
	while (sqlite3_step(ss) == SQLITE_ROW) {
		json_t *s = json_object();

		msgindex_json_int(s, "time", ss, 0);
		json_object_set_new(s, "step", json_string(trace_step_name(
		    sqlite3_column_int(ss, 1))));
		msgindex_json_text(s, "to", ss, 2);
		msgindex_json_text(s, "relay", ss, 3);
		if (sqlite3_column_type(ss, 4) != SQLITE_NULL)
			json_object_set_new(s, "delay", json_real(
			    (double)sqlite3_column_int64(ss, 4) / 1000.0));
		msgindex_json_text(s, "dsn", ss, 5);
		msgindex_json_text(s, "reason", ss, 6);
		json_array_append_new(steps, s);
	}
	sqlite3_reset(ss);
	json_object_set_new(o, "steps", steps);
	if ((text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(6))) ==
	    NULL)
		rc = -1;
	else {
		if (fprintf(out, "%s\n", text) < 0)
			rc = -1;
		free(text);
	}
	json_decref(o);
	if (rc == -1)
		snprintf(x->err, sizeof x->err, "cannot write the answer");
	return rc;
}

long
msgindex_query(struct msgindex *x, const struct trace_query *q,
    const char *node, FILE *out, char *cause, size_t len)
{
	sqlite3_stmt *sel = NULL, *sm = NULL, *ss = NULL;
	struct trace_sql sql;
	long n = 0;
	int i, rc;

	if (trace_sql_build(q, &sql) == -1) {
		snprintf(cause, len, "the query is too long");
		return -1;
	}
	if (sqlite3_prepare_v2(x->db, sql.text, -1, &sel, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(x->db, "SELECT m.t, m.qid, m.msgid, (SELECT s "
	    "FROM names WHERE id = m.ip), "
	    "(SELECT s FROM names WHERE id = m.host), (SELECT s FROM names "
	    "WHERE id = m.sender), m.size, "
	    "m.nrcpt, m.state FROM msg m WHERE m.id = ?", -1, &sm, NULL) !=
	    SQLITE_OK ||
	    sqlite3_prepare_v2(x->db, "SELECT t, kind, (SELECT s FROM names "
	    "WHERE id = rcpt), (SELECT s FROM "
	    "names WHERE id = relay), delay, dsn, reason FROM step WHERE msg "
	    "= ? ORDER BY seq", -1, &ss, NULL) != SQLITE_OK) {
		msgindex_fail(x, "cannot query");
		n = -1;
		goto done;
	}
	for (i = 0; i < sql.n; i++) {
		if (sql.p[i].is_text)
			sqlite3_bind_text(sel, i + 1, sql.p[i].s, -1,
			    SQLITE_STATIC);
		else
			sqlite3_bind_int64(sel, i + 1, sql.p[i].i);
	}
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		if (msgindex_emit(x, sm, ss, sqlite3_column_int64(sel, 0),
		    node, out) == -1) {
			n = -1;
			goto done;
		}
		n++;
	}
	if (rc != SQLITE_DONE) {
		msgindex_fail(x, "cannot query");
		n = -1;
	}
done:
	if (n == -1)
		snprintf(cause, len, "%s", x->err);
	sqlite3_finalize(sel);
	sqlite3_finalize(sm);
	sqlite3_finalize(ss);
	return n;
}
