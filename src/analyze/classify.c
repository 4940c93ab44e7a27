/*
 * classify.c - the record classifier; docs/CLASSIFICATION.md is its
 * specification, in the same order as the checks below.
 *
 * Exports: see classify.h.
 */
#include <string.h>

#include "classify.h"

static const char *const class_names[CLS__COUNT] = {
	"normal", "forwarded", "auth_failure", "spoofing_suspected"
};

static const char *const path_names[PATH__COUNT] = {
	"normal", "forwarded", "forwarded_no_dkim", "ml_own", "ml_other", "spoofing"
};

static const char *const expl_en[EXPL__COUNT] = {
	[EXPL_PASS] = "DMARC pass: SPF or DKIM is aligned with the header From domain.",
	[EXPL_PASS_FORWARDED] = "Forwarded: SPF failed at the forwarder, but the DKIM signature "
	    "survived, so DMARC passed.",
	[EXPL_PASS_ML_OWN] = "Mailing list on your own domain: the list re-sent it with your "
	    "envelope domain (SPF aligned) but changed the message, breaking DKIM.",
	[EXPL_FWD_NO_DKIM] = "Forwarded without DKIM: SPF cannot survive forwarding and there "
	    "was no valid aligned DKIM signature. Sign with DKIM to fix this.",
	[EXPL_FWD_DKIM_BROKEN] = "Forwarded: the forwarder changed the message and broke the "
	    "DKIM signature, and SPF does not survive forwarding.",
	[EXPL_FWD_REASON] = "The receiver reported this as forwarded (policy override), so the "
	    "failure is expected.",
	[EXPL_ML_OTHER] = "Mailing list on another domain: the list used its own envelope "
	    "domain and changed the message, breaking DKIM.",
	[EXPL_AUTHFAIL_SENDER] = "Authentication failure: one of your registered senders sent "
	    "without aligned SPF or DKIM. Fix its SPF include or DKIM signing.",
	[EXPL_AUTHFAIL_SERVICE] = "Authentication failure: a known sending service sent without "
	    "aligned SPF or DKIM. If you use it, register it and set up DKIM for your domain.",
	[EXPL_SPOOFING] = "Spoofing suspected: an unknown source used your domain and neither "
	    "SPF nor DKIM is aligned.",
};

static const char *const expl_ja[EXPL__COUNT] = {
	[EXPL_PASS] = "DMARC認証成功: SPFまたはDKIMのドメインがヘッダFromのドメインとアライメント一致しています。",
	[EXPL_PASS_FORWARDED] = "転送: 転送先でSPFは失敗しましたが、DKIM署名が保たれたためDMARC認証に成功しました。",
	[EXPL_PASS_ML_OWN] = "自ドメインのメーリングリスト: エンベロープは自ドメイン(SPFはアライメント一致)ですが、"
	    "本文や件名の変更でDKIM署名が壊れています。",
	[EXPL_FWD_NO_DKIM] = "DKIM署名のない転送: SPFは転送で必ず失敗し、アライメントの一致する有効なDKIM署名もありません。"
	    "DKIM署名を付けると解決します。",
	[EXPL_FWD_DKIM_BROKEN] = "転送: 転送時にメッセージが変更されDKIM署名が壊れ、SPFも転送では通りません。",
	[EXPL_FWD_REASON] = "受信側が転送と判定しています(ポリシー上書き)。この失敗は想定どおりです。",
	[EXPL_ML_OTHER] = "他ドメインのメーリングリスト: リストが独自のエンベロープを使い、"
	    "メッセージを変更したためDKIM署名が壊れています。",
	[EXPL_AUTHFAIL_SENDER] = "認証失敗: 登録済みの送信元が、アライメントの一致するSPF/DKIMなしで送信しています。"
	    "SPFのincludeやDKIM署名の設定を見直してください。",
	[EXPL_AUTHFAIL_SERVICE] = "認証失敗: 既知の配信サービスが、アライメントの一致するSPF/DKIMなしで送信しています。"
	    "利用中なら送信元として登録し、自ドメインのDKIMを設定してください。",
	[EXPL_SPOOFING] = "なりすましの疑い: 不明な送信元が自ドメインを名乗っており、SPFもDKIMもアライメントが一致していません。",
};

const char *
cls_class_name(cls_class c)
{
	return (unsigned)c < CLS__COUNT ? class_names[c] : "unknown";
}

const char *
cls_path_name(cls_path p)
{
	return (unsigned)p < PATH__COUNT ? path_names[p] : "unknown";
}

static int
lookup(const char *const *names, int n, const char *s)
{
	for (int i = 0; s != NULL && i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

int
cls_class_parse(const char *s)
{
	if (s != NULL && strcmp(s, "spoofing") == 0)
		return CLS_SPOOFING;
	return lookup(class_names, CLS__COUNT, s);
}

int
cls_path_parse(const char *s)
{
	return lookup(path_names, PATH__COUNT, s);
}

const char *
cls_explain(cls_expl e, const char *lang)
{
	if ((unsigned)e >= EXPL__COUNT)
		return "";
	return lang != NULL && strcmp(lang, "ja") == 0 ? expl_ja[e] : expl_en[e];
}

/* A service that sends on its customers' behalf: a failure from it is most
 * likely a misconfigured sender of yours, not a spoofer.  Hosting and
 * access ISPs are open to anyone, so they are no evidence. */
int
cls_known_sender(const service *svc)
{
	if (svc == NULL)
		return 0;
	switch (svc->type) {
	case SVC_EMAIL_PROVIDER:
	case SVC_MARKETING:
	case SVC_TRANSACTIONAL:
	case SVC_CRM:
	case SVC_FORWARDER:
	case SVC_MAILING_LIST:
	case SVC_SECURITY:
	case SVC_OTHER:
		return 1;
	default:
		return 0;
	}
}

/* A host that relays other people's mail: forwarders, lists, gateways and
 * mailbox providers that offer forwarding. */
static int
relays(const service *svc)
{
	if (svc == NULL)
		return 0;
	return svc->forwards || svc->type == SVC_FORWARDER || svc->type == SVC_MAILING_LIST ||
	    svc->type == SVC_SECURITY;
}

static void
set(cls_result *out, cls_class c, cls_path p, cls_expl e)
{
	out->cls = c;
	out->path = p;
	out->expl = e;
}

void
classify(const cls_input *in, cls_result *out)
{
	int authorized = in->sender != SENDER_NONE;
	int fwd_reason = (in->reasons & (CLS_REASON_BIT(DM_REASON_FORWARDED) |
	    CLS_REASON_BIT(DM_REASON_TRUSTED_FORWARDER))) != 0;
	int ml_reason = (in->reasons & CLS_REASON_BIT(DM_REASON_MAILING_LIST)) != 0;
	int pass = in->spf == ALIGN_PASS_ALIGNED || in->dkim == ALIGN_PASS_ALIGNED ||
	    in->reporter_pass;

	if (pass) {
		/* Rule P1: SPF aligned, an aligned signature that no longer verifies. */
		if (in->spf == ALIGN_PASS_ALIGNED && in->dkim != ALIGN_PASS_ALIGNED &&
		    (in->dkim_signed_aligned || ml_reason)) {
			set(out, CLS_NORMAL, PATH_ML_OWN, EXPL_PASS_ML_OWN);
			return;
		}
		/* Rule P2: DKIM carried it, SPF did not, through somebody else's host. */
		if (in->dkim == ALIGN_PASS_ALIGNED && in->spf != ALIGN_PASS_ALIGNED &&
		    !authorized && (fwd_reason || relays(in->svc) ||
		    (in->spf == ALIGN_FAIL && !cls_known_sender(in->svc)))) {
			set(out, CLS_NORMAL, PATH_FORWARDED, EXPL_PASS_FORWARDED);
			return;
		}
		set(out, CLS_NORMAL, PATH_NORMAL, EXPL_PASS);
		return;
	}
	/* F1, F2: the receiver's own override reasons. */
	if (ml_reason) {
		set(out, CLS_FORWARDED, PATH_ML_OTHER, EXPL_ML_OTHER);
		return;
	}
	if (fwd_reason) {
		set(out, CLS_FORWARDED, in->dkim_signed_aligned ? PATH_FORWARDED :
		    PATH_FORWARDED_NO_DKIM, EXPL_FWD_REASON);
		return;
	}
	/* F3: one of My Senders. */
	if (authorized) {
		set(out, CLS_AUTH_FAILURE, PATH_NORMAL, EXPL_AUTHFAIL_SENDER);
		return;
	}
	/* F4: a known relay. */
	if (relays(in->svc)) {
		if (in->svc->type == SVC_MAILING_LIST)
			set(out, CLS_FORWARDED, PATH_ML_OTHER, EXPL_ML_OTHER);
		else if (in->dkim_signed_aligned)
			set(out, CLS_FORWARDED, PATH_FORWARDED, EXPL_FWD_DKIM_BROKEN);
		else
			set(out, CLS_FORWARDED, PATH_FORWARDED_NO_DKIM, EXPL_FWD_NO_DKIM);
		return;
	}
	/* F5: re-enveloped and modified: our broken signature, their SPF. */
	if (in->dkim_signed_aligned && in->spf == ALIGN_PASS_UNALIGNED) {
		set(out, CLS_FORWARDED, PATH_ML_OTHER, EXPL_ML_OTHER);
		return;
	}
	/* F6: a known sending service. */
	if (cls_known_sender(in->svc)) {
		set(out, CLS_AUTH_FAILURE, PATH_NORMAL, EXPL_AUTHFAIL_SERVICE);
		return;
	}
	set(out, CLS_SPOOFING, PATH_SPOOFING, EXPL_SPOOFING);
}
