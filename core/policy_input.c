/* Counts typed for blocks, permits and agencies (client IPs and free text:
 * core/validate.c). */
#include "core/policy_input.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

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

const char *
policy_input_domains(const char *s, char *out, size_t len, char *why,
    size_t whylen)
{
	char item[260];
	const char *p = s, *bad;
	size_t n = 0, o = 0, l, i;

	out[0] = '\0';
	while (*p != '\0') {
		l = strcspn(p, ",");
		if (l == 0 || l >= sizeof item) {
			snprintf(why, whylen, "an empty or overlong name in the "
			    "list; give domains separated by commas");
			return why;
		}
		memcpy(item, p, l);
		item[l] = '\0';
		for (i = 0; i < l; i++)
			item[i] = (char)tolower((unsigned char)item[i]);
		if ((bad = validate_domain(item)) != NULL) {
			char shown[80];

			validate_sanitize(shown, sizeof shown, item);
			snprintf(why, whylen, "'%s' is not a domain: %s", shown,
			    bad);
			return why;
		}
		if (++n > POLICY_DOMAINS_MAX) {
			snprintf(why, whylen, "more than %d domains",
			    POLICY_DOMAINS_MAX);
			return why;
		}
		/* Repeats: the list is short, a scan will do. */
		for (i = 0; i < o; i += strcspn(out + i, ",") + 1) {
			if (strncmp(out + i, item, l) == 0 &&
			    (out[i + l] == ',' || out[i + l] == '\0')) {
				snprintf(why, whylen, "'%s' is listed twice",
				    item);
				return why;
			}
		}
		if (o + l + 2 > len) {
			snprintf(why, whylen, "the list is too long");
			return why;
		}
		o += (size_t)snprintf(out + o, len - o, "%s%s", o ? "," : "",
		    item);
		p += l;
		if (*p == ',' && *++p == '\0') {
			snprintf(why, whylen, "the list ends with a comma");
			return why;
		}
	}
	return NULL;
}
