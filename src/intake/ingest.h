/*
 * ingest.h - take one input message all the way: archive, unpack, parse,
 * store.  The commands (ingest, quarantine retry) and the sources (files,
 * Maildir, mbox, stdin) all come through here.
 *
 * Every message is one transaction, in this order:
 *   1. Archive: the raw bytes are hashed (SHA-256) and stored compressed
 *      (zstd; inputs that are already gzip/zip are stored as-is).  A message
 *      whose hash is archived and stored already is a duplicate and is not
 *      parsed again.
 *   2. Parse: every document found by unpack.h goes to the report kind that
 *      claims it (src/report/kinds.h: aggregate, failure, TLS-RPT; an e-mail
 *      is first offered whole to the failure kind; docs/REPORT-KINDS.md) and
 *      is stored in its own savepoint.  A report whose identity is stored already adds a
 *      duplicate event and nothing else.  A document that is not well-formed
 *      is parsed again with the recovery parser (the report is marked
 *      `recovered`).  Refused documents are rolled back and the message goes
 *      to quarantine with the reasons; the reports that were fine are kept.
 *   3. The message's state, then commit.  A database error rolls the whole
 *      message back; the input is left where it was.
 * With opts.group (group commit) many messages share one transaction, each
 * in a savepoint of its own, so each is still all or nothing; the group is
 * committed when the writer runs out of work, when full, after a second, and
 * by ingest_wait().  A crash loses the uncommitted group whole, archive
 * included, so the next run stores it.
 *
 * With opts.pipeline the work is split over two threads (see ingest.c): the
 * caller's thread reads, hashes, compresses, unpacks and parses; a writer
 * thread owns the store.  Then ingest_mem/ingest_path return INGEST_QUEUED
 * and the outcome shows in the totals after ingest_wait().  ingest_retry
 * always works inline and returns the outcome.
 *
 * Exports:
 *   ingest_new(store, opts) / ingest_free (which waits)
 *   ingest_mem(g, source, p, n)    one message in memory
 *   ingest_path(g, path)           one regular file (XML and gzip are streamed)
 *   ingest_retry(g, raw_id)        reprocess an archived message
 *   ingest_wait(g)                 every queued message applied
 *   ingest_get_stats(g)            running totals (final after ingest_wait)
 *   ingest_set_arrival(g, ns)      when the next message arrived (latency)
 *   ingest_log_refusal(...)        a refusal's log line, with its Message-ID
 * Refusals are reported through opts.on_refused (one call per refused
 * document) and progress through opts.on_progress; both are called from the
 * thread that writes (the writer thread when the pipeline is on).
 */
#ifndef DS_INGEST_H
#define DS_INGEST_H

#include <stdint.h>

#include "unpack.h"
#include "../report/agg_parse.h"
#include "../report/kind.h"
#include "../store/store.h"

enum {
	INGEST_STORED = 0,	/* new reports stored (maybe with duplicates) */
	INGEST_DUPLICATE,	/* nothing new: everything was stored before */
	INGEST_PARTIAL,		/* some documents stored, some refused */
	INGEST_REFUSED,		/* nothing usable; quarantined */
	INGEST_FAILED,		/* our failure (database); nothing of it stored */
	INGEST_QUEUED,		/* handed to the writer thread (opts.pipeline) */
};

typedef struct ingest_opts {
	unpack_limits lim;
	agg_limits alim;
	dm_kind_limits klim;	/* the whole-document kinds' caps (0: each kind's default) */
	int redact;		/* failure reports: local parts of addresses replaced (--redact) */
	void (*on_refused)(void *ctx, const char *input, const char *reason);
	void (*on_progress)(void *ctx, uint64_t bytes);
	/* A message failed on a database error (nothing of it stored): 1 takes
	 * it over (the caller ingests it again later; it is then neither
	 * counted as a message nor as failed, nor reported as refused), 0 has it
	 * reported as usual.  NULL: as 0.  Used by ingest --jobs, whose workers'
	 * grouped transactions can meet in a deadlock (docs/OPERATIONS.md). */
	int (*on_db_error)(void *ctx, const char *input);
	void *cb_ctx;
	int pipeline;		/* parse and write in two threads */
	int group;		/* group commit: up to this many messages per
				 * transaction, each still all or nothing (0, 1: one
				 * transaction per message, for sources that act on
				 * each outcome: IMAP, Maildir watch, retry) */
	const char *reader_dsn;	/* the store again, for the parsing thread's
				 * look at the archive (NULL: none) */
} ingest_opts;

typedef struct ingest_stats {
	uint64_t messages, reports, records, message_count, duplicates, refused, failed;
	uint64_t bytes;
	/* of reports: the new ones of each kind beside aggregate */
	uint64_t failure_reports, tls_reports;
} ingest_stats;

typedef struct ingest ingest;

void ingest_opts_default(ingest_opts *o);
ingest *ingest_new(store *s, const ingest_opts *o);
void ingest_free(ingest *g);
int ingest_mem(ingest *g, const char *source, const unsigned char *p, size_t n);
int ingest_path(ingest *g, const char *path);
int ingest_retry(ingest *g, int64_t raw_id);
void ingest_wait(ingest *g);
const ingest_stats *ingest_get_stats(const ingest *g);
/* When the next message given to ingest_mem/ingest_path arrived (unix
 * nanoseconds: an IMAP server's INTERNALDATE, say); without it, a Maildir
 * file's modification time, else the moment ingest is handed the message.
 * The time from then to the commit goes into the ingest latency histogram
 * (svc_metrics.h). */
void ingest_set_arrival(ingest *g, int64_t unix_ns);
/* Inside opts.on_refused only: one log line for the refusal,
 * "PREFIX INPUT: REASON (Message-ID <...>; archive N)" with what is known of
 * the message being written (the parenthesis left out when nothing is). */
void ingest_log_refusal(const char *prefix, const char *input, const char *reason);
const ingest_opts *ingest_get_opts(const ingest *g);

#endif
