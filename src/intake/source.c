/*
 * source.c - see source.h.
 */
#include "source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/dbuf.h"
#include "../util/log.h"

#define MAX_DIR_DEPTH 32

/* One walk: the directories entered so far, by device and inode (a symlink
 * back to an ancestor, or to any directory read already, is not followed a
 * second time, so symlink loops end), and the share of the files this walk
 * takes (source_ingest_shard). */
typedef struct seen {
	struct { dev_t dev; ino_t ino; } *d;
	size_t n, cap;
	unsigned shard, nshards;	/* nshards 0 or 1: every file */
} seen;

/* The walk's own trouble (a directory that cannot be read, too deep) is
 * reported by one shard only, so that N workers do not say it N times. */
static int
reporter(const seen *sn)
{
	return sn->nshards <= 1 || sn->shard == 0;
}

/* Is this file this walk's?  By a hash of its path (FNV-1a), so every worker
 * of a sharded run, whatever order it meets the files in, takes each file
 * exactly once between them. */
static int
mine(const seen *sn, const char *path)
{
	uint64_t h = 1469598103934665603ULL;

	if (sn->nshards <= 1)
		return 1;
	for (const char *p = path; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h % sn->nshards == sn->shard;
}

/* 1 when the directory was entered already; else remembers it, 0. */
static int
seen_dir(seen *s, const struct stat *sb)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->d[i].dev == sb->st_dev && s->d[i].ino == sb->st_ino)
			return 1;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->d = xrealloc(s->d, s->cap * sizeof(*s->d));
	}
	s->d[s->n].dev = sb->st_dev;
	s->d[s->n].ino = sb->st_ino;
	s->n++;
	return 0;
}

static int walk(ingest *g, seen *sn, const char *path, int depth);

static int
outcome_bad(int rc)
{
	return rc == INGEST_REFUSED || rc == INGEST_PARTIAL || rc == INGEST_FAILED;
}

static void
refused(ingest *g, const char *input, const char *reason)
{
	(void)g;
	log_warnx("refused %s: %s", input, reason);
}

/* Split an mbox: a message starts at a line beginning with "From ".  Each
 * message goes to ingest_mem whole, whatever its size (up to MBOX_MAX_MSG),
 * so that the message size limit is applied, and a message over it archived
 * and quarantined, exactly as for any other source. */
#define MBOX_MAX_MSG ((size_t)1 << 31)

static int
mbox(ingest *g, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	dbuf msg;
	int nmsg = 0, bad = 0, toobig = 0;
	char name[4096];

	if (f == NULL) {
		char reason[256];

		snprintf(reason, sizeof(reason), "cannot open: %s", strerror(errno));
		refused(g, path, reason);
		return 1;
	}
	dbuf_init(&msg, (size_t)-1);
	for (;;) {
		n = getline(&line, &cap, f);
		if (n < 0 || (n >= 5 && memcmp(line, "From ", 5) == 0)) {
			if (nmsg > 0 && (msg.len > 0 || toobig)) {
				snprintf(name, sizeof(name), "%s#%d", path, nmsg);
				if (toobig) {
					char reason[200];

					snprintf(reason, sizeof(reason), "mbox message larger than %zu "
					    "bytes: skipped (split the mbox)", MBOX_MAX_MSG);
					refused(g, name, reason);
					bad = 1;
				} else if (outcome_bad(ingest_mem(g, name,
				    (const unsigned char *)msg.data, msg.len)))
					bad = 1;
			}
			if (n < 0)
				break;
			dbuf_reset(&msg);
			toobig = 0;
			nmsg++;
			continue;	/* the From_ line itself is not part of the message */
		}
		if (nmsg == 0)
			nmsg = 1;	/* tolerate text before the first From_ line */
		if (!toobig && msg.len + (size_t)n > MBOX_MAX_MSG) {
			toobig = 1;
			continue;
		}
		if (!toobig)
			dbuf_add(&msg, line, (size_t)n);
	}
	free(line);
	dbuf_free(&msg);
	fclose(f);
	return bad;
}

static int
is_dir(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static int
file(ingest *g, const char *path)
{
	char head[5];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		char reason[256];

		snprintf(reason, sizeof(reason), "cannot open: %s", strerror(errno));
		refused(g, path, reason);
		return 1;
	}
	n = read(fd, head, sizeof(head));
	close(fd);
	if (n == 5 && memcmp(head, "From ", 5) == 0)
		return mbox(g, path);
	return outcome_bad(ingest_path(g, path));
}

static int
name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int
skip_name(const char *n)
{
	return n[0] == '.';
}

static int
dir(ingest *g, seen *sn, const char *path, int depth)
{
	struct dirent **ents;
	int n, bad = 0;
	char sub[4096];
	int maildir;

	snprintf(sub, sizeof(sub), "%s/cur", path);
	maildir = is_dir(sub);
	snprintf(sub, sizeof(sub), "%s/new", path);
	maildir = maildir && is_dir(sub);

	n = scandir(path, &ents, NULL, name_cmp);
	if (n < 0) {
		char reason[256];

		if (!reporter(sn))
			return 0;
		snprintf(reason, sizeof(reason), "cannot read directory: %s", strerror(errno));
		refused(g, path, reason);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;

		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			goto next;
		snprintf(sub, sizeof(sub), "%s/%s", path, name);
		if (maildir) {
			/* cur/, new/ and Maildir++ folders only. */
			if (strcmp(name, "cur") == 0 || strcmp(name, "new") == 0)
				bad |= walk(g, sn, sub, depth + 1);
			else if (name[0] == '.' && is_dir(sub))
				bad |= walk(g, sn, sub, depth + 1);
			goto next;
		}
		if (skip_name(name))
			goto next;
		bad |= walk(g, sn, sub, depth + 1);
next:
		free(ents[i]);
	}
	free(ents);
	return bad;
}

static int
walk(ingest *g, seen *sn, const char *path, int depth)
{
	struct stat sb;

	if (depth > MAX_DIR_DEPTH) {
		if (!reporter(sn))
			return 0;
		refused(g, path, "directories nested too deeply");
		return 1;
	}
	if (stat(path, &sb) != 0) {
		char reason[256];

		if (!mine(sn, path))
			return 0;
		snprintf(reason, sizeof(reason), "%s", strerror(errno));
		refused(g, path, reason);
		return 1;
	}
	if (S_ISDIR(sb.st_mode)) {
		if (seen_dir(sn, &sb)) {
			if (reporter(sn))
				log_warnx("%s: directory read already (a symlink loop?): skipped",
				    path);
			return 0;
		}
		return dir(g, sn, path, depth);
	}
	if (S_ISREG(sb.st_mode))
		return mine(sn, path) ? file(g, path) : 0;
	return 0;	/* sockets, fifos: ignored */
}

static int
from_stdin(ingest *g)
{
	dbuf in;
	char buf[65536];
	size_t n;
	int rc;

	dbuf_init(&in, (size_t)1 << 31);
	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
		if (dbuf_add(&in, buf, n) != DBUF_OK) {
			refused(g, "stdin", "input larger than 2 GiB");
			dbuf_free(&in);
			return 1;
		}
	if (ferror(stdin)) {
		refused(g, "stdin", "read error");
		dbuf_free(&in);
		return 1;
	}
	rc = ingest_mem(g, "stdin", (const unsigned char *)(in.data ? in.data : ""), in.len);
	dbuf_free(&in);
	return outcome_bad(rc);
}

int
source_ingest_shard(ingest *g, const char *input, unsigned shard, unsigned nshards)
{
	seen sn = { NULL, 0, 0, shard, nshards };
	int rc;

	if (strcmp(input, "-") == 0)
		return nshards > 1 && shard != 0 ? 0 : from_stdin(g);
	rc = walk(g, &sn, input, 0);
	free(sn.d);
	return rc;
}

int
source_ingest(ingest *g, const char *input)
{
	return source_ingest_shard(g, input, 0, 1);
}

static uint64_t
size_walk(seen *sn, const char *path, int depth)
{
	struct stat sb;
	uint64_t total = 0;
	struct dirent **ents;
	int n;

	if (depth > MAX_DIR_DEPTH || stat(path, &sb) != 0)
		return 0;
	if (S_ISREG(sb.st_mode))
		return (uint64_t)sb.st_size;
	if (!S_ISDIR(sb.st_mode) || seen_dir(sn, &sb))
		return 0;
	n = scandir(path, &ents, NULL, name_cmp);
	for (int i = 0; i < n; i++) {
		char sub[4096];

		if (ents[i]->d_name[0] != '.' || (ents[i]->d_name[1] != '\0' &&
		    ents[i]->d_name[1] != '.')) {
			snprintf(sub, sizeof(sub), "%s/%s", path, ents[i]->d_name);
			if (strcmp(ents[i]->d_name, "tmp") != 0)
				total += size_walk(sn, sub, depth + 1);
		}
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
	return total;
}

uint64_t
source_size(const char *input)
{
	seen sn = { NULL, 0, 0, 0, 1 };
	uint64_t total;

	if (strcmp(input, "-") == 0)
		return 0;
	total = size_walk(&sn, input, 0);
	free(sn.d);
	return total;
}
