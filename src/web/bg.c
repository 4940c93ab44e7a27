/*
 * bg.c - the portal's background thread, with its own store connection.
 *
 * Four times a second (or at once after bg_kick) it reads the data version
 * (store_web SWQ_VERSION: the newest report and archived message, open
 * quarantine entries, My Senders, host updates, pending reanalysis) into a
 * string.  Pages poll /api/v1/version and reload their data when it
 * changes, so a report ingested by another process shows up within about a
 * second; the response cache is keyed by the same string.
 *
 * Enrichment (enrich_run, src/enrich/) runs in a second thread with its
 * own store connection: at start, when new messages arrive (at most once a
 * minute) and every enrich_interval seconds, so ingest and the portal never
 * wait on DNS or RDAP.  bg_stop cancels a run in progress and joins it.
 *
 * When the version shows queued reanalysis (a My Senders change from the
 * Senders screen, new enrichment facts), the thread drains the queue with
 * analysis_catch_up on its connection; the version then changes again and
 * open pages reload with the new classes.
 *
 * bg_kick (after every write this node answers) also counts the writes:
 * bg_writes, which the response cache adds to its key so that a read after
 * a write through this node never meets an answer from before it, even when
 * the version has not been read again yet (PostgreSQL: a round trip).
 *
 * Exports: bg_start, bg_stop, bg_version, bg_kick, bg_writes, bg_enrich_state.
 * A read-only database (store_web readonly) is served as it is: no
 * enrichment and no reanalysis, one warning at start.
 *
 * Errors: bg_start returns -1 (message on stderr) when the store cannot be
 * opened; later errors are logged and retried.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "web_priv.h"
#include "../analyze/analysis.h"
#include "../enrich/enrich.h"
#include "../util/log.h"

static pthread_t th;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static char version[128] = "0";
static int stopping, kicked, running;
static unsigned long writes;	/* bg_kick calls: the writes this node answered */
static pthread_t eth;
static int estarted, edone;
static volatile int ecancel;
static store *bst;
static analysis *ban;
static const web_opts *opts;
static int readonly;	/* the database cannot be written: no enrichment, no reanalysis */
static dm_principal local;	/* the thread reads the global version, as an operator */

struct vctx {
	char buf[128];
};

static int
version_cb(void *ctx, int ncol, const char *const *names, const store_web_val *v)
{
	struct vctx *x = ctx;
	size_t o = 0;

	(void)names;
	x->buf[0] = '\0';
	for (int i = 0; i < ncol && o < sizeof(x->buf); i++)
		o += (size_t)snprintf(x->buf + o, sizeof(x->buf) - o, "%s%lld", i ? "-" : "",
		    (long long)v[i].i);
	return 0;
}

static void *
enrich_main(void *arg)
{
	char err[512];
	enrich_opts o;
	enrich_stats es;
	store *st;

	(void)arg;
	if (store_open(&st, opts->db, err, sizeof(err)) != STORE_OK)
		log_warnx("serve: enrichment: %s", err);
	else {
		enrich_opts_init(&o);
		if (opts->config != NULL &&
		    enrich_config_load(&o, opts->config, err, sizeof(err)) != ENRICH_OK)
			log_warnx("serve: enrichment: %s", err);
		if (opts->offline)
			o.offline = 1;
		/* a background cycle: temporary failures wait 5 minutes, and one
		 * cycle takes at most 20,000 hosts so new reports are not kept waiting */
		if (o.retry_after == 0)
			o.retry_after = 300;
		if (o.limit == 0)
			o.limit = 20000;
		o.cancel = &ecancel;
		memset(&es, 0, sizeof(es));
		if (enrich_run(st, &o, &es, err, sizeof(err)) == ENRICH_ERR)
			log_warnx("serve: enrichment: %s", err);
		else if (opts->verbose)
			log_info("serve: enrichment: %lld hosts in %.1f s", (long long)es.hosts,
			    es.seconds);
		enrich_opts_clear(&o);
		store_close(st);
	}
	pthread_mutex_lock(&mu);
	edone = 1;
	kicked = 1;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	return NULL;
}

/* Joins a finished run; starts one when none runs.  Called by loop(). */
static void
enrich_tick(int start)
{
	int done;

	pthread_mutex_lock(&mu);
	done = edone;
	pthread_mutex_unlock(&mu);
	if (estarted && done) {
		pthread_join(eth, NULL);
		estarted = 0;
	}
	if (start && !estarted) {
		edone = 0;
		if (pthread_create(&eth, NULL, enrich_main, NULL) != 0)
			log_warnx("serve: cannot start enrichment");
		else
			estarted = 1;
	}
}

static void *
loop(void *arg)
{
	time_t last_enrich = 0;
	char last_raws[32] = "";

	(void)arg;
	pthread_mutex_lock(&mu);
	while (!stopping) {
		struct vctx x;
		struct timespec ts;
		time_t now = time(NULL);

		kicked = 0;
		pthread_mutex_unlock(&mu);
		x.buf[0] = '\0';
		if (store_web_run(bst, &local, SWQ_VERSION, NULL, version_cb, &x) != STORE_OK)
			log_warnx("serve: version: %s", store_errmsg(bst));
		else {
			char raws[32];
			const char *dash = strchr(x.buf, '-');

			snprintf(raws, sizeof(raws), "%.*s", dash ? (int)strcspn(dash + 1, "-") : 0,
			    dash ? dash + 1 : "");
			const char *last = strrchr(x.buf, '-');
			int n = 0;

			pthread_mutex_lock(&mu);
			snprintf(version, sizeof(version), "%s", x.buf);
			pthread_mutex_unlock(&mu);
			if (last != NULL && strcmp(last, "-0") != 0 && store_has(bst, analysis) &&
			    !readonly) {
				if (ban == NULL)
					ban = analysis_new(bst, NULL);
				if (analysis_catch_up(ban, &n) != 0)
					log_warnx("serve: reanalysis: %s", store_errmsg(bst));
				else if (n > 0) {
					pthread_mutex_lock(&mu);
					kicked = 1;	/* probe again at once */
					pthread_mutex_unlock(&mu);
				}
			}
			if (opts->enrich && !readonly) {
				int due = last_enrich == 0 ||
				    now - last_enrich >= opts->enrich_interval ||
				    (strcmp(raws, last_raws) != 0 && now - last_enrich >= 60);

				enrich_tick(0);
				if (due && !estarted) {
					enrich_tick(1);
					last_enrich = now;
					snprintf(last_raws, sizeof(last_raws), "%s", raws);
				}
			}
		}
		pthread_mutex_lock(&mu);
		running = estarted && !edone;
		if (stopping)
			break;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 250 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		while (!stopping && !kicked &&
		    pthread_cond_timedwait(&cv, &mu, &ts) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&mu);
	return NULL;
}

int
bg_start(const web_opts *o)
{
	char err[512];
	struct vctx x;

	opts = o;
	principal_local(&local);
	if (store_open(&bst, o->db, err, sizeof(err)) != STORE_OK) {
		log_warnx("serve: %s", err);
		return -1;
	}
	if (!store_has(bst, web)) {
		log_warnx("serve: the %s store has no web interface", store_name(bst));
		store_close(bst);
		return -1;
	}
	/* the version is read where the pages read; a standby that cannot be
	 * used at start (SQLite, a wrong DSN) stops the start */
	if (o->db_replica != NULL &&
	    store_set_replica(bst, o->db_replica, o->replica_max_lag_ms) != STORE_OK) {
		log_warnx("serve: --db-replica: %s", store_errmsg(bst));
		store_close(bst);
		return -1;
	}
	if (store_web_run(bst, &local, SWQ_VERSION, NULL, version_cb, &x) == STORE_OK)
		snprintf(version, sizeof(version), "%s", x.buf);
	readonly = store_has_op(bst, web, readonly) && store_web_readonly(bst);
	if (readonly)
		log_warnx("serve: %s is read-only: serving it without enrichment or reanalysis; "
		    "changes answer 503", o->db);
	if (pthread_create(&th, NULL, loop, NULL) != 0) {
		log_warnx("serve: cannot start the background thread");
		store_close(bst);
		return -1;
	}
	return 0;
}

void
bg_stop(void)
{
	/* enrichment is told first: the loop thread may be waiting on a lock
	 * an enrichment write holds */
	ecancel = 1;
	pthread_mutex_lock(&mu);
	stopping = 1;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	pthread_join(th, NULL);
	if (estarted) {
		pthread_join(eth, NULL);
		estarted = 0;
	}
	if (ban != NULL)
		analysis_free(ban);
	ban = NULL;
	store_close(bst);
	bst = NULL;
}

void
bg_version(char *buf, size_t len)
{
	pthread_mutex_lock(&mu);
	snprintf(buf, len, "%s", version);
	pthread_mutex_unlock(&mu);
}

void
bg_kick(void)
{
	pthread_mutex_lock(&mu);
	writes++;
	kicked = 1;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
}

unsigned long
bg_writes(void)
{
	unsigned long n;

	pthread_mutex_lock(&mu);
	n = writes;
	pthread_mutex_unlock(&mu);
	return n;
}

int
bg_enrich_state(void)
{
	int r;

	if (!opts->enrich || readonly)
		return 0;
	pthread_mutex_lock(&mu);
	r = running ? 2 : 1;
	pthread_mutex_unlock(&mu);
	return r;
}
