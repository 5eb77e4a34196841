/* Notices to agencies: templates with the facts filled in, and the mail
 * headers they go out with, safe from what the facts hold. */
#ifndef MAILNOC_NOTICE_H
#define MAILNOC_NOTICE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/queue.h"

/* What a notice is about: its template is templates/NAME.txt. */
enum notice_about {
	NOTICE_BLOCK,  /* "block": a relay IP of the agency is blocked */
	NOTICE_DELAY,  /* "delay": its mail waits in the deferred queues */
	NOTICE_BULK,   /* "bulk": a bulk mailing of it is slowed */
	NOTICE_NABOUT,
};

/* Every placeholder a template may use, defined once (notice.c). */
enum notice_fact {
	NF_AGENCY,      /* {agency}: its id */
	NF_NAME,        /* {name}: its name */
	NF_CONTACT,     /* {contact}: the address the notice goes to */
	NF_IP,          /* {ip}: the blocked address, or "-" */
	NF_SINCE,       /* {since}: when the block began (UTC) */
	NF_UNTIL,       /* {until}: when it ends, or "no end set" */
	NF_REASON,      /* {reason}: the block's reason */
	NF_DEFERRED,    /* {deferred}: its messages in the deferred queues */
	NF_OLDEST,      /* {oldest}: the age of the oldest of them */
	NF_ACTION,      /* {action}: what the agency should do */
	NF_NOW,         /* {now}: when the notice was written (UTC) */
	NF_FROM,        /* {from}: who sends the notice */
	NF_BULK,        /* {bulk}: its announced bulk job, or "none" */
	NOTICE_NFACTS,
};

#define NOTICE_LINE_MAX    998   /* RFC 5322's limit of a line */
#define NOTICE_SUBJECT_MAX 200
#define NOTICE_TEXT_MAX    8192  /* a whole template or notice */
#define NOTICE_ADDR_MAX    254
#define NOTICE_MSGID_MAX   128

/* A loaded template: its subject line and body, placeholders unfilled. */
struct notice_template {
	enum notice_about about;
	char subject[NOTICE_SUBJECT_MAX + 1];
	char body[NOTICE_TEXT_MAX];
};

/* The facts, each a string (NULL: "-"). */
struct notice_facts {
	const char *v[NOTICE_NFACTS];
};

/* A composed notice, ready for sendmail. */
struct notice {
	char to[NOTICE_ADDR_MAX + 1];
	char from[NOTICE_ADDR_MAX + 1];
	char subject[NOTICE_SUBJECT_MAX * 2];
	char message_id[NOTICE_MSGID_MAX];
	char body[NOTICE_TEXT_MAX * 2];
};

/* "block", "delay", "bulk"; notice_about_parse returns -1 for others. */
const char *notice_about_name(enum notice_about a);
int notice_about_parse(const char *s, enum notice_about *out);
/* The name of a placeholder, without braces: "ip". */
const char *notice_fact_name(enum notice_fact f);

/*
 * Parses a template's text, named `file` in messages: '#' lines are
 * comments, the first other line is "Subject: TEXT", a blank line, then
 * the body. {name} is a fact, {{ and }} are literal braces. Refuses an
 * unknown placeholder or a brace that closes none, naming the file and
 * line ("block.txt:7: unknown placeholder '{ipaddr}'; use {agency}, ..."),
 * a missing subject, a line longer than NOTICE_LINE_MAX, control
 * characters. Returns 0, or -1 with `cause` set.
 */
int notice_template_parse(const char *file, const char *text,
    enum notice_about about, struct notice_template *t, char *cause,
    size_t len);

/*
 * Reads DIR/NAME.txt for `about` from the first of `dirs` (ndirs of them)
 * that has it. Returns 0, or -1 with `cause` set (no directory has it, or
 * notice_template_parse refuses it).
 */
int notice_template_load(const char *const *dirs, size_t ndirs,
    enum notice_about about, struct notice_template *t, char *cause,
    size_t len);

/*
 * Fills `tmpl` (a checked template's subject or body) with the facts into
 * out: each value is inserted as it is, never expanded again, its control
 * characters (newlines too: a fact is one line) made visible; the
 * template's own newlines stay when `multiline` (the body). Returns the
 * length written (cut at len - 1).
 */
size_t notice_fill(const char *tmpl, const struct notice_facts *f,
    bool multiline, char *out, size_t len);

/*
 * A header value from text that came from outside (an agency's name, a
 * block's reason): CR, LF and every other control character become a
 * space, runs of spaces one, cut at `max` bytes on a character boundary.
 * No header can be added through it. Returns out.
 */
char *notice_header_value(const char *s, size_t max, char *out, size_t len);

/*
 * Finds the mail address in an agency's contact ("DMV IT <it@dmv.test>,
 * 555-0100", "it@dmv.test"): the first word with an '@' whose local part
 * and domain are plain (letters, digits, . _ % + - and a domain of
 * labels). Returns 0 with it in out, or -1 when there is none.
 */
int notice_contact_address(const char *contact, char *out, size_t len);

/*
 * Whether `s` is a plain mail address as notice_contact_address finds
 * them, and nothing more. Returns NULL, or what is accepted.
 */
const char *notice_address_check(const char *s);

/*
 * A Message-ID, "<TIME.RANDOM@DOMAIN>", from the time, `rnd` (random
 * bits) and the sender's domain. Returns out.
 */
char *notice_message_id(long long now, unsigned long long rnd,
    const char *from, char *out, size_t len);

/* Composes the whole notice from a template and facts. */
void notice_compose(const struct notice_template *t,
    const struct notice_facts *f, const char *to, const char *from,
    const char *message_id, struct notice *n);

/*
 * The message as sendmail reads it on stdin: From, To, Subject, Date,
 * Message-ID, MIME headers, a blank line, the body with CRLF-free lines.
 * Returns a new string (free it).
 */
char *notice_message(const struct notice *n, long long now);

/*
 * The agency's mail in the deferred queues of `qs`: messages whose
 * sender's domain is one of `domains` ("a.test,b.test"; a subdomain
 * counts). Sets *count and *oldest (arrival, 0: none).
 */
void notice_deferred(const struct queue_set *qs, const char *domains,
    long *count, long long *oldest);

/* The same, counting only messages that arrived at `before` or earlier. */
void notice_deferred_before(const struct queue_set *qs, const char *domains,
    long long before, long *count, long long *oldest);

#endif
