/*
 * log.c - see log.h.  Single-line diagnostics on stderr or, after
 * log_syslog(), to syslog (facility mail, ident "dmarcscope", the pid with
 * each line: the daemon's children log through the same openlog); allocation
 * wrappers that treat out-of-memory as fatal (the only place we exit on error
 * outside startup), and panic() for internal bugs (abort, not exit).
 *
 * One event is one line: a message is formatted whole first, and a line
 * break inside it (a reason quoting input) becomes a space, so neither
 * stderr nor syslog ever gets half an event on a line of its own.
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

static const char *log_prog = "dmarcscope";
static int log_level = 1;
static int log_to_syslog;

void
log_syslog(void)
{
	if (log_to_syslog)
		return;
	openlog("dmarcscope", LOG_PID | LOG_NDELAY, LOG_MAIL);
	log_to_syslog = 1;
}

int
log_is_syslog(void)
{
	return log_to_syslog;
}

void
log_init(const char *progname, int verbosity)
{
	if (progname != NULL)
		log_prog = progname;
	log_level = verbosity;
}

int
log_verbosity(void)
{
	return log_level;
}

static void
vlog(int prio, const char *tag, const char *fmt, va_list ap, const char *suffix)
{
	char *msg = NULL;

	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;	/* no memory: say that much */
	for (char *p = msg; p != NULL && *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (log_to_syslog)
		syslog(prio, "%s%s%s%s", tag, msg != NULL ? msg : "(out of memory formatting a message)",
		    suffix != NULL ? ": " : "", suffix != NULL ? suffix : "");
	else
		fprintf(stderr, "%s: %s%s%s%s\n", log_prog, tag, msg != NULL ? msg :
		    "(out of memory formatting a message)", suffix != NULL ? ": " : "",
		    suffix != NULL ? suffix : "");
	free(msg);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, "", fmt, ap, NULL);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vlog(LOG_WARNING, "", fmt, ap, strerror(saved));
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (log_level < 1)
		return;
	va_start(ap, fmt);
	vlog(LOG_INFO, "", fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_level < 2)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, "debug: ", fmt, ap, NULL);
	va_end(ap);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, "fatal: ", fmt, ap, NULL);
	va_end(ap);
	exit(2);
}

void
panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, "internal error (a bug; please report it): ", fmt, ap, NULL);
	va_end(ap);
	fflush(stderr);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		fatalx("out of memory (%zu bytes)", n);
	return p;
}

void *
xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);

	if (p == NULL)
		fatalx("out of memory (%zu x %zu bytes)", n, sz);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		fatalx("out of memory (%zu bytes)", n);
	return q;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}
