/*
 * web_priv.h - what the files of src/web/ share.  Not for use elsewhere.
 *
 *   http.c     the daemon, security headers, auth, limits, static files, routing
 *   api.c      the JSON API handlers
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
} wreq;

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

/* csv.c */
struct MHD_Response *csv_response(const web_opts *o, const store_web_query *w, int ja,
    const csv_tz *tz);

/* raw.c: appends the documents of archived message raw_id to out as text;
 * *truncated is set when anything was cut */
int raw_text(store *st, int64_t raw_id, dbuf *out, int *truncated, char *err, size_t errlen);

/* bg.c */
int bg_start(const web_opts *o);
void bg_stop(void);
void bg_version(char *buf, size_t len);	/* the current data version */
void bg_kick(void);			/* data changed: probe now */
int bg_enrich_state(void);		/* 0 off, 1 idle, 2 running */

/* pool.c */
void pool_init(const web_opts *o);
store *pool_get(char *err, size_t errlen);
void pool_put(store *s);
void pool_fini(void);
const struct store_web_ops *web_ops(store *s);

#endif
