/* The nightly backups watched: the status file a backup tool leaves, and
 * the nights missing from the window. No I/O. */
#ifndef MAILNOC_BACKUP_H
#define MAILNOC_BACKUP_H

#include <stdbool.h>
#include <stddef.h>

/* A last good backup older than this raises the backup alert (default). */
#define BACKUP_MAX_AGE_S (26L * 3600)
/* Nights checked for gaps, yesterday backwards (default: the restore
 * window, core/restore.h). */
#define BACKUP_GAP_DAYS 28
/* The only status file format today (backups.status_format). */
#define BACKUP_FORMAT_KEYVALUE "keyvalue"
/* A status file longer than this is refused. */
#define BACKUP_STATUS_MAX 4096

/*
 * What the backup tool said about its last run (docs/configuration.md,
 * "backups"). -1 or "" for what the file does not say.
 */
struct backup_status {
	char date[11];          /* the night backed up, YYYY-MM-DD */
	bool ok;                /* result=ok; false: result=failed */
	long long completed_at; /* epoch seconds */
	long long bytes;
	long mailboxes;
};

/*
 * Parses the "keyvalue" format: lines KEY=VALUE, '#' comments and blank
 * lines skipped, keys date, result (ok|failed), completed_at (epoch
 * seconds), bytes, mailboxes; other keys are ignored (a tool may say
 * more). result and completed_at are required. Returns 0 with *st filled,
 * or -1 with `cause` set to one line naming the line that is wrong.
 */
int backup_status_parse(const char *text, struct backup_status *st,
    char *cause, size_t causelen);

/*
 * The nights missing in the `window` nights before `today` (days since
 * 1970-01-01: today-1 ... today-window) among the backups' `days` (any
 * order, any age). Nights before the oldest backup are not missing (a node
 * whose backups began last week has no gap before them), and with no
 * backup at all nothing is (the age rule says it). Writes at most `max`
 * missing days to out, newest first, and returns how many are missing
 * (more than `max` when some did not fit).
 */
size_t backup_gaps(const long *days, size_t n, long today, int window,
    long *out, size_t max);

struct restore_backup;

/*
 * The nights missing from a user's listed backups in the restore window
 * (RESTORE_WINDOW_DAYS nights before `today`), as backup_gaps counts
 * them: at most `max` days to out, newest first; returns how many.
 */
size_t backup_restore_gaps(const struct restore_backup *b, size_t n,
    long today, long *out, size_t max);

/*
 * Writes "N night(s) missing in the last 28: D1, D2, ..." for `count`
 * missing nights of which days[0..min(count, max)) are known, cut to
 * fit `len` with ", ..." ; "" when count is 0. Returns buf.
 */
char *backup_gaps_format(const long *days, size_t count, size_t max,
    char *buf, size_t len);

#endif
