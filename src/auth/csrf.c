/*
 * csrf.c - CSRF tokens bound to a login session (see session.h): the token
 * is HMAC-SHA256 keyed with the session's secret over "csrf:" and the
 * session's id hash, base64url; checking compares in constant time.
 *
 * Exports: csrf_token, csrf_check.
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "auth.h"
#include "session.h"

int
csrf_token(const auth_session *s, char *out, size_t len)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	char msg[5 + SHA256_HEXLEN];
	size_t klen = strlen(s->csrf);

	if (klen < 32 || s->id_hash[0] == '\0' || len < CSRF_TOKEN_LEN)
		return -1;
	memcpy(msg, "csrf:", 5);
	memcpy(msg + 5, s->id_hash, SHA256_HEXLEN - 1);
	if (HMAC(EVP_sha256(), s->csrf, (int)klen, (const unsigned char *)msg,
	    5 + SHA256_HEXLEN - 1, mac, &n) == NULL || n != 32)
		return -1;
	return auth_b64url(mac, n, out, len);
}

int
csrf_check(const auth_session *s, const char *presented)
{
	char want[CSRF_TOKEN_LEN];

	if (presented == NULL || csrf_token(s, want, sizeof(want)) != 0)
		return 0;
	return auth_ct_equal(want, strlen(want), presented, strlen(presented));
}
