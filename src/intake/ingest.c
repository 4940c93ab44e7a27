/*
 * ingest.c - see ingest.h.  The entry points (ingest_path, ingest_mem,
 * ingest_retry), the object, and the pipeline between the two halves of the
 * work (ingest_priv.h):
 *
 *   the parsing side (ingest_parse.c, the caller's thread): reads the input,
 *     hashes and compresses it for the archive, unpacks it and parses every
 *     document, and writes what it found as events (evq.h);
 *   the writing side (ingest_write.c, a writer thread when the pipeline is
 *     on, else inline): applies the events to the store, one transaction per
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
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ingest_priv.h"
#include "mime.h"
#include "svc_metrics.h"
#include "../util/log.h"


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
	dbuf_init(&g->kbuf, 1);
	g->out = &g->direct;
	return g;
}

/* ---- the pipeline ----------------------------------------------------------- */

static void *
writer_main(void *arg)
{
	ingest *g = arg;
	dbuf *b;

	for (;;) {
		/* Nothing queued: the open group is committed before waiting. */
		if ((b = evq_try_full(g->q)) == NULL) {
			ig_group_flush(g);
			if ((b = evq_get_full(g->q)) == NULL)
				break;
		}
		ig_c_batch(g, b);
		evq_put_free(g->q, b);
	}
	ig_group_flush(g);
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
	if (store_has(g->st, bulk))
		store_bulk(g->st, 1);
}

/* Hands the batch over once it is big enough (or always, with force). */
void
ig_emit_flush(ingest *g, int force)
{
	if (g->out->len == 0 || (!force && g->out->len < BATCH_BYTES))
		return;
	if (g->q != NULL) {
		evq_put_full(g->q, g->out);
		g->out = evq_get_free(g->q);
	} else {
		ig_c_batch(g, g->out);
		dbuf_reset(g->out);
	}
}

void
ingest_wait(ingest *g)
{
	if (g->q == NULL) {
		ig_emit_flush(g, 1);
		ig_group_flush(g);
		return;
	}
	if (g->out->len > 0)
		evq_put_full(g->q, g->out);
	else
		evq_put_free(g->q, g->out);
	evq_close(g->q);
	pthread_join(g->writer, NULL);
	if (store_has(g->st, bulk))
		store_bulk(g->st, 0);
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
	dbuf_free(&g->kbuf);
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

/* ---- entry points ------------------------------------------------------------- */

void
ingest_set_arrival(ingest *g, int64_t unix_ns)
{
	g->p_arrival_next = unix_ns;
}

static int64_t
real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The message's arrival (ingest_set_arrival's, else mtime_ns when not 0,
 * else now), taken once per message. */
static void
arrival(ingest *g, int64_t mtime_ns)
{
	g->p_arrival = g->p_arrival_next > 0 ? g->p_arrival_next : mtime_ns > 0 ? mtime_ns :
	    real_ns();
	g->p_arrival_next = 0;
}

/* The outcome of the message just given: known at once without a writer
 * thread, INGEST_QUEUED with one (the totals tell after ingest_wait()). */
static int
outcome(ingest *g)
{
	return g->q != NULL ? INGEST_QUEUED : g->last_outcome;
}

/*
 * The message size limit, one rule for every source (file, mbox message,
 * Maildir, stdin, retry): a message that has to be held whole to be unpacked
 * (e-mail, zip, JSON, anything not XML or gzip) and is larger than
 * --max-message is archived and quarantined, never parsed.  XML and gzip are
 * streamed; --max-decompressed limits them.
 */
static int
too_big(const ingest *g, const unsigned char *p, size_t n)
{
	int fmt;

	if (n <= g->o.lim.max_message)
		return 0;
	fmt = unpack_sniff(p, n < 4096 ? n : 4096);
	return fmt != FMT_XML && fmt != FMT_GZIP;
}

int
ingest_mem(ingest *g, const char *source, const unsigned char *p, size_t n)
{
	msg_input in = { p, n, NULL };

	pipeline_start(g);
	arrival(g, 0);
	/* Too big: still archived whole, so that nothing is lost and a retry
	 * with a larger limit can process it. */
	ig_p_message_mem(g, source, &in, p, n, too_big(g, p, n));
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
		g->p_arrival_next = 0;	/* it was this message's */
		if (fd >= 0)
			close(fd);
		ig_ev_strs(g, E_OPEN_FAIL, path, reason, 0);
		if (g->q == NULL)
			ig_emit_flush(g, 1);
		return outcome(g);
	}
	/* a Maildir delivery arrived when the MTA wrote it (kept by the rename
	 * into new/ and on to cur/) */
	arrival(g, strcmp(svcm_source_class(path), "maildir") == 0 ?
	    (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec : 0);
	if (S_ISREG(sb.st_mode) && (uint64_t)sb.st_size < MEM_INPUT) {
		/* Small: read it whole, hash it, and parse it only when its
		 * bytes are new, from the same buffer (no second read). */
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
			msg_input in = { (const unsigned char *)g->whole.data, g->whole.len,
			    NULL };

			close(fd);
			ig_p_message_mem(g, path, &in, (const unsigned char *)g->whole.data,
			    g->whole.len, too_big(g, in.mem, in.len));
			return outcome(g);
		}
		if (lseek(fd, 0, SEEK_SET) != 0) {
			ig_ev_strs(g, E_OPEN_FAIL, path, "cannot read it twice (not a regular "
			    "file?)", 0);
			close(fd);
			if (g->q == NULL)
				ig_emit_flush(g, 1);
			return outcome(g);
		}
	}
	ig_p_message_fd(g, path, fd, (uint64_t)sb.st_size);
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
	if (store_raw_info_get(g->st, raw_id, get_info, &info) != STORE_OK) {
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
	if (store_raw_read(g->st, raw_id, retry_chunk, &r) != STORE_OK ||
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
	{
		/* its Message-ID for the refusal lines (the header is near the
		 * start); no arrival: a retry is no latency */
		unsigned char head[65536];
		FILE *f = fopen(path, "rb");
		size_t n = f != NULL ? fread(head, 1, sizeof(head), f) : 0;

		if (f != NULL)
			fclose(f);
		mime_message_id(head, n, g->p_msgid, sizeof(g->p_msgid));
		evw_begin(&w, g->out, E_MSG_META);
		evw_str(&w, g->p_msgid[0] != '\0' ? g->p_msgid : NULL);
		evw_i64(&w, 0);
		evw_end(&w);
	}
	ig_p_passes(g, &in);
	ig_p_msg_end(g, 0);
	unlink(path);
	return g->last_outcome;
}
