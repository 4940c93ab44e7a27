/*
 * rdap.c - see rdap.h: the RFC 9224 bootstrap (longest-prefix match over
 * the IANA files), the RFC 9083 ip network parser (jansson), and a libcurl
 * multi client that fetches several networks at once.
 *
 * Safety: only http and https, also on redirects (at most 5); bodies over
 * RDAP_MAX_BODY are cut off (the fetch fails); every string taken from an
 * answer is length-capped and has its control characters replaced.  With
 * loopback_only, a socket to anything but 127/8 or ::1 is refused before it
 * connects (the tests rely on it: nothing leaves the machine).
 *
 * Exports: everything in rdap.h.  Out of memory is fatal.
 */
#include "rdap.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <jansson.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../util/log.h"

/* ---- bootstrap ----------------------------------------------------------- */

typedef struct boot_ent {
	int family;
	unsigned char net[16];
	int bits;
	int url;		/* index into urls */
} boot_ent;

struct rdap_boot {
	boot_ent *ent;
	int n, cap;
	char **urls;
	int nurls;
};

static int
parse_prefix(const char *s, boot_ent *e)
{
	char buf[64], *slash;
	long bits;
	char *end;

	if (strlen(s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, strlen(s) + 1);
	if ((slash = strchr(buf, '/')) == NULL)
		return -1;
	*slash = '\0';
	bits = strtol(slash + 1, &end, 10);
	memset(e->net, 0, sizeof(e->net));
	if (inet_pton(AF_INET, buf, e->net) == 1)
		e->family = 4;
	else if (inet_pton(AF_INET6, buf, e->net) == 1)
		e->family = 6;
	else
		return -1;
	if (*end != '\0' || end == slash + 1 || bits < 0 || bits > (e->family == 4 ? 32 : 128))
		return -1;
	e->bits = (int)bits;
	return 0;
}

static int
boot_file(rdap_boot *b, const char *path, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je), *svc, *pair;
	size_t i, k;

	if (root == NULL) {
		snprintf(err, errlen, "%s:%d: %s", path, je.line, je.text);
		return -1;
	}
	svc = json_object_get(root, "services");
	if (!json_is_array(svc)) {
		snprintf(err, errlen, "%s: no \"services\" array", path);
		json_decref(root);
		return -1;
	}
	json_array_foreach(svc, i, pair) {
		json_t *pfx = json_array_get(pair, 0), *urls = json_array_get(pair, 1), *v;
		const char *best = NULL;
		char *u;
		size_t ul;

		if (!json_is_array(pfx) || !json_is_array(urls))
			continue;
		json_array_foreach(urls, k, v) {
			const char *s = json_string_value(v);

			if (s == NULL)
				continue;
			if (strncasecmp(s, "https://", 8) == 0) {
				best = s;
				break;
			}
			if (best == NULL && strncasecmp(s, "http://", 7) == 0)
				best = s;
		}
		if (best == NULL)
			continue;
		ul = strlen(best);
		u = xmalloc(ul + 2);
		memcpy(u, best, ul + 1);
		if (ul == 0 || u[ul - 1] != '/')
			memcpy(u + ul, "/", 2);
		b->urls = xrealloc(b->urls, (size_t)(b->nurls + 1) * sizeof(*b->urls));
		b->urls[b->nurls++] = u;
		json_array_foreach(pfx, k, v) {
			boot_ent e;

			if (!json_is_string(v) || parse_prefix(json_string_value(v), &e) != 0)
				continue;
			e.url = b->nurls - 1;
			if (b->n == b->cap) {
				b->cap = b->cap ? b->cap * 2 : 256;
				b->ent = xrealloc(b->ent, (size_t)b->cap * sizeof(*b->ent));
			}
			b->ent[b->n++] = e;
		}
	}
	json_decref(root);
	return 0;
}

rdap_boot *
rdap_boot_load(const char *dir, char *err, size_t errlen)
{
	rdap_boot *b = xcalloc(1, sizeof(*b));
	static const char *const files[] = { "ipv4.json", "ipv6.json" };
	char path[PATH_MAX];
	int found = 0;

	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (access(path, R_OK) != 0)
			continue;
		found++;
		if (boot_file(b, path, err, errlen) != 0) {
			rdap_boot_free(b);
			return NULL;
		}
	}
	if (found == 0) {
		snprintf(err, errlen, "%s: no ipv4.json or ipv6.json (RDAP bootstrap)", dir);
		rdap_boot_free(b);
		return NULL;
	}
	return b;
}

void
rdap_boot_free(rdap_boot *b)
{
	if (b == NULL)
		return;
	for (int i = 0; i < b->nurls; i++)
		free(b->urls[i]);
	free(b->urls);
	free(b->ent);
	free(b);
}

int
rdap_boot_count(const rdap_boot *b)
{
	return b ? b->n : 0;
}

static int
prefix_match(const unsigned char *a, const unsigned char *net, int bits)
{
	int full = bits / 8, rest = bits % 8;

	if (memcmp(a, net, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((a[full] ^ net[full]) & (0xff << (8 - rest))) == 0;
}

const char *
rdap_boot_find(const rdap_boot *b, const enrich_ip *ip)
{
	int best = -1;

	if (b == NULL)
		return NULL;
	for (int i = 0; i < b->n; i++)
		if (b->ent[i].family == ip->family && (best < 0 || b->ent[i].bits >
		    b->ent[best].bits) && prefix_match(ip->b, b->ent[i].net, b->ent[i].bits))
			best = i;
	return best < 0 ? NULL : b->urls[b->ent[best].url];
}

const char *
rdap_default_bootstrap(char *buf, size_t len)
{
	static const char *const rel[] = { "/../data/rdap", "/../../data/rdap",
	    "/../share/dmarcscope/rdap", NULL };
	const char *env = getenv("DMARCSCOPE_RDAP_BOOTSTRAP");
	char exe[PATH_MAX], probe[PATH_MAX + 16], *slash;
	ssize_t n;

	if (env != NULL && *env != '\0') {
		snprintf(buf, len, "%s", env);
		return buf;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			for (int i = 0; rel[i] != NULL; i++) {
				snprintf(buf, len, "%s%s", exe, rel[i]);
				snprintf(probe, sizeof(probe), "%s/ipv4.json", buf);
				if (access(probe, R_OK) == 0)
					return buf;
			}
		}
	}
	if (access("data/rdap/ipv4.json", R_OK) == 0) {
		snprintf(buf, len, "data/rdap");
		return buf;
	}
	return NULL;
}

/* ---- the ip network object ------------------------------------------------- */

static void
copy_clean(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; src != NULL && src[i] != '\0' && i + 1 < len; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[i] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	dst[i] = '\0';
	/* do not leave half a UTF-8 sequence at the cut */
	while (i > 0 && src[i] != '\0' && ((unsigned char)dst[i - 1] & 0xc0) == 0x80)
		dst[--i] = '\0';
	if (i > 0 && src[i] != '\0' && ((unsigned char)dst[i - 1] & 0xc0) == 0xc0)
		dst[--i] = '\0';
}

/* The text value of vCard property prop (first one), or NULL. */
static const char *
vcard_get(json_t *entity, const char *prop)
{
	json_t *va = json_object_get(entity, "vcardArray"), *props, *p;
	size_t i;

	if (!json_is_array(va) || !json_is_array(props = json_array_get(va, 1)))
		return NULL;
	json_array_foreach(props, i, p) {
		json_t *v;
		const char *name = json_string_value(json_array_get(p, 0));

		if (name == NULL || strcasecmp(name, prop) != 0)
			continue;
		v = json_array_get(p, 3);
		if (json_is_string(v) && json_string_length(v) > 0)
			return json_string_value(v);
		if (json_is_array(v) && json_is_string(json_array_get(v, 0)))
			return json_string_value(json_array_get(v, 0));
	}
	return NULL;
}

static int
has_role(json_t *entity, const char *role)
{
	json_t *roles = json_object_get(entity, "roles"), *r;
	size_t i;

	json_array_foreach(roles, i, r)
		if (json_is_string(r) && strcasecmp(json_string_value(r), role) == 0)
			return 1;
	return 0;
}

static void
walk_entities(json_t *list, rdap_info *out, int depth, const char **org_fallback)
{
	json_t *ent;
	size_t i;

	if (!json_is_array(list) || depth > 4)
		return;
	json_array_foreach(list, i, ent) {
		const char *s;

		if (!json_is_object(ent))
			continue;
		if (out->org[0] == '\0' && has_role(ent, "registrant") &&
		    ((s = vcard_get(ent, "fn")) != NULL || (s = vcard_get(ent, "org")) != NULL))
			copy_clean(out->org, sizeof(out->org), s);
		if (*org_fallback == NULL && !has_role(ent, "abuse") &&
		    (s = vcard_get(ent, "kind")) != NULL && strcasecmp(s, "org") == 0)
			*org_fallback = vcard_get(ent, "fn");
		if (out->abuse[0] == '\0' && has_role(ent, "abuse") &&
		    (s = vcard_get(ent, "email")) != NULL)
			copy_clean(out->abuse, sizeof(out->abuse), s);
		walk_entities(json_object_get(ent, "entities"), out, depth + 1, org_fallback);
	}
}

static int
addr_key(const char *s, int *family, unsigned char key[16])
{
	enrich_ip ip;

	if (s == NULL || enrich_ip_parse(s, &ip) != 0)
		return -1;
	*family = ip.family;
	enrich_ip_key(&ip, key);
	return 0;
}

/* lo/hi from the first cidr0_cidrs entry. */
static int
cidr0_range(json_t *root, rdap_info *out)
{
	json_t *c = json_array_get(json_object_get(root, "cidr0_cidrs"), 0);
	const char *pfx;
	json_int_t len;
	enrich_ip ip;
	int bits, total;

	if (!json_is_object(c))
		return -1;
	pfx = json_string_value(json_object_get(c, "v4prefix"));
	if (pfx == NULL)
		pfx = json_string_value(json_object_get(c, "v6prefix"));
	if (pfx == NULL || !json_is_integer(json_object_get(c, "length")) ||
	    enrich_ip_parse(pfx, &ip) != 0)
		return -1;
	len = json_integer_value(json_object_get(c, "length"));
	if (len < 0 || len > (ip.family == 4 ? 32 : 128))
		return -1;
	bits = (ip.family == 4 ? 96 : 0) + (int)len;
	enrich_ip_key(&ip, out->lo);
	memcpy(out->hi, out->lo, 16);
	total = 128;
	for (int b = bits; b < total; b++) {
		out->lo[b / 8] &= (unsigned char)~(0x80 >> (b % 8));
		out->hi[b / 8] |= (unsigned char)(0x80 >> (b % 8));
	}
	out->family = ip.family;
	inet_ntop(ip.family == 4 ? AF_INET : AF_INET6, ip.family == 4 ? out->lo + 12 :
	    out->lo, out->start, sizeof(out->start));
	inet_ntop(ip.family == 4 ? AF_INET : AF_INET6, ip.family == 4 ? out->hi + 12 :
	    out->hi, out->end, sizeof(out->end));
	return 0;
}

int
rdap_parse(const char *json, size_t len, rdap_info *out, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root;
	const char *s, *oc, *org_fallback = NULL;
	int f1 = 0, f2 = 0;

	memset(out, 0, sizeof(*out));
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		snprintf(err, errlen, "bad JSON: %s (line %d)", je.text, je.line);
		return -1;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "not an RDAP object");
		json_decref(root);
		return -1;
	}
	oc = json_string_value(json_object_get(root, "objectClassName"));
	if (oc != NULL && strcasecmp(oc, "ip network") != 0) {
		snprintf(err, errlen, "objectClassName is \"%.40s\", not \"ip network\"", oc);
		json_decref(root);
		return -1;
	}
	if ((s = json_string_value(json_object_get(root, "handle"))) != NULL)
		copy_clean(out->handle, sizeof(out->handle), s);
	if ((s = json_string_value(json_object_get(root, "name"))) != NULL)
		copy_clean(out->name, sizeof(out->name), s);
	if ((s = json_string_value(json_object_get(root, "country"))) != NULL &&
	    strlen(s) == 2 && s[0] >= 'A' && s[0] <= 'z' && s[1] >= 'A' && s[1] <= 'z') {
		out->country[0] = (char)(s[0] & ~0x20);
		out->country[1] = (char)(s[1] & ~0x20);
	}
	if (addr_key(json_string_value(json_object_get(root, "startAddress")), &f1,
	    out->lo) == 0 && addr_key(json_string_value(json_object_get(root,
	    "endAddress")), &f2, out->hi) == 0 && f1 == f2 && memcmp(out->lo, out->hi,
	    16) <= 0) {
		out->family = f1;
		copy_clean(out->start, sizeof(out->start), json_string_value(
		    json_object_get(root, "startAddress")));
		copy_clean(out->end, sizeof(out->end), json_string_value(
		    json_object_get(root, "endAddress")));
	} else if (cidr0_range(root, out) != 0) {
		out->family = 0;
		memset(out->lo, 0, 16);
		memset(out->hi, 0, 16);
	}
	walk_entities(json_object_get(root, "entities"), out, 0, &org_fallback);
	if (out->org[0] == '\0' && org_fallback != NULL)
		copy_clean(out->org, sizeof(out->org), org_fallback);
	json_decref(root);
	return 0;
}

/* ---- the client -------------------------------------------------------------- */

typedef struct xfer {
	struct xfer *prev, *next;	/* the client's active transfers */
	CURL *h;
	char *body;
	size_t len, cap;
	int toobig;
	rdap_cb cb;
	void *arg;
	char url[600];
} xfer;

struct rdap_client {
	CURLM *m;
	struct curl_slist *hdr;
	xfer *active;
	int inflight, concurrency, timeout_ms, loopback_only;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_rc;

static void
curl_init_once(void)
{
	curl_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

const char *
rdap_outcome_state(rdap_outcome o)
{
	switch (o) {
	case RDAP_OK: return "ok";
	case RDAP_NOTFOUND: return "notfound";
	case RDAP_TIMEOUT: return "timeout";
	default: return "error";
	}
}

rdap_client *
rdap_client_new(int concurrency, int timeout_ms, int loopback_only, char *err, size_t errlen)
{
	rdap_client *c;

	pthread_once(&curl_once, curl_init_once);
	if (curl_rc != CURLE_OK) {
		snprintf(err, errlen, "libcurl: %s", curl_easy_strerror(curl_rc));
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->m = curl_multi_init();
	if (c->m == NULL) {
		snprintf(err, errlen, "libcurl: cannot create a multi handle");
		free(c);
		return NULL;
	}
	c->concurrency = concurrency > 0 ? concurrency : 4;
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : 10000;
	c->loopback_only = loopback_only;
	curl_multi_setopt(c->m, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)c->concurrency);
	c->hdr = curl_slist_append(NULL, "Accept: application/rdap+json, application/json");
	return c;
}

static void
xfer_free(rdap_client *c, xfer *x)
{
	if (x->prev != NULL)
		x->prev->next = x->next;
	else
		c->active = x->next;
	if (x->next != NULL)
		x->next->prev = x->prev;
	curl_multi_remove_handle(c->m, x->h);
	curl_easy_cleanup(x->h);
	free(x->body);
	free(x);
}

void
rdap_client_free(rdap_client *c)
{
	if (c == NULL)
		return;
	while (c->active != NULL)
		xfer_free(c, c->active);
	curl_multi_cleanup(c->m);
	curl_slist_free_all(c->hdr);
	free(c);
}

int
rdap_inflight(const rdap_client *c)
{
	return c->inflight;
}

static size_t
on_body(char *p, size_t sz, size_t nm, void *ud)
{
	xfer *x = ud;
	size_t n = sz * nm;

	if (x->len + n > RDAP_MAX_BODY) {
		x->toobig = 1;
		return 0;
	}
	if (x->len + n + 1 > x->cap) {
		x->cap = (x->len + n + 1) * 2;
		if (x->cap > RDAP_MAX_BODY + 1)
			x->cap = RDAP_MAX_BODY + 1;
		x->body = xrealloc(x->body, x->cap);
	}
	memcpy(x->body + x->len, p, n);
	x->len += n;
	x->body[x->len] = '\0';
	return n;
}

static curl_socket_t
open_loopback(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
	int ok = 0;

	(void)ud;
	(void)purpose;
	if (a->family == AF_INET)
		ok = (ntohl(((struct sockaddr_in *)&a->addr)->sin_addr.s_addr) >> 24) == 127;
	else if (a->family == AF_INET6)
		ok = IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)&a->addr)->sin6_addr);
	if (!ok)
		return CURL_SOCKET_BAD;
	return socket(a->family, a->socktype, a->protocol);
}

void
rdap_fetch(rdap_client *c, const char *base, const enrich_ip *ip, rdap_cb cb, void *arg)
{
	xfer *x = xcalloc(1, sizeof(*x));

	x->cb = cb;
	x->arg = arg;
	snprintf(x->url, sizeof(x->url), "%sip/%s", base, ip->text);
	x->h = curl_easy_init();
	if (x->h == NULL) {
		cb(arg, RDAP_ERROR, NULL, x->url, "cannot create a curl handle");
		free(x);
		return;
	}
	curl_easy_setopt(x->h, CURLOPT_URL, x->url);
	curl_easy_setopt(x->h, CURLOPT_PRIVATE, x);
	curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, c->hdr);
	curl_easy_setopt(x->h, CURLOPT_USERAGENT, "dmarcscope (RDAP client)");
	curl_easy_setopt(x->h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(x->h, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(x->h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(x->h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(x->h, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
	curl_easy_setopt(x->h, CURLOPT_CONNECTTIMEOUT_MS, (long)(c->timeout_ms / 2));
	curl_easy_setopt(x->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->h, CURLOPT_ACCEPT_ENCODING, "");
	if (c->loopback_only) {
		curl_easy_setopt(x->h, CURLOPT_OPENSOCKETFUNCTION, open_loopback);
		curl_easy_setopt(x->h, CURLOPT_NOPROXY, "*");
	}
	if (curl_multi_add_handle(c->m, x->h) != CURLM_OK) {
		cb(arg, RDAP_ERROR, NULL, x->url, "cannot start the transfer");
		curl_easy_cleanup(x->h);
		free(x);
		return;
	}
	x->next = c->active;
	if (c->active != NULL)
		c->active->prev = x;
	c->active = x;
	c->inflight++;
}

static void
finish(rdap_client *c, xfer *x, CURLcode res)
{
	long code = 0;
	char why[160], perr[128];
	char *eff = NULL;
	rdap_info info;

	c->inflight--;
	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(x->h, CURLINFO_EFFECTIVE_URL, &eff);
	if (eff != NULL)
		snprintf(x->url, sizeof(x->url), "%s", eff);
	if (res == CURLE_OPERATION_TIMEDOUT)
		x->cb(x->arg, RDAP_TIMEOUT, NULL, x->url, "timed out");
	else if (x->toobig)
		x->cb(x->arg, RDAP_ERROR, NULL, x->url, "answer over 1 MiB");
	else if (res != CURLE_OK) {
		snprintf(why, sizeof(why), "%s", curl_easy_strerror(res));
		x->cb(x->arg, RDAP_ERROR, NULL, x->url, why);
	} else if (code == 404)
		x->cb(x->arg, RDAP_NOTFOUND, NULL, x->url, "HTTP 404");
	else if (code != 200) {
		snprintf(why, sizeof(why), "HTTP %ld", code);
		x->cb(x->arg, RDAP_ERROR, NULL, x->url, why);
	} else if (rdap_parse(x->body ? x->body : "", x->len, &info, perr, sizeof(perr)) != 0)
		x->cb(x->arg, RDAP_ERROR, NULL, x->url, perr);
	else
		x->cb(x->arg, RDAP_OK, &info, x->url, NULL);
	xfer_free(c, x);
}

void
rdap_step(rdap_client *c, int timeout_ms)
{
	CURLMsg *msg;
	int running = 0, left;

	curl_multi_perform(c->m, &running);
	if (c->inflight > 0)
		curl_multi_poll(c->m, NULL, 0, timeout_ms, NULL);
	curl_multi_perform(c->m, &running);
	while ((msg = curl_multi_info_read(c->m, &left)) != NULL) {
		xfer *x = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		if (x != NULL)
			finish(c, x, msg->data.result);
	}
}
