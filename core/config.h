/* The configuration: where Redis and the nodes are and how to reach them. */
#ifndef MAILNOC_CONFIG_H
#define MAILNOC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define CONFIG_CAUSE_MAX 512

enum node_role {
	NODE_GATEWAY,
	NODE_MAILBOX,
};

struct config_endpoint {
	char *host;
	int port;
};

/*
 * A local TLS client tunnel to one Redis server: the master address
 * Sentinel announces (host as Sentinel writes it, port) is reached at
 * 127.0.0.1:local_port instead (docs/deploy.md, "Sentinel through the
 * tunnel").
 */
struct config_tunnel {
	char *host;
	int port;
	int local_port;
};

struct config_redis {
	char *host; /* NULL when Sentinel is used */
	int port;
	struct config_endpoint *sentinels;
	size_t nsentinels;
	char *master_name;
	struct config_tunnel *tunnels; /* with sentinels: none, or every master */
	size_t ntunnels;
	char *user; /* NULL: the default user */
	char *password_env;
	char *password_file;
	char *prefix;
	int connect_timeout_ms;
	int command_timeout_ms;
};

struct config_ssh {
	char *user;
	char *key_file; /* NULL: ssh-agent */
	bool agent;
	char *known_hosts;
	int connect_timeout_ms;
	int command_timeout_ms;
	int keepalive_s;
	int progress_timeout_s; /* a restore or drain with no progress ends */
	bool sudo;
};

/* Longest policy action accepted in the configuration (agent/policy.h). */
#define CONFIG_ACTION_MAX 512

/* Where a policy service listens: TCP host:port or a unix socket path. */
struct config_listen {
	char *text;  /* as written in the configuration */
	char *host;  /* IP literal to bind, NULL for a unix socket */
	int port;
	char *path;  /* unix socket path, NULL for TCP */
};

/* An address or a network: IPv4 is kept IPv4-mapped (::ffff:a.b.c.d). */
struct config_net {
	char *text;              /* as written in the configuration */
	unsigned char addr[16];  /* the bits after the prefix are zero */
	int bits;                /* prefix length, 0-128 (IPv4: 96 + n) */
};

/* A gateway's policy service (mailnocd as check_policy_service). */
struct config_policy {
	struct config_listen *listen;
	size_t nlisten;     /* 0: no policy service on this node */
	char *fail_action;   /* answer when Redis cannot be asked */
	char *accept_action; /* answer when no rule refuses */
	int max_clients;     /* concurrent connections */
	int redis_timeout_ms; /* a pass's wait for Redis, then fail_action */
	/* TCP peers that may connect; NULL: loopback and the gateways. */
	struct config_net *allow;
	size_t nallow;
	int max_clients_per_peer; /* TCP connections from one address */
	int idle_timeout_s;    /* no request for this long: closed */
	int request_timeout_s; /* a request or its answer stuck this long */
	long long max_recipient_count; /* more: not from Postfix, malformed */
	long long max_message_size;    /* bytes; more at END-OF-MESSAGE too */
	int copy_max_age_s;    /* the copy decides while younger; 0: no copy */
	int copy_reload_s;     /* the copy is read again at least this often */
};

/* A gateway's mail log follower (agent/maillog.c); docs/mailnocd.md. */
struct config_maillog_node {
	bool enabled;          /* the node has a "maillog" object */
	char *file;            /* NULL: the instance's maillog_file */
	char *state_dir;       /* where the read position is kept */
	bool from_start;       /* first start: read the file from the start */
	int batch_ms;          /* counters written at least this often */
	long long max_open;    /* messages followed at once */
	long long max_age_s;   /* a message silent this long is dropped */
	int warn_interval_s;   /* one warning per cause and interval */
	char *index;           /* the message index (SQLite) */
	int index_days;        /* its retention; 0: no index */
	char *index_group;     /* given read access to it; NULL: none */
};

/*
 * A gateway's spam and virus filter (rspamd): where its controller answers
 * (filter.controller, loopback HTTP) and how the agent asks it.
 */
struct config_filter {
	struct config_listen controller; /* host NULL: no filter watched */
	char *password_file;  /* the controller's password; NULL: none */
	int interval_s;       /* between polls; default 10 */
	int timeout_ms;       /* one request, at most; default 1000 */
};

struct config_node {
	char *name;
	enum node_role role;
	char *cluster;
	char *ssh_host;
	int ssh_port;
	char *postfix_config; /* gateways */
	char *dovecot_config; /* mailbox nodes; NULL: doveadm's default */
	char *backup_root;    /* mailbox nodes */
	char *role_file;      /* agent: file holding active/standby/reserve */
	char *role_command;   /* agent: command printing the role */
	struct config_policy policy;
	struct config_maillog_node maillog;
	/* agent: the Prometheus /metrics listener; host NULL: none. A bare
	 * port in the configuration binds 127.0.0.1. */
	struct config_listen metrics;
	/* Gateways: the addresses its mail leaves from (canonical text), for
	 * the block-list watch and the SPF check. */
	char **egress;
	size_t negress;
	/* Gateways: the filter the agent watches (filter). */
	struct config_filter filter;
};

/*
 * The remote commands of mailbox nodes (backends/mailbox.h), configurable
 * as templates under mailbox.templates. Each may use only its own
 * placeholders (config_mailbox_placeholders).
 */
enum config_mailbox_template {
	CONFIG_MBX_PROBE,          /* "probe" */
	CONFIG_MBX_RESTORE,        /* "restore" */
	CONFIG_MBX_PROBE_RESTORE,  /* "probe_restore" */
	CONFIG_MBX_STATUS,         /* "status" */
	CONFIG_MBX_NTEMPLATES,
};

/* Where the mailnocd package installs the restore script on a node. */
#define CONFIG_MBX_HELPER "/usr/lib/mailnoc/restore-mailbox"

struct config_mailbox {
	char *templates[CONFIG_MBX_NTEMPLATES]; /* NULL: the Dovecot default */
	char *helper;            /* {helper}: the nodes' restore script */
	int restore_timeout_s;                  /* one import, at most */
	/* The role mailboxes the active mailbox node's agent watches
	 * (mailbox.roles; default abuse and postmaster), and how long the
	 * oldest unread may wait before it is an alert. */
	char **roles;
	size_t nroles;
	int role_unread_limit_s;
};

struct config_ui {
	char *theme;
	int refresh_ms;
	bool read_only;
	char *time_zone;  /* ui.time_zone: NULL for "local", "UTC", a tz name */
};

/* The resolver the console and the agent ask (dns.resolver). */
struct config_dns {
	char *resolver;   /* "IP" or "IP@PORT"; NULL: the system's */
	char *host;       /* its address, NULL with resolver */
	int port;         /* 53 unless given */
	int timeout_ms;   /* one round of look-ups, at most */
};

/* The nightly backups watched on mailbox nodes (backups). */
struct config_backups {
	int max_age_s;        /* the last good backup older: alert; 26 h */
	int gap_days;         /* nights checked for gaps; 28, 0: none */
	char *status_file;    /* the tool's status file, a name in each
	                         node's backup_root; NULL: none */
	char *status_format;  /* "keyvalue" (core/backup.h) */
};

/* The block-list watch (dnsbl): zones looked up for every egress address. */
#define CONFIG_DNSBL_ZONES_MAX 64
struct config_dnsbl {
	char **zones;     /* domain names, no trailing dot */
	size_t nzones;    /* 0: no watch */
	int interval_s;   /* between rounds; default 600 */
};

struct config_audit {
	bool required; /* refuse a change whose started record is lost */
};

/* The alert rules' thresholds (the top-level "alerts"). */
struct config_alerts {
	long throttled_messages; /* a provider with this many messages
	                            deferred for throttling on the gateways
	                            now raises provider-throttled (10) */
};

/* A recipient domain of a provider group ("yahoo.test" -> "Yahoo"). */
struct config_provider {
	char *domain; /* lower case */
	char *group;
};

/* What every gateway's log follower shares (the top-level "maillog"). */
struct config_maillog {
	struct config_provider *providers;
	size_t nproviders;
	int harvest_threshold;   /* unknown recipients from one client ... */
	int harvest_window_s;    /* ... within this many seconds: a suspect */
	bool auto_block;         /* block a suspect at once */
	long long block_s;       /* how long; 0 = permanently */
	int invalid_warn_pct;    /* the console shows an agency's invalid
	                            addresses red over this share (5) */
	char *mailnocd;          /* the agent's path on the gateways, for
	                            mailnoc trace */
};

/* Notices to agencies (mailnoc notify; docs/templates.md). */
struct config_notify {
	char *from;          /* the sender agencies reply to; NULL: not set,
	                        no notice can be sent */
	char *gateway;       /* the gateway whose sendmail sends; NULL: the
	                        first gateway */
	char *templates;     /* a directory tried before the installed one;
	                        NULL: none */
	int delay_messages;  /* a substantial delay: more messages than this */
	int delay_minutes;   /* deferred for longer than this */
};

struct config {
	char *path;
	struct config_redis redis;
	struct config_ssh ssh;
	struct config_node *nodes;
	size_t nnodes;
	struct config_mailbox mailbox;
	struct config_ui ui;
	struct config_audit audit;
	struct config_maillog maillog;
	struct config_dns dns;
	struct config_dnsbl dnsbl;
	struct config_backups backups;
	struct config_alerts alerts;
	struct config_notify notify;
};

/*
 * Finds the configuration file: `option` (from --config) if given, then
 * $MAILNOC_CONFIG, ~/.config/mailnoc/config.json, /etc/mailnoc/config.json.
 * Returns 0 with the path in `path`, or -1 with `cause` set.
 */
int config_find(const char *option, char *path, size_t pathlen, char *cause,
    size_t causelen);

/*
 * Loads and validates the file at `path`. Returns the configuration, or NULL
 * with `cause` set to one line: "FILE:LINE:COL: what" for JSON syntax errors,
 * "FILE: KEY.PATH: what is wrong; what is accepted" for everything else.
 */
struct config *config_load(const char *path, char *cause, size_t causelen);

void config_free(struct config *cfg);

/* Returns the node called `name`, or NULL. */
const struct config_node *config_node_find(const struct config *cfg,
    const char *name);

const char *config_role_name(enum node_role role);

/* The provider group of a recipient domain (lower case), or NULL. */
const char *config_provider_group(const struct config *cfg,
    const char *domain);

/* The key of a mailbox template ("probe", "restore", ...). */
const char *config_mailbox_template_name(enum config_mailbox_template t);

/*
 * The placeholders a mailbox template may use, NULL-terminated: probe
 * {config} {root} {user}; restore {config} {root} {user} {backup} {date}
 * {folder}; probe_restore {config} {root} {user} {from} {to}; status
 * {config} {user} {folder}.
 */
const char *const *config_mailbox_placeholders(enum config_mailbox_template t);

/*
 * Parses a policy listen address: "IPv4:port", "[IPv6]:port" (IP literals
 * only, port 1-65535) or an absolute path for a unix socket (shorter than
 * a sockaddr_un path). Fills `l` (free with config_listen_free). Returns 0,
 * or -1 with `cause` saying what is accepted.
 */
int config_listen_parse(const char *s, struct config_listen *l, char *cause,
    size_t causelen);
void config_listen_free(struct config_listen *l);

/*
 * Checks a configured policy action: a Postfix access(5) action this
 * service may answer (OK, DUNNO, REJECT, DEFER, DEFER_IF_PERMIT,
 * DEFER_IF_REJECT, WARN, INFO, HOLD, DISCARD, or a 4NN/5NN code), optional
 * text after a space, at most CONFIG_ACTION_MAX bytes, no control
 * characters. Returns NULL when accepted, or what is accepted.
 */
const char *config_policy_action_check(const char *s);

/*
 * Parses an entry of policy.allow: an IPv4 or IPv6 address, or a network
 * written ADDRESS/BITS with no bits set after the prefix. Returns 0, or -1
 * with `cause` set. config_net_free frees what a successful parse holds.
 */
int config_net_parse(const char *s, struct config_net *n, char *cause,
    size_t causelen);
void config_net_free(struct config_net *n);

/* True when addr (16 bytes, IPv4 mapped) is in n. */
bool config_net_match(const struct config_net *n, const unsigned char *addr);

/*
 * Reads the Redis password from the configured environment variable or file.
 * Returns 1 with the password in `buf`, 0 when none is configured, or -1
 * with `cause` set.
 */
int config_redis_password(const struct config *cfg, char *buf, size_t len,
    char *cause, size_t causelen);

#endif
