/*
 * dbuf.c - see dbuf.h.  The buffer always keeps one spare byte so that
 * dbuf_cstr() can terminate it without reallocating.
 */
#include "dbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

void
dbuf_init(dbuf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

static int
dbuf_reserve(dbuf *b, size_t n)
{
	size_t need, ncap;

	if (n > b->max || b->len > b->max - n)
		return DBUF_TOOBIG;
	need = b->len + n + 1;
	if (need <= b->cap)
		return DBUF_OK;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap *= 2;
	b->data = xrealloc(b->data, ncap);
	b->cap = ncap;
	return DBUF_OK;
}

int
dbuf_add(dbuf *b, const void *p, size_t n)
{
	if (n == 0)
		return DBUF_OK;
	if (dbuf_reserve(b, n) != DBUF_OK)
		return DBUF_TOOBIG;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return DBUF_OK;
}

int
dbuf_addc(dbuf *b, char c)
{
	return dbuf_add(b, &c, 1);
}

int
dbuf_addstr(dbuf *b, const char *s)
{
	return dbuf_add(b, s, strlen(s));
}

int
dbuf_printf(dbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return DBUF_TOOBIG;
	if (dbuf_reserve(b, (size_t)n) != DBUF_OK)
		return DBUF_TOOBIG;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return DBUF_OK;
}

const char *
dbuf_cstr(dbuf *b)
{
	if (b->data == NULL)
		return "";
	b->data[b->len] = '\0';
	return b->data;
}

void
dbuf_reset(dbuf *b)
{
	b->len = 0;
}

void
dbuf_free(dbuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

char *
dbuf_steal(dbuf *b, size_t *lenp)
{
	char *p;

	if (b->data == NULL)
		b->data = xcalloc(1, 1);
	b->data[b->len] = '\0';
	p = b->data;
	if (lenp != NULL)
		*lenp = b->len;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}

int
dbuf_json_str(dbuf *b, const char *s)
{
	int rc = dbuf_addc(b, '"');

	for (; rc == DBUF_OK && s != NULL && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			rc = dbuf_printf(b, "\\%c", c);
		else if (c < 0x20)
			rc = dbuf_printf(b, "\\u%04x", c);
		else
			rc = dbuf_addc(b, (char)c);
	}
	return rc == DBUF_OK ? dbuf_addc(b, '"') : rc;
}
