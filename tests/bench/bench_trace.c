/*
 * The message trace bench's data: N messages of synthesized Postfix log
 * lines over DAYS days (ending an hour ago), written twice: OUT/all.log (the
 * whole log, for the follower) and OUT/days/maillog-YYYYMMDD.gz, one gzip
 * file per day, the newest day plain as OUT/days/maillog (the operator's
 * rotated logs).
 *
 *   bench_trace gen N DAYS OUT    prints the number of lines written
 *
 * Each message: connect, client=, message-id, qmgr from=, one delivery
 * (8 % deferred first, 2 % bounced), removed. Recipients u0..u1999 at eight
 * domains; senders app0..app99 at agency0..agency19.test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <zlib.h>

static const char *const domains[] = { "yahoo.test", "hotmail.test",
	"gmail.test", "accept.test", "inbound.test", "example.test",
	"mail.test", "post.test" };

struct out {
	FILE *all;
	gzFile day;
	FILE *plain;
	int cur;          /* day number of the open day file */
	const char *dir;
	long long lines;
};

static void
put(struct out *o, const char *line, size_t n)
{
	fwrite(line, 1, n, o->all);
	if (o->plain != NULL)
		fwrite(line, 1, n, o->plain);
	else
		gzwrite(o->day, line, (unsigned)n);
	o->lines++;
}

static void
open_day(struct out *o, long long t, int last)
{
	char path[512], ymd[16];
	time_t tt = (time_t)t;
	struct tm tm;

	if (o->day != NULL)
		gzclose(o->day);
	if (o->plain != NULL)
		fclose(o->plain);
	o->day = NULL;
	o->plain = NULL;
	localtime_r(&tt, &tm);
	strftime(ymd, sizeof ymd, "%Y%m%d", &tm);
	if (last) {
		snprintf(path, sizeof path, "%s/days/maillog", o->dir);
		o->plain = fopen(path, "w");
	} else {
		snprintf(path, sizeof path, "%s/days/maillog-%s.gz", o->dir, ymd);
		o->day = gzopen(path, "wb6");
	}
	if (o->day == NULL && o->plain == NULL) {
		perror(path);
		exit(1);
	}
}

int
main(int argc, char **argv)
{
	char path[512], line[1024], stamp[32], qid[16], dqid[16];
	long long n, i, now, start, span, t;
	int days, day0, len;
	struct out o;

	if (argc != 5 || strcmp(argv[1], "gen") != 0) {
		fprintf(stderr, "usage: bench_trace gen N DAYS OUT\n");
		return 2;
	}
	n = atoll(argv[2]);
	days = atoi(argv[3]);
	if (n < 1 || days < 1) {
		fprintf(stderr, "bench_trace: N and DAYS must be positive\n");
		return 2;
	}
	memset(&o, 0, sizeof o);
	o.dir = argv[4];
	snprintf(path, sizeof path, "%s/days", o.dir);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/all.log", o.dir);
	if ((o.all = fopen(path, "w")) == NULL) {
		perror(path);
		return 1;
	}
	now = (long long)time(NULL) - 3600;
	start = now - (long long)days * 86400;
	span = now - start;
	o.cur = -1;
	srandom(17);
	for (i = 0; i < n; i++) {
		long long user = random() % 2000;
		const char *dom = domains[random() % 8];
		int r = (int)(random() % 100), pid = 1000 + (int)(i % 5000);
		time_t tt;
		struct tm tm;

		t = start + span * i / n;
		tt = (time_t)t;
		localtime_r(&tt, &tm);
		day0 = (int)((t - start) / 86400);
		if (day0 != o.cur) {
			o.cur = day0;
			open_day(&o, t, day0 == days - 1 ||
			    t + 86400 > now);
		}
		strftime(stamp, sizeof stamp, "%b %d %H:%M:%S", &tm);
		snprintf(qid, sizeof qid, "%05llX%06llX", (i >> 24) & 0xfffff,
		    i & 0xffffff);
		snprintf(dqid, sizeof dqid, "F%010llX", i);
#define LINE(...) do { len = snprintf(line, sizeof line, __VA_ARGS__); \
	put(&o, line, (size_t)len); } while (0)
		LINE("%s gw1 postfix/smtpd[%d]: connect from app%lld.agency%lld."
		    "test[10.1.%lld.%lld]\n", stamp, pid, i % 100, i % 20,
		    i % 20, 1 + i % 200);
		LINE("%s gw1 postfix/smtpd[%d]: %s: client=app%lld.agency%lld."
		    "test[10.1.%lld.%lld]\n", stamp, pid, qid, i % 100, i % 20,
		    i % 20, 1 + i % 200);
		LINE("%s gw1 postfix/cleanup[%d]: %s: message-id=<%lld.%s@app."
		    "agency%lld.test>\n", stamp, pid + 1, qid, i, qid, i % 20);
		LINE("%s gw1 postfix/qmgr[900]: %s: from=<app%lld@agency%lld."
		    "test>, size=%lld, nrcpt=1 (queue active)\n", stamp, qid,
		    i % 100, i % 20, 1000 + i % 9000);
		if (r < 8)
			LINE("%s gw1 postfix/smtp[%d]: %s: to=<u%lld@%s>, "
			    "relay=mx.%s[192.0.2.%d]:25, delay=1.2, "
			    "delays=0.01/0/0.2/1, dsn=4.7.1, status=deferred "
			    "(host mx.%s[192.0.2.%d] said: 421 4.7.1 Too many "
			    "messages, try again later (in reply to MAIL FROM "
			    "command))\n", stamp, pid + 2, qid, user, dom, dom,
			    r + 1, dom, r + 1);
		if (r < 2) {
			LINE("%s gw1 postfix/smtp[%d]: %s: to=<u%lld@%s>, "
			    "relay=mx.%s[192.0.2.%d]:25, delay=2.5, "
			    "delays=0.01/0/0.3/2.2, dsn=5.1.1, status=bounced "
			    "(host mx.%s[192.0.2.%d] said: 550 5.1.1 User "
			    "unknown (in reply to RCPT TO command))\n", stamp,
			    pid + 2, qid, user, dom, dom, r + 1, dom, r + 1);
			LINE("%s gw1 postfix/bounce[%d]: %s: sender non-delivery "
			    "notification: %s\n", stamp, pid + 3, qid, dqid);
		} else
			LINE("%s gw1 postfix/smtp[%d]: %s: to=<u%lld@%s>, "
			    "relay=mx.%s[192.0.2.%d]:25, delay=0.4, "
			    "delays=0.01/0/0.1/0.3, dsn=2.0.0, status=sent "
			    "(250 2.0.0 Ok: queued as %s)\n", stamp, pid + 2,
			    qid, user, dom, dom, 1 + r % 4, dqid);
		LINE("%s gw1 postfix/qmgr[900]: %s: removed\n", stamp, qid);
		LINE("%s gw1 postfix/smtpd[%d]: disconnect from app%lld.agency"
		    "%lld.test[10.1.%lld.%lld] ehlo=1 mail=1 rcpt=1 data=1 "
		    "quit=1 commands=5\n", stamp, pid, i % 100, i % 20, i % 20,
		    1 + i % 200);
#undef LINE
	}
	if (o.day != NULL)
		gzclose(o.day);
	if (o.plain != NULL)
		fclose(o.plain);
	fclose(o.all);
	printf("%lld\n", o.lines);
	return 0;
}
