/* The restore view's hook for the console: backups and restore typed in
 * the console open it. */
#ifndef MAILNOC_VIEW_RESTORE_H
#define MAILNOC_VIEW_RESTORE_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/view.h"

/*
 * Lists `user`'s backups on `node` (NULL: the live active node of the
 * user's cluster) on a job thread; with `date` (or `latest`) then asks to
 * restore that backup. Refused while a restore runs. Returns 0, or -1 with
 * `cause` set to one line.
 */
int view_restore_open(void *state, struct console *c, const char *user,
    const char *node, const char *date, bool latest, char *cause,
    size_t len);

#endif
