/*
 * ingest.c - see ingest.h.  Archive, then unpack + parse + store, one
 * message at a time.
 *
 * Error behaviour: a refused document never aborts the message (its savepoint
 * is rolled back, the reason is kept); a database error aborts the message
 * (INGEST_FAILED), leaving the archived copy `pending` for a retry.
 */
#include "ingest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "../analyze/analysis.h"
#include "../util/dbuf.h"
#include "../util/log.h"
#include "../util/sha256.h"

#define ARCHIVE_CHUNK (1024 * 1024)
#define HEAD_BYTES 512
#define MAX_DOCS 64		/* documents per message that may be retried */

/* What happened to one document inside a message. */
enum { DOC_OK, DOC_DUP, DOC_IGNORED, DOC_REFUSED, DOC_RETRY, DOC_FAILED };

struct ingest {
	store *st;
	analysis *an;		/* per-record analysis and rollups */
	ZSTD_CCtx *zc;		/* reused across messages */
	unsigned char *abuf, *aout;	/* archive read and output buffers, reused */
	ingest_opts o;
	ingest_stats stats;

	/* per message */
	const char *source;
	int64_t raw_id;
	uint64_t recover_mask;	/* documents to parse in recovery mode */
	uint64_t retry_mask;	/* documents that failed strict parsing this pass */
	int ndocs;
	int ok, dups, failed;
	uint64_t records, msgs;
	dbuf refusals;		/* "name: reason" lines, '\n' separated */
	dbuf ignored;
	int nrefusals, nignored;
	int email_refused;	/* the e-mail itself is a non-aggregate report */
	char email_reason[300];

	/* per document */
	int doc_idx;
	const char *doc_name;
	int doc_text;		/* from a human-readable text part (not text/xml) */
	int doc_in_mime;
	int doc_mode;		/* 0 undecided, 1 xml, 2 refused */
	unsigned char head[HEAD_BYTES];
	size_t headlen;
	agg_parser *ap;
	int64_t report_id;
	char domain_key[DM_KEY_LEN];	/* normalised policy domain of the report */
	int doc_outcome;
	char doc_reason[300];
};

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
	return g;
}

void
ingest_free(ingest *g)
{
	if (g == NULL)
		return;
	analysis_free(g->an);
	dbuf_free(&g->refusals);
	dbuf_free(&g->ignored);
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

/* ---- report callbacks (from the parser) ---------------------------------- */

static int
on_header(void *ctx, dm_report *r)
{
	ingest *g = ctx;
	int64_t dup = 0;

	char org[DM_KEY_LEN], rid[DM_KEY_LEN];

	/* records.policy_domain holds the same normalised domain as the key */
	dm_report_key(r, org, rid, g->domain_key);
	if (g->st->ops->report_add(g->st, g->raw_id, r, &g->report_id, &dup) != STORE_OK)
		return AGG_FAIL;
	if (dup != 0) {
		if (g->st->ops->duplicate_add(g->st, g->raw_id, dup, g->source) != STORE_OK)
			return AGG_FAIL;
		g->doc_outcome = DOC_DUP;
		return AGG_STOP;
	}
	return analysis_begin_report(g->an, r, g->domain_key) == 0 ? AGG_CONTINUE : AGG_FAIL;
}

static int
on_record(void *ctx, dm_report *r, const dm_record *rec)
{
	ingest *g = ctx;

	store_record_analysis an;

	(void)r;
	if (analysis_record(g->an, rec, &an) != 0)
		return AGG_FAIL;
	return g->st->ops->record_add(g->st, g->report_id, g->domain_key, rec, &an) == STORE_OK ?
	    AGG_CONTINUE : AGG_FAIL;
}

static int
on_trailer(void *ctx, dm_report *r)
{
	ingest *g = ctx;

	if (analysis_end_report(g->an) != 0 ||
	    g->st->ops->report_finish(g->st, g->report_id, r) != STORE_OK)
		return AGG_FAIL;
	g->records += r->records;
	g->msgs += r->messages;
	return AGG_CONTINUE;
}

/* ---- document sink (from unpack) ----------------------------------------- */

static void
note(ingest *g, dbuf *b, int *n, const char *name, const char *reason)
{
	if (b->len > 0)
		dbuf_addc(b, '\n');
	if (strcmp(name, g->source) == 0)
		dbuf_addstr(b, reason);	/* the input itself: its name is printed anyway */
	else
		dbuf_printf(b, "%s: %s", name, reason);
	(*n)++;
}

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

	g->doc_idx = g->ndocs++;
	g->doc_name = d->name;
	/* A text/html or text/plain body that is not a report is just the
	 * human-readable part; text/xml is a report attachment. */
	g->doc_text = d->from_text_part && (d->content_type == NULL ||
	    strcmp(d->content_type, "text/xml") != 0);
	g->doc_in_mime = d->in_mime;
	g->doc_mode = 0;
	g->headlen = 0;
	g->ap = NULL;
	g->report_id = 0;
	g->doc_outcome = DOC_OK;
	g->doc_reason[0] = '\0';
	if (g->st->ops->mark(g->st, "doc") != STORE_OK) {
		g->failed = 1;
		return -1;
	}
	return 0;
}

static int
feed_parser(ingest *g, const void *p, size_t n)
{
	int rc = agg_feed(g->ap, p, n);

	if (rc == AGG_OK)
		return 0;
	g->doc_mode = 2;	/* the verdict is read in sink_end */
	return 0;
}

static void
decide(ingest *g)
{
	int fmt = unpack_sniff(g->head, g->headlen);

	if (fmt == FMT_XML) {
		agg_handler h = { on_header, on_record, on_trailer, g };
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
		char fb[64];
		size_t j = 0;

		for (size_t i = 0; i < g->headlen && i < 12 && j + 5 < sizeof(fb); i++)
			j += (size_t)snprintf(fb + j, sizeof(fb) - j,
			    g->head[i] >= 0x20 && g->head[i] < 0x7f && g->head[i] != '\'' ? "%c" :
			    "\\x%02x", g->head[i]);
		{
			char reason[200];

			snprintf(reason, sizeof(reason), "not a report: the %s content is not XML "
			    "(starts with '%s')", g->doc_in_mime ? "attachment's" :
			    "decompressed", fb);
			doc_refuse(g, reason, g->doc_text);
		}
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
	return feed_parser(g, p, n);
}

static int
sink_end(void *ctx, const char *error)
{
	ingest *g = ctx;
	int rc = AGG_OK;

	if (g->doc_mode == 0 && error == NULL)
		decide(g);
	if (error != NULL) {
		doc_refuse(g, error, 0);
	} else if (g->ap != NULL) {
		rc = agg_finish(g->ap);
		switch (rc) {
		case AGG_OK:
			g->doc_outcome = DOC_OK;
			break;
		case AGG_STOPPED:
			g->doc_outcome = DOC_DUP;
			break;
		case AGG_ERR_SYNTAX:
			if (g->doc_idx < MAX_DOCS && !((g->recover_mask >> g->doc_idx) & 1)) {
				g->doc_outcome = DOC_RETRY;
				g->retry_mask |= (uint64_t)1 << g->doc_idx;
			} else
				doc_refuse(g, agg_error(g->ap), g->doc_text);
			break;
		case AGG_ERR_NOT_REPORT:
			doc_refuse(g, agg_error(g->ap), g->doc_text || g->doc_in_mime);
			break;
		case AGG_ERR_CALLBACK:
			g->doc_outcome = DOC_FAILED;
			snprintf(g->doc_reason, sizeof(g->doc_reason), "%s: %s", agg_error(g->ap),
			    store_errmsg(g->st));
			break;
		default:
			doc_refuse(g, agg_error(g->ap), g->doc_text);
			break;
		}
	}
	agg_free(g->ap);
	g->ap = NULL;

	switch (g->doc_outcome) {
	case DOC_OK:
	case DOC_DUP:
		if (g->st->ops->mark_release(g->st, "doc") != STORE_OK) {
			g->failed = 1;
			return -1;
		}
		if (g->doc_outcome == DOC_OK)
			g->ok++;
		else
			g->dups++;
		return 0;
	case DOC_FAILED:
		g->failed = 1;
		g->st->ops->mark_rollback(g->st, "doc");
		return -1;
	default:
		if (g->st->ops->mark_rollback(g->st, "doc") != STORE_OK) {
			g->failed = 1;
			return -1;
		}
		if (g->doc_outcome == DOC_REFUSED)
			note(g, &g->refusals, &g->nrefusals, g->doc_name, g->doc_reason);
		else if (g->doc_outcome == DOC_IGNORED)
			note(g, &g->ignored, &g->nignored, g->doc_name, g->doc_reason);
		return 0;
	}
}

static int
sink_refuse(void *ctx, const char *name, const char *reason, int ignorable)
{
	ingest *g = ctx;

	if (ignorable)
		note(g, &g->ignored, &g->nignored, name, reason);
	else
		note(g, &g->refusals, &g->nrefusals, name, reason);
	return 0;
}

static int
sink_email(void *ctx, const char *ctype, const char *report_type, const char *subject)
{
	ingest *g = ctx;

	(void)ctype;
	(void)subject;
	if (report_type == NULL)
		return 0;
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
	return 0;
}

static void
sink_progress(void *ctx, size_t n)
{
	ingest *g = ctx;

	if (g->o.on_progress != NULL)
		g->o.on_progress(g->o.cb_ctx, n);
}

/* ---- archive ------------------------------------------------------------- */

typedef struct archiver {
	ingest *g;
	sha256_ctx *sha;
	ZSTD_CCtx *z;
	int compress;
	int seq;
	uint64_t size, stored;
	unsigned char *out;
	size_t outlen;
	int err;
} archiver;

static int
arch_flush(archiver *a)
{
	if (a->outlen == 0)
		return 0;
	if (a->g->st->ops->raw_chunk(a->g->st, a->g->raw_id, a->seq++, a->out, a->outlen) !=
	    STORE_OK)
		return -1;
	a->stored += a->outlen;
	a->outlen = 0;
	return 0;
}

static int
arch_add(archiver *a, const void *p, size_t n, int last)
{
	sha256_update(a->sha, p, n);
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
			if (a->outlen == ARCHIVE_CHUNK && arch_flush(a) != 0)
				return -1;
		}
		return last ? arch_flush(a) : 0;
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
				if (arch_flush(a) != 0)
					return -1;
		} while (in.pos < in.size || (last && rc != 0));
	}
	return 0;
}

/*
 * Archive one message inside a new transaction, which is left open on
 * success so that the parse is committed with it (one transaction per
 * message).  Returns 0 and sets g->raw_id (new or, for a message
 * archived before, the old one), 2 when the same bytes were archived before
 * (the caller looks at that copy's state), -1 on a database error.
 */
static int
archive(ingest *g, const unsigned char *mem, size_t memlen, int fd, uint64_t size_hint)
{
	archiver a;
	char hex[SHA256_HEXLEN];
	int64_t dup = 0;
	int rc = -1;
	const unsigned char *first = mem;
	unsigned char *buf = NULL;
	ssize_t n = 0;
	const char *codec;

	memset(&a, 0, sizeof(a));
	a.g = g;
	if (g->abuf == NULL) {
		g->abuf = xmalloc(ARCHIVE_CHUNK);
		g->aout = xmalloc(ARCHIVE_CHUNK);
	}
	if (fd >= 0) {
		buf = g->abuf;
		n = read(fd, buf, ARCHIVE_CHUNK);
		if (n < 0)
			n = 0;
		first = buf;
		memlen = (size_t)n;
	}
	{
		int fmt = unpack_sniff(first, memlen);

		a.compress = !(fmt == FMT_GZIP || fmt == FMT_ZIP);
	}
	codec = a.compress ? "zstd" : "none";
	a.sha = sha256_new();
	a.out = g->aout;
	if (a.compress) {
		if (g->zc == NULL)
			g->zc = ZSTD_createCCtx();
		a.z = g->zc;
		ZSTD_CCtx_reset(a.z, ZSTD_reset_session_and_parameters);
		ZSTD_CCtx_setParameter(a.z, ZSTD_c_compressionLevel,
		    size_hint > 16 * 1024 * 1024 ? 1 : 3);
	}
	if (g->st->ops->begin(g->st) != STORE_OK ||
	    g->st->ops->raw_new(g->st, g->source, codec, &g->raw_id) != STORE_OK)
		goto out;
	if (fd < 0) {
		if (arch_add(&a, mem, memlen, 1) != 0)
			goto out;
	} else {
		for (;;) {
			ssize_t next;

			if (n == 0) {
				if (arch_add(&a, "", 0, 1) != 0)
					goto out;
				break;
			}
			if (arch_add(&a, buf, (size_t)n, 0) != 0)
				goto out;
			next = read(fd, buf, ARCHIVE_CHUNK);
			if (next < 0) {
				if (errno == EINTR)
					continue;
				goto out;
			}
			n = next;
		}
	}
	sha256_final_hex(a.sha, hex);
	a.sha = NULL;
	if (g->st->ops->raw_seal(g->st, g->raw_id, hex, (int64_t)a.size, (int64_t)a.stored,
	    &dup) != STORE_OK)
		goto out;
	g->stats.bytes += a.size;
	if (dup != 0) {
		/* Same bytes archived before: the caller decides from its state. */
		g->st->ops->rollback(g->st);
		g->raw_id = dup;
		rc = 2;
		goto out;
	}
	rc = 0;		/* the transaction stays open: the parse joins it */
out:
	if (rc < 0)
		g->st->ops->rollback(g->st);
	if (a.sha != NULL) {
		char junk[SHA256_HEXLEN];

		sha256_final_hex(a.sha, junk);
	}
	return rc;
}

/* ---- the message ---------------------------------------------------------- */

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

typedef struct msg_input {
	const unsigned char *mem;
	size_t len;
	const char *path;	/* re-opened for each parse pass */
} msg_input;

static void
reset_message(ingest *g)
{
	g->ndocs = 0;
	g->ok = g->dups = g->failed = 0;
	g->records = g->msgs = 0;
	dbuf_reset(&g->refusals);
	dbuf_reset(&g->ignored);
	g->nrefusals = g->nignored = 0;
	g->email_refused = 0;
	g->email_reason[0] = '\0';
	g->retry_mask = 0;
}

static int
parse_pass(ingest *g, const msg_input *in)
{
	unpack_sink sink = { g, sink_begin, sink_data, sink_end, sink_refuse, sink_email,
	    sink_progress };
	unpack u;

	memset(&u, 0, sizeof(u));
	u.lim = g->o.lim;
	u.sink = &sink;
	reset_message(g);
	if (g->st->ops->mark(g->st, "msg") != STORE_OK)
		return -1;
	if (in->path != NULL) {
		int fd = open(in->path, O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			char reason[300];

			snprintf(reason, sizeof(reason), "cannot reopen: %s", strerror(errno));
			note(g, &g->refusals, &g->nrefusals, g->source, reason);
			return 0;
		}
		unpack_fd(&u, g->source, fd);
		close(fd);
	} else
		unpack_mem(&u, g->source, in->mem, in->len);
	return g->failed ? -1 : 0;
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

		g->o.on_refused(g->o.cb_ctx, g->source, line);
		free(line);
		p += len + (nl ? 1 : 0);
	}
}

static int
process(ingest *g, const msg_input *in, int retry)
{
	int outcome;
	const char *state;
	dbuf reason;

	g->recover_mask = 0;
	for (int pass = 0; pass < 2; pass++) {
		if (parse_pass(g, in) != 0) {
			g->st->ops->rollback(g->st);
			g->stats.failed++;
			if (g->o.on_refused != NULL)
				g->o.on_refused(g->o.cb_ctx, g->source, "database error (the message "
				    "stays archived as pending; run `quarantine retry`)");
			log_warnx("%s: %s", g->source, store_errmsg(g->st));
			return INGEST_FAILED;
		}
		if (g->retry_mask == 0)
			break;
		/* Some documents were not well-formed: redo the message, parsing
		 * those with the recovery parser.  The archived copy stays. */
		if (g->st->ops->mark_rollback(g->st, "msg") != STORE_OK) {
			g->st->ops->rollback(g->st);
			g->stats.failed++;
			return INGEST_FAILED;
		}
		g->recover_mask = g->retry_mask;
	}

	dbuf_init(&reason, 64 * 1024);
	if (g->email_refused) {
		note(g, &g->refusals, &g->nrefusals, g->source, g->email_reason);
	}
	if (g->ok + g->dups == 0 && g->nrefusals == 0) {
		/* Nothing but ignorable parts: say what was there. */
		dbuf_printf(&reason, "no DMARC aggregate report found");
		if (g->nignored > 0)
			dbuf_printf(&reason, " (%s)", dbuf_cstr(&g->ignored));
		dbuf_reset(&g->refusals);
		g->nrefusals = 0;
		note(g, &g->refusals, &g->nrefusals, g->source, dbuf_cstr(&reason));
		for (size_t i = 0; i < g->refusals.len; i++)
			if (g->refusals.data[i] == '\n')
				g->refusals.data[i] = ';';
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
	dbuf_free(&reason);
	if (g->st->ops->mark_release(g->st, "msg") != STORE_OK ||
	    (retry && g->st->ops->quarantine_mark(g->st, g->raw_id, 1) != STORE_OK) ||
	    (g->nrefusals > 0 && g->st->ops->quarantine_add(g->st, g->raw_id,
	    dbuf_cstr(&g->refusals)) != STORE_OK) ||
	    g->st->ops->raw_set_state(g->st, g->raw_id, state,
	    g->nrefusals ? dbuf_cstr(&g->refusals) : NULL, g->ok) != STORE_OK ||
	    g->st->ops->commit(g->st) != STORE_OK) {
		g->st->ops->rollback(g->st);
		g->stats.failed++;
		log_warnx("%s: %s", g->source, store_errmsg(g->st));
		return INGEST_FAILED;
	}
	g->stats.reports += (uint64_t)g->ok;
	g->stats.duplicates += (uint64_t)g->dups;
	g->stats.records += g->records;
	g->stats.message_count += g->msgs;
	if (g->nrefusals > 0) {
		g->stats.refused++;
		report_lines(g, dbuf_cstr(&g->refusals));
	}
	return outcome;
}

static int
message(ingest *g, const char *source, const msg_input *in, int fd, uint64_t size)
{
	int rc;
	struct state_cb s = { "" };

	g->source = source;
	g->stats.messages++;
	rc = archive(g, in->mem, in->len, fd, size);
	if (rc < 0) {
		g->stats.failed++;
		log_warnx("%s: cannot archive: %s", source, store_errmsg(g->st));
		if (g->o.on_refused != NULL)
			g->o.on_refused(g->o.cb_ctx, source, "database error while archiving");
		return INGEST_FAILED;
	}
	if (rc == 2) {
		if (g->st->ops->raw_info(g->st, g->raw_id, get_state, &s) != STORE_OK) {
			g->stats.failed++;
			return INGEST_FAILED;
		}
		if (strcmp(s.state, RAW_STORED) == 0 || strcmp(s.state, RAW_PARTIAL) == 0) {
			int64_t n = 0;

			if (g->st->ops->begin(g->st) != STORE_OK ||
			    g->st->ops->raw_duplicate(g->st, g->raw_id, source, &n) != STORE_OK ||
			    g->st->ops->commit(g->st) != STORE_OK) {
				g->st->ops->rollback(g->st);
				g->stats.failed++;
				return INGEST_FAILED;
			}
			g->stats.duplicates += (uint64_t)n;
			if (g->o.on_progress != NULL)
				g->o.on_progress(g->o.cb_ctx, size);
			return INGEST_DUPLICATE;
		}
		/* Archived before but quarantined or interrupted: parse it again. */
		if (g->st->ops->begin(g->st) != STORE_OK) {
			g->stats.failed++;
			return INGEST_FAILED;
		}
		return process(g, in, strcmp(s.state, RAW_QUARANTINED) == 0);
	}
	rc = process(g, in, 0);
	if (in->path == NULL && g->o.on_progress != NULL)
		g->o.on_progress(g->o.cb_ctx, size);
	return rc;
}

int
ingest_mem(ingest *g, const char *source, const unsigned char *p, size_t n)
{
	msg_input in = { p, n, NULL };

	if (n > g->o.lim.max_message) {
		/* Still archived whole: nothing is lost, and a retry with a larger
		 * limit can process it. */
		int rc;

		g->source = source;
		g->stats.messages++;
		rc = archive(g, p, n, -1, n);
		if (rc < 0)
			return INGEST_FAILED;
		{
			char reason[200];

			snprintf(reason, sizeof(reason), "message of %zu bytes exceeds the message "
			    "size limit of %zu bytes (--max-message)", n, g->o.lim.max_message);
			reset_message(g);
			if (rc == 2 && g->st->ops->begin(g->st) != STORE_OK) {
				g->stats.failed++;
				return INGEST_FAILED;
			}
			if (g->st->ops->quarantine_add(g->st, g->raw_id, reason) != STORE_OK ||
			    g->st->ops->raw_set_state(g->st, g->raw_id, RAW_QUARANTINED, reason, 0) !=
			    STORE_OK || g->st->ops->commit(g->st) != STORE_OK) {
				g->st->ops->rollback(g->st);
				return INGEST_FAILED;
			}
			g->stats.refused++;
			if (g->o.on_refused != NULL)
				g->o.on_refused(g->o.cb_ctx, source, reason);
		}
		return INGEST_REFUSED;
	}
	return message(g, source, &in, -1, n);
}

int
ingest_path(ingest *g, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	msg_input in = { NULL, 0, path };
	int rc;

	if (fd < 0 || fstat(fd, &sb) != 0) {
		char reason[300];

		snprintf(reason, sizeof(reason), "cannot open: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		g->stats.refused++;
		if (g->o.on_refused != NULL)
			g->o.on_refused(g->o.cb_ctx, path, reason);
		return INGEST_REFUSED;
	}
	rc = message(g, path, &in, fd, (uint64_t)sb.st_size);
	close(fd);
	return rc;
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
	int fd, rc;
	msg_input in = { NULL, 0, path };

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
	g->source = info.source;
	g->raw_id = raw_id;
	g->stats.messages++;
	if (g->st->ops->begin(g->st) != STORE_OK)
		rc = INGEST_FAILED;
	else
		rc = process(g, &in, 1);
	unlink(path);
	return rc;
}
