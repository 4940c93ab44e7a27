/*
 * test_report.c - unit tests for src/report/report.c: the enum tables, the
 * notes (warnings/errors) and dm_report_key normalisation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report/report.h"
#include "util/log.h"

/* ---- enum tables -------------------------------------------------------- */

struct enum_case {
	const char *in;
	int want;
};

#define NCASES(a) (sizeof(a) / sizeof((a)[0]))

static const struct enum_case disp_cases[] = {
	{ "none", DM_DISP_NONE }, { "None", DM_DISP_NONE }, { "NONE", DM_DISP_NONE },
	{ "pass", DM_DISP_PASS }, { "quarantine", DM_DISP_QUARANTINE },
	{ "QuaRANtine", DM_DISP_QUARANTINE }, { "reject", DM_DISP_REJECT },
	{ "  reject\n", DM_DISP_REJECT }, { "\tnone \r\n", DM_DISP_NONE },
	{ "rejected", DM_DISP_UNKNOWN }, { "no ne", DM_DISP_UNKNOWN },
	{ "", DM_DISP_UNKNOWN }, { "   ", DM_DISP_UNKNOWN }, { "fail", DM_DISP_UNKNOWN },
};

static const struct enum_case verdict_cases[] = {
	{ "pass", DM_VERDICT_PASS }, { "PASS", DM_VERDICT_PASS }, { " Pass ", DM_VERDICT_PASS },
	{ "fail", DM_VERDICT_FAIL }, { "Fail\n", DM_VERDICT_FAIL },
	{ "softfail", DM_VERDICT_UNKNOWN }, { "", DM_VERDICT_UNKNOWN },
	{ "passed", DM_VERDICT_UNKNOWN },
};

static const struct enum_case auth_cases[] = {
	{ "none", DM_AUTH_NONE }, { "pass", DM_AUTH_PASS }, { "PASS", DM_AUTH_PASS },
	{ "fail", DM_AUTH_FAIL }, { "hardfail", DM_AUTH_FAIL }, { "HardFail", DM_AUTH_FAIL },
	{ "softfail", DM_AUTH_SOFTFAIL }, { "SoftFail", DM_AUTH_SOFTFAIL },
	{ "neutral", DM_AUTH_NEUTRAL }, { "policy", DM_AUTH_POLICY },
	{ "temperror", DM_AUTH_TEMPERROR }, { "TempError", DM_AUTH_TEMPERROR },
	{ "unknown", DM_AUTH_TEMPERROR }, { "UNKNOWN", DM_AUTH_TEMPERROR },
	{ "permerror", DM_AUTH_PERMERROR }, { "error", DM_AUTH_PERMERROR },
	{ "Error", DM_AUTH_PERMERROR }, { " \tpass\n ", DM_AUTH_PASS },
	{ "passs", DM_AUTH_UNKNOWN }, { "temp error", DM_AUTH_UNKNOWN },
	{ "", DM_AUTH_UNKNOWN },
	/* longer than the parser's scratch buffer: unknown, not truncated-matched */
	{ "passpasspasspasspasspasspasspasspass", DM_AUTH_UNKNOWN },
};

static const struct enum_case reason_cases[] = {
	{ "forwarded", DM_REASON_FORWARDED }, { "sampled_out", DM_REASON_SAMPLED_OUT },
	{ "trusted_forwarder", DM_REASON_TRUSTED_FORWARDER },
	{ "mailing_list", DM_REASON_MAILING_LIST }, { "Mailing_List", DM_REASON_MAILING_LIST },
	{ "local_policy", DM_REASON_LOCAL_POLICY }, { " LOCAL_POLICY ", DM_REASON_LOCAL_POLICY },
	{ "other", DM_REASON_OTHER }, { "policy_test_mode", DM_REASON_POLICY_TEST_MODE },
	{ "local-policy", DM_REASON_UNKNOWN }, { "", DM_REASON_UNKNOWN },
};

static const struct enum_case align_cases[] = {
	{ "r", DM_ALIGN_RELAXED }, { "R", DM_ALIGN_RELAXED }, { "s", DM_ALIGN_STRICT },
	{ " S ", DM_ALIGN_STRICT }, { "relaxed", DM_ALIGN_RELAXED },
	{ "Strict", DM_ALIGN_STRICT }, { "x", DM_ALIGN_UNSET }, { "", DM_ALIGN_UNSET },
};

static void
run_enum_table(const char *what, const struct enum_case *c, size_t n,
    int (*parse)(const char *))
{
	for (size_t i = 0; i < n; i++) {
		int got = parse(c[i].in);

		if (got != c[i].want)
			fail_msg("%s('%s') = %d, expected %d", what, c[i].in, got, c[i].want);
	}
	/* NULL is the "absent" value */
	assert_int_equal(parse(NULL), 0);
}

static int disp_p(const char *s) { return (int)dm_disp_parse(s); }
static int verdict_p(const char *s) { return (int)dm_verdict_parse(s); }
static int auth_p(const char *s) { return (int)dm_auth_parse(s); }
static int reason_p(const char *s) { return (int)dm_reason_parse(s); }
static int align_p(const char *s) { return (int)dm_align_parse(s); }

static void
test_enum_disposition(void **state)
{
	(void)state;
	run_enum_table("dm_disp_parse", disp_cases, NCASES(disp_cases), disp_p);
}

static void
test_enum_verdict(void **state)
{
	(void)state;
	run_enum_table("dm_verdict_parse", verdict_cases, NCASES(verdict_cases), verdict_p);
}

static void
test_enum_auth(void **state)
{
	(void)state;
	run_enum_table("dm_auth_parse", auth_cases, NCASES(auth_cases), auth_p);
}

static void
test_enum_reason(void **state)
{
	(void)state;
	run_enum_table("dm_reason_parse", reason_cases, NCASES(reason_cases), reason_p);
}

static void
test_enum_align(void **state)
{
	(void)state;
	run_enum_table("dm_align_parse", align_cases, NCASES(align_cases), align_p);
}

static void
test_enum_names_round_trip(void **state)
{
	(void)state;
	/* Every value's canonical name parses back to the value. */
	for (int d = DM_DISP_NONE; d <= DM_DISP_REJECT; d++)
		assert_int_equal(dm_disp_parse(dm_disp_name((dm_disp)d)), d);
	for (int v = DM_VERDICT_PASS; v <= DM_VERDICT_FAIL; v++)
		assert_int_equal(dm_verdict_parse(dm_verdict_name((dm_verdict)v)), v);
	for (int a = DM_AUTH_NONE; a <= DM_AUTH_PERMERROR; a++)
		assert_int_equal(dm_auth_parse(dm_auth_name((dm_auth)a)), a);
	for (int t = DM_REASON_FORWARDED; t <= DM_REASON_POLICY_TEST_MODE; t++)
		assert_int_equal(dm_reason_parse(dm_reason_name((dm_reason_type)t)), t);
	for (int a = DM_ALIGN_RELAXED; a <= DM_ALIGN_STRICT; a++)
		assert_int_equal(dm_align_parse(dm_align_name((dm_align)a)), a);
	/* Names are canonical lower case; the unknown/unset value is "". */
	assert_string_equal(dm_auth_name(DM_AUTH_TEMPERROR), "temperror");
	assert_string_equal(dm_auth_name(DM_AUTH_PERMERROR), "permerror");
	assert_string_equal(dm_disp_name(DM_DISP_QUARANTINE), "quarantine");
	assert_string_equal(dm_disp_name(DM_DISP_UNKNOWN), "");
	assert_string_equal(dm_auth_name(DM_AUTH_UNKNOWN), "");
	assert_string_equal(dm_align_name(DM_ALIGN_UNSET), "");
	/* Out-of-range values do not index past the tables. */
	assert_string_equal(dm_disp_name((dm_disp)99), "");
	assert_string_equal(dm_verdict_name((dm_verdict)99), "");
	assert_string_equal(dm_auth_name((dm_auth)99), "");
	assert_string_equal(dm_reason_name((dm_reason_type)99), "");
	assert_string_equal(dm_align_name((dm_align)99), "");
	assert_string_equal(dm_schema_name(DM_SCHEMA_DRAFT), "draft");
	assert_string_equal(dm_schema_name(DM_SCHEMA_RFC7489), "rfc7489");
	assert_string_equal(dm_schema_name(DM_SCHEMA_RFC9990), "rfc9990");
	assert_string_equal(dm_schema_name((dm_schema)99), "draft");
}

/* ---- notes ---------------------------------------------------------------- */

static void
test_report_notes(void **state)
{
	dm_report r;

	(void)state;
	dm_report_init(&r);
	assert_int_equal(r.policy.pct, -1);
	dm_report_warn(&r, "a %s warning", "first");
	dm_report_warn(&r, "a %s warning", "first");	/* exact repeat collapsed */
	dm_report_warn(&r, "bell\a and newline\n masked");
	dm_report_error(&r, "record %d skipped", 1);
	assert_int_equal(r.nwarnings, 2);
	assert_string_equal(r.warnings[0], "a first warning");
	assert_string_equal(r.warnings[1], "bell? and newline? masked");
	assert_int_equal(r.nerrors, 1);
	assert_string_equal(r.errors[0], "record 1 skipped");
	for (int i = 0; i < DM_MAX_NOTES + 10; i++)
		dm_report_error(&r, "error %d", i);
	assert_int_equal(r.nerrors, DM_MAX_NOTES);
	assert_int_equal(r.notes_dropped, 11);
	/* A very long note is truncated, not overflowed. */
	{
		char big[2000];

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		dm_report_warn(&r, "%s", big);
		assert_int_equal(r.nwarnings, 3);
		assert_true(strlen(r.warnings[2]) < sizeof(big) - 1);
	}
	dm_report_free(&r);
	/* free re-initialises: safe twice */
	assert_int_equal(r.nwarnings, 0);
	assert_null(r.org_name);
	dm_report_free(&r);
}

/* ---- dm_report_key ---------------------------------------------------------- */

struct key_case {
	const char *org_name, *email, *report_id, *domain;
	const char *want_org, *want_rid, *want_domain;
};

static const struct key_case key_cases[] = {
	/* org lower-cased and trimmed */
	{ "  Google.COM \n", "noreply@google.com", "123", "example.com",
	    "google.com", "123", "example.com" },
	{ "Mail.Ru", NULL, "abc", "Example.ORG", "mail.ru", "abc", "example.org" },
	/* empty org → email domain */
	{ "", "noreply-dmarc-support@Google.com", "1", "example.com",
	    "google.com", "1", "example.com" },
	{ NULL, "dmarcreport@Microsoft.COM", "x", "example.com",
	    "microsoft.com", "x", "example.com" },
	{ "   ", " dmarc@mail.example.net ", "x", "example.com",
	    "mail.example.net", "x", "example.com" },
	/* display-name form of the email */
	{ "", "Reporter <Dmarc@Reports.Example>", "x", "example.com",
	    "reports.example", "x", "example.com" },
	/* neither org nor email */
	{ NULL, NULL, "x", "example.com", "", "x", "example.com" },
	/* report_id: <> and whitespace removed, case kept */
	{ "org", NULL, "<abc>", "example.com", "org", "abc", "example.com" },
	{ "org", NULL, "  <AbC@host.example>\n", "example.com", "org", "AbC@host.example",
	    "example.com" },
	{ "org", NULL, "<>", "example.com", "org", "", "example.com" },
	{ "org", NULL, "<abc", "example.com", "org", "<abc", "example.com" },
	{ "org", NULL, " 1627703331531660819 ", "example.com", "org", "1627703331531660819",
	    "example.com" },
	{ "org", NULL, NULL, "example.com", "org", "", "example.com" },
	/* domain: lower-cased, trimmed, trailing dot removed */
	{ "org", NULL, "1", "EXAMPLE.com.", "org", "1", "example.com" },
	{ "org", NULL, "1", "  Sub.Example.COM.\t", "org", "1", "sub.example.com" },
	{ "org", NULL, "1", NULL, "org", "1", "" },
	{ "org", NULL, "1", ".", "org", "1", "" },
};

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static void
test_report_key_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < NCASES(key_cases); i++) {
		const struct key_case *c = &key_cases[i];
		dm_report r;
		char org[DM_KEY_LEN], rid[DM_KEY_LEN], dom[DM_KEY_LEN];

		dm_report_init(&r);
		r.org_name = dup_or_null(c->org_name);
		r.email = dup_or_null(c->email);
		r.report_id = dup_or_null(c->report_id);
		r.policy.domain = dup_or_null(c->domain);
		dm_report_key(&r, org, rid, dom);
		if (strcmp(org, c->want_org) != 0 || strcmp(rid, c->want_rid) != 0 ||
		    strcmp(dom, c->want_domain) != 0) {
			char msg[3 * DM_KEY_LEN + 100];

			snprintf(msg, sizeof(msg), "case %zu: got org='%s' rid='%s' domain='%s'",
			    i, org, rid, dom);
			dm_report_free(&r);
			fail_msg("%s", msg);
		}
		dm_report_free(&r);
	}
}

static void
test_report_key_long_values(void **state)
{
	dm_report r;
	char org[DM_KEY_LEN], rid[DM_KEY_LEN], dom[DM_KEY_LEN];
	char *big = malloc(5000);

	(void)state;
	memset(big, 'A', 4999);
	big[4999] = '\0';
	dm_report_init(&r);
	r.org_name = xstrdup(big);
	r.report_id = xstrdup(big);
	r.policy.domain = xstrdup(big);
	dm_report_key(&r, org, rid, dom);
	assert_int_equal(strlen(org), DM_KEY_LEN - 1);
	assert_int_equal(strlen(rid), DM_KEY_LEN - 1);
	assert_int_equal(strlen(dom), DM_KEY_LEN - 1);
	assert_int_equal(org[0], 'a');
	assert_int_equal(rid[0], 'A');
	dm_report_free(&r);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enum_disposition),
		cmocka_unit_test(test_enum_verdict),
		cmocka_unit_test(test_enum_auth),
		cmocka_unit_test(test_enum_reason),
		cmocka_unit_test(test_enum_align),
		cmocka_unit_test(test_enum_names_round_trip),
		cmocka_unit_test(test_report_notes),
		cmocka_unit_test(test_report_key_table),
		cmocka_unit_test(test_report_key_long_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
