/* Global command-line options of mailnoc, shared by console and batch mode. */
#ifndef MAILNOC_CLI_H
#define MAILNOC_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* One global option; the table is what --help, completion and the man page
 * test are checked against. */
struct cli_option {
	const char *lng;
	char shrt;      /* 0: none */
	int has_value;
};

extern const struct cli_option cli_options[];
extern const size_t cli_noptions;

struct cli {
	const char *config;
	const char *theme;
	bool check_config;
	bool json;
	bool read_only;
	bool yes;
	bool dry_run;
	bool help;
	bool version;
	int argc;    /* the command and its arguments, after the options */
	char **argv;
};

/*
 * Parses the options in front of the command. Returns 0, or -1 with `cause`
 * set (an unknown option, a missing value, a password on the command line).
 */
int cli_parse(int argc, char **argv, struct cli *cli, char *cause,
    size_t causelen);

/* Prints mailnoc's --help text. */
void cli_usage(FILE *f);

#endif
