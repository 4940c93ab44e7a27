/*
 * mime.h - walk an RFC 5322/MIME message with GMime and hand every leaf
 * part's decoded bytes to a callback.
 *
 * Multiparts are walked in order; message/rfc822 parts (forwarded reports)
 * are entered up to max_depth levels.  Base64, quoted-printable and 7bit are
 * decoded by GMime; RFC 2047/2231 names are decoded by GMime.
 *
 * Exports:
 *   mime_init()                               once, before any thread starts
 *   mime_walk(msg, len, max_depth, max_part, cb, ctx, info, err, errlen)
 *       0 when the message was walked (cb may still have found nothing),
 *       -1 when it is not a parseable message (err says why).  A part whose
 *       decoded size exceeds max_part is reported to cb with data == NULL.
 *       cb returns 0 to continue, non-zero to stop the walk.
 *   info (filled when non-NULL): the top-level content type and, for
 *       multipart/report, its report-type; the Subject.  Strings are owned by
 *       the caller (mime_info_free).  mime_walk never walks the parts of a
 *       multipart/report (a DSN, a failure report: not attachments).
 *   mime_message_id(msg, len, buf, buflen)   the Message-ID header, or ""
 *   mime_walk_top(msg, len, max_depth, max_part, top, cb, ctx, info, err, errlen)
 *       the same, but top(ctx, info) decides after the top level is parsed
 *       and before any part is walked: MIME_WALK, MIME_NO_WALK, or < 0 to
 *       stop (mime_walk_top then still returns 0).  info must not be NULL.
 */
#ifndef DS_MIME_H
#define DS_MIME_H

#include <stddef.h>

typedef struct mime_part {
	const char *content_type;	/* lower-case "type/subtype" */
	const char *filename;		/* or NULL */
	int depth;			/* message/rfc822 nesting level, 0 = top */
	int index;			/* leaf number in walk order, from 0 */
	int is_text;			/* text/ * (a human-readable body, probably) */
} mime_part;

typedef struct mime_info {
	char *content_type;
	char *report_type;
	char *subject;
	int parts;
} mime_info;

typedef int (*mime_cb)(void *ctx, const mime_part *part, const unsigned char *data,
    size_t len);

/* top's answers */
enum { MIME_WALK = 0, MIME_NO_WALK = 1 };
typedef int (*mime_top_cb)(void *ctx, const mime_info *info);

void mime_init(void);
int mime_walk_top(const unsigned char *msg, size_t len, int max_depth, size_t max_part,
    mime_top_cb top, mime_cb cb, void *ctx, mime_info *info, char *err, size_t errlen);
int mime_walk(const unsigned char *msg, size_t len, int max_depth, size_t max_part,
    mime_cb cb, void *ctx, mime_info *info, char *err, size_t errlen);
void mime_info_free(mime_info *info);
/* The Message-ID of a message (without <>, control characters dropped), ""
 * when it has none or is no message; at most buflen - 1 bytes. */
void mime_message_id(const unsigned char *msg, size_t len, char *buf, size_t buflen);
/* Does this buffer start like an RFC 5322 message (a header field line)? */
int mime_looks_like_message(const unsigned char *p, size_t n);

#endif
