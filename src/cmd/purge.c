/*
 * purge.c - `dmarcscope purge`: retention (docs/OPERATIONS.md, "Retention").
 *
 *   --records-older-than N   aggregate reports that ended before UTC midnight
 *                            N days ago, with their records (the rollups keep
 *                            every day from that midnight on unchanged)
 *   --samples-older-than M   failure reports that arrived more than M days
 *                            ago lose their sample's headers and text
 *   --archive-older-than K   archived messages received more than K days ago
 *                            lose their bytes (their row and hash stay)
 *   --all                    every part, with [retention] of --config or the
 *                            defaults (400, 90, 90 days)
 *   --dry-run                count only and say exactly what would go
 *   --vacuum                 VACUUM afterwards (gives the space back to the
 *                            file system; blocks writers while it runs)
 *   --json, --no-progress, --batch N
 * The work is retention_run (retention.c), in short transactions; a
 * progress bar on stderr when it is a terminal, drawn like ingest's.
 *
 * Exit status: 0 done (also when nothing was old enough), 2 usage or store
 * error.  Exports: cmd_purge (cmd.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "retention.h"
#include "../util/dbuf.h"
#include "../util/log.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: dmarcscope purge [--records-older-than DAYS] [--samples-older-than DAYS]\n"
	    "                        [--archive-older-than DAYS] [--all] [--dry-run] [--vacuum]\n"
	    "                        [--json] [--no-progress] [--batch N]\n"
	    "\n"
	    "Delete what retention drops, in short transactions (the portal and the\n"
	    "intake keep running).  At least one part, or --all:\n"
	    "  --records-older-than DAYS   aggregate reports that ended before UTC\n"
	    "                              midnight DAYS days ago, with their records;\n"
	    "                              statistics from that day on stay identical\n"
	    "  --samples-older-than DAYS   failure reports that arrived more than DAYS\n"
	    "                              days ago lose their sample (headers and text)\n"
	    "  --archive-older-than DAYS   archived originals received more than DAYS days\n"
	    "                              ago lose their bytes (their hash stays: the same\n"
	    "                              message arriving again is still a duplicate)\n"
	    "  --all                       every part, as [retention] of --config says\n"
	    "                              (defaults: records 400, samples 90, archive 90)\n"
	    "  --dry-run                   count only: what would go, per domain\n"
	    "  --vacuum                    VACUUM afterwards: the file shrinks, but every\n"
	    "                              writer waits while it runs\n");
}

/* ---- progress bar (the look of ingest's) ------------------------------------------------ */

typedef struct ui {
	int tty, shown;
	double last;
	int json, dry;
	dbuf domains;		/* dry run: JSON items */
	int ndomains;
} ui;

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
bar_clear(ui *u)
{
	if (u->shown) {
		fputs("\r\033[K", stderr);
		u->shown = 0;
	}
}

static void
on_progress(void *ctx, const char *part, int64_t done, int64_t total)
{
	ui *u = ctx;
	double t = mono();
	int pct = total > 0 ? (int)(done * 100 / total) : 100;
	char bar[31];

	if (!u->tty || (t - u->last < 0.1 && done < total))
		return;
	u->last = t;
	if (pct > 100)
		pct = 100;
	for (int i = 0; i < 30; i++)
		bar[i] = i < pct * 30 / 100 ? '#' : '.';
	bar[30] = '\0';
	fprintf(stderr, "\r[%s] %3d%%  %s: %lld of %lld\033[K", bar, pct, part, (long long)done,
	    (long long)total);
	u->shown = 1;
}

static int
on_domain(void *ctx, const char *domain, const store_retention_count *c)
{
	ui *u = ctx;

	if (u->json) {
		if (u->ndomains > 0)
			dbuf_addc(&u->domains, ',');
		dbuf_addstr(&u->domains, "{\"domain\":");
		dbuf_json_str(&u->domains, domain);
		dbuf_printf(&u->domains, ",\"reports\":%lld,\"records\":%lld,\"messages\":%lld}",
		    (long long)c->reports, (long long)c->records, (long long)c->messages);
	} else {
		printf("  %s: %lld reports, %lld records, %lld messages\n", domain,
		    (long long)c->reports, (long long)c->records, (long long)c->messages);
	}
	u->ndomains++;
	return 0;
}

/* ---- output ------------------------------------------------------------------------------- */

static void
when(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(buf, len, "%lld", (long long)t);
}

static void
print_json(const retention_opts *o, const retention_result *r, ui *u)
{
	const store_retention_count *c = o->dry_run ? &r->old : &r->done;
	dbuf b;

	dbuf_init(&b, (size_t)1 << 28);
	dbuf_printf(&b, "{\"dry_run\":%s", o->dry_run ? "true" : "false");
	if (r->records_before != 0 || o->records_days >= 0) {
		dbuf_printf(&b, ",\"records\":{\"cutoff\":%lld,\"reports\":%lld,\"records\":%lld,"
		    "\"messages\":%lld", (long long)r->records_before, (long long)c->reports,
		    (long long)c->records, (long long)c->messages);
		if (!o->dry_run)
			dbuf_printf(&b, ",\"rollup_domains_rebuilt\":%lld",
			    (long long)r->rollup_domains);
		dbuf_addc(&b, '}');
		if (o->dry_run) {
			dbuf_addstr(&b, ",\"domains\":[");
			dbuf_add(&b, dbuf_cstr(&u->domains), u->domains.len);
			dbuf_addc(&b, ']');
		}
	}
	if (o->samples_days >= 0)
		dbuf_printf(&b, ",\"samples\":{\"cutoff\":%lld,\"samples\":%lld},"
		    "\"samples_purged\":%lld", (long long)r->samples_before, (long long)c->samples,
		    (long long)(o->dry_run ? 0 : c->samples));
	if (o->archive_days >= 0)
		dbuf_printf(&b, ",\"archive\":{\"cutoff\":%lld,\"messages\":%lld,\"bytes\":%lld}",
		    (long long)r->archive_before, (long long)c->raw_messages,
		    (long long)c->raw_bytes);
	dbuf_printf(&b, ",\"space\":{\"page_size\":%lld,\"pages_before\":%lld,"
	    "\"free_pages_before\":%lld,\"pages_after\":%lld,\"free_pages_after\":%lld}",
	    (long long)r->before.page_size, (long long)r->before.pages,
	    (long long)r->before.free_pages, (long long)r->after.pages,
	    (long long)r->after.free_pages);
	dbuf_printf(&b, ",\"transactions\":%lld,\"max_transaction_ms\":%.1f,\"seconds\":%.3f}\n",
	    (long long)r->batches, r->max_batch_ms, r->seconds);
	fwrite(dbuf_cstr(&b), 1, b.len, stdout);
	dbuf_free(&b);
}

static void
print_text(const retention_opts *o, const retention_result *r)
{
	const store_retention_count *c = o->dry_run ? &r->old : &r->done;
	char t[64];

	if (o->records_days >= 0) {
		when(r->records_before, t, sizeof(t));
		if (r->records_before == 0)
			printf("records: nothing is %lld days old\n", (long long)o->records_days);
		else
			printf("records: %lld report%s (%lld records, %lld messages) ending before %s "
			    "%s\n", (long long)c->reports, c->reports == 1 ? "" : "s",
			    (long long)c->records, (long long)c->messages, t,
			    o->dry_run ? "would be deleted" : "deleted");
		if (!o->dry_run && r->rollup_domains > 0)
			printf("rollups: the days before %s rebuilt for %lld domain%s\n", t,
			    (long long)r->rollup_domains, r->rollup_domains == 1 ? "" : "s");
	}
	if (o->samples_days >= 0) {
		when(r->samples_before, t, sizeof(t));
		printf("%lld failure report sample%s %spurged (arrived more than %lld days ago, "
		    "before %s)\n", (long long)c->samples, c->samples == 1 ? "" : "s",
		    o->dry_run ? "would be " : "", (long long)o->samples_days, t);
	}
	if (o->archive_days >= 0) {
		when(r->archive_before, t, sizeof(t));
		printf("archive: the bytes of %lld message%s (%lld bytes as stored) received before "
		    "%s %s\n", (long long)c->raw_messages, c->raw_messages == 1 ? "" : "s",
		    (long long)c->raw_bytes, t, o->dry_run ? "would be dropped" : "dropped");
	}
	if (o->dry_run)
		printf("dry run: nothing was deleted\n");
	else
		printf("database: %lld pages of %lld bytes (%lld free) before, %lld (%lld free) after;"
		    " %lld transactions, the longest %.0f ms, %.1f s in all\n",
		    (long long)r->before.pages, (long long)r->before.page_size,
		    (long long)r->before.free_pages, (long long)r->after.pages,
		    (long long)r->after.free_pages, (long long)r->batches, r->max_batch_ms,
		    r->seconds);
}

static int
days_arg(const char *opt, const char *arg, int64_t *out)
{
	return cmd_parse_num(opt, arg, 0, 36600, out);
}

int
cmd_purge(cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "records-older-than", required_argument, NULL, 'r' },
		{ "samples-older-than", required_argument, NULL, 's' },
		{ "archive-older-than", required_argument, NULL, 'a' },
		{ "all", no_argument, NULL, 'A' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "vacuum", no_argument, NULL, 'V' },
		{ "batch", required_argument, NULL, 'b' },
		{ "json", no_argument, NULL, 'j' },
		{ "no-progress", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ch, all = 0, progress = 1, dry = 0, vacuum = 0, rc;
	int64_t rdays = -1, sdays = -1, adays = -1, batch = 0;
	retention_opts o;
	retention_result r;
	char err[512];
	ui u;
	store *s;

	memset(&u, 0, sizeof(u));
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'r': if (days_arg("--records-older-than", optarg, &rdays) != 0) return 2; break;
		case 's': if (days_arg("--samples-older-than", optarg, &sdays) != 0) return 2; break;
		case 'a': if (days_arg("--archive-older-than", optarg, &adays) != 0) return 2; break;
		case 'b': if (cmd_parse_num("--batch", optarg, 1, 20000, &batch) != 0) return 2; break;
		case 'A': all = 1; break;
		case 'n': dry = 1; break;
		case 'V': vacuum = 1; break;
		case 'j': u.json = 1; break;
		case 'P': progress = 0; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if ((!all && rdays < 0 && sdays < 0 && adays < 0) || optind != argc) {
		usage(stderr);
		return 2;
	}
	retention_defaults(&o);
	if (all) {
		if (retention_config(c->config, &o, NULL, err, sizeof(err)) != 0) {
			log_warnx("purge: %s", err);
			return 2;
		}
	} else {
		o.records_days = o.samples_days = o.archive_days = -1;
	}
	if (rdays >= 0)
		o.records_days = rdays;
	if (sdays >= 0)
		o.samples_days = sdays;
	if (adays >= 0)
		o.archive_days = adays;
	if (batch > 0)
		o.batch = (int)batch;
	o.dry_run = u.dry = dry;
	o.vacuum = vacuum || o.vacuum;
	u.tty = progress && c->verbosity > 0 && isatty(STDERR_FILENO);
	dbuf_init(&u.domains, (size_t)1 << 28);
	o.progress = on_progress;
	o.domain = on_domain;
	o.ctx = &u;
	if ((s = cmd_open_store(c)) == NULL) {
		dbuf_free(&u.domains);
		return 2;
	}
	if (o.dry_run && !u.json && o.records_days >= 0)
		printf("old aggregate reports per domain:\n");
	rc = retention_run(s, &o, &r, err, sizeof(err));
	bar_clear(&u);
	if (rc != 0) {
		log_warnx("purge: %s", err);
		store_close(s);
		dbuf_free(&u.domains);
		return 2;
	}
	if (u.json)
		print_json(&o, &r, &u);
	else
		print_text(&o, &r);
	store_close(s);
	dbuf_free(&u.domains);
	return 0;
}
