/* Fuzzes the queue filter expressions (queue list, the console's '/') and
 * matches what parses against a few messages. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backends/postqueue.h"
#include "core/queue.h"
#include "core/queue_filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const lines[] = {
	"{\"queue_name\": \"deferred\", \"queue_id\": \"4F7C1A0B22\", "
	"\"arrival_time\": 1795443100, \"message_size\": 88, \"sender\": "
	"\"alice@example.org\", \"recipients\": [{\"address\": "
	"\"b@gmail.test\", \"delay_reason\": \"host mx[192.0.2.1] said: 421 "
	"4.7.0 Try again later\"}]}",
	"{\"queue_name\": \"hold\", \"queue_id\": \"3Pt2mN2VXxznjll\", "
	"\"arrival_time\": 1795400000, \"message_size\": 123456, \"sender\": "
	"\"\", \"recipients\": [{\"address\": \"root\"}, {\"address\": "
	"\"J\\u00f6rg@m\\u00fcnchen.example\"}]}",
};

static struct queue_set *
sample_set(void)
{
	static struct queue_set *qs;
	char cause[256];
	uint32_t node;
	size_t i;

	if (qs != NULL)
		return qs;
	qs = queue_set_new();
	if (queue_set_add_node(qs, "gw1", &node, cause, sizeof cause) == -1)
		__builtin_trap();
	for (i = 0; i < sizeof lines / sizeof lines[0]; i++)
		if (postqueue_parse_line(qs, node, lines[i], strlen(lines[i]),
			cause, sizeof cause) == -1)
			__builtin_trap();
	return qs;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct queue_filter f;
	uint32_t *rows = NULL;
	char cause[512], *s;

	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	if (queue_filter_parse(&f, s, cause, sizeof cause) == 0) {
		(void)queue_select(sample_set(), &f, 1795443200, &rows);
		free(rows);
	}
	queue_filter_free(&f);
	free(s);
	return 0;
}
