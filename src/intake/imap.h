/*
 * imap.h - take DMARC/TLS reports from an IMAP mailbox (libcurl's IMAP).
 *
 * One imap_box per configured mailbox, with its own libcurl handle (the
 * connection is kept between polls).  imap_poll() takes every undeleted
 * message of the folder: fetch (UID FETCH BODY[]), ingest inline (one
 * transaction, ingest.h), record the UID in the store (store_intake.h), then
 * move it: to the processed folder when its reports were stored or were
 * duplicates, to the error folder when something was refused (it is in
 * quarantine by then).  UID MOVE when the server has MOVE, else UID COPY +
 * UID STORE \Deleted + (UID) EXPUNGE.  A UID recorded already under the same
 * UIDVALIDITY is not fetched again, only moved; a crash between the commit
 * and the record re-ingests the message once, which the archive's sha256
 * makes a duplicate.
 *
 * Errors: imap_poll returns IMAP_OK, IMAP_RETRY (server down, slow, dropped,
 * or a database error: nothing was lost, call again later) or IMAP_FATAL
 * (login refused, folder missing, bad configuration); the reason is in
 * imap_error().  A kept connection found dropped is replaced once within the
 * same call before IMAP_RETRY.  A processed or error folder deleted meanwhile
 * is made again at the next move.  It logs nothing itself except oversized
 * messages and a folder made again; the caller logs one line per state change.
 *
 * Exports: imap_conf, imap_box_new/free, imap_poll, imap_error,
 * imap_poll_stats.
 */
#ifndef DS_IMAP_H
#define DS_IMAP_H

#include <signal.h>
#include <stdint.h>

#include "ingest.h"
#include "../store/store.h"

enum { IMAP_TLS_AUTO = 0, IMAP_TLS_STARTTLS, IMAP_TLS_IMPLICIT, IMAP_TLS_NONE };
enum { IMAP_OK = 0, IMAP_RETRY = 1, IMAP_FATAL = 2 };

typedef struct imap_conf {
	const char *name;		/* state key and log name (default: the URL) */
	const char *url;		/* imap://host[:port][/FOLDER] or imaps://... */
	const char *user;
	const char *password;		/* the secret itself (read from a file by the caller) */
	const char *folder;		/* default: the URL's path, else INBOX */
	const char *processed;		/* NULL: messages stay where they are */
	const char *error;		/* NULL: refused messages stay where they are */
	int tls;			/* IMAP_TLS_*; AUTO: imaps implicit, imap STARTTLS required */
	const char *ca_file;		/* CA bundle for the server's certificate (default: system) */
	int timeout;			/* seconds without progress before giving up (default 30) */
	int max_per_poll;		/* messages taken in one poll (default 500) */
} imap_conf;

typedef struct imap_poll_stats {
	unsigned found, taken, stored, duplicates, refused, moved, skipped;
} imap_poll_stats;

typedef struct imap_box imap_box;

/* NULL with *err set (a static or conf-derived message) on a bad conf. */
imap_box *imap_box_new(const imap_conf *c, char *err, size_t errlen);
void imap_box_free(imap_box *b);
/* stop: checked between messages, and while a command waits on the server
 * (a command in flight is given up: nothing uncommitted is moved). */
int imap_poll(imap_box *b, ingest *g, store *s, volatile sig_atomic_t *stop, imap_poll_stats *st);
const char *imap_error(const imap_box *b);
const char *imap_name(const imap_box *b);

#endif
