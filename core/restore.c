/* Mailbox restore rules: names, dates, the 28-day window, folder, node. */
#include "core/restore.h"

#include <stdio.h>
#include <string.h>

/* Days since 1970-01-01 of a proleptic Gregorian date (y, 1-12, 1-31). */
static long
restore_days_from_civil(long y, int m, int d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
restore_civil_from_days(long z, long *y, int *m, int *d)
{
	long era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int
restore_month_days(long y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
		31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/* Returns 0 with y, m, d set, or -1 with what is wrong in *why. */
static int
restore_date_split(const char *s, long *y, int *m, int *d, const char **why)
{
	static const char form[] = "use a date written YYYY-MM-DD";
	size_t i;

	*why = form;
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (i = 0; i < 10; i++) {
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	}
	*y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	*m = (s[5] - '0') * 10 + (s[6] - '0');
	*d = (s[8] - '0') * 10 + (s[9] - '0');
	if (*y < 1970) {
		*why = "use a date from 1970 on";
		return -1;
	}
	if (*m < 1 || *m > 12) {
		*why = "that month does not exist; months are 01-12";
		return -1;
	}
	if (*d < 1 || *d > restore_month_days(*y, *m)) {
		*why = "that day does not exist in that month";
		return -1;
	}
	*why = NULL;
	return 0;
}

const char *
restore_check_date(const char *s)
{
	const char *why;
	long y;
	int m, d;

	return restore_date_split(s, &y, &m, &d, &why) == 0 ? NULL : why;
}

int
restore_date_parse(const char *s, long *day, char *cause, size_t len)
{
	const char *why;
	long y;
	int m, d;

	if (restore_date_split(s, &y, &m, &d, &why) == -1) {
		snprintf(cause, len, "'%.32s' is not a date: %s", s, why);
		return -1;
	}
	*day = restore_days_from_civil(y, m, d);
	return 0;
}

char *
restore_date_format(long day, char *out, size_t len)
{
	long y;
	int m, d;

	restore_civil_from_days(day, &y, &m, &d);
	snprintf(out, len, "%04ld-%02d-%02d", y, m, d);
	return out;
}

long
restore_today(time_t now)
{
	struct tm tm;

	localtime_r(&now, &tm);
	return restore_days_from_civil(tm.tm_year + 1900L, tm.tm_mon + 1,
	    tm.tm_mday);
}

const char *
restore_age_refused(long age)
{
	if (age < 0)
		return "it is in the future";
	if (age > RESTORE_WINDOW_DAYS)
		return "it is older than 28 days; only backups of the last 28 "
		       "days are restored";
	return NULL;
}

int
restore_date_check(const char *s, long today, long *day, long *age,
    char *cause, size_t len)
{
	if (restore_date_parse(s, day, cause, len) == -1)
		return -1;
	*age = today - *day;
	if (*age < 0) {
		snprintf(cause, len, "%s is in the future; give a date of the "
		    "last %d days", s, RESTORE_WINDOW_DAYS);
		return -1;
	}
	if (*age > RESTORE_WINDOW_DAYS) {
		snprintf(cause, len, "%s is %ld days old; only backups of the "
		    "last %d days are restored", s, *age, RESTORE_WINDOW_DAYS);
		return -1;
	}
	return 0;
}

long
restore_pick_latest(const struct restore_backup *b, size_t n, long today)
{
	long best = -1;
	size_t i;

	for (i = 0; i < n; i++) {
		if (restore_age_refused(today - b[i].day) != NULL)
			continue;
		if (best == -1 || b[i].day > b[best].day)
			best = (long)i;
	}
	return best;
}

long
restore_find(const struct restore_backup *b, size_t n, long day)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (b[i].day == day)
			return (long)i;
	}
	return -1;
}

/* "Restored-" + date, then nothing or "-N" with N >= 2 without a leading 0. */
static const char *
restore_folder_tail(const char *s, size_t *end)
{
	static const char accepted[] = "use Restored-YYYY-MM-DD or "
	    "Restored-YYYY-MM-DD-N";
	size_t plen = sizeof RESTORE_FOLDER_PREFIX - 1, i;
	char date[RESTORE_DATE_LEN];

	if (strncmp(s, RESTORE_FOLDER_PREFIX, plen) != 0 ||
	    strlen(s) < plen + 10)
		return accepted;
	memcpy(date, s + plen, 10);
	date[10] = '\0';
	if (restore_check_date(date) != NULL)
		return accepted;
	i = plen + 10;
	if (s[i] == '-') {
		size_t start = ++i;

		while (s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == start || i - start > 2 || s[start] == '0' ||
		    (i - start == 1 && s[start] == '1'))
			return accepted;
	}
	*end = i;
	return NULL;
}

const char *
restore_check_folder(const char *s)
{
	const char *why;
	size_t end = 0;

	if ((why = restore_folder_tail(s, &end)) != NULL)
		return why;
	return s[end] == '\0' ? NULL : "use Restored-YYYY-MM-DD or "
	    "Restored-YYYY-MM-DD-N";
}

const char *
restore_check_folder_pattern(const char *s)
{
	const char *why;
	size_t end = 0;

	if ((why = restore_folder_tail(s, &end)) != NULL)
		return why;
	return strcmp(s + end, "*") == 0 ? NULL : "use a restore folder "
	    "followed by '*'";
}

bool
restore_folder_owns(const char *folder, const char *name)
{
	size_t n = strlen(folder);
	unsigned char next;

	if (strncmp(folder, name, n) != 0)
		return false;
	next = (unsigned char)name[n];
	/*
	 * A child follows the hierarchy separator ('/' or '.'); "-2" or more
	 * digits would make it another restore's folder.
	 */
	return next == '\0' || (next != '-' && !(next >= '0' && next <= '9'));
}

int
restore_folder_choose(const char *date, const char *const *existing,
    size_t n, char *out, size_t len, char *cause, size_t causelen)
{
	char name[RESTORE_FOLDER_MAX];
	int suffix;
	size_t i;

	for (suffix = 1; suffix <= RESTORE_FOLDER_MAX_SUFFIX; suffix++) {
		bool taken = false;

		if (suffix == 1)
			snprintf(name, sizeof name, RESTORE_FOLDER_PREFIX "%s",
			    date);
		else
			snprintf(name, sizeof name, RESTORE_FOLDER_PREFIX "%s-%d",
			    date, suffix);
		for (i = 0; i < n && !taken; i++)
			taken = restore_folder_owns(name, existing[i]);
		if (!taken) {
			snprintf(out, len, "%s", name);
			return 0;
		}
	}
	snprintf(cause, causelen, "the backup of %s was already restored %d "
	    "times into this mailbox; delete old Restored-%s folders first",
	    date, RESTORE_FOLDER_MAX_SUFFIX, date);
	return -1;
}

/* The live active node of `cluster`, or NULL with `cause` set. */
static const struct config_node *
restore_active(const struct config *cfg, const struct snapshot *snap,
    const char *cluster, char *cause, size_t len)
{
	const struct config_node *found = NULL, *other = NULL;
	char silent[64] = "";
	size_t i;

	for (i = 0; i < cfg->nnodes; i++) {
		const struct config_node *n = &cfg->nodes[i];
		const struct node_status *st;

		if (n->role != NODE_MAILBOX || strcmp(n->cluster, cluster) != 0)
			continue;
		st = snapshot_node(snap, n->name);
		if (st == NULL || !st->alive) {
			if (st != NULL && st->state == STATE_ACTIVE &&
			    silent[0] == '\0')
				snprintf(silent, sizeof silent, "%s", n->name);
			continue;
		}
		if (st->state != STATE_ACTIVE)
			continue;
		if (found == NULL)
			found = n;
		else if (other == NULL)
			other = n;
	}
	if (found == NULL) {
		snprintf(cause, len, "cluster '%s' has no live active node%s%s%s; "
		    "nothing can be restored until one takes over", cluster,
		    silent[0] ? " (" : "", silent, silent[0] ?
		    " says active but is silent)" : "");
		return NULL;
	}
	if (other != NULL) {
		snprintf(cause, len, "cluster '%s' has two live active nodes, %s "
		    "and %s (split brain); refusing to write to either", cluster,
		    found->name, other->name);
		return NULL;
	}
	return found;
}

const struct config_node *
restore_pick_node(const struct config *cfg, const struct snapshot *snap,
    const char *node, bool need_active, char *cause, size_t len)
{
	const struct config_node *n, *active;
	const char *cluster = NULL;
	char clusters[128] = "";
	size_t i, off = 0, nclusters = 0;

	if (node != NULL) {
		if ((n = config_node_find(cfg, node)) == NULL) {
			snprintf(cause, len, "unknown node '%.64s'", node);
			return NULL;
		}
		if (n->role != NODE_MAILBOX) {
			snprintf(cause, len, "'%s' is a gateway, not a mailbox "
			    "node; mailboxes are restored on mailbox nodes", node);
			return NULL;
		}
		if (!need_active)
			return n;
		if ((active = restore_active(cfg, snap, n->cluster, cause,
			 len)) == NULL)
			return NULL;
		if (active != n) {
			snprintf(cause, len, "'%s' is not the live active node of "
			    "cluster '%s'; restores run on %s (leave out --node)",
			    node, n->cluster, active->name);
			return NULL;
		}
		return n;
	}
	for (i = 0; i < cfg->nnodes; i++) {
		const struct config_node *c = &cfg->nodes[i];
		size_t j;

		if (c->role != NODE_MAILBOX)
			continue;
		for (j = 0; j < i; j++) {
			if (cfg->nodes[j].role == NODE_MAILBOX &&
			    strcmp(cfg->nodes[j].cluster, c->cluster) == 0)
				break;
		}
		if (j < i)
			continue;
		if (cluster == NULL)
			cluster = c->cluster;
		if (off < sizeof clusters)
			off += (size_t)snprintf(clusters + off, sizeof clusters -
			    off, "%s%s", nclusters ? ", " : "", c->cluster);
		nclusters++;
	}
	if (nclusters == 0) {
		snprintf(cause, len, "no mailbox node is configured");
		return NULL;
	}
	if (nclusters > 1) {
		snprintf(cause, len, "there are %zu mailbox clusters (%s); say "
		    "which with --node NODE", nclusters, clusters);
		return NULL;
	}
	return restore_active(cfg, snap, cluster, cause, len);
}
