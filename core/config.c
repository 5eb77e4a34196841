/* Configuration loading: JSON through jansson, every value validated. */
#include "core/config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <strings.h>
#include <unistd.h>

#include "core/backup.h"
#include "core/shell.h"
#include "core/notice.h"
#include "core/role_mailbox.h"
#include "core/validate.h"
#include "core/xalloc.h"

#define CONFIG_MAX_BYTES (1024 * 1024)

/* What a loader needs to say where an error is. */
struct cfgctx {
	const char *file;
	char *cause;
	size_t causelen;
};

static int
cfg_error(struct cfgctx *ctx, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
cfg_error(struct cfgctx *ctx, const char *path, const char *fmt, ...)
{
	char msg[CONFIG_CAUSE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (path != NULL && path[0] != '\0')
		snprintf(ctx->cause, ctx->causelen, "%s: %s: %s", ctx->file, path,
		    msg);
	else
		snprintf(ctx->cause, ctx->causelen, "%s: %s", ctx->file, msg);
	return -1;
}

static const char *
json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number with a fraction";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "an unknown value";
}

static void
join_path(char *out, size_t len, const char *parent, const char *key)
{
	if (parent[0] == '\0')
		snprintf(out, len, "%s", key);
	else
		snprintf(out, len, "%s.%s", parent, key);
}

/* Refuses keys that are not in `accepted` (NULL-terminated). */
static int
check_keys(struct cfgctx *ctx, const char *path, json_t *obj,
    const char *const *accepted)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(obj, key, v) {
		char list[256] = "", sub[256];
		size_t off = 0;
		int known = 0;

		for (i = 0; accepted[i] != NULL; i++) {
			if (strcmp(key, accepted[i]) == 0)
				known = 1;
		}
		if (known)
			continue;
		for (i = 0; accepted[i] != NULL && off < sizeof list; i++) {
			off += (size_t)snprintf(list + off, sizeof list - off,
			    "%s%s", i ? ", " : "", accepted[i]);
		}
		join_path(sub, sizeof sub, path, key);
		return cfg_error(ctx, sub, "unknown key; accepted: %s", list);
	}
	return 0;
}

static int
get_object(struct cfgctx *ctx, const char *path, json_t *v, json_t **out)
{
	if (!json_is_object(v))
		return cfg_error(ctx, path, "expected an object, got %s",
		    json_kind(v));
	*out = v;
	return 0;
}

/*
 * Reads an optional string member. `check` validates it; `what` names the
 * kind of value in the error. A missing member leaves *out unchanged.
 */
static int
get_string(struct cfgctx *ctx, const char *parent, json_t *obj,
    const char *key, const char *(*check)(const char *), const char *what,
    char **out)
{
	char path[256];
	const char *s, *why;
	json_t *v;

	join_path(path, sizeof path, parent, key);
	if ((v = json_object_get(obj, key)) == NULL)
		return 0;
	if (!json_is_string(v))
		return cfg_error(ctx, path, "expected %s, got %s", what,
		    json_kind(v));
	s = json_string_value(v);
	if (strlen(s) != json_string_length(v))
		return cfg_error(ctx, path, "contains a NUL character");
	if (check != NULL && (why = check(s)) != NULL) {
		char shown[200];
		size_t i;

		/* The error stays one line whatever the value holds. */
		snprintf(shown, sizeof shown, "%s", s);
		for (i = 0; shown[i] != '\0'; i++) {
			if ((unsigned char)shown[i] < 0x20 || shown[i] == 0x7f)
				shown[i] = '?';
		}
		return cfg_error(ctx, path, "'%s' is not %s: %s", shown, what,
		    why);
	}
	free(*out);
	*out = xstrdup(s);
	return 0;
}

static int
get_llong(struct cfgctx *ctx, const char *parent, json_t *obj,
    const char *key, long long min, long long max, long long *out)
{
	char path[256];
	json_t *v;

	join_path(path, sizeof path, parent, key);
	if ((v = json_object_get(obj, key)) == NULL)
		return 0;
	if (!json_is_integer(v))
		return cfg_error(ctx, path,
		    "expected an integer from %lld to %lld, got %s", min, max,
		    json_kind(v));
	if (json_integer_value(v) < min || json_integer_value(v) > max)
		return cfg_error(ctx, path, "%" JSON_INTEGER_FORMAT
		    " is out of range; accepted: %lld to %lld",
		    json_integer_value(v), min, max);
	*out = (long long)json_integer_value(v);
	return 0;
}

static int
get_int(struct cfgctx *ctx, const char *parent, json_t *obj, const char *key,
    long min, long max, int *out)
{
	long long v = *out;

	if (get_llong(ctx, parent, obj, key, min, max, &v) == -1)
		return -1;
	*out = (int)v;
	return 0;
}

static int
get_bool(struct cfgctx *ctx, const char *parent, json_t *obj, const char *key,
    bool *out)
{
	char path[256];
	json_t *v;

	join_path(path, sizeof path, parent, key);
	if ((v = json_object_get(obj, key)) == NULL)
		return 0;
	if (!json_is_boolean(v))
		return cfg_error(ctx, path, "expected true or false, got %s",
		    json_kind(v));
	*out = json_is_true(v);
	return 0;
}

static int
require(struct cfgctx *ctx, const char *parent, json_t *obj, const char *key,
    const char *what)
{
	char path[256];

	if (json_object_get(obj, key) != NULL)
		return 0;
	join_path(path, sizeof path, parent, key);
	return cfg_error(ctx, path, "missing; expected %s", what);
}

static int
load_endpoint(struct cfgctx *ctx, const char *path, json_t *v,
    struct config_endpoint *ep)
{
	static const char *const keys[] = { "host", "port", NULL };
	json_t *obj = NULL;

	ep->port = 26379;
	if (get_object(ctx, path, v, &obj) == -1 ||
	    check_keys(ctx, path, obj, keys) == -1 ||
	    require(ctx, path, obj, "host", "a host name or address") == -1 ||
	    get_string(ctx, path, obj, "host", validate_host, "a host",
		&ep->host) == -1 ||
	    get_int(ctx, path, obj, "port", 1, 65535, &ep->port) == -1)
		return -1;
	return 0;
}

/* One of redis.tunnels: {host, port, local_port}. */
static int
load_tunnel(struct cfgctx *ctx, const char *path, json_t *v,
    struct config_tunnel *t)
{
	static const char *const keys[] = { "host", "port", "local_port", NULL };
	json_t *obj = NULL;

	if (get_object(ctx, path, v, &obj) == -1 ||
	    check_keys(ctx, path, obj, keys) == -1 ||
	    require(ctx, path, obj, "host", "the master's address as Sentinel "
		"announces it") == -1 ||
	    require(ctx, path, obj, "port", "the master's port as Sentinel "
		"announces it") == -1 ||
	    require(ctx, path, obj, "local_port", "the port of the local "
		"tunnel on 127.0.0.1") == -1 ||
	    get_string(ctx, path, obj, "host", validate_host, "a host",
		&t->host) == -1 ||
	    get_int(ctx, path, obj, "port", 1, 65535, &t->port) == -1 ||
	    get_int(ctx, path, obj, "local_port", 1, 65535, &t->local_port) ==
		-1)
		return -1;
	return 0;
}

static int
load_redis(struct cfgctx *ctx, json_t *root, struct config_redis *r)
{
	static const char *const keys[] = { "host", "port", "sentinels",
		"master_name", "tunnels", "user", "password_env", "password_file", "prefix",
		"connect_timeout_ms", "command_timeout_ms", NULL };
	json_t *obj = NULL, *v, *sentinels, *tunnels;
	size_t i;

	r->port = 6379;
	r->prefix = xstrdup("mailnoc:");
	r->connect_timeout_ms = 1000;
	r->command_timeout_ms = 2000;

	if ((v = json_object_get(root, "redis")) == NULL)
		return cfg_error(ctx, "redis", "missing; expected an object with "
		    "host and port, or sentinels and master_name");
	if (get_object(ctx, "redis", v, &obj) == -1)
		return -1;
	if (json_object_get(obj, "password") != NULL)
		return cfg_error(ctx, "redis.password", "a password is not "
		    "accepted in the configuration; use password_env or "
		    "password_file");
	if (check_keys(ctx, "redis", obj, keys) == -1)
		return -1;
	if (get_string(ctx, "redis", obj, "host", validate_host, "a host",
		&r->host) == -1 ||
	    get_int(ctx, "redis", obj, "port", 1, 65535, &r->port) == -1 ||
	    get_string(ctx, "redis", obj, "master_name", validate_name,
		"a master name", &r->master_name) == -1 ||
	    get_string(ctx, "redis", obj, "user", validate_user,
		"an ACL user name", &r->user) == -1 ||
	    get_string(ctx, "redis", obj, "password_env", validate_env_name,
		"an environment variable name", &r->password_env) == -1 ||
	    get_string(ctx, "redis", obj, "password_file", validate_path,
		"a file path", &r->password_file) == -1 ||
	    get_string(ctx, "redis", obj, "prefix", validate_key_prefix,
		"a key prefix", &r->prefix) == -1 ||
	    get_int(ctx, "redis", obj, "connect_timeout_ms", 10, 600000,
		&r->connect_timeout_ms) == -1 ||
	    get_int(ctx, "redis", obj, "command_timeout_ms", 10, 600000,
		&r->command_timeout_ms) == -1)
		return -1;
	if (r->password_env != NULL && r->password_file != NULL)
		return cfg_error(ctx, "redis", "password_env and password_file "
		    "are both set; use one");

	if ((sentinels = json_object_get(obj, "sentinels")) != NULL) {
		if (!json_is_array(sentinels) || json_array_size(sentinels) == 0)
			return cfg_error(ctx, "redis.sentinels", "expected a "
			    "non-empty array of {host, port}, got %s",
			    json_kind(sentinels));
		if (r->host != NULL)
			return cfg_error(ctx, "redis", "host and sentinels are "
			    "both set; use host for one server or sentinels "
			    "to find the master");
		if (r->master_name == NULL)
			return cfg_error(ctx, "redis.master_name", "missing; "
			    "sentinels need the name of the master they watch");
		r->nsentinels = json_array_size(sentinels);
		r->sentinels = xcalloc(r->nsentinels, sizeof *r->sentinels);
		json_array_foreach(sentinels, i, v) {
			char path[64];

			snprintf(path, sizeof path, "redis.sentinels[%zu]", i);
			if (load_endpoint(ctx, path, v, &r->sentinels[i]) == -1)
				return -1;
		}
		tunnels = json_object_get(obj, "tunnels");
		if (tunnels != NULL && (!json_is_array(tunnels) ||
		    json_array_size(tunnels) == 0))
			return cfg_error(ctx, "redis.tunnels", "expected a "
			    "non-empty array of {host, port, local_port}, got %s",
			    json_kind(tunnels));
		r->ntunnels = tunnels != NULL ? json_array_size(tunnels) : 0;
		r->tunnels = xcalloc(r->ntunnels + 1, sizeof *r->tunnels);
		for (i = 0; i < r->ntunnels; i++) {
			char path[64];

			snprintf(path, sizeof path, "redis.tunnels[%zu]", i);
			if (load_tunnel(ctx, path, json_array_get(tunnels, i),
				&r->tunnels[i]) == -1)
				return -1;
		}
	} else if (json_object_get(obj, "tunnels") != NULL) {
		return cfg_error(ctx, "redis.tunnels", "only used with "
		    "sentinels; name the tunnel in redis.host and redis.port");
	} else if (r->host == NULL) {
		return cfg_error(ctx, "redis.host", "missing; expected a host "
		    "name or address (or sentinels and master_name)");
	} else if (r->master_name != NULL) {
		return cfg_error(ctx, "redis.master_name", "only used with "
		    "sentinels");
	}
	return 0;
}

static int
load_ssh(struct cfgctx *ctx, json_t *root, struct config_ssh *s)
{
	static const char *const keys[] = { "user", "key_file", "agent",
		"known_hosts", "connect_timeout_ms", "command_timeout_ms",
		"keepalive_s", "progress_timeout_s", "sudo", NULL };
	const char *home = getenv("HOME"), *login = getenv("USER");
	char buf[1100];
	json_t *obj = NULL, *v;

	s->user = xstrdup(login != NULL && validate_user(login) == NULL ?
	    login : "root");
	snprintf(buf, sizeof buf, "%s/.ssh/known_hosts",
	    home != NULL && home[0] == '/' ? home : "/root");
	s->known_hosts = xstrdup(buf);
	s->connect_timeout_ms = 5000;
	s->command_timeout_ms = 30000;
	s->keepalive_s = 15;
	s->progress_timeout_s = 60;

	if ((v = json_object_get(root, "ssh")) == NULL) {
		s->agent = true;
		return 0;
	}
	if (get_object(ctx, "ssh", v, &obj) == -1 ||
	    check_keys(ctx, "ssh", obj, keys) == -1 ||
	    get_string(ctx, "ssh", obj, "user", validate_user, "a user name",
		&s->user) == -1 ||
	    get_string(ctx, "ssh", obj, "key_file", validate_path,
		"a file path", &s->key_file) == -1 ||
	    get_bool(ctx, "ssh", obj, "agent", &s->agent) == -1 ||
	    get_string(ctx, "ssh", obj, "known_hosts", validate_path,
		"a file path", &s->known_hosts) == -1 ||
	    get_int(ctx, "ssh", obj, "connect_timeout_ms", 100, 600000,
		&s->connect_timeout_ms) == -1 ||
	    get_int(ctx, "ssh", obj, "command_timeout_ms", 100, 86400000,
		&s->command_timeout_ms) == -1 ||
	    get_int(ctx, "ssh", obj, "keepalive_s", 0, 3600,
		&s->keepalive_s) == -1 ||
	    get_int(ctx, "ssh", obj, "progress_timeout_s", 0, 86400,
		&s->progress_timeout_s) == -1 ||
	    get_bool(ctx, "ssh", obj, "sudo", &s->sudo) == -1)
		return -1;
	if (s->key_file == NULL && json_object_get(obj, "agent") == NULL)
		s->agent = true;
	if (s->key_file == NULL && !s->agent)
		return cfg_error(ctx, "ssh", "no way to authenticate; set "
		    "key_file or \"agent\": true");
	return 0;
}

void
config_listen_free(struct config_listen *l)
{
	free(l->text);
	free(l->host);
	free(l->path);
	memset(l, 0, sizeof *l);
}

static int
listen_error(char *cause, size_t causelen, const char *s, const char *why)
{
	snprintf(cause, causelen, "'%s' is not a listen address: %s", s, why);
	return -1;
}

int
config_listen_parse(const char *s, struct config_listen *l, char *cause,
    size_t causelen)
{
	static const char accepted[] = "use IPv4:PORT, [IPv6]:PORT or an "
	    "absolute path of a unix socket";
	struct sockaddr_un su;
	unsigned char addr[sizeof(struct in6_addr)];
	char host[64], *end;
	const char *colon, *why;
	size_t hlen;
	long port;

	memset(l, 0, sizeof *l);
	if (s[0] == '/') {
		if ((why = validate_path(s)) != NULL)
			return listen_error(cause, causelen, s, why);
		if (strlen(s) >= sizeof su.sun_path) {
			snprintf(cause, causelen, "'%.60s…' is not a listen "
			    "address: a unix socket path has at most %zu bytes",
			    s, sizeof su.sun_path - 1);
			return -1;
		}
		if (s[strlen(s) - 1] == '/')
			return listen_error(cause, causelen, s, "a unix "
			    "socket path names a file, not a directory");
		l->text = xstrdup(s);
		l->path = xstrdup(s);
		return 0;
	}
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':')
			return listen_error(cause, causelen, s, accepted);
		hlen = (size_t)(close - s - 1);
		if (hlen == 0 || hlen >= sizeof host)
			return listen_error(cause, causelen, s, accepted);
		memcpy(host, s + 1, hlen);
		host[hlen] = '\0';
		if (inet_pton(AF_INET6, host, addr) != 1)
			return listen_error(cause, causelen, s, "the address "
			    "in [] is not an IPv6 address");
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || colon == s)
			return listen_error(cause, causelen, s, accepted);
		hlen = (size_t)(colon - s);
		if (hlen >= sizeof host)
			return listen_error(cause, causelen, s, accepted);
		memcpy(host, s, hlen);
		host[hlen] = '\0';
		if (strchr(host, ':') != NULL)
			return listen_error(cause, causelen, s, "write an IPv6 "
			    "address in brackets: [ADDRESS]:PORT");
		if (inet_pton(AF_INET, host, addr) != 1)
			return listen_error(cause, causelen, s, "the host is "
			    "not an IPv4 address; use an IP literal to bind");
	}
	if (colon[1] < '0' || colon[1] > '9')
		return listen_error(cause, causelen, s, "the port is not a "
		    "number from 1 to 65535");
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || port < 1 || port > 65535)
		return listen_error(cause, causelen, s, "the port is not a "
		    "number from 1 to 65535");
	l->text = xstrdup(s);
	l->host = xstrdup(host);
	l->port = (int)port;
	return 0;
}

const char *
config_policy_action_check(const char *s)
{
	static const char *const words[] = { "OK", "DUNNO", "REJECT", "DEFER",
		"DEFER_IF_PERMIT", "DEFER_IF_REJECT", "WARN", "INFO", "HOLD",
		"DISCARD", NULL };
	static const char accepted[] = "use OK, DUNNO, REJECT, DEFER, "
	    "DEFER_IF_PERMIT, DEFER_IF_REJECT, WARN, INFO, HOLD, DISCARD or a "
	    "4NN/5NN code, optionally followed by a space and text";
	size_t i, wlen, len = strlen(s);

	if (len == 0)
		return accepted;
	if (len > CONFIG_ACTION_MAX)
		return "at most 512 bytes";
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return "control characters would break the policy "
			    "protocol";
	}
	wlen = strcspn(s, " ");
	if (wlen == 3 && (s[0] == '4' || s[0] == '5') &&
	    s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9')
		return s[3] == ' ' && s[4] != '\0' ? NULL :
		    "a 4NN/5NN code needs a text after it";
	for (i = 0; words[i] != NULL; i++) {
		if (strlen(words[i]) == wlen && strncmp(s, words[i], wlen) == 0)
			break;
	}
	if (words[i] == NULL)
		return accepted;
	/* Postfix ignores text after these; refuse it, it would mislead. */
	if (s[wlen] != '\0' && (strcmp(words[i], "OK") == 0 ||
	    strcmp(words[i], "DUNNO") == 0))
		return "OK and DUNNO take no text";
	return NULL;
}

void
config_net_free(struct config_net *n)
{
	free(n->text);
	memset(n, 0, sizeof *n);
}

static int
net_error(char *cause, size_t causelen, const char *s, const char *why)
{
	snprintf(cause, causelen, "'%s' is not an address or a network: %s",
	    s, why);
	return -1;
}

int
config_net_parse(const char *s, struct config_net *n, char *cause,
    size_t causelen)
{
	static const char accepted[] = "use an IPv4 or IPv6 address, or a "
	    "network such as 10.0.0.0/24 or 2001:db8::/64";
	unsigned char a[16];
	char host[64], *end;
	const char *slash = strchr(s, '/');
	size_t hlen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	long bits = -1;
	int i, max;

	memset(n, 0, sizeof *n);
	if (hlen == 0 || hlen >= sizeof host)
		return net_error(cause, causelen, s, accepted);
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (slash != NULL) {
		if (slash[1] < '0' || slash[1] > '9')
			return net_error(cause, causelen, s, "the prefix "
			    "length after '/' is not a number");
		errno = 0;
		bits = strtol(slash + 1, &end, 10);
		if (errno != 0 || *end != '\0')
			return net_error(cause, causelen, s, "the prefix "
			    "length after '/' is not a number");
	}
	memset(n->addr, 0, sizeof n->addr);
	if (inet_pton(AF_INET, host, a) == 1) {
		n->addr[10] = n->addr[11] = 0xff;
		memcpy(n->addr + 12, a, 4);
		max = 32;
		n->bits = 96 + (int)(bits == -1 ? 32 : bits);
	} else if (inet_pton(AF_INET6, host, a) == 1) {
		memcpy(n->addr, a, 16);
		max = 128;
		n->bits = (int)(bits == -1 ? 128 : bits);
	} else
		return net_error(cause, causelen, s, accepted);
	if (bits > max)
		return net_error(cause, causelen, s, max == 32 ? "an IPv4 "
		    "prefix has at most 32 bits" : "an IPv6 prefix has at "
		    "most 128 bits");
	for (i = n->bits; i < 128; i++) {
		if (n->addr[i / 8] & (0x80 >> (i % 8)))
			return net_error(cause, causelen, s, "bits are set "
			    "after the prefix; write the network's first "
			    "address");
	}
	n->text = xstrdup(s);
	return 0;
}

bool
config_net_match(const struct config_net *n, const unsigned char *addr)
{
	int whole = n->bits / 8, rest = n->bits % 8;
	unsigned char mask;

	if (memcmp(n->addr, addr, (size_t)whole) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (unsigned char)(0xff << (8 - rest));
	return (n->addr[whole] & mask) == (addr[whole] & mask);
}

static int
load_policy_allow(struct cfgctx *ctx, const char *path, json_t *pobj,
    struct config_policy *p)
{
	char sub[160], cause[CONFIG_CAUSE_MAX];
	json_t *list, *item;
	size_t i;

	if ((list = json_object_get(pobj, "allow")) == NULL)
		return 0;
	join_path(sub, sizeof sub, path, "allow");
	if (!json_is_array(list))
		return cfg_error(ctx, sub, "expected an array of addresses or "
		    "networks, got %s", json_kind(list));
	/* An empty list is allowed: only the unix sockets serve then. */
	p->allow = xcalloc(json_array_size(list) + 1, sizeof *p->allow);
	json_array_foreach(list, i, item) {
		snprintf(sub, sizeof sub, "%s.allow[%zu]", path, i);
		if (!json_is_string(item))
			return cfg_error(ctx, sub, "expected a string, got %s",
			    json_kind(item));
		if (strlen(json_string_value(item)) != json_string_length(item))
			return cfg_error(ctx, sub, "contains a NUL character");
		if (config_net_parse(json_string_value(item), &p->allow[i],
		    cause, sizeof cause) == -1)
			return cfg_error(ctx, sub, "%s", cause);
		p->nallow = i + 1;
	}
	return 0;
}

static int
load_policy(struct cfgctx *ctx, const char *parent, json_t *obj,
    struct config_node *n)
{
	static const char *const keys[] = { "listen", "fail_action",
		"accept_action", "max_clients", "redis_timeout_ms", "allow",
		"max_clients_per_peer", "idle_timeout_s", "request_timeout_s",
		"max_recipient_count", "max_message_size", "copy_max_age_s",
		"copy_reload_s", NULL };
	struct config_policy *p = &n->policy;
	char path[128], sub[160], cause[CONFIG_CAUSE_MAX];
	json_t *v, *pobj = NULL, *list, *item;
	size_t i, j;

	p->fail_action = xstrdup("DUNNO");
	p->accept_action = xstrdup("DUNNO");
	p->max_clients = 1024;
	p->redis_timeout_ms = 50;
	p->max_clients_per_peer = 512;
	p->idle_timeout_s = 300;
	p->request_timeout_s = 10;
	p->max_recipient_count = 10000;
	p->max_message_size = 1024LL * 1024 * 1024;
	p->copy_max_age_s = 3600;
	p->copy_reload_s = 300;
	if ((v = json_object_get(obj, "policy")) == NULL)
		return 0;
	join_path(path, sizeof path, parent, "policy");
	if (n->role != NODE_GATEWAY)
		return cfg_error(ctx, path, "only gateways have a policy "
		    "service; '%s' is a mailbox node", n->name);
	if (get_object(ctx, path, v, &pobj) == -1 ||
	    check_keys(ctx, path, pobj, keys) == -1 ||
	    require(ctx, path, pobj, "listen", "an array of addresses") == -1 ||
	    get_string(ctx, path, pobj, "fail_action",
		config_policy_action_check, "a policy action",
		&p->fail_action) == -1 ||
	    get_string(ctx, path, pobj, "accept_action",
		config_policy_action_check, "a policy action",
		&p->accept_action) == -1 ||
	    get_int(ctx, path, pobj, "max_clients", 1, 65536,
		&p->max_clients) == -1 ||
	    get_int(ctx, path, pobj, "redis_timeout_ms", 5, 10000,
		&p->redis_timeout_ms) == -1 ||
	    get_int(ctx, path, pobj, "max_clients_per_peer", 1, 65536,
		&p->max_clients_per_peer) == -1 ||
	    get_int(ctx, path, pobj, "idle_timeout_s", 1, 86400,
		&p->idle_timeout_s) == -1 ||
	    get_int(ctx, path, pobj, "request_timeout_s", 1, 3600,
		&p->request_timeout_s) == -1 ||
	    get_llong(ctx, path, pobj, "max_recipient_count", 1, 100000000,
		&p->max_recipient_count) == -1 ||
	    get_llong(ctx, path, pobj, "max_message_size", 1,
		1000000000000LL, &p->max_message_size) == -1 ||
	    get_int(ctx, path, pobj, "copy_max_age_s", 0, 7 * 86400,
		&p->copy_max_age_s) == -1 ||
	    get_int(ctx, path, pobj, "copy_reload_s", 10, 86400,
		&p->copy_reload_s) == -1 ||
	    load_policy_allow(ctx, path, pobj, p) == -1)
		return -1;
	join_path(sub, sizeof sub, path, "listen");
	list = json_object_get(pobj, "listen");
	if (!json_is_array(list) || json_array_size(list) == 0)
		return cfg_error(ctx, sub, "expected a non-empty array of "
		    "IPv4:PORT, [IPv6]:PORT or unix socket paths, got %s",
		    json_is_array(list) ? "an empty array" : json_kind(list));
	p->listen = xcalloc(json_array_size(list), sizeof *p->listen);
	json_array_foreach(list, i, item) {
		snprintf(sub, sizeof sub, "%s.listen[%zu]", path, i);
		if (!json_is_string(item))
			return cfg_error(ctx, sub, "expected a string, got %s",
			    json_kind(item));
		if (strlen(json_string_value(item)) != json_string_length(item))
			return cfg_error(ctx, sub, "contains a NUL character");
		if (config_listen_parse(json_string_value(item),
		    &p->listen[i], cause, sizeof cause) == -1)
			return cfg_error(ctx, sub, "%s", cause);
		p->nlisten = i + 1;
		for (j = 0; j < i; j++) {
			if (strcmp(p->listen[j].text, p->listen[i].text) == 0)
				return cfg_error(ctx, sub, "'%s' is listed "
				    "twice", p->listen[i].text);
		}
	}
	return 0;
}

/* metrics_listen: "PORT" (loopback), "IPv4:PORT" or "[IPv6]:PORT". */
static int
load_metrics(struct cfgctx *ctx, const char *parent, json_t *obj,
    struct config_node *n)
{
	char sub[160], cause[CONFIG_CAUSE_MAX], text[80];
	const char *s;
	json_t *v;

	if ((v = json_object_get(obj, "metrics_listen")) == NULL)
		return 0;
	join_path(sub, sizeof sub, parent, "metrics_listen");
	if (!json_is_string(v) || (s = json_string_value(v))[0] == '/' ||
	    strlen(s) != json_string_length(v) || strlen(s) > 64)
		return cfg_error(ctx, sub, "expected PORT (on 127.0.0.1), "
		    "IPv4:PORT or [IPv6]:PORT");
	if (strspn(s, "0123456789") == strlen(s))
		snprintf(text, sizeof text, "127.0.0.1:%s", s);
	else
		snprintf(text, sizeof text, "%s", s);
	if (config_listen_parse(text, &n->metrics, cause, sizeof cause) == -1)
		return cfg_error(ctx, sub, "%s", cause);
	return 0;
}

/* filter: { controller: "IPv4:PORT", password_file, interval_s,
 * timeout_ms }, gateways only. */
static int
load_filter(struct cfgctx *ctx, const char *parent, json_t *obj,
    struct config_node *n)
{
	static const char *const keys[] = { "controller", "password_file",
		"interval_s", "timeout_ms", NULL };
	struct config_filter *f = &n->filter;
	char path[128], sub[160], cause[CONFIG_CAUSE_MAX];
	char *ctl = NULL;
	json_t *v, *fobj = NULL;

	f->interval_s = 10;
	f->timeout_ms = 1000;
	if ((v = json_object_get(obj, "filter")) == NULL)
		return 0;
	join_path(path, sizeof path, parent, "filter");
	if (n->role != NODE_GATEWAY)
		return cfg_error(ctx, path, "only gateways have a filter; '%s' "
		    "is a mailbox node", n->name);
	if (get_object(ctx, path, v, &fobj) == -1 ||
	    check_keys(ctx, path, fobj, keys) == -1 ||
	    require(ctx, path, fobj, "controller", "IPv4:PORT") == -1 ||
	    get_string(ctx, path, fobj, "controller", NULL, "IPv4:PORT",
		&ctl) == -1 ||
	    get_string(ctx, path, fobj, "password_file", validate_path,
		"a file path", &f->password_file) == -1 ||
	    get_int(ctx, path, fobj, "interval_s", 1, 3600,
		&f->interval_s) == -1 ||
	    get_int(ctx, path, fobj, "timeout_ms", 50, 30000,
		&f->timeout_ms) == -1) {
		free(ctl);
		return -1;
	}
	join_path(sub, sizeof sub, path, "controller");
	if (ctl[0] == '/' || strlen(ctl) > 64 ||
	    config_listen_parse(ctl, &f->controller, cause,
	    sizeof cause) == -1) {
		free(ctl);
		return cfg_error(ctx, sub, "expected IPv4:PORT or [IPv6]:PORT "
		    "of the filter's controller");
	}
	free(ctl);
	return 0;
}

/*
 * Reads an array of strings at parent.key, each checked by `check` and
 * stored as `canon` writes it (NULL: as written). Duplicates are refused.
 */
static int
get_string_list(struct cfgctx *ctx, const char *parent, json_t *obj,
    const char *key, const char *what, size_t max,
    const char *(*check)(const char *),
    const char *(*canon)(const char *, char *, size_t), char ***out,
    size_t *nout)
{
	char path[256], sub[280], buf[256], shown[200];
	const char *why;
	json_t *list, *item;
	size_t i, j;

	join_path(path, sizeof path, parent, key);
	if ((list = json_object_get(obj, key)) == NULL)
		return 0;
	if (!json_is_array(list))
		return cfg_error(ctx, path, "expected an array of %s, got %s",
		    what, json_kind(list));
	if (json_array_size(list) > max)
		return cfg_error(ctx, path, "%zu entries; accepted: at most %zu",
		    json_array_size(list), max);
	*out = xcalloc(json_array_size(list) + 1, sizeof **out);
	json_array_foreach(list, i, item) {
		snprintf(sub, sizeof sub, "%s[%zu]", path, i);
		if (!json_is_string(item))
			return cfg_error(ctx, sub, "expected %s, got %s", what,
			    json_kind(item));
		if (strlen(json_string_value(item)) != json_string_length(item))
			return cfg_error(ctx, sub, "contains a NUL character");
		why = canon != NULL ? canon(json_string_value(item), buf,
		    sizeof buf) : check(json_string_value(item));
		if (why != NULL) {
			validate_sanitize(shown, sizeof shown,
			    json_string_value(item));
			return cfg_error(ctx, sub, "'%s' is not %s: %s", shown,
			    what, why);
		}
		(*out)[i] = xstrdup(canon != NULL ? buf :
		    json_string_value(item));
		*nout = i + 1;
		for (j = 0; j < i; j++) {
			if (strcasecmp((*out)[j], (*out)[i]) == 0)
				return cfg_error(ctx, sub, "'%s' is listed "
				    "twice", (*out)[i]);
		}
	}
	return 0;
}

static const char *
config_egress_canon(const char *s, char *buf, size_t len)
{
	return validate_ip_canon(s, buf, len);
}

/* A gateway's egress addresses: single addresses, canonical. */
static int
load_egress(struct cfgctx *ctx, const char *path, json_t *obj,
    struct config_node *n)
{
	char sub[160];

	if (json_object_get(obj, "egress") == NULL)
		return 0;
	if (n->role != NODE_GATEWAY) {
		join_path(sub, sizeof sub, path, "egress");
		return cfg_error(ctx, sub, "only gateways send mail out; '%s' "
		    "is a mailbox node", n->name);
	}
	return get_string_list(ctx, path, obj, "egress", "an IP address", 64,
	    NULL, config_egress_canon, &n->egress, &n->negress);
}

static const char *
validate_start(const char *s)
{
	if (strcmp(s, "end") != 0 && strcmp(s, "beginning") != 0)
		return "use end or beginning";
	return NULL;
}

static int
load_maillog_node(struct cfgctx *ctx, const char *parent, json_t *obj,
    struct config_node *n)
{
	static const char *const keys[] = { "file", "state_dir", "start",
		"batch_ms", "max_open", "max_age_s", "warn_interval_s",
		"index", "index_days", "index_group", NULL };
	struct config_maillog_node *m = &n->maillog;
	char path[128];
	char *start = NULL;
	json_t *v, *mobj = NULL;

	m->state_dir = xstrdup("/var/lib/mailnocd");
	m->batch_ms = 1000;
	m->max_open = 200000;
	m->max_age_s = 6 * 86400;
	m->warn_interval_s = 300;
	m->index_days = 60;
	if ((v = json_object_get(obj, "maillog")) == NULL)
		goto index;
	join_path(path, sizeof path, parent, "maillog");
	if (n->role != NODE_GATEWAY)
		return cfg_error(ctx, path, "only gateways have a mail log to "
		    "follow; '%s' is a mailbox node", n->name);
	if (get_object(ctx, path, v, &mobj) == -1 ||
	    check_keys(ctx, path, mobj, keys) == -1 ||
	    get_string(ctx, path, mobj, "file", validate_path, "a file path",
		&m->file) == -1 ||
	    get_string(ctx, path, mobj, "state_dir", validate_path,
		"a directory path", &m->state_dir) == -1 ||
	    get_string(ctx, path, mobj, "start", validate_start,
		"where to start", &start) == -1 ||
	    get_int(ctx, path, mobj, "batch_ms", 10, 60000,
		&m->batch_ms) == -1 ||
	    get_llong(ctx, path, mobj, "max_open", 100, 10000000,
		&m->max_open) == -1 ||
	    get_llong(ctx, path, mobj, "max_age_s", 60, 365LL * 86400,
		&m->max_age_s) == -1 ||
	    get_int(ctx, path, mobj, "warn_interval_s", 1, 86400,
		&m->warn_interval_s) == -1 ||
	    get_string(ctx, path, mobj, "index", validate_path, "a file path",
		&m->index) == -1 ||
	    get_int(ctx, path, mobj, "index_days", 0, 3650,
		&m->index_days) == -1 ||
	    get_string(ctx, path, mobj, "index_group", validate_name,
		"a group name", &m->index_group) == -1) {
		free(start);
		return -1;
	}
	m->from_start = start != NULL && strcmp(start, "beginning") == 0;
	free(start);
	m->enabled = true;
index:
	/* The console needs the path too (mailnoc trace), with or without
	 * a follower configured here. */
	if (m->index == NULL) {
		char p[PATH_MAX];

		snprintf(p, sizeof p, "%s/index-%s.db", m->state_dir, n->name);
		m->index = xstrdup(p);
	}
	return 0;
}

static int
load_node(struct cfgctx *ctx, const char *path, json_t *v,
    struct config_node *n)
{
	static const char *const keys[] = { "name", "role", "cluster",
		"ssh_host", "ssh_port", "postfix_config", "dovecot_config",
		"backup_root", "role_file", "role_command", "policy", "maillog",
		"metrics_listen", "egress", "filter", NULL };
	char sub[128];
	const char *role;
	json_t *obj = NULL, *r;

	n->ssh_port = 22;
	if (get_object(ctx, path, v, &obj) == -1 ||
	    check_keys(ctx, path, obj, keys) == -1 ||
	    require(ctx, path, obj, "name", "a node name") == -1 ||
	    get_string(ctx, path, obj, "name", validate_name, "a node name",
		&n->name) == -1 ||
	    require(ctx, path, obj, "role", "gateway or mailbox") == -1)
		return -1;

	snprintf(sub, sizeof sub, "%s.role", path);
	r = json_object_get(obj, "role");
	if (!json_is_string(r))
		return cfg_error(ctx, sub, "expected gateway or mailbox, got %s",
		    json_kind(r));
	role = json_string_value(r);
	if (strcmp(role, "gateway") == 0)
		n->role = NODE_GATEWAY;
	else if (strcmp(role, "mailbox") == 0)
		n->role = NODE_MAILBOX;
	else
		return cfg_error(ctx, sub, "'%s' is not one of gateway, mailbox",
		    role);

	if (require(ctx, path, obj, "cluster", "a cluster name") == -1 ||
	    get_string(ctx, path, obj, "cluster", validate_name,
		"a cluster name", &n->cluster) == -1 ||
	    get_string(ctx, path, obj, "ssh_host", validate_host, "a host",
		&n->ssh_host) == -1 ||
	    get_int(ctx, path, obj, "ssh_port", 1, 65535, &n->ssh_port) == -1 ||
	    get_string(ctx, path, obj, "postfix_config", validate_path,
		"a directory path", &n->postfix_config) == -1 ||
	    get_string(ctx, path, obj, "dovecot_config", validate_path,
		"a file path", &n->dovecot_config) == -1 ||
	    get_string(ctx, path, obj, "backup_root", validate_path,
		"a directory path", &n->backup_root) == -1 ||
	    get_string(ctx, path, obj, "role_file", validate_path,
		"a file path", &n->role_file) == -1 ||
	    get_string(ctx, path, obj, "role_command", NULL, "a command",
		&n->role_command) == -1)
		return -1;

	if (n->ssh_host == NULL) {
		if (validate_host(n->name) != NULL) {
			snprintf(sub, sizeof sub, "%s.ssh_host", path);
			return cfg_error(ctx, sub, "missing, and the node name "
			    "'%s' is not a host name", n->name);
		}
		n->ssh_host = xstrdup(n->name);
	}
	if (n->role == NODE_GATEWAY) {
		if (n->backup_root != NULL || n->dovecot_config != NULL) {
			snprintf(sub, sizeof sub, "%s.%s", path,
			    n->backup_root != NULL ? "backup_root" :
						     "dovecot_config");
			return cfg_error(ctx, sub, "only mailbox nodes have "
			    "this; '%s' is a gateway", n->name);
		}
		if (n->postfix_config == NULL)
			n->postfix_config = xstrdup("/etc/postfix");
	} else {
		if (n->postfix_config != NULL) {
			snprintf(sub, sizeof sub, "%s.postfix_config", path);
			return cfg_error(ctx, sub, "only gateways have this; "
			    "'%s' is a mailbox node", n->name);
		}
		if (require(ctx, path, obj, "backup_root",
			"the directory holding the dated backups") == -1)
			return -1;
	}
	if (n->role_file != NULL && n->role_command != NULL)
		return cfg_error(ctx, path, "role_file and role_command are both "
		    "set; use one");
	if (load_maillog_node(ctx, path, obj, n) == -1 ||
	    load_metrics(ctx, path, obj, n) == -1 ||
	    load_egress(ctx, path, obj, n) == -1 ||
	    load_filter(ctx, path, obj, n) == -1)
		return -1;
	return load_policy(ctx, path, obj, n);
}

static int
load_nodes(struct cfgctx *ctx, json_t *root, struct config *cfg)
{
	json_t *nodes, *v;
	size_t i, j;

	if ((nodes = json_object_get(root, "nodes")) == NULL)
		return cfg_error(ctx, "nodes", "missing; expected an array of "
		    "nodes");
	if (!json_is_array(nodes))
		return cfg_error(ctx, "nodes", "expected an array of nodes, got "
		    "%s", json_kind(nodes));
	if (json_array_size(nodes) == 0)
		return cfg_error(ctx, "nodes", "empty; at least one node is "
		    "needed");
	cfg->nnodes = json_array_size(nodes);
	cfg->nodes = xcalloc(cfg->nnodes, sizeof *cfg->nodes);
	json_array_foreach(nodes, i, v) {
		char path[64];

		snprintf(path, sizeof path, "nodes[%zu]", i);
		if (load_node(ctx, path, v, &cfg->nodes[i]) == -1)
			return -1;
		for (j = 0; j < i; j++) {
			if (strcmp(cfg->nodes[j].name, cfg->nodes[i].name) != 0)
				continue;
			snprintf(path, sizeof path, "nodes[%zu].name", i);
			return cfg_error(ctx, path, "'%s' is already the name of "
			    "nodes[%zu]; node names must be unique",
			    cfg->nodes[i].name, j);
		}
	}
	return 0;
}

static const char *const config_mbx_names[CONFIG_MBX_NTEMPLATES] = {
	[CONFIG_MBX_PROBE] = "probe",
	[CONFIG_MBX_RESTORE] = "restore",
	[CONFIG_MBX_PROBE_RESTORE] = "probe_restore",
	[CONFIG_MBX_STATUS] = "status",
};

static const char *const config_mbx_names_list[] = { "probe", "restore",
	"probe_restore", "status", NULL };

static const char *const config_mbx_vars_probe[] = { "helper", "config",
	"root", "user", NULL };
static const char *const config_mbx_vars_restore[] = { "helper", "config",
	"root", "user", "backup", "date", "folder", NULL };
static const char *const config_mbx_vars_probe_restore[] = { "helper",
	"config", "root", "user", "from", "to", NULL };
static const char *const config_mbx_vars_status[] = { "helper", "config",
	"user", "folder", NULL };

const char *
config_mailbox_template_name(enum config_mailbox_template t)
{
	return config_mbx_names[t];
}

const char *const *
config_mailbox_placeholders(enum config_mailbox_template t)
{
	switch (t) {
	case CONFIG_MBX_PROBE:
		return config_mbx_vars_probe;
	case CONFIG_MBX_RESTORE:
		return config_mbx_vars_restore;
	case CONFIG_MBX_PROBE_RESTORE:
		return config_mbx_vars_probe_restore;
	case CONFIG_MBX_STATUS:
	case CONFIG_MBX_NTEMPLATES:
		break;
	}
	return config_mbx_vars_status;
}

/*
 * Refuses doveadm sync and doveadm backup anywhere in a template: both
 * write into their source, and a restore must never touch live mail.
 */
static const char *
config_mbx_check_writes(const char *t)
{
	const char *p = t;

	while ((p = strstr(p, "doveadm")) != NULL) {
		const char *w = p + 7;

		while (*w != '\0' && strchr(";|&\n", *w) == NULL) {
			size_t n;

			while (*w == ' ' || *w == '\t')
				w++;
			n = strcspn(w, " \t;|&\n");
			if ((n == 4 && strncmp(w, "sync", 4) == 0) ||
			    (n == 6 && strncmp(w, "backup", 6) == 0))
				return "doveadm sync and doveadm backup write into "
				       "their source; a restore uses doveadm import";
			w += n;
		}
		p += 7;
	}
	return NULL;
}

/*
 * The restore script's path: it is the command sudo matches, so a plain
 * absolute path (no space: sudo's line is the words joined by spaces).
 */
static const char *
validate_helper(const char *s)
{
	const char *why = validate_path(s);

	if (why != NULL)
		return why;
	if (strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789/._+-") != strlen(s))
		return "use letters, digits and / . _ + - only";
	return NULL;
}

/* A mailbox template: one line, known placeholders, no sync or backup. */
static int
load_mailbox_template(struct cfgctx *ctx, const struct config *cfg,
    json_t *obj, enum config_mailbox_template t, char **out)
{
	const char *const *names = config_mailbox_placeholders(t);
	const char *name = config_mbx_names[t], *why;
	char path[96], cause[CONFIG_CAUSE_MAX];
	size_t i;

	snprintf(path, sizeof path, "mailbox.templates.%s", name);
	if (get_string(ctx, "mailbox.templates", obj, name, NULL,
		"a command template", out) == -1)
		return -1;
	if (*out == NULL)
		return 0;
	if ((*out)[0] == '\0')
		return cfg_error(ctx, path, "empty; leave the key out for the "
		    "Dovecot default");
	for (i = 0; (*out)[i] != '\0'; i++) {
		if ((unsigned char)(*out)[i] < 0x20 || (*out)[i] == 0x7f)
			return cfg_error(ctx, path, "control characters are not "
			    "accepted; write the command on one line");
	}
	if (shell_template_check(*out, names, cause, sizeof cause) == -1)
		return cfg_error(ctx, path, "%s", cause);
	if ((why = config_mbx_check_writes(*out)) != NULL)
		return cfg_error(ctx, path, "%s", why);
	if (strstr(*out, "{config}") == NULL)
		return 0;
	/* Without a value, {config} would fail every command on that node. */
	for (i = 0; i < cfg->nnodes; i++) {
		if (cfg->nodes[i].role == NODE_MAILBOX &&
		    cfg->nodes[i].dovecot_config == NULL)
			return cfg_error(ctx, path, "uses {config}, but mailbox "
			    "node '%s' has no dovecot_config", cfg->nodes[i].name);
	}
	return 0;
}

static int
load_mailbox(struct cfgctx *ctx, json_t *root, struct config *cfg)
{
	static const char *const keys[] = { "templates", "restore_timeout_s",
		"helper", "roles", "role_unread_limit_s", NULL };
	struct config_mailbox *m = &cfg->mailbox;
	json_t *obj = NULL, *v, *tobj = NULL;
	int t;

	m->restore_timeout_s = 6 * 3600;
	m->helper = xstrdup(CONFIG_MBX_HELPER);
	m->role_unread_limit_s = 4 * 3600;
	if ((v = json_object_get(root, "mailbox")) == NULL ||
	    json_object_get(v, "roles") == NULL) {
		m->roles = xcalloc(3, sizeof *m->roles);
		m->roles[0] = xstrdup("abuse");
		m->roles[1] = xstrdup("postmaster");
		m->nroles = 2;
	}
	if (v == NULL)
		return 0;
	if (get_object(ctx, "mailbox", v, &obj) == -1 ||
	    check_keys(ctx, "mailbox", obj, keys) == -1 ||
	    (m->roles == NULL && get_string_list(ctx, "mailbox", obj, "roles",
		"a mailbox user", ROLE_MBX_MAX, validate_mail_user, NULL,
		&m->roles, &m->nroles) == -1) ||
	    get_int(ctx, "mailbox", obj, "role_unread_limit_s", 60, 30 * 86400,
		&m->role_unread_limit_s) == -1 ||
	    get_int(ctx, "mailbox", obj, "restore_timeout_s", 10, 7 * 86400,
		&m->restore_timeout_s) == -1 ||
	    get_string(ctx, "mailbox", obj, "helper", validate_helper,
		"a script path", &m->helper) == -1)
		return -1;
	if ((v = json_object_get(obj, "templates")) == NULL)
		return 0;
	if (get_object(ctx, "mailbox.templates", v, &tobj) == -1 ||
	    check_keys(ctx, "mailbox.templates", tobj, config_mbx_names_list) ==
		-1)
		return -1;
	for (t = 0; t < CONFIG_MBX_NTEMPLATES; t++) {
		if (load_mailbox_template(ctx, cfg, tobj,
			(enum config_mailbox_template)t, &m->templates[t]) == -1)
			return -1;
	}
	return 0;
}

/* Theme names become file names: no '.', so none can climb directories. */
static const char *
validate_theme_name(const char *s)
{
	if (validate_name(s) != NULL || strchr(s, '.') != NULL)
		return "use 1-32 letters, digits, '-' or '_'";
	return NULL;
}

/*
 * ui.time_zone: "local", "UTC", or a zone of the tz database
 * ("America/New_York"): letters, digits, '_', '+', '-' in '/'-separated
 * parts, never "." or "..", and the zone's file must exist.
 */
static const char *
validate_time_zone(const char *s)
{
	char path[128];
	const char *p;

	if (strcmp(s, "local") == 0 || strcmp(s, "UTC") == 0)
		return NULL;
	if (s[0] == '\0' || strlen(s) > 64 || s[0] == '/' ||
	    strstr(s, "//") != NULL ||
	    s[strlen(s) - 1] == '/')
		return "use \"local\", \"UTC\" or a zone such as "
		    "America/New_York";
	for (p = s; *p != '\0'; p++) {
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '+' ||
		    *p == '-' || *p == '/'))
			return "use \"local\", \"UTC\" or a zone such as "
			    "America/New_York";
	}
	snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", s);
	if (access(path, R_OK) != 0)
		return "no such zone in /usr/share/zoneinfo";
	return NULL;
}

static int
load_ui(struct cfgctx *ctx, json_t *root, struct config_ui *ui)
{
	static const char *const keys[] = { "theme", "refresh_ms", "read_only",
		"time_zone", NULL };
	json_t *obj = NULL, *v;

	ui->theme = xstrdup("default");
	ui->refresh_ms = 1000;
	if ((v = json_object_get(root, "ui")) == NULL)
		return 0;
	if (get_object(ctx, "ui", v, &obj) == -1 ||
	    check_keys(ctx, "ui", obj, keys) == -1 ||
	    get_string(ctx, "ui", obj, "theme", validate_theme_name,
		"a theme name", &ui->theme) == -1 ||
	    get_int(ctx, "ui", obj, "refresh_ms", 100, 60000,
		&ui->refresh_ms) == -1 ||
	    get_bool(ctx, "ui", obj, "read_only", &ui->read_only) == -1 ||
	    get_string(ctx, "ui", obj, "time_zone", validate_time_zone,
		"a time zone", &ui->time_zone) == -1)
		return -1;
	if (ui->time_zone != NULL && strcmp(ui->time_zone, "local") == 0) {
		free(ui->time_zone);
		ui->time_zone = NULL;
	}
	return 0;
}

static int
load_providers(struct cfgctx *ctx, json_t *pobj, struct config_maillog *m)
{
	const char *group, *why;
	char path[300], dom[256];
	json_t *list, *item;
	size_t i, j, k;

	json_object_foreach(pobj, group, list) {
		snprintf(path, sizeof path, "maillog.providers.%s", group);
		if ((why = validate_name(group)) != NULL)
			return cfg_error(ctx, path, "'%s' is not a group name: "
			    "%s", group, why);
		if (!json_is_array(list) || json_array_size(list) == 0)
			return cfg_error(ctx, path, "expected a non-empty array "
			    "of domains, got %s", json_kind(list));
		m->providers = xreallocarray(m->providers, m->nproviders +
		    json_array_size(list), sizeof *m->providers);
		json_array_foreach(list, i, item) {
			snprintf(path, sizeof path, "maillog.providers.%s[%zu]",
			    group, i);
			if (!json_is_string(item) ||
			    strlen(json_string_value(item)) !=
			    json_string_length(item) ||
			    validate_host(json_string_value(item)) != NULL ||
			    json_string_length(item) >= sizeof dom)
				return cfg_error(ctx, path, "expected a domain "
				    "name");
			snprintf(dom, sizeof dom, "%s", json_string_value(item));
			for (k = 0; dom[k] != '\0'; k++) {
				if (dom[k] >= 'A' && dom[k] <= 'Z')
					dom[k] += 'a' - 'A';
			}
			for (j = 0; j < m->nproviders; j++) {
				if (strcmp(m->providers[j].domain, dom) == 0)
					return cfg_error(ctx, path, "'%s' is "
					    "already in group '%s'", dom,
					    m->providers[j].group);
			}
			m->providers[m->nproviders].domain = xstrdup(dom);
			m->providers[m->nproviders].group = xstrdup(group);
			m->nproviders++;
		}
	}
	return 0;
}

static int
load_maillog(struct cfgctx *ctx, json_t *root, struct config_maillog *m)
{
	static const char *const keys[] = { "providers", "harvest",
		"invalid_warn_pct", "mailnocd", NULL };
	static const char *const hkeys[] = { "threshold", "window_s",
		"auto_block", "block_s", NULL };
	json_t *obj = NULL, *v, *hobj = NULL, *pobj = NULL;

	m->harvest_threshold = 20;
	m->harvest_window_s = 300;
	m->block_s = 86400;
	m->invalid_warn_pct = 5;
	m->mailnocd = xstrdup("/usr/sbin/mailnocd");
	if ((v = json_object_get(root, "maillog")) == NULL)
		return 0;
	if (get_object(ctx, "maillog", v, &obj) == -1 ||
	    check_keys(ctx, "maillog", obj, keys) == -1 ||
	    get_int(ctx, "maillog", obj, "invalid_warn_pct", 0, 100,
		&m->invalid_warn_pct) == -1 ||
	    get_string(ctx, "maillog", obj, "mailnocd", validate_path,
		"a file path", &m->mailnocd) == -1)
		return -1;
	if ((v = json_object_get(obj, "providers")) != NULL &&
	    (get_object(ctx, "maillog.providers", v, &pobj) == -1 ||
	    load_providers(ctx, pobj, m) == -1))
		return -1;
	if ((v = json_object_get(obj, "harvest")) == NULL)
		return 0;
	if (get_object(ctx, "maillog.harvest", v, &hobj) == -1 ||
	    check_keys(ctx, "maillog.harvest", hobj, hkeys) == -1 ||
	    get_int(ctx, "maillog.harvest", hobj, "threshold", 1, 1000,
		&m->harvest_threshold) == -1 ||
	    get_int(ctx, "maillog.harvest", hobj, "window_s", 10, 86400,
		&m->harvest_window_s) == -1 ||
	    get_bool(ctx, "maillog.harvest", hobj, "auto_block",
		&m->auto_block) == -1 ||
	    get_llong(ctx, "maillog.harvest", hobj, "block_s", 0,
		365LL * 86400, &m->block_s) == -1)
		return -1;
	return 0;
}

const char *
config_provider_group(const struct config *cfg, const char *domain)
{
	size_t i;

	for (i = 0; i < cfg->maillog.nproviders; i++) {
		if (strcmp(cfg->maillog.providers[i].domain, domain) == 0)
			return cfg->maillog.providers[i].group;
	}
	return NULL;
}

static int
load_audit(struct cfgctx *ctx, json_t *root, struct config_audit *a)
{
	static const char *const keys[] = { "required", NULL };
	json_t *obj = NULL, *v;

	a->required = true;
	if ((v = json_object_get(root, "audit")) == NULL)
		return 0;
	if (get_object(ctx, "audit", v, &obj) == -1 ||
	    check_keys(ctx, "audit", obj, keys) == -1 ||
	    get_bool(ctx, "audit", obj, "required", &a->required) == -1)
		return -1;
	return 0;
}

static int
load_alerts(struct cfgctx *ctx, json_t *root, struct config_alerts *a)
{
	static const char *const keys[] = { "throttled_messages", NULL };
	json_t *obj = NULL, *v;
	long long n = 10;

	a->throttled_messages = 10;
	if ((v = json_object_get(root, "alerts")) == NULL)
		return 0;
	if (get_object(ctx, "alerts", v, &obj) == -1 ||
	    check_keys(ctx, "alerts", obj, keys) == -1 ||
	    get_llong(ctx, "alerts", obj, "throttled_messages", 1, 1000000000,
		&n) == -1)
		return -1;
	a->throttled_messages = (long)n;
	return 0;
}

/* "IP" or "IP@PORT", unbound's way of writing a forwarder. */
static const char *
config_resolver_check(const char *s)
{
	static const char accepted[] = "use an IP address, optionally with "
	    "@PORT (127.0.0.1@5353), or \"system\" for /etc/resolv.conf";
	unsigned char a[16];
	char host[64], *end;
	const char *at = strchr(s, '@');
	size_t hlen = at != NULL ? (size_t)(at - s) : strlen(s);
	long port;

	if (strcmp(s, "system") == 0)
		return NULL;
	if (hlen == 0 || hlen >= sizeof host)
		return accepted;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, a) != 1 && inet_pton(AF_INET6, host, a) != 1)
		return accepted;
	if (at != NULL) {
		if (at[1] < '0' || at[1] > '9')
			return "the port after '@' is not a number from 1 to "
			       "65535";
		errno = 0;
		port = strtol(at + 1, &end, 10);
		if (errno != 0 || *end != '\0' || port < 1 || port > 65535)
			return "the port after '@' is not a number from 1 to "
			       "65535";
	}
	return NULL;
}

static int
load_dns(struct cfgctx *ctx, json_t *root, struct config_dns *d)
{
	static const char *const keys[] = { "resolver", "timeout_ms", NULL };
	json_t *obj = NULL, *v;
	const char *at;

	d->port = 53;
	d->timeout_ms = 5000;
	if ((v = json_object_get(root, "dns")) == NULL)
		return 0;
	if (get_object(ctx, "dns", v, &obj) == -1 ||
	    check_keys(ctx, "dns", obj, keys) == -1 ||
	    get_string(ctx, "dns", obj, "resolver", config_resolver_check,
		"a resolver address", &d->resolver) == -1 ||
	    get_int(ctx, "dns", obj, "timeout_ms", 100, 60000,
		&d->timeout_ms) == -1)
		return -1;
	if (d->resolver != NULL && strcmp(d->resolver, "system") == 0) {
		free(d->resolver);
		d->resolver = NULL;
	}
	if (d->resolver == NULL)
		return 0;
	d->host = xstrdup(d->resolver);
	if ((at = strchr(d->host, '@')) != NULL) {
		d->port = atoi(at + 1);
		d->host[at - d->host] = '\0';
	}
	return 0;
}

static const char *
config_zone_canon(const char *s, char *buf, size_t len)
{
	const char *why;
	size_t i;

	if ((why = validate_domain(s)) != NULL)
		return why;
	for (i = 0; s[i] != '\0' && i + 1 < len; i++)
		buf[i] = (char)tolower((unsigned char)s[i]);
	buf[i] = '\0';
	return NULL;
}

static int
load_dnsbl(struct cfgctx *ctx, json_t *root, struct config_dnsbl *b)
{
	static const char *const keys[] = { "zones", "interval_s", NULL };
	json_t *obj = NULL, *v;

	b->interval_s = 600;
	if ((v = json_object_get(root, "dnsbl")) == NULL)
		return 0;
	if (get_object(ctx, "dnsbl", v, &obj) == -1 ||
	    check_keys(ctx, "dnsbl", obj, keys) == -1 ||
	    get_string_list(ctx, "dnsbl", obj, "zones", "a DNS zone name",
		CONFIG_DNSBL_ZONES_MAX, NULL, config_zone_canon, &b->zones,
		&b->nzones) == -1 ||
	    get_int(ctx, "dnsbl", obj, "interval_s", 10, 86400,
		&b->interval_s) == -1)
		return -1;
	return 0;
}

/* A status file's name inside backup_root: one path component. */
static const char *
validate_status_name(const char *s)
{
	if (validate_name(s) != NULL || s[0] == '.')
		return "use a file name of 1-32 letters, digits, '.', '-' or "
		    "'_' (it is looked for in each node's backup_root)";
	return NULL;
}

static const char *
validate_status_format(const char *s)
{
	return strcmp(s, BACKUP_FORMAT_KEYVALUE) == 0 ? NULL :
	    "the one format is \"" BACKUP_FORMAT_KEYVALUE "\"";
}

static int
load_backups(struct cfgctx *ctx, json_t *root, struct config_backups *b)
{
	static const char *const keys[] = { "max_age_s", "gap_days",
		"status_file", "status_format", NULL };
	json_t *obj = NULL, *v;

	b->max_age_s = BACKUP_MAX_AGE_S;
	b->gap_days = BACKUP_GAP_DAYS;
	b->status_format = xstrdup(BACKUP_FORMAT_KEYVALUE);
	if ((v = json_object_get(root, "backups")) == NULL)
		return 0;
	if (get_object(ctx, "backups", v, &obj) == -1 ||
	    check_keys(ctx, "backups", obj, keys) == -1 ||
	    get_int(ctx, "backups", obj, "max_age_s", 600, 30 * 86400,
		&b->max_age_s) == -1 ||
	    get_int(ctx, "backups", obj, "gap_days", 0, BACKUP_GAP_DAYS,
		&b->gap_days) == -1 ||
	    get_string(ctx, "backups", obj, "status_file",
		validate_status_name, "a file name", &b->status_file) == -1 ||
	    get_string(ctx, "backups", obj, "status_format",
		validate_status_format, "a status file format",
		&b->status_format) == -1)
		return -1;
	return 0;
}

/* Reads a whole regular file of at most CONFIG_MAX_BYTES. */
static char *
read_file(struct cfgctx *ctx, size_t *lenp)
{
	struct stat st;
	char *buf;
	ssize_t n;
	size_t len = 0;
	int fd;

	if ((fd = open(ctx->file, O_RDONLY | O_CLOEXEC)) == -1) {
		cfg_error(ctx, NULL, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		cfg_error(ctx, NULL, "not a regular file");
		close(fd);
		return NULL;
	}
	if (st.st_size > CONFIG_MAX_BYTES) {
		cfg_error(ctx, NULL, "too large (%lld bytes); accepted: up to "
		    "%d bytes", (long long)st.st_size, CONFIG_MAX_BYTES);
		close(fd);
		return NULL;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while ((n = read(fd, buf + len, (size_t)st.st_size - len)) > 0)
		len += (size_t)n;
	if (n == -1) {
		cfg_error(ctx, NULL, "cannot read: %s", strerror(errno));
		free(buf);
		close(fd);
		return NULL;
	}
	close(fd);
	buf[len] = '\0';
	*lenp = len;
	return buf;
}

/* A notice's sender: a plain address (core/notice.h). */
static const char *
validate_notice_from(const char *s)
{
	return notice_address_check(s);
}

static int
load_notify(struct cfgctx *ctx, json_t *root, struct config *cfg)
{
	static const char *const keys[] = { "from", "gateway", "templates",
		"delay_messages", "delay_minutes", NULL };
	struct config_notify *n = &cfg->notify;
	const struct config_node *gw;
	json_t *obj = NULL, *v;

	n->delay_messages = 100;
	n->delay_minutes = 30;
	if ((v = json_object_get(root, "notify")) == NULL)
		return 0;
	if (get_object(ctx, "notify", v, &obj) == -1 ||
	    check_keys(ctx, "notify", obj, keys) == -1 ||
	    get_string(ctx, "notify", obj, "from", validate_notice_from,
		"a mail address such as noc@relay.example", &n->from) == -1 ||
	    get_string(ctx, "notify", obj, "gateway", validate_name,
		"a gateway's name", &n->gateway) == -1 ||
	    get_string(ctx, "notify", obj, "templates", validate_path,
		"an absolute directory", &n->templates) == -1 ||
	    get_int(ctx, "notify", obj, "delay_messages", 1, 10000000,
		&n->delay_messages) == -1 ||
	    get_int(ctx, "notify", obj, "delay_minutes", 0, 7 * 24 * 60,
		&n->delay_minutes) == -1)
		return -1;
	if (n->gateway != NULL && ((gw = config_node_find(cfg, n->gateway)) ==
	    NULL || gw->role != NODE_GATEWAY))
		return cfg_error(ctx, "notify.gateway", "'%s' is not a gateway "
		    "of nodes", n->gateway);
	return 0;
}

struct config *
config_load(const char *path, char *cause, size_t causelen)
{
	static const char *const keys[] = { "redis", "ssh", "nodes",
		"mailbox", "ui", "audit", "maillog", "dns", "dnsbl",
		"backups", "alerts", "notify", NULL };
	struct cfgctx ctx = { path, cause, causelen };
	struct config *cfg;
	json_error_t jerr;
	json_t *root;
	char *text;
	size_t len;

	if ((text = read_file(&ctx, &len)) == NULL)
		return NULL;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	free(text);
	if (root == NULL) {
		snprintf(cause, causelen, "%s:%d:%d: %s", path, jerr.line,
		    jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		cfg_error(&ctx, NULL, "expected an object at the top, got %s",
		    json_kind(root));
		json_decref(root);
		return NULL;
	}

	cfg = xcalloc(1, sizeof *cfg);
	cfg->path = xstrdup(path);
	if (check_keys(&ctx, "", root, keys) == -1 ||
	    load_redis(&ctx, root, &cfg->redis) == -1 ||
	    load_ssh(&ctx, root, &cfg->ssh) == -1 ||
	    load_nodes(&ctx, root, cfg) == -1 ||
	    load_mailbox(&ctx, root, cfg) == -1 ||
	    load_ui(&ctx, root, &cfg->ui) == -1 ||
	    load_audit(&ctx, root, &cfg->audit) == -1 ||
	    load_maillog(&ctx, root, &cfg->maillog) == -1 ||
	    load_dns(&ctx, root, &cfg->dns) == -1 ||
	    load_dnsbl(&ctx, root, &cfg->dnsbl) == -1 ||
	    load_backups(&ctx, root, &cfg->backups) == -1 ||
	    load_alerts(&ctx, root, &cfg->alerts) == -1 ||
	    load_notify(&ctx, root, cfg) == -1) {
		json_decref(root);
		config_free(cfg);
		return NULL;
	}
	json_decref(root);
	return cfg;
}

void
config_free(struct config *cfg)
{
	size_t i, j;

	if (cfg == NULL)
		return;
	free(cfg->path);
	free(cfg->redis.host);
	for (i = 0; i < cfg->redis.nsentinels; i++)
		free(cfg->redis.sentinels[i].host);
	free(cfg->redis.sentinels);
	for (i = 0; i < cfg->redis.ntunnels; i++)
		free(cfg->redis.tunnels[i].host);
	free(cfg->redis.tunnels);
	free(cfg->redis.master_name);
	free(cfg->redis.user);
	free(cfg->redis.password_env);
	free(cfg->redis.password_file);
	free(cfg->redis.prefix);
	free(cfg->ssh.user);
	free(cfg->ssh.key_file);
	free(cfg->ssh.known_hosts);
	for (i = 0; i < cfg->nnodes; i++) {
		struct config_node *n = &cfg->nodes[i];

		free(n->name);
		free(n->cluster);
		free(n->ssh_host);
		free(n->postfix_config);
		free(n->dovecot_config);
		free(n->backup_root);
		free(n->role_file);
		free(n->role_command);
		for (j = 0; j < n->policy.nlisten; j++)
			config_listen_free(&n->policy.listen[j]);
		free(n->policy.listen);
		config_listen_free(&n->metrics);
		for (j = 0; j < n->policy.nallow; j++)
			config_net_free(&n->policy.allow[j]);
		free(n->policy.allow);
		free(n->policy.fail_action);
		free(n->policy.accept_action);
		for (j = 0; j < n->negress; j++)
			free(n->egress[j]);
		free(n->egress);
		free(n->maillog.file);
		free(n->maillog.state_dir);
		free(n->maillog.index);
		free(n->maillog.index_group);
		config_listen_free(&n->filter.controller);
		free(n->filter.password_file);
	}
	free(cfg->nodes);
	free(cfg->dns.resolver);
	free(cfg->dns.host);
	for (i = 0; i < cfg->dnsbl.nzones; i++)
		free(cfg->dnsbl.zones[i]);
	free(cfg->dnsbl.zones);
	free(cfg->backups.status_file);
	free(cfg->backups.status_format);
	for (i = 0; i < CONFIG_MBX_NTEMPLATES; i++)
		free(cfg->mailbox.templates[i]);
	free(cfg->mailbox.helper);
	for (i = 0; i < cfg->mailbox.nroles; i++)
		free(cfg->mailbox.roles[i]);
	free(cfg->mailbox.roles);
	free(cfg->ui.theme);
	free(cfg->ui.time_zone);
	free(cfg->notify.from);
	free(cfg->notify.gateway);
	free(cfg->notify.templates);
	for (i = 0; i < cfg->maillog.nproviders; i++) {
		free(cfg->maillog.providers[i].domain);
		free(cfg->maillog.providers[i].group);
	}
	free(cfg->maillog.providers);
	free(cfg->maillog.mailnocd);
	free(cfg);
}

const struct config_node *
config_node_find(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nnodes; i++) {
		if (strcmp(cfg->nodes[i].name, name) == 0)
			return &cfg->nodes[i];
	}
	return NULL;
}

const char *
config_role_name(enum node_role role)
{
	return role == NODE_GATEWAY ? "gateway" : "mailbox";
}

int
config_find(const char *option, char *path, size_t pathlen, char *cause,
    size_t causelen)
{
	const char *env = getenv("MAILNOC_CONFIG"), *home = getenv("HOME");
	char user[1100];

	if (option != NULL) {
		snprintf(path, pathlen, "%s", option);
		return 0;
	}
	if (env != NULL && env[0] != '\0') {
		snprintf(path, pathlen, "%s", env);
		return 0;
	}
	if (home != NULL && home[0] != '\0') {
		snprintf(user, sizeof user, "%s/.config/mailnoc/config.json",
		    home);
		if (access(user, F_OK) == 0) {
			snprintf(path, pathlen, "%s", user);
			return 0;
		}
	}
	if (access("/etc/mailnoc/config.json", F_OK) == 0) {
		snprintf(path, pathlen, "/etc/mailnoc/config.json");
		return 0;
	}
	snprintf(cause, causelen, "no configuration found; give --config FILE, "
	    "set MAILNOC_CONFIG, or create ~/.config/mailnoc/config.json or "
	    "/etc/mailnoc/config.json");
	return -1;
}

int
config_redis_password(const struct config *cfg, char *buf, size_t len,
    char *cause, size_t causelen)
{
	const struct config_redis *r = &cfg->redis;
	struct stat st;
	size_t n;
	FILE *f;
	int c;

	if (r->password_env != NULL) {
		const char *v = getenv(r->password_env);

		if (v == NULL || v[0] == '\0') {
			snprintf(cause, causelen, "redis password: environment "
			    "variable %s is not set", r->password_env);
			return -1;
		}
		if (strlen(v) >= len) {
			snprintf(cause, causelen, "redis password: %s is longer "
			    "than %zu bytes", r->password_env, len - 1);
			return -1;
		}
		snprintf(buf, len, "%s", v);
		return 1;
	}
	if (r->password_file == NULL)
		return 0;
	if ((f = fopen(r->password_file, "re")) == NULL) {
		snprintf(cause, causelen, "redis password: cannot open '%s': %s",
		    r->password_file, strerror(errno));
		return -1;
	}
	/* A secret others may read, or someone else may rewrite, is none. */
	if (fstat(fileno(f), &st) == -1) {
		snprintf(cause, causelen, "redis password: cannot check '%s': "
		    "%s", r->password_file, strerror(errno));
		fclose(f);
		return -1;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		snprintf(cause, causelen, "redis password: '%s' belongs to uid "
		    "%u, not to this user or root", r->password_file,
		    (unsigned)st.st_uid);
		fclose(f);
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(cause, causelen, "redis password: '%s' may be read by "
		    "others (mode %03o); chmod 600 it", r->password_file,
		    (unsigned)(st.st_mode & 0777));
		fclose(f);
		return -1;
	}
	if (fgets(buf, (int)len, f) == NULL) {
		snprintf(cause, causelen, "redis password: '%s' is empty",
		    r->password_file);
		fclose(f);
		return -1;
	}
	n = strcspn(buf, "\r\n");
	/* Cut at the buffer with more to come: refused, never shortened. */
	if (buf[n] == '\0' && n + 1 == len && (c = fgetc(f)) != EOF &&
	    c != '\n' && c != '\r') {
		memset(buf, 0, len);
		snprintf(cause, causelen, "redis password: the first line of "
		    "'%s' is longer than %zu bytes", r->password_file, len - 1);
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[n] = '\0';
	if (n == 0) {
		snprintf(cause, causelen, "redis password: '%s' starts with an "
		    "empty line", r->password_file);
		return -1;
	}
	return 1;
}
