/*
 * sqlite_kinds.h - what one report kind's SQLite file provides to
 * store_sqlite_kinds.c (not for use outside src/store/): its table, the
 * columns the filters use, and the function that stores one model.
 *
 * A new kind adds one file store_sqlite_<kind>.c defining
 * `const sq_kind sq_kind_<kind>` and one line in src/report/kinds.def.
 *
 * Exports: sq_kind, SQK_* slots, sq_kind_prep, sq_kind_dup_row, json helpers
 * sqk_str / sqk_int / sqk_dump.
 */
#ifndef DS_SQLITE_KINDS_H
#define DS_SQLITE_KINDS_H

#include <stdint.h>

#include <jansson.h>

#include "sqlite_priv.h"

typedef struct sq_kind {
	int kind;			/* DM_KIND_* */
	const char *name;		/* "failure" */
	const char *table;		/* with columns id, raw_id, ident, model, ingested_at */
	const char *time_col;		/* what since/until filter and each() orders by */
	const char *domain_cond;	/* SQL condition on ?1, the policy domain */
	const char *dmarc_cond;		/* store_kinds_filter.dmarc_only, or NULL */
	/* Store a new document (its ident is not stored yet): the row and
	 * its child rows; *id gets the row's id. */
	int (*add)(sq_store *q, const struct sq_kind *k, int64_t raw_id, const json_t *model,
	    const char *ident, int64_t *id);
} sq_kind;

/* Statement slots in SQA_KINDS: the generic file's first, then SQK__SLOTS
 * per kind. */
#define SQK_BASE 8
enum { SQK_FIND = 0, SQK_OWN1, SQK_OWN2, SQK_OWN3, SQK_OWN4, SQK_OWN5, SQK__SLOTS = 8 };

sqlite3_stmt *sq_kind_prep(sq_store *q, const sq_kind *k, int slot, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int sq_kind_dup_row(sq_store *q, int kind, int64_t target, int64_t raw_id, const char *source);

/* The string member key of o (NULL when absent or not a string). */
static inline const char *
sqk_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static inline int64_t
sqk_int(const json_t *o, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(o, key));
}

/* o as compact JSON (malloc'ed), "[]" for NULL. */
static inline char *
sqk_dump(const json_t *o)
{
	return o != NULL ? json_dumps(o, JSON_COMPACT | JSON_ENCODE_ANY) : strdup("[]");
}

#endif
