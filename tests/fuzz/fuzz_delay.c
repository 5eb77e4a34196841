/* Fuzzes the delay reason classifier and the grouping key of a reason. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/delay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum delay_class c;
	const char *key;
	char *s;

	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	c = delay_classify(s);
	if (c < DELAY_NONE || c >= DELAY_CLASSES)
		__builtin_trap();
	key = delay_reason_key(s);
	if (key < s || key > s + strlen(s))
		__builtin_trap();
	(void)delay_class_parse(s, &c);
	(void)delay_reputation(s);
	free(s);
	return 0;
}
