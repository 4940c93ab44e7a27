/*
 * agg_core.c - the event core of the aggregate parser (see agg_parse.h and
 * agg_core.h).  It knows the report schema; it knows nothing about bytes.
 *
 * Elements are matched by local name within their parent, so namespaces and
 * prefixes do not matter and any child order is accepted.  Unknown elements
 * (and their subtrees) are skipped and counted once per name in warnings.
 * Text is collected only inside leaves we keep, and is capped per element.
 */
#include "agg_core.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../util/domain.h"
#include "../util/log.h"
#include "../util/utf8fix.h"

enum el {
	E_UNKNOWN = 0, E_FEEDBACK, E_VERSION, E_METADATA, E_ORG_NAME, E_EMAIL,
	E_EXTRA, E_REPORT_ID, E_DATE_RANGE, E_BEGIN, E_END, E_ERROR, E_GENERATOR,
	E_POLICY, E_DOMAIN, E_ADKIM, E_ASPF, E_P, E_SP, E_NP, E_PCT, E_FO,
	E_TESTING, E_DISCOVERY, E_EXTENSION, E_RECORD, E_ROW, E_SOURCE_IP,
	E_COUNT, E_EVALUATED, E_DISPOSITION, E_EV_DKIM, E_EV_SPF, E_REASON,
	E_TYPE, E_COMMENT, E_IDENTIFIERS, E_HEADER_FROM, E_ENVELOPE_FROM,
	E_ENVELOPE_TO, E_AUTH, E_DKIM, E_SPF, E_A_DOMAIN, E_SELECTOR, E_RESULT,
	E_HUMAN, E_SCOPE, E_R_EXTENSION, E_EXTENSIONS, E_DEXT, E__COUNT
};

/* Valid children: (parent, local name) -> element, grouped by parent
 * (child_of stops at the end of the parent's group). */
static const struct child { int parent; const char *name; int el; } children[] = {
	{ E_FEEDBACK, "version", E_VERSION },
	{ E_FEEDBACK, "report_metadata", E_METADATA },
	{ E_FEEDBACK, "policy_published", E_POLICY },
	{ E_FEEDBACK, "record", E_RECORD },
	{ E_FEEDBACK, "extension", E_EXTENSION },
	{ E_FEEDBACK, "extensions", E_EXTENSIONS },	/* draft style */
	{ E_METADATA, "org_name", E_ORG_NAME },
	{ E_METADATA, "email", E_EMAIL },
	{ E_METADATA, "extra_contact_info", E_EXTRA },
	{ E_METADATA, "report_id", E_REPORT_ID },
	{ E_METADATA, "date_range", E_DATE_RANGE },
	{ E_METADATA, "error", E_ERROR },
	{ E_METADATA, "generator", E_GENERATOR },
	{ E_DATE_RANGE, "begin", E_BEGIN },
	{ E_DATE_RANGE, "end", E_END },
	{ E_POLICY, "domain", E_DOMAIN },
	{ E_POLICY, "adkim", E_ADKIM },
	{ E_POLICY, "aspf", E_ASPF },
	{ E_POLICY, "p", E_P },
	{ E_POLICY, "sp", E_SP },
	{ E_POLICY, "np", E_NP },
	{ E_POLICY, "pct", E_PCT },
	{ E_POLICY, "fo", E_FO },
	{ E_POLICY, "testing", E_TESTING },
	{ E_POLICY, "discovery_method", E_DISCOVERY },
	{ E_RECORD, "row", E_ROW },
	{ E_RECORD, "identifiers", E_IDENTIFIERS },
	{ E_RECORD, "identities", E_IDENTIFIERS },
	{ E_RECORD, "auth_results", E_AUTH },
	{ E_ROW, "source_ip", E_SOURCE_IP },
	{ E_ROW, "count", E_COUNT },
	{ E_ROW, "policy_evaluated", E_EVALUATED },
	{ E_EVALUATED, "disposition", E_DISPOSITION },
	{ E_EVALUATED, "dkim", E_EV_DKIM },
	{ E_EVALUATED, "spf", E_EV_SPF },
	{ E_EVALUATED, "reason", E_REASON },
	{ E_REASON, "type", E_TYPE },
	{ E_REASON, "comment", E_COMMENT },
	{ E_IDENTIFIERS, "header_from", E_HEADER_FROM },
	{ E_IDENTIFIERS, "envelope_from", E_ENVELOPE_FROM },
	{ E_IDENTIFIERS, "envelope_to", E_ENVELOPE_TO },
	{ E_AUTH, "dkim", E_DKIM },
	{ E_AUTH, "spf", E_SPF },
	{ E_DKIM, "domain", E_A_DOMAIN },
	{ E_DKIM, "selector", E_SELECTOR },
	{ E_DKIM, "result", E_RESULT },
	{ E_DKIM, "human_result", E_HUMAN },
	{ E_SPF, "domain", E_A_DOMAIN },
	{ E_SPF, "scope", E_SCOPE },
	{ E_SPF, "result", E_RESULT },
	{ E_SPF, "human_result", E_HUMAN },
	{ E_EXTENSIONS, "extension", E_DEXT },
	{ 0, NULL, 0 }
};

/* first_child[parent]: index of the parent's group in children[] + 1, or 0
 * (a parent without children).  Built once; the table is constant. */
static unsigned char first_child[E__COUNT];
static pthread_once_t first_once = PTHREAD_ONCE_INIT;

static void
first_init(void)
{
	for (size_t i = sizeof(children) / sizeof(children[0]); i-- > 0; )
		if (children[i].name != NULL)
			first_child[children[i].parent] = (unsigned char)(i + 1);
}

static int
child_of(int parent, const char *name)
{
	const struct child *c;

	pthread_once(&first_once, first_init);
	if (parent <= 0 || parent >= E__COUNT || first_child[parent] == 0)
		return E_UNKNOWN;
	for (c = &children[first_child[parent] - 1]; c->name != NULL && c->parent == parent; c++)
		if (c->name[0] == name[0] && strcmp(c->name, name) == 0)
			return c->el;
	return E_UNKNOWN;
}

static int
is_leaf(int el)
{
	switch (el) {
	case E_FEEDBACK: case E_METADATA: case E_DATE_RANGE: case E_POLICY:
	case E_EXTENSION: case E_RECORD: case E_ROW: case E_EVALUATED:
	case E_REASON: case E_IDENTIFIERS: case E_AUTH: case E_DKIM: case E_SPF:
	case E_UNKNOWN: case E_R_EXTENSION: case E_EXTENSIONS: case E_DEXT:
		return 0;
	default:
		return 1;
	}
}

void
agg_core_fail(agg_parser *p, int code, const char *fmt, ...)
{
	va_list ap;

	if (p->stop != 0)
		return;
	p->stop = code;
	va_start(ap, fmt);
	vsnprintf(p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
}

static const char *
local_name(const char *name)
{
	const char *c = strrchr(name, ':');

	return c != NULL ? c + 1 : name;
}

/* Printable, truncated copy of untrusted text for a note. */
static const char *
shown(const char *s, char *buf, size_t len)
{
	size_t i = 0;

	if (s == NULL)
		return "";
	for (; *s && i + 4 < len; s++)
		buf[i++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s;
	if (*s) {
		i = utf8_clip(buf, i);
		buf[i++] = '.', buf[i++] = '.', buf[i++] = '.';
	}
	buf[i] = '\0';
	return buf;
}

static char *
trimmed_dup(const char *s, size_t n)
{
	while (n > 0 && isspace((unsigned char)*s))
		s++, n--;
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	return xstrndup(s, n);
}

static const char *
rec_str(agg_parser *p, const char *s, size_t n)
{
	const char *r;

	while (n > 0 && isspace((unsigned char)*s))
		s++, n--;
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	r = arena_strndup(&p->rec_arena, s, n);
	if (r == NULL && !p->rec_bad) {
		p->rec_bad = 1;
		snprintf(p->rec_problem, sizeof(p->rec_problem), "record text over %zu bytes",
		    p->rec_arena.max);
	}
	return r;
}

static void
set_str(char **dst, const char *s, size_t n)
{
	free(*dst);
	*dst = trimmed_dup(s, n);
}

/* Integer with the SPEC §6.6 repairs: fractional seconds, ms epochs. */
static int
parse_time(agg_parser *p, const char *what, const char *s, int64_t *out)
{
	char *end;
	long long v;

	while (isspace((unsigned char)*s))
		s++;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || errno != 0) {
		char b[64];

		dm_report_error(&p->rep, "date_range/%s is not a number: '%s'", what,
		    shown(s, b, sizeof(b)));
		return -1;
	}
	if (*end == '.') {
		dm_report_warn(&p->rep, "date_range/%s has a fractional part (truncated)", what);
		end++;
		while (isdigit((unsigned char)*end))
			end++;
	}
	while (isspace((unsigned char)*end))
		end++;
	if (*end != '\0') {
		dm_report_warn(&p->rep, "date_range/%s has trailing text (ignored)", what);
	}
	if (v > 100000000000LL) {
		dm_report_warn(&p->rep, "date_range/%s looks like milliseconds (divided by 1000)",
		    what);
		v /= 1000;
	}
	if (v < 0) {
		dm_report_error(&p->rep, "date_range/%s is negative (%lld)", what, v);
	}
	*out = v;
	return 0;
}

/* Can the header go out: the policy domain and the report's identity known? */
static int
header_ready(const agg_parser *p)
{
	const dm_report *r = &p->rep;

	return r->policy.domain != NULL && r->policy.domain[0] != '\0' &&
	    ((r->report_id != NULL && r->report_id[0] != '\0') ||
	    (r->org_name != NULL && r->org_name[0] != '\0'));
}

/*
 * Dates outside 1990-2100 are not believable: each is warned about.  One
 * that cannot be true at all (before 1970, or from 2100 on: a negative or
 * absurd number) is also replaced, by the other end of the range when that
 * one is possible, else by the nearest bound, and the warning keeps what was
 * sent; so no absurd date reaches the store, the daily series or a summary.
 * A range longer than 31 days is kept as sent, with a warning (the analysis
 * spreads at most ANALYSIS_MAX_SPREAD_DAYS).
 */
#define DATE_MIN ((int64_t)631152000)	/* 1990-01-01T00:00:00Z */
#define DATE_MAX ((int64_t)4102444800)	/* 2100-01-01T00:00:00Z */

static int
date_ok(int64_t t)
{
	return t >= DATE_MIN && t < DATE_MAX;
}

static int
date_possible(int64_t t)
{
	return t >= 0 && t < DATE_MAX;
}

static void
check_dates(dm_report *r)
{
	int64_t b = r->begin, e = r->end;

	if (!date_possible(b))
		r->begin = date_possible(e) ? e : b < 0 ? 0 : DATE_MAX - 1;
	if (!date_possible(e))
		r->end = date_possible(b) ? b : e < 0 ? 0 : DATE_MAX - 1;
	if (!date_ok(b) && r->begin != b)
		dm_report_warn(r, "date_range/begin %" PRId64 " is outside 1990-2100 (read as %"
		    PRId64 ")", b, r->begin);
	else if (!date_ok(b))
		dm_report_warn(r, "date_range/begin %" PRId64 " is outside 1990-2100", b);
	if (!date_ok(e) && r->end != e)
		dm_report_warn(r, "date_range/end %" PRId64 " is outside 1990-2100 (read as %"
		    PRId64 ")", e, r->end);
	else if (!date_ok(e))
		dm_report_warn(r, "date_range/end %" PRId64 " is outside 1990-2100", e);
	if (r->end - r->begin > (int64_t)31 * 86400)
		dm_report_warn(r, "date_range spans %" PRId64 " days, more than 31",
		    (r->end - r->begin) / 86400);
}

static void
send_header(agg_parser *p)
{
	dm_report *r = &p->rep;
	int rc;

	if (p->header_sent || p->stop)
		return;
	p->header_sent = 1;
	if (r->policy.domain == NULL || r->policy.domain[0] == '\0') {
		if (r->policy_count > 0)
			agg_core_fail(p, AGG_ERR_NOT_REPORT, "not an aggregate report: "
			    "<policy_published><domain> is empty");
		else
			agg_core_fail(p, AGG_ERR_NOT_REPORT, "not an aggregate report: "
			    "<policy_published> is missing%s", p->nheld > 0 ?
			    " (not before the records, nor after them)" : "");
		return;
	}
	if (!domain_valid(r->policy.domain)) {
		char b[80];

		/* The same check as the web API's domain parameter: what is
		 * stored can be asked for, and is safe to show. */
		agg_core_fail(p, AGG_ERR_REFUSED, "policy_published/domain '%s' is not a domain "
		    "name", shown(r->policy.domain, b, sizeof(b)));
		return;
	}
	if ((r->report_id == NULL || r->report_id[0] == '\0') &&
	    (r->org_name == NULL || r->org_name[0] == '\0')) {
		agg_core_fail(p, AGG_ERR_NOT_REPORT,
		    "not an aggregate report: neither <report_id> nor <org_name> is present");
		return;
	}
	if (r->report_id == NULL || r->report_id[0] == '\0')
		dm_report_error(r, "report_metadata/report_id is missing or empty");
	if (r->org_name == NULL || r->org_name[0] == '\0')
		dm_report_warn(r, "report_metadata/org_name is empty (the email domain is used)");
	check_dates(r);
	if (r->end < r->begin)
		dm_report_error(r, "date_range end (%" PRId64 ") is before begin (%" PRId64 ")",
		    r->end, r->begin);
	if (r->policy.p == DM_DISP_UNKNOWN)
		dm_report_warn(r, "policy_published/p is missing or invalid");
	if (r->policy.sp == DM_DISP_UNKNOWN && r->policy.raw_sp != NULL) {
		/* An empty or invalid sp reads as p.  An absent sp stays absent
		 * (exported as null, like np): the effective subdomain policy,
		 * p then (RFC 7489 §6.3), is the export's sp_effective. */
		if (r->policy.raw_sp[0] != '\0')
			dm_report_warn(r, "policy_published/sp is invalid (p is used)");
		r->policy.sp = r->policy.p;
	}
	if (r->schema != DM_SCHEMA_RFC9990 && r->version == NULL)
		r->schema = DM_SCHEMA_DRAFT;
	rc = p->h.header != NULL ? p->h.header(p->h.ctx, r) : AGG_CONTINUE;
	if (rc == AGG_STOP)
		agg_core_fail(p, AGG_STOPPED, "stopped by the caller");
	else if (rc != AGG_CONTINUE)
		agg_core_fail(p, AGG_ERR_CALLBACK, "the store refused the report header");
}

static void
record_begin(agg_parser *p)
{
	dm_record *rec = &p->rec;

	/* Records before <policy_published> (or before the report's identity)
	 * are held until it arrives: see hold_record. */
	if (header_ready(p) || p->finished)
		send_header(p);
	arena_reset(&p->rec_arena);
	memset(rec, 0, offsetof(dm_record, reasons));
	rec->nreasons = rec->ndkim = rec->nspf = 0;
	p->rec_bad = 0;
	p->rec_problem[0] = '\0';
	p->have_count = 0;
	p->rec_rows = p->rec_evaluated = 0;
	p->rec_index++;
}

/* ---- records held until <policy_published> arrives ----------------------- */

typedef struct agg_held {
	unsigned char head[offsetof(dm_record, reasons)];	/* the scalar fields */
	dm_reason *reasons;
	dm_dkim *dkim;
	dm_spf *spf;
	int nreasons, ndkim, nspf;
} agg_held;

static void record_emit(agg_parser *p);

/* A copy of a record string in the held arena; 0 when the arena is full. */
static int
held_str(agg_parser *p, const char **s)
{
	char *c;

	if (*s == NULL)
		return 1;
	c = arena_strndup(&p->held_arena, *s, strlen(*s));
	*s = c;
	return c != NULL;
}

static void
hold_record(agg_parser *p)
{
	dm_record *rec = &p->rec;
	agg_held *h;
	int ok = 1;

	if (p->held == NULL)
		arena_init(&p->held_arena, AGG_HELD_BYTES);
	if (p->nheld >= AGG_MAX_HELD) {
		agg_core_fail(p, AGG_ERR_REFUSED, "more than %d records before "
		    "<policy_published> (out of order)", AGG_MAX_HELD);
		return;
	}
	if (p->nheld == p->held_cap) {
		p->held_cap = p->held_cap ? p->held_cap * 2 : 64;
		p->held = xrealloc(p->held, p->held_cap * sizeof(*p->held));
	}
	h = &p->held[p->nheld];
	memset(h, 0, sizeof(*h));
	ok &= held_str(p, &rec->raw_disposition) & held_str(p, &rec->raw_dkim) &
	    held_str(p, &rec->raw_spf) & held_str(p, &rec->header_from) &
	    held_str(p, &rec->envelope_from) & held_str(p, &rec->envelope_to);
	for (int i = 0; i < rec->nreasons; i++)
		ok &= held_str(p, &rec->reasons[i].raw_type) &
		    held_str(p, &rec->reasons[i].comment);
	for (int i = 0; i < rec->ndkim; i++)
		ok &= held_str(p, &rec->dkim_results[i].domain) &
		    held_str(p, &rec->dkim_results[i].selector) &
		    held_str(p, &rec->dkim_results[i].human_result) &
		    held_str(p, &rec->dkim_results[i].raw_result);
	for (int i = 0; i < rec->nspf; i++)
		ok &= held_str(p, &rec->spf_results[i].domain) &
		    held_str(p, &rec->spf_results[i].scope) &
		    held_str(p, &rec->spf_results[i].human_result) &
		    held_str(p, &rec->spf_results[i].raw_result);
	if (!ok) {
		agg_core_fail(p, AGG_ERR_REFUSED, "more than %u bytes of records before "
		    "<policy_published> (out of order)", AGG_HELD_BYTES);
		return;
	}
	memcpy(h->head, rec, sizeof(h->head));
	h->nreasons = rec->nreasons;
	h->ndkim = rec->ndkim;
	h->nspf = rec->nspf;
	if (h->nreasons > 0) {
		h->reasons = xmalloc((size_t)h->nreasons * sizeof(dm_reason));
		memcpy(h->reasons, rec->reasons, (size_t)h->nreasons * sizeof(dm_reason));
	}
	if (h->ndkim > 0) {
		h->dkim = xmalloc((size_t)h->ndkim * sizeof(dm_dkim));
		memcpy(h->dkim, rec->dkim_results, (size_t)h->ndkim * sizeof(dm_dkim));
	}
	if (h->nspf > 0) {
		h->spf = xmalloc((size_t)h->nspf * sizeof(dm_spf));
		memcpy(h->spf, rec->spf_results, (size_t)h->nspf * sizeof(dm_spf));
	}
	p->nheld++;
}

void
agg_core_free_held(agg_parser *p)
{
	for (size_t i = 0; i < p->nheld; i++) {
		free(p->held[i].reasons);
		free(p->held[i].dkim);
		free(p->held[i].spf);
	}
	free(p->held);
	p->held = NULL;
	p->nheld = p->held_cap = 0;
	arena_free(&p->held_arena);
}

/* The header can go out now: send it, then the held records, in order.  The
 * record being parsed (if any) is not disturbed: p->rec is saved around. */
static void
release_held(agg_parser *p)
{
	if (p->header_sent || p->stop || p->nheld == 0 || !header_ready(p))
		return;
	dm_report_warn(&p->rep, "<policy_published> came after %zu record%s (out of order; "
	    "the records were held until it arrived)", p->nheld, p->nheld == 1 ? "" : "s");
	send_header(p);
	for (size_t i = 0; i < p->nheld && !p->stop; i++) {
		agg_held *h = &p->held[i];

		memcpy(&p->rec, h->head, sizeof(h->head));
		p->rec.nreasons = h->nreasons;
		p->rec.ndkim = h->ndkim;
		p->rec.nspf = h->nspf;
		if (h->nreasons > 0)
			memcpy(p->rec.reasons, h->reasons, (size_t)h->nreasons * sizeof(dm_reason));
		if (h->ndkim > 0)
			memcpy(p->rec.dkim_results, h->dkim, (size_t)h->ndkim * sizeof(dm_dkim));
		if (h->nspf > 0)
			memcpy(p->rec.spf_results, h->spf, (size_t)h->nspf * sizeof(dm_spf));
		record_emit(p);
	}
	agg_core_free_held(p);
}

static void
record_end(agg_parser *p)
{
	dm_report *r = &p->rep;
	dm_record *rec = &p->rec;

	if (p->stop)
		return;
	if (!p->rec_bad && rec->source_ip[0] == '\0') {
		p->rec_bad = 1;
		snprintf(p->rec_problem, sizeof(p->rec_problem), "no valid <source_ip>");
	}
	if (!p->rec_bad && !p->have_count) {
		p->rec_bad = 1;
		snprintf(p->rec_problem, sizeof(p->rec_problem), "no valid <count>");
	}
	if (!p->rec_bad && p->rec_rows > 1)
		dm_report_warn(r, "a record has more than one <row> (the later values are used)");
	if (!p->rec_bad && !p->rec_evaluated)
		dm_report_warn(r, "a record has no <policy_evaluated> (disposition and verdicts "
		    "unknown)");
	if (p->rec_bad) {
		r->skipped_records++;
		dm_report_error(r, "record %" PRIu64 " skipped: %s", p->rec_index, p->rec_problem);
		return;
	}
	if (!p->header_sent) {
		hold_record(p);
		return;
	}
	record_emit(p);
}

/* A complete, valid record (p->rec) goes to the handler. */
static void
record_emit(agg_parser *p)
{
	dm_report *r = &p->rep;
	dm_record *rec = &p->rec;
	int rc;

	if (r->records >= p->lim.max_records) {
		agg_core_fail(p, AGG_ERR_REFUSED, "more than %" PRIu64 " records in one report",
		    p->lim.max_records);
		return;
	}
	if (rec->header_from == NULL)
		dm_report_warn(r, "a record has no <header_from>");
	r->records++;
	r->messages += rec->count;
	rc = p->h.record != NULL ? p->h.record(p->h.ctx, r, rec) : AGG_CONTINUE;
	if (rc == AGG_STOP)
		agg_core_fail(p, AGG_STOPPED, "stopped by the caller");
	else if (rc != AGG_CONTINUE)
		agg_core_fail(p, AGG_ERR_CALLBACK, "the store refused a record");
}

static void
push(agg_parser *p, const char *name, int el)
{
	size_t n = strnlen(name, sizeof(p->names[0]) - 1);

	/* truncated as snprintf("%s") did, without the formatter (once per element) */
	memcpy(p->names[p->depth], name, n);
	p->names[p->depth][n] = '\0';
	p->stack[p->depth++] = el;
}

static int
parent_el(const agg_parser *p)
{
	return p->depth > 0 ? p->stack[p->depth - 1] : 0;
}

static void
note_unknown(agg_parser *p, const char *parent, const char *name)
{
	char b[64];

	dm_report_warn(&p->rep, "unknown element <%s> in <%s> ignored", shown(name, b, sizeof(b)),
	    parent);
}

static const char *
el_name(int el)
{
	for (const struct child *c = children; c->name != NULL; c++)
		if (c->el == el)
			return c->name;
	return el == E_FEEDBACK ? "feedback" : "?";
}

/* Append one item to the report's comma-separated extensions, once. */
static void
add_extension(agg_parser *p, const char *item)
{
	dbuf d;

	if (p->rep.extensions != NULL && strstr(p->rep.extensions, item) != NULL)
		return;
	if (p->rep.extensions != NULL && strlen(p->rep.extensions) > 4000) {
		dm_report_warn(&p->rep, "too many extensions: '%s' not kept", item);
		return;
	}
	dbuf_init(&d, 8192);
	if (p->rep.extensions != NULL)
		dbuf_printf(&d, "%s,", p->rep.extensions);
	dbuf_addstr(&d, item);
	free(p->rep.extensions);
	p->rep.extensions = dbuf_steal(&d, NULL);
	dbuf_free(&d);
}

void
agg_core_start(agg_parser *p, const char *qname, const char **attrs)
{
	const char *name = local_name(qname);
	int parent = parent_el(p), el = E_UNKNOWN;

	if (p->stop)
		return;
	if (p->depth >= p->lim.max_depth || p->depth >= AGG_MAX_STACK) {
		agg_core_fail(p, AGG_ERR_REFUSED, "XML nested deeper than %d elements",
		    p->lim.max_depth);
		return;
	}
	if (p->skip_depth > 0) {
		p->skip_depth++;
		push(p, name, E_UNKNOWN);
		return;
	}
	if (p->depth == 0) {
		if (strcmp(name, "feedback") == 0) {
			el = E_FEEDBACK;
			p->seen_root = 1;
			for (int i = 0; attrs != NULL && attrs[i] != NULL; i += 2) {
				const char *an = attrs[i], *av = attrs[i + 1];

				if (strcmp(an, "xmlns") == 0) {
					free(p->rep.xml_namespace);
					p->rep.xml_namespace = xstrdup(av);
				}
			}
			if (p->rep.xml_namespace != NULL &&
			    (strcmp(p->rep.xml_namespace, "urn:ietf:params:xml:ns:dmarc-2.0") == 0 ||
			    strcmp(p->rep.xml_namespace, "http://dmarc.org/dmarc-xml/0.2") == 0))
				p->rep.schema = DM_SCHEMA_RFC9990;
			else
				p->rep.schema = DM_SCHEMA_RFC7489;
		} else if (!p->seen_root && strcmp(name, "schema") == 0) {
			/* IKEA's stray <xs:schema> wrapper: look inside it. */
			dm_report_warn(&p->rep, "report wrapped in a stray <%s> element", qname);
			push(p, name, E_UNKNOWN);
			return;
		} else {
			char b[64];

			agg_core_fail(p, AGG_ERR_NOT_REPORT,
			    "not an aggregate report: root element is <%s>, not <feedback>",
			    shown(qname, b, sizeof(b)));
			return;
		}
	} else if (parent == E_UNKNOWN && p->depth == 1 && strcmp(name, "feedback") == 0) {
		el = E_FEEDBACK;	/* inside the stray wrapper */
		p->seen_root = 1;
		p->rep.schema = DM_SCHEMA_RFC7489;
	} else {
		el = child_of(parent, name);
		if (el == E_UNKNOWN && p->mode == AGG_MODE_RECOVER) {
			/* Recovery: an element its parent cannot hold but an ancestor
			 * can means an end tag was lost; close up to that ancestor. */
			for (int i = p->depth - 2; i >= 0; i--)
				if (child_of(p->stack[i], name) != E_UNKNOWN) {
					while (p->depth - 1 > i && !p->stop)
						agg_core_end(p, "");
					parent = parent_el(p);
					el = child_of(parent, name);
					break;
				}
			if (p->stop)
				return;
		}
		if (el == E_UNKNOWN) {
			if (parent == E_RECORD && strchr(qname, ':') != NULL) {
				el = E_R_EXTENSION;	/* RFC 9990 record-level extension */
			} else if (parent == E_FEEDBACK && p->finished) {
				el = E_UNKNOWN;
			} else if (parent != E_EXTENSION && parent != E_R_EXTENSION)
				note_unknown(p, el_name(parent), qname);
			p->skip_depth = 1;
			if (el == E_R_EXTENSION || parent == E_EXTENSION) {
				/* keep the names of extension elements */
				char b[64];

				add_extension(p, shown(qname, b, sizeof(b)));
			}
			push(p, name, el);
			return;
		}
	}
	push(p, name, el);
	dbuf_reset(&p->text);
	p->text_truncated = 0;

	switch (el) {
	case E_POLICY:
		p->rep.policy_count++;
		p->in_first_policy = (p->rep.policy_count == 1);
		if (!p->in_first_policy) {
			dm_report_warn(&p->rep,
			    "more than one <policy_published>: the first is used");
			dm_policy_free(&p->extra_policy);
		}
		break;
	case E_DEXT: {
		/* Draft style: <extensions><extension name="…" definition="…">;
		 * kept as "name=definition", its content is not interpreted. */
		const char *en = NULL, *def = NULL;
		char b[128], b2[300], item[440];

		for (int i = 0; attrs != NULL && attrs[i] != NULL; i += 2) {
			if (strcmp(local_name(attrs[i]), "name") == 0)
				en = attrs[i + 1];
			else if (strcmp(local_name(attrs[i]), "definition") == 0)
				def = attrs[i + 1];
		}
		snprintf(item, sizeof(item), "%s%s%s", en != NULL ? shown(en, b, sizeof(b)) :
		    "extension", def != NULL ? "=" : "", def != NULL ? shown(def, b2, sizeof(b2)) :
		    "");
		add_extension(p, item);
		p->skip_depth = 1;
		break;
	}
	case E_RECORD:
		record_begin(p);
		break;
	case E_ROW:
		p->rec_rows++;
		break;
	case E_EVALUATED:
		p->rec_evaluated = 1;
		break;
	case E_REASON:
		if (p->rec.nreasons < DM_MAX_REASONS) {
			p->cur_reason = &p->rec.reasons[p->rec.nreasons++];
			memset(p->cur_reason, 0, sizeof(*p->cur_reason));
		} else {
			p->cur_reason = NULL;
			dm_report_warn(&p->rep, "more than %d <reason> in a record: extra dropped",
			    DM_MAX_REASONS);
		}
		break;
	case E_DKIM:
		if (p->rec.ndkim < DM_MAX_DKIM) {
			p->cur_dkim = &p->rec.dkim_results[p->rec.ndkim++];
			memset(p->cur_dkim, 0, sizeof(*p->cur_dkim));
		} else {
			p->cur_dkim = NULL;
			dm_report_warn(&p->rep, "more than %d DKIM results in a record: extra dropped",
			    DM_MAX_DKIM);
		}
		break;
	case E_SPF:
		if (p->rec.nspf < DM_MAX_SPF) {
			p->cur_spf = &p->rec.spf_results[p->rec.nspf++];
			memset(p->cur_spf, 0, sizeof(*p->cur_spf));
		} else {
			p->cur_spf = NULL;
			dm_report_warn(&p->rep, "more than %d SPF results in a record: extra dropped",
			    DM_MAX_SPF);
		}
		break;
	case E_FEEDBACK:
		break;
	default:
		break;
	}
}

void
agg_core_text(agg_parser *p, const char *s, size_t n)
{
	if (p->stop || p->skip_depth > 0 || p->depth == 0 || !is_leaf(p->stack[p->depth - 1]))
		return;
	if (p->text.len + n > p->lim.max_text) {
		size_t room = p->lim.max_text - p->text.len;

		if (!p->text_truncated) {
			dm_report_warn(&p->rep, "text of <%s> longer than %zu bytes: truncated",
			    el_name(p->stack[p->depth - 1]), p->lim.max_text);
			p->text_truncated = 1;
		}
		n = utf8_clip(s, room);
	}
	dbuf_add(&p->text, s, n);
}

/* A value read as its canonical form ("Pass", "HardFail", "unknown"...) is
 * noted, once per distinct spelling (repeats collapse in the report). */
static void
note_norm(agg_parser *p, const char *what, const char *raw, const char *canon)
{
	char b[64];

	if (raw != NULL && raw[0] != '\0' && canon != NULL && canon[0] != '\0' &&
	    strcmp(raw, canon) != 0)
		dm_report_warn(&p->rep, "%s '%s' read as '%s'", what, shown(raw, b, sizeof(b)),
		    canon);
}

static void
policy_leaf(agg_parser *p, dm_policy *pol, int el, const char *t, size_t n)
{
	char b[64];
	int first = pol == &p->rep.policy;

	switch (el) {
	case E_DOMAIN:
		set_str(&pol->domain, t, n);
		break;
	case E_ADKIM:
		set_str(&pol->raw_adkim, t, n);
		pol->adkim = dm_align_parse(pol->raw_adkim);
		if (first)
			note_norm(p, "policy_published/adkim", pol->raw_adkim,
			    dm_align_name(pol->adkim));
		break;
	case E_ASPF:
		set_str(&pol->raw_aspf, t, n);
		pol->aspf = dm_align_parse(pol->raw_aspf);
		if (first)
			note_norm(p, "policy_published/aspf", pol->raw_aspf,
			    dm_align_name(pol->aspf));
		break;
	case E_P:
		set_str(&pol->raw_p, t, n);
		pol->p = dm_disp_parse(pol->raw_p);
		if (first)
			note_norm(p, "policy_published/p", pol->raw_p, dm_disp_name(pol->p));
		break;
	case E_SP:
		set_str(&pol->raw_sp, t, n);
		pol->sp = dm_disp_parse(pol->raw_sp);
		if (first)
			note_norm(p, "policy_published/sp", pol->raw_sp, dm_disp_name(pol->sp));
		if (pol->raw_sp[0] == '\0' && pol == &p->rep.policy)
			dm_report_warn(&p->rep, "policy_published/sp is empty (p is used)");
		break;
	case E_NP:
		set_str(&pol->raw_np, t, n);
		pol->np = dm_disp_parse(pol->raw_np);
		if (first)
			note_norm(p, "policy_published/np", pol->raw_np, dm_disp_name(pol->np));
		break;
	case E_PCT: {
		char *tmp = trimmed_dup(t, n), *end;
		long v;

		errno = 0;
		v = strtol(tmp, &end, 10);
		if (tmp[0] == '\0' || *end != '\0' || errno != 0 || v < 0 || v > 100) {
			if (pol == &p->rep.policy)
				dm_report_warn(&p->rep, "policy_published/pct '%s' is invalid",
				    shown(tmp, b, sizeof(b)));
		} else
			pol->pct = (int)v;
		free(tmp);
		break;
	}
	case E_FO:
		set_str(&pol->fo, t, n);
		break;
	case E_TESTING:
		set_str(&pol->testing, t, n);
		break;
	case E_DISCOVERY:
		set_str(&pol->discovery_method, t, n);
		break;
	}
	if (el == E_NP || el == E_TESTING || el == E_DISCOVERY)
		p->rep.schema = DM_SCHEMA_RFC9990;
}

static void
record_leaf(agg_parser *p, int el, int parent, const char *t, size_t n)
{
	dm_record *rec = &p->rec;
	char b[80];

	switch (el) {
	case E_SOURCE_IP:
		if (ip_canon(t, n, rec->source_ip, &rec->ip_family) != 0 && !p->rec_bad) {
			char *tmp = xstrndup(t, n);

			p->rec_bad = 1;
			snprintf(p->rec_problem, sizeof(p->rec_problem),
			    "invalid <source_ip> '%s'", shown(tmp, b, sizeof(b)));
			free(tmp);
		}
		break;
	case E_COUNT: {
		char *tmp = trimmed_dup(t, n), *end;
		unsigned long long v;

		errno = 0;
		v = strtoull(tmp, &end, 10);
		if (tmp[0] == '\0' || tmp[0] == '-' || tmp[0] == '+' || *end != '\0' ||
		    errno != 0 || v > p->lim.max_count) {
			if (!p->rec_bad) {
				p->rec_bad = 1;
				snprintf(p->rec_problem, sizeof(p->rec_problem),
				    "invalid <count> '%s'", shown(tmp, b, sizeof(b)));
			}
		} else {
			rec->count = v;
			p->have_count = 1;
		}
		free(tmp);
		break;
	}
	case E_DISPOSITION:
		rec->raw_disposition = rec_str(p, t, n);
		rec->disposition = dm_disp_parse(rec->raw_disposition);
		note_norm(p, "policy_evaluated/disposition", rec->raw_disposition,
		    dm_disp_name(rec->disposition));
		if (rec->disposition == DM_DISP_UNKNOWN)
			dm_report_warn(&p->rep, "unknown disposition '%s'",
			    shown(rec->raw_disposition, b, sizeof(b)));
		else if (rec->disposition == DM_DISP_PASS && p->rep.schema != DM_SCHEMA_RFC9990)
			dm_report_warn(&p->rep, "disposition 'pass' in a pre-RFC 9990 report");
		break;
	case E_EV_DKIM:
	case E_EV_SPF: {
		const char *raw = rec_str(p, t, n);
		dm_verdict v = dm_verdict_parse(raw);

		if (v == DM_VERDICT_UNKNOWN) {
			dm_report_warn(&p->rep, "policy_evaluated/%s '%s' is not pass/fail (read as fail)",
			    el == E_EV_DKIM ? "dkim" : "spf", shown(raw, b, sizeof(b)));
			v = DM_VERDICT_FAIL;
		} else
			note_norm(p, el == E_EV_DKIM ? "policy_evaluated/dkim" :
			    "policy_evaluated/spf", raw, dm_verdict_name(v));
		if (el == E_EV_DKIM) {
			rec->raw_dkim = raw;
			rec->dkim = v;
		} else {
			rec->raw_spf = raw;
			rec->spf = v;
		}
		break;
	}
	case E_TYPE:
		if (p->cur_reason != NULL) {
			p->cur_reason->raw_type = rec_str(p, t, n);
			p->cur_reason->type = dm_reason_parse(p->cur_reason->raw_type);
			if (p->cur_reason->raw_type != NULL && p->cur_reason->raw_type[0] == '\0') {
				dm_report_warn(&p->rep, "empty reason <type> (read as other)");
				p->cur_reason->type = DM_REASON_OTHER;
			} else if (p->cur_reason->type == DM_REASON_UNKNOWN)
				dm_report_warn(&p->rep, "unknown reason type '%s' (read as other)",
				    shown(p->cur_reason->raw_type, b, sizeof(b)));
			else if (p->rep.schema == DM_SCHEMA_RFC9990 &&
			    (p->cur_reason->type == DM_REASON_FORWARDED ||
			    p->cur_reason->type == DM_REASON_SAMPLED_OUT))
				dm_report_warn(&p->rep, "reason type '%s' was removed in RFC 9990",
				    p->cur_reason->raw_type);
			if (p->cur_reason->type == DM_REASON_UNKNOWN)
				p->cur_reason->type = DM_REASON_OTHER;
		}
		break;
	case E_COMMENT:
		if (p->cur_reason != NULL)
			p->cur_reason->comment = rec_str(p, t, n);
		break;
	case E_HEADER_FROM:
		rec->header_from = rec_str(p, t, n);
		break;
	case E_ENVELOPE_FROM:
		rec->envelope_from = rec_str(p, t, n);
		break;
	case E_ENVELOPE_TO:
		rec->envelope_to = rec_str(p, t, n);
		break;
	case E_A_DOMAIN:
		if (parent == E_DKIM && p->cur_dkim != NULL)
			p->cur_dkim->domain = rec_str(p, t, n);
		else if (parent == E_SPF && p->cur_spf != NULL)
			p->cur_spf->domain = rec_str(p, t, n);
		break;
	case E_SELECTOR:
		if (p->cur_dkim != NULL)
			p->cur_dkim->selector = rec_str(p, t, n);
		break;
	case E_SCOPE:
		if (p->cur_spf != NULL)
			p->cur_spf->scope = rec_str(p, t, n);
		break;
	case E_HUMAN:
		if (parent == E_DKIM && p->cur_dkim != NULL)
			p->cur_dkim->human_result = rec_str(p, t, n);
		else if (parent == E_SPF && p->cur_spf != NULL)
			p->cur_spf->human_result = rec_str(p, t, n);
		break;
	case E_RESULT: {
		const char *raw = rec_str(p, t, n);
		dm_auth a = dm_auth_parse(raw);

		if (a == DM_AUTH_UNKNOWN)
			dm_report_warn(&p->rep, "unknown %s result '%s'",
			    parent == E_DKIM ? "DKIM" : "SPF", shown(raw, b, sizeof(b)));
		else
			note_norm(p, parent == E_DKIM ? "auth_results/dkim/result" :
			    "auth_results/spf/result", raw, dm_auth_name(a));
		if (parent == E_DKIM && p->cur_dkim != NULL) {
			p->cur_dkim->raw_result = raw;
			p->cur_dkim->result = a;
		} else if (parent == E_SPF && p->cur_spf != NULL) {
			p->cur_spf->raw_result = raw;
			p->cur_spf->result = a;
		}
		break;
	}
	}
}

void
agg_core_end(agg_parser *p, const char *qname)
{
	int el, parent;
	const char *t;
	size_t n;
	dm_report *r = &p->rep;

	if (p->stop || p->depth == 0)
		return;
	if (p->mode == AGG_MODE_RECOVER && qname[0] != '\0') {
		/* A recovering parser may report a start without its end: close
		 * the elements opened since the one this end tag names. */
		const char *name = local_name(qname);
		int match = -1;

		for (int i = p->depth - 1; i >= 0; i--)
			if (strncmp(p->names[i], name, sizeof(p->names[0]) - 1) == 0) {
				match = i;
				break;
			}
		if (match < 0)
			return;		/* a stray end tag */
		while (p->depth - 1 > match && !p->stop)
			agg_core_end(p, "");
		if (p->stop || p->depth == 0)
			return;
	}
	el = p->stack[--p->depth];
	parent = parent_el(p);
	if (p->skip_depth > 0) {
		p->skip_depth--;
		return;
	}
	t = dbuf_cstr(&p->text);
	n = p->text.len;

	if (parent == E_POLICY || (el >= E_DOMAIN && el <= E_DISCOVERY && parent == E_POLICY)) {
		policy_leaf(p, p->in_first_policy ? &r->policy : &p->extra_policy, el, t, n);
		dbuf_reset(&p->text);
		return;
	}
	switch (el) {
	case E_VERSION:
		set_str(&r->version, t, n);
		break;
	case E_ORG_NAME:
		set_str(&r->org_name, t, n);
		break;
	case E_EMAIL:
		set_str(&r->email, t, n);
		break;
	case E_EXTRA:
		set_str(&r->extra_contact_info, t, n);
		break;
	case E_REPORT_ID:
		set_str(&r->report_id, t, n);
		break;
	case E_GENERATOR:
		set_str(&r->generator, t, n);
		r->schema = DM_SCHEMA_RFC9990;
		break;
	case E_ERROR: {
		char *e = trimmed_dup(t, n);

		if (e[0] != '\0')
			dm_report_error(r, "reporter: %s", e);
		free(e);
		break;
	}
	case E_BEGIN: {
		char *s = trimmed_dup(t, n);

		parse_time(p, "begin", s, &r->begin);
		free(s);
		break;
	}
	case E_END: {
		char *s = trimmed_dup(t, n);

		parse_time(p, "end", s, &r->end);
		free(s);
		break;
	}
	case E_POLICY:
		if (!p->in_first_policy) {
			dm_policy *x = &p->extra_policy;

			if (x->domain != NULL && r->policy.domain != NULL &&
			    strcasecmp(x->domain, r->policy.domain) != 0)
				dm_report_warn(r, "another <policy_published> names domain '%s'",
				    x->domain);
			if (x->p != r->policy.p)
				dm_report_warn(r, "another <policy_published> has p=%s",
				    dm_disp_name(x->p));
			dm_policy_free(x);
		}
		p->in_first_policy = 0;
		release_held(p);
		break;
	case E_METADATA:
		release_held(p);
		break;
	case E_RECORD:
		record_end(p);
		break;
	case E_REASON:
		if (p->cur_reason != NULL && p->cur_reason->raw_type == NULL) {
			dm_report_warn(r, "a <reason> without <type> (read as other)");
			p->cur_reason->type = DM_REASON_OTHER;
		}
		p->cur_reason = NULL;
		break;
	case E_DKIM:
		if (p->cur_dkim != NULL && p->cur_dkim->raw_result == NULL)
			dm_report_warn(r, "a DKIM result has no <result>");
		p->cur_dkim = NULL;
		break;
	case E_SPF:
		if (p->cur_spf != NULL && p->cur_spf->raw_result == NULL)
			dm_report_warn(r, "an SPF result has no <result>");
		p->cur_spf = NULL;
		break;
	case E_FEEDBACK:
		release_held(p);
		send_header(p);
		p->finished = 1;
		break;
	default:
		if (is_leaf(el))
			record_leaf(p, el, parent, t, n);
		break;
	}
	dbuf_reset(&p->text);
}

int
agg_core_eof(agg_parser *p, int syntax_ok, const char *syntax_err)
{
	if (p->stop)
		return p->stop;
	if (p->eof_done)
		return AGG_OK;
	if (!p->seen_root) {
		agg_core_fail(p, syntax_ok ? AGG_ERR_NOT_REPORT : AGG_ERR_SYNTAX, "%s",
		    syntax_ok ? "not an aggregate report: no <feedback> element" :
		    syntax_err);
		return p->stop;
	}
	if (!p->finished) {
		agg_core_fail(p, AGG_ERR_SYNTAX, "%s",
		    syntax_err != NULL ? syntax_err : "document ends inside <feedback>");
		return p->stop;
	}
	if (!syntax_ok) {
		/* </feedback> was complete: only trailing junk (the IKEA wrapper). */
		dm_report_warn(&p->rep, "XML not well-formed after </feedback>: %s", syntax_err);
	}
	if (p->rep.records == 0 && p->rep.skipped_records == 0)
		dm_report_warn(&p->rep, "the report has no records");
	/* The byte repairs of utf8fix (agg_parse.c feeds every byte through
	 * it): silent no more. */
	if (p->fix.invalid > 0)
		dm_report_warn(&p->rep, "%lu byte%s not valid UTF-8 (Latin-1/cp1252, surrogates, "
		    "overlongs) re-encoded", p->fix.invalid, p->fix.invalid == 1 ? "" : "s");
	if (p->fix.controls > 0)
		dm_report_warn(&p->rep, "%lu control character%s (NUL, BEL...) dropped",
		    p->fix.controls, p->fix.controls == 1 ? "" : "s");
	p->eof_done = 1;
	if (p->h.trailer != NULL && p->h.trailer(p->h.ctx, &p->rep) != AGG_CONTINUE)
		agg_core_fail(p, AGG_ERR_CALLBACK, "the store refused the report trailer");
	return p->stop ? p->stop : AGG_OK;
}
