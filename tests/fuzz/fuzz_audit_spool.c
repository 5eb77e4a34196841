/* Fuzzes the audit spool replay (core/audit.c): JSON lines read back from
 * the file, each record handed to a writer that takes, refuses or defers
 * it as the record's own bytes decide, and the rest written back. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/audit.h"
#include "tests/fuzz/fuzz_tmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
fake_write(void *arg, const struct audit_record *r, char *cause, size_t len)
{
	struct audit_record back;
	json_t *o;
	size_t *calls = arg;

	(*calls)++;
	/* A record read from the spool must survive its own JSON form. */
	o = audit_record_json(r);
	if (audit_record_from_json(o, &back, cause, len) == -1 ||
	    strcmp(back.id, r->id) != 0 || strcmp(back.cmd, r->cmd) != 0 ||
	    back.at_ms != r->at_ms)
		__builtin_trap();
	json_decref(o);
	switch (r->id[0] % 4) {
	case 0:
		snprintf(cause, len, "rejected");
		return AUDIT_REJECTED;
	case 1:
		snprintf(cause, len, "retry");
		return AUDIT_RETRY;
	default:
		return AUDIT_WRITTEN;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct audit_writer w;
	struct audit_replay rep;
	char path[128], bad[140], cause[256];
	size_t calls = 0;

	snprintf(path, sizeof path, "%s/audit.jsonl", fuzz_tmp_dir());
	snprintf(bad, sizeof bad, "%s.bad", path);
	fuzz_tmp_write(path, data, size);
	w.write = fake_write;
	w.arg = &calls;
	if (audit_spool_replay(path, &w, &rep, cause, sizeof cause) == 0 &&
	    rep.written > calls)
		__builtin_trap();
	unlink(path);
	unlink(bad);
	return 0;
}
