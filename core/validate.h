/* Validation of every string that crosses a trust boundary, done once where
 * it enters: configuration values, user input, replies from nodes. */
#ifndef MAILNOC_VALIDATE_H
#define MAILNOC_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Each validator returns NULL when the value is accepted, or a static string
 * that says what is accepted (to be appended to the caller's message).
 */

/* Node and cluster names: 1-32 of [A-Za-z0-9._-], starting alphanumeric. */
const char *validate_name(const char *s);
/* A host name (RFC 1123 labels) or an IPv4/IPv6 literal. */
const char *validate_host(const char *s);
/*
 * A single client address, IPv4 or IPv6; writes its canonical text form to
 * out (lower case, IPv6 compressed, IPv4-mapped IPv6 as plain IPv4), as
 * Postfix names clients. Ranges (CIDR, a-b), wildcards, host names, zone
 * indexes and the unspecified address are refused, each with its reason.
 */
const char *validate_ip_canon(const char *s, char *out, size_t len);
/* The same check without the canonical form. */
const char *validate_ip(const char *s);
/*
 * A DNS domain name as mailnoc is configured with it (a DNSBL zone, an
 * agency's sending domain): RFC 1123 labels of letters, digits and '-',
 * at least two labels, at most 253 bytes, no trailing dot, no spaces or
 * quotes.
 */
const char *validate_domain(const char *s);
/* A POSIX user name: 1-32 of [a-z0-9._-], not starting with '-' or '.'. */
const char *validate_user(const char *s);
/*
 * A mail user as the mailbox nodes' userdb names it: 1-64 letters, digits,
 * '.', '_', '-', '+' and '@', not starting with '-' or '.', without "..";
 * never '/', quotes, spaces or control characters.
 */
#define VALIDATE_MAIL_USER_MAX 64
const char *validate_mail_user(const char *s);
/* An absolute path without control characters, quotes or '..' parts. */
const char *validate_path(const char *s);
/* An environment variable name: [A-Za-z_][A-Za-z0-9_]*. */
const char *validate_env_name(const char *s);
/* The longest Postfix queue ID accepted. */
#define VALIDATE_QUEUE_ID_MAX 31

/*
 * A Postfix queue ID as postsuper and postqueue take it: the short form,
 * 6 or more upper-case hexadecimal digits (microseconds, then the inode
 * number), or the long form of enable_long_queue_ids (10 or more characters
 * of the 52-character alphabet of digits and consonants, a 'z', then the
 * inode number in that alphabet without 'z'). At most VALIDATE_QUEUE_ID_MAX
 * characters. The '*' and '!' marks of mailq listings are refused.
 */
const char *validate_queue_id(const char *s);

/* A Redis key prefix: 1-64 printable characters, no spaces or quotes. */
const char *validate_key_prefix(const char *s);

/* The longest free text (reasons, names, contacts, applications), bytes. */
#define VALIDATE_TEXT_MAX 200
/*
 * Free text: valid UTF-8, no control characters, no bidirectional or
 * zero-width controls, 1 to max bytes (empty is refused too). Returns NULL
 * or a static reason.
 */
const char *validate_text(const char *s, size_t max);
/*
 * Copies text from outside (Redis, a node, DNS, the environment) for a
 * terminal, JSON or a log: control characters and bytes that are not UTF-8
 * become visible escapes ("\x1b"), C1, bidirectional and zero-width
 * controls too ("\u202e"); a cut never splits a character or an escape;
 * src NULL is "", dst may be src. Returns dst.
 */
char *validate_sanitize(char *dst, size_t len, const char *src);
/*
 * The same for `len` bytes that may hold NULs (shown as "\\x00"), such as
 * a line of a queued message; tabs are kept as they are when keep_tabs.
 * Returns a new string (free it).
 */
char *validate_sanitize_mem(const char *src, size_t len, bool keep_tabs);

#endif
