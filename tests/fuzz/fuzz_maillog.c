/* Fuzzes the mail log parser and the tally that joins its lines. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/maillog_parse.h"
#include "core/maillog_tally.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *
agency(void *arg, const char *ip)
{
	(void)arg;
	return ip[0] == '1' ? "a1" : NULL;
}

static const char *
group(void *arg, const char *domain)
{
	(void)arg;
	return domain[0] == 'y' ? "Y" : NULL;
}

static void
check_rec(const struct maillog_rec *r, const char *line, size_t len)
{
	if (r->kind < MAILLOG_SKIP || r->kind >= MAILLOG_KINDS ||
	    strlen(r->qid) > MAILLOG_QID_MAX ||
	    strlen(r->addr) > MAILLOG_ADDR_MAX ||
	    strlen(r->ip) > MAILLOG_IP_MAX ||
	    strlen(r->domain) > MAILLOG_DOMAIN_MAX ||
	    (unsigned)r->rclass >= MAILLOG_REJ_CLASSES)
		__builtin_trap();
	/* The reason lies inside the line. */
	if (r->reason != NULL && (r->reason < line ||
	    r->reason + r->reasonlen > line + len))
		__builtin_trap();
	/* A domain is lower case. */
	for (const char *d = r->domain; *d != '\0'; d++) {
		if (*d >= 'A' && *d <= 'Z')
			__builtin_trap();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;
	struct maillog_parser parser;
	struct maillog_limits lim;
	struct maillog_tally t;
	struct maillog_rec r;

	maillog_parser_init(&parser, 1796431594LL);
	maillog_limits_init(&lim);
	lim.max_open = 50;
	lim.harvest_threshold = 3;
	lim.max_clients = 20;
	maillog_tally_init(&t, "gw1", &lim, agency, group, NULL);
	while (p < end) {
		size_t len;
		char *line;

		nl = memchr(p, '\n', (size_t)(end - p));
		len = (size_t)((nl != NULL ? nl : end) - p);
		/* A copy of its own, so that a read past it is caught. */
		line = malloc(len + 1);
		memcpy(line, p, len);
		maillog_parse(&parser, line, len, &r);
		check_rec(&r, line, len);
		maillog_tally_add(&t, &r);
		free(line);
		if (maillog_tally_open(&t) > lim.max_open)
			__builtin_trap();
		p += len + (nl != NULL);
	}
	maillog_tally_clear(&t);
	maillog_tally_free(&t);
	return 0;
}
