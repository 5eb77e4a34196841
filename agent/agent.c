/* mailnocd's start: options, configuration, and the heartbeat loop. */
#include "agent/agent.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/agency_delay.h"
#include "agent/alert_eval.h"
#include "agent/dnsbl_watch.h"
#include "agent/filter_watch.h"
#include "agent/heartbeat.h"
#include "agent/log.h"
#include "agent/maillog.h"
#include "agent/metrics.h"
#include "agent/notify.h"
#include "agent/policy_server.h"
#include "agent/probe.h"
#include "agent/queue_scan.h"
#include "agent/queue_watch.h"
#include "agent/role.h"
#include "agent/trace.h"
#include "agent/role_mbx.h"
#include "backends/redis.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/exitcode.h"
#include "core/restore.h"
#include "core/validate.h"
#include "core/version.h"

#define AGENT_INTERVAL_DEFAULT 2
#define AGENT_INTERVAL_MAX     3600
#define AGENT_SETUP_RETRY_MS   60000

struct agent_options {
	const char *config;
	const char *node;
	const char *log;
	int interval;
	int check_config;
	int once;
	int verbose;
};

struct agent {
	const struct agent_options *o;
	const struct config *cfg;
	const struct config_node *node;
	struct redis redis;
	struct heartbeat_state hs;
	struct queue_watch qw;
	bool watching;
	struct queue_scan *qs;         /* --once: scanned in line */
	struct maillog_follower *ml;   /* the mail log follower, or NULL */
	char queue_dir[PATH_MAX];
	char disk_path[PATH_MAX];
	char mta_version[32];
	bool setup_done;
	long long setup_retry_ms;
	enum node_state published;     /* state of the last heartbeat sent */
	enum redis_err redis_logged;   /* error class last logged */
	char role_logged[CONFIG_CAUSE_MAX];
	char backup_logged[CONFIG_CAUSE_MAX];
	char disk_logged[CONFIG_CAUSE_MAX];
	char queue_logged[CONFIG_CAUSE_MAX];
	char mta_logged[CONFIG_CAUSE_MAX];
	unsigned long persist_checked; /* r->connects when last asked */
	struct policy_server *ps;      /* the policy service, NULL: none */
	struct alert_eval alerts;
	char *qdomains;                /* the last q_domains text, or NULL */
	/* The active mailbox node: its role mailboxes, read every
	 * ROLE_MBX_INTERVAL_MS (0: not yet, or no longer active). */
	char role_mbx[ROLE_MBX_FIELD_MAX];
	long long role_mbx_ms;
	char role_mbx_logged[CONFIG_CAUSE_MAX];
	/* Gateways: their agencies' mail deferred past notify.delay_minutes,
	 * counted every AGENCY_DELAY_INTERVAL_MS while there is enough
	 * deferred mail for it to matter. */
	char agency_delay[ROLE_MBX_FIELD_MAX];
	long long agency_delay_ms;
	char agency_delay_logged[CONFIG_CAUSE_MAX];
};

static volatile sig_atomic_t agent_signal;

static void
agent_usage(FILE *f)
{
	fprintf(f,
	    "usage: mailnocd [options] --node NAME\n"
	    "       mailnocd trace --node NAME [query options] (see mailnocd "
	    "trace --help)\n"
	    "\n"
	    "The mailnoc node agent: the Postfix policy service on gateways and\n"
	    "the heartbeat that publishes queue counts and cluster role; on\n"
	    "gateways with \"maillog\" configured, the mail log follower.\n"
	    "\n"
	    "options:\n"
	    "  -c, --config FILE   configuration file; default: $MAILNOC_CONFIG,\n"
	    "                      ~/.config/mailnoc/config.json,\n"
	    "                      /etc/mailnoc/config.json (first found)\n"
	    "  -N, --node NAME     the node this agent runs on (from the\n"
	    "                      configuration's nodes)\n"
	    "  -i, --interval SECONDS\n"
	    "                      heartbeat interval, 1-%d (default %d); the\n"
	    "                      alive key lives three intervals\n"
	    "  -1, --once          publish one heartbeat and exit\n"
	    "  -l, --log FILE      log to FILE instead of stderr\n"
	    "  -v, --verbose       log every heartbeat and how long it took\n"
	    "      --check-config  validate the configuration and the node, "
	    "then exit\n"
	    "  -h, --help          show this help and exit\n"
	    "  -V, --version       show the version and exit\n"
	    "\n"
	    EXIT_CODES_HELP, AGENT_INTERVAL_MAX, AGENT_INTERVAL_DEFAULT);
}

static int
agent_parse_interval(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 1 ||
	    v > AGENT_INTERVAL_MAX) {
		fprintf(stderr, "mailnocd: bad interval '%s': use whole "
		    "seconds from 1 to %d\n", s, AGENT_INTERVAL_MAX);
		return -1;
	}
	*out = (int)v;
	return 0;
}

static int
agent_parse(int argc, char **argv, struct agent_options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "node", required_argument, NULL, 'N' },
		{ "interval", required_argument, NULL, 'i' },
		{ "once", no_argument, NULL, '1' },
		{ "log", required_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:N:i:1l:vhV", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'N':
			o->node = optarg;
			break;
		case 'i':
			if (agent_parse_interval(optarg, &o->interval) == -1)
				return EXIT_USAGE;
			break;
		case '1':
			o->once = 1;
			break;
		case 'l':
			o->log = optarg;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'C':
			o->check_config = 1;
			break;
		case 'h':
			agent_usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("mailnocd %s\n", MAILNOC_VERSION);
			return EXIT_OK;
		case ':':
			fprintf(stderr, "mailnocd: option '%s' needs a value\n",
			    argv[optind - 1]);
			return EXIT_USAGE;
		default:
			fprintf(stderr, "mailnocd: unknown option '%s'; see "
			    "mailnocd --help\n", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mailnocd: unexpected argument '%s'\n",
		    argv[optind]);
		return EXIT_USAGE;
	}
	return -1;
}

static void
agent_on_signal(int sig)
{
	agent_signal = sig;
}

static void
agent_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = agent_on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a signal must cut the sleep between heartbeats. */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/* Logs `cause` unless it is the one logged last time in `last`. */
static void
agent_log_once(char *last, size_t len, const char *what, const char *cause)
{
	if (strcmp(last, cause) == 0)
		return;
	log_msg("%s%s", what, cause);
	snprintf(last, len, "%s", cause);
}

/*
 * The role mailboxes, on the active mailbox node only (the standby's copy
 * may lag, and one report is enough), every ROLE_MBX_INTERVAL_MS: doveadm
 * for each costs a few milliseconds, not worth doing every heartbeat.
 */
static void
agent_role_mbx(struct agent *a)
{
	char cause[CONFIG_CAUSE_MAX];
	long long now = clock_mono_ms();

	if (a->role_mbx_ms != 0 && now - a->role_mbx_ms < ROLE_MBX_INTERVAL_MS)
		return;
	a->role_mbx_ms = now;
	if (role_mbx_read(a->cfg, a->node, 5000,
	    a->role_mbx, sizeof a->role_mbx, cause, sizeof cause) == -1)
		agent_log_once(a->role_mbx_logged, sizeof a->role_mbx_logged,
		    "", cause);
	else
		a->role_mbx_logged[0] = '\0';
}

/*
 * The agencies' delayed mail on a gateway. The listing (postqueue -j)
 * costs about half a second per 20,000 messages, so it runs once a minute
 * and only while this gateway holds more deferred messages than its share
 * of notify.delay_messages: below that no agency can pass it here.
 */
static void
agent_agency_delay(struct agent *a, long deferred)
{
	char cause[CONFIG_CAUSE_MAX];
	long long now = clock_mono_ms();
	size_t i, ngw = 0;

	for (i = 0; i < a->cfg->nnodes; i++)
		ngw += a->cfg->nodes[i].role == NODE_GATEWAY;
	if (deferred <= a->cfg->notify.delay_messages / (long)(ngw ? ngw : 1)) {
		a->agency_delay[0] = '\0';
		a->agency_delay_ms = 0;
		return;
	}
	if (a->agency_delay_ms != 0 &&
	    now - a->agency_delay_ms < AGENCY_DELAY_INTERVAL_MS)
		return;
	a->agency_delay_ms = now;
	if (agency_delay_count(a->cfg, a->node, &a->redis,
	    clock_wall_ms() / 1000, deferred, a->agency_delay,
	    sizeof a->agency_delay, cause, sizeof cause) == -1)
		agent_log_once(a->agency_delay_logged,
		    sizeof a->agency_delay_logged, "", cause);
	else
		a->agency_delay_logged[0] = '\0';
}

/* The node's fixed facts, found with helper programs; retried on failure. */
static void
agent_setup(struct agent *a)
{
	const struct config_node *n = a->node;
	char out[PATH_MAX], cause[CONFIG_CAUSE_MAX], raw[PATH_MAX];
	const char *why;
	bool ok = true;

	if (a->setup_done || clock_mono_ms() < a->setup_retry_ms)
		return;
	if (n->role == NODE_GATEWAY && a->queue_dir[0] == '\0') {
		if (probe_postconf(n->postfix_config, "queue_directory", out,
		    sizeof out, cause, sizeof cause) == -1) {
			agent_log_once(a->queue_logged, sizeof a->queue_logged,
			    "queue counts unavailable: ", cause);
			ok = false;
		} else if ((why = validate_path(out)) != NULL) {
			snprintf(cause, sizeof cause, "postconf gave queue_"
			    "directory '%.200s': %s", out, why);
			agent_log_once(a->queue_logged, sizeof a->queue_logged,
			    "queue counts unavailable: ", cause);
			ok = false;
		} else {
			int rc;

			if (a->o->once)
				rc = (a->qs = queue_scan_new(out, cause,
				    sizeof cause)) == NULL ? -1 : 0;
			else
				rc = queue_watch_start(&a->qw, out,
				    a->o->interval * 1000 / 2, cause,
				    sizeof cause);
			if (rc == -1) {
				agent_log_once(a->queue_logged,
				    sizeof a->queue_logged,
				    "queue counts unavailable: ", cause);
				ok = false;
			} else {
				a->watching = !a->o->once;
				snprintf(a->queue_dir, sizeof a->queue_dir,
				    "%s", out);
				snprintf(a->disk_path, sizeof a->disk_path,
				    "%s", out);
				if (a->watching)
					log_msg("counting the queue in %s",
					    out);
			}
		}
	}
	if (n->role == NODE_MAILBOX && a->disk_path[0] == '\0') {
		if (probe_doveconf(n->dovecot_config, "mail_location", out,
		    sizeof out, cause, sizeof cause) == 0 &&
		    probe_mail_root(out, raw, sizeof raw) == 0 &&
		    validate_path(raw) == NULL)
			snprintf(a->disk_path, sizeof a->disk_path, "%s", raw);
		else
			snprintf(a->disk_path, sizeof a->disk_path, "%s",
			    n->backup_root);
	}
	if (a->mta_version[0] == '\0') {
		int rc;

		if (n->role == NODE_GATEWAY) {
			rc = probe_postconf(n->postfix_config, "mail_version",
			    raw, sizeof raw, cause, sizeof cause);
			if (rc == 0)
				probe_version_clean(raw, a->mta_version,
				    sizeof a->mta_version);
		} else
			rc = probe_dovecot_version(a->mta_version,
			    sizeof a->mta_version, cause, sizeof cause);
		if (rc == -1) {
			agent_log_once(a->mta_logged, sizeof a->mta_logged,
			    "MTA version unknown: ", cause);
			ok = false;
		}
	}
	a->setup_done = ok;
	if (!ok)
		a->setup_retry_ms = clock_mono_ms() + AGENT_SETUP_RETRY_MS;
}

static int
agent_role_timeout_ms(const struct agent *a)
{
	int ms = a->o->interval * 1000 / 2;

	return ms > 5000 ? 5000 : ms;
}

static const char *
agent_group(void *arg, const char *domain)
{
	return config_provider_group(arg, domain);
}

/*
 * The q_domains text of the counts just taken: the top domains and the
 * provider groups (maillog.providers), as the console sums them.
 */
static void
agent_queued_domains(struct agent *a, struct heartbeat *hb)
{
	struct queued_list all, top;
	int rc;

	free(a->qdomains);
	a->qdomains = NULL;
	if (a->watching)
		rc = queue_watch_domains(&a->qw, &all);
	else if (a->qs != NULL) {
		queue_scan_domains(a->qs, &all);
		rc = 0;
	} else
		return;
	if (rc == 0) {
		queued_list_top(&all, agent_group, (void *)a->cfg, &top);
		a->qdomains = queued_encode(&top);
		queued_list_free(&top);
	}
	queued_list_free(&all);
	hb->queued_domains = a->qdomains;
}

/*
 * Fills the heartbeat from the probes, all but the state: *probed is what
 * the role probe says (STATE_UNKNOWN when it failed).
 */
static void
agent_collect(struct agent *a, struct heartbeat *hb, enum node_state *probed,
    long long *pass_ms)
{
	const struct config_node *n = a->node;
	char cause[CONFIG_CAUSE_MAX];
	struct queue_counts qc;
	int rc;

	memset(hb, 0, sizeof *hb);
	hb->backups.done_at = hb->backups.bytes = -1;
	hb->backups.mailboxes = hb->backups.gaps = -1;
	hb->name = n->name;
	hb->cluster = n->cluster;
	hb->role = n->role;
	hb->version = MAILNOC_VERSION;
	hb->interval = a->o->interval;
	hb->oldest_age = -1;
	hb->disk_pct = -1;
	hb->policy_source = NULL;
	hb->copy_age = -1;
	if (a->ps != NULL) {
		struct policy_status st;

		policy_server_status(a->ps, &st);
		hb->policy_source = policy_source_name(st.source);
		hb->copy_age = st.copy_age_s;
		hb->copy_decisions = st.copy_decisions;
	}
	*pass_ms = -1;

	rc = role_probe(n, agent_role_timeout_ms(a), probed, cause,
	    sizeof cause);
	if (rc == 1)
		*probed = n->role == NODE_GATEWAY ? STATE_ACTIVE :
		    STATE_UNKNOWN;
	else if (rc == -1) {
		*probed = STATE_UNKNOWN;
		agent_log_once(a->role_logged, sizeof a->role_logged,
		    "state is unknown: ", cause);
	} else if (a->role_logged[0] != '\0') {
		log_msg("role probe works again: %s",
		    node_state_name(*probed));
		a->role_logged[0] = '\0';
	}
	hb->updated_at = clock_wall_ms() / 1000;

	if (n->role == NODE_GATEWAY) {
		rc = -1;
		if (a->watching)
			rc = queue_watch_get(&a->qw, &qc, pass_ms);
		else if (a->qs != NULL) {
			long long t0 = clock_mono_ms();

			rc = queue_scan_run(a->qs, cause, sizeof cause);
			if (rc == -1)
				log_msg("queue counts unavailable: %s", cause);
			else
				queue_scan_result(a->qs, &qc);
			*pass_ms = clock_mono_ms() - t0;
		}
		/* Never a partial count: a pass cut short keeps them out. */
		if (rc == 0 && qc.complete) {
			hb->have_queues = true;
			memcpy(hb->queue, qc.count, sizeof hb->queue);
			if (qc.oldest != 0)
				hb->oldest_age = hb->updated_at > qc.oldest ?
				    (long)(hb->updated_at - qc.oldest) : 0;
			else if (qc.pending == 0)
				hb->oldest_age = 0;
			agent_queued_domains(a, hb);
			agent_agency_delay(a, hb->queue[Q_DEFERRED]);
			hb->agency_delay = a->agency_delay;
		}
	} else if (n->role == NODE_MAILBOX && *probed == STATE_ACTIVE &&
	    a->cfg->mailbox.nroles > 0) {
		agent_role_mbx(a);
		hb->role_mbx = a->role_mbx;
	} else if (n->role == NODE_MAILBOX) {
		a->role_mbx[0] = '\0';
		a->role_mbx_ms = 0;
	}
	if (n->role != NODE_GATEWAY && n->backup_root != NULL) {
		rc = probe_backups(n->backup_root, a->cfg->backups.status_file,
		    a->cfg->backups.gap_days, restore_today(time(NULL)),
		    &hb->backups, cause, sizeof cause);
		memcpy(hb->last_backup, hb->backups.last,
		    sizeof hb->last_backup);
		if (rc != 0)
			agent_log_once(a->backup_logged,
			    sizeof a->backup_logged, "", cause);
		else
			a->backup_logged[0] = '\0';
	}
	if (probe_load("/proc/loadavg", hb->load1, sizeof hb->load1) == -1)
		hb->load1[0] = '\0';
	if (a->disk_path[0] != '\0') {
		hb->disk_pct = probe_disk_pct(a->disk_path, cause,
		    sizeof cause);
		if (hb->disk_pct == -1)
			agent_log_once(a->disk_logged, sizeof a->disk_logged,
			    "", cause);
		else
			a->disk_logged[0] = '\0';
	}
	snprintf(hb->mta_version, sizeof hb->mta_version, "%s",
	    a->mta_version);
	if (a->ml != NULL && (hb->log_age = maillog_oldest_age(a->ml)) >= 0)
		hb->have_log_age = true;
}

static long long
agent_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * Once per connection (a failover may bring another server): says in the
 * log when a restart of this Redis would lose what the agents write. An
 * agent user that may not ask is the documented production case: silent.
 */
static void
agent_check_persistence(struct agent *a)
{
	char msg[512];

	if (a->persist_checked == a->redis.connects)
		return;
	a->persist_checked = a->redis.connects;
	if (redis_check_persistence(&a->redis, msg, sizeof msg) ==
	    REDIS_PERSIST_RISK)
		log_msg("warning: redis at %s:%d: %s", a->redis.host,
		    a->redis.port, msg);
	else if (a->o->verbose)
		log_msg("redis persistence: %s", msg);
}

/* One heartbeat. Returns 0 when it was published, -1 otherwise. */
static int
agent_beat(struct agent *a)
{
	struct redis *r = &a->redis;
	struct heartbeat hb;
	long long t0 = agent_mono_us(), pass_ms;
	enum node_state probed;
	int rc;

	agent_setup(a);
	agent_collect(a, &hb, &probed, &pass_ms);
	rc = a->hs.loaded ? 0 : heartbeat_load(r, hb.name, &a->hs);
	if (rc == 0) {
		hb.state = heartbeat_state(hb.role, probed, a->hs.drain);
		rc = heartbeat_send(r, &hb, &a->hs);
	}
	if (rc == -1) {
		if (r->err != a->redis_logged)
			log_msg("cannot publish the heartbeat: %s; retrying "
			    "with back-off", r->errstr);
		a->redis_logged = r->err;
		return -1;
	}
	if (a->redis_logged != RERR_NONE)
		log_msg("heartbeat published again to redis at %s:%d",
		    r->host, r->port);
	a->redis_logged = RERR_NONE;
	metrics_heartbeat(hb.updated_at, hb.have_queues, hb.queue,
	    hb.oldest_age);
	agent_check_persistence(a);
	if (!a->o->once)
		alert_eval_tick(&a->alerts, r, a->cfg, a->node->name,
		    a->o->interval);
	if (a->hs.evented)
		log_msg("role change: %s (event added)",
		    node_state_name(hb.state));
	else if (hb.state != a->published)
		log_msg("state %s", node_state_name(hb.state));
	a->published = hb.state;
	if (a->o->verbose) {
		char q[96] = "";

		if (hb.have_queues)
			snprintf(q, sizeof q, ", queues %ld/%ld/%ld/%ld/%ld "
			    "oldest %lds (scan %lld ms)", hb.queue[Q_INCOMING],
			    hb.queue[Q_ACTIVE], hb.queue[Q_DEFERRED],
			    hb.queue[Q_HOLD], hb.queue[Q_CORRUPT],
			    hb.oldest_age, pass_ms);
		t0 = agent_mono_us() - t0;
		log_msg("heartbeat: %s%s in %lld.%03lld ms",
		    node_state_name(hb.state), q, t0 / 1000, t0 % 1000);
	}
	return 0;
}

/*
 * Sleeps until the monotonic time `until_ms`, or a signal. With systemd's
 * watchdog on (`watchdog_ms` > 0) it wakes that often to say the main loop
 * is alive: an interval may be longer than WatchdogSec.
 */
static void
agent_sleep(long long until_ms, long long watchdog_ms)
{
	struct timespec ts;
	long long wake;

	for (;;) {
		wake = until_ms;
		if (watchdog_ms > 0 && clock_mono_ms() + watchdog_ms < wake)
			wake = clock_mono_ms() + watchdog_ms;
		ts.tv_sec = wake / 1000;
		ts.tv_nsec = (wake % 1000) * 1000000L;
		while (!agent_signal &&
		    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
		    NULL) == EINTR)
			;
		if (agent_signal || wake == until_ms)
			return;
		notify_watchdog();
	}
}

static int
agent_run(struct agent *a)
{
	long long next, watchdog_ms;
	bool rebeat = false, ready = false;
	int rc;

	log_msg("mailnocd %s: node %s (%s in cluster %s), heartbeat every %d "
	    "s%s", MAILNOC_VERSION, a->node->name,
	    config_role_name(a->node->role), a->node->cluster,
	    a->o->interval, a->o->once ? ", once" : "");
	if (a->node->role_file == NULL && a->node->role_command == NULL)
		log_msg("no role_file or role_command for %s: its state is "
		    "%s", a->node->name, a->node->role == NODE_GATEWAY ?
		    "active" : "unknown");
	agent_setup(a);
	if (a->watching)
		queue_watch_wait(&a->qw, 1000);
	if (a->o->once) {
		rc = agent_beat(a);
		return rc == 0 ? EXIT_OK : redis_exit_code(&a->redis);
	}
	watchdog_ms = notify_watchdog_ms();
	next = clock_mono_ms();
	while (!agent_signal) {
		agent_beat(a);
		/* Ready once the first heartbeat was tried, published or not. */
		if (!ready) {
			notify_ready(a->node->name, a->o->interval);
			ready = true;
		}
		if (watchdog_ms > 0)
			notify_watchdog();
		next += a->o->interval * 1000LL;
		if (next < clock_mono_ms())
			next = clock_mono_ms();
		/* The console just set or cleared drain: show it at once. */
		if (a->hs.drain_changed && !rebeat) {
			rebeat = true;
			a->hs.drain_changed = false;
			continue;
		}
		rebeat = false;
		agent_sleep(next, watchdog_ms);
	}
	/* Logged by agent_main, after the policy service's last words. */
	return EXIT_OK;
}

int
agent_main(int argc, char **argv)
{
	char cause[CONFIG_CAUSE_MAX], path[PATH_MAX];
	struct agent_options o = { NULL, NULL, NULL, AGENT_INTERVAL_DEFAULT, 0,
		0, 0 };
	const struct config_node *node;
	struct config *cfg;
	struct policy_server *ps = NULL;
	struct metrics_server *ms = NULL;
	struct dnsbl_watch bw;
	struct filter_watch fw;
	struct agent a;
	int rc;

	/* The query tool (docs/trace.md): read-only, no Redis, no threads. */
	if (argc > 1 && strcmp(argv[1], "trace") == 0)
		return trace_main(argc - 1, argv + 1);
	/* The Redis password will be in memory: no core dump, no ptrace. */
	prctl(PR_SET_DUMPABLE, 0);
	if ((rc = agent_parse(argc, argv, &o)) != -1)
		return rc;
	if (o.node == NULL) {
		fprintf(stderr, "mailnocd: no node given; use --node NAME\n");
		return EXIT_USAGE;
	}
	if (config_find(o.config, path, sizeof path, cause, sizeof cause) == -1 ||
	    (cfg = config_load(path, cause, sizeof cause)) == NULL) {
		fprintf(stderr, "mailnocd: %s\n", cause);
		return EXIT_USAGE;
	}
	if ((node = config_node_find(cfg, o.node)) == NULL) {
		fprintf(stderr, "mailnocd: node '%s' is not in %s\n", o.node,
		    path);
		config_free(cfg);
		return EXIT_USAGE;
	}
	if (o.check_config) {
		printf("mailnocd: node %s, %s in cluster %s, configuration %s "
		    "is valid\n", node->name, config_role_name(node->role),
		    node->cluster, path);
		config_free(cfg);
		return EXIT_OK;
	}
	snprintf(path, sizeof path, "mailnocd[%s]", node->name);
	if (log_open(o.log, path, cause, sizeof cause) == -1) {
		fprintf(stderr, "mailnocd: %s\n", cause);
		config_free(cfg);
		return EXIT_USAGE;
	}

	memset(&a, 0, sizeof a);
	a.o = &o;
	a.cfg = cfg;
	a.node = node;
	a.published = STATE_UNKNOWN;
	a.hs.last = STATE_UNKNOWN;
	redis_init(&a.redis, cfg);
	agent_signals();
	/* The policy service: its own thread and Redis connection. */
	if (node->policy.nlisten > 0 && !o.once) {
		ps = policy_server_open(cfg, node, o.verbose, cause,
		    sizeof cause);
		if (ps == NULL || policy_server_start(ps, cause,
		    sizeof cause) == -1) {
			log_msg("%s", cause);
			policy_server_stop(ps);
			log_close();
			config_free(cfg);
			return EXIT_FAILED;
		}
	}
	a.ps = ps;
	/* /metrics: libmicrohttpd's thread; a failure to listen is logged. */
	if (node->metrics.host != NULL && !o.once) {
		if ((ms = metrics_start(&node->metrics, node->name, cause,
		    sizeof cause)) == NULL)
			log_msg("%s", cause);
		else
			log_msg("metrics: serving GET /metrics on %s",
			    node->metrics.text);
	}
	/* The mail log follower: its own thread and Redis connection. */
	if (node->role == NODE_GATEWAY && node->maillog.enabled && !o.once &&
	    (a.ml = maillog_start(cfg, node, o.verbose, cause,
	    sizeof cause)) == NULL)
		log_msg("%s", cause);
	/* The block-list watch: its own thread, connection and resolver. */
	memset(&bw, 0, sizeof bw);
	if (!o.once && dnsbl_watch_wanted(cfg, node) &&
	    dnsbl_watch_start(&bw, cfg, node, o.verbose, cause,
	    sizeof cause) == -1)
		log_msg("%s", cause);
	/* The filter watch: its own thread, connection and sockets. */
	memset(&fw, 0, sizeof fw);
	if (!o.once && filter_watch_wanted(node) &&
	    filter_watch_start(&fw, cfg, node, o.verbose, cause,
	    sizeof cause) == -1)
		log_msg("%s", cause);
	rc = agent_run(&a);
	if (!o.once)
		notify_stopping();
	metrics_stop(ms);
	dnsbl_watch_stop(&bw);
	filter_watch_stop(&fw);
	policy_server_stop(ps);
	maillog_stop(a.ml);
	if (agent_signal && !o.once)
		log_msg("stopping on signal %d; the alive key expires by "
		    "itself", (int)agent_signal);

	if (a.watching)
		queue_watch_stop(&a.qw);
	queue_scan_free(a.qs);
	free(a.qdomains);
	alert_eval_free(&a.alerts);
	redis_close(&a.redis);
	log_close();
	config_free(cfg);
	return rc;
}
