/* Unit tests of the audit trail: records and their JSON, the result words,
 * ids, the spool file (permissions, lock, atomic rewrite) and its replay
 * through a fake writer (idempotence, partial failures keep the rest). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "backends/redis.h"
#include "core/audit.h"
#include "cmd/cmd.h"
#include "core/config.h"
#include "core/exitcode.h"
#include "test_config_file.h"
#include "tmpdir.h"

/* The fake stream: ids it holds, and how it answers. */
#define FAKE_MAX 64
static struct fake {
	char ids[FAKE_MAX][128];
	char cmds[FAKE_MAX][64];
	char phases[FAKE_MAX][16];
	char actions[FAKE_MAX][128];
	bool spooled[FAKE_MAX];
	int n;
	int calls;
	int answer;        /* what it answers when not written */
	int fail_from;     /* calls from this one (1-based) fail; 0: none */
	const char *reject; /* a cmd it rejects (AUDIT_REJECTED) */
} fake;

static int
fake_write(void *arg, const struct audit_record *r, char *cause, size_t len)
{
	int i;

	(void)arg;
	fake.calls++;
	if (fake.fail_from > 0 && fake.calls >= fake.fail_from) {
		snprintf(cause, len, "redis is unreachable");
		return fake.answer;
	}
	if (fake.reject != NULL && strcmp(r->cmd, fake.reject) == 0) {
		snprintf(cause, len, "redis: WRONGTYPE");
		return AUDIT_REJECTED;
	}
	/* What the Lua script does: an id seen before is not added again. */
	for (i = 0; i < fake.n; i++) {
		if (strcmp(fake.ids[i], r->id) == 0)
			return AUDIT_WRITTEN;
	}
	assert_true(fake.n < FAKE_MAX);
	snprintf(fake.ids[fake.n], sizeof fake.ids[0], "%s", r->id);
	snprintf(fake.cmds[fake.n], sizeof fake.cmds[0], "%s", r->cmd);
	snprintf(fake.phases[fake.n], sizeof fake.phases[0], "%s", r->phase);
	snprintf(fake.actions[fake.n], sizeof fake.actions[0], "%s", r->action);
	fake.spooled[fake.n] = r->spooled;
	fake.n++;
	return AUDIT_WRITTEN;
}

static const struct audit_writer writer = { fake_write, NULL };

static int
setup(void **state)
{
	memset(&fake, 0, sizeof fake);
	fake.answer = AUDIT_RETRY;
	return setup_dir(state);
}

static void
record(struct audit_record *r, const char *cmd, const char *result)
{
	audit_record_init(r, 1767323045678LL);
	snprintf(r->cmd, sizeof r->cmd, "%s", cmd);
	snprintf(r->result, sizeof r->result, "%s", result);
	snprintf(r->nodes, sizeof r->nodes, "gw1,gw2");
	snprintf(r->said, sizeof r->said, "postsuper: Placed on hold: 1 message");
}

/* Replays the spool at path through the fake writer; fails unless that
 * succeeds. */
static void
replay_ok(const char *path, struct audit_replay *rep)
{
	char cause[256] = "";

	if (audit_spool_replay(path, &writer, rep, cause, sizeof cause) != 0)
		fail_msg("replaying %s failed: %s", path, cause);
}

/* Appends a successful `cmd` to the spool at path; fails unless it can. */
static void
spool(const char *path, const char *cmd)
{
	struct audit_record a;
	char cause[256] = "";

	record(&a, cmd, "ok");
	if (audit_spool_append(path, &a, cause, sizeof cause) != 0)
		fail_msg("cannot spool '%s': %s", cmd, cause);
}

static int
lines_in(const char *path)
{
	FILE *f = fopen(path, "r");
	int n = 0, ch;

	if (f == NULL)
		return -1;
	while ((ch = fgetc(f)) != EOF)
		n += ch == '\n';
	fclose(f);
	return n;
}

static void
test_result_words(void **state)
{
	(void)state;
	assert_string_equal(audit_result(EXIT_OK, false, false), "ok");
	assert_string_equal(audit_result(EXIT_OK, true, false), "dry-run");
	assert_string_equal(audit_result(EXIT_FAILED, false, false), "failed");
	assert_string_equal(audit_result(EXIT_UNREACHABLE, true, false),
	    "failed");
	/* A role's refusal (read-only, the ACL) and a refused confirmation. */
	assert_string_equal(audit_result(EXIT_DENIED, false, false), "refused");
	assert_string_equal(audit_result(EXIT_USAGE, false, true), "refused");
}

static void
test_ids_unique(void **state)
{
	struct audit_record a, b;

	(void)state;
	audit_record_init(&a, 1000);
	audit_record_init(&b, 1000);
	assert_string_not_equal(a.id, b.id);
	audit_make_id(a.id, sizeof a.id, "ops 1;$(x)", 5);
	/* Only [A-Za-z0-9.-] of the host: the id is part of a key. */
	assert_int_equal(strncmp(a.id, "ops1x-", 6), 0);
	assert_null(strpbrk(a.id, " ;$()"));
}

static void
test_origin(void **state)
{
	char buf[64];

	(void)state;
	audit_ssh_client("203.0.113.7 51000 10.0.0.1 22", buf, sizeof buf);
	assert_string_equal(buf, "203.0.113.7");
	audit_ssh_client("2001:db8::7 51000 22", buf, sizeof buf);
	assert_string_equal(buf, "2001:db8::7");
	audit_ssh_client("$(reboot) 1 2", buf, sizeof buf);
	assert_string_equal(buf, "");
	audit_ssh_client(NULL, buf, sizeof buf);
	assert_string_equal(buf, "");
	validate_sanitize(buf, sizeof buf, "a\nb\x1b[2J");
	assert_string_equal(buf, "a\\x0ab\\x1b[2J");
}

static void
test_json_round_trip(void **state)
{
	struct audit_record r, back;
	char cause[256], when[40];
	json_t *o;

	(void)state;
	record(&r, "queue hold gw1:3F2A1B2C3D --yes", "ok");
	snprintf(r.ssh_client, sizeof r.ssh_client, "192.0.2.4");
	snprintf(r.redis_user, sizeof r.redis_user, "admin");
	r.exit_code = 0;
	o = audit_record_json(&r);
	assert_int_equal(json_integer_value(json_object_get(o, "at")),
	    1767323045678LL);
	assert_string_equal(json_string_value(json_object_get(o, "time")),
	    "2026-01-02T03:04:05.678Z");
	assert_int_equal(json_array_size(json_object_get(o, "nodes")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(o,
	    "nodes"), 1)), "gw2");
	assert_true(json_is_false(json_object_get(o, "spooled")));
	assert_int_equal(audit_record_from_json(o, &back, cause, sizeof cause),
	    0);
	assert_string_equal(back.id, r.id);
	assert_string_equal(back.cmd, r.cmd);
	assert_string_equal(back.nodes, "gw1,gw2");
	assert_string_equal(back.ssh_client, "192.0.2.4");
	assert_string_equal(back.said, r.said);
	assert_string_equal(back.user, r.user);
	assert_int_equal(back.at_ms, r.at_ms);
	json_decref(o);

	/* No tty, no SSH: null, not "". */
	r.tty[0] = r.ssh_client[0] = '\0';
	o = audit_record_json(&r);
	assert_true(json_is_null(json_object_get(o, "tty")));
	assert_true(json_is_null(json_object_get(o, "ssh_client")));
	json_decref(o);

	o = json_pack("{s:s,s:i}", "id", "x", "at", 5);
	assert_int_equal(audit_record_from_json(o, &back, cause, sizeof cause),
	    -1);
	assert_string_equal(cause, "an audit record needs a command");
	json_decref(o);
	assert_string_equal(audit_time_iso(0, when, sizeof when),
	    "1970-01-01T00:00:00.000Z");
}

static void
test_spool_path(void **state)
{
	char buf[512], cause[256];

	(void)state;
	setenv("MAILNOC_AUDIT_FILE", "/x/a.jsonl", 1);
	assert_int_equal(audit_spool_path(buf, sizeof buf, cause, sizeof cause),
	    0);
	assert_string_equal(buf, "/x/a.jsonl");
	unsetenv("MAILNOC_AUDIT_FILE");
	setenv("XDG_STATE_HOME", "/st", 1);
	audit_spool_path(buf, sizeof buf, cause, sizeof cause);
	assert_string_equal(buf, "/st/mailnoc/audit.jsonl");
	unsetenv("XDG_STATE_HOME");
	setenv("HOME", "/home/op", 1);
	audit_spool_path(buf, sizeof buf, cause, sizeof cause);
	assert_string_equal(buf, "/home/op/.local/state/mailnoc/audit.jsonl");
}

static void
test_spool_permissions(void **state)
{
	struct audit_record r;
	char path[256], sub[256], cause[256];
	struct stat st;

	(void)state;
	snprintf(sub, sizeof sub, "%s/state/mailnoc", dir);
	snprintf(path, sizeof path, "%s/audit.jsonl", sub);
	record(&r, "block 127.0.2.90", "ok");
	umask(022);
	assert_int_equal(audit_spool_append(path, &r, cause, sizeof cause), 0);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(lines_in(path), 1);
}

/* A spool that is a symbolic link is never written through. */
static void
test_spool_symlink(void **state)
{
	struct audit_record r;
	char path[256], target[256], cause[256];
	struct stat st;

	(void)state;
	snprintf(target, sizeof target, "%s/elsewhere", dir);
	snprintf(path, sizeof path, "%s/linked.jsonl", dir);
	assert_int_equal(symlink(target, path), 0);
	record(&r, "block 127.0.2.91", "ok");
	assert_int_equal(audit_spool_append(path, &r, cause, sizeof cause), -1);
	assert_int_equal(stat(target, &st), -1);
	unlink(path);
}

/* Redis away: the record goes to the file; back: replayed once, file gone. */
static void
test_submit_spools_then_replays(void **state)
{
	struct audit_record a, b;
	struct audit_replay rep;
	char path[256], cause[256];

	(void)state;
	snprintf(path, sizeof path, "%s/audit.jsonl", dir);
	fake.fail_from = 1;
	record(&a, "queue hold gw1:AAA", "ok");
	assert_int_equal(audit_submit(path, &writer, &a, cause, sizeof cause),
	    AUDIT_SPOOLED);
	assert_int_equal(lines_in(path), 1);
	record(&b, "queue hold gw1:BBB", "failed");
	assert_int_equal(audit_submit(path, &writer, &b, cause, sizeof cause),
	    AUDIT_SPOOLED);
	assert_int_equal(lines_in(path), 2);
	assert_int_equal(fake.n, 0);

	/* A refusal changed nothing: not spooled. */
	record(&b, "block 127.0.2.91", "refused");
	assert_int_equal(audit_submit(path, &writer, &b, cause, sizeof cause),
	    AUDIT_DROPPED);
	assert_int_equal(lines_in(path), 2);

	fake.fail_from = 0;
	replay_ok(path, &rep);
	assert_int_equal(rep.written, 2);
	assert_int_equal(rep.left, 0);
	assert_int_equal(fake.n, 2);
	assert_string_equal(fake.cmds[0], "queue hold gw1:AAA");
	assert_true(fake.spooled[0]);
	assert_int_equal(access(path, F_OK), -1);

	/* Nothing to replay: nothing happens. */
	fake.calls = 0;
	replay_ok(path, &rep);
	assert_int_equal(fake.calls, 0);
}

/* A crash after the stream took the records but before the file was
 * rewritten: the replay again writes nothing twice. */
static void
test_replay_idempotent(void **state)
{
	struct audit_replay rep;
	char path[256], copy[300], cmd[512];

	(void)state;
	snprintf(path, sizeof path, "%s/audit.jsonl", dir);
	snprintf(copy, sizeof copy, "%s/saved.jsonl", dir);
	spool(path, "drain gw1");
	spool(path, "undrain gw1");
	snprintf(cmd, sizeof cmd, "cp '%s' '%s'", path, copy);
	assert_int_equal(system(cmd), 0);
	replay_ok(path, &rep);
	assert_int_equal(fake.n, 2);
	assert_int_equal(rename(copy, path), 0);
	replay_ok(path, &rep);
	assert_int_equal(rep.written, 2);
	assert_int_equal(fake.n, 2);
	assert_int_equal(access(path, F_OK), -1);
}

/* Redis goes away in the middle: what was confirmed leaves the file, the
 * rest stays, in order. */
static void
test_replay_partial(void **state)
{
	struct audit_replay rep;
	char path[256], line[4096];
	const char *cmds[] = { "r1", "r2", "r3", "r4" };
	struct stat st;
	FILE *f;
	int i;

	(void)state;
	snprintf(path, sizeof path, "%s/audit.jsonl", dir);
	for (i = 0; i < 4; i++) {
		spool(path, cmds[i]);
	}
	fake.fail_from = 3;
	replay_ok(path, &rep);
	assert_int_equal(rep.written, 2);
	assert_int_equal(rep.left, 2);
	assert_int_equal(fake.calls, 3); /* stopped at the first failure */
	assert_int_equal(lines_in(path), 2);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	f = fopen(path, "r");
	assert_non_null(fgets(line, sizeof line, f));
	assert_non_null(strstr(line, "\"cmd\":\"r3\""));
	fclose(f);

	fake.fail_from = 0;
	replay_ok(path, &rep);
	assert_int_equal(fake.n, 4);
	assert_string_equal(fake.cmds[2], "r3");
	assert_string_equal(fake.cmds[3], "r4");
	assert_int_equal(access(path, F_OK), -1);
}

/* One record the stream rejects stays; the others go; a garbled line is
 * moved aside to PATH.bad. */
static void
test_replay_rejected_and_bad(void **state)
{
	struct audit_replay rep;
	char path[256], bad[300];
	FILE *f;

	(void)state;
	snprintf(path, sizeof path, "%s/audit.jsonl", dir);
	snprintf(bad, sizeof bad, "%s.bad", path);
	spool(path, "r1");
	f = fopen(path, "a");
	fputs("{not json\n", f);
	fclose(f);
	spool(path, "r2");
	spool(path, "r3");
	fake.reject = "r2";
	replay_ok(path, &rep);
	assert_int_equal(rep.written, 2);
	assert_int_equal(rep.left, 1);
	assert_int_equal(rep.bad, 1);
	assert_int_equal(lines_in(path), 1);
	assert_int_equal(lines_in(bad), 1);
	assert_string_equal(fake.cmds[1], "r3");
}

/* A line cut short by a crash costs only itself: the next record starts on
 * a line of its own and is replayed. */
static void
test_spool_torn_line(void **state)
{
	struct audit_replay rep;
	char path[256];
	FILE *f;

	(void)state;
	snprintf(path, sizeof path, "%s/audit.jsonl", dir);
	f = fopen(path, "w");
	fputs("{\"id\":\"torn", f);
	fclose(f);
	spool(path, "r1");
	replay_ok(path, &rep);
	assert_int_equal(rep.written, 1);
	assert_int_equal(rep.bad, 1);
	assert_string_equal(fake.cmds[0], "r1");
}

/* Another console replaying holds the lock: this one leaves it alone. */
static void
test_replay_busy(void **state)
{
	struct audit_replay rep;
	char path[256], cause[256], cmd[600];
	int rc;

	(void)state;
	snprintf(path, sizeof path, "%s/audit.jsonl", dir);
	spool(path, "r1");
	/* flock(1) holds the lock in another process for a moment. */
	snprintf(cmd, sizeof cmd, "flock '%s' sleep 1 & sleep 0.3", path);
	assert_int_equal(system(cmd), 0);
	rc = audit_spool_replay(path, &writer, &rep, cause, sizeof cause);
	assert_int_equal(rc, 0);
	assert_true(rep.busy);
	assert_int_equal(fake.calls, 0);
	assert_int_equal(lines_in(path), 1);
	sleep(1);
	replay_ok(path, &rep);
	assert_false(rep.busy);
	assert_int_equal(fake.n, 1);
}

/* The user may not write the stream: a change is kept for someone who may;
 * the replay stops at once. */
static void
test_denied(void **state)
{
	struct audit_record a;
	struct audit_replay rep;
	char path[256], cause[256];

	(void)state;
	snprintf(path, sizeof path, "%s/audit.jsonl", dir);
	fake.fail_from = 1;
	fake.answer = AUDIT_DENIED;
	record(&a, "r1", "ok");
	assert_int_equal(audit_submit(path, &writer, &a, cause, sizeof cause),
	    AUDIT_SPOOLED);
	record(&a, "r2", "ok");
	assert_int_equal(audit_submit(path, &writer, &a, cause, sizeof cause),
	    AUDIT_SPOOLED);
	fake.calls = 0;
	replay_ok(path, &rep);
	assert_int_equal(fake.calls, 1);
	assert_int_equal(rep.left, 2);
	/* No spool at all: the record is lost and says so. */
	assert_int_equal(audit_submit(NULL, &writer, &a, cause, sizeof cause),
	    AUDIT_LOST);
}

/* An action's two records: the started one, then its completed one. */
static void
test_start_finish(void **state)
{
	struct audit_record s, d, back;
	char cause[256];
	json_t *o;

	(void)state;
	audit_record_init(&s, 1767323045678LL);
	snprintf(s.cmd, sizeof s.cmd, "queue hold gw1:AAA --yes");
	snprintf(s.via, sizeof s.via, "console");
	audit_record_start(&s);
	assert_string_equal(s.action, s.id);
	assert_string_equal(s.phase, AUDIT_STARTED);
	assert_string_equal(s.result, AUDIT_STARTED);
	assert_int_equal(s.exit_code, -1);
	/* Not ended yet: no exit code in its JSON, and it reads back so. */
	o = audit_record_json(&s);
	assert_true(json_is_null(json_object_get(o, "exit")));
	assert_string_equal(json_string_value(json_object_get(o, "phase")),
	    "started");
	assert_int_equal(audit_record_from_json(o, &back, cause, sizeof cause),
	    0);
	assert_int_equal(back.exit_code, -1);
	assert_string_equal(back.action, s.id);
	assert_string_equal(back.phase, AUDIT_STARTED);
	json_decref(o);

	audit_record_finish(&d, &s, 1767323049000LL);
	assert_string_not_equal(d.id, s.id);
	assert_string_equal(d.action, s.id);
	assert_string_equal(d.phase, AUDIT_COMPLETED);
	assert_string_equal(d.cmd, s.cmd);
	assert_string_equal(d.via, "console");
	assert_int_equal(d.at_ms, 1767323049000LL);

	/* A record from before: its own action, completed. */
	o = json_pack("{s:s,s:I,s:s,s:s,s:i}", "id", "old-1", "at",
	    (json_int_t)5, "cmd", "block 127.0.2.9", "result", "ok", "exit", 0);
	assert_int_equal(audit_record_from_json(o, &back, cause, sizeof cause),
	    0);
	assert_string_equal(back.action, "old-1");
	assert_string_equal(back.phase, AUDIT_COMPLETED);
	json_decref(o);
}

/* Redis away: both records wait in the spool, in order; back: each is in
 * the stream once, started before completed, however often it replays. */
static void
test_pair_spooled_once(void **state)
{
	struct audit_record s, d;
	struct audit_replay rep;
	char path[256], saved[300], cmd[700], cause[256];

	(void)state;
	snprintf(path, sizeof path, "%s/audit.jsonl", dir);
	snprintf(saved, sizeof saved, "%s/saved.jsonl", dir);
	fake.fail_from = 1;
	record(&s, "queue hold gw1:AAA --yes", "ok");
	audit_record_start(&s);
	assert_int_equal(audit_submit(path, &writer, &s, cause, sizeof cause),
	    AUDIT_SPOOLED);
	assert_true(audit_may_start(AUDIT_SPOOLED, true));
	audit_record_finish(&d, &s, 1767323049000LL);
	snprintf(d.result, sizeof d.result, "ok");
	d.exit_code = 0;
	assert_int_equal(audit_submit(path, &writer, &d, cause, sizeof cause),
	    AUDIT_SPOOLED);
	assert_int_equal(lines_in(path), 2);
	snprintf(cmd, sizeof cmd, "cp '%s' '%s'", path, saved);
	assert_int_equal(system(cmd), 0);

	fake.fail_from = 0;
	replay_ok(path, &rep);
	assert_int_equal(rep.written, 2);
	assert_int_equal(fake.n, 2);
	assert_string_equal(fake.phases[0], AUDIT_STARTED);
	assert_string_equal(fake.phases[1], AUDIT_COMPLETED);
	assert_string_equal(fake.actions[0], fake.actions[1]);
	assert_true(fake.spooled[0] && fake.spooled[1]);
	assert_int_equal(access(path, F_OK), -1);
	/* A replay cut short before the file was rewritten: the same lines. */
	snprintf(cmd, sizeof cmd, "cp '%s' '%s'", saved, path);
	assert_int_equal(system(cmd), 0);
	replay_ok(path, &rep);
	assert_int_equal(rep.written, 2);
	assert_int_equal(fake.n, 2);
}

/* Neither the stream nor the spool takes it: lost, both reasons said; a
 * required audit stops the action, an optional one lets it go. */
static void
test_lost_refuses(void **state)
{
	struct audit_record s;
	char path[256], file[256], cause[512];
	FILE *f;
	int rc;

	(void)state;
	/* Root ignores modes: a path under a regular file cannot be made. */
	snprintf(file, sizeof file, "%s/not-a-dir", dir);
	assert_non_null(f = fopen(file, "w"));
	fclose(f);
	snprintf(path, sizeof path, "%s/state/audit.jsonl", file);
	fake.fail_from = 1;
	record(&s, "block 127.0.2.9 --for 1m --reason x --yes", "ok");
	audit_record_start(&s);
	rc = audit_submit(path, &writer, &s, cause, sizeof cause);
	assert_int_equal(rc, AUDIT_LOST);
	assert_false(s.spooled);
	assert_non_null(strstr(cause, "redis is unreachable"));
	assert_non_null(strstr(cause, "not-a-dir"));
	assert_null(strchr(cause, '\n'));
	assert_false(audit_may_start(rc, true));
	assert_true(audit_may_start(rc, false));
	assert_true(audit_may_start(AUDIT_IN_STREAM, true));
	assert_int_equal(fake.n, 0);
}

static void
fold_rec(struct audit_record *r, const char *action, const char *phase,
    long long at)
{
	memset(r, 0, sizeof *r);
	snprintf(r->id, sizeof r->id, "%s-%s", action, phase);
	snprintf(r->action, sizeof r->action, "%s", action);
	snprintf(r->phase, sizeof r->phase, "%s", phase);
	snprintf(r->result, sizeof r->result, "%s", strcmp(phase,
	    AUDIT_STARTED) == 0 ? AUDIT_STARTED : "ok");
	r->at_ms = at;
}

/* One line per action, newest first: its final result and when it
 * started; an action never completed stays visible as started. */
static void
test_fold(void **state)
{
	struct audit_record v[8];
	size_t n;

	(void)state;
	fold_rec(&v[0], "B", AUDIT_COMPLETED, 90);
	fold_rec(&v[1], "A", AUDIT_COMPLETED, 80);
	/* Replayed late: a started record can arrive after its end. */
	fold_rec(&v[2], "E", AUDIT_STARTED, 75);
	fold_rec(&v[3], "B", AUDIT_STARTED, 70);
	fold_rec(&v[4], "C", AUDIT_STARTED, 60);
	fold_rec(&v[5], "A", AUDIT_STARTED, 50);
	fold_rec(&v[6], "E", AUDIT_COMPLETED, 76);
	v[2].spooled = true;
	/* A record written before actions had two: alone, as it was. */
	fold_rec(&v[7], "D", AUDIT_COMPLETED, 40);
	n = audit_fold(v, 8);
	assert_int_equal(n, 5);
	assert_string_equal(v[0].action, "B");
	assert_int_equal(v[0].started_ms, 70);
	assert_string_equal(v[1].action, "A");
	assert_int_equal(v[1].started_ms, 50);
	assert_string_equal(v[2].action, "C");
	assert_string_equal(v[2].phase, AUDIT_STARTED);
	assert_int_equal(v[2].started_ms, 0);
	assert_string_equal(v[3].action, "E");
	assert_string_equal(v[3].phase, AUDIT_COMPLETED);
	assert_int_equal(v[3].started_ms, 75);
	assert_true(v[3].spooled);
	assert_string_equal(v[4].action, "D");
	assert_int_equal(v[4].started_ms, 0);
	assert_int_equal(audit_fold(v, 0), 0);
}

/* The command flow with Redis away (a port nobody listens on): the change
 * runs only when its started record has a place. */
static int flow_acted;

static int
flow_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	int code;

	(void)c;
	if ((code = cmd_begin(ctx)) != EXIT_OK)
		return code;
	flow_acted++;
	cmd_touch(ctx, "redis");
	cmd_said(ctx, "did the thing");
	cmd_json_print(ctx, json_pack("{s:b}", "done", 1));
	return EXIT_OK;
}

static const struct cmd_entry flow_entry = {
	.name = "flowtest", .usage = "", .help = "a change", .min_args = 0,
	.max_args = 0, .flags = CMD_MUTATES, .exec = flow_exec,
};

static struct config *
flow_config(bool required)
{
	return test_config_file(dir, required ? "\"audit\": { \"required\": "
	    "true }" : "\"audit\": { \"required\": false }", "\"host\": "
	    "\"127.0.0.1\", \"port\": 1, \"connect_timeout_ms\": 300, "
	    "\"command_timeout_ms\": 300");
}

static int
flow_run(struct config *cfg, char **out, bool *said_in_json,
    char *cause, size_t len)
{
	struct cmd_ctx ctx = { 0 };
	struct cmd c;
	size_t outlen = 0;
	int code;

	memset(&c, 0, sizeof c);
	c.entry = &flow_entry;
	c.json = true;
	ctx.cfg = cfg;
	ctx.audit = true;
	ctx.out = open_memstream(out, &outlen);
	code = cmd_exec(&c, &ctx);
	fclose(ctx.out);
	*said_in_json = ctx.audit_lost_said;
	snprintf(cause, len, "%s", ctx.cause);
	if (ctx.redis != NULL) {
		redis_close(ctx.redis);
		free(ctx.redis);
	}
	return code;
}

static void
test_flow(void **state)
{
	char spool[256], file[256], cause[512], *out = NULL;
	struct config *cfg;
	bool said;
	FILE *f;
	int code;

	(void)state;
	snprintf(file, sizeof file, "%s/not-a-dir", dir);
	assert_non_null(f = fopen(file, "w"));
	fclose(f);
	snprintf(spool, sizeof spool, "%s/audit.jsonl", file);
	setenv("MAILNOC_AUDIT_FILE", spool, 1);

	/* Required (the default): refused with one line, nothing done. */
	cfg = flow_config(true);
	flow_acted = 0;
	code = flow_run(cfg, &out, &said, cause, sizeof cause);
	assert_int_equal(code, EXIT_AUDIT_REFUSED);
	assert_int_equal(flow_acted, 0);
	assert_non_null(strstr(cause, "flowtest: refused, nothing was done"));
	assert_non_null(strstr(cause, "not-a-dir"));
	assert_null(strchr(cause, '\n'));
	assert_string_equal(out, "");
	free(out);
	config_free(cfg);

	/* Not required: it runs, and the loss is in the JSON and the code. */
	cfg = flow_config(false);
	code = flow_run(cfg, &out, &said, cause, sizeof cause);
	assert_int_equal(code, EXIT_AUDIT_LOST);
	assert_int_equal(flow_acted, 1);
	assert_true(said);
	assert_non_null(strstr(out, "\"done\":true"));
	assert_non_null(strstr(out, "\"audit_lost\":"));
	assert_non_null(strstr(cause, "the audit record is lost; did the "
	    "thing; "));
	free(out);

	/* A spool that works: the change runs, both records wait there. */
	snprintf(spool, sizeof spool, "%s/ok/audit.jsonl", dir);
	setenv("MAILNOC_AUDIT_FILE", spool, 1);
	code = flow_run(cfg, &out, &said, cause, sizeof cause);
	assert_int_equal(code, EXIT_OK);
	assert_int_equal(flow_acted, 2);
	assert_null(strstr(out, "audit_lost"));
	assert_int_equal(lines_in(spool), 2);
	free(out);
	config_free(cfg);
	unsetenv("MAILNOC_AUDIT_FILE");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_result_words),
		cmocka_unit_test(test_ids_unique),
		cmocka_unit_test(test_origin),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_spool_path),
		cmocka_unit_test_setup_teardown(test_spool_torn_line, setup,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_spool_permissions, setup,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_spool_symlink, setup,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_submit_spools_then_replays,
		    setup, teardown_dir),
		cmocka_unit_test_setup_teardown(test_replay_idempotent, setup,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_replay_partial, setup,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_replay_rejected_and_bad,
		    setup, teardown_dir),
		cmocka_unit_test_setup_teardown(test_replay_busy, setup,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_denied, setup,
		    teardown_dir),
		cmocka_unit_test(test_start_finish),
		cmocka_unit_test_setup_teardown(test_pair_spooled_once, setup,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_lost_refuses, setup,
		    teardown_dir),
		cmocka_unit_test(test_fold),
		cmocka_unit_test_setup_teardown(test_flow, setup,
		    teardown_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
