/*
 * findings.c - the findings model of the DNS checks: one table of every
 * finding (code, severity, RFC section, one line of en and ja with one %s
 * for the finding's argument), dc_add / dc_add_record, the JSON form the
 * CLI (--json), the API and the history use, and the text form.
 *
 * The codes are stable (the tests' expected JSON and the portal's text keys
 * "check.CODE" use them); the texts may change.
 *
 * Exports: dc_def_find, dc_def_at, dc_add, dc_add_record, dc_text,
 * dc_severity_name, dc_result_json, dc_counts, dc_result_free (dnscheck.h).
 * Ownership: the result owns every string it was given (copied).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnscheck.h"
#include "../util/log.h"

static const dc_def defs[] = {
	/* ---- DMARC */
	{ "dmarc.ok", DC_INFO, "RFC 9989 §4.8", "DMARC record: %s", "DMARC レコード: %s" },
	{ "dmarc.none", DC_ERROR, "RFC 9989 §4.10.1",
	    "No DMARC record for %s, here or above: DMARC does not apply",
	    "%s の DMARC レコードがありません（上位ドメインにもありません）。DMARC は適用されません" },
	{ "dmarc.inherited", DC_WARN, "RFC 9989 §4.10.1",
	    "No record of its own: the record of %s applies (tree walk)",
	    "自身のレコードがありません。%s のレコードが適用されます（ツリーウォーク）" },
	{ "dmarc.multiple", DC_ERROR, "RFC 7489 §6.6.3",
	    "%s DMARC records at one name: all of them are ignored",
	    "同じ名前に DMARC レコードが %s 件あります。すべて無視されます" },
	{ "dmarc.version", DC_ERROR, "RFC 9989 §4.8",
	    "The record does not begin with v=DMARC1 (exact case): %s",
	    "レコードが v=DMARC1（大文字小文字も一致）で始まっていません: %s" },
	{ "dmarc.syntax", DC_ERROR, "RFC 9989 §4.8", "Not a tag=value item: %s",
	    "tag=value の形になっていない項目があります: %s" },
	{ "dmarc.p_missing", DC_WARN, "RFC 9989 §4.8",
	    "No p= tag: receivers treat the record as p=none because rua is valid",
	    "p= タグがありません。rua が有効なので p=none として扱われます" },
	{ "dmarc.p_missing_norua", DC_ERROR, "RFC 9989 §4.8",
	    "No valid p= tag and no valid rua: DMARC does not apply",
	    "有効な p= タグも rua もありません。DMARC は適用されません" },
	{ "dmarc.value_invalid", DC_ERROR, "RFC 9989 §4.8", "Value not allowed: %s",
	    "使えない値です: %s" },
	{ "dmarc.p_none", DC_WARN, "RFC 9989 §4.8",
	    "p=none: failing mail is delivered as usual (monitoring only)",
	    "p=none: 認証に失敗したメールもそのまま配送されます（監視のみ）" },
	{ "dmarc.p_quarantine", DC_INFO, "RFC 9989 §4.8",
	    "p=quarantine: failing mail goes to spam folders",
	    "p=quarantine: 認証に失敗したメールは迷惑メールフォルダに入ります" },
	{ "dmarc.p_reject", DC_INFO, "RFC 9989 §4.8", "p=reject: failing mail is rejected",
	    "p=reject: 認証に失敗したメールは受信を拒否されます" },
	{ "dmarc.pct", DC_WARN, "RFC 7489 §6.3",
	    "pct=%s: removed in RFC 9989 (use t=y); RFC 7489 receivers apply the policy to that share",
	    "pct=%s: RFC 9989 で廃止されました（t=y を使います）。RFC 7489 の受信側はこの割合にだけポリシーを適用します" },
	{ "dmarc.removed_tag", DC_WARN, "RFC 9989 §4.8",
	    "%s: removed in RFC 9989, ignored by its receivers",
	    "%s: RFC 9989 で廃止されたタグです。受信側は無視します" },
	{ "dmarc.t_y", DC_INFO, "RFC 9989 §4.8",
	    "t=y: testing; receivers apply the policy one level lower",
	    "t=y: テスト中です。受信側はポリシーを 1 段階弱めて適用します" },
	{ "dmarc.t_none", DC_WARN, "RFC 9989 §4.8", "t=y with p=none has no effect",
	    "p=none のとき t=y は意味を持ちません" },
	{ "dmarc.psd_y", DC_WARN, "RFC 9989 §4.8",
	    "psd=y: the domain declares itself a public suffix operator",
	    "psd=y: このドメインをパブリックサフィックスの運営者として宣言しています" },
	{ "dmarc.unknown_tag", DC_WARN, "RFC 9989 §4.8", "Unknown tag %s (ignored; a typo?)",
	    "不明なタグ %s（無視されます。入力誤りではありませんか）" },
	{ "dmarc.dup_tag", DC_WARN, "RFC 9989 §4.8", "Tag %s appears more than once",
	    "タグ %s が複数回あります" },
	{ "dmarc.no_rua", DC_WARN, "RFC 9989 §4.8", "No rua: nobody sends you aggregate reports",
	    "rua がありません。集計レポートは届きません" },
	{ "dmarc.uri_bad", DC_ERROR, "RFC 9989 §4.8", "Bad report address: %s",
	    "レポート送信先が正しくありません: %s" },
	{ "dmarc.uri_size", DC_WARN, "RFC 9989 §4.8", "The !size suffix is obsolete: %s",
	    "!サイズ指定は廃止されました: %s" },
	{ "dmarc.ext_ok", DC_INFO, "RFC 7489 §7.1", "External report destination authorized: %s",
	    "外部のレポート送信先が許可されています: %s" },
	{ "dmarc.ext_missing", DC_ERROR, "RFC 7489 §7.1",
	    "No authorization record %s: reports to that destination are not sent",
	    "許可レコード %s がありません。その送信先にはレポートが送られません" },
	{ "dmarc.fo_noruf", DC_WARN, "RFC 9989 §4.8", "fo= without ruf= has no effect",
	    "ruf= がないので fo= は意味を持ちません" },
	/* ---- SPF */
	{ "spf.ok", DC_INFO, "RFC 7208 §4.6.4", "SPF record: %s DNS lookups of 10",
	    "SPF レコード: DNS 参照 %s 回（上限 10 回）" },
	{ "spf.none", DC_WARN, "RFC 7208 §4.5", "No SPF record at %s", "%s に SPF レコードがありません" },
	{ "spf.multiple", DC_ERROR, "RFC 7208 §4.5", "%s SPF records at one name: permerror",
	    "同じ名前に SPF レコードが %s 件あります（permerror）" },
	{ "spf.syntax", DC_ERROR, "RFC 7208 §4.6.1", "Bad term %s: permerror",
	    "正しくない項目 %s（permerror）" },
	{ "spf.lookups", DC_ERROR, "RFC 7208 §4.6.4",
	    "%s DNS lookups: more than 10, receivers return permerror",
	    "DNS 参照が %s 回あり、上限の 10 回を超えています（permerror）" },
	{ "spf.lookups_near", DC_WARN, "RFC 7208 §4.6.4",
	    "%s DNS lookups of 10: close to the limit", "DNS 参照が %s 回で、上限の 10 回に近づいています" },
	{ "spf.voids", DC_ERROR, "RFC 7208 §4.6.4",
	    "%s void lookups: more than 2, receivers return permerror",
	    "結果のない DNS 参照が %s 回あり、上限の 2 回を超えています（permerror）" },
	{ "spf.void", DC_WARN, "RFC 7208 §4.6.4", "Void lookup (no record): %s",
	    "結果のない DNS 参照: %s" },
	{ "spf.loop", DC_ERROR, "RFC 7208 §4.6.4", "Loop: %s refers back to itself",
	    "ループ: %s が自分自身を参照しています" },
	{ "spf.include_none", DC_ERROR, "RFC 7208 §5.2", "include:%s has no SPF record: permerror",
	    "include:%s に SPF レコードがありません（permerror）" },
	{ "spf.redirect_none", DC_ERROR, "RFC 7208 §6.1", "redirect=%s has no SPF record: permerror",
	    "redirect=%s に SPF レコードがありません（permerror）" },
	{ "spf.pass_all", DC_ERROR, "RFC 7208 §5.1", "%s: every host on the Internet passes SPF",
	    "%s: インターネット上のすべてのホストが SPF に成功します" },
	{ "spf.neutral_all", DC_WARN, "RFC 7208 §5.1", "%s: unlisted hosts get neutral; SPF protects nothing",
	    "%s: 記載のないホストは neutral になり、SPF が役に立ちません" },
	{ "spf.no_all", DC_WARN, "RFC 7208 §4.7", "No all and no redirect: unlisted hosts get neutral",
	    "all も redirect もありません。記載のないホストは neutral になります" },
	{ "spf.redirect_ignored", DC_WARN, "RFC 7208 §6.1", "redirect= is ignored because all is present",
	    "all があるので redirect= は無視されます" },
	{ "spf.ptr", DC_WARN, "RFC 7208 §5.5", "ptr should not be used: %s",
	    "ptr は使うべきではありません: %s" },
	{ "spf.mx_many", DC_ERROR, "RFC 7208 §4.6.4", "More than 10 MX records: %s",
	    "MX レコードが 10 件を超えています: %s" },
	{ "spf.modifier_dup", DC_ERROR, "RFC 7208 §6", "redirect= or exp= more than once: permerror",
	    "redirect= または exp= が複数回あります（permerror）" },
	{ "spf.size", DC_WARN, "RFC 7208 §3.4", "The SPF answer is %s bytes: over 512",
	    "SPF の応答が %s バイトあり、512 バイトを超えています" },
	{ "spf.macro", DC_INFO, "RFC 7208 §7", "Macro not expanded here: %s",
	    "マクロはここでは展開しません: %s" },
	/* ---- DKIM */
	{ "dkim.no_selectors", DC_INFO, "RFC 6376 §3.1",
	    "No DKIM selector seen in the reports for this domain",
	    "このドメインのレポートに DKIM セレクタが見当たりません" },
	{ "dkim.ok", DC_INFO, "RFC 6376 §3.6.1", "DKIM key: %s", "DKIM 公開鍵: %s" },
	{ "dkim.missing", DC_ERROR, "RFC 6376 §3.6.2.2",
	    "No DKIM key at %s: signatures with this selector fail",
	    "%s に DKIM 公開鍵がありません。このセレクタの署名は失敗します" },
	{ "dkim.revoked", DC_WARN, "RFC 6376 §3.6.1", "The key at %s is revoked (empty p=)",
	    "%s の公開鍵は失効しています（p= が空）" },
	{ "dkim.testing", DC_WARN, "RFC 6376 §3.6.1", "t=y at %s: the domain is testing DKIM",
	    "%s に t=y があります: DKIM のテスト中です" },
	{ "dkim.short", DC_ERROR, "RFC 8301 §3.2", "RSA key of %s bits: verifiers must not accept it",
	    "RSA 鍵が %s ビットです。検証側は受け入れません" },
	{ "dkim.weak", DC_WARN, "RFC 8301 §3.2", "RSA key of %s bits: 2048 bits are recommended",
	    "RSA 鍵が %s ビットです。2048 ビットを推奨します" },
	{ "dkim.bad_key", DC_ERROR, "RFC 6376 §3.6.1", "The key at %s does not decode",
	    "%s の公開鍵を読み取れません" },
	{ "dkim.syntax", DC_ERROR, "RFC 6376 §3.6.1", "Not a DKIM key record: %s",
	    "DKIM 公開鍵のレコードではありません: %s" },
	{ "dkim.k_unknown", DC_WARN, "RFC 8463 §3", "Unknown key type k=%s", "不明な鍵の種類 k=%s" },
	/* ---- MTA-STS */
	{ "sts.none", DC_INFO, "RFC 8461 §3.1", "No MTA-STS record at %s", "%s に MTA-STS レコードがありません" },
	{ "sts.ok", DC_INFO, "RFC 8461 §3.2", "MTA-STS policy: %s", "MTA-STS ポリシー: %s" },
	{ "sts.record_bad", DC_ERROR, "RFC 8461 §3.1", "The MTA-STS record is not valid: %s",
	    "MTA-STS レコードが正しくありません: %s" },
	{ "sts.multiple", DC_ERROR, "RFC 8461 §3.1", "%s MTA-STS records: senders ignore them",
	    "MTA-STS レコードが %s 件あります。送信側は無視します" },
	{ "sts.fetch_failed", DC_ERROR, "RFC 8461 §3.3", "The policy file could not be fetched: %s",
	    "ポリシーファイルを取得できません: %s" },
	{ "sts.policy_bad", DC_ERROR, "RFC 8461 §3.2", "The policy file is not valid: %s",
	    "ポリシーファイルが正しくありません: %s" },
	{ "sts.testing", DC_INFO, "RFC 8461 §5", "mode: testing: failures are reported, mail is delivered",
	    "mode: testing: 失敗は報告されますがメールは配送されます" },
	{ "sts.mode_none", DC_WARN, "RFC 8461 §5", "mode: none: the policy is withdrawn",
	    "mode: none: ポリシーは取り下げられています" },
	{ "sts.mx_mismatch", DC_WARN, "RFC 8461 §4.1", "MX %s is not covered by the policy's mx lines",
	    "MX %s がポリシーの mx 行に含まれていません" },
	{ "sts.max_age_short", DC_WARN, "RFC 8461 §3.2", "max_age %s: under a day (weeks are recommended)",
	    "max_age %s: 1 日未満です（数週間を推奨します）" },
	/* ---- TLS-RPT */
	{ "tlsrpt.none", DC_INFO, "RFC 8460 §3", "No TLS-RPT record at %s", "%s に TLS-RPT レコードがありません" },
	{ "tlsrpt.ok", DC_INFO, "RFC 8460 §3", "TLS-RPT record: %s", "TLS-RPT レコード: %s" },
	{ "tlsrpt.bad", DC_ERROR, "RFC 8460 §3", "The TLS-RPT record is not valid: %s",
	    "TLS-RPT レコードが正しくありません: %s" },
	{ "tlsrpt.multiple", DC_ERROR, "RFC 8460 §3", "%s TLS-RPT records: senders ignore them",
	    "TLS-RPT レコードが %s 件あります。送信側は無視します" },
	/* ---- BIMI */
	{ "bimi.none", DC_INFO, "draft-brand-indicators-for-message-identification §4.2",
	    "No BIMI record at %s", "%s に BIMI レコードがありません" },
	{ "bimi.ok", DC_INFO, "draft-brand-indicators-for-message-identification §4.2", "BIMI record: %s",
	    "BIMI レコード: %s" },
	{ "bimi.bad", DC_ERROR, "draft-brand-indicators-for-message-identification §4.2",
	    "The BIMI record is not valid: %s", "BIMI レコードが正しくありません: %s" },
	{ "bimi.policy", DC_WARN, "draft-brand-indicators-for-message-identification §4.3",
	    "BIMI needs p=quarantine or p=reject (without pct below 100)",
	    "BIMI には p=quarantine か p=reject（pct は 100）が必要です" },
	/* ---- the lookups themselves */
	{ "dns.tempfail", DC_WARN, "RFC 7208 §2.6.6", "A lookup failed (%s): this part is incomplete",
	    "DNS 参照に失敗しました（%s）。この部分のチェックは不完全です" },
	{ "dns.cap", DC_WARN, "-", "Stopped at a cap: %s", "上限で打ち切りました: %s" },
};

const dc_def *
dc_def_find(const char *code)
{
	for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++)
		if (strcmp(defs[i].code, code) == 0)
			return &defs[i];
	return NULL;
}

const dc_def *
dc_def_at(size_t i)
{
	return i < sizeof(defs) / sizeof(defs[0]) ? &defs[i] : NULL;
}

const char *
dc_severity_name(dc_severity s)
{
	return s == DC_ERROR ? "error" : s == DC_WARN ? "warning" : "info";
}

void
dc_add(dc_result *r, const char *code, const char *name, const char *arg, const char *record)
{
	const dc_def *d = dc_def_find(code);
	dc_finding *f;

	if (d == NULL)
		fatalx("dnscheck: unknown finding %s", code);
	if (r->n >= 500)
		return;		/* a cap on findings too */
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->f = xrealloc(r->f, (size_t)r->cap * sizeof(*r->f));
	}
	f = &r->f[r->n++];
	memset(f, 0, sizeof(*f));
	f->def = d;
	snprintf(f->name, sizeof(f->name), "%s", name ? name : "");
	snprintf(f->arg, sizeof(f->arg), "%s", arg ? arg : "");
	f->record = record ? xstrdup(record) : NULL;
}

void
dc_add_record(dc_result *r, const char *kind, const char *name, const char *text)
{
	dc_record *x;

	if (r->nrec >= 100)
		return;
	if (r->nrec == r->reccap) {
		r->reccap = r->reccap ? r->reccap * 2 : 8;
		r->rec = xrealloc(r->rec, (size_t)r->reccap * sizeof(*r->rec));
	}
	x = &r->rec[r->nrec++];
	snprintf(x->kind, sizeof(x->kind), "%s", kind);
	snprintf(x->name, sizeof(x->name), "%s", name);
	x->text = xstrdup(text ? text : "");
}

void
dc_text(const dc_finding *f, int ja, char *out, size_t len)
{
	const char *t = ja ? f->def->ja : f->def->en, *pct = strstr(t, "%s");
	dbuf b;

	dbuf_init(&b, len > 0 ? len - 1 : 0);
	if (pct == NULL)
		dbuf_addstr(&b, t);
	else {
		dbuf_add(&b, t, (size_t)(pct - t));
		dbuf_addstr(&b, f->arg);
		dbuf_addstr(&b, pct + 2);
	}
	snprintf(out, len, "%s", dbuf_cstr(&b));
	dbuf_free(&b);
}

void
dc_counts(const dc_result *r, int *errors, int *warnings, int *infos)
{
	*errors = *warnings = *infos = 0;
	for (int i = 0; i < r->n; i++) {
		if (r->f[i].def->sev == DC_ERROR)
			(*errors)++;
		else if (r->f[i].def->sev == DC_WARN)
			(*warnings)++;
		else
			(*infos)++;
	}
}

static const char *
area(const char *code, char *buf, size_t len)
{
	size_t n = strcspn(code, ".");

	snprintf(buf, len, "%.*s", (int)n, code);
	return buf;
}

void
dc_result_json(const dc_result *r, dbuf *b)
{
	int e, w, i;
	char text[1024], ar[16];

	dc_counts(r, &e, &w, &i);
	dbuf_addstr(b, "{\"domain\":");
	dbuf_json_str(b, r->domain);
	dbuf_printf(b, ",\"checked_at\":%lld,\"errors\":%d,\"warnings\":%d,\"infos\":%d,\"queries\":%d",
	    (long long)r->checked_at, e, w, i, r->queries);
	dbuf_printf(b, ",\"spf_lookups\":%d,\"spf_voids\":%d,\"dmarc_from\":", r->spf_lookups,
	    r->spf_voids);
	dbuf_json_str(b, r->dmarc_from);
	dbuf_addstr(b, ",\"org_domain\":");
	dbuf_json_str(b, r->org_domain);
	dbuf_addstr(b, ",\"findings\":[");
	for (int k = 0; k < r->n; k++) {
		const dc_finding *f = &r->f[k];

		dbuf_addstr(b, k ? ",{\"code\":" : "{\"code\":");
		dbuf_json_str(b, f->def->code);
		dbuf_addstr(b, ",\"area\":");
		dbuf_json_str(b, area(f->def->code, ar, sizeof(ar)));
		dbuf_printf(b, ",\"severity\":\"%s\",\"key\":\"check.%s\",\"rfc\":",
		    dc_severity_name(f->def->sev), f->def->code);
		dbuf_json_str(b, f->def->rfc);
		dbuf_addstr(b, ",\"name\":");
		dbuf_json_str(b, f->name);
		dbuf_addstr(b, ",\"arg\":");
		dbuf_json_str(b, f->arg);
		dbuf_addstr(b, ",\"record\":");
		if (f->record != NULL)
			dbuf_json_str(b, f->record);
		else
			dbuf_addstr(b, "null");
		dc_text(f, 0, text, sizeof(text));
		dbuf_addstr(b, ",\"text\":{\"en\":");
		dbuf_json_str(b, text);
		dc_text(f, 1, text, sizeof(text));
		dbuf_addstr(b, ",\"ja\":");
		dbuf_json_str(b, text);
		dbuf_addstr(b, "}}");
	}
	dbuf_addstr(b, "],\"records\":[");
	for (int k = 0; k < r->nrec; k++) {
		dbuf_addstr(b, k ? ",{\"kind\":" : "{\"kind\":");
		dbuf_json_str(b, r->rec[k].kind);
		dbuf_addstr(b, ",\"name\":");
		dbuf_json_str(b, r->rec[k].name);
		dbuf_addstr(b, ",\"text\":");
		dbuf_json_str(b, r->rec[k].text);
		dbuf_addstr(b, "}");
	}
	dbuf_addstr(b, "]}");
}

void
dc_result_free(dc_result *r)
{
	for (int i = 0; i < r->n; i++)
		free(r->f[i].record);
	for (int i = 0; i < r->nrec; i++)
		free(r->rec[i].text);
	free(r->f);
	free(r->rec);
	memset(r, 0, sizeof(*r));
}
