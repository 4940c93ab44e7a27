/*
 * dns.c - the c-ares engine of the enrichment (see dns.h): a query cap with
 * two waiting queues, a poll(2) loop driven by c-ares' socket-state
 * callback, status mapping that keeps every DNS outcome distinct, the
 * reversed-address names and a small answer-section walker.
 *
 * c-ares (1.18) notes: queries go out with ares_query() (no search list, no
 * /etc/hosts); c-ares resends a try that timed out, up to `tries` rounds,
 * doubling the timeout each round.  ARES_FLAG_NOCHECKRESP is set: without
 * it c-ares 1.18 turns a SERVFAIL or REFUSED answer from the only server
 * into ECONNREFUSED ("could not contact DNS servers"), and the cache could
 * not tell SERVFAIL from an unreachable server.  A SERVFAIL is therefore
 * not resent (the resolver has its own retries).  ares_library_init() runs
 * once per process (pthread_once).
 *
 * Exports: everything in dns.h.  Errors: see dns.h; out of memory is fatal
 * (xmalloc).
 */
#include "dns.h"

#include <ares.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "../util/log.h"

typedef struct dns_q {
	struct dns_q *next;
	dns_engine *e;
	dns_cb cb;
	void *arg;
	int type;
	char name[];
} dns_q;

struct dns_engine {
	ares_channel ch;
	int inflight, max_inflight, peak;
	dns_q *wait_head[2], *wait_tail[2];	/* [1] follow-ups, [0] new work */
	int nwaiting;
	int pumping;
	int closing;		/* cancelled or being freed: no new queries */
	struct pollfd *fds;
	int nfds, fdcap;
	uint64_t sent, answered, timeouts;
};

static pthread_once_t dns_once = PTHREAD_ONCE_INIT;
static int dns_lib_rc;

static void
dns_lib_init(void)
{
	dns_lib_rc = ares_library_init(ARES_LIB_INIT_ALL);
}

const char *
dns_status_name(dns_status st)
{
	static const char *const names[DNS__COUNT] = {
		"ok", "nxdomain", "nodata", "servfail", "refused", "timeout", "error",
		"cancelled"
	};

	return (unsigned)st < DNS__COUNT ? names[st] : "error";
}

int
dns_status_temporary(dns_status st)
{
	return st == DNS_SERVFAIL || st == DNS_REFUSED || st == DNS_TIMEOUT ||
	    st == DNS_ERROR || st == DNS_CANCELLED;
}

static dns_status
map_status(int st)
{
	switch (st) {
	case ARES_SUCCESS: return DNS_OK;
	case ARES_ENOTFOUND: return DNS_NXDOMAIN;
	case ARES_ENODATA: return DNS_NODATA;
	case ARES_ESERVFAIL: return DNS_SERVFAIL;
	case ARES_EREFUSED: return DNS_REFUSED;
	case ARES_ETIMEOUT: return DNS_TIMEOUT;
	case ARES_ECANCELLED:
	case ARES_EDESTRUCTION: return DNS_CANCELLED;
	default: return DNS_ERROR;
	}
}

/* ---- sockets ----------------------------------------------------------- */

static void
sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	dns_engine *e = data;
	int i;

	for (i = 0; i < e->nfds; i++)
		if (e->fds[i].fd == fd)
			break;
	if (!readable && !writable) {
		if (i < e->nfds)
			e->fds[i] = e->fds[--e->nfds];
		return;
	}
	if (i == e->nfds) {
		if (e->nfds == e->fdcap) {
			e->fdcap = e->fdcap ? e->fdcap * 2 : 8;
			e->fds = xrealloc(e->fds, (size_t)e->fdcap * sizeof(*e->fds));
		}
		e->fds[e->nfds].fd = fd;
		e->nfds++;
	}
	e->fds[i].events = (short)((readable ? POLLIN : 0) | (writable ? POLLOUT : 0));
	e->fds[i].revents = 0;
}

/* ---- servers ----------------------------------------------------------- */

static int
is_loopback(const struct ares_addr_port_node *n)
{
	if (n->family == AF_INET)
		return (ntohl(n->addr.addr4.s_addr) >> 24) == 127;
	if (n->family == AF_INET6) {
		static const unsigned char lo[16] = { [15] = 1 };

		return memcmp(&n->addr.addr6, lo, 16) == 0;
	}
	return 0;
}

static int
set_servers(dns_engine *e, const dns_opts *o, char *err, size_t errlen)
{
	struct ares_addr_port_node *list = NULL, *n;
	int rc, bad = 0, count = 0;

	if (o->server != NULL && o->server[0] != '\0') {
		rc = ares_set_servers_ports_csv(e->ch, o->server);
		if (rc != ARES_SUCCESS) {
			snprintf(err, errlen, "bad DNS server '%s': %s", o->server,
			    ares_strerror(rc));
			return -1;
		}
	} else if (o->loopback_only) {
		snprintf(err, errlen, "no DNS server given, and only loopback servers are "
		    "allowed (DMARCSCOPE_ENRICH_LOOPBACK_ONLY)");
		return -1;
	}
	if (ares_get_servers_ports(e->ch, &list) != ARES_SUCCESS) {
		snprintf(err, errlen, "cannot read the DNS servers back");
		return -1;
	}
	for (n = list; n != NULL; n = n->next) {
		count++;
		if (o->loopback_only && !is_loopback(n))
			bad = 1;
	}
	ares_free_data(list);
	if (count == 0) {
		snprintf(err, errlen, "no DNS server configured");
		return -1;
	}
	if (bad) {
		snprintf(err, errlen, "DNS server '%s' is not on loopback, and only loopback "
		    "servers are allowed (DMARCSCOPE_ENRICH_LOOPBACK_ONLY)",
		    o->server ? o->server : "(system)");
		return -1;
	}
	return 0;
}

dns_engine *
dns_new(const dns_opts *o, char *err, size_t errlen)
{
	dns_engine *e;
	struct ares_options ao;
	int rc, mask;

	pthread_once(&dns_once, dns_lib_init);
	if (dns_lib_rc != ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares: %s", ares_strerror(dns_lib_rc));
		return NULL;
	}
	e = xcalloc(1, sizeof(*e));
	e->max_inflight = o->max_inflight > 0 ? o->max_inflight : 200;
	memset(&ao, 0, sizeof(ao));
	ao.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES | ARES_FLAG_NOCHECKRESP;
	ao.timeout = o->timeout_ms > 0 ? o->timeout_ms : 1500;
	ao.tries = o->tries > 0 ? o->tries : 2;
	ao.sock_state_cb = sock_state;
	ao.sock_state_cb_data = e;
	/* Hundreds of answers can arrive while a callback writes to the store:
	 * the default receive buffer (~200 KiB, about 150 loopback datagrams
	 * of kernel truesize) overflows, and every dropped answer costs a
	 * timeout.  The kernel caps this at net.core.rmem_max. */
	ao.socket_receive_buffer_size = 4 << 20;
	ao.socket_send_buffer_size = 1 << 20;
	mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB |
	    ARES_OPT_SOCK_RCVBUF | ARES_OPT_SOCK_SNDBUF;
	if ((rc = ares_init_options(&e->ch, &ao, mask)) != ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares init: %s", ares_strerror(rc));
		free(e);
		return NULL;
	}
	if (set_servers(e, o, err, errlen) != 0) {
		ares_destroy(e->ch);
		free(e->fds);
		free(e);
		return NULL;
	}
	return e;
}

static void
drop_waiting(dns_engine *e)
{
	for (int p = 1; p >= 0; p--)
		while (e->wait_head[p] != NULL) {
			dns_q *q = e->wait_head[p];

			e->wait_head[p] = q->next;
			e->nwaiting--;
			q->cb(q->arg, DNS_CANCELLED, NULL, 0);
			free(q);
		}
	e->wait_tail[0] = e->wait_tail[1] = NULL;
}

void
dns_free(dns_engine *e)
{
	if (e == NULL)
		return;
	e->closing = 1;
	drop_waiting(e);
	ares_destroy(e->ch);	/* in-flight callbacks run with EDESTRUCTION */
	drop_waiting(e);	/* anything those callbacks queued */
	free(e->fds);
	free(e);
}

/* ---- queries ----------------------------------------------------------- */

static void pump(dns_engine *e);

static void
answered(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	dns_q *q = arg;
	dns_engine *e = q->e;
	dns_status st = map_status(status);

	e->timeouts += (uint64_t)(timeouts > 0 ? timeouts : 0);
	e->inflight--;
	e->answered++;
	if (st == DNS_OK && (abuf == NULL || alen < 12))
		st = DNS_ERROR;
	q->cb(q->arg, st, st == DNS_CANCELLED ? NULL : abuf, st == DNS_CANCELLED ? 0 : alen);
	free(q);
	if (st != DNS_CANCELLED)
		pump(e);
}

static void
issue(dns_engine *e, dns_q *q)
{
	e->inflight++;
	e->sent++;
	if (e->inflight > e->peak)
		e->peak = e->inflight;
	/* may call answered() at once (bad name, no memory) */
	ares_query(e->ch, q->name, 1 /* C_IN */, q->type, answered, q);
}

static void
pump(dns_engine *e)
{
	if (e->pumping)
		return;
	e->pumping = 1;
	while (e->inflight < e->max_inflight && e->nwaiting > 0) {
		int p = e->wait_head[1] != NULL ? 1 : 0;
		dns_q *q = e->wait_head[p];

		e->wait_head[p] = q->next;
		if (e->wait_head[p] == NULL)
			e->wait_tail[p] = NULL;
		e->nwaiting--;
		q->next = NULL;
		issue(e, q);
	}
	e->pumping = 0;
}

void
dns_query(dns_engine *e, const char *name, int type, int prio, dns_cb cb, void *arg)
{
	size_t n = strlen(name);
	dns_q *q;
	int p = prio ? 1 : 0;

	if (e->closing) {
		cb(arg, DNS_CANCELLED, NULL, 0);
		return;
	}
	if (n == 0 || n >= DNS_NAME_MAX) {
		cb(arg, DNS_ERROR, NULL, 0);
		return;
	}
	q = xmalloc(sizeof(*q) + n + 1);
	memcpy(q->name, name, n + 1);
	q->e = e;
	q->cb = cb;
	q->arg = arg;
	q->type = type;
	q->next = NULL;
	if (e->inflight < e->max_inflight && e->nwaiting == 0 && !e->pumping) {
		issue(e, q);
		return;
	}
	if (e->wait_tail[p] != NULL)
		e->wait_tail[p]->next = q;
	else
		e->wait_head[p] = q;
	e->wait_tail[p] = q;
	e->nwaiting++;
	pump(e);
}

static int64_t
now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* One poll round: at most max_ms, less when c-ares has a timeout sooner. */
static void
step(dns_engine *e, int max_ms)
{
	struct timeval maxtv, tv, *tvp;
	int ms, n;

	maxtv.tv_sec = max_ms / 1000;
	maxtv.tv_usec = (max_ms % 1000) * 1000;
	tvp = ares_timeout(e->ch, &maxtv, &tv);
	ms = (int)(tvp->tv_sec * 1000 + (tvp->tv_usec + 999) / 1000);
	n = poll(e->fds, (nfds_t)e->nfds, ms);
	if (n < 0 && errno != EINTR) {
		log_warn("dns: poll");
		n = 0;
	}
	if (n <= 0) {
		ares_process_fd(e->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
		return;
	}
	/* sock_state() may reshuffle e->fds while c-ares processes: copy. */
	{
		struct pollfd ready[64];
		int nr = 0;

		for (int i = 0; i < e->nfds && nr < 64; i++)
			if (e->fds[i].revents != 0)
				ready[nr++] = e->fds[i];
		for (int i = 0; i < nr; i++) {
			ares_socket_t r = ARES_SOCKET_BAD, w = ARES_SOCKET_BAD;

			if (ready[i].revents & (POLLIN | POLLERR | POLLHUP))
				r = ready[i].fd;
			if (ready[i].revents & POLLOUT)
				w = ready[i].fd;
			ares_process_fd(e->ch, r, w);
		}
	}
}

int
dns_run(dns_engine *e, void (*tick)(void *), void *ctx, const volatile int *cancel)
{
	int64_t last = now_ms();

	pump(e);
	while (e->inflight > 0 || e->nwaiting > 0) {
		if (cancel != NULL && *cancel) {
			e->closing = 1;
			drop_waiting(e);
			ares_cancel(e->ch);
			drop_waiting(e);
			return -1;
		}
		step(e, 100);
		pump(e);
		if (tick != NULL && now_ms() - last >= 100) {
			last = now_ms();
			tick(ctx);
		}
	}
	return 0;
}

void
dns_wait(dns_engine *e, const int *done)
{
	pump(e);
	while (!*done && (e->inflight > 0 || e->nwaiting > 0)) {
		step(e, 1000);
		pump(e);
	}
}

void
dns_counters(const dns_engine *e, uint64_t *sent, uint64_t *ans, int *peak, int *inflight)
{
	if (sent != NULL)
		*sent = e->sent;
	if (ans != NULL)
		*ans = e->answered;
	if (peak != NULL)
		*peak = e->peak;
	if (inflight != NULL)
		*inflight = e->inflight + e->nwaiting;
}

uint64_t
dns_timeouts(const dns_engine *e)
{
	return e->timeouts;
}

/* ---- names ------------------------------------------------------------- */

int
dns_rev_name(const unsigned char *a, int family, const char *suffix, char *out, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, sl = strlen(suffix);

	if (family == 4) {
		int n = snprintf(out, len, "%u.%u.%u.%u.%s", a[3], a[2], a[1], a[0], suffix);

		return n < 0 || (size_t)n >= len ? -1 : 0;
	}
	if (len < 64 + sl + 1)
		return -1;
	for (int i = 15; i >= 0; i--) {
		out[o++] = hex[a[i] & 0xf];
		out[o++] = '.';
		out[o++] = hex[a[i] >> 4];
		out[o++] = '.';
	}
	memcpy(out + o, suffix, sl + 1);
	return 0;
}

/* ---- the answer walker --------------------------------------------------- */

typedef struct rr {
	int type;
	const unsigned char *rdata;
	int rdlen;
	int off;		/* of rdata in abuf (for name expansion) */
} rr;

/* Skip a (possibly compressed) name at *p; -1 when malformed. */
static int
skip_name(const unsigned char *abuf, int alen, int *p)
{
	int i = *p;

	while (i < alen) {
		unsigned c = abuf[i];

		if (c == 0) {
			*p = i + 1;
			return 0;
		}
		if ((c & 0xc0) == 0xc0) {
			if (i + 1 >= alen)
				return -1;
			*p = i + 2;
			return 0;
		}
		if (c & 0xc0)
			return -1;
		i += (int)c + 1;
	}
	return -1;
}

/* Calls fn for every answer RR; returns 0 or -1 when malformed. */
static int
walk(const unsigned char *abuf, int alen, int (*fn)(void *, const rr *), void *ctx)
{
	int qd, an, p = 12;

	if (abuf == NULL || alen < 12)
		return -1;
	qd = abuf[4] << 8 | abuf[5];
	an = abuf[6] << 8 | abuf[7];
	for (int i = 0; i < qd; i++) {
		if (skip_name(abuf, alen, &p) != 0 || p + 4 > alen)
			return -1;
		p += 4;
	}
	for (int i = 0; i < an; i++) {
		rr r;

		if (skip_name(abuf, alen, &p) != 0 || p + 10 > alen)
			return -1;
		r.type = abuf[p] << 8 | abuf[p + 1];
		r.rdlen = abuf[p + 8] << 8 | abuf[p + 9];
		p += 10;
		if (p + r.rdlen > alen)
			return -1;
		r.rdata = abuf + p;
		r.off = p;
		if ((abuf[p - 8] << 8 | abuf[p - 7]) == 1 && fn(ctx, &r) != 0)
			break;	/* class IN only */
		p += r.rdlen;
	}
	return 0;
}

typedef struct ptr_ctx {
	const unsigned char *abuf;
	int alen, n, max, bad;
	char (*out)[DNS_NAME_MAX];
} ptr_ctx;

static int
host_ok(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
			return 0;
	return 1;
}

static int
ptr_fn(void *ctx, const rr *r)
{
	ptr_ctx *c = ctx;
	char *name = NULL;
	long len;

	if (r->type != DNS_T_PTR)
		return 0;
	if (ares_expand_name(c->abuf + r->off, c->abuf, c->alen, &name, &len) != ARES_SUCCESS) {
		c->bad = 1;
		return 1;
	}
	if (c->n < c->max && host_ok(name) && strlen(name) < DNS_NAME_MAX) {
		char *d = c->out[c->n];
		size_t l;

		for (l = 0; name[l]; l++)
			d[l] = (char)tolower((unsigned char)name[l]);
		while (l > 0 && d[l - 1] == '.')
			l--;
		d[l] = '\0';
		if (l > 0)
			c->n++;
	}
	ares_free_string(name);
	return 0;
}

int
dns_rr_ptr(const unsigned char *abuf, int alen, char out[][DNS_NAME_MAX], int max)
{
	ptr_ctx c = { abuf, alen, 0, max, 0, out };

	if (walk(abuf, alen, ptr_fn, &c) != 0 || c.bad)
		return -1;
	return c.n;
}

typedef struct addr_ctx {
	int type, n, max;
	unsigned char (*out)[16];
} addr_ctx;

static int
addr_fn(void *ctx, const rr *r)
{
	addr_ctx *c = ctx;
	int want = c->type == DNS_T_A ? 4 : 16;

	if (r->type != c->type || r->rdlen != want || c->n >= c->max)
		return 0;
	memset(c->out[c->n], 0, 16);
	memcpy(c->out[c->n], r->rdata, (size_t)want);
	c->n++;
	return 0;
}

int
dns_rr_addr(const unsigned char *abuf, int alen, int type, unsigned char out[][16], int max)
{
	addr_ctx c = { type, 0, max, out };

	if (walk(abuf, alen, addr_fn, &c) != 0)
		return -1;
	return c.n;
}

typedef struct txt_ctx {
	int n, max;
	char (*out)[DNS_TXT_MAX];
} txt_ctx;

static int
txt_fn(void *ctx, const rr *r)
{
	txt_ctx *c = ctx;
	char *d;
	size_t o = 0;
	int i = 0;

	if (r->type != DNS_T_TXT || c->n >= c->max)
		return 0;
	d = c->out[c->n];
	while (i < r->rdlen) {
		int sl = r->rdata[i++];

		if (i + sl > r->rdlen)
			return 0;	/* malformed: skip the record */
		for (int k = 0; k < sl; k++) {
			unsigned char ch = r->rdata[i + k];

			if (o + 1 < DNS_TXT_MAX)
				d[o++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
		}
		i += sl;
	}
	d[o] = '\0';
	c->n++;
	return 0;
}

int
dns_rr_txt(const unsigned char *abuf, int alen, char out[][DNS_TXT_MAX], int max)
{
	txt_ctx c = { 0, max, out };

	if (walk(abuf, alen, txt_fn, &c) != 0)
		return -1;
	return c.n;
}

/* ---- synchronous TXT ------------------------------------------------------ */

typedef struct sync_txt {
	char (*out)[DNS_TXT_MAX];
	int max, n, done;
} sync_txt;

static void
sync_txt_cb(void *arg, dns_status st, const unsigned char *abuf, int alen)
{
	sync_txt *s = arg;

	if (st == DNS_OK) {
		s->n = dns_rr_txt(abuf, alen, s->out, s->max);
		if (s->n < 0)
			s->n = -1;
	} else if (st == DNS_NXDOMAIN || st == DNS_NODATA)
		s->n = 0;
	else
		s->n = -1;
	s->done = 1;
}

int
dns_txt_sync(dns_engine *e, const char *name, char out[][DNS_TXT_MAX], int max)
{
	sync_txt s = { out, max, -1, 0 };

	dns_query(e, name, DNS_T_TXT, 1, sync_txt_cb, &s);
	dns_wait(e, &s.done);
	return s.done ? s.n : -1;
}

int
dns_align_txt(void *ctx, const char *name, char out[][512], int max)
{
	return dns_txt_sync(ctx, name, out, max);
}
