/*
 * web.h - the portal: an HTTP server (libmicrohttpd) serving the JSON API
 * under /api/v1/ (docs/API.md) and the front end embedded at build time.
 *
 * Exports:
 *   web_opts_default(o)   defaults: 127.0.0.1:8080, 90-day list range,
 *                         10 s header and query deadlines
 *   web_serve(o)          run until SIGINT/SIGTERM; 0 on a clean stop, -1
 *                         (with a message on stderr) when it cannot start
 *   csv_mail_write(st, who, w, ja, tz, put, ctx, err, errlen)
 *                         the mail list of query w as CSV (csv.c), as
 *                         principal who sees it (src/auth/principal.h), the bytes
 *                         GET records.csv sends, handed to put(ctx, p, n) in
 *                         pieces; put returns non-zero to stop.  0 ok, -1
 *                         put failed, -2 database error (err set).  Used by
 *                         `export --format csv` too.
 *   csv_threats_write(...)  the same for the threats list (failure reports,
 *                         GET threats.csv; w's failure filters)
 *   api_routes_print(f)   the API's routes, one a line: method, path (with
 *                         {placeholders}), answer type, query parameters,
 *                         description, tab-separated (api.c; serve --routes)
 *
 * Ownership: o and its strings must outlive web_serve.  The server opens
 * its own store connections from o->db (one per concurrent request, kept in
 * a pool, one for the background thread, one per CSV download); the caller
 * keeps none open.
 */
#ifndef DS_WEB_H
#define DS_WEB_H

#include <stdio.h>

typedef struct web_opts {
	const char *db;		/* DSN or path */
	const char *db_replica;	/* PostgreSQL standby for the portal's reads, or NULL */
	int replica_max_lag_ms;	/* reads go to the primary while the standby lags more */
	const char *config;	/* --config FILE (its [enrich] section), or NULL */
	const char *host;	/* listen address, numeric: "127.0.0.1", "::1", "0.0.0.0" */
	int port;
	const char *password;	/* admin password (HTTP Basic, user "admin"); NULL: none */
	int max_range_days;	/* mail list range cap */
	int retention_days;	/* earliest date shown is now - retention; 0: unlimited */
	int enrich;		/* run enrichment in the background */
	int offline;		/* pass --offline to enrichment */
	int enrich_interval;	/* seconds between enrichment runs */
	int max_conn;		/* connection limit */
	int max_per_client;	/* connections per client address (0: max_conn / 4) */
	int header_timeout;	/* seconds to receive a request's headers */
	int query_ms;		/* milliseconds a GET may spend in the database */
	const char *const *allow_hosts;	/* Host names accepted besides the listen
				 * address (and localhost on loopback) */
	int n_allow_hosts;
	const char *const *trusted_proxies;	/* CIDRs whose X-Forwarded-For and
				 * X-Forwarded-Proto count (--trusted-proxy) */
	int n_trusted_proxies;
	int verbose;
} web_opts;

struct store;
struct store_web_query;
struct csv_tz;
struct dm_principal;

void web_opts_default(web_opts *o);
int web_serve(const web_opts *o);
void api_routes_print(FILE *f);
int csv_mail_write(struct store *st, const struct dm_principal *who,
    const struct store_web_query *w, int ja, const struct csv_tz *tz,
    int (*put)(void *, const char *, size_t), void *ctx, char *err, size_t errlen);
int csv_threats_write(struct store *st, const struct dm_principal *who,
    const struct store_web_query *w, int ja, const struct csv_tz *tz,
    int (*put)(void *, const char *, size_t), void *ctx, char *err, size_t errlen);

#endif
