/*
 * enrich_opts.c - the enrichment options: defaults, the list setters used
 * by the command line, and the [enrich] section of the configuration file.
 *
 * Configuration format (the file given with dmarcscope --config):
 *     # comment
 *     [enrich]
 *     dns = 127.0.0.1:5353
 *     dnsbl = zen.spamhaus.org, bl.spamcop.net
 *     mmdb = /var/lib/GeoIP/GeoLite2-Country.mmdb     (repeatable)
 * Other sections are skipped, so the file can hold the other commands'
 * settings too.  Values may be quoted with ""; a '#' or ';' after
 * whitespace starts a comment.
 *
 * Ownership: strings the setters keep are copied into o->owned (at most
 * ENRICH_MAX_OWNED) and freed by enrich_opts_clear.
 * Exports: enrich_opts_init, enrich_opts_clear, enrich_opt_zones,
 * enrich_opt_skip, enrich_opt_mmdb, enrich_config_load.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "enrich.h"
#include "lookup.h"
#include "../util/log.h"

void
enrich_opts_init(enrich_opts *o)
{
	const char *lo = getenv("DMARCSCOPE_ENRICH_LOOPBACK_ONLY");
	char err[64];

	memset(o, 0, sizeof(*o));
	o->concurrency = 200;
	o->timeout_ms = 1500;
	o->tries = 2;
	o->rdap_concurrency = 4;
	o->rdap_timeout_ms = 10000;
	o->ttl_positive = 86400;
	o->ttl_negative = 3600;
	o->retry_after = 0;
	o->batch = 5000;
	o->loopback_only = lo != NULL && *lo != '\0' && strcmp(lo, "0") != 0;
	(void)enrich_opt_zones(o, DNSBL_DEFAULT_ZONES, err, sizeof(err));
}

void
enrich_opts_clear(enrich_opts *o)
{
	for (int i = 0; i < o->nowned; i++)
		free(o->owned[i]);
	o->nowned = 0;
}

static const char *
keep(enrich_opts *o, const char *s, size_t n, char *err, size_t errlen)
{
	char *c;

	if (o->nowned == ENRICH_MAX_OWNED) {
		snprintf(err, errlen, "too many option values");
		return NULL;
	}
	c = xstrndup(s, n);
	o->owned[o->nowned++] = c;
	return c;
}

static int
zone_ok(const char *z)
{
	size_t n = strlen(z);

	if (n == 0 || n > 200 || z[0] == '.' || z[n - 1] == '.')
		return 0;
	for (; *z; z++)
		if (!isalnum((unsigned char)*z) && *z != '-' && *z != '.' && *z != '_')
			return 0;
	return 1;
}

int
enrich_opt_zones(enrich_opts *o, const char *csv, char *err, size_t errlen)
{
	const char *p = csv;

	o->nzones = 0;
	if (strcmp(csv, "none") == 0)
		return 0;
	while (*p) {
		const char *e;
		size_t n;
		char z[256];

		while (*p == ',' || *p == ' ')
			p++;
		if (*p == '\0')
			break;
		for (e = p; *e && *e != ',' && *e != ' '; e++)
			;
		n = (size_t)(e - p);
		if (n >= sizeof(z)) {
			snprintf(err, errlen, "DNSBL zone too long");
			return -1;
		}
		memcpy(z, p, n);
		z[n] = '\0';
		for (char *c = z; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		if (!zone_ok(z)) {
			snprintf(err, errlen, "bad DNSBL zone '%s'", z);
			return -1;
		}
		if (o->nzones == ENRICH_MAX_ZONES) {
			snprintf(err, errlen, "at most %d DNSBL zones", ENRICH_MAX_ZONES);
			return -1;
		}
		if ((o->zones[o->nzones] = keep(o, z, n, err, errlen)) == NULL)
			return -1;
		o->nzones++;
		p = e;
	}
	return 0;
}

int
enrich_opt_skip(enrich_opts *o, const char *csv, char *err, size_t errlen)
{
	static const struct { const char *name; unsigned bit; } kinds[] = {
		{ "ptr", HK_PTR }, { "dnsbl", HK_DNSBL }, { "geo", HK_GEO },
		{ "asn", HK_ASN }, { "rdap", HK_RDAP }, { NULL, 0 }
	};
	const char *p = csv;

	while (*p) {
		const char *e;
		size_t n;
		int i;

		while (*p == ',' || *p == ' ')
			p++;
		if (*p == '\0')
			break;
		for (e = p; *e && *e != ',' && *e != ' '; e++)
			;
		n = (size_t)(e - p);
		for (i = 0; kinds[i].name != NULL; i++)
			if (strlen(kinds[i].name) == n && strncasecmp(p, kinds[i].name, n) == 0)
				break;
		if (kinds[i].name == NULL) {
			snprintf(err, errlen, "unknown lookup kind '%.*s' (ptr, dnsbl, geo, asn, "
			    "rdap)", (int)(n > 40 ? 40 : n), p);
			return -1;
		}
		o->skip |= kinds[i].bit;
		p = e;
	}
	return 0;
}

int
enrich_opt_mmdb(enrich_opts *o, const char *path, char *err, size_t errlen)
{
	if (o->nmmdb == ENRICH_MAX_MMDB) {
		snprintf(err, errlen, "at most %d mmdb files", ENRICH_MAX_MMDB);
		return -1;
	}
	if ((o->mmdb[o->nmmdb] = keep(o, path, strlen(path), err, errlen)) == NULL)
		return -1;
	o->nmmdb++;
	return 0;
}

static int
num(const char *v, int64_t lo, int64_t hi, int64_t *out)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < lo || n > hi)
		return -1;
	*out = n;
	return 0;
}

static int
boolean(const char *v, int *out)
{
	if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0 ||
	    strcasecmp(v, "on") == 0)
		*out = 1;
	else if (strcasecmp(v, "no") == 0 || strcasecmp(v, "false") == 0 ||
	    strcmp(v, "0") == 0 || strcasecmp(v, "off") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

static int
set_key(enrich_opts *o, const char *k, const char *v, char *err, size_t errlen)
{
	static const struct { const char *key; size_t off; int64_t lo, hi; int is64; } nums[] = {
		{ "concurrency", offsetof(enrich_opts, concurrency), 1, 10000, 0 },
		{ "timeout_ms", offsetof(enrich_opts, timeout_ms), 10, 60000, 0 },
		{ "tries", offsetof(enrich_opts, tries), 1, 10, 0 },
		{ "rdap_concurrency", offsetof(enrich_opts, rdap_concurrency), 1, 64, 0 },
		{ "rdap_timeout_ms", offsetof(enrich_opts, rdap_timeout_ms), 100, 120000, 0 },
		{ "batch", offsetof(enrich_opts, batch), 1, 1000000, 0 },
		{ "ttl_positive", offsetof(enrich_opts, ttl_positive), 0, 365 * 86400, 1 },
		{ "ttl_negative", offsetof(enrich_opts, ttl_negative), 0, 365 * 86400, 1 },
		{ "retry_after", offsetof(enrich_opts, retry_after), 0, 365 * 86400, 1 },
		{ NULL, 0, 0, 0, 0 }
	};
	int64_t n;

	for (int i = 0; nums[i].key != NULL; i++)
		if (strcmp(k, nums[i].key) == 0) {
			if (num(v, nums[i].lo, nums[i].hi, &n) != 0) {
				snprintf(err, errlen, "%s: a number from %lld to %lld", k,
				    (long long)nums[i].lo, (long long)nums[i].hi);
				return -1;
			}
			if (nums[i].is64)
				*(int64_t *)(void *)((char *)o + nums[i].off) = n;
			else
				*(int *)(void *)((char *)o + nums[i].off) = (int)n;
			return 0;
		}
	if (strcmp(k, "dns") == 0)
		return (o->dns_server = keep(o, v, strlen(v), err, errlen)) ? 0 : -1;
	if (strcmp(k, "dnsbl") == 0)
		return enrich_opt_zones(o, v, err, errlen);
	if (strcmp(k, "mmdb") == 0)
		return enrich_opt_mmdb(o, v, err, errlen);
	if (strcmp(k, "asn_mmdb") == 0)
		return (o->asn_mmdb = keep(o, v, strlen(v), err, errlen)) ? 0 : -1;
	if (strcmp(k, "rdap_bootstrap") == 0)
		return (o->rdap_bootstrap = keep(o, v, strlen(v), err, errlen)) ? 0 : -1;
	if (strcmp(k, "services") == 0)
		return (o->services = keep(o, v, strlen(v), err, errlen)) ? 0 : -1;
	if (strcmp(k, "skip") == 0)
		return enrich_opt_skip(o, v, err, errlen);
	if (strcmp(k, "offline") == 0) {
		if (boolean(v, &o->offline) != 0) {
			snprintf(err, errlen, "offline: yes or no");
			return -1;
		}
		return 0;
	}
	snprintf(err, errlen, "unknown key '%s'", k);
	return -1;
}

static char *
strip(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int
enrich_config_load(enrich_opts *o, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[4096], msg[256];
	int lineno = 0, in = 0;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *s = strip(line), *eq, *k, *v;

		lineno++;
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *close = strchr(s, ']');

			if (close == NULL) {
				snprintf(err, errlen, "%s:%d: unclosed section name", path, lineno);
				fclose(f);
				return -1;
			}
			*close = '\0';
			in = strcasecmp(strip(s + 1), "enrich") == 0;
			continue;
		}
		if (!in)
			continue;
		if ((eq = strchr(s, '=')) == NULL) {
			snprintf(err, errlen, "%s:%d: expected key = value", path, lineno);
			fclose(f);
			return -1;
		}
		*eq = '\0';
		k = strip(s);
		v = strip(eq + 1);
		if (v[0] == '"') {
			char *close = strchr(v + 1, '"');

			if (close == NULL || (*strip(close + 1) != '\0' &&
			    *strip(close + 1) != '#' && *strip(close + 1) != ';')) {
				snprintf(err, errlen, "%s:%d: bad quoting", path, lineno);
				fclose(f);
				return -1;
			}
			*close = '\0';
			v++;
		} else {
			/* a comment after the value: whitespace, then # or ; */
			for (char *c = v; *c; c++)
				if ((*c == '#' || *c == ';') && c > v &&
				    isspace((unsigned char)c[-1])) {
					*c = '\0';
					v = strip(v);
					break;
				}
		}
		for (char *c = k; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		if (set_key(o, k, v, msg, sizeof(msg)) != 0) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}
