/* Fuzzes the alert record reader (core/alert.c, alert_parse): the values
 * of an alert:{id} hash as Redis returns them, one per line, a line "-"
 * for an absent field. A record that reads as fine must hold what the
 * schema says; any other must say why. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alert.h"
#include "core/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *v[AF_COUNT] = { NULL };
	struct alert a;
	char *s, *p, *nl;
	size_t i;

	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	for (i = 0, p = s; i < AF_COUNT && p != NULL; i++) {
		if ((nl = strchr(p, '\n')) != NULL)
			*nl = '\0';
		v[i] = strcmp(p, "-") == 0 ? NULL : p;
		p = nl != NULL ? nl + 1 : NULL;
	}
	alert_parse(&a, 1, v);
	if (memchr(a.malformed, '\0', sizeof a.malformed) == NULL ||
	    memchr(a.text, '\0', sizeof a.text) == NULL)
		__builtin_trap();
	if (a.malformed[0] == '\0' && (validate_name(a.kind) != NULL ||
	    a.first_seen < 0 || a.last_seen < 0 ||
	    (a.severity != ALERT_WARNING && a.severity != ALERT_CRITICAL)))
		__builtin_trap();
	/* Nothing read from Redis reaches a terminal unescaped. */
	for (p = a.text; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			__builtin_trap();
	}
	(void)alert_counts(&a, 1800000000LL);
	free(s);
	return 0;
}
