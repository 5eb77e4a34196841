/* Fuzzes the policy delegation reader: requests split across reads, as a
 * Postfix smtpd connection (or anyone who can reach the port) sends them. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_reader r;
	struct policy_request req;
	const char *p;
	size_t chunk, left, n, used;
	bool done;

	if (size < 1)
		return 0;
	chunk = (size_t)data[0] + 1;
	p = (const char *)data + 1;
	left = size - 1;
	policy_reader_init(&r);
	while (left > 0) {
		n = left < chunk ? left : chunk;
		used = policy_reader_feed(&r, p, n, &req, &done);
		if (used > n || (!done && used != n))
			__builtin_trap();
		if (done) {
			(void)policy_request_inbound(&req);
			policy_request_free(&req);
		}
		p += used;
		left -= used;
	}
	policy_reader_free(&r);
	return 0;
}
