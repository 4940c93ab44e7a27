/*
 * numfmt.c - see numfmt.h.
 */
#include <stdio.h>

#include "numfmt.h"

const char *
fmt_group(int64_t v, char *buf, size_t len)
{
	/* the magnitude as unsigned: -INT64_MIN does not fit an int64_t */
	uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	char b[24];
	int n = snprintf(b, sizeof(b), "%llu", (unsigned long long)mag);
	size_t j = 0;

	if (len == 0)
		return buf;
	if (v < 0 && j + 1 < len)
		buf[j++] = '-';
	for (int i = 0; i < n; i++) {
		int comma = i > 0 && (n - i) % 3 == 0;

		if (j + (size_t)comma + 1 >= len)
			break;
		if (comma)
			buf[j++] = ',';
		buf[j++] = b[i];
	}
	buf[j] = '\0';
	return buf;
}
