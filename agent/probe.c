/* Node facts: each one cheap, each failure reported, never fatal. */
#include "agent/probe.h"

#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "agent/exec.h"
#include "core/backup.h"
#include "core/restore.h"

/*
 * Copies the n bytes at s into out as a string. Returns 0, or -1 when there
 * are none or they do not fit in len.
 */
static int
probe_copy(char *out, size_t len, const char *s, size_t n)
{
	if (n == 0 || n >= len)
		return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

int
probe_load(const char *path, char *buf, size_t len)
{
	char text[128];
	size_t n;
	ssize_t got;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	got = read(fd, text, sizeof text - 1);
	close(fd);
	if (got <= 0)
		return -1;
	text[got] = '\0';
	n = strspn(text, "0123456789.");
	if (text[0] == '.' || (text[n] != ' ' && text[n] != '\n'))
		return -1;
	return probe_copy(buf, len, text, n);
}

int
probe_disk_pct(const char *path, char *cause, size_t causelen)
{
	unsigned long long used, avail;
	struct statvfs sv;

	if (statvfs(path, &sv) == -1) {
		snprintf(cause, causelen, "cannot measure the disk of '%s': %s",
		    path, strerror(errno));
		return -1;
	}
	if (sv.f_blocks == 0)
		return 0;
	used = (unsigned long long)(sv.f_blocks - sv.f_bfree);
	avail = (unsigned long long)sv.f_bavail;
	if (used + avail == 0)
		return 0;
	return (int)((used * 100 + used + avail - 1) / (used + avail));
}

/* YYYY-MM-DD with a month 01-12 and a day 01-31. */
static int
probe_is_date(const char *s)
{
	int month, day;
	size_t i;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (i = 0; i < 10; i++) {
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	}
	month = (s[5] - '0') * 10 + (s[6] - '0');
	day = (s[8] - '0') * 10 + (s[9] - '0');
	return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

int
probe_last_backup(const char *root, char *out, size_t outlen, char *cause,
    size_t causelen)
{
	char best[11] = "";
	struct dirent *de;
	DIR *dp;

	if ((dp = opendir(root)) == NULL) {
		snprintf(cause, causelen, "cannot list backup_root '%s': %s",
		    root, strerror(errno));
		return -1;
	}
	while ((de = readdir(dp)) != NULL) {
		unsigned char type = de->d_type;

		if (!probe_is_date(de->d_name) ||
		    strcmp(de->d_name, best) <= 0)
			continue;
		if (type == DT_UNKNOWN || type == DT_LNK) {
			struct stat st;

			if (fstatat(dirfd(dp), de->d_name, &st, 0) == -1)
				continue;
			type = S_ISDIR(st.st_mode) ? DT_DIR : DT_REG;
		}
		if (type == DT_DIR)
			memcpy(best, de->d_name, sizeof best);
	}
	closedir(dp);
	if (best[0] == '\0')
		return 0;
	snprintf(out, outlen, "%s", best);
	return 1;
}

/* Reads the status file (at most BACKUP_STATUS_MAX bytes). */
static int
probe_backup_status(const char *root, const char *name,
    struct backup_status *st, char *cause, size_t causelen)
{
	char path[4096], text[BACKUP_STATUS_MAX + 2], why[160];
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "%s/%s", root, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		snprintf(cause, causelen, "cannot read the backup status '%s': "
		    "%s", path, strerror(errno));
		return -1;
	}
	n = read(fd, text, sizeof text - 1);
	close(fd);
	if (n < 0) {
		snprintf(cause, causelen, "cannot read the backup status '%s': "
		    "%s", path, strerror(errno));
		return -1;
	}
	text[n] = '\0';
	if (strlen(text) != (size_t)n) {
		snprintf(cause, causelen, "backup status '%s': holds a NUL",
		    path);
		return -1;
	}
	if (backup_status_parse(text, st, why, sizeof why) == -1) {
		snprintf(cause, causelen, "backup status '%s': %s", path, why);
		return -1;
	}
	return 0;
}

int
probe_backups(const char *root, const char *status, int gap_days,
    long today, struct probe_backups *pb, char *cause, size_t causelen)
{
	long days[512], missing[1], day;
	char good[11] = "", why[64];
	struct backup_status st;
	struct dirent *de;
	struct stat sb;
	size_t nd = 0;
	bool have_st = false;
	int rc = 0;
	DIR *dp;

	memset(pb, 0, sizeof *pb);
	pb->done_at = pb->bytes = -1;
	pb->mailboxes = pb->gaps = -1;
	if (status != NULL) {
		if (probe_backup_status(root, status, &st, cause,
		    causelen) == 0)
			have_st = true;
		else
			rc = 1;
	}
	if ((dp = opendir(root)) == NULL) {
		snprintf(cause, causelen, "cannot list backup_root '%s': %s",
		    root, strerror(errno));
		return -1;
	}
	while ((de = readdir(dp)) != NULL) {
		if (!probe_is_date(de->d_name) ||
		    fstatat(dirfd(dp), de->d_name, &sb, 0) == -1 ||
		    !S_ISDIR(sb.st_mode) ||
		    restore_date_parse(de->d_name, &day, why, sizeof why) == -1)
			continue;
		if (nd < sizeof days / sizeof days[0])
			days[nd++] = day;
		if (strcmp(de->d_name, pb->last) > 0)
			memcpy(pb->last, de->d_name, sizeof pb->last);
		/* The newest night that did not fail, and when it was done. */
		if (have_st && !st.ok && strcmp(de->d_name, st.date) == 0)
			continue;
		if (strcmp(de->d_name, good) > 0) {
			memcpy(good, de->d_name, sizeof good);
			pb->done_at = (long long)sb.st_mtime;
		}
	}
	closedir(dp);
	if (have_st) {
		snprintf(pb->result, sizeof pb->result, "%s",
		    st.ok ? "ok" : "failed");
		if (st.ok)
			pb->done_at = st.completed_at;
		pb->bytes = st.bytes;
		pb->mailboxes = st.mailboxes;
	}
	pb->gaps = (long)backup_gaps(days, nd, today, gap_days, missing, 1);
	if (pb->gaps > 0)
		restore_date_format(missing[0], pb->gap, sizeof pb->gap);
	return rc;
}

int
probe_mail_root(const char *location, char *out, size_t len)
{
	const char *p = location, *colon, *end;
	size_t n;

	/* "format:path[:key=value...]"; a bare path is allowed too. */
	if ((colon = strchr(p, ':')) != NULL && p[0] != '/')
		p = colon + 1;
	if (p[0] != '/')
		return -1;
	end = p + strcspn(p, ":%~");
	/* Up to the last '/' before a variable: that part is fixed. */
	if (*end != '\0' && *end != ':') {
		while (end > p && end[-1] != '/')
			end--;
	}
	n = (size_t)(end - p);
	while (n > 1 && p[n - 1] == '/')
		n--;
	return probe_copy(out, len, p, n);
}

void
probe_version_clean(const char *raw, char *out, size_t len)
{
	size_t start, end, i, n = 0;

	start = strspn(raw, " \t\r\n");
	end = start + strcspn(raw + start, "\r\n");
	while (end > start && (raw[end - 1] == ' ' || raw[end - 1] == '\t'))
		end--;
	for (i = start; i < end && n + 1 < len; i++) {
		char c = raw[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    strchr(".-() ", c) != NULL))
			c = '-';
		out[n++] = c;
	}
	/* Cut mid-way: do not end on a space. */
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

/* The first line of a command's output, trimmed. */
static void
probe_trim(char *s)
{
	size_t start = strspn(s, " \t"), end;

	end = start + strcspn(s + start, "\r\n");
	while (end > start && (s[end - 1] == ' ' || s[end - 1] == '\t'))
		end--;
	memmove(s, s + start, end - start);
	s[end - start] = '\0';
}

/* Runs a program that prints one value; out gets it, trimmed. */
static int
probe_value(char *const argv[], char *out, size_t len, char *cause,
    size_t causelen)
{
	if (exec_capture(argv, PROBE_TIMEOUT_MS, out, len, cause,
	    causelen) == -1)
		return -1;
	probe_trim(out);
	return 0;
}

int
probe_postconf(const char *config_dir, const char *param, char *out,
    size_t len, char *cause, size_t causelen)
{
	char *argv[] = { "postconf", "-c", NULL, "-h", NULL, NULL };

	argv[2] = (char *)config_dir;
	argv[4] = (char *)param;
	return probe_value(argv, out, len, cause, causelen);
}

int
probe_doveconf(const char *config, const char *param, char *out, size_t len,
    char *cause, size_t causelen)
{
	char *argv[] = { "doveconf", "-h", NULL, NULL, NULL, NULL };

	if (config != NULL) {
		argv[1] = "-c";
		argv[2] = (char *)config;
		argv[3] = "-h";
		argv[4] = (char *)param;
	} else
		argv[2] = (char *)param;
	return probe_value(argv, out, len, cause, causelen);
}

int
probe_dovecot_version(char *out, size_t len, char *cause, size_t causelen)
{
	char *argv[] = { "dovecot", "--version", NULL };
	char raw[256];

	if (exec_capture(argv, PROBE_TIMEOUT_MS, raw, sizeof raw, cause,
	    causelen) == -1)
		return -1;
	probe_version_clean(raw, out, len);
	if (out[0] == '\0') {
		snprintf(cause, causelen, "'dovecot --version' printed "
		    "nothing");
		return -1;
	}
	return 0;
}
