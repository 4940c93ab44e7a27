/*
 * domain.h - is a text a plausible DNS domain name?  Ingest refuses a report
 * whose policy domain fails it.  It is stricter than the web API's check of a
 * domain parameter (src/web/api.c valid_domain: no byte below 0x21, no '/' or
 * '\', at most 253 bytes), so every domain stored can also be asked for;
 * the API may call it too.
 *
 * Exports:
 *   domain_valid(s)   1 when s is 1-253 bytes of labels of 1-63 bytes,
 *                     separated by single dots (one trailing dot allowed),
 *                     each byte a letter, digit, '-', '_' or a byte >= 0x80
 *                     (UTF-8 of an internationalised label); else 0.  No
 *                     space, control, quote, '<', '=', '/', '\' or '(' can
 *                     pass, so a stored domain is safe in HTML, CSV and URLs.
 */
#ifndef DS_DOMAIN_H
#define DS_DOMAIN_H

int domain_valid(const char *s);

#endif
