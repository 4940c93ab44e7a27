/*
 * evq.h - the ingest pipeline: event batches, and the bounded queue that
 * carries them from the parsing thread to the writing thread.
 *
 * The parsing side (unpack + expat + the archive's hash and compression)
 * turns each message into a stream of events; the writing side applies them
 * to the store, one transaction per message, in the same order.  A batch is
 * one byte buffer holding many events; every event is
 *     u32 type | u32 payload length | payload | padding to 8 bytes
 * and a payload is a sequence of fields written with the evw_* calls and
 * read back, in the same order, with the evr_* calls.
 *
 * Strings read back point into the batch: they stay valid until the batch is
 * handed back with evq_put_free().  Reports and records are packed with
 * ev_put_report/ev_put_record and unpacked without copying; an unpacked
 * dm_report must never be given to dm_report_free().
 *
 * The queue holds at most `nbatches` batches, so memory is bounded whatever
 * the size of the input: the producer blocks while all are in flight.
 *
 * Exports: evw_*, evr_*, ev_next, ev_put_report/ev_get_report,
 * ev_put_record/ev_get_record, evq_new/evq_free, evq_get_free,
 * evq_put_full, evq_get_full, evq_try_full, evq_put_free, evq_close.
 *
 * Errors: a malformed batch is a programming error (both sides are this
 * code): the readers set evr.err, and callers treat it as fatal.
 */
#ifndef DS_EVQ_H
#define DS_EVQ_H

#include <stddef.h>
#include <stdint.h>

#include "../report/report.h"
#include "../util/dbuf.h"

/* ---- writing events ---- */

typedef struct evw {
	dbuf *b;
	size_t hdr;		/* offset of the event header */
} evw;

void evw_begin(evw *w, dbuf *b, int type);
void evw_i64(evw *w, int64_t v);
void evw_str(evw *w, const char *s);	/* NULL is kept as NULL */
void evw_bytes(evw *w, const void *p, size_t n);
void evw_end(evw *w);

/* ---- reading events ---- */

typedef struct evr {
	const unsigned char *p, *end;
	int err;
} evr;

/* Next event of a batch at *cur; 1 and the payload reader, 0 at the end. */
int ev_next(const unsigned char **cur, const unsigned char *end, int *type, evr *r);
int64_t evr_i64(evr *r);
const char *evr_str(evr *r);
const void *evr_bytes(evr *r, size_t *n);

/* ---- reports and records ---- */

void ev_put_report(evw *w, const dm_report *r);
void ev_get_report(evr *r, dm_report *out);	/* strings point into the batch */
void ev_put_record(evw *w, const dm_record *rec);
void ev_get_record(evr *r, dm_record *out);

/* ---- the queue ---- */

typedef struct evq evq;

evq *evq_new(int nbatches);
void evq_free(evq *q);
dbuf *evq_get_free(evq *q);		/* producer: an empty batch (blocks) */
void evq_put_full(evq *q, dbuf *b);	/* producer: hand a batch over */
void evq_close(evq *q);			/* producer: no more batches */
dbuf *evq_get_full(evq *q);		/* consumer: next batch, NULL once closed */
dbuf *evq_try_full(evq *q);		/* consumer: next batch if one is there, else NULL */
void evq_put_free(evq *q, dbuf *b);	/* consumer: done with a batch */

#endif
