/*
 * ingest_write.c - the writing side of the ingest (see ingest_priv.h): the
 * events of each message applied to the store in one transaction: archive,
 * every document in its own savepoint, the message's state, commit.  Every
 * decision that needs the store is taken here: duplicate bytes, duplicate
 * reports, database errors, the message's final state, the totals.
 *
 * Group commit (opts.group > 1: a directory, an mbox, a backfill; never a
 * source that waits for each message's outcome): the messages share one
 * transaction, each in its own savepoint "unit", so each is still all or
 * nothing.  The group is committed when the writer has nothing queued, after
 * opts.group messages or a second, and by ingest_wait().  A failed commit
 * loses the whole group: its messages count as failed and the next run stores
 * them (nothing of them was committed, not even the archive).
 *
 * The alerts' change log (docs/ALERTS.md) is written in the same transaction
 * (ig_changes_*, ingest_alerts.c): every UTC day a stored aggregate report
 * spreads over, and the arrival day of a stored DMARC failure report.
 *
 * So is the message's arrival-to-commit time, into the ingest latency
 * histogram (svc_metrics.h), for every message that reaches its commit.
 * Refusals go to opts.on_refused; inside it ingest_log_refusal() adds the
 * message's Message-ID and archive id to the line.
 *
 * Errors: a database error rolls the message back (INGEST_FAILED) and the
 * rest of its events are skipped; a malformed event is a bug (fatalx).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ingest_priv.h"
#include "svc_metrics.h"
#include "../store/store_kinds.h"
#include "../util/log.h"

/* ---- writing side --------------------------------------------------------------- */

static const char *c_src(ingest *g);

/* The message whose refusal is being reported (on_refused runs on the
 * writing thread, synchronously): what ingest_log_refusal adds. */
static _Thread_local const char *ref_msgid;
static _Thread_local int64_t ref_raw;

/* committed: the archive row exists (its id may be shown) */
static void
refused(ingest *g, const char *input, const char *reason, int committed)
{
	if (g->o.on_refused == NULL)
		return;
	ref_msgid = g->c_msgid;
	ref_raw = committed ? g->raw_id : 0;
	g->o.on_refused(g->o.cb_ctx, input, reason);
	ref_msgid = NULL;
	ref_raw = 0;
}

void
ingest_log_refusal(const char *prefix, const char *input, const char *reason)
{
	const char *id = ref_msgid != NULL ? ref_msgid : "";

	if (*id != '\0' && ref_raw > 0)
		log_warnx("%s %s: %s (Message-ID <%s>; archive %lld)", prefix, input, reason, id,
		    (long long)ref_raw);
	else if (*id != '\0')
		log_warnx("%s %s: %s (Message-ID <%s>)", prefix, input, reason, id);
	else if (ref_raw > 0)
		log_warnx("%s %s: %s (no Message-ID; archive %lld)", prefix, input, reason,
		    (long long)ref_raw);
	else
		log_warnx("%s %s: %s", prefix, input, reason);
}

/* Into the latency histogram, in the message's transaction (a retry's
 * arrival is unknown: none). */
static int
observe(ingest *g)
{
	struct timespec ts;
	int64_t now;

	if (g->c_arrival <= 0 || g->c_retry)
		return 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	return svcm_latency(g->st, c_src(g), (double)(now - g->c_arrival) / 1e9);
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
grouping(const ingest *g)
{
	return g->o.group > 1;
}

/* The open group could not be kept: everything in it is gone. */
static void
group_lost(ingest *g, const char *what)
{
	uint64_t messages = g->stats.messages, bytes = g->stats.bytes;

	log_warnx("%s: %s; the last %d message%s were not stored: ingest them again", what,
	    store_errmsg(g->st), g->grp_touched, g->grp_touched == 1 ? "" : "s");
	store_rollback(g->st);
	g->stats = g->grp_base;
	g->stats.messages = messages;
	g->stats.bytes = bytes;
	g->stats.failed += (uint64_t)g->grp_touched;
	g->grp_open = g->unit_open = 0;
	g->grp_units = g->grp_touched = 0;
	g->last_outcome = INGEST_FAILED;
}

void
ig_group_flush(ingest *g)
{
	if (!g->grp_open || g->unit_open)
		return;
	if (store_commit(g->st) != STORE_OK) {
		group_lost(g, "commit");
		return;
	}
	g->grp_open = 0;
	g->grp_units = g->grp_touched = 0;
}

/* One message's transaction: its own, or its savepoint in the group. */
static int
ig_unit_begin(ingest *g)
{
	if (!grouping(g))
		return store_begin(g->st);
	if (!g->grp_open) {
		if (store_begin(g->st) != STORE_OK)
			return STORE_ERR;
		g->grp_open = 1;
		g->grp_units = g->grp_touched = 0;
		g->grp_t0 = now_ms();
		g->grp_base = g->stats;
	}
	if (store_mark(g->st, "unit") != STORE_OK) {
		group_lost(g, "savepoint");
		return STORE_ERR;
	}
	g->unit_open = 1;
	return STORE_OK;
}

static int
ig_unit_commit(ingest *g)
{
	if (!grouping(g))
		return store_commit(g->st);
	if (!g->unit_open)
		return STORE_ERR;
	if (store_mark_release(g->st, "unit") != STORE_OK) {
		group_lost(g, "savepoint");
		return STORE_ERR;
	}
	g->unit_open = 0;
	/* The second counts from the first message written, not from BEGIN: a
	 * group that waited for the write lock (another grouped ingest's turn on
	 * PostgreSQL, SQLite's file lock) would otherwise commit after one
	 * message, and two ingests at once would go one message at a time. */
	if (g->grp_units++ == 0)
		g->grp_t0 = now_ms();
	return STORE_OK;
}

/* After a message's totals are counted: the group is committed when it is
 * full or a second old (a failed commit then takes the totals back). */
static void
ig_unit_done(ingest *g)
{
	if (grouping(g) && g->grp_open &&
	    (g->grp_units >= g->o.group || now_ms() - g->grp_t0 >= 1000))
		ig_group_flush(g);
}

static void
ig_unit_rollback(ingest *g)
{
	if (!grouping(g)) {
		store_rollback(g->st);
		return;
	}
	if (!g->unit_open)
		return;
	g->unit_open = 0;
	if (store_mark_rollback(g->st, "unit") != STORE_OK)
		group_lost(g, "savepoint");
}

static void
note(ingest *g, dbuf *b, int *n, const char *name, const char *reason)
{
	if (b->len > 0)
		dbuf_addc(b, '\n');
	if (strcmp(name, dbuf_cstr(&g->c_source)) == 0)
		dbuf_addstr(b, reason);	/* the input itself: its name is printed anyway */
	else
		dbuf_printf(b, "%s: %s", name, reason);
	(*n)++;
}

static const char *
c_src(ingest *g)
{
	return dbuf_cstr(&g->c_source);
}

static void
reset_message(ingest *g)
{
	g->ndocs = 0;
	g->ok = g->dups = 0;
	memset(g->kind_new, 0, sizeof(g->kind_new));
	g->records = g->msgs = 0;
	dbuf_reset(&g->refusals);
	dbuf_reset(&g->ignored);
	g->nrefusals = g->nignored = 0;
	g->email_refused = 0;
	g->email_reason[0] = '\0';
	g->retry_mask = 0;
	g->nch = g->ch_kept = 0;	/* a new message, or a pass that rolled back */
}

static void
report_lines(ingest *g, const char *text)
{
	const char *p = text;

	if (g->o.on_refused == NULL)
		return;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = xstrndup(p, len);

		refused(g, c_src(g), line, 1);
		free(line);
		p += len + (nl ? 1 : 0);
	}
}

/* The message fails: nothing of it is committed, the rest of its events
 * are skipped, and the user is told why. */
static void
c_abandon(ingest *g, const char *why)
{
	ig_unit_rollback(g);
	g->stats.failed++;
	refused(g, c_src(g), why, 0);
	g->last_outcome = INGEST_FAILED;
	g->c_state = C_SKIP;
}

/* A database error.  The caller may take the message over (on_db_error:
 * ingest --jobs tries it again on its own after its other files). */
static void
c_fail(ingest *g, const char *what)
{
	if (g->o.on_db_error != NULL && g->o.on_db_error(g->o.cb_ctx, c_src(g))) {
		log_warnx("%s: %s%s; tried again after the other files", c_src(g), what,
		    store_errmsg(g->st));
		ig_unit_rollback(g);
		g->stats.messages--;	/* counted when it is tried again */
		g->last_outcome = INGEST_FAILED;
		g->c_state = C_SKIP;
		return;
	}
	log_warnx("%s: %s%s", c_src(g), what, store_errmsg(g->st));
	c_abandon(g, "database error (nothing of it was stored; ingest it again)");
}

/* The same bytes are stored already (raw id dup): the message is one
 * duplicate event per report it held, in a transaction of its own. */
static void
c_duplicate(ingest *g, int64_t dup)
{
	int64_t n = 0;

	ig_unit_rollback(g);
	if (ig_unit_begin(g) != STORE_OK ||
	    store_raw_duplicate(g->st, dup, c_src(g), &n) != STORE_OK ||
	    ig_unit_commit(g) != STORE_OK) {
		c_fail(g, "");
		return;
	}
	g->stats.duplicates += (uint64_t)n;
	g->last_outcome = INGEST_DUPLICATE;
	g->c_state = C_SKIP;
	ig_unit_done(g);
}

static void
c_msg_begin(ingest *g, evr *r)
{
	const char *source = evr_str(r), *codec = evr_str(r);
	const char *hex = (evr_i64(r), evr_str(r));	/* the size comes with ARCH_END */
	int after = (int)evr_i64(r);
	char state[32];

	dbuf_reset(&g->c_source);
	dbuf_addstr(&g->c_source, source != NULL ? source : "?");
	g->c_msgid[0] = '\0';
	g->c_arrival = 0;
	g->stats.messages++;
	g->arch_seq = 0;
	g->arch_dup = 0;
	g->arch_hashed = hex != NULL;
	g->c_retry = 0;
	g->c_skip_pass = 0;
	reset_message(g);
	g->c_state = C_ARCH;
	if (ig_unit_begin(g) != STORE_OK) {
		c_fail(g, "cannot archive: ");
		return;
	}
	g->grp_touched++;
	/* With the hash known up front, a duplicate is found before anything is
	 * written, and the new row is inserted with its hash in one go. */
	if (hex != NULL && (store_raw_find(g->st, hex, &g->arch_dup, state,
	    sizeof(state)) != STORE_OK)) {
		c_fail(g, "cannot archive: ");
		return;
	}
	if (g->arch_dup == 0 && store_raw_new(g->st, c_src(g), codec, hex, &g->raw_id) !=
	    STORE_OK) {
		c_fail(g, "cannot archive: ");
		return;
	}
	g->arch_after = after;
	if (after)
		g->c_state = C_PROC;	/* the chunks come after the parse */
}

static void
c_arch_chunk(ingest *g, evr *r)
{
	size_t n;
	const void *p = evr_bytes(r, &n);

	if (g->arch_dup != 0)
		return;		/* archived before */
	if (store_raw_chunk(g->st, g->raw_id, g->arch_seq++, p, n) != STORE_OK)
		c_fail(g, "cannot archive: ");
}

struct state_cb {
	char state[32];
};

static int
get_state(void *ctx, const store_raw_info *ri)
{
	struct state_cb *s = ctx;

	snprintf(s->state, sizeof(s->state), "%s", ri->state ? ri->state : "");
	return 0;
}

/* The message's parse was skipped, but the archive disagrees (changed since
 * the look): nothing is kept; the input is still where it was. */
static void
c_stale(ingest *g)
{
	c_abandon(g, "the archive changed while this input was read; nothing was stored: "
	    "ingest it again");
}

static void
c_arch_end(ingest *g, evr *r)
{
	const char *hex = evr_str(r);
	int64_t size = evr_i64(r), stored = evr_i64(r), parsed = evr_i64(r);
	int64_t dup = 0;
	struct state_cb s = { "" };

	if (g->arch_dup != 0)
		dup = g->arch_dup;
	else if (store_raw_seal(g->st, g->raw_id, g->arch_hashed ? NULL : hex, size,
	    stored, &dup) != STORE_OK) {
		c_fail(g, "cannot archive: ");
		return;
	}
	g->stats.bytes += (uint64_t)size;
	if (dup == 0) {
		if (!parsed)
			c_stale(g);
		else
			g->c_state = C_PROC;
		return;
	}
	/* Same bytes archived before: what to do depends on that copy's state. */
	ig_unit_rollback(g);
	g->raw_id = dup;
	if (store_raw_info_get(g->st, g->raw_id, get_state, &s) != STORE_OK) {
		c_fail(g, "");
		return;
	}
	if (strcmp(s.state, RAW_STORED) == 0 || strcmp(s.state, RAW_PARTIAL) == 0) {
		c_duplicate(g, g->raw_id);
		return;
	}
	/* Archived before but quarantined or interrupted: parse it again. */
	if (ig_unit_begin(g) != STORE_OK) {
		c_fail(g, "");
		return;
	}
	if (!parsed) {
		c_stale(g);
		return;
	}
	g->c_retry = strcmp(s.state, RAW_QUARANTINED) == 0;
	g->c_state = C_PROC;
}

/* The hash of a message parsed before it was archived (ig_p_message_fd).  Same
 * bytes stored before: everything is undone and it counts as a duplicate.
 * Same bytes archived before but not stored (quarantined, interrupted): what
 * was stored now moves under that copy, as a retry would have done. */
static void
c_arch_end_after(ingest *g, evr *r)
{
	const char *hex = evr_str(r);
	int64_t size = evr_i64(r), stored = evr_i64(r), dup = 0;
	struct state_cb s = { "" };

	if (store_raw_seal(g->st, g->raw_id, hex, size, stored, &dup) != STORE_OK) {
		c_fail(g, "cannot archive: ");
		return;
	}
	g->stats.bytes += (uint64_t)size;
	if (dup == 0)
		return;
	if (store_raw_info_get(g->st, dup, get_state, &s) != STORE_OK) {
		c_fail(g, "");
		return;
	}
	if (strcmp(s.state, RAW_STORED) == 0 || strcmp(s.state, RAW_PARTIAL) == 0) {
		c_duplicate(g, dup);
		return;
	}
	if (store_raw_merge(g->st, g->raw_id, dup) != STORE_OK) {
		c_fail(g, "");
		return;
	}
	g->raw_id = dup;
	g->c_retry = strcmp(s.state, RAW_QUARANTINED) == 0;
}

static void
c_toobig(ingest *g, evr *r)
{
	const char *reason = evr_str(r);

	if (store_quarantine_add(g->st, g->raw_id, reason) != STORE_OK ||
	    store_raw_set_state(g->st, g->raw_id, RAW_QUARANTINED, reason, 0) !=
	    STORE_OK || observe(g) != 0 || ig_unit_commit(g) != STORE_OK) {
		c_fail(g, "");
		return;
	}
	g->stats.refused++;
	refused(g, c_src(g), reason, 1);
	g->last_outcome = INGEST_REFUSED;
	g->c_state = C_SKIP;
	ig_unit_done(g);
}

static void
c_msg_retry(ingest *g, evr *r)
{
	int64_t id = evr_i64(r);
	const char *source = evr_str(r);

	dbuf_reset(&g->c_source);
	dbuf_addstr(&g->c_source, source != NULL ? source : "?");
	g->c_msgid[0] = '\0';
	g->c_arrival = 0;
	g->stats.messages++;
	g->raw_id = id;
	g->c_retry = 1;
	g->c_skip_pass = 0;
	g->arch_after = 0;
	reset_message(g);
	if (ig_unit_begin(g) != STORE_OK) {
		c_fail(g, "");
		return;
	}
	g->grp_touched++;
	g->c_state = C_PROC;
}

static void
c_pass_begin(ingest *g, int64_t pass)
{
	if (pass > 0) {
		if (g->retry_mask == 0) {
			g->c_skip_pass = 1;	/* nothing of ours to redo */
			return;
		}
		/* Redo the message, parsing the documents that were not
		 * well-formed with the recovery parser.  The archived copy stays. */
		if (store_mark_rollback(g->st, "msg") != STORE_OK) {
			c_fail(g, "");
			return;
		}
	}
	reset_message(g);
	if (store_mark(g->st, "msg") != STORE_OK)
		c_fail(g, "");
}

static void
c_doc_begin(ingest *g, evr *r)
{
	const char *name = evr_str(r);

	g->c_doc_idx = g->ndocs++;
	dbuf_reset(&g->c_doc_name);
	dbuf_addstr(&g->c_doc_name, name != NULL ? name : "?");
	g->c_doc_dup = g->c_doc_failed = 0;
	g->report_id = 0;
	if (store_mark(g->st, "doc") != STORE_OK)
		c_fail(g, "");
}

static void
c_doc_fail(ingest *g, const char *what)
{
	g->c_doc_failed = 1;
	snprintf(g->c_fail_reason, sizeof(g->c_fail_reason), "%s: %s", what,
	    store_errmsg(g->st));
}

static void
c_header(ingest *g, evr *r)
{
	dm_report rep;
	int64_t dup = 0;
	char org[DM_KEY_LEN], rid[DM_KEY_LEN];

	ev_get_report(r, &rep);
	/* records.policy_domain holds the same normalised domain as the key */
	dm_report_key(&rep, org, rid, g->domain_key);
	if (store_report_add(g->st, g->raw_id, &rep, &g->report_id, &dup) != STORE_OK) {
		c_doc_fail(g, "storing the report");
		return;
	}
	if (dup != 0) {
		if (store_duplicate_add(g->st, g->raw_id, dup, c_src(g)) != STORE_OK)
			c_doc_fail(g, "storing the duplicate");
		else
			g->c_doc_dup = 1;
		return;
	}
	if (analysis_begin_report(g->an, &rep, g->domain_key) != 0)
		c_doc_fail(g, "analysis");
}

static void
c_record(ingest *g, evr *r)
{
	store_record_analysis an;

	ev_get_record(r, &g->rec);
	if (analysis_record(g->an, &g->rec, &an) != 0)
		c_doc_fail(g, "analysis");
	else if (store_record_add(g->st, g->report_id, g->domain_key, &g->rec, &an) !=
	    STORE_OK)
		c_doc_fail(g, "storing a record");
}

static void
c_trailer(ingest *g, evr *r)
{
	dm_report rep;

	ev_get_report(r, &rep);
	if (analysis_end_report(g->an) != 0 ||
	    store_report_finish(g->st, g->report_id, &rep) != STORE_OK) {
		c_doc_fail(g, "finishing the report");
		return;
	}
	if (ig_changes_report(g, &rep) != 0) {
		c_doc_fail(g, "recording the change for the alerts");
		return;
	}
	g->records += rep.records;
	g->msgs += rep.messages;
	if (rep.skipped_records > 0) {
		/* Stored, but not whole: say so (the report's errors list each). */
		const char *first = NULL;

		for (int i = 0; i < rep.nerrors && first == NULL; i++)
			if (strstr(rep.errors[i], " skipped: ") != NULL)
				first = rep.errors[i];
		log_warnx("warning: %s: report %s: %llu record%s skipped%s%s", c_src(g),
		    rep.report_id != NULL ? rep.report_id : "?",
		    (unsigned long long)rep.skipped_records, rep.skipped_records == 1 ? "" : "s",
		    first != NULL ? ", first: " : "", first != NULL ? first : "");
	}
}

static void
c_doc_end(ingest *g, evr *r)
{
	int outcome = (int)evr_i64(r);
	const char *reason = evr_str(r);

	if (g->c_doc_failed)
		outcome = DOC_FAILED;
	else if (g->c_doc_dup)
		outcome = DOC_DUP;	/* the identity decides, whatever followed */
	ig_changes_doc_end(g, outcome == DOC_OK || outcome == DOC_DUP);
	switch (outcome) {
	case DOC_OK:
	case DOC_DUP:
		if (store_mark_release(g->st, "doc") != STORE_OK) {
			c_fail(g, "");
			return;
		}
		if (outcome == DOC_OK)
			g->ok++;
		else
			g->dups++;
		return;
	case DOC_FAILED:
		c_fail(g, "");
		return;
	default:
		if (store_mark_rollback(g->st, "doc") != STORE_OK) {
			c_fail(g, "");
			return;
		}
		if (outcome == DOC_RETRY)
			g->retry_mask |= (uint64_t)1 << g->c_doc_idx;
		else if (outcome == DOC_REFUSED)
			note(g, &g->refusals, &g->nrefusals, dbuf_cstr(&g->c_doc_name), reason);
		else if (outcome == DOC_IGNORED)
			note(g, &g->ignored, &g->nignored, dbuf_cstr(&g->c_doc_name), reason);
		return;
	}
}

/* A document of a whole-document kind (failure, TLS-RPT): stored through
 * the store's kinds sub-interface; the same identity stored before makes it
 * a duplicate (a kind_duplicates row), as report_add does for aggregate. */
static void
c_kind_doc(ingest *g, evr *r)
{
	int kind = (int)evr_i64(r);
	const char *ident = evr_str(r);
	size_t n;
	const void *p = evr_bytes(r, &n);
	json_error_t je;
	json_t *model;
	int64_t id = 0, dup = 0;

	if (!store_has(g->st, kinds)) {
		snprintf(g->c_fail_reason, sizeof(g->c_fail_reason), "this store keeps no "
		    "report of kind %d", kind);
		g->c_doc_failed = 1;
		return;
	}
	model = json_loadb(p, n, 0, &je);
	if (model == NULL)
		panic("ingest pipeline: a kind's model is not JSON: %s", je.text);
	if (store_kinds_add(g->st, kind, g->raw_id, model, ident, c_src(g), &id, &dup) != STORE_OK)
		c_doc_fail(g, "storing the report");
	else if (dup != 0)
		g->c_doc_dup = 1;
	else if (kind == DM_KIND_FAILURE && ig_changes_failure(g, id) != 0)
		c_doc_fail(g, "recording the change for the alerts");
	else if (kind >= 0 && kind < (int)(sizeof(g->kind_new) / sizeof(g->kind_new[0])))
		g->kind_new[kind]++;
	json_decref(model);
}

/* A multipart/report that no kind claims (a DSN, ...). */
static void
c_email(ingest *g, evr *r)
{
	const char *report_type = evr_str(r);

	g->email_refused = 1;
	snprintf(g->email_reason, sizeof(g->email_reason), "a multipart/report of type "
	    "'%.60s' (a delivery status notification?), not a DMARC report", report_type);
}

/* All passes are in: the message's state, then commit. */
static void
c_msg_finish(ingest *g)
{
	int outcome;
	const char *state;

	if (g->email_refused)
		note(g, &g->refusals, &g->nrefusals, c_src(g), g->email_reason);
	if (g->ok + g->dups == 0 && g->nrefusals == 0) {
		/* Nothing but ignorable parts: say what was there. */
		dbuf reason;

		dbuf_init(&reason, 64 * 1024);
		dbuf_printf(&reason, "no DMARC aggregate, failure or TLS report found");
		if (g->nignored > 0)
			dbuf_printf(&reason, " (%s)", dbuf_cstr(&g->ignored));
		dbuf_reset(&g->refusals);
		g->nrefusals = 0;
		note(g, &g->refusals, &g->nrefusals, c_src(g), dbuf_cstr(&reason));
		for (size_t i = 0; i < g->refusals.len; i++)
			if (g->refusals.data[i] == '\n')
				g->refusals.data[i] = ';';
		dbuf_free(&reason);
	}
	if (g->nrefusals > 0 && g->ok + g->dups == 0) {
		outcome = INGEST_REFUSED;
		state = RAW_QUARANTINED;
	} else if (g->nrefusals > 0) {
		outcome = INGEST_PARTIAL;
		state = RAW_PARTIAL;
	} else {
		outcome = g->ok > 0 ? INGEST_STORED : INGEST_DUPLICATE;
		state = RAW_STORED;
	}
	if (store_mark_release(g->st, "msg") != STORE_OK ||
	    (g->c_retry && store_quarantine_mark(g->st, g->raw_id, 1) != STORE_OK) ||
	    (g->nrefusals > 0 && store_quarantine_add(g->st, g->raw_id,
	    dbuf_cstr(&g->refusals)) != STORE_OK) ||
	    store_raw_set_state(g->st, g->raw_id, state,
	    g->nrefusals ? dbuf_cstr(&g->refusals) : NULL, g->ok) != STORE_OK ||
	    observe(g) != 0 || ig_unit_commit(g) != STORE_OK) {
		c_fail(g, "");
		return;
	}
	g->stats.reports += (uint64_t)g->ok;
	g->stats.failure_reports += (uint64_t)g->kind_new[DM_KIND_FAILURE];
	g->stats.tls_reports += (uint64_t)g->kind_new[DM_KIND_TLSRPT];
	g->stats.duplicates += (uint64_t)g->dups;
	g->stats.records += g->records;
	g->stats.message_count += g->msgs;
	if (g->nrefusals > 0) {
		g->stats.refused++;
		report_lines(g, dbuf_cstr(&g->refusals));
	}
	g->last_outcome = outcome;
	ig_unit_done(g);
}

static void
c_progress(ingest *g, int64_t n)
{
	if (n > 0 && g->o.on_progress != NULL)
		g->o.on_progress(g->o.cb_ctx, (uint64_t)n);
}

/* One event.  In C_SKIP (a failed, duplicate or refused message) everything
 * up to MSG_END is dropped; in a pass that is not needed, up to PASS_END; in
 * a duplicate or failed document, its report and records. */
static void
c_event(ingest *g, int type, evr *r)
{
	if (type == E_PROGRESS) {
		c_progress(g, evr_i64(r));
		return;
	}
	if (type == E_MSG_END) {
		if (g->c_state == C_PROC)
			c_msg_finish(g);
		else if (g->c_state == C_ARCH)
			c_fail(g, "incomplete message: ");
		c_progress(g, evr_i64(r));
		g->c_state = C_IDLE;
		return;
	}
	if (type == E_OPEN_FAIL) {
		const char *input = evr_str(r), *reason = evr_str(r);

		g->stats.refused++;
		g->c_msgid[0] = '\0';
		refused(g, input, reason, 0);
		g->last_outcome = INGEST_REFUSED;
		return;
	}
	if (type == E_MSG_META) {
		const char *id = evr_str(r);

		snprintf(g->c_msgid, sizeof(g->c_msgid), "%s", id != NULL ? id : "");
		g->c_arrival = evr_i64(r);
		return;
	}
	switch (g->c_state) {
	case C_IDLE:
		if (type == E_MSG_BEGIN)
			c_msg_begin(g, r);
		else if (type == E_MSG_RETRY)
			c_msg_retry(g, r);
		return;
	case C_ARCH:
		if (type == E_ARCH_CHUNK)
			c_arch_chunk(g, r);
		else if (type == E_ARCH_END)
			c_arch_end(g, r);
		return;
	case C_SKIP:
		return;
	default:
		break;
	}
	/* C_PROC */
	if (type == E_PASS_END) {
		g->c_skip_pass = 0;
		return;
	}
	if (g->c_skip_pass)
		return;
	switch (type) {
	case E_ARCH_CHUNK:
		if (g->arch_after)
			c_arch_chunk(g, r);
		else
			panic("ingest pipeline: archive chunk after the archive's end");
		break;
	case E_ARCH_END:
		if (g->arch_after)
			c_arch_end_after(g, r);
		else
			panic("ingest pipeline: a second archive end");
		break;
	case E_TOOBIG:
		c_toobig(g, r);
		break;
	case E_PASS_BEGIN:
		c_pass_begin(g, evr_i64(r));
		break;
	case E_DOC_BEGIN:
		c_doc_begin(g, r);
		break;
	case E_HEADER:
		if (!g->c_doc_dup && !g->c_doc_failed)
			c_header(g, r);
		break;
	case E_RECORD:
		if (!g->c_doc_dup && !g->c_doc_failed)
			c_record(g, r);
		break;
	case E_TRAILER:
		if (!g->c_doc_dup && !g->c_doc_failed)
			c_trailer(g, r);
		break;
	case E_DOC_END:
		c_doc_end(g, r);
		break;
	case E_REFUSE: {
		const char *name = evr_str(r), *reason = evr_str(r);
		int ignorable = (int)evr_i64(r);

		if (ignorable)
			note(g, &g->ignored, &g->nignored, name, reason);
		else
			note(g, &g->refusals, &g->nrefusals, name, reason);
		break;
	}
	case E_KIND_DOC:
		if (!g->c_doc_dup && !g->c_doc_failed)
			c_kind_doc(g, r);
		break;
	case E_EMAIL:
		c_email(g, r);
		break;
	default:
		panic("ingest pipeline: unexpected event %d", type);
	}
}

/* The batch's source IPs, handed to the store before the records are
 * analysed one by one (PostgreSQL reads their host facts in one round trip);
 * a failure here only means they are read one by one. */
static void
prefetch_hosts(ingest *g, const dbuf *b)
{
	const unsigned char *cur = (const unsigned char *)b->data;
	const unsigned char *end = cur + b->len;
	const char **ips;
	size_t *off;
	int type, n = 0, max = 0;
	dbuf s;
	evr r;

	if (!analysis_prefetches_hosts(g->an))
		return;		/* SQLite: a lookup costs no round trip */
	while (ev_next(&cur, end, &type, &r))
		max += type == E_RECORD;
	if (max == 0)
		return;
	ips = xcalloc((size_t)max, sizeof(*ips));
	off = xcalloc((size_t)max, sizeof(*off));
	dbuf_init(&s, (size_t)max * 64 + 64);
	cur = (const unsigned char *)b->data;
	while (ev_next(&cur, end, &type, &r) && n < max) {
		if (type != E_RECORD)
			continue;
		ev_get_record(&r, &g->rec);	/* c_record reads it again */
		off[n++] = s.len;
		dbuf_addstr(&s, g->rec.source_ip);
		dbuf_addc(&s, '\0');
	}
	for (int i = 0; i < n; i++)
		ips[i] = s.data + off[i];
	(void)analysis_prefetch_hosts(g->an, ips, n);
	dbuf_free(&s);
	free(off);
	free(ips);
}

void
ig_c_batch(ingest *g, const dbuf *b)
{
	const unsigned char *cur = (const unsigned char *)b->data;
	const unsigned char *end = cur + b->len;
	int type;
	evr r;

	prefetch_hosts(g, b);
	while (ev_next(&cur, end, &type, &r))
		c_event(g, type, &r);
	if (analysis_prefetches_hosts(g->an))
		(void)analysis_prefetch_hosts(g->an, NULL, 0);
}
