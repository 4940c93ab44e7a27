/*
 * imap.c - see imap.h.  IMAP through libcurl: one easy handle per mailbox,
 * reused between polls (libcurl keeps the connection and the selected
 * folder).  Commands libcurl has no URL form for (STATUS, UID SEARCH, UID
 * MOVE/COPY/STORE/EXPUNGE, CREATE, CAPABILITY) go through
 * CURLOPT_CUSTOMREQUEST; libcurl hands their untagged response lines to the
 * write callback, and the few numbers needed are read from those lines here
 * (capped buffers).  The fetch is libcurl's own ";UIDVALIDITY=V;UID=N" URL
 * form (UID FETCH N BODY[]), so a folder whose UIDVALIDITY changed between
 * STATUS and FETCH is refused by libcurl instead of giving the wrong
 * message.
 *
 * Why libcurl and not libetpan: libcurl is linked already (RDAP, SMTP
 * alerts), does TLS (implicit and STARTTLS) with certificate checks by
 * default, and covers every command this needs.  It cannot IDLE (a custom
 * request waits for the tagged completion, and there is no way to send
 * DONE), so new mail is found by polling at a configured interval.
 *
 * Ownership: the box owns copies of every conf string and its curl handle.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "imap.h"
#include "../store/store_intake.h"
#include "../util/dbuf.h"
#include "../util/log.h"

#define MAX_RESPONSE	((size_t)8 << 20)	/* a SEARCH answer: ~1M UIDs */
#define MAX_FETCH	((size_t)256 << 20)	/* one message; bigger ones stay in the folder */

struct imap_box {
	char *name, *base, *folder, *processed, *error, *user, *password, *ca_file;
	char *qfolder_proc, *qfolder_err;	/* IMAP-quoted */
	char *box_url;				/* base + escaped folder */
	int tls, timeout, max_per_poll;
	CURL *h;
	dbuf resp;
	int caps_known, has_move, has_uidplus;
	int folders_made;
	volatile sig_atomic_t *stop;	/* imap_poll's: a command in flight is given up */
	char err[512];
};

static char *
dup_or_null(const char *s)
{
	return s != NULL && s[0] != '\0' ? xstrdup(s) : NULL;
}

/* "Name" quoted for a command line; NULL for names this code will not send
 * (control characters or 8-bit: those need modified UTF-7). */
static char *
quote_mailbox(const char *s)
{
	dbuf b;

	if (s == NULL)
		return NULL;
	dbuf_init(&b, 1024);
	dbuf_addc(&b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p >= 0x7f) {
			dbuf_free(&b);
			return NULL;
		}
		if (*p == '"' || *p == '\\')
			dbuf_addc(&b, '\\');
		if (dbuf_addc(&b, (char)*p) != DBUF_OK) {
			dbuf_free(&b);
			return NULL;
		}
	}
	dbuf_addc(&b, '"');
	return dbuf_steal(&b, NULL);
}

static size_t
on_write(char *p, size_t sz, size_t n, void *ctx)
{
	imap_box *b = ctx;

	if (dbuf_add(&b->resp, p, sz * n) != DBUF_OK)
		return 0;	/* over the cap: libcurl stops with CURLE_WRITE_ERROR */
	return sz * n;
}

imap_box *
imap_box_new(const imap_conf *c, char *err, size_t errlen)
{
	imap_box *b;
	CURLU *u;
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *esc;
	const char *folder;
	dbuf url;

	if (c->url == NULL || (u = curl_url()) == NULL) {
		snprintf(err, errlen, "no IMAP URL");
		return NULL;
	}
	if (curl_url_set(u, CURLUPART_URL, c->url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    (strcmp(scheme, "imap") != 0 && strcmp(scheme, "imaps") != 0)) {
		snprintf(err, errlen, "'%s' is not an imap:// or imaps:// URL", c->url);
		goto fail;
	}
	curl_url_get(u, CURLUPART_PORT, &port, 0);
	curl_url_get(u, CURLUPART_PATH, &path, CURLU_URLDECODE);
	if (c->tls == IMAP_TLS_IMPLICIT && strcmp(scheme, "imaps") != 0) {
		snprintf(err, errlen, "tls = implicit needs an imaps:// URL");
		goto fail;
	}
	if (c->tls == IMAP_TLS_NONE && strcmp(scheme, "imaps") == 0) {
		snprintf(err, errlen, "tls = none with an imaps:// URL");
		goto fail;
	}
	folder = c->folder != NULL && c->folder[0] != '\0' ? c->folder :
	    path != NULL && path[0] == '/' && path[1] != '\0' ? path + 1 : "INBOX";
	b = xcalloc(1, sizeof(*b));
	b->name = xstrdup(c->name != NULL ? c->name : c->url);
	b->folder = xstrdup(folder);
	b->processed = dup_or_null(c->processed);
	b->error = dup_or_null(c->error);
	b->user = dup_or_null(c->user);
	b->password = dup_or_null(c->password);
	b->ca_file = dup_or_null(c->ca_file);
	b->tls = c->tls == IMAP_TLS_AUTO ? (strcmp(scheme, "imaps") == 0 ? IMAP_TLS_IMPLICIT :
	    IMAP_TLS_STARTTLS) : c->tls;
	b->timeout = c->timeout > 0 ? c->timeout : 30;
	b->max_per_poll = c->max_per_poll > 0 ? c->max_per_poll : 500;
	b->qfolder_proc = quote_mailbox(b->processed);
	b->qfolder_err = quote_mailbox(b->error);
	esc = quote_mailbox(b->folder);
	free(esc);
	if (esc == NULL || (b->processed != NULL && b->qfolder_proc == NULL) ||
	    (b->error != NULL && b->qfolder_err == NULL)) {
		snprintf(err, errlen, "folder names must be printable ASCII");
		imap_box_free(b);
		b = NULL;
		goto fail;
	}
	dbuf_init(&url, 4096);
	dbuf_printf(&url, "%s://%s%s%s/", scheme, host, port ? ":" : "", port ? port : "");
	b->base = xstrdup(dbuf_cstr(&url));
	esc = curl_easy_escape(NULL, b->folder, 0);
	dbuf_addstr(&url, esc);
	curl_free(esc);
	b->box_url = dbuf_steal(&url, NULL);
	dbuf_init(&b->resp, MAX_FETCH);
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
	return b;
fail:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
	return NULL;
}

void
imap_box_free(imap_box *b)
{
	if (b == NULL)
		return;
	if (b->h != NULL)
		curl_easy_cleanup(b->h);
	if (b->password != NULL)
		explicit_bzero(b->password, strlen(b->password));
	free(b->name); free(b->base); free(b->folder); free(b->processed); free(b->error);
	free(b->user); free(b->password); free(b->ca_file); free(b->qfolder_proc);
	free(b->qfolder_err); free(b->box_url);
	dbuf_free(&b->resp);
	free(b);
}

const char *imap_error(const imap_box *b) { return b->err; }
const char *imap_name(const imap_box *b) { return b->name; }

/* SIGTERM while a slow server trickles an answer: give the command up (the
 * message in hand is not committed, so nothing is lost). */
static int
on_progress(void *ctx, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	imap_box *b = ctx;

	(void)dt; (void)dn; (void)ut; (void)un;
	return b->stop != NULL && *b->stop ? 1 : 0;
}

static CURL *
handle(imap_box *b)
{
	CURL *h;

	if (b->h != NULL)
		return b->h;
	if ((h = curl_easy_init()) == NULL)
		fatalx("out of memory (curl_easy_init)");
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "imap,imaps");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)b->timeout);
	/* Slow or stuck server: less than 1 byte/s for `timeout` seconds. */
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)b->timeout);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	if (b->user != NULL)
		curl_easy_setopt(h, CURLOPT_USERNAME, b->user);
	if (b->password != NULL)
		curl_easy_setopt(h, CURLOPT_PASSWORD, b->password);
	curl_easy_setopt(h, CURLOPT_USE_SSL, b->tls == IMAP_TLS_NONE ? (long)CURLUSESSL_NONE :
	    (long)CURLUSESSL_ALL);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (b->ca_file != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, b->ca_file);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, b);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	b->h = h;
	return h;
}

/* IMAP_RETRY or IMAP_FATAL for a libcurl error, with b->err set. */
static int
fail(imap_box *b, CURLcode rc, const char *what)
{
	int kind = IMAP_RETRY;
	const char *why = curl_easy_strerror(rc);

	switch (rc) {
	case CURLE_LOGIN_DENIED:
		why = "login refused by the server (wrong user or password?)";
		kind = IMAP_FATAL;
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
		why = "the server's certificate is not trusted (set ca_file?)";
		kind = IMAP_FATAL;
		break;
	case CURLE_USE_SSL_FAILED:
		why = "the server offers no STARTTLS (tls = none to allow plain text)";
		kind = IMAP_FATAL;
		break;
	case CURLE_UNSUPPORTED_PROTOCOL: case CURLE_URL_MALFORMAT:
		kind = IMAP_FATAL;
		break;
	case CURLE_QUOTE_ERROR:
		why = "the server answered NO or BAD";
		break;
	case CURLE_REMOTE_FILE_NOT_FOUND:
		why = "folder missing or its UIDVALIDITY changed";
		break;
	case CURLE_WRITE_ERROR:
		why = "answer too large";
		break;
	case CURLE_ABORTED_BY_CALLBACK:
		why = "stopped (SIGTERM)";
		break;
	default:
		break;
	}
	snprintf(b->err, sizeof(b->err), "%s: %s", what, why);
	/* A dead or half-done connection is not reused. */
	if (kind == IMAP_RETRY && rc != CURLE_QUOTE_ERROR && rc != CURLE_REMOTE_FILE_NOT_FOUND &&
	    b->h != NULL) {
		curl_easy_cleanup(b->h);
		b->h = NULL;
		b->caps_known = 0;
	}
	return kind;
}

/* Runs cmd (NULL: a plain fetch of url) and leaves the answer in b->resp. */
static CURLcode
run(imap_box *b, const char *url, const char *cmd)
{
	CURL *h = handle(b);

	dbuf_reset(&b->resp);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, cmd);
	return curl_easy_perform(h);
}

/* The number after `key ` in the answer (e.g. "UIDVALIDITY 1234"); 0 none. */
static int64_t
resp_number(imap_box *b, const char *key)
{
	const char *t = dbuf_cstr(&b->resp), *p;
	size_t kl = strlen(key);

	for (p = strstr(t, key); p != NULL; p = strstr(p + 1, key)) {
		if (p[kl] == ' ' && isdigit((unsigned char)p[kl + 1]))
			return (int64_t)strtoll(p + kl + 1, NULL, 10);
	}
	return 0;
}

static int
resp_has_word(imap_box *b, const char *word)
{
	const char *t = dbuf_cstr(&b->resp);
	size_t n = strlen(word);

	for (const char *p = strstr(t, word); p != NULL; p = strstr(p + 1, word))
		if ((p == t || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\r' || p[n] == '\n' ||
		    p[n] == '\0'))
			return 1;
	return 0;
}

/* The UIDs of "* SEARCH n n n" lines, ascending as the server sent them. */
static int64_t *
resp_uids(imap_box *b, size_t *count)
{
	const char *t = dbuf_cstr(&b->resp), *p;
	int64_t *v = NULL;
	size_t n = 0, cap = 0;

	for (p = strstr(t, "* SEARCH"); p != NULL; p = strstr(p + 1, "* SEARCH")) {
		const char *q = p + 8;

		while (*q == ' ') {
			char *end;
			long long u = strtoll(q + 1, &end, 10);

			if (end == q + 1 || u <= 0)
				break;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				v = xrealloc(v, cap * sizeof(*v));
			}
			v[n++] = u;
			q = end;
		}
	}
	*count = n;
	return v;
}

static int
caps(imap_box *b)
{
	CURLcode rc;

	if (b->caps_known)
		return IMAP_OK;
	if ((rc = run(b, b->base, "CAPABILITY")) != CURLE_OK)
		return fail(b, rc, "CAPABILITY");
	b->has_move = resp_has_word(b, "MOVE");
	b->has_uidplus = resp_has_word(b, "UIDPLUS");
	b->caps_known = 1;
	if (!b->folders_made) {
		char cmd[1100];

		/* Make the target folders; "already exists" is a NO and fine. */
		if (b->qfolder_proc != NULL) {
			snprintf(cmd, sizeof(cmd), "CREATE %s", b->qfolder_proc);
			run(b, b->base, cmd);
		}
		if (b->qfolder_err != NULL) {
			snprintf(cmd, sizeof(cmd), "CREATE %s", b->qfolder_err);
			run(b, b->base, cmd);
		}
		b->folders_made = 1;
	}
	return IMAP_OK;
}

/* UID MOVE or UID COPY of uid to qdest.  A NO (the folder was deleted while
 * we polled: [TRYCREATE]) makes the folder again and tries once more. */
static CURLcode
move_or_copy(imap_box *b, const char *url, int64_t uid, const char *qdest, const char *verb)
{
	char cmd[1200];
	CURLcode rc;

	snprintf(cmd, sizeof(cmd), "UID %s %lld %s", verb, (long long)uid, qdest);
	if ((rc = run(b, url, cmd)) != CURLE_QUOTE_ERROR)
		return rc;
	snprintf(cmd, sizeof(cmd), "CREATE %s", qdest);
	if (run(b, b->base, cmd) == CURLE_OK)
		log_warnx("imap %s: %s was missing; made again", b->name, qdest);
	snprintf(cmd, sizeof(cmd), "UID %s %lld %s", verb, (long long)uid, qdest);
	return run(b, url, cmd);
}

static int
move(imap_box *b, const char *url, int64_t uid, const char *qdest)
{
	char cmd[1200];
	CURLcode rc;

	if (b->has_move) {
		if ((rc = move_or_copy(b, url, uid, qdest, "MOVE")) != CURLE_OK)
			return fail(b, rc, "UID MOVE");
		return IMAP_OK;
	}
	if ((rc = move_or_copy(b, url, uid, qdest, "COPY")) != CURLE_OK)
		return fail(b, rc, "UID COPY");
	snprintf(cmd, sizeof(cmd), "UID STORE %lld +FLAGS.SILENT (\\Deleted)", (long long)uid);
	if ((rc = run(b, url, cmd)) != CURLE_OK)
		return fail(b, rc, "UID STORE");
	if (b->has_uidplus)
		snprintf(cmd, sizeof(cmd), "UID EXPUNGE %lld", (long long)uid);
	else
		snprintf(cmd, sizeof(cmd), "EXPUNGE");
	if ((rc = run(b, url, cmd)) != CURLE_OK)
		return fail(b, rc, "EXPUNGE");
	return IMAP_OK;
}

static const char *
outcome_name(int o)
{
	switch (o) {
	case INGEST_STORED: return "stored";
	case INGEST_DUPLICATE: return "duplicate";
	case INGEST_PARTIAL: return "partial";
	default: return "refused";
	}
}

static int
db_fail(imap_box *b, store *s, const char *what)
{
	snprintf(b->err, sizeof(b->err), "database: %s: %s", what, store_errmsg(s));
	return IMAP_RETRY;
}

/*
 * When the server received message uid (its INTERNALDATE, unix ns), for
 * the ingest latency histogram (svc_metrics.h); 0 when it does not say.
 * The answer is `* N FETCH (UID U INTERNALDATE "dd-Mon-yyyy hh:mm:ss +zzzz")`.
 */
static int64_t
internaldate(imap_box *b, const char *url, int64_t uid)
{
	char cmd[64];
	const char *p;
	struct tm tm;
	time_t t;

	snprintf(cmd, sizeof(cmd), "UID FETCH %lld (INTERNALDATE)", (long long)uid);
	if (run(b, url, cmd) != CURLE_OK ||
	    (p = strstr(dbuf_cstr(&b->resp), "INTERNALDATE \"")) == NULL)
		return 0;
	p += 14;
	while (*p == ' ')
		p++;
	memset(&tm, 0, sizeof(tm));
	if ((p = strptime(p, "%d-%b-%Y %H:%M:%S %z", &tm)) == NULL || *p != '"' ||
	    (t = timegm(&tm)) == (time_t)-1)
		return 0;
	return ((int64_t)t - tm.tm_gmtoff) * 1000000000;
}

/* One message: fetched and ingested unless recorded already; then moved. */
static int
take(imap_box *b, ingest *g, store *s, const char *url, int64_t uv, int64_t uid, imap_poll_stats *st)
{
	const char *outcome, *dest;
	int moved, rc;

	if (store_intake_msg_get(s, b->name, uv, uid, &outcome, &moved) != STORE_OK)
		return db_fail(b, s, "reading a message's state");
	if (outcome == NULL) {
		char furl[8300], src[1200];
		CURLcode crc;
		int o;

		int64_t arrived = internaldate(b, url, uid);

		snprintf(furl, sizeof(furl), "%s/;UID=%lld", url, (long long)uid);
		if ((crc = run(b, furl, NULL)) != CURLE_OK) {
			if (crc == CURLE_WRITE_ERROR) {
				log_warnx("imap %s: UID %lld is over %zu bytes; left in %s", b->name,
				    (long long)uid, MAX_FETCH, b->folder);
				st->skipped++;
				return IMAP_OK;
			}
			return fail(b, crc, "UID FETCH");
		}
		snprintf(src, sizeof(src), "imap:%s/%s;UIDVALIDITY=%lld;UID=%lld", b->name, b->folder,
		    (long long)uv, (long long)uid);
		ingest_set_arrival(g, arrived);
		o = ingest_mem(g, src, (const unsigned char *)b->resp.data, b->resp.len);
		if (o == INGEST_FAILED) {
			snprintf(b->err, sizeof(b->err), "database: UID %lld not stored; left in %s",
			    (long long)uid, b->folder);
			return IMAP_RETRY;
		}
		st->taken++;
		if (o == INGEST_STORED)
			st->stored++;
		else if (o == INGEST_DUPLICATE)
			st->duplicates++;
		else
			st->refused++;
		outcome = outcome_name(o);
		/* Committed: now it may be recorded and moved. */
		if (store_intake_msg_put(s, b->name, uv, uid, outcome) != STORE_OK)
			return db_fail(b, s, "recording a message");
		moved = 0;
	}
	if (moved)
		return IMAP_OK;		/* the server has not expunged it yet */
	dest = strcmp(outcome, "stored") == 0 || strcmp(outcome, "duplicate") == 0 ?
	    b->qfolder_proc : b->qfolder_err;
	if (dest == NULL)
		return IMAP_OK;
	if ((rc = move(b, url, uid, dest)) != IMAP_OK)
		return rc;
	st->moved++;
	if (store_intake_msg_moved(s, b->name, uv, uid) != STORE_OK)
		return db_fail(b, s, "recording a move");
	return IMAP_OK;
}

static int
poll_once(imap_box *b, ingest *g, store *s, volatile sig_atomic_t *stop, imap_poll_stats *st)
{
	char cmd[1100], *qf;
	int64_t uv, known_uv, last_uid, *uids;
	size_t n;
	CURLcode rc;
	int r;

	b->err[0] = '\0';
	b->stop = stop;
	if (!store_has(s, intake)) {
		snprintf(b->err, sizeof(b->err), "this database backend keeps no intake state");
		return IMAP_FATAL;
	}
	if ((r = caps(b)) != IMAP_OK)
		return r;
	qf = quote_mailbox(b->folder);
	snprintf(cmd, sizeof(cmd), "STATUS %s (UIDVALIDITY)", qf);
	free(qf);
	if ((rc = run(b, b->base, cmd)) == CURLE_QUOTE_ERROR) {
		snprintf(b->err, sizeof(b->err), "STATUS %s: the server answered NO: the folder is "
		    "missing (deleted or renamed?)", b->folder);
		return IMAP_RETRY;
	}
	if (rc != CURLE_OK)
		return fail(b, rc, b->folder);
	if ((uv = resp_number(b, "UIDVALIDITY")) <= 0) {
		snprintf(b->err, sizeof(b->err), "%s: no UIDVALIDITY in the STATUS answer", b->folder);
		return IMAP_RETRY;
	}
	if (store_intake_mbox_get(s, b->name, &known_uv, &last_uid) != STORE_OK)
		return db_fail(b, s, "reading the mailbox state");
	if (known_uv != uv) {
		if (known_uv != 0)
			log_warnx("imap %s: UIDVALIDITY of %s changed (%lld → %lld): its messages are "
			    "read again (duplicates are recognised)", b->name, b->folder,
			    (long long)known_uv, (long long)uv);
		if (store_intake_mbox_reset(s, b->name, uv) != STORE_OK)
			return db_fail(b, s, "recording UIDVALIDITY");
	}
	{
		char url[8192];

		snprintf(url, sizeof(url), "%s;UIDVALIDITY=%lld", b->box_url, (long long)uv);
		/* A selected folder's view is brought up to date by the server
		 * between commands: NOOP first, or a message APPENDed since the
		 * last poll would wait for the next one. */
		if ((rc = run(b, url, "NOOP")) != CURLE_OK)
			return fail(b, rc, "NOOP");
		if ((rc = run(b, url, "UID SEARCH UNDELETED")) != CURLE_OK)
			return fail(b, rc, "UID SEARCH");
		uids = resp_uids(b, &n);
		st->found = (unsigned)n;
		r = IMAP_OK;
		/* Every command names the UIDVALIDITY: a recreated folder is
		 * refused by libcurl's SELECT rather than having the wrong UIDs moved. */
		for (size_t i = 0; i < n && (int)i < b->max_per_poll && r == IMAP_OK; i++) {
			if (stop != NULL && *stop)
				break;
			r = take(b, g, s, url, uv, uids[i], st);
		}
		free(uids);
	}
	return r;
}

/* Nodes sharing one database may be configured for the same box: the
 * store's claim lets one of them poll it at a time (the others skip this
 * round), so no message is taken twice at once. */
int
imap_poll(imap_box *b, ingest *g, store *s, volatile sig_atomic_t *stop, imap_poll_stats *st)
{
	int got = 1, reused = b->h != NULL, r;

	memset(st, 0, sizeof(*st));
	b->err[0] = '\0';
	if (!store_has(s, intake)) {
		snprintf(b->err, sizeof(b->err), "this database backend keeps no intake state");
		return IMAP_FATAL;
	}
	if (store_has_op(s, intake, mbox_claim) && store_intake_mbox_claim(s, b->name, &got) != STORE_OK)
		return db_fail(b, s, "claiming the mailbox");
	if (!got) {
		log_info("imap %s: another node is polling this mailbox; skipped this time", b->name);
		return IMAP_OK;
	}
	r = poll_once(b, g, s, stop, st);
	/* The kept connection was dropped (server restarted, a NAT or the
	 * server's idle timeout, the folder deleted under the session): once
	 * more on a new connection before it counts as a failure. */
	if (r == IMAP_RETRY && reused && b->h == NULL && (stop == NULL || !*stop))
		r = poll_once(b, g, s, stop, st);
	if (store_has_op(s, intake, mbox_release) && store_intake_mbox_release(s, b->name) != STORE_OK &&
	    r == IMAP_OK)
		r = db_fail(b, s, "releasing the mailbox");
	return r;
}
