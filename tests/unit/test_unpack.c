/*
 * test_unpack.c - unit tests for src/intake/unpack.c (and mime.c through it):
 * gzip members and limits, zip archives, e-mail messages, format sniffing.
 *
 * Inputs are built in the test: gzip with zlib, zip with libzip (through a
 * temporary file), e-mails as strings with a base64 encoder below.
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
#include <zip.h>
#include <zlib.h>

#include "intake/mime.h"
#include "intake/unpack.h"
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

/* ---- the collecting sink -------------------------------------------------- */

#define MAXDOCS 16

typedef struct doc {
	char *name, *ctype;
	int text, in_mime;
	char *rtype;		/* unpack_doc.report_type */
	dbuf data;
	int ended;
	char *error;		/* end() error, or NULL */
} doc;

typedef struct refusal {
	char *name, *reason;
	int ignorable;
} refusal;

typedef struct coll {
	doc docs[MAXDOCS];
	int ndocs;
	refusal refs[MAXDOCS];
	int nrefs;
	int open;		/* begin seen, end not yet */
	int protocol_errors;
	int stop_at_begin;	/* begin returns 1 */
	int nemail;
	char *email_ctype, *email_rtype, *email_subject;
	int msg_answer;		/* what c_message answers */
	int nmsg;
	size_t msg_len;
	char *msg_rtype;
} coll;

static int
c_begin(void *ctx, const unpack_doc *d)
{
	coll *c = ctx;
	doc *x;

	if (c->open || c->ndocs >= MAXDOCS) {
		c->protocol_errors++;
		return 1;
	}
	x = &c->docs[c->ndocs++];
	memset(x, 0, sizeof(*x));
	x->name = xstrdup(d->name);
	x->ctype = d->content_type != NULL ? xstrdup(d->content_type) : NULL;
	x->text = d->from_text_part;
	x->in_mime = d->in_mime;
	x->rtype = d->report_type != NULL ? xstrdup(d->report_type) : NULL;
	dbuf_init(&x->data, (size_t)64 << 20);
	c->open = 1;
	return c->stop_at_begin;
}

static int
c_data(void *ctx, const void *p, size_t n)
{
	coll *c = ctx;

	if (!c->open || n == 0) {
		c->protocol_errors++;
		return 1;
	}
	return dbuf_add(&c->docs[c->ndocs - 1].data, p, n) == DBUF_OK ? 0 : 1;
}

static int
c_end(void *ctx, const char *error)
{
	coll *c = ctx;
	doc *x;

	if (!c->open) {
		c->protocol_errors++;
		return 1;
	}
	x = &c->docs[c->ndocs - 1];
	x->ended = 1;
	x->error = error != NULL ? xstrdup(error) : NULL;
	c->open = 0;
	return 0;
}

static int
c_refuse(void *ctx, const char *name, const char *reason, int ignorable)
{
	coll *c = ctx;
	refusal *r;

	if (c->open || c->nrefs >= MAXDOCS) {
		c->protocol_errors++;
		return 1;
	}
	r = &c->refs[c->nrefs++];
	r->name = xstrdup(name);
	r->reason = xstrdup(reason);
	r->ignorable = ignorable;
	return 0;
}

static int
c_email(void *ctx, const char *ctype, const char *rtype, const char *subject)
{
	coll *c = ctx;

	c->nemail++;
	free(c->email_ctype);
	free(c->email_rtype);
	free(c->email_subject);
	c->email_ctype = ctype != NULL ? xstrdup(ctype) : NULL;
	c->email_rtype = rtype != NULL ? xstrdup(rtype) : NULL;
	c->email_subject = subject != NULL ? xstrdup(subject) : NULL;
	return 0;
}

static int
c_message(void *ctx, const char *name, const unsigned char *p, size_t n,
    const unpack_email_facts *f)
{
	coll *c = ctx;

	(void)name;
	(void)p;
	if (c->open)
		c->protocol_errors++;
	c->nmsg++;
	c->msg_len = n;
	free(c->msg_rtype);
	c->msg_rtype = f->report_type != NULL ? xstrdup(f->report_type) : NULL;
	return c->msg_answer;
}

static void
coll_free(coll *c)
{
	for (int i = 0; i < c->ndocs; i++) {
		free(c->docs[i].name);
		free(c->docs[i].ctype);
		free(c->docs[i].rtype);
		free(c->docs[i].error);
		dbuf_free(&c->docs[i].data);
	}
	for (int i = 0; i < c->nrefs; i++) {
		free(c->refs[i].name);
		free(c->refs[i].reason);
	}
	free(c->email_ctype);
	free(c->email_rtype);
	free(c->email_subject);
	free(c->msg_rtype);
	memset(c, 0, sizeof(*c));
}

/* Unpack p[0..n) with limits lim (NULL: defaults) into c (zeroed first). */
static int
unpack_into(coll *c, const unpack_limits *lim, const char *name, const void *p, size_t n)
{
	static unpack_sink sink = { NULL, c_begin, c_data, c_end, c_refuse, c_email, NULL, NULL };
	unpack u;
	int rc;

	sink.ctx = c;
	memset(&u, 0, sizeof(u));
	if (lim != NULL)
		u.lim = *lim;
	else
		unpack_limits_default(&u.lim);
	u.sink = &sink;
	rc = unpack_mem(&u, name, p, n);
	assert_int_equal(c->protocol_errors, 0);
	assert_int_equal(c->open, 0);
	return rc;
}

static void
assert_doc(const coll *c, int i, const void *want, size_t wantlen)
{
	const doc *d;

	assert_true(i < c->ndocs);
	d = &c->docs[i];
	assert_true(d->ended);
	if (d->error != NULL)
		fail_msg("document %d (%s) ended with error '%s'", i, d->name, d->error);
	if (d->data.len != wantlen || memcmp(d->data.data, want, wantlen) != 0)
		fail_msg("document %d (%s): %zu bytes, expected %zu", i, d->name, d->data.len,
		    wantlen);
}

static void
assert_contains(const char *hay, const char *needle)
{
	if (hay == NULL || strstr(hay, needle) == NULL)
		fail_msg("'%s' does not contain '%s'", hay != NULL ? hay : "(null)", needle);
}

/* ---- builders --------------------------------------------------------------- */

static const char xml_a[] =
    "<?xml version=\"1.0\"?>\n<feedback><report_metadata><org_name>a</org_name>"
    "<report_id>1</report_id></report_metadata><policy_published><domain>example.com"
    "</domain></policy_published></feedback>\n";
static const char xml_b[] =
    "<feedback><report_metadata><org_name>b</org_name><report_id>2</report_id>"
    "</report_metadata><policy_published><domain>example.org</domain>"
    "</policy_published></feedback>";

/* gzip of p[0..n) as one member (malloc'd). */
static unsigned char *
gzip_mem(const void *p, size_t n, size_t *outlen, const char *fname)
{
	z_stream z;
	gz_header h;
	size_t cap = n + n / 100 + 1024;
	unsigned char *out = malloc(cap);

	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8,
	    Z_DEFAULT_STRATEGY), Z_OK);
	if (fname != NULL) {
		memset(&h, 0, sizeof(h));
		h.name = (Bytef *)fname;
		h.comment = (Bytef *)"a comment";
		h.os = 3;
		assert_int_equal(deflateSetHeader(&z, &h), Z_OK);
	}
	z.next_in = (Bytef *)p;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	*outlen = cap - z.avail_out;
	deflateEnd(&z);
	return out;
}

static char *
base64(const unsigned char *p, size_t n)
{
	static const char t[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	dbuf d;
	size_t col = 0;

	dbuf_init(&d, 1 << 26);
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		char q[4];

		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		q[0] = t[(v >> 18) & 63];
		q[1] = t[(v >> 12) & 63];
		q[2] = i + 1 < n ? t[(v >> 6) & 63] : '=';
		q[3] = i + 2 < n ? t[v & 63] : '=';
		dbuf_add(&d, q, 4);
		col += 4;
		if (col >= 76) {
			dbuf_addstr(&d, "\r\n");
			col = 0;
		}
	}
	dbuf_addstr(&d, "\r\n");
	return dbuf_steal(&d, NULL);
}

struct zentry {
	const char *name;	/* ends with '/' for a directory */
	const void *data;
	size_t len;
};

/* A zip archive of the entries (malloc'd), through a temporary file. */
static unsigned char *
zip_mem(const struct zentry *e, int n, size_t *outlen)
{
	char path[] = "/tmp/ds-test-zip-XXXXXX";
	int fd = mkstemp(path), err = 0;
	zip_t *z;
	FILE *f;
	unsigned char *buf;
	long len;

	assert_true(fd >= 0);
	close(fd);
	z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
	assert_non_null(z);
	for (int i = 0; i < n; i++) {
		size_t l = strlen(e[i].name);

		if (l > 0 && e[i].name[l - 1] == '/') {
			char dn[256];

			snprintf(dn, sizeof(dn), "%.*s", (int)(l - 1), e[i].name);
			assert_true(zip_dir_add(z, dn, ZIP_FL_ENC_UTF_8) >= 0);
		} else {
			zip_source_t *s = zip_source_buffer(z, e[i].data, e[i].len, 0);

			assert_non_null(s);
			assert_true(zip_file_add(z, e[i].name, s, ZIP_FL_ENC_UTF_8) >= 0);
		}
	}
	assert_int_equal(zip_close(z), 0);
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc((size_t)len + 1);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	unlink(path);
	*outlen = (size_t)len;
	return buf;
}

/* ---- gzip ------------------------------------------------------------------- */

static void
test_gzip_single_member(void **state)
{
	size_t gl;
	unsigned char *gz = gzip_mem(xml_a, strlen(xml_a), &gl, NULL);
	coll c = { 0 };

	(void)state;
	assert_int_equal(unpack_into(&c, NULL, "r.xml.gz", gz, gl), 0);
	assert_int_equal(c.ndocs, 1);
	assert_int_equal(c.nrefs, 0);
	assert_string_equal(c.docs[0].name, "r.xml.gz");
	assert_null(c.docs[0].ctype);
	assert_int_equal(c.docs[0].in_mime, 0);
	assert_doc(&c, 0, xml_a, strlen(xml_a));
	coll_free(&c);
	free(gz);

	/* FNAME and FCOMMENT in the header (Mimecast) */
	gz = gzip_mem(xml_a, strlen(xml_a), &gl, "report.xml");
	assert_int_equal(unpack_into(&c, NULL, "r.gz", gz, gl), 0);
	assert_int_equal(c.ndocs, 1);
	assert_doc(&c, 0, xml_a, strlen(xml_a));
	coll_free(&c);
	free(gz);
}

static void
test_gzip_two_members(void **state)
{
	size_t al, bl;
	unsigned char *a = gzip_mem(xml_a, strlen(xml_a), &al, NULL);
	unsigned char *b = gzip_mem(xml_b, strlen(xml_b), &bl, "b.xml");
	unsigned char *both = malloc(al + bl);
	char *want = malloc(strlen(xml_a) + strlen(xml_b) + 1);
	coll c = { 0 };

	(void)state;
	memcpy(both, a, al);
	memcpy(both + al, b, bl);
	strcpy(want, xml_a);
	strcat(want, xml_b);
	assert_int_equal(unpack_into(&c, NULL, "two.gz", both, al + bl), 0);
	assert_int_equal(c.ndocs, 1);
	assert_int_equal(c.nrefs, 0);
	assert_doc(&c, 0, want, strlen(want));
	coll_free(&c);
	free(a);
	free(b);
	free(both);
	free(want);
}

static void
test_gzip_trailing_bytes(void **state)
{
	static const char *trailers[] = { "\r\n", "\n", "\0\0\0\0", "garbage after the member" };
	size_t gl;
	unsigned char *gz = gzip_mem(xml_a, strlen(xml_a), &gl, NULL);

	(void)state;
	for (size_t i = 0; i < sizeof(trailers) / sizeof(trailers[0]); i++) {
		size_t tl = i == 2 ? 4 : strlen(trailers[i]);
		unsigned char *m = malloc(gl + tl);
		coll c = { 0 };

		memcpy(m, gz, gl);
		memcpy(m + gl, trailers[i], tl);
		assert_int_equal(unpack_into(&c, NULL, "mimecast.gz", m, gl + tl), 0);
		assert_int_equal(c.ndocs, 1);
		assert_int_equal(c.nrefs, 0);
		assert_doc(&c, 0, xml_a, strlen(xml_a));
		coll_free(&c);
		free(m);
	}
	free(gz);
}

static void
test_gzip_truncated(void **state)
{
	size_t gl;
	unsigned char *gz = gzip_mem(xml_a, strlen(xml_a), &gl, NULL);
	coll c = { 0 };

	(void)state;
	/* cut the last 10 bytes (the 8-byte trailer and some data) */
	assert_int_equal(unpack_into(&c, NULL, "cut.gz", gz, gl - 10), 0);
	assert_int_equal(c.ndocs, 1);
	assert_true(c.docs[0].ended);
	assert_contains(c.docs[0].error, "truncated");
	coll_free(&c);
	/* only the trailer missing */
	assert_int_equal(unpack_into(&c, NULL, "cut.gz", gz, gl - 8), 0);
	assert_int_equal(c.ndocs, 1);
	assert_contains(c.docs[0].error, "truncated");
	coll_free(&c);
	/* only the 10-byte header */
	assert_int_equal(unpack_into(&c, NULL, "cut.gz", gz, 10), 0);
	assert_int_equal(c.ndocs, 1);
	assert_contains(c.docs[0].error, "truncated");
	coll_free(&c);
	/* just the magic */
	assert_int_equal(unpack_into(&c, NULL, "cut.gz", gz, 2), 0);
	assert_int_equal(c.ndocs, 1);
	assert_non_null(c.docs[0].error);
	coll_free(&c);
	free(gz);
}

static void
test_gzip_corrupt(void **state)
{
	size_t gl;
	unsigned char *gz = gzip_mem(xml_a, strlen(xml_a), &gl, NULL);
	coll c = { 0 };

	(void)state;
	/* a wrong CRC-32 in the trailer */
	gz[gl - 8] ^= 0xff;
	assert_int_equal(unpack_into(&c, NULL, "crc.gz", gz, gl), 0);
	assert_int_equal(c.ndocs, 1);
	assert_contains(c.docs[0].error, "corrupt gzip");
	coll_free(&c);
	gz[gl - 8] ^= 0xff;
	/* a bad block type in the deflate stream */
	gz[10] = 0xff;
	assert_int_equal(unpack_into(&c, NULL, "bad.gz", gz, gl), 0);
	assert_int_equal(c.ndocs, 1);
	assert_contains(c.docs[0].error, "corrupt gzip");
	coll_free(&c);
	free(gz);
}

static void
test_gzip_max_output(void **state)
{
	size_t n = 200000, gl;
	char *big = malloc(n);
	unsigned char *gz;
	unpack_limits lim;
	coll c = { 0 };

	(void)state;
	for (size_t i = 0; i < n; i++)
		big[i] = (char)('a' + (i * 7) % 26);
	gz = gzip_mem(big, n, &gl, NULL);
	unpack_limits_default(&lim);
	lim.max_output = 1000;
	assert_int_equal(unpack_into(&c, &lim, "big.gz", gz, gl), 0);
	assert_int_equal(c.ndocs, 1);
	assert_contains(c.docs[0].error, "limit of 1000 bytes");
	/* no more than the limit reached the sink */
	assert_true(c.docs[0].data.len <= 1000);
	coll_free(&c);
	/* exactly enough is fine */
	lim.max_output = n;
	assert_int_equal(unpack_into(&c, &lim, "big.gz", gz, gl), 0);
	assert_doc(&c, 0, big, n);
	coll_free(&c);
	free(gz);
	free(big);
}

static void
test_gzip_ratio(void **state)
{
	size_t n = (size_t)3 << 20, gl;
	char *zeros = calloc(1, n);
	unsigned char *gz;
	unpack_limits lim;
	coll c = { 0 };

	(void)state;
	gz = gzip_mem(zeros, n, &gl, NULL);	/* ~1000:1 */
	unpack_limits_default(&lim);
	lim.max_ratio = 100;
	assert_int_equal(unpack_into(&c, &lim, "bomb.gz", gz, gl), 0);
	assert_int_equal(c.ndocs, 1);
	assert_contains(c.docs[0].error, "ratio");
	assert_contains(c.docs[0].error, "100:1");
	coll_free(&c);
	/* under 1 MiB of output the ratio is not checked */
	free(gz);
	gz = gzip_mem(zeros, 512 << 10, &gl, NULL);
	assert_int_equal(unpack_into(&c, &lim, "small.gz", gz, gl), 0);
	assert_int_equal(c.ndocs, 1);
	assert_null(c.docs[0].error);
	assert_int_equal(c.docs[0].data.len, 512 << 10);
	coll_free(&c);
	free(gz);
	free(zeros);
}

static void
test_gzip_lone_trailing_byte(void **state)
{
	size_t gl;
	unsigned char *gz = gzip_mem(xml_a, strlen(xml_a), &gl, NULL);
	unsigned char *m = malloc(gl + 1);
	coll c = { 0 };
	int ok;

	(void)state;
	memcpy(m, gz, gl);
	m[gl] = 0x1f;		/* one stray byte: cannot be a gzip member */
	assert_int_equal(unpack_into(&c, NULL, "stray.gz", m, gl + 1), 0);
	assert_int_equal(c.ndocs, 1);
	assert_int_equal(c.docs[0].data.len, strlen(xml_a));
	ok = c.docs[0].error == NULL;
	coll_free(&c);
	free(m);
	free(gz);
	/*
	 * BUG, minor (src/intake/unpack.c gz_feed(), the between-members test
	 * `p[0] != 0x1f || (n >= 2 && p[1] != 0x8b)`): a single trailing 0x1f
	 * after a complete member starts a new member, and gz_finish() then
	 * reports "truncated gzip data", invalidating a document whose data was
	 * complete.  unpack.h says trailing bytes after the last member are
	 * ignored ("\r\n", or any other byte, is).
	 */
	KNOWN_BUG(ok, "unpack.c gz_feed(): a complete gzip member followed by one 0x1f byte "
	    "ends with \"truncated gzip data\"");
}

/* ---- zip ------------------------------------------------------------------ */

static void
test_zip_two_entries_and_directory(void **state)
{
	const struct zentry e[] = {
		{ "reports/", NULL, 0 },
		{ "reports/a.xml", xml_a, strlen(xml_a) },
		{ "b.xml", xml_b, strlen(xml_b) },
	};
	size_t zl;
	unsigned char *z = zip_mem(e, 3, &zl);
	coll c = { 0 };

	(void)state;
	assert_int_equal(unpack_into(&c, NULL, "google.zip", z, zl), 0);
	assert_int_equal(c.nrefs, 0);
	assert_int_equal(c.ndocs, 2);
	assert_string_equal(c.docs[0].name, "google.zip!reports/a.xml");
	assert_string_equal(c.docs[1].name, "google.zip!b.xml");
	assert_doc(&c, 0, xml_a, strlen(xml_a));
	assert_doc(&c, 1, xml_b, strlen(xml_b));
	coll_free(&c);
	free(z);
}

static void
test_zip_gzip_inside(void **state)
{
	size_t gl, zl;
	unsigned char *gz = gzip_mem(xml_b, strlen(xml_b), &gl, NULL);
	struct zentry e[] = { { "r.xml.gz", gz, gl } };
	unsigned char *z = zip_mem(e, 1, &zl);
	coll c = { 0 };

	(void)state;
	assert_int_equal(unpack_into(&c, NULL, "r.zip", z, zl), 0);
	assert_int_equal(c.ndocs, 1);
	assert_string_equal(c.docs[0].name, "r.zip!r.xml.gz");
	assert_doc(&c, 0, xml_b, strlen(xml_b));
	coll_free(&c);
	free(z);
	free(gz);
}

static void
test_zip_corrupt(void **state)
{
	static const unsigned char junk[] = "PK\x03\x04 this is not really a zip archive at all";
	const struct zentry e[] = { { "a.xml", xml_a, strlen(xml_a) } };
	size_t zl;
	unsigned char *z = zip_mem(e, 1, &zl);
	coll c = { 0 };

	(void)state;
	assert_int_equal(unpack_into(&c, NULL, "bad.zip", junk, sizeof(junk) - 1), 0);
	assert_int_equal(c.ndocs, 0);
	assert_int_equal(c.nrefs, 1);
	assert_string_equal(c.refs[0].name, "bad.zip");
	assert_contains(c.refs[0].reason, "zip");
	assert_int_equal(c.refs[0].ignorable, 0);
	coll_free(&c);
	/* truncated: the central directory is gone */
	assert_int_equal(unpack_into(&c, NULL, "cut.zip", z, zl - 30), 0);
	assert_int_equal(c.ndocs, 0);
	assert_int_equal(c.nrefs, 1);
	assert_contains(c.refs[0].reason, "zip");
	coll_free(&c);
	/* entry data damaged (CRC mismatch or inflate error): a refusal, no document */
	{
		unsigned char *d = malloc(zl);

		memcpy(d, z, zl);
		d[30 + strlen("a.xml") + 5] ^= 0x55;	/* inside the compressed data */
		assert_int_equal(unpack_into(&c, NULL, "crc.zip", d, zl), 0);
		assert_int_equal(c.nrefs + c.ndocs, 1);
		if (c.ndocs == 1)
			assert_non_null(c.docs[0].error);
		coll_free(&c);
		free(d);
	}
	free(z);
}

static void
test_zip_limits(void **state)
{
	const struct zentry e[] = {
		{ "a.xml", xml_a, strlen(xml_a) },
		{ "b.xml", xml_b, strlen(xml_b) },
	};
	const struct zentry dirs[] = { { "d/", NULL, 0 }, { "e/", NULL, 0 } };
	size_t zl, dl;
	unsigned char *z = zip_mem(e, 2, &zl), *d = zip_mem(dirs, 2, &dl);
	unpack_limits lim;
	coll c = { 0 };

	(void)state;
	unpack_limits_default(&lim);
	lim.max_entries = 1;
	assert_int_equal(unpack_into(&c, &lim, "many.zip", z, zl), 0);
	assert_int_equal(c.ndocs, 0);
	assert_int_equal(c.nrefs, 1);
	assert_contains(c.refs[0].reason, "entries");
	coll_free(&c);

	unpack_limits_default(&lim);
	lim.max_output = strlen(xml_a) + 10;	/* a fits, b does not */
	assert_int_equal(unpack_into(&c, &lim, "big.zip", z, zl), 0);
	assert_int_equal(c.ndocs, 1);
	assert_doc(&c, 0, xml_a, strlen(xml_a));
	assert_int_equal(c.nrefs, 1);
	assert_string_equal(c.refs[0].name, "big.zip!b.xml");
	assert_contains(c.refs[0].reason, "limit");
	coll_free(&c);

	assert_int_equal(unpack_into(&c, NULL, "dirs.zip", d, dl), 0);
	assert_int_equal(c.ndocs, 0);
	assert_int_equal(c.nrefs, 1);
	assert_contains(c.refs[0].reason, "no file");
	coll_free(&c);
	free(z);
	free(d);
}

static void
test_zip_nesting_depth(void **state)
{
	size_t len = strlen(xml_a), nl;
	unsigned char *cur = malloc(len);
	unpack_limits lim;
	coll c = { 0 };

	(void)state;
	memcpy(cur, xml_a, len);
	/* 7 zips, each holding the previous one */
	for (int i = 0; i < 7; i++) {
		struct zentry e[] = { { "inner", cur, len } };
		unsigned char *next = zip_mem(e, 1, &nl);

		free(cur);
		cur = next;
		len = nl;
	}
	unpack_limits_default(&lim);
	assert_int_equal(unpack_into(&c, &lim, "deep.zip", cur, len), 0);
	assert_int_equal(c.ndocs, 0);
	assert_int_equal(c.nrefs, 1);
	assert_contains(c.refs[0].reason, "nested deeper than 5");
	coll_free(&c);
	lim.max_depth = 10;
	assert_int_equal(unpack_into(&c, &lim, "deep.zip", cur, len), 0);
	assert_int_equal(c.ndocs, 1);
	assert_doc(&c, 0, xml_a, strlen(xml_a));
	coll_free(&c);
	free(cur);
}

/* ---- sniffing --------------------------------------------------------------- */

static void
test_sniff_table(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		int fmt;
	} cases[] = {
		{ "\x1f\x8b\x08\x00", 4, FMT_GZIP },
		{ "\x1f\x8b", 2, FMT_GZIP },
		{ "PK\x03\x04\x14\x00", 6, FMT_ZIP },
		{ "PK\x05\x06", 4, FMT_UNKNOWN },	/* empty-archive record: not an entry */
		{ "<?xml version=\"1.0\"?>", 21, FMT_XML },
		{ "\xef\xbb\xbf<?xml", 8, FMT_XML },
		{ "\xef\xbb\xbf \r\n<feedback>", 16, FMT_XML },
		{ "\n\n  <feedback>", 14, FMT_XML },
		{ "\xff\xfe<\0", 4, FMT_XML },
		{ "\xfe\xff\0<", 4, FMT_XML },
		{ "{\"organization-name\":\"x\"}", 25, FMT_JSON },
		{ "  [1]", 5, FMT_JSON },
		{ "From: dmarc@example.net\r\nTo: a@b\r\n\r\nbody", 40, FMT_EMAIL },
		{ "Return-Path: <x@y>\n", 19, FMT_EMAIL },
		{ "From MAILER-DAEMON Thu Jan  1 00:00:00 2024\n", 44, FMT_EMAIL },
		{ "", 0, FMT_EMPTY },
		{ " \r\n\t", 4, FMT_EMPTY },
		{ "\xef\xbb\xbf", 3, FMT_EMPTY },
		{ "unused", 6, FMT_UNKNOWN },
		{ "\x00\x01\x02\x03", 4, FMT_UNKNOWN },
		{ "%PDF-1.4", 8, FMT_UNKNOWN },
		{ "x", 1, FMT_UNKNOWN },
		{ "\x1f", 1, FMT_UNKNOWN },
		{ " From: x\n", 9, FMT_UNKNOWN },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = unpack_sniff((const unsigned char *)cases[i].in, cases[i].len);

		if (got != cases[i].fmt)
			fail_msg("case %zu: sniffed %s, expected %s", i, unpack_fmt_name(got),
			    unpack_fmt_name(cases[i].fmt));
	}
	assert_string_equal(unpack_fmt_name(FMT_GZIP), "gzip");
	assert_string_equal(unpack_fmt_name(-1), "unknown");
	assert_string_equal(unpack_fmt_name(99), "unknown");
}

static void
test_plain_inputs(void **state)
{
	coll c = { 0 };

	(void)state;
	/* XML and JSON pass straight through */
	assert_int_equal(unpack_into(&c, NULL, "r.xml", xml_a, strlen(xml_a)), 0);
	assert_int_equal(c.ndocs, 1);
	assert_doc(&c, 0, xml_a, strlen(xml_a));
	coll_free(&c);
	assert_int_equal(unpack_into(&c, NULL, "t.json", "{\"a\":1}", 7), 0);
	assert_int_equal(c.ndocs, 1);
	coll_free(&c);
	/* empty, whitespace, junk: refusals that are not ignorable at top level */
	assert_int_equal(unpack_into(&c, NULL, "empty", "", 0), 0);
	assert_int_equal(c.ndocs, 0);
	assert_int_equal(c.nrefs, 1);
	assert_contains(c.refs[0].reason, "empty");
	assert_int_equal(c.refs[0].ignorable, 0);
	coll_free(&c);
	assert_int_equal(unpack_into(&c, NULL, "junk", "unused\x01\xff", 8), 0);
	assert_int_equal(c.nrefs, 1);
	assert_contains(c.refs[0].reason, "unrecognised format");
	assert_contains(c.refs[0].reason, "unused\\x01\\xff");
	assert_int_equal(c.refs[0].ignorable, 0);
	coll_free(&c);
}

static void
test_sink_stop(void **state)
{
	const struct zentry e[] = {
		{ "a.xml", xml_a, strlen(xml_a) },
		{ "b.xml", xml_b, strlen(xml_b) },
	};
	size_t zl;
	unsigned char *z = zip_mem(e, 2, &zl);
	coll c = { 0 };

	(void)state;
	c.stop_at_begin = 1;
	c.open = 0;
	{
		static unpack_sink sink = { NULL, c_begin, c_data, c_end, c_refuse, c_email, NULL, NULL };
		unpack u;

		sink.ctx = &c;
		memset(&u, 0, sizeof(u));
		unpack_limits_default(&u.lim);
		u.sink = &sink;
		assert_int_equal(unpack_mem(&u, "stop.zip", z, zl), -1);
		/* begin was called once; nothing after it */
		assert_int_equal(c.ndocs, 1);
		assert_int_equal(c.docs[0].data.len, 0);
		assert_int_equal(c.nrefs, 0);
	}
	coll_free(&c);
	free(z);
}

/* ---- e-mail --------------------------------------------------------------- */

static char *
email_multipart(const unsigned char *att, size_t attlen, const char *att_type,
    const char *fname)
{
	char *b64 = base64(att, attlen);
	dbuf d;

	dbuf_init(&d, 1 << 26);
	dbuf_printf(&d,
	    "Return-Path: <noreply-dmarc@example.net>\r\n"
	    "From: DMARC Reporter <noreply-dmarc@example.net>\r\n"
	    "To: dmarc@example.com\r\n"
	    "Subject: Report domain: example.com Submitter: example.net Report-ID: 42\r\n"
	    "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
	    "Message-ID: <42@example.net>\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"=-b0undary-=\"\r\n"
	    "\r\n"
	    "This is a multi-part message in MIME format.\r\n"
	    "--=-b0undary-=\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 7bit\r\n"
	    "\r\n"
	    "This is an aggregate report from example.net.\r\n"
	    "\r\n"
	    "--=-b0undary-=\r\n"
	    "Content-Type: %s; name=\"%s\"\r\n"
	    "Content-Disposition: attachment; filename=\"%s\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "\r\n"
	    "%s"
	    "--=-b0undary-=--\r\n", att_type, fname, fname, b64);
	free(b64);
	return dbuf_steal(&d, NULL);
}

static void
test_email_multipart_gzip(void **state)
{
	size_t gl;
	unsigned char *gz = gzip_mem(xml_a, strlen(xml_a), &gl, NULL);
	char *msg = email_multipart(gz, gl, "application/gzip",
	    "example.net!example.com!1700000000!1700086399.xml.gz");
	coll c = { 0 };
	int text_refusals = 0;

	(void)state;
	assert_int_equal(unpack_sniff((const unsigned char *)msg, strlen(msg)), FMT_EMAIL);
	assert_int_equal(unpack_into(&c, NULL, "msg.eml", msg, strlen(msg)), 0);
	assert_int_equal(c.ndocs, 1);
	assert_doc(&c, 0, xml_a, strlen(xml_a));
	assert_int_equal(c.docs[0].in_mime, 1);
	assert_int_equal(c.docs[0].text, 0);
	assert_contains(c.docs[0].name, "msg.eml");
	assert_contains(c.docs[0].name, "example.net!example.com!1700000000!1700086399.xml.gz");
	/* the text part: no document; at most an ignorable refusal */
	for (int i = 0; i < c.nrefs; i++) {
		assert_int_equal(c.refs[i].ignorable, 1);
		text_refusals++;
	}
	assert_true(text_refusals <= 1);
	/* the message's own facts */
	assert_int_equal(c.nemail, 1);
	assert_string_equal(c.email_ctype, "multipart/mixed");
	assert_null(c.email_rtype);
	assert_string_equal(c.email_subject,
	    "Report domain: example.com Submitter: example.net Report-ID: 42");
	coll_free(&c);
	free(msg);
	free(gz);
}

static void
test_email_variants(void **state)
{
	size_t gl, zl;
	unsigned char *gz = gzip_mem(xml_b, strlen(xml_b), &gl, NULL);
	const struct zentry e[] = { { "google.com!example.org!1!2.xml", xml_b, strlen(xml_b) } };
	unsigned char *z = zip_mem(e, 1, &zl);
	char *b64 = base64(gz, gl);
	coll c = { 0 };
	dbuf d;

	(void)state;
	/* Mimecast: the whole body is the gzip, mislabelled, LF line ends. */
	dbuf_init(&d, 1 << 26);
	dbuf_printf(&d, "From: a@mimecast.example\nSubject: Report Domain: example.org\n"
	    "MIME-Version: 1.0\nContent-Type: application/octet-stream\n"
	    "Content-Transfer-Encoding: base64\n\n%s", b64);
	assert_int_equal(unpack_into(&c, NULL, "mc.eml", d.data, d.len), 0);
	assert_int_equal(c.ndocs, 1);
	assert_doc(&c, 0, xml_b, strlen(xml_b));
	assert_string_equal(c.docs[0].ctype, "application/octet-stream");
	coll_free(&c);

	/* Google: a zip labelled application/zip. */
	{
		char *msg = email_multipart(z, zl, "application/zip", "google.zip");

		assert_int_equal(unpack_into(&c, NULL, "g.eml", msg, strlen(msg)), 0);
		assert_int_equal(c.ndocs, 1);
		assert_doc(&c, 0, xml_b, strlen(xml_b));
		assert_contains(c.docs[0].name, "google.com!example.org!1!2.xml");
		coll_free(&c);
		free(msg);
	}

	/* A text/xml attachment, quoted-printable: a document from a text part. */
	dbuf_reset(&d);
	dbuf_printf(&d, "From: a@b.example\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\n"
	    "Content-Type: text/xml\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
	    "<feedback><report_metadata><org_name>q=3Dp</org_name></report_metadata>"
	    "</feedback>\r\n--XX--\r\n");
	assert_int_equal(unpack_into(&c, NULL, "t.eml", d.data, d.len), 0);
	assert_int_equal(c.ndocs, 1);
	assert_int_equal(c.docs[0].text, 1);
	assert_string_equal(c.docs[0].ctype, "text/xml");
	assert_non_null(strstr(dbuf_cstr(&c.docs[0].data), "<org_name>q=p</org_name>"));
	coll_free(&c);

	/* A report forwarded as message/rfc822, in an mbox "From " envelope. */
	dbuf_reset(&d);
	dbuf_printf(&d, "From someone@example.com Mon Jan  1 00:00:00 2024\n"
	    "From: fwd@example.com\nSubject: Fwd: report\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=OUT\n\n--OUT\n"
	    "Content-Type: text/html\n\n<p>see attached</p>\n--OUT\n"
	    "Content-Type: message/rfc822\n\n"
	    "From: noreply@example.net\nSubject: Report\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=IN\n\n--IN\n"
	    "Content-Type: application/gzip\nContent-Transfer-Encoding: base64\n\n%s"
	    "--IN--\n\n--OUT--\n", b64);
	assert_int_equal(unpack_into(&c, NULL, "fwd.eml", d.data, d.len), 0);
	assert_int_equal(c.ndocs, 2);
	/* the HTML part is a document from a text part (it starts with '<') */
	assert_int_equal(c.docs[0].text, 1);
	assert_string_equal(c.docs[0].ctype, "text/html");
	assert_doc(&c, 1, xml_b, strlen(xml_b));
	assert_int_equal(c.docs[1].in_mime, 1);
	coll_free(&c);

	/* multipart/report (TLS-RPT / ARF): facts reported, parts not walked */
	dbuf_reset(&d);
	dbuf_printf(&d, "From: a@b.example\r\nSubject: TLS report\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/report; report-type=TLSRPT; boundary=R\r\n\r\n"
	    "--R\r\nContent-Type: text/plain\r\n\r\nhello\r\n--R--\r\n");
	assert_int_equal(unpack_into(&c, NULL, "r.eml", d.data, d.len), 0);
	assert_int_equal(c.nemail, 1);
	assert_string_equal(c.email_ctype, "multipart/report");
	assert_string_equal(c.email_rtype, "tlsrpt");
	coll_free(&c);

	dbuf_free(&d);
	free(b64);
	free(z);
	free(gz);
}

static void
test_email_part_limits(void **state)
{
	size_t gl;
	unsigned char *gz = gzip_mem(xml_a, strlen(xml_a), &gl, NULL);
	char *msg = email_multipart(gz, gl, "application/gzip", "r.xml.gz");
	unpack_limits lim;
	coll c = { 0 };

	(void)state;
	unpack_limits_default(&lim);
	lim.max_message = 16;	/* the decoded gzip part is larger */
	assert_int_equal(unpack_into(&c, &lim, "big.eml", msg, strlen(msg)), 0);
	assert_int_equal(c.ndocs, 0);
	{
		int found = 0;

		for (int i = 0; i < c.nrefs; i++)
			if (strstr(c.refs[i].reason, "max-message") != NULL) {
				found = 1;
				assert_int_equal(c.refs[i].ignorable, 0);
			}
		assert_true(found);
	}
	coll_free(&c);
	free(msg);
	free(gz);
}

static void
test_email_stop_means_stop(void **state)
{
	size_t gl;
	unsigned char *gz = gzip_mem(xml_a, strlen(xml_a), &gl, NULL);
	char *msg = email_multipart(gz, gl, "application/gzip", "r.xml.gz");
	static unpack_sink sink = { NULL, c_begin, c_data, c_end, c_refuse, c_email, NULL, NULL };
	unpack u;
	coll c = { 0 };
	int rc, nemail;

	(void)state;
	c.stop_at_begin = 1;
	sink.ctx = &c;
	memset(&u, 0, sizeof(u));
	unpack_limits_default(&u.lim);
	u.sink = &sink;
	rc = unpack_mem(&u, "stop.eml", (const unsigned char *)msg, strlen(msg));
	assert_int_equal(rc, -1);
	assert_int_equal(c.ndocs, 1);
	nemail = c.nemail;
	coll_free(&c);
	free(msg);
	free(gz);
	/*
	 * BUG, minor (src/intake/unpack.c unpack_email(): sink->email is called
	 * even when u->stopped): after a sink call returned non-zero, unpack.h
	 * says the walk stops, but the e-mail callback still fires once.
	 */
	KNOWN_BUG(nemail == 0, "unpack.c unpack_email(): sink->email() called after the "
	    "sink asked to stop");
}

static void
test_email_deep_multipart(void **state)
{
	/* Multiparts nested far deeper than max_depth: bounded work, no crash. */
	int levels = 2000;
	dbuf d;
	coll c = { 0 };

	(void)state;
	dbuf_init(&d, 1 << 26);
	dbuf_addstr(&d, "From: a@b.example\nMIME-Version: 1.0\n");
	for (int i = 0; i < levels; i++)
		dbuf_printf(&d, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i);
	dbuf_addstr(&d, "Content-Type: text/xml\n\n");
	dbuf_addstr(&d, xml_a);
	for (int i = levels - 1; i >= 0; i--)
		dbuf_printf(&d, "\n--b%d--\n", i);
	assert_int_equal(unpack_into(&c, NULL, "deep.eml", d.data, d.len), 0);
	assert_true(c.ndocs <= 1);
	coll_free(&c);
	dbuf_free(&d);
}

/* The sink's message callback (the report kinds): it sees the whole message
 * and its facts before the walk; WALK passes the report type on to the
 * documents, TAKEN and SKIP walk nothing, and email() hears of the report
 * type only after SKIP.  A gzip'd e-mail is unpacked as an e-mail. */
static void
test_message_callback(void **state)
{
	static const char tls[] =
	    "From: tlsrpt@google.com\nSubject: Report\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=tlsrpt; boundary=\"b\"\n\n"
	    "--b\nContent-Type: text/plain\n\nA TLS report.\n"
	    "--b\nContent-Type: application/tlsrpt+json\n\n{\"report-id\": \"x\"}\n--b--\n";
	static unpack_sink sink = { NULL, c_begin, c_data, c_end, c_refuse, c_email, NULL,
	    c_message };
	static const int answers[] = { UNPACK_MSG_WALK, UNPACK_MSG_WALK_PLAIN, UNPACK_MSG_TAKEN,
	    UNPACK_MSG_SKIP };
	coll c;
	unpack u;

	(void)state;
	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		memset(&c, 0, sizeof(c));
		c.msg_answer = answers[i];
		sink.ctx = &c;
		memset(&u, 0, sizeof(u));
		unpack_limits_default(&u.lim);
		u.sink = &sink;
		assert_int_equal(unpack_mem(&u, "tls.eml", (const unsigned char *)tls,
		    sizeof(tls) - 1), 0);
		assert_int_equal(c.protocol_errors, 0);
		assert_int_equal(c.nmsg, 1);
		assert_int_equal(c.msg_len, sizeof(tls) - 1);
		assert_string_equal(c.msg_rtype, "tlsrpt");
		if (answers[i] == UNPACK_MSG_WALK || answers[i] == UNPACK_MSG_WALK_PLAIN) {
			assert_int_equal(c.ndocs, 1);	/* the JSON part; the text part refused */
			assert_doc(&c, 0, "{\"report-id\": \"x\"}", 18);
			if (answers[i] == UNPACK_MSG_WALK)
				assert_string_equal(c.docs[0].rtype, "tlsrpt");
			else
				assert_null(c.docs[0].rtype);
			assert_int_equal(c.nemail, 0);
		} else {
			assert_int_equal(c.ndocs, 0);
			assert_int_equal(c.nemail, answers[i] == UNPACK_MSG_SKIP);
		}
		coll_free(&c);
	}

	/* the same mail gzip'd: still an e-mail */
	{
		size_t zn;
		unsigned char *z = gzip_mem(tls, sizeof(tls) - 1, &zn, "tls.eml");

		memset(&c, 0, sizeof(c));
		c.msg_answer = UNPACK_MSG_TAKEN;
		sink.ctx = &c;
		memset(&u, 0, sizeof(u));
		unpack_limits_default(&u.lim);
		u.sink = &sink;
		assert_int_equal(unpack_mem(&u, "tls.eml.gz", z, zn), 0);
		assert_int_equal(c.nmsg, 1);
		assert_int_equal(c.msg_len, sizeof(tls) - 1);
		assert_int_equal(c.ndocs, 0);
		coll_free(&c);
		/* and its cap: the inflated message over max_message is refused */
		memset(&c, 0, sizeof(c));
		sink.ctx = &c;
		u.lim.max_message = 64;
		assert_int_equal(unpack_mem(&u, "tls.eml.gz", z, zn), 0);
		assert_int_equal(c.nmsg, 0);
		assert_int_equal(c.nrefs, 1);
		assert_non_null(strstr(c.refs[0].reason, "--max-message"));
		coll_free(&c);
		free(z);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gzip_single_member),
		cmocka_unit_test(test_gzip_two_members),
		cmocka_unit_test(test_gzip_trailing_bytes),
		cmocka_unit_test(test_gzip_truncated),
		cmocka_unit_test(test_gzip_corrupt),
		cmocka_unit_test(test_gzip_max_output),
		cmocka_unit_test(test_gzip_ratio),
		cmocka_unit_test(test_gzip_lone_trailing_byte),
		cmocka_unit_test(test_zip_two_entries_and_directory),
		cmocka_unit_test(test_zip_gzip_inside),
		cmocka_unit_test(test_zip_corrupt),
		cmocka_unit_test(test_zip_limits),
		cmocka_unit_test(test_zip_nesting_depth),
		cmocka_unit_test(test_sniff_table),
		cmocka_unit_test(test_plain_inputs),
		cmocka_unit_test(test_sink_stop),
		cmocka_unit_test(test_email_multipart_gzip),
		cmocka_unit_test(test_email_variants),
		cmocka_unit_test(test_email_part_limits),
		cmocka_unit_test(test_email_stop_means_stop),
		cmocka_unit_test(test_email_deep_multipart),
		cmocka_unit_test(test_message_callback),
	};

	mime_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
