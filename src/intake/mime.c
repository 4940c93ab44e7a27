/*
 * mime.c - see mime.h.  All MIME parsing is GMime's; this file only walks the
 * tree it builds and applies our caps.
 */
#include "mime.h"

#include <ctype.h>
#include <gmime/gmime.h>
#include <stdio.h>
#include <string.h>

#include "../util/log.h"

void
mime_init(void)
{
	g_mime_init();
}

void
mime_info_free(mime_info *info)
{
	if (info == NULL)
		return;
	free(info->content_type);
	free(info->report_type);
	free(info->subject);
	memset(info, 0, sizeof(*info));
}

int
mime_looks_like_message(const unsigned char *p, size_t n)
{
	size_t i = 0;

	if (n >= 5 && memcmp(p, "From ", 5) == 0)
		return 1;
	/* field-name = 1*(printable US-ASCII except ":"), then ":" */
	while (i < n && i < 100 && p[i] > 0x20 && p[i] < 0x7f && p[i] != ':')
		i++;
	return i > 0 && i < n && p[i] == ':';
}

struct walk {
	mime_cb cb;
	void *ctx;
	int max_depth;
	size_t max_part;
	int index;
	int stop;
};

static char *
lower_type(GMimeObject *obj)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	char *t = ct != NULL ? g_mime_content_type_get_mime_type(ct) : NULL;
	char *r = xstrdup(t != NULL ? t : "text/plain");

	g_free(t);
	for (char *c = r; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return r;
}

static void
walk(struct walk *w, GMimeObject *obj, int depth)
{
	if (obj == NULL || w->stop)
		return;
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int n = g_mime_multipart_get_count(mp);

		for (int i = 0; i < n && !w->stop; i++)
			walk(w, g_mime_multipart_get_part(mp, i), depth);
		return;
	}
	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));

		if (m != NULL && depth + 1 <= w->max_depth)
			walk(w, g_mime_message_get_mime_part(m), depth + 1);
		return;
	}
	if (GMIME_IS_PART(obj)) {
		GMimePart *part = GMIME_PART(obj);
		GMimeDataWrapper *content = g_mime_part_get_content(part);
		char *type = lower_type(obj);
		const char *fn = g_mime_part_get_filename(part);
		mime_part info;
		GByteArray *ba;
		GMimeStream *mem;

		info.content_type = type;
		info.filename = fn;
		info.depth = depth;
		info.index = w->index++;
		info.is_text = strncmp(type, "text/", 5) == 0;
		if (content == NULL) {
			free(type);
			return;
		}
		ba = g_byte_array_new();
		mem = g_mime_stream_mem_new_with_byte_array(ba);
		g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
		if (g_mime_data_wrapper_write_to_stream(content, mem) < 0)
			ba->len = 0;
		/* GLib leaves data NULL for an empty array: an empty part is
		 * empty, not oversize (NULL means oversize to the callback). */
		if (ba->len > w->max_part)
			w->stop = w->cb(w->ctx, &info, NULL, ba->len);
		else
			w->stop = w->cb(w->ctx, &info, ba->len > 0 ? ba->data :
			    (const unsigned char *)"", ba->len);
		g_object_unref(mem);
		g_byte_array_free(ba, TRUE);
		free(type);
	}
}

/* The header's Message-ID, from the message's first 64 KiB (enough for any
 * header block; the body is not needed), control characters dropped. */
void
mime_message_id(const unsigned char *msg, size_t len, char *buf, size_t buflen)
{
	GMimeStream *st;
	GMimeParser *parser;
	GMimeMessage *m;
	const char *id;
	size_t o = 0;

	buf[0] = '\0';
	if (buflen == 0 || !mime_looks_like_message(msg, len))
		return;
	st = g_mime_stream_mem_new_with_buffer((const char *)msg, len < 65536 ? len : 65536);
	parser = g_mime_parser_new_with_stream(st);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	if ((m = g_mime_parser_construct_message(parser, NULL)) != NULL &&
	    (id = g_mime_message_get_message_id(m)) != NULL)
		for (; *id != '\0' && o + 1 < buflen; id++)
			if ((unsigned char)*id >= 0x20 && *id != 0x7f)
				buf[o++] = *id;
	buf[o] = '\0';
	if (m != NULL)
		g_object_unref(m);
	g_object_unref(parser);
	g_object_unref(st);
}

int
mime_walk(const unsigned char *msg, size_t len, int max_depth, size_t max_part, mime_cb cb,
    void *ctx, mime_info *info, char *err, size_t errlen)
{
	return mime_walk_top(msg, len, max_depth, max_part, NULL, cb, ctx, info, err, errlen);
}

int
mime_walk_top(const unsigned char *msg, size_t len, int max_depth, size_t max_part,
    mime_top_cb topcb, mime_cb cb, void *ctx, mime_info *info, char *err, size_t errlen)
{
	GMimeStream *st;
	GMimeParser *parser;
	GMimeMessage *m;
	struct walk w = { cb, ctx, max_depth, max_part, 0, 0 };
	GMimeObject *top;

	st = g_mime_stream_mem_new_with_buffer((const char *)msg, len);
	parser = g_mime_parser_new_with_stream(st);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	m = g_mime_parser_construct_message(parser, NULL);
	if (m == NULL) {
		snprintf(err, errlen, "not a parseable e-mail message");
		g_object_unref(parser);
		g_object_unref(st);
		return -1;
	}
	top = g_mime_message_get_mime_part(m);
	if (info != NULL) {
		const char *subj = g_mime_message_get_subject(m);

		memset(info, 0, sizeof(*info));
		if (top != NULL) {
			GMimeContentType *ct = g_mime_object_get_content_type(top);
			const char *rt = ct ? g_mime_content_type_get_parameter(ct, "report-type") :
			    NULL;

			info->content_type = lower_type(top);
			if (rt != NULL) {
				info->report_type = xstrdup(rt);
				for (char *c = info->report_type; *c; c++)
					*c = (char)tolower((unsigned char)*c);
			}
		}
		if (subj != NULL)
			info->subject = xstrdup(subj);
	}
	if (topcb != NULL && info != NULL) {
		if (topcb(ctx, info) == MIME_WALK)
			walk(&w, top, 0);
	} else if (info == NULL || info->report_type == NULL)
		walk(&w, top, 0);
	if (info != NULL)
		info->parts = w.index;
	g_object_unref(m);
	g_object_unref(parser);
	g_object_unref(st);
	return 0;
}
