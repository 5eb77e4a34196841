/* Fuzzes the configuration loader: JSON syntax, then every check of
 * core/config.c. config_load reads a path, so the input goes to a file. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/config.h"
#include "tests/fuzz/fuzz_tmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[128], cause[CONFIG_CAUSE_MAX];
	struct config *cfg;

	snprintf(path, sizeof path, "%s/config.json", fuzz_tmp_dir());
	fuzz_tmp_write(path, data, size);
	if ((cfg = config_load(path, cause, sizeof cause)) != NULL)
		config_free(cfg);
	unlink(path);
	return 0;
}
