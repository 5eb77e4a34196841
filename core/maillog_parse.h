/* One line of a Postfix mail log: what it says, parsed without allocating. */
#ifndef MAILNOC_MAILLOG_PARSE_H
#define MAILNOC_MAILLOG_PARSE_H

#include <stdbool.h>
#include <stddef.h>

/* Longest queue ID kept: short ones are 6-12 hex digits, long ones
 * (enable_long_queue_ids) about 15 characters of base 52. */
#define MAILLOG_QID_MAX		31
/* Longest address kept; a longer one is cut (rec.addr_cut). */
#define MAILLOG_ADDR_MAX	320
#define MAILLOG_DOMAIN_MAX	255
#define MAILLOG_IP_MAX		45
/* Longest line looked at; the rest of a longer line is ignored. */
#define MAILLOG_LINE_MAX	8192

enum maillog_kind {
	MAILLOG_SKIP,       /* not a Postfix line this parser counts */
	MAILLOG_BAD,        /* a Postfix line that is cut or malformed */
	MAILLOG_CONNECT,    /* smtpd: connect from NAME[IP] */
	MAILLOG_CLIENT,     /* smtpd: QID: client=NAME[IP] */
	MAILLOG_PICKUP,     /* pickup: QID: uid=N from=<...> */
	MAILLOG_REJECT,     /* smtpd: NOQUEUE|QID: reject: STAGE from ...;
	                       cleanup: QID: reject|milter-reject: ... */
	MAILLOG_MESSAGE_ID, /* cleanup: QID: message-id=<...> */
	MAILLOG_QUEUED,     /* qmgr: QID: from=<...>, size=N, nrcpt=N */
	MAILLOG_DELIVERY,   /* smtp/lmtp/local/virtual/...: QID: to=<...>,
	                       ... status=... */
	MAILLOG_BOUNCE,     /* bounce: QID: sender non-delivery notification:
	                       QID2 (rec.ref) */
	MAILLOG_EXPIRED,    /* qmgr: QID: from=<...>, status=expired, ... */
	MAILLOG_REMOVED,    /* qmgr: QID: removed (the message is gone) */
	MAILLOG_HOLD,       /* postsuper: QID: placed on hold; cleanup:
	                       QID: hold: ... */
	MAILLOG_RELEASE,    /* postsuper: QID: released from hold */
	MAILLOG_DELETE,     /* postsuper: QID: removed */
	MAILLOG_MILTER_FAIL, /* smtpd: warning: connect to Milter service
	                       ...; warning: milter ...: (the filter could
	                       not be asked in this session) */
	MAILLOG_FILTER_HOLD, /* cleanup: QID: milter-hold: STAGE from ...:
	                       milter triggers HOLD action; ... (the filter
	                       quarantined it; nothing else logs this) */
	MAILLOG_KINDS,
};

/* Why a recipient was rejected (the client counters' classes). */
enum maillog_reject {
	MAILLOG_REJ_UNKNOWN, /* unknown recipient: 5.1.1, "User unknown" */
	MAILLOG_REJ_RELAY,   /* "Relay access denied" */
	MAILLOG_REJ_POLICY,  /* a restriction: access map, policy service,
	                        client/sender/recipient/helo rejected */
	MAILLOG_REJ_RBL,     /* "blocked using" a DNS block list */
	MAILLOG_REJ_OTHER,
	MAILLOG_REJ_CLASSES,
};

enum maillog_status {
	MAILLOG_ST_NONE,
	MAILLOG_ST_SENT,
	MAILLOG_ST_DEFERRED,
	MAILLOG_ST_BOUNCED,
	MAILLOG_ST_EXPIRED,
	MAILLOG_ST_OTHER,    /* deliverable, undeliverable, ... (verify) */
};

/* What one line says. Strings are NUL-terminated copies; `reason` points
 * into the line passed to maillog_parse (not terminated: reasonlen). */
struct maillog_rec {
	enum maillog_kind kind;
	long long time;          /* epoch seconds of the line's timestamp */
	char daemon[16];         /* "smtpd", "qmgr", ... */
	long pid;                /* PROGRAM[PID], 0 when absent */
	char qid[MAILLOG_QID_MAX + 1];   /* "" for NOQUEUE and connect */
	char ip[MAILLOG_IP_MAX + 1];     /* client address, canonical */
	char addr[MAILLOG_ADDR_MAX + 1]; /* to= (delivery, reject), from= */
	bool addr_cut;
	char domain[MAILLOG_DOMAIN_MAX + 1]; /* of addr, lower case; "" */
	char dsn[16];            /* "5.1.1"; "" when absent */
	char ref[MAILLOG_QID_MAX + 1]; /* bounce: the notification's QID */
	int code;                /* reject: the SMTP code (550) */
	enum maillog_reject rclass;
	enum maillog_status status;
	long long delay_ms;      /* delivery: delay=, -1 when absent */
	long long size;          /* queued: size=, -1 */
	long nrcpt;              /* queued: nrcpt=, -1 */
	bool forwarded;          /* status=sent (... forwarded as ...) */
	const char *reason;      /* text in the (...) after status=, or the
	                            reject's text after the code */
	size_t reasonlen;
	const char *relay;       /* delivery: relay=, into the line; NULL */
	size_t relaylen;
	const char *host;        /* connect, client, reject: the client's
	                            name before [IP], into the line; NULL */
	size_t hostlen;
};

/* The parser's memory: the year of timestamps that carry none, and the
 * last day's start (mktime once per day, not per line). */
struct maillog_parser {
	long long now;           /* epoch seconds the year is guessed from */
	int year, mon;           /* of now, local time */
	int c_year, c_mon, c_day;
	long long c_epoch;       /* local midnight of the cached day */
	char ip_raw[64];         /* the last client address seen ... */
	char ip_canon[MAILLOG_IP_MAX + 1]; /* ... and its canonical form */
};

/* Starts a parser; timestamps without a year get now's year, or the year
 * before for a month after now's month (a log read in January). */
void maillog_parser_init(struct maillog_parser *p, long long now);

/*
 * Parses one line (len bytes, no newline needed; NUL bytes make it BAD).
 * Accepts the timestamps "Mmm dd HH:MM:SS" (syslog and Postfix's own
 * maillog_file) and RFC 3339 ("2026-12-05T00:46:34.123+00:00"), then a
 * host and "PROGRAM[PID]: " where PROGRAM ends in "/DAEMON" (postfix/smtpd,
 * postfix-gw1/qmgr, postfix/submission/smtpd). Fills r (r->kind always);
 * never fails: a line it cannot use is MAILLOG_SKIP or MAILLOG_BAD.
 */
void maillog_parse(struct maillog_parser *p, const char *line, size_t len,
    struct maillog_rec *r);

/* Classifies a reject's text (after the SMTP code), with its code and
 * enhanced status ("" when absent). */
enum maillog_reject maillog_reject_classify(const char *text, size_t len,
    const char *dsn);

/* "unknown", "relay", "policy", "rbl", "other". */
const char *maillog_reject_name(enum maillog_reject c);
/* "skip", "bad", "connect", "client", ... */
const char *maillog_kind_name(enum maillog_kind k);

#endif
