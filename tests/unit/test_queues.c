/* Unit tests of what an action cut short is reported to have done. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "backends/postqueue.h"
#include "backends/queues.h"

/* gw2 after a hold cut short: two held, one deferred, one active. */
static const char *const lines[] = {
	"{\"queue_name\": \"hold\", \"queue_id\": \"3F2A41C0E51\", "
	"\"arrival_time\": 1, \"message_size\": 1, \"sender\": \"a@b\", "
	"\"recipients\": []}",
	"{\"queue_name\": \"hold\", \"queue_id\": \"3F2A41C0E52\", "
	"\"arrival_time\": 1, \"message_size\": 1, \"sender\": \"a@b\", "
	"\"recipients\": []}",
	"{\"queue_name\": \"deferred\", \"queue_id\": \"3F2A41C0E53\", "
	"\"arrival_time\": 1, \"message_size\": 1, \"sender\": \"a@b\", "
	"\"recipients\": []}",
	"{\"queue_name\": \"active\", \"queue_id\": \"3F2A41C0E54\", "
	"\"arrival_time\": 1, \"message_size\": 1, \"sender\": \"a@b\", "
	"\"recipients\": []}",
};
/* Asked: the four above and one no longer listed. */
static const char *const ids[] = { "3F2A41C0E51", "3F2A41C0E52",
	"3F2A41C0E53", "3F2A41C0E54", "3F2A41C0E55" };

static struct queue_set *
listing(uint32_t *node)
{
	struct queue_set *qs = queue_set_new();
	char cause[256];
	size_t i;

	assert_int_equal(queue_set_add_node(qs, "gw2", node, cause,
	    sizeof cause), 0);
	for (i = 0; i < sizeof lines / sizeof lines[0]; i++)
		assert_int_equal(postqueue_parse_line(qs, *node, lines[i],
		    strlen(lines[i]), cause, sizeof cause), 0);
	return qs;
}

/* The listing, and what it says of `action` asked on the first n ids. */
static struct queue_set *
counted(enum postfix_action action, size_t n, uint32_t *node,
    struct queues_after *af)
{
	struct queue_set *qs = listing(node);

	memset(af, 0, sizeof *af);
	queues_after_count(qs, *node, action, ids, n, af);
	return qs;
}

static void
test_hold(void **state)
{
	struct queues_after af;
	struct queue_set *qs;
	uint32_t node;
	char buf[512];

	(void)state;
	qs = counted(PF_HOLD, 5, &node, &af);
	assert_true(af.checked);
	assert_int_equal(af.asked, 5);
	assert_int_equal(af.done, 2);
	assert_int_equal(af.still[Q_DEFERRED], 1);
	assert_int_equal(af.still[Q_ACTIVE], 1);
	assert_int_equal(af.gone, 1);
	assert_string_equal(queues_after_text(&af, PF_HOLD, buf, sizeof buf),
	    "2 of 5 held before the node stopped answering; 1 still active, "
	    "1 deferred; 1 no longer queued");
	queue_set_free(qs);
}

static void
test_release_delete_requeue(void **state)
{
	struct queues_after af;
	struct queue_set *qs;
	uint32_t node;
	char buf[512];

	(void)state;
	qs = counted(PF_RELEASE, 5, &node, &af);
	/* Released: listed outside hold; the unlisted one is gone. */
	assert_int_equal(af.done, 2);
	assert_int_equal(af.still[Q_HOLD], 2);
	assert_int_equal(af.gone, 1);
	snprintf(af.why, sizeof af.why, "the command timed out");
	assert_string_equal(queues_after_text(&af, PF_RELEASE, buf, sizeof buf),
	    "2 of 5 released before the command timed out; 2 still on hold; "
	    "1 no longer queued");
	/* Deleted and requeued: no longer listed under their ID. */
	queues_after_count(qs, node, PF_DELETE, ids, 5, &af);
	assert_int_equal(af.done, 1);
	assert_int_equal(af.gone, 0);
	assert_int_equal(af.still[Q_HOLD] + af.still[Q_DEFERRED] +
	    af.still[Q_ACTIVE], 4);
	queues_after_count(qs, node, PF_REQUEUE, ids, 2, &af);
	assert_int_equal(af.done, 0);
	af.why[0] = '\0';
	assert_string_equal(queues_after_text(&af, PF_REQUEUE, buf, sizeof buf),
	    "none of the 2 were requeued before the node stopped answering; "
	    "2 still on hold");
	queue_set_free(qs);
}

static void
test_text_all_and_unchecked(void **state)
{
	struct queues_after af;
	char buf[512];

	(void)state;
	memset(&af, 0, sizeof af);
	af.checked = true;
	af.asked = af.done = 3060;
	assert_string_equal(queues_after_text(&af, PF_HOLD, buf, sizeof buf),
	    "all 3,060 held, but the node stopped answering before postsuper "
	    "said so (listed again)");
	af.checked = false;
	snprintf(af.cause, sizeof af.cause, "timed out");
	assert_string_equal(queues_after_text(&af, PF_DELETE, buf, sizeof buf),
	    "the node stopped answering during the delete of 3,060 messages, "
	    "and its queue could not be listed again: timed out; list it "
	    "before repeating the delete");
	/* A short buffer is cut, never overrun. */
	af.checked = true;
	af.done = 1681;
	af.still[Q_DEFERRED] = 1379;
	assert_string_equal(queues_after_text(&af, PF_HOLD, buf, 20),
	    "1,681 of 3,060 held");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hold),
		cmocka_unit_test(test_release_delete_requeue),
		cmocka_unit_test(test_text_all_and_unchecked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
