/*
 * utf8fix.c - see utf8fix.h.
 *
 * Fast path: chunks are checked eight bytes at a time for any byte >= 0x80 or
 * < 0x20; pure ASCII text with only TAB/LF/CR is returned without copying.
 */
#include "utf8fix.h"

#include <stdint.h>
#include <string.h>

/* cp1252 code points for 0x80..0x9f; 0 marks bytes cp1252 leaves undefined. */
static const unsigned short cp1252[32] = {
	0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
	0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
};

void
utf8fix_init(utf8fix *st)
{
	memset(st, 0, sizeof(*st));
	dbuf_init(&st->out, (size_t)1 << 30);
}

size_t
utf8_clip(const char *s, size_t n)
{
	size_t i = n, k = 0;
	unsigned char c;
	size_t need;

	/* Walk back over at most 3 continuation bytes to the lead byte. */
	while (i > 0 && k < 4 && ((unsigned char)s[i - 1] & 0xc0) == 0x80) {
		i--;
		k++;
	}
	if (i == 0)
		return k == 0 ? n : 0;
	c = (unsigned char)s[i - 1];
	if (c < 0x80)
		return n;
	need = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
	return k >= need ? n : i - 1;
}

void
utf8fix_free(utf8fix *st)
{
	dbuf_free(&st->out);
}

static void
put_cp(dbuf *o, unsigned cp)
{
	char b[4];

	if (cp < 0x80) {
		b[0] = (char)cp;
		dbuf_add(o, b, 1);
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		dbuf_add(o, b, 2);
	} else {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		dbuf_add(o, b, 3);
	}
}

/*
 * Length of the valid UTF-8 sequence at p (1..4), 0 if invalid, or -1 if it
 * may be valid but is cut off by the end of the available bytes.
 */
static int
seq_len(const unsigned char *p, size_t avail)
{
	unsigned char c = p[0];
	int len;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;	/* overlong */
		if (c == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	for (int i = 1; i < len; i++) {
		if ((size_t)i >= avail)
			return -1;
		if (p[i] < (i == 1 ? lo : 0x80) || p[i] > (i == 1 ? hi : 0xbf))
			return 0;
	}
	/* U+FFFE and U+FFFF are not XML characters. */
	if (len == 3 && c == 0xef && p[1] == 0xbf && p[2] >= 0xbe)
		return 0;
	return len;
}

static int
chunk_clean(const unsigned char *p, size_t n)
{
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		if ((w & 0x8080808080808080ULL) == 0 &&
		    ((w - 0x2020202020202020ULL) & ~w & 0x8080808080808080ULL) == 0)
			continue;
		for (size_t j = i; j < i + 8; j++)
			if (p[j] >= 0x80 || (p[j] < 0x20 && p[j] != '\t' &&
			    p[j] != '\n' && p[j] != '\r'))
				return 0;
	}
	for (; i < n; i++)
		if (p[i] >= 0x80 || (p[i] < 0x20 && p[i] != '\t' &&
		    p[i] != '\n' && p[i] != '\r'))
			return 0;
	return 1;
}

const char *
utf8fix_run(utf8fix *st, const char *in, size_t n, int final, size_t *outlen)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0, start;
	dbuf *o = &st->out;

	if (!st->started) {
		static const unsigned char bom[3] = { 0xef, 0xbb, 0xbf };
		size_t take = 3 - st->ncarry;

		/* Until 3 bytes are seen, a prefix of the BOM is held in the
		 * carry; anything else ends the check (the held bytes then go
		 * through the carry code below like any incomplete sequence). */
		if (take > n)
			take = n;
		if (memcmp(st->carry, bom, st->ncarry) == 0 &&
		    (take == 0 || memcmp(p, bom + st->ncarry, take) == 0)) {
			if (st->ncarry + take == 3) {
				st->started = 1;
				st->bom++;
				st->ncarry = 0;
				p += take;
				n -= take;
				in += take;
			} else if (!final) {
				memcpy(st->carry + st->ncarry, p, take);
				st->ncarry += take;
				*outlen = 0;
				return in;
			} else
				st->started = 1;
		} else
			st->started = 1;
	}
	if (st->ncarry == 0 && chunk_clean(p, n)) {
		*outlen = n;
		return in;
	}
	dbuf_reset(o);
	/* Complete a sequence carried over from the previous chunk. */
	while (st->ncarry > 0) {
		unsigned char tmp[4];
		size_t take = 4 - st->ncarry;
		int l;

		if (take > n)
			take = n;
		memcpy(tmp, st->carry, st->ncarry);
		memcpy(tmp + st->ncarry, p, take);
		l = seq_len(tmp, st->ncarry + take);
		if (l == -1 && !final && take == n) {
			memcpy(st->carry + st->ncarry, p, take);
			st->ncarry += take;
			*outlen = 0;
			return in;
		}
		if (l > 0) {
			dbuf_add(o, tmp, (size_t)l);
			i = (size_t)l - st->ncarry;
			st->ncarry = 0;
			break;
		}
		/* Invalid lead byte: repair it, retry with the rest of the carry. */
		st->invalid++;
		put_cp(o, tmp[0] >= 0xa0 ? tmp[0] : (cp1252[tmp[0] - 0x80] ?
		    cp1252[tmp[0] - 0x80] : 0xfffd));
		memmove(st->carry, st->carry + 1, --st->ncarry);
	}
	start = i;
	while (i < n) {
		unsigned char c = p[i];
		int l;

		if (c >= 0x20 && c < 0x80) {
			i++;
			continue;
		}
		if (c < 0x20) {
			if (c == '\t' || c == '\n' || c == '\r') {
				i++;
				continue;
			}
			dbuf_add(o, p + start, i - start);
			st->controls++;
			start = ++i;
			continue;
		}
		l = seq_len(p + i, n - i);
		if (l > 0) {
			i += (size_t)l;
			continue;
		}
		dbuf_add(o, p + start, i - start);
		if (l == -1 && !final) {
			st->ncarry = n - i;
			memcpy(st->carry, p + i, st->ncarry);
			*outlen = o->len;
			return o->data ? o->data : in;
		}
		st->invalid++;
		if (c >= 0xa0)
			put_cp(o, c);
		else
			put_cp(o, cp1252[c - 0x80] ? cp1252[c - 0x80] : 0xfffd);
		start = ++i;
	}
	dbuf_add(o, p + start, i - start);
	*outlen = o->len;
	return o->data ? o->data : in;
}
