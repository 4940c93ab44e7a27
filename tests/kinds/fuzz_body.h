/*
 * fuzz_body.h - one fuzz iteration of each report kind, shared by the
 * libFuzzer harnesses (fuzz_arf.c, fuzz_tlsrpt.c) and by kindtool's corpus
 * replay, so that `make check` replays exactly what was fuzzed.
 *
 * Each runs the parse with small caps, builds and dumps the model's JSON
 * (which fails on invalid UTF-8), computes the identity, and frees.  For a
 * failure report, every attachment the model lists must come back out of the
 * same bytes through arf_attachment_extract() (the portal's download) with
 * the listed size and SHA-256.  A broken invariant calls abort().  Only static
 * functions: include once per program.
 */
#ifndef DS_FUZZ_BODY_H
#define DS_FUZZ_BODY_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/arf.h"
#include "report/arf_extract.h"
#include "report/tlsrpt.h"
#include "util/sha256.h"

#define KZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n",	\
		    #cond, __FILE__, __LINE__);				\
		abort();						\
	}								\
} while (0)

static void
kz_model(const dm_kind *k, void *model)
{
	char key[DM_KIND_KEYLEN];
	json_t *j = k->to_json(model);
	char *s;

	KZ_CHECK(j != NULL);
	s = json_dumps(j, JSON_COMPACT);
	KZ_CHECK(s != NULL);	/* every string in the model is valid UTF-8 */
	free(s);
	json_decref(j);
	k->identity(model, key);
	KZ_CHECK(key[0] != '\0' && strchr(key, ':') != NULL);
	k->free_model(model);
}

/* Every attachment listed in the failure model m comes back out of data. */
static void
kz_attachments(const uint8_t *data, size_t size, const void *m)
{
	json_t *j = dm_kind_failure.to_json(m), *a;
	size_t i;

	KZ_CHECK(j != NULL);
	json_array_foreach(json_object_get(j, "attachments"), i, a) {
		const char *want = json_string_value(json_object_get(a, "sha256"));
		json_int_t n = json_integer_value(json_object_get(a, "size"));
		unsigned char *out = NULL;
		size_t outlen = 0;
		char hex[SHA256_HEXLEN], err[300] = "";
		int rc;

		KZ_CHECK(want != NULL && n >= 0);
		rc = arf_attachment_extract(data, size, want, (uint64_t)n, (size_t)n + 1, &out,
		    &outlen, err, sizeof(err));
		if (rc != 0)
			fprintf(stderr, "attachment %zu (%s) not extracted: rc %d %s\n", i, want,
			    rc, err);
		KZ_CHECK(rc == 0 && outlen == (size_t)n);
		sha256_hex(out, outlen, hex);
		KZ_CHECK(strcmp(hex, want) == 0);
		free(out);
	}
	json_decref(j);
}

__attribute__((unused)) static void
kz_arf(const uint8_t *data, size_t size)
{
	dm_kind_limits lim = { 1u << 20, 200, 8, 100, 100, 0 };
	char err[300] = "";
	void *m = NULL;
	int rc = dm_kind_failure.parse(data, size, &lim, &m, err, sizeof(err));

	if (rc == DM_KERR_OK) {
		KZ_CHECK(m != NULL);
		kz_attachments(data, size, m);
		kz_model(&dm_kind_failure, m);
	} else {
		KZ_CHECK(m == NULL && err[0] != '\0');
	}
}

__attribute__((unused)) static void
kz_tlsrpt(const uint8_t *data, size_t size)
{
	dm_kind_limits lim = { 1u << 20, 0, 0, 0, 50, 200 };
	char err[300] = "";
	void *m = NULL;
	int rc = dm_kind_tlsrpt.parse(data, size, &lim, &m, err, sizeof(err));
	unsigned char *json = NULL;
	size_t jl = 0;

	if (rc == DM_KERR_OK) {
		KZ_CHECK(m != NULL);
		kz_model(&dm_kind_tlsrpt, m);
	} else {
		KZ_CHECK(m == NULL && err[0] != '\0');
	}
	/* the same bytes as a TLS-RPT mail */
	if (size > 0 && data[0] != '{' &&
	    tlsrpt_from_mail(data, size, 1u << 20, &json, &jl, err, sizeof(err)) == 0) {
		if (dm_kind_tlsrpt.parse(json, jl, &lim, &m, err, sizeof(err)) == DM_KERR_OK)
			kz_model(&dm_kind_tlsrpt, m);
		free(json);
	}
}

#endif
