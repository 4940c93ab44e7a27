/*
 * schema.h - the embedded schema migrations (generated from src/store/sql/,
 * and src/store/sql_pg/ for PostgreSQL, by scripts/embed.sh at build time).
 * Migration i (0-based) brings a database from version i to version i+1; the
 * version lives in schema_version.
 */
#ifndef DS_SCHEMA_H
#define DS_SCHEMA_H

extern const char *const schema_migrations[];
extern const int schema_migration_count;

/* The PostgreSQL forms (src/store/sql_pg/, the same numbering). */
extern const char *const schema_pg_migrations[];
extern const int schema_pg_migration_count;

#endif
