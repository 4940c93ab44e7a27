/*
 * senders.c - see senders.h.  Rule sets are small (tens per domain), so a
 * linear scan is the whole algorithm.
 */
#include <ctype.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "senders.h"
#include "../util/log.h"

typedef enum { M_CIDR, M_RDNS, M_SERVICE, M_DKIM } mtype;

typedef struct rule {
	int64_t id;
	sender_kind kind;
	mtype type;
	ip_cidr cidr;
	char value[256];
} rule;

struct sender_set {
	rule *r;
	size_t n, cap;
};

sender_set *
sender_set_new(void)
{
	return xcalloc(1, sizeof(sender_set));
}

void
sender_set_free(sender_set *s)
{
	if (s == NULL)
		return;
	free(s->r);
	free(s);
}

size_t
sender_set_count(const sender_set *s)
{
	return s->n;
}

static int
mtype_parse(const char *s)
{
	static const char *const names[] = { "cidr", "rdns", "service", "dkim" };

	for (int i = 0; s != NULL && i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

/* A host name: labels of [a-z0-9_-], dots between, ≤ 253 bytes. */
static int
domain_canon(const char *in, char *out, size_t outlen)
{
	size_t n = strlen(in), j = 0;

	while (n > 0 && in[n - 1] == '.')
		n--;
	if (*in == '.')
		in++, n--;
	if (n == 0 || n > 253 || n >= outlen)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)tolower((unsigned char)in[i]);

		if (!(isalnum(c) || c == '-' || c == '_' || c == '.'))
			return -1;
		if (c == '.' && (i == 0 || in[i - 1] == '.'))
			return -1;
		out[j++] = (char)c;
	}
	out[j] = '\0';
	return 0;
}

int
sender_normalize(const char *match_type, const char *value, char *out, size_t outlen,
    char *err, size_t errlen)
{
	int t = mtype_parse(match_type);

	if (t < 0) {
		snprintf(err, errlen, "unknown match type '%s' (cidr, rdns, service or dkim)",
		    match_type ? match_type : "");
		return -1;
	}
	if (value == NULL || *value == '\0') {
		snprintf(err, errlen, "empty %s value", match_type);
		return -1;
	}
	switch (t) {
	case M_CIDR: {
		ip_cidr c;
		char buf[IP_CIDRLEN];

		if (ip_cidr_parse(value, &c) != 0) {
			snprintf(err, errlen, "'%s' is not an address or network "
			    "(e.g. 192.0.2.0/24, 2001:db8::/32)", value);
			return -1;
		}
		ip_cidr_format(&c, buf);
		snprintf(out, outlen, "%s", buf);
		return 0;
	}
	case M_RDNS:
	case M_DKIM:
		if (domain_canon(value, out, outlen) != 0) {
			snprintf(err, errlen, "'%s' is not a domain name", value);
			return -1;
		}
		return 0;
	default:
		if (strlen(value) >= outlen || strlen(value) > 128) {
			snprintf(err, errlen, "service name too long");
			return -1;
		}
		snprintf(out, outlen, "%s", value);
		return 0;
	}
}

int
sender_set_add(sender_set *s, int64_t id, sender_kind kind, const char *match_type,
    const char *value, char *err, size_t errlen)
{
	rule r;

	memset(&r, 0, sizeof(r));
	if (kind != SENDER_INTERNAL && kind != SENDER_THIRD_PARTY) {
		snprintf(err, errlen, "kind must be internal or third_party");
		return -1;
	}
	if (sender_normalize(match_type, value, r.value, sizeof(r.value), err, errlen) != 0)
		return -1;
	r.id = id;
	r.kind = kind;
	r.type = (mtype)mtype_parse(match_type);
	if (r.type == M_CIDR)
		ip_cidr_parse(r.value, &r.cidr);
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->r = xrealloc(s->r, s->cap * sizeof(*s->r));
	}
	s->r[s->n++] = r;
	return 0;
}

/* name equals suffix, or ends with "." suffix (case-insensitive). */
static int
suffix_match(const char *name, size_t nlen, const char *suffix)
{
	size_t sl = strlen(suffix);

	while (nlen > 0 && name[nlen - 1] == '.')
		nlen--;
	if (nlen < sl || strncasecmp(name + nlen - sl, suffix, sl) != 0)
		return 0;
	return nlen == sl || name[nlen - sl - 1] == '.';
}

static int
dkim_match(const char *list, const char *domain)
{
	const char *p = list;

	while (p != NULL && *p) {
		const char *sp = strchr(p, ' ');
		size_t n = sp ? (size_t)(sp - p) : strlen(p);

		if (n > 0 && suffix_match(p, n, domain))
			return 1;
		p = sp ? sp + 1 : NULL;
	}
	return 0;
}

static int
rule_matches(const rule *r, const sender_facts *f)
{
	switch (r->type) {
	case M_CIDR:
		return f->ip != NULL && ip_cidr_contains(&r->cidr, f->ip);
	case M_RDNS:
		return f->ptr != NULL && suffix_match(f->ptr, strlen(f->ptr), r->value);
	case M_SERVICE:
		return f->service != NULL && strcasecmp(f->service, r->value) == 0;
	case M_DKIM:
		return dkim_match(f->dkim_pass_domains, r->value);
	}
	return 0;
}

sender_kind
sender_match(const sender_set *s, const sender_facts *f, int64_t *id)
{
	sender_kind best = SENDER_NONE;

	*id = 0;
	for (size_t i = 0; s != NULL && i < s->n; i++) {
		const rule *r = &s->r[i];

		if (!rule_matches(r, f))
			continue;
		if (best == SENDER_NONE || (r->kind == SENDER_INTERNAL && best != SENDER_INTERNAL)) {
			best = r->kind;
			*id = r->id;
		}
	}
	return best;
}

const char *
sender_kind_name(sender_kind k)
{
	switch (k) {
	case SENDER_INTERNAL:
		return "internal";
	case SENDER_THIRD_PARTY:
		return "third_party";
	default:
		return "none";
	}
}

int
sender_kind_parse(const char *s)
{
	if (s == NULL)
		return -1;
	if (strcmp(s, "internal") == 0)
		return SENDER_INTERNAL;
	if (strcmp(s, "third_party") == 0 || strcmp(s, "third-party") == 0 ||
	    strcmp(s, "thirdparty") == 0)
		return SENDER_THIRD_PARTY;
	return -1;
}
