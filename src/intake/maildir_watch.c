/*
 * maildir_watch.c - see maildir_watch.h.  One inotify descriptor per
 * Maildir, watching new/ and cur/ for IN_MOVED_TO and IN_CLOSE_WRITE (an
 * MDA writes into tmp/ and renames into new/).  Any event means "scan both
 * directories again": simpler than following names, and a missed or
 * overflowed event queue (IN_Q_OVERFLOW) loses nothing.
 *
 * Ownership: the watcher owns its paths and the descriptor.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "maildir_watch.h"
#include "../util/log.h"

struct mdw {
	char *name, *path, *proc, *err_dir;
	int fd;
	char err[9000];
};

static char *
folder_path(const char *base, const char *f, const char *def)
{
	size_t n;
	char *p;

	if (f == NULL || f[0] == '\0')
		f = def;
	if (f[0] == '/')
		return xstrdup(f);
	n = strlen(base) + strlen(f) + 2;
	p = xmalloc(n);
	snprintf(p, n, "%s/%s", base, f);
	return p;
}

/* dir and its cur/ new/ tmp/ exist (made when missing). */
static int
make_maildir(const char *dir, char *err, size_t errlen)
{
	static const char *const sub[] = { "", "/cur", "/new", "/tmp" };
	char p[4096];

	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s%s", dir, sub[i]);
		if (mkdir(p, 0700) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "%s: %s", p, strerror(errno));
			return -1;
		}
	}
	return 0;
}

mdw *
mdw_new(const maildir_conf *c, char *err, size_t errlen)
{
	mdw *w;
	char p[4096];
	struct stat sb;

	if (c->path == NULL || c->path[0] == '\0') {
		snprintf(err, errlen, "no Maildir path");
		return NULL;
	}
	snprintf(p, sizeof(p), "%s/new", c->path);
	if (stat(p, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s is not a Maildir (no new/)", c->path);
		return NULL;
	}
	w = xcalloc(1, sizeof(*w));
	w->name = xstrdup(c->name != NULL ? c->name : c->path);
	w->path = xstrdup(c->path);
	w->proc = folder_path(c->path, c->processed, ".Processed");
	w->err_dir = folder_path(c->path, c->error, ".Error");
	w->fd = -1;
	if (make_maildir(w->proc, err, errlen) != 0 || make_maildir(w->err_dir, err, errlen) != 0)
		goto fail;
	if ((w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0) {
		snprintf(err, errlen, "inotify: %s", strerror(errno));
		goto fail;
	}
	for (int i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "%s/%s", c->path, i == 0 ? "new" : "cur");
		if (inotify_add_watch(w->fd, p, IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
			snprintf(err, errlen, "inotify %s: %s", p, strerror(errno));
			goto fail;
		}
	}
	return w;
fail:
	mdw_free(w);
	return NULL;
}

void
mdw_free(mdw *w)
{
	if (w == NULL)
		return;
	if (w->fd >= 0)
		close(w->fd);
	free(w->name);
	free(w->path);
	free(w->proc);
	free(w->err_dir);
	free(w);
}

int mdw_fd(const mdw *w) { return w->fd; }
const char *mdw_error(const mdw *w) { return w->err; }
const char *mdw_name(const mdw *w) { return w->name; }

static void
drain(mdw *w)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));

	while (read(w->fd, buf, sizeof(buf)) > 0)
		;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files of dir, sorted (delivery order for most MDAs' names). */
static char **
list(const char *dir, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL;
	size_t cap = 0;

	*n = 0;
	if (d == NULL)
		return NULL;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || (e->d_type != DT_REG && e->d_type != DT_UNKNOWN))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[(*n)++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (*n > 1)
		qsort(v, *n, sizeof(*v), by_name);
	return v;
}

static int
take(mdw *w, ingest *g, const char *sub, const char *fname, mdw_stats *st)
{
	char src[4096], dst[4096];
	const char *to;
	struct stat sb;
	int o;

	snprintf(src, sizeof(src), "%s/%s/%s", w->path, sub, fname);
	if (lstat(src, &sb) != 0 || !S_ISREG(sb.st_mode))
		return 0;	/* gone meanwhile, or not a file */
	o = ingest_path(g, src);
	if (o == INGEST_FAILED) {
		snprintf(w->err, sizeof(w->err), "%s not stored (database); left in place", src);
		return -1;
	}
	st->taken++;
	if (o == INGEST_STORED)
		st->stored++;
	else if (o == INGEST_DUPLICATE)
		st->duplicates++;
	else
		st->refused++;
	/* Committed: now it may move. */
	to = o == INGEST_STORED || o == INGEST_DUPLICATE ? w->proc : w->err_dir;
	snprintf(dst, sizeof(dst), "%s/cur/%s", to, fname);
	if (rename(src, dst) != 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(w->err, sizeof(w->err), "cannot move %s to %s: %s", src, to, strerror(errno));
		return -1;
	}
	st->moved++;
	return 0;
}

int
mdw_scan(mdw *w, ingest *g, volatile sig_atomic_t *stop, mdw_stats *st)
{
	static const char *const subs[] = { "new", "cur" };
	int rc = 0;

	memset(st, 0, sizeof(*st));
	w->err[0] = '\0';
	drain(w);
	for (size_t s = 0; s < 2 && rc == 0; s++) {
		char dir[4096], **names;
		size_t n;

		snprintf(dir, sizeof(dir), "%s/%s", w->path, subs[s]);
		names = list(dir, &n);
		for (size_t i = 0; i < n; i++) {
			if (rc == 0 && (stop == NULL || !*stop))
				rc = take(w, g, subs[s], names[i], st);
			free(names[i]);
		}
		free(names);
	}
	return rc;
}
