/* Fuzzes the DNSBL answer readers (A and TXT records as a resolver hands
 * them over), the listing state machine and the published JSON form. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/dnsbl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_RECORDS 8

/* The input: rcode byte, then records of a length byte and its bytes. */
static size_t
fuzz_records(const uint8_t *data, size_t size, char **rec, int *len)
{
	size_t off = 0, n = 0, l;

	while (off < size && n < FUZZ_RECORDS) {
		l = data[off++];
		if (l > size - off)
			l = size - off;
		rec[n] = malloc(l + 1);
		memcpy(rec[n], data + off, l);
		len[n++] = (int)l;
		off += l;
	}
	return n;
}

static void
fuzz_clean(const char *s, size_t max)
{
	size_t i, n = strlen(s);

	if (n >= max)
		__builtin_trap();
	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			__builtin_trap();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *rec[FUZZ_RECORDS], field[DNSBL_IP_MAX + DNSBL_ZONE_MAX + 2];
	char cause[256], *text, *copy;
	int len[FUZZ_RECORDS];
	struct dnsbl_answer a;
	struct dnsbl_entry e, back;
	size_t n, i;
	json_t *j;

	if (size == 0)
		return 0;
	n = fuzz_records(data + 1, size - 1, rec, len);
	dnsbl_read_a(&a, data[0] % 6, rec, len, n, 300);
	if (a.outcome == DNSBL_FOUND_LISTED)
		dnsbl_read_txt(&a, rec, len, n);
	fuzz_clean(a.reason, DNSBL_REASON_MAX);
	fuzz_clean(a.error, DNSBL_ERROR_MAX);
	fuzz_clean(a.code, DNSBL_CODE_MAX);
	/* The TXT reader alone, on any records. */
	dnsbl_read_txt(&a, rec, len, n);
	fuzz_clean(a.reason, DNSBL_REASON_MAX);

	memset(&e, 0, sizeof e);
	memcpy(e.ip, "192.0.2.1", 10);
	memcpy(e.zone, "bl.example.org", 15);
	(void)dnsbl_entry_apply(&e, &a, 1000);
	j = dnsbl_entry_json(&e);
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	dnsbl_entry_field(&e, field, sizeof field);
	if (text == NULL || dnsbl_entry_parse(&back, field, text, cause,
	    sizeof cause) != 0 || back.state != e.state)
		__builtin_trap();
	free(text);

	/* The whole input as a published value and as a field. */
	copy = malloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = '\0';
	if (dnsbl_entry_parse(&back, field, copy, cause, sizeof cause) == 0) {
		fuzz_clean(back.reason, DNSBL_REASON_MAX);
		fuzz_clean(back.error, DNSBL_ERROR_MAX);
	}
	(void)dnsbl_entry_parse(&back, copy, "{}", cause, sizeof cause);
	free(copy);
	for (i = 0; i < n; i++)
		free(rec[i]);
	return 0;
}
