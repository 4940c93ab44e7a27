/*
 * sqlite_prof.c - a statement profile of one SQLite handle, for finding
 * where ingest and the screens spend their database time (the SQLite
 * counterpart of bench/pg_profile.sh's pg_stat_statements).
 *
 * With DMARCSCOPE_SQL_PROFILE set, every statement the handle runs is timed
 * by SQLite's own profile callback (a statement's triggers count in it) and
 * summed by its SQL text; when the handle closes, the 30 costliest are
 * printed to stderr: total ms, calls, mean µs, and the first 110 characters
 * of the text.  Without the variable nothing is installed and nothing costs.
 *
 * Exports:
 *   sq_prof_start(db)   a profile for db, or NULL (variable unset, no memory)
 *   sq_prof_end(p)      print and free p (NULL: nothing)
 * Ownership: the caller keeps p beside db and ends it before closing db.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_prof.h"

#define PROF_SLOTS 1024		/* distinct statement texts (open addressing) */

struct prof_row {
	const char *sql;	/* owned copy; NULL: empty slot */
	uint64_t ns, calls;
};

struct sq_prof {
	sqlite3 *db;
	size_t used;
	uint64_t dropped;	/* statements not counted: the table was full */
	struct prof_row row[PROF_SLOTS];
};

static uint64_t
hash_text(const char *s)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static int
on_trace(unsigned type, void *ctx, void *p, void *x)
{
	struct sq_prof *pr = ctx;
	const char *sql;
	size_t i, n;

	if (type != SQLITE_TRACE_PROFILE || (sql = sqlite3_sql(p)) == NULL)
		return 0;
	for (i = hash_text(sql) % PROF_SLOTS, n = 0; n < PROF_SLOTS; i = (i + 1) % PROF_SLOTS, n++) {
		struct prof_row *r = &pr->row[i];

		if (r->sql == NULL) {
			if (pr->used + 1 >= PROF_SLOTS || (r->sql = strdup(sql)) == NULL)
				break;
			pr->used++;
		} else if (strcmp(r->sql, sql) != 0)
			continue;
		r->ns += *(sqlite3_int64 *)x;
		r->calls++;
		return 0;
	}
	pr->dropped++;
	return 0;
}

struct sq_prof *
sq_prof_start(sqlite3 *db)
{
	struct sq_prof *pr;
	const char *v = getenv("DMARCSCOPE_SQL_PROFILE");

	if (v == NULL || *v == '\0' || (pr = calloc(1, sizeof(*pr))) == NULL)
		return NULL;
	pr->db = db;
	sqlite3_trace_v2(db, SQLITE_TRACE_PROFILE, on_trace, pr);
	return pr;
}

static int
by_time(const void *a, const void *b)
{
	const struct prof_row *x = a, *y = b;

	return x->ns < y->ns ? 1 : x->ns > y->ns ? -1 : 0;
}

void
sq_prof_end(struct sq_prof *pr)
{
	uint64_t all = 0;
	size_t n = 0;

	if (pr == NULL)
		return;
	sqlite3_trace_v2(pr->db, 0, NULL, NULL);
	for (size_t i = 0; i < PROF_SLOTS; i++)
		if (pr->row[i].sql != NULL) {
			all += pr->row[i].ns;
			pr->row[n++] = pr->row[i];
		}
	qsort(pr->row, n, sizeof(pr->row[0]), by_time);
	fprintf(stderr, "sql profile: %zu statements, %.1f ms in all%s\n", n, (double)all / 1e6,
	    pr->dropped > 0 ? " (table full: some not counted)" : "");
	for (size_t i = 0; i < n && i < 30; i++) {
		char text[111];
		size_t k = 0;

		for (const char *s = pr->row[i].sql; *s != '\0' && k < sizeof(text) - 1; s++)
			if (!(k > 0 && text[k - 1] == ' ' && (*s == ' ' || *s == '\n' || *s == '\t')))
				text[k++] = *s == '\n' || *s == '\t' ? ' ' : *s;
		text[k] = '\0';
		fprintf(stderr, "%9.1f ms %8llu calls %8.1f us  %s\n", (double)pr->row[i].ns / 1e6,
		    (unsigned long long)pr->row[i].calls,
		    (double)pr->row[i].ns / 1e3 / (double)pr->row[i].calls, text);
	}
	for (size_t i = 0; i < n; i++)
		free((void *)pr->row[i].sql);
	free(pr);
}
