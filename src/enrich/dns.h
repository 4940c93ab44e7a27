/*
 * dns.h - the asynchronous DNS engine behind the enrichment: one c-ares
 * channel with many queries in flight (a cap, with the rest waiting in two
 * FIFO queues, follow-ups first), per-try timeouts and retries, a
 * configurable server and port, and a poll(2) loop.
 *
 * Answers are read with the small RR walker here (dns_rr_*), not with
 * c-ares' hostent parsers, so that every status stays distinct:
 * NXDOMAIN, NOERROR without data, SERVFAIL, REFUSED and a timeout are never
 * folded into one "not found" (a temporary failure must never be cached as
 * a negative answer).
 *
 * Ownership: a dns_engine owns its channel and every waiting query.  The
 * callback runs exactly once per dns_query(), from inside dns_run()/dns_wait()
 * (or from dns_free(), with DNS_CANCELLED); the answer bytes live only during
 * the callback.  Callbacks may issue new queries.  Not thread-safe: one
 * engine per thread (engines in different threads are fine).
 *
 * Errors: dns_new() returns NULL with a message (bad server, c-ares error);
 * dns_query() never fails (a bad name is answered with DNS_ERROR).
 *
 * Exports:
 *   dns_new(opts, err, errlen), dns_free(e)
 *   dns_query(e, name, type, prio, cb, arg)
 *   dns_run(e, tick, ctx, cancel)    run until nothing is in flight or waiting
 *   dns_wait(e, &done)               run until *done is set
 *   dns_counters(e, ...)             queries sent, answered, most in flight
 *   dns_timeouts(e)                  tries that timed out
 *   dns_rev_name(addr, family, suffix, out, len)   reversed-address names
 *   dns_rr_ptr/dns_rr_addr/dns_rr_txt  read the answer section
 *   dns_txt_sync(), dns_align_txt()  a synchronous TXT lookup (align_txt_fn)
 *   dns_status_name(), dns_status_temporary()
 */
#ifndef DS_DNS_H
#define DS_DNS_H

#include <stddef.h>
#include <stdint.h>

#define DNS_T_A		1
#define DNS_T_PTR	12
#define DNS_T_TXT	16
#define DNS_T_AAAA	28

#define DNS_NAME_MAX	256	/* presentation form plus NUL */
#define DNS_TXT_MAX	512

typedef enum {
	DNS_OK = 0,		/* an answer (may still hold no record of the type) */
	DNS_NXDOMAIN,		/* the name does not exist */
	DNS_NODATA,		/* the name exists, nothing of that type */
	DNS_SERVFAIL,
	DNS_REFUSED,
	DNS_TIMEOUT,
	DNS_ERROR,		/* bad answer, unreachable server, bad name, ... */
	DNS_CANCELLED,		/* dns_run cancelled, or the engine was freed */
	DNS__COUNT
} dns_status;

typedef struct dns_opts {
	const char *server;	/* "ADDR", "ADDR:PORT", "[V6]:PORT", comma separated;
				 * NULL or "": the system resolver (resolv.conf) */
	int timeout_ms;		/* first try; c-ares doubles it every round */
	int tries;
	int max_inflight;	/* queries on the wire at most */
	int loopback_only;	/* refuse servers outside 127/8 and ::1 */
} dns_opts;

typedef struct dns_engine dns_engine;

/* st, and the answer (abuf, alen) when one arrived (else NULL, 0). */
typedef void (*dns_cb)(void *arg, dns_status st, const unsigned char *abuf, int alen);

dns_engine *dns_new(const dns_opts *o, char *err, size_t errlen);
void dns_free(dns_engine *e);

/* prio 1: ahead of every prio-0 query that waits for a slot. */
void dns_query(dns_engine *e, const char *name, int type, int prio, dns_cb cb, void *arg);

/* Runs until no query is in flight or waiting.  tick (may be NULL) is called
 * about every 100 ms; when *cancel becomes non-zero, every query is answered
 * with DNS_CANCELLED and dns_run returns -1.  Returns 0. */
int dns_run(dns_engine *e, void (*tick)(void *), void *ctx, const volatile int *cancel);
/* Runs until *done is non-zero (set by a callback) or nothing is left. */
void dns_wait(dns_engine *e, const int *done);

void dns_counters(const dns_engine *e, uint64_t *sent, uint64_t *answered,
    int *max_inflight, int *inflight);
/* Tries that timed out and were sent again (or given up). */
uint64_t dns_timeouts(const dns_engine *e);

/* "4.3.2.1.SUFFIX" or the 32 nibbles of an IPv6 address then SUFFIX
 * (suffix without dots at either end, e.g. "in-addr.arpa", a DNSBL zone).
 * Returns 0, or -1 when out is too small. */
int dns_rev_name(const unsigned char *addr, int family, const char *suffix, char *out,
    size_t len);

/* Answer-section readers (owners are not checked: CNAME chains are
 * followed implicitly, as RFC 2317 classless reverse zones need).
 * Each returns the number of records of its type, or -1 on a malformed
 * answer.  Names come back lower-cased without the trailing dot; names with
 * characters other than letters, digits, '-', '_' and '.' are skipped. */
int dns_rr_ptr(const unsigned char *abuf, int alen, char out[][DNS_NAME_MAX], int max);
int dns_rr_addr(const unsigned char *abuf, int alen, int type, unsigned char out[][16],
    int max);
/* TXT: the strings of one record concatenated (RFC 7208 style), printable
 * ASCII kept, others replaced by '?'; truncated to DNS_TXT_MAX - 1. */
int dns_rr_txt(const unsigned char *abuf, int alen, char out[][DNS_TXT_MAX], int max);

/* Synchronous TXT lookup on e: the count, 0 for NXDOMAIN/NODATA, -1 for a
 * temporary failure.  dns_align_txt is the same with the align_txt_fn
 * signature (ctx is the dns_engine). */
int dns_txt_sync(dns_engine *e, const char *name, char out[][DNS_TXT_MAX], int max);
int dns_align_txt(void *ctx, const char *name, char out[][512], int max);

const char *dns_status_name(dns_status st);	/* "ok", "nxdomain", ... */
int dns_status_temporary(dns_status st);	/* servfail refused timeout error cancelled */

#endif
