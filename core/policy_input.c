/* Checks of client IPs, free text and counts typed for blocks and permits. */
#include "core/policy_input.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/validate.h"

static int
is_range_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F') || c == '.' || c == ':' || c == '-' ||
	    c == ' ';
}

const char *
policy_input_ip(const char *s, char *out, size_t len)
{
	static const char accepted[] = "use a single IPv4 or IPv6 address, "
	    "such as 192.0.2.10 or 2001:db8::10";
	unsigned char a[16];
	size_t i, n = strlen(s);

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
		if (memcmp(a, "\0\0\0\0", 4) == 0)
			return "0.0.0.0 is not a client address";
		if (inet_ntop(AF_INET, a, out, (socklen_t)len) == NULL)
			return accepted;
		return NULL;
	}
	if (inet_pton(AF_INET6, s, a) == 1) {
		static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0,
			0, 0, 0, 0xff, 0xff };
		static const unsigned char zero[16] = { 0 };

		if (memcmp(a, zero, 16) == 0)
			return ":: is not a client address";
		/* Postfix names an IPv4 client in IPv4 form. */
		if (memcmp(a, mapped, 12) == 0) {
			if (inet_ntop(AF_INET, a + 12, out, (socklen_t)len) ==
			    NULL)
				return accepted;
			return NULL;
		}
		if (inet_ntop(AF_INET6, a, out, (socklen_t)len) == NULL)
			return accepted;
		return NULL;
	}
	for (i = 0; i < n && is_range_char((unsigned char)s[i]); i++)
		;
	if (i < n && strchr(s, ':') == NULL && validate_host(s) == NULL)
		return "host names are not accepted; give the client's IP "
		       "address";
	return accepted;
}

/* Length of the UTF-8 character at s (1-4), or 0 when it is not one. */
static size_t
utf8_char(const unsigned char *s)
{
	size_t n, i;
	unsigned long c;

	if (s[0] < 0x80)
		return 1;
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
	/* C1 controls. */
	if (c >= 0x80 && c < 0xa0)
		return 0;
	return n;
}

const char *
policy_input_text(const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	if (*p == '\0')
		return "it is empty";
	if (strlen(s) > max)
		return max == POLICY_TEXT_MAX ? "it is longer than 200 "
		    "characters" : "it is too long";
	while (*p != '\0') {
		if (*p < 0x20 || *p == 0x7f)
			return "control characters (tabs, new lines, escapes) "
			       "are not accepted";
		if ((n = utf8_char(p)) == 0)
			return "it is not valid UTF-8 text";
		p += n;
	}
	return NULL;
}

int
policy_input_number(const char *s, long long min, long long max,
    long long *out)
{
	long long v;
	char *end;

	if ((*s < '0' || *s > '9') && *s != '-')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

char *
policy_input_sanitize(char *dst, size_t len, const char *src)
{
	const unsigned char *p = (const unsigned char *)src;
	size_t o = 0, n;

	if (len == 0)
		return dst;
	while (*p != '\0') {
		if (*p < 0x20 || *p == 0x7f || (n = utf8_char(p)) == 0) {
			if (o + 1 >= len)
				break;
			dst[o++] = '?';
			p++;
			continue;
		}
		if (o + n >= len)
			break;
		memcpy(dst + o, p, n);
		o += n;
		p += n;
	}
	dst[o] = '\0';
	return dst;
}
