/*
 * evq.c - see evq.h.  Events in a dbuf, and a mutex/condition-variable queue
 * of batches (single producer, single consumer).
 */
#include "evq.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/log.h"

#define NO_STR 0xffffffffu

/* ---- writing ---- */

/* Called for every field of every record: the common case (room left in
 * the batch) is a bare copy. */
static inline void
put(dbuf *b, const void *p, size_t n)
{
	if (b->cap - b->len > n) {
		memcpy(b->data + b->len, p, n);
		b->len += n;
		return;
	}
	if (dbuf_add(b, p, n) != DBUF_OK)
		fatalx("ingest pipeline: batch buffer full");
}

void
evw_begin(evw *w, dbuf *b, int type)
{
	uint32_t h[2] = { (uint32_t)type, 0 };

	w->b = b;
	w->hdr = b->len;
	put(b, h, sizeof(h));
}

void
evw_i64(evw *w, int64_t v)
{
	put(w->b, &v, sizeof(v));
}

void
evw_bytes(evw *w, const void *p, size_t n)
{
	uint32_t len = (uint32_t)n;

	if (n >= NO_STR)
		panic("ingest pipeline: field of %zu bytes", n);
	put(w->b, &len, sizeof(len));
	if (n > 0)
		put(w->b, p, n);
}

void
evw_str(evw *w, const char *s)
{
	uint32_t len;

	if (s == NULL) {
		len = NO_STR;
		put(w->b, &len, sizeof(len));
		return;
	}
	len = (uint32_t)strlen(s);
	put(w->b, &len, sizeof(len));
	put(w->b, s, (size_t)len + 1);
}

void
evw_end(evw *w)
{
	static const unsigned char pad[8];
	uint32_t len = (uint32_t)(w->b->len - w->hdr - 8);

	memcpy(w->b->data + w->hdr + 4, &len, sizeof(len));
	if (w->b->len % 8 != 0)
		put(w->b, pad, 8 - w->b->len % 8);
}

/* ---- reading ---- */

int
ev_next(const unsigned char **cur, const unsigned char *end, int *type, evr *r)
{
	uint32_t h[2];
	size_t adv;

	if (*cur >= end)
		return 0;
	if ((size_t)(end - *cur) < sizeof(h))
		panic("ingest pipeline: truncated event");
	memcpy(h, *cur, sizeof(h));
	if ((size_t)(end - *cur) - 8 < h[1])
		panic("ingest pipeline: event overruns its batch");
	*type = (int)h[0];
	r->p = *cur + 8;
	r->end = r->p + h[1];
	r->err = 0;
	adv = 8 + (size_t)h[1];
	adv = (adv + 7) & ~(size_t)7;
	*cur = (size_t)(end - *cur) < adv ? end : *cur + adv;
	return 1;
}

int64_t
evr_i64(evr *r)
{
	int64_t v = 0;

	if ((size_t)(r->end - r->p) < sizeof(v)) {
		r->err = 1;
		return 0;
	}
	memcpy(&v, r->p, sizeof(v));
	r->p += sizeof(v);
	return v;
}

static uint32_t
evr_len(evr *r)
{
	uint32_t len = 0;

	if ((size_t)(r->end - r->p) < sizeof(len)) {
		r->err = 1;
		return NO_STR;
	}
	memcpy(&len, r->p, sizeof(len));
	r->p += sizeof(len);
	return len;
}

const char *
evr_str(evr *r)
{
	uint32_t len = evr_len(r);
	const char *s;

	if (len == NO_STR)
		return NULL;
	if ((size_t)(r->end - r->p) < (size_t)len + 1) {
		r->err = 1;
		return NULL;
	}
	s = (const char *)r->p;
	r->p += (size_t)len + 1;
	return s;
}

const void *
evr_bytes(evr *r, size_t *n)
{
	uint32_t len = evr_len(r);
	const void *p;

	*n = 0;
	if (len == NO_STR || (size_t)(r->end - r->p) < len) {
		r->err = 1;
		return NULL;
	}
	p = r->p;
	r->p += len;
	*n = len;
	return p;
}

/* ---- reports and records ---- */

/* The unpacked structs keep `const char *` from the batch in fields typed
 * `char *` (owned strings in the parser's copy); they are never freed. */
#define RSTR(r) ((char *)(uintptr_t)evr_str(r))

void
ev_put_report(evw *w, const dm_report *r)
{
	const dm_policy *p = &r->policy;

	evw_i64(w, r->schema);
	evw_str(w, r->xml_namespace);
	evw_str(w, r->version);
	evw_str(w, r->org_name);
	evw_str(w, r->email);
	evw_str(w, r->extra_contact_info);
	evw_str(w, r->report_id);
	evw_str(w, r->generator);
	evw_i64(w, r->begin);
	evw_i64(w, r->end);
	evw_str(w, p->domain);
	evw_i64(w, p->adkim);
	evw_i64(w, p->aspf);
	evw_i64(w, p->p);
	evw_i64(w, p->sp);
	evw_i64(w, p->np);
	evw_i64(w, p->pct);
	evw_str(w, p->fo);
	evw_str(w, p->testing);
	evw_str(w, p->discovery_method);
	evw_str(w, p->raw_p);
	evw_str(w, p->raw_sp);
	evw_str(w, p->raw_np);
	evw_str(w, p->raw_adkim);
	evw_str(w, p->raw_aspf);
	evw_i64(w, r->policy_count);
	evw_str(w, r->extensions);
	evw_i64(w, r->nerrors);
	for (int i = 0; i < r->nerrors; i++)
		evw_str(w, r->errors[i]);
	evw_i64(w, r->nwarnings);
	for (int i = 0; i < r->nwarnings; i++)
		evw_str(w, r->warnings[i]);
	evw_i64(w, r->notes_dropped);
	evw_i64(w, (int64_t)r->records);
	evw_i64(w, (int64_t)r->messages);
	evw_i64(w, (int64_t)r->skipped_records);
	evw_i64(w, r->recovered);
}

void
ev_get_report(evr *r, dm_report *o)
{
	dm_policy *p = &o->policy;
	int64_t n;

	memset(o, 0, sizeof(*o));
	o->schema = (dm_schema)evr_i64(r);
	o->xml_namespace = RSTR(r);
	o->version = RSTR(r);
	o->org_name = RSTR(r);
	o->email = RSTR(r);
	o->extra_contact_info = RSTR(r);
	o->report_id = RSTR(r);
	o->generator = RSTR(r);
	o->begin = evr_i64(r);
	o->end = evr_i64(r);
	p->domain = RSTR(r);
	p->adkim = (dm_align)evr_i64(r);
	p->aspf = (dm_align)evr_i64(r);
	p->p = (dm_disp)evr_i64(r);
	p->sp = (dm_disp)evr_i64(r);
	p->np = (dm_disp)evr_i64(r);
	p->pct = (int)evr_i64(r);
	p->fo = RSTR(r);
	p->testing = RSTR(r);
	p->discovery_method = RSTR(r);
	p->raw_p = RSTR(r);
	p->raw_sp = RSTR(r);
	p->raw_np = RSTR(r);
	p->raw_adkim = RSTR(r);
	p->raw_aspf = RSTR(r);
	o->policy_count = (int)evr_i64(r);
	o->extensions = RSTR(r);
	n = evr_i64(r);
	if (n < 0 || n > DM_MAX_NOTES)
		r->err = 1;
	else
		for (o->nerrors = 0; o->nerrors < (int)n; o->nerrors++)
			o->errors[o->nerrors] = RSTR(r);
	n = evr_i64(r);
	if (n < 0 || n > DM_MAX_NOTES)
		r->err = 1;
	else
		for (o->nwarnings = 0; o->nwarnings < (int)n; o->nwarnings++)
			o->warnings[o->nwarnings] = RSTR(r);
	o->notes_dropped = (int)evr_i64(r);
	o->records = (uint64_t)evr_i64(r);
	o->messages = (uint64_t)evr_i64(r);
	o->skipped_records = (uint64_t)evr_i64(r);
	o->recovered = (int)evr_i64(r);
	if (r->err)
		panic("ingest pipeline: malformed report event");
}

void
ev_put_record(evw *w, const dm_record *rec)
{
	evw_str(w, rec->source_ip);
	evw_i64(w, rec->ip_family);
	evw_i64(w, (int64_t)rec->count);
	evw_i64(w, rec->disposition);
	evw_i64(w, rec->dkim);
	evw_i64(w, rec->spf);
	evw_str(w, rec->raw_disposition);
	evw_str(w, rec->raw_dkim);
	evw_str(w, rec->raw_spf);
	evw_str(w, rec->header_from);
	evw_str(w, rec->envelope_from);
	evw_str(w, rec->envelope_to);
	evw_i64(w, rec->nreasons);
	for (int i = 0; i < rec->nreasons; i++) {
		evw_i64(w, rec->reasons[i].type);
		evw_str(w, rec->reasons[i].raw_type);
		evw_str(w, rec->reasons[i].comment);
	}
	evw_i64(w, rec->ndkim);
	for (int i = 0; i < rec->ndkim; i++) {
		const dm_dkim *d = &rec->dkim_results[i];

		evw_i64(w, d->result);
		evw_str(w, d->domain);
		evw_str(w, d->selector);
		evw_str(w, d->human_result);
		evw_str(w, d->raw_result);
	}
	evw_i64(w, rec->nspf);
	for (int i = 0; i < rec->nspf; i++) {
		const dm_spf *s = &rec->spf_results[i];

		evw_i64(w, s->result);
		evw_str(w, s->domain);
		evw_str(w, s->scope);
		evw_str(w, s->human_result);
		evw_str(w, s->raw_result);
	}
}

/* Only the used parts of *o are written (the arrays are large). */
void
ev_get_record(evr *r, dm_record *o)
{
	const char *ip = evr_str(r);
	int64_t n;

	snprintf(o->source_ip, sizeof(o->source_ip), "%s", ip != NULL ? ip : "");
	o->ip_family = (int)evr_i64(r);
	o->count = (uint64_t)evr_i64(r);
	o->disposition = (dm_disp)evr_i64(r);
	o->dkim = (dm_verdict)evr_i64(r);
	o->spf = (dm_verdict)evr_i64(r);
	o->raw_disposition = evr_str(r);
	o->raw_dkim = evr_str(r);
	o->raw_spf = evr_str(r);
	o->header_from = evr_str(r);
	o->envelope_from = evr_str(r);
	o->envelope_to = evr_str(r);
	o->store_id = 0;
	n = evr_i64(r);
	if (n < 0 || n > DM_MAX_REASONS)
		panic("ingest pipeline: malformed record event");
	for (o->nreasons = 0; o->nreasons < (int)n; o->nreasons++) {
		dm_reason *x = &o->reasons[o->nreasons];

		x->type = (dm_reason_type)evr_i64(r);
		x->raw_type = evr_str(r);
		x->comment = evr_str(r);
	}
	n = evr_i64(r);
	if (n < 0 || n > DM_MAX_DKIM)
		panic("ingest pipeline: malformed record event");
	for (o->ndkim = 0; o->ndkim < (int)n; o->ndkim++) {
		dm_dkim *d = &o->dkim_results[o->ndkim];

		d->result = (dm_auth)evr_i64(r);
		d->domain = evr_str(r);
		d->selector = evr_str(r);
		d->human_result = evr_str(r);
		d->raw_result = evr_str(r);
	}
	n = evr_i64(r);
	if (n < 0 || n > DM_MAX_SPF)
		panic("ingest pipeline: malformed record event");
	for (o->nspf = 0; o->nspf < (int)n; o->nspf++) {
		dm_spf *s = &o->spf_results[o->nspf];

		s->result = (dm_auth)evr_i64(r);
		s->domain = evr_str(r);
		s->scope = evr_str(r);
		s->human_result = evr_str(r);
		s->raw_result = evr_str(r);
	}
	if (r->err)
		panic("ingest pipeline: malformed record event");
}

/* ---- the queue ---- */

struct evq {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	dbuf **all;
	int nall;
	dbuf **freeq, **fullq;	/* rings of nall slots */
	int free_h, free_n, full_h, full_n;
	int closed;
};

evq *
evq_new(int nbatches)
{
	evq *q = xcalloc(1, sizeof(*q));

	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	q->nall = nbatches;
	q->all = xcalloc((size_t)nbatches, sizeof(*q->all));
	q->freeq = xcalloc((size_t)nbatches, sizeof(*q->freeq));
	q->fullq = xcalloc((size_t)nbatches, sizeof(*q->fullq));
	for (int i = 0; i < nbatches; i++) {
		q->all[i] = xcalloc(1, sizeof(dbuf));
		dbuf_init(q->all[i], (size_t)1 << 40);
		q->freeq[i] = q->all[i];
	}
	q->free_n = nbatches;
	return q;
}

void
evq_free(evq *q)
{
	if (q == NULL)
		return;
	for (int i = 0; i < q->nall; i++) {
		dbuf_free(q->all[i]);
		free(q->all[i]);
	}
	free(q->all);
	free(q->freeq);
	free(q->fullq);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv);
	free(q);
}

dbuf *
evq_get_free(evq *q)
{
	dbuf *b;

	pthread_mutex_lock(&q->mu);
	while (q->free_n == 0)
		pthread_cond_wait(&q->cv, &q->mu);
	b = q->freeq[q->free_h];
	q->free_h = (q->free_h + 1) % q->nall;
	q->free_n--;
	pthread_mutex_unlock(&q->mu);
	dbuf_reset(b);
	return b;
}

void
evq_put_full(evq *q, dbuf *b)
{
	pthread_mutex_lock(&q->mu);
	q->fullq[(q->full_h + q->full_n) % q->nall] = b;
	q->full_n++;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

void
evq_close(evq *q)
{
	pthread_mutex_lock(&q->mu);
	q->closed = 1;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

dbuf *
evq_try_full(evq *q)
{
	dbuf *b = NULL;

	pthread_mutex_lock(&q->mu);
	if (q->full_n > 0) {
		b = q->fullq[q->full_h];
		q->full_h = (q->full_h + 1) % q->nall;
		q->full_n--;
	}
	pthread_mutex_unlock(&q->mu);
	return b;
}

dbuf *
evq_get_full(evq *q)
{
	dbuf *b = NULL;

	pthread_mutex_lock(&q->mu);
	while (q->full_n == 0 && !q->closed)
		pthread_cond_wait(&q->cv, &q->mu);
	if (q->full_n > 0) {
		b = q->fullq[q->full_h];
		q->full_h = (q->full_h + 1) % q->nall;
		q->full_n--;
	}
	pthread_mutex_unlock(&q->mu);
	return b;
}

void
evq_put_free(evq *q, dbuf *b)
{
	pthread_mutex_lock(&q->mu);
	q->freeq[(q->free_h + q->free_n) % q->nall] = b;
	q->free_n++;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}
