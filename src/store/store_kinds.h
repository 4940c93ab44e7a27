/*
 * store_kinds.h - the store's sub-interface for the report kinds beside
 * aggregate reports (failure reports, TLS reports; docs/REPORT-KINDS.md):
 * the writer adds one parsed document, duplicates are found by the kind's
 * identity, and the read side walks or counts what is stored (export, stats,
 * digest) and applies the sample retention.  The portal's list reads live in
 * store_web.h like the other screens'.
 *
 * Tables: src/store/sql/007_kinds.sql.  Conventions as in store.h (STORE_OK /
 * STORE_ERR, store_errmsg, strings copied, rows valid only in callbacks).
 *
 * Exports: struct store_kinds_ops, store_kind_row, store_kinds_filter,
 * store_sqlite_kinds_ops.
 */
#ifndef DS_STORE_KINDS_H
#define DS_STORE_KINDS_H

#include <stdint.h>

#include <jansson.h>

#include "store.h"

typedef struct store_kinds_filter {
	const char *domain;	/* policy domain, NULL: all */
	int64_t since, until;	/* unix, inclusive / exclusive, 0: open.  failure:
				 * arrival_time; tlsrpt: date_begin */
	int dmarc_only;		/* failure: only is_dmarc_failure = 1 */
} store_kinds_filter;

/* One stored document as read back. */
typedef struct store_kind_row {
	int64_t id, raw_id, ingested_at;
	const char *ident;
	const char *model_json;	/* the stored model (after redaction / purge) */
} store_kind_row;

struct store_kinds_ops {
	/* Store one parsed document of `kind` (DM_KIND_FAILURE / DM_KIND_TLSRPT)
	 * from the archived message raw_id: model is the kind's to_json(),
	 * ident its identity().  Sets *id to the new row, or *dup_of (and adds
	 * nothing but a kind_duplicates row carrying source) when a document
	 * with the same ident exists. */
	int (*add)(store *s, int kind, int64_t raw_id, const json_t *model, const char *ident,
	    const char *source, int64_t *id, int64_t *dup_of);
	/* Every stored document of kind matching f, oldest first. */
	int (*each)(store *s, int kind, const store_kinds_filter *f,
	    int (*cb)(void *, const store_kind_row *), void *ctx);
	/* How many documents of kind match f. */
	int (*count)(store *s, int kind, const store_kinds_filter *f, int64_t *n);
	/* Retention of failure-report samples: drop the sample's headers and
	 * text (and the URLs' table rows stay) of reports that arrived before
	 * `before`; *n gets how many were purged. */
	int (*purge_samples)(store *s, int64_t before, int64_t *n);
};

extern const struct store_kinds_ops store_sqlite_kinds_ops;

#endif
