/*
 * utf8fix.h - streaming repair of text that claims to be UTF-8.
 *
 * Applied to report XML before expat sees it, so that a stray Latin-1 or
 * cp1252 byte (0x91, "Sue\xf1o") or a C0 control (Yahoo's BEL) does not make
 * the whole report unparseable.  It is an encoding filter, not an XML scanner:
 * it never looks at markup.
 *
 *   - a UTF-8 BOM at the very start is removed, however the first chunks
 *     cut it (a start that is only EF or EF BB is held back until the next
 *     byte tells whether it is a BOM; if not, it is repaired as usual);
 *   - every byte that does not start a valid UTF-8 sequence (overlongs,
 *     surrogates and values above U+10FFFF included) is read as cp1252 and
 *     re-encoded as UTF-8;
 *   - C0 controls other than TAB, LF and CR, which XML 1.0 forbids, are dropped.
 *
 * Exports:
 *   utf8fix_init(st)            start a new document
 *   utf8fix_run(st, in, n, final, &outlen)
 *        returns a pointer to repaired bytes: `in` itself when the chunk needed
 *        nothing (the common case: no copy), else an internal buffer valid
 *        until the next call.  An incomplete sequence at the end of a chunk is
 *        carried over; pass final=1 with the last chunk to flush it.
 *   utf8fix_free(st)            release the internal buffer
 * Counters in the struct say what was repaired (for the report's warnings).
 */
#ifndef DS_UTF8FIX_H
#define DS_UTF8FIX_H

#include <stddef.h>

#include "dbuf.h"

typedef struct utf8fix {
	unsigned char carry[4];
	size_t ncarry;
	int started;		/* the BOM check at the start is done */
	unsigned long bom;
	unsigned long invalid;
	unsigned long controls;
	dbuf out;
} utf8fix;

void utf8fix_init(utf8fix *st);
const char *utf8fix_run(utf8fix *st, const char *in, size_t n, int final, size_t *outlen);
void utf8fix_free(utf8fix *st);

/*
 * Length of s[0..n) without a trailing incomplete UTF-8 sequence, so that a
 * byte-limited cut never leaves half a character.
 */
size_t utf8_clip(const char *s, size_t n);

#endif
