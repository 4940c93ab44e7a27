/*
 * log.h - diagnostics for the whole program (no DMARC knowledge).
 *
 * Exports:
 *   log_init(progname, verbosity)  set the program name and level (0 quiet, 1 normal, 2 debug)
 *   log_syslog()                   from now on to syslog (facility mail, ident dmarcscope,
 *                                  with the pid) instead of stderr: --syslog
 *   log_is_syslog()                whether it is (progress bars then stay off)
 *   log_warnx(fmt, ...)            warning, no errno
 *   log_warn(fmt, ...)             warning with strerror(errno) appended
 *   log_info(fmt, ...)             shown at verbosity >= 1
 *   log_debug(fmt, ...)            shown at verbosity >= 2
 *   fatalx(fmt, ...)               print and exit(2); only at startup or on out-of-memory
 *   panic(fmt, ...)                an internal bug, a state the code cannot reach: print
 *                                  "internal error" and abort() (a core dump or the
 *                                  sanitizer's stack); never for bad input or resources
 *   xmalloc/xcalloc/xrealloc/xstrdup/xstrndup  allocate or die (out-of-memory is fatal)
 *
 * All output goes to stderr, or to syslog after log_syslog(); every message is
 * one line (a line break inside one becomes a space).
 */
#ifndef DS_LOG_H
#define DS_LOG_H

#include <stddef.h>

void log_init(const char *progname, int verbosity);
int log_verbosity(void);
void log_syslog(void);
int log_is_syslog(void);
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t sz);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
