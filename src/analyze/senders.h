/*
 * senders.h - My Senders: the sources a domain owner authorizes, and the
 * matching of a record's source against them.
 *
 * A rule is (kind, match type, value):
 *   cidr     "192.0.2.0/24", "2001:db8::/32" or one address
 *   rdns     a reverse-DNS suffix: "mail.example.jp" matches that name and
 *            every name below it (label boundary), forward-confirmed or not
 *   service  a known-service name from the service map ("Google")
 *   dkim     a DKIM signing domain: any passing signature whose d= is that
 *            domain or below it
 * Internal rules win over third-party rules when both match.
 *
 * Ownership: a sender_set owns copies of its rules.  Matching is read-only.
 *
 * Exports:
 *   sender_set_new/free, sender_set_add (validates and canonicalises;
 *   returns -1 with a message for a bad value), sender_normalize (the same
 *   validation for the CLI before storing), sender_match, sender_kind_name,
 *   sender_kind_parse, sender_set_count.
 */
#ifndef DS_SENDERS_H
#define DS_SENDERS_H

#include <stddef.h>
#include <stdint.h>

#include "classify.h"
#include "../util/ipaddr.h"

typedef struct sender_facts {
	const ip_bin *ip;		/* may be NULL */
	const char *ptr;		/* reverse DNS name or NULL */
	const char *service;		/* known-service name or NULL */
	const char *dkim_pass_domains;	/* space separated, or NULL */
} sender_facts;

typedef struct sender_set sender_set;

sender_set *sender_set_new(void);
void sender_set_free(sender_set *s);
int sender_set_add(sender_set *s, int64_t id, sender_kind kind, const char *match_type,
    const char *value, char *err, size_t errlen);
size_t sender_set_count(const sender_set *s);
/* Writes the canonical value (lower-case domain, network/prefix) into out. */
int sender_normalize(const char *match_type, const char *value, char *out, size_t outlen,
    char *err, size_t errlen);
/* The kind of the best matching rule (SENDER_NONE if none); *id its id. */
sender_kind sender_match(const sender_set *s, const sender_facts *f, int64_t *id);

const char *sender_kind_name(sender_kind k);	/* none | internal | third_party */
int sender_kind_parse(const char *s);		/* -1 unknown; accepts "third-party" */

#endif
