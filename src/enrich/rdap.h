/*
 * rdap.h - RDAP whois for addresses (RFC 9082/9083, RFC 9224 bootstrap):
 * the IANA bootstrap files (ipv4.json, ipv6.json) say which registry serves
 * an address; the ip network object it returns gives the network's range,
 * handle, name, country, registrant organisation and abuse e-mail.
 *
 * Ownership: rdap_boot and rdap_client own everything they allocate;
 * rdap_info is plain data.  The fetch callback runs from rdap_step(), once
 * per rdap_fetch(), with info valid only during the call.  One client per
 * thread; curl_global_init runs once per process (pthread_once).
 *
 * Errors: loaders return NULL with a message; a fetch ends in one of the
 * RDAP_* outcomes, never an error return.
 *
 * Exports:
 *   rdap_boot_load(dir, err, errlen), rdap_boot_free(), rdap_boot_find()
 *   rdap_default_bootstrap(buf, len)   $DMARCSCOPE_RDAP_BOOTSTRAP, else
 *                                      data/rdap next to the program
 *   rdap_parse(json, len, info, err, errlen)
 *   rdap_client_new(), rdap_client_free(), rdap_fetch(), rdap_step(),
 *   rdap_inflight()
 */
#ifndef DS_ENRICH_RDAP_H
#define DS_ENRICH_RDAP_H

#include <stddef.h>

#include "lookup.h"

#define RDAP_MAX_BODY (1 << 20)

typedef struct rdap_boot rdap_boot;

rdap_boot *rdap_boot_load(const char *dir, char *err, size_t errlen);
void rdap_boot_free(rdap_boot *b);
/* The registry's base URL for ip (ending in '/'; https preferred), or NULL. */
const char *rdap_boot_find(const rdap_boot *b, const enrich_ip *ip);
int rdap_boot_count(const rdap_boot *b);	/* prefixes loaded */
const char *rdap_default_bootstrap(char *buf, size_t len);

typedef struct rdap_info {
	int family;			/* 0 when the object has no range */
	unsigned char lo[16], hi[16];	/* 16-byte keys (enrich_ip_key) */
	char start[46], end[46];
	char handle[128], name[128], country[3];
	char org[256], abuse[256];
} rdap_info;

/* Parses an RDAP ip network object.  0, or -1 with a message. */
int rdap_parse(const char *json, size_t len, rdap_info *out, char *err, size_t errlen);

/* Outcomes of a fetch. */
typedef enum {
	RDAP_OK = 0,		/* info filled */
	RDAP_NOTFOUND,		/* HTTP 404: the registry has no such network */
	RDAP_TIMEOUT,		/* temporary: no answer in time */
	RDAP_ERROR		/* temporary: 429, 5xx, connection, bad JSON, ... */
} rdap_outcome;

typedef struct rdap_client rdap_client;
typedef void (*rdap_cb)(void *arg, rdap_outcome o, const rdap_info *info,
    const char *url, const char *why);

rdap_client *rdap_client_new(int concurrency, int timeout_ms, int loopback_only,
    char *err, size_t errlen);
void rdap_client_free(rdap_client *c);	/* pending fetches are dropped, no callback */
/* GET base + "ip/" + ip->text.  Never more than the concurrency at once:
 * callers check rdap_inflight() first. */
void rdap_fetch(rdap_client *c, const char *base, const enrich_ip *ip, rdap_cb cb,
    void *arg);
/* Waits up to timeout_ms for progress and runs the callbacks of finished
 * fetches. */
void rdap_step(rdap_client *c, int timeout_ms);
int rdap_inflight(const rdap_client *c);

const char *rdap_outcome_state(rdap_outcome o);	/* ok | notfound | timeout | error */

#endif
