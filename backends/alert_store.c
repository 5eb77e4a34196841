/* Alerts in Redis: record the rules' result, list, acknowledge, silence. */
#include "backends/alert_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/keys.h"
#include "core/validate.h"
#include "core/xalloc.h"

/*
 * The script declares no keys, like the policy script: Redis would check
 * declared keys as a whole against the agent's ACL user, while each
 * redis.call is checked on its own. ARGV: prefix, owner, lease seconds,
 * now, keep seconds, n, then n times kind, subject, severity, text.
 * A record of the wrong type (someone wrote over alert:{id}) gets a new
 * id rather than failing every later evaluation; a new id skips keys that
 * exist already, so the agents never need DEL.
 */
const char alert_store_script[] =
	"local p, owner, ttl, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4]\n"
	"local keep, n = tonumber(ARGV[5]), tonumber(ARGV[6])\n"
	"local klease = p .. '" KEY_ALERTS_LEASE "'\n"
	"local kact = p .. '" KEY_ALERTS_ACTIVE "'\n"
	"local kidx = p .. '" KEY_ALERTS "'\n"
	"local lease = redis.call('GET', klease)\n"
	"if lease and lease ~= owner then return {0, lease} end\n"
	"redis.call('SET', klease, owner, 'EX', ttl)\n"
	"local seen, raised, resolved = {}, 0, 0\n"
	"local function new(k, kind, subj)\n"
	"  local id\n"
	"  repeat id = redis.call('INCR', p .. '" KEY_ALERTS_SEQ "')\n"
	"  until redis.call('TYPE', p .. 'alert:' .. id).ok == 'none'\n"
	"  redis.call('HSET', kact, k, id)\n"
	"  redis.call('HSET', p .. 'alert:' .. id, 'kind', kind, 'subject', "
	    "subj, 'first_seen', now, 'state', 'active')\n"
	"  raised = raised + 1\n"
	"  return id\n"
	"end\n"
	"for i = 0, n - 1 do\n"
	"  local kind, subj = ARGV[7 + 4 * i], ARGV[8 + 4 * i]\n"
	"  local sev, text = ARGV[9 + 4 * i], ARGV[10 + 4 * i]\n"
	"  local k = kind .. ':' .. subj\n"
	"  seen[k] = true\n"
	"  local id = redis.call('HGET', kact, k)\n"
	"  if id and redis.call('TYPE', p .. 'alert:' .. id).ok ~= 'hash' "
	    "then id = nil end\n"
	"  if not id then id = new(k, kind, subj)\n"
	"  elseif sev == 'critical' and redis.call('HGET', p .. 'alert:' .. "
	    "id, 'severity') == 'warning' then\n"
	"    redis.call('HDEL', p .. 'alert:' .. id, 'ack_by', 'ack_at', "
	    "'ack_note')\n"
	"  end\n"
	"  redis.call('HSET', p .. 'alert:' .. id, 'severity', sev, 'text', "
	    "text, 'last_seen', now)\n"
	"  redis.call('ZADD', kidx, now, id)\n"
	"end\n"
	"local act = redis.call('HGETALL', kact)\n"
	"for i = 1, #act, 2 do\n"
	"  if not seen[act[i]] then\n"
	"    local ka = p .. 'alert:' .. act[i + 1]\n"
	"    if redis.call('TYPE', ka).ok == 'hash' then\n"
	"      redis.call('HSET', ka, 'state', 'resolved', 'resolved_at', "
	    "now)\n"
	"      redis.call('EXPIRE', ka, keep)\n"
	"    end\n"
	"    redis.call('HDEL', kact, act[i])\n"
	"    redis.call('ZADD', kidx, now, act[i + 1])\n"
	"    resolved = resolved + 1\n"
	"  end\n"
	"end\n"
	"redis.call('ZREMRANGEBYSCORE', kidx, '-inf', now - keep)\n"
	"return {1, raised, resolved}\n";

static int
alert_store_fail(struct redis *r, const char *what, char *cause, size_t len)
{
	snprintf(cause, len, "%s: %s", what, r->errstr);
	return -1;
}

static int
alert_sync_load(struct redis *r, struct alert_sync *st, char *cause,
    size_t len)
{
	redisReply *reply;

	if ((reply = redis_command(r, "SCRIPT LOAD %s",
	    alert_store_script)) == NULL)
		return alert_store_fail(r, "cannot load the alert script", cause,
		    len);
	if (reply->type != REDIS_REPLY_STRING || reply->len != 40) {
		freeReplyObject(reply);
		r->err = RERR_REPLY;
		snprintf(cause, len, "cannot load the alert script: SCRIPT "
		    "LOAD gave no SHA1");
		return -1;
	}
	memcpy(st->sha, reply->str, 40);
	st->sha[40] = '\0';
	freeReplyObject(reply);
	return 0;
}

int
alert_store_sync(struct redis *r, struct alert_sync *st, const char *owner,
    int lease_s, const struct alert_raise *a, size_t n, long long now,
    int *raised, int *resolved, char *cause, size_t len)
{
	const char **argv;
	char ttl[16], at[24], keep[24], count[24];
	redisReply *reply = NULL;
	size_t i, argc = 9 + 4 * n;
	int attempt, rc = -1;

	argv = xcalloc(argc, sizeof *argv);
	snprintf(ttl, sizeof ttl, "%d", lease_s);
	snprintf(at, sizeof at, "%lld", now);
	snprintf(keep, sizeof keep, "%lld", ALERT_KEEP_S);
	snprintf(count, sizeof count, "%zu", n);
	argv[0] = "EVALSHA";
	argv[2] = "0";
	argv[3] = r->cfg->redis.prefix;
	argv[4] = owner;
	argv[5] = ttl;
	argv[6] = at;
	argv[7] = keep;
	argv[8] = count;
	for (i = 0; i < n; i++) {
		argv[9 + 4 * i] = alert_kinds[a[i].kind].name;
		argv[10 + 4 * i] = a[i].subject;
		argv[11 + 4 * i] = alert_severity_name(a[i].severity);
		argv[12 + 4 * i] = a[i].text;
	}
	/* Once more after NOSCRIPT: Redis restarted or flushed its scripts. */
	for (attempt = 0; attempt < 2; attempt++) {
		if (st->sha[0] == '\0' && alert_sync_load(r, st, cause,
		    len) == -1)
			goto out;
		argv[1] = st->sha;
		reply = redis_commandv(r, (int)argc, argv, NULL);
		if (reply != NULL || r->err != RERR_REPLY ||
		    strstr(r->errstr, "NOSCRIPT") == NULL)
			break;
		st->sha[0] = '\0';
	}
	if (reply == NULL) {
		alert_store_fail(r, "cannot record the alerts", cause, len);
		goto out;
	}
	if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1 ||
	    reply->element[0]->type != REDIS_REPLY_INTEGER) {
		r->err = RERR_REPLY;
		snprintf(cause, len, "cannot record the alerts: the script's "
		    "answer is not an array");
		goto out;
	}
	rc = reply->element[0]->integer == 1 ? 1 : 0;
	*raised = *resolved = 0;
	if (rc == 1 && reply->elements == 3) {
		*raised = (int)reply->element[1]->integer;
		*resolved = (int)reply->element[2]->integer;
	}
out:
	if (reply != NULL)
		freeReplyObject(reply);
	free(argv);
	return rc;
}

void
alert_list_free(struct alert_list *l)
{
	free(l->v);
	free(l->s);
	memset(l, 0, sizeof *l);
}

static long long
alert_store_id(const redisReply *e)
{
	char *end;
	long long id;

	if (e->type != REDIS_REPLY_STRING || e->len == 0 || e->str[0] < '0' ||
	    e->str[0] > '9')
		return -1;
	errno = 0;
	id = strtoll(e->str, &end, 10);
	return errno != 0 || *end != '\0' ? -1 : id;
}

/* A silence from its index member "kind:subject" and HMGET reply. */
static bool
alert_store_silence_parse(struct silence *s, const char *member,
    const redisReply *h, long long now)
{
	const char *colon = strchr(member, ':');
	size_t klen;

	memset(s, 0, sizeof *s);
	if (colon == NULL || h == NULL || h->type != REDIS_REPLY_ARRAY ||
	    h->elements != 4 || h->element[0]->type != REDIS_REPLY_STRING)
		return false;
	klen = (size_t)(colon - member);
	if (klen >= sizeof s->kind)
		return false;
	memcpy(s->kind, member, klen);
	s->kind[klen] = '\0';
	validate_sanitize(s->subject, sizeof s->subject, colon + 1);
	s->until = strtoll(h->element[0]->str, NULL, 10);
	if (s->until <= now)
		return false;
	if (h->element[1]->type == REDIS_REPLY_STRING)
		validate_sanitize(s->why, sizeof s->why, h->element[1]->str);
	if (h->element[2]->type == REDIS_REPLY_STRING)
		validate_sanitize(s->who, sizeof s->who, h->element[2]->str);
	if (h->element[3]->type == REDIS_REPLY_STRING)
		s->since = strtoll(h->element[3]->str, NULL, 10);
	return true;
}

/* An alert from its HMGET reply (fields in alert_field_names order). */
static void
alert_store_parse(struct alert *a, long long id, const redisReply *h)
{
	const char *v[AF_COUNT] = { NULL };
	size_t i;

	if (h != NULL && redis_wrongtype(h)) {
		memset(a, 0, sizeof *a);
		a->id = id;
		a->active = true;
		a->severity = ALERT_CRITICAL;
		snprintf(a->malformed, sizeof a->malformed, "the key is not a "
		    "hash");
		return;
	}
	if (h != NULL && h->type == REDIS_REPLY_ARRAY &&
	    h->elements == AF_COUNT) {
		for (i = 0; i < AF_COUNT; i++) {
			if (h->element[i]->type == REDIS_REPLY_STRING)
				v[i] = h->element[i]->str;
		}
	}
	alert_parse(a, id, v);
}

int
alert_store_list(struct redis *r, bool all, long long now,
    struct alert_list *out, char *cause, size_t len)
{
	redisReply *first[2] = { NULL, NULL }, **rep = NULL;
	const redisReply *ids, *sil;
	char key[256], from[24], max[16], kind[ALERT_KIND_MAX];
	long long *idv = NULL;
	size_t i, j, nid = 0, nsil, nrep;
	const char *argv[2 + AF_COUNT];

	memset(out, 0, sizeof *out);
	snprintf(from, sizeof from, "(%lld", now);
	snprintf(max, sizeof max, "%d", ALERT_LIST_MAX - 1);
	if (all)
		redisAppendCommand(r->ctx, "ZREVRANGE %s 0 %s", redis_key(
		    r->cfg, key, sizeof key, KEY_ALERTS), max);
	else
		redisAppendCommand(r->ctx, "HVALS %s", redis_key(r->cfg, key,
		    sizeof key, KEY_ALERTS_ACTIVE));
	redisAppendCommand(r->ctx, "ZRANGEBYSCORE %s %s +inf", redis_key(
	    r->cfg, key, sizeof key, KEY_SILENCES), from);
	if (redis_read_replies(r, 2, first) == -1)
		return alert_store_fail(r, "cannot list the alerts", cause, len);
	for (i = 0; i < 2; i++) {
		if (first[i]->type == REDIS_REPLY_ERROR &&
		    !redis_wrongtype(first[i])) {
			redis_set_reply_error(r, first[i]);
			freeReplyObject(first[0]);
			freeReplyObject(first[1]);
			return alert_store_fail(r, "cannot list the alerts",
			    cause, len);
		}
	}
	ids = first[0];
	sil = first[1];
	nid = ids->type == REDIS_REPLY_ARRAY ? ids->elements : 0;
	nsil = sil->type == REDIS_REPLY_ARRAY ? sil->elements : 0;
	if (nid > ALERT_LIST_MAX)
		nid = ALERT_LIST_MAX;
	idv = xcalloc(nid + 1, sizeof *idv);
	for (i = j = 0; i < nid; i++) {
		if ((idv[j] = alert_store_id(ids->element[i])) >= 0)
			j++;
	}
	nid = j;
	/* Newest first: ids grow with time. */
	for (i = 1; !all && i < nid; i++) {
		long long t = idv[i];

		for (j = i; j > 0 && idv[j - 1] < t; j--)
			idv[j] = idv[j - 1];
		idv[j] = t;
	}
	argv[0] = "HMGET";
	for (i = 0; i < AF_COUNT; i++)
		argv[2 + i] = alert_field_names[i];
	for (i = 0; i < nid; i++) {
		argv[1] = redis_key(r->cfg, key, sizeof key, KEY_ALERT, idv[i]);
		redisAppendCommandArgv(r->ctx, 2 + AF_COUNT, argv, NULL);
	}
	for (i = 0; i < nsil; i++) {
		const char *m = sil->element[i]->type == REDIS_REPLY_STRING ?
		    sil->element[i]->str : "";
		const char *colon = strchr(m, ':');
		int klen = colon != NULL ? (int)(colon - m) : (int)strlen(m);

		snprintf(kind, sizeof kind, "%.*s", klen, m);
		redis_key(r->cfg, key, sizeof key, KEY_SILENCE, kind,
		    colon != NULL ? colon + 1 : "");
		redisAppendCommand(r->ctx, "HMGET %s " SF_UNTIL " " SF_WHY " "
		    SF_WHO " " SF_SINCE, key);
	}
	nrep = nid + nsil;
	rep = xcalloc(nrep + 1, sizeof *rep);
	if (nrep > 0 && redis_read_replies(r, nrep, rep) == -1) {
		free(rep);
		free(idv);
		freeReplyObject(first[0]);
		freeReplyObject(first[1]);
		return alert_store_fail(r, "cannot list the alerts", cause, len);
	}
	out->v = xcalloc(nid + 1, sizeof *out->v);
	out->s = xcalloc(nsil + 1, sizeof *out->s);
	for (i = 0; i < nsil; i++) {
		if (sil->element[i]->type == REDIS_REPLY_STRING &&
		    alert_store_silence_parse(&out->s[out->ns],
		    sil->element[i]->str, rep[nid + i], now))
			out->ns++;
	}
	for (i = 0; i < nid; i++) {
		struct alert *a = &out->v[out->n];

		alert_store_parse(a, idv[i], rep[i]);
		/* An active listing: a resolved record in the index is stale. */
		if (!all && !a->active && a->malformed[0] == '\0')
			continue;
		for (j = 0; j < out->ns; j++) {
			const struct silence *s = &out->s[j];

			if (alert_silence_covers(s->kind, s->subject, s->until,
			    a, now) && s->until > a->silenced_until) {
				a->silenced_until = s->until;
				snprintf(a->silence_why, sizeof a->silence_why,
				    "%s", s->why);
				snprintf(a->silence_by, sizeof a->silence_by,
				    "%s", s->who);
			}
		}
		out->n++;
	}
	for (i = 0; i < nrep; i++)
		freeReplyObject(rep[i]);
	free(rep);
	free(idv);
	freeReplyObject(first[0]);
	freeReplyObject(first[1]);
	return 0;
}

int
alert_store_ack(struct redis *r, long long id, const char *who,
    const char *note, long long now, struct alert *out, char *cause,
    size_t len)
{
	const char *argv[2 + AF_COUNT];
	char key[256], at[24];
	redisReply *reply;
	size_t i;

	redis_key(r->cfg, key, sizeof key, KEY_ALERT, id);
	argv[0] = "HMGET";
	argv[1] = key;
	for (i = 0; i < AF_COUNT; i++)
		argv[2 + i] = alert_field_names[i];
	if ((reply = redis_commandv(r, 2 + AF_COUNT, argv, NULL)) == NULL) {
		if (r->err == RERR_REPLY && strstr(r->errstr, "WRONGTYPE")) {
			r->err = RERR_NONE;
			snprintf(cause, len, "cannot acknowledge alert %lld: its "
			    "record is malformed (not a hash)", id);
			return -1;
		}
		return alert_store_fail(r, "cannot acknowledge the alert", cause,
		    len);
	}
	alert_store_parse(out, id, reply);
	freeReplyObject(reply);
	if (strcmp(out->malformed, "record is missing") == 0) {
		snprintf(cause, len, "cannot acknowledge alert %lld: there is "
		    "no such alert; see 'mailnoc alerts --all'", id);
		return -1;
	}
	if (!out->active) {
		snprintf(cause, len, "cannot acknowledge alert %lld: it is "
		    "resolved already", id);
		return -1;
	}
	snprintf(at, sizeof at, "%lld", now);
	if ((reply = redis_command(r, "HSET %s ack_by %s ack_at %s ack_note %s",
	    key, who, at, note)) == NULL)
		return alert_store_fail(r, "cannot acknowledge the alert", cause,
		    len);
	freeReplyObject(reply);
	snprintf(out->ack_by, sizeof out->ack_by, "%s", who);
	snprintf(out->ack_note, sizeof out->ack_note, "%s", note);
	out->ack_at = now;
	return 0;
}

int
alert_store_silence(struct redis *r, const char *kind, const char *subject,
    long long until, const char *who, const char *why, long long now,
    char *cause, size_t len)
{
	redisReply *rep[6] = { NULL };
	char key[256], idx[256], member[128], u[24], s[24], old[24];
	size_t i;
	int rc = 0;

	redis_key(r->cfg, key, sizeof key, KEY_SILENCE, kind, subject);
	redis_key(r->cfg, idx, sizeof idx, KEY_SILENCES);
	snprintf(member, sizeof member, "%s:%s", kind, subject);
	snprintf(u, sizeof u, "%lld", until);
	snprintf(s, sizeof s, "%lld", now);
	snprintf(old, sizeof old, "%lld", now);
	redisAppendCommand(r->ctx, "MULTI");
	redisAppendCommand(r->ctx, "HSET %s " SF_UNTIL " %s " SF_WHY " %s "
	    SF_WHO " %s " SF_SINCE " %s", key, u, why, who, s);
	redisAppendCommand(r->ctx, "EXPIREAT %s %s", key, u);
	redisAppendCommand(r->ctx, "ZADD %s %s %s", idx, u, member);
	redisAppendCommand(r->ctx, "ZREMRANGEBYSCORE %s -inf %s", idx, old);
	redisAppendCommand(r->ctx, "EXEC");
	if (redis_read_replies(r, 6, rep) == -1)
		return alert_store_fail(r, "cannot silence", cause, len);
	for (i = 0; i < 6; i++) {
		if (rep[i]->type == REDIS_REPLY_ERROR && rc == 0) {
			redis_set_reply_error(r, rep[i]);
			rc = alert_store_fail(r, "cannot silence", cause, len);
		}
	}
	if (rc == 0 && rep[5]->type != REDIS_REPLY_ARRAY) {
		r->err = RERR_REPLY;
		snprintf(cause, len, "cannot silence: the transaction was "
		    "discarded");
		rc = -1;
	}
	for (i = 0; i < 6; i++)
		freeReplyObject(rep[i]);
	return rc;
}
