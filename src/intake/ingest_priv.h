/*
 * ingest_priv.h - what the three parts of the ingest share (not for use
 * outside src/intake/):
 *   ingest.c        the entry points, the pipeline (writer thread, batches),
 *                   quarantine retry;
 *   ingest_parse.c  the parsing side: reads, hashes and compresses each input,
 *                   unpacks and parses it, and writes what it finds as events;
 *   ingest_write.c  the writing side: applies the events to the store, one
 *                   transaction per message;
 *   redact.c        --redact: local parts out of a failure report's model.
 * The event stream between them is described at the E_* enum below.
 *
 * Exports (internal): struct ingest, msg_input, the DOC_*, E_* and C_*
 * codes, ig_emit_flush, ig_ev_strs, ig_p_passes, ig_p_msg_end,
 * ig_p_message_mem, ig_p_message_fd, ig_c_batch, ig_group_flush, ig_redact.
 */
#ifndef DS_INGEST_PRIV_H
#define DS_INGEST_PRIV_H

#include <pthread.h>
#include <stdint.h>
#include <zstd.h>

#include "evq.h"
#include "ingest.h"
#include "../analyze/analysis.h"
#include "../report/kinds.h"
#include "../util/dbuf.h"

#define ARCHIVE_CHUNK (1024 * 1024)
#define HEAD_BYTES 512
#define MAX_DOCS 64		/* documents per message that may be retried */
#define MEM_INPUT (16u << 20)	/* files up to this size are read whole */
#define BATCH_BYTES (256 * 1024)	/* a batch is handed over past this size */
#define NBATCHES 4

/* doc_mode: what the parsing side does with a document's bytes. */
enum { DM_UNDECIDED, DM_STREAM, DM_REFUSED, DM_BUFFER };

/* What happened to one document inside a message. */
enum { DOC_OK, DOC_DUP, DOC_IGNORED, DOC_REFUSED, DOC_RETRY, DOC_FAILED };

/* Events, in the order a message produces them:
 *   MSG_BEGIN ARCH_CHUNK* ARCH_END [TOOBIG]
 *     (PASS_BEGIN (DOC_BEGIN [HEADER RECORD* [TRAILER] | KIND_DOC] DOC_END | REFUSE |
 *      EMAIL | PROGRESS)* PASS_END){0,2} MSG_END
 * or MSG_RETRY (PASS_BEGIN ... PASS_END){1,2} MSG_END for `quarantine retry`,
 * or OPEN_FAIL alone.  MSG_META follows MSG_BEGIN (any state takes it). */
enum {
	E_MSG_BEGIN = 1,	/* source, codec, size, sha256 or NULL */
	E_ARCH_CHUNK,		/* bytes */
	E_ARCH_END,		/* sha256, size, stored size, parsed (0: skipped, stored already) */
	E_TOOBIG,		/* reason */
	E_MSG_RETRY,		/* raw id, source */
	E_PASS_BEGIN,		/* pass */
	E_DOC_BEGIN,		/* name */
	E_HEADER,		/* report */
	E_RECORD,		/* record */
	E_TRAILER,		/* report */
	E_DOC_END,		/* outcome, reason */
	E_REFUSE,		/* name, reason, ignorable */
	E_EMAIL,		/* report type */
	E_PROGRESS,		/* bytes */
	E_PASS_END,
	E_MSG_END,		/* bytes not yet reported as progress */
	E_OPEN_FAIL,		/* input, reason */
	E_KIND_DOC,		/* kind id, identity, the model's JSON (a whole-document kind) */
	E_MSG_META,		/* right after MSG_BEGIN: Message-ID or NULL, arrival (unix ns) */
};

/* The writing side's place in the current message. */
enum { C_IDLE, C_ARCH, C_PROC, C_SKIP };

struct ingest {
	store *st;
	analysis *an;		/* per-record analysis and rollups (writing side) */
	ingest_opts o;
	ingest_stats stats;	/* writing side; read after ingest_wait() */
	int last_outcome;	/* of the last message applied */

	/* the pipeline */
	evq *q;			/* NULL: events are applied inline */
	pthread_t writer;
	dbuf *out;		/* the batch being filled */
	dbuf direct;		/* the batch when there is no writer thread */
	store *ro;		/* the parsing side's read connection (pipeline only) */
	int ro_tried;

	/* ---- parsing side ---- */
	ZSTD_CCtx *zc;		/* reused across messages */
	unsigned char *abuf, *aout;	/* archive read and output buffers, reused */
	dbuf whole;		/* a small file, read whole */
	const char *p_source;
	char p_msgid[256];	/* the message's Message-ID header, "" unknown */
	int64_t p_arrival;	/* when the message arrived (unix ns) */
	int64_t p_arrival_next;	/* ingest_set_arrival's, for the next message (0: now) */
	uint64_t p_reported;	/* bytes reported as progress for this message */
	uint64_t recover_mask;	/* documents to parse in recovery mode */
	uint64_t p_retry_mask;	/* documents that failed strict parsing this pass */
	int p_ndocs;
	/* per document */
	int doc_idx;
	int doc_text;		/* from a human-readable text part (not text/xml) */
	int doc_in_mime;
	int doc_mode;		/* DM_* below */
	unsigned char head[HEAD_BYTES];
	size_t headlen;
	char doc_report_type[64];	/* the enclosing multipart/report's, or "" */
	const dm_kind *kind;	/* the kind that took the document */
	void *kst;		/* its stream (streaming kinds) */
	dm_agg_stream agg;	/* the aggregate kind's handler, limits and mode */
	dbuf kbuf;		/* the document (whole-document kinds) */
	int kbuf_over;		/* it did not fit */
	int doc_outcome;
	char doc_reason[300];

	/* ---- writing side ---- */
	/* group commit (opts.group > 1): one transaction for many messages,
	 * each message in savepoint "unit" (ingest_write.c ig_unit_*) */
	int grp_open, unit_open;
	int grp_units;		/* messages in the open group so far */
	int grp_touched;	/* messages begun in it (lost with it on a failed commit) */
	int64_t grp_t0;		/* when it was opened (monotonic ms) */
	ingest_stats grp_base;	/* the totals when it was opened */
	int c_state;
	char c_msgid[256];	/* MSG_META's: for the refusal lines */
	int64_t c_arrival;	/* MSG_META's: 0 unknown (a retry) */
	int c_retry;		/* reprocessing a quarantined message */
	int c_skip_pass;	/* a second pass that is not needed */
	dbuf c_source;
	int64_t raw_id;
	int arch_seq;
	int arch_hashed;	/* the row got its hash from MSG_BEGIN */
	int64_t arch_dup;	/* MSG_BEGIN's hash is archived already: that id */
	int arch_after;		/* chunks and hash come after the parse */
	uint64_t retry_mask;	/* documents to redo in recovery mode */
	int ndocs;
	int ok, dups;
	int kind_new[4];	/* new documents by DM_KIND_* (failure, tlsrpt) */
	uint64_t records, msgs;
	dbuf refusals;		/* "name: reason" lines, '\n' separated */
	dbuf ignored;
	int nrefusals, nignored;
	int email_refused;	/* the e-mail itself is a non-aggregate report */
	char email_reason[300];
	/* per document */
	int c_doc_idx;
	dbuf c_doc_name;
	int c_doc_dup, c_doc_failed;
	int64_t report_id;
	char domain_key[DM_KEY_LEN];	/* normalised policy domain of the report */
	char c_fail_reason[600];
	dm_record rec;		/* unpacked record (large: kept here, not on a stack) */
	/* (domain, UTC day) pairs recorded for the alerts in this message's
	 * transaction (ingest_write.c): [0, ch_kept) survive, [ch_kept, nch)
	 * belong to the open document (dropped with its savepoint) */
	struct { char domain[DM_KEY_LEN]; int64_t day; } ch[16];
	int nch, ch_kept;
};

/* ingest_alerts.c: the alerts' change log, in the message's transaction */
int ig_changes_report(ingest *g, const dm_report *rep);	/* the days it spreads over */
int ig_changes_failure(ingest *g, int64_t failure_id);	/* its arrival day */
void ig_changes_doc_end(ingest *g, int keep);	/* savepoint released (1) or rolled back */

typedef struct msg_input {
	const unsigned char *mem;
	size_t len;
	const char *path;	/* re-opened for each parse pass */
} msg_input;

/* ingest.c: hands the batch over once it is big enough (or always, with
 * force): to the writer thread, or applied at once without one. */
void ig_emit_flush(ingest *g, int force);

/* ingest_parse.c */
void ig_ev_strs(ingest *g, int type, const char *a, const char *b, int64_t v);
void ig_p_passes(ingest *g, const msg_input *in);
void ig_p_msg_end(ingest *g, uint64_t size);
void ig_p_message_mem(ingest *g, const char *source, const msg_input *in,
    const unsigned char *p, size_t n, int toobig);
void ig_p_message_fd(ingest *g, const char *path, int fd, uint64_t size);

/* redact.c: the local parts of the addresses in a kind's model replaced by
 * a stable token (ingest --redact); sets "redacted": true. */
void ig_redact(int kind, json_t *model);

/* ingest_write.c: applies one batch of events. */
void ig_c_batch(ingest *g, const dbuf *b);
/* Group commit: commits the open group (no message half applied), if any. */
void ig_group_flush(ingest *g);

#endif
