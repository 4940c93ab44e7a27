/*
 * unpack.c - see unpack.h.  gzip through zlib (inflate with gzip window bits,
 * member by member), zip through libzip (from memory), MIME through mime.c.
 */
#include "unpack.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>
#include <zlib.h>

#include "mime.h"
#include "../util/dbuf.h"
#include "../util/log.h"

#define IO_CHUNK (256 * 1024)
#define RATIO_FLOOR (1024 * 1024)

void
unpack_limits_default(unpack_limits *l)
{
	l->max_output = (uint64_t)512 << 20;
	l->max_ratio = 1000;
	l->max_entries = 64;
	l->max_message = (size_t)64 << 20;
	l->max_depth = 5;
}

int
unpack_sniff(const unsigned char *p, size_t n)
{
	size_t i = 0;

	if (n == 0)
		return FMT_EMPTY;
	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return FMT_GZIP;
	if (n >= 4 && p[0] == 'P' && p[1] == 'K' && p[2] == 3 && p[3] == 4)
		return FMT_ZIP;
	if (n >= 2 && ((p[0] == 0xff && p[1] == 0xfe) || (p[0] == 0xfe && p[1] == 0xff)))
		return FMT_XML;
	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		i = 3;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	if (i == n)
		return FMT_EMPTY;
	if (p[i] == '<')
		return FMT_XML;
	if (p[i] == '{' || p[i] == '[')
		return FMT_JSON;
	if (i == 0 && mime_looks_like_message(p, n))
		return FMT_EMAIL;
	return FMT_UNKNOWN;
}

const char *
unpack_fmt_name(int fmt)
{
	static const char *n[] = { "empty", "XML", "gzip", "zip", "e-mail", "JSON", "unknown" };

	return fmt >= 0 && fmt <= FMT_UNKNOWN ? n[fmt] : "unknown";
}

/* "first bytes: 'unused'" for refusals; printable only. */
static void
first_bytes(const unsigned char *p, size_t n, char *out, size_t outlen)
{
	size_t j = 0;

	for (size_t i = 0; i < n && i < 16 && j + 5 < outlen; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\'')
			out[j++] = (char)p[i];
		else
			j += (size_t)snprintf(out + j, outlen - j, "\\x%02x", p[i]);
	}
	out[j < outlen ? j : outlen - 1] = '\0';
}

static int
refuse(unpack *u, const char *name, const char *reason, int ignorable)
{
	if (u->sink->refuse != NULL && u->sink->refuse(u->sink->ctx, name, reason, ignorable))
		u->stopped = 1;
	return u->stopped ? -1 : 0;
}

/* Account for decompressed output; returns an error string or NULL. */
static const char *
account(unpack *u, uint64_t in, uint64_t out_doc, size_t add, char *buf, size_t buflen)
{
	u->out_total += add;
	if (u->out_total > u->lim.max_output) {
		snprintf(buf, buflen, "decompressed size exceeds the limit of %llu bytes "
		    "(--max-decompressed)", (unsigned long long)u->lim.max_output);
		return buf;
	}
	if (out_doc > RATIO_FLOOR && in > 0 && out_doc / in > u->lim.max_ratio) {
		snprintf(buf, buflen, "compression ratio over %u:1 (a decompression bomb?) "
		    "(--max-ratio)", u->lim.max_ratio);
		return buf;
	}
	return NULL;
}

/* ---- documents: begin/data/end with the sink ---------------------------- */

static int
doc_begin(unpack *u, const char *name, const char *ctype, int text, int in_mime)
{
	unpack_doc d = { name, ctype, text, in_mime, in_mime ? u->report_type : NULL };

	if (u->sink->begin(u->sink->ctx, &d) != 0)
		u->stopped = 1;
	return u->stopped ? -1 : 0;
}

static int
doc_data(unpack *u, const void *p, size_t n)
{
	if (n > 0 && u->sink->data(u->sink->ctx, p, n) != 0)
		u->stopped = 1;
	return u->stopped ? -1 : 0;
}

static int
doc_end(unpack *u, const char *error)
{
	if (u->sink->end(u->sink->ctx, error) != 0)
		u->stopped = 1;
	return u->stopped ? -1 : 0;
}

/* ---- gzip ---------------------------------------------------------------- */

typedef struct gz {
	z_stream z;
	int started, in_member, done, trailing;
	uint64_t in, out;
	uint64_t member_in, member_out;	/* of the member being inflated */
	char err[200];
	const char *error;
} gz;

static void
gz_init(gz *g)
{
	memset(g, 0, sizeof(*g));
}

/* Feed compressed bytes; decompressed output goes to the current document. */
static int
gz_feed(unpack *u, gz *g, const unsigned char *p, size_t n)
{
	unsigned char out[IO_CHUNK];

	/* g->in counts the compressed bytes inflate has consumed, never the
	 * bytes merely handed over: the ratio is then the same whether the
	 * input comes whole (a small file, a retry) or in chunks (a stream). */
	while (n > 0 && !g->done && g->error == NULL) {
		int rc;

		if (!g->in_member) {
			/* Between members: another member, or trailing bytes. */
			if (p[0] != 0x1f || (n >= 2 && p[1] != 0x8b)) {
				g->trailing = 1;
				g->done = 1;
				break;
			}
			if (!g->started) {
				if (inflateInit2(&g->z, 16 + MAX_WBITS) != Z_OK)
					fatalx("zlib: inflateInit2 failed");
				g->started = 1;
			} else
				inflateReset(&g->z);
			g->in_member = 1;
			g->member_in = g->member_out = 0;
		}
		g->z.next_in = (unsigned char *)p;
		g->z.avail_in = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
		do {
			const char *lim;
			size_t got;

			g->z.next_out = out;
			g->z.avail_out = sizeof(out);
			rc = inflate(&g->z, Z_NO_FLUSH);
			got = sizeof(out) - g->z.avail_out;
			if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
				snprintf(g->err, sizeof(g->err), "corrupt gzip data: %s",
				    g->z.msg ? g->z.msg : "inflate error");
				g->error = g->err;
				return 0;
			}
			g->out += got;
			g->member_out += got;
			lim = account(u, g->in + (uint64_t)(g->z.next_in - p), g->out, got, g->err,
			    sizeof(g->err));
			if (lim != NULL) {
				g->error = lim;
				return 0;
			}
			if (doc_data(u, out, got) != 0)
				return -1;
			if (rc == Z_STREAM_END) {
				g->in_member = 0;
				break;
			}
		} while (g->z.avail_out == 0 || (g->z.avail_in > 0 && rc != Z_BUF_ERROR));
		{
			size_t used = (size_t)(g->z.next_in - p);

			g->in += used;
			g->member_in += used;
			p += used;
			n -= used;
		}
		if (rc == Z_BUF_ERROR && n > 0 && g->z.avail_in > 0)
			break;
	}
	return 0;
}

static const char *
gz_finish(gz *g)
{
	if (g->error == NULL && g->in_member && g->member_out == 0 && g->member_in < 10 &&
	    g->out > 0) {
		/* Fewer bytes than a gzip header after a complete member: stray
		 * trailing bytes, as RFC 1952 readers ignore them. */
		g->in_member = 0;
		g->trailing = 1;
	}
	if (g->error == NULL && g->in_member) {
		snprintf(g->err, sizeof(g->err), "truncated gzip data (the stream ends early)");
		g->error = g->err;
	}
	if (g->error == NULL && !g->started) {
		snprintf(g->err, sizeof(g->err), "empty gzip data");
		g->error = g->err;
	}
	if (g->started)
		inflateEnd(&g->z);
	return g->error;
}

/* Does this gzip data hold an e-mail message (a failure report sent as
 * file.eml.gz)?  Only the first bytes are inflated. */
static int
gz_holds_email(const unsigned char *p, size_t n)
{
	unsigned char out[512];
	z_stream z;
	int fmt;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return 0;
	z.next_in = (unsigned char *)p;
	z.avail_in = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
	z.next_out = out;
	z.avail_out = sizeof(out);
	(void)inflate(&z, Z_NO_FLUSH);
	fmt = unpack_sniff(out, sizeof(out) - z.avail_out);
	inflateEnd(&z);
	return fmt == FMT_EMAIL;
}

/* The whole gzip data inflated into out (capped by max_message and the
 * output and ratio limits); NULL, or the reason it was refused. */
static const char *
gz_inflate_all(unpack *u, const unsigned char *p, size_t n, dbuf *out, char *err,
    size_t errlen)
{
	unsigned char buf[IO_CHUNK / 4];
	z_stream z;
	int rc = Z_OK;
	const char *lim = NULL;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		fatalx("zlib: inflateInit2 failed");
	z.next_in = (unsigned char *)p;
	z.avail_in = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
	while (rc != Z_STREAM_END && lim == NULL) {
		size_t got;

		z.next_out = buf;
		z.avail_out = sizeof(buf);
		rc = inflate(&z, Z_NO_FLUSH);
		got = sizeof(buf) - z.avail_out;
		if (rc != Z_OK && rc != Z_STREAM_END) {
			snprintf(err, errlen, "%s", rc == Z_BUF_ERROR ? "truncated gzip data (the "
			    "stream ends early)" : "corrupt gzip data");
			lim = err;
			break;
		}
		lim = account(u, z.total_in, z.total_out, got, err, errlen);
		if (lim == NULL && dbuf_add(out, buf, got) != DBUF_OK) {
			snprintf(err, errlen, "e-mail message larger than the message size limit of "
			    "%zu bytes (--max-message)", u->lim.max_message);
			lim = err;
		}
	}
	inflateEnd(&z);
	return lim;
}

/* ---- zip (from memory) --------------------------------------------------- */

static int unpack_depth(unpack *u, const char *name, const unsigned char *p, size_t n,
    int depth, const char *ctype, int text, int in_mime);

static int
unpack_zip(unpack *u, const char *name, const unsigned char *p, size_t n, int depth,
    int in_mime)
{
	zip_error_t ze;
	zip_source_t *src;
	zip_t *z;
	zip_int64_t entries;
	int found = 0;
	char reason[256];

	zip_error_init(&ze);
	src = zip_source_buffer_create(p, n, 0, &ze);
	if (src == NULL)
		fatalx("libzip: %s", zip_error_strerror(&ze));
	/* No ZIP_CHECKCONS: it refuses valid archives that unzip and Python
	 * read (a data descriptor after the data, CRC 0 in the local header).
	 * libzip still checks each entry's CRC over its data as it is read. */
	z = zip_open_from_source(src, ZIP_RDONLY, &ze);
	if (z == NULL) {
		snprintf(reason, sizeof(reason), "corrupt or truncated zip archive: %s",
		    zip_error_strerror(&ze));
		zip_source_free(src);
		zip_error_fini(&ze);
		return refuse(u, name, reason, 0);
	}
	entries = zip_get_num_entries(z, 0);
	if (entries < 0 || (zip_uint64_t)entries > u->lim.max_entries) {
		snprintf(reason, sizeof(reason), "zip archive has %lld entries (limit %u)",
		    (long long)entries, u->lim.max_entries);
		zip_close(z);
		zip_error_fini(&ze);
		return refuse(u, name, reason, 0);
	}
	for (zip_int64_t i = 0; i < entries && !u->stopped; i++) {
		zip_stat_t zs;
		zip_file_t *f;
		char dname[512];
		unsigned char *buf;
		size_t have = 0;
		zip_int64_t r;
		const char *err = NULL;

		zip_stat_init(&zs);
		if (zip_stat_index(z, (zip_uint64_t)i, 0, &zs) != 0)
			continue;
		if (zs.name != NULL && zs.name[0] != '\0' && zs.name[strlen(zs.name) - 1] == '/')
			continue;	/* directory */
		snprintf(dname, sizeof(dname), "%s!%s", name, zs.name ? zs.name : "?");
		if ((zs.valid & ZIP_STAT_SIZE) && zs.size > u->lim.max_output - u->out_total) {
			snprintf(reason, sizeof(reason), "zip entry of %llu bytes exceeds the "
			    "decompressed size limit of %llu bytes (--max-decompressed)",
			    (unsigned long long)zs.size, (unsigned long long)u->lim.max_output);
			refuse(u, dname, reason, 0);
			found++;
			continue;
		}
		f = zip_fopen_index(z, (zip_uint64_t)i, 0);
		if (f == NULL) {
			snprintf(reason, sizeof(reason), "cannot read zip entry: %s",
			    zip_strerror(z));
			refuse(u, dname, reason, 0);
			found++;
			continue;
		}
		/* Entries are small reports; read fully (capped) so that a nested
		 * container (gzip in zip) is sniffed like any other input.  The
		 * header's size is not trusted: the buffer never grows past what
		 * the decompressed size limit leaves, plus one byte to see it
		 * exceeded. */
		buf = xmalloc(IO_CHUNK);
		{
			size_t cap = IO_CHUNK;

			while ((r = zip_fread(f, buf + have, cap - have)) > 0) {
				have += (size_t)r;
				err = account(u, n, have, (size_t)r, reason, sizeof(reason));
				if (err != NULL)
					break;
				if (have == cap) {
					uint64_t left = u->lim.max_output - u->out_total + 1;

					cap += left < cap ? (size_t)left : cap;
					buf = xrealloc(buf, cap);
				}
			}
			if (r < 0 && err == NULL) {
				snprintf(reason, sizeof(reason), "corrupt zip entry: %s",
				    zip_file_strerror(f));
				err = reason;
			}
		}
		zip_fclose(f);
		found++;
		if (err != NULL)
			refuse(u, dname, err, 0);
		else
			unpack_depth(u, dname, buf, have, depth + 1, NULL, 0, in_mime);
		free(buf);
	}
	zip_close(z);
	zip_error_fini(&ze);
	if (found == 0 && !u->stopped)
		return refuse(u, name, "zip archive holds no file", 0);
	return u->stopped ? -1 : 0;
}

/* ---- e-mail ------------------------------------------------------------- */

struct mime_ctx {
	unpack *u;
	const char *name;
	int depth;
	const unsigned char *p;
	size_t n;
	int decision;		/* UNPACK_MSG_* */
};

static int
mime_part_cb(void *ctx, const mime_part *part, const unsigned char *data, size_t len)
{
	struct mime_ctx *m = ctx;
	char pname[512];

	if (part->filename != NULL)
		snprintf(pname, sizeof(pname), "%s part %d (%s)", m->name, part->index + 1,
		    part->filename);
	else
		snprintf(pname, sizeof(pname), "%s part %d (%s)", m->name, part->index + 1,
		    part->content_type);
	if (data == NULL) {
		char reason[200];

		snprintf(reason, sizeof(reason), "MIME part of %zu bytes exceeds the message "
		    "size limit (--max-message)", len);
		return refuse(m->u, pname, reason, 0);
	}
	return unpack_depth(m->u, pname, data, len, m->depth + 1, part->content_type,
	    part->is_text, 1);
}

/* The top level is parsed: the sink decides whether the parts are walked. */
static int
mime_top(void *ctx, const mime_info *info)
{
	struct mime_ctx *m = ctx;
	unpack_email_facts f = { info->content_type, info->report_type, info->subject };
	int d;

	if (m->u->sink->message == NULL) {
		m->decision = info->report_type != NULL ? UNPACK_MSG_SKIP : UNPACK_MSG_WALK;
		return m->decision == UNPACK_MSG_WALK ? MIME_WALK : MIME_NO_WALK;
	}
	d = m->u->sink->message(m->u->sink->ctx, m->name, m->p, m->n, &f);
	if (d < 0) {
		m->u->stopped = 1;
		return MIME_NO_WALK;
	}
	m->decision = d;
	if (d == UNPACK_MSG_WALK)
		m->u->report_type = info->report_type;
	else
		m->u->report_type = NULL;
	return d == UNPACK_MSG_WALK || d == UNPACK_MSG_WALK_PLAIN ? MIME_WALK : MIME_NO_WALK;
}

static int
unpack_email(unpack *u, const char *name, const unsigned char *p, size_t n, int depth)
{
	struct mime_ctx m = { u, name, depth, p, n, UNPACK_MSG_WALK };
	const char *outer = u->report_type;
	mime_info info;
	char err[200];

	if (mime_walk_top(p, n, u->lim.max_depth - depth, u->lim.max_message, mime_top,
	    mime_part_cb, &m, &info, err, sizeof(err)) != 0)
		return refuse(u, name, err, 0);
	u->report_type = outer;
	if (!u->stopped && u->sink->email != NULL && (u->sink->message == NULL ||
	    m.decision == UNPACK_MSG_SKIP) && u->sink->email(u->sink->ctx, info.content_type,
	    info.report_type, info.subject) != 0)
		u->stopped = 1;
	mime_info_free(&info);
	return u->stopped ? -1 : 0;
}

/* ---- dispatch ------------------------------------------------------------ */

static int
unpack_depth(unpack *u, const char *name, const unsigned char *p, size_t n, int depth,
    const char *ctype, int text, int in_mime)
{
	int fmt = unpack_sniff(p, n);
	char reason[256], fb[80];

	if (u->stopped)
		return -1;
	if (depth > u->lim.max_depth) {
		snprintf(reason, sizeof(reason), "containers nested deeper than %d levels",
		    u->lim.max_depth);
		return refuse(u, name, reason, 0);
	}
	switch (fmt) {
	case FMT_EMPTY:
		return refuse(u, name, n == 0 ? "empty input" : "input holds only whitespace",
		    in_mime);
	case FMT_XML:
	case FMT_JSON:
		if (doc_begin(u, name, ctype, text, in_mime) != 0 || doc_data(u, p, n) != 0)
			return -1;
		return doc_end(u, NULL);
	case FMT_GZIP: {
		gz g;
		const char *err;

		if (gz_holds_email(p, n)) {
			dbuf m;
			int rc;

			dbuf_init(&m, u->lim.max_message);
			err = gz_inflate_all(u, p, n, &m, reason, sizeof(reason));
			if (err != NULL)
				rc = refuse(u, name, err, 0);
			else
				rc = unpack_email(u, name, (const unsigned char *)m.data, m.len,
				    depth + 1);
			dbuf_free(&m);
			return rc;
		}
		gz_init(&g);
		if (doc_begin(u, name, ctype, 0, in_mime) != 0)
			return -1;
		if (gz_feed(u, &g, p, n) != 0) {
			gz_finish(&g);
			return -1;
		}
		err = gz_finish(&g);
		return doc_end(u, err);
	}
	case FMT_ZIP:
		return unpack_zip(u, name, p, n, depth, in_mime);
	case FMT_EMAIL:
		if (in_mime && text)
			return refuse(u, name, "a human-readable text part", 1);
		return unpack_email(u, name, p, n, depth);
	default:
		first_bytes(p, n, fb, sizeof(fb));
		if (in_mime) {
			snprintf(reason, sizeof(reason), "not a report (%s, first bytes '%s')",
			    ctype != NULL ? ctype : "?", fb);
			return refuse(u, name, reason, 1);
		}
		snprintf(reason, sizeof(reason), "unrecognised format (first bytes '%s'): not "
		    "XML, gzip, zip or an e-mail", fb);
		return refuse(u, name, reason, 0);
	}
}

int
unpack_mem(unpack *u, const char *name, const unsigned char *p, size_t n)
{
	u->out_total = 0;
	u->stopped = 0;
	u->report_type = NULL;
	unpack_depth(u, name, p, n, 0, NULL, 0, 0);
	return u->stopped ? -1 : 0;
}

static ssize_t
read_full(int fd, unsigned char *buf, size_t n)
{
	size_t have = 0;

	while (have < n) {
		ssize_t r = read(fd, buf + have, n - have);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		have += (size_t)r;
	}
	return (ssize_t)have;
}

int
unpack_fd(unpack *u, const char *name, int fd)
{
	unsigned char *buf = xmalloc(IO_CHUNK);
	ssize_t n;
	int fmt;
	char reason[256];

	u->out_total = 0;
	u->stopped = 0;
	u->report_type = NULL;
	n = read_full(fd, buf, IO_CHUNK);
	if (n < 0) {
		snprintf(reason, sizeof(reason), "read error: %s", strerror(errno));
		free(buf);
		refuse(u, name, reason, 0);
		return -1;
	}
	fmt = unpack_sniff(buf, (size_t)n);
	if (fmt == FMT_XML || (fmt == FMT_GZIP && !gz_holds_email(buf, (size_t)n))) {
		/* Stream: the only formats that can be huge. */
		gz g;
		const char *err = NULL;

		gz_init(&g);
		if (doc_begin(u, name, NULL, 0, 0) != 0)
			goto out;
		while (n > 0) {
			if (fmt == FMT_GZIP) {
				if (gz_feed(u, &g, buf, (size_t)n) != 0)
					break;
				if (g.error != NULL || g.done)
					break;
			} else if (doc_data(u, buf, (size_t)n) != 0)
				break;
			if (u->sink->progress != NULL)
				u->sink->progress(u->sink->ctx, (size_t)n);
			n = read_full(fd, buf, IO_CHUNK);
			if (n < 0) {
				snprintf(reason, sizeof(reason), "read error: %s", strerror(errno));
				err = reason;
				break;
			}
		}
		if (fmt == FMT_GZIP) {
			const char *gerr = gz_finish(&g);

			if (err == NULL)
				err = gerr;
		}
		if (!u->stopped)
			doc_end(u, err);
	} else {
		/* Everything else is read whole, within max_message. */
		dbuf all;

		dbuf_init(&all, u->lim.max_message);
		for (;;) {
			if (dbuf_add(&all, buf, (size_t)n) != DBUF_OK) {
				snprintf(reason, sizeof(reason), "input larger than the message size "
				    "limit of %zu bytes (--max-message)", u->lim.max_message);
				refuse(u, name, reason, 0);
				dbuf_free(&all);
				goto out;
			}
			if (n == 0)
				break;
			n = read_full(fd, buf, IO_CHUNK);
			if (n <= 0)
				break;
		}
		if (n < 0) {
			snprintf(reason, sizeof(reason), "read error: %s", strerror(errno));
			refuse(u, name, reason, 0);
		} else
			unpack_depth(u, name, (const unsigned char *)all.data, all.len, 0, NULL, 0,
			    0);
		dbuf_free(&all);
	}
out:
	free(buf);
	return u->stopped ? -1 : 0;
}
