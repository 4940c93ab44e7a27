/*
 * fetch.c - `dmarcscope fetch`: take reports from IMAP mailboxes
 * (src/intake/imap.h).
 *
 *   fetch --imap URL [--user U] [--password-file F] [--folder F]
 *         [--processed-folder P] [--error-folder E] [--tls auto|starttls|implicit|none]
 *         [--ca-file F] [--timeout SEC] [--interval SEC] [--max-backoff SEC]
 *   fetch [--interval SEC]          every [imap:NAME] section of the config file
 *
 * Without --interval: one pass over every mailbox, then exit (for cron).
 * With it: poll every SEC seconds until SIGTERM/SIGINT, which finish the
 * message in hand and exit 0.  A mailbox that fails (down, slow, dropped,
 * deleted, login refused) is retried after 2, 4, 8 ... up to --max-backoff
 * seconds (default 300; serve's [daemon] imap_max_backoff), with a log
 * line when it starts failing, when the failure changes, after 4, 8, 16 ...
 * tries, and when it works again.  With --interval and more than one mailbox, each
 * mailbox is polled by its own child process (fan_out), so a slow or stuck
 * server never delays the others.
 *
 * Exports: cmd_fetch (cmd.h).
 * Exit: 0 every message stored or a duplicate, 1 something refused, 2 a
 * mailbox could not be read (one pass) or a usage/database error.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "../intake/imap.h"
#include "../intake/ingest.h"
#include "../intake/svc_metrics.h"
#include "../util/config.h"
#include "../util/log.h"

#define MAX_BOXES 64

static volatile sig_atomic_t stop_flag;

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: dmarcscope fetch --imap URL [--user U] [--password-file F] [--folder F]\n"
	    "                        [--processed-folder P] [--error-folder E]\n"
	    "                        [--tls auto|starttls|implicit|none] [--ca-file F]\n"
	    "                        [--timeout SEC] [--interval SEC] [--max-backoff SEC]\n"
	    "       dmarcscope [--config FILE] fetch [--interval SEC]\n"
	    "\n"
	    "Take the reports in an IMAP folder (or in every [imap:NAME] section of the\n"
	    "configuration file): each message is stored, then moved to the processed folder\n"
	    "(or to the error folder when it was refused and is in quarantine).\n"
	    "\n"
	    "  --imap URL             imap://host[:port][/FOLDER] or imaps://...\n"
	    "  --password-file F      the password is the file's first line\n"
	    "  --tls MODE             auto (default: imaps implicit TLS, imap STARTTLS\n"
	    "                         required), starttls, implicit, none (plain text)\n"
	    "  --ca-file F            CA certificates for the server (default: the system's)\n"
	    "  --timeout SEC          give up on a silent server after SEC (default 30)\n"
	    "  --interval SEC         keep polling every SEC seconds (default: one pass)\n"
	    "  --max-backoff SEC      longest wait after failures (default 300)\n"
	    "\n"
	    "Exit status: 0 all stored or duplicates, 1 something refused, 2 error.\n");
}

/* First line of path, malloc'd; NULL with a message. */
static char *
read_secret(const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[1024];
	size_t n;

	if (f == NULL) {
		log_warn("fetch: %s", path);
		return NULL;
	}
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	if (n == 0) {
		log_warnx("fetch: %s: empty password", path);
		return NULL;
	}
	return xstrdup(buf);
}

static int
tls_mode(const char *s)
{
	if (s == NULL || strcmp(s, "auto") == 0)
		return IMAP_TLS_AUTO;
	if (strcmp(s, "starttls") == 0)
		return IMAP_TLS_STARTTLS;
	if (strcmp(s, "implicit") == 0)
		return IMAP_TLS_IMPLICIT;
	if (strcmp(s, "none") == 0)
		return IMAP_TLS_NONE;
	return -1;
}

static int
fetch_imap_conf(ds_config *cf, const char *section, imap_conf *ic, char **password)
{
	const char *pwf, *pw;
	long v;

	memset(ic, 0, sizeof(*ic));
	*password = NULL;
	ic->name = section + strlen("imap:");
	ic->url = config_str(cf, section, "url");
	ic->user = config_str(cf, section, "user");
	ic->folder = config_str(cf, section, "folder");
	ic->processed = config_str(cf, section, "processed_folder");
	ic->error = config_str(cf, section, "error_folder");
	ic->ca_file = config_str(cf, section, "ca_file");
	if ((ic->tls = tls_mode(config_str(cf, section, "tls"))) < 0) {
		log_warnx("config: [%s] tls: want auto, starttls, implicit or none", section);
		return -1;
	}
	if (ic->url == NULL) {
		log_warnx("config: [%s] has no url", section);
		return -1;
	}
	switch (config_num(cf, section, "timeout", 1, 3600, &v)) {
	case 1: ic->timeout = (int)v; break;
	case -1: log_warnx("config: %s", config_err(cf)); return -1;
	}
	pwf = config_str(cf, section, "password_file");
	pw = config_str(cf, section, "password");
	if (pwf != NULL && (*password = read_secret(pwf)) == NULL)
		return -1;
	if (pwf == NULL && pw != NULL)
		*password = xstrdup(pw);
	ic->password = *password;
	return 0;
}

struct box_state {
	imap_box *b;
	double next;		/* next poll (monotonic seconds) */
	int delay;		/* current backoff, 0 when healthy */
	int tries;		/* failed polls in a row */
	double failed_at;	/* when it started failing */
	char last_err[256];	/* the failure last logged, while failing */
};

static void
on_refused(void *ctx, const char *input, const char *reason)
{
	(void)ctx;
	ingest_log_refusal("refused", input, reason);
}

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sleeps until the monotonic time `until`, in slices that see SIGTERM. */
static void
nap_until(double until)
{
	double left;

	while (!stop_flag && (left = until - mono()) > 0) {
		double d = left < 0.2 ? left : 0.2;
		struct timespec ts = { 0, (long)(d * 1e9) };

		nanosleep(&ts, NULL);
	}
}

/*
 * Polls boxes until SIGTERM (interval > 0) or once; returns the exit status.
 * A failing mailbox gets a log line when it starts failing, when the failure
 * changes, after 4, 8, 16 ... tries, and when it works again; meanwhile it is
 * tried after 2, 4, 8 ... backoff_max seconds.
 */
static int
poll_loop(cmd_ctx *c, struct box_state *boxes, size_t nbox, int64_t interval, int64_t backoff_max)
{
	store *s;
	ingest *g;
	ingest_opts o;
	int rc = 0, refused = 0;

	if ((s = cmd_open_store(c)) == NULL)
		return 2;
	ingest_opts_default(&o);
	o.redact = cmd_env_redact();
	o.on_refused = on_refused;
	o.pipeline = 0;		/* each message's outcome before it is moved */
	g = ingest_new(s, &o);
	for (;;) {
		double now = mono(), wake = now + (double)interval;

		for (size_t i = 0; i < nbox && !stop_flag; i++) {
			struct box_state *bs = &boxes[i];
			imap_poll_stats st, one;
			int r;

			if (interval > 0 && bs->next > now) {
				if (bs->next < wake)
					wake = bs->next;
				continue;
			}
			/* again at once while a poll took its maximum; st sums them */
			memset(&st, 0, sizeof(st));
			do {
				r = imap_poll(bs->b, g, s, &stop_flag, &one);
				st.taken += one.taken;
				st.stored += one.stored;
				st.duplicates += one.duplicates;
				st.refused += one.refused;
				st.moved += one.moved;
			} while (r == IMAP_OK && one.taken + one.moved > 0 && one.found > one.taken &&
			    !stop_flag && interval > 0);
			refused += (int)st.refused;
			(void)svcm_poll(s, imap_name(bs->b), r == IMAP_OK);	/* /metrics */
			if (st.taken > 0)
				log_info("imap %s: %u messages: %u stored, %u duplicates, %u refused, "
				    "%u moved", imap_name(bs->b), st.taken, st.stored, st.duplicates,
				    st.refused, st.moved);
			if (r == IMAP_OK) {
				if (bs->delay > 0)
					log_warnx("imap %s: working again after %.0fs", imap_name(bs->b),
					    mono() - bs->failed_at);
				bs->delay = bs->tries = 0;
				bs->next = now + (double)interval;
			} else {
				bs->tries++;
				if (interval == 0)
					log_warnx("imap %s: %s", imap_name(bs->b), imap_error(bs->b));
				else if (bs->delay == 0) {
					log_warnx("imap %s: %s; retrying, at most every %llds",
					    imap_name(bs->b), imap_error(bs->b),
					    (long long)backoff_max);
					bs->failed_at = mono();
					snprintf(bs->last_err, sizeof(bs->last_err), "%s",
					    imap_error(bs->b));
				} else if (strcmp(bs->last_err, imap_error(bs->b)) != 0) {
					/* still failing, but differently: worth a line
					 * (the same failure again only at 4, 8, 16 ... tries) */
					log_warnx("imap %s: now %s (failing for %.0fs)",
					    imap_name(bs->b), imap_error(bs->b),
					    mono() - bs->failed_at);
					snprintf(bs->last_err, sizeof(bs->last_err), "%s",
					    imap_error(bs->b));
				} else if (bs->tries >= 4 && (bs->tries & (bs->tries - 1)) == 0) {
					/* the same failure: a line at 4, 8, 16 ... tries */
					log_warnx("imap %s: still failing after %d tries in %.0fs: %s",
					    imap_name(bs->b), bs->tries, mono() - bs->failed_at,
					    imap_error(bs->b));
				}
				bs->delay = bs->delay == 0 ? 2 : bs->delay * 2;
				if (bs->delay > backoff_max)
					bs->delay = (int)backoff_max;
				bs->next = mono() + bs->delay;
				if (interval == 0)
					rc = 2;
			}
			if (interval > 0 && bs->next < wake)
				wake = bs->next;
		}
		if (interval == 0 || stop_flag)
			break;
		nap_until(wake);
		if (stop_flag)
			break;
	}
	ingest_free(g);
	store_close(s);
	if (rc == 0 && refused > 0)
		rc = 1;
	return rc;
}

/*
 * More than one mailbox, polled at an interval: one child process per
 * mailbox, so a slow or stuck server (each command may wait `timeout`
 * seconds) never holds up the others.  This process forwards SIGTERM/SIGINT
 * to them and waits; a child that dies is started again after 1, 2, 4 ...
 * 60 seconds.  Returns 0 once every child has stopped after a signal.
 */
static int
fan_out(cmd_ctx *c, struct box_state *boxes, size_t nbox, int64_t interval, int64_t backoff_max)
{
	pid_t pid[MAX_BOXES];
	int delay[MAX_BOXES];
	double again[MAX_BOXES];
	pid_t me = getpid();
	size_t left;

	memset(pid, 0, sizeof(pid));
	memset(delay, 0, sizeof(delay));
	memset(again, 0, sizeof(again));
	for (;;) {
		int status;
		pid_t p;

		for (size_t i = 0; i < nbox && !stop_flag; i++) {
			if (pid[i] != 0 || mono() < again[i])
				continue;
			fflush(stderr);
			if ((pid[i] = fork()) < 0) {
				log_warn("fetch: fork");
				pid[i] = 0;
				again[i] = mono() + 5;
				continue;
			}
			if (pid[i] == 0) {
				/* the parent gone (SIGKILL), the child stops too */
				prctl(PR_SET_PDEATHSIG, SIGTERM);
				if (getppid() != me)
					_exit(0);
				_exit(poll_loop(c, &boxes[i], 1, interval, backoff_max));
			}
		}
		if (stop_flag)
			break;
		{
			struct timespec ts = { 0, 200 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
		while ((p = waitpid(-1, &status, WNOHANG)) > 0)
			for (size_t i = 0; i < nbox; i++) {
				if (pid[i] != p)
					continue;
				pid[i] = 0;
				delay[i] = delay[i] == 0 ? 1 : delay[i] * 2 > 60 ? 60 : delay[i] * 2;
				again[i] = mono() + delay[i];
				log_warnx("imap %s: worker %ld %s %d; restarting in %ds",
				    imap_name(boxes[i].b), (long)p, WIFSIGNALED(status) ?
				    "killed by signal" : "exited", WIFSIGNALED(status) ?
				    WTERMSIG(status) : WEXITSTATUS(status), delay[i]);
			}
	}
	for (size_t i = 0; i < nbox; i++)
		if (pid[i] > 0)
			kill(pid[i], SIGTERM);
	do {
		left = 0;
		for (size_t i = 0; i < nbox; i++) {
			if (pid[i] <= 0)
				continue;
			if (waitpid(pid[i], NULL, 0) == pid[i] || errno != EINTR)
				pid[i] = 0;
			else
				left++;
		}
	} while (left > 0);
	return 0;
}

int
cmd_fetch(cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "imap", required_argument, NULL, 'i' },
		{ "user", required_argument, NULL, 'u' },
		{ "password-file", required_argument, NULL, 'p' },
		{ "folder", required_argument, NULL, 'f' },
		{ "processed-folder", required_argument, NULL, 'P' },
		{ "error-folder", required_argument, NULL, 'E' },
		{ "tls", required_argument, NULL, 't' },
		{ "ca-file", required_argument, NULL, 'C' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "interval", required_argument, NULL, 'I' },
		{ "max-backoff", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	imap_conf one;
	struct box_state boxes[MAX_BOXES];
	char *secrets[MAX_BOXES];
	size_t nbox = 0;
	int64_t interval = 0, backoff_max = 300, v;
	int ch, rc = 0;
	ds_config *cf = NULL;
	char err[512];
	struct sigaction sa;

	memset(&one, 0, sizeof(one));
	memset(secrets, 0, sizeof(secrets));
	memset(boxes, 0, sizeof(boxes));
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'i': one.url = optarg; break;
		case 'u': one.user = optarg; break;
		case 'p':
			free(secrets[0]);
			if ((secrets[0] = read_secret(optarg)) == NULL)
				return 2;
			one.password = secrets[0];
			break;
		case 'f': one.folder = optarg; break;
		case 'P': one.processed = optarg; break;
		case 'E': one.error = optarg; break;
		case 't':
			if ((one.tls = tls_mode(optarg)) < 0) {
				log_warnx("fetch: --tls wants auto, starttls, implicit or none");
				goto bad;
			}
			break;
		case 'C': one.ca_file = optarg; break;
		case 'T':
			if (cmd_parse_num("--timeout", optarg, 1, 3600, &v) != 0)
				goto bad;
			one.timeout = (int)v;
			break;
		case 'I':
			if (cmd_parse_num("--interval", optarg, 1, 86400, &interval) != 0)
				goto bad;
			break;
		case 'B':
			if (cmd_parse_num("--max-backoff", optarg, 1, 86400, &backoff_max) != 0)
				goto bad;
			break;
		case 'h': usage(stdout); free(secrets[0]); return 0;
		default: usage(stderr); goto bad;
		}
	}
	if (optind < argc) {
		usage(stderr);
		goto bad;
	}
	if (one.url != NULL) {
		if ((boxes[0].b = imap_box_new(&one, err, sizeof(err))) == NULL) {
			log_warnx("fetch: %s", err);
			goto bad;
		}
		nbox = 1;
	} else {
		const char *path = c->config != NULL ? c->config : CONFIG_DEFAULT_PATH;
		const char *const *secs;
		size_t n;

		if ((cf = config_load(path, err, sizeof(err))) == NULL) {
			log_warnx("fetch: no --imap, and %s", err);
			goto bad;
		}
		secs = config_sections(cf, "imap:", &n);
		if (n == 0) {
			log_warnx("fetch: no --imap and no [imap:NAME] section in %s", path);
			goto bad;
		}
		for (size_t i = 0; i < n && nbox < MAX_BOXES; i++) {
			imap_conf ic;

			if (fetch_imap_conf(cf, secs[i], &ic, &secrets[nbox]) != 0)
				goto bad;
			if ((boxes[nbox].b = imap_box_new(&ic, err, sizeof(err))) == NULL) {
				log_warnx("fetch: [%s]: %s", secs[i], err);
				goto bad;
			}
			nbox++;
		}
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	stop_flag = 0;
	if (interval > 0 && nbox > 1)
		rc = fan_out(c, boxes, nbox, interval, backoff_max);
	else
		rc = poll_loop(c, boxes, nbox, interval, backoff_max);
out:
	for (size_t i = 0; i < MAX_BOXES; i++) {
		imap_box_free(boxes[i].b);
		if (secrets[i] != NULL) {
			explicit_bzero(secrets[i], strlen(secrets[i]));
			free(secrets[i]);
		}
	}
	config_free(cf);
	return rc;
bad:
	rc = 2;
	goto out;
}
