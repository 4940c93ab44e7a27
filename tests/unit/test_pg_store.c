/*
 * test_pg_store.c - the PostgreSQL backend's connection and transaction
 * machinery (src/store/store_pg.c, pg_util.c, pg_queue.c) on a real server:
 * the migrations, a deferred write's error surfacing at the next statement
 * and rolled back whole, a rollback dropping what waits unsent, a lost
 * connection made again between transactions (and not inside one), and
 * bulk mode's rollup stage (store_pg_batch.c): not for one small message,
 * for a large one once its batch fills; rows settled before a read
 * that names a rollup and before the COMMIT, a savepoint's rollback taking
 * its stage rows along (and undoing a settle after it), a rolled-back
 * transaction all of them, a second grouped writer waiting for the first;
 * a grouped transaction's records held across its messages and savepoints.
 *
 * Needs DMARCSCOPE_TEST_PG=postgresql://... (an empty database; tests/pg/core.sh
 * sets it); without it every test is skipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store/pg_priv.h"
#include "store/store_alerts.h"
#include "store/store_analysis.h"
#include "store/schema.h"

static const char *dsn;

static store *
open_store(void)
{
	store *s = NULL;
	char err[512];

	if (store_open(&s, dsn, err, sizeof(err)) != STORE_OK)
		fail_msg("store_open: %s", err);
	return s;
}

static int64_t
count(store *s, const char *table)
{
	char sql[128];
	PGresult *r;
	int64_t n;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	r = PQexec(PG(s)->conn, sql);
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	n = pg_int(r, 0, 0);
	PQclear(r);
	return n;
}

/* Ends the store's server process from another connection. */
static void
terminate(store *s)
{
	PGconn *c = PQconnectdb(dsn);
	char sql[96];
	PGresult *r;

	assert_int_equal(PQstatus(c), CONNECTION_OK);
	snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(%d)", PQbackendPID(PG(s)->conn));
	r = PQexec(c, sql);
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	PQclear(r);
	PQfinish(c);
}

static void
need_server(void)
{
	if (dsn == NULL)
		skip();
}

static void
test_migrated(void **state)
{
	store *s;
	PGresult *r;

	(void)state;
	need_server();
	s = open_store();
	r = PQexec(PG(s)->conn, "SELECT max(version) FROM schema_version");
	assert_int_equal(pg_int(r, 0, 0), schema_pg_migration_count);
	PQclear(r);
	store_close(s);
	s = open_store();	/* again: nothing to do */
	assert_int_equal(count(s, "schema_version"), schema_pg_migration_count);
	store_close(s);
}

/* A chunk of a message that does not exist fails its foreign key: the
 * write waits in the queue, and the next statement reports it. */
static void
test_deferred_error(void **state)
{
	store *s;
	int64_t id = 0, before;
	char st[32];

	(void)state;
	need_server();
	s = open_store();
	before = count(s, "raw_messages");
	assert_int_equal(store_begin(s), STORE_OK);
	assert_int_equal(store_raw_new(s, "unit", "none", NULL, &id), STORE_OK);
	assert_int_equal(store_raw_chunk(s, id + 1000000, 0, "x", 1), STORE_OK);
	assert_int_equal(store_raw_find(s, "00", &id, st, sizeof(st)), STORE_ERR);
	assert_non_null(strstr(store_errmsg(s), "archiving a chunk"));
	assert_int_equal(store_rollback(s), STORE_OK);
	assert_int_equal(count(s, "raw_messages"), before);
	/* the connection works on */
	assert_int_equal(store_raw_find(s, "00", &id, st, sizeof(st)), STORE_OK);
	store_close(s);
}

/* What waits is dropped by a rollback, never sent. */
static void
test_rollback_drops_queue(void **state)
{
	store *s;
	int64_t id = 0, before;

	(void)state;
	need_server();
	s = open_store();
	before = count(s, "raw_chunks");
	assert_int_equal(store_begin(s), STORE_OK);
	assert_int_equal(store_raw_new(s, "unit", "none", NULL, &id), STORE_OK);
	assert_int_equal(store_raw_chunk(s, id, 0, "abc", 3), STORE_OK);
	assert_true(pg_queue_pending(PG(s)));
	assert_int_equal(store_rollback(s), STORE_OK);
	assert_false(pg_queue_pending(PG(s)));
	assert_int_equal(count(s, "raw_chunks"), before);
	/* and committed, it is there */
	assert_int_equal(store_begin(s), STORE_OK);
	assert_int_equal(store_raw_new(s, "unit", "none", NULL, &id), STORE_OK);
	assert_int_equal(store_raw_chunk(s, id, 0, "abc", 3), STORE_OK);
	assert_int_equal(store_commit(s), STORE_OK);
	assert_int_equal(count(s, "raw_chunks"), before + 1);
	store_close(s);
}

static void
test_reconnect(void **state)
{
	store *s;
	store_summary sum;
	int64_t id = 0;

	(void)state;
	need_server();
	s = open_store();
	assert_int_equal(store_summary_get(s, NULL, &sum), STORE_OK);
	terminate(s);
	/* the statement that finds the connection gone fails; the next works */
	if (store_summary_get(s, NULL, &sum) != STORE_OK)
		assert_int_equal(store_summary_get(s, NULL, &sum), STORE_OK);
	assert_int_equal(store_begin(s), STORE_OK);
	assert_int_equal(store_raw_new(s, "unit", "none", NULL, &id), STORE_OK);
	assert_int_equal(store_commit(s), STORE_OK);

	/* lost inside a transaction: that transaction fails, nothing runs
	 * outside it; after the rollback the store works again */
	assert_int_equal(store_begin(s), STORE_OK);
	assert_int_equal(store_raw_new(s, "unit", "none", NULL, &id), STORE_OK);
	terminate(s);
	/* deferred (waits) or, not prepared yet on this connection, fails now */
	(void)store_raw_set_state(s, id, RAW_STORED, NULL, 0);
	assert_int_equal(store_commit(s), STORE_ERR);
	assert_int_equal(store_raw_new(s, "unit", "none", NULL, &id), STORE_ERR);
	assert_int_equal(store_rollback(s), STORE_OK);
	assert_int_equal(store_begin(s), STORE_OK);
	assert_int_equal(store_commit(s), STORE_OK);
	store_close(s);
}

/* ---- bulk mode's rollup stage ---- */

static int
sum_day(void *ctx, const store_rollup_day *r)
{
	*(int64_t *)ctx += r->messages;
	return 0;
}

/* Messages of the test domain in rollup_day, read through the store (the
 * statement names the rollup: the stage settles first). */
static int64_t
day_messages(store *s)
{
	store_filter f = { "stage.example", 0, 0 };
	int64_t n = 0;

	assert_int_equal(store_analysis_rollup_day_scan(s, &f, sum_day, &n), STORE_OK);
	return n;
}

static int64_t
scalar(store *s, const char *sql)
{
	PGresult *r = PQexec(PG(s)->conn, sql);
	int64_t n;

	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(PG(s)->conn));
	n = pg_int(r, 0, 0);
	PQclear(r);
	return n;
}

static void
add_rows(store *s, int64_t day, int64_t messages)
{
	store_rollup_day d = { "stage.example", day, 1, 0, 1, 1, 0, 0, 0, 1, messages, 1 };
	store_rollup_src x = { "stage.example", day, "192.0.2.0/24", messages, messages, 0, 0, 0 };
	store_rollup_org o = { "stage.example", day, "Stage Org", 1, messages };
	store_rollup_hours h = { "stage.example", day, 1, { 0 } };

	h.messages[7] = messages;
	assert_int_equal(store_analysis_rollup_day_add(s, &d), STORE_OK);
	assert_int_equal(store_analysis_rollup_src_add(s, &x), STORE_OK);
	assert_int_equal(store_analysis_rollup_org_add(s, &o), STORE_OK);
	assert_int_equal(store_analysis_rollup_hours_add(s, &h), STORE_OK);
}

/* A grouped bulk transaction with two messages begun (the stage starts with
 * the first "unit"; two as an ingest's group has them). */
static void
bulk_begin(store *s)
{
	assert_int_equal(store_begin(s), STORE_OK);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(store_mark(s, "unit"), STORE_OK);
		assert_int_equal(store_mark_release(s, "unit"), STORE_OK);
	}
}

static void
test_stage(void **state)
{
	store *s;

	(void)state;
	need_server();
	s = open_store();
	assert_int_equal(store_bulk(s, 1), STORE_OK);

	/* a transaction of one message (no "unit" savepoint: an MTA's pipe):
	 * no stage */
	assert_int_equal(store_begin(s), STORE_OK);
	add_rows(s, 19999, 1);
	assert_int_equal(pg_batch_flush(PG(s)), STORE_OK);
	assert_int_equal(pg_sync(PG(s)), STORE_OK);
	assert_int_equal(scalar(s, "SELECT count(*) FROM stage_day"), 0);
	assert_int_equal(scalar(s, "SELECT count(*) FROM rollup_day WHERE policy_domain = "
	    "'stage.example'"), 1);
	assert_int_equal(store_rollback(s), STORE_OK);

	/* a grouped transaction stages from its first message on */
	assert_int_equal(store_begin(s), STORE_OK);
	assert_int_equal(store_mark(s, "unit"), STORE_OK);
	add_rows(s, 19999, 1);
	assert_int_equal(pg_batch_flush(PG(s)), STORE_OK);
	assert_int_equal(pg_sync(PG(s)), STORE_OK);
	assert_int_equal(scalar(s, "SELECT count(*) FROM stage_day"), 1);
	assert_int_equal(store_rollback(s), STORE_OK);

	/* ... and a lone message once its batch fills up (a large report) */
	assert_int_equal(store_begin(s), STORE_OK);
	for (int i = 0; i < 600; i++) {
		store_rollup_day d = { "big.example", 10000 + i, 1, 0, 1, 1, 0, 0, 0, 1, 1, 1 };

		assert_int_equal(store_analysis_rollup_day_add(s, &d), STORE_OK);
	}
	assert_int_equal(pg_batch_flush(PG(s)), STORE_OK);
	assert_int_equal(pg_sync(PG(s)), STORE_OK);
	assert_int_equal(scalar(s, "SELECT count(*) FROM stage_day"), 600 - 512);
	assert_int_equal(store_commit(s), STORE_OK);
	assert_int_equal(scalar(s, "SELECT count(*) FROM rollup_day WHERE policy_domain = "
	    "'big.example'"), 600);

	/* a bulk transaction rolls back: its stage rows go */
	bulk_begin(s);
	add_rows(s, 20000, 5);
	assert_int_equal(pg_batch_flush(PG(s)), STORE_OK);
	assert_int_equal(pg_sync(PG(s)), STORE_OK);
	assert_int_equal(scalar(s, "SELECT count(*) FROM stage_day"), 1);
	assert_int_equal(store_rollback(s), STORE_OK);
	assert_int_equal(day_messages(s), 0);
	assert_int_equal(scalar(s, "SELECT count(*) FROM stage_day"), 0);

	/* two rows of one key, sent apart, meet there */
	bulk_begin(s);
	add_rows(s, 20000, 5);
	assert_int_equal(pg_batch_flush(PG(s)), STORE_OK);
	add_rows(s, 20000, 6);
	assert_int_equal(pg_batch_flush(PG(s)), STORE_OK);
	assert_int_equal(pg_sync(PG(s)), STORE_OK);
	/* waiting in the stage, not in the rollup yet */
	assert_int_equal(scalar(s, "SELECT count(*) FROM stage_day"), 2);
	assert_int_equal(scalar(s, "SELECT count(*) FROM rollup_day WHERE policy_domain = "
	    "'stage.example'"), 0);
	/* a read that names the rollup sees them: settled first */
	assert_int_equal(day_messages(s), 11);
	assert_int_equal(scalar(s, "SELECT count(*) FROM stage_day"), 0);

	/* a savepoint's rollback takes its stage rows along */
	add_rows(s, 20001, 100);
	assert_int_equal(store_mark(s, "unit"), STORE_OK);
	add_rows(s, 20001, 1000);
	assert_int_equal(store_mark(s, "doc"), STORE_OK);
	add_rows(s, 20002, 1000);
	assert_int_equal(store_mark_rollback(s, "unit"), STORE_OK);
	add_rows(s, 20002, 7);
	assert_int_equal(store_commit(s), STORE_OK);
	assert_int_equal(day_messages(s), 118);
	assert_int_equal(scalar(s, "SELECT sum(messages) FROM rollup_src WHERE policy_domain = "
	    "'stage.example'"), 118);
	assert_int_equal(scalar(s, "SELECT sum(messages) FROM rollup_org WHERE policy_domain = "
	    "'stage.example'"), 118);
	assert_int_equal(scalar(s, "SELECT sum(reports) FROM rollup_org WHERE policy_domain = "
	    "'stage.example'"), 4);
	assert_int_equal(scalar(s, "SELECT sum(h07) FROM rollup_hours WHERE policy_domain = "
	    "'stage.example'"), 118);
	/* the triggers' tables follow: the 4-day source span holds the three days */
	assert_int_equal(scalar(s, "SELECT messages FROM rollup_src_span WHERE policy_domain = "
	    "'stage.example' AND level = 1 AND start = 5000"), 118);
	assert_int_equal(scalar(s, "SELECT count(*) FROM stage_src"), 0);

	/* a settle after a savepoint, undone by its rollback: the rows from
	 * before the savepoint are back in the stage, and settle at the COMMIT */
	bulk_begin(s);
	add_rows(s, 20005, 3);
	assert_int_equal(store_mark(s, "unit"), STORE_OK);
	add_rows(s, 20005, 4);
	assert_int_equal(day_messages(s), 125);
	assert_int_equal(store_mark_rollback(s, "unit"), STORE_OK);
	assert_int_equal(scalar(s, "SELECT count(*) FROM stage_day"), 1);
	assert_int_equal(store_commit(s), STORE_OK);
	assert_int_equal(day_messages(s), 121);

	/* two grouped writers: both write their messages side by side, neither
	 * sees the other's stage rows; the second's settle waits for the
	 * first's (the group lock of store_pg_batch.c, taken at the settle) */
	{
		store *s2 = open_store();
		PGresult *r;

		assert_int_equal(store_bulk(s2, 1), STORE_OK);
		bulk_begin(s);
		add_rows(s, 20006, 10);
		assert_int_equal(pg_batch_flush(PG(s)), STORE_OK);
		assert_int_equal(pg_sync(PG(s)), STORE_OK);
		assert_int_equal(scalar(s, "SELECT count(*) FROM stage_day"), 1);
		assert_int_equal(scalar(s2, "SELECT count(*) FROM stage_day"), 0);
		r = PQexec(PG(s2)->conn, "SET lock_timeout = '300ms'");
		assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
		PQclear(r);
		bulk_begin(s2);
		add_rows(s2, 20006, 20);
		assert_int_equal(pg_batch_flush(PG(s2)), STORE_OK);
		assert_int_equal(pg_sync(PG(s2)), STORE_OK);	/* no wait */
		assert_int_equal(scalar(s2, "SELECT count(*) FROM stage_day"), 1);
		assert_int_equal(day_messages(s), 131);		/* s settles: s holds the lock */
		assert_int_equal(store_commit(s2), STORE_ERR);	/* s2's settle waits */
		assert_non_null(strstr(store_errmsg(s2), "lock timeout"));
		assert_int_equal(store_rollback(s2), STORE_OK);
		assert_int_equal(store_commit(s), STORE_OK);
		assert_int_equal(day_messages(s), 131);
		r = PQexec(PG(s2)->conn, "RESET lock_timeout");
		assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
		PQclear(r);
		bulk_begin(s2);
		add_rows(s2, 20006, 20);
		assert_int_equal(pg_batch_flush(PG(s2)), STORE_OK);
		assert_int_equal(pg_sync(PG(s2)), STORE_OK);
		assert_int_equal(scalar(s2, "SELECT count(*) FROM stage_day"), 1);
		assert_int_equal(store_commit(s2), STORE_OK);
		assert_int_equal(day_messages(s2), 151);
		assert_int_equal(scalar(s2, "SELECT count(*) FROM stage_day"), 0);
		store_close(s2);
	}

	/* outside bulk mode the rows go straight to the rollup */
	assert_int_equal(store_bulk(s, 0), STORE_OK);
	assert_int_equal(store_begin(s), STORE_OK);
	add_rows(s, 20003, 2);
	assert_int_equal(pg_batch_flush(PG(s)), STORE_OK);
	assert_int_equal(pg_sync(PG(s)), STORE_OK);
	assert_int_equal(scalar(s, "SELECT count(*) FROM stage_day"), 0);
	assert_int_equal(scalar(s, "SELECT count(*) FROM rollup_day WHERE policy_domain = "
	    "'stage.example' AND day = 20003"), 1);
	assert_int_equal(store_commit(s), STORE_OK);
	assert_int_equal(day_messages(s), 153);
	store_close(s);
}

/* ---- a grouped transaction's alert changes (store_pg_changes.c) ---- */

static int64_t
changes(store *s)
{
	return scalar(s, "SELECT count(*) FROM alert_changes WHERE policy_domain IN "
	    "('chg.example', 'we\"ird\\.example')");
}

/* A report of its own for records (outside any transaction); its id. */
static int64_t
new_report(store *s, const char *rid)
{
	char sql[512];

	snprintf(sql, sizeof(sql), "INSERT INTO reports(org_key, report_id_key, policy_domain, "
	    "date_begin, date_end, schema, ingested_at) VALUES ('held org', '%s', 'held.example', "
	    "0, 86400, 'rfc7489', 0) RETURNING id", rid);
	return scalar(s, sql);
}

/* n records of report rid, each with one DKIM and one SPF result. */
static void
add_records(store *s, int64_t rid, int n)
{
	for (int i = 0; i < n; i++) {
		dm_record r;

		memset(&r, 0, sizeof(r));
		snprintf(r.source_ip, sizeof(r.source_ip), "192.0.2.%d", i % 250 + 1);
		r.ip_family = 4;
		r.count = 1;
		r.header_from = "held.example";
		r.ndkim = 1;
		r.dkim_results[0].domain = "held.example";
		r.dkim_results[0].result = DM_AUTH_PASS;
		r.nspf = 1;
		r.spf_results[0].domain = "held.example";
		r.spf_results[0].result = DM_AUTH_PASS;
		assert_int_equal(pg_batch_record(PG(s), rid, "held.example", &r, NULL), STORE_OK);
	}
}

/* Records of report rid sent to the server so far (this connection; the
 * statement goes around the store, so held rows stay held). */
static int64_t
sent_records(store *s, int64_t rid)
{
	char sql[160];

	assert_int_equal(pg_sync(PG(s)), STORE_OK);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM records WHERE report_id = %lld",
	    (long long)rid);
	return scalar(s, sql);
}

static int64_t
auth_rows(store *s, const char *table, int64_t rid)
{
	char sql[200];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s a JOIN records r ON r.id = "
	    "a.record_id WHERE r.report_id = %lld", table, (long long)rid);
	return scalar(s, sql);
}

/*
 * A grouped transaction holds its records (COPY rows) across messages: they
 * reach the server at the COMMIT, before a statement that names their
 * tables, or once enough wait at a message's end; a message rolled back to
 * its savepoint drops its own; a large message's full batches inside its
 * savepoints send only its own rows, so that its rollback leaves the
 * earlier messages' records whole.
 */
static void
test_held_records(void **state)
{
	store *s;
	int64_t a, b, c, d;

	(void)state;
	need_server();
	s = open_store();
	assert_int_equal(store_bulk(s, 1), STORE_OK);
	a = new_report(s, "held-a");
	b = new_report(s, "held-b");
	c = new_report(s, "held-c");
	d = new_report(s, "held-d");

	assert_int_equal(store_begin(s), STORE_OK);
	/* message 1: 3 records, kept past its end */
	assert_int_equal(store_mark(s, "unit"), STORE_OK);
	assert_int_equal(store_mark(s, "doc"), STORE_OK);
	add_records(s, a, 3);
	assert_int_equal(store_mark_release(s, "doc"), STORE_OK);
	assert_int_equal(store_mark_release(s, "unit"), STORE_OK);
	assert_int_equal(sent_records(s, a), 0);
	/* message 2: rolled back, its 4 records with it */
	assert_int_equal(store_mark(s, "unit"), STORE_OK);
	assert_int_equal(store_mark(s, "doc"), STORE_OK);
	add_records(s, b, 4);
	assert_int_equal(store_mark_rollback(s, "unit"), STORE_OK);
	/* message 3: a large report, batches full inside its savepoints (its
	 * own rows only), then rolled back to its document */
	assert_int_equal(store_mark(s, "unit"), STORE_OK);
	assert_int_equal(store_mark(s, "doc"), STORE_OK);
	add_records(s, c, 9000);
	assert_int_equal(sent_records(s, c), 8192);
	assert_int_equal(sent_records(s, a), 0);
	assert_int_equal(store_mark_rollback(s, "doc"), STORE_OK);
	assert_int_equal(sent_records(s, c), 0);
	/* ... and another document of it that stays */
	assert_int_equal(store_mark(s, "doc"), STORE_OK);
	add_records(s, d, 5);
	assert_int_equal(store_mark_release(s, "doc"), STORE_OK);
	assert_int_equal(store_mark_release(s, "unit"), STORE_OK);
	assert_int_equal(sent_records(s, a) + sent_records(s, d), 0);
	/* a statement naming the records' tables: everything held goes first */
	assert_int_equal(pg_exec_text(PG(s), "UPDATE records SET count = count WHERE false",
	    "test"), STORE_OK);
	assert_int_equal(sent_records(s, a), 3);
	assert_int_equal(sent_records(s, d), 5);
	/* message 4: 2 more records of report a, sent at the COMMIT */
	assert_int_equal(store_mark(s, "unit"), STORE_OK);
	add_records(s, a, 2);
	assert_int_equal(store_mark_release(s, "unit"), STORE_OK);
	assert_int_equal(sent_records(s, a), 3);
	assert_int_equal(store_commit(s), STORE_OK);

	assert_int_equal(sent_records(s, a), 5);
	assert_int_equal(sent_records(s, b), 0);
	assert_int_equal(sent_records(s, c), 0);
	assert_int_equal(sent_records(s, d), 5);
	assert_int_equal(auth_rows(s, "auth_dkim", a), 5);
	assert_int_equal(auth_rows(s, "auth_spf", d), 5);
	/* record ids follow the order the records came in */
	assert_int_equal(scalar(s, "SELECT count(*) FROM (SELECT id, lag(id) OVER (ORDER BY id) "
	    "AS prev, report_id, lag(report_id) OVER (ORDER BY id) AS prev_report FROM records "
	    "WHERE policy_domain = 'held.example') x WHERE prev IS NOT NULL AND "
	    "report_id < prev_report"), 1);	/* a, d, then a again */
	{
		char sql[200];

		/* message 1's records were numbered (below the large report's)
		 * when the large report's first batch went, though sent later */
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM records WHERE report_id = %lld AND "
		    "id < (SELECT min(id) FROM records WHERE report_id = %lld)", (long long)a,
		    (long long)d);
		assert_int_equal(scalar(s, sql), 3);
		assert_int_equal(scalar(s, "SELECT min(id) FROM records WHERE policy_domain = "
		    "'held.example'"), scalar(s, "SELECT min(id) FROM records"));
	}
	store_close(s);
}

static void
test_changes(void **state)
{
	store *s;

	(void)state;
	need_server();
	s = open_store();
	assert_int_equal(store_bulk(s, 1), STORE_OK);
	PQclear(PQexec(PG(s)->conn, "DELETE FROM alert_changes WHERE policy_domain IN "
	    "('chg.example', 'we\"ird\\.example')"));
	assert_int_equal(changes(s), 0);

	/* kept until the settle; a rollback drops them */
	bulk_begin(s);
	assert_int_equal(store_alerts_change_add(s, "chg.example", 20010), STORE_OK);
	assert_int_equal(pg_sync(PG(s)), STORE_OK);
	assert_int_equal(changes(s), 0);
	assert_int_equal(store_rollback(s), STORE_OK);
	assert_int_equal(changes(s), 0);

	/* written at the COMMIT, one row per (domain, day), quotes and
	 * backslashes kept */
	bulk_begin(s);
	assert_int_equal(store_alerts_change_add(s, "chg.example", 20010), STORE_OK);
	assert_int_equal(store_alerts_change_add(s, "we\"ird\\.example", 20010), STORE_OK);
	assert_int_equal(store_alerts_change_add(s, "chg.example", 20011), STORE_OK);
	assert_int_equal(store_alerts_change_add(s, "chg.example", 20010), STORE_OK);
	assert_int_equal(store_commit(s), STORE_OK);
	assert_int_equal(changes(s), 3);
	assert_int_equal(scalar(s, "SELECT count(*) FROM alert_changes WHERE policy_domain = "
	    "'we\"ird\\.example' AND day = 20010"), 1);

	/* a failure report's new source address waits for the settle too */
	PQclear(PQexec(PG(s)->conn, "DELETE FROM hosts WHERE ip IN ('192.0.2.201', '192.0.2.202')"));
	bulk_begin(s);
	assert_int_equal(pg_changes_add_host(PG(s), "192.0.2.202"), 0);
	assert_int_equal(pg_changes_add_host(PG(s), "192.0.2.201"), 0);
	assert_int_equal(pg_changes_add_host(PG(s), "192.0.2.202"), 0);
	assert_int_equal(pg_sync(PG(s)), STORE_OK);
	assert_int_equal(scalar(s, "SELECT count(*) FROM hosts WHERE ip IN ('192.0.2.201', "
	    "'192.0.2.202')"), 0);
	assert_int_equal(store_commit(s), STORE_OK);
	assert_int_equal(scalar(s, "SELECT count(*) FROM hosts WHERE ip IN ('192.0.2.201', "
	    "'192.0.2.202')"), 2);
	assert_int_equal(changes(s), 3);

	/* outside a group: written at once (seen inside the transaction) */
	assert_int_equal(store_begin(s), STORE_OK);
	assert_int_equal(store_alerts_change_add(s, "chg.example", 20012), STORE_OK);
	assert_int_equal(pg_sync(PG(s)), STORE_OK);
	assert_int_equal(changes(s), 4);
	assert_int_equal(store_commit(s), STORE_OK);
	assert_int_equal(changes(s), 4);
	store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migrated),
		cmocka_unit_test(test_deferred_error),
		cmocka_unit_test(test_rollback_drops_queue),
		cmocka_unit_test(test_reconnect),
		cmocka_unit_test(test_stage),
		cmocka_unit_test(test_held_records),
		cmocka_unit_test(test_changes),
	};

	dsn = getenv("DMARCSCOPE_TEST_PG");
	if (dsn != NULL && *dsn == '\0')
		dsn = NULL;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
