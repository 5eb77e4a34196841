/* The policy service's TCP peers: the allow-list and connections per peer. */
#include "agent/policy_peers.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

struct policy_peer_slot {
	unsigned char	addr[POLICY_PEER_LEN];
	int		n;	/* 0: empty */
};

static const unsigned char mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0xff, 0xff };

/* ------------------------------------------------------------ the list */

static void
allow_add(struct policy_peers *pp, size_t *cap, const char *text)
{
	struct config_net	n;
	char			cause[CONFIG_CAUSE_MAX];
	size_t			i;

	if (config_net_parse(text, &n, cause, sizeof cause) == -1)
		return;
	/* Once: an address inside a network already listed is left out. */
	for (i = 0; i < pp->nallow; i++) {
		if (pp->allow[i].bits <= n.bits &&
		    config_net_match(&pp->allow[i], n.addr)) {
			config_net_free(&n);
			return;
		}
	}
	if (pp->nallow == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		pp->allow = xreallocarray(pp->allow, *cap, sizeof *pp->allow);
	}
	pp->allow[pp->nallow++] = n;
}

/* Adds a host's addresses: an IP literal as it is, a name resolved. */
static void
allow_host(struct policy_peers *pp, size_t *cap, const char *host,
    char *warning, size_t warnlen)
{
	struct addrinfo	 hints, *res, *ai;
	unsigned char	 a[16];
	char		 text[INET6_ADDRSTRLEN];
	int		 rc;

	if (inet_pton(AF_INET, host, a) == 1 ||
	    inet_pton(AF_INET6, host, a) == 1) {
		allow_add(pp, cap, host);
		return;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, NULL, &hints, &res)) != 0) {
		if (warning[0] == '\0')
			snprintf(warning, warnlen, "cannot resolve gateway "
			    "'%s' (%s): it is not on the allow-list; name "
			    "its addresses in policy.allow", host,
			    gai_strerror(rc));
		return;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		unsigned char	b[16];

		if (policy_peer_addr(ai->ai_addr, b) == -1)
			continue;
		policy_peer_text(b, text, sizeof text);
		allow_add(pp, cap, text);
	}
	freeaddrinfo(res);
}

void
policy_peers_init(struct policy_peers *pp, const struct config *cfg,
    const struct config_node *node, size_t max_peers, char *warning,
    size_t warnlen)
{
	const struct config_policy	*p = &node->policy;
	size_t				 i, j, cap = 0;

	memset(pp, 0, sizeof *pp);
	warning[0] = '\0';
	if (p->allow != NULL) {
		for (i = 0; i < p->nallow; i++)
			allow_add(pp, &cap, p->allow[i].text);
	} else {
		pp->defaulted = true;
		allow_add(pp, &cap, "127.0.0.0/8");
		allow_add(pp, &cap, "::1");
		for (i = 0; i < cfg->nnodes; i++) {
			const struct config_node *n = &cfg->nodes[i];

			if (n->role != NODE_GATEWAY)
				continue;
			if (n->ssh_host != NULL)
				allow_host(pp, &cap, n->ssh_host, warning,
				    warnlen);
			for (j = 0; j < n->policy.nlisten; j++) {
				const char *h = n->policy.listen[j].host;

				if (h != NULL && strcmp(h, "0.0.0.0") != 0 &&
				    strcmp(h, "::") != 0)
					allow_add(pp, &cap, h);
			}
		}
	}
	pp->nslots = 16;
	while (pp->nslots < max_peers * 2)
		pp->nslots *= 2;
	pp->slots = xcalloc(pp->nslots, sizeof *pp->slots);
}

void
policy_peers_free(struct policy_peers *pp)
{
	size_t	i;

	for (i = 0; i < pp->nallow; i++)
		config_net_free(&pp->allow[i]);
	free(pp->allow);
	free(pp->slots);
	memset(pp, 0, sizeof *pp);
}

void
policy_peers_describe(const struct policy_peers *pp, char *buf, size_t len)
{
	size_t	i, off = 0;
	int	n;

	buf[0] = '\0';
	if (pp->nallow == 0) {
		snprintf(buf, len, "nobody");
		return;
	}
	for (i = 0; i < pp->nallow && off < len; i++) {
		n = snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
		    pp->allow[i].text);
		if (n < 0)
			break;
		off += (size_t)n;
	}
}

int
policy_peer_addr(const struct sockaddr *sa, unsigned char *out)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		memcpy(out, mapped_prefix, sizeof mapped_prefix);
		memcpy(out + 12, &s4->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 =
		    (const struct sockaddr_in6 *)sa;

		memcpy(out, &s6->sin6_addr, 16);
		return 0;
	}
	return -1;
}

void
policy_peer_text(const unsigned char *addr, char *buf, size_t len)
{
	const char	*ok;

	if (memcmp(addr, mapped_prefix, sizeof mapped_prefix) == 0)
		ok = inet_ntop(AF_INET, addr + 12, buf, (socklen_t)len);
	else
		ok = inet_ntop(AF_INET6, addr, buf, (socklen_t)len);
	if (ok == NULL)
		snprintf(buf, len, "?");
}

bool
policy_peers_allowed(const struct policy_peers *pp, const unsigned char *addr)
{
	size_t	i;

	for (i = 0; i < pp->nallow; i++) {
		if (config_net_match(&pp->allow[i], addr))
			return true;
	}
	return false;
}

/* ------------------------------------------------------------ counting */

static size_t
peer_hash(const unsigned char *addr)
{
	uint32_t	h = 2166136261u;	/* FNV-1a */
	size_t		i;

	for (i = 0; i < POLICY_PEER_LEN; i++) {
		h ^= addr[i];
		h *= 16777619u;
	}
	return h;
}

/* The slot holding addr, or the empty slot where it would go. */
static size_t
peer_find(const struct policy_peers *pp, const unsigned char *addr)
{
	size_t	mask = pp->nslots - 1, i = peer_hash(addr) & mask;

	while (pp->slots[i].n != 0 &&
	    memcmp(pp->slots[i].addr, addr, POLICY_PEER_LEN) != 0)
		i = (i + 1) & mask;
	return i;
}

int
policy_peers_add(struct policy_peers *pp, const unsigned char *addr, int max)
{
	size_t	i = peer_find(pp, addr);

	if (pp->slots[i].n == 0) {
		/* Never full: one empty slot ends every search. */
		if (pp->used + 1 >= pp->nslots || max < 1)
			return -1;
		memcpy(pp->slots[i].addr, addr, POLICY_PEER_LEN);
		pp->used++;
	} else if (pp->slots[i].n >= max)
		return -1;
	return ++pp->slots[i].n;
}

void
policy_peers_remove(struct policy_peers *pp, const unsigned char *addr)
{
	size_t	mask = pp->nslots - 1, i = peer_find(pp, addr), j, home;

	if (pp->slots[i].n == 0 || --pp->slots[i].n > 0)
		return;
	pp->used--;
	/* Shifts the entries after it back, so no search stops early. */
	j = i;
	for (;;) {
		j = (j + 1) & mask;
		if (pp->slots[j].n == 0)
			break;
		home = peer_hash(pp->slots[j].addr) & mask;
		/* j stays when its home lies cyclically in (i, j]. */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		pp->slots[i] = pp->slots[j];
		i = j;
	}
	pp->slots[i].n = 0;
}

int
policy_peers_count(const struct policy_peers *pp, const unsigned char *addr)
{
	return pp->slots[peer_find(pp, addr)].n;
}
