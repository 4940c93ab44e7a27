/*
 * test_enrich.c - unit tests for src/enrich and the hosts cache
 * (store_sqlite_hosts.c).
 *
 * Groups:
 *   pure     names, the answer walker, DNSBL codes, Cymru and RDAP parsing,
 *            the RDAP bootstrap, addresses, options and configuration
 *   mmdb     the four database layouts (fixtures built at setup by
 *            tests/fixtures/enrich/make-mmdb.pl; skipped without the Perl
 *            writer)
 *   store    the cache semantics: sync, due kinds, a temporary failure
 *            never replacing a definitive answer, DNSBL rows, RDAP networks,
 *            the reanalysis queue, the host JSON
 *   live     real servers on loopback (tests/servers/start.sh: unbound,
 *            rbldnsd, a SERVFAIL server, a black hole, canned RDAP), every
 *            DNS outcome, 150 queries in flight, PTR/FCrDNS, DNSBL, Cymru,
 *            the TXT resolver under align's tree walk, RDAP fetches and a
 *            whole enrich_run; skipped when the servers cannot start
 * One cmocka group (one closing PASSED/FAILED line for scripts/check.sh);
 * its setup starts the servers and its teardown stops them.
 * Run from the repository root (make check does).  Nothing here talks to
 * anything but 127.0.0.1: DMARCSCOPE_ENRICH_LOOPBACK_ONLY is set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "analyze/align.h"
#include "enrich/dns.h"
#include "enrich/enrich.h"
#include "enrich/geo.h"
#include "enrich/lookup.h"
#include "enrich/rdap.h"
#include "intake/ingest.h"
#include "store/store.h"
#include "store/store_hosts.h"
#include "util/log.h"

static char tmpdir[256];

static void
rm_rf(const char *dir)
{
	char cmd[600];

	if (dir[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		print_message("could not remove %s\n", dir);
}

static int
global_setup(void **state)
{
	(void)state;
	setenv("DMARCSCOPE_ENRICH_LOOPBACK_ONLY", "1", 1);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_enrich.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	return 0;
}

static int
global_teardown(void **state)
{
	(void)state;
	rm_rf(tmpdir);
	return 0;
}

/* ---- packet building ------------------------------------------------------ */

static size_t
put_name(unsigned char *p, const char *name)
{
	size_t o = 0;

	while (*name) {
		const char *dot = strchr(name, '.');
		size_t n = dot ? (size_t)(dot - name) : strlen(name);

		p[o++] = (unsigned char)n;
		memcpy(p + o, name, n);
		o += n;
		name += n + (dot ? 1 : 0);
	}
	p[o++] = 0;
	return o;
}

typedef struct pkt {
	unsigned char b[2048];
	size_t n;
	int an;
} pkt;

static void
pkt_start(pkt *k, const char *qname, int qtype)
{
	memset(k, 0, sizeof(*k));
	k->b[2] = 0x81;
	k->b[3] = 0x80;
	k->b[5] = 1;
	k->n = 12 + put_name(k->b + 12, qname);
	k->b[k->n++] = (unsigned char)(qtype >> 8);
	k->b[k->n++] = (unsigned char)qtype;
	k->b[k->n++] = 0;
	k->b[k->n++] = 1;
}

/* An answer RR; owner "" means a pointer to the question name. */
static void
pkt_rr(pkt *k, const char *owner, int type, const unsigned char *rdata, size_t rdlen)
{
	if (owner[0] == '\0') {
		k->b[k->n++] = 0xc0;
		k->b[k->n++] = 12;
	} else
		k->n += put_name(k->b + k->n, owner);
	k->b[k->n++] = (unsigned char)(type >> 8);
	k->b[k->n++] = (unsigned char)type;
	k->b[k->n++] = 0;
	k->b[k->n++] = 1;
	k->b[k->n++] = 0;
	k->b[k->n++] = 0;
	k->b[k->n++] = 1;
	k->b[k->n++] = 0x2c;
	k->b[k->n++] = (unsigned char)(rdlen >> 8);
	k->b[k->n++] = (unsigned char)rdlen;
	memcpy(k->b + k->n, rdata, rdlen);
	k->n += rdlen;
	k->an++;
	k->b[6] = (unsigned char)(k->an >> 8);
	k->b[7] = (unsigned char)k->an;
}

static void
pkt_ptr(pkt *k, const char *target)
{
	unsigned char rd[300];

	pkt_rr(k, "", DNS_T_PTR, rd, put_name(rd, target));
}

/* ---- pure ---------------------------------------------------------------- */

static void
t_rev_names(void **state)
{
	enrich_ip ip;
	char out[128], small[20];

	(void)state;
	assert_int_equal(enrich_ip_parse("192.0.2.7", &ip), 0);
	assert_int_equal(dns_rev_name(ip.b, 4, "in-addr.arpa", out, sizeof(out)), 0);
	assert_string_equal(out, "7.2.0.192.in-addr.arpa");
	assert_int_equal(dns_rev_name(ip.b, 4, "zen.spamhaus.org", out, sizeof(out)), 0);
	assert_string_equal(out, "7.2.0.192.zen.spamhaus.org");
	assert_int_equal(enrich_ip_parse("2001:db8::567:89ab", &ip), 0);
	assert_int_equal(dns_rev_name(ip.b, 6, "ip6.arpa", out, sizeof(out)), 0);
	/* RFC 3596 §2.5: least significant nibble first, all 32 of them */
	assert_string_equal(out, "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0."
	    "1.0.0.2.ip6.arpa");
	assert_int_equal(dns_rev_name(ip.b, 6, "origin6.asn.cymru.com", out, sizeof(out)), 0);
	assert_non_null(strstr(out, ".2.origin6.asn.cymru.com"));
	assert_int_equal(dns_rev_name(ip.b, 6, "ip6.arpa", small, sizeof(small)), -1);
	assert_int_equal(enrich_ip_parse("192.0.2.7", &ip), 0);
	assert_int_equal(dns_rev_name(ip.b, 4, "in-addr.arpa", small, 10), -1);
}

static void
t_ip_parse(void **state)
{
	enrich_ip ip;
	unsigned char key[16];

	(void)state;
	assert_int_equal(enrich_ip_parse("2001:DB8:0:0::1", &ip), 0);
	assert_int_equal(ip.family, 6);
	assert_string_equal(ip.text, "2001:db8::1");
	assert_int_equal(enrich_ip_parse("::ffff:198.51.100.3", &ip), 0);
	assert_int_equal(ip.family, 4);
	assert_string_equal(ip.text, "198.51.100.3");
	enrich_ip_key(&ip, key);
	assert_memory_equal(key, "\0\0\0\0\0\0\0\0\0\0\xff\xff\xc6\x33\x64\x03", 16);
	assert_int_equal(enrich_ip_parse("192.0.2", &ip), -1);
	assert_int_equal(enrich_ip_parse(" 192.0.2.1", &ip), -1);
	assert_int_equal(enrich_ip_parse("", &ip), -1);
	assert_int_equal(enrich_ip_parse("example.com", &ip), -1);
}

static void
t_rr_walker(void **state)
{
	pkt k;
	char names[4][DNS_NAME_MAX], txt[4][DNS_TXT_MAX];
	unsigned char addrs[4][16];
	static const unsigned char a1[4] = { 192, 0, 2, 1 }, a2[4] = { 192, 0, 2, 2 };
	unsigned char t1[] = "\x05hello\x06 world", t2[] = "\x03\x01\x7f\x41";
	unsigned char aaaa[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x25 };

	(void)state;
	pkt_start(&k, "1.2.0.192.in-addr.arpa", DNS_T_PTR);
	pkt_ptr(&k, "Mail.Example.COM");
	pkt_ptr(&k, "bad name.example");	/* a space: skipped */
	pkt_ptr(&k, "b.example.net");
	assert_int_equal(dns_rr_ptr(k.b, (int)k.n, names, 4), 2);
	assert_string_equal(names[0], "mail.example.com");
	assert_string_equal(names[1], "b.example.net");
	assert_int_equal(dns_rr_ptr(k.b, (int)k.n, names, 1), 1);
	/* a CNAME first (RFC 2317), then the PTR under another owner */
	pkt_start(&k, "1.2.0.192.in-addr.arpa", DNS_T_PTR);
	{
		unsigned char rd[64];

		pkt_rr(&k, "", 5, rd, put_name(rd, "1.0-25.2.0.192.in-addr.arpa"));
	}
	{
		unsigned char rd[64];

		pkt_rr(&k, "1.0-25.2.0.192.in-addr.arpa", DNS_T_PTR, rd,
		    put_name(rd, "host.example.org"));
	}
	assert_int_equal(dns_rr_ptr(k.b, (int)k.n, names, 4), 1);
	assert_string_equal(names[0], "host.example.org");

	pkt_start(&k, "x.example", DNS_T_A);
	pkt_rr(&k, "", DNS_T_A, a1, 4);
	pkt_rr(&k, "", DNS_T_AAAA, aaaa, 16);
	pkt_rr(&k, "", DNS_T_A, a2, 4);
	assert_int_equal(dns_rr_addr(k.b, (int)k.n, DNS_T_A, addrs, 4), 2);
	assert_memory_equal(addrs[1], a2, 4);
	assert_int_equal(dns_rr_addr(k.b, (int)k.n, DNS_T_AAAA, addrs, 4), 1);
	assert_memory_equal(addrs[0], aaaa, 16);
	/* TXT: strings of one record are joined; control bytes become '?' */
	pkt_start(&k, "x.example", DNS_T_TXT);
	pkt_rr(&k, "", DNS_T_TXT, t1, sizeof(t1) - 1);
	pkt_rr(&k, "", DNS_T_TXT, t2, sizeof(t2) - 1);
	assert_int_equal(dns_rr_txt(k.b, (int)k.n, txt, 4), 2);
	assert_string_equal(txt[0], "hello world");
	assert_string_equal(txt[1], "??A");
	/* truncated answers are refused, never overread */
	for (size_t cut = 0; cut < k.n; cut++) {
		int n = dns_rr_txt(k.b, (int)cut, txt, 4);

		assert_true(n <= 2);
	}
	assert_int_equal(dns_rr_txt(k.b, 11, txt, 4), -1);
	assert_int_equal(dns_rr_txt(k.b, (int)k.n - 3, txt, 4), -1);
	/* a compression loop must not hang: pointer to itself */
	pkt_start(&k, "x.example", DNS_T_PTR);
	k.b[7] = 1;
	k.b[k.n++] = 0xc0;
	k.b[k.n] = (unsigned char)k.n;
	k.n++;
	memcpy(k.b + k.n, "\x00\x0c\x00\x01\x00\x00\x00\x01\x00\x02\xc0\x0c", 12);
	k.n += 12;
	assert_true(dns_rr_ptr(k.b, (int)k.n, names, 4) <= 1);
}

static void
t_dnsbl_decode(void **state)
{
	static const unsigned char c2[4] = { 127, 0, 0, 2 }, c4[4] = { 127, 0, 0, 4 },
	    c10[4] = { 127, 0, 0, 10 }, e254[4] = { 127, 255, 255, 254 },
	    c99[4] = { 127, 0, 0, 99 }, pub[4] = { 192, 0, 2, 1 };
	int err;

	(void)state;
	assert_non_null(strstr(dnsbl_decode("zen.spamhaus.org", c2, &err), "SBL"));
	assert_int_equal(err, 0);
	assert_non_null(strstr(dnsbl_decode("ZEN.Spamhaus.org", c4, &err), "XBL"));
	assert_non_null(strstr(dnsbl_decode("zen.spamhaus.org", c10, &err), "PBL"));
	assert_non_null(strstr(dnsbl_decode("zen.spamhaus.org", e254, &err), "public resolver"));
	assert_int_equal(err, 1);
	assert_non_null(dnsbl_decode("key123.zen.dq.spamhaus.net", c2, &err));
	assert_null(dnsbl_decode("zen.spamhaus.org", c99, &err));
	assert_null(dnsbl_decode("zen.spamhaus.org", pub, &err));
	assert_non_null(strstr(dnsbl_decode("bl.spamcop.net", c2, &err), "SpamCop"));
	assert_null(dnsbl_decode("rbl.test", c2, &err));
	assert_int_equal(err, 0);
	assert_int_equal(dnsbl_zone_v6("bl.spamcop.net"), 0);
	assert_int_equal(dnsbl_zone_v6("b.barracudacentral.org"), 0);
	assert_int_equal(dnsbl_zone_v6("zen.spamhaus.org"), 1);
	assert_int_equal(dnsbl_zone_v6("rbl.test"), 1);
}

static void
t_cymru_parse(void **state)
{
	uint32_t asn = 0;
	char pfx[64], cc[3], name[256];

	(void)state;
	assert_int_equal(cymru_parse_origin("15169 | 8.8.8.0/24 | US | arin | 2023-12-28",
	    &asn, pfx, sizeof(pfx), cc), 0);
	assert_int_equal(asn, 15169);
	assert_string_equal(pfx, "8.8.8.0/24");
	assert_string_equal(cc, "US");
	assert_int_equal(cymru_parse_origin("23456 64496 | 2001:db8::/32 | zz | ripencc |",
	    &asn, pfx, sizeof(pfx), cc), 0);
	assert_int_equal(asn, 23456);
	assert_string_equal(cc, "ZZ");
	assert_int_equal(cymru_parse_origin("NA | 192.0.2.0/24", &asn, pfx, sizeof(pfx), cc), -1);
	assert_int_equal(cymru_parse_origin("4294967296 | 1.0.0.0/8", &asn, pfx, sizeof(pfx),
	    cc), -1);
	assert_int_equal(cymru_parse_origin("0 | 1.0.0.0/8", &asn, pfx, sizeof(pfx), cc), -1);
	assert_int_equal(cymru_parse_origin("64496 | <script> |", &asn, pfx, sizeof(pfx), cc),
	    -1);
	assert_int_equal(cymru_parse_origin("", &asn, pfx, sizeof(pfx), cc), -1);
	assert_int_equal(cymru_parse_asname("15169 | US | arin | 2000-03-30 | GOOGLE - Google "
	    "LLC, US", name, sizeof(name)), 0);
	assert_string_equal(name, "GOOGLE - Google LLC");
	assert_int_equal(cymru_parse_asname("64496 | ZZ | arin | 2000 | NAME-ONLY", name,
	    sizeof(name)), 0);
	assert_string_equal(name, "NAME-ONLY");
	assert_int_equal(cymru_parse_asname("64496 | ZZ | arin", name, sizeof(name)), -1);
}

static char *
slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *b;
	long len;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)len + 1);
	assert_int_equal(fread(b, 1, (size_t)len, f), (size_t)len);
	b[len] = '\0';
	fclose(f);
	*n = (size_t)len;
	return b;
}

static void
t_rdap_parse(void **state)
{
	rdap_info in;
	char err[128], *js;
	size_t n;
	static const char cidr_only[] = "{\"objectClassName\":\"ip network\",\"handle\":\"H\","
	    "\"cidr0_cidrs\":[{\"v4prefix\":\"198.51.100.0\",\"length\":22}],\"entities\":["
	    "{\"roles\":[\"technical\"],\"vcardArray\":[\"vcard\",[[\"kind\",{},\"text\","
	    "\"org\"],[\"fn\",{},\"text\",\"Fallback\\u0007 Org\"]]]}]}";

	(void)state;
	js = slurp("tests/fixtures/enrich/rdap/192.0.2.1.json", &n);
	assert_int_equal(rdap_parse(js, n, &in, err, sizeof(err)), 0);
	free(js);
	assert_string_equal(in.handle, "NET-192-0-2-0-1");
	assert_string_equal(in.name, "EXAMPLE-NET");
	assert_string_equal(in.country, "JP");
	assert_string_equal(in.org, "Example Networks Inc.");
	assert_string_equal(in.abuse, "abuse@example.net");	/* nested entity */
	assert_int_equal(in.family, 4);
	assert_string_equal(in.start, "192.0.2.0");
	assert_memory_equal(in.lo + 10, "\xff\xff\xc0\x00\x02\x00", 6);
	assert_memory_equal(in.hi + 12, "\xc0\x00\x02\xff", 4);

	assert_int_equal(rdap_parse(cidr_only, sizeof(cidr_only) - 1, &in, err, sizeof(err)), 0);
	assert_int_equal(in.family, 4);
	assert_string_equal(in.start, "198.51.100.0");
	assert_string_equal(in.end, "198.51.103.255");
	assert_string_equal(in.org, "Fallback  Org");
	assert_string_equal(in.abuse, "");

	assert_int_equal(rdap_parse("{\"objectClassName\":\"entity\"}", 28, &in, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "ip network"));
	assert_int_equal(rdap_parse("{\"a\":", 5, &in, err, sizeof(err)), -1);
	assert_int_equal(rdap_parse("[1]", 3, &in, err, sizeof(err)), -1);
	assert_int_equal(rdap_parse("{\"a\":1,\"a\":2}", 13, &in, err, sizeof(err)), -1);
	/* an end before the start is no range */
	{
		static const char rev[] = "{\"startAddress\":\"192.0.2.9\",\"endAddress\":"
		    "\"192.0.2.1\"}";

		assert_int_equal(rdap_parse(rev, sizeof(rev) - 1, &in, err, sizeof(err)), 0);
	}
	assert_int_equal(in.family, 0);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
t_rdap_boot(void **state)
{
	char dir[300], path[400], err[256];
	rdap_boot *b;
	enrich_ip ip;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/boot", tmpdir);
	mkdir(dir, 0755);
	assert_null(rdap_boot_load(dir, err, sizeof(err)));
	assert_non_null(strstr(err, "ipv4.json"));
	snprintf(path, sizeof(path), "%s/ipv4.json", dir);
	write_file(path, "{\"services\":[[[\"0.0.0.0/0\"],[\"http://any.example/rdap\"]],"
	    "[[\"192.0.0.0/8\",\"bad\",\"300.0.0.0/8\"],[\"ftp://x/\",\"http://h.example/\","
	    "\"https://s.example/\"]],[[\"192.0.2.0/24\"],[\"http://narrow.example/r/\"]],"
	    "\"junk\"]}");
	snprintf(path, sizeof(path), "%s/ipv6.json", dir);
	write_file(path, "{\"services\":[[[\"2001:db8::/32\"],[\"https://v6.example/\"]]]}");
	b = rdap_boot_load(dir, err, sizeof(err));
	assert_non_null(b);
	assert_int_equal(rdap_boot_count(b), 4);
	enrich_ip_parse("192.0.2.55", &ip);
	assert_string_equal(rdap_boot_find(b, &ip), "http://narrow.example/r/");
	enrich_ip_parse("192.0.3.1", &ip);
	assert_string_equal(rdap_boot_find(b, &ip), "https://s.example/");	/* https first */
	enrich_ip_parse("10.0.0.1", &ip);
	/* the '/' is added */
	assert_string_equal(rdap_boot_find(b, &ip), "http://any.example/rdap/");
	enrich_ip_parse("2001:db8:1::1", &ip);
	assert_string_equal(rdap_boot_find(b, &ip), "https://v6.example/");
	enrich_ip_parse("2001:db9::1", &ip);
	assert_null(rdap_boot_find(b, &ip));
	rdap_boot_free(b);
	write_file(path, "{\"services\": 5}");
	assert_null(rdap_boot_load(dir, err, sizeof(err)));
	write_file(path, "not json");
	assert_null(rdap_boot_load(dir, err, sizeof(err)));
	/* the shipped seed files load */
	b = rdap_boot_load("data/rdap", err, sizeof(err));
	assert_non_null(b);
	enrich_ip_parse("8.8.8.8", &ip);
	assert_non_null(rdap_boot_find(b, &ip));
	assert_int_equal(strncmp(rdap_boot_find(b, &ip), "https://", 8), 0);
	rdap_boot_free(b);
}

static void
t_opts(void **state)
{
	enrich_opts o;
	char err[256], path[400];

	(void)state;
	enrich_opts_init(&o);
	assert_int_equal(o.nzones, 3);
	assert_string_equal(o.zones[0], "zen.spamhaus.org");
	assert_int_equal(o.concurrency, 200);
	assert_int_equal(o.ttl_positive, 86400);
	assert_int_equal(o.ttl_negative, 3600);
	assert_int_equal(o.loopback_only, 1);	/* from the environment */
	assert_int_equal(enrich_opt_zones(&o, "A.Example, b.example,,", err, sizeof(err)), 0);
	assert_int_equal(o.nzones, 2);
	assert_string_equal(o.zones[0], "a.example");
	assert_int_equal(enrich_opt_zones(&o, "none", err, sizeof(err)), 0);
	assert_int_equal(o.nzones, 0);
	assert_int_equal(enrich_opt_zones(&o, "bad zone;rm", err, sizeof(err)), -1);
	assert_int_equal(enrich_opt_zones(&o, ".lead.example", err, sizeof(err)), -1);
	assert_int_equal(enrich_opt_skip(&o, "rdap, ASN", err, sizeof(err)), 0);
	assert_int_equal(o.skip, HK_RDAP | HK_ASN);
	assert_int_equal(enrich_opt_skip(&o, "whois", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "whois"));
	enrich_opts_clear(&o);

	enrich_opts_init(&o);
	snprintf(path, sizeof(path), "%s/cfg.ini", tmpdir);
	write_file(path, "# dmarcscope\n[serve]\nlisten = 1.2.3.4:80\nbogus here\n"
	    "[enrich]\n dns = 127.0.0.1:5353 \ndnsbl = \"one.example, two.example\"\n"
	    "mmdb = /a.mmdb\nmmdb = /b.mmdb   ; second\n"
	    "concurrency = 321  # comment\nttl_negative = 60\n"
	    "offline = yes\nskip = rdap\n[other]\nx = y\n");
	assert_int_equal(enrich_config_load(&o, path, err, sizeof(err)), 0);
	assert_string_equal(o.dns_server, "127.0.0.1:5353");
	assert_int_equal(o.nzones, 2);
	assert_string_equal(o.zones[1], "two.example");
	assert_int_equal(o.nmmdb, 2);
	assert_string_equal(o.mmdb[1], "/b.mmdb");
	assert_int_equal(o.concurrency, 321);
	assert_int_equal(o.ttl_negative, 60);
	assert_int_equal(o.offline, 1);
	assert_int_equal(o.skip, HK_RDAP);
	write_file(path, "[enrich]\nconcurrency = 0\n");
	assert_int_equal(enrich_config_load(&o, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: concurrency"));
	write_file(path, "[enrich]\nfrobnicate = 1\n");
	assert_int_equal(enrich_config_load(&o, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown key"));
	write_file(path, "[enrich\n");
	assert_int_equal(enrich_config_load(&o, path, err, sizeof(err)), -1);
	write_file(path, "[enrich]\ndns = \"127.0.0.1\" junk\n");
	assert_int_equal(enrich_config_load(&o, path, err, sizeof(err)), -1);
	write_file(path, "[enrich]\ndns = \"127.0.0.1#5\"  # quoted\n");
	assert_int_equal(enrich_config_load(&o, path, err, sizeof(err)), 0);
	assert_string_equal(o.dns_server, "127.0.0.1#5");
	snprintf(path, sizeof(path), "%s/missing.ini", tmpdir);
	assert_int_equal(enrich_config_load(&o, path, err, sizeof(err)), -1);
	enrich_opts_clear(&o);
}

static void
t_state_class(void **state)
{
	(void)state;
	assert_int_equal(hosts_state_class(NULL), HS_NONE);
	assert_int_equal(hosts_state_class("ok"), HS_POSITIVE);
	assert_int_equal(hosts_state_class("listed"), HS_POSITIVE);
	assert_int_equal(hosts_state_class("not_listed"), HS_NEGATIVE);
	assert_int_equal(hosts_state_class("nxdomain"), HS_NEGATIVE);
	assert_int_equal(hosts_state_class("nodata"), HS_NEGATIVE);
	assert_int_equal(hosts_state_class("notfound"), HS_NEGATIVE);
	assert_int_equal(hosts_state_class("servfail"), HS_TEMPORARY);
	assert_int_equal(hosts_state_class("timeout"), HS_TEMPORARY);
	assert_int_equal(hosts_state_class("refused"), HS_TEMPORARY);
	assert_int_equal(hosts_state_class("something new"), HS_TEMPORARY);
	assert_string_equal(dns_status_name(DNS_SERVFAIL), "servfail");
	assert_int_equal(dns_status_temporary(DNS_TIMEOUT), 1);
	assert_int_equal(dns_status_temporary(DNS_NXDOMAIN), 0);
}

/* ---- mmdb ------------------------------------------------------------------ */

static char mmdir[300];

static int
mmdb_setup(void **state)
{
	char cmd[700];

	(void)state;
	snprintf(mmdir, sizeof(mmdir), "%s/mmdb", tmpdir);
	mkdir(mmdir, 0755);
	snprintf(cmd, sizeof(cmd), "perl tests/fixtures/enrich/make-mmdb.pl '%s' >/dev/null "
	    "2>&1", mmdir);
	if (system(cmd) != 0)
		mmdir[0] = '\0';
	return 0;
}

static void
t_geo_layouts(void **state)
{
	char p1[400], p2[400], p3[400], p4[400], err[256], buf[512];
	const char *paths[4] = { p1, p2, p3, p4 };
	geo *g;
	geo_res r;
	enrich_ip ip;

	(void)state;
	if (mmdir[0] == '\0')
		skip();
	snprintf(p1, sizeof(p1), "%s/asn.mmdb", mmdir);
	snprintf(p2, sizeof(p2), "%s/ipinfo.mmdb", mmdir);
	snprintf(p3, sizeof(p3), "%s/country.mmdb", mmdir);
	snprintf(p4, sizeof(p4), "%s/geoip2.mmdb", mmdir);
	g = geo_open(paths, 4, err, sizeof(err));
	assert_non_null(g);
	assert_int_equal(geo_count(g), 4);
	assert_string_equal(geo_name(g, 2), "country.mmdb");
	/* IPinfo Lite: "AS64510", as_name, country_code */
	enrich_ip_parse("192.0.2.5", &ip);
	geo_lookup(g, &ip, &r);
	assert_string_equal(r.country, "SE");
	assert_string_equal(r.country_src, "ipinfo.mmdb");
	assert_int_equal(r.asn, 64510);
	assert_string_equal(r.as_name, "IPinfo Fixture Net");
	/* ip-location-db country_code (192.0.2.128/25 is outside the IPinfo net) */
	enrich_ip_parse("192.0.2.200", &ip);
	geo_lookup(g, &ip, &r);
	assert_string_equal(r.country, "JP");
	assert_string_equal(r.country_src, "country.mmdb");
	assert_int_equal(r.asn, 0);
	/* GeoIP2 country.iso_code; a long UTF-8 AS name cut between characters */
	enrich_ip_parse("198.51.100.7", &ip);
	geo_lookup(g, &ip, &r);
	assert_string_equal(r.country, "DE");
	assert_string_equal(r.country_src, "geoip2.mmdb");
	assert_int_equal(r.asn, 64512);
	assert_int_equal(strlen(r.as_name), 253);	/* "a" and 84 characters of 3 bytes */
	{
		json_t *js = json_string(r.as_name);	/* NULL when not valid UTF-8 */

		assert_non_null(js);
		json_decref(js);
	}
	/* GeoIP2 registered_country only; GeoLite2-ASN from another file */
	enrich_ip_parse("203.0.113.9", &ip);
	geo_lookup(g, &ip, &r);
	assert_string_equal(r.country, "FR");
	assert_int_equal(r.asn, 64511);
	assert_string_equal(r.as_name, "ASN-FIXTURE Example Transit");
	assert_string_equal(r.asn_src, "asn.mmdb");
	/* IPv6 */
	enrich_ip_parse("2001:db8::25", &ip);
	geo_lookup(g, &ip, &r);
	assert_string_equal(r.country, "NL");
	/* nowhere */
	enrich_ip_parse("10.9.8.7", &ip);
	geo_lookup(g, &ip, &r);
	assert_string_equal(r.country, "");
	assert_null(r.country_src);
	geo_close(g);
	/* errors name the file */
	snprintf(p1, sizeof(p1), "%s/none.mmdb", mmdir);
	assert_null(geo_open(paths, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "none.mmdb"));
	snprintf(p1, sizeof(p1), "tests/fixtures/enrich/dns.conf");
	assert_null(geo_open(paths, 1, err, sizeof(err)));
	/* the default path: the environment first */
	setenv("DMARCSCOPE_GEO_MMDB", "/some/where.mmdb", 1);
	assert_string_equal(geo_default_mmdb(buf, sizeof(buf)), "/some/where.mmdb");
	unsetenv("DMARCSCOPE_GEO_MMDB");
	if (access(GEO_DEFAULT_REL, R_OK) == 0)
		assert_non_null(geo_default_mmdb(buf, sizeof(buf)));
}

/* ---- store ------------------------------------------------------------------ */

static store_ops test_ops;	/* the backend's ops with the hosts pointer set */

static store *
open_store(const char *name)
{
	char path[400], err[256];
	store *st;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	assert_int_equal(store_open(&st, path, err, sizeof(err)), STORE_OK);
	/* until store_sqlite.c sets .hosts itself */
	test_ops = *st->ops;
	test_ops.hosts = &store_sqlite_hosts_ops;
	st->ops = &test_ops;
	return st;
}

static const char *const fixture_ips[] = { "192.0.2.1", "192.0.2.2", "192.0.2.3",
	"192.0.2.4", "192.0.2.5", "198.51.100.7", "203.0.113.9", "2001:db8::25",
	"2001:db8::26", NULL };

static void
ingest_ips(store *st, const char *domain, const char *rid, const char *const *ips)
{
	char xml[16384];
	size_t o = 0;
	ingest_opts io;
	ingest *g;

	o += (size_t)snprintf(xml + o, sizeof(xml) - o, "<?xml version=\"1.0\"?><feedback>"
	    "<report_metadata><org_name>r.example</org_name><email>a@r.example</email>"
	    "<report_id>%s</report_id><date_range><begin>1700000000</begin><end>1700086399"
	    "</end></date_range></report_metadata><policy_published><domain>%s</domain>"
	    "<p>none</p></policy_published>", rid, domain);
	for (int i = 0; ips[i] != NULL; i++)
		o += (size_t)snprintf(xml + o, sizeof(xml) - o, "<record><row><source_ip>%s"
		    "</source_ip><count>2</count><policy_evaluated><disposition>none</disposition>"
		    "<dkim>pass</dkim><spf>pass</spf></policy_evaluated></row><identifiers>"
		    "<header_from>%s</header_from></identifiers><auth_results><spf><domain>%s"
		    "</domain><result>pass</result></spf></auth_results></record>", ips[i],
		    domain, domain);
	o += (size_t)snprintf(xml + o, sizeof(xml) - o, "</feedback>");
	ingest_opts_default(&io);
	g = ingest_new(st, &io);
	assert_int_equal(ingest_mem(g, rid, (const unsigned char *)xml, o), INGEST_STORED);
	ingest_free(g);
}

typedef struct got {
	char ptr[256], state[32], source[64], country[8];
	int fcrdns, n;
	int64_t at, expires, asn;
	unsigned due;
} got;

static int
get_cb(void *ctx, const store_host *h)
{
	got *g = ctx;

	snprintf(g->ptr, sizeof(g->ptr), "%s", h->ptr ? h->ptr : "(null)");
	snprintf(g->state, sizeof(g->state), "%s", h->ptr_l.state ? h->ptr_l.state : "(null)");
	snprintf(g->source, sizeof(g->source), "%s", h->asn_l.source ? h->asn_l.source : "");
	snprintf(g->country, sizeof(g->country), "%s", h->country ? h->country : "");
	g->fcrdns = h->fcrdns;
	g->at = h->ptr_l.at;
	g->expires = h->ptr_l.expires;
	g->asn = h->asn;
	g->n++;
	return 0;
}

static int
due_cb(void *ctx, const store_host *h, unsigned due)
{
	got *g = ctx;

	if (strcmp(h->ip, "192.0.2.1") == 0)
		g->due = due;
	g->n++;
	return 0;
}

static int
sql_int(store *st, const char *sql)
{
	/* through the export of the backend: a tiny read via sqlite3 */
	char cmd[1200], path[400];
	FILE *p;
	int v = -1;

	(void)st;
	snprintf(path, sizeof(path), "%s/store.db", tmpdir);
	snprintf(cmd, sizeof(cmd), "sqlite3 '%s' \"%s\"", path, sql);
	p = popen(cmd, "r");
	if (p != NULL) {
		if (fscanf(p, "%d", &v) != 1)
			v = -1;
		pclose(p);
	}
	return v;
}

static int
dnsbl_cb(void *ctx, const store_dnsbl *d)
{
	got *g = ctx;

	snprintf(g->state, sizeof(g->state), "%s", d->state);
	snprintf(g->ptr, sizeof(g->ptr), "%s", d->codes ? d->codes : "");
	g->at = d->at;
	g->expires = d->expires;
	g->n++;
	return 0;
}

static int
net_cb(void *ctx, const store_rdap_net *n)
{
	got *g = ctx;

	snprintf(g->ptr, sizeof(g->ptr), "%s", n->name ? n->name : "");
	g->asn = n->id;
	g->n++;
	return 0;
}

static void
t_store_cache(void **state)
{
	store *st = open_store("store.db");
	const struct store_hosts_ops *h = &store_sqlite_hosts_ops;
	const char *zones[] = { "rbl.test", "zen.spamhaus.org" };
	store_hosts_due q;
	store_host in;
	store_dnsbl d;
	store_rdap_net net;
	unsigned char lo[16], hi[16], key[16];
	got g;
	int found, changed;
	int64_t added, id1, id2, dom;
	enrich_ip ip;
	json_t *j;

	(void)state;
	ingest_ips(st, "example.com", "r1", fixture_ips);
	assert_int_equal(h->sync(st, 0, &added), STORE_OK);
	assert_int_equal(added, 9);
	assert_int_equal(h->sync(st, 0, &added), STORE_OK);
	assert_int_equal(added, 0);	/* the watermark */
	{
		const char *more[] = { "192.0.2.1", "192.0.2.77", NULL };

		ingest_ips(st, "example.org", "r2", more);
	}
	assert_int_equal(h->sync(st, 0, &added), STORE_OK);
	assert_int_equal(added, 1);
	assert_int_equal(h->sync(st, 1, &added), STORE_OK);	/* full: nothing new either */
	assert_int_equal(added, 0);
	/* clear the reanalysis queue to see what enrichment adds */
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "sqlite3 '%s/store.db' 'DELETE FROM analysis_pending'",
		    tmpdir);
		assert_int_equal(system(cmd), 0);
	}

	/* everything due, every kind */
	memset(&q, 0, sizeof(q));
	q.now = 1000;
	q.kinds = HK_ALL;
	q.zones = zones;
	q.nzones = 2;
	q.limit = 100;
	memset(&g, 0, sizeof(g));
	assert_int_equal(h->pending(st, &q, due_cb, &g), STORE_OK);
	assert_int_equal(g.n, 10);
	assert_int_equal(g.due, HK_ALL);
	q.limit = 3;
	memset(&g, 0, sizeof(g));
	assert_int_equal(h->pending(st, &q, due_cb, &g), STORE_OK);
	assert_int_equal(g.n, 3);

	/* a positive PTR answer */
	memset(&in, 0, sizeof(in));
	in.ip = "192.0.2.1";
	in.ptr = "mta1.mail.example.net";
	in.ptr_names = "mta1.mail.example.net";
	in.fcrdns = 1;
	in.base_domain = "example.net";
	in.asn = 64496;
	in.updated_at = 1000;
	in.ptr_l = (store_lookup){ "ok", 1000, 1000 + 86400, NULL };
	in.asn_l = (store_lookup){ "ok", 1000, 1000 + 86400, "cymru" };
	in.geo_l = (store_lookup){ "none", 1000, 1000 + 86400, NULL };
	assert_int_equal(store_begin(st), STORE_OK);
	assert_int_equal(h->put(st, &in, HK_PTR | HK_ASN | HK_GEO, &changed), STORE_OK);
	assert_int_equal(changed, 1);
	/* DNSBL for both zones: rbl.test listed, zen not listed */
	d = (store_dnsbl){ "192.0.2.1", "rbl.test", "listed", "127.0.0.2", NULL, "why",
	    1000, 1000 + 86400 };
	assert_int_equal(h->dnsbl_put(st, &d), STORE_OK);
	d = (store_dnsbl){ "192.0.2.1", "zen.spamhaus.org", "not_listed", NULL, NULL, NULL,
	    1000, 1000 + 3600 };
	assert_int_equal(h->dnsbl_put(st, &d), STORE_OK);
	assert_int_equal(h->flush(st, 1000, &dom), STORE_OK);
	assert_int_equal(dom, 2);	/* 192.0.2.1 sends for example.com and example.org */
	assert_int_equal(store_commit(st), STORE_OK);
	assert_int_equal(sql_int(st, "SELECT count(*) FROM analysis_pending WHERE queued_at = "
	    "1000"), 2);

	/* nothing of 192.0.2.1 but RDAP (never asked) due now; zen after an hour */
	q.limit = 100;
	q.kinds = HK_ALL & ~HK_RDAP;
	q.now = 1001;
	memset(&g, 0, sizeof(g));
	assert_int_equal(h->pending(st, &q, due_cb, &g), STORE_OK);
	assert_int_equal(g.n, 9);
	assert_int_equal(g.due, 0);
	q.now = 1000 + 3600;
	memset(&g, 0, sizeof(g));
	assert_int_equal(h->pending(st, &q, due_cb, &g), STORE_OK);
	assert_int_equal(g.n, 10);
	assert_int_equal(g.due, HK_DNSBL);
	q.kinds = HK_PTR;
	memset(&g, 0, sizeof(g));
	assert_int_equal(h->pending(st, &q, due_cb, &g), STORE_OK);
	assert_int_equal(g.n, 9);	/* zen is not asked about */
	q.refresh = 1;
	memset(&g, 0, sizeof(g));
	assert_int_equal(h->pending(st, &q, due_cb, &g), STORE_OK);
	assert_int_equal(g.n, 10);
	assert_int_equal(g.due, HK_PTR);
	q.refresh = 0;
	q.kinds = HK_ALL;
	q.after = "192.0.2.1";
	memset(&g, 0, sizeof(g));
	assert_int_equal(h->pending(st, &q, due_cb, &g), STORE_OK);
	assert_int_equal(g.n, 9);	/* keyset paging: strictly after */
	q.after = NULL;

	/* a timeout later: the answer and its lookup time stay, the expiry moves */
	in.ptr_l = (store_lookup){ "timeout", 2000, 2000, NULL };
	in.asn_l = (store_lookup){ "servfail", 2000, 2000, "cymru" };
	assert_int_equal(h->put(st, &in, HK_PTR | HK_ASN, &changed), STORE_OK);
	assert_int_equal(changed, 0);
	memset(&g, 0, sizeof(g));
	assert_int_equal(h->get(st, "192.0.2.1", get_cb, &g, &found), STORE_OK);
	assert_int_equal(found, 1);
	assert_string_equal(g.state, "ok");
	assert_int_equal(g.at, 1000);
	assert_int_equal(g.expires, 2000);
	assert_string_equal(g.ptr, "mta1.mail.example.net");
	assert_int_equal(g.fcrdns, 1);
	assert_int_equal(sql_int(st, "SELECT asn_at FROM hosts WHERE ip = '192.0.2.1'"), 1000);
	assert_int_equal(sql_int(st, "SELECT geo_at FROM hosts WHERE ip = '192.0.2.1'"), 1000);
	assert_int_equal(sql_int(st, "SELECT dnsbl_listed FROM hosts WHERE ip = '192.0.2.1'"), 1);
	/* a kind not written keeps everything */
	in.geo_l = (store_lookup){ "ok", 5000, 5000, "x.mmdb" };
	assert_int_equal(h->put(st, &in, HK_PTR, &changed), STORE_OK);
	assert_int_equal(sql_int(st, "SELECT geo_at FROM hosts WHERE ip = '192.0.2.1'"), 1000);

	/* a temporary failure on a host never answered is recorded as such */
	memset(&in, 0, sizeof(in));
	in.ip = "192.0.2.3";
	in.fcrdns = -1;
	in.ptr_l = (store_lookup){ "timeout", 2000, 2000, NULL };
	assert_int_equal(h->put(st, &in, HK_PTR, &changed), STORE_OK);
	assert_int_equal(changed, 0);	/* NULL ptr, unknown fcrdns: as before */
	memset(&g, 0, sizeof(g));
	assert_int_equal(h->get(st, "192.0.2.3", get_cb, &g, &found), STORE_OK);
	assert_string_equal(g.state, "timeout");
	assert_string_equal(g.ptr, "(null)");
	assert_int_equal(g.fcrdns, -1);
	/* then NXDOMAIN: negative, replaces the temporary state */
	in.fcrdns = 0;
	in.ptr_l = (store_lookup){ "nxdomain", 2100, 2100 + 3600, NULL };
	assert_int_equal(h->put(st, &in, HK_PTR, &changed), STORE_OK);
	assert_int_equal(changed, 1);
	memset(&g, 0, sizeof(g));
	assert_int_equal(h->get(st, "192.0.2.3", get_cb, &g, &found), STORE_OK);
	assert_string_equal(g.state, "nxdomain");
	assert_int_equal(g.expires, 2100 + 3600);
	/* and a SERVFAIL after it does not turn it back */
	in.ptr_l = (store_lookup){ "servfail", 2200, 2200, NULL };
	assert_int_equal(h->put(st, &in, HK_PTR, &changed), STORE_OK);
	memset(&g, 0, sizeof(g));
	assert_int_equal(h->get(st, "192.0.2.3", get_cb, &g, &found), STORE_OK);
	assert_string_equal(g.state, "nxdomain");
	assert_int_equal(g.at, 2100);
	assert_int_equal(g.expires, 2200);
	assert_int_equal(h->get(st, "192.0.2.250", get_cb, &g, &found), STORE_OK);
	assert_int_equal(found, 0);

	/* DNSBL: a timeout keeps the listing */
	d = (store_dnsbl){ "192.0.2.1", "rbl.test", "timeout", NULL, NULL, NULL, 3000, 3000 };
	assert_int_equal(h->dnsbl_put(st, &d), STORE_OK);
	memset(&g, 0, sizeof(g));
	assert_int_equal(h->dnsbl_list(st, "192.0.2.1", dnsbl_cb, &g), STORE_OK);
	assert_int_equal(g.n, 2);	/* rbl.test, zen.spamhaus.org (last) */
	assert_int_equal(sql_int(st, "SELECT checked_at FROM host_dnsbl WHERE zone = "
	    "'rbl.test' AND state = 'listed' AND codes = '127.0.0.2' AND expires_at = 3000"), 1000);

	/* RDAP networks: the narrowest unexpired one */
	enrich_ip_parse("192.0.2.0", &ip);
	enrich_ip_key(&ip, lo);
	enrich_ip_parse("192.0.2.255", &ip);
	enrich_ip_key(&ip, hi);
	net = (store_rdap_net){ 0, 4, lo, hi, "192.0.2.0", "192.0.2.255", "NET-24", "NARROW",
	    "Org", "JP", "abuse@example.net", "http://127.0.0.1/", 1000, 90000 };
	assert_int_equal(h->rdap_put(st, &net, &id1), STORE_OK);
	enrich_ip_parse("192.0.0.0", &ip);
	enrich_ip_key(&ip, lo);
	enrich_ip_parse("192.0.255.255", &ip);
	enrich_ip_key(&ip, hi);
	net.handle = "NET-16";
	net.name = "WIDE";
	assert_int_equal(h->rdap_put(st, &net, &id2), STORE_OK);
	assert_true(id2 != id1);
	enrich_ip_parse("192.0.2.77", &ip);
	enrich_ip_key(&ip, key);
	memset(&g, 0, sizeof(g));
	assert_int_equal(h->rdap_find(st, key, 2000, 0, net_cb, &g, &found), STORE_OK);
	assert_int_equal(found, 1);
	assert_string_equal(g.ptr, "NARROW");
	enrich_ip_parse("192.0.3.1", &ip);
	enrich_ip_key(&ip, key);
	memset(&g, 0, sizeof(g));
	assert_int_equal(h->rdap_find(st, key, 2000, 0, net_cb, &g, &found), STORE_OK);
	assert_string_equal(g.ptr, "WIDE");
	assert_int_equal(h->rdap_find(st, key, 95000, 0, net_cb, &g, &found), STORE_OK);
	assert_int_equal(found, 0);	/* expired */
	assert_int_equal(h->rdap_find(st, key, 2000, 1001, net_cb, &g, &found), STORE_OK);
	assert_int_equal(found, 0);	/* fetched before fresh_since */
	/* the same network again updates the row */
	net.name = "WIDE2";
	assert_int_equal(h->rdap_put(st, &net, &id1), STORE_OK);
	assert_int_equal(id1, id2);
	{
		store_lookup l = { "ok", 1000, 90000, NULL };

		assert_int_equal(h->rdap_set(st, "192.0.2.1", &l, id2), STORE_OK);
		l = (store_lookup){ "timeout", 3000, 3000, NULL };
		assert_int_equal(h->rdap_set(st, "192.0.2.1", &l, 0), STORE_OK);
	}
	assert_int_equal(sql_int(st, "SELECT rdap_net FROM hosts WHERE ip = '192.0.2.1' AND "
	    "rdap_state = 'ok' AND rdap_expires = 3000"), (int)id2);

	/* the drill-down JSON */
	j = enrich_host_json(st, "192.0.2.1");
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "ptr")),
	    "mta1.mail.example.net");
	assert_true(json_is_true(json_object_get(j, "fcrdns")));
	assert_int_equal(json_array_size(json_object_get(j, "dnsbl")), 2);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "rdap"),
	    "name")), "WIDE2");
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(j,
	    "lookups"), "asn"), "source")), "cymru");
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(j,
	    "lookups"), "ptr"), "class")), "positive");
	json_decref(j);
	j = enrich_host_json(st, "192.0.2.3");
	assert_true(json_is_false(json_object_get(j, "fcrdns")));
	assert_true(json_is_null(json_object_get(j, "rdap")));
	json_decref(j);
	assert_null(enrich_host_json(st, "192.0.2.250"));
	assert_null(enrich_host_json(st, "not an ip"));
	j = enrich_host_json(st, "2001:DB8:0::25");	/* canonicalised */
	assert_non_null(j);
	json_decref(j);

	/* the exports' memo */
	{
		enrich_memo *m = enrich_memo_new(st);
		const char *p, *c, *b;

		for (int i = 0; i < 3000; i++) {	/* past the first table size */
			char x[64];

			snprintf(x, sizeof(x), "10.0.%d.%d", i / 256, i % 256);
			assert_int_equal(enrich_memo_get(m, x, &p, &c, &b), 0);
			assert_null(p);
			assert_int_equal(enrich_memo_get(m, "192.0.2.1", &p, &c, &b), 0);
			assert_string_equal(p, "mta1.mail.example.net");
			assert_string_equal(b, "example.net");
		}
		enrich_memo_free(m);
	}
	store_close(st);
}

/* ---- live servers -------------------------------------------------------------- */

static char srvdir[300], dns_srv[64], fail_srv[64], hole_srv[64], boot_dir[300],
    rdap_log[300], mm_dir[300];
static int rdap_port;

static int
env_get(const char *file, const char *key, char *out, size_t len)
{
	FILE *f = fopen(file, "r");
	char line[512];
	size_t kl = strlen(key);

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, kl) == 0 && line[kl] == '=') {
			line[strcspn(line, "\n")] = '\0';
			snprintf(out, len, "%s", line + kl + 1);
			fclose(f);
			return 0;
		}
	fclose(f);
	return -1;
}

static int
live_setup(void **state)
{
	char cmd[700], env[400], port[16];

	(void)state;
	snprintf(srvdir, sizeof(srvdir), "%s/srv", tmpdir);
	snprintf(cmd, sizeof(cmd), "sh tests/servers/start.sh '%s' >'%s.log' 2>&1", srvdir,
	    srvdir);
	if (system(cmd) != 0) {
		print_message("live servers did not start (see %s.log): skipping\n", srvdir);
		srvdir[0] = '\0';
		return 0;
	}
	snprintf(env, sizeof(env), "%s/env", srvdir);
	if (env_get(env, "DNS", dns_srv, sizeof(dns_srv)) != 0 ||
	    env_get(env, "SERVFAIL", fail_srv, sizeof(fail_srv)) != 0 ||
	    env_get(env, "BLACKHOLE", hole_srv, sizeof(hole_srv)) != 0 ||
	    env_get(env, "BOOTSTRAP", boot_dir, sizeof(boot_dir)) != 0 ||
	    env_get(env, "RDAP_LOG", rdap_log, sizeof(rdap_log)) != 0 ||
	    env_get(env, "MMDB", mm_dir, sizeof(mm_dir)) != 0 ||
	    env_get(env, "RDAP_PORT", port, sizeof(port)) != 0)
		return -1;
	rdap_port = atoi(port);
	return 0;
}

static int
live_teardown(void **state)
{
	char cmd[400];

	(void)state;
	if (srvdir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "sh tests/servers/stop.sh '%s'", srvdir);
		if (system(cmd) != 0)
			print_message("stop.sh failed\n");
	}
	return 0;
}

#define LIVE() do { if (srvdir[0] == '\0') skip(); } while (0)

static dns_engine *
engine(const char *server, int timeout_ms, int inflight)
{
	dns_opts o = { server, timeout_ms, 2, inflight, 1 };
	char err[256];
	dns_engine *e = dns_new(&o, err, sizeof(err));

	if (e == NULL)
		print_message("dns_new: %s\n", err);
	assert_non_null(e);
	return e;
}

typedef struct ans {
	dns_status st;
	int n;
	char first[DNS_TXT_MAX];
} ans;

static void
ans_cb(void *arg, dns_status st, const unsigned char *abuf, int alen)
{
	ans *a = arg;
	char names[4][DNS_NAME_MAX], txt[4][DNS_TXT_MAX];

	a->st = st;
	a->n = 0;
	if (st == DNS_OK) {
		if ((a->n = dns_rr_ptr(abuf, alen, names, 4)) > 0)
			snprintf(a->first, sizeof(a->first), "%s", names[0]);
		else if ((a->n = dns_rr_txt(abuf, alen, txt, 4)) > 0)
			snprintf(a->first, sizeof(a->first), "%s", txt[0]);
	}
}

static void
t_live_dns_statuses(void **state)
{
	dns_engine *e;
	ans a[7];
	char err[256];
	dns_opts bad = { "8.8.8.8:53", 100, 1, 10, 1 };

	(void)state;
	LIVE();
	memset(a, 0, sizeof(a));
	e = engine(dns_srv, 400, 100);
	dns_query(e, "1.2.0.192.in-addr.arpa", DNS_T_PTR, 0, ans_cb, &a[0]);
	dns_query(e, "3.2.0.192.in-addr.arpa", DNS_T_PTR, 0, ans_cb, &a[1]);
	dns_query(e, "example.org", DNS_T_A, 0, ans_cb, &a[2]);
	dns_query(e, "7.100.51.198.in-addr.arpa", DNS_T_PTR, 0, ans_cb, &a[3]);
	dns_query(e, "refused.example", DNS_T_A, 0, ans_cb, &a[4]);
	dns_query(e, "a..b", DNS_T_A, 0, ans_cb, &a[5]);
	dns_query(e, "_dmarc.example.com", DNS_T_TXT, 1, ans_cb, &a[6]);
	assert_int_equal(dns_run(e, NULL, NULL, NULL), 0);
	assert_int_equal(a[0].st, DNS_OK);
	assert_string_equal(a[0].first, "mta1.mail.example.net");
	assert_int_equal(a[1].st, DNS_NXDOMAIN);
	assert_int_equal(a[2].st, DNS_NODATA);
	assert_int_equal(a[3].st, DNS_SERVFAIL);
	assert_int_equal(a[4].st, DNS_REFUSED);
	assert_int_equal(a[5].st, DNS_ERROR);
	assert_int_equal(a[6].st, DNS_OK);
	assert_string_equal(a[6].first, "v=DMARC1; p=reject; rua=mailto:dmarc@example.com");
	dns_free(e);
	/* the SERVFAIL server straight */
	e = engine(fail_srv, 400, 10);
	dns_query(e, "anything.example", DNS_T_A, 0, ans_cb, &a[0]);
	dns_run(e, NULL, NULL, NULL);
	assert_int_equal(a[0].st, DNS_SERVFAIL);
	dns_free(e);
	/* the black hole: a timeout after 2 tries (100 + 200 ms) */
	e = engine(hole_srv, 100, 10);
	dns_query(e, "1.2.0.192.in-addr.arpa", DNS_T_PTR, 0, ans_cb, &a[0]);
	dns_run(e, NULL, NULL, NULL);
	assert_int_equal(a[0].st, DNS_TIMEOUT);
	assert_true(dns_timeouts(e) >= 1);
	/* freeing with a query in flight answers it DNS_CANCELLED */
	a[1].st = DNS_OK;
	dns_query(e, "1.2.0.192.in-addr.arpa", DNS_T_PTR, 0, ans_cb, &a[1]);
	dns_free(e);
	assert_int_equal(a[1].st, DNS_CANCELLED);
	/* off-loopback servers are refused under loopback_only */
	assert_null(dns_new(&bad, err, sizeof(err)));
	assert_non_null(strstr(err, "loopback"));
	bad.server = NULL;
	assert_null(dns_new(&bad, err, sizeof(err)));
	bad.server = "not a server";
	bad.loopback_only = 0;
	assert_null(dns_new(&bad, err, sizeof(err)));
}

typedef struct flood {
	int answered, ok;
} flood;

static void
flood_cb(void *arg, dns_status st, const unsigned char *abuf, int alen)
{
	flood *f = arg;

	(void)abuf;
	(void)alen;
	f->answered++;
	f->ok += st == DNS_OK || st == DNS_NXDOMAIN;
}

static void
tick_cb(void *ctx)
{
	(*(int *)ctx)++;
}

static void
t_live_concurrency(void **state)
{
	dns_engine *e;
	flood f = { 0, 0 };
	uint64_t sent, answered;
	int peak, inflight, ticks = 0, cancel = 0;
	char name[64];

	(void)state;
	LIVE();
	e = engine(dns_srv, 1000, 150);
	for (int i = 0; i < 600; i++) {
		snprintf(name, sizeof(name), "%d.%d.2.0.192.in-addr.arpa", i % 250, i);
		dns_query(e, name + (i < 300 ? 0 : strlen(name) - 22), DNS_T_PTR, i & 1,
		    flood_cb, &f);
	}
	dns_counters(e, &sent, NULL, &peak, &inflight);
	assert_int_equal(sent, 150);	/* the cap holds */
	assert_int_equal(inflight, 600);
	assert_int_equal(dns_run(e, tick_cb, &ticks, NULL), 0);
	dns_counters(e, &sent, &answered, &peak, &inflight);
	assert_int_equal(f.answered, 600);
	assert_int_equal(sent, 600);
	assert_int_equal(answered, 600);
	assert_int_equal(peak, 150);
	assert_int_equal(inflight, 0);
	dns_free(e);
	/* cancel: every query still answered once */
	memset(&f, 0, sizeof(f));
	e = engine(hole_srv, 2000, 100);
	for (int i = 0; i < 300; i++)
		dns_query(e, "1.2.0.192.in-addr.arpa", DNS_T_PTR, 0, flood_cb, &f);
	cancel = 1;
	assert_int_equal(dns_run(e, NULL, NULL, &cancel), -1);
	assert_int_equal(f.answered, 300);
	dns_free(e);
}

typedef struct done_flag {
	int n;
} done_flag;

static void
on_done(void *arg)
{
	((done_flag *)arg)->n++;
}

static void
t_live_ptr(void **state)
{
	static const struct {
		const char *ip;
		dns_status st;
		int fcrdns;
		const char *ptr;	/* the confirmed name, or the first */
	} cases[] = {
		{ "192.0.2.1", DNS_OK, 1, "mta1.mail.example.net" },
		{ "192.0.2.2", DNS_OK, 0, "mail.example.org" },
		{ "192.0.2.3", DNS_NXDOMAIN, 0, NULL },
		{ "192.0.2.4", DNS_OK, 1, "b.example.com" },
		{ "192.0.2.5", DNS_OK, 0, "nofwd.example.com" },
		{ "198.51.100.7", DNS_SERVFAIL, -1, NULL },
		{ "2001:db8::25", DNS_OK, 1, "mail6.example.com" },
		{ "2001:db8::26", DNS_NXDOMAIN, 0, NULL },
	};
	enum { N = sizeof(cases) / sizeof(cases[0]) };
	enrich_ip ips[N];
	ptr_res r[N];
	done_flag d = { 0 };
	dns_engine *e = NULL;

	(void)state;
	LIVE();
	e = engine(dns_srv, 500, 100);
	for (int i = 0; i < N; i++) {
		enrich_ip_parse(cases[i].ip, &ips[i]);
		ptr_lookup(e, &ips[i], &r[i], on_done, &d);
	}
	dns_run(e, NULL, NULL, NULL);
	assert_int_equal(d.n, N);
	for (int i = 0; i < N; i++) {
		print_message("%s: %s fcrdns %d\n", cases[i].ip, dns_status_name(r[i].status),
		    r[i].fcrdns);
		assert_int_equal(r[i].status, cases[i].st);
		assert_int_equal(r[i].fcrdns, cases[i].fcrdns);
		if (cases[i].ptr != NULL)
			assert_string_equal(r[i].names[r[i].confirmed >= 0 ? r[i].confirmed : 0],
			    cases[i].ptr);
	}
	assert_int_equal(r[3].nnames, 2);
	dns_free(e);
	/* forward lookups that time out leave fcrdns unknown, not "no" */
	e = engine(hole_srv, 50, 10);
	d.n = 0;
	ptr_lookup(e, &ips[0], &r[0], on_done, &d);
	dns_run(e, NULL, NULL, NULL);
	assert_int_equal(r[0].status, DNS_TIMEOUT);
	assert_int_equal(r[0].fcrdns, -1);
	dns_free(e);
}

static void
t_live_dnsbl(void **state)
{
	enrich_ip ip[5];
	dnsbl_res r[6];
	done_flag d = { 0 };
	dns_engine *e;

	(void)state;
	LIVE();
	e = engine(dns_srv, 500, 100);
	enrich_ip_parse("192.0.2.1", &ip[0]);
	enrich_ip_parse("192.0.2.2", &ip[1]);
	enrich_ip_parse("192.0.2.3", &ip[2]);
	enrich_ip_parse("192.0.2.5", &ip[3]);
	enrich_ip_parse("2001:db8::25", &ip[4]);
	dnsbl_lookup(e, &ip[0], "rbl.test", &r[0], on_done, &d);
	dnsbl_lookup(e, &ip[1], "rbl.test", &r[1], on_done, &d);
	dnsbl_lookup(e, &ip[2], "rbl.test", &r[2], on_done, &d);
	dnsbl_lookup(e, &ip[1], "zen.spamhaus.org", &r[3], on_done, &d);
	dnsbl_lookup(e, &ip[3], "zen.spamhaus.org", &r[4], on_done, &d);
	dnsbl_lookup(e, &ip[4], "rbl.test", &r[5], on_done, &d);
	dns_run(e, NULL, NULL, NULL);
	assert_int_equal(d.n, 6);
	assert_int_equal(r[0].listed, 1);
	assert_string_equal(r[0].codes, "127.0.0.2");
	assert_string_equal(r[0].txt, "Listed in test DNSBL, see http://bl.test/?ip=192.0.2.1");
	assert_int_equal(r[1].listed, 1);
	assert_string_equal(r[1].codes, "127.0.0.4");
	assert_string_equal(r[1].txt, "Spam source 192.0.2.2");
	assert_int_equal(r[2].listed, 0);
	assert_int_equal(r[2].status, DNS_NXDOMAIN);
	assert_int_equal(r[3].listed, 1);
	assert_non_null(strstr(r[3].meaning, "XBL"));
	assert_non_null(strstr(r[3].meaning, "PBL"));
	assert_int_equal(r[4].listed, -1);	/* an error code is not a listing */
	assert_non_null(strstr(r[4].error, "public resolver"));
	assert_int_equal(r[5].listed, 1);	/* IPv6 nibbles under the zone */
	/* an IPv4-only list is not asked about IPv6 */
	d.n = 0;
	dnsbl_lookup(e, &ip[4], "bl.spamcop.net", &r[0], on_done, &d);
	assert_int_equal(d.n, 1);
	assert_int_equal(r[0].skipped, 1);
	dns_free(e);
}

static void
t_live_cymru(void **state)
{
	enrich_ip ip[4];
	asn_res r[4];
	done_flag d = { 0 };
	dns_engine *e;
	cymru *c;
	uint64_t sent;

	(void)state;
	LIVE();
	e = engine(dns_srv, 500, 100);
	c = cymru_new(e);
	enrich_ip_parse("192.0.2.1", &ip[0]);
	enrich_ip_parse("192.0.2.2", &ip[1]);
	enrich_ip_parse("2001:db8::26", &ip[2]);
	enrich_ip_parse("198.51.100.7", &ip[3]);
	for (int i = 0; i < 4; i++)
		cymru_lookup(c, &ip[i], &r[i], on_done, &d);
	dns_run(e, NULL, NULL, NULL);
	assert_int_equal(d.n, 4);
	assert_int_equal(r[0].asn, 64496);
	assert_string_equal(r[0].as_name, "EXAMPLE-NET - Example Networks Inc.");
	assert_string_equal(r[0].prefix, "192.0.2.0/24");
	assert_int_equal(r[1].asn, 64496);
	assert_string_equal(r[1].as_name, "EXAMPLE-NET - Example Networks Inc.");
	assert_int_equal(r[2].asn, 64497);
	assert_string_equal(r[2].as_name, "EXAMPLE6 - Example v6 Net");
	assert_int_equal(r[3].asn, 0);
	assert_int_equal(r[3].status, DNS_NXDOMAIN);
	dns_counters(e, &sent, NULL, NULL, NULL);
	assert_int_equal(sent, 6);	/* 4 origins, 2 AS names (one per AS) */
	/* a later lookup of a known AS asks only for the origin */
	d.n = 0;
	cymru_lookup(c, &ip[0], &r[0], on_done, &d);
	dns_run(e, NULL, NULL, NULL);
	dns_counters(e, &sent, NULL, NULL, NULL);
	assert_int_equal(sent, 7);
	assert_string_equal(r[0].as_name, "EXAMPLE-NET - Example Networks Inc.");
	dns_free(e);
	cymru_free(c);
}

static void
t_live_txt_resolver(void **state)
{
	enrich_txt_resolver *r;
	char err[256], out[4][512], org[ALIGN_DOMAIN_MAX];

	(void)state;
	LIVE();
	r = enrich_txt_resolver_new(dns_srv, 500, err, sizeof(err));
	assert_non_null(r);
	assert_int_equal(enrich_txt_lookup(r, "_dmarc.example.com", out, 4), 1);
	assert_string_equal(out[0], "v=DMARC1; p=reject; rua=mailto:dmarc@example.com");
	assert_int_equal(enrich_txt_lookup(r, "_dmarc.mail.example.com", out, 4), 0);
	assert_int_equal(enrich_txt_lookup(r, "_dmarc.refused.example", out, 4), -1);
	/* RFC 9989 tree walk over the real resolver */
	assert_int_equal(align_tree_walk_org("a.b.mail.example.com", enrich_txt_lookup, r, org,
	    sizeof(org)), 0);
	assert_string_equal(org, "example.com");
	enrich_txt_resolver_free(r);
	r = enrich_txt_resolver_new(hole_srv, 50, err, sizeof(err));
	assert_int_equal(enrich_txt_lookup(r, "_dmarc.example.com", out, 4), -1);
	enrich_txt_resolver_free(r);
	assert_null(enrich_txt_resolver_new("192.0.2.1", 50, err, sizeof(err)));
}

typedef struct rd {
	rdap_outcome o;
	rdap_info in;
	char url[300];
	int n;
} rd;

static void
rd_cb(void *arg, rdap_outcome o, const rdap_info *info, const char *url, const char *why)
{
	rd *x = arg;

	(void)why;
	x->o = o;
	if (info != NULL)
		x->in = *info;
	snprintf(x->url, sizeof(x->url), "%s", url);
	x->n++;
}

static void
t_live_rdap(void **state)
{
	char err[256], base[128];
	rdap_client *c;
	rd x[5];
	enrich_ip ip[5];

	(void)state;
	LIVE();
	memset(x, 0, sizeof(x));
	c = rdap_client_new(4, 3000, 1, err, sizeof(err));
	assert_non_null(c);
	snprintf(base, sizeof(base), "http://127.0.0.1:%d/rdap/", rdap_port);
	enrich_ip_parse("192.0.2.1", &ip[0]);
	enrich_ip_parse("198.51.100.7", &ip[1]);
	enrich_ip_parse("203.0.113.9", &ip[2]);
	enrich_ip_parse("2001:db8::25", &ip[3]);
	enrich_ip_parse("192.0.2.1", &ip[4]);
	for (int i = 0; i < 4; i++)
		rdap_fetch(c, base, &ip[i], rd_cb, &x[i]);
	/* a registry off loopback is refused before any packet leaves */
	rdap_fetch(c, "http://192.0.2.1:9/", &ip[4], rd_cb, &x[4]);
	for (int i = 0; i < 100 && rdap_inflight(c) > 0; i++)
		rdap_step(c, 100);
	assert_int_equal(rdap_inflight(c), 0);
	assert_int_equal(x[0].o, RDAP_OK);
	assert_string_equal(x[0].in.abuse, "abuse@example.net");
	assert_int_equal(x[1].o, RDAP_NOTFOUND);
	assert_int_equal(x[2].o, RDAP_ERROR);	/* HTTP 500 */
	assert_int_equal(x[3].o, RDAP_OK);	/* after a redirect */
	assert_non_null(strstr(x[3].url, "/rdap2/"));
	assert_string_equal(x[3].in.org, "Example v6 B.V.");
	assert_int_equal(x[4].o, RDAP_ERROR);
	for (int i = 0; i < 5; i++)
		assert_int_equal(x[i].n, 1);
	/* freeing with fetches in flight: no callback, no leak */
	rdap_fetch(c, base, &ip[0], rd_cb, &x[0]);
	rdap_client_free(c);
	assert_int_equal(x[0].n, 1);
}

static int
count_lines(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int n = 0;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

static int progress_calls;

static void
on_progress(void *ctx, const enrich_stats *s)
{
	(void)ctx;
	(void)s;
	progress_calls++;
}

static void
t_live_run(void **state)
{
	store *st;
	enrich_opts o;
	enrich_stats s;
	char err[256], m1[400], m2[400];
	json_t *j;
	int cancel = 1, before;

	(void)state;
	LIVE();
	before = count_lines(rdap_log, "/rdap/ip/192.0.2.");
	st = open_store("run.db");
	ingest_ips(st, "example.com", "run1", fixture_ips);
	setenv("DMARCSCOPE_SERVICES", "tests/fixtures/enrich/services.csv", 1);
	enrich_opts_init(&o);
	o.dns_server = dns_srv;
	assert_int_equal(enrich_opt_zones(&o, "rbl.test,zen.spamhaus.org", err, sizeof(err)), 0);
	snprintf(m1, sizeof(m1), "%s/country.mmdb", mm_dir);
	snprintf(m2, sizeof(m2), "%s/geoip2.mmdb", mm_dir);
	assert_int_equal(enrich_opt_mmdb(&o, m1, err, sizeof(err)), 0);
	assert_int_equal(enrich_opt_mmdb(&o, m2, err, sizeof(err)), 0);
	o.rdap_bootstrap = boot_dir;
	o.timeout_ms = 300;
	o.batch = 4;		/* several batches */
	o.on_progress = on_progress;
	assert_int_equal(enrich_run(st, &o, &s, err, sizeof(err)), ENRICH_OK);
	assert_int_equal(s.queued, 9);
	assert_int_equal(s.hosts, 9);
	assert_int_equal(s.done, 9);
	assert_int_equal(s.ptr.positive, 6);
	assert_int_equal(s.ptr.negative, 2);
	assert_int_equal(s.ptr.temporary, 1);
	assert_int_equal(s.fcrdns.positive, 4);
	assert_int_equal(s.listed, 4);
	assert_int_equal(s.rdap_fetches, 4);	/* 192.0.2/24 once, 2001:db8::/32 once */
	assert_int_equal(s.rdap.positive, 7);
	assert_int_equal(s.reanalysis, 1);
	assert_true(progress_calls > 0);
	j = enrich_host_json(st, "192.0.2.4");
	assert_string_equal(json_string_value(json_object_get(j, "ptr")), "b.example.com");
	assert_string_equal(json_string_value(json_object_get(j, "service")), "Example Mail");
	assert_string_equal(json_string_value(json_object_get(j, "country")), "JP");
	assert_int_equal(json_integer_value(json_object_get(j, "asn")), 64496);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "rdap"),
	    "abuse_email")), "abuse@example.net");
	json_decref(j);
	j = enrich_host_json(st, "192.0.2.2");	/* not confirmed: no service by PTR */
	assert_true(json_is_null(json_object_get(j, "service")));
	assert_true(json_is_false(json_object_get(j, "fcrdns")));
	json_decref(j);
	assert_int_equal(count_lines(rdap_log, "/rdap/ip/192.0.2.") - before, 1);
	/* run again: only the temporary failures are due */
	assert_int_equal(enrich_run(st, &o, &s, err, sizeof(err)), ENRICH_OK);
	assert_int_equal(s.hosts, 3);	/* 198.51.100.7 (SERVFAIL), 192.0.2.5 (zen error),
					 * 203.0.113.9 (RDAP 500) */
	/* cancelled before it starts: nothing written, ENRICH_CANCELLED */
	o.refresh = 1;
	o.cancel = &cancel;
	assert_int_equal(enrich_run(st, &o, &s, err, sizeof(err)), ENRICH_CANCELLED);
	assert_int_equal(s.done, 0);
	/* a bad server is an error with a message */
	o.cancel = NULL;
	o.dns_server = "192.0.2.1";
	assert_int_equal(enrich_run(st, &o, &s, err, sizeof(err)), ENRICH_ERR);
	assert_non_null(strstr(err, "loopback"));
	/* offline: no server needed at all */
	o.dns_server = NULL;
	o.offline = 1;
	assert_int_equal(enrich_run(st, &o, &s, err, sizeof(err)), ENRICH_OK);
	assert_int_equal(s.dns_queries, 0);
	assert_int_equal(s.geo.positive, 9);	/* 203.0.113.9: registered_country FR */
	enrich_opts_clear(&o);
	unsetenv("DMARCSCOPE_SERVICES");
	store_close(st);
}

static int
setup_all(void **state)
{
	if (global_setup(state) != 0)
		return -1;
	mmdb_setup(state);
	return live_setup(state);
}

static int
teardown_all(void **state)
{
	live_teardown(state);
	return global_teardown(state);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_rev_names),
		cmocka_unit_test(t_ip_parse),
		cmocka_unit_test(t_rr_walker),
		cmocka_unit_test(t_dnsbl_decode),
		cmocka_unit_test(t_cymru_parse),
		cmocka_unit_test(t_rdap_parse),
		cmocka_unit_test(t_rdap_boot),
		cmocka_unit_test(t_opts),
		cmocka_unit_test(t_state_class),
		cmocka_unit_test(t_geo_layouts),
		cmocka_unit_test(t_store_cache),
		cmocka_unit_test(t_live_dns_statuses),
		cmocka_unit_test(t_live_concurrency),
		cmocka_unit_test(t_live_ptr),
		cmocka_unit_test(t_live_dnsbl),
		cmocka_unit_test(t_live_cymru),
		cmocka_unit_test(t_live_txt_resolver),
		cmocka_unit_test(t_live_rdap),
		cmocka_unit_test(t_live_run),
	};

	log_init("test_enrich", 0);
	return cmocka_run_group_tests_name("enrich", tests, setup_all, teardown_all);
}
