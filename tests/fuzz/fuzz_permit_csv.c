/* Fuzzes the permit CSV reader: the relay inventory agencies hand in. Every
 * row it keeps has a single canonical IP, no IP twice, and errors come
 * sorted by line. */
#include <stddef.h>
#include <stdint.h>

#include <string.h>

#include "core/permit_csv.h"
#include "core/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct permit_csv c;
	char canon[64];
	size_t i, j;

	(void)permit_csv_parse((const char *)data, size, &c);
	for (i = 1; i < c.nerrors; i++)
		if (c.errors[i - 1].line > c.errors[i].line)
			__builtin_trap();
	for (i = 0; i < c.nrows; i++) {
		if (validate_ip_canon(c.rows[i].ip, canon, sizeof canon) !=
		    NULL || strcmp(canon, c.rows[i].ip) != 0 ||
		    c.rows[i].expected < -1)
			__builtin_trap();
		for (j = 0; j < i; j++)
			if (strcmp(c.rows[i].ip, c.rows[j].ip) == 0)
				__builtin_trap();
	}
	permit_csv_free(&c);
	return 0;
}
