/*
 * test.c - alert_test_send: a sample "spoofing started" alert for a domain,
 * now, through each of its channels (every recipient in its language, the
 * webhook), without the queue.  `alerts test` and the portal's test button
 * (POST /api/v1/alert-settings/test) both call it.
 *
 * Exports: alert_test_send (alert.h).  Errors: -1 when the domain has no
 * channel or its settings cannot be read (err says which); otherwise the
 * number of channels that failed, each reported through line().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"

int
alert_test_send(store *s, const alert_cfg *c, const char *domain, int64_t now,
    void (*line)(void *, const char *channel, int ok, const char *detail), void *ctx, char *err,
    size_t errlen)
{
	alert_settings set;
	alert_view v = { domain, RULE_SPOOF_START, "", "{\"spoofing\":123,\"threshold\":50,"
	    "\"max_before\":0,\"quiet_days\":7,\"messages\":456,\"spoofing_pct\":27.0,\"test\":true}",
	    NULL, 0, now / 86400 };
	char link[600], key[64], ch[300], e[512];
	int failed = 0;

	snprintf(link, sizeof(link), "#/mail?domain=%s", domain);
	v.link = link;
	if (alert_settings_load(s, domain, &set, err, errlen) != 0)
		return -1;
	if (set.nrcpt == 0 && set.webhook_url == NULL) {
		snprintf(err, errlen, "%s has no recipient and no webhook", domain);
		alert_settings_clear(&set);
		return -1;
	}
	snprintf(key, sizeof(key), "dmarcscope.test.%lld", (long long)now);
	for (int i = 0; i < set.nrcpt; i++) {
		dbuf subj, text, html, msg;
		char mid[300];

		dbuf_init(&subj, 1 << 12);
		dbuf_init(&text, 1 << 20);
		dbuf_init(&html, 1 << 20);
		dbuf_init(&msg, 1 << 21);
		alert_text(&v, 1, set.rcpt[i].lang, c, &subj, &text, &html);
		snprintf(mid, sizeof(mid), "%s.%d@%s", key, i, c->hostname ? c->hostname : "localhost");
		snprintf(ch, sizeof(ch), "mail:%s", set.rcpt[i].addr);
		if (alert_mail_build(c, set.rcpt[i].addr, dbuf_cstr(&subj), dbuf_cstr(&text),
		    dbuf_cstr(&html), mid, now, "test", &msg) != 0) {
			line(ctx, ch, 0, "cannot build the message");
			failed++;
		} else if (alert_mail_send(c, set.rcpt[i].addr, &msg, e, sizeof(e)) != 0) {
			line(ctx, ch, 0, e);
			failed++;
		} else {
			line(ctx, ch, 1, set.rcpt[i].lang);
		}
		dbuf_free(&subj);
		dbuf_free(&text);
		dbuf_free(&html);
		dbuf_free(&msg);
	}
	if (set.webhook_url != NULL) {
		char *body = alert_json(&v, set.webhook_format, c);

		if (body == NULL || alert_webhook_post(c, set.webhook_url, set.webhook_secret, body,
		    key, now, e, sizeof(e)) != 0) {
			line(ctx, "webhook", 0, body ? e : "cannot build the JSON");
			failed++;
		} else {
			line(ctx, "webhook", 1, "");
		}
		free(body);
	}
	alert_settings_clear(&set);
	return failed;
}
