/* The agencies' deferred mail on this gateway, by their sending domains. */
#include "agent/agency_delay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/exec.h"
#include "backends/postqueue.h"
#include "core/keys.h"
#include "core/notice.h"
#include "core/policy_input.h"
#include "core/policy_model.h"
#include "core/role_mailbox.h"
#include "core/validate.h"
#include "core/xalloc.h"

/* A postqueue -j line is a few hundred bytes; recipients add more. */
#define AGENCY_DELAY_LINE_GUESS 2048
#define AGENCY_DELAY_OUT_MAX (64u * 1024 * 1024)

/* An agency and its sending domains, as the agent reads them. */
struct agency_domains {
	char id[STORE_ID_MAX];
	char domains[STORE_DOMAINS_MAX];
};

/*
 * The agencies that have sending domains: SMEMBERS agencies, then HMGET of
 * each one's domains (what the agents' ACL user may read; store_agencies_
 * list also reads the permits' counts, which it may not). Values from
 * Redis are checked here. Returns their number (*out: free it), or -1.
 */
static int
agency_delay_agencies(struct redis *r, struct agency_domains **out,
    char *cause, size_t causelen)
{
	redisReply *set, *rep;
	char key[256], bad[200];
	size_t i;
	int n = 0;

	*out = NULL;
	if (redis_ensure(r) == -1 || (set = redis_command(r, "SMEMBERS %s",
	    redis_key(r->cfg, key, sizeof key, KEY_AGENCIES))) == NULL) {
		snprintf(cause, causelen, "agency delays: cannot read the "
		    "agencies: %s", r->errstr);
		return -1;
	}
	*out = xcalloc(set->type == REDIS_REPLY_ARRAY ? set->elements + 1 : 1,
	    sizeof **out);
	for (i = 0; set->type == REDIS_REPLY_ARRAY && i < set->elements; i++) {
		const redisReply *e = set->element[i];
		struct agency_domains *a = &(*out)[n];

		if (e->type != REDIS_REPLY_STRING || validate_name(e->str) !=
		    NULL)
			continue;
		if ((rep = redis_command(r, "HMGET %s " AF_DOMAINS,
		    redis_key(r->cfg, key, sizeof key, KEY_AGENCY, e->str))) ==
		    NULL) {
			snprintf(cause, causelen, "agency delays: cannot read "
			    "agency '%s': %s", e->str, r->errstr);
			freeReplyObject(set);
			free(*out);
			*out = NULL;
			return -1;
		}
		if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 1 &&
		    rep->element[0]->type == REDIS_REPLY_STRING &&
		    policy_input_domains(rep->element[0]->str, a->domains,
		    sizeof a->domains, bad, sizeof bad) == NULL &&
		    a->domains[0] != '\0') {
			snprintf(a->id, sizeof a->id, "%s", e->str);
			n++;
		}
		freeReplyObject(rep);
	}
	freeReplyObject(set);
	return n;
}

static int
agency_delay_cmp(const void *a, const void *b)
{
	const struct role_mbx *x = a, *y = b;

	return x->unread < y->unread ? 1 : x->unread > y->unread ? -1 :
	    strcmp(x->user, y->user);
}

int
agency_delay_count(const struct config *cfg, const struct config_node *n,
    struct redis *r, long long now, long deferred, char *out, size_t len,
    char *cause, size_t causelen)
{
	struct agency_domains *al;
	struct role_mbx *v;
	struct queue_set *qs;
	char *buf, *p, *nl, why[256];
	char *argv[] = { (char *)"postqueue", (char *)"-c", n->postfix_config,
		(char *)"-j", NULL };
	size_t cap, nv = 0, k;
	long long before = now - (long long)cfg->notify.delay_minutes * 60;
	uint32_t node;
	int rc = -1, nal, i;

	out[0] = '\0';
	if ((nal = agency_delay_agencies(r, &al, cause, causelen)) == -1)
		return -1;
	cap = (size_t)(deferred > 0 ? deferred : 1) * AGENCY_DELAY_LINE_GUESS +
	    65536;
	if (cap > AGENCY_DELAY_OUT_MAX)
		cap = AGENCY_DELAY_OUT_MAX;
	buf = xmalloc(cap);
	qs = queue_set_new();
	v = xcalloc((size_t)nal + 1, sizeof *v);
	if (exec_capture(argv, 30000, buf, cap, why, sizeof why) == -1) {
		snprintf(cause, causelen, "agency delays: %s", why);
		goto out;
	}
	if (queue_set_add_node(qs, n->name, &node, cause, causelen) == -1)
		goto out;
	/* A line cut at the end of a full buffer fails to parse: skipped. */
	for (p = buf; *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		(void)postqueue_parse_line(qs, node, p, (size_t)(nl - p), why,
		    sizeof why);
	}
	for (i = 0; i < nal; i++) {
		long cnt;
		long long oldest;

		notice_deferred_before(qs, al[i].domains, before, &cnt, &oldest);
		if (cnt == 0)
			continue;
		snprintf(v[nv].user, sizeof v[nv].user, "%s", al[i].id);
		v[nv].unread = cnt;
		v[nv].oldest = oldest;
		nv++;
	}
	qsort(v, nv, sizeof *v, agency_delay_cmp);
	/* The agencies with most first, as many as the field holds. */
	for (k = nv < ROLE_MBX_MAX ? nv : ROLE_MBX_MAX; k > 0; k--)
		if (role_mbx_format(v, k, out, len) >= 0)
			break;
	rc = 0;
out:
	free(v);
	queue_set_free(qs);
	free(buf);
	free(al);
	return rc;
}
