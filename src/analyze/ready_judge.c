/*
 * ready_judge.c - readiness's decision from a period's sums (ready.h; issue
 * 19): pure functions, no I/O.  The domains overview (src/store/
 * web_overview.c) calls them with the sums it has in memory for every domain
 * (the rollups' period sums and domain_summary's policy) and ready.c with
 * the same sums of its days (`verdict` in `readiness --json`), so the
 * overview's next step and the readiness screen's agree for a period.
 *
 * The rule: legitimate mail (DMARC pass + class auth_failure) aligned under
 * the threshold (99.5 %, the day rule of ready.c applied to the period)
 * means fix the senders first, at any policy (at p=reject that mail is being
 * rejected); else a record at p=reject on all mail is done; a period without
 * messages says nothing (collect); data over fewer than 14 days means
 * collect; else the record's next step (ready_next: quarantine_test,
 * quarantine, reject_test, reject, raise_pct).
 *
 * Exports: ready_aligned_ok, ready_ladder, ready_judge, ready_step_name,
 * ready_rlevel_name.  Errors: none (an unknown index names "?").
 */
#include <string.h>

#include "ready.h"

static const char *const step_names[RS__COUNT] = {
	[RS_FIX] = "fix_senders", [RS_QUAR_TEST] = "quarantine_test", [RS_QUAR] = "quarantine",
	[RS_RAMP] = "raise_pct", [RS_REJ_TEST] = "reject_test", [RS_REJ] = "reject",
	[RS_COLLECT] = "collect", [RS_DONE] = "done",
};
static const char *const level_names[RL__COUNT] = {
	[RL_NO_REPORTS] = "no_reports", [RL_SHORT] = "short_history", [RL_BELOW] = "below_threshold",
	[RL_READY] = "ready", [RL_DONE] = "done",
};

const char *
ready_step_name(int step)
{
	return step >= 0 && step < RS__COUNT ? step_names[step] : "?";
}

const char *
ready_rlevel_name(int level)
{
	return level >= 0 && level < RL__COUNT ? level_names[level] : "?";
}

int
ready_aligned_ok(int64_t legit, int64_t failing, double threshold)
{
	return legit <= 0 || 100.0 * (double)(legit - failing) >= threshold * (double)legit;
}

int
ready_ladder(const char *rec, char *out, size_t len)
{
	char buf[4096];
	const char *step = "done";

	ready_next(rec, out != NULL ? out : buf, out != NULL ? len : sizeof(buf), &step);
	for (int i = 0; i < RS__COUNT; i++)
		if (strcmp(step, step_names[i]) == 0)
			return i;
	return RS_DONE;
}

void
ready_judge(int ladder, const ready_sums *s, double threshold, ready_verdict *v)
{
	v->ladder = ladder;
	if (s->messages > 0 && !ready_aligned_ok(s->legitimate, s->failing, threshold)) {
		/* at p=reject too: its failing legitimate mail is being rejected */
		v->level = RL_BELOW;
		v->step = RS_FIX;
	} else if (ladder == RS_DONE) {
		v->level = RL_DONE;
		v->step = RS_DONE;
	} else if (s->messages <= 0) {
		v->level = RL_NO_REPORTS;
		v->step = RS_COLLECT;
	} else if (s->days < READY_DAYS_NEEDED) {
		v->level = RL_SHORT;
		v->step = RS_COLLECT;
	} else {
		v->level = RL_READY;
		v->step = ladder;
	}
}
