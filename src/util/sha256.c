/*
 * sha256.c - see sha256.h.  A thin wrapper over EVP so callers never see
 * OpenSSL types.
 */
#include "sha256.h"

#include <openssl/evp.h>

#include <stdlib.h>

#include "log.h"

struct sha256_ctx {
	EVP_MD_CTX *md;
};

sha256_ctx *
sha256_new(void)
{
	sha256_ctx *c = xmalloc(sizeof(*c));

	c->md = EVP_MD_CTX_new();
	if (c->md == NULL || EVP_DigestInit_ex(c->md, EVP_sha256(), NULL) != 1)
		fatalx("cannot initialise SHA-256");
	return c;
}

void
sha256_update(sha256_ctx *c, const void *p, size_t n)
{
	if (n > 0)
		EVP_DigestUpdate(c->md, p, n);
}

void
sha256_final_hex(sha256_ctx *c, char out[SHA256_HEXLEN])
{
	unsigned char d[32];
	unsigned int len = 0;
	static const char hx[] = "0123456789abcdef";

	EVP_DigestFinal_ex(c->md, d, &len);
	for (unsigned i = 0; i < 32; i++) {
		out[2 * i] = hx[d[i] >> 4];
		out[2 * i + 1] = hx[d[i] & 15];
	}
	out[64] = '\0';
	EVP_MD_CTX_free(c->md);
	free(c);
}

void
sha256_hex(const void *p, size_t n, char out[SHA256_HEXLEN])
{
	sha256_ctx *c = sha256_new();

	sha256_update(c, p, n);
	sha256_final_hex(c, out);
}
