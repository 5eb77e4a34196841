/* Exit codes shared by mailnoc's batch mode and mailnocd. */
#ifndef MAILNOC_EXITCODE_H
#define MAILNOC_EXITCODE_H

enum exit_code {
	EXIT_OK = 0,          /* done */
	EXIT_FAILED = 1,      /* the action ran and failed */
	EXIT_USAGE = 2,       /* bad arguments or configuration */
	EXIT_UNREACHABLE = 3, /* Redis or a node could not be reached */
	EXIT_DENIED = 4,      /* the Redis ACL user may not do this */
	EXIT_AUDIT_REFUSED = 5, /* refused: its audit record could be written
	                           nowhere (audit.required); nothing was done */
	EXIT_AUDIT_LOST = 6,  /* done, but its audit record is lost */
};

#define EXIT_CODES_HELP \
	"exit codes:\n" \
	"  0  success\n" \
	"  1  the action ran and failed\n" \
	"  2  usage or configuration error (nothing was done)\n" \
	"  3  Redis or a node could not be reached\n" \
	"  4  permission denied by the Redis ACL user's role\n" \
	"  5  refused: the audit record could be written nowhere (nothing " \
	"was done)\n" \
	"  6  done, but its audit record is lost (audit.required is off)\n"

#endif
