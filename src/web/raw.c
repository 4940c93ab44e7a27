/*
 * raw.c - the documents inside one archived message, as text for the
 * Reports screen ("show the raw XML").
 *
 * The archive is read back (raw_read), zstd-decompressed when its codec
 * says so, and walked with unpack.h, the same way ingest does (same
 * limits), so a zip or gzip inside an e-mail comes out as its XML.  Each
 * document is appended to out under a "==> name <==" line.  At most
 * RAW_MAX bytes of input and RAW_SHOW bytes of text are handled; the rest
 * is cut with a note.  The caller serves the text as text/plain with
 * nosniff and the browser shows it with textContent: it is never markup.
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

struct rctx {
	dbuf in;		/* the message as stored */
	const char *codec;
	char codecbuf[16];
	int found;
	dbuf *out;
	int cut;
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

static int
read_cb(void *ctx, const void *p, size_t n)
{
	struct rctx *r = ctx;

	return dbuf_add(&r->in, p, n) == DBUF_OK ? 0 : -1;
}

static int
s_begin(void *ctx, const unpack_doc *doc)
{
	struct rctx *r = ctx;

	dbuf_printf(r->out, "%s==> %s <==\n", r->out->len ? "\n" : "", doc->name);
	return 0;
}

static int
s_data(void *ctx, const void *p, size_t n)
{
	struct rctx *r = ctx;

	if (r->out->len + n > RAW_SHOW) {
		n = r->out->len < RAW_SHOW ? RAW_SHOW - r->out->len : 0;
		r->cut = 1;
	}
	if (n > 0)
		dbuf_add(r->out, p, n);
	return 0;
}

static int
s_end(void *ctx, const char *error)
{
	struct rctx *r = ctx;

	if (error != NULL)
		dbuf_printf(r->out, "\n[%s]\n", error);
	return 0;
}

static int
s_refuse(void *ctx, const char *name, const char *reason, int ignorable)
{
	struct rctx *r = ctx;

	if (!ignorable)
		dbuf_printf(r->out, "%s==> %s: %s <==\n", r->out->len ? "\n" : "", name, reason);
	return 0;
}

int
raw_text(store *st, int64_t raw_id, dbuf *out, char *err, size_t errlen)
{
	struct rctx r;
	unpack u;
	unpack_sink sink;
	const unsigned char *p;
	size_t n;
	dbuf plain;

	memset(&r, 0, sizeof(r));
	r.out = out;
	dbuf_init(&r.in, RAW_MAX);
	dbuf_init(&plain, RAW_MAX);
	if (st->ops->raw_info(st, raw_id, info_cb, &r) != STORE_OK || !r.found) {
		snprintf(err, errlen, "%s", r.found ? store_errmsg(st) : "no such message");
		dbuf_free(&r.in);
		return -1;
	}
	if (st->ops->raw_read(st, raw_id, read_cb, &r) != STORE_OK) {
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

			if (ZSTD_isError(rc) || dbuf_add(&plain, buf, zo.pos) != DBUF_OK) {
				snprintf(err, errlen, "cannot decompress the archive: %s",
				    ZSTD_isError(rc) ? ZSTD_getErrorName(rc) : "too large");
				ZSTD_freeDCtx(z);
				dbuf_free(&r.in);
				dbuf_free(&plain);
				return -1;
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
	u.sink = &sink;
	unpack_mem(&u, "message", p != NULL ? p : (const unsigned char *)"", n);
	if (r.cut)
		dbuf_printf(out, "\n[cut at %zu MiB]\n", RAW_SHOW >> 20);
	dbuf_free(&r.in);
	dbuf_free(&plain);
	return 0;
}
