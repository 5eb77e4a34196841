/* Audit records, their JSON, and the spool file replayed into the stream. */
#include "core/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "core/exitcode.h"
#include "core/xalloc.h"

/* Who and where from: the same for every record of the process. */
static struct {
	char user[64];
	char ssh_client[64];
	char host[128];
	char tty[64];
} audit_origin;
static pthread_once_t audit_origin_once = PTHREAD_ONCE_INIT;
static unsigned long audit_counter;

void
audit_ssh_client(const char *env, char *buf, size_t len)
{
	unsigned char addr[16];
	char word[64];
	size_t n;

	buf[0] = '\0';
	if (env == NULL)
		return;
	n = strcspn(env, " ");
	if (n == 0 || n >= sizeof word)
		return;
	memcpy(word, env, n);
	word[n] = '\0';
	if (inet_pton(AF_INET, word, addr) == 1 ||
	    inet_pton(AF_INET6, word, addr) == 1)
		snprintf(buf, len, "%s", word);
}

static void
audit_origin_init(void)
{
	struct passwd pw, *res = NULL;
	char pwbuf[4096], tty[256];
	const char *user = NULL, *ssh;

	if (getpwuid_r(geteuid(), &pw, pwbuf, sizeof pwbuf, &res) == 0 &&
	    res != NULL)
		user = res->pw_name;
	if (user == NULL || user[0] == '\0')
		user = getenv("USER");
	validate_sanitize(audit_origin.user, sizeof audit_origin.user,
	    user != NULL && user[0] != '\0' ? user : "unknown");
	ssh = getenv("SSH_CONNECTION");
	if (ssh == NULL || ssh[0] == '\0')
		ssh = getenv("SSH_CLIENT");
	audit_ssh_client(ssh, audit_origin.ssh_client,
	    sizeof audit_origin.ssh_client);
	if (gethostname(audit_origin.host, sizeof audit_origin.host) == -1)
		snprintf(audit_origin.host, sizeof audit_origin.host, "unknown");
	audit_origin.host[sizeof audit_origin.host - 1] = '\0';
	validate_sanitize(audit_origin.host, sizeof audit_origin.host,
	    audit_origin.host);
	if (ttyname_r(STDIN_FILENO, tty, sizeof tty) == 0 ||
	    ttyname_r(STDERR_FILENO, tty, sizeof tty) == 0)
		validate_sanitize(audit_origin.tty, sizeof audit_origin.tty, tty);
}

void
audit_make_id(char *buf, size_t len, const char *host, long long ms)
{
	unsigned long n = __atomic_add_fetch(&audit_counter, 1,
	    __ATOMIC_RELAXED);
	unsigned int rnd;
	char h[64];
	size_t i, k = 0;

	/* The id is part of a Redis key: only [A-Za-z0-9.-] from the host. */
	for (i = 0; host[i] != '\0' && k + 1 < sizeof h; i++) {
		char ch = host[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '.' || ch == '-')
			h[k++] = ch;
	}
	h[k] = '\0';
	if (getrandom(&rnd, sizeof rnd, GRND_NONBLOCK) != sizeof rnd)
		rnd = (unsigned int)(ms ^ ((long long)getpid() << 16) ^
		    (long long)n * 2654435761u);
	snprintf(buf, len, "%s-%ld-%lld-%lu-%08x", k ? h : "host",
	    (long)getpid(), ms, n, rnd);
}

void
audit_record_init(struct audit_record *r, long long now_ms)
{
	pthread_once(&audit_origin_once, audit_origin_init);
	memset(r, 0, sizeof *r);
	r->at_ms = now_ms;
	snprintf(r->user, sizeof r->user, "%s", audit_origin.user);
	snprintf(r->ssh_client, sizeof r->ssh_client, "%s",
	    audit_origin.ssh_client);
	snprintf(r->host, sizeof r->host, "%s", audit_origin.host);
	snprintf(r->tty, sizeof r->tty, "%s", audit_origin.tty);
	snprintf(r->via, sizeof r->via, "batch");
	audit_make_id(r->id, sizeof r->id, r->host, now_ms);
}

void
audit_record_start(struct audit_record *r)
{
	snprintf(r->action, sizeof r->action, "%s", r->id);
	snprintf(r->phase, sizeof r->phase, AUDIT_STARTED);
	snprintf(r->result, sizeof r->result, AUDIT_STARTED);
	r->exit_code = -1;
}

void
audit_record_finish(struct audit_record *done,
    const struct audit_record *started, long long now_ms)
{
	audit_record_init(done, now_ms);
	/* Who and from where: as when it started, on whichever thread. */
	snprintf(done->user, sizeof done->user, "%s", started->user);
	snprintf(done->ssh_client, sizeof done->ssh_client, "%s",
	    started->ssh_client);
	snprintf(done->host, sizeof done->host, "%s", started->host);
	snprintf(done->tty, sizeof done->tty, "%s", started->tty);
	snprintf(done->via, sizeof done->via, "%s", started->via);
	snprintf(done->redis_user, sizeof done->redis_user, "%s",
	    started->redis_user);
	snprintf(done->cmd, sizeof done->cmd, "%s", started->cmd);
	snprintf(done->action, sizeof done->action, "%s", started->action);
	snprintf(done->phase, sizeof done->phase, AUDIT_COMPLETED);
}

const char *
audit_result(int exit_code, bool dry_run, bool refused)
{
	if (refused || exit_code == EXIT_DENIED)
		return "refused";
	if (exit_code != EXIT_OK)
		return "failed";
	return dry_run ? "dry-run" : "ok";
}

char *
audit_time_iso(long long ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms < 0 || gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, len, "-");
		return buf;
	}
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ms % 1000));
	return buf;
}

static json_t *
audit_json_str(const char *s)
{
	return s[0] != '\0' ? json_string(s) : json_null();
}

json_t *
audit_record_json(const struct audit_record *r)
{
	json_t *o = json_object(), *nodes = json_array();
	char when[40];
	const char *p = r->nodes;

	while (*p != '\0') {
		size_t n = strcspn(p, ",");

		if (n > 0)
			json_array_append_new(nodes, json_stringn(p, n));
		p += n;
		if (*p == ',')
			p++;
	}
	json_object_set_new(o, AUF_ID, json_string(r->id));
	json_object_set_new(o, AUF_AT, json_integer(r->at_ms));
	json_object_set_new(o, AUF_TIME, json_string(audit_time_iso(r->at_ms,
	    when, sizeof when)));
	json_object_set_new(o, AUF_USER, json_string(r->user));
	json_object_set_new(o, AUF_SSH_CLIENT, audit_json_str(r->ssh_client));
	json_object_set_new(o, AUF_HOST, json_string(r->host));
	json_object_set_new(o, AUF_TTY, audit_json_str(r->tty));
	json_object_set_new(o, AUF_VIA, json_string(r->via));
	json_object_set_new(o, AUF_REDIS_USER, audit_json_str(r->redis_user));
	json_object_set_new(o, AUF_CMD, json_string(r->cmd));
	json_object_set_new(o, AUF_NODES, nodes);
	json_object_set_new(o, AUF_EXIT, r->exit_code >= 0 ?
	    json_integer(r->exit_code) : json_null());
	json_object_set_new(o, AUF_RESULT, json_string(r->result));
	json_object_set_new(o, AUF_SAID, json_string(r->said));
	json_object_set_new(o, AUF_SPOOLED, json_boolean(r->spooled));
	json_object_set_new(o, AUF_ACTION, json_string(r->action[0] ?
	    r->action : r->id));
	json_object_set_new(o, AUF_PHASE, json_string(r->phase[0] ? r->phase :
	    AUDIT_COMPLETED));
	if (r->started_ms > 0)
		json_object_set_new(o, "started_at", json_integer(r->started_ms));
	if (r->stream_id[0] != '\0')
		json_object_set_new(o, "stream_id", json_string(r->stream_id));
	return o;
}

/* Copies a string member (null or absent: ""), as one line. */
static void
audit_json_get(const json_t *o, const char *name, char *buf, size_t len)
{
	const char *s = json_string_value(json_object_get(o, name));

	validate_sanitize(buf, len, s != NULL ? s : "");
}

void
audit_record_defaults(struct audit_record *r)
{
	/* Written before actions had two records: one record, one action. */
	if (r->action[0] == '\0')
		snprintf(r->action, sizeof r->action, "%s", r->id);
	if (strcmp(r->phase, AUDIT_STARTED) != 0)
		snprintf(r->phase, sizeof r->phase, AUDIT_COMPLETED);
}

int
audit_record_from_json(const json_t *o, struct audit_record *r, char *cause,
    size_t len)
{
	const json_t *nodes, *at, *v;
	size_t i, off = 0;

	memset(r, 0, sizeof *r);
	if (!json_is_object(o)) {
		snprintf(cause, len, "not a JSON object");
		return -1;
	}
	audit_json_get(o, AUF_ID, r->id, sizeof r->id);
	audit_json_get(o, AUF_USER, r->user, sizeof r->user);
	audit_json_get(o, AUF_SSH_CLIENT, r->ssh_client, sizeof r->ssh_client);
	audit_json_get(o, AUF_HOST, r->host, sizeof r->host);
	audit_json_get(o, AUF_TTY, r->tty, sizeof r->tty);
	audit_json_get(o, AUF_VIA, r->via, sizeof r->via);
	audit_json_get(o, AUF_REDIS_USER, r->redis_user, sizeof r->redis_user);
	audit_json_get(o, AUF_CMD, r->cmd, sizeof r->cmd);
	audit_json_get(o, AUF_RESULT, r->result, sizeof r->result);
	audit_json_get(o, AUF_SAID, r->said, sizeof r->said);
	audit_json_get(o, "stream_id", r->stream_id, sizeof r->stream_id);
	audit_json_get(o, AUF_ACTION, r->action, sizeof r->action);
	audit_json_get(o, AUF_PHASE, r->phase, sizeof r->phase);
	at = json_object_get(o, AUF_AT);
	r->at_ms = json_is_integer(at) ? json_integer_value(at) : -1;
	v = json_object_get(o, AUF_EXIT);
	r->exit_code = json_is_integer(v) ? (int)json_integer_value(v) : -1;
	r->spooled = json_is_true(json_object_get(o, AUF_SPOOLED));
	nodes = json_object_get(o, AUF_NODES);
	for (i = 0; json_is_array(nodes) && i < json_array_size(nodes); i++) {
		const char *s = json_string_value(json_array_get(nodes, i));

		if (s == NULL || s[0] == '\0' || strchr(s, ',') != NULL ||
		    off + strlen(s) + 2 > sizeof r->nodes)
			continue;
		off += (size_t)snprintf(r->nodes + off, sizeof r->nodes - off,
		    "%s%s", off ? "," : "", s);
	}
	validate_sanitize(r->nodes, sizeof r->nodes, r->nodes);
	audit_record_defaults(r);
	if (r->id[0] == '\0' || r->at_ms < 0 || r->cmd[0] == '\0' ||
	    r->result[0] == '\0') {
		snprintf(cause, len, "an audit record needs %s",
		    r->id[0] == '\0' ? "an id" : r->at_ms < 0 ? "a time (at)" :
		    r->cmd[0] == '\0' ? "a command" : "a result");
		return -1;
	}
	return 0;
}

int
audit_spool_path(char *buf, size_t len, char *cause, size_t clen)
{
	const char *f = getenv("MAILNOC_AUDIT_FILE"), *s, *home;

	if (f != NULL && f[0] != '\0') {
		snprintf(buf, len, "%s", f);
		return 0;
	}
	s = getenv("XDG_STATE_HOME");
	if (s != NULL && s[0] == '/') {
		snprintf(buf, len, "%s/mailnoc/audit.jsonl", s);
		return 0;
	}
	home = getenv("HOME");
	if (home == NULL || home[0] != '/') {
		struct passwd pw, *res = NULL;
		static char pwbuf[4096];
		static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

		pthread_mutex_lock(&lock);
		if (getpwuid_r(geteuid(), &pw, pwbuf, sizeof pwbuf, &res) == 0 &&
		    res != NULL && res->pw_dir[0] == '/') {
			snprintf(buf, len, "%s/.local/state/mailnoc/audit.jsonl",
			    res->pw_dir);
			pthread_mutex_unlock(&lock);
			return 0;
		}
		pthread_mutex_unlock(&lock);
		snprintf(cause, clen, "no place for the audit spool: set HOME "
		    "or MAILNOC_AUDIT_FILE");
		return -1;
	}
	snprintf(buf, len, "%s/.local/state/mailnoc/audit.jsonl", home);
	return 0;
}

/* Creates the directories above `path` that are missing, mode 0700. */
static int
audit_mkdirs(const char *path, char *cause, size_t len)
{
	char dir[4096];
	size_t i;

	if (strlen(path) >= sizeof dir) {
		snprintf(cause, len, "'%s': the path is too long", path);
		return -1;
	}
	snprintf(dir, sizeof dir, "%s", path);
	for (i = 1; dir[i] != '\0'; i++) {
		if (dir[i] != '/')
			continue;
		dir[i] = '\0';
		if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
			snprintf(cause, len, "cannot create '%s': %s", dir,
			    strerror(errno));
			return -1;
		}
		dir[i] = '/';
	}
	return 0;
}

/*
 * Opens and locks the spool. A replay may have replaced or removed the file
 * while we waited for the lock: then the lock is on an orphan, so retry.
 * Returns the descriptor, -1 with errno set, or -2 when LOCK_NB found it
 * locked.
 */
static int
audit_spool_open(const char *path, int flags, int op)
{
	struct stat a, b;
	int fd, tries;

	for (tries = 0; tries < 100; tries++) {
		/* Never through a link: the spool may sit in a shared dir. */
		if ((fd = open(path, flags | O_CLOEXEC | O_NOFOLLOW, 0600)) == -1)
			return -1;
		if (flock(fd, op) == -1) {
			int e = errno;

			close(fd);
			if (e == EWOULDBLOCK)
				return -2;
			errno = e;
			return -1;
		}
		if (fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			return fd;
		close(fd);
	}
	errno = EAGAIN;
	return -1;
}

static int
audit_write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

/* True when the file is not empty and does not end with a newline. */
static bool
audit_ends_torn(const char *path)
{
	char last;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	off_t end;
	bool torn = false;

	if (fd == -1)
		return false;
	if ((end = lseek(fd, 0, SEEK_END)) > 0 &&
	    pread(fd, &last, 1, end - 1) == 1)
		torn = last != '\n';
	close(fd);
	return torn;
}

int
audit_spool_append(const char *path, const struct audit_record *r,
    char *cause, size_t len)
{
	json_t *o = audit_record_json(r);
	char *text = json_dumps(o, JSON_COMPACT);
	int fd, rc = 0;

	json_decref(o);
	if (audit_mkdirs(path, cause, len) == -1) {
		free(text);
		return -1;
	}
	if ((fd = audit_spool_open(path, O_WRONLY | O_APPEND | O_CREAT,
		 LOCK_EX)) < 0) {
		snprintf(cause, len, "cannot open '%s': %s", path,
		    strerror(errno));
		free(text);
		return -1;
	}
	/* A file made by hand or an older umask: only its owner reads it. */
	fchmod(fd, 0600);
	/* A line cut short by a crash must not swallow this record. */
	if (audit_ends_torn(path) &&
	    audit_write_all(fd, "\n", 1) == -1)
		rc = -1;
	if (rc == -1 || audit_write_all(fd, text, strlen(text)) == -1 ||
	    audit_write_all(fd, "\n", 1) == -1 || fsync(fd) == -1) {
		snprintf(cause, len, "cannot write '%s': %s", path,
		    strerror(errno));
		rc = -1;
	}
	close(fd);
	free(text);
	return rc;
}

/* Reads the whole file behind fd; NUL-terminated. NULL with errno set. */
static char *
audit_read_fd(int fd, size_t *n)
{
	size_t cap = 65536, len = 0;
	char *buf = xmalloc(cap + 1);

	for (;;) {
		ssize_t got;

		if (len == cap) {
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
		got = read(fd, buf + len, cap - len);
		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1) {
			free(buf);
			return NULL;
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	buf[len] = '\0';
	*n = len;
	return buf;
}

/* Writes `text` to PATH.tmp and renames it over PATH. */
static int
audit_spool_rewrite(const char *path, const char *text, size_t n,
    char *cause, size_t len)
{
	char tmp[4200];
	int fd;

	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	/* A new file of our own: a leftover (or a planted link) goes first. */
	unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
		 O_NOFOLLOW, 0600)) == -1) {
		snprintf(cause, len, "cannot create '%s': %s", tmp,
		    strerror(errno));
		return -1;
	}
	if (audit_write_all(fd, text, n) == -1 || fsync(fd) == -1) {
		snprintf(cause, len, "cannot write '%s': %s", tmp,
		    strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) == -1) {
		snprintf(cause, len, "cannot rename '%s' to '%s': %s", tmp, path,
		    strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Keeps unreadable lines next to the spool, so they block nothing and are
 * not lost either. */
static void
audit_spool_bad(const char *path, const char *line, size_t n)
{
	char bad[4200];
	int fd;

	snprintf(bad, sizeof bad, "%s.bad", path);
	if ((fd = open(bad, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
		 O_NOFOLLOW, 0600)) == -1)
		return;
	if (audit_write_all(fd, line, n) == 0)
		audit_write_all(fd, "\n", 1);
	close(fd);
}

int
audit_spool_replay(const char *path, const struct audit_writer *w,
    struct audit_replay *rep, char *cause, size_t len)
{
	char *text, *keep, *line, why[256];
	size_t n, klen = 0;
	bool stop = false;
	int fd, rc = 0;

	memset(rep, 0, sizeof *rep);
	if ((fd = audit_spool_open(path, O_RDWR, LOCK_EX | LOCK_NB)) == -2) {
		rep->busy = true;
		return 0;
	}
	if (fd == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(cause, len, "cannot open '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	if ((text = audit_read_fd(fd, &n)) == NULL) {
		snprintf(cause, len, "cannot read '%s': %s", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	keep = xmalloc(n + 1);
	for (line = text; line < text + n;) {
		size_t ll = strcspn(line, "\n");
		struct audit_record r;
		json_error_t jerr;
		json_t *o;
		int wr;

		line[ll] = '\0';
		if (ll == 0) {
			line += 1;
			continue;
		}
		if (stop) {
			rep->left++;
			memcpy(keep + klen, line, ll);
			klen += ll;
			keep[klen++] = '\n';
			line += ll + 1;
			continue;
		}
		o = json_loadb(line, ll, 0, &jerr);
		if (o == NULL || audit_record_from_json(o, &r, why,
			sizeof why) == -1) {
			audit_spool_bad(path, line, ll);
			rep->bad++;
			json_decref(o);
			line += ll + 1;
			continue;
		}
		json_decref(o);
		r.spooled = true;
		wr = w->write(w->arg, &r, why, sizeof why);
		if (wr == AUDIT_WRITTEN)
			rep->written++;
		else {
			if (wr != AUDIT_REJECTED)
				stop = true;
			snprintf(cause, len, "%s", why);
			memcpy(keep + klen, line, ll);
			klen += ll;
			keep[klen++] = '\n';
			rep->left++;
		}
		line += ll + 1;
	}
	if (rep->written > 0 || rep->bad > 0) {
		if (klen == 0) {
			if (unlink(path) == -1 && errno != ENOENT) {
				snprintf(cause, len, "cannot remove '%s': %s",
				    path, strerror(errno));
				rc = -1;
			}
		} else if (audit_spool_rewrite(path, keep, klen, cause,
			       len) == -1)
			rc = -1;
	}
	/* Closing releases the lock, after the file was replaced. */
	close(fd);
	free(text);
	free(keep);
	return rc;
}

int
audit_submit(const char *path, const struct audit_writer *w,
    struct audit_record *r, char *cause, size_t len)
{
	struct audit_replay rep;
	char why[256];

	cause[0] = '\0';
	if (path != NULL)
		audit_spool_replay(path, w, &rep, why, sizeof why);
	if (w->write(w->arg, r, cause, len) == AUDIT_WRITTEN)
		return AUDIT_IN_STREAM;
	if (strcmp(r->result, "refused") == 0)
		return AUDIT_DROPPED;
	if (path == NULL) {
		snprintf(why, sizeof why, "%s", cause);
		snprintf(cause, len, "%s; no spool file: set HOME or "
		    "MAILNOC_AUDIT_FILE", why);
		return AUDIT_LOST;
	}
	r->spooled = true;
	if (audit_spool_append(path, r, why, sizeof why) == -1) {
		char stream[256];

		r->spooled = false;
		/* Both reasons: the operator has two things to fix. */
		snprintf(stream, sizeof stream, "%s", cause);
		snprintf(cause, len, "%s; %s", stream, why);
		return AUDIT_LOST;
	}
	return AUDIT_SPOOLED;
}

bool
audit_may_start(int outcome, bool required)
{
	return outcome != AUDIT_LOST || !required;
}

/* Sorts indices of records by action, then position (qsort_r's argument). */
static int
audit_fold_cmp(const void *a, const void *b, void *arg)
{
	const struct audit_record *v = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = strcmp(v[i].action, v[j].action);

	if (c != 0)
		return c;
	return i < j ? -1 : i > j;
}

size_t
audit_fold(struct audit_record *v, size_t n)
{
	size_t *ix, i, k, out = 0;
	bool *drop;

	if (n == 0)
		return 0;
	ix = xcalloc(n, sizeof *ix);
	drop = xcalloc(n, sizeof *drop);
	for (i = 0; i < n; i++)
		ix[i] = i;
	qsort_r(ix, n, sizeof *ix, audit_fold_cmp, v);
	for (i = 0; i < n; i = k) {
		size_t started = n, done = n, m;

		for (k = i; k < n && strcmp(v[ix[k]].action, v[ix[i]].action) ==
		     0; k++)
			;
		if (v[ix[i]].action[0] == '\0')
			continue;
		for (m = i; m < k; m++) {
			const struct audit_record *r = &v[ix[m]];

			if (strcmp(r->phase, AUDIT_STARTED) == 0) {
				if (started == n)
					started = ix[m];
			} else if (done == n)
				done = ix[m];
		}
		if (started == n || done == n)
			continue;
		v[done].started_ms = v[started].at_ms;
		v[done].spooled |= v[started].spooled;
		drop[started] = true;
	}
	for (i = 0; i < n; i++) {
		if (drop[i])
			continue;
		if (out != i)
			v[out] = v[i];
		out++;
	}
	free(ix);
	free(drop);
	return out;
}
