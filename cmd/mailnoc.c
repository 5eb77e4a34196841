/* mailnoc's start: parse the options, load the configuration, pick a mode. */
#include "cmd/mailnoc.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

/* Whether the command's words ask for its help (before any "--"). */
static bool
mailnoc_asks_help(const struct cli *cli)
{
	int i;

	for (i = 1; i < cli->argc; i++) {
		if (strcmp(cli->argv[i], "--") == 0)
			return false;
		if (strcmp(cli->argv[i], "--help") == 0)
			return true;
	}
	return false;
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
		fputc('\n', stdout);
		cmd_print_help(stdout, false);
		return EXIT_OK;
	}
	if (cli.version) {
		printf("mailnoc %s\n", MAILNOC_VERSION);
		return EXIT_OK;
	}
	/* A word that names no command is said before any configuration is
	 * looked for; help (also COMMAND --help) and completion need none. */
	if (cli.argc > 0) {
		struct cmd c;

		if (cmd_parse_argv(cli.argc, cli.argv, &c, cause,
		    sizeof cause) == -1)
			return batch_run(NULL, &cli);   /* says why, as usual */
		e = c.entry;
		cmd_free(&c);
		if ((e->flags & CMD_NO_CONFIG) || mailnoc_asks_help(&cli))
			return batch_run(NULL, &cli);
	}
	if (config_find(cli.config, path, sizeof path, cause,
		sizeof cause) == -1) {
		fprintf(stderr, "mailnoc: %s\n", cause);
		return EXIT_USAGE;
	}
	if ((cfg = config_load(path, cause, sizeof cause)) == NULL) {
		fprintf(stderr, "mailnoc: %s\n", cause);
		return EXIT_USAGE;
	}
	/* One clock (docs/ui.md): every time shown is in ui.time_zone. Set
	 * before any thread starts; localtime_r then follows it. */
	if (cfg->ui.time_zone != NULL) {
		char tz[80];

		snprintf(tz, sizeof tz, ":%s", cfg->ui.time_zone);
		setenv("TZ", tz, 1);
		tzset();
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
