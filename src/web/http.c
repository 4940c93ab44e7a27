/*
 * http.c - the portal's HTTP server (libmicrohttpd, one thread per
 * connection behind an internal polling thread).
 *
 * Every response carries a strict Content-Security-Policy (scripts and
 * styles from 'self' only: no inline script, no style attributes, no
 * framing), X-Content-Type-Options: nosniff, Referrer-Policy: no-referrer
 * and X-Frame-Options: DENY.
 *
 * Limits: MAX_BODY bytes of request body (413 beyond), the connection
 * memory limit caps the request line and headers, a global and a per-IP
 * connection limit, and an idle timeout.  Methods other than GET, HEAD,
 * POST and DELETE get 405.  State-changing requests (POST, DELETE) must be
 * JSON (so a cross-site form cannot send them) and, when the browser says
 * where they come from, same-origin.
 *
 * With an admin password (required for a non-loopback listen address)
 * every request needs HTTP Basic auth as user "admin"; the comparison is
 * constant-time.
 *
 * GET API responses marked cacheable are kept in a small cache keyed by
 * path and query and tagged with the data version (bg.c); a changed
 * version misses.  Requests that miss wait for any computation in the same
 * cache slot first (single flight), so a burst of identical requests costs
 * one query.  This is what makes the statistics endpoint cheap.
 *
 * Exports: web_opts_default, web_serve (web.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "web_priv.h"
#include "../util/log.h"

#define MAX_BODY (64 * 1024)
#define CACHE_SLOTS 128

static const char CSP[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

struct rstate {
	dbuf body;
	int toobig;
};

struct centry {
	char *key, *version, *type;
	char *body;
	size_t len;
};

static struct centry cache[CACHE_SLOTS];
static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
/* One computation per cache slot at a time: concurrent requests for the
 * same URL wait for the first one and then hit the cache. */
static pthread_mutex_t flight[CACHE_SLOTS];

void
web_opts_default(web_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->host = "127.0.0.1";
	o->port = 8080;
	o->max_range_days = 90;
	o->enrich = 1;
	o->enrich_interval = 300;
	o->max_conn = 256;
}

static void
secure_headers(struct MHD_Response *r)
{
	MHD_add_response_header(r, "Content-Security-Policy", CSP);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
}

static enum MHD_Result
send_buf(struct MHD_Connection *c, int status, const char *type, const void *p, size_t n,
    enum MHD_ResponseMemoryMode mode, const char *extra_k, const char *extra_v)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(n, (void *)p, mode);
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	if (type != NULL)
		MHD_add_response_header(r, "Content-Type", type);
	if (extra_k != NULL)
		MHD_add_response_header(r, extra_k, extra_v);
	secure_headers(r);
	ret = MHD_queue_response(c, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
send_text(struct MHD_Connection *c, int status, const char *msg)
{
	return send_buf(c, status, "text/plain; charset=utf-8", msg, strlen(msg),
	    MHD_RESPMEM_MUST_COPY, NULL, NULL);
}

/* ---- auth --------------------------------------------------------------- */

static int
ct_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), n = la > lb ? la : lb;
	unsigned char d = la != lb;

	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)((i < la ? a[i] : 0) ^ (i < lb ? b[i] : 0));
	return d == 0;
}

static int
authorized(struct MHD_Connection *c, const web_opts *o)
{
	char *pass = NULL, *user;
	int ok;

	if (o->password == NULL)
		return 1;
	user = MHD_basic_auth_get_username_password(c, &pass);
	ok = user != NULL && pass != NULL && ct_equal(user, "admin") &&
	    ct_equal(pass, o->password);
	MHD_free(user);
	MHD_free(pass);
	return ok;
}

static enum MHD_Result
deny_auth(struct MHD_Connection *c)
{
	static const char msg[] = "authentication required\n";
	struct MHD_Response *r = MHD_create_response_from_buffer(sizeof(msg) - 1,
	    (void *)msg, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
	secure_headers(r);
	ret = MHD_queue_basic_auth_fail_response(c, "dmarcscope", r);
	MHD_destroy_response(r);
	return ret;
}

/* ---- static files ------------------------------------------------------- */

static const web_asset *
asset_find(const char *path)
{
	for (size_t i = 0; i < web_assets_count; i++)
		if (strcmp(web_assets[i].path, path) == 0)
			return &web_assets[i];
	return NULL;
}

static enum MHD_Result
serve_static(struct MHD_Connection *c, const char *url)
{
	const web_asset *a;
	const char *inm, *ae;
	struct MHD_Response *r;
	enum MHD_Result ret;
	int gz;

	if (strcmp(url, "/") == 0)
		url = "/index.html";
	if ((a = asset_find(url)) == NULL)
		return send_text(c, 404, "not found\n");
	inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
	if (inm != NULL && strcmp(inm, a->etag) == 0) {
		r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		MHD_add_response_header(r, "ETag", a->etag);
		secure_headers(r);
		ret = MHD_queue_response(c, 304, r);
		MHD_destroy_response(r);
		return ret;
	}
	ae = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Encoding");
	gz = a->gz != NULL && ae != NULL && strstr(ae, "gzip") != NULL;
	r = MHD_create_response_from_buffer(gz ? a->gzlen : a->len,
	    (void *)(gz ? a->gz : a->data), MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", a->type);
	MHD_add_response_header(r, "ETag", a->etag);
	MHD_add_response_header(r, "Cache-Control", "no-cache");
	MHD_add_response_header(r, "Vary", "Accept-Encoding");
	if (gz)
		MHD_add_response_header(r, "Content-Encoding", "gzip");
	secure_headers(r);
	ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

/* ---- response cache ----------------------------------------------------- */

static enum MHD_Result
arg_iter(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	dbuf *b = cls;

	(void)kind;
	dbuf_addstr(b, "&");
	dbuf_addstr(b, key);
	dbuf_addstr(b, "=");
	dbuf_addstr(b, value ? value : "");
	return MHD_YES;
}

static unsigned
hash(const char *s)
{
	unsigned h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static int
cache_get(const char *key, const char *ver, struct MHD_Connection *c, enum MHD_Result *ret)
{
	struct centry *e = &cache[hash(key) % CACHE_SLOTS];
	int hit = 0;

	pthread_mutex_lock(&cache_mu);
	if (e->key != NULL && strcmp(e->key, key) == 0 && strcmp(e->version, ver) == 0) {
		*ret = send_buf(c, 200, e->type, e->body, e->len, MHD_RESPMEM_MUST_COPY,
		    "Cache-Control", "no-store");
		hit = 1;
	}
	pthread_mutex_unlock(&cache_mu);
	return hit;
}

static void
cache_put(const char *key, const char *ver, const char *type, const char *body, size_t len)
{
	struct centry *e = &cache[hash(key) % CACHE_SLOTS];

	if (len > 4 * 1024 * 1024)
		return;
	pthread_mutex_lock(&cache_mu);
	free(e->key);
	free(e->version);
	free(e->type);
	free(e->body);
	e->key = xstrdup(key);
	e->version = xstrdup(ver);
	e->type = xstrdup(type);
	e->body = xmalloc(len + 1);
	memcpy(e->body, body, len);
	e->len = len;
	pthread_mutex_unlock(&cache_mu);
}

static void
cache_free(void)
{
	for (int i = 0; i < CACHE_SLOTS; i++) {
		free(cache[i].key);
		free(cache[i].version);
		free(cache[i].type);
		free(cache[i].body);
		memset(&cache[i], 0, sizeof(cache[i]));
	}
}

/* ---- the API ------------------------------------------------------------ */

static int
same_origin(struct MHD_Connection *c)
{
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	const char *site = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site");
	const char *p;

	if (site != NULL && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
		return 0;
	if (origin == NULL)
		return 1;
	if (host == NULL || (p = strstr(origin, "://")) == NULL)
		return 0;
	return strcmp(p + 3, host) == 0;
}

static enum MHD_Result
serve_api(struct MHD_Connection *c, const web_opts *o, const char *url, const char *method,
    struct rstate *rs)
{
	wreq r;
	wresp out;
	enum MHD_Result ret;
	char ver[128], err[256];
	dbuf key;
	int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0, slot = -1;

	memset(&r, 0, sizeof(r));
	memset(&out, 0, sizeof(out));
	if (!get) {
		const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");

		if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0)
			return send_text(c, 415, "state-changing requests must be application/json\n");
		if (!same_origin(c))
			return send_text(c, 403, "cross-origin request refused\n");
	}
	if (rs->toobig)
		return send_text(c, 413, "request body too large\n");
	dbuf_init(&key, 8192);
	bg_version(ver, sizeof(ver));
	if (get) {
		dbuf_addstr(&key, url);
		MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, arg_iter, &key);
		if (cache_get(dbuf_cstr(&key), ver, c, &ret)) {
			dbuf_free(&key);
			return ret;
		}
		if (strcmp(url, "/api/v1/version") != 0 && strcmp(url, "/api/v1/records.csv") != 0 &&
		    strncmp(url, "/api/v1/raw/", 12) != 0) {
			slot = (int)(hash(dbuf_cstr(&key)) % CACHE_SLOTS);
			pthread_mutex_lock(&flight[slot]);
			if (cache_get(dbuf_cstr(&key), ver, c, &ret)) {
				pthread_mutex_unlock(&flight[slot]);
				dbuf_free(&key);
				return ret;
			}
		}
	}
	r.c = c;
	r.o = o;
	r.method = method;
	r.path = url + strlen("/api/v1");
	r.body = rs->body.len ? dbuf_cstr(&rs->body) : NULL;
	r.bodylen = rs->body.len;
	if ((r.st = pool_get(err, sizeof(err))) == NULL) {
		log_warnx("serve: %s", err);
		if (slot >= 0)
			pthread_mutex_unlock(&flight[slot]);
		dbuf_free(&key);
		return send_text(c, 503, "database unavailable\n");
	}
	dbuf_init(&out.body, (size_t)1 << 30);
	out.status = 200;
	out.type = "application/json; charset=utf-8";
	api_handle(&r, &out);
	pool_put(r.st);
	if (!get)
		bg_kick();
	if (out.ready != NULL) {
		if (slot >= 0)
			pthread_mutex_unlock(&flight[slot]);
		secure_headers(out.ready);
		ret = MHD_queue_response(c, (unsigned)out.status, out.ready);
		MHD_destroy_response(out.ready);
	} else {
		struct MHD_Response *resp;

		if (get && out.cacheable && out.status == 200)
			cache_put(dbuf_cstr(&key), ver, out.type, out.body.data ? out.body.data : "",
			    out.body.len);
		if (slot >= 0) {
			pthread_mutex_unlock(&flight[slot]);
			slot = -1;
		}
		resp = MHD_create_response_from_buffer(out.body.len, out.body.data,
		    MHD_RESPMEM_MUST_FREE);
		out.body.data = NULL;
		MHD_add_response_header(resp, "Content-Type", out.type);
		MHD_add_response_header(resp, "Cache-Control", "no-store");
		if (out.disposition != NULL)
			MHD_add_response_header(resp, "Content-Disposition", out.disposition);
		secure_headers(resp);
		ret = MHD_queue_response(c, (unsigned)out.status, resp);
		MHD_destroy_response(resp);
	}
	dbuf_free(&out.body);
	dbuf_free(&key);
	return ret;
}

/* ---- the handler -------------------------------------------------------- */

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	const web_opts *o = cls;
	struct rstate *rs = *con_cls;

	(void)version;
	if (rs == NULL) {
		rs = xcalloc(1, sizeof(*rs));
		dbuf_init(&rs->body, MAX_BODY);
		*con_cls = rs;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (dbuf_add(&rs->body, upload, *upload_size) != DBUF_OK)
			rs->toobig = 1;
		*upload_size = 0;
		return MHD_YES;
	}
	if (o->verbose)
		log_info("%s %s", method, url);
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
	    strcmp(method, "POST") != 0 && strcmp(method, "DELETE") != 0)
		return send_buf(c, 405, "text/plain; charset=utf-8", "method not allowed\n", 19,
		    MHD_RESPMEM_PERSISTENT, "Allow", "GET, HEAD, POST, DELETE");
	if (!authorized(c, o))
		return deny_auth(c);
	if (strncmp(url, "/api/v1/", 8) == 0)
		return serve_api(c, o, url, method, rs);
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return send_buf(c, 405, "text/plain; charset=utf-8", "method not allowed\n", 19,
		    MHD_RESPMEM_PERSISTENT, "Allow", "GET, HEAD");
	return serve_static(c, url);
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct rstate *rs = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (rs != NULL) {
		dbuf_free(&rs->body);
		free(rs);
		*con_cls = NULL;
	}
}

static int
is_loopback(const char *host)
{
	return strcmp(host, "127.0.0.1") == 0 || strncmp(host, "127.", 4) == 0 ||
	    strcmp(host, "::1") == 0 || strcmp(host, "localhost") == 0;
}

int
web_serve(const web_opts *o)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	struct MHD_Daemon *d;
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_ERROR_LOG;
	const char *host = strcmp(o->host, "localhost") == 0 ? "127.0.0.1" : o->host;
	sigset_t set;
	int sig;

	if (!is_loopback(host) && o->password == NULL) {
		log_warnx("serve: listening on %s needs an admin password "
		    "(--password-file FILE or $DMARCSCOPE_ADMIN_PASSWORD)", o->host);
		return -1;
	}
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)o->port);
	} else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)o->port);
		flags |= MHD_USE_IPv6;
	} else {
		log_warnx("serve: bad listen address '%s' (use a numeric address)", o->host);
		return -1;
	}
	/* SIGPIPE from a closed download; SIGINT/SIGTERM are taken by sigwait. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	pool_init(o);
	for (int i = 0; i < CACHE_SLOTS; i++)
		pthread_mutex_init(&flight[i], NULL);
	if (bg_start(o) != 0)
		return -1;
	d = MHD_start_daemon(flags, (uint16_t)o->port, NULL, NULL, handler, (void *)o,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)o->max_conn,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)(is_loopback(host) ? 0 : 32),
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_END);
	if (d == NULL) {
		log_warnx("serve: cannot listen on %s port %d: %s", o->host, o->port,
		    strerror(errno));
		bg_stop();
		pool_fini();
		return -1;
	}
	printf("dmarcscope: serving http://%s%s%s:%d/ (Ctrl-C stops)\n",
	    strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", o->port);
	fflush(stdout);
	while (sigwait(&set, &sig) == 0 && sig != SIGINT && sig != SIGTERM)
		;
	MHD_stop_daemon(d);
	bg_stop();
	pool_fini();
	cache_free();
	return 0;
}
