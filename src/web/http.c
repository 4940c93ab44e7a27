/*
 * http.c - the portal's HTTP server (libmicrohttpd, one thread per
 * connection behind an internal polling thread).
 *
 * Every response carries a strict Content-Security-Policy (scripts and
 * styles from 'self' only: no inline script, no style attributes, no
 * framing), X-Content-Type-Options: nosniff, Referrer-Policy: no-referrer,
 * X-Frame-Options: DENY, Cross-Origin-Opener-Policy and -Resource-Policy:
 * same-origin, and, over TLS (or https at a trusted proxy), HSTS.
 *
 * Every API request is resolved to a principal first (resolve_principal:
 * token, session, or the local operator in single-user mode) and the route
 * table's access level decides (api.c); X-Forwarded-For / -Proto count
 * only from --trusted-proxy addresses (peer_ip).
 *
 * Limits: MAX_BODY bytes of request body (413 beyond), the connection
 * memory limit caps the request line and headers, a global and a per-client
 * connection limit (loopback included), a deadline for receiving each
 * request (header_timeout: the watcher thread below), an idle timeout, and
 * a time limit for each request's database work (query_ms, through
 * store_web watch), which also stops the work when the client has closed
 * its connection.  Methods other than GET, HEAD, POST and DELETE get 405.
 * State-changing requests (POST, DELETE) must be application/json (so a
 * cross-site form cannot send them) and, when the browser says where they
 * come from, same-origin.
 *
 * DNS rebinding: Host must be an allowed name (host_allowed) and Origin,
 * when sent, http(s) on one; else 421 / 403 before anything else runs.
 *
 * A non-loopback listen address needs users (or the legacy admin
 * password).  With an admin password every request needs HTTP Basic auth
 * as user "admin" (the local operator); the credentials are decoded here
 * and compared whole, in constant time.
 *
 * GET API responses marked cacheable are kept in a small cache keyed by
 * the principal's tenant and write right and the exact request (path and
 * every argument with its length; too long: 414) and tagged with the
 * data version (bg.c) and the count of writes this node answered; a
 * changed version misses, and so does the first read after a write.
 * Requests that miss wait for any computation in the same cache slot first
 * (single flight), so a burst of identical requests costs one query.  This
 * is what makes the statistics endpoint cheap.
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
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "auth_web.h"
#include "metrics.h"
#include "web_priv.h"
#include "../store/store_auth.h"
#include "../util/ipaddr.h"
#include "../util/log.h"

#define MAX_BODY (64 * 1024)
#define CACHE_SLOTS 128
#define MAX_PROXIES 32

static const char CSP[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

struct rstate {
	dbuf body;
	int toobig;
	metrics_req m;		/* /metrics: route, status, duration */
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
	o->replica_max_lag_ms = 500;
	o->max_range_days = 90;
	o->enrich = 1;
	o->enrich_interval = 300;
	o->max_conn = 256;
	o->header_timeout = 10;
	o->query_ms = 10000;
}

/* The request being answered on this thread came over TLS (or through a
 * trusted proxy that says https): its answers carry HSTS.  Set by handler(),
 * which answers on the connection's own thread. */
static _Thread_local int req_secure;

static void
secure_headers(struct MHD_Response *r)
{
	MHD_add_response_header(r, "Content-Security-Policy", CSP);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
	MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
	if (req_secure)
		MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
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

/*
 * Equal byte strings, in time that depends on neither the contents nor the
 * lengths: both sides are hashed and the digests compared with
 * CRYPTO_memcmp.  Lengths count, so "secret\0junk" is not "secret".
 */
static int
ct_equal(const void *a, size_t la, const void *b, size_t lb)
{
	unsigned char da[EVP_MAX_MD_SIZE], db[EVP_MAX_MD_SIZE];
	unsigned na = 0, nb = 0;

	if (EVP_Digest(a, la, da, &na, EVP_sha256(), NULL) != 1 ||
	    EVP_Digest(b, lb, db, &nb, EVP_sha256(), NULL) != 1 || na != nb)
		return 0;
	return CRYPTO_memcmp(da, db, na) == 0;
}

/*
 * HTTP Basic: "Authorization: Basic base64(user:password)".  Decoded here
 * with lengths kept (libmicrohttpd 0.9.75 hands back C strings, which cut
 * at a NUL inside the password).  At most 1 KiB of credentials.
 */
static int
authorized(struct MHD_Connection *c, const web_opts *o)
{
	const char *h;
	unsigned char dec[1024];
	EVP_ENCODE_CTX *e;
	int n1 = 0, n2 = 0, ok;
	size_t n;
	const unsigned char *colon;

	if (o->password == NULL)
		return 1;
	h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (h == NULL || strncasecmp(h, "Basic ", 6) != 0)
		return 0;
	for (h += 6; *h == ' '; h++)
		;
	if ((n = strlen(h)) == 0 || n > sizeof(dec) || (e = EVP_ENCODE_CTX_new()) == NULL)
		return 0;
	EVP_DecodeInit(e);
	ok = EVP_DecodeUpdate(e, dec, &n1, (const unsigned char *)h, (int)n) >= 0 &&
	    EVP_DecodeFinal(e, dec + n1, &n2) == 1;
	EVP_ENCODE_CTX_free(e);
	if (!ok || (colon = memchr(dec, ':', (size_t)(n1 + n2))) == NULL)
		return 0;
	n = (size_t)(n1 + n2);
	ok = ct_equal(dec, (size_t)(colon - dec), "admin", 5);
	ok &= ct_equal(colon + 1, n - (size_t)(colon + 1 - dec), o->password,
	    strlen(o->password));
	OPENSSL_cleanse(dec, sizeof(dec));
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

/*
 * The cache key is the path and every decoded argument, in request order,
 * each with its length ("&3:key=5:value", "&3:key" without a value), so no
 * two different requests share a key.  When it does not fit in KEY_MAX the
 * request is refused (414), never cached under a shortened key.
 */
#define KEY_MAX (64 * 1024)

struct keyb {
	dbuf b;
	int full;
};

static enum MHD_Result
arg_iter(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct keyb *k = cls;
	int rc;

	(void)kind;
	if (value != NULL)
		rc = dbuf_printf(&k->b, "&%zu:%s=%zu:%s", strlen(key), key, strlen(value), value);
	else
		rc = dbuf_printf(&k->b, "&%zu:%s", strlen(key), key);
	if (rc != DBUF_OK) {
		k->full = 1;
		return MHD_NO;
	}
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

/* ---- Host and Origin (DNS rebinding) ------------------------------------ */

/*
 * The host name of a Host header ("name", "name:port", "[v6]:port") or of
 * an Origin's authority, lower-cased into buf.  -1 when malformed.
 */
static int
host_name(const char *s, char *buf, size_t len)
{
	const char *end, *port;
	size_t n;

	if (s[0] == '[') {
		if ((end = strchr(s, ']')) == NULL)
			return -1;
		s++;
		port = end + 1;
		if (*port != '\0' && *port != ':')
			return -1;
	} else {
		end = strchr(s, ':');
		port = end != NULL ? end : s + strlen(s);
		end = port;
	}
	if (*port == ':') {
		if (port[1] == '\0' || strspn(port + 1, "0123456789") != strlen(port + 1))
			return -1;
	}
	n = (size_t)(end - s);
	if (n == 0 || n >= len)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' || ch == ':'))
			return -1;
		buf[i] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
	}
	buf[n] = '\0';
	return 0;
}

static int
ip_literal(const char *s, unsigned char *bin, int *family)
{
	if (inet_pton(AF_INET, s, bin) == 1) {
		*family = AF_INET;
		return 1;
	}
	if (inet_pton(AF_INET6, s, bin) == 1) {
		*family = AF_INET6;
		return 1;
	}
	return 0;
}

static int
is_loopback_bin(int family, const unsigned char *b)
{
	static const unsigned char v6lo[16] = { [15] = 1 };

	return family == AF_INET ? b[0] == 127 : memcmp(b, v6lo, 16) == 0;
}

static int
is_any_bin(int family, const unsigned char *b)
{
	static const unsigned char zero[16];

	return memcmp(b, zero, family == AF_INET ? 4 : 16) == 0;
}

/*
 * An allowed host name: one given with --allow-host (or allow_host in the
 * configuration); the listen address itself; any address literal when
 * listening on every address (0.0.0.0, ::), since a literal cannot be
 * rebound; "localhost" and loopback literals when listening on loopback.
 * Any other name may be an attacker's, pointed at this address.
 */
static int
host_allowed(const web_opts *o, const char *name)
{
	unsigned char lb[16], hb[16];
	int lf, hf;
	const char *listen = strcmp(o->host, "localhost") == 0 ? "127.0.0.1" : o->host;

	for (int i = 0; i < o->n_allow_hosts; i++)
		if (strcasecmp(o->allow_hosts[i], name) == 0)
			return 1;
	if (!ip_literal(listen, lb, &lf))
		return 0;
	if (strcmp(name, "localhost") == 0)
		return is_loopback_bin(lf, lb) || is_any_bin(lf, lb);
	if (!ip_literal(name, hb, &hf))
		return 0;
	if (is_any_bin(lf, lb))
		return 1;
	if (hf == lf && memcmp(hb, lb, lf == AF_INET ? 4 : 16) == 0)
		return 1;
	return is_loopback_bin(lf, lb) && is_loopback_bin(hf, hb);
}

/*
 * Host must name this server and an Origin, when sent, must be http(s) on
 * an allowed name: a page on another site that rebinds its name to this
 * address sends its own name in both.  Returns 0, or the status (421 for
 * Host, 403 for Origin) after queueing a JSON error.
 */
static enum MHD_Result send_json_error(struct MHD_Connection *c, int status,
    const char *code, const char *msg);

static int
check_host(struct MHD_Connection *c, const web_opts *o, enum MHD_Result *ret)
{
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	char name[256];

	if (host != NULL && (host_name(host, name, sizeof(name)) != 0 ||
	    !host_allowed(o, name))) {
		*ret = send_json_error(c, 421, "host_not_allowed", "this server does not answer "
		    "to that host name (allow it with serve --allow-host NAME)");
		return 421;
	}
	if (origin != NULL) {
		const char *a = strncasecmp(origin, "http://", 7) == 0 ? origin + 7 :
		    strncasecmp(origin, "https://", 8) == 0 ? origin + 8 : NULL;

		if (a == NULL || strchr(a, '/') != NULL || host_name(a, name, sizeof(name)) != 0 ||
		    !host_allowed(o, name)) {
			*ret = send_json_error(c, 403, "origin_not_allowed", "requests from "
			    "that origin are refused");
			return 403;
		}
	}
	return 0;
}

/* application/json, with at most a charset parameter (utf-8). */
static int
json_media_type(const char *ct)
{
	size_t n;

	if (ct == NULL)
		return 0;
	ct += strspn(ct, " \t");
	n = strcspn(ct, "; \t");
	if (n != 16 || strncasecmp(ct, "application/json", 16) != 0)
		return 0;
	for (ct += n; ; ) {
		ct += strspn(ct, " \t");
		if (*ct == '\0')
			return 1;
		if (*ct++ != ';')
			return 0;
		ct += strspn(ct, " \t");
		if (*ct == '\0')
			return 1;
		if (strncasecmp(ct, "charset=", 8) != 0)
			return 0;
		ct += 8;
		if (strncasecmp(ct, "\"utf-8\"", 7) == 0)
			ct += 7;
		else if (strncasecmp(ct, "utf-8", 5) == 0)
			ct += 5;
		else
			return 0;
	}
}

/* ---- query deadline and cancellation ------------------------------------ */

struct qwatch {
	int fd;			/* the client's socket, -1 unknown */
	struct timespec deadline;
	unsigned calls;
	int timedout, gone;
};

/* Called by the store every few thousand steps: stop past the deadline or
 * when the client has closed its end. */
static int
qwatch_stop(void *ctx)
{
	struct qwatch *w = ctx;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > w->deadline.tv_sec || (now.tv_sec == w->deadline.tv_sec &&
	    now.tv_nsec >= w->deadline.tv_nsec)) {
		w->timedout = 1;
		return 1;
	}
	if (w->fd >= 0 && (++w->calls & 7) == 0) {
		struct pollfd p = { .fd = w->fd, .events = POLLRDHUP };

		if (poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0) {
			w->gone = 1;
			return 1;
		}
	}
	return 0;
}

static int
conn_fd(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c,
	    MHD_CONNECTION_INFO_CONNECTION_FD);

	return ci != NULL ? ci->connect_fd : -1;
}

/* ---- the API ------------------------------------------------------------ */

static enum MHD_Result
send_json_error(struct MHD_Connection *c, int status, const char *code, const char *msg)
{
	json_t *j = json_pack("{s:s,s:s}", "error", code, "message", msg);
	char *t = j != NULL ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	enum MHD_Result ret;

	json_decref(j);
	if (t == NULL)
		return MHD_NO;
	ret = send_buf(c, status, "application/json; charset=utf-8", t, strlen(t),
	    MHD_RESPMEM_MUST_COPY, "Cache-Control", "no-store");
	free(t);
	return ret;
}

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

/* The configured trusted proxies (--trusted-proxy), parsed at start. */
static ip_cidr proxies[MAX_PROXIES];
static int nproxies;

static int
proxy_trusted(const char *ip)
{
	ip_bin b;

	if (nproxies == 0 || ip_parse(ip, &b) != 0)
		return 0;
	for (int i = 0; i < nproxies; i++)
		if (ip_cidr_contains(&proxies[i], &b))
			return 1;
	return 0;
}

/*
 * The client's address as text ("-" when unknown) and whether the request
 * came over TLS.  The peer's address, unless the peer is a trusted proxy:
 * then the rightmost address of X-Forwarded-For that is not a trusted proxy
 * (each proxy appends the address it saw, so everything left of the first
 * untrusted hop could be the client's own invention), and
 * X-Forwarded-Proto: https counts as TLS.  A malformed entry stops the
 * walk at the last good address.
 */
static void
peer_ip(struct MHD_Connection *c, char *buf, size_t len, int *secure)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;
	const union MHD_ConnectionInfo *tls = MHD_get_connection_info(c,
	    MHD_CONNECTION_INFO_GNUTLS_SESSION);
	const char *xff, *proto;

	*secure = tls != NULL && tls->tls_session != NULL;
	snprintf(buf, len, "-");
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, buf,
		    (socklen_t)len);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		    buf, (socklen_t)len);
	if (!proxy_trusted(buf))
		return;
	proto = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-Proto");
	if (proto != NULL && strcasecmp(proto, "https") == 0)
		*secure = 1;
	if ((xff = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For")) == NULL)
		return;
	for (size_t end = strlen(xff); end > 0; ) {
		size_t start = end, seg, n;
		char one[IP_STRLEN + 8], canon[IP_STRLEN];
		int fam;

		while (start > 0 && xff[start - 1] != ',')
			start--;
		seg = start;	/* just after the comma */
		n = end - start;
		while (n > 0 && (xff[start] == ' ' || xff[start] == '\t')) {
			start++;
			n--;
		}
		while (n > 0 && (xff[start + n - 1] == ' ' || xff[start + n - 1] == '\t'))
			n--;
		if (n == 0 || n >= sizeof(one))
			return;
		memcpy(one, xff + start, n);
		one[n] = '\0';
		if (ip_canon(one, n, canon, &fam) != 0)
			return;
		snprintf(buf, len, "%s", canon);
		if (!proxy_trusted(canon))
			return;
		end = seg > 0 ? seg - 1 : 0;
	}
}

static int is_loopback(const char *host);

/*
 * Who the request is (wreq.principal): a Bearer token or the session
 * cookie (principal_from_request); else the local operator when HTTP Basic
 * passed (--password-file: handler() checked it) or when no users are
 * defined and the server listens on loopback (single-user mode); else
 * nobody (AUTH_NONE: only the public routes answer).  0, or -1 on a store
 * error.
 */
static int
resolve_principal(struct MHD_Connection *c, const web_opts *o, store *st, const char *ip,
    dm_principal *p)
{
	session_opts so;
	char err[256];
	int64_t users = 0;
	int rc;

	session_opts_default(&so);
	rc = principal_from_request(st, &so, MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "Cookie"), MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization"), ip, p,
	    err, sizeof(err));
	if (rc < 0)
		return -1;
	if (rc == 1)
		return 0;
	memset(p, 0, sizeof(*p));
	if (o->password != NULL) {
		principal_local(p);
		return 0;
	}
	if (!is_loopback(o->host))
		return 0;
	if (store_has(st, auth) && store_auth_user_count(st, &users) != STORE_OK)
		return -1;
	if (users == 0)
		principal_local(p);
	return 0;
}

static enum MHD_Result
serve_api(struct MHD_Connection *c, const web_opts *o, const char *url, const char *method,
    struct rstate *rs)
{
	wreq r;
	wresp out;
	enum MHD_Result ret;
	char ver[160], err[256], ip[INET6_ADDRSTRLEN + 8];
	struct keyb kb;
	dbuf *key = &kb.b;
	struct qwatch qw;
	dm_principal who;
	int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0, slot = -1, secure = 0;

	memset(&r, 0, sizeof(r));
	memset(&out, 0, sizeof(out));
	if (!get) {
		const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");

		if (!json_media_type(ct))
			return send_json_error(c, 415, "media_type", "state-changing requests must "
			    "be application/json");
		if (!same_origin(c))
			return send_json_error(c, 403, "cross_origin", "cross-origin request refused");
	}
	if (rs->toobig)
		return send_text(c, 413, "request body too large\n");
	if ((r.st = pool_get(err, sizeof(err))) == NULL) {
		log_warnx("serve: %s", err);
		return send_json_error(c, 503, "database", "database unavailable");
	}
	peer_ip(c, ip, sizeof(ip), &secure);
	if (resolve_principal(c, o, r.st, ip, &who) != 0) {
		log_warnx("serve: %s", store_errmsg(r.st));
		pool_put(r.st);
		return send_json_error(c, 503, "database", "database unavailable");
	}
	memset(&kb, 0, sizeof(kb));
	dbuf_init(key, KEY_MAX);
	bg_version(ver, sizeof(ver));
	/* and the writes this node answered: a read after one never meets an
	 * answer from before it while the version is read again (bg.c) */
	snprintf(ver + strlen(ver), sizeof(ver) - strlen(ver), "/w%lu", bg_writes());
	/* cached answers are per tenant and write right (an operator's
	 * answers hold every tenant's); nobody's are never cached */
	if (get && who.method != AUTH_NONE) {
		if (dbuf_printf(key, "t%lld:w%d|", (long long)who.tenant_id,
		    principal_can_write(&who)) != DBUF_OK || dbuf_addstr(key, url) != DBUF_OK)
			kb.full = 1;
		else
			MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, arg_iter, &kb);
		if (kb.full) {
			pool_put(r.st);
			principal_free(&who);
			dbuf_free(key);
			return send_json_error(c, 414, "uri_too_long", "the request URI is too long");
		}
		if (cache_get(dbuf_cstr(key), ver, c, &ret)) {
			pool_put(r.st);
			principal_free(&who);
			dbuf_free(key);
			return ret;
		}
		if (strcmp(url, "/api/v1/version") != 0 && strcmp(url, "/api/v1/records.csv") != 0 &&
		    strncmp(url, "/api/v1/raw/", 12) != 0) {
			slot = (int)(hash(dbuf_cstr(key)) % CACHE_SLOTS);
			pthread_mutex_lock(&flight[slot]);
			if (cache_get(dbuf_cstr(key), ver, c, &ret)) {
				pthread_mutex_unlock(&flight[slot]);
				pool_put(r.st);
				principal_free(&who);
				dbuf_free(key);
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
	r.principal = &who;
	r.client_ip = ip;
	r.secure = secure;
	dbuf_init(&out.body, (size_t)1 << 30);
	out.status = 200;
	out.type = "application/json; charset=utf-8";
	memset(&qw, 0, sizeof(qw));
	qw.fd = conn_fd(c);
	clock_gettime(CLOCK_MONOTONIC, &qw.deadline);
	/* reads get the time limit; a change (a quarantine retry re-ingests a
	 * whole message) may take longer, and stops only if the client leaves */
	if (get) {
		long ms = o->query_ms > 0 ? o->query_ms : 10000;

		qw.deadline.tv_sec += ms / 1000;
		qw.deadline.tv_nsec += (ms % 1000) * 1000000L;
		if (qw.deadline.tv_nsec >= 1000000000L) {
			qw.deadline.tv_sec++;
			qw.deadline.tv_nsec -= 1000000000L;
		}
	} else
		qw.deadline.tv_sec += 86400;
	if (store_has(r.st, web) && store_has_op(r.st, web, watch))
		store_web_watch(r.st, qwatch_stop, &qw);
	api_handle(&r, &out);
	if (store_has(r.st, web) && store_has_op(r.st, web, watch))
		store_web_watch(r.st, NULL, NULL);
	/* back to writable for the next request on this connection (resolving
	 * a principal writes); if that fails, the connection is not reused */
	if (r.query_only && store_web_query_only(r.st, 0) != STORE_OK) {
		log_warnx("serve: %s", store_errmsg(r.st));
		store_close(r.st);
		r.st = NULL;
	}
	pool_put(r.st);
	principal_free(&who);
	if (!get)
		bg_kick();
	if (qw.gone || qw.timedout) {
		/* whatever the handler made of an interrupted query is dropped */
		if (out.ready != NULL)
			MHD_destroy_response(out.ready);
		out.ready = NULL;
		out.cacheable = 0;
		if (qw.gone) {
			if (slot >= 0)
				pthread_mutex_unlock(&flight[slot]);
			dbuf_free(&out.body);
			dbuf_free(key);
			return MHD_NO;	/* nobody to answer: close */
		}
		api_error(&out, 503, "timeout", "the query took too long; narrow the filters "
		    "(a shorter range, a domain)");
	}
	if (out.ready != NULL) {
		if (slot >= 0)
			pthread_mutex_unlock(&flight[slot]);
		secure_headers(out.ready);
		ret = MHD_queue_response(c, (unsigned)out.status, out.ready);
		MHD_destroy_response(out.ready);
	} else {
		struct MHD_Response *resp;

		if (get && out.cacheable && out.status == 200)
			cache_put(dbuf_cstr(key), ver, out.type, out.body.data ? out.body.data : "",
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
		if (out.truncated)
			MHD_add_response_header(resp, "X-Dmarcscope-Truncated", "1");
		secure_headers(resp);
		ret = MHD_queue_response(c, (unsigned)out.status, resp);
		MHD_destroy_response(resp);
	}
	dbuf_free(&out.body);
	dbuf_free(key);
	return ret;
}

/* ---- header deadline ------------------------------------------------------ */

/*
 * libmicrohttpd's connection timeout is an idle timeout: a client sending
 * one byte every few seconds keeps a connection (and, here, a thread)
 * forever.  Every connection is tracked from accept; a connection whose
 * request (headers and body) has not all arrived header_timeout seconds
 * after it was accepted or after its previous request completed is shut
 * down by the watcher thread (shutdown(2): libmicrohttpd still owns and
 * closes the socket).  Tracked from the connection callbacks; the handler
 * marks a request busy once it is complete.
 */
struct conn {
	int fd;
	int busy;		/* request in, being handled */
	time_t since;		/* start of the wait for headers (monotonic s) */
	struct conn *prev, *next;
};

static pthread_mutex_t conn_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t conn_cv = PTHREAD_COND_INITIALIZER;
static struct conn *conns;
static int conn_stop;
static pthread_t conn_thr;

static time_t
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void
conn_notify(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	struct conn *k = *socket_context;

	(void)cls;
	pthread_mutex_lock(&conn_mu);
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		k = xcalloc(1, sizeof(*k));
		k->fd = conn_fd(c);
		k->since = mono_now();
		if ((k->next = conns) != NULL)
			conns->prev = k;
		conns = k;
		*socket_context = k;
	} else if (k != NULL) {
		if (k->prev != NULL)
			k->prev->next = k->next;
		else
			conns = k->next;
		if (k->next != NULL)
			k->next->prev = k->prev;
		free(k);
		*socket_context = NULL;
	}
	pthread_mutex_unlock(&conn_mu);
}

/* busy 1: the request's headers are in; 0: it completed, wait again */
static void
conn_mark(struct MHD_Connection *c, int busy)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c,
	    MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn *k = ci != NULL ? ci->socket_context : NULL;

	if (k == NULL)
		return;
	pthread_mutex_lock(&conn_mu);
	k->busy = busy;
	k->since = mono_now();
	pthread_mutex_unlock(&conn_mu);
}

static void *
conn_watch(void *arg)
{
	const web_opts *o = arg;
	time_t limit = o->header_timeout > 0 ? o->header_timeout : 10;

	pthread_mutex_lock(&conn_mu);
	while (!conn_stop) {
		struct timespec ts;
		time_t now = mono_now();

		for (struct conn *k = conns; k != NULL; k = k->next)
			if (!k->busy && k->fd >= 0 && now - k->since >= limit) {
				shutdown(k->fd, SHUT_RDWR);
				k->fd = -1;
			}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&conn_cv, &conn_mu, &ts);
	}
	pthread_mutex_unlock(&conn_mu);
	return NULL;
}

/* ---- the handler -------------------------------------------------------- */

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	const web_opts *o = cls;
	struct rstate *rs = *con_cls;
	enum MHD_Result ret;

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
	conn_mark(c, 1);	/* the whole request is in */
	metrics_http_begin(&rs->m, method, url);
	{
		char ip[INET6_ADDRSTRLEN + 8];

		peer_ip(c, ip, sizeof(ip), &req_secure);
	}
	if (o->verbose)
		log_info("%s %s", method, url);
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
	    strcmp(method, "POST") != 0 && strcmp(method, "DELETE") != 0)
		return send_buf(c, 405, "text/plain; charset=utf-8", "method not allowed\n", 19,
		    MHD_RESPMEM_PERSISTENT, "Allow", "GET, HEAD, POST, DELETE");
	if (check_host(c, o, &ret) != 0)
		return ret;
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
	(void)toe;
	conn_mark(c, 0);
	if (rs != NULL) {
		metrics_http_end(&rs->m, c);
		dbuf_free(&rs->body);
		free(rs);
		*con_cls = NULL;
	}
}

static void
conn_watch_stop(void)
{
	pthread_mutex_lock(&conn_mu);
	conn_stop = 1;
	pthread_cond_signal(&conn_cv);
	pthread_mutex_unlock(&conn_mu);
	pthread_join(conn_thr, NULL);
}

static int
is_loopback(const char *host)
{
	return strcmp(host, "127.0.0.1") == 0 || strncmp(host, "127.", 4) == 0 ||
	    strcmp(host, "::1") == 0 || strcmp(host, "localhost") == 0;
}

/* How many users the database holds: > 0, 0, -1 when it cannot tell. */
static int64_t
users_defined(const web_opts *o)
{
	char err[512];
	store *st;
	int64_t n = -1;

	if (store_open(&st, o->db, err, sizeof(err)) != STORE_OK) {
		log_warnx("serve: %s", err);
		return -1;
	}
	if (!store_has(st, auth) || store_auth_user_count(st, &n) != STORE_OK)
		n = -1;
	store_close(st);
	return n;
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
	int sig, per_ip;

	if (!is_loopback(host) && o->password == NULL && users_defined(o) <= 0) {
		log_warnx("serve: no users defined: listening on %s (not loopback) is refused; "
		    "add the provider's operator first (dmarcscope user add NAME --role operator, "
		    "docs/PROVIDER.md) or listen on 127.0.0.1", o->host);
		return -1;
	}
	nproxies = 0;
	for (int i = 0; i < o->n_trusted_proxies && i < MAX_PROXIES; i++) {
		if (ip_cidr_parse(o->trusted_proxies[i], &proxies[nproxies]) != 0) {
			log_warnx("serve: bad trusted proxy '%s' (a CIDR or an address)",
			    o->trusted_proxies[i]);
			return -1;
		}
		nproxies++;
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
	per_ip = o->max_per_client > 0 ? o->max_per_client : o->max_conn / 4;
	if (per_ip < 2)
		per_ip = 2;
	conn_stop = 0;
	if (pthread_create(&conn_thr, NULL, conn_watch, (void *)o) != 0) {
		log_warnx("serve: cannot start a thread");
		bg_stop();
		pool_fini();
		return -1;
	}
	/* Every client address, loopback included (a local reverse proxy
	 * should then get a larger --max-per-client), gets at most per_ip
	 * connections, so one client cannot take every slot. */
	d = MHD_start_daemon(flags, (uint16_t)o->port, NULL, NULL, handler, (void *)o,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)o->max_conn,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)per_ip,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_NOTIFY_CONNECTION, conn_notify, NULL,
	    MHD_OPTION_END);
	if (d == NULL) {
		log_warnx("serve: cannot listen on %s port %d: %s", o->host, o->port,
		    strerror(errno));
		conn_watch_stop();
		bg_stop();
		pool_fini();
		return -1;
	}
	auth_web_announce();
	printf("dmarcscope: serving http://%s%s%s:%d/ (Ctrl-C stops)\n",
	    strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", o->port);
	fflush(stdout);
	while (sigwait(&set, &sig) == 0 && sig != SIGINT && sig != SIGTERM)
		;
	MHD_stop_daemon(d);
	conn_watch_stop();
	bg_stop();
	pool_fini();
	cache_free();
	return 0;
}
