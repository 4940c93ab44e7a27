/*
 * api_attach.c - GET /api/v1/threats/ID/attachment?n=INDEX&confirm=1: one
 * attachment of a failure report's sample, as a download (issue 13).
 *
 * The sample is hostile: the route answers only with confirm=1 (the page
 * asks first: the file may be malware), never for an index the model does
 * not list (404), and only with bytes whose size and sha256 are the
 * model's: they are taken out of the archived message (zstd undone) by
 * arf_attachment_extract (GMime, src/report/arf_extract.c).  The answer is
 * application/octet-stream with Content-Disposition: attachment, the file
 * name reduced to ASCII [A-Za-z0-9._-] plus its UTF-8 form as filename*;
 * http.c adds nosniff and the CSP; it is never cached.
 *
 * Exports: api_threat_attachment (web_priv.h).  Errors: JSON
 * {"error","message"}: 400 confirm_required / bad_parameter, 404 not_found,
 * 500 archive (a message that cannot be read back).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "web_priv.h"
#include "../report/arf.h"
#include "../report/arf_extract.h"
#include "../util/log.h"

#define ATT_MAX ((size_t)16 << 20)	/* an attachment (the ARF message cap) */
#define RAW_STORED_MAX ((size_t)64 << 20)

static const char *
str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

struct rawbuf {
	dbuf b;
	char codec[16];
	int found, cut;
};

static int
raw_info_cb(void *ctx, const store_raw_info *ri)
{
	struct rawbuf *x = ctx;

	snprintf(x->codec, sizeof(x->codec), "%s", ri->codec ? ri->codec : "none");
	x->found = 1;
	return 0;
}

static int
raw_chunk_cb(void *ctx, const void *p, size_t n)
{
	struct rawbuf *x = ctx;

	if (dbuf_add(&x->b, p, n) != DBUF_OK) {
		x->cut = 1;
		return -1;
	}
	return 0;
}

/* The archived message raw_id as it arrived (zstd undone), at most
 * ARF's message cap + 1 byte (a longer one cannot be a stored failure
 * report).  0, or -1 with err set; *missing when there is no such message. */
static int
raw_message(store *st, int64_t raw_id, dbuf *plain, int *missing, char *err, size_t errlen)
{
	struct rawbuf x;
	arf_limits lim;

	arf_limits_default(&lim);
	memset(&x, 0, sizeof(x));
	*missing = 0;
	dbuf_init(&x.b, RAW_STORED_MAX);
	if (store_raw_info_get(st, raw_id, raw_info_cb, &x) != STORE_OK || !x.found) {
		*missing = !x.found;
		snprintf(err, errlen, "%s", x.found ? store_errmsg(st) : "no such message");
		dbuf_free(&x.b);
		return -1;
	}
	if (store_raw_read(st, raw_id, raw_chunk_cb, &x) != STORE_OK || x.cut) {
		snprintf(err, errlen, "cannot read the archived message");
		dbuf_free(&x.b);
		return -1;
	}
	if (strcmp(x.codec, "zstd") != 0) {
		*plain = x.b;
		return 0;
	}
	{
		ZSTD_DCtx *z = ZSTD_createDCtx();
		ZSTD_inBuffer zi = { x.b.data, x.b.len, 0 };
		char buf[65536];
		int rc = 0;

		dbuf_init(plain, lim.max_bytes + 1);
		while (zi.pos < zi.size) {
			ZSTD_outBuffer zo = { buf, sizeof(buf), 0 };
			size_t zr = ZSTD_decompressStream(z, &zo, &zi);

			if (ZSTD_isError(zr) || dbuf_add(plain, buf, zo.pos) != DBUF_OK) {
				snprintf(err, errlen, "cannot decompress the archived message");
				rc = -1;
				break;
			}
			if (zr == 0 && zi.pos == zi.size)
				break;
		}
		ZSTD_freeDCtx(z);
		dbuf_free(&x.b);
		if (rc != 0)
			dbuf_free(plain);
		return rc;
	}
}

/* Content-Disposition for a hostile name: an ASCII fallback of
 * [A-Za-z0-9._-] (no leading dot) and the UTF-8 name percent-encoded. */
static void
attachment_disposition(char *out, size_t len, const char *name, int64_t idx)
{
	char ascii[120], enc[800];
	size_t a = 0, e = 0;
	static const char hex[] = "0123456789ABCDEF";

	if (name == NULL || *name == '\0') {
		snprintf(out, len, "attachment; filename=\"attachment-%lld.bin\"", (long long)idx);
		return;
	}
	for (const unsigned char *p = (const unsigned char *)name; *p && a + 1 < sizeof(ascii);
	    p++) {
		char c = isalnum(*p) || *p == '-' || *p == '_' || (*p == '.' && a > 0) ? (char)*p :
		    '_';

		if (*p >= 0x80 && (*p & 0xc0) == 0x80)
			continue;	/* one '_' per UTF-8 character */
		ascii[a++] = c;
	}
	ascii[a] = '\0';
	for (const unsigned char *p = (const unsigned char *)name; *p && e + 4 < sizeof(enc);
	    p++) {
		if (isalnum(*p) || strchr("!#$&+-.^_`|~", *p) != NULL)
			enc[e++] = (char)*p;
		else {
			enc[e++] = '%';
			enc[e++] = hex[*p >> 4];
			enc[e++] = hex[*p & 15];
		}
	}
	enc[e] = '\0';
	snprintf(out, len, "attachment; filename=\"%s\"; filename*=UTF-8''%s", ascii, enc);
}

void
api_threat_attachment(wreq *r, wresp *out, int64_t id)
{
	json_t *j, *model, *att;
	const char *c = api_arg(r, "confirm"), *sha;
	int64_t n;
	int missing;
	dbuf raw;
	unsigned char *bytes;
	size_t len;
	char err[256], disp[1024];
	struct MHD_Response *resp;
	int rc;

	if (c == NULL || strcmp(c, "1") != 0) {
		api_error(out, 400, "confirm_required", "the attachment may be malware: download it "
		    "only with confirm=1");
		return;
	}
	if (api_parse_int(api_arg(r, "n"), 0, 100000, &n) != 0) {
		api_error(out, 400, "bad_parameter", "n (the attachment's index) is required");
		return;
	}
	if ((j = api_threat_load(r, out, id, &model)) == NULL)
		return;
	att = json_array_get(json_object_get(model, "attachments"), (size_t)n);
	if (json_integer_value(json_object_get(j, "sample_purged")) != 0 || att == NULL ||
	    (sha = str(att, "sha256")) == NULL || !json_is_integer(json_object_get(att, "size")) ||
	    !json_is_integer(json_object_get(j, "raw_id"))) {
		api_error(out, 404, "not_found", json_integer_value(json_object_get(j,
		    "sample_purged")) ? "the sample was purged (retention)" : "no such attachment");
		json_decref(j);
		json_decref(model);
		return;
	}
	if (raw_message(r->st, json_integer_value(json_object_get(j, "raw_id")), &raw, &missing,
	    err, sizeof(err)) != 0) {
		if (!missing)
			log_warnx("serve: attachment of failure report %lld: %s", (long long)id, err);
		api_error(out, missing ? 404 : 500, missing ? "not_found" : "archive", err);
		json_decref(j);
		json_decref(model);
		return;
	}
	rc = arf_attachment_extract((const unsigned char *)(raw.data ? raw.data : ""), raw.len,
	    sha, (uint64_t)json_integer_value(json_object_get(att, "size")), ATT_MAX, &bytes, &len,
	    err, sizeof(err));
	dbuf_free(&raw);
	if (rc != 0) {
		log_warnx("serve: attachment %lld of failure report %lld: %s", (long long)n,
		    (long long)id, err);
		api_error(out, 404, "not_found", err);
		json_decref(j);
		json_decref(model);
		return;
	}
	attachment_disposition(disp, sizeof(disp), str(att, "name"), n);
	json_decref(j);
	json_decref(model);
	if ((resp = MHD_create_response_from_buffer(len, bytes, MHD_RESPMEM_MUST_FREE)) == NULL) {
		free(bytes);
		api_error(out, 500, "memory", "cannot answer");
		return;
	}
	MHD_add_response_header(resp, "Content-Type", "application/octet-stream");
	MHD_add_response_header(resp, "Content-Disposition", disp);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	out->status = 200;
	out->ready = resp;
	out->cacheable = 0;
}
