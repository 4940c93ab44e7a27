/*
 * fuzz_utf8fix.c - libFuzzer harness for the UTF-8 repair of
 * src/util/utf8fix.c (utf8fix_run, utf8_clip).
 *
 * The input is any byte string (seeds: corpus/utf8fix/: cp1252, Latin-1,
 * C0 controls, BOMs, cut and overlong sequences, surrogates).  It is repaired
 * three ways: in one call, in three chunks (cut points derived from the
 * data), and one byte per call (inputs up to 4 KiB).  Checked:
 *   - all three give the same bytes and the same counters (the carry of an
 *     incomplete sequence and the BOM check across chunks are invisible);
 *   - the output is complete, valid UTF-8 without U+FFFE/U+FFFF and without
 *     C0 controls other than TAB, LF and CR (what expat needs);
 *   - an input that is already such text, without a leading BOM, comes out
 *     unchanged with all counters 0;
 *   - utf8_clip on the output: never longer than the cut, at most 3 bytes
 *     shorter, the clipped prefix is valid UTF-8, and a cut on a character
 *     boundary is kept whole.
 */
#include "fuzz_common.h"

#include "util/dbuf.h"
#include "util/utf8fix.h"

#define FZ_BYTEWISE_MAX 4096

typedef struct fz_fixed {
	dbuf out;
	unsigned long bom, invalid, controls;
} fz_fixed;

/* Complete, valid UTF-8 that XML 1.0 accepts as characters (C0 other than
 * TAB/LF/CR, U+FFFE and U+FFFF refused). */
static int
fz_xml_utf8(const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = p[i];
		int len;
		unsigned char lo = 0x80, hi = 0xbf;

		if (c < 0x80) {
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
				return 0;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2;
		else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			lo = c == 0xe0 ? 0xa0 : 0x80;
			hi = c == 0xed ? 0x9f : 0xbf;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			lo = c == 0xf0 ? 0x90 : 0x80;
			hi = c == 0xf4 ? 0x8f : 0xbf;
		} else
			return 0;
		if (i + (size_t)len > n)
			return 0;
		for (int k = 1; k < len; k++) {
			unsigned char d = p[i + (size_t)k];

			if (d < (k == 1 ? lo : 0x80) || d > (k == 1 ? hi : 0xbf))
				return 0;
		}
		if (len == 3 && c == 0xef && p[i + 1] == 0xbf && p[i + 2] >= 0xbe)
			return 0;
		i += (size_t)len;
	}
	return 1;
}

/* Repair d[0..n) fed in pieces ending at cuts[0..ncuts) (the last must be n). */
static void
fz_fix(const uint8_t *d, size_t n, const size_t *cuts, size_t ncuts, fz_fixed *r)
{
	utf8fix st;
	size_t start = 0;

	utf8fix_init(&st);
	dbuf_init(&r->out, (size_t)64 << 20);
	for (size_t i = 0; i < ncuts; i++) {
		size_t outlen = 0;
		const char *o;

		FZ_CHECK(cuts[i] >= start && cuts[i] <= n);
		o = utf8fix_run(&st, (const char *)d + start, cuts[i] - start, i + 1 == ncuts,
		    &outlen);
		FZ_CHECK(o != NULL || outlen == 0);
		if (outlen > 0)
			FZ_CHECK(dbuf_add(&r->out, o, outlen) == DBUF_OK);
		start = cuts[i];
	}
	FZ_CHECK(st.ncarry == 0);	/* the final call flushed the carry */
	r->bom = st.bom;
	r->invalid = st.invalid;
	r->controls = st.controls;
	utf8fix_free(&st);
}

static void
fz_same(const fz_fixed *a, const fz_fixed *b)
{
	FZ_CHECK(a->out.len == b->out.len);
	FZ_CHECK(a->out.len == 0 || memcmp(a->out.data, b->out.data, a->out.len) == 0);
	FZ_CHECK(a->bom == b->bom && a->invalid == b->invalid && a->controls == b->controls);
}

static void
fz_clip(const char *s, size_t n)
{
	size_t ks[6] = { 0, 1, n / 3, n / 2, n > 0 ? n - 1 : 0, n };

	for (int i = 0; i < 6; i++) {
		size_t k = ks[i] <= n ? ks[i] : n;
		size_t c = utf8_clip(s, k);

		FZ_CHECK(c <= k && k - c <= 3);
		FZ_CHECK(fz_xml_utf8((const unsigned char *)s, c));
		if (k == n || ((unsigned char)s[k] & 0xc0) != 0x80)
			FZ_CHECK(c == k);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_fixed one, three, bytes;
	size_t cut[3], one_cut = size;

	fz_fix(data, size, &one_cut, 1, &one);
	FZ_CHECK(fz_xml_utf8((const unsigned char *)one.out.data, one.out.len));
	FZ_CHECK(one.bom <= 1);
	if (fz_xml_utf8(data, size) && !(size >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)) {
		FZ_CHECK(one.out.len == size);
		FZ_CHECK(size == 0 || memcmp(one.out.data, data, size) == 0);
		FZ_CHECK(one.bom == 0 && one.invalid == 0 && one.controls == 0);
	}
	if (one.bom == 1)
		FZ_CHECK(size >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0);

	fz_cuts(data, size, 0x75746638u, cut);
	cut[2] = size;
	fz_fix(data, size, cut, 3, &three);
	fz_same(&one, &three);
	dbuf_free(&three.out);

	if (size <= FZ_BYTEWISE_MAX) {
		size_t *cuts = malloc((size + 1) * sizeof(*cuts));

		FZ_CHECK(cuts != NULL);
		for (size_t i = 0; i < size; i++)
			cuts[i] = i + 1;
		cuts[size] = size;	/* then an empty final call */
		fz_fix(data, size, cuts, size + 1, &bytes);
		fz_same(&one, &bytes);
		dbuf_free(&bytes.out);
		free(cuts);
	}

	fz_clip(one.out.data != NULL ? one.out.data : "", one.out.len);
	FZ_CHECK(utf8_clip((const char *)data, size) <= size);
	dbuf_free(&one.out);
	return 0;
}
