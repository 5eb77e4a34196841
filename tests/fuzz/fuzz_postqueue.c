/* Fuzzes the postqueue -j reader: lines split across chunks, parsed into a
 * queue set, with a line limit small enough to reach the over-long path.
 * How the output is cut must not change what is read: the same input fed
 * whole gives the same counts. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "backends/postqueue.h"
#include "core/queue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
read_all(struct postqueue_stream *ps, struct queue_set *qs, const uint8_t *data,
    size_t size, size_t chunk, size_t max_line)
{
	uint32_t node;
	size_t off;
	char cause[256];

	if (queue_set_add_node(qs, "gw1", &node, cause, sizeof cause) == -1)
		__builtin_trap();
	postqueue_stream_init(ps, qs, node);
	ps->max_line = max_line;
	for (off = 0; off < size; off += chunk)
		postqueue_stream_feed(ps, data + off,
		    size - off < chunk ? size - off : chunk);
	postqueue_stream_finish(ps);
	postqueue_stream_clear(ps);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct postqueue_stream cut, whole;
	struct queue_set *qs1, *qs2;
	size_t chunk, max_line;

	if (size < 1)
		return 0;
	/* The first byte picks the chunk size, as an SSH channel would cut. */
	chunk = (size_t)(data[0] & 0x3f) + 1;
	max_line = data[0] & 0x40 ? 512 : POSTQUEUE_LINE_MAX;
	qs1 = queue_set_new();
	qs2 = queue_set_new();
	read_all(&cut, qs1, data + 1, size - 1, chunk, max_line);
	read_all(&whole, qs2, data + 1, size - 1, size, max_line);
	if (cut.lines != whole.lines || cut.messages != whole.messages ||
	    cut.bad != whole.bad || cut.first_bad != whole.first_bad ||
	    strcmp(cut.first_cause, whole.first_cause) != 0)
		__builtin_trap();
	queue_set_free(qs1);
	queue_set_free(qs2);
	return 0;
}
