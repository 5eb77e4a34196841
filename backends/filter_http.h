/* A small HTTP/1.0 GET to the filter's controller on loopback, with one
 * deadline for the whole exchange (connect, send, read). */
#ifndef MAILNOC_BACKENDS_FILTER_HTTP_H
#define MAILNOC_BACKENDS_FILTER_HTTP_H

#include <stddef.h>

/* The largest answer read; a longer one is an error. */
#define FILTER_HTTP_MAX (4u << 20)

/*
 * GETs `path` from host:port (an IP literal), sending `password` in the
 * Password header when not NULL, and waits at most timeout_ms in all.
 * On success *body is the answer's body (allocated, NUL-terminated,
 * free it) of *len bytes and 0 is returned. Returns -1 with `cause` set
 * ("timed out after 1000 ms", "connection refused", "answered HTTP 403",
 * "the answer is not HTTP") and *body NULL.
 */
int filter_http_get(const char *host, int port, const char *path,
    const char *password, int timeout_ms, char **body, size_t *len,
    char *cause, size_t clen);

#endif
