/*
 * net.c - the lookups of the DNS checks: synchronous TXT / MX / A / AAAA
 * queries on the c-ares engine (src/enrich/dns.h), each counted against
 * DC_QUERY_MAX and the check's deadline, the answers read with c-ares'
 * parsers under the caps of dnscheck.h; and the HTTPS GET of the MTA-STS
 * policy with libcurl (host resolved by the same resolver and pinned with
 * CURLOPT_RESOLVE, https only, no redirects, size and time capped, the CA
 * file configurable).
 *
 * Exports: dc_txt, dc_txt_free, dc_lookup_mx, dc_lookup_addr, dc_https_get,
 * dc_tempfail (dc_priv.h).
 * Ownership: dc_txts owns its strings (dc_txt_free).  Errors: a lookup's
 * status is returned; nothing here prints.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <ares.h>
#include <curl/curl.h>

#include "dc_priv.h"
#include "../util/log.h"

#define DC_T_MX 15

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

typedef struct answer {
	dns_status st;
	unsigned char *buf;
	int len, done;
} answer;

static void
got(void *arg, dns_status st, const unsigned char *abuf, int alen)
{
	answer *a = arg;

	a->st = st;
	if (abuf != NULL && alen > 0 && alen <= 65535) {
		a->buf = xmalloc((size_t)alen);
		memcpy(a->buf, abuf, (size_t)alen);
		a->len = alen;
	}
	a->done = 1;
}

static void
lookup(dc_net *n, const char *name, int type, answer *a)
{
	memset(a, 0, sizeof(*a));
	if (n->r->queries >= DC_QUERY_MAX || mono_ms() > n->deadline_ms) {
		if (!n->capped) {
			char why[64];

			n->capped = 1;
			snprintf(why, sizeof(why), n->r->queries >= DC_QUERY_MAX ? "%d DNS queries" :
			    "%d ms", n->r->queries >= DC_QUERY_MAX ? DC_QUERY_MAX : n->o->deadline_ms);
			dc_add(n->r, "dns.cap", name, why, NULL);
		}
		a->st = DNS_ERROR;
		return;
	}
	n->r->queries++;
	dns_query(n->e, name, type, 1, got, a);
	dns_wait(n->e, &a->done);
	if (!a->done)
		a->st = DNS_ERROR;
}

void
dc_tempfail(dc_net *n, const char *name, dns_status st)
{
	char why[DC_NAME_MAX + 32];

	if (n->capped && st == DNS_ERROR)
		return;		/* the cap was said once */
	snprintf(why, sizeof(why), "%s: %s", name, dns_status_name(st));
	dc_add(n->r, "dns.tempfail", name, why, NULL);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
dc_txt(dc_net *n, const char *name, dc_txts *out)
{
	answer a;
	struct ares_txt_ext *txt = NULL, *t;

	memset(out, 0, sizeof(*out));
	lookup(n, name, DNS_T_TXT, &a);
	out->st = a.st;
	out->size = a.len;
	if (a.st == DNS_OK && a.buf != NULL) {
		int rc = ares_parse_txt_reply_ext(a.buf, a.len, &txt);

		if (rc == ARES_ENODATA)
			out->st = DNS_NODATA;
		else if (rc != ARES_SUCCESS)
			out->st = DNS_ERROR;
		else {
			size_t len = 0;
			char *cur = NULL;

			for (t = txt; t != NULL; t = t->next) {
				if (t->record_start) {
					if (out->n >= DC_RECORDS_MAX)
						break;
					cur = out->text[out->n++] = xcalloc(1, DC_TXT_MAX);
					len = 0;
				}
				if (cur == NULL)
					continue;
				for (size_t i = 0; i < t->length; i++) {
					unsigned char c = t->txt[i];

					if (len + 1 >= DC_TXT_MAX) {
						out->long_ = 1;
						break;
					}
					cur[len++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
				}
			}
			ares_free_data(txt);
			qsort(out->text, (size_t)out->n, sizeof(out->text[0]), cmp_str);
			if (out->n == 0)
				out->st = DNS_NODATA;
		}
	}
	free(a.buf);
}

void
dc_txt_free(dc_txts *t)
{
	for (int i = 0; i < t->n; i++)
		free(t->text[i]);
	t->n = 0;
}

int
dc_lookup_mx(dc_net *n, const char *name, char out[][DC_NAME_MAX], int max, dns_status *st)
{
	answer a;
	struct ares_mx_reply *mx = NULL, *m;
	int k = 0;

	lookup(n, name, DC_T_MX, &a);
	*st = a.st;
	if (a.st == DNS_OK && a.buf != NULL) {
		int rc = ares_parse_mx_reply(a.buf, a.len, &mx);

		if (rc == ARES_ENODATA)
			*st = DNS_NODATA;
		else if (rc != ARES_SUCCESS)
			*st = DNS_ERROR;
		else {
			for (m = mx; m != NULL; m = m->next, k++)
				if (k < max)
					snprintf(out[k], DC_NAME_MAX, "%s", m->host);
			ares_free_data(mx);
			if (k == 0)
				*st = DNS_NODATA;
		}
	}
	free(a.buf);
	return k;
}

int
dc_lookup_addr(dc_net *n, const char *name, int type, unsigned char out[][16], int max,
    dns_status *st)
{
	answer a;
	unsigned char tmp[16][16];
	int k = 0;

	lookup(n, name, type, &a);
	*st = a.st;
	if (a.st == DNS_OK && a.buf != NULL) {
		k = dns_rr_addr(a.buf, a.len, type, out != NULL ? out : tmp, out != NULL ? max : 16);
		if (k < 0) {
			*st = DNS_ERROR;
			k = 0;
		} else if (k == 0)
			*st = DNS_NODATA;
	}
	free(a.buf);
	return k;
}

/* ---- HTTPS ----------------------------------------------------------------- */

typedef struct sink_ctx {
	dbuf *b;
	size_t max;
	int over;
} sink_ctx;

static size_t
sink(char *p, size_t sz, size_t nm, void *arg)
{
	sink_ctx *s = arg;
	size_t n = sz * nm;

	if (s->b->len + n > s->max) {
		s->over = 1;
		return 0;	/* aborts the transfer */
	}
	if (dbuf_add(s->b, p, n) != DBUF_OK) {
		s->over = 1;
		return 0;
	}
	return n;
}

int
dc_https_get(dc_net *n, const char *host, const char *path, size_t max, dbuf *b, char *err,
    size_t errlen)
{
	unsigned char addr[4][16];
	char url[DC_NAME_MAX + 128], res[DC_NAME_MAX + 64], ip[64], ebuf[CURL_ERROR_SIZE];
	struct curl_slist *rl = NULL;
	dns_status st;
	int na, port = n->o->https_port > 0 ? n->o->https_port : 443;
	long code = 0, left;
	CURL *h;
	CURLcode rc;
	sink_ctx sc = { b, max, 0 };

	na = dc_lookup_addr(n, host, DNS_T_A, addr, 4, &st);
	if (na == 0) {
		snprintf(err, errlen, "%s: no address (%s)", host, dns_status_name(st));
		return -1;
	}
	inet_ntop(AF_INET, addr[0], ip, sizeof(ip));
	snprintf(res, sizeof(res), "%s:%d:%s", host, port, ip);
	snprintf(url, sizeof(url), "https://%s:%d%s", host, port, path);
	left = (long)(n->deadline_ms - mono_ms());
	if (left < 1000)
		left = 1000;
	if (left > 15000)
		left = 15000;
	if ((h = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "curl_easy_init failed");
		return -1;
	}
	rl = curl_slist_append(NULL, res);
	ebuf[0] = '\0';
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_RESOLVE, rl);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);	/* RFC 8461 §3.3: no redirects */
	curl_easy_setopt(h, CURLOPT_USERAGENT, "dmarcscope-check");
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &sc);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, left);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, left < 5000 ? left : 5000);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	if (n->o->ca_file != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, n->o->ca_file);
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(h);
	curl_slist_free_all(rl);
	if (sc.over || rc == CURLE_FILESIZE_EXCEEDED) {
		snprintf(err, errlen, "larger than %zu bytes", max);
		return -1;
	}
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s", ebuf[0] ? ebuf : curl_easy_strerror(rc));
		return -1;
	}
	if (code != 200) {
		snprintf(err, errlen, "HTTP status %ld", code);
		return -1;
	}
	return 0;
}

void
dc_opts_init(dc_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->timeout_ms = 2000;
	o->deadline_ms = 30000;
	o->https_port = 443;
}

int
dc_check(const char *domain, const dc_opts *o, dc_result *r, char *err, size_t errlen)
{
	dc_net n;
	dns_opts dopt;
	char d[DC_NAME_MAX];
	size_t len;

	memset(r, 0, sizeof(*r));
	snprintf(d, sizeof(d), "%s", domain);
	len = strlen(d);
	if (len > 0 && d[len - 1] == '.')
		d[--len] = '\0';
	for (size_t i = 0; i < len; i++) {
		char c = d[i];

		if (c >= 'A' && c <= 'Z')
			d[i] = (char)(c - 'A' + 'a');
		else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_')) {
			snprintf(err, errlen, "%s: not a domain name", domain);
			return -1;
		}
	}
	if (len == 0 || len > 253 || strstr(d, "..") != NULL || d[0] == '.') {
		snprintf(err, errlen, "%s: not a domain name", domain);
		return -1;
	}
	memset(&dopt, 0, sizeof(dopt));
	dopt.server = o->resolver;
	dopt.timeout_ms = o->timeout_ms;
	dopt.tries = 2;
	dopt.max_inflight = 4;
	dopt.loopback_only = o->loopback_only;
	memset(&n, 0, sizeof(n));
	if ((n.e = dns_new(&dopt, err, errlen)) == NULL)
		return -1;
	n.r = r;
	n.o = o;
	n.deadline_ms = mono_ms() + (o->deadline_ms > 0 ? o->deadline_ms : 30000);
	snprintf(r->domain, sizeof(r->domain), "%s", d);
	r->checked_at = o->now ? o->now : (int64_t)time(NULL);
	r->spf_lookups = r->spf_voids = -1;
	dc_check_dmarc(&n, d);
	dc_check_spf(&n, d);
	dc_check_dkim(&n, d);
	dc_check_sts(&n, d);
	dc_check_tlsrpt(&n, d);
	dc_check_bimi(&n, d);
	dns_free(n.e);
	return 0;
}
