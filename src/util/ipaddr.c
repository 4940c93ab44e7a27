/*
 * ipaddr.c - see ipaddr.h.  Uses inet_pton/inet_ntop only; no regexes.
 */
#include "ipaddr.h"

#include <arpa/inet.h>
#include <string.h>

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
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
		if (inet_ntop(AF_INET, bin, out, IP_STRLEN) == NULL)
			return -1;
		*family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, tmp, bin) == 1) {
		if (inet_ntop(AF_INET6, bin, out, IP_STRLEN) == NULL)
			return -1;
		*family = 6;
		return 0;
	}
	return -1;
}
