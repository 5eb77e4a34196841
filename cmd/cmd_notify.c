/* notify: a notice to an agency about a block, delays or a bulk mailing,
 * written from a template and sent through a gateway's own sendmail. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backends/bulk_store.h"
#include "backends/policy_store.h"
#include "backends/postfix.h"
#include "backends/queues.h"
#include "cmd/cmd.h"
#include "cmd/confirm.h"
#include "cmd/policy_cmd.h"
#include "core/duration.h"
#include "core/exitcode.h"
#include "core/notice.h"
#include "core/validate.h"
#include "core/xalloc.h"

static const struct cmd_option cmd_notify_options[] = {
	{ "about", 1, "what the notice is about: block, delay or bulk" },
	{ "ip", 1, "block: the blocked address (in the console: the "
	    "blocklist's selected one)" },
	{ NULL, 0, NULL },
};

/* What the agency should do, by what the notice is about. */
static const char *const notify_actions[NOTICE_NABOUT] = {
	"find and stop the sending that led to the block (the reason says "
	"what was seen), then reply to this notice so that the block can be "
	"lifted. Until then the relay refuses mail from this address.",
	"nothing unless your mail is urgent: the relay keeps retrying. If it "
	"is, reply to this notice and we will look at what holds it.",
	"announce large mailings to the relay's operators before you send "
	"them, or split them into jobs of at most 1,000 recipients sent 10 "
	"minutes apart.",
};

/* The facts of one notice, with the storage their strings live in. */
struct notify_facts {
	struct notice_facts f;
	char agency[STORE_ID_MAX], name[STORE_TEXT_MAX];
	char contact[NOTICE_ADDR_MAX + 1], ip[STORE_IP_MAX];
	char since[40], until[64], reason[STORE_TEXT_MAX];
	char deferred[64], oldest[64], now[40], bulk[256];
};

/* "2026-12-05 04:40 UTC": agencies read it, not our own operators. */
static char *
notify_time(long long t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm);
	return buf;
}

static void
notify_facts_init(struct notify_facts *nf, const struct config *cfg,
    enum notice_about about, long long now)
{
	memset(nf, 0, sizeof *nf);
	nf->f.v[NF_AGENCY] = nf->agency;
	nf->f.v[NF_NAME] = nf->name;
	nf->f.v[NF_CONTACT] = nf->contact;
	nf->f.v[NF_IP] = nf->ip;
	nf->f.v[NF_SINCE] = nf->since;
	nf->f.v[NF_UNTIL] = nf->until;
	nf->f.v[NF_REASON] = nf->reason;
	nf->f.v[NF_DEFERRED] = nf->deferred;
	nf->f.v[NF_OLDEST] = nf->oldest;
	nf->f.v[NF_ACTION] = notify_actions[about];
	nf->f.v[NF_NOW] = notify_time(now, nf->now, sizeof nf->now);
	nf->f.v[NF_FROM] = cfg->notify.from != NULL ? cfg->notify.from : "-";
	nf->f.v[NF_BULK] = nf->bulk;
	snprintf(nf->bulk, sizeof nf->bulk, "-");
}

/*
 * {bulk}: the agency's announced bulk job in force now, else its next one
 * ("none announced"), with the recipients counted so far. Returns 0, or -1
 * with ctx->cause set when the announcements cannot be read.
 */
static int
notify_bulk_facts(struct cmd_ctx *ctx, struct redis *r, const char *id,
    long long now, struct notify_facts *nf)
{
	const struct bulk_plan *p = NULL;
	struct bulk_list l;
	char cause[512], a[40], b[40], sp[32];
	size_t i;

	if (bulk_store_list(r, now, &l, cause, sizeof cause) == -1)
		return cmd_fail(ctx, EXIT_FAILED, "notify: cannot read the "
		    "announced bulk jobs: %s", cause);
	for (i = 0; i < l.n && p == NULL; i++) {
		if (l.v[i].malformed[0] == '\0' &&
		    strcmp(l.v[i].agency, id) == 0 && l.v[i].end > now)
			p = &l.v[i];
	}
	if (p == NULL)
		snprintf(nf->bulk, sizeof nf->bulk, "none announced");
	else
		snprintf(nf->bulk, sizeof nf->bulk, "%lld recipients in %ld "
		    "job%s %s apart, from %s to %s; %lld sent so far%s",
		    p->rcpts, p->jobs, p->jobs == 1 ? "" : "s",
		    duration_format(p->spacing, sp, sizeof sp),
		    notify_time(p->start, a, sizeof a),
		    notify_time(p->end, b, sizeof b), p->sent,
		    p->start > now ? " (not begun)" : "");
	bulk_list_free(&l);
	return 0;
}

static void
notify_block_facts(struct notify_facts *nf, long long since, long long until,
    const char *reason)
{
	if (since > 0)
		notify_time(since, nf->since, sizeof nf->since);
	if (until > 0)
		notify_time(until, nf->until, sizeof nf->until);
	else
		snprintf(nf->until, sizeof nf->until, "no end set");
	validate_sanitize(nf->reason, sizeof nf->reason, reason);
}

/* Is the running binary the one built in the source tree? */
static bool
notify_in_source_tree(void)
{
	char exe[4096];
	size_t n = strlen(MAILNOC_SRCDIR);
	ssize_t got;

	if ((got = readlink("/proc/self/exe", exe, sizeof exe - 1)) <= 0)
		return false;
	exe[got] = '\0';
	return strncmp(exe, MAILNOC_SRCDIR, n) == 0 && exe[n] == '/';
}

/*
 * The template: notify.templates first, then the source tree's for a
 * binary built there (never the current directory), then the installed.
 */
static int
notify_template(struct cmd_ctx *ctx, enum notice_about about,
    struct notice_template *t)
{
	const char *dirs[3];
	size_t n = 0;

	if (ctx->cfg->notify.templates != NULL)
		dirs[n++] = ctx->cfg->notify.templates;
	if (notify_in_source_tree())
		dirs[n++] = MAILNOC_SRCDIR "/templates";
	dirs[n++] = MAILNOC_DATADIR "/templates";
	if (notice_template_load(dirs, n, about, t, ctx->cause,
	    sizeof ctx->cause) == -1)
		return EXIT_USAGE;
	return EXIT_OK;
}

/* The gateway that sends: notify.gateway, or the first gateway. */
static const struct config_node *
notify_gateway(const struct config *cfg)
{
	size_t i;

	if (cfg->notify.gateway != NULL)
		return config_node_find(cfg, cfg->notify.gateway);
	for (i = 0; i < cfg->nnodes; i++)
		if (cfg->nodes[i].role == NODE_GATEWAY)
			return &cfg->nodes[i];
	return NULL;
}

/* A value of the console's "notice" selection ("ip=192.0.2.7"), or NULL. */
static const char *
notify_sel(char **v, int n, const char *key)
{
	size_t k = strlen(key);
	int i;

	for (i = 0; i < n; i++)
		if (strncmp(v[i], key, k) == 0 && v[i][k] == '=')
			return v[i] + k + 1;
	return NULL;
}

/*
 * Checks --about, the agency and --ip; in the console takes what the shown
 * view selects (its "notice" selection: the block or the agency under the
 * cursor) as the agency and the IP.
 */
static int
notify_args(struct cmd *c, struct cmd_ctx *ctx, enum notice_about *about,
    char **sel, int nsel)
{
	const char *a = cmd_option(c, "about"), *ip = cmd_option(c, "ip");
	const char *agency = c->argc > 0 ? c->argv[0] : NULL, *why;
	char canon[STORE_IP_MAX];

	if (a == NULL || notice_about_parse(a, about) == -1)
		return cmd_fail(ctx, EXIT_USAGE, "notify: say what about with "
		    "--about block, delay or bulk%s%s%s", a != NULL ? " ('" :
		    "", a != NULL ? a : "", a != NULL ? "' is none of them)" :
		    "");
	if (agency == NULL && (agency = notify_sel(sel, nsel, "agency")) !=
	    NULL && agency[0] != '\0')
		cmd_set_arg(c, 0, agency);
	if (c->argc == 0 || c->argv[0][0] == '\0')
		return cmd_fail(ctx, EXIT_USAGE, "notify: which agency? usage: "
		    "notify AGENCY --about block|delay|bulk [--ip IP]%s",
		    nsel > 0 ? " (the selected block has no agency: its IP "
		    "has no relay permit)" : "");
	if ((why = validate_name(c->argv[0])) != NULL)
		return cmd_fail(ctx, EXIT_USAGE, "notify: '%s' is not an agency "
		    "id: %s", c->argv[0], why);
	if (*about == NOTICE_BLOCK && ip == NULL &&
	    (ip = notify_sel(sel, nsel, "ip")) != NULL)
		cmd_set_option(c, "ip", ip);
	if (*about == NOTICE_BLOCK && ip == NULL)
		return cmd_fail(ctx, EXIT_USAGE, "notify: which blocked address? "
		    "give --ip IP with --about block");
	if (ip != NULL && *about != NOTICE_BLOCK)
		return cmd_fail(ctx, EXIT_USAGE, "notify: --ip goes with --about "
		    "block only");
	if (ip != NULL && (why = validate_ip_canon(ip, canon, sizeof canon)) !=
	    NULL)
		return cmd_fail(ctx, EXIT_USAGE, "notify: --ip '%s' is not "
		    "accepted: %s", ip, why);
	if (ip != NULL && strcmp(ip, canon) != 0)
		cmd_set_option(c, "ip", canon);
	return EXIT_OK;
}

/* Whether only spaces stand between p and the start of its line. */
static bool
notify_line_start(const char *body, const char *p)
{
	while (p > body && p[-1] == ' ')
		p--;
	return p == body || p[-1] == '\n';
}

/*
 * The notice on one line for the status line's question: the subject in
 * quotes, then the body's lines, blank ones left out, " | " between them
 * and runs of spaces made one. As much as fits in len.
 */
static void
notify_flat(const struct notice *n, char *buf, size_t len)
{
	const char *p;
	size_t off;
	bool space = true, line = false;

	off = (size_t)snprintf(buf, len, "send to %s: \"%s\"", n->to,
	    n->subject);
	for (p = n->body; *p != '\0' && off + 4 < len; p++) {
		if (*p == '\n') {
			space = true;
			continue;
		}
		if (*p == ' ' || *p == '\t') {
			if (!space)
				buf[off++] = ' ';
			space = true;
			continue;
		}
		if (space && off > 0 && buf[off - 1] != ' ')
			buf[off++] = ' ';
		if (p == n->body || p[-1] == '\n' || (line && p[-1] == ' ' &&
		    notify_line_start(n->body, p))) {
			memcpy(buf + off, "| ", 2);
			off += 2;
		}
		line = true;
		space = false;
		buf[off++] = *p;
	}
	if (off >= len)
		off = len - 1;
	while (off > 0 && buf[off - 1] == ' ')
		off--;
	buf[off] = '\0';
}

/*
 * The preparation: the arguments and, in the console, the notice itself
 * written from the facts the shown view holds (the block under the
 * cursor, the agency's contact) so the question shows its text; the
 * counts of deferred mail are taken when it is sent.
 */
static int
notify_prepare(struct cmd *c, struct cmd_ctx *ctx, struct cmd_ask *ask)
{
	struct notice_template t;
	struct notify_facts nf;
	struct notice n;
	enum notice_about about;
	const char *v;
	char **sel = NULL, msgid[NOTICE_MSGID_MAX];
	int nsel = 0, code;

	if (ctx->ui != NULL)
		nsel = cmd_selection(ctx, "notice", &sel);
	if (nsel < 0)
		nsel = 0;
	if ((code = notify_args(c, ctx, &about, sel, nsel)) != EXIT_OK ||
	    (code = notify_template(ctx, about, &t)) != EXIT_OK)
		goto out;
	snprintf(ask->question, sizeof ask->question, "send the %s notice to "
	    "agency %s", notice_about_name(about), c->argv[0]);
	if (ctx->ui == NULL)
		goto out;
	notify_facts_init(&nf, ctx->cfg, about, (long long)time(NULL));
	snprintf(nf.agency, sizeof nf.agency, "%s", c->argv[0]);
	if ((v = notify_sel(sel, nsel, "name")) != NULL)
		validate_sanitize(nf.name, sizeof nf.name, v);
	if ((v = cmd_option(c, "ip")) != NULL)
		snprintf(nf.ip, sizeof nf.ip, "%s", v);
	if (about == NOTICE_BLOCK && (v = notify_sel(sel, nsel, "since")) !=
	    NULL)
		notify_block_facts(&nf, atoll(v), atoll(notify_sel(sel, nsel,
		    "until") ? notify_sel(sel, nsel, "until") : "0"),
		    notify_sel(sel, nsel, "reason"));
	snprintf(nf.deferred, sizeof nf.deferred, "(counted when sent)");
	snprintf(nf.oldest, sizeof nf.oldest, "(when sent)");
	snprintf(nf.bulk, sizeof nf.bulk, "(read when sent)");
	if ((v = notify_sel(sel, nsel, "contact")) == NULL ||
	    notice_contact_address(v, nf.contact, sizeof nf.contact) == -1)
		snprintf(nf.contact, sizeof nf.contact, "agency %s's contact",
		    c->argv[0]);
	notice_compose(&t, &nf.f, nf.contact, ctx->cfg->notify.from != NULL ?
	    ctx->cfg->notify.from : "-", notice_message_id(0, 0,
	    ctx->cfg->notify.from, msgid,
	    sizeof msgid), &n);
	notify_flat(&n, ask->question, sizeof ask->question - 40);
out:
	cmd_selection_free(sel, nsel);
	return code;
}

/* The agency's deferred mail on every gateway, for {deferred} {oldest}. */
static void
notify_deferred(struct cmd_ctx *ctx, const struct agency *a, long long now,
    struct notify_facts *nf)
{
	struct queue_set *qs;
	struct queues q;
	char cause[512], age[32];
	long long oldest;
	size_t failed;
	long n;

	if (a->domains[0] == '\0') {
		snprintf(nf->deferred, sizeof nf->deferred, "not known");
		snprintf(nf->oldest, sizeof nf->oldest, "not known");
		return;
	}
	if (queues_open(&q, ctx->cfg, NULL, ctx->cancel, cause,
	    sizeof cause) == -1) {
		snprintf(nf->deferred, sizeof nf->deferred, "not known");
		snprintf(nf->oldest, sizeof nf->oldest, "not known");
		return;
	}
	failed = queues_list(&q);
	qs = queues_merge(&q);
	notice_deferred(qs, a->domains, &n, &oldest);
	queue_set_free(qs);
	queues_close(&q);
	snprintf(nf->deferred, sizeof nf->deferred, "%ld%s", n, failed > 0 ?
	    " (some gateways did not answer)" : "");
	if (oldest == 0)
		snprintf(nf->oldest, sizeof nf->oldest, "none waiting");
	else
		snprintf(nf->oldest, sizeof nf->oldest, "%s",
		    duration_format(now > oldest ? now - oldest : 1, age,
		    sizeof age));
}

static int
notify_exec(const struct cmd *c, struct cmd_ctx *ctx)
{
	const struct config_node *gw = notify_gateway(ctx->cfg);
	const char *id = c->argv[0], *ip = cmd_option(c, "ip");
	struct notice_template t;
	struct notify_facts nf;
	struct block_entry b;
	struct ssh_conn ssh;
	struct agency a;
	struct notice n;
	struct redis *r;
	enum notice_about about;
	long long now = (long long)time(NULL);
	unsigned long long rnd;
	char cause[512], msgid[NOTICE_MSGID_MAX], q[700], *msg;
	int code, rc;

	if (notice_about_parse(cmd_option(c, "about"), &about) == -1)
		return cmd_fail(ctx, EXIT_USAGE, "notify: --about block, delay "
		    "or bulk");
	if ((code = notify_template(ctx, about, &t)) != EXIT_OK)
		return code;
	if (gw == NULL)
		return cmd_fail(ctx, EXIT_USAGE, "notify: no gateway in the "
		    "configuration sends it");
	if (ctx->cfg->notify.from == NULL)
		return cmd_fail(ctx, EXIT_USAGE, "notify: set notify.from in the "
		    "configuration: the address agencies reply to");
	snprintf(cause, sizeof cause, "cannot notify agency '%s'", id);
	if ((r = policy_cmd_redis(ctx, cause, &code)) == NULL)
		return code;
	if ((rc = store_agency_get(r, id, &a, cause, sizeof cause)) == -1)
		return policy_cmd_store_fail(ctx, r, cause);
	if (rc == 0)
		return cmd_fail(ctx, EXIT_FAILED, "notify: no agency '%s'", id);
	notify_facts_init(&nf, ctx->cfg, about, now);
	snprintf(nf.agency, sizeof nf.agency, "%s", a.id);
	snprintf(nf.name, sizeof nf.name, "%s", a.name[0] ? a.name : a.id);
	if (notice_contact_address(a.contact, nf.contact, sizeof nf.contact) ==
	    -1)
		return cmd_fail(ctx, EXIT_USAGE, "notify: agency '%s' has no "
		    "contact address%s%s%s; set one with: mailnoc agency set %s "
		    "--contact ADDRESS", id, a.contact[0] ? " (its contact is '" :
		    "", a.contact, a.contact[0] ? "')" : "", id);
	if (about == NOTICE_BLOCK) {
		if ((rc = store_block_get(r, ip, &b, cause, sizeof cause)) == -1)
			return policy_cmd_store_fail(ctx, r, cause);
		if (rc == 0)
			return cmd_fail(ctx, EXIT_FAILED, "notify: '%s' is not "
			    "blocked", ip);
		if (b.agency[0] != '\0' && strcmp(b.agency, id) != 0)
			return cmd_fail(ctx, EXIT_USAGE, "notify: '%s' is "
			    "permitted for agency '%s', not '%s'", ip, b.agency,
			    id);
		snprintf(nf.ip, sizeof nf.ip, "%s", b.ip);
		notify_block_facts(&nf, b.since, b.until, b.reason);
	}
	notify_deferred(ctx, &a, now, &nf);
	if (about == NOTICE_BULK &&
	    notify_bulk_facts(ctx, r, id, now, &nf) == -1)
		return EXIT_FAILED;
	if (getentropy(&rnd, sizeof rnd) == -1)
		rnd = (unsigned long long)now ^ (unsigned long long)getpid();
	notice_compose(&t, &nf.f, nf.contact, ctx->cfg->notify.from,
	    notice_message_id(now, rnd, ctx->cfg->notify.from, msgid,
	    sizeof msgid), &n);
	if (!cmd_in_console(ctx) && !ctx->json)
		fprintf(ctx->out, "To: %s\nSubject: %s\n\n%s\n", n.to, n.subject,
		    n.body);
	snprintf(q, sizeof q, "send this %s notice to agency %s <%s> through "
	    "%s", notice_about_name(about), id, n.to, gw->name);
	if ((code = cmd_confirm(ctx, q, 1, false)) != CONFIRM_GO)
		return code == CONFIRM_DRY_RUN ? EXIT_OK : code;

	msg = notice_message(&n, now);
	ssh_init(&ssh, ctx->cfg, gw);
	cmd_touch(ctx, gw->name);
	rc = postfix_sendmail(&ssh, n.from, n.to, msg, cause, sizeof cause);
	ssh_close(&ssh);
	free(msg);
	if (rc == -1)
		return cmd_fail(ctx, EXIT_FAILED, "notify: the notice to %s was "
		    "not sent: %s", n.to, cause);
	cmd_said(ctx, "sent the %s notice%s%s to agency %s <%s> through %s, "
	    "Message-ID %s", notice_about_name(about), ip != NULL ? " about " :
	    "", ip != NULL ? ip : "", id, n.to, gw->name, n.message_id);
	if (ctx->json)
		cmd_json_print(ctx, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}",
		    "agency", id, "about", notice_about_name(about), "to", n.to,
		    "gateway", gw->name, "message_id", n.message_id, "subject",
		    n.subject));
	else
		fprintf(ctx->out, "sent the %s notice to %s through %s, "
		    "Message-ID %s\n", notice_about_name(about), n.to, gw->name,
		    n.message_id);
	return EXIT_OK;
}

const struct cmd_entry cmd_notify_entry = {
	.name = "notify",
	.usage = "[AGENCY] --about block|delay|bulk [--ip IP]",
	.help = "send an agency a notice about a block, delays or a bulk "
	    "mailing, through a gateway",
	.options = cmd_notify_options,
	.min_args = 0,
	.max_args = 1,
	.flags = CMD_MUTATES | CMD_CONFIRM | CMD_NEEDS_SSH | CMD_NEEDS_REDIS,
	.prepare = notify_prepare,
	.exec = notify_exec,
};
