/*
 * test_sqlite_stage.c - unit tests for SQLite's settle of a grouped
 * transaction's rollups (src/store/store_sqlite_stage.c, sql/028): the
 * same rollup rows written in a grouped transaction ("unit" savepoints,
 * staged, settled before the COMMIT) and one transaction per row (the row
 * triggers) leave every rollup and every table the triggers keep equal;
 * a message rolled back to its savepoint takes its staged rows along (a
 * group's first message, which is not staged, and its second, which is); a
 * whole rollback leaves nothing, and the next group stages again; the flag
 * row is never committed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store/store.h"
#include "store/store_analysis.h"

#define DAY0 19723	/* 2024-01-01 */

typedef struct row {
	const char *domain, *prefix;
	int64_t day, cls, spf, dkim, messages;
} row;

/* Two groups of messages: keys repeated inside a group and across the
 * two, new and known source rows, days in one span and across spans. */
static const row msgs[][3] = {
	{ { "a.example", "192.0.2.0/24", DAY0, 0, 0, 0, 5 },
	  { "a.example", "198.51.100.0/24", DAY0 + 1, 3, 1, 1, 2 },
	  { "b.example", "192.0.2.0/24", DAY0 + 70, 1, 1, 0, 4 } },
	{ { "a.example", "192.0.2.0/24", DAY0, 0, 0, 0, 3 },
	  { "a.example", "192.0.2.0/24", DAY0 + 2, 2, 1, 1, 1 },
	  { "c.example", "203.0.113.0/24", DAY0 + 5, 0, 0, 0, 9 } },
	{ { "b.example", "192.0.2.0/24", DAY0 + 70, 1, 1, 0, 6 },
	  { "a.example", "198.51.100.0/24", DAY0 + 17, 3, 1, 1, 2 },
	  { "a.example", "192.0.2.0/24", DAY0 + 1, 0, 0, 0, 8 } },
	{ { "c.example", "203.0.113.0/24", DAY0 + 5, 3, 1, 1, 1 },
	  { "d.example", "192.0.2.0/24", DAY0 + 64, 0, 0, 0, 2 },
	  { "a.example", "198.51.100.0/24", DAY0 + 1, 3, 1, 1, 4 } },
};
#define NMSG (int)(sizeof(msgs) / sizeof(msgs[0]))

static void
add_row(store *s, const row *r)
{
	store_rollup_day d = { r->domain, r->day, (int)r->cls, 0, (int)r->spf, (int)r->dkim, 0, 0,
	    0, 0, r->messages, 1 };
	store_rollup_src x = { r->domain, r->day, r->prefix, r->messages,
	    r->spf == 0 ? r->messages : 0, r->dkim == 0 ? r->messages : 0,
	    r->cls == 0 ? r->messages : 0, r->cls == 3 ? r->messages : 0 };

	assert_int_equal(store_analysis_rollup_day_add(s, &d), STORE_OK);
	assert_int_equal(store_analysis_rollup_src_add(s, &x), STORE_OK);
}

static void
add_msg(store *s, int m)
{
	for (int i = 0; i < 3; i++)
		add_row(s, &msgs[m][i]);
}

static store *
fresh(char *path, size_t len)
{
	char err[256];
	store *s = NULL;
	int fd;

	snprintf(path, len, "/tmp/test_sqlite_stage.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	assert_int_equal(store_open(&s, path, err, sizeof(err)), STORE_OK);
	return s;
}

static void
drop(store *s, const char *path)
{
	char p[512];

	store_close(s);
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

/* Every rollup and every table their triggers keep, the overview's rows by
 * domain name, as text (read through a connection of its own: what was
 * committed). */
static char *
dump(const char *path)
{
	static const char *const q[] = {
		"SELECT * FROM rollup_day ORDER BY 1, 2, 3, 4, 5, 6",
		"SELECT * FROM rollup_src ORDER BY 1, 2, 3",
		"SELECT * FROM rollup_src_span ORDER BY 1, 2, 3, 4",
		"SELECT d.policy_domain, t.day, t.messages, t.dmarc_pass, t.spf_aligned, "
		"t.dkim_aligned, t.forwarded, t.auth_failure, t.spoofing FROM rollup_domain_day t "
		"JOIN ov_domain d ON d.id = t.domain_id ORDER BY 1, 2",
		"SELECT d.policy_domain, t.level, t.start, t.messages, t.dmarc_pass, t.spoofing, "
		"t.first_day, t.last_day FROM rollup_domain_span t JOIN ov_domain d "
		"ON d.id = t.domain_id ORDER BY 1, 2, 3",
		"SELECT count(*) FROM rollup_settling",
	};
	sqlite3 *db;
	size_t cap = 1 << 16, len = 0;
	char *out = calloc(1, cap);

	assert_non_null(out);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		sqlite3_stmt *st;

		assert_int_equal(sqlite3_prepare_v2(db, q[i], -1, &st, NULL), SQLITE_OK);
		len += (size_t)snprintf(out + len, cap - len, "== %zu\n", i);
		while (sqlite3_step(st) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(st); c++) {
				const unsigned char *v = sqlite3_column_text(st, c);

				len += (size_t)snprintf(out + len, cap - len, "%s%s", c ? "|" : "",
				    v ? (const char *)v : "NULL");
			}
			len += (size_t)snprintf(out + len, cap - len, "\n");
			assert_true(len < cap - 256);
		}
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return out;
}

/* The reference: one transaction per message, no savepoint: the triggers. */
static char *
one_by_one(int skip)
{
	char path[64];
	store *s = fresh(path, sizeof(path));
	char *d;

	for (int m = 0; m < NMSG; m++) {
		if (m == skip)
			continue;
		assert_int_equal(store_begin(s), STORE_OK);
		add_msg(s, m);
		assert_int_equal(store_commit(s), STORE_OK);
	}
	d = dump(path);
	drop(s, path);
	return d;
}

/* Two groups (messages 0-1, then 2-3), each message in a "unit" savepoint;
 * message skip is rolled back to its savepoint after its rows were added. */
static char *
grouped(int skip)
{
	char path[64];
	store *s = fresh(path, sizeof(path));
	char *d;

	for (int g = 0; g < 2; g++) {
		assert_int_equal(store_begin(s), STORE_OK);
		for (int m = 2 * g; m < 2 * g + 2; m++) {
			assert_int_equal(store_mark(s, "unit"), STORE_OK);
			add_msg(s, m);
			if (m == skip)
				assert_int_equal(store_mark_rollback(s, "unit"), STORE_OK);
			else
				assert_int_equal(store_mark_release(s, "unit"), STORE_OK);
		}
		assert_int_equal(store_commit(s), STORE_OK);
	}
	d = dump(path);
	drop(s, path);
	return d;
}

static void
test_grouped_equals_triggers(void **state)
{
	char *a = one_by_one(-1), *b = grouped(-1);

	(void)state;
	assert_non_null(strstr(a, "c.example|19728|203.0.113.0/24|10|"));	/* 9 + 1 */
	assert_non_null(strstr(a, "== 5\n0\n"));	/* no flag row */
	assert_string_equal(a, b);
	free(a);
	free(b);
}

static void
test_message_rolled_back(void **state)
{
	/* message 2 (the second group's first) and message 1 (the first's last) */
	for (int skip = 1; skip <= 2; skip++) {
		char *a = one_by_one(skip), *b = grouped(skip), *all = one_by_one(-1);

		(void)state;
		assert_string_equal(a, b);
		assert_string_not_equal(a, all);
		free(a);
		free(b);
		free(all);
	}
}

static void
test_rollback_then_group(void **state)
{
	char path[64], ref[64];
	store *s = fresh(path, sizeof(path)), *r = fresh(ref, sizeof(ref));
	char *a, *b;

	(void)state;
	/* a whole group rolled back (its stage tables were made in it: the
	 * stage begins at a group's second message) */
	assert_int_equal(store_begin(s), STORE_OK);
	for (int m = 0; m < 2; m++) {
		assert_int_equal(store_mark(s, "unit"), STORE_OK);
		add_msg(s, m);
		assert_int_equal(store_mark_release(s, "unit"), STORE_OK);
	}
	assert_int_equal(store_rollback(s), STORE_OK);
	/* the next group stages again */
	assert_int_equal(store_begin(s), STORE_OK);
	for (int m = 1; m < 3; m++) {
		assert_int_equal(store_mark(s, "unit"), STORE_OK);
		add_msg(s, m);
		assert_int_equal(store_mark_release(s, "unit"), STORE_OK);
	}
	assert_int_equal(store_commit(s), STORE_OK);
	for (int m = 1; m < 3; m++) {
		assert_int_equal(store_begin(r), STORE_OK);
		add_msg(r, m);
		assert_int_equal(store_commit(r), STORE_OK);
	}
	a = dump(path);
	b = dump(ref);
	assert_string_equal(a, b);
	free(a);
	free(b);
	drop(s, path);
	drop(r, ref);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grouped_equals_triggers),
		cmocka_unit_test(test_message_rolled_back),
		cmocka_unit_test(test_rollback_then_group),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
