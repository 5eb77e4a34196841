/* Validation of untrusted strings: one place, one set of rules. */
#include "core/validate.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

static int
is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

const char *
validate_name(const char *s)
{
	static const char accepted[] = "use 1-32 letters, digits, '.', '_' "
	    "or '-', starting with a letter or digit";
	size_t i, len = strlen(s);

	if (len == 0 || len > 32 || !is_alnum((unsigned char)s[0]))
		return accepted;
	for (i = 0; i < len; i++) {
		if (!is_alnum((unsigned char)s[i]) && strchr("._-", s[i]) == NULL)
			return accepted;
	}
	return NULL;
}

/* RFC 1123 labels: NULL when s is a host name, else the reason. */
static const char *
validate_hostname(const char *s)
{
	static const char accepted[] = "use a host name or an IP address";
	size_t i, len = strlen(s), label = 0;

	if (len == 0 || len > 253)
		return accepted;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return accepted;
			label = 0;
			continue;
		}
		if (!is_alnum(c) && c != '-')
			return accepted;
		if (c == '-' && label == 0)
			return accepted;
		if (++label > 63)
			return accepted;
	}
	if (label == 0 || s[len - 1] == '-')
		return accepted;
	return NULL;
}

const char *
validate_domain(const char *s)
{
	size_t len = strlen(s);

	if (len > 0 && s[len - 1] == '.')
		return "write the name without the trailing dot";
	if (strpbrk(s, " \t\"'") != NULL)
		return "spaces and quotes are not accepted; use a domain name "
		       "such as bl.example.org";
	if (validate_hostname(s) != NULL || strchr(s, '.') == NULL)
		return "use a domain name of two or more labels of letters, "
		       "digits and '-', such as bl.example.org";
	return NULL;
}

const char *
validate_ip_canon(const char *s, char *out, size_t len)
{
	static const char accepted[] = "use a single IPv4 or IPv6 address, "
	    "such as 192.0.2.10 or 2001:db8::10";
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0xff, 0xff };
	static const unsigned char zero[16] = { 0 };
	unsigned char a[16];
	size_t n = strlen(s);

	if (n == 0)
		return accepted;
	if (strchr(s, '/') != NULL)
		return "only single addresses are accepted, not ranges (CIDR "
		       "prefixes); give each address";
	if (strchr(s, '*') != NULL || strchr(s, '?') != NULL)
		return "only single addresses are accepted, not wildcards; "
		       "give each address";
	if (strchr(s, '%') != NULL)
		return "an address with a zone index ('%...') is a link-local "
		       "address, not a relay client; give a global address";
	if (strchr(s, '-') != NULL && strspn(s, "0123456789abcdefABCDEF.:- ")
	    == n)
		return "only single addresses are accepted, not ranges; give "
		       "each address";
	if (inet_pton(AF_INET, s, a) == 1) {
		if (memcmp(a, zero, 4) == 0)
			return "0.0.0.0 is not a client address";
		return inet_ntop(AF_INET, a, out, (socklen_t)len) == NULL ?
		    accepted : NULL;
	}
	if (inet_pton(AF_INET6, s, a) == 1) {
		if (memcmp(a, zero, 16) == 0)
			return ":: is not a client address";
		/* Postfix names an IPv4 client in IPv4 form. */
		if (memcmp(a, mapped, 12) == 0 && memcmp(a + 12, zero, 4) == 0)
			return "0.0.0.0 is not a client address";
		if (memcmp(a, mapped, 12) == 0)
			return inet_ntop(AF_INET, a + 12, out,
			    (socklen_t)len) == NULL ? accepted : NULL;
		return inet_ntop(AF_INET6, a, out, (socklen_t)len) == NULL ?
		    accepted : NULL;
	}
	if (strchr(s, ':') == NULL &&
	    strspn(s, "0123456789.") != n && validate_hostname(s) == NULL)
		return "host names are not accepted; give the client's IP "
		       "address";
	return accepted;
}

const char *
validate_ip(const char *s)
{
	char buf[INET6_ADDRSTRLEN];

	return validate_ip_canon(s, buf, sizeof buf);
}

const char *
validate_host(const char *s)
{
	char buf[INET6_ADDRSTRLEN];
	unsigned char a[16];

	/* Any literal address is a host to connect to (:: and 0.0.0.0 too). */
	if (validate_ip_canon(s, buf, sizeof buf) == NULL ||
	    inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1)
		return NULL;
	return validate_hostname(s);
}

const char *
validate_user(const char *s)
{
	static const char accepted[] = "use 1-32 lower-case letters, digits, "
	    "'.', '_' or '-', not starting with '-' or '.'";
	size_t i, len = strlen(s);

	if (len == 0 || len > 32 || s[0] == '-' || s[0] == '.')
		return accepted;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == '-'))
			return accepted;
	}
	return NULL;
}

const char *
validate_mail_user(const char *s)
{
	static const char accepted[] = "use 1-64 letters, digits, '.', '_', "
	    "'-', '+' or '@', not starting with '-' or '.', without '..'";
	size_t i, len = strlen(s);

	if (len == 0 || len > VALIDATE_MAIL_USER_MAX || s[0] == '-' ||
	    s[0] == '.' || strstr(s, "..") != NULL)
		return accepted;
	for (i = 0; i < len; i++) {
		if (!is_alnum((unsigned char)s[i]) &&
		    strchr("._-+@", s[i]) == NULL)
			return accepted;
	}
	return NULL;
}

const char *
validate_path(const char *s)
{
	const char *p;
	size_t len;

	if (s[0] != '/')
		return "use an absolute path";
	if (strlen(s) > 1024)
		return "use a path of at most 1024 characters";
	for (p = s; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20 || c == 0x7f || c == '\'' || c == '"' || c == '`' ||
		    c == '\\' || c == '$')
			return "use a path without control characters, quotes, "
			       "'\\', '`' or '$'";
	}
	len = strlen(s);
	if (strstr(s, "/../") != NULL || (len >= 3 && strcmp(s + len - 3, "/..") == 0))
		return "use a path without '..' parts";
	return NULL;
}

const char *
validate_env_name(const char *s)
{
	static const char accepted[] = "use letters, digits and '_', not "
	    "starting with a digit";
	size_t i;

	if (s[0] == '\0' || isdigit((unsigned char)s[0]))
		return accepted;
	for (i = 0; s[i] != '\0'; i++) {
		if (!is_alnum((unsigned char)s[i]) && s[i] != '_')
			return accepted;
	}
	return NULL;
}

const char *
validate_key_prefix(const char *s)
{
	static const char accepted[] = "use 1-64 printable characters without "
	    "spaces, quotes, '*', '?', '[', '(', ')', '%', '~' or '&' (the "
	    "prefix goes into glob patterns and ACL selectors)";
	size_t i, len = strlen(s);

	if (len == 0 || len > 64)
		return accepted;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || strchr("'\"*?[]\\()%~&", c) != NULL)
			return accepted;
	}
	return NULL;
}

/* Digits and consonants: Postfix's "safe" alphabet for long queue IDs. */
static int
queue_id_safe(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return 1;
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
		return strchr("AEIOUaeiou", c) == NULL;
	return 0;
}

const char *
validate_queue_id(const char *s)
{
	size_t i, len = strlen(s), sep;

	if (len > 0 && (s[len - 1] == '*' || s[len - 1] == '!'))
		return "leave out the '*' or '!' that mailq shows after the "
		       "queue ID";
	if (len >= 6 && len <= VALIDATE_QUEUE_ID_MAX &&
	    strspn(s, "0123456789ABCDEF") == len)
		return NULL;
	/* Long form: the inode separator is the last 'z', after 10 or more
	 * characters of time; the inode part is base 51, so it has no 'z'. */
	if (len <= VALIDATE_QUEUE_ID_MAX) {
		for (sep = len; sep > 0 && s[sep - 1] != 'z'; sep--)
			;
		if (sep > 10 && sep < len) {
			for (i = 0; i < len; i++) {
				if (i != sep - 1 &&
				    !queue_id_safe((unsigned char)s[i]))
					break;
			}
			if (i == len)
				return NULL;
		}
	}
	return "use a Postfix queue ID: 6 or more upper-case hexadecimal "
	       "digits (such as 4F1A52C3D9) or a long queue ID (such as "
	       "3Pt2mN2VXxznjll)";
}

/*
 * Length of the UTF-8 character at s (1-4), or 0 when it is not one; its
 * code point in *cp. C1 controls are characters here: callers decide.
 */
static size_t
utf8_decode(const unsigned char *s, unsigned long *cp)
{
	size_t n, i;
	unsigned long c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		c = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		c = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and beyond U+10FFFF are not text. */
	if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) ||
	    (n == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/*
 * Characters that change how the text around them reads without showing
 * themselves: C1 controls, the bidirectional controls (U+202E turns
 * "gpj.exe" into "exe.jpg") and the zero-width ones (an address with a
 * U+200B in it looks like another).
 */
static bool
utf8_invisible(unsigned long c)
{
	return (c >= 0x80 && c < 0xa0) || c == 0x061c || c == 0x180e ||
	    (c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) ||
	    (c >= 0x2060 && c <= 0x2064) || (c >= 0x2066 && c <= 0x2069) ||
	    c == 0xfeff;
}

/* Length of the visible UTF-8 character at s (1-4), or 0. */
static size_t
utf8_char(const unsigned char *s)
{
	unsigned long c;
	size_t n;

	if ((n = utf8_decode(s, &c)) == 0 || utf8_invisible(c))
		return 0;
	return n;
}

const char *
validate_text(const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	if (*p == '\0')
		return "it is empty";
	if (strlen(s) > max)
		return max == VALIDATE_TEXT_MAX ? "it is longer than 200 "
		    "characters" : "it is too long";
	while (*p != '\0') {
		if (*p < 0x20 || *p == 0x7f)
			return "control characters (tabs, new lines, escapes) "
			       "are not accepted";
		if ((n = utf8_char(p)) == 0) {
			unsigned long c;

			return utf8_decode(p, &c) == 0 ? "it is not valid "
			    "UTF-8 text" : "invisible characters (bidirectional "
			    "and zero-width controls) are not accepted";
		}
		p += n;
	}
	return NULL;
}

char *
validate_sanitize(char *dst, size_t len, const char *src)
{
	const unsigned char *p;
	char esc[12], *copy = NULL;
	unsigned long c;
	size_t o = 0, n, e;

	if (len == 0)
		return dst;
	/* Escapes are longer than what they stand for: never overtake src. */
	if (src != NULL && dst == src)
		src = copy = xstrdup(src);
	p = (const unsigned char *)(src != NULL ? src : "");
	while (*p != '\0') {
		if ((n = utf8_decode(p, &c)) == 0 || c < 0x20 || c == 0x7f) {
			e = (size_t)snprintf(esc, sizeof esc, "\\x%02x", *p);
			n = 1;
		} else if (utf8_invisible(c))
			e = (size_t)snprintf(esc, sizeof esc, "\\u%04lx", c);
		else
			e = 0;
		if (o + (e > 0 ? e : n) >= len)
			break;
		if (e > 0)
			memcpy(dst + o, esc, e);
		else
			memcpy(dst + o, p, n);
		o += e > 0 ? e : n;
		p += n;
	}
	dst[o] = '\0';
	free(copy);
	return dst;
}

char *
validate_sanitize_mem(const char *src, size_t len, bool keep_tabs)
{
	size_t cap = len * 6 + 1, off = 0, o = 0, n;
	char *out = xmalloc(cap), *seg = xmalloc(len + 1);

	/* Cut at NULs (and tabs, when kept) that the string form cannot hold. */
	while (off <= len) {
		for (n = 0; off + n < len && src[off + n] != '\0' &&
		     !(keep_tabs && src[off + n] == '\t'); n++)
			;
		memcpy(seg, src + off, n);
		seg[n] = '\0';
		validate_sanitize(out + o, cap - o, seg);
		o += strlen(out + o);
		if (off + n < len && o + 5 < cap) {
			if (src[off + n] == '\t')
				out[o++] = '\t';
			else
				o += (size_t)snprintf(out + o, cap - o, "\\x00");
		}
		off += n + 1;
	}
	out[o] = '\0';
	free(seg);
	return out;
}
