/*
 * fixes.c - `dmarcscope fixes DOMAIN`: exact fixes from the data (issue 18
 * part 2, src/analyze/fixes.h): for each of My Senders and each known
 * service that fails DMARC for DOMAIN over the period, what to change (the
 * SPF term to add with the lookup count after the change, the DKIM or
 * envelope alignment to set up, the DKIM key to publish), and why forwarded
 * mail needs no fix.  The SPF records are walked in the real DNS (the
 * resolver as `check` takes it); --saved uses the last saved check instead
 * (what the portal does: no DNS query).
 *
 *   --days N              the period: N days (30) ending at --until
 *   --until YYYY-MM-DD    the end of the period (default: now)
 *   --resolver IP:PORT, --timeout MS, --deadline MS   as `check`
 *   --saved               no DNS: the last saved check (`check --save`)
 *   --json, --lang ja|en
 *
 * Exit status: 0 no error-level fix, 1 at least one, 2 usage or fatal.
 * Exports: cmd_fixes (cmd.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "cmd_opts.h"
#include "../analyze/fixes.h"
#include "../store/store_dnscheck.h"
#include "../util/log.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: dmarcscope fixes DOMAIN [--days N] [--until YYYY-MM-DD] [--json] [--lang ja|en]\n"
	    "                        [--resolver IP:PORT] [--timeout MS] [--deadline MS] [--saved]\n"
	    "\n"
	    "What to change for each of My Senders and each known service that fails DMARC\n"
	    "for DOMAIN: the SPF term to add (with the DNS lookup count after the change),\n"
	    "the DKIM signing or envelope alignment to set up, the DKIM key to publish.\n"
	    "Exit 1 when a fix is an error.\n");
}

static int
saved_cb(void *ctx, int64_t at, const char *json)
{
	(void)at;
	*(char **)ctx = xstrdup(json);
	return 0;
}

static void
print_text(const json_t *j, int ja)
{
	json_t *f, *sp;
	size_t i;
	char a[16], b[16];
	int e = 0, w = 0;

	cmd_fmt_date(json_integer_value(json_object_get(j, "since")), a, sizeof(a));
	cmd_fmt_date(json_integer_value(json_object_get(j, "until")) - 1, b, sizeof(b));
	printf("%s %s .. %s (DNS: %s)\n", json_string_value(json_object_get(j, "domain")), a, b,
	    json_string_value(json_object_get(j, "dns")));
	json_array_foreach(json_object_get(j, "fixes"), i, f) {
		json_t *ev = json_object_get(f, "evidence"), *r;
		const char *sev = json_string_value(json_object_get(f, "severity"));
		size_t k;

		e += strcmp(sev, "error") == 0;
		w += strcmp(sev, "warning") == 0;
		printf("%-7s %-18s %-18s %s\n", sev, json_string_value(json_object_get(f, "code")),
		    json_string_value(json_object_get(f, "rfc")),
		    json_string_value(json_object_get(json_object_get(f, "text"), ja ? "ja" : "en")));
		cmd_fmt_date(json_integer_value(json_object_get(ev, "first")), a, sizeof(a));
		cmd_fmt_date(json_integer_value(json_object_get(ev, "last")) - 1, b, sizeof(b));
		printf("        %s: %lld %s, %s .. %s,", ja ? "根拠" : "evidence",
		    (long long)json_integer_value(json_object_get(ev, "messages")), ja ? "通" : "messages",
		    a, b);
		json_array_foreach(json_object_get(ev, "reporters"), k, r)
			printf(" %s", json_string_value(r));
		printf("\n");
		if (json_is_string(json_object_get(f, "record_after")))
			printf("        %s: %s\n", ja ? "変更後" : "after",
			    json_string_value(json_object_get(f, "record_after")));
	}
	json_array_foreach(json_object_get(j, "spf"), i, sp) {
		if (!json_is_string(json_object_get(sp, "record_after")))
			continue;
		printf("SPF %s (%s): %s\n", json_string_value(json_object_get(sp, "name")),
		    ja ? "すべての変更後" : "after every change",
		    json_string_value(json_object_get(sp, "record_after")));
	}
	printf("%zu fixes: %d error%s, %d warning%s\n", json_array_size(json_object_get(j, "fixes")), e,
	    e == 1 ? "" : "s", w, w == 1 ? "" : "s");
}

static int
own_opt(void *ctx, int ch, const char *arg)
{
	(void)arg;
	if (ch != 'S') {
		usage(stderr);
		return 2;
	}
	*(int *)ctx = 1;
	return 0;
}

int
cmd_fixes(cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "saved", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 }
	};
	static const cmd_dom_spec spec = { .cmd = "fixes", .use = CMD_DO_DNS | CMD_DO_DAYS |
		CMD_DO_UNTIL, .days = 30, .usage = usage, .own = opts, .own_opt = own_opt };
	cmd_dom_opts d;
	char err[512], *saved = NULL;
	int use_saved = 0, rc, found = 0;
	int64_t until;
	store *s;
	fix_dns *dns;
	json_t *j, *f;
	size_t i;

	if ((rc = cmd_dom_parse(&spec, &d, &use_saved, argc, argv)) >= 0)
		return rc;
	rc = 0;
	until = d.until != 0 ? d.until : (int64_t)time(NULL);
	if ((s = cmd_open_store(c)) == NULL)
		return 2;
	if (cmd_catch_up(s) != 0) {
		store_close(s);
		return 2;
	}
	if (use_saved) {
		if (store_has(s, dnscheck) &&
		    store_dnscheck_result_get(s, d.domain, saved_cb, &saved, &found) != STORE_OK)
			log_warnx("fixes: %s", store_errmsg(s));
		dns = fixes_dns_saved(saved);
	} else
		dns = fixes_dns_live(&d.dns);
	j = fixes_run(s, NULL, d.domain, until - d.days * 86400, until, dns, err, sizeof(err));
	fixes_dns_free(dns);
	free(saved);
	store_close(s);
	if (j == NULL) {
		log_warnx("fixes: %s", err);
		return 2;
	}
	json_array_foreach(json_object_get(j, "fixes"), i, f)
		if (strcmp(json_string_value(json_object_get(f, "severity")), "error") == 0)
			rc = 1;
	if (d.json) {
		char *t = json_dumps(j, JSON_COMPACT);

		printf("%s\n", t);
		free(t);
	} else
		print_text(j, strcmp(d.lang, "ja") == 0);
	json_decref(j);
	return rc;
}
