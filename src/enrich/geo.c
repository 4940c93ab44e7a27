/*
 * geo.c - see geo.h: libmaxminddb lookups over several files and both
 * common layouts, and where the default DB-IP Lite file is found.
 *
 * Values read from a database are checked before use: a country must be
 * two ASCII letters (upper-cased), an AS name is cut at 255 bytes and its
 * control characters replaced.
 *
 * Exports: geo_open, geo_close, geo_lookup, geo_count, geo_name,
 * geo_default_mmdb.  Out of memory is fatal.
 */
#include "geo.h"

#include <ctype.h>
#include <limits.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../util/log.h"

typedef struct geo_db {
	MMDB_s mm;
	char *name;
} geo_db;

struct geo {
	geo_db *db;
	int n;
};

geo *
geo_open(const char *const *paths, int n, char *err, size_t errlen)
{
	geo *g = xcalloc(1, sizeof(*g));

	g->db = xcalloc((size_t)(n > 0 ? n : 1), sizeof(*g->db));
	for (int i = 0; i < n; i++) {
		const char *slash = strrchr(paths[i], '/');
		int rc = MMDB_open(paths[i], MMDB_MODE_MMAP, &g->db[i].mm);

		if (rc != MMDB_SUCCESS) {
			snprintf(err, errlen, "%s: %s", paths[i], rc == MMDB_IO_ERROR ?
			    "cannot read it" : MMDB_strerror(rc));
			geo_close(g);
			return NULL;
		}
		g->db[i].name = xstrdup(slash ? slash + 1 : paths[i]);
		g->n = i + 1;
	}
	return g;
}

void
geo_close(geo *g)
{
	if (g == NULL)
		return;
	for (int i = 0; i < g->n; i++) {
		MMDB_close(&g->db[i].mm);
		free(g->db[i].name);
	}
	free(g->db);
	free(g);
}

int
geo_count(const geo *g)
{
	return g ? g->n : 0;
}

const char *
geo_name(const geo *g, int i)
{
	return g && i >= 0 && i < g->n ? g->db[i].name : NULL;
}

/* Length of the well-formed UTF-8 sequence at p (n bytes left), or 0. */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	size_t len;
	unsigned lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

/*
 * Copies a database string: control characters and bytes that are not
 * well-formed UTF-8 become '?', and a cut at len - 1 never splits a
 * character, so the result is always valid UTF-8 (JSON needs it).
 */
static int
get_str(MMDB_entry_s *ent, char *out, size_t len, const char *const *path)
{
	MMDB_entry_data_s d;
	size_t n;

	if (MMDB_aget_value(ent, &d, path) != MMDB_SUCCESS || !d.has_data ||
	    d.type != MMDB_DATA_TYPE_UTF8_STRING)
		return -1;
	n = 0;
	for (size_t i = 0; i < d.data_size; ) {
		const unsigned char *p = (const unsigned char *)d.utf8_string + i;
		size_t k = utf8_seq(p, d.data_size - i);

		if (k == 0 || p[0] < 0x20 || p[0] == 0x7f) {
			if (n + 1 >= len)
				break;
			out[n++] = '?';
			i++;
			continue;
		}
		if (n + k >= len)
			break;
		memcpy(out + n, p, k);
		n += k;
		i += k;
	}
	out[n] = '\0';
	return 0;
}

static int
get_country(MMDB_entry_s *ent, char cc[3])
{
	static const char *const p1[] = { "country_code", NULL };
	static const char *const p2[] = { "country", "iso_code", NULL };
	static const char *const p3[] = { "registered_country", "iso_code", NULL };
	const char *const *paths[] = { p1, p2, p3 };
	char buf[8];

	for (int i = 0; i < 3; i++)
		if (get_str(ent, buf, sizeof(buf), paths[i]) == 0 && strlen(buf) == 2 &&
		    isalpha((unsigned char)buf[0]) && isalpha((unsigned char)buf[1])) {
			cc[0] = (char)toupper((unsigned char)buf[0]);
			cc[1] = (char)toupper((unsigned char)buf[1]);
			cc[2] = '\0';
			return 0;
		}
	return -1;
}

static int
get_asn(MMDB_entry_s *ent, uint32_t *asn, char *name, size_t len)
{
	static const char *const pn[] = { "autonomous_system_number", NULL };
	static const char *const po[] = { "autonomous_system_organization", NULL };
	static const char *const pa[] = { "asn", NULL };
	static const char *const pan[] = { "as_name", NULL };
	MMDB_entry_data_s d;
	char buf[32];

	*asn = 0;
	if (MMDB_aget_value(ent, &d, pn) == MMDB_SUCCESS && d.has_data) {
		if (d.type == MMDB_DATA_TYPE_UINT32)
			*asn = d.uint32;
		else if (d.type == MMDB_DATA_TYPE_UINT16)
			*asn = d.uint16;
		else if (d.type == MMDB_DATA_TYPE_UINT64 && d.uint64 <= UINT32_MAX)
			*asn = (uint32_t)d.uint64;
		if (*asn != 0 && get_str(ent, name, len, po) != 0)
			name[0] = '\0';
	} else if (get_str(ent, buf, sizeof(buf), pa) == 0) {
		const char *p = buf;
		unsigned long v;
		char *end;

		if ((p[0] == 'A' || p[0] == 'a') && (p[1] == 'S' || p[1] == 's'))
			p += 2;
		v = strtoul(p, &end, 10);
		if (end != p && *end == '\0' && v > 0 && v <= UINT32_MAX)
			*asn = (uint32_t)v;
		if (*asn != 0 && get_str(ent, name, len, pan) != 0)
			name[0] = '\0';
	}
	return *asn != 0 ? 0 : -1;
}

void
geo_lookup(const geo *g, const enrich_ip *ip, geo_res *r)
{
	struct sockaddr_in s4;
	struct sockaddr_in6 s6;
	const struct sockaddr *sa;

	memset(r, 0, sizeof(*r));
	if (g == NULL)
		return;
	if (ip->family == 4) {
		memset(&s4, 0, sizeof(s4));
		s4.sin_family = AF_INET;
		memcpy(&s4.sin_addr, ip->b, 4);
		sa = (const struct sockaddr *)&s4;
	} else {
		memset(&s6, 0, sizeof(s6));
		s6.sin6_family = AF_INET6;
		memcpy(&s6.sin6_addr, ip->b, 16);
		sa = (const struct sockaddr *)&s6;
	}
	for (int i = 0; i < g->n && (r->country[0] == '\0' || r->asn == 0); i++) {
		int mmerr = 0;
		MMDB_lookup_result_s res = MMDB_lookup_sockaddr(&g->db[i].mm, sa, &mmerr);

		if (mmerr != MMDB_SUCCESS || !res.found_entry)
			continue;
		if (r->country[0] == '\0' && get_country(&res.entry, r->country) == 0)
			r->country_src = g->db[i].name;
		if (r->asn == 0 && get_asn(&res.entry, &r->asn, r->as_name,
		    sizeof(r->as_name)) == 0)
			r->asn_src = g->db[i].name;
	}
}

const char *
geo_default_mmdb(char *buf, size_t len)
{
	static const char *const rel[] = { "/../" GEO_DEFAULT_REL, "/../../" GEO_DEFAULT_REL,
	    "/../share/dmarcscope/dbip-country.mmdb", NULL };
	const char *env = getenv("DMARCSCOPE_GEO_MMDB");
	char exe[PATH_MAX], *slash;
	ssize_t n;

	if (env != NULL && *env != '\0') {
		snprintf(buf, len, "%s", env);
		return buf;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			for (int i = 0; rel[i] != NULL; i++) {
				snprintf(buf, len, "%s%s", exe, rel[i]);
				if (access(buf, R_OK) == 0)
					return buf;
			}
		}
	}
	if (access(GEO_DEFAULT_REL, R_OK) == 0) {
		snprintf(buf, len, "%s", GEO_DEFAULT_REL);
		return buf;
	}
	return NULL;
}
