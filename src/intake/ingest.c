/*
 * ingest.c - see ingest.h.  Two halves joined by an event stream (evq.h):
 *
 *   the parsing side (p_*, runs in the caller's thread): reads the input,
 *     hashes and compresses it for the archive, unpacks it and parses every
 *     document, and writes what it found as events;
 *   the writing side (c_*, runs in a writer thread when the pipeline is on,
 *     else inline): applies the events to the store, one transaction per
 *     message: archive, then every document in its own savepoint, then the
 *     message's state, then commit.
 *
 * Every decision that needs the store (duplicate bytes, duplicate reports,
 * database errors, the message's final state) is taken by the writing side,
 * so the parsing side never waits for it.  The parsing side only peeks at
 * the archive (through its own read connection) to skip parsing a message
 * whose bytes are stored already.
 *
 * Error behaviour: a refused document never aborts the message (its savepoint
 * is rolled back, the reason is kept); a database error aborts the message
 * (INGEST_FAILED; nothing of it is committed, the input is left where it is).
 */
#include "ingest.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "evq.h"
#include "../analyze/analysis.h"
#include "../util/dbuf.h"
#include "../util/log.h"
#include "../util/sha256.h"

#define ARCHIVE_CHUNK (1024 * 1024)
#define HEAD_BYTES 512
#define MAX_DOCS 64		/* documents per message that may be retried */
#define MEM_INPUT (16u << 20)	/* files up to this size are read whole */
#define BATCH_BYTES (256 * 1024)	/* a batch is handed over past this size */
#define NBATCHES 4

/* What happened to one document inside a message. */
enum { DOC_OK, DOC_DUP, DOC_IGNORED, DOC_REFUSED, DOC_RETRY, DOC_FAILED };

/* Events, in the order a message produces them:
 *   MSG_BEGIN ARCH_CHUNK* ARCH_END [TOOBIG]
 *     (PASS_BEGIN (DOC_BEGIN [HEADER RECORD* [TRAILER]] DOC_END | REFUSE | EMAIL |
 *      PROGRESS)* PASS_END){0,2} MSG_END
 * or MSG_RETRY (PASS_BEGIN ... PASS_END){1,2} MSG_END for `quarantine retry`,
 * or OPEN_FAIL alone. */
enum {
	E_MSG_BEGIN = 1,	/* source, codec, size, sha256 or NULL */
	E_ARCH_CHUNK,		/* bytes */
	E_ARCH_END,		/* sha256, size, stored size, parsed (0: skipped, stored already) */
	E_TOOBIG,		/* reason */
	E_MSG_RETRY,		/* raw id, source */
	E_PASS_BEGIN,		/* pass */
	E_DOC_BEGIN,		/* name */
	E_HEADER,		/* report */
	E_RECORD,		/* record */
	E_TRAILER,		/* report */
	E_DOC_END,		/* outcome, reason */
	E_REFUSE,		/* name, reason, ignorable */
	E_EMAIL,		/* report type */
	E_PROGRESS,		/* bytes */
	E_PASS_END,
	E_MSG_END,		/* bytes not yet reported as progress */
	E_OPEN_FAIL,		/* input, reason */
};

/* The writing side's place in the current message. */
enum { C_IDLE, C_ARCH, C_PROC, C_SKIP };

struct ingest {
	store *st;
	analysis *an;		/* per-record analysis and rollups (writing side) */
	ingest_opts o;
	ingest_stats stats;	/* writing side; read after ingest_wait() */
	int last_outcome;	/* of the last message applied */

	/* the pipeline */
	evq *q;			/* NULL: events are applied inline */
	pthread_t writer;
	dbuf *out;		/* the batch being filled */
	dbuf direct;		/* the batch when there is no writer thread */
	store *ro;		/* the parsing side's read connection (pipeline only) */
	int ro_tried;

	/* ---- parsing side ---- */
	ZSTD_CCtx *zc;		/* reused across messages */
	unsigned char *abuf, *aout;	/* archive read and output buffers, reused */
	dbuf whole;		/* a small file, read whole */
	const char *p_source;
	uint64_t p_reported;	/* bytes reported as progress for this message */
	uint64_t recover_mask;	/* documents to parse in recovery mode */
	uint64_t p_retry_mask;	/* documents that failed strict parsing this pass */
	int p_ndocs;
	/* per document */
	int doc_idx;
	int doc_text;		/* from a human-readable text part (not text/xml) */
	int doc_in_mime;
	int doc_mode;		/* 0 undecided, 1 xml, 2 refused */
	unsigned char head[HEAD_BYTES];
	size_t headlen;
	agg_parser *ap;
	int doc_outcome;
	char doc_reason[300];

	/* ---- writing side ---- */
	int c_state;
	int c_retry;		/* reprocessing a quarantined message */
	int c_skip_pass;	/* a second pass that is not needed */
	dbuf c_source;
	int64_t raw_id;
	int arch_seq;
	int arch_hashed;	/* the row got its hash from MSG_BEGIN */
	int64_t arch_dup;	/* MSG_BEGIN's hash is archived already: that id */
	int arch_after;		/* chunks and hash come after the parse */
	uint64_t retry_mask;	/* documents to redo in recovery mode */
	int ndocs;
	int ok, dups;
	uint64_t records, msgs;
	dbuf refusals;		/* "name: reason" lines, '\n' separated */
	dbuf ignored;
	int nrefusals, nignored;
	int email_refused;	/* the e-mail itself is a non-aggregate report */
	char email_reason[300];
	/* per document */
	int c_doc_idx;
	dbuf c_doc_name;
	int c_doc_dup, c_doc_failed;
	int64_t report_id;
	char domain_key[DM_KEY_LEN];	/* normalised policy domain of the report */
	char c_fail_reason[600];
	dm_record rec;		/* unpacked record (large: kept here, not on a stack) */
};

static void c_batch(ingest *g, const dbuf *b);

void
ingest_opts_default(ingest_opts *o)
{
	memset(o, 0, sizeof(*o));
	unpack_limits_default(&o->lim);
	agg_limits_default(&o->alim);
}

ingest *
ingest_new(store *s, const ingest_opts *o)
{
	ingest *g = xcalloc(1, sizeof(*g));

	g->st = s;
	g->an = analysis_new(s, NULL);
	if (o != NULL)
		g->o = *o;
	else
		ingest_opts_default(&g->o);
	dbuf_init(&g->refusals, 64 * 1024);
	dbuf_init(&g->ignored, 16 * 1024);
	dbuf_init(&g->direct, (size_t)1 << 40);
	dbuf_init(&g->whole, MEM_INPUT);
	dbuf_init(&g->c_source, 64 * 1024);
	dbuf_init(&g->c_doc_name, 64 * 1024);
	g->out = &g->direct;
	return g;
}

/* ---- the pipeline ----------------------------------------------------------- */

static void *
writer_main(void *arg)
{
	ingest *g = arg;
	dbuf *b;

	while ((b = evq_get_full(g->q)) != NULL) {
		c_batch(g, b);
		evq_put_free(g->q, b);
	}
	return NULL;
}

static void
pipeline_start(ingest *g)
{
	if (g->q != NULL || !g->o.pipeline)
		return;
	if (g->o.reader_dsn != NULL && !g->ro_tried) {
		char err[512];

		g->ro_tried = 1;
		if (store_open(&g->ro, g->o.reader_dsn, err, sizeof(err)) != STORE_OK) {
			log_warnx("ingest: no read connection (%s): every message is parsed", err);
			g->ro = NULL;
		}
	}
	g->q = evq_new(NBATCHES);
	if (pthread_create(&g->writer, NULL, writer_main, g) != 0) {
		log_warnx("ingest: cannot start the writer thread: writing inline");
		evq_free(g->q);
		g->q = NULL;
		g->o.pipeline = 0;
		return;
	}
	g->out = evq_get_free(g->q);
	if (g->st->ops->bulk != NULL)
		g->st->ops->bulk(g->st, 1);
}

/* Hands the batch over once it is big enough (or always, with force). */
static void
emit_flush(ingest *g, int force)
{
	if (g->out->len == 0 || (!force && g->out->len < BATCH_BYTES))
		return;
	if (g->q != NULL) {
		evq_put_full(g->q, g->out);
		g->out = evq_get_free(g->q);
	} else {
		c_batch(g, g->out);
		dbuf_reset(g->out);
	}
}

void
ingest_wait(ingest *g)
{
	if (g->q == NULL) {
		emit_flush(g, 1);
		return;
	}
	if (g->out->len > 0)
		evq_put_full(g->q, g->out);
	else
		evq_put_free(g->q, g->out);
	evq_close(g->q);
	pthread_join(g->writer, NULL);
	if (g->st->ops->bulk != NULL)
		g->st->ops->bulk(g->st, 0);
	evq_free(g->q);
	g->q = NULL;
	g->out = &g->direct;
}

void
ingest_free(ingest *g)
{
	if (g == NULL)
		return;
	ingest_wait(g);
	if (g->ro != NULL)
		store_close(g->ro);
	analysis_free(g->an);
	dbuf_free(&g->refusals);
	dbuf_free(&g->ignored);
	dbuf_free(&g->direct);
	dbuf_free(&g->whole);
	dbuf_free(&g->c_source);
	dbuf_free(&g->c_doc_name);
	ZSTD_freeCCtx(g->zc);
	free(g->abuf);
	free(g->aout);
	free(g);
}

const ingest_stats *
ingest_get_stats(const ingest *g)
{
	return &g->stats;
}

const ingest_opts *
ingest_get_opts(const ingest *g)
{
	return &g->o;
}

/* ---- parsing side: events --------------------------------------------------- */

static void
ev_simple(ingest *g, int type)
{
	evw w;

	evw_begin(&w, g->out, type);
	evw_end(&w);
	emit_flush(g, 0);
}

static void
ev_int(ingest *g, int type, int64_t v)
{
	evw w;

	evw_begin(&w, g->out, type);
	evw_i64(&w, v);
	evw_end(&w);
	emit_flush(g, 0);
}

static void
ev_strs(ingest *g, int type, const char *a, const char *b, int64_t v)
{
	evw w;

	evw_begin(&w, g->out, type);
	evw_str(&w, a);
	evw_str(&w, b);
	evw_i64(&w, v);
	evw_end(&w);
	emit_flush(g, 0);
}

/* ---- parsing side: report callbacks ------------------------------------------ */

static int
p_report(ingest *g, int type, const dm_report *r)
{
	evw w;

	evw_begin(&w, g->out, type);
	ev_put_report(&w, r);
	evw_end(&w);
	emit_flush(g, 0);
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
	emit_flush(g, 0);
	return AGG_CONTINUE;
}

/* ---- parsing side: document sink (from unpack) ------------------------------- */

static void
doc_refuse(ingest *g, const char *reason, int ignorable)
{
	g->doc_mode = 2;
	g->doc_outcome = ignorable ? DOC_IGNORED : DOC_REFUSED;
	snprintf(g->doc_reason, sizeof(g->doc_reason), "%s", reason);
}

static int
sink_begin(void *ctx, const unpack_doc *d)
{
	ingest *g = ctx;

	g->doc_idx = g->p_ndocs++;
	/* A text/html or text/plain body that is not a report is just the
	 * human-readable part; text/xml is a report attachment. */
	g->doc_text = d->from_text_part && (d->content_type == NULL ||
	    strcmp(d->content_type, "text/xml") != 0);
	g->doc_in_mime = d->in_mime;
	g->doc_mode = 0;
	g->headlen = 0;
	g->ap = NULL;
	g->doc_outcome = DOC_OK;
	g->doc_reason[0] = '\0';
	ev_strs(g, E_DOC_BEGIN, d->name, NULL, 0);
	return 0;
}

static void
feed_parser(ingest *g, const void *p, size_t n)
{
	if (agg_feed(g->ap, p, n) != AGG_OK)
		g->doc_mode = 2;	/* the verdict is read in sink_end */
}

static void
decide(ingest *g)
{
	int fmt = unpack_sniff(g->head, g->headlen);

	if (fmt == FMT_XML) {
		agg_handler h = { p_header, p_record, p_trailer, g };
		int mode = (g->doc_idx < MAX_DOCS && (g->recover_mask >> g->doc_idx) & 1) ?
		    AGG_MODE_RECOVER : AGG_MODE_STRICT;

		g->ap = agg_new(&h, &g->o.alim, mode);
		g->doc_mode = 1;
		feed_parser(g, g->head, g->headlen);
	} else if (fmt == FMT_JSON) {
		doc_refuse(g, "an SMTP TLS report (RFC 8460 JSON): TLS-RPT is not supported by "
		    "this version yet (kept in quarantine)", 0);
	} else if (fmt == FMT_EMPTY) {
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

	if (g->doc_mode == 2)
		return 0;	/* refused: drain */
	if (g->doc_mode == 0) {
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
		if (g->doc_mode != 1)
			return 0;
	}
	feed_parser(g, p, n);
	return 0;
}

/* The parser's verdict; a duplicate or a database error is for the writing
 * side to find out. */
static int
sink_end(void *ctx, const char *error)
{
	ingest *g = ctx;
	evw w;

	if (g->doc_mode == 0 && error == NULL)
		decide(g);
	if (error != NULL) {
		doc_refuse(g, error, 0);
	} else if (g->ap != NULL) {
		switch (agg_finish(g->ap)) {
		case AGG_OK:
		case AGG_STOPPED:
			g->doc_outcome = DOC_OK;
			break;
		case AGG_ERR_SYNTAX:
			if (g->doc_idx < MAX_DOCS && !((g->recover_mask >> g->doc_idx) & 1)) {
				g->doc_outcome = DOC_RETRY;
				g->p_retry_mask |= (uint64_t)1 << g->doc_idx;
			} else
				doc_refuse(g, agg_error(g->ap), g->doc_text);
			break;
		case AGG_ERR_NOT_REPORT:
			doc_refuse(g, agg_error(g->ap), g->doc_text || g->doc_in_mime);
			break;
		default:
			doc_refuse(g, agg_error(g->ap), g->doc_text);
			break;
		}
	}
	agg_free(g->ap);
	g->ap = NULL;
	evw_begin(&w, g->out, E_DOC_END);
	evw_i64(&w, g->doc_outcome);
	evw_str(&w, g->doc_reason);
	evw_end(&w);
	emit_flush(g, 0);
	return 0;
}

static int
sink_refuse(void *ctx, const char *name, const char *reason, int ignorable)
{
	ev_strs(ctx, E_REFUSE, name, reason, ignorable);
	return 0;
}

static int
sink_email(void *ctx, const char *ctype, const char *report_type, const char *subject)
{
	(void)ctype;
	(void)subject;
	if (report_type != NULL)
		ev_strs(ctx, E_EMAIL, report_type, NULL, 0);
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
	emit_flush(a->g, 0);
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
 * after: the archive's chunks follow the parse (see p_message_fd). */
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
	emit_flush(g, 0);
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
	emit_flush(g, 0);
}

/* Are these bytes archived and stored already?  Then parsing them again is
 * wasted: the writing side only records the duplicate. */
static int
stored_before(ingest *g, const char *hex)
{
	store *s = g->q != NULL ? g->ro : g->st;
	int64_t id = 0;
	char state[32];

	if (s == NULL || s->ops->raw_find == NULL ||
	    s->ops->raw_find(s, hex, &id, state, sizeof(state)) != STORE_OK || id == 0)
		return 0;
	return strcmp(state, RAW_STORED) == 0 || strcmp(state, RAW_PARTIAL) == 0;
}

/* ---- parsing side: the message ------------------------------------------------ */

typedef struct msg_input {
	const unsigned char *mem;
	size_t len;
	const char *path;	/* re-opened for each parse pass */
} msg_input;

static void
p_passes(ingest *g, const msg_input *in)
{
	unpack_sink sink = { g, sink_begin, sink_data, sink_end, sink_refuse, sink_email,
	    sink_progress };

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
				ev_strs(g, E_REFUSE, g->p_source, reason, 0);
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

static void
p_msg_end(ingest *g, uint64_t size)
{
	ev_int(g, E_MSG_END, size > g->p_reported ? (int64_t)(size - g->p_reported) : 0);
	/* Without a writer thread, apply the message now: the caller gets its
	 * outcome, and the next message's look at the archive is current. */
	if (g->q == NULL)
		emit_flush(g, 1);
}

/* A message in memory (mbox, stdin, or a small file).  toobig: it exceeds the
 * message size limit and is only archived and quarantined. */
static void
p_message_mem(ingest *g, const char *source, const msg_input *in, const unsigned char *p,
    size_t n, int toobig)
{
	archiver a;
	char hex[SHA256_HEXLEN];

	g->p_source = source;
	g->p_reported = 0;
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
		p_msg_end(g, n);
		return;
	}
	arch_add(&a, p, n, 1);
	ev_arch_end(g, hex, &a, 1);
	if (toobig) {
		char reason[200];

		snprintf(reason, sizeof(reason), "message of %zu bytes exceeds the message size "
		    "limit of %zu bytes (--max-message)", n, g->o.lim.max_message);
		ev_strs(g, E_TOOBIG, reason, NULL, 0);
	} else
		p_passes(g, in);
	p_msg_end(g, n);
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
		ev_strs(g, E_REFUSE, g->p_source, "read error in the archive's temporary "
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
static void
p_message_fd(ingest *g, const char *path, int fd, uint64_t size)
{
	archiver a;
	char hex[SHA256_HEXLEN];
	msg_input in = { NULL, 0, path };
	store *s = g->q != NULL ? g->ro : g->st;
	int known = 1;
	ssize_t n;

	g->p_source = path;
	g->p_reported = 0;
	if (g->abuf == NULL) {
		g->abuf = xmalloc(ARCHIVE_CHUNK);
		g->aout = xmalloc(ARCHIVE_CHUNK);
	}
	do
		n = pread(fd, g->abuf, HEAD_BYTES, 0);
	while (n < 0 && errno == EINTR);
	arch_start(g, &a, g->abuf, n > 0 ? (size_t)n : 0, size);
	if (s != NULL && s->ops->raw_size_known != NULL &&
	    s->ops->raw_size_known(s, (int64_t)size, &known) != STORE_OK)
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
		p_passes(g, &in);
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
			ev_strs(g, E_REFUSE, path, "read error while archiving", 0);
		ev_arch_end(g, hex, &a, 1);
		p_msg_end(g, size);
		return;
	}
	if (arch_stream(g, &a, fd, hex, 0) == 0 && stored_before(g, hex)) {
		ev_msg_begin(g, path, size, &a, hex, 0);
		a.size = size;
		ev_arch_end(g, hex, &a, 0);
		p_msg_end(g, size);
		return;
	}
	ev_msg_begin(g, path, size, &a, hex, 0);
	arch_stream(g, &a, fd, hex, 1);
	ev_arch_end(g, hex, &a, 1);
	p_passes(g, &in);
	p_msg_end(g, size);
}

/* ---- writing side --------------------------------------------------------------- */

static void
note(ingest *g, dbuf *b, int *n, const char *name, const char *reason)
{
	if (b->len > 0)
		dbuf_addc(b, '\n');
	if (strcmp(name, dbuf_cstr(&g->c_source)) == 0)
		dbuf_addstr(b, reason);	/* the input itself: its name is printed anyway */
	else
		dbuf_printf(b, "%s: %s", name, reason);
	(*n)++;
}

static const char *
c_src(ingest *g)
{
	return dbuf_cstr(&g->c_source);
}

static void
reset_message(ingest *g)
{
	g->ndocs = 0;
	g->ok = g->dups = 0;
	g->records = g->msgs = 0;
	dbuf_reset(&g->refusals);
	dbuf_reset(&g->ignored);
	g->nrefusals = g->nignored = 0;
	g->email_refused = 0;
	g->email_reason[0] = '\0';
	g->retry_mask = 0;
}

static void
report_lines(ingest *g, const char *text)
{
	const char *p = text;

	if (g->o.on_refused == NULL)
		return;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = xstrndup(p, len);

		g->o.on_refused(g->o.cb_ctx, c_src(g), line);
		free(line);
		p += len + (nl ? 1 : 0);
	}
}

/* A database error: nothing of the message is committed. */
static void
c_fail(ingest *g, const char *what)
{
	g->st->ops->rollback(g->st);
	g->stats.failed++;
	log_warnx("%s: %s%s", c_src(g), what, store_errmsg(g->st));
	if (g->o.on_refused != NULL)
		g->o.on_refused(g->o.cb_ctx, c_src(g), "database error (nothing of it was "
		    "stored; ingest it again)");
	g->last_outcome = INGEST_FAILED;
	g->c_state = C_SKIP;
}

static void
c_msg_begin(ingest *g, evr *r)
{
	const char *source = evr_str(r), *codec = evr_str(r);
	int64_t size = evr_i64(r);
	const char *hex = evr_str(r);
	int after = (int)evr_i64(r);
	char state[32];

	(void)size;

	dbuf_reset(&g->c_source);
	dbuf_addstr(&g->c_source, source != NULL ? source : "?");
	g->stats.messages++;
	g->arch_seq = 0;
	g->arch_dup = 0;
	g->arch_hashed = hex != NULL;
	g->c_retry = 0;
	g->c_skip_pass = 0;
	reset_message(g);
	g->c_state = C_ARCH;
	if (g->st->ops->begin(g->st) != STORE_OK) {
		c_fail(g, "cannot archive: ");
		return;
	}
	/* With the hash known up front, a duplicate is found before anything is
	 * written, and the new row is inserted with its hash in one go. */
	if (hex != NULL && (g->st->ops->raw_find(g->st, hex, &g->arch_dup, state,
	    sizeof(state)) != STORE_OK)) {
		c_fail(g, "cannot archive: ");
		return;
	}
	if (g->arch_dup == 0 && g->st->ops->raw_new(g->st, c_src(g), codec, hex, &g->raw_id) !=
	    STORE_OK) {
		c_fail(g, "cannot archive: ");
		return;
	}
	g->arch_after = after;
	if (after)
		g->c_state = C_PROC;	/* the chunks come after the parse */
}

static void
c_arch_chunk(ingest *g, evr *r)
{
	size_t n;
	const void *p = evr_bytes(r, &n);

	if (g->arch_dup != 0)
		return;		/* archived before */
	if (g->st->ops->raw_chunk(g->st, g->raw_id, g->arch_seq++, p, n) != STORE_OK)
		c_fail(g, "cannot archive: ");
}

struct state_cb {
	char state[32];
};

static int
get_state(void *ctx, const store_raw_info *ri)
{
	struct state_cb *s = ctx;

	snprintf(s->state, sizeof(s->state), "%s", ri->state ? ri->state : "");
	return 0;
}

/* The message's parse was skipped, but the archive disagrees (changed since
 * the look): nothing is kept; the input is still where it was. */
static void
c_stale(ingest *g)
{
	g->st->ops->rollback(g->st);
	g->stats.failed++;
	if (g->o.on_refused != NULL)
		g->o.on_refused(g->o.cb_ctx, c_src(g), "the archive changed while this input "
		    "was read; nothing was stored: ingest it again");
	g->last_outcome = INGEST_FAILED;
	g->c_state = C_SKIP;
}

static void
c_arch_end(ingest *g, evr *r)
{
	const char *hex = evr_str(r);
	int64_t size = evr_i64(r), stored = evr_i64(r), parsed = evr_i64(r);
	int64_t dup = 0;
	struct state_cb s = { "" };

	if (g->arch_dup != 0)
		dup = g->arch_dup;
	else if (g->st->ops->raw_seal(g->st, g->raw_id, g->arch_hashed ? NULL : hex, size,
	    stored, &dup) != STORE_OK) {
		c_fail(g, "cannot archive: ");
		return;
	}
	g->stats.bytes += (uint64_t)size;
	if (dup == 0) {
		if (!parsed)
			c_stale(g);
		else
			g->c_state = C_PROC;
		return;
	}
	/* Same bytes archived before: what to do depends on that copy's state. */
	g->st->ops->rollback(g->st);
	g->raw_id = dup;
	if (g->st->ops->raw_info(g->st, g->raw_id, get_state, &s) != STORE_OK) {
		c_fail(g, "");
		return;
	}
	if (strcmp(s.state, RAW_STORED) == 0 || strcmp(s.state, RAW_PARTIAL) == 0) {
		int64_t n = 0;

		if (g->st->ops->begin(g->st) != STORE_OK ||
		    g->st->ops->raw_duplicate(g->st, g->raw_id, c_src(g), &n) != STORE_OK ||
		    g->st->ops->commit(g->st) != STORE_OK) {
			c_fail(g, "");
			return;
		}
		g->stats.duplicates += (uint64_t)n;
		g->last_outcome = INGEST_DUPLICATE;
		g->c_state = C_SKIP;
		return;
	}
	/* Archived before but quarantined or interrupted: parse it again. */
	if (g->st->ops->begin(g->st) != STORE_OK) {
		c_fail(g, "");
		return;
	}
	if (!parsed) {
		c_stale(g);
		return;
	}
	g->c_retry = strcmp(s.state, RAW_QUARANTINED) == 0;
	g->c_state = C_PROC;
}

/* The hash of a message parsed before it was archived (p_message_fd).  Same
 * bytes stored before: everything is undone and it counts as a duplicate.
 * Same bytes archived before but not stored (quarantined, interrupted): what
 * was stored now moves under that copy, as a retry would have done. */
static void
c_arch_end_after(ingest *g, evr *r)
{
	const char *hex = evr_str(r);
	int64_t size = evr_i64(r), stored = evr_i64(r), dup = 0, n = 0;
	struct state_cb s = { "" };

	if (g->st->ops->raw_seal(g->st, g->raw_id, hex, size, stored, &dup) != STORE_OK) {
		c_fail(g, "cannot archive: ");
		return;
	}
	g->stats.bytes += (uint64_t)size;
	if (dup == 0)
		return;
	if (g->st->ops->raw_info(g->st, dup, get_state, &s) != STORE_OK) {
		c_fail(g, "");
		return;
	}
	if (strcmp(s.state, RAW_STORED) == 0 || strcmp(s.state, RAW_PARTIAL) == 0) {
		g->st->ops->rollback(g->st);
		if (g->st->ops->begin(g->st) != STORE_OK ||
		    g->st->ops->raw_duplicate(g->st, dup, c_src(g), &n) != STORE_OK ||
		    g->st->ops->commit(g->st) != STORE_OK) {
			c_fail(g, "");
			return;
		}
		g->stats.duplicates += (uint64_t)n;
		g->last_outcome = INGEST_DUPLICATE;
		g->c_state = C_SKIP;
		return;
	}
	if (g->st->ops->raw_merge(g->st, g->raw_id, dup) != STORE_OK) {
		c_fail(g, "");
		return;
	}
	g->raw_id = dup;
	g->c_retry = strcmp(s.state, RAW_QUARANTINED) == 0;
}

static void
c_toobig(ingest *g, evr *r)
{
	const char *reason = evr_str(r);

	if (g->st->ops->quarantine_add(g->st, g->raw_id, reason) != STORE_OK ||
	    g->st->ops->raw_set_state(g->st, g->raw_id, RAW_QUARANTINED, reason, 0) !=
	    STORE_OK || g->st->ops->commit(g->st) != STORE_OK) {
		c_fail(g, "");
		return;
	}
	g->stats.refused++;
	if (g->o.on_refused != NULL)
		g->o.on_refused(g->o.cb_ctx, c_src(g), reason);
	g->last_outcome = INGEST_REFUSED;
	g->c_state = C_SKIP;
}

static void
c_msg_retry(ingest *g, evr *r)
{
	int64_t id = evr_i64(r);
	const char *source = evr_str(r);

	dbuf_reset(&g->c_source);
	dbuf_addstr(&g->c_source, source != NULL ? source : "?");
	g->stats.messages++;
	g->raw_id = id;
	g->c_retry = 1;
	g->c_skip_pass = 0;
	g->arch_after = 0;
	reset_message(g);
	if (g->st->ops->begin(g->st) != STORE_OK) {
		c_fail(g, "");
		return;
	}
	g->c_state = C_PROC;
}

static void
c_pass_begin(ingest *g, int64_t pass)
{
	if (pass > 0) {
		if (g->retry_mask == 0) {
			g->c_skip_pass = 1;	/* nothing of ours to redo */
			return;
		}
		/* Redo the message, parsing the documents that were not
		 * well-formed with the recovery parser.  The archived copy stays. */
		if (g->st->ops->mark_rollback(g->st, "msg") != STORE_OK) {
			c_fail(g, "");
			return;
		}
	}
	reset_message(g);
	if (g->st->ops->mark(g->st, "msg") != STORE_OK)
		c_fail(g, "");
}

static void
c_doc_begin(ingest *g, evr *r)
{
	const char *name = evr_str(r);

	g->c_doc_idx = g->ndocs++;
	dbuf_reset(&g->c_doc_name);
	dbuf_addstr(&g->c_doc_name, name != NULL ? name : "?");
	g->c_doc_dup = g->c_doc_failed = 0;
	g->report_id = 0;
	if (g->st->ops->mark(g->st, "doc") != STORE_OK)
		c_fail(g, "");
}

static void
c_doc_fail(ingest *g, const char *what)
{
	g->c_doc_failed = 1;
	snprintf(g->c_fail_reason, sizeof(g->c_fail_reason), "%s: %s", what,
	    store_errmsg(g->st));
}

static void
c_header(ingest *g, evr *r)
{
	dm_report rep;
	int64_t dup = 0;
	char org[DM_KEY_LEN], rid[DM_KEY_LEN];

	ev_get_report(r, &rep);
	/* records.policy_domain holds the same normalised domain as the key */
	dm_report_key(&rep, org, rid, g->domain_key);
	if (g->st->ops->report_add(g->st, g->raw_id, &rep, &g->report_id, &dup) != STORE_OK) {
		c_doc_fail(g, "storing the report");
		return;
	}
	if (dup != 0) {
		if (g->st->ops->duplicate_add(g->st, g->raw_id, dup, c_src(g)) != STORE_OK)
			c_doc_fail(g, "storing the duplicate");
		else
			g->c_doc_dup = 1;
		return;
	}
	if (analysis_begin_report(g->an, &rep, g->domain_key) != 0)
		c_doc_fail(g, "analysis");
}

static void
c_record(ingest *g, evr *r)
{
	store_record_analysis an;

	ev_get_record(r, &g->rec);
	if (analysis_record(g->an, &g->rec, &an) != 0)
		c_doc_fail(g, "analysis");
	else if (g->st->ops->record_add(g->st, g->report_id, g->domain_key, &g->rec, &an) !=
	    STORE_OK)
		c_doc_fail(g, "storing a record");
}

static void
c_trailer(ingest *g, evr *r)
{
	dm_report rep;

	ev_get_report(r, &rep);
	if (analysis_end_report(g->an) != 0 ||
	    g->st->ops->report_finish(g->st, g->report_id, &rep) != STORE_OK) {
		c_doc_fail(g, "finishing the report");
		return;
	}
	g->records += rep.records;
	g->msgs += rep.messages;
}

static void
c_doc_end(ingest *g, evr *r)
{
	int outcome = (int)evr_i64(r);
	const char *reason = evr_str(r);

	if (g->c_doc_failed)
		outcome = DOC_FAILED;
	else if (g->c_doc_dup)
		outcome = DOC_DUP;	/* the identity decides, whatever followed */
	switch (outcome) {
	case DOC_OK:
	case DOC_DUP:
		if (g->st->ops->mark_release(g->st, "doc") != STORE_OK) {
			c_fail(g, "");
			return;
		}
		if (outcome == DOC_OK)
			g->ok++;
		else
			g->dups++;
		return;
	case DOC_FAILED:
		c_fail(g, "");
		return;
	default:
		if (g->st->ops->mark_rollback(g->st, "doc") != STORE_OK) {
			c_fail(g, "");
			return;
		}
		if (outcome == DOC_RETRY)
			g->retry_mask |= (uint64_t)1 << g->c_doc_idx;
		else if (outcome == DOC_REFUSED)
			note(g, &g->refusals, &g->nrefusals, dbuf_cstr(&g->c_doc_name), reason);
		else if (outcome == DOC_IGNORED)
			note(g, &g->ignored, &g->nignored, dbuf_cstr(&g->c_doc_name), reason);
		return;
	}
}

static void
c_email(ingest *g, evr *r)
{
	const char *report_type = evr_str(r);

	g->email_refused = 1;
	if (strcmp(report_type, "feedback-report") == 0)
		snprintf(g->email_reason, sizeof(g->email_reason), "a DMARC failure report (ARF, "
		    "RFC 6591): failure reports are not supported by this version yet (kept in "
		    "quarantine for `quarantine retry`)");
	else if (strcmp(report_type, "tlsrpt") == 0)
		snprintf(g->email_reason, sizeof(g->email_reason), "an SMTP TLS report (RFC 8460): "
		    "TLS-RPT is not supported by this version yet (kept in quarantine)");
	else
		snprintf(g->email_reason, sizeof(g->email_reason), "a multipart/report of type "
		    "'%.60s' (a delivery status notification?), not a DMARC aggregate report",
		    report_type);
}

/* All passes are in: the message's state, then commit. */
static void
c_msg_finish(ingest *g)
{
	int outcome;
	const char *state;

	if (g->email_refused)
		note(g, &g->refusals, &g->nrefusals, c_src(g), g->email_reason);
	if (g->ok + g->dups == 0 && g->nrefusals == 0) {
		/* Nothing but ignorable parts: say what was there. */
		dbuf reason;

		dbuf_init(&reason, 64 * 1024);
		dbuf_printf(&reason, "no DMARC aggregate report found");
		if (g->nignored > 0)
			dbuf_printf(&reason, " (%s)", dbuf_cstr(&g->ignored));
		dbuf_reset(&g->refusals);
		g->nrefusals = 0;
		note(g, &g->refusals, &g->nrefusals, c_src(g), dbuf_cstr(&reason));
		for (size_t i = 0; i < g->refusals.len; i++)
			if (g->refusals.data[i] == '\n')
				g->refusals.data[i] = ';';
		dbuf_free(&reason);
	}
	if (g->nrefusals > 0 && g->ok + g->dups == 0) {
		outcome = INGEST_REFUSED;
		state = RAW_QUARANTINED;
	} else if (g->nrefusals > 0) {
		outcome = INGEST_PARTIAL;
		state = RAW_PARTIAL;
	} else {
		outcome = g->ok > 0 ? INGEST_STORED : INGEST_DUPLICATE;
		state = RAW_STORED;
	}
	if (g->st->ops->mark_release(g->st, "msg") != STORE_OK ||
	    (g->c_retry && g->st->ops->quarantine_mark(g->st, g->raw_id, 1) != STORE_OK) ||
	    (g->nrefusals > 0 && g->st->ops->quarantine_add(g->st, g->raw_id,
	    dbuf_cstr(&g->refusals)) != STORE_OK) ||
	    g->st->ops->raw_set_state(g->st, g->raw_id, state,
	    g->nrefusals ? dbuf_cstr(&g->refusals) : NULL, g->ok) != STORE_OK ||
	    g->st->ops->commit(g->st) != STORE_OK) {
		c_fail(g, "");
		return;
	}
	g->stats.reports += (uint64_t)g->ok;
	g->stats.duplicates += (uint64_t)g->dups;
	g->stats.records += g->records;
	g->stats.message_count += g->msgs;
	if (g->nrefusals > 0) {
		g->stats.refused++;
		report_lines(g, dbuf_cstr(&g->refusals));
	}
	g->last_outcome = outcome;
}

static void
c_progress(ingest *g, int64_t n)
{
	if (n > 0 && g->o.on_progress != NULL)
		g->o.on_progress(g->o.cb_ctx, (uint64_t)n);
}

/* One event.  In C_SKIP (a failed, duplicate or refused message) everything
 * up to MSG_END is dropped; in a pass that is not needed, up to PASS_END; in
 * a duplicate or failed document, its report and records. */
static void
c_event(ingest *g, int type, evr *r)
{
	if (type == E_PROGRESS) {
		c_progress(g, evr_i64(r));
		return;
	}
	if (type == E_MSG_END) {
		if (g->c_state == C_PROC)
			c_msg_finish(g);
		else if (g->c_state == C_ARCH)
			c_fail(g, "incomplete message: ");
		c_progress(g, evr_i64(r));
		g->c_state = C_IDLE;
		return;
	}
	if (type == E_OPEN_FAIL) {
		const char *input = evr_str(r), *reason = evr_str(r);

		g->stats.refused++;
		if (g->o.on_refused != NULL)
			g->o.on_refused(g->o.cb_ctx, input, reason);
		g->last_outcome = INGEST_REFUSED;
		return;
	}
	switch (g->c_state) {
	case C_IDLE:
		if (type == E_MSG_BEGIN)
			c_msg_begin(g, r);
		else if (type == E_MSG_RETRY)
			c_msg_retry(g, r);
		return;
	case C_ARCH:
		if (type == E_ARCH_CHUNK)
			c_arch_chunk(g, r);
		else if (type == E_ARCH_END)
			c_arch_end(g, r);
		return;
	case C_SKIP:
		return;
	default:
		break;
	}
	/* C_PROC */
	if (type == E_PASS_END) {
		g->c_skip_pass = 0;
		return;
	}
	if (g->c_skip_pass)
		return;
	switch (type) {
	case E_ARCH_CHUNK:
		if (g->arch_after)
			c_arch_chunk(g, r);
		else
			fatalx("ingest pipeline: archive chunk after the archive's end");
		break;
	case E_ARCH_END:
		if (g->arch_after)
			c_arch_end_after(g, r);
		else
			fatalx("ingest pipeline: a second archive end");
		break;
	case E_TOOBIG:
		c_toobig(g, r);
		break;
	case E_PASS_BEGIN:
		c_pass_begin(g, evr_i64(r));
		break;
	case E_DOC_BEGIN:
		c_doc_begin(g, r);
		break;
	case E_HEADER:
		if (!g->c_doc_dup && !g->c_doc_failed)
			c_header(g, r);
		break;
	case E_RECORD:
		if (!g->c_doc_dup && !g->c_doc_failed)
			c_record(g, r);
		break;
	case E_TRAILER:
		if (!g->c_doc_dup && !g->c_doc_failed)
			c_trailer(g, r);
		break;
	case E_DOC_END:
		c_doc_end(g, r);
		break;
	case E_REFUSE: {
		const char *name = evr_str(r), *reason = evr_str(r);
		int ignorable = (int)evr_i64(r);

		if (ignorable)
			note(g, &g->ignored, &g->nignored, name, reason);
		else
			note(g, &g->refusals, &g->nrefusals, name, reason);
		break;
	}
	case E_EMAIL:
		c_email(g, r);
		break;
	default:
		fatalx("ingest pipeline: unexpected event %d", type);
	}
}

static void
c_batch(ingest *g, const dbuf *b)
{
	const unsigned char *cur = (const unsigned char *)b->data;
	const unsigned char *end = cur + b->len;
	int type;
	evr r;

	while (ev_next(&cur, end, &type, &r))
		c_event(g, type, &r);
}

/* ---- entry points ------------------------------------------------------------- */

/* The outcome of the message just given: known at once without a writer
 * thread, INGEST_QUEUED with one (the totals tell after ingest_wait()). */
static int
outcome(ingest *g)
{
	return g->q != NULL ? INGEST_QUEUED : g->last_outcome;
}

int
ingest_mem(ingest *g, const char *source, const unsigned char *p, size_t n)
{
	msg_input in = { p, n, NULL };

	pipeline_start(g);
	/* Too big: still archived whole, so that nothing is lost and a retry
	 * with a larger limit can process it. */
	p_message_mem(g, source, &in, p, n, n > g->o.lim.max_message);
	return outcome(g);
}

int
ingest_path(ingest *g, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;

	pipeline_start(g);
	if (fd < 0 || fstat(fd, &sb) != 0) {
		char reason[300];

		snprintf(reason, sizeof(reason), "cannot open: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		ev_strs(g, E_OPEN_FAIL, path, reason, 0);
		if (g->q == NULL)
			emit_flush(g, 1);
		return outcome(g);
	}
	if (S_ISREG(sb.st_mode) && (uint64_t)sb.st_size < MEM_INPUT) {
		/* Small: read it whole, hash it, and parse it only when its
		 * bytes are new.  It is parsed from the file, as a stream. */
		char buf[65536];
		ssize_t n;
		int ok = 1;

		dbuf_reset(&g->whole);
		while ((n = read(fd, buf, sizeof(buf))) != 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 || dbuf_add(&g->whole, buf, (size_t)n) != DBUF_OK) {
				ok = 0;	/* grew or failed: stream it instead */
				break;
			}
		}
		if (ok) {
			msg_input in = { NULL, 0, path };

			close(fd);
			p_message_mem(g, path, &in, (const unsigned char *)g->whole.data,
			    g->whole.len, 0);
			return outcome(g);
		}
		if (lseek(fd, 0, SEEK_SET) != 0) {
			ev_strs(g, E_OPEN_FAIL, path, "cannot read it twice (not a regular "
			    "file?)", 0);
			close(fd);
			if (g->q == NULL)
				emit_flush(g, 1);
			return outcome(g);
		}
	}
	p_message_fd(g, path, fd, (uint64_t)sb.st_size);
	close(fd);
	return outcome(g);
}

/* Retry: decompress the archived copy into a temporary file, then process. */
struct retry_ctx {
	FILE *tmp;
	ZSTD_DCtx *z;
	int compressed;
	int err;
};

static int
retry_chunk(void *ctx, const void *p, size_t n)
{
	struct retry_ctx *r = ctx;

	if (!r->compressed)
		return fwrite(p, 1, n, r->tmp) == n ? 0 : -1;
	{
		ZSTD_inBuffer in = { p, n, 0 };
		unsigned char out[64 * 1024];

		while (in.pos < in.size) {
			ZSTD_outBuffer o = { out, sizeof(out), 0 };
			size_t rc = ZSTD_decompressStream(r->z, &o, &in);

			if (ZSTD_isError(rc))
				return -1;
			if (fwrite(out, 1, o.pos, r->tmp) != o.pos)
				return -1;
		}
	}
	return 0;
}

struct info_cb {
	char source[1024];
	int compressed;
	int64_t size;
};

static int
get_info(void *ctx, const store_raw_info *ri)
{
	struct info_cb *c = ctx;

	snprintf(c->source, sizeof(c->source), "%s", ri->source ? ri->source : "?");
	c->compressed = ri->codec != NULL && strcmp(ri->codec, "zstd") == 0;
	c->size = ri->size;
	return 0;
}

int
ingest_retry(ingest *g, int64_t raw_id)
{
	struct info_cb info;
	struct retry_ctx r = { NULL, NULL, 0, 0 };
	char path[] = "/tmp/dmarcscope-retry-XXXXXX";
	int fd;
	msg_input in = { NULL, 0, path };
	evw w;

	/* Always inline: the caller wants this message's outcome. */
	ingest_wait(g);
	if (g->st->ops->raw_info(g->st, raw_id, get_info, &info) != STORE_OK) {
		log_warnx("retry %lld: %s", (long long)raw_id, store_errmsg(g->st));
		return INGEST_FAILED;
	}
	fd = mkstemp(path);
	if (fd < 0) {
		log_warn("retry: mkstemp");
		return INGEST_FAILED;
	}
	r.tmp = fdopen(fd, "w+");
	r.compressed = info.compressed;
	if (r.compressed)
		r.z = ZSTD_createDCtx();
	if (g->st->ops->raw_read(g->st, raw_id, retry_chunk, &r) != STORE_OK ||
	    fflush(r.tmp) != 0) {
		log_warnx("retry %lld: cannot read the archived copy", (long long)raw_id);
		fclose(r.tmp);
		unlink(path);
		ZSTD_freeDCtx(r.z);
		return INGEST_FAILED;
	}
	fclose(r.tmp);
	ZSTD_freeDCtx(r.z);
	g->p_source = info.source;
	g->p_reported = 0;
	evw_begin(&w, g->out, E_MSG_RETRY);
	evw_i64(&w, raw_id);
	evw_str(&w, info.source);
	evw_end(&w);
	p_passes(g, &in);
	p_msg_end(g, 0);
	unlink(path);
	return g->last_outcome;
}
