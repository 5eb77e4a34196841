/* Shell completion: a bash script written from the command table, so that a
 * new command or option completes without anyone editing a script. */
#include "cmd/completion.h"

#include <string.h>

#include "core/cli.h"
#include "cmd/cmd.h"

/* What an argument written as `usage` completes to. */
static const char *
completion_arg_kind(const char *usage)
{
	if (usage == NULL)
		return "";
	if (strstr(usage, "FILE") != NULL)
		return "file";
	if (strstr(usage, "COMMAND") != NULL)
		return "command";
	if (strstr(usage, "SHELL") != NULL)
		return "shell";
	/* NODE:ID wants a queue ID, which nobody types from a list. */
	if (strstr(usage, "NODE") != NULL && strstr(usage, "NODE:") == NULL)
		return "node";
	return "";
}

static void
completion_commands(FILE *f)
{
	size_t i;
	int n = 0;

	for (i = 0; i < cmd_table_size; i++) {
		if (!(cmd_table[i]->flags & CMD_UI_ONLY))
			fprintf(f, "%s%s", n++ ? " " : "", cmd_table[i]->name);
	}
}

static void
completion_entry(FILE *f, const struct cmd_entry *e)
{
	static const char *const common[] = { "json", "yes", "dry-run" };
	const struct cmd_option *o;
	const struct cmd_sub *s;
	size_t i;
	int n = 0;

	fprintf(f, "\t%s)\n\t\topts=\"", e->name);
	for (o = e->options; o != NULL && o->name != NULL; o++)
		fprintf(f, "--%s ", o->name);
	for (i = 0; i < sizeof common / sizeof common[0]; i++)
		fprintf(f, "--%s%s", common[i], i + 1 < sizeof common /
		    sizeof common[0] ? " " : "");
	fprintf(f, "\"\n\t\tvals=\"");
	for (o = e->options; o != NULL && o->name != NULL; o++) {
		if (o->has_value)
			fprintf(f, "%s--%s", n++ ? " " : "", o->name);
	}
	fprintf(f, "\"\n");
	if (e->subs != NULL) {
		n = 0;
		fprintf(f, "\t\tsubs=\"");
		for (s = e->subs; s->name != NULL; s++) {
			if (!(s->flags & CMD_UI_ONLY))
				fprintf(f, "%s%s", n++ ? " " : "", s->name);
		}
		fprintf(f, "\"\n\t\tcase $sub in\n");
		for (s = e->subs; s->name != NULL; s++) {
			if (completion_arg_kind(s->args)[0] != '\0')
				fprintf(f, "\t\t%s) args=%s ;;\n", s->name,
				    completion_arg_kind(s->args));
		}
		fprintf(f, "\t\tesac\n");
	} else if (completion_arg_kind(e->usage)[0] != '\0')
		fprintf(f, "\t\targs=%s\n", completion_arg_kind(e->usage));
	fprintf(f, "\t\t;;\n");
}

void
completion_bash(FILE *f)
{
	size_t i;

	fprintf(f,
	    "# bash completion for mailnoc(1), generated from its command "
	    "table by\n"
	    "# 'mailnoc completion bash'. Node names come from the "
	    "configuration\n"
	    "# when completing: mailnoc nodes --names (no Redis).\n"
	    "\n"
	    "_mailnoc_nodes()\n"
	    "{\n"
	    "\t\"${COMP_WORDS[0]}\" ${1:+--config \"$1\"} nodes --names "
	    "2>/dev/null\n"
	    "}\n"
	    "\n"
	    "_mailnoc()\n"
	    "{\n"
	    "\tlocal cur=${COMP_WORDS[COMP_CWORD]} "
	    "prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	    "\tlocal i w cmd= ci=0 cfg= sub= opts= vals= subs= args=\n"
	    "\tlocal commands=\"");
	completion_commands(f);
	fprintf(f, "\"\n\tlocal globals=\"");
	for (i = 0; i < cli_noptions; i++) {
		if (cli_options[i].shrt != 0)
			fprintf(f, "-%c ", cli_options[i].shrt);
		fprintf(f, "--%s%s", cli_options[i].lng, i + 1 < cli_noptions ?
		    " " : "");
	}
	fprintf(f, "\"\n"
	    "\tCOMPREPLY=()\n"
	    "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
	    "\t\tw=${COMP_WORDS[i]}\n"
	    "\t\tcase $w in\n"
	    "\t\t-c|--config) cfg=${COMP_WORDS[i+1]}; ((i++)) ;;\n"
	    "\t\t-t|--theme) ((i++)) ;;\n"
	    "\t\t--config=*) cfg=${w#--config=} ;;\n"
	    "\t\t-*) ;;\n"
	    "\t\t*) cmd=$w; ci=$i; break ;;\n"
	    "\t\tesac\n"
	    "\tdone\n"
	    "\tif [[ -z $cmd ]]; then\n"
	    "\t\tcase $prev in\n"
	    "\t\t-c|--config) COMPREPLY=($(compgen -f -- \"$cur\")); "
	    "return ;;\n"
	    "\t\t-t|--theme) return ;;\n"
	    "\t\tesac\n"
	    "\t\tif [[ $cur == -* ]]; then\n"
	    "\t\t\tCOMPREPLY=($(compgen -W \"$globals\" -- \"$cur\"))\n"
	    "\t\telse\n"
	    "\t\t\tCOMPREPLY=($(compgen -W \"$commands\" -- \"$cur\"))\n"
	    "\t\tfi\n"
	    "\t\treturn\n"
	    "\tfi\n"
	    "\t((ci + 1 < COMP_CWORD)) && sub=${COMP_WORDS[ci+1]}\n"
	    "\tcase $cmd in\n");
	for (i = 0; i < cmd_table_size; i++) {
		if (!(cmd_table[i]->flags & CMD_UI_ONLY))
			completion_entry(f, cmd_table[i]);
	}
	fprintf(f,
	    "\t*) return ;;\n"
	    "\tesac\n"
	    "\tif [[ -n $vals && \" $vals \" == *\" $prev \"* ]]; then\n"
	    "\t\t[[ $prev == --node ]] && COMPREPLY=($(compgen -W "
	    "\"$(_mailnoc_nodes \"$cfg\")\" -- \"$cur\"))\n"
	    "\t\treturn\n"
	    "\tfi\n"
	    "\tif [[ $cur == -* ]]; then\n"
	    "\t\tCOMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
	    "\t\treturn\n"
	    "\tfi\n"
	    "\tif [[ -n $subs ]] && ((COMP_CWORD == ci + 1)); then\n"
	    "\t\tCOMPREPLY=($(compgen -W \"$subs\" -- \"$cur\"))\n"
	    "\t\treturn\n"
	    "\tfi\n"
	    "\tcase $args in\n"
	    "\tnode) COMPREPLY=($(compgen -W \"$(_mailnoc_nodes \"$cfg\")\" "
	    "-- \"$cur\")) ;;\n"
	    "\tfile) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n"
	    "\tcommand) COMPREPLY=($(compgen -W \"$commands\" -- \"$cur\")) ;;\n"
	    "\tshell) COMPREPLY=($(compgen -W \"bash\" -- \"$cur\")) ;;\n"
	    "\tesac\n"
	    "}\n"
	    "complete -F _mailnoc mailnoc\n");
}
