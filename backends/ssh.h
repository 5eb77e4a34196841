/* The SSH control channel to one node: verified host, key or agent login,
 * commands with stdin, streamed stdout lines, timeouts and cancellation. */
#ifndef MAILNOC_SSH_H
#define MAILNOC_SSH_H

#include <libssh2.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"

/* Longest stdout line delivered; a longer one fails the command. */
#define SSH_LINE_MAX (1024 * 1024)
/* Most stderr kept in a result; the rest is counted and dropped. */
#define SSH_STDERR_MAX (64 * 1024)
/* How often a waiting call looks at *cancel. */
#define SSH_CANCEL_POLL_MS 50

enum ssh_err {
	SSH_E_NONE,
	SSH_E_CONNECT,   /* no TCP connection, a failed handshake, a lost link */
	SSH_E_HOSTKEY,   /* host key unknown, different, or no known_hosts */
	SSH_E_AUTH,      /* no key or agent identity was accepted */
	SSH_E_TIMEOUT,   /* the connect or command timeout ran out */
	SSH_E_EXEC,      /* the command could not be started or read */
	SSH_E_CANCELLED, /* *cancel was set, or on_line returned -1 */
};

/*
 * One connection to one node. It belongs to the thread that uses it: libssh2
 * sessions are not thread-safe, and nothing here locks. Only *cancel may be
 * written by another thread. cfg and node must outlive the connection.
 */
struct ssh_conn {
	const struct config *cfg;
	const struct config_node *node;
	int fd;                    /* -1 when closed */
	LIBSSH2_SESSION *session;  /* NULL when closed */
	bool up;                   /* logged in and not known to be broken */
	long long connect_ms;      /* how long the last connect took */
	unsigned long connects;    /* successful connects so far */
	/*
	 * The progress watchdog of the next ssh_exec, set by the caller (0:
	 * off): a command whose stdout stays silent for stall_ms fails with
	 * SSH_E_TIMEOUT, "no progress for N s ... (stall_knob)".
	 */
	int stall_ms;
	const char *stall_knob;
	/* Kept by the backend (monotonic ms; 0: never). */
	long long heard_ms;        /* bytes last came from the node */
	long long asked_ms;        /* a keepalive waits for its reply since */
	long long ka_sent_s;       /* when the last keepalive went (time()) */
	long long progress_ms;     /* stdout last came, or the command began */
	enum ssh_err err;
	char errstr[512];
};

/* What one command did. Always release with ssh_result_free. */
struct ssh_result {
	int status;            /* exit status; -1 when killed by a signal */
	char signal[32];       /* the signal's name ("KILL"), else "" */
	char *errout;          /* stderr, NUL-terminated, or NULL if none */
	size_t errlen;         /* bytes in errout, at most SSH_STDERR_MAX */
	size_t errdropped;     /* stderr bytes beyond the cap */
	char errtail[4096];    /* the last bytes of stderr, NUL-terminated:
	                          where summaries are, past any cap */
	size_t errtaillen;
	size_t lines;          /* stdout lines delivered */
	unsigned long long outbytes; /* stdout bytes received */
	long long elapsed_ms;  /* the whole ssh_exec, connect included */
};

/* Prepares c (closed) for `node`. Nothing is connected yet. */
void ssh_init(struct ssh_conn *c, const struct config *cfg,
    const struct config_node *node);

/*
 * Connects: TCP within ssh.connect_timeout_ms, then the SSH handshake, the
 * host key check against ssh.known_hosts (an unknown or different key
 * refuses the connection) and the login as ssh.user with ssh.key_file
 * and/or ssh-agent, all within that same timeout. A connected c is closed
 * first. `cancel` may be NULL. Returns 0, or -1 with err and errstr set
 * ("gw1 (10.0.0.5:22): host key ssh-ed25519 SHA256:... is not in ...").
 */
int ssh_connect(struct ssh_conn *c, volatile int *cancel);

/*
 * Runs `command` through the node's login shell on a new channel: writes
 * `input` (inputlen bytes, may be NULL) to its stdin and closes it, calls
 * on_line (may be NULL) for each stdout line as it arrives (a last line
 * without '\n' too), keeps stderr in res, and waits for the exit status.
 * on_line gets the line without its '\n' and NUL-terminated (len counts
 * the bytes before that NUL; the line may hold NUL bytes of its own), valid
 * during the call only; it returns 0 to go on or -1 to stop the command
 * (SSH_E_CANCELLED). A line longer than SSH_LINE_MAX fails with SSH_E_EXEC.
 * Connects first when c is closed; a reused connection found dead before the
 * command started is reconnected once. The whole call, connect included,
 * ends within ssh.command_timeout_ms, and within about SSH_CANCEL_POLL_MS of
 * *cancel becoming nonzero (`cancel` may be NULL).
 * Returns 0 when the command ran to its end, whatever its exit status (see
 * res->status and res->signal); or -1 with err and errstr set. Any
 * failure but an empty command closes the connection; after a timeout, a
 * cancel or a lost link the remote command may have done part of its work. `res` is filled in either
 * case (stderr so far) and must be released with ssh_result_free.
 */
int ssh_exec(struct ssh_conn *c, const char *command, const char *input,
    size_t inputlen, int (*on_line)(void *arg, const char *line, size_t len),
    void *arg, struct ssh_result *res, volatile int *cancel);

/*
 * Sends a keepalive when ssh.keepalive_s have passed since the last one; an
 * idle owner calls it at least every *next_s seconds (0: disabled or
 * closed). ssh_exec sends them itself while it waits, every one asking for
 * a reply: a node that sends nothing back (a reply or anything else) within
 * the interval is taken as gone, so a dead or frozen peer ends the command
 * within about twice the interval with SSH_E_CONNECT ("the node stopped
 * answering ..."). Returns 0, or -1 with err set and the connection closed.
 */
int ssh_keepalive(struct ssh_conn *c, int *next_s);

/* Closes the connection (says goodbye when the link allows); c stays
 * usable for another ssh_connect or ssh_exec. */
void ssh_close(struct ssh_conn *c);

void ssh_result_free(struct ssh_result *res);

/*
 * What a command wrote on stderr, as one line for a message: lines joined
 * with "; ", control characters shown as '?'. Empty when it said nothing.
 */
void ssh_result_said(const struct ssh_result *res, char *buf, size_t len);

/*
 * Whether `command`, sent with "sudo -n" (ssh.sudo), was stopped by sudo on
 * the node rather than run: sudo's refusal or password prompt, or no sudo
 * at all. Then sets `cause` to one line that names the command without its
 * values and what to add ("gw1: sudo refused 'postsuper -h -': add the
 * mailnoc sudoers drop-in") and returns true; else false, cause untouched.
 */
bool ssh_sudo_refused(const struct ssh_conn *c, const char *command,
    const struct ssh_result *res, char *cause, size_t len);

/*
 * The interval libssh2 keeps for ssh.keepalive_s (it turns 1 into 2), in
 * seconds; 0 when keepalives are off.
 */
int ssh_keepalive_interval(int keepalive_s);

/*
 * Whether a node that was sent a keepalive asking for a reply at asked_ms
 * (0: none waits) has failed to answer by now_ms: nothing came back for one
 * interval. The keepalive goes at most one interval after the node fell
 * silent, so it is found within about two.
 */
bool ssh_peer_silent(long long asked_ms, long long now_ms, int keepalive_s);

/* Whether a command whose output last came at progress_ms has made no
 * progress for stall_ms by now_ms (stall_ms 0: never). */
bool ssh_stalled(long long progress_ms, long long now_ms, int stall_ms);

/* The batch-mode exit code for c->err (core/exitcode.h). */
int ssh_exit_code(const struct ssh_conn *c);

/*
 * The line splitter behind ssh_exec, separate from libssh2 so that it can be
 * tested alone. Feed it bytes as they arrive; it calls on_line for each
 * complete line, without copying when a line lies inside one chunk.
 */
struct ssh_lines {
	char *buf;    /* the unfinished line */
	size_t len;
	size_t cap;
	size_t max;   /* longest line accepted */
	size_t lines; /* lines delivered */
	bool aborted; /* on_line returned -1 */
};

void ssh_lines_init(struct ssh_lines *l, size_t max);

/*
 * Delivers the complete lines in data[0..n). data is modified: each '\n' is
 * overwritten with a NUL. Returns 0, or -1 with `cause` set when a
 * line exceeds l->max or on_line returned -1 (l->aborted).
 */
int ssh_lines_feed(struct ssh_lines *l, char *data, size_t n,
    int (*on_line)(void *, const char *, size_t), void *arg, char *cause,
    size_t causelen);

/* Delivers a last line that has no '\n'. Returns 0 or -1 as above. */
int ssh_lines_finish(struct ssh_lines *l,
    int (*on_line)(void *, const char *, size_t), void *arg, char *cause,
    size_t causelen);

void ssh_lines_free(struct ssh_lines *l);

/*
 * Writes a host key fingerprint as OpenSSH prints it: "SHA256:" and the
 * unpadded base64 of the 32-byte hash. Returns out.
 */
char *ssh_fingerprint(const unsigned char *sha256, char *out, size_t len);

/* The SSH name of a libssh2 host key type ("ssh-ed25519"), or "unknown". */
const char *ssh_hostkey_name(int type);

#endif
