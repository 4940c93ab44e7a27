/*
 * archive.c - `dmarcscope archive get ID`: the archived original of one input
 * message (the raw_id that `quarantine list` shows), byte for byte on stdout,
 * decompressed when the archive holds it zstd-compressed.  The bytes are
 * hashed on the way out and checked against the SHA-256 recorded at ingest.
 *
 * Exit status: 0 written and verified; 1 the archived copy is incomplete or
 * does not match its hash (what was read is written all the same); 2 usage,
 * unknown ID, store or write error.
 *
 * Exports: cmd_archive (cmd.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "cmd.h"
#include "../util/log.h"
#include "../util/sha256.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: dmarcscope archive get ID > FILE\n"
	    "\n"
	    "get    write the archived original of message ID (the raw_id of `quarantine\n"
	    "       list`) to stdout, byte for byte, and check it against its SHA-256\n");
}

struct info {
	char sha[SHA256_HEXLEN];
	int compressed, sealed;
	int64_t size;
};

static int
info_cb(void *ctx, const store_raw_info *ri)
{
	struct info *in = ctx;

	snprintf(in->sha, sizeof(in->sha), "%s", ri->sha256 != NULL ? ri->sha256 : "");
	in->sealed = ri->sha256 != NULL;
	in->compressed = ri->codec != NULL && strcmp(ri->codec, "zstd") == 0;
	in->size = ri->size;
	return 0;
}

struct out {
	ZSTD_DCtx *z;		/* NULL: stored as-is */
	sha256_ctx *sha;
	uint64_t written;
	int err;		/* 1 corrupt archive, 2 write error */
};

static int
put(struct out *o, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	sha256_update(o->sha, p, n);
	o->written += n;
	if (fwrite(p, 1, n, stdout) != n) {
		o->err = 2;
		return -1;
	}
	return 0;
}

static int
chunk_cb(void *ctx, const void *p, size_t n)
{
	struct out *o = ctx;
	ZSTD_inBuffer in = { p, n, 0 };
	unsigned char buf[64 * 1024];

	if (o->z == NULL)
		return put(o, p, n);
	while (in.pos < in.size) {
		ZSTD_outBuffer ob = { buf, sizeof(buf), 0 };
		size_t rc = ZSTD_decompressStream(o->z, &ob, &in);

		if (ZSTD_isError(rc)) {
			o->err = 1;
			return -1;
		}
		if (put(o, buf, ob.pos) != 0)
			return -1;
	}
	return 0;
}

static int
get(store *s, const char *arg)
{
	struct info in;
	struct out o = { NULL, NULL, 0, 0 };
	char *end, hex[SHA256_HEXLEN];
	long long id = strtoll(arg, &end, 10);
	int rc;

	if (id <= 0 || *end != '\0') {
		log_warnx("archive get: bad ID '%s'", arg);
		return 2;
	}
	memset(&in, 0, sizeof(in));
	if (store_raw_info_get(s, id, info_cb, &in) != STORE_OK) {
		log_warnx("archive get: %s", store_errmsg(s));
		return 2;
	}
	if (in.compressed)
		o.z = ZSTD_createDCtx();
	o.sha = sha256_new();
	rc = store_raw_read(s, id, chunk_cb, &o);
	sha256_final_hex(o.sha, hex);
	ZSTD_freeDCtx(o.z);
	if (fflush(stdout) != 0)
		o.err = 2;
	if (o.err == 2) {
		log_warn("archive get: writing");
		return 2;
	}
	if (rc != STORE_OK && o.err == 0) {
		log_warnx("archive get: %s", store_errmsg(s));
		return 2;
	}
	if (o.err == 1 || !in.sealed || (uint64_t)in.size != o.written ||
	    strcmp(hex, in.sha) != 0) {
		log_warnx("archive get %lld: the archived copy is incomplete or damaged (%llu of "
		    "%lld bytes; SHA-256 %s, recorded %s)", id, (unsigned long long)o.written,
		    (long long)in.size, hex, in.sealed ? in.sha : "none");
		return 1;
	}
	return 0;
}

int
cmd_archive(cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ch, rc;
	store *s;

	optind = 0;	/* glibc: start afresh, options may follow IDs */
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind != 2 || strcmp(argv[optind], "get") != 0) {
		usage(stderr);
		return 2;
	}
	if ((s = cmd_open_store(c)) == NULL)
		return 2;
	rc = get(s, argv[optind + 1]);
	store_close(s);
	return rc;
}
