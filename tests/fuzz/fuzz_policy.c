/* Fuzzes the policy delegation reader: requests split across reads, as a
 * Postfix smtpd connection (or anyone who can reach the port) sends them.
 * How the bytes are cut must not change the requests read: the same input
 * fed whole gives the same requests. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "agent/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads every request; returns a summary of them in `sum`. */
static void
read_all(const char *p, size_t left, size_t chunk, char *sum, size_t len)
{
	struct policy_reader r;
	struct policy_request req;
	size_t n, used, off = 0;
	bool done;

	sum[0] = '\0';
	policy_reader_init(&r);
	while (left > 0) {
		n = left < chunk ? left : chunk;
		used = policy_reader_feed(&r, p, n, &req, &done);
		if (used > n || (!done && used != n))
			__builtin_trap();
		if (done) {
			if (off < len)
				off += (size_t)snprintf(sum + off, len - off,
				    "%d %zu %s %s %lld %lld %d|", req.malformed,
				    req.nattrs, req.cause, req.client_address ?
				    req.client_address : "-",
				    req.recipient_count, req.size,
				    policy_request_inbound(&req));
			policy_request_free(&req);
		}
		p += used;
		left -= used;
	}
	policy_reader_free(&r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char cut[8192], whole[8192];

	if (size < 1)
		return 0;
	read_all((const char *)data + 1, size - 1, (size_t)data[0] + 1, cut,
	    sizeof cut);
	read_all((const char *)data + 1, size - 1, size, whole, sizeof whole);
	if (strcmp(cut, whole) != 0)
		__builtin_trap();
	return 0;
}
