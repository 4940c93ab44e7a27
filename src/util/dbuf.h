/*
 * dbuf.h - a growable byte buffer with a hard size cap (after curl's dynbuf).
 *
 * Exports:
 *   dbuf_init(b, max)        empty buffer that refuses to grow past max bytes
 *   dbuf_add(b, p, n)        append; DBUF_OK or DBUF_TOOBIG (no change on error)
 *   dbuf_addc(b, c)          append one byte
 *   dbuf_addstr(b, s)        append a C string
 *   dbuf_printf(b, fmt, ...) append formatted text (truncation counts as TOOBIG)
 *   dbuf_cstr(b)             contents as a NUL-terminated string (never NULL)
 *   dbuf_reset(b)            length 0, keeps memory
 *   dbuf_free(b)             release memory; safe on a zeroed or freed buffer
 *   dbuf_steal(b, &len)      hand the malloc'd contents to the caller; buffer becomes empty
 *   dbuf_json_str(b, s)      append s as a JSON string literal
 *
 * Ownership: the buffer owns data until dbuf_free or dbuf_steal.  Out of memory
 * is fatal (see log.h); the only recoverable error is the cap.
 */
#ifndef DS_DBUF_H
#define DS_DBUF_H

#include <stddef.h>

#define DBUF_OK 0
#define DBUF_TOOBIG (-1)

typedef struct dbuf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
} dbuf;

void dbuf_init(dbuf *b, size_t max);
int dbuf_add(dbuf *b, const void *p, size_t n);
int dbuf_addc(dbuf *b, char c);
int dbuf_addstr(dbuf *b, const char *s);
int dbuf_printf(dbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *dbuf_cstr(dbuf *b);
void dbuf_reset(dbuf *b);
void dbuf_free(dbuf *b);
char *dbuf_steal(dbuf *b, size_t *lenp);
/* Append s as a JSON string literal (quotes, escapes, control chars as \uXXXX). */
int dbuf_json_str(dbuf *b, const char *s);

#endif
