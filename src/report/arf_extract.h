/*
 * arf_extract.h - one attachment of a failure report's sample, out of the
 * archived message (arf_extract.c).
 *
 *   arf_attachment_extract(p, n, sha256, size, out_max, &out, &outlen, err, errlen)
 *       The first part of message p..n (walked as arf.c walks it) whose
 *       decoded bytes have this size and sha256 (hex, as the model lists
 *       them).  0: *out (malloc'd, the caller frees) and *outlen; 1: no part
 *       matches; -1: the message cannot be read, or size > out_max (err set).
 */
#ifndef DS_ARF_EXTRACT_H
#define DS_ARF_EXTRACT_H

#include <stddef.h>
#include <stdint.h>

int arf_attachment_extract(const unsigned char *p, size_t n, const char *sha256, uint64_t size,
    size_t out_max, unsigned char **out, size_t *outlen, char *err, size_t errlen);

#endif
