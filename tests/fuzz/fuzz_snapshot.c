/* Fuzzes the overview's reply parser (snapshot_parse) with a fake Redis
 * reply tree built from the input (fuzz_reply.h): a byte for the number of
 * configured nodes, one for the extra nodes, then one reply per command of
 * the pipeline. What it keeps must be in range and free of control
 * characters. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backends/snapshot.h"
#include "core/config.h"
#include "core/model.h"
#include "core/validate.h"
#include "tests/fuzz/fuzz_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const struct snapshot *s)
{
	const struct node_status *n;
	size_t i, q;

	for (i = 0; i < s->nnodes; i++) {
		n = &s->nodes[i];
		for (q = 0; q < Q_COUNT; q++)
			if (n->queue[q] < -1)
				__builtin_trap();
		if (n->disk_pct < -1 || n->disk_pct > 100 ||
		    n->interval < 0 || n->interval > 3600 ||
		    n->oldest_age < -1 || n->updated_at < 0 ||
		    (n->load1 != -1 && !(n->load1 >= 0 && n->load1 < 1e6)))
			__builtin_trap();
		fuzz_reply_check_text(n->cluster);
		fuzz_reply_check_text(n->last_backup);
		fuzz_reply_check_text(n->version);
		fuzz_reply_check_text(n->mta_version);
	}
	for (i = 0; i < s->nevents; i++) {
		fuzz_reply_check_text(s->events[i].id);
		fuzz_reply_check_text(s->events[i].type);
		fuzz_reply_check_text(s->events[i].node);
		fuzz_reply_check_text(s->events[i].cluster);
		fuzz_reply_check_text(s->events[i].from);
		fuzz_reply_check_text(s->events[i].to);
		fuzz_reply_check_text(s->events[i].detail);
	}
	for (i = 0; i < s->nunknown; i++)
		if (validate_name(s->unknown[i]) != NULL)
			__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *conf[] = { "gw1", "gw2", "mbx1" };
	static char *extra[] = { "gw9", "old-node" };
	char *names[5];
	struct config_node nodes[3];
	struct config cfg;
	struct snapshot_query q;
	struct fuzz_input in = { data, size };
	struct snapshot *s;
	redisReply **rep;
	size_t i;

	memset(&cfg, 0, sizeof cfg);
	memset(nodes, 0, sizeof nodes);
	memset(&q, 0, sizeof q);
	cfg.nodes = nodes;
	cfg.nnodes = fuzz_next(&in) % 4;
	for (i = 0; i < cfg.nnodes; i++) {
		nodes[i].name = conf[i];
		nodes[i].cluster = i < 2 ? "edge" : "store";
		nodes[i].role = i < 2 ? NODE_GATEWAY : NODE_MAILBOX;
	}
	q.nconfigured = cfg.nnodes;
	q.nnames = cfg.nnodes + fuzz_next(&in) % 3;
	for (i = 0; i < q.nnames; i++)
		names[i] = i < cfg.nnodes ? conf[i] : extra[i - cfg.nnodes];
	q.names = names;
	q.ncmd = 1 + 2 * q.nnames + 4;
	rep = calloc(q.ncmd, sizeof *rep);
	for (i = 0; i < q.ncmd; i++)
		rep[i] = fuzz_reply(&in, 0, 1);
	s = snapshot_parse(&cfg, &q, rep);
	check(s);
	snapshot_free(s);
	for (i = 0; i < q.ncmd; i++)
		fuzz_reply_free(rep[i]);
	free(rep);
	return 0;
}
