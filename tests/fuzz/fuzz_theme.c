/* Fuzzes the theme file parser (tui/theme.c), without curses. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tui/theme.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct theme_caps caps[] = {
		{ 256, 256, true, false }, { 8, 64, false, false },
		{ 8, 4, true, false }, { 256, 256, true, true },
	};
	struct theme_draw out[ROLE_COUNT];
	struct theme t;
	char cause[THEME_CAUSE_MAX];
	char *text;
	size_t i;

	if (size > THEME_FILE_MAX)
		return 0;
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	if (theme_parse(text, "fuzz.theme", &t, cause, sizeof cause) == 0) {
		for (i = 0; i < sizeof caps / sizeof caps[0]; i++)
			theme_resolve(&t, &caps[i], out);
	}
	free(text);
	return 0;
}
