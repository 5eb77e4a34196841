/* Role probe: what the cluster manager says this node is. */
#include "agent/role.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "agent/exec.h"

static int
role_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	    c == '\f';
}

/* Copies at most 32 bytes of what was found, unprintable bytes as '?'. */
static void
role_quote(const char *s, size_t len, char *buf, size_t buflen)
{
	size_t i, n = len > 32 ? 32 : len;

	for (i = 0; i < n && i + 1 < buflen; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	buf[i] = '\0';
	if (len > n && i + 4 < buflen)
		memcpy(buf + i, "...", 4);
}

int
role_parse(const char *text, size_t len, enum node_state *out, char *cause,
    size_t causelen)
{
	static const struct {
		const char *word;
		enum node_state state;
	} roles[] = {
		{ "active", STATE_ACTIVE },
		{ "standby", STATE_STANDBY },
		{ "reserve", STATE_RESERVE },
	};
	size_t start = 0, end = len, i;
	char shown[40];

	while (start < end && role_space(text[start]))
		start++;
	while (end > start && role_space(text[end - 1]))
		end--;
	if (start == end) {
		snprintf(cause, causelen, "it is empty; use active, standby "
		    "or reserve");
		return -1;
	}
	for (i = 0; i < sizeof roles / sizeof roles[0]; i++) {
		if (end - start == strlen(roles[i].word) &&
		    strncasecmp(text + start, roles[i].word, end - start) == 0) {
			*out = roles[i].state;
			return 0;
		}
	}
	role_quote(text + start, end - start, shown, sizeof shown);
	snprintf(cause, causelen, "it says '%s'; use active, standby or "
	    "reserve", shown);
	return -1;
}

static int
role_read_file(const char *path, enum node_state *out, char *cause,
    size_t causelen)
{
	char buf[ROLE_TEXT_MAX + 1], why[160];
	size_t used = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(cause, causelen, "cannot read role file '%s': %s",
		    path, strerror(errno));
		return -1;
	}
	while (used < sizeof buf &&
	    (n = read(fd, buf + used, sizeof buf - used)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			snprintf(cause, causelen, "cannot read role file "
			    "'%s': %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		used += (size_t)n;
	}
	close(fd);
	if (used > ROLE_TEXT_MAX) {
		snprintf(cause, causelen, "role file '%s' is longer than %d "
		    "bytes; it should hold one word", path, ROLE_TEXT_MAX);
		return -1;
	}
	if (memchr(buf, '\0', used) != NULL) {
		snprintf(cause, causelen, "role file '%s' holds binary data; "
		    "use active, standby or reserve", path);
		return -1;
	}
	if (role_parse(buf, used, out, why, sizeof why) == -1) {
		snprintf(cause, causelen, "bad role file '%s': %s", path, why);
		return -1;
	}
	return 0;
}

static int
role_run_command(const char *command, int timeout_ms, enum node_state *out,
    char *cause, size_t causelen)
{
	char *argv[] = { "/bin/sh", "-c", NULL, NULL };
	char buf[ROLE_TEXT_MAX + 2], why[CONFIG_CAUSE_MAX];
	size_t used;

	/* The command comes from the configuration, which only root edits. */
	argv[2] = (char *)command;
	if (exec_capture(argv, timeout_ms, buf, sizeof buf, why,
	    sizeof why) == -1) {
		snprintf(cause, causelen, "role command failed: %s", why);
		return -1;
	}
	used = strlen(buf);
	if (used > ROLE_TEXT_MAX) {
		snprintf(cause, causelen, "role command printed more than %d "
		    "bytes; it should print one word", ROLE_TEXT_MAX);
		return -1;
	}
	if (role_parse(buf, used, out, why, sizeof why) == -1) {
		snprintf(cause, causelen, "bad role command output: %s", why);
		return -1;
	}
	return 0;
}

int
role_probe(const struct config_node *node, int timeout_ms,
    enum node_state *out, char *cause, size_t causelen)
{
	if (node->role_file != NULL)
		return role_read_file(node->role_file, out, cause, causelen);
	if (node->role_command != NULL)
		return role_run_command(node->role_command, timeout_ms, out,
		    cause, causelen);
	return 1;
}
