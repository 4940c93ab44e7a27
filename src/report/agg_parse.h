/*
 * agg_parse.h - streaming parser for DMARC aggregate report XML.
 *
 * Accepts RFC 7489, the old 0.1 draft, the dmarc-xml/0.2 drafts and RFC 9990
 * (urn:ietf:params:xml:ns:dmarc-2.0), matching elements by local name, and
 * tolerates the real-world quirks of SPEC §6 (each one noted in the report's
 * warnings).  Bytes are pushed in with agg_feed(); results are pulled out
 * through callbacks, so memory stays bounded whatever the record count:
 *
 *   header(ctx, r)          once, when metadata and policy are known (before
 *                           the first record, or at the end if there is none).
 *                           Return AGG_CONTINUE, or AGG_STOP to abandon the
 *                           document quietly (a duplicate), or AGG_FAIL.
 *   record(ctx, r, rec)     per valid record.  rec's strings live until the
 *                           callback returns.  Invalid records (bad IP, bad
 *                           count) are skipped and noted in r->errors.
 *   trailer(ctx, r)         once at a clean end; counters are final.
 *
 * Two drivers share one event core: expat (strict; DOCTYPE and entity
 * declarations refused) and, for documents that are not well-formed, the
 * libxml2 push parser in recovery mode (AGG_MODE_RECOVER) which marks the
 * report `recovered`.  The caller decides when to retry (see ingest.c): only
 * after AGG_ERR_SYNTAX.
 *
 * Input is expected to be repaired UTF-8 (see utf8fix.h); agg_feed applies the
 * repair itself unless the document is UTF-16 (a BOM, or "<?" in UTF-16 without
 * one; the first 4 bytes are held back until that is decided, so chunking never
 * changes the outcome).
 */
#ifndef DS_AGG_PARSE_H
#define DS_AGG_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "report.h"

#define AGG_CONTINUE 0
#define AGG_STOP 1
#define AGG_FAIL (-1)

/* agg_feed / agg_finish results */
enum {
	AGG_OK = 0,		/* keep feeding / document complete */
	AGG_STOPPED,		/* header callback asked to stop */
	AGG_ERR_SYNTAX,		/* not well-formed: a recovery parse may help */
	AGG_ERR_REFUSED,	/* DOCTYPE/entities, depth or size limits: never retry */
	AGG_ERR_NOT_REPORT,	/* well-formed XML, but not an aggregate report */
	AGG_ERR_CALLBACK,	/* a callback failed (e.g. the store) */
};

enum { AGG_MODE_STRICT = 0, AGG_MODE_RECOVER = 1 };

typedef struct agg_handler {
	int (*header)(void *ctx, dm_report *r);
	int (*record)(void *ctx, dm_report *r, const dm_record *rec);
	int (*trailer)(void *ctx, dm_report *r);
	void *ctx;
} agg_handler;

typedef struct agg_limits {
	size_t max_text;	/* bytes per element text (default DM_MAX_TEXT) */
	uint64_t max_records;	/* records per report (default 50,000,000) */
	uint64_t max_count;	/* largest believable <count> (default 1e9) */
	int max_depth;		/* element nesting (default 32) */
} agg_limits;

typedef struct agg_parser agg_parser;

void agg_limits_default(agg_limits *l);
agg_parser *agg_new(const agg_handler *h, const agg_limits *l, int mode);
int agg_feed(agg_parser *p, const char *buf, size_t n);
int agg_finish(agg_parser *p);
const char *agg_error(const agg_parser *p);	/* one line; valid until agg_free */
dm_report *agg_report(agg_parser *p);		/* the report being built */
void agg_free(agg_parser *p);

#endif
