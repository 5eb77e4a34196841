/* mailnoc: the console, or batch mode when a command is given. */
#include "cmd/mailnoc.h"
#include "tui/console.h"

int
main(int argc, char **argv)
{
	return mailnoc_main(argc, argv, console_run);
}
