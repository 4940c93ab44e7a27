/*
 * store.c - backend registry: store_open() chooses the backend from the DSN.
 *   "sqlite:PATH" or any plain path            → SQLite
 *   "postgresql://..." or "postgres://..."     → PostgreSQL (store_pg.c; libpq's
 *                                                URI syntax, passed on whole)
 * and store_exists(): is there a store at a DSN, without creating one.
 */
#include "store.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
store_open(store **out, const char *dsn, char *err, size_t errlen)
{
	*out = NULL;
	if (strncmp(dsn, "postgres://", 11) == 0 || strncmp(dsn, "postgresql://", 13) == 0)
		return store_pg_ops.open(out, dsn, err, errlen);
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

int
store_exists(const char *dsn)
{
	if (strstr(dsn, "://") != NULL)
		return 1;
	if (strncmp(dsn, "sqlite:", 7) == 0)
		dsn += 7;
	return access(dsn, F_OK) == 0;
}
