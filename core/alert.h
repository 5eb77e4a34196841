/* The alert model: the kinds, the rules that raise them from a snapshot,
 * alert records as Redis holds them, and what a check makes of them. */
#ifndef MAILNOC_ALERT_H
#define MAILNOC_ALERT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/dnsbl.h"
#include "core/filter.h"
#include "core/maillog_report.h"
#include "core/model.h"
#include "core/queued.h"

enum alert_severity {
	ALERT_WARNING,
	ALERT_CRITICAL,
};

/* Every kind, defined once (alert_kinds[] in core/alert.c). */
enum alert_kind {
	ALERT_NODE_SILENT,     /* a node's heartbeat expired: subject node */
	ALERT_NODE_MALFORMED,  /* a node hash that cannot be read: node */
	ALERT_CLUSTER,         /* a cluster not OK: subject cluster */
	ALERT_QUEUE_DEFERRED,  /* a gateway's deferred queue is large: node */
	ALERT_HARVEST,         /* a directory harvest suspect: client IP */
	ALERT_LISTED,          /* a gateway address on a block list: IP|ZONE */
	ALERT_BACKUP,          /* a mailbox node's backups: old or a gap: node */
	ALERT_PROVIDER_THROTTLED, /* a provider throttling the gateways:
	                             provider group or domain */
	ALERT_BULK,            /* an unannounced burst: subject agency */
	ALERT_FILTER_DOWN,     /* a gateway's filter does not answer: node */
	ALERT_FILTER_UNSCANNED, /* mail passed a gateway unscanned: node */
	ALERT_ROLE_MAILBOX,    /* abuse@, postmaster@ unread too long: user */
	ALERT_AGENCY_DELAY,    /* an agency's mail substantially delayed:
	                          agency */
	ALERT_KIND_COUNT,
};

struct alert_kind_def {
	const char *name;    /* in Redis, commands and JSON: "node-silent" */
	const char *subject; /* what the subject names: "node", "cluster" */
	const char *help;    /* one line for the docs and --help */
};

extern const struct alert_kind_def alert_kinds[ALERT_KIND_COUNT];

/* A deferred queue this large is a warning, this large critical. */
#define ALERT_DEFERRED_WARNING  1000
#define ALERT_DEFERRED_CRITICAL 10000

#define ALERT_KIND_MAX    32
#define ALERT_SUBJECT_MAX 64
#define ALERT_TEXT_MAX    200
#define ALERT_WHO_MAX     96

const char *alert_severity_name(enum alert_severity s);
/* Returns 0 with *out set, or -1 for a name that is not a severity. */
int alert_severity_parse(const char *s, enum alert_severity *out);
/* The kind called `name`, or -1. */
int alert_kind_find(const char *name);

/* What a rule found: an alert to raise (or keep raised). */
struct alert_raise {
	enum alert_kind kind;
	char subject[ALERT_SUBJECT_MAX];
	enum alert_severity severity;
	char text[ALERT_TEXT_MAX];
};

/* A suspect last seen this long ago no longer raises the harvest alert. */
#define ALERT_HARVEST_RECENT_S 3600

/*
 * The harvest rule (ALERT_HARVEST): a suspect of `v` seen within
 * ALERT_HARVEST_RECENT_S of `now` and not blocked. Adds to out[0..n) as
 * alert_rules_eval does and returns the new count.
 */
size_t alert_rules_harvest(const struct ml_suspect *v, size_t nv,
    long long now, struct alert_raise *out, size_t max, size_t n);

/*
 * The listing rule (ALERT_LISTED): each pair of gateway `node` that reads
 * listed (dnsbl_entry_shown), subject "IP|ZONE" (the IP when that does
 * not fit), text as dnsbl_alert_format writes it. Adds to out[0..n) as
 * alert_rules_eval does and returns the new count.
 */
size_t alert_rules_listed(const char *node, const struct dnsbl_entry *v,
    size_t nv, long long now, struct alert_raise *out, size_t max,
    size_t n);

struct bulk_recent;
struct bulk_plan;

/*
 * The unannounced-burst rule (ALERT_BULK): an agency of `v` whose
 * recipients in the bulk window passed the guidance (BULK_GUIDANCE_RCPTS)
 * without an announcement of its own in `ann` active within BULK_TRAIL_S;
 * the text names the agency and suggests announcing. Adds to out[0..n) as
 * alert_rules_eval does and returns the new count.
 */
size_t alert_rules_bulk(const struct bulk_recent *v, size_t nv,
    const struct bulk_plan *ann, size_t nann, long long now,
    struct alert_raise *out, size_t max, size_t n);

/*
 * The backup rule (ALERT_BACKUP): each live mailbox node whose agent
 * watches backups (it reports backup_gaps) and whose last good backup
 * completed more than `max_age_s` before `now` or never (critical), or
 * that misses nights in the window (warning; both said in one alert).
 * Adds to out[0..n) as alert_rules_eval does and returns the new count.
 */
size_t alert_rules_backup(const struct snapshot *s, long max_age_s,
    long long now, struct alert_raise *out, size_t max, size_t n);

/*
 * The throttling rule (ALERT_PROVIDER_THROTTLED) over what the live
 * gateways queue now, their q_domains summed (backends/queued_store.c):
 * a provider group ("@Yahoo", subject "Yahoo"), or a domain in no group
 * that `q` lists, with at least `min` messages deferred for a reason of
 * the throttle class (config alerts.throttled_messages). A domain whose
 * group is listed is left to its group. Text "throttling: yahoo.test: 12
 * messages deferred for throttling (12 queued)". Adds to out[0..n) as
 * alert_rules_eval does and returns the new count.
 */
size_t alert_rules_throttled(const struct queued_list *q, long min,
    queued_group_fn group, void *arg, struct alert_raise *out, size_t max,
    size_t n);

/*
 * The filter rules: ALERT_FILTER_DOWN for each gateway whose agent
 * published its filter down (critical), ALERT_FILTER_UNSCANNED when
 * messages passed it unscanned this hour or the one before (warning).
 * Adds to out[0..n) as alert_rules_eval does and returns the new count.
 */
size_t alert_rules_filter(const struct filter_node *v, size_t nv,
    struct alert_raise *out, size_t max, size_t n);

/*
 * The role mailbox rule (ALERT_ROLE_MAILBOX): each role mailbox the
 * active mailbox node reports (role_mbx_node) whose oldest unread message
 * has waited more than `limit_s` at `now`, subject the user. Adds to
 * out[0..n) as alert_rules_eval does and returns the new count.
 */
size_t alert_rules_role_mailbox(const struct snapshot *s, long long now,
    long long limit_s, struct alert_raise *out, size_t max, size_t n);

/*
 * The substantial delay rule (ALERT_AGENCY_DELAY): an agency with more
 * than `messages` messages deferred past `minutes` on the live gateways
 * together (their agency_delay fields), subject the agency; the text names
 * the notice to send ("notify dmv --about delay"). Adds to out[0..n) as
 * alert_rules_eval does and returns the new count.
 */
size_t alert_rules_agency_delay(const struct snapshot *s, long long now,
    long messages, int minutes, struct alert_raise *out, size_t max,
    size_t n);

/*
 * Runs every rule on a complete snapshot at `now` (epoch seconds). Writes
 * at most `max` alerts to out and returns how many there are (more than
 * `max` when some did not fit). Alerts of the same kind and subject never
 * come twice. Every alert not in the result is resolved.
 */
size_t alert_rules_eval(const struct snapshot *s, long long now,
    struct alert_raise *out, size_t max);

/* An alert record as Redis holds it (docs/redis-schema.md, "Alerts"). */
struct alert {
	long long id;
	char kind[ALERT_KIND_MAX];
	char subject[ALERT_SUBJECT_MAX];
	enum alert_severity severity;
	char text[ALERT_TEXT_MAX];
	long long first_seen;   /* epoch seconds */
	long long last_seen;
	bool active;            /* false: resolved at resolved_at */
	long long resolved_at;
	char ack_by[ALERT_WHO_MAX];   /* "" when not acknowledged */
	long long ack_at;
	char ack_note[ALERT_TEXT_MAX];
	long long silenced_until;     /* 0 when not silenced */
	char silence_why[ALERT_TEXT_MAX];
	char silence_by[ALERT_WHO_MAX];
	char malformed[96];     /* why the record cannot be read; "" if fine */
};

/* The fields of alert:{id}, in the order alert_parse reads them. */
enum alert_field {
	AF_KIND, AF_SUBJECT, AF_SEVERITY, AF_TEXT, AF_FIRST_SEEN, AF_LAST_SEEN,
	AF_STATE, AF_RESOLVED_AT, AF_ACK_BY, AF_ACK_AT, AF_ACK_NOTE,
	AF_COUNT,
};
extern const char *const alert_field_names[AF_COUNT];

/*
 * Fills `a` from the values of alert:{id}'s fields (NULL: absent), in the
 * order of enum alert_field. Never fails: a record that does not validate
 * keeps what could be read and says why in a->malformed. Values are
 * copied through validate_sanitize.
 */
void alert_parse(struct alert *a, long long id, const char *const *v);

/*
 * A silence: `kind` with `subject` "*" silences every subject of it.
 * Whether it covers alert `a` at `now`.
 */
bool alert_silence_covers(const char *kind, const char *subject,
    long long until, const struct alert *a, long long now);

/* Whether `a` counts at `now`: active, acknowledged by nobody, not
 * silenced, and readable (a malformed record counts: it is a problem). */
bool alert_counts(const struct alert *a, long long now);

/* Monitoring Plugins states: the exit code of `mailnoc check`. */
enum check_state {
	CHECK_OK = 0,
	CHECK_WARNING = 1,
	CHECK_CRITICAL = 2,
	CHECK_UNKNOWN = 3,
};

const char *check_state_name(enum check_state s);
/* The worse of two: CRITICAL, WARNING, UNKNOWN, OK (the plugins' order). */
enum check_state check_state_worst(enum check_state a, enum check_state b);
/* A value against thresholds: >= critical is CRITICAL, >= warning is
 * WARNING; a threshold < 0 is not set. */
enum check_state check_threshold(long long v, long long warning,
    long long critical);

/*
 * Writes a perfdata label (Monitoring Plugins: quoted when it holds a
 * space or '=' , a quote doubled) into buf; returns buf.
 */
char *check_label(const char *label, char *buf, size_t len);

/* Where an alert stands for people: "MALFORMED", "resolved", "acked by
 * ann@host", "silenced 1h59m" or "new". */
void alert_state_text(const struct alert *a, long long now, char *buf,
    size_t len);

#endif
