/*
 * services.c - the known-service map (see services.h): a CSV reader for
 * parsedmarc's base_reverse_dns_map.csv format plus our "forwards" column
 * and AS keys, two open-addressing hash tables (domains, AS numbers), and
 * the lookups by domain, reverse-DNS name and AS number.
 *
 * CSV: RFC 4180 quoting (a quoted field may hold commas, doubled quotes and
 * line breaks), LF or CRLF, a UTF-8 BOM, '#' comment lines and blank lines.
 * The first record may be a header naming the columns (base_reverse_dns,
 * name, type, forwards; unknown columns are ignored); without one the
 * columns are key,name[,type[,forwards]].  A record is at most
 * SVC_LINE_MAX bytes and a map at most SVC_MAX_ENTRIES keys.  The first bad
 * record stops the load with "path:line: reason"; entries read before it
 * stay in the map.
 *
 * Exports (see services.h): services_new, services_free, services_load,
 * services_load_default, services_by_domain, services_by_host,
 * services_by_asn, services_count, service_type_name, service_type_parse.
 */
#include "services.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "align.h"
#include "../util/log.h"

#ifndef DS_DATADIR
#define DS_DATADIR "data"
#endif

#define SVC_LINE_MAX 4096
#define SVC_MAX_ENTRIES 1000000
#define SVC_MAX_FIELDS 32
#define SVC_KEY_MAX 253

/* One entry: the service and its strings in one allocation. */
typedef struct svc_ent {
	service s;
	uint64_t hash;
	struct svc_ent *retired;	/* chain of replaced entries (freed last) */
} svc_ent;

typedef struct svc_table {
	svc_ent **slot;
	size_t cap;		/* 0 or a power of two */
	size_t n;
} svc_table;

struct services {
	svc_table dom, asn;
	svc_ent *retired;
};

/* ---- hash table ----------------------------------------------------------- */

static uint64_t
hash_key(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a */

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h ^ (h >> 29);
}

static svc_ent *
table_get(const svc_table *t, const char *key)
{
	uint64_t h;
	size_t i;

	if (t->cap == 0)
		return NULL;
	h = hash_key(key);
	for (i = (size_t)h & (t->cap - 1); t->slot[i] != NULL; i = (i + 1) & (t->cap - 1))
		if (t->slot[i]->hash == h && strcmp(t->slot[i]->s.key, key) == 0)
			return t->slot[i];
	return NULL;
}

static void
table_grow(svc_table *t)
{
	size_t ncap = t->cap ? t->cap * 2 : 256, i, j;
	svc_ent **ns = xcalloc(ncap, sizeof(*ns));

	for (i = 0; i < t->cap; i++) {
		if (t->slot[i] == NULL)
			continue;
		for (j = (size_t)t->slot[i]->hash & (ncap - 1); ns[j] != NULL;
		    j = (j + 1) & (ncap - 1))
			;
		ns[j] = t->slot[i];
	}
	free(t->slot);
	t->slot = ns;
	t->cap = ncap;
}

/* Insert e, replacing an entry with the same key (returned, else NULL). */
static svc_ent *
table_put(svc_table *t, svc_ent *e)
{
	svc_ent *old;
	size_t i;

	if ((t->n + 1) * 10 > t->cap * 7)
		table_grow(t);
	for (i = (size_t)e->hash & (t->cap - 1); t->slot[i] != NULL; i = (i + 1) & (t->cap - 1)) {
		if (t->slot[i]->hash == e->hash && strcmp(t->slot[i]->s.key, e->s.key) == 0) {
			old = t->slot[i];
			t->slot[i] = e;
			return old;
		}
	}
	t->slot[i] = e;
	t->n++;
	return NULL;
}

static void
table_free(svc_table *t)
{
	size_t i;

	for (i = 0; i < t->cap; i++)
		free(t->slot[i]);
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

services *
services_new(void)
{
	return xcalloc(1, sizeof(services));
}

void
services_free(services *m)
{
	svc_ent *e, *next;

	if (m == NULL)
		return;
	table_free(&m->dom);
	table_free(&m->asn);
	for (e = m->retired; e != NULL; e = next) {
		next = e->retired;
		free(e);
	}
	free(m);
}

size_t
services_count(const services *m)
{
	return m != NULL ? m->dom.n + m->asn.n : 0;
}

void
services_each(const services *m, int (*fn)(void *, const service *), void *ctx)
{
	const svc_table *t[2] = { &m->dom, &m->asn };

	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < t[k]->cap; i++)
			if (t[k]->slot[i] != NULL && fn(ctx, &t[k]->slot[i]->s) != 0)
				return;
}

/* ---- types ------------------------------------------------------------------ */

static const char *const type_names[SVC__COUNT] = {
	"unknown", "email_provider", "marketing", "transactional", "crm",
	"forwarder", "mailing_list", "security", "hosting", "isp", "other"
};

/* Other spellings, parsedmarc's among them, after folding (lower case,
 * spaces and hyphens as '_'). */
static const struct {
	const char *s;
	service_type t;
} type_aliases[] = {
	{ "email_provider", SVC_EMAIL_PROVIDER }, { "mailbox_provider", SVC_EMAIL_PROVIDER },
	{ "email", SVC_EMAIL_PROVIDER }, { "webmail", SVC_EMAIL_PROVIDER },
	{ "email_hosting", SVC_EMAIL_PROVIDER },
	{ "marketing", SVC_MARKETING }, { "email_marketing", SVC_MARKETING },
	{ "esp", SVC_TRANSACTIONAL }, { "transactional", SVC_TRANSACTIONAL },
	{ "transactional_email", SVC_TRANSACTIONAL }, { "email_service_provider", SVC_TRANSACTIONAL },
	{ "crm", SVC_CRM }, { "saas", SVC_CRM },
	{ "forwarder", SVC_FORWARDER }, { "forwarding", SVC_FORWARDER },
	{ "email_forwarding", SVC_FORWARDER }, { "email_forwarder", SVC_FORWARDER },
	{ "mailing_list", SVC_MAILING_LIST }, { "mailing_lists", SVC_MAILING_LIST },
	{ "list_server", SVC_MAILING_LIST }, { "listserv", SVC_MAILING_LIST },
	{ "security", SVC_SECURITY }, { "email_security", SVC_SECURITY },
	{ "email_gateway", SVC_SECURITY }, { "gateway", SVC_SECURITY },
	{ "hosting", SVC_HOSTING }, { "web_host", SVC_HOSTING }, { "web_hosting", SVC_HOSTING },
	{ "iaas", SVC_HOSTING }, { "paas", SVC_HOSTING }, { "cloud", SVC_HOSTING },
	{ "isp", SVC_ISP },
	{ "other", SVC_OTHER }, { "unknown", SVC_UNKNOWN },
	{ NULL, SVC_UNKNOWN }
};

const char *
service_type_name(service_type t)
{
	return (unsigned)t < SVC__COUNT ? type_names[t] : "unknown";
}

service_type
service_type_parse(const char *s)
{
	char buf[64];
	size_t n = 0;
	int i;

	if (s == NULL)
		return SVC_UNKNOWN;
	while (isspace((unsigned char)*s))
		s++;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (n + 1 >= sizeof(buf))
			return SVC_OTHER;
		if (c == ' ' || c == '-' || c == '\t')
			c = '_';
		else if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		buf[n++] = (char)c;
	}
	while (n > 0 && buf[n - 1] == '_')
		n--;
	buf[n] = '\0';
	if (n == 0)
		return SVC_UNKNOWN;
	for (i = 0; type_aliases[i].s != NULL; i++)
		if (strcmp(type_aliases[i].s, buf) == 0)
			return type_aliases[i].t;
	return SVC_OTHER;
}

/* ---- adding entries --------------------------------------------------------- */

/* "AS15169" / "as15169" → 15169; -1 when s is not an AS key, -2 when it
 * looks like one but the number is bad. */
static int64_t
as_number(const char *s)
{
	uint64_t v = 0;
	const char *p;

	if ((s[0] != 'a' && s[0] != 'A') || (s[1] != 's' && s[1] != 'S'))
		return -1;
	if (!isdigit((unsigned char)s[2]))
		return -1;
	for (p = s + 2; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p))
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > UINT32_MAX)
			return -2;
	}
	return (int64_t)v;
}

static void
add_entry(services *m, int is_asn, const char *key, const char *name, const char *type,
    int forwards)
{
	size_t kl = strlen(key), nl = strlen(name), tl = strlen(type);
	svc_ent *e = xmalloc(sizeof(*e) + kl + nl + tl + 3), *old;
	char *p = (char *)(e + 1);

	memcpy(p, key, kl + 1);
	e->s.key = p;
	p += kl + 1;
	memcpy(p, name, nl + 1);
	e->s.name = p;
	p += nl + 1;
	memcpy(p, type, tl + 1);
	e->s.type_raw = p;
	e->s.type = service_type_parse(type);
	e->s.forwards = forwards;
	e->hash = hash_key(e->s.key);
	e->retired = NULL;
	/* A replaced entry stays allocated: callers may still hold it. */
	if ((old = table_put(is_asn ? &m->asn : &m->dom, e)) != NULL) {
		old->retired = m->retired;
		m->retired = old;
	}
}

/* ---- CSV reading ------------------------------------------------------------ */

enum { COL_KEY, COL_NAME, COL_TYPE, COL_FWD, COL__N };

typedef struct csv {
	services *m;
	const char *path;
	char *err;
	size_t errlen;
	/* the current record: fields NUL-separated in buf */
	char buf[SVC_LINE_MAX + SVC_MAX_FIELDS + 1];
	size_t len;		/* bytes used in buf */
	size_t raw;		/* raw bytes of the record so far (the cap) */
	size_t fstart[SVC_MAX_FIELDS];
	int fquoted[SVC_MAX_FIELDS];
	int nf;
	unsigned long line;	/* the current physical line */
	unsigned long rline;	/* the line where the record started */
	int records;		/* records seen (the first may be a header) */
	int col[COL__N];	/* field index of each column, -1 when absent */
	int ncols;		/* fields in the header, 0 without one */
} csv;

static int
csv_fail(csv *c, unsigned long line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->err != NULL && c->errlen > 0)
		snprintf(c->err, c->errlen, "%s:%lu: %s", c->path, line, msg);
	return -1;
}

static const char *
field(const csv *c, int col)
{
	int i = c->col[col];

	return (i >= 0 && i < c->nf) ? c->buf + c->fstart[i] : "";
}

static int
parse_bool(const char *s)
{
	static const char *const yes[] = { "yes", "y", "true", "1", NULL };
	static const char *const no[] = { "no", "n", "false", "0", "", NULL };
	int i;

	for (i = 0; yes[i] != NULL; i++)
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
	for (i = 0; no[i] != NULL; i++)
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	return -1;
}

/* Trim unquoted fields on the right (leading blanks were never stored). */
static void
trim_fields(csv *c)
{
	int i;

	for (i = 0; i < c->nf; i++) {
		char *s = c->buf + c->fstart[i];
		size_t n = strlen(s);

		if (c->fquoted[i])
			continue;
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			s[--n] = '\0';
	}
}

static int
header_record(csv *c)
{
	int i;

	for (i = 0; i < COL__N; i++)
		c->col[i] = -1;
	for (i = 0; i < c->nf; i++) {
		const char *h = c->buf + c->fstart[i];

		if (strcasecmp(h, "base_reverse_dns") == 0)
			c->col[COL_KEY] = i;
		else if (strcasecmp(h, "name") == 0)
			c->col[COL_NAME] = i;
		else if (strcasecmp(h, "type") == 0)
			c->col[COL_TYPE] = i;
		else if (strcasecmp(h, "forwards") == 0)
			c->col[COL_FWD] = i;
	}
	if (c->col[COL_KEY] < 0 || c->col[COL_NAME] < 0)
		return csv_fail(c, c->rline, "header has no \"name\" column");
	c->ncols = c->nf;
	return 0;
}

/* One complete record.  Returns 0, or -1 with the error set. */
static int
end_record(csv *c)
{
	char key[SVC_KEY_MAX + 1];
	const char *k, *name, *fwd;
	size_t kl, i;
	int64_t asn;
	int forwards;

	trim_fields(c);
	if (c->nf == 1 && c->buf[c->fstart[0]] == '\0' && !c->fquoted[0])
		return 0;	/* blank line */
	if (c->records++ == 0 && strcasecmp(c->buf + c->fstart[0], "base_reverse_dns") == 0)
		return header_record(c);
	if (c->ncols == 0 && c->nf > COL__N)
		return csv_fail(c, c->rline, "%d fields, at most %d expected (key,name,type,forwards);"
		    " quote a name that contains a comma", c->nf, COL__N);
	if (c->nf < 2 && c->ncols == 0)
		return csv_fail(c, c->rline, "expected key,name[,type[,forwards]]");

	k = field(c, COL_KEY);
	kl = strlen(k);
	if (kl > 0 && k[kl - 1] == '.')
		kl--;
	if (kl == 0)
		return csv_fail(c, c->rline, "empty key");
	if (kl > SVC_KEY_MAX)
		return csv_fail(c, c->rline, "key longer than %d bytes", SVC_KEY_MAX);
	for (i = 0; i < kl; i++) {
		unsigned char ch = (unsigned char)k[i];

		if (ch <= ' ' || ch == 0x7f || ch == ',' || ch == '"' || ch == '@' || ch == '/')
			return csv_fail(c, c->rline, "bad character in key \"%.*s\"", (int)kl, k);
		key[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : (char)ch;
	}
	key[kl] = '\0';
	if (key[0] == '.' || strstr(key, "..") != NULL)
		return csv_fail(c, c->rline, "empty label in key \"%s\"", key);

	name = field(c, COL_NAME);
	if (*name == '\0')
		return csv_fail(c, c->rline, "empty name for key \"%s\"", key);
	fwd = field(c, COL_FWD);
	if ((forwards = parse_bool(fwd)) < 0)
		return csv_fail(c, c->rline, "forwards must be yes or no, not \"%.40s\"", fwd);

	if ((asn = as_number(key)) == -2)
		return csv_fail(c, c->rline, "AS number out of range in \"%s\"", key);
	if (asn >= 0) {
		char ak[16];

		snprintf(ak, sizeof(ak), "AS%" PRId64, asn);
		if (table_get(&c->m->asn, ak) == NULL &&
		    services_count(c->m) >= SVC_MAX_ENTRIES)
			return csv_fail(c, c->rline, "more than %d entries", SVC_MAX_ENTRIES);
		add_entry(c->m, 1, ak, name, field(c, COL_TYPE), forwards);
	} else {
		if (table_get(&c->m->dom, key) == NULL &&
		    services_count(c->m) >= SVC_MAX_ENTRIES)
			return csv_fail(c, c->rline, "more than %d entries", SVC_MAX_ENTRIES);
		add_entry(c->m, 0, key, name, field(c, COL_TYPE), forwards);
	}
	return 0;
}

static void
record_reset(csv *c)
{
	c->len = 0;
	c->raw = 0;
	c->nf = 1;
	c->fstart[0] = 0;
	c->fquoted[0] = 0;
	c->rline = c->line;
}

/* The line cap (checked before each byte) keeps this in bounds; the test
 * is only a guard. */
static void
put_char(csv *c, char ch)
{
	if (c->len < sizeof(c->buf) - 1)
		c->buf[c->len++] = ch;
}

static int
new_field(csv *c)
{
	if (c->nf >= SVC_MAX_FIELDS)
		return csv_fail(c, c->rline, "more than %d fields", SVC_MAX_FIELDS);
	put_char(c, '\0');
	c->fstart[c->nf] = c->len;
	c->fquoted[c->nf++] = 0;
	return 0;
}

enum { ST_FIELD, ST_UNQUOTED, ST_QUOTED, ST_QUOTE, ST_AFTER, ST_COMMENT };

static int
csv_read(csv *c, FILE *fp)
{
	unsigned char chunk[65536];
	size_t n, i;
	int st = ST_FIELD, first = 1;

	c->line = 1;
	record_reset(c);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		i = 0;
		if (first) {
			first = 0;
			if (n >= 3 && memcmp(chunk, "\xef\xbb\xbf", 3) == 0)
				i = 3;
		}
		for (; i < n; i++) {
			int ch = chunk[i];

			if (ch == '\0')
				return csv_fail(c, c->line, "NUL byte");
			/* Every byte of a record counts, except the line ends
			 * between records. */
			if (st != ST_COMMENT &&
			    (st == ST_QUOTED || st == ST_QUOTE || (ch != '\n' && ch != '\r')) &&
			    ++c->raw > SVC_LINE_MAX)
				return csv_fail(c, c->rline, "line longer than %d bytes",
				    SVC_LINE_MAX);
			switch (st) {
			case ST_COMMENT:
				if (ch == '\n') {
					c->line++;
					record_reset(c);
					st = ST_FIELD;
				}
				continue;
			case ST_QUOTED:
				if (ch == '"')
					st = ST_QUOTE;
				else {
					if (ch == '\n')
						c->line++;
					put_char(c, (char)ch);
				}
				continue;
			case ST_QUOTE:
				if (ch == '"') {
					put_char(c, '"');
					st = ST_QUOTED;
					continue;
				}
				st = ST_AFTER;
				break;
			default:
				break;
			}
			/* ST_FIELD, ST_UNQUOTED, ST_AFTER */
			if (ch == '\r')
				continue;
			if (ch == '\n') {
				c->line++;
				put_char(c, '\0');
				if (end_record(c) < 0)
					return -1;
				record_reset(c);
				st = ST_FIELD;
				continue;
			}
			if (ch == ',') {
				if (new_field(c) < 0)
					return -1;
				st = ST_FIELD;
				continue;
			}
			if (st == ST_AFTER) {
				if (ch != ' ' && ch != '\t')
					return csv_fail(c, c->rline,
					    "text after a closing quote in field %d", c->nf);
				continue;
			}
			if (st == ST_FIELD) {
				if (ch == ' ' || ch == '\t')
					continue;
				if (ch == '#' && c->nf == 1) {
					st = ST_COMMENT;
					continue;
				}
				if (ch == '"') {
					c->fquoted[c->nf - 1] = 1;
					st = ST_QUOTED;
					continue;
				}
				st = ST_UNQUOTED;
			}
			if (ch == '"')
				return csv_fail(c, c->rline, "quote inside an unquoted field %d",
				    c->nf);
			put_char(c, (char)ch);
		}
	}
	if (ferror(fp))
		return csv_fail(c, c->line, "read error: %s", strerror(errno));
	if (st == ST_QUOTED)
		return csv_fail(c, c->rline, "unterminated quoted field");
	if (st != ST_COMMENT && (c->len > 0 || c->nf > 1 || c->fquoted[0])) {
		put_char(c, '\0');
		return end_record(c);
	}
	return 0;
}

int
services_load(services *m, const char *path, char *err, size_t errlen)
{
	csv *c;
	FILE *fp;
	int rc, i;

	if (err != NULL && errlen > 0)
		*err = '\0';
	if (m == NULL || path == NULL)
		return -1;
	if ((fp = fopen(path, "rb")) == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	c = xcalloc(1, sizeof(*c));
	c->m = m;
	c->path = path;
	c->err = err;
	c->errlen = errlen;
	for (i = 0; i < COL__N; i++)
		c->col[i] = i;
	rc = csv_read(c, fp);
	fclose(fp);
	free(c);
	return rc;
}

/* ---- the default file ----------------------------------------------------- */

int
services_load_default(services *m, char *err, size_t errlen)
{
	char exe[PATH_MAX], cand[PATH_MAX + 64], *slash;
	const char *env = getenv("DMARCSCOPE_SERVICES");
	static const char *const rel[] = { "/../data/services.csv",
	    "/../share/dmarcscope/services.csv", NULL };
	ssize_t n;
	int i;

	if (env != NULL && *env != '\0')
		return services_load(m, env, err, errlen);
	if (access(DS_DATADIR "/services.csv", R_OK) == 0)
		return services_load(m, DS_DATADIR "/services.csv", err, errlen);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			for (i = 0; rel[i] != NULL; i++) {
				snprintf(cand, sizeof(cand), "%s%s", exe, rel[i]);
				if (access(cand, R_OK) == 0)
					return services_load(m, cand, err, errlen);
			}
		}
	}
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "no services.csv found (set DMARCSCOPE_SERVICES, or "
		    "install %s/services.csv)", DS_DATADIR);
	return -1;
}

/* ---- lookups ---------------------------------------------------------------- */

/* Lower-case name into buf without one trailing dot; 0 when unusable. */
static int
norm_key(const char *s, char *buf, size_t buflen)
{
	size_t n, i;

	if (s == NULL)
		return 0;
	n = strlen(s);
	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0 || n >= buflen)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		buf[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : (char)ch;
	}
	buf[n] = '\0';
	return 1;
}

const service *
services_by_domain(const services *m, const char *domain)
{
	char key[ALIGN_DOMAIN_MAX], org[ALIGN_DOMAIN_MAX];
	const svc_ent *e;

	if (m == NULL || !norm_key(domain, key, sizeof(key)))
		return NULL;
	if ((e = table_get(&m->dom, key)) != NULL)
		return &e->s;
	if (align_org_domain(key, org, sizeof(org)) == 0 && strcmp(org, key) != 0 &&
	    (e = table_get(&m->dom, org)) != NULL)
		return &e->s;
	return NULL;
}

const service *
services_by_host(const services *m, const char *ptr_name)
{
	char key[ALIGN_DOMAIN_MAX], org[ALIGN_DOMAIN_MAX];
	const svc_ent *e;
	const char *p;

	if (m == NULL || !norm_key(ptr_name, key, sizeof(key)))
		return NULL;
	if (align_org_domain(key, org, sizeof(org)) == 0 &&
	    (e = table_get(&m->dom, org)) != NULL)
		return &e->s;
	/* The name itself, then each parent that still has two labels. */
	for (p = key; p != NULL && strchr(p, '.') != NULL; ) {
		if ((e = table_get(&m->dom, p)) != NULL)
			return &e->s;
		p = strchr(p, '.');
		if (p != NULL)
			p++;
	}
	return NULL;
}

const service *
services_by_asn(const services *m, uint32_t asn)
{
	char key[16];
	const svc_ent *e;

	if (m == NULL)
		return NULL;
	snprintf(key, sizeof(key), "AS%" PRIu32, asn);
	e = table_get(&m->asn, key);
	return e != NULL ? &e->s : NULL;
}
