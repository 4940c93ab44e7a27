/*
 * kinds.c - the registry of report kinds (see kinds.h) and the aggregate
 * kind's descriptor: agg_parse.h behind the streaming half of dm_kind, with
 * no change to what it does (the pipeline feeds it exactly as before).
 *
 * Exports: dm_kind_aggregate, dm_kinds, dm_nkinds, dm_kind_by_id,
 * dm_kind_takes_message.
 */
#include <stdio.h>
#include <string.h>

#include "kinds.h"
#include "report.h"

#define DM_KIND_ENTRY(name, id, scope) extern const dm_kind dm_kind_##name;
#include "kinds.def"
#undef DM_KIND_ENTRY

/* ---- the aggregate kind ---------------------------------------------------- */

static int
a_sniff(const dm_sniff_in *in)
{
	const unsigned char *p = in->head;
	size_t n = in->headlen, i = 0;

	if (in->is_message || p == NULL || n == 0)
		return DM_SNIFF_NO;
	if (n >= 2 && ((p[0] == 0xff && p[1] == 0xfe) || (p[0] == 0xfe && p[1] == 0xff)))
		return DM_SNIFF_LIKELY;		/* UTF-16 */
	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		i = 3;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	return i < n && p[i] == '<' ? DM_SNIFF_LIKELY : DM_SNIFF_NO;
}

static void *
a_new(void *handler, const dm_kind_limits *lim)
{
	const dm_agg_stream *a = handler;

	(void)lim;		/* the aggregate caps are agg_limits (a->lim) */
	return agg_new(&a->h, a->lim, a->mode);
}

static int
a_feed(void *st, const void *p, size_t n)
{
	return agg_feed(st, p, n) == AGG_OK ? DM_KERR_OK : DM_KERR_SYNTAX;
}

static int
a_finish(void *st, char *err, size_t errlen)
{
	int rc = agg_finish(st);

	if (rc == AGG_OK || rc == AGG_STOPPED)
		return DM_KERR_OK;
	snprintf(err, errlen, "%s", agg_error(st));
	if (rc == AGG_ERR_SYNTAX)
		return DM_KERR_SYNTAX;
	return rc == AGG_ERR_NOT_REPORT ? DM_KERR_NOT_REPORT : DM_KERR_LIMIT;
}

static void
a_free(void *st)
{
	agg_free(st);
}

const dm_kind dm_kind_aggregate = {
	.name = "aggregate",
	.id = DM_KIND_AGGREGATE,
	.sniff = a_sniff,
	.stream_new = a_new,
	.stream_feed = a_feed,
	.stream_finish = a_finish,
	.stream_free = a_free,
};

/* ---- the registry ----------------------------------------------------------- */

const dm_kind *const dm_kinds[] = {
	&dm_kind_aggregate,
#define DM_KIND_ENTRY(name, id, scope) &dm_kind_##name,
#include "kinds.def"
#undef DM_KIND_ENTRY
};
const size_t dm_nkinds = sizeof(dm_kinds) / sizeof(dm_kinds[0]);

const dm_kind *
dm_kind_by_id(int id)
{
	for (size_t i = 0; i < dm_nkinds; i++)
		if (dm_kinds[i]->id == id)
			return dm_kinds[i];
	return NULL;
}

int
dm_kind_takes_message(const dm_kind *k)
{
#define DM_KIND_ENTRY(name, id, scope) \
	if (k == &dm_kind_##name) \
		return ((scope) & DM_KIND_SCOPE_MESSAGE) != 0;
#include "kinds.def"
#undef DM_KIND_ENTRY
	return 0;
}
