/*
 * test_services.c - unit tests for src/analyze/services.c: our
 * data/services.csv, a file in parsedmarc's base_reverse_dns_map.csv layout
 * (tests/fixtures/services/), the CSV reader (quoting, comments, CRLF, BOM,
 * bad lines and their line numbers, the caps), AS keys, type names and the
 * lookups by domain, reverse-DNS name and AS number.
 *
 * Paths are relative to the repository root (where `make check` runs the
 * tests); when that fails, they are tried relative to the test binary
 * (build/tests/../../).
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

#include "analyze/services.h"

/* ---- helpers ------------------------------------------------------------ */

/* rel relative to the repository root, found from the cwd or the binary. */
static const char *
srcpath(const char *rel)
{
	static char buf[4096];
	char exe[4000], *slash;
	ssize_t n;

	if (access(rel, R_OK) == 0)
		return rel;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return rel;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) != NULL)
		*slash = '\0';
	snprintf(buf, sizeof(buf), "%s/../../%s", exe, rel);
	return buf;
}

/* Write n bytes to a fresh temporary file; returns its path (static). */
static const char *
tmpfile_with(const char *data, size_t n)
{
	static char path[64];
	FILE *fp;
	int fd;

	snprintf(path, sizeof(path), "/tmp/test_services_XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, n, fp), n);
	assert_int_equal(fclose(fp), 0);
	return path;
}

/* Load text into m from a temporary file; the path goes into path_out. */
static int
load_text(services *m, const char *text, size_t n, char *err, size_t errlen,
    char *path_out, size_t pathlen)
{
	const char *p = tmpfile_with(text, n);
	int rc;

	if (path_out != NULL)
		snprintf(path_out, pathlen, "%s", p);
	rc = services_load(m, p, err, errlen);
	unlink(p);
	return rc;
}

static void
expect_svc(const service *s, const char *what, const char *name, service_type type,
    int forwards)
{
	if (s == NULL)
		fail_msg("%s: not found, want %s", what, name);
	if (strcmp(s->name, name) != 0 || s->type != type || s->forwards != forwards)
		fail_msg("%s: got \"%s\" %s forwards=%d, want \"%s\" %s forwards=%d", what,
		    s->name, service_type_name(s->type), s->forwards, name,
		    service_type_name(type), forwards);
}

/* ---- data/services.csv --------------------------------------------------- */

static const struct {
	int how;		/* 'h' by_host, 'd' by_domain */
	const char *q;
	const char *name;
	service_type type;
	int forwards;
} data_cases[] = {
	{ 'h', "mail-sor-f41.google.com", "Google", SVC_EMAIL_PROVIDER, 1 },
	{ 'h', "mail-yw1-f176.google.com.", "Google", SVC_EMAIL_PROVIDER, 1 },
	{ 'h', "MAIL-SOR-F41.GOOGLE.COM", "Google", SVC_EMAIL_PROVIDER, 1 },
	{ 'h', "ig-in-f26.1e100.net", "Google", SVC_EMAIL_PROVIDER, 1 },
	{ 'd', "example-com.20230601.gappssmtp.com", "Google Workspace",
	    SVC_EMAIL_PROVIDER, 1 },
	{ 'd', "gappssmtp.com", "Google Workspace", SVC_EMAIL_PROVIDER, 1 },
	{ 'd', "googlegroups.com", "Google Groups", SVC_MAILING_LIST, 1 },
	{ 'h', "mail-eopbgr1300053.outbound.protection.outlook.com", "Microsoft",
	    SVC_EMAIL_PROVIDER, 1 },
	{ 'd', "contoso.onmicrosoft.com", "Microsoft 365", SVC_EMAIL_PROVIDER, 1 },
	{ 'd', "protection.outlook.com", "Microsoft 365", SVC_EMAIL_PROVIDER, 1 },
	{ 'd', "outlook.com", "Microsoft", SVC_EMAIL_PROVIDER, 1 },
	{ 'h', "a8-30.smtp-out.amazonses.com", "Amazon SES", SVC_TRANSACTIONAL, 0 },
	{ 'd', "amazonses.com", "Amazon SES", SVC_TRANSACTIONAL, 0 },
	{ 'h', "ec2-198-51-100-7.compute-1.amazonaws.com", "Amazon Web Services",
	    SVC_HOSTING, 0 },
	{ 'd', "sendgrid.net", "Twilio SendGrid", SVC_TRANSACTIONAL, 0 },
	{ 'h', "o1.ptr1234.sendgrid.net", "Twilio SendGrid", SVC_TRANSACTIONAL, 0 },
	{ 'h', "mail180-7.suw21.mcsv.net", "Mailchimp", SVC_MARKETING, 0 },
	{ 'h', "mx0a-00123401.pphosted.com", "Proofpoint", SVC_SECURITY, 1 },
	{ 'h', "esa1.example.iphmx.com", "Cisco Secure Email (IronPort)", SVC_SECURITY, 1 },
	{ 'd', "groups.io", "Groups.io", SVC_MAILING_LIST, 1 },
	{ 'd', "pobox.com", "Pobox", SVC_FORWARDER, 1 },
	{ 'd', "yahoo.co.jp", "Yahoo! JAPAN", SVC_EMAIL_PROVIDER, 1 },
	{ 'd', "ezweb.ne.jp", "KDDI au", SVC_EMAIL_PROVIDER, 1 },
	{ 'd', "docomo.ne.jp", "NTT Docomo", SVC_EMAIL_PROVIDER, 1 },
	{ 'h', "p1234-ipoe.tokyo.ocn.ne.jp", "NTT OCN", SVC_EMAIL_PROVIDER, 1 },
	{ 'd', "au.com", "KDDI (au, UQ mobile)", SVC_EMAIL_PROVIDER, 1 },
	{ 'h', "www1234.sakura.ne.jp", "さくらインターネット (Sakura Internet)", SVC_HOSTING, 1 },
	{ 'd', "cuenote.jp", "Cuenote (Yuyama)", SVC_MARKETING, 0 },
};

static void
test_data_file(void **state)
{
	char err[512];
	services *m = services_new();
	const service *s;
	size_t i;

	(void)state;
	assert_int_equal(services_load(m, srcpath("data/services.csv"), err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_true(services_count(m) >= 150);
	for (i = 0; i < sizeof(data_cases) / sizeof(data_cases[0]); i++) {
		s = data_cases[i].how == 'h' ? services_by_host(m, data_cases[i].q) :
		    services_by_domain(m, data_cases[i].q);
		expect_svc(s, data_cases[i].q, data_cases[i].name, data_cases[i].type,
		    data_cases[i].forwards);
		/* our file writes the canonical type names */
		assert_string_equal(s->type_raw, service_type_name(s->type));
	}
	s = services_by_asn(m, 15169);
	expect_svc(s, "AS15169", "Google", SVC_EMAIL_PROVIDER, 1);
	assert_string_equal(s->key, "AS15169");
	expect_svc(services_by_asn(m, 8075), "AS8075", "Microsoft", SVC_EMAIL_PROVIDER, 1);
	assert_null(services_by_asn(m, 64496));	/* documentation AS */
	assert_null(services_by_domain(m, "example.com"));
	assert_null(services_by_host(m, "host.example.net"));
	services_free(m);
}

static void
test_load_default(void **state)
{
	char err[512], old[4096] = "";
	const char *env = getenv("DMARCSCOPE_SERVICES");
	services *m;
	size_t n;

	(void)state;
	if (env != NULL)
		snprintf(old, sizeof(old), "%s", env);
	setenv("DMARCSCOPE_SERVICES", srcpath("data/services.csv"), 1);
	m = services_new();
	assert_int_equal(services_load_default(m, err, sizeof(err)), 0);
	n = services_count(m);
	assert_true(n >= 150);
	services_free(m);

	setenv("DMARCSCOPE_SERVICES", "/nonexistent/services.csv", 1);
	m = services_new();
	assert_int_equal(services_load_default(m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/services.csv"));
	services_free(m);

	/* Without the variable: DS_DATADIR ("data") from the repository root. */
	unsetenv("DMARCSCOPE_SERVICES");
	if (access("data/services.csv", R_OK) == 0) {
		m = services_new();
		assert_int_equal(services_load_default(m, err, sizeof(err)), 0);
		assert_int_equal(services_count(m), n);
		services_free(m);
	}
	if (env != NULL)
		setenv("DMARCSCOPE_SERVICES", old, 1);
}

/* ---- parsedmarc's layout --------------------------------------------------- */

static void
test_parsedmarc_file(void **state)
{
	char err[512];
	services *m = services_new();
	const service *s, *before;
	size_t n;

	(void)state;
	assert_int_equal(services_load(m, srcpath("data/services.csv"), err, sizeof(err)), 0);
	n = services_count(m);
	before = services_by_domain(m, "sendgrid.net");
	assert_non_null(before);
	assert_int_equal(services_load(m, srcpath("tests/fixtures/services/parsedmarc_map.csv"),
	    err, sizeof(err)), 0);
	assert_string_equal(err, "");
	/* 10 rows; sendgrid.net overrides an existing key. */
	assert_int_equal(services_count(m), n + 9);

	expect_svc(services_by_domain(m, "example-esp.test"), "esp", "Example ESP",
	    SVC_MARKETING, 0);
	s = services_by_domain(m, "example-mailbox.test");
	expect_svc(s, "mailbox", "Example Mail, Inc.", SVC_EMAIL_PROVIDER, 0);
	assert_string_equal(s->type_raw, "Email Provider");
	assert_string_equal(s->key, "example-mailbox.test");
	expect_svc(services_by_domain(m, "example-gateway.test"), "gateway",
	    "Example Gateway", SVC_SECURITY, 0);
	expect_svc(services_by_domain(m, "example-host.test"), "host", "Example Hosting",
	    SVC_HOSTING, 0);
	expect_svc(services_by_domain(m, "example-isp.test"), "isp", "Example ISP", SVC_ISP, 0);
	expect_svc(services_by_domain(m, "example-saas.test"), "saas", "Example SaaS",
	    SVC_CRM, 0);
	s = services_by_domain(m, "example-bank.test");
	expect_svc(s, "bank", "Example \"Quoted\" Bank", SVC_OTHER, 0);
	assert_string_equal(s->type_raw, "Finance");
	expect_svc(services_by_domain(m, "example-upper.test"), "upper", "Upper Case Key",
	    SVC_EMAIL_PROVIDER, 0);
	expect_svc(services_by_domain(m, "Example-Upper.Test."), "upper query",
	    "Upper Case Key", SVC_EMAIL_PROVIDER, 0);
	expect_svc(services_by_domain(m, "example-iaas.test"), "iaas", "Example Cloud",
	    SVC_HOSTING, 0);
	/* The later file wins; what an earlier lookup returned stays valid. */
	expect_svc(services_by_domain(m, "sendgrid.net"), "override", "Overridden SendGrid",
	    SVC_MARKETING, 0);
	assert_string_equal(before->name, "Twilio SendGrid");
	/* The header row is not an entry. */
	assert_null(services_by_domain(m, "base_reverse_dns"));
	services_free(m);
}

/* ---- the CSV reader: good files --------------------------------------------- */

static void
test_csv_quoting_and_comments(void **state)
{
	static const char text[] =
	    "# a comment\n"
	    "   # an indented comment, with \"quotes\" and, commas\n"
	    "\n"
	    "   \t \n"
	    "\"quoted.test\",\"Name, with comma\",marketing,yes\n"
	    "multi.test,\"two\nlines\",other,no\r\n"
	    "  spaced.test ,  Spaced Name  ,  isp , no \n"
	    "\"after.test\" , \"Quoted Name\" ,transactional\n"
	    "escaped.test,\"He said \"\"hi\"\"\",crm,1\n"
	    "empty-type.test,No Type\n"
	    "empty-type2.test,No Type,,\n"
	    "dot.test.,Trailing Dot,hosting,TRUE\n"
	    "hash.test,Name # not a comment,other,false\n"
	    "dup.test,First,other,no\n"
	    "dup.test,Second,other,Y\n"
	    "utf8.test,さくら,hosting,0\n"
	    "last.test,No Final Newline,forwarder,yes";
	char err[512];
	services *m = services_new();
	const service *s;

	(void)state;
	assert_int_equal(load_text(m, text, sizeof(text) - 1, err, sizeof(err), NULL, 0), 0);
	assert_int_equal(services_count(m), 12);
	expect_svc(services_by_domain(m, "quoted.test"), "quoted", "Name, with comma",
	    SVC_MARKETING, 1);
	expect_svc(services_by_domain(m, "multi.test"), "multi", "two\nlines", SVC_OTHER, 0);
	expect_svc(services_by_domain(m, "spaced.test"), "spaced", "Spaced Name", SVC_ISP, 0);
	expect_svc(services_by_domain(m, "after.test"), "after", "Quoted Name",
	    SVC_TRANSACTIONAL, 0);
	expect_svc(services_by_domain(m, "escaped.test"), "escaped", "He said \"hi\"",
	    SVC_CRM, 1);
	s = services_by_domain(m, "empty-type.test");
	expect_svc(s, "no type", "No Type", SVC_UNKNOWN, 0);
	assert_string_equal(s->type_raw, "");
	expect_svc(services_by_domain(m, "empty-type2.test"), "no type 2", "No Type",
	    SVC_UNKNOWN, 0);
	expect_svc(services_by_domain(m, "dot.test"), "dot", "Trailing Dot", SVC_HOSTING, 1);
	expect_svc(services_by_domain(m, "hash.test"), "hash", "Name # not a comment",
	    SVC_OTHER, 0);
	expect_svc(services_by_domain(m, "dup.test"), "dup", "Second", SVC_OTHER, 1);
	expect_svc(services_by_domain(m, "utf8.test"), "utf8", "さくら", SVC_HOSTING, 0);
	expect_svc(services_by_domain(m, "last.test"), "last", "No Final Newline",
	    SVC_FORWARDER, 1);
	services_free(m);
}

static void
test_csv_header_columns(void **state)
{
	/* A header can reorder columns and add ones we do not know. */
	static const char text[] =
	    "\xef\xbb\xbf" "BASE_REVERSE_DNS,forwards,notes,type,name\r\n"
	    "col.test,yes,whatever,,Column Order\r\n"
	    "col2.test,no,\"x,y\",Email Security,Second\r\n"
	    "short.test,no\r\n";
	char err[512];
	services *m = services_new();

	(void)state;
	assert_int_equal(load_text(m, text, sizeof(text) - 1, err, sizeof(err), NULL, 0), -1);
	assert_non_null(strstr(err, ":4: empty name"));
	assert_int_equal(services_count(m), 2);	/* rows before the error are kept */
	expect_svc(services_by_domain(m, "col.test"), "col", "Column Order", SVC_UNKNOWN, 1);
	expect_svc(services_by_domain(m, "col2.test"), "col2", "Second", SVC_SECURITY, 0);
	services_free(m);
}

static void
test_csv_empty_files(void **state)
{
	char err[512];
	services *m = services_new();

	(void)state;
	assert_int_equal(load_text(m, "", 0, err, sizeof(err), NULL, 0), 0);
	assert_int_equal(load_text(m, "\xef\xbb\xbf", 3, err, sizeof(err), NULL, 0), 0);
	assert_int_equal(load_text(m, "base_reverse_dns,name,type\n", 27, err, sizeof(err),
	    NULL, 0), 0);
	assert_int_equal(load_text(m, "# only\n# comments", 17, err, sizeof(err), NULL, 0), 0);
	assert_int_equal(services_count(m), 0);
	assert_int_equal(services_load(m, "/nonexistent/x.csv", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/x.csv"));
	/* NULL error buffer is allowed */
	assert_int_equal(services_load(m, "/nonexistent/x.csv", NULL, 0), -1);
	services_free(m);
	services_free(NULL);
}

/* ---- the CSV reader: bad lines ------------------------------------------------ */

static const struct {
	const char *text;
	const char *err;	/* expected after "path" */
} bad_cases[] = {
	{ "ok.test,OK\nonlykey\n", ":2: expected key,name" },
	{ "ok.test,OK\n,Name,isp\n", ":2: empty key" },
	{ "ok.test,OK\n.,Name,isp\n", ":2: empty key" },
	{ "a.test,,isp\n", ":1: empty name" },
	{ "a.test,\"\",isp\n", ":1: empty name" },
	{ "# c\n\na.test,Name,isp,maybe\n", ":3: forwards must be yes or no" },
	{ "a.test,Na\"me,isp\n", ":1: quote inside an unquoted field" },
	{ "\"a.test\"x,Name\n", ":1: text after a closing quote" },
	{ "ok.test,OK\n\"a.test,Name\nmore\n", ":2: unterminated quoted field" },
	{ "a b.test,Name\n", ":1: bad character in key" },
	{ "a..test,Name\n", ":1: empty label in key" },
	{ "a.test,Foo, Inc.,marketing,yes\n", ":1: 5 fields" },
	{ "ok.test,\"multi\nline\nname\",other\nbad.test\n", ":4: expected key,name" },
	{ "AS4294967296,Too Big,isp\n", ":1: AS number out of range" },
	{ "a.test,Na\0me,isp\n", ":1: NUL byte" },
	{ "base_reverse_dns,type\nx.test,isp\n", ":1: header has no \"name\" column" },
	{ "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v,w,x,y,z,1,2,3,4,5,6,7\n",
	    ":1: more than 32 fields" },
};

static void
test_csv_bad_lines(void **state)
{
	char err[512], path[64], want[600];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		services *m = services_new();
		size_t n = strlen(bad_cases[i].text);

		/* the NUL case: the text goes on past the embedded NUL */
		if (strstr(bad_cases[i].err, "NUL") != NULL)
			n += 1 + strlen(bad_cases[i].text + n + 1);
		if (load_text(m, bad_cases[i].text, n, err, sizeof(err), path, sizeof(path)) != -1)
			fail_msg("case %zu: loaded, want error %s", i, bad_cases[i].err);
		snprintf(want, sizeof(want), "%s%s", path, bad_cases[i].err);
		if (strncmp(err, want, strlen(want)) != 0)
			fail_msg("case %zu: error \"%s\", want \"%s...\"", i, err, want);
		services_free(m);
	}
}

static void
test_csv_line_cap(void **state)
{
	char *text = malloc(3 * 4200), err[512];
	services *m = services_new();
	size_t n;

	(void)state;
	assert_non_null(text);
	/* Exactly 4096 bytes: accepted. */
	memcpy(text, "cap.test,", 9);
	memset(text + 9, 'n', 4096 - 9);
	text[4096] = '\n';
	assert_int_equal(load_text(m, text, 4097, err, sizeof(err), NULL, 0), 0);
	assert_int_equal(strlen(services_by_domain(m, "cap.test")->name), 4096 - 9);
	/* 4097 bytes on line 2: refused, naming the line. */
	memmove(text + 7, text, 4097);
	memcpy(text, "a.t,A\n\n", 7);
	memcpy(text + 7 + 4096, "n\n", 2);
	n = 7 + 4098;
	assert_int_equal(load_text(m, text, n, err, sizeof(err), NULL, 0), -1);
	assert_non_null(strstr(err, ":3: line longer than 4096 bytes"));
	/* A quoted field with line breaks counts every byte of the record. */
	n = 0;
	n += (size_t)sprintf(text, "q.test,\"");
	while (n < 5000) {
		memcpy(text + n, "abc\r\n", 5);
		n += 5;
	}
	text[n++] = '"';
	text[n++] = '\n';
	assert_int_equal(load_text(m, text, n, err, sizeof(err), NULL, 0), -1);
	assert_non_null(strstr(err, ":1: line longer than 4096 bytes"));
	free(text);
	services_free(m);
}

static void
test_csv_entry_cap(void **state)
{
	const size_t cap = 1000000;
	size_t sz = (cap + 2) * 20, n = 0, i;
	char *text = malloc(sz), err[512], path[64];
	services *m = services_new();

	(void)state;
	assert_non_null(text);
	for (i = 0; i < cap; i++)
		n += (size_t)snprintf(text + n, sz - n, "k%zu.t,N\n", i);
	assert_int_equal(load_text(m, text, n, err, sizeof(err), path, sizeof(path)), 0);
	assert_int_equal(services_count(m), cap);
	/* Overriding a key is still fine at the cap; one more key is not. */
	n = (size_t)snprintf(text, sz, "k7.t,Changed\nAS1,One\nk%zu.t,N\n", cap);
	assert_int_equal(load_text(m, text, n, err, sizeof(err), path, sizeof(path)), -1);
	assert_non_null(strstr(err, ":2: more than 1000000 entries"));
	assert_string_equal(services_by_domain(m, "k7.t")->name, "Changed");
	assert_int_equal(services_count(m), cap);
	free(text);
	services_free(m);
}

/* ---- AS keys ------------------------------------------------------------------ */

static void
test_as_keys(void **state)
{
	static const char text[] =
	    "AS15169,Google,email_provider,yes\n"
	    "as64496,Documentation AS,isp,no\n"
	    "As0,Zero,other,no\n"
	    "AS4294967295,Max,other,no\n"
	    "AS007,Leading Zeros,hosting,no\n"
	    "asx.test,Not an AS,other,no\n"
	    "as12a.test,Not an AS either,other,no\n";
	char err[512];
	services *m = services_new();
	const service *s;

	(void)state;
	assert_int_equal(load_text(m, text, sizeof(text) - 1, err, sizeof(err), NULL, 0), 0);
	assert_int_equal(services_count(m), 7);
	s = services_by_asn(m, 15169);
	expect_svc(s, "AS15169", "Google", SVC_EMAIL_PROVIDER, 1);
	assert_string_equal(s->key, "AS15169");
	s = services_by_asn(m, 64496);
	expect_svc(s, "as64496", "Documentation AS", SVC_ISP, 0);
	assert_string_equal(s->key, "AS64496");
	expect_svc(services_by_asn(m, 0), "AS0", "Zero", SVC_OTHER, 0);
	expect_svc(services_by_asn(m, 4294967295u), "max", "Max", SVC_OTHER, 0);
	expect_svc(services_by_asn(m, 7), "AS007", "Leading Zeros", SVC_HOSTING, 0);
	assert_null(services_by_asn(m, 15170));
	/* AS keys are not domains, and domains are not AS keys. */
	assert_null(services_by_domain(m, "as15169"));
	assert_null(services_by_domain(m, "AS15169"));
	expect_svc(services_by_domain(m, "asx.test"), "asx", "Not an AS", SVC_OTHER, 0);
	expect_svc(services_by_domain(m, "as12a.test"), "as12a", "Not an AS either",
	    SVC_OTHER, 0);
	services_free(m);
}

/* ---- lookups ---------------------------------------------------------------- */

static void
test_lookups(void **state)
{
	static const char text[] =
	    "outbound.protection.outlook.com,Microsoft 365 outbound,email_provider,yes\n"
	    "amazonses.com,Amazon SES,transactional,no\n"
	    "compute-1.amazonaws.com,EC2 us-east-1,hosting,no\n"
	    "mail.example.test,Sub Key,other,no\n"
	    "example.co.jp,Example JP,other,no\n";
	char err[512];
	services *m = services_new();

	(void)state;
	assert_int_equal(load_text(m, text, sizeof(text) - 1, err, sizeof(err), NULL, 0), 0);
	/* by_host: the org domain first, then the name and its parents */
	expect_svc(services_by_host(m, "mail-eopbgr1300053.outbound.protection.outlook.com"),
	    "o365", "Microsoft 365 outbound", SVC_EMAIL_PROVIDER, 1);
	expect_svc(services_by_host(m, "outbound.protection.outlook.com."), "o365 exact",
	    "Microsoft 365 outbound", SVC_EMAIL_PROVIDER, 1);
	assert_null(services_by_host(m, "protection.outlook.com"));
	assert_null(services_by_host(m, "outlook.com"));
	expect_svc(services_by_host(m, "a8-30.smtp-out.amazonses.com"), "ses", "Amazon SES",
	    SVC_TRANSACTIONAL, 0);
	expect_svc(services_by_host(m, "ec2-198-51-100-7.compute-1.amazonaws.com"), "ec2",
	    "EC2 us-east-1", SVC_HOSTING, 0);
	expect_svc(services_by_host(m, "mx.mail.example.test"), "sub", "Sub Key", SVC_OTHER, 0);
	expect_svc(services_by_host(m, "a.b.example.co.jp"), "jp", "Example JP", SVC_OTHER, 0);
	/* by_domain: the exact key, then the org domain (no other parents) */
	expect_svc(services_by_domain(m, "mail.example.test"), "exact", "Sub Key",
	    SVC_OTHER, 0);
	assert_null(services_by_domain(m, "x.mail.example.test"));
	expect_svc(services_by_domain(m, "bounce.example.co.jp"), "org", "Example JP",
	    SVC_OTHER, 0);
	assert_null(services_by_domain(m, "co.jp"));
	/* Unusable input */
	assert_null(services_by_domain(m, NULL));
	assert_null(services_by_domain(m, ""));
	assert_null(services_by_domain(m, "."));
	assert_null(services_by_host(m, NULL));
	assert_null(services_by_host(m, ""));
	assert_null(services_by_host(m, "192.0.2.1"));
	assert_null(services_by_domain(NULL, "amazonses.com"));
	assert_null(services_by_host(NULL, "amazonses.com"));
	assert_null(services_by_asn(NULL, 1));
	assert_int_equal(services_count(NULL), 0);
	services_free(m);

	/* An empty map answers nothing. */
	m = services_new();
	assert_int_equal(services_count(m), 0);
	assert_null(services_by_domain(m, "amazonses.com"));
	assert_null(services_by_host(m, "a.amazonses.com"));
	assert_null(services_by_asn(m, 15169));
	services_free(m);
}

/* ---- type names ----------------------------------------------------------------- */

static const struct {
	const char *s;
	service_type t;
} type_cases[] = {
	{ "email_provider", SVC_EMAIL_PROVIDER },
	{ "Email Provider", SVC_EMAIL_PROVIDER },
	{ "EMAIL-PROVIDER", SVC_EMAIL_PROVIDER },
	{ "  email provider  ", SVC_EMAIL_PROVIDER },
	{ "Marketing", SVC_MARKETING },
	{ "transactional", SVC_TRANSACTIONAL },
	{ "ESP", SVC_TRANSACTIONAL },
	{ "crm", SVC_CRM },
	{ "SaaS", SVC_CRM },
	{ "forwarder", SVC_FORWARDER },
	{ "Email Forwarding", SVC_FORWARDER },
	{ "mailing_list", SVC_MAILING_LIST },
	{ "Mailing List", SVC_MAILING_LIST },
	{ "security", SVC_SECURITY },
	{ "Email Security", SVC_SECURITY },
	{ "hosting", SVC_HOSTING },
	{ "Web Host", SVC_HOSTING },
	{ "IaaS", SVC_HOSTING },
	{ "PaaS", SVC_HOSTING },
	{ "isp", SVC_ISP },
	{ "ISP", SVC_ISP },
	{ "other", SVC_OTHER },
	{ "Finance", SVC_OTHER },		/* parsedmarc's industry types */
	{ "Government", SVC_OTHER },
	{ "Real Estate", SVC_OTHER },
	{ "unknown", SVC_UNKNOWN },
	{ "", SVC_UNKNOWN },
	{ "   ", SVC_UNKNOWN },
	{ NULL, SVC_UNKNOWN },
	{ "a very long type name that goes on and on past any buffer we keep for it", SVC_OTHER },
};

static void
test_type_names(void **state)
{
	size_t i;
	int t;

	(void)state;
	for (i = 0; i < sizeof(type_cases) / sizeof(type_cases[0]); i++)
		if (service_type_parse(type_cases[i].s) != type_cases[i].t)
			fail_msg("case %zu: parse(\"%s\") = %s, want %s", i,
			    type_cases[i].s ? type_cases[i].s : "NULL",
			    service_type_name(service_type_parse(type_cases[i].s)),
			    service_type_name(type_cases[i].t));
	for (t = 0; t < SVC__COUNT; t++)
		assert_int_equal(service_type_parse(service_type_name((service_type)t)), t);
	assert_string_equal(service_type_name(SVC_EMAIL_PROVIDER), "email_provider");
	assert_string_equal(service_type_name(SVC_MAILING_LIST), "mailing_list");
	assert_string_equal(service_type_name(SVC_UNKNOWN), "unknown");
	assert_string_equal(service_type_name((service_type)99), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_data_file),
		cmocka_unit_test(test_load_default),
		cmocka_unit_test(test_parsedmarc_file),
		cmocka_unit_test(test_csv_quoting_and_comments),
		cmocka_unit_test(test_csv_header_columns),
		cmocka_unit_test(test_csv_empty_files),
		cmocka_unit_test(test_csv_bad_lines),
		cmocka_unit_test(test_csv_line_cap),
		cmocka_unit_test(test_csv_entry_cap),
		cmocka_unit_test(test_as_keys),
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_type_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
