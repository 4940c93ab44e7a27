/*
 * fuzz_common.h - shared by the fuzz harnesses (fuzz_agg.c, fuzz_unpack.c):
 * an aggregate-parser handler that reads every string the parser hands out
 * and checks the invariants of agg_parse.h, and the strict-then-recover
 * parse that ingest.c does.
 *
 * Invariant failures call abort(), so libFuzzer and the ASan replay treat
 * them like crashes.  Only static functions: each harness is one translation
 * unit.
 */
#ifndef DS_FUZZ_COMMON_H
#define DS_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/agg_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t fz_bytes;	/* keeps the reads from being optimised away */

#define FZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n",	\
		    #cond, __FILE__, __LINE__);				\
		abort();						\
	}								\
} while (0)

/*
 * Valid UTF-8, except that the very end may hold an incomplete sequence:
 * agg_core.c cuts element text at max_text bytes without respecting
 * character boundaries (a known, reported bug, pinned by test_agg.c), and the
 * fuzzers should look for anything else.
 */
static int
fz_utf8ish(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n = strlen(s);

	while (i < n) {
		unsigned char c = p[i];
		int len;
		unsigned char lo = 0x80, hi = 0xbf;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2;
		else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			lo = c == 0xe0 ? 0xa0 : 0x80;
			hi = c == 0xed ? 0x9f : 0xbf;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			lo = c == 0xf0 ? 0x90 : 0x80;
			hi = c == 0xf4 ? 0x8f : 0xbf;
		} else
			return 0;
		for (int k = 1; k < len; k++) {
			unsigned char d;

			if (i + (size_t)k >= n)
				return 1;	/* incomplete final sequence: tolerated */
			d = p[i + (size_t)k];
			if (d < (k == 1 ? lo : 0x80) || d > (k == 1 ? hi : 0xbf))
				return 0;
		}
		i += (size_t)len;
	}
	return 1;
}

static void
fz_str(const char *s)
{
	if (s == NULL)
		return;
	fz_bytes += strlen(s);
	FZ_CHECK(fz_utf8ish(s));
}

/*
 * dm_report.extensions: comma-separated element names, each shown through
 * agg_core.c shown(), which cuts at a byte count and appends "..." (known,
 * reported bug: the cut may split a character).  Each item is checked with
 * that cut tolerated.
 */
static void
fz_ext(const char *s)
{
	char *copy, *save = NULL;

	if (s == NULL)
		return;
	fz_bytes += strlen(s);
	copy = strdup(s);
	FZ_CHECK(copy != NULL);
	for (char *item = strtok_r(copy, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		size_t n = strlen(item);

		if (n >= 3 && strcmp(item + n - 3, "...") == 0)
			item[n - 3] = '\0';
		FZ_CHECK(fz_utf8ish(item));
	}
	free(copy);
}

/* Notes are read but not checked for UTF-8: they are cut at byte counts
 * (agg_core.c shown(), report.c add_note(): known, reported). */
static void
fz_note(const char *s)
{
	FZ_CHECK(s != NULL);
	fz_bytes += strlen(s);
	FZ_CHECK(strlen(s) < 512);
	for (const char *c = s; *c; c++)
		FZ_CHECK((unsigned char)*c >= 0x20 && *c != 0x7f);
}

typedef struct fz_state {
	int headers, records, trailers;
	uint64_t messages;
} fz_state;

static void
fz_report(const dm_report *r)
{
	const dm_policy *p = &r->policy;
	char org[DM_KEY_LEN], rid[DM_KEY_LEN], dom[DM_KEY_LEN];

	fz_str(r->xml_namespace);
	fz_str(r->version);
	fz_str(r->org_name);
	fz_str(r->email);
	fz_str(r->extra_contact_info);
	fz_str(r->report_id);
	fz_str(r->generator);
	fz_ext(r->extensions);
	fz_str(p->domain);
	fz_str(p->fo);
	fz_str(p->testing);
	fz_str(p->discovery_method);
	fz_str(p->raw_p);
	fz_str(p->raw_sp);
	fz_str(p->raw_np);
	fz_str(p->raw_adkim);
	fz_str(p->raw_aspf);
	FZ_CHECK(r->nerrors >= 0 && r->nerrors <= DM_MAX_NOTES);
	FZ_CHECK(r->nwarnings >= 0 && r->nwarnings <= DM_MAX_NOTES);
	for (int i = 0; i < r->nerrors; i++)
		fz_note(r->errors[i]);
	for (int i = 0; i < r->nwarnings; i++)
		fz_note(r->warnings[i]);
	FZ_CHECK(p->pct >= -1 && p->pct <= 100);
	FZ_CHECK((unsigned)r->schema <= DM_SCHEMA_RFC9990);
	fz_bytes += strlen(dm_schema_name(r->schema)) + strlen(dm_disp_name(p->p)) +
	    strlen(dm_disp_name(p->sp)) + strlen(dm_disp_name(p->np)) +
	    strlen(dm_align_name(p->adkim)) + strlen(dm_align_name(p->aspf));
	dm_report_key(r, org, rid, dom);
	FZ_CHECK(strlen(org) < DM_KEY_LEN && strlen(rid) < DM_KEY_LEN && strlen(dom) < DM_KEY_LEN);
}

static int
fz_on_header(void *ctx, dm_report *r)
{
	fz_state *s = ctx;

	s->headers++;
	FZ_CHECK(s->headers == 1);
	FZ_CHECK(s->records == 0 && s->trailers == 0);
	/* agg_core.c refuses a report without a policy domain before this */
	FZ_CHECK(r->policy.domain != NULL && r->policy.domain[0] != '\0');
	fz_report(r);
	return AGG_CONTINUE;
}

static int
fz_on_record(void *ctx, dm_report *r, const dm_record *rec)
{
	fz_state *s = ctx;

	s->records++;
	FZ_CHECK(s->headers == 1 && s->trailers == 0);
	FZ_CHECK(r->records == (uint64_t)s->records);
	FZ_CHECK(memchr(rec->source_ip, '\0', IP_STRLEN) != NULL);
	FZ_CHECK(rec->source_ip[0] != '\0');
	FZ_CHECK(rec->ip_family == 4 || rec->ip_family == 6);
	FZ_CHECK(rec->count <= 1000000000ULL);	/* agg_limits_default max_count */
	s->messages += rec->count;
	FZ_CHECK(rec->nreasons >= 0 && rec->nreasons <= DM_MAX_REASONS);
	FZ_CHECK(rec->ndkim >= 0 && rec->ndkim <= DM_MAX_DKIM);
	FZ_CHECK(rec->nspf >= 0 && rec->nspf <= DM_MAX_SPF);
	fz_str(rec->raw_disposition);
	fz_str(rec->raw_dkim);
	fz_str(rec->raw_spf);
	fz_str(rec->header_from);
	fz_str(rec->envelope_from);
	fz_str(rec->envelope_to);
	fz_bytes += strlen(dm_disp_name(rec->disposition)) + strlen(dm_verdict_name(rec->dkim)) +
	    strlen(dm_verdict_name(rec->spf));
	for (int i = 0; i < rec->nreasons; i++) {
		fz_str(rec->reasons[i].raw_type);
		fz_str(rec->reasons[i].comment);
		fz_bytes += strlen(dm_reason_name(rec->reasons[i].type));
	}
	for (int i = 0; i < rec->ndkim; i++) {
		const dm_dkim *d = &rec->dkim_results[i];

		fz_str(d->domain);
		fz_str(d->selector);
		fz_str(d->human_result);
		fz_str(d->raw_result);
		fz_bytes += strlen(dm_auth_name(d->result));
	}
	for (int i = 0; i < rec->nspf; i++) {
		const dm_spf *d = &rec->spf_results[i];

		fz_str(d->domain);
		fz_str(d->scope);
		fz_str(d->human_result);
		fz_str(d->raw_result);
		fz_bytes += strlen(dm_auth_name(d->result));
	}
	return AGG_CONTINUE;
}

static int
fz_on_trailer(void *ctx, dm_report *r)
{
	fz_state *s = ctx;

	s->trailers++;
	FZ_CHECK(s->headers == 1);
	if (s->trailers > 1) {
		/*
		 * Known, reported bug (agg_parse.c feed() / agg_core.c
		 * agg_core_eof()): an XML error after </feedback> returns
		 * AGG_OK without ending the parse, so every later agg_feed()
		 * and agg_finish() calls the trailer again.  Tolerated only in
		 * exactly that case, which the warning identifies.
		 */
		int junk = 0;

		for (int i = 0; i < r->nwarnings; i++)
			if (strstr(r->warnings[i], "not well-formed after </feedback>") != NULL)
				junk = 1;
		FZ_CHECK(junk);
	}
	FZ_CHECK(r->records == (uint64_t)s->records);
	FZ_CHECK(r->messages == s->messages);
	fz_report(r);
	return AGG_CONTINUE;
}

/* Two cut points in [0, n], derived from the data (so corpus files stay plain
 * documents and the same input always splits the same way). */
static void
fz_cuts(const uint8_t *d, size_t n, uint32_t salt, size_t cut[2])
{
	uint32_t h = 2166136261u ^ salt;

	h = (h ^ (uint32_t)n) * 16777619u;
	if (n > 0) {
		h = (h ^ d[0]) * 16777619u;
		h = (h ^ d[n / 2]) * 16777619u;
		h = (h ^ d[n - 1]) * 16777619u;
	}
	cut[0] = h % (n + 1);
	h = (h ^ (h >> 13)) * 16777619u;
	cut[1] = cut[0] + h % (n - cut[0] + 1);
}

/* Parse d[0..n) in three chunks; returns the AGG_* result.  The state
 * checks hold for every outcome. */
static int
fz_parse(const uint8_t *d, size_t n, int mode, uint32_t salt)
{
	fz_state s = { 0, 0, 0, 0 };
	agg_handler h = { fz_on_header, fz_on_record, fz_on_trailer, &s };
	agg_parser *p = agg_new(&h, NULL, mode);
	size_t cut[2], start = 0;
	int rc = AGG_OK;

	fz_cuts(d, n, salt, cut);
	for (int i = 0; i < 3 && rc == AGG_OK; i++) {
		size_t end = i < 2 ? cut[i] : n;

		rc = agg_feed(p, (const char *)d + start, end - start);
		start = end;
	}
	if (rc == AGG_OK)
		rc = agg_finish(p);
	FZ_CHECK(rc >= AGG_OK && rc <= AGG_ERR_CALLBACK);
	FZ_CHECK(rc != AGG_STOPPED && rc != AGG_ERR_CALLBACK);	/* callbacks never stop */
	if (rc == AGG_OK)
		FZ_CHECK(s.headers == 1 && s.trailers >= 1);	/* > 1: see fz_on_trailer */
	else
		FZ_CHECK(s.trailers == 0);
	if (s.headers == 0)
		FZ_CHECK(s.records == 0);
	FZ_CHECK(agg_error(p) != NULL);
	if (rc != AGG_OK)
		FZ_CHECK(agg_error(p)[0] != '\0');
	fz_report(agg_report(p));
	FZ_CHECK(agg_report(p)->recovered == (mode == AGG_MODE_RECOVER));
	agg_free(p);
	return rc;
}

/* What ingest.c does: strict first, the recovery parser after a syntax error. */
static inline void
fz_parse_both(const uint8_t *d, size_t n)
{
	if (fz_parse(d, n, AGG_MODE_STRICT, 0) == AGG_ERR_SYNTAX)
		fz_parse(d, n, AGG_MODE_RECOVER, 0x5bd1e995u);
}

#endif
