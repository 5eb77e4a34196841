/* What operators give the block, permit and agency commands, checked once
 * where it enters: free text, counts (client IPs: validate_ip_canon). */
#ifndef MAILNOC_POLICY_INPUT_H
#define MAILNOC_POLICY_INPUT_H

#include <stddef.h>

/* The longest free text (reasons, names, contacts, applications), bytes. */
#define POLICY_TEXT_MAX	200

/*
 * Checks free text: valid UTF-8, no control characters, 1 to max bytes
 * (empty is refused too). Returns NULL or a static reason.
 */
const char	*policy_input_text(const char *s, size_t max);

/*
 * Parses a whole decimal number in [min, max]. Returns 0 with *out set, or
 * -1.
 */
int		 policy_input_number(const char *s, long long min, long long max,
		    long long *out);

/*
 * Copies text read back from Redis for a terminal or JSON: control
 * characters and bytes that are not UTF-8 become '?', and a cut never splits
 * a character. Returns dst.
 */
char		*policy_input_sanitize(char *dst, size_t len, const char *src);

#endif
