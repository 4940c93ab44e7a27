/*
 * report.c - see report.h: lifetime of dm_report, notes, and the enum tables.
 */
#include "report.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../util/log.h"
#include "../util/utf8fix.h"

void
dm_report_init(dm_report *r)
{
	memset(r, 0, sizeof(*r));
	r->policy.pct = -1;
}

void
dm_policy_free(dm_policy *p)
{
	free(p->domain);
	free(p->fo);
	free(p->testing);
	free(p->discovery_method);
	free(p->raw_p);
	free(p->raw_sp);
	free(p->raw_np);
	free(p->raw_adkim);
	free(p->raw_aspf);
	memset(p, 0, sizeof(*p));
	p->pct = -1;
}

void
dm_report_free(dm_report *r)
{
	if (r == NULL)
		return;
	free(r->xml_namespace);
	free(r->version);
	free(r->org_name);
	free(r->email);
	free(r->extra_contact_info);
	free(r->report_id);
	free(r->generator);
	free(r->extensions);
	dm_policy_free(&r->policy);
	for (int i = 0; i < r->nerrors; i++)
		free(r->errors[i]);
	for (int i = 0; i < r->nwarnings; i++)
		free(r->warnings[i]);
	dm_report_init(r);
}

static void
add_note(dm_report *r, char **arr, int *n, const char *fmt, va_list ap)
{
	char buf[512];

	if (*n >= DM_MAX_NOTES) {
		r->notes_dropped++;
		return;
	}
	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[utf8_clip(buf, strlen(buf))] = '\0';	/* never half a character */
	/* Mask non-printables: notes end up in logs and on web pages. */
	for (char *c = buf; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	/* Collapse exact repeats (one skipped record per row would flood it). */
	for (int i = 0; i < *n; i++)
		if (strcmp(arr[i], buf) == 0)
			return;
	arr[(*n)++] = xstrdup(buf);
}

void
dm_report_warn(dm_report *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_note(r, r->warnings, &r->nwarnings, fmt, ap);
	va_end(ap);
}

void
dm_report_error(dm_report *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_note(r, r->errors, &r->nerrors, fmt, ap);
	va_end(ap);
}

struct name { const char *s; int v; };

static int
lookup(const struct name *t, const char *s, int dflt)
{
	char buf[32];
	size_t n;

	if (s == NULL)
		return dflt;
	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n == 0 || n >= sizeof(buf))
		return dflt;
	memcpy(buf, s, n);
	buf[n] = '\0';
	for (; t->s != NULL; t++)
		if (strcasecmp(t->s, buf) == 0)
			return t->v;
	return dflt;
}

static const struct name disp_names[] = {
	{ "none", DM_DISP_NONE }, { "pass", DM_DISP_PASS },
	{ "quarantine", DM_DISP_QUARANTINE }, { "reject", DM_DISP_REJECT },
	{ NULL, 0 }
};
static const struct name verdict_names[] = {
	{ "pass", DM_VERDICT_PASS }, { "fail", DM_VERDICT_FAIL }, { NULL, 0 }
};
static const struct name auth_names[] = {
	{ "none", DM_AUTH_NONE }, { "pass", DM_AUTH_PASS }, { "fail", DM_AUTH_FAIL },
	{ "hardfail", DM_AUTH_FAIL }, { "softfail", DM_AUTH_SOFTFAIL },
	{ "neutral", DM_AUTH_NEUTRAL }, { "policy", DM_AUTH_POLICY },
	{ "temperror", DM_AUTH_TEMPERROR }, { "unknown", DM_AUTH_TEMPERROR },
	{ "permerror", DM_AUTH_PERMERROR }, { "error", DM_AUTH_PERMERROR },
	{ NULL, 0 }
};
static const struct name reason_names[] = {
	{ "forwarded", DM_REASON_FORWARDED }, { "sampled_out", DM_REASON_SAMPLED_OUT },
	{ "trusted_forwarder", DM_REASON_TRUSTED_FORWARDER },
	{ "mailing_list", DM_REASON_MAILING_LIST }, { "local_policy", DM_REASON_LOCAL_POLICY },
	{ "other", DM_REASON_OTHER }, { "policy_test_mode", DM_REASON_POLICY_TEST_MODE },
	{ NULL, 0 }
};
static const struct name align_names[] = {
	{ "r", DM_ALIGN_RELAXED }, { "s", DM_ALIGN_STRICT },
	{ "relaxed", DM_ALIGN_RELAXED }, { "strict", DM_ALIGN_STRICT }, { NULL, 0 }
};

dm_disp dm_disp_parse(const char *s) { return lookup(disp_names, s, DM_DISP_UNKNOWN); }
dm_verdict dm_verdict_parse(const char *s) { return lookup(verdict_names, s, DM_VERDICT_UNKNOWN); }
dm_auth dm_auth_parse(const char *s) { return lookup(auth_names, s, DM_AUTH_UNKNOWN); }
dm_reason_type dm_reason_parse(const char *s) { return lookup(reason_names, s, DM_REASON_UNKNOWN); }
dm_align dm_align_parse(const char *s) { return lookup(align_names, s, DM_ALIGN_UNSET); }

const char *
dm_disp_name(dm_disp d)
{
	static const char *n[] = { "", "none", "pass", "quarantine", "reject" };
	return (unsigned)d < 5 ? n[d] : "";
}

const char *
dm_verdict_name(dm_verdict v)
{
	static const char *n[] = { "", "pass", "fail" };
	return (unsigned)v < 3 ? n[v] : "";
}

const char *
dm_auth_name(dm_auth a)
{
	static const char *n[] = { "", "none", "pass", "fail", "softfail", "neutral",
	    "policy", "temperror", "permerror" };
	return (unsigned)a < 9 ? n[a] : "";
}

const char *
dm_reason_name(dm_reason_type t)
{
	static const char *n[] = { "", "forwarded", "sampled_out", "trusted_forwarder",
	    "mailing_list", "local_policy", "other", "policy_test_mode" };
	return (unsigned)t < 8 ? n[t] : "";
}

const char *
dm_align_name(dm_align a)
{
	static const char *n[] = { "", "r", "s" };
	return (unsigned)a < 3 ? n[a] : "";
}

const char *
dm_schema_name(dm_schema s)
{
	static const char *n[] = { "draft", "rfc7489", "rfc9990" };
	return (unsigned)s < 3 ? n[s] : "draft";
}

/* Copy s trimmed and lower-cased (when lower) into out. */
static void
norm(const char *s, char out[DM_KEY_LEN], int lower)
{
	size_t n, i = 0;

	out[0] = '\0';
	if (s == NULL)
		return;
	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= DM_KEY_LEN)
		n = DM_KEY_LEN - 1;
	for (; i < n; i++)
		out[i] = lower ? (char)tolower((unsigned char)s[i]) : s[i];
	out[i] = '\0';
}

void
dm_report_key(const dm_report *r, char org[DM_KEY_LEN], char rid[DM_KEY_LEN],
    char domain[DM_KEY_LEN])
{
	size_t n;

	norm(r->org_name, org, 1);
	if (org[0] == '\0' && r->email != NULL) {
		const char *at = strrchr(r->email, '@');

		norm(at != NULL ? at + 1 : r->email, org, 1);
		n = strlen(org);
		if (n > 0 && org[n - 1] == '>')
			org[n - 1] = '\0';
	}
	norm(r->report_id, rid, 0);
	n = strlen(rid);
	if (n >= 2 && rid[0] == '<' && rid[n - 1] == '>') {
		memmove(rid, rid + 1, n - 2);
		rid[n - 2] = '\0';
	}
	norm(r->policy.domain, domain, 1);
	n = strlen(domain);
	if (n > 0 && domain[n - 1] == '.')
		domain[n - 1] = '\0';
}
