/*
 * kinds.h - the registry of report kinds (kind.h): aggregate first, then
 * every kind listed in kinds.def, in that order (the sniff tie order).
 *
 * The aggregate kind is the streaming expat parser of agg_parse.h behind the
 * dm_kind stream_* calls: stream_new's handler argument is a dm_agg_stream
 * (the record callbacks, the limits and the strict/recovery mode), since the
 * parser's callbacks and its retry mode are the pipeline's.
 *
 * Scope: a kind that takes a whole e-mail message (failure) is offered the
 * message before its parts are walked (docs/REPORT-KINDS.md "The
 * pipeline"); the others are offered documents (attachments, files).
 *
 * Exports: dm_kind_aggregate, dm_agg_stream, dm_kinds[], dm_nkinds,
 * dm_kind_by_id(), dm_kind_takes_message(), DM_KIND_SCOPE_*.
 */
#ifndef DS_KINDS_H
#define DS_KINDS_H

#include <stddef.h>

#include "agg_parse.h"
#include "kind.h"

enum { DM_KIND_SCOPE_DOCUMENT = 1, DM_KIND_SCOPE_MESSAGE = 2 };

typedef struct dm_agg_stream {
	agg_handler h;
	const agg_limits *lim;
	int mode;		/* AGG_MODE_* */
} dm_agg_stream;

extern const dm_kind dm_kind_aggregate;

extern const dm_kind *const dm_kinds[];
extern const size_t dm_nkinds;

/* The registered kind with this DM_KIND_* id, or NULL. */
const dm_kind *dm_kind_by_id(int id);
/* Does the kind take a whole e-mail message (DM_KIND_SCOPE_MESSAGE)? */
int dm_kind_takes_message(const dm_kind *k);

#endif
