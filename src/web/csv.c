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
 * The rows are written by csv_mail_write, which `export --format csv` uses
 * too, so both have the same columns (IIJ's mail list plus class, names in
 * src/util/csv.c) and the same bytes: English or (lang=ja) Japanese
 * headers with a UTF-8 BOM, the date column in the requested zone and
 * naming it.  Fields go through csv_field (RFC 4180, formulas defused).
 *
 * Exports: csv_response (web_priv.h), csv_mail_write (web.h).  Errors:
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
	char *domain, *search, *ip;
	const web_opts *o;
	int ja;
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
csv_mail_write(store *st, const store_web_query *w, int ja, const csv_tz *tz,
    int (*put)(void *, const char *, size_t), void *ctx, char *err, size_t errlen)
{
	const struct store_web_ops *ops = web_ops(st);
	struct sink k;
	int rc = 0;

	memset(&k, 0, sizeof(k));
	k.put = put;
	k.ctx = ctx;
	k.tz = tz;
	dbuf_init(&k.line, (size_t)1 << 24);
	csv_mail_header(&k.line, ja, tz);
	if (ops == NULL) {
		snprintf(err, errlen, "this store has no mail-list query");
		rc = -2;
	} else if (ops->query(st, SWQ_RECORDS_CSV, w, row_cb, &k) != STORE_OK && !k.dead) {
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
		if (csv_mail_write(st, &j->w, j->ja, &j->tz, write_all, &j->wfd, err,
		    sizeof(err)) == -2) {
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
	free(j);
}

struct MHD_Response *
csv_response(const web_opts *o, const store_web_query *w, int ja, const csv_tz *tz)
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
	j->w = *w;
	j->ja = ja;
	j->tz = *tz;
	j->domain = w->domain ? xstrdup(w->domain) : NULL;
	j->search = w->search ? xstrdup(w->search) : NULL;
	j->ip = w->ip ? xstrdup(w->ip) : NULL;
	j->w.domain = j->domain;
	j->w.search = j->search;
	j->w.ip = j->ip;
	j->w.limit = -1;
	j->w.offset = 0;
	if (pthread_create(&j->th, NULL, produce, j) != 0) {
		close(fds[0]);
		close(fds[1]);
		free(j->domain);
		free(j->search);
		free(j->ip);
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
