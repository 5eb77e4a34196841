/* libspf2 with a DNS layer of our own: every look-up through libunbound at
 * the configured resolver, each within dns.timeout_ms. */
#include "backends/spf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <spf2/spf.h>

#include "backends/dns.h"
#include "backends/uithread.h"
#include "core/validate.h"
#include "core/xalloc.h"

struct spf {
	struct dns dns;
	SPF_dns_server_t layer;
	SPF_server_t *server;
	char failure[DNSBL_ERROR_MAX]; /* the last look-up that got nothing */
	char down[DNSBL_ERROR_MAX];    /* the resolver timed out: not asked
	                                  again by this struct spf */
};

/* libspf2 prints warnings and notes to stderr: its messages come back in
 * the response instead. */
static void
spf_quiet(const char *file, int line, const char *msg)
{
	(void)file;
	(void)line;
	(void)msg;
}

/*
 * A domain name in wire form (length-prefixed labels; libunbound gives
 * them uncompressed) to text. Returns 0, or -1 when it does not fit or is
 * malformed.
 */
static int
spf_wire_name(const unsigned char *p, size_t len, char *out, size_t outlen)
{
	size_t i = 0, o = 0, l;

	while (i < len && p[i] != 0) {
		l = p[i++];
		if (l > 63 || i + l > len || o + l + 2 > outlen)
			return -1;
		if (o > 0)
			out[o++] = '.';
		memcpy(out + o, p + i, l);
		o += l;
		i += l;
	}
	if (i >= len || o == 0)
		return -1;
	out[o] = '\0';
	return 0;
}

/* The character-strings of a TXT record joined, as libspf2 expects. */
static size_t
spf_txt_join(const unsigned char *p, size_t len, char *out, size_t outlen)
{
	size_t i = 0, o = 0, l;

	while (i < len) {
		l = p[i++];
		if (i + l > len)
			break;
		if (o + l + 1 > outlen)
			l = outlen - o - 1;
		memcpy(out + o, p + i, l);
		o += l;
		i += l;
	}
	out[o] = '\0';
	return o;
}

static SPF_dns_rr_t *
spf_lookup(SPF_dns_server_t *layer, const char *domain, ns_type type,
    int should_cache)
{
	struct spf *s = layer->hook;
	struct dns_query q;
	char cause[160], why[DNSBL_ERROR_MAX], name[NS_MAXDNAME + 1];
	SPF_dns_rr_t *rr;
	const struct ub_result *r;
	int i, n = 0;

	(void)should_cache;
	/* One timeout per run, not one per look-up of every pair. */
	if (s->down[0] != '\0') {
		snprintf(s->failure, sizeof s->failure, "%s", s->down);
		return SPF_dns_rr_new_init(layer, domain, type, 0, TRY_AGAIN);
	}
	memset(&q, 0, sizeof q);
	q.name = domain;
	q.type = (int)type;
	if (dns_batch(&s->dns, &q, 1, s->dns.timeout_ms, cause,
	    sizeof cause) == -1) {
		snprintf(s->failure, sizeof s->failure, "%s", cause);
		return SPF_dns_rr_new_init(layer, domain, type, 0, TRY_AGAIN);
	}
	if (dns_query_error(&s->dns, &q, why, sizeof why) != NULL) {
		snprintf(s->failure, sizeof s->failure, "%s", why);
		if (q.timed_out)
			snprintf(s->down, sizeof s->down, "%s", why);
		dns_batch_free(&q, 1);
		return SPF_dns_rr_new_init(layer, domain, type, 0, TRY_AGAIN);
	}
	r = q.result;
	if (r->rcode == 3 || r->nxdomain) {
		rr = SPF_dns_rr_new_init(layer, domain, type, r->ttl,
		    HOST_NOT_FOUND);
		dns_batch_free(&q, 1);
		return rr;
	}
	if (r->rcode != 0) {
		snprintf(s->failure, sizeof s->failure, "the resolver answered "
		    "rcode %d for '%s'", r->rcode, domain);
		dns_batch_free(&q, 1);
		return SPF_dns_rr_new_init(layer, domain, type, 0, TRY_AGAIN);
	}
	rr = SPF_dns_rr_new_init(layer, domain, type, r->ttl,
	    r->havedata ? NETDB_SUCCESS : NO_DATA);
	for (i = 0; rr != NULL && r->havedata && r->data[i] != NULL; i++) {
		const unsigned char *d = (const unsigned char *)r->data[i];
		size_t len = (size_t)r->len[i];

		switch (type) {
		case ns_t_a:
			if (len != 4 || SPF_dns_rr_buf_realloc(rr, n, 4) !=
			    SPF_E_SUCCESS)
				continue;
			memcpy(&rr->rr[n++]->a, d, 4);
			break;
		case ns_t_aaaa:
			if (len != 16 || SPF_dns_rr_buf_realloc(rr, n, 16) !=
			    SPF_E_SUCCESS)
				continue;
			memcpy(&rr->rr[n++]->aaaa, d, 16);
			break;
		case ns_t_txt:
		case ns_t_spf:
			if (SPF_dns_rr_buf_realloc(rr, n, len + 1) !=
			    SPF_E_SUCCESS)
				continue;
			spf_txt_join(d, len, rr->rr[n]->txt, len + 1);
			n++;
			break;
		case ns_t_mx:
		case ns_t_ptr:
			if (type == ns_t_mx && len < 3)
				continue;
			if (spf_wire_name(type == ns_t_mx ? d + 2 : d,
			    type == ns_t_mx ? len - 2 : len, name,
			    sizeof name) == -1 ||
			    SPF_dns_rr_buf_realloc(rr, n, strlen(name) + 1) !=
			    SPF_E_SUCCESS)
				continue;
			memcpy(rr->rr[n++]->mx, name, strlen(name) + 1);
			break;
		default:
			break;
		}
	}
	if (rr != NULL) {
		rr->num_rr = n;
		if (n == 0 && rr->herrno == NETDB_SUCCESS)
			rr->herrno = NO_DATA;
	}
	dns_batch_free(&q, 1);
	return rr;
}

struct spf *
spf_open(const struct config *cfg, char *cause, size_t len)
{
	struct spf *s = xcalloc(1, sizeof *s);

	SPF_warning_handler = spf_quiet;
	SPF_info_handler = spf_quiet;
	SPF_debug_handler = spf_quiet;
	if (dns_open(&s->dns, cfg, cause, len) == -1) {
		free(s);
		return NULL;
	}
	/* destroy NULL: the layer is ours, libspf2 does not free it. */
	s->layer.lookup = spf_lookup;
	s->layer.name = "mailnoc-unbound";
	s->layer.hook = s;
	if ((s->server = SPF_server_new_dns(&s->layer, 0)) == NULL) {
		snprintf(cause, len, "spf: libspf2 did not start");
		dns_close(&s->dns);
		free(s);
		return NULL;
	}
	/* Its comments name the receiving host: this is no MTA. */
	SPF_server_set_rec_dom(s->server, "mailnoc");
	return s;
}

void
spf_close(struct spf *s)
{
	if (s == NULL)
		return;
	SPF_server_free(s->server);
	dns_close(&s->dns);
	free(s);
}

/* The domain's v=spf1 record text, sanitized ("" when none). */
static void
spf_record(struct spf *s, const char *domain, char *out, size_t len)
{
	SPF_dns_rr_t *rr = spf_lookup(&s->layer, domain, ns_t_txt, 0);
	int i;

	out[0] = '\0';
	for (i = 0; rr != NULL && i < rr->num_rr; i++) {
		const char *t = rr->rr[i]->txt;

		if (strncasecmp(t, "v=spf1", 6) == 0 &&
		    (t[6] == '\0' || t[6] == ' ')) {
			validate_sanitize(out, len, t);
			break;
		}
	}
	SPF_dns_rr_free(rr);
}

void
spf_evaluate(struct spf *s, const char *domain, const char *ip,
    struct spf_check *out)
{
	SPF_request_t *req;
	SPF_response_t *resp = NULL;
	SPF_result_t res;
	char from[300], reason[SPF_REASON_MAX] = "";
	size_t o = 0;
	int i, rc;

	uithread_check("spf: a DNS look-up");
	memset(out, 0, sizeof *out);
	snprintf(out->domain, sizeof out->domain, "%s", domain);
	snprintf(out->ip, sizeof out->ip, "%s", ip);
	s->failure[0] = '\0';
	req = SPF_request_new(s->server);
	rc = strchr(ip, ':') != NULL ? SPF_request_set_ipv6_str(req, ip) :
	    SPF_request_set_ipv4_str(req, ip);
	snprintf(from, sizeof from, "postmaster@%s", domain);
	if (rc != SPF_E_SUCCESS || SPF_request_set_env_from(req, from) != 0) {
		snprintf(out->result, sizeof out->result, "permerror");
		snprintf(out->reason, sizeof out->reason, "'%s' from '%s' "
		    "cannot be asked", domain, ip);
		SPF_request_free(req);
		return;
	}
	SPF_request_query_mailfrom(req, &resp);
	res = resp != NULL ? SPF_response_result(resp) : SPF_RESULT_TEMPERROR;
	switch (res) {
	case SPF_RESULT_PASS:
	case SPF_RESULT_FAIL:
	case SPF_RESULT_SOFTFAIL:
	case SPF_RESULT_NEUTRAL:
	case SPF_RESULT_NONE:
	case SPF_RESULT_TEMPERROR:
	case SPF_RESULT_PERMERROR:
		snprintf(out->result, sizeof out->result, "%s",
		    SPF_strresult(res));
		break;
	default:
		snprintf(out->result, sizeof out->result, "permerror");
		break;
	}
	/* A look-up without an answer makes anything but a pass found
	 * before it temperror: libspf2 says permerror or none for some. */
	if (s->failure[0] != '\0' && res != SPF_RESULT_PASS)
		snprintf(out->result, sizeof out->result, "temperror");
	/* Errors first (what made it fail), then the comment. */
	for (i = 0; resp != NULL && i < SPF_response_messages(resp); i++) {
		SPF_error_t *e = SPF_response_message(resp, i);

		if (e == NULL || !SPF_error_errorp(e) || o + 4 >= sizeof reason)
			continue;
		o += (size_t)snprintf(reason + o, sizeof reason - o, "%s%s",
		    o ? "; " : "", SPF_error_message(e));
	}
	if (o == 0 && resp != NULL && SPF_response_errcode(resp) !=
	    SPF_E_SUCCESS)
		snprintf(reason, sizeof reason, "%s",
		    SPF_strerror(SPF_response_errcode(resp)));
	/* What the resolver did not answer is the reason of a temperror. */
	if (s->failure[0] != '\0' && (strcmp(out->result, "temperror") == 0 ||
	    reason[0] == '\0'))
		snprintf(reason, sizeof reason, "%s", s->failure);
	/* libspf2's comment, without the receiving host it begins with. */
	if (reason[0] == '\0' && res != SPF_RESULT_PASS && resp != NULL &&
	    SPF_response_get_header_comment(resp) != NULL) {
		const char *hc = SPF_response_get_header_comment(resp);

		if (strncmp(hc, "mailnoc: ", 9) == 0)
			hc += 9;
		snprintf(reason, sizeof reason, "%s", hc);
	}
	validate_sanitize(out->reason, sizeof out->reason, reason);
	if (strcmp(out->result, "pass") != 0)
		spf_record(s, domain, out->record, sizeof out->record);
	SPF_response_free(resp);
	SPF_request_free(req);
}

int
spf_passes(const struct spf_check *c)
{
	return strcmp(c->result, "pass") == 0;
}
