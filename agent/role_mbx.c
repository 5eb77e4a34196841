/* The role mailboxes read with doveadm on the active mailbox node. */
#include "agent/role_mbx.h"

#include <stdio.h>
#include <string.h>

#include "agent/exec.h"
#include "core/role_mailbox.h"

int
role_mbx_read(const struct config *cfg, const struct config_node *n,
    int timeout_ms, char *out, size_t len, char *cause, size_t causelen)
{
	struct role_mbx v[ROLE_MBX_MAX];
	char buf[65536], why[256];
	char *argv[16];
	size_t i, nv = 0;
	int a, rc = 0;

	cause[0] = '\0';
	for (i = 0; i < cfg->mailbox.nroles && nv < ROLE_MBX_MAX; i++, nv++) {
		snprintf(v[nv].user, sizeof v[nv].user, "%s",
		    cfg->mailbox.roles[i]);
		a = 0;
		argv[a++] = (char *)"doveadm";
		if (n->dovecot_config != NULL) {
			argv[a++] = (char *)"-c";
			argv[a++] = n->dovecot_config;
		}
		argv[a++] = (char *)"-f";
		argv[a++] = (char *)"tab";
		argv[a++] = (char *)"fetch";
		argv[a++] = (char *)"-u";
		argv[a++] = cfg->mailbox.roles[i];
		argv[a++] = (char *)"date.received.unixtime";
		argv[a++] = (char *)"mailbox";
		argv[a++] = (char *)"INBOX";
		argv[a++] = (char *)"unseen";
		argv[a] = NULL;
		/* An INBOX with more unread than fits is counted from the
		 * part read: a cut line fails the parse, so it is marked. */
		if (exec_capture(argv, timeout_ms, buf, sizeof buf, why,
		    sizeof why) == -1 || role_mbx_parse_fetch(buf, &v[nv]) ==
		    -1) {
			if (cause[0] == '\0')
				snprintf(cause, causelen, "role mailbox '%s': %s",
				    v[nv].user, why[0] ? why : "doveadm's output "
				    "cannot be read");
			why[0] = '\0';
			v[nv].unread = -1;
			v[nv].oldest = 0;
			rc = -1;
		}
	}
	if (role_mbx_format(v, nv, out, len) == -1) {
		snprintf(cause, causelen, "the role mailboxes do not fit in "
		    "the heartbeat (%zu of them)", nv);
		return -1;
	}
	return rc;
}
