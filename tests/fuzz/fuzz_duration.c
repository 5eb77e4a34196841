/* Fuzzes the duration parser (--for 1h30m) and checks its bounds. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/duration.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	long long secs;
	char buf[64], *s;

	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	if (duration_parse(s, &secs) == 0) {
		if (secs < 1 || secs > DURATION_MAX)
			__builtin_trap();
		duration_format(secs, buf, sizeof buf);
	}
	free(s);
	return 0;
}
