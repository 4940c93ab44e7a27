/*
 * arf.h - DMARC failure reports (RFC 6591 / RFC 9991 on the Abuse Reporting
 * Format, RFC 5965) parsed with GMime into a model, and the URL helpers the
 * threats screens need.
 *
 * What arf_parse() accepts (one whole e-mail message, capped):
 *   - multipart/report; report-type=feedback-report with a
 *     message/feedback-report part and the sample as message/rfc822 or
 *     text/rfc822-headers (RFC 6591);
 *   - the same parts inside multipart/mixed (Netease), base64-encoded
 *     feedback parts with CRLF inside, CRLF or LF files, an mbox "From " line;
 *   - no ARF part at all (Exim): the text part's "Sender IP Address:" style
 *     lines and the original headers copied into the text.
 * Feedback-Type other than auth-failure (abuse, fraud, ...) is kept as what it
 * is: kind = that type, is_dmarc_failure = 0.
 *
 * The sample is hostile: nothing is executed or rendered.  Text parts are
 * decoded to UTF-8 (GMime); HTML parts are parsed with libxml2's HTML parser
 * (no network) only to take URLs out; attachments are recorded as name,
 * type, size and sha256, never their content.
 *
 * Exports:
 *   arf_limits_default(l)
 *   arf_parse(p, n, lim, &rep, err, errlen)  DM_KERR_* (kind.h); rep owned by
 *       the caller (arf_free).  Needs g_mime_init() (mime_init()) once.
 *   arf_free(rep)
 *   arf_to_json(rep)          a new jansson reference (the canonical model)
 *   arf_identity(rep, key)    duplicate identity (kind.h DM_KIND_KEYLEN)
 *   arf_url_normalise(in, out, outlen)  0, or -1 when in is not a URL
 *   arf_defang(url, out, outlen)        "hxxp://example[.]com/" for display
 *   arf_urls_from_text(text, n, cb, ctx)  the small URL tokenizer
 *   dm_kind_failure (kind.h)
 */
#ifndef DS_ARF_H
#define DS_ARF_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "kind.h"

typedef struct arf_limits {
	size_t max_bytes;	/* the whole message (default 16 MiB) */
	unsigned max_parts;	/* MIME parts in the whole tree (default 1000) */
	unsigned max_depth;	/* nested multiparts/messages (default 8) */
	unsigned max_headers;	/* header fields kept per block (default 300) */
	unsigned max_urls;	/* distinct URLs kept (default 500) */
	unsigned max_attachments;	/* recorded (default 100) */
	size_t max_text;	/* decoded text body kept (default 64 KiB) */
	size_t max_html;	/* HTML bytes given to libxml2 (default 4 MiB) */
	size_t max_value;	/* one header value kept (default 2 KiB) */
} arf_limits;

/* URL flags */
enum {
	ARF_URL_SCRIPT = 1 << 0,	/* javascript:, vbscript: */
	ARF_URL_DATA = 1 << 1,		/* data: */
	ARF_URL_IP_HOST = 1 << 2,	/* the host is an IP literal */
	ARF_URL_USERINFO = 1 << 3,	/* user@ before the host (a disguise) */
	ARF_URL_FROM_HTML = 1 << 4,	/* found in an HTML attribute or text */
	ARF_URL_FROM_TEXT = 1 << 5,	/* found in a text part */
};

/* Attachment flags */
enum {
	ARF_ATT_EXECUTABLE = 1 << 0,	/* .exe .scr .js .vbs .bat ... */
	ARF_ATT_DOUBLE_EXT = 1 << 1,	/* invoice.pdf.exe */
};

typedef struct arf_url {
	char *url;		/* normalised */
	char *host;		/* lower case, or NULL (javascript:, mailto:) */
	char *regdom;		/* registered domain (libpsl), or NULL */
	unsigned count;		/* occurrences in this report */
	unsigned flags;		/* ARF_URL_* */
} arf_url;

typedef struct arf_attachment {
	char *name;		/* decoded file name, or NULL */
	char *content_type;	/* lower case */
	uint64_t size;		/* decoded bytes */
	char sha256[65];
	unsigned flags;		/* ARF_ATT_* */
} arf_attachment;

typedef struct arf_header {
	char *name;
	char *value;		/* unfolded, RFC 2047 decoded, capped */
} arf_header;

enum { ARF_SAMPLE_NONE, ARF_SAMPLE_MESSAGE, ARF_SAMPLE_HEADERS, ARF_SAMPLE_TEXT };

typedef struct arf_report {
	/* what it is */
	char *kind;		/* Feedback-Type, lower case; "auth-failure" when no ARF part */
	int is_dmarc_failure;	/* auth-failure (or no ARF part but a DMARC text) */
	int has_arf_part;
	/* the report message */
	char *reporter;		/* From address of the report, lower case */
	char *report_subject;
	char *report_date;	/* ISO 8601 UTC, or NULL */
	char *report_message_id;
	/* message/feedback-report fields (NULL when absent) */
	char *feedback_type, *version, *user_agent, *auth_failure, *identity_alignment;
	char *reported_domain, *source_ip, *arrival_date_raw, *original_mail_from;
	char *original_rcpt_to;	/* several fields joined with ", " */
	char *reporting_mta, *delivery_result, *authentication_results;
	char *original_envelope_id, *feedback_message_id;
	char *dkim_domain, *dkim_identity, *dkim_selector, *dkim_canon_header, *dkim_canon_body;
	char *spf_dns;
	int64_t arrival_time;	/* Unix time of Arrival-Date (or the sample's Date), or -1 */
	const char *source_ip_from;	/* "feedback-report" | "text" | "received" | NULL */
	/* the sample */
	int sample_kind;	/* ARF_SAMPLE_* */
	char *s_from, *s_to, *s_subject, *s_date, *s_message_id, *s_return_path;
	arf_header *headers;	/* the sample's header block, in order */
	unsigned nheaders;
	char *text_body;	/* the sample's decoded text/plain (capped), or NULL */
	int text_truncated;
	/* found */
	arf_url *urls;
	unsigned nurls;
	unsigned urls_dropped;	/* past max_urls */
	arf_attachment *atts;
	unsigned natts;
	unsigned atts_dropped;	/* past max_attachments */
	unsigned parts;		/* MIME parts seen */
	unsigned flags;		/* ARF_F_* */
	char **warnings;
	unsigned nwarnings;
	char bytes_sha256[65];	/* of the whole input */
} arf_report;

/* Report flags: what a reader must be warned about. */
enum {
	ARF_F_HTML = 1 << 0,		/* the sample has an HTML part */
	ARF_F_HTML_SCRIPT = 1 << 1,	/* <script> elements */
	ARF_F_HTML_EVENT = 1 << 2,	/* on*= attributes (onerror=...) */
	ARF_F_SCRIPT_URL = 1 << 3,	/* javascript:/vbscript: URLs */
	ARF_F_EXECUTABLE = 1 << 4,	/* an executable attachment */
	ARF_F_MARKUP_IN_HEADERS = 1 << 5,	/* '<' + letter in Subject/From */
};

void arf_limits_default(arf_limits *l);
int arf_parse(const unsigned char *p, size_t n, const arf_limits *lim, arf_report **out,
    char *err, size_t errlen);
void arf_free(arf_report *r);
json_t *arf_to_json(const arf_report *r);
void arf_identity(const arf_report *r, char key[DM_KIND_KEYLEN]);

int arf_url_normalise(const char *in, char *out, size_t outlen);
int arf_defang(const char *url, char *out, size_t outlen);
typedef void (*arf_url_cb)(void *ctx, const char *url, size_t len);
void arf_urls_from_text(const char *text, size_t n, arf_url_cb cb, void *ctx);

#endif
