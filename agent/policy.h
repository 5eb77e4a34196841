/* The Postfix SMTPD access policy delegation protocol: requests and answers. */
#ifndef MAILNOC_AGENT_POLICY_H
#define MAILNOC_AGENT_POLICY_H

#include <stdbool.h>
#include <stddef.h>

/* Longest attribute line accepted, without its newline. */
#define POLICY_LINE_MAX		2048
/* Most attribute lines accepted in one request, known or not. */
#define POLICY_ATTRS_MAX	100
/* Largest recipient_count or size taken (a terabyte); more is malformed. */
#define POLICY_COUNT_MAX	1000000000000LL
/* Longest action written by policy_format_action, without "action=". */
#define POLICY_ACTION_MAX	512

/*
 * One request. Each string is NULL when the attribute was absent; the
 * strings belong to the request (policy_request_free). Attributes this
 * parser does not know are accepted and ignored, as the protocol asks, and
 * count towards POLICY_ATTRS_MAX. recipient_count and size are -1 when
 * absent.
 *
 * A malformed request has `malformed` set and `cause` says why (the first
 * problem found); its other fields hold what was parsed and must not be
 * trusted. It is still one request and gets one answer.
 */
struct policy_request {
	char		*request;	/* "smtpd_access_policy" */
	char		*protocol_state; /* CONNECT, RCPT, DATA, END-OF-MESSAGE, … */
	char		*protocol_name;	/* SMTP or ESMTP */
	char		*helo_name;
	char		*queue_id;
	char		*sender;
	char		*recipient;
	char		*client_address; /* checked, canonical (validate_ip_canon) */
	char		*client_name;
	char		*reverse_client_name;
	char		*instance;	/* same value for every state of a message */
	char		*sasl_method;
	char		*sasl_username;
	char		*sasl_sender;
	char		*encryption_protocol;
	char		*policy_context; /* from check_policy_service {…} */
	long long	 recipient_count;
	long long	 size;

	size_t		 nattrs;
	bool		 malformed;
	char		 cause[160];
};

/*
 * An incremental reader: bytes go in as they arrive, in chunks of any size,
 * and a request comes out at each empty line. Lines end with "\n"; a "\r"
 * before it is removed.
 */
struct policy_reader {
	char			line[POLICY_LINE_MAX + 1];
	size_t			len;
	bool			discarding; /* the rest of an over-long line */
	struct policy_request	req;        /* the request being read */
};

void	policy_reader_init(struct policy_reader *r);
/* Frees a partly read request; the reader may be initialized again. */
void	policy_reader_free(struct policy_reader *r);

/*
 * Reads from buf up to and including the empty line that ends a request.
 * Returns the number of bytes used. When a request is complete, *done is
 * set, *out receives it (free it with policy_request_free) and the reader
 * is ready for the next one; the caller feeds the bytes not used again.
 * Otherwise *done is false and all of buf was used: a request without its
 * empty line is incomplete, never answered. Never fails: problems make the
 * request malformed.
 */
size_t	policy_reader_feed(struct policy_reader *r, const char *buf,
	    size_t len, struct policy_request *out, bool *done);

/*
 * True while the reader holds part of a request: a line without its
 * newline, or attribute lines without the empty line that ends them.
 */
bool	policy_reader_busy(const struct policy_reader *r);

/*
 * Applies the limits of what Postfix can send to a parsed request: a
 * recipient_count above max_rcpts (Postfix's smtpd_recipient_limit bounds
 * it), or at END-OF-MESSAGE a size above max_size (message_size_limit),
 * makes it malformed, so that it is neither counted nor decided on. Before
 * END-OF-MESSAGE the size is the client's own SIZE= claim: one above
 * max_size is dropped (size -1), the request stays valid. A request that
 * is already malformed is left alone.
 */
void	policy_request_cap(struct policy_request *req, long long max_rcpts,
	    long long max_size);

/* The policy_context that marks Internet mail to our own domains. */
#define POLICY_CONTEXT_INBOUND	"inbound"

void	policy_request_init(struct policy_request *req);
/* True when the request carries policy_context=inbound. */
bool	policy_request_inbound(const struct policy_request *req);
void	policy_request_free(struct policy_request *req);

/*
 * Writes "action=ACTION\n\n" to buf. Returns the length written, or -1 with
 * `cause` set when the action is empty, longer than POLICY_ACTION_MAX,
 * holds a control character (which would break the protocol) or does not
 * fit in size.
 */
int	policy_format_action(char *buf, size_t size, const char *action,
	    char *cause, size_t causelen);

#endif
