/*
 * daemon.h - `dmarcscope serve --config FILE`: the whole service in one
 * process tree (daemon.c), and the configuration check it shares with
 * `dmarcscope config check` (config.c).
 *
 * Exports:
 *   daemon_run(c, argc, argv)   c->config set; argv: serve's own arguments,
 *                               handed on to the web child without --config.
 *                               Returns the exit status.
 *   config_validate(path, f)    every problem of the file as one line on f;
 *                               returns how many (0: fine), -1 unreadable.
 */
#ifndef DS_DAEMON_H
#define DS_DAEMON_H

#include <stdio.h>

#include "cmd.h"

int daemon_run(cmd_ctx *c, int argc, char **argv);
int config_validate(const char *path, FILE *f);

#endif
