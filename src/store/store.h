/*
 * store.h - the storage interface: an ops table per backend (after
 * OpenSMTPD's table.c) so PostgreSQL can join SQLite without touching callers.
 *
 * Conventions for every op:
 *   - returns STORE_OK (0) or STORE_ERR (-1); store_errmsg() then says why;
 *   - on error nothing is committed: the caller rolls back;
 *   - strings passed in are copied (bound) before the call returns;
 *   - rows handed to callbacks are valid only during the callback.
 *
 * Transactions are explicit (store_begin/commit/rollback).  The ingest path
 * uses two per message: one to archive the raw bytes, one for its reports.
 *
 * Exports: store_open(dsn) picks the backend from the DSN ("sqlite:PATH" or a
 * plain path → SQLite, "postgresql://..." or "postgres://..." → PostgreSQL),
 * the inline wrappers below, and store_close().
 */
#ifndef DS_STORE_H
#define DS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "../report/report.h"

#define STORE_OK 0
#define STORE_ERR (-1)

/* raw_messages.state */
#define RAW_PENDING "pending"
#define RAW_STORED "stored"
#define RAW_PARTIAL "partial"		/* some parts stored, some refused */
#define RAW_QUARANTINED "quarantined"

typedef struct store store;

/* Sub-interfaces, one header and one file per backend each:
 *   store_analysis.h  My Senders, per-record analysis, rollups, stats reads
 *   store_hosts.h     the enrichment cache (reverse DNS, DNSBL, geo, RDAP)
 *   store_web.h       the portal's list queries (mail list, reports, hosts)
 *   store_kinds.h     failure and TLS reports (the report kinds, 007_kinds.sql)
 *   store_auth.h      provider mode: tenants, users, sessions, tokens, audit log
 * A backend without one leaves its pointer NULL. */
struct store_analysis_ops;
struct store_hosts_ops;
struct store_web_ops;
struct store_kinds_ops;
struct store_auth_ops;
struct store_alerts_ops;	/* store_alerts.h: alerts, settings, delivery queue */
struct store_intake_ops;	/* store_intake.h: IMAP/Maildir intake state */
struct store_retention_ops;	/* store_retention.h: purge in batches, space */
struct store_dnscheck_ops;	/* store_dnscheck.h: DNS record history, check results */
struct store_feed_ops;		/* store_feed.h: spoofing-host feed, its allow-list */
struct store_ready_ops;	/* store_ready.h: readiness for p=reject (issue 18 part 3) */

typedef struct store_filter {
	const char *domain;	/* NULL: all */
	int64_t since, until;	/* unix seconds, inclusive/exclusive; 0: unset */
} store_filter;

typedef struct store_summary {
	int64_t reports, records, messages, quarantined, duplicates, raw_messages, domains;
	int64_t first_begin, last_end;	/* 0 when there is no report */
} store_summary;

/* A stored report as read back (export). */
typedef struct store_report_row {
	int64_t id;
	dm_report rep;		/* strings owned by the store until the callback returns */
	const char *errors_json;	/* JSON arrays as stored */
	const char *warnings_json;
} store_report_row;

typedef struct store_qitem {
	int64_t id, raw_id, created_at, retried_at;
	const char *reason, *source, *raw_state;
	int resolved;
} store_qitem;

typedef struct store_raw_info {
	int64_t id, size, stored_size;
	const char *sha256, *codec, *source, *state;
} store_raw_info;

/*
 * What the analysis derived from one record (see src/analyze/analysis.h and
 * docs/CLASSIFICATION.md for the codes), stored next to it.
 */
typedef struct store_record_analysis {
	int spf_cat, dkim_cat;		/* align_cat */
	int dkim_signed_aligned, reporter_pass, mismatch;
	unsigned reasons_mask;
	const char *spf_domain, *spf_result, *dkim_domain, *dkim_result;
	const char *dkim_pass_domains;	/* space separated, or NULL */
	int sender_kind;		/* 0 none, 1 internal, 2 third party */
	int64_t sender_id;		/* 0 when none */
	const char *service;		/* known service name, or NULL */
	int cls, path, expl;
} store_record_analysis;

typedef struct store_ops {
	const char *name;
	int (*open)(store **out, const char *path, char *err, size_t errlen);
	void (*close)(store *s);
	const char *(*errmsg)(store *s);

	int (*begin)(store *s);
	int (*commit)(store *s);
	int (*rollback)(store *s);
	/* Savepoints inside begin/commit.  name is one of the constant
	 * identifiers "unit" (one message inside a group commit), "msg" (one
	 * parsing pass of a message), "doc" (one document); never data.
	 * mark_rollback rolls back to the savepoint and releases it. */
	int (*mark)(store *s, const char *name);
	int (*mark_release)(store *s, const char *name);
	int (*mark_rollback)(store *s, const char *name);
	/* Bulk mode (many transactions in a row): housekeeping such as WAL
	 * checkpoints moves off the committing thread.  May be NULL. */
	int (*bulk)(store *s, int on);

	/* Archive.  raw_new inserts a pending row, with its hash when the
	 * caller knows it already (it must have checked with raw_find) or
	 * without; raw_chunk adds stored bytes; raw_seal sets the sizes and, for
	 * a row without hash, the hash, and reports through *dup_id the existing
	 * message with the same hash (then the caller rolls back). */
	int (*raw_new)(store *s, const char *source, const char *codec, const char *sha256,
	    int64_t *id);
	int (*raw_chunk)(store *s, int64_t raw_id, int seq, const void *p, size_t n);
	int (*raw_seal)(store *s, int64_t raw_id, const char *sha256, int64_t size,
	    int64_t stored_size, int64_t *dup_id);
	int (*raw_info)(store *s, int64_t raw_id, int (*cb)(void *, const store_raw_info *),
	    void *ctx);
	/* The archived message with this SHA-256 (hex): *id and its state
	 * (RAW_*), or *id = 0 when there is none. */
	int (*raw_find)(store *s, const char *sha256, int64_t *id, char *state, size_t statelen);
	/* Is any archived message exactly this many bytes long?  (A cheap
	 * "might be a duplicate" before hashing a large input.) */
	int (*raw_size_known)(store *s, int64_t size, int *known);
	/* The message archived as from_id turned out to be the same bytes as
	 * into_id: what was stored under from_id moves there, from_id goes. */
	int (*raw_merge)(store *s, int64_t from_id, int64_t into_id);
	int (*raw_read)(store *s, int64_t raw_id, int (*cb)(void *, const void *, size_t),
	    void *ctx);
	int (*raw_set_state)(store *s, int64_t raw_id, const char *state, const char *reason,
	    int64_t reports);

	/* Reports.  report_add sets *report_id, or sets *dup_of (and adds nothing)
	 * when a report with the same identity exists. */
	int (*report_add)(store *s, int64_t raw_id, const dm_report *r, int64_t *report_id,
	    int64_t *dup_of);
	/* an may be NULL (columns keep their defaults until reanalysis). */
	int (*record_add)(store *s, int64_t report_id, const char *policy_domain,
	    const dm_record *rec, const store_record_analysis *an);
	int (*report_finish)(store *s, int64_t report_id, const dm_report *r);
	int (*duplicate_add)(store *s, int64_t raw_id, int64_t report_id, const char *source);
	/* A whole archived message arrived again: one duplicate event per report
	 * it holds (at least one); *n says how many. */
	int (*raw_duplicate)(store *s, int64_t raw_id, const char *source, int64_t *n);

	/* Quarantine. */
	int (*quarantine_add)(store *s, int64_t raw_id, const char *reason);
	int (*quarantine_list)(store *s, int only_open, int (*cb)(void *, const store_qitem *),
	    void *ctx);
	int (*quarantine_mark)(store *s, int64_t raw_id, int resolved);
	/* Resolve the open entry id without storing anything: the message
	 * cannot be processed.  reason is appended to the entry's reason as
	 * "dropped: reason".  *dropped is 0 when no open entry has that id. */
	int (*quarantine_drop)(store *s, int64_t id, const char *reason, int *dropped);

	/* Read side. */
	int (*summary)(store *s, const store_filter *f, store_summary *out);
	int (*export_reports)(store *s, const store_filter *f,
	    int (*cb)(void *, const store_report_row *), void *ctx);
	int (*export_records)(store *s, int64_t report_id,
	    int (*cb)(void *, const dm_record *), void *ctx);

	const struct store_analysis_ops *analysis;
	const struct store_hosts_ops *hosts;
	const struct store_web_ops *web;
	const struct store_kinds_ops *kinds;
	const struct store_auth_ops *auth;
	const struct store_alerts_ops *alerts;
	const struct store_intake_ops *intake;
	const struct store_retention_ops *retention;
	const struct store_dnscheck_ops *dnscheck;
	const struct store_feed_ops *feed;
	const struct store_ready_ops *ready;
} store_ops;

struct store {
	const store_ops *ops;
};

extern const store_ops store_sqlite_ops;
extern const store_ops store_pg_ops;	/* store_pg.c: "postgresql://..." */

int store_open(store **out, const char *dsn, char *err, size_t errlen);
void store_close(store *s);
/* Portal reads (store_web) from a streaming-replication standby at dsn
 * while its replay lag is at most max_lag_ms, else from the primary; dsn
 * NULL or "": none.  PostgreSQL only: SQLite answers STORE_ERR ("read
 * replicas need PostgreSQL"), as does a standby that cannot be reached. */
int store_set_replica(store *s, const char *dsn, int max_lag_ms);

static inline const char *store_errmsg(store *s) { return s->ops->errmsg(s); }

#endif
