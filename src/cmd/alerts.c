/*
 * alerts.c - `dmarcscope alerts list|ack|test|run|settings`: the alert
 * engine's command line (src/alert/, docs/ALERTS.md).
 *
 *   list      alerts (newest first), or with --deliveries the delivery queue
 *   ack ID..  mark alerts acknowledged
 *   test      send a sample alert through each channel of a domain, now
 *   run       evaluate pending changes, queue due summaries, deliver the
 *             queue once (the daemon of issue 16 calls the same functions);
 *             --scan-days N first records the last N days of every domain
 *             as changed (until the ingest hook records them itself)
 *   settings  show or change a domain's settings
 *
 * Delivery options (run, test) override the [smtp] / [alerts] sections of
 * --config.  --now (or $DMARCSCOPE_NOW) sets the clock for tests.
 *
 * Exports: cmd_alerts (cmd.h).
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "../alert/alert.h"
#include "../store/store_alerts.h"
#include "../util/log.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: dmarcscope alerts list [--domain D] [--state open|acknowledged] [--json]\n"
	    "                              [--deliveries] [--limit N]\n"
	    "       dmarcscope alerts ack ID...\n"
	    "       dmarcscope alerts test --domain D [DELIVERY OPTIONS]\n"
	    "       dmarcscope alerts run [--scan-days N] [--domain D] [--no-deliver] [DELIVERY OPTIONS]\n"
	    "       dmarcscope alerts settings --domain D [--json] [CHANGES]\n"
	    "\n"
	    "delivery options (else [smtp] and [alerts] of --config):\n"
	    "  --smtp URL           smtp://host:port or smtps://host:port\n"
	    "  --starttls           require STARTTLS on smtp://\n"
	    "  --tls-insecure       accept any server certificate (tests only)\n"
	    "  --from ADDR          sender address\n"
	    "  --base-url URL       the portal's URL, for the links\n"
	    "  --timeout S          seconds per attempt (20)\n"
	    "  --retry-base S       first retry after S seconds, doubling (60)\n"
	    "  --max-attempts N     then the delivery is failed (10)\n"
	    "  --now TIME           the clock: unix seconds or YYYY-MM-DD[THH:MM[:SS]] UTC\n"
	    "\n"
	    "settings changes:\n"
	    "  --add-recipient ADDR[:ja|:en]   --rm-recipient ADDR\n"
	    "  --webhook URL  --webhook-secret S  --webhook-format json|slack  --no-webhook\n"
	    "  --cooldown DAYS  --digest off|daily  --summary off|weekly|daily\n"
	    "  --summary-day 0-6 (0 Sunday)  --summary-hour 0-23  --tz-offset MINUTES\n"
	    "  --set KEY=VALUE (a rule parameter, see docs/ALERTS.md)  --reset KEY\n"
	    "  --enable  --disable\n");
}

enum {
	O_DOMAIN = 256, O_STATE, O_JSON, O_DELIV, O_LIMIT, O_SMTP, O_STARTTLS, O_FROM, O_BASE,
	O_TIMEOUT, O_RETRY, O_MAXATT, O_NOW, O_SCAN, O_NODELIV, O_ADDR, O_RMADDR, O_WEBHOOK,
	O_SECRET, O_WFORMAT, O_NOWEBHOOK, O_COOLDOWN, O_DIGEST, O_SUMMARY, O_SDAY, O_SHOUR,
	O_TZ, O_SET, O_RESET, O_ENABLE, O_DISABLE, O_INSECURE, O_HELP
};

static const struct option opts[] = {
	{ "domain", required_argument, NULL, O_DOMAIN }, { "state", required_argument, NULL, O_STATE },
	{ "json", no_argument, NULL, O_JSON }, { "deliveries", no_argument, NULL, O_DELIV },
	{ "limit", required_argument, NULL, O_LIMIT }, { "smtp", required_argument, NULL, O_SMTP },
	{ "starttls", no_argument, NULL, O_STARTTLS }, { "from", required_argument, NULL, O_FROM },
	{ "base-url", required_argument, NULL, O_BASE },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "retry-base", required_argument, NULL, O_RETRY },
	{ "max-attempts", required_argument, NULL, O_MAXATT },
	{ "now", required_argument, NULL, O_NOW }, { "scan-days", required_argument, NULL, O_SCAN },
	{ "no-deliver", no_argument, NULL, O_NODELIV },
	{ "add-recipient", required_argument, NULL, O_ADDR },
	{ "rm-recipient", required_argument, NULL, O_RMADDR },
	{ "webhook", required_argument, NULL, O_WEBHOOK },
	{ "webhook-secret", required_argument, NULL, O_SECRET },
	{ "webhook-format", required_argument, NULL, O_WFORMAT },
	{ "no-webhook", no_argument, NULL, O_NOWEBHOOK },
	{ "cooldown", required_argument, NULL, O_COOLDOWN },
	{ "digest", required_argument, NULL, O_DIGEST },
	{ "summary", required_argument, NULL, O_SUMMARY },
	{ "summary-day", required_argument, NULL, O_SDAY },
	{ "summary-hour", required_argument, NULL, O_SHOUR },
	{ "tz-offset", required_argument, NULL, O_TZ }, { "set", required_argument, NULL, O_SET },
	{ "reset", required_argument, NULL, O_RESET }, { "enable", no_argument, NULL, O_ENABLE },
	{ "disable", no_argument, NULL, O_DISABLE },
	{ "tls-insecure", no_argument, NULL, O_INSECURE },
	{ "help", no_argument, NULL, O_HELP }, { NULL, 0, NULL, 0 }
};

typedef struct args {
	const char *domain, *state;
	int json, deliveries, no_deliver, scan_days, settings_changed;
	int64_t limit, now;
	alert_cfg cfg;
	/* settings changes, applied in order */
	struct { int opt; const char *arg; } ch[64];
	int nch;
} args;

static int
parse(args *a, cmd_ctx *c, int argc, char **argv)
{
	char err[512];
	int ch;
	int64_t v;

	memset(a, 0, sizeof(*a));
	alert_cfg_init(&a->cfg);
	a->now = alert_now();
	if (c->config != NULL && alert_cfg_load(&a->cfg, c->config, err, sizeof(err)) != 0) {
		log_warnx("alerts: %s", err);
		return -1;
	}
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case O_DOMAIN: a->domain = optarg; break;
		case O_STATE:
			if (strcmp(optarg, "open") != 0 && strcmp(optarg, "acknowledged") != 0) {
				log_warnx("alerts: --state open or acknowledged");
				return -1;
			}
			a->state = optarg;
			break;
		case O_JSON: a->json = 1; break;
		case O_DELIV: a->deliveries = 1; break;
		case O_LIMIT:
			if (cmd_parse_num("--limit", optarg, 1, 100000, &a->limit) != 0)
				return -1;
			break;
		case O_SMTP: alert_cfg_set(&a->cfg.smtp_url, optarg); break;
		case O_STARTTLS: a->cfg.starttls = 1; break;
		case O_INSECURE: a->cfg.tls_verify = 0; break;
		case O_FROM: alert_cfg_set(&a->cfg.from, optarg); break;
		case O_BASE: alert_cfg_set(&a->cfg.base_url, optarg); break;
		case O_TIMEOUT:
			if (cmd_parse_num("--timeout", optarg, 1, 600, &v) != 0)
				return -1;
			a->cfg.timeout_s = (int)v;
			break;
		case O_RETRY:
			if (cmd_parse_num("--retry-base", optarg, 1, 86400, &v) != 0)
				return -1;
			a->cfg.retry_base_s = (int)v;
			break;
		case O_MAXATT:
			if (cmd_parse_num("--max-attempts", optarg, 1, 100, &v) != 0)
				return -1;
			a->cfg.max_attempts = (int)v;
			break;
		case O_NOW:
			if (alert_parse_time(optarg, &a->now) != 0) {
				log_warnx("alerts: --now: unix seconds or YYYY-MM-DD[THH:MM[:SS]]");
				return -1;
			}
			break;
		case O_SCAN:
			if (cmd_parse_num("--scan-days", optarg, 1, 3660, &v) != 0)
				return -1;
			a->scan_days = (int)v;
			break;
		case O_NODELIV: a->no_deliver = 1; break;
		case O_HELP: usage(stdout); exit(0);
		case '?': return -1;
		default:
			if (a->nch == 64) {
				log_warnx("alerts: too many changes at once");
				return -1;
			}
			a->ch[a->nch].opt = ch;
			a->ch[a->nch++].arg = optarg;
			break;
		}
	}
	return 0;
}

static void
fmt_time(int64_t t, char *buf, size_t len, const char *f)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, f, &tm);
}

/* ---- list ------------------------------------------------------------------------------------ */

static int
list_cb(void *ctx, const store_alert *a)
{
	json_t *arr = ctx;
	char day[16];

	fmt_time(a->day * 86400, day, sizeof(day), "%Y-%m-%d");
	if (arr != NULL) {
		json_array_append_new(arr, json_pack("{sI ss ss ss ss so ss ss sI}", "id",
		    (json_int_t)a->id, "domain", a->policy_domain, "rule", a->rule, "subject", a->subject_key,
		    "day", day, "numbers", json_loads(a->numbers, 0, NULL), "link", a->link, "state",
		    a->state, "created_at", (json_int_t)a->created_at));
		return 0;
	}
	printf("%-6lld %-12s %-10s %-20s %-18s %-24s %s\n", (long long)a->id, a->state, day,
	    a->policy_domain, a->rule, a->subject_key, a->numbers);
	return 0;
}

static int
deliv_cb(void *ctx, const store_delivery *d)
{
	json_t *arr = ctx;

	if (arr != NULL) {
		json_array_append_new(arr, json_pack("{sI sI sI ss ss ss si sI sI ss?}", "id",
		    (json_int_t)d->id, "alert_id", (json_int_t)d->alert_id, "summary_id",
		    (json_int_t)d->summary_id, "channel", d->channel, "lang", d->lang, "state", d->state,
		    "attempts", d->attempts, "next_attempt", (json_int_t)d->next_attempt, "sent_at",
		    (json_int_t)d->sent_at, "last_error", d->last_error));
		return 0;
	}
	printf("%-6lld %-8s %-8s %-40s %-4s attempts %d%s%s\n", (long long)d->id,
	    d->alert_id ? "alert" : "summary", d->state, d->channel, d->lang, d->attempts,
	    d->last_error ? "  " : "", d->last_error ? d->last_error : "");
	return 0;
}

static int
do_list(store *s, args *a)
{
	store_alert_filter f = { a->domain, a->state, (int)a->limit, 0, NULL };
	json_t *arr = a->json ? json_array() : NULL;
	int rc = a->deliveries ? store_alerts_delivery_list(s, 0, a->limit ? (int)a->limit : 1000,
	    deliv_cb, arr) : store_alerts_alert_list(s, &f, list_cb, arr);

	if (rc != STORE_OK) {
		log_warnx("alerts: %s", store_errmsg(s));
		json_decref(arr);
		return 2;
	}
	if (arr != NULL) {
		char *o = json_dumps(arr, JSON_INDENT(1));

		printf("%s\n", o);
		free(o);
		json_decref(arr);
	}
	return 0;
}

/* ---- ack ------------------------------------------------------------------------------------- */

static int
do_ack(store *s, args *a, int argc, char **argv)
{
	int rc = 0;

	if (optind >= argc) {
		log_warnx("alerts ack: which alert? (an id from 'alerts list')");
		return 2;
	}
	for (int i = optind; i < argc; i++) {
		int64_t id;
		int found;

		if (cmd_parse_num("alert id", argv[i], 1, INT64_MAX, &id) != 0)
			return 2;
		if (store_alerts_alert_ack(s, id, a->now, &found) != STORE_OK) {
			log_warnx("alerts ack: %s", store_errmsg(s));
			return 2;
		}
		if (!found) {
			log_warnx("alerts ack: no alert %lld", (long long)id);
			rc = 1;
		} else {
			printf("alert %lld acknowledged\n", (long long)id);
		}
	}
	return rc;
}

/* ---- test ------------------------------------------------------------------------------------ */

static void
test_line(void *ctx, const char *channel, int ok, const char *detail)
{
	(void)ctx;
	if (!ok)
		printf("%s  FAILED  %s\n", strncmp(channel, "mail:", 5) == 0 ? channel : "webhook", detail);
	else if (strncmp(channel, "mail:", 5) == 0)
		printf("%s  sent (%s)\n", channel, detail);
	else
		printf("webhook  sent\n");
}

static int
do_test(store *s, args *a)
{
	char err[512];
	int n;

	if (a->domain == NULL) {
		log_warnx("alerts test: --domain D");
		return 2;
	}
	n = alert_test_send(s, &a->cfg, a->domain, a->now, test_line, NULL, err, sizeof(err));
	if (n < 0) {
		log_warnx("alerts test: %s%s", err, strstr(err, "no recipient") ? " (alerts settings)" : "");
		return strstr(err, "no recipient") ? 1 : 2;
	}
	return n > 0 ? 1 : 0;
}

/* ---- run ------------------------------------------------------------------------------------- */

static int
do_run(store *s, args *a)
{
	alert_eval_stats es;
	alert_deliver_stats ds;
	int64_t scanned = 0, summaries = 0;
	char err[512];

	if (cmd_catch_up(s) != 0)
		return 2;
	if (a->scan_days > 0) {
		int64_t today = a->now / 86400;

		if (store_alerts_change_scan(s, a->domain, today - a->scan_days + 1, today + 1,
		    &scanned) != STORE_OK) {
			log_warnx("alerts run: %s", store_errmsg(s));
			return 2;
		}
	}
	if (alert_evaluate(s, a->now, &es, err, sizeof(err)) != 0 ||
	    alert_schedule(s, a->now, &summaries, err, sizeof(err)) != 0) {
		log_warnx("alerts run: %s", err);
		return 2;
	}
	memset(&ds, 0, sizeof(ds));
	if (!a->no_deliver && alert_deliver(s, &a->cfg, a->now, &ds, err, sizeof(err)) != 0) {
		log_warnx("alerts run: %s", err);
		return 2;
	}
	if (a->json)
		printf("{\"scanned\":%lld,\"changes\":%lld,\"alerts\":%lld,\"queued\":%lld,"
		    "\"suppressed\":%lld,\"too_old\":%lld,\"summaries\":%lld,\"sent\":%lld,"
		    "\"retried\":%lld,\"failed\":%lld}\n", (long long)scanned, (long long)es.changes,
		    (long long)es.alerts, (long long)es.deliveries, (long long)es.suppressed,
		    (long long)es.skipped_old, (long long)summaries, (long long)ds.sent,
		    (long long)ds.retried, (long long)ds.failed);
	else
		printf("changes %lld (scanned %lld): %lld alerts, %lld deliveries queued, %lld in "
		    "cooldown, %lld too old; summaries queued %lld; delivered %lld, retry later %lld, "
		    "failed %lld\n", (long long)es.changes, (long long)scanned, (long long)es.alerts,
		    (long long)es.deliveries, (long long)es.suppressed, (long long)es.skipped_old,
		    (long long)summaries, (long long)ds.sent, (long long)ds.retried, (long long)ds.failed);
	return 0;
}

/* ---- settings -------------------------------------------------------------------------------- */

static int
apply_change(alert_settings *set, int opt, const char *arg, char *err, size_t errlen)
{
	int64_t v;
	json_t *o;

	switch (opt) {
	case O_ADDR: {
		const char *colon = strrchr(arg, ':');
		size_t n = colon && (strcmp(colon, ":ja") == 0 || strcmp(colon, ":en") == 0) ?
		    (size_t)(colon - arg) : strlen(arg);

		if (n == 0 || n > 254 || memchr(arg, '@', n) == NULL || strpbrk(arg, " <>\r\n,") != NULL) {
			snprintf(err, errlen, "--add-recipient: an address like admin@example.jp[:ja]");
			return -1;
		}
		for (int i = 0; i < set->nrcpt; i++)
			if (strlen(set->rcpt[i].addr) == n && strncmp(set->rcpt[i].addr, arg, n) == 0) {
				free(set->rcpt[i].addr);
				set->rcpt[i] = set->rcpt[--set->nrcpt];
			}
		if (set->nrcpt == ALERT_MAX_RECIPIENTS) {
			snprintf(err, errlen, "at most %d recipients", ALERT_MAX_RECIPIENTS);
			return -1;
		}
		set->rcpt[set->nrcpt].addr = xstrndup(arg, n);
		snprintf(set->rcpt[set->nrcpt].lang, 3, "%s", n < strlen(arg) ? arg + n + 1 : "ja");
		set->nrcpt++;
		return 0;
	}
	case O_RMADDR:
		for (int i = 0; i < set->nrcpt; i++)
			if (strcmp(set->rcpt[i].addr, arg) == 0) {
				free(set->rcpt[i].addr);
				set->rcpt[i] = set->rcpt[--set->nrcpt];
				return 0;
			}
		snprintf(err, errlen, "--rm-recipient: %s is not a recipient", arg);
		return -1;
	case O_WEBHOOK:
		if (strncmp(arg, "http://", 7) != 0 && strncmp(arg, "https://", 8) != 0) {
			snprintf(err, errlen, "--webhook: an http:// or https:// URL");
			return -1;
		}
		return alert_cfg_set(&set->webhook_url, arg);
	case O_SECRET: return alert_cfg_set(&set->webhook_secret, arg);
	case O_NOWEBHOOK: return alert_cfg_set(&set->webhook_url, NULL);
	case O_WFORMAT:
		if (strcmp(arg, "json") != 0 && strcmp(arg, "slack") != 0) {
			snprintf(err, errlen, "--webhook-format json or slack");
			return -1;
		}
		return alert_cfg_set(&set->webhook_format, arg);
	case O_COOLDOWN:
		if (cmd_parse_num("--cooldown", arg, 0, 365, &v) != 0)
			return -1;
		set->cooldown_days = (int)v;
		return 0;
	case O_DIGEST:
		if (strcmp(arg, "off") != 0 && strcmp(arg, "daily") != 0) {
			snprintf(err, errlen, "--digest off or daily");
			return -1;
		}
		set->digest = arg[0] == 'd';
		return 0;
	case O_SUMMARY:
		set->summary = strcmp(arg, "weekly") == 0 ? 1 : strcmp(arg, "daily") == 0 ? 2 :
		    strcmp(arg, "off") == 0 ? 0 : -1;
		if (set->summary < 0) {
			snprintf(err, errlen, "--summary off, weekly or daily");
			return -1;
		}
		return 0;
	case O_SDAY:
		if (cmd_parse_num("--summary-day", arg, 0, 6, &v) != 0)
			return -1;
		set->summary_weekday = (int)v;
		return 0;
	case O_SHOUR:
		if (cmd_parse_num("--summary-hour", arg, 0, 23, &v) != 0)
			return -1;
		set->summary_hour = (int)v;
		return 0;
	case O_TZ:
		if (cmd_parse_num("--tz-offset", arg, -720, 840, &v) != 0)
			return -1;
		set->tz_offset_min = (int)v;
		return 0;
	case O_ENABLE: set->enabled = 1; return 0;
	case O_DISABLE: set->enabled = 0; return 0;
	case O_SET: case O_RESET: {
		const char *eq = strchr(arg, '=');
		char key[64], *js;
		alert_params p;

		if (opt == O_SET && (eq == NULL || eq == arg || (size_t)(eq - arg) >= sizeof(key))) {
			snprintf(err, errlen, "--set KEY=VALUE");
			return -1;
		}
		snprintf(key, sizeof(key), "%.*s", opt == O_SET ? (int)(eq - arg) : 63, arg);
		o = json_loads(set->thresholds_json ? set->thresholds_json : "{}", 0, NULL);
		if (o == NULL)
			o = json_object();
		if (opt == O_SET) {
			json_t *val = json_loads(eq + 1, JSON_DECODE_ANY, NULL);

			if (!json_is_number(val)) {
				json_decref(val);
				json_decref(o);
				snprintf(err, errlen, "--set %s: a number", key);
				return -1;
			}
			json_object_set_new(o, key, val);
		} else {
			json_object_del(o, key);
		}
		js = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(o);
		alert_params_default(&p);
		if (alert_params_apply(&p, js, err, errlen) != 0) {
			free(js);
			return -1;
		}
		free(set->thresholds_json);
		set->thresholds_json = js;
		set->p = p;
		return 0;
	}
	}
	return 0;
}

static int
do_settings(store *s, args *a)
{
	alert_settings set;
	char err[512] = "";
	json_t *o;
	char *out;

	if (a->domain == NULL) {
		log_warnx("alerts settings: --domain D");
		return 2;
	}
	if (alert_settings_load(s, a->domain, &set, err, sizeof(err)) != 0) {
		log_warnx("alerts settings: %s", err);
		return 2;
	}
	for (int i = 0; i < a->nch; i++)
		if (apply_change(&set, a->ch[i].opt, a->ch[i].arg, err, sizeof(err)) != 0) {
			if (err[0])
				log_warnx("alerts settings: %s", err);
			alert_settings_clear(&set);
			return 2;
		}
	if (a->nch > 0 && alert_settings_save(s, &set, a->now, err, sizeof(err)) != 0) {
		log_warnx("alerts settings: %s", err);
		alert_settings_clear(&set);
		return 2;
	}
	o = alert_settings_json(&set);
	out = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	printf("%s\n", out);
	free(out);
	json_decref(o);
	alert_settings_clear(&set);
	return 0;
}

int
cmd_alerts(cmd_ctx *c, int argc, char **argv)
{
	const char *sub;
	args a;
	store *s;
	int rc;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	sub = argv[1];
	argc--;
	argv++;
	if (parse(&a, c, argc, argv) != 0) {
		alert_cfg_clear(&a.cfg);
		return 2;
	}
	if (a.nch > 0 && strcmp(sub, "settings") != 0) {
		log_warnx("alerts %s: settings options belong to 'alerts settings'", sub);
		alert_cfg_clear(&a.cfg);
		return 2;
	}
	if ((s = cmd_open_store(c)) == NULL) {
		alert_cfg_clear(&a.cfg);
		return 2;
	}
	if (!store_has(s, alerts)) {
		log_warnx("alerts: this store has no alerts");
		rc = 2;
	} else if (strcmp(sub, "list") == 0) {
		rc = do_list(s, &a);
	} else if (strcmp(sub, "ack") == 0) {
		rc = do_ack(s, &a, argc, argv);
	} else if (strcmp(sub, "test") == 0) {
		rc = do_test(s, &a);
	} else if (strcmp(sub, "run") == 0) {
		rc = do_run(s, &a);
	} else if (strcmp(sub, "settings") == 0) {
		rc = do_settings(s, &a);
	} else {
		log_warnx("alerts: unknown subcommand '%s'", sub);
		usage(stderr);
		rc = 2;
	}
	store_close(s);
	alert_cfg_clear(&a.cfg);
	return rc;
}
