/* Checks of free text and counts typed for blocks, permits and agencies
 * (client IPs: validate_ip_canon in core/validate.c). */
#include "core/policy_input.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


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
