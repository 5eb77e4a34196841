/* Counts typed for blocks, permits and agencies (client IPs and free text:
 * core/validate.c). */
#include "core/policy_input.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


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
