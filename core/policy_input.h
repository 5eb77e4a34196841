/* What operators give the block, permit and agency commands, checked once
 * where it enters: free text, counts (client IPs: validate_ip_canon). */
#ifndef MAILNOC_POLICY_INPUT_H
#define MAILNOC_POLICY_INPUT_H

#include <stddef.h>

#include "core/validate.h"

/* The longest free text (reasons, names, contacts, applications), bytes. */
#define POLICY_TEXT_MAX	VALIDATE_TEXT_MAX

/*
 * Parses a whole decimal number in [min, max]. Returns 0 with *out set, or
 * -1.
 */
int		 policy_input_number(const char *s, long long min, long long max,
		    long long *out);

/* An agency's sending domains: at most this many, comma-separated. */
#define POLICY_DOMAINS_MAX 16

/*
 * Parses a list of sending domains ("a.example,b.example"): each a domain
 * name (validate_domain: no spaces, quotes or trailing dot), no repeats,
 * at most POLICY_DOMAINS_MAX. Writes the canonical list (lower case,
 * comma-separated, no spaces) to out; "" is the empty list. Returns NULL,
 * or what is wrong (in `why`).
 */
const char	*policy_input_domains(const char *s, char *out, size_t len,
		    char *why, size_t whylen);

#endif
