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

#endif
