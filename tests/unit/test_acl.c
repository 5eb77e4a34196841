/* Unit tests of the ACL lines (core/acl.c) and the acl command. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/acl.h"
#include "cmd/cmd.h"
#include "core/exitcode.h"

/* Runs `line` through the command table as batch mode would (no config). */
static int
run(const char *line, char **out)
{
	struct cmd_ctx ctx;
	struct cmd c;
	size_t len;
	int code;

	memset(&ctx, 0, sizeof ctx);
	assert_int_equal(cmd_parse_string(line, &c, ctx.cause,
	    sizeof ctx.cause), 0);
	ctx.out = open_memstream(out, &len);
	code = cmd_exec(&c, &ctx);
	fclose(ctx.out);
	if (code != EXIT_OK) {
		free(*out);
		*out = strdup(ctx.cause);
	}
	cmd_free(&c);
	return code;
}

/* The line of `user`, or fails. Returns a copy. */
static char *
user_line(const char *text, const char *user)
{
	char want[64];
	const char *p, *end;

	snprintf(want, sizeof want, "user %s ", user);
	for (p = text; p != NULL && *p != '\0'; p = strchr(p, '\n') + 1) {
		end = strchr(p, '\n');
		assert_non_null(end);
		if (strncmp(p, want, strlen(want)) == 0)
			return strndup(p, (size_t)(end - p));
	}
	fail_msg("no line for user '%s' in:\n%s", user, text);
	return NULL;
}

/* The selector of `line` whose first key pattern is `key`, or NULL. */
static char *
selector(const char *line, const char *key)
{
	const char *p = line, *end;

	while ((p = strchr(p, '(')) != NULL) {
		end = strchr(p, ')');
		assert_non_null(end);
		if (strncmp(p + 1, key, strlen(key)) == 0 &&
		    p[1 + strlen(key)] == ' ')
			return strndup(p, (size_t)(end - p + 1));
		p = end;
	}
	return NULL;
}

/* Fails naming the first of `words` (NULL-terminated) found in s. */
static void
assert_none_in(const char *s, const char *const *words)
{
	for (; *words != NULL; words++) {
		if (strstr(s, *words) != NULL)
			fail_msg("'%s' holds '%s'", s, *words);
	}
}

static void
test_roles(void **state)
{
	char *out, *l;

	(void)state;
	assert_int_equal(run("acl", &out), EXIT_OK);
	/* default keeps every permission: the AOF replay runs as default. */
	l = user_line(out, "default");
	assert_string_equal(l, "user default off resetpass ~* &* +@all");
	free(l);
	l = user_line(out, "noc");
	assert_string_equal(l, "user noc on #<sha256> %R~mailnoc:* "
	    "resetchannels -@all +@read +@connection -@dangerous "
	    "+@transaction");
	free(l);
	l = user_line(out, "admin");
	assert_string_equal(l, "user admin on #<sha256> ~mailnoc:* "
	    "resetchannels +@all -@dangerous +config|get +acl|dryrun");
	free(l);
	/* Without --node, one agent for every node. */
	l = user_line(out, "agent");
	assert_non_null(strstr(l, " (~mailnoc:node:* +hget +hmget +hset "
	    "+hdel) (~mailnoc:node:*:alive +set) "));
	free(l);
	assert_null(strstr(out, "user agent-"));
	free(out);
}

static void
test_agent_per_node(void **state)
{
	char *out, *l, *s;

	(void)state;
	assert_int_equal(run("acl --prefix t: --node gw1 --node mbx1 "
	    "--node gw1", &out), EXIT_OK);
	assert_null(strstr(out, "user agent "));
	/* One agent per node, the repeated one once. */
	assert_non_null(strstr(out, "user agent-mbx1 "));
	l = user_line(out, "agent-gw1");
	assert_null(strstr(strstr(out, "user agent-gw1 ") + 1,
	    "user agent-gw1 "));
	assert_string_equal(l, "user agent-gw1 on #<sha256> resetchannels "
	    "-@all +ping +multi +exec +discard +evalsha +script|load "
	    "(~t:node:gw1 +hget +hmget +hset +hdel) "
	    "(~t:node:gw1:alive +set) "
	    "(~t:nodes +sadd) "
	    "(~t:events +xadd) "
	    "(~t:vol:* +hget +hmget +hset +hincrby +expire) "
	    "(%R~t:permit %R~t:agency:* +hget +hmget +hgetall) "
	    "(%R~t:policy:version %R~t:blocks +get +zrange) "
	    "(%R~t:bulks %R~t:bulk:* +zrangebyscore +hmget) "
	    "(~t:block:* +hmget +hincrby +hset) "
	    "(~t:log:[tcap]:* +hincrby +expire) "
	    "(~t:log:[ap]:* +hset) "
	    "(~t:log:pos:gw1 +hset +hmget) "
	    "(~t:suspect:* +hincrby +hsetnx +hset +expire) "
	    "(~t:suspects +zadd +zremrangebyscore) "
	    "(%R~t:node:* %R~t:nodes %R~t:events %R~t:agencies %R~t:blocks "
	    "%R~t:permit +hmget +exists +smembers +xrevrange +scard +zcard "
	    "+hlen) "
	    "(%R~t:suspects %R~t:suspect:* %R~t:block:* +zrevrange +hgetall "
	    "+exists) "
	    "(%R~t:rep:* +hgetall) "
	    "(~t:alert:* ~t:alerts ~t:alerts:* +get +set +hget +hset +hdel "
	    "+hgetall +incr +type +zadd +zremrangebyscore +expire) "
	    "(~t:rep:gw1 +hgetall +hset +hdel) "
	    "(%R~t:rep:check +get) "
	    "(~t:filter:gw1 ~t:filter:gw1:* +hset +hgetall +hincrby +hdel "
	    "+expire) "
	    "(%R~t:filter:* +hmget +hgetall +hlen)");
	/* The filter watch writes its own gateway's keys only. */
	assert_none_in(l, (const char *const[]){ "(~t:filter:*", NULL });
	/* The block-list watch writes its own gateway's hash only, and
	 * only reads the console's request of a check; every gateway's
	 * hash only to read (the listing rule). */
	assert_none_in(l, (const char *const[]){ " ~t:rep:*", "(~t:rep:*",
	    "(~t:rep:check", NULL });
	s = selector(l, "%R~t:rep:*");
	assert_non_null(s);
	assert_none_in(s, (const char *const[]){ " ~", "+hset", "+hdel",
	    NULL });
	free(s);
	/* No key pattern of another node; all nodes only to read (the
	 * alert rules). */
	assert_none_in(l, (const char *const[]){ "mbx1", " ~t:node:*",
	    "(~t:node:*", NULL });
	s = selector(l, "%R~t:node:*");
	assert_non_null(s);
	assert_none_in(s, (const char *const[]){ " ~", "+hset", NULL });
	free(s);
	/* Blocks: hits only, never delete, expire or drop a field. */
	s = selector(l, "~t:block:*");
	assert_non_null(s);
	assert_none_in(s, (const char *const[]){ "+del", "+hdel", "+unlink",
	    "+expire", "+@", NULL });
	free(s);
	/* Permits and agencies: read only. */
	s = selector(l, "%R~t:permit");
	assert_non_null(s);
	assert_null(strstr(s, " ~"));
	free(s);
	/* The policy copy's reads: read only too. */
	s = selector(l, "%R~t:policy:version");
	assert_non_null(s);
	assert_null(strstr(s, " ~"));
	assert_null(strstr(s, "+set"));
	assert_null(strstr(s, "+incr"));
	free(s);
	/* Commands with keys are allowed only in a selector. */
	s = strndup(l, (size_t)(strchr(l, '(') - l));
	assert_null(strstr(s, "~"));
	free(s);
	free(l);
	free(out);
}

/* maillog.harvest.auto_block: the agents get the console's block write. */
static void
test_agent_auto_block(void **state)
{
	char *out, *l;

	(void)state;
	assert_int_equal(run("acl --prefix t: --node gw1", &out), EXIT_OK);
	l = user_line(out, "agent-gw1");
	/* blocks: read only (the alert rules count it), never written. */
	assert_none_in(l, (const char *const[]){ "+del", " ~t:blocks",
	    "(~t:blocks", NULL });
	/* The blocks index: read by the policy copy. */
	assert_non_null(strstr(l, "%R~t:blocks +get +zrange)"));
	free(l);
	free(out);
	assert_int_equal(run("acl --prefix t: --node gw1 --auto-block", &out),
	    EXIT_OK);
	l = user_line(out, "agent-gw1");
	assert_non_null(strstr(l, " (~t:block:* +del +expireat +persist) "
	    "(~t:blocks +zadd +zremrangebyscore) "
	    "(~t:policy:version +incr)"));
	free(l);
	free(out);
}

static void
test_refused(void **state)
{
	char *out, cause[512];

	(void)state;
	assert_int_equal(run("acl --prefix 'a*'", &out), EXIT_USAGE);
	assert_string_equal(out, "acl: prefix 'a*' is not accepted: use 1-64 "
	    "printable characters without spaces, quotes, '*', '?', '[', '(', "
	    "')', '%', '~' or '&' (the prefix goes into glob patterns and ACL "
	    "selectors)");
	free(out);
	/* A ')' would close the ACL selector the prefix is written into. */
	assert_int_equal(run("acl --prefix 'a)'", &out), EXIT_USAGE);
	free(out);
	assert_int_equal(run("acl --node 'g(w'", &out), EXIT_USAGE);
	assert_string_equal(out, "acl: node name 'g(w' is not accepted: use "
	    "1-32 letters, digits, '.', '_' or '-', starting with a letter or "
	    "digit");
	free(out);
	/* It needs no configuration and no Redis. */
	assert_true(cmd_find("acl", cause, sizeof cause)->flags &
	    CMD_NO_CONFIG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_agent_per_node),
		cmocka_unit_test(test_agent_auto_block),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
