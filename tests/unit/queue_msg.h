/* Queued messages for the unit tests of the queue model and its reports,
 * each written as a line of text. Include after cmocka.h; a test uses what
 * it needs of it. */
#ifndef MAILNOC_TEST_QUEUE_MSG_H
#define MAILNOC_TEST_QUEUE_MSG_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/queue.h"

/* A new set that knows one node, gw1 (its index in *node). */
static __attribute__((unused)) struct queue_set *
queue_msg_set(uint32_t *node)
{
	struct queue_set *qs = queue_set_new();
	char cause[128];

	assert_int_equal(queue_set_add_node(qs, "gw1", node, cause,
	    sizeof cause), 0);
	return qs;
}

/*
 * Adds a message to `qs`. `rcpts` holds its recipients (16 at most),
 * separated by any character of `sep`, each "addr" or "addr|reason"; "-"
 * stands for the empty address. Returns queue_set_add's result, with
 * `cause` (256 bytes) set on -1.
 */
static __attribute__((unused)) int
queue_msg_add(struct queue_set *qs, uint32_t node, unsigned queue,
    const char *id, long long arrival, long long size, const char *sender,
    const char *rcpts, const char *sep, char *cause)
{
	struct queue_new_rcpt rv[16];
	struct queue_new m;
	char buf[1024], *p, *item, *bar;
	size_t n = 0;

	snprintf(buf, sizeof buf, "%s", rcpts);
	for (p = buf; (item = strsep(&p, sep)) != NULL;) {
		if (*item == '\0')
			continue;
		assert_true(n < sizeof rv / sizeof rv[0]);
		memset(&rv[n], 0, sizeof rv[n]);
		if ((bar = strchr(item, '|')) != NULL) {
			*bar = '\0';
			rv[n].reason = bar + 1;
			rv[n].reasonlen = strlen(bar + 1);
		}
		rv[n].addr = strcmp(item, "-") == 0 ? "" : item;
		rv[n].addrlen = strlen(rv[n].addr);
		n++;
	}
	memset(&m, 0, sizeof m);
	m.node = node;
	m.queue = queue;
	m.id = id;
	m.idlen = strlen(id);
	m.arrival = arrival;
	m.size = size;
	m.sender = sender;
	m.senderlen = strlen(sender);
	m.rcpts = rv;
	m.nrcpts = n;
	return queue_set_add(qs, &m, cause, 256);
}

#endif
