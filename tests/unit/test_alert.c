/*
 * test_alert.c - unit tests for the alert engine's pure parts (src/alert/):
 * the webhook signature (against Python's hmac), the summary periods in the
 * domain's zone, rule parameter overrides, the clock's time formats, and the
 * mail GMime builds (RFC 2047 subject, CRLF, one header line whatever the
 * subject holds).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "alert/alert.h"
#include "intake/mime.h"

static void
t_sign(void **st)
{
	char sig[65];

	(void)st;
	/* python3: hmac.new(b"Jefe", b"1700000000.what do ya want for nothing?", sha256) */
	alert_sign("Jefe", 1700000000, "what do ya want for nothing?", sig);
	assert_string_equal(sig, "1cdd0650c8be1cb0974b1788d458b1e781206cfef59b85faafc582d2e182c57e");
}

static void
t_period(void **st)
{
	alert_settings s;
	int64_t a, b, due;

	(void)st;
	memset(&s, 0, sizeof(s));
	s.tz_offset_min = 540;
	s.summary_weekday = 1;	/* Monday */
	s.summary_hour = 9;
	/* Monday 2026-11-23 09:30 JST: the week 11-16 .. 11-22 is due (since 00:00 UTC) */
	alert_summary_period(&s, 1, 1795393800, &a, &b, &due);
	assert_int_equal(a, 1794787200);
	assert_int_equal(b, 1795392000);
	assert_int_equal(due, 1795392000 - 0);	/* 09:00 JST = 00:00 UTC */
	/* 08:59 JST the same Monday: still the week before */
	alert_summary_period(&s, 1, 1795391940, &a, &b, &due);
	assert_int_equal(a, 1794182400);
	assert_int_equal(b, 1794787200);
	/* daily, 2026-11-22 11:00 JST: yesterday 11-21 */
	alert_summary_period(&s, 2, 1795312800, &a, &b, &due);
	assert_int_equal(a, 1795219200);
	assert_int_equal(b, 1795219200 + 86400);
	/* UTC, Sunday summaries */
	s.tz_offset_min = 0;
	s.summary_weekday = 0;
	s.summary_hour = 0;
	alert_summary_period(&s, 1, 1795393800, &a, &b, &due);	/* Monday 00:30 UTC */
	assert_int_equal(b, 1795392000 - 86400);		/* Sunday 11-22 00:00 */
	assert_int_equal(b - a, 7 * 86400);
}

static void
t_params(void **st)
{
	alert_params p;
	char err[256];

	(void)st;
	alert_params_default(&p);
	assert_int_equal(p.spoof_min, 50);
	assert_int_equal(p.quiet_days, 7);
	assert_int_equal(alert_params_apply(&p, "{\"spoof_min\":120,\"spike_factor\":2.5}", err,
	    sizeof(err)), 0);
	assert_int_equal(p.spoof_min, 120);
	assert_true(p.spike_factor == 2.5);
	assert_int_equal(alert_params_apply(&p, "{\"bogus\":1}", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bogus"));
	assert_int_equal(alert_params_apply(&p, "{\"quiet_days\":1.5}", err, sizeof(err)), -1);
	assert_int_equal(alert_params_apply(&p, "{\"quiet_days\":0}", err, sizeof(err)), -1);
	assert_int_equal(alert_params_apply(&p, "[1]", err, sizeof(err)), -1);
	assert_int_equal(p.quiet_days, 7);	/* refused values change nothing */
}

static void
t_time(void **st)
{
	int64_t t;

	(void)st;
	assert_int_equal(alert_parse_time("2026-11-21", &t), 0);
	assert_int_equal(t, 1795219200);
	assert_int_equal(alert_parse_time("2026-11-21T10:20", &t), 0);
	assert_int_equal(t, 1795256400);
	assert_int_equal(alert_parse_time("2026-11-21 10:20:05", &t), 0);
	assert_int_equal(t, 1795256405);
	assert_int_equal(alert_parse_time("1795256400", &t), 0);
	assert_int_equal(t, 1795256400);
	assert_int_equal(alert_parse_time("2026-13-01", &t), -1);
	assert_int_equal(alert_parse_time("yesterday", &t), -1);
}

static void
t_mail(void **st)
{
	alert_cfg c;
	dbuf m;
	const char *s;

	(void)st;
	alert_cfg_init(&c);
	alert_cfg_set(&c.from, "dmarcscope@example.jp");
	dbuf_init(&m, 1 << 20);
	assert_int_equal(alert_mail_build(&c, "admin@example.jp", "[dmarcscope] example.jp: なりすましの疑い",
	    "本文", "<p>本文</p>", "x.1@example.jp", 1795256400, "7", &m), 0);
	s = dbuf_cstr(&m);
	assert_non_null(strstr(s, "Subject: [dmarcscope] example.jp: =?UTF-8?B?"));
	assert_non_null(strstr(s, "Message-Id: <x.1@example.jp>\r\n"));
	assert_non_null(strstr(s, "Auto-Submitted: auto-generated\r\n"));
	assert_non_null(strstr(s, "multipart/alternative"));
	assert_null(strstr(s, "本文"));		/* bodies are encoded */
	/* a subject cannot add a header */
	assert_int_equal(alert_mail_build(&c, "admin@example.jp", "x\r\nBcc: evil@example.com", "t",
	    "h", "x.2@example.jp", 1795256400, NULL, &m), 0);
	assert_null(strstr(dbuf_cstr(&m), "\nBcc:"));
	/* one address, not a list */
	assert_int_equal(alert_mail_build(&c, "a@example.jp, b@example.jp", "s", "t", "h",
	    "x.3@example.jp", 1795256400, NULL, &m), -1);
	dbuf_free(&m);
	alert_cfg_clear(&c);
}

static void
t_json(void **st)
{
	alert_view v = { "example.jp", RULE_NEW_SOURCE, "203.0.113.0/24",
	    "{\"prefix\":\"203.0.113.0/24\",\"messages\":150}", "#/mail?domain=example.jp", 9,
	    20413 };
	alert_cfg c;
	json_t *o;
	char *j;

	(void)st;
	alert_cfg_init(&c);
	alert_cfg_set(&c.base_url, "https://dmarc.example.jp");
	j = alert_json(&v, "json", &c);
	o = json_loads(j, 0, NULL);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "rule")), "new_source");
	assert_string_equal(json_string_value(json_object_get(o, "day")), "2025-11-21");
	assert_string_equal(json_string_value(json_object_get(o, "url")),
	    "https://dmarc.example.jp/#/mail?domain=example.jp");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "numbers"), "messages")),
	    150);
	assert_non_null(strstr(json_string_value(json_object_get(json_object_get(o, "text"), "ja")),
	    "新しい送信元 203.0.113.0/24 から 150 通"));
	json_decref(o);
	free(j);
	/* Slack / Teams: one "text" */
	j = alert_json(&v, "slack", &c);
	o = json_loads(j, 0, NULL);
	assert_int_equal(json_object_size(o), 1);
	assert_non_null(strstr(json_string_value(json_object_get(o, "text")), "https://dmarc.example.jp/#/"));
	json_decref(o);
	free(j);
	alert_cfg_clear(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_sign),
		cmocka_unit_test(t_period),
		cmocka_unit_test(t_params),
		cmocka_unit_test(t_time),
		cmocka_unit_test(t_mail),
		cmocka_unit_test(t_json),
	};

	mime_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
