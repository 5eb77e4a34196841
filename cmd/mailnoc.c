/* mailnoc's start: parse the options, load the configuration, pick a mode. */
#include "cmd/mailnoc.h"

#include <limits.h>
#include <stdio.h>
#include <sys/prctl.h>

#include "backends/redis.h"
#include "cmd/batch.h"
#include "core/cli.h"
#include "cmd/cmd.h"
#include "core/config.h"
#include "core/config_show.h"
#include "core/exitcode.h"
#include "core/version.h"

/*
 * Asks Redis whether what mailnoc writes survives its restart. A Redis that
 * cannot be reached is said, not counted: the configuration may be right.
 */
static int
mailnoc_check_redis(const struct config *cfg, FILE *f)
{
	enum redis_persist p;
	struct redis r;
	char msg[512];

	redis_init(&r, cfg);
	p = redis_check_persistence(&r, msg, sizeof msg);
	redis_close(&r);
	if (p == REDIS_PERSIST_RISK) {
		fprintf(f, "  problem: redis persistence: %s\n", msg);
		return 1;
	}
	fprintf(f, "redis persistence: %s\n", msg);
	return 0;
}

int
mailnoc_main(int argc, char **argv,
    int (*console)(const struct config *, const struct cli *))
{
	char cause[CONFIG_CAUSE_MAX], path[PATH_MAX];
	const struct cmd_entry *e;
	struct config *cfg;
	struct cli cli;
	int problems, rc;

	/* The Redis password will be in memory: no core dump, no ptrace. */
	prctl(PR_SET_DUMPABLE, 0);
	if (cli_parse(argc, argv, &cli, cause, sizeof cause) == -1) {
		fprintf(stderr, "mailnoc: %s\n", cause);
		return EXIT_USAGE;
	}
	if (cli.help) {
		cli_usage(stdout);
		return EXIT_OK;
	}
	if (cli.version) {
		printf("mailnoc %s\n", MAILNOC_VERSION);
		return EXIT_OK;
	}
	/* Help and completion need no configuration. */
	if (cli.argc > 0 && (e = cmd_find(cli.argv[0], cause,
	    sizeof cause)) != NULL && (e->flags & CMD_NO_CONFIG))
		return batch_run(NULL, &cli);
	if (config_find(cli.config, path, sizeof path, cause,
		sizeof cause) == -1) {
		fprintf(stderr, "mailnoc: %s\n", cause);
		return EXIT_USAGE;
	}
	if ((cfg = config_load(path, cause, sizeof cause)) == NULL) {
		fprintf(stderr, "mailnoc: %s\n", cause);
		return EXIT_USAGE;
	}
	if (cli.check_config) {
		problems = config_show(cfg, stdout);
		problems += mailnoc_check_redis(cfg, stdout);
		printf("%d problem%s found\n", problems,
		    problems == 1 ? "" : "s");
		config_free(cfg);
		return problems == 0 ? EXIT_OK : EXIT_USAGE;
	}
	if (cli.argc > 0)
		rc = batch_run(cfg, &cli);
	else
		rc = console(cfg, &cli);
	config_free(cfg);
	return rc;
}
