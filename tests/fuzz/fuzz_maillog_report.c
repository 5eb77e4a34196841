/* Fuzzes the reading of the mail log counters' fields (core/maillog_report.c):
 * each line "FIELD COUNT" goes to the providers and the agencies, and
 * "FIELD VALUE" to a suspect, as the fields of Redis hashes would. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/maillog_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_pct(double p)
{
	if (!(p >= 0 && p <= 100.0001))
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ml_providers p;
	struct ml_agencies a;
	struct ml_suspect s;
	struct delay_rule rule;
	char *buf, *line, *save, *sp, alert[64];
	size_t i, k;

	if (size > 65536)
		return 0;
	buf = malloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = '\0';
	ml_providers_init(&p, 3600);
	ml_agencies_init(&a);
	memset(&s, 0, sizeof s);
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if ((sp = strchr(line, ' ')) == NULL)
			continue;
		*sp = '\0';
		ml_providers_add(&p, line, strtoll(sp + 1, NULL, 10));
		ml_providers_reason(&p, line, sp + 1);
		ml_agencies_add(&a, line, strtoll(sp + 1, NULL, 10));
		ml_suspect_field(&s, line, sp + 1);
	}
	delay_rule_init(&rule);
	ml_providers_finish(&p, &rule);
	for (i = 0; i < p.n; i++) {
		const struct ml_provider *v = &p.v[i];

		if (strlen(v->name) > MAILLOG_DOMAIN_MAX + 1 || v->name[0] ==
		    '\0' || v->delivered < 0 || v->deferred < 0 ||
		    v->reput < 0 || strlen(v->rep_reason) >
		    MAILLOG_BOUNCE_REASON_MAX)
			__builtin_trap();
		/* Throttled ones first. */
		if (i > 0 && v->throttled && !p.v[i - 1].throttled)
			__builtin_trap();
		if (v->delivered + v->deferred + v->bounced >= 0) {
			check_pct(ml_provider_deferred_pct(v));
			check_pct(ml_provider_bounced_pct(v));
		}
		json_decref(ml_provider_json(v));
	}
	for (i = 0; i < a.n; i++) {
		const struct ml_agency *g = &a.v[i];

		if (g->ntop > ML_AGENCY_TOP || g->name[0] == '\0')
			__builtin_trap();
		for (k = 1; k < g->ntop; k++)
			if (g->top[k].bounced > g->top[k - 1].bounced)
				__builtin_trap();
	}
	if (s.nsamples > MAILLOG_SAMPLES)
		__builtin_trap();
	snprintf(s.ip, sizeof s.ip, "127.0.0.1");
	ml_suspects_alert(&s, 1, s.last_seen, 3600, alert, sizeof alert);
	if (strlen(alert) >= sizeof alert)
		__builtin_trap();
	json_decref(ml_suspect_json(&s));
	ml_providers_free(&p);
	ml_agencies_free(&a);
	free(buf);
	return 0;
}
