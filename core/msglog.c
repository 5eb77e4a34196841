/* The message history: a ring of what the console said, with the time. */
#include "core/msglog.h"

#include <stdio.h>

void
msglog_add(struct msglog *log, long long when, enum msglog_kind kind,
    const char *text)
{
	struct msglog_entry *e = &log->v[log->next];

	e->when = when;
	e->kind = kind;
	snprintf(e->text, sizeof e->text, "%s", text);
	log->next = (log->next + 1) % MSGLOG_MAX;
	if (log->n < MSGLOG_MAX)
		log->n++;
}

const struct msglog_entry *
msglog_get(const struct msglog *log, size_t i)
{
	if (i >= log->n)
		return NULL;
	return &log->v[(log->next + MSGLOG_MAX - log->n + i) % MSGLOG_MAX];
}

struct msglog_entry *
msglog_last(struct msglog *log)
{
	if (log->n == 0)
		return NULL;
	return &log->v[(log->next + MSGLOG_MAX - 1) % MSGLOG_MAX];
}

const char *
msglog_kind_name(enum msglog_kind kind)
{
	switch (kind) {
	case MSGLOG_ERROR:
		return "error";
	case MSGLOG_QUESTION:
		return "asked";
	case MSGLOG_COMMAND:
		return "typed";
	case MSGLOG_INFO:
		break;
	}
	return "";
}
