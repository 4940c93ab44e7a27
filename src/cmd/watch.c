/*
 * watch.c - `dmarcscope watch`: take reports from Maildirs as they arrive
 * (src/intake/maildir_watch.h).
 *
 *   watch --maildir DIR [--processed-folder P] [--error-folder E] [--once]
 *   watch [--once]              every [maildir:NAME] section of the config file
 *
 * Takes what is there, then waits on inotify and takes each new message
 * within a second, until SIGTERM/SIGINT (the message in hand is finished).
 * --once: take what is there and exit.  A database error leaves the file in
 * place and the Maildir is scanned again after 2, 4, ... 60 seconds (one log
 * line when it fails, one when it works again).
 *
 * Exports: cmd_watch (cmd.h).  Exit: 0 (1 with --once when something was
 * refused), 2 usage or setup error.
 */
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "../intake/ingest.h"
#include "../intake/maildir_watch.h"
#include "../util/config.h"
#include "../util/log.h"

#define MAX_DIRS 64

static volatile sig_atomic_t stop_flag;

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void
on_refused(void *ctx, const char *input, const char *reason)
{
	(void)ctx;
	ingest_log_refusal("refused", input, reason);
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: dmarcscope watch --maildir DIR [--processed-folder P] [--error-folder E] [--once]\n"
	    "       dmarcscope [--config FILE] watch [--once]\n"
	    "\n"
	    "Take the reports delivered to a Maildir (or to every [maildir:NAME] section of\n"
	    "the configuration file) as they arrive: each message is stored, then moved to\n"
	    "the processed folder (default DIR/.Processed), or to the error folder (default\n"
	    "DIR/.Error) when it was refused and is in quarantine.\n"
	    "\n"
	    "  --once     take what is there now and exit\n");
}

struct dir_state {
	mdw *w;
	int delay, failing;
	time_t next;
};

static int
scan(struct dir_state *d, ingest *g, unsigned *refused)
{
	mdw_stats st;
	int r = mdw_scan(d->w, g, &stop_flag, &st);

	*refused += st.refused;
	if (st.taken > 0)
		log_info("maildir %s: %u messages: %u stored, %u duplicates, %u refused, %u moved",
		    mdw_name(d->w), st.taken, st.stored, st.duplicates, st.refused, st.moved);
	if (r == 0) {
		if (d->failing)
			log_warnx("maildir %s: working again", mdw_name(d->w));
		d->failing = d->delay = 0;
		d->next = 0;
		return 0;
	}
	if (!d->failing)
		log_warnx("maildir %s: %s; retrying, at most every 60s", mdw_name(d->w),
		    mdw_error(d->w));
	d->failing = 1;
	d->delay = d->delay == 0 ? 2 : d->delay * 2 > 60 ? 60 : d->delay * 2;
	d->next = time(NULL) + d->delay;
	return -1;
}

int
cmd_watch(cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "maildir", required_argument, NULL, 'm' },
		{ "processed-folder", required_argument, NULL, 'P' },
		{ "error-folder", required_argument, NULL, 'E' },
		{ "once", no_argument, NULL, '1' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	maildir_conf one;
	struct dir_state dirs[MAX_DIRS];
	size_t nd = 0;
	int ch, once = 0, rc = 0;
	unsigned refused = 0;
	ds_config *cf = NULL;
	store *s = NULL;
	ingest *g = NULL;
	ingest_opts o;
	char err[1024];
	struct sigaction sa;

	memset(&one, 0, sizeof(one));
	memset(dirs, 0, sizeof(dirs));
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'm': one.path = optarg; break;
		case 'P': one.processed = optarg; break;
		case 'E': one.error = optarg; break;
		case '1': once = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	if (one.path != NULL) {
		if ((dirs[0].w = mdw_new(&one, err, sizeof(err))) == NULL) {
			log_warnx("watch: %s", err);
			goto bad;
		}
		nd = 1;
	} else {
		const char *path = c->config != NULL ? c->config : CONFIG_DEFAULT_PATH;
		const char *const *secs;
		size_t n;

		if ((cf = config_load(path, err, sizeof(err))) == NULL) {
			log_warnx("watch: no --maildir, and %s", err);
			goto bad;
		}
		secs = config_sections(cf, "maildir:", &n);
		if (n == 0) {
			log_warnx("watch: no --maildir and no [maildir:NAME] section in %s", path);
			goto bad;
		}
		for (size_t i = 0; i < n && nd < MAX_DIRS; i++) {
			maildir_conf mc = {
				secs[i] + strlen("maildir:"), config_str(cf, secs[i], "path"),
				config_str(cf, secs[i], "processed_folder"),
				config_str(cf, secs[i], "error_folder")
			};

			if ((dirs[nd].w = mdw_new(&mc, err, sizeof(err))) == NULL) {
				log_warnx("watch: [%s]: %s", secs[i], err);
				goto bad;
			}
			nd++;
		}
	}
	if ((s = cmd_open_store(c)) == NULL)
		goto bad;
	ingest_opts_default(&o);
	o.redact = cmd_env_redact();
	o.on_refused = on_refused;
	o.pipeline = 0;
	g = ingest_new(s, &o);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	stop_flag = 0;
	for (size_t i = 0; i < nd; i++)
		if (scan(&dirs[i], g, &refused) != 0 && once)
			rc = 2;
	while (!once && !stop_flag) {
		struct pollfd pf[MAX_DIRS];
		time_t now;

		for (size_t i = 0; i < nd; i++) {
			pf[i].fd = mdw_fd(dirs[i].w);
			pf[i].events = POLLIN;
			pf[i].revents = 0;
		}
		/* 500 ms: SIGTERM is seen even if poll is restarted. */
		if (poll(pf, nd, 500) < 0 && !stop_flag)
			continue;
		now = time(NULL);
		for (size_t i = 0; i < nd && !stop_flag; i++) {
			if (dirs[i].failing && now < dirs[i].next)
				continue;
			if ((pf[i].revents & POLLIN) || dirs[i].failing)
				scan(&dirs[i], g, &refused);
		}
	}
	if (once && rc == 0 && refused > 0)
		rc = 1;
out:
	if (g != NULL)
		ingest_free(g);
	if (s != NULL)
		store_close(s);
	for (size_t i = 0; i < nd; i++)
		mdw_free(dirs[i].w);
	config_free(cf);
	return rc;
bad:
	rc = 2;
	goto out;
}
