/* Fuzzes the permit CSV reader: the relay inventory agencies hand in. */
#include <stddef.h>
#include <stdint.h>

#include "core/permit_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct permit_csv c;
	size_t i;

	(void)permit_csv_parse((const char *)data, size, &c);
	/* The errors are promised sorted by line. */
	for (i = 1; i < c.nerrors; i++)
		if (c.errors[i - 1].line > c.errors[i].line)
			__builtin_trap();
	permit_csv_free(&c);
	return 0;
}
