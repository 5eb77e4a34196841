/* The policy service's TCP peers: who may connect, and how many connections
 * each one holds. */
#ifndef MAILNOC_AGENT_POLICY_PEERS_H
#define MAILNOC_AGENT_POLICY_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "core/config.h"

/* A peer's address: 16 bytes, IPv4 as IPv4-mapped IPv6. */
#define POLICY_PEER_LEN	16

struct policy_peer_slot;

struct policy_peers {
	struct config_net	*allow;		/* owned copies */
	size_t			 nallow;
	bool			 defaulted;	/* not from policy.allow */
	struct policy_peer_slot	*slots;		/* open addressing */
	size_t			 nslots;	/* a power of two */
	size_t			 used;
};

/*
 * Builds the allow-list of node's policy service: policy.allow when it is
 * set, otherwise loopback (127.0.0.0/8, ::1) and the addresses of every
 * gateway in cfg as the configuration names them: its ssh_host (an IP
 * literal, or a host name resolved now, at start) and the IP literals its
 * policy service listens on (not 0.0.0.0 or ::). A name that cannot be
 * resolved is left out and said in `warning` (empty when none).
 * max_peers bounds the connections counted at once.
 */
void	policy_peers_init(struct policy_peers *pp, const struct config *cfg,
	    const struct config_node *node, size_t max_peers, char *warning,
	    size_t warnlen);
void	policy_peers_free(struct policy_peers *pp);

/* Writes the allow-list as text ("127.0.0.0/8, ::1, ..." or "nobody"). */
void	policy_peers_describe(const struct policy_peers *pp, char *buf,
	    size_t len);

/* The 16-byte form of a socket address; -1 for one that is not IP. */
int	policy_peer_addr(const struct sockaddr *sa, unsigned char *out);

/* The text form of a 16-byte address (IPv4 mapped written as IPv4). */
void	policy_peer_text(const unsigned char *addr, char *buf, size_t len);

/* True when addr is on the allow-list. */
bool	policy_peers_allowed(const struct policy_peers *pp,
	    const unsigned char *addr);

/*
 * Counts one more connection of addr unless it holds `max` already.
 * Returns the count after adding, or -1 (nothing counted) at the cap.
 */
int	policy_peers_add(struct policy_peers *pp, const unsigned char *addr,
	    int max);

/* One connection of addr fewer; its entry goes with the last. */
void	policy_peers_remove(struct policy_peers *pp,
	    const unsigned char *addr);

/* How many connections addr holds. */
int	policy_peers_count(const struct policy_peers *pp,
	    const unsigned char *addr);

#endif
