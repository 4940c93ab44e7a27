/*
 * agg_core.h - private to agg_parse.c and agg_recover.c: the parser state and
 * the three events (start, text, end) both XML drivers feed.  Not for other
 * modules.
 */
#ifndef DS_AGG_CORE_H
#define DS_AGG_CORE_H

#include "agg_parse.h"
#include "../util/arena.h"
#include "../util/dbuf.h"
#include "../util/utf8fix.h"

#define AGG_MAX_STACK 64

enum { AGG_UTF8 = 0, AGG_UTF16LE = 1, AGG_UTF16BE = 2 };	/* agg_parser.utf16 */

struct agg_parser {
	agg_handler h;
	agg_limits lim;
	int mode;
	void *xml;		/* XML_Parser or xmlParserCtxtPtr */
	int xml_started;
	utf8fix fix;
	int utf16;		/* AGG_UTF16LE/BE: skip the repair filter (see feed()) */
	int enc_known;		/* the encoding check at the start is done */
	unsigned char head[4];	/* the first bytes, held until then */
	size_t nhead;
	/* recovery mode, UTF-16 input: converted to UTF-8 (agg_recover.c) */
	unsigned char u16odd;	/* first byte of a code unit cut by a chunk */
	int has_u16odd;
	unsigned u16high;	/* high surrogate waiting for its low half, or 0 */

	int stack[AGG_MAX_STACK];
	char names[AGG_MAX_STACK][40];	/* local names, for recovery-mode end matching */
	int depth;
	int skip_depth;		/* >0: inside an unknown element subtree */
	int seen_root;
	int in_first_policy;	/* collecting the first <policy_published> */
	int header_sent;
	int finished;		/* </feedback> seen */
	int eof_done;		/* agg_core_eof succeeded: ignore any later input */
	int stop;		/* AGG_* error or AGG_STOPPED decided by the core */
	char err[256];

	dbuf text;
	int text_truncated;

	dm_report rep;
	dm_record rec;
	arena rec_arena;
	int rec_bad;		/* record already judged unusable */
	char rec_problem[200];
	uint64_t rec_index;
	int have_count;
	int rec_rows, rec_evaluated;	/* <row> and <policy_evaluated> seen */
	/* current auth / reason item being filled */
	dm_dkim *cur_dkim;
	dm_spf *cur_spf;
	dm_reason *cur_reason;
	/* scratch for other policy_published copies */
	dm_policy extra_policy;
	/* Records that came before <policy_published> (or before the report's
	 * identity): held, strings in held_arena, until the header can be sent
	 * (agg_core.c, hold_record/release_held).  Capped by AGG_MAX_HELD and
	 * the arena's size. */
	struct agg_held *held;
	size_t nheld, held_cap;
	arena held_arena;
};

#define AGG_MAX_HELD 100000		/* records held before <policy_published> */
#define AGG_HELD_BYTES (64u << 20)	/* their strings */

/* agg_core.c: frees the held records (agg_free). */
void agg_core_free_held(agg_parser *p);

void agg_core_start(agg_parser *p, const char *name, const char **attrs);
void agg_core_text(agg_parser *p, const char *s, size_t n);
void agg_core_end(agg_parser *p, const char *name);
/* Called by the drivers at end of input; returns the final AGG_* code. */
int agg_core_eof(agg_parser *p, int syntax_ok, const char *syntax_err);
void agg_core_fail(agg_parser *p, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Driver entry points for libxml2 recovery mode (agg_recover.c). */
int agg_recover_feed(agg_parser *p, const char *buf, size_t n, int final);
void agg_recover_free(agg_parser *p);

#endif
