/*
 * export_priv.h - what export_kinds.c (the walk, json and csv) and
 * export_pd.c (parsedmarc's shapes) share: the export's state, the host
 * columns from the enrichment cache, small JSON / time / CSV helpers (defined
 * in export_kinds.c) and the parsedmarc writers (export_pd.c).  Private to
 * src/cmd/export_*.c.
 */
#ifndef DS_CMD_EXPORT_PRIV_H
#define DS_CMD_EXPORT_PRIV_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "export_kinds.h"
#include "../enrich/enrich.h"
#include "../store/store_kinds.h"
#include "../util/dbuf.h"

typedef struct kx {
	FILE *out;
	int kind, fmt, ja, n, err, werr;
	const char *domain;
	const csv_tz *tz;
	enrich_memo *memo;
	dbuf line;
} kx;

typedef struct host_cols {
	const char *ptr, *country, *base;
} host_cols;

/* One mailbox of an address header: GMime parses it. */
typedef struct mbox {
	char name[512], addr[512];
} mbox;

/* export_kinds.c */
const char *xk_sv(const json_t *o, const char *k);	/* o[k] as a string, or NULL */
json_t *xk_jstr(const char *s);				/* a string or null */
json_t *xk_jcopy(const json_t *o, const char *k);	/* a copy of o[k], or null */
void xk_end_line(kx *x);				/* write x->line, reset it */
void xk_fmt_time(int64_t t, int offset, char *buf, size_t len);	/* "YYYY-MM-DD HH:MM:SS" */
int64_t xk_iso_time(const char *s);			/* "…T…Z" → unix, 0 */
void xk_num(char *buf, size_t len, const json_t *v);	/* an integer as text */
void xk_join(dbuf *b, const json_t *arr, const char *key, const char *sep);
void xk_host_of(kx *x, const char *ip, host_cols *h);	/* enrichment columns */
int64_t xk_arrival(const json_t *m, const store_kind_row *row);
int xk_mbox_parse(const char *s, int index, mbox *mb);	/* 1: the index-th mailbox */
const char *xk_addr_domain(const char *addr, char *buf, size_t len);
const char *xk_policy_domain(const json_t *m, char *buf, size_t len);
int xk_domain_ok(kx *x, const json_t *pol);		/* the policy passes --domain */

/* export_pd.c: parsedmarc's failure and SMTP TLS shapes */
#define XK_PD_FAIL_NCOLS 26
#define XK_PD_TLS_NCOLS 17
extern const char *const xk_pd_fail_cols[XK_PD_FAIL_NCOLS];
extern const char *const xk_pd_tls_cols[XK_PD_TLS_NCOLS];
json_t *xk_pd_failure(kx *x, const json_t *m, const store_kind_row *row, host_cols *h);
void xk_pd_failure_csv(kx *x, const json_t *m, const store_kind_row *row);
json_t *xk_pd_tls(const json_t *m);
void xk_pd_tls_csv(kx *x, const json_t *m);

#endif
