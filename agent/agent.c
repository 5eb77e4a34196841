/* mailnocd's start: options, configuration, the node it runs for. */
#include "agent/agent.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "core/exitcode.h"
#include "core/version.h"

struct agent_options {
	const char *config;
	const char *node;
	int check_config;
};

static void
agent_usage(FILE *f)
{
	fprintf(f,
	    "usage: mailnocd [options] --node NAME\n"
	    "\n"
	    "The mailnoc node agent: the Postfix policy service on gateways and\n"
	    "the heartbeat that publishes queue counts and cluster role.\n"
	    "\n"
	    "options:\n"
	    "  -c, --config FILE   configuration file; default: $MAILNOC_CONFIG,\n"
	    "                      ~/.config/mailnoc/config.json,\n"
	    "                      /etc/mailnoc/config.json (first found)\n"
	    "  -N, --node NAME     the node this agent runs on (from the\n"
	    "                      configuration's nodes)\n"
	    "      --check-config  validate the configuration and the node, "
	    "then exit\n"
	    "  -h, --help          show this help and exit\n"
	    "  -V, --version       show the version and exit\n"
	    "\n"
	    EXIT_CODES_HELP);
}

static int
agent_parse(int argc, char **argv, struct agent_options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "node", required_argument, NULL, 'N' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:N:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'N':
			o->node = optarg;
			break;
		case 'C':
			o->check_config = 1;
			break;
		case 'h':
			agent_usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("mailnocd %s\n", MAILNOC_VERSION);
			return EXIT_OK;
		case ':':
			fprintf(stderr, "mailnocd: option '%s' needs a value\n",
			    argv[optind - 1]);
			return EXIT_USAGE;
		default:
			fprintf(stderr, "mailnocd: unknown option '%s'; see "
			    "mailnocd --help\n", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mailnocd: unexpected argument '%s'\n",
		    argv[optind]);
		return EXIT_USAGE;
	}
	return -1;
}

int
agent_main(int argc, char **argv)
{
	char cause[CONFIG_CAUSE_MAX], path[PATH_MAX];
	struct agent_options o = { NULL, NULL, 0 };
	const struct config_node *node;
	struct config *cfg;
	int rc;

	if ((rc = agent_parse(argc, argv, &o)) != -1)
		return rc;
	if (o.node == NULL) {
		fprintf(stderr, "mailnocd: no node given; use --node NAME\n");
		return EXIT_USAGE;
	}
	if (config_find(o.config, path, sizeof path, cause, sizeof cause) == -1 ||
	    (cfg = config_load(path, cause, sizeof cause)) == NULL) {
		fprintf(stderr, "mailnocd: %s\n", cause);
		return EXIT_USAGE;
	}
	if ((node = config_node_find(cfg, o.node)) == NULL) {
		fprintf(stderr, "mailnocd: node '%s' is not in %s\n", o.node,
		    path);
		config_free(cfg);
		return EXIT_USAGE;
	}
	if (o.check_config) {
		printf("mailnocd: node %s, %s in cluster %s, configuration %s "
		    "is valid\n", node->name, config_role_name(node->role),
		    node->cluster, path);
		config_free(cfg);
		return EXIT_OK;
	}
	fprintf(stderr, "mailnocd: the heartbeat and policy service are not in "
	    "this build yet; use --check-config\n");
	config_free(cfg);
	return EXIT_USAGE;
}
