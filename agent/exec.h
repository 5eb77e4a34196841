/* Running a helper program (postconf, dovecot, a role command) safely. */
#ifndef MAILNOC_AGENT_EXEC_H
#define MAILNOC_AGENT_EXEC_H

#include <stddef.h>

/*
 * Runs argv[0] (looked up in PATH when it has no '/') with argv, no shell,
 * stdin from /dev/null and no other descriptor inherited. Its stdout is
 * kept in `out` (at most outlen - 1 bytes, NUL-terminated, the rest
 * discarded); the first line of its stderr goes into `cause` when it fails.
 * A program still running after `timeout_ms` is killed with its process
 * group. Returns 0 when it exited with status 0, or -1 with `cause` set
 * ("'postconf' exited with status 1: ...", "... timed out after 2000 ms").
 */
int exec_capture(char *const argv[], int timeout_ms, char *out, size_t outlen,
    char *cause, size_t causelen);

#endif
