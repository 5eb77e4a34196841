/* The log export for security personnel (mailnoc logs export): the query
 * checked, the remote command that reads a gateway's mail logs, the time
 * filter and the merge. No I/O. */
#ifndef MAILNOC_LOGEXPORT_H
#define MAILNOC_LOGEXPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/maillog_parse.h"

/* Longest --from/--to address accepted (RFC 5321's path). */
#define LOGEXPORT_ADDR_MAX 254
/* The fixed string the node's grep looks for, NUL included. */
#define LOGEXPORT_NEEDLE_MAX (LOGEXPORT_ADDR_MAX + 8)
/* What a node's stderr says when it could not read a log file. */
#define LOGEXPORT_MARK "mailnoc-export:"

enum logexport_by {
	LOGEXPORT_ALL,     /* every line of the period */
	LOGEXPORT_CLIENT,  /* --client IP: "[IP]" */
	LOGEXPORT_FROM,    /* --from ADDR: "from=<ADDR>" */
	LOGEXPORT_TO,      /* --to ADDR: "to=<ADDR>" */
};

struct logexport_query {
	long long since, until;   /* epoch seconds, both included */
	enum logexport_by by;
	char value[LOGEXPORT_ADDR_MAX + 1];   /* the IP (canonical) or address */
	char needle[LOGEXPORT_NEEDLE_MAX];    /* "" for LOGEXPORT_ALL */
};

/*
 * Parses a time for --since/--until: a duration back from `now` (30m, 2h,
 * 7d), "now", epoch seconds, or a date YYYY-MM-DD, YYYY-MM-DDTHH:MM or
 * YYYY-MM-DDTHH:MM:SS in local time (the mail log's), UTC with a
 * trailing Z. Returns 0 with *out set, or -1.
 */
int logexport_time(const char *s, long long now, long long *out);

/* What logexport_time accepts, to append to a refusal. */
#define LOGEXPORT_TIME_ACCEPTED \
	"give a duration back from now (30m, 2h, 7d), epoch seconds or a " \
	"local date YYYY-MM-DD[THH:MM[:SS]] (UTC with a trailing Z)"

/*
 * An address for --from/--to: local@domain, 1-254 printable characters
 * without spaces, quotes of any kind, <, >, or backslashes. Validator
 * style: NULL, or what is accepted.
 */
const char *logexport_check_addr(const char *s);

/*
 * Checks the options into q: `since` is required, `until` defaults to
 * now and must come after since; at most one of client, from and to
 * (NULL: not given). Returns 0, or -1 with `cause` set to one line naming
 * the option ("--client '10.0.0.0/8' is not accepted: ...").
 */
int logexport_query_make(const char *since, const char *until,
    const char *client, const char *from, const char *to, long long now,
    struct logexport_query *q, char *cause, size_t causelen);

/* "client 127.0.1.10", "sender a@b.test", "recipient ...", or "any client
 * or address". */
void logexport_query_what(const struct logexport_query *q, char *buf,
    size_t len);

/*
 * The command run on a gateway: finds its mail log (`file`, or with NULL
 * the instance's maillog_file from postconf -c `postfix_config`, else
 * /var/log/mail.log, as the agent's follower does), reads
 * it and its rotated siblings (FILE.N, FILE-DATE, and those with .gz,
 * decompressed; other names beside it are not read) last written at or after
 * q->since, and prints only the lines holding q->needle (grep -F -i, so
 * only matching lines travel). A file it cannot read is said on stderr
 * after LOGEXPORT_MARK. Every value is validated and shell-quoted.
 * Returns 0, or -1 with `cause` set.
 */
int logexport_command(const char *file, const char *postfix_config,
    const struct logexport_query *q, char *buf, size_t len, char *cause,
    size_t causelen);

/*
 * The time of a log line, read by the mail log parser (`p` keeps the
 * year guess). Returns 1 when it lies within the query's period, 0 when
 * outside it, -1 when the line has no time the parser reads. Sets *t.
 */
int logexport_keep(struct maillog_parser *p, const struct logexport_query *q,
    const char *line, size_t len, long long *t);

/* One exported line: its time, its gateway (an index) and its order
 * there, and the raw text (not NUL-terminated: len). */
struct logexport_line {
	long long time;
	unsigned node;
	size_t seq;
	char *text;
	size_t len;
};

/* Sorts by time; lines of one second keep their gateway's order, and
 * gateways come in index order. */
void logexport_sort(struct logexport_line *v, size_t n);

#endif
