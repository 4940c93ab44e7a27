/*
 * ipaddr.h - parse and canonicalise IPv4/IPv6 addresses from untrusted text.
 *
 * Exports:
 *   ip_canon(s, n, out, &family)  trims surrounding whitespace, accepts any
 *       inet_pton form (including compressed IPv6, which the RFC 7489 XSD regex
 *       wrongly rejects), writes the canonical inet_ntop text to out
 *       (IP_STRLEN bytes).  Returns 0, or -1 when s is not an address (out is
 *       then "").  family is 4 or 6.  An IPv4-mapped IPv6 address
 *       (::ffff:192.0.2.1) is written as the IPv4 address, family 4.
 *   ip_parse(s, &a)              text → ip_bin (no whitespace trimming); 0 / -1
 *   ip_cidr_parse(s, &net)       "192.0.2.0/24", "2001:db8::/32" or a bare
 *       address (a host route); host bits must be zero is NOT required: they
 *       are cleared.  Writes the canonical text back with ip_cidr_format.
 *   ip_cidr_contains(&net, &a)   1 when a is inside net (same family)
 *   ip_cidr_format(&net, out)    "192.0.2.0/24" (IP_CIDRLEN bytes)
 *   ip_prefix_of(&a, bits, out)  the /bits network containing a, as text
 */
#ifndef DS_IPADDR_H
#define DS_IPADDR_H

#include <stddef.h>

#define IP_STRLEN 46

#define IP_CIDRLEN (IP_STRLEN + 4)

typedef struct ip_bin {
	int family;			/* 4 or 6 */
	unsigned char b[16];		/* network order; IPv4 uses b[0..3] */
} ip_bin;

typedef struct ip_cidr {
	ip_bin net;
	int bits;
} ip_cidr;

int ip_canon(const char *s, size_t n, char out[IP_STRLEN], int *family);
int ip_parse(const char *s, ip_bin *a);
int ip_cidr_parse(const char *s, ip_cidr *c);
int ip_cidr_contains(const ip_cidr *c, const ip_bin *a);
void ip_cidr_format(const ip_cidr *c, char out[IP_CIDRLEN]);
void ip_prefix_of(const ip_bin *a, int bits, char out[IP_CIDRLEN]);

#endif
