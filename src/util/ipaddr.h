/*
 * ipaddr.h - parse and canonicalise IPv4/IPv6 addresses from untrusted text.
 *
 * Exports:
 *   ip_canon(s, n, out, &family)  trims surrounding whitespace, accepts any
 *       inet_pton form (including compressed IPv6, which the RFC 7489 XSD regex
 *       wrongly rejects), writes the canonical inet_ntop text to out
 *       (IP_STRLEN bytes).  Returns 0, or -1 when s is not an address (out is
 *       then "").  family is 4 or 6.
 */
#ifndef DS_IPADDR_H
#define DS_IPADDR_H

#include <stddef.h>

#define IP_STRLEN 46

int ip_canon(const char *s, size_t n, char out[IP_STRLEN], int *family);

#endif
