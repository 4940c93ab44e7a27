/*
 * csv.c - the mail list as a CSV download, streamed with no row limit.
 *
 * A producer thread opens its own store connection, runs the filtered
 * query (SWQ_RECORDS_CSV) and writes CSV lines into a pipe; the HTTP
 * response reads the other end in chunks (chunked transfer encoding).
 * The pipe gives back-pressure, so memory stays flat however many rows
 * there are.  When the client goes away the response closes its end, the
 * producer's next write fails (EPIPE; SIGPIPE is ignored) and it stops.
 *
 * Both run as the request's principal (the store answers only its domains;
 * `export` passes the local operator).
 *
 * The rows are written by csv_mail_write, which `export --format csv` uses
 * too, so both have the same columns (IIJ's mail list plus class, names in
 * src/util/csv.c) and the same bytes: English or (lang=ja) Japanese
 * headers with a UTF-8 BOM, the date column in the requested zone and
 * naming it.  Fields go through csv_field (RFC 4180, formulas defused).
 *
 * The threats list (GET threats.csv, issue 13) goes the same way through
 * csv_threats_write: every failure report matching the filters, newest
 * first (SWQ_THREATS_CSV), its arrival minute in the zone asked for, and
 * "authorized" from the domain's My Senders (kinds_auth, api_kinds.c).
 *
 * Exports: csv_response, csv_threats_response (web_priv.h), csv_mail_write,
 * csv_threats_write (web.h).  Errors:
 * csv_response returns NULL when the pipe or thread cannot be created; a
 * database error mid-stream ends the body with a line "# error: ...".
 * csv_mail_write returns 0, -1 when put failed (the reader went away; the
 * rest is not written) or -2 on a database error (err set).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "web_priv.h"
#include "../analyze/classify.h"
#include "../util/csv.h"
#include "../util/log.h"

struct csvjob {
	int rfd, wfd;
	pthread_t th;
	store_web_query w;
	dm_principal who;	/* the request's, without its domain list (the
				 * store reads the tenant id and role only) */
	char *domain, *search, *ip, *reporter, *url_domain;
	const web_opts *o;
	int ja;
	int threats;		/* 1: the threats list (csv_threats_write) */
	csv_tz tz;
};

/* One mail-list download or export being written. */
struct sink {
	dbuf line;
	int (*put)(void *, const char *, size_t);
	void *ctx;
	const csv_tz *tz;
	int dead;		/* put failed: the reader went away */
};

static const char *
col(int ncol, const char *const *names, const store_web_val *v, const char *name, char *tmp,
    size_t tlen)
{
	for (int i = 0; i < ncol; i++) {
		if (strcmp(names[i], name) != 0)
			continue;
		switch (v[i].type) {
		case SWV_TEXT: return v[i].s;
		case SWV_INT: snprintf(tmp, tlen, "%lld", (long long)v[i].i); return tmp;
		case SWV_REAL: snprintf(tmp, tlen, "%g", v[i].d); return tmp;
		default: return "";
		}
	}
	return "";
}

static int
flush(struct sink *k)
{
	if (k->line.len > 0 && k->put(k->ctx, k->line.data, k->line.len) != 0) {
		k->dead = 1;
		return -1;
	}
	dbuf_reset(&k->line);
	return 0;
}

static int
row_cb(void *ctx, int ncol, const char *const *names, const store_web_val *v)
{
	struct sink *k = ctx;
	char tmp[64], date[32];
	int64_t t = 0;
	int cls = 3;

	for (int i = 0; i < ncol; i++) {
		if (strcmp(names[i], "date_begin") == 0)
			t = v[i].i;
		else if (strcmp(names[i], "class") == 0)
			cls = (int)v[i].i;
	}
	csv_tz_date(t, k->tz, date, sizeof(date));
	csv_field(&k->line, date, 0);
	for (int c = 1; c < CSV_MAIL_NCOLS - 1; c++)
		csv_field(&k->line, col(ncol, names, v, csv_mail_keys[c], tmp, sizeof(tmp)), 0);
	csv_field(&k->line, cls >= 0 && cls < CLS__COUNT ? cls_class_name((cls_class)cls) : "",
	    1);
	if (k->line.len >= 32768 && flush(k) != 0)
		return 1;
	return 0;
}

int
csv_mail_write(store *st, const dm_principal *who, const store_web_query *w, int ja,
    const csv_tz *tz, int (*put)(void *, const char *, size_t), void *ctx, char *err,
    size_t errlen)
{
	struct sink k;
	int rc = 0;

	memset(&k, 0, sizeof(k));
	k.put = put;
	k.ctx = ctx;
	k.tz = tz;
	dbuf_init(&k.line, (size_t)1 << 24);
	csv_mail_header(&k.line, ja, tz);
	if (!store_has(st, web)) {
		snprintf(err, errlen, "this store has no mail-list query");
		rc = -2;
	} else if (store_web_run(st, who, SWQ_RECORDS_CSV, w, row_cb, &k) != STORE_OK && !k.dead) {
		snprintf(err, errlen, "%s", store_errmsg(st));
		rc = -2;
	}
	if (!k.dead)
		flush(&k);
	if (k.dead)
		rc = -1;
	dbuf_free(&k.line);
	return rc;
}

/* ---- the threats list (failure reports) ---- */

#define THREAT_NCOLS 15

static const char *const threat_keys[THREAT_NCOLS] = {
	"date", "policy_domain", "reporter", "source_ip", "reverse_dns", "country_code",
	"authorized", "subject", "header_from", "auth_failure", "feedback_type",
	"delivery_result", "urls", "attachments", "flags",
};

/* The same columns in Japanese, in the words of the portal (web/i18n/ja.json). */
static const char *const threat_ja[THREAT_NCOLS] = {
	"日付", "ポリシードメイン", "レポート送信者", "送信元IPアドレス", "逆引きドメイン", "国コード",
	"送信元の登録", "件名", "ヘッダFrom", "認証失敗の種類", "フィードバック種別", "配送結果", "URL数",
	"添付ファイル数", "注意",
};

/* The store's column for each CSV column (NULL: computed). */
static const char *const threat_cols[THREAT_NCOLS] = {
	NULL, "policy_domain", "reporter", "source_ip", "ptr", "country", NULL, "subject",
	"mail_from", "auth_failure", "feedback_type", "delivery_result", "url_count",
	"attachment_count", NULL,
};

struct tsink {
	struct sink k;
	int ja;
	kinds_auth *auth;
};

static const char *
text_col(int ncol, const char *const *names, const store_web_val *v, const char *name)
{
	for (int i = 0; i < ncol; i++)
		if (strcmp(names[i], name) == 0)
			return v[i].type == SWV_TEXT ? v[i].s : NULL;
	return NULL;
}

static int
threat_row_cb(void *ctx, int ncol, const char *const *names, const store_web_val *v)
{
	struct tsink *t = ctx;
	struct sink *k = &t->k;
	char tmp[64], date[48];
	int64_t at = 0;
	time_t tt;
	struct tm tm;
	const char *flags = text_col(ncol, names, v, "flags");
	json_t *fl = flags != NULL ? json_loads(flags, 0, NULL) : NULL;
	dbuf fb;

	for (int i = 0; i < ncol; i++)
		if (strcmp(names[i], "arrival_time") == 0)
			at = v[i].i;
	/* the minute it arrived, in the zone asked for */
	tt = (time_t)(at + k->tz->offset);
	if (gmtime_r(&tt, &tm) == NULL || strftime(date, sizeof(date), "%Y-%m-%d %H:%M", &tm) == 0)
		date[0] = '\0';
	csv_field(&k->line, date, 0);
	for (int c = 1; c < THREAT_NCOLS - 1; c++) {
		if (threat_cols[c] != NULL) {
			csv_field(&k->line, col(ncol, names, v, threat_cols[c], tmp, sizeof(tmp)), 0);
			continue;
		}
		/* authorized: one of the domain's My Senders */
		if (kinds_auth_match(t->auth, text_col(ncol, names, v, "policy_domain"),
		    text_col(ncol, names, v, "source_ip"), text_col(ncol, names, v, "ptr"),
		    text_col(ncol, names, v, "_service")))
			csv_field(&k->line, t->ja ? "登録済み" : "yes", 0);
		else
			csv_field(&k->line, t->ja ? "未承認" : "no", 0);
	}
	/* flags: the JSON array's names, space separated */
	dbuf_init(&fb, 4096);
	for (size_t i = 0; i < json_array_size(fl); i++) {
		const char *f = json_string_value(json_array_get(fl, i));

		if (f != NULL)
			dbuf_printf(&fb, "%s%s", fb.len ? " " : "", f);
	}
	csv_field(&k->line, fb.len ? dbuf_cstr(&fb) : "", 1);
	dbuf_free(&fb);
	json_decref(fl);
	if (k->line.len >= 32768 && flush(k) != 0)
		return 1;
	return 0;
}

int
csv_threats_write(store *st, const dm_principal *who, const store_web_query *w, int ja,
    const csv_tz *tz, int (*put)(void *, const char *, size_t), void *ctx, char *err,
    size_t errlen)
{
	struct tsink t;
	char date[48];
	int rc = 0;

	memset(&t, 0, sizeof(t));
	t.k.put = put;
	t.k.ctx = ctx;
	t.k.tz = tz;
	t.ja = ja;
	t.auth = kinds_auth_new(st);
	dbuf_init(&t.k.line, (size_t)1 << 24);
	if (ja)
		dbuf_addstr(&t.k.line, "\xef\xbb\xbf");	/* UTF-8 BOM, as the mail list */
	snprintf(date, sizeof(date), "%s (%s)", ja ? threat_ja[0] : threat_keys[0], tz->label);
	csv_field(&t.k.line, date, 0);
	for (int i = 1; i < THREAT_NCOLS; i++)
		csv_field(&t.k.line, ja ? threat_ja[i] : threat_keys[i], i == THREAT_NCOLS - 1);
	if (!store_has(st, web)) {
		snprintf(err, errlen, "this store has no threats query");
		rc = -2;
	} else if (store_web_run(st, who, SWQ_THREATS_CSV, w, threat_row_cb, &t) != STORE_OK && !t.k.dead) {
		snprintf(err, errlen, "%s", store_errmsg(st));
		rc = -2;
	}
	if (!t.k.dead)
		flush(&t.k);
	if (t.k.dead)
		rc = -1;
	dbuf_free(&t.k.line);
	kinds_auth_free(t.auth);
	return rc;
}

static int
write_all(void *ctx, const char *p, size_t n)
{
	int fd = *(int *)ctx;

	while (n > 0) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static void *
produce(void *arg)
{
	struct csvjob *j = arg;
	char err[512], line[600];
	store *st;

	if (store_open(&st, j->o->db, err, sizeof(err)) != STORE_OK) {
		snprintf(line, sizeof(line), "# error: %s\n", err);
		write_all(&j->wfd, line, strlen(line));
	} else {
		pool_replica(st);	/* from the standby, as the pages (--db-replica) */
		if (store_has(st, web) && store_has_op(st, web, query_only))
			store_web_query_only(st, 1);	/* a download only reads */
		if ((j->threats ? csv_threats_write : csv_mail_write)(st, &j->who, &j->w, j->ja,
		    &j->tz, write_all, &j->wfd, err, sizeof(err)) == -2) {
			snprintf(line, sizeof(line), "# error: %s\n", err);
			write_all(&j->wfd, line, strlen(line));
		}
		store_close(st);
	}
	close(j->wfd);
	return NULL;
}

static ssize_t
reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct csvjob *j = cls;
	ssize_t n;

	(void)pos;
	do
		n = read(j->rfd, buf, max);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (n < 0)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	return n;
}

static void
job_free(void *cls)
{
	struct csvjob *j = cls;

	close(j->rfd);		/* the producer's next write fails */
	pthread_join(j->th, NULL);
	free(j->domain);
	free(j->search);
	free(j->ip);
	free(j->reporter);
	free(j->url_domain);
	free(j);
}

static struct MHD_Response *
start(const web_opts *o, const dm_principal *who, const store_web_query *w, int ja,
    const csv_tz *tz, int threats)
{
	struct csvjob *j = xcalloc(1, sizeof(*j));
	struct MHD_Response *r;
	int fds[2];

	if (pipe(fds) != 0) {
		free(j);
		return NULL;
	}
	j->rfd = fds[0];
	j->wfd = fds[1];
	j->o = o;
	j->who = *who;
	j->who.domains = NULL;
	j->who.ndomains = 0;
	j->w = *w;
	j->ja = ja;
	j->tz = *tz;
	j->domain = w->domain ? xstrdup(w->domain) : NULL;
	j->search = w->search ? xstrdup(w->search) : NULL;
	j->ip = w->ip ? xstrdup(w->ip) : NULL;
	j->reporter = w->reporter ? xstrdup(w->reporter) : NULL;
	j->url_domain = w->url_domain ? xstrdup(w->url_domain) : NULL;
	j->threats = threats;
	j->w.domain = j->domain;
	j->w.search = j->search;
	j->w.ip = j->ip;
	j->w.reporter = j->reporter;
	j->w.url_domain = j->url_domain;
	j->w.url = NULL;
	j->w.limit = -1;
	j->w.offset = 0;
	if (pthread_create(&j->th, NULL, produce, j) != 0) {
		close(fds[0]);
		close(fds[1]);
		free(j->domain);
		free(j->search);
		free(j->ip);
		free(j->reporter);
		free(j->url_domain);
		free(j);
		return NULL;
	}
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, reader, j, job_free);
	if (r == NULL) {
		job_free(j);
		return NULL;
	}
	MHD_add_response_header(r, "Content-Type", "text/csv; charset=utf-8");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	return r;
}

struct MHD_Response *
csv_response(const web_opts *o, const dm_principal *who, const store_web_query *w, int ja,
    const csv_tz *tz)
{
	return start(o, who, w, ja, tz, 0);
}

struct MHD_Response *
csv_threats_response(const web_opts *o, const dm_principal *who, const store_web_query *w,
    int ja, const csv_tz *tz)
{
	return start(o, who, w, ja, tz, 1);
}
