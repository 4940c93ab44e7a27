/*
 * domain.h - is a text a plausible DNS domain name?  One check shared by
 * ingest (the policy domain of a report) and the web API (a domain
 * parameter), so that every domain stored can also be asked for.
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
