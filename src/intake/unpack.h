/*
 * unpack.h - find the report documents inside one input message.
 *
 * The format is decided by magic bytes, never by file name or Content-Type:
 *   1f 8b            gzip (every member; trailing bytes after the last
 *                    member are ignored with a note, as Mimecast sends them);
 *                    a gzip file that holds an e-mail (report.eml.gz) is
 *                    inflated whole (max_message) and unpacked as one
 *   PK 03 04         zip (every file entry; directories skipped)
 *   '<' (after BOM/whitespace), UTF-16 BOM     XML document
 *   '{' '['          JSON document (TLS-RPT)
 *   header line      RFC 5322 message → the sink's message callback may take
 *                    it whole (a failure report); else MIME parts (mime.h),
 *                    each unpacked
 * Anything else is refused with the first bytes shown.
 *
 * Decompressed bytes stream to the sink; nothing is held whole in memory
 * except zip archives and e-mail messages (both capped by max_message).
 *
 * Limits (all enforced while streaming, before the bytes reach a parser):
 *   max_output   decompressed bytes per message (default 512 MiB)
 *   max_ratio    decompressed:compressed ratio once output passes 1 MiB
 *                (default 1000)
 *   max_entries  zip entries (default 64)
 *   max_message  bytes of an e-mail message or a zip archive (default 64 MiB)
 *   max_depth    containers inside containers, forwarded messages included
 *                (default 5)
 *
 * Sink protocol, for each document found:
 *   begin(ctx, &doc) → data(ctx, p, n)* → end(ctx, error)
 * where error is NULL, or a one-line container error (truncated gzip, a
 * limit hit) that invalidates the document.  Containers that yield no
 * document call refuse(ctx, name, reason).  Any sink call returning non-zero
 * stops the walk (unpack_* then return -1).
 */
#ifndef DS_UNPACK_H
#define DS_UNPACK_H

#include <stddef.h>
#include <stdint.h>

enum { FMT_EMPTY, FMT_XML, FMT_GZIP, FMT_ZIP, FMT_EMAIL, FMT_JSON, FMT_UNKNOWN };

typedef struct unpack_limits {
	uint64_t max_output;
	unsigned max_ratio;
	unsigned max_entries;
	size_t max_message;
	int max_depth;
} unpack_limits;

typedef struct unpack_doc {
	const char *name;	/* "file.xml.gz", "zip:file!entry.xml", "part 2 (x.zip)" */
	const char *content_type;	/* MIME type of the part it came from, or NULL */
	int from_text_part;	/* a text/ * MIME part: if it is no report, ignore it */
	int in_mime;		/* came out of an e-mail */
	const char *report_type;	/* the enclosing multipart/report's report-type,
					 * when the sink passed it on (UNPACK_MSG_WALK) */
} unpack_doc;

/* An e-mail's top-level facts, before its parts are walked. */
typedef struct unpack_email_facts {
	const char *content_type;	/* "type/subtype", lower case */
	const char *report_type;	/* multipart/report's report-type, lower case, or NULL */
	const char *subject;		/* decoded, or NULL */
} unpack_email_facts;

/* What the sink's message callback decides. */
enum {
	UNPACK_MSG_WALK = 0,	/* walk the parts; their documents carry report_type */
	UNPACK_MSG_WALK_PLAIN,	/* walk the parts, as documents of no report type */
	UNPACK_MSG_TAKEN,	/* the sink took the whole message: no walk */
	UNPACK_MSG_SKIP,	/* no walk; email() is then told the report type */
};

typedef struct unpack_sink {
	void *ctx;
	int (*begin)(void *ctx, const unpack_doc *doc);
	int (*data)(void *ctx, const void *p, size_t n);
	int (*end)(void *ctx, const char *error);
	int (*refuse)(void *ctx, const char *name, const char *reason, int ignorable);
	/* An e-mail's top-level facts (ARF and TLS-RPT detection); may be NULL. */
	int (*email)(void *ctx, const char *content_type, const char *report_type,
	    const char *subject);
	/* Input bytes consumed from a file (progress bars); may be NULL. */
	void (*progress)(void *ctx, size_t n);
	/* The whole message p[0..n) and its facts, before the walk: UNPACK_MSG_*,
	 * or non-zero negative to stop.  May be NULL: then the parts of a
	 * multipart/report are never walked (a DSN or an ARF report is no
	 * attachment), and email() always gets the report type.  With it,
	 * email() gets the report type only after UNPACK_MSG_SKIP. */
	int (*message)(void *ctx, const char *name, const unsigned char *p, size_t n,
	    const unpack_email_facts *f);
} unpack_sink;

typedef struct unpack {
	unpack_limits lim;
	const unpack_sink *sink;
	uint64_t out_total;	/* decompressed bytes so far, whole message */
	int stopped;
	const char *report_type;	/* passed on to the documents (unpack_doc) */
} unpack;

void unpack_limits_default(unpack_limits *l);
int unpack_sniff(const unsigned char *p, size_t n);
const char *unpack_fmt_name(int fmt);

/* An in-memory input.  name labels documents and refusals. */
int unpack_mem(unpack *u, const char *name, const unsigned char *p, size_t n);
/* A file, streamed when it is XML or gzip; fd is read from its current offset. */
int unpack_fd(unpack *u, const char *name, int fd);

#endif
