/*
 * progress.c - see progress.h.  The bar ingest has drawn since issue 2,
 * shared: 30 cells of '#' and '.', the percentage, the command's text, then
 * an erase to the end of the line (ESC [K) so a shorter redraw leaves no
 * tail.
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"
#include "../util/log.h"

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void
progress_init(pbar *p, int wanted)
{
	p->tty = wanted && log_verbosity() > 0 && !log_is_syslog() && isatty(STDERR_FILENO);
	p->shown = 0;
	p->last = 0;
}

void
progress_draw(pbar *p, uint64_t done, uint64_t total, int force, const char *fmt, ...)
{
	double t;
	int pct = total ? (int)(done * 100 / total) : 0;
	char bar[31];
	va_list ap;

	if (!p->tty)
		return;
	t = mono();
	if (!force && t - p->last < 0.1)
		return;
	p->last = t;
	if (pct > 100)
		pct = 100;
	for (int i = 0; i < 30; i++)
		bar[i] = i < pct * 30 / 100 ? '#' : '.';
	bar[30] = '\0';
	if (total)
		fprintf(stderr, "\r[%s] %3d%%  ", bar, pct);
	else
		fprintf(stderr, "\r[%s]  ", bar);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\033[K", stderr);
	fflush(stderr);
	p->shown = 1;
}

void
progress_clear(pbar *p)
{
	if (p->shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		p->shown = 0;
	}
}
