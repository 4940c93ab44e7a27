/*
 * test_pg_intake.c - the intake sub-interface on PostgreSQL
 * (src/store/store_pg_intake.c) against SQLite's on the same calls: mailbox
 * state, UIDVALIDITY reset, messages taken and moved, the /metrics samples
 * the database gives; and the mailbox claim between two PostgreSQL handles
 * (one node polls a box at a time; the claim ends with mbox_release or the
 * connection).
 *
 * Needs DMARCSCOPE_TEST_PG=postgresql://... (an empty database;
 * tests/pg/analysis.sh sets it); without it every test is skipped.
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
#include <libpq-fe.h>

#include "store/store.h"
#include "store/store_intake.h"

static const char *dsn;

static store *
open_dsn(const char *d)
{
	store *s = NULL;
	char err[512];

	if (store_open(&s, d, err, sizeof(err)) != STORE_OK)
		fail_msg("store_open %s: %s", d, err);
	return s;
}

/* The same calls on a store; what they answer, as text. */
static void
exercise(store *s, char *out, size_t outlen)
{
	int64_t uv, last;
	const char *outcome;
	int moved;
	size_t n = 0;

	assert_true(store_has(s, intake));
	assert_int_equal(store_intake_mbox_get(s, "imap:a", &uv, &last), STORE_OK);
	n += (size_t)snprintf(out + n, outlen - n, "new %lld %lld;", (long long)uv, (long long)last);
	assert_int_equal(store_intake_mbox_reset(s, "imap:a", 7), STORE_OK);
	assert_int_equal(store_intake_msg_put(s, "imap:a", 7, 5, "stored"), STORE_OK);
	assert_int_equal(store_intake_msg_put(s, "imap:a", 7, 3, "refused"), STORE_OK);
	assert_int_equal(store_intake_msg_put(s, "imap:a", 7, 5, "duplicate"), STORE_OK);	/* kept */
	assert_int_equal(store_intake_msg_put(s, "imap:a", 6, 9, "stored"), STORE_OK);	/* old UIDVALIDITY */
	assert_int_equal(store_intake_msg_moved(s, "imap:a", 7, 5), STORE_OK);
	assert_int_equal(store_intake_mbox_get(s, "imap:a", &uv, &last), STORE_OK);
	n += (size_t)snprintf(out + n, outlen - n, "a %lld %lld;", (long long)uv, (long long)last);
	for (int64_t uid = 2; uid <= 5; uid++) {
		assert_int_equal(store_intake_msg_get(s, "imap:a", 7, uid, &outcome, &moved), STORE_OK);
		n += (size_t)snprintf(out + n, outlen - n, "%lld %s %d;", (long long)uid,
		    outcome ? outcome : "-", moved);
	}
	assert_int_equal(store_intake_mbox_reset(s, "imap:a", 8), STORE_OK);
	assert_int_equal(store_intake_msg_get(s, "imap:a", 7, 5, &outcome, &moved), STORE_OK);
	assert_int_equal(store_intake_mbox_get(s, "imap:a", &uv, &last), STORE_OK);
	n += (size_t)snprintf(out + n, outlen - n, "reset %s %lld %lld;", outcome ? outcome : "-",
	    (long long)uv, (long long)last);
	assert_int_equal(store_intake_msg_put(s, "imap:b", 1, 1, "partial"), STORE_OK);
	assert_int_equal(store_intake_mbox_reset(s, "imap:b", 1), STORE_OK);
	assert_int_equal(store_intake_msg_put(s, "imap:b", 1, 4, "partial"), STORE_OK);
	assert_int_equal(store_intake_mbox_get(s, "imap:b", &uv, &last), STORE_OK);
	snprintf(out + n, outlen - n, "b %lld %lld;", (long long)uv, (long long)last);
}

typedef struct samples {
	char text[4096];
	size_t n;
} samples;

static int
sample(void *ctx, const char *name, const char *k1, const char *v1, const char *k2,
    const char *v2, double v)
{
	samples *m = ctx;

	if (strcmp(name, "dmarcscope_database_size_bytes") == 0)
		v = v > 0 ? 1 : 0;	/* sizes differ by engine; there is one */
	m->n += (size_t)snprintf(m->text + m->n, sizeof(m->text) - m->n, "%s{%s=%s,%s=%s} %.0f\n",
	    name, k1 ? k1 : "", v1 ? v1 : "", k2 ? k2 : "", v2 ? v2 : "", v);
	if (m->n >= sizeof(m->text))
		m->n = sizeof(m->text) - 1;
	return 0;
}

/* The PostgreSQL database may hold another run's mailboxes: the
 * comparison with a fresh SQLite file starts from empty intake tables. */
static void
pg_wipe(const char *d)
{
	PGconn *c = PQconnectdb(d);
	PGresult *r;

	assert_int_equal(PQstatus(c), CONNECTION_OK);
	r = PQexec(c, "TRUNCATE intake_messages, intake_mailboxes");
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	PQfinish(c);
}

static void
test_same_as_sqlite(void **state)
{
	char path[] = "/tmp/test_pg_intake.XXXXXX", db[64], a[1024], b[1024];
	samples ma, mb;
	store *sq, *pg;
	int fd;

	(void)state;
	if (dsn == NULL)
		skip();
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	snprintf(db, sizeof(db), "%s", path);
	sq = open_dsn(db);
	pg = open_dsn(dsn);
	pg_wipe(dsn);
	exercise(sq, a, sizeof(a));
	exercise(pg, b, sizeof(b));
	assert_string_equal(b, a);
	memset(&ma, 0, sizeof(ma));
	memset(&mb, 0, sizeof(mb));
	assert_int_equal(store_intake_metrics(sq, sample, &ma), STORE_OK);
	assert_int_equal(store_intake_metrics(pg, sample, &mb), STORE_OK);
	assert_string_equal(mb.text, ma.text);
	assert_non_null(strstr(mb.text, "dmarcscope_intake_messages{mailbox=imap:b,outcome=partial} 1"));
	store_close(sq);
	store_close(pg);
	unlink(db);
}

static void
test_claim(void **state)
{
	store *a, *b;
	int got;

	(void)state;
	if (dsn == NULL)
		skip();
	a = open_dsn(dsn);
	b = open_dsn(dsn);
	assert_true(store_has_op(a, intake, mbox_claim));
	assert_int_equal(store_intake_mbox_claim(a, "imap://h/INBOX", &got), STORE_OK);
	assert_int_equal(got, 1);
	assert_int_equal(store_intake_mbox_claim(b, "imap://h/INBOX", &got), STORE_OK);
	assert_int_equal(got, 0);	/* the other node polls it */
	assert_int_equal(store_intake_mbox_claim(b, "imap://h/Other", &got), STORE_OK);
	assert_int_equal(got, 1);	/* another box is free */
	assert_int_equal(store_intake_mbox_release(b, "imap://h/Other"), STORE_OK);
	/* a claim outlives transactions: the poll commits message by message */
	assert_int_equal(store_begin(a), STORE_OK);
	assert_int_equal(store_intake_msg_put(a, "imap://h/INBOX", 1, 1, "stored"), STORE_OK);
	assert_int_equal(store_commit(a), STORE_OK);
	assert_int_equal(store_intake_mbox_claim(b, "imap://h/INBOX", &got), STORE_OK);
	assert_int_equal(got, 0);
	assert_int_equal(store_intake_mbox_release(a, "imap://h/INBOX"), STORE_OK);
	assert_int_equal(store_intake_mbox_claim(b, "imap://h/INBOX", &got), STORE_OK);
	assert_int_equal(got, 1);
	/* the holder's connection ends: the claim with it (the server notices
	 * the end a moment later) */
	store_close(b);
	for (int i = 0; i < 100; i++) {
		assert_int_equal(store_intake_mbox_claim(a, "imap://h/INBOX", &got), STORE_OK);
		if (got)
			break;
		usleep(20000);
	}
	assert_int_equal(got, 1);
	assert_int_equal(store_intake_mbox_release(a, "imap://h/INBOX"), STORE_OK);
	store_close(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_as_sqlite),
		cmocka_unit_test(test_claim),
	};

	dsn = getenv("DMARCSCOPE_TEST_PG");
	if (dsn != NULL && dsn[0] == '\0')
		dsn = NULL;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
