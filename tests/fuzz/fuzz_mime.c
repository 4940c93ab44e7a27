/*
 * fuzz_mime.c - libFuzzer harness for the GMime walk of mime.c (mime_walk,
 * mime_looks_like_message): multiparts, message/rfc822 nesting, encodings,
 * RFC 2047/2231 names, the part size cap.
 *
 * The input is one e-mail message (seeds: corpus/mime/).  It is walked twice:
 * with info (as unpack.c does) and without (every leaf visited).  Checked:
 *   - each part: a lower-case content type, leaf indexes increasing (a leaf
 *     without content is counted but not handed out), depth within max_depth, data NULL exactly when the part is
 *     larger than max_part; every byte of every part is read;
 *   - both walks agree: same result, and the same parts when info has no
 *     report-type (multipart/report is not walked);
 *   - info->parts counts the leaves (at least the callbacks); info strings are NUL-terminated and
 *     the types lower-case.
 */
#include "fuzz_common.h"

#include <ctype.h>

#include "intake/mime.h"

#define FZ_DEPTH 3
#define FZ_MAX_PART ((size_t)16 << 10)

typedef struct fz_walk {
	int parts;		/* callbacks */
	int last;		/* index of the last one, -1 before */
	int big;
	uint32_t sum;
} fz_walk;

static void
fz_lower(const char *s)
{
	FZ_CHECK(s != NULL);
	for (const char *c = s; *c; c++)
		FZ_CHECK(!isupper((unsigned char)*c));
	fz_bytes += strlen(s);
}

static int
fz_part(void *ctx, const mime_part *part, const unsigned char *data, size_t len)
{
	fz_walk *w = ctx;

	FZ_CHECK(part != NULL);
	fz_lower(part->content_type);
	FZ_CHECK(part->index > w->last);
	w->last = part->index;
	FZ_CHECK(part->depth >= 0 && part->depth <= FZ_DEPTH);
	FZ_CHECK(part->is_text == (strncmp(part->content_type, "text/", 5) == 0));
	if (part->filename != NULL)
		fz_bytes += strlen(part->filename);
	w->parts++;
	if (data == NULL) {
		FZ_CHECK(len > FZ_MAX_PART);
		w->big++;
		return 0;
	}
	FZ_CHECK(len <= FZ_MAX_PART);
	for (size_t i = 0; i < len; i++)
		w->sum = w->sum * 31u + data[i];
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int inited;
	fz_walk a, b;
	mime_info info;
	char err[200], err2[200];
	int ra, rb;

	if (!inited) {
		mime_init();
		inited = 1;
	}
	fz_bytes += (size_t)mime_looks_like_message(data, size);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.last = b.last = -1;
	err[0] = err2[0] = '\0';
	ra = mime_walk(data, size, FZ_DEPTH, FZ_MAX_PART, fz_part, &a, &info, err, sizeof(err));
	rb = mime_walk(data, size, FZ_DEPTH, FZ_MAX_PART, fz_part, &b, NULL, err2, sizeof(err2));
	FZ_CHECK(ra == 0 || ra == -1);
	FZ_CHECK(ra == rb);
	if (ra != 0) {
		FZ_CHECK(err[0] != '\0' && strcmp(err, err2) == 0);
		FZ_CHECK(a.parts == 0 && b.parts == 0);
		return 0;
	}
	FZ_CHECK(info.parts >= a.parts && info.parts > a.last);
	if (info.content_type != NULL)
		fz_lower(info.content_type);
	if (info.report_type != NULL)
		fz_lower(info.report_type);
	if (info.subject != NULL)
		fz_bytes += strlen(info.subject);
	if (info.report_type == NULL)
		FZ_CHECK(a.parts == b.parts && a.last == b.last && a.big == b.big &&
		    a.sum == b.sum);
	else
		FZ_CHECK(a.parts == 0);
	mime_info_free(&info);
	FZ_CHECK(info.content_type == NULL && info.subject == NULL);
	return 0;
}
