/*
 * test_agg.c - unit tests for the streaming aggregate parser (agg_parse.h):
 * both drivers (expat strict, libxml2 recovery), chunking, limits, refusals.
 *
 * Every callback appends one line to a log (every field it can see), so two
 * runs can be compared byte for byte and single values checked with strstr.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report/agg_parse.h"
#include "util/dbuf.h"
#include "util/log.h"

/* See test_util.c: a pinned, reported bug in src/ (skipped unless DS_TEST_STRICT). */
#define KNOWN_BUG(ok, ...) do {						\
	if (!(ok)) {							\
		print_message("KNOWN BUG: " __VA_ARGS__);		\
		print_message("\n");					\
		if (getenv("DS_TEST_STRICT") != NULL)			\
			fail_msg("known bug (DS_TEST_STRICT set)");	\
		skip();							\
	}								\
} while (0)

/* Is s well-formed UTF-8 (no overlongs, surrogates, > U+10FFFF)? */
static int
valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n = strlen(s);

	while (i < n) {
		unsigned char c = p[i];
		int len;
		unsigned char lo = 0x80, hi = 0xbf;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2;
		else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			lo = c == 0xe0 ? 0xa0 : 0x80;
			hi = c == 0xed ? 0x9f : 0xbf;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			lo = c == 0xf0 ? 0x90 : 0x80;
			hi = c == 0xf4 ? 0x8f : 0xbf;
		} else
			return 0;
		if (i + (size_t)len > n)
			return 0;
		for (int k = 1; k < len; k++) {
			unsigned char d = p[i + (size_t)k];

			if (d < (k == 1 ? lo : 0x80) || d > (k == 1 ? hi : 0xbf))
				return 0;
		}
		i += (size_t)len;
	}
	return 1;
}

/* ---- the recording handler ---------------------------------------------- */

typedef struct run {
	dbuf log;
	int headers, records, trailers;
	int header_rc, record_rc, trailer_rc;
	int fail_at_record;	/* record number (1-based) that returns record_rc */
	int rc;			/* final AGG_* code */
	char err[256];
	/* copies of the report's state at the end */
	int recovered, schema, nwarnings, nerrors;
	uint64_t records_ctr, messages_ctr, skipped_ctr;
	char *warnings;		/* all warnings joined by '\n' */
	char *errors;
	char *org_name, *xml_namespace, *extensions;
} run;

#define Z(s) ((s) != NULL ? (s) : "(null)")

static void
log_report(dbuf *d, const char *tag, const dm_report *r)
{
	const dm_policy *p = &r->policy;

	dbuf_printf(d, "%s schema=%s ns=%s ver=%s org=%s email=%s extra=%s rid=%s gen=%s "
	    "begin=%lld end=%lld dom=%s adkim=%s(%s) aspf=%s(%s) p=%s(%s) sp=%s(%s) np=%s(%s) "
	    "pct=%d fo=%s t=%s disc=%s npol=%d ext=%s\n", tag,
	    dm_schema_name(r->schema), Z(r->xml_namespace), Z(r->version), Z(r->org_name),
	    Z(r->email), Z(r->extra_contact_info), Z(r->report_id), Z(r->generator),
	    (long long)r->begin, (long long)r->end, Z(p->domain),
	    dm_align_name(p->adkim), Z(p->raw_adkim), dm_align_name(p->aspf), Z(p->raw_aspf),
	    dm_disp_name(p->p), Z(p->raw_p), dm_disp_name(p->sp), Z(p->raw_sp),
	    dm_disp_name(p->np), Z(p->raw_np), p->pct, Z(p->fo), Z(p->testing),
	    Z(p->discovery_method), r->policy_count, Z(r->extensions));
}

static int
on_header(void *ctx, dm_report *r)
{
	run *x = ctx;

	x->headers++;
	log_report(&x->log, "H", r);
	return x->header_rc;
}

static int
on_record(void *ctx, dm_report *r, const dm_record *rec)
{
	run *x = ctx;
	dbuf *d = &x->log;

	(void)r;
	x->records++;
	dbuf_printf(d, "R ip=%s fam=%d count=%llu disp=%s(%s) dkim=%s(%s) spf=%s(%s) "
	    "hf=%s ef=%s et=%s", rec->source_ip, rec->ip_family,
	    (unsigned long long)rec->count, dm_disp_name(rec->disposition),
	    Z(rec->raw_disposition), dm_verdict_name(rec->dkim), Z(rec->raw_dkim),
	    dm_verdict_name(rec->spf), Z(rec->raw_spf), Z(rec->header_from),
	    Z(rec->envelope_from), Z(rec->envelope_to));
	for (int i = 0; i < rec->nreasons; i++)
		dbuf_printf(d, " reason=%s(%s)/%s", dm_reason_name(rec->reasons[i].type),
		    Z(rec->reasons[i].raw_type), Z(rec->reasons[i].comment));
	for (int i = 0; i < rec->ndkim; i++)
		dbuf_printf(d, " dkim=%s/%s/%s(%s)/%s", Z(rec->dkim_results[i].domain),
		    Z(rec->dkim_results[i].selector), dm_auth_name(rec->dkim_results[i].result),
		    Z(rec->dkim_results[i].raw_result), Z(rec->dkim_results[i].human_result));
	for (int i = 0; i < rec->nspf; i++)
		dbuf_printf(d, " spf=%s/%s/%s(%s)/%s", Z(rec->spf_results[i].domain),
		    Z(rec->spf_results[i].scope), dm_auth_name(rec->spf_results[i].result),
		    Z(rec->spf_results[i].raw_result), Z(rec->spf_results[i].human_result));
	dbuf_addc(d, '\n');
	if (x->fail_at_record == x->records)
		return x->record_rc;
	return AGG_CONTINUE;
}

static int
on_trailer(void *ctx, dm_report *r)
{
	run *x = ctx;

	x->trailers++;
	log_report(&x->log, "T", r);
	dbuf_printf(&x->log, "T records=%llu messages=%llu skipped=%llu\n",
	    (unsigned long long)r->records, (unsigned long long)r->messages,
	    (unsigned long long)r->skipped_records);
	for (int i = 0; i < r->nwarnings; i++)
		dbuf_printf(&x->log, "W %s\n", r->warnings[i]);
	for (int i = 0; i < r->nerrors; i++)
		dbuf_printf(&x->log, "E %s\n", r->errors[i]);
	return x->trailer_rc;
}

static char *
join(char **arr, int n)
{
	dbuf d;

	dbuf_init(&d, 1 << 20);
	for (int i = 0; i < n; i++) {
		dbuf_addstr(&d, arr[i]);
		dbuf_addc(&d, '\n');
	}
	return dbuf_steal(&d, NULL);
}

static void
run_init(run *x)
{
	memset(x, 0, sizeof(*x));
	dbuf_init(&x->log, 1 << 24);
}

static void
run_free(run *x)
{
	dbuf_free(&x->log);
	free(x->warnings);
	free(x->errors);
	free(x->org_name);
	free(x->xml_namespace);
	free(x->extensions);
}

/*
 * Parse doc[0..n) in chunks of `chunk` bytes (0: one chunk) with the handler
 * state already in x.  Stops feeding at the first non-OK agg_feed result.
 */
static void
parse_into(run *x, const char *doc, size_t n, size_t chunk, int mode, const agg_limits *lim)
{
	agg_handler h = { on_header, on_record, on_trailer, x };
	agg_parser *p = agg_new(&h, lim, mode);
	dm_report *r;
	size_t off = 0;
	int rc = AGG_OK;

	if (chunk == 0)
		chunk = n > 0 ? n : 1;
	while (off < n) {
		size_t k = n - off < chunk ? n - off : chunk;

		rc = agg_feed(p, doc + off, k);
		off += k;
		if (rc != AGG_OK)
			break;
	}
	if (rc == AGG_OK)
		rc = agg_finish(p);
	x->rc = rc;
	snprintf(x->err, sizeof(x->err), "%s", agg_error(p));
	dbuf_printf(&x->log, "RC %d %s\n", rc, x->err);
	r = agg_report(p);
	x->recovered = r->recovered;
	x->schema = r->schema;
	x->nwarnings = r->nwarnings;
	x->nerrors = r->nerrors;
	x->records_ctr = r->records;
	x->messages_ctr = r->messages;
	x->skipped_ctr = r->skipped_records;
	x->warnings = join(r->warnings, r->nwarnings);
	x->errors = join(r->errors, r->nerrors);
	x->org_name = r->org_name != NULL ? xstrdup(r->org_name) : NULL;
	x->xml_namespace = r->xml_namespace != NULL ? xstrdup(r->xml_namespace) : NULL;
	x->extensions = r->extensions != NULL ? xstrdup(r->extensions) : NULL;
	agg_free(p);
}

static void
parse(run *x, const char *doc, size_t n, size_t chunk, int mode, const agg_limits *lim)
{
	run_init(x);
	parse_into(x, doc, n, chunk, mode, lim);
}

static void
parse_str(run *x, const char *doc, int mode)
{
	parse(x, doc, strlen(doc), 0, mode, NULL);
}

#define LOG(x) dbuf_cstr(&(x)->log)

static void
assert_log_has(run *x, const char *needle)
{
	if (strstr(LOG(x), needle) == NULL)
		fail_msg("'%s' not in the callback log:\n%s", needle, LOG(x));
}

static void
assert_warning(run *x, const char *needle)
{
	if (strstr(x->warnings, needle) == NULL)
		fail_msg("no warning containing '%s'; warnings:\n%s", needle, x->warnings);
}

static void
assert_error_note(run *x, const char *needle)
{
	if (strstr(x->errors, needle) == NULL)
		fail_msg("no error containing '%s'; errors:\n%s", needle, x->errors);
}

/* ---- documents ------------------------------------------------------------ */

/* Three records, with every kind of value and some repairs on the way:
 * Latin-1 n-tilde, a cp1252 quote, a BEL, entities, CDATA, a comment. */
static const char report3[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!-- comment before the root -->\n"
    "<feedback>\n"
    "  <version>1.0</version>\n"
    "  <report_metadata>\n"
    "    <org_name> Sue\xf1o &amp; Co </org_name>\n"
    "    <email>noreply-dmarc@Example.NET</email>\n"
    "    <extra_contact_info>http://example.net/dmarc</extra_contact_info>\n"
    "    <report_id>&lt;id-42&gt;</report_id>\n"
    "    <date_range><begin>1700000000</begin><end> 1700086399 </end></date_range>\n"
    "  </report_metadata>\n"
    "  <policy_published>\n"
    "    <domain>Example.COM</domain><adkim>r</adkim><aspf>S</aspf><p>Reject</p>"
    "<sp>quarantine</sp><pct>50</pct><fo>1</fo>\n"
    "  </policy_published>\n"
    "  <record>\n"
    "    <row><source_ip>192.0.2.1</source_ip><count>3</count>\n"
    "      <policy_evaluated><disposition>none</disposition><dkim>pass</dkim>"
    "<spf>fail</spf></policy_evaluated></row>\n"
    "    <identifiers><header_from>example.com</header_from></identifiers>\n"
    "    <auth_results><dkim><domain>example.com</domain><selector>s1</selector>"
    "<result>pass</result></dkim>\n"
    "      <spf><domain>example.com</domain><scope>mfrom</scope><result>softfail</result>"
    "</spf></auth_results>\n"
    "  </record>\n"
    "  <record>\n"
    "    <row><source_ip>2001:DB8:0:0::1</source_ip><count>10</count>\n"
    "      <policy_evaluated><disposition>Quarantine</disposition><dkim>FAIL</dkim>"
    "<spf>fail</spf>\n"
    "        <reason><type>local_policy</type><comment>arc=pass\x07 \x91quoted\x92 "
    "\xe2\x82\xac</comment></reason></policy_evaluated></row>\n"
    "    <identifiers><header_from>example.com</header_from>"
    "<envelope_from>bounce.example.com</envelope_from></identifiers>\n"
    "    <auth_results><spf><domain>bounce.example.com</domain>"
    "<result>hardfail</result></spf></auth_results>\n"
    "  </record>\n"
    "  <record>\n"
    "    <row><source_ip>\n  198.51.100.7  \n</source_ip><count> 1 </count>"
    "<policy_evaluated><disposition>reject</disposition><dkim>fail</dkim>"
    "<spf>fail</spf></policy_evaluated></row>\n"
    "    <identifiers><header_from><![CDATA[ex<am>ple.com]]></header_from>"
    "<envelope_to>example.org</envelope_to></identifiers>\n"
    "    <auth_results>\n"
    "      <dkim><domain>a.example</domain><result>unknown</result>"
    "<human_result>key &quot;gone&quot;</human_result></dkim>\n"
    "      <dkim><domain>b.example</domain><selector>x</selector><result>error</result>"
    "</dkim>\n"
    "      <spf><domain>example.com</domain><result>none</result></spf>\n"
    "    </auth_results>\n"
    "  </record>\n"
    "</feedback>\n";

#define REPORT3_LEN (sizeof(report3) - 1)

static const char minimal_head[] =
    "<feedback><report_metadata><org_name>o</org_name><report_id>r</report_id>"
    "<date_range><begin>1</begin><end>2</end></date_range></report_metadata>"
    "<policy_published><domain>example.com</domain><p>none</p></policy_published>";

/* A document made of minimal_head, `body` and "</feedback>" (malloc'd). */
static char *
doc_with(const char *body)
{
	size_t n = strlen(minimal_head) + strlen(body) + 16;
	char *d = malloc(n);

	snprintf(d, n, "%s%s</feedback>", minimal_head, body);
	return d;
}

static const char *
rec_xml(const char *ip, const char *count)
{
	static char buf[1024];

	snprintf(buf, sizeof(buf), "<record><row><source_ip>%s</source_ip><count>%s</count>"
	    "<policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf>"
	    "</policy_evaluated></row><identifiers><header_from>example.com</header_from>"
	    "</identifiers><auth_results><spf><domain>example.com</domain><result>pass</result>"
	    "</spf></auth_results></record>", ip, count);
	return buf;
}

/* ---- tests ---------------------------------------------------------------- */

static void
test_agg_values(void **state)
{
	run x;

	(void)state;
	parse(&x, report3, REPORT3_LEN, 0, AGG_MODE_STRICT, NULL);
	assert_int_equal(x.rc, AGG_OK);
	assert_int_equal(x.headers, 1);
	assert_int_equal(x.records, 3);
	assert_int_equal(x.trailers, 1);
	assert_int_equal(x.recovered, 0);
	assert_int_equal(x.schema, DM_SCHEMA_RFC7489);
	assert_int_equal(x.records_ctr, 3);
	assert_int_equal(x.messages_ctr, 14);
	assert_int_equal(x.skipped_ctr, 0);
	/* header: the Latin-1 byte repaired, entities decoded, values trimmed */
	assert_string_equal(x.org_name, "Sue\xc3\xb1o & Co");
	assert_log_has(&x, "H schema=rfc7489 ns=(null) ver=1.0 org=Sue\xc3\xb1o & Co "
	    "email=noreply-dmarc@Example.NET extra=http://example.net/dmarc rid=<id-42> "
	    "gen=(null) begin=1700000000 end=1700086399 dom=Example.COM adkim=r(r) "
	    "aspf=s(S) p=reject(Reject) sp=quarantine(quarantine) np=((null)) pct=50 fo=1");
	/* record 1 */
	assert_log_has(&x, "R ip=192.0.2.1 fam=4 count=3 disp=none(none) dkim=pass(pass) "
	    "spf=fail(fail) hf=example.com ef=(null) et=(null) "
	    "dkim=example.com/s1/pass(pass)/(null) spf=example.com/mfrom/softfail(softfail)/(null)\n");
	/* record 2: IPv6 canonicalised, cp1252 + BEL repaired in the comment */
	assert_log_has(&x, "R ip=2001:db8::1 fam=6 count=10 disp=quarantine(Quarantine) "
	    "dkim=fail(FAIL) spf=fail(fail) hf=example.com ef=bounce.example.com et=(null) "
	    "reason=local_policy(local_policy)/arc=pass \xe2\x80\x98quoted\xe2\x80\x99 \xe2\x82\xac "
	    "spf=bounce.example.com/(null)/fail(hardfail)/(null)\n");
	/* record 3: whitespace around IP and count, CDATA, aliases */
	assert_log_has(&x, "R ip=198.51.100.7 fam=4 count=1 disp=reject(reject) "
	    "dkim=fail(fail) spf=fail(fail) hf=ex<am>ple.com ef=(null) et=example.org "
	    "dkim=a.example/(null)/temperror(unknown)/key \"gone\" "
	    "dkim=b.example/x/permerror(error)/(null) spf=example.com/(null)/none(none)/(null)\n");
	/* order: H, R, R, R, T */
	{
		const char *l = LOG(&x);
		const char *r = strstr(l, "\nR "), *t = strstr(l, "\nT ");

		assert_true(strncmp(l, "H ", 2) == 0);
		assert_true(r != NULL && t != NULL && r < t);
		assert_null(strstr(t, "\nR "));
	}
	run_free(&x);
}

static void
test_agg_streaming_boundaries(void **state)
{
	static const size_t chunks[] = { 1, 2, 3, 5, 7, 13, 64, 100, 333, 4096 };

	(void)state;
	for (int mode = AGG_MODE_STRICT; mode <= AGG_MODE_RECOVER; mode++) {
		run whole;

		parse(&whole, report3, REPORT3_LEN, 0, mode, NULL);
		assert_int_equal(whole.rc, AGG_OK);
		assert_int_equal(whole.records, 3);
		for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
			run part;

			parse(&part, report3, REPORT3_LEN, chunks[i], mode, NULL);
			if (strcmp(LOG(&whole), LOG(&part)) != 0)
				fail_msg("mode %d, chunks of %zu: callback logs differ\n--- whole:\n%s"
				    "--- chunked:\n%s", mode, chunks[i], LOG(&whole), LOG(&part));
			assert_int_equal(part.headers, 1);
			assert_int_equal(part.records, 3);
			assert_int_equal(part.trailers, 1);
			run_free(&part);
		}
		run_free(&whole);
	}
}

static void
test_agg_modes_agree_on_wellformed(void **state)
{
	run s, r;
	const char *ls, *lr;

	(void)state;
	parse(&s, report3, REPORT3_LEN, 0, AGG_MODE_STRICT, NULL);
	parse(&r, report3, REPORT3_LEN, 0, AGG_MODE_RECOVER, NULL);
	assert_int_equal(r.rc, AGG_OK);
	assert_int_equal(r.recovered, 1);
	/* The same records in both (the header/trailer may differ only in notes). */
	ls = strstr(LOG(&s), "\nR ");
	lr = strstr(LOG(&r), "\nR ");
	assert_non_null(ls);
	assert_non_null(lr);
	assert_int_equal(strstr(ls, "\nT ") - ls, strstr(lr, "\nT ") - lr);
	assert_memory_equal(ls, lr, (size_t)(strstr(ls, "\nT ") - ls));
	run_free(&s);
	run_free(&r);
}

static void
test_agg_header_stop(void **state)
{
	run x;

	(void)state;
	for (int mode = AGG_MODE_STRICT; mode <= AGG_MODE_RECOVER; mode++) {
		for (size_t chunk = 0; chunk <= 1; chunk++) {
			run_init(&x);
			x.header_rc = AGG_STOP;
			parse_into(&x, report3, REPORT3_LEN, chunk, mode, NULL);
			assert_int_equal(x.rc, AGG_STOPPED);
			assert_int_equal(x.headers, 1);
			assert_int_equal(x.records, 0);
			assert_int_equal(x.trailers, 0);
			run_free(&x);
		}
	}
	/* A header-only report (no records) stops too, at </feedback>. */
	{
		char *d = doc_with("");

		run_init(&x);
		x.header_rc = AGG_STOP;
		parse_into(&x, d, strlen(d), 0, AGG_MODE_STRICT, NULL);
		assert_int_equal(x.rc, AGG_STOPPED);
		assert_int_equal(x.trailers, 0);
		run_free(&x);
		free(d);
	}
}

static void
test_agg_callback_failures(void **state)
{
	run x;

	(void)state;
	run_init(&x);
	x.header_rc = AGG_FAIL;
	parse_into(&x, report3, REPORT3_LEN, 0, AGG_MODE_STRICT, NULL);
	assert_int_equal(x.rc, AGG_ERR_CALLBACK);
	assert_int_equal(x.records, 0);
	run_free(&x);

	run_init(&x);
	x.fail_at_record = 2;
	x.record_rc = AGG_FAIL;
	parse_into(&x, report3, REPORT3_LEN, 0, AGG_MODE_STRICT, NULL);
	assert_int_equal(x.rc, AGG_ERR_CALLBACK);
	assert_int_equal(x.records, 2);
	assert_int_equal(x.trailers, 0);
	run_free(&x);

	run_init(&x);
	x.fail_at_record = 1;
	x.record_rc = AGG_STOP;
	parse_into(&x, report3, REPORT3_LEN, 0, AGG_MODE_RECOVER, NULL);
	assert_int_equal(x.rc, AGG_STOPPED);
	assert_int_equal(x.records, 1);
	run_free(&x);

	run_init(&x);
	x.trailer_rc = AGG_FAIL;
	parse_into(&x, report3, REPORT3_LEN, 0, AGG_MODE_STRICT, NULL);
	assert_int_equal(x.rc, AGG_ERR_CALLBACK);
	assert_int_equal(x.records, 3);
	assert_int_equal(x.trailers, 1);
	run_free(&x);
}

static void
test_agg_doctype_refused(void **state)
{
	static const char *docs[] = {
		"<?xml version=\"1.0\"?>\n<!DOCTYPE feedback>\n<feedback/>",
		"<?xml version=\"1.0\"?>\n<!DOCTYPE feedback [<!ENTITY x \"y\">]>\n"
		    "<feedback><report_metadata><org_name>&x;</org_name></report_metadata>"
		    "</feedback>",
		"<!DOCTYPE feedback SYSTEM \"file:///etc/passwd\"><feedback/>",
		"<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n"
		    " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
		    " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
		    "]>\n<feedback>&lol2;</feedback>",
		"<!DOCTYPE feedback [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
		    "<feedback><report_metadata><org_name>&xxe;</org_name>",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		for (int mode = AGG_MODE_STRICT; mode <= AGG_MODE_RECOVER; mode++) {
			for (size_t chunk = 0; chunk <= 1; chunk++) {
				run x;

				parse(&x, docs[i], strlen(docs[i]), chunk, mode, NULL);
				if (x.rc != AGG_ERR_REFUSED)
					fail_msg("doc %zu mode %d chunk %zu: rc %d (%s), expected REFUSED",
					    i, mode, chunk, x.rc, x.err);
				assert_int_equal(x.headers, 0);
				assert_int_equal(x.records, 0);
				assert_null(strstr(LOG(&x), "root:"));
				run_free(&x);
			}
		}
	}
}

static void
test_agg_not_report(void **state)
{
	static const char *docs[] = {
		"<html><body>hello</body></html>",
		"<?xml version=\"1.0\"?><rss version=\"2.0\"/>",
		/* well-formed <feedback>, but no policy domain */
		"<feedback><report_metadata><org_name>o</org_name><report_id>1</report_id>"
		    "</report_metadata></feedback>",
		/* neither report_id nor org_name */
		"<feedback><policy_published><domain>example.com</domain></policy_published>"
		    "</feedback>",
		/* only a comment */
		"<!-- nothing -->",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		for (int mode = AGG_MODE_STRICT; mode <= AGG_MODE_RECOVER; mode++) {
			run x;

			parse_str(&x, docs[i], mode);
			if (i < 4 && x.rc != AGG_ERR_NOT_REPORT)
				fail_msg("doc %zu mode %d: rc %d (%s), expected NOT_REPORT", i, mode,
				    x.rc, x.err);
			/* a document with no element at all: not a report or a syntax error */
			if (i == 4)
				assert_true(x.rc == AGG_ERR_NOT_REPORT || x.rc == AGG_ERR_SYNTAX);
			assert_int_equal(x.records, 0);
			assert_int_equal(x.trailers, 0);
			run_free(&x);
		}
	}
	/* The error names the root element. */
	{
		run x;

		parse_str(&x, docs[0], AGG_MODE_STRICT);
		assert_non_null(strstr(x.err, "<html>"));
		run_free(&x);
	}
	/* Nothing fed at all. */
	{
		run x;

		parse(&x, "", 0, 0, AGG_MODE_STRICT, NULL);
		assert_int_equal(x.rc, AGG_ERR_NOT_REPORT);
		run_free(&x);
	}
}

/* Cut after the second record's </row>: unclosed record and feedback. */
static size_t
truncated_len(void)
{
	const char *second = strstr(strstr(report3, "<record>") + 1, "<record>");
	const char *cut = strstr(second, "</row>") + strlen("</row>");

	return (size_t)(cut - report3);
}

static void
test_agg_truncated(void **state)
{
	size_t n = truncated_len();

	(void)state;
	for (size_t chunk = 0; chunk <= 1; chunk++) {
		run s, r;

		parse(&s, report3, n, chunk, AGG_MODE_STRICT, NULL);
		assert_int_equal(s.rc, AGG_ERR_SYNTAX);
		assert_int_equal(s.trailers, 0);
		assert_int_equal(s.records, 1);		/* the complete first record */

		parse(&r, report3, n, chunk, AGG_MODE_RECOVER, NULL);
		if (r.rc != AGG_OK)
			fail_msg("recovery of a truncated report: rc %d (%s)", r.rc, r.err);
		assert_int_equal(r.recovered, 1);
		assert_int_equal(r.headers, 1);
		assert_int_equal(r.trailers, 1);
		/* the second record has its row (IP and count): it is kept */
		assert_int_equal(r.records, 2);
		assert_log_has(&r, "R ip=2001:db8::1 fam=6 count=10");
		run_free(&s);
		run_free(&r);
	}
	/* Cut in the middle of a tag. */
	{
		run s, r;
		size_t m = (size_t)(strstr(report3, "<count>10") - report3) + 3;

		parse(&s, report3, m, 0, AGG_MODE_STRICT, NULL);
		assert_int_equal(s.rc, AGG_ERR_SYNTAX);
		parse(&r, report3, m, 0, AGG_MODE_RECOVER, NULL);
		assert_int_equal(r.rc, AGG_OK);
		assert_int_equal(r.recovered, 1);
		assert_int_equal(r.records, 1);		/* the second has no count */
		assert_int_equal(r.skipped_ctr, 1);
		run_free(&s);
		run_free(&r);
	}
}

static void
test_agg_bad_email_recovered(void **state)
{
	static const char doc[] =
	    "<?xml version=\"1.0\"?>\n<feedback><report_metadata><org_name>x.example</org_name>"
	    "<email><bad@x.example></email><report_id>r1</report_id>"
	    "<date_range><begin>1</begin><end>2</end></date_range></report_metadata>"
	    "<policy_published><domain>example.com</domain><p>none</p></policy_published>"
	    "<record><row><source_ip>192.0.2.9</source_ip><count>4</count>"
	    "<policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf>"
	    "</policy_evaluated></row><identifiers><header_from>example.com</header_from>"
	    "</identifiers><auth_results/></record></feedback>";
	run s, r;

	(void)state;
	parse_str(&s, doc, AGG_MODE_STRICT);
	assert_int_equal(s.rc, AGG_ERR_SYNTAX);
	parse_str(&r, doc, AGG_MODE_RECOVER);
	if (r.rc != AGG_OK)
		fail_msg("rc %d (%s)", r.rc, r.err);
	assert_int_equal(r.recovered, 1);
	assert_int_equal(r.records, 1);
	assert_log_has(&r, "R ip=192.0.2.9 fam=4 count=4");
	assert_log_has(&r, "rid=r1");
	assert_log_has(&r, "dom=example.com");
	run_free(&s);
	run_free(&r);
}

static void
test_agg_broken_close_tag_recovered(void **state)
{
	/* kddi: <report_id>202504210000000/report_id> */
	char *d = doc_with(rec_xml("192.0.2.1", "2"));
	char *p = strstr(d, "<report_id>r</report_id>");
	dbuf b;
	run s, r;

	(void)state;
	assert_non_null(p);
	dbuf_init(&b, 1 << 20);
	dbuf_add(&b, d, (size_t)(p - d));
	dbuf_addstr(&b, "<report_id>202504210000000/report_id>");
	dbuf_addstr(&b, p + strlen("<report_id>r</report_id>"));
	parse(&s, dbuf_cstr(&b), b.len, 0, AGG_MODE_STRICT, NULL);
	assert_int_equal(s.rc, AGG_ERR_SYNTAX);
	parse(&r, dbuf_cstr(&b), b.len, 0, AGG_MODE_RECOVER, NULL);
	assert_int_equal(r.rc, AGG_OK);
	assert_int_equal(r.recovered, 1);
	assert_int_equal(r.records, 1);
	run_free(&s);
	run_free(&r);
	dbuf_free(&b);
	free(d);
}

static char *
nested(int depth)
{
	dbuf b;

	dbuf_init(&b, 1 << 20);
	dbuf_addstr(&b, minimal_head);
	for (int i = 1; i < depth; i++)		/* <feedback> is level 1 */
		dbuf_addstr(&b, "<x>");
	for (int i = 1; i < depth; i++)
		dbuf_addstr(&b, "</x>");
	dbuf_addstr(&b, "</feedback>");
	return dbuf_steal(&b, NULL);
}

static void
test_agg_nesting(void **state)
{
	(void)state;
	for (int mode = AGG_MODE_STRICT; mode <= AGG_MODE_RECOVER; mode++) {
		char *deep = nested(40), *ok = nested(20);
		run x;

		parse_str(&x, deep, mode);
		if (x.rc != AGG_ERR_REFUSED)
			fail_msg("mode %d: 40 levels: rc %d (%s)", mode, x.rc, x.err);
		assert_non_null(strstr(x.err, "deeper"));
		assert_int_equal(x.trailers, 0);
		run_free(&x);

		parse_str(&x, ok, mode);
		assert_int_equal(x.rc, AGG_OK);
		run_free(&x);
		free(deep);
		free(ok);
	}
	/* A lower limit is honoured. */
	{
		agg_limits l;
		char *d = nested(10);
		run x;

		agg_limits_default(&l);
		l.max_depth = 8;
		parse(&x, d, strlen(d), 0, AGG_MODE_STRICT, &l);
		assert_int_equal(x.rc, AGG_ERR_REFUSED);
		run_free(&x);
		free(d);
	}
}

static void
test_agg_max_text(void **state)
{
	agg_limits l;
	dbuf b;
	run x;

	(void)state;
	agg_limits_default(&l);
	l.max_text = 16;
	dbuf_init(&b, 1 << 20);
	dbuf_addstr(&b, "<feedback><report_metadata><org_name>");
	for (int i = 0; i < 10; i++)
		dbuf_addstr(&b, "0123456789");
	dbuf_addstr(&b, "</org_name><report_id>r</report_id></report_metadata>"
	    "<policy_published><domain>example.com</domain></policy_published>");
	dbuf_addstr(&b, rec_xml("192.0.2.1", "1"));
	dbuf_addstr(&b, "</feedback>");
	for (size_t chunk = 0; chunk <= 7; chunk += 7) {
		parse(&x, dbuf_cstr(&b), b.len, chunk, AGG_MODE_STRICT, &l);
		assert_int_equal(x.rc, AGG_OK);
		assert_string_equal(x.org_name, "0123456789012345");
		assert_warning(&x, "longer than 16 bytes: truncated");
		assert_warning(&x, "org_name");
		assert_int_equal(x.records, 1);
		run_free(&x);
	}
	/* The default limit: DM_MAX_TEXT */
	dbuf_reset(&b);
	dbuf_addstr(&b, "<feedback><report_metadata><org_name>");
	for (int i = 0; i < DM_MAX_TEXT + 100; i++)
		dbuf_addc(&b, 'a');
	dbuf_addstr(&b, "</org_name><report_id>r</report_id></report_metadata>"
	    "<policy_published><domain>example.com</domain></policy_published></feedback>");
	parse(&x, dbuf_cstr(&b), b.len, 0, AGG_MODE_STRICT, NULL);
	assert_int_equal(x.rc, AGG_OK);
	assert_int_equal(strlen(x.org_name), DM_MAX_TEXT);
	assert_warning(&x, "truncated");
	run_free(&x);
	dbuf_free(&b);
}

static void
test_agg_bad_records_skipped(void **state)
{
	dbuf body;
	char *d;
	run x;

	(void)state;
	dbuf_init(&body, 1 << 20);
	dbuf_addstr(&body, rec_xml("192.0.2.1", "5"));
	dbuf_addstr(&body, rec_xml("192.0.2.2", "-1"));
	dbuf_addstr(&body, rec_xml("192.0.2.3", "7"));
	d = doc_with(dbuf_cstr(&body));
	for (int mode = AGG_MODE_STRICT; mode <= AGG_MODE_RECOVER; mode++) {
		parse_str(&x, d, mode);
		assert_int_equal(x.rc, AGG_OK);
		assert_int_equal(x.records, 2);
		assert_int_equal(x.skipped_ctr, 1);
		assert_int_equal(x.records_ctr, 2);
		assert_int_equal(x.messages_ctr, 12);
		assert_log_has(&x, "R ip=192.0.2.1 fam=4 count=5");
		assert_log_has(&x, "R ip=192.0.2.3 fam=4 count=7");
		assert_null(strstr(LOG(&x), "192.0.2.2 "));
		assert_error_note(&x, "record 2 skipped: invalid <count> '-1'");
		run_free(&x);
	}
	free(d);

	/* Other unusable rows: bad IP, no IP, no count, absurd count, junk count. */
	dbuf_reset(&body);
	dbuf_addstr(&body, rec_xml("not-an-ip", "1"));
	dbuf_addstr(&body, rec_xml("", "1"));
	dbuf_addstr(&body, rec_xml("192.0.2.5", ""));
	dbuf_addstr(&body, rec_xml("192.0.2.6", "99999999999"));
	dbuf_addstr(&body, rec_xml("192.0.2.7", "12abc"));
	dbuf_addstr(&body, rec_xml("192.0.2.8", "+3"));
	dbuf_addstr(&body, rec_xml("192.0.2.9", "18446744073709551616"));
	dbuf_addstr(&body, rec_xml("1.2.3.4.5", "1"));
	dbuf_addstr(&body, rec_xml("192.0.2.10", "0"));
	d = doc_with(dbuf_cstr(&body));
	parse_str(&x, d, AGG_MODE_STRICT);
	assert_int_equal(x.rc, AGG_OK);
	assert_int_equal(x.records, 1);
	assert_int_equal(x.skipped_ctr, 8);
	assert_log_has(&x, "R ip=192.0.2.10 fam=4 count=0");
	assert_error_note(&x, "invalid <source_ip> 'not-an-ip'");
	assert_error_note(&x, "record 2 skipped: invalid <source_ip> ''");
	assert_error_note(&x, "invalid <count> '99999999999'");
	run_free(&x);
	free(d);
	dbuf_free(&body);
}

static void
test_agg_schema_detection(void **state)
{
	static const struct {
		const char *open;	/* root start tag */
		const char *version;
		int schema;
		const char *ns;
	} cases[] = {
		{ "<feedback xmlns=\"urn:ietf:params:xml:ns:dmarc-2.0\">", "", DM_SCHEMA_RFC9990,
		    "urn:ietf:params:xml:ns:dmarc-2.0" },
		{ "<feedback xmlns=\"urn:ietf:params:xml:ns:dmarc-2.0\">", "<version>1.0</version>",
		    DM_SCHEMA_RFC9990, "urn:ietf:params:xml:ns:dmarc-2.0" },
		{ "<feedback xmlns=\"http://dmarc.org/dmarc-xml/0.2\">", "", DM_SCHEMA_RFC9990,
		    "http://dmarc.org/dmarc-xml/0.2" },
		{ "<feedback>", "<version>1.0</version>", DM_SCHEMA_RFC7489, NULL },
		{ "<feedback xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" "
		    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">",
		    "<version>1.0</version>", DM_SCHEMA_RFC7489, NULL },
		{ "<feedback>", "", DM_SCHEMA_DRAFT, NULL },
		{ "<feedback xmlns=\"urn:example:other\">", "", DM_SCHEMA_DRAFT,
		    "urn:example:other" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int mode = AGG_MODE_STRICT; mode <= AGG_MODE_RECOVER; mode++) {
			char doc[4096];
			run x;

			snprintf(doc, sizeof(doc), "<?xml version=\"1.0\"?>\n%s%s%s%s</feedback>",
			    cases[i].open, cases[i].version, minimal_head + strlen("<feedback>"),
			    rec_xml("192.0.2.1", "1"));
			parse_str(&x, doc, mode);
			if (x.rc != AGG_OK || x.schema != cases[i].schema || x.records != 1)
				fail_msg("case %zu mode %d: rc %d schema %d records %d", i, mode,
				    x.rc, x.schema, x.records);
			if (cases[i].ns == NULL)
				assert_null(x.xml_namespace);
			else
				assert_string_equal(x.xml_namespace, cases[i].ns);
			run_free(&x);
		}
	}
}

static void
test_agg_rfc9990_fields(void **state)
{
	static const char doc[] =
	    "<feedback xmlns=\"urn:ietf:params:xml:ns:dmarc-2.0\">"
	    "<report_metadata><org_name>o</org_name><email>a@o.example</email>"
	    "<report_id>r</report_id><date_range><begin>1</begin><end>2</end></date_range>"
	    "<generator>gen 1.0</generator></report_metadata>"
	    "<policy_published><domain>example.com</domain><p>none</p><sp>none</sp>"
	    "<np>reject</np><testing>n</testing><discovery_method>treewalk</discovery_method>"
	    "</policy_published>"
	    "<extension><whatever>x</whatever></extension>"
	    "<record><row><source_ip>192.0.2.1</source_ip><count>1</count>"
	    "<policy_evaluated><disposition>pass</disposition><dkim>pass</dkim><spf>pass</spf>"
	    "<reason><type>forwarded</type></reason></policy_evaluated></row>"
	    "<identifiers><header_from>example.com</header_from></identifiers>"
	    "<auth_results><dkim><domain>example.com</domain><selector>s</selector>"
	    "<result>pass</result><human_result lang=\"en\">ok</human_result></dkim>"
	    "</auth_results><ext:added xmlns:ext=\"urn:x\">1</ext:added></record>"
	    "</feedback>";
	run x;

	(void)state;
	parse_str(&x, doc, AGG_MODE_STRICT);
	assert_int_equal(x.rc, AGG_OK);
	assert_int_equal(x.schema, DM_SCHEMA_RFC9990);
	assert_log_has(&x, "gen=gen 1.0");
	assert_log_has(&x, "np=reject(reject) pct=-1 fo=(null) t=n disc=treewalk");
	assert_log_has(&x, "disp=pass(pass)");
	assert_log_has(&x, "dkim=example.com/s/pass(pass)/ok");
	assert_warning(&x, "removed in RFC 9990");
	assert_non_null(x.extensions);
	assert_non_null(strstr(x.extensions, "whatever"));
	assert_non_null(strstr(x.extensions, "ext:added"));
	run_free(&x);
}

static void
test_agg_max_records(void **state)
{
	agg_limits l;

	(void)state;
	agg_limits_default(&l);
	l.max_records = 2;
	for (int mode = AGG_MODE_STRICT; mode <= AGG_MODE_RECOVER; mode++) {
		run x;

		parse(&x, report3, REPORT3_LEN, 0, mode, &l);
		assert_int_equal(x.rc, AGG_ERR_REFUSED);
		assert_int_equal(x.records, 2);
		assert_int_equal(x.trailers, 0);
		assert_non_null(strstr(x.err, "more than 2 records"));
		run_free(&x);
	}
	/* exactly at the limit is fine */
	l.max_records = 3;
	{
		run x;

		parse(&x, report3, REPORT3_LEN, 0, AGG_MODE_STRICT, &l);
		assert_int_equal(x.rc, AGG_OK);
		assert_int_equal(x.records, 3);
		run_free(&x);
	}
	/* max_count */
	agg_limits_default(&l);
	l.max_count = 5;
	{
		run x;

		parse(&x, report3, REPORT3_LEN, 0, AGG_MODE_STRICT, &l);
		assert_int_equal(x.rc, AGG_OK);
		assert_int_equal(x.records, 2);		/* count 10 is over 5 */
		assert_int_equal(x.skipped_ctr, 1);
		run_free(&x);
	}
}

static void
test_agg_quirks(void **state)
{
	static const char doc[] =
	    "<?xml version='1.0' encoding='utf-8'?><feedback><report_metadata>"
	    "<report_id>r</report_id><org_name></org_name><email>x@mail.example</email>"
	    "<date_range><begin>1706159544.0</begin><end>1706245944000</end></date_range>"
	    "<unknown-tag1>z</unknown-tag1></report_metadata>"
	    "<policy_published><domain>example.com</domain><p>none</p><sp></sp></policy_published>"
	    "<policy_published><domain>other.example</domain><p>reject</p></policy_published>"
	    "<record><row><source_ip>192.0.2.1</source_ip><count>1</count>"
	    "<policy_evaluated><disposition>none</disposition><dkim>pass</dkim>"
	    "<spf>softfail</spf><reason><type></type><comment></comment></reason>"
	    "</policy_evaluated></row>"
	    "<identities><header_from>example.com</header_from></identities>"
	    "<auth_results></auth_results></record></feedback>";
	run x;

	(void)state;
	parse_str(&x, doc, AGG_MODE_STRICT);
	assert_int_equal(x.rc, AGG_OK);
	assert_int_equal(x.records, 1);
	assert_log_has(&x, "begin=1706159544 end=1706245944 dom=example.com");
	assert_log_has(&x, "p=none(none) sp=none()");	/* empty sp: p is used */
	assert_log_has(&x, "npol=2");
	assert_log_has(&x, "spf=fail(softfail) hf=example.com");
	assert_log_has(&x, "reason=other()/");
	assert_warning(&x, "fractional");
	assert_warning(&x, "milliseconds");
	assert_warning(&x, "more than one <policy_published>");
	assert_warning(&x, "another <policy_published> names domain 'other.example'");
	assert_warning(&x, "unknown element <unknown-tag1>");
	assert_warning(&x, "org_name is empty");
	assert_warning(&x, "sp is empty");
	run_free(&x);
}

static void
test_agg_wrapper_and_trailing_junk(void **state)
{
	char *d = doc_with(rec_xml("192.0.2.1", "1"));
	dbuf b;
	run x;

	(void)state;
	/* IKEA: an unclosed <xs:schema> around the report (not well-formed). */
	dbuf_init(&b, 1 << 20);
	dbuf_addstr(&b, "<?xml version=\"1.0\"?><xs:schema xmlns:xs="
	    "\"http://www.w3.org/2001/XMLSchema\">");
	dbuf_addstr(&b, d);
	parse(&x, dbuf_cstr(&b), b.len, 0, AGG_MODE_STRICT, NULL);
	assert_int_equal(x.rc, AGG_OK);
	assert_int_equal(x.records, 1);
	assert_warning(&x, "stray <xs:schema>");
	run_free(&x);
	/* Junk after </feedback>, where expat sees it only at the end */
	dbuf_reset(&b);
	dbuf_addstr(&b, d);
	dbuf_addstr(&b, "\n<garbage>");
	parse(&x, dbuf_cstr(&b), b.len, 0, AGG_MODE_STRICT, NULL);
	assert_int_equal(x.rc, AGG_OK);
	assert_int_equal(x.records, 1);
	assert_warning(&x, "after </feedback>");
	run_free(&x);
	dbuf_free(&b);
	free(d);
}

static void
test_agg_trailing_junk_one_trailer(void **state)
{
	char *d = doc_with(rec_xml("192.0.2.1", "1"));
	dbuf b;
	run one, bytes;
	int ok;

	(void)state;
	/* Junk that expat rejects before the final call: "junk after document
	 * element" at the '<' of a second element. */
	dbuf_init(&b, 1 << 20);
	dbuf_addstr(&b, d);
	dbuf_addstr(&b, "\n<garbage/><more/>");
	parse(&one, dbuf_cstr(&b), b.len, 0, AGG_MODE_STRICT, NULL);
	parse(&bytes, dbuf_cstr(&b), b.len, 1, AGG_MODE_STRICT, NULL);
	assert_int_equal(one.rc, AGG_OK);
	assert_int_equal(bytes.rc, AGG_OK);
	assert_int_equal(one.records, 1);
	assert_int_equal(bytes.records, 1);
	ok = one.trailers == 1 && bytes.trailers == 1;
	if (!ok)
		print_message("trailer calls: %d (one chunk + finish), %d (1-byte chunks)\n",
		    one.trailers, bytes.trailers);
	run_free(&one);
	run_free(&bytes);
	dbuf_free(&b);
	free(d);
	/*
	 * Was a bug: once the report was complete, junk after </feedback> made
	 * every further agg_feed() and the final agg_finish() call the trailer
	 * again (ingest.c on_trailer() then counted the records twice).
	 */
	assert_true(ok);
}

/* One UTF-16 code unit, in either byte order. */
static void
put_u16(dbuf *b, unsigned u, int be)
{
	dbuf_addc(b, (char)(be ? u >> 8 : u & 0xff));
	dbuf_addc(b, (char)(be ? u & 0xff : u >> 8));
}

/* s (valid UTF-8) as UTF-16, appended to b. */
static void
add_utf16(dbuf *b, const char *s, int be)
{
	const unsigned char *u = (const unsigned char *)s;

	while (*u != '\0') {
		unsigned cp;
		int k;

		if (u[0] < 0x80) {
			cp = u[0];
			k = 0;
		} else if (u[0] < 0xe0) {
			cp = u[0] & 0x1f;
			k = 1;
		} else if (u[0] < 0xf0) {
			cp = u[0] & 0x0f;
			k = 2;
		} else {
			cp = u[0] & 0x07;
			k = 3;
		}
		u++;
		while (k-- > 0)
			cp = cp << 6 | (*u++ & 0x3f);
		if (cp >= 0x10000) {
			put_u16(b, 0xd800 + ((cp - 0x10000) >> 10), be);
			put_u16(b, 0xdc00 + ((cp - 0x10000) & 0x3ff), be);
		} else
			put_u16(b, cp, be);
	}
}

/* UTF-16 test documents: BOM or not, either byte order. */
enum { U16_LE_BOM, U16_BE_BOM, U16_LE, U16_BE, U16_NVARIANTS };

static const char *const u16_variant[U16_NVARIANTS] = {
	"UTF-16LE with a BOM", "UTF-16BE with a BOM", "UTF-16LE without a BOM",
	"UTF-16BE without a BOM",
};

/* Latin-1, CJK and a character outside the BMP (a surrogate pair). */
#define U16_ORG "Sue\xc3\xb1o \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x93\xa8"

static void
utf16_doc(dbuf *b, int variant, const char *decl_enc, const char *body)
{
	int be = variant == U16_BE_BOM || variant == U16_BE;

	dbuf_reset(b);
	if (variant == U16_LE_BOM || variant == U16_BE_BOM)
		put_u16(b, 0xfeff, be);
	add_utf16(b, "<?xml version=\"1.0\" encoding=\"", be);
	add_utf16(b, decl_enc, be);
	add_utf16(b, "\"?>\n<feedback><report_metadata><org_name>" U16_ORG "</org_name>", be);
	add_utf16(b, body, be);
	add_utf16(b, "<report_id>r</report_id><date_range><begin>1</begin><end>2</end>"
	    "</date_range></report_metadata><policy_published><domain>example.com</domain>"
	    "<p>none</p></policy_published>", be);
	add_utf16(b, rec_xml("192.0.2.1", "1"), be);
	add_utf16(b, "</feedback>", be);
}

static void
test_agg_bom_and_utf16(void **state)
{
	char *d = doc_with(rec_xml("192.0.2.1", "1"));
	size_t n = strlen(d);
	dbuf b;
	run whole, bytes;

	(void)state;
	/* UTF-8 BOM, whole and byte by byte */
	dbuf_init(&b, 1 << 20);
	dbuf_addstr(&b, "\xef\xbb\xbf");
	dbuf_addstr(&b, d);
	parse(&whole, dbuf_cstr(&b), b.len, 0, AGG_MODE_STRICT, NULL);
	assert_int_equal(whole.rc, AGG_OK);
	assert_int_equal(whole.records, 1);
	parse(&bytes, dbuf_cstr(&b), b.len, 1, AGG_MODE_STRICT, NULL);
	assert_int_equal(bytes.rc, AGG_OK);
	assert_string_equal(LOG(&whole), LOG(&bytes));
	run_free(&whole);
	run_free(&bytes);

	/* UTF-16LE with a BOM */
	dbuf_reset(&b);
	dbuf_addstr(&b, "\xff\xfe");
	for (size_t i = 0; i < n; i++) {
		dbuf_addc(&b, d[i]);
		dbuf_addc(&b, '\0');
	}
	parse(&whole, b.data, b.len, 0, AGG_MODE_STRICT, NULL);
	assert_int_equal(whole.rc, AGG_OK);
	assert_int_equal(whole.records, 1);
	/*
	 * Was a bug (agg_parse.c feed(): the BOM test needed 2 bytes in the
	 * first chunk): fed 1 byte at a time, the same document went through
	 * the UTF-8 repair filter and failed.
	 */
	parse(&bytes, b.data, b.len, 1, AGG_MODE_STRICT, NULL);
	assert_int_equal(bytes.rc, AGG_OK);
	assert_string_equal(LOG(&whole), LOG(&bytes));
	run_free(&whole);
	run_free(&bytes);

	/* Every variant, with non-ASCII text: the same whatever the chunking. */
	for (int v = 0; v < U16_NVARIANTS; v++) {
		utf16_doc(&b, v, "UTF-16", "");
		parse(&whole, b.data, b.len, 0, AGG_MODE_STRICT, NULL);
		if (whole.rc != AGG_OK || whole.records != 1 || whole.org_name == NULL ||
		    strcmp(whole.org_name, U16_ORG) != 0)
			fail_msg("%s: rc %d, %d records, org_name '%s'", u16_variant[v], whole.rc,
			    whole.records, whole.org_name != NULL ? whole.org_name : "(null)");
		for (size_t chunk = 1; chunk <= 5; chunk++) {
			parse(&bytes, b.data, b.len, chunk, AGG_MODE_STRICT, NULL);
			if (strcmp(LOG(&whole), LOG(&bytes)) != 0)
				fail_msg("%s in %zu-byte chunks:\n%s\nwhole:\n%s", u16_variant[v],
				    chunk, LOG(&bytes), LOG(&whole));
			run_free(&bytes);
		}
		run_free(&whole);
	}
	dbuf_free(&b);
	free(d);
}

static void
test_agg_encoding_held_bytes(void **state)
{
	agg_handler h = { on_header, on_record, on_trailer, NULL };
	agg_parser *p;
	run x;

	(void)state;
	/* Bytes that might start a UTF-16 document, then the end: parsed (and
	 * refused as not well-formed), not taken for an empty document. */
	static const struct { const char *s; size_t n; } starts[] = {
		{ "\xff", 1 }, { "\xfe", 1 }, { "<", 1 }, { "\0", 1 }, { "<\0", 2 },
		{ "<\0?", 3 }, { "\0<\0", 3 },
	};

	for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
		run_init(&x);
		h.ctx = &x;
		p = agg_new(&h, NULL, AGG_MODE_STRICT);
		assert_int_equal(agg_feed(p, starts[i].s, starts[i].n), AGG_OK);
		if (agg_finish(p) != AGG_ERR_SYNTAX)
			fail_msg("start %zu: %s", i, agg_error(p));
		assert_int_equal(x.headers + x.records + x.trailers, 0);
		agg_free(p);
		run_free(&x);
	}
	/* Nothing at all is an empty document. */
	run_init(&x);
	h.ctx = &x;
	p = agg_new(&h, NULL, AGG_MODE_STRICT);
	assert_int_equal(agg_feed(p, "", 0), AGG_OK);
	assert_int_equal(agg_finish(p), AGG_ERR_NOT_REPORT);
	assert_string_equal(agg_error(p), "empty document");
	agg_free(p);
	run_free(&x);
}

static void
test_agg_utf16_recover(void **state)
{
	char *d = doc_with(rec_xml("192.0.2.1", "1"));
	size_t n = strlen(d);
	dbuf b;
	run x, s;

	(void)state;
	dbuf_init(&b, 1 << 20);
	dbuf_addstr(&b, "\xff\xfe");
	for (size_t i = 0; i < n; i++) {
		dbuf_addc(&b, d[i]);
		dbuf_addc(&b, '\0');
	}
	/*
	 * Was a bug (agg_recover.c forced UTF-8 on the libxml2 context even
	 * for UTF-16 input): a UTF-16 report could never be recovered.
	 */
	parse(&x, b.data, b.len, 0, AGG_MODE_RECOVER, NULL);
	assert_int_equal(x.rc, AGG_OK);
	assert_int_equal(x.records, 1);
	run_free(&x);
	free(d);

	for (int v = 0; v < U16_NVARIANTS; v++) {
		static const size_t chunks[] = { 0, 1, 3, 8191 };

		/* Well-formed: the same text as the strict parse. */
		utf16_doc(&b, v, "UTF-16", "");
		parse(&s, b.data, b.len, 0, AGG_MODE_STRICT, NULL);
		assert_int_equal(s.rc, AGG_OK);
		for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
			parse(&x, b.data, b.len, chunks[c], AGG_MODE_RECOVER, NULL);
			if (x.rc != AGG_OK || x.records != 1 || x.org_name == NULL ||
			    strcmp(x.org_name, U16_ORG) != 0)
				fail_msg("%s, recovery in %zu-byte chunks: rc %d, %d records, "
				    "org_name '%s'", u16_variant[v], chunks[c], x.rc, x.records,
				    x.org_name != NULL ? x.org_name : "(null)");
			assert_string_equal(strstr(LOG(&x), "\nR "), strstr(LOG(&s), "\nR "));
			run_free(&x);
		}
		run_free(&s);

		/* Not well-formed (an unescaped <email>), and a lying declaration:
		 * strict refuses, recovery reads the text right. */
		utf16_doc(&b, v, "ISO-8859-1", "<email><bad@x.example></email>");
		parse(&s, b.data, b.len, 0, AGG_MODE_STRICT, NULL);
		assert_int_equal(s.rc, AGG_ERR_SYNTAX);
		run_free(&s);
		for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
			parse(&x, b.data, b.len, chunks[c], AGG_MODE_RECOVER, NULL);
			if (x.rc != AGG_OK || x.records != 1 || x.recovered != 1 ||
			    x.org_name == NULL || strcmp(x.org_name, U16_ORG) != 0)
				fail_msg("%s, not well-formed, recovery in %zu-byte chunks: rc %d, "
				    "%d records, org_name '%s'", u16_variant[v], chunks[c], x.rc,
				    x.records, x.org_name != NULL ? x.org_name : "(null)");
			run_free(&x);
		}
	}
	dbuf_free(&b);
}

static void
test_agg_utf16_recover_conversion(void **state)
{
	dbuf b;
	run x;

	(void)state;
	dbuf_init(&b, 1 << 22);
	for (int be = 0; be < 2; be++) {
		static const size_t chunks[] = { 0, 1, 2, 3, 4097, 8192, 8193 };

		/* A long comment of surrogate pairs first, so that the conversion
		 * runs over several of its slices; then text with a lone high and a
		 * lone low surrogate, U+FFFE, a NUL and a BEL. */
		dbuf_reset(&b);
		put_u16(&b, 0xfeff, be);
		add_utf16(&b, "<?xml version=\"1.0\" encoding=\"UTF-16\"?><!-- ", be);
		for (int i = 0; i < 6000; i++)
			add_utf16(&b, "\xf0\x9f\x93\xa8", be);
		add_utf16(&b, " --><feedback><report_metadata><org_name>a", be);
		put_u16(&b, 0xd83d, be);
		add_utf16(&b, "b", be);
		put_u16(&b, 0xdce8, be);
		add_utf16(&b, "c", be);
		put_u16(&b, 0xfffe, be);
		put_u16(&b, 0, be);
		put_u16(&b, 7, be);
		add_utf16(&b, "\xf0\x9f\x93\xa8</org_name><bad></report_metadata>"
		    "<policy_published><domain>example.com</domain></policy_published>", be);
		add_utf16(&b, rec_xml("192.0.2.1", "1"), be);
		add_utf16(&b, "</feedback>", be);
		assert_true(b.len > 3 * 8192);
		for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
			parse(&x, b.data, b.len, chunks[c], AGG_MODE_RECOVER, NULL);
			if (x.rc != AGG_OK || x.records != 1 || x.org_name == NULL ||
			    strcmp(x.org_name, "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd"
			    "\xf0\x9f\x93\xa8") != 0)
				fail_msg("UTF-16%s in %zu-byte chunks: rc %d, %d records, org_name "
				    "'%s'", be ? "BE" : "LE", chunks[c], x.rc, x.records,
				    x.org_name != NULL ? x.org_name : "(null)");
			run_free(&x);
		}
	}
	dbuf_free(&b);
}

static void
test_agg_stop_is_sticky(void **state)
{
	agg_handler h = { on_header, on_record, on_trailer, NULL };
	agg_parser *p;
	run x;

	(void)state;
	run_init(&x);
	h.ctx = &x;
	p = agg_new(&h, NULL, AGG_MODE_STRICT);
	assert_int_equal(agg_feed(p, "<html>", 6), AGG_ERR_NOT_REPORT);
	/* Feeding after an error returns the same error and calls nothing. */
	assert_int_equal(agg_feed(p, report3, REPORT3_LEN), AGG_ERR_NOT_REPORT);
	assert_int_equal(agg_finish(p), AGG_ERR_NOT_REPORT);
	assert_int_equal(x.headers + x.records + x.trailers, 0);
	assert_non_null(agg_error(p));
	agg_free(p);
	agg_free(NULL);
	run_free(&x);
}

static void
test_agg_many_dkim(void **state)
{
	dbuf b;
	run x;

	(void)state;
	/* More DKIM/SPF/reason entries than the caps: extras dropped with a warning. */
	dbuf_init(&b, 1 << 22);
	dbuf_addstr(&b, minimal_head);
	dbuf_addstr(&b, "<record><row><source_ip>192.0.2.1</source_ip><count>1</count>"
	    "<policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf>");
	for (int i = 0; i < DM_MAX_REASONS + 3; i++)
		dbuf_addstr(&b, "<reason><type>other</type><comment>c</comment></reason>");
	dbuf_addstr(&b, "</policy_evaluated></row><identifiers><header_from>example.com"
	    "</header_from></identifiers><auth_results>");
	for (int i = 0; i < DM_MAX_DKIM + 5; i++)
		dbuf_printf(&b, "<dkim><domain>d%d.example</domain><result>pass</result></dkim>", i);
	for (int i = 0; i < DM_MAX_SPF + 5; i++)
		dbuf_printf(&b, "<spf><domain>s%d.example</domain><result>pass</result></spf>", i);
	dbuf_addstr(&b, "</auth_results></record></feedback>");
	parse(&x, dbuf_cstr(&b), b.len, 0, AGG_MODE_STRICT, NULL);
	assert_int_equal(x.rc, AGG_OK);
	assert_int_equal(x.records, 1);
	assert_log_has(&x, "dkim=d127.example/");
	assert_null(strstr(LOG(&x), "dkim=d128.example/"));
	assert_log_has(&x, "spf=s15.example/");
	assert_null(strstr(LOG(&x), "spf=s16.example/"));
	assert_warning(&x, "DKIM results in a record: extra dropped");
	assert_warning(&x, "SPF results in a record: extra dropped");
	assert_warning(&x, "<reason> in a record: extra dropped");
	run_free(&x);
	dbuf_free(&b);
}

static void
test_agg_truncation_keeps_utf8(void **state)
{
	agg_limits l;
	dbuf b;
	run x;
	int ok;

	(void)state;
	/* 15 ASCII bytes + a 2-byte character, cut at 16 bytes */
	agg_limits_default(&l);
	l.max_text = 16;
	dbuf_init(&b, 1 << 20);
	dbuf_addstr(&b, "<feedback><report_metadata><org_name>aaaaaaaaaaaaaaa\xc3\xa9zz"
	    "</org_name><report_id>r</report_id></report_metadata><policy_published>"
	    "<domain>example.com</domain></policy_published></feedback>");
	parse(&x, dbuf_cstr(&b), b.len, 0, AGG_MODE_STRICT, &l);
	assert_int_equal(x.rc, AGG_OK);
	assert_non_null(x.org_name);
	assert_true(strncmp(x.org_name, "aaaaaaaaaaaaaaa", 15) == 0);
	ok = valid_utf8(x.org_name);
	run_free(&x);
	dbuf_free(&b);
	/*
	 * BUG (src/report/agg_core.c, agg_core_text(): `n = room` cuts the text
	 * at max_text bytes without backing up to a character boundary): the
	 * stored string ends with half a UTF-8 character ("aaa...a\xc3").  Seen
	 * end to end: `dmarcscope export --format json` then omits the whole
	 * "org_name" key (jansson's json_string() refuses invalid UTF-8 and
	 * json_object_set_new() silently drops NULL).
	 */
	KNOWN_BUG(ok, "agg_core.c agg_core_text(): text truncated at max_text splits a "
	    "UTF-8 character (org_name ends in a lone 0xC3 byte)");
}

static void
test_agg_notes_keep_utf8(void **state)
{
	dbuf b;
	run x;
	int ok_shown = 1, ok_error = 1, ok_ext;

	(void)state;
	/* an unknown element whose name is 'x' + 40 two-byte characters: the
	 * note shows a truncated copy of it */
	dbuf_init(&b, 1 << 20);
	dbuf_addstr(&b, "<feedback><report_metadata><org_name>o</org_name><report_id>r"
	    "</report_id><x");
	for (int i = 0; i < 40; i++)
		dbuf_addstr(&b, "\xc3\xa9");
	dbuf_addstr(&b, ">1</x");
	for (int i = 0; i < 40; i++)
		dbuf_addstr(&b, "\xc3\xa9");
	/* a reporter <error> of 1+300 two-byte characters: longer than a note */
	dbuf_addstr(&b, "><error>xy");
	for (int i = 0; i < 300; i++)
		dbuf_addstr(&b, "\xc3\xa9");
	dbuf_addstr(&b, "</error></report_metadata><policy_published><domain>example.com"
	    "</domain></policy_published><extension><x");
	/* an extension element with such a name: r->extensions holds its shown() copy */
	for (int i = 0; i < 40; i++)
		dbuf_addstr(&b, "\xc3\xa9");
	dbuf_addstr(&b, "/></extension></feedback>");
	parse(&x, dbuf_cstr(&b), b.len, 0, AGG_MODE_STRICT, NULL);
	assert_int_equal(x.rc, AGG_OK);
	assert_warning(&x, "unknown element <x\xc3\xa9");
	assert_error_note(&x, "reporter: xy\xc3\xa9");
	{
		char *w = xstrdup(x.warnings), *e = xstrdup(x.errors);

		for (char *l = strtok(w, "\n"); l != NULL; l = strtok(NULL, "\n"))
			if (!valid_utf8(l))
				ok_shown = 0;
		for (char *l = strtok(e, "\n"); l != NULL; l = strtok(NULL, "\n"))
			if (!valid_utf8(l))
				ok_error = 0;
		free(w);
		free(e);
	}
	assert_non_null(x.extensions);
	ok_ext = valid_utf8(x.extensions);
	run_free(&x);
	dbuf_free(&b);
	/*
	 * BUG (src/report/agg_core.c shown(), and src/report/report.c add_note():
	 * vsnprintf into char buf[512]): notes are cut at a byte count, so a
	 * multi-byte character at the cut is split and the note is not valid
	 * UTF-8.  store_sqlite.c json_notes() copies it into the warnings/errors
	 * JSON, which export's json_loads() then rejects: the whole "warnings"
	 * (or "errors") key disappears from `export --format json`.  The same
	 * shown() copy goes into r->extensions (agg_core_start(), extension
	 * names), so that field can be invalid UTF-8 too (found by fuzz_agg:
	 * tests/fuzz/crashes/agg-extensions-invalid-utf8*.xml).
	 */
	KNOWN_BUG(ok_shown && ok_error && ok_ext, "agg_core.c shown() / report.c add_note(): "
	    "text truncated mid-character is not valid UTF-8 (warning ok=%d, error ok=%d, "
	    "extensions ok=%d)", ok_shown, ok_error, ok_ext);
}

static void
test_agg_recover_ignores_encoding_decl(void **state)
{
	/* Mail::DMARC style: declared ISO-8859-1, Latin-1 bytes, and (here) a
	 * syntax error so that only the recovery parser can read it. */
	static const char doc[] =
	    "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<feedback><report_metadata>"
	    "<org_name>Sue\xf1o</org_name><email><bad@x.example></email>"
	    "<report_id>r1</report_id></report_metadata><policy_published>"
	    "<domain>example.com</domain></policy_published></feedback>";
	run s, r;
	int ok;

	(void)state;
	/* strict: the declaration is ignored, the byte repaired (and then the
	 * syntax error) */
	parse(&s, doc, strlen(doc), 0, AGG_MODE_STRICT, NULL);
	assert_int_equal(s.rc, AGG_ERR_SYNTAX);
	parse(&r, doc, strlen(doc), 0, AGG_MODE_RECOVER, NULL);
	assert_int_equal(r.rc, AGG_OK);
	assert_non_null(r.org_name);
	ok = strcmp(r.org_name, "Sue\xc3\xb1o") == 0;
	if (!ok)
		print_message("recovered org_name: '%s'\n", r.org_name);
	run_free(&s);
	run_free(&r);
	/*
	 * BUG (src/report/agg_recover.c agg_recover_feed(): the input is already
	 * UTF-8 (utf8fix.c) and xmlSwitchEncoding(UTF8) is called, but without
	 * XML_PARSE_IGNORE_ENC libxml2 still obeys the encoding="..." of the XML
	 * declaration): the repaired UTF-8 is decoded a second time as Latin-1,
	 * so "Sue\xf1o" comes out as "SueÃ±o" in a recovered report (expat, in
	 * strict mode, gets it right).  An unknown or multi-byte declared
	 * encoding (encoding="UTF-7", found by fuzz_agg) also makes libxml2 print
	 * "encoding error : input conversion failed ..." / "I/O error : encoder
	 * error" on stderr, bypassing log.h.
	 */
	KNOWN_BUG(ok, "agg_recover.c agg_recover_feed(): the recovery parser honours "
	    "encoding=\"ISO-8859-1\" on already-repaired UTF-8 (mojibake)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_agg_values),
		cmocka_unit_test(test_agg_streaming_boundaries),
		cmocka_unit_test(test_agg_modes_agree_on_wellformed),
		cmocka_unit_test(test_agg_header_stop),
		cmocka_unit_test(test_agg_callback_failures),
		cmocka_unit_test(test_agg_doctype_refused),
		cmocka_unit_test(test_agg_not_report),
		cmocka_unit_test(test_agg_truncated),
		cmocka_unit_test(test_agg_bad_email_recovered),
		cmocka_unit_test(test_agg_broken_close_tag_recovered),
		cmocka_unit_test(test_agg_nesting),
		cmocka_unit_test(test_agg_max_text),
		cmocka_unit_test(test_agg_bad_records_skipped),
		cmocka_unit_test(test_agg_schema_detection),
		cmocka_unit_test(test_agg_rfc9990_fields),
		cmocka_unit_test(test_agg_max_records),
		cmocka_unit_test(test_agg_quirks),
		cmocka_unit_test(test_agg_wrapper_and_trailing_junk),
		cmocka_unit_test(test_agg_trailing_junk_one_trailer),
		cmocka_unit_test(test_agg_bom_and_utf16),
		cmocka_unit_test(test_agg_encoding_held_bytes),
		cmocka_unit_test(test_agg_utf16_recover),
		cmocka_unit_test(test_agg_utf16_recover_conversion),
		cmocka_unit_test(test_agg_recover_ignores_encoding_decl),
		cmocka_unit_test(test_agg_stop_is_sticky),
		cmocka_unit_test(test_agg_many_dkim),
		cmocka_unit_test(test_agg_truncation_keeps_utf8),
		cmocka_unit_test(test_agg_notes_keep_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
