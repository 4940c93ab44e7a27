/*
 * auth.c - the helpers of auth.h: clock, randomness, base64url, names,
 * roles, constant-time comparison.
 *
 * Exports: see auth.h.
 */
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "auth.h"
#include "../util/domain.h"

static int64_t (*clock_fn)(void);

int64_t
auth_now(void)
{
	return clock_fn != NULL ? clock_fn() : (int64_t)time(NULL);
}

void
auth_clock_set(int64_t (*fn)(void))
{
	clock_fn = fn;
}

int
auth_random(void *p, size_t n)
{
	unsigned char *b = p;

	while (n > 0) {
		ssize_t got = getrandom(b, n, 0);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		b += got;
		n -= (size_t)got;
	}
	return 0;
}

int
auth_b64url(const void *p, size_t n, char *out, size_t len)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const unsigned char *b = p;
	size_t o = 0;

	if (len < (n * 4 + 2) / 3 + 1)
		return -1;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)b[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)b[i + 1] << 8;
		if (i + 2 < n)
			v |= b[i + 2];
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		if (i + 1 < n)
			out[o++] = tab[(v >> 6) & 63];
		if (i + 2 < n)
			out[o++] = tab[v & 63];
	}
	out[o] = '\0';
	return 0;
}

int
auth_norm_name(const char *in, char *out, size_t len, const char *what, char *err,
    size_t errlen)
{
	size_t n = in != NULL ? strlen(in) : 0;

	if (n == 0 || n > 64 || n >= len) {
		snprintf(err, errlen, "%s name must be 1 to 64 characters", what);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + 32);
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    (i > 0 && (c == '.' || c == '_' || c == '-' || c == '@')))) {
			snprintf(err, errlen, "%s name '%.64s': only letters, digits and . _ - @ "
			    "(not first) are allowed", what, in);
			return -1;
		}
		out[i] = (char)c;
	}
	out[n] = '\0';
	return 0;
}

int
auth_norm_domain(const char *in, char *out, size_t len, char *err, size_t errlen)
{
	size_t n = in != NULL ? strlen(in) : 0;

	if (n > 0 && in[n - 1] == '.')
		n--;
	if (n == 0 || n >= len || n > 253) {
		snprintf(err, errlen, "not a domain name: '%.80s'", in != NULL ? in : "");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		out[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	out[n] = '\0';
	if (!domain_valid(out) || strchr(out, '.') == NULL) {
		snprintf(err, errlen, "not a domain name: '%.80s'", in);
		return -1;
	}
	return 0;
}

dm_role
role_parse(const char *s)
{
	if (s == NULL)
		return ROLE_NONE;
	if (strcmp(s, "operator") == 0)
		return ROLE_OPERATOR;
	if (strcmp(s, "admin") == 0)
		return ROLE_ADMIN;
	if (strcmp(s, "viewer") == 0)
		return ROLE_VIEWER;
	return ROLE_NONE;
}

const char *
role_name(dm_role r)
{
	switch (r) {
	case ROLE_OPERATOR: return "operator";
	case ROLE_ADMIN: return "admin";
	case ROLE_VIEWER: return "viewer";
	default: return "none";
	}
}

/* Both sides hashed, the digests compared with CRYPTO_memcmp: the time
 * depends on neither the contents nor the lengths. */
int
auth_ct_equal(const void *a, size_t la, const void *b, size_t lb)
{
	unsigned char da[EVP_MAX_MD_SIZE], db[EVP_MAX_MD_SIZE];
	unsigned na = 0, nb = 0;

	if (EVP_Digest(a, la, da, &na, EVP_sha256(), NULL) != 1 ||
	    EVP_Digest(b, lb, db, &nb, EVP_sha256(), NULL) != 1 || na != nb)
		return 0;
	return CRYPTO_memcmp(da, db, na) == 0;
}
