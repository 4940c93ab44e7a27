/*
 * store_intake.h - the intake sub-interface of the store: what a mailbox
 * worker (src/intake/imap.c) remembers between runs (tables of
 * src/store/sql/011_intake.sql).  Conventions as in store.h (STORE_OK /
 * STORE_ERR with store_errmsg; strings copied).  Each op is its own
 * transaction unless the caller holds one.  Also the database side of
 * /metrics (src/web/metrics.c): counts by kind, source, state and reason,
 * and the counters the other processes keep for it (counter below).
 *
 * Exports: struct store_intake_ops, store_sqlite_intake_ops, store_pg_intake_ops
 * (declared in pg_priv.h).
 */
#ifndef DS_STORE_INTAKE_H
#define DS_STORE_INTAKE_H

#include <stdint.h>

#include "store.h"

struct store_intake_ops {
	/* The mailbox's remembered UIDVALIDITY and last UID (0, 0: never seen). */
	int (*mbox_get)(store *s, const char *name, int64_t *uidvalidity, int64_t *last_uid);
	/* A new UIDVALIDITY: forget the old one's messages, last UID 0. */
	int (*mbox_reset)(store *s, const char *name, int64_t uidvalidity);
	/* *outcome (a static string) of a UID taken before, or NULL; *moved. */
	int (*msg_get)(store *s, const char *name, int64_t uidvalidity, int64_t uid,
	    const char **outcome, int *moved);
	/* Record a UID as taken (after the ingest committed); raises last_uid. */
	int (*msg_put)(store *s, const char *name, int64_t uidvalidity, int64_t uid,
	    const char *outcome);
	/* The server confirmed the move. */
	int (*msg_moved)(store *s, const char *name, int64_t uidvalidity, int64_t uid);
	/* Claim the mailbox for one poll: *got = 1, or 0 when another node
	 * polls it now (then leave it alone this time).  mbox_release ends a
	 * claim that was got.  Several nodes may be configured for one box: each
	 * message is taken by one of them.  May be NULL (nothing to claim). */
	int (*mbox_claim)(store *s, const char *name, int *got);
	int (*mbox_release)(store *s, const char *name);
	/* The numbers of /metrics that live in the database, one callback per
	 * sample: metric name, up to two labels (k NULL: none), value.  A
	 * callback returning non-zero stops the walk (STORE_OK all the same). */
	int (*metrics)(store *s, int (*cb)(void *ctx, const char *name, const char *k1,
	    const char *v1, const char *k2, const char *v2, double v), void *ctx);
	/* A sample the service's processes keep (013_service_metrics.sql):
	 * value += v (a counter), or value = v when set (a gauge); up to two
	 * labels (k NULL: none).  In the caller's transaction when it holds
	 * one.  May be NULL (a backend without it): callers then count nothing. */
	int (*counter)(store *s, const char *name, const char *k1, const char *v1,
	    const char *k2, const char *v2, double v, int set);
};

extern const struct store_intake_ops store_sqlite_intake_ops;

#endif
