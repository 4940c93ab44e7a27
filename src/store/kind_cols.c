/*
 * kind_cols.c - the failure-report columns both backends derive from the
 * model (see kind_cols.h): moved out of store_sqlite_failure.c so that
 * store_pg_failure.c stores the same values.
 *
 * Exports: kc_failure_cols, kc_lower_copy.  No errors: what is missing
 * gives "" / 0 / now.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "kind_cols.h"

/* The lower-case domain of an address ("Name <a@b.example>", "a@b.example",
 * "<a@B.example>") into out; "" when there is none. */
static void
addr_domain(const char *addr, char *out, size_t outlen)
{
	const char *lt, *at, *end;
	size_t n = 0;

	out[0] = '\0';
	if (addr == NULL)
		return;
	lt = strrchr(addr, '<');
	if (lt != NULL)
		addr = lt + 1;
	at = strrchr(addr, '@');
	if (at == NULL)
		return;
	at++;
	end = at;
	while (*end != '\0' && *end != '>' && *end != ' ' && *end != '\t' && *end != ',' &&
	    *end != ';' && *end != ')')
		end++;
	for (const char *c = at; c < end && n + 1 < outlen; c++)
		out[n++] = (char)tolower((unsigned char)*c);
	out[n] = '\0';
}

void
kc_lower_copy(const char *in, char *out, size_t outlen)
{
	size_t n = 0;

	for (; in != NULL && *in != '\0' && n + 1 < outlen; in++)
		out[n++] = (char)tolower((unsigned char)*in);
	out[n] = '\0';
}

/* "YYYY-MM-DDTHH:MM:SSZ" (the model's report_date) as Unix time, or -1. */
static int64_t
iso_time(const char *s)
{
	struct tm tm;
	char z = 0;

	if (s == NULL)
		return -1;
	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	    &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z) < 6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm);
}

static int
ip_family(const char *ip)
{
	unsigned char buf[16];

	if (ip == NULL)
		return 0;
	if (inet_pton(AF_INET, ip, buf) == 1)
		return 4;
	if (inet_pton(AF_INET6, ip, buf) == 1)
		return 6;
	return 0;
}

static const char *
str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

void
kc_failure_cols(const json_t *m, int64_t now, kc_failure *c)
{
	const json_t *fb = json_object_get(m, "feedback"), *smp = json_object_get(m, "sample");
	const char *rcpt = str(fb, "original_rcpt_to");

	memset(c, 0, sizeof(*c));
	if (str(fb, "reported_domain") != NULL && str(fb, "reported_domain")[0] != '\0')
		kc_lower_copy(str(fb, "reported_domain"), c->domain, sizeof(c->domain));
	else
		addr_domain(str(smp, "from"), c->domain, sizeof(c->domain));
	addr_domain(str(m, "reporter"), c->rdomain, sizeof(c->rdomain));
	if (json_is_integer(json_object_get(m, "arrival_time")))
		c->arrival = (int64_t)json_integer_value(json_object_get(m, "arrival_time"));
	else if ((c->arrival = iso_time(str(m, "report_date"))) < 0)
		c->arrival = now;
	if (rcpt != NULL) {
		size_t n = strcspn(rcpt, ",");

		c->has_rcpt = 1;
		snprintf(c->first_rcpt, sizeof(c->first_rcpt), "%.*s", (int)n, rcpt);
	}
	c->family = ip_family(str(m, "source_ip"));
}
