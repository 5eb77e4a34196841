/* The console's views, in the order of their number keys: the one place
 * that names them all (the console core calls them through the vtable). */
#include "tui/view.h"

#include <stdarg.h>
#include <stdio.h>

#include "core/xalloc.h"

extern const struct view view_overview;
extern const struct view view_clusters;
extern const struct view view_help;
extern const struct view view_queues;
extern const struct view view_blocklist;
extern const struct view view_agencies;
extern const struct view view_audit;
extern const struct view view_restore;
extern const struct view view_alerts;
extern const struct view view_providers;
extern const struct view view_reputation;
extern const struct view view_trace;
extern const struct view view_messages;
extern const struct view view_filter;

const struct view *const view_all[CONSOLE_NVIEWS] = {
	&view_overview, &view_clusters, &view_help, &view_queues,
	&view_blocklist, &view_agencies, &view_audit, &view_restore,
	&view_alerts,
	&view_providers,
	&view_reputation,
	&view_trace,
	&view_messages,
	&view_filter,
};

char *
view_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	s = xmalloc((size_t)(n > 0 ? n : 0) + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)(n > 0 ? n : 0) + 1, fmt, ap);
	va_end(ap);
	return s;
}

int
view_select_one(const char *s, char ***out)
{
	*out = NULL;
	if (s == NULL)
		return 0;
	*out = xcalloc(1, sizeof **out);
	(*out)[0] = xstrdup(s);
	return 1;
}
