/*
 * feed.h - the spoofing-host feed (issue 18 part 5): the hosts that sent
 * mail classified as spoofing suspected (classify.c, records.cls) for a set
 * of policy domains over a period, above a threshold, with the enrichment
 * (PTR, country, AS, the RDAP abuse contact) and the failure-report
 * evidence; rendered as CSV, JSON or an rbldnsd zone (combined dataset:
 * ip4set and ip6trie, 127.0.0.2 and a TXT per host), and, per host, a
 * take-down request text in ja or en for the admin to copy (never sent).
 *
 * A host is NEVER in the feed, whatever its counts, when it matches the
 * allow-list (feed_allow: the tenant's and the provider's), one of My
 * Senders of any domain (cidr, rdns or service rules, senders.c), or
 * a known sending service or forwarder (the hosts table's service and the
 * service map by PTR and AS, services.c; hosting and access ISPs do not
 * count).  Such hosts are listed in feed.excluded with the reason.
 *
 * Ownership: a feed owns its hosts and strings (feed_free).  Outputs are
 * appended to the caller's dbuf.  Errors: feed_build returns -1 with a
 * message (store error, no feed sub-interface).
 *
 * Exports: feed_opts, feed_host, feed, feed_build, feed_free, feed_csv,
 * feed_json, feed_zone, feed_takedown (takedown.c), feed_services,
 * feed_date.
 */
#ifndef DS_FEED_H
#define DS_FEED_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "services.h"
#include "../store/store.h"
#include "../util/dbuf.h"
#include "../util/ipaddr.h"

#define FEED_MAX_HOSTS 10000	/* hosts read at most (before exclusions) */
#define FEED_MAX_DAYS 366
#define FEED_SAMPLES 3		/* sample subjects per host */
#define FEED_SAMPLE_HOSTS 200	/* hosts whose samples are read (the most messages first) */

typedef struct feed_opts {
	const char *const *domains;	/* policy domains in scope (lower case) */
	size_t ndomains;
	int64_t since, until;		/* [since, until) */
	int64_t min_messages, min_days;
	int64_t tenant_id;		/* allow-list scope: 0 provider only */
	const char *ip;			/* one host (takedown), or NULL */
	const services *svc;		/* the service map, or NULL */
} feed_opts;

typedef struct feed_sample {
	char *domain, *subject, *reporter;
	int64_t at;
} feed_sample;

typedef struct feed_host {
	char ip[IP_STRLEN];
	int family;
	int64_t messages, records, first_seen, last_seen, days, ndomains, nreporters;
	char *domains, *reporters;	/* comma separated */
	char *ptr, *country, *as_name, *service, *service_type;
	int64_t asn;
	char *abuse_email, *rdap_org, *rdap_handle, *rdap_name, *rdap_state;
	int64_t fail_count, fail_first, fail_last;
	feed_sample samples[FEED_SAMPLES];
	int nsamples;
	const char *excluded;		/* NULL, or allow_list | my_senders | known_service |
					 * known_forwarder */
} feed_host;

typedef struct feed {
	feed_host *hosts;		/* listed, most messages first */
	size_t n;
	feed_host *excluded;		/* above threshold but never listed */
	size_t nexcluded;
	ip_cidr *allow;			/* the allow-list in scope */
	size_t nallow;
	int truncated;			/* FEED_MAX_HOSTS reached */
	feed_opts o;			/* as built (domains not owned) */
	int64_t generated_at;
} feed;

int feed_build(store *st, const feed_opts *o, feed *out, char *err, size_t errlen);
void feed_free(feed *f);
void feed_csv(const feed *f, dbuf *out);
json_t *feed_json(const feed *f);
/* zone_name may be NULL (no $SOA line). */
void feed_zone(const feed *f, const char *zone_name, dbuf *out);
/* The take-down request for h, lang "ja" or anything else → en. */
void feed_takedown(const feed *f, const feed_host *h, const char *lang, dbuf *out);
/* The default service map, loaded once per process (NULL when it cannot be). */
const services *feed_services(void);
/* "YYYY-MM-DD" (UTC) into buf. */
void feed_date(int64_t t, char *buf, size_t len);

#endif
