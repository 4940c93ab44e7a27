/*
 * addr.c - addresses as the enrichment handles them (see lookup.h): parse
 * text into family + bytes + canonical text, and the 16-byte key that sorts
 * IPv4 and IPv6 together and keys the RDAP network ranges.
 *
 * Exports: enrich_ip_parse, enrich_ip_key.  No allocation; no errors beyond
 * the return value.
 */
#include <arpa/inet.h>
#include <string.h>

#include "lookup.h"

int
enrich_ip_parse(const char *s, enrich_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (strchr(s, ':') != NULL) {
		if (inet_pton(AF_INET6, s, ip->b) != 1)
			return -1;
		/* an IPv4-mapped address is the IPv4 host */
		if (memcmp(ip->b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
			memmove(ip->b, ip->b + 12, 4);
			memset(ip->b + 4, 0, 12);
			ip->family = 4;
		} else
			ip->family = 6;
	} else {
		if (inet_pton(AF_INET, s, ip->b) != 1)
			return -1;
		ip->family = 4;
	}
	if (inet_ntop(ip->family == 4 ? AF_INET : AF_INET6, ip->b, ip->text,
	    sizeof(ip->text)) == NULL)
		return -1;
	return 0;
}

void
enrich_ip_key(const enrich_ip *ip, unsigned char key[16])
{
	if (ip->family == 6) {
		memcpy(key, ip->b, 16);
		return;
	}
	memset(key, 0, 10);
	key[10] = key[11] = 0xff;
	memcpy(key + 12, ip->b, 4);
}
