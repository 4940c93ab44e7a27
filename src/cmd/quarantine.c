/*
 * quarantine.c - `dmarcscope quarantine list [--json]` and
 * `dmarcscope quarantine retry [ID...]`: the refused inputs, and reprocessing
 * them from the archive (after an upgrade, or with larger limits);
 * `dmarcscope quarantine drop ID... [--reason TEXT]`: resolve entries that
 * can never be stored (the archived copy stays; the reason is appended to the
 * entry's reason as "dropped: TEXT", shown by `list --all`).
 *
 * `retry --json` prints one JSON object a line per entry retried:
 * {"id", "outcome": stored|duplicate|partial|refused|failed, "refusals":
 * [{"input","reason"}]}.  The portal's POST /api/v1/quarantine/ID/retry runs
 * this command as a child process (src/web/api.c), so the hostile input is
 * parsed by an ingest process, never by the HTTP server.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "progress.h"
#include "../intake/ingest.h"
#include "../util/dbuf.h"
#include "../util/log.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: dmarcscope quarantine list [--json] [--all]\n"
	    "       dmarcscope quarantine retry [--max-decompressed N] [--max-ratio N]\n"
	    "                                   [--max-message N] [--redact] [--json] [ID...]\n"
	    "       dmarcscope quarantine drop [--reason TEXT] ID...\n"
	    "\n"
	    "list   refused inputs with the reason (--all: resolved ones too)\n"
	    "retry  reprocess the archived copies of quarantine entries ID... (resolved\n"
	    "       ones too; default: every unresolved entry); entries that now succeed\n"
	    "       are resolved;\n"
	    "       --redact (or DMARCSCOPE_REDACT=1): as `ingest --redact`; --json: one\n"
	    "       object a line per entry: id, outcome, refusals\n"
	    "drop   resolve entries ID... without storing them (the archived copy is\n"
	    "       kept; the reason is kept with the entry)\n");
}

static void
json_str(const char *s)
{
	dbuf b;

	dbuf_init(&b, (size_t)1 << 24);
	dbuf_json_str(&b, s);
	fputs(dbuf_cstr(&b), stdout);
	dbuf_free(&b);
}

struct list_ctx {
	int json, n;
};

static int
list_cb(void *ctx, const store_qitem *it)
{
	struct list_ctx *l = ctx;
	char when[32];
	time_t t = (time_t)it->created_at;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%SZ", &tm);
	if (l->json) {
		printf("%s{\"id\":%lld,\"raw_id\":%lld,\"source\":", l->n ? "," : "",
		    (long long)it->id, (long long)it->raw_id);
		json_str(it->source);
		printf(",\"reason\":");
		json_str(it->reason);
		printf(",\"created\":\"%s\",\"resolved\":%s}", when, it->resolved ? "true" : "false");
	} else {
		printf("%-5lld %s  %s%s\n", (long long)it->id, when, it->source,
		    it->resolved ? "  (resolved)" : "");
		for (const char *p = it->reason; p && *p;) {
			const char *nl = strchr(p, '\n');
			int len = nl ? (int)(nl - p) : (int)strlen(p);

			printf("      %.*s\n", len, p);
			p += len + (nl ? 1 : 0);
		}
	}
	l->n++;
	return 0;
}

struct collect {
	int64_t *ids, *raws;
	int n, cap;
};

static int
collect_cb(void *ctx, const store_qitem *it)
{
	struct collect *c = ctx;

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->ids = xrealloc(c->ids, (size_t)c->cap * sizeof(int64_t));
		c->raws = xrealloc(c->raws, (size_t)c->cap * sizeof(int64_t));
	}
	c->ids[c->n] = it->id;
	c->raws[c->n++] = it->raw_id;
	return 0;
}

/* retry's progress bar (cleared before each log line) */
static pbar qbar;

static void
on_refused(void *ctx, const char *input, const char *reason)
{
	progress_clear(&qbar);
	if (ctx != NULL)	/* --json: the entry's refusals */
		json_array_append_new(*(json_t **)ctx, json_pack("{s:s,s:s}", "input",
		    input ? input : "", "reason", reason ? reason : ""));
	ingest_log_refusal("still refused", input, reason);
}

/* `quarantine drop`: 0 when every ID was an open entry and is now resolved,
 * 1 when some were not (unknown or resolved already), 2 on a store error. */
static int
drop(store *s, int n, char **ids, const char *why)
{
	int rc = 0;

	if (why == NULL || *why == '\0')
		why = "no reason given";
	for (int i = 0; i < n; i++) {
		int64_t id = strtoll(ids[i], NULL, 10);
		int done = 0;

		if (store_quarantine_drop(s, id, why, &done) != STORE_OK) {
			log_warnx("%s", store_errmsg(s));
			return 2;
		}
		if (done)
			printf("dropped %lld: %s\n", (long long)id, why);
		else {
			log_warnx("quarantine drop: no open entry %lld", (long long)id);
			rc = 1;
		}
	}
	return rc;
}

int
cmd_quarantine(cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "all", no_argument, NULL, 'a' },
		{ "max-decompressed", required_argument, NULL, 'd' },
		{ "max-ratio", required_argument, NULL, 'r' },
		{ "max-message", required_argument, NULL, 'm' },
		{ "reason", required_argument, NULL, 'R' },
		{ "redact", no_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ch, json = 0, all = 0, rc = 0;
	const char *sub, *why = NULL;
	store *s;
	ingest_opts o;
	uint64_t v;

	ingest_opts_default(&o);
	o.redact = cmd_env_redact();
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	sub = argv[1];
	argc--;
	argv++;
	optind = 0;	/* glibc: start afresh, options may follow IDs */
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j': json = 1; break;
		case 'a': all = 1; break;
		case 'd': case 'r': case 'm':
			if (cmd_parse_size(optarg, &v) != 0 || v == 0) {
				log_warnx("bad number '%s'", optarg);
				return 2;
			}
			if (ch == 'd')
				o.lim.max_output = v;
			else if (ch == 'r')
				o.lim.max_ratio = (unsigned)v;
			else
				o.lim.max_message = (size_t)v;
			break;
		case 'R': why = optarg; break;
		case 'x': o.redact = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (strcmp(sub, "list") != 0 && strcmp(sub, "retry") != 0 && strcmp(sub, "drop") != 0) {
		log_warnx("quarantine: unknown subcommand '%s'", sub);
		usage(stderr);
		return 2;
	}
	if (strcmp(sub, "drop") == 0) {
		if (optind >= argc) {
			log_warnx("quarantine drop: no ID");
			usage(stderr);
			return 2;
		}
		for (int j = optind; j < argc; j++) {
			char *end;

			if (strtoll(argv[j], &end, 10) <= 0 || *end != '\0') {
				log_warnx("quarantine drop: bad ID '%s'", argv[j]);
				return 2;
			}
		}
		if ((s = cmd_open_store(c)) == NULL)
			return 2;
		rc = drop(s, argc - optind, argv + optind, why);
		store_close(s);
		return rc;
	}
	if ((s = cmd_open_store(c)) == NULL)
		return 2;
	if (strcmp(sub, "list") == 0) {
		struct list_ctx l = { json, 0 };

		if (json)
			putchar('[');
		if (store_quarantine_list(s, !all, list_cb, &l) != STORE_OK) {
			log_warnx("%s", store_errmsg(s));
			rc = 2;
		}
		if (json)
			puts("]");
		else if (l.n == 0)
			printf("quarantine is empty\n");
	} else {
		struct collect col = { NULL, NULL, 0, 0 };
		ingest *g;
		int fixed = 0, still = 0;

		/* named entries are retried even when resolved (the portal's retry
		 * button on any entry); without names, the open ones */
		if (store_quarantine_list(s, optind >= argc, collect_cb, &col) != STORE_OK) {
			log_warnx("%s", store_errmsg(s));
			store_close(s);
			return 2;
		}
		json_t *refusals = NULL;
		static const char *const outcome[] = { "stored", "duplicate", "partial", "refused",
		    "failed" };

		o.on_refused = on_refused;
		o.cb_ctx = json ? &refusals : NULL;
		g = ingest_new(s, &o);
		progress_init(&qbar, 1);
		for (int i = 0; i < col.n; i++) {
			int want = optind >= argc;
			int r;

			for (int j = optind; j < argc; j++)
				if (strtoll(argv[j], NULL, 10) == col.ids[i])
					want = 1;
			if (!want)
				continue;
			refusals = json_array();
			r = ingest_retry(g, col.raws[i]);
			if (r == INGEST_STORED || r == INGEST_DUPLICATE)
				fixed++;
			else
				still++;
			if (json) {
				json_t *j = json_pack("{s:I,s:s,s:O}", "id", (json_int_t)col.ids[i],
				    "outcome", r >= 0 && r <= INGEST_FAILED ? outcome[r] : "failed",
				    "refusals", refusals);
				char *t = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;

				if (t != NULL)
					printf("%s\n", t);
				free(t);
				json_decref(j);
			}
			json_decref(refusals);
			refusals = NULL;
			progress_draw(&qbar, (uint64_t)i + 1, (uint64_t)col.n, i + 1 == col.n,
			    "%d of %d entries  %d resolved  %d still refused", i + 1, col.n, fixed,
			    still);
		}
		progress_clear(&qbar);
		if (!json)
			printf("retried %d: %d resolved, %d still refused\n", fixed + still, fixed,
			    still);
		rc = still ? 1 : 0;
		ingest_free(g);
		free(col.ids);
		free(col.raws);
	}
	store_close(s);
	return rc;
}
