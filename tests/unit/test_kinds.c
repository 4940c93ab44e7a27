/*
 * test_kinds.c - unit tests for the report kinds' registry and store:
 * src/report/kinds.c (the registry order, the aggregate kind's sniff, which
 * kinds take a whole message), src/store/store_sqlite_kinds.c with its
 * failure and TLS tables (add, duplicate by ident, each, count with the
 * filter, purge_samples, raw_duplicate counting the kinds' rows) and
 * src/intake/redact.c (ig_redact).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "report/kinds.h"
#include "store/store.h"
#include "store/store_kinds.h"

void ig_redact(int kind, json_t *model);	/* src/intake/redact.c */

/* ---- registry ------------------------------------------------------------- */

static void
test_registry(void **state)
{
	dm_sniff_in xml = { (const unsigned char *)"\xef\xbb\xbf  <?xml version", 17, 0, NULL, NULL,
	    NULL };
	dm_sniff_in json = { (const unsigned char *)"{\"organization-name\":", 21, 0, NULL, NULL,
	    NULL };
	dm_sniff_in arf = { (const unsigned char *)"From: a@b\n", 10, 1, "multipart/report",
	    "feedback-report", NULL };
	dm_sniff_in other = { (const unsigned char *)"[1,2]", 5, 0, NULL, NULL, NULL };
	int conf;

	(void)state;
	assert_true(dm_nkinds >= 3);	/* aggregate + kinds.def */
	assert_ptr_equal(dm_kinds[0], &dm_kind_aggregate);
	assert_ptr_equal(dm_kind_by_id(DM_KIND_FAILURE), &dm_kind_failure);
	assert_ptr_equal(dm_kind_by_id(DM_KIND_TLSRPT), &dm_kind_tlsrpt);
	assert_null(dm_kind_by_id(99));
	assert_true(dm_kind_takes_message(&dm_kind_failure));
	assert_false(dm_kind_takes_message(&dm_kind_tlsrpt));
	assert_false(dm_kind_takes_message(&dm_kind_aggregate));
	assert_ptr_equal(dm_kind_best(dm_kinds, dm_nkinds, &xml, &conf), &dm_kind_aggregate);
	assert_int_equal(conf, DM_SNIFF_LIKELY);
	assert_ptr_equal(dm_kind_best(dm_kinds, dm_nkinds, &json, &conf), &dm_kind_tlsrpt);
	assert_ptr_equal(dm_kind_best(dm_kinds, dm_nkinds, &arf, &conf), &dm_kind_failure);
	assert_int_equal(conf, DM_SNIFF_SURE);
	assert_null(dm_kind_best(dm_kinds, dm_nkinds, &other, &conf));
	assert_int_equal(conf, DM_SNIFF_NO);
}

/* ---- store ----------------------------------------------------------------- */

static char dbpath[64];

static store *
open_db(void)
{
	store *s;
	char err[256];
	int fd;

	snprintf(dbpath, sizeof(dbpath), "/tmp/test_kinds.XXXXXX");
	fd = mkstemp(dbpath);
	assert_true(fd >= 0);
	close(fd);
	unlink(dbpath);
	assert_int_equal(store_open(&s, dbpath, err, sizeof(err)), STORE_OK);
	assert_true(store_has(s, kinds));
	return s;
}

static void
close_db(store *s)
{
	char p[80];

	store_close(s);
	unlink(dbpath);
	snprintf(p, sizeof(p), "%s-wal", dbpath);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", dbpath);
	unlink(p);
}

static json_t *
failure_model(const char *reporter, const char *domain, int64_t arrival, int dmarc)
{
	json_error_t e;
	json_t *m = json_pack_ex(&e, 0, "{s:s, s:b, s:s, s:s, s:I, s:[s], "
	    "s:{s:s, s:s, s:s, s:s, s:s}, s:{s:s, s:s, s:s, s:[{s:s, s:s}], s:s}, "
	    "s:[{s:s, s:s, s:s, s:[s], s:i}, {s:s, s:n, s:n, s:[s], s:i}], s:[]}",
	    "kind", dmarc ? "auth-failure" : "abuse", "is_dmarc_failure", dmarc,
	    "reporter", reporter, "source_ip", "2001:db8::1", "arrival_time", (json_int_t)arrival,
	    "flags", "html",
	    "feedback", "feedback_type", dmarc ? "auth-failure" : "abuse", "reported_domain", domain,
	    "original_mail_from", "<bounce@Example.COM>", "original_rcpt_to",
	    "first@rcpt.example, second@rcpt.example", "auth_failure", "dmarc",
	    "sample", "subject", "Invoice", "from", "Alice <alice@example.com>", "message_id",
	    "<m1@example.com>", "headers", "name", "From", "value", "alice@example.com",
	    "text", "write to bob@example.com",
	    "urls", "url", "http://evil.example/x", "host", "evil.example", "registered_domain",
	    "evil.example", "flags", "ip-host", "count", 2,
	    "url", "javascript:alert(1)", "host", "registered_domain", "flags", "script", "count", 1,
	    "attachments");

	if (m == NULL)
		fail_msg("json_pack: %s", e.text);
	return m;
}

static int
count_cb(void *ctx, const store_kind_row *r)
{
	int *n = ctx;

	assert_non_null(r->model_json);
	assert_non_null(r->ident);
	(*n)++;
	return 0;
}

static void
test_failure_store(void **state)
{
	store *s = open_db();
	json_t *m1 = failure_model("dmarc@rcv.example", "Example.COM", 1700000000, 1);
	json_t *m2 = failure_model("abuse@rcv.example", "", 1700100000, 0);
	int64_t id = 0, dup = 0, n = 0, raw = 0;
	store_kinds_filter f = { 0 };
	int rows = 0;

	(void)state;
	assert_int_equal(store_begin(s), STORE_OK);
	assert_int_equal(store_raw_new(s, "t", "none", NULL, &raw), STORE_OK);
	assert_int_equal(store_kinds_add(s, DM_KIND_FAILURE, raw, m1, "failure:a", "t", &id, &dup),
	    STORE_OK);
	assert_true(id > 0);
	assert_int_equal(dup, 0);
	/* the same ident again: a duplicate, nothing added */
	assert_int_equal(store_kinds_add(s, DM_KIND_FAILURE, raw, m1, "failure:a", "t2", &id, &dup),
	    STORE_OK);
	assert_int_equal(id, 0);
	assert_true(dup > 0);
	assert_int_equal(store_kinds_add(s, DM_KIND_FAILURE, raw, m2, "failure:b", "t", &id, &dup),
	    STORE_OK);
	assert_int_equal(dup, 0);
	/* an unknown kind is an error, not a crash */
	assert_int_equal(store_kinds_add(s, 42, raw, m1, "x", "t", &id, &dup), STORE_ERR);
	assert_int_equal(store_commit(s), STORE_OK);

	assert_int_equal(store_kinds_count(s, DM_KIND_FAILURE, NULL, &n), STORE_OK);
	assert_int_equal(n, 2);
	f.dmarc_only = 1;
	assert_int_equal(store_kinds_count(s, DM_KIND_FAILURE, &f, &n), STORE_OK);
	assert_int_equal(n, 1);
	f.dmarc_only = 0;
	f.domain = "example.com";	/* Reported-Domain, lower case */
	assert_int_equal(store_kinds_count(s, DM_KIND_FAILURE, &f, &n), STORE_OK);
	assert_int_equal(n, 2);		/* m2: the sample From's domain */
	f.domain = NULL;
	f.since = 1700050000;
	assert_int_equal(store_kinds_count(s, DM_KIND_FAILURE, &f, &n), STORE_OK);
	assert_int_equal(n, 1);
	f.since = 0;
	f.until = 1700050000;
	assert_int_equal(store_kinds_each(s, DM_KIND_FAILURE, &f, count_cb, &rows), STORE_OK);
	assert_int_equal(rows, 1);
	assert_int_equal(store_kinds_count(s, DM_KIND_TLSRPT, NULL, &n), STORE_OK);
	assert_int_equal(n, 0);

	/* retention: only the older report's sample goes */
	assert_int_equal(store_begin(s), STORE_OK);
	assert_int_equal(store_kinds_purge_samples(s, 1700050000, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_kinds_purge_samples(s, 1700050000, &n), STORE_OK);
	assert_int_equal(n, 0);		/* purged already */
	assert_int_equal(store_commit(s), STORE_OK);

	/* the whole message again: one duplicate per stored document */
	assert_int_equal(store_begin(s), STORE_OK);
	assert_int_equal(store_raw_duplicate(s, raw, "again", &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(store_commit(s), STORE_OK);
	json_decref(m1);
	json_decref(m2);
	close_db(s);
}

static int
purged_cb(void *ctx, const store_kind_row *r)
{
	json_t *m = json_loads(r->model_json, 0, NULL);
	int *n = ctx;

	assert_non_null(m);
	if (json_is_true(json_object_get(m, "sample_purged"))) {
		assert_int_equal(json_array_size(json_object_get(json_object_get(m, "sample"),
		    "headers")), 0);
		assert_true(json_is_null(json_object_get(json_object_get(m, "sample"), "text")));
		(*n)++;
	}
	json_decref(m);
	return 0;
}

static void
test_purged_model(void **state)
{
	store *s = open_db();
	json_t *m = failure_model("d@r.example", "example.com", 1000, 1);
	int64_t id, dup, n;
	int purged = 0;

	(void)state;
	assert_int_equal(store_begin(s), STORE_OK);
	assert_int_equal(store_kinds_add(s, DM_KIND_FAILURE, 0, m, "failure:p", "t", &id, &dup),
	    STORE_OK);
	assert_int_equal(store_kinds_purge_samples(s, 2000, &n), STORE_OK);
	assert_int_equal(store_commit(s), STORE_OK);
	assert_int_equal(store_kinds_each(s, DM_KIND_FAILURE, NULL, purged_cb, &purged),
	    STORE_OK);
	assert_int_equal(purged, 1);
	json_decref(m);
	close_db(s);
}

static void
test_tls_store(void **state)
{
	store *s = open_db();
	json_error_t e;
	json_t *m = json_loads("{\"organization_name\":\"Org\",\"report_id\":\"r1\",\"begin\":100,"
	    "\"end\":200,\"total_successful_sessions\":5,\"total_failed_sessions\":3,"
	    "\"warnings\":[],\"policies\":[{\"policy_domain\":\"Mail.EXAMPLE\",\"policy_type\":"
	    "\"sts\",\"successful_session_count\":5,\"failed_session_count\":3,\"failure_details\":"
	    "[{\"result_type\":\"certificate-expired\",\"failed_session_count\":3}]}]}", 0, &e);
	store_kinds_filter f = { "mail.example", 0, 0, 0 };
	int64_t id, dup, n;

	(void)state;
	assert_non_null(m);
	assert_int_equal(store_begin(s), STORE_OK);
	assert_int_equal(store_kinds_add(s, DM_KIND_TLSRPT, 0, m, "tlsrpt:r1", "t", &id, &dup),
	    STORE_OK);
	assert_true(id > 0);
	assert_int_equal(store_kinds_add(s, DM_KIND_TLSRPT, 0, m, "tlsrpt:r1", "t", &id, &dup),
	    STORE_OK);
	assert_true(dup > 0);
	assert_int_equal(store_commit(s), STORE_OK);
	assert_int_equal(store_kinds_count(s, DM_KIND_TLSRPT, &f, &n), STORE_OK);
	assert_int_equal(n, 1);
	f.domain = "other.example";
	assert_int_equal(store_kinds_count(s, DM_KIND_TLSRPT, &f, &n), STORE_OK);
	assert_int_equal(n, 0);
	json_decref(m);
	close_db(s);
}

/* ---- redact ------------------------------------------------------------------ */

static void
test_redact(void **state)
{
	json_t *m = failure_model("dmarc@rcv.example", "example.com", 1, 1);
	json_t *smp = json_object_get(m, "sample");
	char *all;

	(void)state;
	ig_redact(DM_KIND_FAILURE, m);
	assert_string_equal(json_string_value(json_object_get(m, "reporter")),
	    "d\xe2\x80\xa6@rcv.example");
	assert_string_equal(json_string_value(json_object_get(smp, "from")),
	    "Alice <a\xe2\x80\xa6@example.com>");
	assert_string_equal(json_string_value(json_object_get(smp, "text")),
	    "write to b\xe2\x80\xa6@example.com");
	/* Message-IDs and URLs are not addresses */
	assert_string_equal(json_string_value(json_object_get(smp, "message_id")),
	    "<m1@example.com>");
	assert_true(json_is_true(json_object_get(m, "redacted")));
	all = json_dumps(m, 0);
	assert_null(strstr(all, "alice@"));
	assert_null(strstr(all, "bounce@"));
	assert_null(strstr(all, "second@"));
	assert_non_null(strstr(all, "http://evil.example/x"));
	free(all);
	json_decref(m);
	/* TLS reports are left alone */
	m = json_pack("{s:s}", "contact_info", "tls@org.example");
	ig_redact(DM_KIND_TLSRPT, m);
	assert_string_equal(json_string_value(json_object_get(m, "contact_info")),
	    "tls@org.example");
	json_decref(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_failure_store),
		cmocka_unit_test(test_purged_model),
		cmocka_unit_test(test_tls_store),
		cmocka_unit_test(test_redact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
