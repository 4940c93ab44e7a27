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
 * The columns are export.c's (IIJ's mail list) plus class.  Fields follow
 * RFC 4180 and spreadsheet formulas are defused: a field that starts with
 * = + - @ TAB or CR is quoted with a leading apostrophe, since every
 * report field is attacker-controlled.
 *
 * Exports: csv_response, csv_field.  Errors: csv_response returns NULL
 * when the pipe or thread cannot be created; a database error mid-stream
 * ends the body with a line "# error: ...".
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
#include "../util/log.h"

struct csvjob {
	int rfd, wfd;
	pthread_t th;
	store_web_query w;
	char *domain, *search, *ip;
	const web_opts *o;
	dbuf line;
	int dead;
};

void
csv_field(dbuf *b, const char *s, int last)
{
	int quote = 0;

	if (s == NULL)
		s = "";
	if (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' ||
	    s[0] == '\r')
		quote = 2;
	for (const char *c = s; *c && !quote; c++)
		if (*c == ',' || *c == '"' || *c == '\n' || *c == '\r')
			quote = 1;
	if (quote) {
		dbuf_addc(b, '"');
		if (quote == 2)
			dbuf_addc(b, '\'');
		for (const char *c = s; *c; c++) {
			if (*c == '"')
				dbuf_addc(b, '"');
			dbuf_addc(b, *c);
		}
		dbuf_addc(b, '"');
	} else
		dbuf_addstr(b, s);
	dbuf_addc(b, last ? '\n' : ',');
}

static int
write_all(int fd, const char *p, size_t n)
{
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
row_cb(void *ctx, int ncol, const char *const *names, const store_web_val *v)
{
	static const char *const cols[] = { "policy_domain", "source_ip", "reverse_dns",
	    "count", "header_from", "dmarc_result", "spf_alignment", "spf_result_domain",
	    "dkim_alignment", "dkim_result_domain", "disposition", "country_code" };
	struct csvjob *j = ctx;
	char tmp[64], date[32];
	time_t t = 0;
	struct tm tm;
	int cls = 3;

	for (int i = 0; i < ncol; i++) {
		if (strcmp(names[i], "date_begin") == 0)
			t = (time_t)v[i].i;
		else if (strcmp(names[i], "class") == 0)
			cls = (int)v[i].i;
	}
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d %H:00", &tm);
	csv_field(&j->line, date, 0);
	for (size_t k = 0; k < sizeof(cols) / sizeof(cols[0]); k++)
		csv_field(&j->line, col(ncol, names, v, cols[k], tmp, sizeof(tmp)), 0);
	csv_field(&j->line, cls >= 0 && cls < CLS__COUNT ? cls_class_name((cls_class)cls) : "",
	    1);
	if (j->line.len >= 32768) {
		if (write_all(j->wfd, j->line.data, j->line.len) != 0) {
			j->dead = 1;
			return 1;
		}
		dbuf_reset(&j->line);
	}
	return 0;
}

static void *
produce(void *arg)
{
	struct csvjob *j = arg;
	char err[512];
	store *st;

	dbuf_init(&j->line, (size_t)1 << 24);
	dbuf_addstr(&j->line, "date,policy_domain,source_ip,reverse_dns,count,header_from,"
	    "dmarc_result,spf_alignment,spf_result_domain,dkim_alignment,dkim_result_domain,"
	    "disposition,country_code,class\n");
	if (store_open(&st, j->o->db, err, sizeof(err)) != STORE_OK) {
		dbuf_printf(&j->line, "# error: %s\n", err);
	} else {
		if (web_ops(st)->query(st, SWQ_RECORDS_CSV, &j->w, row_cb, j) != STORE_OK &&
		    !j->dead)
			dbuf_printf(&j->line, "# error: %s\n", store_errmsg(st));
		store_close(st);
	}
	if (!j->dead && j->line.len > 0)
		write_all(j->wfd, j->line.data, j->line.len);
	dbuf_free(&j->line);
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
csv_response(const web_opts *o, const store_web_query *w)
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
