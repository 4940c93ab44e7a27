/*
 * arf.c - DMARC failure reports (ARF) into an arf_report; see arf.h.
 *
 * All MIME work is GMime's (structure, transfer encodings, charsets, RFC 2047
 * and 2231 words, dates, addresses); HTML is parsed by libxml2's HTML parser;
 * registered domains come from libpsl.  This file walks what they build,
 * applies the caps, and tokenizes decoded text for URLs.
 *
 * Errors: arf_parse() returns DM_KERR_* with a one-line reason; anything it
 * can go on without (a missing Source-IP, a header past the cap) is a
 * warning in the model.  Out of memory is fatal (xmalloc).
 */
#include "arf.h"

#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>
#include <libpsl.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "../util/ipaddr.h"
#include "../util/log.h"
#include "../util/sha256.h"
#include "../util/utf8fix.h"

#define MAX_WARNINGS 40
#define MAX_URL_LEN 2048

void
arf_limits_default(arf_limits *l)
{
	l->max_bytes = 16u << 20;
	l->max_parts = 1000;
	l->max_depth = 8;
	l->max_headers = 300;
	l->max_urls = 500;
	l->max_attachments = 100;
	l->max_text = 64u << 10;
	l->max_html = 4u << 20;
	l->max_value = 2048;
}

/* ---- process-wide: libpsl and libxml2 ------------------------------------------ */

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const psl_ctx_t *psl;

static void
init_once(void)
{
	psl_ctx_t *p = psl_latest(NULL);

	psl = p != NULL ? p : psl_builtin();	/* kept for the process's life */
	xmlInitParser();
}

/* ip_canon() without the family. */
static int
ip_canon1(const char *s, size_t n, char out[IP_STRLEN])
{
	int fam;

	return ip_canon(s, n, out, &fam);
}

/* ---- strings ----------------------------------------------------------------- */

/*
 * A clean copy of s[0..n): valid UTF-8 (GLib replaces bad bytes with U+FFFD),
 * at most max bytes (cut at a character boundary), control characters made
 * spaces except '\n' and '\t' when multiline.  malloc'ed.
 */
static char *
clean(const char *s, size_t n, size_t max, int multiline)
{
	char *v = g_utf8_make_valid(s, (gssize)n);
	size_t len = strlen(v);
	char *r, *w;

	if (len > max)
		len = utf8_clip(v, max);
	r = xmalloc(len + 1);
	w = r;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == '\r' && multiline)
			continue;
		if ((c < 0x20 && !(multiline && (c == '\n' || c == '\t'))) || c == 0x7f)
			c = ' ';
		*w++ = (char)c;
	}
	*w = '\0';
	g_free(v);
	return r;
}

/* A header value: trimmed, one line, capped; NULL for NULL. */
static char *
hval(const char *s, size_t max)
{
	size_t n;

	if (s == NULL)
		return NULL;
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
	    s[n - 1] == '\n'))
		n--;
	return clean(s, n, max, 0);
}

static void
lower(char *s)
{
	for (; s != NULL && *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static const char *
ci_find(const char *h, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; i + k <= n; i++)
		if (g_ascii_strncasecmp(h + i, needle, k) == 0)
			return h + i;
	return NULL;
}

static void
warn(arf_report *r, const char *fmt, ...)
{
	char buf[400];
	va_list ap;

	if (r->nwarnings >= MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	r->warnings = xrealloc(r->warnings, (r->nwarnings + 1) * sizeof(char *));
	r->warnings[r->nwarnings++] = clean(buf, strlen(buf), sizeof(buf), 0);
}

/* ---- URLs -------------------------------------------------------------------- */

static int
is_scheme_char(int c)
{
	return isalnum(c) || c == '+' || c == '-' || c == '.';
}

static int
default_port(const char *scheme, const char *port, size_t n)
{
	return (strcmp(scheme, "http") == 0 && n == 2 && memcmp(port, "80", 2) == 0) ||
	    (strcmp(scheme, "https") == 0 && n == 3 && memcmp(port, "443", 3) == 0) ||
	    (strcmp(scheme, "ftp") == 0 && n == 2 && memcmp(port, "21", 2) == 0);
}

/*
 * The normaliser behind arf_url_normalise: scheme and host lower-cased, a
 * default port dropped, "/" for an empty http(s) path, "www." given
 * "http://".  host (may be NULL) gets the bare host ("" when none); flags
 * gets ARF_URL_SCRIPT/DATA/IP_HOST/USERINFO.
 */
static int
norm_url(const char *in, char *out, size_t outlen, char *host, size_t hostlen,
    unsigned *flags)
{
	size_t n, i = 0, o = 0, hs, he, ps, pe;
	char scheme[24];
	dbuf b;
	const char *rest, *auth_end, *at, *hb, *he_p;
	unsigned fl = 0;

	while (*in == ' ' || *in == '\t' || *in == '\n' || *in == '\r')
		in++;
	n = strlen(in);
	while (n > 0 && (in[n - 1] == ' ' || in[n - 1] == '\t' || in[n - 1] == '\n' ||
	    in[n - 1] == '\r'))
		n--;
	if (host != NULL && hostlen > 0)
		host[0] = '\0';
	if (n == 0 || n > MAX_URL_LEN)
		return -1;
	for (size_t k = 0; k < n; k++)
		if ((unsigned char)in[k] < 0x20 || in[k] == 0x7f || in[k] == ' ')
			return -1;
	if (isalpha((unsigned char)in[0])) {
		while (i < n && i < sizeof(scheme) - 1 && is_scheme_char((unsigned char)in[i]))
			i++;
	}
	if (i > 0 && i < n && in[i] == ':') {
		for (size_t k = 0; k < i; k++)
			scheme[k] = (char)tolower((unsigned char)in[k]);
		scheme[i] = '\0';
		rest = in + i + 1;
	} else if (n > 4 && g_ascii_strncasecmp(in, "www.", 4) == 0) {
		snprintf(scheme, sizeof(scheme), "http");
		rest = NULL;	/* "//" is implied */
	} else
		return -1;
	if (strcmp(scheme, "javascript") == 0 || strcmp(scheme, "vbscript") == 0)
		fl |= ARF_URL_SCRIPT;
	if (strcmp(scheme, "data") == 0)
		fl |= ARF_URL_DATA;

	dbuf_init(&b, MAX_URL_LEN + 64);
	dbuf_addstr(&b, scheme);
	dbuf_addc(&b, ':');
	if (rest == NULL || (in + n - rest >= 2 && rest[0] == '/' && rest[1] == '/')) {
		const char *a = rest == NULL ? in : rest + 2;
		const char *end = in + n;
		const char *port = NULL;

		auth_end = a;
		while (auth_end < end && *auth_end != '/' && *auth_end != '?' && *auth_end != '#' &&
		    *auth_end != '\\')
			auth_end++;
		/* userinfo: up to the last '@' of the authority */
		at = NULL;
		for (const char *c = a; c < auth_end; c++)
			if (*c == '@')
				at = c;
		dbuf_add(&b, "//", 2);
		if (at != NULL) {
			fl |= ARF_URL_USERINFO;
			dbuf_add(&b, a, (size_t)(at + 1 - a));
			hb = at + 1;
		} else
			hb = a;
		if (hb < auth_end && *hb == '[') {
			he_p = memchr(hb, ']', (size_t)(auth_end - hb));
			he_p = he_p != NULL ? he_p + 1 : auth_end;
		} else {
			he_p = memchr(hb, ':', (size_t)(auth_end - hb));
			if (he_p == NULL)
				he_p = auth_end;
		}
		if (he_p < auth_end && *he_p == ':')
			port = he_p + 1;
		hs = b.len;
		for (const char *c = hb; c < he_p; c++)
			dbuf_addc(&b, (char)tolower((unsigned char)*c));
		he = b.len;
		if (port != NULL && !default_port(scheme, port, (size_t)(auth_end - port))) {
			dbuf_addc(&b, ':');
			dbuf_add(&b, port, (size_t)(auth_end - port));
		}
		ps = b.len;
		dbuf_add(&b, auth_end, (size_t)(end - auth_end));
		pe = b.len;
		if (he == hs && (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0 ||
		    strcmp(scheme, "ftp") == 0)) {
			dbuf_free(&b);
			return -1;
		}
		if (pe == ps && (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0))
			dbuf_addc(&b, '/');
		{
			const char *s = dbuf_cstr(&b);
			char ip[IP_STRLEN];
			size_t hl = he - hs;
			const char *h = s + hs;

			if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
				h++;
				hl -= 2;
			}
			if (hl > 0 && ip_canon1(h, hl, ip) == 0)
				fl |= ARF_URL_IP_HOST;
			if (host != NULL && hostlen > 0) {
				if (hl >= hostlen)
					hl = hostlen - 1;
				memcpy(host, h, hl);
				host[hl] = '\0';
			}
		}
	} else
		dbuf_add(&b, rest, (size_t)(in + n - rest));
	o = b.len;
	if (o + 1 > outlen || b.len == 0) {
		dbuf_free(&b);
		return -1;
	}
	memcpy(out, dbuf_cstr(&b), o + 1);
	dbuf_free(&b);
	if (flags != NULL)
		*flags = fl;
	return 0;
}

int
arf_url_normalise(const char *in, char *out, size_t outlen)
{
	return norm_url(in, out, outlen, NULL, 0, NULL);
}

int
arf_defang(const char *url, char *out, size_t outlen)
{
	dbuf b;
	const char *p = url, *colon = strchr(url, ':');
	size_t sl = colon != NULL ? (size_t)(colon - url) : 0;
	int rc = 0;

	if (outlen == 0)
		return -1;
	dbuf_init(&b, strlen(url) * 3 + 16);	/* "[.]" for each byte at most */
	if (colon != NULL && colon[1] == '/' && colon[2] == '/' && sl > 0 && sl < 16) {
		/* scheme with its t's made x's (http -> hxxp, ftp -> fxp) */
		for (size_t i = 0; i < sl; i++) {
			char c = url[i];

			dbuf_addc(&b, c == 't' ? 'x' : c == 'T' ? 'X' : c);
		}
		dbuf_add(&b, "://", 3);
		p = colon + 3;
		for (; *p && *p != '/' && *p != '?' && *p != '#'; p++) {
			if (*p == '.')
				dbuf_add(&b, "[.]", 3);
			else if (*p == '@')
				dbuf_add(&b, "[@]", 3);
			else
				dbuf_addc(&b, *p);
		}
		dbuf_addstr(&b, p);
	} else if (colon != NULL && sl > 0) {
		dbuf_add(&b, url, sl);
		dbuf_add(&b, "[:]", 3);
		dbuf_addstr(&b, colon + 1);
	} else {
		for (; *p && *p != '/'; p++) {
			if (*p == '.')
				dbuf_add(&b, "[.]", 3);
			else
				dbuf_addc(&b, *p);
		}
		dbuf_addstr(&b, p);
	}
	if (b.len + 1 > outlen) {
		rc = -1;
		b.len = utf8_clip(dbuf_cstr(&b), outlen - 1);
	}
	memcpy(out, dbuf_cstr(&b), b.len);
	out[b.len] = '\0';
	dbuf_free(&b);
	return rc;
}

static int
url_stop(unsigned char c)
{
	return c <= 0x20 || c == 0x7f || strchr("<>\"'`{}|\\^", c) != NULL;
}

void
arf_urls_from_text(const char *t, size_t n, arf_url_cb cb, void *ctx)
{
	static const char *const starts[] = { "https://", "http://", "ftp://", "www." };
	size_t i = 0;

	while (i < n) {
		size_t k = 0, j, len;
		int hit = -1;

		if (i > 0 && (isalnum((unsigned char)t[i - 1]) || t[i - 1] == '.' ||
		    t[i - 1] == '/' || t[i - 1] == '@')) {
			i++;
			continue;
		}
		for (k = 0; k < sizeof(starts) / sizeof(starts[0]); k++) {
			size_t sl = strlen(starts[k]);

			if (n - i > sl && g_ascii_strncasecmp(t + i, starts[k], sl) == 0) {
				hit = (int)sl;
				break;
			}
		}
		if (hit < 0) {
			i++;
			continue;
		}
		j = i;
		while (j < n && !url_stop((unsigned char)t[j]))
			j++;
		len = j - i;
		/* trailing punctuation belongs to the sentence */
		while (len > (size_t)hit) {
			char c = t[i + len - 1];

			if (strchr(".,;:!?", c) != NULL ||
			    (c == ')' && memchr(t + i, '(', len) == NULL) ||
			    (c == ']' && memchr(t + i, '[', len) == NULL))
				len--;
			else
				break;
		}
		if (len > (size_t)hit)
			cb(ctx, t + i, len);
		i = j > i ? j : i + 1;
	}
}

/* ---- the parse state ------------------------------------------------------------ */

typedef struct pstate {
	arf_report *r;
	const arf_limits *lim;
	GHashTable *urlidx;	/* normalised URL -> index + 1 */
	unsigned url_from;	/* ARF_URL_FROM_* for what is being scanned */
} pstate;

static void
add_url(pstate *ps, const char *raw, size_t n)
{
	char buf[MAX_URL_LEN + 1], norm[MAX_URL_LEN + 64], host[300];
	unsigned fl = 0;
	gpointer v;
	arf_report *r = ps->r;
	arf_url *u;

	if (n > MAX_URL_LEN)
		n = MAX_URL_LEN;
	memcpy(buf, raw, n);
	buf[n] = '\0';
	if (norm_url(buf, norm, sizeof(norm), host, sizeof(host), &fl) != 0)
		return;
	fl |= ps->url_from;
	if (!g_utf8_validate(norm, -1, NULL)) {
		char *c = clean(norm, strlen(norm), sizeof(norm) - 1, 0);

		snprintf(norm, sizeof(norm), "%s", c);
		free(c);
	}
	if ((v = g_hash_table_lookup(ps->urlidx, norm)) != NULL) {
		u = &r->urls[GPOINTER_TO_UINT(v) - 1];
		u->count++;
		u->flags |= fl;
		return;
	}
	if (r->nurls >= ps->lim->max_urls) {
		r->urls_dropped++;
		return;
	}
	r->urls = xrealloc(r->urls, (r->nurls + 1) * sizeof(*r->urls));
	u = &r->urls[r->nurls];
	memset(u, 0, sizeof(*u));
	u->url = xstrdup(norm);
	u->count = 1;
	u->flags = fl;
	if (host[0] != '\0') {
		const char *reg;

		u->host = clean(host, strlen(host), sizeof(host), 0);
		if (!(fl & ARF_URL_IP_HOST) && (reg = psl_registrable_domain(psl, u->host)) != NULL)
			u->regdom = xstrdup(reg);
	}
	if (fl & ARF_URL_SCRIPT)
		r->flags |= ARF_F_SCRIPT_URL;
	r->nurls++;
	g_hash_table_insert(ps->urlidx, g_strdup(norm), GUINT_TO_POINTER(r->nurls));
}

static void
url_cb(void *ctx, const char *url, size_t len)
{
	add_url(ctx, url, len);
}

/* ---- HTML (libxml2) -------------------------------------------------------------- */

static int
url_attr(const char *name)
{
	static const char *const names[] = { "href", "src", "action", "formaction",
	    "background", "poster", "cite", "data", "longdesc", "lowsrc", "dynsrc",
	    "codebase", "manifest", "ping", NULL };

	for (int i = 0; names[i] != NULL; i++)
		if (g_ascii_strcasecmp(name, names[i]) == 0)
			return 1;
	return 0;
}

static void
html_walk(pstate *ps, xmlDoc *doc, xmlNode *node, int depth)
{
	for (xmlNode *n = node; n != NULL; n = n->next) {
		if (n->type == XML_TEXT_NODE && n->content != NULL) {
			arf_urls_from_text((const char *)n->content, strlen((const char *)n->content),
			    url_cb, ps);
			continue;
		}
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (n->name != NULL && g_ascii_strcasecmp((const char *)n->name, "script") == 0)
			ps->r->flags |= ARF_F_HTML_SCRIPT;
		for (xmlAttr *a = n->properties; a != NULL; a = a->next) {
			xmlChar *v;

			if (a->name == NULL)
				continue;
			if (g_ascii_strncasecmp((const char *)a->name, "on", 2) == 0)
				ps->r->flags |= ARF_F_HTML_EVENT;
			if (!url_attr((const char *)a->name))
				continue;
			v = xmlNodeListGetString(doc, a->children, 1);
			if (v != NULL) {
				add_url(ps, (const char *)v, strlen((const char *)v));
				xmlFree(v);
			}
		}
		/* <meta http-equiv=refresh content="0; url=..."> */
		if (g_ascii_strcasecmp((const char *)n->name, "meta") == 0) {
			xmlChar *c = xmlGetProp(n, (const xmlChar *)"content");

			if (c != NULL) {
				const char *u = ci_find((const char *)c, strlen((const char *)c), "url=");

				if (u != NULL)
					add_url(ps, u + 4, strlen(u + 4));
				xmlFree(c);
			}
		}
		if (depth < 256)
			html_walk(ps, doc, n->children, depth + 1);
	}
}

static void
scan_html(pstate *ps, const char *html, size_t n)
{
	xmlDoc *doc;

	if (n > ps->lim->max_html) {
		warn(ps->r, "an HTML part of %zu bytes: only its first %zu bytes were searched "
		    "for URLs", n, ps->lim->max_html);
		n = utf8_clip(html, ps->lim->max_html);
	}
	doc = htmlReadMemory(html, (int)n, NULL, "UTF-8", HTML_PARSE_NONET | HTML_PARSE_NOERROR |
	    HTML_PARSE_NOWARNING | HTML_PARSE_RECOVER);
	if (doc == NULL) {
		warn(ps->r, "an HTML part could not be parsed: no URLs taken from it");
		return;
	}
	ps->url_from = ARF_URL_FROM_HTML;
	html_walk(ps, doc, xmlDocGetRootElement(doc), 0);
	xmlFreeDoc(doc);
}

/* ---- GMime helpers -------------------------------------------------------------- */

static GByteArray *
object_bytes(GMimeObject *o)
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

static char *
ctype_of(GMimeObject *o)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);
	char *t = ct != NULL ? g_mime_content_type_get_mime_type(ct) : NULL;
	char *r = clean(t != NULL ? t : "text/plain", strlen(t != NULL ? t : "text/plain"), 200, 0);

	g_free(t);
	lower(r);
	return r;
}

static int
is_attachment_disp(GMimeObject *o)
{
	const char *d = g_mime_object_get_disposition(o);

	return d != NULL && g_ascii_strcasecmp(d, "attachment") == 0;
}

/* Parts and depth of the whole tree, forwarded messages included. */
static int
count_tree(GMimeObject *o, unsigned depth, const arf_limits *lim, unsigned *parts,
    char *err, size_t errlen)
{
	if (o == NULL)
		return 0;
	if (++*parts > lim->max_parts) {
		snprintf(err, errlen, "refused: the message has more than %u MIME parts (the cap "
		    "for a failure report)", lim->max_parts);
		return -1;
	}
	if (depth > lim->max_depth) {
		snprintf(err, errlen, "refused: MIME parts nested more than %u deep (the cap for "
		    "a failure report)", lim->max_depth);
		return -1;
	}
	if (GMIME_IS_MULTIPART(o)) {
		GMimeMultipart *mp = GMIME_MULTIPART(o);
		int n = g_mime_multipart_get_count(mp);

		for (int i = 0; i < n; i++)
			if (count_tree(g_mime_multipart_get_part(mp, i), depth + 1, lim, parts, err,
			    errlen) != 0)
				return -1;
	} else if (GMIME_IS_MESSAGE_PART(o)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));

		if (m != NULL)
			return count_tree(g_mime_message_get_mime_part(m), depth + 1, lim, parts,
			    err, errlen);
	}
	return 0;
}

static char *
date_iso(GDateTime *dt, int64_t *unix_time)
{
	GDateTime *u;
	char *s, *r;

	if (dt == NULL)
		return NULL;
	u = g_date_time_to_utc(dt);
	s = g_date_time_format(u, "%Y-%m-%dT%H:%M:%SZ");
	if (unix_time != NULL)
		*unix_time = g_date_time_to_unix(u);
	r = s != NULL ? xstrdup(s) : NULL;
	g_free(s);
	g_date_time_unref(u);
	return r;
}

/* The first mailbox of an address list as "local@domain", lower case. */
static char *
first_addr(InternetAddressList *l, size_t max)
{
	int n = l != NULL ? internet_address_list_length(l) : 0;

	for (int i = 0; i < n; i++) {
		InternetAddress *a = internet_address_list_get_address(l, i);

		if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
			const char *s = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));

			if (s != NULL && *s) {
				char *r = hval(s, max);

				lower(r);
				return r;
			}
		}
	}
	return NULL;
}

static char *
addr_list_str(InternetAddressList *l, size_t max)
{
	char *s;
	char *r;

	if (l == NULL || internet_address_list_length(l) == 0)
		return NULL;
	s = internet_address_list_to_string(l, NULL, FALSE);
	r = hval(s, max);
	g_free(s);
	return r;
}

/* Does s hold something like an HTML tag ("<script", "</b", "<!--")?  An
 * address in angle brackets ("Name <a@b.example>") is not one. */
static int
has_markup(const char *s)
{
	for (const char *p = s; p != NULL && *p; p++) {
		const char *e;

		if (p[0] != '<' || !(isalpha((unsigned char)p[1]) || p[1] == '/' || p[1] == '!'))
			continue;
		e = strchr(p, '>');
		if (e == NULL || memchr(p, '@', (size_t)(e - p)) == NULL)
			return 1;
	}
	return 0;
}

/* ---- the feedback-report fields --------------------------------------------------- */

static void
set_field(char **slot, const char *v, size_t max)
{
	if (*slot == NULL)
		*slot = hval(v, max);
}

static void
feedback_fields(pstate *ps, GMimeObject *fb)
{
	arf_report *r = ps->r;
	GByteArray *ba = object_bytes(fb);
	GMimeMessage *m;
	GMimeHeaderList *hl;
	size_t max = ps->lim->max_value;
	int n;

	/* the part is a header block: GMime reads it as a message's header */
	g_byte_array_append(ba, (const guint8 *)"\n\n", 2);
	m = parse_message(ba->data, ba->len);
	g_byte_array_free(ba, TRUE);
	if (m == NULL) {
		warn(r, "the message/feedback-report part could not be read");
		return;
	}
	hl = g_mime_object_get_header_list(GMIME_OBJECT(m));
	n = hl != NULL ? g_mime_header_list_get_count(hl) : 0;
	if ((unsigned)n > ps->lim->max_headers) {
		warn(r, "the feedback-report part has %d fields: only the first %u were read", n,
		    ps->lim->max_headers);
		n = (int)ps->lim->max_headers;
	}
	for (int i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		const char *name = g_mime_header_get_name(h), *v = g_mime_header_get_value(h);
		static const struct { const char *name; size_t off; } map[] = {
#define F(n, f) { n, offsetof(arf_report, f) }
			F("Feedback-Type", feedback_type), F("Version", version),
			F("User-Agent", user_agent), F("Auth-Failure", auth_failure),
			F("Identity-Alignment", identity_alignment),
			F("Reported-Domain", reported_domain), F("Source-IP", source_ip),
			F("Arrival-Date", arrival_date_raw), F("Received-Date", arrival_date_raw),
			F("Original-Mail-From", original_mail_from),
			F("Reporting-MTA", reporting_mta), F("Delivery-Result", delivery_result),
			F("Authentication-Results", authentication_results),
			F("Original-Envelope-Id", original_envelope_id),
			F("Message-ID", feedback_message_id),
			F("DKIM-Domain", dkim_domain), F("DKIM-Identity", dkim_identity),
			F("DKIM-Selector", dkim_selector),
			F("DKIM-Canonicalized-Header", dkim_canon_header),
			F("DKIM-Canonicalized-Body", dkim_canon_body), F("SPF-DNS", spf_dns),
#undef F
		};

		if (name == NULL || v == NULL)
			continue;
		if (g_ascii_strcasecmp(name, "Original-Rcpt-To") == 0) {
			char *nv = hval(v, max);

			if (*nv == '\0') {
				free(nv);
			} else if (r->original_rcpt_to == NULL) {
				r->original_rcpt_to = nv;
			} else if (strlen(r->original_rcpt_to) + strlen(nv) + 2 < max) {
				size_t jn = strlen(r->original_rcpt_to) + strlen(nv) + 3;
				char *j = xmalloc(jn);

				snprintf(j, jn, "%s, %s", r->original_rcpt_to, nv);
				free(r->original_rcpt_to);
				free(nv);
				r->original_rcpt_to = j;
			} else
				free(nv);
			continue;
		}
		for (size_t k = 0; k < sizeof(map) / sizeof(map[0]); k++)
			if (g_ascii_strcasecmp(name, map[k].name) == 0) {
				set_field((char **)((char *)r + map[k].off), v, max);
				break;
			}
	}
	g_object_unref(m);
}

/* ---- the sample -------------------------------------------------------------------- */

static const char *const exec_ext[] = { "exe", "scr", "com", "pif", "bat", "cmd", "js", "jse",
    "vbs", "vbe", "wsf", "wsh", "hta", "jar", "msi", "msp", "ps1", "lnk", "cpl", "dll",
    "reg", "iso", "img", "vhd", "docm", "xlsm", "pptm", "apk", "app", "sh", NULL };

static unsigned
name_flags(const char *name)
{
	const char *dot, *prev = NULL;
	unsigned fl = 0;

	if (name == NULL || (dot = strrchr(name, '.')) == NULL)
		return 0;
	for (int i = 0; exec_ext[i] != NULL; i++)
		if (g_ascii_strcasecmp(dot + 1, exec_ext[i]) == 0)
			fl |= ARF_ATT_EXECUTABLE;
	for (const char *p = name; p < dot; p++)
		if (*p == '.')
			prev = p;
	/* a second extension of 2-4 letters before an executable one */
	if ((fl & ARF_ATT_EXECUTABLE) && prev != NULL && dot - prev >= 3 && dot - prev <= 5)
		fl |= ARF_ATT_DOUBLE_EXT;
	return fl;
}

static void
add_attachment(pstate *ps, GMimeObject *o, const char *ctype)
{
	arf_report *r = ps->r;
	arf_attachment *a;
	GByteArray *ba;
	const char *fn = GMIME_IS_PART(o) ? g_mime_part_get_filename(GMIME_PART(o)) : NULL;

	if (r->natts >= ps->lim->max_attachments) {
		if (r->atts_dropped++ == 0)
			warn(r, "more than %u attachments: the rest are not listed",
			    ps->lim->max_attachments);
		return;
	}
	ba = object_bytes(o);
	r->atts = xrealloc(r->atts, (r->natts + 1) * sizeof(*r->atts));
	a = &r->atts[r->natts++];
	memset(a, 0, sizeof(*a));
	a->name = fn != NULL ? hval(fn, 255) : NULL;
	a->content_type = xstrdup(ctype);
	a->size = ba->len;
	sha256_hex(ba->len > 0 ? (const void *)ba->data : "", ba->len, a->sha256);
	a->flags = name_flags(a->name);
	if (a->flags & ARF_ATT_EXECUTABLE)
		r->flags |= ARF_F_EXECUTABLE;
	g_byte_array_free(ba, TRUE);
}

static void
sample_walk(pstate *ps, GMimeObject *o, unsigned depth)
{
	char *ctype;

	if (o == NULL || depth > ps->lim->max_depth)
		return;
	if (GMIME_IS_MULTIPART(o)) {
		GMimeMultipart *mp = GMIME_MULTIPART(o);
		int n = g_mime_multipart_get_count(mp);

		for (int i = 0; i < n; i++)
			sample_walk(ps, g_mime_multipart_get_part(mp, i), depth + 1);
		return;
	}
	ctype = ctype_of(o);
	if (GMIME_IS_MESSAGE_PART(o)) {
		/* a message forwarded inside the sample: an attachment to list,
		 * and its text searched for URLs too */
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));

		add_attachment(ps, o, ctype);
		if (m != NULL)
			sample_walk(ps, g_mime_message_get_mime_part(m), depth + 1);
	} else if (GMIME_IS_TEXT_PART(o) && !is_attachment_disp(o) &&
	    (strcmp(ctype, "text/plain") == 0 || strcmp(ctype, "text/html") == 0)) {
		char *t = g_mime_text_part_get_text(GMIME_TEXT_PART(o));
		char *u = t != NULL ? clean(t, strlen(t), SIZE_MAX - 1, 1) : xstrdup("");

		g_free(t);
		if (strcmp(ctype, "text/html") == 0) {
			ps->r->flags |= ARF_F_HTML;
			scan_html(ps, u, strlen(u));
		} else {
			size_t n = strlen(u);

			ps->url_from = ARF_URL_FROM_TEXT;
			arf_urls_from_text(u, n > ps->lim->max_html ? ps->lim->max_html : n, url_cb,
			    ps);
			if (ps->r->text_body == NULL) {
				if (n > ps->lim->max_text) {
					ps->r->text_truncated = 1;
					n = utf8_clip(u, ps->lim->max_text);
				}
				ps->r->text_body = xstrndup(u, n);
			}
		}
		free(u);
	} else if (GMIME_IS_PART(o))
		add_attachment(ps, o, ctype);
	free(ctype);
}

/* The sample's header block and its main fields. */
static void
sample_headers(pstate *ps, GMimeMessage *m)
{
	arf_report *r = ps->r;
	GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(m));
	int n = hl != NULL ? g_mime_header_list_get_count(hl) : 0;
	const char *s;
	GDateTime *dt;

	if ((unsigned)n > ps->lim->max_headers) {
		warn(r, "the sample has %d header fields: only the first %u are kept", n,
		    ps->lim->max_headers);
		n = (int)ps->lim->max_headers;
	}
	r->headers = n > 0 ? xcalloc((size_t)n, sizeof(*r->headers)) : NULL;
	for (int i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		const char *name = g_mime_header_get_name(h), *v = g_mime_header_get_value(h);

		r->headers[r->nheaders].name = hval(name != NULL ? name : "", 200);
		r->headers[r->nheaders].value = hval(v != NULL ? v : "", ps->lim->max_value);
		r->nheaders++;
	}
	r->s_from = addr_list_str(g_mime_message_get_from(m), ps->lim->max_value);
	r->s_to = addr_list_str(g_mime_message_get_to(m), ps->lim->max_value);
	if ((s = g_mime_message_get_subject(m)) != NULL)
		r->s_subject = hval(s, ps->lim->max_value);
	if ((s = g_mime_message_get_message_id(m)) != NULL && *s)
		r->s_message_id = hval(s, 998);
	if ((s = g_mime_object_get_header(GMIME_OBJECT(m), "Return-Path")) != NULL)
		r->s_return_path = hval(s, ps->lim->max_value);
	if ((dt = g_mime_message_get_date(m)) != NULL)
		r->s_date = date_iso(dt, NULL);
}

/* ---- Source-IP from the sample's Received headers ----------------------------------- */

static int
ip_token(const char *s, size_t n, char out[IP_STRLEN])
{
	int fam = 0;

	if (n > 5 && g_ascii_strncasecmp(s, "IPv6:", 5) == 0) {
		s += 5;
		n -= 5;
	}
	if (ip_canon(s, n, out, &fam) == 0)
		return strcmp(out, "127.0.0.1") != 0 && strcmp(out, "::1") != 0 ? 0 : -1;
	/* "10.10.10.10:4227" */
	if (memchr(s, '.', n) != NULL) {
		const char *c = memchr(s, ':', n);

		if (c != NULL && ip_canon(s, (size_t)(c - s), out, &fam) == 0)
			return strcmp(out, "127.0.0.1") != 0 ? 0 : -1;
	}
	return -1;
}

/* The connecting IP of one Received value: an address literal in its
 * "from" clause, [bracketed] first, then (parenthesised) words. */
static int
received_ip(const char *v, char out[IP_STRLEN])
{
	const char *by = ci_find(v, strlen(v), " by ");
	size_t n = by != NULL ? (size_t)(by - v) : strlen(v);

	while (*v == ' ' || *v == '\t')
		v++, n = n > 0 ? n - 1 : 0;
	if (n < 5 || g_ascii_strncasecmp(v, "from", 4) != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (v[i] == '[') {
			const char *e = memchr(v + i, ']', n - i);

			if (e != NULL && ip_token(v + i + 1, (size_t)(e - v - i - 1), out) == 0)
				return 0;
		}
	for (size_t i = 0; i < n;) {
		size_t j;

		while (i < n && strchr(" \t()[]", v[i]) != NULL)
			i++;
		j = i;
		while (j < n && strchr(" \t()[]", v[j]) == NULL)
			j++;
		if (j > i && ip_token(v + i, j - i, out) == 0)
			return 0;
		i = j;
	}
	return -1;
}

static void
source_ip_from_received(arf_report *r)
{
	char ip[IP_STRLEN];

	for (unsigned i = 0; i < r->nheaders; i++)
		if (g_ascii_strcasecmp(r->headers[i].name, "Received") == 0 &&
		    received_ip(r->headers[i].value, ip) == 0) {
			free(r->source_ip);
			r->source_ip = xstrdup(ip);
			r->source_ip_from = "received";
			warn(r, "the report gives no Source-IP: %s was taken from the sample's "
			    "Received header number %u", ip, i + 1);
			return;
		}
}

/* ---- no ARF part: the text of an Exim-style report ----------------------------------- */

static const char *
text_value(const char *t, const char *key, size_t *len)
{
	size_t kl = strlen(key);

	for (const char *line = t; line != NULL && *line;) {
		const char *nl = strchr(line, '\n');
		size_t ll = nl != NULL ? (size_t)(nl - line) : strlen(line);
		const char *s = line;

		while (s < line + ll && (*s == ' ' || *s == '\t'))
			s++;
		if ((size_t)(line + ll - s) > kl && g_ascii_strncasecmp(s, key, kl) == 0) {
			s += kl;
			while (s < line + ll && (*s == ' ' || *s == '\t'))
				s++;
			*len = (size_t)(line + ll - s);
			while (*len > 0 && (s[*len - 1] == '\r' || s[*len - 1] == ' '))
				(*len)--;
			return s;
		}
		line = nl != NULL ? nl + 1 : NULL;
	}
	return NULL;
}

/* Where a copy of the original headers starts inside a text body: the first
 * line, after a blank or "----" line, that opens with a usual header field. */
static const char *
embedded_headers(const char *t)
{
	static const char *const first[] = { "Received:", "Return-Path:", "Message-ID:",
	    "From:", "Date:", "Subject:", "DKIM-Signature:", "Authentication-Results:", NULL };
	int after_break = 1;

	for (const char *line = t; line != NULL && *line;) {
		const char *nl = strchr(line, '\n');
		size_t ll = nl != NULL ? (size_t)(nl - line) : strlen(line);

		if (after_break)
			for (int i = 0; first[i] != NULL; i++)
				if (ll >= strlen(first[i]) &&
				    g_ascii_strncasecmp(line, first[i], strlen(first[i])) == 0)
					return line;
		after_break = ll == 0 || (ll == 1 && line[0] == '\r') ||
		    (ll >= 4 && strncmp(line, "----", 4) == 0);
		line = nl != NULL ? nl + 1 : NULL;
	}
	return NULL;
}

static void
no_arf_text(pstate *ps, const char *text, GMimeMessage **sample)
{
	arf_report *r = ps->r;
	const char *v, *h;
	size_t n;
	char ip[IP_STRLEN];

	if ((v = text_value(text, "Sender Domain:", &n)) != NULL && n > 0)
		r->reported_domain = clean(v, n, ps->lim->max_value, 0);
	if ((v = text_value(text, "Sender IP Address:", &n)) != NULL && n > 0) {
		if (ip_canon1(v, n, ip) == 0) {
			r->source_ip = xstrdup(ip);
			r->source_ip_from = "text";
		} else
			warn(r, "the text's Sender IP Address is not an IP address");
	}
	if ((v = text_value(text, "Received date:", &n)) != NULL && n > 0)
		r->arrival_date_raw = clean(v, n, ps->lim->max_value, 0);
	/* "SPF Alignment: no" / "DKIM Alignment: yes" as Identity-Alignment */
	{
		size_t sn = 0, dn = 0;
		const char *sv = text_value(text, "SPF Alignment:", &sn);
		const char *dv = text_value(text, "DKIM Alignment:", &dn);
		int sy = sv != NULL && sn >= 3 && g_ascii_strncasecmp(sv, "yes", 3) == 0;
		int dy = dv != NULL && dn >= 3 && g_ascii_strncasecmp(dv, "yes", 3) == 0;

		if (sv != NULL || dv != NULL)
			r->identity_alignment = xstrdup(sy && dy ? "spf,dkim" : sy ? "spf" :
			    dy ? "dkim" : "none");
	}
	if (*sample == NULL && (h = embedded_headers(text)) != NULL) {
		size_t hl = strlen(h);
		unsigned char *buf = xmalloc(hl + 2);

		memcpy(buf, h, hl);
		memcpy(buf + hl, "\n\n", 2);
		*sample = parse_message(buf, hl + 2);
		free(buf);
		if (*sample != NULL)
			r->sample_kind = ARF_SAMPLE_TEXT;
	}
}

/* ---- the whole report ---------------------------------------------------------------- */

typedef struct found {
	GMimeObject *feedback;	/* message/feedback-report */
	GMimeObject *sample;	/* message/rfc822, text/rfc822-headers */
	GMimeObject *text;	/* the first text/plain: the human-readable part */
} found;

static void
find_parts(GMimeObject *o, found *f, unsigned depth)
{
	char *ct;

	if (o == NULL || depth > 16)
		return;
	if (GMIME_IS_MULTIPART(o)) {
		GMimeMultipart *mp = GMIME_MULTIPART(o);
		int n = g_mime_multipart_get_count(mp);

		for (int i = 0; i < n; i++)
			find_parts(g_mime_multipart_get_part(mp, i), f, depth + 1);
		return;
	}
	ct = ctype_of(o);
	if (strcmp(ct, "message/feedback-report") == 0) {
		if (f->feedback == NULL)
			f->feedback = o;
	} else if (strcmp(ct, "message/rfc822") == 0 || strcmp(ct, "message/global") == 0 ||
	    strcmp(ct, "text/rfc822-headers") == 0 ||
	    strcmp(ct, "message/global-headers") == 0) {
		if (f->sample == NULL)
			f->sample = o;
	} else if (strcmp(ct, "text/plain") == 0 && f->text == NULL)
		f->text = o;
	free(ct);
}

static int64_t
parse_date(const char *s)
{
	GDateTime *dt;
	int64_t t;

	if (s == NULL || *s == '\0' || (dt = g_mime_utils_header_decode_date(s)) == NULL)
		return -1;
	t = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return t;
}

int
arf_parse(const unsigned char *p, size_t n, const arf_limits *lim_in, arf_report **out,
    char *err, size_t errlen)
{
	arf_limits lim;
	arf_report *r;
	GMimeMessage *m, *sample = NULL;
	GMimeObject *top;
	found f = { NULL, NULL, NULL };
	pstate ps;
	unsigned parts = 0;
	const char *s;
	char *text = NULL;
	GDateTime *dt;
	int own_sample = 0;
	char bytes_hex[SHA256_HEXLEN];

	*out = NULL;
	pthread_once(&once, init_once);
	if (lim_in != NULL)
		lim = *lim_in;
	else
		arf_limits_default(&lim);
	if (n > lim.max_bytes) {
		snprintf(err, errlen, "refused: the message is %zu bytes, over the %zu-byte cap "
		    "for a failure report", n, lim.max_bytes);
		return DM_KERR_LIMIT;
	}
	sha256_hex(p, n, bytes_hex);
	/* an mbox "From " line before the header */
	if (n >= 5 && memcmp(p, "From ", 5) == 0) {
		const unsigned char *nl = memchr(p, '\n', n);

		if (nl == NULL)
			nl = p + n - 1;
		n -= (size_t)(nl + 1 - p);
		p = nl + 1;
	}
	m = parse_message(p, n);
	if (m == NULL) {
		snprintf(err, errlen, "not a parseable e-mail message");
		return DM_KERR_SYNTAX;
	}
	top = g_mime_message_get_mime_part(m);
	if (count_tree(top, 0, &lim, &parts, err, errlen) != 0) {
		g_object_unref(m);
		return DM_KERR_LIMIT;
	}
	find_parts(top, &f, 0);
	if (f.text != NULL && GMIME_IS_TEXT_PART(f.text)) {
		char *t = g_mime_text_part_get_text(GMIME_TEXT_PART(f.text));

		if (t != NULL) {
			text = clean(t, strlen(t), lim.max_html, 1);
			g_free(t);
		}
	}
	if (f.feedback == NULL) {
		s = g_mime_message_get_subject(m);
		/* no ARF part: a DMARC failure report only when it says so and
		 * carries something to report */
		if (!((s != NULL && ci_find(s, strlen(s), "dmarc") != NULL) ||
		    (text != NULL && ci_find(text, strlen(text), "dmarc") != NULL)) ||
		    (f.sample == NULL && (text == NULL || embedded_headers(text) == NULL))) {
			snprintf(err, errlen, "not a failure report: no message/feedback-report "
			    "part and no DMARC failure text with the original headers");
			free(text);
			g_object_unref(m);
			return DM_KERR_NOT_REPORT;
		}
	}

	r = xcalloc(1, sizeof(*r));
	r->arrival_time = -1;
	r->parts = parts;
	memcpy(r->bytes_sha256, bytes_hex, sizeof(r->bytes_sha256));
	memset(&ps, 0, sizeof(ps));
	ps.r = r;
	ps.lim = &lim;
	ps.urlidx = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	/* the report message itself */
	r->reporter = first_addr(g_mime_message_get_from(m), 320);
	if ((s = g_mime_message_get_subject(m)) != NULL)
		r->report_subject = hval(s, lim.max_value);
	if ((s = g_mime_message_get_message_id(m)) != NULL && *s)
		r->report_message_id = hval(s, 998);
	if ((dt = g_mime_message_get_date(m)) != NULL)
		r->report_date = date_iso(dt, NULL);

	if (f.feedback != NULL) {
		r->has_arf_part = 1;
		feedback_fields(&ps, f.feedback);
		if (r->source_ip != NULL)
			r->source_ip_from = "feedback-report";
	} else
		warn(r, "no message/feedback-report part: the fields were taken from the "
		    "text and the original headers");

	/* the sample */
	if (f.sample != NULL) {
		if (GMIME_IS_MESSAGE_PART(f.sample)) {
			sample = g_mime_message_part_get_message(GMIME_MESSAGE_PART(f.sample));
			r->sample_kind = ARF_SAMPLE_MESSAGE;
		} else {
			/* text/rfc822-headers, or a message/rfc822 GMime left as a leaf
			 * (an encoded one): its decoded bytes are a message */
			GByteArray *ba = object_bytes(f.sample);
			char *ct = ctype_of(f.sample);

			g_byte_array_append(ba, (const guint8 *)"\n", 1);
			sample = parse_message(ba->data, ba->len);
			g_byte_array_free(ba, TRUE);
			own_sample = sample != NULL;
			r->sample_kind = strstr(ct, "headers") != NULL ? ARF_SAMPLE_HEADERS :
			    ARF_SAMPLE_MESSAGE;
			free(ct);
		}
	}
	if (f.feedback == NULL && text != NULL) {
		GMimeMessage *before = sample;

		no_arf_text(&ps, text, &sample);
		own_sample = own_sample || (sample != NULL && sample != before);
	}
	if (sample != NULL) {
		unsigned sparts = 0;
		char e2[200];

		sample_headers(&ps, sample);
		if (r->sample_kind == ARF_SAMPLE_MESSAGE) {
			if (count_tree(g_mime_message_get_mime_part(sample), 1, &lim, &sparts, e2,
			    sizeof(e2)) != 0)
				warn(r, "the sample: %s; its body was not searched", e2);
			else
				sample_walk(&ps, g_mime_message_get_mime_part(sample), 1);
		}
	} else {
		r->sample_kind = ARF_SAMPLE_NONE;
		warn(r, "the report carries no sample of the failed message");
	}

	/* what it is */
	if (r->feedback_type != NULL) {
		r->kind = xstrdup(r->feedback_type);
		lower(r->kind);
	} else
		r->kind = xstrdup("auth-failure");
	r->is_dmarc_failure = strcmp(r->kind, "auth-failure") == 0;
	if (!r->is_dmarc_failure)
		warn(r, "Feedback-Type '%.40s': kept as such, not a DMARC failure report",
		    r->kind);

	/* Source-IP: canonical, or from the sample's Received headers */
	if (r->source_ip != NULL) {
		char ip[IP_STRLEN];

		if (ip_canon1(r->source_ip, strlen(r->source_ip), ip) == 0) {
			free(r->source_ip);
			r->source_ip = xstrdup(ip);
		} else {
			warn(r, "Source-IP '%.60s' is not an IP address", r->source_ip);
			free(r->source_ip);
			r->source_ip = NULL;
			r->source_ip_from = NULL;
		}
	}
	if (r->source_ip == NULL)
		source_ip_from_received(r);
	if (r->source_ip == NULL)
		warn(r, "no source IP: neither a Source-IP field nor an address in the "
		    "sample's Received headers");

	/* the arrival time: Arrival-Date, else the sample's Date */
	r->arrival_time = parse_date(r->arrival_date_raw);
	if (r->arrival_time < 0 && sample != NULL && (dt = g_mime_message_get_date(sample)) != NULL)
		free(date_iso(dt, &r->arrival_time));
	if (r->arrival_date_raw != NULL && parse_date(r->arrival_date_raw) < 0)
		warn(r, "Arrival-Date '%.60s' is not a date", r->arrival_date_raw);

	if (has_markup(r->s_subject) || has_markup(r->s_from) || has_markup(r->report_subject))
		r->flags |= ARF_F_MARKUP_IN_HEADERS;
	if (r->urls_dropped > 0)
		warn(r, "%u more distinct URLs than the cap of %u were not kept", r->urls_dropped,
		    lim.max_urls);
	if (r->text_truncated)
		warn(r, "the sample's text was cut at %zu bytes", lim.max_text);

	if (own_sample)
		g_object_unref(sample);
	g_hash_table_destroy(ps.urlidx);
	free(text);
	g_object_unref(m);
	*out = r;
	return DM_KERR_OK;
}

void
arf_free(arf_report *r)
{
	if (r == NULL)
		return;
	char **strs[] = { &r->kind, &r->reporter, &r->report_subject, &r->report_date,
	    &r->report_message_id, &r->feedback_type, &r->version, &r->user_agent,
	    &r->auth_failure, &r->identity_alignment, &r->reported_domain, &r->source_ip,
	    &r->arrival_date_raw, &r->original_mail_from, &r->original_rcpt_to,
	    &r->reporting_mta, &r->delivery_result, &r->authentication_results,
	    &r->original_envelope_id, &r->feedback_message_id, &r->dkim_domain,
	    &r->dkim_identity, &r->dkim_selector, &r->dkim_canon_header, &r->dkim_canon_body,
	    &r->spf_dns, &r->s_from, &r->s_to, &r->s_subject, &r->s_date, &r->s_message_id,
	    &r->s_return_path, &r->text_body };

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(*strs[i]);
	for (unsigned i = 0; i < r->nheaders; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	free(r->headers);
	for (unsigned i = 0; i < r->nurls; i++) {
		free(r->urls[i].url);
		free(r->urls[i].host);
		free(r->urls[i].regdom);
	}
	free(r->urls);
	for (unsigned i = 0; i < r->natts; i++) {
		free(r->atts[i].name);
		free(r->atts[i].content_type);
	}
	free(r->atts);
	for (unsigned i = 0; i < r->nwarnings; i++)
		free(r->warnings[i]);
	free(r->warnings);
	free(r);
}

/* ---- identity and JSON ---------------------------------------------------------------- */

void
arf_identity(const arf_report *r, char key[DM_KIND_KEYLEN])
{
	const char *mid = r->s_message_id != NULL ? r->s_message_id : r->feedback_message_id;

	if (r->reporter != NULL && mid != NULL && *mid && r->arrival_time >= 0) {
		sha256_ctx *c = sha256_new();
		char hex[SHA256_HEXLEN], t[32];
		char *m = hval(mid, 998);
		size_t ml = strlen(m);

		/* <id> and id are the same Message-ID */
		if (ml >= 2 && m[0] == '<' && m[ml - 1] == '>') {
			memmove(m, m + 1, ml - 2);
			m[ml - 2] = '\0';
		}
		snprintf(t, sizeof(t), "%lld", (long long)r->arrival_time);
		sha256_update(c, r->reporter, strlen(r->reporter) + 1);
		sha256_update(c, m, strlen(m) + 1);
		sha256_update(c, t, strlen(t));
		sha256_final_hex(c, hex);
		free(m);
		snprintf(key, DM_KIND_KEYLEN, "failure:%s", hex);
	} else
		snprintf(key, DM_KIND_KEYLEN, "sha256:%s", r->bytes_sha256);
}

/* Every model string is valid UTF-8 already (clean()); should one not be,
 * it is cleaned again rather than lost. */
static void
jset(json_t *o, const char *k, const char *v)
{
	json_t *s = v != NULL ? json_string(v) : NULL;

	if (v != NULL && s == NULL) {
		char *c = clean(v, strlen(v), strlen(v) * 3 + 3, 1);

		s = json_string(c);
		free(c);
	}
	json_object_set_new(o, k, s != NULL ? s : json_null());
}

static json_t *
flag_list(unsigned flags, const char *const *names)
{
	json_t *a = json_array();

	for (int i = 0; names[i] != NULL; i++)
		if (flags & (1u << i))
			json_array_append_new(a, json_string(names[i]));
	return a;
}

json_t *
arf_to_json(const arf_report *r)
{
	static const char *const rflags[] = { "html", "html-script", "html-event-handler",
	    "script-url", "executable-attachment", "markup-in-headers", NULL };
	static const char *const uflags[] = { "script", "data", "ip-host", "userinfo", "html",
	    "text", NULL };
	static const char *const aflags[] = { "executable", "double-extension", NULL };
	static const char *const skinds[] = { "none", "message", "headers", "text" };
	json_t *o = json_object(), *fb = json_object(), *s = json_object(), *a;
	char key[DM_KIND_KEYLEN];

	jset(o, "kind", r->kind);
	json_object_set_new(o, "is_dmarc_failure", json_boolean(r->is_dmarc_failure));
	json_object_set_new(o, "has_arf_part", json_boolean(r->has_arf_part));
	jset(o, "reporter", r->reporter);
	jset(o, "report_subject", r->report_subject);
	jset(o, "report_date", r->report_date);
	jset(o, "report_message_id", r->report_message_id);
	arf_identity(r, key);
	jset(o, "identity", key);
	jset(o, "source_ip", r->source_ip);
	jset(o, "source_ip_from", r->source_ip_from);
	json_object_set_new(o, "arrival_time", r->arrival_time >= 0 ?
	    json_integer(r->arrival_time) : json_null());
	json_object_set_new(o, "parts", json_integer(r->parts));
	json_object_set_new(o, "flags", flag_list(r->flags, rflags));

#define FB(k, f) jset(fb, k, r->f)
	FB("feedback_type", feedback_type); FB("version", version); FB("user_agent", user_agent);
	FB("auth_failure", auth_failure); FB("identity_alignment", identity_alignment);
	FB("reported_domain", reported_domain); FB("arrival_date", arrival_date_raw);
	FB("original_mail_from", original_mail_from); FB("original_rcpt_to", original_rcpt_to);
	FB("reporting_mta", reporting_mta); FB("delivery_result", delivery_result);
	FB("authentication_results", authentication_results);
	FB("original_envelope_id", original_envelope_id);
	FB("message_id", feedback_message_id);
	FB("dkim_domain", dkim_domain); FB("dkim_identity", dkim_identity);
	FB("dkim_selector", dkim_selector); FB("dkim_canonicalized_header", dkim_canon_header);
	FB("dkim_canonicalized_body", dkim_canon_body); FB("spf_dns", spf_dns);
#undef FB
	json_object_set_new(o, "feedback", fb);

	jset(s, "kind", skinds[r->sample_kind]);
	jset(s, "from", r->s_from);
	jset(s, "to", r->s_to);
	jset(s, "subject", r->s_subject);
	jset(s, "date", r->s_date);
	jset(s, "message_id", r->s_message_id);
	jset(s, "return_path", r->s_return_path);
	json_object_set_new(s, "header_count", json_integer(r->nheaders));
	a = json_array();
	for (unsigned i = 0; i < r->nheaders; i++) {
		json_t *h = json_object();

		jset(h, "name", r->headers[i].name);
		jset(h, "value", r->headers[i].value);
		json_array_append_new(a, h);
	}
	json_object_set_new(s, "headers", a);
	jset(s, "text", r->text_body);
	json_object_set_new(s, "text_truncated", json_boolean(r->text_truncated));
	json_object_set_new(o, "sample", s);

	a = json_array();
	for (unsigned i = 0; i < r->nurls; i++) {
		json_t *u = json_object();
		char d[MAX_URL_LEN * 3 + 64];

		jset(u, "url", r->urls[i].url);
		arf_defang(r->urls[i].url, d, sizeof(d));
		jset(u, "defanged", d);
		jset(u, "host", r->urls[i].host);
		jset(u, "registered_domain", r->urls[i].regdom);
		json_object_set_new(u, "count", json_integer(r->urls[i].count));
		json_object_set_new(u, "flags", flag_list(r->urls[i].flags, uflags));
		json_array_append_new(a, u);
	}
	json_object_set_new(o, "urls", a);
	json_object_set_new(o, "urls_dropped", json_integer(r->urls_dropped));

	a = json_array();
	for (unsigned i = 0; i < r->natts; i++) {
		json_t *t = json_object();

		jset(t, "name", r->atts[i].name);
		jset(t, "content_type", r->atts[i].content_type);
		json_object_set_new(t, "size", json_integer((json_int_t)r->atts[i].size));
		jset(t, "sha256", r->atts[i].sha256);
		json_object_set_new(t, "flags", flag_list(r->atts[i].flags, aflags));
		json_array_append_new(a, t);
	}
	json_object_set_new(o, "attachments", a);
	json_object_set_new(o, "attachments_dropped", json_integer(r->atts_dropped));

	a = json_array();
	for (unsigned i = 0; i < r->nwarnings; i++)
		json_array_append_new(a, json_string(r->warnings[i]));
	json_object_set_new(o, "warnings", a);
	jset(o, "bytes_sha256", r->bytes_sha256);
	return o;
}

/* ---- the kind ----------------------------------------------------------------------- */

static int
k_sniff(const dm_sniff_in *in)
{
	if (in->report_type != NULL && g_ascii_strcasecmp(in->report_type, "feedback-report") == 0)
		return DM_SNIFF_SURE;
	if (!in->is_message)
		return DM_SNIFF_NO;
	if (in->head != NULL && ci_find((const char *)in->head, in->headlen,
	    "message/feedback-report") != NULL)
		return DM_SNIFF_LIKELY;
	if (in->subject != NULL && ci_find(in->subject, strlen(in->subject), "dmarc") != NULL &&
	    (ci_find(in->subject, strlen(in->subject), "failure") != NULL ||
	    ci_find(in->subject, strlen(in->subject), "forensic") != NULL))
		return DM_SNIFF_LIKELY;
	return DM_SNIFF_NO;
}

static int
k_parse(const unsigned char *p, size_t n, const dm_kind_limits *kl, void **model, char *err,
    size_t errlen)
{
	arf_limits l;
	arf_report *r = NULL;
	int rc;

	arf_limits_default(&l);
	if (kl != NULL) {
		if (kl->max_bytes)
			l.max_bytes = kl->max_bytes;
		if (kl->max_parts)
			l.max_parts = kl->max_parts;
		if (kl->max_depth)
			l.max_depth = kl->max_depth;
		if (kl->max_headers)
			l.max_headers = kl->max_headers;
		if (kl->max_items)
			l.max_urls = kl->max_items;
	}
	rc = arf_parse(p, n, &l, &r, err, errlen);
	*model = r;
	return rc;
}

static void
k_identity(const void *m, char key[DM_KIND_KEYLEN])
{
	arf_identity(m, key);
}

static json_t *
k_to_json(const void *m)
{
	return arf_to_json(m);
}

static void
k_free(void *m)
{
	if (m != NULL)
		arf_free(m);
}

const dm_kind dm_kind_failure = {
	.name = "failure",
	.id = DM_KIND_FAILURE,
	.sniff = k_sniff,
	.parse = k_parse,
	.identity = k_identity,
	.to_json = k_to_json,
	.free_model = k_free,
};
