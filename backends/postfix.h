/* Postfix over SSH: list the queue, act on messages, flush, show one. */
#ifndef MAILNOC_POSTFIX_H
#define MAILNOC_POSTFIX_H

#include <stddef.h>
#include <stdint.h>

#include "backends/ssh.h"
#include "core/queue.h"

enum postfix_action {
	PF_HOLD,    /* postsuper -h */
	PF_RELEASE, /* postsuper -H */
	PF_REQUEUE, /* postsuper -r */
	PF_DELETE,  /* postsuper -d */
};

/* A listing in progress; the counters may be read by another thread. */
struct postfix_listing {
	volatile unsigned long lines;
	volatile unsigned long messages;
	volatile unsigned long bad;
	char first_bad[200];   /* why the first bad line was refused */
	/*
	 * Streaming: when set, every `batch_size` messages (and once at the
	 * end) the set being filled is handed to batch(), which owns it from
	 * then on, and a new set (with the same node at index 0) is started.
	 */
	void (*batch)(void *arg, struct queue_set *qs, int last);
	void *batch_arg;
	size_t batch_size;
};

/* What postsuper says it did. */
struct postfix_done {
	long count;            /* messages it reports acting on */
	char said[512];        /* its report, one line */
};

/*
 * The templates of the commands that run with sudo when ssh.sudo is set,
 * NULL-terminated: what the sudoers drop-in (cmd/sudoers.h) must allow.
 * Placeholders: {config} the node's postfix_config, {dir} its
 * queue_directory, {id} a queue ID, {pattern} the client grep pattern.
 */
extern const char *const postfix_sudo_templates[];

const char *postfix_action_name(enum postfix_action a);
/* Returns 0 with *a set, or -1 for a name that is not an action. */
int postfix_action_parse(const char *s, enum postfix_action *a);

/*
 * Lists the node's queue with `postqueue -c DIR -j`, parsing each line into
 * `qs` as node index `node` while it streams (bad lines are counted in
 * `l` and skipped). With l->batch set, `qs` is the first batch: it and
 * every later one go to l->batch, the last with `last` set (also after a
 * failure). Returns 0, or -1 with `cause` set (SSH failure, a nonzero exit
 * status with postqueue's own words).
 */
int postfix_list(struct ssh_conn *c, struct queue_set *qs, uint32_t node,
    struct postfix_listing *l, volatile int *cancel, char *cause,
    size_t causelen);

/*
 * Runs postsuper with the action on the queue IDs (validated again here),
 * passed on standard input: one command per node, however many IDs.
 * Returns 0 with `done` filled from postsuper's report, or -1 with `cause`.
 */
int postfix_act(struct ssh_conn *c, enum postfix_action a,
    const char *const *ids, size_t nids, struct postfix_done *done,
    char *cause, size_t causelen);

/*
 * Finds the queued messages (incoming, active, deferred; not hold) that
 * came from client address `ip` (validated: one IPv4 or IPv6 address), by
 * the client_address record in each queue file: one command on the node,
 * through sudo when configured (queue files are readable by postfix and
 * root only). Returns the number of IDs, stored in *ids (free each and the
 * array), or -1 with `cause` set.
 */
long postfix_ids_by_client(struct ssh_conn *c, const char *ip, char ***ids,
    char *cause, size_t causelen);

/*
 * Flushes: the whole queue (id and site NULL), one message (`id`) or the
 * mail for one destination (`site`). Returns 0, or -1 with `cause`.
 */
int postfix_flush(struct ssh_conn *c, const char *id, const char *site,
    char *cause, size_t causelen);

/*
 * Shows one message with postcat: headers only, or the body as well.
 * Each line goes to on_line. Returns 0, or -1 with `cause`.
 */
int postfix_show(struct ssh_conn *c, const char *id, int body,
    int (*on_line)(void *, const char *, size_t), void *arg, char *cause,
    size_t causelen);

/*
 * Hands `message` (headers and body, as sendmail reads it) to the node's
 * own sendmail (its Postfix instance), envelope `from` and `to`, each
 * checked as a plain address and shell-quoted, the text on stdin. Returns
 * 0 once sendmail took it, or -1 with `cause` set.
 */
int postfix_sendmail(struct ssh_conn *c, const char *from, const char *to,
    const char *message, char *cause, size_t causelen);

#endif
