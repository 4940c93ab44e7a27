/*
 * arf_extract.c - the bytes of one attachment of a failure report's sample,
 * taken out of the archived message with GMime, for the portal's download
 * route (GET /api/v1/threats/ID/attachment).
 *
 * The stored model (arf_to_json) lists each attachment with its decoded
 * size and sha256; arf.c computed them from the same GMime objects this
 * file walks.  Rather than repeat arf.c's choice of which parts are
 * attachments, the walk visits every candidate part of the tree (leaf
 * parts, and message/rfc822 parts as a whole), decodes it the way arf.c
 * does, and returns the first whose size and sha256 are the ones asked for:
 * what is served is then exactly what the model describes, or nothing.
 * Encoded message/rfc822 and text/rfc822-headers leaves are parsed as
 * messages and walked too, as arf.c does with a sample GMime left as a leaf.
 *
 * Caps: the message itself (ARF's max_bytes, 16 MiB), the parts visited
 * (max_parts, 1000) and the depth (max_depth, 8) as arf_limits_default, and
 * out_max for the bytes returned.  Nothing is executed or rendered; the
 * bytes are only hashed and copied.
 *
 * Exports: arf_attachment_extract.  Ownership: *out is malloc'd, the
 * caller frees it.  Errors: -1 with err set (not a message, a cap hit);
 * 1 when no part matches.  Needs g_mime_init() (mime_init()) once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "arf.h"
#include "arf_extract.h"
#include "../util/sha256.h"
#include "../util/log.h"

struct walk {
	const char *want;	/* sha256 hex */
	uint64_t size;
	arf_limits lim;
	unsigned parts;
	int capped;
	GByteArray *found;
};

static GMimeMessage *
parse_message(const unsigned char *p, size_t n)
{
	GMimeStream *st = g_mime_stream_mem_new_with_buffer((const char *)p, n);
	GMimeParser *parser = g_mime_parser_new_with_stream(st);
	GMimeMessage *m;

	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	m = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(st);
	return m;
}

/* The decoded bytes of a part (or a whole forwarded message), as arf.c's
 * object_bytes makes them. */
static GByteArray *
part_bytes(GMimeObject *o)
{
	GByteArray *ba = g_byte_array_new();
	GMimeStream *m = g_mime_stream_mem_new_with_byte_array(ba);

	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(m), FALSE);
	if (GMIME_IS_PART(o)) {
		GMimeDataWrapper *c = g_mime_part_get_content(GMIME_PART(o));

		if (c != NULL && g_mime_data_wrapper_write_to_stream(c, m) < 0)
			g_byte_array_set_size(ba, 0);
	} else if (GMIME_IS_MESSAGE_PART(o)) {
		GMimeMessage *msg = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));

		if (msg != NULL && g_mime_object_write_to_stream(GMIME_OBJECT(msg), NULL, m) < 0)
			g_byte_array_set_size(ba, 0);
	}
	g_object_unref(m);
	return ba;
}

/* 1 when o's bytes are the wanted ones (kept in w->found). */
static int
candidate(struct walk *w, GMimeObject *o, GByteArray **keep)
{
	GByteArray *ba = part_bytes(o);
	char hex[SHA256_HEXLEN];

	if ((uint64_t)ba->len == w->size) {
		sha256_hex(ba->len > 0 ? (const void *)ba->data : "", ba->len, hex);
		if (strcmp(hex, w->want) == 0) {
			w->found = ba;
			return 1;
		}
	}
	if (keep != NULL)
		*keep = ba;
	else
		g_byte_array_free(ba, TRUE);
	return 0;
}

static int
is_message_type(GMimeObject *o)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);

	return ct != NULL && (g_mime_content_type_is_type(ct, "message", "rfc822") ||
	    g_mime_content_type_is_type(ct, "text", "rfc822-headers"));
}

static int
walk(struct walk *w, GMimeObject *o, unsigned depth)
{
	if (o == NULL || w->found != NULL)
		return w->found != NULL;
	if (++w->parts > w->lim.max_parts || depth > w->lim.max_depth) {
		w->capped = 1;
		return 0;
	}
	if (GMIME_IS_MULTIPART(o)) {
		GMimeMultipart *mp = GMIME_MULTIPART(o);
		int n = g_mime_multipart_get_count(mp);

		for (int i = 0; i < n && !w->capped; i++)
			if (walk(w, g_mime_multipart_get_part(mp, i), depth + 1))
				return 1;
		return 0;
	}
	if (GMIME_IS_MESSAGE_PART(o)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));

		if (candidate(w, o, NULL))
			return 1;
		return m != NULL && walk(w, g_mime_message_get_mime_part(m), depth + 1);
	}
	if (GMIME_IS_PART(o)) {
		GByteArray *ba = NULL;
		GMimeMessage *m;
		int r = 0;

		if (!is_message_type(o))
			return candidate(w, o, NULL);
		/* an encoded message/rfc822 or a header block: walk it as a message */
		if (candidate(w, o, &ba))
			return 1;
		g_byte_array_append(ba, (const guint8 *)"\n", 1);
		m = parse_message(ba->data, ba->len);
		g_byte_array_free(ba, TRUE);
		if (m != NULL) {
			r = walk(w, g_mime_message_get_mime_part(m), depth + 1);
			g_object_unref(m);
		}
		return r;
	}
	return 0;
}

int
arf_attachment_extract(const unsigned char *p, size_t n, const char *sha256, uint64_t size,
    size_t out_max, unsigned char **out, size_t *outlen, char *err, size_t errlen)
{
	struct walk w;
	GMimeMessage *m;

	*out = NULL;
	*outlen = 0;
	memset(&w, 0, sizeof(w));
	arf_limits_default(&w.lim);
	w.want = sha256;
	w.size = size;
	if (sha256 == NULL || strlen(sha256) != SHA256_HEXLEN - 1) {
		snprintf(err, errlen, "no checksum for the attachment");
		return -1;
	}
	if (size > out_max) {
		snprintf(err, errlen, "the attachment is larger than %zu bytes", out_max);
		return -1;
	}
	if (n > w.lim.max_bytes) {
		snprintf(err, errlen, "the message is over the %zu-byte cap for a failure report",
		    w.lim.max_bytes);
		return -1;
	}
	/* an mbox "From " line before the header, as arf_parse skips it */
	if (n >= 5 && memcmp(p, "From ", 5) == 0) {
		const unsigned char *nl = memchr(p, '\n', n);

		if (nl == NULL)
			nl = p + n - 1;
		n -= (size_t)(nl + 1 - p);
		p = nl + 1;
	}
	if ((m = parse_message(p, n)) == NULL) {
		snprintf(err, errlen, "the archived message cannot be parsed");
		return -1;
	}
	walk(&w, g_mime_message_get_mime_part(m), 0);
	g_object_unref(m);
	if (w.found == NULL) {
		snprintf(err, errlen, w.capped ? "the attachment was not found within the caps" :
		    "the attachment was not found in the archived message");
		return 1;
	}
	*outlen = w.found->len;
	*out = xmalloc(w.found->len > 0 ? w.found->len : 1);
	if (w.found->len > 0)
		memcpy(*out, w.found->data, w.found->len);
	g_byte_array_free(w.found, TRUE);
	return 0;
}
