/* Parsing of mailnoc's global options; the command comes after them. */
#include "core/cli.h"

#include <string.h>

#include "core/exitcode.h"
#include "core/version.h"

const struct cli_option cli_options[] = {
	{ "config", 'c', 1 },
	{ "theme", 't', 1 },
	{ "check-config", 0, 0 },
	{ "json", 'j', 0 },
	{ "read-only", 'r', 0 },
	{ "yes", 'y', 0 },
	{ "dry-run", 'n', 0 },
	{ "help", 'h', 0 },
	{ "version", 'V', 0 },
};
const size_t cli_noptions = sizeof cli_options / sizeof cli_options[0];

static void
cli_set(struct cli *cli, const struct cli_option *o, const char *value)
{
	if (strcmp(o->lng, "config") == 0)
		cli->config = value;
	else if (strcmp(o->lng, "theme") == 0)
		cli->theme = value;
	else if (strcmp(o->lng, "check-config") == 0)
		cli->check_config = true;
	else if (strcmp(o->lng, "json") == 0)
		cli->json = true;
	else if (strcmp(o->lng, "read-only") == 0)
		cli->read_only = true;
	else if (strcmp(o->lng, "yes") == 0)
		cli->yes = true;
	else if (strcmp(o->lng, "dry-run") == 0)
		cli->dry_run = true;
	else if (strcmp(o->lng, "help") == 0)
		cli->help = true;
	else if (strcmp(o->lng, "version") == 0)
		cli->version = true;
}

static const struct cli_option *
cli_find_long(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof cli_options / sizeof cli_options[0]; i++) {
		if (strlen(cli_options[i].lng) == len &&
		    strncmp(cli_options[i].lng, name, len) == 0)
			return &cli_options[i];
	}
	return NULL;
}

static const struct cli_option *
cli_find_short(char c)
{
	size_t i;

	for (i = 0; i < sizeof cli_options / sizeof cli_options[0]; i++) {
		if (cli_options[i].shrt == c)
			return &cli_options[i];
	}
	return NULL;
}

/* Passwords in argv are visible to every user through ps and /proc. */
static int
cli_is_password(const char *arg)
{
	while (*arg == '-')
		arg++;
	return strncmp(arg, "pass", 4) == 0 || strstr(arg, "password") != NULL;
}

int
cli_parse(int argc, char **argv, struct cli *cli, char *cause, size_t causelen)
{
	const struct cli_option *o;
	int i;

	memset(cli, 0, sizeof *cli);
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *value = NULL;

		if (strcmp(arg, "--") == 0) {
			i++;
			break;
		}
		if (arg[0] != '-' || arg[1] == '\0')
			break;
		if (arg[1] == '-') {
			const char *eq = strchr(arg + 2, '=');
			size_t len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);

			if (cli_is_password(arg)) {
				snprintf(cause, causelen, "%.*s: a password is "
				    "not accepted on the command line; set "
				    "redis.password_env or redis.password_file "
				    "in the configuration",
				    (int)(eq ? eq - arg : (long)strlen(arg)), arg);
				return -1;
			}
			if ((o = cli_find_long(arg + 2, len)) == NULL) {
				snprintf(cause, causelen, "unknown option '%.*s'; "
				    "see mailnoc --help", (int)(len + 2), arg);
				return -1;
			}
			if (eq != NULL && !o->has_value) {
				snprintf(cause, causelen, "option '--%s' takes no "
				    "value", o->lng);
				return -1;
			}
			value = eq ? eq + 1 : NULL;
		} else {
			const char *p = arg + 1;

			/* Bundled flags (-jy): each letter a flag, until one that
			 * takes a value, which takes the rest or the next word. */
			for (;;) {
				if ((o = cli_find_short(*p)) == NULL) {
					snprintf(cause, causelen, "unknown option "
					    "'-%c'; see mailnoc --help", *p);
					return -1;
				}
				if (o->has_value) {
					if (p[1] != '\0')
						value = p + 1;
					break;
				}
				if (p[1] == '\0')
					break;
				cli_set(cli, o, NULL);
				p++;
			}
		}
		if (o->has_value && value == NULL) {
			if (i + 1 >= argc) {
				snprintf(cause, causelen, "option '--%s' needs a "
				    "value", o->lng);
				return -1;
			}
			value = argv[++i];
		}
		if (o->has_value && value[0] == '\0') {
			snprintf(cause, causelen, "option '--%s' needs a "
			    "non-empty value", o->lng);
			return -1;
		}
		cli_set(cli, o, value);
	}
	cli->argc = argc - i;
	cli->argv = argv + i;
	return 0;
}

void
cli_usage(FILE *f)
{
	fprintf(f,
	    "usage: mailnoc [options] [COMMAND [ARGS...]]\n"
	    "\n"
	    "The operations console of the mail service: mail queues, blocklist,\n"
	    "per-agency volume and cluster failover state. Without COMMAND it\n"
	    "opens the console; with one it runs it in batch mode.\n"
	    "\n"
	    "options:\n"
	    "  -c, --config FILE   configuration file; default: $MAILNOC_CONFIG,\n"
	    "                      ~/.config/mailnoc/config.json,\n"
	    "                      /etc/mailnoc/config.json (first found)\n"
	    "      --check-config  validate the configuration, print what it\n"
	    "                      describes and exit\n"
	    "  -j, --json          print results as JSON\n"
	    "  -t, --theme NAME    colour theme of the console\n"
	    "  -r, --read-only     refuse every command that changes anything\n"
	    "  -y, --yes           do destructive commands without asking\n"
	    "  -n, --dry-run       show what a command would do, do nothing\n"
	    "  -h, --help          show this help and exit\n"
	    "  -V, --version       show the version and exit\n"
	    "\n"
	    "The Redis password is never taken on the command line: see\n"
	    "redis.password_env and redis.password_file in mailnoc(1).\n"
	    "\n"
	    EXIT_CODES_HELP);
}
