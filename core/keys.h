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
#define KEY_BLOCK       "block:%s"       /* HASH per blocked IP */
#define KEY_BLOCKS      "blocks"         /* ZSET ip -> until */
#define KEY_PERMIT      "permit"         /* HASH ip -> agency */
#define KEY_AGENCY      "agency:%s"      /* HASH per agency */
#define KEY_AGENCIES    "agencies"       /* SET of agency ids */
#define KEY_VOL_MINUTE  "vol:m:%lld"     /* HASH agency|metric -> n */
#define KEY_VOL_HOUR    "vol:h:%lld"     /* HASH agency|metric -> n */

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
#define NF_VERSION      "version"        /* mailnocd version */
#define NF_MTA_VERSION  "mta_version"    /* Postfix or Dovecot version */
#define NF_INTERVAL     "interval"       /* heartbeat interval, seconds */
#define NF_UPDATED_AT   "updated_at"     /* epoch seconds of the heartbeat */
#define NF_DRAIN        "drain"          /* "1" when the console drains it */

/* Fields of an events entry. */
#define EV_TYPE         "type"           /* role_change | drain | undrain | block | unblock */
#define EV_NODE         "node"
#define EV_CLUSTER      "cluster"
#define EV_FROM         "from"
#define EV_TO           "to"
#define EV_AT           "at"             /* epoch seconds */
#define EV_DETAIL       "detail"

/* How many entries the events stream keeps (XADD MAXLEN ~). */
#define EVENTS_MAXLEN   10000

#endif
