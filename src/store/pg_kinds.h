/*
 * pg_kinds.h - what one report kind's PostgreSQL file provides to
 * store_pg_kinds.c (not for use outside src/store/): the counterpart of
 * sqlite_kinds.h.  A kind listed in src/report/kinds.def defines
 * `const pg_kind pg_kind_<kind>` in store_pg_<kind>.c.
 *
 * Exports: pg_kind, PGK_* slots, pg_kind_exec, pg_kind_run.
 */
#ifndef DS_PG_KINDS_H
#define DS_PG_KINDS_H

#include <stdint.h>

#include <jansson.h>

#include "pg_priv.h"

typedef struct pg_kind {
	int kind;			/* DM_KIND_* */
	const char *name;		/* "failure" */
	const char *table;		/* with columns id, raw_id, ident, model, ingested_at */
	const char *time_col;		/* what since/until filter and each() orders by */
	const char *domain_cond;	/* SQL condition on $1, the policy domain */
	const char *dmarc_cond;		/* store_kinds_filter.dmarc_only, or NULL */
	/* Store a new document: its row (INSERT ... ON CONFLICT (ident) DO
	 * NOTHING RETURNING id) and, when it was inserted, its child rows.
	 * *id gets the new row's id, or 0 when a row with that ident exists
	 * (nothing else written). */
	int (*add)(pg_store *q, const struct pg_kind *k, int64_t raw_id, const json_t *model,
	    const char *ident, int64_t *id);
} pg_kind;

/* Statement slots in PGA_KINDS: the generic file's first, then PGK__SLOTS
 * per kind in registration order. */
#define PGK_BASE 16
enum { PGK_FIND = 0, PGK_MERGE, PGK_RAWDUP, PGK_OWN1, PGK_OWN2, PGK_OWN3, PGK_OWN4,
    PGK__SLOTS = 8 };

/* pg_exec / pg_run of the kind's statement in slot (PGK_*). */
PGresult *pg_kind_exec(pg_store *q, const pg_kind *k, int slot, const char *sqltext,
    const pg_params *p, const char *what);
int pg_kind_run(pg_store *q, const pg_kind *k, int slot, const char *sqltext, const pg_params *p,
    const char *what);

#endif
