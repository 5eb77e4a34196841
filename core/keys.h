/* Redis key and field names: the contract between mailnocd and mailnoc.
 * Every key is the configured prefix (default "mailnoc:") followed by one of
 * these; docs/redis-schema.md documents them. */
#ifndef MAILNOC_KEYS_H
#define MAILNOC_KEYS_H

#define KEY_NODES       "nodes"          /* SET of node names */
#define KEY_NODE        "node:%s"        /* HASH, fields NF_* below */
#define KEY_NODE_ALIVE  "node:%s:alive"  /* STRING with EX: heartbeat */
#define KEY_EVENTS      "events"         /* STREAM, fields EV_* below */
#define KEY_AUDIT       "audit"          /* STREAM of console actions */
#define KEY_AUDIT_ID    "audit:id:%s"    /* STRING: a record's stream ID, set
                                          * when added (dedup of replays) */
#define KEY_BLOCK       "block:%s"       /* HASH per blocked IP */
#define KEY_BLOCKS      "blocks"         /* ZSET ip -> until */
#define KEY_PERMIT      "permit"         /* HASH ip -> agency */
#define KEY_AGENCY      "agency:%s"      /* HASH per agency */
#define KEY_AGENCIES    "agencies"       /* SET of agency ids */
#define KEY_VOL_MINUTE  "vol:m:%lld"     /* HASH agency|metric -> n */
#define KEY_VOL_HOUR    "vol:h:%lld"     /* HASH agency|metric -> n */
#define KEY_VOL_BULK    "vol:b:%lld"     /* HASH agency -> recipients in the
                                          * 9 minutes before this one (the
                                          * agents' cache, 180 s) */
#define KEY_PERMIT_INFO "permit:%s"      /* HASH per permitted IP, PF_* */
#define KEY_POLICY_VERSION "policy:version" /* STRING: a counter INCR'd in
                                          * every MULTI/EXEC that changes
                                          * blocks, permits or agencies: the
                                          * agents reload their copy when it
                                          * moves (agent/policy_copier.c) */
/* The gateways' mail log (agent/maillog.c): counters per scope (t totals,
 * c clients, a agencies, p providers), granularity (m minute, h hour,
 * d day) and bucket (epoch minute, hour or day); fields in
 * docs/redis-schema.md. Retention: as vol:m (minutes) and vol:h. */
#define KEY_LOG         "log:%s:%s:%lld" /* HASH field -> n */
#define KEY_LOG_POS     "log:pos:%s"     /* HASH per node: where its
                                          * follower stands (LP_*) */
#define KEY_SUSPECT     "suspect:%s"     /* HASH per harvest suspect IP */
#define KEY_SUSPECTS    "suspects"       /* ZSET ip -> last_seen */
#define KEY_ALERT       "alert:%lld"     /* HASH per alert, fields AF_* in
                                          * core/alert.c (alert_field_names) */
#define KEY_ALERTS      "alerts"         /* ZSET id -> last change, every
                                          * alert kept (resolved: 60 days) */
#define KEY_ALERTS_ACTIVE "alerts:active" /* HASH kind:subject -> id */
#define KEY_ALERTS_SEQ  "alerts:seq"     /* STRING: the last id given */
#define KEY_ALERTS_LEASE "alerts:lease"  /* STRING node EX: the agent that
                                          * evaluates the rules now */
#define KEY_SILENCE     "silence:%s:%s"  /* HASH kind, subject (or "*"),
                                          * SF_*; EXPIREAT its until */
#define KEY_SILENCES    "silences"       /* ZSET kind:subject -> until */
#define KEY_REP         "rep:%s"         /* HASH per gateway: the block-list
                                          * watch, fields IP|ZONE and RF_* */
#define KEY_REP_CHECK   "rep:check"      /* STRING: id of a forced check */
/* The gateways' filter (agent/filter_watch.c): what the controller said
 * (fields in core/filter.c, filter_field_names), per minute and hour
 * buckets of the counts (gran m or h, epoch minute or hour; retention as
 * vol:m and vol:h), and the messages the filter quarantined, recorded by
 * the mail log follower (field the queue ID, a JSON held record). */
#define KEY_FILTER      "filter:%s"      /* HASH per gateway */
#define KEY_FILTER_BUCKET "filter:%s:%s:%lld" /* HASH field -> n */
#define KEY_FILTER_HELD "filter:%s:held" /* HASH queue ID -> JSON */
#define KEY_ACL_PROBE   "acl-probe"      /* never exists: HDEL on it tells
                                            whether the ACL user may write */
#define KEY_BULK        "bulk:%lld"      /* HASH per announced bulk job,
                                          * fields BUF_* below */
#define KEY_BULKS       "bulks"          /* ZSET id -> end of its window */
#define KEY_BULKS_SEQ   "bulks:seq"      /* STRING: the last id given */
#define KEY_VOL_ANNOUNCED "vol:bulk:%lld" /* HASH: recipients counted in an
                                          * announcement's window (field
                                          * BUF_SENT), by the policy script */

/* Fields of block:{ip}. The hash has an EXPIRE at `until` when the block is
 * temporary, so an expired block is simply absent; the blocks ZSET holds the
 * same until as score (0 = permanent) and is cleaned of expired members
 * when the console writes a block (listing writes nothing). A block and its
 * index are written in one MULTI/EXEC. The agent only increments
 * hits/last_hit of a block that exists (atomically, in its script), so
 * counting never resurrects an expired block. */
#define BF_REASON       "reason"         /* free text, no control characters */
#define BF_WHO          "who"            /* user@host that blocked */
#define BF_SINCE        "since"          /* epoch seconds */
#define BF_UNTIL        "until"          /* epoch seconds, 0 = permanent */
#define BF_HITS         "hits"           /* requests refused by this block */
#define BF_LAST_HIT     "last_hit"       /* epoch seconds of the last one */

/* Fields of bulk:{id}: an announced bulk job (core/bulk.h). Written in
 * one MULTI/EXEC with its index and policy:version; EXPIREAT its end plus
 * BULK_KEEP_S. */
#define BUF_AGENCY      "agency"
#define BUF_START       "start"          /* epoch seconds */
#define BUF_END         "end"            /* epoch seconds, after start */
#define BUF_RCPTS       "rcpts"          /* announced recipients */
#define BUF_JOBS        "jobs"
#define BUF_SPACING     "spacing"        /* seconds between job starts */
#define BUF_NOTE        "note"
#define BUF_WHO         "who"            /* user@host that announced */
#define BUF_CREATED     "created"        /* epoch seconds */
#define BUF_SENT        "rcpts"          /* of vol:bulk:{id} */

/* Fields of silence:{kind}:{subject}. */
#define SF_UNTIL        "until"          /* epoch seconds */
#define SF_WHY          "why"
#define SF_WHO          "who"
#define SF_SINCE        "since"

/* How long a resolved alert is kept: 60 days, as the audit. */
#define ALERT_KEEP_S    (60LL * 86400)

/* Fields of permit:{ip} (the permit HASH ip -> agency decides; this one
 * describes). */
#define PF_APP          "app"            /* application or device */
#define PF_EXPECTED     "expected"       /* expected messages per day */
#define PF_WHO          "who"
#define PF_SINCE        "since"

/* Fields of agency:{id}. Absent or 0 limit = no limit; bulk_rcpts absent =
 * the guidance's 1,000 recipients per 10 minutes, -1 = no bulk limit. */
#define AF_NAME         "name"
#define AF_CONTACT      "contact"
#define AF_DAILY        "daily"          /* declared messages per day */
#define AF_MAX_RCPTS    "max_rcpts"      /* recipients per message */
#define AF_MAX_PER_MIN  "max_per_minute" /* messages per minute */
#define AF_BULK_RCPTS   "bulk_rcpts"     /* recipients per 10 minutes */
#define AF_DOMAINS      "domains"        /* sending domains, comma-separated
                                          * (the SPF check); absent: none */

/* Fields of rep:{node}, written only by that gateway's agent. Each
 * "IP|ZONE" field holds a JSON object (core/dnsbl.h, dnsbl_entry_json):
 * state listed|clear|unknown, since, checked, code, reason, error, failed,
 * ttl. Besides them, the last round: */
#define RF_ROUND_AT     "round_at"       /* epoch seconds it ended */
#define RF_ROUND_MS     "round_ms"       /* how long it took */
#define RF_ROUND_CPU_US "round_cpu_us"   /* the agent's CPU for it */
#define RF_QUERIES      "round_queries"  /* look-ups it made */
#define RF_CHECK_ID     "check_id"       /* the rep:check it answered */

/* Fields of node:{name}. Queue counts and ages are absent on mailbox nodes,
 * last_backup is absent on gateways. */
#define NF_ROLE         "role"           /* gateway | mailbox */
#define NF_CLUSTER      "cluster"
#define NF_STATE        "state"          /* active|standby|reserve|draining|down */
#define NF_Q_INCOMING   "q_incoming"
#define NF_Q_ACTIVE     "q_active"
#define NF_Q_DEFERRED   "q_deferred"
#define NF_Q_HOLD       "q_hold"
#define NF_Q_CORRUPT    "q_corrupt"
#define NF_OLDEST_AGE   "oldest_age"     /* seconds, oldest queued message */
#define NF_LOAD         "load1"          /* 1-minute load average */
#define NF_DISK_PCT     "disk_pct"       /* use of the queue/mail file system */
#define NF_LAST_BACKUP  "last_backup"    /* YYYY-MM-DD */
/* Mailbox nodes' backups (docs/configuration.md, "backups"): */
#define NF_BACKUP_DONE_AT   "backup_done_at"   /* the last good backup
                                          * completed, epoch seconds */
#define NF_BACKUP_BYTES     "backup_bytes"     /* its size (status file) */
#define NF_BACKUP_MAILBOXES "backup_mailboxes" /* mailboxes (status file) */
#define NF_BACKUP_RESULT    "backup_result"    /* ok | failed (status file) */
#define NF_BACKUP_GAPS      "backup_gaps"      /* nights missing */
#define NF_BACKUP_GAP       "backup_gap"       /* the newest one, YYYY-MM-DD */
#define NF_VERSION      "version"        /* mailnocd version */
#define NF_MTA_VERSION  "mta_version"    /* Postfix or Dovecot version */
#define NF_INTERVAL     "interval"       /* heartbeat interval, seconds */
#define NF_UPDATED_AT   "updated_at"     /* epoch seconds of the heartbeat */
#define NF_DRAIN        "drain"          /* "1" when the console drains it */
#define NF_POLICY       "policy"         /* gateways' policy service: where
                                          * its decisions come from: redis |
                                          * copy | fail-action */
#define NF_POLICY_COPY_AGE "policy_copy_age" /* seconds since its copy was
                                          * last confirmed against Redis */
#define NF_POLICY_COPY_DECISIONS "policy_copy_decisions" /* decisions made
                                          * from the copy since the start */
#define NF_LOG_AGE      "log_age"        /* seconds since the oldest kept
                                          * mail log file was written */
#define NF_Q_DOMAINS    "q_domains"      /* messages queued per recipient
                                          * domain and provider group
                                          * (core/queued.h's text) */
#define NF_ROLE_MBX     "role_mbx"       /* the active mailbox node: its
                                          * role mailboxes, "USER UNREAD
                                          * OLDEST,..." (core/role_mailbox.h) */
#define NF_AGENCY_DELAY "agency_delay"   /* gateways: agencies' mail deferred
                                          * past notify.delay_minutes, "ID
                                          * COUNT OLDEST,..." (the same form) */

/* Fields of suspect:{ip}: a client whose unknown-recipient rejects passed
 * the harvest threshold (maillog.harvest); kept 7 days after the last. */
#define SF_COUNT        "count"          /* unknown recipients counted */
#define SF_FIRST        "first_seen"     /* epoch seconds */
#define SF_LAST         "last_seen"      /* epoch seconds */
#define SF_NODE         "node"           /* gateway that saw the last */
#define SF_SAMPLE       "sample"         /* sample1..sample5: addresses */

/* Fields of an events entry. */
#define EV_TYPE         "type"           /* role_change | drain | undrain | block | unblock | extend | harvest | listed | delisted */
#define EV_NODE         "node"
#define EV_CLUSTER      "cluster"
#define EV_FROM         "from"
#define EV_TO           "to"
#define EV_AT           "at"             /* epoch seconds */
#define EV_DETAIL       "detail"

/* How many entries the events stream keeps (XADD MAXLEN ~). */
#define EVENTS_MAXLEN   10000

#endif
