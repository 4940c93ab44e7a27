/*
 * fixes_text.c - the table of fixes (issue 18 part 2): code → default
 * severity, RFC section, the en and ja texts with {slot} placeholders; and
 * the filler.  The texts are one line each, written as an admin would paste
 * them; the Japanese uses the portal's words (web/i18n/ja.json: 送信元,
 * DNS 参照, アライメント, DKIM 公開鍵, セレクタ, 失効, 転送).
 *
 * Slots: who (sender label), d (policy domain), rd (the SPF record's name),
 * term (the SPF term to add), record (a whole record), cover, after (the
 * lookup sentence, itself filled), by, spd/res (envelope domain and its SPF
 * result), dkd, sel, key, svc, relay, hosts, n.
 *
 * fixes_with_term puts an SPF term into a record text from DNS (untrusted:
 * any bytes, no length assumed beyond the NUL; fuzzed by tests/fuzz/fuzz_dnsrec.c).
 *
 * Exports: fix_def_find, fix_def_at, fixes_fill, fixes_with_term (fixes.h).
 */
#include <stdio.h>
#include <string.h>

#include "fixes.h"
#include "../util/dbuf.h"
#include "../util/log.h"

static const fix_def defs[] = {
	{ "spf.add_ip4", "error", "RFC 7208 §5.6",
	    "{who} fails SPF for {rd}: add `{term}` to the SPF record of {rd} ({cover}). {after}",
	    "{who} は {rd} の SPF 認証に失敗しています。{rd} の SPF レコードに `{term}` を追加して"
	    "ください（{cover}）。{after}" },
	{ "spf.add_ip6", "error", "RFC 7208 §5.6",
	    "{who} fails SPF for {rd}: add `{term}` to the SPF record of {rd} ({cover}). {after}",
	    "{who} は {rd} の SPF 認証に失敗しています。{rd} の SPF レコードに `{term}` を追加して"
	    "ください（{cover}）。{after}" },
	{ "spf.add_range", "error", "RFC 7208 §5.6",
	    "{hosts} (one /24) fail SPF for {rd}: add `{term}` to the SPF record of {rd}, one term "
	    "for all of them ({cover}). {after}",
	    "{hosts}（同じ /24）は {rd} の SPF 認証に失敗しています。{rd} の SPF レコードに 1 項目 "
	    "`{term}` を追加してください（{cover}）。{after}" },
	{ "spf.add_include", "error", "RFC 7208 §5.2",
	    "{who} fails SPF for {rd}: add `{term}` (the include {svc} documents) to the SPF record "
	    "of {rd}. {after}",
	    "{who} は {rd} の SPF 認証に失敗しています。{rd} の SPF レコードに {svc} が案内する "
	    "`{term}` を追加してください。{after}" },
	{ "spf.new_record", "error", "RFC 7208 §4.5",
	    "{rd} has no SPF record and {who} fails SPF: publish the TXT record `{record}` at {rd}. "
	    "{after}",
	    "{rd} に SPF レコードがなく、{who} は SPF 認証に失敗しています。{rd} に TXT レコード "
	    "`{record}` を登録してください。{after}" },
	{ "spf.limit", "error", "RFC 7208 §4.6.4",
	    "Adding `{term}` would make {n} DNS lookups, more than 10 (permerror for all your mail): "
	    "do not add it. Rely on DKIM for {who} instead (have it sign as {d}), or move its "
	    "envelope from (Return-Path) to a subdomain of {d} with its own SPF record, or remove "
	    "include terms you no longer use.",
	    "`{term}` を追加すると DNS 参照が {n} 回になり、上限の 10 回を超えます（すべてのメールが "
	    "permerror になります）。追加せず、{who} は DKIM で認証してください（{d} で署名する設定）。"
	    "または、エンベロープ送信者（Return-Path）を {d} のサブドメインにしてそこに SPF レコードを"
	    "置くか、使っていない include を削除してください。" },
	{ "spf.covered", "info", "RFC 7208 §5",
	    "{who} failed SPF for {rd}, but the current record covers it ({by}): the record was "
	    "probably changed after these messages, or the receivers' lookups failed. No change "
	    "needed.",
	    "{who} は {rd} の SPF 認証に失敗していますが、現在のレコードには含まれています（{by}）。"
	    "これらのメールの後にレコードを変更したか、受信側の DNS 参照が失敗したと考えられます。"
	    "変更は不要です。" },
	{ "spf.not_aligned", "error", "RFC 7489 §3.1.2",
	    "{who} sends with the envelope from {spd} (SPF {res}), not aligned with {d}: set the "
	    "envelope from (Return-Path, bounce address) to a subdomain of {d}, e.g. bounce.{d} "
	    "(the sender's custom Return-Path setting), and authorize it in that name's SPF record.",
	    "{who} はエンベロープ送信者 {spd}（SPF {res}）で送っており、{d} とアライメントしていま"
	    "せん。エンベロープ送信者（Return-Path、バウンスアドレス）を {d} のサブドメイン（例: "
	    "bounce.{d}）にし（送信側の独自 Return-Path の設定）、その名前の SPF レコードで許可して"
	    "ください。" },
	{ "dkim.not_aligned", "error", "RFC 7489 §3.1.1",
	    "{who} passes DKIM as {dkd}, not aligned: set up domain authentication so it signs as "
	    "{d} (publish the key records, CNAME or TXT, that the sender gives for {d}).",
	    "{who} は {dkd} として DKIM 認証に成功していますが、アライメントしていません。{d} で"
	    "署名するようドメイン認証を設定してください（送信側が示す {d} 用の公開鍵レコード、"
	    "CNAME または TXT を登録します）。" },
	{ "dkim.none", "error", "RFC 7489 §3.1.1",
	    "{who} sends without a DKIM signature as {d}: set up DKIM signing as {d} (domain "
	    "authentication), so that its mail passes DMARC even where SPF cannot (forwarding).",
	    "{who} は {d} の DKIM 署名なしで送っています。{d} で DKIM 署名するよう設定してください"
	    "（ドメイン認証）。SPF が使えない転送でも DMARC に合格するようになります。" },
	{ "both.missing", "error", "RFC 7489 §4.2",
	    "{who} has neither a DKIM signature nor an SPF pass: nothing authenticates its mail. "
	    "Set up DKIM signing as {d} on it, and authorize it in SPF (the SPF fix for it).",
	    "{who} には DKIM 署名も SPF 認証の成功もなく、メールを認証するものがありません。{d} で "
	    "DKIM 署名するよう設定し、SPF でも許可してください（同じ送信元の SPF の対処）。" },
	{ "dkim.key_missing", "error", "RFC 6376 §3.6.2.2",
	    "{who} signs as {dkd} with selector {sel}, but there is no key at {key}: publish the "
	    "public key (TXT) at {key}, or have it sign with a selector that has one.",
	    "{who} はセレクタ {sel} で {dkd} として署名していますが、{key} に DKIM 公開鍵があり"
	    "ません。{key} に公開鍵（TXT）を登録するか、公開鍵のあるセレクタで署名するよう設定して"
	    "ください。" },
	{ "dkim.key_revoked", "error", "RFC 6376 §3.6.1",
	    "{who} signs with selector {sel}, whose key at {key} is revoked (empty p=): sign with a "
	    "current selector, or publish the key again if the revocation was a mistake.",
	    "{who} はセレクタ {sel} で署名していますが、{key} の公開鍵は失効しています（p= が空）。"
	    "有効なセレクタで署名するか、誤って失効させた場合は公開鍵を登録し直してください。" },
	{ "dkim.key_mismatch", "warning", "RFC 6376 §6.1.3",
	    "{who} signs as {dkd} (selector {sel}) and the key at {key} is published, but the "
	    "signatures fail: the private key on the sender does not match the published key, or "
	    "the message is changed after signing.",
	    "{who} はセレクタ {sel} で {dkd} として署名し、{key} に公開鍵もありますが、署名の検証に"
	    "失敗しています。送信側の秘密鍵が公開鍵と一致していないか、署名の後にメールが変更されて"
	    "います。" },
	{ "dkim.fail", "warning", "RFC 6376 §6.1.2",
	    "{who} signs as {dkd} (selector {sel}) but the signatures fail: check the key at {key} "
	    "(`dmarcscope check {d} --selector {sel}`).",
	    "{who} はセレクタ {sel} で {dkd} として署名していますが、署名の検証に失敗しています。"
	    "{key} の公開鍵を確認してください（`dmarcscope check {d} --selector {sel}`）。" },
	{ "fwd.dkim_survived", "info", "RFC 7960 §3.2",
	    "No fix needed: {relay} forwarded this mail; SPF cannot pass after forwarding, but the "
	    "DKIM signature as {d} survived, so DMARC passes.",
	    "対処は不要です。{relay} が転送したメールです。転送後は SPF 認証が成功しませんが、{d} の "
	    "DKIM 署名が維持されているため DMARC に合格しています。" },
	{ "fwd.no_dkim", "info", "RFC 7960 §3.2",
	    "No fix for the forwarding itself: {relay} forwarded this mail, and SPF cannot pass after "
	    "forwarding. It had no valid DKIM signature as {d}: sign all your mail with DKIM so that "
	    "it survives forwarding; a forwarder can also add ARC (RFC 8617) for receivers that "
	    "trust it.",
	    "転送そのものには対処できません。{relay} が転送したメールで、転送後は SPF 認証が成功"
	    "しません。{d} の有効な DKIM 署名がありませんでした。転送でも維持されるよう、すべての"
	    "メールに DKIM 署名してください。転送元が ARC（RFC 8617）を付ければ、それを信頼する"
	    "受信側では合格します。" },
	{ "fwd.list", "info", "RFC 7960 §3.2",
	    "No fix needed on your side: the mailing list at {relay} changes the message (the DKIM "
	    "signature breaks) and resends it with its own envelope from. The list can rewrite the "
	    "From header or add ARC (RFC 8617).",
	    "こちら側での対処は不要です。{relay} のメーリングリストがメールを変更して（DKIM 署名が"
	    "壊れます）、自身のエンベロープ送信者で再送しています。リスト側で From ヘッダーを"
	    "書き換えるか、ARC（RFC 8617）を付けることができます。" },
	/* the pieces: {cover} and {after} */
	{ "_cover.live", NULL, NULL, "it is not covered by any current mechanism",
	    "現在のどの項目にも含まれていません" },
	{ "_cover.unknown", NULL, NULL, "the current record could not be read",
	    "現在のレコードは読めませんでした" },
	{ "_cover.live_n", NULL, NULL, "none of them is covered by any current mechanism",
	    "どれも現在のどの項目にも含まれていません" },
	{ "_cover.saved_n", NULL, NULL, "no ip4/ip6 term of the last checked record covers them",
	    "どれも前回チェックしたレコードの ip4/ip6 項目には含まれていません" },
	{ "_cover.saved", NULL, NULL, "no ip4/ip6 term of the last checked record covers it",
	    "前回チェックしたレコードの ip4/ip6 項目には含まれていません" },
	{ "_after.ok", NULL, NULL, "SPF needs {n} DNS lookups after the change (limit 10).",
	    "変更後の SPF の DNS 参照は {n} 回です（上限 10 回）。" },
	{ "_after.over", NULL, NULL,
	    "SPF would need {n} DNS lookups after the change: more than 10 (permerror).",
	    "変更後の SPF の DNS 参照は {n} 回になり、上限の 10 回を超えます（permerror）。" },
	{ "_after.unknown", NULL, NULL,
	    "Run `dmarcscope fixes {d}` to count the DNS lookups after the change.",
	    "変更後の DNS 参照の回数は `dmarcscope fixes {d}` で数えられます。" },
};

const fix_def *
fix_def_find(const char *code)
{
	for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++)
		if (strcmp(defs[i].code, code) == 0)
			return &defs[i];
	return NULL;
}

const fix_def *
fix_def_at(size_t i)
{
	return i < sizeof(defs) / sizeof(defs[0]) ? &defs[i] : NULL;
}

void
fixes_fill(const char *tpl, const json_t *slots, char *out, size_t len)
{
	size_t o = 0;

	if (len == 0)
		return;
	for (const char *p = tpl; *p != '\0' && o + 1 < len; p++) {
		const char *e;
		char name[32];
		const char *v;
		size_t nl, vl;

		if (*p != '{' || (e = strchr(p, '}')) == NULL || (size_t)(e - p - 1) >= sizeof(name)) {
			out[o++] = *p;
			continue;
		}
		nl = (size_t)(e - p - 1);
		memcpy(name, p + 1, nl);
		name[nl] = '\0';
		v = json_string_value(json_object_get(slots, name));
		if (v == NULL) {
			out[o++] = *p;
			continue;
		}
		vl = strlen(v);
		if (vl > len - 1 - o)
			vl = len - 1 - o;
		memcpy(out + o, v, vl);
		o += vl;
		p = e;
	}
	out[o] = '\0';
}

/* text with term inserted before its all or redirect= (else at the end). */
char *
fixes_with_term(const char *text, const char *term)
{
	dbuf b;
	const char *p = text, *at = NULL;
	char *out;

	while (*p != '\0') {
		const char *s;

		while (*p == ' ')
			p++;
		s = p;
		while (*p != '\0' && *p != ' ')
			p++;
		if (s[0] == '+' || s[0] == '-' || s[0] == '~' || s[0] == '?')
			s++;
		if ((p - s == 3 && strncasecmp(s, "all", 3) == 0) || strncasecmp(s, "redirect=", 9) == 0) {
			at = s > text && (s[-1] == '+' || s[-1] == '-' || s[-1] == '~' || s[-1] == '?') ?
			    s - 1 : s;
			break;
		}
	}
	dbuf_init(&b, DC_TXT_MAX * 2);
	if (at == NULL) {
		dbuf_addstr(&b, text);
		while (b.len > 0 && b.data[b.len - 1] == ' ')
			b.len--;
		dbuf_printf(&b, " %s", term);
	} else
		dbuf_printf(&b, "%.*s%s %s", (int)(at - text), text, term, at);
	out = xstrdup(dbuf_cstr(&b));
	dbuf_free(&b);
	return out;
}
