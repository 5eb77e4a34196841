/* The policy service's sockets and event loop (one thread, epoll). */
#include "agent/policy_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent/log.h"
#include "agent/metrics.h"
#include "agent/policy.h"
#include "agent/policy_connector.h"
#include "agent/policy_copier.h"
#include "agent/policy_copy.h"
#include "agent/policy_peers.h"
#include "agent/policy_redis.h"
#include "agent/policy_rules.h"
#include "agent/thread.h"
#include "core/clock.h"
#include "core/xalloc.h"

#define INBUF		16384
#define EVENTS_MAX	256
#define ACCEPTS_MAX	64	/* per listener per pass */
#define MALFORMED_LOGS	10	/* lines per minute, then a summary */
/* At start, requests wait this long at most for the first connection. */
#define START_WAIT_MS	1000

/* K_LINK: the connector has news; K_REDIS: the connection is readable. */
enum kind { K_WAKE, K_LISTEN, K_CONN, K_LINK, K_REDIS };

struct listener {
	enum kind	 kind;
	int		 fd;
	const struct config_listen *addr;
	bool		 unlink_at_stop;
	bool		 paused;	/* out of the epoll set */
	long long	 resume_at;	/* mono ms */
};

/* A log line at most once a minute; what was left out is counted. */
struct ratelog {
	long long		 at;	/* mono ms of the last line */
	unsigned long long	 quiet;	/* not logged since */
};

struct conn {
	enum kind		 kind;
	int			 fd;
	unsigned long		 id;
	uint32_t		 events;	/* registered with epoll */
	struct policy_reader	 reader;
	char			 in[INBUF];
	size_t			 inoff, inlen;
	char			*out;
	size_t			 outoff, outlen, outcap;
	bool			 eof, dead;
	bool			 tcp;		/* peer is counted */
	unsigned char		 peer[POLICY_PEER_LEN];
	bool			 busy;		/* a request or answer under way */
	bool			 spoke;		/* sent a byte since accepted */
	long long		 busy_since;	/* mono ms */
	long long		 progress_at;	/* accepted, a request, a write */
	bool			 listed;	/* on this pass's list */
	bool			 waiting;	/* on the again list */
	struct conn		*next;		/* this pass's list */
	struct conn		*again_next;	/* the again list */
	struct conn		*all_prev, *all_next; /* every one */
};

/* One request of the current pass. */
struct item {
	struct conn		*conn;
	struct policy_request	 req;
};

struct policy_server {
	const struct config		*cfg;
	const struct config_node	*node;
	bool				 verbose;
	int				 max_clients; /* as the limit allows */
	unsigned long long		 fd_limit;	/* RLIMIT_NOFILE */
	struct policy_peers		 peers;
	struct listener			*ls;
	size_t				 nls;
	int				 ep, wake;
	pthread_t			 thread;
	bool				 started;

	struct policy_redis		 pr;
	struct policy_connector		*pc;	/* reconnects off this thread */
	struct policy_copier		*pk;	/* the copy; NULL: none */
	size_t				 nconns;
	unsigned long			 next_id;
	struct conn			*touched;	/* this pass */
	struct conn			*again;		/* input left over */
	struct conn			*all;		/* every connection */

	struct item			*items;
	size_t				 nitems, items_cap;
	struct policy_lookup		*lookups;
	size_t				*lookup_item;
	size_t				 lookups_cap;

	/* Counters. */
	unsigned long long		 decisions, fail_answers, malformed;
	unsigned long long		 copy_decisions;
	/* For policy_server_status, from any thread. */
	_Atomic bool			 pub_redis_up;
	_Atomic unsigned long long	 pub_copy_decisions;
	unsigned long long		 accepted, refused;
	unsigned long long		 denied, peer_refused, accept_pauses;
	unsigned long long		 idle_closed, stuck_closed;
	unsigned long long		 stats_decisions, stats_trips;
	long long			 stats_at;
	/* Log state. */
	bool				 outage;
	unsigned long long		 outage_answers, outage_copy;
	bool				 copy_stale_logged;
	long long			 malformed_window;
	int				 malformed_logged;
	unsigned long long		 malformed_quiet;
	long long			 refused_logged_at;
	struct ratelog			 denied_log, peer_log, pause_log;
	struct ratelog			 stuck_log;
	char				 bad_reply[160]; /* last logged */
	long long			 bad_reply_at;
	long long			 counts_since;	/* mono ms, 0: none */
	long long			 sweep_at;	/* timeouts checked */

	/*
	 * The announced bulk jobs whose window held now at bulk_at_s, copied
	 * from the copy bulk_from (this thread's own: the copier may free
	 * that copy), and the script's ARGV[9] naming them.
	 */
	const struct policy_copy	*bulk_from;
	long long			 bulk_at_s;
	struct bulk_plan		*bulk_active;
	size_t				 nbulk_active;
	char				*bulk_arg;
};

static void
ratelog_init(struct ratelog *r)
{
	r->at = -60000;
	r->quiet = 0;
}

/* True when a line may be logged now; *quiet says how many were not. */
static bool
ratelog_due(struct ratelog *r, long long now, unsigned long long *quiet)
{
	if (now - r->at < 60000) {
		r->quiet++;
		return false;
	}
	*quiet = r->quiet;
	r->quiet = 0;
	r->at = now;
	return true;
}

/* " (N more since the last such line)" or "". */
static const char *
ratelog_more(unsigned long long quiet, char *buf, size_t len)
{
	if (quiet == 0)
		return "";
	snprintf(buf, len, " (%llu more since the last such line)", quiet);
	return buf;
}

/* ------------------------------------------------------------ sockets */

static int
listen_error(char *cause, size_t causelen, const char *addr, const char *what)
{
	snprintf(cause, causelen, "cannot listen on '%s': %s: %s", addr, what,
	    strerror(errno));
	return -1;
}

/* epoll_ctl on fd for `events`, the event's data the pointer `ptr`. */
static int
server_watch(struct policy_server *ps, int op, int fd, uint32_t events,
    void *ptr)
{
	struct epoll_event	ev;

	memset(&ev, 0, sizeof ev);
	ev.events = events;
	ev.data.ptr = ptr;
	return epoll_ctl(ps->ep, op, fd, &ev);
}

static int
listen_tcp(const struct config_listen *a, char *cause, size_t causelen)
{
	struct addrinfo	hints, *ai;
	char		port[8];
	int		fd, on = 1, rc;

	/* The address is numeric (config_listen_parse): no lookup here. */
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	snprintf(port, sizeof port, "%d", a->port);
	if ((rc = getaddrinfo(a->host, port, &hints, &ai)) != 0) {
		snprintf(cause, causelen, "cannot listen on '%s': %s", a->text,
		    gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1) {
		listen_error(cause, causelen, a->text, "socket");
		freeaddrinfo(ai);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		listen_error(cause, causelen, a->text, "bind");
		close(fd);
		fd = -1;
	} else if (listen(fd, 1024) == -1) {
		listen_error(cause, causelen, a->text, "listen");
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

/* Removes a stale socket file; refuses anything else. */
static int
unix_clear(const struct config_listen *a, struct sockaddr_un *su,
    char *cause, size_t causelen)
{
	struct stat	st;
	int		fd, rc;

	if (lstat(a->path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		return listen_error(cause, causelen, a->text, "lstat");
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(cause, causelen, "cannot listen on '%s': the file "
		    "exists and is not a socket; remove it or choose another "
		    "path", a->text);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return listen_error(cause, causelen, a->text, "socket");
	rc = connect(fd, (struct sockaddr *)su, sizeof *su);
	close(fd);
	if (rc == 0) {
		snprintf(cause, causelen, "cannot listen on '%s': another "
		    "process answers on it (another mailnocd?)", a->text);
		return -1;
	}
	if (unlink(a->path) == -1 && errno != ENOENT)
		return listen_error(cause, causelen, a->text, "unlink");
	return 0;
}

static int
listen_unix(const struct config_listen *a, char *cause, size_t causelen)
{
	struct sockaddr_un	su;
	int			fd;

	memset(&su, 0, sizeof su);
	su.sun_family = AF_UNIX;
	snprintf(su.sun_path, sizeof su.sun_path, "%s", a->path);
	if (unix_clear(a, &su, cause, causelen) == -1)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return listen_error(cause, causelen, a->text, "socket");
	if (bind(fd, (struct sockaddr *)&su, sizeof su) == -1) {
		listen_error(cause, causelen, a->text, "bind");
		close(fd);
		return -1;
	}
	/* smtpd runs as another user (postfix): the directory guards it. */
	if (chmod(a->path, 0666) == -1 || listen(fd, 1024) == -1) {
		listen_error(cause, causelen, a->text, "chmod or listen");
		close(fd);
		unlink(a->path);
		return -1;
	}
	return fd;
}

static void
server_close_listeners(struct policy_server *ps)
{
	size_t	i;

	for (i = 0; i < ps->nls; i++) {
		if (ps->ls[i].fd != -1)
			close(ps->ls[i].fd);
		if (ps->ls[i].unlink_at_stop)
			unlink(ps->ls[i].addr->path);
	}
	free(ps->ls);
	ps->ls = NULL;
	ps->nls = 0;
}

static void
server_free(struct policy_server *ps)
{
	server_close_listeners(ps);
	if (ps->ep != -1)
		close(ps->ep);
	if (ps->wake != -1)
		close(ps->wake);
	policy_connector_stop(ps->pc);
	policy_copier_stop(ps->pk);
	policy_redis_free(&ps->pr);
	policy_peers_free(&ps->peers);
	free(ps->items);
	free(ps->lookups);
	free(ps->lookup_item);
	free(ps->bulk_active);
	free(ps->bulk_arg);
	free(ps);
}

/*
 * Raises the soft descriptor limit to the hard one and makes max_clients
 * fit in it: a listener that runs out of descriptors cannot even refuse
 * the connections waiting on it.
 */
static int
server_fd_limit(struct policy_server *ps, char *cause, size_t causelen)
{
	const struct config_policy	*p = &ps->node->policy;
	struct rlimit			 rl, want;
	unsigned long long		 keep, room;

	ps->max_clients = p->max_clients;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return 0;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < rl.rlim_max) {
		want = rl;
		/* The kernel's own ceiling (fs.nr_open) is 1048576 by default. */
		want.rlim_cur = rl.rlim_max == RLIM_INFINITY ? 1048576 :
		    rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &want) == 0)
			rl = want;
	}
	if (rl.rlim_cur == RLIM_INFINITY)
		return 0;
	ps->fd_limit = (unsigned long long)rl.rlim_cur;
	keep = POLICY_SERVER_FD_RESERVE + p->nlisten;
	room = ps->fd_limit > keep ? ps->fd_limit - keep : 0;
	if (room < 1) {
		snprintf(cause, causelen, "cannot start the policy service: "
		    "the descriptor limit (ulimit -n) is %llu and the agent "
		    "keeps %llu for itself: no room for a client; raise the "
		    "hard limit", ps->fd_limit, keep);
		return -1;
	}
	if (room < (unsigned long long)p->max_clients) {
		ps->max_clients = (int)room;
		log_msg("policy: max_clients %d lowered to %d: the descriptor "
		    "limit (ulimit -n, the hard limit) is %llu and the agent "
		    "keeps %llu for itself; raise the hard limit (systemd: "
		    "LimitNOFILE=) to serve more", p->max_clients,
		    ps->max_clients, ps->fd_limit, keep);
	}
	return 0;
}

struct policy_server *
policy_server_open(const struct config *cfg, const struct config_node *node,
    bool verbose, char *cause, size_t causelen)
{
	const struct config_policy	*p = &node->policy;
	struct policy_server		*ps;
	size_t				 i;

	ps = xcalloc(1, sizeof *ps);
	ps->cfg = cfg;
	ps->node = node;
	ps->verbose = verbose;
	ps->ep = ps->wake = -1;
	policy_redis_init(&ps->pr, cfg, node);
	ratelog_init(&ps->denied_log);
	ratelog_init(&ps->peer_log);
	ratelog_init(&ps->pause_log);
	ratelog_init(&ps->stuck_log);
	ps->ls = xcalloc(p->nlisten, sizeof *ps->ls);
	if (server_fd_limit(ps, cause, causelen) == -1) {
		server_free(ps);
		return NULL;
	}
	policy_peers_init(&ps->peers, cfg, node, (size_t)ps->max_clients,
	    cause, causelen);
	if (cause[0] != '\0')
		log_msg("policy: %s", cause);
	if ((ps->ep = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    (ps->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		snprintf(cause, causelen, "cannot start the policy service: "
		    "%s", strerror(errno));
		server_free(ps);
		return NULL;
	}
	{
		static enum kind wake_kind = K_WAKE;

		server_watch(ps, EPOLL_CTL_ADD, ps->wake, EPOLLIN, &wake_kind);
	}
	for (i = 0; i < p->nlisten; i++) {
		const struct config_listen	*a = &p->listen[i];
		struct listener			*l = &ps->ls[i];

		l->kind = K_LISTEN;
		l->addr = a;
		l->fd = a->path != NULL ? listen_unix(a, cause, causelen) :
		    listen_tcp(a, cause, causelen);
		ps->nls = i + 1;
		if (l->fd == -1) {
			server_free(ps);
			return NULL;
		}
		l->unlink_at_stop = a->path != NULL;
		if (server_watch(ps, EPOLL_CTL_ADD, l->fd, EPOLLIN, l) == -1) {
			listen_error(cause, causelen, a->text, "epoll_ctl");
			server_free(ps);
			return NULL;
		}
	}
	return ps;
}

/* ------------------------------------------------------------ connections */

static void
conn_touch(struct policy_server *ps, struct conn *c)
{
	if (c->listed)
		return;
	c->listed = true;
	c->next = ps->touched;
	ps->touched = c;
}

static void
conn_events(struct policy_server *ps, struct conn *c)
{
	uint32_t		want = 0;

	if (!c->eof && !c->dead && c->inlen < INBUF &&
	    c->outlen - c->outoff < POLICY_SERVER_OUT_MAX)
		want |= EPOLLIN;
	if (c->outlen > c->outoff && !c->dead)
		want |= EPOLLOUT;
	if (want == c->events)
		return;
	if (server_watch(ps, EPOLL_CTL_MOD, c->fd, want, c) == 0)
		c->events = want;
}

static void
conn_close(struct policy_server *ps, struct conn *c)
{
	struct conn	**pp;

	if (c->waiting) {
		for (pp = &ps->again; *pp != NULL; pp = &(*pp)->again_next) {
			if (*pp == c) {
				*pp = c->again_next;
				break;
			}
		}
	}
	if (c->all_prev != NULL)
		c->all_prev->all_next = c->all_next;
	else
		ps->all = c->all_next;
	if (c->all_next != NULL)
		c->all_next->all_prev = c->all_prev;
	epoll_ctl(ps->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	if (c->tcp)
		policy_peers_remove(&ps->peers, c->peer);
	policy_reader_free(&c->reader);
	free(c->out);
	free(c);
	ps->nconns--;
	metrics_clients(-1);
}

/* Errors of one connection that accept(2) passes on: the next may work. */
static bool
accept_transient(int e)
{
	return e == EINTR || e == ECONNABORTED || e == EPROTO || e == EPERM ||
	    e == ENETDOWN || e == ENOPROTOOPT || e == EHOSTDOWN ||
	    e == ENONET || e == EHOSTUNREACH || e == EOPNOTSUPP ||
	    e == ENETUNREACH;
}

/*
 * accept failed in a way that repeats while the listen queue stays
 * readable (EMFILE above all): with a level-triggered epoll the loop would
 * spin, so the listener leaves the set for a moment. Connections wait in
 * the listen queue meanwhile.
 */
static void
listener_pause(struct policy_server *ps, struct listener *l, int err)
{
	long long		now = clock_mono_ms();
	unsigned long long	quiet;
	char			more[80];

	epoll_ctl(ps->ep, EPOLL_CTL_DEL, l->fd, NULL);
	l->paused = true;
	l->resume_at = now + POLICY_SERVER_PAUSE_MS;
	ps->accept_pauses++;
	if (ratelog_due(&ps->pause_log, now, &quiet))
		log_msg("policy: cannot accept on %s: %s; not accepting for "
		    "%d ms (%zu connections, descriptor limit %llu)%s",
		    l->addr->text, strerror(err), POLICY_SERVER_PAUSE_MS,
		    ps->nconns, ps->fd_limit,
		    ratelog_more(quiet, more, sizeof more));
}

static void
listeners_resume(struct policy_server *ps, long long now)
{
	size_t			i;

	for (i = 0; i < ps->nls; i++) {
		struct listener	*l = &ps->ls[i];

		if (!l->paused || now < l->resume_at)
			continue;
		if (server_watch(ps, EPOLL_CTL_ADD, l->fd, EPOLLIN, l) == 0)
			l->paused = false;
		else
			l->resume_at = now + POLICY_SERVER_PAUSE_MS;
	}
}

/*
 * Whether a refused peer is logged now (a line a minute at most, in `rl`):
 * then `text` names the peer and `more` says how many went unlogged.
 */
static bool
server_refusal_due(struct ratelog *rl, const unsigned char *peer, char *text,
    size_t textlen, char *more, size_t morelen)
{
	unsigned long long	quiet;

	if (!ratelog_due(rl, clock_mono_ms(), &quiet))
		return false;
	policy_peer_text(peer, text, textlen);
	more[0] = '\0';
	ratelog_more(quiet, more, morelen);
	return true;
}

/* A TCP peer not on the allow-list: closed at once. */
static void
server_deny(struct policy_server *ps, struct listener *l,
    const unsigned char *peer)
{
	char	text[INET6_ADDRSTRLEN], more[80];

	ps->denied++;
	if (server_refusal_due(&ps->denied_log, peer, text, sizeof text, more,
	    sizeof more))
		log_msg("policy: refused a connection from %s on %s: not on "
		    "the allow-list (policy.allow)%s", text, l->addr->text,
		    more);
}

/* A TCP peer at max_clients_per_peer: closed at once. */
static void
server_peer_full(struct policy_server *ps, const unsigned char *peer)
{
	char	text[INET6_ADDRSTRLEN], more[80];

	ps->peer_refused++;
	if (server_refusal_due(&ps->peer_log, peer, text, sizeof text, more,
	    sizeof more))
		log_msg("policy: %s holds %d connections, the limit "
		    "(max_clients_per_peer): refusing more from it%s", text,
		    policy_peers_count(&ps->peers, peer), more);
}

static void
server_accept(struct policy_server *ps, struct listener *l)
{
	struct sockaddr_storage	ss;
	socklen_t		sslen;
	unsigned char		peer[POLICY_PEER_LEN] = { 0 };
	struct conn		*c;
	bool			tcp = l->addr->path == NULL;
	int			fd, i;

	for (i = 0; i < ACCEPTS_MAX; i++) {
		sslen = sizeof ss;
		fd = accept4(l->fd, (struct sockaddr *)&ss, &sslen,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (accept_transient(errno))
				continue;
			listener_pause(ps, l, errno);
			return;
		}
		if (tcp && (policy_peer_addr((struct sockaddr *)&ss,
		    peer) == -1 || !policy_peers_allowed(&ps->peers, peer))) {
			close(fd);
			server_deny(ps, l, peer);
			continue;
		}
		if (ps->nconns >= (size_t)ps->max_clients) {
			/* Refused at once: smtpd uses its default_action. */
			close(fd);
			ps->refused++;
			if (clock_mono_ms() - ps->refused_logged_at >= 60000) {
				log_msg("policy: %zu connections, the limit "
				    "(max_clients): refusing new ones (%llu so "
				    "far)", ps->nconns, ps->refused);
				ps->refused_logged_at = clock_mono_ms();
			}
			continue;
		}
		if (tcp && policy_peers_add(&ps->peers, peer,
		    ps->node->policy.max_clients_per_peer) == -1) {
			close(fd);
			server_peer_full(ps, peer);
			continue;
		}
		if (tcp) {
			int on = 1;

			/* One small answer per request: never wait for more. */
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
		}
		c = xcalloc(1, sizeof *c);
		c->kind = K_CONN;
		c->fd = fd;
		c->id = ++ps->next_id;
		c->tcp = tcp;
		if (tcp)
			memcpy(c->peer, peer, sizeof c->peer);
		/* Postfix connects to ask: its request is due at once. */
		c->progress_at = c->busy_since = clock_mono_ms();
		c->busy = true;
		policy_reader_init(&c->reader);
		if (server_watch(ps, EPOLL_CTL_ADD, fd, EPOLLIN, c) == -1) {
			log_msg("policy: epoll_ctl: %s", strerror(errno));
			if (tcp)
				policy_peers_remove(&ps->peers, peer);
			policy_reader_free(&c->reader);
			free(c);
			close(fd);
			continue;
		}
		c->events = EPOLLIN;
		c->all_next = ps->all;
		if (ps->all != NULL)
			ps->all->all_prev = c;
		ps->all = c;
		ps->nconns++;
		ps->accepted++;
		metrics_clients(1);
		metrics_inc(MC_CONNECTIONS);
	}
}

static void
conn_read(struct conn *c)
{
	ssize_t	n;

	if (c->inoff > 0) {
		memmove(c->in, c->in + c->inoff, c->inlen - c->inoff);
		c->inlen -= c->inoff;
		c->inoff = 0;
	}
	while (c->inlen < INBUF) {
		n = read(c->fd, c->in + c->inlen, INBUF - c->inlen);
		if (n > 0) {
			c->inlen += (size_t)n;
			c->spoke = true;
			continue;
		}
		if (n == 0)
			c->eof = true;
		else if (errno == EINTR)
			continue;
		else if (errno != EAGAIN && errno != EWOULDBLOCK)
			c->dead = true;
		break;
	}
}

static void
conn_write(struct conn *c)
{
	ssize_t	n;

	while (c->outoff < c->outlen && !c->dead) {
		n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff,
		    MSG_NOSIGNAL);
		if (n > 0) {
			c->outoff += (size_t)n;
			c->progress_at = clock_mono_ms();
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		c->dead = true;
	}
	if (c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
}

static void
conn_answer(struct conn *c, const char *answer, size_t len)
{
	/* What was sent is gone: a slow reader never makes the buffer grow
	 * beyond what it has not read. */
	if (c->outoff > 0) {
		memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
		c->outlen -= c->outoff;
		c->outoff = 0;
	}
	if (c->outlen + len > c->outcap) {
		c->outcap = (c->outlen + len) * 2;
		if (c->outcap < 1024)
			c->outcap = 1024;
		c->out = xrealloc(c->out, c->outcap);
	}
	memcpy(c->out + c->outlen, answer, len);
	c->outlen += len;
}

/* ------------------------------------------------------------ a pass */

static struct item *
item_new(struct policy_server *ps)
{
	if (ps->nitems == ps->items_cap) {
		ps->items_cap = ps->items_cap ? ps->items_cap * 2 : 256;
		ps->items = xreallocarray(ps->items, ps->items_cap,
		    sizeof *ps->items);
	}
	return &ps->items[ps->nitems++];
}

/* Takes up to POLICY_SERVER_PER_CONN complete requests from c's input. */
static void
conn_parse(struct policy_server *ps, struct conn *c)
{
	struct policy_request	req;
	struct item		*it;
	size_t			used, taken = 0;
	bool			done;

	if (c->dead || c->outlen - c->outoff >= POLICY_SERVER_OUT_MAX)
		return;
	while (c->inoff < c->inlen && taken < POLICY_SERVER_PER_CONN) {
		used = policy_reader_feed(&c->reader, c->in + c->inoff,
		    c->inlen - c->inoff, &req, &done);
		c->inoff += used;
		if (!done)
			break;
		it = item_new(ps);
		it->conn = c;
		it->req = req;
		policy_request_cap(&it->req,
		    ps->node->policy.max_recipient_count,
		    ps->node->policy.max_message_size);
		taken++;
	}
	if (taken > 0)
		c->progress_at = clock_mono_ms();
	if (c->inoff == c->inlen)
		c->inoff = c->inlen = 0;
	else if (taken == POLICY_SERVER_PER_CONN && !c->waiting) {
		/* More waits: parsed next pass, without new input. */
		c->waiting = true;
		c->again_next = ps->again;
		ps->again = c;
	}
}

static void
log_malformed(struct policy_server *ps, const struct policy_request *req)
{
	long long	now = clock_mono_ms();

	ps->malformed++;
	metrics_inc(MC_MALFORMED);
	if (now - ps->malformed_window >= 60000) {
		if (ps->malformed_quiet > 0)
			log_msg("policy: %llu more malformed requests not "
			    "logged", ps->malformed_quiet);
		ps->malformed_window = now;
		ps->malformed_logged = 0;
		ps->malformed_quiet = 0;
	}
	if (ps->malformed_logged >= MALFORMED_LOGS) {
		ps->malformed_quiet++;
		return;
	}
	ps->malformed_logged++;
	log_msg("policy: malformed request answered DUNNO: %s%s", req->cause,
	    ps->malformed_logged == MALFORMED_LOGS ? " (no more of these "
	    "this minute)" : "");
}

/* "open" or "closed": what the fail action does to mail. */
static const char *
fail_kind(const struct policy_server *ps)
{
	return strcmp(ps->node->policy.fail_action, "DUNNO") == 0 ||
	    strcmp(ps->node->policy.fail_action, "OK") == 0 ? "open" :
	    "closed";
}

/* The copy when it may decide at wall time now_ms: loaded, and confirmed
 * against Redis within copy_max_age_s. NULL otherwise. */
static const struct policy_copy *
server_copy(struct policy_server *ps, long long now_ms)
{
	long long	at;

	if (ps->pk == NULL)
		return NULL;
	at = policy_copier_confirmed_ms(ps->pk);
	if (at == 0 || now_ms - at > ps->node->policy.copy_max_age_s * 1000LL)
		return NULL;
	return policy_copier_take(ps->pk);
}

static void
outage_start(struct policy_server *ps, const char *cause)
{
	const struct policy_copy	*c;
	long long			 now = clock_wall_ms();

	if (ps->outage)
		return;
	ps->outage = true;
	ps->outage_answers = 0;
	ps->outage_copy = 0;
	ps->copy_stale_logged = false;
	atomic_store(&ps->pub_redis_up, false);
	if ((c = server_copy(ps, now)) != NULL) {
		log_msg("policy: cannot ask redis: %s; deciding from the copy "
		    "(%zu blocks, %zu permits, %zu agencies, confirmed %lld s "
		    "ago) until it is back or the copy is older than %d s; "
		    "limits that need live counts answer '%s' (fail-%s)",
		    cause, c->nblocks, c->npermits, c->nagencies,
		    (now - policy_copier_confirmed_ms(ps->pk)) / 1000,
		    ps->node->policy.copy_max_age_s,
		    ps->node->policy.fail_action, fail_kind(ps));
		return;
	}
	log_msg("policy: cannot ask redis: %s; answering '%s' until it is "
	    "back (fail-%s)%s", cause, ps->node->policy.fail_action,
	    fail_kind(ps), ps->pk == NULL ? "" : policy_copier_confirmed_ms(
	    ps->pk) == 0 ? "; no copy was loaded" : "; the copy is too old");
	ps->copy_stale_logged = true;
}

static void
outage_end(struct policy_server *ps)
{
	if (!ps->outage)
		return;
	ps->outage = false;
	atomic_store(&ps->pub_redis_up, true);
	log_msg("policy: redis answers again at %s:%d; %llu requests were "
	    "decided from the copy and %llu got the fail action meanwhile",
	    ps->pr.redis.host, ps->pr.redis.port, ps->outage_copy,
	    ps->outage_answers);
}

/* After any exchange: a connection that is gone is an outage, and the
 * connector is asked for a new one. */
static void
server_check_link(struct policy_server *ps)
{
	if (policy_redis_connected(&ps->pr))
		return;
	outage_start(ps, ps->pr.away);
	policy_connector_want(ps->pc);
}

/* The connector has news: a ready connection, or why there is none. */
static void
server_link(struct policy_server *ps)
{
	static enum kind	 redis_kind = K_REDIS;
	struct policy_link	 link;
	char			 cause[256];

	if (!policy_connector_take(ps->pc, &link, cause, sizeof cause)) {
		policy_redis_set_away(&ps->pr, cause);
		server_check_link(ps);
		return;
	}
	policy_redis_adopt(&ps->pr, &link);
	atomic_store(&ps->pub_redis_up, true);
	if (server_watch(ps, EPOLL_CTL_ADD, policy_redis_fd(&ps->pr),
	    EPOLLIN | EPOLLRDHUP, &redis_kind) == -1)
		log_msg("policy: epoll_ctl: %s", strerror(errno));
	outage_end(ps);
}

/* Checks an idle connection, reads late replies, drops a dead one. */
static void
server_tend(struct policy_server *ps)
{
	char	cause[256];

	if (policy_redis_tend(&ps->pr, clock_mono_ms(), cause,
	    sizeof cause) == -1)
		server_check_link(ps);
}

/* One bad reply is not an outage: logged when new, else once a minute. */
static void
log_bad_reply(struct policy_server *ps, const struct policy_lookup *l,
    const struct policy_decision *d)
{
	long long	now = clock_mono_ms();

	if (strcmp(ps->bad_reply, l->cause) == 0 &&
	    now - ps->bad_reply_at < 60000)
		return;
	snprintf(ps->bad_reply, sizeof ps->bad_reply, "%s", l->cause);
	ps->bad_reply_at = now;
	log_msg("policy: %s: answered '%s' for %s", l->cause, d->action,
	    l->req->client_address);
}

static void
lookups_reserve(struct policy_server *ps, size_t n)
{
	if (n <= ps->lookups_cap)
		return;
	ps->lookups_cap = n * 2;
	ps->lookups = xreallocarray(ps->lookups, ps->lookups_cap,
	    sizeof *ps->lookups);
	ps->lookup_item = xreallocarray(ps->lookup_item, ps->lookups_cap,
	    sizeof *ps->lookup_item);
}

/*
 * Redis could not be asked: the lookups without facts take them from the
 * copy, when there is one young enough (the rest get the fail action).
 */
static void
server_from_copy(struct policy_server *ps, size_t nl, long long now_ms)
{
	const struct policy_copy	*c;
	bool				 draining;
	size_t				 i;

	if ((c = server_copy(ps, now_ms)) == NULL) {
		if (ps->pk != NULL && ps->outage && !ps->copy_stale_logged) {
			log_msg("policy: the copy is older than "
			    "copy_max_age_s (%d s): answering '%s' until redis "
			    "is back", ps->node->policy.copy_max_age_s,
			    ps->node->policy.fail_action);
			ps->copy_stale_logged = true;
		}
		return;
	}
	draining = policy_copier_draining(ps->pk);
	for (i = 0; i < nl; i++) {
		struct policy_lookup	*l = &ps->lookups[i];

		if (!l->facts.redis_ok)
			policy_copy_facts(c, l->req, draining, now_ms / 1000,
			    &l->facts);
	}
}

/*
 * The announcements active at now_ms, from the newest copy: rebuilt when
 * the copy or the second changed (a window opens or a job comes due on a
 * second), otherwise nothing. Without announcements the script's ARGV[9]
 * is "" and it reads nothing more per request.
 */
static void
server_bulk_refresh(struct policy_server *ps, long long now_ms)
{
	const struct policy_copy	*c;
	long long			 now_s = now_ms / 1000;
	size_t				 i, n = 0, len = 0, cap;

	c = ps->pk != NULL ? policy_copier_take(ps->pk) : NULL;
	if (c == ps->bulk_from && now_s == ps->bulk_at_s)
		return;
	ps->bulk_from = c;
	ps->bulk_at_s = now_s;
	ps->nbulk_active = 0;
	if (c == NULL || c->bulks.n == 0) {
		free(ps->bulk_arg);
		ps->bulk_arg = NULL;
		ps->pr.bulk_arg = NULL;
		return;
	}
	free(ps->bulk_active);
	ps->bulk_active = xcalloc(c->bulks.n, sizeof *ps->bulk_active);
	cap = 1 + c->bulks.n * (STORE_ID_MAX + 24);
	free(ps->bulk_arg);
	ps->bulk_arg = xcalloc(cap, 1);
	for (i = 0; i < c->bulks.n; i++) {
		const struct bulk_plan *p = &c->bulks.v[i];

		if (p->malformed[0] != '\0' || !bulk_active(p, now_s))
			continue;
		ps->bulk_active[n++] = *p;
		len += (size_t)snprintf(ps->bulk_arg + len, cap - len,
		    " %s=%lld", p->agency, p->id);
	}
	ps->nbulk_active = n;
	if (n > 0)
		ps->bulk_arg[len++] = ' ';
	ps->pr.bulk_arg = ps->bulk_arg;
}

/* Fills the plan of a lookup's agency when it announced a job now. */
static void
server_bulk_facts(struct policy_server *ps, struct policy_facts *f,
    long long now_ms)
{
	const struct bulk_plan	*p;
	long long		 now_s = now_ms / 1000;

	if (f->from_copy || f->agency == NULL || f->plan_sent < 0 ||
	    (p = bulk_find_active(ps->bulk_active, ps->nbulk_active,
	    f->agency, now_s)) == NULL)
		return;
	f->plan = true;
	f->plan_allowed = bulk_allowance(p, now_s);
	f->plan_rcpts = p->rcpts;
	f->plan_jobs = p->jobs;
	f->plan_next = bulk_next_job(p, now_s);
}

/* Decides every request of this pass: one Redis round trip for all. */
static void
server_decide(struct policy_server *ps)
{
	const struct config_policy	*p = &ps->node->policy;
	struct policy_facts		 none;
	struct policy_decision		 d;
	char				 cause[256], answer[POLICY_ACTION_MAX
					     + 16];
	long long			 now = clock_wall_ms();
	size_t				 i, nl = 0;
	int				 len, rc;

	lookups_reserve(ps, ps->nitems);
	for (i = 0; i < ps->nitems; i++) {
		if (ps->items[i].req.malformed)
			continue;
		ps->lookups[nl].req = &ps->items[i].req;
		ps->lookup_item[i] = nl;
		nl++;
	}
	rc = 0;
	server_bulk_refresh(ps, now);
	if (nl > 0)
		rc = policy_redis_lookup(&ps->pr, ps->lookups, nl, now, cause,
		    sizeof cause);
	if (rc == -1) {
		outage_start(ps, cause);
		server_from_copy(ps, nl, now);
	}
	memset(&none, 0, sizeof none);
	none.fail_action = p->fail_action;
	none.accept_action = p->accept_action;

	for (i = 0; i < ps->nitems; i++) {
		struct item		*it = &ps->items[i];
		struct policy_lookup	*l = NULL;
		const struct policy_facts *f = &none;

		if (!it->req.malformed) {
			l = &ps->lookups[ps->lookup_item[i]];
			l->facts.fail_action = p->fail_action;
			l->facts.accept_action = p->accept_action;
			server_bulk_facts(ps, &l->facts, now);
			f = &l->facts;
		}
		policy_decide(&it->req, f, &d);
		ps->decisions++;
		if (f->from_copy) {
			ps->copy_decisions++;
			ps->outage_copy++;
			metrics_inc(MC_COPY_DECISIONS);
		}
		metrics_decision(d.action);
		if (d.rule == POLICY_RULE_MALFORMED)
			log_malformed(ps, &it->req);
		else if (d.rule == POLICY_RULE_FAIL_OPEN) {
			if (rc == 0 && l != NULL)
				log_bad_reply(ps, l, &d);
			ps->fail_answers++;
			metrics_inc(MC_FAIL_ANSWERS);
			ps->outage_answers++;
		}
		if (f->agency != NULL && f->redis_ok)
			policy_redis_count(&ps->pr, f->agency, d.count, now);
		len = policy_format_action(answer, sizeof answer, d.action,
		    cause, sizeof cause);
		if (len < 0)
			len = policy_format_action(answer, sizeof answer,
			    "DUNNO", cause, sizeof cause);
		conn_answer(it->conn, answer, (size_t)len);
		conn_touch(ps, it->conn);
	}
	atomic_store(&ps->pub_copy_decisions, ps->copy_decisions);
	if (nl > 0 && rc == 0 && policy_redis_connected(&ps->pr))
		outage_end(ps);
	server_check_link(ps);
	if (nl > 0)
		policy_redis_release(ps->lookups, nl);
	for (i = 0; i < ps->nitems; i++)
		policy_request_free(&ps->items[i].req);
	ps->nitems = 0;
	if (policy_redis_pending(&ps->pr)) {
		if (ps->counts_since == 0)
			ps->counts_since = clock_mono_ms();
	} else
		ps->counts_since = 0;
}

static void
server_flush_counts(struct policy_server *ps)
{
	char	cause[256];

	if (policy_redis_flush(&ps->pr, cause, sizeof cause) == -1)
		outage_start(ps, cause);
	server_check_link(ps);
	if (policy_redis_pending(&ps->pr))
		ps->counts_since = clock_mono_ms();
	else
		ps->counts_since = 0;
}

/* After a pass that touched c: is a request or an answer under way? */
static void
conn_note_busy(struct conn *c, long long now)
{
	bool	busy = policy_reader_busy(&c->reader) || c->inlen > c->inoff ||
	    c->outlen > c->outoff || !c->spoke;

	if (busy && !c->busy)
		c->busy_since = now;
	c->busy = busy;
}

/*
 * Frees the slots of connections that hold them for nothing: idle for
 * idle_timeout_s (Postfix closes its own after max_idle), or silent since
 * they connected, with a request begun or answers unread, and no progress
 * for request_timeout_s (Postfix connects to ask, writes a request at once
 * and gives up on it after its timeout: such a peer is not waiting for us).
 */
static void
server_sweep(struct policy_server *ps, long long now)
{
	const struct config_policy	*p = &ps->node->policy;
	struct conn			*c, *next;
	unsigned long long		 quiet;
	long long			 from;
	char				 text[INET6_ADDRSTRLEN], more[80];

	ps->sweep_at = now;
	for (c = ps->all; c != NULL; c = next) {
		next = c->all_next;
		if (!c->busy) {
			if (now - c->progress_at < p->idle_timeout_s * 1000LL)
				continue;
			ps->idle_closed++;
			conn_close(ps, c);
			continue;
		}
		from = c->busy_since > c->progress_at ? c->busy_since :
		    c->progress_at;
		if (now - from < p->request_timeout_s * 1000LL)
			continue;
		ps->stuck_closed++;
		if (ratelog_due(&ps->stuck_log, now, &quiet)) {
			if (c->tcp)
				policy_peer_text(c->peer, text, sizeof text);
			else
				snprintf(text, sizeof text, "a unix socket");
			log_msg("policy: closed a connection from %s: %s for "
			    "%d s (request_timeout_s)%s", text,
			    c->outlen > c->outoff ? "its answers unread" :
			    c->spoke ? "a request unfinished" : "no request",
			    p->request_timeout_s,
			    ratelog_more(quiet, more, sizeof more));
		}
		conn_close(ps, c);
	}
}

static void
server_stats(struct policy_server *ps, bool final)
{
	long long	now = clock_mono_ms(), ms = now - ps->stats_at;
	unsigned long long dd = ps->decisions - ps->stats_decisions;

	if (final) {
		log_msg("policy: stopping: %llu decisions, %llu redis round "
		    "trips, %llu fail-action answers, %llu malformed, %llu "
		    "connections (%llu refused), %llu volume increments "
		    "lost; %llu peers not allowed, %llu over the per-peer "
		    "limit, %llu closed idle, %llu closed stuck, %llu accept "
		    "pauses; %llu decided from the copy", ps->decisions,
		    ps->pr.round_trips, ps->fail_answers, ps->malformed,
		    ps->accepted,
		    ps->refused, ps->pr.lost_counts, ps->denied,
		    ps->peer_refused, ps->idle_closed, ps->stuck_closed,
		    ps->accept_pauses, ps->copy_decisions);
		return;
	}
	log_msg("policy: %llu decisions (%.0f/s), %llu redis round trips in "
	    "%.1f s; %zu connections; totals %llu decisions, %llu round "
	    "trips", dd, ms > 0 ? dd * 1000.0 / ms : 0.0,
	    ps->pr.round_trips - ps->stats_trips, ms / 1000.0, ps->nconns,
	    ps->decisions, ps->pr.round_trips);
	ps->stats_at = now;
	ps->stats_decisions = ps->decisions;
	ps->stats_trips = ps->pr.round_trips;
}

static int
server_timeout(struct policy_server *ps)
{
	long long	now = clock_mono_ms(), t = -1, due;
	size_t		i;

	if (ps->again != NULL)
		return 0;
	if (ps->counts_since != 0) {
		due = ps->counts_since + POLICY_SERVER_FLUSH_MS - now;
		t = due < 0 ? 0 : due;
	}
	if (ps->verbose) {
		due = ps->stats_at + POLICY_SERVER_STATS_MS - now;
		if (due < 0)
			due = 0;
		if (t == -1 || due < t)
			t = due;
	}
	due = policy_redis_tend_in(&ps->pr, now);
	if (due != -1 && (t == -1 || due < t))
		t = due;
	if (ps->nconns > 0) {
		due = ps->sweep_at + POLICY_SERVER_SWEEP_MS - now;
		if (due < 0)
			due = 0;
		if (t == -1 || due < t)
			t = due;
	}
	for (i = 0; i < ps->nls; i++) {
		if (!ps->ls[i].paused)
			continue;
		due = ps->ls[i].resume_at - now;
		if (due < 0)
			due = 0;
		if (t == -1 || due < t)
			t = due;
	}
	return (int)t;
}

static void *
server_run(void *arg)
{
	struct policy_server	*ps = arg;
	struct epoll_event	 evs[EVENTS_MAX];
	struct conn		*c, *next, *again;
	struct pollfd		 pfd;
	bool			 stop = false, tend;
	long long		 now;
	int			 n, i;

	ps->stats_at = ps->sweep_at = clock_mono_ms();
	/* The first attempt's result (normally a few ms) before the first
	 * request; requests that come meanwhile wait in the listen queue. */
	pfd.fd = policy_connector_fd(ps->pc);
	pfd.events = POLLIN;
	if (poll(&pfd, 1, START_WAIT_MS) == 1)
		server_link(ps);
	while (!stop) {
		n = epoll_wait(ps->ep, evs, EVENTS_MAX, server_timeout(ps));
		if (n == -1 && errno != EINTR) {
			log_msg("policy: epoll_wait: %s", strerror(errno));
			break;
		}
		ps->touched = NULL;
		now = clock_mono_ms();
		listeners_resume(ps, now);
		tend = policy_redis_tend_in(&ps->pr, now) == 0;
		for (i = 0; i < n; i++) {
			enum kind *k = evs[i].data.ptr;

			if (*k == K_WAKE) {
				stop = true;
			} else if (*k == K_LINK) {
				server_link(ps);
			} else if (*k == K_REDIS) {
				tend = true;
			} else if (*k == K_LISTEN) {
				server_accept(ps, (struct listener *)k);
			} else {
				c = (struct conn *)k;
				if (evs[i].events & EPOLLOUT)
					conn_write(c);
				if (evs[i].events & (EPOLLIN | EPOLLHUP |
				    EPOLLERR))
					conn_read(c);
				conn_touch(ps, c);
			}
		}
		if (stop)
			break;
		if (tend)
			server_tend(ps);
		again = ps->again;
		ps->again = NULL;
		for (c = again; c != NULL; c = next) {
			next = c->again_next;
			c->waiting = false;
			conn_touch(ps, c);
		}
		for (c = ps->touched; c != NULL; c = c->next)
			conn_parse(ps, c);
		/* conn_parse may have put connections on the again list. */
		if (ps->nitems > 0)
			server_decide(ps);
		else if (ps->counts_since != 0 && clock_mono_ms() -
		    ps->counts_since >= POLICY_SERVER_FLUSH_MS)
			server_flush_counts(ps);
		now = clock_mono_ms();
		for (c = ps->touched; c != NULL; c = next) {
			next = c->next;
			c->listed = false;
			if (c->outlen > c->outoff)
				conn_write(c);
			if (c->dead || (c->eof && c->inlen == c->inoff &&
			    c->outlen == c->outoff))
				conn_close(ps, c);
			else {
				conn_note_busy(c, now);
				conn_events(ps, c);
			}
		}
		if (ps->nconns > 0 && now - ps->sweep_at >=
		    POLICY_SERVER_SWEEP_MS)
			server_sweep(ps, now);
		if (ps->verbose && clock_mono_ms() - ps->stats_at >=
		    POLICY_SERVER_STATS_MS)
			server_stats(ps, false);
	}
	while (ps->all != NULL)
		conn_close(ps, ps->all);
	if (policy_redis_pending(&ps->pr)) {
		char	cause[256];

		if (policy_redis_flush(&ps->pr, cause, sizeof cause) == -1)
			log_msg("policy: stopping with volume counts that "
			    "may not be written: %s", cause);
	}
	server_stats(ps, true);
	return NULL;
}

/* ------------------------------------------------------------ start, stop */

int
policy_server_start(struct policy_server *ps, char *cause, size_t causelen)
{
	static enum kind	 link_kind = K_LINK;
	char			 allowed[512];
	bool			 tcp;
	int			 rc;
	size_t			 i;

	ps->pc = policy_connector_start(ps->cfg, policy_redis_script, cause,
	    causelen);
	if (ps->pc == NULL)
		return -1;
	if (ps->node->policy.copy_max_age_s > 0 &&
	    (ps->pk = policy_copier_start(ps->cfg, ps->node, cause,
	    causelen)) == NULL)
		return -1;
	if (server_watch(ps, EPOLL_CTL_ADD, policy_connector_fd(ps->pc),
	    EPOLLIN, &link_kind) == -1) {
		snprintf(cause, causelen, "cannot start the policy service: "
		    "%s", strerror(errno));
		return -1;
	}
	rc = thread_start(&ps->thread, server_run, ps);
	if (rc != 0) {
		snprintf(cause, causelen, "cannot start the policy service: "
		    "%s", strerror(rc));
		return -1;
	}
	ps->started = true;
	tcp = false;
	for (i = 0; i < ps->nls; i++) {
		log_msg("policy service listening on %s", ps->ls[i].addr->text);
		tcp = tcp || ps->ls[i].addr->path == NULL;
	}
	if (tcp) {
		policy_peers_describe(&ps->peers, allowed, sizeof allowed);
		log_msg("policy: TCP clients accepted from %s (%s)", allowed,
		    ps->peers.defaulted ? "loopback and the gateways; set "
		    "policy.allow to choose" : "policy.allow");
	}
	return 0;
}

void
policy_server_status(struct policy_server *ps, struct policy_status *st)
{
	long long	at = 0, now = clock_wall_ms();

	memset(st, 0, sizeof *st);
	st->copy_age_s = -1;
	st->copy_decisions = atomic_load(&ps->pub_copy_decisions);
	if (ps->pk != NULL && (at = policy_copier_confirmed_ms(ps->pk)) != 0)
		st->copy_age_s = now > at ? (now - at) / 1000 : 0;
	if (atomic_load(&ps->pub_redis_up))
		st->source = POLICY_SOURCE_REDIS;
	else if (at != 0 && now - at <= ps->node->policy.copy_max_age_s *
	    1000LL)
		st->source = POLICY_SOURCE_COPY;
	else
		st->source = POLICY_SOURCE_FAIL;
}

void
policy_server_stop(struct policy_server *ps)
{
	uint64_t	one = 1;
	ssize_t		n;

	if (ps == NULL)
		return;
	if (ps->started) {
		do
			n = write(ps->wake, &one, sizeof one);
		while (n == -1 && errno == EINTR);
		pthread_join(ps->thread, NULL);
	}
	server_close_listeners(ps);
	server_free(ps);
}

const char *
policy_source_name(enum policy_source s)
{
	switch (s) {
	case POLICY_SOURCE_REDIS:
		return "redis";
	case POLICY_SOURCE_COPY:
		return "copy";
	default:
		return "fail-action";
	}
}
