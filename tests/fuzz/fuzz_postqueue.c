/* Fuzzes the postqueue -j reader: lines split across chunks, parsed into a
 * queue set, with a line limit small enough to reach the over-long path. */
#include <stddef.h>
#include <stdint.h>

#include "backends/postqueue.h"
#include "core/queue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct postqueue_stream ps;
	struct queue_set *qs;
	uint32_t node;
	size_t chunk, off;
	char cause[256];

	if (size < 1)
		return 0;
	/* The first byte picks the chunk size, as an SSH channel would cut. */
	chunk = (size_t)(data[0] & 0x3f) + 1;
	qs = queue_set_new();
	if (queue_set_add_node(qs, "gw1", &node, cause, sizeof cause) == -1)
		__builtin_trap();
	postqueue_stream_init(&ps, qs, node);
	if (data[0] & 0x40)
		ps.max_line = 512;
	for (off = 1; off < size; off += chunk)
		postqueue_stream_feed(&ps, data + off,
		    size - off < chunk ? size - off : chunk);
	postqueue_stream_finish(&ps);
	postqueue_stream_clear(&ps);
	queue_set_free(qs);
	return 0;
}
