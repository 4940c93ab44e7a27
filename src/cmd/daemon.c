/*
 * daemon.c - `dmarcscope serve --config FILE`: the web server, the intake
 * workers and the alert loop as one service.
 *
 * Child processes, not threads: a supervisor (this process) forks
 *   web      the portal (cmd_serve without --config: reads [serve] itself)
 *   imap     `fetch --interval --max-backoff` over every [imap:NAME] (when there is one)
 *   maildir  `watch` over every [maildir:NAME] (when there is one)
 *   alerts   alert_evaluate + alert_schedule + alert_deliver every
 *            alert_interval seconds ([daemon] alerts = no: not started)
 *   retention  one purge as [retention] says (retention.c), a minute after
 *            start and then every 24 hours: a child that exits when done,
 *            started again a day later, not restarted as a worker
 *            ([retention] auto = no: never)
 *   dnscheck   the DNS record checks of every policy domain (src/dnscheck/
 *            daily.c), ten minutes after start and then daily, as a
 *            one-shot child like retention ([dnscheck] auto = no: never)
 * Why processes: untrusted reports are parsed in the intake children, never
 * in the web server's address space (DESIGN.md, privilege); a crash or a leak
 * in one worker takes down only that worker, which the supervisor restarts
 * (after 1, 2, 4 ... 60 s; 1 s again for one that ran a minute); the
 * workers already run as single commands (fetch, watch) and are tested as
 * such; SQLite in WAL mode serialises the writers between processes.
 *
 * Signals (the supervisor blocks them and waits with sigtimedwait):
 *   SIGTERM/SIGINT  every child gets SIGTERM (each finishes the message or
 *                   request in hand), waited for up to drain_timeout (30 s),
 *                   then SIGKILL; exit 0.
 *   SIGHUP          the file is checked (config_validate); if it is fine,
 *                   every child is stopped as above and started again with
 *                   it; if not, the problems are logged and the running
 *                   children are left alone.
 *
 * Exports: daemon_run (daemon.h).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "retention.h"
#include "../dnscheck/daily.h"
#include "../alert/alert.h"
#include "../store/store_alerts.h"
#include "../util/config.h"
#include "../util/log.h"

enum { K_WEB, K_IMAP, K_MAILDIR, K_ALERTS, K_RETENTION, K_DNSCHECK, K__N };
static const char *const kind_name[K__N] = { "web", "imap", "maildir", "alerts", "retention",
    "dnscheck" };

struct child {
	int wanted;
	pid_t pid;
	int delay;		/* restart backoff, seconds */
	time_t restart_at;
	time_t started;
};

struct dconf {
	char db[4096];
	long imap_interval, imap_max_backoff, alert_interval, drain_timeout;
	int has_imap, has_maildir, alerts;
	int retention;		/* [retention] auto */
	int dnscheck;		/* [dnscheck] auto */
};

static sigset_t orig_mask;
static volatile sig_atomic_t child_stop;

static void
child_on_term(int sig)
{
	(void)sig;
	child_stop = 1;
}

static int
read_dconf(const char *path, struct dconf *d)
{
	ds_config *cf;
	char err[512];
	size_t n;
	const char *v;

	memset(d, 0, sizeof(*d));
	d->imap_interval = 60;
	d->imap_max_backoff = 300;
	d->alert_interval = 60;
	d->drain_timeout = 30;
	d->alerts = 1;
	if ((cf = config_load(path, err, sizeof(err))) == NULL) {
		log_warnx("serve: %s", err);
		return -1;
	}
	if ((v = config_str(cf, "general", "db")) != NULL)
		snprintf(d->db, sizeof(d->db), "%s", v);
	config_num(cf, "daemon", "imap_interval", 1, 86400, &d->imap_interval);
	config_num(cf, "daemon", "imap_max_backoff", 1, 86400, &d->imap_max_backoff);
	config_num(cf, "daemon", "alert_interval", 5, 86400, &d->alert_interval);
	config_num(cf, "daemon", "drain_timeout", 1, 3600, &d->drain_timeout);
	if ((v = config_str(cf, "daemon", "alerts")) != NULL && strcmp(v, "no") == 0)
		d->alerts = 0;
	d->retention = (v = config_str(cf, "retention", "auto")) == NULL || strcmp(v, "no") != 0;
	d->dnscheck = (v = config_str(cf, "dnscheck", "auto")) == NULL || strcmp(v, "no") != 0;
	config_sections(cf, "imap:", &n);
	d->has_imap = n > 0;
	config_sections(cf, "maildir:", &n);
	d->has_maildir = n > 0;
	config_free(cf);
	return 0;
}

/* The alert loop of the alerts child: the last two days are marked changed
 * (as `alerts run --scan-days 2`), then evaluate, schedule, deliver. */
static int
alerts_loop(cmd_ctx *c, long interval)
{
	alert_cfg ac;
	char err[512];
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = child_on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	alert_cfg_init(&ac);
	if (alert_cfg_load(&ac, c->config, err, sizeof(err)) != 0) {
		log_warnx("alerts: %s", err);
		alert_cfg_clear(&ac);
		return 2;
	}
	while (!child_stop) {
		store *s = cmd_open_store(c);
		int64_t now = alert_now(), scanned = 0, summaries = 0;
		alert_eval_stats es;
		alert_deliver_stats ds;

		memset(&es, 0, sizeof(es));
		memset(&ds, 0, sizeof(ds));
		if (s != NULL) {
			if (cmd_catch_up(s) != 0 ||
			    store_alerts_change_scan(s, NULL, now / 86400 - 1, now / 86400 + 1,
			    &scanned) != STORE_OK ||
			    alert_evaluate(s, now, &es, err, sizeof(err)) != 0 ||
			    alert_schedule(s, now, &summaries, err, sizeof(err)) != 0 ||
			    alert_deliver(s, &ac, now, &ds, err, sizeof(err)) != 0)
				log_warnx("alerts: %s", err[0] ? err : store_errmsg(s));
			else if (es.alerts + ds.sent + ds.failed > 0)
				log_info("alerts: %lld new, %lld delivered, %lld failed",
				    (long long)es.alerts, (long long)ds.sent, (long long)ds.failed);
			store_close(s);
		}
		err[0] = '\0';
		for (long i = 0; i < interval * 5 && !child_stop; i++) {
			struct timespec ts = { 0, 200 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	alert_cfg_clear(&ac);
	return 0;
}

static pid_t
spawn(int kind, cmd_ctx *c, const struct dconf *d, int argc, char **argv)
{
	pid_t pid, parent = getpid();
	char ival[32];
	int rc = 2;

	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) != 0) {
		if (pid < 0)
			log_warn("serve: fork");
		return pid;
	}
	/* A supervisor killed outright takes its workers with it. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(0);
	sigprocmask(SIG_SETMASK, &orig_mask, NULL);
	signal(SIGHUP, SIG_IGN);
	optind = 1;
	switch (kind) {
	case K_WEB:
		rc = cmd_serve(c, argc, argv);
		break;
	case K_IMAP: {
		char bval[24];
		char *av[] = { "fetch", "--interval", ival, "--max-backoff", bval, NULL };

		snprintf(ival, sizeof(ival), "%ld", d->imap_interval);
		snprintf(bval, sizeof(bval), "%ld", d->imap_max_backoff);
		rc = cmd_fetch(c, 5, av);
		break;
	}
	case K_MAILDIR: {
		char *av[] = { "watch", NULL };

		rc = cmd_watch(c, 1, av);
		break;
	}
	case K_ALERTS:
		rc = alerts_loop(c, d->alert_interval);
		break;
	case K_RETENTION:
		rc = retention_once(c);
		break;
	case K_DNSCHECK:
		rc = dnscheck_once(c);
		break;
	}
	fflush(stdout);
	_exit(rc);
}

static void
stop_all(struct child *ch, long timeout)
{
	time_t end = time(NULL) + timeout;
	int left;

	for (int k = 0; k < K__N; k++)
		if (ch[k].pid > 0)
			kill(ch[k].pid, SIGTERM);
	do {
		left = 0;
		for (int k = 0; k < K__N; k++) {
			if (ch[k].pid <= 0)
				continue;
			if (waitpid(ch[k].pid, NULL, WNOHANG) == ch[k].pid)
				ch[k].pid = 0;
			else
				left++;
		}
		if (left > 0) {
			struct timespec ts = { 0, 50 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
	} while (left > 0 && time(NULL) < end);
	for (int k = 0; k < K__N; k++) {
		if (ch[k].pid > 0) {
			log_warnx("serve: %s worker did not stop in %lds; killed", kind_name[k], timeout);
			kill(ch[k].pid, SIGKILL);
			waitpid(ch[k].pid, NULL, 0);
			ch[k].pid = 0;
		}
	}
}

static void
plan(struct child *ch, const struct dconf *d)
{
	memset(ch, 0, sizeof(*ch) * K__N);
	ch[K_WEB].wanted = 1;
	ch[K_IMAP].wanted = d->has_imap;
	ch[K_MAILDIR].wanted = d->has_maildir;
	ch[K_ALERTS].wanted = d->alerts;
	ch[K_RETENTION].wanted = d->retention;
	ch[K_RETENTION].restart_at = time(NULL) + retention_first_delay();
	ch[K_DNSCHECK].wanted = d->dnscheck;
	ch[K_DNSCHECK].restart_at = time(NULL) + dnscheck_first_delay();
}

int
daemon_run(cmd_ctx *c, int argc, char **argv)
{
	struct child ch[K__N];
	struct dconf d;
	sigset_t set;
	char **av = xcalloc((size_t)argc + 1, sizeof(*av));
	int ac = 0, bad;
	cmd_ctx cc = *c;

	/* The web child gets serve's arguments without --config. */
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0) {
			i++;
			continue;
		}
		if (strncmp(argv[i], "--config=", 9) == 0)
			continue;
		av[ac++] = argv[i];
	}
	if ((bad = config_validate(c->config, stderr)) != 0) {
		if (bad > 0)
			log_warnx("serve: %s: %d problem%s (dmarcscope config check)", c->config, bad,
			    bad == 1 ? "" : "s");
		free(av);
		return 2;
	}
	if (read_dconf(c->config, &d) != 0) {
		free(av);
		return 2;
	}
	if (d.db[0] != '\0')
		cc.db = d.db;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &orig_mask);
	plan(ch, &d);
	log_info("serve: supervisor %ld: web%s%s%s%s%s", (long)getpid(), d.has_imap ? ", imap" : "",
	    d.has_maildir ? ", maildir" : "", d.alerts ? ", alerts" : "",
	    d.retention ? ", retention" : "", d.dnscheck ? ", dnscheck" : "");
	for (;;) {
		struct timespec ts = { 1, 0 };
		time_t now = time(NULL);
		int sig;
		pid_t pid;
		int status;

		for (int k = 0; k < K__N; k++)
			if (ch[k].wanted && ch[k].pid == 0 && now >= ch[k].restart_at) {
				ch[k].pid = spawn(k, &cc, &d, ac, av);
				ch[k].started = now;
			}
		sig = sigtimedwait(&set, NULL, &ts);
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			for (int k = 0; k < K__N; k++) {
				if (ch[k].pid != pid)
					continue;
				ch[k].pid = 0;
				if (k == K_RETENTION || k == K_DNSCHECK) {	/* done for today */
					ch[k].restart_at = time(NULL) + 86400;
					continue;
				}
				/* a worker that ran a while starts again at once-ish:
				 * the backoff is for one that dies right away */
				if (time(NULL) - ch[k].started >= 60)
					ch[k].delay = 0;
				ch[k].delay = ch[k].delay == 0 ? 1 : ch[k].delay * 2 > 60 ? 60 :
				    ch[k].delay * 2;
				ch[k].restart_at = time(NULL) + ch[k].delay;
				log_warnx("serve: %s worker %ld %s %d; restarting in %ds", kind_name[k],
				    (long)pid, WIFSIGNALED(status) ? "killed by signal" : "exited",
				    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
				    ch[k].delay);
			}
		}
		if (sig == SIGTERM || sig == SIGINT) {
			log_info("serve: stopping");
			stop_all(ch, d.drain_timeout);
			break;
		}
		if (sig == SIGHUP) {
			struct dconf nd;

			if ((bad = config_validate(c->config, stderr)) != 0 ||
			    read_dconf(c->config, &nd) != 0) {
				log_warnx("serve: reload: %s has problems; keeping the running "
				    "configuration", c->config);
				continue;
			}
			log_warnx("serve: reload: restarting the workers with %s", c->config);
			stop_all(ch, d.drain_timeout);
			d = nd;
			cc.db = d.db[0] != '\0' ? d.db : c->db;
			plan(ch, &d);
		}
	}
	sigprocmask(SIG_SETMASK, &orig_mask, NULL);
	free(av);
	return 0;
}
