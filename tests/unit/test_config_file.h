/* Unit tests that need a configuration: one written to a file in `d` and
 * loaded as mailnoc would. Include after cmocka.h. */
#ifndef MAILNOC_TEST_CONFIG_FILE_H
#define MAILNOC_TEST_CONFIG_FILE_H

#include <stdarg.h>
#include <stdio.h>

#include "core/config.h"

/*
 * Writes d/config.json: `redis` is the members of the "redis" object (JSON
 * text, printf format), `more` the members after "nodes" (one gateway gw1)
 * or "". Loads it; the test fails when it does not load.
 */
static struct config *test_config_file(const char *d, const char *more,
    const char *redis, ...) __attribute__((format(printf, 3, 4)));

static struct config *
test_config_file(const char *d, const char *more, const char *redis, ...)
{
	char path[256], cause[256];
	struct config *cfg;
	va_list ap;
	FILE *f;

	snprintf(path, sizeof path, "%s/config.json", d);
	assert_non_null(f = fopen(path, "w"));
	fputs("{ \"redis\": { ", f);
	va_start(ap, redis);
	vfprintf(f, redis, ap);
	va_end(ap);
	fprintf(f, " },\n  \"nodes\": [ { \"name\": \"gw1\", \"role\": "
	    "\"gateway\", \"cluster\": \"gw\" } ]%s%s }\n", more[0] ? ",\n  " :
	    "", more);
	fclose(f);
	cfg = config_load(path, cause, sizeof cause);
	if (cfg == NULL)
		fail_msg("%s", cause);
	return cfg;
}

#endif
