/* Fuzzes the reader of the audit stream (backends/audit_store.c): one
 * XREVRANGE reply from a fake reply tree (fuzz_reply.h), each entry read
 * into a record, which must hold an id, a time and no control characters.
 * audit_store_entry is static, so the file is included. */
#include "backends/audit_store.c"

#include "tests/fuzz/fuzz_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	struct audit_record rec;
	redisReply *r = fuzz_reply(&in, 0, 1);
	size_t i;

	for (i = 0; i < r->elements; i++) {
		if (audit_store_entry(r->element[i], &rec) == -1)
			continue;
		if (rec.id[0] == '\0' || rec.at_ms < 0)
			__builtin_trap();
		fuzz_reply_check_text(rec.id);
		fuzz_reply_check_text(rec.user);
		fuzz_reply_check_text(rec.host);
		fuzz_reply_check_text(rec.cmd);
		fuzz_reply_check_text(rec.nodes);
		fuzz_reply_check_text(rec.result);
		fuzz_reply_check_text(rec.said);
		fuzz_reply_check_text(rec.stream_id);
	}
	fuzz_reply_free(r);
	return 0;
}
