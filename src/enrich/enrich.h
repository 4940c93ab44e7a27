/*
 * enrich.h - enrichment of sending hosts: for every source IP not yet (or no
 * longer freshly) known, PTR with forward confirmation, DNSBL listings,
 * country and AS (mmdb, else Team Cymru over DNS), RDAP whois, the base
 * domain of the PTR name and the known service, all cached in the store
 * with per-lookup TTLs (see store_hosts.h and docs/ENRICH.md).
 *
 * enrich_run() is what `dmarcscope enrich` and the portal's background
 * thread call, each with its own store connection.  It works in batches of
 * hosts (resolved concurrently, written and committed as they finish), so a
 * run can be cancelled between answers and its memory stays bounded.
 * Ingest never calls it: new IPs are picked up from the records table.
 *
 * Ownership: enrich_opts strings are the caller's, except those set by
 * enrich_config_load / enrich_opt_* (kept in o->owned, freed by
 * enrich_opts_clear).  enrich_host_json returns a new reference.
 *
 * Threads: enrich_run may run in several threads at once on different
 * store handles (the process-wide libraries are initialised once).  Set
 * *o->cancel to stop a run early; it then returns ENRICH_CANCELLED.
 *
 * Exports:
 *   enrich_opts_init(o)              the defaults
 *   enrich_opts_clear(o)             free what the option setters allocated
 *   enrich_opt_zones(o, csv)         DNSBL zones ("none" or "" for none)
 *   enrich_opt_skip(o, csv)          ptr,dnsbl,geo,asn,rdap
 *   enrich_config_load(o, path, err, errlen)   the [enrich] section of a file
 *   enrich_run(st, o, stats, err, errlen)
 *   enrich_host_json(st, ip)         every fact about one host, or NULL
 *   enrich_stats_json(stats)
 *   enrich_memo_new/get/free         ptr, country and base domain per address,
 *                                    looked up once each (the exports)
 *   enrich_txt_resolver_new/free, enrich_txt_lookup   a c-ares TXT lookup for
 *                                    align.h's tree walk (an align_txt_fn)
 */
#ifndef DS_ENRICH_H
#define DS_ENRICH_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "../store/store.h"
#include "../store/store_hosts.h"

#define ENRICH_MAX_ZONES 16
#define ENRICH_MAX_MMDB 8
#define ENRICH_MAX_OWNED 64

#define ENRICH_OK 0
#define ENRICH_ERR (-1)		/* setup or store error: err says why */
#define ENRICH_CANCELLED (-2)

typedef struct enrich_stats enrich_stats;

typedef struct enrich_opts {
	const char *dns_server;		/* "ADDR[:PORT]" (comma separated), NULL: system */
	const char *zones[ENRICH_MAX_ZONES];	/* DNSBL zones */
	int nzones;
	const char *mmdb[ENRICH_MAX_MMDB];	/* country / AS databases; none: the default */
	int nmmdb;
	const char *asn_mmdb;		/* an AS database, consulted first (may be NULL) */
	int no_default_mmdb;		/* do not add the DB-IP Lite file when nmmdb == 0 */
	const char *rdap_bootstrap;	/* ipv4.json / ipv6.json here; NULL: installed */
	const char *services;		/* known-service CSV; NULL: services_load_default */
	int concurrency;		/* DNS queries in flight (200) */
	int timeout_ms;			/* per DNS try (1500) */
	int tries;			/* DNS tries (2) */
	int rdap_concurrency;		/* RDAP fetches at once (4) */
	int rdap_timeout_ms;		/* per fetch (10000) */
	int64_t ttl_positive;		/* seconds (86400) */
	int64_t ttl_negative;		/* seconds (3600) */
	int64_t retry_after;		/* temporary failures are due again after (0) */
	unsigned skip;			/* HK_* kinds not to look up */
	int offline;			/* no network at all: mmdb and service map only */
	int refresh;			/* every host is due, and every record is rescanned */
	int loopback_only;		/* DNS and RDAP only to 127/8 and ::1 (tests) */
	int batch;			/* hosts per batch (5000) */
	int64_t limit;			/* hosts per run at most (0: all) */
	const volatile int *cancel;	/* may be NULL */
	/* about every 100 ms while a run works, and once at its end */
	void (*on_progress)(void *ctx, const enrich_stats *s);	/* may be NULL */
	void *progress_ctx;
	char *owned[ENRICH_MAX_OWNED];
	int nowned;
} enrich_opts;

/* Counts per lookup kind, by state class. */
typedef struct enrich_count {
	int64_t positive, negative, temporary;
} enrich_count;

struct enrich_stats {
	int64_t queued;			/* new hosts found in records */
	int64_t total;			/* hosts due when the run started */
	int64_t hosts;			/* hosts looked at */
	int64_t done;			/* written so far */
	int64_t changed;		/* whose ptr, fcrdns or service changed */
	int64_t reanalysis;		/* policy domains queued for reanalysis */
	/* fcrdns counts confirmed / not confirmed / unknown */
	enrich_count ptr, fcrdns, dnsbl, geo, asn, rdap;
	int64_t listed;			/* hosts on at least one DNSBL */
	int64_t rdap_fetches, rdap_reused;	/* HTTP requests; answers from a cached network */
	uint64_t dns_queries;
	uint64_t dns_timeouts;		/* tries that timed out (and were resent) */
	int dns_peak;			/* most queries in flight */
	double seconds;
};

void enrich_opts_init(enrich_opts *o);
void enrich_opts_clear(enrich_opts *o);
int enrich_opt_zones(enrich_opts *o, const char *csv, char *err, size_t errlen);
int enrich_opt_skip(enrich_opts *o, const char *csv, char *err, size_t errlen);
/* Adds an mmdb path (copied). */
int enrich_opt_mmdb(enrich_opts *o, const char *path, char *err, size_t errlen);
/* Keys (one "key = value" a line, '#' comments, inside [enrich]):
 * dns, dnsbl, mmdb (repeatable), asn_mmdb, rdap_bootstrap, services,
 * concurrency, timeout_ms, tries, rdap_concurrency, rdap_timeout_ms,
 * ttl_positive, ttl_negative, retry_after, skip, offline.  Unknown keys are
 * errors; other sections are ignored.  A missing file is an error. */
int enrich_config_load(enrich_opts *o, const char *path, char *err, size_t errlen);

int enrich_run(store *st, const enrich_opts *o, enrich_stats *out, char *err, size_t errlen);

json_t *enrich_host_json(store *st, const char *ip);
json_t *enrich_stats_json(const enrich_stats *s);

/* A memo of hosts rows for the exports: get() reads a row once per address
 * (the strings stay valid until the memo is freed or holds too many rows,
 * i.e. at least until the next get()).  0, or -1 on a store error; all
 * NULL when the address is unknown or the store has no enrichment cache. */
typedef struct enrich_memo enrich_memo;
enrich_memo *enrich_memo_new(store *st);
int enrich_memo_get(enrich_memo *m, const char *ip, const char **ptr, const char **country,
    const char **base_domain);
void enrich_memo_free(enrich_memo *m);

/* An align_txt_fn (align.h) over c-ares: pass enrich_txt_resolver_fn() and
 * the resolver as its ctx.  NULL with a message on a bad server. */
typedef struct enrich_txt_resolver enrich_txt_resolver;
enrich_txt_resolver *enrich_txt_resolver_new(const char *server, int timeout_ms,
    char *err, size_t errlen);
void enrich_txt_resolver_free(enrich_txt_resolver *r);
int enrich_txt_lookup(void *ctx, const char *name, char out[][512], int max);

#endif
