/*
 * sqlite_prof.h - a statement profile of one SQLite handle
 * ($DMARCSCOPE_SQL_PROFILE; see sqlite_prof.c).
 */
#ifndef DS_SQLITE_PROF_H
#define DS_SQLITE_PROF_H

#include <sqlite3.h>

struct sq_prof;

struct sq_prof *sq_prof_start(sqlite3 *db);
void sq_prof_end(struct sq_prof *p);

#endif
