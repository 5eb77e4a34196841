/* Mailbox restore rules: user names, backup dates and the 28-day window,
 * the restore folder, and which node a restore runs on. No I/O. */
#ifndef MAILNOC_RESTORE_H
#define MAILNOC_RESTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "core/config.h"
#include "core/validate.h"
#include "core/model.h"

/*
 * Backups of the last RESTORE_WINDOW_DAYS days can be restored: a backup
 * taken N calendar days before today is restorable when 0 <= N <= 28, so the
 * window is today-28 ... today, both ends included (28 nightly backups and
 * today's, if one exists). 29 days and older are listed but refused.
 */
#define RESTORE_WINDOW_DAYS 28
/* Longest mailbox user name accepted. */
#define RESTORE_USER_MAX VALIDATE_MAIL_USER_MAX
/* "YYYY-MM-DD" and its NUL. */
#define RESTORE_DATE_LEN 11
/* Every restore goes into a new folder "Restored-YYYY-MM-DD[-N]". */
#define RESTORE_FOLDER_PREFIX "Restored-"
#define RESTORE_FOLDER_MAX 48
/* The most restores of one date into one mailbox (-2 ... -99). */
#define RESTORE_FOLDER_MAX_SUFFIX 99


/* A calendar date written YYYY-MM-DD that exists. Validator style. */
const char *restore_check_date(const char *s);

/* A restore folder name: "Restored-YYYY-MM-DD" or with "-N". Validator. */
const char *restore_check_folder(const char *s);

/*
 * The same, followed by the '*' of a doveadm mailbox pattern. Validator.
 */
const char *restore_check_folder_pattern(const char *s);

/*
 * Parses a date YYYY-MM-DD (a real date: 2026-02-30 is refused) into days
 * since 1970-01-01. Returns 0, or -1 with `cause` set to one line.
 */
int restore_date_parse(const char *s, long *day, char *cause, size_t len);

/* Writes day (days since 1970-01-01) as YYYY-MM-DD. Returns out. */
char *restore_date_format(long day, char *out, size_t len);

/* Today's date in local time as days since 1970-01-01. */
long restore_today(time_t now);

/*
 * Why a backup `age` days old (today - its date) cannot be restored, or
 * NULL when it can (0 <= age <= RESTORE_WINDOW_DAYS).
 */
const char *restore_age_refused(long age);

/*
 * Checks a --date for a restore: a real date, not in the future, not older
 * than the window. Sets *day and *age. Returns 0, or -1 with `cause` set
 * ("2026-10-24 is 30 days old; only backups of the last 28 days ...").
 */
int restore_date_check(const char *s, long today, long *day, long *age,
    char *cause, size_t len);

/* One dated backup of a user on a node. */
struct restore_backup {
	char date[RESTORE_DATE_LEN];
	long day;       /* days since 1970-01-01 */
	long messages;  /* in cur/ and new/; -1 unknown */
};

/*
 * --latest: the index of the newest backup that may be restored at `today`,
 * or -1 when there is none. The list may be in any order.
 */
long restore_pick_latest(const struct restore_backup *b, size_t n,
    long today);

/* The index of the backup of `day`, or -1. */
long restore_find(const struct restore_backup *b, size_t n, long day);

/*
 * Whether the mailbox `name` (from doveadm mailbox list) is the folder
 * `folder` or one of its children ("Restored-2026-01-02/INBOX" belongs to
 * "Restored-2026-01-02", "Restored-2026-01-02-2" does not).
 */
bool restore_folder_owns(const char *folder, const char *name);

/*
 * Chooses the folder of a restore of `date`: "Restored-DATE" when no
 * existing mailbox belongs to it, else the first free "Restored-DATE-N"
 * (N = 2, 3, ...). `existing` are the mailbox names that exist now. Never
 * an existing folder: restores are never merged. Returns 0, or -1 with
 * `cause` set when all RESTORE_FOLDER_MAX_SUFFIX names are taken.
 */
int restore_folder_choose(const char *date, const char *const *existing,
    size_t n, char *out, size_t len, char *cause, size_t causelen);

/*
 * The node a restore (or a backups listing) runs on. With `node` (from
 * --node): it must be a configured mailbox node, and for a restore
 * (`need_active`) the live active node of its cluster. Without: the live
 * active node of the user's mailbox cluster, which is the only mailbox
 * cluster configured (several clusters need --node). A node is live when
 * its alive key exists in the snapshot. Refuses a gateway, an unknown node,
 * a cluster without a live active node and one with two (split brain).
 * `snap` may be NULL only with `node` and without `need_active`.
 * Returns the node, or NULL with `cause` set to one line.
 */
const struct config_node *restore_pick_node(const struct config *cfg,
    const struct snapshot *snap, const char *node, bool need_active,
    char *cause, size_t len);

#endif
