/*
 * store.c - backend registry: store_open() chooses the backend from the DSN.
 *   "sqlite:PATH" or any plain path  → SQLite
 * (PostgreSQL, "postgresql://…", joins with store_pg.c.)
 */
#include "store.h"

#include <stdio.h>
#include <string.h>

int
store_open(store **out, const char *dsn, char *err, size_t errlen)
{
	*out = NULL;
	if (strncmp(dsn, "postgres://", 11) == 0 || strncmp(dsn, "postgresql://", 13) == 0) {
		snprintf(err, errlen, "PostgreSQL is not supported by this build yet (%s)", dsn);
		return STORE_ERR;
	}
	if (strncmp(dsn, "sqlite:", 7) == 0)
		dsn += 7;
	return store_sqlite_ops.open(out, dsn, err, errlen);
}

void
store_close(store *s)
{
	if (s != NULL)
		s->ops->close(s);
}
