/*
 * fuzz_unpack.c - libFuzzer harness for unpack_mem (gzip, zip, MIME) with
 * every document it finds run through the aggregate parser like ingest.c
 * does (strict, then recovery after a syntax error).
 *
 * Limits are small so that a run stays fast: 4 MiB of output, 1 MiB per
 * message or zip archive; the other limits are the defaults.  The sink checks
 * the protocol of unpack.h: begin, data*, end, with refusals only between
 * documents.  The message-level callback answers every UNPACK_MSG_* value
 * (multipart/report parts are walked).
 */
#include "fuzz_common.h"

#include "intake/mime.h"
#include "intake/unpack.h"
#include "util/dbuf.h"

#define FZ_MAX_OUTPUT ((uint64_t)4 << 20)
#define FZ_MAX_MESSAGE ((size_t)1 << 20)

typedef struct fz_sink {
	int open;
	int docs;
	dbuf doc;		/* the current document, for the second parse */
	agg_parser *p;		/* strict parser fed as the data streams */
	fz_state st;
	int rc;
	int overflow;		/* the copy of the document hit its cap */
} fz_sink;

static int
s_begin(void *ctx, const unpack_doc *d)
{
	fz_sink *s = ctx;
	agg_handler h = { fz_on_header, fz_on_record, fz_on_trailer, NULL };

	FZ_CHECK(!s->open);
	FZ_CHECK(d != NULL && d->name != NULL);
	fz_bytes += strlen(d->name);
	if (d->content_type != NULL)
		fz_bytes += strlen(d->content_type);
	s->open = 1;
	s->docs++;
	dbuf_reset(&s->doc);
	s->overflow = 0;
	memset(&s->st, 0, sizeof(s->st));
	h.ctx = &s->st;
	s->p = agg_new(&h, NULL, AGG_MODE_STRICT);
	s->rc = AGG_OK;
	return 0;
}

static int
s_data(void *ctx, const void *p, size_t n)
{
	fz_sink *s = ctx;

	FZ_CHECK(s->open);
	FZ_CHECK(n > 0);
	if (dbuf_add(&s->doc, p, n) != DBUF_OK)
		s->overflow = 1;
	if (s->rc == AGG_OK)
		s->rc = agg_feed(s->p, p, n);
	return 0;
}

static int
s_end(void *ctx, const char *error)
{
	fz_sink *s = ctx;

	FZ_CHECK(s->open);
	if (error != NULL)
		fz_bytes += strlen(error);
	if (s->rc == AGG_OK)
		s->rc = agg_finish(s->p);
	if (s->rc == AGG_OK)
		FZ_CHECK(s->st.headers == 1 && s->st.trailers >= 1);	/* > 1: fz_on_trailer */
	fz_report(agg_report(s->p));
	agg_free(s->p);
	s->p = NULL;
	if (s->rc == AGG_ERR_SYNTAX && !s->overflow)
		fz_parse((const uint8_t *)s->doc.data, s->doc.len, AGG_MODE_RECOVER, 7);
	s->open = 0;
	return 0;
}

static int
s_refuse(void *ctx, const char *name, const char *reason, int ignorable)
{
	fz_sink *s = ctx;

	FZ_CHECK(!s->open);
	FZ_CHECK(name != NULL && reason != NULL && reason[0] != '\0');
	FZ_CHECK(ignorable == 0 || ignorable == 1);
	fz_bytes += strlen(name) + strlen(reason);
	return 0;
}

static int
s_email(void *ctx, const char *ctype, const char *rtype, const char *subject)
{
	(void)ctx;
	if (ctype != NULL)
		fz_bytes += strlen(ctype);
	if (rtype != NULL)
		fz_bytes += strlen(rtype);
	if (subject != NULL)
		fz_bytes += strlen(subject);
	return 0;
}

/* The message-level claim (ingest's sink_message): every answer is tried,
 * chosen from the message's own bytes so that a replay is deterministic. */
static int
s_message(void *ctx, const char *name, const unsigned char *p, size_t n,
    const unpack_email_facts *f)
{
	fz_sink *s = ctx;

	FZ_CHECK(!s->open);
	FZ_CHECK(name != NULL && p != NULL && f != NULL);
	if (f->content_type != NULL)
		fz_bytes += strlen(f->content_type);
	if (f->report_type != NULL)
		return UNPACK_MSG_WALK;
	return (int)(n % 4);	/* WALK, WALK_PLAIN, TAKEN, SKIP */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int inited;
	unpack_sink sink = { NULL, s_begin, s_data, s_end, s_refuse, s_email, NULL, s_message };
	fz_sink s;
	unpack u;
	int rc;

	if (!inited) {
		mime_init();
		inited = 1;
	}
	memset(&s, 0, sizeof(s));
	dbuf_init(&s.doc, (size_t)16 << 20);
	sink.ctx = &s;
	memset(&u, 0, sizeof(u));
	unpack_limits_default(&u.lim);
	u.lim.max_output = FZ_MAX_OUTPUT;
	u.lim.max_message = FZ_MAX_MESSAGE;
	u.sink = &sink;
	FZ_CHECK(unpack_sniff(data, size) >= FMT_EMPTY && unpack_sniff(data, size) <= FMT_UNKNOWN);
	rc = unpack_mem(&u, "fuzz", data, size);
	FZ_CHECK(rc == 0);		/* the sink never stops the walk */
	FZ_CHECK(!s.open);
	FZ_CHECK(s.p == NULL);
	dbuf_free(&s.doc);
	return 0;
}
