/* Fuzzes the batch script reader: every line split and parsed through the
 * command table, nothing run. script_load is static, so the file is
 * included here (the target then does not link core's script.o). */
#include "cmd/script.c"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cmd_ctx base;
	struct script s = { "fuzz", NULL, 0 };
	FILE *f;

	if (size == 0)
		return 0;
	memset(&base, 0, sizeof base);
	if ((f = fmemopen((void *)data, size, "r")) == NULL)
		__builtin_trap();
	(void)script_load(&base, f, &s);
	fclose(f);
	script_free(&s);
	return 0;
}
