/* The OSC 52 sequence that sets the terminal's clipboard. */
#include "core/osc52.h"

#include <string.h>

static const char osc52_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

#define OSC52_HEAD "\033]52;c;"
#define OSC52_TAIL "\033\\"

size_t
osc52_size(size_t n)
{
	return sizeof OSC52_HEAD - 1 + (n + 2) / 3 * 4 + sizeof OSC52_TAIL;
}

int
osc52_encode(const char *text, char *out, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t n = strlen(text), i, o;
	unsigned v;

	if (len == 0)
		return -1;
	out[0] = '\0';
	if (osc52_size(n) > len || osc52_size(n) > (size_t)1 << 30)
		return -1;
	memcpy(out, OSC52_HEAD, sizeof OSC52_HEAD - 1);
	o = sizeof OSC52_HEAD - 1;
	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		out[o++] = osc52_b64[v >> 18 & 63];
		out[o++] = osc52_b64[v >> 12 & 63];
		out[o++] = osc52_b64[v >> 6 & 63];
		out[o++] = osc52_b64[v & 63];
	}
	if (i < n) {
		/* One or two bytes left: padded to four characters. */
		v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0);
		out[o++] = osc52_b64[v >> 18 & 63];
		out[o++] = osc52_b64[v >> 12 & 63];
		out[o++] = i + 1 < n ? osc52_b64[v >> 6 & 63] : '=';
		out[o++] = '=';
	}
	memcpy(out + o, OSC52_TAIL, sizeof OSC52_TAIL);
	return (int)(o + sizeof OSC52_TAIL - 1);
}
