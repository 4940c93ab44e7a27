/*
 * schedule.c - the weekly (or daily) summary of each domain with alert
 * settings: when its local due time has passed, one summary_runs row for the
 * last complete period, and one delivery per recipient (the queue sends the
 * text of `dmarcscope summary --domain D --since --until` in the recipient's
 * language).  The UNIQUE (domain, kind, period_start) of summary_runs makes
 * a second run in the same period a no-op.
 *
 * Periods follow the domain's local calendar (tz_offset_min): a week runs
 * from the configured weekday to the day before the next one, and is due at
 * summary_hour (local) on that next weekday; a day is due at summary_hour of
 * the next day.  The statistics are read for those dates as whole UTC days
 * (the rollups are per UTC day), the same as `dmarcscope summary --since
 * FIRST --until LAST`.
 *
 * Exports: alert_schedule, alert_summary_period (alert.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "../util/log.h"
#include "../store/store_alerts.h"

#define DAY 86400

void
alert_summary_period(const alert_settings *s, int kind, int64_t now, int64_t *start, int64_t *end,
    int64_t *due)
{
	int64_t off = (int64_t)s->tz_offset_min * 60;
	int64_t local = now + off, today = local - (((local % DAY) + DAY) % DAY);
	int64_t e;

	if (kind == 2) {
		e = today;			/* local midnight that ends yesterday */
	} else {
		/* 1970-01-01 was a Thursday (4) */
		int64_t wd = (((today / DAY + 4) % 7) + 7) % 7;

		e = today - ((wd - s->summary_weekday + 7) % 7) * DAY;
	}
	if (local < e + (int64_t)s->summary_hour * 3600)
		e -= kind == 2 ? DAY : 7 * DAY;	/* not due yet: the period before */
	/* the period is whole UTC days named by the local dates (the rollups
	 * are per UTC day), as `summary --since --until` reads them */
	*end = e;
	*start = e - (kind == 2 ? DAY : 7 * DAY);
	*due = e + (int64_t)s->summary_hour * 3600 - off;
}

struct dom_list {
	char *d[4096];
	int n;
};

static int
dom_cb(void *ctx, const store_alert_settings *r)
{
	struct dom_list *l = ctx;

	if (l->n == 4096)
		return 1;
	l->d[l->n++] = xstrdup(r->policy_domain);
	return 0;
}

int
alert_schedule(store *st, int64_t now, int64_t *queued, char *err, size_t errlen)
{
	struct dom_list *l = calloc(1, sizeof(*l));
	int rc = 0;

	*queued = 0;
	if (l == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (store_alerts_settings_list(st, dom_cb, l) != STORE_OK) {
		snprintf(err, errlen, "%s", store_errmsg(st));
		rc = -1;
	}
	for (int i = 0; i < l->n && rc == 0; i++) {
		alert_settings s;
		int64_t start, end, due, id = 0;

		if (alert_settings_load(st, l->d[i], &s, err, errlen) != 0) {
			rc = -1;
			break;
		}
		if (s.enabled && s.summary != 0 && s.nrcpt > 0) {
			alert_summary_period(&s, s.summary, now, &start, &end, &due);
			if (store_begin(st) != STORE_OK ||
			    store_alerts_summary_add(st, s.domain, s.summary == 2 ? "daily" : "weekly", start,
			    end, now, &id) != STORE_OK)
				rc = -1;
			for (int r = 0; rc == 0 && id != 0 && r < s.nrcpt; r++) {
				char ch[600];
				int added;

				snprintf(ch, sizeof(ch), "mail:%s", s.rcpt[r].addr);
				if (store_alerts_delivery_add(st, 0, id, ch, s.rcpt[r].lang, now, now,
				    &added) != STORE_OK)
					rc = -1;
				*queued += added;
			}
			if (rc == 0 && store_commit(st) != STORE_OK)
				rc = -1;
			if (rc != 0) {
				snprintf(err, errlen, "%s", store_errmsg(st));
				store_rollback(st);
			}
		}
		alert_settings_clear(&s);
	}
	for (int i = 0; i < l->n; i++)
		free(l->d[i]);
	free(l);
	return rc;
}
