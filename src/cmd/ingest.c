/*
 * ingest.c - `dmarcscope ingest [--json] INPUT...`: store every report found
 * in the inputs.  A progress bar on stderr when it is a terminal; one line
 * per refused input on stderr; --json prints the totals as one object.
 *
 * With --alerts (or `on_ingest = yes` in [alerts] of --config) the alert
 * changes the run recorded are evaluated, due summaries queued and the
 * queue delivered once, after the run (docs/ALERTS.md); a failure there is
 * logged and never changes the exit status (an MTA would bounce the report).
 *
 * --jobs N runs N worker processes, each with its own store connection, each
 * taking the files whose path hashes to it (source_ingest_shard); the parent
 * draws one progress bar over their running totals (a slot each in shared
 * memory), adds up what they report and then runs the alerts once.  For a server
 * store (PostgreSQL), whose grouped transactions write side by side; on
 * SQLite the workers take turns at the one write lock.  Two workers meeting
 * the same report or bytes are settled by the store's unique keys, as two
 * ingest processes are: which copy of a report sent twice with different
 * bytes is kept then depends on which worker came first.  Standard input
 * is read by one process (--jobs is then 1).
 *
 * Exit: 0 all stored or duplicate, 1 something refused, 2 usage/database.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "progress.h"
#include "../alert/alert.h"
#include "../intake/ingest.h"
#include "../intake/source.h"
#include "../util/dbuf.h"
#include "../util/log.h"

#define MAX_JOBS 16

/* A worker's running totals, in memory shared with the parent (--jobs),
 * which draws one bar for all of them.  Each field is written by its
 * worker only and read by the parent; a torn read costs one frame. */
typedef struct jprog {
	volatile uint64_t done, messages, reports, duplicates, refused;
} jprog;

typedef struct ui {
	pbar bar;
	uint64_t total, done;
	const ingest *g;
	jprog *share;		/* a worker's slot (--jobs), else NULL */
	int parent_bar;		/* a worker whose parent draws a bar on stderr */
	ingest_stats base;	/* a worker's first pass, under its second's */
	dbuf again;		/* a worker's files to try again, NUL-separated */
	int nagain;
	dbuf refusals;		/* JSON array items */
	int nref;
	int json;
} ui;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
draw(ui *u, int force, uint64_t done, uint64_t messages, uint64_t reports, uint64_t duplicates,
    uint64_t refused)
{
	progress_draw(&u->bar, done, u->total, force, "%llu messages  %llu reports  "
	    "%llu duplicates  %llu refused", (unsigned long long)messages,
	    (unsigned long long)reports, (unsigned long long)duplicates,
	    (unsigned long long)refused);
}

static void
bar_draw(ui *u, int force)
{
	const ingest_stats *s = ingest_get_stats(u->g);

	draw(u, force, u->done, s->messages, s->reports, s->duplicates, s->refused);
}

static void
on_progress(void *ctx, uint64_t n)
{
	ui *u = ctx;

	u->done += n;
	if (u->share != NULL) {
		const ingest_stats *s = ingest_get_stats(u->g);

		u->share->done = u->done;
		u->share->messages = u->base.messages + s->messages;
		u->share->reports = u->base.reports + s->reports;
		u->share->duplicates = u->base.duplicates + s->duplicates;
		u->share->refused = u->base.refused + s->refused;
	}
	bar_draw(u, 0);
}

/* The parent's bar over the workers' slots. */
static void
jobs_draw(ui *u, const jprog *jp, int jobs, int force)
{
	uint64_t v[5] = { 0, 0, 0, 0, 0 };

	for (int k = 0; k < jobs; k++) {
		v[0] += jp[k].done;
		v[1] += jp[k].messages;
		v[2] += jp[k].reports;
		v[3] += jp[k].duplicates;
		v[4] += jp[k].refused;
	}
	draw(u, force, v[0], v[1], v[2], v[3], v[4]);
}

static void
on_refused(void *ctx, const char *input, const char *reason)
{
	ui *u = ctx;

	progress_clear(&u->bar);
	if (u->parent_bar)
		fputs("\r\033[K", stderr);	/* the parent's bar, off this line */
	ingest_log_refusal("refused", input, reason);
	if (u->json) {
		if (u->nref++ > 0)
			dbuf_addc(&u->refusals, ',');
		dbuf_addstr(&u->refusals, "{\"input\":");
		dbuf_json_str(&u->refusals, input);
		dbuf_addstr(&u->refusals, ",\"reason\":");
		dbuf_json_str(&u->refusals, reason);
		dbuf_addc(&u->refusals, '}');
	}
}

/* After the run: evaluate what changed, queue due summaries, deliver. */
static void
run_alerts(cmd_ctx *c, store *s, int on, int json)
{
	alert_cfg cfg;
	alert_eval_stats es;
	alert_deliver_stats ds;
	int64_t now = alert_now(), summaries = 0;
	char err[512];

	alert_cfg_init(&cfg);
	if (c->config != NULL && alert_cfg_load(&cfg, c->config, err, sizeof(err)) != 0) {
		log_warnx("alerts: %s", err);
		alert_cfg_clear(&cfg);
		return;
	}
	if (on < 0 || (on == 0 && !cfg.on_ingest) || !store_has(s, alerts)) {
		alert_cfg_clear(&cfg);
		return;
	}
	memset(&ds, 0, sizeof(ds));
	if (cmd_catch_up(s) != 0 || alert_evaluate(s, now, &es, err, sizeof(err)) != 0 ||
	    alert_schedule(s, now, &summaries, err, sizeof(err)) != 0 ||
	    alert_deliver(s, &cfg, now, &ds, err, sizeof(err)) != 0)
		log_warnx("alerts: %s (the run's reports are stored; 'alerts run' retries)", err);
	else if (!json && c->verbosity > 0 && es.alerts + ds.sent + ds.retried + ds.failed > 0)
		fprintf(stderr, "alerts: %lld new, %lld delivered, %lld to retry, %lld failed\n",
		    (long long)es.alerts, (long long)ds.sent, (long long)ds.retried,
		    (long long)ds.failed);
	alert_cfg_clear(&cfg);
}

/* One worker's share of the inputs (all of them when nshards is 1):
 * ingested, waited for; the totals in *st.  Returns 1 when something was
 * refused or failed, else 0. */
static int
run_share(store *s, const ingest_opts *o, ui *u, int n, char **inputs, unsigned shard,
    unsigned nshards, ingest_stats *st)
{
	ingest *g = ingest_new(s, o);
	int bad = 0;

	u->g = g;
	for (int i = 0; i < n; i++)
		bad |= source_ingest_shard(g, inputs[i], shard, nshards);
	ingest_wait(g);
	if (u->share != NULL)
		on_progress(u, 0);	/* the final totals into the parent's bar */
	bar_draw(u, 1);
	progress_clear(&u->bar);
	*st = *ingest_get_stats(g);
	u->g = NULL;
	ingest_free(g);
	return bad || st->failed > 0 || st->refused > 0;
}

/* A worker's message failed on a database error (a deadlock with another
 * worker's group, say: two copies of one report met in different orders):
 * a file is taken over, to be ingested again on its own after the worker's
 * other files, when the other groups have committed; an mbox's message
 * ("path#N") is reported as usual. */
static int
on_db_error(void *ctx, const char *input)
{
	ui *u = ctx;
	struct stat sb;

	if (u->nagain >= 10000 || stat(input, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    dbuf_add(&u->again, input, strlen(input) + 1) != DBUF_OK)
		return 0;
	u->nagain++;
	return 1;
}

static void stats_add(ingest_stats *a, const ingest_stats *b);

/* A worker process: its share, then its totals and refusals into res (the
 * parent reads them after it ended).  The files whose message met a
 * database error are tried again at the end, one message per transaction
 * (on_db_error).  Never returns. */
static void
worker(cmd_ctx *c, ingest_opts o, int json, int n, char **inputs, unsigned shard,
    unsigned nshards, FILE *res, jprog *share, int parent_bar)
{
	ui u;
	store *s;
	ingest_stats st;
	int bad;

	static char errbuf[16384];

	/* whole lines to the terminal in one write each, so that the parent's
	 * bar never lands between "erase the line" and a refusal line */
	setvbuf(stderr, errbuf, _IOLBF, sizeof(errbuf));
	memset(&u, 0, sizeof(u));
	u.json = json;
	u.share = share;
	u.parent_bar = parent_bar;
	dbuf_init(&u.refusals, (size_t)16 << 20);
	progress_init(&u.bar, 0);
	o.cb_ctx = &u;
	if ((s = cmd_open_store(c)) == NULL) {
		fflush(stderr);
		_exit(2);
	}
	dbuf_init(&u.again, (size_t)64 << 20);
	o.on_db_error = on_db_error;
	bad = run_share(s, &o, &u, n, inputs, shard, nshards, &st);
	if (u.nagain > 0) {
		char **again = xcalloc((size_t)u.nagain, sizeof(*again));
		ingest_stats st2;
		uint64_t bytes = st.bytes;	/* the files' bytes are counted once */
		char *p = u.again.data;

		for (int i = 0; i < u.nagain; p += strlen(p) + 1, i++)
			again[i] = p;
		log_warnx("ingest: worker %u: trying %d file%s again, one message per transaction",
		    shard, u.nagain, u.nagain == 1 ? "" : "s");
		o.on_db_error = NULL;
		o.group = 0;
		u.base = st;
		bad |= run_share(s, &o, &u, u.nagain, again, 0, 1, &st2);
		stats_add(&st, &st2);
		st.bytes = bytes;
		free(again);
	}
	dbuf_free(&u.again);
	store_close(s);
	if (fwrite(&st, sizeof(st), 1, res) != 1 ||
	    (u.refusals.len > 0 && fwrite(u.refusals.data, 1, u.refusals.len, res) != u.refusals.len) ||
	    fflush(res) != 0) {
		log_warnx("ingest: worker %u: cannot hand over its totals: %s", shard, strerror(errno));
		fflush(stderr);
		_exit(2);
	}
	fflush(stderr);
	_exit(bad);
}

static void
stats_add(ingest_stats *a, const ingest_stats *b)
{
	a->messages += b->messages;
	a->reports += b->reports;
	a->records += b->records;
	a->message_count += b->message_count;
	a->duplicates += b->duplicates;
	a->refused += b->refused;
	a->failed += b->failed;
	a->bytes += b->bytes;
	a->failure_reports += b->failure_reports;
	a->tls_reports += b->tls_reports;
}

/* Worker k ended with status: its totals added into *sum, its refusals
 * into u->refusals.  Returns 0, 1 or 2 as run_jobs. */
static int
reap(ui *u, int k, int status, FILE *res, ingest_stats *sum)
{
	ingest_stats st;
	char buf[65536];
	size_t got;
	int wrc;

	if (WIFSIGNALED(status)) {
		log_warnx("ingest: worker %d ended by signal %d: its share is not complete "
		    "(the same ingest again completes it)", k, WTERMSIG(status));
		wrc = 2;
	} else
		wrc = WEXITSTATUS(status);
	rewind(res);
	if (wrc != 2 && fread(&st, sizeof(st), 1, res) == 1) {
		int first = 1;

		stats_add(sum, &st);
		/* the worker's items, "{...},{...}": a comma between workers */
		while ((got = fread(buf, 1, sizeof(buf), res)) > 0) {
			if (first && u->refusals.len > 0)
				dbuf_addc(&u->refusals, ',');
			first = 0;
			dbuf_add(&u->refusals, buf, got);
		}
	} else if (wrc != 2) {
		log_warnx("ingest: worker %d left no totals", k);
		wrc = 2;
	}
	fclose(res);
	return wrc > 2 ? 2 : wrc;
}

/* jobs workers over the inputs; their totals added into *sum, their
 * refusals into u->refusals; on a terminal one bar for all of them, from
 * their slots in shared memory.  Returns the worst exit status: 0, 1
 * (something refused or failed), 2 (a worker could not run or ended by a
 * signal: its share is not complete, and running the same ingest again
 * completes it). */
static int
run_jobs(cmd_ctx *c, const ingest_opts *o, ui *u, int jobs, int n, char **inputs,
    ingest_stats *sum)
{
	FILE *res[MAX_JOBS];
	pid_t pid[MAX_JOBS];
	int rc = 0, started = 0, left;
	jprog *jp;

	memset(sum, 0, sizeof(*sum));
	jp = mmap(NULL, sizeof(jprog) * MAX_JOBS, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	    -1, 0);
	if (jp == MAP_FAILED) {
		log_warnx("ingest: no shared memory for the workers: %s", strerror(errno));
		return 2;
	}
	memset(jp, 0, sizeof(jprog) * MAX_JOBS);
	fflush(stdout);
	fflush(stderr);
	for (int k = 0; k < jobs; k++) {
		if ((res[k] = tmpfile()) == NULL) {
			log_warnx("ingest: worker %d: no temporary file: %s", k, strerror(errno));
			rc = 2;
			break;
		}
		if ((pid[k] = fork()) < 0) {
			log_warnx("ingest: worker %d: cannot start: %s", k, strerror(errno));
			fclose(res[k]);
			rc = 2;
			break;
		}
		if (pid[k] == 0)
			worker(c, *o, u->json, n, inputs, (unsigned)k, (unsigned)jobs, res[k], &jp[k],
			    u->bar.tty);
		started++;
	}
	for (left = started; left > 0;) {
		for (int k = 0; k < started; k++) {
			int status;
			pid_t r;

			if (pid[k] <= 0)
				continue;
			while ((r = waitpid(pid[k], &status, WNOHANG)) < 0 && errno == EINTR)
				;
			if (r == 0)
				continue;
			pid[k] = 0;
			left--;
			if (r < 0) {
				log_warnx("ingest: worker %d: %s", k, strerror(errno));
				fclose(res[k]);
				rc = 2;
				continue;
			}
			status = reap(u, k, status, res[k], sum);
			if (status > rc)
				rc = status;
		}
		jobs_draw(u, jp, started, left == 0);
		if (left > 0) {
			struct timespec ts = { 0, 100 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	progress_clear(&u->bar);
	munmap(jp, sizeof(jprog) * MAX_JOBS);
	return rc;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: dmarcscope ingest [--json] [--no-progress] [--redact] [--max-decompressed BYTES]\n"
	    "                         [--max-ratio N] [--max-message BYTES] [--max-report BYTES]\n"
	    "                         [--max-parts N] [--max-headers N] [--max-items N]\n"
	    "                         [--max-details N] [--alerts|--no-alerts] [--commit-each]\n"
	    "                         [--jobs N] INPUT...\n"
	    "\n"
	    "Store every DMARC aggregate report, DMARC failure report (ARF) and SMTP TLS\n"
	    "report (RFC 8460) found in INPUT: a file (XML, JSON, gzip, zip,\n"
	    "e-mail or mbox; sniffed from its bytes), a directory (recursive, Maildir\n"
	    "aware) or - for one message on stdin (an MTA pipe).  Every input is archived\n"
	    "before it is parsed; refused inputs go to quarantine (see 'quarantine').\n"
	    "\n"
	    "  --json                 print the totals as one JSON object\n"
	    "  --no-progress          no progress bar, even on a terminal\n"
	    "  --commit-each          one transaction per message (default: up to 256\n"
	    "                         messages per commit, each still all or nothing)\n"
	    "  --jobs N               N worker processes (1 to 16, default 1), each with\n"
	    "                         its own database connection, sharing the files:\n"
	    "                         faster on PostgreSQL, no faster on SQLite\n"
	    "  --alerts               then evaluate the alerts of what changed and deliver\n"
	    "                         them (also with on_ingest = yes in [alerts] of\n"
	    "                         --config; --no-alerts: not even then)\n"
	    "  --max-decompressed N   decompressed bytes per message (default 512m)\n"
	    "  --max-ratio N          compression ratio limit (default 1000)\n"
	    "  --max-message N        bytes of one e-mail, zip or mbox message (default 64m)\n"
	    "  --redact               failure reports: replace the local part of every address\n"
	    "                         with its first letter and '…' before storing (also\n"
	    "                         with DMARCSCOPE_REDACT=1 in the environment)\n"
	    "Caps of the failure and TLS report parsers (0 or unset: each kind's default):\n"
	    "  --max-report N         bytes of one report (failure 16m, TLS 4m)\n"
	    "  --max-parts N          MIME parts of a failure report (1000)\n"
	    "  --max-headers N        header fields kept per block (300)\n"
	    "  --max-items N          URLs kept per failure report (500), policies per TLS\n"
	    "                         report (1000)\n"
	    "  --max-details N        failure-details per TLS report (10000)\n"
	    "\n"
	    "Exit status: 0 all stored or duplicates, 1 something refused, 2 error.\n");
}

int
cmd_ingest(cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "no-progress", no_argument, NULL, 'n' },
		{ "max-decompressed", required_argument, NULL, 'd' },
		{ "max-ratio", required_argument, NULL, 'r' },
		{ "max-message", required_argument, NULL, 'm' },
		{ "max-report", required_argument, NULL, 'R' },
		{ "max-parts", required_argument, NULL, 'P' },
		{ "max-headers", required_argument, NULL, 'H' },
		{ "max-items", required_argument, NULL, 'I' },
		{ "max-details", required_argument, NULL, 'D' },
		{ "redact", no_argument, NULL, 'x' },
		{ "alerts", no_argument, NULL, 'A' },
		{ "no-alerts", no_argument, NULL, 'a' },
		{ "commit-each", no_argument, NULL, 'E' },
		{ "jobs", required_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	ingest_opts o;
	ui u;
	int ch, bad = 0, progress = 1, alerts = 0, commit_each = 0, jobs = 1;
	uint64_t v;
	store *s;
	double t0;
	ingest_stats sum;
	const ingest_stats *st = &sum;

	memset(&u, 0, sizeof(u));
	dbuf_init(&u.refusals, (size_t)16 << 20);
	ingest_opts_default(&o);
	o.redact = cmd_env_redact();
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j': u.json = 1; break;
		case 'n': progress = 0; break;
		case 'd':
			if (cmd_parse_size(optarg, &v) != 0 || v == 0) {
				log_warnx("--max-decompressed: bad size '%s'", optarg);
				return 2;
			}
			o.lim.max_output = v;
			break;
		case 'r':
			if (cmd_parse_size(optarg, &v) != 0 || v == 0 || v > 1000000000) {
				log_warnx("--max-ratio: bad number '%s'", optarg);
				return 2;
			}
			o.lim.max_ratio = (unsigned)v;
			break;
		case 'm':
			if (cmd_parse_size(optarg, &v) != 0 || v == 0) {
				log_warnx("--max-message: bad size '%s'", optarg);
				return 2;
			}
			o.lim.max_message = (size_t)v;
			break;
		case 'R':
			if (cmd_parse_size(optarg, &v) != 0) {
				log_warnx("--max-report: bad size '%s'", optarg);
				return 2;
			}
			o.klim.max_bytes = (size_t)v;
			break;
		case 'P': case 'H': case 'I': case 'D': {
			unsigned *dst = ch == 'P' ? &o.klim.max_parts : ch == 'H' ?
			    &o.klim.max_headers : ch == 'I' ? &o.klim.max_items : &o.klim.max_details;

			if (cmd_parse_size(optarg, &v) != 0 || v > 100000000) {
				log_warnx("%s: bad number '%s'", argv[optind - 1], optarg);
				return 2;
			}
			*dst = (unsigned)v;
			break;
		}
		case 'x': o.redact = 1; break;
		case 'A': alerts = 1; break;
		case 'a': alerts = -1; break;
		case 'E': commit_each = 1; break;
		case 'J':
			if (cmd_parse_size(optarg, &v) != 0 || v < 1 || v > MAX_JOBS) {
				log_warnx("--jobs: a number from 1 to %d, not '%s'", MAX_JOBS, optarg);
				return 2;
			}
			jobs = (int)v;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		log_warnx("ingest: no INPUT given");
		usage(stderr);
		return 2;
	}
	if ((s = cmd_open_store(c)) == NULL)
		return 2;
	for (int i = optind; i < argc && jobs > 1; i++)
		if (strcmp(argv[i], "-") == 0)
			jobs = 1;	/* one standard input */
	progress_init(&u.bar, progress);
	if (u.bar.tty)
		for (int i = optind; i < argc; i++)
			u.total += source_size(argv[i]);
	o.on_refused = on_refused;
	o.on_progress = on_progress;
	o.cb_ctx = &u;
	/* Parse in this thread, write in another (when there are two CPUs). */
	o.pipeline = sysconf(_SC_NPROCESSORS_ONLN) > 1 && getenv("DMARCSCOPE_NO_PIPELINE") == NULL;
	o.reader_dsn = c->db;
	/* Group commit: nothing here acts on one message's outcome before the
	 * end (an MTA reads the exit status after ingest_wait). */
	if (!commit_each)
		o.group = 256;
	t0 = now();
	if (jobs > 1) {
		/* the workers open their own connections; this one comes back for
		 * the alerts afterwards.  A worker that could not finish: the
		 * totals of the others are still printed, then exit 2 and no
		 * alerts (the next run or 'alerts run' evaluates the changes) */
		store_close(s);
		s = NULL;
		bad = run_jobs(c, &o, &u, jobs, argc - optind, argv + optind, &sum);
		if (bad != 2 && (s = cmd_open_store(c)) == NULL)
			bad = 2;
	} else
		bad = run_share(s, &o, &u, argc - optind, argv + optind, 0, 1, &sum);
	if (u.json) {
		printf("{\"inputs\":%d,\"messages\":%llu,\"reports\":%llu,\"records\":%llu,"
		    "\"message_count\":%llu,\"duplicates\":%llu,\"refused\":%llu,\"failed\":%llu,"
		    "\"bytes\":%llu,\"seconds\":%.3f,\"failure_reports\":%llu,\"tls_reports\":%llu,"
		    "\"refusals\":[%s]}\n", argc - optind,
		    (unsigned long long)st->messages, (unsigned long long)st->reports,
		    (unsigned long long)st->records, (unsigned long long)st->message_count,
		    (unsigned long long)st->duplicates, (unsigned long long)st->refused,
		    (unsigned long long)st->failed, (unsigned long long)st->bytes, now() - t0,
		    (unsigned long long)st->failure_reports, (unsigned long long)st->tls_reports,
		    dbuf_cstr(&u.refusals));
	} else if (c->verbosity > 0 && log_is_syslog()) {
		/* the run's one line, as an event */
		log_info("ingest: %llu messages: %llu new reports (%llu records, %llu messages "
		    "counted; %llu failure, %llu TLS), %llu duplicates, %llu refused",
		    (unsigned long long)st->messages, (unsigned long long)st->reports,
		    (unsigned long long)st->records, (unsigned long long)st->message_count,
		    (unsigned long long)st->failure_reports, (unsigned long long)st->tls_reports,
		    (unsigned long long)st->duplicates, (unsigned long long)st->refused);
	} else if (c->verbosity > 0) {
		fprintf(stderr, "%llu messages: %llu new reports (%llu records, %llu messages "
		    "counted), %llu duplicates, %llu refused\n", (unsigned long long)st->messages,
		    (unsigned long long)st->reports, (unsigned long long)st->records,
		    (unsigned long long)st->message_count, (unsigned long long)st->duplicates,
		    (unsigned long long)st->refused);
		if (st->failure_reports + st->tls_reports > 0)
			fprintf(stderr, "  of the new reports: %llu failure report%s, %llu TLS "
			    "report%s\n", (unsigned long long)st->failure_reports,
			    st->failure_reports == 1 ? "" : "s", (unsigned long long)st->tls_reports,
			    st->tls_reports == 1 ? "" : "s");
	}
	if (s == NULL) {
		dbuf_free(&u.refusals);
		return 2;
	}
	if (st->failed > 0 || st->refused > 0)
		bad = 1;
	run_alerts(c, s, alerts, u.json);
	store_close(s);
	dbuf_free(&u.refusals);
	return bad ? 1 : 0;
}
