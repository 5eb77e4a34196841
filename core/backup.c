/* The nightly backups watched: status file and gaps. */
#include "core/backup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/restore.h"

static int
backup_number(const char *v, long long max, long long *out)
{
	char *end;

	if (v[0] < '0' || v[0] > '9')
		return -1;
	errno = 0;
	*out = strtoll(v, &end, 10);
	return errno != 0 || *end != '\0' || *out > max ? -1 : 0;
}

/* One KEY=VALUE line (comments and blanks already skipped). */
static int
backup_status_line(char *line, struct backup_status *st, bool *have_result,
    char *cause, size_t causelen)
{
	char *eq = strchr(line, '='), *v;
	long long n;

	if (eq == NULL) {
		snprintf(cause, causelen, "'%.40s' is not KEY=VALUE", line);
		return -1;
	}
	*eq = '\0';
	v = eq + 1;
	if (strcmp(line, "date") == 0) {
		if (restore_check_date(v) != NULL) {
			snprintf(cause, causelen, "date '%.40s' is not a "
			    "date YYYY-MM-DD", v);
			return -1;
		}
		snprintf(st->date, sizeof st->date, "%s", v);
	} else if (strcmp(line, "result") == 0) {
		if (strcmp(v, "ok") != 0 && strcmp(v, "failed") != 0) {
			snprintf(cause, causelen, "result '%.40s' is not ok "
			    "or failed", v);
			return -1;
		}
		st->ok = strcmp(v, "ok") == 0;
		*have_result = true;
	} else if (strcmp(line, "completed_at") == 0 ||
	    strcmp(line, "bytes") == 0 || strcmp(line, "mailboxes") == 0) {
		if (backup_number(v, 1LL << 50, &n) == -1) {
			snprintf(cause, causelen, "%s '%.40s' is not a "
			    "number", line, v);
			return -1;
		}
		if (line[0] == 'c')
			st->completed_at = n;
		else if (line[0] == 'b')
			st->bytes = n;
		else
			st->mailboxes = (long)n;
	}
	return 0;
}

int
backup_status_parse(const char *text, struct backup_status *st,
    char *cause, size_t causelen)
{
	char buf[BACKUP_STATUS_MAX + 1], *line, *next;
	bool have_result = false;
	size_t len = strlen(text);
	int lineno = 0;

	memset(st, 0, sizeof *st);
	st->completed_at = st->bytes = st->mailboxes = -1;
	if (len > BACKUP_STATUS_MAX) {
		snprintf(cause, causelen, "longer than %d bytes",
		    BACKUP_STATUS_MAX);
		return -1;
	}
	memcpy(buf, text, len + 1);
	for (line = buf; line != NULL; line = next) {
		char why[96];

		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		line[strcspn(line, "\r")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (backup_status_line(line, st, &have_result, why,
		    sizeof why) == -1) {
			snprintf(cause, causelen, "line %d: %s", lineno, why);
			return -1;
		}
	}
	if (!have_result || st->completed_at < 0) {
		snprintf(cause, causelen, "no %s line",
		    !have_result ? "result=ok|failed" : "completed_at=EPOCH");
		return -1;
	}
	return 0;
}

size_t
backup_gaps(const long *days, size_t n, long today, int window, long *out,
    size_t max)
{
	long oldest = 0, d;
	size_t i, nout = 0;
	bool found;

	if (n == 0)
		return 0;
	oldest = days[0];
	for (i = 1; i < n; i++) {
		if (days[i] < oldest)
			oldest = days[i];
	}
	for (d = today - 1; d >= today - window && d > oldest; d--) {
		found = false;
		for (i = 0; i < n && !found; i++)
			found = days[i] == d;
		if (found)
			continue;
		if (nout < max)
			out[nout] = d;
		nout++;
	}
	return nout;
}

size_t
backup_restore_gaps(const struct restore_backup *b, size_t n, long today,
    long *out, size_t max)
{
	long days[512];
	size_t i, nd = 0;

	for (i = 0; i < n && nd < sizeof days / sizeof days[0]; i++)
		days[nd++] = b[i].day;
	return backup_gaps(days, nd, today, RESTORE_WINDOW_DAYS, out, max);
}

char *
backup_gaps_format(const long *days, size_t count, size_t max, char *buf,
    size_t len)
{
	char day[RESTORE_DATE_LEN];
	size_t i, used;
	int k;

	buf[0] = '\0';
	if (count == 0 || len == 0)
		return buf;
	k = snprintf(buf, len, "%zu night%s missing in the last %d:", count,
	    count == 1 ? "" : "s", RESTORE_WINDOW_DAYS);
	used = k < 0 ? 0 : (size_t)k;
	for (i = 0; i < count && i < max && used < len; i++) {
		restore_date_format(days[i], day, sizeof day);
		/* Room for this date and a ", ..." after it. */
		if (used + 2 + strlen(day) + 5 >= len) {
			snprintf(buf + used, len - used, ", ...");
			return buf;
		}
		k = snprintf(buf + used, len - used, "%s %s", i ? "," : "",
		    day);
		used += k < 0 ? 0 : (size_t)k;
	}
	if (count > max && used + 5 < len)
		snprintf(buf + used, len - used, ", ...");
	return buf;
}
