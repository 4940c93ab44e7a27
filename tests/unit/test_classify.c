/*
 * test_classify.c - unit tests for src/analyze/classify.c against its
 * specification, docs/CLASSIFICATION.md: every rule P1-P3 (DMARC pass) and
 * F1-F7 (DMARC fail), the order in which they apply, the enum <-> name
 * mappings, the explanations in en and ja, and cls_known_sender() for each
 * service type.
 *
 * The services are built by hand (no data file): what matters to the
 * classifier is a service's type and its forwards flag.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/classify.h"

/* ---- hand-made services ---------------------------------------------------- */

#define SVC(key, name, type, fwd) { key, name, type, #type, fwd }

static const service svc_google = SVC("google.com", "Google", SVC_EMAIL_PROVIDER, 1);
static const service svc_mailbox_nofwd = SVC("mailbox.example", "Mailbox", SVC_EMAIL_PROVIDER, 0);
static const service svc_sendgrid = SVC("sendgrid.net", "Twilio SendGrid", SVC_TRANSACTIONAL, 0);
static const service svc_marketing = SVC("mkt.example", "Marketing", SVC_MARKETING, 0);
static const service svc_crm = SVC("crm.example", "CRM", SVC_CRM, 0);
static const service svc_forwarder = SVC("fwd.example", "Forwarder", SVC_FORWARDER, 0);
static const service svc_list = SVC("list.example", "List", SVC_MAILING_LIST, 0);
static const service svc_groups = SVC("googlegroups.com", "Google Groups", SVC_MAILING_LIST, 1);
static const service svc_gateway = SVC("gw.example", "Gateway", SVC_SECURITY, 0);
static const service svc_hosting = SVC("host.example", "Hosting", SVC_HOSTING, 0);
static const service svc_isp = SVC("isp.example", "ISP", SVC_ISP, 0);
static const service svc_isp_fwd = SVC("ispfwd.example", "ISP mail", SVC_ISP, 1);
static const service svc_other = SVC("other.example", "Other", SVC_OTHER, 0);
static const service svc_unknown = SVC("unk.example", "Unknown", SVC_UNKNOWN, 0);

/* ---- the rule table ------------------------------------------------------------ */

#define PA ALIGN_PASS_ALIGNED
#define PU ALIGN_PASS_UNALIGNED
#define FL ALIGN_FAIL

#define R_FWD CLS_REASON_BIT(DM_REASON_FORWARDED)
#define R_TRUST CLS_REASON_BIT(DM_REASON_TRUSTED_FORWARDER)
#define R_ML CLS_REASON_BIT(DM_REASON_MAILING_LIST)
#define R_LOCAL CLS_REASON_BIT(DM_REASON_LOCAL_POLICY)
#define R_SAMPLED CLS_REASON_BIT(DM_REASON_SAMPLED_OUT)
#define R_OTHER CLS_REASON_BIT(DM_REASON_OTHER)
#define R_TEST CLS_REASON_BIT(DM_REASON_POLICY_TEST_MODE)

#define S_NONE SENDER_NONE
#define S_INT SENDER_INTERNAL
#define S_3RD SENDER_THIRD_PARTY

typedef struct cls_case {
	const char *name;
	align_cat spf, dkim;
	int dsa;		/* an aligned signature is present (any result) */
	int rpass;		/* the reporter said pass */
	unsigned reasons;
	sender_kind sender;
	const service *svc;
	cls_class want_cls;
	cls_path want_path;
	cls_expl want_expl;
} cls_case;

static const cls_case cases[] = {
	/* ---- P1: SPF aligned, DKIM not aligned, aligned signature present (broken) or
	 * reason mailing_list → normal / ml_own */
	{ "P1 spf aligned, dkim fail, aligned sig broke", PA, FL, 1, 0, 0, S_NONE, NULL,
	    CLS_NORMAL, PATH_ML_OWN, EXPL_PASS_ML_OWN },
	{ "P1 spf aligned, dkim pass for another d=, aligned sig broke", PA, PU, 1, 0, 0, S_NONE,
	    NULL, CLS_NORMAL, PATH_ML_OWN, EXPL_PASS_ML_OWN },
	{ "P1 spf aligned, no aligned sig, reason mailing_list", PA, FL, 0, 0, R_ML, S_NONE, NULL,
	    CLS_NORMAL, PATH_ML_OWN, EXPL_PASS_ML_OWN },
	{ "P1 applies to My Senders too (own list server)", PA, FL, 1, 1, 0, S_INT, NULL,
	    CLS_NORMAL, PATH_ML_OWN, EXPL_PASS_ML_OWN },
	{ "P1 applies through a relay", PA, FL, 1, 0, 0, S_NONE, &svc_google,
	    CLS_NORMAL, PATH_ML_OWN, EXPL_PASS_ML_OWN },
	{ "P1 not when DKIM is aligned too (P3)", PA, PA, 1, 1, 0, S_NONE, NULL,
	    CLS_NORMAL, PATH_NORMAL, EXPL_PASS },
	{ "P1 not without a broken aligned sig or list reason (P3)", PA, FL, 0, 1, 0, S_NONE,
	    NULL, CLS_NORMAL, PATH_NORMAL, EXPL_PASS },
	{ "P1 not with only a forwarded reason (P3)", PA, FL, 0, 1, R_FWD, S_NONE, NULL,
	    CLS_NORMAL, PATH_NORMAL, EXPL_PASS },

	/* ---- P2: DKIM aligned, SPF not aligned, not My Senders, and (forwarded reason |
	 * relay | SPF fail from a host that is not a known sender) → normal / forwarded */
	{ "P2 spf fail from an unknown host", FL, PA, 1, 1, 0, S_NONE, NULL,
	    CLS_NORMAL, PATH_FORWARDED, EXPL_PASS_FORWARDED },
	{ "P2 spf fail via Google (relay)", FL, PA, 1, 1, 0, S_NONE, &svc_google,
	    CLS_NORMAL, PATH_FORWARDED, EXPL_PASS_FORWARDED },
	{ "P2 spf pass_unaligned via Google (relay)", PU, PA, 1, 1, 0, S_NONE, &svc_google,
	    CLS_NORMAL, PATH_FORWARDED, EXPL_PASS_FORWARDED },
	{ "P2 spf pass_unaligned via a list server", PU, PA, 1, 1, 0, S_NONE, &svc_list,
	    CLS_NORMAL, PATH_FORWARDED, EXPL_PASS_FORWARDED },
	{ "P2 spf pass_unaligned via a forwarder", PU, PA, 1, 1, 0, S_NONE, &svc_forwarder,
	    CLS_NORMAL, PATH_FORWARDED, EXPL_PASS_FORWARDED },
	{ "P2 spf pass_unaligned via a security gateway", PU, PA, 1, 1, 0, S_NONE, &svc_gateway,
	    CLS_NORMAL, PATH_FORWARDED, EXPL_PASS_FORWARDED },
	{ "P2 spf pass_unaligned via an ISP with forwards=yes", PU, PA, 1, 1, 0, S_NONE,
	    &svc_isp_fwd, CLS_NORMAL, PATH_FORWARDED, EXPL_PASS_FORWARDED },
	{ "P2 spf pass_unaligned, reason forwarded", PU, PA, 1, 1, R_FWD, S_NONE, NULL,
	    CLS_NORMAL, PATH_FORWARDED, EXPL_PASS_FORWARDED },
	{ "P2 spf pass_unaligned, reason trusted_forwarder", PU, PA, 1, 1, R_TRUST, S_NONE, NULL,
	    CLS_NORMAL, PATH_FORWARDED, EXPL_PASS_FORWARDED },
	{ "P2 spf fail from hosting (not a known sender)", FL, PA, 1, 1, 0, S_NONE, &svc_hosting,
	    CLS_NORMAL, PATH_FORWARDED, EXPL_PASS_FORWARDED },
	{ "P2 spf fail from an access ISP (not a known sender)", FL, PA, 1, 1, 0, S_NONE,
	    &svc_isp, CLS_NORMAL, PATH_FORWARDED, EXPL_PASS_FORWARDED },
	{ "P2 spf fail from a service of unknown type", FL, PA, 1, 1, 0, S_NONE, &svc_unknown,
	    CLS_NORMAL, PATH_FORWARDED, EXPL_PASS_FORWARDED },
	{ "P2 without the reporter's verdict (ours is enough)", FL, PA, 1, 0, 0, S_NONE, NULL,
	    CLS_NORMAL, PATH_FORWARDED, EXPL_PASS_FORWARDED },
	{ "P2 not for spf pass_unaligned from an unknown host (ESP with own envelope)", PU, PA,
	    1, 1, 0, S_NONE, NULL, CLS_NORMAL, PATH_NORMAL, EXPL_PASS },
	{ "P2 not for spf fail from a known sender (ESP)", FL, PA, 1, 1, 0, S_NONE, &svc_sendgrid,
	    CLS_NORMAL, PATH_NORMAL, EXPL_PASS },
	{ "P2 not for spf fail from a known sender (other)", FL, PA, 1, 1, 0, S_NONE, &svc_other,
	    CLS_NORMAL, PATH_NORMAL, EXPL_PASS },
	{ "P2 not for spf pass_unaligned from a known sender (ESP)", PU, PA, 1, 1, 0, S_NONE,
	    &svc_sendgrid, CLS_NORMAL, PATH_NORMAL, EXPL_PASS },
	{ "P2 not for My Senders (internal) even with spf fail", FL, PA, 1, 1, 0, S_INT, NULL,
	    CLS_NORMAL, PATH_NORMAL, EXPL_PASS },
	{ "P2 order: My Senders beats a relay", FL, PA, 1, 1, 0, S_INT, &svc_google,
	    CLS_NORMAL, PATH_NORMAL, EXPL_PASS },
	{ "P2 order: My Senders (third party) beats a relay", PU, PA, 1, 1, 0, S_3RD, &svc_google,
	    CLS_NORMAL, PATH_NORMAL, EXPL_PASS },
	{ "P2 order: My Senders beats reason forwarded", PU, PA, 1, 1, R_FWD, S_3RD, NULL,
	    CLS_NORMAL, PATH_NORMAL, EXPL_PASS },
	{ "P2 not when SPF is aligned too (P3)", PA, PA, 1, 1, R_FWD, S_NONE, &svc_google,
	    CLS_NORMAL, PATH_NORMAL, EXPL_PASS },

	/* ---- P3: otherwise normal / normal */
	{ "P3 both aligned (your own server)", PA, PA, 1, 1, 0, S_INT, NULL,
	    CLS_NORMAL, PATH_NORMAL, EXPL_PASS },
	{ "P3 both aligned, unregistered", PA, PA, 1, 1, 0, S_NONE, NULL,
	    CLS_NORMAL, PATH_NORMAL, EXPL_PASS },
	{ "P3 spf aligned only, no signature", PA, FL, 0, 1, 0, S_NONE, &svc_sendgrid,
	    CLS_NORMAL, PATH_NORMAL, EXPL_PASS },
	{ "P3 reporter pass we cannot see (no auth details)", FL, FL, 0, 1, 0, S_NONE, NULL,
	    CLS_NORMAL, PATH_NORMAL, EXPL_PASS },
	{ "P3 reporter pass, our cats unaligned", PU, PU, 0, 1, 0, S_NONE, &svc_google,
	    CLS_NORMAL, PATH_NORMAL, EXPL_PASS },
	{ "P3 reporter pass with a mailing_list reason but SPF not aligned", FL, FL, 1, 1, R_ML,
	    S_NONE, NULL, CLS_NORMAL, PATH_NORMAL, EXPL_PASS },

	/* ---- F1: reason mailing_list → forwarded / ml_other */
	{ "F1 reason mailing_list", FL, FL, 0, 0, R_ML, S_NONE, NULL,
	    CLS_FORWARDED, PATH_ML_OTHER, EXPL_ML_OTHER },
	{ "F1 order: mailing_list beats My Senders", FL, FL, 0, 0, R_ML, S_INT, NULL,
	    CLS_FORWARDED, PATH_ML_OTHER, EXPL_ML_OTHER },
	{ "F1 order: mailing_list beats forwarded", FL, FL, 1, 0, R_ML | R_FWD, S_NONE, NULL,
	    CLS_FORWARDED, PATH_ML_OTHER, EXPL_ML_OTHER },
	{ "F1 order: mailing_list beats a known ESP", PU, FL, 0, 0, R_ML, S_NONE, &svc_sendgrid,
	    CLS_FORWARDED, PATH_ML_OTHER, EXPL_ML_OTHER },
	{ "F1 order: mailing_list beats a relay", FL, FL, 0, 0, R_ML, S_NONE, &svc_google,
	    CLS_FORWARDED, PATH_ML_OTHER, EXPL_ML_OTHER },

	/* ---- F2: reason forwarded / trusted_forwarder → forwarded / forwarded (aligned
	 * signature present) or forwarded_no_dkim */
	{ "F2 reason forwarded, aligned sig present", FL, FL, 1, 0, R_FWD, S_NONE, NULL,
	    CLS_FORWARDED, PATH_FORWARDED, EXPL_FWD_REASON },
	{ "F2 reason forwarded, no aligned sig", FL, FL, 0, 0, R_FWD, S_NONE, NULL,
	    CLS_FORWARDED, PATH_FORWARDED_NO_DKIM, EXPL_FWD_REASON },
	{ "F2 reason trusted_forwarder, aligned sig present", FL, PU, 1, 0, R_TRUST, S_NONE, NULL,
	    CLS_FORWARDED, PATH_FORWARDED, EXPL_FWD_REASON },
	{ "F2 reason trusted_forwarder, no aligned sig", PU, FL, 0, 0, R_TRUST, S_NONE, NULL,
	    CLS_FORWARDED, PATH_FORWARDED_NO_DKIM, EXPL_FWD_REASON },
	{ "F2 order: forwarded beats My Senders", FL, FL, 0, 0, R_FWD, S_INT, NULL,
	    CLS_FORWARDED, PATH_FORWARDED_NO_DKIM, EXPL_FWD_REASON },
	{ "F2 order: forwarded beats a list relay", FL, FL, 1, 0, R_FWD, S_NONE, &svc_list,
	    CLS_FORWARDED, PATH_FORWARDED, EXPL_FWD_REASON },
	{ "F2 order: forwarded beats F5", PU, FL, 1, 0, R_FWD, S_NONE, NULL,
	    CLS_FORWARDED, PATH_FORWARDED, EXPL_FWD_REASON },
	{ "F2 order: forwarded beats a known ESP", PU, FL, 0, 0, R_TRUST, S_NONE, &svc_sendgrid,
	    CLS_FORWARDED, PATH_FORWARDED_NO_DKIM, EXPL_FWD_REASON },

	/* ---- other reasons do not change the class */
	{ "local_policy does not change the class", FL, FL, 0, 0, R_LOCAL, S_NONE, NULL,
	    CLS_SPOOFING, PATH_SPOOFING, EXPL_SPOOFING },
	{ "sampled_out does not change the class", FL, FL, 0, 0, R_SAMPLED, S_NONE, NULL,
	    CLS_SPOOFING, PATH_SPOOFING, EXPL_SPOOFING },
	{ "other / policy_test_mode do not change the class", FL, FL, 0, 0, R_OTHER | R_TEST,
	    S_NONE, NULL, CLS_SPOOFING, PATH_SPOOFING, EXPL_SPOOFING },
	{ "local_policy with My Senders: still F3", FL, FL, 0, 0, R_LOCAL, S_INT, NULL,
	    CLS_AUTH_FAILURE, PATH_NORMAL, EXPL_AUTHFAIL_SENDER },

	/* ---- F3: My Senders → auth_failure / normal */
	{ "F3 internal sender fails", FL, FL, 0, 0, 0, S_INT, NULL,
	    CLS_AUTH_FAILURE, PATH_NORMAL, EXPL_AUTHFAIL_SENDER },
	{ "F3 third-party sender fails", PU, FL, 0, 0, 0, S_3RD, NULL,
	    CLS_AUTH_FAILURE, PATH_NORMAL, EXPL_AUTHFAIL_SENDER },
	{ "F3 order: My Senders beats a relay (Google)", FL, FL, 1, 0, 0, S_INT, &svc_google,
	    CLS_AUTH_FAILURE, PATH_NORMAL, EXPL_AUTHFAIL_SENDER },
	{ "F3 order: My Senders beats a list relay", PU, FL, 1, 0, 0, S_3RD, &svc_list,
	    CLS_AUTH_FAILURE, PATH_NORMAL, EXPL_AUTHFAIL_SENDER },
	{ "F3 order: My Senders beats F5", PU, FL, 1, 0, 0, S_3RD, NULL,
	    CLS_AUTH_FAILURE, PATH_NORMAL, EXPL_AUTHFAIL_SENDER },
	{ "F3 order: My Senders beats F6 (its explanation is the sender one)", PU, FL, 0, 0, 0,
	    S_3RD, &svc_sendgrid, CLS_AUTH_FAILURE, PATH_NORMAL, EXPL_AUTHFAIL_SENDER },
	{ "F3 even from hosting", FL, FL, 0, 0, 0, S_INT, &svc_hosting,
	    CLS_AUTH_FAILURE, PATH_NORMAL, EXPL_AUTHFAIL_SENDER },

	/* ---- F4: a relay → forwarded; ml_other for lists, else forwarded with a broken
	 * aligned signature, else forwarded_no_dkim */
	{ "F4 Google, aligned sig broke", FL, FL, 1, 0, 0, S_NONE, &svc_google,
	    CLS_FORWARDED, PATH_FORWARDED, EXPL_FWD_DKIM_BROKEN },
	{ "F4 Google, no DKIM", FL, FL, 0, 0, 0, S_NONE, &svc_google,
	    CLS_FORWARDED, PATH_FORWARDED_NO_DKIM, EXPL_FWD_NO_DKIM },
	{ "F4 Google, spf pass for Google's domain, no DKIM", PU, FL, 0, 0, 0, S_NONE,
	    &svc_google, CLS_FORWARDED, PATH_FORWARDED_NO_DKIM, EXPL_FWD_NO_DKIM },
	{ "F4 order: relay beats F5 (aligned sig broke, spf for another domain)", PU, FL, 1, 0,
	    0, S_NONE, &svc_google, CLS_FORWARDED, PATH_FORWARDED, EXPL_FWD_DKIM_BROKEN },
	{ "F4 list server → ml_other", PU, FL, 1, 0, 0, S_NONE, &svc_list,
	    CLS_FORWARDED, PATH_ML_OTHER, EXPL_ML_OTHER },
	{ "F4 list server without an aligned sig → ml_other", FL, FL, 0, 0, 0, S_NONE, &svc_list,
	    CLS_FORWARDED, PATH_ML_OTHER, EXPL_ML_OTHER },
	{ "F4 Google Groups (list, forwards=yes) → ml_other", PU, FL, 1, 0, 0, S_NONE,
	    &svc_groups, CLS_FORWARDED, PATH_ML_OTHER, EXPL_ML_OTHER },
	{ "F4 forwarder type, no DKIM", FL, FL, 0, 0, 0, S_NONE, &svc_forwarder,
	    CLS_FORWARDED, PATH_FORWARDED_NO_DKIM, EXPL_FWD_NO_DKIM },
	{ "F4 forwarder type, aligned sig broke", FL, FL, 1, 0, 0, S_NONE, &svc_forwarder,
	    CLS_FORWARDED, PATH_FORWARDED, EXPL_FWD_DKIM_BROKEN },
	{ "F4 security gateway, aligned sig broke", FL, FL, 1, 0, 0, S_NONE, &svc_gateway,
	    CLS_FORWARDED, PATH_FORWARDED, EXPL_FWD_DKIM_BROKEN },
	{ "F4 security gateway, no DKIM", FL, FL, 0, 0, 0, S_NONE, &svc_gateway,
	    CLS_FORWARDED, PATH_FORWARDED_NO_DKIM, EXPL_FWD_NO_DKIM },
	{ "F4 ISP with forwards=yes is a relay", FL, FL, 0, 0, 0, S_NONE, &svc_isp_fwd,
	    CLS_FORWARDED, PATH_FORWARDED_NO_DKIM, EXPL_FWD_NO_DKIM },
	{ "F4 order: relay beats F6 (Google is also a known sender)", FL, FL, 0, 0, 0, S_NONE,
	    &svc_google, CLS_FORWARDED, PATH_FORWARDED_NO_DKIM, EXPL_FWD_NO_DKIM },

	/* ---- F5: aligned signature present but failed, SPF pass for another domain →
	 * forwarded / ml_other */
	{ "F5 list on another domain, unknown host", PU, FL, 1, 0, 0, S_NONE, NULL,
	    CLS_FORWARDED, PATH_ML_OTHER, EXPL_ML_OTHER },
	{ "F5 with another passing signature (dkim pass_unaligned)", PU, PU, 1, 0, 0, S_NONE,
	    NULL, CLS_FORWARDED, PATH_ML_OTHER, EXPL_ML_OTHER },
	{ "F5 order: F5 beats F6 (known ESP)", PU, FL, 1, 0, 0, S_NONE, &svc_sendgrid,
	    CLS_FORWARDED, PATH_ML_OTHER, EXPL_ML_OTHER },
	{ "F5 from hosting", PU, FL, 1, 0, 0, S_NONE, &svc_hosting,
	    CLS_FORWARDED, PATH_ML_OTHER, EXPL_ML_OTHER },
	{ "F5 not when SPF failed (F7)", FL, FL, 1, 0, 0, S_NONE, NULL,
	    CLS_SPOOFING, PATH_SPOOFING, EXPL_SPOOFING },
	{ "F5 not without an aligned sig (F7)", PU, FL, 0, 0, 0, S_NONE, NULL,
	    CLS_SPOOFING, PATH_SPOOFING, EXPL_SPOOFING },
	{ "F5 not when SPF failed and a known ESP (F6)", FL, FL, 1, 0, 0, S_NONE, &svc_sendgrid,
	    CLS_AUTH_FAILURE, PATH_NORMAL, EXPL_AUTHFAIL_SERVICE },

	/* ---- F6: a known sending service → auth_failure / normal */
	{ "F6 transactional ESP (SendGrid)", PU, FL, 0, 0, 0, S_NONE, &svc_sendgrid,
	    CLS_AUTH_FAILURE, PATH_NORMAL, EXPL_AUTHFAIL_SERVICE },
	{ "F6 transactional ESP, spf fail", FL, FL, 0, 0, 0, S_NONE, &svc_sendgrid,
	    CLS_AUTH_FAILURE, PATH_NORMAL, EXPL_AUTHFAIL_SERVICE },
	{ "F6 marketing", PU, PU, 0, 0, 0, S_NONE, &svc_marketing,
	    CLS_AUTH_FAILURE, PATH_NORMAL, EXPL_AUTHFAIL_SERVICE },
	{ "F6 CRM", FL, PU, 0, 0, 0, S_NONE, &svc_crm,
	    CLS_AUTH_FAILURE, PATH_NORMAL, EXPL_AUTHFAIL_SERVICE },
	{ "F6 e-mail provider that does not forward", PU, FL, 0, 0, 0, S_NONE, &svc_mailbox_nofwd,
	    CLS_AUTH_FAILURE, PATH_NORMAL, EXPL_AUTHFAIL_SERVICE },
	{ "F6 other", FL, FL, 0, 0, 0, S_NONE, &svc_other,
	    CLS_AUTH_FAILURE, PATH_NORMAL, EXPL_AUTHFAIL_SERVICE },

	/* ---- F7: otherwise spoofing_suspected / spoofing */
	{ "F7 unknown host, nothing passes", FL, FL, 0, 0, 0, S_NONE, NULL,
	    CLS_SPOOFING, PATH_SPOOFING, EXPL_SPOOFING },
	{ "F7 unknown host, spf pass for the spoofer's domain", PU, FL, 0, 0, 0, S_NONE, NULL,
	    CLS_SPOOFING, PATH_SPOOFING, EXPL_SPOOFING },
	{ "F7 spoofer signs with its own d=", PU, PU, 0, 0, 0, S_NONE, NULL,
	    CLS_SPOOFING, PATH_SPOOFING, EXPL_SPOOFING },
	{ "F7 hosting is no evidence", PU, FL, 0, 0, 0, S_NONE, &svc_hosting,
	    CLS_SPOOFING, PATH_SPOOFING, EXPL_SPOOFING },
	{ "F7 an access ISP is no evidence", FL, FL, 0, 0, 0, S_NONE, &svc_isp,
	    CLS_SPOOFING, PATH_SPOOFING, EXPL_SPOOFING },
	{ "F7 a service of unknown type is no evidence", FL, FL, 0, 0, 0, S_NONE, &svc_unknown,
	    CLS_SPOOFING, PATH_SPOOFING, EXPL_SPOOFING },
};

static void
input_of(const cls_case *c, cls_input *in)
{
	memset(in, 0, sizeof(*in));
	in->spf = c->spf;
	in->dkim = c->dkim;
	in->dkim_signed_aligned = c->dsa;
	in->reporter_pass = c->rpass;
	in->disposition = DM_DISP_NONE;
	in->reasons = c->reasons;
	in->sender = c->sender;
	in->svc = c->svc;
}

static void
test_rule_table(void **state)
{
	int bad = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const cls_case *c = &cases[i];
		cls_input in;
		cls_result out;

		input_of(c, &in);
		memset(&out, 0xa5, sizeof(out));
		classify(&in, &out);
		if (out.cls != c->want_cls || out.path != c->want_path || out.expl != c->want_expl) {
			print_error("case %zu \"%s\": got %s/%s expl %d, want %s/%s expl %d\n", i,
			    c->name, cls_class_name(out.cls), cls_path_name(out.path), (int)out.expl,
			    cls_class_name(c->want_cls), cls_path_name(c->want_path),
			    (int)c->want_expl);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* The disposition is not a fact the rules read: every disposition gives the
 * same answer for every row of the table. */
static void
test_disposition_ignored(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cls_input in;
		cls_result ref, out;

		input_of(&cases[i], &in);
		classify(&in, &ref);
		for (int d = DM_DISP_UNKNOWN; d <= DM_DISP_REJECT; d++) {
			in.disposition = (dm_disp)d;
			classify(&in, &out);
			assert_int_equal(out.cls, ref.cls);
			assert_int_equal(out.path, ref.path);
			assert_int_equal(out.expl, ref.expl);
		}
	}
}

/* ---- exhaustive invariants ------------------------------------------------------ */

static const service *const all_svcs[] = {
	NULL, &svc_google, &svc_mailbox_nofwd, &svc_sendgrid, &svc_marketing, &svc_crm,
	&svc_forwarder, &svc_list, &svc_groups, &svc_gateway, &svc_hosting, &svc_isp,
	&svc_isp_fwd, &svc_other, &svc_unknown,
};

static const unsigned reason_bits[] = { R_FWD, R_TRUST, R_ML, R_LOCAL, R_SAMPLED };

/* Which paths each class may have (§2, §3 of CLASSIFICATION.md) and which
 * explanations go with each (class, path). */
static int
consistent(const cls_result *r)
{
	switch (r->cls) {
	case CLS_NORMAL:
		return (r->path == PATH_NORMAL && r->expl == EXPL_PASS) ||
		    (r->path == PATH_FORWARDED && r->expl == EXPL_PASS_FORWARDED) ||
		    (r->path == PATH_ML_OWN && r->expl == EXPL_PASS_ML_OWN);
	case CLS_FORWARDED:
		return (r->path == PATH_ML_OTHER && r->expl == EXPL_ML_OTHER) ||
		    (r->path == PATH_FORWARDED &&
		    (r->expl == EXPL_FWD_REASON || r->expl == EXPL_FWD_DKIM_BROKEN)) ||
		    (r->path == PATH_FORWARDED_NO_DKIM &&
		    (r->expl == EXPL_FWD_REASON || r->expl == EXPL_FWD_NO_DKIM));
	case CLS_AUTH_FAILURE:
		return r->path == PATH_NORMAL &&
		    (r->expl == EXPL_AUTHFAIL_SENDER || r->expl == EXPL_AUTHFAIL_SERVICE);
	case CLS_SPOOFING:
		return r->path == PATH_SPOOFING && r->expl == EXPL_SPOOFING;
	default:
		return 0;
	}
}

static void
test_invariants_exhaustive(void **state)
{
	size_t nsvc = sizeof(all_svcs) / sizeof(all_svcs[0]);
	size_t nr = sizeof(reason_bits) / sizeof(reason_bits[0]);
	long n = 0;

	(void)state;
	for (int spf = 0; spf < 3; spf++)
	for (int dkim = 0; dkim < 3; dkim++)
	for (int dsa = 0; dsa < 2; dsa++)
	for (int rp = 0; rp < 2; rp++)
	for (unsigned rm = 0; rm < (1u << nr); rm++)
	for (int snd = 0; snd < 3; snd++)
	for (size_t sv = 0; sv < nsvc; sv++) {
		cls_input in;
		cls_result out;
		unsigned reasons = 0;
		int pass = spf == PA || dkim == PA || rp;

		for (size_t b = 0; b < nr; b++)
			if (rm & (1u << b))
				reasons |= reason_bits[b];
		memset(&in, 0, sizeof(in));
		in.spf = (align_cat)spf;
		in.dkim = (align_cat)dkim;
		in.dkim_signed_aligned = dsa;
		in.reporter_pass = rp;
		in.reasons = reasons;
		in.sender = (sender_kind)snd;
		in.svc = all_svcs[sv];
		classify(&in, &out);
		n++;
		/* normal if and only if DMARC pass (ours or the reporter's) */
		if ((out.cls == CLS_NORMAL) != pass || !consistent(&out))
			fail_msg("spf %d dkim %d dsa %d rpass %d reasons %#x sender %d svc %s: "
			    "%s/%s expl %d", spf, dkim, dsa, rp, reasons, snd,
			    in.svc ? in.svc->name : "-", cls_class_name(out.cls),
			    cls_path_name(out.path), (int)out.expl);
		/* a failing record of My Senders is never spoofing */
		if (!pass && snd != SENDER_NONE && out.cls == CLS_SPOOFING)
			fail_msg("My Senders classed as spoofing");
		/* a failure with a mailing_list reason is always ml_other (F1 first) */
		if (!pass && (reasons & R_ML) && out.path != PATH_ML_OTHER)
			fail_msg("F1 not first");
		/* a failure with a forwarded reason (and no list reason) is class forwarded,
		 * path by the aligned signature (F2) */
		if (!pass && !(reasons & R_ML) && (reasons & (R_FWD | R_TRUST)) &&
		    (out.cls != CLS_FORWARDED ||
		    out.path != (dsa ? PATH_FORWARDED : PATH_FORWARDED_NO_DKIM)))
			fail_msg("F2 not applied: spf %d dkim %d dsa %d reasons %#x", spf, dkim,
			    dsa, reasons);
		/* the sender kind never matters beyond none vs registered */
		if (snd == SENDER_THIRD_PARTY) {
			cls_result o2;

			in.sender = SENDER_INTERNAL;
			classify(&in, &o2);
			assert_int_equal(o2.cls, out.cls);
			assert_int_equal(o2.path, out.path);
			assert_int_equal(o2.expl, out.expl);
		}
	}
	assert_true(n > 10000);
}

/* classify() writes every field whatever out held before. */
static void
test_output_fully_written(void **state)
{
	cls_input in;
	cls_result a, b;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.spf = FL;
	in.dkim = FL;
	memset(&a, 0x00, sizeof(a));
	memset(&b, 0xff, sizeof(b));
	classify(&in, &a);
	classify(&in, &b);
	assert_int_equal(a.cls, b.cls);
	assert_int_equal(a.path, b.path);
	assert_int_equal(a.expl, b.expl);
	assert_int_equal(a.cls, CLS_SPOOFING);
}

/* ---- names ---------------------------------------------------------------------- */

static void
test_class_names(void **state)
{
	static const char *const want[CLS__COUNT] = {
		"normal", "forwarded", "auth_failure", "spoofing_suspected"
	};

	(void)state;
	assert_int_equal(CLS_NORMAL, 0);	/* codes stored in the DB (§5) */
	assert_int_equal(CLS_FORWARDED, 1);
	assert_int_equal(CLS_AUTH_FAILURE, 2);
	assert_int_equal(CLS_SPOOFING, 3);
	for (int i = 0; i < CLS__COUNT; i++) {
		assert_string_equal(cls_class_name((cls_class)i), want[i]);
		assert_int_equal(cls_class_parse(want[i]), i);
		assert_int_equal(cls_class_parse(cls_class_name((cls_class)i)), i);
	}
	assert_int_equal(cls_class_parse("spoofing"), CLS_SPOOFING);	/* alias */
	assert_int_equal(cls_class_parse(NULL), -1);
	assert_int_equal(cls_class_parse(""), -1);
	assert_int_equal(cls_class_parse("spoof"), -1);
	assert_int_equal(cls_class_parse("normal "), -1);
	assert_int_equal(cls_class_parse("auth-failure"), -1);
	assert_int_equal(cls_class_parse("ml_own"), -1);	/* a path, not a class */
	assert_string_equal(cls_class_name(CLS__COUNT), "unknown");
	assert_string_equal(cls_class_name((cls_class)-1), "unknown");
	assert_string_equal(cls_class_name((cls_class)99), "unknown");
}

static void
test_path_names(void **state)
{
	static const char *const want[PATH__COUNT] = {
		"normal", "forwarded", "forwarded_no_dkim", "ml_own", "ml_other", "spoofing"
	};

	(void)state;
	assert_int_equal(PATH_NORMAL, 0);	/* codes stored in the DB (§5) */
	assert_int_equal(PATH_FORWARDED, 1);
	assert_int_equal(PATH_FORWARDED_NO_DKIM, 2);
	assert_int_equal(PATH_ML_OWN, 3);
	assert_int_equal(PATH_ML_OTHER, 4);
	assert_int_equal(PATH_SPOOFING, 5);
	for (int i = 0; i < PATH__COUNT; i++) {
		assert_string_equal(cls_path_name((cls_path)i), want[i]);
		assert_int_equal(cls_path_parse(want[i]), i);
	}
	assert_int_equal(cls_path_parse(NULL), -1);
	assert_int_equal(cls_path_parse(""), -1);
	assert_int_equal(cls_path_parse("spoofing_suspected"), -1);	/* a class */
	assert_int_equal(cls_path_parse("auth_failure"), -1);
	assert_int_equal(cls_path_parse("forwarded_no"), -1);
	assert_int_equal(cls_path_parse("ml"), -1);
	assert_string_equal(cls_path_name(PATH__COUNT), "unknown");
	assert_string_equal(cls_path_name((cls_path)-1), "unknown");
}

/* ---- explanations ------------------------------------------------------------------ */

static int
has_non_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 1;
	return 0;
}

/* Well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
static int
valid_utf8(const char *str)
{
	const unsigned char *p = (const unsigned char *)str;

	while (*p) {
		unsigned char c = *p;
		int len;
		unsigned char lo = 0x80, hi = 0xbf;

		if (c < 0x80) {
			p++;
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
		for (int k = 1; k < len; k++)
			if (p[k] < (k == 1 ? lo : 0x80) || p[k] > (k == 1 ? hi : 0xbf))
				return 0;
		p += len;
	}
	return 1;
}

static void
test_explain_every_id(void **state)
{
	(void)state;
	for (int e = 0; e < EXPL__COUNT; e++) {
		const char *en = cls_explain((cls_expl)e, "en");
		const char *ja = cls_explain((cls_expl)e, "ja");

		assert_non_null(en);
		assert_non_null(ja);
		if (strlen(en) < 20 || strlen(ja) < 10)
			fail_msg("explanation %d too short: en \"%s\" ja \"%s\"", e, en, ja);
		assert_false(has_non_ascii(en));	/* English is ASCII */
		assert_true(has_non_ascii(ja));		/* Japanese is Japanese */
		assert_true(valid_utf8(ja));
		assert_string_not_equal(en, ja);
		assert_null(strchr(en, '\n'));		/* one line each */
		assert_null(strchr(ja, '\n'));
		/* every id has its own text */
		for (int f = 0; f < e; f++) {
			assert_string_not_equal(en, cls_explain((cls_expl)f, "en"));
			assert_string_not_equal(ja, cls_explain((cls_expl)f, "ja"));
		}
	}
}

static void
test_explain_lang_fallback(void **state)
{
	(void)state;
	for (int e = 0; e < EXPL__COUNT; e++) {
		const char *en = cls_explain((cls_expl)e, "en");

		assert_string_equal(cls_explain((cls_expl)e, NULL), en);
		assert_string_equal(cls_explain((cls_expl)e, ""), en);
		assert_string_equal(cls_explain((cls_expl)e, "fr"), en);
		assert_string_equal(cls_explain((cls_expl)e, "EN"), en);
	}
	/* out of range: an empty string, never NULL */
	assert_string_equal(cls_explain(EXPL__COUNT, "en"), "");
	assert_string_equal(cls_explain(EXPL__COUNT, "ja"), "");
	assert_string_equal(cls_explain((cls_expl)-1, "en"), "");
	assert_string_equal(cls_explain((cls_expl)1000, "ja"), "");
}

/* The explanation says what the class says. */
static void
test_explain_wording(void **state)
{
	(void)state;
	assert_non_null(strstr(cls_explain(EXPL_SPOOFING, "en"), "poof"));
	assert_non_null(strstr(cls_explain(EXPL_SPOOFING, "ja"), "なりすまし"));
	assert_non_null(strstr(cls_explain(EXPL_PASS_FORWARDED, "en"), "orward"));
	assert_non_null(strstr(cls_explain(EXPL_PASS_FORWARDED, "ja"), "転送"));
	assert_non_null(strstr(cls_explain(EXPL_FWD_NO_DKIM, "en"), "DKIM"));
	assert_non_null(strstr(cls_explain(EXPL_ML_OTHER, "en"), "ailing list"));
	assert_non_null(strstr(cls_explain(EXPL_ML_OTHER, "ja"), "メーリングリスト"));
	assert_non_null(strstr(cls_explain(EXPL_PASS_ML_OWN, "ja"), "メーリングリスト"));
	assert_non_null(strstr(cls_explain(EXPL_AUTHFAIL_SENDER, "en"), "uthentication failure"));
	assert_non_null(strstr(cls_explain(EXPL_AUTHFAIL_SERVICE, "ja"), "認証失敗"));
	assert_non_null(strstr(cls_explain(EXPL_PASS, "en"), "DMARC pass"));
}

/* ---- cls_known_sender -------------------------------------------------------------- */

static void
test_known_sender_types(void **state)
{
	static const struct {
		service_type t;
		int want;
	} tab[] = {
		{ SVC_EMAIL_PROVIDER, 1 },
		{ SVC_MARKETING, 1 },
		{ SVC_TRANSACTIONAL, 1 },
		{ SVC_CRM, 1 },
		{ SVC_FORWARDER, 1 },
		{ SVC_MAILING_LIST, 1 },
		{ SVC_SECURITY, 1 },
		{ SVC_OTHER, 1 },
		{ SVC_HOSTING, 0 },	/* anyone can rent it */
		{ SVC_ISP, 0 },		/* residential / access ranges */
		{ SVC_UNKNOWN, 0 },	/* pinned: a type we could not read names no sender */
	};
	int seen[SVC__COUNT] = { 0 };

	(void)state;
	assert_int_equal(cls_known_sender(NULL), 0);
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		for (int fwd = 0; fwd < 2; fwd++) {
			service s = { "x.example", "X", tab[i].t, "x", fwd };

			if (cls_known_sender(&s) != tab[i].want)
				fail_msg("type %s forwards=%d: known_sender %d, want %d",
				    service_type_name(tab[i].t), fwd, cls_known_sender(&s),
				    tab[i].want);
		}
		seen[tab[i].t] = 1;
	}
	for (int t = 0; t < SVC__COUNT; t++)	/* every type is covered above */
		if (!seen[t])
			fail_msg("service type %d (%s) not in the table", t,
			    service_type_name((service_type)t));
	/* the hand-made services used by the rule table */
	assert_int_equal(cls_known_sender(&svc_google), 1);
	assert_int_equal(cls_known_sender(&svc_sendgrid), 1);
	assert_int_equal(cls_known_sender(&svc_hosting), 0);
	assert_int_equal(cls_known_sender(&svc_isp_fwd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_table),
		cmocka_unit_test(test_disposition_ignored),
		cmocka_unit_test(test_invariants_exhaustive),
		cmocka_unit_test(test_output_fully_written),
		cmocka_unit_test(test_class_names),
		cmocka_unit_test(test_path_names),
		cmocka_unit_test(test_explain_every_id),
		cmocka_unit_test(test_explain_lang_fallback),
		cmocka_unit_test(test_explain_wording),
		cmocka_unit_test(test_known_sender_types),
	};

	return cmocka_run_group_tests_name("classify", tests, NULL, NULL);
}
