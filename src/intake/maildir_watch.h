/*
 * maildir_watch.h - take reports from a Maildir as they are delivered
 * (inotify on new/ and cur/).
 *
 * Every regular file of new/ and cur/ (names starting with '.' skipped, tmp/
 * never read) is ingested inline (one transaction, ingest.h) and only then
 * renamed into the processed folder's cur/ (stored or duplicate) or the
 * error folder's cur/ (something refused: it is in quarantine by then).  A
 * crash between the commit and the rename reads the file again at the next
 * start; its bytes are in the archive already (SHA-256), so it counts as a
 * duplicate and nothing twice.  The folders default to the Maildir++
 * subfolders .Processed and .Error of the Maildir (created when missing) and
 * must be on the same file system (rename(2)).
 *
 * Exports: maildir_conf, mdw_new/free, mdw_fd (the inotify descriptor to
 * poll), mdw_scan (take everything there now; after an event on mdw_fd it
 * drains the events first), mdw_error, mdw_name.  mdw_scan returns 0, or -1
 * when a database error left a file in place (try again later).
 */
#ifndef DS_MAILDIR_WATCH_H
#define DS_MAILDIR_WATCH_H

#include <signal.h>

#include "ingest.h"

typedef struct maildir_conf {
	const char *name;		/* log name (default: the path) */
	const char *path;		/* the Maildir (with cur/ new/ tmp/) */
	const char *processed;		/* a Maildir: absolute, or relative to path (".Processed") */
	const char *error;		/* the same for refused messages (".Error") */
} maildir_conf;

typedef struct mdw_stats {
	unsigned taken, stored, duplicates, refused, moved;
} mdw_stats;

typedef struct mdw mdw;

mdw *mdw_new(const maildir_conf *c, char *err, size_t errlen);
void mdw_free(mdw *w);
int mdw_fd(const mdw *w);
int mdw_scan(mdw *w, ingest *g, volatile sig_atomic_t *stop, mdw_stats *st);
const char *mdw_error(const mdw *w);
const char *mdw_name(const mdw *w);

#endif
