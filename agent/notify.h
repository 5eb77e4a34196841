/* Telling systemd how mailnocd is doing: readiness, watchdog, stopping. */
#ifndef MAILNOC_AGENT_NOTIFY_H
#define MAILNOC_AGENT_NOTIFY_H

/*
 * All of these do nothing when the agent was not started by systemd with
 * Type=notify (NOTIFY_SOCKET unset): the agent then runs as it always has.
 * A notification that cannot be sent is ignored; systemd's own timeouts
 * (TimeoutStartSec, WatchdogSec) then say what went wrong.
 */

/* READY=1 with a one-line STATUS= of the node and its interval. */
void notify_ready(const char *node, int interval);

/*
 * Returns how often, in milliseconds, the main loop must send WATCHDOG=1:
 * half of WATCHDOG_USEC when systemd's watchdog is on for this process,
 * 0 when it is off.
 */
long long notify_watchdog_ms(void);

/* WATCHDOG=1. */
void notify_watchdog(void);

/* STOPPING=1, when the agent starts to shut down. */
void notify_stopping(void);

#endif
