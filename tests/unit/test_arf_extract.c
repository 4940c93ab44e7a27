/*
 * test_arf_extract.c - unit tests for src/report/arf_extract.c: every
 * attachment arf_parse lists comes back out of the message with exactly the
 * size and sha256 the model gives, for every failure report of
 * tests/kinds/cases (input.eml) and ../shared/corpus/real/failure (when
 * present), a forwarded message/rfc822 attachment included; an unknown
 * checksum walks the whole tree and answers "not found"; caps hold.
 * Run from the repository root (as scripts/check.sh does).
 */
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "intake/mime.h"
#include "report/arf.h"
#include "report/arf_extract.h"
#include "util/sha256.h"

static unsigned char *
slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p = NULL;
	size_t cap = 0, len = 0, k;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (len + 65536 > cap) {
			cap = (cap + 65536) * 2;
			p = realloc(p, cap);
			assert_non_null(p);
		}
		if ((k = fread(p + len, 1, cap - len, f)) == 0)
			break;
		len += k;
	}
	fclose(f);
	*n = len;
	return p;
}

/* Every attachment of the message p..n out again, byte for byte; returns
 * how many.  A message arf_parse refuses must not crash the walk either. */
static unsigned
check_message(const char *name, const unsigned char *p, size_t n)
{
	arf_report *r = NULL;
	char err[256], hex[SHA256_HEXLEN];
	unsigned char *out;
	size_t len;
	unsigned k = 0;
	int rc;

	rc = arf_parse(p, n, NULL, &r, err, sizeof(err));
	/* a checksum no part has: the whole tree is walked, nothing found */
	rc = arf_attachment_extract(p, n, "0000000000000000000000000000000000000000000000000000000000000000",
	    1, 1 << 20, &out, &len, err, sizeof(err));
	if (rc == 0)
		fail_msg("%s: a part matched an impossible checksum", name);
	assert_null(out);
	if (r == NULL)
		return 0;
	for (unsigned i = 0; i < r->natts; i++) {
		rc = arf_attachment_extract(p, n, r->atts[i].sha256, r->atts[i].size, 16 << 20, &out,
		    &len, err, sizeof(err));
		if (rc != 0)
			fail_msg("%s: attachment %u (%s) not extracted: %s", name, i,
			    r->atts[i].name ? r->atts[i].name : "-", err);
		assert_int_equal(len, r->atts[i].size);
		sha256_hex(len ? (const void *)out : "", len, hex);
		assert_string_equal(hex, r->atts[i].sha256);
		free(out);
		k++;
	}
	arf_free(r);
	return k;
}

static void
test_cases(void **state)
{
	const char *const pats[] = { "tests/kinds/cases/*/input.eml",
	    "../shared/corpus/real/failure/*" };
	unsigned files = 0, atts = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		glob_t g;

		if (glob(pats[i], 0, NULL, &g) != 0)
			continue;
		for (size_t j = 0; j < g.gl_pathc; j++) {
			size_t n = 0;
			unsigned char *p = slurp(g.gl_pathv[j], &n);

			assert_non_null(p);
			atts += check_message(g.gl_pathv[j], p, n);
			files++;
			free(p);
		}
		globfree(&g);
	}
	if (files < 10)
		fail_msg("only %u messages found: run from the repository root", files);
	/* cap-arf-attachments (100) and hostile-attachment-exe (2) at least */
	assert_true(atts >= 102);
}

static const char FORWARDED[] =
    "From: dmarc@receiver.example\r\n"
    "To: rua@example.com\r\n"
    "Subject: DMARC Failure Report for example.com\r\n"
    "Date: Tue, 02 Jan 2024 10:05:00 +0000\r\n"
    "Message-ID: <fwd-1@receiver.example>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/report; report-type=feedback-report; boundary=\"b1\"\r\n"
    "\r\n"
    "--b1\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "A failure report.\r\n"
    "--b1\r\n"
    "Content-Type: message/feedback-report\r\n"
    "\r\n"
    "Feedback-Type: auth-failure\r\n"
    "Version: 1\r\n"
    "Auth-Failure: dmarc\r\n"
    "Source-IP: 192.0.2.10\r\n"
    "Reported-Domain: example.com\r\n"
    "\r\n"
    "--b1\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "From: billing@example.com\r\n"
    "Subject: Invoice\r\n"
    "Message-ID: <s-1@attacker.example>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b2\"\r\n"
    "\r\n"
    "--b2\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "See attached.\r\n"
    "--b2\r\n"
    "Content-Type: message/rfc822\r\n"
    "Content-Disposition: attachment; filename=\"fwd.eml\"\r\n"
    "\r\n"
    "From: a@b.example\r\n"
    "Subject: inner\r\n"
    "Content-Type: multipart/mixed; boundary=\"b3\"\r\n"
    "\r\n"
    "--b3\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "inner text\r\n"
    "--b3\r\n"
    "Content-Type: application/octet-stream\r\n"
    "Content-Disposition: attachment; filename=\"inner.bin\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "AAECAwQFBgcICQ==\r\n"
    "--b3--\r\n"
    "--b2\r\n"
    "Content-Type: application/zip\r\n"
    "Content-Disposition: attachment; filename=\"=?UTF-8?B?6KuL5rGC5pu4LnppcA==?=\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "UEsDBAoAAAAAAA==\r\n"
    "--b2--\r\n"
    "--b1--\r\n";

static void
test_forwarded(void **state)
{
	(void)state;
	/* fwd.eml (as a whole), inner.bin inside it, the zip */
	assert_int_equal(check_message("forwarded", (const unsigned char *)FORWARDED,
	    sizeof(FORWARDED) - 1), 3);
}

static void
test_caps(void **state)
{
	arf_report *r = NULL;
	char err[256];
	unsigned char *out = (unsigned char *)"x";
	size_t len = 7;
	const unsigned char *p = (const unsigned char *)FORWARDED;
	size_t n = sizeof(FORWARDED) - 1;

	(void)state;
	assert_int_equal(arf_parse(p, n, NULL, &r, err, sizeof(err)), DM_KERR_OK);
	assert_true(r->natts >= 1);
	/* larger than out_max: refused, nothing returned */
	assert_int_equal(arf_attachment_extract(p, n, r->atts[0].sha256, r->atts[0].size, 1, &out,
	    &len, err, sizeof(err)), -1);
	assert_null(out);
	assert_int_equal(len, 0);
	/* a malformed checksum */
	assert_int_equal(arf_attachment_extract(p, n, "abc", 1, 100, &out, &len, err,
	    sizeof(err)), -1);
	/* the right checksum with the wrong size: not that part */
	assert_int_equal(arf_attachment_extract(p, n, r->atts[0].sha256, r->atts[0].size + 1,
	    1 << 20, &out, &len, err, sizeof(err)), 1);
	/* not a message at all */
	assert_int_not_equal(arf_attachment_extract((const unsigned char *)"", 0, r->atts[0].sha256,
	    r->atts[0].size, 1 << 20, &out, &len, err, sizeof(err)), 0);
	arf_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_forwarded),
		cmocka_unit_test(test_caps),
	};

	mime_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
