/*
 * store_intake.h - the intake sub-interface of the store: what a mailbox
 * worker (src/intake/imap.c) remembers between runs (tables of
 * src/store/sql/010_intake.sql).  Conventions as in store.h (STORE_OK /
 * STORE_ERR with store_errmsg; strings copied).  Each op is its own
 * transaction unless the caller holds one.
 *
 * Exports: struct store_intake_ops, store_sqlite_intake_ops.
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
};

extern const struct store_intake_ops store_sqlite_intake_ops;

#endif
