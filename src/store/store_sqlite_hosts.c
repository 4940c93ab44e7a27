/*
 * store_sqlite_hosts.c - the SQLite implementation of store_hosts.h: the
 * enrichment cache (hosts lookup columns from 003_enrich.sql, host_dnsbl,
 * rdap_networks) and its queue.
 *
 * Statements live in the SQA_HOSTS slot area of the handle (sq_prep).  Two
 * TEMP tables belong to the connection: enrich_zones (the DNSBL zones that
 * pending() checks) and enrich_changed (hosts whose ptr, fcrdns or service
 * changed since the last flush, for the reanalysis queue).
 *
 * A temporary state never overwrites a definitive one: the earlier answer
 * (and its lookup time) stays, only the expiry moves to the retry time.
 *
 * Exports: store_sqlite_hosts_ops, hosts_state_class.  Errors: STORE_ERR
 * with the handle's message set (store_errmsg).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_priv.h"
#include "store_hosts.h"

enum {
	H_WM_GET, H_WM_SET, H_MAX_ID, H_SYNC, H_ZONES_CLEAR, H_ZONE_ADD, H_PENDING, H_GET,
	H_OLD, H_ADD, H_PUT, H_CHANGED, H_FLUSH, H_FLUSH_CLEAR, H_DNSBL_PUT, H_DNSBL_LIST,
	H_RDAP_FIND, H_RDAP_SAME, H_RDAP_INS, H_RDAP_UPD, H_RDAP_GET, H_RDAP_SET, H_BRIEF,
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

static const char *const hsql[H__COUNT] = {
	[H_WM_GET] = "SELECT value FROM enrich_state WHERE key = 'records_watermark'",
	[H_WM_SET] = "INSERT INTO enrich_state(key, value) VALUES ('records_watermark', ?1) "
	    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
	[H_MAX_ID] = "SELECT coalesce(max(id), 0) FROM records",
	[H_SYNC] = "INSERT OR IGNORE INTO hosts(ip) SELECT DISTINCT source_ip FROM records "
	    "WHERE id > ?1 AND id <= ?2",
	[H_ZONES_CLEAR] = "DELETE FROM temp.enrich_zones",
	[H_ZONE_ADD] = "INSERT OR IGNORE INTO temp.enrich_zones(zone) VALUES (?1)",
	/* ?1 now, ?2 refresh, ?3 kinds, ?4 after, ?5 limit */
	[H_PENDING] = "SELECT * FROM (SELECT " HOST_COLS ", "
	    "(CASE WHEN ?2 OR ptr_expires IS NULL OR ptr_expires <= ?1 THEN 1 ELSE 0 END) | "
	    "(CASE WHEN ?2 OR EXISTS (SELECT 1 FROM temp.enrich_zones z WHERE NOT EXISTS "
	    "(SELECT 1 FROM host_dnsbl d WHERE d.ip = h.ip AND d.zone = z.zone AND "
	    "d.expires_at > ?1)) THEN 2 ELSE 0 END) | "
	    "(CASE WHEN ?2 OR geo_expires IS NULL OR geo_expires <= ?1 THEN 4 ELSE 0 END) | "
	    "(CASE WHEN ?2 OR asn_expires IS NULL OR asn_expires <= ?1 THEN 8 ELSE 0 END) | "
	    "(CASE WHEN ?2 OR rdap_expires IS NULL OR rdap_expires <= ?1 THEN 16 ELSE 0 END) "
	    "AS due FROM hosts h WHERE ip > ?4) WHERE (due & ?3) != 0 ORDER BY ip LIMIT ?5",
	[H_GET] = "SELECT " HOST_COLS " FROM hosts WHERE ip = ?1",
	[H_OLD] = "SELECT ptr, fcrdns, service, service_type FROM hosts WHERE ip = ?1",
	/*
	 * ?1 ip, facts ?2..?10 (ptr ptr_names fcrdns base_domain asn as_name country
	 * service service_type), ?11 updated_at; ptr ?12 state ?13 at ?14 expires
	 * ?15 write ?16 temporary; geo ?17 state ?18 source ?19 at ?20 expires ?21
	 * write; asn ?22 state ?23 source ?24 at ?25 expires ?26 write ?27 temporary
	 */
	[H_ADD] = "INSERT INTO hosts(ip) VALUES (?1) ON CONFLICT(ip) DO NOTHING",
	[H_PUT] = "UPDATE hosts SET ptr = ?2, ptr_names = ?3, fcrdns = ?4, base_domain = ?5, "
	    "asn = ?6, as_name = ?7, country = ?8, service = ?9, service_type = ?10, "
	    "updated_at = ?11, "
	    "dnsbl_listed = (SELECT CASE WHEN count(*) = 0 THEN NULL ELSE "
	    "sum(state = 'listed') END FROM host_dnsbl WHERE ip = ?1), "
	    "ptr_state = CASE WHEN NOT ?15 THEN ptr_state WHEN ?16 AND " DEFINITIVE("ptr_state")
	    " THEN ptr_state ELSE ?12 END, "
	    "ptr_at = CASE WHEN NOT ?15 THEN ptr_at WHEN ?16 AND " DEFINITIVE("ptr_state")
	    " THEN ptr_at ELSE ?13 END, "
	    "ptr_expires = CASE WHEN NOT ?15 THEN ptr_expires ELSE ?14 END, "
	    "geo_state = CASE WHEN NOT ?21 THEN geo_state ELSE ?17 END, "
	    "geo_source = CASE WHEN NOT ?21 THEN geo_source ELSE ?18 END, "
	    "geo_at = CASE WHEN NOT ?21 THEN geo_at ELSE ?19 END, "
	    "geo_expires = CASE WHEN NOT ?21 THEN geo_expires ELSE ?20 END, "
	    "asn_state = CASE WHEN NOT ?26 THEN asn_state WHEN ?27 AND " DEFINITIVE("asn_state")
	    " THEN asn_state ELSE ?22 END, "
	    "asn_source = CASE WHEN NOT ?26 THEN asn_source WHEN ?27 AND "
	    DEFINITIVE("asn_state") " THEN asn_source ELSE ?23 END, "
	    "asn_at = CASE WHEN NOT ?26 THEN asn_at WHEN ?27 AND " DEFINITIVE("asn_state")
	    " THEN asn_at ELSE ?24 END, "
	    "asn_expires = CASE WHEN NOT ?26 THEN asn_expires ELSE ?25 END "
	    "WHERE ip = ?1",
	[H_CHANGED] = "INSERT OR IGNORE INTO temp.enrich_changed(ip) VALUES (?1)",
	[H_FLUSH] = "INSERT OR IGNORE INTO analysis_pending(policy_domain, queued_at) "
	    "SELECT DISTINCT policy_domain, ?1 FROM records "
	    "WHERE source_ip IN (SELECT ip FROM temp.enrich_changed)",
	[H_FLUSH_CLEAR] = "DELETE FROM temp.enrich_changed",
	/* ?1 ip ?2 zone ?3 state ?4 codes ?5 meaning ?6 txt ?7 at ?8 expires ?9 temporary */
	[H_DNSBL_PUT] = "INSERT INTO host_dnsbl(ip, zone, state, codes, meaning, txt, "
	    "checked_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
	    "ON CONFLICT(ip, zone) DO UPDATE SET "
	    "state = CASE WHEN ?9 AND " DEFINITIVE("host_dnsbl.state") " THEN host_dnsbl.state "
	    "ELSE excluded.state END, "
	    "codes = CASE WHEN ?9 AND " DEFINITIVE("host_dnsbl.state") " THEN host_dnsbl.codes "
	    "ELSE excluded.codes END, "
	    "meaning = CASE WHEN ?9 AND " DEFINITIVE("host_dnsbl.state") " THEN "
	    "host_dnsbl.meaning ELSE excluded.meaning END, "
	    "txt = CASE WHEN ?9 AND " DEFINITIVE("host_dnsbl.state") " THEN host_dnsbl.txt "
	    "ELSE excluded.txt END, "
	    "checked_at = CASE WHEN ?9 AND " DEFINITIVE("host_dnsbl.state") " THEN "
	    "host_dnsbl.checked_at ELSE excluded.checked_at END, "
	    "expires_at = excluded.expires_at",
	[H_DNSBL_LIST] = "SELECT ip, zone, state, codes, meaning, txt, checked_at, expires_at "
	    "FROM host_dnsbl WHERE ip = ?1 ORDER BY zone",
	[H_RDAP_FIND] = "SELECT " RDAP_COLS " FROM rdap_networks WHERE lo <= ?1 AND hi >= ?1 "
	    "AND expires_at > ?2 AND fetched_at >= ?3 ORDER BY lo DESC, hi ASC LIMIT 1",
	[H_RDAP_SAME] = "SELECT id FROM rdap_networks WHERE lo = ?1 AND hi = ?2 AND "
	    "coalesce(handle, '') = coalesce(?3, '')",
	[H_RDAP_INS] = "INSERT INTO rdap_networks(family, lo, hi, start_addr, end_addr, handle, "
	    "name, org, country, abuse_email, url, fetched_at, expires_at) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
	[H_RDAP_UPD] = "UPDATE rdap_networks SET family = ?1, start_addr = ?4, end_addr = ?5, "
	    "name = ?7, org = ?8, country = ?9, abuse_email = ?10, url = ?11, fetched_at = ?12, "
	    "expires_at = ?13 WHERE id = ?14",
	[H_RDAP_GET] = "SELECT " RDAP_COLS " FROM rdap_networks WHERE id = ?1",
	/* ?1 ip ?2 state ?3 at ?4 expires ?5 net ?6 temporary */
	[H_RDAP_SET] = "UPDATE hosts SET "
	    "rdap_state = CASE WHEN ?6 AND " DEFINITIVE("rdap_state") " THEN rdap_state "
	    "ELSE ?2 END, "
	    "rdap_at = CASE WHEN ?6 AND " DEFINITIVE("rdap_state") " THEN rdap_at ELSE ?3 END, "
	    "rdap_net = CASE WHEN ?6 AND " DEFINITIVE("rdap_state") " THEN rdap_net "
	    "ELSE ?5 END, "
	    "rdap_expires = ?4 WHERE ip = ?1",
	[H_BRIEF] = "SELECT ptr, country, base_domain FROM hosts WHERE ip = ?1",
};

int
hosts_state_class(const char *s)
{
	static const char *const pos[] = { "ok", "listed", NULL };
	static const char *const neg[] = { "not_listed", "nxdomain", "nodata", "notfound",
	    "none", NULL };

	if (s == NULL)
		return HS_NONE;
	for (int i = 0; pos[i]; i++)
		if (strcmp(s, pos[i]) == 0)
			return HS_POSITIVE;
	for (int i = 0; neg[i]; i++)
		if (strcmp(s, neg[i]) == 0)
			return HS_NEGATIVE;
	return HS_TEMPORARY;
}

static sqlite3_stmt *
H(sq_store *q, int i)
{
	return sq_prep(q, SQA_HOSTS, i, hsql[i]);
}

#define T(st, i) ((const char *)sqlite3_column_text((st), (i)))
#define I(st, i) sqlite3_column_int64((st), (i))
#define ISNULL(st, i) (sqlite3_column_type((st), (i)) == SQLITE_NULL)

/* ---- queue ------------------------------------------------------------------- */

static int
hs_sync(store *s, int full, int64_t *added)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st;
	int64_t wm = 0, max = 0;
	int rc;

	*added = 0;
	if (!full) {
		if ((st = H(q, H_WM_GET)) == NULL)
			return STORE_ERR;
		if ((rc = sqlite3_step(st)) == SQLITE_ROW)
			wm = I(st, 0);
		sqlite3_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return sq_fail(q, "reading the enrichment watermark");
	}
	if ((st = H(q, H_MAX_ID)) == NULL)
		return STORE_ERR;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		max = I(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return sq_fail(q, "reading the last record");
	if (max > wm) {
		if ((st = H(q, H_SYNC)) == NULL)
			return STORE_ERR;
		sqlite3_bind_int64(st, 1, wm);
		sqlite3_bind_int64(st, 2, max);
		if (sq_run(q, st, "queueing new hosts") != STORE_OK)
			return STORE_ERR;
		*added = sqlite3_changes(q->db);
	}
	if ((st = H(q, H_WM_SET)) == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, max);
	return sq_run(q, st, "saving the enrichment watermark");
}

static void
host_row(sqlite3_stmt *st, store_host *h)
{
	memset(h, 0, sizeof(*h));
	h->ip = T(st, 0);
	h->ptr = T(st, 1);
	h->ptr_names = T(st, 2);
	h->fcrdns = ISNULL(st, 3) ? -1 : (int)I(st, 3);
	h->base_domain = T(st, 4);
	h->asn = I(st, 5);
	h->as_name = T(st, 6);
	h->country = T(st, 7);
	h->service = T(st, 8);
	h->service_type = T(st, 9);
	h->updated_at = I(st, 10);
	h->dnsbl_listed = ISNULL(st, 11) ? -1 : (int)I(st, 11);
	h->ptr_l.state = T(st, 12);
	h->ptr_l.at = I(st, 13);
	h->ptr_l.expires = I(st, 14);
	h->geo_l.state = T(st, 15);
	h->geo_l.source = T(st, 16);
	h->geo_l.at = I(st, 17);
	h->geo_l.expires = I(st, 18);
	h->asn_l.state = T(st, 19);
	h->asn_l.source = T(st, 20);
	h->asn_l.at = I(st, 21);
	h->asn_l.expires = I(st, 22);
	h->rdap_l.state = T(st, 23);
	h->rdap_l.at = I(st, 24);
	h->rdap_l.expires = I(st, 25);
	h->rdap_net = I(st, 26);
}

static int
zones_table(sq_store *q)
{
	return sq_exec(q, "CREATE TEMP TABLE IF NOT EXISTS enrich_zones (zone TEXT PRIMARY KEY)");
}

static int
hs_pending(store *s, const store_hosts_due *d, int (*cb)(void *, const store_host *, unsigned),
    void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st;
	int rc;

	if (zones_table(q) != STORE_OK || (st = H(q, H_ZONES_CLEAR)) == NULL ||
	    sq_run(q, st, "clearing the zone list") != STORE_OK)
		return STORE_ERR;
	for (int i = 0; (d->kinds & HK_DNSBL) && i < d->nzones; i++) {
		if ((st = H(q, H_ZONE_ADD)) == NULL)
			return STORE_ERR;
		sq_bind_text(st, 1, d->zones[i]);
		if (sq_run(q, st, "listing the zones") != STORE_OK)
			return STORE_ERR;
	}
	if ((st = H(q, H_PENDING)) == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, d->now);
	sqlite3_bind_int(st, 2, d->refresh ? 1 : 0);
	sqlite3_bind_int(st, 3, (int)d->kinds);
	sq_bind_text(st, 4, d->after ? d->after : "");
	sqlite3_bind_int(st, 5, d->limit > 0 ? d->limit : 1000);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_host h;

		host_row(st, &h);
		if (cb(ctx, &h, (unsigned)I(st, 27) & d->kinds) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? STORE_OK : sq_fail(q, "listing hosts to enrich");
}

static int
hs_get(store *s, const char *ip, int (*cb)(void *, const store_host *), void *ctx, int *found)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = H(q, H_GET);
	int rc;

	*found = 0;
	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, ip);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_host h;

		host_row(st, &h);
		*found = 1;
		cb(ctx, &h);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : sq_fail(q, "reading a host");
}

/* ---- writes ------------------------------------------------------------------- */

static int
same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void
bind_lookup(sqlite3_stmt *st, int first, const store_lookup *l, int with_source)
{
	int i = first;

	sq_bind_text(st, i++, l->state);
	if (with_source)
		sq_bind_text(st, i++, l->source);
	sqlite3_bind_int64(st, i++, l->at);
	sqlite3_bind_int64(st, i, l->expires);
}

static int
changed_add(sq_store *q, const char *ip)
{
	sqlite3_stmt *st = H(q, H_CHANGED);

	if (st == NULL) {
		if (sq_exec(q, "CREATE TEMP TABLE IF NOT EXISTS enrich_changed "
		    "(ip TEXT PRIMARY KEY)") != STORE_OK || (st = H(q, H_CHANGED)) == NULL)
			return STORE_ERR;
	}
	sq_bind_text(st, 1, ip);
	return sq_run(q, st, "noting a changed host");
}

static int
hs_put(store *s, const store_host *h, unsigned kinds, int *changed)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = H(q, H_OLD);
	int rc, diff = 1;

	*changed = 0;
	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, h->ip);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		diff = !same(T(st, 0), h->ptr) || (ISNULL(st, 1) ? -1 : (int)I(st, 1)) !=
		    h->fcrdns || !same(T(st, 2), h->service) || !same(T(st, 3), h->service_type);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sq_fail(q, "reading a host");
	if ((st = H(q, H_ADD)) == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, h->ip);
	if (sq_run(q, st, "adding a host") != STORE_OK)
		return STORE_ERR;
	if ((st = H(q, H_PUT)) == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, h->ip);
	sq_bind_text(st, 2, h->ptr);
	sq_bind_text(st, 3, h->ptr_names);
	if (h->fcrdns < 0)
		sqlite3_bind_null(st, 4);
	else
		sqlite3_bind_int(st, 4, h->fcrdns);
	sq_bind_text(st, 5, h->base_domain);
	if (h->asn > 0)
		sqlite3_bind_int64(st, 6, h->asn);
	else
		sqlite3_bind_null(st, 6);
	sq_bind_text(st, 7, h->as_name);
	sq_bind_text(st, 8, h->country);
	sq_bind_text(st, 9, h->service);
	sq_bind_text(st, 10, h->service_type);
	sqlite3_bind_int64(st, 11, h->updated_at);
	bind_lookup(st, 12, &h->ptr_l, 0);
	sqlite3_bind_int(st, 15, (kinds & HK_PTR) != 0);
	sqlite3_bind_int(st, 16, hosts_state_class(h->ptr_l.state) == HS_TEMPORARY);
	bind_lookup(st, 17, &h->geo_l, 1);
	sqlite3_bind_int(st, 21, (kinds & HK_GEO) != 0);
	bind_lookup(st, 22, &h->asn_l, 1);
	sqlite3_bind_int(st, 26, (kinds & HK_ASN) != 0);
	sqlite3_bind_int(st, 27, hosts_state_class(h->asn_l.state) == HS_TEMPORARY);
	if (sq_run(q, st, "writing a host") != STORE_OK)
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
	sq_store *q = SQ(s);
	sqlite3_stmt *st;

	*domains = 0;
	if (sq_exec(q, "CREATE TEMP TABLE IF NOT EXISTS enrich_changed (ip TEXT PRIMARY KEY)")
	    != STORE_OK || (st = H(q, H_FLUSH)) == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, now);
	if (sq_run(q, st, "queueing reanalysis") != STORE_OK)
		return STORE_ERR;
	*domains = sqlite3_changes(q->db);
	if ((st = H(q, H_FLUSH_CLEAR)) == NULL)
		return STORE_ERR;
	return sq_run(q, st, "clearing the changed hosts");
}

static int
hs_dnsbl_put(store *s, const store_dnsbl *d)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = H(q, H_DNSBL_PUT);

	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, d->ip);
	sq_bind_text(st, 2, d->zone);
	sq_bind_text(st, 3, d->state);
	sq_bind_text(st, 4, d->codes);
	sq_bind_text(st, 5, d->meaning);
	sq_bind_text(st, 6, d->txt);
	sqlite3_bind_int64(st, 7, d->at);
	sqlite3_bind_int64(st, 8, d->expires);
	sqlite3_bind_int(st, 9, hosts_state_class(d->state) == HS_TEMPORARY);
	return sq_run(q, st, "writing a DNSBL result");
}

static int
hs_dnsbl_list(store *s, const char *ip, int (*cb)(void *, const store_dnsbl *), void *ctx)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = H(q, H_DNSBL_LIST);
	int rc;

	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, ip);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_dnsbl d = { T(st, 0), T(st, 1), T(st, 2), T(st, 3), T(st, 4), T(st, 5),
		    I(st, 6), I(st, 7) };

		if (cb(ctx, &d) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? STORE_OK : sq_fail(q, "reading DNSBL results");
}

/* ---- RDAP networks --------------------------------------------------------------- */

static void
rdap_row(sqlite3_stmt *st, store_rdap_net *n)
{
	static const unsigned char zero[16];

	memset(n, 0, sizeof(*n));
	n->id = I(st, 0);
	n->family = (int)I(st, 1);
	n->lo = sqlite3_column_bytes(st, 2) == 16 ? sqlite3_column_blob(st, 2) : zero;
	n->hi = sqlite3_column_bytes(st, 3) == 16 ? sqlite3_column_blob(st, 3) : zero;
	n->start = T(st, 4);
	n->end = T(st, 5);
	n->handle = T(st, 6);
	n->name = T(st, 7);
	n->org = T(st, 8);
	n->country = T(st, 9);
	n->abuse_email = T(st, 10);
	n->url = T(st, 11);
	n->fetched_at = I(st, 12);
	n->expires = I(st, 13);
}

static int
one_net(sq_store *q, sqlite3_stmt *st, int (*cb)(void *, const store_rdap_net *), void *ctx,
    int *found)
{
	int rc;

	*found = 0;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_rdap_net n;

		rdap_row(st, &n);
		*found = 1;
		cb(ctx, &n);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK :
	    sq_fail(q, "reading an RDAP network");
}

static int
hs_rdap_find(store *s, const unsigned char key[16], int64_t now, int64_t fresh_since,
    int (*cb)(void *, const store_rdap_net *), void *ctx, int *found)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = H(q, H_RDAP_FIND);

	*found = 0;
	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_blob(st, 1, key, 16, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, fresh_since);
	return one_net(q, st, cb, ctx, found);
}

static int
hs_rdap_get(store *s, int64_t id, int (*cb)(void *, const store_rdap_net *), void *ctx,
    int *found)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = H(q, H_RDAP_GET);

	*found = 0;
	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	return one_net(q, st, cb, ctx, found);
}

static int
hs_rdap_put(store *s, const store_rdap_net *n, int64_t *id)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = H(q, H_RDAP_SAME);
	int rc;

	*id = 0;
	if (st == NULL)
		return STORE_ERR;
	sqlite3_bind_blob(st, 1, n->lo, 16, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, n->hi, 16, SQLITE_STATIC);
	sq_bind_text(st, 3, n->handle);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*id = I(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sq_fail(q, "finding an RDAP network");
	if ((st = H(q, *id ? H_RDAP_UPD : H_RDAP_INS)) == NULL)
		return STORE_ERR;
	sqlite3_bind_int(st, 1, n->family);
	sqlite3_bind_blob(st, 2, n->lo, 16, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, n->hi, 16, SQLITE_STATIC);
	sq_bind_text(st, 4, n->start);
	sq_bind_text(st, 5, n->end);
	sq_bind_text(st, 6, n->handle);
	sq_bind_text(st, 7, n->name);
	sq_bind_text(st, 8, n->org);
	sq_bind_text(st, 9, n->country);
	sq_bind_text(st, 10, n->abuse_email);
	sq_bind_text(st, 11, n->url);
	sqlite3_bind_int64(st, 12, n->fetched_at);
	sqlite3_bind_int64(st, 13, n->expires);
	if (*id)
		sqlite3_bind_int64(st, 14, *id);
	if (sq_run(q, st, "writing an RDAP network") != STORE_OK)
		return STORE_ERR;
	if (*id == 0)
		*id = sqlite3_last_insert_rowid(q->db);
	return STORE_OK;
}

static int
hs_rdap_set(store *s, const char *ip, const store_lookup *l, int64_t net)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = H(q, H_RDAP_SET);

	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, ip);
	sq_bind_text(st, 2, l->state);
	sqlite3_bind_int64(st, 3, l->at);
	sqlite3_bind_int64(st, 4, l->expires);
	if (net > 0)
		sqlite3_bind_int64(st, 5, net);
	else
		sqlite3_bind_null(st, 5);
	sqlite3_bind_int(st, 6, hosts_state_class(l->state) == HS_TEMPORARY);
	return sq_run(q, st, "writing a host's RDAP state");
}

static int
hs_brief(store *s, const char *ip, int (*cb)(void *, const char *, const char *, const char *),
    void *ctx, int *found)
{
	sq_store *q = SQ(s);
	sqlite3_stmt *st = H(q, H_BRIEF);
	int rc;

	*found = 0;
	if (st == NULL)
		return STORE_ERR;
	sq_bind_text(st, 1, ip);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*found = 1;
		cb(ctx, T(st, 0), T(st, 1), T(st, 2));
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : sq_fail(q, "reading a host");
}

const struct store_hosts_ops store_sqlite_hosts_ops = {
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
