/* Names and lookups over the model's snapshot. */
#include "core/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/format.h"

static const char *const state_names[] = {
	[STATE_UNKNOWN] = "unknown",
	[STATE_ACTIVE] = "active",
	[STATE_STANDBY] = "standby",
	[STATE_RESERVE] = "reserve",
	[STATE_DRAINING] = "draining",
	[STATE_DOWN] = "down",
};

static const char *const queue_names[] = {
	[Q_INCOMING] = "incoming",
	[Q_ACTIVE] = "active",
	[Q_DEFERRED] = "deferred",
	[Q_HOLD] = "hold",
	[Q_CORRUPT] = "corrupt",
};

const char *
node_state_name(enum node_state s)
{
	return state_names[s];
}

int
node_state_parse(const char *s, enum node_state *out)
{
	size_t i;

	for (i = STATE_ACTIVE; i < sizeof state_names / sizeof state_names[0];
	     i++) {
		if (strcmp(s, state_names[i]) == 0) {
			*out = (enum node_state)i;
			return 0;
		}
	}
	return -1;
}

const char *
queue_name(enum queue_kind q)
{
	return queue_names[q];
}

const struct node_status *
snapshot_node(const struct snapshot *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nnodes; i++) {
		if (strcmp(s->nodes[i].name, name) == 0)
			return &s->nodes[i];
	}
	return NULL;
}

void
snapshot_free(struct snapshot *s)
{
	size_t i;

	if (s == NULL)
		return;
	free(s->nodes);
	free(s->events);
	for (i = 0; i < s->nunknown; i++)
		free(s->unknown[i]);
	free(s->unknown);
	for (i = 0; i < s->ndropped; i++)
		free(s->dropped[i]);
	free(s->dropped);
	free(s);
}

char *
node_policy_text(const struct node_status *n, char *buf, size_t len)
{
	char age[16];

	buf[0] = '\0';
	if (strcmp(n->policy, "copy") == 0)
		snprintf(buf, len, "policy from copy %s old", format_age(
		    n->policy_copy_age, age, sizeof age));
	else if (strcmp(n->policy, "fail-action") == 0)
		snprintf(buf, len, "policy FAIL ACTION");
	else if (n->policy_copy_age > NODE_POLICY_COPY_STALE_S)
		/* Redis answers but the copy is not kept current (an ACL
		 * without the copy's reads): no fallback when Redis goes. */
		snprintf(buf, len, "policy copy stale %s", format_age(
		    n->policy_copy_age, age, sizeof age));
	return buf;
}

long
node_age(const struct node_status *n, long long now)
{
	if (n->updated_at <= 0)
		return -1;
	return now > n->updated_at ? (long)(now - n->updated_at) : 0;
}
