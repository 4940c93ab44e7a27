/*
 * classify.h - the class and the path case of one record (the rules are in
 * docs/CLASSIFICATION.md; this file is their only implementation).
 *
 * Pure functions of their input: no I/O, no allocation, so the same code
 * classifies at ingest, on reclassification and in tests.
 *
 * Exports:
 *   classify()                        input facts → class, path case, explanation id
 *   cls_class_name/parse, cls_path_name/parse   enum ↔ stable API names
 *   cls_explain(expl, lang)           one line in "en" or "ja"
 *   cls_known_sender(svc)             1 when svc is a service that sends on
 *                                     customers' behalf (not hosting / ISP)
 */
#ifndef DS_CLASSIFY_H
#define DS_CLASSIFY_H

#include "align.h"
#include "services.h"
#include "../report/report.h"

typedef enum {
	CLS_NORMAL = 0,		/* DMARC pass */
	CLS_FORWARDED,		/* failed because a forwarder or list relayed it */
	CLS_AUTH_FAILURE,	/* an authorized or known sender failed */
	CLS_SPOOFING,		/* spoofing suspected */
	CLS__COUNT
} cls_class;

/* The six path cases of the JIPDEC DMARC session. */
typedef enum {
	PATH_NORMAL = 0,	/* direct from an authorized / own server */
	PATH_FORWARDED,		/* forwarded, DKIM signature survived */
	PATH_FORWARDED_NO_DKIM,	/* forwarded, no (valid) DKIM: SPF cannot survive */
	PATH_ML_OWN,		/* mailing list on your own domain */
	PATH_ML_OTHER,		/* mailing list on another domain */
	PATH_SPOOFING,		/* unknown source, nothing aligned */
	PATH__COUNT
} cls_path;

/* Who the sending host is, from My Senders (see senders.h). */
typedef enum {
	SENDER_NONE = 0,	/* not registered */
	SENDER_INTERNAL = 1,
	SENDER_THIRD_PARTY = 2
} sender_kind;

/* Bits of cls_input.reasons: 1u << dm_reason_type. */
#define CLS_REASON_BIT(t) (1u << (unsigned)(t))

typedef struct cls_input {
	align_cat spf, dkim;	/* our recomputed categories */
	int dkim_signed_aligned;	/* some DKIM signature (any result) has an aligned d= */
	int reporter_pass;	/* the reporter's verdict: policy_evaluated dkim or spf pass */
	dm_disp disposition;
	unsigned reasons;	/* CLS_REASON_BIT of every override reason */
	sender_kind sender;	/* My Senders match */
	const service *svc;	/* known service of the host (rDNS / ASN / auth domain), or NULL */
} cls_input;

/* Explanation ids: one line each in en and ja. */
typedef enum {
	EXPL_PASS = 0,		/* aligned and authorized / unknown direct */
	EXPL_PASS_FORWARDED,	/* DKIM survived a forwarder */
	EXPL_PASS_ML_OWN,	/* own-domain list: SPF aligned, DKIM broken */
	EXPL_FWD_NO_DKIM,
	EXPL_FWD_DKIM_BROKEN,	/* forwarded, the signature was broken on the way */
	EXPL_FWD_REASON,	/* the receiver itself said forwarded / trusted forwarder */
	EXPL_ML_OTHER,
	EXPL_AUTHFAIL_SENDER,	/* a registered sender failed */
	EXPL_AUTHFAIL_SERVICE,	/* a known sending service (not registered) failed */
	EXPL_SPOOFING,
	EXPL__COUNT
} cls_expl;

typedef struct cls_result {
	cls_class cls;
	cls_path path;
	cls_expl expl;
} cls_result;

void classify(const cls_input *in, cls_result *out);

const char *cls_class_name(cls_class c);	/* normal|forwarded|auth_failure|spoofing_suspected */
int cls_class_parse(const char *s);		/* -1 when unknown */
const char *cls_path_name(cls_path p);	/* normal|forwarded|forwarded_no_dkim|ml_own|ml_other|spoofing */
int cls_path_parse(const char *s);
const char *cls_explain(cls_expl e, const char *lang);	/* lang "ja" or anything else → en */
int cls_known_sender(const service *svc);

#endif
