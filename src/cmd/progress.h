/*
 * progress.h - the progress bar of the long commands (ingest, reanalyze,
 * quarantine retry, enrich; purge may use it too): one line on stderr,
 * redrawn in place at most every 0.1 s, "[#####.........]  42%  TEXT".
 * Only when stderr is a terminal, the command is not quiet and the logs do
 * not go to syslog: never on a pipe or in a log file.
 *
 * Exports: pbar, progress_init, progress_draw, progress_clear.
 * Ownership: a pbar is the caller's (no allocation).  progress_clear
 * before any other output on stderr (a log line), and at the end.
 */
#ifndef DS_PROGRESS_H
#define DS_PROGRESS_H

#include <stdint.h>

typedef struct pbar {
	int tty;		/* drawing at all */
	int shown;		/* a bar is on the line now */
	double last;		/* monotonic seconds of the last draw */
} pbar;

/* wanted: the command's own setting (not --no-progress, not -q) */
void progress_init(pbar *p, int wanted);
/* done of total (total 0: no percentage); force: draw now whatever the
 * time since the last draw; the text after the bar is printf-formatted */
void progress_draw(pbar *p, uint64_t done, uint64_t total, int force, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void progress_clear(pbar *p);

#endif
