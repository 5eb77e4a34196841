/* Benchmark of the overview refresh: CPU time with 1,000 nodes and 5,000
 * agencies, and bytes written to the terminal when one figure changes. Run
 * by tests/bench/run against a throw-away redis-server; with --fetch-only it
 * only refreshes, for strace to count round trips from the outside. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backends/redis.h"
#include "backends/snapshot.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/keys.h"
#include "tui/theme.h"
#include "tui/view.h"

#define NODES 1000
#define AGENCIES 5000
#define REFRESHES 50

static double
cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* Writes a configuration naming NODES nodes, Redis on `port`. */
static void
write_config(const char *path, int port)
{
	FILE *f = fopen(path, "w");
	int i;

	fprintf(f, "{\"redis\":{\"host\":\"127.0.0.1\",\"port\":%d,"
	    "\"command_timeout_ms\":20000},\"ssh\":{\"agent\":true},"
	    "\"nodes\":[", port);
	for (i = 0; i < NODES; i++)
		fprintf(f, "%s{\"name\":\"n%04d\",\"role\":\"%s\","
		    "\"cluster\":\"c%03d\",\"ssh_host\":\"127.0.0.1\"%s}",
		    i ? "," : "", i, i % 2 ? "mailbox" : "gateway", i / 2,
		    i % 2 ? ",\"backup_root\":\"/srv/b\"" : "");
	fprintf(f, "]}\n");
	fclose(f);
}

static void
populate(struct redis *r)
{
	const struct config *cfg = r->cfg;
	long long now = clock_wall_ms() / 1000;
	char key[128];
	size_t i, n = 0;
	void *reply;

	for (i = 0; i < NODES; i++) {
		char name[16];

		snprintf(name, sizeof name, "n%04zu", i);
		redisAppendCommand(r->ctx, "HSET %s role %s cluster c%03d "
		    "state %s q_incoming 3 q_active 12 q_deferred %d q_hold 0 "
		    "q_corrupt 0 oldest_age 4000 load1 0.42 disk_pct 37 "
		    "version 0.1.0 mta_version 3.7.11 interval 2 updated_at %lld",
		    redis_key(cfg, key, sizeof key, KEY_NODE, name),
		    i % 2 ? "mailbox" : "gateway", (int)(i / 2),
		    i % 4 == 1 ? "standby" : "active", (int)(i * 7), now);
		redisAppendCommand(r->ctx, "SET %s 1 EX 600",
		    redis_key(cfg, key, sizeof key, KEY_NODE_ALIVE, name));
		redisAppendCommand(r->ctx, "SADD %s %s",
		    redis_key(cfg, key, sizeof key, KEY_NODES), name);
		n += 3;
	}
	for (i = 0; i < AGENCIES; i++) {
		char id[16];

		snprintf(id, sizeof id, "a%05zu", i);
		redisAppendCommand(r->ctx, "SADD %s %s",
		    redis_key(cfg, key, sizeof key, KEY_AGENCIES), id);
		redisAppendCommand(r->ctx, "HSET %s name agency-%d daily 20000",
		    redis_key(cfg, key, sizeof key, KEY_AGENCY, id), (int)i);
		n += 2;
	}
	for (i = 0; i < 60; i++) {
		redisAppendCommand(r->ctx, "XADD %s * type role_change node "
		    "n%04d cluster c%03d from standby to active at %lld",
		    redis_key(cfg, key, sizeof key, KEY_EVENTS), (int)i,
		    (int)(i / 2), now - 3600);
		n++;
	}
	while (n-- > 0) {
		if (redisGetReply(r->ctx, &reply) != REDIS_OK) {
			fprintf(stderr, "bench: populate: %s\n", r->ctx->errstr);
			exit(1);
		}
		freeReplyObject(reply);
	}
}

/* The same reads one command at a time, as a console without pipelining. */
static double
fetch_unpipelined(struct redis *r)
{
	const struct config *cfg = r->cfg;
	double start = clock_mono_ms();
	char key[128];
	size_t i;

	for (i = 0; i < cfg->nnodes; i++) {
		freeReplyObject(redis_command(r, "HGETALL %s", redis_key(cfg,
		    key, sizeof key, KEY_NODE, cfg->nodes[i].name)));
		freeReplyObject(redis_command(r, "EXISTS %s", redis_key(cfg,
		    key, sizeof key, KEY_NODE_ALIVE, cfg->nodes[i].name)));
	}
	freeReplyObject(redis_command(r, "XREVRANGE %s + - COUNT 50",
	    redis_key(cfg, key, sizeof key, KEY_EVENTS)));
	return clock_mono_ms() - start;
}

static long
file_size(FILE *f)
{
	struct stat st;

	fflush(f);
	return fstat(fileno(f), &st) == 0 ? (long)st.st_size : -1;
}

/* Draws frames of the overview into a file and counts bytes. */
static void
bench_terminal(const struct config *cfg, struct snapshot *snap,
    struct snapshot *changed, double *cpu_draw)
{
	struct console c;
	char path[] = "/tmp/mailnoc-bench-tty-XXXXXX";
	long b0, b1, b2, b3;
	long long sec;
	SCREEN *scr;
	FILE *out;
	double t0;
	int fd, i;

	fd = mkstemp(path);
	out = fdopen(fd, "w+");
	unlink(path);
	setenv("TERM", "xterm-256color", 1);
	setenv("LINES", "24", 1);
	setenv("COLUMNS", "80", 1);
	scr = newterm(NULL, out, stdin);
	set_term(scr);
	memset(&c, 0, sizeof c);
	c.cfg = cfg;
	console_views_init(&c);
	c.snap = snap;
	c.snap_mono_ms = clock_mono_ms();
	do {
		sec = clock_wall_ms() / 1000;
		console_draw(&c);
		b0 = file_size(out);
		console_draw(&c);
		b1 = file_size(out);
		/* One figure changes: the first gateway's deferred count. */
		c.prev = snap;
		c.snap = changed;
		console_draw(&c);
		b2 = file_size(out);
		clearok(curscr, TRUE);
		console_draw(&c);
		b3 = file_size(out);
		c.prev = NULL;
		c.snap = snap;
	} while (clock_wall_ms() / 1000 != sec);
	t0 = cpu_ms();
	for (i = 0; i < REFRESHES; i++)
		console_draw(&c);
	*cpu_draw = (cpu_ms() - t0) / REFRESHES;
	endwin();
	delscreen(scr);
	for (i = 0; i < CONSOLE_NVIEWS; i++)
		c.views[i]->free(c.state[i]);
	fclose(out);
	printf("terminal bytes, nothing changed:          %ld\n", b1 - b0);
	printf("terminal bytes, one figure changed:       %ld (goal < 200)\n",
	    b2 - b1);
	printf("terminal bytes, full repaint:             %ld\n", b3 - b2);
	printf("ratio one-figure update / full repaint:   %.3f\n",
	    (double)(b2 - b1) / (double)(b3 - b2));
}

int
main(int argc, char **argv)
{
	char cfgpath[] = "/tmp/mailnoc-bench-cfg-XXXXXX", cause[512];
	struct snapshot *snap, *changed;
	double t0, w0, cpu_fetch, wall_fetch, unpiped, cpu_draw;
	struct config *cfg;
	struct snapshot_query q;
	struct redis r;
	int i, fd, fetch_only = 0;

	if (argc == 4 && strcmp(argv[1], "--fetch-only") == 0) {
		fetch_only = atoi(argv[2]);
		argv += 2;
	} else if (argc != 2) {
		fprintf(stderr, "usage: bench_overview [--fetch-only N] "
		    "REDIS_PORT\n");
		return 2;
	}
	fd = mkstemp(cfgpath);
	close(fd);
	write_config(cfgpath, atoi(argv[1]));
	if ((cfg = config_load(cfgpath, cause, sizeof cause)) == NULL) {
		fprintf(stderr, "bench: %s\n", cause);
		return 1;
	}
	unlink(cfgpath);
	redis_init(&r, cfg);
	if (redis_connect(&r) == -1) {
		fprintf(stderr, "bench: %s\n", r.errstr);
		return 1;
	}
	snapshot_query_build(&q, cfg, NULL, 0);
	if (fetch_only > 0) {
		/* strace sees this fd's reads and writes: say which it is. */
		printf("fd %d\n", r.ctx->fd);
		fflush(stdout);
		for (i = 0; i < fetch_only; i++)
			snapshot_free(snapshot_fetch(&r, &q));
		redis_close(&r);
		snapshot_query_free(&q);
		config_free(cfg);
		return 0;
	}
	populate(&r);

	snapshot_free(snapshot_fetch(&r, &q));
	t0 = cpu_ms();
	w0 = clock_mono_ms();
	for (i = 0; i < REFRESHES; i++)
		snapshot_free(snapshot_fetch(&r, &q));
	cpu_fetch = (cpu_ms() - t0) / REFRESHES;
	wall_fetch = (clock_mono_ms() - w0) / REFRESHES;
	unpiped = fetch_unpipelined(&r);

	printf("overview refresh, %d nodes, %d agencies, %d refreshes\n",
	    NODES, AGENCIES, REFRESHES);
	printf("cpu per refresh (fetch + parse):          %.2f ms\n", cpu_fetch);
	printf("wall per refresh (fetch + parse):         %.2f ms\n", wall_fetch);
	printf("wall, same reads one command at a time:   %.2f ms (%ld round "
	    "trips)\n", unpiped, (long)(2 * NODES + 1));
	printf("ratio pipelined / one-at-a-time:          %.3f\n",
	    wall_fetch / unpiped);

	snap = snapshot_fetch(&r, &q);
	changed = snapshot_fetch(&r, &q);
	changed->nodes[0].queue[Q_DEFERRED] += 1;
	bench_terminal(cfg, snap, changed, &cpu_draw);
	printf("cpu per frame (draw overview):            %.2f ms\n", cpu_draw);
	printf("cpu per refresh (fetch + parse + draw):   %.2f ms (goal < 5)\n",
	    cpu_fetch + cpu_draw);
	snapshot_free(snap);
	snapshot_free(changed);
	redis_close(&r);
	snapshot_query_free(&q);
	config_free(cfg);
	return 0;
}
