/*
 * test_api_keys.c - unit tests for the API's key tables (src/web/api_keys.c):
 * the tables are well formed (names and keys unique, a type each), lookups
 * by position and by name, and every column every table's query hands out
 * on a real store is in its table with a type the table allows.
 *
 * The store: the aggregate cases (tests/cases/) and the failure and TLS
 * samples (tests/kinds/cases/) ingested into a temporary SQLite file, and
 * into PostgreSQL too when DMARCSCOPE_TEST_PG names an empty database
 * (tests/pg/core.sh sets it).  Every query with a table runs bare, per
 * policy domain, per id 1..3 and per source IP, as the operator.
 *
 * The cases alone leave four queries without a row (their columns would go
 * unchecked): so the store also gets a hosts row with every fact and lookup
 * set (SWQ_HOST) and a sender (SWQ_SENDER_DOMAIN, by its id); the ids of a
 * record with override reasons (SWQ_RECORD_REASONS) and the source IPs of
 * failure reports (SWQ_IP_FAILURES) are looked for, not guessed; and each of
 * the four must answer rows.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "auth/principal.h"
#include "intake/ingest.h"
#include "intake/mime.h"
#include "store/store.h"
#include "store/store_analysis.h"
#include "store/store_hosts.h"
#include "store/store_web.h"
#include "web/api_keys.h"

static void
test_tables_well_formed(void **state)
{
	int ntables = 0;

	(void)state;
	for (int q = 0; q < SWQ__COUNT; q++) {
		const api_key_table *t = &api_key_tables[q];

		if (t->n > 0)
			ntables++;
		for (size_t i = 0; i < t->n; i++) {
			assert_non_null(t->k[i].col);
			assert_non_null(t->k[i].key);
			assert_true(t->k[i].col[0] != '\0' && t->k[i].key[0] != '\0');
			assert_true(t->k[i].types != 0 && (t->k[i].types & ~(AK_INT | AK_REAL |
			    AK_TEXT)) == 0);
			for (size_t j = 0; j < i; j++) {
				assert_string_not_equal(t->k[i].col, t->k[j].col);
				assert_string_not_equal(t->k[i].key, t->k[j].key);
			}
		}
	}
	assert_true(ntables >= 30);
	assert_true(api_key_tables[SWQ_RECORDS].n > 0 && api_key_tables[SWQ_OVERVIEW].n > 0);
	assert_int_equal(api_key_tables[SWQ_RECORDS_CSV].n, 0);	/* CSV: not JSON */
}

static void
test_lookup(void **state)
{
	const api_key_table *t = &api_key_tables[SWQ_RECORDS];
	store_web_val vi = { SWV_INT, 1, 0, NULL }, vt = { SWV_TEXT, 0, 0, "x" };
	store_web_val vn = { SWV_NULL, 0, 0, NULL };
	const api_key *k;

	(void)state;
	assert_ptr_equal(api_key_of(SWQ_RECORDS, 0, t->k[0].col), &t->k[0]);
	assert_ptr_equal(api_key_of(SWQ_RECORDS, 3, t->k[0].col), &t->k[0]);	/* by name */
	assert_null(api_key_of(SWQ_RECORDS, 0, "no_such_column"));
	assert_null(api_key_of(SWQ_RECORDS_CSV, 0, "id"));	/* no table */
	assert_null(api_key_of(-1, 0, "id"));
	assert_null(api_key_of(SWQ__COUNT, 0, "id"));
	k = api_key_of(SWQ_RECORDS, 0, "id");
	assert_non_null(k);
	assert_true(api_key_type_ok(k, &vi));
	assert_false(api_key_type_ok(k, &vt));
	assert_true(api_key_type_ok(k, &vn));
}

/* ---- every query on a real store -------------------------------------------- */

#define MAXV 64

typedef struct seen {
	int q;
	int64_t rows[SWQ__COUNT];
	int bad;
	char *domains[MAXV], *ips[MAXV], *fips[MAXV];	/* fips: of failure reports */
	int ndomains, nips, nfips;
	int64_t ids[MAXV];	/* more ids to ask for: a record with reasons, a sender */
	int nids;
} seen;

static void
keep(char **v, int *n, const char *s)
{
	if (s == NULL || *n >= MAXV)
		return;
	for (int i = 0; i < *n; i++)
		if (strcmp(v[i], s) == 0)
			return;
	v[(*n)++] = strdup(s);
}

static int
row_cb(void *ctx, int ncol, const char *const *names, const store_web_val *v)
{
	seen *s = ctx;

	s->rows[s->q]++;
	for (int i = 0; i < ncol; i++) {
		const api_key *k = api_key_of(s->q, i, names[i]);

		if (k == NULL || !api_key_type_ok(k, &v[i])) {
			print_error("query %d: column %s (value type %d) %s\n", s->q, names[i],
			    v[i].type, k == NULL ? "has no JSON key" : "has a type its key does not allow");
			s->bad++;
		}
		if (v[i].type == SWV_TEXT && (strcmp(names[i], "policy_domain") == 0 ||
		    strcmp(names[i], "domain") == 0))
			keep(s->domains, &s->ndomains, v[i].s);
		if (v[i].type == SWV_TEXT && (strcmp(names[i], "source_ip") == 0 ||
		    strcmp(names[i], "ip") == 0))
			keep(s->ips, &s->nips, v[i].s);
		if (v[i].type == SWV_TEXT && strcmp(names[i], "source_ip") == 0 &&
		    s->q == SWQ_THREATS)
			keep(s->fips, &s->nfips, v[i].s);
	}
	return 0;
}

static void
run_q(store *st, const dm_principal *who, seen *s, int q, const store_web_query *w)
{
	s->q = q;
	if (store_web_run(st, who, q, w, row_cb, s) != STORE_OK)
		print_error("query %d: %s\n", q, store_errmsg(st));
}

static void
base(store_web_query *w)
{
	memset(w, 0, sizeof(*w));
	w->cls = -1;
	w->result = -1;
	w->limit = 50;
	w->kind_all = 1;
}

static void
ingest_dir(ingest *g, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[1024];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		const char *in[] = { "input.xml", "input.json", "input.eml", "input.gz",
		    "input.zip", "input" };

		if (e->d_name[0] == '.')
			continue;
		for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
			snprintf(path, sizeof(path), "%s/%s/%s", dir, e->d_name, in[i]);
			if (access(path, R_OK) == 0)
				(void)ingest_path(g, path);
		}
	}
	closedir(d);
}

static void
add_id(seen *s, int64_t id)
{
	for (int i = 0; i < s->nids; i++)
		if (s->ids[i] == id)
			return;
	if (s->nids < MAXV)
		s->ids[s->nids++] = id;
}

/* The first record with override reasons of each domain. */
static int
reasons_cb(void *ctx, const store_record_row *row)
{
	seen *s = ctx;

	if (row->rec != NULL && row->rec->nreasons > 0) {
		add_id(s, row->rec->store_id);
		return 1;
	}
	return 0;
}

/* A hosts row with every column set, and a sender. */
static void
add_rows(store *st, seen *s)
{
	store_host h;
	store_sender snd;
	int64_t now = 1700000000, id = 0;
	int changed = 0;

	memset(&h, 0, sizeof(h));
	h.ip = "192.0.2.77";
	h.ptr = "mail-77.outbound.protection.outlook.com";
	h.ptr_names = "mail-77.outbound.protection.outlook.com";
	h.fcrdns = 1;
	h.base_domain = "outlook.com";
	h.as_name = "MICROSOFT-CORP";
	h.country = "JP";
	h.service = "Microsoft 365";
	h.service_type = "esp";
	h.asn = 8075;
	h.updated_at = now;
	h.dnsbl_listed = 0;
	h.ptr_l = (store_lookup){ "ok", now, now + 86400, NULL };
	h.geo_l = (store_lookup){ "ok", now, now + 86400, "mmdb" };
	h.asn_l = (store_lookup){ "ok", now, now + 86400, "mmdb" };
	h.rdap_l = (store_lookup){ "none", now, now + 86400, NULL };
	assert_int_equal(store_hosts_put(st, &h, HK_ALL, &changed), STORE_OK);
	keep(s->ips, &s->nips, h.ip);
	memset(&snd, 0, sizeof(snd));
	snd.policy_domain = "example.com";
	snd.kind = 1;
	snd.match_type = "cidr";
	snd.value = "192.0.2.0/24";
	snd.note = "test_api_keys";
	snd.created_at = now;
	assert_int_equal(store_analysis_sender_add(st, &snd, &id), STORE_OK);
	add_id(s, id);
}

static void
check_store(const char *dsn)
{
	store *st;
	char err[512];
	ingest_opts o;
	ingest *g;
	dm_principal who;
	store_web_query w;
	seen s;
	int ran = 0;

	assert_int_equal(store_open(&st, dsn, err, sizeof(err)), STORE_OK);
	ingest_opts_default(&o);
	g = ingest_new(st, &o);
	assert_non_null(g);
	ingest_dir(g, "tests/cases");
	ingest_dir(g, "tests/kinds/cases");
	ingest_wait(g);
	assert_true(ingest_get_stats(g)->reports > 10);
	ingest_free(g);

	principal_local(&who);
	memset(&s, 0, sizeof(s));
	add_rows(st, &s);
	for (int pass = 0; pass < 2; pass++) {
		for (int q = 0; q < SWQ__COUNT; q++) {
			if (api_key_tables[q].n == 0)
				continue;
			base(&w);
			run_q(st, &who, &s, q, &w);
			w.by_domain = 1;
			run_q(st, &who, &s, q, &w);
			for (int i = 0; i < s.ndomains; i++) {
				base(&w);
				w.domain = s.domains[i];
				run_q(st, &who, &s, q, &w);
			}
			for (int id = 1; id <= 3; id++) {
				base(&w);
				w.id = id;
				run_q(st, &who, &s, q, &w);
			}
			for (int i = 0; i < s.nids; i++) {
				base(&w);
				w.id = s.ids[i];
				run_q(st, &who, &s, q, &w);
			}
			for (int i = 0; i < s.nips && i < 8; i++) {
				base(&w);
				w.ip = s.ips[i];
				run_q(st, &who, &s, q, &w);
			}
			for (int i = 0; i < s.nfips && i < 4; i++) {
				base(&w);
				w.ip = s.fips[i];
				run_q(st, &who, &s, q, &w);
			}
		}
		/* after the first pass: the domains are known */
		for (int i = 0; pass == 0 && i < s.ndomains; i++)
			if (store_analysis_records_scan(st, s.domains[i], reasons_cb, &s) != STORE_OK)
				print_error("records of %s: %s\n", s.domains[i], store_errmsg(st));
	}
	for (int q = 0; q < SWQ__COUNT; q++)
		if (api_key_tables[q].n > 0 && s.rows[q] > 0)
			ran++;
		else if (api_key_tables[q].n > 0)
			print_message("%s: query %d answered no row here: its columns not checked\n",
			    dsn, q);
	print_message("%s: %d of the tables' queries answered rows, every column mapped: %s\n",
	    dsn, ran, s.bad ? "no" : "yes");
	assert_int_equal(s.bad, 0);
	assert_true(ran >= 25);
	/* the four the cases alone leave empty (see the top) */
	assert_true(s.rows[SWQ_HOST] > 0);
	assert_true(s.rows[SWQ_RECORD_REASONS] > 0);
	assert_true(s.rows[SWQ_IP_FAILURES] > 0);
	assert_true(s.rows[SWQ_SENDER_DOMAIN] > 0);
	for (int i = 0; i < s.ndomains; i++)
		free(s.domains[i]);
	for (int i = 0; i < s.nips; i++)
		free(s.ips[i]);
	for (int i = 0; i < s.nfips; i++)
		free(s.fips[i]);
	store_close(st);
}

static void
test_every_column_sqlite(void **state)
{
	char path[] = "/tmp/test_api_keys.XXXXXX", wal[64], shm[64];
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	check_store(path);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	snprintf(shm, sizeof(shm), "%s-shm", path);
	unlink(path);
	unlink(wal);
	unlink(shm);
}

static void
test_every_column_pg(void **state)
{
	const char *dsn = getenv("DMARCSCOPE_TEST_PG");

	(void)state;
	if (dsn == NULL || dsn[0] == '\0')
		skip();
	check_store(dsn);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables_well_formed),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_every_column_sqlite),
		cmocka_unit_test(test_every_column_pg),
	};

	mime_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
