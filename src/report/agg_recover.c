/*
 * agg_recover.c - the recovery driver of the aggregate parser: libxml2's push
 * parser with XML_PARSE_RECOVER, feeding the same event core as expat.
 *
 * Used only after a strict parse failed with AGG_ERR_SYNTAX; the report is
 * then marked `recovered` (SPEC §6.10).
 *
 * libxml2 only ever sees UTF-8, decoded as such whatever the document's
 * encoding declaration says (XML_PARSE_IGNORE_ENC): the bytes are repaired
 * UTF-8 from utf8fix, or, for UTF-16 input (agg_parse.c decides), converted
 * here first, slice by slice into a bounded buffer, then through utf8fix
 * too (which drops the BOM and C0 controls).  A lying declaration cannot
 * make libxml2 decode the bytes a second time.
 *
 * SECURITY: XML_PARSE_NONET, no XML_PARSE_NOENT/DTDLOAD/HUGE; an internal
 * subset (DOCTYPE) or entity declaration aborts the parse, exactly as in the
 * strict driver.  The getEntity handler returns NULL so no user entity can
 * ever be expanded.
 */
#include "agg_core.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <stdio.h>
#include <string.h>

#include "../util/log.h"

static void
rx_start(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
    int nb_namespaces, const xmlChar **namespaces, int nb_attributes, int nb_defaulted,
    const xmlChar **attributes)
{
	agg_parser *p = ((xmlParserCtxtPtr)ctx)->_private;
	enum { MAX_ATTRS = 8 };
	const char *attrs[2 * MAX_ATTRS + 4];
	char *vals[MAX_ATTRS];
	int na = 0, nv = 0;

	(void)prefix; (void)nb_defaulted; (void)uri;
	/* Pass the default namespace declaration the way expat would. */
	for (int i = 0; i < nb_namespaces; i++)
		if (namespaces[2 * i] == NULL) {
			attrs[na++] = "xmlns";
			attrs[na++] = (const char *)namespaces[2 * i + 1];
			break;
		}
	/* And the first attributes (localname, prefix, URI, value, end): the
	 * values are not NUL-terminated. */
	for (int i = 0; i < nb_attributes && nv < MAX_ATTRS; i++) {
		const xmlChar **a = attributes + 5 * i;

		vals[nv] = xstrndup((const char *)a[3], (size_t)(a[4] - a[3]));
		attrs[na++] = (const char *)a[0];
		attrs[na++] = vals[nv++];
	}
	attrs[na] = NULL;
	agg_core_start(p, (const char *)localname, attrs);
	for (int i = 0; i < nv; i++)
		free(vals[i]);
	if (p->stop)
		xmlStopParser(ctx);
}

static void
rx_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
	agg_parser *p = ((xmlParserCtxtPtr)ctx)->_private;

	(void)prefix; (void)uri;
	agg_core_end(p, (const char *)localname);
	if (p->stop)
		xmlStopParser(ctx);
}

static void
rx_text(void *ctx, const xmlChar *s, int len)
{
	agg_parser *p = ((xmlParserCtxtPtr)ctx)->_private;

	agg_core_text(p, (const char *)s, (size_t)len);
}

static void
rx_subset(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
	agg_parser *p = ((xmlParserCtxtPtr)ctx)->_private;

	(void)name; (void)ext; (void)sys;
	agg_core_fail(p, AGG_ERR_REFUSED, "refused: the XML has a DOCTYPE (DTDs and entities "
	    "are never processed)");
	xmlStopParser(ctx);
}

static xmlEntityPtr
rx_get_entity(void *ctx, const xmlChar *name)
{
	(void)ctx;
	return xmlGetPredefinedEntity(name);
}

static void
rx_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *pub,
    const xmlChar *sys, xmlChar *content)
{
	agg_parser *p = ((xmlParserCtxtPtr)ctx)->_private;

	(void)name; (void)type; (void)pub; (void)sys; (void)content;
	agg_core_fail(p, AGG_ERR_REFUSED, "refused: the XML declares an entity");
	xmlStopParser(ctx);
}

static void
rx_error(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;		/* counted through ctx->errNo; never printed */
}

static void
rx_structured(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	(void)e;
}

/*
 * UTF-16 input is converted U16_SLICE bytes at a time; U16_OUT(n) bounds the
 * UTF-8 for n input bytes: at most n / 2 + 1 code units (with a carried odd
 * byte) at 3 bytes each on average (a surrogate pair: 4 bytes for 2 units),
 * plus U+FFFD for a carried high surrogate that is not paired and, at the end,
 * for a dangling high surrogate and odd byte.
 */
#define U16_SLICE 8192
#define U16_OUT(n) (3 * ((n) / 2 + 1) + 9)

static char *
put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xc0 | (cp >> 6));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xe0 | (cp >> 12));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (char)(0xf0 | (cp >> 18));
		*o++ = (char)(0x80 | ((cp >> 12) & 0x3f));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	}
	return o;
}

/*
 * UTF-16 (byte order in p->utf16) to UTF-8 into out, which holds at least
 * U16_OUT(n) bytes.  An odd byte and a high surrogate are carried to the next
 * call; final flushes them.  Unpaired surrogates, U+FFFE and U+FFFF (not XML
 * characters) and a dangling odd byte become U+FFFD.  Returns the length.
 */
static size_t
u16_to_utf8(agg_parser *p, const unsigned char *in, size_t n, int final, char *out)
{
	char *o = out;
	size_t i = 0;
	int be = p->utf16 == AGG_UTF16BE;

	for (;;) {
		unsigned char b[2];
		unsigned u;

		if (p->has_u16odd) {
			if (i >= n)
				break;
			b[0] = p->u16odd;
			b[1] = in[i++];
			p->has_u16odd = 0;
		} else if (i + 2 <= n) {
			b[0] = in[i];
			b[1] = in[i + 1];
			i += 2;
		} else {
			if (i < n) {
				p->u16odd = in[i];
				p->has_u16odd = 1;
			}
			break;
		}
		u = be ? (unsigned)b[0] << 8 | b[1] : (unsigned)b[1] << 8 | b[0];
		if (p->u16high != 0) {
			unsigned hi = p->u16high;

			p->u16high = 0;
			if (u >= 0xdc00 && u <= 0xdfff) {
				o = put_utf8(o, 0x10000 + ((hi - 0xd800) << 10) + (u - 0xdc00));
				continue;
			}
			o = put_utf8(o, 0xfffd);
		}
		if (u >= 0xd800 && u <= 0xdbff)
			p->u16high = u;
		else if ((u >= 0xdc00 && u <= 0xdfff) || u == 0xfffe || u == 0xffff)
			o = put_utf8(o, 0xfffd);
		else
			o = put_utf8(o, u);
	}
	if (final) {
		if (p->u16high != 0)
			o = put_utf8(o, 0xfffd);
		if (p->has_u16odd)
			o = put_utf8(o, 0xfffd);
		p->u16high = 0;
		p->has_u16odd = 0;
	}
	return (size_t)(o - out);
}

static void
rx_parse(agg_parser *p, xmlParserCtxtPtr c, const char *buf, size_t n, int final)
{
	while (n > 0 || final) {
		int chunk = n > (1u << 30) ? (1 << 30) : (int)n;
		int last = final && (size_t)chunk == n;

		xmlParseChunk(c, buf, chunk, last);
		if (p->stop)
			return;
		buf += chunk;
		n -= (size_t)chunk;
		if (last)
			break;
	}
}

int
agg_recover_feed(agg_parser *p, const char *buf, size_t n, int final)
{
	xmlParserCtxtPtr c = p->xml;

	if (c == NULL) {
		static xmlSAXHandler sax;

		memset(&sax, 0, sizeof(sax));
		sax.initialized = XML_SAX2_MAGIC;
		sax.startElementNs = rx_start;
		sax.endElementNs = rx_end;
		sax.characters = rx_text;
		sax.internalSubset = rx_subset;
		sax.externalSubset = rx_subset;
		sax.getEntity = rx_get_entity;
		sax.entityDecl = rx_entity_decl;
		sax.error = rx_error;
		sax.warning = rx_error;
		c = xmlCreatePushParserCtxt(&sax, NULL, NULL, 0, NULL);
		if (c == NULL)
			fatalx("out of memory creating the recovery parser");
		/* The bytes are already repaired UTF-8 (utf8fix, or converted from
		 * UTF-16 below): ignore the document's encoding declaration, or
		 * Latin-1 is decoded twice. */
		xmlCtxtUseOptions(c, XML_PARSE_RECOVER | XML_PARSE_NONET | XML_PARSE_NOERROR |
		    XML_PARSE_NOWARNING | XML_PARSE_IGNORE_ENC);
		/* libxml2 reports some I/O and encoding errors globally: keep
		 * them off stderr (the outcome is in the parse result). */
		xmlSetGenericErrorFunc(NULL, rx_error);
		xmlSetStructuredErrorFunc(NULL, rx_structured);
		xmlSwitchEncoding(c, XML_CHAR_ENCODING_UTF8);
		c->_private = p;
		p->xml = c;
	}
	if (p->utf16) {
		/* agg_parse.c skipped the filter: convert, then filter here. */
		char out[U16_OUT(U16_SLICE)];
		size_t off = 0;

		do {
			size_t take = n - off > U16_SLICE ? U16_SLICE : n - off;
			int last = final && off + take == n;
			size_t on = u16_to_utf8(p, take > 0 ? (const unsigned char *)buf + off :
			    NULL, take, last, out);
			const char *q;
			size_t qn;

			q = utf8fix_run(&p->fix, out, on, last, &qn);
			rx_parse(p, c, q, qn, last);
			if (p->stop)
				return p->stop;
			off += take;
		} while (off < n);
	} else {
		rx_parse(p, c, buf, n, final);
		if (p->stop)
			return p->stop;
	}
	if (final) {
		/* In recovery mode every error is tolerated; ends must still close. */
		if (!p->finished && p->seen_root && p->depth > 0) {
			/* Unclosed elements at EOF: close them so </feedback> fires. */
			while (p->depth > 0 && !p->stop)
				agg_core_end(p, "");
		}
		if (c->errNo != 0 && p->finished)
			dm_report_warn(&p->rep, "XML was not well-formed; recovered (libxml2 error %d)",
			    c->errNo);
		return agg_core_eof(p, 1, NULL);
	}
	return AGG_OK;
}

void
agg_recover_free(agg_parser *p)
{
	xmlParserCtxtPtr c = p->xml;

	if (c != NULL) {
		xmlFreeDoc(c->myDoc);
		xmlFreeParserCtxt(c);
	}
	p->xml = NULL;
}
