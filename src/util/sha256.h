/*
 * sha256.h - incremental SHA-256 (OpenSSL's libcrypto, which uses SHA-NI
 * where the CPU has it).
 *
 * Exports:
 *   sha256_new()                 context, or fatal on out-of-memory
 *   sha256_update(c, p, n)
 *   sha256_final_hex(c, out)     writes 64 hex chars + NUL, frees the context
 *   sha256_hex(p, n, out)        one-shot
 */
#ifndef DS_SHA256_H
#define DS_SHA256_H

#include <stddef.h>

#define SHA256_HEXLEN 65

typedef struct sha256_ctx sha256_ctx;

sha256_ctx *sha256_new(void);
void sha256_update(sha256_ctx *c, const void *p, size_t n);
void sha256_final_hex(sha256_ctx *c, char out[SHA256_HEXLEN]);
void sha256_hex(const void *p, size_t n, char out[SHA256_HEXLEN]);

#endif
