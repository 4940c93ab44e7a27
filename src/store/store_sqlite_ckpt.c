/*
 * store_sqlite_ckpt.c - bulk mode for the SQLite store: WAL checkpoints in a
 * thread of their own, so that the writer never waits for an fsync.
 *
 * In WAL mode every commit appends pages to the WAL; a checkpoint copies
 * them into the database file and syncs it.  SQLite's automatic checkpoint
 * runs inside the committing thread, and on a busy ingest those syncs were
 * a fifth of the wall time.  In bulk mode:
 *   - the writer's automatic checkpoint is off;
 *   - after a commit that leaves at least CKPT_SOFT frames in the WAL, the
 *     writer only wakes the checkpointer, which runs a PASSIVE checkpoint
 *     on its own connection (it never blocks the writer);
 *   - past CKPT_HARD frames (the checkpointer fell behind, or the WAL could
 *     not restart because the writer never paused), the writer checkpoints
 *     itself, which bounds the WAL file.
 * Leaving bulk mode stops the thread and restores the automatic checkpoint.
 * Durability is unchanged: commits are as durable as with synchronous=NORMAL.
 *
 * Exports (sqlite_priv.h): sq_bulk(store, on), sq_bulk_stop(q) for close.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>

#include "sqlite_priv.h"
#include "../util/log.h"

#define CKPT_SOFT 4000		/* frames (4 KiB pages): wake the checkpointer */
#define CKPT_HARD 8192		/* frames: the writer checkpoints itself, and the
				 * WAL restarts (32 MiB: reused file pages are
				 * cheaper to write than new ones) */
#define AUTO_CKPT 4000		/* the automatic checkpoint outside bulk mode */

struct sq_ckpt {
	pthread_t thr;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	sqlite3 *db;		/* the checkpointer's own connection */
	int wake, stop;
};

static void *
ckpt_main(void *arg)
{
	struct sq_ckpt *c = arg;

	pthread_mutex_lock(&c->mu);
	for (;;) {
		while (!c->wake && !c->stop)
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->stop)
			break;
		c->wake = 0;
		pthread_mutex_unlock(&c->mu);
		/* SQLITE_BUSY only means another checkpoint is running. */
		(void)sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&c->mu);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

static int
wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	sq_store *q = arg;
	struct sq_ckpt *c = q->ckpt;

	if (frames >= CKPT_HARD) {
		(void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	} else if (frames >= CKPT_SOFT && c != NULL) {
		pthread_mutex_lock(&c->mu);
		c->wake = 1;
		pthread_cond_signal(&c->cv);
		pthread_mutex_unlock(&c->mu);
	}
	return SQLITE_OK;
}

void
sq_bulk_stop(sq_store *q)
{
	struct sq_ckpt *c = q->ckpt;

	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	c->stop = 1;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->thr, NULL);
	sqlite3_close(c->db);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c);
	q->ckpt = NULL;
	sqlite3_wal_autocheckpoint(q->db, AUTO_CKPT);	/* also removes wal_hook */
}

int
sq_bulk(store *s, int on)
{
	sq_store *q = SQ(s);
	struct sq_ckpt *c;
	const char *path;

	if (!on) {
		sq_bulk_stop(q);
		return STORE_OK;
	}
	if (q->ckpt != NULL)
		return STORE_OK;
	path = sqlite3_db_filename(q->db, "main");
	if (path == NULL || *path == '\0')
		return STORE_OK;	/* in-memory or temporary: nothing to sync */
	c = xcalloc(1, sizeof(*c));
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		log_warnx("bulk mode: no checkpoint connection: %s", sqlite3_errmsg(c->db));
		sqlite3_close(c->db);
		free(c);
		return STORE_OK;	/* the automatic checkpoint stays */
	}
	sqlite3_busy_timeout(c->db, 1000);
	/* A connection that has not read the database yet does not know it is
	 * in WAL mode: its checkpoints would do nothing. */
	if (sqlite3_exec(c->db, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL) !=
	    SQLITE_OK)
		log_warnx("bulk mode: checkpoint connection: %s", sqlite3_errmsg(c->db));
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	if (pthread_create(&c->thr, NULL, ckpt_main, c) != 0) {
		sqlite3_close(c->db);
		pthread_mutex_destroy(&c->mu);
		pthread_cond_destroy(&c->cv);
		free(c);
		return STORE_OK;
	}
	q->ckpt = c;
	sqlite3_wal_hook(q->db, wal_hook, q);	/* replaces the automatic checkpoint */
	return STORE_OK;
}
