/*
 * ipaddr.c - see ipaddr.h.  Parsing is inet_pton's; IPv6 text is inet_ntop's, and
 * IPv4 text is written here as inet_ntop writes it.  No regexes.
 */
#include "ipaddr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* What inet_ntop(AF_INET) writes, without its sprintf (a record costs two of
 * these); returns the end of the text.  out holds at least 16 bytes. */
static char *
v4_text(const unsigned char *b, char *out)
{
	for (int i = 0; i < 4; i++) {
		unsigned v = b[i];

		if (i > 0)
			*out++ = '.';
		if (v >= 100)
			*out++ = (char)('0' + v / 100);
		if (v >= 10)
			*out++ = (char)('0' + v / 10 % 10);
		*out++ = (char)('0' + v % 10);
	}
	*out = '\0';
	return out;
}

int
ip_canon(const char *s, size_t n, char out[IP_STRLEN], int *family)
{
	char tmp[IP_STRLEN];
	unsigned char bin[16];

	out[0] = '\0';
	while (n > 0 && is_space(*s)) {
		s++;
		n--;
	}
	while (n > 0 && is_space(s[n - 1]))
		n--;
	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (inet_pton(AF_INET, tmp, bin) == 1) {
		v4_text(bin, out);
		*family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, tmp, bin) == 1) {
		static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

		/* ::ffff:a.b.c.d is an IPv4 host: store it as one, so it groups,
		 * matches CIDRs and resolves like the IPv4 address it is */
		if (memcmp(bin, mapped, sizeof(mapped)) == 0) {
			v4_text(bin + 12, out);
			*family = 4;
			return 0;
		}
		if (inet_ntop(AF_INET6, bin, out, IP_STRLEN) == NULL)
			return -1;
		*family = 6;
		return 0;
	}
	return -1;
}

int
ip_parse(const char *s, ip_bin *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->b) == 1) {
		a->family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->b) == 1) {
		a->family = 6;
		return 0;
	}
	return -1;
}

static void
clear_host_bits(unsigned char *b, int nbytes, int bits)
{
	for (int i = 0; i < nbytes; i++) {
		int keep = bits - i * 8;

		if (keep >= 8)
			continue;
		b[i] = keep <= 0 ? 0 : (unsigned char)(b[i] & (0xff << (8 - keep)));
	}
}

int
ip_cidr_parse(const char *s, ip_cidr *c)
{
	char tmp[IP_CIDRLEN];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	int max;

	memset(c, 0, sizeof(*c));
	if (n == 0 || n >= IP_STRLEN)
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (ip_parse(tmp, &c->net) != 0)
		return -1;
	max = c->net.family == 4 ? 32 : 128;
	c->bits = max;
	if (slash != NULL) {
		const char *p = slash + 1;
		int v = 0;

		if (*p == '\0' || strlen(p) > 3)
			return -1;
		for (; *p; p++) {
			if (*p < '0' || *p > '9')
				return -1;
			v = v * 10 + (*p - '0');
		}
		if (v > max)
			return -1;
		c->bits = v;
	}
	clear_host_bits(c->net.b, max / 8, c->bits);
	return 0;
}

int
ip_cidr_contains(const ip_cidr *c, const ip_bin *a)
{
	int full = c->bits / 8, rest = c->bits % 8;

	if (c->net.family != a->family)
		return 0;
	if (memcmp(c->net.b, a->b, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((c->net.b[full] ^ a->b[full]) & (0xff << (8 - rest))) == 0;
}

void
ip_cidr_format(const ip_cidr *c, char out[IP_CIDRLEN])
{
	char a[IP_STRLEN];

	if (c->net.family == 4 && c->bits >= 0 && c->bits <= 32) {
		char *e = v4_text(c->net.b, out);	/* at most "255.255.255.255/32" */

		*e++ = '/';
		if (c->bits >= 10)
			*e++ = (char)('0' + c->bits / 10);
		*e++ = (char)('0' + c->bits % 10);
		*e = '\0';
		return;
	}
	if (inet_ntop(c->net.family == 4 ? AF_INET : AF_INET6, c->net.b, a, sizeof(a)) == NULL)
		a[0] = '\0';
	snprintf(out, IP_CIDRLEN, "%s/%d", a, c->bits);
}

void
ip_prefix_of(const ip_bin *a, int bits, char out[IP_CIDRLEN])
{
	ip_cidr c;
	int max = a->family == 4 ? 32 : 128;

	c.net = *a;
	c.bits = bits > max ? max : bits;
	clear_host_bits(c.net.b, max / 8, c.bits);
	ip_cidr_format(&c, out);
}
