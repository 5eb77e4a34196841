/* The Postfix SMTPD access policy delegation protocol: requests and answers. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/policy.h"
#include "core/validate.h"
#include "core/xalloc.h"

/* The attributes kept; every other name is accepted and ignored. */
static const struct {
	const char	*name;
	size_t		 offset;
} policy_attrs[] = {
	{ "request", offsetof(struct policy_request, request) },
	{ "protocol_state", offsetof(struct policy_request, protocol_state) },
	{ "protocol_name", offsetof(struct policy_request, protocol_name) },
	{ "helo_name", offsetof(struct policy_request, helo_name) },
	{ "queue_id", offsetof(struct policy_request, queue_id) },
	{ "sender", offsetof(struct policy_request, sender) },
	{ "recipient", offsetof(struct policy_request, recipient) },
	{ "client_address", offsetof(struct policy_request, client_address) },
	{ "client_name", offsetof(struct policy_request, client_name) },
	{ "reverse_client_name",
	  offsetof(struct policy_request, reverse_client_name) },
	{ "instance", offsetof(struct policy_request, instance) },
	{ "sasl_method", offsetof(struct policy_request, sasl_method) },
	{ "sasl_username", offsetof(struct policy_request, sasl_username) },
	{ "sasl_sender", offsetof(struct policy_request, sasl_sender) },
	{ "encryption_protocol",
	  offsetof(struct policy_request, encryption_protocol) },
	{ "policy_context", offsetof(struct policy_request, policy_context) },
};

#define POLICY_NATTRS (sizeof policy_attrs / sizeof policy_attrs[0])

static char **
policy_field(struct policy_request *req, size_t i)
{
	return (char **)((char *)req + policy_attrs[i].offset);
}

void
policy_request_init(struct policy_request *req)
{
	memset(req, 0, sizeof *req);
	req->recipient_count = -1;
	req->size = -1;
}

bool
policy_request_inbound(const struct policy_request *req)
{
	return req->policy_context != NULL &&
	    strcmp(req->policy_context, POLICY_CONTEXT_INBOUND) == 0;
}

void
policy_request_free(struct policy_request *req)
{
	size_t	i;

	for (i = 0; i < POLICY_NATTRS; i++)
		free(*policy_field(req, i));
	policy_request_init(req);
}

static void __attribute__((format(printf, 2, 3)))
policy_malformed(struct policy_request *req, const char *fmt, ...)
{
	va_list	ap;

	if (req->malformed)
		return;
	req->malformed = true;
	va_start(ap, fmt);
	vsnprintf(req->cause, sizeof req->cause, fmt, ap);
	va_end(ap);
}

/* Parses a count: digits only, no sign, no overflow. */
static int
policy_parse_count(const char *s, long long *out)
{
	char		*end;
	long long	 n;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	n = strtoll(s, &end, 10);
	/* Beyond any real message: sums of them cannot overflow. */
	if (errno != 0 || *end != '\0' || n > POLICY_COUNT_MAX)
		return -1;
	*out = n;
	return 0;
}

static void
policy_set_count(struct policy_request *req, const char *name,
    const char *value, long long *field)
{
	if (*field != -1) {
		policy_malformed(req, "attribute '%s' repeated", name);
		return;
	}
	if (policy_parse_count(value, field) != 0) {
		*field = -1;
		policy_malformed(req, "attribute '%s' is not a count", name);
	}
}

/* One complete line without its newline; line[len] is '\0'. */
static void
policy_parse_line(struct policy_request *req, char *line, size_t len)
{
	char	*eq, **field;
	size_t	 i;

	if (req->malformed)
		return;
	if (++req->nattrs > POLICY_ATTRS_MAX) {
		policy_malformed(req, "more than %d attributes", POLICY_ATTRS_MAX);
		return;
	}
	if (strlen(line) != len) {
		policy_malformed(req, "attribute line holds a NUL byte");
		return;
	}
	eq = strchr(line, '=');
	if (eq == NULL) {
		policy_malformed(req, "line without '=': '%.40s'", line);
		return;
	}
	if (eq == line) {
		policy_malformed(req, "attribute without a name");
		return;
	}
	*eq = '\0';

	if (strcmp(line, "recipient_count") == 0) {
		policy_set_count(req, line, eq + 1, &req->recipient_count);
		return;
	}
	if (strcmp(line, "size") == 0) {
		policy_set_count(req, line, eq + 1, &req->size);
		return;
	}
	for (i = 0; i < POLICY_NATTRS; i++) {
		if (strcmp(line, policy_attrs[i].name) != 0)
			continue;
		field = policy_field(req, i);
		if (*field != NULL) {
			policy_malformed(req, "attribute '%.40s' repeated",
			    line);
			return;
		}
		*field = xstrdup(eq + 1);
		return;
	}
}

/* The empty line: checks what a request needs. */
static void
policy_finish(struct policy_request *req)
{
	char		 canon[64];
	const char	*why;

	if (req->malformed)
		return;
	if (req->request == NULL) {
		policy_malformed(req, "no 'request' attribute");
		return;
	}
	if (strcmp(req->request, "smtpd_access_policy") != 0) {
		policy_malformed(req, "unknown request '%.40s'", req->request);
		return;
	}
	if (req->client_address == NULL) {
		policy_malformed(req, "no 'client_address' attribute");
		return;
	}
	if ((why = validate_ip_canon(req->client_address, canon,
	    sizeof canon)) != NULL) {
		policy_malformed(req, "invalid client_address '%.46s': %s",
		    req->client_address, why);
		return;
	}
	/* The form the console writes keys in: 2001:DB8::1 is 2001:db8::1,
	 * ::ffff:192.0.2.1 is 192.0.2.1. */
	if (strcmp(canon, req->client_address) != 0) {
		free(req->client_address);
		req->client_address = xstrdup(canon);
	}
}

void
policy_request_cap(struct policy_request *req, long long max_rcpts,
    long long max_size)
{
	bool	eom;

	if (req->malformed)
		return;
	if (req->recipient_count > max_rcpts) {
		policy_malformed(req, "recipient_count %lld is more than "
		    "Postfix sends (policy.max_recipient_count %lld)",
		    req->recipient_count, max_rcpts);
		return;
	}
	if (req->size <= max_size)
		return;
	eom = req->protocol_state != NULL &&
	    strcmp(req->protocol_state, "END-OF-MESSAGE") == 0;
	if (eom) {
		policy_malformed(req, "size %lld is more than Postfix accepts "
		    "(policy.max_message_size %lld)", req->size, max_size);
		return;
	}
	/* Before the end of the message, size is the client's SIZE= claim:
	 * not a reason to skip the permit check, and never counted. */
	req->size = -1;
}

bool
policy_reader_busy(const struct policy_reader *r)
{
	return r->len > 0 || r->discarding || r->req.nattrs > 0;
}

void
policy_reader_init(struct policy_reader *r)
{
	r->len = 0;
	r->discarding = false;
	policy_request_init(&r->req);
}

void
policy_reader_free(struct policy_reader *r)
{
	policy_request_free(&r->req);
	policy_reader_init(r);
}

size_t
policy_reader_feed(struct policy_reader *r, const char *buf, size_t len,
    struct policy_request *out, bool *done)
{
	size_t	 used = 0, n;

	*done = false;
	while (used < len) {
		const char	*nl;

		nl = memchr(buf + used, '\n', len - used);
		n = (nl != NULL ? (size_t)(nl - (buf + used)) : len - used);

		if (!r->discarding) {
			if (r->len + n > POLICY_LINE_MAX) {
				policy_malformed(&r->req, "attribute line "
				    "longer than %d bytes", POLICY_LINE_MAX);
				r->discarding = true;
				r->len = 0;
			} else {
				memcpy(r->line + r->len, buf + used, n);
				r->len += n;
			}
		}
		used += n;
		if (nl == NULL)
			break;
		used++;		/* the newline */

		if (r->discarding) {
			r->discarding = false;
			continue;
		}
		if (r->len > 0 && r->line[r->len - 1] == '\r')
			r->len--;
		r->line[r->len] = '\0';
		if (r->len > 0) {
			policy_parse_line(&r->req, r->line, r->len);
			r->len = 0;
			continue;
		}

		policy_finish(&r->req);
		*out = r->req;
		policy_request_init(&r->req);
		*done = true;
		break;
	}
	return used;
}

int
policy_format_action(char *buf, size_t size, const char *action, char *cause,
    size_t causelen)
{
	size_t	 i, alen = strlen(action);
	int	 n;

	if (alen == 0) {
		snprintf(cause, causelen, "cannot answer: empty action");
		return -1;
	}
	if (alen > POLICY_ACTION_MAX) {
		snprintf(cause, causelen, "cannot answer '%.20s…': action "
		    "longer than %d bytes", action, POLICY_ACTION_MAX);
		return -1;
	}
	for (i = 0; i < alen; i++) {
		unsigned char	c = (unsigned char)action[i];

		if (c < 0x20 || c == 0x7f) {
			snprintf(cause, causelen, "cannot answer '%.40s': "
			    "control character in the action", action);
			return -1;
		}
	}
	n = snprintf(buf, size, "action=%s\n\n", action);
	if (n < 0 || (size_t)n >= size) {
		snprintf(cause, causelen, "cannot answer '%.40s': buffer too "
		    "small", action);
		return -1;
	}
	return n;
}
