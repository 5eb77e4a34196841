/* sd_notify for mailnocd: readiness, the watchdog and stopping. */
#include "agent/notify.h"

#include <stdint.h>

#include <systemd/sd-daemon.h>

void
notify_ready(const char *node, int interval)
{
	sd_notifyf(0, "READY=1\nSTATUS=node %s, heartbeat every %d s", node,
	    interval);
}

long long
notify_watchdog_ms(void)
{
	uint64_t usec = 0;

	/* Checks WATCHDOG_PID too: a child never pings for its parent. */
	if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
		return 0;
	/* Twice per period, as sd_watchdog_enabled(3) advises. */
	return usec / 2000 > 0 ? (long long)(usec / 2000) : 1;
}

void
notify_watchdog(void)
{
	sd_notify(0, "WATCHDOG=1");
}

void
notify_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}
