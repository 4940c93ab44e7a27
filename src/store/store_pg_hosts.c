/*
 * store_pg_hosts.c - the PostgreSQL implementation of store_hosts.h: the
 * enrichment cache (hosts lookup columns, host_dnsbl, rdap_networks) and its
 * queue; a port of store_sqlite_hosts.c with the same statements.
 *
 * Statements live in the PGA_HOSTS area (pg_exec).  Differences from SQLite:
 *   - the DNSBL zones pending() checks are one text[] parameter, not a TEMP
 *     table; the hosts whose ptr, fcrdns or service changed since the last
 *     flush are a TEMP table of the session (enrich_changed), as on SQLite,
 *     created by a DO block when missing (no notice on every call);
 *   - claims (store_hosts_due.claim): several nodes enrich from one
 *     database, and each host must be looked up once.  A claiming pending()
 *     frees the claims of connections that are gone or older than CLAIM_TTL
 *     (and, when a run starts, this connection's own), then inserts the due
 *     hosts it takes
 *     into enrich_claims (ip unique: INSERT ... ON CONFLICT DO NOTHING, the
 *     candidates read FOR UPDATE SKIP LOCKED so rows another node is writing
 *     are passed over), then reads back its own claims with a fresh snapshot
 *     (a host another node finished meanwhile is no longer due).
 *     enrich_claims is a PostgreSQL-only UNLOGGED table (claims mean nothing
 *     after a crash), created on first use under an advisory lock;
 *   - the sync watermark trails the last record id by SYNC_LAG ids: record
 *     ids come from a sequence, and a transaction that took its ids earlier
 *     can commit after a later one (re-reading them is harmless: ON CONFLICT
 *     DO NOTHING);
 *   - rdap_put finds the same network under an advisory transaction lock on
 *     its (lo, hi, handle), so two nodes do not insert it twice.
 *
 * A temporary state never overwrites a definitive one (as on SQLite).
 *
 * Exports: store_pg_hosts_ops (hosts_state_class is store_sqlite_hosts.c's).
 * Errors: STORE_ERR with the handle's message set (store_errmsg).
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pg_priv.h"
#include "store_hosts.h"
#include "../util/dbuf.h"

#define SYNC_LAG 100000		/* record ids re-read by each sync */
#define CLAIM_TTL 3600		/* seconds a claim of a live connection holds */
#define LOCK_CLAIMS 1685220001	/* advisory lock keys (first half) */
#define LOCK_RDAP 1685220002

enum {
	H_WM_GET, H_WM_SET, H_MAX_ID, H_SYNC, H_PENDING, H_CLAIM_FREE, H_CLAIM, H_CLAIMED,
	H_GET, H_OLD, H_ADD, H_PUT, H_CHANGED, H_FLUSH, H_FLUSH_CLEAR, H_DNSBL_PUT,
	H_DNSBL_LIST, H_RDAP_FIND, H_RDAP_LOCK, H_RDAP_SAME, H_RDAP_INS, H_RDAP_UPD, H_RDAP_GET,
	H_RDAP_SET, H_BRIEF,
	H__COUNT
};

#define DEFINITIVE(col) "(" col " IN ('ok', 'listed', 'not_listed', 'nxdomain', 'nodata', " \
	"'notfound', 'none'))"

#define HOST_COLS "ip, ptr, ptr_names, fcrdns, base_domain, asn, as_name, country, " \
	"service, service_type, updated_at, dnsbl_listed, ptr_state, ptr_at, ptr_expires, " \
	"geo_state, geo_source, geo_at, geo_expires, asn_state, asn_source, asn_at, " \
	"asn_expires, rdap_state, rdap_at, rdap_expires, rdap_net"

#define RDAP_COLS "id, family, lo, hi, start_addr, end_addr, handle, name, org, country, " \
	"abuse_email, url, fetched_at, expires_at"

/* The kinds due for host h: $1 now, $2 refresh, $6 the DNSBL zones. */
#define DUE "((CASE WHEN $2::int <> 0 OR ptr_expires IS NULL OR ptr_expires <= $1::bigint " \
	"THEN 1 ELSE 0 END) | " \
	"(CASE WHEN $2::int <> 0 OR EXISTS (SELECT 1 FROM unnest($6::text[]) z(zone) WHERE " \
	"NOT EXISTS (SELECT 1 FROM host_dnsbl d WHERE d.ip = h.ip AND d.zone = z.zone AND " \
	"d.expires_at > $1::bigint)) THEN 2 ELSE 0 END) | " \
	"(CASE WHEN $2::int <> 0 OR geo_expires IS NULL OR geo_expires <= $1::bigint " \
	"THEN 4 ELSE 0 END) | " \
	"(CASE WHEN $2::int <> 0 OR asn_expires IS NULL OR asn_expires <= $1::bigint " \
	"THEN 8 ELSE 0 END) | " \
	"(CASE WHEN $2::int <> 0 OR rdap_expires IS NULL OR rdap_expires <= $1::bigint " \
	"THEN 16 ELSE 0 END))"

static const char CLAIMS_TABLE[] = "DO $$BEGIN PERFORM pg_advisory_xact_lock(1685220001, 0); "
    "IF to_regclass('enrich_claims') IS NULL THEN CREATE UNLOGGED TABLE enrich_claims "
    "(ip text PRIMARY KEY, owner integer NOT NULL, until bigint NOT NULL); END IF; END$$";
static const char CHANGED_TABLE[] = "DO $$BEGIN IF to_regclass('pg_temp.enrich_changed') IS "
    "NULL THEN CREATE TEMP TABLE enrich_changed (ip text PRIMARY KEY); END IF; END$$";

static const char *const hsql[H__COUNT] = {
	[H_WM_GET] = "SELECT value FROM enrich_state WHERE key = 'records_watermark'",
	[H_WM_SET] = "INSERT INTO enrich_state(key, value) VALUES ('records_watermark', "
	    "$1::bigint) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	[H_MAX_ID] = "SELECT coalesce(max(id), 0) FROM records",
	[H_SYNC] = "INSERT INTO hosts(ip) SELECT DISTINCT source_ip FROM records "
	    "WHERE id > $1::bigint AND id <= $2::bigint ON CONFLICT DO NOTHING",
	/* $1 now, $2 refresh, $3 kinds, $4 after, $5 limit, $6 zones */
	[H_PENDING] = "SELECT * FROM (SELECT " HOST_COLS ", " DUE " AS due FROM hosts h "
	    "WHERE ip > $4) x WHERE (due & $3::int) <> 0 ORDER BY ip LIMIT $5::bigint",
	/* $1 now, $2 1: this connection's claims too (a run starts) */
	[H_CLAIM_FREE] = "DELETE FROM enrich_claims WHERE ($2::int <> 0 AND owner = "
	    "pg_backend_pid()) OR until <= $1::bigint OR owner NOT IN (SELECT pid FROM "
	    "pg_stat_activity WHERE pid IS NOT NULL)",
	/* the same, $7 the claims' end */
	[H_CLAIM] = "WITH cand AS (SELECT ip FROM hosts h WHERE ip > $4 AND (" DUE
	    " & $3::int) <> 0 AND NOT EXISTS (SELECT 1 FROM enrich_claims c WHERE c.ip = h.ip) "
	    "ORDER BY ip LIMIT $5::bigint FOR UPDATE OF h SKIP LOCKED) "
	    "INSERT INTO enrich_claims(ip, owner, until) SELECT ip, pg_backend_pid(), $7::bigint "
	    "FROM cand ON CONFLICT (ip) DO NOTHING",
	[H_CLAIMED] = "SELECT * FROM (SELECT " HOST_COLS ", " DUE " AS due FROM hosts h "
	    "WHERE ip > $4 AND ip IN (SELECT ip FROM enrich_claims WHERE owner = "
	    "pg_backend_pid())) x WHERE (due & $3::int) <> 0 ORDER BY ip LIMIT $5::bigint",
	[H_GET] = "SELECT " HOST_COLS " FROM hosts WHERE ip = $1",
	[H_OLD] = "SELECT ptr, fcrdns, service, service_type FROM hosts WHERE ip = $1",
	[H_ADD] = "INSERT INTO hosts(ip) VALUES ($1) ON CONFLICT (ip) DO NOTHING",
	/*
	 * $1 ip, facts $2..$10 (ptr ptr_names fcrdns base_domain asn as_name country
	 * service service_type), $11 updated_at; ptr $12 state $13 at $14 expires
	 * $15 write $16 temporary; geo $17 state $18 source $19 at $20 expires $21
	 * write; asn $22 state $23 source $24 at $25 expires $26 write $27 temporary
	 */
	[H_PUT] = "UPDATE hosts SET ptr = $2, ptr_names = $3, fcrdns = $4::bigint, "
	    "base_domain = $5, asn = $6::bigint, as_name = $7, country = $8, service = $9, "
	    "service_type = $10, updated_at = $11::bigint, "
	    "dnsbl_listed = (SELECT CASE WHEN count(*) = 0 THEN NULL ELSE "
	    "sum(CASE WHEN state = 'listed' THEN 1 ELSE 0 END) END FROM host_dnsbl "
	    "WHERE ip = $1), "
	    "ptr_state = CASE WHEN $15::int = 0 THEN ptr_state WHEN $16::int <> 0 AND "
	    DEFINITIVE("ptr_state") " THEN ptr_state ELSE $12 END, "
	    "ptr_at = CASE WHEN $15::int = 0 THEN ptr_at WHEN $16::int <> 0 AND "
	    DEFINITIVE("ptr_state") " THEN ptr_at ELSE $13::bigint END, "
	    "ptr_expires = CASE WHEN $15::int = 0 THEN ptr_expires ELSE $14::bigint END, "
	    "geo_state = CASE WHEN $21::int = 0 THEN geo_state ELSE $17 END, "
	    "geo_source = CASE WHEN $21::int = 0 THEN geo_source ELSE $18 END, "
	    "geo_at = CASE WHEN $21::int = 0 THEN geo_at ELSE $19::bigint END, "
	    "geo_expires = CASE WHEN $21::int = 0 THEN geo_expires ELSE $20::bigint END, "
	    "asn_state = CASE WHEN $26::int = 0 THEN asn_state WHEN $27::int <> 0 AND "
	    DEFINITIVE("asn_state") " THEN asn_state ELSE $22 END, "
	    "asn_source = CASE WHEN $26::int = 0 THEN asn_source WHEN $27::int <> 0 AND "
	    DEFINITIVE("asn_state") " THEN asn_source ELSE $23 END, "
	    "asn_at = CASE WHEN $26::int = 0 THEN asn_at WHEN $27::int <> 0 AND "
	    DEFINITIVE("asn_state") " THEN asn_at ELSE $24::bigint END, "
	    "asn_expires = CASE WHEN $26::int = 0 THEN asn_expires ELSE $25::bigint END "
	    "WHERE ip = $1",
	[H_CHANGED] = "INSERT INTO enrich_changed(ip) VALUES ($1) ON CONFLICT DO NOTHING",
	[H_FLUSH] = "INSERT INTO analysis_pending(policy_domain, queued_at) "
	    "SELECT DISTINCT policy_domain, $1::bigint FROM records "
	    "WHERE source_ip IN (SELECT ip FROM enrich_changed) ON CONFLICT DO NOTHING",
	[H_FLUSH_CLEAR] = "DELETE FROM enrich_changed",
	/* $1 ip $2 zone $3 state $4 codes $5 meaning $6 txt $7 at $8 expires $9 temporary */
	[H_DNSBL_PUT] = "INSERT INTO host_dnsbl(ip, zone, state, codes, meaning, txt, "
	    "checked_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7::bigint, $8::bigint) "
	    "ON CONFLICT (ip, zone) DO UPDATE SET "
	    "state = CASE WHEN $9::int <> 0 AND " DEFINITIVE("host_dnsbl.state")
	    " THEN host_dnsbl.state ELSE excluded.state END, "
	    "codes = CASE WHEN $9::int <> 0 AND " DEFINITIVE("host_dnsbl.state")
	    " THEN host_dnsbl.codes ELSE excluded.codes END, "
	    "meaning = CASE WHEN $9::int <> 0 AND " DEFINITIVE("host_dnsbl.state")
	    " THEN host_dnsbl.meaning ELSE excluded.meaning END, "
	    "txt = CASE WHEN $9::int <> 0 AND " DEFINITIVE("host_dnsbl.state")
	    " THEN host_dnsbl.txt ELSE excluded.txt END, "
	    "checked_at = CASE WHEN $9::int <> 0 AND " DEFINITIVE("host_dnsbl.state")
	    " THEN host_dnsbl.checked_at ELSE excluded.checked_at END, "
	    "expires_at = excluded.expires_at",
	[H_DNSBL_LIST] = "SELECT ip, zone, state, codes, meaning, txt, checked_at, expires_at "
	    "FROM host_dnsbl WHERE ip = $1 ORDER BY zone COLLATE \"C\"",
	[H_RDAP_FIND] = "SELECT " RDAP_COLS " FROM rdap_networks WHERE lo <= $1::bytea AND "
	    "hi >= $1::bytea AND expires_at > $2::bigint AND fetched_at >= $3::bigint "
	    "ORDER BY lo DESC, hi ASC LIMIT 1",
	[H_RDAP_LOCK] = "SELECT pg_advisory_xact_lock(1685220002, hashtext(encode($1::bytea, "
	    "'hex') || encode($2::bytea, 'hex') || coalesce($3, '')))",
	[H_RDAP_SAME] = "SELECT id FROM rdap_networks WHERE lo = $1::bytea AND hi = $2::bytea "
	    "AND coalesce(handle, '') = coalesce($3, '')",
	[H_RDAP_INS] = "INSERT INTO rdap_networks(family, lo, hi, start_addr, end_addr, handle, "
	    "name, org, country, abuse_email, url, fetched_at, expires_at) VALUES "
	    "($1::bigint, $2::bytea, $3::bytea, $4, $5, $6, $7, $8, $9, $10, $11, $12::bigint, "
	    "$13::bigint) RETURNING id",
	[H_RDAP_UPD] = "UPDATE rdap_networks SET family = $1::bigint, start_addr = $4, "
	    "end_addr = $5, name = $7, org = $8, country = $9, abuse_email = $10, url = $11, "
	    "fetched_at = $12::bigint, expires_at = $13::bigint WHERE id = $14::bigint AND "
	    "lo = $2::bytea AND hi = $3::bytea AND coalesce(handle, '') = coalesce($6, '')",
	[H_RDAP_GET] = "SELECT " RDAP_COLS " FROM rdap_networks WHERE id = $1::bigint",
	/* $1 ip $2 state $3 at $4 expires $5 net $6 temporary */
	[H_RDAP_SET] = "UPDATE hosts SET "
	    "rdap_state = CASE WHEN $6::int <> 0 AND " DEFINITIVE("rdap_state") " THEN rdap_state "
	    "ELSE $2 END, "
	    "rdap_at = CASE WHEN $6::int <> 0 AND " DEFINITIVE("rdap_state") " THEN rdap_at "
	    "ELSE $3::bigint END, "
	    "rdap_net = CASE WHEN $6::int <> 0 AND " DEFINITIVE("rdap_state") " THEN rdap_net "
	    "ELSE $5::bigint END, "
	    "rdap_expires = $4::bigint WHERE ip = $1",
	[H_BRIEF] = "SELECT ptr, country, base_domain FROM hosts WHERE ip = $1",
};

static PGresult *
H(pg_store *q, int i, const pg_params *p, const char *what)
{
	return pg_exec(q, PGA_HOSTS, i, hsql[i], p, what);
}

static int
HR(pg_store *q, int i, const pg_params *p, const char *what)
{
	return pg_run(q, PGA_HOSTS, i, hsql[i], p, what);
}

#define T(r, i) pg_str((r), 0, (i))

/* ---- queue ------------------------------------------------------------------- */

static int
hs_sync(store *s, int full, int64_t *added)
{
	pg_store *q = PG(s);
	pg_params p;
	PGresult *r;
	int64_t wm = 0, max = 0;

	*added = 0;
	if (!full) {
		if ((r = H(q, H_WM_GET, NULL, "reading the enrichment watermark")) == NULL)
			return STORE_ERR;
		if (PQntuples(r) > 0)
			wm = pg_int(r, 0, 0);
		PQclear(r);
	}
	if ((r = H(q, H_MAX_ID, NULL, "reading the last record")) == NULL)
		return STORE_ERR;
	max = pg_int(r, 0, 0);
	PQclear(r);
	if (max > wm) {
		pg_p_init(&p);
		pg_p_int(&p, wm);
		pg_p_int(&p, max);
		if ((r = H(q, H_SYNC, &p, "queueing new hosts")) == NULL)
			return STORE_ERR;
		*added = strtoll(PQcmdTuples(r), NULL, 10);
		PQclear(r);
	}
	pg_p_init(&p);
	pg_p_int(&p, max > SYNC_LAG ? max - SYNC_LAG : 0);
	return HR(q, H_WM_SET, &p, "saving the enrichment watermark");
}

static void
host_row(const PGresult *r, int row, store_host *h)
{
	memset(h, 0, sizeof(*h));
	h->ip = pg_str(r, row, 0);
	h->ptr = pg_str(r, row, 1);
	h->ptr_names = pg_str(r, row, 2);
	h->fcrdns = pg_isnull(r, row, 3) ? -1 : (int)pg_int(r, row, 3);
	h->base_domain = pg_str(r, row, 4);
	h->asn = pg_int(r, row, 5);
	h->as_name = pg_str(r, row, 6);
	h->country = pg_str(r, row, 7);
	h->service = pg_str(r, row, 8);
	h->service_type = pg_str(r, row, 9);
	h->updated_at = pg_int(r, row, 10);
	h->dnsbl_listed = pg_isnull(r, row, 11) ? -1 : (int)pg_int(r, row, 11);
	h->ptr_l.state = pg_str(r, row, 12);
	h->ptr_l.at = pg_int(r, row, 13);
	h->ptr_l.expires = pg_int(r, row, 14);
	h->geo_l.state = pg_str(r, row, 15);
	h->geo_l.source = pg_str(r, row, 16);
	h->geo_l.at = pg_int(r, row, 17);
	h->geo_l.expires = pg_int(r, row, 18);
	h->asn_l.state = pg_str(r, row, 19);
	h->asn_l.source = pg_str(r, row, 20);
	h->asn_l.at = pg_int(r, row, 21);
	h->asn_l.expires = pg_int(r, row, 22);
	h->rdap_l.state = pg_str(r, row, 23);
	h->rdap_l.at = pg_int(r, row, 24);
	h->rdap_l.expires = pg_int(r, row, 25);
	h->rdap_net = pg_int(r, row, 26);
}

/* The zones as a text[] literal: {"a","b"}, quotes and backslashes escaped. */
static void
zones_array(dbuf *b, const store_hosts_due *d)
{
	dbuf_addc(b, '{');
	for (int i = 0; (d->kinds & HK_DNSBL) && i < d->nzones; i++) {
		if (i > 0)
			dbuf_addc(b, ',');
		dbuf_addc(b, '"');
		for (const char *c = d->zones[i]; *c != '\0'; c++) {
			if (*c == '"' || *c == '\\')
				dbuf_addc(b, '\\');
			dbuf_addc(b, *c);
		}
		dbuf_addc(b, '"');
	}
	dbuf_addc(b, '}');
}

/* Takes the next due hosts (p: the pending parameters $1..$6; $7 is added).
 * Claims of connections that are gone or past CLAIM_TTL are freed first;
 * this connection's own only when a run starts (after NULL): within a run,
 * keyset paging never comes back to them, and keeping them keeps another
 * node's run from taking a host this one found only temporarily failing. */
static int
claim(pg_store *q, const store_hosts_due *d, pg_params *p)
{
	pg_params f;

	pg_p_init(&f);
	pg_p_int(&f, d->now > 0 ? d->now : (int64_t)time(NULL));
	pg_p_int(&f, d->after == NULL || d->after[0] == '\0');
	if (pg_exec_text(q, CLAIMS_TABLE, "creating the enrichment claims") != STORE_OK ||
	    HR(q, H_CLAIM_FREE, &f, "freeing enrichment claims") != STORE_OK)
		return STORE_ERR;
	pg_p_int(p, (int64_t)time(NULL) + CLAIM_TTL);
	if (HR(q, H_CLAIM, p, "claiming hosts to enrich") != STORE_OK)
		return STORE_ERR;
	p->n--;		/* H_CLAIMED takes $1..$6 */
	return STORE_OK;
}

static int
hs_pending(store *s, const store_hosts_due *d, int (*cb)(void *, const store_host *, unsigned),
    void *ctx)
{
	pg_store *q = PG(s);
	pg_params p;
	PGresult *r;
	dbuf zones;
	int rc = STORE_OK;

	dbuf_init(&zones, 1 << 20);
	zones_array(&zones, d);
	pg_p_init(&p);
	pg_p_int(&p, d->now);
	pg_p_int(&p, d->refresh ? 1 : 0);
	pg_p_int(&p, (int64_t)d->kinds);
	pg_p_text(&p, d->after ? d->after : "");
	pg_p_int(&p, d->limit > 0 ? d->limit : 1000);
	pg_p_text(&p, dbuf_cstr(&zones));
	if (d->claim && claim(q, d, &p) != STORE_OK) {
		dbuf_free(&zones);
		return STORE_ERR;
	}
	r = H(q, d->claim ? H_CLAIMED : H_PENDING, &p, "listing hosts to enrich");
	dbuf_free(&zones);
	if (r == NULL)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r); i++) {
		store_host h;

		host_row(r, i, &h);
		if (cb(ctx, &h, (unsigned)pg_int(r, i, 27) & d->kinds) != 0)
			break;
	}
	PQclear(r);
	return rc;
}

static int
hs_get(store *s, const char *ip, int (*cb)(void *, const store_host *), void *ctx, int *found)
{
	pg_params p;
	PGresult *r;

	*found = 0;
	pg_p_init(&p);
	pg_p_text(&p, ip);
	if ((r = H(PG(s), H_GET, &p, "reading a host")) == NULL)
		return STORE_ERR;
	if (PQntuples(r) > 0) {
		store_host h;

		host_row(r, 0, &h);
		*found = 1;
		cb(ctx, &h);
	}
	PQclear(r);
	return STORE_OK;
}

/* ---- writes ------------------------------------------------------------------- */

static int
same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void
param_lookup(pg_params *p, const store_lookup *l, int with_source)
{
	pg_p_text(p, l->state);
	if (with_source)
		pg_p_text(p, l->source);
	pg_p_int(p, l->at);
	pg_p_int(p, l->expires);
}

static int
changed_add(pg_store *q, const char *ip)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_text(&p, ip);
	if (pg_exec_text(q, CHANGED_TABLE, "noting a changed host") != STORE_OK)
		return STORE_ERR;
	return HR(q, H_CHANGED, &p, "noting a changed host");
}

static int
hs_put(store *s, const store_host *h, unsigned kinds, int *changed)
{
	pg_store *q = PG(s);
	pg_params p;
	PGresult *r;
	int diff = 1;

	*changed = 0;
	pg_p_init(&p);
	pg_p_text(&p, h->ip);
	if ((r = H(q, H_OLD, &p, "reading a host")) == NULL)
		return STORE_ERR;
	if (PQntuples(r) > 0)
		diff = !same(T(r, 0), h->ptr) || (pg_isnull(r, 0, 1) ? -1 : (int)pg_int(r, 0, 1)) !=
		    h->fcrdns || !same(T(r, 2), h->service) || !same(T(r, 3), h->service_type);
	PQclear(r);
	if (HR(q, H_ADD, &p, "adding a host") != STORE_OK)
		return STORE_ERR;
	pg_p_text(&p, h->ptr);
	pg_p_text(&p, h->ptr_names);
	if (h->fcrdns < 0)
		pg_p_null(&p);
	else
		pg_p_int(&p, h->fcrdns);
	pg_p_text(&p, h->base_domain);
	if (h->asn > 0)
		pg_p_int(&p, h->asn);
	else
		pg_p_null(&p);
	pg_p_text(&p, h->as_name);
	pg_p_text(&p, h->country);
	pg_p_text(&p, h->service);
	pg_p_text(&p, h->service_type);
	pg_p_int(&p, h->updated_at);
	param_lookup(&p, &h->ptr_l, 0);				/* $12..$14 */
	pg_p_int(&p, (kinds & HK_PTR) != 0);
	pg_p_int(&p, hosts_state_class(h->ptr_l.state) == HS_TEMPORARY);
	param_lookup(&p, &h->geo_l, 1);				/* $17..$20 */
	pg_p_int(&p, (kinds & HK_GEO) != 0);
	param_lookup(&p, &h->asn_l, 1);				/* $22..$25 */
	pg_p_int(&p, (kinds & HK_ASN) != 0);
	pg_p_int(&p, hosts_state_class(h->asn_l.state) == HS_TEMPORARY);
	if (HR(q, H_PUT, &p, "writing a host") != STORE_OK)
		return STORE_ERR;
	if (diff) {
		*changed = 1;
		return changed_add(q, h->ip);
	}
	return STORE_OK;
}

static int
hs_flush(store *s, int64_t now, int64_t *domains)
{
	pg_store *q = PG(s);
	pg_params p;
	PGresult *r;

	*domains = 0;
	if (pg_exec_text(q, CHANGED_TABLE, "queueing reanalysis") != STORE_OK)
		return STORE_ERR;
	pg_p_init(&p);
	pg_p_int(&p, now);
	if ((r = H(q, H_FLUSH, &p, "queueing reanalysis")) == NULL)
		return STORE_ERR;
	*domains = strtoll(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return HR(q, H_FLUSH_CLEAR, NULL, "clearing the changed hosts");
}

static int
hs_dnsbl_put(store *s, const store_dnsbl *d)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_text(&p, d->ip);
	pg_p_text(&p, d->zone);
	pg_p_text(&p, d->state);
	pg_p_text(&p, d->codes);
	pg_p_text(&p, d->meaning);
	pg_p_text(&p, d->txt);
	pg_p_int(&p, d->at);
	pg_p_int(&p, d->expires);
	pg_p_int(&p, hosts_state_class(d->state) == HS_TEMPORARY);
	return HR(PG(s), H_DNSBL_PUT, &p, "writing a DNSBL result");
}

static int
hs_dnsbl_list(store *s, const char *ip, int (*cb)(void *, const store_dnsbl *), void *ctx)
{
	pg_params p;
	PGresult *r;

	pg_p_init(&p);
	pg_p_text(&p, ip);
	if ((r = H(PG(s), H_DNSBL_LIST, &p, "reading DNSBL results")) == NULL)
		return STORE_ERR;
	for (int i = 0; i < PQntuples(r); i++) {
		store_dnsbl d = { pg_str(r, i, 0), pg_str(r, i, 1), pg_str(r, i, 2),
		    pg_str(r, i, 3), pg_str(r, i, 4), pg_str(r, i, 5), pg_int(r, i, 6),
		    pg_int(r, i, 7) };

		if (cb(ctx, &d) != 0)
			break;
	}
	PQclear(r);
	return STORE_OK;
}

/* ---- RDAP networks --------------------------------------------------------------- */

static int
hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	    c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* A bytea column of 16 bytes ("\x" and 32 hex digits) into out; zeros
 * otherwise (as SQLite's reader gives for a blob of another size). */
static void
key16(const char *text, unsigned char out[16])
{
	memset(out, 0, 16);
	if (text == NULL || strlen(text) != 34 || text[0] != '\\' || text[1] != 'x')
		return;
	for (int i = 0; i < 16; i++) {
		int hi = hexval(text[2 + 2 * i]), lo = hexval(text[3 + 2 * i]);

		if (hi < 0 || lo < 0) {
			memset(out, 0, 16);
			return;
		}
		out[i] = (unsigned char)(hi << 4 | lo);
	}
}

static int
one_net(pg_store *q, int slot, const pg_params *p, int (*cb)(void *, const store_rdap_net *),
    void *ctx, int *found)
{
	PGresult *r;
	unsigned char lo[16], hi[16];

	*found = 0;
	if ((r = H(q, slot, p, "reading an RDAP network")) == NULL)
		return STORE_ERR;
	if (PQntuples(r) > 0) {
		store_rdap_net n;

		memset(&n, 0, sizeof(n));
		key16(T(r, 2), lo);
		key16(T(r, 3), hi);
		n.id = pg_int(r, 0, 0);
		n.family = (int)pg_int(r, 0, 1);
		n.lo = lo;
		n.hi = hi;
		n.start = T(r, 4);
		n.end = T(r, 5);
		n.handle = T(r, 6);
		n.name = T(r, 7);
		n.org = T(r, 8);
		n.country = T(r, 9);
		n.abuse_email = T(r, 10);
		n.url = T(r, 11);
		n.fetched_at = pg_int(r, 0, 12);
		n.expires = pg_int(r, 0, 13);
		*found = 1;
		cb(ctx, &n);
	}
	PQclear(r);
	return STORE_OK;
}

static int
hs_rdap_find(store *s, const unsigned char key[16], int64_t now, int64_t fresh_since,
    int (*cb)(void *, const store_rdap_net *), void *ctx, int *found)
{
	pg_store *q = PG(s);
	pg_params p;
	int rc;

	*found = 0;
	pg_p_init(&p);
	if (pg_p_bytes(&p, key, 16) != 0) {
		pg_p_free(&p);
		snprintf(q->err, sizeof(q->err), "reading an RDAP network: out of memory");
		return STORE_ERR;
	}
	pg_p_int(&p, now);
	pg_p_int(&p, fresh_since);
	rc = one_net(q, H_RDAP_FIND, &p, cb, ctx, found);
	pg_p_free(&p);
	return rc;
}

static int
hs_rdap_get(store *s, int64_t id, int (*cb)(void *, const store_rdap_net *), void *ctx,
    int *found)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_int(&p, id);
	return one_net(PG(s), H_RDAP_GET, &p, cb, ctx, found);
}

static int
hs_rdap_put(store *s, const store_rdap_net *n, int64_t *id)
{
	pg_store *q = PG(s);
	pg_params k, p;
	PGresult *r = NULL;
	int rc = STORE_ERR;

	*id = 0;
	pg_p_init(&k);
	pg_p_init(&p);
	if (pg_p_bytes(&k, n->lo, 16) != 0 || pg_p_bytes(&k, n->hi, 16) != 0) {
		snprintf(q->err, sizeof(q->err), "writing an RDAP network: out of memory");
		goto out;
	}
	pg_p_text(&k, n->handle);
	/* one writer per network at a time: the lookup below sees the other's row */
	if (HR(q, H_RDAP_LOCK, &k, "locking an RDAP network") != STORE_OK ||
	    (r = H(q, H_RDAP_SAME, &k, "finding an RDAP network")) == NULL)
		goto out;
	if (PQntuples(r) > 0)
		*id = pg_int(r, 0, 0);
	PQclear(r);
	pg_p_int(&p, n->family);
	if (pg_p_bytes(&p, n->lo, 16) != 0 || pg_p_bytes(&p, n->hi, 16) != 0) {
		snprintf(q->err, sizeof(q->err), "writing an RDAP network: out of memory");
		goto out;
	}
	pg_p_text(&p, n->start);
	pg_p_text(&p, n->end);
	pg_p_text(&p, n->handle);
	pg_p_text(&p, n->name);
	pg_p_text(&p, n->org);
	pg_p_text(&p, n->country);
	pg_p_text(&p, n->abuse_email);
	pg_p_text(&p, n->url);
	pg_p_int(&p, n->fetched_at);
	pg_p_int(&p, n->expires);
	if (*id) {
		pg_p_int(&p, *id);
		rc = HR(q, H_RDAP_UPD, &p, "writing an RDAP network");
		goto out;
	}
	if ((r = H(q, H_RDAP_INS, &p, "writing an RDAP network")) == NULL)
		goto out;
	*id = pg_int(r, 0, 0);
	PQclear(r);
	rc = STORE_OK;
out:
	pg_p_free(&k);
	pg_p_free(&p);
	return rc;
}

static int
hs_rdap_set(store *s, const char *ip, const store_lookup *l, int64_t net)
{
	pg_params p;

	pg_p_init(&p);
	pg_p_text(&p, ip);
	pg_p_text(&p, l->state);
	pg_p_int(&p, l->at);
	pg_p_int(&p, l->expires);
	if (net > 0)
		pg_p_int(&p, net);
	else
		pg_p_null(&p);
	pg_p_int(&p, hosts_state_class(l->state) == HS_TEMPORARY);
	return HR(PG(s), H_RDAP_SET, &p, "writing a host's RDAP state");
}

static int
hs_brief(store *s, const char *ip, int (*cb)(void *, const char *, const char *, const char *),
    void *ctx, int *found)
{
	pg_params p;
	PGresult *r;

	*found = 0;
	pg_p_init(&p);
	pg_p_text(&p, ip);
	if ((r = H(PG(s), H_BRIEF, &p, "reading a host")) == NULL)
		return STORE_ERR;
	if (PQntuples(r) > 0) {
		*found = 1;
		cb(ctx, T(r, 0), T(r, 1), T(r, 2));
	}
	PQclear(r);
	return STORE_OK;
}

const struct store_hosts_ops store_pg_hosts_ops = {
	.sync = hs_sync,
	.pending = hs_pending,
	.get = hs_get,
	.put = hs_put,
	.flush = hs_flush,
	.dnsbl_put = hs_dnsbl_put,
	.dnsbl_list = hs_dnsbl_list,
	.rdap_find = hs_rdap_find,
	.rdap_put = hs_rdap_put,
	.rdap_get = hs_rdap_get,
	.rdap_set = hs_rdap_set,
	.brief = hs_brief,
};
