/* mailnocd's Prometheus metrics: lock-free counters and the /metrics
 * listener on libmicrohttpd's own thread (docs/metrics.md). */
#include "agent/metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "core/version.h"
#include "core/xalloc.h"

/* A client gets this long per request, and this many are served at once. */
#define METRICS_TIMEOUT_S   10
#define METRICS_CONNECTIONS 16

static unsigned long long metrics_counter[MC_COUNT];
static unsigned long long metrics_decisions[MA_COUNT];
static long long metrics_nclients;
static long long metrics_listed = -1;
static long long metrics_hb_at;
static long metrics_hb_queue[Q_COUNT];
static long metrics_hb_oldest;
static int metrics_hb_have_queues;

static const char *const metrics_actions[MA_COUNT] = {
	[MA_OK] = "ok", [MA_DUNNO] = "dunno", [MA_REJECT] = "reject",
	[MA_DEFER] = "defer", [MA_DEFER_IF_PERMIT] = "defer_if_permit",
	[MA_DEFER_IF_REJECT] = "defer_if_reject", [MA_HOLD] = "hold",
	[MA_DISCARD] = "discard", [MA_FILTER] = "filter",
	[MA_PREPEND] = "prepend", [MA_REDIRECT] = "redirect",
	[MA_WARN] = "warn", [MA_4XX] = "4xx", [MA_5XX] = "5xx",
	[MA_OTHER] = "other",
};

void
metrics_inc(enum metrics_counter c)
{
	__atomic_fetch_add(&metrics_counter[c], 1, __ATOMIC_RELAXED);
}

const char *
metrics_action_name(enum metrics_action a)
{
	return metrics_actions[a];
}

enum metrics_action
metrics_action_of(const char *action)
{
	size_t n = strcspn(action, " \t");
	int i;

	if (n == 3 && (action[0] == '4' || action[0] == '5') &&
	    strspn(action, "0123456789") == 3)
		return action[0] == '4' ? MA_4XX : MA_5XX;
	for (i = 0; i < MA_4XX; i++) {
		if (strlen(metrics_actions[i]) == n &&
		    strncasecmp(metrics_actions[i], action, n) == 0)
			return (enum metrics_action)i;
	}
	return MA_OTHER;
}

void
metrics_decision(const char *action)
{
	__atomic_fetch_add(&metrics_decisions[metrics_action_of(action)], 1,
	    __ATOMIC_RELAXED);
}

void
metrics_clients(int delta)
{
	__atomic_fetch_add(&metrics_nclients, delta, __ATOMIC_RELAXED);
}

void
metrics_dnsbl_listed(long long n)
{
	__atomic_store_n(&metrics_listed, n, __ATOMIC_RELAXED);
}

void
metrics_heartbeat(long long at, bool have_queues, const long queue[Q_COUNT],
    long oldest_age)
{
	int i;

	for (i = 0; i < Q_COUNT; i++)
		__atomic_store_n(&metrics_hb_queue[i], have_queues ? queue[i] :
		    -1, __ATOMIC_RELAXED);
	__atomic_store_n(&metrics_hb_oldest, oldest_age, __ATOMIC_RELAXED);
	__atomic_store_n(&metrics_hb_have_queues, have_queues ? 1 : 0,
	    __ATOMIC_RELAXED);
	/* Last: a scrape that sees the time sees its queues. */
	__atomic_store_n(&metrics_hb_at, at, __ATOMIC_RELEASE);
}

void
metrics_read(struct metrics_values *v)
{
	int i;

	memset(v, 0, sizeof *v);
	v->heartbeat_at = __atomic_load_n(&metrics_hb_at, __ATOMIC_ACQUIRE);
	for (i = 0; i < MC_COUNT; i++)
		v->counter[i] = __atomic_load_n(&metrics_counter[i],
		    __ATOMIC_RELAXED);
	for (i = 0; i < MA_COUNT; i++)
		v->decisions[i] = __atomic_load_n(&metrics_decisions[i],
		    __ATOMIC_RELAXED);
	v->clients = __atomic_load_n(&metrics_nclients, __ATOMIC_RELAXED);
	v->dnsbl_listed = __atomic_load_n(&metrics_listed, __ATOMIC_RELAXED);
	v->have_queues = __atomic_load_n(&metrics_hb_have_queues,
	    __ATOMIC_RELAXED) != 0;
	for (i = 0; i < Q_COUNT; i++)
		v->queue[i] = __atomic_load_n(&metrics_hb_queue[i],
		    __ATOMIC_RELAXED);
	v->oldest_age = __atomic_load_n(&metrics_hb_oldest, __ATOMIC_RELAXED);
}

/* A growing string. */
struct metrics_buf {
	char *s;
	size_t len, cap;
};

static void
mb_printf(struct metrics_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
mb_printf(struct metrics_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		b->cap = b->cap * 2 + (size_t)(n > 0 ? n : 0);
		b->s = xrealloc(b->s, b->cap);
	}
}

static void
mb_head(struct metrics_buf *b, const char *name, const char *type,
    const char *help)
{
	mb_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
mb_one(struct metrics_buf *b, const char *name, const char *type,
    const char *help, const char *node, unsigned long long v)
{
	mb_head(b, name, type, help);
	mb_printf(b, "%s{node=\"%s\"} %llu\n", name, node, v);
}

char *
metrics_format(const struct metrics_values *v, long long now,
    const char *node)
{
	struct metrics_buf b = { xmalloc(4096), 0, 4096 };
	int i;

	b.s[0] = '\0';
	mb_head(&b, "mailnocd_policy_decisions_total", "counter",
	    "Policy decisions answered, by the action's first word.");
	for (i = 0; i < MA_COUNT; i++)
		mb_printf(&b, "mailnocd_policy_decisions_total{node=\"%s\","
		    "action=\"%s\"} %llu\n", node, metrics_actions[i],
		    v->decisions[i]);
	mb_one(&b, "mailnocd_policy_fail_action_answers_total", "counter",
	    "Answers with the fail action because Redis did not answer.",
	    node, v->counter[MC_FAIL_ANSWERS]);
	mb_one(&b, "mailnocd_policy_copy_decisions_total", "counter",
	    "Decisions made from the agent's copy because Redis could not be "
	    "asked.", node, v->counter[MC_COPY_DECISIONS]);
	mb_one(&b, "mailnocd_policy_malformed_requests_total", "counter",
	    "Policy requests that could not be read.", node,
	    v->counter[MC_MALFORMED]);
	mb_one(&b, "mailnocd_policy_redis_round_trips_total", "counter",
	    "Round trips of the policy service to Redis.", node,
	    v->counter[MC_ROUND_TRIPS]);
	mb_one(&b, "mailnocd_policy_redis_errors_total", "counter",
	    "Round trips of the policy service to Redis that failed.", node,
	    v->counter[MC_REDIS_ERRORS]);
	mb_one(&b, "mailnocd_policy_connections_total", "counter",
	    "Policy clients accepted.", node, v->counter[MC_CONNECTIONS]);
	mb_one(&b, "mailnocd_policy_clients_connected", "gauge",
	    "Policy clients connected now.", node,
	    (unsigned long long)(v->clients > 0 ? v->clients : 0));
	mb_one(&b, "mailnocd_metrics_scrapes_total", "counter",
	    "Answers to GET /metrics.", node, v->counter[MC_SCRAPES]);
	mb_one(&b, "mailnocd_maillog_lines_total", "counter",
	    "Mail log lines the follower read.", node,
	    v->counter[MC_LOG_LINES]);
	mb_one(&b, "mailnocd_maillog_lines_skipped_total", "counter",
	    "Mail log lines read but not counted (other programs, cut or "
	    "malformed, too long).", node, v->counter[MC_LOG_SKIPPED]);
	mb_one(&b, "mailnocd_dnsbl_listings_total", "counter",
	    "Egress address and block-list zone pairs newly listed.", node,
	    v->counter[MC_DNSBL_LISTINGS]);
	mb_one(&b, "mailnocd_dnsbl_delistings_total", "counter",
	    "Egress address and block-list zone pairs delisted.", node,
	    v->counter[MC_DNSBL_DELISTINGS]);
	if (v->dnsbl_listed >= 0)
		mb_one(&b, "mailnocd_dnsbl_listed", "gauge",
		    "Egress address and zone pairs listed after the last "
		    "block-list round.", node,
		    (unsigned long long)v->dnsbl_listed);
	if (v->heartbeat_at > 0) {
		mb_one(&b, "mailnocd_heartbeat_age_seconds", "gauge",
		    "Seconds since the last heartbeat published to Redis.", node,
		    (unsigned long long)(now > v->heartbeat_at ?
		    now - v->heartbeat_at : 0));
	}
	if (v->heartbeat_at > 0 && v->have_queues) {
		mb_head(&b, "mailnocd_queue_messages", "gauge",
		    "Messages in each Postfix queue at the last heartbeat.");
		for (i = 0; i < Q_COUNT; i++) {
			if (v->queue[i] >= 0)
				mb_printf(&b, "mailnocd_queue_messages{node="
				    "\"%s\",queue=\"%s\"} %ld\n", node,
				    queue_name((enum queue_kind)i), v->queue[i]);
		}
		if (v->oldest_age >= 0)
			mb_one(&b, "mailnocd_queue_oldest_message_age_seconds",
			    "gauge", "Age of the oldest queued message at the "
			    "last heartbeat.", node,
			    (unsigned long long)v->oldest_age);
	}
	mb_head(&b, "mailnocd_build_info", "gauge",
	    "The version of mailnocd, as a label.");
	mb_printf(&b, "mailnocd_build_info{node=\"%s\",version=\"%s\"} 1\n",
	    node, MAILNOC_VERSION);
	return b.s;
}

struct metrics_server {
	struct MHD_Daemon *d;
	char node[64];
};

static enum MHD_Result
metrics_answer(struct MHD_Connection *c, unsigned status, char *body,
    enum MHD_ResponseMemoryMode mode, const char *allow)
{
	struct MHD_Response *r;
	enum MHD_Result rc;

	r = MHD_create_response_from_buffer(strlen(body), body, mode);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    status == MHD_HTTP_OK ? "text/plain; version=0.0.4; "
	    "charset=utf-8" : "text/plain; charset=utf-8");
	if (allow != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result
metrics_handler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct metrics_server *ms = cls;
	struct metrics_values v;

	(void)version;
	(void)upload_data;
	/* A body is never read: the answer goes out at the first call. */
	*upload_data_size = 0;
	*con_cls = ms;
	if (strcmp(url, "/metrics") != 0)
		return metrics_answer(c, MHD_HTTP_NOT_FOUND,
		    "not found: mailnocd serves only GET /metrics\n",
		    MHD_RESPMEM_PERSISTENT, NULL);
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0)
		return metrics_answer(c, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "method not allowed: only GET /metrics\n",
		    MHD_RESPMEM_PERSISTENT, "GET");
	metrics_inc(MC_SCRAPES);
	metrics_read(&v);
	return metrics_answer(c, MHD_HTTP_OK, metrics_format(&v,
	    (long long)time(NULL), ms->node), MHD_RESPMEM_MUST_FREE, NULL);
}

struct metrics_server *
metrics_start(const struct config_listen *l, const char *node, char *cause,
    size_t len)
{
	struct metrics_server *ms;
	struct sockaddr_storage ss;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL;
	sigset_t all, old;

	memset(&ss, 0, sizeof ss);
	if (strchr(l->host, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)l->port);
		inet_pton(AF_INET6, l->host, &s6->sin6_addr);
		flags |= MHD_USE_IPv6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)l->port);
		inet_pton(AF_INET, l->host, &s4->sin_addr);
	}
	ms = xcalloc(1, sizeof *ms);
	snprintf(ms->node, sizeof ms->node, "%s", node);
	/* The daemon's thread inherits this mask: signals stay ours. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	errno = 0;
	ms->d = MHD_start_daemon(flags, (uint16_t)l->port, NULL, NULL,
	    metrics_handler, ms,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)METRICS_CONNECTIONS,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)METRICS_TIMEOUT_S,
	    MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ms->d == NULL) {
		snprintf(cause, len, "cannot listen for /metrics on %s: %s",
		    l->text, errno != 0 ? strerror(errno) : "libmicrohttpd "
		    "refused to start");
		free(ms);
		return NULL;
	}
	return ms;
}

void
metrics_stop(struct metrics_server *ms)
{
	if (ms == NULL)
		return;
	MHD_stop_daemon(ms->d);
	free(ms);
}
