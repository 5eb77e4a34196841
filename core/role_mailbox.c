/* The role mailboxes: doveadm's output, the heartbeat field, the text. */
#include "core/role_mailbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/duration.h"
#include "core/validate.h"

/* A whole number in [min, max] spanning s to the end. */
static int
role_mbx_number(const char *s, size_t n, long long min, long long max,
    long long *out)
{
	char buf[24], *end;
	long long v;

	if (n == 0 || n >= sizeof buf)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	v = strtoll(buf, &end, 10);
	if (*end != '\0' || v < min || v > max || buf[0] == '+' ||
	    buf[0] == ' ')
		return -1;
	*out = v;
	return 0;
}

int
role_mbx_parse_fetch(const char *out, struct role_mbx *m)
{
	const char *p = out, *nl;
	long long t;
	size_t n;
	bool header = true;

	m->unread = 0;
	m->oldest = 0;
	for (; *p != '\0'; p = nl != NULL ? nl + 1 : p + n) {
		nl = strchr(p, '\n');
		n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (header) {
			/* doveadm -f tab prints the field names first. */
			if (n == 0 || strncmp(p, "date.received.unixtime",
			    n) != 0)
				return -1;
			header = false;
		} else if (n > 0) {
			if (role_mbx_number(p, n, 0, 1LL << 40, &t) == -1)
				return -1;
			m->unread++;
			if (m->oldest == 0 || (t > 0 && t < m->oldest))
				m->oldest = t;
		}
		if (nl == NULL)
			break;
	}
	return header ? -1 : 0;
}

int
role_mbx_format(const struct role_mbx *v, size_t n, char *out, size_t len)
{
	size_t i, off = 0;
	int w;

	if (len == 0)
		return -1;
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		w = snprintf(out + off, len - off, "%s%s %ld %lld", i ? "," :
		    "", v[i].user, v[i].unread, v[i].oldest);
		if (w < 0 || (size_t)w >= len - off) {
			out[0] = '\0';
			return -1;
		}
		off += (size_t)w;
	}
	return (int)off;
}

int
role_mbx_parse(const char *s, struct role_mbx *v, size_t max)
{
	const char *p = s, *end, *sp1, *sp2;
	long long unread, oldest;
	size_t n = 0, ulen;

	if (s == NULL || *s == '\0')
		return 0;
	while (n < max) {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		sp1 = memchr(p, ' ', (size_t)(end - p));
		sp2 = sp1 != NULL ? memchr(sp1 + 1, ' ', (size_t)(end - sp1 -
		    1)) : NULL;
		if (sp2 == NULL)
			return -1;
		ulen = (size_t)(sp1 - p);
		if (ulen == 0 || ulen >= ROLE_MBX_USER_MAX)
			return -1;
		memcpy(v[n].user, p, ulen);
		v[n].user[ulen] = '\0';
		if (validate_mail_user(v[n].user) != NULL ||
		    role_mbx_number(sp1 + 1, (size_t)(sp2 - sp1 - 1), -1,
		    1000000000LL, &unread) == -1 ||
		    role_mbx_number(sp2 + 1, (size_t)(end - sp2 - 1), 0,
		    1LL << 40, &oldest) == -1)
			return -1;
		v[n].unread = (long)unread;
		v[n].oldest = oldest;
		n++;
		if (*end == '\0')
			break;
		p = end + 1;
	}
	return (int)n;
}

const struct node_status *
role_mbx_node(const struct snapshot *snap)
{
	const struct node_status *best = NULL;
	size_t i;

	if (snap == NULL)
		return NULL;
	for (i = 0; i < snap->nnodes; i++) {
		const struct node_status *n = &snap->nodes[i];

		if (n->role != NODE_MAILBOX || !n->alive ||
		    n->role_mbx[0] == '\0')
			continue;
		if (best == NULL || (n->state == STATE_ACTIVE &&
		    best->state != STATE_ACTIVE))
			best = n;
	}
	return best;
}

char *
role_mbx_text(const struct role_mbx *m, long long now, char *buf,
    size_t len)
{
	char age[32];

	if (m->unread < 0)
		snprintf(buf, len, "%s@ not readable", m->user);
	else if (m->unread == 0)
		snprintf(buf, len, "%s@ 0 unread", m->user);
	else
		snprintf(buf, len, "%s@ %ld unread, oldest %s", m->user,
		    m->unread, duration_format(now > m->oldest ? now -
		    m->oldest : 1, age, sizeof age));
	return buf;
}
