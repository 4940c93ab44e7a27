/*
 * test_arf.c - unit tests for src/report/arf.c (URL normalisation, defang,
 * the text URL tokenizer, identity, caps) and the TLS-RPT sniff of
 * src/report/tlsrpt.c.  The whole-report behaviour is tested by the
 * data-driven cases in tests/kinds/.
 */
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
#include "report/tlsrpt.h"

/* ---- arf_url_normalise ------------------------------------------------------ */

static void
norm_is(const char *in, const char *want)
{
	char out[4096];
	int rc = arf_url_normalise(in, out, sizeof(out));

	if (want == NULL) {
		if (rc == 0)
			fail_msg("'%s' normalised to '%s', expected a refusal", in, out);
		return;
	}
	if (rc != 0)
		fail_msg("'%s' refused, expected '%s'", in, want);
	assert_string_equal(out, want);
}

static void
test_normalise(void **state)
{
	(void)state;
	norm_is("HTTP://Example.COM", "http://example.com/");
	norm_is("https://Login.Example.CO.UK:443/A?b=C#Top", "https://login.example.co.uk/A?b=C#Top");
	norm_is("http://Example.com:8080/X", "http://example.com:8080/X");
	norm_is("http://example.com:80", "http://example.com/");
	norm_is("  www.Example.com/path  ", "http://www.example.com/path");
	norm_is("JavaScript:alert(1)", "javascript:alert(1)");
	norm_is("mailto:A@B.example", "mailto:A@B.example");
	norm_is("http://User:PW@Host.example/", "http://User:PW@host.example/");
	norm_is("http://[2001:DB8::1]:80/a", "http://[2001:db8::1]/a");
	/* IDNA is left as it is: only ASCII letters are lower-cased */
	norm_is("https://\xe6\x94\xaf\xe6\x89\x95\xe3\x81\x84.Example.JP",
	    "https://\xe6\x94\xaf\xe6\x89\x95\xe3\x81\x84.example.jp/");
	norm_is("not a url", NULL);
	norm_is("", NULL);
	norm_is("http://", NULL);
	norm_is("https:///path", NULL);
	norm_is("http://a.example/\x01", NULL);
	norm_is("1http://a.example/", NULL);
}

static void
test_normalise_limits(void **state)
{
	char *big = malloc(3001), out[16];

	(void)state;
	memcpy(big, "http://a.example/", 17);
	memset(big + 17, 'x', 3000 - 17);
	big[3000] = '\0';
	norm_is(big, NULL);	/* longer than any URL kept */
	/* too small an output buffer is a refusal, not a cut */
	assert_int_equal(arf_url_normalise("http://example.com/abcdef", out, sizeof(out)), -1);
	free(big);
}

/* ---- arf_defang ---------------------------------------------------------------- */

static void
defang_is(const char *in, const char *want)
{
	char out[512];

	assert_int_equal(arf_defang(in, out, sizeof(out)), 0);
	assert_string_equal(out, want);
}

static void
test_defang(void **state)
{
	char small[10];

	(void)state;
	defang_is("http://example.com/a.b", "hxxp://example[.]com/a.b");
	defang_is("https://a.b.example/x?y=z.w", "hxxps://a[.]b[.]example/x?y=z.w");
	defang_is("ftp://f.example/", "fxp://f[.]example/");
	defang_is("HTTP://EXAMPLE.COM/", "HXXP://EXAMPLE[.]COM/");
	defang_is("http://paypal.com@evil.example/", "hxxp://paypal[.]com[@]evil[.]example/");
	defang_is("http://203.0.113.9:8080/c", "hxxp://203[.]0[.]113[.]9:8080/c");
	defang_is("javascript:alert(1)", "javascript[:]alert(1)");
	defang_is("data:text/html,x", "data[:]text/html,x");
	defang_is("example.com/path.html", "example[.]com/path.html");
	/* cut, still terminated, and said so */
	assert_int_equal(arf_defang("http://example.com/", small, sizeof(small)), -1);
	assert_true(strlen(small) < sizeof(small));
	assert_string_equal(small, "hxxp://ex");
}

/* ---- arf_urls_from_text ----------------------------------------------------------- */

typedef struct found {
	char urls[8][128];
	int n;
} found;

static void
collect(void *ctx, const char *url, size_t len)
{
	found *f = ctx;

	if (f->n < 8 && len < 128) {
		memcpy(f->urls[f->n], url, len);
		f->urls[f->n][len] = '\0';
	}
	f->n++;
}

static void
test_text_urls(void **state)
{
	const char *t = "See (http://a.example/x). Or www.b.example, then "
	    "<https://c.example/p?q=1>; not xhttp://d.example nor https:// alone. "
	    "Wiki: https://e.example/A_(b) end";
	found f;

	(void)state;
	memset(&f, 0, sizeof(f));
	arf_urls_from_text(t, strlen(t), collect, &f);
	assert_int_equal(f.n, 4);
	assert_string_equal(f.urls[0], "http://a.example/x");
	assert_string_equal(f.urls[1], "www.b.example");
	assert_string_equal(f.urls[2], "https://c.example/p?q=1");
	assert_string_equal(f.urls[3], "https://e.example/A_(b)");
}

/* ---- arf_parse: identity, caps, kinds ------------------------------------------- */

static const char report_fmt[] =
    "From: Reports <dmarc@rcv.example>%s"
    "Subject: DMARC failure%s"
    "MIME-Version: 1.0%s"
    "Content-Type: multipart/report; report-type=feedback-report; boundary=\"B\"%s"
    "%s"
    "--B%s"
    "Content-Type: message/feedback-report%s"
    "%s"
    "Feedback-Type: %s%s"
    "Arrival-Date: Tue, 02 Jan 2024 10:00:00 +0000%s"
    "Source-IP: 192.0.2.1%s"
    "%s"
    "--B%s"
    "Content-Type: text/rfc822-headers%s"
    "%s"
    "From: a@example.com%s"
    "Message-ID: <m1@example.com>%s"
    "%s"
    "--B--%s";

static char *
report(const char *nl, const char *type)
{
	char *buf = malloc(4096);

	snprintf(buf, 4096, report_fmt, nl, nl, nl, nl, nl, nl, nl, nl, type, nl, nl, nl, nl, nl,
	    nl, nl, nl, nl, nl, nl);
	return buf;
}

static void
test_identity_crlf_lf(void **state)
{
	char *a = report("\n", "auth-failure"), *b = report("\r\n", "auth-failure");
	arf_report *ra = NULL, *rb = NULL;
	char err[200], ka[DM_KIND_KEYLEN], kb[DM_KIND_KEYLEN];

	(void)state;
	assert_int_equal(arf_parse((unsigned char *)a, strlen(a), NULL, &ra, err, sizeof(err)),
	    DM_KERR_OK);
	assert_int_equal(arf_parse((unsigned char *)b, strlen(b), NULL, &rb, err, sizeof(err)),
	    DM_KERR_OK);
	arf_identity(ra, ka);
	arf_identity(rb, kb);
	assert_string_equal(ka, kb);
	assert_true(strncmp(ka, "failure:", 8) == 0);
	assert_string_not_equal(ra->bytes_sha256, rb->bytes_sha256);
	assert_string_equal(ra->source_ip, "192.0.2.1");
	assert_int_equal(ra->arrival_time, 1704189600);
	assert_int_equal(ra->sample_kind, ARF_SAMPLE_HEADERS);
	assert_true(ra->is_dmarc_failure);
	arf_free(ra);
	arf_free(rb);
	free(a);
	free(b);
}

static void
test_abuse_and_caps(void **state)
{
	char *a = report("\n", "Abuse");
	arf_report *r = NULL;
	arf_limits lim;
	char err[200] = "";

	(void)state;
	assert_int_equal(arf_parse((unsigned char *)a, strlen(a), NULL, &r, err, sizeof(err)),
	    DM_KERR_OK);
	assert_string_equal(r->kind, "abuse");
	assert_false(r->is_dmarc_failure);
	arf_free(r);

	arf_limits_default(&lim);
	lim.max_bytes = 100;
	r = (arf_report *)1;
	assert_int_equal(arf_parse((unsigned char *)a, strlen(a), &lim, &r, err, sizeof(err)),
	    DM_KERR_LIMIT);
	assert_null(r);
	assert_non_null(strstr(err, "100-byte cap"));

	arf_limits_default(&lim);
	lim.max_parts = 2;
	assert_int_equal(arf_parse((unsigned char *)a, strlen(a), &lim, &r, err, sizeof(err)),
	    DM_KERR_LIMIT);
	assert_non_null(strstr(err, "more than 2 MIME parts"));
	free(a);
}

static void
test_not_report(void **state)
{
	const char *m = "From: a@example.com\nSubject: hello\n\nNothing to see.\n";
	arf_report *r = NULL;
	char err[200] = "";

	(void)state;
	assert_int_equal(arf_parse((const unsigned char *)m, strlen(m), NULL, &r, err,
	    sizeof(err)), DM_KERR_NOT_REPORT);
	assert_null(r);
	assert_non_null(strstr(err, "not a failure report"));
}

/* ---- sniffing ------------------------------------------------------------------- */

static void
test_sniff(void **state)
{
	dm_sniff_in in;
	const char *j1 = "  {\"organization-name\": \"x\"", *j2 = "{\"a\": 1}", *x = "<feedback>";

	(void)state;
	memset(&in, 0, sizeof(in));
	in.head = (const unsigned char *)j1;
	in.headlen = strlen(j1);
	assert_int_equal(dm_kind_tlsrpt.sniff(&in), DM_SNIFF_LIKELY);
	assert_int_equal(dm_kind_failure.sniff(&in), DM_SNIFF_NO);
	in.head = (const unsigned char *)j2;
	in.headlen = strlen(j2);
	assert_int_equal(dm_kind_tlsrpt.sniff(&in), DM_SNIFF_MAYBE);
	in.head = (const unsigned char *)x;
	in.headlen = strlen(x);
	assert_int_equal(dm_kind_tlsrpt.sniff(&in), DM_SNIFF_NO);
	in.is_message = 1;
	in.report_type = "feedback-report";
	assert_int_equal(dm_kind_failure.sniff(&in), DM_SNIFF_SURE);
	in.report_type = "tlsrpt";
	assert_int_equal(dm_kind_tlsrpt.sniff(&in), DM_SNIFF_SURE);
	assert_int_equal(dm_kind_failure.sniff(&in), DM_SNIFF_NO);
	in.report_type = NULL;
	in.subject = "[Netease DMARC Failure Report] Rent Reminder";
	assert_int_equal(dm_kind_failure.sniff(&in), DM_SNIFF_LIKELY);
}

static void
test_tlsrpt_identity_long(void **state)
{
	char doc[4096], id1[300], id2[300], k1[DM_KIND_KEYLEN], k2[DM_KIND_KEYLEN], err[200];
	tlsrpt_report *r1 = NULL, *r2 = NULL;
	const char *fmt = "{\"organization-name\": \"o\", \"date-range\": {\"start-datetime\": "
	    "\"2024-01-01T00:00:00Z\", \"end-datetime\": \"2024-01-01T23:59:59Z\"}, "
	    "\"contact-info\": \"c\", \"report-id\": \"%s\", \"policies\": []}";

	(void)state;
	/* two ids that differ only past the key's length are two reports */
	memset(id1, 'a', 250);
	id1[250] = '\0';
	memcpy(id2, id1, sizeof(id1));
	id2[249] = 'b';
	snprintf(doc, sizeof(doc), fmt, id1);
	assert_int_equal(tlsrpt_parse((unsigned char *)doc, strlen(doc), NULL, &r1, err,
	    sizeof(err)), DM_KERR_OK);
	snprintf(doc, sizeof(doc), fmt, id2);
	assert_int_equal(tlsrpt_parse((unsigned char *)doc, strlen(doc), NULL, &r2, err,
	    sizeof(err)), DM_KERR_OK);
	tlsrpt_identity(r1, k1);
	tlsrpt_identity(r2, k2);
	assert_string_not_equal(k1, k2);
	snprintf(doc, sizeof(doc), fmt, "short-id");
	tlsrpt_free(r1);
	assert_int_equal(tlsrpt_parse((unsigned char *)doc, strlen(doc), NULL, &r1, err,
	    sizeof(err)), DM_KERR_OK);
	tlsrpt_identity(r1, k1);
	assert_string_equal(k1, "tlsrpt:short-id");
	tlsrpt_free(r1);
	tlsrpt_free(r2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalise),
		cmocka_unit_test(test_normalise_limits),
		cmocka_unit_test(test_defang),
		cmocka_unit_test(test_text_urls),
		cmocka_unit_test(test_identity_crlf_lf),
		cmocka_unit_test(test_abuse_and_caps),
		cmocka_unit_test(test_not_report),
		cmocka_unit_test(test_sniff),
		cmocka_unit_test(test_tlsrpt_identity_long),
	};

	mime_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
