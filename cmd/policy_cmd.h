/* What the block, permit and agency commands share: the Redis connection,
 * who acts, JSON of entries and aligned text tables. */
#ifndef MAILNOC_POLICY_CMD_H
#define MAILNOC_POLICY_CMD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "backends/policy_store.h"
#include "cmd/cmd.h"

/*
 * The command's Redis connection, connected. Returns it, or NULL with
 * ctx->cause set ("what: why") and *code the exit code.
 */
struct redis	*policy_cmd_redis(struct cmd_ctx *ctx, const char *what,
		    int *code);

/* Fails with a store function's cause and exit code (store_exit_code). */
int		 policy_cmd_store_fail(struct cmd_ctx *ctx,
		    const struct redis *r, const char *cause);

/* "user@host" of the local user, for who blocked or permitted. */
void		 policy_cmd_who(char *buf, size_t len);

/* Local time "YYYY-MM-DD HH:MM:SS", or "-" for 0. Returns buf. */
char		*policy_cmd_time(long long t, char *buf, size_t len);

/* A JSON string, or null for "". */
json_t		*policy_cmd_json_str(const char *s);

/* Fields: see docs/policy.md. */
json_t		*policy_cmd_block_json(const struct block_entry *b,
		    long long now);
json_t		*policy_cmd_permit_json(const struct permit_entry *p);
json_t		*policy_cmd_agency_json(const struct agency *a, bool volumes);


/* Prints permits as a table: IP, agency, application, state, ... */
void		 policy_cmd_permits_print(FILE *f, const struct permit_list *l);

/* An aligned text table: columns padded to their widest cell. */
struct policy_table {
	size_t ncols;
	size_t nrows;     /* the header included */
	char **cells;     /* nrows * ncols, owned */
	unsigned right;   /* bit i: column i is right-aligned (numbers) */
};

void	policy_table_init(struct policy_table *t, size_t ncols,
	    unsigned right, const char *const *header);
/* Adds a row of ncols cells (copied). */
void	policy_table_add(struct policy_table *t, const char *const *cells);
/* Prints the table (the last column unpadded) and frees it. */
void	policy_table_print(struct policy_table *t, FILE *f);

#endif
