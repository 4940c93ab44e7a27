/*
 * numfmt.h - numbers as people read them.
 *
 * Exports:
 *   fmt_group(v, buf, len)   v with a comma every three digits ("18,456",
 *                            "-1,024") in buf; returns buf.  Never writes
 *                            more than len bytes; 32 bytes always suffice.
 */
#ifndef DS_NUMFMT_H
#define DS_NUMFMT_H

#include <stddef.h>
#include <stdint.h>

const char *fmt_group(int64_t v, char *buf, size_t len);

#endif
