/*
 * store_pg_changes.c - the alert change log (alert_changes, sql_pg/009) of a
 * grouped ingest transaction, held in memory and written with the settle.
 *
 * The ingest records a change per report and UTC day (store_alerts
 * change_add) and per stored DMARC failure report (change_failure): the
 * evaluator looks at those (domain, day) pairs again.  Written as they come,
 * a grouped transaction (group commit: many messages before one COMMIT)
 * would hold those rows' locks from its message to its COMMIT, taken in the
 * order of its messages, and two grouped ingests meeting on two rows in
 * opposite orders deadlock.  Inside a grouped transaction (pg_stage_grouped)
 * they are kept here, and the settle (store_pg_batch.c) writes them in one
 * statement, in key order, under the group lock; outside one they are
 * written at once (store_pg_alerts.c).  A message rolled back to its
 * savepoint keeps its changes: a change asks for one more evaluation of a
 * (domain, day), which costs that evaluation and nothing else.
 *
 * The same holds for a failure report's source address, which joins the
 * enrichment queue (a hosts row, ON CONFLICT DO NOTHING): a new row is
 * locked until the COMMIT, and two groups inserting two new addresses in
 * opposite orders deadlock.  In a group they wait here too, and the settle
 * inserts them in address order (pg_changes_add_host).
 *
 * Exports (pg_priv.h): pg_changes_add, pg_changes_add_failure,
 * pg_changes_add_host, pg_changes_pending, pg_changes_settle, pg_changes_clear, pg_changes_free.
 * Errors: pg_changes_settle returns STORE_ERR with q->err set; the adds
 * return 0 when kept, -1 when the caller must write the change itself (more
 * than MAX_CHANGES in one transaction).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "pg_priv.h"
#include "../util/dbuf.h"
#include "../util/log.h"

#define MAX_CHANGES (1 << 20)	/* kept per transaction, then written at once */

struct pg_changes {
	dbuf dom, day, fid, ip;	/* array literal elements, without the braces */
	int n, nfail, nhost;
};

enum { CH_SETTLE, CH_HOSTS };

static const char hosts_sql[] =
    "INSERT INTO hosts(ip) SELECT DISTINCT a FROM unnest($1::text[]) AS u(a) ORDER BY 1 "
    "ON CONFLICT DO NOTHING";

/* Both kinds, duplicates merged, in key order; seq as store_pg_alerts.c's
 * L_CH_ADD (the time in microseconds, an update at least seq + 1), the
 * failure report's day as its L_CH_FAIL. */
static const char settle_sql[] =
    "INSERT INTO alert_changes(policy_domain, day, seq) "
    "SELECT x.d, x.y, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint FROM ("
    "SELECT u.d, u.y FROM unnest($1::text[], $2::bigint[]) AS u(d, y) "
    "UNION SELECT policy_domain, arrival_time / 86400 - "
    "CASE WHEN arrival_time % 86400 < 0 THEN 1 ELSE 0 END FROM failure_reports "
    "WHERE id = ANY ($3::bigint[]) AND is_dmarc_failure = 1 AND policy_domain IS NOT NULL AND "
    "policy_domain <> '') AS x(d, y) ORDER BY 1, 2 "
    "ON CONFLICT (policy_domain, day) DO UPDATE SET seq = "
    "GREATEST(alert_changes.seq + 1, EXCLUDED.seq)";

static struct pg_changes *
get(pg_store *q)
{
	struct pg_changes *c = q->changes;

	if (c == NULL) {
		c = q->changes = xcalloc(1, sizeof(*c));
		dbuf_init(&c->dom, (size_t)64 << 20);
		dbuf_init(&c->day, (size_t)32 << 20);
		dbuf_init(&c->fid, (size_t)32 << 20);
		dbuf_init(&c->ip, (size_t)32 << 20);
	}
	return c;
}

int
pg_changes_add(pg_store *q, const char *domain, int64_t day)
{
	struct pg_changes *c = get(q);

	if (domain == NULL)
		domain = "";
	if (c->n + c->nfail >= MAX_CHANGES || c->dom.len + 2 * strlen(domain) + 4 >= c->dom.max)
		return -1;
	if (c->n > 0) {
		dbuf_addc(&c->dom, ',');
		dbuf_addc(&c->day, ',');
	}
	pg_array_quote(&c->dom, domain);
	dbuf_printf(&c->day, "%" PRId64, day);
	c->n++;
	return 0;
}

int
pg_changes_add_failure(pg_store *q, int64_t failure_id)
{
	struct pg_changes *c = get(q);

	if (c->n + c->nfail >= MAX_CHANGES)
		return -1;
	if (c->nfail > 0)
		dbuf_addc(&c->fid, ',');
	dbuf_printf(&c->fid, "%" PRId64, failure_id);
	c->nfail++;
	return 0;
}

int
pg_changes_add_host(pg_store *q, const char *ip)
{
	struct pg_changes *c = get(q);

	if (ip == NULL || c->nhost >= MAX_CHANGES || c->ip.len + 2 * strlen(ip) + 4 >= c->ip.max)
		return -1;
	if (c->nhost > 0)
		dbuf_addc(&c->ip, ',');
	pg_array_quote(&c->ip, ip);
	c->nhost++;
	return 0;
}

int
pg_changes_pending(const pg_store *q)
{
	return q->changes != NULL && q->changes->n + q->changes->nfail + q->changes->nhost > 0;
}

/* Queued (pg_queue.c): travels with the COMMIT. */
int
pg_changes_settle(pg_store *q)
{
	struct pg_changes *c = q->changes;
	char name[32], **v;

	if (!pg_changes_pending(q))
		return STORE_OK;
	if (c->nhost > 0) {
		if (pg_prepare(q, PGA_CHANGES, CH_HOSTS, hosts_sql, "queueing sources for enrichment")
		    != STORE_OK)
			return STORE_ERR;
		v = xcalloc(1, sizeof(*v));
		v[0] = pg_array(&c->ip);
		snprintf(name, sizeof(name), "a%d_%d", (int)PGA_CHANGES, CH_HOSTS);
		if (pg_queue_add(q, name, 1, v, "queueing sources for enrichment") != STORE_OK)
			return STORE_ERR;
	}
	if (c->n + c->nfail == 0) {
		pg_changes_clear(q);
		return STORE_OK;
	}
	if (pg_prepare(q, PGA_CHANGES, CH_SETTLE, settle_sql, "recording changes") != STORE_OK)
		return STORE_ERR;
	v = xcalloc(3, sizeof(*v));
	v[0] = pg_array(&c->dom);
	v[1] = pg_array(&c->day);
	v[2] = pg_array(&c->fid);
	pg_changes_clear(q);
	snprintf(name, sizeof(name), "a%d_%d", (int)PGA_CHANGES, CH_SETTLE);
	return pg_queue_add(q, name, 3, v, "recording changes");
}

void
pg_changes_clear(pg_store *q)
{
	struct pg_changes *c = q->changes;

	if (c == NULL)
		return;
	dbuf_reset(&c->dom);
	dbuf_reset(&c->day);
	dbuf_reset(&c->fid);
	dbuf_reset(&c->ip);
	c->n = c->nfail = c->nhost = 0;
}

void
pg_changes_free(pg_store *q)
{
	struct pg_changes *c = q->changes;

	if (c == NULL)
		return;
	dbuf_free(&c->dom);
	dbuf_free(&c->day);
	dbuf_free(&c->fid);
	dbuf_free(&c->ip);
	free(c);
	q->changes = NULL;
}
