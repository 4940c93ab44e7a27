/*
 * ingest_parse.c - the parsing side of the ingest (see ingest_priv.h): for
 * each input, the archive's hash and compressed bytes, then every document
 * unpacked and parsed, all written as events for the writing side.  Runs in
 * the caller's thread; never touches the store except to look at the archive
 * (stored_before, the size check) through the read connection.
 *
 * Errors: nothing here fails a message; refusals travel as events, and the
 * writing side decides.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest_priv.h"
#include "mime.h"
#include "../util/log.h"
#include "../util/sha256.h"

/* ---- parsing side: events --------------------------------------------------- */

static void
ev_simple(ingest *g, int type)
{
	evw w;

	evw_begin(&w, g->out, type);
	evw_end(&w);
	ig_emit_flush(g, 0);
}

static void
ev_int(ingest *g, int type, int64_t v)
{
	evw w;

	evw_begin(&w, g->out, type);
	evw_i64(&w, v);
	evw_end(&w);
	ig_emit_flush(g, 0);
}

void
ig_ev_strs(ingest *g, int type, const char *a, const char *b, int64_t v)
{
	evw w;

	evw_begin(&w, g->out, type);
	evw_str(&w, a);
	evw_str(&w, b);
	evw_i64(&w, v);
	evw_end(&w);
	ig_emit_flush(g, 0);
}

/* ---- parsing side: report callbacks ------------------------------------------ */

static int
p_report(ingest *g, int type, const dm_report *r)
{
	evw w;

	evw_begin(&w, g->out, type);
	ev_put_report(&w, r);
	evw_end(&w);
	ig_emit_flush(g, 0);
	return AGG_CONTINUE;
}

static int
p_header(void *ctx, dm_report *r)
{
	return p_report(ctx, E_HEADER, r);
}

static int
p_trailer(void *ctx, dm_report *r)
{
	return p_report(ctx, E_TRAILER, r);
}

static int
p_record(void *ctx, dm_report *r, const dm_record *rec)
{
	ingest *g = ctx;
	evw w;

	(void)r;
	evw_begin(&w, g->out, E_RECORD);
	ev_put_record(&w, rec);
	evw_end(&w);
	ig_emit_flush(g, 0);
	return AGG_CONTINUE;
}

/* ---- parsing side: document sink (from unpack) ------------------------------- */

/*
 * Every document goes to the registered kind that claims it (dm_kind_best
 * over kinds.h's registry, from its first HEAD_BYTES): a streaming kind
 * (aggregate) is fed as the bytes come; a whole-document kind (TLS-RPT) gets
 * them in kbuf, parsed at the document's end into one E_KIND_DOC event.  An
 * e-mail is first offered whole to the kinds that take a message (failure
 * reports, sink_message).
 */

static void
doc_refuse(ingest *g, const char *reason, int ignorable)
{
	g->doc_mode = DM_REFUSED;
	g->doc_outcome = ignorable ? DOC_IGNORED : DOC_REFUSED;
	snprintf(g->doc_reason, sizeof(g->doc_reason), "%s", reason);
}

static void
doc_start(ingest *g, const char *name, const char *report_type, int text, int in_mime)
{
	g->doc_idx = g->p_ndocs++;
	g->doc_text = text;
	g->doc_in_mime = in_mime;
	g->doc_mode = DM_UNDECIDED;
	g->headlen = 0;
	g->kind = NULL;
	g->kst = NULL;
	g->kbuf_over = 0;
	g->doc_outcome = DOC_OK;
	g->doc_reason[0] = '\0';
	snprintf(g->doc_report_type, sizeof(g->doc_report_type), "%s",
	    report_type != NULL ? report_type : "");
	ig_ev_strs(g, E_DOC_BEGIN, name, NULL, 0);
}

static void
doc_end_event(ingest *g)
{
	evw w;

	evw_begin(&w, g->out, E_DOC_END);
	evw_i64(&w, g->doc_outcome);
	evw_str(&w, g->doc_reason);
	evw_end(&w);
	ig_emit_flush(g, 0);
}

static int
sink_begin(void *ctx, const unpack_doc *d)
{
	/* A text/html or text/plain body that is not a report is just the
	 * human-readable part; text/xml is a report attachment. */
	doc_start(ctx, d->name, d->report_type, d->from_text_part && (d->content_type == NULL ||
	    strcmp(d->content_type, "text/xml") != 0), d->in_mime);
	return 0;
}

static void
feed_parser(ingest *g, const void *p, size_t n)
{
	if (g->doc_mode == DM_BUFFER) {
		if (!g->kbuf_over && dbuf_add(&g->kbuf, p, n) != DBUF_OK) {
			g->kbuf_over = 1;
			dbuf_reset(&g->kbuf);
		}
		return;
	}
	if (g->kind->stream_feed(g->kst, p, n) != DM_KERR_OK)
		g->doc_mode = DM_REFUSED;	/* the verdict is read in sink_end */
}

/* A whole-document kind's bytes are held up to its cap (plus one byte, so
 * that the kind itself names the cap it refuses). */
static size_t
kbuf_cap(ingest *g)
{
	size_t cap = g->o.klim.max_bytes != 0 ? g->o.klim.max_bytes : g->o.lim.max_message;

	return cap + 1;
}

static void
decide(ingest *g)
{
	dm_sniff_in in = { g->head, g->headlen, 0, NULL,
	    g->doc_report_type[0] != '\0' ? g->doc_report_type : NULL, NULL };
	const dm_kind *k = dm_kind_best(dm_kinds, dm_nkinds, &in, NULL);
	int fmt;

	if (k != NULL && k->stream_new != NULL) {
		g->agg.h = (agg_handler){ p_header, p_record, p_trailer, g };
		g->agg.lim = &g->o.alim;
		g->agg.mode = (g->doc_idx < MAX_DOCS && (g->recover_mask >> g->doc_idx) & 1) ?
		    AGG_MODE_RECOVER : AGG_MODE_STRICT;
		g->kind = k;
		g->kst = k->stream_new(&g->agg, &g->o.klim);
		g->doc_mode = DM_STREAM;
		feed_parser(g, g->head, g->headlen);
		return;
	}
	if (k != NULL && k->parse != NULL) {
		g->kind = k;
		g->doc_mode = DM_BUFFER;
		dbuf_free(&g->kbuf);
		dbuf_init(&g->kbuf, kbuf_cap(g));
		feed_parser(g, g->head, g->headlen);
		return;
	}
	fmt = unpack_sniff(g->head, g->headlen);
	if (fmt == FMT_EMPTY) {
		doc_refuse(g, g->headlen == 0 ? "empty document" : "document holds only "
		    "whitespace", g->doc_text);
	} else {
		char fb[64], reason[200];
		size_t j = 0;

		for (size_t i = 0; i < g->headlen && i < 12 && j + 5 < sizeof(fb); i++)
			j += (size_t)snprintf(fb + j, sizeof(fb) - j,
			    g->head[i] >= 0x20 && g->head[i] < 0x7f && g->head[i] != '\'' ? "%c" :
			    "\\x%02x", g->head[i]);
		snprintf(reason, sizeof(reason), "not a report: the %s content is not XML "
		    "(starts with '%s')", g->doc_in_mime ? "attachment's" : "decompressed", fb);
		doc_refuse(g, reason, g->doc_text);
	}
}

static int
sink_data(void *ctx, const void *p, size_t n)
{
	ingest *g = ctx;

	if (g->doc_mode == DM_REFUSED)
		return 0;	/* refused: drain */
	if (g->doc_mode == DM_UNDECIDED) {
		size_t take = HEAD_BYTES - g->headlen;

		if (take > n)
			take = n;
		memcpy(g->head + g->headlen, p, take);
		g->headlen += take;
		p = (const char *)p + take;
		n -= take;
		if (g->headlen < HEAD_BYTES)
			return 0;
		decide(g);
		if (g->doc_mode != DM_STREAM && g->doc_mode != DM_BUFFER)
			return 0;
	}
	feed_parser(g, p, n);
	return 0;
}

/* A whole-document kind's model as one event: kind, identity, JSON. */
static void
emit_kind_doc(ingest *g, const dm_kind *k, void *model)
{
	char key[DM_KIND_KEYLEN];
	json_t *j = k->to_json(model);
	size_t len;
	char *text;
	evw w;

	k->identity(model, key);
	if (g->o.redact)
		ig_redact(k->id, j);
	len = json_dumpb(j, NULL, 0, JSON_COMPACT);
	text = xmalloc(len > 0 ? len : 1);
	len = json_dumpb(j, text, len, JSON_COMPACT);
	json_decref(j);
	evw_begin(&w, g->out, E_KIND_DOC);
	evw_i64(&w, k->id);
	evw_str(&w, key);
	evw_bytes(&w, text, len);
	evw_end(&w);
	free(text);
	ig_emit_flush(g, 0);
}

/* A kind's verdict other than OK as the document's refusal. */
static void
kind_refuse(ingest *g, int rc, const char *err)
{
	if (rc == DM_KERR_NOT_REPORT)
		doc_refuse(g, err, g->doc_text || g->doc_in_mime);
	else
		doc_refuse(g, err, g->doc_text);
}

static void
end_whole(ingest *g)
{
	char err[300];
	void *model = NULL;
	int rc;

	if (g->kbuf_over) {
		snprintf(err, sizeof(err), "refused: the document is larger than %zu bytes "
		    "(the cap for a %s report)", kbuf_cap(g) - 1, g->kind->name);
		doc_refuse(g, err, 0);
		return;
	}
	err[0] = '\0';
	rc = g->kind->parse((const unsigned char *)g->kbuf.data, g->kbuf.len, &g->o.klim, &model,
	    err, sizeof(err));
	if (rc == DM_KERR_OK)
		emit_kind_doc(g, g->kind, model);
	else
		kind_refuse(g, rc, err);
	if (model != NULL)
		g->kind->free_model(model);
	dbuf_free(&g->kbuf);
}

static void
end_stream(ingest *g)
{
	char err[300];
	int rc;

	err[0] = '\0';
	rc = g->kind->stream_finish(g->kst, err, sizeof(err));
	if (rc == DM_KERR_OK) {
		g->doc_outcome = DOC_OK;
	} else if (rc == DM_KERR_SYNTAX && g->doc_idx < MAX_DOCS &&
	    !((g->recover_mask >> g->doc_idx) & 1)) {
		g->doc_outcome = DOC_RETRY;
		g->p_retry_mask |= (uint64_t)1 << g->doc_idx;
	} else
		kind_refuse(g, rc, err);
}

/* The parser's verdict; a duplicate or a database error is for the writing
 * side to find out. */
static int
sink_end(void *ctx, const char *error)
{
	ingest *g = ctx;

	if (g->doc_mode == DM_UNDECIDED && error == NULL)
		decide(g);
	if (error != NULL)
		doc_refuse(g, error, 0);
	else if (g->kind != NULL && g->kst != NULL)
		end_stream(g);
	else if (g->kind != NULL && g->doc_mode == DM_BUFFER)
		end_whole(g);
	if (g->kst != NULL)
		g->kind->stream_free(g->kst);
	g->kst = NULL;
	dbuf_free(&g->kbuf);
	doc_end_event(g);
	return 0;
}

static int
sink_refuse(void *ctx, const char *name, const char *reason, int ignorable)
{
	ig_ev_strs(ctx, E_REFUSE, name, reason, ignorable);
	return 0;
}

/* An e-mail, before its parts are walked: a kind that takes whole messages
 * (failure reports) may claim it; when that kind finds it is no report of
 * its kind, the parts are walked as for any mail.  The parts of a
 * multipart/report are walked only when a kind claims its report-type
 * (tlsrpt); any other (a DSN) is refused by sink_email. */
static int
sink_message(void *ctx, const char *name, const unsigned char *p, size_t n,
    const unpack_email_facts *f)
{
	ingest *g = ctx;
	dm_sniff_in in = { p, n < HEAD_BYTES ? n : HEAD_BYTES, 1, f->content_type, f->report_type,
	    f->subject };
	const dm_kind *best = NULL;
	int bc = DM_SNIFF_NO;

	for (size_t i = 0; i < dm_nkinds; i++) {
		int c;

		if (!dm_kind_takes_message(dm_kinds[i]) || dm_kinds[i]->parse == NULL)
			continue;
		c = dm_kinds[i]->sniff(&in);
		if (c > bc) {
			bc = c;
			best = dm_kinds[i];
		}
	}
	if (best != NULL && bc >= DM_SNIFF_LIKELY) {
		char err[300];
		void *model = NULL;
		int rc;

		err[0] = '\0';
		rc = best->parse(p, n, &g->o.klim, &model, err, sizeof(err));
		if (rc != DM_KERR_NOT_REPORT) {
			doc_start(g, name, NULL, 0, 0);
			g->kind = best;
			if (rc == DM_KERR_OK)
				emit_kind_doc(g, best, model);
			else
				doc_refuse(g, err, 0);
			if (model != NULL)
				best->free_model(model);
			doc_end_event(g);
			return UNPACK_MSG_TAKEN;
		}
		if (model != NULL)
			best->free_model(model);
		return UNPACK_MSG_WALK_PLAIN;
	}
	if (f->report_type == NULL)
		return UNPACK_MSG_WALK;
	{
		dm_sniff_in rt = { NULL, 0, 0, f->content_type, f->report_type, NULL };
		int conf = DM_SNIFF_NO;

		dm_kind_best(dm_kinds, dm_nkinds, &rt, &conf);
		return conf >= DM_SNIFF_SURE ? UNPACK_MSG_WALK : UNPACK_MSG_SKIP;
	}
}

static int
sink_email(void *ctx, const char *ctype, const char *report_type, const char *subject)
{
	(void)ctype;
	(void)subject;
	if (report_type != NULL)
		ig_ev_strs(ctx, E_EMAIL, report_type, NULL, 0);
	return 0;
}

static void
sink_progress(void *ctx, size_t n)
{
	ingest *g = ctx;

	if (g->recover_mask != 0)
		return;		/* a second pass over the same bytes */
	g->p_reported += n;
	ev_int(g, E_PROGRESS, (int64_t)n);
}

/* ---- parsing side: the archive ---------------------------------------------- */

typedef struct archiver {
	ingest *g;
	sha256_ctx *sha;
	ZSTD_CCtx *z;
	int compress;
	uint64_t size, stored;
	unsigned char *out;
	size_t outlen;
} archiver;

static void
arch_flush(archiver *a)
{
	evw w;

	if (a->outlen == 0)
		return;
	evw_begin(&w, a->g->out, E_ARCH_CHUNK);
	evw_bytes(&w, a->out, a->outlen);
	evw_end(&w);
	ig_emit_flush(a->g, 0);
	a->stored += a->outlen;
	a->outlen = 0;
}

/* Compresses (or copies) p into chunk events; the hash is the caller's. */
static void
arch_add(archiver *a, const void *p, size_t n, int last)
{
	a->size += n;
	if (!a->compress) {
		while (n > 0) {
			size_t take = ARCHIVE_CHUNK - a->outlen;

			if (take > n)
				take = n;
			memcpy(a->out + a->outlen, p, take);
			a->outlen += take;
			p = (const char *)p + take;
			n -= take;
			if (a->outlen == ARCHIVE_CHUNK)
				arch_flush(a);
		}
		if (last)
			arch_flush(a);
		return;
	}
	{
		ZSTD_inBuffer in = { p, n, 0 };
		size_t rc;

		do {
			ZSTD_outBuffer out = { a->out, ARCHIVE_CHUNK, a->outlen };

			rc = ZSTD_compressStream2(a->z, &out, &in, last ? ZSTD_e_end :
			    ZSTD_e_continue);
			if (ZSTD_isError(rc))
				fatalx("zstd: %s", ZSTD_getErrorName(rc));
			a->outlen = out.pos;
			if (a->outlen == ARCHIVE_CHUNK || (last && rc == 0))
				arch_flush(a);
		} while (in.pos < in.size || (last && rc != 0));
	}
}

static void
arch_start(ingest *g, archiver *a, const unsigned char *first, size_t n, uint64_t size_hint)
{
	int fmt = unpack_sniff(first, n);

	memset(a, 0, sizeof(*a));
	a->g = g;
	if (g->abuf == NULL) {
		g->abuf = xmalloc(ARCHIVE_CHUNK);
		g->aout = xmalloc(ARCHIVE_CHUNK);
	}
	a->out = g->aout;
	a->compress = !(fmt == FMT_GZIP || fmt == FMT_ZIP);
	if (a->compress) {
		if (g->zc == NULL)
			g->zc = ZSTD_createCCtx();
		a->z = g->zc;
		ZSTD_CCtx_reset(a->z, ZSTD_reset_session_and_parameters);
		ZSTD_CCtx_setParameter(a->z, ZSTD_c_compressionLevel,
		    size_hint > 16 * 1024 * 1024 ? 1 : 3);
	}
}

/* hex: the hash when it is known before the bytes (NULL for a stream). */
/* hex: the hash when it is known before the bytes (NULL for a stream).
 * after: the archive's chunks follow the parse (see ig_p_message_fd). */
static void
ev_msg_begin(ingest *g, const char *source, uint64_t size, const archiver *a,
    const char *hex, int after)
{
	evw w;

	evw_begin(&w, g->out, E_MSG_BEGIN);
	evw_str(&w, source);
	evw_str(&w, a->compress ? "zstd" : "none");
	evw_i64(&w, (int64_t)size);
	evw_str(&w, hex);
	evw_i64(&w, after);
	evw_end(&w);
	evw_begin(&w, g->out, E_MSG_META);
	evw_str(&w, g->p_msgid[0] != '\0' ? g->p_msgid : NULL);
	evw_i64(&w, g->p_arrival);
	evw_end(&w);
	ig_emit_flush(g, 0);
}

static void
ev_arch_end(ingest *g, const char *hex, const archiver *a, int parsed)
{
	evw w;

	evw_begin(&w, g->out, E_ARCH_END);
	evw_str(&w, hex);
	evw_i64(&w, (int64_t)a->size);
	evw_i64(&w, (int64_t)a->stored);
	evw_i64(&w, parsed);
	evw_end(&w);
	ig_emit_flush(g, 0);
}

/* Are these bytes archived and stored already?  Then parsing them again is
 * wasted: the writing side only records the duplicate. */
static int
stored_before(ingest *g, const char *hex)
{
	store *s = g->q != NULL ? g->ro : g->st;
	int64_t id = 0;
	char state[32];

	if (s == NULL || !store_has(s, raw_find) ||
	    store_raw_find(s, hex, &id, state, sizeof(state)) != STORE_OK || id == 0)
		return 0;
	return strcmp(state, RAW_STORED) == 0 || strcmp(state, RAW_PARTIAL) == 0;
}

/* ---- parsing side: the message ------------------------------------------------ */

void
ig_p_passes(ingest *g, const msg_input *in)
{
	unpack_sink sink = { g, sink_begin, sink_data, sink_end, sink_refuse, sink_email,
	    sink_progress, sink_message };

	g->recover_mask = 0;
	for (int pass = 0; pass < 2; pass++) {
		unpack u;

		memset(&u, 0, sizeof(u));
		u.lim = g->o.lim;
		u.sink = &sink;
		g->p_ndocs = 0;
		g->p_retry_mask = 0;
		ev_int(g, E_PASS_BEGIN, pass);
		if (in->path != NULL) {
			int fd = open(in->path, O_RDONLY | O_CLOEXEC);

			if (fd < 0) {
				char reason[300];

				snprintf(reason, sizeof(reason), "cannot reopen: %s", strerror(errno));
				ig_ev_strs(g, E_REFUSE, g->p_source, reason, 0);
			} else {
				unpack_fd(&u, g->p_source, fd);
				close(fd);
			}
		} else
			unpack_mem(&u, g->p_source, in->mem, in->len);
		ev_simple(g, E_PASS_END);
		/* Some documents were not well-formed: the writing side may
		 * redo the message, parsing those with the recovery parser. */
		if (g->p_retry_mask == 0)
			break;
		g->recover_mask = g->p_retry_mask;
	}
}

void
ig_p_msg_end(ingest *g, uint64_t size)
{
	ev_int(g, E_MSG_END, size > g->p_reported ? (int64_t)(size - g->p_reported) : 0);
	/* Without a writer thread, apply the message now: the caller gets its
	 * outcome, and the next message's look at the archive is current. */
	if (g->q == NULL)
		ig_emit_flush(g, 1);
}

/* A message in memory (mbox, stdin, or a small file).  toobig: it exceeds the
 * message size limit and is only archived and quarantined. */
void
ig_p_message_mem(ingest *g, const char *source, const msg_input *in, const unsigned char *p,
    size_t n, int toobig)
{
	archiver a;
	char hex[SHA256_HEXLEN];

	g->p_source = source;
	g->p_reported = 0;
	mime_message_id(p, n, g->p_msgid, sizeof(g->p_msgid));
	arch_start(g, &a, p, n, n);
	{
		sha256_ctx *sha = sha256_new();

		sha256_update(sha, p, n);
		sha256_final_hex(sha, hex);
	}
	ev_msg_begin(g, source, n, &a, hex, 0);
	if (!toobig && stored_before(g, hex)) {
		a.size = n;
		ev_arch_end(g, hex, &a, 0);
		ig_p_msg_end(g, n);
		return;
	}
	arch_add(&a, p, n, 1);
	ev_arch_end(g, hex, &a, 1);
	if (toobig) {
		char reason[200];

		snprintf(reason, sizeof(reason), "message of %zu bytes exceeds the message size "
		    "limit of %zu bytes (--max-message)", n, g->o.lim.max_message);
		ig_ev_strs(g, E_TOOBIG, reason, NULL, 0);
	} else
		ig_p_passes(g, in);
	ig_p_msg_end(g, n);
}

/* Reads fd from its start to the end into chunk events (and the hash). */
static int
arch_stream(ingest *g, archiver *a, int fd, char hex[SHA256_HEXLEN], int emit)
{
	sha256_ctx *sha = sha256_new();
	ssize_t n;

	if (lseek(fd, 0, SEEK_SET) != 0) {
		sha256_final_hex(sha, hex);
		return -1;
	}
	for (;;) {
		do
			n = read(fd, g->abuf, ARCHIVE_CHUNK);
		while (n < 0 && errno == EINTR);
		if (n <= 0)
			break;
		sha256_update(sha, g->abuf, (size_t)n);
		if (emit)
			arch_add(a, g->abuf, (size_t)n, 0);
	}
	if (emit)
		arch_add(a, "", 0, 1);
	sha256_final_hex(sha, hex);
	return n < 0 ? -1 : 0;
}

/*
 * The archive of a large input made in a thread of its own while the parser
 * reads the same file: the hash, and the compressed (or copied) bytes in an
 * unlinked temporary file, handed to the writer as chunks after the parse.
 */
typedef struct arch_job {
	const char *path;
	int compress;
	uint64_t size_hint;
	FILE *tmp;
	uint64_t size;
	char hex[SHA256_HEXLEN];
	int err;
	pthread_t thr;
} arch_job;

static int
arch_job_write(arch_job *j, ZSTD_CCtx *z, unsigned char *out, const void *p, size_t n)
{
	ZSTD_inBuffer ib = { p, n, 0 };
	ZSTD_EndDirective end = n == 0 ? ZSTD_e_end : ZSTD_e_continue;
	size_t rc;

	if (z == NULL)
		return n == 0 || fwrite(p, 1, n, j->tmp) == n ? 0 : -1;
	do {
		ZSTD_outBuffer ob = { out, ARCHIVE_CHUNK, 0 };

		rc = ZSTD_compressStream2(z, &ob, &ib, end);
		if (ZSTD_isError(rc))
			return -1;
		if (ob.pos > 0 && fwrite(out, 1, ob.pos, j->tmp) != ob.pos)
			return -1;
	} while (ib.pos < ib.size || (end == ZSTD_e_end && rc != 0));
	return 0;
}

static void *
arch_job_main(void *arg)
{
	arch_job *j = arg;
	unsigned char *in = xmalloc(ARCHIVE_CHUNK), *out = xmalloc(ARCHIVE_CHUNK);
	sha256_ctx *sha = sha256_new();
	ZSTD_CCtx *z = NULL;
	int fd = open(j->path, O_RDONLY | O_CLOEXEC);
	ssize_t n = 0;

	if (j->compress) {
		z = ZSTD_createCCtx();
		ZSTD_CCtx_setParameter(z, ZSTD_c_compressionLevel,
		    j->size_hint > 16 * 1024 * 1024 ? 1 : 3);
	}
	j->err = fd < 0;
	while (!j->err) {
		do
			n = read(fd, in, ARCHIVE_CHUNK);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			j->err = 1;
			break;
		}
		sha256_update(sha, in, (size_t)n);
		j->size += (uint64_t)n;
		if (arch_job_write(j, z, out, in, (size_t)n) != 0)
			j->err = 1;
		if (n == 0)
			break;
	}
	sha256_final_hex(sha, j->hex);
	if (fd >= 0)
		close(fd);
	ZSTD_freeCCtx(z);
	free(in);
	free(out);
	return NULL;
}

/* The job's output as chunk events.  -1 when the job failed (nothing was
 * emitted: the caller archives the file itself). */
static int
arch_job_emit(ingest *g, arch_job *j, archiver *a)
{
	size_t n;

	if (j->err || fflush(j->tmp) != 0 || fseek(j->tmp, 0, SEEK_SET) != 0)
		return -1;
	while ((n = fread(g->aout, 1, ARCHIVE_CHUNK, j->tmp)) > 0) {
		a->out = g->aout;
		a->outlen = n;
		arch_flush(a);
	}
	if (ferror(j->tmp))	/* a disk error, half-way: say so, keep it */
		ig_ev_strs(g, E_REFUSE, g->p_source, "read error in the archive's temporary "
		    "file: the archived copy is incomplete", 0);
	a->size = j->size;
	return 0;
}

/*
 * A large file: archived and parsed as streams.  When no archived message
 * has its size it cannot be a duplicate of one, so it is parsed first and
 * archived afterwards: the writer starts on its records at once, and the
 * hashing and compressing (a second for 650 MB) overlap the writer's
 * backlog instead of delaying everything.  Otherwise it is hashed first,
 * and not parsed at all when those bytes are stored already.
 */
void
ig_p_message_fd(ingest *g, const char *path, int fd, uint64_t size)
{
	archiver a;
	char hex[SHA256_HEXLEN];
	msg_input in = { NULL, 0, path };
	store *s = g->q != NULL ? g->ro : g->st;
	int known = 1;
	ssize_t n;

	g->p_source = path;
	g->p_reported = 0;
	g->p_msgid[0] = '\0';	/* a large file: XML or an archive, no mail */
	if (g->abuf == NULL) {
		g->abuf = xmalloc(ARCHIVE_CHUNK);
		g->aout = xmalloc(ARCHIVE_CHUNK);
	}
	do
		n = pread(fd, g->abuf, HEAD_BYTES, 0);
	while (n < 0 && errno == EINTR);
	arch_start(g, &a, g->abuf, n > 0 ? (size_t)n : 0, size);
	if (s != NULL && store_has(s, raw_size_known) &&
	    store_raw_size_known(s, (int64_t)size, &known) != STORE_OK)
		known = 1;
	if (!known) {
		arch_job j;
		int job;

		memset(&j, 0, sizeof(j));
		j.path = path;
		j.compress = a.compress;
		j.size_hint = size;
		job = (j.tmp = tmpfile()) != NULL &&
		    pthread_create(&j.thr, NULL, arch_job_main, &j) == 0;
		ev_msg_begin(g, path, size, &a, NULL, 1);
		ig_p_passes(g, &in);
		if (job) {
			pthread_join(j.thr, NULL);
			if (arch_job_emit(g, &j, &a) == 0)
				memcpy(hex, j.hex, sizeof(hex));
			else
				job = 0;	/* do it here; a.stored stays 0 */
		}
		if (j.tmp != NULL)
			fclose(j.tmp);
		if (!job && arch_stream(g, &a, fd, hex, 1) != 0)
			ig_ev_strs(g, E_REFUSE, path, "read error while archiving", 0);
		ev_arch_end(g, hex, &a, 1);
		ig_p_msg_end(g, size);
		return;
	}
	if (arch_stream(g, &a, fd, hex, 0) == 0 && stored_before(g, hex)) {
		ev_msg_begin(g, path, size, &a, hex, 0);
		a.size = size;
		ev_arch_end(g, hex, &a, 0);
		ig_p_msg_end(g, size);
		return;
	}
	ev_msg_begin(g, path, size, &a, hex, 0);
	arch_stream(g, &a, fd, hex, 1);
	ev_arch_end(g, hex, &a, 1);
	ig_p_passes(g, &in);
	ig_p_msg_end(g, size);
}
