/*
 * web_priv.h - what the files of src/web/ share.  Not for use elsewhere.
 *
 *   http.c     the daemon, security headers, auth, limits, static files, routing
 *   api.c      the JSON API handlers
 *   api_kinds.c  the failure- and TLS-report handlers (threats, URLs, tls)
 *   api_attach.c a failure report's attachment as a download
 *   api_overview.c the domains overview and its CSV
 *   csv.c      the streamed CSV download (producer thread + pipe)
 *   raw.c      an archived message's documents as text
 *   bg.c       the background thread: data version and enrichment
 *   pool.c     store connections shared by request threads
 *   assets     build/gen/web_assets.c (scripts/embed-web.py)
 *
 * Exports: the types and functions below.
 */
#ifndef DS_WEB_PRIV_H
#define DS_WEB_PRIV_H

#include <jansson.h>
#include <microhttpd.h>
#include <stddef.h>
#include <stdint.h>

#include "assets.h"
#include "web.h"
#include "../auth/principal.h"
#include "../store/store.h"
#include "../store/store_web.h"
#include "../util/csv.h"
#include "../util/dbuf.h"

/* ---- a request as the handlers see it */
typedef struct wreq {
	struct MHD_Connection *c;
	const web_opts *o;
	const char *method;		/* "GET", "POST", "DELETE" */
	const char *path;		/* after /api/v1 */
	const char *body;		/* NUL-terminated, or NULL */
	size_t bodylen;
	store *st;			/* from the pool, for this request */
	/* who the request is, resolved once in serve_api (http.c): a session,
	 * a Bearer token, or the local operator (no users defined, loopback
	 * listen address; or --password-file's HTTP Basic "admin").  method
	 * AUTH_NONE: nobody, and only ACC_PUBLIC routes run. */
	const dm_principal *principal;
	const char *client_ip;		/* the client's address (X-Forwarded-For
					 * from a trusted proxy), "-" unknown */
	int secure;			/* TLS, or X-Forwarded-Proto: https from a
					 * trusted proxy: cookies get Secure */
	int query_only;			/* st is still query-only after api_handle
					 * (its switch back was interrupted):
					 * serve_api retries once the watch is off */
} wreq;

/*
 * What a route needs of the principal (api.c's route table, one column;
 * api_handle enforces it before the handler runs, `serve --routes` prints
 * it):
 *   ACC_PUBLIC    nothing (login, logout, session)
 *   ACC_READ      any principal
 *   ACC_WRITE     principal_can_write (admin, operator, local, write token)
 *   ACC_MANAGE    principal_can_manage_users (admin: own tenant; operator)
 *   ACC_OPERATOR  principal_is_operator (the provider's staff, local)
 * Every route whose method is not GET additionally needs, for a session,
 * the session's X-CSRF-Token (403 csrf), whatever its level.
 */
enum api_access { ACC_PUBLIC = 0, ACC_READ, ACC_WRITE, ACC_MANAGE, ACC_OPERATOR };

/* A response being built: status, content type and body, or a ready
 * MHD response (streams). */
typedef struct wresp {
	int status;
	const char *type;
	dbuf body;
	struct MHD_Response *ready;
	const char *disposition;	/* Content-Disposition or NULL */
	int cacheable;			/* may go to the response cache */
	int truncated;			/* X-Dmarcscope-Truncated: 1 (raw/) */
} wresp;

/* api.c */
void api_handle(wreq *r, wresp *out);
void api_json(wresp *out, int status, json_t *j);	/* steals j */
void api_error(wresp *out, int status, const char *code, const char *msg);
const char *api_arg(wreq *r, const char *name);

/* api.c, for api_kinds.c: the common filters (api_error on a bad one: -1),
 * a query's rows as an array / its first row as an object (NULL: none;
 * *err set on a database error), an integer in [lo, hi] (-1 when not) */
int api_filters(wreq *r, wresp *out, store_web_query *w, int capped);
json_t *api_rows(wreq *r, int q, const store_web_query *w, int *err);
json_t *api_one(wreq *r, int q, const store_web_query *w, int *err);
int api_parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out);

/* api.c: the checks api_handle makes from a route's access column, for
 * handlers that need one inside (a GET that writes, a check on a row).
 * Each returns 0 when allowed, else -1 after answering 401 (no principal),
 * 403 forbidden or 403 csrf (a session's state-changing request without its
 * X-CSRF-Token). */
int api_require_read(wreq *r, wresp *out);
int api_require_write(wreq *r, wresp *out);
int api_require_manage(wreq *r, wresp *out);
int api_require_operator(wreq *r, wresp *out);
int api_require_csrf(wreq *r, wresp *out);	/* non-GET by session: the token */

/* api_alerts.c: alerts, their settings, the bell (issue 15) */
void api_alerts(wreq *r, wresp *out);
void api_alerts_count(wreq *r, wresp *out);
void api_alert_ack(wreq *r, wresp *out, int64_t id);
void api_alert_settings(wreq *r, wresp *out);
void api_alert_settings_post(wreq *r, wresp *out);
void api_alert_test(wreq *r, wresp *out);

/* api_overview.c: the domains overview and its CSV (issue 19) */
void api_overview(wreq *r, wresp *out);
void api_overview_csv(wreq *r, wresp *out);

/* api_kinds.c: failure and TLS reports (issue 13) */
void api_threats(wreq *r, wresp *out);
void api_threats_csv(wreq *r, wresp *out);
void api_threat(wreq *r, wresp *out, int64_t id);
void api_threat_attachment(wreq *r, wresp *out, int64_t id);	/* api_attach.c */
/* one failure report's row (NULL after a 404/500 answer) and its model */
json_t *api_threat_load(wreq *r, wresp *out, int64_t id, json_t **model);
void api_threat_urls(wreq *r, wresp *out);
void api_tls(wreq *r, wresp *out);
void api_check(wreq *r, wresp *out);	/* api_check.c */
/* api_feed.c: the spoofing-host feed, take-down texts, the allow-list */
void api_spoofers(wreq *r, wresp *out);
void api_spoofers_csv(wreq *r, wresp *out);
void api_spoofers_zone(wreq *r, wresp *out);
void api_takedown(wreq *r, wresp *out);
void api_spoofer_allow(wreq *r, wresp *out);
void api_spoofer_allow_add(wreq *r, wresp *out);
void api_spoofer_allow_rm(wreq *r, wresp *out);
void api_ready(wreq *r, wresp *out);	/* api_ready.c: readiness for p=reject */
void api_fixes(wreq *r, wresp *out);	/* api_fixes.c */
int api_kinds_record(wreq *r, json_t *rec);
int api_kinds_host(wreq *r, json_t *host, const store_web_query *w, const char *ip);
int api_kinds_domains(wreq *r, json_t *list);
/* whether ip (with its reverse DNS and service) is one of dom's My Senders;
 * the sets are loaded once per domain and kept in the kinds_auth */
typedef struct kinds_auth kinds_auth;
kinds_auth *kinds_auth_new(store *st);
int kinds_auth_match(kinds_auth *a, const char *dom, const char *ip, const char *ptr,
    const char *service);
void kinds_auth_free(kinds_auth *a);

/* csv.c */
struct MHD_Response *csv_response(const web_opts *o, const dm_principal *who,
    const store_web_query *w, int ja, const csv_tz *tz);
/* the threats list (SWQ_THREATS_CSV) as CSV, streamed the same way */
struct MHD_Response *csv_threats_response(const web_opts *o, const dm_principal *who,
    const store_web_query *w, int ja, const csv_tz *tz);

/* raw.c: appends the documents of archived message raw_id to out as text,
 * when principal who may see it (SWQ_RAW_ACCESS; else "no such message");
 * *truncated is set when anything was cut */
int raw_text(store *st, const dm_principal *who, int64_t raw_id, dbuf *out, int *truncated,
    char *err, size_t errlen);

/* bg.c */
int bg_start(const web_opts *o);
void bg_stop(void);
void bg_version(char *buf, size_t len);	/* the current data version */
void bg_kick(void);			/* data changed: probe now */
unsigned long bg_writes(void);		/* bg_kick calls so far (the cache's key) */
int bg_enrich_state(void);		/* 0 off, 1 idle, 2 running */

/* pool.c */
void pool_init(const web_opts *o);
store *pool_get(char *err, size_t errlen);
void pool_replica(store *s);
void pool_put(store *s);
void pool_fini(void);

#endif
