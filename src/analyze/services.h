/*
 * services.h - the known-service map: which company runs a sending host.
 *
 * Keys are a base domain (the organizational domain of a reverse-DNS name,
 * a DKIM d= or an SPF domain) or an AS number.  The file format is
 * parsedmarc's base_reverse_dns_map.csv, a CSV with the header
 *     base_reverse_dns,name,type
 * extended by us in two compatible ways: a key "AS15169" names an AS number,
 * and an optional fourth column "forwards" (yes/no) says that the service
 * relays mail for its users (mailbox providers, list servers, gateways).
 * RFC 4180 quoting is accepted; '#' starts a comment line.
 *
 * data/services.csv is ours (≥150 services).  Users add their own with
 * services_load(), later files overriding earlier keys.
 *
 * Ownership: a services map owns every string in it; entries returned by
 * lookups live as long as the map.  Not thread-safe while loading; lookups
 * are read-only and may run from many threads.
 *
 * Exports:
 *   services_new(), services_free()
 *   services_load(m, path, err, errlen)      add one CSV file; -1 with a
 *                                            message naming the line on error
 *   services_load_default(m, err, errlen)    $DMARCSCOPE_SERVICES, else the
 *                                            installed data/services.csv
 *   services_by_domain(m, base_domain)       exact key (lower-case) lookup,
 *                                            also tries the org domain
 *   services_by_host(m, ptr_name)            org domain of a PTR name, then lookup
 *   services_by_asn(m, asn)
 *   services_count(m), services_each(m, fn, ctx)
 *   service_type_name(), service_type_parse()
 */
#ifndef DS_SERVICES_H
#define DS_SERVICES_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
	SVC_UNKNOWN = 0,
	SVC_EMAIL_PROVIDER,	/* mailbox / hosted mail: Google, Microsoft, OCN, ... */
	SVC_MARKETING,		/* bulk and marketing ESPs */
	SVC_TRANSACTIONAL,	/* transactional / API senders: SES, SendGrid, ... */
	SVC_CRM,		/* CRM and SaaS that send as you: Salesforce, HubSpot, ... */
	SVC_FORWARDER,		/* forwarding / alias services */
	SVC_MAILING_LIST,	/* list servers */
	SVC_SECURITY,		/* mail gateways / filtering: Proofpoint, Mimecast, ... */
	SVC_HOSTING,		/* web / server hosting */
	SVC_ISP,		/* access ISPs, residential ranges */
	SVC_OTHER,
	SVC__COUNT
} service_type;

typedef struct service {
	const char *key;	/* "google.com" or "AS15169" */
	const char *name;	/* "Google" */
	service_type type;
	const char *type_raw;	/* the type text as written in the file */
	int forwards;		/* relays mail for its users (forwarding/lists) */
} service;

typedef struct services services;

services *services_new(void);
void services_free(services *m);
int services_load(services *m, const char *path, char *err, size_t errlen);
int services_load_default(services *m, char *err, size_t errlen);
const service *services_by_domain(const services *m, const char *domain);
const service *services_by_host(const services *m, const char *ptr_name);
const service *services_by_asn(const services *m, uint32_t asn);
size_t services_count(const services *m);
/* Calls fn for every entry (any order) until it returns non-zero. */
void services_each(const services *m, int (*fn)(void *, const service *), void *ctx);

/* Canonical names: "email_provider", "marketing", "transactional", "crm",
 * "forwarder", "mailing_list", "security", "hosting", "isp", "other", "unknown".
 * parse() also maps parsedmarc's type strings ("Email Provider", "Marketing",
 * "Email Security", "Web Host", "ISP", ...) case-insensitively. */
const char *service_type_name(service_type t);
service_type service_type_parse(const char *s);

#endif
