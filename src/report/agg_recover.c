/*
 * agg_recover.c - the recovery driver of the aggregate parser: libxml2's push
 * parser with XML_PARSE_RECOVER, feeding the same event core as expat.
 *
 * Used only after a strict parse failed with AGG_ERR_SYNTAX; the report is
 * then marked `recovered` (SPEC §6.10).
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
	const char *attrs[4] = { NULL, NULL, NULL, NULL };

	(void)prefix; (void)nb_attributes; (void)nb_defaulted; (void)attributes;
	(void)uri;
	/* Pass the default namespace declaration the way expat would. */
	for (int i = 0; i < nb_namespaces; i++)
		if (namespaces[2 * i] == NULL) {
			attrs[0] = "xmlns";
			attrs[1] = (const char *)namespaces[2 * i + 1];
			break;
		}
	agg_core_start(p, (const char *)localname, attrs);
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
		/* The bytes are already repaired UTF-8 (utf8fix): ignore the
		 * document's encoding declaration, or Latin-1 is decoded twice. */
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
	while (n > 0 || final) {
		int chunk = n > (1u << 30) ? (1 << 30) : (int)n;
		int last = final && (size_t)chunk == n;

		xmlParseChunk(c, buf, chunk, last);
		if (p->stop)
			return p->stop;
		buf += chunk;
		n -= (size_t)chunk;
		if (last)
			break;
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
