/* SPF checks of the agencies' sending domains with libspf2, its DNS asked
 * through libunbound at the configured resolver (backends/dns.h). */
#ifndef MAILNOC_SPF_H
#define MAILNOC_SPF_H

#include <stddef.h>

#include "core/config.h"

#define SPF_RESULT_MAX 16
#define SPF_REASON_MAX 256
#define SPF_RECORD_MAX 512

/* One (domain, address) evaluated. */
struct spf_check {
	char domain[254];
	char ip[46];
	/* pass, fail, softfail, neutral, none, permerror or temperror.
	 * libspf2 calls a record it cannot compile "(invalid)": RFC 7208
	 * 4.6 calls that permerror, and so does this. */
	char result[SPF_RESULT_MAX];
	char reason[SPF_REASON_MAX]; /* libspf2's errors, or its comment */
	char record[SPF_RECORD_MAX]; /* the domain's v=spf1 text, "" none */
};

struct spf;

/* Opens libspf2 with a DNS layer on cfg->dns. NULL with `cause` set. */
struct spf *spf_open(const struct config *cfg, char *cause, size_t len);
void spf_close(struct spf *s);

/*
 * Evaluates MAIL FROM postmaster@domain from `ip` (check_host() of RFC
 * 7208). A resolver that does not answer is temperror with "resolver
 * unreachable" in the reason, never none.
 */
void spf_evaluate(struct spf *s, const char *domain, const char *ip,
    struct spf_check *out);

/* True when the result is pass. */
int spf_passes(const struct spf_check *c);

#endif
