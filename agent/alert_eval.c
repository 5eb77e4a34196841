/* The alert rules in the agent: snapshot, rules, record under a lease. */
#include "agent/alert_eval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/log.h"
#include "backends/bulk_store.h"
#include "backends/filter_store.h"
#include "backends/maillog_store.h"
#include "backends/queued_store.h"
#include "backends/reputation_store.h"
#include "core/alert.h"
#include "core/clock.h"
#include "core/xalloc.h"

/* More alerts than this at once are recorded as the first this many. */
#define ALERT_EVAL_MAX 512

/*
 * Why the agents: the rules must run at 3 a.m. when no console is open,
 * and a silent node cannot report its own silence, so every live agent
 * can run them; the lease keeps it to one at a time. The console's users
 * are mostly read-only and `mailnoc check` runs as the monitoring
 * system's read-only user, so neither may write the records.
 */
/*
 * The harvest rule over the suspects the followers recorded. Without them
 * (an ACL from before the rule: NOPERM) the other rules still count; said
 * once.
 */
static size_t
alert_eval_harvest(struct alert_eval *ae, struct redis *r, long long now,
    struct alert_raise *a, size_t n)
{
	struct ml_suspect *v;
	char cause[512];
	size_t nv;

	if (n >= ALERT_EVAL_MAX)
		return n;
	if (maillog_store_suspects(r, &v, &nv, cause, sizeof cause) == -1) {
		if (!ae->suspects_failed)
			log_msg("alerts: no harvest rule: %s", cause);
		ae->suspects_failed = true;
		return n;
	}
	if (ae->suspects_failed)
		log_msg("alerts: the harvest rule reads the suspects again");
	ae->suspects_failed = false;
	n = alert_rules_harvest(v, nv, now, a, ALERT_EVAL_MAX, n);
	free(v);
	return n;
}

/*
 * The listing rule over what the gateways' block-list watches published
 * (rep:{node}). Without them (NOPERM from an older ACL) the other rules
 * still count; said once.
 */
static size_t
alert_eval_listed(struct alert_eval *ae, struct redis *r,
    const struct config *cfg, long long now, struct alert_raise *a,
    size_t n)
{
	struct reputation rep;
	char cause[512];
	size_t i;

	if (n >= ALERT_EVAL_MAX)
		return n;
	if (reputation_read(r, cfg, &rep, cause, sizeof cause) == -1) {
		if (!ae->listed_failed)
			log_msg("alerts: no listing rule: %s", cause);
		ae->listed_failed = true;
		return n;
	}
	if (ae->listed_failed)
		log_msg("alerts: the listing rule reads the block lists again");
	ae->listed_failed = false;
	for (i = 0; i < rep.n; i++)
		n = alert_rules_listed(rep.nodes[i].name, rep.nodes[i].v,
		    rep.nodes[i].n, now, a, ALERT_EVAL_MAX, n);
	reputation_free(&rep);
	return n;
}

static const char *
alert_eval_group(void *arg, const char *domain)
{
	return config_provider_group(arg, domain);
}

/*
 * The throttling rule over what the live gateways queue now (their
 * heartbeats' q_domains). Without it the other rules still count; a read
 * that fails, or a node's value left out, is said once.
 */
static size_t
alert_eval_throttled(struct alert_eval *ae, struct redis *r,
    const struct config *cfg, struct alert_raise *a, size_t n)
{
	struct queued_list sum;
	char cause[512], warn[256];

	if (n >= ALERT_EVAL_MAX)
		return n;
	if (queued_store_read(r, &sum, warn, sizeof warn, cause,
	    sizeof cause) == -1) {
		if (!ae->queued_failed)
			log_msg("alerts: no throttling rule: %s", cause);
		ae->queued_failed = true;
		return n;
	}
	if (ae->queued_failed)
		log_msg("alerts: the throttling rule reads the queues again");
	ae->queued_failed = false;
	if (warn[0] != '\0' && strcmp(warn, ae->queued_warned) != 0)
		log_msg("alerts: %s", warn);
	snprintf(ae->queued_warned, sizeof ae->queued_warned, "%s", warn);
	n = alert_rules_throttled(&sum, cfg->alerts.throttled_messages,
	    alert_eval_group, (void *)cfg, a, ALERT_EVAL_MAX, n);
	queued_list_free(&sum);
	return n;
}

/*
 * The unannounced-burst rule over every agency's bulk window and the
 * announcements. Without them (NOPERM from an older ACL) the other rules
 * still count; said once.
 */
static size_t
alert_eval_bulk(struct alert_eval *ae, struct redis *r, long long now_ms,
    struct alert_raise *a, size_t n)
{
	struct bulk_recent *v;
	struct bulk_list l;
	char cause[512];
	size_t nv;

	if (n >= ALERT_EVAL_MAX)
		return n;
	if (bulk_store_recent(r, now_ms, &v, &nv, cause, sizeof cause) == -1 ||
	    (nv > 0 && bulk_store_list(r, now_ms / 1000 - BULK_TRAIL_S, &l,
	    cause, sizeof cause) == -1)) {
		if (!ae->bulk_failed)
			log_msg("alerts: no bulk rule: %s", cause);
		ae->bulk_failed = true;
		free(v);
		return n;
	}
	if (ae->bulk_failed)
		log_msg("alerts: the bulk rule reads the agencies again");
	ae->bulk_failed = false;
	if (nv > 0) {
		n = alert_rules_bulk(v, nv, l.v, l.n, now_ms / 1000, a,
		    ALERT_EVAL_MAX, n);
		bulk_list_free(&l);
	}
	free(v);
	return n;
}

/*
 * The filter rules over what the gateways' filter watches and followers
 * published (filter:{node}). Without them (NOPERM from an older ACL) the
 * other rules still count; said once.
 */
static size_t
alert_eval_filter(struct alert_eval *ae, struct redis *r,
    const struct config *cfg, long long now, struct alert_raise *a,
    size_t n)
{
	struct filter_node *v;
	char cause[512];
	size_t nv;

	if (n >= ALERT_EVAL_MAX)
		return n;
	if (filter_store_read(r, cfg, now, &v, &nv, cause,
	    sizeof cause) == -1) {
		if (!ae->filter_failed)
			log_msg("alerts: no filter rule: %s", cause);
		ae->filter_failed = true;
		free(v);
		return n;
	}
	if (ae->filter_failed)
		log_msg("alerts: the filter rule reads the filters again");
	ae->filter_failed = false;
	n = alert_rules_filter(v, nv, a, ALERT_EVAL_MAX, n);
	free(v);
	return n;
}

void
alert_eval_tick(struct alert_eval *ae, struct redis *r,
    const struct config *cfg, const char *node, int interval)
{
	struct alert_raise *a;
	struct snapshot *s;
	char cause[512];
	long long now_ms = clock_mono_ms();
	int period = interval > ALERT_EVAL_MIN_S ? interval : ALERT_EVAL_MIN_S;
	int raised = 0, resolved = 0, rc;
	size_t n;

	/*
	 * Not before the alive keys of nodes starting with this one could
	 * exist (three intervals): a lab or a fleet starting together must
	 * not raise each other as silent.
	 */
	if (ae->next_ms == 0)
		ae->next_ms = now_ms + 3 * period * 1000LL;
	if (now_ms < ae->next_ms)
		return;
	ae->next_ms = now_ms + period * 1000LL;
	if (!ae->built) {
		snapshot_query_build(&ae->q, cfg, NULL, 0);
		ae->built = true;
	}
	if ((s = snapshot_fetch(r, &ae->q)) == NULL) {
		if (r->err != ae->logged)
			log_msg("alerts: cannot read the nodes: %s", r->errstr);
		ae->logged = r->err;
		return;
	}
	a = xcalloc(ALERT_EVAL_MAX, sizeof *a);
	n = alert_rules_eval(s, s->taken_ms / 1000, a, ALERT_EVAL_MAX);
	n = alert_rules_backup(s, cfg->backups.max_age_s, s->taken_ms / 1000,
	    a, ALERT_EVAL_MAX, n);
	n = alert_eval_harvest(ae, r, s->taken_ms / 1000, a, n);
	n = alert_eval_listed(ae, r, cfg, s->taken_ms / 1000, a, n);
	n = alert_eval_throttled(ae, r, cfg, a, n);
	n = alert_eval_bulk(ae, r, s->taken_ms, a, n);
	n = alert_eval_filter(ae, r, cfg, s->taken_ms / 1000, a, n);
	n = alert_rules_role_mailbox(s, s->taken_ms / 1000,
	    cfg->mailbox.role_unread_limit_s, a, ALERT_EVAL_MAX, n);
	n = alert_rules_agency_delay(s, s->taken_ms / 1000,
	    cfg->notify.delay_messages, cfg->notify.delay_minutes, a,
	    ALERT_EVAL_MAX, n);
	if (n > ALERT_EVAL_MAX)
		n = ALERT_EVAL_MAX;
	rc = alert_store_sync(r, &ae->sync, node, 3 * period, a, n,
	    s->taken_ms / 1000, &raised, &resolved, cause, sizeof cause);
	snapshot_free(s);
	free(a);
	if (rc == -1) {
		if (r->err != ae->logged)
			log_msg("alerts: %s", cause);
		ae->logged = r->err;
		return;
	}
	if (ae->logged != RERR_NONE)
		log_msg("alerts: recorded again");
	ae->logged = RERR_NONE;
	if (rc == 1 && !ae->holder)
		log_msg("alerts: this agent evaluates the alert rules now");
	ae->holder = rc == 1;
	if (raised > 0 || resolved > 0)
		log_msg("alerts: %d raised, %d resolved, %zu active", raised,
		    resolved, n);
}

void
alert_eval_free(struct alert_eval *ae)
{
	if (ae->built)
		snapshot_query_free(&ae->q);
	ae->built = false;
}
