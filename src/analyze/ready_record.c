/*
 * ready_record.c - the pure record functions of readiness (ready.h): read a
 * DMARC record's policy (p, sp, np, pct, t), build the next step's record
 * text with every other tag kept (rua, ruf, adkim, aspf, fo, psd, ...), and
 * apply a policy to failing messages for the what-if.
 *
 * The ladder (RFC 9989 §4.7, 7489 §6.3): p=none → p=quarantine; t=y →
 * p=quarantine → p=reject; t=y → p=reject.  A record that ramps with
 * pct < 100 (RFC 7489) goes on with pct 25 → 50 → 100 (the tag dropped at
 * 100, as RFC 9989 removed it); t=y goes before pct.  What-if: t=y applies
 * the policy one level lower to all failing mail; pct applies it to pct %
 * and one level lower to the rest (7489 §6.6.4); a subdomain's From uses
 * sp (np needs the name's non-existence, which reports do not say).
 *
 * Exports: ready_parse, ready_next, ready_apply, ready_level_name.  No I/O;
 * the tag list is heap-allocated (dc_taglist is large) and freed here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ready.h"
#include "../dnscheck/dnscheck.h"
#include "../util/dbuf.h"
#include "../util/log.h"

static int
level(const char *v)
{
	if (v == NULL)
		return -1;
	if (strcasecmp(v, "none") == 0)
		return 0;
	if (strcasecmp(v, "quarantine") == 0)
		return 1;
	if (strcasecmp(v, "reject") == 0)
		return 2;
	return -1;
}

const char *
ready_level_name(int l)
{
	return l >= 2 ? "reject" : l == 1 ? "quarantine" : "none";
}

static int
is_dmarc(const dc_taglist *tl)
{
	return tl->n > 0 && strcmp(tl->t[0].name, "v") == 0 && strcmp(tl->t[0].value, "DMARC1") == 0;
}

static void
pol_from(const dc_taglist *tl, ready_pol *p)
{
	const char *v;
	char *end;
	long n;

	memset(p, 0, sizeof(*p));
	p->pct = 100;
	p->p = level(dc_tag_get(tl, "p"));
	if (p->p < 0)
		p->p = 0;
	p->sp = level(dc_tag_get(tl, "sp"));
	if (p->sp < 0)
		p->sp = p->p;
	p->np = level(dc_tag_get(tl, "np"));
	if (p->np < 0)
		p->np = p->sp;
	if ((v = dc_tag_get(tl, "pct")) != NULL) {
		n = strtol(v, &end, 10);
		if (end != v && *end == '\0' && n >= 0 && n <= 100) {
			p->pct = (int)n;
			p->has_pct = 1;
		}
	}
	v = dc_tag_get(tl, "t");
	p->t = v != NULL && strcasecmp(v, "y") == 0;
}

int
ready_parse(const char *rec, ready_pol *p)
{
	dc_taglist *tl = xcalloc(1, sizeof(*tl));
	int rc = 0;

	if (rec == NULL || dc_tags_parse(rec, tl) != 0 || !is_dmarc(tl)) {
		memset(tl, 0, sizeof(*tl));
		rc = -1;
	}
	pol_from(tl, p);
	free(tl);
	return rc;
}

int
ready_next(const char *rec, char *out, size_t len, const char **step)
{
	dc_taglist *tl = xcalloc(1, sizeof(*tl));
	ready_pol p;
	int np, t, pct = -1, rc = 0;	/* pct -1: no pct tag in the new record */
	dbuf b;

	if (rec == NULL || dc_tags_parse(rec, tl) != 0 || !is_dmarc(tl))
		memset(tl, 0, sizeof(*tl));
	pol_from(tl, &p);
	np = p.p;
	t = p.t;
	if (p.has_pct && p.pct < 100)
		pct = p.pct;
	if (p.p == 0) {
		/* none → quarantine: in test mode, or on a quarter of the
		 * failing mail when the record ramps with pct */
		np = 1;
		if (pct >= 0) {
			pct = 25;
			t = 0;
		} else {
			t = 1;
		}
		*step = "quarantine_test";
	} else if (p.t) {
		t = 0;
		*step = p.p == 1 ? "quarantine" : "reject";
	} else if (pct >= 0) {
		pct = pct < 25 ? 25 : pct < 50 ? 50 : -1;
		*step = "raise_pct";
	} else if (p.p == 1) {
		np = 2;
		t = 1;
		*step = "reject_test";
	} else {
		*step = "done";
		rc = 1;
	}
	dbuf_init(&b, 8192);
	dbuf_addstr(&b, "v=DMARC1; p=");
	dbuf_addstr(&b, ready_level_name(np));
	if (pct >= 0) {
		char n[16];

		snprintf(n, sizeof(n), "; pct=%d", pct);
		dbuf_addstr(&b, n);
	}
	if (t)
		dbuf_addstr(&b, "; t=y");
	for (int i = 0; i < tl->n; i++) {
		const char *n = tl->t[i].name;

		if (strcmp(n, "v") == 0 || strcmp(n, "p") == 0 || strcmp(n, "t") == 0 ||
		    strcmp(n, "pct") == 0)
			continue;
		dbuf_addstr(&b, "; ");
		dbuf_addstr(&b, n);
		dbuf_addc(&b, '=');
		dbuf_addstr(&b, tl->t[i].value);
	}
	snprintf(out, len, "%s", dbuf_cstr(&b));
	dbuf_free(&b);
	free(tl);
	return rc;
}

void
ready_apply(const ready_pol *pol, int sub, double n, double *quarantined, double *rejected)
{
	int l = sub ? pol->sp : pol->p;
	double at = n, below = 0;

	if (pol->t) {
		l--;
	} else if (pol->pct < 100) {
		at = n * pol->pct / 100.0;
		below = n - at;
	}
	if (l == 2) {
		*rejected += at;
		*quarantined += below;
	} else if (l == 1) {
		*quarantined += at;
	}
}
