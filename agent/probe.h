/* Facts about the node for the heartbeat: load, disk, backups, versions. */
#ifndef MAILNOC_AGENT_PROBE_H
#define MAILNOC_AGENT_PROBE_H

#include <stddef.h>

/* How long a helper program (postconf, dovecot, doveconf) may run. */
#define PROBE_TIMEOUT_MS 5000

/*
 * Reads the 1-minute load average from `path` (/proc/loadavg). Returns 0
 * with the number, as the kernel wrote it, in buf, or -1.
 */
int probe_load(const char *path, char *buf, size_t len);

/*
 * Returns how full the file system holding `path` is, in percent rounded
 * up as df(1) does (blocks reserved for root do not count as free), or -1
 * with `cause` set.
 */
int probe_disk_pct(const char *path, char *cause, size_t causelen);

/*
 * Finds the newest directory named YYYY-MM-DD directly under `root`.
 * Returns 1 with the date in `out` (11 bytes), 0 when there is none, or -1
 * with `cause` set.
 */
int probe_last_backup(const char *root, char *out, size_t outlen, char *cause,
    size_t causelen);

/* What the backups of a mailbox node look like now (probe_backups). */
struct probe_backups {
	char last[11];          /* the newest dated directory, "" none */
	long long done_at;      /* the last good backup's completion, epoch
	                           seconds; -1 unknown */
	long long bytes;        /* from the status file; -1 unknown */
	long mailboxes;         /* from the status file; -1 unknown */
	char result[8];         /* "ok" | "failed" (status file); "" */
	long gaps;              /* nights missing (core/backup.h); -1 */
	char gap[11];           /* the newest night missing, "" none */
};

/*
 * Looks at the dated directories (YYYY-MM-DD) under `root` and, when
 * `status` names one, the backup tool's status file there ("keyvalue",
 * core/backup.h). The last good backup completed at the status file's
 * completed_at when it says result=ok; otherwise (no status file, or the
 * last run failed) at the modification time of the newest dated directory
 * that is not the failed night. Gaps are counted over `gap_days` nights
 * before `today` (days since 1970-01-01). Returns 0; -1 with `cause` set
 * when the root cannot be listed (nothing known); 1 with `cause` set when
 * the status file cannot be read or parsed (the rest is known).
 */
int probe_backups(const char *root, const char *status, int gap_days,
    long today, struct probe_backups *pb, char *cause, size_t causelen);

/*
 * From Dovecot's mail_location ("maildir:/srv/mail/%u/Maildir:INDEX=...")
 * finds the fixed directory above every user's mail ("/srv/mail"). Returns
 * 0, or -1 when the location has no absolute fixed part.
 */
int probe_mail_root(const char *location, char *out, size_t len);

/*
 * Makes a version the console accepts out of a program's output: the first
 * line, trimmed, lower case, at most len - 1 bytes; characters other than
 * letters, digits, ". - ( )" and space become '-'.
 */
void probe_version_clean(const char *raw, char *out, size_t len);

/* Runs `postconf -c DIR -h PARAM`. Returns 0 with the value, or -1. */
int probe_postconf(const char *config_dir, const char *param, char *out,
    size_t len, char *cause, size_t causelen);

/* Runs `doveconf [-c FILE] -h PARAM`. Returns 0 with the value, or -1. */
int probe_doveconf(const char *config, const char *param, char *out,
    size_t len, char *cause, size_t causelen);

/* Runs `dovecot --version`. Returns 0 with the cleaned version, or -1. */
int probe_dovecot_version(char *out, size_t len, char *cause,
    size_t causelen);

#endif
