/* The SSH backend: one non-blocking libssh2 session per node, every wait
 * bounded by a deadline and a cancel flag. */
#include "backends/ssh.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "backends/uithread.h"
#include "core/clock.h"
#include "core/exitcode.h"
#include "core/validate.h"
#include "core/xalloc.h"

#define SSH_IO_CHUNK 32768
/* libssh2_session_free gives up after this many EAGAINs (it leaks then). */
#define SSH_FREE_TRIES 8
/* Longest single poll while keepalives or the progress watchdog run. */
#define SSH_WATCH_POLL_MS 500

/* What a wait is bounded by, and what to say when it runs out. */
struct ssh_deadline {
	long long at;        /* monotonic ms */
	int ms;              /* the timeout, for the message */
	const char *knob;    /* its configuration key */
	const char *what;    /* what is being waited for */
	volatile int *cancel;
};

/*
 * Host key types: libssh2's number, the known_hosts type bit, the SSH name.
 * The first SSH_HOSTKEYS_OFFERED are offered, best first.
 */
static const struct ssh_hostkey {
	int type;
	int knownhost;
	const char *name;
} ssh_hostkeys[] = {
	{ LIBSSH2_HOSTKEY_TYPE_ED25519, LIBSSH2_KNOWNHOST_KEY_ED25519,
	  "ssh-ed25519" },
	{ LIBSSH2_HOSTKEY_TYPE_ECDSA_256, LIBSSH2_KNOWNHOST_KEY_ECDSA_256,
	  "ecdsa-sha2-nistp256" },
	{ LIBSSH2_HOSTKEY_TYPE_ECDSA_384, LIBSSH2_KNOWNHOST_KEY_ECDSA_384,
	  "ecdsa-sha2-nistp384" },
	{ LIBSSH2_HOSTKEY_TYPE_ECDSA_521, LIBSSH2_KNOWNHOST_KEY_ECDSA_521,
	  "ecdsa-sha2-nistp521" },
	/* Named in messages only: never offered (no SHA-2 signatures). */
	{ LIBSSH2_HOSTKEY_TYPE_RSA, LIBSSH2_KNOWNHOST_KEY_SSHRSA, "ssh-rsa" },
	{ LIBSSH2_HOSTKEY_TYPE_DSS, LIBSSH2_KNOWNHOST_KEY_SSHDSS, "ssh-dss" },
};
#define SSH_HOSTKEYS_OFFERED 4

/* known_hosts as read for one connect. */
struct ssh_known {
	LIBSSH2_KNOWNHOSTS *kh;
	char **revoked; /* base64 keys of @revoked lines */
	size_t nrevoked;
	size_t skipped; /* lines libssh2 could not read */
};

static pthread_once_t ssh_once = PTHREAD_ONCE_INIT;
static int ssh_init_rc;

static void
ssh_library_init(void)
{
	ssh_init_rc = libssh2_init(0);
}

/*
 * libssh2's own recv, and a note of when the node last sent anything: the
 * only way to see a keepalive's reply, which libssh2 1.10 reads and drops.
 */
static LIBSSH2_RECV_FUNC(ssh_recv)
{
	struct ssh_conn *c = *abstract;
	ssize_t n = recv(socket, buffer, length, flags);

	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (n > 0 && c != NULL) {
		c->heard_ms = clock_mono_ms();
		c->asked_ms = 0;
	}
	return n;
}

int
ssh_keepalive_interval(int keepalive_s)
{
	if (keepalive_s <= 0)
		return 0;
	return keepalive_s < 2 ? 2 : keepalive_s;
}

bool
ssh_peer_silent(long long asked_ms, long long now_ms, int keepalive_s)
{
	int interval = ssh_keepalive_interval(keepalive_s);

	return interval > 0 && asked_ms > 0 &&
	    now_ms - asked_ms >= (long long)interval * 1000;
}

bool
ssh_stalled(long long progress_ms, long long now_ms, int stall_ms)
{
	return stall_ms > 0 && now_ms - progress_ms >= stall_ms;
}

static const char *
ssh_addr(const struct ssh_conn *c, char *buf, size_t len)
{
	const char *host = c->node->ssh_host;

	if (strchr(host, ':') != NULL)
		snprintf(buf, len, "[%s]:%d", host, c->node->ssh_port);
	else
		snprintf(buf, len, "%s:%d", host, c->node->ssh_port);
	return buf;
}

static int
ssh_fail(struct ssh_conn *c, enum ssh_err err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Sets err and "NODE (HOST:PORT): message"; returns -1. */
static int
ssh_fail(struct ssh_conn *c, enum ssh_err err, const char *fmt, ...)
{
	char addr[300];
	va_list ap;
	int n;

	c->err = err;
	n = snprintf(c->errstr, sizeof c->errstr, "%s (%s): ", c->node->name,
	    ssh_addr(c, addr, sizeof addr));
	if (n < 0 || (size_t)n >= sizeof c->errstr)
		return -1;
	va_start(ap, fmt);
	vsnprintf(c->errstr + n, sizeof c->errstr - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* The last libssh2 error message of the session. */
static const char *
ssh_liberr(struct ssh_conn *c)
{
	char *msg = NULL;

	if (c->session == NULL)
		return "no session";
	libssh2_session_last_error(c->session, &msg, NULL, 0);
	return msg != NULL && msg[0] != '\0' ? msg : "unknown error";
}

void
ssh_init(struct ssh_conn *c, const struct config *cfg,
    const struct config_node *node)
{
	memset(c, 0, sizeof *c);
	c->cfg = cfg;
	c->node = node;
	c->fd = -1;
}

void
ssh_close(struct ssh_conn *c)
{
	int tries;

	if (c->session != NULL) {
		/* One try at a goodbye: it never waits. */
		if (c->up)
			libssh2_session_disconnect(c->session, "mailnoc done");
		/*
		 * With the socket shut down every libssh2 read or write fails
		 * at once, so freeing the session (and any channel still
		 * open) cannot wait on a silent peer.
		 */
		if (c->fd != -1)
			shutdown(c->fd, SHUT_RDWR);
		for (tries = 0; tries < SSH_FREE_TRIES; tries++) {
			if (libssh2_session_free(c->session) !=
			    LIBSSH2_ERROR_EAGAIN)
				break;
		}
		c->session = NULL;
	}
	if (c->fd != -1) {
		close(c->fd);
		c->fd = -1;
	}
	c->up = false;
}

void
ssh_result_free(struct ssh_result *res)
{
	free(res->errout);
	res->errout = NULL;
	res->errlen = 0;
}

int
ssh_exit_code(const struct ssh_conn *c)
{
	switch (c->err) {
	case SSH_E_NONE:
		return EXIT_OK;
	case SSH_E_CONNECT:
	case SSH_E_HOSTKEY:
	case SSH_E_AUTH:
	case SSH_E_TIMEOUT:
		return EXIT_UNREACHABLE;
	case SSH_E_EXEC:
	case SSH_E_CANCELLED:
		break;
	}
	return EXIT_FAILED;
}

/*
 * Waits until fd is ready for `events`, the deadline passes or *cancel is
 * set, in slices of SSH_CANCEL_POLL_MS. Returns 1 when ready, 0 when a slice
 * passed (try again), or -1 with err set.
 */
static int
ssh_wait_fd(struct ssh_conn *c, const struct ssh_deadline *d, short events,
    int slice_ms)
{
	struct pollfd pfd;
	long long left;
	int rc;

	if (d->cancel != NULL && *d->cancel)
		return ssh_fail(c, SSH_E_CANCELLED, "cancelled %s", d->what);
	left = d->at - clock_mono_ms();
	if (left <= 0)
		return ssh_fail(c, SSH_E_TIMEOUT, "timed out after %d ms %s "
		    "(%s)", d->ms, d->what, d->knob);
	if (d->cancel != NULL && left > SSH_CANCEL_POLL_MS)
		left = SSH_CANCEL_POLL_MS;
	if (slice_ms > 0 && left > slice_ms)
		left = slice_ms;
	pfd.fd = c->fd;
	pfd.events = events;
	pfd.revents = 0;
	rc = poll(&pfd, 1, (int)left);
	if (rc == -1 && errno != EINTR)
		return ssh_fail(c, SSH_E_CONNECT, "poll: %s", strerror(errno));
	return rc > 0 ? 1 : 0;
}

/*
 * Fails a command that made no progress for c->stall_ms, or whose node
 * left a keepalive unanswered for an interval. Returns 0 or -1.
 */
static int
ssh_watch(struct ssh_conn *c, const struct ssh_deadline *d)
{
	long long now = clock_mono_ms();
	int interval = ssh_keepalive_interval(c->cfg->ssh.keepalive_s);

	if (ssh_stalled(c->progress_ms, now, c->stall_ms))
		return ssh_fail(c, SSH_E_TIMEOUT, "no progress for %d %s %s: "
		    "nothing came from the command (%s)", c->stall_ms % 1000 ?
		    c->stall_ms : c->stall_ms / 1000, c->stall_ms % 1000 ? "ms" :
		    "s", d->what, c->stall_knob != NULL ? c->stall_knob :
		    "progress watchdog");
	if (c->up && ssh_peer_silent(c->asked_ms, now, c->cfg->ssh.keepalive_s))
		return ssh_fail(c, SSH_E_CONNECT, "the node stopped answering "
		    "%s: no reply to a keepalive for %d s (ssh.keepalive_s)",
		    d->what, interval);
	return 0;
}

/*
 * Waits for the direction libssh2 is blocked on. Returns 0 or -1. A command
 * that is silent for long gets keepalives, so that no firewall drops the
 * idle link under it and a node that stopped answering is found (each asks
 * for a reply); never while a packet is half sent, which the keepalive
 * would push out ahead of its owner.
 */
static int
ssh_wait(struct ssh_conn *c, const struct ssh_deadline *d)
{
	int dir = libssh2_session_block_directions(c->session), next = 0;
	int interval = ssh_keepalive_interval(c->cfg->ssh.keepalive_s);
	short events = 0;

	if (dir & LIBSSH2_SESSION_BLOCK_INBOUND)
		events |= POLLIN;
	if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
		events |= POLLOUT;
	if (events == 0)
		events = POLLIN;
	if (c->up && interval > 0 &&
	    (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND) == 0 &&
	    libssh2_keepalive_send(c->session, &next) == 0 &&
	    next == interval && c->ka_sent_s != (long long)time(NULL)) {
		/* One went just now (libssh2 says so only by the interval). */
		c->ka_sent_s = (long long)time(NULL);
		if (c->asked_ms == 0)
			c->asked_ms = clock_mono_ms();
	}
	if (ssh_watch(c, d) == -1)
		return -1;
	return ssh_wait_fd(c, d, events, interval > 0 || c->stall_ms > 0 ?
	    SSH_WATCH_POLL_MS : 0) == -1 ? -1 : 0;
}

/* Checks the deadline, *cancel and the watchdogs between steps that made
 * progress. */
static int
ssh_check(struct ssh_conn *c, const struct ssh_deadline *d)
{
	if (d->cancel != NULL && *d->cancel)
		return ssh_fail(c, SSH_E_CANCELLED, "cancelled %s", d->what);
	if (clock_mono_ms() >= d->at)
		return ssh_fail(c, SSH_E_TIMEOUT, "timed out after %d ms %s "
		    "(%s)", d->ms, d->what, d->knob);
	return ssh_watch(c, d);
}

/* Opens the TCP connection into c->fd, trying each address in turn. */
static int
ssh_tcp(struct ssh_conn *c, struct ssh_deadline *d)
{
	struct addrinfo hints, *res, *ai;
	char port[16], last[128] = "no address";
	socklen_t sl;
	int rc, soerr, one = 1;

	uithread_check("ssh: connect");
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof port, "%d", c->node->ssh_port);
	/* The system resolver has its own timeouts (resolv.conf). */
	if ((rc = getaddrinfo(c->node->ssh_host, port, &hints, &res)) != 0)
		return ssh_fail(c, SSH_E_CONNECT, "cannot resolve '%s': %s",
		    c->node->ssh_host, gai_strerror(rc));
	d->what = "waiting for the TCP connection";
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		c->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (c->fd == -1) {
			snprintf(last, sizeof last, "%s", strerror(errno));
			continue;
		}
		if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) == -1) {
			if (errno != EINPROGRESS) {
				snprintf(last, sizeof last, "%s",
				    strerror(errno));
				goto next;
			}
			while ((rc = ssh_wait_fd(c, d, POLLOUT, 0)) == 0)
				;
			if (rc == -1)
				goto fail;
			sl = sizeof soerr;
			if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr,
			    &sl) == -1)
				soerr = errno;
			if (soerr != 0) {
				snprintf(last, sizeof last, "%s",
				    strerror(soerr));
				goto next;
			}
		}
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		freeaddrinfo(res);
		return 0;
next:
		close(c->fd);
		c->fd = -1;
	}
	freeaddrinfo(res);
	return ssh_fail(c, SSH_E_CONNECT, "cannot connect: %s", last);

fail:
	close(c->fd);
	c->fd = -1;
	freeaddrinfo(res);
	return -1;
}

char *
ssh_fingerprint(const unsigned char *sha256, char *out, size_t len)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/";
	char buf[64];
	size_t i, n = 0;
	unsigned v;

	/* 32 bytes: ten full groups of three, then two bytes (3 chars). */
	for (i = 0; i + 3 <= 32; i += 3) {
		v = (unsigned)sha256[i] << 16 | (unsigned)sha256[i + 1] << 8 |
		    sha256[i + 2];
		buf[n++] = b64[v >> 18 & 63];
		buf[n++] = b64[v >> 12 & 63];
		buf[n++] = b64[v >> 6 & 63];
		buf[n++] = b64[v & 63];
	}
	v = (unsigned)sha256[30] << 16 | (unsigned)sha256[31] << 8;
	buf[n++] = b64[v >> 18 & 63];
	buf[n++] = b64[v >> 12 & 63];
	buf[n++] = b64[v >> 6 & 63];
	buf[n] = '\0';
	snprintf(out, len, "SHA256:%s", buf);
	return out;
}

/* Standard padded base64, as known_hosts stores keys. Free the result. */
static char *
ssh_base64(const unsigned char *p, size_t len)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/";
	char *out = xmalloc((len + 2) / 3 * 4 + 1);
	size_t i, n = 0;
	unsigned v;

	for (i = 0; i < len; i += 3) {
		v = (unsigned)p[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		out[n++] = b64[v >> 18 & 63];
		out[n++] = b64[v >> 12 & 63];
		out[n++] = i + 1 < len ? b64[v >> 6 & 63] : '=';
		out[n++] = i + 2 < len ? b64[v & 63] : '=';
	}
	out[n] = '\0';
	return out;
}

const char *
ssh_hostkey_name(int type)
{
	size_t i;

	for (i = 0; i < sizeof ssh_hostkeys / sizeof ssh_hostkeys[0]; i++) {
		if (ssh_hostkeys[i].type == type)
			return ssh_hostkeys[i].name;
	}
	return "unknown";
}

static void
ssh_known_free(struct ssh_known *k)
{
	size_t i;

	if (k->kh != NULL)
		libssh2_knownhost_free(k->kh);
	for (i = 0; i < k->nrevoked; i++)
		free(k->revoked[i]);
	free(k->revoked);
	memset(k, 0, sizeof *k);
}

/* Remembers the key of a "@revoked HOSTS TYPE KEY" line. */
static void
ssh_known_revoked(struct ssh_known *k, const char *line)
{
	char *copy = xstrdup(line), *save = NULL, *word;
	int i;

	word = strtok_r(copy, " \t\r\n", &save);
	for (i = 0; word != NULL && i < 3; i++)
		word = strtok_r(NULL, " \t\r\n", &save);
	if (word != NULL) {
		k->revoked = xreallocarray(k->revoked, k->nrevoked + 1,
		    sizeof *k->revoked);
		k->revoked[k->nrevoked++] = xstrdup(word);
	}
	free(copy);
}

/*
 * Reads known_hosts line by line: libssh2_knownhost_readfile gives up on
 * the whole file at the first line it cannot read (a certificate authority,
 * a security key type), which a shared ~/.ssh/known_hosts often has.
 */
static int
ssh_known_load(struct ssh_conn *c, struct ssh_known *k)
{
	const char *path = c->cfg->ssh.known_hosts;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	memset(k, 0, sizeof *k);
	if ((f = fopen(path, "re")) == NULL)
		return ssh_fail(c, SSH_E_HOSTKEY, "cannot read known_hosts "
		    "'%s': %s", path, strerror(errno));
	if ((k->kh = libssh2_knownhost_init(c->session)) == NULL) {
		fclose(f);
		return ssh_fail(c, SSH_E_HOSTKEY, "cannot read known_hosts "
		    "'%s': %s", path, ssh_liberr(c));
	}
	while ((n = getline(&line, &cap, f)) != -1) {
		if (strncmp(line, "@revoked", 8) == 0 &&
		    (line[8] == ' ' || line[8] == '\t')) {
			ssh_known_revoked(k, line);
			continue;
		}
		if (libssh2_knownhost_readline(k->kh, line, (size_t)n,
		    LIBSSH2_KNOWNHOST_FILE_OPENSSH) != 0)
			k->skipped++;
	}
	free(line);
	if (ferror(f)) {
		fclose(f);
		return ssh_fail(c, SSH_E_HOSTKEY, "cannot read known_hosts "
		    "'%s': %s", path, strerror(errno));
	}
	fclose(f);
	return 0;
}

/*
 * Offers first the host key types known_hosts holds for this host, as
 * OpenSSH does, so a host known by its ECDSA key is not refused for
 * showing its Ed25519 one. A probe with a dummy key answers MISMATCH when
 * an entry of that type exists for the host.
 */
static void
ssh_hostkey_prefs(struct ssh_conn *c, struct ssh_known *k, char *buf,
    size_t len)
{
	static const char dummy[4];
	struct libssh2_knownhost *entry;
	bool known[SSH_HOSTKEYS_OFFERED];
	size_t i, n = 0;
	int pass, rc;

	for (i = 0; i < SSH_HOSTKEYS_OFFERED; i++) {
		rc = libssh2_knownhost_checkp(k->kh, c->node->ssh_host,
		    c->node->ssh_port, dummy, sizeof dummy,
		    LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW |
		    ssh_hostkeys[i].knownhost, &entry);
		known[i] = rc == LIBSSH2_KNOWNHOST_CHECK_MISMATCH;
	}
	buf[0] = '\0';
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < SSH_HOSTKEYS_OFFERED; i++) {
			if (known[i] != (pass == 0) || n >= len)
				continue;
			n += (size_t)snprintf(buf + n, len - n, "%s%s",
			    n > 0 ? "," : "", ssh_hostkeys[i].name);
		}
	}
}

/* Verifies the server's host key against known_hosts. */
static int
ssh_hostkey_check(struct ssh_conn *c, struct ssh_known *k)
{
	const char *path = c->cfg->ssh.known_hosts, *key, *hash, *name;
	struct libssh2_knownhost *entry;
	const struct ssh_hostkey *hk = NULL;
	char fp[64], skipped[96] = "";
	size_t keylen, i;
	char *b64;
	int type, rc;

	if ((key = libssh2_session_hostkey(c->session, &keylen, &type)) ==
	    NULL)
		return ssh_fail(c, SSH_E_HOSTKEY, "the server sent no host key");
	name = ssh_hostkey_name(type);
	hash = libssh2_hostkey_hash(c->session, LIBSSH2_HOSTKEY_HASH_SHA256);
	if (hash == NULL)
		snprintf(fp, sizeof fp, "(no SHA256 fingerprint)");
	else
		ssh_fingerprint((const unsigned char *)hash, fp, sizeof fp);
	for (i = 0; i < sizeof ssh_hostkeys / sizeof ssh_hostkeys[0]; i++) {
		if (ssh_hostkeys[i].type == type)
			hk = &ssh_hostkeys[i];
	}
	if (hk == NULL)
		return ssh_fail(c, SSH_E_HOSTKEY, "host key type %d is not "
		    "supported; refusing to connect", type);

	b64 = ssh_base64((const unsigned char *)key, keylen);
	for (i = 0; i < k->nrevoked; i++) {
		if (strcmp(k->revoked[i], b64) == 0) {
			free(b64);
			return ssh_fail(c, SSH_E_HOSTKEY, "host key %s %s is "
			    "marked @revoked in %s; refusing to connect", name,
			    fp, path);
		}
	}
	free(b64);

	rc = libssh2_knownhost_checkp(k->kh, c->node->ssh_host,
	    c->node->ssh_port, key, keylen, LIBSSH2_KNOWNHOST_TYPE_PLAIN |
	    LIBSSH2_KNOWNHOST_KEYENC_RAW | hk->knownhost, &entry);
	switch (rc) {
	case LIBSSH2_KNOWNHOST_CHECK_MATCH:
		return 0;
	case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
		return ssh_fail(c, SSH_E_HOSTKEY, "host key %s %s does NOT "
		    "match the key in %s; refusing to connect (possible "
		    "man-in-the-middle)", name, fp, path);
	case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
		if (k->skipped > 0)
			snprintf(skipped, sizeof skipped, " (%zu line%s of it "
			    "could not be read)", k->skipped,
			    k->skipped == 1 ? "" : "s");
		return ssh_fail(c, SSH_E_HOSTKEY, "host key %s %s is not in "
		    "%s%s; refusing to connect", name, fp, path, skipped);
	default:
		return ssh_fail(c, SSH_E_HOSTKEY, "cannot check host key %s %s "
		    "against %s: %s", name, fp, path, ssh_liberr(c));
	}
}

/* True when rc means the link itself failed, not a refusal. */
static bool
ssh_link_error(int rc)
{
	return rc == LIBSSH2_ERROR_SOCKET_NONE ||
	    rc == LIBSSH2_ERROR_SOCKET_SEND ||
	    rc == LIBSSH2_ERROR_SOCKET_RECV ||
	    rc == LIBSSH2_ERROR_SOCKET_DISCONNECT ||
	    rc == LIBSSH2_ERROR_SOCKET_TIMEOUT ||
	    rc == LIBSSH2_ERROR_TIMEOUT;
}

/*
 * Logs in with the key file. Returns 0; 1 when the server refused the key
 * or 2 when it could not be offered (why in `why`); or -1 with err set.
 */
static int
ssh_auth_file(struct ssh_conn *c, struct ssh_deadline *d, char *why,
    size_t whylen)
{
	const char *user = c->cfg->ssh.user, *path = c->cfg->ssh.key_file;
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(why, whylen, "cannot read key file '%s': %s", path,
		    strerror(errno));
		return 2;
	}
	close(fd);
	while ((rc = libssh2_userauth_publickey_fromfile_ex(c->session, user,
	    (unsigned)strlen(user), NULL, path, NULL)) == LIBSSH2_ERROR_EAGAIN) {
		if (ssh_wait(c, d) == -1)
			return -1;
	}
	if (rc == 0)
		return 0;
	if (ssh_link_error(rc))
		return ssh_fail(c, SSH_E_CONNECT, "connection lost while "
		    "logging in: %s", ssh_liberr(c));
	if (rc == LIBSSH2_ERROR_FILE) {
		snprintf(why, whylen, "cannot use key file '%s': %s "
		    "(passphrase-protected keys need ssh-agent)", path,
		    ssh_liberr(c));
		return 2;
	}
	snprintf(why, whylen, "key file '%s' was not accepted", path);
	return 1;
}

/* Logs in with ssh-agent's identities. Returns as ssh_auth_file. */
static int
ssh_auth_agent(struct ssh_conn *c, struct ssh_deadline *d, char *why,
    size_t whylen)
{
	const char *user = c->cfg->ssh.user;
	struct libssh2_agent_publickey *id, *prev = NULL;
	LIBSSH2_AGENT *agent;
	size_t tried = 0;
	int rc, result = 2;

	if (getenv("SSH_AUTH_SOCK") == NULL) {
		snprintf(why, whylen, "ssh-agent is not available "
		    "(SSH_AUTH_SOCK is not set)");
		return 2;
	}
	if ((agent = libssh2_agent_init(c->session)) == NULL) {
		snprintf(why, whylen, "cannot use ssh-agent: %s",
		    ssh_liberr(c));
		return 2;
	}
	if (libssh2_agent_connect(agent) != 0) {
		snprintf(why, whylen, "cannot reach ssh-agent at '%s'",
		    getenv("SSH_AUTH_SOCK"));
		goto out;
	}
	if (libssh2_agent_list_identities(agent) != 0) {
		snprintf(why, whylen, "cannot list ssh-agent's keys: %s",
		    ssh_liberr(c));
		goto out;
	}
	for (;;) {
		if ((rc = libssh2_agent_get_identity(agent, &id, prev)) < 0) {
			snprintf(why, whylen, "cannot read ssh-agent's keys: %s",
			    ssh_liberr(c));
			goto out;
		}
		if (rc == 1)
			break;
		tried++;
		while ((rc = libssh2_agent_userauth(agent, user, id)) ==
		    LIBSSH2_ERROR_EAGAIN) {
			if (ssh_wait(c, d) == -1) {
				result = -1;
				goto out;
			}
		}
		if (rc == 0) {
			result = 0;
			goto out;
		}
		if (ssh_link_error(rc)) {
			result = ssh_fail(c, SSH_E_CONNECT, "connection lost "
			    "while logging in: %s", ssh_liberr(c));
			goto out;
		}
		prev = id;
	}
	if (tried == 0)
		snprintf(why, whylen, "ssh-agent holds no keys");
	else {
		snprintf(why, whylen, "none of ssh-agent's %zu key%s was "
		    "accepted", tried, tried == 1 ? "" : "s");
		result = 1;
	}
out:
	libssh2_agent_disconnect(agent);
	libssh2_agent_free(agent);
	return result;
}

/* Logs in as ssh.user: the key file first, then ssh-agent. */
static int
ssh_auth(struct ssh_conn *c, struct ssh_deadline *d)
{
	const struct config_ssh *cs = &c->cfg->ssh;
	char why_file[400] = "", why_agent[200] = "";
	char *methods;
	bool refused = false;
	int rc;

	d->what = "while logging in";
	while ((methods = libssh2_userauth_list(c->session, cs->user,
	    (unsigned)strlen(cs->user))) == NULL) {
		if (libssh2_userauth_authenticated(c->session))
			return 0;
		rc = libssh2_session_last_errno(c->session);
		if (rc != LIBSSH2_ERROR_EAGAIN)
			return ssh_fail(c, ssh_link_error(rc) ? SSH_E_CONNECT :
			    SSH_E_AUTH, "cannot log in as '%s': %s", cs->user,
			    ssh_liberr(c));
		if (ssh_wait(c, d) == -1)
			return -1;
	}
	if (strstr(methods, "publickey") == NULL)
		return ssh_fail(c, SSH_E_AUTH, "cannot log in as '%s': the "
		    "server takes no keys (it offers: %s)", cs->user, methods);
	if (cs->key_file != NULL) {
		if ((rc = ssh_auth_file(c, d, why_file, sizeof why_file)) <= 0)
			return rc;
		refused = rc == 1;
	}
	if (cs->agent) {
		if ((rc = ssh_auth_agent(c, d, why_agent, sizeof why_agent)) <= 0)
			return rc;
		refused = refused || rc == 1;
	}
	return ssh_fail(c, SSH_E_AUTH, "login as '%s' refused: %s%s%s%s",
	    cs->user, why_file,
	    why_file[0] != '\0' && why_agent[0] != '\0' ? "; " : "", why_agent,
	    refused ? " (is its public key in the node's authorized_keys? "
	    "only ed25519 and ecdsa keys work)" : "");
}

/* Connects within d: TCP, handshake, host key, login. */
static int
ssh_open(struct ssh_conn *c, struct ssh_deadline *d)
{
	struct ssh_known known;
	char prefs[128];
	long long start = clock_mono_ms();
	int rc;

	ssh_close(c);
	c->err = SSH_E_NONE;
	c->errstr[0] = '\0';
	pthread_once(&ssh_once, ssh_library_init);
	if (ssh_init_rc != 0)
		return ssh_fail(c, SSH_E_CONNECT, "cannot initialise libssh2");
	if ((c->session = libssh2_session_init_ex(NULL, NULL, NULL, c)) ==
	    NULL)
		return ssh_fail(c, SSH_E_CONNECT, "cannot create an SSH session");
	libssh2_session_set_blocking(c->session, 0);
	libssh2_session_callback_set(c->session, LIBSSH2_CALLBACK_RECV,
	    (void *)ssh_recv);
	c->heard_ms = c->asked_ms = c->ka_sent_s = 0;

	/* known_hosts first: a missing file fails before any traffic. */
	if (ssh_known_load(c, &known) == -1)
		goto fail;
	ssh_hostkey_prefs(c, &known, prefs, sizeof prefs);
	if (libssh2_session_method_pref(c->session, LIBSSH2_METHOD_HOSTKEY,
	    prefs) != 0) {
		ssh_fail(c, SSH_E_CONNECT, "cannot set the host key types "
		    "'%s': %s", prefs, ssh_liberr(c));
		goto fail;
	}

	if (ssh_tcp(c, d) == -1)
		goto fail;
	d->what = "during the SSH handshake";
	while ((rc = libssh2_session_handshake(c->session, c->fd)) ==
	    LIBSSH2_ERROR_EAGAIN) {
		if (ssh_wait(c, d) == -1)
			goto fail;
	}
	if (rc != 0) {
		ssh_fail(c, SSH_E_CONNECT, "SSH handshake failed: %s",
		    ssh_liberr(c));
		goto fail;
	}
	if (ssh_hostkey_check(c, &known) == -1)
		goto fail;
	ssh_known_free(&known);
	if (ssh_auth(c, d) == -1)
		goto fail;
	/*
	 * Replies wanted: without one, a frozen peer is never noticed. While
	 * the link is idle they wait in the socket until the next command.
	 */
	if (c->cfg->ssh.keepalive_s > 0)
		libssh2_keepalive_config(c->session, 1,
		    (unsigned)c->cfg->ssh.keepalive_s);
	c->up = true;
	c->connects++;
	c->connect_ms = clock_mono_ms() - start;
	return 0;

fail:
	ssh_known_free(&known);
	ssh_close(c);
	return -1;
}

int
ssh_connect(struct ssh_conn *c, volatile int *cancel)
{
	struct ssh_deadline d;

	d.ms = c->cfg->ssh.connect_timeout_ms;
	d.at = clock_mono_ms() + d.ms;
	d.knob = "ssh.connect_timeout_ms";
	d.what = "while connecting";
	d.cancel = cancel;
	c->progress_ms = clock_mono_ms();
	return ssh_open(c, &d);
}

int
ssh_keepalive(struct ssh_conn *c, int *next_s)
{
	int rc;

	*next_s = 0;
	if (c->session == NULL || c->cfg->ssh.keepalive_s <= 0)
		return 0;
	rc = libssh2_keepalive_send(c->session, next_s);
	if (rc == 0 && *next_s == ssh_keepalive_interval(
	    c->cfg->ssh.keepalive_s))
		c->ka_sent_s = (long long)time(NULL);
	if (rc != 0 && rc != LIBSSH2_ERROR_EAGAIN) {
		ssh_fail(c, SSH_E_CONNECT, "keepalive failed: %s",
		    ssh_liberr(c));
		c->up = false;
		ssh_close(c);
		*next_s = 0;
		return -1;
	}
	return 0;
}

void
ssh_lines_init(struct ssh_lines *l, size_t max)
{
	memset(l, 0, sizeof *l);
	l->max = max;
}

void
ssh_lines_free(struct ssh_lines *l)
{
	free(l->buf);
	l->buf = NULL;
	l->len = l->cap = 0;
}

static int
ssh_lines_too_long(struct ssh_lines *l, char *cause, size_t causelen)
{
	snprintf(cause, causelen, "line %zu of the output is longer than %zu "
	    "bytes", l->lines + 1, l->max);
	return -1;
}

/* Appends to the unfinished line, keeping room for a NUL. */
static void
ssh_lines_append(struct ssh_lines *l, const char *p, size_t n)
{
	size_t cap;

	if (l->len + n + 1 > l->cap) {
		cap = l->cap > 0 ? l->cap : 256;
		while (cap < l->len + n + 1)
			cap *= 2;
		l->buf = xrealloc(l->buf, cap);
		l->cap = cap;
	}
	memcpy(l->buf + l->len, p, n);
	l->len += n;
	l->buf[l->len] = '\0';
}

static int
ssh_lines_deliver(struct ssh_lines *l, const char *line, size_t len,
    int (*on_line)(void *, const char *, size_t), void *arg, char *cause,
    size_t causelen)
{
	l->lines++;
	if (on_line != NULL && on_line(arg, line, len) == -1) {
		l->aborted = true;
		snprintf(cause, causelen, "stopped by the reader at line %zu "
		    "of the output", l->lines);
		return -1;
	}
	return 0;
}

int
ssh_lines_feed(struct ssh_lines *l, char *data, size_t n,
    int (*on_line)(void *, const char *, size_t), void *arg, char *cause,
    size_t causelen)
{
	char *p = data, *end = data + n, *nl;
	size_t len;

	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL) {
			len = (size_t)(end - p);
			if (l->len + len > l->max)
				return ssh_lines_too_long(l, cause, causelen);
			ssh_lines_append(l, p, len);
			return 0;
		}
		len = (size_t)(nl - p);
		if (l->len + len > l->max)
			return ssh_lines_too_long(l, cause, causelen);
		if (l->len > 0) {
			ssh_lines_append(l, p, len);
			len = l->len;
			l->len = 0;
			if (ssh_lines_deliver(l, l->buf, len, on_line, arg,
			    cause, causelen) == -1)
				return -1;
		} else {
			*nl = '\0';
			if (ssh_lines_deliver(l, p, len, on_line, arg, cause,
			    causelen) == -1)
				return -1;
		}
		p = nl + 1;
	}
	return 0;
}

int
ssh_lines_finish(struct ssh_lines *l,
    int (*on_line)(void *, const char *, size_t), void *arg, char *cause,
    size_t causelen)
{
	size_t len = l->len;

	if (len == 0)
		return 0;
	l->len = 0;
	l->buf[len] = '\0';
	return ssh_lines_deliver(l, l->buf, len, on_line, arg, cause,
	    causelen);
}

/* Keeps stderr up to SSH_STDERR_MAX, counting the rest. */
static void
ssh_keep_stderr(struct ssh_result *res, const char *p, size_t n)
{
	size_t room = SSH_STDERR_MAX - res->errlen, take = n < room ? n : room;

	if (take > 0) {
		res->errout = xrealloc(res->errout, res->errlen + take + 1);
		memcpy(res->errout + res->errlen, p, take);
		res->errlen += take;
		res->errout[res->errlen] = '\0';
	}
	res->errdropped += n - take;

	/* The tail: whatever came last, however much came before. */
	if (n >= sizeof res->errtail - 1) {
		memcpy(res->errtail, p + n - (sizeof res->errtail - 1),
		    sizeof res->errtail - 1);
		res->errtaillen = sizeof res->errtail - 1;
	} else {
		size_t keep = sizeof res->errtail - 1 - n;

		if (res->errtaillen > keep) {
			memmove(res->errtail, res->errtail + res->errtaillen - keep,
			    keep);
			res->errtaillen = keep;
		}
		memcpy(res->errtail + res->errtaillen, p, n);
		res->errtaillen += n;
	}
	res->errtail[res->errtaillen] = '\0';
}

/* Opens a session channel. Returns it, or NULL with err set. */
static LIBSSH2_CHANNEL *
ssh_channel(struct ssh_conn *c, struct ssh_deadline *d, int *rc)
{
	LIBSSH2_CHANNEL *ch;

	d->what = "while opening a channel";
	while ((ch = libssh2_channel_open_session(c->session)) == NULL) {
		*rc = libssh2_session_last_errno(c->session);
		if (*rc != LIBSSH2_ERROR_EAGAIN) {
			ssh_fail(c, ssh_link_error(*rc) ? SSH_E_CONNECT :
			    SSH_E_EXEC, "cannot open a channel: %s",
			    ssh_liberr(c));
			return NULL;
		}
		if (ssh_wait(c, d) == -1) {
			*rc = 0;
			return NULL;
		}
	}
	return ch;
}

/* Moves stdin, stdout and stderr until the command's output ends. */
static int
ssh_pump(struct ssh_conn *c, LIBSSH2_CHANNEL *ch, struct ssh_deadline *d,
    const char *input, size_t inputlen, struct ssh_lines *lines,
    int (*on_line)(void *, const char *, size_t), void *arg,
    struct ssh_result *res)
{
	char buf[SSH_IO_CHUNK], cause[160];
	bool eof_sent = false, out_eof = false, err_eof = false;
	size_t off = 0, chunk;
	ssize_t n;
	int progress, rc;

	d->what = "while running the command";
	while (!out_eof || !err_eof) {
		if (ssh_check(c, d) == -1)
			return -1;
		progress = 0;
		while (!eof_sent && off < inputlen) {
			chunk = inputlen - off;
			if (chunk > SSH_IO_CHUNK)
				chunk = SSH_IO_CHUNK;
			n = libssh2_channel_write(ch, input + off, chunk);
			if (n == LIBSSH2_ERROR_EAGAIN || n == 0)
				break;
			if (n < 0) {
				/* The command closed its stdin early. */
				off = inputlen;
				eof_sent = true;
				break;
			}
			off += (size_t)n;
			progress = 1;
		}
		if (!eof_sent && off >= inputlen) {
			rc = libssh2_channel_send_eof(ch);
			if (rc != LIBSSH2_ERROR_EAGAIN) {
				eof_sent = true;
				progress = 1;
			}
		}
		if (!out_eof) {
			n = libssh2_channel_read(ch, buf, sizeof buf);
			if (n > 0) {
				res->outbytes += (unsigned long long)n;
				c->progress_ms = clock_mono_ms();
				if (ssh_lines_feed(lines, buf, (size_t)n,
				    on_line, arg, cause, sizeof cause) == -1)
					return ssh_fail(c, lines->aborted ?
					    SSH_E_CANCELLED : SSH_E_EXEC, "%s",
					    cause);
				progress = 1;
			} else if (n == 0)
				out_eof = true;
			else if (n != LIBSSH2_ERROR_EAGAIN)
				return ssh_fail(c, ssh_link_error((int)n) ?
				    SSH_E_CONNECT : SSH_E_EXEC, "cannot read "
				    "the output: %s", ssh_liberr(c));
		}
		if (!err_eof) {
			n = libssh2_channel_read_stderr(ch, buf, sizeof buf);
			if (n > 0) {
				ssh_keep_stderr(res, buf, (size_t)n);
				progress = 1;
			} else if (n == 0)
				err_eof = true;
			else if (n != LIBSSH2_ERROR_EAGAIN)
				return ssh_fail(c, ssh_link_error((int)n) ?
				    SSH_E_CONNECT : SSH_E_EXEC, "cannot read "
				    "the error output: %s", ssh_liberr(c));
		}
		if (!progress && (!out_eof || !err_eof) &&
		    ssh_wait(c, d) == -1)
			return -1;
	}
	if (ssh_lines_finish(lines, on_line, arg, cause, sizeof cause) == -1)
		return ssh_fail(c, SSH_E_CANCELLED, "%s", cause);
	return 0;
}

/* Closes the channel and reads how the command ended. */
static int
ssh_finish(struct ssh_conn *c, LIBSSH2_CHANNEL *ch, struct ssh_deadline *d,
    struct ssh_result *res)
{
	char *sig = NULL;
	size_t siglen = 0;
	int rc;

	d->what = "while waiting for the exit status";
	while ((rc = libssh2_channel_close(ch)) == LIBSSH2_ERROR_EAGAIN) {
		if (ssh_wait(c, d) == -1)
			return -1;
	}
	if (rc == 0) {
		while ((rc = libssh2_channel_wait_closed(ch)) ==
		    LIBSSH2_ERROR_EAGAIN) {
			if (ssh_wait(c, d) == -1)
				return -1;
		}
	}
	if (rc != 0)
		return ssh_fail(c, SSH_E_CONNECT, "connection lost before the "
		    "exit status arrived: %s", ssh_liberr(c));
	res->status = libssh2_channel_get_exit_status(ch);
	libssh2_channel_get_exit_signal(ch, &sig, &siglen, NULL, NULL, NULL,
	    NULL);
	if (sig != NULL) {
		/* The node names the signal: it is shown, so it is escaped. */
		snprintf(res->signal, sizeof res->signal, "%.*s", (int)siglen,
		    sig);
		validate_sanitize(res->signal, sizeof res->signal, res->signal);
		res->status = -1;
		libssh2_free(c->session, sig);
	}
	return 0;
}

int
ssh_exec(struct ssh_conn *c, const char *command, const char *input,
    size_t inputlen, int (*on_line)(void *, const char *, size_t), void *arg,
    struct ssh_result *res, volatile int *cancel)
{
	const struct config_ssh *cs = &c->cfg->ssh;
	struct ssh_deadline d, dc;
	struct ssh_lines lines;
	LIBSSH2_CHANNEL *ch = NULL;
	long long start = clock_mono_ms(), now;
	bool reused;
	int attempt, rc;

	uithread_check("ssh: a command");
	memset(res, 0, sizeof *res);
	res->status = -1;
	c->err = SSH_E_NONE;
	c->errstr[0] = '\0';
	if (command == NULL || command[0] == '\0')
		return ssh_fail(c, SSH_E_EXEC, "no command to run");
	ssh_lines_init(&lines, SSH_LINE_MAX);
	if (input == NULL)
		inputlen = 0;
	d.ms = cs->command_timeout_ms;
	d.at = start + d.ms;
	d.knob = "ssh.command_timeout_ms";
	d.what = "while running the command";
	d.cancel = cancel;
	/* Only what this command asks counts: an idle link read nothing. */
	c->progress_ms = start;
	c->asked_ms = 0;

	for (attempt = 0;; attempt++) {
		reused = c->session != NULL;
		if (!reused) {
			/* The sooner of the two timeouts bounds the connect. */
			dc = d;
			now = clock_mono_ms();
			if (now + cs->connect_timeout_ms < d.at) {
				dc.ms = cs->connect_timeout_ms;
				dc.at = now + dc.ms;
				dc.knob = "ssh.connect_timeout_ms";
			}
			if (ssh_open(c, &dc) == -1)
				goto fail;
		}
		if ((ch = ssh_channel(c, &d, &rc)) != NULL)
			break;
		/* A reused link that died while idle: reconnect once. */
		if (!reused || attempt > 0 || rc == 0 ||
		    rc == LIBSSH2_ERROR_CHANNEL_FAILURE)
			goto fail;
		ssh_close(c);
	}

	d.what = "while starting the command";
	while ((rc = libssh2_channel_exec(ch, command)) ==
	    LIBSSH2_ERROR_EAGAIN) {
		if (ssh_wait(c, &d) == -1)
			goto fail;
	}
	if (rc != 0) {
		ssh_fail(c, ssh_link_error(rc) ? SSH_E_CONNECT : SSH_E_EXEC,
		    "cannot start the command: %s", ssh_liberr(c));
		goto fail;
	}
	if (ssh_pump(c, ch, &d, input, inputlen, &lines, on_line, arg,
	    res) == -1 || ssh_finish(c, ch, &d, res) == -1)
		goto fail;
	libssh2_channel_free(ch);
	res->lines = lines.lines;
	ssh_lines_free(&lines);
	res->elapsed_ms = clock_mono_ms() - start;
	return 0;

fail:
	/* The session frees the channel; the link is not trusted again. */
	res->lines = lines.lines;
	ssh_lines_free(&lines);
	c->up = false;
	ssh_close(c);
	res->elapsed_ms = clock_mono_ms() - start;
	return -1;
}

void
ssh_result_said(const struct ssh_result *res, char *buf, size_t len)
{
	size_t i, n = 0;

	buf[0] = '\0';
	if (res->errout == NULL)
		return;
	for (i = 0; i < res->errlen && n + 1 < len; i++) {
		unsigned char ch = (unsigned char)res->errout[i];

		if (ch == '\n' && i + 1 < res->errlen && n + 3 < len) {
			buf[n++] = ';';
			buf[n++] = ' ';
			continue;
		}
		buf[n++] = ch == '\n' || ch == '\r' || ch == '\t' ? ' ' :
		    (char)ch;
	}
	while (n > 0 && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
	/* What else the node wrote (escapes, C1, bidi) shows as escapes. */
	validate_sanitize(buf, len, buf);
}

/* The command for a message: sudo's prefix, the quoted values and the
 * config option that takes one left out ("postsuper -h -"); a quoted
 * command by its file name ("restore-mailbox probe"). */
static void
ssh_command_words(const char *command, char *buf, size_t len)
{
	const char *p = command, *w;
	size_t n = 0, wl;

	buf[0] = '\0';
	if (strncmp(p, "sudo -n ", 8) == 0)
		p += 8;
	while (*p != '\0') {
		p += strspn(p, " ");
		w = p;
		if (*w == '\0')
			break;
		/* A quoted word runs to the next space outside quotes. */
		for (; *p != '\0' && *p != ' '; p++) {
			if (*p == '\'') {
				p = strchr(p + 1, '\'');
				if (p == NULL) {
					p = w + strlen(w);
					break;
				}
			}
		}
		wl = (size_t)(p - w);
		/* A quoted command (the restore script): its file name. */
		if (*w == '\'' && n == 0 && wl > 2 && w[1] == '/' &&
		    w[wl - 1] == '\'' && memchr(w + 1, '\'', wl - 2) == NULL) {
			for (w += wl - 2, wl = 0; *w != '/'; w--, wl++)
				;
			w++;
		} else if (*w == '\'')
			continue;
		if (wl == 2 && strncmp(w, "-c", 2) == 0 &&
		    p[strspn(p, " ")] == '\'')
			continue;
		if (n + wl + 2 >= len)
			break;
		n += (size_t)snprintf(buf + n, len - n, "%s%.*s", n > 0 ? " " : "",
		    (int)wl, w);
	}
	validate_sanitize(buf, len, buf);
}

bool
ssh_sudo_refused(const struct ssh_conn *c, const char *command,
    const struct ssh_result *res, char *cause, size_t len)
{
	char words[200];
	const char *e = res->errout != NULL ? res->errout : "";

	if (strncmp(command, "sudo -n ", 8) != 0 || res->signal[0] != '\0')
		return false;
	ssh_command_words(command, words, sizeof words);
	if (res->status == 127 && strstr(e, "sudo") != NULL &&
	    strstr(e, "not found") != NULL) {
		snprintf(cause, len, "%s: sudo is not installed on the node "
		    "(ssh.sudo is set): install it and the mailnoc sudoers "
		    "drop-in", c->node->name);
		return true;
	}
	/* sudo's own words: it ran nothing, so nothing else wrote them. */
	if (res->status == 1 && (strncmp(e, "sudo: ", 6) == 0 ||
	    strncmp(e, "Sorry, user ", 12) == 0)) {
		snprintf(cause, len, "%s: sudo refused '%s': add the mailnoc "
		    "sudoers drop-in", c->node->name, words);
		return true;
	}
	return false;
}
