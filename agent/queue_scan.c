/* Queue counts from readdir, re-listing only directories that changed. */
#include "agent/queue_scan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/xalloc.h"

/*
 * How it stays cheap with a million messages:
 *
 * - Every directory (a queue and its hash_queue_depth subdirectories) is
 *   stat-ed each pass, and listed again only when its mtime or inode
 *   changed. A directory whose mtime is within QS_RACY_S of the moment it
 *   was listed is listed again next pass, since a change in the same clock
 *   tick would not move the mtime.
 * - Files are never stat-ed: readdir's d_type says file or directory (an
 *   fstatat only on file systems that do not fill it in).
 * - The arrival time comes from each file's T record, read once per queue
 *   ID: a hash table maps queue ID -> arrival, and survives a message
 *   moving between incoming, active and deferred. Entries carry the
 *   directory and its listing generation that last saw them; after a pass,
 *   those a re-listed directory did not see again are dropped.
 */

#define QS_MAX_DEPTH   4     /* queue/X/Y/Z/W: hash_queue_depth is 1-16 */
#define QS_RACY_S      1
#define QS_INIT_CAP    1024  /* hash slots, a power of two */
#define QS_HEAD        4096  /* bytes read from a queue file: its envelope
                                up to the first recipient (cleanup's
                                attributes take about 700) */
#define QS_DEFER_HEAD  2048  /* bytes read from a defer log */
#define QS_DOMAINS_MAX 16384 /* distinct recipient domains kept; more
                                count under "" until some go */
#define QS_CLASS_REFRESH 1024 /* defer logs read again per pass, at most */
#define QS_CANCEL_POLL 4096  /* entries between looks at the cancel flag */

#define ARRIVAL_PENDING 0
#define ARRIVAL_UNKNOWN UINT32_MAX

#define SLOT_EMPTY '\0'
#define SLOT_TOMB  '\1'

/* What an entry still needs read. */
#define NEED_HEAD  0x1     /* the queue file: arrival, first recipient */
#define NEED_CLASS 0x2     /* the defer log: its delay reason's class */

struct qs_entry {
	char id[SCAN_ID_MAX]; /* "" empty, "\1" removed */
	uint32_t arrival;      /* epoch s, or ARRIVAL_* */
	uint16_t dir;          /* index in dirs */
	uint16_t gen;          /* dirs[dir].gen when last seen there */
	uint16_t domain;       /* index in domains; 0: "" (not read, none) */
	uint8_t cls;           /* enum delay_class, deferred messages */
	uint8_t need;          /* NEED_* */
};

struct qs_dir {
	char path[96];         /* relative to the queue directory */
	enum queue_kind kind;
	int parent;            /* -1 for a queue's top directory */
	int depth;
	bool live;             /* exists, as far as we know */
	bool listed;           /* listed at least once while live */
	bool racy;
	bool relisted;         /* a deferred directory listed this pass */
	uint16_t gen;          /* bumped at every listing */
	uint16_t seen;         /* parent's gen when the parent last listed it */
	ino_t ino;
	struct timespec mtime;
	long files;
};

struct queue_scan {
	int fd;
	char *root;
	struct qs_dir *dirs;
	size_t ndirs;
	struct qs_entry *tab;
	size_t cap, used, tombs;
	long pending;
	uint32_t oldest;
	bool dirty;            /* entries changed since the oldest was found */
	size_t refresh;        /* where the class refresh goes on */
	long needs;            /* entries with a NEED_* flag */
	char **domains;        /* interned recipient domains; [0] is "" */
	size_t ndomains;
	uint16_t *dhash;       /* open addressing over domains; 0: empty */
	size_t dcap;
	atomic_int cancel;
	struct queue_scan_stats stats;
};

static const char *const qs_top[Q_COUNT] = {
	[Q_INCOMING] = "incoming",
	[Q_ACTIVE] = "active",
	[Q_DEFERRED] = "deferred",
	[Q_HOLD] = "hold",
	[Q_CORRUPT] = "corrupt",
};

/* Only mail that Postfix is still trying to deliver has an age we report:
 * held and corrupt messages are parked and would pin oldest_age. */
static bool
qs_tracked(enum queue_kind kind)
{
	return kind == Q_INCOMING || kind == Q_ACTIVE || kind == Q_DEFERRED;
}

/* Postfix queue IDs are letters and digits (mail_queue_id_ok). */
static bool
qs_id_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
		    (c >= 'a' && c <= 'z')))
			return false;
	}
	return i > 0;
}

static size_t
qs_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return (size_t)(h ^ (h >> 29));
}

static size_t
qs_lookup(const struct queue_scan *qs, const char *id)
{
	size_t mask = qs->cap - 1, i = qs_hash(id) & mask;

	while (qs->tab[i].id[0] != SLOT_EMPTY) {
		if (qs->tab[i].id[0] != SLOT_TOMB &&
		    strcmp(qs->tab[i].id, id) == 0)
			return i;
		i = (i + 1) & mask;
	}
	return SIZE_MAX;
}

/* Places e in a table known to have room and not to hold e->id. */
static void
qs_place(struct qs_entry *tab, size_t cap, const struct qs_entry *e)
{
	size_t mask = cap - 1, i = qs_hash(e->id) & mask;

	while (tab[i].id[0] != SLOT_EMPTY && tab[i].id[0] != SLOT_TOMB)
		i = (i + 1) & mask;
	tab[i] = *e;
}

static void
qs_rehash(struct queue_scan *qs)
{
	size_t cap = QS_INIT_CAP, i;
	struct qs_entry *tab;

	while (cap < (qs->used + 1) * 2)
		cap *= 2;
	tab = xcalloc(cap, sizeof *tab);
	for (i = 0; i < qs->cap; i++) {
		if (qs->tab[i].id[0] != SLOT_EMPTY &&
		    qs->tab[i].id[0] != SLOT_TOMB)
			qs_place(tab, cap, &qs->tab[i]);
	}
	free(qs->tab);
	qs->tab = tab;
	qs->cap = cap;
	qs->tombs = 0;
}

static void
qs_insert(struct queue_scan *qs, const struct qs_entry *e)
{
	size_t mask, i;

	if ((qs->used + qs->tombs + 1) * 4 > qs->cap * 3)
		qs_rehash(qs);
	mask = qs->cap - 1;
	i = qs_hash(e->id) & mask;
	while (qs->tab[i].id[0] != SLOT_EMPTY && qs->tab[i].id[0] != SLOT_TOMB)
		i = (i + 1) & mask;
	if (qs->tab[i].id[0] == SLOT_TOMB)
		qs->tombs--;
	qs->tab[i] = *e;
	qs->used++;
}

static void
qs_need(struct queue_scan *qs, struct qs_entry *e, uint8_t flags)
{
	if (e->need == 0)
		qs->needs++;
	e->need |= flags;
}

/* A message listed in directory d, generation gen. */
static void
qs_touch(struct queue_scan *qs, const char *id, size_t d, uint16_t gen)
{
	bool deferred = qs->dirs[d].kind == Q_DEFERRED;
	struct qs_entry e;
	size_t i;

	if ((i = qs_lookup(qs, id)) != SIZE_MAX) {
		/* Moved, and its arrival could not be read before: retry. */
		if (qs->tab[i].dir != d &&
		    qs->tab[i].arrival == ARRIVAL_UNKNOWN) {
			qs->tab[i].arrival = ARRIVAL_PENDING;
			qs->pending++;
			qs_need(qs, &qs->tab[i], NEED_HEAD);
		}
		/* Deferred (again): a new reason, maybe recipients done. */
		if (qs->tab[i].dir != d && deferred)
			qs_need(qs, &qs->tab[i], NEED_HEAD | NEED_CLASS);
		qs->tab[i].dir = (uint16_t)d;
		qs->tab[i].gen = gen;
		return;
	}
	memset(&e, 0, sizeof e);
	snprintf(e.id, sizeof e.id, "%s", id);
	e.arrival = ARRIVAL_PENDING;
	e.dir = (uint16_t)d;
	e.gen = gen;
	e.cls = DELAY_NONE;
	e.need = NEED_HEAD | (deferred ? NEED_CLASS : 0);
	qs_insert(qs, &e);
	qs->pending++;
	qs->needs++;
	qs->dirty = true;
}

static size_t
qs_add_dir(struct queue_scan *qs, const char *path, enum queue_kind kind,
    int parent, int depth)
{
	struct qs_dir *d;

	qs->dirs = xreallocarray(qs->dirs, qs->ndirs + 1, sizeof *qs->dirs);
	d = &qs->dirs[qs->ndirs];
	memset(d, 0, sizeof *d);
	snprintf(d->path, sizeof d->path, "%s", path);
	d->kind = kind;
	d->parent = parent;
	d->depth = depth;
	d->live = true;
	return qs->ndirs++;
}

struct queue_scan *
queue_scan_new(const char *queue_dir, char *cause, size_t causelen)
{
	struct queue_scan *qs;
	size_t q;
	int fd;

	fd = open(queue_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1) {
		snprintf(cause, causelen, "cannot open queue directory '%s': "
		    "%s", queue_dir, strerror(errno));
		return NULL;
	}
	qs = xcalloc(1, sizeof *qs);
	qs->fd = fd;
	qs->root = xstrdup(queue_dir);
	qs->cap = QS_INIT_CAP;
	qs->tab = xcalloc(qs->cap, sizeof *qs->tab);
	qs->dcap = 2 * QS_DOMAINS_MAX;
	qs->dhash = xcalloc(qs->dcap, sizeof *qs->dhash);
	qs->domains = xcalloc(QS_DOMAINS_MAX, sizeof *qs->domains);
	qs->domains[0] = xstrdup("");
	qs->ndomains = 1;
	atomic_init(&qs->cancel, 0);
	for (q = 0; q < Q_COUNT; q++)
		qs_add_dir(qs, qs_top[q], (enum queue_kind)q, -1, 0);
	return qs;
}

void
queue_scan_free(struct queue_scan *qs)
{
	if (qs == NULL)
		return;
	close(qs->fd);
	while (qs->ndomains > 0)
		free(qs->domains[--qs->ndomains]);
	free(qs->domains);
	free(qs->dhash);
	free(qs->root);
	free(qs->dirs);
	free(qs->tab);
	free(qs);
}

void
queue_scan_cancel(struct queue_scan *qs)
{
	atomic_store(&qs->cancel, 1);
}

static bool
qs_cancelled(struct queue_scan *qs)
{
	return atomic_load(&qs->cancel) != 0;
}

/* A directory vanished: it and everything below count nothing. */
static void
qs_kill_dir(struct queue_scan *qs, size_t d)
{
	size_t i;

	if (!qs->dirs[d].live)
		return;
	qs->dirs[d].live = false;
	qs->dirs[d].listed = false;
	qs->dirs[d].files = 0;
	qs->dirs[d].gen++;
	qs->dirty = true;
	for (i = 0; i < qs->ndirs; i++) {
		if (qs->dirs[i].parent == (int)d)
			qs_kill_dir(qs, i);
	}
}

/* Directory d listed a subdirectory `name`: find or add its record. */
static void
qs_child(struct queue_scan *qs, size_t d, const char *name)
{
	char path[sizeof qs->dirs[0].path];
	size_t i;
	int n;

	n = snprintf(path, sizeof path, "%s/%s", qs->dirs[d].path, name);
	if (n < 0 || (size_t)n >= sizeof path)
		return;
	for (i = 0; i < qs->ndirs; i++) {
		if (qs->dirs[i].parent == (int)d &&
		    strcmp(qs->dirs[i].path, path) == 0)
			break;
	}
	if (i == qs->ndirs) {
		if (qs->ndirs >= UINT16_MAX)
			return;
		i = qs_add_dir(qs, path, qs->dirs[d].kind, (int)d,
		    qs->dirs[d].depth + 1);
	} else if (!qs->dirs[i].live) {
		qs->dirs[i].live = true;
		qs->dirs[i].listed = false;
	}
	qs->dirs[i].seen = qs->dirs[d].gen;
}

/* Lists directory d (opened as fd, st from fstat). Returns 0 or -1. */
static int
qs_list(struct queue_scan *qs, size_t d, int fd, const struct stat *st)
{
	struct dirent *de;
	time_t listed_at = time(NULL);
	unsigned long n = 0;
	uint16_t gen;
	long files = 0;
	size_t i;
	DIR *dp;

	if ((dp = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	gen = ++qs->dirs[d].gen;
	while ((de = readdir(dp)) != NULL) {
		unsigned char type = de->d_type;

		if (++n % QS_CANCEL_POLL == 0 && qs_cancelled(qs)) {
			closedir(dp);
			return -1;
		}
		if (de->d_name[0] == '.')
			continue;
		if (type == DT_UNKNOWN) {
			struct stat sub;

			if (fstatat(dirfd(dp), de->d_name, &sub,
			    AT_SYMLINK_NOFOLLOW) == -1)
				continue;
			type = S_ISDIR(sub.st_mode) ? DT_DIR :
			    S_ISREG(sub.st_mode) ? DT_REG : DT_UNKNOWN;
		}
		if (type == DT_DIR) {
			if (qs->dirs[d].depth < QS_MAX_DEPTH)
				qs_child(qs, d, de->d_name);
			continue;
		}
		if (type != DT_REG || !qs_id_ok(de->d_name))
			continue;
		files++;
		if (qs_tracked(qs->dirs[d].kind) &&
		    strlen(de->d_name) < SCAN_ID_MAX)
			qs_touch(qs, de->d_name, d, gen);
	}
	closedir(dp);

	qs->dirs[d].files = files;
	qs->dirs[d].ino = st->st_ino;
	qs->dirs[d].mtime = st->st_mtim;
	qs->dirs[d].racy = st->st_mtim.tv_sec + QS_RACY_S >= listed_at;
	qs->dirs[d].listed = true;
	qs->stats.dirs_read++;
	if (qs->dirs[d].kind == Q_DEFERRED)
		qs->dirs[d].relisted = true;
	qs->dirty = true;
	for (i = 0; i < qs->ndirs; i++) {
		if (qs->dirs[i].parent == (int)d && qs->dirs[i].live &&
		    qs->dirs[i].seen != gen)
			qs_kill_dir(qs, i);
	}
	return 0;
}

/* Drops entries that their directory did not list again. */
static void
qs_sweep(struct queue_scan *qs)
{
	size_t i;

	for (i = 0; i < qs->cap; i++) {
		struct qs_entry *e = &qs->tab[i];

		if (e->id[0] == SLOT_EMPTY || e->id[0] == SLOT_TOMB)
			continue;
		if (qs->dirs[e->dir].live && qs->dirs[e->dir].gen == e->gen)
			continue;
		if (e->arrival == ARRIVAL_PENDING)
			qs->pending--;
		if (e->need != 0)
			qs->needs--;
		e->id[0] = SLOT_TOMB;
		qs->used--;
		qs->tombs++;
	}
	if (qs->tombs > qs->cap / 4)
		qs_rehash(qs);
}

int
queue_scan_count(struct queue_scan *qs, char *cause, size_t causelen)
{
	bool listed = false;
	struct stat st;
	size_t d;

	if (fstat(qs->fd, &st) == -1 || st.st_nlink == 0) {
		snprintf(cause, causelen, "queue directory '%s' is gone",
		    qs->root);
		return -1;
	}
	/* dirs grows while we go: subdirectories found are read this pass. */
	for (d = 0; d < qs->ndirs; d++) {
		struct qs_dir *dir = &qs->dirs[d];
		int fd;

		if (qs_cancelled(qs)) {
			snprintf(cause, causelen, "queue scan cancelled");
			return -1;
		}
		if (!dir->live && dir->parent != -1)
			continue;
		qs->stats.dirs_checked++;
		fd = openat(qs->fd, dir->path, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);
		if (fd == -1 || fstat(fd, &st) == -1) {
			int saved = errno;

			if (fd != -1)
				close(fd);
			errno = saved;
			/* A queue Postfix has not created yet holds nothing. */
			if (dir->parent == -1 && (errno == ENOENT ||
			    errno == ENOTDIR)) {
				if (dir->live || dir->listed)
					listed = true;
				qs_kill_dir(qs, d);
				qs->dirs[d].live = false;
				continue;
			}
			if (errno == ENOENT || errno == ENOTDIR) {
				qs_kill_dir(qs, d);
				listed = true;
				continue;
			}
			snprintf(cause, causelen, "cannot read '%s/%s': %s",
			    qs->root, dir->path, strerror(errno));
			return -1;
		}
		if (!dir->live)
			dir->live = true;
		if (dir->listed && !dir->racy && dir->ino == st.st_ino &&
		    dir->mtime.tv_sec == st.st_mtim.tv_sec &&
		    dir->mtime.tv_nsec == st.st_mtim.tv_nsec) {
			close(fd);
			continue;
		}
		if (qs_list(qs, d, fd, &st) == -1) {
			if (qs_cancelled(qs)) {
				snprintf(cause, causelen, "queue scan "
				    "cancelled");
				return -1;
			}
			snprintf(cause, causelen, "cannot list '%s/%s': %s",
			    qs->root, qs->dirs[d].path, strerror(errno));
			return -1;
		}
		listed = true;
	}
	if (listed)
		qs_sweep(qs);
	qs->stats.passes++;
	return 0;
}

int
queue_file_arrival(const unsigned char *buf, size_t len, long long *sec)
{
	size_t i = 0;

	while (i < len) {
		unsigned char type = buf[i++];
		size_t reclen = 0, shift = 0;
		long long v = 0;
		size_t j;

		for (;;) {
			if (i >= len || shift > 28)
				return -1;
			reclen |= (size_t)(buf[i] & 0x7f) << shift;
			if ((buf[i++] & 0x80) == 0)
				break;
			shift += 7;
		}
		if (type == 'M' || type == 'N' || type == 'E')
			return -1; /* content or end: no T record */
		if (type != 'T') {
			i += reclen;
			continue;
		}
		if (reclen == 0 || reclen > len - i)
			return -1;
		for (j = 0; j < reclen && buf[i + j] >= '0' &&
		    buf[i + j] <= '9'; j++) {
			if (v > 1000000000000LL)
				return -1;
			v = v * 10 + (buf[i + j] - '0');
		}
		if (j == 0 || (j < reclen && buf[i + j] != ' ') || v <= 0)
			return -1;
		*sec = v;
		return 0;
	}
	return -1;
}

int
queue_file_recipient(const unsigned char *buf, size_t len, char *addr,
    size_t addrlen)
{
	size_t i = 0;

	while (i < len) {
		unsigned char type = buf[i++];
		size_t reclen = 0, shift = 0;

		for (;;) {
			if (i >= len || shift > 28)
				return -1;
			reclen |= (size_t)(buf[i] & 0x7f) << shift;
			if ((buf[i++] & 0x80) == 0)
				break;
			shift += 7;
		}
		if (type == 'M' || type == 'N' || type == 'E')
			return -1; /* content or end: no recipient before */
		if (reclen > len - i)
			return -1;
		if (type == 'R') {
			if (reclen == 0 || reclen >= addrlen ||
			    memchr(buf + i, '\0', reclen) != NULL)
				return -1;
			memcpy(addr, buf + i, reclen);
			addr[reclen] = '\0';
			return 0;
		}
		i += reclen;
	}
	return -1;
}

enum delay_class
queue_defer_class(const char *buf, size_t len)
{
	char reason[QS_DEFER_HEAD];
	size_t i = 0, n;

	while (i < len) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t end = nl != NULL ? (size_t)(nl - buf) : len;

		if (end - i > 7 && memcmp(buf + i, "reason=", 7) == 0) {
			n = end - i - 7;
			if (n >= sizeof reason)
				n = sizeof reason - 1;
			memcpy(reason, buf + i + 7, n);
			reason[n] = '\0';
			/* A reason cut by the read still classifies by its
			 * start; a NUL inside ends it early, harmlessly. */
			return delay_classify(reason);
		}
		i = end + 1;
	}
	return DELAY_NONE;
}

/* The index of domain `name` in qs->domains, added when new; 0 ("") when
 * the table is full. */
static uint16_t
qs_domain(struct queue_scan *qs, const char *name)
{
	size_t mask = qs->dcap - 1, i;

	if (name[0] == '\0')
		return 0;
	i = qs_hash(name) & mask;
	while (qs->dhash[i] != 0) {
		if (strcmp(qs->domains[qs->dhash[i]], name) == 0)
			return qs->dhash[i];
		i = (i + 1) & mask;
	}
	if (qs->ndomains >= QS_DOMAINS_MAX)
		return 0;
	qs->domains[qs->ndomains] = xstrdup(name);
	qs->dhash[i] = (uint16_t)qs->ndomains;
	return (uint16_t)qs->ndomains++;
}

/* Drops the domains no entry names any more (renumbering the others). */
static void
qs_domains_compact(struct queue_scan *qs)
{
	uint16_t *map = xcalloc(qs->ndomains, sizeof *map);
	char **old = qs->domains;
	size_t i, n = qs->ndomains;

	for (i = 0; i < qs->cap; i++) {
		if (qs->tab[i].id[0] != SLOT_EMPTY &&
		    qs->tab[i].id[0] != SLOT_TOMB)
			map[qs->tab[i].domain] = 1;
	}
	map[0] = 0;
	qs->domains = xcalloc(QS_DOMAINS_MAX, sizeof *qs->domains);
	qs->domains[0] = old[0];
	qs->ndomains = 1;
	memset(qs->dhash, 0, qs->dcap * sizeof *qs->dhash);
	for (i = 1; i < n; i++) {
		if (map[i] != 0)
			map[i] = qs_domain(qs, old[i]);
		free(old[i]);
	}
	free(old);
	for (i = 0; i < qs->cap; i++) {
		if (qs->tab[i].id[0] != SLOT_EMPTY &&
		    qs->tab[i].id[0] != SLOT_TOMB)
			qs->tab[i].domain = map[qs->tab[i].domain];
	}
	free(map);
}

/* Reads the head of the message's queue file: its arrival (when not known
 * yet) and its first recipient's domain. */
static void
qs_read_head(struct queue_scan *qs, struct qs_entry *e)
{
	unsigned char buf[QS_HEAD];
	char path[sizeof qs->dirs[0].path + SCAN_ID_MAX + 2];
	char addr[QUEUED_NAME_MAX + 256], dom[QUEUED_NAME_MAX];
	bool arrival = e->arrival == ARRIVAL_PENDING;
	long long sec;
	ssize_t n;
	int fd;

	qs->stats.files_read++;
	if (arrival)
		e->arrival = ARRIVAL_UNKNOWN;
	snprintf(path, sizeof path, "%s/%s", qs->dirs[e->dir].path, e->id);
	fd = openat(qs->fd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NOATIME);
	if (fd == -1 && errno == EPERM)
		fd = openat(qs->fd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return;
	n = read(fd, buf, sizeof buf);
	close(fd);
	if (arrival && n > 0 && queue_file_arrival(buf, (size_t)n, &sec) ==
	    0 && sec < (long long)UINT32_MAX)
		e->arrival = (uint32_t)sec;
	if (n > 0 && queue_file_recipient(buf, (size_t)n, addr,
	    sizeof addr) == 0 && queued_domain_of(addr, dom, sizeof dom) == 0)
		e->domain = qs_domain(qs, dom);
	else
		e->domain = 0;
}

/* Reads the class of a deferred message's delay reason (defer/ mirrors
 * deferred/'s hashed subdirectories). */
static void
qs_read_class(struct queue_scan *qs, struct qs_entry *e)
{
	const char *dir = qs->dirs[e->dir].path;
	char path[sizeof qs->dirs[0].path + SCAN_ID_MAX + 2];
	char buf[QS_DEFER_HEAD];
	ssize_t n;
	int fd;

	e->cls = DELAY_NONE;
	if (qs->dirs[e->dir].kind != Q_DEFERRED ||
	    strncmp(dir, "deferred", 8) != 0)
		return;
	snprintf(path, sizeof path, "defer%s/%s", dir + 8, e->id);
	fd = openat(qs->fd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NOATIME);
	if (fd == -1 && errno == EPERM)
		fd = openat(qs->fd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return;
	n = read(fd, buf, sizeof buf);
	close(fd);
	qs->stats.defer_logs_read++;
	if (n > 0)
		e->cls = (uint8_t)queue_defer_class(buf, (size_t)n);
}

/*
 * Postfix retries a deferred message by moving it to active and, failing
 * again, back to the same hashed directory with a new defer log: when that
 * happens between two passes the entry never seems to move. So the
 * messages of a deferred directory that changed have their class read
 * again, QS_CLASS_REFRESH a pass at most (going on where the last pass
 * stopped): a quiet queue costs nothing, a busy big one is refreshed over
 * several passes.
 */
static void
qs_class_refresh(struct queue_scan *qs)
{
	size_t d, i, k, budget = QS_CLASS_REFRESH;
	bool any = false;

	for (d = 0; d < qs->ndirs; d++)
		any |= qs->dirs[d].relisted;
	if (!any)
		return;
	for (k = 0; k < qs->cap && budget > 0; k++) {
		struct qs_entry *e;

		i = (qs->refresh + k) & (qs->cap - 1);
		e = &qs->tab[i];
		if (e->id[0] == SLOT_EMPTY || e->id[0] == SLOT_TOMB ||
		    !qs->dirs[e->dir].relisted || (e->need & NEED_CLASS))
			continue;
		qs_need(qs, e, NEED_CLASS);
		budget--;
	}
	qs->refresh = (qs->refresh + k) & (qs->cap - 1);
	for (d = 0; d < qs->ndirs; d++)
		qs->dirs[d].relisted = false;
}

void
queue_scan_arrivals(struct queue_scan *qs)
{
	uint32_t oldest = 0;
	size_t i;

	qs_class_refresh(qs);
	if (qs->needs > 0) {
		if (qs->ndomains >= QS_DOMAINS_MAX * 3 / 4)
			qs_domains_compact(qs);
		for (i = 0; i < qs->cap && qs->needs > 0; i++) {
			struct qs_entry *e = &qs->tab[i];
			bool pending;

			if (e->id[0] == SLOT_EMPTY || e->id[0] == SLOT_TOMB ||
			    e->need == 0)
				continue;
			if (qs_cancelled(qs))
				return;
			pending = e->arrival == ARRIVAL_PENDING;
			if (e->need & NEED_HEAD)
				qs_read_head(qs, e);
			if (e->need & NEED_CLASS)
				qs_read_class(qs, e);
			e->need = 0;
			qs->needs--;
			if (pending && e->arrival != ARRIVAL_PENDING)
				qs->pending--;
		}
		qs->dirty = true;
	}
	if (!qs->dirty)
		return;
	for (i = 0; i < qs->cap; i++) {
		const struct qs_entry *e = &qs->tab[i];

		if (e->id[0] == SLOT_EMPTY || e->id[0] == SLOT_TOMB ||
		    e->arrival == ARRIVAL_PENDING ||
		    e->arrival == ARRIVAL_UNKNOWN)
			continue;
		if (oldest == 0 || e->arrival < oldest)
			oldest = e->arrival;
	}
	qs->oldest = oldest;
	qs->dirty = false;
}

/* Per domain index: what queue_scan_domains adds up. */
struct qs_tally {
	long queued, deferred;
	long by_class[DELAY_CLASSES];
};

void
queue_scan_domains(const struct queue_scan *qs, struct queued_list *out)
{
	struct qs_tally *t = xcalloc(qs->ndomains, sizeof *t);
	struct queued_entry q;
	size_t i;

	queued_list_init(out);
	for (i = 0; i < qs->cap; i++) {
		const struct qs_entry *e = &qs->tab[i];
		enum queue_kind k;

		if (e->id[0] == SLOT_EMPTY || e->id[0] == SLOT_TOMB ||
		    e->domain >= qs->ndomains)
			continue;
		k = qs->dirs[e->dir].kind;
		if (k != Q_ACTIVE && k != Q_DEFERRED)
			continue;
		t[e->domain].queued++;
		if (k == Q_DEFERRED) {
			t[e->domain].deferred++;
			t[e->domain].by_class[e->cls < DELAY_CLASSES ?
			    e->cls : DELAY_OTHER]++;
		}
	}
	for (i = 0; i < qs->ndomains; i++) {
		if (t[i].queued == 0)
			continue;
		memset(&q, 0, sizeof q);
		snprintf(q.name, sizeof q.name, "%s", qs->domains[i]);
		q.queued = t[i].queued;
		q.deferred = t[i].deferred;
		memcpy(q.by_class, t[i].by_class, sizeof q.by_class);
		queued_list_append(out, &q);
	}
	free(t);
}

int
queue_scan_run(struct queue_scan *qs, char *cause, size_t causelen)
{
	if (queue_scan_count(qs, cause, causelen) == -1)
		return -1;
	queue_scan_arrivals(qs);
	return 0;
}

void
queue_scan_result(const struct queue_scan *qs, struct queue_counts *out)
{
	size_t d;

	memset(out, 0, sizeof *out);
	out->complete = true;
	for (d = 0; d < qs->ndirs; d++) {
		const struct qs_dir *dir = &qs->dirs[d];

		if (!dir->live)
			continue;
		if (!dir->listed)
			out->complete = false;
		out->count[dir->kind] += dir->files;
	}
	out->oldest = qs->oldest;
	out->pending = qs->pending;
}

void
queue_scan_stats(const struct queue_scan *qs, struct queue_scan_stats *out)
{
	*out = qs->stats;
	out->tracked = qs->used;
}
