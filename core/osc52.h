/* The terminal's clipboard: OSC 52, as xterm, tmux and most terminals
 * take it (ESC ] 52 ; c ; BASE64 ST). */
#ifndef MAILNOC_OSC52_H
#define MAILNOC_OSC52_H

#include <stddef.h>

/* Bytes the sequence of `n` bytes of text needs, with its NUL. */
size_t osc52_size(size_t n);

/*
 * Writes the sequence that puts `text` into the clipboard ("c") into out:
 * ESC ] 52 ; c ; the base64 of text (RFC 4648, padded) ESC \. Returns its
 * length, or -1 when it does not fit in `len` (out is then "").
 */
int osc52_encode(const char *text, char *out, size_t len);

#endif
