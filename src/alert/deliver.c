/*
 * deliver.c - one pass over the delivery queue (alert_deliveries): every
 * pending row whose next_attempt has come is claimed, sent, and marked.
 *
 * Guarantee (docs/ALERTS.md): at least once, duplicates detectable.
 *   1. claim: in its own transaction, next_attempt moves to now + lease and
 *      attempts + 1, but only if next_attempt is still what we read
 *      (compare-and-set), so two runs never send the same row;
 *   2. send: the mail's Message-ID and the webhook's X-Dmarcscope-Delivery
 *      are derived from the row (id, creation time, channel), the same on
 *      every attempt;
 *   3. mark: sent, or pending again with exponential backoff, or failed
 *      after max_attempts.
 * A kill between 2 and 3 leaves the row claimed; after the lease it is sent
 * again with the same Message-ID / key: the receiver can drop the copy.  A
 * kill before 2 sends nothing and loses nothing (the row is due again after
 * the lease).  Alerts and their rows are written in the evaluator's
 * transaction, so nothing between evaluation and delivery can be lost.
 *
 * Batching: the alert mails of a domain with digest on that are due for the
 * same recipient go out as one mail (rule.c schedules them for the same time).
 *
 * Exports: alert_deliver (alert.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "../util/log.h"
#include "../store/store_alerts.h"

#define BATCH 200
#define MAX_GROUP 50

typedef struct row {
	int64_t id, alert_id, summary_id, next_attempt, created_at, period_start, period_end, day;
	int attempts, done;
	char *channel, *lang, *domain, *rule, *key, *numbers, *link, *kind;
} row;

typedef struct rows {
	row r[BATCH];
	int n;
} rows;

static char *
dup(const char *s)
{
	return xstrdup(s ? s : "");
}

static int
due_cb(void *ctx, const store_delivery *d)
{
	rows *l = ctx;
	row *r = &l->r[l->n++];

	memset(r, 0, sizeof(*r));
	r->id = d->id;
	r->alert_id = d->alert_id;
	r->summary_id = d->summary_id;
	r->next_attempt = d->next_attempt;
	r->created_at = d->created_at;
	r->attempts = d->attempts;
	r->period_start = d->period_start;
	r->period_end = d->period_end;
	r->day = d->alert.day;
	r->channel = dup(d->channel);
	r->lang = dup(d->lang);
	r->domain = dup(d->alert.policy_domain);
	r->rule = dup(d->alert.rule);
	r->key = dup(d->alert.subject_key);
	r->numbers = dup(d->alert.numbers);
	r->link = dup(d->alert.link);
	r->kind = dup(d->summary_kind);
	return l->n == BATCH;
}

static void
rows_free(rows *l)
{
	for (int i = 0; i < l->n; i++) {
		row *r = &l->r[i];

		free(r->channel);
		free(r->lang);
		free(r->domain);
		free(r->rule);
		free(r->key);
		free(r->numbers);
		free(r->link);
		free(r->kind);
	}
	l->n = 0;
}

/* The delivery's stable identity: the same on every attempt. */
static void
delivery_key(const row *r, char *buf, size_t len)
{
	uint32_t h = 2166136261u;

	for (const char *p = r->channel; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	snprintf(buf, len, "dmarcscope.%lld.%lld.%08x", (long long)r->id, (long long)r->created_at, h);
}

static void
view_of(const row *r, alert_view *v)
{
	v->domain = r->domain;
	v->rule = r->rule;
	v->subject_key = r->key;
	v->numbers = r->numbers;
	v->link = r->link;
	v->id = r->alert_id;
	v->day = r->day;
}

/* Sends the group g[0..n); err says why on failure. */
static int
send_group(store *st, const alert_cfg *c, const alert_settings *set, row **g, int n, int64_t now,
    char *err, size_t errlen)
{
	dbuf subj, text, html, msg;
	char key[96], mid[256], xa[64];
	int rc = -1;

	dbuf_init(&subj, 1 << 12);
	dbuf_init(&text, 1 << 22);
	dbuf_init(&html, 1 << 22);
	dbuf_init(&msg, 1 << 23);
	delivery_key(g[0], key, sizeof(key));
	if (n > 1)
		snprintf(key + strlen(key), sizeof(key) - strlen(key), ".n%d", n);
	if (strcmp(g[0]->channel, "webhook") == 0) {
		alert_view v;
		char *body;

		if (g[0]->alert_id == 0 || set->webhook_url == NULL) {
			snprintf(err, errlen, "no webhook configured for %s", g[0]->domain);
			goto out;
		}
		view_of(g[0], &v);
		if ((body = alert_json(&v, set->webhook_format, c)) == NULL) {
			snprintf(err, errlen, "webhook: cannot build the JSON");
			goto out;
		}
		rc = alert_webhook_post(c, set->webhook_url, set->webhook_secret, body, key, now, err,
		    errlen);
		free(body);
		goto out;
	}
	if (strncmp(g[0]->channel, "mail:", 5) != 0) {
		snprintf(err, errlen, "unknown channel '%.60s'", g[0]->channel);
		goto out;
	}
	if (g[0]->summary_id != 0) {
		if (alert_summary_text(st, g[0]->domain, g[0]->kind, g[0]->period_start, g[0]->period_end,
		    g[0]->lang, &subj, &text, &html, err, errlen) != 0)
			goto out;
		snprintf(xa, sizeof(xa), "summary %lld", (long long)g[0]->summary_id);
	} else {
		alert_view v[MAX_GROUP];

		for (int i = 0; i < n; i++)
			view_of(g[i], &v[i]);
		alert_text(v, n, g[0]->lang, c, &subj, &text, &html);
		snprintf(xa, sizeof(xa), "%lld%s", (long long)g[0]->alert_id, n > 1 ? " (digest)" : "");
	}
	snprintf(mid, sizeof(mid), "%s@%s", key, c->hostname ? c->hostname : "localhost");
	if (alert_mail_build(c, g[0]->channel + 5, dbuf_cstr(&subj), dbuf_cstr(&text),
	    dbuf_cstr(&html), mid, now, xa, &msg) != 0) {
		snprintf(err, errlen, "cannot build the mail to '%.100s'", g[0]->channel + 5);
		goto out;
	}
	rc = alert_mail_send(c, g[0]->channel + 5, &msg, err, errlen);
out:
	dbuf_free(&subj);
	dbuf_free(&text);
	dbuf_free(&html);
	dbuf_free(&msg);
	return rc;
}

static int64_t
backoff(const alert_cfg *c, int attempts)
{
	int64_t d = c->retry_base_s;

	for (int i = 1; i < attempts && d < 6 * 3600; i++)
		d *= 2;
	return d < 6 * 3600 ? d : 6 * 3600;
}

static int
store_fail(store *st, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s", store_errmsg(st));
	store_rollback(st);
	return -1;
}

/* Claims, sends and marks one group.  -1 only on a store error. */
static int
deliver_group(store *st, const alert_cfg *c, const alert_settings *set, row **g, int n, int64_t now,
    alert_deliver_stats *out, char *err, size_t errlen)
{
	int64_t lease = now + 2 * (int64_t)c->timeout_s + 60;
	char why[512] = "";
	int k = 0, sent;

	if (store_begin(st) != STORE_OK)
		return store_fail(st, err, errlen);
	for (int i = 0; i < n; i++) {
		int ok;

		if (store_alerts_delivery_claim(st, g[i]->id, g[i]->next_attempt, lease, &ok) != STORE_OK)
			return store_fail(st, err, errlen);
		g[i]->done = 1;
		if (ok) {
			g[i]->attempts++;
			g[k++] = g[i];
		} else {
			out->skipped++;
		}
	}
	if (store_commit(st) != STORE_OK)
		return store_fail(st, err, errlen);
	if (k == 0)
		return 0;
	sent = send_group(st, c, set, g, k, now, why, sizeof(why)) == 0;
	if (store_begin(st) != STORE_OK)
		return store_fail(st, err, errlen);
	for (int i = 0; i < k; i++) {
		const char *state = sent ? "sent" : g[i]->attempts >= c->max_attempts ? "failed" : "pending";
		int64_t next = sent ? g[i]->next_attempt : now + backoff(c, g[i]->attempts);

		if (store_alerts_delivery_finish(st, g[i]->id, state, sent ? NULL : why, next,
		    now) != STORE_OK)
			return store_fail(st, err, errlen);
		if (sent)
			out->sent++;
		else if (state[0] == 'f')
			out->failed++;
		else
			out->retried++;
	}
	if (store_commit(st) != STORE_OK)
		return store_fail(st, err, errlen);
	return 0;
}

int
alert_deliver(store *st, const alert_cfg *c, int64_t now, alert_deliver_stats *out, char *err,
    size_t errlen)
{
	rows *l = calloc(1, sizeof(*l));
	int rc = 0, more;

	memset(out, 0, sizeof(*out));
	if (l == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	do {
		l->n = 0;
		if (store_alerts_delivery_due(st, now, BATCH, due_cb, l) != STORE_OK) {
			snprintf(err, errlen, "%s", store_errmsg(st));
			rc = -1;
			break;
		}
		more = l->n == BATCH;
		for (int i = 0; i < l->n && rc == 0; i++) {
			row *g[MAX_GROUP];
			alert_settings set;
			int n = 0;

			if (l->r[i].done)
				continue;
			if (alert_settings_load(st, l->r[i].domain, &set, err, errlen) != 0) {
				rc = -1;
				break;
			}
			g[n++] = &l->r[i];
			/* digest: this recipient's other due alerts of the domain, in one mail */
			for (int j = i + 1; set.digest && l->r[i].alert_id != 0 && j < l->n && n < MAX_GROUP;
			    j++)
				if (!l->r[j].done && l->r[j].alert_id != 0 &&
				    strcmp(l->r[j].channel, l->r[i].channel) == 0 &&
				    strcmp(l->r[j].domain, l->r[i].domain) == 0 &&
				    strncmp(l->r[i].channel, "mail:", 5) == 0)
					g[n++] = &l->r[j];
			rc = deliver_group(st, c, &set, g, n, now, out, err, errlen);
			alert_settings_clear(&set);
		}
		rows_free(l);
	} while (rc == 0 && more && out->sent + out->retried + out->failed + out->skipped > 0);
	free(l);
	return rc;
}
