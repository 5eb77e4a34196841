/* What --check-config prints: the configuration as the program reads it. */
#include "core/config_show.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Says whether a file the programs will need later can be read now. */
static int
config_show_file(FILE *f, const char *what, const char *path)
{
	struct stat st;

	if (access(path, R_OK) == -1) {
		fprintf(f, "  problem: %s '%s' cannot be read: %s\n", what, path,
		    strerror(errno));
		return 1;
	}
	if (stat(path, &st) == 0 && (st.st_mode & 077) != 0 &&
	    strcmp(what, "known_hosts file") != 0) {
		fprintf(f, "  warning: %s '%s' is readable by other users "
		    "(mode %03o)\n", what, path, (unsigned)(st.st_mode & 0777));
	}
	return 0;
}

int
config_show(const struct config *cfg, FILE *f)
{
	const struct config_redis *r = &cfg->redis;
	const struct config_ssh *s = &cfg->ssh;
	char pw[512], cause[CONFIG_CAUSE_MAX];
	size_t i, gateways = 0;
	int problems = 0, rc;

	fprintf(f, "configuration: %s\n", cfg->path);
	if (r->host != NULL)
		fprintf(f, "redis: %s:%d", r->host, r->port);
	else {
		fprintf(f, "redis: master '%s' from sentinels", r->master_name);
		for (i = 0; i < r->nsentinels; i++)
			fprintf(f, "%s %s:%d", i ? "," : "", r->sentinels[i].host,
			    r->sentinels[i].port);
		for (i = 0; i < r->ntunnels; i++)
			fprintf(f, "%s %s:%d through 127.0.0.1:%d",
			    i ? "," : "; tunnels", r->tunnels[i].host,
			    r->tunnels[i].port, r->tunnels[i].local_port);
	}
	fprintf(f, ", user %s, key prefix '%s', timeouts %d ms connect, "
	    "%d ms command\n", r->user ? r->user : "default", r->prefix,
	    r->connect_timeout_ms, r->command_timeout_ms);
	rc = config_redis_password(cfg, pw, sizeof pw, cause, sizeof cause);
	memset(pw, 0, sizeof pw);
	if (rc == -1) {
		fprintf(f, "  problem: %s\n", cause);
		problems++;
	} else if (rc == 0)
		fprintf(f, "  no password configured\n");
	else if (r->password_env != NULL)
		fprintf(f, "  password from environment variable %s (set)\n",
		    r->password_env);
	else {
		fprintf(f, "  password from file %s (readable)\n",
		    r->password_file);
		problems += config_show_file(f, "password file",
		    r->password_file);
	}

	fprintf(f, "ssh: user %s, %s, known_hosts %s, timeouts %d ms connect, "
	    "%d ms command, keepalive %d s, no progress %d s%s, sudo %s\n",
	    s->user, s->key_file ? "key file" : "ssh-agent", s->known_hosts,
	    s->connect_timeout_ms, s->command_timeout_ms, s->keepalive_s,
	    s->progress_timeout_s, s->progress_timeout_s == 0 ? " (off)" : "",
	    s->sudo ? "yes" : "no");
	if (s->key_file != NULL) {
		fprintf(f, "  key file %s\n", s->key_file);
		problems += config_show_file(f, "key file", s->key_file);
	} else if (getenv("SSH_AUTH_SOCK") == NULL) {
		fprintf(f, "  problem: ssh-agent is configured but "
		    "SSH_AUTH_SOCK is not set\n");
		problems++;
	}
	problems += config_show_file(f, "known_hosts file", s->known_hosts);

	for (i = 0; i < cfg->nnodes; i++)
		gateways += cfg->nodes[i].role == NODE_GATEWAY;
	fprintf(f, "nodes: %zu (%zu gateway%s, %zu mailbox)\n", cfg->nnodes,
	    gateways, gateways == 1 ? "" : "s", cfg->nnodes - gateways);
	for (i = 0; i < cfg->nnodes; i++) {
		const struct config_node *n = &cfg->nodes[i];

		fprintf(f, "  %-10s %-8s cluster %-8s ssh %s:%d", n->name,
		    config_role_name(n->role), n->cluster, n->ssh_host,
		    n->ssh_port);
		if (n->role == NODE_GATEWAY)
			fprintf(f, " postfix %s", n->postfix_config);
		else
			fprintf(f, " backups %s%s%s", n->backup_root,
			    n->dovecot_config ? " dovecot " : "",
			    n->dovecot_config ? n->dovecot_config : "");
		fputc('\n', f);
		if (n->negress > 0) {
			size_t j;

			fprintf(f, "             egress");
			for (j = 0; j < n->negress; j++)
				fprintf(f, "%s %s", j ? "," : "", n->egress[j]);
			fputc('\n', f);
		}
		if (n->policy.nlisten > 0) {
			size_t j;

			fprintf(f, "             policy service on");
			for (j = 0; j < n->policy.nlisten; j++)
				fprintf(f, "%s %s", j ? "," : "",
				    n->policy.listen[j].text);
			fprintf(f, "; Redis away: %s; accept: %s; at most %d "
			    "clients; Redis answers within %d ms\n",
			    n->policy.fail_action, n->policy.accept_action,
			    n->policy.max_clients, n->policy.redis_timeout_ms);
			fprintf(f, "             peers:");
			if (n->policy.nallow == 0)
				fprintf(f, " loopback and the gateways");
			for (j = 0; j < n->policy.nallow; j++)
				fprintf(f, "%s %s", j ? "," : "",
				    n->policy.allow[j].text);
			fprintf(f, "; at most %d connections each; idle %d s, "
			    "request %d s; at most %lld recipients, %lld "
			    "bytes\n", n->policy.max_clients_per_peer,
			    n->policy.idle_timeout_s,
			    n->policy.request_timeout_s,
			    n->policy.max_recipient_count,
			    n->policy.max_message_size);
		}
		if (n->maillog.enabled)
			fprintf(f, "             mail log %s from its %s; "
			    "position in %s; at most %lld messages open\n",
			    n->maillog.file != NULL ? n->maillog.file :
			    "(the instance's maillog_file)",
			    n->maillog.from_start ? "start" : "end",
			    n->maillog.state_dir, n->maillog.max_open);
	}
	if (cfg->maillog.nproviders > 0 || cfg->maillog.auto_block ||
	    cfg->maillog.harvest_threshold != 20 ||
	    cfg->maillog.harvest_window_s != 300)
		fprintf(f, "maillog: %zu provider domains in groups; harvest "
		    "suspect at %d unknown recipients in %d s%s\n",
		    cfg->maillog.nproviders, cfg->maillog.harvest_threshold,
		    cfg->maillog.harvest_window_s, cfg->maillog.auto_block ?
		    ", blocked automatically" : "");
	fprintf(f, "dns: resolver %s, a round of look-ups at most %d ms\n",
	    cfg->dns.resolver != NULL ? cfg->dns.resolver :
	    "of the system (/etc/resolv.conf)", cfg->dns.timeout_ms);
	if (cfg->dnsbl.nzones == 0)
		fprintf(f, "dnsbl: no zones (no block-list watch)\n");
	else {
		fprintf(f, "dnsbl: every %d s on", cfg->dnsbl.interval_s);
		for (i = 0; i < cfg->dnsbl.nzones; i++)
			fprintf(f, "%s %s", i ? "," : "", cfg->dnsbl.zones[i]);
		fputc('\n', f);
	}
	fprintf(f, "backups: alert past %d s without a good one, gaps over "
	    "%d nights, status file %s%s\n", cfg->backups.max_age_s,
	    cfg->backups.gap_days, cfg->backups.status_file != NULL ?
	    cfg->backups.status_file : "none", cfg->backups.status_file !=
	    NULL ? " (keyvalue)" : "");
	fprintf(f, "ui: theme %s, refresh every %d ms%s\n", cfg->ui.theme,
	    cfg->ui.refresh_ms, cfg->ui.read_only ? ", read-only" : "");
	fprintf(f, "alerts: a provider throttles at %ld messages deferred "
	    "for throttling\n", cfg->alerts.throttled_messages);
	fprintf(f, "audit: %s\n", cfg->audit.required ? "required (a change "
	    "whose record can be written nowhere is refused)" : "not required "
	    "(a change runs even when its record is lost, and says so)");
	return problems;
}
