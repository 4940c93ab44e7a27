/*
 * agg_parse.c - the strict driver of the aggregate parser (see agg_parse.h):
 * expat, with the repair filter in front of it.
 *
 * The encoding is decided on the first 4 bytes, held back until then so that
 * chunking cannot change it: UTF-16 (a BOM, or "<?" in UTF-16) goes to expat
 * as is (expat decodes it itself); everything else through the filter.
 *
 * SECURITY: expat is created with a forced UTF-8 encoding (the filter has
 * already produced UTF-8), parameter-entity parsing off, and handlers that
 * abort on any DOCTYPE or entity declaration, so no DTD is ever processed
 * and no external entity is resolved.  expat >= 2.4 also enforces its own
 * amplification limits.
 */
#include "agg_core.h"

#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/log.h"

void
agg_limits_default(agg_limits *l)
{
	l->max_text = DM_MAX_TEXT;
	l->max_records = 50000000ULL;
	l->max_count = 1000000000ULL;
	l->max_depth = 32;
}

static void XMLCALL
on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
	agg_parser *p = ud;

	agg_core_start(p, name, attrs);
	if (p->stop)
		XML_StopParser(p->xml, XML_FALSE);
}

static void XMLCALL
on_end(void *ud, const XML_Char *name)
{
	agg_parser *p = ud;

	agg_core_end(p, name);
	if (p->stop)
		XML_StopParser(p->xml, XML_FALSE);
}

static void XMLCALL
on_text(void *ud, const XML_Char *s, int len)
{
	agg_core_text(ud, s, (size_t)len);
}

static void XMLCALL
on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
    int has_internal)
{
	agg_parser *p = ud;

	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal;
	agg_core_fail(p, AGG_ERR_REFUSED, "refused: the XML has a DOCTYPE (DTDs and entities "
	    "are never processed)");
	XML_StopParser(p->xml, XML_FALSE);
}

static void XMLCALL
on_entity(void *ud, const XML_Char *name, int is_param, const XML_Char *value, int vlen,
    const XML_Char *base, const XML_Char *sysid, const XML_Char *pubid,
    const XML_Char *notation)
{
	agg_parser *p = ud;

	(void)name; (void)is_param; (void)value; (void)vlen; (void)base;
	(void)sysid; (void)pubid; (void)notation;
	agg_core_fail(p, AGG_ERR_REFUSED, "refused: the XML declares an entity");
	XML_StopParser(p->xml, XML_FALSE);
}

static int
expat_setup(agg_parser *p, int utf16)
{
	XML_Parser x = XML_ParserCreate(utf16 ? NULL : "UTF-8");

	if (x == NULL)
		fatalx("out of memory creating the XML parser");
	XML_SetUserData(x, p);
	XML_SetElementHandler(x, on_start, on_end);
	XML_SetCharacterDataHandler(x, on_text);
	XML_SetStartDoctypeDeclHandler(x, on_doctype);
	XML_SetEntityDeclHandler(x, on_entity);
	XML_SetParamEntityParsing(x, XML_PARAM_ENTITY_PARSING_NEVER);
	p->xml = x;
	return 0;
}

agg_parser *
agg_new(const agg_handler *h, const agg_limits *l, int mode)
{
	agg_parser *p = xcalloc(1, sizeof(*p));

	p->h = *h;
	if (l != NULL)
		p->lim = *l;
	else
		agg_limits_default(&p->lim);
	p->mode = mode;
	utf8fix_init(&p->fix);
	dbuf_init(&p->text, p->lim.max_text + 1);
	arena_init(&p->rec_arena, 1 << 20);
	dm_report_init(&p->rep);
	if (mode == AGG_MODE_RECOVER)
		p->rep.recovered = 1;
	return p;
}

/*
 * The encoding, from the first bytes held in p->head: a UTF-16 BOM (FF FE,
 * FE FF) or "<?" in UTF-16 without one (3C 00 3F 00, 00 3C 00 3F: XML 1.0
 * appendix F); anything else is UTF-8 for the repair filter.  Returns 0 while
 * the bytes so far could still start one of these (and more may come), so
 * the answer never depends on how the input is cut into chunks.
 */
static int
sniff_encoding(agg_parser *p, int final)
{
	static const unsigned char le[4] = { 0x3c, 0, 0x3f, 0 }, be[4] = { 0, 0x3c, 0, 0x3f };
	const unsigned char *h = p->head;
	size_t k = p->nhead;

	p->utf16 = AGG_UTF8;
	if (k >= 2 && h[0] == 0xff && h[1] == 0xfe)
		p->utf16 = AGG_UTF16LE;
	else if (k >= 2 && h[0] == 0xfe && h[1] == 0xff)
		p->utf16 = AGG_UTF16BE;
	else if (k >= 4 && memcmp(h, le, 4) == 0)
		p->utf16 = AGG_UTF16LE;
	else if (k >= 4 && memcmp(h, be, 4) == 0)
		p->utf16 = AGG_UTF16BE;
	else if (!final && (k == 0 || (k == 1 && (h[0] == 0xff || h[0] == 0xfe)) ||
	    (k < 4 && (memcmp(h, le, k) == 0 || memcmp(h, be, k) == 0))))
		return 0;
	return 1;
}

/* Bytes after the encoding is known: repair filter, then the XML driver. */
static int
feed_xml(agg_parser *p, const char *buf, size_t n, int final)
{
	const char *q = buf;
	size_t qn = n;

	if (p->stop)
		return p->stop;
	if (p->eof_done)
		return AGG_OK;
	if (!p->utf16)
		q = utf8fix_run(&p->fix, buf, n, final, &qn);
	if (p->mode == AGG_MODE_RECOVER)
		return agg_recover_feed(p, q, qn, final);

	while (qn > 0 || final) {
		int chunk = qn > (1u << 30) ? (1 << 30) : (int)qn;
		enum XML_Status st = XML_Parse(p->xml, q, chunk, final && (size_t)chunk == qn);

		if (p->stop)
			return p->stop;
		if (st == XML_STATUS_ERROR) {
			enum XML_Error e = XML_GetErrorCode(p->xml);
			char msg[200];

			snprintf(msg, sizeof(msg), "XML error at line %lu column %lu: %s",
			    (unsigned long)XML_GetCurrentLineNumber(p->xml),
			    (unsigned long)XML_GetCurrentColumnNumber(p->xml), XML_ErrorString(e));
#ifdef XML_ERROR_AMPLIFICATION_LIMIT_BREACH
			if (e == XML_ERROR_AMPLIFICATION_LIMIT_BREACH) {
				agg_core_fail(p, AGG_ERR_REFUSED, "refused: %s", msg);
				return p->stop;
			}
#endif
			return agg_core_eof(p, 0, msg);
		}
		q += chunk;
		qn -= (size_t)chunk;
		if (qn == 0)
			break;
	}
	if (final)
		return agg_core_eof(p, 1, NULL);
	return AGG_OK;
}

static int
feed(agg_parser *p, const char *buf, size_t n, int final)
{
	if (p->stop)
		return p->stop;
	if (p->eof_done)
		return AGG_OK;	/* complete report; junk after it was noted once */
	if (!p->enc_known) {
		size_t held = p->nhead, take = sizeof(p->head) - held;
		int rc;

		if (take > n)
			take = n;
		if (take > 0)
			memcpy(p->head + held, buf, take);
		p->nhead += take;
		if (!sniff_encoding(p, final))
			return AGG_OK;	/* all of buf is held in p->head */
		p->enc_known = 1;
		if (p->mode == AGG_MODE_STRICT)
			expat_setup(p, p->utf16);
		p->xml_started = 1;
		/* Nothing held from earlier calls: buf goes on in one piece (a
		 * split would delay expat, which defers reparsing a cut token). */
		if (held > 0) {
			rc = feed_xml(p, (const char *)p->head, p->nhead, final && n == take);
			if (rc != AGG_OK || (final && n == take))
				return rc;
			buf += take;
			n -= take;
		}
	}
	return feed_xml(p, buf, n, final);
}

int
agg_feed(agg_parser *p, const char *buf, size_t n)
{
	return feed(p, buf, n, 0);
}

int
agg_finish(agg_parser *p)
{
	if (!p->xml_started && p->nhead == 0 && !p->stop) {
		agg_core_fail(p, AGG_ERR_NOT_REPORT, "empty document");
		return p->stop;
	}
	return feed(p, "", 0, 1);
}

const char *
agg_error(const agg_parser *p)
{
	return p->err;
}

dm_report *
agg_report(agg_parser *p)
{
	return &p->rep;
}

void
agg_free(agg_parser *p)
{
	if (p == NULL)
		return;
	if (p->mode == AGG_MODE_STRICT && p->xml != NULL)
		XML_ParserFree(p->xml);
	else if (p->mode == AGG_MODE_RECOVER)
		agg_recover_free(p);
	utf8fix_free(&p->fix);
	dbuf_free(&p->text);
	arena_free(&p->rec_arena);
	dm_report_free(&p->rep);
	dm_policy_free(&p->extra_policy);
	agg_core_free_held(p);
	free(p);
}
