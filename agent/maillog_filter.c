/* The filter's traces in the mail log: unscanned messages, quarantines. */
#include "agent/maillog_filter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

static bool
pid_failed(struct maillog_filter *mf, long pid, bool forget)
{
	size_t i;

	for (i = 0; i < MAILLOG_FILTER_PIDS; i++) {
		if (mf->failed_pid[i] != pid)
			continue;
		if (forget)
			mf->failed_pid[i] = 0;
		return true;
	}
	return false;
}

static struct maillog_filter_held *
held_slot(struct maillog_filter *mf, const char *qid)
{
	struct maillog_filter_held *h;
	size_t i;

	for (i = 0; i < mf->nheld; i++) {
		if (strcmp(mf->held[i].qid, qid) == 0)
			return &mf->held[i];
	}
	if (mf->nheld == mf->cap) {
		mf->cap = mf->cap ? mf->cap * 2 : 16;
		mf->held = xrealloc(mf->held, mf->cap * sizeof *mf->held);
	}
	h = &mf->held[mf->nheld++];
	memset(h, 0, sizeof *h);
	snprintf(h->qid, sizeof h->qid, "%s", qid);
	return h;
}

void
maillog_filter_add(struct maillog_filter *mf, const struct maillog_rec *r)
{
	struct maillog_filter_held *h;
	size_t i;

	switch (r->kind) {
	case MAILLOG_CONNECT:
		if (r->pid > 0)
			pid_failed(mf, r->pid, true);
		break;
	case MAILLOG_MILTER_FAIL:
		if (r->pid > 0 && !pid_failed(mf, r->pid, false)) {
			mf->failed_pid[mf->next_pid] = r->pid;
			mf->next_pid = (mf->next_pid + 1) % MAILLOG_FILTER_PIDS;
		}
		break;
	case MAILLOG_CLIENT:
		if (strcmp(r->daemon, "smtpd") == 0 && r->pid > 0 &&
		    pid_failed(mf, r->pid, false))
			mf->unscanned++;
		break;
	case MAILLOG_MESSAGE_ID:
		i = mf->next_mid;
		snprintf(mf->mids[i].qid, sizeof mf->mids[i].qid, "%s", r->qid);
		snprintf(mf->mids[i].mid, sizeof mf->mids[i].mid, "%s",
		    r->addr);
		mf->next_mid = (i + 1) % MAILLOG_FILTER_MIDS;
		break;
	case MAILLOG_FILTER_HOLD:
		h = held_slot(mf, r->qid);
		h->gone = false;
		h->at = r->time;
		for (i = 0; i < MAILLOG_FILTER_MIDS; i++) {
			if (strcmp(mf->mids[i].qid, r->qid) == 0)
				snprintf(h->mid, sizeof h->mid, "%s",
				    mf->mids[i].mid);
		}
		break;
	case MAILLOG_RELEASE:
	case MAILLOG_DELETE:
	case MAILLOG_REMOVED:
		if (r->qid[0] != '\0')
			held_slot(mf, r->qid)->gone = true;
		break;
	default:
		break;
	}
}

void
maillog_filter_clear(struct maillog_filter *mf)
{
	mf->unscanned = 0;
	mf->nheld = 0;
}

void
maillog_filter_free(struct maillog_filter *mf)
{
	free(mf->held);
	mf->held = NULL;
	mf->nheld = mf->cap = 0;
}
