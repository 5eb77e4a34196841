/* Fuzzes the client address check and its canonical form: an accepted
 * address's canonical text is accepted again and is its own canonical form. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char canon[64], again[64], *s;

	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	if (validate_ip_canon(s, canon, sizeof canon) == NULL) {
		if (validate_ip_canon(canon, again, sizeof again) != NULL ||
		    strcmp(canon, again) != 0)
			__builtin_trap();
	}
	(void)validate_host(s);
	free(s);
	return 0;
}
