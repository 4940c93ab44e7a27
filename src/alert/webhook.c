/*
 * webhook.c - an alert as a JSON POST to the domain's webhook URL, signed:
 *     X-Dmarcscope-Timestamp: UNIX
 *     X-Dmarcscope-Signature: sha256=HEX(HMAC-SHA256(secret, "UNIX." + body))
 *     X-Dmarcscope-Delivery: the delivery's idempotency key (same on a retry)
 * The receiver recomputes the HMAC over the timestamp, a dot and the raw body,
 * compares in constant time and rejects old timestamps (replay).  Any 2xx is
 * success; everything else (status, timeout, refused) is retried by the queue.
 *
 * HMAC: GLib's GHmac (GMime depends on GLib).  curl_global_init: alert_curl_init (mail.c).
 *
 * Exports: alert_sign, alert_webhook_post (alert.h).
 */
#include <curl/curl.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "alert.h"

void
alert_sign(const char *secret, int64_t ts, const char *body, char out[65])
{
	GHmac *h = g_hmac_new(G_CHECKSUM_SHA256, (const guchar *)(secret ? secret : ""),
	    secret ? strlen(secret) : 0);
	char t[32];

	snprintf(t, sizeof(t), "%lld.", (long long)ts);
	g_hmac_update(h, (const guchar *)t, (gssize)strlen(t));
	g_hmac_update(h, (const guchar *)body, (gssize)strlen(body));
	snprintf(out, 65, "%s", g_hmac_get_string(h));
	g_hmac_unref(h);
}

static size_t
sink(char *p, size_t size, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return size * n;	/* the receiver's answer is not used */
}

int
alert_webhook_post(const alert_cfg *c, const char *url, const char *secret, const char *body,
    const char *delivery_key, int64_t ts, char *err, size_t errlen)
{
	CURL *h;
	struct curl_slist *hd = NULL;
	char ebuf[CURL_ERROR_SIZE] = "", line[256], sig[65];
	long status = 0;
	CURLcode rc;

	if (alert_curl_init() != 0 || (h = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "libcurl: cannot initialise");
		return -1;
	}
	alert_sign(secret, ts, body, sig);
	hd = curl_slist_append(hd, "Content-Type: application/json; charset=utf-8");
	snprintf(line, sizeof(line), "X-Dmarcscope-Timestamp: %lld", (long long)ts);
	hd = curl_slist_append(hd, line);
	if (secret != NULL) {
		snprintf(line, sizeof(line), "X-Dmarcscope-Signature: sha256=%s", sig);
		hd = curl_slist_append(hd, line);
	}
	snprintf(line, sizeof(line), "X-Dmarcscope-Delivery: %s", delivery_key);
	hd = curl_slist_append(hd, line);
	hd = curl_slist_append(hd, "Expect:");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
	curl_easy_setopt(h, CURLOPT_USERAGENT, "dmarcscope-alerts");
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)c->timeout_s);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)(c->timeout_s < 10 ? c->timeout_s : 10));
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	if (!c->tls_verify) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hd);
	curl_easy_cleanup(h);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "webhook: %s", ebuf[0] ? ebuf : curl_easy_strerror(rc));
		return -1;
	}
	if (status < 200 || status > 299) {
		snprintf(err, errlen, "webhook: HTTP status %ld", status);
		return -1;
	}
	return 0;
}
