/*
 * domain.c - see domain.h.
 */
#include "domain.h"

#include <string.h>

int
domain_valid(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0, label = 0;

	if (n == 0 || n > 253 || s[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0)
				return 0;	/* empty label: ".." */
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c >= 0x80))
			return 0;
		if (++label > 63)
			return 0;
	}
	return 1;
}
