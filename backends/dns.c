/* DNS look-ups through libunbound's asynchronous API, with a deadline. */
#include "backends/dns.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/uithread.h"
#include "core/clock.h"
#include "core/xalloc.h"

static struct ub_ctx *
dns_ctx_new(const struct config *cfg, char *cause, size_t len)
{
	struct ub_ctx *ctx;
	char fwd[96];
	int err;

	if ((ctx = ub_ctx_create()) == NULL) {
		snprintf(cause, len, "dns: cannot create a resolver context");
		return NULL;
	}
	/* A thread, not a forked copy of a process holding secrets. */
	if ((err = ub_ctx_async(ctx, 1)) != 0)
		goto fail;
	/*
	 * libunbound's defaults keep a few dozen queries in flight: a round
	 * of 8 addresses on 20 zones took 230 ms with 20 ms per answer,
	 * 51 ms with these (tests/bench/lab_dnsbl.sh). 512 sockets at most
	 * stay under the usual limit of 1024 open files.
	 */
	if ((err = ub_ctx_set_option(ctx, "outgoing-range:", "512")) != 0 ||
	    (err = ub_ctx_set_option(ctx, "num-queries-per-thread:",
	    "512")) != 0)
		goto fail;
	if (cfg->dns.host != NULL) {
		snprintf(fwd, sizeof fwd, "%s@%d", cfg->dns.host, cfg->dns.port);
		err = ub_ctx_set_fwd(ctx, fwd);
	} else
		err = ub_ctx_resolvconf(ctx, NULL);
	if (err != 0)
		goto fail;
	return ctx;
fail:
	snprintf(cause, len, "dns: cannot set up the resolver %s: %s",
	    cfg->dns.resolver != NULL ? cfg->dns.resolver : "of the system",
	    ub_strerror(err));
	ub_ctx_delete(ctx);
	return NULL;
}

int
dns_open(struct dns *d, const struct config *cfg, char *cause, size_t len)
{
	memset(d, 0, sizeof *d);
	d->cfg = cfg;
	d->timeout_ms = cfg->dns.timeout_ms;
	if ((d->ctx = dns_ctx_new(cfg, cause, len)) == NULL)
		return -1;
	return 0;
}

void
dns_close(struct dns *d)
{
	if (d->ctx != NULL)
		ub_ctx_delete(d->ctx);
	d->ctx = NULL;
}

int
dns_flush(struct dns *d, char *cause, size_t len)
{
	struct ub_ctx *ctx;

	/* libunbound has no cache flush: a new context starts empty. */
	if ((ctx = dns_ctx_new(d->cfg, cause, len)) == NULL)
		return -1;
	dns_close(d);
	d->ctx = ctx;
	return 0;
}

static void
dns_batch_done(void *arg, int err, struct ub_result *result)
{
	struct dns_query *q = arg;

	q->done = true;
	q->err = err;
	q->result = result;
}

int
dns_batch(struct dns *d, struct dns_query *q, size_t n, int timeout_ms,
    char *cause, size_t len)
{
	long long deadline = clock_mono_ms() + timeout_ms, left;
	size_t i, pending = 0, started = 0;
	struct pollfd pfd;
	int err = 0;

	uithread_check("dns: look-ups");
	for (i = 0; i < n; i++) {
		q[i].done = q[i].timed_out = false;
		q[i].result = NULL;
		q[i].err = 0;
		if (q[i].name == NULL) {
			q[i].done = true;
			q[i].err = UB_SYNTAX;
			continue;
		}
		err = ub_resolve_async(d->ctx, q[i].name, q[i].type, 1, &q[i],
		    dns_batch_done, &q[i].id);
		if (err != 0) {
			q[i].done = true;
			q[i].err = err;
			continue;
		}
		started++;
		d->queries++;
	}
	if (started == 0 && n > 0) {
		snprintf(cause, len, "dns: cannot start a look-up: %s",
		    ub_strerror(err));
		return -1;
	}
	pfd.fd = ub_fd(d->ctx);
	pfd.events = POLLIN;
	for (;;) {
		for (pending = 0, i = 0; i < n; i++)
			pending += !q[i].done;
		if (pending == 0)
			break;
		if ((left = deadline - clock_mono_ms()) <= 0)
			break;
		if (poll(&pfd, 1, (int)left) == -1 && errno != EINTR)
			break;
		if (ub_process(d->ctx) != 0)
			break;
	}
	for (i = 0; i < n; i++) {
		if (q[i].done)
			continue;
		ub_cancel(d->ctx, q[i].id);
		q[i].done = q[i].timed_out = true;
	}
	return 0;
}

void
dns_batch_free(struct dns_query *q, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (q[i].result != NULL)
			ub_resolve_free(q[i].result);
		q[i].result = NULL;
	}
}

const char *
dns_query_error(const struct dns *d, const struct dns_query *q, char *buf,
    size_t len)
{
	if (q->timed_out) {
		snprintf(buf, len, "resolver unreachable (no answer in %d ms)",
		    d->timeout_ms);
		return buf;
	}
	if (q->err != 0 || q->result == NULL) {
		snprintf(buf, len, "resolver unreachable: %s",
		    ub_strerror(q->err));
		return buf;
	}
	/* SERVFAIL from a forwarder that cannot reach anything. */
	if (q->result->rcode == 2) {
		snprintf(buf, len, "resolver unreachable or failing (SERVFAIL)");
		return buf;
	}
	return NULL;
}

/* Fills the answer of one pair from its A look-up. */
static void
dns_dnsbl_read(const struct dns *d, const struct dns_query *q,
    struct dnsbl_answer *a)
{
	char why[DNSBL_ERROR_MAX];
	const struct ub_result *r = q->result;
	size_t n = 0;

	if (dns_query_error(d, q, why, sizeof why) != NULL) {
		memset(a, 0, sizeof *a);
		dnsbl_answer_fail(a, why);
		return;
	}
	while (r->havedata && r->data[n] != NULL)
		n++;
	dnsbl_read_a(a, r->rcode, r->data, r->len, n, r->ttl);
}

int
dns_dnsbl_round(struct dns *d, char *const *ips, size_t nips,
    char *const *zones, size_t nzones, struct dnsbl_answer *out,
    char *cause, size_t len)
{
	size_t n = nips * nzones, i, ntxt = 0;
	struct dns_query *q, *t;
	char (*names)[DNSBL_NAME_MAX];
	size_t *back;
	int rc = 0;

	if (n == 0)
		return 0;
	q = xcalloc(n, sizeof *q);
	t = xcalloc(n, sizeof *t);
	back = xcalloc(n, sizeof *back);
	names = xcalloc(n, sizeof *names);
	for (i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof out[i]);
		if (dnsbl_query_name(ips[i / nzones], zones[i % nzones],
		    names[i], sizeof names[i]) == -1) {
			dnsbl_answer_fail(&out[i], "no query name for this "
			    "address");
			continue;
		}
		q[i].name = names[i];
		q[i].type = DNS_TYPE_A;
	}
	/* Round 1: every A record at once. */
	if (dns_batch(d, q, n, d->timeout_ms, cause, len) == -1) {
		for (i = 0; i < n; i++)
			dnsbl_answer_fail(&out[i], cause);
		rc = -1;
		goto done;
	}
	for (i = 0; i < n; i++) {
		if (q[i].name == NULL)
			continue;
		dns_dnsbl_read(d, &q[i], &out[i]);
		if (out[i].outcome != DNSBL_FOUND_LISTED)
			continue;
		t[ntxt].name = names[i];
		t[ntxt].type = DNS_TYPE_TXT;
		back[ntxt++] = i;
	}
	/* Round 2, only for the listed: their reasons. A reason that does
	 * not come leaves the listing without one. */
	if (ntxt > 0 && dns_batch(d, t, ntxt, d->timeout_ms, cause,
	    len) == 0) {
		for (i = 0; i < ntxt; i++) {
			const struct ub_result *r = t[i].result;
			size_t k = 0;

			if (r == NULL || t[i].err != 0 || r->rcode != 0)
				continue;
			while (r->havedata && r->data[k] != NULL)
				k++;
			dnsbl_read_txt(&out[back[i]], r->data, r->len, k);
		}
	}
done:
	dns_batch_free(q, n);
	dns_batch_free(t, ntxt);
	free(q);
	free(t);
	free(back);
	free(names);
	return rc;
}
