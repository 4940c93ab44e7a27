/*
 * kind.h - the report-kind interface: what one kind of report (aggregate,
 * failure, TLS-RPT, ...) must provide so that the ingest pipeline can sniff,
 * parse, ship, deduplicate and store it without knowing which kind it is.
 * docs/REPORT-KINDS.md explains the design and how each kind fills it.
 *
 * A kind is described by one `dm_kind` (parsing side, lives beside the
 * parser in src/report/) and, next session, one `dm_kind_store` (writing side,
 * beside the store in src/store/).  The registry is one array of kinds; the
 * first kind with the highest sniff confidence gets the document.
 *
 * Two shapes of parser:
 *   - whole-document kinds (failure, tlsrpt): the document is small and
 *     capped (lim->max_bytes); parse() takes all of it and returns a model;
 *   - streaming kinds (aggregate): stream_new/feed/finish, the parser calls
 *     back per record; the caller never holds the document.
 * A kind sets exactly one of parse or stream_new.
 *
 * Exports: dm_kind, dm_sniff_in, dm_kind_limits, the DM_KIND_* ids, the
 * DM_SNIFF_* confidences, DM_KERR_* results, dm_kind_best(), and the
 * descriptors of the kinds built so far (dm_kind_failure in arf.c,
 * dm_kind_tlsrpt in tlsrpt.c).
 *
 * Ownership: a model returned by parse() belongs to the caller, who frees it
 * with the same kind's free_model().  Strings given to sniff() are borrowed.
 */
#ifndef DS_KIND_H
#define DS_KIND_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Stable ids: stored in the database (reports.kind) and in events. */
enum { DM_KIND_AGGREGATE = 1, DM_KIND_FAILURE = 2, DM_KIND_TLSRPT = 3 };

/* Sniff confidences: 0 = not mine; the pipeline gives the document to the
 * kind with the highest value, ties to the first registered. */
enum {
	DM_SNIFF_NO = 0,
	DM_SNIFF_MAYBE = 30,	/* the syntax fits ('{', '<'): parse() decides */
	DM_SNIFF_LIKELY = 60,	/* a telltale seen in the first bytes */
	DM_SNIFF_SURE = 100,	/* declared: a MIME report-type says so */
};

/* parse() results. */
enum {
	DM_KERR_OK = 0,
	DM_KERR_NOT_REPORT,	/* well-formed, but not this kind: try no other */
	DM_KERR_SYNTAX,		/* this kind, broken */
	DM_KERR_LIMIT,		/* a cap was hit: refused with the cap named */
};

/* What a kind may look at to claim a document.  The pipeline fills it from
 * unpack's sink: the first bytes of the document and, when the document is
 * (or came out of) an e-mail, the e-mail's top-level facts. */
typedef struct dm_sniff_in {
	const unsigned char *head;	/* the first bytes (HEAD_BYTES, 512) */
	size_t headlen;
	int is_message;			/* the document is a whole RFC 5322 message */
	const char *mail_type;		/* top-level "type/subtype", lower case, or NULL */
	const char *report_type;	/* multipart/report's report-type, or NULL */
	const char *subject;		/* decoded Subject of the e-mail, or NULL */
} dm_sniff_in;

/* Caps every kind honours; 0 = the kind's default. */
typedef struct dm_kind_limits {
	size_t max_bytes;	/* the whole document */
	unsigned max_parts;	/* MIME parts (failure) */
	unsigned max_depth;	/* MIME / JSON nesting */
	unsigned max_headers;	/* header fields per header block */
	unsigned max_items;	/* URLs (failure), policies (tlsrpt) */
	unsigned max_details;	/* failure-details (tlsrpt) */
} dm_kind_limits;

/* Duplicate identity: a short printable key; two documents of the same kind
 * with the same key are the same report.  Never empty: a kind that cannot
 * build a semantic key falls back to "sha256:<hex of the bytes>". */
#define DM_KIND_KEYLEN 160

typedef struct dm_kind {
	const char *name;	/* "aggregate" | "failure" | "tlsrpt" */
	int id;			/* DM_KIND_* */

	/* 0..100, see DM_SNIFF_*.  Cheap: no allocation, no full parse. */
	int (*sniff)(const dm_sniff_in *in);

	/* Whole-document kinds.  *model is set on DM_KERR_OK; err gets a
	 * one-line reason otherwise (and warnings never fail a parse: they
	 * live in the model). */
	int (*parse)(const unsigned char *p, size_t n, const dm_kind_limits *lim,
	    void **model, char *err, size_t errlen);

	/* Streaming kinds: the aggregate parser (agg_parse.h) behind these. */
	void *(*stream_new)(void *handler, const dm_kind_limits *lim);
	int (*stream_feed)(void *st, const void *p, size_t n);
	int (*stream_finish)(void *st, char *err, size_t errlen);
	void (*stream_free)(void *st);

	/* The duplicate identity of a model (see DM_KIND_KEYLEN). */
	void (*identity)(const void *model, char key[DM_KIND_KEYLEN]);

	/* Events: the model's canonical JSON (a new reference), which the
	 * parsing thread packs into one event (json_dumpb) and the kind's
	 * store file reads back on the writing thread.  Whole-document kinds
	 * are small and capped, so this costs little; the aggregate kind keeps
	 * its per-record events instead (NULL here). */
	json_t *(*to_json)(const void *model);

	void (*free_model)(void *model);
} dm_kind;

/* The kinds that exist in this tree. */
extern const dm_kind dm_kind_failure;	/* arf.c */
extern const dm_kind dm_kind_tlsrpt;	/* tlsrpt.c */

/* The kind with the highest confidence among kinds[0..n), or NULL when none
 * claims the document; *conf gets the confidence. */
static inline const dm_kind *
dm_kind_best(const dm_kind *const *kinds, size_t n, const dm_sniff_in *in, int *conf)
{
	const dm_kind *best = NULL;
	int bc = DM_SNIFF_NO;

	for (size_t i = 0; i < n; i++) {
		int c = kinds[i]->sniff != NULL ? kinds[i]->sniff(in) : DM_SNIFF_NO;

		if (c > bc) {
			bc = c;
			best = kinds[i];
		}
	}
	if (conf != NULL)
		*conf = bc;
	return best;
}

#endif
