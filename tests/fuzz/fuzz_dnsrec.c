/*
 * fuzz_dnsrec.c - libFuzzer harness for the DNS record parsers of the DNS
 * checks (src/dnscheck/parse.c): the tag-list parser (DMARC, DKIM, TLS-RPT,
 * MTA-STS and BIMI records), the SPF term parser, the MTA-STS policy file
 * parser and the DKIM key reader.
 *
 * The input's first byte picks nothing: every parser gets the whole input
 * (as a NUL-terminated string cut to DC_TXT_MAX - 1, as net.c hands a TXT
 * record over; the policy parser gets the raw bytes).  Checked:
 *   - every output string is NUL-terminated within its array, counts stay
 *     within their caps, dup/bad flags are consistent;
 *   - dc_tag_get returns the first tag of a name, and only names that are
 *     in the list;
 *   - an SPF record parses to at most DC_SPF_TERMS terms, each with a valid
 *     kind and qualifier; a record not starting "v=spf1" is refused;
 *   - the key reader gives a non-negative length (0 on refusal);
 *   - (issue 18 part 2, the fixes) an a/mx term's CIDR lengths stay in
 *     0..32 and 0..128, an ip4/ip6 argument parses to a prefix in range,
 *     and a term put into the record (fixes_with_term) is in the result,
 *     which is no longer than the record, a space and the term.
 */
#include "fuzz_common.h"

#include "analyze/fixes.h"
#include "dnscheck/dnscheck.h"
#include "util/ipaddr.h"

static void
fz_nul(const char *s, size_t cap)
{
	FZ_CHECK(memchr(s, '\0', cap) != NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[DC_TXT_MAX];
	static dc_taglist tl;
	static dc_spf spf;
	static dc_sts_policy pol;
	size_t n = size < sizeof(buf) - 1 ? size : sizeof(buf) - 1;
	int bits = -1;

	memcpy(buf, data, n);
	buf[n] = '\0';

	if (dc_tags_parse(buf, &tl) == 0)
		FZ_CHECK(tl.n > 0);
	FZ_CHECK(tl.n >= 0 && tl.n <= DC_TAGS_MAX);
	FZ_CHECK(tl.dup == -1 || (tl.dup > 0 && tl.dup < tl.n));
	fz_nul(tl.badtok, sizeof(tl.badtok));
	for (int i = 0; i < tl.n; i++) {
		const char *v;

		fz_nul(tl.t[i].name, sizeof(tl.t[i].name));
		fz_nul(tl.t[i].value, sizeof(tl.t[i].value));
		FZ_CHECK(tl.t[i].name[0] != '\0');
		v = dc_tag_get(&tl, tl.t[i].name);
		FZ_CHECK(v != NULL);
		for (int k = 0; k < i; k++)
			if (strcmp(tl.t[k].name, tl.t[i].name) == 0) {
				FZ_CHECK(v == tl.t[k].value);
				break;
			}
	}
	FZ_CHECK(dc_tag_get(&tl, "no such tag name because it is too long for one") == NULL);

	if (dc_spf_parse(buf, &spf) == 0) {
		FZ_CHECK(dc_spf_is(buf));
		FZ_CHECK(spf.n >= 0 && spf.n <= DC_SPF_TERMS);
		for (int i = 0; i < spf.n; i++) {
			FZ_CHECK(spf.t[i].kind >= SPF_ALL && spf.t[i].kind <= SPF_BAD);
			FZ_CHECK(strchr("+-~?", spf.t[i].qual) != NULL && spf.t[i].qual != '\0');
			fz_nul(spf.t[i].arg, sizeof(spf.t[i].arg));
			fz_nul(spf.t[i].text, sizeof(spf.t[i].text));
			if (spf.t[i].kind == SPF_INCLUDE || spf.t[i].kind == SPF_EXISTS)
				FZ_CHECK(spf.t[i].arg[0] != '\0');
			if (spf.t[i].kind == SPF_A || spf.t[i].kind == SPF_MX) {
				int v4 = -1, v6 = -1;

				dc_spf_term_cidr(&spf.t[i], &v4, &v6);
				FZ_CHECK(v4 >= 0 && v4 <= 32 && v6 >= 0 && v6 <= 128);
			}
			if (spf.t[i].kind == SPF_IP4 || spf.t[i].kind == SPF_IP6) {
				ip_cidr c;

				if (ip_cidr_parse(spf.t[i].arg, &c) == 0)
					FZ_CHECK(c.bits >= 0 && c.bits <= (c.net.family == 4 ? 32 : 128));
			}
		}
		{
			static const char term[] = "ip4:192.0.2.40";
			char *w = fixes_with_term(buf, term);

			FZ_CHECK(w != NULL && strstr(w, term) != NULL);
			FZ_CHECK(strlen(w) <= strlen(buf) + 1 + strlen(term));
			free(w);
		}
	} else
		FZ_CHECK(!dc_spf_is(buf));

	dc_sts_policy_parse((const char *)data, size, &pol);
	FZ_CHECK(pol.nmx >= 0 && pol.nmx <= 16);
	FZ_CHECK(pol.max_age >= -1);
	fz_nul(pol.version, sizeof(pol.version));
	fz_nul(pol.mode, sizeof(pol.mode));
	fz_nul(pol.badline, sizeof(pol.badline));
	for (int i = 0; i < pol.nmx; i++)
		fz_nul(pol.mx[i], sizeof(pol.mx[i]));

	if (dc_dkim_key_bits(size > 0 && (data[0] & 1) ? "ed25519" : "rsa", buf, &bits) == 0)
		FZ_CHECK(bits > 0);
	else
		FZ_CHECK(bits == 0);
	return 0;
}
