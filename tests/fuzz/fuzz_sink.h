/*
 * fuzz_sink.h - an unpack.h sink for the container harnesses (fuzz_gzip.c,
 * fuzz_zip.c) that checks the sink protocol and the output limit, and reads
 * every byte handed out, without parsing the documents (fuzz_unpack.c and
 * fuzz_pipeline.c do that).
 *
 * Protocol checked: begin, data*, end, with refusals and the e-mail call only
 * between documents; data never empty; the decompressed bytes of the whole
 * message never exceed lim.max_output.  Failures abort() through FZ_CHECK.
 * Only static functions: each harness is one translation unit.
 */
#ifndef DS_FUZZ_SINK_H
#define DS_FUZZ_SINK_H

#include "fuzz_common.h"

#include "intake/mime.h"
#include "intake/unpack.h"

typedef struct fz_csink {
	int open;
	int docs, refused;
	int errors;		/* documents ended with a container error */
	uint64_t out;		/* bytes handed to data(), all documents */
	uint64_t doc_out;	/* of the open document */
	uint32_t sum;		/* touches every byte (ASan sees each read) */
	const char *prefix;	/* every document and refusal name starts so */
} fz_csink;

static int
fzc_begin(void *ctx, const unpack_doc *d)
{
	fz_csink *s = ctx;

	FZ_CHECK(!s->open);
	FZ_CHECK(d != NULL && d->name != NULL && d->name[0] != '\0');
	FZ_CHECK(strncmp(d->name, s->prefix, strlen(s->prefix)) == 0);
	FZ_CHECK(d->from_text_part == 0 || d->from_text_part == 1);
	FZ_CHECK(d->in_mime == 0 || d->in_mime == 1);
	fz_bytes += strlen(d->name);
	if (d->content_type != NULL)
		fz_bytes += strlen(d->content_type);
	s->open = 1;
	s->docs++;
	s->doc_out = 0;
	return 0;
}

static int
fzc_data(void *ctx, const void *p, size_t n)
{
	fz_csink *s = ctx;
	const unsigned char *b = p;

	FZ_CHECK(s->open);
	FZ_CHECK(p != NULL && n > 0);
	for (size_t i = 0; i < n; i++)
		s->sum = s->sum * 31u + b[i];
	s->out += n;
	s->doc_out += n;
	return 0;
}

static int
fzc_end(void *ctx, const char *error)
{
	fz_csink *s = ctx;

	FZ_CHECK(s->open);
	if (error != NULL) {
		FZ_CHECK(error[0] != '\0');
		FZ_CHECK(strchr(error, '\n') == NULL);	/* "a one-line container error" */
		fz_bytes += strlen(error);
		s->errors++;
	}
	s->open = 0;
	return 0;
}

static int
fzc_refuse(void *ctx, const char *name, const char *reason, int ignorable)
{
	fz_csink *s = ctx;

	FZ_CHECK(!s->open);
	FZ_CHECK(name != NULL && reason != NULL && reason[0] != '\0');
	FZ_CHECK(strncmp(name, "fuzz", 4) == 0);
	FZ_CHECK(ignorable == 0 || ignorable == 1);
	fz_bytes += strlen(name) + strlen(reason);
	s->refused++;
	return 0;
}

static int
fzc_email(void *ctx, const char *ctype, const char *rtype, const char *subject)
{
	fz_csink *s = ctx;

	FZ_CHECK(!s->open);
	if (ctype != NULL)
		fz_bytes += strlen(ctype);
	if (rtype != NULL)
		fz_bytes += strlen(rtype);
	if (subject != NULL)
		fz_bytes += strlen(subject);
	return 0;
}

/*
 * unpack_mem over d[0..n), named "fuzz", with the given limits; checks the
 * protocol, that every document name starts with prefix, and that the walk
 * ended cleanly and within max_output.  Fills *s.
 */
static void
fzc_run(const unpack_limits *lim, const uint8_t *d, size_t n, const char *prefix,
    fz_csink *s)
{
	static int inited;
	unpack_sink sink = { NULL, fzc_begin, fzc_data, fzc_end, fzc_refuse, fzc_email, NULL, NULL };
	unpack u;

	if (!inited) {
		mime_init();	/* an entry may be an e-mail */
		inited = 1;
	}
	memset(s, 0, sizeof(*s));
	s->prefix = prefix;
	sink.ctx = s;
	memset(&u, 0, sizeof(u));
	u.lim = *lim;
	u.sink = &sink;
	FZ_CHECK(unpack_mem(&u, "fuzz", d, n) == 0);	/* the sink never stops */
	FZ_CHECK(!s->open);
	FZ_CHECK(s->out <= lim->max_output);
}

#endif
