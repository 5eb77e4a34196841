/* Unit tests of mailnocd's queue counting on a fake Postfix queue tree. */
#include "core/clock.h"
#include "core/xalloc.h"
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

/* The agent's objects are not in the unit-test link: build them in. */
#include "agent/log.h"
#include "agent/queue_scan.h"
#include "agent/queue_watch.h"

static char root[64];
static time_t now;

static void
path_of(char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s/%s", root, rel);
}

static void
mkdir_rel(const char *rel)
{
	char p[256];

	path_of(p, sizeof p, rel);
	assert_int_equal(mkdir(p, 0700), 0);
}

/* Sets a directory's times to `ago` seconds before now. */
static void
age_rel(const char *rel, int ago)
{
	struct timespec ts[2];
	char p[256];

	path_of(p, sizeof p, rel);
	ts[0].tv_sec = ts[1].tv_sec = now - ago;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
}

/* Appends one Postfix record: type, 7-bit-group length, data. */
static size_t
put_record(unsigned char *buf, size_t off, char type, const char *data,
    size_t len)
{
	size_t rest = len;

	buf[off++] = (unsigned char)type;
	do {
		unsigned char b = rest & 0x7f;

		rest >>= 7;
		if (rest != 0)
			b |= 0x80;
		buf[off++] = b;
	} while (rest != 0);
	memcpy(buf + off, data, len);
	return off + len;
}

/* A queue file as cleanup writes it: C (size), T (arrival), S, M, ... */
static size_t
make_qfile(unsigned char *buf, long long arrival)
{
	char c[128], t[64];
	size_t off = 0;

	snprintf(c, sizeof c, "%15d %15d %15d %15d %15d %15d", 276, 263, 1, 0,
	    276, 0);
	snprintf(t, sizeof t, "%lld 380496", arrival);
	off = put_record(buf, off, 'C', c, strlen(c));
	off = put_record(buf, off, 'T', t, strlen(t));
	off = put_record(buf, off, 'S', "app@agency.test", 15);
	off = put_record(buf, off, 'M', "", 0);
	off = put_record(buf, off, 'N', "Subject: x", 10);
	return off;
}

static void
write_qfile(const char *rel, long long arrival)
{
	unsigned char buf[512];
	char p[256];
	size_t n = make_qfile(buf, arrival);
	FILE *f;

	path_of(p, sizeof p, rel);
	assert_non_null(f = fopen(p, "w"));
	assert_int_equal(fwrite(buf, 1, n, f), n);
	fclose(f);
}

static void
rm_rel(const char *rel)
{
	char p[256];

	path_of(p, sizeof p, rel);
	assert_int_equal(unlink(p), 0);
}

static void
mv_rel(const char *from, const char *to)
{
	char a[256], b[256];

	path_of(a, sizeof a, from);
	path_of(b, sizeof b, to);
	assert_int_equal(rename(a, b), 0);
}

static const char *const tree_dirs[] = {
	"incoming", "active", "deferred", "hold",
	"deferred/0", "deferred/3", "deferred/5", "deferred/A", "deferred/A/B",
};

/* Every directory of the tree, aged so that a listing is trusted. */
static void
age_all(int ago)
{
	size_t i;

	for (i = 0; i < sizeof tree_dirs / sizeof tree_dirs[0]; i++)
		age_rel(tree_dirs[i], ago);
}

static int
setup_tree(void **state)
{
	size_t i;

	(void)state;
	now = time(NULL);
	snprintf(root, sizeof root, "/tmp/mailnoc-qscan-XXXXXX");
	assert_non_null(mkdtemp(root));
	for (i = 0; i < sizeof tree_dirs / sizeof tree_dirs[0]; i++)
		mkdir_rel(tree_dirs[i]);
	/* No corrupt/: Postfix makes it when it first needs it. */
	write_qfile("incoming/4A1B2C3D4E", now - 10);
	write_qfile("incoming/4A1B2C3D4F", now - 11);
	write_qfile("active/5B00000001", now - 300);
	write_qfile("deferred/0/0C1", now - 3600);
	write_qfile("deferred/0/0C2", now - 3000);
	write_qfile("deferred/3/3D1", now - 2000);
	write_qfile("deferred/5/5E1", now - 1000);
	write_qfile("deferred/5/5E2", now - 900);
	write_qfile("deferred/A/B/AB1", now - 800);
	/* Long queue IDs (enable_long_queue_ids) are letters and digits. */
	write_qfile("deferred/A/4bZ5yV0Mzjz1xQ", now - 700);
	/* Held for a week: counted, but not the oldest age we report. */
	write_qfile("hold/9F1", now - 7 * 86400);
	/* Not queue files: ignored. */
	write_qfile("incoming/.tmp1", now - 5);
	write_qfile("deferred/0/not-an-id", now - 5);
	age_all(100);
	return 0;
}

static int
teardown_tree(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static struct queue_scan *
open_scan(void)
{
	char cause[256] = "";
	struct queue_scan *qs = queue_scan_new(root, cause, sizeof cause);

	assert_non_null(qs);
	return qs;
}

static void
run_scan(struct queue_scan *qs, struct queue_counts *c)
{
	char cause[256] = "";

	assert_int_equal(queue_scan_run(qs, cause, sizeof cause), 0);
	assert_string_equal(cause, "");
	queue_scan_result(qs, c);
}

/* Scans twice in a row; returns what the second scan did. */
static struct queue_scan_stats
rescan(struct queue_scan *qs, struct queue_counts *c)
{
	struct queue_scan_stats a, b;

	run_scan(qs, c);
	queue_scan_stats(qs, &a);
	run_scan(qs, c);
	queue_scan_stats(qs, &b);
	b.passes -= a.passes;
	b.dirs_checked -= a.dirs_checked;
	b.dirs_read -= a.dirs_read;
	b.files_read -= a.files_read;
	return b;
}

static void
test_counts_exact(void **state)
{
	struct queue_scan *qs = open_scan();
	struct queue_scan_stats st;
	struct queue_counts c;

	(void)state;
	run_scan(qs, &c);
	assert_int_equal(c.count[Q_INCOMING], 2);
	assert_int_equal(c.count[Q_ACTIVE], 1);
	assert_int_equal(c.count[Q_DEFERRED], 7);
	assert_int_equal(c.count[Q_HOLD], 1);
	assert_int_equal(c.count[Q_CORRUPT], 0);
	assert_true(c.complete);
	assert_int_equal(c.pending, 0);
	/* The oldest is the deferred one, not the held one. */
	assert_int_equal(c.oldest, now - 3600);
	queue_scan_stats(qs, &st);
	assert_int_equal(st.files_read, 10);
	assert_int_equal(st.tracked, 10);
	/* 4 queues (corrupt is missing) + 5 hashed subdirectories. */
	assert_int_equal(st.dirs_read, 9);
	queue_scan_free(qs);
}

static void
test_quiet_queue_costs_nothing(void **state)
{
	struct queue_scan *qs = open_scan();
	struct queue_scan_stats d;
	struct queue_counts c;

	(void)state;
	d = rescan(qs, &c);
	assert_int_equal(d.dirs_read, 0);
	assert_int_equal(d.files_read, 0);
	assert_int_equal(d.dirs_checked, 10);
	assert_int_equal(c.count[Q_DEFERRED], 7);
	queue_scan_free(qs);
}

static void
test_incremental(void **state)
{
	struct queue_scan_stats a, b;
	struct queue_scan *qs = open_scan();
	struct queue_counts c;

	(void)state;
	run_scan(qs, &c);

	/* A new message: one directory listed, one file read. */
	queue_scan_stats(qs, &a);
	write_qfile("deferred/3/3D2", now - 50);
	age_rel("deferred/3", 40);
	run_scan(qs, &c);
	queue_scan_stats(qs, &b);
	assert_int_equal(b.dirs_read - a.dirs_read, 1);
	assert_int_equal(b.files_read - a.files_read, 1);
	assert_int_equal(c.count[Q_DEFERRED], 8);
	assert_int_equal(c.oldest, now - 3600);

	/* The oldest is delivered: the next oldest takes its place. */
	rm_rel("deferred/0/0C1");
	age_rel("deferred/0", 30);
	run_scan(qs, &c);
	assert_int_equal(c.count[Q_DEFERRED], 7);
	assert_int_equal(c.oldest, now - 3000);
	queue_scan_stats(qs, &a);
	assert_int_equal(a.tracked, 10);

	/* deferred -> active and back: the cache keeps the arrival. */
	mv_rel("deferred/5/5E1", "active/5E1");
	age_rel("deferred/5", 20);
	age_rel("active", 20);
	run_scan(qs, &c);
	queue_scan_stats(qs, &b);
	assert_int_equal(c.count[Q_ACTIVE], 2);
	assert_int_equal(c.count[Q_DEFERRED], 6);
	assert_int_equal(b.files_read - a.files_read, 0);
	assert_int_equal(b.dirs_read - a.dirs_read, 2);
	mv_rel("active/5E1", "deferred/5/5E1");
	age_rel("deferred/5", 10);
	age_rel("active", 10);
	run_scan(qs, &c);
	queue_scan_stats(qs, &a);
	assert_int_equal(c.count[Q_ACTIVE], 1);
	assert_int_equal(c.count[Q_DEFERRED], 7);
	/* Deferred again: its head is read once more (recipients may have
	 * been delivered; the defer log has a new reason), not for the
	 * arrival, which the cache kept. */
	assert_int_equal(a.files_read - b.files_read, 1);

	/* Held: still counted, no longer in the age. */
	mv_rel("deferred/0/0C2", "hold/0C2");
	age_rel("deferred/0", 5);
	age_rel("hold", 5);
	run_scan(qs, &c);
	assert_int_equal(c.count[Q_HOLD], 2);
	assert_int_equal(c.count[Q_DEFERRED], 6);
	assert_int_equal(c.oldest, now - 2000);
	queue_scan_stats(qs, &b);
	assert_int_equal(b.tracked, 9);
	queue_scan_free(qs);
}

static void
test_recent_change_is_relisted(void **state)
{
	struct queue_scan *qs = open_scan();
	struct queue_scan_stats d;
	struct queue_counts c;

	(void)state;
	/* Changed this very second: the mtime alone cannot be trusted. */
	write_qfile("incoming/4A1B2C3D50", now);
	d = rescan(qs, &c);
	assert_int_equal(d.dirs_read, 1);
	assert_int_equal(d.files_read, 0);
	assert_int_equal(c.count[Q_INCOMING], 3);
	queue_scan_free(qs);
}

static void
test_subdirectories_come_and_go(void **state)
{
	struct queue_scan *qs = open_scan();
	struct queue_counts c;
	char cmd[160];

	(void)state;
	run_scan(qs, &c);
	mkdir_rel("deferred/F");
	write_qfile("deferred/F/F01", now - 60);
	write_qfile("deferred/F/F02", now - 60);
	age_rel("deferred/F", 50);
	age_rel("deferred", 50);
	mkdir_rel("corrupt");
	write_qfile("corrupt/BAD1", now - 60);
	age_rel("corrupt", 50);
	run_scan(qs, &c);
	assert_int_equal(c.count[Q_DEFERRED], 9);
	assert_int_equal(c.count[Q_CORRUPT], 1);
	assert_true(c.complete);

	snprintf(cmd, sizeof cmd, "rm -rf '%s/deferred/A'", root);
	assert_int_equal(system(cmd), 0);
	age_rel("deferred", 40);
	run_scan(qs, &c);
	assert_int_equal(c.count[Q_DEFERRED], 7);
	assert_true(c.complete);
	queue_scan_free(qs);
}

static void
test_unreadable_queue(void **state)
{
	char cause[256] = "";
	struct queue_scan *qs;

	(void)state;
	qs = queue_scan_new("/nonexistent/mailnoc/spool", cause, sizeof cause);
	assert_null(qs);
	assert_non_null(strstr(cause, "'/nonexistent/mailnoc/spool'"));
}

static void
test_cancel(void **state)
{
	struct queue_scan *qs = open_scan();
	char cause[256] = "";
	struct queue_counts c;

	(void)state;
	queue_scan_cancel(qs);
	assert_int_equal(queue_scan_count(qs, cause, sizeof cause), -1);
	assert_string_equal(cause, "queue scan cancelled");
	queue_scan_result(qs, &c);
	assert_false(c.complete);
	queue_scan_free(qs);
}

static void
test_watch_thread(void **state)
{
	struct queue_counts c = { { 0 }, 0, 0, false };
	struct queue_watch w;
	char cause[256] = "";
	long long ms = -1;
	int i;

	(void)state;
	assert_int_equal(queue_watch_start(&w, root, 50, cause, sizeof cause),
	    0);
	assert_int_equal(queue_watch_wait(&w, 5000), 0);
	assert_int_equal(queue_watch_get(&w, &c, &ms), 0);
	assert_int_equal(c.count[Q_DEFERRED], 7);
	assert_true(ms >= 0);
	/* A change shows up within a few periods. */
	write_qfile("incoming/4A1B2C3D51", now);
	for (i = 0; i < 200; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		queue_watch_get(&w, &c, NULL);
		if (c.count[Q_INCOMING] == 3)
			break;
		nanosleep(&ts, NULL);
	}
	assert_int_equal(c.count[Q_INCOMING], 3);
	queue_watch_stop(&w);
}

static void
test_arrival_record(void **state)
{
	unsigned char buf[512], big[600];
	char filler[300];
	long long sec = 0;
	size_t n, off;

	(void)state;
	n = make_qfile(buf, 1795441661);
	assert_int_equal(queue_file_arrival(buf, n, &sec), 0);
	assert_int_equal(sec, 1795441661);

	/* Seconds alone (old Postfix), after a record longer than 127. */
	memset(filler, ' ', sizeof filler);
	off = put_record(big, 0, 'C', filler, sizeof filler);
	assert_int_equal(big[1] & 0x80, 0x80);
	off = put_record(big, off, 'T', "1700000000", 10);
	assert_int_equal(queue_file_arrival(big, off, &sec), 0);
	assert_int_equal(sec, 1700000000);

	/* Cut inside the T record, or before it. */
	assert_int_equal(queue_file_arrival(buf, 100, &sec), -1);
	assert_int_equal(queue_file_arrival(buf, 3, &sec), -1);
	assert_int_equal(queue_file_arrival(buf, 0, &sec), -1);

	/* Content starts before any T record. */
	off = put_record(big, 0, 'C', "1", 1);
	off = put_record(big, off, 'M', "", 0);
	off = put_record(big, off, 'T', "1700000000", 10);
	assert_int_equal(queue_file_arrival(big, off, &sec), -1);

	/* Not a number, or a negative one. */
	off = put_record(big, 0, 'T', "soon", 4);
	assert_int_equal(queue_file_arrival(big, off, &sec), -1);
	off = put_record(big, 0, 'T', "-5 0", 4);
	assert_int_equal(queue_file_arrival(big, off, &sec), -1);
	off = put_record(big, 0, 'T', "17x", 3);
	assert_int_equal(queue_file_arrival(big, off, &sec), -1);

	/* A length with too many continuation bytes. */
	memset(big, 0xff, 16);
	big[0] = 'C';
	assert_int_equal(queue_file_arrival(big, 16, &sec), -1);
}

/* A queue file with a recipient already delivered (done, NULL: none) and
 * the first one still to deliver, after cleanup's attributes. */
static size_t
make_qfile_rcpt(unsigned char *buf, long long arrival, const char *done,
    const char *rcpt)
{
	char t[64], attr[200];
	size_t off = 0;

	snprintf(t, sizeof t, "%lld 380496", arrival);
	off = put_record(buf, off, 'C', "    276     263", 15);
	off = put_record(buf, off, 'T', t, strlen(t));
	memset(attr, 'a', sizeof attr);
	memcpy(attr, "log_helo_name=", 14);
	off = put_record(buf, off, 'A', attr, sizeof attr);
	off = put_record(buf, off, 'S', "app@agency.test", 15);
	if (done != NULL) {
		off = put_record(buf, off, 'O', done, strlen(done));
		off = put_record(buf, off, 'D', done, strlen(done));
	}
	off = put_record(buf, off, 'O', rcpt, strlen(rcpt));
	off = put_record(buf, off, 'R', rcpt, strlen(rcpt));
	off = put_record(buf, off, 'R', "second@other.test", 17);
	off = put_record(buf, off, 'M', "", 0);
	off = put_record(buf, off, 'N', "Subject: x", 10);
	return off;
}

static void
write_rel(const char *rel, const void *data, size_t n)
{
	char p[256];
	FILE *f;

	path_of(p, sizeof p, rel);
	assert_non_null(f = fopen(p, "w"));
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
}

static void
write_msg(const char *rel, const char *done, const char *rcpt)
{
	unsigned char buf[1024];

	write_rel(rel, buf, make_qfile_rcpt(buf, now - 60, done, rcpt));
}

/* A defer log as Postfix's bounce service writes it. */
static void
write_defer(const char *rel, const char *rcpt, const char *reason)
{
	char buf[1024];
	int n;

	n = snprintf(buf, sizeof buf, "\n<%s>: %s\nrecipient=%s\noffset=670\n"
	    "status=4.0.0\naction=delayed\nreason=%s\n\n", rcpt, reason, rcpt,
	    reason);
	write_rel(rel, buf, (size_t)n);
}

static void
test_recipient_and_class(void **state)
{
	unsigned char buf[1024];
	char addr[300];
	size_t n;
	const char *log;

	(void)state;
	n = make_qfile_rcpt(buf, 1795441661, NULL, "u1@Yahoo.Test");
	assert_int_equal(queue_file_recipient(buf, n, addr, sizeof addr), 0);
	assert_string_equal(addr, "u1@Yahoo.Test");
	/* The arrival is still found past the longer records. */
	long long sec;
	assert_int_equal(queue_file_arrival(buf, n, &sec), 0);
	assert_int_equal(sec, 1795441661);
	/* A delivered recipient (D) is skipped. */
	n = make_qfile_rcpt(buf, 1795441661, "done@accept.test", "u2@dead.test");
	assert_int_equal(queue_file_recipient(buf, n, addr, sizeof addr), 0);
	assert_string_equal(addr, "u2@dead.test");
	/* Cut before the recipient, or an address longer than the room. */
	assert_int_equal(queue_file_recipient(buf, 200, addr, sizeof addr), -1);
	assert_int_equal(queue_file_recipient(buf, n, addr, 5), -1);
	/* None before the content. */
	n = make_qfile(buf, 1795441661);
	assert_int_equal(queue_file_recipient(buf, n, addr, sizeof addr), -1);

	log = "\n<u@y.test>: x\nrecipient=u@y.test\nreason=host y[1.2.3.4] "
	    "said: 450 4.7.1 Rate limited (in reply to RCPT TO command)\n\n"
	    "recipient=v@y.test\nreason=connect to y: Connection refused\n";
	assert_int_equal(queue_defer_class(log, strlen(log)), DELAY_THROTTLE);
	log = "recipient=u@d.test\nreason=connect to d.test[1.2.3.4]:25: "
	    "Connection refused\n";
	assert_int_equal(queue_defer_class(log, strlen(log)), DELAY_CONNECT);
	/* Cut in the middle of the reason: its start still classifies. */
	assert_int_equal(queue_defer_class(log, 40), DELAY_CONNECT);
	log = "recipient=u@d.test\nstatus=4.0.0\n";
	assert_int_equal(queue_defer_class(log, strlen(log)), DELAY_NONE);
	assert_int_equal(queue_defer_class("", 0), DELAY_NONE);
}

static const struct queued_entry *
dom(const struct queued_list *l, const char *name)
{
	return queued_list_find(l, name);
}

static void
test_domains(void **state)
{
	struct queue_scan *qs;
	struct queue_counts c;
	struct queued_list l;
	const struct queued_entry *e;
	struct queue_scan_stats a, b;

	(void)state;
	now = time(NULL);
	snprintf(root, sizeof root, "/tmp/mailnoc-qscan-XXXXXX");
	assert_non_null(mkdtemp(root));
	mkdir_rel("incoming");
	mkdir_rel("active");
	mkdir_rel("deferred");
	mkdir_rel("deferred/A");
	mkdir_rel("defer");
	mkdir_rel("defer/A");
	mkdir_rel("hold");
	write_msg("deferred/A/A1", NULL, "u1@Yahoo.Test");
	write_defer("defer/A/A1", "u1@yahoo.test", "host y said: 450 4.7.1 "
	    "Rate limited, try again later");
	write_msg("deferred/A/A2", NULL, "u2@yahoo.test");
	write_defer("defer/A/A2", "u2@yahoo.test", "host y said: 450 4.7.1 "
	    "Rate limited, try again later");
	write_msg("deferred/A/A3", NULL, "u3@dead.test");
	write_defer("defer/A/A3", "u3@dead.test", "connect to dead.test[1.2.3.4]"
	    ":25: Connection refused");
	/* Deferred, its defer log not there (yet): class none. */
	write_msg("deferred/A/A4", NULL, "u4@dead.test");
	write_msg("active/B1", "done@accept.test", "u5@yahoo.test");
	/* Neither incoming nor hold counts as queued for a provider. */
	write_msg("incoming/C1", NULL, "u6@yahoo.test");
	write_msg("hold/D1", NULL, "u7@yahoo.test");
	age_rel("deferred/A", 100);
	age_rel("deferred", 100);
	age_rel("active", 100);
	age_rel("incoming", 100);
	age_rel("hold", 100);

	qs = open_scan();
	run_scan(qs, &c);
	queue_scan_domains(qs, &l);
	assert_int_equal(l.n, 2);
	assert_non_null(e = dom(&l, "yahoo.test"));
	assert_int_equal(e->queued, 3);
	assert_int_equal(e->deferred, 2);
	assert_int_equal(e->by_class[DELAY_THROTTLE], 2);
	assert_non_null(e = dom(&l, "dead.test"));
	assert_int_equal(e->queued, 2);
	assert_int_equal(e->deferred, 2);
	assert_int_equal(e->by_class[DELAY_CONNECT], 1);
	assert_int_equal(e->by_class[DELAY_NONE], 1);
	queued_list_free(&l);

	/* The active one is deferred: its class is read as it arrives. */
	write_defer("defer/A/B1", "u5@yahoo.test", "host y said: 421 4.7.0 "
	    "Too many connections");
	mv_rel("active/B1", "deferred/A/B1");
	/* A message delivered: gone from the counts. */
	rm_rel("deferred/A/A3");
	age_rel("active", 50);
	age_rel("deferred/A", 50);
	run_scan(qs, &c);
	queue_scan_domains(qs, &l);
	assert_non_null(e = dom(&l, "yahoo.test"));
	assert_int_equal(e->queued, 3);
	assert_int_equal(e->deferred, 3);
	assert_int_equal(e->by_class[DELAY_THROTTLE], 3);
	assert_non_null(e = dom(&l, "dead.test"));
	assert_int_equal(e->queued, 1);
	assert_int_equal(e->by_class[DELAY_CONNECT], 0);
	queued_list_free(&l);

	/* Retried and deferred again, for another reason, between two passes:
	 * back in the same directory, its class is read again all the same. */
	mv_rel("deferred/A/A1", "active/A1");
	mv_rel("active/A1", "deferred/A/A1");
	write_defer("defer/A/A1", "u1@yahoo.test", "connect to y[1.2.3.4]:25: "
	    "Connection timed out");
	age_rel("deferred/A", 30);
	run_scan(qs, &c);
	queue_scan_domains(qs, &l);
	assert_non_null(e = dom(&l, "yahoo.test"));
	assert_int_equal(e->deferred, 3);
	assert_int_equal(e->by_class[DELAY_THROTTLE], 2);
	assert_int_equal(e->by_class[DELAY_CONNECT], 1);
	queued_list_free(&l);

	/* A quiet queue reads no defer log. */
	queue_scan_stats(qs, &a);
	run_scan(qs, &c);
	queue_scan_stats(qs, &b);
	assert_int_equal(b.defer_logs_read, a.defer_logs_read);
	assert_int_equal(b.files_read, a.files_read);
	queue_scan_free(qs);
	teardown_tree(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_counts_exact, setup_tree,
		    teardown_tree),
		cmocka_unit_test_setup_teardown(test_quiet_queue_costs_nothing,
		    setup_tree, teardown_tree),
		cmocka_unit_test_setup_teardown(test_incremental, setup_tree,
		    teardown_tree),
		cmocka_unit_test_setup_teardown(test_recent_change_is_relisted,
		    setup_tree, teardown_tree),
		cmocka_unit_test_setup_teardown(test_subdirectories_come_and_go,
		    setup_tree, teardown_tree),
		cmocka_unit_test(test_unreadable_queue),
		cmocka_unit_test_setup_teardown(test_cancel, setup_tree,
		    teardown_tree),
		cmocka_unit_test_setup_teardown(test_watch_thread, setup_tree,
		    teardown_tree),
		cmocka_unit_test(test_arrival_record),
		cmocka_unit_test(test_recipient_and_class),
		cmocka_unit_test(test_domains),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
