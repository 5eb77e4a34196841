/* What the mail log says about the filter: messages that passed while the
 * milter could not be asked (unscanned), and the messages it quarantined. */
#ifndef MAILNOC_AGENT_MAILLOG_FILTER_H
#define MAILNOC_AGENT_MAILLOG_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/filter.h"
#include "core/maillog_parse.h"

#define MAILLOG_FILTER_PIDS 64
#define MAILLOG_FILTER_MIDS 128

/* A quarantined message (or one gone from the hold queue: gone). */
struct maillog_filter_held {
	char qid[MAILLOG_QID_MAX + 1];
	bool gone;
	long long at;
	char mid[FILTER_MID_MAX];
};

struct maillog_filter {
	/* smtpd processes whose current session could not ask the milter */
	long failed_pid[MAILLOG_FILTER_PIDS];
	size_t next_pid;
	/* the Message-IDs cleanup logged last, by queue ID */
	struct {
		char qid[MAILLOG_QID_MAX + 1];
		char mid[FILTER_MID_MAX];
	} mids[MAILLOG_FILTER_MIDS];
	size_t next_mid;
	/* the batch's news */
	long long unscanned;
	struct maillog_filter_held *held;
	size_t nheld, cap;
};

/*
 * Takes one parsed line. A message counts as unscanned when its smtpd
 * session (the process, from its "connect from" to the next) logged a
 * milter failure before the message got its queue ID: with
 * milter_default_action = accept it goes on without the filter (with
 * tempfail or reject it gets no queue ID). A milter-hold line records a
 * quarantine; a release, delete or removal of that ID records it gone.
 */
void maillog_filter_add(struct maillog_filter *mf, const struct maillog_rec *r);

/* Forgets the batch's news (written, or given up on). */
void maillog_filter_clear(struct maillog_filter *mf);

void maillog_filter_free(struct maillog_filter *mf);

#endif
