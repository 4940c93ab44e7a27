/*
 * fuzz_pipeline.c - libFuzzer harness for the whole pipeline: one input
 * message is ingested into a new in-memory SQLite store through the real
 * entry point (ingest_mem, inline, as `dmarcscope ingest` without the
 * pipeline thread), every domain is reanalysed (analysis_catch_up, as
 * `dmarcscope reanalyze`), the statistics are built for every stored domain
 * (stats_build, both digests), and every read route of the API is answered
 * for what was stored, through the dispatcher api_handle() with a fake
 * request (no socket, no daemon).
 *
 * Seeds: corpus/pipeline/ (every file of ../shared/corpus/real and the inputs
 * of tests/cases, plus what fuzzing added).
 *
 * The query arguments of the fake request come from this file's
 * MHD_lookup_connection_value(), which the link prefers over
 * libmicrohttpd's: api.c reads its arguments only through that function.
 * Routes that need the daemon are left out: /meta and /version (the
 * background thread's state), /records.csv (a streamed MHD response), and
 * the writing routes.
 *
 * Checked:
 *   - ingest_mem returns an outcome (never QUEUED without the pipeline), and
 *     a stored database answers the summary; the same message ingested again
 *     and the archived message retried (ingest_retry, the quarantine's
 *     retry) add no report, record or raw message;
 *   - the reanalysis succeeds;
 *   - stats_build gives an object for every stored domain, over all time and
 *     over the domain's own date range, whose totals add up (classes, path
 *     cases, dispositions, the matrices: each sums to the messages), and the
 *     digests are built from it;
 *   - every route answers 200 with valid JSON (text for /raw/ID) for the ids
 *     the lists hand out, and 400 exactly for a domain the API's own check
 *     refuses; an unknown id answers 404.
 * ASan/UBSan and the leak checker do the rest.
 *
 * Each input gets a new database: a copy of a migrated template made once
 * per process in a private temporary directory (under /dev/shm when there is
 * one), removed at exit.  Migrating a database per input would cost most of
 * the time of a run.
 */
#include "fuzz_common.h"

#include <fcntl.h>
#include <jansson.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analyze/analysis.h"
#include "analyze/stats.h"
#include "intake/ingest.h"
#include "intake/mime.h"
#include "store/store_analysis.h"
#include "util/dbuf.h"
#include "util/log.h"
#include "web/web_priv.h"

#define FZ_MAX_DOMAINS 64	/* API and stats work per input stays bounded */
#define FZ_MAX_IDS 8

/* ---- the fake request's query arguments --------------------------------- */

typedef struct fz_args {
	const char *name[6];
	const char *value[6];
	int n;
} fz_args;

/*
 * Replaces libmicrohttpd's for api.c: the "connection" is an fz_args.  Other
 * kinds (headers) are never asked for by the JSON routes; NULL for them.
 */
const char *
MHD_lookup_connection_value(struct MHD_Connection *connection, enum MHD_ValueKind kind,
    const char *key)
{
	const fz_args *a = (const fz_args *)(const void *)connection;

	if (a == NULL || kind != MHD_GET_ARGUMENT_KIND || key == NULL)
		return NULL;
	for (int i = 0; i < a->n; i++)
		if (strcmp(a->name[i], key) == 0)
			return a->value[i];
	return NULL;
}

/* ---- helpers ------------------------------------------------------------- */

/* The API's valid_domain() (api.c): what a domain argument must look like. */
static int
fz_api_domain_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 253)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x21 || *s == '/' || *s == '\\')
			return 0;
	return 1;
}

/*
 * GET path with args on store st; checks the status and that a JSON route
 * answers JSON.  Returns the parsed body (caller json_decref's) or NULL for a
 * text route or an error status.
 */
static json_t *
fz_get(store *st, const web_opts *o, const char *path, fz_args *args, int want_status)
{
	wreq r;
	wresp out;
	json_t *j = NULL;
	json_error_t je;
	int is_json;
	dm_principal local;	/* the single-user operator: sees everything */

	memset(&r, 0, sizeof(r));
	memset(&out, 0, sizeof(out));
	dbuf_init(&out.body, (size_t)256 << 20);
	principal_local(&local);
	r.c = (struct MHD_Connection *)(void *)args;
	r.o = o;
	r.method = "GET";
	r.path = path;
	r.st = st;
	r.principal = &local;
	r.client_ip = "-";
	api_handle(&r, &out);
	if (out.status != want_status)
		fprintf(stderr, "fuzz: GET %s: status %d, wanted %d: %.300s\n", path, out.status,
		    want_status, dbuf_cstr(&out.body));
	FZ_CHECK(out.status == want_status);
	FZ_CHECK(out.ready == NULL);
	FZ_CHECK(out.type != NULL);
	is_json = strncmp(out.type, "application/json", 16) == 0;
	FZ_CHECK(is_json || (strncmp(path, "/raw/", 5) == 0 && out.status == 200));
	if (is_json) {
		j = json_loadb(out.body.data != NULL ? out.body.data : "", out.body.len, 0, &je);
		if (j == NULL)
			fprintf(stderr, "fuzz: GET %s: not JSON (%s): %.300s\n", path, je.text,
			    dbuf_cstr(&out.body));
		FZ_CHECK(j != NULL);
		if (out.status != 200) {
			json_decref(j);
			j = NULL;
		}
	} else
		fz_bytes += out.body.len;
	dbuf_free(&out.body);
	return j;
}

static void
fz_arg(fz_args *a, const char *name, const char *value)
{
	FZ_CHECK(a->n < 6);
	a->name[a->n] = name;
	a->value[a->n] = value;
	a->n++;
}

/* Collects the integer values of key from the rows of a (at most FZ_MAX_IDS). */
static int
fz_ids(json_t *a, const char *key, int64_t *ids)
{
	int n = 0;

	for (size_t i = 0; i < json_array_size(a) && n < FZ_MAX_IDS; i++) {
		json_t *v = json_object_get(json_array_get(a, i), key);

		if (json_is_integer(v))
			ids[n++] = (int64_t)json_integer_value(v);
	}
	return n;
}

static void
fz_day(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t < 0 || t > (int64_t)253402214400LL || gmtime_r(&tt, &tm) == NULL)
		snprintf(buf, len, "1970-01-01");
	else
		strftime(buf, len, "%Y-%m-%d", &tm);
}

static json_int_t
fz_int(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	FZ_CHECK(json_is_integer(v));
	return json_integer_value(v);
}

/* Sum of the integer members of object o (each must be an integer). */
static json_int_t
fz_sum(const json_t *o)
{
	const char *k;
	json_t *v;
	json_int_t n = 0;

	FZ_CHECK(json_is_object(o));
	json_object_foreach((json_t *)o, k, v) {
		FZ_CHECK(json_is_integer(v));
		n += json_integer_value(v);
	}
	return n;
}

/* The statistics object adds up (docs/STATS.md): every message is in one
 * class, one path case, one disposition and one cell of each matrix. */
static void
fz_stats_sums(const json_t *j)
{
	json_int_t m = fz_int(j, "messages"), groups = 0;
	const json_t *mx = json_object_get(j, "matrix");
	static const char *const grp[] = { "internal", "third_party", "unauthorized" };

	FZ_CHECK(m >= 0 && fz_int(j, "records") >= 0);
	FZ_CHECK(fz_sum(json_object_get(j, "classes")) == m);
	FZ_CHECK(fz_sum(json_object_get(j, "paths")) == m);
	FZ_CHECK(fz_sum(json_object_get(j, "dispositions")) == m);
	FZ_CHECK(fz_int(json_object_get(j, "classes"), "spoofing_suspected") ==
	    fz_int(j, "spoofing_suspected"));
	FZ_CHECK(fz_int(j, "dmarc_pass") <= m && fz_int(j, "spf_aligned") <= m &&
	    fz_int(j, "dkim_aligned") <= m);
	for (int g = -1; g < 3; g++) {
		const json_t *o = json_object_get(mx, g < 0 ? "all" : grp[g]);
		const json_t *c = json_object_get(o, "count");
		json_int_t cells = 0;

		FZ_CHECK(json_array_size(c) == 3);
		for (size_t r = 0; r < 3; r++) {
			FZ_CHECK(json_array_size(json_array_get(c, r)) == 3);
			for (size_t k = 0; k < 3; k++)
				cells += json_integer_value(json_array_get(json_array_get(c, r), k));
		}
		FZ_CHECK(cells == fz_int(o, "messages"));
		if (g < 0)
			FZ_CHECK(cells == m);
		else
			groups += cells;
	}
	FZ_CHECK(groups == m);
}

/* stats_build over [since, until) and both digests of it. */
static void
fz_stats(store *st, const char *domain, int64_t since, int64_t until)
{
	stats_query q;
	char err[512];
	json_t *j;
	char *s;
	dbuf d;

	memset(&q, 0, sizeof(q));
	q.domain = domain;
	q.since = since;
	q.until = until;
	q.top = 5;
	err[0] = '\0';
	j = stats_build(st, &q, err, sizeof(err));
	if (j == NULL)
		fprintf(stderr, "fuzz: stats_build(%s, %lld, %lld): %s\n", domain,
		    (long long)since, (long long)until, err);
	FZ_CHECK(j != NULL);
	FZ_CHECK(json_is_object(j));
	fz_stats_sums(j);
	s = json_dumps(j, JSON_COMPACT);
	FZ_CHECK(s != NULL);
	fz_bytes += strlen(s);
	free(s);
	dbuf_init(&d, (size_t)16 << 20);
	stats_digest(j, "en", &d);
	stats_digest(j, "ja", &d);
	fz_bytes += d.len;
	dbuf_free(&d);
	json_decref(j);
}

/* Every read route for one stored domain. */
static void
fz_domain_routes(store *st, const web_opts *o, const char *dom, int64_t first, int64_t last)
{
	int ok = fz_api_domain_ok(dom);
	char since[16], until[16], path[128];
	int64_t ids[FZ_MAX_IDS], rep[FZ_MAX_IDS];
	int nids = 0, nrep = 0;
	fz_args a;
	json_t *j;

	fz_day(first, since, sizeof(since));
	fz_day(last, until, sizeof(until));
	if (strcmp(until, since) < 0)
		snprintf(until, sizeof(until), "%s", since);

	memset(&a, 0, sizeof(a));
	fz_arg(&a, "domain", dom);
	json_decref(fz_get(st, o, "/stats", &a, ok ? 200 : 400));
	json_decref(fz_get(st, o, "/senders", &a, ok ? 200 : 400));
	json_decref(fz_get(st, o, "/map", &a, ok ? 200 : 400));
	j = fz_get(st, o, "/reports", &a, ok ? 200 : 400);
	if (j != NULL)
		nrep = fz_ids(json_object_get(j, "rows"), "id", rep);
	json_decref(j);

	fz_arg(&a, "since", since);
	fz_arg(&a, "until", until);
	fz_arg(&a, "per_page", "500");
	json_decref(fz_get(st, o, "/stats", &a, ok ? 200 : 400));
	j = fz_get(st, o, "/records", &a, ok ? 200 : 400);
	if (j != NULL) {
		json_t *rows = json_object_get(j, "rows");

		nids = fz_ids(rows, "id", ids);
		/* the host pages of the first sources */
		for (size_t i = 0; i < json_array_size(rows) && i < FZ_MAX_IDS; i++) {
			const char *ip = json_string_value(json_object_get(json_array_get(rows, i),
			    "source_ip"));

			FZ_CHECK(ip != NULL);
			snprintf(path, sizeof(path), "/hosts/%s", ip);
			json_decref(fz_get(st, o, path, NULL, 200));
		}
	}
	json_decref(j);
	fz_arg(&a, "sort", "ip");
	fz_arg(&a, "dir", "asc");
	json_decref(fz_get(st, o, "/records", &a, ok ? 200 : 400));

	for (int i = 0; i < nids; i++) {
		snprintf(path, sizeof(path), "/records/%lld", (long long)ids[i]);
		json_decref(fz_get(st, o, path, NULL, 200));
	}
	for (int i = 0; i < nrep; i++) {
		char rid[24];

		snprintf(path, sizeof(path), "/reports/%lld", (long long)rep[i]);
		json_decref(fz_get(st, o, path, NULL, 200));
		snprintf(rid, sizeof(rid), "%lld", (long long)rep[i]);
		memset(&a, 0, sizeof(a));
		fz_arg(&a, "report", rid);
		json_decref(fz_get(st, o, "/records", &a, 200));
	}
}

/* ---- the database of one run --------------------------------------------- */

static char fz_dir[256], fz_template[300], fz_db[300];

static void
fz_rm(const char *path)
{
	char p[320];

	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	unlink(path);
}

static void
fz_cleanup(void)
{
	fz_rm(fz_db);
	fz_rm(fz_template);
	rmdir(fz_dir);
}

static void
fz_copy(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ssize_t n;

	FZ_CHECK(in >= 0 && out >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		FZ_CHECK(write(out, buf, (size_t)n) == n);
	FZ_CHECK(n == 0);
	close(in);
	FZ_CHECK(close(out) == 0);
}

/* Once: a migrated, empty database to copy for every input. */
static void
fz_make_template(void)
{
	struct stat sb;
	char err[512];
	store *st;

	snprintf(fz_dir, sizeof(fz_dir), "%s/fuzz_pipeline.XXXXXX",
	    stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) ? "/dev/shm" : "/tmp");
	FZ_CHECK(mkdtemp(fz_dir) != NULL);
	snprintf(fz_template, sizeof(fz_template), "%s/template.db", fz_dir);
	snprintf(fz_db, sizeof(fz_db), "%s/run.db", fz_dir);
	atexit(fz_cleanup);
	if (store_open(&st, fz_template, err, sizeof(err)) != STORE_OK) {
		fprintf(stderr, "fuzz: %s\n", err);
		abort();
	}
	store_close(st);	/* the last connection: checkpoints the WAL */
	FZ_CHECK(stat(fz_template, &sb) == 0 && sb.st_size > 0);
}

typedef struct fz_dom {
	char *name;
	int64_t first, last;
} fz_dom;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int inited;
	store *st;
	char err[512];
	ingest_opts io;
	ingest *g;
	analysis *an;
	store_summary sum;
	web_opts wo;
	fz_dom doms[FZ_MAX_DOMAINS];
	int ndom = 0, rc, n = 0;
	int64_t naggr = 0;
	json_t *j;

	if (!inited) {
		log_init("fuzz_pipeline", 0);
		mime_init();
		fz_make_template();
		inited = 1;
	}
	fz_rm(fz_db);
	fz_copy(fz_template, fz_db);
	if (store_open(&st, fz_db, err, sizeof(err)) != STORE_OK) {
		fprintf(stderr, "fuzz: %s\n", err);
		abort();
	}

	/* 1. ingest, inline */
	ingest_opts_default(&io);
	io.lim.max_output = (uint64_t)4 << 20;
	io.lim.max_message = (size_t)1 << 20;
	g = ingest_new(st, &io);
	FZ_CHECK(g != NULL);
	rc = ingest_mem(g, "fuzz", data, size);
	FZ_CHECK(rc >= INGEST_STORED && rc <= INGEST_FAILED);
	ingest_wait(g);
	{
		const ingest_stats *is = ingest_get_stats(g);

		FZ_CHECK(is->messages == 1);
		FZ_CHECK(rc != INGEST_STORED || is->reports > 0);
	}
	FZ_CHECK(store_summary_get(st, NULL, &sum) == STORE_OK);
	FZ_CHECK(sum.raw_messages == (rc == INGEST_FAILED ? 0 : 1));
	if (rc != INGEST_FAILED) {
		/* the same message again: nothing new; a retry of the archived
		 * message (the quarantine's retry) stores nothing twice */
		store_summary again;
		int rc2 = ingest_mem(g, "fuzz again", data, size);

		FZ_CHECK(rc2 >= INGEST_STORED && rc2 <= INGEST_FAILED);
		if (rc == INGEST_STORED)
			FZ_CHECK(rc2 == INGEST_DUPLICATE);
		rc2 = ingest_retry(g, 1);
		FZ_CHECK(rc2 >= INGEST_STORED && rc2 <= INGEST_FAILED);
		FZ_CHECK(store_summary_get(st, NULL, &again) == STORE_OK);
		FZ_CHECK(again.raw_messages == 1);
		FZ_CHECK(again.reports == sum.reports && again.records == sum.records &&
		    again.messages == sum.messages);
	}
	ingest_free(g);

	/* 2. reanalysis of every domain */
	FZ_CHECK(store_analysis_pending_add(st, NULL) == STORE_OK);
	an = analysis_new(st, NULL);
	rc = analysis_catch_up(an, &n);
	if (rc != 0)
		fprintf(stderr, "fuzz: reanalysis: %s\n", store_errmsg(st));
	FZ_CHECK(rc == 0);
	analysis_free(an);

	/* 3. the API's lists, statistics and per-domain routes */
	web_opts_default(&wo);
	wo.max_range_days = 0;
	wo.retention_days = 0;
	wo.enrich = 0;
	j = fz_get(st, &wo, "/domains", NULL, 200);
	FZ_CHECK(json_is_array(j));
	/* domains seen only in failure or TLS reports (issue 13) are listed too,
	 * with no aggregate report: the per-domain checks are for the others */
	for (size_t i = 0; i < json_array_size(j); i++)
		naggr += json_integer_value(json_object_get(json_array_get(j, i), "reports")) > 0;
	FZ_CHECK(naggr == sum.domains);
	for (size_t i = 0; i < json_array_size(j) && ndom < FZ_MAX_DOMAINS; i++) {
		json_t *row = json_array_get(j, i);
		const char *name = json_string_value(json_object_get(row, "domain"));

		FZ_CHECK(name != NULL);
		if (json_integer_value(json_object_get(row, "reports")) == 0)
			continue;
		doms[ndom].name = strdup(name);
		FZ_CHECK(doms[ndom].name != NULL);
		doms[ndom].first = json_integer_value(json_object_get(row, "first_begin"));
		doms[ndom].last = json_integer_value(json_object_get(row, "last_end"));
		ndom++;
	}
	json_decref(j);
	for (int i = 0; i < ndom; i++) {
		fz_stats(st, doms[i].name, 0, 0);
		fz_stats(st, doms[i].name, doms[i].first, doms[i].last + 1);
		fz_domain_routes(st, &wo, doms[i].name, doms[i].first, doms[i].last);
		free(doms[i].name);
	}
	json_decref(fz_get(st, &wo, "/reports", NULL, 200));
	json_decref(fz_get(st, &wo, "/map", NULL, 200));
	json_decref(fz_get(st, &wo, "/quarantine", NULL, 200));
	json_decref(fz_get(st, &wo, "/threats", NULL, 200));
	json_decref(fz_get(st, &wo, "/threat-urls", NULL, 200));
	json_decref(fz_get(st, &wo, "/tls", NULL, 200));
	if (sum.raw_messages > 0)
		json_decref(fz_get(st, &wo, "/raw/1", NULL, 200));
	json_decref(fz_get(st, &wo, "/raw/999999", NULL, 404));
	json_decref(fz_get(st, &wo, "/records/999999999", NULL, 404));
	json_decref(fz_get(st, &wo, "/reports/999999999", NULL, 404));
	store_close(st);
	return 0;
}
