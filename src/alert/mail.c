/*
 * mail.c - an alert or summary as an e-mail: built with GMime
 * (multipart/alternative: text/plain and text/html, UTF-8, quoted-printable;
 * a non-ASCII Subject is RFC 2047-encoded by GMime), CRLF line ends, and sent
 * with libcurl's SMTP client (smtp:// with optional required STARTTLS, or
 * smtps://; AUTH when a user is configured).
 *
 * Headers: From, To, Subject, Date, Message-ID (the caller's: derived from
 * the delivery row, so a resend after a crash carries the same one),
 * Auto-Submitted: auto-generated (RFC 3834), X-Dmarcscope-Alert.
 *
 * Needs g_mime_init() (mime_init()) once.  curl_global_init runs once here
 * (pthread_once) as in rdap.c.
 *
 * Exports: alert_mail_build, alert_mail_send, alert_curl_init (alert.h).
 */
#include <curl/curl.h>
#include <gmime/gmime.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "alert.h"

static GMimeObject *
text_part(const char *subtype, const char *body)
{
	GMimeTextPart *p = g_mime_text_part_new_with_subtype(subtype);

	g_mime_text_part_set_text(p, body);
	g_mime_text_part_set_charset(p, "utf-8");
	g_mime_part_set_content_encoding(GMIME_PART(p), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	return GMIME_OBJECT(p);
}

int
alert_mail_build(const alert_cfg *c, const char *to, const char *subject, const char *text,
    const char *html, const char *message_id, int64_t date, const char *xalert, dbuf *out)
{
	GMimeMessage *m = g_mime_message_new(TRUE);
	GMimeMultipart *mp = g_mime_multipart_new_with_subtype("alternative");
	GMimeObject *tp = text_part("plain", text), *hp = text_part("html", html);
	GMimeFormatOptions *fo = g_mime_format_options_new();
	GDateTime *dt = g_date_time_new_from_unix_utc(date);
	InternetAddressList *l;
	char *s, *subj = g_strdup(subject);
	int rc = 0;

	for (char *p = subj; *p; p++)	/* one header line, whatever a report said */
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';

	g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_FROM, "dmarcscope",
	    c->from ? c->from : "dmarcscope@localhost");
	l = internet_address_list_parse(NULL, to);
	if (l == NULL || internet_address_list_length(l) != 1) {
		rc = -1;
	} else {
		internet_address_list_append(g_mime_message_get_addresses(m, GMIME_ADDRESS_TYPE_TO), l);
	}
	if (l != NULL)
		g_object_unref(l);
	g_mime_message_set_subject(m, subj, "utf-8");
	g_free(subj);
	g_mime_message_set_message_id(m, message_id);
	g_mime_message_set_date(m, dt);
	g_mime_object_set_header(GMIME_OBJECT(m), "Auto-Submitted", "auto-generated", NULL);
	if (xalert != NULL)
		g_mime_object_set_header(GMIME_OBJECT(m), "X-Dmarcscope-Alert", xalert, NULL);
	g_mime_multipart_add(mp, tp);
	g_mime_multipart_add(mp, hp);
	g_mime_message_set_mime_part(m, GMIME_OBJECT(mp));
	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	if (rc == 0) {
		s = g_mime_object_to_string(GMIME_OBJECT(m), fo);
		dbuf_reset(out);
		if (s == NULL || dbuf_addstr(out, s) != DBUF_OK)
			rc = -1;
		g_free(s);
	}
	g_mime_format_options_free(fo);
	g_date_time_unref(dt);
	g_object_unref(tp);
	g_object_unref(hp);
	g_object_unref(mp);
	g_object_unref(m);
	return rc;
}

struct reader {
	const dbuf *b;
	size_t off;
};

static size_t
read_cb(char *buf, size_t size, size_t n, void *ctx)
{
	struct reader *r = ctx;
	size_t want = size * n, left = r->b->len - r->off;

	if (want > left)
		want = left;
	memcpy(buf, r->b->data + r->off, want);
	r->off += want;
	return want;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static CURLcode global_rc;

static void
global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int
alert_curl_init(void)
{
	pthread_once(&once, global_init);
	return global_rc == CURLE_OK ? 0 : -1;
}

int
alert_mail_send(const alert_cfg *c, const char *to, const dbuf *msg, char *err, size_t errlen)
{
	CURL *h;
	struct curl_slist *rcpt = NULL;
	struct reader r = { msg, 0 };
	char ebuf[CURL_ERROR_SIZE] = "", from[512], rc_to[512];
	CURLcode rc;

	if (c->smtp_url == NULL) {
		snprintf(err, errlen, "no SMTP server configured ([smtp] url)");
		return -1;
	}
	if (alert_curl_init() != 0 || (h = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "libcurl: cannot initialise");
		return -1;
	}
	snprintf(from, sizeof(from), "<%s>", c->from ? c->from : "dmarcscope@localhost");
	snprintf(rc_to, sizeof(rc_to), "<%s>", to);
	rcpt = curl_slist_append(rcpt, rc_to);
	curl_easy_setopt(h, CURLOPT_URL, c->smtp_url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(h, CURLOPT_READDATA, &r);
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)msg->len);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)c->timeout_s);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)(c->timeout_s < 10 ? c->timeout_s : 10));
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	if (c->starttls)
		curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (!c->tls_verify) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (c->smtp_user != NULL) {
		curl_easy_setopt(h, CURLOPT_USERNAME, c->smtp_user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, c->smtp_password ? c->smtp_password : "");
	}
	rc = curl_easy_perform(h);
	if (rc != CURLE_OK)
		snprintf(err, errlen, "smtp: %s", ebuf[0] ? ebuf : curl_easy_strerror(rc));
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(h);
	return rc == CURLE_OK ? 0 : -1;
}
