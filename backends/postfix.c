/* Postfix commands as templates: every value validated, then quoted. */
#include "backends/postfix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/postqueue.h"
#include "core/notice.h"
#include "core/shell.h"
#include "core/validate.h"
#include "core/xalloc.h"

#define T_LIST "postqueue -c {config} -j"
#define POSTFIX_FIRST_BATCH 100
#define POSTFIX_DIR_MAX 1024
#define T_FLUSH "postqueue -c {config} -f"
#define T_FLUSH_ID "postqueue -c {config} -i {id}"
#define T_FLUSH_SITE "postqueue -c {config} -s {site}"
#define T_SHOW_HEAD "postcat -c {config} -h -q {id}"
#define T_SHOW_ALL "postcat -c {config} -h -b -q {id}"
#define T_QUEUE_DIR "postconf -c {config} -h queue_directory"
/*
 * A queue file is a sequence of records: a type byte, the length (one byte
 * below 128) and the data. The client is the named attribute record 'A'
 * "client_address=IP": matching type, length and text finds exactly that
 * address (not 127.0.1.10 for 127.0.1.1, not log_client_address). One
 * simple command, so that sudo applies to all of it; the C locale keeps
 * PCRE from judging the binary files as UTF-8.
 */
#define T_BY_CLIENT "env LC_ALL=C grep -rlaP -e {pattern} {dir}/incoming " \
	"{dir}/active {dir}/deferred"

/* postfix_act's command; %s is the action's flag. */
#define T_ACT "postsuper -c {config} %s -"
#define T_ACT_LINE(flag) "postsuper -c {config} " flag " -"

const char *const postfix_sudo_templates[] = {
	T_ACT_LINE("-h"), T_ACT_LINE("-H"), T_ACT_LINE("-r"), T_ACT_LINE("-d"),
	T_SHOW_HEAD, T_SHOW_ALL, T_BY_CLIENT, NULL,
};

static const struct {
	const char *name;
	const char *flag;
	const char *verb; /* as postsuper reports it */
} postfix_actions[] = {
	[PF_HOLD] = { "hold", "-h", "Placed on hold" },
	[PF_RELEASE] = { "release", "-H", "Released from hold" },
	[PF_REQUEUE] = { "requeue", "-r", "Requeued" },
	[PF_DELETE] = { "delete", "-d", "Deleted" },
};

const char *
postfix_action_name(enum postfix_action a)
{
	return postfix_actions[a].name;
}

int
postfix_action_parse(const char *s, enum postfix_action *a)
{
	size_t i;

	for (i = 0; i < sizeof postfix_actions / sizeof postfix_actions[0];
	     i++) {
		if (strcmp(s, postfix_actions[i].name) == 0) {
			*a = (enum postfix_action)i;
			return 0;
		}
	}
	return -1;
}

/* Expands a template with the node's config directory and one value. */
static int
postfix_command(struct ssh_conn *c, const char *tmpl, const char *name,
    const char *value, const char *(*check)(const char *), char *out,
    size_t len, char *cause, size_t causelen)
{
	struct shell_var vars[2] = {
		{ "config", c->node->postfix_config, validate_path },
		{ name, value, check },
	};

	return shell_expand(tmpl, vars, name != NULL ? 2 : 1, out, len, cause,
	    causelen) == -1 ? -1 : 0;
}

/* Runs a command; a nonzero exit is an error with the command's words. */
static int
postfix_run(struct ssh_conn *c, const char *cmd, const char *input,
    size_t inputlen, int (*on_line)(void *, const char *, size_t), void *arg,
    struct ssh_result *res, volatile int *cancel, char *cause,
    size_t causelen)
{
	char said[300];

	if (ssh_exec(c, cmd, input, inputlen, on_line, arg, res, cancel) == -1) {
		snprintf(cause, causelen, "%s", c->errstr);
		return -1;
	}
	if (res->status != 0 && ssh_sudo_refused(c, cmd, res, cause, causelen))
		return -1;
	if (res->status != 0) {
		ssh_result_said(res, said, sizeof said);
		snprintf(cause, causelen, "%s: '%s' failed (%s%s%d)%s%s",
		    c->node->name, cmd, res->signal[0] ? "signal " : "exit ",
		    res->signal[0] ? res->signal : "",
		    res->signal[0] ? 0 : res->status, said[0] ? ": " : "", said);
		return -1;
	}
	return 0;
}

int
postfix_sendmail(struct ssh_conn *c, const char *from, const char *to,
    const char *message, char *cause, size_t causelen)
{
	struct shell_var vars[3] = {
		{ "config", c->node->postfix_config, validate_path },
		{ "from", from, notice_address_check },
		{ "to", to, notice_address_check },
	};
	struct ssh_result res;
	char cmd[1024];
	int rc;

	/* -i: a line of one dot is text; "--": no address reads as an option. */
	if (shell_expand("sendmail -C {config} -i -f {from} -- {to}", vars, 3,
	    cmd, sizeof cmd, cause, causelen) == -1)
		return -1;
	rc = postfix_run(c, cmd, message, strlen(message), NULL, NULL, &res,
	    NULL, cause, causelen);
	ssh_result_free(&res);
	return rc;
}

struct postfix_list_arg {
	struct queue_set *qs;
	uint32_t node;
	char name[64]; /* a copy: the first set goes away with its batch */
	size_t batches;
	size_t in_batch;
	struct postfix_listing *l;
};

/* Hands the set over and starts the next one. */
static void
postfix_list_batch(struct postfix_list_arg *a, int last)
{
	char cause[64];
	uint32_t idx;

	a->l->batch(a->l->batch_arg, a->qs, last);
	a->qs = NULL;
	a->in_batch = 0;
	a->batches++;
	if (last)
		return;
	a->qs = queue_set_new();
	queue_set_add_node(a->qs, a->name, &idx, cause, sizeof cause);
}

static int
postfix_list_line(void *arg, const char *line, size_t len)
{
	struct postfix_list_arg *a = arg;
	char cause[200];

	a->l->lines++;
	if (len == 0)
		return 0;
	if (postqueue_parse_line(a->qs, a->node, line, len, cause,
		sizeof cause) == -1) {
		if (a->l->bad++ == 0)
			snprintf(a->l->first_bad, sizeof a->l->first_bad,
			    "line %lu: %s", a->l->lines, cause);
		return 0;
	}
	a->l->messages++;
	/* A small first batch puts rows on the screen at once. */
	if (a->l->batch != NULL && ++a->in_batch >= (a->batches == 0 ?
						  POSTFIX_FIRST_BATCH :
						  a->l->batch_size))
		postfix_list_batch(a, 0);
	return 0;
}

int
postfix_list(struct ssh_conn *c, struct queue_set *qs, uint32_t node,
    struct postfix_listing *l, volatile int *cancel, char *cause,
    size_t causelen)
{
	struct postfix_list_arg a;
	struct ssh_result res;
	char cmd[SHELL_CMD_MAX];
	int rc;

	if (postfix_command(c, T_LIST, NULL, NULL, NULL, cmd, sizeof cmd, cause,
		causelen) == -1)
		return -1;
	memset(&a, 0, sizeof a);
	a.qs = qs;
	a.node = node;
	snprintf(a.name, sizeof a.name, "%s", queue_set_node_name(qs, node));
	a.l = l;
	if (l->batch_size == 0)
		l->batch_size = 1000;
	rc = postfix_run(c, cmd, NULL, 0, postfix_list_line, &a, &res, cancel,
	    cause, causelen);
	if (l->batch != NULL)
		postfix_list_batch(&a, 1);
	ssh_result_free(&res);
	return rc;
}

/*
 * Finds postsuper's summary, "postsuper: Deleted: 3 messages", in the tail
 * of stderr: it comes after one line per message, which may be far more
 * than is kept of the head.
 */
static const char *
postfix_summary(const struct ssh_result *res, const char *verb)
{
	char needle[64];
	const char *p = NULL, *q;

	snprintf(needle, sizeof needle, "postsuper: %s: ", verb);
	for (q = res->errtail; (q = strstr(q, needle)) != NULL; q++)
		p = q;
	return p;
}

static long
postfix_count(const struct ssh_result *res, const char *verb)
{
	const char *p = postfix_summary(res, verb);

	return p == NULL ? 0 : strtol(strchr(p + 11, ':') + 2, NULL, 10);
}

int
postfix_act(struct ssh_conn *c, enum postfix_action a,
    const char *const *ids, size_t nids, struct postfix_done *done,
    char *cause, size_t causelen)
{
	char cmd[SHELL_CMD_MAX], tmpl[128];
	struct ssh_result res;
	size_t i, len = 0;
	char *input;
	const char *why;
	int rc;

	memset(done, 0, sizeof *done);
	for (i = 0; i < nids; i++) {
		if ((why = validate_queue_id(ids[i])) != NULL) {
			snprintf(cause, causelen, "'%s' is not a queue ID: %s",
			    ids[i], why);
			return -1;
		}
		len += strlen(ids[i]) + 1;
	}
	if (nids == 0) {
		snprintf(cause, causelen, "%s: no messages to %s", c->node->name,
		    postfix_actions[a].name);
		return -1;
	}
	/* "-" makes postsuper read the IDs from standard input. */
	snprintf(tmpl, sizeof tmpl, T_ACT, postfix_actions[a].flag);
	if (postfix_command(c, tmpl, NULL, NULL, NULL, cmd, sizeof cmd, cause,
		causelen) == -1 ||
	    shell_sudo(cmd, sizeof cmd, c->cfg->ssh.sudo, cause, causelen) == -1)
		return -1;
	input = xmalloc(len + 1);
	len = 0;
	for (i = 0; i < nids; i++)
		len += (size_t)snprintf(input + len, strlen(ids[i]) + 2, "%s\n",
		    ids[i]);
	rc = postfix_run(c, cmd, input, len, NULL, NULL, &res, NULL, cause,
	    causelen);
	free(input);
	if (rc == 0) {
		const char *p = postfix_summary(&res, postfix_actions[a].verb);

		done->count = postfix_count(&res, postfix_actions[a].verb);
		/* Its summary line; the per-message lines only repeat the IDs. */
		if (p != NULL)
			snprintf(done->said, sizeof done->said, "%.*s",
			    (int)strcspn(p, "\n"), p);
		else
			snprintf(done->said, sizeof done->said, "postsuper "
			    "reported no %s", postfix_actions[a].verb);
	}
	ssh_result_free(&res);
	return rc;
}

/* The grep pattern is built here from a valid address: check it anyway. */
static const char *
postfix_check_pattern(const char *s)
{
	if (strspn(s, "\\x0123456789abcdefABCDEF.:_=lientdrs") != strlen(s))
		return "unexpected character in the pattern";
	return NULL;
}

/* Keeps the first line of the output in arg (POSTFIX_DIR_MAX bytes). */
static int
postfix_first_line(void *arg, const char *line, size_t len)
{
	char *out = arg;

	if (out[0] == '\0')
		snprintf(out, POSTFIX_DIR_MAX, "%.*s", (int)len, line);
	return 0;
}

struct postfix_ids {
	char **v;
	size_t n, cap;
};

static int
postfix_ids_line(void *arg, const char *line, size_t len)
{
	struct postfix_ids *ids = arg;
	const char *base = strrchr(line, '/');

	base = base != NULL ? base + 1 : line;
	/* Anything but a queue file name is not ours to act on. */
	if (len == 0 || validate_queue_id(base) != NULL)
		return 0;
	if (ids->n == ids->cap) {
		ids->cap = ids->cap ? ids->cap * 2 : 16;
		ids->v = xreallocarray(ids->v, ids->cap, sizeof *ids->v);
	}
	ids->v[ids->n++] = xstrdup(base);
	return 0;
}

/* Asks the node where its queue is. */
static int
postfix_queue_dir(struct ssh_conn *c, char dir[POSTFIX_DIR_MAX],
    char *cause, size_t causelen)
{
	char cmd[SHELL_CMD_MAX];
	struct ssh_result res;
	const char *why;
	int rc;

	if (postfix_command(c, T_QUEUE_DIR, NULL, NULL, NULL, cmd, sizeof cmd,
		cause, causelen) == -1)
		return -1;
	dir[0] = '\0';
	rc = postfix_run(c, cmd, NULL, 0, postfix_first_line, dir, &res, NULL,
	    cause, causelen);
	ssh_result_free(&res);
	if (rc == -1)
		return -1;
	if ((why = validate_path(dir)) != NULL) {
		snprintf(cause, causelen, "%s: postconf gave queue_directory "
		    "'%.100s': %s", c->node->name, dir, why);
		return -1;
	}
	return 0;
}

long
postfix_ids_by_client(struct ssh_conn *c, const char *ip, char ***out,
    char *cause, size_t causelen)
{
	char pattern[160], dir[POSTFIX_DIR_MAX], cmd[SHELL_CMD_MAX], said[300];
	struct postfix_ids ids = { NULL, 0, 0 };
	struct shell_var vars[2];
	struct ssh_result res;
	const char *why, *p;
	size_t n;
	int rc;

	*out = NULL;
	if ((why = validate_ip(ip)) != NULL) {
		snprintf(cause, causelen, "'%s' is not an address: %s", ip, why);
		return -1;
	}
	n = (size_t)snprintf(pattern, sizeof pattern, "\\x41\\x%02zx"
	    "client_address=", strlen("client_address=") + strlen(ip));
	for (p = ip; *p != '\0' && n + 3 < sizeof pattern; p++) {
		if (*p == '.')
			pattern[n++] = '\\';
		pattern[n++] = *p;
	}
	pattern[n] = '\0';
	if (postfix_queue_dir(c, dir, cause, causelen) == -1)
		return -1;
	vars[0] = (struct shell_var){ "pattern", pattern,
		postfix_check_pattern };
	vars[1] = (struct shell_var){ "dir", dir, validate_path };
	if (shell_expand(T_BY_CLIENT, vars, 2, cmd, sizeof cmd, cause,
		causelen) == -1 ||
	    shell_sudo(cmd, sizeof cmd, c->cfg->ssh.sudo, cause, causelen) == -1)
		return -1;
	if (ssh_exec(c, cmd, NULL, 0, postfix_ids_line, &ids, &res, NULL) ==
	    -1) {
		snprintf(cause, causelen, "%s", c->errstr);
		rc = -1;
	} else if (ssh_sudo_refused(c, cmd, &res, cause, causelen)) {
		rc = -1;
	} else if (res.status == 0 || (res.status == 1 && res.errlen == 0)) {
		rc = 0;		/* grep's 1 with nothing said: no messages */
	} else {
		ssh_result_said(&res, said, sizeof said);
		snprintf(cause, causelen, "%s: '%s' failed (exit %d)%s%s",
		    c->node->name, cmd, res.status, said[0] ? ": " : "", said);
		rc = -1;
	}
	ssh_result_free(&res);
	if (rc == -1) {
		while (ids.n > 0)
			free(ids.v[--ids.n]);
		free(ids.v);
		return -1;
	}
	*out = ids.v;
	return (long)ids.n;
}

int
postfix_flush(struct ssh_conn *c, const char *id, const char *site,
    char *cause, size_t causelen)
{
	char cmd[SHELL_CMD_MAX];
	struct ssh_result res;
	int rc;

	if (id != NULL)
		rc = postfix_command(c, T_FLUSH_ID, "id", id, validate_queue_id,
		    cmd, sizeof cmd, cause, causelen);
	else if (site != NULL)
		rc = postfix_command(c, T_FLUSH_SITE, "site", site,
		    validate_host, cmd, sizeof cmd, cause, causelen);
	else
		rc = postfix_command(c, T_FLUSH, NULL, NULL, NULL, cmd,
		    sizeof cmd, cause, causelen);
	if (rc == -1)
		return -1;
	rc = postfix_run(c, cmd, NULL, 0, NULL, NULL, &res, NULL, cause,
	    causelen);
	ssh_result_free(&res);
	return rc;
}

int
postfix_show(struct ssh_conn *c, const char *id, int body,
    int (*on_line)(void *, const char *, size_t), void *arg, char *cause,
    size_t causelen)
{
	char cmd[SHELL_CMD_MAX];
	struct ssh_result res;
	int rc;

	if (postfix_command(c, body ? T_SHOW_ALL : T_SHOW_HEAD, "id", id,
		validate_queue_id, cmd, sizeof cmd, cause, causelen) == -1 ||
	    shell_sudo(cmd, sizeof cmd, c->cfg->ssh.sudo, cause, causelen) == -1)
		return -1;
	rc = postfix_run(c, cmd, NULL, 0, on_line, arg, &res, NULL, cause,
	    causelen);
	ssh_result_free(&res);
	return rc;
}
