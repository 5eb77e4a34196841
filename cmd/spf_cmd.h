/* The SPF check of agencies, shared by the spf command and permit import
 * (cmd/cmd_spf.c). */
#ifndef MAILNOC_SPF_CMD_H
#define MAILNOC_SPF_CMD_H

#include <jansson.h>
#include <stddef.h>

#include "backends/spf.h"
#include "core/config.h"
#include "core/policy_model.h"

struct cmd_ctx;
struct redis;

/* One (domain, gateway address) of an agency. */
struct spf_pair {
	const char *node; /* the gateway, from the configuration */
	struct spf_check check;
};

/*
 * Evaluates each of the agency's sending domains from every egress address
 * of every gateway. Fills *out (free it) with *n pairs. Returns how many do
 * not pass.
 */
size_t spf_cmd_agency(struct spf *s, const struct config *cfg,
    const struct agency *a, struct spf_pair **out, size_t *n);

/*
 * permit import: for each agency the rows name that has sending domains,
 * says in `warnings` (strings appended) where its SPF does not pass.
 * Returns the number of warnings.
 */
size_t spf_cmd_import_warnings(struct cmd_ctx *ctx, struct redis *r,
    const struct permit_row *rows, size_t nrows, json_t *warnings);

#endif
