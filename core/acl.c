/* The Redis ACL lines of mailnoc's roles (docs/redis-schema.md, "ACL roles"). */
#include "core/acl.h"

#include "core/keys.h"
#include "core/validate.h"

/*
 * Everything an agent runs, key by key (agent/heartbeat.c, the policy
 * script and the counts in agent/policy_redis.c). A selector allows its
 * commands on its keys only, so `SET` for the alive key cannot overwrite
 * `nodes`, and `HINCRBY`/`HSET` for a block's hit counter come without
 * `DEL`, `HDEL` or `EXPIRE` on blocks. Commands without keys go first.
 */
static const char *const acl_agent_keyless =
    "-@all +ping +multi +exec +discard +evalsha +script|load";

int
acl_check(const char *prefix, const char *const *nodes, size_t nnodes,
    char *cause, size_t len)
{
	const char *why;
	size_t i;

	if ((why = validate_key_prefix(prefix)) != NULL) {
		snprintf(cause, len, "acl: prefix '%s' is not accepted: %s",
		    prefix, why);
		return -1;
	}
	for (i = 0; i < nnodes; i++) {
		if ((why = validate_name(nodes[i])) != NULL) {
			snprintf(cause, len, "acl: node name '%s' is not "
			    "accepted: %s", nodes[i], why);
			return -1;
		}
	}
	return 0;
}

/* One agent user; `node` NULL: every node ("*"). */
static void
acl_print_agent(FILE *f, const char *p, const char *node, bool auto_block)
{
	const char *n = node != NULL ? node : "*";

	fprintf(f, "user %s%s%s on " ACL_PASSWORD_PLACEHOLDER
	    " resetchannels %s", ACL_AGENT_USER, node != NULL ? "-" : "",
	    node != NULL ? node : "", acl_agent_keyless);
	/* The heartbeat: its node's hash, alive key, the set and events. */
	fprintf(f, " (~%s" KEY_NODE " +hget +hmget +hset +hdel)", p, n);
	fprintf(f, " (~%s" KEY_NODE_ALIVE " +set)", p, n);
	fprintf(f, " (~%s" KEY_NODES " +sadd)", p);
	fprintf(f, " (~%s" KEY_EVENTS " +xadd)", p);
	/* Volume counts, the script's reads and its vol:b cache. */
	fprintf(f, " (~%svol:* +hget +hmget +hset +hincrby +expire)", p);
	/* Relay permits (the log follower and the policy copy read them
	 * all) and agency limits: read only. */
	fprintf(f, " (%%R~%s" KEY_PERMIT " %%R~%s" KEY_AGENCY " +hget +hmget "
	    "+hgetall)", p, p, "*");
	/* The policy copy (agent/policy_copier.c): the version counter and
	 * the blocks index, read only. */
	fprintf(f, " (%%R~%s" KEY_POLICY_VERSION " %%R~%s" KEY_BLOCKS
	    " +get +zrange)", p, p);
	/* Announced bulk jobs, with the copy: read only. */
	fprintf(f, " (%%R~%s" KEY_BULKS " %%R~%sbulk:* +zrangebyscore "
	    "+hmget)", p, p);
	/* Blocks: read, and the script's hits and last_hit. */
	fprintf(f, " (~%s" KEY_BLOCK " +hmget +hincrby +hset)", p, "*");
	/* The mail log: counters, its node's position, harvest suspects. */
	fprintf(f, " (~%slog:[tcap]:* +hincrby +expire)", p);
	/* An agency's latest bounce reason per provider, and a provider's
	 * latest reputation refusal, in their counters. */
	fprintf(f, " (~%slog:[ap]:* +hset)", p);
	fprintf(f, " (~%s" KEY_LOG_POS " +hset +hmget)", p, n);
	fprintf(f, " (~%s" KEY_SUSPECT " +hincrby +hsetnx +hset +expire)", p,
	    "*");
	fprintf(f, " (~%s" KEY_SUSPECTS " +zadd +zremrangebyscore)", p);
	/* maillog.harvest.auto_block: the console's block write. */
	if (auto_block) {
		fprintf(f, " (~%s" KEY_BLOCK " +del +expireat +persist)", p,
		    "*");
		fprintf(f, " (~%s" KEY_BLOCKS " +zadd +zremrangebyscore)", p);
		/* store_block moves the agents' copy version too. */
		fprintf(f, " (~%s" KEY_POLICY_VERSION " +incr)", p);
	}
	/*
	 * The alert rules (agent/alert_eval.c): read what the snapshot
	 * reads, every node included (a silent node cannot report itself);
	 * writes stay on the node's own keys. Then the alert records the
	 * alert script keeps, under its lease.
	 */
	fprintf(f, " (%%R~%snode:* %%R~%s" KEY_NODES " %%R~%s" KEY_EVENTS
	    " %%R~%s" KEY_AGENCIES " %%R~%s" KEY_BLOCKS " %%R~%s" KEY_PERMIT
	    " +hmget +exists +smembers +xrevrange +scard +zcard +hlen)", p, p,
	    p, p, p, p);
	/* The harvest rule: the suspects and whether each is blocked. */
	fprintf(f, " (%%R~%s" KEY_SUSPECTS " %%R~%s" KEY_SUSPECT " %%R~%s"
	    KEY_BLOCK " +zrevrange +hgetall +exists)", p, p, "*", p, "*");
	/* The listing rule: every gateway's block-list standing, read only. */
	fprintf(f, " (%%R~%s" KEY_REP " +hgetall)", p, "*");
	fprintf(f, " (~%salert:* ~%s" KEY_ALERTS " ~%salerts:* +get +set +hget "
	    "+hset +hdel +hgetall +incr +type +zadd +zremrangebyscore "
	    "+expire)", p, p, p);
	/* The block-list watch: its gateway's hash, and the console's
	 * request of a check (read only). */
	fprintf(f, " (~%s" KEY_REP " +hgetall +hset +hdel)", p, n);
	fprintf(f, " (%%R~%s" KEY_REP_CHECK " +get)", p);
	/* The filter watch and the follower: its gateway's filter hash,
	 * buckets and held records; the filter rule reads every gateway's. */
	fprintf(f, " (~%s" KEY_FILTER " ~%s" KEY_FILTER ":* +hset +hgetall "
	    "+hincrby +hdel +expire)", p, n, p, n);
	fprintf(f, " (%%R~%sfilter:* +hmget +hgetall +hlen)\n", p);
}

void
acl_print(FILE *f, const char *prefix, const char *const *nodes,
    size_t nnodes, bool auto_block)
{
	size_t i;

	/* Redis 7.0 replays the append-only file as default: see the docs. */
	fprintf(f, "user default off resetpass ~* &* +@all\n");
	fprintf(f, "user noc on " ACL_PASSWORD_PLACEHOLDER " %%R~%s* "
	    "resetchannels -@all +@read +@connection -@dangerous "
	    "+@transaction\n", prefix);
	/* CONFIG GET and ACL DRYRUN: the persistence check (status). */
	fprintf(f, "user admin on " ACL_PASSWORD_PLACEHOLDER " ~%s* "
	    "resetchannels +@all -@dangerous +config|get +acl|dryrun\n",
	    prefix);
	if (nnodes == 0)
		acl_print_agent(f, prefix, NULL, auto_block);
	for (i = 0; i < nnodes; i++)
		acl_print_agent(f, prefix, nodes[i], auto_block);
}
