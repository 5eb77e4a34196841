/* Validation of untrusted strings: one place, one set of rules. */
#include "core/validate.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>

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

const char *
validate_ip(const char *s)
{
	unsigned char buf[16];

	if (strchr(s, '/') != NULL)
		return "only single addresses are accepted, not ranges";
	if (inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1)
		return NULL;
	return "use a single IPv4 or IPv6 address";
}

const char *
validate_host(const char *s)
{
	static const char accepted[] = "use a host name or an IP address";
	size_t i, len = strlen(s), label = 0;

	if (validate_ip(s) == NULL)
		return NULL;
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
	    "spaces, quotes, '*', '?' or '['";
	size_t i, len = strlen(s);

	if (len == 0 || len > 64)
		return accepted;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || strchr("'\"*?[]\\", c) != NULL)
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
