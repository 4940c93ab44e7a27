/*
 * api_keys.h - the JSON keys of the API's rows: for each portal query (enum
 * swq, src/store/store_web.h) whose rows become JSON objects, the table of
 * its columns (the names the store hands out, SQL aliases) with the JSON key
 * each one is written under and the JSON types its values may have.  The
 * API's keys are decided here, in src/web/, not by SQL aliases: a column
 * the table does not name (a renamed alias, a new column of SELECT *, a
 * query without a table) is an error, never a silently changed API.
 *
 * Exports: api_key, api_key_table, api_key_tables, api_key_of,
 * api_key_type_ok, AK_*.
 */
#ifndef DS_API_KEYS_H
#define DS_API_KEYS_H

#include <stddef.h>

#include "../store/store_web.h"

/* The JSON types a column's values may have (bits); null is always allowed. */
#define AK_INT 0x1
#define AK_REAL 0x2
#define AK_TEXT 0x4
#define AK_NUM (AK_INT | AK_REAL)

typedef struct api_key {
	const char *col;	/* the column's name as the store hands it out */
	const char *key;	/* the JSON key */
	int types;		/* AK_* */
} api_key;

typedef struct api_key_table {
	const api_key *k;
	size_t n;		/* 0: the query's rows never become JSON */
} api_key_table;

extern const api_key_table api_key_tables[SWQ__COUNT];

/* The entry of column i, named col, of query q's rows; NULL when the table
 * does not name it (or q has no table). */
const api_key *api_key_of(int q, int i, const char *col);
/* Is v's type (SWV_*) one the entry allows?  SWV_NULL always is. */
int api_key_type_ok(const api_key *k, const store_web_val *v);

#endif
