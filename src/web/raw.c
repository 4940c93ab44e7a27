/*
 * raw.c - the documents inside one archived message, as text for the
 * Reports screen ("show the raw XML").
 *
 * The archive is read back (raw_read), zstd-decompressed when its codec
 * says so, and walked with unpack.h, the same way ingest does, so a zip or
 * gzip inside an e-mail comes out as its XML.  Each document is appended
 * to out under a "==> name <==" line.  When no document comes out (a
 * quarantined input: unknown format, a text-only or too deeply nested
 * e-mail) the message itself is shown, as stored.
 *
 * Limits, all applied while reading or inflating, never after: the first
 * RAW_MAX bytes of the archive and of its zstd output are used (a longer
 * message is cut, not refused), unpack may inflate at most RAW_INFLATE
 * bytes (a zip whose header understates its size stops there), and at
 * most RAW_SHOW bytes of text are produced; the walk stops when they are.
 * Any cut is noted at the end ("[cut ...]") and reported in *truncated,
 * which the API sends as the X-Dmarcscope-Truncated header.  The caller
 * serves the text as text/plain with nosniff and the browser shows it with
 * textContent: it is never markup.
 *
 * Isolation: the request's principal must be allowed to see the message
 * (store_web SWQ_RAW_ACCESS: a tenant only a message whose reports are all
 * its own; a quarantined input only an operator); else it is "no such
 * message", as for an unknown id.
 *
 * Exports: raw_text.  Errors: -1 with err set (unknown id, database or
 * decompression error).
 */
#include <stdio.h>
#include <string.h>
#include <zstd.h>

#include "web_priv.h"
#include "../intake/unpack.h"

#define RAW_MAX ((size_t)64 << 20)
#define RAW_SHOW ((size_t)8 << 20)
#define RAW_INFLATE ((uint64_t)RAW_SHOW + ((uint64_t)1 << 20))

struct rctx {
	dbuf in;		/* the message as stored (at most RAW_MAX bytes) */
	const char *codec;
	char codecbuf[16];
	int found;
	dbuf *out;
	int cut;		/* output stopped at RAW_SHOW */
	int in_cut;		/* the stored message or its zstd output passed RAW_MAX */
	int docs;		/* documents begun */
	int limited;		/* a document ended with a limit error */
};

static int
info_cb(void *ctx, const store_raw_info *ri)
{
	struct rctx *r = ctx;

	snprintf(r->codecbuf, sizeof(r->codecbuf), "%s", ri->codec ? ri->codec : "none");
	r->codec = r->codecbuf;
	r->found = 1;
	return 0;
}

/* Keeps the first RAW_MAX bytes, then stops the read (in_cut). */
static int
read_cb(void *ctx, const void *p, size_t n)
{
	struct rctx *r = ctx;
	size_t room = RAW_MAX - r->in.len;

	if (n > room) {
		dbuf_add(&r->in, p, room);
		r->in_cut = 1;
		return -1;
	}
	return dbuf_add(&r->in, p, n) == DBUF_OK ? 0 : -1;
}

/* Appends at most RAW_SHOW bytes in all; 1 (stop) once that is reached. */
static int
show(struct rctx *r, const void *p, size_t n)
{
	if (r->out->len + n > RAW_SHOW) {
		n = r->out->len < RAW_SHOW ? RAW_SHOW - r->out->len : 0;
		r->cut = 1;
	}
	if (n > 0)
		dbuf_add(r->out, p, n);
	return r->cut;
}

static int
s_begin(void *ctx, const unpack_doc *doc)
{
	struct rctx *r = ctx;
	char line[600];

	r->docs++;
	snprintf(line, sizeof(line), "%s==> %s <==\n", r->out->len ? "\n" : "", doc->name);
	return show(r, line, strlen(line));
}

static int
s_data(void *ctx, const void *p, size_t n)
{
	return show(ctx, p, n);
}

static int
s_end(void *ctx, const char *error)
{
	struct rctx *r = ctx;
	char line[600];

	if (error == NULL)
		return 0;
	if (strstr(error, "exceeds the limit") != NULL || strstr(error, "ratio") != NULL)
		r->limited = 1;
	snprintf(line, sizeof(line), "\n[%s]\n", error);
	return show(r, line, strlen(line));
}

static int
s_refuse(void *ctx, const char *name, const char *reason, int ignorable)
{
	struct rctx *r = ctx;

	char line[800];

	if (ignorable)
		return 0;
	if (strstr(reason, "exceeds the limit") != NULL || strstr(reason, "ratio") != NULL)
		r->limited = 1;
	snprintf(line, sizeof(line), "%s==> %s: %s <==\n", r->out->len ? "\n" : "", name,
	    reason);
	return show(r, line, strlen(line));
}

static int
allowed_cb(void *ctx, int ncol, const char *const *names, const store_web_val *v)
{
	(void)names;
	*(int *)ctx = ncol > 0 && v[0].type == SWV_INT && v[0].i == 1;
	return 1;
}

int
raw_text(store *st, const dm_principal *who, int64_t raw_id, dbuf *out, int *truncated,
    char *err, size_t errlen)
{
	struct rctx r;
	unpack u;
	unpack_sink sink;
	const unsigned char *p;
	size_t n;
	dbuf plain;

	memset(&r, 0, sizeof(r));
	*truncated = 0;
	r.out = out;
	{
		/* a tenant sees a message only when all it holds is the tenant's */
		store_web_query w;
		int ok = 0;

		memset(&w, 0, sizeof(w));
		w.id = raw_id;
		if (!store_has(st, web) || store_web_run(st, who, SWQ_RAW_ACCESS, &w,
		    allowed_cb, &ok) != STORE_OK || !ok) {
			snprintf(err, errlen, "no such message");
			return -1;
		}
	}
	dbuf_init(&r.in, RAW_MAX);
	dbuf_init(&plain, RAW_MAX);
	if (store_raw_info_get(st, raw_id, info_cb, &r) != STORE_OK || !r.found) {
		snprintf(err, errlen, "%s", r.found ? store_errmsg(st) : "no such message");
		dbuf_free(&r.in);
		return -1;
	}
	if (store_raw_read(st, raw_id, read_cb, &r) != STORE_OK && !r.in_cut) {
		snprintf(err, errlen, "cannot read the archive (larger than %zu MiB?)",
		    RAW_MAX >> 20);
		dbuf_free(&r.in);
		return -1;
	}
	p = (const unsigned char *)r.in.data;
	n = r.in.len;
	if (strcmp(r.codec, "zstd") == 0) {
		ZSTD_DCtx *z = ZSTD_createDCtx();
		ZSTD_inBuffer zi = { r.in.data, r.in.len, 0 };
		char buf[65536];

		while (zi.pos < zi.size) {
			ZSTD_outBuffer zo = { buf, sizeof(buf), 0 };
			size_t rc = ZSTD_decompressStream(z, &zo, &zi);

			if (ZSTD_isError(rc)) {
				snprintf(err, errlen, "cannot decompress the archive: %s",
				    ZSTD_getErrorName(rc));
				ZSTD_freeDCtx(z);
				dbuf_free(&r.in);
				dbuf_free(&plain);
				return -1;
			}
			if (dbuf_add(&plain, buf, zo.pos) != DBUF_OK) {
				/* the first RAW_MAX bytes are enough to show */
				dbuf_add(&plain, buf, RAW_MAX - plain.len);
				r.in_cut = 1;
				break;
			}
			if (rc == 0 && zi.pos == zi.size)
				break;
		}
		ZSTD_freeDCtx(z);
		p = (const unsigned char *)plain.data;
		n = plain.len;
	}
	memset(&sink, 0, sizeof(sink));
	sink.ctx = &r;
	sink.begin = s_begin;
	sink.data = s_data;
	sink.end = s_end;
	sink.refuse = s_refuse;
	memset(&u, 0, sizeof(u));
	unpack_limits_default(&u.lim);
	u.lim.max_output = RAW_INFLATE;
	if (u.lim.max_message > RAW_MAX)
		u.lim.max_message = RAW_MAX;
	u.sink = &sink;
	if (p == NULL)
		p = (const unsigned char *)"";
	unpack_mem(&u, "message", p, n);
	if (r.docs == 0 && !r.cut) {
		/* nothing came out of it: show the message itself */
		char line[128];

		snprintf(line, sizeof(line), "%s==> message as stored <==\n",
		    out->len ? "\n" : "");
		if (show(&r, line, strlen(line)) == 0)
			show(&r, p, n);
	}
	if (r.cut || r.in_cut || r.limited) {
		*truncated = 1;
		if (r.cut)
			dbuf_printf(out, "\n[cut at %zu MiB]\n", RAW_SHOW >> 20);
		if (r.in_cut)
			dbuf_printf(out, "\n[the message is larger than %zu MiB: only its first "
			    "%zu MiB were read]\n", RAW_MAX >> 20, RAW_MAX >> 20);
	}
	dbuf_free(&r.in);
	dbuf_free(&plain);
	return 0;
}
