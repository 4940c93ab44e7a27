/*
 * ready.h - readiness for p=reject (issue 18 part 3).  For one policy
 * domain and period: the share of legitimate mail (DMARC pass, plus the
 * failures of My Senders and known services: class auth_failure; never
 * forwarded mail or spoofing) that would fail under an enforcing policy, by
 * day, by week and by sender; the day since which the domain has met a
 * threshold (default 99.5 % aligned) every day for 14 days in a row, or how
 * far it is; the record to publish next, built from the published record
 * (the DNS check's history when there is one, else the reports' policy) with
 * its other tags kept; and a what-if for that record and the current one:
 * the messages of each class and each sender that would be quarantined or
 * rejected, honouring pct (RFC 7489), t=y (RFC 9989: one level lower) and
 * sp for subdomains.
 *
 * ready.c builds the JSON the API and `dmarcscope readiness --json` give;
 * ready_record.c holds the pure record functions (no I/O), tested through
 * the command by tests/ready/run.sh.
 *
 * ready_judge.c holds the decision from a period's sums (pure): the level
 * and the step the domains overview shows and `readiness --json` gives as
 * `verdict`, so both say the same for the same period (issue 19).
 *
 * Exports: ready_opts, ready_build, ready_synth, ready_pol, ready_parse, ready_next,
 * ready_apply, ready_level_name, ready_sums, ready_verdict, ready_aligned_ok,
 * ready_ladder, ready_judge, ready_step_name, ready_rlevel_name.  Errors:
 * ready_build returns NULL with err.
 */
#ifndef DS_READY_H
#define DS_READY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "../store/store.h"

#define READY_DAYS_NEEDED 14
#define READY_THRESHOLD 99.5		/* the default threshold, percent aligned */
#define READY_LOOKBACK_DAYS 366		/* how far back the met-since run is followed */
#define READY_MAX_PERIOD_DAYS 3660
#define READY_MAX_RECORDS 500000	/* records read for the per-sender breakdown */
#define READY_MAX_SENDERS 100		/* senders listed; the rest summed as "more" */

typedef struct ready_opts {
	const char *domain;
	int64_t since, until;	/* unix seconds at UTC midnights, [since, until) */
	double threshold;	/* percent of legitimate mail aligned, 50..100 */
	int64_t max_records;	/* 0: READY_MAX_RECORDS */
} ready_opts;

/* The JSON of docs/API (see ready.c's header); NULL with err on a store error. */
json_t *ready_build(store *s, const ready_opts *o, char *err, size_t errlen);
/* The record text a report's policy_published stands for ("v=DMARC1; p=...;
 * sp/np/pct/t/adkim/aspf/fo when they say something"): with ready_next, the
 * next step of a domain from domain_summary's columns (the overview). */
struct store_ready_policy;
void ready_synth(const struct store_ready_policy *p, char *out, size_t len);

/* ---- ready_record.c: pure functions of a DMARC record's text */
typedef struct ready_pol {
	int p, sp, np;		/* 0 none, 1 quarantine, 2 reject; sp/np default as RFC 9989 */
	int pct;		/* 0..100; 100 when absent */
	int has_pct;		/* the record has a pct tag */
	int t;			/* 1: t=y */
} ready_pol;

/* 0, or -1 when rec is not a DMARC record (then *p is p=none). */
int ready_parse(const char *rec, ready_pol *p);
/* The next step's record text from rec (its other tags kept, v and p
 * first) and the step's name: quarantine_test, quarantine, reject_test,
 * reject, raise_pct; returns 1 (out = rec, step "done") when rec already
 * asks for p=reject on all mail. */
int ready_next(const char *rec, char *out, size_t len, const char **step);
/* n failing messages under pol: how many would be quarantined, rejected
 * (expected values with pct); sub: the From domain is a subdomain (sp). */
void ready_apply(const ready_pol *pol, int sub, double n, double *quarantined, double *rejected);
const char *ready_level_name(int level);

/* ---- ready_judge.c: the decision from a period's sums (pure) */
/* The steps, in the overview's sort order (most to do first): fix_senders,
 * quarantine_test, quarantine, raise_pct, reject_test, reject, collect, done */
enum { RS_FIX, RS_QUAR_TEST, RS_QUAR, RS_RAMP, RS_REJ_TEST, RS_REJ, RS_COLLECT, RS_DONE, RS__COUNT };
/* The levels: no_reports (no message in the period), short_history (data
 * over fewer than 14 days), below_threshold (the period's legitimate mail
 * aligned under the threshold), ready, done (p=reject on all mail already) */
enum { RL_NO_REPORTS, RL_SHORT, RL_BELOW, RL_READY, RL_DONE, RL__COUNT };

typedef struct ready_sums {
	int64_t messages;	/* every message of the period */
	int64_t legitimate;	/* DMARC pass + class auth_failure */
	int64_t failing;	/* class auth_failure */
	int64_t days;		/* first to last day with messages in the period; 0 none */
} ready_sums;

typedef struct ready_verdict {
	int level;		/* RL_* */
	int step;		/* RS_*: what to do now */
	int ladder;		/* RS_*: the record's next step (ready_next), RS_DONE at the top */
} ready_verdict;

/* 1 when at least threshold % of legit is aligned (or there is none): a
 * day's rule in ready.c and the period's here */
int ready_aligned_ok(int64_t legit, int64_t failing, double threshold);
/* ready_next's step for rec as an RS_* (RS_DONE at p=reject on all mail);
 * out: the next record (may be NULL) */
int ready_ladder(const char *rec, char *out, size_t len);
/* The decision: below_threshold → fix_senders (at any policy), else done at
 * the top of the ladder, no_reports → collect, short_history → collect, else
 * ready → the ladder's step. */
void ready_judge(int ladder, const ready_sums *s, double threshold, ready_verdict *v);
const char *ready_step_name(int step);
const char *ready_rlevel_name(int level);

#endif
