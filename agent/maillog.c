/* The gateway's mail log follower: read, count, write counters and position. */
#include "agent/maillog.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/log.h"
#include "agent/maillog_filter.h"
#include "agent/metrics.h"
#include "agent/probe.h"
#include "agent/thread.h"
#include "backends/msgindex.h"
#include "backends/policy_store.h"
#include "backends/redis.h"
#include "core/clock.h"
#include "core/keys.h"
#include "core/maillog_parse.h"
#include "core/validate.h"
#include "core/volume.h"
#include "core/xalloc.h"

#define READ_CHUNK	65536
#define STATE_MAGIC	"mailnocd-maillog 1"

/* The causes of skipped lines and failures, each warned about once per
 * interval with how many there were. */
enum warn_cause {
	WARN_BAD,       /* Postfix lines cut or malformed */
	WARN_OTHER,     /* lines of other programs, Postfix lines not used */
	WARN_LONG,      /* lines longer than MAILLOG_LINE_MAX (binary?) */
	WARN_OPEN,      /* the file cannot be opened or read */
	WARN_NOTFILE,   /* the path is not a regular file */
	WARN_REDIS,     /* counters could not be written */
	WARN_DROPPED,   /* open messages given up on */
	WARN_STATE,     /* the state file cannot be written */
	WARN_INDEX,     /* the message index cannot be written */
	WARN_CAUSES,
};

static const char *const warn_text[WARN_CAUSES] = {
	[WARN_BAD] = "malformed or cut Postfix lines skipped",
	[WARN_OTHER] = "lines of other programs (or not counted) skipped",
	[WARN_LONG] = "lines longer than 8192 bytes skipped (a binary file?)",
	[WARN_OPEN] = "cannot read the log",
	[WARN_NOTFILE] = "the log is not a regular file",
	[WARN_REDIS] = "cannot write the counters",
	[WARN_DROPPED] = "unfinished messages dropped (limit reached)",
	[WARN_STATE] = "cannot keep the read position in the state file",
	[WARN_INDEX] = "cannot write the message index",
};

struct permit {
	char ip[MAILLOG_IP_MAX + 1];
	char *agency;
};

struct maillog_follower {
	const struct config *cfg;
	const struct config_node *node;
	bool verbose;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	long long oldest_mtime;        /* under lock; -1 unknown */

	char path[PATH_MAX];           /* the log */
	char state_path[PATH_MAX];
	char pos_key[200];
	struct redis redis;
	struct maillog_parser parser;
	struct maillog_tally tally;
	/* The message index (mailnoc trace); NULL: off or not open. Only
	 * this thread writes it: the policy service never waits on it. */
	struct msgindex *index;
	long long index_at;            /* mono ms of the last open attempt */

	int fd;                        /* -1: not open */
	struct maillog_pos pos;        /* of the bytes consumed (off_done) */
	struct maillog_pos committed;  /* what Redis and the state file hold */
	long long off_read;            /* bytes read from fd */
	char *buf;                     /* bytes [pos.offset, off_read) */
	size_t buflen;
	bool skipping;                 /* inside a line over the limit */
	char tail[64];                 /* the last bytes read, before
	                                  off_read: a file truncated and
	                                  written again no longer has them */
	int tail_len;
	unsigned long long batch_lines;
	long long batch_since;         /* mono ms of the batch's first line */

	struct permit *permits;
	size_t npermits;
	long long permits_at;          /* mono ms of the last read, 0 never */
	long long oldest_at;           /* mono ms of the last retention scan */

	unsigned long long warn_n[WARN_CAUSES];
	long long warn_at[WARN_CAUSES];
	char warn_detail[WARN_CAUSES][256];
	unsigned long long stats_seen[MAILLOG_KINDS];
	unsigned long long dropped_seen;
	unsigned long long lost_batches;
	bool unsure;                   /* a batch was sent, its reply lost */
	struct maillog_filter filter;  /* unscanned mail, quarantines */
};

/* ------------------------------------------------------------ warnings */

static void
warn(struct maillog_follower *f, enum warn_cause c, unsigned long long n,
    const char *detail)
{
	long long now = clock_mono_ms();

	f->warn_n[c] += n;
	if (detail != NULL)
		snprintf(f->warn_detail[c], sizeof f->warn_detail[c], "%s",
		    detail);
	if (f->warn_at[c] != 0 && now - f->warn_at[c] <
	    f->node->maillog.warn_interval_s * 1000LL)
		return;
	if (f->warn_n[c] == 0)
		return;
	log_msg("maillog: %s: %s (%llu since the last warning)%s%s", f->path,
	    warn_text[c], f->warn_n[c], f->warn_detail[c][0] ? ": " : "",
	    f->warn_detail[c]);
	f->warn_n[c] = 0;
	f->warn_at[c] = now;
}

/* Skipped lines and drops since the last look, as warnings. */
static void
warn_stats(struct maillog_follower *f)
{
	const struct maillog_stats *s = &f->tally.stats;
	unsigned long long bad = s->kind[MAILLOG_BAD] -
	    f->stats_seen[MAILLOG_BAD];
	unsigned long long other = s->kind[MAILLOG_SKIP] -
	    f->stats_seen[MAILLOG_SKIP];
	int c;

	if (bad > 0)
		warn(f, WARN_BAD, bad, NULL);
	if (other > 0)
		warn(f, WARN_OTHER, other, NULL);
	if (s->dropped > f->dropped_seen)
		warn(f, WARN_DROPPED, s->dropped - f->dropped_seen, NULL);
	f->stats_seen[MAILLOG_BAD] = s->kind[MAILLOG_BAD];
	f->stats_seen[MAILLOG_SKIP] = s->kind[MAILLOG_SKIP];
	f->dropped_seen = s->dropped;
	/* Say again what piled up since the last warning, when due. */
	for (c = 0; c < WARN_CAUSES; c++)
		warn(f, (enum warn_cause)c, 0, NULL);
}

/* ------------------------------------------------------------ state */

static unsigned long long
fnv(const char *p, size_t n)
{
	unsigned long long h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

int
maillog_head(int fd, unsigned long long *head, int *head_len)
{
	char b[256];
	ssize_t n = pread(fd, b, sizeof b, 0);
	char *nl;

	if (n < 0)
		return -1;
	nl = memchr(b, '\n', (size_t)n);
	/* A first line longer than the buffer: its first 256 bytes. */
	if (nl == NULL && n < (ssize_t)sizeof b) {
		*head = 0;
		*head_len = 0;
		return 0;
	}
	*head_len = nl != NULL ? (int)(nl - b) + 1 : (int)n;
	*head = fnv(b, (size_t)*head_len);
	return 0;
}

/* Whether the open file still starts as it did. */
static bool
head_matches(int fd, const struct maillog_pos *p)
{
	char b[256];
	ssize_t n;

	if (p->head_len == 0)
		return true;
	n = pread(fd, b, (size_t)p->head_len, 0);
	return n == p->head_len && fnv(b, (size_t)n) == p->head;
}

int
maillog_pos_load(const char *path, struct maillog_pos *p)
{
	char line[256];
	FILE *fp;
	int ok;

	if ((fp = fopen(path, "re")) == NULL)
		return -1;
	ok = fgets(line, sizeof line, fp) != NULL &&
	    strncmp(line, STATE_MAGIC "\n", sizeof STATE_MAGIC) == 0 &&
	    fscanf(fp, "ino %llu offset %lld head %llu head_len %d", &p->ino,
	    &p->offset, &p->head, &p->head_len) == 4 && p->offset >= 0 &&
	    p->head_len >= 0 && p->head_len <= 256;
	fclose(fp);
	return ok ? 0 : -1;
}

int
maillog_pos_save(const char *path, const struct maillog_pos *p)
{
	char tmp[PATH_MAX + 8];
	FILE *fp;
	int fd, rc;

	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
		return -1;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1)
		return -1;
	if ((fp = fdopen(fd, "w")) == NULL) {
		close(fd);
		return -1;
	}
	fprintf(fp, STATE_MAGIC "\nino %llu offset %lld head %llu head_len "
	    "%d\n", p->ino, p->offset, p->head, p->head_len);
	rc = fflush(fp) == 0 && fsync(fd) == 0 ? 0 : -1;
	if (fclose(fp) != 0)
		rc = -1;
	if (rc == 0 && rename(tmp, path) == -1)
		rc = -1;
	if (rc == -1)
		unlink(tmp);
	return rc;
}

/* The position Redis holds (committed with the counters), or -1. */
static int
pos_from_redis(struct maillog_follower *f, struct maillog_pos *p)
{
	redisReply *r;
	size_t i;
	int found = 0;

	if (redis_ensure(&f->redis) == -1)
		return -1;
	r = redis_command(&f->redis, "HMGET %s ino offset head head_len",
	    f->pos_key);
	if (r == NULL)
		return -1;
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 4) {
		unsigned long long v[4];

		for (i = 0; i < 4; i++) {
			if (r->element[i]->type != REDIS_REPLY_STRING)
				break;
			v[i] = strtoull(r->element[i]->str, NULL, 10);
		}
		if (i == 4 && v[3] <= 256 && v[1] <= (unsigned long long)
		    LLONG_MAX) {
			p->ino = v[0];
			p->offset = (long long)v[1];
			p->head = v[2];
			p->head_len = (int)v[3];
			found = 1;
		}
	}
	freeReplyObject(r);
	return found ? 0 : -1;
}

/* ------------------------------------------------------------ files */

/* NAME itself, or NAME followed by '.' or '-' and anything: a sibling. */
static bool
is_sibling(const char *base, const char *name)
{
	size_t n = strlen(base);

	return strncmp(name, base, n) == 0 && (name[n] == '\0' ||
	    ((name[n] == '.' || name[n] == '-') && name[n + 1] != '\0' &&
	    strcmp(name + n, ".tmp") != 0));
}

long long
maillog_oldest_mtime(const char *path)
{
	char dir[PATH_MAX], file[PATH_MAX];
	const char *slash = strrchr(path, '/'), *base;
	struct dirent *de;
	struct stat st;
	long long oldest = -1;
	DIR *d;

	if (slash == NULL)
		return -1;
	snprintf(dir, sizeof dir, "%.*s", (int)(slash - path) ? (int)(slash -
	    path) : 1, path);
	base = slash + 1;
	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (!is_sibling(base, de->d_name))
			continue;
		if (snprintf(file, sizeof file, "%s/%s", dir, de->d_name) >=
		    (int)sizeof file || stat(file, &st) == -1 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (oldest == -1 || st.st_mtime < oldest)
			oldest = st.st_mtime;
	}
	closedir(d);
	return oldest;
}

/* A rotated sibling (not compressed) with inode `ino`, opened; or -1. */
static int
open_sibling(const char *path, unsigned long long ino)
{
	char dir[PATH_MAX], file[PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct dirent *de;
	struct stat st;
	int fd = -1;
	DIR *d;

	if (slash == NULL)
		return -1;
	snprintf(dir, sizeof dir, "%.*s", (int)(slash - path) ? (int)(slash -
	    path) : 1, path);
	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (!is_sibling(slash + 1, de->d_name) ||
		    (unsigned long long)de->d_ino != ino)
			continue;
		snprintf(file, sizeof file, "%s/%s", dir, de->d_name);
		if ((fd = open(file, O_RDONLY | O_CLOEXEC)) != -1 &&
		    (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
		    (unsigned long long)st.st_ino != ino)) {
			close(fd);
			fd = -1;
		}
		if (fd != -1)
			break;
	}
	closedir(d);
	return fd;
}

static void
close_file(struct maillog_follower *f)
{
	if (f->fd != -1)
		close(f->fd);
	f->fd = -1;
	f->buflen = 0;
	f->skipping = false;
}

/* Starts reading an open file at `offset`. */
static void
use_file(struct maillog_follower *f, int fd, const struct stat *st,
    long long offset)
{
	close_file(f);
	f->fd = fd;
	f->pos.ino = (unsigned long long)st->st_ino;
	f->pos.offset = offset;
	f->pos.head = 0;
	f->pos.head_len = 0;
	maillog_head(fd, &f->pos.head, &f->pos.head_len);
	f->off_read = offset;
	f->tail_len = 0;
}

/*
 * Opens the log. `resume` is where the last run stopped (NULL: nothing
 * known). Returns 0, or -1 (warned) when the file cannot be used now.
 */
static int
open_log(struct maillog_follower *f, const struct maillog_pos *resume)
{
	struct stat st;
	char detail[256];
	int fd;

	if ((fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		snprintf(detail, sizeof detail, "%s", strerror(errno));
		warn(f, WARN_OPEN, 1, detail);
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		warn(f, WARN_NOTFILE, 1, NULL);
		return -1;
	}
	if (resume == NULL) {
		long long at = f->node->maillog.from_start ? 0 : st.st_size;

		use_file(f, fd, &st, at);
		log_msg("maillog: following %s from %s (no earlier position)",
		    f->path, at == 0 ? "its start" : "its end");
		return 0;
	}
	if ((unsigned long long)st.st_ino == resume->ino) {
		if (st.st_size >= resume->offset && head_matches(fd, resume)) {
			use_file(f, fd, &st, resume->offset);
			log_msg("maillog: following %s from byte %lld, where "
			    "the last run stopped", f->path, resume->offset);
		} else {
			use_file(f, fd, &st, 0);
			log_msg("maillog: %s was truncated since the last run; "
			    "reading it from the start", f->path);
		}
		return 0;
	}
	/* Rotated meanwhile: the rest of the old file first. */
	{
		int old = open_sibling(f->path, resume->ino);
		struct stat ost;

		if (old != -1 && fstat(old, &ost) == 0 &&
		    ost.st_size >= resume->offset && head_matches(old, resume)) {
			close(fd);
			use_file(f, old, &ost, resume->offset);
			log_msg("maillog: %s was rotated since the last run; "
			    "reading the rest of the old file first", f->path);
			return 0;
		}
		if (old != -1)
			close(old);
	}
	use_file(f, fd, &st, 0);
	log_msg("maillog: following %s from its start (a new file since the "
	    "last run)", f->path);
	return 0;
}

/* ------------------------------------------------------------ permits */

static int
permit_cmp(const void *a, const void *b)
{
	return strcmp(((const struct permit *)a)->ip,
	    ((const struct permit *)b)->ip);
}

static void
permits_free(struct maillog_follower *f)
{
	size_t i;

	for (i = 0; i < f->npermits; i++)
		free(f->permits[i].agency);
	free(f->permits);
	f->permits = NULL;
	f->npermits = 0;
}

/* Reads the permit hash again (one round trip), at most once a minute. */
static void
permits_refresh(struct maillog_follower *f)
{
	char key[200], canon[MAILLOG_IP_MAX + 1];
	redisReply *r;
	size_t i, n = 0;
	struct permit *v;

	if (f->permits_at != 0 && clock_mono_ms() - f->permits_at <
	    MAILLOG_PERMITS_MS)
		return;
	if (redis_ensure(&f->redis) == -1)
		return;
	redis_key(f->cfg, key, sizeof key, KEY_PERMIT);
	if ((r = redis_command(&f->redis, "HGETALL %s", key)) == NULL)
		return;
	f->permits_at = clock_mono_ms();
	if (r->type != REDIS_REPLY_ARRAY) {
		freeReplyObject(r);
		return;
	}
	v = xcalloc(r->elements / 2 + 1, sizeof *v);
	for (i = 0; i + 1 < r->elements; i += 2) {
		const redisReply *k = r->element[i], *a = r->element[i + 1];

		if (k->type != REDIS_REPLY_STRING ||
		    a->type != REDIS_REPLY_STRING || a->len == 0 ||
		    a->len > 64 || validate_text(a->str, 64) != NULL ||
		    strchr(a->str, '|') != NULL ||
		    validate_ip_canon(k->str, canon, sizeof canon) != NULL)
			continue;
		snprintf(v[n].ip, sizeof v[n].ip, "%s", canon);
		v[n].agency = xstrdup(a->str);
		n++;
	}
	freeReplyObject(r);
	qsort(v, n, sizeof *v, permit_cmp);
	permits_free(f);
	f->permits = v;
	f->npermits = n;
}

static const char *
agency_of(void *arg, const char *ip)
{
	struct maillog_follower *f = arg;
	struct permit key, *p;

	if (f->npermits == 0)
		return NULL;
	snprintf(key.ip, sizeof key.ip, "%s", ip);
	p = bsearch(&key, f->permits, f->npermits, sizeof *p, permit_cmp);
	return p != NULL ? p->agency : NULL;
}

static const char *
group_of(void *arg, const char *domain)
{
	struct maillog_follower *f = arg;

	return config_provider_group(f->cfg, domain);
}

/* ------------------------------------------------------------ writing */

struct pipe {
	struct maillog_follower *f;
	size_t n;                   /* commands appended */
	char expired[64][200];      /* keys given their EXPIRE this batch */
	size_t nexpired;
};

static void
append(struct pipe *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	redisvAppendCommand(p->f->redis.ctx, fmt, ap);
	va_end(ap);
	p->n++;
}

/* Once per key and batch: EXPIRE with the volume counters' retention. */
static void
expire_once(struct pipe *p, const char *key, long long ttl)
{
	size_t i;

	for (i = 0; i < p->nexpired; i++) {
		if (strcmp(p->expired[i], key) == 0)
			return;
	}
	if (p->nexpired < sizeof p->expired / sizeof p->expired[0])
		snprintf(p->expired[p->nexpired++], sizeof p->expired[0], "%s",
		    key);
	append(p, "EXPIRE %s %lld", key, ttl);
}

static void
append_count(void *arg, const struct maillog_count *c)
{
	struct pipe *p = arg;
	char key[200], g[2] = { c->gran, '\0' };

	redis_key(p->f->cfg, key, sizeof key, KEY_LOG,
	    maillog_scope_key(c->scope), g, c->bucket);
	append(p, "HINCRBY %s %s %lld", key, c->field, c->n);
	expire_once(p, key, c->gran == 'm' ? VOLUME_MINUTE_TTL :
	    VOLUME_HOUR_TTL);
}

/* Each agency's latest bounce reason per domain, in its day's counters. */
static void
append_bounce_reasons(struct pipe *p)
{
	const struct maillog_tally *t = &p->f->tally;
	char key[200];
	size_t i;

	for (i = 0; i < t->nbounce_reasons; i++) {
		const struct maillog_bounce_reason *b = &t->bounce_reasons[i];

		redis_key(p->f->cfg, key, sizeof key, KEY_LOG, "a", "d",
		    b->day);
		append(p, "HSET %s %s %s", key, b->field, b->reason);
		expire_once(p, key, VOLUME_HOUR_TTL);
	}
}

/* Each provider's latest reputation refusal, in its minute's counters. */
static void
append_rep_reasons(struct pipe *p)
{
	const struct maillog_tally *t = &p->f->tally;
	char key[200];
	size_t i;

	for (i = 0; i < t->nrep_reasons; i++) {
		const struct maillog_rep_reason *b = &t->rep_reasons[i];

		redis_key(p->f->cfg, key, sizeof key, KEY_LOG, "p", "m",
		    b->minute);
		append(p, "HSET %s %s %s", key, b->field, b->reason);
		expire_once(p, key, VOLUME_MINUTE_TTL);
	}
}

static void
append_suspects(struct pipe *p)
{
	struct maillog_follower *f = p->f;
	struct maillog_tally *t = &f->tally;
	char key[200], zkey[200], ekey[200], detail[600];
	long long now = clock_wall_ms() / 1000;
	size_t i;
	int j;

	if (t->nsuspects == 0)
		return;
	redis_key(f->cfg, zkey, sizeof zkey, KEY_SUSPECTS);
	redis_key(f->cfg, ekey, sizeof ekey, KEY_EVENTS);
	for (i = 0; i < t->nsuspects; i++) {
		const struct maillog_suspect *s = &t->suspects[i];

		redis_key(f->cfg, key, sizeof key, KEY_SUSPECT, s->ip);
		append(p, "HINCRBY %s " SF_COUNT " %lld", key, s->count);
		append(p, "HSETNX %s " SF_FIRST " %lld", key, s->first);
		append(p, "HSET %s " SF_LAST " %lld " SF_NODE " %s", key,
		    s->last, f->node->name);
		for (j = 0; j < s->nsamples; j++)
			append(p, "HSET %s " SF_SAMPLE "%d %s", key, j + 1,
			    s->samples[j]);
		append(p, "EXPIRE %s %lld", key, MAILLOG_SUSPECT_TTL);
		append(p, "ZADD %s %lld %s", zkey, s->last, s->ip);
		if (!s->crossed)
			continue;
		snprintf(detail, sizeof detail, "%s: %lld unknown recipients "
		    "within %d s on %s (directory harvest suspect), e.g. %s",
		    s->ip, s->window_count, f->cfg->maillog.harvest_window_s,
		    f->node->name, s->nsamples > 0 ? s->samples[0] : "-");
		append(p, "XADD %s MAXLEN ~ %d * " EV_TYPE " harvest " EV_NODE
		    " %s " EV_AT " %lld " EV_DETAIL " %s", ekey, EVENTS_MAXLEN,
		    f->node->name, now, detail);
	}
	append(p, "ZREMRANGEBYSCORE %s -inf (%lld", zkey,
	    now - MAILLOG_SUSPECT_TTL);
}

/* The filter's news: unscanned messages, quarantined and released IDs. */
static void
append_filter(struct pipe *p)
{
	struct maillog_follower *f = p->f;
	struct maillog_filter *mf = &f->filter;
	long long now = clock_wall_ms() / 1000;
	char key[200], *dump;
	size_t i;

	if (mf->unscanned > 0) {
		redis_key(f->cfg, key, sizeof key, KEY_FILTER, f->node->name);
		append(p, "HINCRBY %s unscanned %lld", key, mf->unscanned);
		redis_key(f->cfg, key, sizeof key, KEY_FILTER_BUCKET,
		    f->node->name, "m", now / 60);
		append(p, "HINCRBY %s unscanned %lld", key, mf->unscanned);
		expire_once(p, key, VOLUME_MINUTE_TTL);
		redis_key(f->cfg, key, sizeof key, KEY_FILTER_BUCKET,
		    f->node->name, "h", now / 3600);
		append(p, "HINCRBY %s unscanned %lld", key, mf->unscanned);
		expire_once(p, key, VOLUME_HOUR_TTL);
	}
	redis_key(f->cfg, key, sizeof key, KEY_FILTER_HELD, f->node->name);
	for (i = 0; i < mf->nheld; i++) {
		const struct maillog_filter_held *h = &mf->held[i];
		struct filter_held rec;

		if (h->gone) {
			append(p, "HDEL %s %s", key, h->qid);
			continue;
		}
		memset(&rec, 0, sizeof rec);
		rec.at = h->at;
		snprintf(rec.mid, sizeof rec.mid, "%s", h->mid);
		dump = filter_held_dump(&rec);
		append(p, "HSET %s %s %s", key, h->qid, dump);
		free(dump);
	}
}

/* The optional automatic block of new suspects (the console's path). */
static void
auto_block(struct maillog_follower *f)
{
	const struct config_maillog *m = &f->cfg->maillog;
	char reason[200], who[100], cause[512];
	long long now = clock_wall_ms() / 1000;
	size_t i;

	if (!m->auto_block)
		return;
	snprintf(who, sizeof who, "mailnocd@%s", f->node->name);
	for (i = 0; i < f->tally.nsuspects; i++) {
		const struct maillog_suspect *s = &f->tally.suspects[i];

		if (!s->crossed)
			continue;
		snprintf(reason, sizeof reason, "automatic block: directory "
		    "harvest suspect (%lld unknown recipients within %d s)",
		    s->window_count, m->harvest_window_s);
		if (store_block(&f->redis, s->ip, reason, who, now,
		    m->block_s > 0 ? now + m->block_s : 0, false, NULL, cause,
		    sizeof cause) == -1)
			log_msg("maillog: cannot block harvest suspect %s: %s",
			    s->ip, cause);
		else
			log_msg("maillog: blocked harvest suspect %s (%s)",
			    s->ip, reason);
	}
}

/* ------------------------------------------------------------ index */

/* Opens the message index when configured and not open (retried once a
 * minute after a failure). */
static void
index_open(struct maillog_follower *f)
{
	const struct config_maillog_node *m = &f->node->maillog;
	char cause[600];

	if (f->index != NULL || m->index_days <= 0 || m->index == NULL ||
	    (f->index_at != 0 && clock_mono_ms() - f->index_at < 60000))
		return;
	f->index_at = clock_mono_ms();
	if ((f->index = msgindex_open(m->index, m->index_days,
	    m->index_group, cause, sizeof cause)) == NULL)
		warn(f, WARN_INDEX, 1, cause);
	else
		log_msg("maillog: message index %s (kept %d days)", m->index,
		    m->index_days);
}

/* The index's transaction of the batch, committed; a failure is said
 * and the index opened again later (the counters go on meanwhile). */
static void
index_commit(struct maillog_follower *f)
{
	char cause[600];

	if (f->index == NULL)
		return;
	if (msgindex_commit(f->index, cause, sizeof cause) == -1) {
		warn(f, WARN_INDEX, 1, cause);
		msgindex_close(f->index);
		f->index = NULL;
	}
}

/*
 * Writes the batch's counters, suspects and the position they lead to in
 * one MULTI/EXEC, one round trip: a restart finds in Redis exactly what
 * was counted. Returns 0 (written, or refused by Redis and given up on),
 * or -1 when Redis could not be reached (the batch stays for a retry).
 */
static int
flush(struct maillog_follower *f)
{
	struct pipe p;
	redisReply **rep;
	char detail[256];
	size_t i;
	int rc = 0;

	index_commit(f);
	if (f->batch_lines == 0 && f->pos.offset == f->committed.offset &&
	    f->pos.ino == f->committed.ino)
		return 0;
	if (redis_ensure(&f->redis) == -1) {
		warn(f, WARN_REDIS, 1, f->redis.errstr);
		return -1;
	}
	/* The last try's EXEC may have run before the link broke: Redis's
	 * position says whether it did. */
	if (f->unsure) {
		struct maillog_pos there = { 0, -1, 0, 0 };

		if (pos_from_redis(f, &there) == -1 && f->redis.ctx == NULL)
			return -1;
		f->unsure = false;
		if (there.ino == f->pos.ino && there.offset == f->pos.offset) {
			maillog_tally_clear(&f->tally);
			maillog_filter_clear(&f->filter);
			f->committed = f->pos;
			f->batch_lines = 0;
			maillog_pos_save(f->state_path, &f->pos);
			return 0;
		}
	}
	memset(&p, 0, sizeof p);
	p.f = f;
	append(&p, "MULTI");
	maillog_tally_each(&f->tally, append_count, &p);
	append_bounce_reasons(&p);
	append_rep_reasons(&p);
	append_suspects(&p);
	append_filter(&p);
	append(&p, "HSET %s file %s ino %llu offset %lld head %llu head_len "
	    "%d at %lld", f->pos_key, f->path, f->pos.ino, f->pos.offset,
	    f->pos.head, f->pos.head_len, clock_wall_ms() / 1000);
	append(&p, "EXEC");
	rep = xcalloc(p.n, sizeof *rep);
	if (redis_read_replies(&f->redis, p.n, rep) == -1) {
		free(rep);
		f->unsure = true;
		warn(f, WARN_REDIS, 1, f->redis.errstr);
		return -1;
	}
	for (i = 0; i < p.n; i++) {
		const redisReply *r = rep[i];

		if (r->type == REDIS_REPLY_ERROR) {
			snprintf(detail, sizeof detail, "redis: %.200s",
			    r->str);
			rc = 1;
		} else if (i == p.n - 1 && r->type == REDIS_REPLY_ARRAY) {
			size_t k;

			for (k = 0; k < r->elements; k++) {
				if (r->element[k]->type == REDIS_REPLY_ERROR) {
					snprintf(detail, sizeof detail,
					    "redis: %.200s",
					    r->element[k]->str);
					rc = 1;
				}
			}
		}
		freeReplyObject(rep[i]);
	}
	free(rep);
	if (rc == 1) {
		/* Refused (an ACL, a key of another type): retrying would
		 * stall the follower; the batch is given up and said. */
		f->lost_batches++;
		warn(f, WARN_REDIS, 1, detail);
	}
	auto_block(f);
	maillog_tally_clear(&f->tally);
	maillog_filter_clear(&f->filter);
	f->committed = f->pos;
	f->batch_lines = 0;
	if (maillog_pos_save(f->state_path, &f->pos) == -1)
		warn(f, WARN_STATE, 1, f->state_path);
	return 0;
}

/* ------------------------------------------------------------ reading */

static void
line(struct maillog_follower *f, const char *s, size_t n)
{
	struct maillog_rec r;

	maillog_parse(&f->parser, s, n, &r);
	maillog_tally_add(&f->tally, &r);
	if (f->index != NULL && msgindex_add(f->index, &r) == -1) {
		warn(f, WARN_INDEX, 1, msgindex_error(f->index));
		msgindex_close(f->index);
		f->index = NULL;
	}
	maillog_filter_add(&f->filter, &r);
	metrics_inc(MC_LOG_LINES);
	if (r.kind == MAILLOG_SKIP || r.kind == MAILLOG_BAD)
		metrics_inc(MC_LOG_SKIPPED);
	if (f->batch_lines++ == 0)
		f->batch_since = clock_mono_ms();
}

/* A line over MAILLOG_LINE_MAX: read, skipped, warned about. */
static void
maillog_long(struct maillog_follower *f)
{
	metrics_inc(MC_LOG_LINES);
	metrics_inc(MC_LOG_SKIPPED);
	warn(f, WARN_LONG, 1, NULL);
}

/* Splits the buffer into lines; keeps a partial last line. */
static void
split(struct maillog_follower *f)
{
	char *p = f->buf, *end = f->buf + f->buflen, *nl;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (f->skipping)
			f->skipping = false;
		else if (nl - p > MAILLOG_LINE_MAX)
			maillog_long(f);
		else
			line(f, p, (size_t)(nl - p));
		f->pos.offset += nl + 1 - p;
		p = nl + 1;
	}
	/* A line longer than the limit: skip to its end. */
	if (end - p > MAILLOG_LINE_MAX) {
		if (!f->skipping)
			maillog_long(f);
		f->skipping = true;
		f->pos.offset += end - p;
		p = end;
	}
	f->buflen = (size_t)(end - p);
	memmove(f->buf, p, f->buflen);
}

/*
 * Whether the file was truncated since the last read: shorter than what was
 * read, or no longer holding the bytes last read where they were (a
 * copytruncate followed by new lines before this look).
 */
static bool
truncated(struct maillog_follower *f)
{
	struct stat st;
	char b[sizeof f->tail];

	if (fstat(f->fd, &st) == -1)
		return false;
	if ((long long)st.st_size < f->off_read)
		return true;
	if (f->tail_len == 0 || f->off_read < f->tail_len)
		return false;
	return pread(f->fd, b, (size_t)f->tail_len, f->off_read -
	    f->tail_len) != f->tail_len || memcmp(b, f->tail,
	    (size_t)f->tail_len) != 0;
}

/* Reads what is there. Returns bytes read, 0 at the end, -1 on error. */
static ssize_t
read_some(struct maillog_follower *f)
{
	ssize_t n;

	n = pread(f->fd, f->buf + f->buflen, READ_CHUNK, f->off_read);
	if (n < 0) {
		char detail[128];

		if (errno == EINTR || errno == EAGAIN)
			return 0;
		snprintf(detail, sizeof detail, "%s", strerror(errno));
		warn(f, WARN_OPEN, 1, detail);
		return -1;
	}
	f->off_read += n;
	f->buflen += (size_t)n;
	if (n > 0) {
		size_t t = f->buflen < sizeof f->tail ? f->buflen :
		    sizeof f->tail;

		memcpy(f->tail, f->buf + f->buflen - t, t);
		f->tail_len = (int)t;
	}
	if (f->pos.head_len == 0 && n > 0)
		maillog_head(f->fd, &f->pos.head, &f->pos.head_len);
	split(f);
	return n;
}

/* Counts a partial last line of a file being left as cut. */
static void
finish_file(struct maillog_follower *f)
{
	if (f->buflen > 0 && !f->skipping) {
		line(f, f->buf, f->buflen);
		f->pos.offset += (long long)f->buflen;
	}
	f->buflen = 0;
}

/*
 * At the end of the file: has it been rotated (renamed, truncated, or
 * truncated and written again)? Switches files when so, after writing
 * what was counted from the old one. Returns true when it switched.
 */
static bool
check_rotation(struct maillog_follower *f)
{
	struct stat st;
	int fd;

	if (truncated(f) || !head_matches(f->fd, &f->pos)) {
		if (flush(f) == -1)
			return false;
		log_msg("maillog: %s was truncated (copytruncate); reading it "
		    "from the start", f->path);
		f->buflen = 0;
		f->skipping = false;
		f->pos.offset = 0;
		f->off_read = 0;
		f->tail_len = 0;
		maillog_head(f->fd, &f->pos.head, &f->pos.head_len);
		return true;
	}
	/* A new file counts once written to: Postfix's postlogd may write
	 * to the renamed one until it reopens. */
	if (stat(f->path, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (unsigned long long)st.st_ino == f->pos.ino || st.st_size == 0)
		return false;
	/* Renamed: new lines may have come after our last read. */
	while (read_some(f) > 0)
		;
	finish_file(f);
	if (flush(f) == -1)
		return false;
	if ((fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1 ||
	    fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		if (fd != -1)
			close(fd);
		return false;
	}
	log_msg("maillog: %s was rotated; following the new file", f->path);
	use_file(f, fd, &st, 0);
	return true;
}

/* ------------------------------------------------------------ the thread */

static bool
stopping(struct maillog_follower *f, int wait_ms)
{
	struct timespec ts;
	bool stop;

	pthread_mutex_lock(&f->lock);
	if (wait_ms > 0 && !f->stop) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += wait_ms / 1000;
		ts.tv_nsec += (wait_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&f->cond, &f->lock, &ts);
	}
	stop = f->stop;
	pthread_mutex_unlock(&f->lock);
	return stop;
}

static void
retention(struct maillog_follower *f)
{
	long long m;

	if (f->oldest_at != 0 && clock_mono_ms() - f->oldest_at < 60000)
		return;
	f->oldest_at = clock_mono_ms();
	/* The year of "Mmm dd" timestamps moves on with the clock. */
	maillog_parser_init(&f->parser, clock_wall_ms() / 1000);
	m = maillog_oldest_mtime(f->path);
	pthread_mutex_lock(&f->lock);
	f->oldest_mtime = m;
	pthread_mutex_unlock(&f->lock);
}

/* Where the last run stopped: Redis (committed with the counters) or the
 * state file, whichever is further on the same file. */
static int
resume_pos(struct maillog_follower *f, struct maillog_pos *p)
{
	struct maillog_pos local, remote;
	int have_l = maillog_pos_load(f->state_path, &local) == 0;
	int have_r = pos_from_redis(f, &remote) == 0;

	if (have_r && (!have_l || remote.ino != local.ino ||
	    remote.offset >= local.offset))
		*p = remote;
	else if (have_l)
		*p = local;
	else
		return -1;
	return 0;
}

static void *
follow(void *arg)
{
	struct maillog_follower *f = arg;
	struct maillog_pos resume;
	bool have_resume, at_end;
	ssize_t n;

	if (f->path[0] == '\0') {
		char out[PATH_MAX], cause[256];

		if (probe_postconf(f->node->postfix_config, "maillog_file", out,
		    sizeof out, cause, sizeof cause) == 0 && out[0] == '/' &&
		    validate_path(out) == NULL)
			snprintf(f->path, sizeof f->path, "%s", out);
		else
			snprintf(f->path, sizeof f->path, "/var/log/mail.log");
	}
	snprintf(f->state_path, sizeof f->state_path, "%s/maillog-%s-%016llx"
	    ".state", f->node->maillog.state_dir, f->node->name,
	    fnv(f->path, strlen(f->path)));
	have_resume = resume_pos(f, &resume) == 0;
	f->committed = have_resume ? resume : f->pos;

	while (!stopping(f, 0)) {
		retention(f);
		permits_refresh(f);
		index_open(f);
		if (f->fd == -1) {
			if (open_log(f, have_resume ? &resume : NULL) == -1) {
				warn_stats(f);
				stopping(f, 1000);
				continue;
			}
			have_resume = true;
			resume = f->pos;
		}
		at_end = false;
		/* Backpressure: no more reading while a batch is unwritten. */
		if (f->batch_lines < MAILLOG_BATCH_LINES) {
			/* Truncated meanwhile: the bytes from here are not
			 * the continuation of the last line read. */
			if (truncated(f)) {
				if (!check_rotation(f))
					stopping(f, 1000);
				continue;
			}
			n = read_some(f);
			if (n == -1) {
				close_file(f);
				continue;
			}
			at_end = n == 0;
		}
		if (f->batch_lines >= MAILLOG_BATCH_LINES || (at_end &&
		    f->batch_lines > 0 && clock_mono_ms() - f->batch_since >=
		    f->node->maillog.batch_ms)) {
			if (flush(f) == -1) {
				stopping(f, 1000);
				continue;
			}
			resume = f->committed;
		}
		if (at_end) {
			if (check_rotation(f))
				continue;
			warn_stats(f);
			stopping(f, MAILLOG_POLL_MS);
		}
	}
	if (f->fd != -1) {
		while (read_some(f) > 0 && f->batch_lines < 100000)
			;
	}
	if (flush(f) == -1)
		log_msg("maillog: stopping with %llu lines not written; the "
		    "next start reads them again", f->batch_lines);
	msgindex_close(f->index);
	f->index = NULL;
	return NULL;
}

struct maillog_follower *
maillog_start(const struct config *cfg, const struct config_node *node,
    bool verbose, char *cause, size_t causelen)
{
	struct maillog_follower *f = xcalloc(1, sizeof *f);
	struct maillog_limits lim;
	int rc;

	f->cfg = cfg;
	f->node = node;
	f->verbose = verbose;
	f->fd = -1;
	f->oldest_mtime = -1;
	f->buf = xmalloc(READ_CHUNK + MAILLOG_LINE_MAX + 2);
	if (node->maillog.file != NULL)
		snprintf(f->path, sizeof f->path, "%s", node->maillog.file);
	redis_init(&f->redis, cfg);
	redis_key(cfg, f->pos_key, sizeof f->pos_key, KEY_LOG_POS, node->name);
	maillog_parser_init(&f->parser, clock_wall_ms() / 1000);
	maillog_limits_init(&lim);
	lim.max_open = (size_t)node->maillog.max_open;
	lim.max_age_s = node->maillog.max_age_s;
	lim.harvest_threshold = cfg->maillog.harvest_threshold;
	lim.harvest_window_s = cfg->maillog.harvest_window_s;
	maillog_tally_init(&f->tally, node->name, &lim, agency_of, group_of,
	    f);
	pthread_mutex_init(&f->lock, NULL);
	thread_cond_init(&f->cond);
	if ((rc = thread_start(&f->thread, follow, f)) != 0) {
		snprintf(cause, causelen, "cannot start the mail log follower: "
		    "%s", strerror(rc));
		maillog_tally_free(&f->tally);
		free(f->buf);
		free(f);
		return NULL;
	}
	return f;
}

void
maillog_stop(struct maillog_follower *f)
{
	if (f == NULL)
		return;
	pthread_mutex_lock(&f->lock);
	f->stop = true;
	pthread_cond_signal(&f->cond);
	pthread_mutex_unlock(&f->lock);
	pthread_join(f->thread, NULL);
	close_file(f);
	redis_close(&f->redis);
	maillog_tally_free(&f->tally);
	maillog_filter_free(&f->filter);
	permits_free(f);
	pthread_mutex_destroy(&f->lock);
	pthread_cond_destroy(&f->cond);
	free(f->buf);
	free(f);
}

long
maillog_oldest_age(struct maillog_follower *f)
{
	long long m, now = clock_wall_ms() / 1000;

	if (f == NULL)
		return -1;
	pthread_mutex_lock(&f->lock);
	m = f->oldest_mtime;
	pthread_mutex_unlock(&f->lock);
	if (m < 0)
		return -1;
	return now > m ? (long)(now - m) : 0;
}
